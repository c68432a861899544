// bench-synthetic: writes N synthetic Vietnamese news articles as JSONL, for
// scale benchmarks (bench/scale.sh). The text is a first-order Markov chain
// over the words (syllables with their punctuation) of a real corpus: titles
// from its titles, bodies from its leads and bodies, so syllable frequencies,
// common pairs and article lengths look like real news, while the articles
// themselves are new. Deterministic for a given seed.
//   bench-synthetic CORPUS.jsonl.gz N [SEED] > synthetic.jsonl
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

// Successors of each word, repeated as often as seen: sampling one uniformly
// is sampling by frequency.
class WordChain {
 public:
  void learn(const std::string& text) {
    std::istringstream in(text);
    std::string word;
    std::uint32_t prev = kStart;
    while (in >> word) {
      std::uint32_t id = intern(word);
      next_[prev].push_back(id);
      prev = ends_sentence(word) ? kStart : id;
      lengths_seen_ += 1;
    }
  }
  // About `words` words, whole sentences where the chain allows.
  std::string generate(std::size_t words, std::mt19937_64& rng) const {
    std::string out;
    std::uint32_t cur = kStart;
    for (std::size_t i = 0; i < words; ++i) {
      auto it = next_.find(cur);
      if (it == next_.end() || it->second.empty()) it = next_.find(kStart);
      const auto& options = it->second;
      std::uint32_t id = options[rng() % options.size()];
      if (!out.empty()) out += ' ';
      out += words_[id];
      cur = ends_sentence(words_[id]) ? kStart : id;
    }
    return out;
  }
  std::size_t vocabulary() const { return words_.size(); }

 private:
  static constexpr std::uint32_t kStart = 0xffffffff;
  static bool ends_sentence(const std::string& w) {
    char c = w.back();
    return c == '.' || c == '!' || c == '?';
  }
  std::uint32_t intern(const std::string& w) {
    auto [it, added] = ids_.emplace(w, static_cast<std::uint32_t>(words_.size()));
    if (added) words_.push_back(w);
    return it->second;
  }
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::vector<std::string> words_;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> next_;
  std::size_t lengths_seen_ = 0;
};

const char* kCategories[] = {"Thời sự", "Kinh tế",  "Xã hội",   "Thế giới",  "Thể thao",
                             "Văn hóa", "Giáo dục", "Sức khỏe", "Pháp luật", "Công nghệ"};
const char* kFamily[] = {"Nguyễn", "Trần", "Lê",  "Phạm", "Hoàng", "Huỳnh", "Phan",  "Vũ",
                         "Võ",     "Đặng", "Bùi", "Đỗ",   "Hồ",    "Ngô",   "Dương", "Lý"};
const char* kMiddle[] = {"Văn", "Thị", "Minh", "Hữu", "Thanh", "Ngọc", "Quốc", "Thu", "Đức"};
const char* kGiven[] = {"An",   "Bình", "Cường",  "Dung", "Hà",  "Hải",  "Hòa",   "Hùng", "Lan",
                        "Linh", "Nam",  "Phương", "Quân", "Sơn", "Thủy", "Trang", "Tuấn", "Yến"};

constexpr std::size_t kMaxBodyWords = 300;

template <typename T, std::size_t N>
const char* pick(T (&list)[N], std::mt19937_64& rng) {
  return list[rng() % N];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: bench-synthetic CORPUS.jsonl.gz N [SEED] > out.jsonl\n";
    return 1;
  }
  const std::size_t n = std::stoull(argv[2]);
  std::mt19937_64 rng(argc > 3 ? std::stoull(argv[3]) : 2017);

  WordChain titles, bodies;
  std::vector<std::size_t> body_lengths;
  gzFile in = gzopen(argv[1], "rb");
  if (!in) {
    std::cerr << "bench-synthetic: cannot read " << argv[1] << "\n";
    return 1;
  }
  std::string line;
  char buf[1 << 16];
  auto learn = [&](const std::string& record) {
    auto j = nlohmann::json::parse(record, nullptr, false);
    if (!j.is_object()) return;
    titles.learn(j.value("title", ""));
    std::string body = j.value("lead", "") + " " + j.value("body", "");
    bodies.learn(body);
    std::size_t words = 0;
    std::istringstream words_in(body);
    for (std::string w; words_in >> w;) ++words;
    if (words > 20) body_lengths.push_back(words);
  };
  while (gzgets(in, buf, sizeof buf)) {
    line += buf;
    if (!line.empty() && line.back() == '\n') {
      learn(line);
      line.clear();
    }
  }
  if (!line.empty()) learn(line);
  gzclose(in);
  if (body_lengths.empty()) {
    std::cerr << "bench-synthetic: no articles in " << argv[1] << "\n";
    return 1;
  }
  std::cerr << "bench-synthetic: learned " << bodies.vocabulary() << " words from "
            << body_lengths.size() << " articles\n";

  for (std::size_t i = 0; i < n; ++i) {
    std::size_t title_words = 6 + rng() % 10;
    // Real lengths, capped: keeps a million articles to a few GB.
    std::size_t body_words =
        std::min<std::size_t>(body_lengths[rng() % body_lengths.size()], kMaxBodyWords);
    std::string body = bodies.generate(body_words, rng);
    auto cut = body.find(". ");
    std::string lead = cut != std::string::npos && cut < 400 ? body.substr(0, cut + 1) : "";
    if (!lead.empty()) body = body.substr(cut + 2);
    char id[32], date[16];
    std::snprintf(id, sizeof id, "syn-%07zu", i + 1);
    std::snprintf(date, sizeof date, "%04d-%02d-%02d", 2010 + static_cast<int>(rng() % 16),
                  1 + static_cast<int>(rng() % 12), 1 + static_cast<int>(rng() % 28));
    std::string author =
        std::string(pick(kFamily, rng)) + " " + pick(kMiddle, rng) + " " + pick(kGiven, rng);
    nlohmann::json j = {{"id", id},
                        {"title", titles.generate(title_words, rng)},
                        {"lead", lead},
                        {"body", body},
                        {"author", author},
                        {"published", date},
                        {"category", pick(kCategories, rng)}};
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }
  return 0;
}
