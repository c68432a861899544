// Internal to search/: what a Searcher is made of (SearcherImpl, the state
// and steps behind search.h's Searcher) and the pieces its files share.
// Tests reach it through the search/ include path.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "budget.h"
#include "near_check.h"
#include "query.h"
#include "ranking.h"
#include "search.h"
#include "spelling.h"
#include "story_count.h"

namespace tracuu::internal {

// The weighting scheme of searches and "Tin khác".
Xapian::BM25Weight ranking();
// A hit's fields from a stored article (no snippet).
Hit hit_of(const Article& a, double score);
// Whether a query is plain words typed without marks or syntax, which
// restore_diacritics can read.
bool restorable(std::string_view query);
// For a query of plain words typed without diacritics, the accented reading
// the top hits' titles and leads suggest ("binh tan" → "Bình Tân"); nullopt
// when the query has marks or syntax, or nothing would change.
std::optional<std::string> restore_diacritics(Analyzer& analyzer, std::string_view query,
                                              const std::vector<Article>& top);
// A snippet of `text` around the syllables whose folded form is in
// `folded_terms` (or starts with `prefix` when non-empty), HTML-escaped,
// matches in <mark>; at most about `max_bytes` of text.
std::string make_snippet(Analyzer& analyzer, std::string_view text,
                         const std::vector<std::string>& folded_terms, const std::string& prefix,
                         std::size_t max_bytes = 240);

// The pieces of `s` between each `separator` (empty ones included).
std::vector<std::string_view> split(std::string_view s, std::string_view separator);

// The query with each form of a synonym group it writes replaced by the
// group's other forms (and combinations of groups), at most a dozen
// variants; none when it writes no form (search/editorial.cpp).
std::vector<std::string> synonym_variants(std::string_view q, Analyzer& analyzer,
                                          const Synonyms& synonyms);

// Freshness (docs/ranking.md#freshness, search/recency.cpp). The top
// kFreshnessWindow matches by relevance and the kFreshnessWindow newest
// of those within kRecentHalfLives half-lives of `now` are reordered by
// score × freshness,
// where freshness = floor + (1 − floor) × 2^(−age / half-life), the age in
// days before the newest article (or the client's date).
inline constexpr std::size_t kFreshnessWindow = 100;
inline constexpr double kRecentHalfLives = 4;
// A query whose words guess it matches this many articles
// (ParsedQuery::estimated_share) is matched for its whole freshness window
// at once: Xapian skips little in it, and matching it twice (its top 10,
// then deeper) costs more than once 100 deep (1M articles: p99 83-85 ->
// 79-80 ms; at 35k no query reaches it; docs/benchmarks.md, Query time).
inline constexpr double kMatchAtOnce = 100000;
// ... and so is a query of this many words or more: a paste (descriptions
// are 8-20 words). 100 common words under `auto` at 35k: 236 ms matched
// once, 460 twice.
inline constexpr std::size_t kMatchAtOnceWords = 21;
// auto: a query is broad when it matches kBroadShare of the articles (at
// least kBroadMinMatches) and its kBroadRank-th match scores at least
// kBroadSpread of the first (measured: docs/relevance.md#freshness).
inline constexpr Xapian::doccount kBroadMinMatches = 100;
inline constexpr double kBroadShare = 0.03;
inline constexpr std::size_t kBroadRank = 10;
inline constexpr double kBroadSpread = 0.95;
inline constexpr double kAutoHalfLifeDays = 30, kAutoFloor = 0.4;
inline constexpr double kStrongHalfLifeDays = 7, kStrongFloor = 0.1;
struct FreshnessProfile {
  double half_life_days = 0;
  double floor = 0;  // the factor of an article infinitely old
};
// The days an article counts as recent: kRecentHalfLives half-lives.
inline long recent_days(const FreshnessProfile& profile) {
  return static_cast<long>(kRecentHalfLives * profile.half_life_days);
}
// The fewest matches a broad query has in an index of `articles`.
double broad_min_matches(Xapian::doccount articles);
// The profile for a request given its best scores (highest first), its
// number of matches and the index's; nullopt when the ranking stays as it is.
std::optional<FreshnessProfile> freshness_profile(Recency recency, double half_life_days,
                                                  const std::vector<double>& top_scores,
                                                  Xapian::doccount matches,
                                                  Xapian::doccount articles);
double freshness(const FreshnessProfile& profile, std::optional<long> published, long now);
// Days since 1970-01-01 of a civil date (search/recency.cpp; the timeline
// bins by it too).
long days_from_civil(int y, int m, int d);
// The civil date of a day number (days_from_civil's inverse).
Date civil_from_days(long day);
// Days since 1970-01-01 of a "YYYYMMDD..." value; nullopt if not a date.
std::optional<long> day_number(std::string_view yyyymmdd);

// A Searcher's state and work (search.h documents what each call does).
// Not thread-safe, as Searcher.
class SearcherImpl {
 public:
  SearcherImpl(std::vector<ShardSpec> shards, ShardOptions options);
  ~SearcherImpl();

