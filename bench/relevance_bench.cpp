// bench-relevance: known-item evaluation of tracuu and of stock Xapian on the
// same queries (bench/relevance/make_queries.py), plus the diacritic
// restoration rate and the "Tin khác" quality figures. Writes result lines
// for bench/relevance/summarize.py on stdout:
//   SYSTEM FORM QID RANK MS       (RANK: 1-10, 0 when not in the top 10)
//   #restore QID EQUAL SUGGESTION
//   #related SEED ON_TOPIC SHOWN DUPLICATE_PAIRS
//
//   bench-relevance CORPUS.jsonl.gz QUERIES.tsv WORK_DIR
// Indexes are built in WORK_DIR once and reused.
#include <unicode/unistr.h>
#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <unordered_set>

#include "indexer.h"
#include "search.h"
#include "stock_reference.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Query {
  std::string target, accented, plain;
};

std::vector<Query> read_queries(const std::string& path) {
  std::vector<Query> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    Query q;
    if (std::getline(fields, q.target, '\t') && std::getline(fields, q.accented, '\t') &&
        std::getline(fields, q.plain, '\t'))
      out.push_back(q);
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

// The reference: Xapian's stock TermGenerator (bench/stock_reference.h) and
// QueryParser, no Vietnamese analysis.
void build_stock(const std::string& corpus, const std::string& path) {
  if (!fs::exists(fs::path(path) / "iamglass"))
    bench::index_stock(corpus, path, Xapian::DB_NO_SYNC);
}

int stock_rank(const Xapian::Database& db, const std::string& q, const std::string& target) {
  Xapian::QueryParser qp;
  qp.set_database(db);
  qp.set_default_op(Xapian::Query::OP_OR);
  Xapian::Enquire enquire(db);
  enquire.set_query(qp.parse_query(q, Xapian::QueryParser::FLAG_DEFAULT));
  Xapian::MSet mset = enquire.get_mset(0, 10);
  int rank = 0;
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    ++rank;
    if (tracuu::article_from_data(it.get_document().get_data()).id == target) return rank;
  }
  return 0;
}

int tracuu_rank(tracuu::Searcher& s, const std::string& q, const std::string& target,
                std::optional<std::string>* suggestion) {
  tracuu::SearchRequest r;
  r.q = q;
  r.limit = 10;
  tracuu::SearchResult res = s.search(r);
  if (suggestion) *suggestion = res.suggestion;
  for (std::size_t i = 0; i < res.hits.size(); ++i) {
    if (res.hits[i].id == target) return static_cast<int>(i + 1);
  }
  return 0;
}

// "Tin khác" quality. An article's story is named by the rare word pairs of
// its title (title bigrams in at most kRarePairDocs articles: names of
// people, places, events). A related article is on-topic when it shares at
// least one of them: its folded title, lead or body has the two words side
// by side (read from the text, not from the index's bigram terms, which the
// indexer makes only near the start of each field). Two shown articles are
// duplicates when their titles fold to the same text.
constexpr Xapian::doccount kRarePairDocs = 30;

// The article's folded words, one space between them and around them.
std::string folded_words(const tracuu::Article& a) {
  std::string folded = tracuu::fold_diacritics(a.title + "\n" + a.lead + "\n" + a.body);
  std::string out = " ";
  for (char c : folded) {
    bool letter =
        std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
    if (letter) {
      out.push_back(c);
    } else if (out.back() != ' ') {
      out.push_back(' ');
    }
  }
  if (out.back() != ' ') out.push_back(' ');
  return out;
}

