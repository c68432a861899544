// Ranking for every kind of query (docs/ranking.md), on the real binaries:
// a long document found by its own number and by a sentence from deep
// inside it, a name written side by side above its syllables apart, "Tin
// khác" of an article whose title is a generic sentence, and the seed page
// of the bundled corpus for its own words.
#include <doctest/doctest.h>

#include <memory>

#include "harness.h"

using harness::json;
using harness::Server;
using harness::TempDir;
using harness::url_encode;

namespace {

// A legal code as real imports have them: a title that says nothing, the
// number in the header, then a very long body.
std::string law() {
  std::string body =
      "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nLuật số: 45/2019/QH14\n"
      "Hà Nội, ngày 20 tháng 11 năm 2019\nBỘ LUẬT LAO ĐỘNG\n";
  const char* articles[] = {
      "Người sử dụng lao động phải bảo đảm điều kiện làm việc an toàn cho người lao động.",
      "Hợp đồng lao động phải được giao kết bằng văn bản và làm thành hai bản.",
      "Tiền lương được trả cho người lao động căn cứ vào năng suất lao động và chất lượng công "
      "việc.",
      "Thời giờ làm việc bình thường không quá 08 giờ trong 01 ngày và không quá 48 giờ trong 01 "
      "tuần.",
      "Công đoàn cơ sở đại diện cho tập thể người lao động tại nơi làm việc."};
  for (int i = 1; i <= 400; ++i) {
    body += "Điều " + std::to_string(i) + ". " + articles[i % 5] + "\n";
    if (i == 260)  // a sentence deep inside (65% of the way), written once
      body +=
          "Người lao động cao tuổi được quyền thỏa thuận rút ngắn thời giờ làm việc hằng ngày.\n";
  }
  return harness::record("bo-luat-lao-dong", "QUỐC HỘI", body, "2019-11-20", "");
}

// News that cite the number, or hold the sentence's words in their titles.
std::string news() {
  std::string out;
  for (int i = 0; i < 6; ++i) {
    out += harness::record("tin-" + std::to_string(i),
                           "Người lao động cao tuổi được quyền làm việc theo Luật số 45/2019/QH14",
                           "Theo Bộ luật Lao động số 45/2019/QH14, người lao động cao tuổi có "
                           "quyền thỏa thuận thời giờ làm việc. Ngày làm việc hằng ngày rút ngắn.",
                           "2021-0" + std::to_string(i + 1) + "-10", "Thời sự");
  }
  // "Hùng Vương": written side by side deep inside one long article; the
  // syllables apart in the titles of others.
  std::string long_body;
  for (int i = 0; i < 60; ++i) long_body += "Lễ hội diễn ra với nhiều hoạt động văn hóa đặc sắc. ";
  long_body += "Du khách dâng hương tưởng nhớ các Vua Hùng Vương tại đền Thượng.";
  out += harness::record("le-hoi", "Lễ hội đền Hùng thu hút du khách", long_body, "2020-04-02",
                         "Văn hóa");
  out += harness::record("hung-1", "Anh Hùng nhận giải thưởng Vương miện vàng",
                         "Vương miện được trao cho anh Hùng.", "2020-05-01", "Văn hóa");
  out += harness::record("hung-2", "Vương quốc Anh chào đón người hùng thể thao",
                         "Người hùng được chào đón ở Vương quốc Anh.", "2020-06-01", "Thể thao");
  // Generic sentences as titles, as scraped archives store them: football
  // and health stories under the same words.
  const char* generic = "Nhiều hoạt động ý nghĩa diễn ra trong tuần qua";
  const char* football[] = {
      "Đội tuyển bóng đá giành chiến thắng ở vòng loại, tiền đạo ghi hai bàn thắng.",
      "Huấn luyện viên đội tuyển bóng đá công bố danh sách cầu thủ cho vòng loại.",
      "Tiền đạo đội tuyển bóng đá trở lại tập luyện sau chấn thương ở vòng loại."};
  const char* health[] = {
      "Bệnh viện tiêm vắc xin cúm cho trẻ em, bác sĩ khuyến cáo phụ huynh đưa con đi tiêm.",
      "Bác sĩ bệnh viện khuyến cáo tiêm vắc xin cúm trước mùa lạnh cho người cao tuổi.",
      "Bệnh viện mở thêm điểm tiêm vắc xin cúm, bác sĩ trực suốt cuối tuần."};
  for (int i = 0; i < 3; ++i) {
    out += harness::record("bong-da-" + std::to_string(i), generic, football[i],
                           "2022-03-0" + std::to_string(i + 1), "Thể thao");
    out += harness::record("suc-khoe-" + std::to_string(i), generic, health[i],
                           "2022-03-0" + std::to_string(i + 1), "Sức khỏe");
  }
  return out;
}

struct Fixture {
  TempDir dir;
  std::unique_ptr<Server> server;
  Fixture() {
    std::string src = dir.write("mixed.jsonl", law() + news());
    auto run = harness::index(dir.path("db"), {src});
    REQUIRE_MESSAGE(run.exit_code == 0, run.err);
    server = std::make_unique<Server>(dir.path("db"));
  }
};

const Server& mixed() {
  static Fixture f;
  return *f.server;
}

std::string first_id(const Server& s, const std::string& q) {
  auto [status, body] = s.get("/search?q=" + url_encode(q));
  REQUIRE(status == 200);
  REQUIRE_FALSE(body["hits"].empty());
  return body["hits"][0]["id"];
}

}  // namespace

TEST_CASE("a law is found first by its own number, alone or in words, though news cite it") {
  for (const char* q : {"45/2019/QH14", "Luật số 45/2019/QH14", "luat so 45/2019/qh14"}) {
    CAPTURE(q);
    CHECK(first_id(mixed(), q) == "bo-luat-lao-dong");
  }
}

TEST_CASE("a sentence remembered from deep inside a long document finds it, unquoted") {
  for (const char* q : {"cao tuổi được quyền thỏa thuận rút ngắn thời giờ",
                        "cao tuoi duoc quyen thoa thuan rut ngan thoi gio"}) {
    CAPTURE(q);
    CHECK(first_id(mixed(), q) == "bo-luat-lao-dong");
  }
}

TEST_CASE("a name written side by side ranks above its syllables apart, also deep in a text") {
  for (const char* q : {"Hùng Vương", "hung vuong"}) {
    CAPTURE(q);
    CHECK(first_id(mixed(), q) == "le-hoi");
  }
}

TEST_CASE("Tin khác of an article with a generic sentence as its title stays in its topic") {
  for (const char* seed : {"bong-da-0", "suc-khoe-1"}) {
    CAPTURE(seed);
    auto [status, body] = mixed().get(std::string("/articles/") + seed + "/related?limit=2");
    REQUIRE(status == 200);
    REQUIRE(body["hits"].size() == 2);
    const std::string topic = std::string(seed).substr(0, 4);
    for (const auto& h : body["hits"]) CHECK(h["id"].get<std::string>().substr(0, 4) == topic);
  }
}

TEST_CASE("the seed page is first for its own words, typed with or without accents") {
  TempDir dir;
  REQUIRE(harness::index(dir.path("db"), {harness::source_path("corpus")}).exit_code == 0);
  Server corpus(dir.path("db"));
  for (const char* q : {"thanh uy tphcm", "thành uỷ", "Thành ủy TPHCM"}) {
    CAPTURE(q);
    CHECK(first_id(corpus, q) == "pages/thanhuy/2021-05-15-binh-tan.txt");
  }
}
