// Searcher: search, export and article lookup over one index.
#include <algorithm>
#include <chrono>
#include <unordered_map>
#include <unordered_set>

#include "budget.h"
#include "docid_list.h"
#include "near_check.h"
#include "query.h"
#include "ranking.h"
#include "search.h"
#include "search_internal.h"

namespace tracuu::internal {

// BM25 with k1 1.2 and a light length normalization (b 0.3, not the usual
// 0.75): Xapian normalizes title terms by the whole article's length, so a
// strong b buries long articles whose title matches (docs/ranking.md).
// Field and accent weights are in the query. min_normlen 0.5 keeps one-line
// articles from winning on length.
Xapian::BM25Weight ranking() {
  return Xapian::BM25Weight(1.2, 0, 1, 0.3, 0.5);
}

Hit hit_of(const Article& a, double score) {
  Hit h;
  h.id = a.id;
  h.title = a.title;
  h.url = a.url;
  h.published = a.published;
  h.category = a.category;
  h.author = a.author;
  h.score = score;
  return h;
}

namespace {

using Q = Xapian::Query;

// Xapian 1.4.22 crashes in MSet::fetch() on an MSet that starts past the
// first match (get_mset(first > 0, ...)); fetch() is only a prefetch hint, so
// it is called for first pages only.

// Facets and totals look at no fewer matches than this (exact=1: all of them).
// Fewer lets Xapian stop early; more makes facet counts closer to exact.
constexpr Xapian::doccount kFacetSample = 200;

// A query of common words requiring them all must find this many articles,
// or it is run with every word optional (ParsedQuery::relaxed).
constexpr Xapian::doccount kEnoughForConjunction = 50;

// How many top hits vote on the accents of a query typed without them.
constexpr std::size_t kRestoreFrom = 5;

std::string compact(const std::string& iso) {
  if (iso.empty()) return {};
  auto d = parse_date(iso);
  if (!d) throw BadRequest("bad date \"" + iso + "\": expected YYYY-MM-DD");
  return published_value(d->iso());
}

// The same day (or month) in every year the index covers: one range per year.
Q every_year(const Xapian::Database& db, const DayOfYear& d) {
  const std::string lowest = db.get_value_lower_bound(slot::kPublished);
  const std::string highest = db.get_value_upper_bound(slot::kPublished);
  if (lowest.size() < 4 || highest.size() < 4) return Q::MatchNothing;
  std::vector<Q> years;
  const std::string mmdd = d.text();  // "05-15" or "05"
  const std::string from = mmdd.substr(0, 2) + (d.day ? mmdd.substr(3, 2) : "01");
  const std::string to = mmdd.substr(0, 2) + (d.day ? mmdd.substr(3, 2) : "31");
  for (int y = std::stoi(lowest.substr(0, 4)); y <= std::stoi(highest.substr(0, 4)); ++y) {
    const std::string year = std::to_string(y);
    years.emplace_back(Q::OP_VALUE_RANGE, slot::kPublished, year + from, year + to);
  }
  return Q(Q::OP_OR, years.begin(), years.end());
}

}  // namespace

// The filters of a request: dates (parameters and query text), the day of
// the year, categories, and the copies of one story.
Q SearcherImpl::with_filters(Q query, const SearchRequest& r, const ParsedQuery& parsed) {
  std::string from = compact(r.from), to = compact(r.to);
  if (parsed.date_range) {  // the narrower of the two wins
    std::string qf = compact(parsed.date_range->from), qt = compact(parsed.date_range->to);
    if (!qf.empty() && (from.empty() || qf > from)) from = qf;  // an empty end is open
    if (!qt.empty() && (to.empty() || qt < to)) to = qt;
  }
  if (!from.empty() || !to.empty()) {
    Q range = to.empty()     ? Q(Q::OP_VALUE_GE, slot::kPublished, from)
              : from.empty() ? Q(Q::OP_VALUE_LE, slot::kPublished, to)
                             : Q(Q::OP_VALUE_RANGE, slot::kPublished, from, to);
    query = Q(Q::OP_FILTER, query, range);
  }
  std::vector<std::string> categories = parsed.categories;
  if (!r.category.empty()) categories.push_back(fold_diacritics(r.category));
  for (const std::string& c : categories)
    query = Q(Q::OP_FILTER, query, Q(std::string(prefix::kCategory) + c));
  std::optional<DayOfYear> day = parsed.day_of_year;
  if (!r.on.empty()) {
    day = parse_day_of_year(r.on);
    if (!day)
      throw BadRequest("on must be a day of the year MM-DD or a month MM, got \"" +
                       r.on.substr(0, 20) + "\"");
  }
  if (day) query = Q(Q::OP_FILTER, query, every_year(db_, *day));
  if (!r.copies_of.empty()) {
    const std::string id_term = std::string(prefix::kId) + r.copies_of;
    auto p = db_.postlist_begin(id_term);
    if (p == db_.postlist_end(id_term))
      throw BadRequest("copies_of: no article with id \"" + r.copies_of.substr(0, 200) + "\"");
    const std::string key = db_.get_document(*p).get_value(slot::kDuplicateKey);
    query = Q(Q::OP_FILTER, query, Q(Q::OP_VALUE_RANGE, slot::kDuplicateKey, key, key));
  }
  return visible(query);
}

// Hidden articles are left out of every query built here (and of /related
// and /suggest). Only ids this database holds are listed, so a long list of
// takedowns not (or no longer) in the index costs nothing per query. On one
// local database they are a sorted docid list that the match skips through
// (AND_NOT a DocidList): a query costs the same with 5 hides or 35,000,
// where an OR of 35,000 id terms was opened for every query and timed every
// search out. Shards (docids per database, remote ones serialised) keep
// the OR of id terms.
Q SearcherImpl::visible(Q query) {
  const std::shared_ptr<const Rules> rules = editorial_ ? editorial_->rules : nullptr;
  if (!rules || rules->hidden().empty()) return query;
  if (rules != hidden_rules_ || shards_.version() != hidden_version_) {
    hidden_ = hidden_query(*rules);
    hidden_rules_ = rules;
    hidden_version_ = shards_.version();
  }
  if (hidden_.empty()) return query;
  return Q(Q::OP_AND_NOT, query, hidden_);
}

Q SearcherImpl::hidden_query(const Rules& rules) {
  const bool one_local = shards_.size() == 1 && shards_.all_local();
  std::vector<Q> terms;
  std::vector<Xapian::docid> docids;
  for (const std::string& id : rules.hidden()) {
    const std::string t = std::string(prefix::kId) + id;
    if (!one_local) {
      if (db_.term_exists(t)) terms.emplace_back(t);
      continue;
    }
    for (auto p = db_.postlist_begin(t); p != db_.postlist_end(t); ++p) docids.push_back(*p);
  }
  if (!one_local) return Q(Q::OP_OR, terms.begin(), terms.end());
  if (docids.empty()) return Q();
  std::sort(docids.begin(), docids.end());
  docids.erase(std::unique(docids.begin(), docids.end()), docids.end());
  return Q((new DocidList(std::move(docids)))->release());
}

// Each variant is the whole query with another form of a group written:
// the alternatives are OR-ed, so an article writing any form matches, and
// its snippets, concordance lines and marks show the form it writes. A
// NEAR's positional checks apply to the whole match, so a query with one
// keeps its own reading.
void SearcherImpl::add_synonyms(const std::string& q, const QueryOptions& options,
                                ParsedQuery& parsed) {
  if (!editorial_ || !editorial_->synonyms || !parsed.near_checks.empty() || parsed.match_all)
    return;
  const std::vector<std::string> variants = synonym_variants(q, analyzer_, *editorial_->synonyms);
  if (variants.empty()) return;
  std::vector<Q> queries{parsed.query}, relaxed{parsed.relaxed};
  bool any_relaxed = !parsed.relaxed.empty();
  for (const std::string& v : variants) {
    ParsedQuery other = parse_query(v, analyzer_, options);
    if (!other.error.empty() || other.match_all || !other.near_checks.empty()) continue;
    queries.push_back(other.query);
    relaxed.push_back(other.relaxed);
    any_relaxed = any_relaxed || !other.relaxed.empty();
    parsed.highlight.insert(parsed.highlight.end(), other.highlight.begin(), other.highlight.end());
    auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
    append(parsed.sought.phrases, other.sought.phrases);
    append(parsed.sought.runs, other.sought.runs);
    append(parsed.sought.keys, other.sought.keys);
  }
  if (any_relaxed) {
    for (std::size_t k = 0; k < relaxed.size(); ++k)
      if (relaxed[k].empty()) relaxed[k] = queries[k];
    parsed.relaxed = Q(Q::OP_OR, relaxed.begin(), relaxed.end());
  }
  parsed.query = Q(Q::OP_OR, queries.begin(), queries.end());
}

namespace {

std::map<std::string, std::size_t> facet_counts(const Xapian::ValueCountMatchSpy& spy) {
  std::map<std::string, std::size_t> counts;
  for (auto it = spy.values_begin(); it != spy.values_end(); ++it) {
    if (!(*it).empty()) counts[*it] = it.get_termfreq();
  }
  return counts;
}

std::string snippet_source(const Article& a) {
  std::string text = a.lead;
  if (!a.body.empty()) text += (text.empty() ? "" : "\n") + a.body;
  if (text.empty()) text = a.caption;
  return text;
}

}  // namespace

SearcherImpl::SearcherImpl(std::vector<ShardSpec> shards, ShardOptions options)
    : shards_(std::move(shards), options),
      db_(shards_.database()),
      completions_(std::make_unique<CompletionCache>()),
      completions_version_(shards_.version()) {}

SearcherImpl::~SearcherImpl() = default;

CompletionCache& SearcherImpl::completions() {
  if (shards_.version() != completions_version_) {
    completions_->clear();
    completions_version_ = shards_.version();
  }
  return *completions_;
}

Xapian::doccount SearcherImpl::document_count() {
  return with_retry([&] { return db_.get_doccount(); });
}

SearcherImpl::QueryReading SearcherImpl::read_query(const SearchRequest& r, bool trailing_prefix) {
  QueryReading read;
  read.typed = read_keystrokes(r.q, db_);
  read.text = read.typed ? *read.typed : r.q;
  // The last word is still being typed as parse_query reads it.
  const bool typing = trailing_prefix && !read.text.empty() && !is_space(read.text.back());
  if (!r.literal && !r.strict_accents)
    read.correction = correct_query(read.text, db_, typing, r.budget.deadline);
  if (read.correction) read.text = read.correction->served;
  return read;
}

SearcherImpl::Prepared SearcherImpl::prepare(const SearchRequest& r, bool trailing_prefix) {
  Prepared p;
  p.read = read_query(r, trailing_prefix);
  QueryOptions options;
  options.strict_accents = r.strict_accents;
  options.all_words = r.all_words;
  options.dates_as_words = r.dates_as_words;
  options.trailing_prefix = trailing_prefix;
  options.expand_from = &db_;
  options.completion_cache = &completions();
  if (p.read.correction) {
    options.typed_forms = p.read.correction->typed_forms;
    options.unmarked_readings = p.read.correction->unmarked;
  }
  p.parsed = parse_query(p.read.text, analyzer_, options);
  if (!p.parsed.error.empty()) throw BadRequest(p.parsed.error);
  add_synonyms(p.read.text, options, p.parsed);
  // Over remote shards the query's own reading of the NEAR stands (docs/api.md).
  if (!p.parsed.near_checks.empty() && shards_.all_local())
    p.near = std::make_unique<NearDecider>(p.parsed.near_checks);
  p.group_copies = r.group_copies && r.copies_of.empty();
  p.by_date = r.sort == SearchRequest::Sort::kDate || p.parsed.match_all;
  p.budget = std::make_shared<BudgetState>(r.budget);
  p.query = limited(with_filters(p.parsed.query, r, p.parsed), p);
  if (!p.parsed.relaxed.empty())
    p.relaxed = limited(with_filters(p.parsed.relaxed, r, p.parsed), p);
  return p;
}

Xapian::Query SearcherImpl::limited(const Xapian::Query& q, const Prepared& p) const {
  return within_budget(q, p.budget, shards_.all_local());
}

// `check_at_least` is at least kEnoughForConjunction, so the decision to
// relax is made on an exact count: every page and the export of a query
// decide alike.
// With `count` 0 it only counts (and feeds `facets`): no weights computed.
Xapian::MSet SearcherImpl::match(Prepared& p, Xapian::doccount first, Xapian::doccount count,
                                 Xapian::doccount check_at_least, Facets* facets,
                                 double weight_cutoff) {
  auto run = [&] {
    Xapian::Enquire enquire(db_);
    enquire.set_query(p.query);
    // Xapian skips whatever cannot reach the cutoff (its weight bounds).
    if (weight_cutoff > 0) enquire.set_cutoff(0, weight_cutoff);
    if (count == 0) {
      enquire.set_weighting_scheme(Xapian::BoolWeight());
    } else {
      enquire.set_weighting_scheme(ranking());
    }
    if (p.by_date) enquire.set_sort_by_value_then_relevance(slot::kPublished, true);
    if (p.group_copies) enquire.set_collapse_key(slot::kDuplicateKey);
    if (facets && facets->by_category_and_year) {  // fresh for each match
      facets->categories.emplace(slot::kCategory);
      facets->years.emplace(slot::kYear);
      enquire.add_matchspy(&*facets->categories);
      enquire.add_matchspy(&*facets->years);
    }
    if (facets && facets->by_day) {
      facets->days.emplace(slot::kPublished);
      enquire.add_matchspy(&*facets->days);
    }
    if (facets && facets->by_story && shards_.all_local()) {
      facets->stories.emplace(slot::kDuplicateKey);
      enquire.add_matchspy(&*facets->stories);
    } else if (facets && facets->by_story) {
      facets->story_keys.emplace(slot::kDuplicateKey);
      enquire.add_matchspy(&*facets->story_keys);
    }
    // With a cutoff the query was read already (relaxed or not): count none.
    return enquire.get_mset(first, count,
                            weight_cutoff > 0 ? 0 : std::max(check_at_least, kEnoughForConjunction),
                            nullptr, p.near.get());
  };
  Xapian::MSet mset = run();
  // Every word was common and few articles hold them all: every word
  // optional after all.
  if (!p.relaxed.empty() && weight_cutoff <= 0 &&
      mset.get_uncollapsed_matches_lower_bound() < kEnoughForConjunction && !p.budget->expired) {
    p.query = p.relaxed;
    p.relaxed = Q();
    mset = run();
  }
  return mset;
}

namespace {

// With copies grouped, Xapian's counts are of collapsed matches and only
// estimates; the spy on the duplicate key saw the matches before grouping
// (all of them with exact=1, or when it saw fewer than it was asked to
// check): articles are what it saw, stories its distinct keys. A sample is
// scaled to the estimated total.
void count_stories(const Xapian::MSet& mset, const StoryTally& tally, bool all_seen,
                   SearchResult& res) {
  const Xapian::doccount seen = tally.articles;
  const std::size_t stories_seen = tally.stories;
  res.total_exact = !res.timed_out && all_seen;
  res.total = all_seen ? seen : std::max(seen, mset.get_uncollapsed_matches_estimated());
  res.stories =
      seen == 0
          ? 0
          : static_cast<std::size_t>(
                static_cast<double>(stories_seen) * static_cast<double>(res.total) / seen + 0.5);
}
}  // namespace

// How many articles the query matches, as Xapian estimates it from the
// terms' frequencies, before matching: the same for every page.
Xapian::doccount SearcherImpl::estimated_matches(const Prepared& p) {
  Xapian::Enquire enquire(db_);
  enquire.set_query(p.query);
  enquire.set_weighting_scheme(Xapian::BoolWeight());
  if (p.group_copies) enquire.set_collapse_key(slot::kDuplicateKey);
  return enquire.get_mset(0, 0).get_matches_estimated();
}

// The ranking of search/ranking.h, as its stages: the query read, the pins
// taken out of the match, retrieval, each rescoring stage in its declared
// order, then the page.
SearchResult SearcherImpl::search(const SearchRequest& r) {
  const auto start = std::chrono::steady_clock::now();
  SearchResult result = with_retry([&] {
    SearchResult res;
    res.query = r.q;
    auto lap = [&res, at = std::chrono::steady_clock::now()](std::string_view stage) mutable {
      const auto now = std::chrono::steady_clock::now();
      res.stages.push_back({stage, std::chrono::duration<double, std::milli>(now - at).count()});
      at = now;
    };
    Prepared p = prepare(r);
    res.date_range = p.parsed.date_range;
    lap("read");
    const std::vector<RankedArticle> pins = take_pins(r, p);
    const PageSpan span = page_span(r, pins.size());
    lap("pins");
    Candidates candidates = retrieve(r, p, span, res);
    res.total += pins.size();
    if (res.stories) *res.stories += pins.size();
    lap("retrieval");
    for (const RescoringStage& stage : kRescoring) {
      rescore(stage.rescorer, r, p, candidates, res);
      lap(stage.name);
    }
    res.hits = page_of(p, candidates, span, pins);
    say_reading(r, p, candidates, res);
    lap("page");
    return res;
  });
  result.took_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return result;
}

// Pinned articles lead the first pages; the match goes on without them.
std::vector<SearcherImpl::RankedArticle> SearcherImpl::take_pins(const SearchRequest& r,
                                                                 Prepared& p) {
  std::vector<RankedArticle> pins = pinned(r, p);
  if (pins.empty()) return pins;
  std::vector<Q> ids;
  for (const RankedArticle& a : pins) ids.emplace_back(std::string(prefix::kId) + a.article.id);
  const Q pinned_ids(Q::OP_OR, ids.begin(), ids.end());
  p.query = Q(Q::OP_AND_NOT, p.query, pinned_ids);
  if (!p.relaxed.empty()) p.relaxed = Q(Q::OP_AND_NOT, p.relaxed, pinned_ids);
  return pins;
}

SearcherImpl::PageSpan SearcherImpl::page_span(const SearchRequest& r, std::size_t pins) {
  PageSpan span;
  span.pins_from = std::min(r.offset, pins);
  span.pins_to = std::min(r.offset + r.limit, pins);
  span.first = static_cast<Xapian::doccount>(r.offset > pins ? r.offset - pins : 0);
  span.count = static_cast<Xapian::doccount>(r.limit - (span.pins_to - span.pins_from));
  return span;
}

// Stage 1: the match, its counts and facets, and the candidates the
// rescoring stages may reorder. Freshness may reorder the top
// kFreshnessWindow, so they are matched from the first: first the top
// kBroadRank (or the page, if deeper; the whole window for a query of
// common words in a large index, or of many words: kMatchAtOnce), which
// say whether `auto` applies (judge_freshness); then, when it does, the
// newest recent matches join them (join_recent), and the freshness stage
// matches deeper only for what could still reach the page (deepen). Ages
// count from `now`: an index without dates has no fresh articles.
SearcherImpl::Candidates SearcherImpl::retrieve(const SearchRequest& r, Prepared& p,
                                                const PageSpan& span, SearchResult& res) {
  Candidates c;
  c.now = r.recency != Recency::kOff && !p.by_date ? freshness_now(r) : std::nullopt;
  const bool fresh = c.now && span.count > 0 && span.first < kFreshnessWindow;
  c.page_end = span.first + span.count;
  c.window = std::max<Xapian::doccount>(kFreshnessWindow, c.page_end);
  c.first = fresh ? 0 : span.first;
  // Xapian can skip little in a query matching a good share of the index,
  // or in a paste of many words: its top 10 and then a deeper match would
  // cost it twice, too long once the matches are many or the words are.
  const bool at_once = fresh && (p.parsed.estimated_share * db_.get_doccount() >= kMatchAtOnce ||
                                 p.parsed.words >= kMatchAtOnceWords);
  const Xapian::doccount match_count =
      at_once ? c.window
      : fresh ? std::max<Xapian::doccount>(static_cast<Xapian::doccount>(kBroadRank), c.page_end)
              : span.count;
  Facets facets;
  facets.by_category_and_year = r.facets;
  facets.by_story = p.group_copies;
  // Facets and totals see at least kFacetSample matches; exact=1 sees all.
  const Xapian::doccount check =
      r.exact_total ? db_.get_doccount() : std::max<Xapian::doccount>(kFacetSample, c.window);
  Xapian::MSet mset = match(p, c.first, match_count, check, &facets);
  p.relaxed = Q();  // read: relaxed or not, the deeper match reads it alike
  // A match cut short by its time budget is answered as it is.
  if (fresh && !p.budget->expired) c.profile = judge_freshness(r, p, mset);
  if (!fresh && c.first == 0) mset.fetch();  // see the MSet::fetch() note above
  std::unordered_set<std::string> stories;   // with copies grouped: a story is listed once
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    c.items.push_back({*it, it.get_weight(), it.get_collapse_count(), it.get_document()});
    if (!it.get_collapse_key().empty()) stories.insert(it.get_collapse_key());
  }
  if (c.profile) {
    c.deeper = mset.size() < c.window && mset.size() < mset.get_matches_lower_bound();
    // The rest of the matches score no more than the last of these.
    if (!mset.empty()) c.most_relevance = mset[mset.size() - 1].get_weight();
    join_recent(p, mset, stories, c);
  } else if (fresh) {  // matched from the first, but nothing to age: the page alone
    const auto from =
        static_cast<std::ptrdiff_t>(std::min<std::size_t>(span.first, c.items.size()));
    c.items.erase(c.items.begin(), c.items.begin() + from);
    if (c.items.size() > span.count) c.items.resize(span.count);
    c.first = span.first;
  }
  res.timed_out = p.budget->expired;
  if (p.group_copies) {
    const StoryTally tally = facets.story_tally();
    count_stories(mset, tally, r.exact_total || tally.articles < check, res);
  } else {
    res.total = mset.get_matches_estimated();
    res.total_exact =
        !res.timed_out && mset.get_matches_lower_bound() == mset.get_matches_upper_bound();
  }
  if (facets.categories) res.category_facets = facet_counts(*facets.categories);
  if (facets.years) res.year_facets = facet_counts(*facets.years);
  return c;
}

