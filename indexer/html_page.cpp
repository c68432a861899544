// parse_html_page: bytes → UTF-8 → gumbo's tree → the page's facts (JSON-LD,
// meta tags, markup) and its story (candidate blocks scored as Mozilla
// Readability does, paragraphs kept or dropped by their text and link
// density as jusText and trafilatura do) → an Article.
#include "html_page.h"

#include <gumbo.h>
#include <unicode/normalizer2.h>
#include <unicode/ucnv.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "indexer_internal.h"

namespace tracuu {
namespace {

// A story shorter than this (lead and body, in words) is no article: a
// section front's blurbs, a 404 page's apology, a login form.
constexpr std::size_t kMinStoryWords = 30;

// ---------------------------------------------------------------------------
// Parsing in bounded memory.

// Every block gumbo allocates while it builds one tree, freed together when
// the arena dies (gumbo_destroy_output would free the tree recursively, one
// frame per level: 10,000 nested tables are 40,000 levels). When the tree
// outgrows the budget, the allocation jumps back to parse() instead of
// returning: gumbo cannot handle an allocation that fails.
class ParseArena {
 public:
  explicit ParseArena(std::size_t budget) : budget_(budget) {}
  ParseArena(const ParseArena&) = delete;
  ParseArena& operator=(const ParseArena&) = delete;
  ~ParseArena() {
    while (blocks_) {
      Block* next = blocks_->next;
      std::free(blocks_);
      blocks_ = next;
    }
  }

  // The tree of `html` (UTF-8), or nullptr when it outgrew the budget. The
  // tree lives as long as the arena.
  GumboOutput* parse(std::string_view html) {
    GumboOptions options = kGumboDefaultOptions;
    options.allocator = &ParseArena::allocate;
    options.deallocator = &ParseArena::deallocate;
    options.userdata = this;
    options.max_errors = 0;  // parse errors are not kept: a bomb makes millions
    // Only C frames (gumbo's) and allocate() lie between here and the
    // longjmp, none with anything to destroy.
    if (setjmp(over_budget_) != 0) return nullptr;
    return gumbo_parse_with_options(&options, html.data(), html.size());
  }

 private:
  struct alignas(std::max_align_t) Block {
    Block* prev;
    Block* next;
    std::size_t size;
  };

  static void* allocate(void* self, std::size_t size) {
    auto* arena = static_cast<ParseArena*>(self);
    if (arena->used_ + size > arena->budget_) std::longjmp(arena->over_budget_, 1);
    auto* block = static_cast<Block*>(std::malloc(sizeof(Block) + size));
    if (!block) std::longjmp(arena->over_budget_, 1);
    *block = {nullptr, arena->blocks_, size};
    if (arena->blocks_) arena->blocks_->prev = block;
    arena->blocks_ = block;
    arena->used_ += size;
    return block + 1;
  }

  static void deallocate(void* self, void* ptr) {
    if (!ptr) return;
    auto* arena = static_cast<ParseArena*>(self);
    Block* block = static_cast<Block*>(ptr) - 1;
    (block->prev ? block->prev->next : arena->blocks_) = block->next;
    if (block->next) block->next->prev = block->prev;
    arena->used_ -= block->size;
    std::free(block);
  }

