// Internal to search/: the query language (docs/api.md) → a Xapian::Query.
#pragma once

#include <xapian.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "occurrences.h"
#include "ranking.h"
#include "vietnamese.h"

namespace tracuu::internal {

// What separates a query's words (the reader of the syntax and the
// reader of typos agree on it).
inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// A query word in more than this share of the articles is common: it ranks
// but does not select matches when the query has a rarer word (parse_query).
// Only from this many articles up: a small index has no common words.
inline constexpr double kCommonShare = 0.05;
inline constexpr double kCommonMinDocs = 1000;

// Plain words typed together this long (in syllables) describe an article
// or ask a question rather than recall its title: their title and title-pair
// boosts are left out (on bench/relevance's questions MRR@10 0.300 -> 0.52,
// long descriptions 0.654 -> 0.95; titles and typing unchanged from 5 up,
// both lower from 4: docs/ranking.md#what-adds-weight).
inline constexpr std::size_t kDescriptionSyllables = 5;

// A run of typed words is checked on positions (a phrase) only when at most
// this many articles hold every word and pair of it: each check reads the
// words' positions in one article, and past this many the checks alone
// cost tens of milliseconds at 1M articles. Past it, the adjacent pairs
// stand for the run (docs/benchmarks.md, Scale).
inline constexpr double kMaxRunChecks = 10000;

// The widest a trailing prefix ("ha n") may expand: the most frequent terms.
inline constexpr Xapian::termcount kMaxPrefixExpansion = 40;

// A NEAR whose operands are phrases ("bình tân" NEAR/3 quận): Xapian's
// OP_NEAR takes single terms only, so the query holds every operand's
// terms within the window and each phrase somewhere, and the matches are
// then checked on their positions (search/near_check.cpp).
struct NearCheck {
  std::vector<std::vector<std::string>> operands;  // each: its terms in order
  Xapian::termcount window = 0;                    // the words of all operands and the allowed gap
};

struct ParsedQuery {
  Xapian::Query query;                   // matching and ranking, without filters
  std::string error;                     // a misuse the reading cannot fix: NEAR/100000
  bool match_all = false;                // no positive words: every document matches
  std::vector<std::string> highlight;    // folded syllables to mark in snippets
  std::string highlight_prefix;          // the trailing prefix, folded
  Sought sought;                         // the words and phrases to find in a text
  std::vector<NearCheck> near_checks;    // every match must pass each
  std::optional<DateRange> date_range;   // written in the query
  std::optional<DayOfYear> day_of_year;  // "ngày 15 tháng 5": in any year
  std::vector<std::string> categories;   // category: filters, folded
  // Set when every word was common and `query` requires them all: the same
  // words, each optional, for when `query` finds fewer matches than shown.
  Xapian::Query relaxed;
  // The share of the index `query` matches, guessed from its words' own
  // shares (0 when it holds none counted): how deep to match at first
  // (search/searcher.cpp, retrieve), never what matches.
  double estimated_share = 0;
  std::size_t words = 0;  // the words and phrases it was read into
};

// The most frequent terms that begin with a prefix, remembered between
// queries for prefixes that begin many terms: listing them is slow in a
// large index, and every first keystroke of a word asks for one
// (docs/benchmarks.md, Scale). Not thread-safe: one per Searcher. clear()
// when the database changes.
class CompletionCache {
 public:
  using Completion = std::pair<Xapian::doccount, std::string>;  // frequency, term
  // The kMaxPrefixExpansion most frequent terms longer than `start` that
  // begin with it followed by letters or digits only (not joined tokens
  // such as "lang-xe": their first syllable begins with it too, so they
  // find nothing it does not), most frequent first.
  const std::vector<Completion>& get(const Xapian::Database& db, const std::string& start);
  // The folded forms of the words whose exact (accented) term begins with
  // `exact` ("đ" → "da", "dam", "dang"...): the words a syllable typed with
  // marks may be the start of.
  const std::set<std::string>& folded_continuations(const Xapian::Database& db,
                                                    const std::string& exact);
  void clear() {
    remembered_.clear();
    remembered_continuations_.clear();
  }

