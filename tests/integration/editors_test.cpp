// For the site's editors, on the real binaries: synonyms and rules files
// (applied everywhere, reloaded on change and SIGHUP, a bad file kept out
// with its FILE:LINE), freshness, analytics, /stats, /events, /widget.js.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <set>

#include "harness.h"

using harness::as_editors;
using harness::editor_get;
using harness::json;
using harness::record;
using harness::Server;
using harness::TempDir;
using harness::url_encode;

namespace {

// A small index of articles naming Hồ Chí Minh City in its different ways.
struct CityIndex {
  TempDir dir;
  std::string db = dir.path("db");
  CityIndex() {
    const std::string jsonl =
        record("sg", "Mưa lớn ở Sài Gòn", "Chiều nay Sài Gòn mưa to, nhiều tuyến đường ngập.",
               "2017-06-01") +
        record("hcm", "Triều cường ở TP.HCM", "Nước dâng cao ở TP.HCM, người dân vất vả.",
               "2017-06-02") +
        record("full", "Thành phố Hồ Chí Minh chống ngập",
               "Thành phố Hồ Chí Minh đầu tư dự án chống ngập.", "2017-06-03") +
        record("hn", "Mưa lớn ở Hà Nội", "Hà Nội mưa to, nhiều tuyến đường ngập.", "2017-06-04") +
        record("cv", "Covid-19 lan rộng", "Số ca Covid-19 tăng nhanh.", "2020-03-01") +
        record("sars", "Biến thể mới của SARS-CoV-2", "Các nhà khoa học theo dõi SARS-CoV-2.",
               "2020-03-02") +
        record("gd", "Bộ Giáo dục và Đào tạo công bố lịch thi",
               "Bộ Giáo dục và Đào tạo vừa công bố lịch thi.", "2017-05-01") +
        record("gd2", "Bộ GD-ĐT điều chỉnh đề thi", "Bộ GD-ĐT cho biết đề thi năm nay nhẹ hơn.",
               "2017-05-02");
    auto r = harness::index(db, {dir.write("city.jsonl", jsonl)});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
};

CityIndex& city() {
  static CityIndex c;
  return c;
}

std::vector<std::string> ordered_ids(const json& hits) {
  return harness::field_of(hits, "id");
}

std::set<std::string> ids(const json& hits) {
  const std::vector<std::string> in_order = ordered_ids(hits);
  return {in_order.begin(), in_order.end()};
}

json search(const Server& s, const std::string& q, const std::string& extra = "") {
  auto [status, body] = s.get("/search?q=" + url_encode(q) + extra);
  REQUIRE(status == 200);
  return body;
}

// Waits (at most `seconds`) until `done` holds; whether it did.
template <typename F>
bool eventually(F&& done, double seconds = 2) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// Replaces a file's content by renaming a new file over it (what an
// editor's save or a deploy does), or rewriting it in place.
void replace_file(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".new";
  std::ofstream(tmp, std::ios::binary) << content;
  std::filesystem::rename(tmp, path);
}

const char* kSynonyms =
    "# Thành phố\n"
    "Sài Gòn = TP.HCM = Thành phố Hồ Chí Minh\n"
    "Covid = Covid-19 = SARS-CoV-2\n";

}  // namespace

TEST_CASE("without synonyms, a form finds only the articles writing it") {
  Server s(city().db);
  CHECK(ids(search(s, "sài gòn")["hits"]) == std::set<std::string>{"sg"});
}

TEST_CASE("synonyms: every form finds the articles writing any form, snippets mark each") {
  TempDir t;
  Server s(city().db, {"--synonyms", t.write("syn.txt", kSynonyms)});
  const json sg = search(s, "sai gon");
  CHECK(ids(sg["hits"]) == std::set<std::string>{"sg", "hcm", "full"});
  for (const auto& h : sg["hits"]) {
    const std::string snippet = h["snippet"];
    if (h["id"] == "hcm") CHECK(snippet.find("<mark>TP.HCM</mark>") != std::string::npos);
    if (h["id"] == "full")
      CHECK(snippet.find("<mark>Thành phố Hồ Chí Minh</mark>") != std::string::npos);
  }
  // Multi-word forms as the query, with other words around them.
  CHECK(ids(search(s, "Thành phố Hồ Chí Minh")["hits"]).count("sg") == 1);
  CHECK(ids(search(s, "mưa sài gòn", "&match=all")["hits"]) == std::set<std::string>{"sg"});
  CHECK(ids(search(s, "triều cường sài gòn", "&match=all")["hits"]) ==
        std::set<std::string>{"hcm"});
  // A form written with a hyphen in the file is found typed with a space.
  CHECK(ids(search(s, "covid")["hits"]) == std::set<std::string>{"cv", "sars"});
  CHECK(ids(search(s, "sars cov 2")["hits"]) == std::set<std::string>{"cv", "sars"});
  // Words that only resemble a form: unchanged.
  CHECK(ids(search(s, "hà nội")["hits"]) == std::set<std::string>{"hn"});
  // The same reading in the article view's marks and the concordance.
  auto [st, article] = s.get("/articles/hcm?q=" + url_encode("sài gòn"));
  REQUIRE(st == 200);
  CHECK(article.dump().find("TP.HCM</mark>") != std::string::npos);
  auto [sc, kwic] = s.get("/concordance?q=" + url_encode("sài gòn"));
  REQUIRE(sc == 200);
  CHECK(kwic["articles"] == 3);
}

TEST_CASE("synonyms sit on top of the built-in abbreviations") {
  TempDir t;
  // "Bộ GD-ĐT" and "Bộ Giáo dục và Đào tạo" already match through the
  // abbreviation table (GD-ĐT); a group adds a form the table lacks.
  Server s(city().db,
           {"--synonyms", t.write("syn.txt", "Bộ GD-ĐT = Bộ Giáo dục và Đào tạo = Bộ Giáo dục\n")});
  CHECK(ids(search(s, "bộ gd-đt", "&match=all")["hits"]) == std::set<std::string>{"gd", "gd2"});
  CHECK(ids(search(s, "Bo Giao duc", "&match=all")["hits"]) == std::set<std::string>{"gd", "gd2"});
}

TEST_CASE("a bad file at start-up: the server does not start, and says FILE:LINE") {
  TempDir t;
  const std::string bad = t.write("syn.txt", "A = B\nCovid\n");
  auto r = harness::run({harness::binary("server/tracuu-server"), "--db", city().db, "--port",
                         std::to_string(harness::free_port()), "--synonyms", bad});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(bad + ":2: a group of one") != std::string::npos);
  const std::string rules = t.write("rules.tsv", "pin\tq\tsg\nbad line\n");
  r = harness::run({harness::binary("server/tracuu-server"), "--db", city().db, "--port",
                    std::to_string(harness::free_port()), "--rules", rules});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(rules + ":2: unknown rule") != std::string::npos);
  r = harness::run({harness::binary("server/tracuu-server"), "--db", city().db, "--port",
                    std::to_string(harness::free_port()), "--rules", t.path("missing.tsv")});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("missing.tsv: cannot be read") != std::string::npos);
}

