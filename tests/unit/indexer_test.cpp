// The indexer's pieces on their own: the loaders (text pages, JSONL records,
// whole sources with their errors), the shard rule, and the job's decisions
// (when a prune may delete, what leftovers are, replacing a file atomically).
#include "indexer.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "indexer_internal.h"
#include "test_util.h"
#include "warc.h"

namespace fs = std::filesystem;
using tracuu::Article;

namespace {

// A folder of its own under the system's temporary folder, removed after.
struct ScratchDir {
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "tracuu-unit-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& content) const {
    fs::create_directories((path / name).parent_path());
    std::ofstream(path / name, std::ios::binary) << content;
    return (path / name).string();
  }
  fs::path path;
};

struct Loaded {
  std::vector<Article> articles;
  std::vector<std::string> rejected, unreadable;  // "file-name:line: reason"
};

Loaded load(const std::vector<std::string>& sources) {
  Loaded out;
  tracuu::SourceEvents events;
  events.article = [&](Article&& a) { out.articles.push_back(std::move(a)); };
  auto where = [](const std::string& file, std::size_t line, const std::string& reason) {
    return fs::path(file).filename().string() + ":" + std::to_string(line) + ": " + reason;
  };
  events.rejected = [&](const std::string& f, std::size_t l, const std::string& r) {
    out.rejected.push_back(where(f, l, r));
  };
  events.unreadable = [&](const std::string& f, std::size_t l, const std::string& r) {
    out.unreadable.push_back(where(f, l, r));
  };
  tracuu::load_sources(sources, events);
  return out;
}

std::string gzipped(const std::string& text) {
  std::string out(compressBound(text.size()) + 64, '\0');
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // 16: gzip header
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string record(int i) {
  return "{\"id\": \"r" + std::to_string(i) + "\", \"title\": \"Tin số " + std::to_string(i) +
         "\", \"body\": \"Nội dung.\"}\n";
}

}  // namespace

TEST_CASE("a saved text page: date, title, caption, lead, body, author; page chrome dropped") {
  const std::string page =
      "Thứ Bảy, ngày 15 tháng 5 năm 2021\n"
      "Quận Bình Tân chú trọng công tác Đảng\n"
      "Quang cảnh hội nghị\n"
      "Sáng 15/5, Quận ủy quận Bình Tân tổ chức hội nghị.\n"
      "Hội nghị đã thảo luận nhiều nội dung.\n"
      "Lê An\n"
      "Ý kiến bạn đọc\n"
      "Tin khác\n";
  Article a = tracuu::parse_text_page(page, "pages/x.txt");
  CHECK(a.id == "pages/x.txt");
  CHECK(a.published == "2021-05-15");
  CHECK(a.title == "Quận Bình Tân chú trọng công tác Đảng");
  CHECK(a.caption == "Quang cảnh hội nghị");
  CHECK(a.lead == "Sáng 15/5, Quận ủy quận Bình Tân tổ chức hội nghị.");
  CHECK(a.body == "Hội nghị đã thảo luận nhiều nội dung.");
  CHECK(a.author == "Lê An");
  CHECK(tracuu::parse_text_page("ID: bai-1\nTiêu đề\nThân bài.", "x").id == "bai-1");
  CHECK_THROWS_AS(tracuu::parse_text_page("\n\n", "x"), tracuu::RecordError);  // no title
}

