// run_server: the shared state of the routes (Api), the groups of routes,
// and the HTTP server they run in.
#include "server.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include "access_log.h"
#include "api.h"
#include "http_server.h"

namespace tracuu {
namespace {

// An index read failed within this long: /health says so.
constexpr std::chrono::seconds kIndexErrorMemory{60};
// However loaded the server, a search gets at least this long.
constexpr std::chrono::milliseconds kMinQueryBudget{50};

// What every response carries, and the answers to requests no route took.
void install_common(httplib::Server& server, const ServerOptions& options) {
  server.Options(R"(.*)", [](const auto&, auto& res) { res.status = 204; });
  server.set_post_routing_handler([&options](const auto&, auto& res) {
    if (!options.cors_origin.empty()) {
      res.set_header("Access-Control-Allow-Origin", options.cors_origin);
      res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      res.set_header("Vary", "Origin");
    }
    res.set_header("X-Content-Type-Options", "nosniff");
  });
  server.set_error_handler([](const auto&, auto& res) {
    if (res.body.empty())
      send_error(res, res.status, res.status == 404 ? "not found" : "request failed");
  });
  server.set_exception_handler(
      [](const auto&, auto& res, std::exception_ptr) { send_error(res, 500, "internal error"); });
}

// The log files of --access-log and --log-file, open before anything is
// logged; SIGHUP reopens them (Api::reload).
struct LogFiles {
  std::unique_ptr<LogFile> access, diagnostics;
  explicit LogFiles(const ServerOptions& options) {
    if (options.access_log != "off") access = std::make_unique<LogFile>(options.access_log);
    if (!options.log_file.empty()) {
      diagnostics = std::make_unique<LogFile>(options.log_file);
      diagnostics->become_stderr();
    }
  }
  void reopen() {
    for (LogFile* f : {access.get(), diagnostics.get()})
      if (f) f->reopen();
  }
};

}  // namespace

Api::Api(const ServerOptions& options, HttpServer& http)
    : options_(options),
      http_(http),
      pool_(expand_shard_specs(options.databases), options.shard_options,
            options.threads + options.max_exports) {
  // Start-up reads the index once: a damaged one is reported now, not by
  // the first reader's request.
  auto searcher = pool_.acquire();
  try {
    searcher->probe();
  } catch (const Xapian::Error& e) {
    throw std::runtime_error("the index cannot be read (" + e.get_description() +
                             "); check it with xapian-check, or rebuild it");
  }
}

void Api::answer_failure(const std::string& endpoint, httplib::Response& res,
                         std::exception_ptr failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const BadRequest& e) {
    send_error(res, 400, e.what());
  } catch (const Xapian::Error& e) {
    index_failed(endpoint, e);
    send_error(res, 503, "the index is not available right now");
  } catch (const IndexUnavailable& e) {
    std::cerr << "tracuu-server: " << endpoint << ": " << e.what() << "\n";
    send_error(res, 503, "the index is not available right now");
  } catch (const ExportInterrupted& e) {
    send_error(res, 503, e.what());
    res.set_header("Retry-After", "5");
  } catch (const std::exception& e) {
    std::cerr << "tracuu-server: " << endpoint << ": " << e.what() << "\n";
    send_error(res, 500, "internal error");
  } catch (...) {
    std::cerr << "tracuu-server: " << endpoint << ": unknown exception\n";
    send_error(res, 500, "internal error");
  }
}

bool Api::stream_chunk(const std::string& endpoint, std::string chunk,
                       const std::function<bool(std::string&)>& add_line,
                       SearcherPool::Lease& lease, httplib::DataSink& sink) {
  try {
    while (chunk.size() < 64 * 1024 && add_line(chunk)) {
    }
  } catch (const Xapian::Error& e) {
    index_failed(endpoint, e);
    lease.discard();
    return false;
  } catch (const std::exception& e) {
    std::cerr << "tracuu-server: " << endpoint << ": " << e.what() << "\n";
    lease.discard();
    return false;
  }
  if (chunk.empty()) {
    sink.done();
    return true;
  }
  return sink.write(chunk.data(), chunk.size());
}