  std::size_t budget_;
  std::size_t used_ = 0;
  Block* blocks_ = nullptr;
  std::jmp_buf over_budget_;
};

// ---------------------------------------------------------------------------
// The tree.

bool is_element(const GumboNode* n) {
  return n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE;
}

bool is_tag(const GumboNode* n, GumboTag tag) {
  return is_element(n) && n->v.element.tag == tag;
}

std::string_view attribute(const GumboNode* n, const char* name) {
  if (!is_element(n)) return {};
  const GumboAttribute* a = gumbo_get_attribute(&n->v.element.attributes, name);
  return a ? std::string_view(a->value) : std::string_view();
}

const GumboVector& children(const GumboNode* n) {
  static const GumboVector kNone = {nullptr, 0, 0};
  if (n->type == GUMBO_NODE_DOCUMENT) return n->v.document.children;
  return is_element(n) ? n->v.element.children : kNone;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Visits the tree in document order without recursion (a page may nest
// 40,000 levels deep). enter(node) returns whether to visit its children;
// leave(node) follows them.
template <class Enter, class Leave>
void walk(const GumboNode* root, Enter&& enter, Leave&& leave) {
  struct Frame {
    const GumboNode* node;
    unsigned next;
  };
  std::vector<Frame> stack;
  if (!enter(root)) return;
  stack.push_back({root, 0});
  while (!stack.empty()) {
    Frame& top = stack.back();
    const GumboVector& kids = children(top.node);
    if (top.next < kids.length) {
      const auto* child = static_cast<const GumboNode*>(kids.data[top.next++]);
      if (enter(child)) stack.push_back({child, 0});
    } else {
      leave(top.node);
      stack.pop_back();
    }
  }
}

template <class Enter>
void walk(const GumboNode* root, Enter&& enter) {
  walk(root, std::forward<Enter>(enter), [](const GumboNode*) {});
}

void append_collapsed(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) {
      space = true;  // &nbsp;
      ++i;
    }
    if (!space) {
      out.push_back(text[i]);
    } else if (!out.empty() && out.back() != ' ') {
      out.push_back(' ');
    }
  }
}

bool is_text(const GumboNode* n) {
  return n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
         n->type == GUMBO_NODE_CDATA;
}

// The text of a subtree, spaces collapsed, minus the subtrees `skip` says.
template <class Skip>
std::string text_of(const GumboNode* root, Skip&& skip) {
  std::string out;
  walk(root, [&](const GumboNode* n) {
    if (is_text(n)) append_collapsed(out, n->v.text.text);
    if (is_tag(n, GUMBO_TAG_BR)) out.push_back(' ');
    return is_element(n) && !skip(n);
  });
  return trim_spaces(out);
}

bool is_code(const GumboNode* n) {
  return is_tag(n, GUMBO_TAG_SCRIPT) || is_tag(n, GUMBO_TAG_STYLE) ||
         is_tag(n, GUMBO_TAG_NOSCRIPT) || is_tag(n, GUMBO_TAG_TEMPLATE);
}

std::string text_of(const GumboNode* root) {
  return text_of(root, is_code);
}

std::size_t letters(std::string_view utf8) {  // code points, not bytes
  return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::size_t word_count(std::string_view s) {
  std::size_t n = 0;
  bool in_word = false;
  for (char c : s) {
    const bool space = c == ' ' || c == '\n' || c == '\t';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

// ---------------------------------------------------------------------------
// Encodings.

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
DecodedText page_as_utf8(std::string_view bytes, std::size_t parse_budget) {
  if (is_valid_utf8(bytes)) return {std::string(bytes), "utf-8", 0};
  std::string charset;
  {
    ParseArena arena(parse_budget);  // gumbo reads bad bytes as U+FFFD: enough for <meta>
    if (GumboOutput* out = arena.parse(bytes)) charset = declared_charset(out->root);
  }
  if (!charset.empty() && charset != "utf-8" && charset != "utf8") {
    if (auto text = convert_charset(bytes, charset)) return {std::move(*text), charset, 0};
  }
  if (auto text = decode_vietnamese_text(bytes)) return std::move(*text);
  throw RecordError("not UTF-8 and not a known Vietnamese legacy encoding");
}

// ---------------------------------------------------------------------------
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

bool class_has(const GumboNode* n, std::string_view word) {
  std::string names = lower_ascii(attribute(n, "class"));
  names += ' ';
  names += lower_ascii(attribute(n, "id"));
  return names.find(word) != std::string::npos;
}

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

// A script's text as written: its line breaks are articleBody's paragraphs.
std::string raw_text(const GumboNode* n) {
  std::string out;
  const GumboVector& kids = children(n);
  for (unsigned i = 0; i < kids.length; ++i) {
    const auto* k = static_cast<const GumboNode*>(kids.data[i]);
    if (is_text(k)) out += k->v.text.text;
  }
  return out;
}

bool is_inside(const GumboNode* n, const GumboNode* ancestor) {
  for (const GumboNode* up = n->parent; up; up = up->parent)
    if (up == ancestor) return true;
  return false;
}

// The text of an element's own text children (not of its child elements).
std::string own_text(const GumboNode* n) {
  std::string out;
  const GumboVector& kids = children(n);
  for (unsigned i = 0; i < kids.length; ++i) {
    const auto* k = static_cast<const GumboNode*>(kids.data[i]);
    if (k->type == GUMBO_NODE_TEXT) append_collapsed(out, k->v.text.text);
  }
  return trim_spaces(out);
}

PageFacts collect_facts(const GumboNode* root) {
  PageFacts facts;
  const GumboNode* byline_node = nullptr;
  std::vector<std::string> date_lines;
  walk(root, [&](const GumboNode* n) {
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
        if (facts.time_datetime.empty()) facts.dates.push_back(text_of(n));
        return false;
      default:
        break;
    }
    if (is_code(n)) return false;
    if (facts.breadcrumb.empty() && class_has(n, "breadcrumb")) {
      facts.breadcrumb = breadcrumb_items(n);
      return false;
    }
    // The innermost author element: "author-wrap" may hold the date too.
    if ((!byline_node || is_inside(n, byline_node)) &&
        (class_has(n, "author") || class_has(n, "byline") || attribute(n, "rel") == "author" ||
         attribute(n, "itemprop") == "author")) {
      std::string text = text_of(n);
      if (!text.empty() && letters(text) <= 80) facts.byline = text, byline_node = n;
    }
    if (class_has(n, "date") || class_has(n, "time")) {
      facts.dates.push_back(text_of(n));
    } else if (std::string line = own_text(n); !line.empty() && letters(line) <= 80) {
      date_lines.push_back(std::move(line));
    }
    return true;
  });
  // Elements classed as dates first, then any short line: "Thứ Năm, ngày 2
  // tháng 9 năm 2021" in an old page's table cell.
  facts.dates.insert(facts.dates.end(), date_lines.begin(), date_lines.end());
  return facts;
}

// ---------------------------------------------------------------------------
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
  return facts;
}

// ---------------------------------------------------------------------------
// The story: which blocks of the page are the article.

// Class or id words of page furniture (Readability's "unlikely candidates").
// The strong ones always mark furniture; the weak ones not when the same
// names also say content ("main-header" of a story keeps it).
constexpr std::string_view kFurnitureStrong[] = {
    "comment", "share",   "social", "related", "relate",     "advert",    "breadcrumb",
    "sidebar", "sponsor", "popup",  "cookie",  "newsletter", "banner-ad", "qc-"};
constexpr std::string_view kFurnitureWeak[] = {"menu",   "banner", "footer", "header",  "navbar",
                                               "widget", "tags",   "login",  "toolbar", "ads"};
constexpr std::string_view kContentHints[] = {"article", "content", "main", "story",
                                              "detail",  "body",    "post", "entry"};
// Class words that raise or lower a candidate block's score (Readability's
// positive and negative patterns).
constexpr std::string_view kPositiveHints[] = {"article", "body",  "content", "entry",  "main",
                                               "post",    "story", "text",    "detail", "fck"};
constexpr std::string_view kNegativeHints[] = {"comment", "foot",     "footer",  "meta",   "promo",
                                               "related", "share",    "sidebar", "widget", "tool",
                                               "list",    "box-news", "hidden",  "nav"};

template <std::size_t N>
bool class_has_any(const GumboNode* n, const std::string_view (&words)[N]) {
  std::string names = lower_ascii(attribute(n, "class"));
  names += ' ';
  names += lower_ascii(attribute(n, "id"));
  if (names.size() == 1) return false;
  return std::any_of(std::begin(words), std::end(words),
                     [&](std::string_view w) { return names.find(w) != std::string::npos; });
}

bool is_furniture_tag(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_MENU:
      return true;
    default:
      return false;
  }
}

bool is_furniture(const GumboNode* n) {
  if (!is_element(n)) return false;
  if (is_furniture_tag(n->v.element.tag)) return true;
  if (is_tag(n, GUMBO_TAG_BODY) || is_tag(n, GUMBO_TAG_HTML)) return false;
  if (gumbo_get_attribute(&n->v.element.attributes, "hidden") ||
      attribute(n, "aria-hidden") == "true")
    return true;
  std::string style = lower_ascii(attribute(n, "style"));
  style.erase(std::remove(style.begin(), style.end(), ' '), style.end());
  if (style.find("display:none") != std::string::npos) return true;
  if (class_has_any(n, kFurnitureStrong)) return true;
  return class_has_any(n, kFurnitureWeak) && !class_has_any(n, kContentHints);
}

// Text and link lengths of each element's subtree (furniture left out),
// computed once, bottom-up: scoring asks them of every block.
struct BlockStats {
  std::size_t chars = 0, link_chars = 0, commas = 0;
};

class StoryFinder {
 public:
  explicit StoryFinder(const GumboNode* body) : body_(body) {
    mark_furniture();
    count();
    mark_related_blocks();
    count();
  }

