// The databases one Searcher reads as one index (docs/scaling.md): local
// tracuu index folders (unsharded, or a sharded root whose stub lists its
// shards), remote shards served by xapian-tcpsrv ("tcp://host:port"), and
// Xapian stub files listing any of them. Xapian combines the shards'
// statistics, so ranking, facets, sorting and paging equal those of one index.
//
// A remote shard that cannot be reached is left out: the others answer, the
// result says which are missing, and the shard is tried again at most every
// `retry_ms` until it is back.
#pragma once

#include <xapian.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "schema.h"

namespace tracuu {

struct ShardOptions {
  unsigned timeout_ms = 2000;         // a remote shard's answer to one request
  unsigned connect_timeout_ms = 500;  // connecting to a remote shard
  unsigned retry_ms = 1000;           // between reconnection attempts
};

// One database source, as written on the command line or in a stub file.
struct ShardSpec {
  std::string name;  // how it is reported: the path, or "tcp://host:port"
  std::string path;  // a local index folder ("" for a remote shard)
  std::string host;
  unsigned port = 0;
};

// Expands --db values: a folder with one index, a sharded folder (its stub
// lists several), a stub file, or tcp://host:port. Throws std::invalid_argument.
std::vector<ShardSpec> expand_shard_specs(const std::vector<std::string>& dbs);

class ShardSet {
 public:
  // Throws IndexUnavailable when no shard can be opened.
  ShardSet(std::vector<ShardSpec> specs, ShardOptions options);

  // The reachable shards as one database.
  Xapian::Database& database() { return combined_; }
  // Before a request: follows commits and generation switches, reconnects
  // shards that were missing (rate-limited).
  void refresh();
  // After a NetworkError: finds the shards that no longer answer and leaves them out.
  void drop_unreachable();
  // After a DatabaseError (a local generation deleted under us): reopens local shards.
  void reopen_local();
  // Names of the shards left out, empty when all answer.
  std::vector<std::string> missing() const;
  std::size_t size() const { return shards_.size(); }
  // True when every shard is a local folder (no xapian-tcpsrv shard).
  bool all_local() const;
  // Changes whenever database() may read something new (a commit, a
  // switch, a shard left out or back): what was read from it before is stale.
  std::uint64_t version() const { return version_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Shard {
    ShardSpec spec;
    std::optional<IndexLocation> location;  // local shards
    std::string generation;
    std::optional<Xapian::Database> db;  // nullopt: missing
    Clock::time_point next_try;
  };
  bool open(Shard& s);
  void combine();

  std::vector<Shard> shards_;
  ShardOptions options_;
  Xapian::Database combined_;
  std::uint64_t version_ = 0;
};

}  // namespace tracuu
