// parse_html_page: bytes → UTF-8 → gumbo's tree (html_tree.h) → the page's
// facts (JSON-LD, meta tags, markup) and its story (html_story.h) → the
// article's fields, each from the best evidence.
#include "html_page.h"

#include <unicode/normalizer2.h>
#include <unicode/ucnv.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>
#include <vector>

#include "html_story.h"
#include "html_tree.h"
#include "indexer_internal.h"

namespace tracuu {
namespace {

using namespace html;
using internal::word_count;

// A story shorter than this (lead and body, in words) is no article: a
// section front's blurbs, a 404 page's apology, a login form.
constexpr std::size_t kMinStoryWords = 30;

// The charset parameter of a Content-Type value ("text/html; charset=UTF-8"
// → "utf-8"), lower case; "" when none.
std::string charset_parameter(std::string_view content_type) {
  const std::string lower = lower_ascii(content_type);
  const std::size_t at = lower.find("charset=");
  if (at == std::string::npos) return "";
  std::string value = lower.substr(at + 8);
  value = value.substr(0, value.find(';'));
  value.erase(std::remove(value.begin(), value.end(), '"'), value.end());
  return trim_spaces(value);
}

// The charset a <meta charset> or <meta http-equiv="Content-Type"> declares.
std::string declared_charset(const GumboNode* root) {
  std::string charset;
  walk(root, [&](const GumboNode* n) {
    if (!charset.empty() || !is_element(n)) return false;
    if (is_tag(n, GUMBO_TAG_BODY)) return false;
    if (!is_tag(n, GUMBO_TAG_META)) return true;
    std::string_view value = attribute(n, "charset");
    if (value.empty() && lower_ascii(attribute(n, "http-equiv")) == "content-type") {
      std::string content = lower_ascii(attribute(n, "content"));
      std::size_t at = content.find("charset=");
      if (at != std::string::npos) charset = content.substr(at + 8);
    } else {
      charset = lower_ascii(value);
    }
    charset = trim_spaces(charset.substr(0, charset.find(';')));
    return false;
  });
  return charset;
}

// `bytes` converted from `charset` by ICU, NFC (Windows-1258 writes tone
// marks apart); nullopt when ICU has no such converter or a byte is illegal in it.
std::optional<std::string> convert_charset(std::string_view bytes, const std::string& charset) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UConverter, decltype(&ucnv_close)> conv(ucnv_open(charset.c_str(), &status),
                                                          &ucnv_close);
  if (U_FAILURE(status)) return std::nullopt;
  ucnv_setToUCallBack(conv.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  icu::UnicodeString text(bytes.data(), static_cast<int32_t>(bytes.size()), conv.get(), status);
  if (U_FAILURE(status)) return std::nullopt;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_SUCCESS(status)) text = nfc->normalize(text, status);
  if (U_FAILURE(status)) return std::nullopt;
  std::string out;
  text.toUTF8String(out);
  return out;
}

// The page as UTF-8 and the encoding it was read in. A page that is valid
// UTF-8 is UTF-8, whatever it declares (an ASCII page reads the same in
// any); otherwise its declaration, then detection. Throws RecordError.
DecodedText page_as_utf8(std::string_view bytes, std::size_t parse_budget,
                         std::string_view http_content_type) {
  if (is_valid_utf8(bytes)) return {std::string(bytes), "utf-8", 0};
  // The transport's word first, as browsers take it (HTML's encoding
  // sniffing): the HTTP Content-Type of a web archive's response.
  std::string charset = charset_parameter(http_content_type);
  if (charset.empty()) {
    ParseArena arena(parse_budget);  // gumbo reads bad bytes as U+FFFD: enough for <meta>
    if (GumboOutput* out = arena.parse(bytes)) charset = declared_charset(out->root);
  }
  // Pages of the early 2000s declare a Latin charset and write Vietnamese in
  // TCVN3 or VNI fonts (<font face=".VnTime">): the bytes are Latin-1 to
  // the browser, Vietnamese to the reader. The detection, which takes a
  // legacy reading only when it reads as Vietnamese, goes first for them.
  static constexpr std::string_view kLatin[] = {"iso-8859-1", "latin1",   "windows-1252",
                                                "cp1252",     "us-ascii", "ascii"};
  const bool latin = std::find(std::begin(kLatin), std::end(kLatin), charset) != std::end(kLatin);
  if (latin) {
    if (auto text = decode_vietnamese_text(bytes)) return std::move(*text);
  }
  if (!charset.empty() && charset != "utf-8" && charset != "utf8") {
    if (auto text = convert_charset(bytes, charset)) return {std::move(*text), charset, 0};
  }
  if (auto text = decode_vietnamese_text(bytes)) return std::move(*text);
  throw RecordError("not UTF-8 and not a known Vietnamese legacy encoding");
}

// Text shown in a font of the 8-bit Vietnamese encodings: ".VnTime",
// ".VnArial" (TCVN3), "VNI-Times" (VNI), named by <font face> or a style's
// font-family.
bool shows_legacy_font(const GumboNode* n) {
  auto legacy = [](const std::string& fonts) {
    return fonts.find(".vn") != std::string::npos || fonts.find("vni-") != std::string::npos;
  };
  if (is_tag(n, GUMBO_TAG_FONT) && legacy(lower_ascii(attribute(n, "face")))) return true;
  const std::string style = lower_ascii(attribute(n, "style"));
  const std::size_t at = style.find("font-family");
  return at != std::string::npos && legacy(style.substr(at, style.find(';', at) - at));
}

// Whether the page may name a legacy font at all (the tree is walked for
// them only then).
bool names_legacy_font(std::string_view page) {
  for (std::string_view spelling : {".Vn", ".vn", ".VN", "VNI-", "Vni-", "vni-"})
    if (page.find(spelling) != std::string_view::npos) return true;
  return false;
}

// `text` as the bytes the page held: the browser read them as Windows-1252
// ("¸" for TCVN3's "á"); nullopt for a character that is no such byte.
std::optional<std::string> as_cp1252(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UConverter, decltype(&ucnv_close)> conv(ucnv_open("windows-1252", &status),
                                                          &ucnv_close);
  if (U_FAILURE(status)) return std::nullopt;
  ucnv_setFromUCallBack(conv.get(), UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  const icu::UnicodeString u = icu::UnicodeString::fromUTF8(text);
  std::string out(static_cast<std::size_t>(u.length()) + 1, '\0');
  const int32_t n = ucnv_fromUChars(conv.get(), out.data(), static_cast<int32_t>(out.size()),
                                    u.getBuffer(), u.length(), &status);
  if (U_FAILURE(status)) return std::nullopt;
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// Pages of the early 2000s wrote Vietnamese in legacy fonts inside a page
// of another encoding: the text of such an element is re-read from its
// bytes (decode_vietnamese_text: TCVN3 or VNI when it reads as
// Vietnamese) in the tree itself, before anything is read from it; the
// converted text lives in `storage`. The encoding found, or "".
std::string reread_legacy_fonts(GumboNode* root,
                                std::vector<std::unique_ptr<std::string>>& storage) {
  std::string found;
  int in_font = 0;
  walk(
      root,
      [&](const GumboNode* n) {
        if (is_text(n) && in_font > 0) {
          auto bytes = as_cp1252(n->v.text.text);
          auto text = bytes ? decode_vietnamese_text(*bytes) : std::nullopt;
          if (text && text->encoding != "utf-8") {
            storage.push_back(std::make_unique<std::string>(std::move(text->utf8)));
            const_cast<GumboNode*>(n)->v.text.text = storage.back()->c_str();  // our tree
            if (found.empty()) found = text->encoding;
          }
        }
        if (!is_element(n)) return false;
        if (shows_legacy_font(n)) ++in_font;
        return true;
      },
      [&](const GumboNode* n) {
        if (shows_legacy_font(n)) --in_font;
      });
  return found;
}

// The page's facts outside the story: JSON-LD, meta tags, links, markup.

struct PageFacts {
  std::vector<std::string> json_ld;                   // the texts of ld+json scripts
  std::unordered_map<std::string, std::string> meta;  // og:title, description, ... (first wins)
  std::vector<std::string> tags;                      // article:tag
  std::string canonical, title_tag, h1, time_datetime;
  std::vector<std::string> breadcrumb;  // item texts, in order
  std::vector<std::string> dates;       // texts of elements classed as dates
  std::string byline;                   // the text of an author element
};

std::vector<std::string> breadcrumb_items(const GumboNode* trail) {
  std::vector<std::string> items;
  walk(trail, [&](const GumboNode* n) {
    if (is_tag(n, GUMBO_TAG_A) || is_tag(n, GUMBO_TAG_LI) ||
        (is_tag(n, GUMBO_TAG_SPAN) && attribute(n, "itemprop") == "name")) {
      std::string text = text_of(n);
      if (!text.empty() && (items.empty() || items.back() != text)) items.push_back(text);
      return false;
    }
    return is_element(n);
  });
  return items;
}

void note_meta(PageFacts& facts, const GumboNode* n) {
  std::string key = lower_ascii(attribute(n, "property"));
  if (key.empty()) key = lower_ascii(attribute(n, "name"));
  if (key.empty()) key = lower_ascii(attribute(n, "itemprop"));
  std::string value = trim_spaces(attribute(n, "content"));
  if (key.empty() || value.empty()) return;
  if (key == "article:tag") facts.tags.push_back(value);
  facts.meta.emplace(key, std::move(value));
}

// Texts read from elements by their class, at most: a page that nests
// thousands of "date" or "author" elements in each other would otherwise
// have each read whole.
constexpr std::size_t kMaxClassedTexts = 16;

// The innermost element that names the author: "author-wrap" may hold the
// date too, "author-name" inside it only the name.
bool names_author(const GumboNode* n) {
  return class_has(n, "author") || class_has(n, "byline") || attribute(n, "rel") == "author" ||
         attribute(n, "itemprop") == "author";
}

// Whether an element's own text holds a digit, asked before that text is
// built: most of a page's elements hold none (docs/benchmarks.md, Ingest).
bool own_text_has_digit(const GumboNode* n) {
  const GumboVector& kids = children(n);
  for (unsigned i = 0; i < kids.length; ++i) {
    const auto* k = static_cast<const GumboNode*>(kids.data[i]);
    if (k->type == GUMBO_NODE_TEXT && std::strpbrk(k->v.text.text, "0123456789")) return true;
  }
  return false;
}

PageFacts collect_facts(const GumboNode* root) {
  PageFacts facts;
  const GumboNode* open_byline = nullptr;  // the byline element being walked, if any
  std::size_t classed_texts = 0;
  std::vector<std::string> date_lines;
  auto enter = [&](const GumboNode* n) {
    if (!is_element(n)) return false;
    switch (n->v.element.tag) {
      case GUMBO_TAG_SCRIPT:
        if (lower_ascii(attribute(n, "type")) == "application/ld+json")
          facts.json_ld.push_back(raw_text(n));
        return false;
      case GUMBO_TAG_META:
        note_meta(facts, n);
        return false;
      case GUMBO_TAG_LINK:
        if (facts.canonical.empty() && lower_ascii(attribute(n, "rel")) == "canonical")
          facts.canonical = trim_spaces(attribute(n, "href"));
        return false;
      case GUMBO_TAG_TITLE:
        if (facts.title_tag.empty()) facts.title_tag = text_of(n);
        return false;
      case GUMBO_TAG_H1:
        if (facts.h1.empty()) facts.h1 = text_of(n);
        return false;
      case GUMBO_TAG_TIME:
        if (facts.time_datetime.empty())
          facts.time_datetime = trim_spaces(attribute(n, "datetime"));
        if (facts.time_datetime.empty() && classed_texts++ < kMaxClassedTexts)
          facts.dates.push_back(text_of(n));
        return false;
      default:
        break;
    }
    if (is_code(n)) return false;
    if (facts.breadcrumb.empty() && class_has(n, "breadcrumb")) {
      facts.breadcrumb = breadcrumb_items(n);
      return false;
    }
    if ((facts.byline.empty() || open_byline) && names_author(n) &&
        classed_texts++ < kMaxClassedTexts) {
      std::string text = text_of(n);
      if (!text.empty() && letters(text) <= 80) facts.byline = text, open_byline = n;
    }
    if (class_has(n, "date") || class_has(n, "time")) {
      if (classed_texts++ < kMaxClassedTexts) facts.dates.push_back(text_of(n));
    } else if (own_text_has_digit(n)) {  // a line without one is no date (date_in_line)
      if (std::string line = own_text(n); letters(line) <= 80)
        date_lines.push_back(std::move(line));
    }
    return true;
  };
  walk(root, enter, [&](const GumboNode* n) {
    if (n == open_byline) open_byline = nullptr;
  });
  // Elements classed as dates first, then any short line: "Thứ Năm, ngày 2
  // tháng 9 năm 2021" in an old page's table cell.
  facts.dates.insert(facts.dates.end(), date_lines.begin(), date_lines.end());
  return facts;
}

// JSON-LD: schema.org NewsArticle / Article, and a BreadcrumbList.

struct JsonLdFacts {
  std::string headline, published, author, section, body, description, url;
  std::vector<std::string> breadcrumb;
};

std::string string_of(const nlohmann::json& j) {
  if (j.is_string()) return trim_spaces(j.get<std::string>());
  if (j.is_object()) {
    for (const char* key : {"name", "@id", "url"}) {
      auto it = j.find(key);
      if (it != j.end() && it->is_string()) return trim_spaces(it->get<std::string>());
    }
  }
  if (j.is_array() && !j.empty()) return string_of(j.front());
  return {};
}

// The author(s): a string, {"name": ...}, or an array of them.
std::string authors_of(const nlohmann::json& j) {
  if (!j.is_array()) return string_of(j);
  std::string out;
  for (const auto& one : j) {
    std::string name = string_of(one);
    if (!name.empty()) out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

bool has_type(const nlohmann::json& j, std::string_view wanted_suffix) {
  auto it = j.find("@type");
  if (it == j.end()) return false;
  auto matches = [&](const nlohmann::json& t) {
    if (!t.is_string()) return false;
    const std::string& s = t.get_ref<const std::string&>();
    return s.size() >= wanted_suffix.size() &&
           s.compare(s.size() - wanted_suffix.size(), wanted_suffix.size(), wanted_suffix) == 0;
  };
  if (it->is_array()) return std::any_of(it->begin(), it->end(), matches);
  return matches(*it);
}

void read_json_ld_object(const nlohmann::json& j, JsonLdFacts& facts) {
  if (!j.is_object()) return;
  if (has_type(j, "BreadcrumbList") && facts.breadcrumb.empty()) {
    auto items = j.find("itemListElement");
    if (items != j.end() && items->is_array()) {
      for (const auto& item : *items) {
        std::string name = item.is_object() && item.contains("name")   ? string_of(item["name"])
                           : item.is_object() && item.contains("item") ? string_of(item["item"])
                                                                       : std::string();
        if (!name.empty()) facts.breadcrumb.push_back(name);
      }
    }
    return;
  }
  if (!(has_type(j, "Article") || has_type(j, "BlogPosting")) || !facts.headline.empty()) return;
  auto field = [&](const char* key) {
    auto it = j.find(key);
    return it == j.end() ? std::string() : string_of(*it);
  };
  facts.headline = field("headline");
  facts.published = field("datePublished");
  facts.section = field("articleSection");
  facts.body = j.contains("articleBody") && j["articleBody"].is_string()
                   ? j["articleBody"].get<std::string>()
                   : std::string();
  facts.description = field("description");
  facts.url = field("url");
  if (facts.url.empty()) facts.url = field("mainEntityOfPage");
  if (j.contains("author")) facts.author = authors_of(j["author"]);
}

// CMSs write articleBody with raw line breaks inside the string, which JSON
// forbids: inside strings they become "\n" (the paragraphs), other control
// characters spaces.
std::string escape_raw_line_breaks(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 64);
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string && static_cast<unsigned char>(c) < 0x20) {
      out += c == '\n' ? "\\n" : " ";
      continue;
    }
    out.push_back(c);
    if (escaped) {
      escaped = false;
    } else if (c == '\\') {
      escaped = in_string;
    } else if (c == '"') {
      in_string = !in_string;
    }
  }
  return out;
}

JsonLdFacts read_json_ld(const std::vector<std::string>& scripts) {
  JsonLdFacts facts;
  for (const std::string& text : scripts) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) j = nlohmann::json::parse(escape_raw_line_breaks(text), nullptr, false);
    if (j.is_discarded()) continue;
    std::vector<const nlohmann::json*> objects;
    auto add = [&](const nlohmann::json& x) {
      if (x.is_array()) {
        for (const auto& item : x) objects.push_back(&item);
      } else {
        objects.push_back(&x);
      }
    };
    add(j);
    for (std::size_t i = 0; i < objects.size() && i < 1000; ++i) {
      const nlohmann::json& o = *objects[i];
      if (o.is_object() && o.contains("@graph")) add(o["@graph"]);
      read_json_ld_object(o, facts);
    }
  }
  // Script text is raw: the parser decoded every other text and attribute
  // of the page, these strings still hold the entities a CMS wrote
  // ("lúc&nbsp11h", "&quot;"). Decoded here only, never twice.
  for (std::string* field : {&facts.headline, &facts.published, &facts.author, &facts.section,
                             &facts.body, &facts.description, &facts.url})
    *field = decode_html_entities(*field);
  for (std::string& crumb : facts.breadcrumb) crumb = decode_html_entities(crumb);
  return facts;
}

