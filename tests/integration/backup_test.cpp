// tracuu-index --backup while the index is served and written
// (docs/operations.md#backups): the real binaries, a real index.
#include <doctest/doctest.h>
#include <xapian.h>

#include "harness.h"

using harness::json;
using harness::RunResult;
using harness::Server;
using harness::TempDir;
using harness::url_encode;

namespace {

namespace fs = std::filesystem;

const std::string kIndexer = harness::binary("indexer/tracuu-index");

RunResult backup(const std::string& db, const std::string& out) {
  return harness::run({kIndexer, "--db", db, "--backup", out});
}

// A backup while a job writes: when a commit lands during the copy, Xapian
// 1.4.22's compactor, interrupted by DatabaseModifiedError, leaks its
// cursors (LeakSanitizer, all inside libxapian; the backup retries and
// succeeds): leak checking is off for these runs only.
RunResult backup_while_writing(const std::string& db, const std::string& out) {
  return harness::run({"/bin/bash", "-c",
                       "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 exec \"$@\"",
                       "bash", kIndexer, "--db", db, "--backup", out});
}

// `n` articles on the corpus's subjects, so that they rank for its queries.
std::string articles(int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += harness::record("extra-" + std::to_string(i),
                           "Quận Bình Tân mở rộng đường số " + std::to_string(i),
                           "Thành phố Hồ Chí Minh phát triển kinh tế, giao thông và trường học " +
                               std::to_string(i) + ".",
                           "20" + std::to_string(10 + i % 10) + "-05-15");
  return out;
}

const std::vector<std::string> kQueries = {"binh tan", "trường học", "giao thông",
                                           "kinh tế",  "đường",      "thành phố hồ chí minh"};

// What a server answers for kQueries: the total and the top 10 ids of each.
json answers(const Server& server) {
  json out = json::array();
  for (const std::string& q : kQueries) {
    auto [status, body] = server.get("/search?limit=10&q=" + url_encode(q));
    REQUIRE(status == 200);
    json ids = json::array();
    for (const json& hit : body["hits"]) ids.push_back(hit["id"]);
    out.push_back({{"q", q}, {"total", body["total"]}, {"top", ids}});
  }
  return out;
}

Xapian::doccount doc_count(const std::string& index_dir) {
  return Xapian::Database(index_dir + "/XAPIANDB").get_doccount();
}

std::set<std::string> entries(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

}  // namespace

TEST_CASE("a backup taken during a rebuild is the index before or after it, and is servable") {
  TempDir dir;
  const std::string db = dir.path("db");
  REQUIRE(harness::index(db, {harness::source_path("corpus")}).exit_code == 0);
  Server live(db);
  const json before = answers(live);
  const Xapian::doccount before_count = doc_count(db);
  const std::string extra = dir.write("extra.jsonl", articles(4000));
  pid_t rebuild =
      harness::spawn({kIndexer, "--db", db, "--rebuild", harness::source_path("corpus"), extra},
                     dir.path("rebuild.out"), dir.path("rebuild.err"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  RunResult copy = backup_while_writing(db, dir.path("backup"));
  REQUIRE(harness::wait_exit(rebuild) == 0);
  REQUIRE_MESSAGE(copy.exit_code == 0, copy.err);
  json after;
  for (int i = 0; i < 100; ++i) {  // the live server follows the switch on its next request
    after = answers(live);
    if (after != before) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(after != before);

  const json summary = copy.summary();
  CHECK(summary["documents"] == doc_count(dir.path("backup")));
  CHECK(summary["bytes"].get<std::uintmax_t>() > 0);
  CHECK(entries(dir.path("backup")) == std::set<std::string>{"XAPIANDB", "gen-000001"});
  Server restored(dir.path("backup"));
  const json copied = answers(restored);
  CHECK_MESSAGE((copied == before || copied == after), copied.dump());
  CHECK(doc_count(dir.path("backup")) == (copied == before ? before_count : doc_count(db)));
}

TEST_CASE("a backup during an incremental job that commits often is one of its revisions") {
  TempDir dir;
  const std::string db = dir.path("db");
  REQUIRE(harness::index(db, {harness::source_path("corpus")}).exit_code == 0);
  const Xapian::doccount before = doc_count(db);
  const std::string extra = dir.write("extra.jsonl", articles(3000));
  pid_t job = harness::spawn({kIndexer, "--db", db, "--batch", "100", extra}, dir.path("job.out"),
                             dir.path("job.err"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  RunResult copy = backup_while_writing(db, dir.path("backup"));
  REQUIRE(harness::wait_exit(job) == 0);
  REQUIRE_MESSAGE(copy.exit_code == 0, copy.err);
  const Xapian::doccount copied = doc_count(dir.path("backup"));
  CHECK(copied == copy.summary()["documents"]);
  CHECK(copied >= before);
  CHECK(copied <= before + 3000);
  CHECK((copied - before) % 100 == 0);  // whole batches: a commit, never part of one
  auto check = harness::run({"/usr/bin/xapian-check", dir.path("backup") + "/gen-000001"});
  CHECK_MESSAGE(check.exit_code == 0, check.out);
}

TEST_CASE("a backup never writes over an existing OUT") {
  TempDir dir;
  REQUIRE(harness::index(dir.path("db"), {harness::source_path("corpus")}).exit_code == 0);
  dir.write("backup/keep.txt", "mine");
  RunResult run = backup(dir.path("db"), dir.path("backup"));
  CHECK(run.exit_code == 1);
  CHECK(run.err.find(dir.path("backup") + " already exists") != std::string::npos);
  CHECK(entries(dir.path("backup")) == std::set<std::string>{"keep.txt"});
  CHECK(entries(dir.path()) == std::set<std::string>{"db", "backup"});
}

TEST_CASE("a backup to a full disk fails naming the path and leaves nothing under OUT's name") {
  TempDir dir;
  REQUIRE(harness::index(dir.path("db"), {dir.write("a.jsonl", articles(2000))}).exit_code == 0);
  // A lowered RLIMIT_FSIZE with SIGXFSZ ignored: every write past it fails
  // (EFBIG) as on a full disk (ENOSPC), without root to mount a small one.
  // Xapian 1.4.22's compactor leaks its table cursors when a write fails
  // (LeakSanitizer, all inside libxapian): leak checking is off for this run.
  RunResult run =
      harness::run({"/bin/bash", "-c",
                    "trap '' XFSZ; ulimit -f 100; "
                    "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 exec \"$@\"",
                    "bash", kIndexer, "--db", dir.path("db"), "--backup", dir.path("backup")});
  CHECK(run.exit_code == 1);
  CHECK(run.err.find("tracuu-index: backup failed: copying " + dir.path("db")) !=
        std::string::npos);
  CHECK(entries(dir.path()) == std::set<std::string>{"db", "a.jsonl"});
}

TEST_CASE("a backup where nothing can be written, or of no index, fails with a clear message") {
  TempDir dir;
  REQUIRE(harness::index(dir.path("db"), {harness::source_path("corpus")}).exit_code == 0);
  RunResult unwritable = backup(dir.path("db"), "/proc/tracuu-backup/out");
  CHECK(unwritable.exit_code == 1);
  CHECK(unwritable.err.find("cannot create /proc/tracuu-backup") != std::string::npos);
  RunResult nothing = backup(dir.path("nothing"), dir.path("backup"));
  CHECK(nothing.exit_code == 1);
  CHECK(nothing.err.find("no tracuu index at " + dir.path("nothing")) != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path("backup")));
}

TEST_CASE("a backup killed midway leaves no OUT; the next one removes its remains and succeeds") {
  TempDir dir;
  REQUIRE(harness::index(dir.path("db"), {dir.write("a.jsonl", articles(3000))}).exit_code == 0);
  const Xapian::doccount count = doc_count(dir.path("db"));
  for (int delay_ms : {5, 40}) {
    fs::remove_all(dir.path("backup"));
    pid_t pid = harness::spawn({kIndexer, "--db", dir.path("db"), "--backup", dir.path("backup")},
                               "/dev/null", "/dev/null");
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    harness::wait_exit(pid);
    // Either the copy had finished (complete), or there is no OUT at all.
    if (fs::exists(dir.path("backup"))) CHECK(doc_count(dir.path("backup")) == count);
  }
  fs::remove_all(dir.path("backup"));
  RunResult again = backup(dir.path("db"), dir.path("backup"));
  REQUIRE_MESSAGE(again.exit_code == 0, again.err);
  CHECK(doc_count(dir.path("backup")) == count);
  CHECK(entries(dir.path()) == std::set<std::string>{"db", "a.jsonl", "backup"});
}

TEST_CASE("a backup truncated in transfer fails xapian-check and the server refuses it at start") {
  TempDir dir;
  REQUIRE(harness::index(dir.path("db"), {harness::source_path("corpus")}).exit_code == 0);
  REQUIRE(backup(dir.path("db"), dir.path("backup")).exit_code == 0);
  fs::resize_file(dir.path("backup/gen-000001/postlist.glass"), 8192);
  CHECK(harness::run({"/usr/bin/xapian-check", dir.path("backup/gen-000001")}).exit_code != 0);
  pid_t pid = harness::spawn({harness::binary("server/tracuu-server"), "--db", dir.path("backup"),
                              "--port", std::to_string(harness::free_port())},
                             dir.path("out"), dir.path("err"));
  int status = -1;
  for (int i = 0; i < 200 && status < 0; ++i) {
    int raw = 0;
    if (waitpid(pid, &raw, WNOHANG) == pid) status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  if (status < 0) {  // it serves the damaged copy: a failure, and no process left behind
    kill(pid, SIGKILL);
    harness::wait_exit(pid);
  }
  CHECK(status == 1);
  CHECK(harness::slurp(dir.path("err")).find("tracuu-server: ") != std::string::npos);
}
