// What the first lines of a Vietnamese article or page say about it: dates
// ("Thứ Bảy, ngày 15 tháng 5 năm 2021", "15/5/2021", "năm 2020", "tháng
// 5/2021", "từ 1/3/2020 đến 30/6/2020"), a document's own number ("Luật
// số: 91/2015/QH13") and page furniture. The words come from date-words.tsv,
// document-number-words.txt and page-chrome.txt; this file only knows the
// shapes.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <unordered_map>

#include "data_tables.h"
#include "tables.h"
#include "unicode.h"
#include "vietnamese.h"

namespace tracuu {
namespace {

struct DateWords {
  std::unordered_map<std::string, std::string> kind_of;  // folded word(s) → kind
  std::unordered_map<std::string, int> month_names;      // folded → month
  std::vector<std::vector<std::string>> weekdays;        // folded syllables
};

const DateWords& date_words() {
  static const DateWords w = [] {
    DateWords w;
    internal::for_each_row(embedded::analyzer_table("date-words.tsv"),
                           [&](const std::vector<std::string_view>& cols) {
                             if (cols.size() < 3) return;
                             std::string words = fold_diacritics(cols[1]);
                             if (cols[0] == "weekday") {
                               w.weekdays.push_back(internal::letter_runs(words));
                             } else if (cols[0] == "month-name") {
                               w.month_names[words] = std::stoi(std::string(cols[2]));
                             } else {
                               w.kind_of[words] = std::string(cols[0]);
                             }
                           });
    return w;
  }();
  return w;
}

// The query or date line as tokens: folded words, numbers, separators.
struct Tok {
  std::string text;  // folded lower-case word, digits, or one punctuation char
  bool number = false;
  std::size_t begin = 0, end = 0;
};

std::vector<Tok> tokens_of(std::string_view s) {
  std::vector<Tok> out;
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
      ++i;
      continue;
    }
    std::size_t j = i;
    if (c >= '0' && c <= '9') {
      while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
      out.push_back({std::string(s.substr(i, j - i)), true, i, j});
    } else if (c < 0x80 && !std::isalpha(c)) {
      out.push_back({std::string(1, static_cast<char>(c)), false, i, i + 1});
      j = i + 1;
    } else {
      while (j < s.size()) {
        unsigned char d = static_cast<unsigned char>(s[j]);
        if (d < 0x80 && !std::isalpha(d)) break;
        ++j;
      }
      out.push_back({fold_diacritics(s.substr(i, j - i)), false, i, j});
    }
    i = j;
  }
  return out;
}

bool valid(const Date& d) {
  static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return d.year >= 1800 && d.year <= 2200 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
         d.day <= kDays[static_cast<std::size_t>(d.month - 1)];
}

int days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

class Matcher {
 public:
  explicit Matcher(std::vector<Tok> toks) : t_(std::move(toks)) {}

  std::size_t size() const { return t_.size(); }
  const Tok& at(std::size_t i) const { return t_[i]; }

  bool word(std::size_t i, std::string_view kind) const {
    if (i >= t_.size() || t_[i].number) return false;
    auto k = date_words().kind_of.find(t_[i].text);
    return k != date_words().kind_of.end() && k->second == kind;
  }
  bool num(std::size_t i, int* value, std::size_t max_digits) const {
    if (i >= t_.size() || !t_[i].number || t_[i].text.size() > max_digits) return false;
    *value = std::stoi(t_[i].text);
    return true;
  }
  bool sep(std::size_t i) const {
    return i < t_.size() && (t_[i].text == "/" || t_[i].text == "-" || t_[i].text == ".");
  }