// Whether freshness applies, and how (freshness_profile), from the top
// kBroadRank of the first match. The number of matches is asked only when
// their spread says broad, and of Xapian's estimate before matching: the
// match's own depends on how deep it went, and every page must decide alike.
std::optional<FreshnessProfile> SearcherImpl::judge_freshness(const SearchRequest& r,
                                                              const Prepared& p,
                                                              const Xapian::MSet& mset) {
  std::vector<double> top;
  for (auto it = mset.begin(); it != mset.end() && top.size() < kBroadRank; ++it)
    top.push_back(it.get_weight());
  const Xapian::doccount articles = db_.get_doccount();
  auto profile = freshness_profile(r.recency, r.half_life_days, top, articles, articles);
  if (profile && r.recency == Recency::kAuto)
    profile = freshness_profile(r.recency, r.half_life_days, top, estimated_matches(p), articles);
  return profile;
}

// The candidates freshness chooses from: the top by relevance, and the
// newest recent matches (many near-equal matches may leave every recent one
// past the top kFreshnessWindow by relevance), each once. Says how fresh
// an article neither holds can be (Candidates::unseen_freshness).
void SearcherImpl::join_recent(const Prepared& p, const Xapian::MSet& mset,
                               std::unordered_set<std::string>& stories, Candidates& c) {
  const std::size_t by_relevance = std::min(c.items.size(), kFreshnessWindow);
  c.fresh_window = by_relevance;
  if (p.budget->expired || p.near || mset.size() >= mset.get_matches_lower_bound()) return;
  const RecentMatches recent = recent_matches(
      p, *c.now, *c.profile, c.window,
      static_cast<double>(mset.get_matches_estimated()) / std::max<double>(1, db_.get_doccount()));
  // Every recent match found: the rest are older than the recent ones
  // (or undated); else older than the oldest found, unless it was written
  // after `now` (a client's date in the past).
  const std::optional<long> oldest = day_number(recent.oldest);
  if (recent.all)
    c.unseen_freshness = freshness(*c.profile, *c.now - recent_days(*c.profile), *c.now);
  else if (oldest && *oldest <= *c.now)
    c.unseen_freshness = freshness(*c.profile, oldest, *c.now);
  std::unordered_set<Xapian::docid> seen;
  for (const Candidate& m : c.items) seen.insert(m.docid);
  std::vector<Candidate> joining;
  for (const Scored& m : recent.found)
    if (seen.insert(m.docid).second && (m.story.empty() || stories.insert(m.story).second))
      joining.push_back({m.docid, m.score, m.copies, db_.get_document(m.docid)});
  c.items.insert(c.items.begin() + static_cast<std::ptrdiff_t>(by_relevance), joining.begin(),
                 joining.end());
  c.fresh_window += joining.size();
}

