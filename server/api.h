// Internal to server/: what every group of routes shares (the searchers,
// time budgets, error mapping, metrics, request parameters and JSON
// answers), and one installer per group. A new group of endpoints is a new
// *_routes.cpp with its installer, listed in run_server (server.cpp).
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "editor_guard.h"
#include "http_server.h"
#include "metrics.h"
#include "search.h"
#include "searcher_pool.h"
#include "server.h"

namespace tracuu {

using json = nlohmann::json;

// Request parameters (params.cpp). Each throws BadRequest (→ 400) with a
// message naming the parameter.
inline constexpr std::size_t kMaxQueryBytes = 1000;
std::string param(const httplib::Request& req, const char* name, const std::string& fallback = "");
std::size_t number_param(const httplib::Request& req, const char* name, std::size_t fallback,
                         std::size_t max);
std::string date_param(const httplib::Request& req, const char* name);  // YYYY-MM-DD or ""
// One of `allowed` (the first is the default when absent).
std::string choice_param(const httplib::Request& req, const char* name,
                         const std::vector<std::string>& allowed);
// q, offset, from, to, on, category, accents, exact, match, copies_of: the
// parameters every endpoint that matches articles reads (docs/api.md);
// search_request adds the limit and sort of /search, /export, /feed.atom.
// Copies are not grouped (group=): each endpoint decides.
SearchRequest search_filters(const httplib::Request& req);
SearchRequest search_request(const httplib::Request& req);

// Answers (params.cpp).
json hit_json(const Hit& h);
void send_json(httplib::Response& res, int status, const json& body);
void send_error(httplib::Response& res, int status, const std::string& message);
// One CSV cell, quoted, for every CSV writer (/export, /concordance): a
// value a spreadsheet would read as a formula is prefixed with "'" (OWASP
// "CSV injection"; docs/api.md).
std::string csv_field(std::string_view s);
// `s` without what XML 1.0 cannot hold (C0 controls but tab, LF and CR;
// U+FFFE, U+FFFF; bytes that are not UTF-8, lone surrogates among them),
// for the Atom feed: one such character made the whole feed invalid.
std::string xml_text(std::string_view s);

// The state the routes share. Thread-safe: every worker calls into it.
class Api {
 public:
  Api(const ServerOptions& options, HttpServer& http);

  const ServerOptions& options() const { return options_; }
  HttpServer& http() { return http_; }
  // A Searcher with the editors' current synonyms and rules.
  SearcherPool::Lease searcher() {
    SearcherPool::Lease lease = pool_.acquire();
    lease->set_editorial(editorial());
    return lease;
  }
  // The editors' files as last read (docs/editors.md); replaced whole.
  std::shared_ptr<const Editorial> editorial() const {
    std::lock_guard lock(editorial_mu_);
    return editorial_;
  }
  void set_editorial(std::shared_ptr<const Editorial> e) {
    std::lock_guard lock(editorial_mu_);
    editorial_ = std::move(e);
  }
  // Every answered /search, for the analytics (set once, before serving).
  std::function<void(const httplib::Request&, const SearchResult&)> on_search;
  // An optional part that failed without stopping search (the analytics):
  // why, for /health's "degraded"; and its lines for /metrics. Set once,
  // before serving.
  std::function<std::optional<std::string>()> degraded_reason;
  std::function<std::string()> more_metrics;
  Metrics& metrics() { return metrics_; }
  // The signed token a search answer gives for each page (editor_guard.h).
  const EventTokens& event_tokens() const { return event_tokens_; }

  // One chunk of a streamed answer (/export, /concordance): `chunk` (the
  // header line, first time) and about 64 KB of lines from `add_line`
  // (false when none is left), then back to cpp-httplib, so a slow reader
  // holds one chunk. A read error ends the response without its last chunk
  // (the client sees it cut) and drops the lease's Searcher.
  bool stream_chunk(const std::string& endpoint, std::string chunk,
                    const std::function<bool(std::string&)>& add_line, SearcherPool::Lease& lease,
                    httplib::DataSink& sink);

  // Runs a handler and maps what it throws to a JSON error (400, 503, 500);
  // counts the request in /metrics under `endpoint`.
  template <typename F>
  void timed(const std::string& endpoint, httplib::Response& res, F&& handler) {
    const auto start = std::chrono::steady_clock::now();
    try {
      handler();
    } catch (...) {
      answer_failure(endpoint, res, std::current_exception());
    }
    metrics_.observe(
        endpoint, res.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }

  // The time a query of this request may take: its share of `budget_ms`
  // when more requests are running or waiting than there are workers.
  QueryBudget budget(unsigned budget_ms) const;

  // An index read failed: logged, and /health reports it for a while.
  void index_failed(const std::string& endpoint, const Xapian::Error& e);
  void index_failed(const std::string& endpoint, const std::string& error);
  std::optional<std::string> recent_index_error();

  // Files the server reads besides the index (synonyms, rules...) register
  // how to reread them; SIGHUP calls reload(), on the event-loop thread, so
  // a reloader that may be slow hands its work to another thread. A
  // reloader that fails keeps what it had and logs why.
  void add_reloader(std::string name, std::function<void()> reload);
  void reload();

  // An answer without some shards says so: "partial" and which are missing.
  static void mark_partial(json& body, const std::vector<std::string>& missing);
  // An unknown id is 404, unless it may be on a shard that is not
  // answering: then 503, so a client retries.
  static void not_found(httplib::Response& res, const std::string& id,
                        const std::vector<std::string>& missing);

 private:
  void answer_failure(const std::string& endpoint, httplib::Response& res, std::exception_ptr e);

  const ServerOptions& options_;
  HttpServer& http_;
  SearcherPool pool_;
  Metrics metrics_;
  EventTokens event_tokens_{std::chrono::hours(1)};
  std::mutex reload_mu_;
  std::vector<std::pair<std::string, std::function<void()>>> reloaders_;
  mutable std::mutex editorial_mu_;
  std::shared_ptr<const Editorial> editorial_;
  std::mutex error_mu_;
  std::string last_index_error_;
  std::chrono::steady_clock::time_point last_index_error_at_;
};

// The groups of routes.
void install_status_routes(httplib::Server& server, Api& api);   // /, /health, /metrics
void install_search_routes(httplib::Server& server, Api& api);   // /search, /export, /suggest
void install_article_routes(httplib::Server& server, Api& api);  // /articles/ID[/related]
// /timeline, /concordance, /feed.atom
void install_workbench_routes(httplib::Server& server, Api& api);
// The editors' files, analytics, /stats, /events, /widget.js
// (editor_routes.cpp): what they own lives as long as the returned value.
std::shared_ptr<void> install_editor_routes(httplib::Server& server, Api& api);

}  // namespace tracuu
