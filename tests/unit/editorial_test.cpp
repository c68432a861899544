// The editors' files (synonyms, rules) and freshness: parsing, errors with
// FILE:LINE, the query variants of synonyms, the freshness formula.
#include <algorithm>
#include <cmath>

#include "editorial_errors.h"
#include "search.h"
#include "search_internal.h"
#include "test_util.h"

using tracuu::Analyzer;
using tracuu::Recency;
using tracuu::Rules;
using tracuu::Synonyms;
using tracuu::internal::synonym_variants;
using tracuu::test::error_of;

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("synonym groups: multi-word forms, comments, blank lines, CRLF") {
  const Synonyms s = Synonyms::parse(
      "# Thành phố\n"
      "Sài Gòn = TP.HCM = Thành phố Hồ Chí Minh\r\n"
      "\n"
      "Covid = Covid-19 = SARS-CoV-2  # the virus\n",
      "syn.txt");
  REQUIRE(s.groups().size() == 2);
  CHECK(s.groups()[0].forms ==
        std::vector<std::string>{"Sài Gòn", "TP.HCM", "Thành phố Hồ Chí Minh"});
  CHECK(s.groups()[0].folded[0] == std::vector<std::string>{"sai", "gon"});
  CHECK(s.groups()[1].forms.back() == "SARS-CoV-2");
}

TEST_CASE("a bad synonyms file names the file and line, and why") {
  // A group of one form.
  CHECK(error_of([] {
          Synonyms::parse("A = B\nCovid\n", "s.txt");
        }).rfind("s.txt:2: a group of one", 0) == 0);
  // A cycle: a form in two groups (A = B, B = C).
  const std::string cycle =
      error_of([] { Synonyms::parse("Hà Nội = HN\nha noi = Thủ đô\n", "s"); });
  CHECK(cycle.rfind("s:2: \"ha noi\" is already a form in the group on line 1", 0) == 0);
  // The same form twice in one group, spelled differently.
  CHECK(error_of([] { Synonyms::parse("Covid = COVID", "s"); }).find("of this group") !=
        std::string::npos);
  CHECK(error_of([] { Synonyms::parse("A =  = B", "s"); }).rfind("s:1: an empty form", 0) == 0);
  CHECK(error_of([] { Synonyms::parse("A = ...", "s"); }).find("has no words") !=
        std::string::npos);
  CHECK(error_of([] {
          Synonyms::parse("A = B\n\xff\xfe = C", "s");
        }).rfind("s:2: not valid UTF-8", 0) == 0);
  // Neighbours that are fine: a comment-only file, a trailing "=" inside a comment.
  CHECK(Synonyms::parse("# only comments\n\n", "s").groups().empty());
  CHECK(Synonyms::parse("A = B # = C\n", "s").groups()[0].forms.size() == 2);
}

TEST_CASE("rules: pins in order, hides, query keys without accents, case or spacing") {
  const Rules r = Rules::parse(
      "# takedowns\n"
      "pin\tGiá xăng\ta1,a2, a3\n"
      "hide\tx9\n"
      "hide\tx9\n",
      "rules.tsv");
  REQUIRE(r.pinned("gia   XANG") != nullptr);
  CHECK(*r.pinned(" giá xăng ") == std::vector<std::string>{"a1", "a2", "a3"});
  CHECK(r.pinned("giá xăng dầu") == nullptr);  // the whole query, not a part
  CHECK(r.hidden() == std::vector<std::string>{"x9"});
  CHECK(r.is_hidden("x9"));
  CHECK_FALSE(r.is_hidden("a1"));
}

TEST_CASE("rules: pin-words pins for any query containing the words; a whole-query pin wins") {
  const Rules r = Rules::parse(
      "pin-words\tgiá xăng\tw1\n"
      "pin-words\txăng giá dầu\tw3\n"
      "pin-words\tbão\tb1\n"
      "pin\tgiá xăng hôm nay\te1\n",
      "r");
  CHECK(*r.pinned("giá xăng tăng") == std::vector<std::string>{"w1"});
  CHECK(*r.pinned("XANG tang GIA") == std::vector<std::string>{"w1"});     // any order
  CHECK(*r.pinned("giá dầu và xăng") == std::vector<std::string>{"w3"});   // the most words
  CHECK(*r.pinned("giá xăng hôm nay") == std::vector<std::string>{"e1"});  // whole query first
  CHECK(r.pinned("giá vàng") == nullptr);
  CHECK(r.pinned("xăng") == nullptr);  // every word needed
  CHECK(r.pinned("bão số 5") != nullptr);
  // Accents aside, as everywhere: "bảo hiểm" holds "bao" too.
  CHECK(r.pinned("bảo hiểm") != nullptr);
  CHECK(r.pin_count() == 4);
  CHECK(error_of([] {
          Rules::parse("pin-words\tA b\tx\npin-words\tb a\ty\n", "r");
        }).rfind("r:2: the query \"b a\" is already pinned on line 1", 0) == 0);
}