TEST_CASE("a changed synonyms file is served within a second; a bad one keeps the previous") {
  TempDir t;
  const std::string file = t.write("syn.txt", "Covid = SARS-CoV-2\n");
  Server s(city().db, as_editors({"--synonyms", file}));
  CHECK(ids(search(s, "sài gòn")["hits"]) == std::set<std::string>{"sg"});
  const auto changed = std::chrono::steady_clock::now();
  replace_file(file, kSynonyms);
  CHECK(eventually([&] { return ids(search(s, "sài gòn")["hits"]).size() == 3; }, 1.0));
  CHECK(std::chrono::steady_clock::now() - changed < std::chrono::seconds(1));
  // A cycle (a form in two groups): reported with its line, old groups kept.
  replace_file(file, std::string(kSynonyms) + "TP.HCM = Sài Gòn\n");
  CHECK(eventually([&] {
    auto [st, status] = editor_get(s, "/editorial");
    return st == 200 && status["synonyms"].contains("error");
  }));
  auto [st, status] = editor_get(s, "/editorial");
  CHECK(status["synonyms"]["error"].get<std::string>().rfind(file + ":4: \"TP.HCM\"", 0) == 0);
  CHECK(ids(search(s, "sài gòn")["hits"]).size() == 3);
  CHECK(s.log().find(file + ":4:") != std::string::npos);
  // Fixed again: the error is gone, the new groups in force (an odd
  // group, so its effect is plain).
  replace_file(file, "Sài Gòn = Hà Nội\n");
  CHECK(eventually([&] { return ids(search(s, "sài gòn")["hits"]).size() == 2; }));
  auto [st2, fixed] = editor_get(s, "/editorial");
  CHECK_FALSE(fixed["synonyms"].contains("error"));
  CHECK(fixed["synonyms"]["entries"] == 1);
  // Deleted: kept, and said.
  std::filesystem::remove(file);
  CHECK(
      eventually([&] { return editor_get(s, "/editorial").second["synonyms"].contains("error"); }));
  CHECK(ids(search(s, "sài gòn")["hits"]).size() == 2);
}

