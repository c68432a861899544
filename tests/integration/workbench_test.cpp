// The archivist's workbench on the real binaries: /timeline, /concordance,
// NEAR and ~n, "on this day", copies grouped in /search, the article's
// marks, /feed.atom. Counts are checked against a brute-force scan of every
// article of the bundled corpus (read back through /export): the analyzer
// only splits the texts into words there, as the index does; which words
// stand where is counted by the test itself.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "harness.h"
#include "vietnamese.h"

using harness::json;
using harness::Server;
using harness::TempDir;
using harness::url_encode;

namespace {

// The bundled corpus, indexed once, and every article in it.
struct Corpus {
  TempDir dir;
  std::unique_ptr<Server> server;
  std::vector<json> articles;
  Corpus() {
    auto r = harness::index(dir.path("db"), {harness::source_path("corpus")});
    REQUIRE((r.exit_code == 0 || r.exit_code == 2));
    server = std::make_unique<Server>(dir.path("db"));
    auto res = server->client().Get("/export?q=&format=jsonl");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    std::size_t at = 0;
    while (at < res->body.size()) {
      std::size_t end = res->body.find('\n', at);
      articles.push_back(json::parse(res->body.substr(at, end - at)));
      at = end + 1;
    }
    REQUIRE(articles.size() > 50);
  }
};

Corpus& corpus() {
  static Corpus c;
  return c;
}

// The folded syllables of each text field of an article (the fields a
// concordance reads), and with `tags` each tag too (the fields a NEAR may
// match in), as the index reads them.
std::vector<std::vector<std::string>> fields_of(const json& a, bool tags = false) {
  static tracuu::Analyzer analyzer;
  std::vector<std::string> texts;
  for (const char* f : {"title", "lead", "body", "caption"})
    if (a.contains(f) && a[f].is_string()) texts.push_back(a[f].get<std::string>());
  if (tags && a.contains("tags") && a["tags"].is_array())
    for (const auto& t : a["tags"]) texts.push_back(t.get<std::string>());
  std::vector<std::vector<std::string>> out;
  for (const std::string& text : texts) {
    std::vector<std::string> words;
    for (const auto& s : analyzer.analyze(text).syllables) words.push_back(s.folded);
    out.push_back(std::move(words));
  }
  return out;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& s : tracuu::Analyzer().analyze(text).syllables) out.push_back(s.folded);
  return out;
}

// Where `phrase` starts in `field`.
std::vector<std::size_t> starts(const std::vector<std::string>& field,
                                const std::vector<std::string>& phrase) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i + phrase.size() <= field.size(); ++i)
    if (std::equal(phrase.begin(), phrase.end(), field.begin() + static_cast<long>(i)))
      out.push_back(i);
  return out;
}

// Brute force: the ids of the articles where, in one field, `a` and `b`
// stand within `n` other words of each other (any order), or (in_order)
// `b` after `a` with at most n words between.
std::set<std::string> near_ids(const std::string& a_text, const std::string& b_text, std::size_t n,
                               bool in_order) {
  const auto a = words(a_text), b = words(b_text);
  std::set<std::string> out;
  for (const json& article : corpus().articles) {
    for (const auto& field : fields_of(article, true)) {
      bool hit = false;
      for (std::size_t x : starts(field, a)) {
        for (std::size_t y : starts(field, b)) {
          if (y >= x + a.size()) {
            hit = hit || y - (x + a.size()) <= n;
          } else if (!in_order && x >= y + b.size()) {
            hit = hit || x - (y + b.size()) <= n;
          }
        }
      }
      if (hit) {
        out.insert(article["id"].get<std::string>());
        break;
      }
    }
  }
  return out;
}

std::set<std::string> exported_ids(const std::string& q) {
  auto res = corpus().server->client().Get(("/export?format=jsonl&q=" + url_encode(q)).c_str());
  REQUIRE(res);
  REQUIRE(res->status == 200);
  std::set<std::string> ids;
  std::size_t at = 0;
  while (at < res->body.size()) {
    std::size_t end = res->body.find('\n', at);
    ids.insert(json::parse(res->body.substr(at, end - at))["id"].get<std::string>());
    at = end + 1;
  }
  return ids;
}

// Brute force: occurrences of a phrase (folded words) in every article.
std::size_t occurrences(const std::string& phrase) {
  const auto p = words(phrase);
  std::size_t n = 0;
  for (const json& article : corpus().articles)
    for (const auto& field : fields_of(article)) n += starts(field, p).size();
  return n;
}