// The fields.

// A whole date in one word: "15/5/2021", "2021-05-15", or an ISO date-time
// without seconds or with a space ("2023-09-05T14:12", "2023-09-05 14:12").
std::optional<Date> date_in_word(std::string_view word) {
  if (word.size() > 10 && word[4] == '-' && word[7] == '-') return parse_date(word.substr(0, 10));
  return parse_date(word);
}

// The pieces of `text` between any of the `separators` (empty ones too).
std::vector<std::string_view> split_on(std::string_view text, std::string_view separators) {
  std::vector<std::string_view> pieces;
  for (std::size_t start = 0;;) {
    const std::size_t end = text.find_first_of(separators, start);
    pieces.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return pieces;
    start = end + 1;
  }
}

// A date written in a line: the whole line ("ngày 15 tháng 5 năm 2021",
// "2021-05-15T08:30:00+07:00"), one of its parts between commas, bars,
// brackets and " - " ("Thứ bảy, 16/3/2024, 08:30 (GMT+7)", "15/05/2021 -
// 08:30"), or one word of those ("05/09/2023 14:12 GMT+7", "Cập nhật:
// 2023-09-05 14:12").
std::optional<Date> date_in_line(std::string_view line) {
  // Every form parse_date reads has its year in digits: a page's many lines
  // without one are no date, and cost no tokenizing (docs/benchmarks.md, Ingest).
  if (std::none_of(line.begin(), line.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  if (letters(line) > 80) return std::nullopt;
  if (auto d = parse_date(line)) return d;
  if (auto d = date_in_word(line)) return d;
  std::string text(line);
  for (std::size_t at = text.find(" - "); at != std::string::npos; at = text.find(" - ", at))
    text[at + 1] = ',';
  for (char& c : text)
    if (c == '|' || c == '(' || c == ')') c = ',';
  // Split without streams: an istringstream per line cost more than reading
  // its date (docs/benchmarks.md, Ingest).
  for (std::string_view part : split_on(text, ",")) {
    const std::string trimmed = trim_spaces(part);
    if (trimmed.empty()) continue;
    if (auto d = parse_date(trimmed)) return d;
    for (std::string_view word : split_on(trimmed, " \t\n\v\f\r")) {
      if (word.empty() || word.find_first_of("/-") == std::string_view::npos) continue;
      if (auto d = date_in_word(word)) return d;
    }
  }
  return std::nullopt;
}

std::string iso_date(std::string_view text) {
  auto d = date_in_line(trim_spaces(text));
  return d ? d->iso() : std::string();
}

std::string host_label(std::string_view url) {
  std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view host = url.substr(scheme + 3);
  host = host.substr(0, host.find_first_of("/?#:"));
  if (host.substr(0, 4) == "www.") host.remove_prefix(4);
  return lower_ascii(host.substr(0, host.find('.')));
}

std::string compact_folded(std::string_view text) {
  std::string folded = fold_diacritics(text);
  folded.erase(std::remove_if(folded.begin(), folded.end(),
                              [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }),
               folded.end());
  return folded;
}

// Reads like a news site's brand: a name with "news" or "online" in it
// ("Thanh Niên Online", "ZNews"), or one word that is a domain name
// ("Tuoitre.vn", "24h.com.vn") or in CamelCase ("VnExpress", "VietnamPlus").
// "ĐT VN thắng" is no brand.
bool is_brand(std::string_view tail) {
  const std::string folded = lower_ascii(compact_folded(tail));
  for (std::string_view mark : {"news", "online"})
    if (folded.find(mark) != std::string::npos) return true;
  if (word_count(tail, 2) != 1) return false;
  if (tail.find('.') != std::string_view::npos) return true;
  return std::any_of(tail.begin() + 1, tail.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// A title without the site's name after the last separator: "Tiêu đề -
// VnExpress", "Tiêu đề | Báo Dân trí". The tail goes only when it is the
// site's name (og:site_name, the host's name "dantri" in "Báo Dân trí") or
// reads like one ("Báo ...", "Tạp chí ...", is_brand): "Hà Nội - mùa thu" stays.
std::string without_site_name(const std::string& title, const std::string& site_name,
                              const std::string& url) {
  static constexpr std::string_view kSeparators[] = {" - ", " | ", " – ", " — ", " :: "};
  std::size_t cut = std::string::npos, sep_len = 0;
  for (std::string_view sep : kSeparators) {
    std::size_t at = title.rfind(sep);
    if (at != std::string::npos && (cut == std::string::npos || at > cut))
      cut = at, sep_len = sep.size();
  }
  if (cut == std::string::npos || cut == 0) return title;
  const std::string tail = trim_spaces(std::string_view(title).substr(cut + sep_len));
  const std::string folded = compact_folded(tail);
  const std::string host = host_label(url);
  const std::string folded_words = fold_diacritics(tail);
  const bool site = (!site_name.empty() && folded == compact_folded(site_name)) ||
                    (host.size() >= 4 && folded.find(host) != std::string::npos) ||
                    folded_words.rfind("bao ", 0) == 0 || folded_words.rfind("tap chi ", 0) == 0 ||
                    is_brand(tail);
  if (!site || word_count(tail) > 6) return title;
  return trim_spaces(std::string_view(title).substr(0, cut));
}

// The byline without its label: "Tác giả: Minh Anh", "Bài và ảnh: Lê An".
std::string author_name(std::string byline) {
  std::size_t colon = byline.find(':');
  if (colon != std::string::npos && word_count(byline.substr(0, colon)) <= 4)
    byline = byline.substr(colon + 1);
  return trim_spaces(byline);
}

bool is_home(std::string_view item) {
  const std::string f = fold_diacritics(item);
  return f == "trang chu" || f == "home" || f == "trang nhat";
}

std::string meta_of(const PageFacts& facts, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    auto it = facts.meta.find(key);
    if (it != facts.meta.end() && !it->second.empty()) return it->second;
  }
  return {};
}

std::string first_of(std::initializer_list<std::string> candidates) {
  for (const std::string& c : candidates)
    if (!c.empty()) return c;
  return {};
}

// The paragraphs that are the story: not furniture lines, not link lists
// (more than half the letters in links), not the title, the date line or
// the byline again.
std::vector<std::string> story_paragraphs(const StoryText& story, const Article& a,
                                          const std::string& byline) {
  std::vector<std::string> kept;
  for (const Paragraph& p : story.paragraphs) {
    std::string_view text = p.text;
    std::string bare(text);
    while (!bare.empty() && (bare.back() == ':' || bare.back() == ' ')) bare.pop_back();
    if (is_page_chrome_line(bare)) continue;
    if (p.link_chars * 2 > letters(text)) continue;
    if (text == a.title || (!byline.empty() && text == byline) ||
        (!a.author.empty() && text == a.author))
      continue;
    if (!p.heading && word_count(text, 13) <= 12 && date_in_line(text)) continue;
    kept.push_back(std::string(text));
  }
  return kept;
}

struct Evidence {
  PageFacts page;
  JsonLdFacts json_ld;
};

void take_id_and_url(Article& a, const Evidence& e) {
  for (const std::string& candidate :
       {e.page.canonical, meta_of(e.page, {"og:url"}), e.json_ld.url}) {
    if (!candidate.empty() && is_web_url(candidate) && candidate.size() <= kMaxIdBytes) {
      a.id = candidate;
      a.url = candidate;
      return;
    }
  }
}

void take_title(Article& a, const Evidence& e) {
  const std::string site = meta_of(e.page, {"og:site_name"});
  a.title =
      first_of({e.json_ld.headline,
                without_site_name(meta_of(e.page, {"og:title", "twitter:title"}), site, a.url),
                e.page.h1, without_site_name(e.page.title_tag, site, a.url)});
  // Search engines ask for headlines of at most 110 characters and some
  // CMSs cut them there ("..."): the page's <h1> that goes on is the title.
  std::string_view cut = a.title;
  for (std::string_view ellipsis : {"...", "…"}) {
    if (cut.size() > ellipsis.size() && cut.substr(cut.size() - ellipsis.size()) == ellipsis)
      cut.remove_suffix(ellipsis.size());
  }
  cut = std::string_view(cut.data(), trim_spaces(cut).size());
  if (e.page.h1.size() > cut.size() && e.page.h1.compare(0, cut.size(), cut) == 0)
    a.title = e.page.h1;
}

void take_date(Article& a, const Evidence& e, const StoryText& story) {
  a.published = first_of({iso_date(e.json_ld.published),
                          iso_date(meta_of(e.page, {"article:published_time", "datepublished",
                                                    "pubdate", "og:published_time", "date"})),
                          iso_date(e.page.time_datetime)});
  for (const std::string& line : e.page.dates) {
    if (!a.published.empty()) return;
    a.published = iso_date(line);
  }
  for (const Paragraph& p : story.paragraphs) {
    if (!a.published.empty()) return;
    if (word_count(p.text, 13) <= 12) a.published = iso_date(p.text);
  }
}

void take_category(Article& a, const Evidence& e) {
  a.category = first_of({e.json_ld.section, meta_of(e.page, {"article:section"})});
  for (const auto* trail : {&e.json_ld.breadcrumb, &e.page.breadcrumb}) {
    for (const std::string& item : *trail) {
      if (!a.category.empty()) return;
      if (!is_home(item) && item != a.title && letters(item) <= 60) a.category = item;
    }
  }
}

// Lead and body: the JSON-LD articleBody when it has one, else the story's
// paragraphs; the lead is the description when the story opens with it,
// else the first paragraph.
void take_story(Article& a, const Evidence& e, std::vector<std::string> paragraphs) {
  if (word_count(e.json_ld.body, kMinStoryWords) >= kMinStoryWords) {
    paragraphs.clear();
    std::string text = e.json_ld.body;
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string line = trim_spaces(std::string_view(text).substr(start, end - start));
      if (!line.empty()) paragraphs.push_back(std::move(line));
      start = end + 1;
    }
  }
  const std::string description =
      first_of({e.json_ld.description, meta_of(e.page, {"og:description", "description"})});
  if (!paragraphs.empty() && !description.empty() &&
      (paragraphs.front() == description ||
       fold_diacritics(paragraphs.front()).rfind(fold_diacritics(description), 0) == 0)) {
    a.lead = paragraphs.front();
    paragraphs.erase(paragraphs.begin());
  } else if (!description.empty()) {
    a.lead = description;
  } else if (paragraphs.size() >= 2) {
    a.lead = paragraphs.front();
    paragraphs.erase(paragraphs.begin());
  }
  for (std::size_t i = 0; i < paragraphs.size(); ++i)
    a.body += (i > 0 ? "\n\n" : "") + paragraphs[i];
}

void take_author(Article& a, const Evidence& e) {
  a.author = first_of({e.json_ld.author, author_name(e.page.byline)});
  const std::string meta_author = meta_of(e.page, {"author", "article:author"});
  if (a.author.empty() && !is_web_url(meta_author)) a.author = meta_author;
}

// As on text pages: a signature alone on the story's last line, a short
// name without sentence punctuation, is the author (the one the page names
// elsewhere, or the only one).
void take_signature(Article& a, std::vector<std::string>& paragraphs) {
  if (!paragraphs.empty()) {
    const std::string& last = paragraphs.back();
    const bool signature = paragraphs.size() >= 2 && internal::is_signature(last);
    if (signature && (a.author.empty() || last == a.author)) {
      a.author = last;
      paragraphs.pop_back();
    }
  }
}

}  // namespace

Article parse_html_page(std::string_view bytes, std::string default_id,
                        std::string_view http_content_type) {
  if (bytes.size() > kMaxHtmlPageBytes)
    throw RecordError("page too large (" + std::to_string(bytes.size()) + " bytes, limit " +
                      std::to_string(kMaxHtmlPageBytes) + ")");
  const std::size_t budget = kParseBaseBytes + kParseBytesPerPageByte * bytes.size();
  DecodedText text = page_as_utf8(bytes, budget, http_content_type);
  if (text.utf8.find('\0') != std::string::npos)
    throw RecordError("no article (binary data, not an HTML page)");
  ParseArena arena(budget);
  GumboOutput* tree = arena.parse(text.utf8);
  if (!tree)
    throw RecordError("no article (the page is too complex to parse: its tree outgrew " +
                      std::to_string(budget >> 20) + " MB, an HTML bomb?)");
  std::vector<std::unique_ptr<std::string>> converted;  // texts of legacy fonts, for the tree
  if (names_legacy_font(text.utf8) &&
      (text.encoding == "utf-8" || text.encoding.rfind("windows-125", 0) == 0 ||
       text.encoding.rfind("iso-8859", 0) == 0)) {
    std::string fonts = reread_legacy_fonts(tree->root, converted);
    if (!fonts.empty()) text.encoding = fonts;
  }

  Evidence evidence{collect_facts(tree->root), {}};
  evidence.json_ld = read_json_ld(evidence.page.json_ld);
  const StoryText story = find_story(body_of(tree->root));

  Article a;
  a.id = std::move(default_id);
  a.encoding = text.encoding;
  take_id_and_url(a, evidence);
  take_title(a, evidence);
  if (a.title.empty())
    throw RecordError("no article (no title: no headline, og:title, h1 or title)");
  take_date(a, evidence, story);
  take_category(a, evidence);
  a.tags = evidence.page.tags;
  take_author(a, evidence);
  std::vector<std::string> paragraphs =
      story_paragraphs(story, a, author_name(evidence.page.byline));
  take_signature(a, paragraphs);
  take_story(a, evidence, std::move(paragraphs));
  for (const std::string& c : story.captions) a.caption += (a.caption.empty() ? "" : "\n") + c;

  // Counted up to the minimum only: a shorter story's count is exact.
  const std::size_t words = word_count(a.lead, kMinStoryWords) + word_count(a.body, kMinStoryWords);
  if (words < kMinStoryWords) {
    if (story.page_link_density > 0.5)
      throw RecordError("no article (a page of links, like a section front: " +
                        std::to_string(words) + " words of story)");
    throw RecordError("no article (" + std::to_string(words) + " words of story, fewer than " +
                      std::to_string(kMinStoryWords) + ")");
  }
  // The parser decoded the entities (read_json_ld those of the scripts): a
  // second pass would turn a page's "&amp;quot;" into a quote.
  internal::decode_entities(a, /*entities=*/false);
  check_article(a);
  drop_unsafe_url(a);
  return a;
}

}  // namespace tracuu
