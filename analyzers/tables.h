// Internal to analyzers/: the data tables of analyzers/data/, parsed once.
// Every accessor returns a reference to an immutable object built on first
// use (function-local statics: thread-safe initialization, no mutable state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace tracuu::detail {

// Calls `row` with the tab-separated columns of every line of a table, with
// comments (from " #" or a leading "#") and blank lines skipped. Columns are
// trimmed of surrounding spaces.
void for_each_row(std::string_view table_text,
                  const std::function<void(const std::vector<std::string_view>&)>& row);

// tone-placement.tsv and orthography.tsv.
struct Orthography {
  struct TonePlace {
    int open = 0;    // 1-based vowel index, 0 = not allowed
    int closed = 0;
  };
  std::vector<std::u32string> onsets;  // longest first
  std::unordered_set<std::uint64_t> finals;  // by nucleus_key()
  std::unordered_set<std::u32string> iy_onsets;
  std::unordered_map<std::uint64_t, TonePlace> nuclei;  // by nucleus_key()
};
const Orthography& orthography();

// characters.tsv: code point → replacement (empty = drop).
const std::unordered_map<char32_t, std::u32string>& character_map();

// html-entities.tsv: entity name → text.
const std::unordered_map<std::string, std::u32string>& html_entities();

// stopwords.txt, canonicalized (tone placement, case) like analyzed text.
const std::unordered_set<std::string>& stopwords();

// abbreviations.tsv: each form and each expansion as a folded syllable
// sequence, pointing to the canonical key.
struct AbbreviationTable {
  struct Form {
    std::vector<std::string> folded;  // ["tp", "hcm"]
    std::string key;                  // "tphcm"
  };
  std::unordered_map<std::string, std::vector<Form>> by_first_syllable;  // longest first
  std::unordered_map<std::string, std::vector<std::string>> expansions;  // key → exact syllables
  std::size_t longest = 0;
};
const AbbreviationTable& abbreviations();

// Splits text into runs of letters and digits, as a cheap syllable splitter
// for the tables themselves ("TP.HCM" → "TP", "HCM").
std::vector<std::string> letter_runs(std::string_view utf8);

}  // namespace tracuu::detail