// The freshness window's articles past the first match that could still
// reach the page: an article not yet a candidate scores at most (its
// relevance + the most the accent reading adds) × unseen_freshness, so only
// those whose relevance reaches the page's last score over that, less the
// accent bonus, are matched, and Xapian skips the rest by its weight
// bounds. The top kFreshnessWindow by relevance are the candidates, as if
// they were matched at once (docs/ranking.md#freshness).
void SearcherImpl::deepen(Prepared& p, Candidates& c) {
  if (!c.deeper || p.budget->expired) return;
  const auto window_end = c.items.begin() + static_cast<std::ptrdiff_t>(c.fresh_window);
  std::vector<double> finals;
  for (auto m = c.items.begin(); m != window_end; ++m)
    finals.push_back(m->score * freshness_of(c, *m));
  double page_last = 0;  // the score a new article must beat to be on the page
  if (finals.size() >= c.page_end) {
    std::nth_element(finals.begin(), finals.begin() + (c.page_end - 1), finals.end(),
                     std::greater<>());
    page_last = finals[c.page_end - 1];
  }
  const double cutoff = page_last / c.unseen_freshness - c.accent_most;
  if (cutoff > c.most_relevance) return;  // no article scores enough
  const Xapian::MSet mset = match(p, 0, c.window, 0, nullptr, cutoff);
  std::unordered_set<Xapian::docid> seen;
  for (auto m = c.items.begin(); m != window_end; ++m) seen.insert(m->docid);
  if (std::all_of(mset.begin(), mset.end(), [&](Xapian::docid d) { return seen.count(d) > 0; }))
    return;
  std::unordered_map<std::string, std::size_t> story_at;  // a story's place in the window
  if (p.group_copies)
    for (auto m = c.items.begin(); m != window_end; ++m)
      story_at[m->document.get_value(slot::kDuplicateKey)] =
          static_cast<std::size_t>(m - c.items.begin());
  std::vector<std::size_t> changed;  // candidates new to the window
  std::vector<Candidate> joining;
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    if (!seen.insert(*it).second) continue;
    Candidate m{*it, it.get_weight(), it.get_collapse_count(), it.get_document()};
    // A story a recent copy joined: its best copy by relevance stands for
    // it, as it does when found in the top by relevance.
    const auto listed = story_at.find(it.get_collapse_key());
    if (!it.get_collapse_key().empty() && listed != story_at.end()) {
      c.items[listed->second] = std::move(m);
      changed.push_back(listed->second);
      continue;
    }
    joining.push_back(std::move(m));
  }
  for (std::size_t k = 0; k < joining.size(); ++k) changed.push_back(c.fresh_window + k);
  c.items.insert(window_end, joining.begin(), joining.end());
  c.fresh_window += joining.size();
  add_accent_bonus(c, changed);
}

