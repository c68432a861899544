#include "analytics.h"

#include <sqlite3.h>

#include <algorithm>
#include <ctime>
#include <iostream>
#include <map>
#include <stdexcept>

#include "background_thread.h"
#include "search.h"

namespace tracuu {
namespace {

// Searches are grouped by their pin key (folded, lower-case, single
// spaces): "Hà Nội" and "ha noi" are one query on /stats, shown as its
// most accented writing.
constexpr const char* kSchema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS searches (
  at INTEGER NOT NULL,      -- Unix seconds
  day TEXT NOT NULL,        -- YYYY-MM-DD, the server's local time
  query TEXT NOT NULL,      -- as typed
  norm TEXT NOT NULL,       -- folded: how queries are grouped
  filters TEXT,             -- JSON object of the request's filters, or NULL
  total INTEGER NOT NULL,
  took_ms REAL NOT NULL,
  page_offset INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS searches_by_day ON searches (day, norm);
CREATE TABLE IF NOT EXISTS clicks (
  at INTEGER NOT NULL,
  day TEXT NOT NULL,
  query TEXT NOT NULL,
  norm TEXT NOT NULL,
  article TEXT NOT NULL,
  position INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS clicks_by_norm ON clicks (norm, day);
CREATE INDEX IF NOT EXISTS clicks_by_day ON clicks (day);
)sql";

// Retention is enforced at start and then this often.
constexpr std::chrono::hours kExpiryInterval{1};

std::string local_day(std::time_t t) {
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("analytics: ") + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE)
      throw std::runtime_error(std::string("analytics: ") + sqlite3_errmsg(db_));
    return false;
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  void run_once() {
    step();
    reset();
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errmsg(db);
    sqlite3_free(error);
    throw std::runtime_error("analytics: " + message);
  }
}

sqlite3* open_db(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error("cannot open the analytics database " + path + ": " + message);
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const std::size_t rank = static_cast<std::size_t>(
      std::max(0.0, std::ceil(p * static_cast<double>(sorted.size())) - 1));
  return sorted[std::min(rank, sorted.size() - 1)];
}

}  // namespace

Analytics::Analytics(const std::string& path, unsigned retention_days)
    : retention_days_(retention_days) {
  writer_ = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  try {
    exec(writer_, kSchema);
    reader_ = open_db(path, SQLITE_OPEN_READWRITE);
    expire();
  } catch (...) {
    sqlite3_close(reader_);
    sqlite3_close(writer_);
    throw;
  }
  next_expiry_ = std::chrono::steady_clock::now() + kExpiryInterval;
  writer_thread_ = start_background_thread([this] { write_loop(); });
}

Analytics::~Analytics() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  writer_thread_.join();
  sqlite3_close(reader_);
  sqlite3_close(writer_);
}

void Analytics::push(Event e) {
  e.at = std::time(nullptr);
  e.day = local_day(static_cast<std::time_t>(e.at));
  std::lock_guard lock(mu_);
  if (queue_.size() >= kMaxQueued) {
    ++dropped_;
    return;
  }
  queue_.push_back(std::move(e));
}

void Analytics::record(Search search) {
  Event e;
  e.search = std::move(search);
  push(std::move(e));
}

void Analytics::record(Click click) {
  Event e;
  e.click = true;
  e.clicked = std::move(click);
  push(std::move(e));
}

std::size_t Analytics::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void Analytics::write_loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait_for(lock, kBatchInterval, [&] { return stop_; });
    std::vector<Event> batch;
    batch.swap(queue_);
    const bool stopping = stop_;
    lock.unlock();
    try {
      if (!batch.empty()) write_batch(batch);
      if (std::chrono::steady_clock::now() >= next_expiry_) {
        expire();
        next_expiry_ = std::chrono::steady_clock::now() + kExpiryInterval;
      }
    } catch (const std::exception& e) {
      // The disk is full or the file was removed: these events are lost,
      // the server goes on.
      std::cerr << "tracuu-server: " << e.what() << " (" << batch.size()
                << " events not recorded)\n";
    }
    lock.lock();
    if (stopping && queue_.empty()) return;
  }
}