TEST_CASE("SIGHUP rereads the files even when their time stamp did not change") {
  TempDir t;
  const std::string file = t.write("syn.txt", "Covid = SARS-CoV-2  #\n");
  Server s(city().db, {"--synonyms", file});
  // Same size and a restored modification time: only SIGHUP sees it.
  const auto mtime = std::filesystem::last_write_time(file);
  { std::ofstream(file, std::ios::binary) << "Sài Gòn = Hà Nội\n"; }
  std::filesystem::last_write_time(file, mtime);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(ids(search(s, "sài gòn")["hits"]).size() == 1);
  kill(s.pid(), SIGHUP);
  CHECK(eventually([&] { return ids(search(s, "sài gòn")["hits"]).size() == 2; }, 1.0));
}

TEST_CASE("rules: pinned articles first in the rule's order, for the whole query only") {
  TempDir t;
  Server s(city().db, {"--rules", t.write("rules.tsv", "pin\tMưa lớn\thn,gd2\n")});
  const json r = search(s, "mua  LON");
  REQUIRE(r["hits"].size() >= 3);
  CHECK(ordered_ids(r["hits"])[0] == "hn");
  CHECK(ordered_ids(r["hits"])[1] == "gd2");  // pinned even though it does not match
  CHECK(r["hits"][0]["pinned"] == true);
  CHECK_FALSE(r["hits"][2].contains("pinned"));
  // Each article once; the total counts the pinned ones.
  const auto all = ordered_ids(r["hits"]);
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == all.size());
  CHECK(r["total"] == search(s, "mưa lớn", "&recency=off")["total"]);
  // Paging: the second page continues after the pins.
  const json p1 = search(s, "mưa lớn", "&limit=1");
  const json p2 = search(s, "mưa lớn", "&limit=1&offset=1");
  const json p3 = search(s, "mưa lớn", "&limit=1&offset=2");
  CHECK(ordered_ids(p1["hits"]) == std::vector<std::string>{"hn"});
  CHECK(ordered_ids(p2["hits"]) == std::vector<std::string>{"gd2"});
  CHECK(ordered_ids(p3["hits"]) == std::vector<std::string>{ordered_ids(r["hits"])[2]});
  // Not for a query that only contains it, and filters still apply.
  CHECK_FALSE(search(s, "mưa lớn ở hà nội")["hits"][0].contains("pinned"));
  CHECK(ordered_ids(search(s, "mưa lớn", "&from=2017-06-03")["hits"])[0] == "hn");
  CHECK(ids(search(s, "mưa lớn", "&from=2017-06-03")["hits"]).count("gd2") == 0);
}

TEST_CASE("rules: pin-words pins for every query holding the words") {
  TempDir t;
  Server s(city().db, {"--rules", t.write("rules.tsv", "pin-words\tngập\tgd\n")});
  for (const char* q : {"ngập", "Chống NGẬP", "triều cường ngập nước"}) {
    const json r = search(s, q);
    REQUIRE_FALSE(r["hits"].empty());
    CHECK(r["hits"][0]["id"] == "gd");
    CHECK(r["hits"][0]["pinned"] == true);
  }
  CHECK_FALSE(search(s, "mưa")["hits"][0].contains("pinned"));
}

TEST_CASE("rules: a hidden article is in no answer, and is back once the rule is removed") {
  TempDir t;
  const std::string rules = t.write("rules.tsv", "hide\thn\nhide\tnot-in-the-index\n");
  Server s(city().db, {"--rules", rules});
  CHECK(ids(search(s, "hà nội")["hits"]).empty());
  CHECK(ids(search(s, "mưa")["hits"]).count("hn") == 0);
  CHECK(ids(search(s, "mưa")["hits"]).count("sg") == 1);
  CHECK(s.get("/articles/hn").first == 404);
  CHECK(s.get("/articles/hn/related").first == 404);
  auto [sr, related] = s.get("/articles/sg/related");
  REQUIRE(sr == 200);
  CHECK(related.dump().find("\"hn\"") == std::string::npos);
  auto exported = s.client().Get("/export?q=&format=jsonl");
  REQUIRE(exported);
  CHECK(exported->body.find("\"hn\"") == std::string::npos);
  CHECK(exported->body.find("\"sg\"") != std::string::npos);
  auto [ss, suggest] = s.get("/suggest?q=" + url_encode("hà n"));
  REQUIRE(ss == 200);
  CHECK(suggest["suggestions"].empty());
  auto [sk, kwic] = s.get("/concordance?q=" + url_encode("hà nội"));
  CHECK(kwic["occurrences"] == 0);
  auto [stl, timeline] = s.get("/timeline?q=" + url_encode("hà nội"));
  CHECK(timeline["total"] == 0);
  auto feed = s.client().Get(("/feed.atom?q=" + url_encode("mưa")).c_str());
  REQUIRE(feed);
  CHECK(feed->body.find("Hà Nội") == std::string::npos);
  // A pin of a hidden article pins nothing.
  replace_file(rules, "hide\thn\npin\tmưa\thn,sg\n");
  CHECK(eventually([&] { return search(s, "mưa")["hits"][0].contains("pinned"); }));
  CHECK(ordered_ids(search(s, "mưa")["hits"])[0] == "sg");
  CHECK(ids(search(s, "mưa")["hits"]).count("hn") == 0);
  // Removed: back everywhere.
  replace_file(rules, "# nothing\n");
  CHECK(eventually([&] { return s.get("/articles/hn").first == 200; }, 1.0));
  CHECK(ids(search(s, "hà nội")["hits"]) == std::set<std::string>{"hn"});
  CHECK_FALSE(s.get("/suggest?q=" + url_encode("hà n")).second["suggestions"].empty());
}

