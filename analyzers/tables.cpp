#include "tables.h"

#include <algorithm>
#include <stdexcept>

#include "data_tables.h"
#include "unicode.h"

namespace tracuu::internal {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string_view table(std::string_view name) {
  std::string_view text = embedded::analyzer_table(name);
  if (text.empty()) throw std::logic_error("missing embedded table " + std::string(name));
  return text;
}

// "U+0110 U+0020" → the code points; anything else is taken literally.
std::u32string parse_chars(std::string_view field) {
  if (field == "-") return {};
  if (field.substr(0, 2) != "U+") return utf8_to_u32(field);
  std::u32string out;
  std::size_t i = 0;
  while (i < field.size()) {
    std::size_t end = field.find(' ', i);
    if (end == std::string_view::npos) end = field.size();
    std::string_view item = field.substr(i, end - i);
    if (item.substr(0, 2) == "U+") {
      out.push_back(static_cast<char32_t>(std::stoul(std::string(item.substr(2)), nullptr, 16)));
    }
    i = end + 1;
  }
  return out;
}

std::string canonical_word(std::string_view word) {
  return u32_to_utf8(canonical_tone(fold_case_nfc(utf8_to_u32(word))));
}

std::string fold_word(std::string_view word) {
  return fold_lower(fold_case_nfc(utf8_to_u32(word)));
}

}  // namespace

void for_each_row(std::string_view text,
                  const std::function<void(const std::vector<std::string_view>&)>& row) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.front() == '#') continue;
    std::size_t comment = line.find("\t#");
    if (comment == std::string_view::npos) comment = line.find(" #");
    if (comment != std::string_view::npos) line = line.substr(0, comment);
    if (trim(line).empty()) continue;
    std::vector<std::string_view> columns;
    std::size_t c = 0;
    while (true) {
      std::size_t tab = line.find('\t', c);
      columns.push_back(trim(line.substr(c, tab == std::string_view::npos ? line.npos : tab - c)));
      if (tab == std::string_view::npos) break;
      c = tab + 1;
    }
    row(columns);
  }
}

