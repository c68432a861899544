// libFuzzer target: query parsing (syntax, dates, abbreviations, NEAR and
// ~n, the day of the year, the search box's trailing word) must accept any
// string and always produce a Xapian query, with and without an index to
// expand the trailing word against; the query runs on that index (the
// NEAR check included) and its words are found in a text (concordance).
// The typo and words-run-together reading (correct_query) serves a query
// that parses, with its typed forms; its spelling candidates are syllables.
// The editors' synonyms rewrite it into variants, each parsed the same way;
// and the string read as a synonyms or rules file either parses or is an
// EditorialFileError naming its line.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "indexer.h"
#include "near_check.h"
#include "occurrences.h"
#include "query.h"
#include "search.h"
#include "search_internal.h"
#include "spelling.h"
#include "vietnamese.h"

namespace {

// 1,200 small articles in memory: enough for common words (kCommonMinDocs),
// so every path of the trailing word's completion runs (words, pairs,
// taken as typed, marked completions, the completion cache).
const Xapian::Database& sample_index(tracuu::Analyzer& analyzer) {
  static const Xapian::WritableDatabase db = [&] {
    Xapian::WritableDatabase w(std::string(), Xapian::DB_BACKEND_INMEMORY);
    const char* titles[] = {"Hà Nội mưa lớn",
                            "Nổ lớn ở Hà Tĩnh",
                            "Bảo đảm an toàn giao thông",
                            "Bình Tân khởi công cầu mới",
                            "Cá voi mắc cạn",
                            "UBND TP.HCM họp"};
    const char* bodies[] = {"Người dân Hà Nội các quận làm việc cả năm.",
                            "Tiếng nổ vang, dân Hà Tĩnh hoảng sợ.",
                            "Bảo đảm trật tự, các đoàn kiểm tra ngày đêm.",
                            "Quận Bình Tân khởi công cầu bắc qua kênh."};
    for (int i = 0; i < 1200; ++i) {
      tracuu::Article a;
      a.id = "f" + std::to_string(i);
      a.title = titles[i % 6];
      a.body = bodies[i % 4];
      w.add_document(tracuu::build_document(a, analyzer));
    }
    return w;
  }();
  return db;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static tracuu::Analyzer analyzer;
  static tracuu::internal::CompletionCache cache;
  const Xapian::Database& db = sample_index(analyzer);
  std::string q(reinterpret_cast<const char*>(data), size);
  for (bool strict : {false, true}) {
    for (const Xapian::Database* index : {static_cast<const Xapian::Database*>(nullptr), &db}) {
      auto parsed = tracuu::internal::parse_query(
          q, analyzer, {strict, !strict, true, index, index ? &cache : nullptr});
      if (parsed.query.empty()) std::abort();
      (void)parsed.query.get_description();
      if (index && parsed.error.empty()) {
        tracuu::internal::NearDecider near(parsed.near_checks);
        Xapian::Enquire enquire(*index);
        enquire.set_query(parsed.query);
        (void)enquire.get_mset(0, 10, nullptr, parsed.near_checks.empty() ? nullptr : &near);
      }
      static const tracuu::Analysis text =
          analyzer.analyze("Quận Bình Tân (TP.HCM) mưa lớn, Ủy ban nhân dân họp ngày 15 tháng 5.");
      std::size_t end = 0;
      for (const auto& o : tracuu::internal::find_occurrences(text, parsed.sought)) {
        if (o.count == 0 || o.first < end || o.first + o.count > text.syllables.size())
          std::abort();
        end = o.first + o.count;
      }
    }
  }
  for (bool typing : {false, true}) {
    if (auto corrected = tracuu::internal::correct_query(q, db, typing)) {
      tracuu::internal::QueryOptions options;
      options.typed_forms = corrected->typed_forms;
      if (tracuu::internal::parse_query(corrected->served, analyzer, options).query.empty())
        std::abort();
    }
  }
  for (int edits : {1, 2}) {
    for (const auto& c : tracuu::syllables_near(q.substr(0, 24), edits))
      if (c.syllable.empty() || c.cost <= 0) std::abort();
  }
  for (const auto& parts : tracuu::syllable_splits(q.substr(0, 40), 5))
    if (parts.size() < 2 || parts.size() > 5) std::abort();
  static const tracuu::Synonyms synonyms = tracuu::Synonyms::parse(
      "Sài Gòn = TP.HCM = Thành phố Hồ Chí Minh\nCovid = Covid-19 = SARS-CoV-2\n"
      "Hà Nội = Thủ đô\nBộ GD-ĐT = Bộ Giáo dục và Đào tạo\n",
      "fuzz");
  const auto variants = tracuu::internal::synonym_variants(q, analyzer, synonyms);
  if (variants.size() > 12) std::abort();
  for (const std::string& v : variants) {
    if (v == q) std::abort();  // a variant writes another form
    if (tracuu::internal::parse_query(v, analyzer, {}).query.empty()) std::abort();
  }
  for (int kind = 0; kind < 2; ++kind) {
    try {
      if (kind == 0)
        (void)tracuu::Synonyms::parse(q, "f");
      else
        (void)tracuu::Rules::parse(q, "f");
    } catch (const tracuu::EditorialFileError& e) {
      if (std::string(e.what()).rfind("f:", 0) != 0) std::abort();
    }
  }
  if (auto range = tracuu::find_date_range(q)) {
    if (range->begin > range->end || range->end > q.size()) std::abort();
  }
  if (auto day = tracuu::find_day_of_year(q)) {
    if (day->begin > day->end || day->end > q.size() || !tracuu::parse_day_of_year(day->text()))
      std::abort();
  }
  (void)tracuu::parse_day_of_year(q);
  (void)tracuu::parse_date(q);
  return 0;
}