  bool removed(const GumboNode* n) const { return removed_.count(n) > 0; }
  const BlockStats& stats(const GumboNode* n) const {
    static const BlockStats kNone;
    auto it = stats_.find(n);
    return it == stats_.end() ? kNone : it->second;
  }
  double link_density(const GumboNode* n) const {
    const BlockStats& s = stats(n);
    return s.chars == 0 ? 0 : static_cast<double>(s.link_chars) / static_cast<double>(s.chars);
  }

  // The blocks that hold the story, in document order (empty: none).
  std::vector<const GumboNode*> story_blocks() const {
    auto scores = score_candidates();
    const GumboNode* best = nullptr;
    double best_score = 0;
    for (const auto& [node, score] : scores) {
      double final_score = score * (1 - link_density(node));
      if (final_score > best_score) best = node, best_score = final_score;
    }
    if (!best) return {};
    return with_siblings(best, best_score, scores);
  }

 private:
  // Class words are only a hint: a main column named "sidebar-1" that holds
  // the page's <h1> or <article> stays (the tags themselves always go).
  void mark_furniture() {
    std::unordered_set<const GumboNode*> holds_story;
    walk(body_, [&](const GumboNode* n) {
      if (!is_element(n) || is_furniture_tag(n->v.element.tag)) return false;
      if (is_tag(n, GUMBO_TAG_H1) || is_tag(n, GUMBO_TAG_ARTICLE) ||
          attribute(n, "itemprop") == "articleBody") {
        for (const GumboNode* up = n; up && up != body_; up = up->parent) holds_story.insert(up);
      }
      return true;
    });
    walk(body_, [&](const GumboNode* n) {
      if (!is_element(n)) return false;
      if (is_furniture_tag(n->v.element.tag) || (is_furniture(n) && !holds_story.count(n))) {
        removed_.insert(n);
        return false;
      }
      return true;
    });
  }

