// Sharded indexes: one tracuu index folder per shard under DIR, chosen by a
// rule, and two files naming them all:
//   DIR/shards.json  the shard map: {"rule":"year","shards":["year-2016",...]}
//   DIR/XAPIANDB     a Xapian stub with one "auto SHARD" line per shard, so
//                    anything that opens DIR (tracuu-server, xapian-tcpsrv,
//                    xapian-delve) reads every shard as one database.
//
// A run routes the SOURCEs' articles to their shards once (reading and
// checking every record, reporting the bad ones), spooling each shard's
// articles to a JSONL file, then runs the ordinary job (job.cpp) on each
// shard with its spool as the source: every guarantee of the unsharded job
// (batches, crash safety, --prune, --rebuild, the write lock) holds per shard.
// The cost of sharding is one extra parse of the sources.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <unordered_map>

#include "indexer.h"

namespace tracuu {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// FNV-1a: stable across compilers and runs, unlike std::hash, so an id
// keeps its shard for the life of the index.
std::uint64_t stable_hash(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

struct ShardMap {
  std::string rule;
  std::set<std::string> shards;
};

std::optional<ShardMap> read_shard_map(const std::string& dir) {
  std::ifstream in(detail_index::shard_map_path(dir));
  if (!in) return std::nullopt;
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    ShardMap map;
    map.rule = j.at("rule").get<std::string>();
    for (const auto& s : j.at("shards")) map.shards.insert(s.get<std::string>());
    return map;
  } catch (const nlohmann::json::exception& e) {
    throw IndexError(detail_index::shard_map_path(dir) + ": not a shard map: " + e.what());
  }
}

// The map and the stub readers follow; the stub is written last, so readers
// only ever see shards that exist.
void write_shard_map(const std::string& dir, const ShardMap& map) {
  nlohmann::json j = {{"rule", map.rule}, {"shards", map.shards}};
  detail_index::replace_file(detail_index::shard_map_path(dir), j.dump(2) + "\n");
  std::string stub;
  for (const std::string& s : map.shards) stub += "auto " + s + "\n";
  detail_index::replace_file((fs::path(dir) / "XAPIANDB").string(), stub);
}

// Keeps a second sharded run out while the first routes and spools (each
// shard's own Xapian lock covers the writing).
class DirLock {
 public:
  explicit DirLock(const std::string& dir) {
    std::string path = (fs::path(dir) / ".tracuu-index.lock").string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw IndexError("cannot open " + path);
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw IndexError("another tracuu-index is writing to " + dir +
                       " (its lock is held); try again when it has finished");
    }
  }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  ~DirLock() { ::close(fd_); }  // closing releases the lock

 private:
  int fd_ = -1;
};

void add_counts(IndexReport& total, const IndexReport& shard) {
  total.added += shard.added;
  total.updated += shard.updated;
  total.unchanged += shard.unchanged;
  total.deleted += shard.deleted;
}

