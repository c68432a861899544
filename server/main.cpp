// tracuu-server: parse options, serve; errors become a message and exit 1.
#include <cstdlib>
#include <iostream>
#include <string>

#include "server.h"

namespace {

constexpr const char* kUsage =
    "usage: tracuu-server --db DIR [--host 127.0.0.1] [--port 8080] [--threads N] [--cors-origin "
    "ORIGIN]\n"
    "  --threads N  worker threads (default: 2 per core, at least 4)\n"
    "  Serves the search page at / and the JSON API (docs/api.md).\n";

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
      options.db_dir = argv[++i];
    } else if (arg == "--host" && has_value) {
      options.host = argv[++i];
    } else if (arg == "--port" && has_value && number(argv[i + 1], 0, 65535, &v)) {
      options.port = static_cast<int>(v);
      ++i;
    } else if (arg == "--threads" && has_value && number(argv[i + 1], 1, 256, &v)) {
      options.threads = static_cast<std::size_t>(v);
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
  if (options.db_dir.empty()) {
    std::cerr << "tracuu-server: --db DIR is required\n" << kUsage;
    return 1;
  }
  try {
    tracuu::run_server(options);
  } catch (const std::exception& e) {
    std::cerr << "tracuu-server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
