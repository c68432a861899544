// bench-query-timing: each query's own time through Searcher::search, in
// process (no HTTP, no queueing), over a file of /search paths such as
// bench/scale.sh's q-N/search.txt; prints mean, p50, p95, p99 and the
// slowest queries. With --check, also runs every query exhaustively
// (exact=1: Xapian scores every match, never stops early) and counts the
// queries whose top 10 (ids and scores) differ: the early stop must not
// change a ranking (docs/benchmarks.md, Scale). With --print, each query's
// top 10 (ids, scores, copies) and counts, to compare two builds.
//
//   bench-query-timing INDEX_DIR PATHS [--check] [--print] [--recency=auto] [--group]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "search.h"

namespace {

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

// The q parameter of a path ("/search?q=...&limit=10"); empty if none.
std::string query_of(const std::string& path) {
  const auto start = path.find("q=");
  if (start == std::string::npos) return {};
  const auto end = path.find('&', start);
  return percent_decode(
      path.substr(start + 2, end == std::string::npos ? std::string::npos : end - start - 2));
}

std::string top10(const tracuu::SearchResult& res) {
  std::string out;
  char score[32];
  for (const tracuu::Hit& h : res.hits) {
    std::snprintf(score, sizeof score, " %.9g ", h.score);
    out += h.id + score + (h.similar ? "+" + std::to_string(h.similar) + " " : "");
  }
  return out;
}

// The counts, printed with the top 10 (--print): a change to grouping must
// keep them. Not compared by --check: the exhaustive match counts exactly
// where the early stop estimates.
std::string counts(const tracuu::SearchResult& res) {
  std::string out = "total " + std::to_string(res.total) + (res.total_exact ? " exact" : "");
  if (res.stories) out += " stories " + std::to_string(*res.stories);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: bench-query-timing INDEX_DIR PATHS [--check] [--print] [--recency=auto] "
                 "[--group]\n";
    return 1;
  }
  bool check = false, group = false, print = false;
  tracuu::Recency recency = tracuu::Recency::kOff;
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--check") check = true;
    if (arg == "--group") group = true;
    if (arg == "--print") print = true;
    if (arg == "--recency=auto") recency = tracuu::Recency::kAuto;
    if (arg == "--recency=strong") recency = tracuu::Recency::kStrong;
  }
  tracuu::Searcher searcher{tracuu::IndexLocation(argv[1])};
  std::ifstream in(argv[2]);
  std::vector<std::pair<double, std::string>> times;
  std::size_t differ = 0;
  for (std::string line; std::getline(in, line);) {
    tracuu::SearchRequest r;
    r.q = query_of(line);
    if (r.q.empty()) continue;
    r.group_copies = group;
    r.recency = recency;
    const auto start = std::chrono::steady_clock::now();
    const tracuu::SearchResult res = searcher.search(r);
    times.emplace_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count(),
        r.q);
    if (print) std::printf("top\t%s\t%s%s\n", r.q.c_str(), top10(res).c_str(), counts(res).c_str());
    if (check) {
      r.exact_total = true;
      if (top10(searcher.search(r)) != top10(res)) {
        ++differ;
        std::printf("differs: %s\n", r.q.c_str());
      }
    }
  }
  if (times.empty()) return 1;
  double sum = 0;
  for (const auto& t : times) sum += t.first;
  std::sort(times.begin(), times.end());
  auto at = [&](double share) {
    return times[std::min(times.size() - 1, static_cast<std::size_t>(share * times.size()))].first;
  };
  std::printf("queries %zu  mean %.1f ms  p50 %.1f  p95 %.1f  p99 %.1f  max %.1f\n", times.size(),
              sum / static_cast<double>(times.size()), at(0.5), at(0.95), at(0.99),
              times.back().first);
  if (check) std::printf("top 10 differing from an exhaustive match: %zu\n", differ);
  std::printf("slowest:\n");
  for (std::size_t k = 0; k < 8 && k < times.size(); ++k)
    std::printf("  %7.1f ms  %s\n", times[times.size() - 1 - k].first,
                times[times.size() - 1 - k].second.c_str());
}
