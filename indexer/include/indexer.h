// The indexer: article loaders, Xapian document building and the (nightly)
// reindex job. Public header of indexer/. The schema it writes (prefixes,
// slots, the stored article, the layout on disk) is index/schema.h's.
#pragma once

#include <xapian.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "schema.h"

namespace tracuu {

// Parsing of the two input formats (exposed for tests).
// A JSONL record, in UTF-8 or a legacy encoding; throws RecordError with a
// readable reason.
Article parse_json_record(std::string_view line);
// A saved text page like the seed article: date line, title, caption, body,
// author, page chrome. `default_id` is used unless the page has an "ID:" line.
Article parse_text_page(std::string_view text, std::string default_id);

// What load_sources reports as it reads, on the calling thread.
struct SourceEvents {
  std::function<void(Article&&)> article;  // each good record
  // Each bad record: where (line 0: the whole file) and why.
  std::function<void(const std::string& file, std::size_t line, const std::string& reason)>
      rejected;
  // A file or folder that could not be read to its end (cannot be opened or
  // listed, not a regular file, a truncated gzip, an I/O error, a last line
  // cut short): its articles after `line` are missing, so the sources are
  // not the whole collection and nothing may be pruned by them.
  std::function<void(const std::string& file, std::size_t line, const std::string& reason)>
      unreadable;
  // Optional: a field of a good record that was dropped (the article is
  // indexed without it, as Article::field_errors says): where and why.
  std::function<void(const std::string& file, std::size_t line, const std::string& reason)>
      field_error;
  // Optional: records of a web archive that hold no page (requests,
  // metadata, redirects, errors, images, scripts), counted once per file:
  // passed over quietly.
  std::function<void(std::size_t count)> passed_over;
  // Optional: (bytes_read, bytes_total) of the sources (compressed bytes
  // for .gz files).
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  // Optional: checked before each record; true stops the reading at once.
  std::function<bool()> cancelled;
};

// Walks SOURCE paths (.jsonl, .jsonl.gz, .txt, .html, .htm, .warc,
// .warc.gz, folders of them, recursive,
// in sorted order) and reports each record to `events`. Throws
// std::runtime_error for a SOURCE that does not exist or is neither a
// regular file nor a folder.
void load_sources(const std::vector<std::string>& sources, const SourceEvents& events);
// The same with unreadable files reported as rejected ones (line 0: the
// whole file).
void load_sources(const std::vector<std::string>& sources,
                  const std::function<void(Article&&)>& on_article,
                  const std::function<void(const std::string& file, std::size_t line,
                                           const std::string& reason)>& on_error,
                  const std::function<void(std::uint64_t, std::uint64_t)>& on_progress = nullptr);

// The Xapian document for an article (terms, values, data). Uses `analyzer`.
Xapian::Document build_document(const Article& a, Analyzer& analyzer);

struct IndexOptions {
  std::string db_dir;
  std::vector<std::string> sources;
  bool prune = false;  // delete articles no longer in the sources
  // Let --prune (or --rebuild) delete more than half of the indexed
  // articles; without it such a run deletes nothing and fails.
  bool prune_allow_shrink = false;
  bool rebuild = false;           // build a fresh generation, compact it, switch readers
  std::size_t batch_size = 2000;  // documents per commit (a build splits it among its writers)
  bool progress_bar = false;      // a bar on a terminal, else periodic lines
  // Split the index into shards by this rule ("year" or "hash:N", see
  // ShardRule); empty: keep DIR as it is (sharded if DIR/shards.json says so).
  std::string shard_by;
  // How long to wait for another tracuu-index holding DIR's lock (one
  // killed a moment ago still holds it) before failing.
  std::chrono::milliseconds lock_wait = std::chrono::seconds(60);
};

struct IndexReport {
  // `rejected` counts bad records and sources not read to their end.
  std::size_t added = 0, updated = 0, unchanged = 0, deleted = 0, rejected = 0;
  std::size_t skipped = 0;  // web archive records that hold no page, passed over
  double seconds = 0;
  std::string to_json() const;  // the summary line; the fields below are not in it

  std::size_t pruned = 0;               // deleted because the sources lack them
  std::vector<std::string> pruned_ids;  // the first of them in sorted order, for the log
  // Why --prune deleted nothing although asked to (a source not read to its
  // end, or far fewer articles than the index): the rest of the run is
  // committed, but someone must look; tracuu-index exits 1.
  std::string prune_refused;
};

// A fatal problem: the job stopped, the last commit stays readable.
struct IndexError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Which shard an article belongs to (docs/scaling.md). The rule is recorded
// in the shard map DIR/shards.json by the first sharded run; later runs keep it.
class ShardRule {
 public:
  // "year" (one shard per published year, "year-2017"; undated articles in
  // "year-unknown") or "hash:N" (N shards "hash-0".."hash-N-1" by a stable
  // hash of the id). Throws IndexError for anything else.
  static ShardRule parse(const std::string& spec);
  std::string shard_of(const Article& a) const;
  std::string spec() const;  // as parse() accepts it
  bool operator==(const ShardRule& other) const = default;

 private:
  unsigned hash_shards_ = 0;  // 0: by year
};

// Runs the reindex job. Progress and rejected records go to `log` (stderr).
// Throws IndexError (or a Xapian::Error) on a fatal error, e.g. another
// writer holding the lock, an index built by another analyzer version, a
// write that failed (the message names the database), or a --rebuild that
// could not read every source or would drop most of the index. Takes DIR's
// lock before it writes anything, and first removes what killed or failed
// runs left in DIR.
// A sharded index (options.shard_by, or DIR/shards.json present) runs the job
// once per shard: see indexer/shards.cpp.
IndexReport run_index_job(const IndexOptions& options, std::ostream& log);

struct BackupReport {
  std::string out;         // the backup's folder
  std::string generation;  // the source generation copied
  Xapian::rev revision = 0;
  Xapian::doccount documents = 0;
  std::uintmax_t bytes = 0;
  unsigned attempts = 1;  // copies started (the writer overtook the earlier ones)
  double seconds = 0;
  std::string to_json() const;  // tracuu-index --backup's summary line
};

// tracuu-index --backup: writes `out`, an index folder (a stub naming one
// compacted generation) holding the index at `db_dir` as it was at one
// revision, while servers read it and a job may write it: takes no lock
// (backup.cpp says why that is safe). `out` is servable as it is
// (tracuu-server --db OUT); restoring is pointing a server or the job at it.
// Throws IndexError when `out` exists, `db_dir` is no index, or the copy
// fails (a full disk: the message names the path); then nothing is left
// under `out`'s name.
BackupReport backup_index(const std::string& db_dir, const std::string& out, std::ostream& log);

}  // namespace tracuu
