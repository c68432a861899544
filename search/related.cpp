// "Tin khác": articles about the same story or subject as a given one.
//
// Xapian relevance feedback: the article is the relevant set (RSet), the ESet
// gives its most telling terms; bigram terms are weighted up, the query
// excludes the article and, through the duplicate key and an overlap check
// of the texts' word shingles, its syndicated and rewritten copies.
// Candidates are then nudged by same category and time proximity
// (docs/ranking.md#tin-khác).
#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "search.h"
#include "search_internal.h"

namespace tracuu {
namespace {

using Q = Xapian::Query;

constexpr Xapian::termcount kEsetTerms = 30;
constexpr double kSameCategory = 0.30;   // +30% for the same category: a preference, not a filter
constexpr double kTimeProximity = 0.15;  // up to +15% for articles close in time
// Two articles whose word 3-shingles overlap this much (Jaccard) tell the
// same story in the same words: a rewritten syndicated copy.
constexpr double kCopyOverlap = 0.5;
constexpr std::size_t kShingledWords = 3000;  // a long document's start is enough to tell

// A folded bigram term ("Bbinh_tan"), not another space whose prefix
// starts the same (there is none today; the letter after it is lower case).
bool is_bigram(const std::string& term) {
  const std::size_t n = prefix::kBigram.size();
  return term.size() > n && term.compare(0, n, prefix::kBigram) == 0 &&
         std::islower(static_cast<unsigned char>(term[n]));
}

// Only the folded single-syllable and bigram spaces feed the ESet: the other
// spaces repeat the same words and would crowd it.
class FeedbackTerms : public Xapian::ExpandDecider {
 public:
  bool operator()(const std::string& term) const override {
    if (term.empty()) return false;
    const bool bigram = is_bigram(term);
    if (!bigram && std::isupper(static_cast<unsigned char>(term[0]))) return false;
    std::string_view word =
        bigram ? std::string_view(term).substr(prefix::kBigram.size()) : std::string_view(term);
    if (std::all_of(word.begin(), word.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '_'; }))
      return false;  // bare numbers: every article has them
    return bigram || !is_stopword(term);
  }
};

// The word 3-shingles of an article's text (folded), hashed.
std::unordered_set<std::uint64_t> shingles_of(const Article& a) {
  const std::string folded = fold_diacritics(a.title + "\n" + a.lead + "\n" + a.body);
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < folded.size() && words.size() < kShingledWords) {
    while (i < folded.size() && !std::isalnum(static_cast<unsigned char>(folded[i]))) ++i;
    std::size_t end = i;
    while (end < folded.size() && std::isalnum(static_cast<unsigned char>(folded[end]))) ++end;
    if (end > i) words.push_back(std::string_view(folded).substr(i, end - i));
    i = end;
  }
  std::unordered_set<std::uint64_t> out;
  for (std::size_t k = 0; k + 2 < words.size(); ++k) {
    std::uint64_t h = stable_hash(words[k]);
    h = stable_hash(words[k + 1], h ^ 0x20);
    out.insert(stable_hash(words[k + 2], h ^ 0x20));
  }
  return out;
}

bool same_text(const std::unordered_set<std::uint64_t>& a,
               const std::unordered_set<std::uint64_t>& b) {
  if (a.empty() || b.empty()) return false;
  std::size_t common = 0;
  for (std::uint64_t s : a) common += b.count(s);
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common) >=
         kCopyOverlap;
}

// Days between two published values (YYYYMMDD, slot::kPublished); ten years
// when either is missing.
double days_between(const std::string& a, const std::string& b) {
  auto date = [](const std::string& v) -> std::optional<Date> {
    if (v.size() != 8) return std::nullopt;
    return parse_date(v.substr(0, 4) + "-" + v.substr(4, 2) + "-" + v.substr(6, 2));
  };
  auto da = date(a), db = date(b);
  if (!da || !db) return 3650;
  auto days = [](const Date& d) { return d.year * 365.25 + d.month * 30.44 + d.day; };
  return std::fabs(days(*da) - days(*db));
}

}  // namespace

