// tracuu-index under faults and abuse: empty, truncated and unreadable
// sources, bad bytes, leftovers of killed runs, a full disk, racing writers.
// The real binary on real Xapian databases in temp folders; every wait is
// bounded, so a hang fails the test instead of stalling the suite.
#include <doctest/doctest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <xapian.h>

#include <algorithm>
#include <set>

#include "harness.h"

using harness::record;
using harness::run_bounded;
using harness::RunResult;
using harness::TempDir;
using harness::wait_bounded;

namespace {

namespace fs = std::filesystem;

const std::string kIndexer = harness::binary("indexer/tracuu-index");

RunResult index(const std::string& db, const std::vector<std::string>& sources,
                const std::vector<std::string>& flags = {}, double seconds = 20) {
  std::vector<std::string> args = {kIndexer, "--db", db};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), sources.begin(), sources.end());
  return run_bounded(args, seconds);
}

// tracuu-index on a disk that fills up after `kilobytes` per file: a lowered
// RLIMIT_FSIZE with SIGXFSZ ignored makes every write past it fail with
// EFBIG, as a full disk fails with ENOSPC, without needing root to mount one.
RunResult index_on_small_disk(int kilobytes, const std::string& db,
                              const std::vector<std::string>& sources,
                              const std::vector<std::string>& flags = {}) {
  std::vector<std::string> args = {
      "/bin/bash",
      "-c",
      "trap '' XFSZ; ulimit -f " + std::to_string(kilobytes) + "; exec \"$@\"",
      "bash",
      kIndexer,
      "--db",
      db};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), sources.begin(), sources.end());
  return run_bounded(args);
}

// `n` articles "a-0".."a-N-1"; `version` changes every title.
std::string articles(int n, int version = 1, const std::string& prefix = "a-") {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += record(
        prefix + std::to_string(i),
        "Tin số " + std::to_string(i) + " bản " + std::to_string(version) + " về quận Bình Tân",
        "Nội dung bài viết thứ " + std::to_string(i) +
            " nói về phát triển kinh tế của thành phố Hồ Chí Minh.",
        "20" + std::to_string(10 + i % 10) + "-05-15");
  }
  return out;
}

std::string gzip(const TempDir& dir, const std::string& rel, const std::string& text) {
  std::string plain = dir.write(rel + ".plain", text);
  std::string gz = dir.path(rel);
  REQUIRE(std::system(("gzip -c " + plain + " > " + gz).c_str()) == 0);
  fs::remove(plain);
  return gz;
}

Xapian::doccount doc_count(const std::string& db) {
  return Xapian::Database(db + "/XAPIANDB").get_doccount();
}

// Opens the index and reads every document's data and terms: a corrupt
// database throws.
Xapian::doccount read_every_document(const std::string& db_dir) {
  Xapian::Database db(db_dir + "/XAPIANDB");
  Xapian::doccount read = 0;
  for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it) {
    Xapian::Document doc = db.get_document(*it);
    CHECK_FALSE(doc.get_data().empty());
    CHECK(doc.termlist_count() > 0);
    ++read;
  }
  CHECK(read == db.get_doccount());
  return read;
}

std::string live_generation(const std::string& db) {
  std::ifstream stub(db + "/XAPIANDB");
  std::string kind, name;
  stub >> kind >> name;
  return name;
}

std::set<std::string> entries(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Copies an index folder (a generation) under another name, as a killed run
// leaves one.
void copy_folder(const std::string& from, const std::string& to) {
  fs::copy(from, to, fs::copy_options::recursive);
}

}  // namespace

// ---------------------------------------------------------------------------
// --prune and --rebuild against empty, truncated and unreadable sources

TEST_CASE("--prune with an empty source deletes nothing and exits 1") {
  TempDir dir;
  REQUIRE(index(dir.path("db"), {dir.write("a.jsonl", articles(10))}).exit_code == 0);
  auto run = index(dir.path("db"), {dir.write("empty.jsonl", "")}, {"--prune"});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "would delete 10 of the 10 indexed articles"));
  CHECK(contains(run.err, "--prune-allow-shrink"));
  CHECK(doc_count(dir.path("db")) == 10);
}

