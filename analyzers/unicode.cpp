#include "unicode.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <array>
#include <stdexcept>
#include <unordered_map>

#include "tables.h"

namespace tracuu::internal {
namespace {

// The combining marks of the five written tones, indexed by Tone.
constexpr std::array<char32_t, 6> kToneMarks = {0, 0x0300, 0x0301, 0x0309, 0x0303, 0x0323};

Tone tone_of_mark(char32_t mark) {
  for (std::size_t t = 1; t < kToneMarks.size(); ++t) {
    if (kToneMarks[t] == mark) return static_cast<Tone>(t);
  }
  return kLevel;
}

const icu::Normalizer2& nfc() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU NFC normalizer unavailable");
  return *n;
}

const icu::Normalizer2& nfd() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU NFD normalizer unavailable");
  return *n;
}

// Simple case folding, and whether it equals full folding for this letter
// (ß folds to "ss": not simple) and the letter is unchanged by NFC.
std::pair<char32_t, bool> fold_one(char32_t c) {
  char32_t lower = static_cast<char32_t>(u_foldCase(static_cast<UChar32>(c), U_FOLD_CASE_DEFAULT));
  icu::UnicodeString full;
  full.append(static_cast<UChar32>(c));
  full.foldCase();
  UErrorCode status = U_ZERO_ERROR;
  bool nfc_stable = nfc().isNormalized(icu::UnicodeString(static_cast<UChar32>(c)), status) &&
                    !(c >= 0x0300 && c < 0x0370) &&
                    u_getCombiningClass(static_cast<UChar32>(c)) == 0;
  bool simple =
      full.countChar32() == 1 && static_cast<char32_t>(full.char32At(0)) == lower && nfc_stable;
  return {lower, simple};
}

LetterInfo compute_letter_info(char32_t c) {
  auto [lower, simple] = fold_one(c);
  if (c == U'đ' || c == U'Đ') return {c, kLevel, c == U'đ' ? U'd' : U'D', lower, simple};
  icu::UnicodeString decomposed;
  if (!nfd().getDecomposition(static_cast<UChar32>(c), decomposed)) {
    char32_t ascii = (c < 0x80 && u_isalpha(c)) ? c : 0;
    return {c, kLevel, ascii, lower, simple};
  }
  // decomposed = base + marks; drop the tone mark to get the toneless letter.
  icu::UnicodeString toneless;
  Tone tone = kLevel;
  int tone_marks = 0;
  char32_t base = decomposed.char32At(0);
  for (int32_t i = 0; i < decomposed.length(); i = decomposed.moveIndex32(i, 1)) {
    char32_t part = decomposed.char32At(i);
    Tone t = i == 0 ? kLevel : tone_of_mark(part);
    if (t != kLevel) {
      tone = t;
      ++tone_marks;
    } else {
      toneless.append(static_cast<UChar32>(part));
    }
  }
  // Two tone-like marks (ṍ = o + tilde + acute) is not a Vietnamese letter.
  if (tone_marks > 1) {
    char32_t ascii = (base < 0x80 && u_isalpha(base)) ? base : 0;
    return {c, kLevel, ascii, lower, simple};
  }
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString composed = nfc().normalize(toneless, status);
  char32_t ascii = (base < 0x80 && u_isalpha(base)) ? base : 0;
  return {static_cast<char32_t>(composed.char32At(0)), tone, ascii, lower, simple};
}

struct LetterTable {
  static constexpr char32_t kLow = 0x2000;
  static constexpr char32_t kExtBegin = 0x1E00, kExtEnd = 0x1F00;
  std::array<LetterInfo, kLow> low;
  std::array<LetterInfo, kExtEnd - kExtBegin> ext;
  std::unordered_map<char32_t, std::array<char32_t, 6>> toned;  // toneless → letter per tone
  LetterTable() {
    for (char32_t c = 0; c < kLow; ++c) low[c] = compute_letter_info(c);
    for (char32_t c = kExtBegin; c < kExtEnd; ++c) ext[c - kExtBegin] = compute_letter_info(c);
    auto remember = [&](char32_t c, const LetterInfo& info) {
      if (info.tone == kLevel) return;
      auto [it, fresh] = toned.try_emplace(info.toneless);
      if (fresh) it->second.fill(0);
      it->second[info.tone] = c;
    };
    for (char32_t c = 0; c < kLow; ++c) remember(c, low[c]);
    for (char32_t c = kExtBegin; c < kExtEnd; ++c) remember(c, ext[c - kExtBegin]);
  }
};

