#include "infra/codec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "tests/infra/sample_events.h"

namespace synergy::testing {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Codec, RoundTripsEveryEventType) {
  for (const Event& event : SampleEvents()) {
    std::string body = EncodeBody("synergy-x", "id1", "anne", event);
    std::string bytes = FrameRecord(42, 5, Timestamp{1234567}, body);
    Result<RecordedEvent> decoded = DecodeRecord(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded->event, event) << EventType(event);
    EXPECT_EQ(decoded->position, 42u);
    EXPECT_EQ(decoded->version, 5u);
    EXPECT_EQ(decoded->recorded_at, Timestamp{1234567});
    EXPECT_EQ(decoded->stream, "synergy-x");
    EXPECT_EQ(decoded->event_id, "id1");
    EXPECT_EQ(decoded->actor, "anne");
    EXPECT_EQ(decoded->occurred_on,
              BusinessDate(event).value_or(Timestamp{1234567}.UtcDate()));
  }
}

// Every golden file ever shipped must keep decoding to the same event.
TEST(Codec, GoldenFilesDecode) {
  std::vector<Event> samples = SampleEvents();
  std::size_t checked = 0;
  for (const Event& expected : samples) {
    std::string name = std::string(EventType(expected)) + ".v1.bin";
    std::filesystem::path path = std::filesystem::path(SYNERGY_GOLDEN_DIR) / name;
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    std::string bytes = ReadFile(path);
    Result<RecordedEvent> decoded = DecodeRecord(bytes);
    ASSERT_TRUE(decoded.ok()) << name << ": " << decoded.error().message;
    EXPECT_EQ(decoded->event, expected) << name;
    EXPECT_EQ(decoded->position, kGoldenPosition);
    EXPECT_EQ(decoded->version, kGoldenVersion);
    EXPECT_EQ(decoded->recorded_at.micros, kGoldenRecordedAt);
    EXPECT_EQ(decoded->event_id, kGoldenEventId);
    EXPECT_EQ(decoded->stream, kGoldenStream);
    EXPECT_EQ(decoded->actor, kGoldenActor);
    // Today's encoder still writes the shipped bytes: a change of layout
    // needs a new schema version, not a silent edit.
    std::string body = EncodeBody(kGoldenStream, kGoldenEventId, kGoldenActor, expected);
    EXPECT_EQ(FrameRecord(kGoldenPosition, kGoldenVersion, Timestamp{kGoldenRecordedAt}, body),
              bytes)
        << name;
    ++checked;
  }
  EXPECT_EQ(checked, std::variant_size_v<Event>);
}

// Replaces the first occurrence of `from` in `bytes` by `to` (same length).
std::string Patch(std::string bytes, std::string_view from, std::string_view to) {
  std::size_t at = bytes.find(from);
  EXPECT_NE(at, std::string::npos);
  bytes.replace(at, from.size(), to);
  return bytes;
}

std::string SampleRecord() {
  return FrameRecord(1, 1, Timestamp{0},
                     EncodeBody("s", "e", "a", SampleEvents()[4]));
}

TEST(Codec, UnknownTypeTagIsAClearError) {
  std::string bytes = Patch(SampleRecord(), "SynergyIdentified", "SynergyIdentifiex");
  Result<RecordedEvent> decoded = DecodeRecord(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(decoded.error().message.find("unknown event type 'SynergyIdentifiex'"),
            std::string::npos)
      << decoded.error().message;
}

TEST(Codec, NewerSchemaVersionIsAClearError) {
  std::string bytes = SampleRecord();
  // The schema version is the u32 right after the type tag.
  std::size_t at = bytes.find("SynergyIdentified") + std::string_view("SynergyIdentified").size();
  ASSERT_EQ(bytes[at], 1);
  bytes[at] = 2;
  Result<RecordedEvent> decoded = DecodeRecord(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().message.find("schema version 2 is not one this code knows"),
            std::string::npos)
      << decoded.error().message;
}

TEST(Codec, TruncatedAndGarbageBytesFailWithoutCrashing) {
  std::string bytes = SampleRecord();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeRecord(std::string_view(bytes).substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(DecodeRecord(bytes + "x").ok());
  // A string length claiming far more than the record holds.
  std::string huge = bytes;
  huge[kFrameSize + 1 + 7] = '\x7f';  // high byte of the type tag's length
  EXPECT_FALSE(DecodeRecord(huge).ok());
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string noisy = bytes;
    noisy[kFrameSize + rng() % (noisy.size() - kFrameSize)] = static_cast<char>(rng());
    (void)DecodeRecord(noisy);  // any result but a crash
  }
}

TEST(Codec, IdempotencyRecordRoundTrips) {
  IdempotencyRecord r{"digest", AppendOutcome{3, 5, 2, Timestamp{99}, "reply", false}};
  Result<IdempotencyRecord> back = DecodeIdempotency(EncodeIdempotency(r));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->request_digest, "digest");
  EXPECT_EQ(back->outcome.first_position, 3u);
  EXPECT_EQ(back->outcome.last_position, 5u);
  EXPECT_EQ(back->outcome.version, 2u);
  EXPECT_EQ(back->outcome.recorded_at, Timestamp{99});
  EXPECT_EQ(back->outcome.reply, "reply");
  EXPECT_FALSE(DecodeIdempotency("\x01\xff").ok());
}

TEST(Codec, EventIdsAreFreshHex) {
  std::string a = NewEventId(), b = NewEventId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(Codec, RandomHexHasTheDigitsAskedAndDoesNotRepeat) {
  std::set<std::string> seen;
  for (std::size_t digits : {1u, 15u, 16u, 17u, 40u}) {
    std::string id = RandomHex(digits);
    EXPECT_EQ(id.size(), digits);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  }
  for (int i = 0; i < 10000; ++i) seen.insert(RandomHex(16));
  EXPECT_EQ(seen.size(), 10000u);
  // Every digit position varies: no position stuck at one value.
  std::string first = RandomHex(40), differs(40, '.');
  for (int i = 0; i < 64; ++i) {
    std::string next = RandomHex(40);
    for (std::size_t k = 0; k < 40; ++k) {
      if (next[k] != first[k]) differs[k] = 'x';
    }
  }
  EXPECT_EQ(differs, std::string(40, 'x'));
}

}  // namespace
}  // namespace synergy::testing
