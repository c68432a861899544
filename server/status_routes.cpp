// The search page, /health (for load balancers) and /metrics (Prometheus).
#include "api.h"

namespace tracuu::embedded {
std::string_view page_file(std::string_view name);  // generated from server/page/
}

namespace tracuu {
namespace {

void page(httplib::Response& res) {
  std::string_view html = embedded::page_file("index.html");
  res.set_content(std::string(html), "text/html; charset=utf-8");
  res.set_header(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline' 'self'");
}

// "ok"; "degraded" while some shards do not answer or the analytics
// cannot be written ("analytics_error" says why; still serving);
// "error" (503) when the index cannot be read, or could not be read by a
// request in the last minute: a load balancer takes this server out.
void health(Api& api, httplib::Response& res) {
  json body = {{"status", "ok"}};
  try {
    auto searcher = api.searcher();
    body["documents"] = searcher->document_count();
    if (searcher->shard_count() > 1) body["shards"] = searcher->shard_count();
    Api::mark_partial(body, searcher->missing_shards());
    if (body.contains("partial")) body["status"] = "degraded";
    if (auto why = api.degraded_reason ? api.degraded_reason() : std::nullopt) {
      body["status"] = "degraded";
      body["analytics_error"] = *why;
    }
    searcher->probe();
  } catch (const Xapian::Error& e) {
    api.index_failed("health", e.get_description());
  } catch (const IndexUnavailable& e) {
    api.index_failed("health", e.what());
  }
  if (auto error = api.recent_index_error()) {
    body["status"] = "error";
    body["error"] = *error;
    return send_json(res, 503, body);
  }
  send_json(res, 200, body);
}

void metrics(Api& api, httplib::Response& res) {
  std::size_t documents = 0;
  bool readable = true;
  try {
    documents = api.searcher()->document_count();
  } catch (const Xapian::Error& e) {
    api.index_failed("metrics", e.get_description());
    readable = false;
  } catch (const IndexUnavailable& e) {
    api.index_failed("metrics", e.what());
    readable = false;
  }
  const HttpServer::Stats load = api.http().stats();
  std::string text = api.metrics().render(documents);
  if (api.more_metrics) text += api.more_metrics();
  text += "# HELP tracuu_index_readable 1 when the index could be read.\n";
  text += "# TYPE tracuu_index_readable gauge\ntracuu_index_readable " +
          std::string(readable && !api.recent_index_error() ? "1" : "0") + "\n";
  text += "# HELP tracuu_connections Open client connections.\n";
  text += "# TYPE tracuu_connections gauge\ntracuu_connections " +
          std::to_string(load.connections) + "\n";
  text += "# HELP tracuu_requests_queued Requests waiting for a worker.\n";
  text += "# TYPE tracuu_requests_queued gauge\ntracuu_requests_queued " +
          std::to_string(load.queued) + "\n";
  res.set_content(text, "text/plain; version=0.0.4");
}

}  // namespace

void install_status_routes(httplib::Server& server, Api& api) {
  server.Get("/", [](const auto&, auto& res) { page(res); });
  server.Get("/health", [&api](const auto&, auto& res) {
    api.timed("health", res, [&] { health(api, res); });
  });
  server.Get("/metrics", [&api](const auto&, auto& res) { metrics(api, res); });
}

}  // namespace tracuu
