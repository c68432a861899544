// Internal to search/: Searcher::with_retry, shared by the files that define
// Searcher's members.
#pragma once

#include "search.h"

namespace tracuu {

// Runs `f` against db_; when Xapian says the revision being read was
// discarded (a writer committed twice meanwhile), reopens and runs it again;
// when a remote shard stops answering, runs it again without that shard.
template <typename F>
auto Searcher::with_retry(F&& f) -> decltype(f()) {
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

}  // namespace tracuu
