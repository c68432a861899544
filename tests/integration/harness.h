// Integration-test harness: temp folders, running the real tracuu-index and
// tracuu-server binaries, and talking HTTP to the server on 127.0.0.1.
#pragma once

#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern "C" char** environ;

namespace harness {

namespace fs = std::filesystem;
using json = nlohmann::json;

// The binaries under test: this build's, or those of the build named by
// TRACUU_BINARY_DIR (scripts/test.sh runs these tests against a
// ThreadSanitizer build of the server and indexer).
inline std::string binary(const std::string& name) {
  const char* dir = std::getenv("TRACUU_BINARY_DIR");
  return std::string(dir && *dir ? dir : TRACUU_BINARY_DIR) + "/" + name;
}
inline std::string source_path(const std::string& rel) {
  return std::string(TRACUU_SOURCE_DIR) + "/" + rel;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "tracuu-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string path(const std::string& rel = "") const {
    return rel.empty() ? path_.string() : (path_ / rel).string();
  }
  std::string write(const std::string& rel, const std::string& content) const {
    fs::path p = path_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

 private:
  fs::path path_;
};

struct RunResult {
  int exit_code = -1;
  std::string out, err;
  json summary() const {  // the last line of stdout
    std::string last;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) last = line;
    }
    return json::parse(last);
  }
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Starts a process with stdout/stderr redirected to files; returns its pid.
inline pid_t spawn(const std::vector<std::string>& args, const std::string& out_file,
                   const std::string& err_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
  return pid;
}

inline int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs a binary to completion.
inline RunResult run(const std::vector<std::string>& args) {
  TempDir logs;
  pid_t pid = spawn(args, logs.path("out"), logs.path("err"));
  RunResult r;
  r.exit_code = wait_exit(pid);
  r.out = slurp(logs.path("out"));
  r.err = slurp(logs.path("err"));
  return r;
}

// Waits for `pid` at most `seconds`; a process still running then is killed
// and the test fails (a hang fails the test instead of stalling the suite).
inline int wait_bounded(pid_t pid, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  wait_exit(pid);
  FAIL("the process did not finish within " << seconds << " s");
  return -1;
}

// Runs a command to completion, at most `seconds`.
inline RunResult run_bounded(const std::vector<std::string>& args, double seconds = 20) {
  TempDir logs;
  pid_t pid = spawn(args, logs.path("out"), logs.path("err"));
  RunResult r;
  r.exit_code = wait_bounded(pid, seconds);
  r.out = slurp(logs.path("out"));
  r.err = slurp(logs.path("err"));
  return r;
}

inline RunResult index(const std::string& db, std::vector<std::string> sources,
                       std::vector<std::string> flags = {}) {
  std::vector<std::string> args = {binary("indexer/tracuu-index"), "--db", db};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), sources.begin(), sources.end());
  return run(args);
}

inline int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A running tracuu-server on a free loopback port; killed on destruction.
class Server {
 public:
  explicit Server(const std::string& db, std::vector<std::string> extra = {}) : port_(free_port()) {
    std::vector<std::string> args = {binary("server/tracuu-server"), "--db", db, "--port",
                                     std::to_string(port_)};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = spawn(args, logs_.path("out"), logs_.path("err"));
    for (int i = 0; i < 200; ++i) {
      auto res = client().Get("/health");
      if (res && res->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    throw std::runtime_error("tracuu-server did not start: " + slurp(logs_.path("err")));
  }
  ~Server() {
    if (pid_ > 0) stop();
  }
  // SIGTERM, then waits: the exit status.
  int stop() {
    kill(pid_, SIGTERM);
    int status = wait_exit(pid_);
    pid_ = 0;
    return status;
  }
  pid_t pid() const { return pid_; }
  // Resident memory now, in KiB (VmRSS), or peak (VmHWM).
  long memory_kib(const char* field = "VmRSS:") const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(in, line);)
      if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
    return -1;
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(2);
    c.set_read_timeout(10);
    return c;
  }
  // GET returning (status, parsed JSON or null).
  std::pair<int, json> get(const std::string& path) const {
    auto res = client().Get(path.c_str());
    if (!res) return {0, nullptr};
    json body = json::parse(res->body, nullptr, false);
    return {res->status, body};
  }
  int port() const { return port_; }
  std::string log() const { return slurp(logs_.path("err")); }
  std::string out() const { return slurp(logs_.path("out")); }  // the access log by default

 private:
  TempDir logs_;
  int port_;
  pid_t pid_ = 0;
};

