// HTTP request framing and limits (server/request_reader.h).
#include "request_reader.h"

#include <doctest/doctest.h>

#include <string>

using tracuu::HttpLimits;
using tracuu::RequestReader;
using State = RequestReader::State;

namespace {

// Feeds `bytes` one at a time (the worst a slow client can do), as the event
// loop does: the buffer grows, the reader looks again.
State feed_bytewise(RequestReader& reader, const std::string& bytes) {
  std::string in;
  State s = State::kNeedMore;
  for (char c : bytes) {
    in += c;
    s = reader.read(in);
    if (s != State::kNeedMore) break;
  }
  return s;
}

}  // namespace

TEST_CASE("request framing: what is a whole request, what is an error, and why") {
  const HttpLimits limits;
  struct Case {
    const char* rule;
    std::string bytes;
    State state;
    int status;  // when kFailed
  };
  const std::string big_header(9000, 'x');
  std::string many_headers = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 101; ++i) many_headers += "X-" + std::to_string(i) + ": y\r\n";
  many_headers += "\r\n";
  const Case cases[] = {
      {"a plain GET", "GET /search?q=a HTTP/1.1\r\nHost: x\r\n\r\n", State::kReady, 0},
      {"bare LF line ends are accepted", "GET / HTTP/1.1\nHost: x\n\n", State::kReady, 0},
      {"HTTP/1.0 needs no Host", "GET / HTTP/1.0\r\n\r\n", State::kReady, 0},
      {"HTTP/1.1 without Host is refused (as nginx does)", "GET / HTTP/1.1\r\n\r\n", State::kFailed,
       400},
      {"two Host headers are refused", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
       State::kFailed, 400},
      {"garbage is a 400", std::string("\x16\x03\x01\x02\x00 hello\r\n\r\n", 12), State::kFailed,
       400},
      {"garbage is a 400 at its first byte, not after a timeout", "\x16", State::kFailed, 400},
      {"HTTP/2 is not served", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", State::kFailed, 505},
      {"a header line over 8 KiB", "GET / HTTP/1.1\r\nHost: a\r\nX: " + big_header + "\r\n\r\n",
       State::kFailed, 431},
      {"more than 100 header fields", many_headers, State::kFailed, 431},
      {"a request line over 8 KiB", "GET /" + big_header + " HTTP/1.1\r\nHost: a\r\n\r\n",
       State::kFailed, 414},
      {"a folded header line", "GET / HTTP/1.1\r\nHost: a\r\n  folded\r\n\r\n", State::kFailed,
       400},
      {"a body over 64 KiB by its length",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 70000\r\n\r\n", State::kFailed, 413},
      {"both Content-Length and chunked (a smuggling attempt)",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
       State::kFailed, 400},
      {"an unknown transfer coding",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", State::kFailed, 501},
      {"a chunk size that is not hex",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", State::kFailed,
       400},
      {"chunks adding up past 64 KiB",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8000\r\n" +
           std::string(0x8000, 'a') + "\r\n8001\r\n",
       State::kFailed, 413},
      {"a body still coming", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab",
       State::kNeedMore, 0},
      {"a head still coming", "GET / HTTP/1.1\r\nHost: a\r\n", State::kNeedMore, 0},
      {"an unknown Expect", "POST / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\n\r\n", State::kFailed,
       417},
  };
  for (const Case& c : cases) {
    const std::string rule = c.rule;
    CAPTURE(rule);
    RequestReader reader(limits);
    State s = reader.read(c.bytes);
    CHECK(s == c.state);
    if (s == State::kFailed) CHECK(reader.error_status() == c.status);
  }
}

TEST_CASE("a chunked body is decoded and passed on with its length") {
  HttpLimits limits;
  RequestReader reader(limits);
  const std::string bytes =
      "POST /events HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\nGET /next";
  REQUIRE(feed_bytewise(reader, bytes) == State::kReady);
  CHECK(reader.request() ==
        "POST /events HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nWikipedia");
  CHECK(bytes.substr(reader.consumed()) == "GET /next");
}

TEST_CASE("pipelined requests are read one at a time, in order") {
  HttpLimits limits;
  RequestReader reader(limits);
  std::string in =
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\n";
  REQUIRE(reader.read(in) == State::kReady);
  CHECK(reader.path() == "/a");
  in.erase(0, reader.consumed());
  reader.reset();
  REQUIRE(reader.read(in) == State::kReady);
  CHECK(reader.path() == "/b");
  in.erase(0, reader.consumed());
  reader.reset();
  CHECK(reader.read(in) == State::kNeedMore);  // /c's head is not finished
  CHECK(reader.started());
}

TEST_CASE("Range and Expect are dropped; the target is kept as sent") {
  HttpLimits limits;
  RequestReader reader(limits);
  std::string ranges = "bytes=0-";
  for (int i = 0; i < 2600; ++i) ranges += ",0-";
  const std::string bytes = "GET /articles/X%2Frelated HTTP/1.1\r\nHost: a\r\nRange: " + ranges +
                            "\r\nAccept: */*\r\n\r\n";
  REQUIRE(reader.read(bytes) == State::kReady);  // 2,600 ranges fit in a header line...
  CHECK(reader.request().find("Range") == std::string::npos);  // ...and are not passed on
  RequestReader small(limits);
  REQUIRE(small.read("GET /articles/X%2Frelated HTTP/1.1\r\nHost: a\r\nRange: bytes=0-,0-\r\n"
                     "Accept: */*\r\n\r\n") == State::kReady);
  CHECK(small.path() == "/articles/X%2Frelated");
  CHECK(small.request() == "GET /articles/X%2Frelated HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n");
}

TEST_CASE("Expect: 100-continue is answered once, before the body") {
  HttpLimits limits;
  RequestReader reader(limits);
  std::string in =
      "POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n";
  CHECK(reader.read(in) == State::kNeedMore);
  CHECK(reader.take_continue());
  CHECK_FALSE(reader.take_continue());
  in += "ok";
  REQUIRE(reader.read(in) == State::kReady);
  CHECK(reader.request() == "POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok");
}

TEST_CASE("a head fed one byte at a time is read once it is whole") {
  HttpLimits limits;
  RequestReader reader(limits);
  CHECK(feed_bytewise(reader, "\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n") == State::kReady);
  CHECK(reader.path() == "/x");
}
