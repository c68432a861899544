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

#include "indexer_internal.h"

namespace tracuu {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct ShardMap {
  std::string rule;
  std::set<std::string> shards;
};

std::optional<ShardMap> read_shard_map(const std::string& dir) {
  std::ifstream in(internal::shard_map_path(dir));
  if (!in) return std::nullopt;
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    ShardMap map;
    map.rule = j.at("rule").get<std::string>();
    for (const auto& s : j.at("shards")) map.shards.insert(s.get<std::string>());
    return map;
  } catch (const nlohmann::json::exception& e) {
    throw IndexError(internal::shard_map_path(dir) + ": not a shard map: " + e.what());
  }
}

// The map and the stub readers follow; the stub is written last, so readers
// only ever see shards that exist.
void write_shard_map(const std::string& dir, const ShardMap& map) {
  nlohmann::json j = {{"rule", map.rule}, {"shards", map.shards}};
  internal::replace_file(internal::shard_map_path(dir), j.dump(2) + "\n");
  std::string stub;
  for (const std::string& s : map.shards) stub += "auto " + s + "\n";
  internal::replace_file((fs::path(dir) / IndexLocation::kStubFile).string(), stub);
}

void add_counts(IndexReport& total, const IndexReport& shard) {
  total.added += shard.added;
  total.updated += shard.updated;
  total.unchanged += shard.unchanged;
  total.deleted += shard.deleted;
  total.pruned += shard.pruned;
  total.pruned_ids.insert(total.pruned_ids.end(), shard.pruned_ids.begin(), shard.pruned_ids.end());
  std::sort(total.pruned_ids.begin(), total.pruned_ids.end());
  if (total.pruned_ids.size() > internal::kListedPrunes)
    total.pruned_ids.resize(internal::kListedPrunes);
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
  return internal::prune_refusal(options, indexed, doomed, shard_of_id.size(), unreadable);
}

// Removes the spool folder when the run ends, however it ends.
struct SpoolFolder {
  fs::path path;
  ~SpoolFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// The job on a sharded index folder, as a list of steps: open the layout,
// route the sources' articles to per-shard spools, decide whether pruning
// may happen, index each shard from its spool (the unsharded job, with all
// its guarantees), remove articles that moved shards. The caller holds
// DIR's lock.
class ShardedRun {
 public:
  ShardedRun(const IndexOptions& options, std::ostream& log)
      : options_(options), dir_(options.db_dir), log_(log), spool_{fs::path(dir_) / ".spool"} {}

  IndexReport run() {
    const auto start = Clock::now();
    internal::remove_leftovers(dir_, log_);
    open_layout();
    route();
    const bool prune = decide_prune();
    index_shards(prune);
    remove_moved();
    write_shard_map(dir_, map_);
    report_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return report_;
  }

 private:
  // The shard map (a new one by --shard-by), every shard folder in it or
  // left unrecorded by a killed run, each cleaned of its leftovers.
  void open_layout() {
    std::optional<ShardMap> found = read_shard_map(dir_);
    if (!found) {
      if (!IndexLocation(dir_).live_generation().empty())
        throw IndexError(dir_ + " holds an unsharded index: build the sharded one in a new folder");
      found = ShardMap{ShardRule::parse(options_.shard_by).spec(), {}};
    }
    map_ = std::move(*found);
    rule_ = ShardRule::parse(map_.rule);
    if (!options_.shard_by.empty() && !(ShardRule::parse(options_.shard_by) == rule_))
      throw IndexError(dir_ + " is sharded by " + map_.rule + ", not " + options_.shard_by +
                       ": build the new layout in a new folder");
    for (const auto& entry : fs::directory_iterator(dir_)) {
      if (entry.is_directory() && fs::exists(entry.path() / IndexLocation::kStubFile))
        map_.shards.insert(entry.path().filename().string());
    }
    for (const std::string& shard : map_.shards) {
      internal::DirLock shard_lock(shard_path(dir_, shard));
      internal::remove_leftovers(shard_path(dir_, shard), log_);
    }
  }

  // Every record read and checked once; each shard's articles spooled.
  void route() {
    std::error_code ec;
    fs::remove_all(spool_.path, ec);  // a killed run's leftovers
    fs::create_directories(spool_.path);
    std::map<std::string, std::unique_ptr<std::ofstream>> spools;
    SourceEvents events;
    events.article = [&](Article&& a) {
      internal::log_reading_notes(a, log_);
      std::string shard = rule_.shard_of(a);
      auto& out = spools[shard];
      if (!out) out = std::make_unique<std::ofstream>(spool_file(shard));
      *out << article_json(a).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
           << '\n';
      shard_of_id_[a.id] = std::move(shard);
    };
    events.rejected = [&](const std::string& file, std::size_t line, const std::string& reason) {
      ++report_.rejected;
      log_ << file << ":" << line << ": " << reason << "\n";
    };
    events.field_error = [&](const std::string& file, std::size_t line, const std::string& reason) {
      log_ << file << ":" << line << ": " << reason << "\n";
    };
    events.passed_over = [&](std::size_t count) { report_.skipped += count; };
    events.unreadable = [&](const std::string& file, std::size_t line, const std::string& reason) {
      events.rejected(file, line, reason);
      unreadable_.push_back(file + ":" + std::to_string(line) + ": " + reason);
    };
    load_sources(options_.sources, events);
    for (auto& [shard, out] : spools) {
      out->close();
      if (!*out) throw IndexError("cannot write the spool of shard " + shard);
      map_.shards.insert(shard);
      spooled_.insert(shard);
    }
    log_ << "tracuu-index: routed " << shard_of_id_.size() << " articles to " << spools.size()
         << " shards (" << map_.rule << ")\n";
  }

