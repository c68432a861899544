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
// Whether --prune may delete is decided once for the whole index (a year
// whose articles all left the sources is not half the index).
// The cost of sharding is one extra parse of the sources.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <unordered_map>

#include "job_internal.h"

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
  std::ifstream in(job::shard_map_path(dir));
  if (!in) return std::nullopt;
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    ShardMap map;
    map.rule = j.at("rule").get<std::string>();
    for (const auto& s : j.at("shards")) map.shards.insert(s.get<std::string>());
    return map;
  } catch (const nlohmann::json::exception& e) {
    throw IndexError(job::shard_map_path(dir) + ": not a shard map: " + e.what());
  }
}

// The map and the stub readers follow; the stub is written last, so readers
// only ever see shards that exist.
void write_shard_map(const std::string& dir, const ShardMap& map) {
  nlohmann::json j = {{"rule", map.rule}, {"shards", map.shards}};
  job::replace_file(job::shard_map_path(dir), j.dump(2) + "\n");
  std::string stub;
  for (const std::string& s : map.shards) stub += "auto " + s + "\n";
  job::replace_file((fs::path(dir) / "XAPIANDB").string(), stub);
}

void add_counts(IndexReport& total, const IndexReport& shard) {
  total.added += shard.added;
  total.updated += shard.updated;
  total.unchanged += shard.unchanged;
  total.deleted += shard.deleted;
  total.pruned += shard.pruned;
  total.pruned_ids.insert(total.pruned_ids.end(), shard.pruned_ids.begin(), shard.pruned_ids.end());
  std::sort(total.pruned_ids.begin(), total.pruned_ids.end());
  if (total.pruned_ids.size() > job::kListedPrunes) total.pruned_ids.resize(job::kListedPrunes);
}

std::string shard_path(const std::string& dir, const std::string& shard) {
  return (fs::path(dir) / shard).string();
}

// What a prune over every shard would delete (the ids no source holds; an
// article that moved shards is not among them) and whether it may.
std::string prune_refusal(const IndexOptions& options, const ShardMap& map,
                          const std::unordered_map<std::string, std::string>& shard_of_id,
                          const std::vector<std::string>& unreadable) {
  std::size_t indexed = 0, doomed = 0;
  for (const std::string& shard : map.shards) {
    const std::string path = shard_path(options.db_dir, shard);
    if (IndexLocation(path).live_generation().empty()) continue;  // not built yet
    Xapian::Database db(path);
    indexed += db.get_doccount();
    for (auto id = db.valuestream_begin(slot::kId); id != db.valuestream_end(slot::kId); ++id) {
      if (!shard_of_id.count(*id)) ++doomed;
    }
  }
  return job::prune_refusal(options, indexed, doomed, shard_of_id.size(), unreadable);
}