namespace {

// The seed's most telling terms (ESet), bigrams and title words weighted up,
// as one query excluding the seed itself.
// BM25 with little length normalization (b 0.1): a seed's telling terms
// are spread over a long law's whole text, and the search's b would bury
// the other laws under short news (docs/ranking.md#tin-khác).
Xapian::BM25Weight related_ranking() {
  return Xapian::BM25Weight(1.2, 0, 1, 0.1, 0.5);
}

Q feedback_query(Xapian::Database& db, Xapian::docid seed, const std::string& id_term) {
  Xapian::Enquire enquire(db);
  Xapian::RSet rset;
  rset.add_document(seed);
  FeedbackTerms decider;
  // Exact term frequencies: over shards, Xapian would otherwise estimate
  // them from the seed's shard, and "Tin khác" would differ from one index's.
  Xapian::ESet eset =
      enquire.get_eset(kEsetTerms, rset, Xapian::Enquire::USE_EXACT_TERMFREQ, &decider);
  std::vector<Q> terms;
  // Each term as the ESet weighs it: neither the title's words (a title
  // that is a generic sentence, "Người dân phấn khởi trước thông tin mới",
  // pulls the list off topic) nor bigrams are weighted up
  // (docs/ranking.md#tin-khác).
  for (auto t = eset.begin(); t != eset.end(); ++t)
    terms.push_back(Q(Q::OP_SCALE_WEIGHT, Q(*t), t.get_weight()));
  if (terms.empty()) return Q();
  return Q(Q::OP_AND_NOT, Q(Q::OP_OR, terms.begin(), terms.end()), Q(id_term));
}

struct Neighbour {
  Xapian::docid docid;  // the MSet's: over remote shards Document::get_docid() is the shard's
  double score;
};

// The matches that are not copies of the seed, nudged by same category and
// time proximity, best first. Ordered on their values alone: term lists and
// stored articles are read later, only for the few shown.
std::vector<Neighbour> nudged(const Xapian::MSet& mset, const Xapian::Document& seed) {
  const std::string seed_category = seed.get_value(slot::kCategory);
  const std::string seed_duplicate = seed.get_value(slot::kDuplicateKey);
  const std::string seed_published = seed.get_value(slot::kPublished);
  std::vector<Neighbour> candidates;
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    Xapian::Document doc = it.get_document();
    if (doc.get_value(slot::kDuplicateKey) == seed_duplicate) continue;  // a copy of this article
    double score = it.get_weight();
    const std::string category = doc.get_value(slot::kCategory);
    if (!category.empty() && category == seed_category) score *= 1 + kSameCategory;
    score *=
        1 + kTimeProximity *
                std::exp(-days_between(doc.get_value(slot::kPublished), seed_published) / 90.0);
    candidates.push_back({*it, score});
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Neighbour& x, const Neighbour& y) { return x.score > y.score; });
  return candidates;
}

}  // namespace

std::optional<std::vector<Hit>> internal::SearcherImpl::related(const std::string& id,
                                                                std::size_t limit) {
  return with_retry([&]() -> std::optional<std::vector<Hit>> {
    const std::string id_term = std::string(prefix::kId) + id;
    auto p = db_.postlist_begin(id_term);
    if (id.empty() || p == db_.postlist_end(id_term) || hidden(id)) return std::nullopt;
    const Xapian::docid seed = *p;
    std::vector<Hit> hits;
    const Q query = feedback_query(db_, seed, id_term);
    if (query.empty()) return hits;
    Xapian::Enquire enquire(db_);
    enquire.set_query(visible(query));
    enquire.set_weighting_scheme(related_ranking());
    enquire.set_collapse_key(slot::kDuplicateKey);  // one article per story title
    const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(limit * 4 + 4));
    // The first `limit` distinct stories: not the seed's text again, nor
    // another shown one's.
    const auto seed_text = shingles_of(article_from_data(db_.get_document(seed).get_data()));
    std::vector<std::unordered_set<std::uint64_t>> chosen;  // the text of each shown story
    for (const Neighbour& c : nudged(mset, db_.get_document(seed))) {
      if (hits.size() >= limit) break;
      Article a = article_from_data(db_.get_document(c.docid).get_data());
      auto text = shingles_of(a);
      auto copy = [&](const std::unordered_set<std::uint64_t>& other) {
        return same_text(text, other);
      };
      if (copy(seed_text) || std::any_of(chosen.begin(), chosen.end(), copy)) continue;
      Hit h = internal::hit_of(a, c.score);
      h.snippet = internal::make_snippet(analyzer_, a.lead.empty() ? a.body : a.lead, {}, "", 160);
      hits.push_back(std::move(h));
      chosen.push_back(std::move(text));
    }
    return hits;
  });
}

}  // namespace tracuu
