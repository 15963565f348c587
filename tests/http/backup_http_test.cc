// Backups: synergyd backup while a server takes writes (it asks the server),
// or offline; synergyd restore into a new directory, chain verified.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "tests/http/http_client.h"
#include "tests/http/server_process.h"

namespace synergy::testing {
namespace {

using nlohmann::json;

json SynergyBody(const std::string& sid) {
  return {{"id", sid}, {"title", "T"}, {"kind", "substitution"}, {"resource", "waste"},
          {"occurred_on", "2020-01-01"},
          {"participants", {{{"company_id", "acme"}, {"role", "provider"}},
                            {{"company_id", "bois"}, {"role", "receiver"}}}}};
}

void SetUpProgramme(int port, const std::string& auth) {
  Connection c(port);
  json programme = {{"id", "ziri"}, {"name", "ZIRI"}, {"region", "Nouvelle-Aquitaine"},
                    {"department", "33"}, {"facilitator_org", "T"}, {"started_on", "2016-01-01"}};
  ASSERT_EQ(c.Request("POST", "/v1/programmes", {{"Authorization", auth}}, programme.dump()).status, 201);
  for (const char* id : {"acme", "bois"}) {
    ASSERT_EQ(c.Request("POST", "/v1/programmes/ziri/companies", {{"Authorization", auth}},
                        json({{"id", id}, {"name", id}}).dump()).status, 201);
  }
}

TEST(Backup, OnlineWhileWritesGoOnThenRestoredAndVerified) {
  ServerProcess server;
  const std::string auth = "Bearer " + server.admin_token();
  SetUpProgramme(server.port(), auth);
  TempDir work;
  const std::string token_file = (work.path() / "admin.token").string();
  std::ofstream(token_file) << server.admin_token() << "\n";
  const std::string backup = (work.path() / "backup").string();

  // A writer appends synergies until told to stop; acked counts the 201s.
  std::atomic<bool> stop{false};
  std::atomic<int> acked{0};
  std::thread writer([&] {
    Connection c(server.port());
    for (int n = 0; !stop && n < 5000; ++n) {
      Reply r = c.Request("POST", "/v1/programmes/ziri/synergies", {{"Authorization", auth}},
                          SynergyBody(std::string("s").append(std::to_string(n))).dump());
      if (r.status != 201) break;
      ++acked;
    }
  });
  while (acked < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int acked_before = acked;
  int status = -1;
  std::string out = RunSynergyd({"backup", "--data-dir", server.data_dir(), "--to", backup, "--server",
                                 "127.0.0.1:" + std::to_string(server.port()), "--token-file", token_file},
                                &status, true);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("through 127.0.0.1"), std::string::npos) << out;  // it asked the server
  stop = true;
  writer.join();
  EXPECT_GT(acked.load(), acked_before);  // writes went on during the backup
  EXPECT_EQ(server.Stop(), 0);

  // Restored into a fresh directory and served: every synergy acknowledged
  // before the backup began is there, and the chain verifies.
  std::string token2;
  ServerProcess restored([&](const std::string& dir) {
    std::filesystem::remove_all(dir);
    int rc = -1;
    std::string said = RunSynergyd({"restore", "--from", backup, "--data-dir", dir}, &rc, true);
    ASSERT_EQ(rc, 0) << said;
    EXPECT_NE(said.find("chain ok"), std::string::npos) << said;
    token2 = RunSynergyd({"token", "create", "--data-dir", dir, "--name", "again", "--role", "admin"});
    token2.erase(token2.find_last_not_of('\n') + 1);
  });
  for (int i = 0; i < 200; ++i) {
    Connection c(restored.port());
    if (c.Request("GET", "/readyz").status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Connection c(restored.port());
  json list = c.Request("GET", "/v1/synergies?programme=ziri", {{"Authorization", "Bearer " + token2}}).Json();
  std::set<std::string> ids;
  for (const json& s : list["synergies"]) ids.insert(s["id"].get<std::string>());
  for (int n = 0; n < acked_before; ++n) EXPECT_TRUE(ids.contains(std::string("s").append(std::to_string(n)))) << n;
  json verify = c.Request("GET", "/v1/audit/verify", {{"Authorization", "Bearer " + token2}}).Json();
  EXPECT_EQ(verify["ok"], true);
  EXPECT_EQ(verify["head_position"].get<std::size_t>(), 3 + ids.size());  // programme, 2 companies
  EXPECT_EQ(restored.Stop(), 0);
}

TEST(Backup, OfflineAndRestoreRefusesAnExistingDirectory) {
  ServerProcess server;
  SetUpProgramme(server.port(), "Bearer " + server.admin_token());
  ASSERT_EQ(server.Stop(), 0);
  TempDir work;
  const std::string backup = (work.path() / "b").string();
  int status = -1;
  std::string out = RunSynergyd({"backup", "--data-dir", server.data_dir(), "--to", backup}, &status, true);
  ASSERT_EQ(status, 0) << out;
  out = RunSynergyd({"backup", "--data-dir", server.data_dir(), "--to", backup}, &status, true);
  EXPECT_EQ(status, 1) << out;  // the destination exists
  out = RunSynergyd({"restore", "--from", backup, "--data-dir", server.data_dir()}, &status, true);
  EXPECT_EQ(status, 1) << out;  // never over an existing directory
  const std::string target = (work.path() / "r").string();
  out = RunSynergyd({"restore", "--from", backup, "--data-dir", target}, &status, true);
  EXPECT_EQ(status, 0) << out;
  out = RunSynergyd({"verify", "--data-dir", target}, &status, true);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("ok: 3 events checked"), std::string::npos) << out;
}

}  // namespace
}  // namespace synergy::testing