  void refresh() { shards_.refresh(); }
  void set_editorial(std::shared_ptr<const Editorial> editorial) {
    editorial_ = std::move(editorial);
  }
  Xapian::doccount document_count();
  SearchResult search(const SearchRequest& request);
  Searcher::Export start_export(const SearchRequest& request);
  void probe();
  std::optional<Article> article(const std::string& id);
  std::optional<std::vector<Hit>> related(const std::string& id, std::size_t limit);
  std::vector<Suggestion> suggest(const std::string& prefix, std::size_t limit);
  Timeline timeline(const SearchRequest& request, TimeBin bin);
  Concordance concordance(const ConcordanceRequest& request);
  Searcher::ConcordanceStream start_concordance(const ConcordanceRequest& request);
  std::optional<MarkedArticle> marked_article(const std::string& id, const SearchRequest& request);
  std::vector<std::string> missing_shards() const { return shards_.missing(); }
  std::size_t shard_count() const { return shards_.size(); }

 private:
  // Runs `f` against db_; when Xapian says the revision being read was
  // discarded (a writer committed twice meanwhile), reopens and runs it
  // again; when a remote shard stops answering, runs it again without it.
  template <typename F>
  auto with_retry(F&& f) -> decltype(f());

  struct RankedArticle {
    Xapian::docid docid;
    double score;
    Article article;
    Xapian::doccount copies = 0;  // left out by grouping
    bool pinned = false;
  };
  // The query's words as every endpoint reads them: keystrokes typed with
  // the input method off, then typos and words run together (spelling.h)
  // unless the words are taken as typed (literal=1, strict accents).
  struct QueryReading {
    std::optional<std::string> typed;  // the keystroke reading, when the query was one
    std::optional<QueryCorrection> correction;
    // What is searched: the query, its keystroke reading, then its correction.
    std::string text;
  };
  // `trailing_prefix`: the search box's last word may be unfinished.
  QueryReading read_query(const SearchRequest& r, bool trailing_prefix);
  // One query path for every endpoint that matches articles (/search,
  // /export, /timeline, /concordance, feeds): the request read as a Xapian
  // query with its filters, and the decision whether a conjunction of
  // common words is relaxed.
  struct Prepared {
    QueryReading read;
    ParsedQuery parsed;
    Xapian::Query query;    // with filters and the budget
    Xapian::Query relaxed;  // the same for parsed.relaxed; empty when there is none
    bool by_date = false;
    bool group_copies = false;
    std::unique_ptr<NearDecider> near;  // NEARs between phrases, checked on positions
    std::shared_ptr<BudgetState> budget;
  };
  // Counts of the matches by value, gathered while matching.
  struct Facets {
    bool by_category_and_year = true;
    bool by_day = false;
    bool by_story = false;  // the duplicate keys seen: how many stories
    std::optional<Xapian::ValueCountMatchSpy> categories, years, days;
    std::optional<StoryCounter> stories;                   // local shards
    std::optional<Xapian::ValueCountMatchSpy> story_keys;  // remote shards (serialisable)
    StoryTally story_tally() const { return stories ? stories->tally() : tally_of(*story_keys); }
  };
  // `trailing_prefix`: the search box's last word may be unfinished.
  Prepared prepare(const SearchRequest& request, bool trailing_prefix = true);
  Xapian::Query with_filters(Xapian::Query query, const SearchRequest& r,
                             const ParsedQuery& parsed);
  Xapian::Query limited(const Xapian::Query& query, const Prepared& p) const;
  // The query with the synonym variants of the request's text OR-ed in.
  void add_synonyms(const std::string& q, const QueryOptions& options, ParsedQuery& parsed);
  // `query` without the articles the rules hide (unchanged when none).
  Xapian::Query visible(Xapian::Query query);
  Xapian::Query hidden_query(const Rules& rules);  // what visible() leaves out
  bool hidden(const std::string& id) const {
    const Rules* rules = editorial_ ? editorial_->rules.get() : nullptr;
    return rules && rules->is_hidden(id);
  }
  // The articles pinned for this request's query that pass its filters, in
  // the rule's order (none past the first page's worth).
  std::vector<RankedArticle> pinned(const SearchRequest& r, const Prepared& p);
  // The page [first, first + count) of the matches (an MSet from the
  // first), the top ones reordered by `profile` when there is one (then
  // `applied` says so).
  struct Scored {
    Xapian::docid docid;
    double score;
    std::string story;            // its duplicate key when copies are grouped ("": none)
    Xapian::doccount copies = 0;  // older copies of it left out
  };
  struct RecentMatches {
    std::vector<Scored> found;  // newest first
    bool all = false;           // every recent match (else the newest `count`)
    std::string oldest;         // the kPublished value of the oldest found
  };
  // `share`: the estimated share of the index the query matches.
  RecentMatches recent_matches(const Prepared& p, long now, const FreshnessProfile& profile,
                               Xapian::doccount count, double share);
  RecentMatches recent_matches_by_chunks(const Prepared& p, const std::string& from,
                                         Xapian::doccount count, double share);
  // The day ages count from: the request's `now`, else the newest article's.
  std::optional<long> freshness_now(const SearchRequest& r);
  Xapian::doccount estimated_matches(const Prepared& p);
  // `weight_cutoff`: only matches scoring that much (Xapian skips the rest).
  Xapian::MSet match(Prepared& p, Xapian::doccount first, Xapian::doccount count,
                     Xapian::doccount check_at_least, Facets* facets = nullptr,
                     double weight_cutoff = 0);

