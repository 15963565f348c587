#include "api/metrics.h"

#include <cstdio>

namespace synergy::api {

void Metrics::CountRequest(std::string_view route, int status) {
  std::lock_guard lock(mu_);
  ++requests_[{route, status}];
}

void Metrics::ObserveAppend(double seconds) {
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++append_buckets_[i];
  }
  ++append_count_;
  append_sum_ += seconds;
}

std::string Metrics::Render(std::uint64_t events_total, std::uint64_t projection_lag) const {
  std::lock_guard lock(mu_);
  std::string out;
  char line[512];
  out += "# HELP synergy_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE synergy_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    std::snprintf(line, sizeof line,
                  "synergy_http_requests_total{route=\"%.*s\",status=\"%d\"} %llu\n",
                  static_cast<int>(key.first.size()), key.first.data(), key.second,
                  static_cast<unsigned long long>(count));
    out += line;
  }
  out += "# HELP synergy_append_seconds Time from submitting an append to its durable commit.\n";
  out += "# TYPE synergy_append_seconds histogram\n";
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    std::snprintf(line, sizeof line, "synergy_append_seconds_bucket{le=\"%g\"} %llu\n", kBuckets[i],
                  static_cast<unsigned long long>(append_buckets_[i]));
    out += line;
  }
  std::snprintf(line, sizeof line,
                "synergy_append_seconds_bucket{le=\"+Inf\"} %llu\n"
                "synergy_append_seconds_sum %.6f\nsynergy_append_seconds_count %llu\n",
                static_cast<unsigned long long>(append_count_), append_sum_,
                static_cast<unsigned long long>(append_count_));
  out += line;
  std::snprintf(line, sizeof line,
                "# HELP synergy_events_total Events in the log.\n# TYPE synergy_events_total counter\n"
                "synergy_events_total %llu\n"
                "# HELP synergy_projection_lag_events Events not yet folded into the read models.\n"
                "# TYPE synergy_projection_lag_events gauge\nsynergy_projection_lag_events %llu\n",
                static_cast<unsigned long long>(events_total),
                static_cast<unsigned long long>(projection_lag));
  out += line;
  return out;
}

}  // namespace synergy::api