std::vector<std::string> letter_runs(std::string_view utf8) {
  std::vector<std::string> runs;
  std::string current;
  for (char32_t c : utf8_to_u32(utf8)) {
    bool letter = letter_info(c).ascii != 0 || (c >= U'0' && c <= U'9') || c == U'đ' || c == U'Đ';
    if (letter) {
      append_utf8(current, c);
    } else if (!current.empty()) {
      runs.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) runs.push_back(std::move(current));
  return runs;
}

const Orthography& orthography() {
  static const Orthography o = [] {
    Orthography o;
    for_each_row(table("orthography.tsv"), [&](const std::vector<std::string_view>& cols) {
      if (cols.size() < 2) return;
      std::u32string letters = utf8_to_u32(cols[1]);
      if (cols[0] == "onset") o.onsets.insert(nucleus_key(letters));
      if (cols[0] == "final") o.finals.insert(nucleus_key(letters));
      if (cols[0] == "iy-onset") o.iy_onsets.insert(letters);
    });
    auto place = [](std::string_view v) { return v == "-" ? 0 : std::stoi(std::string(v)); };
    std::vector<std::u32string> open, closed;  // nuclei written with and without a final
    for_each_row(table("tone-placement.tsv"), [&](const std::vector<std::string_view>& cols) {
      if (cols.size() < 3) return;
      const Orthography::TonePlace p{place(cols[1]), place(cols[2])};
      o.nuclei[nucleus_key(utf8_to_u32(cols[0]))] = p;
      if (p.open) open.push_back(utf8_to_u32(cols[0]));
      if (p.closed) closed.push_back(utf8_to_u32(cols[0]));
    });
    std::vector<std::u32string> onsets{U""}, finals;
    for_each_row(table("orthography.tsv"), [&](const std::vector<std::string_view>& cols) {
      if (cols.size() < 2) return;
      if (cols[0] == "onset") onsets.push_back(utf8_to_u32(cols[1]));
      if (cols[0] == "final") finals.push_back(utf8_to_u32(cols[1]));
    });
    for (const std::u32string& onset : onsets) {
      for (const std::u32string& nucleus : open)
        o.folded_syllables.insert(fold_lower(onset + nucleus));
      for (const std::u32string& nucleus : closed)
        for (const std::u32string& final : finals)
          o.folded_syllables.insert(fold_lower(onset + nucleus + final));
    }
    return o;
  }();
  return o;
}

const std::unordered_map<char32_t, std::u32string>& character_map() {
  static const auto map = [] {
    std::unordered_map<char32_t, std::u32string> map;
    for_each_row(table("characters.tsv"), [&](const std::vector<std::string_view>& cols) {
      if (cols.size() < 2) return;
      std::u32string from = parse_chars(cols[0]);
      if (from.size() == 1) map[from[0]] = parse_chars(cols[1]);
    });
    return map;
  }();
  return map;
}

const std::unordered_map<std::string, HtmlEntity>& html_entities() {
  static const auto map = [] {
    std::unordered_map<std::string, HtmlEntity> map;
    for_each_row(table("html-entities.tsv"), [&](const std::vector<std::string_view>& cols) {
      if (cols.size() >= 2)
        map[std::string(cols[0])] = {parse_chars(cols[1]), cols.size() >= 3 && cols[2] == "bare"};
    });
    return map;
  }();
  return map;
}

const std::unordered_set<std::string>& stopwords() {
  static const auto set = [] {
    std::unordered_set<std::string> set;
    for_each_row(table("stopwords.txt"), [&](const std::vector<std::string_view>& cols) {
      set.insert(canonical_word(cols[0]));
    });
    return set;
  }();
  return set;
}

bool is_stopword_exact(std::string_view exact) {
  static const WordFilter filter = [] {
    WordFilter f;
    for (const std::string& w : stopwords()) f.add(w);
    return f;
  }();
  return filter.may_contain(exact) && stopwords().count(std::string(exact)) > 0;
}

const std::vector<std::vector<std::string>>& question_phrases() {
  static const auto phrases = [] {
    std::vector<std::vector<std::string>> out;
    for_each_row(table("question-words.txt"), [&](const std::vector<std::string_view>& cols) {
      std::vector<std::string> words;
      for (const std::string& w : letter_runs(cols[0])) words.push_back(canonical_word(w));
      if (!words.empty()) out.push_back(std::move(words));
    });
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.size() > b.size(); });
    return out;
  }();
  return phrases;
}

const AbbreviationTable& abbreviations() {
  static const AbbreviationTable t = [] {
    AbbreviationTable t;
    auto add = [&](std::vector<std::string> folded, const std::string& key) {
      if (folded.empty()) return;
      t.longest = std::max(t.longest, folded.size());
      std::string first = folded.front();
      t.first_syllables.add(first);
      t.by_first_syllable[first].push_back({std::move(folded), key});
    };
    for_each_row(table("abbreviations.tsv"), [&](const std::vector<std::string_view>& cols) {
      if (cols.size() < 2) return;
      std::vector<std::string_view> forms;
      std::string_view list = cols[0];
      while (!list.empty()) {
        std::size_t comma = list.find(',');
        forms.push_back(trim(list.substr(0, comma)));
        list = comma == list.npos ? std::string_view{} : list.substr(comma + 1);
      }
      std::string key;
      for (const std::string& run : letter_runs(fold_word(forms.front()))) key += run;
      for (std::string_view form : forms) {
        add(letter_runs(fold_word(form)), key);
        t.written[key].push_back(fold_word(form));
      }
      t.written[key].push_back(fold_word(cols[1]));
      add(letter_runs(fold_word(cols[1])), key);
      std::vector<std::string> expansion;
      for (const std::string& run : letter_runs(cols[1])) expansion.push_back(canonical_word(run));
      t.expansions[key] = std::move(expansion);
    });
    for (auto& [first, forms] : t.by_first_syllable) {
      std::stable_sort(forms.begin(), forms.end(), [](const auto& a, const auto& b) {
        return a.folded.size() > b.folded.size();
      });
    }
    return t;
  }();
  return t;
}

}  // namespace tracuu::internal
