// The access log and SIGHUP (docs/operations.md): the real tracuu-server,
// its stdout or its log files read back line by line.
#include <doctest/doctest.h>

#include <algorithm>
#include <regex>

#include "harness.h"

using harness::json;
using harness::RawConnection;
using harness::Server;
using harness::TempDir;

namespace {

namespace fs = std::filesystem;

std::string small_index(const TempDir& dir) {
  dir.write("a.jsonl", harness::record("a1", "Mưa lớn ở Hà Nội", "Hà Nội mưa lớn suốt đêm qua.") +
                           harness::record("a2", "Giá vàng tăng", "Giá vàng hôm nay tăng mạnh."));
  auto run = harness::index(dir.path("db"), {dir.path("a.jsonl")});
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  return dir.path("db");
}

// The access log's lines, but for the harness's /health checks at start-up
// (whose lines may be written after the harness saw the answer).
std::vector<json> lines_of(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    REQUIRE_MESSAGE(!j.is_discarded(), "not a JSON line: " << line);
    if (j["path"] != "/health") out.push_back(j);
  }
  return out;
}

// Waits (bounded) until `read()` holds at least `n` lines.
template <typename Read>
std::vector<json> wait_lines(Read read, std::size_t n) {
  for (int i = 0; i < 100; ++i) {
    auto lines = lines_of(read());
    if (lines.size() >= n) return lines;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return lines_of(read());
}

std::vector<json> wait_lines(const std::string& path, std::size_t n) {
  return wait_lines([&] { return harness::slurp(path); }, n);
}

}  // namespace

TEST_CASE(
    "every request is one JSON line on stdout: time, method, path, status, bytes, took_ms, q") {
  TempDir dir;
  Server server(small_index(dir));
  auto res = server.client().Get("/search?q=m%C6%B0a&limit=5&token=secret-of-a-user");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  auto missing = server.client().Get("/articles/nope");
  REQUIRE(missing);
  // A request the event loop refuses itself is logged too.
  RawConnection raw(server.port());
  raw.send_all("GET /search HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  const std::string refused = raw.receive(5, "}");
  REQUIRE(refused.find("431") != std::string::npos);

  // Each line is written once its answer is handed over: not necessarily in
  // the order the requests were sent.
  auto lines = wait_lines([&] { return server.out(); }, 3);
  REQUIRE(lines.size() == 3);
  auto find = [&](int status) {
    auto it = std::find_if(lines.begin(), lines.end(),
                           [&](const json& j) { return j["status"] == status; });
    REQUIRE(it != lines.end());
    return *it;
  };
  const json search = find(200);
  CHECK(search["method"] == "GET");
  CHECK(search["path"] == "/search");
  CHECK(search["q"] == "mưa");
  CHECK(search["bytes"].get<std::size_t>() > res->body.size());  // the head counts too
  CHECK(search["took_ms"].get<double>() >= 0);
  CHECK(std::regex_match(search["time"].get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  CHECK(search.dump().find("secret-of-a-user") == std::string::npos);
  CHECK(search.dump().find("limit") == std::string::npos);
  const json missing_line = find(404);
  CHECK(missing_line["path"] == "/articles/nope");
  CHECK_FALSE(missing_line.contains("q"));
  const json refused_line = find(431);
  CHECK(refused_line["path"] == "/search");
  CHECK(refused_line["bytes"].get<std::size_t>() == refused.size());
}

TEST_CASE("--access-log off writes nothing on stdout") {
  TempDir dir;
  Server server(small_index(dir), {"--access-log", "off"});
  REQUIRE(server.client().Get("/search?q=v%C3%A0ng"));
  CHECK(server.out().empty());
}

TEST_CASE("SIGHUP reopens the access log and the log file after logrotate moved them") {
  TempDir dir;
  const std::string access = dir.path("logs/access.log"), diag = dir.path("logs/server.log");
  fs::create_directories(dir.path("logs"));
  Server server(small_index(dir), {"--access-log", access, "--log-file", diag});
  REQUIRE(server.client().Get("/search?q=one"));
  REQUIRE(wait_lines(access, 1).back()["q"] == "one");
  CHECK(server.out().empty());
  CHECK(harness::slurp(diag).find("serving") != std::string::npos);
  fs::rename(access, access + ".1");
  fs::rename(diag, diag + ".1");
  REQUIRE(kill(server.pid(), SIGHUP) == 0);
  for (int i = 0; i < 100 && !fs::exists(access); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(server.client().Get("/search?q=two"));
  auto fresh = wait_lines(access, 1);
  REQUIRE(fresh.size() == 1);
  CHECK(fresh[0]["q"] == "two");
  CHECK(lines_of(harness::slurp(access + ".1")).back()["q"] == "one");
  CHECK(server.stop() == 0);  // still serving after SIGHUP; its goodbye goes to the new file
  CHECK(harness::slurp(diag).find("stopped") != std::string::npos);
}

TEST_CASE("an access log that cannot be opened stops the server at start with a clear error") {
  TempDir dir;
  auto run = harness::run({harness::binary("server/tracuu-server"), "--db", small_index(dir),
                           "--port", std::to_string(harness::free_port()), "--access-log",
                           dir.path("no/such/dir/access.log")});
  CHECK(run.exit_code == 1);
  CHECK(run.err.find("no/such/dir/access.log") != std::string::npos);
}
