// RequestReader: HTTP/1.x request framing (RFC 9112) with limits.
#include "request_reader.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace tracuu {
namespace {

bool is_token_char(unsigned char c) {
  return std::isalnum(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return is_token_char(static_cast<unsigned char>(c));
  });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The lines of a head (without their CR LF or LF).
std::vector<std::string_view> lines_of(std::string_view head) {
  std::vector<std::string_view> lines;
  while (!head.empty()) {
    std::size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    head.remove_prefix(nl + 1);
  }
  return lines;
}

// "http://host/path": a proxy's form of the target, which servers accept.
bool is_absolute_form(std::string_view target) {
  const std::string start = lower(target.substr(0, 8));
  return start.rfind("http://", 0) == 0 || start.rfind("https://", 0) == 0;
}

// cpp-httplib refuses a target with a second '?' (400), though RFC 3986
// allows '?' in a query (/search?q=a?b): passed on as %3F, which it decodes.
std::string encode_question_marks(std::string_view query) {
  std::string out;
  for (char c : query) out += c == '?' ? std::string("%3F") : std::string(1, c);
  return out;
}

// Headers the request is read without (see RequestReader::request()).
bool dropped_header(const std::string& name) {
  return name == "range" || name == "if-range" || name == "expect" || name == "transfer-encoding" ||
         name == "content-length";
}

}  // namespace

RequestReader::State RequestReader::fail(int status, std::string why) {
  error_status_ = status;
  error_ = std::move(why);
  return State::kFailed;
}

void RequestReader::reset() {
  *this = RequestReader(*limits_);
}

bool RequestReader::take_continue() {
  bool wanted = continue_wanted_;
  continue_wanted_ = false;
  return wanted;
}

RequestReader::State RequestReader::read(std::string_view in) {
  if (error_status_) return State::kFailed;
  if (!request_.empty()) return State::kReady;
  if (!in.empty()) started_ = true;
  if (head_end_ == 0) {
    State s = read_head(in);
    if (s != State::kReady) return s;
  }
  switch (body_kind_) {
    case Body::kNone:
      return ready(head_end_);
    case Body::kLength:
      if (in.size() < head_end_ + content_length_) return State::kNeedMore;
      body_.assign(in.substr(head_end_, content_length_));
      return ready(head_end_ + content_length_);
    case Body::kChunked:
      return read_chunked(in);
  }
  return State::kNeedMore;
}

// Finds the blank line ending the head, checking the sizes on the way.
RequestReader::State RequestReader::read_head(std::string_view in) {
  // Empty lines before a request line are ignored (RFC 9112 section 2.2).
  std::size_t start = 0;
  while (start < in.size() && (in[start] == '\r' || in[start] == '\n')) ++start;
  if (start > limits_->max_leading_blank)
    return fail(400, "more than " + std::to_string(limits_->max_leading_blank) +
                         " bytes of empty lines before the request line");
  if (start == in.size()) return State::kNeedMore;
  // Not even a method: garbage (or TLS spoken to a plain port) is refused
  // at once instead of waiting out the head timeout.
  constexpr std::size_t kLongestMethod = 20;
  for (std::size_t i = start; i < in.size() && i - start <= kLongestMethod && in[i] != ' '; ++i) {
    if (!is_token_char(static_cast<unsigned char>(in[i])) || i - start == kLongestMethod)
      return fail(400, "the request line is not METHOD TARGET HTTP/1.x");
  }
  // The request line is measured first: a 100 KB URL is a 414, though the
  // head it is part of is too large as well.
  const std::size_t first_nl = in.find('\n', start);
  const std::size_t line_length =
      (first_nl == std::string_view::npos ? in.size() : first_nl) - start;
  if (line_length > limits_->max_request_line + 1)  // + its CR
    return fail(414, "the request line is longer than " +
                         std::to_string(limits_->max_request_line) + " bytes");
  std::size_t from = std::max(scanned_, start);
  std::size_t end = std::string_view::npos;
  for (std::size_t nl = in.find('\n', from); nl != std::string_view::npos;
       nl = in.find('\n', nl + 1)) {
    if (nl + 1 < in.size() && in[nl + 1] == '\n') {
      end = nl + 2;
      break;
    }
    if (nl + 2 < in.size() && in[nl + 1] == '\r' && in[nl + 2] == '\n') {
      end = nl + 3;
      break;
    }
    if (nl + 2 >= in.size()) break;  // the blank line may still come
  }
  if (end == std::string_view::npos) {
    scanned_ = in.size() > 2 ? in.size() - 2 : 0;
    if (in.size() - start > limits_->max_head)
      return fail(
          431, "the request head is larger than " + std::to_string(limits_->max_head) + " bytes");
    return State::kNeedMore;
  }
  if (end - start > limits_->max_head)
    return fail(431,
                "the request head is larger than " + std::to_string(limits_->max_head) + " bytes");
  head_end_ = end;
  return parse_head(in.substr(start, end - start));
}

