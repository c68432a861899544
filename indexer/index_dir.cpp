// An index folder's write lock and the removal of what killed runs leave in it.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <ostream>
#include <thread>

#include "indexer_internal.h"

namespace tracuu::internal {

namespace fs = std::filesystem;

DirLock::DirLock(const std::string& dir, std::chrono::milliseconds wait, std::ostream* log) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IndexError("cannot create " + dir + ": " + ec.message());
  const std::string path = (fs::path(dir) / kFileName).string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw IndexError("cannot open " + path + ": " + std::strerror(errno));
  if (acquire(wait, log, path)) return;
  ::close(fd_);
  throw IndexError("another tracuu-index is writing to " + dir + " (" + path + " is locked" +
                   (wait.count() > 0 ? " after waiting " + std::to_string(wait.count()) + " ms"
                                     : std::string()) +
                   "); try again when it has finished");
}

// A job killed with SIGKILL holds its lock until the kernel has closed its
// files, a moment after the kill: a supervisor retrying at once found it
// still held and gave up. So a holder gets `wait` to go away, said once on
// `log`; a job that really runs still makes the second one fail, later.
bool DirLock::acquire(std::chrono::milliseconds wait, std::ostream* log, const std::string& path) {
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return true;
  if (wait.count() <= 0) return false;
  if (log)
    *log << "tracuu-index: " << path << " is locked by another tracuu-index; waiting up to "
         << wait.count() << " ms for it to finish\n"
         << std::flush;
  const auto until = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return true;
  }
  return false;
}

DirLock::~DirLock() {
  ::close(fd_);
}

CommitGate::CommitGate(const std::string& dir, Holder holder, std::chrono::milliseconds wait) {
  // A backup makes the file; a commit only opens it (an index never backed
  // up has none). A commit opens it anew each time, so one starting just
  // after a backup made it still waits for that backup.
  const std::string path = (fs::path(dir) / kFileName).string();
  if (holder == Holder::kBackup) fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return;
  if (holder == Holder::kBackup) {
    held_ = ::flock(fd_, LOCK_SH) == 0;
    return;
  }
  const auto until = std::chrono::steady_clock::now() + wait;
  while (!(held_ = ::flock(fd_, LOCK_EX | LOCK_NB) == 0) &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

CommitGate::~CommitGate() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Whether `entry` in `dir` is left over: see remove_leftovers.
bool is_leftover(const fs::directory_entry& entry, const fs::path& live, bool live_is_known) {
  const std::string name = entry.path().filename().string();
  std::error_code ec;
  if (entry.is_directory(ec) && !entry.is_symlink(ec)) {
    if (name.rfind("gen-", 0) != 0) return false;
    if (name.find(".build") != std::string::npos) return true;
    return live_is_known && name != live.filename().string();
  }
  return entry.is_regular_file(ec) && ends_with(name, ".tmp");
}

}  // namespace

std::uintmax_t bytes_under(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(path, ec))) {
    std::uintmax_t size = fs::file_size(path, ec);
    return ec ? 0 : size;
  }
  std::uintmax_t total = 0;
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) total += it->file_size(size_ec);
  }
  return total;
}

void remove_leftovers(const std::string& dir, std::ostream& log) {
  const std::string live = IndexLocation(dir).live_generation();
  std::error_code ec;
  if (!live.empty() && fs::equivalent(live, dir, ec)) return;  // a plain Xapian database
  const fs::path live_path(live);
  const bool live_is_known = !live.empty() && IndexLocation::is_database(live_path.string()) &&
                             fs::equivalent(live_path.parent_path(), dir, ec);
  std::vector<fs::path> leftovers;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (is_leftover(*it, live_path, live_is_known)) leftovers.push_back(it->path());
  }
  if (leftovers.empty()) return;
  std::sort(leftovers.begin(), leftovers.end());
  std::uintmax_t freed = 0;
  std::string names;
  for (const fs::path& path : leftovers) {
    const std::uintmax_t bytes = bytes_under(path);
    std::error_code remove_ec;
    fs::remove_all(path, remove_ec);
    if (remove_ec) {
      log << "tracuu-index: cannot remove " << path.string() << ": " << remove_ec.message() << "\n";
      continue;
    }
    freed += bytes;
    names += (names.empty() ? "" : ", ") + path.filename().string();
  }
  if (names.empty()) return;
  log << "tracuu-index: removed what earlier runs left in " << dir << ": " << names << " ("
      << std::fixed << std::setprecision(1) << static_cast<double>(freed) / 1e6 << " MB freed)\n";
}

}  // namespace tracuu::internal