// Removes the spool folder when the run ends, however it ends.
struct SpoolFolder {
  fs::path path;
  ~SpoolFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// The job on a sharded index folder. The caller holds DIR's lock.
IndexReport run_sharded_job(const IndexOptions& options, std::ostream& log) {
  const auto start = Clock::now();
  const std::string& dir = options.db_dir;
  job::remove_leftovers(dir, log);

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
  // Every shard's leftovers, also of the shards this run will not touch.
  for (const std::string& shard : map->shards) {
    job::DirLock shard_lock(shard_path(dir, shard));
    job::remove_leftovers(shard_path(dir, shard), log);
  }

  // Route: every record read and checked once; each shard's articles spooled.
  IndexReport report;
  const SpoolFolder spool{fs::path(dir) / ".spool"};
  std::error_code ec;
  fs::remove_all(spool.path, ec);  // a killed run's leftovers
  fs::create_directories(spool.path);
  std::map<std::string, std::unique_ptr<std::ofstream>> spools;
  std::unordered_map<std::string, std::string> shard_of_id;
  std::vector<std::string> unreadable;
  SourceEvents events;
  events.article = [&](Article&& a) {
    job::log_reading_notes(a, log);
    std::string shard = rule.shard_of(a);
    auto& out = spools[shard];
    if (!out) out = std::make_unique<std::ofstream>(spool.path / (shard + ".jsonl"));
    *out << article_to_json(a) << '\n';
    shard_of_id[a.id] = std::move(shard);
  };
  events.rejected = [&](const std::string& file, std::size_t line, const std::string& reason) {
    ++report.rejected;
    log << file << ":" << line << ": " << reason << "\n";
  };
  events.unreadable = [&](const std::string& file, std::size_t line, const std::string& reason) {
    events.rejected(file, line, reason);
    unreadable.push_back(file + ":" + std::to_string(line) + ": " + reason);
  };
  load_sources(options.sources, events);
  for (auto& [shard, out] : spools) {
    out->close();
    if (!*out) throw IndexError("cannot write the spool of shard " + shard);
    map->shards.insert(shard);
  }
  log << "tracuu-index: routed " << shard_of_id.size() << " articles to " << spools.size()
      << " shards (" << map->rule << ")\n";

  bool prune = options.prune;
  if (options.prune || options.rebuild) {
    std::string refusal = prune_refusal(options, *map, shard_of_id, unreadable);
    if (!refusal.empty() && options.rebuild)
      throw IndexError("--rebuild stopped, the live index is unchanged: " + refusal);
    if (!refusal.empty()) {
      report.prune_refused = refusal;
      prune = false;
    }
  }

  // Index each shard from its spool. A shard with nothing in the sources is
  // left alone unless --prune or --rebuild asks to make it match them.
  for (const std::string& shard : map->shards) {
    fs::path spool_file = spool.path / (shard + ".jsonl");
    if (!spools.count(shard)) {
      if (!prune && !options.rebuild) continue;
      std::ofstream(spool_file).flush();  // empty: prune everything in it
    }
    IndexOptions one = options;
    one.db_dir = shard_path(dir, shard);
    one.sources = {spool_file.string()};
    one.shard_by.clear();
    one.prune = prune;
    one.prune_allow_shrink = true;  // decided above, for the whole index
    job::DirLock shard_lock(one.db_dir);
    IndexReport r = job::run_unsharded_job(one, log);
    log << "tracuu-index: shard " << shard << ": " << r.to_json() << "\n";
    add_counts(report, r);
    write_shard_map(dir, *map);  // readers see the shard once it has its first commit
  }

  // An article whose shard changed (its date was corrected) is now in its
  // new shard: delete it from the old one (a move counts as added + deleted).
  for (const std::string& shard : map->shards) {
    const std::string path = shard_path(dir, shard);
    std::vector<std::string> moved;
    {
      Xapian::Database db(path);
      for (auto id = db.valuestream_begin(slot::kId); id != db.valuestream_end(slot::kId); ++id) {
        auto it = shard_of_id.find(*id);
        if (it != shard_of_id.end() && it->second != shard) moved.push_back(*id);
      }
    }
    if (moved.empty()) continue;  // the usual case: no writer, no commit
    job::DirLock shard_lock(path);
    const std::string live = IndexLocation(path).live_generation();
    job::writing(live, [&] {
      Xapian::WritableDatabase db(live, Xapian::DB_OPEN);
      for (const std::string& id : moved) db.delete_document(std::string(prefix::kId) + id);
      db.commit();
    });
    report.deleted += moved.size();
  }
  write_shard_map(dir, *map);
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

// The log lines that say what --prune did or why it did nothing.
void log_prune_outcome(const IndexReport& report, std::ostream& log) {
  if (report.pruned > 0) {
    log << "tracuu-index: pruned " << report.pruned
        << (report.pruned == 1 ? " article" : " articles") << " no longer in the sources: ";
    for (std::size_t i = 0; i < report.pruned_ids.size(); ++i)
      log << (i ? ", " : "") << report.pruned_ids[i];
    if (report.pruned > report.pruned_ids.size())
      log << " and " << report.pruned - report.pruned_ids.size() << " more";
    log << "\n";
  }
  if (!report.prune_refused.empty())
    log << "tracuu-index: pruning skipped, nothing deleted: " << report.prune_refused << "\n";
}

}  // namespace

std::string job::shard_map_path(const std::string& dir) {
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
  // Before anything is written in DIR: two first runs on an empty folder
  // would otherwise both create and build generations over each other.
  job::DirLock lock(options.db_dir);
  std::error_code ec;
  bool sharded = !options.shard_by.empty() || fs::exists(job::shard_map_path(options.db_dir), ec);
  IndexReport report =
      sharded ? run_sharded_job(options, log) : job::run_unsharded_job(options, log);
  log_prune_outcome(report, log);
  return report;
}

}  // namespace tracuu
