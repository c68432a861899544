// Legacy Vietnamese encodings: TCVN3, VNI-Windows, Windows-1258, and rejection
// of bytes that are none of them.
#include <fstream>
#include <random>
#include <sstream>

#include "test_util.h"
#include "vietnamese.h"

namespace {

std::string read(const std::string& rel) {
  std::ifstream in(std::string(TRACUU_SOURCE_DIR) + "/" + rel, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("valid UTF-8 passes through unchanged") {
  auto d = tracuu::decode_vietnamese_text("Việt Nam");
  REQUIRE(d.has_value());
  CHECK(d->encoding == "utf-8");
  CHECK(d->utf8 == "Việt Nam");
}

TEST_CASE("table-driven legacy byte strings decode to Vietnamese") {
  struct Case {
    const char* encoding;
    std::string bytes;
    const char* text;
  };
  const Case cases[] = {
      // TCVN3: one byte per letter; ệ = D6, ố = E8, đ = AE.
      {"tcvn3", "Vi\xD6t Nam v\xB5 th\xB5nh ph\xE8 H\xE5 Ch\xDD Minh",
       "Việt Nam và thành phố Hồ Chí Minh"},
      {"tcvn3", "\xA7\xB9i h\xE9i \xAE\xB9i bi\xD3u", "Đại hội đại biểu"},
      // VNI: base letter + mark byte; ệ = e + E4, ố = o + E1, đ = F1.
      {"vni", "Vie\xE4t Nam va\xF8 tha\xF8nh pho\xE1 Ho\xE0 Ch\xED Minh",
       "Việt Nam và thành phố Hồ Chí Minh"},
      {"vni",
       "\xD1"
       "A\xCFI HO\xC4I \xD1"
       "A\xDBNG",
       "ĐẠI HỘI ĐẢNG"},
      // Windows-1258: precomposed base + combining tone byte (F2 = dot below, EC = acute).
      {"windows-1258",
       "Vi\xEA\xF2t Nam v\xE0 th\xE0nh ph\xF4\xEC H\xF4\xCC"
       " Ch\xED Minh",
       "Việt Nam và thành phố Hồ Chí Minh"},
  };
  for (const Case& c : cases) {
    const std::string label = std::string(c.encoding) + ": " + c.text;
    INFO(label);
    auto d = tracuu::decode_vietnamese_text(c.bytes);
    REQUIRE(d.has_value());
    CHECK(d->encoding == c.encoding);
    CHECK(d->utf8 == std::string(c.text));
  }
}

TEST_CASE("the legacy pages of the corpus round-trip to their UTF-8 originals") {
  for (const std::string name : {"tcvn3", "vni", "windows-1258"}) {
    INFO(name);
    std::string bytes = read("corpus/pages/legacy/" + name + ".txt");
    std::string original = read("tests/data/legacy/" + name + ".utf8.txt");
    REQUIRE_FALSE(bytes.empty());
    auto d = tracuu::decode_vietnamese_text(bytes);
    REQUIRE(d.has_value());
    CHECK(d->encoding == name);
    // TCVN3 keeps no case for toned capitals (.VnTimeH fonts reused the codes).
    if (name == "tcvn3") {
      CHECK(tracuu::normalize_text(d->utf8) == tracuu::normalize_text(original));
    } else {
      CHECK(d->utf8 == original);
    }
  }
}

TEST_CASE("binary and random bytes are rejected") {
  CHECK_FALSE(
      tracuu::decode_vietnamese_text(read("tests/data/legacy/not-vietnamese.bin")).has_value());
  std::mt19937 rng(42);
  for (int round = 0; round < 50; ++round) {
    std::string junk(200, '\0');
    for (char& c : junk) c = static_cast<char>(rng() & 0xFF);
    CHECK_FALSE(tracuu::decode_vietnamese_text(junk).has_value());
  }
  CHECK_FALSE(tracuu::decode_vietnamese_text("\xFF\xFE").has_value());
}

TEST_CASE("a legacy reading wins only when it explains every byte clearly better than UTF-8") {
  struct Case {
    const char* rule;
    std::string bytes;
    const char* encoding;
    std::size_t invalid;  // sequences replaced by U+FFFD
    std::string text;     // the reading, "" when not checked
  };
  const Case cases[] = {
      // UTF-8 with two stray bytes: as VNI "Tiếng" would read "Tiáº¿ng", whose
      // pieces also parse as syllables ("tiá"); UTF-8 finds as many, so it stays.
      {"stray bytes in a UTF-8 line", "{\"id\":\"\xFF\xFE\",\"title\":\"Tiếng Việt có dấu\"}",
       "utf-8", 2, "{\"id\":\"\uFFFD\uFFFD\",\"title\":\"Tiếng Việt có dấu\"}"},
      {"a letter cut in half at the end", "Thành phố Hồ Chí Minh vi\xE1\xBB", "utf-8", 1,
       "Thành phố Hồ Chí Minh vi\uFFFD"},
      {"a Latin-1 byte in UTF-8 text", "Hà Nội và caf\xE9 sữa đá", "utf-8", 1,
       "Hà Nội và caf\uFFFD sữa đá"},
      {"a lone continuation byte", "Đại hội \x80 đại biểu", "utf-8", 1, "Đại hội \uFFFD đại biểu"},
      // Whole legacy lines: read as UTF-8 their letters are invalid
      // sequences, so UTF-8 finds no syllable and the legacy reading wins.
      {"a TCVN3 JSON line", "{\"id\":\"a1\",\"title\":\"Vi\xD6t Nam v\xB5 th\xB5nh ph\xE8\"}",
       "tcvn3", 0, "{\"id\":\"a1\",\"title\":\"Việt Nam và thành phố\"}"},
      {"a VNI line", "Vie\xE4t Nam va\xF8 tha\xF8nh pho\xE1 Ho\xE0 Ch\xED Minh", "vni", 0,
       "Việt Nam và thành phố Hồ Chí Minh"},
      {"a Windows-1258 line", "Vi\xEA\xF2t Nam v\xE0 th\xE0nh ph\xF4\xEC", "windows-1258", 0,
       "Việt Nam và thành phố"},
      // Nothing reads as Vietnamese: UTF-8 with replacements, which
      // decode_vietnamese_text refuses.
      {"two bytes alone", "\xFF\xFE", "utf-8", 2, "\uFFFD\uFFFD"},
      {"one Vietnamese word is too little to tell", "Vi\xD6t", "utf-8", 1, "Vi\uFFFDt"},
      {"valid UTF-8 is read as is", "Việt Nam", "utf-8", 0, "Việt Nam"},
  };
  for (const Case& c : cases) {
    INFO(c.rule);
    tracuu::DecodedText d = tracuu::read_vietnamese_text(c.bytes);
    CHECK(d.encoding == c.encoding);
    CHECK(d.invalid_sequences == c.invalid);
    if (!c.text.empty()) CHECK(d.utf8 == c.text);
    CHECK(tracuu::is_valid_utf8(d.utf8));
    CHECK(tracuu::decode_vietnamese_text(c.bytes).has_value() == (c.invalid == 0));
  }
}

TEST_CASE("binary bytes read as UTF-8 with replacements, never as a legacy encoding") {
  tracuu::DecodedText d =
      tracuu::read_vietnamese_text(read("tests/data/legacy/not-vietnamese.bin"));
  CHECK(d.encoding == "utf-8");
  CHECK(d.invalid_sequences > 10);
  CHECK(tracuu::is_valid_utf8(d.utf8));
}

TEST_CASE("replace_invalid_utf8 replaces each maximal invalid subpart once") {
  std::size_t n = 0;
  CHECK(tracuu::replace_invalid_utf8("a\xE1\xBB"
                                     "b",
                                     U'?', &n) == "a?b");  // a cut 3-byte letter
  CHECK(n == 1);
  CHECK(tracuu::replace_invalid_utf8("\xFF\xFE", U'?', &n) == "??");
  CHECK(n == 2);
  CHECK(tracuu::replace_invalid_utf8("Việt", U'?', &n) == "Việt");
  CHECK(n == 0);
}
