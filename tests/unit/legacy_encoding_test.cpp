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
