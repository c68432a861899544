// run_index_job: the (nightly) reindex job.
//
// Two threads: the loader parses and analyzes articles into Xapian documents
// (one core), the writer adds them to the database (the other core). The
// writer commits every batch: a run killed at any moment leaves the last
// commit readable and complete, and re-running finishes the job because
// unchanged articles (same content hash) are skipped.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <memory>
#include <mutex>
#include <ostream>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "indexer.h"

namespace tracuu {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A document ready to write, or the end of the stream.
struct Work {
  std::string id;
  Xapian::Document doc;
  bool is_new = false;  // not in the target yet: add_document, no id lookup
};

// Bounded hand-off from the loader thread to the writer thread.
class WorkQueue {
 public:
  explicit WorkQueue(std::size_t capacity) : capacity_(capacity) {}
  void push(Work w) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_ || cancelled_; });
    if (cancelled_) return;
    items_.push_back(std::move(w));
    not_empty_.notify_one();
  }
  // False when the stream is finished.
  bool pop(Work* w) {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return false;
    *w = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }
  void cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    not_full_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Work> items_;
  std::size_t capacity_;
  bool closed_ = false, cancelled_ = false;
};

std::string generation_name(unsigned n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "gen-%06u", n);
  return buf;
}

unsigned next_generation(const std::string& dir) {
  unsigned highest = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("gen-", 0) == 0)
      highest = std::max(highest, static_cast<unsigned>(std::atoi(name.c_str() + 4)));
  }
  return highest + 1;
}

// Atomically points readers at `generation` (a folder name inside dir).
void write_stub(const IndexLocation& loc, const std::string& generation) {
  detail_index::replace_file(loc.stub_path(), "auto " + generation + "\n");
}

Xapian::WritableDatabase open_writer(const std::string& path, int flags) {
  try {
    return Xapian::WritableDatabase(path, flags);
  } catch (const Xapian::DatabaseLockError&) {
    throw IndexError("another tracuu-index is writing to " + path +
                     " (Xapian's write lock is held); try again when it has finished");
  }
}

// id → content hash of every document in `db`.
std::unordered_map<std::string, std::string> known_articles(const Xapian::Database& db) {
  std::unordered_map<std::string, std::string> known;
  known.reserve(db.get_doccount());
  auto hash = db.valuestream_begin(slot::kContentHash);
  for (auto id = db.valuestream_begin(slot::kId); id != db.valuestream_end(slot::kId); ++id) {
    if (hash != db.valuestream_end(slot::kContentHash)) hash.skip_to(id.get_docid());
    bool has_hash =
        hash != db.valuestream_end(slot::kContentHash) && hash.get_docid() == id.get_docid();
    known[*id] = has_hash ? *hash : std::string();
  }
  return known;
}

// Progress on stderr: a bar redrawn in place on a terminal, a line every
// 5 s otherwise (logs). Called from the loader thread only.
class Progress {
 public:
  Progress(std::ostream& log, bool bar)
      : log_(log), bar_(bar), start_(Clock::now()), last_(start_) {}
  void article() { ++articles_; }
  void bytes(std::uint64_t done, std::uint64_t total) {
    done_ = done;
    total_ = total;
    auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(bar_ ? 200 : 5000)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double fraction =
        total_ ? std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_)) : 0;
    double rate = static_cast<double>(articles_) / std::max(secs, 1e-3);
    if (bar_) {
      constexpr int kWidth = 30;
      int filled = static_cast<int>(fraction * kWidth);
      log_ << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
           << std::string(static_cast<std::size_t>(kWidth - filled), '.') << "] " << std::setw(3)
           << static_cast<int>(fraction * 100) << "%  " << articles_ << " articles  " << std::fixed
           << std::setprecision(0) << rate << "/s   " << std::flush;
    } else {
      log_ << "tracuu-index: " << static_cast<int>(fraction * 100) << "% of the sources, "
           << articles_ << " articles, " << std::fixed << std::setprecision(0) << rate << "/s\n"
           << std::flush;
    }
  }
  void done() {
    if (bar_) log_ << "\n";
  }

 private:
  std::ostream& log_;
  bool bar_;
  Clock::time_point start_, last_;
  std::size_t articles_ = 0;
  std::uint64_t done_ = 0, total_ = 0;
};

void check_analyzer_version(const Xapian::Database& db, const std::string& path) {
  std::string stamped = db.get_metadata(metadata::kAnalyzerVersion);
  if (stamped.empty() && db.get_doccount() == 0) return;
  if (stamped != std::to_string(kAnalyzerVersion)) {
    throw IndexError("the index at " + path + " was built by analyzer version " +
                     (stamped.empty() ? "unknown" : stamped) + ", this tracuu-index has version " +
                     std::to_string(kAnalyzerVersion) + ": run again with --rebuild");
  }
}