TEST_CASE("a 10 MB rules file loads off the event loop; the server keeps answering meanwhile") {
  TempDir t;
  const std::string rules = t.write("rules.tsv", "hide\tsg\n");
  Server s(city().db, as_editors({"--rules", rules}));
  std::string big;
  for (int i = 0; big.size() < 10 * 1024 * 1024; ++i)
    big += "pin\tquery " + std::to_string(i) + "\tid-" + std::to_string(i) + "\n";
  big += "hide\thn\n";
  replace_file(rules, big);
  // While it is read and parsed, /health answers promptly.
  double worst = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  while (std::chrono::steady_clock::now() < end) {
    const auto start = std::chrono::steady_clock::now();
    CHECK(s.get("/health").first == 200);
    worst = std::max(
        worst, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  // Parsing on the event loop would hold /health for the whole parse (2 s
  // and more); 1 s leaves room for a loaded 2-core machine running two test
  // files at once.
  CHECK(worst < 1.0);
  // Parsed within a second or two (30 s allowed for sanitizer builds).
  CHECK(eventually([&] { return s.get("/articles/hn").first == 404; }, 30));
  CHECK(s.get("/articles/sg").first == 200);  // its hide line is gone
  auto [st, status] = editor_get(s, "/editorial");
  CHECK(status["rules"]["entries"].get<int>() > 200000);
}

TEST_CASE("reloading under concurrent load: zero failed requests, the change served") {
  TempDir t;
  const std::string file = t.write("syn.txt", kSynonyms);
  const std::string rules = t.write("rules.tsv", "");
  Server s(city().db, {"--synonyms", file, "--rules", rules, "--threads", "4"});
  std::atomic<bool> stop{false};
  std::atomic<int> failed{0}, answered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      auto client = s.client();
      while (!stop) {
        auto res = client.Get(("/search?q=" + url_encode("sài gòn mưa")).c_str());
        if (!res || res->status != 200)
          ++failed;
        else
          ++answered;
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    replace_file(file, i % 2 ? kSynonyms : "Sài Gòn = Hà Nội\n");
    replace_file(rules, i % 2 ? "hide\thn\n" : "pin\tsài gòn mưa\tgd\n");
    if (i % 5 == 0) kill(s.pid(), SIGHUP);
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
  }
  replace_file(rules, "pin\tsài gòn mưa\tgd\n");
  CHECK(eventually([&] { return ordered_ids(search(s, "sài gòn mưa")["hits"])[0] == "gd"; }, 1.0));
  stop = true;
  for (auto& c : clients) c.join();
  CHECK(failed == 0);
  CHECK(answered > 50);
}

namespace {

// The number of rows of a table of an analytics database, read with SQLite
// itself (as an editor's own tools would), after an integrity check.
long count_rows(const std::string& path, const std::string& table, std::string* integrity) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  long n = -1;
  sqlite3_stmt* st = nullptr;
  if (integrity) {
    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr);
    if (sqlite3_step(st) == SQLITE_ROW)
      *integrity = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
  }
  sqlite3_prepare_v2(db, ("SELECT COUNT(*) FROM " + table).c_str(), -1, &st, nullptr);
  if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

// A beacon as the page sends it: with the event_token of a search for its
// query (asked here, with analytics=0 so the search is not counted), unless
// the body is not an object with a query string.
int post_event(const Server& s, std::string body) {
  json event = json::parse(body, nullptr, false);
  if (event.is_object() && event.contains("query") && event["query"].is_string() &&
      !event["query"].get<std::string>().empty()) {
    auto [status, answer] =
        s.get("/search?analytics=0&limit=1&q=" + url_encode(event["query"].get<std::string>()));
    if (status == 200 && answer.contains("event_token")) {
      event["token"] = answer["event_token"];
      body = event.dump();
    }
  }
  auto res = s.client().Post("/events", body, "text/plain;charset=UTF-8");
  return res ? res->status : 0;
}

json stats(const Server& s, const std::string& params = "") {
  auto [status, body] = editor_get(s, "/stats" + params);
  REQUIRE(status == 200);
  return body;
}

std::map<std::string, long> counts(const json& list) {
  std::map<std::string, long> out;
  for (const auto& e : list) out[e["query"].get<std::string>()] = e["count"].get<long>();
  return out;
}

}  // namespace

TEST_CASE("analytics: /stats counts exactly the searches and clicks sent") {
  TempDir t;
  Server s(city().db, as_editors({"--analytics", t.path("a.sqlite")}));
  for (int i = 0; i < 7; ++i) search(s, i % 2 ? "Mưa lớn" : "mua lon");  // one query, two writings
  for (int i = 0; i < 3; ++i)
    search(s, "xyzzy qwerty không");  // no results: most words in no article
  for (int i = 0; i < 2; ++i) search(s, "triều cường");
  search(s, "mưa lớn", "&offset=1");  // a second page: a search, not a new query
  search(s, "");                      // browsing, not a search
  CHECK(post_event(s, R"({"type":"click","query":"mưa lớn","id":"sg","position":1})") == 204);
  CHECK(post_event(s, R"({"type":"click","query":"Mưa  lớn","id":"hn"})") == 204);
  json st;
  CHECK(eventually([&] { return (st = stats(s))["searches"] == 13 && st["clicks"] == 2; }, 3));
  const auto top = counts(st["top_queries"]);
  CHECK(top.size() == 3);
  CHECK(top.at("mua lon") == 7);  // grouped, shown as its most frequent writing (4 of 7)
  CHECK(counts(st["zero_results"]) == std::map<std::string, long>{{"xyzzy qwerty không", 3}});
  // Searched, with results, never opened: "triều cường" (mưa lớn was).
  CHECK(counts(st["no_clicks"]) == std::map<std::string, long>{{"triều cường", 2}});
  REQUIRE(st["per_day"].size() == 1);
  CHECK(st["per_day"][0]["searches"] == 13);
  CHECK(st["per_day"][0]["clicks"] == 2);
  CHECK(st["per_day"][0]["p95_ms"].get<double>() >= st["per_day"][0]["p50_ms"].get<double>());
  // Another period: nothing.
  const json old = stats(s, "?from=2001-01-01&to=2001-12-31");
  CHECK(old["searches"] == 0);
  CHECK(old["top_queries"].empty());
  CHECK(editor_get(s, "/stats?from=2020-02-30").first == 400);
  CHECK(editor_get(s, "/stats?from=2021-01-02&to=2021-01-01").first == 400);
  // Without `from`: the 30 days that end with `to`, across months and a leap day.
  CHECK(stats(s, "?to=2021-03-01")["from"] == "2021-01-31");
  CHECK(stats(s, "?to=2024-03-01")["from"] == "2024-02-01");
  CHECK(stats(s, "?to=2025-01-10")["from"] == "2024-12-12");
  // Nothing that names a reader is stored.
  const std::string bytes =
      harness::slurp(t.path("a.sqlite")) + harness::slurp(t.path("a.sqlite-wal"));
  CHECK(bytes.find("127.0.0.1") == std::string::npos);
  CHECK(bytes.find("cpp-httplib") == std::string::npos);  // the client's user agent
}

TEST_CASE("analytics: bad beacons get clear errors and store nothing; the server keeps answering") {
  TempDir t;
  const std::string file = t.path("a.sqlite");
  TempDir r;
  Server s(city().db,
           as_editors({"--analytics", file, "--rules", r.write("rules.tsv", "hide\thn\n")}));
  CHECK(post_event(s, "{not json") == 400);
  CHECK(post_event(s, "[1, 2]") == 400);
  CHECK(post_event(s, "") == 400);
  CHECK(post_event(s, R"({"type":"view","query":"a","id":"sg"})") == 400);
  CHECK(post_event(s, R"({"type":"click","id":"sg"})") == 400);
  CHECK(post_event(s, R"({"type":"click","query":"","id":"sg"})") == 400);
  CHECK(post_event(s, R"({"type":"click","query":"a","id":42})") == 400);
  CHECK(post_event(s, R"({"type":"click","query":"a","id":"sg","position":-1})") == 400);
  CHECK(post_event(s, "{\"type\":\"click\",\"query\":\"\xff\xfe\",\"id\":\"sg\"}") == 400);
  CHECK(post_event(s, R"({"type":"click","query":"a","id":"no-such-article"})") == 404);
  CHECK(post_event(s, R"({"type":"click","query":"a","id":"hn"})") == 404);  // hidden
  CHECK(post_event(s, R"({"type":"click","query":"a","id":")" + std::string(5000, 'x') + "\"}") ==
        413);
  auto [status, err] = s.get("/health");
  CHECK(status == 200);
  CHECK(post_event(s, R"({"type":"click","query":"a","id":"sg"})") == 204);  // the neighbour
  CHECK(eventually([&] { return stats(s)["clicks"] == 1; }, 3));
  CHECK(count_rows(file, "clicks", nullptr) == 1);
}