// What the header fields say about framing, as parse_head reads them.
struct RequestReader::Fields {
  std::size_t hosts = 0;
  bool chunked = false, has_length = false;
  std::string expect;
};

RequestReader::State RequestReader::parse_head(std::string_view head) {
  std::vector<std::string_view> lines = lines_of(head);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) return fail(400, "no request line");
  std::string_view version;
  if (State s = parse_request_line(lines[0], &version); s == State::kFailed) return s;
  if (lines.size() - 1 > limits_->max_headers)
    return fail(431, "more than " + std::to_string(limits_->max_headers) + " header fields");
  Fields fields;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (State s = parse_field(lines[i], fields); s == State::kFailed) return s;
  }
  return check_framing(fields, version);
}

RequestReader::State RequestReader::parse_request_line(std::string_view line,
                                                       std::string_view* version) {
  if (line.size() > limits_->max_request_line)
    return fail(414, "the request line is longer than " +
                         std::to_string(limits_->max_request_line) + " bytes");
  std::size_t sp1 = line.find(' ');
  std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return fail(400, "the request line is not METHOD TARGET HTTP/1.x");
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  *version = line.substr(sp2 + 1);
  if (!is_token(method) || target.empty() || std::any_of(target.begin(), target.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
      }))
    return fail(400, "the request line is not METHOD TARGET HTTP/1.x");
  if (*version != "HTTP/1.1" && *version != "HTTP/1.0") {
    if (version->substr(0, 5) == "HTTP/") return fail(505, "only HTTP/1.0 and HTTP/1.1 are served");
    return fail(400, "the request line is not METHOD TARGET HTTP/1.x");
  }
  if (target != "*" && target.front() != '/' && !is_absolute_form(target))
    return fail(400, "the request target is not a path beginning with /");
  const std::size_t query = target.find('?');
  path_ = std::string(target.substr(0, query));
  route_path_ = httplib::detail::decode_url(path_, false);
  head_ = std::string(method) + " " + path_;
  if (query != std::string_view::npos)
    head_ += "?" + encode_question_marks(target.substr(query + 1));
  head_ += " " + std::string(*version) + "\r\n";
  return State::kReady;
}

RequestReader::State RequestReader::parse_field(std::string_view line, Fields& fields) {
  if (line.size() > limits_->max_header_line)
    return fail(431, "a header field is longer than " + std::to_string(limits_->max_header_line) +
                         " bytes");
  if (line.front() == ' ' || line.front() == '\t')
    return fail(400, "folded header lines are not accepted");
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
    return fail(400, "a header line is not NAME: VALUE");
  const std::string name = lower(line.substr(0, colon));
  const std::string_view value = trim(line.substr(colon + 1));
  if (name == "host") {
    ++fields.hosts;
  } else if (name == "content-length") {
    if (value.empty() || value.size() > 12 ||
        value.find_first_not_of("0123456789") != std::string_view::npos)
      return fail(400, "Content-Length is not a number");
    std::size_t n = std::stoull(std::string(value));
    if (fields.has_length && n != content_length_)
      return fail(400, "two different Content-Lengths");
    fields.has_length = true;
    content_length_ = n;
  } else if (name == "transfer-encoding") {
    if (lower(value) != "chunked") return fail(501, "only chunked transfer coding is accepted");
    fields.chunked = true;
  } else if (name == "expect") {
    fields.expect = lower(value);
  }
  if (!dropped_header(name)) head_ += std::string(line) + "\r\n";
  return State::kReady;
}

