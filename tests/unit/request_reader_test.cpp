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

TEST_CASE("the route path is percent-decoded as cpp-httplib routes it; the lane follows it") {
  const HttpLimits limits;
  struct Case {
    const char* target;
    const char* route;  // what cpp-httplib matches routes against
  };
  const Case cases[] = {
      {"/export?q=a", "/export"},
      {"/%65xport?q=&format=jsonl", "/export"},  // issue 22: it skipped the stream lane
      {"/%63oncordance?q=a", "/concordance"},
      {"/ex%70ort", "/export"},
      {"/%65%78%70%6frt", "/export"},  // lower-case hex
      {"/%65%78%70%6Frt", "/export"},  // upper-case hex
      {"/%u0065xport", "/export"},     // cpp-httplib decodes %uXXXX too
      {"/%2Fexport", "//export"},      // routed nowhere, not to /export
      {"//export", "//export"},
      {"/export/", "/export/"},
      {"/articles/X%2Frelated", "/articles/X/related"},
      {"/search?q=a+b", "/search"},  // '+' is a space only in the query
  };
  for (const Case& c : cases) {
    const std::string target = c.target;
    CAPTURE(target);
    RequestReader reader(limits);
    REQUIRE(reader.read("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n") == State::kReady);
    CHECK(reader.route_path() == c.route);
  }
}

TEST_CASE("a target that is not a path is refused: no route can be guessed from it") {
  const HttpLimits limits;
  for (const char* target : {"%2Fexport", "?/export", "export", "x/export"}) {
    const std::string shown = target;
    CAPTURE(shown);
    RequestReader reader(limits);
    CHECK(reader.read("GET " + shown + " HTTP/1.1\r\nHost: a\r\n\r\n") == State::kFailed);
    CHECK(reader.error_status() == 400);
  }
  for (const char* target : {"*", "http://a/export", "HTTPS://a/"}) {  // OPTIONS *, proxy form
    const std::string shown = target;
    CAPTURE(shown);
    RequestReader reader(limits);
    CHECK(reader.read("OPTIONS " + shown + " HTTP/1.1\r\nHost: a\r\n\r\n") == State::kReady);
  }
}

TEST_CASE("a '?' inside the query is passed on as %3F (cpp-httplib refuses a second '?')") {
  const HttpLimits limits;
  RequestReader reader(limits);
  REQUIRE(reader.read("GET /search?q=a?b??c HTTP/1.1\r\nHost: a\r\n\r\n") == State::kReady);
  CHECK(reader.request() == "GET /search?q=a%3Fb%3F%3Fc HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(reader.path() == "/search");
}

TEST_CASE("a request line too long is a 414 even when its head is too large as well") {
  const HttpLimits limits;
  const std::string url = "/search?q=" + std::string(100 * 1024, 'a');
  RequestReader whole(limits);  // sent at once, blank line and all
  CHECK(whole.read("GET " + url + " HTTP/1.1\r\nHost: a\r\n\r\n") == State::kFailed);
  CHECK(whole.error_status() == 414);
  RequestReader cut(limits);  // still coming, no line end yet
  CHECK(cut.read("GET " + url) == State::kFailed);
  CHECK(cut.error_status() == 414);
  RequestReader head(limits);  // a short line, large headers: the head is what is too large
  std::string headers;
  for (int i = 0; i < 8; ++i)
    headers += "X-" + std::to_string(i) + ": " + std::string(5000, 'h') + "\r\n";
  CHECK(head.read("GET / HTTP/1.1\r\nHost: a\r\n" + headers + "\r\n") == State::kFailed);
  CHECK(head.error_status() == 431);
}

TEST_CASE("wire bytes count: empty lines and chunk framing end at a cap, never wait") {
  const HttpLimits limits;
  SUBCASE("a few empty lines before the request line are ignored") {
    RequestReader reader(limits);
    CHECK(reader.read("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n") == State::kReady);
  }
  SUBCASE("200 KB of them: 400 as soon as the allowance is passed") {
    std::string crlf;
    for (int i = 0; i < 100000; ++i) crlf += "\r\n";
    RequestReader reader(limits);
    CHECK(reader.read(crlf) == State::kFailed);
    CHECK(reader.error_status() == 400);
    RequestReader just(limits);
    CHECK(just.read(std::string(limits.max_leading_blank, '\n')) == State::kNeedMore);
  }
  const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  SUBCASE("8,000 one-byte chunks are a valid request (40 KB of framing)") {
    std::string in = head;
    for (int i = 0; i < 8000; ++i) in += "1\r\nx\r\n";
    in += "0\r\n\r\n";
    RequestReader reader(limits);
    REQUIRE(reader.read(in) == State::kReady);
    CHECK(reader.request().find("Content-Length: 8000\r\n") != std::string::npos);
    CHECK(reader.consumed() == in.size());
  }
  SUBCASE("chunk extensions past the framing cap: 413 while the body is still small") {
    std::string in = head;
    for (int i = 0; i < 8000; ++i) in += "1;ext=" + std::string(40, 'e') + "\r\nx\r\n";
    RequestReader reader(limits);
    CHECK(reader.read(in) == State::kFailed);
    CHECK(reader.error_status() == 413);
  }
  SUBCASE("any request is decided within max_wire() bytes") {
    const std::string junk_chunks = [&] {
      std::string in = head;
      while (in.size() < limits.max_wire()) in += "1;e\r\nx\r\n";
      return in;
    }();
    std::string crlf_then_head = std::string(limits.max_leading_blank, '\n') + "GET /";
    crlf_then_head += std::string(limits.max_wire(), 'a');
    for (const std::string& in : {junk_chunks, crlf_then_head}) {
      RequestReader reader(limits);
      CHECK(reader.read(in) == State::kFailed);
    }
  }
}
