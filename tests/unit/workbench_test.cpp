// The archivist's workbench: NEAR and ~n, the day of the year, occurrences
// in a text (concordance, article marks).
#include <set>

#include "indexer.h"
#include "near_check.h"
#include "occurrences.h"
#include "query.h"
#include "search.h"
#include "search_internal.h"
#include "test_util.h"

using tracuu::Analyzer;
using tracuu::find_day_of_year;
using tracuu::parse_day_of_year;
using tracuu::internal::find_occurrences;
using tracuu::internal::fits_window;
using tracuu::internal::NearDecider;
using tracuu::internal::parse_query;

namespace {

using Ids = std::set<std::string>;

// Articles built as the indexer builds them, in memory; matched as the
// searcher matches (with the NEAR check).
class NearIndex {
 public:
  NearIndex() : db_(std::string(), Xapian::DB_BACKEND_INMEMORY) {
    add("ab", "Tin một", "Quận Bình Tân có chợ mới.");
    add("a-x-b", "Tin hai", "Quận mới Bình Tân có chợ.");
    add("ba", "Tin ba", "Bình Tân là một quận lớn.");
    add("far", "Tin bốn", "Quận này rất rộng và đông dân, còn Bình Tân thì xa lắm.");
    add("apart", "Tin năm", "Quận Bình có Tân Phú.");
  }
  void add(const std::string& id, const std::string& title, const std::string& body) {
    tracuu::Article a;
    a.id = id;
    a.title = title;
    a.body = body;
    db_.add_document(tracuu::build_document(a, analyzer_));
  }
  Ids matched(const std::string& q) {
    auto parsed = parse_query(q, analyzer_, {});
    REQUIRE(parsed.error.empty());
    NearDecider near(parsed.near_checks);
    Xapian::Enquire enquire(db_);
    enquire.set_query(parsed.query);
    Ids out;
    Xapian::MSet m =
        enquire.get_mset(0, 100, nullptr, parsed.near_checks.empty() ? nullptr : &near);
    for (auto it = m.begin(); it != m.end(); ++it)
      out.insert(tracuu::article_from_data(it.get_document().get_data()).id);
    return out;
  }
  Analyzer& analyzer() { return analyzer_; }

 private:
  Xapian::WritableDatabase db_;
  Analyzer analyzer_;
};

// The text of each occurrence found in `text`.
std::vector<std::string> found(Analyzer& analyzer, const std::string& query,
                               const std::string& text, bool strict = false) {
  tracuu::internal::QueryOptions options;
  options.trailing_prefix = false;
  options.strict_accents = strict;
  auto parsed = parse_query(query, analyzer, options);
  auto a = analyzer.analyze(text);
  std::vector<std::string> out;
  for (const auto& o : find_occurrences(a, parsed.sought)) {
    const std::size_t begin = a.syllables[o.first].begin;
    out.push_back(text.substr(begin, a.syllables[o.first + o.count - 1].end - begin));
  }
  return out;
}

}  // namespace

TEST_CASE("NEAR/n: within n words, in any order; words or phrases") {
  NearIndex i;
  CHECK(i.matched("quận NEAR/0 bình") == Ids{"ab", "apart"});
  CHECK(i.matched("quận NEAR/1 bình") == Ids{"ab", "a-x-b", "apart"});
  // A phrase operand is found whole: "Bình ... Tân" apart does not count.
  CHECK(i.matched("quận NEAR/0 \"bình tân\"") == Ids{"ab"});
  CHECK(i.matched("quận NEAR/1 \"bình tân\"") == Ids{"ab", "a-x-b"});
  // Any order: "Bình Tân là một quận".
  CHECK(i.matched("quận NEAR/3 \"bình tân\"") == Ids{"ab", "a-x-b", "ba"});
  CHECK(i.matched("quận NEAR \"bình tân\"") == Ids{"ab", "a-x-b", "ba", "far"});
}

TEST_CASE("\"...\"~n: in order, at most n other words between") {
  NearIndex i;
  CHECK(i.matched("\"quận bình tân\"") == Ids{"ab"});
  // One other word anywhere between: "Quận mới Bình Tân", "Quận Bình có Tân".
  CHECK(i.matched("\"quận bình tân\"~1") == Ids{"ab", "a-x-b", "apart"});
  CHECK(i.matched("\"bình tân quận\"~2") == Ids{"ba"});
  // "word~2": the distance is for phrases; the word is read without it.
  CHECK(i.matched("chợ~2") == Ids{"ab", "a-x-b"});
}

