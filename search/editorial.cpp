// The editors' files: synonym groups and pin/hide rules (docs/editors.md),
// parsed into immutable values; and the query variants a synonym group
// gives a query.
#include <algorithm>
#include <map>
#include <set>

#include "search.h"
#include "search_internal.h"

namespace tracuu {

std::vector<std::string_view> internal::split(std::string_view s, std::string_view separator) {
  std::vector<std::string_view> parts;
  for (std::size_t at; (at = s.find(separator)) != std::string_view::npos;) {
    parts.push_back(s.substr(0, at));
    s.remove_prefix(at + separator.size());
  }
  parts.push_back(s);
  return parts;
}

namespace {

// Bounds that keep one editors' line from costing every query.
constexpr std::size_t kMaxFormsPerGroup = 20;
constexpr std::size_t kMaxFormSyllables = 12;
// A query writing several forms gets at most this many variants (each is a
// whole query run inside one OR).
constexpr std::size_t kMaxVariants = 12;

// An editors' line longer than this is a mistake (a pasted document, a
// binary file named instead): refused before it is parsed. A synonym group
// at its bounds is 20 forms of 12 words, about 2 KB; a pin lists a query and
// a few ids.
constexpr std::size_t kMaxLineBytes = 16 * 1024;
// A pin's query: a search's q is at most this long (the server refuses
// longer), so a longer pin could never apply.
constexpr std::size_t kMaxPinQueryBytes = 1000;
// What an error quotes of the text it is about: the file's line number
// finds the rest. A 10 MB line was echoed whole at every reload.
constexpr std::size_t kMaxQuotedBytes = 200;

[[noreturn]] void fail(const std::string& file, std::size_t line, const std::string& why) {
  throw EditorialFileError(file + ":" + std::to_string(line) + ": " + why);
}

// `text` in quotes, cut to kMaxQuotedBytes (at a character boundary).
std::string quoted(std::string_view text) {
  if (text.size() <= kMaxQuotedBytes) return "\"" + std::string(text) + "\"";
  std::size_t cut = kMaxQuotedBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return "\"" + std::string(text.substr(0, cut)) + "...\" (" + std::to_string(text.size()) +
         " bytes)";
}

// The file's lines, numbered from 1, without "\r" and, when `comments`,
// without what follows a "#".
template <typename F>
void for_each_line(std::string_view text, const std::string& file, bool comments, F&& f) {
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.size() > kMaxLineBytes)
      fail(file, number,
           "a line of " + std::to_string(line.size()) + " bytes (at most " +
               std::to_string(kMaxLineBytes) + "): " + quoted(line));
    if (!is_valid_utf8(line)) fail(file, number, "not valid UTF-8");
    if (comments) line = line.substr(0, line.find('#'));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    f(line, number);
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

using internal::split;

// The distinct words of a pin key, sorted ("gia xang gia" → gia, xang).
std::vector<std::string> words_of(const std::string& key) {
  std::vector<std::string> words;
  for (std::string_view w : split(key, " "))
    if (!w.empty()) words.emplace_back(w);
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

}  // namespace

Synonyms Synonyms::parse(std::string_view text, const std::string& file) {
  Synonyms out;
  Analyzer analyzer;
  std::map<std::string, std::size_t> line_of;  // a form's folded words → its line
  for_each_line(text, file, true, [&](std::string_view line, std::size_t number) {
    if (trim(line).empty()) return;
    Group group;
    for (std::string_view raw : split(line, "=")) {
      const std::string_view form = trim(raw);
      if (form.empty()) fail(file, number, "an empty form (forms are separated by \" = \")");
      std::vector<std::string> words;
      for (const Syllable& s : analyzer.analyze(form).syllables) words.push_back(s.folded);
      if (words.empty()) fail(file, number, quoted(form) + " has no words");
      if (words.size() > kMaxFormSyllables)
        fail(file, number,
             quoted(form) + " is longer than " + std::to_string(kMaxFormSyllables) + " words");
      const std::string key = joined(words);
      // A form in two groups would chain them (A = B, B = C): which group
      // a query means would depend on the order of lines.
      if (auto seen = line_of.find(key); seen != line_of.end()) {
        fail(file, number,
             quoted(form) + " is already a form " +
                 (seen->second == number ? "of this group"
                                         : "in the group on line " + std::to_string(seen->second)) +
                 " (a form belongs to one group: merge the lines)");
      }
      line_of[key] = number;
      group.forms.emplace_back(form);
      group.folded.push_back(std::move(words));
    }
    if (group.forms.size() < 2)
      fail(file, number, "a group of one form (write two or more, separated by \" = \")");
    if (group.forms.size() > kMaxFormsPerGroup)
      fail(file, number, "more than " + std::to_string(kMaxFormsPerGroup) + " forms in a group");
    out.groups_.push_back(std::move(group));
  });
  return out;
}

std::string Rules::pin_key(std::string_view query) {
  std::string folded = fold_diacritics(query), out;
  for (char c : folded) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (space) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

Rules Rules::parse(std::string_view text, const std::string& file) {
  Rules out;
  std::map<std::string, std::size_t> pin_line;
  auto check_id = [&](std::string_view id, std::size_t number) {
    if (id.empty()) fail(file, number, "an empty id");
    if (id.size() > kMaxIdBytes)
      fail(file, number, "an id longer than " + std::to_string(kMaxIdBytes) + " bytes");
  };
  for_each_line(text, file, false, [&](std::string_view line, std::size_t number) {
    if (trim(line).empty() || trim(line).front() == '#') return;
    const std::vector<std::string_view> fields = split(line, "\t");
    const std::string_view kind = trim(fields[0]);
    if (kind == "hide") {
      if (fields.size() != 2) fail(file, number, "expected hide<TAB>id");
      const std::string_view id = trim(fields[1]);
      check_id(id, number);
      if (out.hidden_set_.emplace(id).second) out.hidden_.emplace_back(id);
    } else if (kind == "pin" || kind == "pin-words") {
      if (fields.size() != 3)
        fail(file, number, "expected " + std::string(kind) + "<TAB>query<TAB>id[,id...]");
      if (fields[1].size() > kMaxPinQueryBytes)
        fail(file, number,
             "a query of " + std::to_string(fields[1].size()) + " bytes (at most " +
                 std::to_string(kMaxPinQueryBytes) + ", as a search's): " + quoted(fields[1]));
      std::string key = pin_key(fields[1]);
      if (key.empty()) fail(file, number, "an empty query");
      std::vector<std::string> words;
      if (kind == "pin-words") {
        words = words_of(key);
        key = "words:" + joined(words);
      }
      if (auto seen = pin_line.find(key); seen != pin_line.end())
        fail(file, number,
             "the query " + quoted(trim(fields[1])) + " is already pinned on line " +
                 std::to_string(seen->second));
      pin_line[key] = number;
      std::vector<std::string> ids;
      for (std::string_view id : split(fields[2], ",")) {
        id = trim(id);
        check_id(id, number);
        if (std::find(ids.begin(), ids.end(), id) != ids.end())
          fail(file, number, quoted(id) + " is pinned twice");
        ids.emplace_back(id);
      }
      if (kind == "pin") {
        out.pins_.emplace(key, std::move(ids));
      } else {
        out.word_pin_of_.emplace(words.front(), out.word_pins_.size());
        out.word_pins_.push_back({std::move(words), std::move(ids)});
      }
    } else {
      fail(file, number,
           "unknown rule " + quoted(kind.substr(0, 40)) + " (expected pin, pin-words or hide)");
    }
  });
  return out;
}

const std::vector<std::string>* Rules::pinned(std::string_view query) const {
  const std::string key = pin_key(query);
  if (auto found = pins_.find(key); found != pins_.end()) return &found->second;
  if (word_pins_.empty()) return nullptr;
  const std::vector<std::string> words = words_of(key);
  const WordPin* best = nullptr;
  std::size_t best_index = 0;
  for (const std::string& w : words) {
    auto [from, to] = word_pin_of_.equal_range(w);
    for (auto it = from; it != to; ++it) {
      const WordPin& pin = word_pins_[it->second];
      if (!std::includes(words.begin(), words.end(), pin.words.begin(), pin.words.end())) continue;
      if (!best || pin.words.size() > best->words.size() ||
          (pin.words.size() == best->words.size() && it->second < best_index)) {
        best = &pin;
        best_index = it->second;
      }
    }
  }
  return best ? &best->ids : nullptr;
}

namespace internal {

// The longest form starting at each syllable is replaced by every other
// form of its group, alone and in combination with the other groups the
// query writes ("covid sài gòn" → "SARS-CoV-2 sài gòn", "covid TP.HCM", ...).
std::vector<std::string> synonym_variants(std::string_view q, Analyzer& analyzer,
                                          const Synonyms& synonyms) {
  struct Found {
    std::size_t begin, end;  // bytes of q
    const Synonyms::Group* group;
    std::size_t form;
  };
  const std::vector<Syllable> syl = analyzer.analyze(q).syllables;
  std::vector<Found> found;
  for (std::size_t i = 0; i < syl.size();) {
    std::size_t best_len = 0;
    Found best{};
    for (const Synonyms::Group& g : synonyms.groups()) {
      for (std::size_t f = 0; f < g.folded.size(); ++f) {
        const auto& words = g.folded[f];
        if (words.size() <= best_len || i + words.size() > syl.size()) continue;
        bool match = true;
        for (std::size_t k = 0; k < words.size() && match; ++k)
          match = syl[i + k].folded == words[k];
        if (!match) continue;
        best_len = words.size();
        best = {syl[i].begin, syl[i + words.size() - 1].end, &g, f};
      }
    }
    if (best_len == 0) {
      ++i;
      continue;
    }
    found.push_back(best);
    i += best_len;
  }
  // Every combination of forms but the one written, breadth first, so the
  // single replacements come before the cap.
  std::vector<std::string> variants;
  std::vector<std::vector<std::size_t>> choices{{}};
  // Forms past the first few groups stay as written (the cap is reached
  // by then).
  std::size_t varied = 0;
  for (; varied < found.size() && choices.size() <= 4 * kMaxVariants; ++varied) {
    std::vector<std::vector<std::size_t>> next;
    for (const auto& c : choices)
      for (std::size_t form = 0; form < found[varied].group->forms.size(); ++form) {
        next.push_back(c);
        next.back().push_back(form);
      }
    choices = std::move(next);
  }
  found.resize(varied);
  auto changed = [&](const std::vector<std::size_t>& c) {
    std::size_t n = 0;
    for (std::size_t k = 0; k < c.size(); ++k) n += c[k] != found[k].form;
    return n;
  };
  std::stable_sort(choices.begin(), choices.end(),
                   [&](const auto& x, const auto& y) { return changed(x) < changed(y); });
  for (const auto& c : choices) {
    if (c.size() != found.size() || changed(c) == 0) continue;
    std::string text;
    std::size_t at = 0;
    for (std::size_t k = 0; k < found.size(); ++k) {
      text.append(q.substr(at, found[k].begin - at));
      if (c[k] == found[k].form)
        text.append(q.substr(found[k].begin, found[k].end - found[k].begin));
      else
        text += found[k].group->forms[c[k]];
      at = found[k].end;
    }
    text.append(q.substr(at));
    variants.push_back(std::move(text));
    if (variants.size() >= kMaxVariants) break;
  }
  return variants;
}

}  // namespace internal
}  // namespace tracuu
