#include "analytics.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstring>
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
// most accented writing. auto_vacuum (only possible on a new file) lets
// the size cap give freed pages back to the file system.
constexpr const char* kSchema = R"sql(
PRAGMA auto_vacuum = INCREMENTAL;
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

// Files written before visitors were counted gain the column (their rows
// have none, so they count towards no query's visitors); the writing of a
// listed query is looked up per query in (norm, day) order: without this
// index each lookup read the whole period, and /stats?limit=1000 over 30,000
// queries took 35 s.
constexpr const char* kVisitorColumn = "ALTER TABLE searches ADD COLUMN visitor TEXT";
constexpr const char* kWritingIndex =
    "CREATE INDEX IF NOT EXISTS searches_by_norm ON searches (norm, day, query)";

// What SQLite said, with its result code: a locked file is retried, a
// damaged one stops the analytics.
class SqliteError : public std::runtime_error {
 public:
  SqliteError(sqlite3* db, const std::string& message)
      : SqliteError(sqlite3_errcode(db) & 0xff, message) {}
  SqliteError(int code, const std::string& message)
      : std::runtime_error("analytics: " + message), code(code) {}
  int code;
};

bool is_damage(int code) {
  return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
}

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
      throw SqliteError(db, sqlite3_errmsg(db));
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
    if (rc != SQLITE_DONE) throw SqliteError(db_, sqlite3_errmsg(db_));
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
    throw SqliteError(db, message);
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

