#include "domain/values.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace synergy {
namespace {

TEST(Date, ParsesRealCalendarDaysOnly) {
  EXPECT_EQ(Date::Parse("1970-01-01")->days, 0);
  EXPECT_EQ(Date::Parse("2024-02-29")->ToString(), "2024-02-29");
  EXPECT_FALSE(Date::Parse("2023-02-29"));
  EXPECT_FALSE(Date::Parse("2024-13-01"));
  EXPECT_FALSE(Date::Parse("2024-1-01"));
  EXPECT_FALSE(Date::Parse("2024-01-01T00:00"));
  EXPECT_FALSE(Date::Parse("2024/01/01"));
  EXPECT_FALSE(Date::Parse(""));
  EXPECT_EQ(Date::Parse("2019-06-30")->days - Date::Parse("2018-07-01")->days, 364);
  EXPECT_EQ(Date::Parse("2018-07-01")->Year(), 2018);
}

// Found by the event_decoder fuzz target: a damaged record's recorded_at
// near INT64_MIN made the floor division overflow (UBSan).
TEST(Timestamp, TheEndsOfTheRangeComputeWithoutOverflow) {
  const Timestamp lowest{INT64_MIN}, highest{INT64_MAX};
  EXPECT_EQ(lowest.UtcDate().days, -106'751'992);
  EXPECT_EQ(highest.UtcDate().days, 106'751'991);
  EXPECT_FALSE(lowest.ToString().empty());
  EXPECT_FALSE(highest.ToString().empty());
  EXPECT_EQ(Timestamp{-86'400'000'000}.UtcDate().days, -1);
  EXPECT_EQ(Timestamp{-86'400'000'001}.UtcDate().days, -2);
}

TEST(Timestamp, FormatsRfc3339WithMicroseconds) {
  EXPECT_EQ(Timestamp{0}.ToString(), "1970-01-01T00:00:00.000000Z");
  Timestamp t{Date::Parse("2026-11-28")->days * 86'400'000'000LL + 38'661'123'456LL};
  EXPECT_EQ(t.ToString(), "2026-11-28T10:44:21.123456Z");
  EXPECT_EQ(t.UtcDate().ToString(), "2026-11-28");
  EXPECT_EQ(Timestamp{-1}.ToString(), "1969-12-31T23:59:59.999999Z");
  // Every field at its widest and narrowest, and years on both sides of the
  // four-digit range (damaged records only).
  EXPECT_EQ(Timestamp::Parse("0999-01-02T03:04:05.000006Z")->ToString(), "0999-01-02T03:04:05.000006Z");
  EXPECT_EQ(Timestamp::Parse("9999-12-31T23:59:59.999999Z")->ToString(), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(Date::Parse("0000-01-01")->ToString(), "0000-01-01");
  EXPECT_EQ((Date{Date::Parse("0000-01-01")->days - 1}).ToString(), "-001-12-31");
  EXPECT_EQ((Date{Date::Parse("9999-12-31")->days + 1}).ToString(), "10000-01-01");
}

TEST(Timestamp, ParsesAnyRfc3339FormAndBareDates) {
  auto micros = [](const char* text) { return Timestamp::Parse(text).value().ToString(); };
  EXPECT_EQ(micros("2026-11-28T10:44:21Z"), "2026-11-28T10:44:21.000000Z");
  EXPECT_EQ(micros("2026-11-28T10:44:21.1Z"), "2026-11-28T10:44:21.100000Z");
  EXPECT_EQ(micros("2026-11-28T10:44:21.123456789Z"), "2026-11-28T10:44:21.123456Z");
  EXPECT_EQ(micros("2026-11-28T10:44:21.5+01:30"), "2026-11-28T09:14:21.500000Z");
  EXPECT_EQ(micros("2026-11-28T23:00:00-02:00"), "2026-11-29T01:00:00.000000Z");
  EXPECT_EQ(micros("2026-11-28"), "2026-11-28T23:59:59.999999Z");
  // A leap second is not a second of the clock: the end of the one before.
  EXPECT_EQ(micros("2016-12-31T23:59:60Z"), "2016-12-31T23:59:59.999999Z");
  EXPECT_EQ(micros("2017-01-01T00:59:60.25+01:00"), "2016-12-31T23:59:59.999999Z");
  for (const char* bad : {"2026-11-28T10:44:21", "2026-11-28T10:44:21.Z", "2016-12-31T23:59:61Z",
                          "2026-11-28T10:44:21.1234567890Z", "2026-11-28T24:00:00Z",
                          "2026-11-28 10:44:21Z", "2026-11-28T10:44:21+0100", "yesterday",
                          "2026-02-30"}) {
    EXPECT_FALSE(Timestamp::Parse(bad)) << bad;
  }
}

TEST(Identifiers, FollowThePattern) {
  EXPECT_TRUE(IsValidId("ziri"));
  EXPECT_TRUE(IsValidId("0-a"));
  EXPECT_TRUE(IsValidId(std::string(64, 'a')));
  EXPECT_FALSE(IsValidId(std::string(65, 'a')));
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId("-a"));
  EXPECT_FALSE(IsValidId("Ziri"));
  EXPECT_FALSE(IsValidId("a_b"));
  EXPECT_FALSE(IsValidId("a/b"));
}

TEST(Codes, EwcSiretNace) {
  EXPECT_TRUE(IsValidEwcCode("150101"));
  EXPECT_TRUE(IsValidEwcCode("160601*"));
  EXPECT_FALSE(IsValidEwcCode("15010"));
  EXPECT_FALSE(IsValidEwcCode("1501011"));
  EXPECT_FALSE(IsValidEwcCode("15 01 01"));
  EXPECT_FALSE(IsValidEwcCode("*150101"));

  EXPECT_TRUE(IsValidSiret("73282932000074"));   // Luhn-valid
  EXPECT_FALSE(IsValidSiret("73282932000075"));
  EXPECT_FALSE(IsValidSiret("7328293200007"));
  EXPECT_FALSE(IsValidSiret("7328293200007a"));
  // La Poste (SIREN 356000000): Luhn fails, a digit sum divisible by 5 passes.
  EXPECT_TRUE(IsValidSiret("35600000049918"));
  EXPECT_FALSE(IsValidSiret("35600000049919"));
  // The digit-sum rule is La Poste's alone.
  EXPECT_FALSE(IsValidSiret("44200000000000"));

  EXPECT_TRUE(IsValidNace("1071C"));
  EXPECT_TRUE(IsValidNace("10.71C"));
  EXPECT_FALSE(IsValidNace("1071c"));
  EXPECT_FALSE(IsValidNace("107.1C"));
  EXPECT_FALSE(IsValidNace("10710"));
}

TEST(Quantities, FiniteAndSignRules) {
  Quantities q;
  q.savings_eur = -10;      // a synergy may cost money
  q.co2e_avoided_t = -1;    // or emit more
  EXPECT_TRUE(ValidateQuantities(q, "values").ok());
  q.water_m3 = -1;
  Status s = ValidateQuantities(q, "values");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "values.water_m3");
  q.water_m3 = 0;
  q.jobs = std::numeric_limits<double>::infinity();
  EXPECT_EQ(ValidateQuantities(q, "estimated").error().field, "estimated.jobs");
  q.jobs = std::nan("");
  EXPECT_EQ(ValidateQuantities(q, "values").error().code, ErrorCode::kValidation);
  // Every offending field is named, in the order of the contract's fields.
  q.tonnes_recovered = -3;
  Status both = ValidateQuantities(q, "values");
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.error().field, "values.tonnes_recovered");
  EXPECT_EQ(both.error().message, "must be >= 0");
  EXPECT_EQ(both.error().more, (std::vector<FieldMessage>{{"values.jobs", "must be a finite number"}}));
}

TEST(Enumerations, RoundTripWireNames) {
  EXPECT_EQ(ToString(Resource::kRawMaterial), "raw_material");
  EXPECT_EQ(ParseEnum<Resource>("mobility"), Resource::kMobility);
  EXPECT_EQ(ParseEnum<ReasonCode>("partner_left"), ReasonCode::kPartnerLeft);
  EXPECT_EQ(ParseEnum<Decision>("no_go"), Decision::kNoGo);
  EXPECT_EQ(ParseEnum<Stage>("measured"), Stage::kMeasured);
  EXPECT_FALSE(ParseEnum<SynergyKind>("Substitution"));
  EXPECT_EQ(ProblemType(ErrorCode::kIdempotencyMismatch), "idempotency-mismatch");
}

}  // namespace
}  // namespace synergy
