// What the reindex job's files share (job.cpp: one index folder, shards.cpp:
// a sharded one; index_dir.cpp: the folder's lock and leftovers). Internal
// to indexer/.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "indexer.h"

namespace tracuu::internal {

// The write lock of an index folder: an flock on DIR/.tracuu-index.lock,
// taken before anything is written in DIR (two first runs on one empty
// folder would otherwise build over each other) and held until destroyed.
// A second holder fails at once. Not copyable; one thread owns it.
class DirLock {
 public:
  // Creates DIR if needed. Throws IndexError when another process holds it.
  explicit DirLock(const std::string& dir);
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  ~DirLock();  // closing the file releases the lock

  static constexpr const char* kFileName = ".tracuu-index.lock";

 private:
  int fd_ = -1;
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

// How many pruned ids the log names.
inline constexpr std::size_t kListedPrunes = 20;

}  // namespace tracuu::internal
