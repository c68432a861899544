// decode_keystrokes: a word typed in Telex or VNI with the input method
// switched off, read back as the Vietnamese syllable it spells. The keys are
// in data/keystrokes.tsv.
#include <unicode/uchar.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>

#include "data_tables.h"
#include "tables.h"
#include "unicode.h"
#include "vietnamese.h"

namespace tracuu {
namespace {

struct KeyEffect {
  char32_t tone = 0;                                               // a combining tone mark, or 0
  std::vector<std::pair<std::u32string, std::u32string>> changes;  // base → result
};

using KeyMap = std::map<char, KeyEffect>;

char32_t tone_mark(std::string_view name) {
  static const std::map<std::string_view, char32_t> marks = {
      {"sắc", 0x0301}, {"huyền", 0x0300}, {"hỏi", 0x0309}, {"ngã", 0x0303}, {"nặng", 0x0323}};
  auto it = marks.find(name);
  if (it == marks.end())
    throw std::logic_error("keystrokes.tsv: unknown tone " + std::string(name));
  return it->second;
}

const std::map<std::string, KeyMap>& methods() {
  static const std::map<std::string, KeyMap> m = [] {
    std::map<std::string, KeyMap> out;
    std::string_view text = embedded::analyzer_table("keystrokes.tsv");
    internal::for_each_row(text, [&](const std::vector<std::string_view>& cols) {
      if (cols.size() < 3 || cols[1].size() != 1) return;
      KeyEffect& effect = out[std::string(cols[0])][cols[1][0]];
      std::string_view e = cols[2];
      if (e.rfind("tone ", 0) == 0) {
        effect.tone = tone_mark(e.substr(5));
        return;
      }
      while (!e.empty()) {
        auto space = e.find(' ');
        std::string_view change = e.substr(0, space);
        auto arrow = change.find('>');
        if (arrow != std::string_view::npos)
          effect.changes.emplace_back(internal::utf8_to_u32(change.substr(0, arrow)),
                                      internal::utf8_to_u32(change.substr(arrow + 1)));
        e = space == std::string_view::npos ? std::string_view() : e.substr(space + 1);
      }
    });
    return out;
  }();
  return m;
}

bool is_vowel(char32_t c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y' || c > 0x7f;
}

// Applies the letter changes of `effect` to the nearest earlier base in `out`.
bool change_letters(std::u32string& out, const KeyEffect& effect, bool adjacent_only) {
  for (std::size_t end = out.size(); end > 0; --end) {
    for (const auto& [base, result] : effect.changes) {
      if (base.size() > end) continue;
      if (out.compare(end - base.size(), base.size(), base) == 0) {
        out.replace(end - base.size(), base.size(), result);
        return true;
      }
    }
    if (adjacent_only) return false;
  }
  return false;
}

std::optional<std::u32string> decode_with(const KeyMap& keys, bool telex, std::string_view lower) {
  std::u32string out;
  char32_t tone = 0;
  bool used = false;
  for (char c : lower) {
    auto key = keys.find(c);
    bool vowel_seen = std::any_of(out.begin(), out.end(), is_vowel);
    if (key != keys.end()) {
      const KeyEffect& effect = key->second;
      if (effect.tone && vowel_seen && !tone) {
        tone = effect.tone;
        used = true;
        continue;
      }
      // Telex's doubled letters act only right after the same letter.
      bool doubled = telex && c != 'w';
      if (!effect.changes.empty() && change_letters(out, effect, doubled)) {
        used = true;
        continue;
      }
      if (!telex) return std::nullopt;  // a VNI digit with nothing to act on
    }
    out.push_back(static_cast<unsigned char>(c));
  }
  if (!used) return std::nullopt;
  if (tone) {
    std::size_t last_vowel = out.size();
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (is_vowel(out[i])) last_vowel = i;
    }
    if (last_vowel == out.size()) return std::nullopt;
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(last_vowel) + 1, tone);
  }
  // Compose, put the tone where the spelling rules place it, and check that
  // the result is a Vietnamese syllable at all.
  std::u32string syllable = internal::canonical_tone(internal::fold_case_nfc(out));
  if (!internal::is_vietnamese_syllable(syllable)) return std::nullopt;
  return syllable;
}

}  // namespace

std::optional<std::string> decode_keystrokes(std::string_view word) {
  if (word.empty() || word.size() > 16) return std::nullopt;
  std::string lower;
  bool has_letter = false;
  for (char c : word) {
    auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u)) return std::nullopt;
    has_letter |= std::isalpha(u) != 0;
    lower.push_back(static_cast<char>(std::tolower(u)));
  }
  if (!has_letter) return std::nullopt;
  // Already a syllable as typed ("an", "ba"): nothing to read back.
  if (internal::is_vietnamese_syllable(internal::utf8_to_u32(lower))) return std::nullopt;
  for (const auto& [name, keys] : methods()) {
    if (auto s = decode_with(keys, name == "telex", lower)) {
      if (std::isupper(static_cast<unsigned char>(word[0])) && !s->empty())
        (*s)[0] = static_cast<char32_t>(u_toupper(static_cast<UChar32>((*s)[0])));
      return internal::u32_to_utf8(*s);
    }
  }
  return std::nullopt;
}

}  // namespace tracuu
