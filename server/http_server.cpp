// HttpServer: an epoll event loop that owns the connections, and worker
// lanes that run cpp-httplib's routing on whole requests (http_server.h).
#include "http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

namespace tracuu {
namespace {

using Clock = std::chrono::steady_clock;

thread_local const RequestContext* tls_request = nullptr;

// What cpp-httplib's logger saw of the request a worker answers, for the
// access log (it is called once the response is written).
struct Answered {
  std::string method, path, q;
  int status = 0;  // stays 0 when no response was written (the client left)
};
thread_local Answered* tls_answered = nullptr;
// Whether the calling worker is on the stream lane.
thread_local bool tls_stream_lane = false;

// True when the peer has closed its end (or the socket failed).
bool peer_closed(int fd) {
  pollfd p{fd, POLLRDHUP, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

// True when the socket failed (a reset): unlike peer_closed, not when the
// client only shut down its sending side, as `curl -T` and scripts that
// send, shutdown(SHUT_WR), then read, do. Those still read the answer.
bool peer_reset(int fd) {
  pollfd p{fd, 0, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

std::string json_error_body(const std::string& message) {
  std::string out = "{\"error\": \"";
  for (char c : message) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"}";
}

const char* reason_phrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 417:
      return "Expectation Failed";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

// A response the event loop writes itself (cpp-httplib never saw the request).
std::string canned_response(int status, const std::string& message, bool close,
                            const std::string& extra_headers = "") {
  std::string body = json_error_body(message);
  return "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
         "\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nX-Content-Type-Options: nosniff\r\n" + extra_headers +
         (close ? "Connection: close\r\n" : "") + "\r\n" + body;
}

std::string address_of(const sockaddr_storage& addr, int* port) {
  char host[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    *port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    *port = ntohs(a->sin6_port);
  }
  return host;
}

}  // namespace

struct HttpServer::Impl {
  struct Conn {
    explicit Conn(const HttpLimits& limits) : reader(limits) {}
    int fd = -1;
    std::string client, local;
    int client_port = 0, local_port = 0;
    std::string in;  // received, not yet consumed
    RequestReader reader;
    std::string request;  // the request a worker answers
    bool stream = false;  // answered on the stream lane
    bool eof = false;     // the client shut down its sending side: read no more
    std::string out;      // what the loop still has to send
    std::size_t out_sent = 0;
    // kLingering: an error was sent and the write side shut down; what the
    // client still sends is read and dropped until it closes or for
    // `linger`, so that its TCP does not get a reset instead of the answer.
    enum class State { kReading, kBusy, kFlushing, kLingering } state = State::kReading;
    bool registered = false;  // in the epoll set
    bool request_started = false, body_started = false;
    Clock::time_point deadline, flush_until, idle_since;
    std::size_t served = 0;
    bool close_after = false;
    bool linger = false;         // close by lingering (an early error; the input may not be read)
    Clock::time_point received;  // the request a worker answers was read whole
  };

  // A pool of threads answering requests from one queue.
  class Lane {
   public:
    Lane(Impl& impl, std::size_t threads) : impl_(impl), size_(threads) {}
    void start() {
      for (std::size_t i = 0; i < size_; ++i) threads_.emplace_back([this] { run(); });
    }
    void push(Conn* c) {
      {
        std::lock_guard lock(mu_);
        queue_.push_back(c);
        ++queued_;
      }
      cv_.notify_one();
    }
    void stop() {
      {
        std::lock_guard lock(mu_);
        stopped_ = true;
      }
      cv_.notify_all();
      for (auto& t : threads_) t.join();
      threads_.clear();
    }
    std::size_t size() const { return size_; }
    std::size_t queued() const { return queued_; }
    std::size_t busy() const { return busy_; }

   private:
    void run() {
      for (;;) {
        Conn* c = nullptr;
        {
          std::unique_lock lock(mu_);
          cv_.wait(lock, [&] { return stopped_ || !queue_.empty(); });
          if (queue_.empty()) return;
          c = queue_.front();
          queue_.pop_front();
          --queued_;
          ++busy_;
        }
        impl_.answer(*c, *this);
        --busy_;
        impl_.give_back(c);
      }
    }
    Impl& impl_;
    std::size_t size_;
    std::vector<std::thread> threads_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Conn*> queue_;
    std::atomic<std::size_t> queued_{0}, busy_{0};
    bool stopped_ = false;
  };

  // What cpp-httplib reads the request from and writes the response to.
  class ConnStream : public httplib::Stream {
   public:
    ConnStream(Impl& impl, Conn& c) : impl_(impl), c_(c) {}
    bool is_readable() const override { return pos_ < c_.request.size(); }
    bool is_writable() const override { return !failed_ && !impl_.stopping; }
    ssize_t read(char* ptr, size_t size) override {
      size_t n = std::min(size, c_.request.size() - pos_);
      std::memcpy(ptr, c_.request.data() + pos_, n);
      pos_ += n;
      return static_cast<ssize_t>(n);
    }
    ssize_t write(const char* ptr, size_t size) override {
      if (failed_ || impl_.stopping) return -1;
      if (written_ == 0) deadline_ = Clock::now() + impl_.write_time(c_);
      written_ += size;
      if (c_.stream) {
        if (!impl_.send_all(c_, std::string_view(ptr, size), deadline_)) failed_ = true;
        return failed_ ? -1 : static_cast<ssize_t>(size);
      }
      // An ordinary answer leaves whole, head and body in one send, when
      // the worker is done (flush()): a server killed while answering then
      // cuts no answer that a proxy has begun passing on to its client
      // (nginx can retry on another server only before that).
      held_.append(ptr, size);
      if (held_.size() >= kMaxHeld) flush();
      return failed_ ? -1 : static_cast<ssize_t>(size);
    }
    void flush() {
      if (held_.empty() || failed_) return;
      if (!impl_.buffer(c_, held_, deadline_) && !impl_.send_all(c_, held_, deadline_))
        failed_ = true;
      held_.clear();
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
      ip = c_.client;
      port = c_.client_port;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
      ip = c_.local;
      port = c_.local_port;
    }
    socket_t socket() const override { return -1; }  // cpp-httplib only compares it with FD_SETSIZE
    bool failed() const { return failed_; }
    std::size_t written() const { return written_; }

   private:
    static constexpr std::size_t kMaxHeld = 1 << 20;  // a larger answer leaves in pieces
    Impl& impl_;
    Conn& c_;
    std::size_t pos_ = 0, written_ = 0;
    Clock::time_point deadline_;  // for the whole response, from its first byte
    std::string held_;
    bool failed_ = false;
  };

  Impl(HttpServer& server, ConnectionLimits limits, WorkerOptions options)
      : server(server),
        limits(limits),
        options(std::move(options)),
        requests(*this, std::max<std::size_t>(1, this->options.workers)),
        streams(*this, std::max<std::size_t>(1, this->options.stream_workers)) {}

  ~Impl() {
    for (int fd : {listen_fd, epoll_fd, wake_fd, signal_fd})
      if (fd >= 0) ::close(fd);
    for (auto& [fd, c] : conns) ::close(fd);
  }

  // --- worker side ---------------------------------------------------------

  void answer(Conn& c, Lane& lane) {
    if (peer_reset(c.fd)) {  // the client left while its request waited
      c.close_after = true;
      return;
    }
    RequestContext context;
    context.started = Clock::now();
    context.load = requests.busy() + requests.queued();
    context.workers = lane.size();
    const int fd = c.fd;
    // A client that shut down its sending side with its request is
    // waiting for the answer; one whose end closes meanwhile has left.
    const bool half_closed = c.eof;
    context.gone = [this, fd, half_closed] {
      return stopping.load() || (half_closed ? peer_reset(fd) : peer_closed(fd));
    };
    tls_request = &context;
    tls_stream_lane = &lane == &streams;
    ConnStream stream(*this, c);
    const bool close = draining.load() || c.eof || c.served + 1 >= limits.keep_alive_requests;
    bool closed_by_client = false, ok = false;
    Answered answered;
    if (server.access_log) tls_answered = &answered;
    try {
      ok = server.process_request(stream, close, closed_by_client, nullptr);
    } catch (...) {
      ok = false;  // the handlers catch their errors; this is a last line of defence
    }
    stream.flush();
    tls_request = nullptr;
    tls_answered = nullptr;
    if (server.access_log && answered.status != 0)
      log_access(answered.method, answered.path, answered.q, answered.status, stream.written(),
                 c.received);
    ++c.served;
    if (!ok || close || closed_by_client || stream.failed()) c.close_after = true;
  }

  void log_access(std::string_view method, std::string_view path, std::string_view q, int status,
                  std::size_t bytes, Clock::time_point received) const {
    AccessEntry e;
    e.time = std::chrono::system_clock::now();
    e.method = method;
    e.path = path;
    e.q = q;
    e.status = status;
    e.bytes = bytes;
    e.took_ms = std::chrono::duration<double, std::milli>(Clock::now() - received).count();
    server.access_log->write(access_log_line(e));
  }

  // A response the event loop made itself (no worker saw the request).
  void log_canned(const Conn* c, int status, std::size_t bytes) const {
    if (!server.access_log) return;
    // The path as routed (decoded), as cpp-httplib logs the requests it answers.
    const bool known = c && !c->reader.route_path().empty();
    log_access("-", known ? std::string_view(c->reader.route_path()) : "-", "", status, bytes,
               Clock::now());
  }

  void give_back(Conn* c) {
    {
      std::lock_guard lock(returned_mu);
      returned.push_back(c);
    }
    std::uint64_t one = 1;
    if (::write(wake_fd, &one, sizeof one) < 0) {
    }  // the counter cannot overflow here; nothing to do
  }

  // Keeps what the client has not taken yet for the event loop to send;
  // false when the output budget is spent (then the worker writes itself).
  bool buffer(Conn& c, std::string_view data, Clock::time_point deadline) {
    if (c.out.size() == c.out_sent) {
      c.out.clear();
      c.out_sent = 0;
      ssize_t n = ::send(c.fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) n = 0;  // send_all reports it
      if (n > 0) data.remove_prefix(static_cast<std::size_t>(n));
      if (data.empty()) return true;
    }
    if (buffered.load() + data.size() > limits.max_buffered_output) {
      // Keep the order: what is already queued goes out first.
      if (!send_all(c, std::string_view(c.out).substr(c.out_sent), deadline)) return false;
      buffered -= c.out.size();
      c.out.clear();
      c.out_sent = 0;
      return false;
    }
    c.out.append(data);
    buffered += data.size();
    return true;
  }

  // How long a worker may spend writing one response, in all.
  std::chrono::milliseconds write_time(const Conn& c) const {
    return c.stream ? limits.stream_write_timeout : limits.write_timeout;
  }

  // Writes on the worker's thread; fails when a write makes no progress
  // for send_timeout, the response's deadline passes (a client taking a
  // few bytes every 9 s must not hold a worker for good), the client is
  // gone, or the server is stopping.
  bool send_all(Conn& c, std::string_view data, Clock::time_point deadline) {
    while (!data.empty()) {
      if (stopping) return false;
      ssize_t n = ::send(c.fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{c.fd, POLLOUT, 0};
      int ready = ::poll(&p, 1, static_cast<int>(std::min(left, limits.send_timeout).count()));
      if (ready <= 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL))) return false;
    }
    return true;
  }

  // --- event loop side -----------------------------------------------------

  void watch(Conn& c, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = c.fd;
    if (events == 0) {
      if (c.registered) epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
      c.registered = false;
      return;
    }
    epoll_ctl(epoll_fd, c.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c.fd, &ev);
    c.registered = true;
  }

  void close_conn(Conn* c) {
    watch(*c, 0);
    if (c->out.size() > c->out_sent) buffered -= c->out.size();
    auto it = per_client.find(c->client);
    if (it != per_client.end() && --it->second == 0) per_client.erase(it);
    ::close(c->fd);
    conns.erase(c->fd);  // frees c
    open_connections = conns.size();
  }

  bool is_idle(const Conn& c) const {
    return c.state == Conn::State::kReading && !c.request_started && c.in.empty();
  }

  // Closes the connection idle the longest (of `client`, if given) to make
  // room for a new one; false when none is idle.
  bool evict_idle(const std::string* client) {
    Conn* oldest = nullptr;
    for (auto& [fd, c] : conns) {
      if (!is_idle(*c) || (client && c->client != *client)) continue;
      if (!oldest || c->idle_since < oldest->idle_since) oldest = c.get();
    }
    if (!oldest) return false;
    close_conn(oldest);
    return true;
  }

  void refuse(int fd, const std::string& why) {
    std::string r = canned_response(503, why, true, "Retry-After: 1\r\n");
    log_canned(nullptr, 503, r.size());
    ssize_t n = ::send(fd, r.data(), r.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)n;  // best effort: the client may not be reading
    ::close(fd);
  }

  void accept_all() {
    for (;;) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        // Out of descriptors: make room from idle connections, else wait for some to close.
        if ((errno == EMFILE || errno == ENFILE) && evict_idle(nullptr)) continue;
        return;
      }
      int yes = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes,
                 sizeof yes);  // else Nagle + delayed ACK add 40 ms
      int port = 0;
      std::string client = address_of(addr, &port);
      if (conns.size() >= limits.max_connections && !evict_idle(nullptr)) {
        refuse(fd, "too many connections");
        continue;
      }
      if (per_client[client] >= limits.max_connections_per_client && !evict_idle(&client)) {
        refuse(fd, "too many connections from " + client);
        continue;
      }
      auto c = std::make_unique<Conn>(limits.request);
      c->fd = fd;
      c->client = client;
      c->client_port = port;
      sockaddr_storage local{};
      socklen_t local_len = sizeof local;
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len);
      c->local = address_of(local, &c->local_port);
      const auto now = Clock::now();
      c->idle_since = now;
      c->deadline = now + limits.head_timeout;
      ++per_client[client];
      Conn* raw = c.get();
      conns[fd] = std::move(c);
      open_connections = conns.size();
      watch(*raw, EPOLLIN | EPOLLRDHUP);
    }
  }

