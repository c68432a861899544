// run_index_job on one index folder: the (nightly) reindex job.
//
// One loader thread parses and analyzes articles into Xapian documents;
// writer threads add them: one into the live generation for an incremental
// run, one per core into private shards for a fresh build (merged by
// compaction at the end). Writers commit every batch: a run killed at any
// moment leaves the last commit readable and complete, and re-running
// finishes the job because unchanged articles (same content hash) are
// skipped.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "indexer_internal.h"

namespace tracuu {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A document ready to write (the end of the stream is WorkQueue::close()).
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
  // False when the stream is finished or cancelled.
  bool pop(Work* w) {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_ || cancelled_; });
    if (items_.empty() || cancelled_) return false;
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
  // Stops both sides at once: a failed writer's work is thrown away.
  void cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }
  bool cancelled() {
    std::lock_guard lock(mu_);
    return cancelled_;
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
  internal::replace_file(loc.stub_path(), "auto " + generation + "\n");
}

Xapian::WritableDatabase open_writer(const std::string& path, int flags) {
  return internal::writing(path, [&] { return Xapian::WritableDatabase(path, flags); });
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

// Which analyzer wrote the terms: every commit of the job carries it.
void stamp_analyzer_version(Xapian::WritableDatabase& db) {
  db.set_metadata(metadata::kAnalyzerVersion, std::to_string(kAnalyzerVersion));
}

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

// Commits `db`; through the backup gate of `gate_dir` when it is the live
// generation (a build's private shards need none).
void commit(Xapian::WritableDatabase& db, const std::string& gate_dir) {
  if (gate_dir.empty()) return db.commit();
  internal::CommitGate gate(gate_dir, internal::CommitGate::Holder::kCommit);
  db.commit();
}

// Writes every document from `queue` into `db`, committing each batch.
void write_all(WorkQueue& queue, Xapian::WritableDatabase& db, std::size_t batch_size,
               const std::string& gate_dir) {
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
      commit(db, gate_dir);
      in_batch = 0;
    }
  }
  if (!queue.cancelled()) commit(db, gate_dir);
}

// A build's private shards commit at least every 250 articles each: readers
// never see them and they need no fsync, and Xapian's in-memory postings for
// a small batch merge faster (docs/benchmarks.md, Indexing).
constexpr std::size_t kMaxShardBatch = 250;

// How many parallel writers a fresh build uses: Xapian writes one database
// per thread, so two cores build two shards, merged by compaction at the end.
std::size_t build_writers() {
  unsigned cores = std::thread::hardware_concurrency();
  return std::clamp<std::size_t>(cores, 1, 4);
}

// The folders a build writes beside the live generation: its shards and the
// compacted generation. All are removed when the build is not switched in
// (a full disk, a read error with --rebuild, any exception), so a failed
// build leaves nothing behind; keep() spares the one that went live.
class BuildFolders {
 public:
  BuildFolders() = default;
  BuildFolders(const BuildFolders&) = delete;
  BuildFolders& operator=(const BuildFolders&) = delete;
  ~BuildFolders() {
    for (const std::string& path : paths_) {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  }
  void add(std::string path) { paths_.push_back(std::move(path)); }
  void keep(const std::string& path) { std::erase(paths_, path); }

 private:
  std::vector<std::string> paths_;
};

// The job on one index folder. Not thread-safe: run() once, on one thread
// (it starts and joins the loader and writer threads itself).
class UnshardedRun {
 public:
  UnshardedRun(const IndexOptions& options, std::ostream& log)
      : options_(options), log_(log), loc_(options.db_dir) {}

  IndexReport run() {
    const auto start = Clock::now();
    internal::remove_leftovers(options_.db_dir, log_);
    open_live();
    // A build (--rebuild, or an empty index) writes a new generation in
    // shards that readers never see until it is complete, compacted and
    // switched in. An incremental run writes into the live generation, batch
    // by batch.
    build_ = options_.rebuild || live_db_.get_doccount() == 0;
    if (build_) start_build();
    known_ = known_articles(live_db_);
    load_and_write();
    std::vector<std::string> doomed = decide_prune();
    if (build_) {
      install_build();
    } else {
      finish_incremental(doomed);
    }
    report_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return report_;
  }

