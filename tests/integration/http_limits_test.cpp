// The HTTP layer's limits under abuse (issue 22, docs/operations.md):
// lanes decided on the path cpp-httplib routes on, wire bytes counted
// against the caps, no busy loop, bounded answers, lingering close,
// half-closed clients. Real binaries, raw sockets on 127.0.0.1, every
// wait bounded, bounds generous enough for a loaded 2-core machine.
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <fstream>
#include <memory>
#include <random>

#include "harness.h"

using harness::common_words_index;
using harness::corpus_index;
using harness::get_request;
using harness::json;
using harness::RawConnection;
using harness::seconds_since;
using harness::Server;
using harness::status_of;
using Clock = std::chrono::steady_clock;

namespace {

// CPU seconds the process has used (user + system), from /proc/PID/stat.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // after "pid (comm) "
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i)
    if (i == 14 || i == 15) ticks += std::stod(f);  // utime, stime
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A connection that asks for `target` and then does not read (a 4 KB
// receive window: the answer stalls in the server's hands).
std::unique_ptr<RawConnection> stalled_reader(const Server& s, const std::string& target) {
  auto c = std::make_unique<RawConnection>(s.port());
  int small = 4096;
  setsockopt(c->fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  c->send_all(get_request(target));
  return c;
}

std::string chunked_post(const std::string& chunk_line, int chunks) {
  std::string r = "POST /health HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < chunks; ++i) r += chunk_line + "\r\nx\r\n";
  return r + "0\r\n\r\n";
}

}  // namespace

TEST_CASE("a stream route reached by any spelling of its path runs on the stream lane") {
  Server server(common_words_index(), {"--threads", "2"});
  // Each spelling cpp-httplib routes to /export or /concordance, and
  // neighbours it routes nowhere. Whichever: at most streams_per_client (2)
  // of one client's 10 get a streamed 200, and a fresh search is answered.
  const char* targets[] = {
      "/%65xport?q=&format=jsonl",                  // the finding
      "/%63oncordance?q=c%E1%BB%A7a&format=jsonl",  // the other stream route
      "/ex%70ort?q=",                               // an escape mid-path
      "/%65%78%70%6frt?q=",                         // lower-case hex
      "/%65%78%70%6Frt?q=",                         // upper-case hex
      "/%u0065xport?q=",                            // cpp-httplib's %u escapes
      "%2Fexport?q=",                               // no leading slash: decodes to /export
      "/%2Fexport?q=",                              // //export: routed nowhere
      "//export?q=",
      "/export/?q=",
      "/EXPORT?q=",
  };
  for (const char* target : targets) {
    const std::string shown = target;
    CAPTURE(shown);
    std::vector<std::unique_ptr<RawConnection>> readers;
    for (int i = 0; i < 10; ++i) readers.push_back(stalled_reader(server, target));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(harness::fresh_search(server, "tin") < 3.0);
    int streamed = 0;
    for (auto& r : readers) {
      const int status = status_of(r->receive(3, "\r\n\r\n"));
      CHECK(status != 0);
      if (status == 200) ++streamed;
    }
    CHECK(streamed <= 2);
  }
}

TEST_CASE("200 KB of empty lines before a request line: 400 at once, no busy loop") {
  Server server(corpus_index());
  SUBCASE("a few empty lines are allowed (RFC 9112 section 2.2)") {
    RawConnection c(server.port());
    c.send_all("\r\n\r\n" + get_request("/health"));
    CHECK(status_of(c.receive(3, "}")) == 200);
  }
  SUBCASE("past the allowance") {
    RawConnection c(server.port());
    c.send_all(std::string(300, '\n'));
    CHECK(status_of(c.receive(3)) == 400);
  }
  SUBCASE("the flood, and the server's CPU meanwhile") {
    std::vector<std::unique_ptr<RawConnection>> floods;
    const double cpu_before = cpu_seconds(server.pid());
    const auto start = Clock::now();
    for (int i = 0; i < 4; ++i) {
      floods.push_back(std::make_unique<RawConnection>(server.port()));
      std::string crlf;
      for (int j = 0; j < 100000; ++j) crlf += "\r\n";
      floods.back()->send_all(crlf);  // and then nothing: no request line
    }
    for (auto& f : floods) CHECK(status_of(f->receive(3)) == 400);
    CHECK(seconds_since(start) < 3.0);
    std::this_thread::sleep_for(std::chrono::milliseconds(3000) - (Clock::now() - start));
    CHECK(cpu_seconds(server.pid()) - cpu_before < 0.5);
  }
}

TEST_CASE("chunk framing counts on the wire: many small chunks served, long framing 413") {
  Server server(corpus_index());
  SUBCASE("8,000 one-byte chunks (40 KB of framing) are a valid request, served") {
    RawConnection c(server.port());
    const auto start = Clock::now();
    REQUIRE(c.send_all(chunked_post("1", 8000)));
    const int status = status_of(c.receive(3, "}"));
    CHECK(status != 0);
    CHECK(status != 408);
    CHECK(status != 413);
    CHECK(seconds_since(start) < 3.0);
  }
  SUBCASE("chunk extensions pushing the wire past the cap: 413, no busy loop") {
    const double cpu_before = cpu_seconds(server.pid());
    const auto start = Clock::now();
    std::vector<std::unique_ptr<RawConnection>> clients;
    for (int i = 0; i < 4; ++i) {
      clients.push_back(std::make_unique<RawConnection>(server.port()));
      std::string r = chunked_post("1;ext=" + std::string(40, 'e'), 8000);
      r.resize(r.size() - 5);  // no last chunk: the body would never end
      clients.back()->send_all(r);
    }
    for (auto& c : clients) CHECK(status_of(c->receive(3)) == 413);
    CHECK(seconds_since(start) < 3.0);
    std::this_thread::sleep_for(std::chrono::milliseconds(3000) - (Clock::now() - start));
    CHECK(cpu_seconds(server.pid()) - cpu_before < 0.5);
  }
}

TEST_CASE("a timeline's bins are capped in all series together: 400 naming the cap") {
  Server server(corpus_index(), {"--threads", "2"});
  const std::string century = "&bin=day&from=1926-01-01&to=2025-12-31";
  SUBCASE("one series of a century by day is allowed") {
    auto [status, body] = server.get("/timeline?q=tin" + century);
    CHECK(status == 200);
    CHECK(body["bins"].size() == 36525);
  }
  SUBCASE("two are not") {
    auto [status, body] = server.get("/timeline?q=tin&q=xe" + century);
    CHECK(status == 400);
    CHECK(body["error"].get<std::string>().find("36600") != std::string::npos);
  }
  SUBCASE("40 clients that do not read five series: searches answered meanwhile") {
    std::vector<std::unique_ptr<RawConnection>> readers;
    for (int i = 0; i < 40; ++i)
      readers.push_back(stalled_reader(server, "/timeline?q=a&q=b&q=c&q=d&q=e" + century));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(harness::fresh_search(server, "tin") < 3.0);
    for (auto& r : readers) {
      std::string got = r->receive(5, "}");
      CHECK(status_of(got) == 400);
      CHECK(got.find("36600") != std::string::npos);
    }
  }
  SUBCASE("6 clients that do not read the largest answer allowed (1.5 MB each)") {
    // Each costs its counting (0.2 s here, 2 s under ASan): the search waits
    // its turn behind some, not behind a worker stuck on a client that does
    // not read, so the bound follows the time of one.
    const auto start = Clock::now();
    REQUIRE(server.get("/timeline?q=tin" + century).first == 200);
    const double one = harness::seconds_since(start);
    std::vector<std::unique_ptr<RawConnection>> readers;
    for (int i = 0; i < 6; ++i)
      readers.push_back(stalled_reader(server, "/timeline?q=tin" + century));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(harness::fresh_search(server, "tin") < 3.0 + 4 * one);
    CHECK(status_of(readers[0]->receive(3, "\r\n\r\n")) == 200);
  }
}

TEST_CASE("request line corner cases: 414 for a long URL, '?' in a query") {
  Server server(corpus_index());
  SUBCASE("a 100 KB URL is a 414, sent at once with its headers") {
    RawConnection c(server.port());
    c.send_all(get_request("/search?q=" + std::string(100 * 1024, 'a')));
    CHECK(status_of(c.receive(3)) == 414);
  }
  SUBCASE("'?' is allowed in a query (RFC 3986)") {
    for (const char* q : {"a?b", "a??b", "?"}) {
      const std::string shown = q;
      CAPTURE(shown);
      RawConnection c(server.port());
      c.send_all(get_request(std::string("/search?q=") + q, "Connection: close\r\n"));
      std::string got = c.receive(3);
      REQUIRE(status_of(got) == 200);
      json body = json::parse(got.substr(got.find("\r\n\r\n") + 4), nullptr, false);
      CHECK(body["query"] == q);
    }
  }
  SUBCASE("a second '?' in an article path's query is not a 400") {
    RawConnection c(server.port());
    c.send_all(get_request("/articles/tc-2019-0101?x=1?2"));
    CHECK(status_of(c.receive(3, "}")) == 200);
  }
}

TEST_CASE("after an early error the client reads the answer, not a reset (lingering close)") {
  Server server(corpus_index());
  const std::string upload(16 << 20, 'u');
  SUBCASE("413 for a declared length, the upload still coming") {
    RawConnection c(server.port());
    CHECK(c.send_all("POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: " +
                     std::to_string(upload.size()) + "\r\n\r\n" + upload));
    CHECK(status_of(c.receive(3)) == 413);
    CHECK(c.closed());
  }
  SUBCASE("400 for a bad head, a body following") {
    RawConnection c(server.port());
    CHECK(c.send_all("POST /health HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: " +
                     std::to_string(upload.size()) + "\r\n\r\n" + upload));
    CHECK(status_of(c.receive(3)) == 400);
    CHECK(c.closed());
  }
}

TEST_CASE("a client that shuts down its sending side after its request is answered") {
  Server server(corpus_index());
  SUBCASE("a search") {
    RawConnection c(server.port());
    c.send_all(get_request("/search?q=tin"));
    ::shutdown(c.fd(), SHUT_WR);
    std::string got = c.receive(5);
    CHECK(status_of(got) == 200);
    CHECK(got.find("\"hits\"") != std::string::npos);
    CHECK(c.closed());
  }
  SUBCASE("two pipelined requests: two answers, then the server closes") {
    RawConnection c(server.port());
    c.send_all(get_request("/health") + get_request("/articles/tc-2019-0101"));
    ::shutdown(c.fd(), SHUT_WR);
    std::string got = c.receive(5);
    CHECK(status_of(got) == 200);
    CHECK(got.find("tc-2019-0101") != std::string::npos);
    CHECK(c.closed());
  }
  SUBCASE("a chunked body") {
    RawConnection c(server.port());
    c.send_all(chunked_post("1", 10));
    ::shutdown(c.fd(), SHUT_WR);
    CHECK(status_of(c.receive(5)) != 0);
    CHECK(c.closed());
  }
  SUBCASE("a request cut short gets no answer; the connection is closed") {
    RawConnection c(server.port());
    c.send_all("GET /health HTTP/1.1\r\n");
    ::shutdown(c.fd(), SHUT_WR);
    CHECK(c.receive(3).empty());
    CHECK(c.closed());
  }
}
