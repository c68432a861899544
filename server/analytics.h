// Internal to server/: search analytics in an embedded SQLite database
// (docs/editors.md). Requests only append to a queue in memory; one writer
// thread inserts what has queued in one transaction every kBatchInterval
// (WAL mode: a reader never waits for it, and a killed server loses only
// the batch it had not yet committed). Nothing that identifies a reader
// is stored: no address, no cookie, no user agent.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

struct sqlite3;

namespace tracuu {

// Thread-safe: record() and stats() from any worker.
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
  };
  struct Click {
    std::string query, id;
    std::size_t position = 0;  // in the list of hits, from 1; 0 unknown
  };

  // Opens (or creates) the database; deletes what is older than
  // `retention_days`. Throws std::runtime_error when it cannot.
  Analytics(const std::string& path, unsigned retention_days);
  ~Analytics();  // writes what is queued
  Analytics(const Analytics&) = delete;
  Analytics& operator=(const Analytics&) = delete;

  void record(Search search);
  void record(Click click);

  // The /stats answer for the days [from, to] (YYYY-MM-DD, the server's
  // local time), at most `limit` queries per list.
  nlohmann::json stats(const std::string& from, const std::string& to, std::size_t limit);
  std::size_t dropped() const;

 private:
  struct Event {
    bool click = false;
    std::int64_t at = 0;  // Unix seconds
    std::string day;      // YYYY-MM-DD, local time
    Search search;
    Click clicked;
  };
  void write_loop();
  void write_batch(const std::vector<Event>& batch);
  void expire();
  void push(Event e);

  sqlite3* writer_ = nullptr;  // the writer thread's (and the constructor's)
  sqlite3* reader_ = nullptr;  // stats(), under read_mu_
  unsigned retention_days_;
  std::mutex read_mu_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Event> queue_;
  std::size_t dropped_ = 0;
  bool stop_ = false;
  std::chrono::steady_clock::time_point next_expiry_;
  std::thread writer_thread_;
};

}  // namespace tracuu
