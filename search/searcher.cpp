// Searcher: search, export and article lookup over one index.
#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "query.h"
#include "retry.h"
#include "search.h"

namespace tracuu {

// BM25 with k1 1.2 and a light length normalization (b 0.3, not the usual
// 0.75): Xapian normalizes title terms by the whole article's length, so a
// strong b buries long articles whose title matches; measured on 2 x 1000
// known-item queries, b 0.3 gains 1.3 to 2 MRR points (docs/ranking.md).
// Field and accent weights are in the query. min_normlen 0.5 keeps one-line
// articles from winning on length.
Xapian::BM25Weight detail_search::ranking() {
  return Xapian::BM25Weight(1.2, 0, 1, 0.3, 0.5);
}

Hit detail_search::hit_of(const Article& a, double score) {
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
using detail_search::ParsedQuery;

// Xapian 1.4.22 crashes in MSet::fetch() on an MSet that starts past the
// first match (get_mset(first > 0, ...)); fetch() is only a prefetch hint, so
// it is called for first pages only.

// Facets and totals look at no fewer matches than this (exact=1: all of them).
// Fewer lets Xapian stop early; more makes facet counts closer to exact.
constexpr Xapian::doccount kFacetSample = 200;

// A query of common words requiring them all must find this many articles,
// or it is run with every word optional (ParsedQuery::relaxed).
constexpr Xapian::doccount kEnoughForConjunction = 50;
static_assert(kEnoughForConjunction <= kFacetSample, "the count it is compared with is exact");

// How many top hits vote on the accents of a query typed without them.
constexpr std::size_t kRestoreFrom = 5;

std::string compact(const std::string& iso) {
  if (iso.empty()) return {};
  auto d = parse_date(iso);
  if (!d) throw BadRequest("bad date \"" + iso + "\": expected YYYY-MM-DD");
  return published_value(d->iso());
}

// The filters of a request: dates (parameters and query text) and categories.
Q with_filters(Q query, const SearchRequest& r, const ParsedQuery& parsed) {
  std::string from = compact(r.from), to = compact(r.to);
  if (parsed.date_range) {  // the narrower of the two wins
    std::string qf = compact(parsed.date_range->from), qt = compact(parsed.date_range->to);
    if (from.empty() || qf > from) from = qf;
    if (to.empty() || qt < to) to = qt;
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
  return query;
}

std::string snippet_source(const Article& a) {
  std::string text = a.lead;
  if (!a.body.empty()) text += (text.empty() ? "" : "\n") + a.body;
  if (text.empty()) text = a.caption;
  return text;
}

}  // namespace

Searcher::Searcher(IndexLocation location)
    : Searcher(expand_shard_specs({location.dir()}), ShardOptions{}) {}

Searcher::Searcher(std::vector<ShardSpec> shards, ShardOptions options)
    : shards_(std::move(shards), options),
      db_(shards_.database()),
      completions_(std::make_unique<detail_search::CompletionCache>()),
      completions_version_(shards_.version()) {}

Searcher::~Searcher() = default;

detail_search::CompletionCache& Searcher::completions() {
  if (shards_.version() != completions_version_) {
    completions_->clear();
    completions_version_ = shards_.version();
  }
  return *completions_;
}

void Searcher::refresh() {
  shards_.refresh();
}

Xapian::doccount Searcher::document_count() {
  return with_retry([&] { return db_.get_doccount(); });
}

SearchResult Searcher::search(const SearchRequest& r) {
  const auto start = std::chrono::steady_clock::now();
  SearchResult result = with_retry([&] {
    SearchResult res;
    res.query = r.q;
    // Keys typed with the input method off are read as the Vietnamese they spell.
    const std::optional<std::string> typed = detail_search::read_keystrokes(r.q, db_);
    const std::string& q = typed ? *typed : r.q;
    const detail_search::QueryOptions options{r.strict_accents, r.all_words, true, &db_,
                                              &completions()};
    ParsedQuery parsed = detail_search::parse_query(q, analyzer_, options);
    res.date_range = parsed.date_range;
    // A trailing word that is already a whole word is not highlighted as a prefix.
    if (!parsed.highlight_prefix.empty() && db_.term_exists(parsed.highlight_prefix))
      parsed.highlight_prefix.clear();
    const bool by_date = r.sort == SearchRequest::Sort::kDate || parsed.match_all;
    const bool restoring = !typed && !r.strict_accents && detail_search::restorable(r.q);
    const auto first = static_cast<Xapian::doccount>(r.offset);
    const auto count = static_cast<Xapian::doccount>(r.limit);
    std::optional<Xapian::ValueCountMatchSpy> categories, years;  // fresh for each match
    auto match = [&](const Xapian::Query& query) {
      Xapian::Enquire enquire(db_);
      enquire.set_query(with_filters(query, r, parsed));
      enquire.set_weighting_scheme(detail_search::ranking());
      if (by_date) enquire.set_sort_by_value_then_relevance(slot::kPublished, true);
      categories.emplace(slot::kCategory);
      years.emplace(slot::kYear);
      enquire.add_matchspy(&*categories);
      enquire.add_matchspy(&*years);
      // Facets and totals see at least this many matches; exact=1 sees all.
      Xapian::doccount check = r.exact_total
                                   ? db_.get_doccount()
                                   : std::max<Xapian::doccount>(kFacetSample, first + count);
      return enquire.get_mset(first, count, check);
    };
    Xapian::MSet mset = match(parsed.query);
    // Every word was common and few articles hold them all: every word
    // optional after all. Decided on an exact count (below kFacetSample
    // matches are all counted), so every page of a query decides alike.
    if (!parsed.relaxed.empty() && mset.get_matches_lower_bound() < kEnoughForConjunction)
      mset = match(parsed.relaxed);
    res.total = mset.get_matches_estimated();
    res.total_exact = mset.get_matches_lower_bound() == mset.get_matches_upper_bound();
    for (auto it = categories->values_begin(); it != categories->values_end(); ++it) {
      if (!(*it).empty()) res.category_facets[*it] = it.get_termfreq();
    }
    for (auto it = years->values_begin(); it != years->values_end(); ++it) {
      if (!(*it).empty()) res.year_facets[*it] = it.get_termfreq();
    }
    if (first == 0) mset.fetch();  // see the MSet::fetch() note above
    std::vector<RankedArticle> ranked;
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      ranked.push_back({*it, it.get_weight(), article_from_data(it.get_document().get_data())});
    }
    // A query typed without marks: its top hits vote on the accents
    // (restore_diacritics), and the page is ranked as that reading
    // (rerank_as_reading). Each page is reordered within itself, so pages
    // never share or lose a hit.
    if (restoring) {
      std::vector<Article> top;
      for (std::size_t i = 0; i < ranked.size() && i < kRestoreFrom; ++i)
        top.push_back(ranked[i].article);
      res.suggestion = detail_search::restore_diacritics(analyzer_, r.q, top);
      if (res.suggestion && !by_date)
        rerank_as_reading(detail_search::accent_boosts(*res.suggestion, analyzer_), ranked);
    }
    for (const RankedArticle& hit : ranked) {
      Hit h = detail_search::hit_of(hit.article, hit.score);
      h.snippet = detail_search::make_snippet(analyzer_, snippet_source(hit.article),
                                              parsed.highlight, parsed.highlight_prefix);
      res.hits.push_back(std::move(h));
    }
    if (typed) {
      res.suggestion = typed;
    } else if (r.offset > 0) {
      res.suggestion.reset();  // suggestions belong to the first page
    } else if (!res.suggestion) {
      // Only for words that find nothing: a correct query is never second-guessed.
      res.suggestion = detail_search::correct_spelling(r.q, db_);
    }
    return res;
  });
  result.took_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return result;
}

// The plain query's best matches, reordered after adding what the accented
// reading's marks would have added to their scores (accent_boosts: BM25 sums,
// so this equals searching the reading, within these matches): "binh tan"
// puts articles writing "Bình Tân" above those writing "bính tấn". Only these
// documents are scored (a filter on their id terms); term statistics are the
// whole index's, as in any search.
void Searcher::rerank_as_reading(const Xapian::Query& boosts, std::vector<RankedArticle>& ranked) {
  if (ranked.size() < 2 || boosts.empty()) return;
  std::vector<Xapian::Query> ids;
  for (const RankedArticle& hit : ranked)
    ids.emplace_back(std::string(prefix::kId) + hit.article.id);
  Xapian::Enquire enquire(db_);
  enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, boosts,
                                  Xapian::Query(Xapian::Query::OP_OR, ids.begin(), ids.end())));
  enquire.set_weighting_scheme(detail_search::ranking());
  Xapian::MSet bonus = enquire.get_mset(0, static_cast<Xapian::doccount>(ranked.size()));
  std::unordered_map<Xapian::docid, double> extra;
  for (auto it = bonus.begin(); it != bonus.end(); ++it) extra[*it] = it.get_weight();
  for (RankedArticle& hit : ranked) {
    auto found = extra.find(hit.docid);
    if (found != extra.end()) hit.score += found->second;
  }
  std::stable_sort(
      ranked.begin(), ranked.end(),
      [](const RankedArticle& x, const RankedArticle& y) { return x.score > y.score; });
}

