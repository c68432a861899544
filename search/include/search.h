// Searching a tracuu index: query syntax, ranking, snippets, "Tin khác"
// (related articles), suggestions and export. Public header of search/.
// Query syntax and ranking are documented in docs/api.md and docs/ranking.md.
#pragma once

#include <xapian.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "schema.h"
#include "shards.h"
#include "vietnamese.h"

namespace tracuu {

// Text as HTML or XML character data and attribute values: & < > " ' as
// entities (snippets, marked articles, the Atom feed).
std::string html_escape(std::string_view text);

// A request that cannot be answered as asked (a bad parameter): the server
// maps it to 400 with what() as the message.
struct BadRequest : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// An export that could not be completed (it ran out of time, or the index
// was rebuilt under it): the lines already sent are not the whole answer.
struct ExportInterrupted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// How long a request may take, and how to tell that its client has left.
// A query that runs out stops matching and answers with the best matches it
// found (SearchResult::timed_out).
struct QueryBudget {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::function<bool()> client_gone;  // polled every few ms while matching; may be empty
  bool limited() const {
    return deadline != std::chrono::steady_clock::time_point::max() || client_gone != nullptr;
  }
};

// The editors' files (docs/editors.md), each read into an immutable value
// that every Searcher of a server shares (through Editorial) and the server
// replaces whole when a file changes. Thread-safe: const once parsed.

// A line of an editors' file that cannot be read: what() is "FILE:LINE: why".
struct EditorialFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Synonym groups: one per line, forms separated by " = ", "#" starts a
// comment: "Sài Gòn = TP.HCM = Thành phố Hồ Chí Minh". A query that writes
// one form (accents and case optional, as words) also finds the others.
class Synonyms {
 public:
  struct Group {
    std::vector<std::string> forms;                // as written in the file
    std::vector<std::vector<std::string>> folded;  // each form's folded syllables
  };
  // Throws EditorialFileError (a group of one, a form in two groups, an
  // empty form, invalid UTF-8), naming `file` and the line.
  static Synonyms parse(std::string_view text, const std::string& file);
  const std::vector<Group>& groups() const { return groups_; }