TEST_CASE("--prune with an empty folder deletes nothing and exits 1") {
  TempDir dir;
  REQUIRE(index(dir.path("db"), {dir.write("a.jsonl", articles(10))}).exit_code == 0);
  fs::create_directories(dir.path("empty"));
  auto run = index(dir.path("db"), {dir.path("empty")}, {"--prune"});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "--prune-allow-shrink"));
  CHECK(doc_count(dir.path("db")) == 10);
}

TEST_CASE("--prune that would delete more than half the index needs --prune-allow-shrink") {
  TempDir dir;
  std::string src = dir.write("a.jsonl", articles(10));
  REQUIRE(index(dir.path("db"), {src}).exit_code == 0);
  dir.write("a.jsonl", articles(4));
  auto refused = index(dir.path("db"), {src}, {"--prune"});
  INFO(refused.err);
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "would delete 6 of the 10 indexed articles"));
  CHECK(doc_count(dir.path("db")) == 10);
  auto forced = index(dir.path("db"), {src}, {"--prune", "--prune-allow-shrink"});
  CHECK(forced.exit_code == 0);
  CHECK(forced.summary()["deleted"] == 6);
  CHECK(doc_count(dir.path("db")) == 4);
}

TEST_CASE("--prune names the articles it deletes on stderr, the first 20") {
  TempDir dir;
  std::string src = dir.write("a.jsonl", articles(5));
  REQUIRE(index(dir.path("db"), {src}).exit_code == 0);
  dir.write("a.jsonl", articles(3));
  auto few = index(dir.path("db"), {src}, {"--prune"});
  CHECK(few.exit_code == 0);
  CHECK(contains(few.err, "tracuu-index: pruned 2 articles no longer in the sources: a-3, a-4\n"));

  TempDir big;
  std::string big_src = big.write("a.jsonl", articles(50));
  REQUIRE(index(big.path("db"), {big_src}).exit_code == 0);
  big.write("a.jsonl", articles(25));
  auto many = index(big.path("db"), {big_src}, {"--prune"});  // exactly half: allowed
  CHECK(many.exit_code == 0);
  CHECK(many.summary()["deleted"] == 25);
  INFO(many.err);
  CHECK(
      contains(many.err, "tracuu-index: pruned 25 articles no longer in the sources: a-25, a-26,"));
  CHECK(contains(many.err, "a-44 and 5 more\n"));
  CHECK_FALSE(contains(many.err, "a-45"));
}

TEST_CASE("--prune with a truncated .jsonl.gz keeps what it read, deletes nothing and exits 1") {
  TempDir dir;
  const int total = 3000;
  REQUIRE(index(dir.path("db"), {gzip(dir, "v1.jsonl.gz", articles(total, 1))}).exit_code == 0);
  const std::string whole = harness::slurp(gzip(dir, "v2.jsonl.gz", articles(total, 2)));
  for (double cut : {0.02, 0.5, 0.97}) {
    CAPTURE(cut);
    std::string src =
        dir.write("cut.jsonl.gz", whole.substr(0, static_cast<std::size_t>(whole.size() * cut)));
    auto run = index(dir.path("db"), {src}, {"--prune"});
    INFO(run.err);
    CHECK(run.exit_code == 1);
    CHECK(contains(run.err, src + ":"));
    CHECK(contains(run.err, "pruning skipped"));
    CHECK(doc_count(dir.path("db")) == total);
  }
  // What was read before the cut is committed: the first article is version 2.
  Xapian::Database db(dir.path("db") + "/XAPIANDB");
  Xapian::PostingIterator first = db.postlist_begin("Qa-0");
  REQUIRE(first != db.postlist_end("Qa-0"));
  CHECK(contains(db.get_document(*first).get_data(), "bản 2"));
}

TEST_CASE("--prune with an unreadable entry in the source folder deletes nothing and exits 1") {
  TempDir dir;
  dir.write("src/a.jsonl", articles(6));
  dir.write("src/b.jsonl", articles(4, 1, "b-"));
  REQUIRE(index(dir.path("db"), {dir.path("src")}).exit_code == 0);
  // b.jsonl listed but gone when read: a dangling symlink stands for it.
  fs::remove(dir.path("src/b.jsonl"));
  fs::create_symlink(dir.path("src/gone.jsonl"), dir.path("src/b.jsonl"));
  auto run = index(dir.path("db"), {dir.path("src")}, {"--prune"});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, dir.path("src/b.jsonl") + ":"));
  CHECK(contains(run.err, "pruning skipped"));
  CHECK(doc_count(dir.path("db")) == 10);
  auto without_prune = index(dir.path("db"), {dir.path("src")});
  CHECK(without_prune.exit_code == 2);  // reported, the rest indexed
  CHECK(contains(without_prune.err, dir.path("src/b.jsonl") + ":"));
}

