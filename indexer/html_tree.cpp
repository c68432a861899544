// The tree helpers of html_tree.h: the bounded arena, reading nodes.
#include "html_tree.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

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

// Writes into the string's own buffer, sized once, not push_back per byte:
// every text of a page passes here (docs/benchmarks.md, Ingest).
void append_collapsed(std::string& out, std::string_view text) {
  const std::size_t before = out.size();
  out.resize(before + text.size());  // collapsing only shortens the text
  char* const begin = out.data();
  char* end = begin + before;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) {
      space = true;  // &nbsp;
      ++i;
    }
    if (!space) {
      *end++ = text[i];
    } else if (end != begin && end[-1] != ' ') {
      *end++ = ' ';
    }
  }
  out.resize(static_cast<std::size_t>(end - begin));
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

// Eight bytes at a time: every text of a page is measured, some twice
// (docs/benchmarks.md, Ingest).
std::size_t letters(std::string_view utf8) {  // code points, not bytes
  std::size_t count = 0, i = 0;
  for (; i + 8 <= utf8.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, utf8.data() + i, 8);
    // A continuation byte is 10xxxxxx: its top bit set, the next one not.
    // The multiplication sums the eight flags into the top byte.
    const std::uint64_t continuation = (word & ~(word << 1) & 0x8080808080808080ULL) >> 7;
    count += 8 - static_cast<std::size_t>((continuation * 0x0101010101010101ULL) >> 56);
  }
  for (; i < utf8.size(); ++i) count += (static_cast<unsigned char>(utf8[i]) & 0xC0) != 0x80;
  return count;
}

namespace {

// Whether `text` in lower case holds `word` (lower case), without a lower-case copy.
bool holds_lowered(std::string_view text, std::string_view word) {
  auto same = [](char t, char w) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(t))) == w;
  };
  return std::search(text.begin(), text.end(), word.begin(), word.end(), same) != text.end();
}

}  // namespace

// Asked of every element several times: no copies (docs/benchmarks.md,
// Ingest). A word without spaces lies in the class or in the id.
bool class_has(const GumboNode* n, std::string_view word) {
  return holds_lowered(attribute(n, "class"), word) || holds_lowered(attribute(n, "id"), word);
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
