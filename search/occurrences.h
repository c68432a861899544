// Internal to search/: where a query's words and phrases stand in a text,
// found on the analyzer's reading of it (the reading the index was built
// from), so an occurrence here is one the index holds: the concordance
// (/concordance) and the article view's marks use it.
#pragma once

#include <string>
#include <vector>

#include "vietnamese.h"

namespace tracuu::internal {

struct SoughtWord {
  std::string folded;  // "binh"
  std::string exact;   // "bình" with strict accents; empty: any accents
};

// What a query looks for in a text (ParsedQuery::sought).
struct Sought {
  // Found whole only: a quoted phrase, a NEAR operand.
  std::vector<std::vector<SoughtWord>> phrases;
  // Plain words typed together: any part of the run found side by side, in
  // order, is one occurrence ("binh tan" finds "Bình Tân" once, and "Bình"
  // alone elsewhere once).
  std::vector<std::vector<SoughtWord>> runs;
  // Abbreviation keys ("tphcm"): every written form of it is one occurrence.
  std::vector<std::string> keys;
  bool empty() const { return phrases.empty() && runs.empty() && keys.empty(); }
};

// Syllables [first, first + count) of an Analysis.
struct Occurrence {
  std::size_t first = 0, count = 0;
};

// The occurrences in reading order, never overlapping; at each syllable the
// longest one that starts there.
std::vector<Occurrence> find_occurrences(const Analysis& a, const Sought& sought);

}  // namespace tracuu::internal
