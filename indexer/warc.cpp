// WarcReader: WARC records line by line and block by block from a zlib
// stream; parse_http_response: the HTTP response a response record holds.
#include "warc.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace tracuu {
namespace {

constexpr std::size_t kReadBytes = 1 << 16;
constexpr std::size_t kMaxHeaderLine = 64 << 10;  // a longer line is no WARC header
constexpr std::size_t kMaxHeaderLines = 256;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// "Name: value" → {"name", "value"}; nullopt when the line has no colon.
std::optional<std::pair<std::string, std::string>> header_field(std::string_view line) {
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::make_pair(lower(trimmed(line.substr(0, colon))),
                        std::string(trimmed(line.substr(colon + 1))));
}

std::optional<std::uint64_t> parse_length(const std::string& text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

}  // namespace

WarcReader::WarcReader(const std::string& path) : gz_(gzopen(path.c_str(), "rb"), &gzclose) {
  if (!gz_) throw WarcError(std::string("cannot open: ") + std::strerror(errno), true);
  gzbuffer(gz_.get(), 1 << 18);
}

std::uint64_t WarcReader::compressed_offset() const {
  return static_cast<std::uint64_t>(gzoffset(gz_.get()));
}

void WarcReader::fail(const std::string& why, bool fatal) {
  throw WarcError("record " + std::to_string(records_) + ": " + why, fatal);
}

// Appends the next piece of the stream to the buffer; false at its end.
bool WarcReader::fill() {
  if (eof_) return false;
  if (pos_ > 0) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  const std::size_t old = buffer_.size();
  buffer_.resize(old + kReadBytes);
  const int n = gzread(gz_.get(), buffer_.data() + old, static_cast<unsigned>(kReadBytes));
  buffer_.resize(old + static_cast<std::size_t>(std::max(n, 0)));
  if (n > 0) return true;
  eof_ = true;
  int errnum = 0;
  const char* message = gzerror(gz_.get(), &errnum);
  if (errnum != Z_OK && errnum != Z_STREAM_END) fail(std::string("read error: ") + message, true);
  return false;
}

// The next line without its line end; nullopt at the end of the stream. A
// line longer than `max` is read past and returned empty-handed as "\x01".
std::optional<std::string> WarcReader::read_line(std::size_t max) {
  bool too_long = false;
  while (true) {
    const std::size_t nl = buffer_.find('\n', pos_);
    if (nl != std::string::npos) {
      std::string line = too_long ? std::string("\x01") : buffer_.substr(pos_, nl - pos_);
      pos_ = nl + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (buffer_.size() - pos_ > max) {  // keep reading to the line end, not the bytes
      too_long = true;
      pos_ = buffer_.size();
    }
    if (!fill()) {
      if (pos_ >= buffer_.size()) return std::nullopt;
      std::string line = too_long ? std::string("\x01") : buffer_.substr(pos_);
      pos_ = buffer_.size();
      return line;
    }
  }
}

// Reads `length` bytes of block into `keep`, or past them when it is null.
void WarcReader::read_block(std::uint64_t length, std::string* keep) {
  std::uint64_t left = length;
  while (left > 0) {
    if (pos_ >= buffer_.size() && !fill())
      fail("cut short: " + std::to_string(length - left) + " of " + std::to_string(length) +
               " bytes of its block",
           true);
    const std::size_t take =
        static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer_.size() - pos_));
    if (keep) keep->append(buffer_, pos_, take);
    pos_ += take;
    left -= take;
    if (!keep && pos_ == buffer_.size()) {  // skipping: drop what was read
      buffer_.clear();
      pos_ = 0;
    }
  }
}

std::optional<WarcRecord> WarcReader::next(const std::function<bool(const WarcRecord&)>& want,
                                           std::size_t max_block) {
  std::optional<std::string> line;
  do {  // records are separated by two line ends
    line = read_line(kMaxHeaderLine);
    if (!line) return std::nullopt;
  } while (line->empty());
  ++records_;
  if (line->rfind("WARC/", 0) != 0) {
    // A Content-Length that lied, or no WARC file: find the next record.
    std::size_t skipped = 0;
    while ((line = read_line(kMaxHeaderLine)) && line->rfind("WARC/1.", 0) != 0) ++skipped;
    if (line) buffer_.insert(pos_, *line + "\r\n");  // the next call reads it again
    fail("no WARC header where a record should start (the last Content-Length may be wrong): " +
             std::to_string(skipped + 1) + " lines skipped",
         !line);
  }
  WarcRecord record;
  std::optional<std::uint64_t> length;
  for (std::size_t n = 0;; ++n) {
    line = read_line(kMaxHeaderLine);
    if (!line) fail("cut short in its header", true);
    if (line->empty()) break;
    if (n == kMaxHeaderLines) fail("more than 256 header lines", true);
    auto field = header_field(*line);
    if (!field) continue;
    auto& [name, value] = *field;
    if (name == "warc-type") record.type = value;
    if (name == "warc-target-uri") {
      // wget writes it in angle brackets, as WARC 1.1's grammar once read.
      if (value.size() >= 2 && value.front() == '<' && value.back() == '>')
        value = value.substr(1, value.size() - 2);
      record.target_uri = value;
    }
    if (name == "warc-date") record.date = value;
    if (name == "content-type") record.content_type = value;
    if (name == "content-length") length = parse_length(value);
  }
  if (!length) fail("no Content-Length", true);
  record.length = *length;
  const bool keep = *length <= max_block && want(record);
  read_block(*length, keep ? &record.block : nullptr);
  return record;
}

std::optional<HttpResponse> parse_http_response(std::string_view block) {
  if (block.rfind("HTTP/", 0) != 0) return std::nullopt;
  std::size_t end = block.find("\r\n\r\n");
  std::size_t body_at = end == std::string_view::npos ? end : end + 4;
  if (end == std::string_view::npos) {
    end = block.find("\n\n");
    body_at = end == std::string_view::npos ? end : end + 2;
  }
  if (end == std::string_view::npos) return std::nullopt;
  HttpResponse response;
  std::string_view head = block.substr(0, end);
  std::size_t space = head.find(' ');
  if (space == std::string_view::npos || head.size() < space + 4) return std::nullopt;
  response.status = std::atoi(std::string(head.substr(space + 1, 3)).c_str());
  bool chunked = false;
  std::size_t start = head.find('\n');
  while (start != std::string_view::npos && start < head.size()) {
    std::size_t stop = head.find('\n', start + 1);
    auto field = header_field(
        head.substr(start + 1, (stop == std::string_view::npos ? head.size() : stop) - start - 1));
    if (field && field->first == "content-type") response.content_type = field->second;
    if (field && field->first == "transfer-encoding")
      chunked = lower(field->second).find("chunked") != std::string::npos;
    if (field && field->first == "content-encoding" && lower(field->second) != "identity")
      response.compressed = true;
    start = stop;
  }
  std::string_view body = block.substr(body_at);
  if (!chunked) {
    response.body = std::string(body);
    return response;
  }
  // Chunked: "size in hex\r\n" + bytes + "\r\n", until a chunk of size 0.
  while (!body.empty()) {
    std::size_t nl = body.find('\n');
    if (nl == std::string_view::npos) break;
    std::size_t size = 0;
    try {
      size = std::stoul(std::string(body.substr(0, nl)), nullptr, 16);
    } catch (const std::exception&) {
      break;
    }
    if (size == 0 || size > body.size() - nl - 1) break;
    response.body.append(body.substr(nl + 1, size));
    body.remove_prefix(std::min(body.size(), nl + 1 + size + 2));
  }
  return response;
}

}  // namespace tracuu