  static constexpr std::size_t kReadSize = 16384;

  // Enough to hold one whole request, counted on the wire: the reader has
  // answered before a connection holds this much, so the loop never stops
  // reading a socket that still has bytes for it (level-triggered EPOLLIN
  // would then wake it again at once, for good). A pipelined next request
  // waits in the socket.
  std::size_t input_cap() const { return limits.request.max_wire() + kReadSize; }

  void on_readable(Conn* c) {
    char buf[kReadSize];
    const std::size_t cap = input_cap();
    for (;;) {
      if (c->in.size() >= cap) break;
      ssize_t n = ::recv(c->fd, buf, sizeof buf, 0);
      if (n > 0) {
        c->in.append(buf, static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < sizeof buf) break;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        close_conn(c);  // the socket failed
        return;
      }
      on_end_of_input(c);
      return;
    }
    read_request(c);
    if (c->state == Conn::State::kReading && c->in.size() >= cap) {
      // Unreachable while the reader keeps to max_wire(); never spin if not.
      respond(c, canned_response(400, "the request is larger than the server reads", true), true,
              400);
    }
  }

  // The client shut down its sending side (or closed): what it sent before
  // is answered, then the connection is closed.
  void on_end_of_input(Conn* c) {
    c->eof = true;
    watch(*c, 0);  // EOF stays readable: watching it would wake the loop for nothing
    read_request(c);
    if (c->state == Conn::State::kReading) close_conn(c);  // no whole request came
  }

