// Internal to server/: search analytics in an embedded SQLite database
// (docs/editors.md). Requests only append to a queue in memory; one writer
// thread inserts what has queued in one transaction every kBatchInterval
// (WAL mode: a reader never waits for it, and a killed server loses only
// the batch it had not yet committed). Nothing that identifies a reader
// is stored: no address, no cookie, no user agent; a search keeps a visitor
// hash that changes every day (editor_guard.h), so /stats can leave out
// queries fewer than `min_visitors` people searched.
//
// Analytics are optional: when the file cannot be used (garbage at start,
// damaged while serving) the object says why in failure() and stops
// writing, and search goes on. A locked file delays a batch (it is retried
// while the queue has room); events that cannot be kept are counted in
// dropped(). The file's pages are kept under `max_bytes` by deleting the
// oldest rows.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

struct sqlite3;

namespace tracuu {

// /stats cannot answer now (another is running, it ran out of time, the
// file is unusable): 503.
class AnalyticsUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thread-safe: every public member from any worker; one stats() at a time
// (another one meanwhile throws AnalyticsUnavailable at once).
class Analytics {
 public:
  static constexpr std::chrono::milliseconds kBatchInterval{500};
  // Past this many events waiting (the disk stalled), new ones are dropped
  // and counted, rather than holding every worker's memory.
  static constexpr std::size_t kMaxQueued = 100000;

  struct Search {
    std::string query;       // as typed
    nlohmann::json filters;  // the request's filters (an object; null when none)
    std::size_t total = 0;
    double took_ms = 0;
    std::size_t offset = 0;  // 0: the first page
    std::string visitor;     // VisitorIds::of; empty: unknown
  };
  struct Click {
    std::string query, id;
    std::size_t position = 0;  // in the list of hits, from 1; 0 unknown
  };

  struct Options {
    std::string path;
    unsigned retention_days = 180;
    std::int64_t max_bytes = std::int64_t{256} << 20;  // the database's pages
    std::size_t min_visitors = 3;  // a query is listed once this many searched it
    std::chrono::milliseconds stats_budget{5000};
  };
  // Opens (or creates) the database; deletes what is older than the
  // retention and past the size. Throws std::runtime_error when it cannot.
  explicit Analytics(Options options);
  ~Analytics();  // writes what is queued
  Analytics(const Analytics&) = delete;
  Analytics& operator=(const Analytics&) = delete;

  void record(Search search);
  void record(Click click);

  // The /stats answer for the days [from, to] (YYYY-MM-DD, the server's
  // local time), at most `limit` queries per list.
  nlohmann::json stats(const std::string& from, const std::string& to, std::size_t limit);
  std::size_t dropped() const;
  // Why the file is no longer written; empty while it is.
  std::optional<std::string> failure() const;
  // Prometheus lines: size, cap, evicted rows, dropped events.
  std::string metrics() const;

 private:
  struct Event {
    bool click = false;
    std::int64_t at = 0;  // Unix seconds
    std::string day;      // YYYY-MM-DD, local time
    Search search;
    Click clicked;
  };
  void write_loop();
  void write_and_maintain(std::vector<Event>& batch, bool stopping);
  void batch_failed(std::vector<Event>& batch, int code, const std::string& error, bool stopping);
  void write_batch(const std::vector<Event>& batch);
  void check_file_header() const;
  void expire();
  void enforce_size();
  std::int64_t used_bytes();
  void push(Event e);
  void fail(const std::string& why);
  nlohmann::json read_stats(const std::string& from, const std::string& to, std::size_t limit);

  Options options_;
  sqlite3* writer_ = nullptr;  // the writer thread's (and the constructor's)
  sqlite3* reader_ = nullptr;  // stats(), under read_mu_
  std::mutex read_mu_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Event> queue_;
  std::size_t dropped_ = 0, evicted_ = 0;
  std::int64_t bytes_ = 0;
  std::string failure_;
  bool stop_ = false;
  std::chrono::steady_clock::time_point next_expiry_;
  std::thread writer_thread_;
};

}  // namespace tracuu
