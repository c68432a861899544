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
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
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

std::string make_snippet(Analyzer& analyzer, std::string_view text, const std::vector<std::string>& folded_terms,
                         const std::string& prefix, std::size_t max_bytes) {
  Analysis a = analyzer.analyze(text);
  const auto& syl = a.syllables;
  std::vector<int> match(syl.size(), -1);  // index of the matched query term
  for (std::size_t i = 0; i < syl.size(); ++i) {
    auto found = std::lower_bound(folded_terms.begin(), folded_terms.end(), syl[i].folded);
    if (found != folded_terms.end() && *found == syl[i].folded) {
      match[i] = static_cast<int>(found - folded_terms.begin());
    } else if (!prefix.empty() && syl[i].folded.rfind(prefix, 0) == 0) {
      match[i] = static_cast<int>(folded_terms.size());
    }
  }
  // Best window: most distinct matched terms, then most matches, earliest first.
  std::size_t best_begin = 0, best_end = 0;
  std::size_t best_distinct = 0, best_count = 0;
  std::size_t end = 0;
  for (std::size_t begin = 0; begin < syl.size(); ++begin) {
    if (match[begin] < 0) continue;
    end = std::max(end, begin);
    while (end + 1 < syl.size() && syl[end + 1].end - syl[begin].begin <= max_bytes) ++end;
    std::set<int> distinct;
    std::size_t count = 0;
    for (std::size_t k = begin; k <= end; ++k) {
      if (match[k] >= 0) {
        distinct.insert(match[k]);
        ++count;
      }
    }
    if (distinct.size() > best_distinct || (distinct.size() == best_distinct && count > best_count)) {
      best_distinct = distinct.size();
      best_count = count;
      best_begin = begin;
      best_end = end;
    }
  }
  std::size_t from = 0, to = std::min(text.size(), max_bytes);
  if (best_distinct > 0) {
    // Start a little before the first match so it has some context.
    std::size_t lead_in = best_begin;
    while (lead_in > 0 && syl[best_end].end - syl[lead_in - 1].begin <= max_bytes && best_begin - lead_in < 4) --lead_in;
    from = syl[lead_in].begin;
    to = syl[best_end].end;
  } else if (!syl.empty()) {
    std::size_t k = 0;
    while (k + 1 < syl.size() && syl[k + 1].end <= max_bytes) ++k;
    to = syl[k].end;
  }
  to = char_start(text, to);
  std::string out;
  if (from > 0) out += "… ";
  std::size_t pos = from;
  for (std::size_t i = 0; i < syl.size(); ++i) {
    if (match[i] < 0 || syl[i].begin < from || syl[i].end > to) continue;
    std::size_t run_end = i;  // merge adjacent matches: <mark>Bình Tân</mark>
    while (run_end + 1 < syl.size() && match[run_end + 1] >= 0 && syl[run_end + 1].end <= to &&
           text.substr(syl[run_end].end, syl[run_end + 1].begin - syl[run_end].end).find_first_not_of(' ') ==
               std::string_view::npos) {
      ++run_end;
    }
    out += html_escape(text.substr(pos, syl[i].begin - pos));
    out += "<mark>" + html_escape(text.substr(syl[i].begin, syl[run_end].end - syl[i].begin)) + "</mark>";
    pos = syl[run_end].end;
    i = run_end;
  }
  out += html_escape(text.substr(pos, to - pos));
  if (to < text.size()) out += " …";
  // Newlines inside a snippet read as spaces.
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

}  // namespace tracuu::detail_search
