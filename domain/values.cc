#include "domain/values.h"

#include <chrono>
#include <cmath>
#include <cstdio>

namespace synergy {

namespace {

std::optional<int> ParseDigits(std::string_view text) {
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Writes `value` (below 10^width) as `width` digits from `out` on.
void PutDigits(char* out, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

std::optional<Date> Date::Parse(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto y = ParseDigits(text.substr(0, 4));
  auto m = ParseDigits(text.substr(5, 2));
  auto d = ParseDigits(text.substr(8, 2));
  if (!y || !m || !d) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{*y},
                                  std::chrono::month{static_cast<unsigned>(*m)},
                                  std::chrono::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  return Date::FromYmd(*y, static_cast<unsigned>(*m), static_cast<unsigned>(*d));
}

Date Date::FromYmd(int year, unsigned month, unsigned day) {
  std::chrono::sys_days days{std::chrono::year{year} / std::chrono::month{month} /
                             std::chrono::day{day}};
  return Date{static_cast<std::int32_t>(days.time_since_epoch().count())};
}

std::string Date::ToString() const {
  std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {  // only in damaged records
    char buf[24];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", year, static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return buf;
  }
  // Digit by digit: the events feed and every KPI reply format dates and
  // instants, and snprintf was most of a cached KPI reply's own work.
  std::string out = "0000-00-00";
  PutDigits(&out[0], static_cast<unsigned>(year), 4);
  PutDigits(&out[5], static_cast<unsigned>(ymd.month()), 2);
  PutDigits(&out[8], static_cast<unsigned>(ymd.day()), 2);
  return out;
}

int Date::Year() const {
  std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  return static_cast<int>(ymd.year());
}

std::optional<Timestamp> Timestamp::Parse(std::string_view text) {
  constexpr std::int64_t kDay = 86'400'000'000;
  if (text.size() == 10) {
    std::optional<Date> date = Date::Parse(text);
    if (!date) return std::nullopt;
    return Timestamp{(date->days + 1) * kDay - 1};
  }
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  std::optional<Date> date = Date::Parse(text.substr(0, 10));
  auto hh = ParseDigits(text.substr(11, 2));
  auto mm = ParseDigits(text.substr(14, 2));
  auto ss = ParseDigits(text.substr(17, 2));
  if (!date || !hh || !mm || !ss || *hh > 23 || *mm > 59 || *ss > 60) return std::nullopt;
  std::size_t i = 19;
  std::int64_t micros = 0;
  if (i < text.size() && text[i] == '.') {
    std::size_t start = ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    std::size_t digits = i - start;
    if (digits == 0 || digits > 9) return std::nullopt;
    for (std::size_t k = 0; k < 6; ++k) {
      micros = micros * 10 + (k < digits ? text[start + k] - '0' : 0);
    }
  }
  if (*ss == 60) {
    // A leap second: the clock has no such second, so it is the last
    // microsecond of the minute's second 59.
    *ss = 59;
    micros = 999'999;
  }
  std::int64_t offset_minutes = 0;
  std::string_view zone = text.substr(i);
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    auto oh = ParseDigits(zone.substr(1, 2));
    auto om = ParseDigits(zone.substr(4, 2));
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = (*oh * 60 + *om) * (zone[0] == '+' ? 1 : -1);
  } else {
    return std::nullopt;
  }
  std::int64_t seconds = (std::int64_t{*hh} * 60 + *mm) * 60 + *ss - offset_minutes * 60;
  return Timestamp{date->days * kDay + seconds * 1'000'000 + micros};
}

std::string Timestamp::ToString() const {
  Date date = UtcDate();
  // The remainder, made non-negative: no product that could overflow near
  // the ends of the range (a damaged record can hold any value).
  std::int64_t in_day = micros % 86'400'000'000;
  if (in_day < 0) in_day += 86'400'000'000;
  const auto secs = static_cast<unsigned>(in_day / 1'000'000);
  std::string out = date.ToString();
  const std::size_t at = out.size();
  out += "T00:00:00.000000Z";
  PutDigits(&out[at + 1], secs / 3600, 2);
  PutDigits(&out[at + 4], secs / 60 % 60, 2);
  PutDigits(&out[at + 7], secs % 60, 2);
  PutDigits(&out[at + 10], static_cast<unsigned>(in_day % 1'000'000), 6);
  return out;
}

Date Timestamp::UtcDate() const {
  // Floor division: instants before the epoch belong to the day before.
  // (Not (micros - 86'399'999'999) / day: that overflows near INT64_MIN.)
  std::int64_t day = micros / 86'400'000'000;
  if (micros % 86'400'000'000 < 0) --day;
  return Date{static_cast<std::int32_t>(day)};
}

const std::array<QuantityField, 6> kQuantityFields = {{
    {"savings_eur", &Quantities::savings_eur, true},
    {"tonnes_recovered", &Quantities::tonnes_recovered, false},
    {"co2e_avoided_t", &Quantities::co2e_avoided_t, true},
    {"water_m3", &Quantities::water_m3, false},
    {"energy_mwh", &Quantities::energy_mwh, false},
    {"jobs", &Quantities::jobs, false},
}};

Status ValidateQuantities(const Quantities& q, std::string_view prefix) {
  Violations found;
  for (const QuantityField& f : kQuantityFields) {
    double v = q.*f.member;
    if (std::isfinite(v) && (f.may_be_negative || v >= 0)) continue;
    found.Add(MakeError(ErrorCode::kValidation,
                        std::isfinite(v) ? "must be >= 0" : "must be a finite number",
                        std::string(prefix) + "." + std::string(f.name)));
  }
  return std::move(found).status();
}

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool ok = (c >= 'a' && c <= 'z') || IsDigit(c) || (i > 0 && c == '-');
    if (!ok) return false;
  }
  return true;
}

bool IsValidEwcCode(std::string_view code) {
  if (code.size() == 7) {
    if (code[6] != '*') return false;
    code.remove_suffix(1);
  }
  if (code.size() != 6) return false;
  for (char c : code) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

bool IsValidSiret(std::string_view siret) {
  if (siret.size() != 14) return false;
  int luhn = 0;
  int digit_sum = 0;
  for (std::size_t i = 0; i < 14; ++i) {
    if (!IsDigit(siret[i])) return false;
    int d = siret[i] - '0';
    digit_sum += d;
    // From the right, every second digit is doubled: positions 0, 2, ... from
    // the left for a 14-digit number.
    if (i % 2 == 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    luhn += d;
  }
  if (luhn % 10 == 0) return true;
  return siret.substr(0, 9) == "356000000" && digit_sum % 5 == 0;
}

bool IsValidNace(std::string_view nace) {
  if (nace.size() == 6) {
    if (nace[2] != '.') return false;
    std::string compact{nace.substr(0, 2)};
    compact += nace.substr(3);
    return IsValidNace(compact);
  }
  if (nace.size() != 5) return false;
  for (std::size_t i = 0; i < 4; ++i) {
    if (!IsDigit(nace[i])) return false;
  }
  return nace[4] >= 'A' && nace[4] <= 'Z';
}

std::string_view ProblemType(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformedJson: return "malformed-json";
    case ErrorCode::kValidation: return "validation";
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kInvalidTransition: return "invalid-transition";
    case ErrorCode::kVersionConflict: return "version-conflict";
    case ErrorCode::kDuplicate: return "duplicate";
    case ErrorCode::kIdempotencyMismatch: return "idempotency-mismatch";
    case ErrorCode::kUnauthorized: return "unauthorized";
    case ErrorCode::kForbidden: return "forbidden";
    case ErrorCode::kPayloadTooLarge: return "payload-too-large";
    case ErrorCode::kUnsupportedMediaType: return "unsupported-media-type";
    case ErrorCode::kMethodNotAllowed: return "method-not-allowed";
    case ErrorCode::kUnavailable: return "unavailable";
  }
  return "unavailable";
}

}  // namespace synergy
