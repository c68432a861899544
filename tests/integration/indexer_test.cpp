// tracuu-index end to end: real binary, real Xapian databases in temp folders.
#include <doctest/doctest.h>
#include <xapian.h>

#include "harness.h"

using harness::index;
using harness::record;
using harness::TempDir;

namespace {

Xapian::doccount doc_count(const std::string& db) {
  return Xapian::Database(db + "/XAPIANDB").get_doccount();
}

std::string many_records(int n, const std::string& id_prefix = "bulk-") {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out +=
        record(id_prefix + std::to_string(i), "Tin số " + std::to_string(i) + " về quận Bình Tân",
               "Nội dung bài viết thứ " + std::to_string(i) +
                   " nói về xây dựng Đảng và phát triển kinh tế " +
                   "của thành phố Hồ Chí Minh trong năm " + std::to_string(2015 + i % 10) + ".");
  }
  return out;
}

}  // namespace

TEST_CASE("re-run is idempotent: the second run reports everything unchanged") {
  TempDir dir;
  std::string src = dir.write("a.jsonl", many_records(30));
  auto first = index(dir.path("db"), {src});
  REQUIRE(first.exit_code == 0);
  CHECK(first.summary()["added"] == 30);
  auto second = index(dir.path("db"), {src});
  REQUIRE(second.exit_code == 0);
  CHECK(second.summary()["added"] == 0);
  CHECK(second.summary()["unchanged"] == 30);
  CHECK(second.summary()["updated"] == 0);
  CHECK(doc_count(dir.path("db")) == 30);
  for (const char* key :
       {"added", "updated", "unchanged", "deleted", "rejected", "skipped", "seconds"}) {
    CHECK(second.summary().contains(key));
  }
}

TEST_CASE("a changed article is replaced, not duplicated") {
  TempDir dir;
  std::string src = dir.write(
      "a.jsonl", record("x1", "Tiêu đề cũ", "Nội dung cũ") + record("x2", "Khác", "Khác"));
  REQUIRE(index(dir.path("db"), {src}).exit_code == 0);
  dir.write("a.jsonl",
            record("x1", "Tiêu đề mới về Bình Tân", "Nội dung mới") + record("x2", "Khác", "Khác"));
  auto run = index(dir.path("db"), {src});
  REQUIRE(run.exit_code == 0);
  CHECK(run.summary()["updated"] == 1);
  CHECK(run.summary()["unchanged"] == 1);
  Xapian::Database db(dir.path("db") + "/XAPIANDB");
  CHECK(db.get_doccount() == 2);
  CHECK(db.get_termfreq("Qx1") == 1);
  CHECK(db.get_termfreq("Stan") == 1);  // the new title's words are searchable
  CHECK(db.get_termfreq("Scu") == 0);   // the old ones are gone
}

TEST_CASE("--prune deletes articles that left the sources; without it they stay") {
  TempDir dir;
  std::string src = dir.write("a.jsonl", many_records(5));
  REQUIRE(index(dir.path("db"), {src}).exit_code == 0);
  dir.write("a.jsonl", many_records(3));
  auto keep = index(dir.path("db"), {src});
  CHECK(keep.summary()["deleted"] == 0);
  CHECK(doc_count(dir.path("db")) == 5);
  auto prune = index(dir.path("db"), {src}, {"--prune"});
  REQUIRE(prune.exit_code == 0);
  CHECK(prune.summary()["deleted"] == 2);
  CHECK(doc_count(dir.path("db")) == 3);
}