std::size_t Searcher::export_matches(const SearchRequest& r,
                                     const std::function<bool(const Article&, double)>& sink) {
  ParsedQuery parsed =
      detail_search::parse_query(r.q, analyzer_, {r.strict_accents, r.all_words, false});
  Q query = with_filters(parsed.query, r, parsed);
  // Pages of matches; each page is fetched with retry. A commit between pages
  // can shift later pages (documented in docs/api.md).
  constexpr Xapian::doccount kPage = 1000;
  std::size_t sent = 0;
  for (Xapian::doccount first = 0;; first += kPage) {
    std::vector<std::pair<Article, double>> page = with_retry([&] {
      Xapian::Enquire enquire(db_);
      enquire.set_query(query);
      enquire.set_weighting_scheme(detail_search::ranking());
      if (r.sort == SearchRequest::Sort::kDate || parsed.match_all) {
        enquire.set_sort_by_value_then_relevance(slot::kPublished, true);
      }
      Xapian::MSet mset = enquire.get_mset(first, kPage);
      if (first == 0) mset.fetch();  // see the MSet::fetch() note above
      std::vector<std::pair<Article, double>> out;
      for (auto it = mset.begin(); it != mset.end(); ++it) {
        out.emplace_back(article_from_data(it.get_document().get_data()), it.get_weight());
      }
      return out;
    });
    for (const auto& [a, score] : page) {
      if (!sink(a, score)) return sent;
      ++sent;
    }
    if (page.size() < kPage) return sent;
  }
}

std::optional<Article> Searcher::article(const std::string& id) {
  return with_retry([&]() -> std::optional<Article> {
    std::string id_term = std::string(prefix::kId) + id;
    Xapian::PostingIterator p = db_.postlist_begin(id_term);
    if (p == db_.postlist_end(id_term)) return std::nullopt;
    return article_from_data(db_.get_document(*p).get_data());
  });
}

}  // namespace tracuu
