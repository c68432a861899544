// Internal to server/: who may read the editors' surfaces and write
// analytics (docs/editors.md, "Who may see the stats").
//
// - EditorCredential: the bearer token of --editor-token, compared in
//   constant time; without one, the editors' endpoints answer 403.
// - EventTokens: the short signed token each /search answer carries per
//   page; POST /events must quote it within the window, so a click costs a
//   search and cannot be made up by a third-party page.
// - ClientRateLimiter: a token bucket per client address for /events.
// - VisitorIds: a visitor is HMAC(salt of the day, client address); the
//   salt is random, held in memory only, and replaced every local day, so
//   the stored hash cannot be turned back into an address (the IPv4 space
//   is small enough to try every address against a known salt) and the
//   same reader is not linked across days.
//
// Thread-safety: every member function may be called from any worker.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tracuu {

// `n` random bytes from the system's generator; throws when it fails.
std::string random_bytes(std::size_t n);
// HMAC-SHA-256 of `message` under `key`, as lower-case hex.
std::string hmac_hex(std::string_view key, std::string_view message);

// The client's address: the peer's, or, when the peer is a loopback proxy
// (the reference nginx), the last X-Forwarded-For entry, the one the proxy
// appended (the entries before it are whatever the client sent).
std::string client_address(const httplib::Request& req);

class EditorCredential {
 public:
  EditorCredential() = default;  // none: every editors' request is refused
  // Reads the token from `path` (surrounding white space dropped). Throws
  // std::runtime_error when the file cannot be read or the token is
  // shorter than 16 characters.
  static EditorCredential from_file(const std::string& path);

  enum class Verdict { kAllowed, kNoCredentialConfigured, kMissing, kWrong };
  Verdict check(const httplib::Request& req) const;

 private:
  // Tokens are compared as HMACs under a per-process key: equal-length
  // digests, so the comparison takes the same time whatever the lengths.
  std::string key_, digest_;
};

class EventTokens {
 public:
  explicit EventTokens(std::chrono::seconds window);
  // "<issued unix seconds>.<offset>.<MAC>" for a page of `query`'s results.
  std::string issue(std::string_view query, std::size_t offset) const;
  // Empty when `token` was issued for `query` within the window, else why not.
  std::optional<std::string> check(std::string_view token, std::string_view query) const;

 private:
  std::string mac(std::int64_t issued, std::size_t offset, std::string_view query) const;
  std::string secret_;
  std::chrono::seconds window_;
};

class ClientRateLimiter {
 public:
  // `per_minute` events per client, with bursts of as many.
  explicit ClientRateLimiter(double per_minute);
  bool allow(const std::string& client);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  double per_second_, burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

class VisitorIds {
 public:
  // 16 hex digits naming the client for today, from `day` (YYYY-MM-DD).
  std::string of(const std::string& client, const std::string& day);

 private:
  std::mutex mu_;
  std::string day_, salt_;
};

}  // namespace tracuu
