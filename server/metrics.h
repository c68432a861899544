// Internal to server/: request counters and latency histograms, rendered as
// Prometheus text. Thread-safe (one mutex; a few map updates per request).
#pragma once

#include <array>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

namespace tracuu {

class Metrics {
 public:
  void observe(const std::string& endpoint, int status, double seconds) {
    std::lock_guard lock(mu_);
    ++requests_[{endpoint, status}];
    Histogram& h = latency_[endpoint];
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      if (seconds <= kBuckets[i]) ++h.counts[i];
    }
    ++h.count;
    h.sum += seconds;
  }

  std::string render(std::size_t documents) const {
    std::lock_guard lock(mu_);
    std::string out;
    out += "# HELP tracuu_requests_total HTTP requests by endpoint and status.\n";
    out += "# TYPE tracuu_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      out += "tracuu_requests_total{endpoint=\"" + key.first + "\",status=\"" +
             std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
    }
    out += "# HELP tracuu_errors_total HTTP responses with status >= 400.\n";
    out += "# TYPE tracuu_errors_total counter\n";
    std::map<std::string, std::size_t> errors;
    for (const auto& [key, n] : requests_) {
      if (key.second >= 400) errors[key.first] += n;
    }
    for (const auto& [endpoint, n] : errors) {
      out += "tracuu_errors_total{endpoint=\"" + endpoint + "\"} " + std::to_string(n) + "\n";
    }
    out += "# HELP tracuu_request_duration_seconds Request latency.\n";
    out += "# TYPE tracuu_request_duration_seconds histogram\n";
    for (const auto& [endpoint, h] : latency_) {
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        char le[32];
        std::snprintf(le, sizeof le, "%g", kBuckets[i]);
        out += "tracuu_request_duration_seconds_bucket{endpoint=\"" + endpoint + "\",le=\"" + le +
               "\"} " + std::to_string(h.counts[i]) + "\n";
      }
      out += "tracuu_request_duration_seconds_bucket{endpoint=\"" + endpoint + "\",le=\"+Inf\"} " +
             std::to_string(h.count) + "\n";
      char sum[64];
      std::snprintf(sum, sizeof sum, "%.6f", h.sum);
      out += "tracuu_request_duration_seconds_sum{endpoint=\"" + endpoint + "\"} " + sum + "\n";
      out += "tracuu_request_duration_seconds_count{endpoint=\"" + endpoint + "\"} " +
             std::to_string(h.count) + "\n";
    }
    out += "# HELP tracuu_documents Documents in the index.\n# TYPE tracuu_documents gauge\n";
    out += "tracuu_documents " + std::to_string(documents) + "\n";
    return out;
  }

 private:
  static constexpr std::array<double, 10> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,  0.1,    0.25,  1,    5};
  struct Histogram {
    std::array<std::size_t, kBuckets.size()> counts{};
    std::size_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, std::size_t> requests_;
  std::map<std::string, Histogram> latency_;
};

}  // namespace tracuu