 private:
  std::unordered_map<std::string, std::vector<Completion>> remembered_;
  std::vector<Completion> last_;  // for a prefix not remembered
  std::unordered_map<std::string, std::set<std::string>> remembered_continuations_;
  std::set<std::string> last_continuations_;
};

struct QueryOptions {
  bool strict_accents = false;
  bool all_words = false;
  bool trailing_prefix = true;  // a last word with no space after it is a prefix
  // Where the trailing prefix is expanded into words and pairs. Expanding
  // against the whole (possibly sharded) database, not shard by shard
  // inside the match, gives every shard the same words. (Xapian still
  // estimates an OP_SYNONYM's frequency per shard: such scores may differ
  // from one index's by a few percent, and near-ties swap; docs/scaling.md.)
  // Null: Xapian expands it (OP_WILDCARD). OP_MAX would be exact but
  // crashes Xapian 1.4.22 on local multi-databases (docs/scaling.md).
  const Xapian::Database* expand_from = nullptr;
  // Remembers expansions between queries (null: none).
  CompletionCache* completion_cache = nullptr;
  // Date phrases are words, never a filter (the page's "remove the filter").
  bool dates_as_words = false;
  // Folded words the query had before correct_query read them otherwise
  // ("hanoi" → "ha noi"): articles holding them as typed still match, each
  // word weighing as little as a function word.
  std::vector<std::string> typed_forms = {};
  // Folded syllables a correction wrote without marks (QueryCorrection::
  // unmarked): in a query typed with marks they are not "typed as meant".
  std::vector<std::string> unmarked_readings = {};
  // Set by parse_query: some syllable of the query has marks, so every
  // syllable is read as typed (the exact forms are boosted).
  bool typed_with_marks = false;
};

// The query read as typed with a Telex/VNI input method switched off
// ("Vieejt Nam" → "Việt Nam"): each plain-ASCII word that is not a word of
// the index but whose keystrokes spell one is replaced. nullopt when no word
// changes.
std::optional<std::string> read_keystrokes(std::string_view q, const Xapian::Database& db);

// The query with each word that matches nothing in the index replaced by
// Xapian's spelling suggestion (from the titles' words, edit distance up to
// 2): "khoii cong" → "khoi cong". nullopt when every word matches or none
// has a suggestion.
std::optional<std::string> correct_spelling(std::string_view q, const Xapian::Database& db);

// A stretch of a query, bytes [begin, end), that its syntax reads as more
// than a plain word: a quoted phrase, a field, a +/- word, an OR or NEAR
// operator, a word with a "~n" distance.
struct SyntaxSpan {
  std::size_t begin = 0, end = 0;
};
// Every such stretch of `q`, as parse_query reads it: what the reader of
// typos (spelling.h) leaves as typed.
std::vector<SyntaxSpan> syntax_spans(std::string_view q);

// What typing `reading`'s marks adds to a loose query: each marked
// syllable's exact-accent term on the accents layer (the boosts
// parse_query gives "Bình Tân" over "binh tan"); empty if none is marked.
Xapian::Query accent_boosts(std::string_view reading, Analyzer& analyzer);

// A query matching every article, made for the caller. Never copy
// Xapian::Query::MatchAll: it is one object shared by every thread, and a
// Query's reference count is not atomic, so copies made by concurrent
// requests corrupt it (an empty search beside a timeline once crashed the
// server).
inline Xapian::Query match_all() {
  return Xapian::Query(std::string());
}

// Never throws on any input: broken syntax degrades to words.
ParsedQuery parse_query(std::string_view q, Analyzer& analyzer, const QueryOptions& options);

}  // namespace tracuu::internal
