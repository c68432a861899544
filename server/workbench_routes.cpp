// The archivist's workbench: /timeline, /concordance and /feed.atom
// (docs/api.md).
#include <chrono>
#include <iostream>

#include "api.h"

namespace tracuu {
namespace {

constexpr std::size_t kMaxSeries = 5;  // queries compared on one timeline
// Bins in one answer, all series together: a century by day (about 1.8 MB
// of JSON). Five series of it were 7.5 MB, and 40 clients that did not
// read them held every worker for 28 s (issue 22).
constexpr std::size_t kMaxTimelineBins = 36600;
constexpr std::size_t kMaxContext = 50;  // words each side of a concordance line
constexpr std::size_t kMaxConcordancePage = 1000;
constexpr std::size_t kFeedEntries = 20;

json timeline_json(const Timeline& t) {
  json bins = json::array();
  for (const TimelineBin& b : t.bins)
    bins.push_back({{"start", b.start}, {"count", b.count}, {"all", b.all}});
  json body = {{"query", t.query},
               {"bin", std::string(time_bin_name(t.bin))},
               {"total", t.total},
               {"undated", t.undated},
               {"bins", bins}};
  if (t.timed_out) {
    body["partial"] = true;
    body["timed_out"] = true;
  }
  return body;
}

std::string too_many_bins() {
  return "too many bins: at most " + std::to_string(kMaxTimelineBins) +
         " in all series together; choose a longer bin, a shorter date range or fewer queries (q)";
}

// The most bins one series can have between the request's from and to
// (a query's own dates only narrow them); 0 when either is missing.
std::size_t bins_between(const std::string& from, const std::string& to, TimeBin bin) {
  const auto first = parse_date(from), last = parse_date(to);
  if (from.empty() || to.empty() || !first || !last) return 0;
  using namespace std::chrono;
  const auto day = [](const Date& d) {
    return sys_days(year_month_day(year(d.year), month(static_cast<unsigned>(d.month)),
                                   std::chrono::day(static_cast<unsigned>(d.day))));
  };
  const long days = (day(*last) - day(*first)).count();
  const long months = (last->year - first->year) * 12L + (last->month - first->month);
  if (days < 0) return 0;
  switch (bin) {
    case TimeBin::kDay:
      return static_cast<std::size_t>(days + 1);
    case TimeBin::kWeek:
      return static_cast<std::size_t>(days / 7 + 2);
    case TimeBin::kMonth:
      return static_cast<std::size_t>(months + 1);
    case TimeBin::kYear:
      return static_cast<std::size_t>(last->year - first->year + 1);
  }
  return 0;
}

// One series per q (q repeated: {"series": [...]}); the filters are shared.
void timeline(Api& api, const httplib::Request& req, httplib::Response& res) {
  SearchRequest r = search_request(req);
  const std::string bin_name = param(req, "bin", "month");
  const std::optional<TimeBin> bin = time_bin(bin_name);
  if (!bin) throw BadRequest("bin must be day, week, month or year");
  const std::size_t queries = req.get_param_value_count("q");
  if (queries > kMaxSeries)
    throw BadRequest("at most " + std::to_string(kMaxSeries) + " queries (q) at once");
  // Refused before counting when the dates asked for already exceed the
  // cap: 40 such requests at once should cost next to nothing.
  if (std::max<std::size_t>(1, queries) * bins_between(r.from, r.to, *bin) > kMaxTimelineBins)
    throw BadRequest(too_many_bins());
  auto searcher = api.searcher();
  json series = json::array();
  std::size_t bins = 0;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, queries); ++i) {
    SearchRequest one = r;
    one.q = queries ? req.get_param_value("q", i) : "";
    if (one.q.size() > kMaxQueryBytes || !is_valid_utf8(one.q))
      throw BadRequest("q must be valid UTF-8 of at most " + std::to_string(kMaxQueryBytes) +
                       " bytes");
    one.budget = api.budget(api.options().query_budget_ms);
    const Timeline t = searcher->timeline(one, *bin);
    bins += t.bins.size();
    if (bins > kMaxTimelineBins) throw BadRequest(too_many_bins());
    series.push_back(timeline_json(t));
  }
  json body = queries > 1 ? json{{"series", series}} : series[0];
  Api::mark_partial(body, searcher->missing_shards());
  send_json(res, 200, body);
}