// A small index of our own: copies of one story, dates across years.
struct Dated {
  TempDir dir;
  std::unique_ptr<Server> server;
  Dated() {
    const std::string body =
        "Sáng nay, mưa lớn kéo dài khiến nhiều tuyến đường ở quận Bình Tân ngập sâu, giao thông "
        "ùn tắc nhiều giờ.";
    std::string jsonl;
    // The same story three times (a syndicated copy keeps title and opening).
    for (const char* id : {"copy-a", "copy-b", "copy-c"})
      jsonl += harness::record(id, "Mưa lớn gây ngập ở Bình Tân", body, "2020-05-15");
    jsonl += harness::record("other-2019", "Ngập nặng sau mưa lớn ở Bình Tân",
                             "Mưa lớn chiều qua làm ngập nhiều tuyến phố.", "2019-05-15");
    jsonl += harness::record("other-2021", "Bình Tân chống ngập", "Mưa lớn không còn gây ngập.",
                             "2021-05-16");
    jsonl += harness::record("undated", "Mưa lớn và ngập", "Bài không có ngày.", "");
    REQUIRE(harness::index(dir.path("db"), {dir.write("a.jsonl", jsonl)}).exit_code == 0);
    server = std::make_unique<Server>(dir.path("db"));
  }
};

std::vector<std::string> hit_ids(const json& body) {
  return harness::field_of(body["hits"], "id");
}

}  // namespace

TEST_CASE("NEAR/n and \"...\"~n match exactly what a brute-force scan of the corpus finds") {
  struct Case {
    std::string q, a, b;
    std::size_t n;
    bool in_order;
  };
  for (const Case& c : std::vector<Case>{
           {"quận NEAR/2 tân", "quận", "tân", 2, false},
           {"ủy NEAR/0 ban", "ủy", "ban", 0, false},
           {"trường NEAR/5 \"học sinh\"", "trường", "học sinh", 5, false},
           {"\"hà nội\" NEAR/3 \"thành phố\"", "hà nội", "thành phố", 3, false},
           {"mưa NEAR lớn", "mưa", "lớn", 10, false},
       }) {
    CAPTURE(c.q);
    const auto expected = near_ids(c.a, c.b, c.n, c.in_order);
    CHECK(!expected.empty());
    CHECK(exported_ids(c.q) == expected);
  }
  // "a b"~n: b after a, at most n words between.
  const auto expected = near_ids("bình", "tân", 2, true);
  CHECK(exported_ids("\"bình tân\"~2") == expected);
  CHECK(exported_ids("\"bình tân\"~0") == near_ids("bình", "tân", 0, true));
}

TEST_CASE("bad proximity and dates are 400 JSON errors, odd syntax has a reading") {
  Server& s = *corpus().server;
  for (const std::string& path : std::vector<std::string>{
           "/search?q=" + url_encode("bão NEAR/100000 lũ"),
           "/search?q=" + url_encode("\"bão lũ\"~99"), "/search?q=a&on=02-30",
           "/search?q=a&on=5-15", "/timeline?q=a&bin=hour",
           "/concordance?q=" + url_encode("a NEAR/51 b"), "/export?q=a&on=13",
           "/concordance?q=", "/concordance?q=a&context=51", "/timeline?q=a&from=2020-02-30"}) {
    CAPTURE(path);
    auto [status, body] = s.get(path);
    CHECK(status == 400);
    CHECK(body.contains("error"));
  }
  for (const std::string q : {"NEAR/0 bão", "bão NEAR/0 lũ", "\"bão lũ\"~", "bão~2", "NEAR",
                              "\"bão\" NEAR/3", "a NEAR/x b", "-bão NEAR/2 lũ"}) {
    CAPTURE(q);
    CHECK(s.get("/search?q=" + url_encode(q)).first == 200);
  }
}

TEST_CASE("concordance: every occurrence counted as a brute-force scan counts them, all streamed") {
  Server& s = *corpus().server;
  for (const std::string q : {"bão", "quận", "\"Bình Tân\"", "\"ủy ban nhân dân\""}) {
    CAPTURE(q);
    auto [status, body] = s.get("/concordance?limit=5&q=" + url_encode(q));
    REQUIRE(status == 200);
    const std::size_t expected = occurrences(q.front() == '"' ? q.substr(1, q.size() - 2) : q);
    CHECK(expected > 0);
    CHECK(body["occurrences"].get<std::size_t>() == expected);
    CHECK(body["lines"].size() == std::min<std::size_t>(5, expected));
    for (const auto& line : body["lines"]) {
      CHECK(tracuu::fold_diacritics(line["match"].get<std::string>()).size() > 0);
      CHECK(line.contains("left"));
      CHECK(line.contains("published"));
    }
    auto stream = s.client().Get(("/concordance?format=jsonl&q=" + url_encode(q)).c_str());
    REQUIRE(stream);
    CHECK(static_cast<std::size_t>(std::count(stream->body.begin(), stream->body.end(), '\n')) ==
          expected);
    auto csv = s.client().Get(("/concordance?format=csv&sort=left&q=" + url_encode(q)).c_str());
    REQUIRE(csv);
    CHECK(csv->body.rfind("id,published,title,left,match,right\n", 0) == 0);
  }
}

