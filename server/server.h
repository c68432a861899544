// The HTTP API and search page over a tracuu index. Public header of server/.
// Endpoints and JSON shapes: docs/api.md.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "shards.h"

namespace tracuu {

// Two workers per core (some wait on slow clients), at least four.
std::size_t default_threads();

struct ServerOptions {
  // Index folders, sharded folders, stub files or tcp://host:port shards
  // (docs/scaling.md), searched as one index.
  std::vector<std::string> databases;
  ShardOptions shard_options;
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  int port = 8080;
  std::size_t threads = default_threads();  // 2 x cores, at least 4
  std::string cors_origin;                  // Access-Control-Allow-Origin; empty = no CORS header
};

// Serves until the process is stopped. Throws std::runtime_error when the
// index cannot be opened or the address cannot be bound.
void run_server(const ServerOptions& options);

}  // namespace tracuu