TEST_CASE("a JSONL record is checked field by field, with a reason a person can act on") {
  struct Case {
    const char* line;
    const char* reason;  // the start of the error, or "" when it is an article
  };
  const Case cases[] = {
      {R"({"id": "a", "title": "T", "published": "15/5/2021"})", ""},
      {R"({"id": "a"})", "title: missing or empty"},
      {R"({"title": "T"})", "id: missing or empty"},
      {R"({"id": 7, "title": "T"})", "id: expected a string"},
      {R"({"id": "a", "title": "T", "published": "hôm qua"})", "published: not a date"},
      {R"({"id": "a", "title": "T", "tags": "x"})", "tags: expected an array"},
      {R"([1, 2])", "bad JSON: a record must be an object"},
      {R"({"id": "a", "title": )", "bad JSON"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.line);
    if (*c.reason == '\0') {
      CHECK(tracuu::parse_json_record(c.line).published == "2021-05-15");
      continue;
    }
    try {
      tracuu::parse_json_record(c.line);
      FAIL("accepted");
    } catch (const tracuu::RecordError& e) {
      CHECK(std::string(e.what()).rfind(c.reason, 0) == 0);
    }
  }
  const std::string long_id =
      "{\"id\": \"" + std::string(tracuu::kMaxIdBytes + 1, 'x') + "\", \"title\": \"T\"}";
  CHECK_THROWS_AS(tracuu::parse_json_record(long_id), tracuu::RecordError);
}

TEST_CASE("HTML entities left in any source's text are decoded at ingest") {
  Article j = tracuu::parse_json_record(
      R"({"id": "e1", "title": "Bão số 3&nbsp;đổ bộ lúc&nbsp11h", "lead": "&quot;Khẩn cấp&quot;",)"
      R"( "author": "Lê&nbsp;An&nbsp;", "tags": ["b&atilde;o"]})");
  CHECK(j.title == "Bão số 3 đổ bộ lúc 11h");  // a no-break space in a title is a space
  CHECK(j.lead == "\"Khẩn cấp\"");
  CHECK(j.author == "Lê An");
  CHECK(j.tags == std::vector<std::string>{"bão"});
  Article t = tracuu::parse_text_page("Tin &quot;nóng&quot;\nThân bài&nbsp;một.\n", "p.txt");
  CHECK(t.title == "Tin \"nóng\"");
  CHECK(t.lead == "Thân bài\xC2\xA0một.");
}

TEST_CASE("sources: HTML pages are read; a page without an article or too large is rejected") {
  ScratchDir dir;
  const std::string story =
      "<p>Sáng 12/6, Ủy ban nhân dân huyện Cần Giờ tổ chức lễ khởi công tuyến đê biển dài bốn "
      "cây số, bảo vệ hơn 2.000 hộ dân khỏi triều cường trong mùa mưa bão năm nay.</p>";
  dir.write("a/bai.html", "<html><head><title>Khởi công đê biển</title></head><body>" + story);
  dir.write("a/cu.htm", "<html><head><title>Đê biển cũ</title></head><body>" + story);
  dir.write("b/chuyen-muc.html",
            "<html><head><title>Thời sự</title></head><body><a href=/1>Tin 1</a>");
  dir.write("b/rac.html", std::string("\x00\xFF\xFE\x01junk", 8));
  const std::string huge = dir.write("c/lon.html", "");
  fs::resize_file(huge, 50u << 20);  // 50 MB, sparse: never read
  dir.write("d/tin.jsonl", record(1));
  Loaded l = load({dir.path.string()});
  REQUIRE(l.articles.size() == 3);
  CHECK(l.articles[0].id == "a/bai.html");
  CHECK(l.articles[1].id == "a/cu.htm");
  CHECK(l.articles[2].id == "r1");
  REQUIRE(l.rejected.size() == 3);
  CHECK(l.rejected[0].rfind("chuyen-muc.html:0: no article (", 0) == 0);
  CHECK(l.rejected[1].rfind("rac.html:0: ", 0) == 0);
  CHECK(l.rejected[2] == "lon.html:0: page too large (52428800 bytes, limit 8388608)");
  CHECK(l.unreadable.empty());
}

