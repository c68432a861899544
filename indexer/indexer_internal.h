// What the reindex job's files share (job.cpp: one index folder, shards.cpp:
// a sharded one; index_dir.cpp: the folder's lock and leftovers). Internal
// to indexer/.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "indexer.h"

namespace tracuu::internal {

// The write lock of an index folder: an flock on DIR/.tracuu-index.lock,
// taken before anything is written in DIR (two first runs on one empty
// folder would otherwise build over each other) and held until destroyed.
// A second holder waits for the first at most `wait` (saying so on `log`),
// then fails. Not copyable; one thread owns it.
class DirLock {
 public:
  // Creates DIR if needed. Throws IndexError when another process still
  // holds it after `wait`.
  explicit DirLock(const std::string& dir, std::chrono::milliseconds wait = {},
                   std::ostream* log = nullptr);
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  ~DirLock();  // closing the file releases the lock

  static constexpr const char* kFileName = ".tracuu-index.lock";

 private:
  bool acquire(std::chrono::milliseconds wait, std::ostream* log, const std::string& path);
  int fd_ = -1;
};

// Keeps the job's commits to the live generation and a backup's copy of it
// apart (backup.cpp): a backup holds DIR/.tracuu-backup.lock shared while it
// copies one revision, a commit holds it exclusively. Glass reuses the blocks
// a commit frees two commits later, so commits while a copy reads would
// make it fail and start again, forever when the job commits every few
// seconds. A commit waits for a backup at most `wait`, then goes ahead (the
// backup then starts again); a backup waits for a commit to finish. When
// the file cannot be opened (a read-only folder), nothing is held.
class CommitGate {
 public:
  enum class Holder { kCommit, kBackup };
  CommitGate(const std::string& dir, Holder holder,
             std::chrono::milliseconds wait = std::chrono::minutes(2));
  CommitGate(const CommitGate&) = delete;
  CommitGate& operator=(const CommitGate&) = delete;
  ~CommitGate();
  bool held() const { return held_; }

  static constexpr const char* kFileName = ".tracuu-backup.lock";

 private:
  int fd_ = -1;
  bool held_ = false;
};

// Removes what killed or failed runs left in an index folder: generation
// folders no stub points to (a build killed during its compaction, an old
// generation half deleted after the switch), build shards (*.build-*) and
// temporary files (*.tmp); says on `log` what it removed and how many bytes
// that freed. Leaves the generations alone when the stub does not name a
// complete one inside DIR (nothing is known to be garbage then), and
// everything when DIR is itself a Xapian database. The caller holds the
// DirLock.
void remove_leftovers(const std::string& dir, std::ostream& log);

// Runs `write` on the database at `path`; a Xapian error becomes an
// IndexError naming the path ("Error writing block (No space left on
// device)" alone does not say where).
template <class Write>
auto writing(const std::string& path, Write&& write) {
  try {
    return write();
  } catch (const Xapian::DatabaseLockError&) {
    throw IndexError("another process is writing to " + path +
                     " (Xapian's write lock is held); try again when it has finished");
  } catch (const Xapian::Error& e) {
    throw IndexError("writing " + path + ": " + e.get_description());
  }
}

// The bytes of the files under `path` (or of the file itself); what
// cannot be read counts 0.
std::uintmax_t bytes_under(const std::filesystem::path& path);

// The job on one unsharded index folder. The caller holds its DirLock.
IndexReport run_unsharded_job(const IndexOptions& options, std::ostream& log);

// Writes `text` to `path` atomically: a temporary file, synced, renamed
// over it (readers see the old content or the new, never half). Throws IndexError.
void replace_file(const std::string& path, const std::string& text);

// The shard map of a sharded index folder: DIR/shards.json.
std::string shard_map_path(const std::string& dir);

// Notes on `log` about how an article's text was read: converted from a
// legacy encoding, bytes that were not UTF-8 replaced.
void log_reading_notes(const Article& a, std::ostream& log);

// Whether a prune (or a rebuild, which drops whatever the sources lack) may
// delete `doomed` of the `indexed` articles, the sources holding `in_sources`
// distinct ids and `unreadable` listing the sources not read to their end
// ("file:line: reason"). Returns "" when it may, else why not.
std::string prune_refusal(const IndexOptions& options, std::size_t indexed, std::size_t doomed,
                          std::size_t in_sources, const std::vector<std::string>& unreadable);

// Text rules that text pages and HTML pages share (loaders.cpp).
// Ends like a sentence (or a clause): ".", "!", "?", "…", a closing quote, ":", ";", ",".
bool ends_sentence(std::string_view s);
// Runs of non-spaces, counted up to `cap`: "at most 12 words" need not
// read a long paragraph to its end.
std::size_t word_count(std::string_view s, std::size_t cap = SIZE_MAX);
// A line that is an author's signature, alone at the end of a story: a
// short name (at most 6 words, 60 bytes), not a sentence.
bool is_signature(std::string_view line);

// Decodes the HTML entities left in an article's text fields
// (decode_html_entities: "&quot;", "lúc&nbsp11h"), whatever the source:
// scraped JSONL keeps them as often as pages do (loaders.cpp). A no-break
// space in a one-line field (title, author, category, tags) is a space.
// `entities` false: that last step only, for text an HTML parser decoded.
void decode_entities(Article& a, bool entities = true);

// How many pruned ids the log names.
inline constexpr std::size_t kListedPrunes = 20;

}  // namespace tracuu::internal
