// libFuzzer target: query parsing (syntax, dates, abbreviations) must accept
// any string and always produce a Xapian query.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "../search/query.h"
#include "vietnamese.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static tracuu::Analyzer analyzer;
  std::string q(reinterpret_cast<const char*>(data), size);
  for (bool strict : {false, true}) {
    auto parsed = tracuu::detail_search::parse_query(q, analyzer, {strict, !strict, true});
    if (parsed.query.empty()) std::abort();
    (void)parsed.query.get_description();
  }
  if (auto range = tracuu::find_date_range(q)) {
    if (range->begin > range->end || range->end > q.size()) std::abort();
  }
  (void)tracuu::parse_date(q);
  return 0;
}