void Api::add_reloader(std::string name, std::function<void()> reload) {
  std::lock_guard lock(reload_mu_);
  reloaders_.emplace_back(std::move(name), std::move(reload));
}

void Api::reload() {
  std::lock_guard lock(reload_mu_);
  for (const auto& [name, reload] : reloaders_) {
    try {
      reload();
    } catch (const std::exception& e) {
      std::cerr << "tracuu-server: reloading " << name << ": " << e.what()
                << " (kept the previous one)\n";
    }
  }
}

void Api::index_failed(const std::string& endpoint, const Xapian::Error& e) {
  index_failed(endpoint, e.get_description());
}

void Api::index_failed(const std::string& endpoint, const std::string& error) {
  std::cerr << "tracuu-server: " << endpoint << ": " << error << "\n";
  std::lock_guard lock(error_mu_);
  last_index_error_ = error;
  last_index_error_at_ = std::chrono::steady_clock::now();
}

std::optional<std::string> Api::recent_index_error() {
  std::lock_guard lock(error_mu_);
  if (last_index_error_.empty() ||
      std::chrono::steady_clock::now() - last_index_error_at_ > kIndexErrorMemory)
    return std::nullopt;
  return last_index_error_;
}

// Under load the slowest queries answer partly instead of everyone waiting
// behind them (docs/operations.md).
QueryBudget Api::budget(unsigned budget_ms) const {
  QueryBudget b;
  const auto base = std::chrono::milliseconds(budget_ms);
  const RequestContext* context = HttpServer::current_request();
  if (!context) {
    b.deadline = std::chrono::steady_clock::now() + base;
    return b;
  }
  const auto share =
      std::chrono::milliseconds(base.count() * static_cast<long>(context->workers) /
                                static_cast<long>(std::max(context->workers, context->load)));
  b.deadline = context->started + std::max(share, std::min(base, kMinQueryBudget));
  b.client_gone = context->gone;
  return b;
}

void Api::mark_partial(json& body, const std::vector<std::string>& missing) {
  if (missing.empty()) return;
  body["partial"] = true;
  body["missing_shards"] = missing;
}

void Api::not_found(httplib::Response& res, const std::string& id,
                    const std::vector<std::string>& missing) {
  if (missing.empty())
    return send_error(res, 404, "no article with id \"" + id.substr(0, kMaxIdBytes) + "\"");
  json body = {{"error", "article \"" + id.substr(0, kMaxIdBytes) +
                             "\" not found on the shards that answered; try again later"}};
  mark_partial(body, missing);
  send_json(res, 503, body);
}

std::size_t default_threads() {
  return std::max<std::size_t>(2, std::thread::hardware_concurrency());
}

void run_server(const ServerOptions& options) {
  ConnectionLimits limits;
  limits.max_connections = options.max_connections;
  limits.max_connections_per_client = options.max_connections_per_client;
  limits.drain = std::chrono::milliseconds(options.drain_ms);
  limits.head_timeout = std::chrono::milliseconds(options.header_timeout_ms);
  limits.body_timeout = std::chrono::milliseconds(options.body_timeout_ms);
  WorkerOptions workers;
  workers.workers = options.threads;
  workers.stream_workers = options.max_exports;
  workers.stream_paths = {"/export", "/concordance"};
  LogFiles logs(options);
  HttpServer http(limits, workers);
  http.access_log = logs.access.get();
  Api api(options, http);
  api.add_reloader("log files", [&logs] { logs.reopen(); });
  http.on_reload = [&api] { api.reload(); };
  install_common(http, options);
  install_status_routes(http, api);
  install_search_routes(http, api);
  install_article_routes(http, api);
  install_workbench_routes(http, api);
  const auto editors = install_editor_routes(http, api);
  http.bind(options.host, options.port);
  std::string dbs;
  for (const std::string& d : options.databases) dbs += (dbs.empty() ? "" : " + ") + d;
  std::cerr << "tracuu-server: serving " << dbs << " on http://" << options.host << ":"
            << options.port << " with " << options.threads << " threads\n";
  http.serve();
  std::cerr << "tracuu-server: stopped\n";
}

}  // namespace tracuu
