// Article ⇄ stored JSON, and the hashes the reindex job and "Tin khác" use.
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "indexer.h"

namespace tracuu {
namespace {

std::string hex64(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// FNV-1a: not cryptographic; it only has to notice edits.
std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

std::string article_to_json(const Article& a) {
  nlohmann::json j = {{"id", a.id},     {"title", a.title},       {"lead", a.lead},
                      {"body", a.body}, {"author", a.author},     {"published", a.published},
                      {"url", a.url},   {"category", a.category}, {"tags", a.tags}};
  if (!a.caption.empty()) j["caption"] = a.caption;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Article article_from_json(std::string_view stored) {
  nlohmann::json j = nlohmann::json::parse(stored);
  Article a;
  a.id = j.value("id", "");
  a.title = j.value("title", "");
  a.lead = j.value("lead", "");
  a.body = j.value("body", "");
  a.caption = j.value("caption", "");
  a.author = j.value("author", "");
  a.published = j.value("published", "");
  a.url = j.value("url", "");
  a.category = j.value("category", "");
  a.tags = j.value("tags", std::vector<std::string>{});
  return a;
}

std::string content_hash_of_data(std::string_view stored) {
  // The analyzer version is part of the hash: new terms mean a changed document.
  return hex64(fnv1a(stored, fnv1a(std::to_string(kAnalyzerVersion))));
}

std::string content_hash(const Article& a) {
  return content_hash_of_data(article_to_json(a));
}

std::string duplicate_key(const Article& a) {
  // Syndicated copies keep the title, give or take case, accents, tone style
  // and punctuation: key on the folded title's letters and digits.
  std::string folded = fold_diacritics(a.title);
  std::string letters;
  for (char c : folded) {
    if (std::isalnum(static_cast<unsigned char>(c))) letters.push_back(c);
  }
  return hex64(fnv1a(letters));
}

std::string IndexReport::to_json() const {
  nlohmann::json j = {
      {"added", added},
      {"updated", updated},
      {"unchanged", unchanged},
      {"deleted", deleted},
      {"rejected", rejected},
      {"seconds", static_cast<double>(static_cast<long long>(seconds * 1000)) / 1000}};
  return j.dump();
}

}  // namespace tracuu
