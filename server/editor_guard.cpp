#include "editor_guard.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tracuu {
namespace {

constexpr std::size_t kMinTokenChars = 16;
// Past this many clients remembered, full buckets are forgotten: a client
// with a full bucket is the same as a client never seen.
constexpr std::size_t kMaxBuckets = 100000;

std::string trimmed(std::string s) {
  const auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), space));
  s.erase(std::find_if_not(s.rbegin(), s.rend(), space).base(), s.end());
  return s;
}

std::string hmac_raw(std::string_view key, std::string_view message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &length);
  return std::string(reinterpret_cast<const char*>(out), length);
}

bool same_bytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool is_loopback(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address == "::1" || address == "::ffff:127.0.0.1";
}

}  // namespace

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("no random bytes from the system");
  return out;
}

std::string hmac_hex(std::string_view key, std::string_view message) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : hmac_raw(key, message)) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 15]);
  }
  return hex;
}

std::string client_address(const httplib::Request& req) {
  if (!is_loopback(req.remote_addr) || !req.has_header("X-Forwarded-For")) return req.remote_addr;
  const std::string chain = req.get_header_value("X-Forwarded-For");
  const std::size_t comma = chain.rfind(',');
  std::string last = trimmed(comma == std::string::npos ? chain : chain.substr(comma + 1));
  return last.empty() ? req.remote_addr : last;
}

EditorCredential EditorCredential::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the editor token file " + path);
  std::stringstream content;
  content << in.rdbuf();
  const std::string token = trimmed(content.str());
  if (token.size() < kMinTokenChars)
    throw std::runtime_error("the editor token in " + path + " is shorter than " +
                             std::to_string(kMinTokenChars) + " characters");
  EditorCredential c;
  c.key_ = random_bytes(32);
  c.digest_ = hmac_raw(c.key_, token);
  return c;
}

EditorCredential::Verdict EditorCredential::check(const httplib::Request& req) const {
  if (digest_.empty()) return Verdict::kNoCredentialConfigured;
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size() || header.compare(0, kScheme.size(), kScheme) != 0)
    return Verdict::kMissing;
  const std::string given = trimmed(header.substr(kScheme.size()));
  return same_bytes(hmac_raw(key_, given), digest_) ? Verdict::kAllowed : Verdict::kWrong;
}

EventTokens::EventTokens(std::chrono::seconds window)
    : secret_(random_bytes(32)), window_(window) {}

std::string EventTokens::mac(std::int64_t issued, std::size_t offset,
                             std::string_view query) const {
  // 96 bits are plenty for a token that lives an hour.
  const std::string message =
      std::to_string(issued) + "\n" + std::to_string(offset) + "\n" + std::string(query);
  return hmac_hex(secret_, message).substr(0, 24);
}

std::string EventTokens::issue(std::string_view query, std::size_t offset) const {
  const std::int64_t now = std::time(nullptr);
  return std::to_string(now) + "." + std::to_string(offset) + "." + mac(now, offset, query);
}

std::optional<std::string> EventTokens::check(std::string_view token,
                                              std::string_view query) const {
  const std::size_t first = token.find('.');
  const std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return "token is not one a search answer gave";
  std::int64_t issued = 0;
  std::size_t offset = 0;
  try {
    issued = std::stoll(std::string(token.substr(0, first)));
    offset = std::stoull(std::string(token.substr(first + 1, second - first - 1)));
  } catch (const std::exception&) {
    return "token is not one a search answer gave";
  }
  if (!same_bytes(mac(issued, offset, query), token.substr(second + 1)))
    return "token was not given for this query";
  const std::int64_t age = std::time(nullptr) - issued;
  if (age < -60 || age > window_.count())
    return "token has expired (search again: a token is good for " +
           std::to_string(window_.count() / 60) + " minutes)";
  return std::nullopt;
}

ClientRateLimiter::ClientRateLimiter(double per_minute)
    : per_second_(per_minute / 60), burst_(std::max(1.0, per_minute)) {}

bool ClientRateLimiter::allow(const std::string& client) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (buckets_.size() > kMaxBuckets) {
    std::erase_if(buckets_, [&](const auto& entry) {
      const double seconds = std::chrono::duration<double>(now - entry.second.at).count();
      return entry.second.tokens + seconds * per_second_ >= burst_;
    });
  }
  auto [it, fresh] = buckets_.try_emplace(client, Bucket{burst_, now});
  Bucket& b = it->second;
  const double seconds = std::chrono::duration<double>(now - b.at).count();
  b.tokens = std::min(burst_, b.tokens + seconds * per_second_);
  b.at = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

std::string VisitorIds::of(const std::string& client, const std::string& day) {
  std::lock_guard lock(mu_);
  if (day != day_) {
    day_ = day;
    salt_ = random_bytes(32);
  }
  return hmac_hex(salt_, client).substr(0, 16);
}

}  // namespace tracuu