 private:
  // The live generation, opened for writing (its Xapian lock also keeps out
  // writers that are not tracuu-index); a new index gets an empty, readable
  // one to start from.
  void open_live() {
    live_ = loc_.live_generation();
    if (live_.empty()) {
      const std::string gen = generation_name(next_generation(options_.db_dir));
      live_ = (fs::path(options_.db_dir) / gen).string();
      internal::writing(live_, [&] {
        Xapian::WritableDatabase created(live_, Xapian::DB_CREATE_OR_OPEN);
        stamp_analyzer_version(created);
        created.commit();
      });
      write_stub(loc_, gen);
    }
    live_db_ = open_writer(live_, Xapian::DB_OPEN);
    if (!options_.rebuild) check_analyzer_version(live_db_, live_);
  }

  void start_build() {
    final_gen_ = generation_name(next_generation(options_.db_dir));
    build_folders_.add(final_path());
    for (std::size_t k = 0; k < build_writers(); ++k) {
      shard_paths_.push_back(
          (fs::path(options_.db_dir) / (final_gen_ + ".build-" + std::to_string(k))).string());
      build_folders_.add(shard_paths_.back());
      // Private until merged: their commits bound memory, they need no fsync.
      shards_.push_back(
          open_writer(shard_paths_.back(), Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC));
    }
  }

  std::string final_path() const { return (fs::path(options_.db_dir) / final_gen_).string(); }

  // One loader thread reads the sources into documents, one writer thread
  // per target database writes them. A writer that fails stops the loader
  // and the other writers at once (their work is lost anyway); a loader
  // that fails lets the writers commit what it sent.
  void load_and_write() {
    const std::size_t writers = build_ ? shards_.size() : 1;
    Progress progress(log_, options_.progress_bar);
    std::vector<std::unique_ptr<WorkQueue>> queues;
    for (std::size_t k = 0; k < writers; ++k) queues.push_back(std::make_unique<WorkQueue>(256));
    std::atomic<bool> cancelled = false;
    auto cancel_all = [&] {
      cancelled = true;
      for (auto& q : queues) q->cancel();
    };
    Analyzer analyzer;  // the loader thread's only
    SourceEvents events = loader_events(queues, progress, analyzer);
    events.cancelled = [&] { return cancelled.load(); };
    std::exception_ptr loader_error;
    std::thread loader([&] {
      try {
        load_sources(options_.sources, events);
      } catch (...) {
        loader_error = std::current_exception();
      }
      for (auto& q : queues) q->close();
    });
    std::vector<std::exception_ptr> writer_errors = run_writers(queues, cancel_all);
    loader.join();
    progress.done();
    // Nothing after the last commit is lost; a build leaves the live index as it was.
    for (auto& e : writer_errors) {
      if (e) std::rethrow_exception(e);
    }
    if (loader_error) std::rethrow_exception(loader_error);
  }

  // What the loader does with each record: counted, analyzed and queued for
  // its writer (the same id always to the same one, so a repeated id
  // replaces), or reported.
  SourceEvents loader_events(std::vector<std::unique_ptr<WorkQueue>>& queues, Progress& progress,
                             Analyzer& analyzer) {
    SourceEvents events;
    events.article = [&](Article&& a) {
      progress.article();
      bool is_new;
      if (!count_article(a, &is_new)) return;  // unchanged
      log_reading_notes(a);
      const std::size_t shard =
          queues.size() == 1 ? 0 : std::hash<std::string>{}(a.id) % queues.size();
      queues[shard]->push({a.id, build_document(a, analyzer), is_new});
    };
    events.rejected = [this](const std::string& file, std::size_t line, const std::string& why) {
      std::lock_guard lock(report_mu_);
      ++report_.rejected;
      log_ << file << ":" << line << ": " << why << "\n";
    };
    events.field_error = [this](const std::string& file, std::size_t line, const std::string& why) {
      std::lock_guard lock(report_mu_);
      log_ << file << ":" << line << ": " << why << "\n";
    };
    events.unreadable = [this](const std::string& file, std::size_t line, const std::string& why) {
      std::lock_guard lock(report_mu_);
      ++report_.rejected;
      log_ << file << ":" << line << ": " << why << "\n";
      unreadable_.push_back(file + ":" + std::to_string(line) + ": " + why);
    };
    events.passed_over = [this](std::size_t count) {
      std::lock_guard lock(report_mu_);
      report_.skipped += count;
    };
    events.progress = [&](std::uint64_t done, std::uint64_t total) { progress.bytes(done, total); };
    return events;
  }

