// HTML pages as articles (indexer/html_page.cpp): each field from its best
// evidence, the story without the page around it, bad pages refused with a
// reason, and the extraction quality on the pages of tests/data/html/
// against what a reader calls the story (expected.json).
#include "html_page.h"

#include <unicode/unistr.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_util.h"

using tracuu::Article;

namespace {

const std::string kPages = std::string(TRACUU_SOURCE_DIR) + "/tests/data/html/";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.is_open());
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

Article page(const std::string& name) {
  return tracuu::parse_html_page(read_file(kPages + name), "pages/" + name);
}

// Why parse_html_page refuses `html`, or "" when it reads an article.
std::string refusal(const std::string& html) {
  try {
    tracuu::parse_html_page(html, "x.html");
  } catch (const tracuu::RecordError& e) {
    return e.what();
  }
  return "";
}

// A story long enough to be an article, in paragraphs.
std::string story_paragraphs() {
  return "<p>Sáng 12/6, Ủy ban nhân dân huyện Cần Giờ tổ chức lễ khởi công tuyến đê biển dài "
         "bốn cây số, bảo vệ hơn 2.000 hộ dân khỏi triều cường.</p>"
         "<p>Công trình do Ban quản lý dự án thành phố làm chủ đầu tư, dự kiến hoàn thành sau "
         "hai năm, với tổng vốn hơn 600 tỷ đồng từ ngân sách.</p>";
}

// Token F1 of `got` against `want` (words separated by spaces, as written).
double token_f1(const std::string& got, const std::string& want) {
  auto tokens = [](const std::string& s) {
    std::map<std::string, int> bag;
    std::istringstream in(s);
    for (std::string w; in >> w;) ++bag[w];
    return bag;
  };
  auto g = tokens(got), w = tokens(want);
  int common = 0, ng = 0, nw = 0;
  for (auto& [t, n] : g) {
    ng += n;
    if (w.count(t)) common += std::min(n, w[t]);
  }
  for (auto& [t, n] : w) nw += n;
  if (common == 0) return 0;
  double p = static_cast<double>(common) / ng, r = static_cast<double>(common) / nw;
  return 2 * p * r / (p + r);
}

}  // namespace

TEST_CASE("an HTML page with JSON-LD: every field from it, the story without the page around it") {
  Article a = page("tin-nhanh-xe-buyt-dien.html");
  CHECK(a.id ==
        "https://tinnhanh.example.vn/thoi-su/ha-noi-mo-them-12-tuyen-xe-buyt-dien-4711.html");
  CHECK(a.url == a.id);  // the canonical link
  CHECK(a.title == "Hà Nội mở thêm 12 tuyến xe buýt điện nối khu đô thị mới");
  CHECK(a.published == "2024-03-16");
  CHECK(a.author == "Minh Anh");
  CHECK(a.category == "Thời sự");  // articleSection, not the breadcrumb's last item
  CHECK(a.caption == "Xe buýt điện chạy thử trên đường Lê Văn Lương, sáng 15/3. Ảnh: Hoàng Hà");
  CHECK(a.lead.rfind("Từ tháng 4, mười hai tuyến", 0) == 0);  // og:description's paragraph
  CHECK(a.body.rfind("Sở Giao thông vận tải Hà Nội", 0) == 0);
  CHECK(a.body.find("trước năm 2030.") != std::string::npos);  // after the related block
  for (const char* chrome : {"Tin liên quan", "Tàu điện Nhổn", "Chia sẻ", "Sóc Sơn", "U23",
                             "Giấy phép", "Xe buýt điện chạy thử", "Minh Anh", "dataLayer"}) {
    CAPTURE(chrome);
    CHECK(a.body.find(chrome) == std::string::npos);
  }
}

