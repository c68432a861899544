// For the site's editors (docs/editors.md): their synonyms and rules files
// and GET /editorial (what is in force, the last error of each file); the
// analytics (every /search, POST /events from the pages), GET /stats and
// the stats page /editors; /widget.js. /stats and /editorial require the
// editors' bearer token (--editor-token); the /editors page holds no data
// and asks for the token itself.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>

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
  std::string analytics_error;  // why the analytics could not start; empty: they did
  // Replaced whole on SIGHUP (a new token file); read by every worker.
  mutable std::mutex credential_mu;
  std::shared_ptr<const EditorCredential> credential = std::make_shared<EditorCredential>();
  std::shared_ptr<const EditorCredential> current_credential() const {
    std::lock_guard lock(credential_mu);
    return credential;
  }
  VisitorIds visitors;
  std::unique_ptr<ClientRateLimiter> event_limiter;
};

// The request parameters a search's analytics row keeps besides q.
constexpr const char* kRecordedFilters[] = {"from",  "to",    "on",   "category", "accents",
                                            "match", "exact", "sort", "group",    "recency"};
constexpr std::size_t kMaxEventBytes = 4096;

std::string today();

void record_search(EditorServices& services, const httplib::Request& req, const SearchResult& r) {
  if (r.query.empty() || param(req, "analytics") == "0") return;
  Analytics::Search s;
  s.query = r.query;
  s.visitor = services.visitors.of(client_address(req), today());
  for (const char* name : kRecordedFilters)
    if (req.has_param(name)) s.filters[name] = req.get_param_value(name);
  s.total = r.total;
  s.took_ms = r.took_ms;
  s.offset = number_param(req, "offset", 0, std::size_t{1} << 40);
  services.analytics->record(std::move(s));
}

// Analytics that are off are 404, analytics that failed 503; nullptr
// (after answering) in both cases.
Analytics* usable_analytics(EditorServices& services, httplib::Response& res) {
  if (!services.analytics_error.empty()) {
    send_error(res, 503, "analytics are unavailable: " + services.analytics_error);
    return nullptr;
  }
  if (!services.analytics) {
    send_error(res, 404, "analytics are off (start with --analytics FILE)");
    return nullptr;
  }
  return services.analytics.get();
}

// POST /events: {"type": "click", "query": "...", "id": "...", "position": N,
// "token": "..."} from the page when a reader opens a result (sent as a
// beacon). Checked before anything is stored: the client's rate, the token
// of the search that listed the result (the query's, within the hour), the
// article (it must exist and not be hidden).
void event(Api& api, EditorServices& services, const httplib::Request& req,
           httplib::Response& res) {
  Analytics* analytics = usable_analytics(services, res);
  if (!analytics) return;
  if (!services.event_limiter->allow(client_address(req))) {
    res.set_header("Retry-After", "10");
    return send_error(res, 429, "too many events from this address; try again later");
  }
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
  if (!e.contains("token") || !e["token"].is_string())
    throw BadRequest(
        "token must be a string: the event_token of the search answer that listed "
        "the result");
  if (auto why =
          api.event_tokens().check(e["token"].get<std::string>(), Rules::pin_key(click.query)))
    return send_error(res, 403, *why);
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

// Whether the request carries the editors' token; answers when it does not.
bool editor_allowed(const EditorServices& services, const httplib::Request& req,
                    httplib::Response& res) {
  switch (services.current_credential()->check(req)) {
    case EditorCredential::Verdict::kAllowed:
      return true;
    case EditorCredential::Verdict::kNoCredentialConfigured:
      send_error(res, 403,
                 "the editors' endpoints are off: start tracuu-server with --editor-token FILE "
                 "and send \"Authorization: Bearer <token>\" (docs/editors.md)");
      return false;
    case EditorCredential::Verdict::kMissing:
    case EditorCredential::Verdict::kWrong:
      break;
  }
  res.set_header("WWW-Authenticate", "Bearer realm=\"tracuu editors\"");
  send_error(res, 401, "an editor's token is required: \"Authorization: Bearer <token>\"");
  return false;
}

// GET /stats?from=&to=&limit=: the last 30 days by default.
void stats(EditorServices& services, const httplib::Request& req, httplib::Response& res) {
  Analytics* analytics = usable_analytics(services, res);
  if (!analytics) return;
  std::string to = date_param(req, "to");
  if (to.empty()) to = today();
  std::string from = date_param(req, "from");
  if (from.empty()) from = days_before(to, 29);
  if (from > to) throw BadRequest("from is after to");
  const std::size_t limit = number_param(req, "limit", 20, 1000);
  json body;
  try {
    body = analytics->stats(from, to, limit);
  } catch (const AnalyticsUnavailable& e) {
    res.set_header("Retry-After", "5");
    return send_error(res, 503, e.what());
  }
  if (std::size_t dropped = analytics->dropped()) body["dropped_events"] = dropped;
  send_json(res, 200, body);
}

// Analytics are optional: a file that cannot be opened leaves them off,
// says why on /health and /stats, and search goes on.
void start_analytics(EditorServices& services, Api& api) {
  const ServerOptions& o = api.options();
  Analytics::Options options;
  options.path = o.analytics_file;
  options.retention_days = o.analytics_retention_days;
  options.max_bytes = std::int64_t{o.analytics_max_mb} << 20;
  options.min_visitors = o.stats_min_visitors;
  options.stats_budget = std::chrono::milliseconds(o.stats_budget_ms);
  try {
    services.analytics = std::make_unique<Analytics>(options);
  } catch (const std::exception& e) {
    services.analytics_error = o.analytics_file + ": " + e.what();
    std::cerr << "tracuu-server: " << e.what() << "; serving without analytics\n";
    api.degraded_reason = [&services] { return std::optional(services.analytics_error); };
    return;
  }
  Analytics* analytics = services.analytics.get();
  api.on_search = [&services](const httplib::Request& req, const SearchResult& r) {
    record_search(services, req, r);
  };
  api.degraded_reason = [analytics] { return analytics->failure(); };
  api.more_metrics = [analytics] { return analytics->metrics(); };
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
  if (!o.editor_token_file.empty()) {
    services->credential =
        std::make_shared<EditorCredential>(EditorCredential::from_file(o.editor_token_file));
    // SIGHUP rereads the token file: a new token without a restart (a bad
    // file keeps the previous token, and says why).
    api.add_reloader("the editors' token", [&s = *services, path = o.editor_token_file] {
      auto fresh = std::make_shared<EditorCredential>(EditorCredential::from_file(path));
      std::lock_guard lock(s.credential_mu);
      s.credential = std::move(fresh);
    });
  }
  services->event_limiter = std::make_unique<ClientRateLimiter>(o.events_per_minute);
  if (!o.analytics_file.empty()) start_analytics(*services, api);
  EditorServices& s = *services;
  server.Post("/events", [&api, &s](const auto& req, auto& res) {
    api.timed("events", res, [&] { event(api, s, req, res); });
  });
  server.Get("/stats", [&api, &s](const auto& req, auto& res) {
    api.timed("stats", res, [&] {
      if (editor_allowed(s, req, res)) stats(s, req, res);
    });
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
  server.Get("/editorial", [&api, &s, files](const auto& req, auto& res) {
    api.timed("editorial", res, [&] {
      if (!editor_allowed(s, req, res)) return;
      send_json(res, 200,
                files ? files->status() : json{{"synonyms", nullptr}, {"rules", nullptr}});
    });
  });
  return services;
}

}  // namespace tracuu
