// Tamper evidence at start-up: synergyd serve verifies the chain from the
// last verified position and refuses a broken one unless told otherwise.
// And the offline commands (verify, rebuild, token create) facing a
// directory without a database, or one a server holds.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <unistd.h>

#include <filesystem>

#include "infra/rocks_store.h"
#include "tests/http/http_client.h"
#include "tests/http/server_process.h"

namespace synergy::testing {
namespace {

using nlohmann::json;

// Flips one bit of the stored event at `position`, with RocksDB alone.
void FlipStoredBit(const std::string& dir, std::uint64_t position) {
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir, ColumnFamilyDescriptors(), &handles, &db).ok());
  std::string value;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), handles[1], PositionKey(position), &value).ok());
  value[value.size() - 3] ^= 0x01;
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[1], PositionKey(position), value).ok());
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

TEST(ChainAtStartUp, ABrokenChainStopsServeUnlessAllowed) {
  ServerProcess server;
  const std::string auth = "Bearer " + server.admin_token();
  {
    Connection c(server.port());
    json programme = {{"id", "ziri"}, {"name", "ZIRI"}, {"region", "Nouvelle-Aquitaine"},
                      {"department", "33"}, {"facilitator_org", "T"}, {"started_on", "2016-01-01"}};
    Reply created = c.Request("POST", "/v1/programmes", {{"Authorization", auth}}, programme.dump());
    ASSERT_EQ(created.status, 201) << created.body;
    for (const char* id : {"acme", "bois", "cafe"}) {
      json company = {{"id", id}, {"name", id}};
      ASSERT_EQ(c.Request("POST", "/v1/programmes/ziri/companies", {{"Authorization", auth}},
                          company.dump()).status, 201);
    }
  }
  // The chain was verified when the log was empty: every event above is
  // checked at the next start.
  ASSERT_EQ(server.Stop(), 0);
  FlipStoredBit(server.data_dir(), 2);
  int status = 0;
  std::string out = RunSynergyd({"serve", "--data-dir", server.data_dir(), "--port", "0"}, &status,
                                /*with_stderr=*/true);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("broken at position 2"), std::string::npos) << out;
  EXPECT_EQ(out.find("listening"), std::string::npos) << out;

  server.Start({"--allow-broken-chain"});
  Connection c(server.port());
  Reply verify = c.Request("GET", "/v1/audit/verify", {{"Authorization", auth}});
  ASSERT_EQ(verify.status, 200) << verify.body;
  EXPECT_EQ(verify.Json()["ok"], false);
  EXPECT_EQ(verify.Json()["first_bad_position"], 2);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ChainAtStartUp, AnIntactChainIsVerifiedOnceThenOnlyItsTail) {
  ServerProcess server;
  ASSERT_EQ(server.Stop(), 0);
  int status = -1;
  std::string out = RunSynergyd({"verify", "--data-dir", server.data_dir()}, &status);
  EXPECT_EQ(status, 0) << out;
  server.Start();  // nothing appended since: nothing to check, it starts
  EXPECT_TRUE(server.Alive());
  EXPECT_EQ(server.Stop(), 0);
}

// verify and rebuild read what a database holds: none is no "ok: 0 events".
TEST(OfflineCommands, VerifyAndRebuildRefuseADirectoryWithoutADatabase) {
  const std::filesystem::path missing =
      std::filesystem::temp_directory_path() / ("synergy-no-db-" + std::to_string(::getpid()));
  std::filesystem::remove_all(missing);
  std::filesystem::create_directories(missing / "empty");
  for (const std::filesystem::path& dir : {missing / "absent", missing / "empty"}) {
    int status = -1;
    std::string out = RunSynergyd({"verify", "--data-dir", dir.string()}, &status, true);
    EXPECT_EQ(status, 2) << out;
    EXPECT_NE(out.find("no database in"), std::string::npos) << out;
    out = RunSynergyd({"rebuild", "--data-dir", dir.string()}, &status, true);
    EXPECT_EQ(status, 1) << out;
    EXPECT_NE(out.find("no database in"), std::string::npos) << out;
  }
  // Nothing was made on the way.
  EXPECT_FALSE(std::filesystem::exists(missing / "absent"));
  EXPECT_TRUE(std::filesystem::is_empty(missing / "empty"));
  std::filesystem::remove_all(missing);
}

// The commands that open the database themselves meet a server holding it.
TEST(OfflineCommands, ADatabaseInUseIsNamedSo) {
  ServerProcess server;
  int status = -1;
  std::string out = RunSynergyd(
      {"token", "create", "--data-dir", server.data_dir(), "--name", "x", "--role", "admin"},
      &status, true);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("the database is in use"), std::string::npos) << out;
  EXPECT_TRUE(server.Alive());
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace synergy::testing