TEST_CASE("analytics off: /stats and /events say so") {
  Server s(city().db, as_editors({}));
  CHECK(editor_get(s, "/stats").first == 404);
  CHECK(post_event(s, R"({"type":"click","query":"a","id":"sg"})") == 404);
  search(s, "mưa");  // and searching is unaffected
}

TEST_CASE("analytics survive a SIGKILL: every committed batch is there, the file opens cleanly") {
  TempDir t;
  const std::string file = t.path("a.sqlite");
  {
    Server s(city().db, as_editors({"--analytics", file}));
    for (int i = 0; i < 40; ++i) search(s, "mưa " + std::to_string(i));
    CHECK(eventually([&] { return stats(s)["searches"] == 40; }, 3));
    // More while batches are being written, then killed mid-stream.
    std::atomic<bool> stop{false};
    std::thread load([&] {
      auto c = s.client();
      while (!stop) c.Get(("/search?q=" + url_encode("ngập")).c_str());
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(1300));
    kill(s.pid(), SIGKILL);
    stop = true;
    load.join();
  }
  std::string integrity;
  const long rows = count_rows(file, "searches", &integrity);
  CHECK(integrity == "ok");
  CHECK(rows >= 40);
  // A new server on the same file goes on counting from there.
  Server again(city().db, as_editors({"--analytics", file}));
  search(again, "mưa");
  CHECK(eventually([&] { return stats(again)["searches"] == rows + 1; }, 3));
}

TEST_CASE("analytics: rows older than the retention period are deleted at start") {
  TempDir t;
  const std::string file = t.path("a.sqlite");
  {
    Server s(city().db, as_editors({"--analytics", file}));
    search(s, "mưa");
    CHECK(eventually([&] { return stats(s)["searches"] == 1; }, 3));
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "INSERT INTO searches (at, day, query, norm, total, took_ms, page_offset) "
                       "VALUES (0, '2001-01-01', 'cũ', 'cu', 1, 1, 0), "
                       "(0, '2001-01-02', 'cũ', 'cu', 1, 1, 0)",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  CHECK(count_rows(file, "searches", nullptr) == 3);
  Server s(city().db, as_editors({"--analytics", file, "--analytics-retention-days", "30"}));
  CHECK(count_rows(file, "searches", nullptr) == 1);
  CHECK(stats(s, "?from=2001-01-01")["searches"] == 1);
}

namespace {

// "YYYY-MM-DD" of the day `days` before 2017-07-14.
std::string days_before_july_14_2017(int days) {
  char date[16];
  std::tm tm{};
  tm.tm_year = 117;
  tm.tm_mon = 6;
  tm.tm_mday = 14 - days;
  tm.tm_hour = 12;
  std::mktime(&tm);  // normalises the day of the month
  std::strftime(date, sizeof date, "%Y-%m-%d", &tm);
  return date;
}

// 300 articles about petrol prices, one a day back from 2017-07-14, all
// written alike (a broad query finds them about equally), and one old
// article whose title a reader may type whole.
struct DatedIndex {
  TempDir dir;
  std::string db = dir.path("db");
  DatedIndex() {
    // Oldest first in the file: among equal scores Xapian lists the lower
    // document number first, so without freshness the old ones lead.
    std::string jsonl;
    for (int i = 299; i >= 0; --i) {
      jsonl += record("g" + std::to_string(i), "Giá xăng điều chỉnh kỳ " + std::to_string(i),
                      "Giá xăng được điều chỉnh theo giá thế giới, kỳ " + std::to_string(i) + ".",
                      days_before_july_14_2017(i));
    }
    jsonl += record("old", "Giá xăng vượt mốc lịch sử sau cơn bão Katrina",
                    "Giá xăng vượt mốc lịch sử sau cơn bão Katrina tại Mỹ.", "2005-09-01");
    auto r = harness::index(db, {dir.write("dated.jsonl", jsonl)});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
};

DatedIndex& dated() {
  static DatedIndex d;
  return d;
}

std::vector<std::string> dates(const json& hits) {
  return harness::field_of(hits, "published");
}

}  // namespace

TEST_CASE("freshness: a broad query lists recent articles first under auto, not under off") {
  Server s(dated().db);
  const json off = search(s, "giá xăng", "&recency=off");
  const json fresh = search(s, "giá xăng");  // auto is the default
  REQUIRE(fresh["hits"].size() == 10);
  CHECK_FALSE(off.contains("recency"));
  REQUIRE(fresh.contains("recency"));
  CHECK(fresh["recency"]["profile"] == "auto");
  CHECK(fresh["recency"]["half_life_days"] == 30);
  // The newest ten, newest first (the texts are alike, so age decides).
  auto d = dates(fresh["hits"]);
  CHECK(d.front() == "2017-07-14");
  CHECK(std::is_sorted(d.rbegin(), d.rend()));
  CHECK(d.back() >= "2017-07-01");
  CHECK(dates(off["hits"]) != d);
  // The same answers, only reordered: totals and facets unchanged.
  CHECK(off["total"] == fresh["total"]);
  CHECK(off["facets"] == fresh["facets"]);
  // Relative to a date the client gives: the articles around it first.
  const auto around = dates(search(s, "giá xăng", "&now=2017-03-01")["hits"]);
  CHECK(around.front() == "2017-03-01");
  for (const std::string& day : around) CHECK((day >= "2017-02-20" && day <= "2017-03-10"));
  // Paging continues the reordered list without repeating it.
  const auto page2 = dates(search(s, "giá xăng", "&offset=10")["hits"]);
  CHECK(page2.front() < d.back());
}

TEST_CASE("freshness: a specific query keeps its best match whatever its age") {
  Server s(dated().db);
  const json r = search(s, "giá xăng vượt mốc lịch sử sau cơn bão Katrina");
  REQUIRE_FALSE(r["hits"].empty());
  CHECK(r["hits"][0]["id"] == "old");
  CHECK_FALSE(r.contains("recency"));  // auto judged it specific
  // strong applies to every query; a match more than 1/floor (10) times
  // stronger than the rest still leads.
  const json strong = search(s, "giá xăng vượt mốc lịch sử sau cơn bão Katrina", "&recency=strong");
  CHECK(strong["recency"]["profile"] == "strong");
  CHECK(strong["hits"][0]["id"] == "old");
  CHECK(dates(strong["hits"])[1] >= "2017-07-10");  // the rest: the newest
  // half_life lengthens the decay.
  CHECK(search(s, "giá xăng", "&half_life=365")["recency"]["half_life_days"] == 365);
}

TEST_CASE(
    "freshness scales the whole relevance score, the accents the query is read with included") {
  // The ranking's declared order (search/ranking.h): the accents the top
  // hits read "gia xang ..." with are added first, then freshness
  // multiplies: each hit scores its score without freshness times its
  // freshness, 0.1 + 0.9 * 2^(-age / 10 days) under strong.
  Server s(dated().db);
  const std::string q = "gia xang vuot moc lich su sau con bao katrina";
  const json off = search(s, q, "&recency=off&now=2017-07-14");
  const json strong = search(s, q, "&recency=strong&half_life=10&now=2017-07-14");
  REQUIRE(off["hits"].size() == 10);
  REQUIRE(strong["hits"].size() == 10);
  std::map<std::string, double> unaged;
  for (const auto& h : off["hits"]) unaged[h["id"]] = h["score"].get<double>();
  std::size_t compared = 0;
  for (const auto& h : strong["hits"]) {
    const auto found = unaged.find(h["id"].get<std::string>());
    if (found == unaged.end()) continue;
    ++compared;
    const std::string published = h["published"];
    std::tm day{};
    day.tm_year = std::stoi(published.substr(0, 4)) - 1900;
    day.tm_mon = std::stoi(published.substr(5, 2)) - 1;
    day.tm_mday = std::stoi(published.substr(8, 2));
    std::tm now{};
    now.tm_year = 117, now.tm_mon = 6, now.tm_mday = 14;
    const double age = std::round(std::difftime(timegm(&now), timegm(&day)) / 86400);
    const double freshness = 0.1 + 0.9 * std::exp2(-age / 10);
    CAPTURE(published);
    CHECK(h["score"].get<double>() == doctest::Approx(found->second * freshness).epsilon(0.001));
  }
  CHECK(compared >= 1);
  CHECK(strong["hits"][0]["id"] == "old");  // still the one the query names
}

TEST_CASE("freshness finds the newest matches deep among many recent articles, copies once") {
  // 40 articles a day for 40 days back from 2017-07-14, one in 8 about
  // petrol (5 a day), the rest about gold; one petrol article of the
  // newest day also published twice more (copies). Oldest first in the
  // file, so among equal scores the old ones lead without freshness.
  TempDir dir;
  const std::string db = dir.path("db");
  std::string jsonl;
  for (int day = 39; day >= 0; --day) {
    const std::string date = days_before_july_14_2017(day);
    for (int k = 0; k < 40; ++k) {
      const std::string id = "d" + std::to_string(day) + "-" + std::to_string(k);
      if (k % 8 == 0) {
        jsonl += record(id, "Giá xăng hôm nay " + id, "Giá xăng trong nước đứng yên. " + id, date);
      } else {
        jsonl += record(id, "Giá vàng hôm nay " + id, "Giá vàng miếng tăng nhẹ. " + id, date);
      }
    }
    if (day == 0) {
      for (const char* copy : {"copy-1", "copy-2"})
        jsonl += record(copy, "Giá xăng hôm nay d0-0", "Giá xăng trong nước đứng yên. d0-0", date);
    }
  }
  auto r = harness::index(db, {dir.write("days.jsonl", jsonl)});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Server s(db);
  // strong: the 100 newest petrol articles within 4 half-lives (28 days)
  // join the top by relevance; 700 of the 1,120 recent articles must be
  // looked at to find them, newest first.
  std::vector<std::string> days;
  std::size_t similar = 0;
  for (int offset = 0; offset < 100; offset += 10) {
    const json page = search(s, "giá xăng", "&recency=strong&offset=" + std::to_string(offset));
    REQUIRE(page["hits"].size() == 10);
    for (const auto& h : page["hits"]) {
      days.push_back(h["published"].get<std::string>());
      similar += h["similar"].get<std::size_t>();
    }
  }
  // 5 a day, the newest day first, down to the 20th day back (2017-06-25);
  // the newest day's copies shown once (2 left out).
  CHECK(days.front() == "2017-07-14");
  CHECK(std::is_sorted(days.rbegin(), days.rend()));
  CHECK(std::count(days.begin(), days.end(), "2017-07-14") == 5);
  CHECK(days.back() == "2017-06-25");
  CHECK(similar == 2);
}

TEST_CASE("freshness reaches past the top 10 for what the page needs; pages are one list") {
  // Ten very old articles that the query names best, twenty of 121-140
  // days before `now` (past four half-lives of 30 days) a little less
  // well, and thirty recent ones that hold its words apart. Under strong
  // the second group leads: 0.1 + 0.9 * 2^(-121/30) = 0.155 of a score
  // close to the first group's beats 0.1 of theirs and the weak recent
  // matches. They are neither among the top 10 by relevance nor recent:
  // the freshness stage must match deeper to find them (search/searcher.cpp,
  // deepen).
  TempDir dir;
  const std::string db = dir.path("db");
  std::string jsonl;
  for (int k = 0; k < 10; ++k)
    jsonl +=
        record("veryold-" + std::to_string(k), "Giá xăng, giá xăng kỳ " + std::to_string(k),
               "Giá xăng tăng. Giá xăng giảm. Giá xăng đứng yên.", "2005-01-1" + std::to_string(k));
  for (int k = 0; k < 20; ++k)
    jsonl += record("mid-" + std::to_string(k), "Giá xăng điều chỉnh kỳ " + std::to_string(k),
                    "Giá xăng được điều chỉnh theo thế giới.", days_before_july_14_2017(121 + k));
  for (int k = 0; k < 30; ++k)
    jsonl += record("recent-" + std::to_string(k), "Tin vắn ngày " + std::to_string(k),
                    "Xăng dầu đủ cung ứng; chợ rau tăng giá nhẹ, thời tiết nắng nóng kéo dài.",
                    days_before_july_14_2017(k));
  auto r = harness::index(db, {dir.write("bands.jsonl", jsonl)});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Server s(db);
  const std::string params = "&recency=strong&half_life=30&now=2017-07-14";
  const json first = search(s, "giá xăng", params);
  REQUIRE(first["hits"].size() == 10);
  for (const std::string& id : harness::field_of(first["hits"], "id")) {
    CAPTURE(id);
    CHECK(id.rfind("mid-", 0) == 0);
  }
  // Page by page, the list one long page gives: no hit twice, none left out.
  const std::vector<std::string> ids =
      harness::field_of(search(s, "giá xăng", params + "&limit=30")["hits"], "id");
  REQUIRE(ids.size() == 30);
  std::vector<std::string> paged;
  for (int offset = 0; offset < 30; offset += 10) {
    const json page = search(s, "giá xăng", params + "&offset=" + std::to_string(offset));
    for (const std::string& id : harness::field_of(page["hits"], "id")) paged.push_back(id);
  }
  CHECK(paged == ids);
  // auto pages alike on the broad query of the dated index.
  Server d(dated().db);
  const auto long_page = harness::field_of(search(d, "giá xăng", "&limit=30")["hits"], "id");
  std::vector<std::string> auto_paged;
  for (int offset = 0; offset < 30; offset += 10)
    for (const std::string& id : harness::field_of(
             search(d, "giá xăng", "&offset=" + std::to_string(offset))["hits"], "id"))
      auto_paged.push_back(id);
  CHECK(auto_paged == long_page);
}

TEST_CASE("freshness parameters are checked") {
  Server s(dated().db);
  for (const char* bad : {"&recency=newest", "&now=2017-02-30", "&now=yesterday", "&half_life=0x",
                          "&half_life=99999"}) {
    auto [status, body] = s.get("/search?q=x" + std::string(bad));
    CHECK_MESSAGE(status == 400, bad);
    CHECK(body.contains("error"));
  }
}
