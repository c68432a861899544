// The access log's line and its file (server/access_log.h).
#include "access_log.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

using tracuu::access_log_line;
using tracuu::AccessEntry;
using tracuu::LogFile;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("an access log line is one JSON object with the time in ISO 8601 UTC") {
  AccessEntry e;
  e.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1500000000123));
  e.method = "GET";
  e.path = "/search";
  e.q = "hà nội \"mưa\"";
  e.status = 200;
  e.bytes = 1234;
  e.took_ms = 3.25;
  const std::string line = access_log_line(e);
  REQUIRE(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  auto j = nlohmann::json::parse(line);
  CHECK(j["time"] == "2017-07-14T02:40:00.123Z");
  CHECK(j["method"] == "GET");
  CHECK(j["path"] == "/search");
  CHECK(j["q"] == "hà nội \"mưa\"");
  CHECK(j["status"] == 200);
  CHECK(j["bytes"] == 1234);
  CHECK(j["took_ms"].get<double>() == doctest::Approx(3.2).epsilon(0.05));
}

TEST_CASE("an access log line without q has no q; bytes that are not UTF-8 stay valid JSON") {
  AccessEntry e;
  e.method = "GET";
  e.path = "/articles/\xff\xfe";
  e.status = 404;
  auto j = nlohmann::json::parse(access_log_line(e));
  CHECK_FALSE(j.contains("q"));
  CHECK(j["path"].get<std::string>().rfind("/articles/", 0) == 0);
  CHECK(j["status"] == 404);
}

TEST_CASE("a log file moved away is written again under its path after reopen()") {
  auto dir = std::filesystem::temp_directory_path() / ("tracuu-log-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "access.log";
  {
    LogFile log(path.string());
    log.write("one\n");
    std::filesystem::rename(path, dir / "access.log.1");
    log.write("two\n");  // still the moved file: logrotate's window
    log.reopen();
    log.write("three\n");
  }
  CHECK(slurp(dir / "access.log.1") == "one\ntwo\n");
  CHECK(slurp(path) == "three\n");
  std::filesystem::remove_all(dir);
}

TEST_CASE("a log file that cannot be opened is an error naming it") {
  CHECK_THROWS_WITH_AS(LogFile("/nonexistent-dir/x/access.log"),
                       doctest::Contains("/nonexistent-dir/x/access.log"), std::runtime_error);
}
