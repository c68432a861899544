// The syllable grammar as a spelling checker: which folded words are
// Vietnamese syllables, how a word of syllables typed together splits, and
// which syllables a mistyped one is a few keystrokes from. Which of these
// readings the writer meant is decided by the index's statistics
// (search/spelling.cpp); docs/analyzer.md#spelling.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <string>
#include <unordered_map>

#include "tables.h"
#include "unicode.h"
#include "vietnamese.h"

namespace tracuu {
namespace {

// The longest folded syllable ("nghieng", "nguyen" are 7 letters).
constexpr std::size_t kLongestSyllable = 7;

// Keys beside each other on a QWERTY keyboard, the layout Vietnamese typists
// use with Telex and VNI: a slipped finger hits one of these.
bool neighbouring_keys(char a, char b) {
  static const std::array<std::string_view, 3> kRows{"qwertyuiop", "asdfghjkl", "zxcvbnm"};
  auto where = [](char c, int& row, int& col) {
    for (int r = 0; r < 3; ++r) {
      auto at = kRows[static_cast<std::size_t>(r)].find(c);
      if (at != std::string_view::npos) {
        row = r;
        col = static_cast<int>(at);
        return true;
      }
    }
    return false;
  };
  int ra = 0, ca = 0, rb = 0, cb = 0;
  if (!where(a, ra, ca) || !where(b, rb, cb)) return false;
  if (ra == rb) return std::abs(ca - cb) == 1;
  // Each row is shifted right by about half a key from the one above it.
  if (std::abs(ra - rb) != 1) return false;
  const int upper_col = ra < rb ? ca : cb, lower_col = ra < rb ? cb : ca;
  return lower_col == upper_col || lower_col == upper_col - 1;
}

bool ascii_lower(std::string_view word) {
  return !word.empty() &&
         std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// The key a letter is typed with (marks aside: ệ is typed on e), or 0.
char key_of(char32_t c) {
  if (c < 0x80) return static_cast<char>(c);
  const char32_t ascii = internal::letter_info(c).ascii;
  return ascii > 0 && ascii < 0x80 ? static_cast<char>(ascii) : 0;
}

// Every string one edit from `word` (code points), with the edit's cost
// (SpellingCandidate), passed to `out(text, cost)`. Letters added or typed
// instead are plain keys: a slip rarely adds a mark.
template <class Out>
void one_edit(const std::u32string& word, Out&& out) {
  const std::size_t n = word.size();
  std::u32string s;
  for (std::size_t i = 0; i < n; ++i) {  // a letter too many (a doubled one costs less)
    s = word;
    s.erase(i, 1);
    const char key = key_of(word[i]);
    const bool doubled =
        (i > 0 && key_of(word[i - 1]) == key) || (i + 1 < n && key_of(word[i + 1]) == key);
    out(s, doubled ? 0.5 : 1.0);
  }
  for (std::size_t i = 0; i + 1 < n; ++i) {  // two letters swapped
    s = word;
    std::swap(s[i], s[i + 1]);
    if (s != word) out(s, 0.5);
  }
  for (std::size_t i = 0; i < n; ++i) {  // another letter
    for (char c = 'a'; c <= 'z'; ++c) {
      if (static_cast<char32_t>(c) == word[i]) continue;
      s = word;
      s[i] = static_cast<char32_t>(c);
      out(s, neighbouring_keys(key_of(word[i]), c) ? 0.5 : 1.5);
    }
  }
  for (std::size_t i = 0; i <= n; ++i) {  // a letter left out
    for (char c = 'a'; c <= 'z'; ++c) {
      s = word;
      s.insert(s.begin() + static_cast<std::ptrdiff_t>(i), static_cast<char32_t>(c));
      out(s, 1.0);
    }
  }
}

// Every folded syllable shape the tables allow (Orthography::folded_syllables).
const std::vector<std::string>& shapes_by_length() {
  static const std::vector<std::string> shapes = [] {
    const auto& set = internal::orthography().folded_syllables;
    std::vector<std::string> v(set.begin(), set.end());
    std::sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) {
      return a.size() != b.size() ? a.size() < b.size() : a < b;
    });
    return v;
  }();
  return shapes;
}

// What turning `meant` into `typed` costs in at most two mistakes (the costs
// of one_edit; adjacent letters swapped count as one), or 0 when it takes
// more or none. An optimal string alignment, with the count of mistakes
// kept beside the cost.
double two_edit_cost(const std::string& typed, const std::string& meant) {
  const std::size_t n = typed.size(), m = meant.size();
  if (n > kLongestSyllable + 2 || m > kLongestSyllable + 2 || typed == meant) return 0;
  struct Cell {
    double cost;
    int edits;
  };
  Cell d[kLongestSyllable + 3][kLongestSyllable + 3];
  auto better = [](Cell a, Cell b) {
    return a.edits != b.edits ? (a.edits < b.edits ? a : b) : (a.cost <= b.cost ? a : b);
  };
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = {static_cast<double>(i), static_cast<int>(i)};
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = {static_cast<double>(j), static_cast<int>(j)};
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const char a = typed[i - 1], b = meant[j - 1];
      const bool doubled = (i > 1 && typed[i - 2] == a) || (i < n && typed[i] == a);
      Cell c = {d[i - 1][j].cost + (doubled ? 0.5 : 1.0), d[i - 1][j].edits + 1};  // typed too many
      c = better(c, {d[i][j - 1].cost + 1.0, d[i][j - 1].edits + 1});              // left out
      c = better(c, a == b ? d[i - 1][j - 1]
                           : Cell{d[i - 1][j - 1].cost + (neighbouring_keys(a, b) ? 0.5 : 1.5),
                                  d[i - 1][j - 1].edits + 1});
      if (i > 1 && j > 1 && a == meant[j - 2] && typed[i - 2] == b && a != b)
        c = better(c, {d[i - 2][j - 2].cost + 0.5, d[i - 2][j - 2].edits + 1});
      d[i][j] = c;
    }
  }
  return d[n][m].edits <= 2 ? d[n][m].cost : 0;
}