IndexReport run_sharded_job(const IndexOptions& options, std::ostream& log) {
  const auto start = Clock::now();
  const std::string& dir = options.db_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IndexError("cannot create " + dir + ": " + ec.message());
  DirLock lock(dir);

  std::optional<ShardMap> map = read_shard_map(dir);
  if (!map) {
    if (!IndexLocation(dir).live_generation().empty())
      throw IndexError(dir + " holds an unsharded index: build the sharded one in a new folder");
    map = ShardMap{ShardRule::parse(options.shard_by).spec(), {}};
  }
  const ShardRule rule = ShardRule::parse(map->rule);
  if (!options.shard_by.empty() && !(ShardRule::parse(options.shard_by) == rule))
    throw IndexError(dir + " is sharded by " + map->rule + ", not " + options.shard_by +
                     ": build the new layout in a new folder");
  // A shard a killed run created but did not record yet.
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_directory() && fs::exists(entry.path() / "XAPIANDB"))
      map->shards.insert(entry.path().filename().string());
  }

  // Route: every record read and checked once; each shard's articles spooled.
  IndexReport report;
  const fs::path spool_dir = fs::path(dir) / ".spool";
  fs::remove_all(spool_dir, ec);  // a killed run's leftovers
  fs::create_directories(spool_dir);
  std::map<std::string, std::unique_ptr<std::ofstream>> spools;
  std::unordered_map<std::string, std::string> shard_of_id;
  load_sources(
      options.sources,
      [&](Article&& a) {
        if (a.encoding != "utf-8")
          log << "tracuu-index: " << a.id << ": converted from " << a.encoding << "\n";
        std::string shard = rule.shard_of(a);
        auto& out = spools[shard];
        if (!out) out = std::make_unique<std::ofstream>(spool_dir / (shard + ".jsonl"));
        *out << article_to_json(a) << '\n';
        shard_of_id[a.id] = std::move(shard);
      },
      [&](const std::string& file, std::size_t line, const std::string& reason) {
        ++report.rejected;
        log << file << ":" << line << ": " << reason << "\n";
      });
  for (auto& [shard, out] : spools) {
    out->close();
    if (!*out) throw IndexError("cannot write the spool of shard " + shard);
    map->shards.insert(shard);
  }
  log << "tracuu-index: routed " << shard_of_id.size() << " articles to " << spools.size()
      << " shards (" << map->rule << ")\n";

  // Index each shard from its spool. A shard with nothing in the sources is
  // left alone unless --prune or --rebuild asks to make it match them.
  for (const std::string& shard : map->shards) {
    fs::path spool = spool_dir / (shard + ".jsonl");
    if (!spools.count(shard)) {
      if (!options.prune && !options.rebuild) continue;
      std::ofstream(spool).flush();  // empty: prune everything in it
    }
    IndexOptions one = options;
    one.db_dir = (fs::path(dir) / shard).string();
    one.sources = {spool.string()};
    one.shard_by.clear();
    IndexReport r = detail_index::run_unsharded_job(one, log);
    log << "tracuu-index: shard " << shard << ": " << r.to_json() << "\n";
    add_counts(report, r);
    write_shard_map(dir, *map);  // readers see the shard once it has its first commit
  }

  // An article whose shard changed (its date was corrected) is now in its
  // new shard: delete it from the old one (a move counts as added + deleted).
  for (const std::string& shard : map->shards) {
    const std::string path = (fs::path(dir) / shard).string();
    std::vector<std::string> moved;
    {
      Xapian::Database db(path);
      for (auto id = db.valuestream_begin(slot::kId); id != db.valuestream_end(slot::kId); ++id) {
        auto it = shard_of_id.find(*id);
        if (it != shard_of_id.end() && it->second != shard) moved.push_back(*id);
      }
    }
    if (moved.empty()) continue;  // the usual case: no writer, no commit
    Xapian::WritableDatabase db(path, Xapian::DB_OPEN);
    for (const std::string& id : moved) db.delete_document(std::string(prefix::kId) + id);
    db.commit();
    report.deleted += moved.size();
  }
  write_shard_map(dir, *map);
  fs::remove_all(spool_dir, ec);
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace

std::string detail_index::shard_map_path(const std::string& dir) {
  return (fs::path(dir) / "shards.json").string();
}

ShardRule ShardRule::parse(const std::string& spec) {
  ShardRule rule;
  if (spec == "year") return rule;
  if (spec.rfind("hash:", 0) == 0) {
    std::string n = spec.substr(5);
    if (!n.empty() && n.size() <= 4 && n.find_first_not_of("0123456789") == std::string::npos) {
      rule.hash_shards_ = static_cast<unsigned>(std::stoul(n));
      if (rule.hash_shards_ >= 1 && rule.hash_shards_ <= 1024) return rule;
    }
  }
  throw IndexError("--shard-by must be year or hash:N (N from 1 to 1024), got \"" + spec + "\"");
}

std::string ShardRule::spec() const {
  return hash_shards_ ? "hash:" + std::to_string(hash_shards_) : "year";
}

std::string ShardRule::shard_of(const Article& a) const {
  if (hash_shards_) return "hash-" + std::to_string(stable_hash(a.id) % hash_shards_);
  return a.published.size() >= 4 ? "year-" + a.published.substr(0, 4) : "year-unknown";
}

IndexReport run_index_job(const IndexOptions& options, std::ostream& log) {
  std::error_code ec;
  bool sharded =
      !options.shard_by.empty() || fs::exists(detail_index::shard_map_path(options.db_dir), ec);
  return sharded ? run_sharded_job(options, log) : detail_index::run_unsharded_job(options, log);
}

}  // namespace tracuu