TEST_CASE("--rebuild with a truncated source keeps the live generation and exits 1") {
  TempDir dir;
  const int total = 3000;
  REQUIRE(index(dir.path("db"), {gzip(dir, "v1.jsonl.gz", articles(total, 1))}).exit_code == 0);
  const std::string live = live_generation(dir.path("db"));
  std::string whole = harness::slurp(gzip(dir, "v2.jsonl.gz", articles(total, 2)));
  std::string src = dir.write("cut.jsonl.gz", whole.substr(0, whole.size() / 2));
  auto run = index(dir.path("db"), {src}, {"--rebuild"});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, src + ":"));
  CHECK(live_generation(dir.path("db")) == live);
  CHECK(doc_count(dir.path("db")) == total);
  CHECK(entries(dir.path("db")) == std::set<std::string>{".tracuu-index.lock", "XAPIANDB", live});
  Xapian::Database db(dir.path("db") + "/XAPIANDB");
  CHECK(contains(db.get_document(*db.postlist_begin("Qa-0")).get_data(), "bản 1"));
}

TEST_CASE("--rebuild from an empty source is refused unless --prune-allow-shrink") {
  TempDir dir;
  REQUIRE(index(dir.path("db"), {dir.write("a.jsonl", articles(10))}).exit_code == 0);
  const std::string live = live_generation(dir.path("db"));
  std::string empty = dir.write("empty.jsonl", "");
  auto refused = index(dir.path("db"), {empty}, {"--rebuild"});
  INFO(refused.err);
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "--prune-allow-shrink"));
  CHECK(live_generation(dir.path("db")) == live);
  CHECK(doc_count(dir.path("db")) == 10);
  auto forced = index(dir.path("db"), {empty}, {"--rebuild", "--prune-allow-shrink"});
  CHECK(forced.exit_code == 0);
  CHECK(doc_count(dir.path("db")) == 0);
}

TEST_CASE("--prune on a sharded index with an empty or truncated source deletes nothing") {
  TempDir dir;
  const int total = 2000;
  std::string v1 = gzip(dir, "v1.jsonl.gz", articles(total, 1));
  REQUIRE(index(dir.path("db"), {v1}, {"--shard-by", "year"}).exit_code == 0);
  REQUIRE(doc_count(dir.path("db")) == total);
  auto empty = index(dir.path("db"), {dir.write("empty.jsonl", "")}, {"--prune"});
  INFO(empty.err);
  CHECK(empty.exit_code == 1);
  CHECK(contains(empty.err, "--prune-allow-shrink"));
  CHECK(doc_count(dir.path("db")) == total);
  std::string whole = harness::slurp(v1);
  std::string cut = dir.write("cut.jsonl.gz", whole.substr(0, whole.size() / 2));
  auto truncated = index(dir.path("db"), {cut}, {"--prune"});
  INFO(truncated.err);
  CHECK(truncated.exit_code == 1);
  CHECK(contains(truncated.err, cut + ":"));
  CHECK(contains(truncated.err, "pruning skipped"));
  CHECK(doc_count(dir.path("db")) == total);
  // A complete source still prunes, across shards, and lists what it deleted.
  auto pruned = index(dir.path("db"), {dir.write("most.jsonl", articles(total - 3))}, {"--prune"});
  CHECK(pruned.exit_code == 0);
  CHECK(pruned.summary()["deleted"] == 3);
  CHECK(contains(pruned.err, "pruned 3 articles no longer in the sources: a-1997, a-1998, a-1999"));
  CHECK(doc_count(dir.path("db")) == total - 3);
}

// ---------------------------------------------------------------------------
// Neighbours: odd sources without --prune

