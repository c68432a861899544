// Internal to server/: log files that logrotate can move (SIGHUP reopens
// them), and the one JSON line written per request (docs/operations.md).
//
// Thread-safety: write() from any thread, reopen() from any other; a line
// is one write(2) to an O_APPEND descriptor, so lines of different workers
// never interleave, and reopen() swaps the descriptor with dup2(), which is
// atomic: a writer writes to the old file or to the new one, never nowhere.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace tracuu {

// "stdout", "stderr", or a file path opened for appending (created 0640).
class LogFile {
 public:
  // Throws std::runtime_error naming the path when it cannot be opened.
  explicit LogFile(std::string spec);
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  // Writes `line` (ending in '\n') in one call; a failed write is dropped:
  // a full disk must not stop the answers.
  void write(std::string_view line) const;
  // A file is opened again under its path (logrotate renamed the old one);
  // stdout and stderr stay. Throws and keeps the old file when it cannot.
  void reopen();
  // Makes this file the process's stderr too, so the diagnostics written
  // with std::cerr go to it (--log-file); reopen() keeps it so.
  void become_stderr();
  const std::string& spec() const { return spec_; }
  bool is_file() const { return spec_ != "stdout" && spec_ != "stderr"; }

 private:
  std::string spec_;
  int fd_ = -1;
  bool owned_ = false, stderr_too_ = false;
};

// One request as the access log records it. Query parameters other than q
// are left out: they may be a user's own (docs/operations.md).
struct AccessEntry {
  std::chrono::system_clock::time_point time;  // when the answer was handed over
  std::string_view method, path, q;            // path without its query string
  int status = 0;
  std::size_t bytes = 0;  // the response as sent: head and body
  double took_ms = 0;     // from the whole request read to the answer handed over
};

// {"time":"2026-11-30T12:31:11.123Z","method":"GET","path":"/search","status":200,
//  "bytes":1234,"took_ms":3.2,"q":"..."} and '\n'; q only when the request had one.
// Text that is not UTF-8 is written with U+FFFD in its place.
std::string access_log_line(const AccessEntry& entry);

}  // namespace tracuu
