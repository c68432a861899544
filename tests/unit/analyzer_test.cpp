// Table-driven tests of the Vietnamese analyzer: each row names the rule.
#include <algorithm>
#include <string>
#include <vector>

#include "test_util.h"
#include "vietnamese.h"

using tracuu::Analysis;
using tracuu::Analyzer;

namespace {

std::vector<std::string> exact_terms(const Analysis& a) {
  std::vector<std::string> out;
  for (const auto& s : a.syllables) out.push_back(s.exact);
  return out;
}

std::vector<std::string> folded_terms(const Analysis& a) {
  std::vector<std::string> out;
  for (const auto& s : a.syllables) out.push_back(s.folded);
  return out;
}

std::vector<std::string> compounds(const Analysis& a) {
  std::vector<std::string> out;
  for (const auto& c : a.compounds) out.push_back(c.exact);
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t j = s.find(' ', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

struct Case {
  const char* rule;
  const char* input;
  const char* exact;  // space-separated expected exact syllables
};

}  // namespace

TEST_CASE("tone placement: old and new styles become one term") {
  const Case cases[] = {
      {"oa open: new style moves to old", "hoà", "hòa"},
      {"oa open: old style kept", "hòa", "hòa"},
      {"oa open, acute", "hoá", "hóa"},
      {"oa closed: mark fixed on a", "hoàn", "hoàn"},
      {"oa closed, misplaced", "hòan", "hoàn"},
      {"oe open", "khoẻ", "khỏe"},
      {"oe open, old style", "khỏe", "khỏe"},
      {"uy open", "thuỷ", "thủy"},
      {"uy open, old style", "thủy", "thủy"},
      {"uy at word start", "uỷ ban", "ủy ban"},
      {"uy closed: huýt", "huýt", "huýt"},
      {"qu onset owns the u: quý", "qúy", "quý"},
      {"qu onset, quý unchanged", "quý", "quý"},
      {"ia open: mía fixed", "mía", "mía"},
      {"ua open: múa fixed", "múa", "múa"},
      {"gi onset: già", "già", "già"},
      {"gi without following vowel: gìn", "gìn", "gìn"},
      {"misplaced mark repaired: Vịêt", "Vịêt", "việt"},
      {"misplaced mark repaired: tíên", "tíên", "tiến"},
      {"three vowels: ngoài", "ngoài", "ngoài"},
      {"three vowels: khuỷu", "khuỷu", "khuỷu"},
      {"ươi: người", "ngừơi", "người"},
      {"non-Vietnamese word untouched", "café", "café"},
      {"Thành uỷ and Thành ủy", "Thành uỷ Thành ủy", "thành ủy thành ủy"},
      {"Quận ủy", "Quận ủy", "quận ủy"},
      {"Thuý and Thúy", "Thuý Thúy", "thúy thúy"},
  };
  Analyzer analyzer;
  for (const Case& c : cases) {
    INFO(std::string(c.rule));
    CHECK(exact_terms(analyzer.analyze(c.input)) == split(c.exact));
  }
}

TEST_CASE("NFD, mixed mark order and uppercase normalize to one term") {
  Analyzer analyzer;
  // e + dot below + circumflex, and e + circumflex + dot below: both ệ.
  CHECK(exact_terms(analyzer.analyze("Vie\xCC\xA3\xCC\x82t")) ==
        exact_terms(analyzer.analyze("Việt")));
  CHECK(exact_terms(analyzer.analyze("Vie\xCC\x82\xCC\xA3t")) == std::vector<std::string>{"việt"});
  CHECK(exact_terms(analyzer.analyze("Vie\xCC\xA3\xCC\x82t")) == std::vector<std::string>{"việt"});
  // Composed base + combining tone: ê + U+0301.
  CHECK(exact_terms(analyzer.analyze("\xC3\xAA\xCC\x81")) == std::vector<std::string>{"ế"});
  CHECK(exact_terms(analyzer.analyze("ĐẠI HỘI ĐẢNG")) == split("đại hội đảng"));
  CHECK(exact_terms(analyzer.analyze("ỦY BAN")) == split("ủy ban"));
  CHECK(exact_terms(analyzer.analyze("UỶ BAN")) == split("ủy ban"));
}

TEST_CASE("folding removes every diacritic and maps đ to d") {
  Analyzer analyzer;
  CHECK(folded_terms(analyzer.analyze("Bình Tân")) == split("binh tan"));
  CHECK(folded_terms(analyzer.analyze("Đà Nẵng")) == split("da nang"));
  CHECK(folded_terms(analyzer.analyze("HĐND")) == split("hdnd"));
  CHECK(folded_terms(analyzer.analyze("đường dương")) == split("duong duong"));
  CHECK(tracuu::fold_diacritics("Đường") == "duong");
}

TEST_CASE("look-alikes of Đ become Đ") {
  Analyzer analyzer;
  CHECK(exact_terms(analyzer.analyze("\xC3\x90\xC3\xA0 N\xE1\xBA\xB5ng")) ==
        split("đà nẵng"));                                                          // Ð
  CHECK(exact_terms(analyzer.analyze("\xC6\x89\xE1\xBA\xA3ng")) == split("đảng"));  // Ɖ
}

TEST_CASE("typographic characters, zero-width and HTML entities") {
  Analyzer analyzer;
  // Zero-width space inside a word would split it.
  CHECK(exact_terms(analyzer.analyze("Vi\xE2\x80\x8B\xE1\xBB\x87t Nam")) == split("việt nam"));
  // Soft hyphen.
  CHECK(exact_terms(analyzer.analyze("xây\xC2\xAD dựng")) == split("xây dựng"));
  // NBSP between words.
  CHECK(exact_terms(analyzer.analyze("Bình\xC2\xA0Tân")) == split("bình tân"));
  CHECK(exact_terms(analyzer.analyze("Vi&ecirc;&#803;t &amp; H&#7891;")) == split("việt hồ"));
  CHECK(exact_terms(analyzer.analyze("“Trong sạch, vững mạnh”")) == split("trong sạch vững mạnh"));
}

TEST_CASE("HTML entities in stored text are decoded from the table, with or without semicolon") {
  const std::pair<const char*, const char*> cases[] = {
      {"&quot;Bình Tân&quot;", "\"Bình Tân\""},         // named
      {"Vi&ecirc;&#803;t &#x1EC7;", "Viê\xCC\xA3t ệ"},  // named and numeric
      {"lúc&nbsp11h",
       "lúc\xC2\xA0"
       "11h"},                                                       // "bare": no semicolon
      {"R&amp D", "R& D"},                                           // bare too
      {"AT&T, &foo; &ecirc và &#0;", "AT&T, &foo; &ecirc và &#0;"},  // not entities, or not bare
      {"&nbsp;", "\xC2\xA0"},
  };
  for (const auto& c : cases) {  // (clang 14 lambdas cannot capture structured bindings)
    CAPTURE(c.first);
    CHECK(tracuu::decode_html_entities(c.first) == c.second);
  }
}

TEST_CASE("offsets point into the original text") {
  Analyzer analyzer;
  std::string text = "Quận &quot;Bình Tân&quot;";
  Analysis a = analyzer.analyze(text);
  REQUIRE(a.syllables.size() == 3);
  CHECK(text.substr(a.syllables[1].begin, a.syllables[1].end - a.syllables[1].begin) == "Bình");
  CHECK(text.substr(a.syllables[2].begin, a.syllables[2].end - a.syllables[2].begin) == "Tân");
  std::string nfd = "Vie\xCC\x82\xCC\xA3t Nam";
  Analysis b = analyzer.analyze(nfd);
  CHECK(b.syllables[0].begin == 0);
  CHECK(b.syllables[0].end == 8);
}

TEST_CASE("numbers, dates and codes stay whole") {
  const Case cases[] = {
      {"date day/month", "Sáng 26/3", "26/3"},
      {"fraction", "thành lập được 18/23 tổ chức", "18/23"},
      {"percent with decimal comma", "đạt 78,3% chỉ tiêu", "78,3%"},
      {"legal document number", "Nghị định 100/2019/NĐ-CP", "100/2019/nđ-cp"},
      {"model number", "máy bay F-16", "f-16"},
      {"disease name", "dịch Covid-19", "covid-19"},
      {"hyphenated loanword", "vô-lăng", "vô-lăng"},
      {"dotted abbreviation", "TP.HCM", "tp.hcm"},
      {"licence plate", "xe 51F-123.45", "51f-123.45"},
  };
  Analyzer analyzer;
  for (const Case& c : cases) {
    INFO(std::string(c.rule));
    CHECK(compounds(analyzer.analyze(c.input)) == split(c.exact));
  }
}

TEST_CASE("Vietnamese numbers: dot groups thousands, comma is decimal") {
  Analyzer analyzer;
  CHECK(exact_terms(analyzer.analyze("1.000 tỷ")) == split("1000 tỷ"));
  CHECK(exact_terms(analyzer.analyze("1.000.000 đồng")) == split("1000000 đồng"));
  CHECK(exact_terms(analyzer.analyze("tăng 2,4%")) == split("tăng 2,4"));
  CHECK(exact_terms(analyzer.analyze("nhiệm kỳ 2020 - 2025")) == split("nhiệm kỳ 2020 2025"));
  CHECK(exact_terms(analyzer.analyze("Đại hội lần thứ XII")) == split("đại hội lần thứ xii"));
}

TEST_CASE("bigrams do not cross punctuation") {
  Analyzer analyzer;
  Analysis a = analyzer.analyze("xây dựng, chỉnh đốn Đảng");
  REQUIRE(a.syllables.size() == 5);
  CHECK_FALSE(a.syllables[1].clause_start);
  CHECK(a.syllables[2].clause_start);
  CHECK_FALSE(a.syllables[3].clause_start);
  Analysis range = analyzer.analyze("2020 - 2025");
  CHECK(range.syllables[1].clause_start);
}

TEST_CASE("i/y variants share a low-weight key, level-tone names do not") {
  Analyzer analyzer;
  auto variant = [&](const char* w) { return analyzer.analyze(w).syllables.at(0).variant; };
  CHECK(variant("kỹ") == "kĩ");
  CHECK(variant("kĩ") == "kĩ");
  CHECK(variant("lý") == "lí");
  CHECK(variant("lí") == "lí");
  CHECK(variant("Mỹ") == "mĩ");
  CHECK(variant("quý") == "quí");
  CHECK(variant("tỷ") == "tỉ");
  CHECK(variant("Vy") == "");
  CHECK(variant("Ly") == "");
  CHECK(exact_terms(analyzer.analyze("kỹ")) != exact_terms(analyzer.analyze("kĩ")));
}

TEST_CASE("abbreviations and expansions share a key") {
  Analyzer analyzer;
  auto keys = [&](const char* text) {
    std::vector<std::string> out;
    for (const auto& m : analyzer.analyze(text).abbreviations) out.push_back(m.key);
    return out;
  };
  CHECK(keys("TP.HCM") == split("tphcm"));
  CHECK(keys("TP. HCM") == split("tphcm"));
  CHECK(keys("TP HCM") == split("tphcm"));
  CHECK(keys("TPHCM") == split("tphcm"));
  CHECK(keys("Thành phố Hồ Chí Minh") == split("tphcm"));
  CHECK(keys("thanh pho ho chi minh") == split("tphcm"));
  CHECK(keys("Chủ tịch HĐND quận") == split("hdnd"));
  CHECK(keys("Hội đồng nhân dân quận") == split("hdnd"));
  CHECK(keys("Ủy ban nhân dân và Uỷ ban nhân dân") == split("ubnd ubnd"));
  CHECK(tracuu::abbreviation_expansion("ubnd") == split("ủy ban nhân dân"));
}

TEST_CASE("a form written inside a longer one is found as nested") {
  Analyzer analyzer;
  Analysis a = analyzer.analyze("Đại biểu Quốc hội và Quốc hội");
  std::vector<std::string> read, nested;
  for (const auto& m : a.abbreviations) read.push_back(m.key);
  for (const auto& m : a.nested_abbreviations) nested.push_back(m.key);
  CHECK(read == split("dbqh qh"));  // what a reader sees: longest first, no overlap
  CHECK(nested == split("qh"));     // "Quốc hội" inside "Đại biểu Quốc hội"
}

TEST_CASE("stopwords are data and negations are never stopwords") {
  CHECK(tracuu::is_stopword("của"));
  CHECK(tracuu::is_stopword("và"));
  CHECK_FALSE(tracuu::is_stopword("không"));
  CHECK_FALSE(tracuu::is_stopword("chưa"));
  CHECK_FALSE(tracuu::is_stopword("chẳng"));
  CHECK_FALSE(tracuu::is_stopword("đảng"));
}

TEST_CASE("bad input never throws and never yields invalid UTF-8") {
  Analyzer analyzer;
  std::string junk = "\xff\xfe Vi\xe1\xbb t \xc3 &#xD800; &#99999999; &; && &#;";
  Analysis a = analyzer.analyze(junk);
  for (const auto& s : a.syllables) {
    CHECK(tracuu::is_valid_utf8(s.exact));
    CHECK(tracuu::is_valid_utf8(s.folded));
  }
  CHECK(analyzer.analyze("").syllables.empty());
  std::string long_word(5000, 'a');
  CHECK(analyzer.analyze(long_word).syllables.empty());
}

TEST_CASE("seed article hard spots") {
  Analyzer analyzer;
  Analysis a = analyzer.analyze(
      "Ban Tổ chức Thành ủy TPHCM; nhiệm kỳ 2020 - 2025. Nghị quyết của Thành uỷ, đạt 78,3%.");
  std::vector<std::string> e = exact_terms(a);
  CHECK(std::count(e.begin(), e.end(), "ủy") == 2);
  CHECK(std::find(e.begin(), e.end(), "tphcm") != e.end());
  std::vector<std::string> keys;
  for (const auto& m : a.abbreviations) keys.push_back(m.key);
  CHECK(std::find(keys.begin(), keys.end(), "tphcm") != keys.end());
}

TEST_CASE("Vietnamese dates parse to ISO") {
  struct DateCase {
    const char* text;
    const char* iso;
  };
  const DateCase cases[] = {
      {"Thứ Bảy, ngày 15 tháng 5 năm 2021", "2021-05-15"},
      {"Thu Bay, ngay 15 thang 5 nam 2021", "2021-05-15"},
      {"ngày 7 tháng 3 năm 2016", "2016-03-07"},
      {"15/5/2021", "2021-05-15"},
      {"15-05-2021", "2021-05-15"},
      {"2021-05-15", "2021-05-15"},
      {"2021-05-15T08:30:00+07:00", "2021-05-15"},
      {"ngày 1 tháng Giêng năm 2020", "2020-01-01"},
  };
  for (const DateCase& c : cases) {
    INFO(std::string(c.text));
    auto d = tracuu::parse_date(c.text);
    REQUIRE(d.has_value());
    CHECK(d->iso() == c.iso);
  }
  CHECK_FALSE(tracuu::parse_date("31/2/2021").has_value());
  CHECK_FALSE(tracuu::parse_date("hôm qua").has_value());
  CHECK_FALSE(tracuu::parse_date("2021-13-01").has_value());
}

TEST_CASE("date ranges written in queries") {
  struct RangeCase {
    const char* query;
    const char* from;
    const char* to;
    const char* rest;  // the query without the range
  };
  const RangeCase cases[] = {
      {"bão lũ năm 2020", "2020-01-01", "2020-12-31", "bão lũ "},
      {"học phí tháng 5/2021", "2021-05-01", "2021-05-31", "học phí "},
      {"tháng 2 năm 2024 tết", "2024-02-01", "2024-02-29", " tết"},
      {"covid từ 1/3/2020 đến 30/6/2020", "2020-03-01", "2020-06-30", "covid "},
      {"tu 1/3/2020 den 30/6/2020 covid", "2020-03-01", "2020-06-30", " covid"},
      {"ngày 15/5/2021", "2021-05-15", "2021-05-15", ""},
      {"bình tân 2021-01-01..2021-06-30", "2021-01-01", "2021-06-30", "bình tân "},
      // Words read as a range, the direction as said (one end open).
      {"trước năm 2000", "", "1999-12-31", ""},
      {"lũ sau năm 2010", "2011-01-01", "", "lũ "},
      {"trước ngày 1/3/2020", "", "2020-02-29", ""},
      {"từ 2015 đến 2018", "2015-01-01", "2018-12-31", ""},
      {"tu nam 2015 den nam 2018 bao", "2015-01-01", "2018-12-31", " bao"},
  };
  for (const RangeCase& c : cases) {
    INFO(std::string(c.query));
    auto r = tracuu::find_date_range(c.query);
    REQUIRE(r.has_value());
    CHECK(r->from == c.from);
    CHECK(r->to == c.to);
    std::string q = c.query;
    CHECK(q.substr(0, r->begin) + q.substr(r->end) == c.rest);
  }
  CHECK_FALSE(tracuu::find_date_range("năm học mới").has_value());
  CHECK_FALSE(tracuu::find_date_range("sau 2010 người").has_value());  // "năm" says it is a year
  CHECK_FALSE(tracuu::find_date_range("từ 2018 đến 2015").has_value());
  CHECK(tracuu::find_date_range("2021-01-01..2021-06-30")->syntax);
  CHECK_FALSE(tracuu::find_date_range("năm 2021")->syntax);
  CHECK_FALSE(tracuu::find_date_range("18/23 tổ chức").has_value());
}

TEST_CASE("page chrome lines come from the table") {
  CHECK(tracuu::is_page_chrome_line("Ý kiến bạn đọc"));
  CHECK(tracuu::is_page_chrome_line("Tin khác "));
  CHECK(tracuu::is_page_chrome_line("refresh"));
  CHECK(tracuu::is_page_chrome_line("Đọc thêm"));
  CHECK(tracuu::is_page_chrome_line("Bài liên quan"));
  CHECK_FALSE(tracuu::is_page_chrome_line("Tin khác về Bình Tân đã được đăng"));
}

TEST_CASE("keys typed with a Telex or VNI input method switched off are read back") {
  using tracuu::decode_keystrokes;
  CHECK(decode_keystrokes("Vieejt") == "Việt");
  CHECK(decode_keystrokes("Vie65t") == "Việt");
  CHECK(decode_keystrokes("thanhf") == "thành");
  CHECK(decode_keystrokes("phoos") == "phố");
  CHECK(decode_keystrokes("nguwowif") == "người");
  CHECK(decode_keystrokes("dduwowngf") == "đường");
  CHECK(decode_keystrokes("d9u7o7ng2") == "đường");
  CHECK(decode_keystrokes("hoaf") == "hòa");  // the tone goes where the table places it
  CHECK(decode_keystrokes("thuyr") == "thủy");
  // Already a syllable, or keys that spell none: left alone.
  CHECK_FALSE(decode_keystrokes("Nam"));
  CHECK_FALSE(decode_keystrokes("xin"));
  CHECK_FALSE(decode_keystrokes("covid19"));
  CHECK_FALSE(decode_keystrokes("Hanoi"));
  CHECK_FALSE(decode_keystrokes("2020"));
  CHECK_FALSE(decode_keystrokes("bình"));
}

TEST_CASE("the syllable grammar checks folded words and splits words typed together") {
  using tracuu::is_folded_syllable;
  for (const char* s : {"nguoi", "binh", "nghieng", "nguyen", "a", "oanh", "khuyu", "gia", "quy"})
    CHECK_MESSAGE(is_folded_syllable(s), s);
  for (const char* s : {"mnh", "hanoi", "facebook", "", "bình", "Binh", "ngh", "xyz", "tnh"})
    CHECK_FALSE_MESSAGE(is_folded_syllable(s), s);
  const auto hanoi = tracuu::syllable_splits("hanoi", 4);
  using Parts = std::vector<std::string>;
  CHECK(std::find(hanoi.begin(), hanoi.end(), Parts{"ha", "noi"}) != hanoi.end());
  CHECK(std::find(hanoi.begin(), hanoi.end(), Parts{"han", "oi"}) != hanoi.end());
  for (const Parts& p : hanoi) CHECK(p.size() >= 2);
  const auto hcm = tracuu::syllable_splits("hochiminh", 4);
  CHECK(std::find(hcm.begin(), hcm.end(), Parts{"ho", "chi", "minh"}) != hcm.end());
  // Fewest parts first; at most max_parts; none for a word that is no syllables.
  for (std::size_t k = 1; k < hcm.size(); ++k) CHECK(hcm[k - 1].size() <= hcm[k].size());
  CHECK(tracuu::syllable_splits("hochiminh", 2).empty());
  CHECK(tracuu::syllable_splits("facebook", 5).empty());
  CHECK(tracuu::syllable_splits("binh", 4).empty());  // one syllable: nothing to split
  CHECK(tracuu::syllable_splits(std::string(200, 'a'), 5).empty());
}

TEST_CASE("a mistyped syllable's candidates are syllables a few keystrokes away, cheapest first") {
  auto cost_of = [](const std::vector<tracuu::SpellingCandidate>& near, const std::string& s) {
    for (const auto& c : near)
      if (c.syllable == s) return c.cost;
    return -1.0;
  };
  // Mistakes people make, each with its kind, the syllable meant and what
  // the mistake costs (edits: 1 unless said).
  struct Mistake {
    const char* kind;
    const char* typed;
    const char* meant;
    double cost;
    int edits = 1;
  };
  const Mistake mistakes[] = {
      {"letter missing", "mnh", "minh", 1.0},
      {"letter missing", "ngyen", "nguyen", 1.0},
      {"letter missing", "hyệt", "huyệt", 1.0},  // typed with marks: they stay
      {"letter missing", "pải", "phải", 1.0},
      {"letter added", "nguyenn", "nguyen", 0.5},  // a doubled letter
      {"letter added", "bảoo", "bảo", 0.5},
      {"letter added", "thànhg", "thành", 1.0},
      {"letters swapped", "nugyen", "nguyen", 0.5},
      {"letters swapped", "nưcớ", "nước", 0.5},  // the mark moves to its place
      {"letters swapped", "lêin", "liên", 0.5},
      {"neighbouring key", "nguyrn", "nguyen", 0.5},  // r beside e
      {"neighbouring key", "aống", "sống", 0.5},      // a beside s
      {"neighbouring key", "tìbh", "tình", 0.5},      // b beside n
      {"another letter", "nguyqn", "nguyen", 1.5},    // q far from e
      {"two mistakes", "ngyn", "nguyen", 2.0, 2},
      {"two mistakes", "nguyeenn", "nguyen", 1.0, 2},
  };
  for (const Mistake& m : mistakes) {
    CAPTURE(m.kind);
    CAPTURE(m.typed);
    CHECK(cost_of(tracuu::syllables_near(m.typed, m.edits), m.meant) == m.cost);
  }
  // One edit finds no syllable two edits away; a word is never its own
  // candidate; candidates are syllables, cheapest first.
  CHECK(cost_of(tracuu::syllables_near("ngyn", 1), "nguyen") < 0);
  CHECK(cost_of(tracuu::syllables_near("binh", 1), "binh") < 0);
  for (const auto& c : tracuu::syllables_near("mnh", 1))
    CHECK_MESSAGE(tracuu::is_folded_syllable(c.syllable), c.syllable);
  const auto sorted = tracuu::syllables_near("tuong", 1);
  for (std::size_t k = 1; k < sorted.size(); ++k) CHECK(sorted[k - 1].cost <= sorted[k].cost);
  // Typed with marks, the candidates keep them: never a folded "huyet".
  CHECK(cost_of(tracuu::syllables_near("hyệt", 1), "huyet") < 0);
  for (const auto& c : tracuu::syllables_near("lêin", 1)) CHECK(c.syllable != "lein");
  // Capitals, digits, punctuation, or too long to be one syllable: nothing.
  CHECK(tracuu::syllables_near("Bình", 1).empty());
  CHECK(tracuu::syllables_near("b2nh", 1).empty());
  CHECK(tracuu::syllables_near("abcdefghijk", 2).empty());
  CHECK(tracuu::syllables_near("", 1).empty());
}

TEST_CASE("a document's own number is read from its header, not from a citation") {
  struct Case {
    const char* text;
    const char* number;  // "" when none
  };
  const Case cases[] = {
      {"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 100/2015/QH13\nHà Nội", "100/2015/qh13"},
      {"Luật số: 91/2015/QH13 ngày 24 tháng 11", "91/2015/qh13"},
      {"Số hiệu: 45/2019/QH14", "45/2019/qh14"},
      {"Nghị định số: 100/2019/NĐ-CP", "100/2019/nd-cp"},
      // a citation in running text has no colon
      {"Theo Quyết định số 12/2020/QĐ-UBND, thành phố sẽ", ""},
      // a number without a slash is not a document number
      {"Số: 2020", ""},
  };
  Analyzer analyzer;
  for (const Case& c : cases) {
    CAPTURE(c.text);
    auto number = tracuu::own_document_number(c.text, analyzer.analyze(c.text));
    CHECK(number.value_or("") == c.number);
  }
  // Only in the document's first lines.
  std::string late(2000, ' ');
  for (int i = 0; i < 100; ++i) late += "từ ";
  late += "Số: 7/2010/QH12";
  CHECK_FALSE(tracuu::own_document_number(late, analyzer.analyze(late)).has_value());
}

TEST_CASE("a sentence's full stop breaks the clause after its last word, not before it") {
  Analyzer analyzer;
  // "." may join words ("TP.HCM"): with nothing after it, it is punctuation.
  Analysis a = analyzer.analyze("Mở đầu. Hùng Vương");
  REQUIRE(a.syllables.size() == 4);
  CHECK_FALSE(a.syllables[1].clause_start);  // "đầu" follows "Mở"
  CHECK(a.syllables[2].clause_start);        // "Hùng" follows the full stop
  CHECK(tracuu::forms_bigram(a.syllables[0], a.syllables[1]));
  CHECK_FALSE(tracuu::forms_bigram(a.syllables[1], a.syllables[2]));
  Analysis joined = analyzer.analyze("TP.HCM mở rộng");
  CHECK_FALSE(joined.syllables[1].clause_start);  // "HCM" joined to "TP"
}
