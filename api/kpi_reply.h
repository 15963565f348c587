// The body of a /v1/kpis reply, as JSON or CSV (API.md, "KPIs"). Figures are
// rounded here and only here: euros to 2 decimals, other quantities to 3,
// half away from zero.
#ifndef SYNERGY_API_KPI_REPLY_H_
#define SYNERGY_API_KPI_REPLY_H_

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/values.h"
#include "projections/kpi.h"

namespace synergy::api {

// `value` rounded half away from zero to `decimals`, in the shortest decimal
// text that names it ("184", "35.5", "-0.25"), computed on the decimal
// digits of the value, so 2.675 rounds to 2.68.
std::string RoundedText(double value, int decimals);

// The rounded value as a JSON number (an integer when it has no fraction).
nlohmann::json RoundedNumber(double value, int decimals);

// The JSON reply; "as_of" comes first, so that a reply for another instant
// is KpiJsonHead(instant) followed by KpiJsonTail(body).
std::string RenderKpiJson(const KpiReport& report, std::optional<KpiGrouping> grouping,
                          Timestamp as_of);
// What follows the "as_of" value of a body made by RenderKpiJson (from the
// value's closing quote on): the same for every instant.
std::string KpiJsonTail(std::string_view body);
// What comes before the tail: the object's start and the "as_of" value.
std::string KpiJsonHead(Timestamp as_of);

// RFC 4180: a header row, one row per group, then the totals row keyed
// "total"; CRLF line ends; numbers as the JSON reply writes them; a cell a
// group does not carry is empty.
std::string RenderKpiCsv(const KpiReport& report, std::optional<KpiGrouping> grouping);

}  // namespace synergy::api

#endif  // SYNERGY_API_KPI_REPLY_H_
