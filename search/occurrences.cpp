// find_occurrences: a greedy left-to-right scan, longest match first.
#include "occurrences.h"

#include <algorithm>

namespace tracuu::internal {
namespace {

bool same(const Syllable& s, const SoughtWord& w) {
  return s.folded == w.folded && (w.exact.empty() || s.exact == w.exact);
}

// How many of `words`, from `from` on, stand in order at syllable `i`.
std::size_t run_length(const std::vector<Syllable>& syl, std::size_t i,
                       const std::vector<SoughtWord>& words, std::size_t from) {
  std::size_t n = 0;
  while (from + n < words.size() && i + n < syl.size() && same(syl[i + n], words[from + n])) ++n;
  return n;
}

}  // namespace

std::vector<Occurrence> find_occurrences(const Analysis& a, const Sought& sought) {
  std::vector<Occurrence> out;
  if (sought.empty()) return out;
  const auto& syl = a.syllables;
  // The longest abbreviation form starting at each syllable.
  std::vector<std::size_t> key_at(syl.size(), 0);
  for (const auto* matches : {&a.abbreviations, &a.nested_abbreviations}) {
    for (const AbbreviationMatch& m : *matches) {
      if (m.first < syl.size() &&
          std::find(sought.keys.begin(), sought.keys.end(), m.key) != sought.keys.end())
        key_at[m.first] = std::max(key_at[m.first], m.count);
    }
  }
  for (std::size_t i = 0; i < syl.size();) {
    std::size_t best = key_at[i];
    for (const auto& phrase : sought.phrases) {
      if (run_length(syl, i, phrase, 0) == phrase.size()) best = std::max(best, phrase.size());
    }
    for (const auto& run : sought.runs) {
      for (std::size_t from = 0; from < run.size(); ++from)
        best = std::max(best, run_length(syl, i, run, from));
    }
    best = std::min(best, syl.size() - i);
    if (best == 0) {
      ++i;
      continue;
    }
    out.push_back({i, best});
    i += best;
  }
  return out;
}

}  // namespace tracuu::internal
