#include "editorial_files.h"

#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "background_thread.h"

namespace tracuu {
namespace {

// Bigger than any sensible editors' file (hiding every article of a 35k
// archive is 1 MB of rules); a mistake (a log file named instead) is
// refused, before it is read, rather than held in every server's memory.
constexpr std::size_t kMaxFileBytes = 16 * 1024 * 1024;

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error(path + ": cannot be read");
  const std::streamoff size = in.tellg();
  if (size > static_cast<std::streamoff>(kMaxFileBytes))
    throw std::runtime_error(path + ": larger than " + std::to_string(kMaxFileBytes >> 20) + " MB");
  in.seekg(0);
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  if (text.size() > kMaxFileBytes)  // grew while read
    throw std::runtime_error(path + ": larger than " + std::to_string(kMaxFileBytes >> 20) + " MB");
  return text;
}

bool same_version(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

EditorialFiles::EditorialFiles(std::string synonyms_path, std::string rules_path,
                               std::function<void(std::shared_ptr<const Editorial>)> publish)
    : publish_(std::move(publish)) {
  synonyms_.path = std::move(synonyms_path);
  rules_.path = std::move(rules_path);
  current_ = std::make_shared<const Editorial>();
  check(true, true);
  watcher_ = start_background_thread([this] { watch(); });
}

EditorialFiles::~EditorialFiles() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  watcher_.join();
}

void EditorialFiles::reload_soon() {
  {
    std::lock_guard lock(mu_);
    forced_ = true;
  }
  wake_.notify_all();
}

void EditorialFiles::watch() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, kPollInterval, [&] { return stop_ || forced_; });
    if (stop_) break;
    const bool forced = std::exchange(forced_, false);
    lock.unlock();
    check(forced, false);
    lock.lock();
  }
}

// One file: stat, and when it changed (or `forced`), read and parse it
// outside the lock. True when a new value was parsed into `parse`'s target.
template <typename Parse>
bool EditorialFiles::reread(File& file, bool forced, bool initial, Parse&& parse) {
  if (file.path.empty()) return false;
  struct stat now {};
  const bool exists = ::stat(file.path.c_str(), &now) == 0;
  {
    std::lock_guard lock(mu_);
    if (!forced && exists && file.ever_read && same_version(now, file.seen)) return false;
    if (!forced && !exists && !file.error.empty()) return false;  // said so already
  }
  std::string error;
  try {
    if (!exists) throw std::runtime_error(file.path + ": cannot be read");
    std::size_t entries = parse(read_whole(file.path));
    std::lock_guard lock(mu_);
    file.seen = now;
    file.ever_read = true;
    file.error.clear();
    file.entries = entries;
    file.loaded_at = utc_now();
    ++file.reloads;
    return true;
  } catch (const std::exception& e) {
    if (initial) throw;
    error = e.what();
  }
  std::cerr << "tracuu-server: " << error << " (kept the previous version)\n";
  std::lock_guard lock(mu_);
  file.seen = now;
  file.ever_read = true;
  file.error = error;
  return false;
}

void EditorialFiles::check(bool forced, bool initial) {
  std::shared_ptr<const Synonyms> synonyms;
  std::shared_ptr<const Rules> rules;
  const bool new_synonyms = reread(synonyms_, forced, initial, [&](const std::string& text) {
    synonyms = std::make_shared<const Synonyms>(Synonyms::parse(text, synonyms_.path));
    return synonyms->groups().size();
  });
  const bool new_rules = reread(rules_, forced, initial, [&](const std::string& text) {
    rules = std::make_shared<const Rules>(Rules::parse(text, rules_.path));
    return rules->pin_count() + rules->hidden().size();
  });
  if (!new_synonyms && !new_rules) return;
  std::shared_ptr<const Editorial> next;
  {
    std::lock_guard lock(mu_);
    auto e = std::make_shared<Editorial>(*current_);
    if (new_synonyms) e->synonyms = synonyms;
    if (new_rules) e->rules = rules;
    current_ = e;
    next = current_;
  }
  publish_(next);
}

nlohmann::json EditorialFiles::status() const {
  std::lock_guard lock(mu_);
  auto one = [](const File& f) -> nlohmann::json {
    if (f.path.empty()) return nullptr;
    nlohmann::json j = {{"file", f.path},
                        {"entries", f.entries},
                        {"loaded_at", f.loaded_at},
                        {"reloads", f.reloads}};
    if (!f.error.empty()) j["error"] = f.error;
    return j;
  };
  return {{"synonyms", one(synonyms_)}, {"rules", one(rules_)}};
}

}  // namespace tracuu