  // Looks for a whole request in what the connection received.
  void read_request(Conn* c) {
    if (c->in.empty()) return;
    RequestReader::State s = c->reader.read(c->in);
    // The whole head must come within head_timeout of its first byte, the
    // whole body within body_timeout of the head: a client sending a byte
    // a second is not waited for beyond that.
    if (!c->request_started && c->reader.started()) {
      c->request_started = true;
      c->deadline = Clock::now() + limits.head_timeout;
    }
    if (!c->body_started && c->reader.head_read()) {
      c->body_started = true;
      c->deadline = Clock::now() + limits.body_timeout;
    }
    if (s == RequestReader::State::kNeedMore) {
      if (c->reader.take_continue()) {
        const std::string go = "HTTP/1.1 100 Continue\r\n\r\n";
        ssize_t n = ::send(c->fd, go.data(), go.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)n;  // a client that cannot take 25 bytes will time out
      }
      return;
    }
    if (s == RequestReader::State::kFailed) {
      respond(c, canned_response(c->reader.error_status(), c->reader.error(), true), true,
              c->reader.error_status());
      return;
    }
    c->received = Clock::now();
    c->request = c->reader.request();
    // Decided on the path cpp-httplib will route on: /%65xport is /export.
    c->stream = options.stream_paths.count(c->reader.route_path()) > 0;
    c->in.erase(0, c->reader.consumed());
    c->reader.reset();
    c->request_started = c->body_started = false;
    dispatch(c);
  }

