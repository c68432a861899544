// For the site's editors (docs/editors.md): their synonyms and rules files
// and GET /editorial (what is in force, the last error of each file); the
// analytics (every /search, POST /events from the pages), GET /stats and
// the stats page /editors; /widget.js.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "analytics.h"
#include "api.h"
#include "editorial_files.h"

namespace tracuu::embedded {
std::string_view page_file(std::string_view name);  // generated from server/page/
}

namespace tracuu {
namespace {

// What the editors' routes own, for as long as the server runs.
struct EditorServices {
  std::unique_ptr<EditorialFiles> files;
  std::unique_ptr<Analytics> analytics;
};

// The request parameters a search's analytics row keeps besides q.
constexpr const char* kRecordedFilters[] = {"from",  "to",    "on",   "category", "accents",
                                            "match", "exact", "sort", "group",    "recency"};
constexpr std::size_t kMaxEventBytes = 4096;

void record_search(Analytics& analytics, const httplib::Request& req, const SearchResult& r) {
  if (r.query.empty() || param(req, "analytics") == "0") return;
  Analytics::Search s;
  s.query = r.query;
  for (const char* name : kRecordedFilters)
    if (req.has_param(name)) s.filters[name] = req.get_param_value(name);
  s.total = r.total;
  s.took_ms = r.took_ms;
  s.offset = number_param(req, "offset", 0, std::size_t{1} << 40);
  analytics.record(std::move(s));
}

// POST /events: {"type": "click", "query": "...", "id": "...", "position": N}
// from the page when a reader opens a result (sent as a beacon). Checked
// before anything is stored: the article must exist (and not be hidden).
void event(Api& api, Analytics* analytics, const httplib::Request& req, httplib::Response& res) {
  if (!analytics) return send_error(res, 404, "analytics are off (start with --analytics FILE)");
  if (req.body.size() > kMaxEventBytes)
    return send_error(res, 413, "an event is at most " + std::to_string(kMaxEventBytes) + " bytes");
  const json e = json::parse(req.body, nullptr, false);
  if (e.is_discarded() || !e.is_object()) throw BadRequest("the body must be a JSON object");
  if (!e.contains("type") || e["type"] != "click") throw BadRequest("type must be \"click\"");
  auto text = [&](const char* name, std::size_t max) {
    if (!e.contains(name) || !e[name].is_string())
      throw BadRequest(std::string(name) + " must be a string");
    std::string v = e[name];
    if (v.empty() || v.size() > max || !is_valid_utf8(v))
      throw BadRequest(std::string(name) + " must be UTF-8 of 1 to " + std::to_string(max) +
                       " bytes");
    return v;
  };
  Analytics::Click click;
  click.query = text("query", kMaxQueryBytes);
  click.id = text("id", kMaxIdBytes);
  if (e.contains("position")) {
    if (!e["position"].is_number_unsigned() || e["position"].get<std::uint64_t>() > 10000)
      throw BadRequest("position must be a number from 1 to 10000");
    click.position = e["position"].get<std::size_t>();
  }
  {
    auto searcher = api.searcher();
    if (!searcher->article(click.id))
      return Api::not_found(res, click.id, searcher->missing_shards());
  }
  analytics->record(std::move(click));
  res.status = 204;
}

std::string today() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// Calendar arithmetic on a valid YYYY-MM-DD (date_param checked it), with
// no time zone: mktime would read and lock the process's zone on each call.
std::string days_before(const std::string& iso, int days) {
  using namespace std::chrono;
  const year_month_day date{year(std::stoi(iso.substr(0, 4))),
                            month(static_cast<unsigned>(std::stoi(iso.substr(5, 2)))),
                            day(static_cast<unsigned>(std::stoi(iso.substr(8, 2))))};
  const year_month_day before{sys_days(date) - std::chrono::days(days)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(before.year()),
                static_cast<unsigned>(before.month()), static_cast<unsigned>(before.day()));
  return buf;
}

// GET /stats?from=&to=&limit=: the last 30 days by default.
void stats(Analytics* analytics, const httplib::Request& req, httplib::Response& res) {
  if (!analytics) return send_error(res, 404, "analytics are off (start with --analytics FILE)");
  std::string to = date_param(req, "to");
  if (to.empty()) to = today();
  std::string from = date_param(req, "from");
  if (from.empty()) from = days_before(to, 29);
  if (from > to) throw BadRequest("from is after to");
  const std::size_t limit = number_param(req, "limit", 20, 1000);
  json body = analytics->stats(from, to, limit);
  if (std::size_t dropped = analytics->dropped()) body["dropped_events"] = dropped;
  send_json(res, 200, body);
}

}  // namespace

std::shared_ptr<void> install_editor_routes(httplib::Server& server, Api& api) {
  auto services = std::make_shared<EditorServices>();
  const ServerOptions& o = api.options();
  if (!o.synonyms_file.empty() || !o.rules_file.empty()) {
    services->files = std::make_unique<EditorialFiles>(
        o.synonyms_file, o.rules_file,
        [&api](std::shared_ptr<const Editorial> e) { api.set_editorial(std::move(e)); });
    EditorialFiles* files = services->files.get();
    // SIGHUP: only wakes the watcher thread, which rereads both files.
    api.add_reloader("the editors' files", [files] { files->reload_soon(); });
  }
  if (!o.analytics_file.empty()) {
    services->analytics = std::make_unique<Analytics>(o.analytics_file, o.analytics_retention_days);
    Analytics* analytics = services->analytics.get();
    api.on_search = [analytics](const httplib::Request& req, const SearchResult& r) {
      record_search(*analytics, req, r);
    };
  }
  Analytics* analytics = services->analytics.get();
  server.Post("/events", [&api, analytics](const auto& req, auto& res) {
    api.timed("events", res, [&] { event(api, analytics, req, res); });
  });
  server.Get("/stats", [&api, analytics](const auto& req, auto& res) {
    api.timed("stats", res, [&] { stats(analytics, req, res); });
  });
  server.Get("/editors", [](const auto&, auto& res) {
    res.set_content(std::string(embedded::page_file("stats.html")), "text/html; charset=utf-8");
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src "
                   "'unsafe-inline' 'self'");
  });
  // The search box for other sites' pages: loaded by a <script> tag (no
  // CORS needed); its requests need --cors-origin set to the site.
  server.Get("/widget.js", [](const auto&, auto& res) {
    res.set_content(std::string(embedded::page_file("widget.js")),
                    "text/javascript; charset=utf-8");
    res.set_header("Cache-Control", "public, max-age=3600");
  });
  EditorialFiles* files = services->files.get();
  server.Get("/editorial", [&api, files](const auto&, auto& res) {
    api.timed("editorial", res, [&] {
      send_json(res, 200,
                files ? files->status() : json{{"synonyms", nullptr}, {"rules", nullptr}});
    });
  });
  return services;
}

}  // namespace tracuu