// The order every rescoring stage leaves its window in.
bool SearcherImpl::higher_score(const Candidate& x, const Candidate& y) {
  return x.score > y.score;
}

// Stage 2: one rescoring stage over its window of the candidates.
void SearcherImpl::rescore(Rescorer stage, const SearchRequest& r, Prepared& p, Candidates& c,
                           SearchResult& res) {
  switch (stage) {
    case Rescorer::kAccentReading:
      return read_with_accents(r, p, c);
    case Rescorer::kFreshness:
      if (c.profile) deepen(p, c);
      res.timed_out = p.budget->expired;  // the deeper match's budget too
      return age(r, c, res);
  }
}

namespace {
// The space-separated words of `text`.
std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view w : split(text, " "))
    if (!w.empty()) out.emplace_back(w);
  return out;
}
}  // namespace

// A query of plain words typed without marks: the accented reading its top
// kRestoreFrom candidates vote for, and every candidate's score plus what
// the reading's marks would have added (accent_boosts: BM25 sums, so this
// equals searching the reading, within these candidates): "binh tan" puts
// articles writing "Bình Tân" above those writing "bính tấn". Only the
// candidates are scored (a filter on them); term statistics are the whole
// index's, as in any search. The candidates are the page, or the freshness
// window, so pages never share or lose a hit.
//
// A query typed with marks whose typos were read as words without them
// ("Ứng dng" → "Ứng dung"): those words alone take the reading's marks
// ("Ứng dụng"), shown and ranked as above; the words typed keep theirs.
void SearcherImpl::read_with_accents(const SearchRequest& r, const Prepared& p, Candidates& c) {
  if (r.strict_accents) return;
  const bool plain = restorable(p.read.text);
  const std::vector<std::string>* corrected =
      p.read.correction ? &p.read.correction->unmarked : nullptr;
  if (!plain && (!corrected || corrected->empty())) return;
  const std::string folded = plain ? p.read.text : fold_diacritics(p.read.text);
  if (!restorable(folded)) return;  // syntax: read as typed
  std::vector<Article> top;
  for (std::size_t i = 0; i < c.items.size() && i < kRestoreFrom; ++i)
    top.push_back(article_from_data(c.items[i].document.get_data()));
  c.reading = restore_diacritics(analyzer_, folded, top);
  if (!c.reading) return;
  std::string boosted = *c.reading;  // the words whose marks the reading chose
  if (!plain) {
    const std::vector<std::string> typed = words_of(p.read.text);
    const std::vector<std::string> restored = words_of(*c.reading);
    if (typed.size() != restored.size()) {
      c.reading.reset();
      return;
    }
    std::string merged;
    boosted.clear();
    for (std::size_t k = 0; k < typed.size(); ++k) {
      const std::string bare = fold_diacritics(typed[k]);
      const bool unmarked =
          canonical_syllable(typed[k]) == bare &&
          std::find(corrected->begin(), corrected->end(), bare) != corrected->end();
      merged += (k ? " " : "") + (unmarked ? restored[k] : typed[k]);
      if (unmarked) boosted += (boosted.empty() ? "" : " ") + restored[k];
    }
    c.reading = merged;
  }
  if (boosted.empty() || p.by_date || c.items.size() < 2) return;
  c.accent_boosts = accent_boosts(boosted, analyzer_);
  std::vector<std::size_t> all(c.items.size());
  for (std::size_t k = 0; k < all.size(); ++k) all[k] = k;
  add_accent_bonus(c, all);
  // The freshness window's entries stay in it: reorder it and what follows apart.
  const auto window_end = c.items.begin() + static_cast<std::ptrdiff_t>(c.fresh_window);
  std::stable_sort(c.items.begin(), window_end, higher_score);
  std::stable_sort(window_end, c.items.end(), higher_score);
}

