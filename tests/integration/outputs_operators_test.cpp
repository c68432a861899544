// Issue 22, on the real binaries: outputs a reader's tools cannot be turned
// against them (CSV formulas, links that are not http(s), characters XML
// refuses, links from the Host header), operators' mistakes refused
// (a backup inside the index, a lock of a job killed a moment ago, editors'
// lines too long) and a concordance sort with bounded memory.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>

#include <set>

#include "harness.h"

using harness::json;
using harness::run_bounded;
using harness::RunResult;
using harness::Server;
using harness::TempDir;
using harness::url_encode;
using harness::wait_bounded;

namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string line_of(const json& fields) {
  return fields.dump() + "\n";
}

// The names in a folder.
std::set<std::string> entries(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

// Articles whose text fields are what a spreadsheet would run.
struct FormulaIndex {
  TempDir dir;
  std::string db = dir.path("db");
  RunResult run;
  FormulaIndex() {
    const std::string jsonl =
        line_of({{"id", "f1"},
                 {"title", "=HYPERLINK(\"http://evil.example\",\"Bấm vào đây\")"},
                 {"author", "@SUM(1+1)"},
                 {"category", "+cmd"},
                 {"body", "Giá xăng tăng mạnh trong tháng này."},
                 {"published", "2017-06-01"}}) +
        line_of({{"id", "f2"},
                 {"title", "=cmd|' /C calc'!A0"},
                 {"author", "-5"},
                 {"body", "Giá xăng giảm nhẹ."},
                 {"published", "2017-06-02"}}) +
        line_of({{"id", "f3"},
                 {"title", "  =1+1 tin giá xăng"},
                 {"body", "Giá xăng đứng yên."},
                 {"published", "2017-06-03"}});
    run = harness::index(db, {dir.write("f.jsonl", jsonl)});
    REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  }
};

// The cells of a CSV text (RFC 4180: quoted cells, "" for a quote).
std::vector<std::string> csv_cells(const std::string& csv) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < csv.size(); ++i) {
    const char c = csv[i];
    if (quoted && c == '"' && i + 1 < csv.size() && csv[i + 1] == '"') {
      cell.push_back('"');
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && (c == ',' || c == '\n')) {
      cells.push_back(std::exchange(cell, {}));
    } else {
      cell.push_back(c);
    }
  }
  return cells;
}

// The cells a spreadsheet would read as a formula.
std::vector<std::string> formula_cells(const std::string& csv) {
  std::vector<std::string> found;
  for (const std::string& cell : csv_cells(csv)) {
    const std::size_t first = cell.find_first_not_of(' ');
    if (first != std::string::npos && contains("=+-@\t\r", std::string(1, cell[first])))
      found.push_back(cell);
  }
  return found;
}

}  // namespace

// ---------------------------------------------------------------------------
// CSV

TEST_CASE("/export and /concordance CSV prefix formula cells with a quote") {
  FormulaIndex index;
  Server s(index.db);
  for (const std::string& path : {"/export?format=csv&q=" + url_encode("giá xăng"),
                                  "/concordance?format=csv&sort=left&q=" + url_encode("giá xăng"),
                                  "/concordance?format=csv&q=" + url_encode("giá xăng")}) {
    INFO(path);
    auto res = s.client().Get(path.c_str());
    REQUIRE(res);
    REQUIRE(res->status == 200);
    INFO(res->body);
    CHECK(contains(res->body, "\"'=HYPERLINK(\"\"http://evil.example\"\""));
    CHECK(contains(res->body, "\"'=cmd|' /C calc'!A0\""));
    CHECK(contains(res->body, "\"'=1+1 tin giá xăng\""));  // the indexer trims the title
    CHECK(formula_cells(res->body).empty());
    if (path.rfind("/export", 0) == 0) {
      CHECK(contains(res->body, "\"'@SUM(1+1)\""));
      CHECK(contains(res->body, "\"'+cmd\""));
      CHECK(contains(res->body, "\"'-5\""));
    }
  }
}

// ---------------------------------------------------------------------------
// Links

