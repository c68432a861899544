// Internal to analyzers/: the data tables of analyzers/data/, parsed once.
// Every accessor returns a reference to an immutable object built on first
// use (function-local statics: thread-safe initialization, no mutable state).
#pragma once

#include <algorithm>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace tracuu::internal {

// Calls `row` with the tab-separated columns of every line of a table, with
// comments (from " #" or a leading "#") and blank lines skipped. Columns are
// trimmed of surrounding spaces.
void for_each_row(std::string_view table_text,
                  const std::function<void(const std::vector<std::string_view>&)>& row);

// tone-placement.tsv and orthography.tsv.
struct Orthography {
  struct TonePlace {
    int open = 0;  // 1-based vowel index, 0 = not allowed
    int closed = 0;
  };
  std::unordered_set<std::uint64_t> onsets;  // by nucleus_key()
  std::unordered_set<std::uint64_t> finals;  // by nucleus_key()
  std::unordered_set<std::u32string> iy_onsets;
  std::unordered_map<std::uint64_t, TonePlace> nuclei;  // by nucleus_key()
  // Every onset + nucleus + final the tables allow, marks removed ("nguoi",
  // "binh"): the shapes a syllable typed without marks can take.
  std::unordered_set<std::string> folded_syllables;
};
const Orthography& orthography();

// characters.tsv: code point → replacement (empty = drop).
const std::unordered_map<char32_t, std::u32string>& character_map();

// html-entities.tsv: entity name → text, and whether the name is also read
// without its semicolon ("&nbsp11h").
struct HtmlEntity {
  std::u32string text;
  bool bare = false;
};
const std::unordered_map<std::string, HtmlEntity>& html_entities();

// A cheap pre-check before a hash lookup: false means the word is certainly
// not in the set it was built from (keyed on length and first two bytes).
class WordFilter {
 public:
  void add(std::string_view w) { bits_[slot(w)] = true; }
  bool may_contain(std::string_view w) const { return bits_[slot(w)]; }

 private:
  static std::size_t slot(std::string_view w) {
    std::size_t a = w.empty() ? 0 : static_cast<unsigned char>(w[0]);
    std::size_t b = w.size() < 2 ? 0 : static_cast<unsigned char>(w[1]);
    return ((a * 31 + b) * 7 + std::min<std::size_t>(w.size(), 15)) % 8192;
  }
  std::bitset<8192> bits_;
};

// stopwords.txt, canonicalized (tone placement, case) like analyzed text.
const std::unordered_set<std::string>& stopwords();
bool is_stopword_exact(std::string_view exact);  // for an already canonical syllable

// abbreviations.tsv: each form and each expansion as a folded syllable
// sequence, pointing to the canonical key.
struct AbbreviationTable {
  struct Form {
    std::vector<std::string> folded;  // ["tp", "hcm"]
    std::string key;                  // "tphcm"
  };
  std::unordered_map<std::string, std::vector<Form>> by_first_syllable;  // longest first
  std::unordered_map<std::string, std::vector<std::string>> expansions;  // key → exact syllables
  std::unordered_map<std::string, std::vector<std::string>> written;     // key → folded forms
  std::size_t longest = 0;
  WordFilter first_syllables;  // of by_first_syllable
};
const AbbreviationTable& abbreviations();

// question-words.txt: each entry as canonical exact syllables, longest first.
const std::vector<std::vector<std::string>>& question_phrases();

// Splits text into runs of letters and digits, as a cheap syllable splitter
// for the tables themselves ("TP.HCM" → "TP", "HCM").
std::vector<std::string> letter_runs(std::string_view utf8);

}  // namespace tracuu::internal
