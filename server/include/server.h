// The HTTP API and search page over a tracuu index. Public header of server/.
// Endpoints and JSON shapes: docs/api.md.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "shards.h"

namespace tracuu {

// One worker per core, at least two: workers never wait on a client (the
// event loop does), so more workers only time-slice the cores and lengthen
// the tail (docs/benchmarks.md, Serving).
std::size_t default_threads();

struct ServerOptions {
  // Index folders, sharded folders, stub files or tcp://host:port shards
  // (docs/scaling.md), searched as one index.
  std::vector<std::string> databases;
  ShardOptions shard_options;
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  int port = 8080;
  std::size_t threads = default_threads();  // workers answering requests
  std::size_t max_exports = 4;              // streamed exports at once (2 per client)
  std::string cors_origin;                  // Access-Control-Allow-Origin; empty = no CORS header
  // A search's time (less under load): past it, the best matches found so
  // far, marked partial (docs/operations.md).
  unsigned query_budget_ms = 500;
  unsigned export_budget_ms = 30000;  // an export's query (not its transfer)
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_client = 256;
  unsigned drain_ms = 10000;          // after SIGTERM, for the requests in flight
  unsigned header_timeout_ms = 5000;  // a request head, from its first byte
  unsigned body_timeout_ms = 10000;   // a request body, from the end of its head
  // One JSON line per request: "stdout" (journald), "off", or a file path.
  std::string access_log = "stdout";
  // Where diagnostics go: stderr when empty, else this file (appended).
  // SIGHUP reopens both files (after logrotate moved them).
  std::string log_file;
  // The editors' files and the analytics database (docs/editors.md); empty: none.
  std::string synonyms_file, rules_file, analytics_file;
  unsigned analytics_retention_days = 180;  // older searches and clicks are deleted
  // A concordance sorted by context holds its lines: past this many MB of
  // them it answers 400 (docs/api.md#concordance).
  std::size_t concordance_sort_mb = 64;
  // The server's public address ("https://tracuu.example"): the absolute
  // links of the Atom feed. Empty: they are relative (docs/operations.md).
  std::string public_url;
  unsigned analytics_max_mb = 256;  // past it, the oldest rows are deleted
  // /stats lists a query once this many visitors (a daily hash of the
  // address) searched it: a one-off query naming a person never shows.
  unsigned stats_min_visitors = 3;
  unsigned events_per_minute = 30;  // POST /events per client address, in bursts of as many
  unsigned stats_budget_ms = 5000;  // a /stats past it is stopped (503)
  // The editors' bearer token (docs/editors.md); empty: /stats and
  // /editorial answer 403.
  std::string editor_token_file;
};

// Serves until SIGTERM or SIGINT, then finishes the requests in flight
// (within drain_ms) and returns. Throws std::runtime_error when the index
// cannot be opened or read, or the address cannot be bound.
void run_server(const ServerOptions& options);

}  // namespace tracuu
