// Internal to analyzers/: code-point level helpers for Vietnamese letters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tracuu::internal {

// Vietnamese tones, in the order of their combining marks below.
enum Tone : std::uint8_t { kLevel = 0, kGrave, kAcute, kHook, kTilde, kDot };

struct LetterInfo {
  char32_t toneless;  // the letter without its tone mark, shape marks kept: ệ → ê
  Tone tone;          // ệ → kDot
  char32_t ascii;     // all marks removed, đ → d: ệ → e; 0 if not a Latin letter
  char32_t lower;     // ICU simple case folding: Ệ → ệ
  bool simple;        // lower is the full case folding and the letter is NFC-stable
};

// Facts about one (lower- or upper-case, precomposed) code point, from ICU's
// decomposition data; computed once per code point below U+2000 and for the
// Latin Extended Additional block (where Vietnamese letters live).
LetterInfo letter_info(char32_t c);

// The precomposed letter for `toneless` with `tone` (ê + kDot → ệ).
char32_t with_tone(char32_t toneless, Tone tone);

bool is_vowel(char32_t toneless_lower);

std::u32string utf8_to_u32(std::string_view utf8);  // invalid bytes → U+FFFD
void append_utf8(std::string& out, char32_t c);
std::string u32_to_utf8(std::u32string_view text);

// Lower-case + NFC with ICU (full Unicode case folding: "ĐẢNG" → "đảng").
// Letters whose folding is a single code point take a table fast path.
std::u32string fold_case_nfc(std::u32string_view text);

// A short sequence of vowels as one integer key (for the nucleus table).
std::uint64_t nucleus_key(std::u32string_view vowels);

// Canonical tone placement of one lower-case NFC syllable (see
// tone-placement.tsv); returns it unchanged if it is not a Vietnamese syllable.
std::u32string canonical_tone(std::u32string_view syllable);
void canonicalize_tone(std::u32string& syllable);  // the same, in place

// True when a lower-case NFC word parses as one Vietnamese syllable (onset,
// nucleus, final per orthography.tsv; at most one tone mark).
bool is_vietnamese_syllable(std::u32string_view lower);

// All diacritics removed and đ → d, from a lower-case NFC string.
std::string fold_lower(std::u32string_view lower);

// The i/y variant key of a canonical syllable ("kỹ" → "kĩ"), or "".
std::string iy_variant(std::u32string_view canonical);

}  // namespace tracuu::internal