TEST_CASE("concordance lines hold the context asked for, sorted as asked, paged") {
  Server& s = *corpus().server;
  auto [status, body] = s.get("/concordance?q=qu%E1%BA%ADn&context=3&sort=right&limit=1000");
  REQUIRE(status == 200);
  const auto& lines = body["lines"];
  REQUIRE(lines.size() > 10);
  std::vector<std::string> keys;
  for (const auto& l : lines) {
    CHECK(words(l["left"].get<std::string>()).size() <= 3);
    CHECK(words(l["right"].get<std::string>()).size() <= 3);
    CHECK(tracuu::fold_diacritics(l["match"].get<std::string>()) == "quan");
    std::string key;
    for (const auto& w : words(l["right"].get<std::string>())) key += w + '\x01';
    keys.push_back(key);
  }
  CHECK(std::is_sorted(keys.begin(), keys.end()));
  // Pages follow each other.
  auto [s1, page2] = s.get("/concordance?q=qu%E1%BA%ADn&context=3&sort=right&limit=5&offset=5");
  REQUIRE(s1 == 200);
  CHECK(page2["lines"][0] == lines[5]);
  // By date: newest first.
  auto [s2, dated] = s.get("/concordance?q=qu%E1%BA%ADn&limit=1000");
  REQUIRE(s2 == 200);
  std::vector<std::string> dates;
  for (const auto& l : dated["lines"]) dates.push_back(l["published"].get<std::string>());
  CHECK(std::is_sorted(dates.rbegin(), dates.rend()));
}

TEST_CASE("timeline: exact counts per bin that add up to the search's exact total") {
  Server& s = *corpus().server;
  for (const char* bin : {"year", "month", "week", "day"}) {
    CAPTURE(bin);
    auto [status, t] = s.get(std::string("/timeline?q=qu%E1%BA%ADn&bin=") + bin);
    REQUIRE(status == 200);
    auto [s2, search] = s.get("/search?q=qu%E1%BA%ADn&exact=1&group=0&limit=0");
    REQUIRE(s2 == 200);
    std::size_t sum = 0, all = 0;
    std::string previous;
    for (const auto& b : t["bins"]) {
      sum += b["count"].get<std::size_t>();
      all += b["all"].get<std::size_t>();
      CHECK(b["start"].get<std::string>() > previous);
      previous = b["start"].get<std::string>();
    }
    CHECK(sum == t["total"].get<std::size_t>());
    CHECK(t["total"].get<std::size_t>() + t["undated"].get<std::size_t>() ==
          search["total"].get<std::size_t>());
    std::size_t dated = 0;
    for (const json& a : corpus().articles)
      dated += a.value("published", std::string()).size() == 10;
    CHECK(all == dated);
  }
  // Weeks start on Monday: 2021-05-15 was a Saturday.
  auto [s3, weeks] = s.get("/timeline?q=&bin=week&from=2021-05-15&to=2021-05-20");
  REQUIRE(s3 == 200);
  REQUIRE(weeks["bins"].size() == 2);
  CHECK(weeks["bins"][0]["start"] == "2021-05-10");
  // Several queries: one series each, over the same bins.
  auto [s4, both] = s.get("/timeline?q=b%C3%A3o&q=l%C5%A9&bin=year");
  REQUIRE(s4 == 200);
  REQUIRE(both["series"].size() == 2);
  CHECK(both["series"][0]["query"] == "bão");
  CHECK(both["series"][0]["bins"].size() == both["series"][1]["bins"].size());
}

TEST_CASE("on this day: the same day or month in every year, as a parameter or in words") {
  Dated d;
  auto ids = [&](const std::string& path) {
    auto [status, body] = d.server->get(path);
    REQUIRE(status == 200);
    auto v = hit_ids(body);
    return std::set<std::string>(v.begin(), v.end());
  };
  using Ids = std::set<std::string>;
  CHECK(ids("/search?q=ng%E1%BA%ADp&group=0&on=05-15") ==
        Ids{"copy-a", "copy-b", "copy-c", "other-2019"});
  CHECK(ids("/search?q=" + url_encode("ngày 15 tháng 5") + "&group=0") ==
        Ids{"copy-a", "copy-b", "copy-c", "other-2019"});
  // With other words the day is words, not a filter (docs/api.md).
  CHECK(ids("/search?q=" + url_encode("ngập ngày 15 tháng 5") + "&group=0").count("undated") == 1);
  CHECK(ids("/search?q=ng%E1%BA%ADp&group=0&on=05") ==
        Ids{"copy-a", "copy-b", "copy-c", "other-2019", "other-2021"});
  auto [status, t] = d.server->get("/timeline?q=ng%E1%BA%ADp&bin=year&on=05-15");
  REQUIRE(status == 200);
  CHECK(t["total"] == 4);
  CHECK(t["undated"] == 0);
  auto [s2, all] = d.server->get("/timeline?q=ng%E1%BA%ADp&bin=year");
  REQUIRE(s2 == 200);
  CHECK(all["total"] == 5);
  CHECK(all["undated"] == 1);
}