TEST_CASE("an article url that is not http(s) is reported by file and line; the article is kept") {
  TempDir dir;
  const std::vector<std::string> bad = {
      "javascript:alert(document.domain)",        "JAVASCRIPT:alert(1)", " javascript:alert(1)",
      "data:text/html,<script>alert(1)</script>", "//evil.example/x",    "vbscript:msgbox(1)"};
  std::string jsonl;
  for (std::size_t k = 0; k < bad.size(); ++k)
    jsonl += line_of({{"id", "bad" + std::to_string(k)},
                      {"title", "Tin số " + std::to_string(k)},
                      {"body", "Nội dung tin."},
                      {"url", bad[k]}});
  jsonl += line_of({{"id", "good"},
                    {"title", "Tin tốt"},
                    {"body", "Nội dung."},
                    {"url", "HTTPS://baomoi.com/tin-tot.epi"}});
  const std::string file = dir.write("a.jsonl", jsonl);
  auto run = harness::index(dir.path("db"), {file});
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(run.summary()["added"] == bad.size() + 1);
  for (std::size_t k = 0; k < bad.size(); ++k)
    CHECK(contains(run.err, file + ":" + std::to_string(k + 1) + ": url: "));
  CHECK_FALSE(contains(run.err, file + ":" + std::to_string(bad.size() + 1) + ":"));

  Server s(dir.path("db"));
  for (std::size_t k = 0; k < bad.size(); ++k) {
    auto [status, body] = s.get("/articles/bad" + std::to_string(k));
    REQUIRE(status == 200);
    CHECK(body["url"] == "");
  }
  CHECK(s.get("/articles/good").second["url"] == "HTTPS://baomoi.com/tin-tot.epi");
  auto feed = s.client().Get("/feed.atom");
  REQUIRE(feed);
  CHECK_FALSE(contains(feed->body, "javascript"));
  CHECK_FALSE(contains(feed->body, "data:"));
  CHECK_FALSE(contains(feed->body, "href=\"//evil"));
  CHECK(contains(feed->body, "href=\"HTTPS://baomoi.com/tin-tot.epi\""));
}

TEST_CASE("the widget follows only http(s) links, whatever an older index holds") {
  TempDir dir;
  auto run = harness::index(dir.path("db"),
                            {dir.write("a.jsonl", line_of({{"id", "a"}, {"title", "Tin"}}))});
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  Server s(dir.path("db"));
  auto widget = s.client().Get("/widget.js");
  REQUIRE(widget);
  REQUIRE(widget->status == 200);
  // Both the default link and the site's {url} template go through the check.
  CHECK(contains(widget->body, "/^https?:\\/\\/[^\\/?#\\s]/i.test(u)"));
  CHECK(contains(widget->body, "var url = webUrl(h.url);"));
  CHECK(contains(widget->body, ".replace(\"{url}\", url)"));
  CHECK_FALSE(contains(widget->body, "return h.url ||"));
}

// ---------------------------------------------------------------------------
// The Atom feed

TEST_CASE("the feed drops characters XML cannot hold and never links to the Host header") {
  TempDir dir;
  const std::string jsonl = line_of({{"id", "x1"},
                                     {"title", "Tin nóng \xEF\xBF\xBE hôm nay \x01 \xEF\xBF\xBF"},
                                     {"author", "Phóng viên \x0B"},
                                     {"body", "Mưa lớn ở Hà Nội."},
                                     {"url", "https://baomoi.com/x1.epi"},
                                     {"published", "2017-06-01"}}) +
                            line_of({{"id", "x2"},
                                     {"title", "Mưa lớn"},
                                     {"body", "Mưa lớn ở Sài Gòn."},
                                     {"published", "2017-06-02"}});
  auto run = harness::index(dir.path("db"), {dir.write("a.jsonl", jsonl)});
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);

  Server plain(dir.path("db"));
  httplib::Headers evil_host = {{"Host", "evil.example"}};
  auto feed = plain.client().Get(("/feed.atom?q=" + url_encode("mưa")).c_str(), evil_host);
  REQUIRE(feed);
  REQUIRE(feed->status == 200);
  INFO(feed->body);
  CHECK(contains(feed->body, "Tin nóng  hôm nay"));
  CHECK_FALSE(contains(feed->body, "\xEF\xBF\xBE"));
  CHECK_FALSE(contains(feed->body, "\xEF\xBF\xBF"));
  for (char c = 0; c < 0x20; ++c)
    if (c != '\t' && c != '\n' && c != '\r') CHECK_FALSE(contains(feed->body, std::string(1, c)));
  CHECK_FALSE(contains(feed->body, "evil.example"));
  // Without --public-url: links relative to the feed, ids absolute URNs.
  CHECK(contains(feed->body, "href=\"/feed.atom?q="));
  CHECK(contains(feed->body, "<id>urn:tracuu:articles/x2</id>"));

  Server pub(dir.path("db"), {"--public-url", "https://tracuu.example/"});
  feed = pub.client().Get(("/feed.atom?q=" + url_encode("mưa")).c_str(), evil_host);
  REQUIRE(feed);
  INFO(feed->body);
  CHECK_FALSE(contains(feed->body, "evil.example"));
  CHECK(contains(feed->body, "href=\"https://tracuu.example/feed.atom?q="));
  CHECK(contains(feed->body, "<id>https://tracuu.example/articles/x2</id>"));
  CHECK(contains(feed->body, "href=\"https://tracuu.example/?q="));
}