  // Whether this run prunes: decided once for the whole index (a rebuild
  // that may not prune stops here, the live shards unchanged).
  bool decide_prune() {
    if (!options_.prune && !options_.rebuild) return false;
    std::string refusal = prune_refusal(options_, map_, shard_of_id_, unreadable_);
    if (refusal.empty()) return options_.prune;
    if (options_.rebuild)
      throw IndexError("--rebuild stopped, the live index is unchanged: " + refusal);
    report_.prune_refused = refusal;
    return false;
  }

  // Each shard from its spool. A shard with nothing in the sources is left
  // alone unless --prune or --rebuild asks to make it match them.
  void index_shards(bool prune) {
    for (const std::string& shard : map_.shards) {
      if (!spooled_.count(shard)) {
        if (!prune && !options_.rebuild) continue;
        std::ofstream(spool_file(shard)).flush();  // empty: prune everything in it
      }
      IndexOptions one = options_;
      one.db_dir = shard_path(dir_, shard);
      one.sources = {spool_file(shard).string()};
      one.shard_by.clear();
      one.prune = prune;
      one.prune_allow_shrink = true;  // decided for the whole index
      internal::DirLock shard_lock(one.db_dir);
      IndexReport r = internal::run_unsharded_job(one, log_);
      log_ << "tracuu-index: shard " << shard << ": " << r.to_json() << "\n";
      add_counts(report_, r);
      write_shard_map(dir_, map_);  // readers see the shard once it has its first commit
    }
  }

  // An article whose shard changed (its date was corrected) is now in its
  // new shard: deleted from the old one (a move counts as added + deleted).
  void remove_moved() {
    for (const std::string& shard : map_.shards) {
      const std::string path = shard_path(dir_, shard);
      std::vector<std::string> moved;
      {
        Xapian::Database db(path);
        for (auto id = db.valuestream_begin(slot::kId); id != db.valuestream_end(slot::kId); ++id) {
          auto it = shard_of_id_.find(*id);
          if (it != shard_of_id_.end() && it->second != shard) moved.push_back(*id);
        }
      }
      if (moved.empty()) continue;  // the usual case: no writer, no commit
      internal::DirLock shard_lock(path);
      const std::string live = IndexLocation(path).live_generation();
      internal::writing(live, [&] {
        Xapian::WritableDatabase db(live, Xapian::DB_OPEN);
        for (const std::string& id : moved) db.delete_document(std::string(prefix::kId) + id);
        db.commit();
      });
      report_.deleted += moved.size();
    }
  }

  fs::path spool_file(const std::string& shard) const { return spool_.path / (shard + ".jsonl"); }

  const IndexOptions& options_;
  const std::string& dir_;
  std::ostream& log_;
  ShardMap map_;
  ShardRule rule_ = ShardRule::parse("year");
  const SpoolFolder spool_;
  std::set<std::string> spooled_;  // shards with articles in this run's sources
  std::unordered_map<std::string, std::string> shard_of_id_;
  std::vector<std::string> unreadable_;
  IndexReport report_;
};

IndexReport run_sharded_job(const IndexOptions& options, std::ostream& log) {
  return ShardedRun(options, log).run();
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

std::string internal::shard_map_path(const std::string& dir) {
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
  // A stable hash (not std::hash): an id keeps its shard for the life of the index.
  if (hash_shards_) return "hash-" + std::to_string(stable_hash(a.id) % hash_shards_);
  return a.published.size() >= 4 ? "year-" + a.published.substr(0, 4) : "year-unknown";
}

IndexReport run_index_job(const IndexOptions& options, std::ostream& log) {
  // Before anything is written in DIR: two first runs on an empty folder
  // would otherwise both create and build generations over each other.
  internal::DirLock lock(options.db_dir, options.lock_wait, &log);
  std::error_code ec;
  bool sharded =
      !options.shard_by.empty() || fs::exists(internal::shard_map_path(options.db_dir), ec);
  IndexReport report =
      sharded ? run_sharded_job(options, log) : internal::run_unsharded_job(options, log);
  log_prune_outcome(report, log);
  return report;
}

}  // namespace tracuu
