// /search, /export and /suggest.
#include <iostream>

#include "api.h"

namespace tracuu {
namespace {

void search(Api& api, const httplib::Request& req, httplib::Response& res) {
  SearchRequest r = search_request(req);
  r.group_copies = choice_param(req, "group", {"1", "0"}) == "1";
  r.budget = api.budget(api.options().query_budget_ms);
  auto searcher = api.searcher();
  SearchResult result = searcher->search(r);
  json hits = json::array();
  for (const Hit& h : result.hits) hits.push_back(hit_json(h));
  json body = {{"query", result.query},
               {"total", result.total},
               {"total_exact", result.total_exact},
               {"took_ms", result.took_ms},
               {"hits", hits},
               {"facets", {{"category", result.category_facets}, {"year", result.year_facets}}},
               // What POST /events must quote to count a click on this page.
               {"event_token", api.event_tokens().issue(Rules::pin_key(result.query), r.offset)}};
  if (result.stories) body["stories"] = *result.stories;
  if (result.suggestion) body["suggestion"] = *result.suggestion;
  if (result.corrected) body["corrected"] = *result.corrected;
  if (result.correction_incomplete) body["correction_incomplete"] = true;
  if (result.date_range) {  // an open end ("trước năm 2000": no from) is left out
    json& range = body["date_range"] = json::object();
    if (!result.date_range->from.empty()) range["from"] = result.date_range->from;
    if (!result.date_range->to.empty()) range["to"] = result.date_range->to;
  }
  if (result.recency != Recency::kOff)
    body["recency"] = {{"profile", result.recency == Recency::kStrong ? "strong" : "auto"},
                       {"half_life_days", result.half_life_days}};
  if (choice_param(req, "profile", {"0", "1"}) == "1") {  // each stage's time (docs/api.md)
    json& stages = body["stages"] = json::array();
    for (const SearchResult::StageTime& t : result.stages)
      stages.push_back({{"stage", t.stage}, {"ms", t.ms}});
  }
  Api::mark_partial(body, searcher->missing_shards());
  if (result.timed_out) {
    body["partial"] = true;
    body["timed_out"] = true;
  }
  send_json(res, 200, body);
  if (api.on_search) api.on_search(req, result);
}

std::string export_line(const Article& a, double score, bool csv) {
  if (csv) {
    return csv_field(a.id) + "," + csv_field(a.title) + "," + csv_field(a.published) + "," +
           csv_field(a.category) + "," + csv_field(a.author) + "," + csv_field(a.url) + "," +
           std::to_string(score) + "\n";
  }
  json j = article_json(a);
  j["score"] = score;
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

// The query runs here, before the status line: a bad or too slow query is
// a 4xx/503. The lines are then streamed with the Searcher kept for the
// whole transfer; a failure midway ends the chunked response without its
// last chunk, so the client knows the file is incomplete.
void exporter(Api& api, const httplib::Request& req, httplib::Response& res) {
  SearchRequest r = search_request(req);
  r.group_copies = choice_param(req, "group", {"0", "1"}) == "1";
  const bool csv = choice_param(req, "format", {"jsonl", "csv"}) == "csv";
  r.budget = api.budget(api.options().export_budget_ms);
  auto lease = std::make_shared<SearcherPool::Lease>(api.searcher());
  auto matches = std::make_shared<Searcher::Export>((*lease)->start_export(r));
  res.set_header("Content-Disposition", csv ? "attachment; filename=\"tracuu.csv\""
                                            : "attachment; filename=\"tracuu.jsonl\"");
  res.set_header("X-Total-Count", std::to_string(matches->size()));
  res.set_chunked_content_provider(
      csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      [&api, lease, matches, csv](std::size_t offset, httplib::DataSink& sink) {
        std::string header =
            offset == 0 && csv ? "id,title,published,category,author,url,score\n" : "";
        return api.stream_chunk(
            "export", std::move(header),
            [&](std::string& chunk) {
              Article a;
              double score = 0;
              if (!matches->next(&a, &score)) return false;
              chunk += export_line(a, score, csv);
              return true;
            },
            *lease, sink);
      });
}

void suggest(Api& api, const httplib::Request& req, httplib::Response& res) {
  std::string q = param(req, "q");
  if (q.size() > 200 || !is_valid_utf8(q))
    throw BadRequest("q must be valid UTF-8 of at most 200 bytes");
  std::size_t limit = number_param(req, "limit", 8, 20);
  json suggestions = json::array();
  auto searcher = api.searcher();
  for (const Suggestion& s : searcher->suggest(q, limit)) {
    suggestions.push_back({{"text", s.text}, {"count", s.count}});
  }
  json body = {{"query", q}, {"suggestions", suggestions}};
  Api::mark_partial(body, searcher->missing_shards());
  send_json(res, 200, body);
}

}  // namespace

void install_search_routes(httplib::Server& server, Api& api) {
  server.Get("/search", [&api](const auto& req, auto& res) {
    api.timed("search", res, [&] { search(api, req, res); });
  });
  server.Get("/export", [&api](const auto& req, auto& res) {
    api.timed("export", res, [&] { exporter(api, req, res); });
  });
  server.Get("/suggest", [&api](const auto& req, auto& res) {
    api.timed("suggest", res, [&] { suggest(api, req, res); });
  });
}

}  // namespace tracuu