TEST_CASE("--public-url must be an http(s) address") {
  TempDir dir;
  for (const char* bad : {"javascript:alert(1)", "tracuu.example", "//tracuu.example"}) {
    auto r = run_bounded(
        {harness::binary("server/tracuu-server"), "--db", dir.path("none"), "--public-url", bad});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "--public-url"));
  }
}

// ---------------------------------------------------------------------------
// Concordance memory

TEST_CASE("a concordance sort past its memory is refused with 400; a page or by date is not") {
  TempDir dir;
  std::string jsonl;
  for (int i = 0; i < 200; ++i) {
    std::string body;
    for (int k = 0; k < 40; ++k)
      body += "Phần " + std::to_string((i * 7 + k * 13) % 97) + " của ngân sách của thành phố " +
              std::to_string(k) + " được dùng. ";
    jsonl += line_of({{"id", "c" + std::to_string(i)},
                      {"title", "Tin của ngày " + std::to_string(i)},
                      {"body", body},
                      {"published", "2017-06-" + std::string(i % 28 < 9 ? "0" : "") +
                                        std::to_string(i % 28 + 1)}});
  }
  auto run = harness::index(dir.path("db"), {dir.write("a.jsonl", jsonl)});
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  const std::string q = "&context=50&q=" + url_encode("của");

  Server capped(dir.path("db"), {"--concordance-sort-mb", "1"});
  for (const char* format : {"csv", "jsonl"}) {
    auto [status, error] =
        capped.get(std::string("/concordance?format=") + format + "&sort=left" + q);
    INFO(format);
    CHECK(status == 400);
    CHECK(contains(error.value("error", ""), "too many lines to sort by context"));
  }
  auto by_date = capped.client().Get(("/concordance?format=csv" + q).c_str());
  REQUIRE(by_date);
  CHECK(by_date->status == 200);
  const auto lines = std::count(by_date->body.begin(), by_date->body.end(), '\n') - 1;
  CHECK(lines > 16000);

  // A page of a sorted concordance holds its own lines and those before it:
  // the same lines as the whole sort, under the cap.
  Server s(dir.path("db"));
  // Sorting every line takes seconds under the sanitizers: patient clients.
  auto patient = s.client();
  patient.set_read_timeout(60);
  auto whole = patient.Get(("/concordance?format=jsonl&sort=left" + q).c_str());
  REQUIRE(whole);
  REQUIRE(whole->status == 200);
  std::vector<json> all;
  std::istringstream in(whole->body);
  for (std::string l; std::getline(in, l);) all.push_back(json::parse(l));
  CHECK(static_cast<long>(all.size()) == lines);
  auto patient_capped = capped.client();
  patient_capped.set_read_timeout(60);
  auto answer =
      patient_capped.Get(("/concordance?format=json&sort=left&offset=50&limit=100" + q).c_str());
  REQUIRE(answer);
  REQUIRE(answer->status == 200);
  const json page = json::parse(answer->body);
  CHECK(page["occurrences"] == lines);
  REQUIRE(page["lines"].size() == 100);
  for (std::size_t k = 0; k < 100; ++k) {
    CAPTURE(k);
    CHECK(page["lines"][k] == all[50 + k]);
  }
}

// ---------------------------------------------------------------------------
// Backups inside the index

TEST_CASE("--backup inside the index folder is refused, whatever the spelling, nothing written") {
  TempDir dir;
  const std::string db = dir.path("db");
  auto run = harness::index(db, {dir.write("a.jsonl", line_of({{"id", "a"}, {"title", "Tin"}}))});
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  fs::create_symlink(db, dir.path("link-to-db"));
  const std::set<std::string> before = entries(db);
  for (const std::string& out : {db + "/gen-backup-2017-12-01", db, db + "/",
                                 db + "/sub/../gen-backup", dir.path("link-to-db") + "/backup",
                                 dir.path("other") + "/../db/backup", db + "/nested/deeper"}) {
    INFO(out);
    auto r = harness::run({harness::binary("indexer/tracuu-index"), "--db", db, "--backup", out});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "is inside the index folder"));
    CHECK(entries(db) == before);
  }
  // A folder beside it whose name starts the same is outside.
  auto r = harness::run(
      {harness::binary("indexer/tracuu-index"), "--db", db, "--backup", dir.path("db-backup")});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  // And the nightly run after a refused backup frees nothing.
  run = harness::index(db, {dir.write("b.jsonl", line_of({{"id", "b"}, {"title", "Tin"}}))});
  CHECK_FALSE(contains(run.err, "freed"));
}

