// libFuzzer target: the analyzer and the legacy-encoding decoder must accept
// any bytes, never crash, keep offsets inside the input and emit valid UTF-8.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "schema.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static tracuu::Analyzer analyzer;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tracuu::Analysis a = analyzer.analyze(text);
  for (const tracuu::Syllable& s : a.syllables) {
    if (s.begin > s.end || s.end > size) std::abort();
    if (!tracuu::is_valid_utf8(s.exact) || !tracuu::is_valid_utf8(s.folded) ||
        !tracuu::is_valid_utf8(s.variant))
      std::abort();
  }
  for (const tracuu::Compound& c : a.compounds) {
    if (c.first + c.count > a.syllables.size() || !tracuu::is_valid_utf8(c.exact)) std::abort();
  }
  for (const tracuu::AbbreviationMatch& m : a.abbreviations) {
    if (m.first + m.count > a.syllables.size()) std::abort();
  }
  if (auto decoded = tracuu::decode_vietnamese_text(text)) {
    if (!tracuu::is_valid_utf8(decoded->utf8)) std::abort();
  }
  Xapian::Document doc;
  Xapian::termpos pos = 1;
  tracuu::index_field(a, {true, 1}, doc, &pos);
  return 0;
}
