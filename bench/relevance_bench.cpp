// bench-relevance: runs the relevance suite's queries (bench/relevance/) through
// tracuu, in process through tracuu::Searcher (the code the server runs), or
// through the stock-Xapian reference (bench/stock_reference.h: TermGenerator,
// QueryParser, BM25), over one index of all the corpus files. It prints what
// each system returned; bench/relevance/report.py judges it.
//
//   bench-relevance --system tracuu|stock --work DIR --corpus FILE [--corpus FILE ...]
//                   [--queries QUERIES.tsv] [--seeds SEEDS.tsv] [--index-key KEY] [--reindex]
//                   [--recency off|auto|strong] [--now YYYY-MM-DD]
//
// QUERIES.tsv: INTENT TAB TARGETS TAB ACCENTED TAB PLAIN (intent_queries.py);
// SEEDS.tsv: GROUP TAB ID TAB ... (the articles whose "Tin khác" is asked).
// Output, one line per query and form, per seed:
//   SYSTEM TAB FORM TAB QID TAB MS TAB ID,ID,...   (the top 10, best first)
//   #restore TAB QID TAB EQUAL TAB SUGGESTION       (tracuu, plain form)
//   #related TAB SYSTEM TAB SEED TAB MS TAB ID,...  (the top 5 related)
//   #fresh TAB FORM TAB QID TAB APPLIED              (with --recency: 1 when it reordered)
// MS is the time of the search alone. QID is the 0-based line of QUERIES.tsv.
//
// The index of each system is built in DIR once and kept while the corpus
// files (names, sizes, times) and, for tracuu, the analyzer version and
// --index-key (bench/relevance.sh passes a hash of analyzers/, index/ and
// indexer/)
// stay the same; --reindex rebuilds it anyway.
#include <unicode/unistr.h>
#include <xapian.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "indexer.h"
#include "search.h"
#include "stock_reference.h"
#include "stock_search.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string system, work, queries, seeds;
  std::string index_key;  // names the code that builds the index (a hash of its sources)
  std::vector<std::string> corpus;
  bool reindex = false;
  std::optional<tracuu::Recency> recency;  // tracuu's freshness (default: the library's, off)
  std::string now;                         // the date ages count from (default: the newest)
};

struct Query {
  std::string accented, plain;
};

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--system") {
      o.system = value();
    } else if (arg == "--work") {
      o.work = value();
    } else if (arg == "--corpus") {
      o.corpus.push_back(value());
    } else if (arg == "--queries") {
      o.queries = value();
    } else if (arg == "--seeds") {
      o.seeds = value();
    } else if (arg == "--index-key") {
      o.index_key = value();
    } else if (arg == "--reindex") {
      o.reindex = true;
    } else if (arg == "--now") {
      o.now = value();
    } else if (arg == "--recency") {
      const std::string v = value();
      if (v == "off")
        o.recency = tracuu::Recency::kOff;
      else if (v == "auto")
        o.recency = tracuu::Recency::kAuto;
      else if (v == "strong")
        o.recency = tracuu::Recency::kStrong;
      else
        return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if ((o.system != "tracuu" && o.system != "stock") || o.work.empty() || o.corpus.empty())
    return std::nullopt;
  return o;
}

// The columns of a TSV file, one vector per line.
std::vector<std::vector<std::string>> read_tsv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields;
    std::istringstream split(line);
    for (std::string f; std::getline(split, f, '\t');) fields.push_back(f);
    rows.push_back(std::move(fields));
  }
  return rows;
}