namespace {

// A WARC record as crawlers write it, its length given or the block's own.
std::string warc_record(const std::string& type, const std::string& uri, const std::string& date,
                        const std::string& content_type, const std::string& block,
                        long length = -1) {
  return "WARC/1.0\r\nWARC-Type: " + type + "\r\nWARC-Target-URI: " + uri +
         "\r\nWARC-Date: " + date + "\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(length < 0 ? block.size() : length) + "\r\n\r\n" +
         block + "\r\n\r\n";
}

std::string html_page(const std::string& title) {
  return "<html><head><title>" + title + "</title></head><body><p>Sáng 12/6, Ủy ban nhân dân " +
         "huyện Cần Giờ tổ chức lễ khởi công tuyến đê biển dài bốn cây số, bảo vệ hơn 2.000 hộ " +
         "dân khỏi triều cường trong mùa mưa bão năm nay.</p></body></html>";
}

std::string http_response(const std::string& status, const std::string& type,
                          const std::string& body) {
  return "HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\n\r\n" + body;
}

std::string page_capture(const std::string& uri, const std::string& date,
                         const std::string& title) {
  return warc_record("response", uri, date, "application/http; msgtype=response",
                     http_response("200 OK", "text/html; charset=utf-8", html_page(title)));
}

}  // namespace

TEST_CASE("sources: a WARC's HTML responses are articles, its other records are passed over") {
  ScratchDir dir;
  const std::vector<std::string> records = {
      warc_record("warcinfo", "", "2024-05-01T00:00:00Z", "application/warc-fields", "software: x"),
      warc_record("request", "https://a.vn/1", "2024-05-01T00:00:00Z",
                  "application/http; msgtype=request", "GET /1 HTTP/1.1\r\n\r\n"),
      page_capture("https://a.vn/1", "2024-05-01T00:00:01Z", "Đê biển Cần Giờ"),
      warc_record("response", "https://a.vn/anh.jpg", "2024-05-01T00:00:02Z",
                  "application/http; msgtype=response",
                  http_response("200 OK", "image/jpeg", std::string("\xFF\xD8\xFF", 3))),
      warc_record("response", "https://a.vn/cu", "2024-05-01T00:00:03Z",
                  "application/http; msgtype=response",
                  http_response("301 Moved Permanently", "text/html", "")),
      warc_record("resource", "https://a.vn/2", "2024-05-01T00:00:04Z", "text/html",
                  html_page("Trang lưu dạng resource")),
  };
  std::string plain, per_record;
  for (const std::string& r : records) plain += r, per_record += gzipped(r);
  const std::pair<const char*, std::string> files[] = {
      {"a.warc", plain}, {"b.warc.gz", per_record}, {"c.warc.gz", gzipped(plain)}};
  for (const auto& file : files) {
    const std::string name = file.first;
    CAPTURE(name);
    Loaded l = load({dir.write(name, file.second)});
    REQUIRE(l.articles.size() == 2);
    CHECK(l.articles[0].id == "https://a.vn/1");  // no canonical link: the WARC-Target-URI
    CHECK(l.articles[0].url == "https://a.vn/1");
    CHECK(l.articles[0].title == "Đê biển Cần Giờ");
    CHECK(l.articles[1].title == "Trang lưu dạng resource");
    CHECK(l.rejected.empty());
    CHECK(l.unreadable.empty());
  }
}

TEST_CASE("sources: of several captures of a page in WARCs, the newest is the article") {
  ScratchDir dir;
  dir.write("a.warc", page_capture("https://a.vn/1", "2024-05-02T00:00:00Z", "Bản mới") +
                          page_capture("https://a.vn/1", "2024-05-01T00:00:00Z", "Bản cũ"));
  dir.write("b.warc", page_capture("https://a.vn/1", "2023-01-01T00:00:00Z", "Bản rất cũ") +
                          page_capture("https://a.vn/2", "2023-01-01T00:00:00Z", "Bài khác"));
  Loaded l = load({dir.path.string()});
  // The job keeps the last record of an id: every older capture after a newer is passed over.
  REQUIRE(l.articles.size() == 2);
  CHECK(l.articles[0].title == "Bản mới");
  CHECK(l.articles[1].title == "Bài khác");
}

