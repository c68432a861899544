// The stored record every hit is read from: it round-trips every field, still
// reads the JSON data of older indexes, and refuses damaged records.
#include <stdexcept>

#include "indexer.h"
#include "test_util.h"

using tracuu::Article;

namespace {

Article sample() {
  Article a;
  a.id = "tn-2018-0007";
  a.title = "Hoà bình ở \"Bình Tân\"";
  a.lead = "Mở đầu";
  a.body = std::string(300, 'x') + "\nđoạn hai";  // a length over 127 takes two bytes
  a.caption = "Ảnh: TL";
  a.author = "Lê An";
  a.published = "2018-05-15";
  a.url = "https://example.vn/a";
  a.category = "Thời sự";
  a.tags = {"giao thông", ""};
  return a;
}

}  // namespace

TEST_CASE("the stored record round-trips every field") {
  const Article a = sample();
  const Article b = tracuu::article_from_data(tracuu::stored_data(a));
  CHECK(b.id == a.id);
  CHECK(b.title == a.title);
  CHECK(b.lead == a.lead);
  CHECK(b.body == a.body);
  CHECK(b.caption == a.caption);
  CHECK(b.author == a.author);
  CHECK(b.published == a.published);
  CHECK(b.url == a.url);
  CHECK(b.category == a.category);
  CHECK(b.tags == a.tags);
  CHECK(b.captured.empty());
}

TEST_CASE("a web archive's capture time is stored last, and only when set") {
  Article captured = sample();
  captured.captured = "2024-03-16T08:30:00Z";
  const Article b = tracuu::article_from_data(tracuu::stored_data(captured));
  CHECK(b.captured == "2024-03-16T08:30:00Z");
  CHECK(b.body == captured.body);
  CHECK(tracuu::article_json(b)["captured"] == "2024-03-16T08:30:00Z");
  // Without one, the record and its hash are what they were before the field.
  CHECK_FALSE(tracuu::article_json(sample()).contains("captured"));
  CHECK(tracuu::content_hash(captured) != tracuu::content_hash(sample()));
  Article short_one;
  short_one.id = "a";
  short_one.title = "Tin ngắn";
  Article short_captured = short_one;
  short_captured.captured = "2024-03-16T08:30:00Z";
  // The same record, then one field: its length and its 20 bytes.
  const std::string plain = tracuu::stored_data(short_one);
  const std::string with = tracuu::stored_data(short_captured);
  CHECK(with.size() == plain.size() + 1 + 20);
  CHECK(with.compare(0, plain.size(), plain) == 0);
}

TEST_CASE("a long record is stored compressed, a short one plain, both read back") {
  CHECK(tracuu::stored_data(sample()).front() == '\x03');
  CHECK(tracuu::stored_data(sample()).size() < tracuu::article_json(sample()).dump().size() / 2);
  Article short_one;
  short_one.id = "a";
  short_one.title = "Tin ngắn";
  CHECK(tracuu::stored_data(short_one).front() == '\x02');
  CHECK(tracuu::article_from_data(tracuu::stored_data(short_one)).title == "Tin ngắn");
  // Edits change the content hash; the same article hashes alike every time.
  Article edited = sample();
  edited.body += ".";
  CHECK(tracuu::content_hash(edited) != tracuu::content_hash(sample()));
  CHECK(tracuu::content_hash(sample()) == tracuu::content_hash(sample()));
}

TEST_CASE("data stored as JSON by earlier versions is still read") {
  const Article b = tracuu::article_from_data(tracuu::article_json(sample()).dump());
  CHECK(b.title == sample().title);
  CHECK(b.body == sample().body);
  // Read as any JSON record is: empty tags are dropped (no loader ever stored one).
  CHECK(b.tags == std::vector<std::string>{"giao thông"});
}

TEST_CASE("a damaged stored record is an error, not a crash") {
  const std::string data = tracuu::stored_data(sample());
  CHECK_THROWS_AS(tracuu::article_from_data(data.substr(0, data.size() / 2)), std::runtime_error);
  std::string flipped = data;
  flipped[flipped.size() / 2] ^= 0x5A;
  CHECK_THROWS_AS(tracuu::article_from_data(flipped), std::runtime_error);
  CHECK_THROWS_AS(tracuu::article_from_data(""), std::runtime_error);
  CHECK_THROWS_AS(tracuu::article_from_data("\x07garbage"), std::runtime_error);
  CHECK_THROWS_AS(
      tracuu::article_from_data(std::string("\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11)),
      std::runtime_error);
}