  // D/M/Y, D-M-Y, D.M.Y at i; sets *next past it.
  bool numeric_date(std::size_t i, Date* d, std::size_t* next) const {
    if (num(i, &d->day, 2) && sep(i + 1) && num(i + 2, &d->month, 2) && sep(i + 3) &&
        num(i + 4, &d->year, 4) && t_[i + 4].text.size() == 4 && valid(*d)) {
      *next = i + 5;
      return true;
    }
    return false;
  }
  // "ngày 15 tháng 5 năm 2021" or "ngày 15/5/2021" or "15/5/2021".
  bool phrase_date(std::size_t i, Date* d, std::size_t* next) const {
    if (word(i, "day")) ++i;
    if (numeric_date(i, d, next)) return true;
    std::size_t m = 0;
    if (num(i, &d->day, 2) && word(i + 1, "month") && month(i + 2, &d->month, &m) &&
        word(m, "year") && num(m + 1, &d->year, 4) && valid(*d)) {
      *next = m + 2;
      return true;
    }
    return false;
  }
  // A month after "tháng": a number or a month name ("Giêng", "mười hai").
  bool month(std::size_t i, int* value, std::size_t* next) const {
    if (num(i, value, 2) && *value >= 1 && *value <= 12) {
      *next = i + 1;
      return true;
    }
    for (std::size_t len = 2; len >= 1; --len) {
      if (i + len > t_.size()) continue;
      std::string words;
      for (std::size_t k = 0; k < len; ++k) words += (k ? " " : "") + t_[i + k].text;
      auto found = date_words().month_names.find(words);
      if (found != date_words().month_names.end()) {
        *value = found->second;
        *next = i + len;
        return true;
      }
    }
    return false;
  }
  // A year at i: "2015", or "năm 2015" (`named`: only that); sets *next past it.
  bool year(std::size_t i, bool named, int* value, std::size_t* next) const {
    if (word(i, "year")) {
      ++i;
    } else if (named) {
      return false;
    }
    if (!num(i, value, 4) || t_[i].text.size() != 4 || *value < 1800 || *value > 2200) return false;
    *next = i + 1;
    return true;
  }
  std::size_t skip_weekday(std::size_t i) const {
    for (const auto& wd : date_words().weekdays) {
      bool match = i + wd.size() <= t_.size();
      for (std::size_t k = 0; k < wd.size() && match; ++k) match = t_[i + k].text == wd[k];
      if (match) return i + wd.size();
    }
    return i;
  }

 private:
  std::vector<Tok> t_;
};

std::string iso(int y, int m, int d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

std::optional<Date> parse_iso(std::string_view s) {
  Date d;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (std::sscanf(std::string(s.substr(0, 10)).c_str(), "%4d-%2d-%2d", &d.year, &d.month, &d.day) !=
      3)
    return std::nullopt;
  if (s.size() > 10 && s[10] != 'T' && s[10] != ' ') return std::nullopt;
  return valid(d) ? std::optional<Date>(d) : std::nullopt;
}

Date day_before(Date d) {
  if (--d.day > 0) return d;
  if (--d.month == 0) {
    d.month = 12;
    --d.year;
  }
  d.day = days_in_month(d.year, d.month);
  return d;
}

Date day_after(Date d) {
  if (++d.day <= days_in_month(d.year, d.month)) return d;
  d.day = 1;
  if (++d.month == 13) {
    d.month = 1;
    ++d.year;
  }
  return d;
}

// "trước năm 2000" (up to 1999-12-31), "sau năm 2010" (from 2011-01-01),
// "trước ngày 15/5/2021": one open end. `i` is the before/after word.
std::optional<DateRange> open_range(const Matcher& m, std::size_t i) {
  const bool before = m.word(i, "before");
  if (!before && !m.word(i, "after")) return std::nullopt;
  Date d;
  std::size_t next = 0;
  DateRange r;
  if (m.year(i + 1, true, &d.year, &next)) {
    (before ? r.to : r.from) = before ? iso(d.year - 1, 12, 31) : iso(d.year + 1, 1, 1);
  } else if (m.word(i + 1, "day") && m.phrase_date(i + 1, &d, &next)) {
    (before ? r.to : r.from) = before ? day_before(d).iso() : day_after(d).iso();
  } else {
    return std::nullopt;
  }
  r.begin = m.at(i).begin;
  r.end = m.at(next - 1).end;
  return r;
}

}  // namespace

