// bench-query-timing: each query's own time through Searcher::search, in
// process (no HTTP, no queueing), over a file of /search paths such as
// bench/scale.sh's q-N/search.txt; prints mean, p50, p95, p99 and the
// slowest queries. With --check, also runs every query exhaustively
// (exact=1: Xapian scores every match, never stops early) and counts the
// queries whose top 10 (ids and scores) differ: the early stop must not
// change a ranking (docs/benchmarks.md, Scale). With --print, each query's
// top 10 (ids, scores, copies) and counts, to compare two builds. With
// --stock=DIR, the same queries also through stock Xapian over DIR (a
// bench-stock-index of the same corpus, run as bench/stock_search.h runs
// it for the relevance suite, the top 10 with their data), each query timed by both in turn so the
// machine's drift hits both alike; prints its figures and the ratios (issue 24's measure).
//
// --budget-ms=N gives each query a time budget of N ms, as the server
// does (query_budget_ms), so its cost is measured too.
//
//   bench-query-timing INDEX_DIR PATHS [--check] [--print] [--recency=auto] [--group]
//                      [--stock=DIR] [--budget-ms=N]
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "search.h"
#include "stock_search.h"

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

struct Figures {
  double mean, p50, p95, p99, max;
};

Figures figures_of(std::vector<double> ms) {
  double sum = 0;
  for (double t : ms) sum += t;
  std::sort(ms.begin(), ms.end());
  auto at = [&](double share) {
    return ms[std::min(ms.size() - 1, static_cast<std::size_t>(share * ms.size()))];
  };
  return {sum / static_cast<double>(ms.size()), at(0.5), at(0.95), at(0.99), ms.back()};
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: bench-query-timing INDEX_DIR PATHS [--check] [--print] [--recency=auto] "
                 "[--group] [--stock=DIR] [--budget-ms=N]\n";
    return 1;
  }
  bool check = false, group = false, print = false;
  std::string stock_dir;
  int budget_ms = 0;  // none
  tracuu::Recency recency = tracuu::Recency::kOff;
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--check") check = true;
    if (arg == "--group") group = true;
    if (arg == "--print") print = true;
    if (arg == "--recency=auto") recency = tracuu::Recency::kAuto;
    if (arg == "--recency=strong") recency = tracuu::Recency::kStrong;
    if (arg.rfind("--stock=", 0) == 0) stock_dir = arg.substr(8);
    if (arg.rfind("--budget-ms=", 0) == 0) budget_ms = std::stoi(arg.substr(12));
  }
  std::optional<Xapian::Database> stock;
  if (!stock_dir.empty()) stock.emplace(stock_dir);
  std::vector<double> stock_times;
  std::vector<std::pair<std::string_view, double>> stage_ms;  // every query's stages
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
    if (budget_ms > 0)
      r.budget.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(budget_ms);
    const auto start = std::chrono::steady_clock::now();
    const tracuu::SearchResult res = searcher.search(r);
    times.emplace_back(ms_since(start), r.q);
    for (const tracuu::SearchResult::StageTime& t : res.stages)
      stage_ms.emplace_back(t.stage, t.ms);
    if (stock) {
      const auto stock_start = std::chrono::steady_clock::now();
      const Xapian::MSet top = bench::stock_search(*stock, r.q);
      for (auto it = top.begin(); it != top.end(); ++it) it.get_document().get_data();  // shown
      stock_times.push_back(ms_since(stock_start));
    }
    if (print)
      std::printf("top\t%s\t%s%s%s\n", r.q.c_str(), top10(res).c_str(), counts(res).c_str(),
                  res.corrected ? (" corrected " + *res.corrected).c_str() : "");
    if (check) {
      r.exact_total = true;
      if (top10(searcher.search(r)) != top10(res)) {
        ++differ;
        std::printf("differs: %s\n", r.q.c_str());
      }
    }
  }
  if (times.empty()) return 1;
  std::vector<double> ms;
  for (const auto& t : times) ms.push_back(t.first);
  const Figures own = figures_of(ms);
  std::printf("queries %zu  mean %.2f ms  p50 %.2f  p95 %.2f  p99 %.2f  max %.1f\n", times.size(),
              own.mean, own.p50, own.p95, own.p99, own.max);
  if (stock) {
    const Figures base = figures_of(stock_times);
    std::printf("stock   %zu  mean %.2f ms  p50 %.2f  p95 %.2f  p99 %.2f  max %.1f\n",
                stock_times.size(), base.mean, base.p50, base.p95, base.p99, base.max);
    std::printf("ratio to stock  mean %.2fx  p50 %.2fx  p99 %.2fx\n", own.mean / base.mean,
                own.p50 / base.p50, own.p99 / base.p99);
  }
  // The mean of each stage over the queries, in the ranking's order.
  std::vector<std::pair<std::string_view, double>> stage_sums;
  for (const auto& [name, ms_of] : stage_ms) {
    auto it = std::find_if(stage_sums.begin(), stage_sums.end(),
                           [&](const auto& s) { return s.first == name; });
    if (it == stage_sums.end()) it = stage_sums.insert(stage_sums.end(), {name, 0.0});
    it->second += ms_of;
  }
  std::printf("stages (mean ms):");
  for (const auto& [name, sum] : stage_sums)
    std::printf("  %.*s %.2f", static_cast<int>(name.size()), name.data(),
                sum / static_cast<double>(times.size()));
  std::printf("\n");
  std::sort(times.begin(), times.end());
  if (check) std::printf("top 10 differing from an exhaustive match: %zu\n", differ);
  std::printf("slowest:\n");
  for (std::size_t k = 0; k < 8 && k < times.size(); ++k)
    std::printf("  %7.1f ms  %s\n", times[times.size() - 1 - k].first,
                times[times.size() - 1 - k].second.c_str());
}
