// Request parameters in, JSON out: the checks every endpoint shares.
#include <algorithm>

#include "api.h"

namespace tracuu {

constexpr std::size_t kMaxLimit = 100;
constexpr std::size_t kMaxOffset = 100000;  // deeper pages: use /export

std::string param(const httplib::Request& req, const char* name, const std::string& fallback) {
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

std::string choice_param(const httplib::Request& req, const char* name,
                         const std::vector<std::string>& allowed) {
  std::string v = param(req, name, allowed.front());
  if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return v;
  std::string list;
  for (std::size_t i = 0; i < allowed.size(); ++i)
    list += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + allowed[i];
  throw BadRequest(std::string(name) + " must be " + list);
}

SearchRequest search_filters(const httplib::Request& req) {
  SearchRequest r;
  r.q = param(req, "q");
  if (r.q.size() > kMaxQueryBytes)
    throw BadRequest("q is too long (at most " + std::to_string(kMaxQueryBytes) + " bytes)");
  if (!is_valid_utf8(r.q)) throw BadRequest("q is not valid UTF-8");
  r.offset = number_param(req, "offset", 0, kMaxOffset);
  r.from = date_param(req, "from");
  r.to = date_param(req, "to");
  if (!r.from.empty() && !r.to.empty() && r.from > r.to) throw BadRequest("from is after to");
  r.on = param(req, "on");
  if (!r.on.empty() && !parse_day_of_year(r.on))
    throw BadRequest("on must be a day of the year MM-DD (05-15) or a month MM (05), got \"" +
                     r.on.substr(0, 20) + "\"");
  r.copies_of = param(req, "copies_of");
  if (r.copies_of.size() > kMaxIdBytes || !is_valid_utf8(r.copies_of))
    throw BadRequest("copies_of must be an article id");
  r.category = param(req, "category");
  if (r.category.size() > 100 || !is_valid_utf8(r.category)) throw BadRequest("bad category");
  r.strict_accents = choice_param(req, "accents", {"loose", "strict"}) == "strict";
  r.exact_total = choice_param(req, "exact", {"0", "1"}) == "1";
  r.all_words = choice_param(req, "match", {"any", "all"}) == "all";
  r.dates_as_words = choice_param(req, "dates", {"filter", "words"}) == "words";
  r.literal = choice_param(req, "literal", {"0", "1"}) == "1";
  return r;
}

SearchRequest search_request(const httplib::Request& req) {
  SearchRequest r = search_filters(req);
  r.limit = number_param(req, "limit", 10, kMaxLimit);
  r.sort = choice_param(req, "sort", {"relevance", "date"}) == "date"
               ? SearchRequest::Sort::kDate
               : SearchRequest::Sort::kRelevance;
  // Freshness (docs/ranking.md#freshness): only /search reorders by it.
  const std::string recency = choice_param(req, "recency", {"auto", "off", "strong"});
  r.recency = recency == "auto"  ? Recency::kAuto
              : recency == "off" ? Recency::kOff
                                 : Recency::kStrong;
  r.half_life_days = static_cast<double>(number_param(req, "half_life", 0, 3650));
  r.now = date_param(req, "now");
  r.facets = choice_param(req, "facets", {"1", "0"}) == "1";
  return r;
}

json hit_json(const Hit& h) {
  json j = {{"id", h.id},
            {"title", h.title},
            {"url", h.url},
            {"published", h.published},
            {"category", h.category},
            {"author", h.author},
            {"snippet", h.snippet},
            {"score", h.score},
            {"similar", h.similar}};
  if (h.pinned) j["pinned"] = true;
  return j;
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                  "application/json; charset=utf-8");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, {{"error", message}});
}

namespace {

// A spreadsheet opening the file reads a cell starting with = + - @ (or a
// tab or CR before one) as a formula: "=HYPERLINK(...)" from an article
// would run in the archivist's Excel. OWASP's remedy: a leading "'" makes
// it text. Leading spaces are looked through (LibreOffice trims them before
// reading a formula), and "-5" gets one too: a number loses nothing as text
// and a rule with exceptions is a rule an attacker reads.
bool spreadsheet_would_evaluate(std::string_view s) {
  const std::size_t first = s.find_first_not_of(' ');
  if (first == std::string_view::npos) return false;
  return std::string_view("=+-@\t\r").find(s[first]) != std::string_view::npos;
}

// The length of the UTF-8 sequence `lead` starts and its code point's
// smallest value (0: not a lead byte).
std::pair<std::size_t, char32_t> utf8_sequence(unsigned char lead) {
  if (lead < 0x80) return {1, 0};
  if ((lead >> 5) == 0x6) return {2, 0x80};
  if ((lead >> 4) == 0xE) return {3, 0x800};
  if ((lead >> 3) == 0x1E) return {4, 0x10000};
  return {0, 0};
}

// XML 1.0's Char production: tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD,
// U+10000-U+10FFFF. One U+FFFE in a title made every feed holding the
// article invalid XML, which readers refuse whole.
bool xml_allows(char32_t c) {
  return c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

}  // namespace

std::string csv_field(std::string_view s) {
  std::string out = "\"";
  if (spreadsheet_would_evaluate(s)) out.push_back('\'');
  for (char c : s) {
    out += c == '"' ? "\"\"" : std::string(1, c);
  }
  return out + "\"";
}

std::string xml_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto [n, smallest] = utf8_sequence(static_cast<unsigned char>(s[i]));
    if (n == 0 || i + n > s.size()) {
      ++i;
      continue;
    }
    char32_t c =
        n == 1 ? static_cast<unsigned char>(s[i]) : static_cast<unsigned char>(s[i]) & (0x7F >> n);
    bool valid = true;
    for (std::size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      valid = valid && (b & 0xC0) == 0x80;
      c = (c << 6) | (b & 0x3F);
    }
    if (valid && c >= smallest && xml_allows(c)) out.append(s.substr(i, n));
    i += valid ? n : 1;
  }
  return out;
}

}  // namespace tracuu
