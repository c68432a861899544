// Stock Xapian's search, as the benchmarks' peer runs it (bench-relevance's
// "stock Xapian" and bench-query-timing --stock): the query parsed with OR
// and the default flags, BM25, the top `count`.
#pragma once

#include <xapian.h>

#include <string>

namespace bench {

// An empty MSet when the parser rejects the text, as a search page would
// answer no results.
inline Xapian::MSet stock_search(const Xapian::Database& db, const std::string& text,
                                 Xapian::doccount count = 10) {
  Xapian::QueryParser qp;
  qp.set_database(db);
  qp.set_default_op(Xapian::Query::OP_OR);
  Xapian::Enquire enquire(db);
  try {
    enquire.set_query(qp.parse_query(text, Xapian::QueryParser::FLAG_DEFAULT));
  } catch (const Xapian::QueryParserError&) {
    return Xapian::MSet();
  }
  return enquire.get_mset(0, count);
}

}  // namespace bench
