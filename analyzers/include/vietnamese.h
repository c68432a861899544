// The Vietnamese analyzer: text in, terms out. The same code reads articles
// at index time and queries at search time, so both always agree.
//
// Text flows: bytes → decode_vietnamese_text (UTF-8, or a legacy encoding
// converted) → Analyzer::analyze (clean, word-break, normalize each
// syllable) → Analysis (syllables with their exact/folded/variant forms and
// byte offsets into the original) → index_field (index/schema.h: Xapian
// terms). The analyzer itself knows nothing of Xapian.
//
// Every rule is described with examples in docs/analyzer.md; the Vietnamese
// knowledge itself (tone placement, abbreviations, stopwords, ...) lives in
// the data tables in analyzers/data/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracuu {

// Bump whenever a change makes the analyzer emit different terms for the same
// text: tracuu-index refuses to add to an index stamped with another version.
// 3: bigram terms within a field's first 100 syllables; abbreviation keys
// also for expansions written inside a longer one. 4: a document's own
// number (own_document_number) gets a term of its own.
inline constexpr int kAnalyzerVersion = 4;
// The first version whose indexes carry an abbreviation's key wherever one of
// its forms is written, nested forms included (the query side relies on it).
inline constexpr int kFirstVersionWithNestedKeys = 3;

// One syllable (or one number, or one piece of a code) of the text.
struct Syllable {
  std::string exact;      // case-folded, NFC, canonical tone placement: "hòa" for "Hoà"
  std::string folded;     // no diacritics, đ→d: "hoa"
  std::string variant;    // i/y variant key, "kĩ" for both "kỹ" and "kĩ"; empty if none
  std::size_t begin = 0;  // byte offsets of the syllable in the original text
  std::size_t end = 0;
  bool clause_start = false;  // punctuation (or the text start) precedes it: no bigram across
  bool has_marks = false;     // written with any diacritic (the query side boosts exact terms)
  bool stopword = false;      // listed in stopwords.txt
};

// Syllables written joined into one token: "Covid-19", "TP.HCM", "26/3",
// "100/2019/NĐ-CP", "vô-lăng", "78,3%". Kept whole as a term too.
struct Compound {
  std::string exact;      // "100/2019/nđ-cp"
  std::string folded;     // "100/2019/nd-cp"
  std::size_t first = 0;  // index of its first syllable
  std::size_t count = 0;  // number of syllables (the whole may be longer: "78,3%")
};

// A run of syllables that is an abbreviation or its expansion (from
// abbreviations.tsv): "TP. HCM", "Thành phố Hồ Chí Minh" both give "tphcm".
struct AbbreviationMatch {
  std::string key;  // canonical form, folded, letters only: "tphcm", "hdnd"
  std::size_t first = 0;
  std::size_t count = 0;
};

struct Analysis {
  std::vector<Syllable> syllables;
  std::vector<Compound> compounds;
  // Longest first, never overlapping: how a reader reads the text.
  std::vector<AbbreviationMatch> abbreviations;
  // Forms written inside a longer one ("Quốc hội" in "Ủy ban Thường vụ Quốc
  // hội"): indexed too, so every place a form is written carries its key and
  // a query can match the key alone.
  std::vector<AbbreviationMatch> nested_abbreviations;
};

// Analyzes text. Cheap to keep, not free to create (it owns an ICU word-break
// iterator): make one per thread. Not thread-safe; distinct objects are.
class Analyzer {
 public:
  Analyzer();
  ~Analyzer();
  Analyzer(Analyzer&&) noexcept;
  Analyzer& operator=(Analyzer&&) noexcept;

