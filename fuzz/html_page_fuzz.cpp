// libFuzzer target: an HTML page, or a WARC response's HTTP message, of any
// bytes is read or refused with a RecordError; never a crash, and an
// article's fields are valid UTF-8 that check_article accepts.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "html_page.h"
#include "warc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    tracuu::Article a = tracuu::parse_html_page(bytes, "fuzz.html");
    for (const std::string* field : {&a.id, &a.title, &a.lead, &a.body, &a.caption, &a.author,
                                     &a.category, &a.published, &a.url}) {
      if (!tracuu::is_valid_utf8(*field)) std::abort();
    }
    tracuu::check_article(a);  // throws RecordError, caught below, only if parse_html_page lied
    if (!a.url.empty() && !tracuu::is_web_url(a.url)) std::abort();
  } catch (const tracuu::RecordError&) {
  }
  if (auto response = tracuu::parse_http_response(bytes)) {
    if (response->body.size() > size) std::abort();
  }
  return 0;
}