// ---------------------------------------------------------------------------
// The lock of a job that is going away

TEST_CASE("a run waits for a lock released a moment later, and says so") {
  TempDir dir;
  fs::create_directories(dir.path("db"));
  int fd = ::open(dir.path("db/.tracuu-index.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  const std::string src = dir.write("a.jsonl", line_of({{"id", "a"}, {"title", "Tin"}}));
  pid_t pid = harness::spawn(
      {harness::binary("indexer/tracuu-index"), "--db", dir.path("db"), "--lock-wait", "60", src},
      dir.path("out"), dir.path("err"));
  // Released once the run has said it waits: a dying holder's moment.
  for (int i = 0; i < 2000 && !contains(harness::slurp(dir.path("err")), "waiting"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ::close(fd);
  const int code = wait_bounded(pid, 60);
  const std::string err = harness::slurp(dir.path("err"));
  INFO(err);
  CHECK(code == 0);
  CHECK(contains(err, "is locked by another tracuu-index; waiting up to 60000 ms"));
}

TEST_CASE("a run gives up on a lock held past --lock-wait, exit 1, nothing written") {
  TempDir dir;
  fs::create_directories(dir.path("db"));
  int fd = ::open(dir.path("db/.tracuu-index.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  auto r = harness::index(dir.path("db"),
                          {dir.write("a.jsonl", line_of({{"id", "a"}, {"title", "Tin"}}))},
                          {"--lock-wait", "1"});
  ::close(fd);
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "after waiting 1000 ms"));
  CHECK(entries(dir.path("db")) == std::set<std::string>{".tracuu-index.lock"});
}

TEST_CASE("a job killed with SIGKILL and re-run at once finishes") {
  TempDir dir;
  std::string jsonl;
  for (int i = 0; i < 3000; ++i)
    jsonl += line_of({{"id", "k" + std::to_string(i)},
                      {"title", "Tin số " + std::to_string(i)},
                      {"body", "Nội dung của tin số " + std::to_string(i) + " ở Hà Nội."}});
  const std::string src = dir.write("a.jsonl", jsonl);
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    pid_t pid = harness::spawn(
        {harness::binary("indexer/tracuu-index"), "--db", dir.path("db"), "--batch", "100", src},
        dir.path("out"), dir.path("err"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(pid, SIGKILL);
    // The retry starts before the killed one is reaped, as a supervisor's.
    auto retry = harness::index(dir.path("db"), {src});
    harness::wait_exit(pid);
    INFO(retry.err);
    CHECK(retry.exit_code == 0);
  }
}

// ---------------------------------------------------------------------------
// Counting

TEST_CASE("an id twice in one file is counted once: added when it was new") {
  TempDir dir;
  const std::string db = dir.path("db");
  auto first = harness::index(
      db, {dir.write("a.jsonl", line_of({{"id", "old"}, {"title", "Tin cũ"}}) +
                                    line_of({{"id", "twice"}, {"title", "Bản một"}}) +
                                    line_of({{"id", "twice"}, {"title", "Bản hai"}}))});
  INFO(first.err);
  CHECK(first.summary()["added"] == 2);
  CHECK(first.summary()["updated"] == 0);
  // Incremental: a new id twice, an existing one changed twice.
  auto second = harness::index(
      db, {dir.write("b.jsonl", line_of({{"id", "new"}, {"title", "Tin mới một"}}) +
                                    line_of({{"id", "new"}, {"title", "Tin mới hai"}}) +
                                    line_of({{"id", "old"}, {"title", "Tin cũ sửa một"}}) +
                                    line_of({{"id", "old"}, {"title", "Tin cũ sửa hai"}}))});
  INFO(second.err);
  CHECK(second.summary()["added"] == 1);
  CHECK(second.summary()["updated"] == 1);
  Server s(db);
  CHECK(s.get("/articles/new").second["title"] == "Tin mới hai");
  CHECK(s.get("/articles/old").second["title"] == "Tin cũ sửa hai");
  CHECK(s.get("/articles/twice").second["title"] == "Bản hai");
}

// ---------------------------------------------------------------------------
// Editors' files

TEST_CASE("a 10 MB editors' line is refused quoting 200 bytes of it, at start and on reload") {
  TempDir dir;
  auto run = harness::index(dir.path("db"),
                            {dir.write("a.jsonl", line_of({{"id", "a"}, {"title", "Tin"}}))});
  REQUIRE(run.exit_code == 0);
  const std::string huge = "x = " + std::string(10 << 20, 'y') + "\n";
  const std::string syn = dir.write("syn.txt", huge);
  auto r = run_bounded({harness::binary("server/tracuu-server"), "--db", dir.path("db"), "--port",
                        std::to_string(harness::free_port()), "--synonyms", syn});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, syn + ":1: a line of "));
  CHECK(r.err.size() < 2000);

  dir.write("syn2.txt", "Covid = SARS-CoV-2\n");
  Server s(dir.path("db"), harness::as_editors({"--synonyms", dir.path("syn2.txt")}));
  dir.write("syn2.txt", huge);
  kill(s.pid(), SIGHUP);
  std::string error;
  for (int i = 0; i < 500 && error.empty(); ++i) {
    auto [status, body] = harness::editor_get(s, "/editorial");
    if (status == 200 && body["synonyms"].contains("error"))
      error = body["synonyms"]["error"].get<std::string>();
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(contains(error, ":1: a line of "));
  CHECK(error.size() < 500);
  CHECK(s.log().size() < 4000);
}

TEST_CASE("an editors' file over 16 MiB is refused before it is read") {
  TempDir dir;
  auto run = harness::index(dir.path("db"),
                            {dir.write("a.jsonl", line_of({{"id", "a"}, {"title", "Tin"}}))});
  REQUIRE(run.exit_code == 0);
  std::string text;
  const std::string comment = "# " + std::string(8000, 'c') + "\n";
  while (text.size() <= (std::size_t{16} << 20)) text += comment;
  const std::string rules = dir.write("rules.tsv", text);
  auto r = run_bounded({harness::binary("server/tracuu-server"), "--db", dir.path("db"), "--port",
                        std::to_string(harness::free_port()), "--rules", rules});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, rules + ": larger than 16 MB"));
}

TEST_CASE("a pin with a query longer than a search's is refused") {
  TempDir dir;
  auto run = harness::index(dir.path("db"),
                            {dir.write("a.jsonl", line_of({{"id", "a"}, {"title", "Tin"}}))});
  REQUIRE(run.exit_code == 0);
  const std::string rules = dir.write("rules.tsv", "pin\t" + std::string(5000, 'q') + "\ta\n");
  auto r = run_bounded({harness::binary("server/tracuu-server"), "--db", dir.path("db"), "--port",
                        std::to_string(harness::free_port()), "--rules", rules});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, rules + ":1: a query of 5000 bytes"));
  CHECK(r.err.size() < 2000);
}