std::string Date::iso() const {
  return tracuu::iso(year, month, day);
}

std::optional<Date> parse_date(std::string_view text) {
  if (auto d = parse_iso(text)) return d;
  Matcher m(tokens_of(text));
  std::size_t i = m.skip_weekday(0);
  Date d;
  std::size_t next = 0;
  if (m.phrase_date(i, &d, &next) && next == m.size()) return d;
  return std::nullopt;
}

std::optional<DateRange> find_date_range(std::string_view query) {
  Matcher m(tokens_of(query));
  for (std::size_t i = 0; i < m.size(); ++i) {
    Date a, b;
    std::size_t next = 0, after = 0;
    // từ 1/3/2020 đến 30/6/2020
    if (m.word(i, "from") && m.phrase_date(i + 1, &a, &next) && m.word(next, "to") &&
        m.phrase_date(next + 1, &b, &after)) {
      return DateRange{a.iso(), b.iso(), m.at(i).begin, m.at(after - 1).end};
    }
    // từ 2015 đến 2018, từ năm 2015 đến năm 2018: both years whole
    int first_year = 0, last_year = 0;
    if (m.word(i, "from") && m.year(i + 1, false, &first_year, &next) && m.word(next, "to") &&
        m.year(next + 1, false, &last_year, &after) && first_year <= last_year) {
      return DateRange{iso(first_year, 1, 1), iso(last_year, 12, 31), m.at(i).begin,
                       m.at(after - 1).end};
    }
    if (auto open = open_range(m, i)) return open;
    // 2020-01-01..2020-03-31
    if (m.num(i, &a.year, 4) && i + 9 < m.size()) {
      std::string_view rest = query.substr(m.at(i).begin);
      auto first = parse_iso(rest.substr(0, 10));
      std::size_t dots = rest.find("..");
      if (first && dots == 10) {
        if (auto second = parse_iso(rest.substr(12, 10))) {
          return DateRange{first->iso(), second->iso(), m.at(i).begin, m.at(i).begin + 22, true};
        }
      }
    }
    // tháng 5/2021, tháng 5 năm 2021
    int month = 0, year = 0;
    std::size_t mnext = 0;
    if (m.word(i, "month") && m.month(i + 1, &month, &mnext)) {
      std::size_t y = m.sep(mnext) ? mnext + 1 : m.word(mnext, "year") ? mnext + 1 : 0;
      if (y && m.num(y, &year, 4) && m.at(y).text.size() == 4 && year >= 1800) {
        return DateRange{iso(year, month, 1), iso(year, month, days_in_month(year, month)),
                         m.at(i).begin, m.at(y).end};
      }
    }
    // ngày 15/5/2021, ngày 15 tháng 5 năm 2021
    if (m.word(i, "day") && m.phrase_date(i, &a, &next)) {
      return DateRange{a.iso(), a.iso(), m.at(i).begin, m.at(next - 1).end};
    }
    // năm 2020
    if (m.word(i, "year") && m.num(i + 1, &year, 4) && m.at(i + 1).text.size() == 4 &&
        year >= 1800 && year <= 2200) {
      return DateRange{iso(year, 1, 1), iso(year, 12, 31), m.at(i).begin, m.at(i + 1).end};
    }
  }
  return std::nullopt;
}

std::string DayOfYear::text() const {
  char buf[8];
  if (day == 0) {
    std::snprintf(buf, sizeof buf, "%02d", month);
  } else {
    std::snprintf(buf, sizeof buf, "%02d-%02d", month, day);
  }
  return buf;
}

