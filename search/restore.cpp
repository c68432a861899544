// Diacritic restoration for a query typed without accents: "binh tan" →
// "Bình Tân", read off how the best-matching articles write those words.
//
// Every run of consecutive query syllables found in a top hit's title, lead or
// opening paragraphs votes for the way it is written there, weighted by the
// square of the run's length (context: "ban hanh van ban" finds "ban hành"
// and "văn bản", not "bản hành") and by the hit's rank. A word
// keeps its capital when the titles capitalize it away from the start of the
// title (names: Bình Tân; not the first word of a headline).
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "search.h"

namespace tracuu::internal {
namespace {

constexpr std::size_t kBodyBytes = 400;

struct Votes {
  std::map<std::string, double> exact;  // canonical lower-case form → votes
  double capitalized = 0, lower = 0, all_caps = 0;
  std::size_t longest_run = 0;  // the most context this syllable was seen in
};

bool all_upper(std::string_view written) {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(written.data(), static_cast<int32_t>(written.size())));
  if (u.countChar32() < 2) return false;
  for (int32_t i = 0; i < u.length(); i = u.moveIndex32(i, 1)) {
    if (u_isalpha(u.char32At(i)) && !u_isupper(u.char32At(i))) return false;
  }
  return true;
}

bool starts_upper(std::string_view written) {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(written.data(), static_cast<int32_t>(written.size())));
  return !u.isEmpty() && u_isupper(u.char32At(0));
}

void vote(Analyzer& analyzer, std::string_view text, const std::vector<std::string>& query,
          double weight, bool is_title, std::vector<Votes>& votes) {
  Analysis a = analyzer.analyze(text);
  const auto& syl = a.syllables;
  for (std::size_t j = 0; j < syl.size(); ++j) {
    for (std::size_t i = 0; i < query.size(); ++i) {
      std::size_t run = 0;
      while (i + run < query.size() && j + run < syl.size() &&
             syl[j + run].folded == query[i + run])
        ++run;
      if (run == 0) continue;
      for (std::size_t k = 0; k < run; ++k) {
        const Syllable& s = syl[j + k];
        Votes& v = votes[i + k];
        v.exact[s.exact] += weight * static_cast<double>(run * run);
        v.longest_run = std::max(v.longest_run, run);
        std::string_view written = text.substr(s.begin, s.end - s.begin);
        if (all_upper(written)) {
          v.all_caps += weight;  // an acronym: HĐND
        } else if (is_title && j + k > 0) {
          (starts_upper(written) ? v.capitalized : v.lower) += weight;
        }
      }
    }
  }
}

std::string capitalize(const std::string& word) {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(word);
  if (u.isEmpty()) return word;
  UChar32 first = u.char32At(0);
  u.replace(0, U16_LENGTH(first), static_cast<UChar32>(u_totitle(first)));
  std::string out;
  u.toUTF8String(out);
  return out;
}

std::string upper(const std::string& word) {
  std::string out;
  icu::UnicodeString::fromUTF8(word).toUpper().toUTF8String(out);
  return out;
}

}  // namespace

bool restorable(std::string_view query) {
  // Only plain words typed without any mark: operators, quotes and fields
  // mean the user is writing syntax, and marks mean they chose the accents.
  for (char c : query) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80 || !(std::isalnum(u) || c == ' ')) return false;
  }
  return true;
}

std::optional<std::string> restore_diacritics(Analyzer& analyzer, std::string_view query,
                                              const std::vector<Article>& top) {
  if (!restorable(query)) return std::nullopt;
  Analysis a = analyzer.analyze(query);
  if (a.syllables.empty() || top.empty()) return std::nullopt;
  std::vector<std::string> folded;
  for (const Syllable& s : a.syllables) folded.push_back(s.folded);
  std::vector<Votes> votes(folded.size());
  for (std::size_t r = 0; r < top.size(); ++r) {
    double weight = 1.0 / static_cast<double>(r + 1);
    vote(analyzer, top[r].title, folded, weight, true, votes);
    vote(analyzer, top[r].lead, folded, weight, false, votes);
    // The opening of the body: enough context, bounded cost.
    std::string_view body = top[r].body;
    std::size_t cut =
        body.size() > kBodyBytes ? body.find(' ', kBodyBytes) : std::string_view::npos;
    vote(analyzer, body.substr(0, cut), folded, weight, false, votes);
  }
  // Precision over recall: in a query of several words, each must have been
  // seen next to another query word, or the reading is a guess ("the" alone
  // could be thế, thể, thẻ...) and nothing is suggested.
  for (const Votes& v : votes) {
    if (v.longest_run < std::min<std::size_t>(2, folded.size())) return std::nullopt;
  }
  std::string out;
  bool changed = false;
  for (std::size_t i = 0; i < folded.size(); ++i) {
    std::string word = folded[i];
    if (!votes[i].exact.empty()) {
      auto best = votes[i].exact.begin();
      for (auto it = votes[i].exact.begin(); it != votes[i].exact.end(); ++it) {
        if (it->second > best->second) best = it;
      }
      word = best->first;
      if (votes[i].all_caps > votes[i].capitalized + votes[i].lower) {
        word = upper(word);
      } else if (votes[i].capitalized > votes[i].lower) {
        word = capitalize(word);
      }
    }
    changed = changed || word != folded[i];
    out += (i ? " " : "") + word;
  }
  if (!changed) return std::nullopt;
  return out;
}

}  // namespace tracuu::internal