  void dispatch(Conn* c) {
    if (c->stream) {
      std::size_t& mine = streams_of[c->client];
      if (streams.busy() + streams.queued() >= streams.size() ||
          mine >= options.streams_per_client) {
        c->stream = false;
        respond(c,
                canned_response(503, "too many exports at once; try again shortly", false,
                                "Retry-After: 5\r\n"),
                false, 503);
        return;
      }
      ++mine;
    }
    watch(*c, 0);
    c->state = Conn::State::kBusy;
    (c->stream ? streams : requests).push(c);
  }

  // Sends a response the loop made itself, then goes on with the connection.
  void respond(Conn* c, const std::string& response, bool close, int status) {
    log_canned(c, status, response.size());
    if (c->out.size() == c->out_sent) {
      c->out.clear();
      c->out_sent = 0;
    }
    c->out += response;
    buffered += response.size();
    c->close_after = c->close_after || close;
    c->linger = c->linger || close;  // what the client still sends is not read
    start_flush(c);
  }

  void start_flush(Conn* c) {
    const auto now = Clock::now();
    c->state = Conn::State::kFlushing;
    c->deadline = now + limits.send_timeout;
    c->flush_until = now + limits.flush_timeout;
    // Not EPOLLRDHUP: a client that shut down its sending side still reads.
    watch(*c, EPOLLOUT);
    on_writable(c);
  }