// Adds to the candidates `which` what the accent reading's marks score in
// them (Candidates::accent_boosts): BM25 sums, so this equals searching the
// reading. Notes the most it can add to any article.
void SearcherImpl::add_accent_bonus(Candidates& c, const std::vector<std::size_t>& which) {
  if (c.accent_boosts.empty() || which.empty()) return;
  std::vector<Candidate> picked;
  for (std::size_t k : which) picked.push_back(c.items[k]);
  Xapian::Enquire enquire(db_);
  enquire.set_query(Q(Q::OP_FILTER, c.accent_boosts, only(picked)));
  enquire.set_weighting_scheme(ranking());
  const Xapian::MSet bonus = enquire.get_mset(0, static_cast<Xapian::doccount>(picked.size()));
  c.accent_most = std::max(c.accent_most, bonus.get_max_possible());
  std::unordered_map<Xapian::docid, double> extra;
  for (auto it = bonus.begin(); it != bonus.end(); ++it) extra[*it] = it.get_weight();
  for (std::size_t k : which)
    if (auto found = extra.find(c.items[k].docid); found != extra.end())
      c.items[k].score += found->second;
}

// Exactly the candidates, as a filter: their docids on one local database,
// else their id terms.
Xapian::Query SearcherImpl::only(const std::vector<Candidate>& items) {
  if (shards_.size() == 1 && shards_.all_local()) {
    std::vector<Xapian::docid> ids;
    for (const Candidate& m : items) ids.push_back(m.docid);
    std::sort(ids.begin(), ids.end());
    return Q((new DocidList(std::move(ids)))->release());
  }
  std::vector<Q> ids;
  for (const Candidate& m : items)
    ids.emplace_back(std::string(prefix::kId) + m.document.get_value(slot::kId));
  return Q(Q::OP_OR, ids.begin(), ids.end());
}

