// LogFile and the access log's line (access_log.h).
#include "access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace tracuu {
namespace {

int open_for_append(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    throw std::runtime_error("cannot open the log file " + path + ": " + std::strerror(errno));
  return fd;
}

// A JSON string; bytes that are not UTF-8 become U+FFFD rather than a line
// no JSON reader accepts.
std::string json_string(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

LogFile::LogFile(std::string spec) : spec_(std::move(spec)) {
  if (spec_ == "stdout") {
    fd_ = STDOUT_FILENO;
  } else if (spec_ == "stderr") {
    fd_ = STDERR_FILENO;
  } else {
    fd_ = open_for_append(spec_);
    owned_ = true;
  }
}

LogFile::~LogFile() {
  if (owned_) ::close(fd_);
}

void LogFile::write(std::string_view line) const {
  while (!line.empty()) {
    ssize_t n = ::write(fd_, line.data(), line.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    line.remove_prefix(static_cast<std::size_t>(n));
  }
}

void LogFile::reopen() {
  if (!is_file()) return;
  int fresh = open_for_append(spec_);
  ::dup2(fresh, fd_);
  if (stderr_too_) ::dup2(fresh, STDERR_FILENO);
  ::close(fresh);
}

void LogFile::become_stderr() {
  if (fd_ == STDERR_FILENO) return;
  ::dup2(fd_, STDERR_FILENO);
  stderr_too_ = true;
}

std::string access_log_line(const AccessEntry& e) {
  using namespace std::chrono;
  const auto since_epoch = e.time.time_since_epoch();
  const std::time_t secs = duration_cast<seconds>(since_epoch).count();
  const long ms = static_cast<long>(duration_cast<milliseconds>(since_epoch).count() % 1000);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char time[64];
  std::snprintf(time, sizeof time, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ms);
  char numbers[96];
  std::snprintf(numbers, sizeof numbers, ",\"status\":%d,\"bytes\":%zu,\"took_ms\":%.1f", e.status,
                e.bytes, e.took_ms);
  std::string line = "{\"time\":\"";
  line += time;
  line += "\",\"method\":";
  line += json_string(e.method);
  line += ",\"path\":";
  line += json_string(e.path);
  line += numbers;
  if (!e.q.empty()) {
    line += ",\"q\":";
    line += json_string(e.q);
  }
  line += "}\n";
  return line;
}

}  // namespace tracuu