const LetterTable& letter_table() {
  static const LetterTable table;
  return table;
}

}  // namespace

LetterInfo letter_info(char32_t c) {
  const LetterTable& t = letter_table();
  if (c < LetterTable::kLow) return t.low[c];
  if (c >= LetterTable::kExtBegin && c < LetterTable::kExtEnd) return t.ext[c - t.kExtBegin];
  return {c, kLevel, 0, c, false};
}

char32_t with_tone(char32_t toneless, Tone tone) {
  if (tone == kLevel) return toneless;
  const auto& toned = letter_table().toned;
  if (auto found = toned.find(toneless); found != toned.end() && found->second[tone] != 0)
    return found->second[tone];
  // NFC, not composePair: ệ is (ẹ + circumflex) canonically, so ê + dot below
  // only composes after canonical reordering.
  icu::UnicodeString text;
  text.append(static_cast<UChar32>(toneless)).append(static_cast<UChar32>(kToneMarks[tone]));
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString composed = nfc().normalize(text, status);
  if (U_FAILURE(status) || composed.countChar32() != 1) return toneless;
  return static_cast<char32_t>(composed.char32At(0));
}

bool is_vowel(char32_t c) {
  switch (c) {
    case U'a':
    case U'ă':
    case U'â':
    case U'e':
    case U'ê':
    case U'i':
    case U'o':
    case U'ô':
    case U'ơ':
    case U'u':
    case U'ư':
    case U'y':
      return true;
    default:
      return false;
  }
}

std::uint64_t nucleus_key(std::u32string_view vowels) {
  std::uint64_t key = vowels.size();
  for (char32_t c : vowels) key = (key << 21) | c;
  return vowels.size() <= 3 ? key : 0;
}

std::u32string utf8_to_u32(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    UChar32 c;
    int32_t pos = static_cast<int32_t>(i);
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), pos, static_cast<int32_t>(s.size()), c);
    out.push_back(c < 0 ? U'\uFFFD' : static_cast<char32_t>(c));
    i = static_cast<std::size_t>(pos);
  }
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string u32_to_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (char32_t c : text) append_utf8(out, c);
  return out;
}

std::u32string fold_case_nfc(std::u32string_view text) {
  std::u32string out(text);
  bool simple = true;
  for (char32_t& c : out) {
    if (c < 0x80) {
      if (c >= U'A' && c <= U'Z') c += 32;
      continue;
    }
    LetterInfo info = letter_info(c);
    simple = simple && info.simple;
    c = info.lower;
  }
  if (simple) return out;
  icu::UnicodeString u;
  for (char32_t c : text) u.append(static_cast<UChar32>(c));
  u.foldCase();
  UErrorCode status = U_ZERO_ERROR;
  if (!nfc().isNormalized(u, status)) {
    status = U_ZERO_ERROR;
    u = nfc().normalize(u, status);
  }
  out.clear();
  for (int32_t i = 0; i < u.length(); i = u.moveIndex32(i, 1)) out.push_back(u.char32At(i));
  return out;
}

