// Request counts by route and status, append latency, for /metrics.
#ifndef SYNERGY_API_METRICS_H_
#define SYNERGY_API_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace synergy::api {

class Metrics {
 public:
  // `route` is kept as given: a string that lives as long as the process (a
  // route label of the table, "unmatched").
  void CountRequest(std::string_view route, int status);
  void ObserveAppend(double seconds);
  // Prometheus text exposition format.
  std::string Render(std::uint64_t events_total, std::uint64_t projection_lag) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                      0.05,   0.1,   0.2,   0.5,   1,    5};
  mutable std::mutex mu_;
  std::map<std::pair<std::string_view, int>, std::uint64_t> requests_;
  std::array<std::uint64_t, kBuckets.size()> append_buckets_{};
  std::uint64_t append_count_ = 0;
  double append_sum_ = 0;
};

}  // namespace synergy::api

#endif  // SYNERGY_API_METRICS_H_
