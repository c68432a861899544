// Gumbo's HTML5 tree, built in bounded memory and read without recursion:
// what html_page.cpp and html_story.cpp share. Internal to indexer/.
// Every function is safe on any thread; a ParseArena and its tree belong to
// one thread.
#pragma once

#include <gumbo.h>

#include <csetjmp>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vietnamese.h"

namespace tracuu::html {

// Every block gumbo allocates while it builds one tree, freed together when
// the arena dies (gumbo_destroy_output would free the tree recursively, one
// frame per level: 10,000 nested tables are 40,000 levels). When the tree
// outgrows `budget` bytes, the allocation jumps back to parse() instead of
// returning: gumbo cannot handle an allocation that fails.
class ParseArena {
 public:
  explicit ParseArena(std::size_t budget) : budget_(budget) {}
  ParseArena(const ParseArena&) = delete;
  ParseArena& operator=(const ParseArena&) = delete;
  ~ParseArena();

  // The tree of `html` (UTF-8; bad bytes read as U+FFFD), or nullptr when
  // it outgrew the budget. The tree lives as long as the arena. Parse
  // errors are not kept (with them, 10,000 nested tables took 12 s: each
  // error copies the stack of open elements).
  GumboOutput* parse(std::string_view html);

 private:
  struct alignas(std::max_align_t) Block {
    Block* prev;
    Block* next;
    std::size_t size;
  };
  static void* allocate(void* self, std::size_t size);
  static void deallocate(void* self, void* ptr);

  std::size_t budget_;
  std::size_t used_ = 0;
  Block* blocks_ = nullptr;
  std::jmp_buf over_budget_;
};

bool is_element(const GumboNode* n);  // an element or a <template>
bool is_tag(const GumboNode* n, GumboTag tag);
bool is_text(const GumboNode* n);  // text, whitespace or CDATA
// <script>, <style>, <noscript>, <template>: text that is not read.
bool is_code(const GumboNode* n);
// The attribute's value; empty when absent (data() is null then).
std::string_view attribute(const GumboNode* n, const char* name);
const GumboVector& children(const GumboNode* n);  // none for text
// Whether the element's class or id holds `word` (lower case, not empty, no
// spaces): "box-comment" holds "comment".
bool class_has(const GumboNode* n, std::string_view word);
const GumboNode* body_of(const GumboNode* root);  // <body>, or the root

std::string lower_ascii(std::string_view s);
// Appends `text` with runs of spaces, line ends and no-break spaces as one space.
void append_collapsed(std::string& out, std::string_view text);
std::size_t letters(std::string_view utf8);  // code points, not bytes

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

// The text of a subtree, spaces collapsed, trimmed, minus the subtrees
// `skip` says.
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
std::string text_of(const GumboNode* root);  // without scripts and styles
// The text of an element's own text children (not of its child elements).
std::string own_text(const GumboNode* n);
// A script's text as written: its line breaks are articleBody's paragraphs.
std::string raw_text(const GumboNode* n);

}  // namespace tracuu::html
