// Search internals: snippets, escaping, query syntax → Xapian queries.
#include "search.h"

#include <algorithm>

#include "indexer.h"
#include "query.h"
#include "search_internal.h"
#include "test_util.h"

using tracuu::Analyzer;
using tracuu::internal::html_escape;
using tracuu::internal::make_snippet;
using tracuu::internal::parse_query;

namespace {

std::string description(const std::string& q, bool strict = false) {
  Analyzer analyzer;
  return parse_query(q, analyzer, {strict, false, true}).query.get_description();
}

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

TEST_CASE("a plain query matches folded terms; typed accents add exact boosts") {
  std::string plain = description("binh tan ");
  CHECK(contains(plain, "binh"));
  CHECK_FALSE(contains(plain, "Ebình"));
  std::string accented = description("Bình Tân ");
  CHECK(contains(accented, "Ebình"));
  CHECK(contains(accented, "Bbinh_tan"));
  CHECK(contains(accented, "SBbinh_tan"));
}

TEST_CASE("strict accents use exact terms only") {
  std::string strict = description("Bình Tân ", true);
  CHECK(contains(strict, "Ebình"));
  CHECK_FALSE(contains(strict, " binh "));
}

TEST_CASE("phrases, exclusions, fields and OR build the right operators") {
  CHECK(contains(description("\"bình tân\""), "PHRASE 2"));
  CHECK(contains(description("bão -covid "), "AND_NOT"));
  CHECK(contains(description("title:\"bình tân\""), "Sbinh PHRASE 2 Stan"));
  CHECK(contains(description("author:lê "), "Ale"));
  CHECK(contains(description("bão OR lũ "), "OR"));
  Analyzer analyzer;
  auto parsed = parse_query("category:\"Thể thao\" bóng đá", analyzer, {});
  CHECK(parsed.categories == std::vector<std::string>{"the thao"});
}

TEST_CASE("a trailing word is a prefix only while typing") {
  CHECK(contains(description("ha n"), "WILDCARD"));
  CHECK_FALSE(contains(description("ha n "), "WILDCARD"));
}

TEST_CASE("abbreviations match their expansions") {
  std::string q = description("TP.HCM ");
  CHECK(contains(q, "tphcm"));
  CHECK(contains(description("ủy ban nhân dân "), "ubnd"));
}

TEST_CASE("date ranges are read from the query and removed from its words") {
  Analyzer analyzer;
  auto parsed = parse_query("bão lũ năm 2020", analyzer, {});
  REQUIRE(parsed.date_range.has_value());
  CHECK(parsed.date_range->from == "2020-01-01");
  CHECK_FALSE(contains(parsed.query.get_description(), "2020"));
}

TEST_CASE("broken syntax degrades to words and never throws") {
  for (const std::string q : {"\"", "-", "+", "OR", "title:", "\"unclosed phrase", "a OR", "-\"",
                              ":::", "category:", "((", "\xff\xfe"}) {
    INFO(q);
    Analyzer analyzer;
    CHECK_NOTHROW(parse_query(q, analyzer, {}));
  }
  Analyzer analyzer;
  CHECK(parse_query("-", analyzer, {}).match_all);
  CHECK(contains(parse_query("\"bình tân", analyzer, {}).query.get_description(), "PHRASE"));
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
  // A real (in-memory) Xapian index: "chung" in every article, "nhieu" in
  // half, "hiem" in three.
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (int i = 0; i < 1200; ++i) {
    Xapian::Document doc;
    doc.add_term("chung");
    if (i % 2 == 0) doc.add_term("nhieu");
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
  auto rare = parse_query("chung hiem ", analyzer, {false, false, true, &db});
  CHECK(matches(rare.query) == 3);
  CHECK(rare.relaxed.empty());
  // Only common words: all of them are required, and the OR is kept aside.
  auto common = parse_query("chung nhieu ", analyzer, {false, false, true, &db});
  CHECK(matches(common.query) == 600);
  REQUIRE_FALSE(common.relaxed.empty());
  CHECK(matches(common.relaxed) == 1200);
  // One common word alone still finds everything it is in.
  CHECK(matches(parse_query("nhieu ", analyzer, {false, false, true, &db}).query) == 600);
  // Without the index to judge by (export), every word selects.
  CHECK(matches(parse_query("chung hiem ", analyzer, {false, false, true}).query) == 1200);
}

TEST_CASE("a trailing word still being typed completes as the likelier pair, cheaply") {
  // A real (in-memory) index of 1,200 articles: "Hà Nội" in half of them,
  // "nổ" (not next to "hà") in a quarter; "năm", "nông", "cả" and "các"
  // everywhere, never after "hà".
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  Analyzer analyzer;
  for (int i = 0; i < 1200; ++i) {
    tracuu::Article a;
    a.id = "a" + std::to_string(i);
    if (i % 2 == 0) {
      a.title = "Hà Nội năm nay";
      a.body = "Người dân Hà Nội các quận làm nông cả năm.";
    } else if (i % 4 == 1) {
      a.title = "Nổ lớn ở Hà Tĩnh";
      a.body = "Tiếng nổ vang cả năm, dân Hà Tĩnh làm nông.";
    } else {
      a.title = "Mùa nông vụ năm nay";
      a.body = "Nông dân các xã cả năm làm nông.";
    }
    db.add_document(tracuu::build_document(a, analyzer));
  }
  const tracuu::internal::QueryOptions typing{false, false, true, &db};
  auto top = [&](const Xapian::Query& q) {
    Xapian::Enquire enquire(db);
    enquire.set_query(q);
    enquire.set_weighting_scheme(tracuu::internal::ranking());
    Xapian::MSet m = enquire.get_mset(0, 1);
    REQUIRE(m.size() == 1);
    return tracuu::article_from_data(m.begin().get_document().get_data()).title;
  };
  // "no" begins common words (nội, nông): it matches the pairs "hà no..."
  // instead of every article holding one of them, and Hà Nội ranks first.
  auto partial = parse_query("ha no", analyzer, typing);
  std::string d = partial.query.get_description();
  CHECK(contains(d, "Bha_noi"));
  CHECK_FALSE(contains(d, "nong"));
  CHECK(top(partial.query) == "Hà Nội năm nay");
  // Finished (a space after it), "no" is the word as typed: nổ.
  CHECK(top(parse_query("ha no ", analyzer, typing).query) == "Nổ lớn ở Hà Tĩnh");
  // "ca" is itself a common word and no pair "hà ca..." exists: as typed,
  // not every word it begins.
  CHECK_FALSE(contains(parse_query("ha ca", analyzer, typing).query.get_description(), "cac"));
  CHECK(contains(parse_query("ca", analyzer, typing).query.get_description(), "cac"));
}