// A raw TCP connection to 127.0.0.1, for clients no HTTP library would
// imitate: slow, idle, pipelining, garbage. Every wait is bounded.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool ok() const { return fd_ >= 0; }
  bool send_all(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  // What arrives until the server closes, `until` is seen, or `seconds` pass.
  std::string receive(double seconds, const std::string& until = "") {
    std::string got;
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    closed_ = false;
    while (std::chrono::steady_clock::now() < end) {
      if (!until.empty() && got.find(until) != std::string::npos) break;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) continue;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  }
  // Whether the last receive() ended because the server closed the connection.
  bool closed() const { return closed_; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

inline std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// One JSONL record.
inline std::string record(const std::string& id, const std::string& title, const std::string& body,
                          const std::string& published = "2020-01-01",
                          const std::string& category = "Thời sự") {
  return json{{"id", id},
              {"title", title},
              {"body", body},
              {"published", published},
              {"category", category}}
             .dump() +
         "\n";
}

// A server over an index of `jsonl` (records), built in its own folder:
// what a test file's fixture keeps for all its cases (a function-local static).
struct ServedRecords {
  TempDir dir;
  std::unique_ptr<Server> server;
  explicit ServedRecords(const std::string& jsonl) {
    auto built = index(dir.path("db"), {dir.write("records.jsonl", jsonl)});
    REQUIRE_MESSAGE(built.exit_code == 0, built.err);
    server = std::make_unique<Server>(dir.path("db"));
  }
};

// /stats and /editorial need the editors' token (--editor-token).
constexpr const char* kEditorToken = "editors-test-token-0123456789";

// `flags` and the editors' token file, which ends in a line end as an
// editor's file does (the server trims it).
inline std::vector<std::string> with_editor_token(std::vector<std::string> flags) {
  static TempDir dir;
  static const std::string file = dir.write("editor-token", std::string(kEditorToken) + "\n");
  flags.insert(flags.end(), {"--editor-token", file});
  return flags;
}

// with_editor_token, and every query listed (the tests search from one
// address; the default lists queries that 3 visitors searched:
// editors_private_test.cpp).
inline std::vector<std::string> as_editors(std::vector<std::string> flags) {
  flags.insert(flags.end(), {"--stats-min-visitors", "1"});
  return with_editor_token(std::move(flags));
}

inline std::pair<int, json> editor_get(const Server& s, const std::string& path) {
  auto res =
      s.client().Get(path.c_str(), {{"Authorization", std::string("Bearer ") + kEditorToken}});
  if (!res) return {0, nullptr};
  return {res->status, json::parse(res->body, nullptr, false)};
}

// How many records keep an indexer busy for as long as `n` keep the
// optimized one: the sanitizer steps of scripts/test.sh run binaries
// several times slower and say so in TRACUU_TEST_SLOWDOWN, so tests that
// kill or race a running indexer need fewer records for the same window.
inline int bulk_records(int n) {
  const char* slowdown = std::getenv("TRACUU_TEST_SLOWDOWN");
  const int k = slowdown ? std::atoi(slowdown) : 1;
  return k > 1 ? n / k : n;
}

// The value of one Prometheus sample in a /metrics text ("NAME{labels} 42"),
// 0 where the sample is not there yet (a counter that has not moved).
inline double metric(const std::string& text, const std::string& sample) {
  for (std::size_t at = text.find(sample); at != std::string::npos;
       at = text.find(sample, at + 1)) {
    const bool line_start = at == 0 || text[at - 1] == '\n';
    if (line_start && at + sample.size() < text.size() && text[at + sample.size()] == ' ') {
      return std::stod(text.substr(at + sample.size() + 1));
    }
  }
  return 0;
}

// One string field of each hit (or any JSON objects), in order: "id", "published".
inline std::vector<std::string> field_of(const json& hits, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& h : hits) out.push_back(h[key].get<std::string>());
  return out;
}

// Shared by the tests of the server under abuse (server_faults_test.cpp,
// http_limits_test.cpp): the indexes, built once per run, and raw HTTP.
using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// An index of the bundled corpus, built once; tests that damage files copy it.
inline const std::string& corpus_index() {
  static TempDir dir;
  static std::string path = [] {
    std::string db = dir.path("db");
    auto run = harness::index(db, {harness::source_path("corpus")});
    if (run.exit_code != 0 && run.exit_code != 2) throw std::runtime_error(run.err);
    return db;
  }();
  return path;
}

// Articles of common words, so that phrases of common words are costly to
// check: enough for a query to outlast a budget of a few milliseconds.
inline const std::string& common_words_index() {
  static TempDir dir;
  static std::string path = [] {
    const char* words[] = {"của",   "và",  "là",   "có",    "được",  "cho",   "người",
                           "này",   "với", "các",  "những", "trong", "một",   "đã",
                           "không", "khi", "từ",   "đến",   "năm",   "thành", "phố",
                           "tỉnh",  "nhà", "nước", "công",  "ty",    "dân",   "việc"};
    std::mt19937 rng(7);
    std::string jsonl;
    for (int i = 0; i < 3000; ++i) {
      std::string body;
      for (int w = 0; w < 400; ++w) body += std::string(words[rng() % std::size(words)]) + " ";
      jsonl += harness::record("c" + std::to_string(i), "Tin số " + std::to_string(i), body);
    }
    std::string db = dir.path("db");
    auto run = harness::index(db, {dir.write("common.jsonl", jsonl)});
    if (run.exit_code != 0) throw std::runtime_error(run.err);
    return db;
  }();
  return path;
}

// How long a new client waits for a search (99 when it got no 200).
inline double fresh_search(const Server& s, const std::string& q = "binh+tan") {
  auto start = Clock::now();
  auto [status, body] = s.get("/search?q=" + q);
  return status == 200 ? seconds_since(start) : 99;
}

inline std::string get_request(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

inline int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

}  // namespace harness