TEST_CASE("an empty source file or folder indexes nothing and exits 0") {
  TempDir dir;
  auto file = index(dir.path("db"), {dir.write("empty.jsonl", "")});
  CHECK(file.exit_code == 0);
  CHECK(file.summary()["added"] == 0);
  CHECK(doc_count(dir.path("db")) == 0);
  fs::create_directories(dir.path("empty"));
  auto folder = index(dir.path("db"), {dir.path("empty")});
  CHECK(folder.exit_code == 0);
  CHECK(doc_count(dir.path("db")) == 0);
}

TEST_CASE("a folder of only undecodable files: each is rejected by name, exit 2") {
  TempDir dir;
  std::string binary = harness::slurp(harness::source_path("tests/data/legacy/not-vietnamese.bin"));
  std::string page = dir.write("junk/page.txt", binary);
  std::string lines = dir.write("junk/lines.jsonl", binary + "\n" + binary + "\n");
  std::string gz = dir.write("junk/fake.jsonl.gz", "\x1f\x8b\x08" + binary);
  auto run = index(dir.path("db"), {dir.path("junk")});
  INFO(run.err);
  CHECK(run.exit_code == 2);
  CHECK(run.summary()["added"] == 0);
  CHECK(contains(run.err, page + ":0: "));
  CHECK(contains(run.err, lines + ":1: "));
  CHECK(contains(run.err, gz + ":"));
  CHECK(doc_count(dir.path("db")) == 0);
}

TEST_CASE("a .jsonl.gz truncated at several points: what precedes the cut is indexed") {
  TempDir dir;
  const std::string whole = harness::slurp(gzip(dir, "all.jsonl.gz", articles(3000)));
  for (double cut : {0.0, 0.01, 0.3, 0.6, 0.99}) {
    CAPTURE(cut);
    TempDir run_dir;
    std::string src = run_dir.write("cut.jsonl.gz",
                                    whole.substr(0, static_cast<std::size_t>(whole.size() * cut)));
    auto run = index(run_dir.path("db"), {src});
    INFO(run.err);
    CHECK(run.exit_code == (cut == 0.0 ? 0 : 2));  // an empty file is an empty source
    if (cut > 0) CHECK(contains(run.err, src + ":"));
    Xapian::doccount indexed = read_every_document(run_dir.path("db"));
    CHECK(indexed == run.summary()["added"].get<Xapian::doccount>());
    if (cut >= 0.3) CHECK(indexed > 0);
    CHECK(indexed < 3000);
  }
}

TEST_CASE("a FIFO as SOURCE or inside a source folder is reported by name, nothing hangs") {
  TempDir dir;
  dir.write("src/a.jsonl", articles(3));
  REQUIRE(mkfifo(dir.path("src/pipe.jsonl").c_str(), 0644) == 0);
  auto in_folder = index(dir.path("db"), {dir.path("src")}, {}, /*seconds=*/10);
  INFO(in_folder.err);
  CHECK(in_folder.exit_code == 2);
  CHECK(contains(in_folder.err, dir.path("src/pipe.jsonl") + ":"));
  CHECK(doc_count(dir.path("db")) == 3);
  auto given = index(dir.path("db2"), {dir.path("src/pipe.jsonl")}, {}, 10);
  INFO(given.err);
  CHECK(given.exit_code == 1);
  CHECK(contains(given.err, dir.path("src/pipe.jsonl") + ": not a regular file or folder"));
}

// ---------------------------------------------------------------------------
// Bad bytes

TEST_CASE("a line whose id holds bytes that are not UTF-8 is rejected, never re-read as VNI") {
  TempDir dir;
  std::string src = dir.write(
      "a.jsonl",
      record("good", "Bài tốt", "Nội dung") +
          "{\"id\":\"\xff\xfe\",\"title\":\"Tiếng Việt có dấu\",\"body\":\"Nội dung\"}\n");
  auto run = index(dir.path("db"), {src});
  INFO(run.err);
  CHECK(run.exit_code == 2);
  CHECK(contains(run.err, src + ":2: id: invalid UTF-8\n"));
  CHECK_FALSE(contains(run.err, "converted from"));
  CHECK(run.summary()["added"] == 1);
  CHECK(doc_count(dir.path("db")) == 1);
}

