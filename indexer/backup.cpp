// backup_index: a consistent, compacted copy of a live index (indexer.h).
//
// The copy is Xapian's compaction of a reader opened at one revision. It
// does not take the job's lock (DIR/.tracuu-index.lock): a job may start,
// index and switch generations during a backup. Glass reuses the blocks a
// commit frees two commits later, so a job committing into the live
// generation during the copy would make the reader fail
// (DatabaseModifiedError): the backup holds the commit gate (CommitGate)
// shared while it copies, and the job's next commit waits for it, at most
// two minutes (then the copy fails and starts again from the newest
// revision). The job's loading and analysis go on meanwhile; only its
// commit waits. A --rebuild never writes the live generation (it switches
// to a new one at its end), so a backup during a rebuild copies the old
// index, or the new one if it started after the switch.
#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "indexer_internal.h"

namespace tracuu {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Copies started again when the writer overtook the reader, before giving up.
constexpr unsigned kBackupAttempts = 8;
constexpr const char* kBackupGeneration = "gen-000001";
constexpr const char* kPartialSuffix = ".partial-";

// A backup killed before its end leaves OUT.partial-PID (never OUT): the
// next backup to OUT removes those whose process is gone.
void remove_dead_partials(const fs::path& out, std::ostream& log) {
  const std::string prefix = out.filename().string() + kPartialSuffix;
  std::error_code ec;
  for (auto it = fs::directory_iterator(out.parent_path(), ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + prefix.size()));
    if (pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM)) continue;  // still running
    std::error_code remove_ec;
    fs::remove_all(it->path(), remove_ec);
    if (!remove_ec)
      log << "tracuu-index: removed " << it->path().string() << " (a killed backup)\n";
  }
}

// Removes the partial copy unless it was renamed into place.
struct PartialCopy {
  fs::path path;
  bool kept = false;
  ~PartialCopy() {
    std::error_code ec;
    if (!kept) fs::remove_all(path, ec);
  }
};

void fsync_path(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// A backup inside the index folder is a folder the next job does not know:
// it removed "gen-backup-2017-12-01" as a leftover generation (399.8 MB
// freed). Compared after symlinks and ".." are resolved, so no spelling of
// a path into DIR gets through.
void refuse_inside_index(const std::string& out, const std::string& db_dir) {
  std::error_code ec;
  const fs::path dir = fs::weakly_canonical(fs::absolute(db_dir), ec);
  if (ec) return;  // no folder to be inside of: open_reader says so
  const fs::path target = fs::weakly_canonical(fs::absolute(out), ec);
  if (ec) return;
  auto [d, t] = std::mismatch(dir.begin(), dir.end(), target.begin(), target.end());
  // A trailing "/" is an empty last component of `dir`.
  if (d == dir.end() || (d->empty() && std::next(d) == dir.end()))
    throw IndexError(out + " is inside the index folder " + db_dir +
                     ": the next tracuu-index run would remove it as a leftover; back up to a "
                     "folder outside " +
                     db_dir);
}

}  // namespace

std::string BackupReport::to_json() const {
  nlohmann::json j = {
      {"backup", out},
      {"of", generation},
      {"revision", revision},
      {"documents", documents},
      {"bytes", bytes},
      {"attempts", attempts},
      {"seconds", static_cast<double>(static_cast<long long>(seconds * 1000)) / 1000}};
  return j.dump();
}

BackupReport backup_index(const std::string& db_dir, const std::string& out_dir,
                          std::ostream& log) {
  const auto start = Clock::now();
  refuse_inside_index(out_dir, db_dir);
  const fs::path out = fs::absolute(out_dir).lexically_normal();
  std::error_code ec;
  if (fs::exists(fs::symlink_status(out, ec)))
    throw IndexError(out.string() + " already exists; a backup never writes over anything: " +
                     "name a new folder, or remove it first");
  if (fs::exists(internal::shard_map_path(db_dir), ec))
    throw IndexError(db_dir + " is a sharded index: back up each shard folder on its own");
  const IndexLocation source(db_dir);
  if (source.live_generation().empty()) throw IndexError("no tracuu index at " + db_dir);

  fs::create_directories(out.parent_path(), ec);
  if (ec) throw IndexError("cannot create " + out.parent_path().string() + ": " + ec.message());
  remove_dead_partials(out, log);
  PartialCopy partial{out.string() + kPartialSuffix + std::to_string(::getpid())};
  const fs::path target = partial.path / kBackupGeneration;

  BackupReport report;
  report.out = out.string();
  for (report.attempts = 1;; ++report.attempts) {
    fs::remove_all(partial.path, ec);
    fs::create_directories(partial.path, ec);
    if (ec) throw IndexError("cannot create " + partial.path.string() + ": " + ec.message());
    try {
      internal::CommitGate gate(db_dir, internal::CommitGate::Holder::kBackup);
      Xapian::Database db = source.open_reader();
      report.generation = source.live_generation();
      report.revision = db.get_revision();
      report.documents = db.get_doccount();
      // Document numbers kept: ties rank in the same order as in the source.
      db.compact(target.string(), Xapian::DBCOMPACT_NO_RENUMBER);
      break;
    } catch (const Xapian::DatabaseModifiedError&) {
      if (report.attempts >= kBackupAttempts)
        throw IndexError("the index at " + db_dir + " changed under the backup " +
                         std::to_string(report.attempts) +
                         " times (a job committing fast); try again when it has finished");
      log << "tracuu-index: the index changed during the copy; copying its newest revision\n";
    } catch (const Xapian::Error& e) {
      throw IndexError("copying " + db_dir + " to " + target.string() + ": " + e.get_description());
    }
  }
  internal::replace_file((partial.path / IndexLocation::kStubFile).string(),
                         std::string("auto ") + kBackupGeneration + "\n");
  fsync_path(target);
  fsync_path(partial.path);
  // OUT appears whole or not at all.
  fs::rename(partial.path, out, ec);
  if (ec)
    throw IndexError("cannot rename " + partial.path.string() + " to " + out.string() + ": " +
                     ec.message());
  partial.kept = true;
  fsync_path(out.parent_path());
  report.bytes = internal::bytes_under(out);
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace tracuu
