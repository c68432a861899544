// The tree helpers of html_tree.h: the bounded arena, reading nodes.
#include "html_tree.h"

#include <algorithm>
#include <cstdlib>

namespace tracuu::html {

ParseArena::~ParseArena() {
  while (blocks_) {
    Block* next = blocks_->next;
    std::free(blocks_);
    blocks_ = next;
  }
}

GumboOutput* ParseArena::parse(std::string_view html) {
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = &ParseArena::allocate;
  options.deallocator = &ParseArena::deallocate;
  options.userdata = this;
  options.max_errors = 0;
  // Only C frames (gumbo's) and allocate() lie between here and the
  // longjmp, none with anything to destroy.
  if (setjmp(over_budget_) != 0) return nullptr;
  return gumbo_parse_with_options(&options, html.data(), html.size());
}

void* ParseArena::allocate(void* self, std::size_t size) {
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

void ParseArena::deallocate(void* self, void* ptr) {
  if (!ptr) return;
  auto* arena = static_cast<ParseArena*>(self);
  Block* block = static_cast<Block*>(ptr) - 1;
  (block->prev ? block->prev->next : arena->blocks_) = block->next;
  if (block->next) block->next->prev = block->prev;
  arena->used_ -= block->size;
  std::free(block);
}

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

bool class_has(const GumboNode* n, std::string_view word) {
  std::string names = lower_ascii(attribute(n, "class"));
  names += ' ';
  names += lower_ascii(attribute(n, "id"));
  return names.find(word) != std::string::npos;
}

std::string raw_text(const GumboNode* n) {
  std::string out;
  const GumboVector& kids = children(n);
  for (unsigned i = 0; i < kids.length; ++i) {
    const auto* k = static_cast<const GumboNode*>(kids.data[i]);
    if (is_text(k)) out += k->v.text.text;
  }
  return out;
}

std::string own_text(const GumboNode* n) {
  std::string out;
  const GumboVector& kids = children(n);
  for (unsigned i = 0; i < kids.length; ++i) {
    const auto* k = static_cast<const GumboNode*>(kids.data[i]);
    if (k->type == GUMBO_NODE_TEXT) append_collapsed(out, k->v.text.text);
  }
  return trim_spaces(out);
}

const GumboNode* body_of(const GumboNode* root) {
  const GumboNode* body = root;
  walk(root, [&](const GumboNode* n) {
    if (is_tag(n, GUMBO_TAG_BODY)) body = n;
    return is_tag(n, GUMBO_TAG_HTML);
  });
  return body;
}

}  // namespace tracuu::html