TEST_CASE("an HTML page without JSON-LD: Open Graph, <time>, the byline before the story") {
  Article a = page("doi-song-hoc-bong.html");
  CHECK(a.id ==
        "https://doisong.example.vn/giao-duc/"
        "sinh-vien-ngheo-mien-nui-nhan-500-suat-hoc-bong-20230905.htm");  // og:url
  CHECK(a.title ==
        "Sinh viên nghèo miền núi nhận 500 suất học bổng \"Tiếp sức\"");  // no " | Báo ..."
  CHECK(a.published == "2023-09-05");  // <time datetime="2023-09-05T14:12">
  CHECK(a.author == "Lê An");          // the innermost author element, not its date
  CHECK(a.category == "Giáo dục");     // the breadcrumb after "Trang chủ"
  CHECK(a.lead.rfind("(Đời Sống) - Quỹ khuyến học", 0) == 0);  // the sapo next to the story
  CHECK(a.body.find("Học bổng kèm người đỡ đầu") != std::string::npos);  // a subheading
  for (const char* chrome :
       {"Đọc thêm", "Nhiều trường miễn học phí", "Tin khác", "Trường học vùng lũ", "Vay tiêu dùng",
        "In bài viết", "học bổng Lào Cai"}) {
    CAPTURE(chrome);
    CHECK(a.body.find(chrome) == std::string::npos);
  }
}

TEST_CASE("an HTML page with a JSON-LD @graph: authors, breadcrumb list, table text kept") {
  Article a = page("the-thao-bong-chuyen.html");
  CHECK(a.title == "Bóng chuyền nữ Việt Nam vào chung kết giải châu Á");
  CHECK(a.published == "2023-08-31");
  CHECK(a.author == "Trần Hải, Ngọc Lan");
  CHECK(a.category == "Bóng chuyền");
  CHECK(a.lead.rfind("Thắng Thái Lan 3-2", 0) == 0);
  CHECK(a.body.find("5 15 12") != std::string::npos);  // a table row
  CHECK(a.body.find("Xem thêm") == std::string::npos);
  CHECK(a.body.find("Đội tuyển nữ tập trung") == std::string::npos);
}

TEST_CASE("an old table-layout page in Windows-1258: declared charset, date line, <title>") {
  Article a = page("bao-tinh-nong-san.html");
  CHECK(a.encoding == "windows-1258");
  CHECK(a.id == "pages/bao-tinh-nong-san.html");  // no canonical URL: the path
  CHECK(a.url.empty());
  CHECK(a.title ==
        "Nông dân Cần Giờ trúng mùa muối nhờ trải bạt");  // " - Báo Tỉnh Nhà điện tử" cut
  CHECK(a.published == "2021-09-02");  // "Thứ Năm, ngày 2 tháng 9 năm 2021"
  CHECK(a.author == "Thanh Tùng");     // signed alone on the last line
  CHECK(a.body.find("Giá lúa tăng nhẹ") == std::string::npos);
}

TEST_CASE("a page declared Latin-1 that writes Vietnamese in a TCVN3 font is read as TCVN3") {
  // The bytes of corpus/pages/legacy/tcvn3.txt, as a page of 2003 held them.
  const std::string tcvn3 =
      read_file(std::string(TRACUU_SOURCE_DIR) + "/corpus/pages/legacy/tcvn3.txt");
  std::string html =
      "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
      "charset=iso-8859-1\"></head><body><font face=\".VnTime\">";
  std::istringstream lines(tcvn3);
  bool first = true;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    html += (first ? "<h1>" : "<p>") + line + (first ? "</h1>" : "</p>");
    first = false;
  }
  Article a = tracuu::parse_html_page(html + "</font></body></html>", "tcvn3.html");
  CHECK(a.encoding == "tcvn3");
  CHECK(a.title == "Thứ Năm, ngày 20 tháng 3 năm 2003");  // the first line, as the <h1>
  CHECK(a.lead.rfind("Lưu trữ báo cũ", 0) == 0);
}

TEST_CASE("a UTF-8 page with paragraphs in a TCVN3 font: those are re-read as TCVN3") {
  // What a browser shows for the bytes of corpus/pages/legacy/tcvn3.txt
  // when the page is UTF-8: each byte as its Windows-1252 character.
  const std::string bytes =
      read_file(std::string(TRACUU_SOURCE_DIR) + "/corpus/pages/legacy/tcvn3.txt");
  std::string shown;
  icu::UnicodeString(bytes.data(), static_cast<int32_t>(bytes.size()), "windows-1252")
      .toUTF8String(shown);
  std::string html =
      "<html><head><meta charset=\"utf-8\"><title>Báo cũ</title></head><body><h1>Lưu trữ "
      "báo cũ bằng phông chữ cũ</h1>";
  std::istringstream lines(shown);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) html += "<p><font face=\".VnTime\">" + line + "</font></p>";
  }
  Article a = tracuu::parse_html_page(html + "</body></html>", "font.html");
  CHECK(a.encoding == "tcvn3");
  CHECK(a.title == "Lưu trữ báo cũ bằng phông chữ cũ");  // Unicode outside the font stays
  CHECK((a.lead + a.body).find("Lưu trữ báo cũ: chuyển đổi phông chữ sang Unicode") !=
        std::string::npos);
}

