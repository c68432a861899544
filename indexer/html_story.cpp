// find_story: furniture out (tags, class words, related blocks), blocks
// scored, the best with its siblings read as paragraphs and captions.
#include "html_story.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "html_tree.h"
#include "vietnamese.h"

namespace tracuu::html {
namespace {

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

// Found with memchr: commas are few, and every text of a page is counted
// twice (docs/benchmarks.md, Ingest).
std::size_t commas(std::string_view text) {
  std::size_t n = 0;
  const char* const end = text.data() + text.size();
  for (const char* p = text.data(); p < end; ++p, ++n) {
    p = static_cast<const char*>(std::memchr(p, ',', static_cast<std::size_t>(end - p)));
    if (!p) return n;
  }
  return n;
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

  // One pass: a text node counts for its element, an element adds its
  // counts to its parent's when left (bottom-up, linear in the tree).
  void count() {
    stats_.clear();
    int links = 0;  // <a> elements open on the path
    std::vector<const GumboNode*> path;
    walk(
        body_,
        [&](const GumboNode* n) {
          if (is_text(n)) {
            if (path.empty()) return false;
            const std::string_view text = n->v.text.text;
            BlockStats& s = stats_[path.back()];
            const std::size_t chars = letters(text);
            s.chars += chars;
            s.commas += commas(text);
            if (links > 0) s.link_chars += chars;
            return false;
          }
          if (!is_element(n) || removed(n)) return false;
          path.push_back(n);
          if (is_tag(n, GUMBO_TAG_A)) ++links;
          return true;
        },
        [&](const GumboNode* n) {
          if (is_tag(n, GUMBO_TAG_A)) --links;
          path.pop_back();
          if (path.empty()) return;
          auto own = stats_.find(n);
          if (own == stats_.end()) return;
          const BlockStats s = own->second;  // stats_[parent] may rehash
          BlockStats& up = stats_[path.back()];
          up.chars += s.chars;
          up.link_chars += s.link_chars;
          up.commas += s.commas;
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
        std::string text = text_of(n, [&](const GumboNode* k) { return removed(k) || is_code(k); });
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
            if (in_link > 0 && in_caption == 0)
              current.link_chars += letters(std::string_view(out).substr(before));
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

}  // namespace

StoryText find_story(const GumboNode* body) {
  StoryFinder finder(body);
  StoryText story = read_story(finder.story_blocks(), finder);
  story.page_link_density = finder.link_density(body);
  return story;
}

}  // namespace tracuu::html