std::vector<Query> read_queries(const std::string& path) {
  std::vector<Query> out;
  for (auto& row : read_tsv(path)) {
    if (row.size() != 4) throw std::runtime_error(path + ": a line without 4 columns");
    out.push_back({row[2], row[3]});
  }
  return out;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string lower(const std::string& s) {
  std::string out;
  icu::UnicodeString::fromUTF8(s).toLower().toUTF8String(out);
  return out;
}

std::string joined(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

// The corpus as one source: a folder of links to the files, in the order
// given ("1-baomoi-2017.jsonl.gz", ...), which both indexers read in order.
std::string corpus_folder(const Options& o, const fs::path& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (std::size_t i = 0; i < o.corpus.size(); ++i) {
    fs::path file = fs::absolute(o.corpus[i]);
    fs::create_symlink(file, dir / (std::to_string(i + 1) + "-" + file.filename().string()));
  }
  return dir.string();
}

// What an index was built from: the files (name, size, time) and the
// version of what analyzed them. A different stamp means a rebuild.
std::string index_stamp(const Options& o, const std::string& analyzer) {
  std::string stamp = analyzer + "\n";
  for (const std::string& f : o.corpus) {
    auto time = fs::last_write_time(f).time_since_epoch().count();
    stamp += fs::absolute(f).string() + " " + std::to_string(fs::file_size(f)) + " " +
             std::to_string(time) + "\n";
  }
  return stamp;
}

// Builds the index at `dir` with `build` unless the stamp file next to it
// says it was built from the same files by the same analyzer.
template <typename Build>
void ensure_index(const Options& o, const std::string& dir, const std::string& analyzer,
                  Build build) {
  const std::string stamp = index_stamp(o, analyzer), stamp_file = dir + ".stamp";
  std::ifstream in(stamp_file);
  std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!o.reindex && old == stamp && fs::exists(dir)) {
    std::cerr << "bench-relevance: " << dir << " is up to date\n";
    return;
  }
  auto start = Clock::now();
  fs::remove_all(dir);
  fs::remove(stamp_file);
  build(corpus_folder(o, dir + ".corpus"), dir);
  std::ofstream(stamp_file) << stamp;
  std::cerr << "bench-relevance: built " << dir << " in " << ms_since(start) / 1000 << " s\n";
}

void print_result(const char* system, const char* form, std::size_t qid, double ms,
                  const std::vector<std::string>& ids) {
  std::printf("%s\t%s\t%zu\t%.3f\t%s\n", system, form, qid, ms, joined(ids).c_str());
}

void print_related(const char* system, const std::string& seed, double ms,
                   const std::vector<std::string>& ids) {
  std::printf("#related\t%s\t%s\t%.3f\t%s\n", system, seed.c_str(), ms, joined(ids).c_str());
}

std::vector<std::string> seed_ids(const std::string& path) {
  std::vector<std::string> ids;
  if (path.empty()) return ids;
  for (auto& row : read_tsv(path))
    if (row.size() >= 2) ids.push_back(row[1]);
  return ids;
}

// tracuu: every query in both forms, the restored reading of the plain
// form, and "Tin khác" of every seed.
void run_tracuu(const Options& o, const std::vector<Query>& queries) {
  const std::string dir = o.work + "/tracuu";
  ensure_index(o, dir,
               "tracuu analyzer " + std::to_string(tracuu::kAnalyzerVersion) + " " + o.index_key,
               [](const std::string& source, const std::string& db) {
                 tracuu::IndexOptions options;
                 options.db_dir = db;
                 options.sources = {source};
                 tracuu::run_index_job(options, std::cerr);
               });
  tracuu::Searcher searcher{tracuu::IndexLocation(dir)};
  for (std::size_t i = 0; i < queries.size(); ++i) {
    for (const auto& [form, text] :
         {std::pair{"accented", queries[i].accented}, {"plain", queries[i].plain}}) {
      tracuu::SearchRequest r;
      r.q = text;
      r.limit = 10;
      r.group_copies = true;  // as /search serves it: copies of one story are one hit
      if (o.recency) r.recency = *o.recency;
      r.now = o.now;
      auto start = Clock::now();
      tracuu::SearchResult res = searcher.search(r);
      double ms = ms_since(start);
      std::vector<std::string> ids;
      for (const tracuu::Hit& h : res.hits) ids.push_back(h.id);
      print_result("tracuu", form, i, ms, ids);
      if (o.recency)
        std::printf("#fresh\t%s\t%zu\t%d\n", form, i, res.recency != tracuu::Recency::kOff ? 1 : 0);
      if (form[0] == 'p') {
        // No suggestion means "keep the query as typed".
        std::string restored = res.suggestion.value_or(text);
        bool equal = lower(restored) == lower(queries[i].accented);
        std::printf("#restore\t%zu\t%d\t%s\n", i, equal ? 1 : 0, restored.c_str());
      }
    }
  }
  for (const std::string& seed : seed_ids(o.seeds)) {
    auto start = Clock::now();
    auto hits = searcher.related(seed, 5);
    double ms = ms_since(start);
    std::vector<std::string> ids;
    if (hits)
      for (const tracuu::Hit& h : *hits) ids.push_back(h.id);
    print_related("tracuu", seed, ms, ids);
  }
}

std::string stock_id(const Xapian::Document& doc) {
  return tracuu::article_from_data(doc.get_data()).id;
}

std::vector<std::string> stock_ids(const Xapian::Database& db, const std::string& text) {
  std::vector<std::string> ids;
  const Xapian::MSet mset = bench::stock_search(db, text);
  for (auto it = mset.begin(); it != mset.end(); ++it) ids.push_back(stock_id(it.get_document()));
  return ids;
}

// The terms Omega's MORELIKE keeps from the ESet: no prefixed terms, no
// numbers shorter than 4 characters (omega/query.cc, ExpandDeciderOmega;
// its English stopword list does not apply to Vietnamese text).
class OmegaMoreLike : public Xapian::ExpandDecider {
 public:
  bool operator()(const std::string& term) const override {
    const unsigned char first = static_cast<unsigned char>(term[0]);
    if (std::isupper(first)) return false;
    if (term.size() < 4 && std::isdigit(first)) return false;
    return term.find(' ') == std::string::npos;
  }
};

// "Tin khác" as stock Xapian gives it (Omega's MORELIKE): the seed as the
// relevance set, its 40 best ESet terms OR-ed, the seed left out, BM25.
std::vector<std::string> stock_related(const Xapian::Database& db, const std::string& seed) {
  std::vector<std::string> ids;
  const std::string id_term = "Q" + seed;
  auto p = db.postlist_begin(id_term);
  if (p == db.postlist_end(id_term)) return ids;
  Xapian::Enquire enquire(db);
  Xapian::RSet rset;
  rset.add_document(*p);
  OmegaMoreLike decider;
  Xapian::ESet eset = enquire.get_eset(40, rset, &decider);
  std::vector<Xapian::Query> terms(eset.begin(), eset.end());
  if (terms.empty()) return ids;
  enquire.set_query(Xapian::Query(Xapian::Query::OP_AND_NOT,
                                  Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()),
                                  Xapian::Query(id_term)));
  Xapian::MSet mset = enquire.get_mset(0, 5);
  for (auto it = mset.begin(); it != mset.end(); ++it) ids.push_back(stock_id(it.get_document()));
  return ids;
}

