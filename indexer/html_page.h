// Reading one saved HTML page (a CMS export, `wget --mirror`, "Save page as")
// as an article: Google's HTML5 parser (gumbo) builds the tree a browser
// would, then the fields are taken from the best evidence the page has and
// the story is told apart from the page around it (docs/indexing.md#html-pages).
// Internal to indexer/ (loaders.cpp calls it; the unit tests reach it).
// Stateless functions: safe to call from any number of threads at once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "indexer.h"

namespace tracuu {

// Larger files are not read at all: a news page with its inline scripts and
// styles is a few hundred KB, and 8 MB is already a dump or a mistake.
inline constexpr std::size_t kMaxHtmlPageBytes = 8 << 20;

// The parse tree may use at most this many bytes per byte of page (plus
// kParseBaseBytes): a page needs 5 to 10 (the test pages: 4.8 to 10.3); an
// HTML bomb (thousands of unclosed formatting tags the HTML5 rules reopen
// in every paragraph) needs thousands and is stopped here instead of
// taking the machine's memory.
inline constexpr std::size_t kParseBytesPerPageByte = 48;
inline constexpr std::size_t kParseBaseBytes = 32 << 20;

// The article in an HTML page, `bytes` as read from the file (any
// encoding: the page's <meta charset> or http-equiv declaration, else
// UTF-8 or a Vietnamese legacy encoding as decode_vietnamese_text finds).
// The id is the page's canonical URL (<link rel="canonical">, og:url,
// JSON-LD url), also its url field; without one it is `default_id` (the
// path, as for text pages) and the url is empty. Throws RecordError: "no
// article (why)" for a page without a story (a section front, a 404 or
// login page), and for pages too large, binary or too complex to parse.
// `http_content_type`: the Content-Type a server sent with the page (a web
// archive's response); its charset wins over the page's own declaration.
Article parse_html_page(std::string_view bytes, std::string default_id,
                        std::string_view http_content_type = {});

}  // namespace tracuu