  void count() {
    stats_.clear();
    std::vector<int> in_link;  // depth of <a> on the path
    int links = 0;
    std::vector<const GumboNode*> path;
    walk(
        body_,
        [&](const GumboNode* n) {
          if (is_text(n)) {
            std::size_t chars = letters(n->v.text.text);
            std::size_t commas = static_cast<std::size_t>(
                std::count(n->v.text.text, n->v.text.text + std::strlen(n->v.text.text), ','));
            for (const GumboNode* up : path) {
              BlockStats& s = stats_[up];
              s.chars += chars;
              s.commas += commas;
              if (links > 0) s.link_chars += chars;
            }
            return false;
          }
          if (!is_element(n) || removed(n)) return false;
          path.push_back(n);
          if (is_tag(n, GUMBO_TAG_A)) ++links;
          return true;
        },
        [&](const GumboNode* n) {
          if (is_tag(n, GUMBO_TAG_A)) --links;
          if (!path.empty()) path.pop_back();
        });
  }

  // A heading of page-chrome words ("Tin liên quan", "Đọc thêm:") starts a
  // block of other stories' links: its largest enclosing block that holds
  // little else than links goes, and so do the link lists that follow it.
  void mark_related_blocks() {
    std::vector<const GumboNode*> headings;
    walk(body_, [&](const GumboNode* n) {
      if (!is_element(n) || removed(n)) return false;
      const BlockStats& s = stats(n);
      if (s.chars > 0 && s.chars <= 40) {
        std::string text = text_of(n);
        while (!text.empty() && (text.back() == ':' || text.back() == ' ')) text.pop_back();
        if (is_page_chrome_line(text)) {
          headings.push_back(n);
          return false;
        }
      }
      return true;
    });
    for (const GumboNode* heading : headings) {
      const GumboNode* block = heading;
      const std::size_t own = stats(heading).chars;
      while (block->parent && block->parent != body_ && is_element(block->parent)) {
        const BlockStats& up = stats(block->parent);
        if (up.chars - up.link_chars > own + 40) break;
        block = block->parent;
      }
      removed_.insert(block);
      if (!block->parent) continue;
      const GumboVector& kids = children(block->parent);
      for (unsigned i = block->index_within_parent + 1; i < kids.length; ++i) {
        const auto* next = static_cast<const GumboNode*>(kids.data[i]);
        if (!is_element(next)) continue;
        if (link_density(next) < 0.5) break;
        removed_.insert(next);
      }
    }
  }