TEST_CASE("JSON-LD articleBody with raw line breaks is the story; entities in it are decoded") {
  Article a = page("phap-luat-articlebody.html");
  CHECK(a.title == "Khởi tố nhóm lừa đảo bán vé máy bay giả lúc 11h đêm");  // "lúc&nbsp11h"
  CHECK(a.author == "Hoàng Yến");
  CHECK(a.lead ==
        "Công an TP Đà Nẵng khởi tố bốn người lập trang mạng giả hãng hàng không, "
        "chiếm đoạt hơn 2 tỷ đồng của khách mua vé.");
  CHECK(std::count(a.body.begin(), a.body.end(), '\n') == 4);  // three paragraphs
  CHECK(a.body.find("Cảnh báo lừa đảo") == std::string::npos);
}

TEST_CASE("a server's Content-Type charset wins over the page's own declaration") {
  std::string body;
  for (int i = 0; i < 35; ++i) body += "chữ ";
  // Windows-1258 bytes ("Tiếng Việt" with combining tones), the page
  // wrongly declaring UTF-8 as many re-encoded pages do.
  const std::string page =
      "<html><head><meta charset=\"utf-8\"><title>Ti\xea\xecng Vi\xea\xf2t</title></head>"
      "<body><article><h1>Ti\xea\xecng Vi\xea\xf2t</h1><p>" +
      body + "</p></article></body></html>";
  Article a = tracuu::parse_html_page(page, "x.html", "text/html; charset=windows-1258");
  CHECK(a.title == "Tiếng Việt");
  // Without the header, the page's own (wrong) word and the detection
  // decide: not this reading (here the page is refused as undecodable).
  std::string without;
  try {
    without = tracuu::parse_html_page(page, "x.html").title;
  } catch (const tracuu::RecordError&) {
    without = "refused";
  }
  CHECK(without != "Tiếng Việt");
}

TEST_CASE("entities are decoded once: text that shows an entity keeps it") {
  std::string body;
  for (int i = 0; i < 35; ++i) body += "chữ ";
  Article a = tracuu::parse_html_page(
      "<html><head><title>Viết &amp;quot; trong HTML</title></head><body><article>"
      "<h1>Viết &amp;quot; trong HTML</h1><p>Mã &amp;nbsp; là dấu cách, " +
          body + "</p></article></body></html>",
      "x.html");
  CHECK(a.title == "Viết &quot; trong HTML");
  CHECK(a.body.find("Mã &nbsp; là dấu cách") != std::string::npos);
}

TEST_CASE("the title: JSON-LD, then og:title, then <h1>, then <title> without the site's name") {
  struct Case {
    std::string head, body, title;
  };
  const Case cases[] = {
      {"<title>Tiêu đề trang - VnExpress</title>", "", "Tiêu đề trang"},
      {"<title>Tiêu đề trang | Báo Dân trí</title>", "", "Tiêu đề trang"},
      {"<title>Tiêu đề trang - tinmoi.vn</title>", "", "Tiêu đề trang"},
      {"<title>Hà Nội - mùa thu vàng</title>", "", "Hà Nội - mùa thu vàng"},  // not a site name
      {"<title>Bóng đá - ĐT VN hòa Thái Lan</title>", "", "Bóng đá - ĐT VN hòa Thái Lan"},
      {"<title>Tiêu đề trang - Tuổi Trẻ Online</title>", "", "Tiêu đề trang"},
      {"<title>Tiêu đề trang - VietnamPlus</title>", "", "Tiêu đề trang"},
      {"<title>Tiêu đề trang - Nhà Xuất Bản</title><meta property=\"og:site_name\" "
       "content=\"Nhà Xuất Bản\">",
       "", "Tiêu đề trang"},
      {"<title>Từ thẻ title</title>", "<h1>Từ thẻ h1</h1>", "Từ thẻ h1"},
      {"<meta property=\"og:title\" content=\"Từ og:title\">", "<h1>Từ thẻ h1</h1>", "Từ og:title"},
      {"<meta property=\"og:title\" content=\"Tiêu đề bị cắt...\">",
       "<h1>Tiêu đề bị cắt ở 110 ký tự</h1>", "Tiêu đề bị cắt ở 110 ký tự"},
      {"<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"headline\":\"Từ "
       "JSON-LD\"}</script><meta property=\"og:title\" content=\"Từ og:title\">",
       "", "Từ JSON-LD"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.head);
    Article a = tracuu::parse_html_page(
        "<html><head>" + c.head + "</head><body>" + c.body + story_paragraphs() + "</body></html>",
        "x.html");
    CHECK(a.title == c.title);
  }
}

