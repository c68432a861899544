// run_server: routes, parameter validation, JSON, limits, metrics.
#include "server.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "http_server.h"
#include "metrics.h"
#include "search.h"
#include "searcher_pool.h"

namespace tracuu::embedded {
std::string_view page_file(std::string_view name);  // generated from server/page/
}

namespace tracuu {
namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxQueryBytes = 1000;
constexpr std::size_t kMaxLimit = 100;
constexpr std::size_t kMaxOffset = 100000;  // deeper pages: use /export

std::string param(const httplib::Request& req, const char* name, const std::string& fallback = "") {
  return req.has_param(name) ? req.get_param_value(name) : fallback;
}

std::size_t number_param(const httplib::Request& req, const char* name, std::size_t fallback,
                         std::size_t max) {
  if (!req.has_param(name)) return fallback;
  std::string v = req.get_param_value(name);
  if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos) {
    throw BadRequest(std::string(name) + " must be a number, got \"" + v.substr(0, 20) + "\"");
  }
  std::size_t n = std::stoul(v);
  if (n > max) throw BadRequest(std::string(name) + " must be at most " + std::to_string(max));
  return n;
}

std::string date_param(const httplib::Request& req, const char* name) {
  std::string v = param(req, name);
  if (v.empty()) return v;
  auto d = parse_date(v);
  if (v.size() != 10 || !d)
    throw BadRequest(std::string(name) + " must be a date YYYY-MM-DD, got \"" + v.substr(0, 20) +
                     "\"");
  return d->iso();
}

SearchRequest search_request(const httplib::Request& req) {
  SearchRequest r;
  r.q = param(req, "q");
  if (r.q.size() > kMaxQueryBytes)
    throw BadRequest("q is too long (at most " + std::to_string(kMaxQueryBytes) + " bytes)");
  if (!is_valid_utf8(r.q)) throw BadRequest("q is not valid UTF-8");
  r.limit = number_param(req, "limit", 10, kMaxLimit);
  r.offset = number_param(req, "offset", 0, kMaxOffset);
  std::string sort = param(req, "sort", "relevance");
  if (sort != "relevance" && sort != "date") throw BadRequest("sort must be relevance or date");
  r.sort = sort == "date" ? SearchRequest::Sort::kDate : SearchRequest::Sort::kRelevance;
  r.from = date_param(req, "from");
  r.to = date_param(req, "to");
  if (!r.from.empty() && !r.to.empty() && r.from > r.to) throw BadRequest("from is after to");
  r.category = param(req, "category");
  if (r.category.size() > 100 || !is_valid_utf8(r.category)) throw BadRequest("bad category");
  std::string accents = param(req, "accents", "loose");
  if (accents != "loose" && accents != "strict")
    throw BadRequest("accents must be loose or strict");
  r.strict_accents = accents == "strict";
  std::string exact = param(req, "exact", "0");
  if (exact != "0" && exact != "1") throw BadRequest("exact must be 0 or 1");
  r.exact_total = exact == "1";
  std::string match = param(req, "match", "any");
  if (match != "any" && match != "all") throw BadRequest("match must be any or all");
  r.all_words = match == "all";
  return r;
}

json hit_json(const Hit& h) {
  return {{"id", h.id},
          {"title", h.title},
          {"url", h.url},
          {"published", h.published},
          {"category", h.category},
          {"author", h.author},
          {"snippet", h.snippet},
          {"score", h.score}};
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                  "application/json; charset=utf-8");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, {{"error", message}});
}

std::string csv_field(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    out += c == '"' ? "\"\"" : std::string(1, c);
  }
  return out + "\"";
}

// An index read failed within this long: /health says so.
constexpr std::chrono::seconds kIndexErrorMemory{60};
// However loaded the server, a search gets at least this long.
constexpr std::chrono::milliseconds kMinQueryBudget{50};

class Api {
 public:
  Api(const ServerOptions& options, HttpServer& http)
      : options_(options),
        http_(http),
        pool_(expand_shard_specs(options.databases), options.shard_options,
              options.threads + options.max_exports) {
    // Start-up reads the index once: a damaged one is reported now, not
    // by the first reader's request.
    auto searcher = pool_.acquire();
    try {
      searcher->probe();
    } catch (const Xapian::Error& e) {
      throw std::runtime_error("the index cannot be read (" + e.get_description() +
                               "); check it with xapian-check, or rebuild it");
    }
  }

