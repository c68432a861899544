// Analyzer::analyze: clean → word-break → syllables, compounds, abbreviations.
#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <unordered_map>

#include "tables.h"
#include "unicode.h"
#include "vietnamese.h"

namespace tracuu {
namespace {

using internal::append_utf8;

// Longer "words" are URLs, base64 or garbage: no term is made of them.
constexpr int32_t kMaxSyllableUnits = 64;
constexpr std::size_t kMaxCompoundBytes = 120;
constexpr std::size_t kMaxCompoundParts = 12;

// Text prepared for ICU: UTF-16 after entity decoding and the character map
// of characters.tsv, with the original byte offset of every UTF-16 unit.
struct CleanText {
  std::u16string units;
  std::vector<uint32_t> offsets;  // offsets[i] = byte offset of unit i; one extra at the end
  icu::UnicodeString text;        // read-only alias of `units`, for ICU
};

void append_unit_chars(CleanText& out, char32_t c, uint32_t offset) {
  if (c < 0x10000) {
    out.units.push_back(static_cast<char16_t>(c));
    out.offsets.push_back(offset);
  } else {
    out.units.push_back(static_cast<char16_t>(U16_LEAD(c)));
    out.units.push_back(static_cast<char16_t>(U16_TRAIL(c)));
    out.offsets.push_back(offset);
    out.offsets.push_back(offset);
  }
}

// Decodes "&ocirc;", "&#7879;" or "&#x1EC7;" at text[i]; returns the bytes used, 0 if none.
std::size_t decode_entity(std::string_view text, std::size_t i, std::u32string& decoded) {
  std::size_t semi = text.find(';', i + 1);
  if (semi == std::string_view::npos || semi - i > 12 || semi == i + 1) return 0;
  std::string_view name = text.substr(i + 1, semi - i - 1);
  if (name[0] == '#') {
    bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
    std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    char32_t value = 0;
    for (char d : digits) {
      int v = (d >= '0' && d <= '9')                      ? d - '0'
              : hex && (d | 32) >= 'a' && (d | 32) <= 'f' ? (d | 32) - 'a' + 10
                                                          : -1;
      if (v < 0 || value > 0x10FFFF) return 0;
      value = value * (hex ? 16 : 10) + static_cast<char32_t>(v);
    }
    if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
    decoded = std::u32string(1, value);
    return semi - i + 1;
  }
  auto found = internal::html_entities().find(std::string(name));
  if (found == internal::html_entities().end()) return 0;
  decoded = found->second.text;
  return semi - i + 1;
}

// Decodes a "bare" entity written without its semicolon at text[i]
// ("&nbsp11h"), the longest name that matches; returns the bytes used, 0 if none.
std::size_t decode_bare_entity(std::string_view text, std::size_t i, std::u32string& decoded) {
  std::size_t end = i + 1;
  while (end < text.size() && end - i <= 8 && std::isalpha(static_cast<unsigned char>(text[end])))
    ++end;
  for (; end > i + 1; --end) {
    auto found = internal::html_entities().find(std::string(text.substr(i + 1, end - i - 1)));
    if (found != internal::html_entities().end() && found->second.bare) {
      decoded = found->second.text;
      return end - i;
    }
  }
  return 0;
}

CleanText clean(std::string_view input) {
  CleanText out;
  out.units.reserve(input.size());
  out.offsets.reserve(input.size() + 1);
  const auto& char_map = internal::character_map();
  const auto* bytes = reinterpret_cast<const uint8_t*>(input.data());
  const int32_t size = static_cast<int32_t>(input.size());
  int32_t i = 0;
  std::u32string decoded;
  while (i < size) {
    const int32_t start = i;
    if (bytes[i] < 0x80 && bytes[i] != '&') {  // ASCII: nothing to map
      out.units.push_back(bytes[i]);
      out.offsets.push_back(static_cast<uint32_t>(i));
      ++i;
      continue;
    }
    char32_t single;
    const char32_t* chars = &single;
    std::size_t count = 1;
    if (bytes[i] == '&') {
      std::size_t used = decode_entity(input, static_cast<std::size_t>(i), decoded);
      if (used > 0) {
        i += static_cast<int32_t>(used);
        chars = decoded.data();
        count = decoded.size();
      } else {
        single = U'&';
        ++i;
      }
    } else {
      UChar32 c;
      U8_NEXT(bytes, i, size, c);
      single = c < 0 ? U'\uFFFD' : static_cast<char32_t>(c);
    }
    for (std::size_t k = 0; k < count; ++k) {
      auto mapped = chars[k] < 0xA0 ? char_map.end() : char_map.find(chars[k]);
      if (mapped == char_map.end()) {
        append_unit_chars(out, chars[k], static_cast<uint32_t>(start));
      } else {
        for (char32_t r : mapped->second) append_unit_chars(out, r, static_cast<uint32_t>(start));
      }
    }
  }
  out.offsets.push_back(static_cast<uint32_t>(input.size()));
  return out;
}

// One word segment from ICU, possibly split further at inner dots ("TP.HCM").
struct Piece {
  int32_t begin, end;  // UTF-16 units in CleanText::text
  bool number;
};

bool is_connector(UChar c) {
  return c == u'-' || c == u'/' || c == u'.' || c == u'@' || c == u'_' || c == u'&';
}

// Vietnamese numbers: "." groups thousands, "," marks decimals. "1.000.000"
// → "1000000" so that 1.000 and 1000 are one term; "2,4" stays "2,4".
std::string canonical_number(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  std::size_t first = s.find('.');
  bool thousands = true;
  std::size_t pos = first;
  while (pos != std::string::npos) {
    std::size_t next = s.find_first_of(".,", pos + 1);
    std::size_t group = (next == std::string::npos ? s.size() : next) - pos - 1;
    if (group != 3) thousands = false;
    if (next != std::string::npos && s[next] == ',') break;
    pos = next;
  }
  if (!thousands) return s;
  std::string out;
  std::size_t comma = s.find(',');
  for (std::size_t k = 0; k < s.size(); ++k) {
    if (s[k] != '.' || (comma != std::string::npos && k > comma)) out.push_back(s[k]);
  }
  return out;
}

// What a syllable's written form normalizes to. Text repeats a few thousand
// syllables endlessly, so each Analyzer remembers the forms it has computed
// (case folding, tone placement, folding, stopword lookup) by the written
// UTF-16 units, with a leading marker for numbers, which normalize otherwise.
struct SyllableForms {
  std::string exact, folded, variant;
  bool has_marks = false, stopword = false;
};

class SyllableCache {
 public:
  // Bounds memory on endless streams of distinct tokens (numbers, codes).
  static constexpr std::size_t kMaxEntries = 16384;

