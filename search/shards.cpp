// ShardSet: local and remote shards read as one database, with missing
// remote shards left out and retried.
#include "shards.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tracuu {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxStubDepth = 8;  // stubs naming stubs: enough, and no loops

ShardSpec remote_spec(const std::string& address) {
  // "tcp://host:port" or "host:port" (Xapian's stub syntax).
  std::string rest = address.rfind("tcp://", 0) == 0 ? address.substr(6) : address;
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon + 1 == rest.size())
    throw std::invalid_argument("remote shard \"" + address + "\": expected tcp://host:port");
  std::string port = rest.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoul(port) == 0 || std::stoul(port) > 65535)
    throw std::invalid_argument("remote shard \"" + address + "\": bad port");
  ShardSpec s;
  s.host = colon == 0 ? "127.0.0.1" : rest.substr(0, colon);
  s.port = static_cast<unsigned>(std::stoul(port));
  s.name = "tcp://" + s.host + ":" + port;
  return s;
}

void expand(const std::string& value, int depth, std::vector<ShardSpec>& out);

// Why `file`, given as a stub, is not one: a plain file named by mistake
// said only `FILE: "hi"`. The line is quoted, cut: a binary file has long ones.
std::invalid_argument not_a_stub(const fs::path& file, std::size_t number, const std::string& line,
                                 const std::string& why) {
  constexpr std::size_t kQuoted = 80;
  return std::invalid_argument(
      file.string() + " is not a tracuu index nor a Xapian stub file (line " +
      std::to_string(number) + ": \"" + line.substr(0, kQuoted) +
      (line.size() > kQuoted ? "...\"" : "\"") + ": " + why +
      "); --db takes an index folder (as tracuu-index --db), a Xapian database folder, a stub "
      "file of \"auto PATH\" or \"remote HOST:PORT\" lines, or tcp://HOST:PORT");
}

// The entries of a Xapian stub file ("auto PATH", "glass PATH",
// "remote HOST:PORT"), paths relative to the stub's folder.
void expand_stub(const fs::path& stub, int depth, std::vector<ShardSpec>& out) {
  std::ifstream in(stub);
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::istringstream words(line);
    std::string kind, target;
    if (!(words >> kind) || kind[0] == '#') continue;
    words >> target;
    if (target.empty()) throw not_a_stub(stub, number, line, "an entry is a kind and a target");
    if (kind == "auto" || kind == "glass") {
      fs::path p(target);
      expand((p.is_absolute() ? p : stub.parent_path() / p).string(), depth + 1, out);
    } else if (kind == "remote" && target[0] != ':') {
      out.push_back(remote_spec(target));
    } else {
      throw not_a_stub(stub, number, line, "unsupported entry (use auto PATH or remote HOST:PORT)");
    }
  }
}

// A tracuu index folder: its stub names one generation (a Xapian database).
bool is_index_folder(const fs::path& dir) {
  IndexLocation loc(dir.string());
  std::string live = loc.live_generation();
  return !live.empty() && IndexLocation::is_database(live);
}

void expand(const std::string& value, int depth, std::vector<ShardSpec>& out) {
  if (depth > kMaxStubDepth)
    throw std::invalid_argument(value + ": stubs nested too deeply (a loop?)");
  if (value.rfind("tcp://", 0) == 0) {
    out.push_back(remote_spec(value));
    return;
  }
  fs::path p(value);
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    if (is_index_folder(p)) {
      out.push_back({value, value, "", 0});
    } else if (fs::exists(p / IndexLocation::kStubFile, ec)) {
      expand_stub(p / IndexLocation::kStubFile, depth, out);  // a sharded index folder
    } else {
      throw std::invalid_argument("no tracuu index at " + value);
    }
  } else if (fs::is_regular_file(p, ec)) {
    expand_stub(p, depth, out);
  } else {
    throw std::invalid_argument("no tracuu index at " + value);
  }
}

}  // namespace

