// tracuu-server: parse options, serve; errors become a message and exit 1.
#include <xapian.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include "server.h"

namespace {

constexpr const char* kUsage =
    "usage: tracuu-server --db DB [--db DB...] [--host 127.0.0.1] [--port 8080] [--threads N]\n"
    "                     [--cors-origin ORIGIN] [--shard-timeout MS] [--query-budget-ms MS]\n"
    "                     [--export-budget-ms MS] [--max-exports N] [--max-connections N]\n"
    "                     [--max-connections-per-client N] [--drain-ms MS]\n"
    "                     [--header-timeout-ms MS] [--body-timeout-ms MS]\n"
    "  --db DB      an index folder (as tracuu-index --db), a sharded index folder, a Xapian\n"
    "               stub file, or a remote shard tcp://host:port (xapian-tcpsrv); repeat it\n"
    "               to search several shards as one index\n"
    "  --threads N  worker threads (default: one per core, at least 2)\n"
    "  --shard-timeout MS  how long a remote shard may take to answer (default 2000)\n"
    "  --query-budget-ms MS  a search's time, less under load; past it the best matches\n"
    "               found so far, marked partial (default 500)\n"
    "  --export-budget-ms MS  an export's query (default 30000)\n"
    "  --max-exports N  exports streaming at once, 2 per client (default 4)\n"
    "  --max-connections N, --max-connections-per-client N  (default 1024, 256)\n"
    "  --drain-ms MS  on SIGTERM, how long requests in flight may take (default 10000)\n"
    "  --header-timeout-ms MS  a request head's time from its first byte (default 5000)\n"
    "  --body-timeout-ms MS  a request body's time after its head (default 10000)\n"
    "  Serves the search page at / and the JSON API (docs/api.md); limits and\n"
    "  signals: docs/operations.md. Exit status 0 after SIGTERM, 1 on a fatal error.\n";

bool number(const char* s, long min, long max, long* out) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < min || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  tracuu::ServerOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    long v = 0;
    if (arg == "--db" && has_value) {
      options.databases.push_back(argv[++i]);
    } else if (arg == "--host" && has_value) {
      options.host = argv[++i];
    } else if (arg == "--port" && has_value && number(argv[i + 1], 0, 65535, &v)) {
      options.port = static_cast<int>(v);
      ++i;
    } else if (arg == "--threads" && has_value && number(argv[i + 1], 1, 256, &v)) {
      options.threads = static_cast<std::size_t>(v);
      ++i;
    } else if (arg == "--shard-timeout" && has_value && number(argv[i + 1], 1, 600000, &v)) {
      options.shard_options.timeout_ms = static_cast<unsigned>(v);
      ++i;
    } else if (arg == "--query-budget-ms" && has_value && number(argv[i + 1], 1, 600000, &v)) {
      options.query_budget_ms = static_cast<unsigned>(v);
      ++i;
    } else if (arg == "--export-budget-ms" && has_value && number(argv[i + 1], 1, 3600000, &v)) {
      options.export_budget_ms = static_cast<unsigned>(v);
      ++i;
    } else if (arg == "--max-exports" && has_value && number(argv[i + 1], 1, 256, &v)) {
      options.max_exports = static_cast<std::size_t>(v);
      ++i;
    } else if (arg == "--max-connections" && has_value && number(argv[i + 1], 1, 1000000, &v)) {
      options.max_connections = static_cast<std::size_t>(v);
      ++i;
    } else if (arg == "--max-connections-per-client" && has_value &&
               number(argv[i + 1], 1, 1000000, &v)) {
      options.max_connections_per_client = static_cast<std::size_t>(v);
      ++i;
    } else if (arg == "--drain-ms" && has_value && number(argv[i + 1], 0, 3600000, &v)) {
      options.drain_ms = static_cast<unsigned>(v);
      ++i;
    } else if (arg == "--header-timeout-ms" && has_value && number(argv[i + 1], 1, 600000, &v)) {
      options.header_timeout_ms = static_cast<unsigned>(v);
      ++i;
    } else if (arg == "--body-timeout-ms" && has_value && number(argv[i + 1], 1, 600000, &v)) {
      options.body_timeout_ms = static_cast<unsigned>(v);
      ++i;
    } else if (arg == "--cors-origin" && has_value) {
      options.cors_origin = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "tracuu-server: bad option " << arg << "\n" << kUsage;
      return 1;
    }
  }
  if (options.databases.empty()) {
    std::cerr << "tracuu-server: --db is required\n" << kUsage;
    return 1;
  }
  // A remote shard that goes away mid-request must be an error to handle,
  // not a signal that kills the server.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    tracuu::run_server(options);
  } catch (const Xapian::Error& e) {
    std::cerr << "tracuu-server: cannot open the index: " << e.get_description() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "tracuu-server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
