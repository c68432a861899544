// Internal to server/: the connection layer under cpp-httplib's routing.
//
// cpp-httplib serves each connection on one worker thread for the
// connection's whole life, reading with a timeout that restarts on every
// byte: four clients sending a byte a second, or four idle keep-alive
// connections, held all four workers and nobody else was answered (issue
// 14, docs/operations.md). Here one event-loop thread (epoll) owns every
// connection: it reads requests as bytes arrive (RequestReader, with size
// limits and deadlines for the whole head and the whole body), and only a complete
// request goes to a worker, which runs cpp-httplib's routing and handlers
// on it (Server::process_request). A response the client does not take at
// once is finished by the event loop, so a slow reader holds a buffer, not
// a worker. Streamed responses (exports, concordance files) run on a lane
// of their own, a few at a time, so they never take the workers that
// answer searches (WorkerOptions: the lane is chosen on the decoded path).
//
// Bytes on the wire count against the limits (HttpLimits::max_wire), so
// the loop never stops reading a connection it still watches. After an
// early error (400, 408, 413, 414, 431) the connection lingers: its write
// side is shut down and what the client still sends is dropped for up to
// `linger`, so that it reads the answer instead of a reset. A client that
// shuts down its sending side after its requests gets their answers.
//
// Signals: SIGTERM and SIGINT drain (stop accepting, finish what is in
// flight within `drain`, then return from serve()); SIGHUP calls on_reload.
//
// Access log: every response, once handed over (so its status and size are
// the ones sent), is one JSON line in `access_log` when there is one,
// written by the thread that answered (access_log.h).
//
// Thread-safety: configure (routes, limits) before serve(); serve() runs on
// one thread. Handlers run on worker threads; current_request() is the
// calling worker's request.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "access_log.h"
#include "request_reader.h"

namespace tracuu {

struct ConnectionLimits {
  HttpLimits request;
  std::size_t max_connections = 1024;                  // all clients
  std::size_t max_connections_per_client = 256;        // one IP address
  std::chrono::milliseconds head_timeout{5000};        // a request's head, from its first byte
  std::chrono::milliseconds body_timeout{10000};       // its body, once the head is in
  std::chrono::milliseconds keep_alive_timeout{5000};  // idle between requests
  std::chrono::milliseconds send_timeout{10000};       // a write that makes no progress
  std::chrono::milliseconds write_timeout{10000};  // a worker writing one ordinary response, in all
  std::chrono::milliseconds stream_write_timeout{30 * 60000};  // one streamed response, in all
  std::chrono::milliseconds flush_timeout{60000};  // a response the loop finishes sending
  std::chrono::milliseconds linger{5000};          // reading what follows an early error
  std::size_t keep_alive_requests = 1000;          // then the connection is closed
  std::size_t max_buffered_output = 64 << 20;      // all responses waiting on slow readers
  std::chrono::milliseconds drain{10000};          // after SIGTERM
};

// The lanes, and which routes run on which: the one table of it. A route
// is ordinary unless its path is in stream_paths. The lane is decided on
// the path as cpp-httplib routes it (percent-decoded: /%65xport is
// /export), never on the raw request line, and checked again where the
// handler runs: a streamed route reached on the ordinary lane is refused
// (500) rather than let it hold a worker that answers searches; HttpServer
// owns cpp-httplib's pre-routing handler for that check.
struct WorkerOptions {
  std::size_t workers = 8;             // answer ordinary requests
  std::size_t stream_workers = 4;      // answer streamed requests, at most this many at once
  std::size_t streams_per_client = 2;  // one IP address's streams at once
  std::set<std::string> stream_paths;  // routes answered by streaming ("/export")
};

// The request a worker is answering (thread-local).
struct RequestContext {
  std::chrono::steady_clock::time_point started;
  // Requests running or waiting for a worker when this one started,
  // itself included: a measure of load.
  std::size_t load = 1;
  std::size_t workers = 1;
  // True once the client has closed its end (it will not read the answer),
  // or the server is being stopped. Costs a poll(): call it every few ms at most.
  std::function<bool()> gone;
};

class HttpServer : public httplib::Server {
 public:
  HttpServer(ConnectionLimits limits, WorkerOptions workers);
  ~HttpServer() override;

  // Throws std::runtime_error when the address cannot be bound.
  void bind(const std::string& host, int port);
  // Serves until SIGTERM or SIGINT, then drains and returns.
  void serve();
  std::function<void()> on_reload;      // SIGHUP; runs on the event-loop thread
  const LogFile* access_log = nullptr;  // one line per response; none when null

  struct Stats {
    std::size_t connections = 0, queued = 0, busy = 0, streams = 0;
  };
  Stats stats() const;

  // The request the calling worker thread is answering; null elsewhere.
  static const RequestContext* current_request();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  friend struct Impl;
};

}  // namespace tracuu
