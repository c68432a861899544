// Snippets: the passage with the most distinct query words, found on folded
// text (one cheap pass, original byte offsets kept) and cut on word
// boundaries of the ORIGINAL text, so a plain query "binh tan" marks
// "Bình Tân" exactly as written. For queries of plain words the finds are the
// marks; abbreviations ("tphcm" marks "TP.HCM") and numbers ("1000" marks
// "1.000"), which only the analyzer reads as their terms, have the passage
// analyzed.
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "search.h"

namespace tracuu {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

namespace internal {
namespace {

// A few bytes short of either end of the text: a snippet shows the whole end
// rather than an ellipsis.
constexpr std::size_t kSlack = 16;

// Byte offset of the start of the UTF-8 character at or before `i`.
std::size_t char_start(std::string_view s, std::size_t i) {
  while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return std::min(i, s.size());
}

// A query word found in the text: its byte range and which word (an index
// into the query's words; the trailing prefix is the last index).
struct Found {
  std::size_t begin = 0, end = 0;
  int word = 0;
};

// The run of `found` (sorted by position) with the most distinct words, then
// the most words, ending within `reach` bytes of where it starts.
struct Span {
  std::size_t distinct = 0, count = 0;
  std::size_t first = 0, last = 0;  // indexes into found
};

Span best_span(const std::vector<Found>& found, std::size_t reach) {
  Span best;
  std::vector<int> seen;
  for (std::size_t first = 0; first < found.size(); ++first) {
    seen.assign(1, found[first].word);
    std::size_t last = first;
    while (last + 1 < found.size() && found[last + 1].end - found[first].begin <= reach) {
      ++last;
      if (std::find(seen.begin(), seen.end(), found[last].word) == seen.end())
        seen.push_back(found[last].word);
    }
    std::size_t count = last - first + 1;
    if (seen.size() > best.distinct || (seen.size() == best.distinct && count > best.count))
      best = {seen.size(), count, first, last};
  }
  return best;
}

// How far a passage may run from its first match: about a sixth of the
// snippet is left for words before it.
std::size_t reach_of(std::size_t max_bytes) {
  return max_bytes - max_bytes / 6;
}

// The passage of one analyzed text with the most distinct query terms.
struct Window {
  std::size_t distinct = 0;
  std::size_t from = 0, to = 0;  // byte range in the text
};

std::vector<int> match_syllables(const Analysis& a, const std::vector<std::string>& folded_terms,
                                 const std::string& prefix) {
  std::vector<int> match(a.syllables.size(), -1);  // index of the matched query term
  for (std::size_t i = 0; i < a.syllables.size(); ++i) {
    const std::string& f = a.syllables[i].folded;
    auto found = std::lower_bound(folded_terms.begin(), folded_terms.end(), f);
    if (found != folded_terms.end() && *found == f) {
      match[i] = static_cast<int>(found - folded_terms.begin());
    } else if (!prefix.empty() && f.rfind(prefix, 0) == 0) {
      match[i] = static_cast<int>(folded_terms.size());
    }
  }
  // An abbreviation the query names is marked whole, as written: "TP.HCM",
  // "Thành phố Hồ Chí Minh".
  for (const AbbreviationMatch& m : a.abbreviations) {
    auto found = std::lower_bound(folded_terms.begin(), folded_terms.end(), m.key);
    if (found == folded_terms.end() || *found != m.key) continue;
    for (std::size_t k = m.first; k < m.first + m.count && k < match.size(); ++k)
      match[k] = static_cast<int>(found - folded_terms.begin());
  }
  return match;
}

Window best_window(const Analysis& a, const std::vector<int>& match, std::size_t max_bytes) {
  const auto& syl = a.syllables;
  std::vector<Found> found;
  std::vector<std::size_t> syllable_of;  // of each found word
  for (std::size_t i = 0; i < syl.size(); ++i) {
    if (match[i] < 0) continue;
    found.push_back({syl[i].begin, syl[i].end, match[i]});
    syllable_of.push_back(i);
  }
  const std::size_t reach = reach_of(max_bytes);
  const Span span = best_span(found, reach);
  if (span.distinct == 0) return {};
  const std::size_t begin = syllable_of[span.first];
  // The words after the last match fill the window up to its reach.
  std::size_t end = syllable_of[span.last];
  while (end + 1 < syl.size() && syl[end + 1].end - syl[begin].begin <= reach) ++end;
  // Start a little before the first match so it has some context.
  std::size_t lead_in = begin;
  while (lead_in > 0 && syl[end].end - syl[lead_in - 1].begin <= max_bytes && begin - lead_in < 8)
    --lead_in;
  return {span.distinct, syl[lead_in].begin, syl[end].end};
}

// The end of a chunk of about `size` bytes from `from`, at a space.
std::size_t chunk_end(std::string_view text, std::size_t from, std::size_t size) {
  if (from + size >= text.size()) return text.size();
  std::size_t space = text.find(' ', from + size);
  return space == std::string_view::npos || space > from + 2 * size ? char_start(text, from + size)
                                                                    : space;
}

// Adds the whole-word occurrences, starting at or after folded byte `from`,
// of each query word in `text` (the trailing prefix need only start a word),
// with their byte ranges in the original text.
void find_words(const FoldedText& text, std::size_t from,
                const std::vector<std::string>& folded_terms, const std::string& prefix,
                std::vector<Found>& found) {
  std::string_view folded = text.folded;
  const auto* bytes = reinterpret_cast<const uint8_t*>(folded.data());
  const auto size = static_cast<int32_t>(folded.size());
  // Whether the character ending at / starting at byte `i` is a letter or
  // digit: folded Vietnamese is ASCII, but quotes (“hiểm”), dashes and other
  // scripts are not, and only letters continue a word.
  auto letter_before = [&](std::size_t i) {
    if (i == 0) return false;
    auto at = static_cast<int32_t>(i);
    UChar32 c;
    U8_PREV(bytes, 0, at, c);
    return c >= 0 && u_isalnum(c);
  };
  auto letter_at = [&](std::size_t i) {
    if (i >= folded.size()) return false;
    auto at = static_cast<int32_t>(i);
    UChar32 c;
    U8_NEXT(bytes, at, size, c);
    return c >= 0 && u_isalnum(c);
  };
  auto find = [&](std::string_view word, bool as_prefix, int index) {
    if (word.empty()) return;
    for (std::size_t at = folded.find(word, from); at != std::string_view::npos;
         at = folded.find(word, at + 1)) {
      std::size_t after = at + word.size();
      if (!letter_before(at) && (as_prefix || !letter_at(after)))
        found.push_back({text.source[at], text.source[after], index});
    }
  };
  for (std::size_t k = 0; k < folded_terms.size(); ++k)
    find(folded_terms[k], false, static_cast<int>(k));
  find(prefix, true, static_cast<int>(folded_terms.size()));
}

// The byte at or before `i` where a space ends, or 0.
std::size_t word_start_before(std::string_view text, std::size_t i) {
  std::size_t space = text.rfind(' ', i);
  return space == std::string_view::npos ? 0 : space + 1;
}

bool is_blank(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

// Whether the folded-text finds are exactly what analysing the passage would
// mark: true for words of ASCII letters (folded Vietnamese syllables) that
// name no abbreviation. Numbers ("1.000" is the term 1000), abbreviation keys
// (marked as "TP.HCM" and "Thành phố Hồ Chí Minh") and other scripts need the
// analyzer.
bool finds_are_exact(const std::vector<std::string>& folded_terms, const std::string& prefix) {
  auto plain = [](const std::string& word) {
    return std::all_of(word.begin(), word.end(),
                       [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; });
  };
  for (const std::string& term : folded_terms) {
    if (!plain(term) || !abbreviation_forms(term).empty()) return false;
  }
  return plain(prefix);
}

// Two marks next to each other read as one when only spaces or a joining
// character separate them: <mark>Bình Tân</mark>, <mark>Covid-19</mark>.
bool joined(std::string_view gap) {
  return gap.find_first_not_of(' ') == std::string_view::npos ||
         (gap.size() <= 2 && gap.find_first_of(" \n") == std::string_view::npos);
}

// The end of the last word that ends at or before `limit` (at least `floor`).
std::size_t word_end_before(std::string_view text, std::size_t limit, std::size_t floor) {
  if (limit >= text.size()) return text.size();
  std::size_t i = limit;
  while (i > floor && !is_blank(text[i])) --i;
  while (i > floor && is_blank(text[i - 1])) --i;
  return std::max(i, floor);
}

// A passage of a text, [from, to), and the byte ranges in it to mark.
struct Passage {
  std::size_t from = 0, to = 0;
  std::vector<std::pair<std::size_t, std::size_t>> marks;  // in order, not overlapping
};

// The snippet: the passage HTML-escaped, its marks in <mark>, "…" where
// the text goes on before or after it, newlines read as spaces.
std::string render(std::string_view text, const Passage& p, bool more_before, bool more_after) {
  std::string out;
  if (more_before) out += "… ";
  std::size_t pos = p.from;
  for (const auto& [begin, end] : p.marks) {
    out += html_escape(text.substr(pos, begin - pos));
    out += "<mark>" + html_escape(text.substr(begin, end - begin)) + "</mark>";
    pos = end;
  }
  out += html_escape(text.substr(pos, p.to - pos));
  if (more_after) out += " …";
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

// The passage cut from the folded-text finds alone (see finds_are_exact):
// it starts a few words before its first match and runs to its reach, on
// word boundaries of the original text; adjacent finds joined by spaces or
// joining punctuation are one mark (<mark>Bình Tân</mark>).
Passage passage_of_finds(std::string_view text, const std::vector<Found>& found, const Span& span,
                         std::size_t max_bytes) {
  constexpr int kLeadInWords = 8;
  Passage p;
  if (span.distinct == 0) {  // no match: the opening words
    p.to = word_end_before(text, max_bytes, 0);
    if (p.to == 0) p.to = char_start(text, max_bytes);  // one endless word
  } else {
    const std::size_t first = found[span.first].begin;
    p.to = word_end_before(text, first + reach_of(max_bytes), found[span.last].end);
    p.from = first;
    for (int k = 0; k < kLeadInWords && p.from > 0; ++k) {
      std::size_t i = p.from;
      while (i > 0 && is_blank(text[i - 1])) --i;
      std::size_t word = i;
      while (word > 0 && !is_blank(text[word - 1])) --word;
      if (i == 0 || p.to - word > max_bytes) break;
      p.from = word;
    }
  }
  if (p.from < kSlack) p.from = 0;
  if (p.to + kSlack >= text.size()) p.to = text.size();
  p.from = char_start(text, p.from);
  p.to = char_start(text, p.to);
  std::size_t pos = p.from;
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (found[i].begin < pos || found[i].end > p.to) continue;  // outside, or inside a mark
    const std::size_t begin = found[i].begin;
    std::size_t end = found[i].end;
    for (std::size_t k = i + 1; k < found.size() && found[k].end <= p.to; ++k) {
      if (found[k].begin < end) continue;  // the prefix found inside a word already marked
      if (!joined(text.substr(end, found[k].begin - end))) break;
      end = found[k].end;
      i = k;
    }
    p.marks.emplace_back(begin, end);
    pos = end;
  }
  return p;
}

// The passage of an analyzed slice of a text (for abbreviations, numbers,
// other scripts): the best window of matched syllables; matches apart by
// spaces or joining punctuation, and the parts of one abbreviation, are
// one mark (<mark>TP. HCM</mark>). `rest` is the text from the slice on;
// offsets are into it.
Passage passage_of_analysis(Analyzer& analyzer, std::string_view rest, std::size_t slice_bytes,
                            bool slice_at_start, const std::vector<std::string>& folded_terms,
                            const std::string& prefix, std::size_t max_bytes) {
  Analysis analysis = analyzer.analyze(rest.substr(0, slice_bytes));
  std::vector<int> match = match_syllables(analysis, folded_terms, prefix);
  Window best = best_window(analysis, match, max_bytes);
  const auto& syl = analysis.syllables;
  Passage p{best.from, best.to, {}};
  if (best.distinct == 0) {  // no match: the opening words
    p.from = p.to = 0;
    for (std::size_t k = 0; k < syl.size() && syl[k].end <= max_bytes; ++k) p.to = syl[k].end;
  }
  if (slice_at_start && p.from < kSlack) p.from = 0;
  if (p.to + kSlack >= rest.size()) p.to = rest.size();
  p.to = char_start(rest, p.to);
  auto joined_to_next = [&](std::size_t k) {
    for (const AbbreviationMatch& m : analysis.abbreviations)
      if (m.first <= k && k + 1 < m.first + m.count) return true;  // "TP. HCM"
    return joined(rest.substr(syl[k].end, syl[k + 1].begin - syl[k].end));
  };
  for (std::size_t i = 0; i < syl.size(); ++i) {
    if (match[i] < 0 || syl[i].begin < p.from || syl[i].end > p.to) continue;
    std::size_t run_end = i;
    while (run_end + 1 < syl.size() && match[run_end + 1] >= 0 && syl[run_end + 1].end <= p.to &&
           joined_to_next(run_end))
      ++run_end;
    p.marks.emplace_back(syl[i].begin, syl[run_end].end);
    i = run_end;
  }
  return p;
}

// Where the query's words are, found on folded text: one cheap pass, chunk
// by chunk, stopping once a passage holds every query word (up to 3).
struct Finds {
  std::vector<Found> found;
  Span span;
  std::size_t scanned = 0;  // text[0, scanned) is folded and searched
};

class Finder {
 public:
  Finder(std::string_view text, const std::vector<std::string>& folded_terms,
         const std::string& prefix)
      : text_(text), terms_(folded_terms), prefix_(prefix) {
    folded_.source.push_back(0);
  }
  // Searches the text up to `to`.
  void scan_to(std::size_t to) {
    FoldedText part = fold_with_offsets(text_.substr(finds.scanned, to - finds.scanned));
    const std::size_t part_begin = folded_.folded.size();
    folded_.folded += part.folded;
    folded_.source.pop_back();
    for (std::uint32_t at : part.source)
      folded_.source.push_back(static_cast<std::uint32_t>(finds.scanned + at));
    const std::size_t before = finds.found.size();
    find_words(folded_, part_begin, terms_, prefix_, finds.found);
    std::sort(finds.found.begin() + static_cast<std::ptrdiff_t>(before), finds.found.end(),
              [](const Found& x, const Found& y) { return x.begin < y.begin; });
    finds.scanned = to;
  }
  Finds finds;

 private:
  std::string_view text_;
  const std::vector<std::string>& terms_;
  const std::string& prefix_;
  FoldedText folded_;
};

}  // namespace

// Finding is done on folded text; only the few hundred bytes around the
// chosen passage are analyzed, and only when folded finds cannot be marked
// as they are (finds_are_exact): analysis costs far more than folding, and a
// hit matched by its title alone would otherwise cost its whole body.
std::string make_snippet(Analyzer& analyzer, std::string_view text,
                         const std::vector<std::string>& folded_terms, const std::string& prefix,
                         std::size_t max_bytes) {
  constexpr std::size_t kChunk = 1000, kMaxScanned = 32000;
  const std::size_t target =
      std::max<std::size_t>(1, std::min<std::size_t>(folded_terms.size(), 3));
  Finder finder(text, folded_terms, prefix);
  Finds& f = finder.finds;
  while (f.scanned < text.size() && f.scanned < kMaxScanned && !folded_terms.empty()) {
    finder.scan_to(chunk_end(text, f.scanned, kChunk));
    f.span = best_span(f.found, reach_of(max_bytes));
    if (f.span.distinct >= target) break;
  }
  if (finds_are_exact(folded_terms, prefix)) {
    // The passage may run past the scanned text: find the words it shows there too.
    if (f.span.distinct > 0 && f.scanned < text.size())
      finder.scan_to(chunk_end(text, f.scanned, max_bytes + kSlack));
    Passage p = passage_of_finds(text, f.found, f.span, max_bytes);
    return render(text, p, p.from > 0, p.to < text.size());
  }
  // The slice to analyze: the passage with room before and after it.
  std::size_t slice_from = 0, slice_to = std::min(text.size(), 2 * max_bytes);
  if (f.span.distinct > 0) {
    std::size_t first = f.found[f.span.first].begin, last = f.found[f.span.last].end;
    slice_from = first > max_bytes / 2 ? word_start_before(text, first - max_bytes / 2) : 0;
    slice_to = chunk_end(text, first, std::max(last - first, max_bytes) + 16);
  }
  std::string_view rest = text.substr(slice_from);
  Passage p = passage_of_analysis(analyzer, rest, slice_to - slice_from, slice_from == 0,
                                  folded_terms, prefix, max_bytes);
  return render(rest, p, slice_from + p.from > 0, slice_from + p.to < text.size());
}

}  // namespace internal
}  // namespace tracuu