  void on_returned(Conn* c) {
    if (c->stream) {
      auto it = streams_of.find(c->client);
      if (it != streams_of.end() && --it->second == 0) streams_of.erase(it);
      c->stream = false;
    }
    c->request.clear();
    c->request.shrink_to_fit();
    if (c->out.size() > c->out_sent) {
      start_flush(c);
    } else {
      finish_response(c);
    }
  }

  void on_writable(Conn* c) {
    while (c->out_sent < c->out.size()) {
      ssize_t n = ::send(c->fd, c->out.data() + c->out_sent, c->out.size() - c->out_sent,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        c->out_sent += static_cast<std::size_t>(n);
        c->deadline = Clock::now() + limits.send_timeout;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
      close_conn(c);
      return;
    }
    buffered -= c->out.size();
    c->out.clear();
    c->out_sent = 0;
    finish_response(c);
  }

  // The response is out: close, or wait for the next request.
  void finish_response(Conn* c) {
    if (c->linger && !c->eof) {
      start_linger(c);
      return;
    }
    if (c->close_after || draining) {
      close_conn(c);
      return;
    }
    const auto now = Clock::now();
    c->state = Conn::State::kReading;
    c->idle_since = now;
    c->deadline = now + limits.keep_alive_timeout;
    if (!c->eof) watch(*c, EPOLLIN | EPOLLRDHUP);
    read_request(c);  // a pipelined request may be waiting already
    if (c->eof && c->state == Conn::State::kReading) close_conn(c);  // nothing more will come
  }

  // Closing a socket with unread input makes the kernel send a reset, and
  // a client still sending its upload may then lose the answer it was
  // sent (nginx's lingering_close): shut down the write side, read and
  // drop what comes, close on its EOF or after `linger`.
  void start_linger(Conn* c) {
    ::shutdown(c->fd, SHUT_WR);
    c->in.clear();
    c->in.shrink_to_fit();
    c->state = Conn::State::kLingering;
    c->deadline = Clock::now() + limits.linger;
    watch(*c, EPOLLIN | EPOLLRDHUP);
  }

  void on_lingering(Conn* c) {
    char buf[kReadSize];
    // A few reads per wake-up: a fast uploader must not keep the loop from
    // the other connections (EPOLLIN, level-triggered, brings it back).
    for (int reads = 0; reads < 16; ++reads) {
      ssize_t n = ::recv(c->fd, buf, sizeof buf, 0);
      if (n > 0) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0 && errno == EINTR) continue;
      close_conn(c);  // EOF: the client has read the answer and closed
      return;
    }
  }