TEST_CASE("hides of every article, and of ids not in the index, leave the right matches") {
  TempDir dir;
  std::string jsonl, rules;
  for (int i = 0; i < 500; ++i) {
    jsonl += line_of({{"id", "h" + std::to_string(i)},
                      {"title", "Tin thời tiết số " + std::to_string(i)},
                      {"body", "Trời mưa ở Hà Nội."}});
    if (i != 7) rules += "hide\th" + std::to_string(i) + "\n";
  }
  for (int i = 0; i < 3000; ++i) rules += "hide\tgone-" + std::to_string(i) + "\n";
  auto run = harness::index(dir.path("db"), {dir.write("a.jsonl", jsonl)});
  REQUIRE(run.exit_code == 0);
  Server s(dir.path("db"), {"--rules", dir.write("rules.tsv", rules)});
  auto [status, body] = s.get("/search?q=" + url_encode("thời tiết"));
  REQUIRE(status == 200);
  CHECK(body["total"] == 1);
  REQUIRE(body["hits"].size() == 1);
  CHECK(body["hits"][0]["id"] == "h7");
  auto [st, sugg] = s.get("/suggest?q=" + url_encode("thời ti"));
  CHECK(st == 200);
  auto [sd, by_date] = s.get("/search?sort=date&q=" + url_encode("mưa"));
  CHECK(by_date["total"] == 1);
}

// ---------------------------------------------------------------------------
// --db naming something else

TEST_CASE("tracuu-server --db naming a plain file says what --db takes") {
  TempDir dir;
  const std::string file = dir.write("notes.txt", "hi\n");
  auto r = run_bounded({harness::binary("server/tracuu-server"), "--db", file, "--port",
                        std::to_string(harness::free_port())});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, file + " is not a tracuu index nor a Xapian stub file"));
  CHECK(contains(r.err, "--db takes an index folder"));
}
