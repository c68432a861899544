// The stock-Xapian reference of the benchmarks: Xapian's own TermGenerator
// with no Vietnamese analysis, positions on, no stemmer, the title counted 3x
// and the lead 2x (as tracuu weights them), the same stored data (the
// article's stored record, stored_data) and id term. Shared by bench-index and bench-relevance.
#pragma once

#include <xapian.h>

#include <string>

#include "indexer.h"

namespace bench {

// Indexes `corpus` into a new database at `path`, committing every 5000 articles.
inline void index_stock(const std::string& corpus, const std::string& path, int flags = 0) {
  Xapian::WritableDatabase db(path, Xapian::DB_CREATE_OR_OVERWRITE | flags);
  Xapian::TermGenerator tg;
  std::size_t n = 0;
  tracuu::load_sources(
      {corpus},
      [&](tracuu::Article&& a) {
        Xapian::Document doc;
        tg.set_document(doc);
        tg.index_text(a.title, 3);
        tg.increase_termpos();
        tg.index_text(a.lead, 2);
        tg.increase_termpos();
        tg.index_text(a.body);
        doc.add_boolean_term("Q" + a.id);
        doc.set_data(tracuu::stored_data(a));
        db.replace_document("Q" + a.id, doc);
        if (++n % 5000 == 0) db.commit();
      },
      [](const std::string&, std::size_t, const std::string&) {});
  db.commit();
}

}  // namespace bench