void split_from(std::string_view rest, std::size_t count, std::vector<std::string>& parts,
                std::vector<std::vector<std::string>>& out, std::size_t limit) {
  if (out.size() >= limit) return;
  if (rest.empty()) {
    if (parts.size() == count) out.push_back(parts);
    return;
  }
  const std::size_t left = count - parts.size();  // syllables still to read
  if (left == 0 || rest.size() > left * kLongestSyllable) return;
  for (std::size_t len = std::min(kLongestSyllable, rest.size()); len >= 1; --len) {
    std::string_view piece = rest.substr(0, len);
    if (!is_folded_syllable(piece)) continue;
    parts.emplace_back(piece);
    split_from(rest.substr(len), count, parts, out, limit);
    parts.pop_back();
  }
}

}  // namespace

bool is_folded_syllable(std::string_view folded) {
  if (folded.size() > kLongestSyllable || !ascii_lower(folded)) return false;
  return internal::orthography().folded_syllables.count(std::string(folded)) > 0;
}

std::vector<std::vector<std::string>> syllable_splits(std::string_view folded,
                                                      std::size_t max_parts) {
  std::vector<std::vector<std::string>> out;
  if (!ascii_lower(folded) || folded.size() > max_parts * kLongestSyllable) return out;
  // Fewer parts first, so that a limit cuts the least likely readings.
  for (std::size_t count = 2; count <= max_parts; ++count) {
    std::vector<std::string> parts;
    split_from(folded, count, parts, out, 1024);
  }
  return out;
}

std::vector<SpellingCandidate> syllables_near(std::string_view word, int max_edits) {
  std::unordered_map<std::string, double> best;
  if (word.empty() || word.size() > 4 * (kLongestSyllable + 2) || max_edits < 1) return {};
  const std::u32string typed = internal::utf8_to_u32(word);
  if (typed.size() > kLongestSyllable + 2 ||
      std::any_of(typed.begin(), typed.end(), [](char32_t c) {
        return key_of(c) < 'a' || key_of(c) > 'z' ||
               internal::fold_case_nfc(std::u32string(1, c))[0] != c;
      }))
    return {};
  const bool marked = !ascii_lower(word);
  auto keep = [&](const std::u32string& s, double cost) {
    if (s == typed) return;
    std::string text;
    if (marked) {
      // Marks as typed, in canonical places: "nưcớ" → "nước".
      if (!internal::is_vietnamese_syllable(s)) return;
      text = internal::u32_to_utf8(internal::canonical_tone(s));
    } else {
      text = internal::u32_to_utf8(s);
      if (!is_folded_syllable(text)) return;
    }
    auto [it, added] = best.emplace(std::move(text), cost);
    if (!added) it->second = std::min(it->second, cost);
  };
  one_edit(typed, keep);
  if (max_edits >= 2) {
    // Two edits: every syllable shape compared with the word, folded (a
    // word typed with marks gets folded candidates here). Editing the
    // edits would make 100,000 strings of a 6-letter word: 10 ms and more
    // a word; comparing with the few thousand shapes is bounded.
    const std::string folded = fold_diacritics(word);
    for (const std::string& shape : shapes_by_length()) {
      if (shape.size() + 2 < folded.size() || shape.size() > folded.size() + 2) continue;
      const double cost = two_edit_cost(folded, shape);
      if (cost > 0) {
        auto [it, added] = best.emplace(shape, cost);
        if (!added) it->second = std::min(it->second, cost);
      }
    }
  }
  std::vector<SpellingCandidate> out;
  out.reserve(best.size());
  for (auto& [text, cost] : best) out.push_back({text, cost});
  std::sort(out.begin(), out.end(), [](const SpellingCandidate& a, const SpellingCandidate& b) {
    return a.cost != b.cost ? a.cost < b.cost : a.syllable < b.syllable;
  });
  return out;
}

}  // namespace tracuu
