// "Tin khác": articles about the same story or subject as a given one.
//
// Xapian relevance feedback: the article is the relevant set (RSet), the ESet
// gives its most telling terms; bigram and title terms are weighted up, the
// query excludes the article and, through the duplicate key and a term
// overlap check, its syndicated copies. Candidates close in score are then
// nudged by time proximity and same category (docs/ranking.md).
#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "search.h"
#include "search_internal.h"

namespace tracuu {
namespace {

using Q = Xapian::Query;

constexpr Xapian::termcount kEsetTerms = 30;
constexpr double kBigramFactor = 2.0;      // "bình_tân" says more than "bình" and "tân"
constexpr double kTitleFactor = 1.5;       // the term is also in the article's title
constexpr double kSameCategory = 0.10;     // +10% for the same category
constexpr double kTimeProximity = 0.15;    // up to +15% for articles close in time
constexpr double kDuplicateOverlap = 0.6;  // bigram Jaccard above this = the same text

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

std::unordered_set<std::string> bigrams_of(const Xapian::Database& db, Xapian::docid did) {
  std::unordered_set<std::string> out;
  for (auto t = db.termlist_begin(did); t != db.termlist_end(did); ++t) {
    if (is_bigram(*t)) out.insert(*t);
  }
  return out;
}

bool has_term(const Xapian::Database& db, Xapian::docid did, const std::string& term) {
  auto t = db.termlist_begin(did);
  t.skip_to(term);
  return t != db.termlist_end(did) && *t == term;
}

double jaccard(const std::unordered_set<std::string>& a, const std::unordered_set<std::string>& b) {
  if (a.empty() || b.empty()) return 0;
  std::size_t common = 0;
  for (const auto& t : a) common += b.count(t);
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
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
  for (auto t = eset.begin(); t != eset.end(); ++t) {
    const std::string& term = *t;
    const bool bigram = is_bigram(term);
    double factor = bigram ? kBigramFactor : 1.0;
    std::string title_term =
        bigram ? std::string(prefix::kTitleBigram) + term.substr(prefix::kBigram.size())
               : std::string(prefix::kTitle) + term;
    if (has_term(db, seed, title_term)) factor *= kTitleFactor;
    terms.push_back(Q(Q::OP_SCALE_WEIGHT, Q(term), factor * t.get_weight()));
  }
  if (terms.empty()) return Q();
  return Q(Q::OP_AND_NOT, Q(Q::OP_OR, terms.begin(), terms.end()), Q(id_term));
}

struct Candidate {
  Xapian::docid docid;  // the MSet's: over remote shards Document::get_docid() is the shard's
  double score;
};

// The matches that are not copies of the seed, nudged by same category and
// time proximity, best first. Ordered on their values alone: term lists and
// stored articles are read later, only for the few shown.
std::vector<Candidate> nudged(const Xapian::MSet& mset, const Xapian::Document& seed) {
  const std::string seed_category = seed.get_value(slot::kCategory);
  const std::string seed_duplicate = seed.get_value(slot::kDuplicateKey);
  const std::string seed_published = seed.get_value(slot::kPublished);
  std::vector<Candidate> candidates;
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
                   [](const Candidate& x, const Candidate& y) { return x.score > y.score; });
  return candidates;
}

}  // namespace

std::optional<std::vector<Hit>> internal::SearcherImpl::related(const std::string& id,
                                                                std::size_t limit) {
  return with_retry([&]() -> std::optional<std::vector<Hit>> {
    const std::string id_term = std::string(prefix::kId) + id;
    auto p = db_.postlist_begin(id_term);
    if (id.empty() || p == db_.postlist_end(id_term)) return std::nullopt;
    const Xapian::docid seed = *p;
    std::vector<Hit> hits;
    const Q query = feedback_query(db_, seed, id_term);
    if (query.empty()) return hits;
    Xapian::Enquire enquire(db_);
    enquire.set_query(query);
    enquire.set_weighting_scheme(internal::ranking());
    enquire.set_collapse_key(slot::kDuplicateKey);  // one article per story title
    const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(limit * 4 + 4));
    // The first `limit` distinct stories: not the seed's text again, nor
    // another shown one's (bigram overlap).
    const auto seed_bigrams = bigrams_of(db_, seed);
    std::vector<std::unordered_set<std::string>> chosen;  // the bigrams of each shown story
    for (const Candidate& c : nudged(mset, db_.get_document(seed))) {
      if (hits.size() >= limit) break;
      auto bigrams = bigrams_of(db_, c.docid);
      auto same_text = [&](const std::unordered_set<std::string>& other) {
        return jaccard(bigrams, other) > kDuplicateOverlap;
      };
      if (same_text(seed_bigrams) || std::any_of(chosen.begin(), chosen.end(), same_text)) continue;
      Article a = article_from_data(db_.get_document(c.docid).get_data());
      Hit h = internal::hit_of(a, c.score);
      h.snippet = internal::make_snippet(analyzer_, a.lead.empty() ? a.body : a.lead, {}, "", 160);
      hits.push_back(std::move(h));
      chosen.push_back(std::move(bigrams));
    }
    return hits;
  });
}

}  // namespace tracuu
