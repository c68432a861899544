// read_vietnamese_text: UTF-8 as is; otherwise TCVN3, VNI-Windows or
// Windows-1258, whichever reads most like Vietnamese, if it reads clearly
// better than UTF-8 with its bad bytes replaced.
//
// Old archives (before TCVN 6909:2001 made Unicode the rule) are full of
// 8-bit text. Each candidate decoding is scored by the share of its words
// with non-ASCII letters that parse as Vietnamese syllables: the right
// encoding gives "Việt", the wrong ones give "Vieät" or "Viªt". A UTF-8
// export with a few damaged bytes is scored the same way: its words still
// read as Vietnamese, so it stays UTF-8 rather than being re-read as VNI,
// which also makes syllables of the pieces ("Tiếng" → "Tiáº¿ng": "tiá").
#include <unicode/normalizer2.h>
#include <unicode/ucnv.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <memory>

#include "data_tables.h"
#include "tables.h"
#include "unicode.h"
#include "vietnamese.h"

namespace tracuu {
namespace {

// A decoding of at most two bytes per letter, from legacy-*.tsv.
struct ByteTable {
  std::array<std::u32string, 256> single;  // one byte → letter
  std::array<std::array<std::u32string, 256>, 256>* pairs = nullptr;
  std::unique_ptr<std::array<std::array<std::u32string, 256>, 256>> pair_storage;
};

// Both encodings ran on Windows code page 1252 systems: bytes they leave
// unassigned (smart quotes, dashes) are read as cp1252.
std::u32string cp1252(unsigned char b) {
  char byte = static_cast<char>(b);
  icu::UnicodeString u(&byte, 1, "windows-1252");
  return u.length() == 1 && u.charAt(0) != 0xFFFD && u.charAt(0) != 0x1A
             ? std::u32string(1, u.charAt(0))
             : std::u32string();
}

ByteTable load_table(std::string_view file) {
  ByteTable t;
  for (int b = 0; b < 0x80; ++b)
    t.single[static_cast<std::size_t>(b)] = std::u32string(1, static_cast<char32_t>(b));
  for (int b = 0x80; b < 0x100; ++b)
    t.single[static_cast<std::size_t>(b)] = cp1252(static_cast<unsigned char>(b));
  internal::for_each_row(
      embedded::analyzer_table(file), [&](const std::vector<std::string_view>& cols) {
        if (cols.size() < 2) return;
        std::vector<std::size_t> bytes;
        std::string_view hex = cols[0];
        while (!hex.empty()) {
          std::size_t space = hex.find(' ');
          bytes.push_back(std::stoul(std::string(hex.substr(0, space)), nullptr, 16) & 0xFF);
          hex = space == std::string_view::npos ? std::string_view{} : hex.substr(space + 1);
        }
        std::u32string letter = internal::utf8_to_u32(cols[1]);
        if (bytes.size() == 1) {
          t.single[bytes[0]] = letter;
        } else if (bytes.size() == 2) {
          if (!t.pair_storage) {
            t.pair_storage = std::make_unique<std::array<std::array<std::u32string, 256>, 256>>();
            t.pairs = t.pair_storage.get();
          }
          (*t.pairs)[bytes[0]][bytes[1]] = letter;
        }
      });
  return t;
}

const ByteTable& tcvn3() {
  static const ByteTable t = load_table("legacy-tcvn3.tsv");
  return t;
}
const ByteTable& vni() {
  static const ByteTable t = load_table("legacy-vni.tsv");
  return t;
}

// Longest match first; a byte with no mapping becomes U+FFFD.
std::string decode_with(const ByteTable& t, std::string_view bytes) {
  std::u32string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    if (t.pairs && i + 1 < bytes.size()) {
      const std::u32string& pair = (*t.pairs)[b][static_cast<unsigned char>(bytes[i + 1])];
      if (!pair.empty()) {
        out += pair;
        ++i;
        continue;
      }
    }
    out += t.single[b].empty() ? std::u32string(1, U'\uFFFD') : t.single[b];
  }
  return internal::u32_to_utf8(out);
}

// Windows-1258 writes tones as combining marks: ICU's converter, then NFC.
std::string decode_windows1258(std::string_view bytes) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString text(bytes.data(), static_cast<int32_t>(bytes.size()), "windows-1258");
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) return {};
  icu::UnicodeString composed = nfc->normalize(text, status);
  std::string out;
  composed.toUTF8String(out);
  return out;
}

struct Score {
  std::size_t words = 0;       // words with a non-ASCII letter
  std::size_t vietnamese = 0;  // ... that parse as a Vietnamese syllable
  std::size_t invalid = 0;     // U+FFFD and control characters
  double share() const {
    return words ? static_cast<double>(vietnamese) / static_cast<double>(words) : 0;
  }
};

Score score(std::string_view utf8) {
  Score s;
  std::u32string text = internal::fold_case_nfc(internal::utf8_to_u32(utf8));
  std::u32string word;
  bool non_ascii = false;
  auto end_word = [&] {
    if (!word.empty() && non_ascii) {
      ++s.words;
      if (internal::is_vietnamese_syllable(word)) ++s.vietnamese;
    }
    word.clear();
    non_ascii = false;
  };
  for (char32_t c : text) {
    if (c == U'\uFFFD' || (c < 0x20 && c != U'\n' && c != U'\r' && c != U'\t')) ++s.invalid;
    if (internal::letter_info(c).ascii != 0) {
      word.push_back(c);
      non_ascii = non_ascii || c >= 0x80;
    } else {
      end_word();
    }
  }
  end_word();
  return s;
}

// The decoding must read as Vietnamese: most accented words are syllables,
// and there are enough of them to tell.
constexpr double kMinShare = 0.8;
constexpr std::size_t kMinWords = 2;
// A legacy reading must find at least this many times as many Vietnamese
// syllables as the UTF-8 reading to be believed over it. Real legacy text
// read as UTF-8 has almost none (its letters are invalid sequences); UTF-8
// with a stray byte read as legacy has about as many as read as UTF-8.
constexpr std::size_t kClearlyBetter = 2;

bool reads_as_vietnamese(const Score& s) {
  return s.invalid == 0 && s.words >= kMinWords && s.share() >= kMinShare;
}

bool clearly_better(const Score& legacy, const Score& utf8) {
  return legacy.vietnamese >= kClearlyBetter * utf8.vietnamese &&
         legacy.vietnamese > utf8.vietnamese;
}

}  // namespace

DecodedText read_vietnamese_text(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return DecodedText{std::string(bytes), "utf-8", 0};
  DecodedText best{{}, "utf-8", 0};
  best.utf8 = replace_invalid_utf8(bytes, U'\uFFFD', &best.invalid_sequences);
  const Score utf8 = score(best.utf8);
  double best_share = 0;
  const std::pair<const char*, std::string> candidates[] = {
      {"tcvn3", decode_with(tcvn3(), bytes)},
      {"vni", decode_with(vni(), bytes)},
      {"windows-1258", decode_windows1258(bytes)},
  };
  for (const auto& [name, text] : candidates) {
    Score s = score(text);
    if (!reads_as_vietnamese(s) || !clearly_better(s, utf8)) continue;
    if (best.encoding == "utf-8" || s.share() > best_share) {
      best = DecodedText{text, name, 0};
      best_share = s.share();
    }
  }
  return best;
}

std::optional<DecodedText> decode_vietnamese_text(std::string_view bytes) {
  DecodedText text = read_vietnamese_text(bytes);
  if (text.invalid_sequences > 0) return std::nullopt;
  return text;
}

}  // namespace tracuu
