// run_server: routes, parameter validation, JSON, limits, metrics.
#include "server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

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
constexpr std::size_t kMaxPayload = 64 * 1024;

// A parameter error: 400 with this message.
struct ParamError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

std::string param(const httplib::Request& req, const char* name, const std::string& fallback = "") {
  return req.has_param(name) ? req.get_param_value(name) : fallback;
}

std::size_t number_param(const httplib::Request& req, const char* name, std::size_t fallback,
                         std::size_t max) {
  if (!req.has_param(name)) return fallback;
  std::string v = req.get_param_value(name);
  if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos) {
    throw ParamError(std::string(name) + " must be a number, got \"" + v.substr(0, 20) + "\"");
  }
  std::size_t n = std::stoul(v);
  if (n > max) throw ParamError(std::string(name) + " must be at most " + std::to_string(max));
  return n;
}

std::string date_param(const httplib::Request& req, const char* name) {
  std::string v = param(req, name);
  if (v.empty()) return v;
  auto d = parse_date(v);
  if (v.size() != 10 || !d)
    throw ParamError(std::string(name) + " must be a date YYYY-MM-DD, got \"" + v.substr(0, 20) +
                     "\"");
  return d->iso();
}

SearchRequest search_request(const httplib::Request& req) {
  SearchRequest r;
  r.q = param(req, "q");
  if (r.q.size() > kMaxQueryBytes)
    throw ParamError("q is too long (at most " + std::to_string(kMaxQueryBytes) + " bytes)");
  if (!is_valid_utf8(r.q)) throw ParamError("q is not valid UTF-8");
  r.limit = number_param(req, "limit", 10, kMaxLimit);
  r.offset = number_param(req, "offset", 0, kMaxOffset);
  std::string sort = param(req, "sort", "relevance");
  if (sort != "relevance" && sort != "date") throw ParamError("sort must be relevance or date");
  r.sort = sort == "date" ? SearchRequest::Sort::kDate : SearchRequest::Sort::kRelevance;
  r.from = date_param(req, "from");
  r.to = date_param(req, "to");
  if (!r.from.empty() && !r.to.empty() && r.from > r.to) throw ParamError("from is after to");
  r.category = param(req, "category");
  if (r.category.size() > 100 || !is_valid_utf8(r.category)) throw ParamError("bad category");
  std::string accents = param(req, "accents", "loose");
  if (accents != "loose" && accents != "strict")
    throw ParamError("accents must be loose or strict");
  r.strict_accents = accents == "strict";
  std::string exact = param(req, "exact", "0");
  if (exact != "0" && exact != "1") throw ParamError("exact must be 0 or 1");
  r.exact_total = exact == "1";
  std::string match = param(req, "match", "any");
  if (match != "any" && match != "all") throw ParamError("match must be any or all");
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

json article_json(const Article& a) {
  return {{"id", a.id},
          {"title", a.title},
          {"lead", a.lead},
          {"body", a.body},
          {"caption", a.caption},
          {"author", a.author},
          {"published", a.published},
          {"url", a.url},
          {"category", a.category},
          {"tags", a.tags}};
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

class Api {
 public:
  Api(const ServerOptions& options)
      : options_(options),
        pool_(expand_shard_specs(options.databases), options.shard_options, options.threads) {}

  void install(httplib::Server& server) {
    server.Get("/", [&](const auto& req, auto& res) { page(req, res); });
    server.Get("/health", [&](const auto& req, auto& res) {
      timed("health", req, res, [&] { health(res); });
    });
    server.Get("/metrics", [&](const auto&, auto& res) {
      std::size_t documents = 0;
      try {
        documents = pool_.acquire()->document_count();
      } catch (const std::exception&) {
      }
      res.set_content(metrics_.render(documents), "text/plain; version=0.0.4");
    });
    server.Get("/search", [&](const auto& req, auto& res) {
      timed("search", req, res, [&] { search(req, res); });
    });
    server.Get("/export", [&](const auto& req, auto& res) {
      timed("export", req, res, [&] { exporter(req, res); });
    });
    server.Get("/suggest", [&](const auto& req, auto& res) {
      timed("suggest", req, res, [&] { suggest(req, res); });
    });
    server.Get(R"(/articles/(.+)/related)", [&](const auto& req, auto& res) {
      timed("related", req, res, [&] { related(req, res); });
    });
    server.Get(R"(/articles/(.+))", [&](const auto& req, auto& res) {
      timed("article", req, res, [&] { article(req, res); });
    });
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
    } catch (const ParamError& e) {
      send_error(res, 400, e.what());
    } catch (const BadRequest& e) {
      send_error(res, 400, e.what());
    } catch (const Xapian::Error& e) {
      std::cerr << "tracuu-server: " << endpoint << ": " << e.get_description() << "\n";
      send_error(res, 503, "the index is not available right now");
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

  // "ok", or "degraded" while some shards do not answer (still serving).
  void health(httplib::Response& res) {
    auto searcher = pool_.acquire();
    json body = {{"status", "ok"}, {"documents", searcher->document_count()}};
    if (searcher->shard_count() > 1) body["shards"] = searcher->shard_count();
    mark_partial(body, searcher->missing_shards());
    if (body.contains("partial")) body["status"] = "degraded";
    send_json(res, 200, body);
  }

  // An answer without some shards says so: "partial" and which are missing.
  static void mark_partial(json& body, const std::vector<std::string>& missing) {
    if (missing.empty()) return;
    body["partial"] = true;
    body["missing_shards"] = missing;
  }

  void search(const httplib::Request& req, httplib::Response& res) {
    SearchRequest r = search_request(req);
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
    send_json(res, 200, body);
  }

  void exporter(const httplib::Request& req, httplib::Response& res) {
    SearchRequest r = search_request(req);
    std::string format = param(req, "format", "jsonl");
    if (format != "jsonl" && format != "csv") throw ParamError("format must be jsonl or csv");
    bool csv = format == "csv";
    res.set_header("Content-Disposition", csv ? "attachment; filename=\"tracuu.csv\""
                                              : "attachment; filename=\"tracuu.jsonl\"");
    // Streamed in chunks: the whole result set is never held in memory.
    res.set_chunked_content_provider(
        csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
        [this, r, csv](std::size_t, httplib::DataSink& sink) {
          if (csv) {
            std::string header = "id,title,published,category,author,url,score\n";
            sink.write(header.data(), header.size());
          }
          try {
            auto lease = pool_.acquire();
            lease->export_matches(r, [&](const Article& a, double score) {
              std::string line;
              if (csv) {
                line = csv_field(a.id) + "," + csv_field(a.title) + "," + csv_field(a.published) +
                       "," + csv_field(a.category) + "," + csv_field(a.author) + "," +
                       csv_field(a.url) + "," + std::to_string(score) + "\n";
              } else {
                json j = article_json(a);
                j["score"] = score;
                line = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
              }
              return sink.write(line.data(), line.size());
            });
          } catch (const std::exception& e) {
            std::cerr << "tracuu-server: export: " << e.what() << "\n";
          }
          sink.done();
          return true;
        });
  }

  void suggest(const httplib::Request& req, httplib::Response& res) {
    std::string q = param(req, "q");
    if (q.size() > 200 || !is_valid_utf8(q))
      throw ParamError("q must be valid UTF-8 of at most 200 bytes");
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

  void article(const httplib::Request& req, httplib::Response& res) {
    std::string id = req.matches[1];
    auto searcher = pool_.acquire();
    auto a = id.size() <= 200 ? searcher->article(id) : std::nullopt;
    if (!a) return not_found(res, id, searcher->missing_shards());
    send_json(res, 200, article_json(*a));
  }

  void related(const httplib::Request& req, httplib::Response& res) {
    std::string id = req.matches[1];
    std::size_t limit = number_param(req, "limit", 5, 20);
    auto searcher = pool_.acquire();
    auto hits = id.size() <= 200 ? searcher->related(id, limit) : std::nullopt;
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
      return send_error(res, 404, "no article with id \"" + id.substr(0, 200) + "\"");
    json body = {{"error", "article \"" + id.substr(0, 200) +
                               "\" not found on the shards that answered; try again later"}};
    mark_partial(body, missing);
    send_json(res, 503, body);
  }

  const ServerOptions& options_;
  SearcherPool pool_;
  Metrics metrics_;
};

}  // namespace

std::size_t default_threads() {
  return std::max<std::size_t>(4, 2 * std::thread::hardware_concurrency());
}

void run_server(const ServerOptions& options) {
  Api api(options);
  httplib::Server server;
  // cpp-httplib owns the task queue it is given (its API takes a raw pointer).
  const std::size_t threads = options.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(kMaxPayload);
  server.set_read_timeout(5, 0);
  server.set_write_timeout(10, 0);
  server.set_keep_alive_timeout(5);
  server.set_keep_alive_max_count(1000);
  server.set_tcp_nodelay(true);  // otherwise Nagle + delayed ACK add 40 ms to each response
  api.install(server);
  // cpp-httplib 0.11 listens with a backlog of 5, compiled in: a burst of
  // connections would be refused. Keep the socket it creates and raise the
  // backlog (Linux lets listen() be called again on a listening socket).
  int listen_fd = -1;
  server.set_socket_options([&listen_fd](int fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = fd;
  });
  if (!server.bind_to_port(options.host, options.port)) {
    throw std::runtime_error("cannot listen on " + options.host + ":" +
                             std::to_string(options.port));
  }
  if (listen_fd >= 0) ::listen(listen_fd, SOMAXCONN);
  std::string dbs;
  for (const std::string& d : options.databases) dbs += (dbs.empty() ? "" : " + ") + d;
  std::cerr << "tracuu-server: serving " << dbs << " on http://" << options.host << ":"
            << options.port << " with " << threads << " threads\n";
  server.listen_after_bind();
}

}  // namespace tracuu