TEST_CASE("bad records are reported with file:line and skipped; the rest is indexed") {
  TempDir dir;
  std::string long_title(3000, 'a');
  std::string lines;
  lines += record("good-1", "Bài tốt", "Nội dung");
  lines += "{not json\n";  // line 2: bad JSON
  lines += R"({"title":"không có id"})"
           "\n";  // line 3: missing id
  lines += R"({"id":"t1"})"
           "\n";  // line 4: missing title
  lines += R"({"id":7,"title":"sai kiểu"})"
           "\n";                                              // line 5: wrong type
  lines += R"({"id":"t2","title":")" + long_title + "\"}\n";  // line 6: over-long field
  lines += std::string("{\"id\":\"t3\",\"title\":\"\xff\xfe") + '\0' +
           "\x01\"}\n";  // line 7: invalid UTF-8, a NUL
  lines += R"({"id":"t4","title":"ngày sai","published":"hôm qua"})"
           "\n";  // line 8: bad date
  lines += R"({"id":"t5","title":"thẻ sai","tags":"không phải mảng"})"
           "\n";  // line 9: tags not an array
  lines += record("good-2", "Bài tốt nữa", "Nội dung");
  std::string src = dir.write("mixed.jsonl", lines);
  auto run = index(dir.path("db"), {src});
  CHECK(run.exit_code == 2);
  CHECK(run.summary()["added"] == 2);
  CHECK(run.summary()["rejected"] == 8);
  for (int line = 2; line <= 9; ++line) {
    INFO("line " << line << " in " << run.err);
    CHECK(run.err.find(src + ":" + std::to_string(line) + ": ") != std::string::npos);
  }
  CHECK(run.err.find("bad JSON") != std::string::npos);
  CHECK(run.err.find("id: missing") != std::string::npos);
  CHECK(run.err.find("title: missing") != std::string::npos);
  CHECK(run.err.find("expected a string") != std::string::npos);
  CHECK(run.err.find("too long") != std::string::npos);
  CHECK(run.err.find("invalid UTF-8") != std::string::npos);
  CHECK(doc_count(dir.path("db")) == 2);
}

TEST_CASE("a missing source is a fatal error with exit status 1") {
  TempDir dir;
  auto run = index(dir.path("db"), {dir.path("nope.jsonl")});
  CHECK(run.exit_code == 1);
  CHECK(run.err.find("no such file") != std::string::npos);
}

TEST_CASE("gzip JSONL, text pages and folders are read recursively") {
  TempDir dir;
  dir.write("src/a.jsonl", record("j1", "Một", "Một"));
  dir.write("src/sub/page.txt",
            "Thứ Hai, ngày 7 tháng 3 năm 2016\n\nTiêu đề trang\n\nĐoạn mở đầu của bài.\n\nThân "
            "bài.\n\nNguyễn Văn A\n\nTin khác\n\nRác trang\n");
  std::string gz = dir.path("src/b.jsonl.gz");
  std::string cmd = "printf '%s' '" +
                    record("g1", "Nén", "Nén").substr(0, record("g1", "Nén", "Nén").size() - 1) +
                    "' | gzip > " + gz;
  REQUIRE(std::system(cmd.c_str()) == 0);
  auto run = index(dir.path("db"), {dir.path("src")});
  REQUIRE(run.exit_code == 0);
  CHECK(run.summary()["added"] == 3);
  Xapian::Database db(dir.path("db") + "/XAPIANDB");
  CHECK(db.get_termfreq("Qsub/page.txt") == 1);
  CHECK(db.get_termfreq("Qg1") == 1);
  CHECK(db.get_termfreq("rac") == 0);  // page chrome is dropped
}