  const SyllableForms* find(const std::u16string& key) const {
    auto found = forms_.find(key);
    return found == forms_.end() ? nullptr : &found->second;
  }
  const SyllableForms& add(const std::u16string& key, SyllableForms forms) {
    if (forms_.size() >= kMaxEntries) forms_.clear();
    return forms_.emplace(key, std::move(forms)).first->second;
  }

 private:
  // std::hash of a std::u16string key: the table keeps each entry's hash, so
  // a lookup compares hashes, not strings, while it walks a bucket.
  std::unordered_map<std::u16string, SyllableForms> forms_;
};

class Assembler {
 public:
  Assembler(const CleanText& clean, Analysis& out, SyllableCache& cache)
      : clean_(clean), out_(out), cache_(cache) {}

  void word(int32_t begin, int32_t end, bool number) {
    bool joins = !group_.empty() && connector_ >= 0 && connector_ + 1 == begin &&
                 group_.back().end == connector_;
    if (!joins) flush();
    if (!group_.empty()) connectors_.push_back(clean_.units[connector_]);
    connector_ = -1;
    // ICU keeps "TP.HCM" and "thanhuytphcm.vn" as one word: split at inner dots.
    int32_t piece_begin = begin;
    for (int32_t i = begin; i < end && !number; ++i) {
      if (clean_.units[i] != u'.' || i == piece_begin) continue;
      group_.push_back({piece_begin, i, false});
      connectors_.push_back(u'.');
      piece_begin = i + 1;
    }
    if (piece_begin < end) group_.push_back({piece_begin, end, number});
  }

  void other(int32_t begin, int32_t end) {
    UChar c = clean_.units[begin];
    bool single = end - begin == 1;
    if (single && is_connector(c) && !group_.empty() && connector_ < 0 &&
        group_.back().end == begin) {
      connector_ = begin;  // may join the next word: "Covid-19", "26/3"
      return;
    }
    if (single && c == u'%' && !group_.empty() && connector_ < 0 && group_.back().number &&
        group_.back().end == begin) {
      percent_ = true;
      flush();
      return;
    }
    bool blank = true;
    bool newline = false;
    for (int32_t i = begin; i < end; ++i) {
      UChar u = clean_.units[i];
      newline = newline || u == u'\n' || u == u'\r';
      blank = blank && u_isWhitespace(u);
    }
    flush();
    if (!blank || newline) clause_break_ = true;
  }