TEST_CASE("bytes that are not UTF-8 in a text field become U+FFFD, with a note naming the field") {
  TempDir dir;
  std::string src =
      dir.write("a.jsonl",
                "{\"id\":\"x1\",\"title\":\"Tiếng Việt\xff có dấu\",\"body\":\"Nội \xc3 dung\"}\n");
  auto run = index(dir.path("db"), {src});
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(contains(run.err, "tracuu-index: x1: invalid UTF-8 in title, body replaced by U+FFFD\n"));
  Xapian::Database db(dir.path("db") + "/XAPIANDB");
  REQUIRE(db.get_termfreq("Qx1") == 1);
  std::string data = db.get_document(*db.postlist_begin("Qx1")).get_data();
  CHECK(db.get_termfreq("Etiếng") == 1);  // read as UTF-8, not as VNI
  CHECK(db.get_termfreq("Edấu") == 1);
  CHECK(db.get_termfreq("Edung") == 1);
}

// ---------------------------------------------------------------------------
// Disk: leftovers, a full disk

TEST_CASE("leftovers of a build killed during compaction are removed by the next run") {
  TempDir dir;
  std::string src = dir.write("a.jsonl", articles(200));
  REQUIRE(index(dir.path("db"), {src}).exit_code == 0);
  const std::string live = live_generation(dir.path("db"));
  const int n = std::stoi(live.substr(4));
  // A killed --rebuild: its build shards and a partial next generation the
  // stub never pointed to, and the stub's temporary file.
  char next[32];
  std::snprintf(next, sizeof next, "gen-%06d", n + 1);
  copy_folder(dir.path("db/" + live), dir.path("db/" + std::string(next)));
  copy_folder(dir.path("db/" + live), dir.path("db/" + std::string(next) + ".build-0"));
  copy_folder(dir.path("db/" + live), dir.path("db/" + std::string(next) + ".build-1"));
  dir.write("db/XAPIANDB.tmp", "auto " + std::string(next) + "\n");
  auto run = index(dir.path("db"), {src});
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(contains(run.err, "removed"));
  CHECK(contains(run.err, std::string(next) + ".build-0"));
  CHECK(contains(run.err, "freed"));
  CHECK(entries(dir.path("db")) == std::set<std::string>{".tracuu-index.lock", "XAPIANDB", live});
  CHECK(run.summary()["unchanged"] == 200);
  CHECK(read_every_document(dir.path("db")) == 200);
  auto rebuilt = index(dir.path("db"), {src}, {"--rebuild"});
  CHECK(rebuilt.exit_code == 0);
  CHECK(read_every_document(dir.path("db")) == 200);
  CHECK(entries(dir.path("db")).size() == 3);
}

TEST_CASE("a half-deleted old generation left by a kill after the switch is removed") {
  TempDir dir;
  std::string src = dir.write("a.jsonl", articles(200));
  REQUIRE(index(dir.path("db"), {src}).exit_code == 0);
  REQUIRE(index(dir.path("db"), {src}, {"--rebuild"}).exit_code == 0);
  const std::string live = live_generation(dir.path("db"));
  const int n = std::stoi(live.substr(4));
  char old[32];
  std::snprintf(old, sizeof old, "gen-%06d", n - 1);
  copy_folder(dir.path("db/" + live), dir.path("db/" + std::string(old)));
  fs::remove(dir.path("db/" + std::string(old) + "/postlist.glass"));
  fs::remove(dir.path("db/" + std::string(old) + "/iamglass"));
  auto run = index(dir.path("db"), {src});
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(contains(run.err, "removed"));
  CHECK(contains(run.err, old));
  CHECK(entries(dir.path("db")) == std::set<std::string>{".tracuu-index.lock", "XAPIANDB", live});
  CHECK(read_every_document(dir.path("db")) == 200);
}

TEST_CASE("a full disk during a rebuild: exit 1 naming the path, no leftovers, live index intact") {
  TempDir dir;
  REQUIRE(index(dir.path("db"), {dir.write("small.jsonl", articles(20, 1))}).exit_code == 0);
  const std::string live = live_generation(dir.path("db"));
  std::string big = dir.write("big.jsonl", articles(6000, 2));
  auto run = index_on_small_disk(1000, dir.path("db"), {big}, {"--rebuild"});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "tracuu-index: fatal: writing " + dir.path("db") + "/gen-"));
  CHECK(entries(dir.path("db")) == std::set<std::string>{".tracuu-index.lock", "XAPIANDB", live});
  CHECK(read_every_document(dir.path("db")) == 20);
  Xapian::Database db(dir.path("db") + "/XAPIANDB");
  CHECK(contains(db.get_document(*db.postlist_begin("Qa-0")).get_data(), "bản 1"));
}