// Percentiles per day, from every latency of the day in order.
nlohmann::json per_day(sqlite3* db, const std::string& from, const std::string& to) {
  nlohmann::json days = nlohmann::json::array();
  std::map<std::string, std::int64_t> clicks_by_day;
  {
    Statement st(db, "SELECT day, COUNT(*) FROM clicks WHERE day BETWEEN ? AND ? GROUP BY day");
    st.bind(1, from).bind(2, to);
    while (st.step()) clicks_by_day[st.text(0)] = st.integer(1);
  }
  Statement st(db,
               "SELECT day, took_ms FROM searches WHERE day BETWEEN ? AND ? ORDER BY day, took_ms");
  st.bind(1, from).bind(2, to);
  std::string day;
  std::vector<double> took;
  auto close_day = [&] {
    if (day.empty()) return;
    days.push_back({{"date", day},
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
  return days;
}

std::int64_t single_integer(sqlite3* db, const char* sql) {
  Statement st(db, sql);
  return st.step() ? st.integer(0) : 0;
}

int past_deadline(void* deadline) {
  return std::chrono::steady_clock::now() >
         *static_cast<std::chrono::steady_clock::time_point*>(deadline);
}

}  // namespace

Analytics::Analytics(Options options) : options_(std::move(options)) {
  writer_ = open_db(options_.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  try {
    exec(writer_, kSchema);
    if (single_integer(
            writer_, "SELECT COUNT(*) FROM pragma_table_info('searches') WHERE name = 'visitor'") ==
        0)
      exec(writer_, kVisitorColumn);
    exec(writer_, kWritingIndex);
    reader_ = open_db(options_.path, SQLITE_OPEN_READWRITE);
    expire();
    enforce_size();
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
  // Closing the last connection copies the WAL into the file: not into
  // one that something else damaged.
  if (failure())
    for (sqlite3* db : {reader_, writer_})
      sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  sqlite3_close(reader_);
  sqlite3_close(writer_);
}

void Analytics::push(Event e) {
  e.at = std::time(nullptr);
  e.day = local_day(static_cast<std::time_t>(e.at));
  std::lock_guard lock(mu_);
  if (queue_.size() >= kMaxQueued || !failure_.empty()) {
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

std::optional<std::string> Analytics::failure() const {
  std::lock_guard lock(mu_);
  if (failure_.empty()) return std::nullopt;
  return failure_;
}

void Analytics::fail(const std::string& why) {
  std::lock_guard lock(mu_);
  if (!failure_.empty()) return;
  failure_ = why;
  std::cerr << "tracuu-server: " << why
            << "; analytics stopped (search goes on); move the file away and restart\n";
}

std::string Analytics::metrics() const {
  std::lock_guard lock(mu_);
  std::string out;
  auto line = [&](const char* name, const char* type, const char* help, std::int64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + std::to_string(value) + "\n";
  };
  line("tracuu_analytics_bytes", "gauge",
       "Bytes of the analytics database in use (its pages less the free ones).", bytes_);
  line("tracuu_analytics_max_bytes", "gauge", "The cap of --analytics-max-mb.", options_.max_bytes);
  line("tracuu_analytics_evicted_rows_total", "counter",
       "Oldest rows deleted to keep the database under its cap.",
       static_cast<std::int64_t>(evicted_));
  line("tracuu_analytics_dropped_events_total", "counter",
       "Searches and clicks not recorded (queue full, file locked too long, damaged or failing).",
       static_cast<std::int64_t>(dropped_));
  line("tracuu_analytics_writable", "gauge", "1 while the analytics file is written.",
       failure_.empty() ? 1 : 0);
  return out;
}

void Analytics::write_loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait_for(lock, kBatchInterval, [&] { return stop_; });
    std::vector<Event> batch;
    batch.swap(queue_);
    const bool stopping = stop_;
    lock.unlock();
    write_and_maintain(batch, stopping);
    lock.lock();
    if (stopping && queue_.empty()) return;
  }
}

void Analytics::write_and_maintain(std::vector<Event>& batch, bool stopping) {
  if (failure()) return;  // push() already counted what it refused
  try {
    check_file_header();
    if (!batch.empty()) write_batch(batch);
    enforce_size();
    if (std::chrono::steady_clock::now() >= next_expiry_) {
      expire();
      next_expiry_ = std::chrono::steady_clock::now() + kExpiryInterval;
    }
  } catch (const SqliteError& e) {
    batch_failed(batch, e.code, e.what(), stopping);
  } catch (const std::exception& e) {
    batch_failed(batch, SQLITE_ERROR, e.what(), stopping);
  }
}

// A locked file (a backup, an editor's sqlite3 shell) is retried at the
// next interval, the batch first, while the queue has room; a damaged one
// stops the analytics; anything else (disk full) loses the batch. Every
// event lost is counted.
void Analytics::batch_failed(std::vector<Event>& batch, int code, const std::string& error,
                             bool stopping) {
  if (is_damage(code)) fail(error);
  std::lock_guard lock(mu_);
  const bool locked = code == SQLITE_BUSY || code == SQLITE_LOCKED;
  if (locked && !stopping && failure_.empty() && batch.size() + queue_.size() <= kMaxQueued) {
    std::cerr << "tracuu-server: " << error << " (" << batch.size()
              << " events kept for the next try)\n";
    std::move(queue_.begin(), queue_.end(), std::back_inserter(batch));
    queue_.swap(batch);
    return;
  }
  dropped_ += batch.size();
  if (failure_.empty())
    std::cerr << "tracuu-server: " << error << " (" << batch.size() << " events not recorded)\n";
}

// SQLite keeps pages in its cache and would write them back over a file
// that something else damaged: the header is read from disk before each
// batch, and a file that is no longer a database is left alone. Read
// through SQLite's own descriptor: closing another descriptor of the file
// would drop the process's POSIX locks on it (SQLite's "how to corrupt").
void Analytics::check_file_header() const {
  static constexpr char kMagic[] = "SQLite format 3";  // and its terminating zero: 16 bytes
  sqlite3_file* file = nullptr;
  char header[sizeof kMagic] = {};
  const bool read =
      sqlite3_file_control(writer_, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK &&
      file && file->pMethods && file->pMethods->xRead(file, header, sizeof header, 0) == SQLITE_OK;
  if (!read || std::memcmp(header, kMagic, sizeof kMagic) != 0)
    throw SqliteError(SQLITE_NOTADB, "the analytics file " + options_.path +
                                         " is damaged (not an SQLite database any more)");
}

void Analytics::write_batch(const std::vector<Event>& batch) {
  exec(writer_, "BEGIN");
  try {
    Statement search(writer_,
                     "INSERT INTO searches (at, day, query, norm, filters, total, took_ms, "
                     "page_offset, visitor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
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
        search.bind(8, static_cast<std::int64_t>(s.offset));
        if (s.visitor.empty())
          search.bind_null(9);
        else
          search.bind(9, s.visitor);
        search.run_once();
      }
    }
    exec(writer_, "COMMIT");
  } catch (...) {
    // A COMMIT that failed (locked) leaves the transaction open.
    if (!sqlite3_get_autocommit(writer_))
      sqlite3_exec(writer_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void Analytics::expire() {
  const std::string cutoff =
      local_day(std::time(nullptr) - static_cast<std::time_t>(options_.retention_days) * 86400);
  Statement(writer_, "DELETE FROM searches WHERE day < ?").bind(1, cutoff).run_once();
  Statement(writer_, "DELETE FROM clicks WHERE day < ?").bind(1, cutoff).run_once();
}

std::int64_t Analytics::used_bytes() {
  return (single_integer(writer_, "PRAGMA page_count") -
          single_integer(writer_, "PRAGMA freelist_count")) *
         single_integer(writer_, "PRAGMA page_size");
}

// Past the cap, the oldest rows go first, in steps of a share of each
// table at least as large as the excess (rows are only ever appended, so
// the lowest rowids are the oldest).
void Analytics::enforce_size() {
  std::int64_t used = used_bytes();
  std::size_t evicted = 0;
  while (used > options_.max_bytes) {
    const double share =
        std::max(0.05, 1.0 - static_cast<double>(options_.max_bytes) / static_cast<double>(used));
    std::size_t deleted = 0;
    exec(writer_, "BEGIN");
    try {
      for (const char* table : {"searches", "clicks"}) {
        const std::string span = std::string("SELECT MAX(rowid) - MIN(rowid) + 1 FROM ") + table;
        const auto rows = static_cast<double>(single_integer(writer_, span.c_str()));
        const auto n = static_cast<std::int64_t>(std::ceil(rows * share));
        const std::string sql = std::string("DELETE FROM ") + table +
                                " WHERE rowid < (SELECT MIN(rowid) FROM " + table + ") + ?";
        Statement(writer_, sql.c_str()).bind(1, n).run_once();
        deleted += static_cast<std::size_t>(sqlite3_changes(writer_));
      }
      exec(writer_, "COMMIT");
    } catch (...) {
      if (!sqlite3_get_autocommit(writer_))
        sqlite3_exec(writer_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    exec(writer_, "PRAGMA incremental_vacuum");
    evicted += deleted;
    used = used_bytes();
    if (deleted == 0) break;  // nothing left to delete: the schema alone is over the cap
  }
  std::lock_guard lock(mu_);
  bytes_ = used;
  evicted_ += evicted;
}

nlohmann::json Analytics::stats(const std::string& from, const std::string& to, std::size_t limit) {
  if (auto why = failure()) throw AnalyticsUnavailable("analytics are unavailable: " + *why);
  // One at a time, and never waiting: a /stats waiting here would hold a
  // worker that searches need.
  std::unique_lock lock(read_mu_, std::try_to_lock);
  if (!lock.owns_lock())
    throw AnalyticsUnavailable("another /stats is being answered; try again in a few seconds");
  // SQLite calls past_deadline every 1,000 steps of the virtual machine;
  // past the budget the statement fails with SQLITE_INTERRUPT.
  struct Budget {
    sqlite3* db;
    std::chrono::steady_clock::time_point deadline;
    Budget(sqlite3* d, std::chrono::milliseconds budget)
        : db(d), deadline(std::chrono::steady_clock::now() + budget) {
      sqlite3_progress_handler(db, 1000, past_deadline, &deadline);
    }
    ~Budget() {
      sqlite3_progress_handler(db, 0, nullptr, nullptr);
      // An interrupted COMMIT would leave the snapshot open for the next /stats.
      if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  } budget(reader_, options_.stats_budget);
  try {
    return read_stats(from, to, limit);
  } catch (const SqliteError& e) {
    if (e.code == SQLITE_INTERRUPT)
      throw AnalyticsUnavailable("/stats took longer than " +
                                 std::to_string(options_.stats_budget.count()) +
                                 " ms; ask for fewer days");
    if (is_damage(e.code)) {
      fail(e.what());
      throw AnalyticsUnavailable(std::string("analytics are unavailable: ") + e.what());
    }
    throw;
  }
}

nlohmann::json Analytics::read_stats(const std::string& from, const std::string& to,
                                     std::size_t limit) {
  using json = nlohmann::json;
  exec(reader_, "BEGIN");  // one snapshot for every list
  json out;
  try {
    // A query is shown as its most frequent writing (the most accented
    // one of those as frequent): "mua lon" and "Mưa lớn" → "Mưa lớn".
    Statement writing(reader_,
                      "SELECT query, COUNT(*) AS n FROM searches WHERE norm = ?1 AND day BETWEEN "
                      "?2 AND ?3 GROUP BY query ORDER BY n DESC, LENGTH(CAST(query AS BLOB)) DESC, "
                      "query LIMIT 1");
    // Only queries that at least min_visitors people searched are listed:
    // a name with a phone number typed once is never shown.
    auto queries = [&](const char* sql) {
      Statement st(reader_, sql);
      st.bind(1, from).bind(2, to).bind(3, static_cast<std::int64_t>(limit));
      st.bind(4, static_cast<std::int64_t>(options_.min_visitors));
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
        "AND page_offset = 0 GROUP BY norm HAVING COUNT(DISTINCT visitor) >= ?4 "
        "ORDER BY n DESC, norm LIMIT ?3");
    out["zero_results"] = queries(
        "SELECT norm, COUNT(*) AS n FROM searches WHERE day BETWEEN ?1 AND ?2 "
        "AND page_offset = 0 AND total = 0 GROUP BY norm HAVING COUNT(DISTINCT visitor) >= ?4 "
        "ORDER BY n DESC, norm LIMIT ?3");
    out["no_clicks"] = queries(
        "SELECT s.norm, COUNT(*) AS n FROM searches s WHERE s.day BETWEEN ?1 AND ?2 "
        "AND s.page_offset = 0 AND s.total > 0 AND NOT EXISTS (SELECT 1 FROM clicks c "
        "WHERE c.norm = s.norm AND c.day BETWEEN ?1 AND ?2) "
        "GROUP BY s.norm HAVING COUNT(DISTINCT s.visitor) >= ?4 ORDER BY n DESC, s.norm LIMIT ?3");
    out["min_visitors"] = options_.min_visitors;
    out["per_day"] = per_day(reader_, from, to);
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