// A candidate's freshness under the profile, its date read once: deepen
// weighs the window by it before age applies it.
double SearcherImpl::freshness_of(const Candidates& c, Candidate& m) {
  if (m.freshness < 0)
    m.freshness = freshness(*c.profile, day_number(m.document.get_value(slot::kPublished)), *c.now);
  return m.freshness;
}

// Each score in the freshness window times its freshness when the profile
// applies (docs/ranking.md#freshness), the window reordered.
void SearcherImpl::age(const SearchRequest& r, Candidates& c, SearchResult& applied) {
  if (!c.profile || !c.now) return;
  const auto window_end = c.items.begin() + static_cast<std::ptrdiff_t>(c.fresh_window);
  for (auto m = c.items.begin(); m != window_end; ++m) m->score *= freshness_of(c, *m);
  std::stable_sort(c.items.begin(), window_end, higher_score);
  applied.recency = r.recency;
  applied.half_life_days = c.profile->half_life_days;
}

// Stage 3: the pins this page shows, then its share of the candidates,
// each with its snippet.
std::vector<Hit> SearcherImpl::page_of(const Prepared& p, const Candidates& c, const PageSpan& span,
                                       const std::vector<RankedArticle>& pins) {
  std::string prefix = p.parsed.highlight_prefix;
  // A trailing word that is already a whole word is not highlighted as a prefix.
  if (!prefix.empty() && db_.term_exists(prefix)) prefix.clear();
  std::vector<Hit> hits;
  auto add = [&](const Article& a, double score, Xapian::doccount copies, bool pinned) {
    Hit h = hit_of(a, score);
    h.pinned = pinned;
    h.similar = copies;
    h.snippet = make_snippet(analyzer_, snippet_source(a), p.parsed.highlight, prefix);
    hits.push_back(std::move(h));
  };
  for (std::size_t i = span.pins_from; i < span.pins_to; ++i)
    add(pins[i].article, pins[i].score, pins[i].copies, true);
  const std::size_t from = span.first - c.first;
  for (std::size_t i = from; i < c.items.size() && i < from + span.count; ++i) {
    const Candidate& m = c.items[i];
    add(article_from_data(m.document.get_data()), m.score, m.copies, false);
  }
  return hits;
}

// How the answer says the query was read. A query read otherwise (its
// keystrokes, its typos) says so in `corrected`, with the accents the top
// hits read it with, on every page; the first page of a query whose words
// still find nothing gets Xapian's spelling suggestion.
void SearcherImpl::say_reading(const SearchRequest& r, const Prepared& p, const Candidates& c,
                               SearchResult& res) {
  const bool read_otherwise =
      p.read.correction && p.read.correction->served != (p.read.typed ? *p.read.typed : r.q);
  res.correction_incomplete = p.read.correction && p.read.correction->gave_up;
  if (p.read.typed && !read_otherwise) {
    res.suggestion = p.read.typed;
    return;
  }
  if (read_otherwise) {
    res.corrected = trim_spaces(c.reading ? *c.reading : p.read.text);
    return;
  }
  if (r.offset > 0) return;
  // A correct query is never second-guessed.
  res.suggestion = c.reading ? c.reading : correct_spelling(p.read.text, db_);
}