  void check_deadlines() {
    const auto now = Clock::now();
    std::vector<Conn*> expired;
    for (auto& [fd, c] : conns) {
      if (c->state == Conn::State::kBusy) continue;
      bool late =
          now >= c->deadline || (c->state == Conn::State::kFlushing && now >= c->flush_until);
      if (late) expired.push_back(c.get());
    }
    for (Conn* c : expired) {
      if (c->state == Conn::State::kReading && c->request_started) {
        // The request did not arrive in time: say so, then close.
        c->request_started = c->body_started = false;
        respond(c, canned_response(408, "the request did not arrive in time", true), true, 408);
      } else {
        close_conn(c);
      }
    }
  }

  void begin_drain() {
    if (draining) return;
    draining = true;
    drain_until = Clock::now() + limits.drain;
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
    ::close(listen_fd);
    listen_fd = -1;
    std::vector<Conn*> idle;
    for (auto& [fd, c] : conns)
      if (is_idle(*c)) idle.push_back(c.get());
    for (Conn* c : idle) close_conn(c);
  }

  void on_signal() {
    signalfd_siginfo info{};
    while (::read(signal_fd, &info, sizeof info) == sizeof info) {
      if (info.ssi_signo == SIGHUP) {
        if (server_reload) server_reload();
      } else {
        begin_drain();
      }
    }
  }

  void take_returned() {
    std::uint64_t count;
    if (::read(wake_fd, &count, sizeof count) < 0) {
    }  // EAGAIN: another read took it
    std::vector<Conn*> back;
    {
      std::lock_guard lock(returned_mu);
      back.swap(returned);
    }
    for (Conn* c : back) on_returned(c);
  }

  void loop() {
    epoll_event events[256];
    auto last_check = Clock::now();
    for (;;) {
      int n = epoll_wait(epoll_fd, events, 256, 100);
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        const std::uint32_t ev = events[i].events;
        if (fd == listen_fd) {
          accept_all();
        } else if (fd == signal_fd) {
          on_signal();
        } else if (fd == wake_fd) {
          take_returned();
        } else if (auto it = conns.find(fd); it != conns.end()) {
          Conn* c = it->second.get();
          if (c->state == Conn::State::kFlushing) {
            if (ev & (EPOLLERR | EPOLLHUP)) {
              close_conn(c);
            } else {
              on_writable(c);
            }
          } else if (c->state == Conn::State::kReading) {
            on_readable(c);
          } else if (c->state == Conn::State::kLingering) {
            on_lingering(c);
          }
        }
      }
      const auto now = Clock::now();
      if (now - last_check >= std::chrono::milliseconds(100)) {
        check_deadlines();
        last_check = now;
      }
      if (draining) {
        if (conns.empty()) return;
        if (now >= drain_until) {
          stop_busy_connections();
          return;
        }
      }
    }
  }

  // After the drain time: requests still running fail their writes at once.
  void stop_busy_connections() {
    stopping = true;
    for (auto& [fd, c] : conns) ::shutdown(fd, SHUT_RDWR);
  }

  HttpServer& server;
  ConnectionLimits limits;
  WorkerOptions options;
  std::function<void()> server_reload;
  int listen_fd = -1, epoll_fd = -1, wake_fd = -1, signal_fd = -1;
  std::unordered_map<int, std::unique_ptr<Conn>> conns;  // the loop's own
  std::unordered_map<std::string, std::size_t> per_client, streams_of;
  Lane requests, streams;
  std::mutex returned_mu;
  std::vector<Conn*> returned;
  std::atomic<std::size_t> buffered{0}, open_connections{0};
  std::atomic<bool> draining{false}, stopping{false};
  Clock::time_point drain_until;
};

