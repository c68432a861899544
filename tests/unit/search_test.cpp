// Search internals: snippets, escaping, query syntax → Xapian queries.
#include "search.h"

#include <algorithm>
#include <set>

#include "docid_list.h"
#include "indexer.h"
#include "query.h"
#include "search_internal.h"
#include "story_count.h"
#include "test_util.h"

using tracuu::Analyzer;
using tracuu::html_escape;
using tracuu::internal::make_snippet;
using tracuu::internal::parse_query;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("html_escape escapes the five HTML characters") {
  CHECK(html_escape("<script>alert('x') & \"y\"</script>") ==
        "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
}

TEST_CASE("snippets mark accented words matched by folded terms, merging neighbours") {
  Analyzer analyzer;
  std::string s =
      make_snippet(analyzer, "Hôm nay, quận Bình Tân tổ chức hội nghị.", {"binh", "tan"}, "");
  CHECK(contains(s, "<mark>Bình Tân</mark>"));
  CHECK_FALSE(contains(s, "<mark>Bình</mark>"));
}

TEST_CASE("snippets escape article text and keep the marks") {
  Analyzer analyzer;
  std::string s = make_snippet(analyzer, "<b>Bình</b> & <script>x</script>", {"binh"}, "");
  CHECK(contains(s, "&lt;b&gt;<mark>Bình</mark>&lt;/b&gt;"));
  CHECK_FALSE(contains(s, "<script>"));
}

TEST_CASE("snippets find matches far into a long body") {
  Analyzer analyzer;
  std::string text;
  for (int i = 0; i < 400; ++i) text += "Nội dung không liên quan gì cả. ";
  text += "Cuối bài mới nhắc tới Đà Nẵng.";
  std::string s = make_snippet(analyzer, text, {"da", "nang"}, "");
  CHECK(contains(s, "<mark>Đà Nẵng</mark>"));
  CHECK(s.rfind("… ", 0) == 0);  // starts mid-text
}

TEST_CASE("snippets mark words next to quotes and dashes, and runs past the searched text") {
  Analyzer analyzer;
  std::string s =
      make_snippet(analyzer, "Vụ xe “điên” đâm người – điên rồ.", {"dam", "dien", "xe"}, "");
  CHECK(contains(s, "<mark>xe</mark> “<mark>điên</mark>” <mark>đâm</mark>"));
  CHECK(contains(s, "– <mark>điên</mark> rồ"));
  // The passage found in the first 1 KB runs on into text not yet searched:
  // its words are marked there too.
  std::string text;
  while (text.size() < 900) text += "Nội dung không liên quan gì cả. ";
  text += "Năm Cam vào đây ăn";
  while (text.size() < 1000) text += " ";
  text += "nhậu. Khi Năm Cam bước vào, các đàn em đều đứng dậy.";
  s = make_snippet(analyzer, text, {"an", "cam", "nam"}, "");
  CHECK(contains(s, "Khi <mark>Năm Cam</mark> bước"));
}

TEST_CASE("snippets prefer the passage holding every query word, past the first chunk") {
  Analyzer analyzer;
  std::string text = "Đà Lạt mùa này đẹp. ";
  for (int i = 0; i < 100; ++i) text += "Nội dung không liên quan gì cả. ";
  text += "Sau đó đoàn đến Đà Nẵng rồi mới tới Huế.";
  std::string s = make_snippet(analyzer, text, {"da", "hue", "nang"}, "");
  CHECK(contains(s, "<mark>Đà Nẵng</mark>"));
  CHECK(contains(s, "<mark>Huế</mark>"));
}

TEST_CASE("an abbreviation in the query marks each written form whole, not its syllables") {
  Analyzer analyzer;
  tracuu::internal::ParsedQuery q = parse_query("tphcm ", analyzer, {false, false, true});
  std::string s = make_snippet(
      analyzer, "Phó chủ tịch UBND TP.HCM nói Thành phố Hồ Chí Minh sẽ làm.", q.highlight, "");
  CHECK(contains(s, "<mark>TP.HCM</mark>"));
  CHECK(contains(s, "<mark>Thành phố Hồ Chí Minh</mark>"));
  CHECK_FALSE(contains(s, "<mark>Phó</mark>"));
  // Found by the cheap folded-text finder even when it sits deep in the text.
  std::string text;
  for (int i = 0; i < 100; ++i) text += "Nội dung không liên quan gì cả. ";
  s = make_snippet(analyzer, text + "Tin từ TP. HCM cho biết.", q.highlight, "");
  CHECK(contains(s, "<mark>TP. HCM</mark>"));
}

TEST_CASE("snippets without matches show the opening words") {
  Analyzer analyzer;
  std::string s = make_snippet(analyzer, "Mở đầu bài viết. Phần sau.", {"khong", "co"}, "");
  CHECK(s.rfind("Mở đầu", 0) == 0);
  CHECK_FALSE(contains(s, "<mark>"));
}

namespace {

// A small real (in-memory) index of articles built as the indexer builds
// them, to test what a query matches and ranks.
class SmallIndex {
 public:
  SmallIndex() : db_(std::string(), Xapian::DB_BACKEND_INMEMORY) {}
  void add(const std::string& id, const std::string& title, const std::string& body,
           const std::string& author = "") {
    tracuu::Article a;
    a.id = id;
    a.title = title;
    a.body = body;
    a.author = author;
    db_.add_document(tracuu::build_document(a, analyzer_));
  }
  // The ids a query matches, best first.
  std::vector<std::string> ids(const std::string& q, tracuu::internal::QueryOptions options = {}) {
    auto parsed = parse_query(q, analyzer_, options);
    return ranked(parsed.query);
  }
  std::vector<std::string> ranked(const Xapian::Query& q) {
    Xapian::Enquire enquire(db_);
    enquire.set_query(q);
    enquire.set_weighting_scheme(tracuu::internal::ranking());
    std::vector<std::string> out;
    Xapian::MSet m = enquire.get_mset(0, 5000);
    for (auto it = m.begin(); it != m.end(); ++it)
      out.push_back(tracuu::article_from_data(it.get_document().get_data()).id);
    return out;
  }
  std::set<std::string> matched(const std::string& q, tracuu::internal::QueryOptions options = {}) {
    auto v = ids(q, options);
    return {v.begin(), v.end()};
  }
  Xapian::WritableDatabase& db() { return db_; }
  Analyzer& analyzer() { return analyzer_; }

 private:
  Xapian::WritableDatabase db_;
  Analyzer analyzer_;
};

SmallIndex& syntax_index() {
  static SmallIndex index = [] {
    SmallIndex i;
    i.add("binh-tan", "Quận Bình Tân khởi công trường học", "Trường mới ở Bình Tân.", "Lê An");
    i.add("binh-tan-apart", "Tân sinh viên về Bình Dương", "Bình yên ngày nhập học.");
    i.add("binh-tan-wrong-accents", "Bính tấn công", "Một trận đấu cờ.", "Trần Bình");
    i.add("bao", "Bão số 5 đổ bộ", "Mưa lớn kéo dài.");
    i.add("bao-covid", "Bão và Covid", "Covid và bão cùng lúc.");
    i.add("lu", "Lũ về sớm", "Nước lên nhanh năm 2020.");
    i.add("tphcm", "Thành phố Hồ Chí Minh mở rộng đường", "Đường mới ở thành phố.");
    i.add("ubnd", "UBND quận họp", "Cuộc họp của UBND.");
    return i;
  }();
  return index;
}

using Ids = std::set<std::string>;

}  // namespace

TEST_CASE("syntax_spans: the stretches the query syntax reads as more than plain words") {
  using tracuu::internal::syntax_spans;
  auto stretches = [](std::string_view q) {
    std::vector<std::string> out;
    for (const auto& s : syntax_spans(q)) out.emplace_back(q.substr(s.begin, s.end - s.begin));
    return out;
  };
  CHECK(stretches("ha noi binh tan").empty());
  CHECK(stretches("ha \"binh tan\"~2 -xe +bus title:mua a OR b NEAR/3 c dieu~2") ==
        std::vector<std::string>{"\"binh tan\"~2", "-xe", "+bus", "title:mua", "OR", "NEAR/3",
                                 "dieu~2"});
  // An unclosed quote runs to the end; "10:30" is no field; a lone "-" is nothing.
  CHECK(stretches("gia \"xang tang") == std::vector<std::string>{"\"xang tang"});
  CHECK(stretches("luc 10:30 - sang").empty());
}

TEST_CASE("a plain query finds every accent; typed accents rank the exact form first") {
  SmallIndex& i = syntax_index();
  const Ids both = {"binh-tan", "binh-tan-wrong-accents", "binh-tan-apart"};
  CHECK(i.matched("binh tan ") == both);
  CHECK(i.ids("Bình Tân ").front() == "binh-tan");
  CHECK(i.ids("Bính tấn ").front() == "binh-tan-wrong-accents");
}

TEST_CASE("strict accents match the exact forms only") {
  SmallIndex& i = syntax_index();
  tracuu::internal::QueryOptions strict;
  strict.strict_accents = true;
  CHECK(i.matched("Bình Tân ", strict) == Ids{"binh-tan", "binh-tan-apart"});
  CHECK(i.matched("Bính tấn ", strict) == Ids{"binh-tan-wrong-accents"});
}

TEST_CASE("phrases, exclusions, fields and OR match what they say") {
  SmallIndex& i = syntax_index();
  CHECK(i.matched("\"bình tân\"") == Ids{"binh-tan", "binh-tan-wrong-accents"});
  CHECK(i.matched("bão -covid ") == Ids{"bao"});
  CHECK(i.matched("title:\"bình tân\"") == Ids{"binh-tan", "binh-tan-wrong-accents"});
  CHECK(i.matched("title:trường") == Ids{"binh-tan"});  // "Trường" is in its body only elsewhere
  CHECK(i.matched("author:lê ") == Ids{"binh-tan"});
  CHECK(i.matched("bão OR lũ ") == Ids{"bao", "bao-covid", "lu"});
  auto parsed = parse_query("category:\"Thể thao\" bóng đá", i.analyzer(), {});
  CHECK(parsed.categories == std::vector<std::string>{"the thao"});
}

TEST_CASE("a trailing word is a prefix only while typing") {
  SmallIndex& i = syntax_index();
  CHECK(i.matched("trườ").count("binh-tan") == 1);  // "trường" begins with it
  CHECK(i.matched("trườ ").empty());                // a finished word: no such word
}

TEST_CASE("abbreviations match their expansions, and back") {
  SmallIndex& i = syntax_index();
  CHECK(i.matched("TP.HCM ") == Ids{"tphcm"});
  CHECK(i.matched("ủy ban nhân dân ") == Ids{"ubnd"});
}

TEST_CASE("a query that is only a date phrase filters; inside a sentence the date is words") {
  SmallIndex& i = syntax_index();
  for (const char* q : {"năm 2020", "trong năm 2020 ", "năm 2020 category:thời-sự"}) {
    CAPTURE(q);
    auto parsed = parse_query(q, i.analyzer(), {});
    REQUIRE(parsed.date_range.has_value());
    CHECK(parsed.date_range->from == "2020-01-01");
    CHECK(parsed.date_range->to == "2020-12-31");
    CHECK(parsed.match_all);  // "2020" is not a word to match
  }
  // An exclusion beside it stays as written (a title: one on titles only).
  auto excluding = parse_query("năm 2020 -title:covid", i.analyzer(), {});
  REQUIRE(excluding.date_range.has_value());
  CHECK(i.ranked(excluding.query).size() + 1 ==
        i.ranked(parse_query("năm 2020", i.analyzer(), {}).query).size());
  // Words around it: a question about 2020, not a filter; "2020" matches.
  auto sentence = parse_query("lũ về sớm năm 2020 ", i.analyzer(), {});
  CHECK_FALSE(sentence.date_range.has_value());
  CHECK(i.ranked(sentence.query).front() == "lu");
  // Date syntax filters wherever it stands.
  auto syntax = parse_query("lũ 2020-01-01..2020-06-30", i.analyzer(), {});
  REQUIRE(syntax.date_range.has_value());
  CHECK(syntax.date_range->to == "2020-06-30");
  // The caller may read every date phrase as words (the page's "remove").
  tracuu::internal::QueryOptions words;
  words.dates_as_words = true;
  CHECK_FALSE(parse_query("năm 2020", i.analyzer(), words).date_range.has_value());
  // "ngày 15 tháng 5" in a sentence is words too, alone it is every year's day.
  CHECK_FALSE(parse_query("lũ về ngày 15 tháng 5 ", i.analyzer(), {}).day_of_year.has_value());
  CHECK(parse_query("ngày 15 tháng 5", i.analyzer(), {}).day_of_year.has_value());
}

TEST_CASE("question words weigh as function words and never select") {
  using tracuu::question_words;
  tracuu::Analyzer a;
  auto marks = [&](const char* q, bool typed_with_marks) {
    return question_words(a.analyze(q).syllables, typed_with_marks);
  };
  CHECK(marks("lũ về năm nào", true) == std::vector<bool>{false, false, true, true});
  CHECK(marks("lũ về nào", true) == std::vector<bool>{false, false, true});
  CHECK(marks("bao nhiêu người", true) == std::vector<bool>{true, true, false});
  CHECK(marks("bao nhieu nguoi", false) == std::vector<bool>{true, true, false});
  // Without marks a lone "bao" may be "bão", "may" "máy": not question words.
  CHECK(marks("bao lu", false) == std::vector<bool>{false, false});
  CHECK(marks("may bay", false) == std::vector<bool>{false, false});
  SmallIndex& i = syntax_index();
  CHECK(i.matched("lũ về đâu ") == Ids{"lu"});
}

TEST_CASE("broken syntax degrades to words and never throws") {
  for (const std::string q : {"\"", "-", "+", "OR", "title:", "\"unclosed phrase", "a OR", "-\"",
                              ":::", "category:", "((", "\xff\xfe"}) {
    INFO(q);
    Analyzer analyzer;
    CHECK_NOTHROW(parse_query(q, analyzer, {}));
  }
  SmallIndex& i = syntax_index();
  CHECK(parse_query("-", i.analyzer(), {}).match_all);
  // An unclosed quote runs to the end: still a phrase.
  CHECK(i.matched("\"bình tân") == Ids{"binh-tan", "binh-tan-wrong-accents"});
}

TEST_CASE("diacritic restoration reads the accents off the top hits, in context") {
  Analyzer analyzer;
  tracuu::Article a, b;
  a.title = "Chủ tịch HĐND quận Bình Tân thăm trường học";
  a.lead = "Quận Bình Tân ban hành văn bản về học phí.";
  b.title = "Bạn đọc hỏi về văn bản mới";
  std::vector<tracuu::Article> top = {a, b};
  using tracuu::internal::restore_diacritics;
  CHECK(restore_diacritics(analyzer, "chu tich hdnd quan binh tan", top) ==
        "chủ tịch HĐND quận Bình Tân");
  CHECK(restore_diacritics(analyzer, "ban hanh van ban", top) ==
        "ban hành văn bản");                                                   // not bạn / bản
  CHECK_FALSE(restore_diacritics(analyzer, "Bình Tân", top).has_value());      // accents typed
  CHECK_FALSE(restore_diacritics(analyzer, "\"binh tan\"", top).has_value());  // syntax
  CHECK_FALSE(restore_diacritics(analyzer, "binh hoc", top).has_value());  // never seen together
  CHECK_FALSE(restore_diacritics(analyzer, "binh tan", {}).has_value());
}

TEST_CASE("common words rank but do not select; a query of common words requires them all") {
  // A real (in-memory) Xapian index: "chung" in every article, "lon" in
  // half, "hiem" in three.
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (int i = 0; i < 1200; ++i) {
    Xapian::Document doc;
    doc.add_term("chung");
    if (i % 2 == 0) doc.add_term("lon");
    if (i % 400 == 0) doc.add_term("hiem");
    db.add_document(doc);
  }
  Analyzer analyzer;
  auto matches = [&](const Xapian::Query& q) {
    Xapian::Enquire enquire(db);
    enquire.set_query(q);
    return enquire.get_mset(0, 2000).size();
  };
  // A rare word selects; the common one only adds weight.
  tracuu::internal::QueryOptions judged;
  judged.expand_from = &db;
  auto rare = parse_query("chung hiem ", analyzer, judged);
  CHECK(matches(rare.query) == 3);
  CHECK(rare.relaxed.empty());
  // Only common words: all of them are required, and the OR is kept aside.
  // ("lon", not "nhieu": typed without marks that may be the function word
  // "nhiều", never required.)
  auto common = parse_query("chung lon ", analyzer, judged);
  CHECK(matches(common.query) == 600);
  REQUIRE_FALSE(common.relaxed.empty());
  CHECK(matches(common.relaxed) == 1200);
  // One common word alone still finds everything it is in.
  CHECK(matches(parse_query("lon ", analyzer, judged).query) == 600);
  // Without the index to judge by, every word selects.
  CHECK(matches(parse_query("chung hiem ", analyzer, {}).query) == 1200);
  // The share of the index each query is guessed to match, from its words'
  // own shares (how deep retrieval matches at first, never what): a rare
  // word's, all of the common ones', none for a phrase.
  CHECK(rare.estimated_share == doctest::Approx(3.0 / 1200));
  CHECK(common.estimated_share == doctest::Approx(0.5));
  CHECK(parse_query("lon ", analyzer, judged).estimated_share == doctest::Approx(0.5));
  CHECK(parse_query("\"chung lon\" ", analyzer, judged).estimated_share == 0);
  // The words and phrases read, however many select.
  CHECK(rare.words == 2);
  CHECK(parse_query("\"chung lon\" hiem ", analyzer, judged).words == 2);
}

TEST_CASE("a trailing word still being typed completes as the likelier pair, cheaply") {
  // 1,200 articles, all with "hà": "Hà Nội" in half of them, "nổ" (not
  // next to "hà") in a quarter, "Hà Giang" in the rest; "năm", "nông" and
  // "các" everywhere, never after "hà"; "cả" not in the articles about the "nổ".
  SmallIndex i;
  for (int k = 0; k < 1200; ++k) {
    const std::string id = "a" + std::to_string(k);
    if (k % 2 == 0) {
      i.add(id, "Hà Nội năm nay", "Người dân Hà Nội các quận làm nông cả năm.");
    } else if (k % 4 == 1) {
      i.add(id, "Nổ lớn ở Hà Tĩnh", "Tiếng nổ vang năm qua, dân Hà Tĩnh các xã làm nông.");
    } else {
      i.add(id, "Mùa nông vụ năm nay", "Nông dân Hà Giang các xã cả năm làm nông.");
    }
  }
  tracuu::internal::QueryOptions typing;
  typing.expand_from = &i.db();
  auto titled = [&](const std::string& q) {
    std::vector<std::string> ids = i.ids(q, typing);
    REQUIRE_FALSE(ids.empty());
    const int k = std::stoi(ids.front().substr(1));
    return k % 2 == 0 ? "Hà Nội" : k % 4 == 1 ? "Nổ" : "Mùa";
  };
  // "no" begins common words (nội, nông): it matches the pairs "hà no..."
  // (Hà Nội) and the word as typed (nổ): 900 articles, not every article
  // holding "hà" and one of the words (all 1,200); Hà Nội ranks first.
  CHECK(i.ids("ha no", typing).size() == 900);
  CHECK(std::string(titled("ha no")) == "Hà Nội");
  // Finished (a space after it), "no" is the word as typed: nổ.
  CHECK(std::string(titled("ha no ")) == "Nổ");
  // "ca" is itself a common word and no pair "hà ca..." exists: taken as
  // typed ("cả": 900 articles), not as every word it begins ("các" too: all).
  CHECK(i.ids("ha ca", typing).size() == 900);
  // Alone, it is the start of any of them.
  CHECK(i.ids("ca", typing).size() == 1200);
}

TEST_CASE("a run found side by side adds its weight, and a stopped match ranks as a full one") {
  // 3,000 articles of common words; a few hold "bờ biển xanh" side by
  // side, the others its words apart or only some of them.
  SmallIndex i;
  const std::vector<std::string> fillers = {"người dân", "mùa",  "bờ",         "năm nay", "biển",
                                            "làng chài", "xanh", "con thuyền", "gió"};
  std::uint32_t state = 7;
  for (int k = 0; k < 3000; ++k) {
    std::string body;
    for (int w = 0; w < 12; ++w) {
      state = state * 1664525u + 1013904223u;                    // a fixed pseudo-random sequence
      body += fillers[(state >> 16) % fillers.size()] + " và ";  // never side by side
    }
    if (k == 5 || k == 1002 || k == 1999) body += "Bờ biển xanh.";
    i.add("a" + std::to_string(k), "Tin " + std::to_string(k), body);
  }
  tracuu::internal::QueryOptions options;
  options.expand_from = &i.db();
  const auto parsed = parse_query("bờ biển xanh", i.analyzer(), options);
  auto weights = [&](const Xapian::Query& q, Xapian::doccount check_at_least) {
    Xapian::Enquire enquire(i.db());
    enquire.set_query(q);
    enquire.set_weighting_scheme(tracuu::internal::ranking());
    std::vector<std::pair<Xapian::docid, double>> out;
    const Xapian::MSet m = enquire.get_mset(0, 10, check_at_least);
    for (auto it = m.begin(); it != m.end(); ++it) out.emplace_back(*it, it.get_weight());
    return out;
  };
  // Xapian stops early on the first; the second scores every match.
  const auto stopped = weights(parsed.query, 0), full = weights(parsed.query, 3000);
  REQUIRE(full.size() == 10);
  CHECK(stopped == full);
  // The three articles with the run come first, far above the others.
  std::set<std::string> top3;
  for (int k = 0; k < 3; ++k)
    top3.insert(tracuu::article_from_data(i.db().get_document(full[k].first).get_data()).id);
  CHECK(top3 == std::set<std::string>{"a5", "a1002", "a1999"});
  CHECK(full[3].second < full[2].second - 10);
}

TEST_CASE("a StoryCounter counts the articles seen and their stories, as the ValueCountMatchSpy") {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  // Keys of 16 characters, as the index's; two without a key.
  for (const char* key : {"00000000000000aa", "00000000000000bb", "00000000000000aa", "", "",
                          "00000000000000cc", "00000000000000aa"}) {
    Xapian::Document d;
    d.add_term("tin");
    d.add_value(4, key);
    db.add_document(d);
  }
  tracuu::internal::StoryCounter counter(4);
  Xapian::ValueCountMatchSpy keys(4);
  Xapian::Enquire enquire(db);
  enquire.set_query(Xapian::Query("tin"));
  enquire.add_matchspy(&counter);
  enquire.add_matchspy(&keys);
  enquire.get_mset(0, 10);
  const auto tally = counter.tally();
  CHECK(tally.articles == 7);
  CHECK(tally.stories == 5);  // aa, bb, cc and the two without a key
  CHECK(tracuu::internal::tally_of(keys).articles == tally.articles);
  CHECK(tracuu::internal::tally_of(keys).stories == tally.stories);
}

TEST_CASE("a DocidList filter matches exactly its documents, with or without a query") {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (int k = 1; k <= 20; ++k) {
    Xapian::Document d;
    d.add_term(k % 2 == 0 ? "even" : "odd");
    db.add_document(d);
  }
  auto matched = [&](const Xapian::Query& q) {
    Xapian::Enquire enquire(db);
    enquire.set_query(q);
    std::set<Xapian::docid> out;
    const Xapian::MSet m = enquire.get_mset(0, 100);
    for (auto it = m.begin(); it != m.end(); ++it) out.insert(*it);
    return out;
  };
  auto list = [](std::vector<Xapian::docid> ids) {
    return Xapian::Query((new tracuu::internal::DocidList(std::move(ids)))->release());
  };
  using Set = std::set<Xapian::docid>;
  CHECK(matched(Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query::MatchAll,
                              list({2, 5, 9, 20}))) == Set{2, 5, 9, 20});
  // Driven either way: the query skips to the list's documents, or back.
  CHECK(matched(Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query("even"),
                              list({2, 5, 9, 20}))) == Set{2, 20});
  CHECK(matched(Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query("odd"), list({1, 2, 3}))) ==
        Set{1, 3});
  CHECK(matched(Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query("odd"), list({}))).empty());
  // No weight of its own.
  Xapian::Enquire weighed(db);
  weighed.set_query(Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query("even"), list({4})));
  const Xapian::MSet m = weighed.get_mset(0, 10);
  REQUIRE(m.size() == 1);
  Xapian::Enquire alone(db);
  alone.set_query(Xapian::Query("even"));
  CHECK(m.begin().get_weight() == doctest::Approx(alone.get_mset(0, 1).begin().get_weight()));
}
