// Reading web archives (WARC, ISO 28500: what Heritrix, `wget --warc-file`
// and Browsertrix write) as a stream of records, in bounded memory: a
// record's block is kept only when the caller wants it and it is no larger
// than the cap; any other is read past. Plain, whole-file gzip and one gzip
// member per record (the standard's recommendation) read the same (zlib
// reads concatenated members as one stream). Internal to indexer/
// (loaders.cpp); a WarcReader belongs to one thread.
#pragma once

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tracuu {

struct WarcRecord {
  std::string type;          // WARC-Type: "response", "resource", "request", "warcinfo", ...
  std::string target_uri;    // WARC-Target-URI
  std::string date;          // WARC-Date, as written ("2024-03-16T08:30:00Z")
  std::string content_type;  // Content-Type of the block
  std::uint64_t length = 0;  // Content-Length: the block's bytes
  std::string block;         // the block, when wanted (else empty)
};

// A record that cannot be read, and where the stream stands after it.
struct WarcError : std::runtime_error {
  WarcError(const std::string& what, bool fatal) : std::runtime_error(what), fatal(fatal) {}
  // True: nothing after it can be read (a truncated file, broken gzip).
  // False: the reader found the next record's start and reading goes on.
  bool fatal;
};

class WarcReader {
 public:
  // Reads the file at `path`; throws WarcError (fatal) when it cannot be opened.
  explicit WarcReader(const std::string& path);
  WarcReader(const WarcReader&) = delete;
  WarcReader& operator=(const WarcReader&) = delete;

  // The next record, its block read when `want(record)` (called with the
  // headers) says so and it has at most `max_block` bytes; nullopt at the
  // end of the file. Throws WarcError for a record that is not one (a
  // length that lies, a header that is not WARC's) or cut short.
  std::optional<WarcRecord> next(const std::function<bool(const WarcRecord&)>& want,
                                 std::size_t max_block);
  std::uint64_t compressed_offset() const;          // bytes of the file read so far
  std::size_t records() const { return records_; }  // records started

 private:
  bool fill();
  std::optional<std::string> read_line(std::size_t max);
  void read_block(std::uint64_t length, std::string* keep);
  [[noreturn]] void fail(const std::string& why, bool fatal);

  std::unique_ptr<gzFile_s, int (*)(gzFile)> gz_;
  std::string buffer_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  std::size_t records_ = 0;
};

// The HTTP response in a WARC response record: its status, Content-Type
// and body (a chunked transfer decoded). nullopt when the block is no HTTP
// response.
struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
  bool compressed = false;  // Content-Encoding other than identity: the body is not read
};
std::optional<HttpResponse> parse_http_response(std::string_view block);

}  // namespace tracuu
