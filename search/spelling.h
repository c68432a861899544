// Internal to search/: a query read as its writer meant it when words are
// mistyped or run together (docs/ranking.md#typos-and-words-run-together).
// The analyzer says which syllables a word could be (analyzers/spelling.cpp);
// the index's own statistics say which one: how many articles hold each
// syllable, and each pair of syllables side by side.
#pragma once

#include <xapian.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracuu::internal {

struct QueryCorrection {
  // The query searched: each corrected word replaced by its reading
  // ("ho chi mnh" → "ho chi minh", "hanoi" → "ha noi", "#HàNội" → "Hà Nội",
  // "gia-xang-tang-manh" → "gia xang tang manh"); syntax is kept as typed.
  std::string served;
  // Folded words replaced although some articles hold them as typed
  // ("hanoi": 6 articles, "ha noi": thousands): still matched, weighing little.
  std::vector<std::string> typed_forms;
  // Folded syllables the reading wrote without marks ("dng" → "dung"): not
  // chosen accents, so never boosted as typed in a query with marks.
  std::vector<std::string> unmarked;
  // Words were left as typed for want of time (a pasted page of unknown
  // words): the reading stopped within its budget rather than slow the search.
  bool gave_up = false;
};

// nullopt when every word reads as typed. `typing`: the last word, without
// a space after it, may be unfinished, and is left alone while a word of
// the index starts with it. At most 12 words are given a reading, within
// 50 ms or by `deadline` (the request's), whichever comes first.
std::optional<QueryCorrection> correct_query(
    std::string_view q, const Xapian::Database& db, bool typing,
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());

}  // namespace tracuu::internal