namespace {

// Splits a syllable into onset, nucleus and final per orthography.tsv.
struct SyllableParts {
  std::size_t nucleus_begin = 0, nucleus_end = 0;
  bool ok = false;
};

SyllableParts parse_syllable(std::u32string_view toneless) {
  const Orthography& o = orthography();
  SyllableParts parts;
  // The onset is the run of consonants, except that "gi" and "qu" take their
  // vowel when another vowel follows (già = gi + à, quý = qu + ý, but gì = g + ì).
  std::size_t onset = 0;
  while (onset < toneless.size() && !is_vowel(toneless[onset])) ++onset;
  if (onset == 1 && toneless.size() > 2 && is_vowel(toneless[2]) &&
      ((toneless[0] == U'g' && toneless[1] == U'i') ||
       (toneless[0] == U'q' && toneless[1] == U'u'))) {
    onset = 2;
  }
  if (onset > 0 && !o.onsets.count(nucleus_key(toneless.substr(0, onset)))) return parts;
  std::size_t n = onset;
  while (n < toneless.size() && is_vowel(toneless[n])) ++n;
  if (n == onset) return parts;
  if (n < toneless.size() && !o.finals.count(nucleus_key(toneless.substr(n)))) return parts;
  parts.nucleus_begin = onset;
  parts.nucleus_end = n;
  parts.ok = true;
  return parts;
}

}  // namespace

void canonicalize_tone(std::u32string& syllable) {
  if (syllable.empty() || syllable.size() > 8) return;
  char32_t toneless[8];
  Tone tone = kLevel;
  int marked = 0;
  for (std::size_t i = 0; i < syllable.size(); ++i) {
    LetterInfo info = letter_info(syllable[i]);
    if (info.ascii == 0) return;  // not a Latin letter: leave the word alone
    if (info.tone != kLevel) {
      tone = info.tone;
      ++marked;
    }
    toneless[i] = info.toneless;
  }
  if (marked != 1) return;  // no tone to place, or not one syllable's worth
  std::u32string_view bare(toneless, syllable.size());
  SyllableParts parts = parse_syllable(bare);
  if (!parts.ok) return;
  auto rule = orthography().nuclei.find(
      nucleus_key(bare.substr(parts.nucleus_begin, parts.nucleus_end - parts.nucleus_begin)));
  if (rule == orthography().nuclei.end()) return;
  bool closed = parts.nucleus_end < bare.size();
  int place = closed ? rule->second.closed : rule->second.open;
  if (place == 0) return;
  std::size_t at = parts.nucleus_begin + static_cast<std::size_t>(place - 1);
  syllable.assign(bare);
  syllable[at] = with_tone(syllable[at], tone);
}

bool is_vietnamese_syllable(std::u32string_view lower) {
  if (lower.empty() || lower.size() > 8) return false;
  char32_t toneless[8];
  int marked = 0;
  for (std::size_t i = 0; i < lower.size(); ++i) {
    LetterInfo info = letter_info(lower[i]);
    if (info.ascii == 0) return false;
    if (info.tone != kLevel) ++marked;
    toneless[i] = info.toneless;
  }
  if (marked > 1) return false;
  std::u32string_view bare(toneless, lower.size());
  SyllableParts parts = parse_syllable(bare);
  return parts.ok && orthography().nuclei.count(nucleus_key(bare.substr(
                         parts.nucleus_begin, parts.nucleus_end - parts.nucleus_begin))) > 0;
}

std::u32string canonical_tone(std::u32string_view syllable) {
  std::u32string out(syllable);
  canonicalize_tone(out);
  return out;
}

std::string fold_lower(std::u32string_view lower) {
  std::string out;
  out.reserve(lower.size());
  for (char32_t c : lower) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      continue;
    }
    LetterInfo info = letter_info(c);
    append_utf8(out, info.ascii != 0 ? info.ascii : c);
  }
  return out;
}

std::string iy_variant(std::u32string_view canonical) {
  if (canonical.size() < 2) return {};
  char32_t last = canonical.back();
  LetterInfo info = letter_info(last);
  if (info.tone == kLevel || (info.toneless != U'i' && info.toneless != U'y')) return {};
  std::u32string onset(canonical.substr(0, canonical.size() - 1));
  if (!orthography().iy_onsets.count(onset)) return {};
  onset.push_back(with_tone(U'i', info.tone));
  return u32_to_utf8(onset);
}

}  // namespace tracuu::internal
