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

namespace tracuu::detail_search {

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

// The snippet cut and marked from the folded-text finds alone (see
// finds_are_exact): the passage starts a few words before its first match
// and runs to its reach, on word boundaries of the original text.
std::string snippet_from_finds(std::string_view text, const std::vector<Found>& found,
                               const Span& span, std::size_t max_bytes) {
  constexpr int kLeadInWords = 8;
  std::size_t from = 0, to = 0;
  if (span.distinct == 0) {  // no match: the opening words
    to = word_end_before(text, max_bytes, 0);
    if (to == 0) to = char_start(text, max_bytes);  // one endless word
  } else {
    const std::size_t first = found[span.first].begin;
    to = word_end_before(text, first + reach_of(max_bytes), found[span.last].end);
    from = first;
    for (int k = 0; k < kLeadInWords && from > 0; ++k) {
      std::size_t i = from;
      while (i > 0 && is_blank(text[i - 1])) --i;
      std::size_t word = i;
      while (word > 0 && !is_blank(text[word - 1])) --word;
      if (i == 0 || to - word > max_bytes) break;
      from = word;
    }
  }
  if (from < kSlack) from = 0;
  if (to + kSlack >= text.size()) to = text.size();
  from = char_start(text, from);
  to = char_start(text, to);
  std::string out;
  if (from > 0) out += "… ";
  std::size_t pos = from;
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (found[i].begin < pos || found[i].end > to) continue;  // outside, or inside a mark
    const std::size_t begin = found[i].begin;
    std::size_t end = found[i].end;
    for (std::size_t k = i + 1; k < found.size() && found[k].end <= to; ++k) {
      if (found[k].begin < end) continue;  // the prefix found inside a word already marked
      if (!joined(text.substr(end, found[k].begin - end))) break;
      end = found[k].end;
      i = k;
    }
    out += html_escape(text.substr(pos, begin - pos));
    out += "<mark>" + html_escape(text.substr(begin, end - begin)) + "</mark>";
    pos = end;
  }
  out += html_escape(text.substr(pos, to - pos));
  if (to < text.size()) out += " …";
  // Newlines inside a snippet read as spaces.
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

}  // namespace

std::string make_snippet(Analyzer& analyzer, std::string_view text,
                         const std::vector<std::string>& folded_terms, const std::string& prefix,
                         std::size_t max_bytes) {
  // Finding is done on folded text (one cheap pass, chunk by chunk, stopping
  // once a passage holds every query word, up to 3); only the few hundred
  // bytes around the chosen passage are analyzed, to mark syllables exactly
  // as the index reads them (abbreviations included). Analysis costs ~10x
  // folding: a hit matched by its title alone used to cost its whole body.
  constexpr std::size_t kChunk = 1000, kMaxScanned = 32000;
  const std::size_t target =
      std::max<std::size_t>(1, std::min<std::size_t>(folded_terms.size(), 3));
  FoldedText folded;
  folded.source.push_back(0);
  std::vector<Found> found;
  Span span;
  std::size_t scanned = 0;  // text[0, scanned) is folded and searched
  auto scan_to = [&](std::size_t to) {
    FoldedText part = fold_with_offsets(text.substr(scanned, to - scanned));
    const std::size_t part_begin = folded.folded.size();
    folded.folded += part.folded;
    folded.source.pop_back();
    for (std::uint32_t at : part.source)
      folded.source.push_back(static_cast<std::uint32_t>(scanned + at));
    const std::size_t before = found.size();
    find_words(folded, part_begin, folded_terms, prefix, found);
    std::sort(found.begin() + static_cast<std::ptrdiff_t>(before), found.end(),
              [](const Found& x, const Found& y) { return x.begin < y.begin; });
    scanned = to;
  };
  while (scanned < text.size() && scanned < kMaxScanned && !folded_terms.empty()) {
    scan_to(chunk_end(text, scanned, kChunk));
    span = best_span(found, reach_of(max_bytes));
    if (span.distinct >= target) break;
  }
  if (finds_are_exact(folded_terms, prefix)) {
    // The passage may run past the scanned text: find the words it shows there too.
    if (span.distinct > 0 && scanned < text.size())
      scan_to(chunk_end(text, scanned, max_bytes + kSlack));
    return snippet_from_finds(text, found, span, max_bytes);
  }
  // The slice to analyze: the passage with room before and after it.
  std::size_t slice_from = 0, slice_to = std::min(text.size(), 2 * max_bytes);
  if (span.distinct > 0) {
    std::size_t first = found[span.first].begin, last = found[span.last].end;
    slice_from = first > max_bytes / 2 ? word_start_before(text, first - max_bytes / 2) : 0;
    slice_to = chunk_end(text, first, std::max(last - first, max_bytes) + 16);
  }
  Analysis analysis = analyzer.analyze(text.substr(slice_from, slice_to - slice_from));
  std::vector<int> match = match_syllables(analysis, folded_terms, prefix);
  Window best = best_window(analysis, match, max_bytes);
  const auto& syl = analysis.syllables;
  std::size_t from = best.from, to = best.to;
  if (best.distinct == 0) {  // no match: the opening words
    from = 0;
    to = 0;
    for (std::size_t k = 0; k < syl.size() && syl[k].end <= max_bytes; ++k) to = syl[k].end;
  }
  std::string_view rest = text.substr(slice_from);
  if (slice_from == 0 && from < kSlack) from = 0;
  if (to + kSlack >= rest.size()) to = rest.size();
  to = char_start(rest, to);
  std::string out;
  if (slice_from + from > 0) out += "… ";
  std::size_t pos = from;
  for (std::size_t i = 0; i < syl.size(); ++i) {
    if (match[i] < 0 || syl[i].begin < from || syl[i].end > to) continue;
    // Merge adjacent matches apart by spaces or joining punctuation, and the
    // parts of one abbreviation: <mark>Bình Tân</mark>, <mark>TP. HCM</mark>.
    auto joined_to_next = [&](std::size_t k) {
      for (const AbbreviationMatch& m : analysis.abbreviations)
        if (m.first <= k && k + 1 < m.first + m.count) return true;  // "TP. HCM"
      return joined(rest.substr(syl[k].end, syl[k + 1].begin - syl[k].end));
    };
    std::size_t run_end = i;
    while (run_end + 1 < syl.size() && match[run_end + 1] >= 0 && syl[run_end + 1].end <= to &&
           joined_to_next(run_end)) {
      ++run_end;
    }
    out += html_escape(rest.substr(pos, syl[i].begin - pos));
    out += "<mark>" + html_escape(rest.substr(syl[i].begin, syl[run_end].end - syl[i].begin)) +
           "</mark>";
    pos = syl[run_end].end;
    i = run_end;
  }
  out += html_escape(rest.substr(pos, to - pos));
  if (slice_from + to < text.size()) out += " …";
  // Newlines inside a snippet read as spaces.
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

}  // namespace tracuu::detail_search