std::vector<SearcherImpl::RankedArticle> SearcherImpl::pinned(const SearchRequest& r,
                                                              const Prepared& p) {
  const Rules* rules = editorial_ ? editorial_->rules.get() : nullptr;
  const std::vector<std::string>* ids = rules ? rules->pinned(r.q) : nullptr;
  if (!ids || p.by_date) return {};
  std::vector<Q> terms;
  for (const std::string& id : *ids) terms.emplace_back(std::string(prefix::kId) + id);
  Xapian::Enquire enquire(db_);
  enquire.set_query(with_filters(Q(Q::OP_OR, terms.begin(), terms.end()), r, p.parsed));
  enquire.set_weighting_scheme(Xapian::BoolWeight());
  const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(ids->size()));
  std::vector<RankedArticle> found;
  for (auto it = mset.begin(); it != mset.end(); ++it)
    found.push_back({*it, 0, article_from_data(it.get_document().get_data()), 0, true});
  std::vector<RankedArticle> ordered;
  for (const std::string& id : *ids)
    for (RankedArticle& a : found)
      if (a.article.id == id) ordered.push_back(a);
  return ordered;
}

// The `count` newest matches dated within kRecentHalfLives half-lives of
// `now`, with their relevance scores (copies grouped: the newest of each
// story).
//
// On one local database: the recent articles, newest first
// (articles_since), are checked against the query in chunks of growing
// size until `count` match, so the cost follows the recent articles looked
// at, not the query's matches: a broad query matches a good share of the
// newest articles, and the first chunk mostly suffices (docs/benchmarks.md,
// Scale). Otherwise (shards): every match in the window found by date
// without weights (a sort by date cannot skip matches, so it computes
// none), then the few found are scored by the query, filtered to their ids.
SearcherImpl::RecentMatches SearcherImpl::recent_matches(const Prepared& p, long now,
                                                         const FreshnessProfile& profile,
                                                         Xapian::doccount count, double share) {
  const Date from_day = civil_from_days(now - recent_days(profile));
  const std::string from = published_value(from_day.iso());
  if (shards_.size() == 1 && shards_.all_local())
    return recent_matches_by_chunks(p, from, count, share);
  Xapian::Enquire by_date(db_);
  by_date.set_query(Q(Q::OP_FILTER, p.query, Q(Q::OP_VALUE_GE, slot::kPublished, from)));
  by_date.set_weighting_scheme(Xapian::BoolWeight());
  by_date.set_sort_by_value(slot::kPublished, true);
  if (p.group_copies) by_date.set_collapse_key(slot::kDuplicateKey);
  const Xapian::MSet newest = by_date.get_mset(0, count);
  RecentMatches out;
  out.all = newest.size() < count && !p.budget->expired;
  if (newest.empty()) return out;
  out.oldest = newest.back().get_document().get_value(slot::kPublished);
  std::vector<Q> ids;
  std::unordered_map<Xapian::docid, std::pair<std::string, Xapian::doccount>> stories;
  for (auto it = newest.begin(); it != newest.end(); ++it) {
    ids.emplace_back(std::string(prefix::kId) + it.get_document().get_value(slot::kId));
    stories[*it] = {it.get_collapse_key(), it.get_collapse_count()};
  }
  Xapian::Enquire scored(db_);
  scored.set_query(Q(Q::OP_FILTER, p.query, Q(Q::OP_OR, ids.begin(), ids.end())));
  scored.set_weighting_scheme(ranking());
  const Xapian::MSet weights = scored.get_mset(0, static_cast<Xapian::doccount>(ids.size()));
  for (auto it = weights.begin(); it != weights.end(); ++it)
    out.found.push_back({*it, it.get_weight(), stories[*it].first, stories[*it].second});
  return out;
}

SearcherImpl::RecentMatches SearcherImpl::recent_matches_by_chunks(const Prepared& p,
                                                                   const std::string& from,
                                                                   Xapian::doccount count,
                                                                   double share) {
  const std::vector<Xapian::docid>& recent = articles_since(from);
  std::vector<Scored> out;
  std::unordered_map<std::string, std::size_t> stories;  // key → its newest match in `out`
  // As many of the newest as should hold `count` matches if the query
  // matches the same share of them as of the whole index (a fifth more, at
  // least 256), then twice as many each time: mostly one chunk.
  const auto first_chunk =
      static_cast<std::size_t>(std::clamp(1.2 * count / std::max(share, 1e-6), 256.0,
                                          std::max(256.0, static_cast<double>(recent.size()))));
  for (std::size_t start = 0, chunk = first_chunk;
       start < recent.size() && out.size() < count && !p.budget->expired;
       start += chunk, chunk *= 2) {
    const std::size_t end = std::min(recent.size(), start + chunk);
    std::vector<Xapian::docid> ids(recent.begin() + static_cast<std::ptrdiff_t>(start),
                                   recent.begin() + static_cast<std::ptrdiff_t>(end));
    std::unordered_map<Xapian::docid, std::size_t> rank;  // newest first
    for (std::size_t k = 0; k < ids.size(); ++k) rank[ids[k]] = k;
    std::sort(ids.begin(), ids.end());
    Xapian::Enquire enquire(db_);
    enquire.set_query(Q(Q::OP_FILTER, p.query, Q((new DocidList(std::move(ids)))->release())));
    enquire.set_weighting_scheme(ranking());
    const Xapian::MSet found = enquire.get_mset(0, static_cast<Xapian::doccount>(end - start));
    std::vector<std::pair<std::size_t, Scored>> by_date;
    for (auto it = found.begin(); it != found.end(); ++it)
      by_date.push_back({rank[*it], {*it, it.get_weight(), {}, 0}});
    std::sort(by_date.begin(), by_date.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [newest, match] : by_date) {
      if (p.group_copies) {
        match.story = db_.get_document(match.docid).get_value(slot::kDuplicateKey);
        const auto listed = stories.find(match.story);
        if (!match.story.empty() && listed != stories.end()) {  // an older copy
          ++out[listed->second].copies;
          continue;
        }
      }
      if (out.size() >= count) break;
      if (!match.story.empty()) stories.emplace(match.story, out.size());
      out.push_back(std::move(match));
    }
  }
  RecentMatches result;
  result.all = out.size() < count && !p.budget->expired;  // every chunk looked at
  if (!out.empty()) result.oldest = db_.get_document(out.back().docid).get_value(slot::kPublished);
  result.found = std::move(out);
  return result;
}

