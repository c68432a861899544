// Which blocks of an HTML page are the story, and its text: candidate
// blocks scored as Mozilla Readability scores them, paragraphs kept or
// dropped by text and link density as jusText and trafilatura do, blocks
// of other stories' links dropped by their page-chrome.txt heading
// (docs/indexing.md#html-pages). Internal to indexer/; stateless.
#pragma once

#include <gumbo.h>

#include <cstddef>
#include <string>
#include <vector>

namespace tracuu::html {

// One paragraph of the story as read: a line-breaking element's text, or
// a table row's cells.
struct Paragraph {
  std::string text;
  std::size_t link_chars = 0;  // letters inside links
  bool heading = false;        // a subheading (<h2>..<h6>)
};

struct StoryText {
  // In document order, the <h1> left out (it is the title). Not yet
  // filtered: page-chrome lines and link lists may be among them.
  std::vector<Paragraph> paragraphs;
  std::vector<std::string> captions;  // the <figcaption>s in the story
  // The share of the page's letters inside links: most, on a section front.
  double page_link_density = 0;
};

// The story in the <body> (or whole tree) `body`; no paragraphs when no
// block has any.
StoryText find_story(const GumboNode* body);

}  // namespace tracuu::html