// Xapian's spelling data, for correcting query words that match nothing:
// the folded title syllables (the words people search for, written
// carefully). An article that is replaced counts again; the frequencies only
// rank candidates, so the drift does not matter (a rebuild resets it).
void add_title_spelling(Xapian::WritableDatabase& db, const Xapian::Document& doc) {
  const std::string title(prefix::kTitle);
  // The title's folded words are the terms "S" followed by a lowercase letter.
  auto t = doc.termlist_begin();
  for (t.skip_to(title); t != doc.termlist_end(); ++t) {
    const std::string& term = *t;
    if (term.compare(0, title.size(), title) != 0) break;
    if (term.size() > title.size() + 1 &&
        std::islower(static_cast<unsigned char>(term[title.size()])))
      db.add_spelling(term.substr(title.size()));
  }
}

// Writes every document from `queue` into `db`, committing each batch.
void write_all(WorkQueue& queue, Xapian::WritableDatabase& db, std::size_t batch_size) {
  std::size_t in_batch = 0;
  Work work;
  while (queue.pop(&work)) {
    if (work.is_new) {
      db.add_document(work.doc);
    } else {
      db.replace_document(std::string(prefix::kId) + work.id, work.doc);
    }
    add_title_spelling(db, work.doc);
    if (++in_batch >= batch_size) {
      db.commit();
      in_batch = 0;
    }
  }
  db.commit();
}

// A build's private shards commit at least every 250 articles each: readers
// never see them and they need no fsync, and Xapian's in-memory postings for
// a small batch merge faster (measured on the shared corpus: 1,000 articles
// per writer 47 s, 500 44 s, 250 43.6 s).
constexpr std::size_t kMaxShardBatch = 250;

// How many parallel writers a fresh build uses: Xapian writes one database
// per thread, so two cores build two shards, merged by compaction at the end.
std::size_t build_writers() {
  unsigned cores = std::thread::hardware_concurrency();
  return std::clamp<std::size_t>(cores, 1, 4);
}

}  // namespace

void detail_index::replace_file(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw IndexError("cannot write " + tmp);
  }
  if (FILE* f = std::fopen(tmp.c_str(), "r")) {
    ::fsync(fileno(f));
    std::fclose(f);
  }
  fs::rename(tmp, path);
}