ConcordanceRequest concordance_request(const httplib::Request& req) {
  ConcordanceRequest c;
  c.search = search_filters(req);
  c.search.limit = number_param(req, "limit", 100, kMaxConcordancePage);
  c.context = number_param(req, "context", 8, kMaxContext);
  const std::string sort = choice_param(req, "sort", {"date", "left", "right"});
  c.sort = sort == "left"    ? ConcordanceRequest::Sort::kLeft
           : sort == "right" ? ConcordanceRequest::Sort::kRight
                             : ConcordanceRequest::Sort::kDate;
  if (c.search.q.empty()) throw BadRequest("q is required: the words to find in context");
  return c;
}

json line_json(const ConcordanceLine& l) {
  return {{"id", l.id},     {"title", l.title}, {"published", l.published},
          {"left", l.left}, {"match", l.match}, {"right", l.right}};
}

std::string line_text(const ConcordanceLine& l, bool csv) {
  if (csv) {
    return csv_field(l.id) + "," + csv_field(l.published) + "," + csv_field(l.title) + "," +
           csv_field(l.left) + "," + csv_field(l.match) + "," + csv_field(l.right) + "\n";
  }
  return line_json(l).dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

void concordance(Api& api, const httplib::Request& req, httplib::Response& res) {
  ConcordanceRequest c = concordance_request(req);
  c.max_sorted_bytes = api.options().concordance_sort_mb << 20;
  const std::string format = choice_param(req, "format", {"json", "jsonl", "csv"});
  c.search.budget = api.budget(api.options().export_budget_ms);
  if (format == "json") {
    auto searcher = api.searcher();
    const Concordance page = searcher->concordance(c);
    json lines = json::array();
    for (const ConcordanceLine& l : page.lines) lines.push_back(line_json(l));
    json body = {{"query", page.query},
                 {"occurrences", page.occurrences},
                 {"articles", page.articles},
                 {"lines", lines}};
    if (page.timed_out) {
      body["partial"] = true;
      body["timed_out"] = true;
    }
    Api::mark_partial(body, searcher->missing_shards());
    return send_json(res, 200, body);
  }
  const bool csv = format == "csv";
  auto lease = std::make_shared<SearcherPool::Lease>(api.searcher());
  auto lines = std::make_shared<Searcher::ConcordanceStream>((*lease)->start_concordance(c));
  res.set_header("Content-Disposition", csv ? "attachment; filename=\"tracuu-ngu-canh.csv\""
                                            : "attachment; filename=\"tracuu-ngu-canh.jsonl\"");
  res.set_header(lines->articles_exact() ? "X-Matching-Articles" : "X-Matching-Articles-Estimate",
                 std::to_string(lines->articles()));
  res.set_chunked_content_provider(
      csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      [&api, lease, lines, csv](std::size_t offset, httplib::DataSink& sink) {
        // A slow reader holds one chunk and the stream's month of matches.
        std::string header = offset == 0 && csv ? "id,published,title,left,match,right\n" : "";
        return api.stream_chunk(
            "concordance", std::move(header),
            [&](std::string& chunk) {
              ConcordanceLine line;
              if (!lines->next(&line)) return false;
              chunk += line_text(line, csv);
              return true;
            },
            *lease, sink);
      });
}

std::string xml_escape(std::string_view s) {
  return html_escape(xml_text(s));
}

std::string atom_time(const std::string& published) {
  return (published.size() == 10 ? published : std::string("1970-01-01")) + "T00:00:00Z";
}

// Where the feed's links point: --public-url, or "" (links relative to the
// feed's own address). Never the request's Host: a client choosing it
// chose where a cached feed sends its readers.
std::string base_url(const ServerOptions& options) {
  std::string base = options.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

// An Atom id must be an absolute IRI: the public address when there is
// one, else a URN naming the same thing.
std::string atom_id(const std::string& base, const std::string& path) {
  return base.empty() ? "urn:tracuu:" + path : base + "/" + path;
}

// The newest matches of a search as an Atom 1.0 feed (RFC 4287).
void feed(Api& api, const httplib::Request& req, httplib::Response& res) {
  SearchRequest r = search_request(req);
  r.sort = SearchRequest::Sort::kDate;
  r.limit = number_param(req, "limit", kFeedEntries, 100);
  r.offset = 0;
  r.group_copies = param(req, "group", "1") != "0";
  r.budget = api.budget(api.options().query_budget_ms);
  auto searcher = api.searcher();
  const SearchResult result = searcher->search(r);
  const std::string base = base_url(api.options());
  std::string page_query = req.target.find('?') == std::string::npos
                               ? std::string()
                               : req.target.substr(req.target.find('?'));
  const std::string self = base + "/feed.atom" + page_query;
  std::string updated = "1970-01-01";
  for (const Hit& h : result.hits)
    if (h.published > updated) updated = h.published;
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"vi\">\n";
  xml += "  <title>" + xml_escape("Tra cứu: " + (r.q.empty() ? std::string("tin mới") : r.q)) +
         "</title>\n";
  xml += "  <id>" + xml_escape(atom_id(base, "feed.atom" + page_query)) + "</id>\n";
  xml += "  <updated>" + atom_time(updated) + "</updated>\n";
  xml += "  <link rel=\"self\" type=\"application/atom+xml\" href=\"" + xml_escape(self) + "\"/>\n";
  xml += "  <link rel=\"alternate\" type=\"text/html\" href=\"" +
         xml_escape(base + "/" + page_query) + "\"/>\n";
  xml += "  <author><name>tracuu</name></author>\n";
  xml += "  <generator>tracuu</generator>\n";
  for (const Hit& h : result.hits) {
    const std::string view =
        base + "/" + page_query + "#/a/" + httplib::detail::encode_query_param(h.id);
    // An index built before the indexer checked urls may hold others.
    const std::string link = is_web_url(h.url) ? h.url : view;
    xml += "  <entry>\n";
    xml += "    <title>" + xml_escape(h.title.empty() ? h.id : h.title) + "</title>\n";
    xml += "    <id>" +
           xml_escape(atom_id(base, "articles/" + httplib::detail::encode_query_param(h.id))) +
           "</id>\n";
    xml += "    <link href=\"" + xml_escape(link) + "\"/>\n";
    xml +=
        "    <updated>" + atom_time(h.published.empty() ? updated : h.published) + "</updated>\n";
    if (!h.author.empty())
      xml += "    <author><name>" + xml_escape(h.author) + "</name></author>\n";
    if (!h.category.empty()) xml += "    <category term=\"" + xml_escape(h.category) + "\"/>\n";
    xml += "    <summary type=\"html\">" + xml_escape(h.snippet) + "</summary>\n";
    xml += "  </entry>\n";
  }
  xml += "</feed>\n";
  res.set_content(xml, "application/atom+xml; charset=utf-8");
}

}  // namespace

void install_workbench_routes(httplib::Server& server, Api& api) {
  server.Get("/timeline", [&api](const auto& req, auto& res) {
    api.timed("timeline", res, [&] { timeline(api, req, res); });
  });
  server.Get("/concordance", [&api](const auto& req, auto& res) {
    api.timed("concordance", res, [&] { concordance(api, req, res); });
  });
  server.Get("/feed.atom", [&api](const auto& req, auto& res) {
    api.timed("feed", res, [&] { feed(api, req, res); });
  });
}

}  // namespace tracuu
