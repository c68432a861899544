// tracuu-index: parse options, run the reindex job, map errors to exit codes.
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <string>

#include "indexer.h"

namespace {

constexpr const char* kUsage =
    "usage: tracuu-index --db DIR [--prune [--prune-allow-shrink]] [--rebuild] [--batch N]\n"
    "                    [--shard-by RULE] [--lock-wait S] SOURCE...\n"
    "       tracuu-index --db DIR --backup OUT\n"
    "  SOURCE: a .jsonl or .jsonl.gz file, a .txt page, an .html or .htm page, a .warc or\n"
    "          .warc.gz web archive, or a folder of them (a page without an article is\n"
    "          rejected: \"no article (why)\")\n"
    "  --prune    delete articles that are no longer in the SOURCEs; only when every\n"
    "             SOURCE was read to its end, and at most half of the index\n"
    "  --prune-allow-shrink  let --prune (or --rebuild) delete more than half of it\n"
    "  --rebuild  build a fresh index beside the live one, compact it, switch\n"
    "             readers atomically (needed after an analyzer version change);\n"
    "             it drops what the SOURCEs lack, under the same conditions as --prune\n"
    "  --batch N  articles per commit (default 2000)\n"
    "  --shard-by year|hash:N  split DIR into shards (one per year, or N by id);\n"
    "             the rule is kept in DIR/shards.json and used by later runs\n"
    "  --backup OUT  write OUT, a compacted copy of the index at one revision, while\n"
    "             servers read it and a job may write it; OUT must not exist nor be\n"
    "             inside DIR; it is servable as it is (tracuu-server --db OUT)\n"
    "  --lock-wait S  wait at most S seconds (default 60) for another tracuu-index\n"
    "             writing DIR (one killed a moment ago) before failing\n"
    "Last line on stdout: "
    "{\"added\":N,\"updated\":N,\"unchanged\":N,\"deleted\":N,\"rejected\":N,\"seconds\":S}\n"
    "Exit status: 0 all indexed, 2 some records rejected (the rest committed), 1 fatal\n"
    "error, or pruning skipped (a SOURCE not read to its end, or too few articles).\n";

int fail_usage(const std::string& message) {
  std::cerr << "tracuu-index: " << message << "\n" << kUsage;
  return 1;
}

int backup(const std::string& db, const std::string& out) {
  try {
    tracuu::BackupReport report = tracuu::backup_index(db, out, std::cerr);
    std::cout << report.to_json() << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "tracuu-index: backup failed: " << e.what() << "\n";
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  tracuu::IndexOptions options;
  std::string backup_out;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--db" && i + 1 < argc) {
      options.db_dir = argv[++i];
    } else if (arg == "--prune") {
      options.prune = true;
    } else if (arg == "--prune-allow-shrink") {
      options.prune_allow_shrink = true;
    } else if (arg == "--rebuild") {
      options.rebuild = true;
    } else if (arg == "--batch" && i + 1 < argc) {
      char* end = nullptr;
      long n = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || n < 1) return fail_usage("--batch needs a positive number");
      options.batch_size = static_cast<std::size_t>(n);
    } else if (arg == "--lock-wait" && i + 1 < argc) {
      char* end = nullptr;
      long s = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || s < 0 || s > 86400)
        return fail_usage("--lock-wait needs a number of seconds, 0 to 86400");
      options.lock_wait = std::chrono::seconds(s);
    } else if (arg == "--backup" && i + 1 < argc) {
      backup_out = argv[++i];
    } else if (arg == "--shard-by" && i + 1 < argc) {
      options.shard_by = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      return fail_usage("unknown option " + arg);
    } else {
      options.sources.push_back(arg);
    }
  }
  if (options.db_dir.empty()) return fail_usage("--db DIR is required");
  if (!backup_out.empty()) {
    if (!options.sources.empty() || options.rebuild || options.prune)
      return fail_usage("--backup takes no SOURCE and no other option");
    return backup(options.db_dir, backup_out);
  }
  if (options.sources.empty()) return fail_usage("at least one SOURCE is required");
  options.progress_bar = isatty(STDERR_FILENO) == 1;
  try {
    tracuu::IndexReport report = tracuu::run_index_job(options, std::cerr);
    std::cout << report.to_json() << std::endl;
    if (!report.prune_refused.empty()) return 1;  // an alert: nothing was pruned
    return report.rejected > 0 ? 2 : 0;
  } catch (const Xapian::Error& e) {
    std::cerr << "tracuu-index: fatal: " << e.get_description() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "tracuu-index: fatal: " << e.what() << "\n";
  }
  return 1;
}