  void flush() {
    // A connector with nothing after it ("đầu." at a sentence's end,
    // "2020-") is punctuation: the break comes after the group, before the
    // next word.
    const bool dangling = connector_ >= 0;
    connector_ = -1;
    if (group_.empty()) {
      if (dangling) clause_break_ = true;
      return;
    }
    std::size_t first = out_.syllables.size();
    const bool joined = group_.size() > 1 || percent_;
    std::string whole_exact;
    for (std::size_t k = 0; k < group_.size(); ++k) {
      if (joined && k > 0 && k - 1 < connectors_.size())
        whole_exact.push_back(static_cast<char>(connectors_[k - 1]));
      Syllable s = make_syllable(group_[k]);
      if (joined) whole_exact += s.exact;
      if (!s.exact.empty()) out_.syllables.push_back(std::move(s));
    }
    std::size_t count = out_.syllables.size() - first;
    if (percent_) whole_exact.push_back('%');
    if (joined && count > 0 && count <= kMaxCompoundParts &&
        whole_exact.size() <= kMaxCompoundBytes) {
      out_.compounds.push_back({whole_exact, fold_diacritics(whole_exact), first, count});
    }
    group_.clear();
    connectors_.clear();
    percent_ = false;
    if (dangling) clause_break_ = true;
  }

 private:
  Syllable make_syllable(const Piece& piece) {
    Syllable s;
    s.begin = clean_.offsets[static_cast<std::size_t>(piece.begin)];
    s.end = clean_.offsets[static_cast<std::size_t>(piece.end)];
    s.clause_start = clause_break_;
    if (piece.end - piece.begin > kMaxSyllableUnits) return s;  // exact stays empty: skipped
    clause_break_ = false;
    key_.assign(1, piece.number ? u'#' : u'w');
    key_.append(clean_.units, static_cast<std::size_t>(piece.begin),
                static_cast<std::size_t>(piece.end - piece.begin));
    const SyllableForms* forms = cache_.find(key_);
    if (forms == nullptr) forms = &cache_.add(key_, forms_of(piece));
    s.exact = forms->exact;
    s.folded = forms->folded;
    s.variant = forms->variant;
    s.has_marks = forms->has_marks;
    s.stopword = forms->stopword;
    return s;
  }

  SyllableForms forms_of(const Piece& piece) const {
    SyllableForms f;
    std::u32string chars;
    for (int32_t i = piece.begin; i < piece.end;) {
      UChar32 c;
      U16_NEXT(clean_.units.data(), i, piece.end, c);
      chars.push_back(static_cast<char32_t>(c));
    }
    std::u32string lower = internal::fold_case_nfc(chars);
    if (piece.number) {
      f.exact = canonical_number(internal::u32_to_utf8(lower));
      f.folded = f.exact;
      return f;
    }
    std::u32string& canonical = lower;
    internal::canonicalize_tone(canonical);
    f.exact = internal::u32_to_utf8(canonical);
    f.folded = internal::fold_lower(canonical);
    f.has_marks = f.exact != f.folded;
    if (f.has_marks) f.variant = internal::iy_variant(canonical);
    f.stopword = internal::is_stopword_exact(f.exact);
    return f;
  }