TEST_CASE("the date: JSON-LD, article:published_time, <time>, then a Vietnamese date line") {
  const std::pair<std::string, std::string> cases[] = {
      {"<meta property=\"article:published_time\" content=\"2020-10-12T07:00:00+07:00\">",
       "2020-10-12"},
      {"<time datetime=\"2019-09-02\">2/9</time>", "2019-09-02"},
      {"<span class=\"date\">Thứ bảy, 16/3/2024, 08:30 (GMT+7)</span>", "2024-03-16"},
      {"<div>Thứ Hai, ngày 7 tháng 12 năm 2026</div>", "2026-12-07"},
      {"<p>15/05/2021 - 08:30</p>", "2021-05-15"},
      {"<div class=\"time\">05/09/2023 14:12 GMT+7</div>", "2023-09-05"},
      {"<span>Cập nhật: 2023-09-05 14:12</span>", "2023-09-05"},
      {"<time datetime=\"2023-09-05T14:12+07:00\">hôm qua</time>", "2023-09-05"},
      {"<p>Thứ Sáu, 14/11/2008 | 09:15</p>", "2008-11-14"},
      {"", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.first);
    Article a = tracuu::parse_html_page("<html><head><title>Tin</title></head><body><h1>Tin</h1>" +
                                            c.first + story_paragraphs() + "</body></html>",
                                        "x.html");
    CHECK(a.published == c.second);
  }
}

TEST_CASE("the author: named before the story or signed after it, never a paragraph of it") {
  const std::string json_ld =
      "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"headline\":\"Tin\","
      "\"author\":\"Lê An\"}</script>";
  Article before =
      tracuu::parse_html_page("<html><head>" + json_ld + "</head><body><article><p>Lê An</p>" +
                                  story_paragraphs() + "</article></body></html>",
                              "x.html");
  CHECK(before.author == "Lê An");
  CHECK(before.lead.find("Lê An") == std::string::npos);
  CHECK(before.body.find("Lê An") == std::string::npos);
  Article after = tracuu::parse_html_page("<html><head><title>Tin</title></head><body><article>" +
                                              story_paragraphs() +
                                              "<p><b>Trần Minh</b></p></article></body></html>",
                                          "x.html");
  CHECK(after.author == "Trần Minh");
  CHECK(after.body.find("Trần Minh") == std::string::npos);
}

TEST_CASE("the id: the canonical link, then og:url; a relative or javascript: link is not one") {
  auto id_of = [](const std::string& head) {
    return tracuu::parse_html_page("<html><head><title>Tin</title>" + head + "</head><body>" +
                                       story_paragraphs() + "</body></html>",
                                   "path/x.html")
        .id;
  };
  CHECK(id_of("<link rel=\"canonical\" href=\"https://a.vn/1.html\">"
              "<meta property=\"og:url\" content=\"https://a.vn/2.html\">") ==
        "https://a.vn/1.html");
  CHECK(id_of("<meta property=\"og:url\" content=\"https://a.vn/2.html\">") ==
        "https://a.vn/2.html");
  CHECK(id_of("<link rel=\"canonical\" href=\"/1.html\">") == "path/x.html");
  CHECK(id_of("<link rel=\"canonical\" href=\"javascript:alert(1)\">") == "path/x.html");
  CHECK(id_of("") == "path/x.html");
}

TEST_CASE("pages without an article are refused with the reason") {
  CHECK(refusal(read_file(kPages + "no-article/chuyen-muc-thoi-su.html"))
            .rfind("no article (a page of links, like a section front", 0) == 0);
  CHECK(refusal(read_file(kPages + "no-article/khong-tim-thay.html")).rfind("no article (", 0) ==
        0);
  CHECK(refusal(read_file(kPages + "no-article/dang-nhap.html")).rfind("no article (", 0) == 0);
  CHECK(refusal("<html><body><p>" + std::string(200, ' ') + "</p></body></html>") ==
        "no article (no title: no headline, og:title, h1 or title)");
  CHECK(refusal("") == "no article (no title: no headline, og:title, h1 or title)");
  // The limits of JSONL's fields hold for pages too.
  CHECK(refusal("<html><body><h1>" + std::string(3000, 'a') + "</h1>" + story_paragraphs() +
                "</body></html>") == "title: too long (3000 bytes, limit 2000)");
}