void Analytics::write_batch(const std::vector<Event>& batch) {
  exec(writer_, "BEGIN");
  try {
    Statement search(writer_,
                     "INSERT INTO searches (at, day, query, norm, filters, total, took_ms, "
                     "page_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    Statement click(writer_,
                    "INSERT INTO clicks (at, day, query, norm, article, position) "
                    "VALUES (?, ?, ?, ?, ?, ?)");
    for (const Event& e : batch) {
      if (e.click) {
        click.bind(1, e.at).bind(2, e.day).bind(3, e.clicked.query);
        click.bind(4, Rules::pin_key(e.clicked.query)).bind(5, e.clicked.id);
        click.bind(6, static_cast<std::int64_t>(e.clicked.position)).run_once();
      } else {
        const Search& s = e.search;
        search.bind(1, e.at).bind(2, e.day).bind(3, s.query).bind(4, Rules::pin_key(s.query));
        if (s.filters.is_object() && !s.filters.empty())
          search.bind(5, s.filters.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        else
          search.bind_null(5);
        search.bind(6, static_cast<std::int64_t>(s.total)).bind(7, s.took_ms);
        search.bind(8, static_cast<std::int64_t>(s.offset)).run_once();
      }
    }
  } catch (...) {
    sqlite3_exec(writer_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  exec(writer_, "COMMIT");
}

void Analytics::expire() {
  const std::string cutoff =
      local_day(std::time(nullptr) - static_cast<std::time_t>(retention_days_) * 86400);
  Statement(writer_, "DELETE FROM searches WHERE day < ?").bind(1, cutoff).run_once();
  Statement(writer_, "DELETE FROM clicks WHERE day < ?").bind(1, cutoff).run_once();
}

nlohmann::json Analytics::stats(const std::string& from, const std::string& to, std::size_t limit) {
  using json = nlohmann::json;
  std::lock_guard lock(read_mu_);
  exec(reader_, "BEGIN");  // one snapshot for every list
  json out;
  try {
    // A query is shown as its most frequent writing (the most accented
    // one of those as frequent): "mua lon" and "Mưa lớn" → "Mưa lớn".
    Statement writing(reader_,
                      "SELECT query, COUNT(*) AS n FROM searches WHERE norm = ?1 AND day BETWEEN "
                      "?2 AND ?3 GROUP BY query ORDER BY n DESC, LENGTH(CAST(query AS BLOB)) DESC, "
                      "query LIMIT 1");
    auto queries = [&](const char* sql) {
      Statement st(reader_, sql);
      st.bind(1, from).bind(2, to).bind(3, static_cast<std::int64_t>(limit));
      json list = json::array();
      while (st.step()) {
        const std::string norm = st.text(0);
        writing.bind(1, norm).bind(2, from).bind(3, to);
        const std::string shown = writing.step() ? writing.text(0) : norm;
        writing.reset();
        list.push_back({{"query", shown}, {"count", st.integer(1)}});
      }
      return list;
    };
    {
      Statement st(reader_, "SELECT COUNT(*) FROM searches WHERE day BETWEEN ? AND ?");
      st.bind(1, from).bind(2, to).step();
      out["searches"] = st.integer(0);
    }
    {
      Statement st(reader_, "SELECT COUNT(*) FROM clicks WHERE day BETWEEN ? AND ?");
      st.bind(1, from).bind(2, to).step();
      out["clicks"] = st.integer(0);
    }
    // Lists count first pages only: paging through a query is one search.
    out["top_queries"] = queries(
        "SELECT norm, COUNT(*) AS n FROM searches WHERE day BETWEEN ?1 AND ?2 "
        "AND page_offset = 0 GROUP BY norm ORDER BY n DESC, norm LIMIT ?3");
    out["zero_results"] = queries(
        "SELECT norm, COUNT(*) AS n FROM searches WHERE day BETWEEN ?1 AND ?2 "
        "AND page_offset = 0 AND total = 0 GROUP BY norm ORDER BY n DESC, norm LIMIT ?3");
    out["no_clicks"] = queries(
        "SELECT s.norm, COUNT(*) AS n FROM searches s WHERE s.day BETWEEN ?1 AND ?2 "
        "AND s.page_offset = 0 AND s.total > 0 AND NOT EXISTS (SELECT 1 FROM clicks c "
        "WHERE c.norm = s.norm AND c.day BETWEEN ?1 AND ?2) "
        "GROUP BY s.norm ORDER BY n DESC, s.norm LIMIT ?3");
    // Percentiles per day, from every latency of the day in order.
    json per_day = json::array();
    std::map<std::string, std::int64_t> clicks_by_day;
    {
      Statement st(reader_,
                   "SELECT day, COUNT(*) FROM clicks WHERE day BETWEEN ? AND ? GROUP BY day");
      st.bind(1, from).bind(2, to);
      while (st.step()) clicks_by_day[st.text(0)] = st.integer(1);
    }
    Statement st(
        reader_,
        "SELECT day, took_ms FROM searches WHERE day BETWEEN ? AND ? ORDER BY day, took_ms");
    st.bind(1, from).bind(2, to);
    std::string day;
    std::vector<double> took;
    auto close_day = [&] {
      if (day.empty()) return;
      per_day.push_back({{"date", day},
                         {"searches", took.size()},
                         {"clicks", clicks_by_day[day]},
                         {"p50_ms", percentile(took, 0.5)},
                         {"p95_ms", percentile(took, 0.95)}});
      took.clear();
    };
    while (st.step()) {
      if (st.text(0) != day) {
        close_day();
        day = st.text(0);
      }
      took.push_back(st.real(1));
    }
    close_day();
    out["per_day"] = per_day;
  } catch (...) {
    sqlite3_exec(reader_, "COMMIT", nullptr, nullptr, nullptr);
    throw;
  }
  exec(reader_, "COMMIT");
  out["from"] = from;
  out["to"] = to;
  return out;
}

}  // namespace tracuu