  // One thread per target database, each committing its batches; a writer
  // that fails cancels everything. Returns when all have ended.
  std::vector<std::exception_ptr> run_writers(std::vector<std::unique_ptr<WorkQueue>>& queues,
                                              const std::function<void()>& cancel_all) {
    const std::size_t writers = queues.size();
    std::vector<std::exception_ptr> errors(writers);
    std::vector<std::thread> threads;
    for (std::size_t k = 0; k < writers; ++k) {
      threads.emplace_back([&, k] {
        try {
          const std::string& path = build_ ? shard_paths_[k] : live_;
          internal::writing(path, [&] {
            write_all(
                *queues[k], build_ ? shards_[k] : live_db_,
                build_ ? std::clamp<std::size_t>(options_.batch_size / writers, 1, kMaxShardBatch)
                       : options_.batch_size,
                build_ ? "" : options_.db_dir);
          });
        } catch (...) {
          errors[k] = std::current_exception();
          cancel_all();
        }
      });
    }
    for (auto& t : threads) t.join();
    return errors;
  }

  // Counts an article in the report; false when it is unchanged and need
  // not be written. Called on the loader thread.
  // An id repeated in the sources is counted once, at its first record: a
  // later one replaces what that one wrote, and an article that did not
  // exist before the run is "added", not "updated" (the export held it twice).
  bool count_article(const Article& a, bool* is_new) {
    auto old = known_.find(a.id);
    const std::string hash = content_hash(a);
    std::lock_guard lock(report_mu_);
    const bool first_time_seen = seen_.insert(a.id).second;
    *is_new = first_time_seen && (build_ || old == known_.end());
    const bool same = old != known_.end() && old->second == hash;
    if (!first_time_seen) return true;  // the last record of an id is the one kept
    if (same && !build_) {
      ++report_.unchanged;
      return false;
    }
    if (old == known_.end()) {
      ++report_.added;
    } else if (same) {
      ++report_.unchanged;  // --rebuild rewrites it, but nothing changed
    } else {
      ++report_.updated;
    }
    return true;
  }

  void log_reading_notes(const Article& a) {
    if (a.encoding == "utf-8" && a.invalid_utf8_fields.empty()) return;
    std::lock_guard lock(report_mu_);
    internal::log_reading_notes(a, log_);
  }

  // The ids --prune (or --rebuild) deletes, sorted; none when the prune is
  // refused. A refused --rebuild throws: its build is discarded.
  std::vector<std::string> decide_prune() {
    if (!options_.prune && !options_.rebuild) return {};
    std::vector<std::string> doomed;
    for (const auto& [id, hash] : known_) {
      if (!seen_.count(id)) doomed.push_back(id);
    }
    std::string refusal =
        internal::prune_refusal(options_, known_.size(), doomed.size(), seen_.size(), unreadable_);
    if (!refusal.empty() && options_.rebuild)
      throw IndexError("--rebuild stopped, the live index is unchanged: " + refusal);
    if (!refusal.empty()) {
      report_.prune_refused = refusal;
      return {};
    }
    std::sort(doomed.begin(), doomed.end());
    report_.deleted = report_.pruned = doomed.size();
    report_.pruned_ids.assign(
        doomed.begin(), doomed.begin() + static_cast<std::ptrdiff_t>(
                                             std::min(doomed.size(), internal::kListedPrunes)));
    return doomed;
  }

  void finish_incremental(const std::vector<std::string>& doomed) {
    internal::writing(live_, [&] {
      for (const std::string& id : doomed) live_db_.delete_document(std::string(prefix::kId) + id);
      stamp_analyzer_version(live_db_);
      commit(live_db_, options_.db_dir);
    });
  }