TEST_CASE("bad input: binary junk, an oversized page, deep nesting, an HTML bomb") {
  std::string junk;
  for (int i = 0; i < 100000; ++i) junk.push_back(static_cast<char>((i * 7919 + 13) % 256));
  CHECK(refusal(junk) == "not UTF-8 and not a known Vietnamese legacy encoding");
  CHECK(refusal(std::string(1000, '\0')) == "no article (binary data, not an HTML page)");

  const std::string huge(tracuu::kMaxHtmlPageBytes + 1, 'a');
  CHECK(refusal(huge).rfind("page too large (", 0) == 0);

  // 10,000 nested tables are 40,000 levels of tree: nothing here may recurse.
  std::string nested = "<html><head><title>Bảng lồng nhau</title></head><body>";
  for (int i = 0; i < 10000; ++i) nested += "<table><tr><td>";
  nested += story_paragraphs();
  const auto start = std::chrono::steady_clock::now();
  Article deep = tracuu::parse_html_page(nested, "deep.html");
  CHECK(deep.body.find("600 tỷ đồng") != std::string::npos);
  MESSAGE("10,000 nested tables: "
          << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
          << " s");

  // Nesting with text and class words at every level: every pass stays
  // linear in the tree (a pass per level would be 10,000 × 10,000).
  std::string classed = "<html><head><title>Lồng nhau</title></head><body>";
  for (int i = 0; i < 10000; ++i) classed += "<div class=\"author date\">chữ ";
  classed += story_paragraphs();
  const auto classed_start = std::chrono::steady_clock::now();
  CHECK_NOTHROW(tracuu::parse_html_page(classed, "classed.html"));
  const double classed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - classed_start).count();
  MESSAGE("10,000 nested divs with text and classes: " << classed_seconds << " s");
  CHECK(classed_seconds < 5);

  // Formatting elements the HTML5 rules reopen in every later paragraph:
  // 3,000 of them times 3,000 paragraphs would be 9 million elements.
  std::string bomb = "<html><head><title>Bom</title></head><body><p>";
  for (int i = 0; i < 3000; ++i) bomb += "<b class=\"b" + std::to_string(i) + "\">";
  bomb += "</p>";
  for (int i = 0; i < 3000; ++i) bomb += "<p>x</p>";
  CHECK(refusal(bomb).rfind("no article (the page is too complex to parse", 0) == 0);
}

TEST_CASE("extraction quality on the test pages: title exact, date right, body token F1") {
  const nlohmann::json expected = nlohmann::json::parse(read_file(kPages + "expected.json"));
  int titles = 0, dates = 0, pages = 0;
  double f1_sum = 0, f1_min = 1;
  for (const auto& item : expected.items()) {
    const std::string name = item.key();
    const nlohmann::json& want = item.value();
    CAPTURE(name);
    Article a = page(name);
    ++pages;
    titles += a.title == want["title"].get<std::string>();
    dates += a.published == want["published"].get<std::string>();
    CHECK(a.author == want["author"].get<std::string>());
    CHECK(a.category == want["category"].get<std::string>());
    CHECK(a.url == want["url"].get<std::string>());
    CHECK(a.caption == want["caption"].get<std::string>());
    std::string story;
    for (const auto& p : want["story"]) story += p.get<std::string>() + "\n";
    const double f1 = token_f1(a.lead + "\n" + a.body, story);
    f1_sum += f1;
    f1_min = std::min(f1_min, f1);
    for (const auto& related : want["related"]) {
      CAPTURE(related);
      CHECK((a.lead + a.body).find(related.get<std::string>()) == std::string::npos);
    }
  }
  MESSAGE(pages << " pages: title exact " << titles << ", date right " << dates
                << ", body token F1 mean " << f1_sum / pages << ", min " << f1_min);
  CHECK(titles == pages);
  CHECK(dates == pages);
  CHECK(f1_min >= 0.9);
}
