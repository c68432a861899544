// As-you-type suggestions from the index's own titles: the typed syllables
// (accents optional) plus a completion of the last one, taken from the title
// bigram terms (SB...), and shown as the words are written in a real title.
#include <algorithm>
#include <functional>
#include <set>

#include "search.h"
#include "search_internal.h"

namespace tracuu {
namespace {

using Q = Xapian::Query;

constexpr std::size_t kMaxScannedTerms = 400;  // bounds the cost of a one-letter prefix
constexpr std::size_t kCompletions = 8;

struct Completion {
  std::string term;  // what follows the prefix
  Xapian::doccount freq;
};

// The most frequent terms starting with `prefix`, at most `keep`.
std::vector<Completion> top_terms(const Xapian::Database& db, const std::string& prefix,
                                  std::size_t keep) {
  std::vector<Completion> found;
  std::size_t scanned = 0;
  for (auto t = db.allterms_begin(prefix);
       t != db.allterms_end(prefix) && scanned < kMaxScannedTerms; ++t, ++scanned) {
    found.push_back({(*t).substr(prefix.size()), t.get_termfreq()});
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const Completion& a, const Completion& b) { return a.freq > b.freq; });
  if (found.size() > keep) found.resize(keep);
  return found;
}

// The title word sequences the typed text may be the start of: its last
// word completed (from the title pairs it may end, or the title words it
// begins), then the word titles write after it.
std::vector<std::vector<std::string>> candidate_sequences(const Xapian::Database& db,
                                                          const std::vector<std::string>& syl,
                                                          bool completing) {
  std::vector<std::vector<std::string>> candidates;
  const std::string tb(prefix::kTitleBigram);
  if (completing && syl.size() >= 2) {
    const std::string& prev = syl[syl.size() - 2];
    for (const Completion& c : top_terms(db, tb + bigram_text(prev, syl.back()), kCompletions)) {
      std::vector<std::string> seq(syl.begin(), syl.end() - 1);
      seq.push_back(syl.back() + c.term);
      candidates.push_back(std::move(seq));
    }
    return candidates;
  }
  std::vector<std::string> lasts;
  if (completing) {
    for (const Completion& c : top_terms(db, std::string(prefix::kTitle) + syl.back(), 4))
      lasts.push_back(syl.back() + c.term);
  } else {
    lasts.push_back(syl.back());
  }
  for (const std::string& last : lasts) {
    std::vector<std::string> base(syl.begin(), syl.end() - 1);
    base.push_back(last);
    for (const Completion& c : top_terms(db, tb + bigram_text(last, ""), 3)) {
      std::vector<std::string> seq = base;
      seq.push_back(c.term);
      candidates.push_back(std::move(seq));
    }
    if (completing) candidates.push_back(base);
  }
  return candidates;
}

// The sequence as a title holding it writes it ("Hà Nội"), and how many
// titles hold it; nullopt when none does.
// `visible` leaves out the articles the editors hide.
std::optional<Suggestion> as_written(Xapian::Database& db, Analyzer& analyzer,
                                     const std::vector<std::string>& seq,
                                     const std::function<Q(Q)>& visible) {
  std::vector<Q> parts;
  for (const std::string& s : seq) parts.push_back(Q(std::string(prefix::kTitle) + s));
  Q phrase = parts.size() == 1 ? parts[0]
                               : Q(Q::OP_PHRASE, parts.begin(), parts.end(),
                                   static_cast<Xapian::termcount>(parts.size()));
  Xapian::Enquire enquire(db);
  enquire.set_query(visible(phrase));
  enquire.set_weighting_scheme(Xapian::BoolWeight());
  Xapian::MSet mset = enquire.get_mset(0, 1, 100);
  if (mset.empty()) return std::nullopt;
  std::string title = article_from_data(mset.begin().get_document().get_data()).title;
  Analysis t = analyzer.analyze(title);
  for (std::size_t i = 0; i + seq.size() <= t.syllables.size(); ++i) {
    bool match = true;
    for (std::size_t k = 0; k < seq.size() && match; ++k)
      match = t.syllables[i + k].folded == seq[k];
    if (!match) continue;
    std::string text = title.substr(t.syllables[i].begin,
                                    t.syllables[i + seq.size() - 1].end - t.syllables[i].begin);
    return Suggestion{text, mset.get_matches_estimated()};
  }
  return std::nullopt;
}

}  // namespace

std::vector<Suggestion> internal::SearcherImpl::suggest(const std::string& typed,
                                                        std::size_t limit) {
  return with_retry([&] {
    std::vector<Suggestion> out;
    Analysis a = analyzer_.analyze(typed);
    if (a.syllables.empty()) return out;
    std::vector<std::string> syl;
    for (const Syllable& s : a.syllables) syl.push_back(s.folded);
    std::set<std::string> shown;
    for (const auto& seq : candidate_sequences(db_, syl, typed.back() != ' ')) {
      std::optional<Suggestion> s =
          as_written(db_, analyzer_, seq, [this](Q q) { return visible(std::move(q)); });
      if (s && shown.insert(normalize_text(s->text)).second) out.push_back(std::move(*s));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Suggestion& x, const Suggestion& y) { return x.count > y.count; });
    if (out.size() > limit) out.resize(limit);
    return out;
  });
}

}  // namespace tracuu