std::vector<ShardSpec> expand_shard_specs(const std::vector<std::string>& dbs) {
  std::vector<ShardSpec> out;
  for (const std::string& v : dbs) expand(v, 0, out);
  if (out.empty()) throw std::invalid_argument("no databases given");
  return out;
}

ShardSet::ShardSet(std::vector<ShardSpec> specs, ShardOptions options) : options_(options) {
  std::string first_error;
  for (ShardSpec& spec : specs) {
    Shard s;
    if (!spec.path.empty()) s.location.emplace(spec.path);
    s.spec = std::move(spec);
    shards_.push_back(std::move(s));
  }
  std::size_t opened = 0;
  for (Shard& s : shards_) {
    try {
      if (open(s)) ++opened;
    } catch (const Xapian::Error& e) {
      if (first_error.empty()) first_error = e.get_description();
    }
  }
  if (opened == 0) {
    throw IndexUnavailable("no shard could be opened" +
                           (first_error.empty() ? "" : ": " + first_error));
  }
  combine();
}

bool ShardSet::open(Shard& s) {
  s.db.reset();
  s.next_try = Clock::now() + std::chrono::milliseconds(options_.retry_ms);
  if (s.location) {
    // Local shards are not expected to vanish: errors reach the caller. A
    // writer committing twice while the database opens discards the
    // revision being opened: open the newer one.
    for (int attempt = 0;; ++attempt) {
      try {
        s.generation = s.location->generation_token();
        s.db = s.location->open_reader();
        return true;
      } catch (const Xapian::DatabaseModifiedError&) {
        if (attempt >= 2) throw;
      }
    }
  }
  try {
    s.db = Xapian::Remote::open(s.spec.host, s.spec.port, options_.timeout_ms,
                                options_.connect_timeout_ms);
    return true;
  } catch (const Xapian::Error&) {
    return false;
  }
}

void ShardSet::combine() {
  ++version_;
  combined_ = Xapian::Database();
  for (const Shard& s : shards_) {
    if (s.db) combined_.add_database(*s.db);
  }
}

void ShardSet::refresh() {
  bool changed = false;
  const auto now = Clock::now();
  for (Shard& s : shards_) {
    if (!s.db) {
      if (now < s.next_try) continue;
      try {
        changed |= open(s);
      } catch (const Xapian::Error&) {
        s.next_try = now + std::chrono::milliseconds(options_.retry_ms);
      }
    } else if (s.location && s.location->generation_token() != s.generation) {
      open(s);  // a rebuild switched generations: reopen() would not follow the stub
      changed = true;
    } else {
      try {
        if (s.db->reopen()) ++version_;  // new commits (for a remote shard: one round trip)
      } catch (const Xapian::NetworkError&) {
        s.db.reset();
        s.next_try = now + std::chrono::milliseconds(options_.retry_ms);
        changed = true;
      } catch (const Xapian::DatabaseError&) {
        // The generation was switched and deleted between the token check
        // and the reopen: open the live one.
        if (!s.location) throw;
        open(s);
        changed = true;
      }
    }
  }
  if (changed) combine();
}

void ShardSet::drop_unreachable() {
  // The connection that failed may be mid-reply: reconnect every remote
  // shard rather than reuse any; those that do not answer are left out.
  for (Shard& s : shards_) {
    if (!s.location) open(s);
  }
  combine();
}

void ShardSet::reopen_local() {
  for (Shard& s : shards_) {
    if (s.location) open(s);
  }
  combine();
}

bool ShardSet::all_local() const {
  for (const Shard& s : shards_) {
    if (!s.location) return false;
  }
  return true;
}

std::vector<std::string> ShardSet::missing() const {
  std::vector<std::string> out;
  for (const Shard& s : shards_) {
    if (!s.db) out.push_back(s.spec.name);
  }
  return out;
}

}  // namespace tracuu