TEST_CASE("a bad rules file names the file and line") {
  CHECK(error_of([] { Rules::parse("pin\tq\n", "r"); }).rfind("r:1: expected pin<TAB>query", 0) ==
        0);
  CHECK(error_of([] { Rules::parse("hide\n", "r"); }).rfind("r:1: expected hide<TAB>id", 0) == 0);
  CHECK(error_of([] { Rules::parse("\nban\tx\n", "r"); }).rfind("r:2: unknown rule \"ban\"", 0) ==
        0);
  CHECK(error_of([] { Rules::parse("pin\tq\ta,,b\n", "r"); }).rfind("r:1: an empty id", 0) == 0);
  CHECK(error_of([] { Rules::parse("pin\tq\ta,a\n", "r"); }).find("pinned twice") !=
        std::string::npos);
  CHECK(error_of([] {
          Rules::parse("pin\tBão\ta\npin\tbao\tb\n", "r");
        }).rfind("r:2: the query \"bao\" is already pinned on line 1", 0) == 0);
  CHECK(error_of([] { Rules::parse("hide\t" + std::string(300, 'x'), "r"); }).find("longer than") !=
        std::string::npos);
}

TEST_CASE("a 10 MB rules file parses, and its last line counts") {
  std::string text;
  for (int i = 0; text.size() < 10 * 1024 * 1024; ++i)
    text += "pin\tquery number " + std::to_string(i) + "\tid-" + std::to_string(i) + ",other\n";
  text += "hide\tlast-one\n";
  const Rules r = Rules::parse(text, "big.tsv");
  CHECK(r.pin_count() > 200000);
  CHECK(r.is_hidden("last-one"));
  CHECK(*r.pinned("QUERY NUMBER 7") == std::vector<std::string>{"id-7", "other"});
}

TEST_CASE("synonym variants replace the longest form written by every other form") {
  Analyzer analyzer;
  const Synonyms s = Synonyms::parse(
      "Sài Gòn = TP.HCM = Thành phố Hồ Chí Minh\nCovid = Covid-19 = SARS-CoV-2\n", "s");
  auto v = synonym_variants("mưa sai gon", analyzer, s);
  CHECK(v == std::vector<std::string>{"mưa TP.HCM", "mưa Thành phố Hồ Chí Minh"});
  // "covid 19" is the longer form, not "covid" followed by 19.
  v = synonym_variants("covid 19 ở sài gòn", analyzer, s);
  CHECK(contains(v, "Covid ở sài gòn"));
  CHECK(contains(v, "SARS-CoV-2 ở TP.HCM"));
  CHECK_FALSE(contains(v, "Covid 19 ở sài gòn"));
  CHECK(v.size() == 8);  // 3 × 3 combinations but the one written
  // The single replacements come first.
  CHECK(v[0].find("sài gòn") != std::string::npos);
  CHECK(synonym_variants("hà nội", analyzer, s).empty());
  // A form's words must be side by side: "sài ... gòn" is not the form.
  CHECK(synonym_variants("sài và gòn", analyzer, s).empty());
}

TEST_CASE("synonym variants are capped however many forms a query writes") {
  Analyzer analyzer;
  std::string file;
  for (int g = 0; g < 6; ++g)
    file +=
        "w" + std::to_string(g) + "a = w" + std::to_string(g) + "b = w" + std::to_string(g) + "c\n";
  const Synonyms s = Synonyms::parse(file, "s");
  const auto v = synonym_variants("w0a w1a w2a w3a w4a w5a", analyzer, s);
  CHECK(v.size() == 12);
}

TEST_CASE("freshness: broad queries only under auto; half-life and floor") {
  using namespace tracuu::internal;
  std::vector<double> flat(10, 5.0);
  flat[0] = 5.2;  // the tenth within 5% of the first
  std::vector<double> steep = flat;
  steep[0] = 6;  // one match stands out: a specific query
  CHECK_FALSE(freshness_profile(Recency::kOff, 0, flat, 5000, 10000));
  CHECK(freshness_profile(Recency::kAuto, 0, flat, 5000, 10000));
  CHECK_FALSE(freshness_profile(Recency::kAuto, 0, steep, 5000, 10000));
  CHECK_FALSE(freshness_profile(Recency::kAuto, 0, flat, 99, 1000));      // too few matches
  CHECK(freshness_profile(Recency::kAuto, 0, flat, 100, 1000));           // enough in a small index
  CHECK_FALSE(freshness_profile(Recency::kAuto, 0, flat, 2000, 100000));  // under 3% of a large one
  CHECK_FALSE(freshness_profile(Recency::kAuto, 0, {5, 5, 5}, 5000, 10000));  // fewer than 10
  CHECK(freshness_profile(Recency::kStrong, 0, steep, 3, 10000));             // strong: always
  const auto p = *freshness_profile(Recency::kAuto, 10, flat, 5000, 10000);
  CHECK(p.half_life_days == 10);
  const long now = *day_number("20170601");
  CHECK(*day_number("20170522") == now - 10);
  CHECK(freshness(p, now, now) == doctest::Approx(1.0));
  CHECK(freshness(p, now - 10, now) == doctest::Approx(p.floor + (1 - p.floor) / 2));
  CHECK(freshness(p, now - 100000, now) == doctest::Approx(p.floor).epsilon(0.001));
  // After a client's date: as far from it as before it.
  CHECK(freshness(p, now + 10, now) == doctest::Approx(freshness(p, now - 10, now)));
  CHECK(freshness(p, std::nullopt, now) == p.floor);  // undated
  CHECK_FALSE(day_number("2017"));
  CHECK_FALSE(day_number("20171301"));
}
