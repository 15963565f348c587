// Tamper evidence: a byte changed behind the store's back is found by verify.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "infra/hash_chain.h"
#include "tests/infra/sample_events.h"
#include "tests/infra/store_fixtures.h"

namespace synergy::testing {
namespace {

// Opens the store's database with RocksDB alone and lets `edit` change the
// events family.
void EditEventsDirectly(const std::filesystem::path& dir,
                        const std::function<void(rocksdb::DB*, rocksdb::ColumnFamilyHandle*)>& edit) {
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(
      rocksdb::DB::Open(rocksdb::Options(), dir.string(), ColumnFamilyDescriptors(), &handles, &db).ok());
  edit(db, handles[1]);  // kColumnFamilies[0] is the events family
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

class RocksTamper : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = factory_.Open(SystemNow);
    for (int i = 0; i < 6; ++i) {
      AppendRequest r;
      r.stream = "synergy-a";
      r.expected_version = static_cast<std::uint64_t>(i);
      r.events = {SampleEvents()[7]};
      r.actor = "anne";
      ASSERT_TRUE(store->Append(r).ok());
    }
  }
  RocksStoreFactory factory_;
};

TEST_F(RocksTamper, OneChangedByteIsNamed) {
  EditEventsDirectly(factory_.dir(), [](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events) {
    std::string value;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), events, PositionKey(3), &value).ok());
    value[value.size() - 5] ^= 0x01;  // one bit of one measured value
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), events, PositionKey(3), value).ok());
  });
  auto store = factory_.Open(SystemNow);
  Result<VerifyReport> report = VerifyChain(*store);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_position, 3u);
  EXPECT_EQ(report->checked, 2u);
  EXPECT_EQ(report->head.position, 6u);
}

TEST_F(RocksTamper, AChangedStoredHashIsNamed) {
  EditEventsDirectly(factory_.dir(), [](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events) {
    std::string value;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), events, PositionKey(6), &value).ok());
    value[0] ^= 0x01;
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), events, PositionKey(6), value).ok());
  });
  auto store = factory_.Open(SystemNow);
  Result<VerifyReport> report = VerifyChain(*store);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_position, 6u);
}

TEST_F(RocksTamper, ADeletedEventIsNamed) {
  EditEventsDirectly(factory_.dir(), [](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events) {
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), events, PositionKey(4)).ok());
  });
  auto store = factory_.Open(SystemNow);
  Result<VerifyReport> report = VerifyChain(*store);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_position, 4u);
}

TEST_F(RocksTamper, UntouchedLogVerifies) {
  auto store = factory_.Open(SystemNow);
  Result<VerifyReport> report = VerifyChain(*store);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->checked, 6u);
}

}  // namespace
}  // namespace synergy::testing
