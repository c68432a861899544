// libFuzzer target: query parsing (syntax, dates, abbreviations, the search
// box's trailing word) must accept any string and always produce a Xapian
// query, with and without an index to expand the trailing word against.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "indexer.h"
#include "query.h"
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
    }
  }
  if (auto range = tracuu::find_date_range(q)) {
    if (range->begin > range->end || range->end > q.size()) std::abort();
  }
  (void)tracuu::parse_date(q);
  return 0;
}