  // The ranking's stages (search/ranking.h), in search()'s order.
  // A candidate: a match and its score so far.
  struct Candidate {
    Xapian::docid docid;
    double score;
    Xapian::doccount copies = 0;  // older copies left out by grouping
    Xapian::Document document;    // read lazily
    double freshness = -1;        // its factor, once the freshness stage read it (freshness_of)
  };
  static bool higher_score(const Candidate& x, const Candidate& y);
  struct Candidates {
    std::vector<Candidate> items;  // highest score first
    Xapian::doccount first = 0;    // the rank of items[0]
    // Freshness reorders items[0, fresh_window): the top by relevance and
    // the recent matches joining them; 0 when it does not apply.
    std::size_t fresh_window = 0;
    std::optional<FreshnessProfile> profile;
    std::optional<long> now;
    std::optional<std::string> reading;  // the accents the top read the query with
    // The marks of the reading as a query (what they add to a candidate's
    // score), and the most they add to any article.
    Xapian::Query accent_boosts;
    double accent_most = 0;
    // With freshness: the page's end (ranks), the window matched from the
    // first, whether more of the window's matches are left to find
    // (deepen), and the most freshness of an article not among the
    // candidates (recent_days: the recent ones are).
    Xapian::doccount page_end = 0, window = 0;
    bool deeper = false;
    double most_relevance = 0;    // the most a match not yet a candidate scores
    double unseen_freshness = 1;  // 1: nothing known of their dates
  };
  // What of the request's page the pins fill, and what the matches.
  struct PageSpan {
    Xapian::doccount first = 0, count = 0;  // of the matches
    std::size_t pins_from = 0, pins_to = 0;
  };
  std::vector<RankedArticle> take_pins(const SearchRequest& r, Prepared& p);
  static PageSpan page_span(const SearchRequest& r, std::size_t pins);
  Candidates retrieve(const SearchRequest& r, Prepared& p, const PageSpan& span, SearchResult& res);
  std::optional<FreshnessProfile> judge_freshness(const SearchRequest& r, const Prepared& p,
                                                  const Xapian::MSet& mset);
  void join_recent(const Prepared& p, const Xapian::MSet& mset,
                   std::unordered_set<std::string>& stories, Candidates& c);
  void deepen(Prepared& p, Candidates& c);
  void rescore(Rescorer stage, const SearchRequest& r, Prepared& p, Candidates& c,
               SearchResult& res);
  void read_with_accents(const SearchRequest& r, const Prepared& p, Candidates& c);
  void add_accent_bonus(Candidates& c, const std::vector<std::size_t>& which);
  static double freshness_of(const Candidates& c, Candidate& m);
  void age(const SearchRequest& r, Candidates& c, SearchResult& applied);
  Xapian::Query only(const std::vector<Candidate>& items);
  std::vector<Hit> page_of(const Prepared& p, const Candidates& c, const PageSpan& span,
                           const std::vector<RankedArticle>& pins);
  void say_reading(const SearchRequest& r, const Prepared& p, const Candidates& c,
                   SearchResult& res);