IndexReport detail_index::run_unsharded_job(const IndexOptions& options, std::ostream& log) {
  const auto start = Clock::now();
  IndexLocation loc(options.db_dir);
  std::error_code ec;
  fs::create_directories(options.db_dir, ec);
  if (ec) throw IndexError("cannot create " + options.db_dir + ": " + ec.message());

  std::string live = loc.live_generation();
  if (live.empty()) {  // a new index: an empty, readable generation to start from
    std::string gen = generation_name(next_generation(options.db_dir));
    live = (fs::path(options.db_dir) / gen).string();
    Xapian::WritableDatabase created = open_writer(live, Xapian::DB_CREATE_OR_OPEN);
    created.set_metadata(metadata::kAnalyzerVersion, std::to_string(kAnalyzerVersion));
    created.commit();
    created.close();
    write_stub(loc, gen);
  }
  // Holding the live generation's write lock for the whole run keeps a second
  // writer out, in every mode.
  Xapian::WritableDatabase live_db = open_writer(live, Xapian::DB_OPEN);
  if (!options.rebuild) check_analyzer_version(live_db, live);

  // A build (--rebuild, or an empty index) writes a new generation in shards
  // that readers never see until it is complete, compacted and switched in.
  // An incremental run writes into the live generation, batch by batch.
  const bool build = options.rebuild || live_db.get_doccount() == 0;
  const bool rebuild = options.rebuild;
  std::string final_gen;
  std::vector<std::string> shard_paths;
  std::vector<Xapian::WritableDatabase> shards;
  if (build) {
    for (const auto& entry :
         fs::directory_iterator(options.db_dir)) {  // a killed build's leftovers
      if (entry.path().filename().string().find(".build") != std::string::npos)
        fs::remove_all(entry.path());
    }
    final_gen = generation_name(next_generation(options.db_dir));
    for (std::size_t k = 0; k < build_writers(); ++k) {
      shard_paths.push_back(
          (fs::path(options.db_dir) / (final_gen + ".build-" + std::to_string(k))).string());
      // Private until merged: their commits bound memory, they need no fsync.
      shards.push_back(
          open_writer(shard_paths.back(), Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC));
    }
  }
  const std::size_t writers = build ? shards.size() : 1;

  const auto known = known_articles(live_db);
  IndexReport report;
  std::unordered_set<std::string> seen;
  std::mutex report_mu;  // report counters and `seen` are shared by the threads
  Progress progress(log, options.progress_bar);
  std::vector<std::unique_ptr<WorkQueue>> queues;
  for (std::size_t k = 0; k < writers; ++k) queues.push_back(std::make_unique<WorkQueue>(256));
  auto cancel_all = [&] {
    for (auto& q : queues) q->cancel();
  };
  std::exception_ptr loader_error;

  std::thread loader([&] {
    try {
      Analyzer analyzer;
      load_sources(
          options.sources,
          [&](Article&& a) {
            progress.article();
            auto old = known.find(a.id);
            const std::string hash = content_hash(a);
            bool is_new;
            {
              std::lock_guard lock(report_mu);
              bool first_time_seen = seen.insert(a.id).second;
              is_new = first_time_seen && (build || old == known.end());
              bool same = old != known.end() && old->second == hash;
              if (same && !build && first_time_seen) {
                ++report.unchanged;
                return;
              }
              if (old == known.end() && first_time_seen) {
                ++report.added;
              } else if (same && first_time_seen) {
                ++report.unchanged;  // --rebuild rewrites it, but nothing changed
              } else {
                ++report.updated;
              }
            }
            if (a.encoding != "utf-8")
              log << "tracuu-index: " << a.id << ": converted from " << a.encoding << "\n";
            // The same id always goes to the same shard, so a repeated id replaces.
            std::size_t shard = writers == 1 ? 0 : std::hash<std::string>{}(a.id) % writers;
            queues[shard]->push({a.id, build_document(a, analyzer), is_new});
          },
          [&](const std::string& file, std::size_t line, const std::string& reason) {
            std::lock_guard lock(report_mu);
            ++report.rejected;
            log << file << ":" << line << ": " << reason << "\n";
          },
          [&](std::uint64_t done, std::uint64_t total) { progress.bytes(done, total); });
    } catch (...) {
      loader_error = std::current_exception();
    }
    for (auto& q : queues) q->close();
  });

  std::vector<std::exception_ptr> writer_errors(writers);
  std::vector<std::thread> writer_threads;
  for (std::size_t k = 0; k < writers; ++k) {
    writer_threads.emplace_back([&, k] {
      try {
        write_all(*queues[k], build ? shards[k] : live_db,
                  build ? std::clamp<std::size_t>(options.batch_size / writers, 1, kMaxShardBatch)
                        : options.batch_size);
      } catch (...) {
        writer_errors[k] = std::current_exception();
        cancel_all();
      }
    });
  }
  for (auto& t : writer_threads) t.join();
  if (std::any_of(writer_errors.begin(), writer_errors.end(), [](auto& e) { return e != nullptr; }))
    cancel_all();
  loader.join();
  // Nothing after the last commit is lost; a build leaves the live index as it was.
  if (loader_error) std::rethrow_exception(loader_error);
  for (auto& e : writer_errors) {
    if (e) std::rethrow_exception(e);
  }

  if (options.prune || rebuild) {
    for (const auto& [id, hash] : known) {
      if (seen.count(id)) continue;
      if (!build) live_db.delete_document(std::string(prefix::kId) + id);
      ++report.deleted;
    }
  }
  progress.done();

  if (!build) {
    live_db.set_metadata(metadata::kAnalyzerVersion, std::to_string(kAnalyzerVersion));
    live_db.commit();
  } else {
    // Merge the shards by compaction into the new generation, stamp it, switch
    // readers with one rename, and only then delete the old generation.
    Xapian::Database merged;
    for (auto& shard : shards) shard.close();
    for (const std::string& path : shard_paths) merged.add_database(Xapian::Database(path));
    const std::string final_path = (fs::path(options.db_dir) / final_gen).string();
    const auto compact_start = Clock::now();
    merged.compact(final_path);
    log << "tracuu-index: merged " << shards.size() << " shards in "
        << std::chrono::duration<double>(Clock::now() - compact_start).count() << " s\n";
    {
      Xapian::WritableDatabase stamped(final_path, Xapian::DB_OPEN);
      stamped.set_metadata(metadata::kAnalyzerVersion, std::to_string(kAnalyzerVersion));
      stamped.commit();
    }
    for (const std::string& path : shard_paths) fs::remove_all(path, ec);
    write_stub(loc, final_gen);
    live_db.close();
    fs::remove_all(live, ec);
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace tracuu