HttpServer::HttpServer(ConnectionLimits limits, WorkerOptions workers)
    : impl_(std::make_unique<Impl>(*this, limits, std::move(workers))) {
  set_keep_alive_timeout(
      std::chrono::duration_cast<std::chrono::seconds>(limits.keep_alive_timeout).count());
  set_keep_alive_max_count(limits.keep_alive_requests);
  // The lane check where the handler runs (WorkerOptions): the loop chose
  // the lane on the same decoded path, so this refuses only what a
  // divergence between the two would let through.
  set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (tls_stream_lane || !impl_->options.stream_paths.count(req.path))
      return HandlerResponse::Unhandled;
    res.status = 500;
    res.set_content(json_error_body("a streamed route reached the ordinary lane"),
                    "application/json; charset=utf-8");
    return HandlerResponse::Handled;
  });
  // Called by cpp-httplib once it has written a response.
  set_logger([](const httplib::Request& req, const httplib::Response& res) {
    if (!tls_answered) return;
    tls_answered->method = req.method;
    tls_answered->path = req.path;
    if (req.has_param("q")) tls_answered->q = req.get_param_value("q");
    tls_answered->status = res.status;
  });
}

HttpServer::~HttpServer() = default;

const RequestContext* HttpServer::current_request() {
  return tls_request;
}

HttpServer::Stats HttpServer::stats() const {
  Stats s;
  s.connections = impl_->open_connections;
  s.queued = impl_->requests.queued() + impl_->streams.queued();
  s.busy = impl_->requests.busy();
  s.streams = impl_->streams.busy();
  return s;
}

void HttpServer::bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0 || !found)
    throw std::runtime_error("cannot resolve " + host);
  std::string error;
  for (addrinfo* a = found; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
      impl_->listen_fd = fd;
      break;
    }
    error = std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(found);
  if (impl_->listen_fd < 0)
    throw std::runtime_error("cannot listen on " + host + ":" + service + ": " + error);
}

void HttpServer::serve() {
  Impl& d = *impl_;
  if (d.listen_fd < 0) throw std::runtime_error("serve() before bind()");
  // Signals are read from a descriptor by the loop: blocked in this thread
  // before the workers start, so every thread inherits the mask.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  d.signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  d.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  d.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (d.signal_fd < 0 || d.wake_fd < 0 || d.epoll_fd < 0)
    throw std::runtime_error(std::string("cannot set up the event loop: ") + std::strerror(errno));
  // Room for every connection allowed, plus the index files.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, d.limits.max_connections + 1024);
    setrlimit(RLIMIT_NOFILE, &files);
  }
  for (int fd : {d.listen_fd, d.signal_fd, d.wake_fd}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(d.epoll_fd, EPOLL_CTL_ADD, fd, &ev);
  }
  d.server_reload = on_reload;
  // cpp-httplib ends streamed responses early when its own socket is closed
  // ("shutting down"): it has none here, so tell it one is open.
  svr_sock_ = d.listen_fd;
  d.requests.start();
  d.streams.start();
  d.loop();
  svr_sock_ = INVALID_SOCKET;
  d.stopping = true;
  d.requests.stop();
  d.streams.stop();
}

}  // namespace tracuu