TEST_CASE("a second writer is refused at once while one runs (--lock-wait 0)") {
  TempDir dir;
  std::string src = dir.write("big.jsonl", many_records(harness::bulk_records(20000)));
  pid_t first =
      harness::spawn({harness::binary("indexer/tracuu-index"), "--db", dir.path("db"), src},
                     dir.path("out1"), dir.path("err1"));
  // Wait for the first writer to hold the lock (its database exists).
  for (int i = 0; i < 400 && !harness::fs::exists(dir.path("db/XAPIANDB")); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto second = index(dir.path("db"), {src}, {"--lock-wait", "0"});
  int first_exit = harness::wait_exit(first);
  CHECK(first_exit == 0);
  CHECK(second.exit_code == 1);
  CHECK(second.err.find("another tracuu-index is writing") != std::string::npos);
  CHECK(doc_count(dir.path("db")) == static_cast<Xapian::doccount>(harness::bulk_records(20000)));
}

TEST_CASE("a run killed mid-batch leaves the last commit readable; a re-run finishes") {
  TempDir dir;
  const int total = harness::bulk_records(30000);
  // An existing index: later runs are incremental and commit batch by batch.
  REQUIRE(index(dir.path("db"), {dir.write("first.jsonl", many_records(10, "first-"))}).exit_code ==
          0);
  std::string src = dir.write("big.jsonl", many_records(total));
  pid_t pid = harness::spawn(
      {harness::binary("indexer/tracuu-index"), "--db", dir.path("db"), "--batch", "1000", src},
      dir.path("out"), dir.path("err"));
  // Kill it once at least one batch is committed, while it is still writing.
  Xapian::doccount seen = 10;
  for (int i = 0; i < 2000 && seen == 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    seen = doc_count(dir.path("db"));
  }
  kill(pid, SIGKILL);
  harness::wait_exit(pid);
  Xapian::doccount after_kill = doc_count(dir.path("db")) - 10;
  INFO("documents committed before SIGKILL: " << after_kill);
  CHECK(after_kill > 0);
  CHECK(after_kill % 1000 == 0);  // whole batches only
  CHECK(after_kill < static_cast<Xapian::doccount>(total));
  auto rerun = index(dir.path("db"), {src});
  REQUIRE(rerun.exit_code == 0);
  CHECK(rerun.summary()["unchanged"] == after_kill);
  CHECK(rerun.summary()["added"] == total - static_cast<int>(after_kill));
  CHECK(doc_count(dir.path("db")) == static_cast<Xapian::doccount>(total + 10));
}

TEST_CASE("a killed first build shows readers an empty index, never half of one") {
  TempDir dir;
  std::string src = dir.write("big.jsonl", many_records(harness::bulk_records(20000)));
  pid_t pid = harness::spawn(
      {harness::binary("indexer/tracuu-index"), "--db", dir.path("db"), "--batch", "1000", src},
      dir.path("out"), dir.path("err"));
  for (int i = 0; i < 400 && !harness::fs::exists(dir.path("db/XAPIANDB")); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  kill(pid, SIGKILL);
  harness::wait_exit(pid);
  CHECK(doc_count(dir.path("db")) == 0);
  auto rerun = index(dir.path("db"), {src});
  REQUIRE(rerun.exit_code == 0);
  CHECK(rerun.summary()["added"] == harness::bulk_records(20000));
  CHECK(doc_count(dir.path("db")) == static_cast<Xapian::doccount>(harness::bulk_records(20000)));
}

TEST_CASE("an index from another analyzer version is refused; --rebuild replaces it") {
  TempDir dir;
  std::string src = dir.write("a.jsonl", many_records(10));
  REQUIRE(index(dir.path("db"), {src}).exit_code == 0);
  std::string live;
  {
    std::ifstream stub(dir.path("db/XAPIANDB"));
    std::string kind;
    stub >> kind >> live;
    Xapian::WritableDatabase db(dir.path("db/" + live));
    db.set_metadata("tracuu.analyzer_version", "0");
    db.commit();
  }
  auto refused = index(dir.path("db"), {src});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("--rebuild") != std::string::npos);
  auto rebuilt = index(dir.path("db"), {src}, {"--rebuild"});
  REQUIRE(rebuilt.exit_code == 0);
  CHECK(doc_count(dir.path("db")) == 10);
  CHECK_FALSE(
      harness::fs::exists(dir.path("db/" + live)));  // the old generation is gone after the switch
  CHECK(index(dir.path("db"), {src}).summary()["unchanged"] == 10);
}

TEST_CASE("legacy-encoded pages are converted and reported; undecodable bytes are rejected") {
  TempDir dir;
  auto run = index(dir.path("db"), {harness::source_path("corpus/pages/legacy")});
  REQUIRE(run.exit_code == 0);
  CHECK(run.summary()["added"] == 3);
  for (const char* encoding : {"tcvn3", "vni", "windows-1258"}) {
    CHECK(run.err.find(std::string("converted from ") + encoding) != std::string::npos);
  }
  Xapian::Database db(dir.path("db") + "/XAPIANDB");
  CHECK(db.get_termfreq("Ephông") == 1);  // "phông chữ" from the TCVN3 page
  std::string binary = harness::slurp(harness::source_path("tests/data/legacy/not-vietnamese.bin"));
  std::string page = dir.write("junk/binary.txt", binary);
  auto rejected = index(dir.path("db2"), {dir.path("junk")});
  CHECK(rejected.exit_code == 2);
  CHECK(rejected.err.find(page + ":0: not UTF-8 and not a known Vietnamese legacy encoding") !=
        std::string::npos);
}

TEST_CASE("a folder of HTML pages: the stories are searchable, the pages around them are not") {
  TempDir dir;
  auto run = index(dir.path("db"), {harness::source_path("tests/data/html")});
  CHECK(run.exit_code == 2);  // the three pages without an article
  CHECK(run.summary()["added"] == 5);
  CHECK(run.summary()["rejected"] == 3);
  CHECK(run.err.find("no-article/chuyen-muc-thoi-su.html:0: no article (a page of links") !=
        std::string::npos);
  CHECK(run.err.find("no-article/khong-tim-thay.html:0: no article (") != std::string::npos);
  CHECK(run.err.find("converted from windows-1258") != std::string::npos);

  harness::Server server(dir.path("db"));
  auto ids_for = [&](const std::string& q) {
    auto [status, body] = server.get("/search?q=" + harness::url_encode(q));
    REQUIRE(status == 200);
    std::vector<std::string> ids;
    for (const auto& h : body["hits"]) ids.push_back(h["id"].get<std::string>());
    return ids;
  };
  const std::string bus =
      "https://tinnhanh.example.vn/thoi-su/ha-noi-mo-them-12-tuyen-xe-buyt-dien-4711.html";
  REQUIRE(!ids_for("xe buýt điện Dương Nội").empty());
  CHECK(ids_for("xe buýt điện Dương Nội")[0] == bus);  // the id: the canonical URL
  REQUIRE(!ids_for("muoi sach Can Gio").empty());
  CHECK(ids_for("muoi sach Can Gio")[0] == "bao-tinh-nong-san.html");  // no canonical: the path
  CHECK(ids_for("\"trúng mùa muối\"").size() == 1);  // phrases find what is indexed
  // Related links, a reader's comment, the footer: written on the pages, not in a story.
  for (const char* phrase :
       {"\"Cảnh báo lừa đảo đặt phòng\"", "\"Tàu điện Nhổn\"", "\"tuyến lên Sóc Sơn\"",
        "\"Chợ nổi Cái Răng\"", "\"Giấy phép số 123\""}) {
    CAPTURE(phrase);
    CHECK(ids_for(phrase).empty());
  }
  auto again = index(dir.path("db"), {harness::source_path("tests/data/html")});
  CHECK(again.summary()["unchanged"] == 5);
}

TEST_CASE("a WARC written by wget: its pages are searchable, a re-run finds them unchanged") {
  TempDir dir;
  const std::string warc = harness::source_path("tests/data/warc/pages.warc.gz");
  auto run = index(dir.path("db"), {warc});
  CHECK(run.exit_code == 2);  // the section front; the 404 and the JSON file pass quietly
  CHECK(run.summary()["added"] == 5);
  CHECK(run.summary()["rejected"] == 1);
  // warcinfo, 8 requests, the 404's and the JSON file's responses, wget's own records.
  CHECK(run.summary()["skipped"] == 14);
  CHECK(run.err.find("pages.warc.gz:13: no article (a page of links") != std::string::npos);

  harness::Server server(dir.path("db"));
  auto [status, body] = server.get("/search?q=" + harness::url_encode("\"trúng mùa muối\""));
  REQUIRE(status == 200);
  REQUIRE(body["hits"].size() == 1);
  // No canonical link on that page: its id and URL are the capture's WARC-Target-URI.
  const std::string id = body["hits"][0]["id"].get<std::string>();
  CHECK(id.rfind("http://127.0.0.1:", 0) == 0);
  CHECK(id.find("/bao-tinh-nong-san.html") != std::string::npos);
  // The capture time is kept beside the article's own date.
  auto [a_status, article] = server.get("/articles/" + harness::url_encode(id));
  REQUIRE(a_status == 200);
  const std::string captured = article.value("captured", "");
  CHECK(captured.size() >= 20);
  CHECK(captured.rfind("20", 0) == 0);
  CHECK(captured.back() == 'Z');

  auto again = index(dir.path("db"), {warc});
  CHECK(again.summary()["unchanged"] == 5);

  // The same archive cut short: --prune deletes nothing by it.
  const std::string bytes = harness::slurp(warc);
  const std::string cut = dir.write("cut/pages.warc.gz", bytes.substr(0, bytes.size() * 2 / 3));
  auto prune = index(dir.path("db"), {cut}, {"--prune"});
  CHECK(prune.exit_code == 1);  // pruning refused
  CHECK(prune.summary()["deleted"] == 0);
  CHECK(prune.err.find("pages.warc.gz:") != std::string::npos);
  CHECK(Xapian::Database(dir.path("db") + "/XAPIANDB").get_doccount() == 5);
}
