// Internal to server/: where one HTTP/1.x request ends in the bytes a
// connection has received, under size limits, read incrementally as bytes
// arrive so that no thread waits on a slow client (http_server.h).
// Not thread-safe: one per connection, used by the event loop only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tracuu {

// What a request may hold (nginx's defaults are the model:
// large_client_header_buffers 4 8k, client_max_body_size).
struct HttpLimits {
  std::size_t max_request_line = 8 * 1024;  // 414 beyond
  std::size_t max_header_line = 8 * 1024;   // 431 beyond
  std::size_t max_head = 32 * 1024;         // request line + headers: 431 beyond
  std::size_t max_headers = 100;            // 431 beyond
  std::size_t max_body = 64 * 1024;         // 413 beyond, chunked or not
  // Empty lines before the request line (RFC 9112 section 2.2 asks to
  // ignore some): 200 KB of CR LF once kept the event loop spinning.
  std::size_t max_leading_blank = 256;  // 400 beyond
  // A chunked body's framing (chunk-size lines, extensions, CR LFs,
  // trailers): 8,000 one-byte chunks take 40 KB of it, and a client adding
  // extensions could otherwise send far more than max_body on the wire.
  std::size_t max_chunk_framing = 64 * 1024;  // 413 beyond

  // The most bytes one request can take on the wire: the reader has
  // answered kReady or kFailed before a connection holds more.
  std::size_t max_wire() const {
    return max_leading_blank + max_head + max_body + max_chunk_framing + kMaxChunkLine;
  }
  static constexpr std::size_t kMaxChunkLine = 1024;  // one chunk-size or trailer line
};

class RequestReader {
 public:
  enum class State { kNeedMore, kReady, kFailed };

  explicit RequestReader(const HttpLimits& limits) : limits_(&limits) {}

  // Reads on in `in`: every byte received and not yet consumed, the same
  // bytes as at the last call followed by new ones. kReady: one whole
  // request is at the start of `in`; kFailed: it cannot be one.
  State read(std::string_view in);

  // kReady: the request as cpp-httplib is to read it: CRLF line ends; no
  // Range (a JSON API has no use for ranges, and 2,600 of them turned a
  // 48 KB answer into 124 MB), Expect or Transfer-Encoding header; a
  // chunked body decoded, with its Content-Length.
  const std::string& request() const { return request_; }
  // kReady: how many bytes of `in` the request took (a pipelined next
  // request may follow them).
  std::size_t consumed() const { return consumed_; }
  // The target's path as sent (not percent-decoded), once the head is read.
  const std::string& path() const { return path_; }
  // The path cpp-httplib routes the request on: percent-decoded with its
  // own function (/%65xport is /export), once the head is read. Whatever
  // depends on the route (the lane, the stream limits) is decided on this.
  const std::string& route_path() const { return route_path_; }
  // The head is read, the body not yet, and the client asked to be told
  // to send it (Expect: 100-continue). True once per request.
  bool take_continue();
  // Whether any byte of the current request has arrived.
  bool started() const { return started_; }
  // Whether its head has been read (its body may still be coming).
  bool head_read() const { return head_end_ != 0; }
  // kFailed: the status to answer and why.
  int error_status() const { return error_status_; }
  const std::string& error() const { return error_; }

  // Forgets the request just read: the next begins at consumed().
  void reset();

 private:
  State fail(int status, std::string why);
  State read_head(std::string_view in);
  struct Fields;
  State parse_head(std::string_view head);
  State parse_request_line(std::string_view line, std::string_view* version);
  State parse_field(std::string_view line, Fields& fields);
  State check_framing(const Fields& fields, std::string_view version);
  State read_chunked(std::string_view in);
  State ready(std::size_t consumed);

  const HttpLimits* limits_;
  bool started_ = false;
  std::size_t scanned_ = 0;   // the end of the head was not before this offset
  std::size_t head_end_ = 0;  // 0 until the head is read: where the body starts
  std::string head_;          // canonical head lines, without the final blank line
  std::string path_, route_path_;
  enum class Body { kNone, kLength, kChunked } body_kind_ = Body::kNone;
  std::size_t content_length_ = 0;
  bool continue_wanted_ = false;
  // Chunked decoding: where the next unread byte is, what it is.
  enum class Chunk { kSize, kData, kDataEnd, kTrailer } chunk_ = Chunk::kSize;
  std::size_t chunk_pos_ = 0, chunk_left_ = 0, trailers_ = 0;
  std::string body_;
  std::string request_;
  std::size_t consumed_ = 0;
  int error_status_ = 0;
  std::string error_;
};

}  // namespace tracuu