void related_quality(tracuu::Searcher& s, const Xapian::Database& db, std::size_t samples) {
  std::mt19937_64 rng(7);
  std::vector<std::string> ids;
  for (auto v = db.valuestream_begin(tracuu::slot::kId); v != db.valuestream_end(tracuu::slot::kId);
       ++v)
    ids.push_back(*v);
  std::shuffle(ids.begin(), ids.end(), rng);
  const std::string title_bigram(tracuu::prefix::kTitleBigram);
  std::size_t done = 0;
  for (const std::string& id : ids) {
    if (done >= samples) break;
    Xapian::docid did = *db.postlist_begin("Q" + id);
    std::vector<std::string> rare;
    for (auto t = db.termlist_begin(did); t != db.termlist_end(did); ++t) {
      const std::string& term = *t;
      if (term.rfind(title_bigram, 0) == 0 && t.get_termfreq() >= 2 &&
          t.get_termfreq() <= kRarePairDocs) {
        std::string pair = term.substr(title_bigram.size());
        std::replace(pair.begin(), pair.end(), '_', ' ');
        rare.push_back(" " + pair + " ");
      }
    }
    if (rare.empty()) continue;  // no telling pair: nothing to judge by
    auto hits = s.related(id, 5);
    if (!hits || hits->empty()) continue;
    ++done;
    std::size_t on_topic = 0, duplicate_pairs = 0;
    std::vector<std::string> titles;
    for (const tracuu::Hit& h : *hits) {
      const std::optional<tracuu::Article> related = s.article(h.id);
      const std::string words = related ? folded_words(*related) : std::string();
      bool shares = false;
      for (const std::string& pair : rare) shares = shares || words.find(pair) != std::string::npos;
      on_topic += shares;
      std::string folded = tracuu::fold_diacritics(h.title);
      for (const std::string& other : titles) duplicate_pairs += other == folded;
      titles.push_back(folded);
    }
    std::printf("#related\t%s\t%zu\t%zu\t%zu\n", id.c_str(), on_topic, hits->size(),
                duplicate_pairs);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: bench-relevance CORPUS.jsonl.gz QUERIES.tsv WORK_DIR\n";
    return 1;
  }
  const std::string corpus = argv[1], work = argv[3];
  const auto queries = read_queries(argv[2]);
  fs::create_directories(work);

  const std::string tracuu_db = work + "/tracuu", stock_db = work + "/stock";
  auto start = Clock::now();
  if (tracuu::IndexLocation(tracuu_db).live_generation().empty()) {
    tracuu::IndexOptions options;
    options.db_dir = tracuu_db;
    options.sources = {corpus};
    tracuu::run_index_job(options, std::cerr);
  }
  std::cerr << "bench-relevance: tracuu index ready in " << ms_since(start) / 1000 << " s\n";
  start = Clock::now();
  build_stock(corpus, stock_db);
  std::cerr << "bench-relevance: stock index ready in " << ms_since(start) / 1000 << " s\n";

  tracuu::Searcher searcher{tracuu::IndexLocation(tracuu_db)};
  Xapian::Database stock(stock_db);
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const Query& q = queries[i];
    for (const auto& [form, text] : {std::pair{"accented", q.accented}, {"plain", q.plain}}) {
      auto t0 = Clock::now();
      int rank = stock_rank(stock, text, q.target);
      std::printf("xapian-stock\t%s\t%zu\t%d\t%.3f\n", form, i, rank, ms_since(t0));
      std::optional<std::string> suggestion;
      t0 = Clock::now();
      rank = tracuu_rank(searcher, text, q.target, form[0] == 'p' ? &suggestion : nullptr);
      std::printf("tracuu\t%s\t%zu\t%d\t%.3f\n", form, i, rank, ms_since(t0));
      if (form[0] == 'p') {
        // No suggestion means "keep the query as typed".
        std::string restored = suggestion ? *suggestion : text;
        bool equal = lower(restored) == lower(q.accented);
        std::printf("#restore\t%zu\t%d\t%s\n", i, equal ? 1 : 0, restored.c_str());
      }
    }
  }
  related_quality(searcher, Xapian::Database(tracuu::IndexLocation(tracuu_db).live_generation()),
                  300);
  return 0;
}