void run_stock(const Options& o, const std::vector<Query>& queries) {
  const std::string dir = o.work + "/stock";
  ensure_index(o, dir, "stock", [](const std::string& source, const std::string& db) {
    bench::index_stock(source, db, Xapian::DB_NO_SYNC);
  });
  Xapian::Database db(dir);
  for (std::size_t i = 0; i < queries.size(); ++i) {
    for (const auto& [form, text] :
         {std::pair{"accented", queries[i].accented}, {"plain", queries[i].plain}}) {
      auto start = Clock::now();
      auto ids = stock_ids(db, text);
      print_result("xapian-stock", form, i, ms_since(start), ids);
    }
  }
  for (const std::string& seed : seed_ids(o.seeds)) {
    auto start = Clock::now();
    auto ids = stock_related(db, seed);
    print_related("xapian-stock", seed, ms_since(start), ids);
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto options = parse_options(argc, argv);
  if (!options) {
    std::cerr
        << "usage: bench-relevance --system tracuu|stock --work DIR --corpus FILE "
           "[--corpus FILE ...] [--queries QUERIES.tsv] [--seeds SEEDS.tsv] [--index-key KEY] "
           "[--recency off|auto|strong] [--now YYYY-MM-DD] "
           "[--reindex]\n";
    return 2;
  }
  try {
    fs::create_directories(options->work);
    std::vector<Query> queries;
    if (!options->queries.empty()) queries = read_queries(options->queries);
    if (options->system == "tracuu") {
      run_tracuu(*options, queries);
    } else {
      run_stock(*options, queries);
    }
  } catch (const std::exception& e) {
    std::cerr << "bench-relevance: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