  void install(httplib::Server& server) {
    server.Get("/", [&](const auto& req, auto& res) { page(req, res); });
    server.Get("/health", [&](const auto& req, auto& res) {
      timed("health", req, res, [&] { health(res); });
    });
    server.Get("/metrics", [&](const auto&, auto& res) { metrics(res); });
    server.Get("/search", [&](const auto& req, auto& res) {
      timed("search", req, res, [&] { search(req, res); });
    });
    server.Get("/export", [&](const auto& req, auto& res) {
      timed("export", req, res, [&] { exporter(req, res); });
    });
    server.Get("/suggest", [&](const auto& req, auto& res) {
      timed("suggest", req, res, [&] { suggest(req, res); });
    });
    server.Get(R"(/articles/.+)", [&](const auto& req, auto& res) { articles(req, res); });
    server.Options(R"(.*)", [&](const auto&, auto& res) { res.status = 204; });
    server.set_post_routing_handler([&](const auto&, auto& res) {
      if (!options_.cors_origin.empty()) {
        res.set_header("Access-Control-Allow-Origin", options_.cors_origin);
        res.set_header("Access-Control-Allow-Methods", "GET, OPTIONS");
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

 private:
  template <typename F>
  void timed(const std::string& endpoint, const httplib::Request&, httplib::Response& res,
             F&& handler) {
    const auto start = std::chrono::steady_clock::now();
    try {
      handler();
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
    }
    metrics_.observe(
        endpoint, res.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }

  void page(const httplib::Request&, httplib::Response& res) {
    std::string_view html = embedded::page_file("index.html");
    res.set_content(std::string(html), "text/html; charset=utf-8");
    res.set_header(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline' 'self'");
  }

  // "ok"; "degraded" while some shards do not answer (still serving);
  // "error" (503) when the index cannot be read, or could not be read by a
  // request in the last minute: a load balancer takes this server out.
  void health(httplib::Response& res) {
    json body = {{"status", "ok"}};
    try {
      auto searcher = pool_.acquire();
      body["documents"] = searcher->document_count();
      if (searcher->shard_count() > 1) body["shards"] = searcher->shard_count();
      mark_partial(body, searcher->missing_shards());
      if (body.contains("partial")) body["status"] = "degraded";
      searcher->probe();
    } catch (const Xapian::Error& e) {
      index_failed("health", e);
    } catch (const IndexUnavailable& e) {
      index_failed("health", e.what());
    }
    if (auto error = recent_index_error()) {
      body["status"] = "error";
      body["error"] = *error;
      return send_json(res, 503, body);
    }
    send_json(res, 200, body);
  }

  void metrics(httplib::Response& res) {
    std::size_t documents = 0;
    bool readable = true;
    try {
      documents = pool_.acquire()->document_count();
    } catch (const Xapian::Error& e) {
      index_failed("metrics", e);
      readable = false;
    } catch (const IndexUnavailable& e) {
      index_failed("metrics", e.what());
      readable = false;
    }
    const HttpServer::Stats load = http_.stats();
    std::string text = metrics_.render(documents);
    text += "# HELP tracuu_index_readable 1 when the index could be read.\n";
    text += "# TYPE tracuu_index_readable gauge\ntracuu_index_readable " +
            std::string(readable && !recent_index_error() ? "1" : "0") + "\n";
    text += "# HELP tracuu_connections Open client connections.\n";
    text += "# TYPE tracuu_connections gauge\ntracuu_connections " +
            std::to_string(load.connections) + "\n";
    text += "# HELP tracuu_requests_queued Requests waiting for a worker.\n";
    text += "# TYPE tracuu_requests_queued gauge\ntracuu_requests_queued " +
            std::to_string(load.queued) + "\n";
    res.set_content(text, "text/plain; version=0.0.4");
  }

  // An index read failed: logged, and /health reports it for a while.
  void index_failed(const std::string& endpoint, const Xapian::Error& e) {
    index_failed(endpoint, e.get_description());
  }
  void index_failed(const std::string& endpoint, const std::string& error) {
    std::cerr << "tracuu-server: " << endpoint << ": " << error << "\n";
    std::lock_guard lock(error_mu_);
    last_index_error_ = error;
    last_index_error_at_ = std::chrono::steady_clock::now();
  }
  std::optional<std::string> recent_index_error() {
    std::lock_guard lock(error_mu_);
    if (last_index_error_.empty() ||
        std::chrono::steady_clock::now() - last_index_error_at_ > kIndexErrorMemory)
      return std::nullopt;
    return last_index_error_;
  }

  // The time a query of this request may take: its share of the budget
  // when more requests are running or waiting than there are workers (the
  // slowest queries answer partly instead of everyone waiting behind them).
  QueryBudget budget(unsigned budget_ms) const {
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

  // An answer without some shards says so: "partial" and which are missing.
  static void mark_partial(json& body, const std::vector<std::string>& missing) {
    if (missing.empty()) return;
    body["partial"] = true;
    body["missing_shards"] = missing;
  }

  void search(const httplib::Request& req, httplib::Response& res) {
    SearchRequest r = search_request(req);
    r.budget = budget(options_.query_budget_ms);
    auto searcher = pool_.acquire();
    SearchResult result = searcher->search(r);
    json hits = json::array();
    for (const Hit& h : result.hits) hits.push_back(hit_json(h));
    json body = {{"query", result.query},
                 {"total", result.total},
                 {"total_exact", result.total_exact},
                 {"took_ms", result.took_ms},
                 {"hits", hits},
                 {"facets", {{"category", result.category_facets}, {"year", result.year_facets}}}};
    if (result.suggestion) body["suggestion"] = *result.suggestion;
    if (result.date_range)
      body["date_range"] = {{"from", result.date_range->from}, {"to", result.date_range->to}};
    mark_partial(body, searcher->missing_shards());
    if (result.timed_out) {
      body["partial"] = true;
      body["timed_out"] = true;
    }
    send_json(res, 200, body);
  }

  // The query runs here, before the status line: a bad or too slow query is
  // a 4xx/503. The lines are then streamed with the Searcher kept for the
  // whole transfer; a failure midway ends the chunked response without its
  // last chunk, so the client knows the file is incomplete.
  void exporter(const httplib::Request& req, httplib::Response& res) {
    SearchRequest r = search_request(req);
    std::string format = param(req, "format", "jsonl");
    if (format != "jsonl" && format != "csv") throw BadRequest("format must be jsonl or csv");
    const bool csv = format == "csv";
    r.budget = budget(options_.export_budget_ms);
    auto lease = std::make_shared<SearcherPool::Lease>(pool_.acquire());
    auto matches = std::make_shared<Searcher::Export>((*lease)->start_export(r));
    res.set_header("Content-Disposition", csv ? "attachment; filename=\"tracuu.csv\""
                                              : "attachment; filename=\"tracuu.jsonl\"");
    res.set_header("X-Total-Count", std::to_string(matches->size()));
    res.set_chunked_content_provider(
        csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
        [this, lease, matches, csv](std::size_t offset, httplib::DataSink& sink) {
          return stream_export(*matches, csv, offset == 0, sink);
        });
  }

  bool stream_export(Searcher::Export& matches, bool csv, bool first, httplib::DataSink& sink) {
    std::string chunk;
    if (first && csv) chunk = "id,title,published,category,author,url,score\n";
    try {
      Article a;
      double score = 0;
      // About 64 KB per chunk; returns to cpp-httplib between chunks.
      while (chunk.size() < 64 * 1024 && matches.next(&a, &score))
        chunk += export_line(a, score, csv);
    } catch (const Xapian::Error& e) {
      index_failed("export", e);
      return false;
    } catch (const std::exception& e) {
      std::cerr << "tracuu-server: export: " << e.what() << "\n";
      return false;
    }
    if (chunk.empty()) {
      sink.done();
      return true;
    }
    return sink.write(chunk.data(), chunk.size());
  }

  static std::string export_line(const Article& a, double score, bool csv) {
    if (csv) {
      return csv_field(a.id) + "," + csv_field(a.title) + "," + csv_field(a.published) + "," +
             csv_field(a.category) + "," + csv_field(a.author) + "," + csv_field(a.url) + "," +
             std::to_string(score) + "\n";
    }
    json j = article_json(a);
    j["score"] = score;
    return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  }

  void suggest(const httplib::Request& req, httplib::Response& res) {
    std::string q = param(req, "q");
    if (q.size() > 200 || !is_valid_utf8(q))
      throw BadRequest("q must be valid UTF-8 of at most 200 bytes");
    std::size_t limit = number_param(req, "limit", 8, 20);
    json suggestions = json::array();
    auto searcher = pool_.acquire();
    for (const Suggestion& s : searcher->suggest(q, limit)) {
      suggestions.push_back({{"text", s.text}, {"count", s.count}});
    }
    json body = {{"query", q}, {"suggestions", suggestions}};
    mark_partial(body, searcher->missing_shards());
    send_json(res, 200, body);
  }

  // /articles/ID and /articles/ID/related, read from the path as sent:
  // "X%2Frelated" is the article "X/related", not X's related list. An id
  // holding "/" is sent as %2F; the path of a text page ("pages/a.txt")
  // also works unencoded.
  void articles(const httplib::Request& req, httplib::Response& res) {
    std::string raw = req.target.substr(0, req.target.find('?'));
    raw = raw.substr(std::string_view("/articles/").size());
    constexpr std::string_view kRelated = "/related";
    const bool related_list =
        raw.size() > kRelated.size() &&
        raw.compare(raw.size() - kRelated.size(), kRelated.size(), kRelated) == 0;
    if (related_list) raw.resize(raw.size() - kRelated.size());
    const std::string id = httplib::detail::decode_url(raw, false);
    if (related_list) {
      timed("related", req, res, [&] { related(id, req, res); });
    } else {
      timed("article", req, res, [&] { article(id, res); });
    }
  }

  void article(const std::string& id, httplib::Response& res) {
    auto searcher = pool_.acquire();
    auto a = id.size() <= kMaxIdBytes ? searcher->article(id) : std::nullopt;
    if (!a) return not_found(res, id, searcher->missing_shards());
    send_json(res, 200, article_json(*a));
  }

  void related(const std::string& id, const httplib::Request& req, httplib::Response& res) {
    std::size_t limit = number_param(req, "limit", 5, 20);
    auto searcher = pool_.acquire();
    auto hits = id.size() <= kMaxIdBytes ? searcher->related(id, limit) : std::nullopt;
    if (!hits) return not_found(res, id, searcher->missing_shards());
    json list = json::array();
    for (const Hit& h : *hits) list.push_back(hit_json(h));
    json body = {{"id", id}, {"hits", list}};
    mark_partial(body, searcher->missing_shards());
    send_json(res, 200, body);
  }

  // An unknown id is 404, unless it may be on a shard that is not answering:
  // then 503, so a client retries instead of concluding it does not exist.
  static void not_found(httplib::Response& res, const std::string& id,
                        const std::vector<std::string>& missing) {
    if (missing.empty())
      return send_error(res, 404, "no article with id \"" + id.substr(0, kMaxIdBytes) + "\"");
    json body = {{"error", "article \"" + id.substr(0, kMaxIdBytes) +
                               "\" not found on the shards that answered; try again later"}};
    mark_partial(body, missing);
    send_json(res, 503, body);
  }

  const ServerOptions& options_;
  HttpServer& http_;
  SearcherPool pool_;
  Metrics metrics_;
  std::mutex error_mu_;
  std::string last_index_error_;
  std::chrono::steady_clock::time_point last_index_error_at_;
};

}  // namespace

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
  workers.stream_paths = {"/export"};
  HttpServer http(limits, workers);
  Api api(options, http);
  api.install(http);
  http.bind(options.host, options.port);
  std::string dbs;
  for (const std::string& d : options.databases) dbs += (dbs.empty() ? "" : " + ") + d;
  std::cerr << "tracuu-server: serving " << dbs << " on http://" << options.host << ":"
            << options.port << " with " << options.threads << " threads\n";
  http.serve();
  std::cerr << "tracuu-server: stopped\n";
}

}  // namespace tracuu
