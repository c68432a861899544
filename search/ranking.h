// Internal to search/: the ranking, declared as a pipeline
// (docs/ranking.md#the-pipeline). A query's words and syntax are read by
// search/query.cpp into what the query holds: the words that select
// matches, and the evidence that only ranks them (accents, title words,
// pairs, runs, codes). This file turns that into the ranked order, in the
// stages below, each with its weights and its window:
//
//   1. retrieval   one Xapian match: what selects, scored by BM25, plus the
//                  evidence layers of kEvidenceLayers (retrieval_query);
//                  the candidates are the page, or the freshness window;
//   2. rescoring   kRescoring, in order, each over its window of the
//                  candidates: the accents the top hits read the query
//                  with, then freshness (search/searcher.cpp);
//   3. the page    editorial pins first, then the page of the candidates;
//                  snippets for those only.
#pragma once

#include <xapian.h>

#include <cstddef>
#include <string_view>
#include <vector>

namespace tracuu::internal {

// How much a word that selects matches weighs, times its BM25 score.
struct WordWeights {
  static constexpr double kStopword = 0.2;   // function and question words count little
  static constexpr double kVariant = 0.5;    // i/y spelling variant (kĩ for kỹ)
  static constexpr double kTypedForm = 0.3;  // a word as typed, read as a correction
};

// Evidence that ranks but does not select: what the parser found in the
// query, each kind a layer of the retrieval stage.
enum class Evidence {
  kAccents,      // the accents typed agree with the text's
  kTitleWords,   // a query word is in the title
  kPairs,        // two query syllables adjacent in the text
  kTitlePairs,   // ... in the title
  kCompounds,    // a token joined by punctuation ("covid-19", "91/2015/qh13") as typed
  kAdjacentRun,  // the typed words side by side, in order, anywhere (per word after the first)
  kCodes,        // a code kept whole names what holds it
  kOwnNumber,    // ... most of all the document it is the number of
};

struct EvidenceLayer {
  Evidence evidence;
  std::string_view name;
  // In-match layers: a factor on the BM25 score of the evidence's terms.
  // Constant layers: times the idf of the evidence's words (see `constant`).
  double weight;
  // A weight of its own, whatever the article's length: BM25 divides a
  // term's weight by the length, so a 500 KB law holding the typed words
  // side by side would score next to nothing. Each is a layer
  // `q MAX (q AND layer)` of its own (retrieval_query).
  bool constant;
};

// The retrieval stage's layers, in the order they join the query; the
// weights were chosen by reasoning and checked on every intent of
// bench/relevance (docs/ranking.md#what-adds-weight).
inline constexpr EvidenceLayer kEvidenceLayers[] = {
    {Evidence::kAccents, "accents", 0.6, false},
    {Evidence::kTitleWords, "title_words", 3.0, false},
    {Evidence::kPairs, "pairs", 0.8, false},
    {Evidence::kTitlePairs, "title_pairs", 1.2, false},
    {Evidence::kCompounds, "compounds", 0.8, false},
    {Evidence::kAdjacentRun, "adjacent_run", 40.0, true},
    {Evidence::kCodes, "codes", 100.0, true},
    {Evidence::kOwnNumber, "own_number", 400.0, true},
};

constexpr const EvidenceLayer& layer_of(Evidence e) {
  for (const EvidenceLayer& layer : kEvidenceLayers)
    if (layer.evidence == e) return layer;
  return kEvidenceLayers[0];  // unreachable: every Evidence has a layer
}

// What a query holds that ranks its matches, in the order the parser found it.
class QueryEvidence {
 public:
  // Evidence scored by BM25 on its terms (an in-match layer).
  void add(Evidence e, Xapian::Query terms);
  // Evidence of a constant weight: the layer's weight × `times` × `idf`
  // (the idf summed over the words it proves).
  void add_constant(Evidence e, double times, double idf, Xapian::Query match);

  // `matched` (what selects) AND_MAYBE the in-match evidence and `also`
  // (words that rank but do not select), then each constant layer.
  Xapian::Query retrieval_query(Xapian::Query matched,
                                const std::vector<Xapian::Query>& also) const;

 private:
  std::vector<Xapian::Query> scaled_;    // each already weighted by its layer
  std::vector<Xapian::Query> constant_;  // each a FILTER of a fixed weight and its match
};

// The in-match query of one piece of evidence, weighted by its layer.
Xapian::Query weighted(Evidence e, Xapian::Query terms);

// Stage 2: rescoring the retrieval's candidates, in this order. Each
// stage reorders its window only; the page is cut after the last.
enum class Rescorer {
  // A query typed without marks: the accented reading its top hits vote
  // for (restore_diacritics) adds, to every candidate, what the reading's
  // marks would have added had they been typed (the accents layer).
  kAccentReading,
  // A broad query (recency=auto) or recency=strong: each candidate's score
  // times its freshness, the recent matches joining the window
  // (docs/ranking.md#freshness). After the accents, so that it scales the
  // whole relevance score.
  kFreshness,
};

struct RescoringStage {
  Rescorer rescorer;
  std::string_view name;
  // The candidates it reorders, stated in words (the numbers are
  // kFreshnessWindow and kRestoreFrom in search_internal.h).
  std::string_view window;
};

inline constexpr RescoringStage kRescoring[] = {
    {Rescorer::kAccentReading, "accent_reading",
     "the candidates: the freshness window when freshness applies, else the page; "
     "the top 5 vote"},
    {Rescorer::kFreshness, "freshness",
     "the top 100 by relevance and the 100 newest recent matches"},
};

}  // namespace tracuu::internal
