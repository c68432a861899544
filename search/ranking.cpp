// The retrieval stage's query from a query's evidence (search/ranking.h).
#include "ranking.h"

#include <cassert>

namespace tracuu::internal {

using Q = Xapian::Query;

Q weighted(Evidence e, Q terms) {
  return Q(Q::OP_SCALE_WEIGHT, std::move(terms), layer_of(e).weight);
}

void QueryEvidence::add(Evidence e, Q terms) {
  assert(!layer_of(e).constant);  // the table says how each layer joins the query
  scaled_.push_back(weighted(e, std::move(terms)));
}

void QueryEvidence::add_constant(Evidence e, double times, double idf, Q match) {
  assert(layer_of(e).constant);
  const double weight = layer_of(e).weight * times * idf;
  constant_.push_back(
      Q(Q::OP_FILTER, Q((new Xapian::FixedWeightPostingSource(weight))->release()), match));
}

// No extra "all words" AND: BM25 already sums every matched word
// (docs/ranking.md).
//
// A constant layer adds its weight to the articles it holds: q MAX (q AND
// layer) scores them q + weight and the others q, as q AND_MAYBE layer
// would, but lets Xapian skip weak articles of q while fewer than a page of
// articles hold the layer: under AND_MAYBE, the layer's weight (larger than
// any q) stays in the bound of every article of q, so each one was scored
// (1M articles: p99 127 -> 62 ms, docs/benchmarks.md). AND_MAYBE also gave
// a layer's weight to a few articles without it (7 of 1000 bench queries at
// 1M; Xapian 1.4.22 skipping near the end of the lists); MAX agrees with an
// exhaustive match on all 1000. Never inside an OR: Xapian 1.4.22 gives a
// FILTER of a weight source and a phrase, OR-ed with other boosters, its
// weight in articles where the phrase is not (a wrong check() path).
Q QueryEvidence::retrieval_query(Q matched, const std::vector<Q>& also) const {
  std::vector<Q> boosters = scaled_;
  boosters.insert(boosters.end(), also.begin(), also.end());
  Q q = boosters.empty()
            ? matched
            : Q(Q::OP_AND_MAYBE, matched, Q(Q::OP_OR, boosters.begin(), boosters.end()));
  for (const Q& layer : constant_) q = Q(Q::OP_MAX, q, Q(Q::OP_AND, q, layer));
  return q;
}

}  // namespace tracuu::internal
