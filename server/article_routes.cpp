// /articles/ID (the stored article) and /articles/ID/related ("Tin khác").
#include "api.h"

namespace tracuu {
namespace {

// With q: also the article with every occurrence of the query marked
// ("marked": title, lead, body, caption as HTML, and the count).
void article(Api& api, const std::string& id, const httplib::Request& req, httplib::Response& res) {
  auto searcher = api.searcher();
  if (id.size() > kMaxIdBytes) return Api::not_found(res, id, searcher->missing_shards());
  if (!req.has_param("q")) {
    auto a = searcher->article(id);
    if (!a) return Api::not_found(res, id, searcher->missing_shards());
    return send_json(res, 200, article_json(*a));
  }
  const SearchRequest r = search_request(req);
  auto m = searcher->marked_article(id, r);
  if (!m) return Api::not_found(res, id, searcher->missing_shards());
  json body = article_json(m->article);
  body["marked"] = {{"title", m->title},
                    {"lead", m->lead},
                    {"body", m->body},
                    {"caption", m->caption},
                    {"occurrences", m->occurrences}};
  send_json(res, 200, body);
}

void related(Api& api, const std::string& id, const httplib::Request& req, httplib::Response& res) {
  std::size_t limit = number_param(req, "limit", 5, 20);
  auto searcher = api.searcher();
  auto hits = id.size() <= kMaxIdBytes ? searcher->related(id, limit) : std::nullopt;
  if (!hits) return Api::not_found(res, id, searcher->missing_shards());
  json list = json::array();
  for (const Hit& h : *hits) list.push_back(hit_json(h));
  json body = {{"id", id}, {"hits", list}};
  Api::mark_partial(body, searcher->missing_shards());
  send_json(res, 200, body);
}

// Read from the path as sent: "X%2Frelated" is the article "X/related",
// not X's related list. An id holding "/" is sent as %2F; the path of a
// text page ("pages/a.txt") also works unencoded.
void articles(Api& api, const httplib::Request& req, httplib::Response& res) {
  std::string raw = req.target.substr(0, req.target.find('?'));
  raw = raw.substr(std::string_view("/articles/").size());
  constexpr std::string_view kRelated = "/related";
  const bool related_list =
      raw.size() > kRelated.size() &&
      raw.compare(raw.size() - kRelated.size(), kRelated.size(), kRelated) == 0;
  if (related_list) raw.resize(raw.size() - kRelated.size());
  const std::string id = httplib::detail::decode_url(raw, false);
  if (related_list) {
    api.timed("related", res, [&] { related(api, id, req, res); });
  } else {
    api.timed("article", res, [&] { article(api, id, req, res); });
  }
}

}  // namespace

void install_article_routes(httplib::Server& server, Api& api) {
  server.Get(R"(/articles/.+)", [&api](const auto& req, auto& res) { articles(api, req, res); });
}

}  // namespace tracuu