TEST_CASE("sources: a WARC record whose length lies, a truncated WARC, a gzip bomb") {
  ScratchDir dir;
  const std::string good = page_capture("https://a.vn/1", "2024-05-01T00:00:00Z", "Bài một");
  const std::string lying = warc_record(
      "response", "https://a.vn/2", "2024-05-01T00:00:00Z", "application/http; msgtype=response",
      http_response("200 OK", "text/html", html_page("Bài hai")), 40);
  const std::string after = page_capture("https://a.vn/3", "2024-05-01T00:00:00Z", "Bài ba");
  Loaded l = load({dir.write("lies.warc", good + lying + after)});
  // The lying record's block is cut inside its HTTP header (no page: passed
  // over); where the next record should start, its rest is found instead.
  REQUIRE(l.articles.size() == 2);
  CHECK(l.articles[1].title == "Bài ba");
  REQUIRE(l.rejected.size() == 1);
  CHECK(l.rejected[0].rfind("lies.warc:3: record 3: no WARC header where a record should start",
                            0) == 0);

  const std::string cut = good + after;
  Loaded truncated = load({dir.write("cut.warc.gz", gzipped(cut.substr(0, cut.size() - 100)))});
  CHECK(truncated.articles.size() == 1);
  REQUIRE(truncated.unreadable.size() == 1);
  CHECK(truncated.unreadable[0].rfind("cut.warc.gz:2: record 2: cut short", 0) == 0);

  // 64 MB of zeros in one gzip member of 64 KB: read past, never held (the
  // reader keeps at most the page cap, 8 MB, of a block).
  const std::string zeros(64u << 20, '\0');
  const std::string bomb = gzipped(warc_record(
      "response", "https://a.vn/bom", "2024-05-01T00:00:00Z", "application/http; msgtype=response",
      http_response("200 OK", "text/html", zeros)));
  Loaded b = load({dir.write("bomb.warc.gz", bomb + gzipped(after))});
  REQUIRE(b.articles.size() == 1);
  CHECK(b.articles[0].title == "Bài ba");
  REQUIRE(b.rejected.size() == 1);
  CHECK(b.rejected[0].find("page too large") != std::string::npos);
}

