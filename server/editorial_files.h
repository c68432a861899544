// Internal to server/: the editors' synonyms and rules files, read at start
// and again whenever one changes (checked every kPollInterval) or on
// SIGHUP (docs/editors.md). Parsing runs on the watcher's own thread, never
// on the event loop; a file that fails to parse is reported with its
// FILE:LINE and the previous value stays in force.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "search.h"

namespace tracuu {

// Thread-safe: reload_soon() and status() from any thread; `publish` is
// called on the watcher thread (and once in the constructor).
class EditorialFiles {
 public:
  static constexpr std::chrono::milliseconds kPollInterval{200};

  // Reads both files (an empty path: no such file); throws
  // EditorialFileError or std::runtime_error when one cannot be read, so a
  // server does not start on a bad file.
  EditorialFiles(std::string synonyms_path, std::string rules_path,
                 std::function<void(std::shared_ptr<const Editorial>)> publish);
  ~EditorialFiles();
  EditorialFiles(const EditorialFiles&) = delete;
  EditorialFiles& operator=(const EditorialFiles&) = delete;

  // Rereads both files on the watcher thread now (SIGHUP), changed or not.
  void reload_soon();
  // What each file holds now and its last error: {"synonyms": {...}, "rules": {...}}.
  nlohmann::json status() const;

 private:
  struct File {
    std::string path;
    struct stat seen {};  // of the version last read (or last failed)
    bool ever_read = false;
    std::string error;  // of the last attempt; empty when it succeeded
    std::string loaded_at;
    std::size_t entries = 0;  // groups, or pins + hides
    std::size_t reloads = 0;
  };
  // Rereads what changed (everything when `forced`); publishes on success.
  // Throws only when `initial`.
  void check(bool forced, bool initial);
  template <typename Parse>
  bool reread(File& file, bool forced, bool initial, Parse&& parse);
  void watch();

  std::function<void(std::shared_ptr<const Editorial>)> publish_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool forced_ = false;
  File synonyms_, rules_;
  std::shared_ptr<const Editorial> current_;
  std::thread watcher_;
};

}  // namespace tracuu