  static bool is_block_tag(GumboTag tag) {
    switch (tag) {
      case GUMBO_TAG_P:
      case GUMBO_TAG_DIV:
      case GUMBO_TAG_TABLE:
      case GUMBO_TAG_UL:
      case GUMBO_TAG_OL:
      case GUMBO_TAG_BLOCKQUOTE:
      case GUMBO_TAG_SECTION:
      case GUMBO_TAG_ARTICLE:
      case GUMBO_TAG_FIGURE:
      case GUMBO_TAG_PRE:
      case GUMBO_TAG_H2:
      case GUMBO_TAG_H3:
      case GUMBO_TAG_H4:
      case GUMBO_TAG_DL:
        return true;
      default:
        return false;
    }
  }

  // A <p>, <pre> or <td>, or a <div> with no block inside (many CMSs write
  // paragraphs as divs).
  static bool is_paragraph(const GumboNode* n) {
    if (is_tag(n, GUMBO_TAG_P) || is_tag(n, GUMBO_TAG_PRE) || is_tag(n, GUMBO_TAG_TD)) return true;
    if (!is_tag(n, GUMBO_TAG_DIV)) return false;
    const GumboVector& kids = children(n);
    for (unsigned i = 0; i < kids.length; ++i) {
      const auto* k = static_cast<const GumboNode*>(kids.data[i]);
      if (is_element(k) && is_block_tag(k->v.element.tag)) return false;
    }
    return true;
  }

  static double initial_score(const GumboNode* n) {
    double score = 0;
    switch (n->v.element.tag) {
      case GUMBO_TAG_ARTICLE:
        score = 10;
        break;
      case GUMBO_TAG_DIV:
        score = 5;
        break;
      case GUMBO_TAG_PRE:
      case GUMBO_TAG_TD:
      case GUMBO_TAG_BLOCKQUOTE:
        score = 3;
        break;
      case GUMBO_TAG_OL:
      case GUMBO_TAG_UL:
      case GUMBO_TAG_DL:
      case GUMBO_TAG_LI:
      case GUMBO_TAG_ADDRESS:
        score = -3;
        break;
      case GUMBO_TAG_H1:
      case GUMBO_TAG_H2:
      case GUMBO_TAG_H3:
      case GUMBO_TAG_H4:
      case GUMBO_TAG_TH:
        score = -5;
        break;
      default:
        break;
    }
    if (class_has_any(n, kPositiveHints)) score += 25;
    if (class_has_any(n, kNegativeHints)) score -= 25;
    return score;
  }

  // Readability's scoring: each paragraph of 25 letters or more gives
  // 1 + its commas + one per 100 letters (at most 3) to its parent, half to
  // its grandparent, and a third per level to three more ancestors.
  std::unordered_map<const GumboNode*, double> score_candidates() const {
    std::unordered_map<const GumboNode*, double> scores;
    walk(body_, [&](const GumboNode* n) {
      if (!is_element(n) || removed(n)) return false;
      if (!is_paragraph(n)) return true;
      const BlockStats& s = stats(n);
      if (s.chars < 25) return true;
      const double score =
          1.0 + static_cast<double>(s.commas) + std::min(3.0, static_cast<double>(s.chars / 100));
      const GumboNode* up = n->parent;
      for (int level = 0; level < 5 && up && is_element(up); ++level, up = up->parent) {
        auto [it, fresh] = scores.try_emplace(up, 0.0);
        if (fresh) it->second = initial_score(up);
        it->second += score / (level == 0 ? 1.0 : level == 1 ? 2.0 : level * 3.0);
      }
      return true;
    });
    return scores;
  }

  // Readability's siblings rule: a sibling of the best block joins it when
  // it scores near it, or is a paragraph of real text with few links.
  std::vector<const GumboNode*> with_siblings(
      const GumboNode* best, double best_score,
      const std::unordered_map<const GumboNode*, double>& scores) const {
    if (!best->parent || best->parent == body_ || !is_element(best->parent)) return {best};
    std::vector<const GumboNode*> blocks;
    const double threshold = std::max(10.0, best_score * 0.2);
    const GumboVector& kids = children(best->parent);
    for (unsigned i = 0; i < kids.length; ++i) {
      const auto* sibling = static_cast<const GumboNode*>(kids.data[i]);
      if (!is_element(sibling) || removed(sibling)) continue;
      bool joins = sibling == best;
      auto it = scores.find(sibling);
      if (!joins && it != scores.end())
        joins = it->second * (1 - link_density(sibling)) >= threshold;
      if (!joins && !is_tag(sibling, GUMBO_TAG_H1)) {  // a lead in <h2 class="sapo">, too
        const BlockStats& s = stats(sibling);
        joins = s.chars > 80 && link_density(sibling) < 0.25;
      }
      if (joins) blocks.push_back(sibling);
    }
    return blocks;
  }