TEST_CASE("copies of one story are one hit with their count; group=0 and copies_of list them") {
  Dated d;
  auto [status, grouped] = d.server->get("/search?q=ng%E1%BA%ADp+b%C3%ACnh+t%C3%A2n&exact=1");
  REQUIRE(status == 200);
  const auto ids = hit_ids(grouped);
  CHECK(std::count_if(ids.begin(), ids.end(),
                      [](const std::string& id) { return id.rfind("copy-", 0) == 0; }) == 1);
  std::size_t similar = 0;
  std::string shown;
  for (const auto& h : grouped["hits"]) {
    similar += h["similar"].get<std::size_t>();
    if (h["id"].get<std::string>().rfind("copy-", 0) == 0) shown = h["id"];
  }
  CHECK(similar == 2);
  CHECK(grouped["stories"] == 4);
  CHECK(grouped["total"] == 6);  // every article, as /export and /timeline count them
  CHECK(grouped["total_exact"] == true);
  auto [s2, every] = d.server->get("/search?q=ng%E1%BA%ADp+b%C3%ACnh+t%C3%A2n&group=0");
  CHECK(hit_ids(every).size() == 6);
  auto [s3, copies] = d.server->get("/search?q=&group=0&copies_of=" + url_encode(shown));
  auto copy_ids = hit_ids(copies);
  CHECK(std::set<std::string>(copy_ids.begin(), copy_ids.end()) ==
        std::set<std::string>{"copy-a", "copy-b", "copy-c"});
  CHECK(d.server->get("/search?q=a&copies_of=nope").first == 400);
  // The export keeps every copy unless asked to group.
  auto all = d.server->client().Get("/export?q=ng%E1%BA%ADp&format=jsonl");
  REQUIRE(all);
  CHECK(std::count(all->body.begin(), all->body.end(), '\n') == 6);
  auto one = d.server->client().Get("/export?q=ng%E1%BA%ADp&format=jsonl&group=1");
  REQUIRE(one);
  CHECK(std::count(one->body.begin(), one->body.end(), '\n') == 4);
}

TEST_CASE("the article with every occurrence marked, as the concordance counts them") {
  Server& s = *corpus().server;
  const std::string id = "pages/thanhuy/2021-05-15-binh-tan.txt";
  auto [status, a] = s.get("/articles/" + url_encode(id) + "?q=" + url_encode("\"Bình Tân\""));
  REQUIRE(status == 200);
  REQUIRE(a.contains("marked"));
  const std::size_t marked = a["marked"]["occurrences"].get<std::size_t>();
  std::size_t brute = 0;
  for (const json& article : corpus().articles)
    if (article["id"] == id)
      for (const auto& field : fields_of(article)) brute += starts(field, words("bình tân")).size();
  CHECK(marked == brute);
  CHECK(marked >= 2);
  std::string html;
  for (const char* field : {"title", "lead", "caption", "body"})
    html += a["marked"][field].get<std::string>();
  CHECK(html.find("<mark data-n=\"0\">") != std::string::npos);
  CHECK(html.find("<mark data-n=\"" + std::to_string(marked - 1) + "\">") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  // Without q: the plain article, no marks.
  auto [s2, plain] = s.get("/articles/" + url_encode(id));
  CHECK(!plain.contains("marked"));
}

TEST_CASE("the Atom feed of a search is valid for a real feed parser") {
  Server& s = *corpus().server;
  TempDir dir;
  auto res = s.client().Get("/feed.atom?q=qu%E1%BA%ADn&limit=5");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(res->get_header_value("Content-Type").rfind("application/atom+xml", 0) == 0);
  const std::string feed = dir.write("feed.xml", res->body);
  // Debian's python3 and its python3-feedparser (scripts/install-deps.sh).
  auto check = harness::run({"/usr/bin/python3", "-c",
                             "import sys, feedparser\n"
                             "f = feedparser.parse(sys.argv[1])\n"
                             "assert not f.bozo, f.bozo_exception\n"
                             "assert f.version == 'atom10', f.version\n"
                             "assert len(f.entries) == 5, len(f.entries)\n"
                             "dates = [e.updated for e in f.entries]\n"
                             "assert dates == sorted(dates, reverse=True), dates\n"
                             "assert all(e.title and e.link and e.id for e in f.entries)\n"
                             "print('ok', f.feed.title)\n",
                             feed});
  INFO(check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.out.rfind("ok Tra cứu: quận", 0) == 0);
}