  const CleanText& clean_;
  Analysis& out_;
  SyllableCache& cache_;
  std::u16string key_;  // reused: the cache key of the syllable being made
  std::vector<Piece> group_;
  std::vector<UChar> connectors_;
  bool percent_ = false;  // "78,3%": the group ends in a percent sign
  int32_t connector_ = -1;
  bool clause_break_ = true;
};

// Finds abbreviations and their expansions (abbreviations.tsv) in the
// folded syllable sequence, longest match first.
void find_abbreviations(Analysis& a) {
  const internal::AbbreviationTable& table = internal::abbreviations();
  const auto& syl = a.syllables;
  std::size_t covered_to = 0;  // the end of the last match a reader sees
  for (std::size_t i = 0; i < syl.size(); ++i) {
    if (!table.first_syllables.may_contain(syl[i].folded)) continue;
    auto candidates = table.by_first_syllable.find(syl[i].folded);
    if (candidates == table.by_first_syllable.end()) continue;
    for (const auto& form : candidates->second) {
      if (i + form.folded.size() > syl.size()) continue;
      bool match = true;
      for (std::size_t k = 1; k < form.folded.size() && match; ++k) {
        match = syl[i + k].folded == form.folded[k];
      }
      if (!match) continue;
      const AbbreviationMatch m{form.key, i, form.folded.size()};
      if (i >= covered_to) {
        a.abbreviations.push_back(m);
        covered_to = i + m.count;
      } else {
        a.nested_abbreviations.push_back(m);
      }
      break;
    }
  }
}

}  // namespace

struct Analyzer::Impl {
  std::unique_ptr<icu::BreakIterator> words;
  SyllableCache syllables;
};

Analyzer::Analyzer() : impl_(std::make_unique<Impl>()) {
  UErrorCode status = U_ZERO_ERROR;
  impl_->words.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  if (U_FAILURE(status) || !impl_->words) throw std::runtime_error("ICU word breaker unavailable");
}
Analyzer::~Analyzer() = default;
Analyzer::Analyzer(Analyzer&&) noexcept = default;
Analyzer& Analyzer::operator=(Analyzer&&) noexcept = default;

Analysis Analyzer::analyze(std::string_view utf8_text) {
  Analysis out;
  if (utf8_text.empty()) return out;
  CleanText text = clean(utf8_text);
  // Aliased only now that `text` stays put: a moved short u16string would move its buffer.
  text.text = icu::UnicodeString(false, text.units.data(), static_cast<int32_t>(text.units.size()));
  icu::BreakIterator& words = *impl_->words;
  words.setText(text.text);
  out.syllables.reserve(utf8_text.size() / 5);
  Assembler assembler(text, out, impl_->syllables);
  int32_t begin = words.first();
  for (int32_t end = words.next(); end != icu::BreakIterator::DONE;
       begin = end, end = words.next()) {
    int32_t status = words.getRuleStatus();
    if (status >= UBRK_WORD_NONE_LIMIT) {
      bool number = status >= UBRK_WORD_NUMBER && status < UBRK_WORD_NUMBER_LIMIT;
      assembler.word(begin, end, number);
    } else {
      assembler.other(begin, end);
    }
  }
  assembler.flush();
  words.setText(icu::UnicodeString());  // drop the reference to `text`
  find_abbreviations(out);
  return out;
}

std::string canonical_syllable(std::string_view word) {
  return internal::u32_to_utf8(
      internal::canonical_tone(internal::fold_case_nfc(internal::utf8_to_u32(word))));
}

std::string fold_diacritics(std::string_view text) {
  return internal::fold_lower(internal::fold_case_nfc(internal::utf8_to_u32(text)));
}

FoldedText fold_with_offsets(std::string_view text) {
  FoldedText out;
  out.folded.reserve(text.size());
  out.source.reserve(text.size() + 1);
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t size = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < size;) {
    const auto at = static_cast<std::uint32_t>(i);
    UChar32 c;
    U8_NEXT(s, i, size, c);
    if (c >= 0 && c < 0x80) {
      out.folded.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
      out.source.push_back(at);
      continue;
    }
    if (c >= 0x0300 && c < 0x0370) continue;  // a combining mark: part of the letter before
    char32_t letter = c < 0 ? U'\uFFFD' : internal::letter_info(static_cast<char32_t>(c)).lower;
    char32_t ascii = internal::letter_info(letter).ascii;
    const std::size_t before = out.folded.size();
    internal::append_utf8(out.folded, ascii != 0 ? ascii : letter);
    out.source.insert(out.source.end(), out.folded.size() - before, at);
  }
  out.source.push_back(static_cast<std::uint32_t>(size));
  return out;
}

std::string decode_html_entities(std::string_view text) {
  if (text.find('&') == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::u32string decoded;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t used = 0;
    if (text[i] == '&') {
      used = decode_entity(text, i, decoded);
      if (used == 0) used = decode_bare_entity(text, i, decoded);
    }
    if (used == 0) {
      out.push_back(text[i++]);
      continue;
    }
    for (char32_t c : decoded) internal::append_utf8(out, c);
    i += used;
  }
  return out;
}

