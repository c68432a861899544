// Snippets: the passage with the most distinct query words, cut on syllable
// boundaries of the ORIGINAL text (the analyzer keeps byte offsets), so a
// plain query "binh tan" marks "Bình Tân" exactly as written.
#include <algorithm>
#include <set>

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

// Byte offset of the start of the UTF-8 character at or before `i`.
std::size_t char_start(std::string_view s, std::size_t i) {
  while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return std::min(i, s.size());
}

}  // namespace

namespace {

// The passage of one analyzed chunk with the most distinct query terms.
struct Window {
  std::size_t distinct = 0, count = 0;
  std::size_t from = 0, to = 0;  // byte range in the chunk
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
  return match;
}

Window best_window(const Analysis& a, const std::vector<int>& match, std::size_t max_bytes) {
  const auto& syl = a.syllables;
  Window best;
  std::size_t end = 0;
  for (std::size_t begin = 0; begin < syl.size(); ++begin) {
    if (match[begin] < 0) continue;
    // Leave about a sixth of the window for words before the first match.
    const std::size_t reach = max_bytes - max_bytes / 6;
    end = std::max(end, begin);
    while (end > begin && syl[end].end - syl[begin].begin > reach) --end;
    while (end + 1 < syl.size() && syl[end + 1].end - syl[begin].begin <= reach) ++end;
    std::set<int> distinct;
    std::size_t count = 0;
    for (std::size_t k = begin; k <= end; ++k) {
      if (match[k] >= 0) {
        distinct.insert(match[k]);
        ++count;
      }
    }
    if (distinct.size() > best.distinct ||
        (distinct.size() == best.distinct && count > best.count)) {
      // Start a little before the first match so it has some context.
      std::size_t lead_in = begin;
      while (lead_in > 0 && syl[end].end - syl[lead_in - 1].begin <= max_bytes &&
             begin - lead_in < 8)
        --lead_in;
      best = {distinct.size(), count, syl[lead_in].begin, syl[end].end};
    }
  }
  return best;
}

// The end of a chunk of about `size` bytes from `from`, at a space.
std::size_t chunk_end(std::string_view text, std::size_t from, std::size_t size) {
  if (from + size >= text.size()) return text.size();
  std::size_t space = text.find(' ', from + size);
  return space == std::string_view::npos || space > from + 2 * size ? char_start(text, from + size)
                                                                    : space;
}

}  // namespace

std::string make_snippet(Analyzer& analyzer, std::string_view text,
                         const std::vector<std::string>& folded_terms, const std::string& prefix,
                         std::size_t max_bytes) {
  // Analyze chunk by chunk and stop at the first one whose best window has
  // every query term (usually the lead): the cost stays flat for long bodies.
  constexpr std::size_t kChunk = 1000, kMaxScanned = 32000;
  std::size_t target = std::max<std::size_t>(1, std::min<std::size_t>(folded_terms.size(), 3));
  Window best;
  std::size_t best_chunk = 0;
  Analysis best_analysis;
  std::vector<int> best_match;
  for (std::size_t from = 0; from < text.size() && from < kMaxScanned;) {
    std::size_t to = chunk_end(text, from, kChunk);
    Analysis a = analyzer.analyze(text.substr(from, to - from));
    std::vector<int> match = match_syllables(a, folded_terms, prefix);
    Window w = best_window(a, match, max_bytes);
    if (from == 0 || w.distinct > best.distinct ||
        (w.distinct == best.distinct && w.count > best.count)) {
      best = w;
      best_chunk = from;
      best_analysis = std::move(a);
      best_match = std::move(match);
    }
    if (best.distinct >= target || folded_terms.empty()) break;
    from = to;
  }
  const auto& syl = best_analysis.syllables;
  std::size_t from = best.from, to = best.to;
  if (best.distinct == 0) {  // no match: the opening words
    from = 0;
    to = 0;
    for (std::size_t k = 0; k < syl.size() && syl[k].end <= max_bytes; ++k) to = syl[k].end;
  }
  std::string_view chunk = text.substr(best_chunk);
  // A few bytes short of either end: show the whole end rather than an ellipsis.
  constexpr std::size_t kSlack = 16;
  if (best_chunk == 0 && from < kSlack) from = 0;
  if (to + kSlack >= chunk.size()) to = chunk.size();
  to = char_start(chunk, to);
  std::string out;
  if (best_chunk + from > 0) out += "… ";
  std::size_t pos = from;
  for (std::size_t i = 0; i < syl.size(); ++i) {
    if (best_match[i] < 0 || syl[i].begin < from || syl[i].end > to) continue;
    std::size_t run_end = i;  // merge adjacent matches: <mark>Bình Tân</mark>
    while (run_end + 1 < syl.size() && best_match[run_end + 1] >= 0 && syl[run_end + 1].end <= to &&
           chunk.substr(syl[run_end].end, syl[run_end + 1].begin - syl[run_end].end)
                   .find_first_not_of(' ') == std::string_view::npos) {
      ++run_end;
    }
    out += html_escape(chunk.substr(pos, syl[i].begin - pos));
    out += "<mark>" + html_escape(chunk.substr(syl[i].begin, syl[run_end].end - syl[i].begin)) +
           "</mark>";
    pos = syl[run_end].end;
    i = run_end;
  }
  out += html_escape(chunk.substr(pos, to - pos));
  if (best_chunk + to < text.size()) out += " …";
  // Newlines inside a snippet read as spaces.
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

}  // namespace tracuu::detail_search
