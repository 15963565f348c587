#include "api/kpi_reply.h"

#include <charconv>
#include <cstdint>
#include <vector>

namespace synergy::api {
namespace {

using ordered = nlohmann::ordered_json;

int DecimalsOf(std::string_view field) { return field == "savings_eur" ? 2 : 3; }

// What a row of the reply carries besides `measured`.
struct Carried {
  bool estimated = false;
  bool synergies = false;
  bool diagnostics = false;
  bool companies = false;
};

Carried TotalsCarry() { return {true, true, true, true}; }

Carried GroupsCarry(KpiGrouping g) {
  switch (g) {
    case KpiGrouping::kYear: return {false, false, true, false};
    case KpiGrouping::kProgramme:
    case KpiGrouping::kRegion: return {true, true, true, false};
    default: return {true, true, false, false};
  }
}

ordered QuantitiesJson(const Quantities& q) {
  ordered o = ordered::object();
  for (const QuantityField& f : kQuantityFields) {
    o[std::string(f.name)] = RoundedNumber(q.*f.member, DecimalsOf(f.name));
  }
  return o;
}

ordered FiguresJson(const KpiFigures& f, Carried c) {
  ordered o = ordered::object();
  o["measured"] = QuantitiesJson(f.measured);
  if (c.estimated) o["estimated"] = QuantitiesJson(f.estimated);
  if (c.synergies) {
    ordered s = ordered::object();
    for (std::size_t i = 0; i < f.synergies.by_stage.size(); ++i) {
      s[std::string(WireNames<Stage>()[i])] = f.synergies.by_stage[i];
    }
    s["total"] = f.synergies.total();
    o["synergies"] = std::move(s);
  }
  if (c.companies) {
    o["companies_enrolled"] = f.companies_enrolled;
    o["companies_engaged"] = f.companies_engaged;
  }
  if (c.diagnostics) o["diagnostics"] = f.diagnostics;
  return o;
}

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out(1, '"');
  for (char ch : text) {
    if (ch == '"') out.push_back('"');
    out.push_back(ch);
  }
  out.push_back('"');
  return out;
}

void CsvRow(std::string& out, std::string_view key, const KpiFigures& f, Carried c) {
  std::vector<std::string> cells = {CsvField(key)};
  for (const QuantityField& q : kQuantityFields) {
    cells.push_back(RoundedNumber(f.measured.*q.member, DecimalsOf(q.name)).dump());
  }
  for (const QuantityField& q : kQuantityFields) {
    cells.push_back(c.estimated ? RoundedNumber(f.estimated.*q.member, DecimalsOf(q.name)).dump() : "");
  }
  for (std::int64_t n : f.synergies.by_stage) cells.push_back(c.synergies ? std::to_string(n) : "");
  cells.push_back(c.synergies ? std::to_string(f.synergies.total()) : "");
  cells.push_back(c.companies ? std::to_string(f.companies_enrolled) : "");
  cells.push_back(c.companies ? std::to_string(f.companies_engaged) : "");
  cells.push_back(c.diagnostics ? std::to_string(f.diagnostics) : "");
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += ',';
    out += cells[i];
  }
  out += "\r\n";
}

}  // namespace

std::string RoundedText(double value, int decimals) {
  char buf[512];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  if (ec != std::errc()) return "0";  // not finite: the domain refuses those
  std::string_view text(buf, static_cast<std::size_t>(end - buf));
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  const std::size_t dot = text.find('.');
  std::string whole(text.substr(0, dot));
  std::string fraction(dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1));
  const auto keep = static_cast<std::size_t>(decimals);
  const bool round_up = fraction.size() > keep && fraction[keep] >= '5';
  if (fraction.size() > keep) fraction.resize(keep);
  std::string digits = whole + fraction;
  if (round_up) {
    std::size_t i = digits.size();
    while (i > 0 && digits[i - 1] == '9') digits[--i] = '0';
    if (i == 0) {
      digits.insert(digits.begin(), '1');
    } else {
      ++digits[i - 1];
    }
  }
  whole = digits.substr(0, digits.size() - fraction.size());
  fraction = digits.substr(digits.size() - fraction.size());
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  const bool zero = whole.find_first_not_of('0') == std::string::npos && fraction.empty();
  std::string out;
  if (negative && !zero) out.push_back('-');
  out.append(whole.empty() ? std::string_view("0") : std::string_view(whole));
  if (!fraction.empty()) out.append(1, '.').append(fraction);
  return out;
}

nlohmann::json RoundedNumber(double value, int decimals) {
  const std::string text = RoundedText(value, decimals);
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (text.find('.') == std::string::npos) {
    std::int64_t n = 0;
    if (auto [p, ec] = std::from_chars(first, last, n); ec == std::errc() && p == last) return n;
  }
  double d = 0;
  std::from_chars(first, last, d);
  return d;
}

std::string RenderKpiJson(const KpiReport& report, std::optional<KpiGrouping> grouping,
                          Timestamp as_of) {
  ordered body = ordered::object();
  body["as_of"] = as_of.ToString();
  body["position"] = report.position;
  body["totals"] = FiguresJson(report.totals, TotalsCarry());
  ordered groups = ordered::array();
  if (grouping) {
    for (const auto& [key, figures] : report.groups) {
      ordered g = ordered::object();
      g["key"] = key;
      g.update(FiguresJson(figures, GroupsCarry(*grouping)));
      groups.push_back(std::move(g));
    }
  }
  body["groups"] = std::move(groups);
  return body.dump(-1, ' ', false, ordered::error_handler_t::replace);
}

namespace {
constexpr std::string_view kAsOfPrefix = "{\"as_of\":\"";
}  // namespace

std::string KpiJsonTail(std::string_view body) {
  return std::string(body.substr(body.find('"', kAsOfPrefix.size())));
}

std::string KpiJsonHead(Timestamp as_of) {
  return std::string(kAsOfPrefix) + as_of.ToString();
}

std::string RenderKpiCsv(const KpiReport& report, std::optional<KpiGrouping> grouping) {
  std::string out = "key";
  for (std::string_view part : {"measured_", "estimated_"}) {
    for (const QuantityField& f : kQuantityFields) out.append(1, ',').append(part).append(f.name);
  }
  for (std::string_view stage : WireNames<Stage>()) out.append(",synergies_").append(stage);
  out += ",synergies_total,companies_enrolled,companies_engaged,diagnostics\r\n";
  if (grouping) {
    for (const auto& [key, figures] : report.groups) CsvRow(out, key, figures, GroupsCarry(*grouping));
  }
  CsvRow(out, "total", report.totals, TotalsCarry());
  return out;
}

}  // namespace synergy::api
