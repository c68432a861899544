// IndexLocation: the generations of an index and the stub naming the live one.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "schema.h"

namespace tracuu {

namespace fs = std::filesystem;

std::string IndexLocation::stub_path() const {
  return (fs::path(dir_) / kStubFile).string();
}

std::string IndexLocation::generation_token() const {
  std::ifstream in(stub_path());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string IndexLocation::live_generation() const {
  // The first entry: ours is "auto gen-000002"; xapian-replicate's replica
  // stub has comment lines before "auto replica_1" (docs/operations.md).
  std::ifstream in(stub_path());
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string kind, name;
    if (!(words >> kind) || kind[0] == '#') continue;
    if (kind != "auto" || !(words >> name)) break;
    fs::path p(name);
    return (p.is_absolute() ? p : fs::path(dir_) / p).string();
  }
  if (is_database(dir_)) return dir_;  // a plain Xapian database given as --db
  return {};
}

bool IndexLocation::is_database(const std::string& dir) {
  std::error_code ec;
  return fs::exists(fs::path(dir) / kGlassFile, ec);
}

Xapian::Database IndexLocation::open_reader() const {
  std::string live = live_generation();
  if (live.empty()) throw IndexUnavailable("no tracuu index at " + dir_);
  return Xapian::Database(live);
}

}  // namespace tracuu