  // Merges the shards by compaction into the new generation, stamps it,
  // switches readers with one rename, and only then deletes the old
  // generation.
  void install_build() {
    for (std::size_t k = 0; k < shards_.size(); ++k)
      internal::writing(shard_paths_[k], [&] { shards_[k].close(); });
    Xapian::Database merged;
    for (const std::string& path : shard_paths_) merged.add_database(Xapian::Database(path));
    const std::string target = final_path();
    const auto compact_start = Clock::now();
    internal::writing(target, [&] {
      merged.compact(target);
      Xapian::WritableDatabase stamped(target, Xapian::DB_OPEN);
      stamp_analyzer_version(stamped);
      stamped.commit();
    });
    log_ << "tracuu-index: merged " << shards_.size() << " shards in "
         << std::chrono::duration<double>(Clock::now() - compact_start).count() << " s\n";
    write_stub(loc_, final_gen_);
    build_folders_.keep(target);  // live now; the shards go when build_folders_ does
    live_db_.close();
    std::error_code ec;
    fs::remove_all(live_, ec);
  }

  const IndexOptions& options_;
  std::ostream& log_;
  const IndexLocation loc_;
  std::string live_;
  Xapian::WritableDatabase live_db_;
  bool build_ = false;
  std::string final_gen_;
  std::vector<std::string> shard_paths_;
  BuildFolders build_folders_;  // declared before shards_: removed after they are closed
  std::vector<Xapian::WritableDatabase> shards_;
  std::unordered_map<std::string, std::string> known_;  // id → content hash in the live index
  std::unordered_set<std::string> seen_;                // ids in the sources
  std::vector<std::string> unreadable_;                 // sources not read to their end
  IndexReport report_;
  std::mutex report_mu_;  // report_, seen_, unreadable_ and log_ while the threads run
};

}  // namespace

std::string IndexReport::to_json() const {
  nlohmann::json j = {
      {"added", added},
      {"updated", updated},
      {"unchanged", unchanged},
      {"deleted", deleted},
      {"rejected", rejected},
      {"skipped", skipped},
      {"seconds", static_cast<double>(static_cast<long long>(seconds * 1000)) / 1000}};
  return j.dump();
}

void internal::replace_file(const std::string& path, const std::string& text) {
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
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw IndexError("cannot rename " + tmp + " to " + path + ": " + ec.message());
}

void internal::log_reading_notes(const Article& a, std::ostream& log) {
  if (a.encoding != "utf-8")
    log << "tracuu-index: " << a.id << ": converted from " << a.encoding << "\n";
  if (!a.invalid_utf8_fields.empty()) {
    log << "tracuu-index: " << a.id << ": invalid UTF-8 in ";
    for (std::size_t i = 0; i < a.invalid_utf8_fields.size(); ++i)
      log << (i ? ", " : "") << a.invalid_utf8_fields[i];
    log << " replaced by U+FFFD\n";
  }
}

std::string internal::prune_refusal(const IndexOptions& options, std::size_t indexed,
                                    std::size_t doomed, std::size_t in_sources,
                                    const std::vector<std::string>& unreadable) {
  if (!unreadable.empty()) {
    // The sources are not the whole collection: what they lack may only
    // be missing from this copy of them.
    std::string why = unreadable.size() == 1
                          ? "a source could not be read to its end ("
                          : std::to_string(unreadable.size()) +
                                " sources could not be read to their end (first: ";
    return why + unreadable.front() + ")";
  }
  // An export that came out empty or half-written must not empty the index.
  if (doomed * 2 > indexed && !options.prune_allow_shrink) {
    return "it would delete " + std::to_string(doomed) + " of the " + std::to_string(indexed) +
           " indexed articles (the sources hold " + std::to_string(in_sources) +
           "); check the sources, or run again with --prune-allow-shrink to delete them";
  }
  return {};
}

IndexReport internal::run_unsharded_job(const IndexOptions& options, std::ostream& log) {
  return UnshardedRun(options, log).run();
}

}  // namespace tracuu