TEST_CASE("a WARC response's HTTP message: status, type, a chunked body decoded") {
  auto r = tracuu::parse_http_response(
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\n<p>Tr\r\n7\r\nang</p>\r\n0\r\n\r\n");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->content_type == "text/html");
  CHECK(r->body == "<p>Trang</p>");
  CHECK_FALSE(r->compressed);
  auto gz = tracuu::parse_http_response("HTTP/1.1 404 Not Found\nContent-Encoding: gzip\n\nx");
  REQUIRE(gz);
  CHECK(gz->status == 404);
  CHECK(gz->compressed);
  CHECK_FALSE(tracuu::parse_http_response("GET / HTTP/1.1\r\n\r\n"));
}

TEST_CASE("sources: bad lines are rejected with their line, the rest is read") {
  ScratchDir dir;
  const std::string file = dir.write("a.jsonl", record(1) + "not json\n\n" + record(2));
  Loaded l = load({file});
  CHECK(l.articles.size() == 2);
  REQUIRE(l.rejected.size() == 1);
  CHECK(l.rejected[0].rfind("a.jsonl:2: bad JSON", 0) == 0);
  CHECK(l.unreadable.empty());
}

TEST_CASE("sources: a gzip cut short is unreadable past what it held") {
  ScratchDir dir;
  std::string all;
  for (int i = 0; i < 2000; ++i) all += record(i);
  const std::string gz = gzipped(all);
  const std::string file = dir.write("cut.jsonl.gz", gz.substr(0, gz.size() / 2));
  Loaded l = load({file});
  CHECK(l.articles.size() > 0);
  CHECK(l.articles.size() < 2000);
  REQUIRE(l.unreadable.size() == 1);
  CHECK(l.unreadable[0].rfind("cut.jsonl.gz:", 0) == 0);
  const std::string whole = dir.write("whole.jsonl.gz", gz);
  CHECK(load({whole}).articles.size() == 2000);
}

TEST_CASE("sources: folders are read recursively in path order; other files are skipped") {
  ScratchDir dir;
  dir.write("b/2.jsonl", record(2));
  dir.write("a/1.jsonl", record(1));
  dir.write("a/notes.md", "not an article");
  dir.write("c/page.txt", "Tiêu đề trang\nThân bài của trang.");
  Loaded l = load({dir.path.string()});
  REQUIRE(l.articles.size() == 3);
  CHECK(l.articles[0].id == "r1");
  CHECK(l.articles[1].id == "r2");
  CHECK(l.articles[2].id == "c/page.txt");  // a page's id: its path in the source folder
  CHECK_THROWS(load({(dir.path / "missing").string()}));
}

TEST_CASE("the shard rule: by year or by a stable hash of the id") {
  using tracuu::ShardRule;
  Article a;
  a.id = "tn-2018-0007";
  a.published = "2018-05-15";
  CHECK(ShardRule::parse("year").shard_of(a) == "year-2018");
  a.published.clear();
  CHECK(ShardRule::parse("year").shard_of(a) == "year-unknown");
  const ShardRule hash = ShardRule::parse("hash:4");
  CHECK(hash.spec() == "hash:4");
  // Stable across builds: FNV-1a 64 of the id, modulo the shard count.
  CHECK(hash.shard_of(a) == "hash-" + std::to_string(tracuu::stable_hash(a.id) % 4));
  for (const char* bad : {"", "month", "hash:", "hash:0", "hash:1025", "hash:x"})
    CHECK_THROWS_AS(ShardRule::parse(bad), tracuu::IndexError);
}

TEST_CASE("a prune may not delete after an unreadable source, nor most of the index") {
  using tracuu::internal::prune_refusal;
  tracuu::IndexOptions options;
  options.prune = true;
  CHECK(prune_refusal(options, 100, 10, 90, {}).empty());
  CHECK_FALSE(prune_refusal(options, 100, 10, 90, {"a.jsonl.gz:7: truncated"}).empty());
  CHECK_FALSE(prune_refusal(options, 100, 60, 40, {}).empty());  // more than half
  CHECK_FALSE(prune_refusal(options, 100, 100, 0, {}).empty());  // nothing in the sources
  options.prune_allow_shrink = true;
  CHECK(prune_refusal(options, 100, 60, 40, {}).empty());
  CHECK_FALSE(prune_refusal(options, 100, 60, 40, {"x: unreadable"}).empty());
}

TEST_CASE("leftovers: what no stub points to is removed, the live generation stays") {
  ScratchDir dir;
  const std::string db = dir.path.string();
  // A live generation (a real, empty Xapian database) and the stub naming it.
  Xapian::WritableDatabase(db + "/gen-000002", Xapian::DB_CREATE).close();
  tracuu::internal::replace_file(db + "/XAPIANDB", "auto gen-000002\n");
  dir.write("gen-000001/postlist.glass", "old");  // half deleted after a switch
  dir.write("gen-000003.build-0/postlist.glass", "killed build");
  dir.write("XAPIANDB.tmp", "auto gen-000003\n");
  std::ostringstream log;
  tracuu::internal::remove_leftovers(db, log);
  std::set<std::string> left;
  for (const auto& e : fs::directory_iterator(db)) left.insert(e.path().filename().string());
  CHECK(left == std::set<std::string>{"XAPIANDB", "gen-000002"});
  CHECK(log.str().find("gen-000001") != std::string::npos);
  CHECK(tracuu::IndexLocation(db).live_generation() == db + "/gen-000002");
}