  // The search box's trailing-word expansions, for this database version.
  CompletionCache& completions();
  // Articles per published day (YYYYMMDD) in the whole index, for this
  // database version (the timeline's "all").
  const std::map<std::string, std::size_t>& articles_by_day();
  // The articles published on or after `from` (a kPublished value), newest
  // first, for this database version: where freshness looks for recent
  // matches (one local database only).
  const std::vector<Xapian::docid>& articles_since(const std::string& from);
  friend class tracuu::Searcher::ConcordanceStream::State;

  ShardSet shards_;
  Xapian::Database& db_;  // = shards_.database(): the reachable shards as one
  Analyzer analyzer_;
  std::unique_ptr<CompletionCache> completions_;
  std::uint64_t completions_version_ = 0;
  std::map<std::string, std::size_t> articles_by_day_;
  std::shared_ptr<const Editorial> editorial_;
  // The hidden articles of editorial_'s rules that this database holds
  // (hidden_query), for this rules value and database version.
  Xapian::Query hidden_;
  std::shared_ptr<const Rules> hidden_rules_;  // held: its address is not reused meanwhile
  std::uint64_t hidden_version_ = 0;
  std::optional<std::uint64_t> articles_by_day_version_;
  struct RecentArticles {
    std::string from;
    std::uint64_t version = 0;
    std::vector<Xapian::docid> newest_first;
  };
  std::optional<RecentArticles> recent_articles_;
};

template <typename F>
auto SearcherImpl::with_retry(F&& f) -> decltype(f()) {
  for (int attempt = 0;; ++attempt) {
    try {
      return f();
    } catch (const Xapian::DatabaseModifiedError&) {
      if (attempt >= 2) throw;
      db_.reopen();
    } catch (const Xapian::DatabaseError&) {
      // A switched generation's files may be gone already: open the live one.
      if (attempt >= 2) throw;
      shards_.reopen_local();
    } catch (const Xapian::NetworkError&) {
      if (attempt >= 2) throw;
      shards_.drop_unreachable();
    }
  }
}

}  // namespace tracuu::internal