 private:
  std::vector<Group> groups_;
};

// Pins and hides: UTF-8 TSV lines "pin<TAB>query<TAB>id[,id...]" (the ids
// first, in that order, when the whole query is this one, accents, case
// and spacing aside), "pin-words<TAB>words<TAB>id[,id...]" (when the query
// contains every one of these words, in any order; a whole-query pin wins,
// then the rule with the most words, then the earliest) and "hide<TAB>id"
// (never in any answer).
class Rules {
 public:
  // Throws EditorialFileError naming `file` and the line.
  static Rules parse(std::string_view text, const std::string& file);
  // The ids pinned for a query; nullptr when none.
  const std::vector<std::string>* pinned(std::string_view query) const;
  const std::vector<std::string>& hidden() const { return hidden_; }
  bool is_hidden(const std::string& id) const { return hidden_set_.count(id) > 0; }
  std::size_t pin_count() const { return pins_.size() + word_pins_.size(); }
  // How a pin's query is compared: folded, lower-case, single spaces.
  static std::string pin_key(std::string_view query);

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> pins_;
  struct WordPin {
    std::vector<std::string> words;  // folded, sorted, distinct
    std::vector<std::string> ids;
  };
  std::vector<WordPin> word_pins_;                       // in file order
  std::multimap<std::string, std::size_t> word_pin_of_;  // each rule under its first word
  std::vector<std::string> hidden_;
  std::set<std::string, std::less<>> hidden_set_;
};

// What the editors' files say right now; either may be null (no file).
struct Editorial {
  std::shared_ptr<const Synonyms> synonyms;
  std::shared_ptr<const Rules> rules;
};

// Freshness (docs/ranking.md#freshness): how much a match's age lowers it.
enum class Recency { kOff, kAuto, kStrong };

struct SearchRequest {
  enum class Sort { kRelevance, kDate };
  std::string q;
  std::size_t limit = 10;
  std::size_t offset = 0;
  Sort sort = Sort::kRelevance;
  std::string from, to;         // ISO dates, inclusive; empty = open
  std::string category;         // as written or folded; empty = any
  bool strict_accents = false;  // exact (accented) terms only
  bool exact_total = false;     // count every match (costs a full pass)
  bool all_words = false;       // require every word (default: all preferred)
  // Read a date phrase of the query ("năm 2015") as words even where it
  // would filter: the page's link that removes the filter (docs/api.md).
  bool dates_as_words = false;
  // Search the words as typed: no typo or words-run-together reading
  // (SearchResult::corrected; the page's link to the literal search).
  bool literal = false;
  // The same day or month in every year: "MM-DD" or "MM" (also read from
  // the query text: "ngày 15 tháng 5"); empty = any.
  std::string on;
  // One line per story: copies of an article (same duplicate key, see
  // schema.h) are shown once, the best, with Hit::similar counting the
  // others. Not for exports unless asked.
  bool group_copies = false;
  std::string copies_of;  // only the copies of this article's story (its id)
  QueryBudget budget;     // none by default
  // Freshness: off (the library's default), auto (only for a broad query),
  // strong; the half-life in days (0: the profile's); ages are counted
  // back from `now` (YYYY-MM-DD; empty: the newest article in the index).
  Recency recency = Recency::kOff;
  double half_life_days = 0;
  std::string now;
  // Count the matches' categories and years (SearchResult's facets); a
  // search box's searches while typing show none and skip the cost.
  bool facets = true;
};

struct Hit {
  std::string id, title, url, published, category, author;
  std::string snippet;  // HTML-escaped, matches wrapped in <mark>
  double score = 0;
  std::size_t similar = 0;  // copies of it left out (SearchRequest::group_copies)
  bool pinned = false;      // placed by an editors' pin rule
};

struct SearchResult {
  std::string query;
  std::size_t total = 0;               // matching articles, every copy counted
  std::optional<std::size_t> stories;  // when copies are grouped: the lines they make
  bool total_exact = false;
  bool timed_out = false;  // the budget ran out: the best matches found in it
  double took_ms = 0;
  std::vector<Hit> hits;
  std::map<std::string, std::size_t> category_facets, year_facets;
  std::optional<std::string> suggestion;
  // Set when words were read otherwise than typed and the answer is for
  // this reading ("ho chi mnh" → "hồ chí minh", "hanoi" → "hà nội"):
  // SearchRequest::literal searches them as typed.
  std::optional<std::string> corrected;
  // Some words were searched as typed because reading them would have
  // taken too long (a pasted page of unknown words).
  bool correction_incomplete = false;
  std::optional<DateRange> date_range;  // read from the query text, if any
  // Freshness applied to this answer (Recency::kOff when auto judged the
  // query specific), and the half-life used.
  Recency recency = Recency::kOff;
  double half_life_days = 0;
  // The time of each stage of the ranking (docs/ranking.md#the-pipeline),
  // in order: "read" (the query read and parsed), "pins", "retrieval", each
  // rescoring stage, "page" (the hits' stored data and snippets).
  struct StageTime {
    std::string_view stage;  // a name of static storage
    double ms = 0;
  };
  std::vector<StageTime> stages;
};

// How many matches fall in each day, week (from Monday), month or year.
enum class TimeBin { kDay, kWeek, kMonth, kYear };
std::optional<TimeBin> time_bin(std::string_view name);  // "day", "week", "month", "year"
std::string_view time_bin_name(TimeBin bin);

struct TimelineBin {
  std::string start;      // YYYY-MM-DD, the bin's first day
  std::size_t count = 0;  // matches
  std::size_t all = 0;    // articles in the index (any query), to normalise by
};

struct Timeline {
  std::string query;
  TimeBin bin = TimeBin::kMonth;
  std::size_t total = 0;          // matches with a date: the sum of the bins' counts, exact
  std::size_t undated = 0;        // matches without a date (in no bin)
  bool timed_out = false;         // counts are of the matches found in the time allowed
  std::vector<TimelineBin> bins;  // every bin from the first to the last, empty ones too
};

// Keyword in context: one line per occurrence of the query's words or
// phrases (docs/api.md#concordance).
struct ConcordanceRequest {
  enum class Sort { kDate, kLeft, kRight };
  SearchRequest search;     // q and filters; limit and offset page the lines
  std::size_t context = 8;  // words each side
  Sort sort = Sort::kDate;
  // A sort by context holds every line before the first: past this many
  // bytes of lines it stops with BadRequest (one "của" sorted with 50
  // words of context held 500 MB). A sort by date holds a month's matches.
  std::size_t max_sorted_bytes = std::size_t{64} << 20;
};

struct ConcordanceLine {
  std::string id, title, published;
  std::string left, match, right;  // the text as written
};

struct Concordance {
  std::string query;
  std::size_t occurrences = 0;  // in every matching article
  std::size_t articles = 0;     // matching articles
  bool timed_out = false;       // counts are of the articles read in the time allowed
  std::vector<ConcordanceLine> lines;
};

// An article with every occurrence of a query marked (the article view).
struct MarkedArticle {
  Article article;
  // HTML-escaped, each occurrence as <mark data-n="K"> (K from 0, in
  // reading order over the fields).
  std::string title, lead, body, caption;
  std::size_t occurrences = 0;
};

namespace internal {
class SearcherImpl;
}  // namespace internal

struct Suggestion {
  std::string text;   // as written in titles: "Hà Nội"
  std::size_t count;  // titles containing it
};

// Answers requests against one index, or several shards read as one (see
// shards.h). Owns its own Xapian::Database and Analyzer: not thread-safe; the
// server gives every worker thread its own Searcher (see server/SearcherPool).
// Before each request, refresh() picks up new commits and generation
// switches; every call retries after reopening if Xapian reports the
// revision it was reading was discarded, or after leaving out a remote shard
// that stopped answering.
class Searcher {
 public:
  explicit Searcher(IndexLocation location);
  Searcher(std::vector<ShardSpec> shards, ShardOptions options);
  ~Searcher();
  Searcher(const Searcher&) = delete;
  Searcher& operator=(const Searcher&) = delete;