std::string normalize_text(std::string_view text) {
  std::u32string lower = internal::fold_case_nfc(internal::utf8_to_u32(text));
  std::u32string out;
  std::size_t i = 0;
  while (i < lower.size()) {
    std::size_t j = i;
    while (j < lower.size() && internal::letter_info(lower[j]).ascii != 0) ++j;
    if (j > i) {
      out += internal::canonical_tone(std::u32string_view(lower).substr(i, j - i));
      i = j;
    } else {
      out.push_back(lower[i++]);
    }
  }
  return internal::u32_to_utf8(out);
}

bool is_stopword(std::string_view exact_syllable) {
  return internal::stopwords().count(canonical_syllable(exact_syllable)) > 0;
}

std::vector<bool> question_words(const std::vector<Syllable>& syl, bool typed_with_marks) {
  std::vector<bool> marked(syl.size(), false);
  for (std::size_t i = 0; i < syl.size(); ++i) {
    for (const std::vector<std::string>& phrase : internal::question_phrases()) {
      if (!typed_with_marks && phrase.size() < 2) continue;
      if (i + phrase.size() > syl.size()) continue;
      bool same = true;
      for (std::size_t k = 0; k < phrase.size() && same; ++k)
        same = typed_with_marks ? syl[i + k].exact == phrase[k]
                                : syl[i + k].folded == fold_diacritics(phrase[k]);
      if (!same) continue;
      for (std::size_t k = 0; k < phrase.size(); ++k) marked[i + k] = true;
      break;
    }
  }
  return marked;
}

bool may_be_stopword(std::string_view folded_syllable) {
  static const std::unordered_set<std::string> folded = [] {
    std::unordered_set<std::string> out;
    for (const std::string& w : internal::stopwords()) out.insert(fold_diacritics(w));
    return out;
  }();
  return folded.count(std::string(folded_syllable)) > 0;
}

std::vector<std::string> abbreviation_expansion(std::string_view key) {
  const auto& expansions = internal::abbreviations().expansions;
  auto found = expansions.find(std::string(key));
  return found == expansions.end() ? std::vector<std::string>{} : found->second;
}

std::vector<std::string> abbreviation_forms(std::string_view key) {
  const auto& written = internal::abbreviations().written;
  auto found = written.find(std::string(key));
  return found == written.end() ? std::vector<std::string>{} : found->second;
}

bool has_letter(std::string_view folded) {
  for (char c : folded) {
    if (std::isalpha(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80)
      return true;
  }
  return false;
}

bool forms_pair(const Syllable& first, const Syllable& second) {
  return !first.stopword && !second.stopword && has_letter(first.folded) &&
         has_letter(second.folded);
}

bool forms_bigram(const Syllable& first, const Syllable& second) {
  return !second.clause_start && forms_pair(first, second);
}

std::string trim_spaces(std::string_view s) {
  auto space_at_end = [&](bool front) -> std::size_t {
    if (s.empty()) return 0;
    char c = front ? s.front() : s.back();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return 1;
    if (s.size() >= 2 && (front ? s.substr(0, 2) : s.substr(s.size() - 2)) == "\xC2\xA0") return 2;
    return 0;
  };
  while (std::size_t n = space_at_end(true)) s.remove_prefix(n);
  while (std::size_t n = space_at_end(false)) s.remove_suffix(n);
  return std::string(s);
}

bool is_valid_utf8(std::string_view bytes) {
  const auto* s = reinterpret_cast<const uint8_t*>(bytes.data());
  const int32_t size = static_cast<int32_t>(bytes.size());
  int32_t i = 0;
  while (i < size) {
    UChar32 c;
    U8_NEXT(s, i, size, c);
    if (c < 0) return false;
  }
  return true;
}

std::string replace_invalid_utf8(std::string_view bytes, char32_t replacement,
                                 std::size_t* replaced) {
  const auto* s = reinterpret_cast<const uint8_t*>(bytes.data());
  const int32_t size = static_cast<int32_t>(bytes.size());
  std::string out;
  out.reserve(bytes.size() + 8);
  std::size_t count = 0;
  int32_t i = 0;
  while (i < size) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, size, c);
    if (c >= 0) {
      out.append(bytes.data() + start, static_cast<std::size_t>(i - start));
    } else {
      internal::append_utf8(out, replacement);
      ++count;
    }
  }
  if (replaced) *replaced = count;
  return out;
}

}  // namespace tracuu
