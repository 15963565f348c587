// Rounding of KPI figures: on the decimal digits, half away from zero; the
// JSON reply's split around its as_of.
#include "api/kpi_reply.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace synergy::api {
namespace {

TEST(RoundedText, RoundsHalfAwayFromZeroOnDecimalDigits) {
  EXPECT_EQ(RoundedText(184, 2), "184");
  EXPECT_EQ(RoundedText(35.5, 3), "35.5");
  EXPECT_EQ(RoundedText(2.675, 2), "2.68");  // 2.67499999... in binary
  EXPECT_EQ(RoundedText(-2.675, 2), "-2.68");
  EXPECT_EQ(RoundedText(1.0005, 3), "1.001");
  EXPECT_EQ(RoundedText(1.00049, 3), "1");
  EXPECT_EQ(RoundedText(9.995, 2), "10");
  EXPECT_EQ(RoundedText(99.9996, 3), "100");
  EXPECT_EQ(RoundedText(-0.0004, 3), "0");
  EXPECT_EQ(RoundedText(-0.0, 2), "0");
  EXPECT_EQ(RoundedText(0.125, 2), "0.13");
  EXPECT_EQ(RoundedText(1e-9, 3), "0");
  EXPECT_EQ(RoundedText(123456789.125, 2), "123456789.13");
}

TEST(RoundedNumber, IsAnIntegerWithoutFractionAndTheSameTextAsJson) {
  EXPECT_EQ(RoundedNumber(184.0, 2).dump(), "184");
  EXPECT_TRUE(RoundedNumber(184.0, 2).is_number_integer());
  EXPECT_EQ(RoundedNumber(0.756164, 3).dump(), "0.756");
  EXPECT_EQ(RoundedNumber(-1.5, 2).dump(), "-1.5");
}

TEST(KpiJson, AReplyForAnotherInstantIsTheNewHeadBeforeTheCachedTail) {
  KpiReport report;
  report.position = 42;
  report.totals.measured.savings_eur = 184;
  report.groups["2019"].measured.savings_eur = 181;
  const Timestamp rendered{1'561'939'200'123'456}, asked{1'700'000'000'000'001};
  const std::string tail = KpiJsonTail(RenderKpiJson(report, KpiGrouping::kYear, rendered));
  EXPECT_EQ(KpiJsonHead(asked) + tail, RenderKpiJson(report, KpiGrouping::kYear, asked));
  EXPECT_EQ(nlohmann::json::parse(KpiJsonHead(asked) + tail)["as_of"], asked.ToString());
  EXPECT_EQ(tail.find(rendered.ToString()), std::string::npos);
}

}  // namespace
}  // namespace synergy::api