  // Never throws on bad input: invalid UTF-8 bytes become U+FFFD and are
  // skipped as punctuation.
  Analysis analyze(std::string_view utf8_text);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Per-syllable normalization, exposed for the query side and for tests.
// canonical_syllable("Hoà") == "hòa"; fold_diacritics("Đường") == "duong".
std::string canonical_syllable(std::string_view word);
// A word typed in Telex or VNI with the input method off, read back as the
// syllable it spells (data/keystrokes.tsv): "Vieejt" and "Vie65t" → "Việt",
// "thanhf" → "thành". nullopt when the word is already a syllable as typed,
// or the keys spell none.
std::optional<std::string> decode_keystrokes(std::string_view word);

// Spelling, from the syllable grammar (orthography.tsv, tone-placement.tsv;
// docs/analyzer.md#spelling). Folded words are lower-case ASCII, marks
// removed. Which reading a writer meant is the index's to say.
//
// True when `folded` is a Vietnamese syllable without its marks: "nguoi",
// "binh"; not "mnh", "hanoi", "facebook".
bool is_folded_syllable(std::string_view folded);
// The readings of `folded` as 2 to `max_parts` syllables typed together,
// fewest parts first: "hanoi" → {ha, noi}, {han, oi}; "hochiminh" →
// {hoc, hi, minh}, {ho, chi, minh}, ...
std::vector<std::vector<std::string>> syllable_splits(std::string_view folded,
                                                      std::size_t max_parts);
// A syllable a mistyped word may have been meant as, and what the mistake
// costs: 0.5 for two letters swapped, a neighbouring key or a doubled letter,
// 1 for a letter left out or added, 1.5 for another letter; summed over edits.
struct SpellingCandidate {
  std::string syllable;  // folded for a folded word; else with its marks, canonical
  double cost = 0;
};
// The syllables within `max_edits` (1 or 2) edits of a lower-case word,
// each at its lowest cost, cheapest first. A word typed with marks keeps
// them ("hyệt" → "huyệt", "nưcớ" → "nước"); a folded word gets folded
// syllables ("mnh" → "minh", "manh").
std::vector<SpellingCandidate> syllables_near(std::string_view word, int max_edits);
std::string fold_diacritics(std::string_view text);
// fold_diacritics in one pass, keeping where each folded byte came from:
// source[i] is the input byte offset of folded byte i, and source.back() the
// input size. Combining marks are dropped rather than NFC-composed first, so
// it is a finder's view (snippets), not the indexed form.
struct FoldedText {
  std::string folded;
  std::vector<std::uint32_t> source;
};
FoldedText fold_with_offsets(std::string_view utf8_text);
// Lower-cases, NFC-normalizes and canonicalizes tone placement in every
// syllable of free text, keeping everything else: for display-independent
// keys (suggestions, duplicate detection).
std::string normalize_text(std::string_view text);

// True for a function word listed in stopwords.txt (given any tone style).
bool is_stopword(std::string_view exact_syllable);
// True when some stopword folds to this syllable ("da" for "đã"): typed
// without marks, it may be one.
bool may_be_stopword(std::string_view folded_syllable);

// Which of a query's syllables belong to a question word or filler listed in
// question-words.txt ("nào", "bao nhiêu", "vì sao"). Typed with marks, the
// syllables are compared as written; typed without (`typed_with_marks`
// false), only the entries of two or more syllables are compared folded:
// "bao nhieu" is the question, "bao" alone may be "bão", "may" "máy".
std::vector<bool> question_words(const std::vector<Syllable>& syllables, bool typed_with_marks);

// The expansion of a canonical abbreviation key, as exact syllables
// ("tphcm" → {"thành","phố","hồ","chí","minh"}); empty if unknown.
std::vector<std::string> abbreviation_expansion(std::string_view key);
// Every written form of an abbreviation key, folded as in text, the spelled
// out one last ("tphcm" → {"tp.hcm", "tphcm", "tp hcm", "hcm",
// "tp.ho chi minh", "thanh pho ho chi minh"}); empty if unknown. For finding
// an abbreviation in text without analyzing it (snippets).
std::vector<std::string> abbreviation_forms(std::string_view key);

// Dates as Vietnamese write them (words in data/date-words.tsv).
struct Date {
  int year = 0, month = 0, day = 0;
  std::string iso() const;  // "2021-05-15"
};
// A whole date: ISO 8601 ("2021-05-15", "2021-05-15T08:30:00+07:00"),
// "15/5/2021", "ngày 15 tháng 5 năm 2021", "Thứ Bảy, ngày 15 tháng 5 năm 2021".
std::optional<Date> parse_date(std::string_view text);

// A date range written in a query, and where it was written (byte offsets),
// so the rest of the query can be searched as words: "năm 2020",
// "tháng 5/2021", "ngày 15/5/2021", "từ 1/3/2020 đến 30/6/2020",
// "2020-01-01..2020-03-31", "từ 2015 đến 2018"; with one end open (empty):
// "trước năm 2000" (to 1999-12-31), "sau năm 2010" (from 2011-01-01).
// Dates are ISO, both ends inclusive. Whether the range filters is the
// query reader's decision (docs/api.md: only date syntax or a query that
// is nothing but the date phrase).
struct DateRange {
  std::string from, to;
  std::size_t begin = 0, end = 0;
  bool syntax = false;  // written as date syntax ("2020-01-01..2020-03-31"), not words
};
std::optional<DateRange> find_date_range(std::string_view query);

// A day (or a month) of the year with no year, "on this day" in every year:
// "ngày 15 tháng 5", "ngày 15/5" in a query, or the parameter forms "05-15"
// and "05". day is 0 for a whole month.
struct DayOfYear {
  int month = 0, day = 0;
  std::size_t begin = 0, end = 0;  // where the query wrote it
  std::string text() const;        // "05-15", "05"
};
std::optional<DayOfYear> find_day_of_year(std::string_view query);
std::optional<DayOfYear> parse_day_of_year(std::string_view mm_dd);  // "05-15", "05"; not "02-30"

// The number a document gives itself in its header ("Luật số: 91/2015/QH13",
// "Số: 100/2019/NĐ-CP"): the first code of digits and slashes written after
// one of the words of data/document-number-words.txt and a colon, within
// the first `within` syllables of `text` (analyzed as `analysis`), folded
// as its compound term ("91/2015/qh13"); nullopt when there is none. (A
// number cited in running text, "theo Quyết định số 12/QĐ-UBND", has no
// colon.)
std::optional<std::string> own_document_number(std::string_view text, const Analysis& analysis,
                                               std::size_t within = 80);

// True for a line of saved-page furniture ("Ý kiến bạn đọc", "Tin khác"),
// from data/page-chrome.txt.
bool is_page_chrome_line(std::string_view line);

// Whether two adjacent syllables (no punctuation between) make a bigram term.
// Not when either is a stopword or has no letter (a number): those pairs
// ("của_đảng", "năm_2020") are many, rarely telling, and cost index time.
bool forms_bigram(const Syllable& first, const Syllable& second);
// Whether two adjacent syllables make a pair term (a fact, no weight): the
// same as a bigram, punctuation between them or not (as a phrase reads
// them).
bool forms_pair(const Syllable& first, const Syllable& second);
// Whether a folded syllable has a letter (a number, "2020", has none).
bool has_letter(std::string_view folded);

// The text as UTF-8 and the encoding it was found in: "utf-8", "tcvn3",
// "vni", "windows-1258".
struct DecodedText {
  std::string utf8;
  std::string encoding;
  // Sequences that are not UTF-8, each replaced by U+FFFD (encoding "utf-8"
  // only: a legacy reading explains every byte).
  std::size_t invalid_sequences = 0;
};
// Reads article bytes the way that explains them best. Valid UTF-8 is
// returned as is. Otherwise each legacy Vietnamese encoding is tried, and one
// wins only when it explains all the bytes (no undecodable byte), reads as
// Vietnamese, and reads clearly better than UTF-8 does: UTF-8 with its
// invalid sequences replaced is scored the same way, so a valid UTF-8 line
// with two stray bytes stays UTF-8 instead of being re-read whole as VNI
// ("Tiếng" would become "Tiáº¿ng"). When no legacy encoding wins, the result
// is that UTF-8 reading, with `invalid_sequences` > 0.
DecodedText read_vietnamese_text(std::string_view bytes);
// read_vietnamese_text when it explains every byte: valid UTF-8 or a legacy
// encoding; std::nullopt for binary, unknown text or UTF-8 with invalid bytes.
std::optional<DecodedText> decode_vietnamese_text(std::string_view bytes);

// `text` with its HTML character references decoded: named ones of
// data/html-entities.tsv ("&quot;", "&ecirc;"), numeric ones ("&#7879;",
// "&#x1EC7;"), and the names the table marks "bare" also without their
// semicolon, as scrapers leave them ("lúc&nbsp11h"). Anything else, "AT&T"
// or "&foo;", is kept as written.
std::string decode_html_entities(std::string_view text);

// True when `bytes` is well-formed UTF-8.
bool is_valid_utf8(std::string_view bytes);

// `text` without the spaces, tabs, line ends and no-break spaces (U+00A0:
// pages saved from the web pad lines with them) at either end.
std::string trim_spaces(std::string_view text);
// `bytes` with every sequence that is not UTF-8 replaced by `replacement`
// (one per maximal invalid subpart, as ICU and the WHATWG decoder count
// them); `*replaced`, if given, counts them.
std::string replace_invalid_utf8(std::string_view bytes, char32_t replacement = U'\uFFFD',
                                 std::size_t* replaced = nullptr);

}  // namespace tracuu
