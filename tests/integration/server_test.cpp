// tracuu-server end to end: the real binary on a loopback port, over an index
// that the real tracuu-index built from the bundled corpus/.
#include <doctest/doctest.h>
#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <set>

#include "harness.h"
#include "test_util.h"

using harness::json;
using harness::Server;
using harness::TempDir;
using harness::url_encode;

namespace {

// One corpus index and one server shared by the read-only tests.
struct CorpusServer {
  TempDir dir;
  std::unique_ptr<Server> server;
  std::string error;
  CorpusServer() {
    auto run = harness::index(dir.path("db"), {harness::source_path("corpus")});
    if (run.exit_code != 0 && run.exit_code != 2) {
      error = "indexing corpus/ failed: " + run.err;
      return;
    }
    try {
      server = std::make_unique<Server>(dir.path("db"));
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
};

const Server& corpus() {
  static CorpusServer instance;
  REQUIRE_MESSAGE(instance.server != nullptr, instance.error);
  return *instance.server;
}

json search(const std::string& params) {
  auto [status, body] = corpus().get("/search?" + params);
  REQUIRE(status == 200);
  return body;
}

std::string fold(const std::string& s) {  // good enough for test assertions
  static const std::vector<std::pair<std::string, std::string>> table = {
      {"Bình", "binh"}, {"bình", "binh"}, {"Tân", "tan"},
      {"tân", "tan"},   {"BÌNH", "binh"}, {"TÂN", "tan"}};
  std::string out = s;
  for (const auto& [from, to] : table) {
    for (std::size_t p; (p = out.find(from)) != std::string::npos;) out.replace(p, from.size(), to);
  }
  return out;
}

std::vector<std::string> ids(const json& hits) {
  return harness::field_of(hits, "id");
}

const char* kSeedId = "pages/thanhuy/2021-05-15-binh-tan.txt";

}  // namespace

TEST_CASE("plain query finds the accented title, and ranks it first") {
  json plain = search("q=" + url_encode("binh tan"));
  json accented = search("q=" + url_encode("Bình Tân"));
  REQUIRE(plain["hits"].size() > 0);
  CHECK(plain["total"] == accented["total"]);
  CHECK(fold(plain["hits"][0]["title"].get<std::string>()).find("binh tan") != std::string::npos);
  auto plain_ids = ids(plain["hits"]);
  CHECK(std::find(plain_ids.begin(), plain_ids.end(), kSeedId) != plain_ids.end());
  for (const char* key : {"query", "total", "total_exact", "took_ms", "hits", "facets"})
    CHECK(accented.contains(key));
  for (const char* key :
       {"id", "title", "url", "published", "category", "author", "snippet", "score"}) {
    CHECK(accented["hits"][0].contains(key));
  }
}

TEST_CASE("profile=1 lists the ranking's stages in order with their times; without it, none") {
  const json r = search("q=" + url_encode("binh tan") + "&profile=1");
  REQUIRE(r.contains("stages"));
  std::vector<std::string> stages;
  double sum = 0;
  for (const auto& s : r["stages"]) {
    stages.push_back(s["stage"]);
    CHECK(s["ms"].get<double>() >= 0);
    sum += s["ms"].get<double>();
  }
  CHECK(stages == std::vector<std::string>{"read", "pins", "retrieval", "accent_reading",
                                           "freshness", "page"});
  CHECK(sum <= r["took_ms"].get<double>() + 0.01);
  CHECK_FALSE(search("q=" + url_encode("binh tan")).contains("stages"));
  CHECK(corpus().get("/search?q=x&profile=yes").first == 400);
}

TEST_CASE("a query typed without accents gets the accented reading as a suggestion") {
  CHECK(search("q=" + url_encode("binh tan"))["suggestion"] == "Bình Tân");
  CHECK(search("q=" + url_encode("chu tich hdnd quan binh tan"))["suggestion"] ==
        "chủ tịch HĐND quận Bình Tân");
  CHECK_FALSE(search("q=" + url_encode("Bình Tân")).contains("suggestion"));
}

TEST_CASE("an abbreviation's expansion finds every written form, nested ones too") {
  // The query "Quốc hội" matches the key term qh alone (no phrase): the
  // indexer gives the key to "QH", to "Quốc hội" and to "Quốc hội" written
  // inside "Đại biểu Quốc hội" (whose own key is dbqh).
  TempDir dir;
  std::string lines =
      harness::record("short", "Tin QH", "Phiên họp của QH hôm nay.") +
      harness::record("long", "Tin Quốc hội", "Phiên họp của Quốc hội hôm nay.") +
      harness::record("nested", "Tin đại biểu", "Một đại biểu Quốc hội phát biểu.") +
      harness::record("apart", "Tin khác", "Quốc gia mở hội chợ.");
  REQUIRE(harness::index(dir.path("db"), {dir.write("a.jsonl", lines)}).exit_code == 0);
  Server server(dir.path("db"));
  for (const char* q : {"Quốc hội", "quoc hoi ", "QH"}) {
    auto [status, body] = server.get("/search?q=" + url_encode(q));
    REQUIRE(status == 200);
    std::set<std::string> ids;
    for (const auto& h : body["hits"]) ids.insert(h["id"].get<std::string>());
    INFO(q);
    CHECK(ids == std::set<std::string>{"short", "long", "nested"});
  }
}

TEST_CASE("a plain query ranks the articles that write its likely reading first") {
  // "ban thang" folds "Bán thẳng" and "bàn thắng" alike; most matches write
  // "bàn thắng", so that is the reading, and its articles go first even
  // where plain BM25 puts the short "Bán thẳng" title on top.
  TempDir dir;
  std::string lines = harness::record("ban", "Bán thẳng", "Nông dân bán lúa cho thương lái.");
  for (int i = 0; i < 4; ++i) {
    std::string n = std::to_string(i);
    lines += harness::record("goal-" + n, "Những bàn thắng đẹp của vòng " + n,
                             "Vòng đấu thứ " + n + " có nhiều bàn thắng. Bàn thắng đẹp nhất " +
                                 "thuộc về tiền đạo đội khách, sau một pha phối hợp dài.");
  }
  REQUIRE(harness::index(dir.path("db"), {dir.write("a.jsonl", lines)}).exit_code == 0);
  Server server(dir.path("db"));
  // A trailing "." is syntax: no reading is guessed, plain BM25 order.
  auto [as_typed_status, as_typed] = server.get("/search?q=" + url_encode("ban thang."));
  REQUIRE(as_typed_status == 200);
  REQUIRE(as_typed["hits"].size() == 5);
  CHECK(as_typed["hits"][0]["id"] == "ban");  // the precondition the reading overturns
  auto [status, body] = server.get("/search?q=" + url_encode("ban thang"));
  REQUIRE(status == 200);
  CHECK(body["suggestion"] == "bàn thắng");
  REQUIRE(body["hits"].size() == 5);
  CHECK(body["hits"][0]["id"] != "ban");
  CHECK(body["hits"][4]["id"] == "ban");
  // Pages are cut from one order: no hit twice, none lost.
  std::set<std::string> paged;
  for (int offset = 0; offset < 5; offset += 2) {
    auto [page_status, page] = server.get("/search?q=" + url_encode("ban thang") +
                                          "&limit=2&offset=" + std::to_string(offset));
    REQUIRE(page_status == 200);
    for (const auto& h : page["hits"]) paged.insert(h["id"].get<std::string>());
  }
  CHECK(paged.size() == 5);
}

TEST_CASE("in a large index, common words rank; a query of only common words needs them all") {
  // 1,200 articles: "chung" in all, "lớn" in half, "hiếm" in three,
  // "sáng" and "tối" in a tenth each but never together.
  TempDir dir;
  std::string lines;
  for (int i = 0; i < 1200; ++i) {
    std::string body = "Bài chung số " + std::to_string(i) + ".";
    if (i % 2 == 0) body += " Có tin lớn.";
    if (i % 400 == 0) body += " Một chuyện hiếm.";
    if (i % 10 == 1) body += " Buổi sáng.";
    if (i % 10 == 3) body += " Buổi tối.";
    lines += harness::record("c" + std::to_string(i), "Bản tin " + std::to_string(i), body);
  }
  REQUIRE(harness::index(dir.path("db"), {dir.write("a.jsonl", lines)}).exit_code == 0);
  Server server(dir.path("db"));
  auto total = [&](const std::string& q) {
    auto [status, body] = server.get("/search?exact=1&q=" + url_encode(q));
    REQUIRE(status == 200);
    return body["total"].get<int>();
  };
  CHECK(total("chung hiem ") == 3);   // the rare word selects
  CHECK(total("chung lon ") == 600);  // only common words: all of them
  CHECK(total("sang toi ") == 240);   // ... unless too few hold them all
  CHECK(total("lon ") == 600);
}

TEST_CASE("a query typed in Telex or VNI with the input method off searches what it spells") {
  for (const char* typed : {"Vieejt Nam", "Vie65t Nam"}) {
    CAPTURE(typed);
    json body = search("q=" + url_encode(typed));
    CHECK(body["suggestion"] == "Việt Nam");
    REQUIRE(body["total"].get<int>() > 0);
    CHECK(body["hits"][0]["snippet"].get<std::string>().find("<mark>Việt") != std::string::npos);
  }
  CHECK(search("q=" + url_encode("thanhf phoos"))["suggestion"] == "thành phố");
  // A word the index has is never rewritten.
  CHECK_FALSE(search("q=" + url_encode("Bình Tân")).contains("suggestion"));
}

TEST_CASE("a word that matches nothing is read as the word it misspells, or gets a suggestion") {
  // Read and served (docs/ranking.md#typos-and-words-run-together).
  json typo = search("q=" + url_encode("khoii cong"));
  CHECK(typo["corrected"] == "khởi công");
  CHECK(typo["total"].get<int>() > 0);
  // Searched as typed, the word finds nothing: Xapian's suggestion from the titles.
  json literal = search("q=" + url_encode("khoii cong") + "&literal=1");
  CHECK(literal["suggestion"] == "khoi cong");
  // Words the index has, and a last word still being typed, are left alone.
  CHECK_FALSE(search("q=" + url_encode("khởi công")).contains("suggestion"));
  CHECK_FALSE(search("q=" + url_encode("khoi con")).contains("suggestion"));
}

TEST_CASE("snippets mark the accented words a plain query matched, HTML-escaped") {
  json r = search("q=" + url_encode("binh tan "));
  bool marked = false;
  for (const auto& h : r["hits"]) {
    std::string s = h["snippet"];
    if (s.find("<mark>Bình Tân</mark>") != std::string::npos) marked = true;
  }
  CHECK(marked);
}

TEST_CASE("old and new tone placement find the same articles") {
  CHECK(search("q=" + url_encode("hoà bình"))["total"] ==
        search("q=" + url_encode("hòa bình"))["total"]);
  CHECK(search("q=" + url_encode("thuỷ"))["total"] == search("q=" + url_encode("thủy"))["total"]);
  CHECK(search("q=" + url_encode("Thành uỷ"))["total"] ==
        search("q=" + url_encode("Thành ủy"))["total"]);
}

TEST_CASE("strict-accent mode matches exact terms only") {
  json loose = search("q=" + url_encode("Bình Tân"));
  json strict = search("q=" + url_encode("Bình Tân") + "&accents=strict");
  json strict_plain = search("q=binh+tan&accents=strict");
  CHECK(strict["total"].get<int>() > 0);
  CHECK(strict["total"].get<int>() <= loose["total"].get<int>());
  // Only literal unaccented "binh"/"tan" ("thương binh") match a plain strict query.
  CHECK(strict_plain["total"].get<int>() < loose["total"].get<int>());
  for (const auto& h : strict_plain["hits"]) CHECK(h["id"] != kSeedId);
}

TEST_CASE("exact phrases match the words in order") {
  json phrase = search("q=" + url_encode("\"quận bình tân\""));
  json words = search("q=" + url_encode("quận bình tân"));
  REQUIRE(phrase["total"].get<int>() > 0);
  CHECK(phrase["total"].get<int>() <= words["total"].get<int>());
  json reversed = search("q=" + url_encode("\"tân bình quận\""));
  CHECK(reversed["total"].get<int>() < phrase["total"].get<int>());
}

TEST_CASE("exclusion, OR and fields") {
  json all = search("q=" + url_encode("bình tân") + "&limit=100");
  json without_seed_words = search("q=" + url_encode("bình tân -đảng") + "&limit=100");
  CHECK(without_seed_words["total"].get<int>() < all["total"].get<int>());
  auto excluded = ids(without_seed_words["hits"]);
  CHECK(std::find(excluded.begin(), excluded.end(), kSeedId) == excluded.end());

  json title = search("q=" + url_encode("title:\"bình tân\"") + "&limit=100");
  REQUIRE(title["total"].get<int>() > 0);
  for (const auto& h : title["hits"])
    CHECK(fold(h["title"].get<std::string>()).find("binh tan") != std::string::npos);

  json author = search("q=" + url_encode("author:\"Lê An\"") + "&limit=100");
  REQUIRE(author["total"].get<int>() > 0);
  for (const auto& h : author["hits"]) CHECK(h["author"] == "Lê An");

  json either = search("q=" + url_encode("bão OR bình tân"));
  CHECK(either["total"].get<int>() >= all["total"].get<int>());
}

TEST_CASE("category filter, facets and date filters") {
  json any = search("q=&limit=100");
  REQUIRE(any["facets"]["category"].size() > 1);
  std::string category = any["facets"]["category"].begin().key();
  int count = any["facets"]["category"].begin().value();
  json filtered = search("category=" + url_encode(category) + "&limit=100");
  CHECK(filtered["total"] == count);
  for (const auto& h : filtered["hits"]) CHECK(h["category"] == category);
  json by_query = search("q=" + url_encode("category:\"" + category + "\"") + "&limit=100");
  CHECK(by_query["total"] == count);

  json range = search("from=2020-01-01&to=2021-12-31&limit=100");
  REQUIRE(range["total"].get<int>() > 0);
  for (const auto& h : range["hits"]) {
    std::string p = h["published"];
    CHECK(p >= "2020-01-01");
    CHECK(p <= "2021-12-31");
  }
  for (const auto& q : {"năm 2021", "tháng 5/2021", "từ 1/3/2021 đến 30/6/2021"}) {
    json r = search("q=" + url_encode(q) + "&limit=100");
    INFO(q);
    CHECK(r.contains("date_range"));
    for (const auto& h : r["hits"]) CHECK(h["published"].get<std::string>().substr(0, 4) == "2021");
  }
  json may = search("q=" + url_encode("tháng 5/2021") + "&limit=100");
  auto may_ids = ids(may["hits"]);
  CHECK(std::find(may_ids.begin(), may_ids.end(), kSeedId) != may_ids.end());
}

TEST_CASE(
    "facets=0: the same hits and totals, no facet counted (the widget's searches while typing)") {
  for (const std::string& q : std::vector<std::string>{"q=", "q=" + url_encode("thành phố"),
                                                       "q=" + url_encode("binh tan")}) {
    INFO(q);
    const json with = search(q + "&limit=20");
    const json without = search(q + "&limit=20&facets=0");
    CHECK(ids(without["hits"]) == ids(with["hits"]));
    CHECK(without["total"] == with["total"]);
    REQUIRE(without.contains("facets"));  // the answer's shape stays
    CHECK(without["facets"]["category"].empty());
    CHECK(without["facets"]["year"].empty());
  }
  CHECK_FALSE(search("q=&limit=20")["facets"]["category"].empty());
  auto [status, body] = corpus().get("/search?q=x&facets=2");
  CHECK(status == 400);
  CHECK(body["error"].get<std::string>().find("facets") != std::string::npos);
}

TEST_CASE("sort by date, paging and exact totals") {
  json r = search("q=&sort=date&limit=20");
  std::string previous = "9999";
  for (const auto& h : r["hits"]) {
    CHECK(h["published"].get<std::string>() <= previous);
    previous = h["published"];
  }
  json page1 = search("q=&sort=date&limit=5&offset=0");
  json page2 = search("q=&sort=date&limit=5&offset=5");
  auto a = ids(page1["hits"]), b = ids(page2["hits"]),
       both = ids(search("q=&sort=date&limit=10")["hits"]);
  a.insert(a.end(), b.begin(), b.end());
  CHECK(a == both);
  json exact = search("q=binh&exact=1");
  CHECK(exact["total_exact"] == true);
}

TEST_CASE(
    "the bundled corpus as people type: hanoi and ha noi bring Hà Nội, ho chi mnh is Hồ Chí Minh") {
  for (const std::string& q :
       std::vector<std::string>{"hanoi", "hanoi ", "ha noi", "ha noi ", "#hanoi"}) {
    INFO(q);
    json body = search("q=" + url_encode(q));
    REQUIRE(!body["hits"].empty());
    CHECK(body["hits"][0]["title"].get<std::string>().find("Hà Nội") != std::string::npos);
  }
  // The reading's accents as the top hits write them; the capital of a word
  // that only opens headlines is not voted ("hà Nội" when they all start with it).
  const std::string reading = search("q=hanoi")["corrected"];
  CHECK((reading == "Hà Nội" || reading == "hà Nội"));
  CHECK_FALSE(search("q=" + url_encode("ha noi"))["corrected"].is_string());  // typed right
  json hcm = search("q=" + url_encode("ho chi mnh "));
  CHECK(hcm["corrected"] == "Hồ Chí Minh");
  REQUIRE(!hcm["hits"].empty());
  CHECK(hcm["hits"][0]["title"].get<std::string>().find("Hồ Chí Minh") != std::string::npos);
  CHECK_FALSE(search("q=" + url_encode("ho chi mnh ") + "&literal=1").contains("corrected"));
}

TEST_CASE("broken syntax still searches, never a 500") {
  for (const std::string& q : std::vector<std::string>{"\"bình tân", "-", "OR", "title:", "\"\"",
                                                       "-\"", "::", "category:", "+", "a OR", "((",
                                                       "năm", "từ 1/3/2020 đến", "\xff\xfe"}) {
    auto [status, body] = corpus().get("/search?q=" + url_encode(q));
    INFO(q);
    CHECK((status == 200 || status == 400));
    CHECK(body.is_object());
  }
  CHECK(search("q=" + url_encode("\"bình tân"))["total"].get<int>() > 0);
  CHECK(corpus().get("/search?q=a").first == 200);  // a one-letter prefix is capped, not a stall
}

TEST_CASE("bad parameters get 400 and unknown things 404, as JSON errors") {
  for (const std::string& path : std::vector<std::string>{
           "/search?limit=abc", "/search?limit=101", "/search?offset=-1", "/search?from=2020-13-01",
           "/search?to=yesterday", "/search?sort=popular", "/search?accents=maybe",
           "/search?from=2021-01-01&to=2020-01-01", "/search?q=" + std::string(1200, 'a'),
           "/export?format=xml", "/suggest?limit=x", "/articles/x/related?limit=0x"}) {
    auto [status, body] = corpus().get(path);
    INFO(path);
    CHECK(status == 400);
    CHECK(body.contains("error"));
  }
  for (const std::string& path :
       std::vector<std::string>{"/articles/no-such-id", "/articles/no-such-id/related", "/nope",
                                "/articles/..%2F..%2Fetc%2Fpasswd"}) {
    auto [status, body] = corpus().get(path);
    INFO(path);
    CHECK(status == 404);
    CHECK(body.contains("error"));
  }
}

TEST_CASE("articles by id, with ids matched exactly") {
  auto [status, a] = corpus().get("/articles/" + url_encode(kSeedId));
  REQUIRE(status == 200);
  CHECK(a["id"] == kSeedId);
  CHECK(a["published"] == "2021-05-15");
  CHECK(a["author"] == "Lê An");
  CHECK(a["title"].get<std::string>().find("Bình Tân") != std::string::npos);
  CHECK(corpus().get("/articles/" + url_encode(std::string(kSeedId) + "x")).first == 404);
}

TEST_CASE("article text is escaped in snippets; the JSON title is the raw text") {
  json r = search("q=script");
  bool found = false;
  for (const auto& h : r["hits"]) {
    if (h["title"].get<std::string>().find("<script>") == std::string::npos) continue;
    found = true;
    CHECK(h["snippet"].get<std::string>().find("<script") == std::string::npos);
    CHECK(h["snippet"].get<std::string>().find("<b>") == std::string::npos);
  }
  CHECK(found);
}

TEST_CASE("suggestions complete accent-insensitively from titles") {
  auto [status, body] = corpus().get("/suggest?q=" + url_encode("binh t"));
  REQUIRE(status == 200);
  std::vector<std::string> texts;
  for (const auto& s : body["suggestions"]) texts.push_back(s["text"]);
  CHECK(std::find(texts.begin(), texts.end(), "Bình Tân") != texts.end());
  auto [s2, one_letter] = corpus().get("/suggest?q=b&limit=3");
  CHECK(s2 == 200);
  CHECK(one_letter["suggestions"].size() <= 3);
}

TEST_CASE("Tin khác: related articles exclude the article and its copies") {
  auto [status, body] = corpus().get("/articles/" + url_encode(kSeedId) + "/related?limit=5");
  REQUIRE(status == 200);
  CHECK(body["id"] == kSeedId);
  auto related = ids(body["hits"]);
  CHECK(related.size() > 0);
  CHECK(related.size() <= 5);
  CHECK(std::find(related.begin(), related.end(), kSeedId) == related.end());
  // Syndicated pairs in the corpus are ids ending in -a / -b: never both, never the twin.
  json all = search("q=&limit=100&sort=date");
  std::set<std::string> every;
  for (const auto& id : ids(search("q=&limit=100")["hits"])) every.insert(id);
  int pairs = 0;
  for (const auto& id : every) {
    if (id.size() < 3 || id.substr(id.size() - 2) != "-a") continue;
    std::string twin = id.substr(0, id.size() - 2) + "-b";
    if (!every.count(twin)) continue;
    ++pairs;
    auto [st, rel] = corpus().get("/articles/" + url_encode(id) + "/related?limit=5");
    REQUIRE(st == 200);
    auto rel_ids = ids(rel["hits"]);
    INFO(id);
    CHECK(std::find(rel_ids.begin(), rel_ids.end(), twin) == rel_ids.end());
  }
  CHECK(pairs > 0);
}

TEST_CASE("export streams every match, as JSONL or CSV") {
  json r = search("q=&exact=1");
  int total = r["total"];
  auto res = corpus().client().Get("/export?q=&format=jsonl");
  REQUIRE(res);
  CHECK(res->status == 200);
  int lines = static_cast<int>(std::count(res->body.begin(), res->body.end(), '\n'));
  CHECK(lines == total);
  auto csv = corpus().client().Get(("/export?format=csv&q=" + url_encode("bình tân")).c_str());
  REQUIRE(csv);
  CHECK(csv->body.rfind("id,title,published,category,author,url,score\n", 0) == 0);
}

TEST_CASE("health and metrics") {
  auto [status, health] = corpus().get("/health");
  CHECK(status == 200);
  CHECK(health["status"] == "ok");
  CHECK(health["documents"].get<int>() >= 60);
  // The counters move: three more searches are three more requests, and
  // three more observations in the duration histogram.
  auto before = corpus().client().Get("/metrics");
  REQUIRE(before);
  for (int i = 0; i < 3; ++i)
    REQUIRE(corpus().get("/search?q=metrics" + std::to_string(i)).first == 200);
  auto after = corpus().client().Get("/metrics");
  REQUIRE(after);
  const std::string searches = "tracuu_requests_total{endpoint=\"search\",status=\"200\"}";
  CHECK(harness::metric(after->body, searches) - harness::metric(before->body, searches) == 3);
  const std::string observed = "tracuu_request_duration_seconds_count{endpoint=\"search\"}";
  CHECK(harness::metric(after->body, observed) - harness::metric(before->body, observed) == 3);
  CHECK(harness::metric(after->body, "tracuu_documents") == health["documents"].get<double>());
}

TEST_CASE("200 concurrent requests all succeed") {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  const std::vector<std::string> queries = {"binh+tan", "ha+noi", "covid",
                                            "%22b%C3%ACnh+t%C3%A2n%22", "kinh+te"};
  for (int i = 0; i < 200; ++i) {
    threads.emplace_back([&, i] {
      auto res = corpus().client().Get(("/search?q=" + queries[i % queries.size()]).c_str());
      if (res && res->status == 200) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 200);
}

// The queries that match every article (an empty box, a query of only
// exclusions) and the timeline of everything, on many threads at once: a
// Xapian::Query shared between threads (Query::MatchAll) is reference
// counted without atomics, and such requests once crashed the server when
// the page's timeline and list loaded together.
TEST_CASE("requests that match everything, on many threads at once, all succeed") {
  TempDir dir;
  const int indexed = harness::index(dir.path("db"), {harness::source_path("corpus")}).exit_code;
  REQUIRE((indexed == 0 || indexed == 2));  // 2: some pages were skipped, as reported
  Server server(dir.path("db"), {"--threads", "4"});
  const std::vector<std::string> paths = {
      "/search?q=",         "/search?q=&sort=date", "/timeline?q=",
      "/search?q=-covid",   "/timeline?q=-covid",   "/search?q=&page=2&sort=date",
      "/search?q=binh+tan", "/suggest?q=binh+t",    "/search?q=-covid&group=0"};
  std::atomic<int> ok{0};
  std::mutex mu;
  std::set<std::string> failures;  // "path: status"
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c)
    clients.emplace_back([&, c] {
      auto client = server.client();
      for (int i = 0; i < 150; ++i) {
        const std::string& path = paths[(c + i) % paths.size()];
        auto res = client.Get(path);
        if (res && res->status == 200) {
          ++ok;
        } else {
          std::lock_guard lock(mu);
          failures.insert(path + ": " + (res ? std::to_string(res->status) : "no answer"));
        }
      }
    });
  for (auto& t : clients) t.join();
  CHECK_MESSAGE(failures.empty(), (failures.empty() ? "" : *failures.begin()));
  CHECK(ok == 8 * 150);
  CHECK(server.get("/health").first == 200);
}

TEST_CASE("CORS header only for the configured origin") {
  TempDir dir;
  dir.write("a.jsonl", harness::record("c1", "Một bài", "Nội dung"));
  REQUIRE(harness::index(dir.path("db"), {dir.path("a.jsonl")}).exit_code == 0);
  Server with_cors(dir.path("db"), {"--cors-origin", "https://bao.example.vn"});
  auto res = with_cors.client().Get("/health");
  REQUIRE(res);
  CHECK(res->get_header_value("Access-Control-Allow-Origin") == "https://bao.example.vn");
  auto plain = corpus().client().Get("/health");
  CHECK_FALSE(plain->has_header("Access-Control-Allow-Origin"));
}

TEST_CASE("reindex while serving: new results within a second, no failed request") {
  TempDir dir;
  std::string src = dir.write("a.jsonl", harness::record("r1", "Bài đầu tiên", "Nội dung ban đầu"));
  REQUIRE(harness::index(dir.path("db"), {src}).exit_code == 0);
  Server server(dir.path("db"));
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, requests{0};
  std::mutex first_failure_mu;
  std::string first_failure;  // what the first failed request got, for the report
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      auto client = server.client();
      while (!stop) {
        auto res = client.Get("/search?q=bai&limit=5");
        ++requests;
        if (!res || res->status != 200) {
          ++failures;
          std::lock_guard lock(first_failure_mu);
          if (first_failure.empty())
            first_failure = res ? std::to_string(res->status) + " " + res->body
                                : "no response: " + httplib::to_string(res.error());
        }
      }
    });
  }
  // Incremental commits, several of them.
  std::string lines;
  for (int round = 0; round < 5; ++round) {
    lines +=
        harness::record("new-" + std::to_string(round), "Bài mới về kỳlân" + std::to_string(round),
                        "Nội dung mới " + std::to_string(round));
    dir.write("a.jsonl", harness::record("r1", "Bài đầu tiên", "Nội dung ban đầu") + lines);
    REQUIRE(harness::index(dir.path("db"), {src}).exit_code == 0);
    auto committed = std::chrono::steady_clock::now();
    bool visible = false;
    while (!visible && std::chrono::steady_clock::now() - committed < std::chrono::seconds(1)) {
      auto [status, body] = server.get("/search?q=" + url_encode("kỳlân" + std::to_string(round)));
      visible = status == 200 && body["total"].get<int>() == 1;
    }
    CHECK(visible);
  }
  // A full rebuild switches generations under the readers.
  auto rebuilt = harness::index(dir.path("db"), {src}, {"--rebuild"});
  REQUIRE(rebuilt.exit_code == 0);
  auto [status, body] = server.get("/search?q=" + url_encode("kỳlân4"));
  CHECK(status == 200);
  CHECK(body["total"] == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  for (auto& t : readers) t.join();
  INFO(requests.load() << " requests; first failure: " << first_failure
                       << "; server log: " << server.log());
  CHECK(requests > 20);
  CHECK(failures == 0);
}

TEST_CASE("a one-letter search-box prefix sees the words a reindex adds") {
  // 2,100 words beginning with "q": enough for the server to remember the
  // completions of "q" between queries; a reindex must make it forget them.
  TempDir dir;
  std::string many;
  for (int i = 0; i < 2100; ++i)
    many += std::string{'q', static_cast<char>('a' + i / 676), static_cast<char>('a' + i / 26 % 26),
                        static_cast<char>('a' + i % 26), ' '};
  std::string base = harness::record("r1", "Bài đầu tiên", many);
  std::string src = dir.write("a.jsonl", base);
  REQUIRE(harness::index(dir.path("db"), {src}).exit_code == 0);
  Server server(dir.path("db"), {"--threads", "1"});
  auto ids = [&](const std::string& q) {
    std::vector<std::string> out;
    auto [status, body] = server.get("/search?limit=10&q=" + url_encode(q));
    for (const auto& h : body["hits"]) out.push_back(h["id"]);
    return out;
  };
  REQUIRE(ids("q") == std::vector<std::string>{"r1"});
  std::string added;
  for (int i = 0; i < 3; ++i)
    added += harness::record("n" + std::to_string(i), "Tin quyetmoi " + std::to_string(i),
                             "Nội dung quyetmoi.");
  dir.write("a.jsonl", base + added);
  REQUIRE(harness::index(dir.path("db"), {src}).exit_code == 0);
  auto committed = std::chrono::steady_clock::now();
  std::vector<std::string> found;
  while (found.size() < 4 && std::chrono::steady_clock::now() - committed < std::chrono::seconds(1))
    found = ids("q");
  std::sort(found.begin(), found.end());
  CHECK(found == std::vector<std::string>{"n0", "n1", "n2", "r1"});
}

TEST_CASE("a client that sends nothing is dropped after the read timeout") {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(corpus().port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const char* partial = "GET /search?q=binh HTTP/1.1\r\nHost: x\r\n";  // never finishes its headers
  CHECK(send(fd, partial, std::strlen(partial), 0) > 0);
  timeval tv{8, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[512];
  auto start = std::chrono::steady_clock::now();
  ssize_t n = recv(fd, buf, sizeof buf, 0);  // the server closes (0) or answers 4xx
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(fd);
  // Closed (0) or a 408/400 answer; -1 would be the client's own 8 s timeout.
  const bool closed_or_4xx = n == 0 || (n >= 10 && std::string(buf, 10) == "HTTP/1.1 4");
  CHECK(closed_or_4xx);
  CHECK(waited < 7.5);
  CHECK(corpus().get("/health").first == 200);
}
