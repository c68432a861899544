// bench-snapshot: what a tracuu index answers, as text, to compare two
// builds of the code byte for byte (bench/same-results.sh): for every query
// of a query file (both forms), the total and the top 10 ids with their
// scores, with the library's defaults and as the server asks (copies
// grouped, recency=auto; also its second page, and recency=strong); for a
// sample of articles, their "Tin khác" ids and scores.
//
//   bench-snapshot INDEX_DIR QUERIES.tsv [RELATED_SAMPLES=300]
// QUERIES.tsv: bench/relevance's format, TARGET TAB ACCENTED TAB PLAIN
// (only the last two columns are read).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "search.h"

namespace {

// `served`: as the server asks by default (copies grouped, recency=auto).
void print_search(tracuu::Searcher& s, std::size_t line, const char* form, const std::string& q,
                  const char* how = "", bool served = false, std::size_t offset = 0,
                  tracuu::Recency recency = tracuu::Recency::kAuto) {
  tracuu::SearchRequest r;
  r.q = q;
  r.limit = 10;
  if (served) {
    r.group_copies = true;
    r.recency = recency;
    r.offset = offset;
  }
  tracuu::SearchResult res = s.search(r);
  std::printf("search%s\t%zu\t%s\t%zu\t%d", how, line, form, res.total, res.total_exact ? 1 : 0);
  for (const tracuu::Hit& h : res.hits) std::printf("\t%s %.9g", h.id.c_str(), h.score);
  std::printf("\t%s\n", res.suggestion ? res.suggestion->c_str() : "-");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: bench-snapshot INDEX_DIR QUERIES.tsv [RELATED_SAMPLES=300]\n";
    return 1;
  }
  tracuu::Searcher searcher{tracuu::IndexLocation(argv[1])};
  std::ifstream in(argv[2]);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line); ++n) {
    std::istringstream fields(line);
    std::string target, accented, plain;
    if (!std::getline(fields, target, '\t') || !std::getline(fields, accented, '\t')) continue;
    std::getline(fields, plain, '\t');
    print_search(searcher, n, "accented", accented);
    if (!plain.empty()) print_search(searcher, n, "plain", plain);
    print_search(searcher, n, "accented", accented, "-served", true);
    if (!plain.empty()) print_search(searcher, n, "plain", plain, "-served", true);
    print_search(searcher, n, "accented", accented, "-served-page2", true, 10);
    if (!plain.empty())
      print_search(searcher, n, "plain", plain, "-served-strong", true, 0,
                   tracuu::Recency::kStrong);
  }
  // "Tin khác" of a fixed sample of the articles the queries came from.
  const std::size_t samples = argc > 3 ? std::stoul(argv[3]) : 300;
  std::ifstream again(argv[2]);
  std::vector<std::string> ids;
  for (std::string line; std::getline(again, line);) ids.push_back(line.substr(0, line.find('\t')));
  std::mt19937 rng(7);
  std::shuffle(ids.begin(), ids.end(), rng);
  if (ids.size() > samples) ids.resize(samples);
  for (const std::string& id : ids) {
    auto hits = searcher.related(id, 5);
    std::printf("related\t%s", id.c_str());
    if (hits)
      for (const tracuu::Hit& h : *hits) std::printf("\t%s %.9g", h.id.c_str(), h.score);
    std::printf("\n");
  }
  return 0;
}