  const GumboNode* body_;
  std::unordered_set<const GumboNode*> removed_;
  std::unordered_map<const GumboNode*, BlockStats> stats_;
};

// One paragraph of the story's blocks as read.
struct Paragraph {
  std::string text;
  std::size_t link_chars = 0;
  bool heading = false;
};

struct StoryText {
  std::vector<Paragraph> paragraphs;
  std::vector<std::string> captions;
};

bool is_line_break_tag(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_HR:
      return true;
    default:
      return false;
  }
}

bool is_heading_tag(GumboTag tag) {
  return tag == GUMBO_TAG_H2 || tag == GUMBO_TAG_H3 || tag == GUMBO_TAG_H4 || tag == GUMBO_TAG_H5 ||
         tag == GUMBO_TAG_H6;
}

// The paragraphs (line-breaking elements end one; a table row is one) and
// the photo captions (<figcaption>) of the story's blocks.
StoryText read_story(const std::vector<const GumboNode*>& blocks, const StoryFinder& finder) {
  StoryText story;
  Paragraph current;
  std::string caption;
  int in_link = 0, in_caption = 0, in_h1 = 0;
  auto flush = [&] {
    current.text = trim_spaces(current.text);
    if (!current.text.empty() && in_h1 == 0) story.paragraphs.push_back(std::move(current));
    current = {};
  };
  for (const GumboNode* block : blocks) {
    walk(
        block,
        [&](const GumboNode* n) {
          if (is_text(n)) {
            std::string& out = in_caption > 0 ? caption : current.text;
            const std::size_t before = out.size();
            append_collapsed(out, n->v.text.text);
            if (in_link > 0 && in_caption == 0) current.link_chars += letters(out.substr(before));
            return false;
          }
          if (!is_element(n) || finder.removed(n)) return false;
          const GumboTag tag = n->v.element.tag;
          if (tag == GUMBO_TAG_FIGCAPTION) ++in_caption;
          if (in_caption > 0) return true;
          if (is_line_break_tag(tag)) flush();
          if (tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH) current.text += ' ';
          if (tag == GUMBO_TAG_A) ++in_link;
          if (tag == GUMBO_TAG_H1) ++in_h1;  // the title, not the story
          if (is_heading_tag(tag)) current.heading = true;
          return true;
        },
        [&](const GumboNode* n) {
          const GumboTag tag = n->v.element.tag;
          if (tag == GUMBO_TAG_FIGCAPTION) {
            if (--in_caption == 0) {
              std::string text = trim_spaces(caption);
              if (!text.empty()) story.captions.push_back(text);
              caption.clear();
            }
            return;
          }
          if (in_caption > 0) return;
          if (tag == GUMBO_TAG_A) --in_link;
          if (is_line_break_tag(tag) || tag == GUMBO_TAG_H1) flush();
          if (tag == GUMBO_TAG_H1) --in_h1;
        });
    flush();
  }
  return story;
}

// ---------------------------------------------------------------------------
// The fields.

// A date written in a line: the whole line ("ngày 15 tháng 5 năm 2021",
// "2021-05-15T08:30:00+07:00") or one of its parts ("Thứ bảy, 15/5/2021,
// 08:30 (GMT+7)", "15/05/2021 - 08:30").
std::optional<Date> date_in_line(std::string_view line) {
  if (line.empty() || letters(line) > 80) return std::nullopt;
  if (auto d = parse_date(line)) return d;
  if (line.size() > 10 && line[4] == '-' && line[7] == '-' && line[10] == 'T')
    return parse_date(line.substr(0, 10));  // "2023-09-05T14:12", no seconds
  std::string text(line);
  for (char& c : text)
    if (c == '|' || c == '-' || c == '(' || c == ')') c = ',';
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string part = trim_spaces(std::string_view(text).substr(start, end - start));
    if (!part.empty()) {
      if (auto d = parse_date(part)) return d;
    }
    start = end + 1;
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

// Reads like a news site's brand: one word in CamelCase ("VnExpress",
// "VietnamPlus", "ZingNews"), or a name with "vn", "news" or "online" in it
// ("Tuoitre.vn", "Thanh Niên Online").
bool is_brand(std::string_view tail) {
  const std::string folded = lower_ascii(compact_folded(tail));
  for (std::string_view mark : {"vn", "news", "online"})
    if (folded.find(mark) != std::string::npos) return true;
  if (word_count(tail) != 1) return false;
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

bool ends_sentence(std::string_view s) {
  static constexpr std::string_view kEnds[] = {".", "!", "?", "…", "\"", "”", ":", ";", ","};
  return std::any_of(std::begin(kEnds), std::end(kEnds), [&](std::string_view e) {
    return s.size() >= e.size() && s.substr(s.size() - e.size()) == e;
  });
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
    if (text == a.title || (!byline.empty() && (text == byline || text == a.author))) continue;
    if (!p.heading && word_count(text) <= 12 && date_in_line(text)) continue;
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
    if (word_count(p.text) <= 12) a.published = iso_date(p.text);
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
  if (word_count(e.json_ld.body) >= kMinStoryWords) {
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

void take_author(Article& a, const Evidence& e, std::vector<std::string>& paragraphs) {
  a.author = first_of({e.json_ld.author, author_name(e.page.byline)});
  const std::string meta_author = meta_of(e.page, {"author", "article:author"});
  if (a.author.empty() && !is_web_url(meta_author)) a.author = meta_author;
  // As on text pages: a signature alone on the last line, a short name
  // without sentence punctuation.
  if (!paragraphs.empty()) {
    const std::string& last = paragraphs.back();
    const bool signature = paragraphs.size() >= 2 && word_count(last) <= 6 && last.size() <= 60 &&
                           !ends_sentence(last);
    if (signature && (a.author.empty() || last == a.author)) {
      a.author = last;
      paragraphs.pop_back();
    }
  }
}

const GumboNode* body_of(const GumboNode* root) {
  const GumboNode* body = root;
  walk(root, [&](const GumboNode* n) {
    if (is_tag(n, GUMBO_TAG_BODY)) body = n;
    return is_tag(n, GUMBO_TAG_HTML);
  });
  return body;
}

double page_link_density(const StoryFinder& finder, const GumboNode* body) {
  return finder.link_density(body);
}

}  // namespace

Article parse_html_page(std::string_view bytes, std::string default_id) {
  if (bytes.size() > kMaxHtmlPageBytes)
    throw RecordError("page too large (" + std::to_string(bytes.size()) + " bytes, limit " +
                      std::to_string(kMaxHtmlPageBytes) + ")");
  const std::size_t budget = kParseBaseBytes + kParseBytesPerPageByte * bytes.size();
  DecodedText text = page_as_utf8(bytes, budget);
  if (text.utf8.find('\0') != std::string::npos)
    throw RecordError("no article (binary data, not an HTML page)");
  ParseArena arena(budget);
  GumboOutput* tree = arena.parse(text.utf8);
  if (!tree)
    throw RecordError("no article (the page is too complex to parse: its tree outgrew " +
                      std::to_string(budget >> 20) + " MB, an HTML bomb?)");

  Evidence evidence{collect_facts(tree->root), {}};
  evidence.json_ld = read_json_ld(evidence.page.json_ld);
  const GumboNode* body = body_of(tree->root);
  StoryFinder finder(body);
  StoryText story = read_story(finder.story_blocks(), finder);

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
  std::vector<std::string> paragraphs =
      story_paragraphs(story, a, author_name(evidence.page.byline));
  take_author(a, evidence, paragraphs);
  take_story(a, evidence, std::move(paragraphs));
  for (const std::string& c : story.captions) a.caption += (a.caption.empty() ? "" : "\n") + c;

  const std::size_t words = word_count(a.lead) + word_count(a.body);
  if (words < kMinStoryWords) {
    if (page_link_density(finder, body) > 0.5)
      throw RecordError("no article (a page of links, like a section front: " +
                        std::to_string(words) + " words of story)");
    throw RecordError("no article (" + std::to_string(words) + " words of story, fewer than " +
                      std::to_string(kMinStoryWords) + ")");
  }
  internal::decode_entities(a);
  check_article(a);
  drop_unsafe_url(a);
  return a;
}

}  // namespace tracuu