TEST_CASE("a full disk during a first build leaves no build folders behind") {
  TempDir dir;
  std::string big = dir.write("big.jsonl", articles(6000));
  auto run = index_on_small_disk(1000, dir.path("db"), {big});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "tracuu-index: fatal: writing " + dir.path("db") + "/gen-"));
  for (const std::string& name : entries(dir.path("db"))) {
    CHECK(name.find(".build") == std::string::npos);
  }
  CHECK(entries(dir.path("db")).size() == 3);  // the lock, the stub, the empty live generation
  CHECK(read_every_document(dir.path("db")) == 0);
}

TEST_CASE("a full disk during an incremental run: exit 1 naming the path, last commit readable") {
  TempDir dir;
  REQUIRE(index(dir.path("db"), {dir.write("small.jsonl", articles(20, 1, "s-"))}).exit_code == 0);
  const std::string live = live_generation(dir.path("db"));
  std::string big = dir.write("big.jsonl", articles(6000));
  auto run = index_on_small_disk(1500, dir.path("db"), {big}, {"--batch", "500"});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "tracuu-index: fatal: writing " + dir.path("db/" + live) + ": "));
  Xapian::doccount after = read_every_document(dir.path("db"));
  CHECK(after >= 20);
  CHECK((after - 20) % 500 == 0);  // whole batches only
  CHECK(after < 6020);
}

TEST_CASE("a writer that fails stops the loader: the rest of the sources is not read") {
  TempDir dir;
  // The last line is bad: a loader that kept reading after the failure would report it.
  std::string src = dir.write("big.jsonl", articles(20000) + "{not json\n");
  auto run = index_on_small_disk(1000, dir.path("db"), {src});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "fatal: writing"));
  CHECK_FALSE(contains(run.err, src + ":20001:"));
}

// ---------------------------------------------------------------------------
// One writer per folder, from the first byte

TEST_CASE("a second run is refused before it writes anything while the folder is locked") {
  TempDir dir;
  fs::create_directories(dir.path("db"));
  int fd = ::open(dir.path("db/.tracuu-index.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  // --lock-wait 0: refused at once (by default a run waits for the holder).
  auto run = index(dir.path("db"), {dir.write("a.jsonl", articles(5))}, {"--lock-wait", "0"});
  ::close(fd);
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "another tracuu-index is writing to " + dir.path("db")));
  CHECK(entries(dir.path("db")) == std::set<std::string>{".tracuu-index.lock"});
}

TEST_CASE("two first runs on one empty folder: one wins or they take turns, never corrupt") {
  TempDir dir;
  std::string src = dir.write("a.jsonl", articles(300));
  int refused = 0;
  for (int round = 0; round < 20; ++round) {
    CAPTURE(round);
    std::string db = dir.path("db-" + std::to_string(round));
    std::vector<std::string> args = {kIndexer, "--db", db, src};
    pid_t first = harness::spawn(args, dir.path("out1"), dir.path("err1"));
    pid_t second = harness::spawn(args, dir.path("out2"), dir.path("err2"));
    int codes[2] = {wait_bounded(first, 20), wait_bounded(second, 20)};
    std::string errs[2] = {harness::slurp(dir.path("err1")), harness::slurp(dir.path("err2"))};
    INFO(errs[0] << "\n---\n" << errs[1]);
    CHECK(std::count(codes, codes + 2, 0) >= 1);
    for (int k = 0; k < 2; ++k) {
      if (codes[k] == 0) continue;
      CHECK(codes[k] == 1);
      CHECK(contains(errs[k], "another tracuu-index is writing to " + db));
      ++refused;
    }
    CHECK(read_every_document(db) == 300);
    for (const std::string& name : entries(db)) CHECK(name.find(".build") == std::string::npos);
  }
  MESSAGE(refused << " of 20 second runs refused, the others ran after the first");
}