  // Reopens the database if the index has changed (a commit or a switch).
  void refresh();
  // The editors' synonyms and rules for the next calls (null: none). The
  // server sets the current ones on every request.
  void set_editorial(std::shared_ptr<const Editorial> editorial);
  Xapian::doccount document_count();

  SearchResult search(const SearchRequest& request);
  // The matches of search() with the same request, all of them (as many
  // as its exact total), for reading one by one: the query runs once, here.
  // Throws BadRequest, Xapian::Error, ExportInterrupted (out of time).
  class Export;
  Export start_export(const SearchRequest& request);
  // Matches per day, week, month or year, exact, with the index's own
  // counts per bin; bins from `from` (or the first dated article) to `to`
  // (or the last). Throws BadRequest.
  Timeline timeline(const SearchRequest& request, TimeBin bin);
  // One page of concordance lines (request.search.limit, offset) and the
  // total count of occurrences.
  Concordance concordance(const ConcordanceRequest& request);
  // Every concordance line, in date order (constant memory) or sorted by
  // the context (all lines' sort keys held); read one by one.
  class ConcordanceStream;
  ConcordanceStream start_concordance(const ConcordanceRequest& request);
  // The article with the query's occurrences marked; nullopt if unknown.
  std::optional<MarkedArticle> marked_article(const std::string& id, const SearchRequest& request);
  // Reads a little of every table a search reads (postings, positions,
  // terms, values, stored articles); throws Xapian::Error when the index
  // cannot be read.
  void probe();
  std::optional<Article> article(const std::string& id);
  // "Tin khác": nullopt if the id is unknown.
  std::optional<std::vector<Hit>> related(const std::string& id, std::size_t limit);
  std::vector<Suggestion> suggest(const std::string& prefix, std::size_t limit);
  // Shards that did not answer the last call (its answer is partial).
  std::vector<std::string> missing_shards() const;
  std::size_t shard_count() const;

 private:
  std::unique_ptr<internal::SearcherImpl> impl_;
};

// The lines of a concordance (Searcher::start_concordance). Like an
// Export, it reads through its Searcher, which must outlive it.
class Searcher::ConcordanceStream {
 public:
  ConcordanceStream(ConcordanceStream&&) noexcept;
  ~ConcordanceStream();
  // Matching articles: exact when articles_exact(), else Xapian's estimate
  // (a stream does not count every match before its first line).
  std::size_t articles() const;
  bool articles_exact() const;
  // The next line; false at the end. Throws Xapian::Error, ExportInterrupted.
  bool next(ConcordanceLine* line);

  class State;

 private:
  friend class internal::SearcherImpl;
  explicit ConcordanceStream(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// The matches of an export (Searcher::start_export), read in order. It
// reads through its Searcher, which must outlive it and serve nothing else
// meanwhile. When the writer commits during the export, the rest is read
// from the new revision (an article deleted meanwhile is skipped); a
// rebuild that switched generations ends it with ExportInterrupted.
class Searcher::Export {
 public:
  Xapian::doccount size() const { return mset_.size(); }
  // The next match; false at the end.
  bool next(Article* article, double* score);

 private:
  friend class internal::SearcherImpl;
  Export(Xapian::Database& db, Xapian::MSet mset)
      : db_(&db), mset_(std::move(mset)), it_(mset_.begin()) {}
  Xapian::Database* db_;
  Xapian::MSet mset_;
  Xapian::MSetIterator it_;
};

}  // namespace tracuu
