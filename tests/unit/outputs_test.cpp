// Safe outputs and the editors' bounds (issue 22): CSV cells a spreadsheet
// would run, links that are not http(s), characters XML cannot hold, editors'
// lines that are too long.
#include "api.h"
#include "editorial_errors.h"
#include "schema.h"
#include "search.h"
#include "test_util.h"

using tracuu::csv_field;
using tracuu::is_web_url;
using tracuu::Rules;
using tracuu::Synonyms;
using tracuu::xml_text;
using tracuu::test::error_of;

TEST_CASE("CSV cells a spreadsheet would read as a formula start with a quote") {
  struct Case {
    const char* value;
    const char* cell;
    const char* why;
  };
  const Case cases[] = {
      {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"", "formula"},
      {"=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\"", "DDE"},
      {"@SUM(1+1)", "\"'@SUM(1+1)\"", "Lotus-style @"},
      {"+1+1", "\"'+1+1\"", "plus"},
      {"-1+1", "\"'-1+1\"", "minus"},
      {"-5", "\"'-5\"", "a negative number too: text loses nothing"},
      {"\t=1", "\"'\t=1\"", "tab first"},
      {"\r=1", "\"'\r=1\"", "CR first"},
      {"  =1+1", "\"'  =1+1\"", "spaces first: LibreOffice trims them"},
      {"Hà Nội = thủ đô", "\"Hà Nội = thủ đô\"", "an = inside is text"},
      {"", "\"\"", "empty"},
      {"   ", "\"   \"", "only spaces"},
      {"a\"b", "\"a\"\"b\"", "quotes doubled"},
  };
  for (const Case& c : cases) {
    INFO(c.why);
    CHECK(csv_field(c.value) == c.cell);
  }
}

TEST_CASE("only absolute http and https addresses are web urls") {
  for (const char* good : {"http://a.example", "https://baomoi.com/a/b.epi?x=1#y",
                           "HTTPS://BAOMOI.COM/", "Http://a.example:8080/"}) {
    INFO(good);
    CHECK(is_web_url(good));
  }
  for (const char* bad :
       {"javascript:alert(document.domain)", "JAVASCRIPT:alert(1)", " javascript:alert(1)",
        "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
        "//evil.example/x", "/relative/path", "http:/one-slash", "http:evil", "https://",
        "http:///path", "ftp://files.example/x", "http://a.example/with space",
        "http://a.example/\x01", "javascript://%0aalert(1)"}) {
    INFO(bad);
    CHECK_FALSE(is_web_url(bad));
  }
}

TEST_CASE("an article's url that is not http(s) is dropped with its field's error") {
  tracuu::Article a = tracuu::article_from_json(
      R"j({"id": "x", "title": "T", "url": "  javascript:alert(document.domain)"})j");
  CHECK(a.url.empty());
  REQUIRE(a.field_errors.size() == 1);
  CHECK(a.field_errors[0].rfind("url: ", 0) == 0);
  CHECK(a.field_errors[0].find("javascript:alert") != std::string::npos);

  tracuu::Article ok =
      tracuu::article_from_json(R"({"id": "y", "title": "T", "url": "https://baomoi.com/a"})");
  CHECK(ok.url == "https://baomoi.com/a");
  CHECK(ok.field_errors.empty());
}

TEST_CASE("text for XML drops what XML 1.0 cannot hold, keeps every other character") {
  CHECK(xml_text("Tin \xEF\xBF\xBE nóng") == "Tin  nóng");  // U+FFFE
  CHECK(xml_text("a\xEF\xBF\xBF"
                 "b") == "ab");  // U+FFFF
  CHECK(xml_text("a\x01\x08\x0B\x0C\x1F"
                 "b") == "ab");                   // C0 controls
  CHECK(xml_text("a\tb\nc\rd") == "a\tb\nc\rd");  // allowed controls
  CHECK(xml_text("a\xED\xA0\x80"
                 "b") == "ab");  // a lone surrogate, D800
  CHECK(xml_text("a\xC0\xAF"
                 "b") == "ab");  // overlong "/"
  CHECK(xml_text("a\xFF"
                 "b\xE1\xBA") == "ab");  // not UTF-8, cut
  CHECK(xml_text("Hà Nội \xEF\xBF\xBD \xF0\x9F\x93\xB0") == "Hà Nội \xEF\xBF\xBD \xF0\x9F\x93\xB0");
}

TEST_CASE("an editors' line past the line limit is refused, quoting 200 bytes of it") {
  const std::string huge(10 << 20, 'a');
  for (const std::string& text : {"x = " + huge + "\n", "pin\t" + huge + "\tid1\n"}) {
    const std::string error = text[0] == 'x' ? error_of([&] { Synonyms::parse(text, "syn.txt"); })
                                             : error_of([&] { Rules::parse(text, "rules.tsv"); });
    INFO(error.substr(0, 300));
    CHECK(error.find(":1: a line of ") != std::string::npos);
    CHECK(error.size() < 400);
  }
}

TEST_CASE("errors about a long form or query quote at most 200 bytes of it") {
  // Under the line limit, over what an error may quote.
  std::string long_form;
  for (int i = 0; i < 1300; ++i) long_form += "xa ";
  const std::string syn = error_of([&] { Synonyms::parse("a = " + long_form + "\n", "s.txt"); });
  INFO(syn.substr(0, 300));
  CHECK(!syn.empty());
  CHECK(syn.size() < 400);
  const std::string dup = error_of([&] {
    Rules::parse(
        "pin\t" + std::string(900, 'q') + "\tid1\npin\t" + std::string(900, 'q') + "\tid2\n",
        "r.tsv");
  });
  CHECK(dup.find("already pinned on line 1") != std::string::npos);
  CHECK(dup.size() < 400);
}

TEST_CASE("a pin's query longer than a search's q is refused") {
  const std::string error =
      error_of([&] { Rules::parse("pin\t" + std::string(5000, 'q') + "\tid1\n", "rules.tsv"); });
  CHECK(error.find("rules.tsv:1: a query of 5000 bytes") != std::string::npos);
  CHECK(error.size() < 400);
  CHECK(error_of([&] { Rules::parse("pin\t" + std::string(1000, 'q') + "\tid1\n", "r"); }) == "");
}
