// bench-index: indexes the shared baomoi corpus into fresh indexes, first with
// Xapian's stock TermGenerator (no Vietnamese analysis, same stored data) as
// the reference, then with tracuu-index, each in a child process so that peak
// RSS is per run. Prints articles/s, MB/s, seconds, size on disk, peak RSS.
//   build/bench/bench-index [corpus.jsonl.gz] [work-dir]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xapian.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include "indexer.h"
#include "stock_reference.h"

namespace fs = std::filesystem;

namespace {

struct Run {
  double seconds = 0;
  long peak_rss_kb = 0;
  std::uintmax_t bytes_on_disk = 0;
  int exit_code = 0;
};

std::uintmax_t disk_usage(const fs::path& dir) {
  std::uintmax_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

Run in_child(const std::function<int()>& body, const fs::path& db) {
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) std::_Exit(body());
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  Run r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.peak_rss_kb = usage.ru_maxrss;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.bytes_on_disk = disk_usage(db);
  return r;
}

int stock_index(const std::string& corpus, const std::string& db_path) {
  bench::index_stock(corpus, db_path);
  return 0;
}

void print(const char* name, const Run& r, std::size_t articles, double mb) {
  std::printf(
      "%-22s %7.1f s  %7.0f articles/s  %5.2f MB/s  %7.1f MB on disk  %6.0f MB peak RSS  (exit "
      "%d)\n",
      name, r.seconds, articles / r.seconds, mb / r.seconds, r.bytes_on_disk / 1e6,
      r.peak_rss_kb / 1024.0, r.exit_code);
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus =
      argc > 1 ? argv[1]
               : std::string(TRACUU_SOURCE_DIR) + "/../shared/corpus/baomoi-2017.jsonl.gz";
  fs::path work = argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path() / "tracuu-bench-index";
  if (!fs::exists(corpus)) {
    std::printf("bench-index: skipped, %s not found\n", corpus.c_str());
    return 0;
  }
  std::size_t articles = 0, bytes = 0;
  tracuu::load_sources(
      {corpus},
      [&](tracuu::Article&& a) {
        ++articles;
        bytes += a.title.size() + a.lead.size() + a.body.size();
      },
      [](const std::string&, std::size_t, const std::string&) {});
  const double mb = bytes / 1e6;
  fs::remove_all(work);
  fs::create_directories(work);

  Run stock =
      in_child([&] { return stock_index(corpus, (work / "stock").string()); }, work / "stock");
  std::string index_bin = std::string(TRACUU_BINARY_DIR) + "/indexer/tracuu-index";
  std::string db = (work / "tracuu").string();
  Run ours = in_child(
      [&] {
        execl(index_bin.c_str(), index_bin.c_str(), "--db", db.c_str(), corpus.c_str(),
              static_cast<char*>(nullptr));
        return 127;
      },
      work / "tracuu");
  std::string compacted = (work / "tracuu-compact").string();
  Xapian::Database(tracuu::IndexLocation(db).live_generation()).compact(compacted);
  std::uintmax_t compact_bytes = disk_usage(compacted);

  std::printf("corpus: %zu articles, %.1f MB of title+lead+body text\n", articles, mb);
  print("stock TermGenerator", stock, articles, mb);
  print("tracuu-index", ours, articles, mb);
  std::printf("tracuu-index compacted: %.1f MB on disk (what --rebuild produces)\n",
              compact_bytes / 1e6);
  std::printf("time ratio tracuu/stock: %.2fx   size ratio: %.2fx (compacted %.2fx)\n",
              ours.seconds / stock.seconds,
              static_cast<double>(ours.bytes_on_disk) / stock.bytes_on_disk,
              static_cast<double>(compact_bytes) / stock.bytes_on_disk);
  fs::remove_all(work);
  return 0;
}