TEST_CASE("NEAR and ~n outside their range are errors; a missing number has a reading") {
  Analyzer analyzer;
  CHECK(parse_query("a NEAR/100000 b", analyzer, {}).error.find("at most 50") != std::string::npos);
  CHECK(parse_query("\"a b\"~51", analyzer, {}).error.find("at most 50") != std::string::npos);
  CHECK(parse_query("a NEAR/50 b", analyzer, {}).error.empty());
  CHECK(parse_query("\"a b\"~", analyzer, {}).error.empty());    // ~ alone: the plain phrase
  CHECK(parse_query("NEAR/3 b", analyzer, {}).error.empty());    // nothing before: ignored
  CHECK(parse_query("a NEAR/x b", analyzer, {}).error.empty());  // a word
}

TEST_CASE("fits_window: the tightest placement of every operand") {
  // a at 1 (length 1), b at 5 (length 2): span 1..6 = 6 positions.
  CHECK(fits_window({{1}, {5}}, {1, 2}, 6));
  CHECK_FALSE(fits_window({{1}, {5}}, {1, 2}, 5));
  // b before a works too; the nearer of several occurrences counts.
  CHECK(fits_window({{9, 20}, {7}}, {1, 2}, 3));
  CHECK_FALSE(fits_window({{1}, {}}, {1, 1}, 100));
}

TEST_CASE("the day of the year: parameter forms and Vietnamese phrases") {
  REQUIRE(parse_day_of_year("05-15"));
  CHECK(parse_day_of_year("05-15")->day == 15);
  CHECK(parse_day_of_year("02-29"));  // a day of leap years
  CHECK_FALSE(parse_day_of_year("02-30"));
  CHECK_FALSE(parse_day_of_year("13"));
  CHECK_FALSE(parse_day_of_year("5-15"));
  CHECK_FALSE(parse_day_of_year("00"));
  CHECK(parse_day_of_year("12")->text() == "12");

  auto d = find_day_of_year("bão ngày 15 tháng 5");
  REQUIRE(d);
  CHECK(d->text() == "05-15");
  CHECK(std::string("bão ngày 15 tháng 5").substr(d->begin, d->end - d->begin) ==
        "ngày 15 tháng 5");
  CHECK(find_day_of_year("ngay 2/9")->text() == "09-02");
  CHECK(find_day_of_year("ngày 30 tháng Chạp")->text() == "12-30");
  CHECK_FALSE(find_day_of_year("ngày 15 tháng 5 năm 2021"));  // a date, not every year's
  CHECK_FALSE(find_day_of_year("ngày 15/5/2021"));
  CHECK_FALSE(find_day_of_year("ngày 31 tháng 2"));
  Analyzer analyzer;
  // Alone it filters; with other words it is words (docs/api.md).
  auto parsed = parse_query("ngày 15 tháng 5 category:thời-sự", analyzer, {});
  REQUIRE(parsed.day_of_year);
  CHECK(parsed.day_of_year->text() == "05-15");
  CHECK(parsed.highlight.empty());  // the date is not a word to find
  CHECK_FALSE(parse_query("lũ ngày 15 tháng 5", analyzer, {}).day_of_year);
}

TEST_CASE("occurrences: runs of the typed words side by side, phrases whole, any written form") {
  Analyzer analyzer;
  const std::string text = "Quận Bình Tân (TP.HCM) có chợ Bình Điền; thành phố Hồ Chí Minh.";
  CHECK(found(analyzer, "binh tan", text) == std::vector<std::string>{"Bình Tân", "Bình"});
  CHECK(found(analyzer, "\"binh tan\"", text) == std::vector<std::string>{"Bình Tân"});
  CHECK(found(analyzer, "tphcm", text) ==
        std::vector<std::string>{"TP.HCM", "thành phố Hồ Chí Minh"});
  CHECK(found(analyzer, "Bình Tân", "bình tân, bính tấn", true) ==
        std::vector<std::string>{"bình tân"});
  CHECK(found(analyzer, "binh -tan", text) == std::vector<std::string>{"Bình", "Bình"});
  CHECK(found(analyzer, "quận NEAR/3 \"bình tân\"", text) ==
        std::vector<std::string>{"Quận", "Bình Tân"});
}
