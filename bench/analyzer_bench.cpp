// bench-analyzer: analyzer throughput (MB/s) over the shared baomoi corpus,
// beside ICU's plain word-break iteration over the same text in the same run.
//   build/bench/bench-analyzer [corpus.jsonl.gz]
#include <unicode/brkiter.h>
#include <unicode/unistr.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "indexer.h"
#include "vietnamese.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string path =
      argc > 1 ? argv[1]
               : std::string(TRACUU_SOURCE_DIR) + "/../shared/corpus/baomoi-2017.jsonl.gz";
  if (!std::filesystem::exists(path)) {
    std::printf("bench-analyzer: skipped, %s not found\n", path.c_str());
    return 0;
  }
  std::vector<std::string> texts;
  std::size_t bytes = 0;
  tracuu::load_sources(
      {path},
      [&](tracuu::Article&& a) {
        texts.push_back(a.title + "\n" + a.lead + "\n" + a.body);
        bytes += texts.back().size();
      },
      [](const std::string&, std::size_t, const std::string&) {});
  const double mb = static_cast<double>(bytes) / 1e6;

  // ICU alone: UTF-8 → UTF-16 and word-break iteration, nothing else.
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> words(
      icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  auto start = std::chrono::steady_clock::now();
  std::size_t icu_words = 0;
  for (const std::string& t : texts) {
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(t);
    words->setText(u);
    for (int32_t b = words->first(); b != icu::BreakIterator::DONE; b = words->next()) {
      if (words->getRuleStatus() >= UBRK_WORD_NONE_LIMIT) ++icu_words;
    }
  }
  double icu_seconds = seconds_since(start);

  tracuu::Analyzer analyzer;
  start = std::chrono::steady_clock::now();
  std::size_t syllables = 0;
  for (const std::string& t : texts) syllables += analyzer.analyze(t).syllables.size();
  double our_seconds = seconds_since(start);

  std::printf("corpus: %zu articles, %.1f MB of text\n", texts.size(), mb);
  std::printf("ICU word breaks only : %6.2f s  %6.1f MB/s  (%zu words)\n", icu_seconds,
              mb / icu_seconds, icu_words);
  std::printf("tracuu analyzer      : %6.2f s  %6.1f MB/s  (%zu syllables)\n", our_seconds,
              mb / our_seconds, syllables);
  std::printf("overhead vs ICU      : %.2fx\n", our_seconds / icu_seconds);
  return 0;
}