const std::vector<Xapian::docid>& SearcherImpl::articles_since(const std::string& from) {
  if (recent_articles_ && recent_articles_->from == from &&
      recent_articles_->version == shards_.version())
    return recent_articles_->newest_first;
  std::vector<std::pair<std::string, Xapian::docid>> dated;
  for (auto v = db_.valuestream_begin(slot::kPublished); v != db_.valuestream_end(slot::kPublished);
       ++v)
    if (*v >= from) dated.emplace_back(*v, v.get_docid());
  // Newest first; on the same day, as Xapian's sort by value orders them.
  std::stable_sort(dated.begin(), dated.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  RecentArticles r{from, shards_.version(), {}};
  r.newest_first.reserve(dated.size());
  for (const auto& d : dated) r.newest_first.push_back(d.second);
  recent_articles_ = std::move(r);
  return recent_articles_->newest_first;
}

std::optional<long> SearcherImpl::freshness_now(const SearchRequest& r) {
  if (r.now.empty()) return day_number(db_.get_value_upper_bound(slot::kPublished));
  const auto d = parse_date(r.now);
  if (!d) throw BadRequest("bad date \"" + r.now.substr(0, 20) + "\": expected YYYY-MM-DD");
  return day_number(published_value(d->iso()));
}

// The query runs once; its MSet holds every match (~80 bytes each).
Searcher::Export SearcherImpl::start_export(const SearchRequest& r) {
  Xapian::MSet all = with_retry([&] {
    Prepared p = prepare(r);
    Xapian::MSet mset = match(p, 0, db_.get_doccount(), db_.get_doccount());
    if (p.budget->expired) throw ExportInterrupted("the export's query ran out of time");
    return mset;
  });
  return Searcher::Export(db_, std::move(all));
}

void SearcherImpl::probe() {
  with_retry([&] {
    if (db_.get_doccount() == 0) return;
    // The first document: its data, terms with their postings and positions, values.
    const Xapian::docid first = *db_.postlist_begin("");
    Xapian::Document doc = db_.get_document(first);
    article_from_data(doc.get_data());
    for (auto v = doc.values_begin(); v != doc.values_end(); ++v) (void)*v;
    int terms = 0;
    for (auto t = doc.termlist_begin(); t != doc.termlist_end() && terms < 20; ++t, ++terms) {
      int postings = 0;
      for (auto p = db_.postlist_begin(*t); p != db_.postlist_end(*t) && postings < 50;
           ++p, ++postings)
        (void)p.get_wdf();
      for (auto pos = db_.positionlist_begin(first, *t); pos != db_.positionlist_end(first, *t);
           ++pos)
        (void)*pos;
    }
    // The last document, where the newest commits wrote.
    const Xapian::docid last = db_.get_lastdocid();
    try {
      article_from_data(db_.get_document(last).get_data());
    } catch (const Xapian::DocNotFoundError&) {
    }  // deleted: the first document's reads covered the tables
  });
}

std::optional<Article> SearcherImpl::article(const std::string& id) {
  return with_retry([&]() -> std::optional<Article> {
    std::string id_term = std::string(prefix::kId) + id;
    Xapian::PostingIterator p = db_.postlist_begin(id_term);
    if (p == db_.postlist_end(id_term) || hidden(id)) return std::nullopt;
    return article_from_data(db_.get_document(*p).get_data());
  });
}

}  // namespace tracuu::internal

namespace tracuu {

Searcher::Searcher(IndexLocation location)
    : Searcher(expand_shard_specs({location.dir()}), ShardOptions{}) {}
Searcher::Searcher(std::vector<ShardSpec> shards, ShardOptions options)
    : impl_(std::make_unique<internal::SearcherImpl>(std::move(shards), options)) {}
Searcher::~Searcher() = default;
void Searcher::refresh() {
  impl_->refresh();
}
void Searcher::set_editorial(std::shared_ptr<const Editorial> editorial) {
  impl_->set_editorial(std::move(editorial));
}
Xapian::doccount Searcher::document_count() {
  return impl_->document_count();
}
SearchResult Searcher::search(const SearchRequest& request) {
  return impl_->search(request);
}
Searcher::Export Searcher::start_export(const SearchRequest& request) {
  return impl_->start_export(request);
}
void Searcher::probe() {
  impl_->probe();
}
std::optional<Article> Searcher::article(const std::string& id) {
  return impl_->article(id);
}
std::optional<std::vector<Hit>> Searcher::related(const std::string& id, std::size_t limit) {
  return impl_->related(id, limit);
}
std::vector<Suggestion> Searcher::suggest(const std::string& prefix, std::size_t limit) {
  return impl_->suggest(prefix, limit);
}
std::vector<std::string> Searcher::missing_shards() const {
  return impl_->missing_shards();
}
std::size_t Searcher::shard_count() const {
  return impl_->shard_count();
}

bool Searcher::Export::next(Article* article, double* score) {
  for (; it_ != mset_.end(); ++it_) {
    for (int attempt = 0;; ++attempt) {
      try {
        *article = article_from_data(db_->get_document(*it_).get_data());
        *score = it_.get_weight();
        ++it_;
        return true;
      } catch (const Xapian::DocNotFoundError&) {
        break;  // deleted since the match
      } catch (const Xapian::DatabaseModifiedError&) {
        if (attempt >= 2) throw;
        db_->reopen();  // the same generation's newer revision: the same document numbers
      } catch (const Xapian::DatabaseOpeningError& e) {
        throw ExportInterrupted("the index was rebuilt during the export: " + e.get_msg());
      }
    }
  }
  return false;
}

}  // namespace tracuu