RequestReader::State RequestReader::check_framing(const Fields& f, std::string_view version) {
  if (version == "HTTP/1.1" && f.hosts != 1)
    return fail(400, f.hosts ? "more than one Host header" : "HTTP/1.1 requires a Host header");
  if (f.hosts > 1) return fail(400, "more than one Host header");
  if (f.chunked && f.has_length) return fail(400, "both Content-Length and Transfer-Encoding");
  if (f.chunked && version == "HTTP/1.0") return fail(400, "chunked bodies need HTTP/1.1");
  if (f.has_length && content_length_ > limits_->max_body)
    return fail(413, "the body is larger than " + std::to_string(limits_->max_body) + " bytes");
  body_kind_ = f.chunked                             ? Body::kChunked
               : f.has_length && content_length_ > 0 ? Body::kLength
                                                     : Body::kNone;
  if (!f.expect.empty() && f.expect != "100-continue")
    return fail(417, "only Expect: 100-continue is understood");
  continue_wanted_ = !f.expect.empty() && body_kind_ != Body::kNone;
  chunk_pos_ = head_end_;
  return State::kReady;
}

RequestReader::State RequestReader::read_chunked(std::string_view in) {
  constexpr std::size_t kMaxChunkLine = HttpLimits::kMaxChunkLine;
  for (;;) {
    switch (chunk_) {
      case Chunk::kSize:
      case Chunk::kTrailer: {
        std::size_t nl = in.find('\n', chunk_pos_);
        if (nl == std::string_view::npos) {
          if (in.size() - chunk_pos_ > kMaxChunkLine)
            return fail(chunk_ == Chunk::kSize ? 400 : 431, "a chunk line is too long");
          return State::kNeedMore;
        }
        std::string_view line = in.substr(chunk_pos_, nl - chunk_pos_);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        chunk_pos_ = nl + 1;
        // The bytes on the wire count, not only the body's: many tiny
        // chunks, or long extensions, must end at a cap, not fill memory.
        if (chunk_pos_ - head_end_ - body_.size() > limits_->max_chunk_framing)
          return fail(413,
                      "the chunked body's framing (chunk-size lines, trailers) is larger than " +
                          std::to_string(limits_->max_chunk_framing) + " bytes");
        if (chunk_ == Chunk::kTrailer) {
          if (line.empty()) return ready(chunk_pos_);
          if (++trailers_ > limits_->max_headers) return fail(431, "too many trailer fields");
          continue;
        }
        std::string_view hex = trim(line.substr(0, line.find(';')));
        if (hex.empty() || hex.size() > 8 ||
            hex.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos)
          return fail(400, "a chunk size is not a hexadecimal number");
        chunk_left_ = std::stoul(std::string(hex), nullptr, 16);
        if (chunk_left_ == 0) {
          chunk_ = Chunk::kTrailer;
        } else if (body_.size() + chunk_left_ > limits_->max_body) {
          return fail(413,
                      "the body is larger than " + std::to_string(limits_->max_body) + " bytes");
        } else {
          chunk_ = Chunk::kData;
        }
        continue;
      }
      case Chunk::kData: {
        std::size_t n = std::min(chunk_left_, in.size() - chunk_pos_);
        body_.append(in.substr(chunk_pos_, n));
        chunk_pos_ += n;
        chunk_left_ -= n;
        if (chunk_left_ > 0) return State::kNeedMore;
        chunk_ = Chunk::kDataEnd;
        continue;
      }
      case Chunk::kDataEnd:
        if (chunk_pos_ >= in.size()) return State::kNeedMore;
        if (in[chunk_pos_] == '\n') {
          chunk_pos_ += 1;
        } else if (in[chunk_pos_] == '\r') {
          if (chunk_pos_ + 1 >= in.size()) return State::kNeedMore;
          if (in[chunk_pos_ + 1] != '\n') return fail(400, "a chunk does not end with CRLF");
          chunk_pos_ += 2;
        } else {
          return fail(400, "a chunk is longer than its size");
        }
        chunk_ = Chunk::kSize;
        continue;
    }
  }
}

RequestReader::State RequestReader::ready(std::size_t consumed) {
  request_ = head_;
  if (!body_.empty()) request_ += "Content-Length: " + std::to_string(body_.size()) + "\r\n";
  request_ += "\r\n";
  request_ += body_;
  consumed_ = consumed;
  return State::kReady;
}

}  // namespace tracuu
