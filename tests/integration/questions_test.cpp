// Queries as people type them (issue 23), on the real binaries: a question
// with a year inside finds its undated answer, a question with a word no
// article holds finds the article holding the rest, date phrases that are
// the whole query filter with their direction right, and known items typed
// right keep their first hit.
#include <doctest/doctest.h>

#include <random>

#include "harness.h"

using harness::json;
using harness::Server;
using harness::TempDir;
using harness::url_encode;

namespace {

// More than kCommonMinDocs articles of football words, so that the words of
// the questions below are common (in more than 5% of the articles) and only
// the rarer ones select (function words too, as in real news); dated
// 2014-2016. One undated encyclopedia
// paragraph answers the questions; a few stories are dated around 2000.
std::string football() {
  const char* words[] = {"đội", "bóng", "đá", "giải", "vô", "địch", "quốc", "gia", "thắng", "trận",
                         "mùa", "câu", "lạc", "bộ", "chức", "giành", "sân", "cúp", "cầu", "thủ",
                         "bàn", "huấn", "luyện", "viên",
                         // function words, as common as in real news
                         "được", "vào", "năm", "nào", "trong", "sau"};
  std::mt19937 rng(11);
  std::string out;
  for (int i = 0; i < 1200; ++i) {
    std::string body;
    for (int w = 0; w < 60; ++w) body += std::string(words[rng() % std::size(words)]) + " ";
    const std::string day = "201" + std::to_string(4 + i % 3) + "-0" + std::to_string(1 + i % 9) +
                            "-1" + std::to_string(i % 10);
    out += harness::record("tin-" + std::to_string(i), "Bản tin thể thao số " + std::to_string(i),
                           body, day, "Thể thao");
  }
  out += harness::record("polonia", "Polonia Warszawa",
                         "Câu lạc bộ Polonia Warszawa giành chức vô địch quốc gia năm 2000 và "
                         "cúp quốc gia năm 2001, dưới thời huấn luyện viên Dariusz Wdowczyk.",
                         "", "Bách khoa");
  out += harness::record("bao-1998", "Bão lớn đổ bộ miền Trung năm 1998",
                         "Cơn bão gây mưa lớn nhiều ngày.", "1998-11-20", "Thời sự");
  out += harness::record("bao-2005", "Bão số 7 đổ bộ Nam Định", "Đê biển vỡ nhiều đoạn.",
                         "2005-09-27", "Thời sự");
  out += harness::record("bao-2012", "Bão Sơn Tinh vào Thái Bình", "Gió giật mạnh.", "2012-10-28",
                         "Thời sự");
  out += harness::record("bao-2019", "Bão Matmo đổ bộ Bình Định", "Mưa lớn diện rộng.",
                         "2019-11-10", "Thời sự");
  return out;
}

const Server& questions() {
  static harness::ServedRecords served(football());
  return *served.server;
}

json search(const std::string& q, const std::string& extra = "") {
  auto [status, body] = questions().get("/search?limit=50&q=" + url_encode(q) + extra);
  REQUIRE(status == 200);
  return body;
}

std::vector<std::string> ids(const json& body) {
  return harness::field_of(body["hits"], "id");
}

}  // namespace

TEST_CASE("a long question with a year inside finds its undated article") {
  for (const char* q : {"Polonia giành chức vô địch quốc gia trong năm 2000?",
                        "polonia gianh chuc vo dich quoc gia trong nam 2000",
                        "Polonia giành cúp quốc gia sau năm 2000 phải không?"}) {
    CAPTURE(std::string(q));
    json body = search(q);
    CHECK_FALSE(body.contains("date_range"));  // words, not a filter
    REQUIRE_FALSE(body["hits"].empty());
    CHECK(body["hits"][0]["id"] == "polonia");
  }
}

TEST_CASE("a question with one word absent from every article finds the article holding the rest") {
  // "Warsaw": the paragraph writes "Warszawa"; every other word is common.
  for (const char* q : {"Warsaw giành được chức vô địch quốc gia vào năm nào",
                        "warsaw gianh duoc chuc vo dich quoc gia vao nam nao"}) {
    CAPTURE(std::string(q));
    json body = search(q);
    REQUIRE_FALSE(body["hits"].empty());
    CHECK(body["hits"][0]["id"] == "polonia");
  }
  // Fewer than half the words in the index: nothing, as before.
  CHECK(search("Warsaw Wrocław ")["hits"].empty());
  CHECK(search("Warsaw Wrocław Kraków vô địch ")["hits"].empty());
  CHECK_FALSE(search("Warsaw Wrocław vô địch ")["hits"].empty());  // half: found
}

TEST_CASE("a query that is only a date phrase filters, with its direction right") {
  struct Case {
    const char* q;
    const char* from;  // "" when open
    const char* to;
  };
  const Case cases[] = {{"năm 2015", "2015-01-01", "2015-12-31"},
                        {"trước năm 2000", "", "1999-12-31"},
                        {"truoc nam 2000", "", "1999-12-31"},
                        {"sau năm 2010", "2011-01-01", ""},
                        {"từ 2015 đến 2018", "2015-01-01", "2018-12-31"},
                        {"trong năm 2005 category:thời-sự", "2005-01-01", "2005-12-31"}};
  for (const Case& c : cases) {
    CAPTURE(std::string(c.q));
    json body = search(c.q);
    REQUIRE(body.contains("date_range"));
    CHECK(body["date_range"].value("from", "") == c.from);
    CHECK(body["date_range"].value("to", "") == c.to);
    REQUIRE_FALSE(body["hits"].empty());
    for (const auto& h : body["hits"]) {
      const std::string day = h["published"].get<std::string>().substr(0, 10);
      CAPTURE(day);
      if (*c.from) CHECK(day >= c.from);
      if (*c.to) CHECK(day <= c.to);
    }
  }
  CHECK(ids(search("trước năm 2000")) == std::vector<std::string>{"bao-1998"});
  // The page's link that removes the filter: the same words, no filter.
  json words = search("trước năm 2000", "&dates=words");
  CHECK_FALSE(words.contains("date_range"));
}

TEST_CASE("correctly typed known-item queries keep their first hit") {
  struct Case {
    const char* q;
    const char* id;
  };
  const Case cases[] = {{"Polonia Warszawa", "polonia"},
                        {"Bão lớn đổ bộ miền Trung năm 1998", "bao-1998"},
                        {"bao lon do bo mien trung nam 1998", "bao-1998"},
                        {"Bão số 7 đổ bộ Nam Định", "bao-2005"},
                        {"Bão Sơn Tinh vào Thái Bình", "bao-2012"},
                        {"Bản tin thể thao số 17", "tin-17"}};
  for (const Case& c : cases) {
    CAPTURE(std::string(c.q));
    json body = search(c.q);
    REQUIRE_FALSE(body["hits"].empty());
    CHECK(body["hits"][0]["id"] == c.id);
  }
}
