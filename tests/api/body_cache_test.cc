#include "api/body_cache.h"

#include <gtest/gtest.h>

namespace synergy::api {
namespace {

std::shared_ptr<const std::string> Body(std::size_t size, char c = 'x') {
  return std::make_shared<const std::string>(size, c);
}

// The cached body under `key`, or "(absent)".
std::string Cached(const BodyCache& cache, const std::string& key) {
  std::shared_ptr<const std::string> body = cache.Find(key);
  return body ? *body : std::string("(absent)");
}

TEST(BodyCache, FindsWhatWasPutAndNothingElse) {
  BodyCache cache(1000);
  EXPECT_EQ(cache.Find("a"), nullptr);
  cache.Put("a", Body(10, 'a'));
  EXPECT_EQ(Cached(cache, "a"), std::string(10, 'a'));
  EXPECT_EQ(cache.Find("b"), nullptr);
  EXPECT_EQ(cache.bytes(), 11u);
}

TEST(BodyCache, APutUnderTheSameKeyReplacesAndCountsOnce) {
  BodyCache cache(1000);
  cache.Put("a", Body(10, 'a'));
  cache.Put("a", Body(20, 'b'));
  EXPECT_EQ(Cached(cache, "a"), std::string(20, 'b'));
  EXPECT_EQ(cache.bytes(), 21u);
}

TEST(BodyCache, ABodyThatWouldPassTheBudgetEmptiesTheCacheFirst) {
  BodyCache cache(100);
  cache.Put("a", Body(40));
  cache.Put("b", Body(40));
  EXPECT_EQ(cache.bytes(), 82u);
  cache.Put("c", Body(40));  // 82 + 41 > 100
  EXPECT_EQ(cache.Find("a"), nullptr);
  EXPECT_EQ(cache.Find("b"), nullptr);
  ASSERT_NE(cache.Find("c"), nullptr);
  EXPECT_EQ(cache.bytes(), 41u);
}

TEST(BodyCache, ABodyOverTheWholeBudgetIsNotStoredAndKeepsTheOthers) {
  BodyCache cache(100);
  cache.Put("a", Body(40));
  cache.Put("huge", Body(200));
  EXPECT_EQ(cache.Find("huge"), nullptr);
  EXPECT_NE(cache.Find("a"), nullptr);
}

TEST(BodyCache, AFoundBodyOutlivesItsEviction) {
  BodyCache cache(50);
  cache.Put("a", Body(40, 'a'));
  std::shared_ptr<const std::string> held = cache.Find("a");
  cache.Put("b", Body(40, 'b'));
  EXPECT_EQ(cache.Find("a"), nullptr);
  EXPECT_EQ(*held, std::string(40, 'a'));
}

}  // namespace
}  // namespace synergy::api
