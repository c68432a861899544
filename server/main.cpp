// tracuu-server: parse options, serve; errors become a message and exit 1.
#include <xapian.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "schema.h"
#include "server.h"

namespace {

constexpr const char* kUsage =
    "usage: tracuu-server --db DB [--db DB...] [--host 127.0.0.1] [--port 8080] [--threads N]\n"
    "                     [--cors-origin ORIGIN] [--shard-timeout MS] [--query-budget-ms MS]\n"
    "                     [--export-budget-ms MS] [--max-exports N] [--max-connections N]\n"
    "                     [--max-connections-per-client N] [--drain-ms MS]\n"
    "                     [--header-timeout-ms MS] [--body-timeout-ms MS]\n"
    "                     [--access-log off|stdout|FILE] [--log-file FILE]\n"
    "                     [--synonyms FILE] [--rules FILE] [--analytics FILE.sqlite]\n"
    "                     [--analytics-retention-days N] [--analytics-max-mb N]\n"
    "                     [--stats-min-visitors K] [--events-per-minute N] [--editor-token FILE]\n"
    "                     [--stats-budget-ms MS] [--public-url URL] [--concordance-sort-mb N]\n"
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
    "  --access-log off|stdout|FILE  one JSON line per request (default stdout)\n"
    "  --log-file FILE  diagnostics to FILE instead of stderr\n"
    "               SIGHUP reopens both files (logrotate) and reloads what the server reads\n"
    "  --synonyms FILE  editors' synonym groups (\"A = B = C\" lines); --rules FILE pins and\n"
    "               hides (pin<TAB>query<TAB>ids, hide<TAB>id); both reread when they change\n"
    "               and on SIGHUP (docs/editors.md)\n"
    "  --analytics FILE.sqlite  record searches and clicks for /stats (SQLite, WAL);\n"
    "  --analytics-retention-days N  keep them N days (default 180)\n"
    "  --public-url URL  the server's public http(s) address, for the Atom feed's links\n"
    "               (default: relative links; the Host header is never used)\n"
    "  --concordance-sort-mb N  memory for one concordance sorted by context; past it\n"
    "               the request is refused, 400 (default 64)\n"
    "  --analytics-max-mb N  past N MB the oldest rows are deleted (default 256)\n"
    "  --stats-min-visitors K  /stats lists queries K visitors searched (default 3)\n"
    "  --events-per-minute N  POST /events per client address (default 30)\n"
    "  --stats-budget-ms MS  a /stats past it is stopped: 503 (default 5000)\n"
    "  --editor-token FILE  the bearer token /stats and /editorial require; without\n"
    "               it they answer 403 (docs/editors.md)\n"
    "  Serves the search page at / and the JSON API (docs/api.md); limits and\n"
    "  signals: docs/operations.md. Exit status 0 after SIGTERM, 1 on a fatal error.\n";

bool number(const char* s, long min, long max, long* out) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < min || v > max) return false;
  *out = v;
  return true;
}

// A numeric option: its name, its range, and where its value goes.
struct NumberOption {
  const char* name;
  long min, max;
  std::function<void(tracuu::ServerOptions&, long)> set;
};

template <typename T>
std::function<void(tracuu::ServerOptions&, long)> into(T tracuu::ServerOptions::*field) {
  return [field](tracuu::ServerOptions& o, long v) { o.*field = static_cast<T>(v); };
}

const std::vector<NumberOption>& number_options() {
  using O = tracuu::ServerOptions;
  static const std::vector<NumberOption> options = {
      {"--port", 0, 65535, into(&O::port)},
      {"--threads", 1, 256, into(&O::threads)},
      {"--shard-timeout", 1, 600000,
       [](O& o, long v) { o.shard_options.timeout_ms = static_cast<unsigned>(v); }},
      {"--query-budget-ms", 1, 600000, into(&O::query_budget_ms)},
      {"--export-budget-ms", 1, 3600000, into(&O::export_budget_ms)},
      {"--max-exports", 1, 256, into(&O::max_exports)},
      {"--max-connections", 1, 1000000, into(&O::max_connections)},
      {"--max-connections-per-client", 1, 1000000, into(&O::max_connections_per_client)},
      {"--drain-ms", 0, 3600000, into(&O::drain_ms)},
      {"--header-timeout-ms", 1, 600000, into(&O::header_timeout_ms)},
      {"--body-timeout-ms", 1, 600000, into(&O::body_timeout_ms)},
      {"--analytics-retention-days", 1, 36500, into(&O::analytics_retention_days)},
      {"--concordance-sort-mb", 1, 65536, into(&O::concordance_sort_mb)},
      {"--analytics-max-mb", 1, 1000000, into(&O::analytics_max_mb)},
      {"--stats-min-visitors", 1, 1000000, into(&O::stats_min_visitors)},
      {"--events-per-minute", 1, 1000000, into(&O::events_per_minute)},
      {"--stats-budget-ms", 1, 600000, into(&O::stats_budget_ms)},
  };
  return options;
}

// Reads argv into `options`; false (after saying why) when it cannot.
bool parse_options(int argc, char** argv, tracuu::ServerOptions& options, bool* help) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    auto numeric = std::find_if(number_options().begin(), number_options().end(),
                                [&](const NumberOption& o) { return arg == o.name; });
    long v = 0;
    if (numeric != number_options().end() && value &&
        number(value, numeric->min, numeric->max, &v)) {
      numeric->set(options, v);
    } else if (arg == "--db" && value) {
      options.databases.push_back(value);
    } else if (arg == "--host" && value) {
      options.host = value;
    } else if (arg == "--cors-origin" && value) {
      options.cors_origin = value;
    } else if (arg == "--access-log" && value) {
      options.access_log = value;
    } else if (arg == "--log-file" && value) {
      options.log_file = value;
    } else if (arg == "--synonyms" && value) {
      options.synonyms_file = value;
    } else if (arg == "--rules" && value) {
      options.rules_file = value;
    } else if (arg == "--public-url" && value && tracuu::is_web_url(value)) {
      options.public_url = value;
    } else if (arg == "--analytics" && value) {
      options.analytics_file = value;
    } else if (arg == "--editor-token" && value) {
      options.editor_token_file = value;
    } else if (arg == "--help" || arg == "-h") {
      *help = true;
      return true;
    } else {
      std::cerr << "tracuu-server: bad option " << arg << "\n" << kUsage;
      return false;
    }
    ++i;  // every option but --help takes a value
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  tracuu::ServerOptions options;
  bool help = false;
  if (!parse_options(argc, argv, options, &help)) return 1;
  if (help) {
    std::cout << kUsage;
    return 0;
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
