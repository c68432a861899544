// The index schema (index/schema.h): the terms of an analyzed field.
#include "schema.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "test_util.h"

using tracuu::Analyzer;

namespace {

std::vector<std::string> terms_of(const std::string& text, tracuu::FieldSpec spec) {
  Analyzer analyzer;
  Xapian::Document doc;
  Xapian::termpos pos = 1;
  tracuu::index_field(analyzer.analyze(text), spec, doc, &pos);
  return {doc.termlist_begin(), doc.termlist_end()};
}

bool has(const std::vector<std::string>& terms, const std::string& t) {
  return std::find(terms.begin(), terms.end(), t) != terms.end();
}

}  // namespace

TEST_CASE("index_field emits the schema's term spaces") {
  Analyzer analyzer;
  Xapian::Document doc;
  Xapian::termpos pos = 1;
  tracuu::index_field(analyzer.analyze("Quận Bình Tân"), {true, 1}, doc, &pos);
  std::vector<std::string> terms(doc.termlist_begin(), doc.termlist_end());
  for (const char* t : {"binh", "Ebình", "Bbinh_tan", "Sbinh", "SEbình", "SBbinh_tan"}) {
    CAPTURE(t);
    CHECK(has(terms, t));
  }
  CHECK(pos > 3);  // past the field, with a gap
}

TEST_CASE("an abbreviation's key is indexed wherever a form is written, nested ones too") {
  std::vector<std::string> terms = terms_of("Đại biểu Quốc hội", {false, 1});
  CHECK(has(terms, "dbqh"));
  CHECK(has(terms, "qh"));  // "Quốc hội" inside "Đại biểu Quốc hội"
}

TEST_CASE("numbers have no exact term and make no bigram") {
  std::vector<std::string> terms = terms_of("năm 2020 tăng", {false, 1});
  CHECK(has(terms, "2020"));
  CHECK_FALSE(has(terms, "E2020"));
  CHECK_FALSE(has(terms, "Bnam_2020"));
  CHECK_FALSE(has(terms, "B2020_tang"));
}

TEST_CASE("an article's id is checked in one place") {
  tracuu::Article a;
  a.title = "Tiêu đề";
  CHECK_THROWS_AS(tracuu::check_article(a), tracuu::RecordError);
  a.id = std::string(tracuu::kMaxIdBytes, 'x');
  CHECK_NOTHROW(tracuu::check_article(a));
  a.id += "x";
  CHECK_THROWS_AS(tracuu::check_article(a), tracuu::RecordError);
}

TEST_CASE("the stable hash is FNV-1a 64 (stored hashes and shard numbers rely on it)") {
  CHECK(tracuu::stable_hash("") == 14695981039346656037ull);
  CHECK(tracuu::stable_hash("a") == 0xaf63dc4c8601ec8cull);
}

TEST_CASE("copies share a duplicate key; a generic title shared by two stories does not") {
  tracuu::Article a, copy, other;
  a.title = "Nhiều hoạt động ý nghĩa diễn ra trong tuần qua";
  a.body = "Đội tuyển bóng đá giành chiến thắng ở vòng loại.";
  copy = a;
  copy.title = "NHIỀU HOẠT ĐỘNG Ý NGHĨA DIỄN RA TRONG TUẦN QUA!";
  other = a;
  other.body = "Bệnh viện tiêm vắc xin cúm cho trẻ em.";
  CHECK(tracuu::duplicate_key(a) == tracuu::duplicate_key(copy));
  CHECK(tracuu::duplicate_key(a) != tracuu::duplicate_key(other));
}

TEST_CASE(
    "pairs of words side by side: a weighted bigram in a field's opening, a pair term elsewhere") {
  std::string text = "Mở đầu. Hùng Vương";
  for (int i = 0; i < 120; ++i) text += " lễ hội";
  text += " Vua Hùng Vương.";
  std::vector<std::string> terms = terms_of(text, {false, 1});
  CHECK(has(terms, "Bhung_vuong"));  // in the first 100 syllables
  CHECK(has(terms, "Pdau_hung"));    // across the full stop
  CHECK(has(terms, "Pvua_hung"));    // past the first 100
  CHECK_FALSE(has(terms, "Bvua_hung"));
}