std::optional<DayOfYear> parse_day_of_year(std::string_view s) {
  auto digits = [&](std::size_t at) {
    return std::isdigit(static_cast<unsigned char>(s[at])) &&
           std::isdigit(static_cast<unsigned char>(s[at + 1]));
  };
  DayOfYear d;
  if (s.size() == 2 && digits(0)) {
    d.month = std::stoi(std::string(s));
  } else if (s.size() == 5 && digits(0) && s[2] == '-' && digits(3)) {
    d.month = std::stoi(std::string(s.substr(0, 2)));
    d.day = std::stoi(std::string(s.substr(3, 2)));
    if (d.day < 1) return std::nullopt;
  } else {
    return std::nullopt;
  }
  // A leap year's days count: 02-29 is a day of some years.
  if (d.month < 1 || d.month > 12 || d.day > days_in_month(2000, d.month)) return std::nullopt;
  return d;
}

std::optional<DayOfYear> find_day_of_year(std::string_view query) {
  Matcher m(tokens_of(query));
  for (std::size_t i = 0; i + 1 < m.size(); ++i) {
    if (!m.word(i, "day")) continue;
    DayOfYear d;
    std::size_t next = 0;
    // ngày 15 tháng 5 | ngày 15/5, not followed by a year (that is a date).
    if (m.num(i + 1, &d.day, 2) && m.word(i + 2, "month") && m.month(i + 3, &d.month, &next)) {
      if (m.word(next, "year") || m.sep(next)) continue;
    } else if (m.num(i + 1, &d.day, 2) && m.sep(i + 2) && m.num(i + 3, &d.month, 2)) {
      next = i + 4;
      if (m.sep(next)) continue;
    } else {
      continue;
    }
    if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > days_in_month(2000, d.month)) continue;
    d.begin = m.at(i).begin;
    d.end = m.at(next - 1).end;
    return d;
  }
  return std::nullopt;
}

std::optional<std::string> own_document_number(std::string_view text, const Analysis& head,
                                               std::size_t within) {
  static const auto markers = [] {
    std::vector<std::vector<std::string>> words;  // folded syllables of each marker
    internal::for_each_row(embedded::analyzer_table("document-number-words.txt"),
                           [&](const std::vector<std::string_view>& cols) {
                             words.push_back(internal::letter_runs(fold_diacritics(cols[0])));
                           });
    return words;
  }();
  const auto& syl = head.syllables;
  for (const Compound& c : head.compounds) {
    if (c.first >= within) break;
    const bool numbered = c.folded.find('/') != std::string::npos &&
                          std::any_of(c.folded.begin(), c.folded.end(),
                                      [](char ch) { return ch >= '0' && ch <= '9'; });
    if (!numbered) continue;
    for (const auto& marker : markers) {
      if (marker.empty() || marker.size() > c.first) continue;
      bool after_marker = true;
      for (std::size_t k = 0; k < marker.size() && after_marker; ++k)
        after_marker = syl[c.first - marker.size() + k].folded == marker[k];
      const std::size_t marker_end = syl[c.first - 1].end, number_begin = syl[c.first].begin;
      if (after_marker && marker_end <= number_begin &&
          text.substr(marker_end, number_begin - marker_end).find(':') != std::string_view::npos)
        return c.folded;
    }
  }
  return std::nullopt;
}

bool is_page_chrome_line(std::string_view line) {
  static const auto chrome = [] {
    std::vector<std::string> lines;
    internal::for_each_row(embedded::analyzer_table("page-chrome.txt"),
                           [&](const std::vector<std::string_view>& cols) {
                             lines.push_back(fold_diacritics(cols[0]));
                           });
    return lines;
  }();
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t'))
    line.remove_suffix(1);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  if (line.empty() || line.size() > 60) return false;
  std::string folded = fold_diacritics(line);
  for (const std::string& c : chrome) {
    if (folded == c) return true;
  }
  return false;
}

}  // namespace tracuu
