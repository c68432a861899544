// parse_query: the search-box and archivist syntax, read by our own Vietnamese
// analyzer (Xapian's QueryParser would tokenize differently from the index).
//
//   binh tan                words: all preferred, partial matches still ranked
//   "bình tân"              exact phrase (accent-insensitive unless strict)
//   -covid                  exclude
//   +covid                  require
//   bão OR lũ               either
//   bão NEAR/3 lũ           within 3 words of each other, any order (NEAR alone: 10)
//   "bão lũ miền"~2         in order, at most 2 other words in between
//   title:bình tân          field: title, author, category (also tieude, tacgia, chuyenmuc)
//   năm 2020, tháng 5/2021, từ 1/3/2020 đến 30/6/2020, 2020-01-01..2020-03-31   date range
//   ha n                    the last word, typed without a space after it, is a prefix
#include "query.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <set>

#include "schema.h"

namespace tracuu::internal {
namespace {

using Q = Xapian::Query;

enum class Field { kNone, kTitle, kAuthor, kCategory };

struct Item {
  std::string text;
  bool phrase = false;
  Field field = Field::kNone;
  bool exclude = false;
  bool require = false;
  bool or_with_previous = false;
  // "..."~n: a phrase whose words may have n other words between them.
  int slop = 0;
  // NEAR/n with the item before: within n words of it, in any order.
  int near_previous = -1;
};

// NEAR without a number, as Xapian's QueryParser reads it.
constexpr int kDefaultNear = 10;

// A term of letters and digits only, not a token joined by punctuation.
bool plain_word(std::string_view term) {
  return std::all_of(term.begin(), term.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || std::isalnum(u);
  });
}

std::optional<Field> field_name(std::string_view name) {
  std::string folded = fold_diacritics(name);
  if (folded == "title" || folded == "tieude") return Field::kTitle;
  if (folded == "author" || folded == "tacgia") return Field::kAuthor;
  if (folded == "category" || folded == "chuyenmuc") return Field::kCategory;
  return std::nullopt;
}

// The most words NEAR/n and "..."~n may allow between. Past it, the words
// are merely in the same passage; and fields stand 100 positions apart in
// the index (index/terms.cpp), which a window must never bridge.
constexpr int kMaxDistance = 50;

// The n of NEAR/n or ~n (`digits`; empty: none given, 0 for ~n and
// kDefaultNear for NEAR); past kMaxDistance, sets `error`.
int distance(std::string_view digits, std::string_view syntax, std::string& error) {
  if (digits.empty()) return syntax.front() == 'N' ? kDefaultNear : 0;
  if (digits.size() > 4 || std::stoi(std::string(digits)) > kMaxDistance) {
    error = std::string(syntax) + ": n must be at most " + std::to_string(kMaxDistance);
    return kMaxDistance;
  }
  return std::stoi(std::string(digits));
}

// NEAR or NEAR/n (as written, capitals); nullopt for any other word.
std::optional<int> near_operator(std::string_view word, std::string& error) {
  if (word == "NEAR") return kDefaultNear;
  if (word.size() < 6 || word.substr(0, 5) != "NEAR/") return std::nullopt;
  std::string_view digits = word.substr(5);
  if (!std::all_of(digits.begin(), digits.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return std::nullopt;
  return distance(digits, "NEAR/n", error);
}

// The query's items; a misuse the reading cannot fix (NEAR/100000) in `error`.
// `spans`, when given, gets the byte range of every stretch read as more
// than a plain word (syntax_spans).
std::vector<Item> lex(std::string_view q, std::string& error,
                      std::vector<SyntaxSpan>* spans = nullptr) {
  std::vector<Item> items;
  bool pending_or = false;
  int pending_near = -1;
  std::size_t i = 0;
  while (i < q.size()) {
    if (is_space(q[i])) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    bool syntax = false;  // more than a plain word
    auto mark = [&] {
      if (spans && syntax) spans->push_back({begin, i});
    };
    Item item;
    if (q[i] == '-' || q[i] == '+') {
      bool minus = q[i] == '-';
      if (i + 1 >= q.size() || is_space(q[i + 1])) {  // a lone "-": ignore it
        ++i;
        continue;
      }
      (minus ? item.exclude : item.require) = true;
      ++i;
    }
    // field:value
    std::size_t colon = q.find(':', i);
    std::size_t word_end = i;
    while (word_end < q.size() && !is_space(q[word_end]) && q[word_end] != '"') ++word_end;
    if (colon != std::string_view::npos && colon < word_end) {
      if (auto f = field_name(q.substr(i, colon - i))) {
        item.field = *f;
        i = colon + 1;
      }
    }
    if (i < q.size() && q[i] == '"') {
      std::size_t close = q.find('"', i + 1);
      std::size_t end = close == std::string_view::npos ? q.size() : close;  // unclosed: to the end
      item.text = std::string(q.substr(i + 1, end - i - 1));
      item.phrase = true;
      i = close == std::string_view::npos ? q.size() : close + 1;
    } else {
      std::size_t end = i;
      while (end < q.size() && !is_space(q[end]) && q[end] != '"') ++end;
      item.text = std::string(q.substr(i, end - i));
      i = end;
      // "word~2": a distance is for phrases; the word is read without it.
      std::size_t tilde = item.text.rfind('~');
      if (tilde != std::string::npos &&
          std::all_of(item.text.begin() + static_cast<std::ptrdiff_t>(tilde) + 1, item.text.end(),
                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        item.text.resize(tilde);
        syntax = true;
      }
      if (!item.exclude && !item.require && item.field == Field::kNone &&
          (item.text == "OR" || item.text == "HOẶC")) {
        pending_or = !items.empty();
        syntax = true;
        mark();
        continue;
      }
      if (!item.exclude && !item.require && item.field == Field::kNone) {
        if (auto n = near_operator(item.text, error)) {
          pending_near = items.empty() ? -1 : *n;
          syntax = true;
          mark();
          continue;
        }
      }
    }
    if (item.phrase && i < q.size() && q[i] == '~') {
      ++i;
      std::size_t digits = i;
      while (digits < q.size() && std::isdigit(static_cast<unsigned char>(q[digits]))) ++digits;
      item.slop = distance(q.substr(i, digits - i), "\"...\"~n", error);
      i = digits;
    }
    syntax = syntax || item.phrase || item.exclude || item.require || item.field != Field::kNone;
    mark();
    if (item.text.empty()) continue;
    item.or_with_previous = pending_or;
    item.near_previous = item.exclude || item.or_with_previous ? -1 : pending_near;
    pending_or = false;
    pending_near = -1;
    items.push_back(std::move(item));
  }
  return items;
}

Q term(std::string_view prefix, const std::string& t) {
  return Q(std::string(prefix) + t);
}
Q scaled(double factor, Q q) {
  return Q(Q::OP_SCALE_WEIGHT, q, factor);
}

Q exact_term(const Syllable& s) {
  return term(prefix::kExact, s.exact);
}

// One thing the user asked to match: a syllable, an abbreviation, a phrase, a field.
struct Element {
  Q match;
  // A function or question word (or, typed without marks, perhaps one):
  // never required, not even when every word is common.
  bool stopword = false;
  // In so many articles (or a stopword, or a trailing prefix standing for
  // many words) that it ranks but does not select: see parse_query.
  bool common = false;
  // A word no article holds: it can select nothing (see select).
  bool absent = false;
  // A word as typed that the query was read without (QueryOptions::
  // typed_forms): it matches beside what the query selects, never instead.
  bool typed_form = false;
  double share = 0;  // of the articles holding it (0: not counted, a phrase or a field)
};

class Builder {
 public:
  Builder(Analyzer& analyzer, const QueryOptions& options, ParsedQuery& out)
      : analyzer_(analyzer), options_(options), out_(out) {}

  // Plain words typed together: analyzed as one text so bigrams and
  // abbreviations spanning words are seen. `prefix_last`: the search box's
  // trailing word.
  std::vector<Element> words(const std::string& text, bool prefix_last) {
    Analysis a = analyzer_.analyze(text);
    std::vector<Element> elements;
    const auto& syl = a.syllables;
    describing_ = syl.size() >= kDescriptionSyllables;
    seek_run(a);
    std::vector<bool> in_abbreviation(syl.size(), false);
    // Question words and fillers weigh and select as stopwords do
    // (question-words.txt): "năm nào" asks, it is not in the answer.
    const std::vector<bool> question = question_words(syl, options_.typed_with_marks);
    // The pairs and words a trailing word still being typed may end in.
    std::vector<std::string> last_pairs, last_words;
    for (const AbbreviationMatch& m : a.abbreviations) {
      if (m.count < 2) continue;  // a one-syllable form is its own key term already
      std::vector<Q> parts;
      for (std::size_t k = m.first; k < m.first + m.count; ++k) {
        parts.push_back(syllable_term(syl[k]));
        in_abbreviation[k] = true;
      }
      Q key = term(accents_prefix(), m.key);
      if (strict() || !index_has_every_key()) {
        Q written(Q::OP_PHRASE, parts.begin(), parts.end(),
                  static_cast<Xapian::termcount>(parts.size()));
        key = Q(Q::OP_OR, written, key);
      }
      elements.push_back({key});
      add_highlight_key(m.key);
    }
    for (const AbbreviationMatch& m : a.abbreviations) {
      if (m.count == 1) add_highlight_key(m.key);
    }
    for (std::size_t i = 0; i < syl.size(); ++i) {
      const Syllable& s = syl[i];
      add_highlight(s.folded);
      bool prefix = prefix_last && i + 1 == syl.size() && !options_.strict_accents;
      Xapian::doccount freq = frequency(s.folded);
      TrailingWord trailing;
      if (prefix) {
        out_.highlight_prefix = s.folded;
        trailing = complete_trailing(syl, i, freq);
        last_pairs = trailing.pairs;
        last_words = trailing.words;
      }
      if (!in_abbreviation[i]) {
        Q match = syllable_match(s);
        // One synonym, weighted as one word as frequent as all of them
        // together: an OR would add the completions' own weight, high for
        // rare ones ("dau" → "dauphin"), to the bound of what an article
        // can score, and Xapian could then no longer stop early or skip
        // articles lacking the boosters (docs/ranking.md#the-trailing-word).
        if (!trailing.match.empty()) match = Q(Q::OP_SYNONYM, match, trailing.match);
        bool stop = (s.stopword || question[i]) && syl.size() > 1;
        // Typed without marks, "vao" may be the function word "vào": it
        // weighs as typed but is never required (select).
        bool maybe_stop =
            stop || (!options_.typed_with_marks && syl.size() > 1 && may_be_stopword(s.folded));
        elements.push_back({stop ? scaled(WordWeights::kStopword, match) : match, maybe_stop,
                            stop || is_common(freq), options_.expand_from && freq == 0, false,
                            share_of(freq)});
      }
      boost_syllable(s, trailing.words);
      if (i > 0 && forms_bigram(syl[i - 1], s)) boost_bigram(syl[i - 1], s, trailing.pairs);
    }
    for (const Compound& c : a.compounds) {
      evidence_.add(Evidence::kCompounds, term(accents_prefix(), strict() ? c.exact : c.folded));
      // A code kept whole ("91/2015/qh13") names what holds it, more than
      // its pieces do; and most of all the document it is the number of.
      boost_constant(Evidence::kCodes, 1, {std::string(prefix::kFolded) + c.folded}, Q(c.folded));
      const std::string own = std::string(prefix::kOwnNumber) + c.folded;
      boost_constant(Evidence::kOwnNumber, 1, {own}, Q(own));
    }
    boost_adjacency(syl, last_pairs, last_words);
    return elements;
  }

  // A quoted phrase, or a title: field; `slop` other words may stand
  // between its words ("..."~n: in order, within its length + slop).
  std::optional<Element> phrase(const std::string& text, Field field, int slop = 0) {
    Analysis a = analyzer_.analyze(text);
    if (a.syllables.empty()) return std::nullopt;
    seek_phrase(a);
    std::vector<Q> positional, exact;
    for (const Syllable& s : a.syllables) {
      positional.push_back(
          term(field == Field::kTitle ? prefix::kTitle : prefix::kFolded, s.folded));
      exact.push_back(term(field == Field::kTitle ? prefix::kTitleExact : prefix::kExact, s.exact));
      add_highlight(s.folded);
      if (s.has_marks && !strict()) evidence_.add(Evidence::kAccents, exact.back());
    }
    Q match = positional.size() == 1 ? positional[0]
                                     : Q(Q::OP_PHRASE, positional.begin(), positional.end(),
                                         static_cast<Xapian::termcount>(positional.size() + slop));
    // Exact terms carry no positions: strict phrases are the folded phrase
    // whose every syllable also occurs with the typed accents.
    if (strict()) match = Q(Q::OP_AND, match, Q(Q::OP_AND, exact.begin(), exact.end()));
    return Element{match};
  }

  // Operands (words or phrases) within `n` other words of each other, in
  // any order: Xapian's OP_NEAR over their terms, the window their words
  // and n. Operands of several syllables also need each phrase and, when
  // `checked`, a check of the positions (NearCheck).
  std::optional<Element> near(const std::vector<std::string>& operands, int n, bool checked) {
    std::vector<Q> terms, phrases, exact;
    NearCheck check;
    for (const std::string& text : operands) {
      Analysis a = analyzer_.analyze(text);
      if (a.syllables.empty()) continue;
      seek_phrase(a);
      std::vector<Q> positional;
      std::vector<std::string> names;
      for (const Syllable& s : a.syllables) {
        names.push_back(std::string(prefix::kFolded) + s.folded);
        positional.emplace_back(names.back());
        terms.emplace_back(names.back());
        if (strict() && has_letter(s.folded)) exact.push_back(term(prefix::kExact, s.exact));
        if (s.has_marks && !strict()) evidence_.add(Evidence::kAccents, exact_term(s));
        add_highlight(s.folded);
      }
      if (positional.size() > 1)
        phrases.emplace_back(Q::OP_PHRASE, positional.begin(), positional.end(),
                             static_cast<Xapian::termcount>(positional.size()));
      check.operands.push_back(std::move(names));
    }
    if (terms.empty()) return std::nullopt;
    check.window = static_cast<Xapian::termcount>(terms.size() + static_cast<std::size_t>(n));
    Q match =
        terms.size() == 1 ? terms[0] : Q(Q::OP_NEAR, terms.begin(), terms.end(), check.window);
    if (!phrases.empty()) {
      phrases.insert(phrases.begin(), match);
      match = Q(Q::OP_AND, phrases.begin(), phrases.end());
      if (checked && check.operands.size() > 1) out_.near_checks.push_back(std::move(check));
    }
    // Exact terms carry no positions: strict, every word also with its accents.
    if (!exact.empty()) match = Q(Q::OP_AND, match, Q(Q::OP_AND, exact.begin(), exact.end()));
    return Element{match};
  }

  // An excluded item's words are not looked for in texts nor marked.
  void set_seeking(bool seeking) { seeking_ = seeking; }

  std::optional<Element> author(const std::string& text) {
    std::vector<Q> parts;
    for (const Syllable& s : analyzer_.analyze(text).syllables)
      parts.push_back(term(prefix::kAuthor, s.folded));
    if (parts.empty()) return std::nullopt;
    return Element{Q(Q::OP_AND, parts.begin(), parts.end())};
  }

  // What ranks but does not select, in the order it was found.
  const QueryEvidence& evidence() const { return evidence_; }

  // The typed words side by side, in order, anywhere in the article: the
  // words of a passage remembered from a long document, a name written as
  // one ("Hùng Vương", not "Vương ... Hùng"). A phrase, checked only in the
  // articles that hold every adjacent pair of it (pair terms: B in a field's
  // opening, P past it): a positional check of every candidate halved the
  // search's throughput (docs/benchmarks.md). A trailing word still being
  // typed may end any of its likelier pairs and words.
  //
  // The pairs alone stand for the run when they say all a phrase would
  // (two words, one pair), or when more than kMaxRunChecks articles might
  // need the check: then a run whose words are separated by a function word
  // ("cộng đồng do") counts its pairs only, and weighs as long as they are.
  void boost_adjacency(const std::vector<Syllable>& syl, const std::vector<std::string>& last_pairs,
                       const std::vector<std::string>& last_words) {
    if (syl.size() < 2) return;
    std::vector<Q> pairs;
    // At most how many articles hold every pair and word of the run.
    double candidates = std::numeric_limits<double>::infinity();
    for (std::size_t i = 1; i < syl.size(); ++i) {
      // Only pairs every article holding them has a term for (forms_pair:
      // none with a function word); typed without marks, "da" may be the
      // function word "đã".
      const bool function_word = options_.typed_with_marks ? syl[i - 1].stopword || syl[i].stopword
                                                           : may_be_stopword(syl[i - 1].folded) ||
                                                                 may_be_stopword(syl[i].folded);
      if (!has_letter(syl[i - 1].folded) || !has_letter(syl[i].folded) || function_word) continue;
      std::vector<std::string> alternatives{bigram_text(syl[i - 1].folded, syl[i].folded)};
      if (i + 1 == syl.size())
        alternatives.insert(alternatives.end(), last_pairs.begin(), last_pairs.end());
      std::vector<Q> either;
      double holding = 0;
      for (const std::string& pair : alternatives) {
        for (std::string_view p : {prefix::kBigram, prefix::kPair}) {
          either.emplace_back(std::string(p) + pair);
          holding += frequency(std::string(p) + pair);
        }
      }
      candidates = std::min(candidates, holding);
      pairs.push_back(Q(Q::OP_OR, either.begin(), either.end()));
    }
    // Without a pair to find first (a number in every pair), the phrase
    // would be checked in every candidate.
    if (pairs.empty()) return;
    std::vector<Q> positional;
    std::vector<std::string> words;
    for (const Syllable& s : syl) {
      words.push_back(std::string(prefix::kFolded) + s.folded);
      positional.emplace_back(words.back());
    }
    double last_holding = frequency(words.back());
    if (!last_words.empty()) {
      std::vector<Q> either{positional.back()};
      for (const std::string& w : last_words) {
        either.emplace_back(std::string(prefix::kFolded) + w);
        last_holding += frequency(std::string(prefix::kFolded) + w);
      }
      positional.back() = Q(Q::OP_OR, either.begin(), either.end());
    }
    candidates = std::min(candidates, last_holding);
    for (std::size_t k = 0; k + 1 < words.size(); ++k)
      candidates = std::min<double>(candidates, frequency(words[k]));
    std::vector<Q> all = pairs;
    std::size_t run = pairs.size();  // adjacencies the match proves
    if (syl.size() > 2 && candidates <= kMaxRunChecks) {
      all.emplace_back(Q::OP_PHRASE, positional.begin(), positional.end(),
                       static_cast<Xapian::termcount>(positional.size()));
      run = syl.size() - 1;
    }
    // The longer the run found side by side, the less it is chance.
    boost_constant(Evidence::kAdjacentRun, static_cast<double>(run), words,
                   Q(Q::OP_AND, all.begin(), all.end()));
  }

 private:
  bool strict() const { return options_.strict_accents; }
  using Completion = CompletionCache::Completion;
  // The words being read are a description (kDescriptionSyllables or more).
  bool describing_ = false;

  // The search box's last word, perhaps still being typed: what it may be
  // the start of.
  struct TrailingWord {
    Q match;  // matches also these (empty: as typed only)
    // The pairs with the word before it that it is likelier to begin the
    // end of than what was typed ("ha_noi" for "ha no"), and their second
    // words ("noi"): boosted as the typed pair and word are.
    std::vector<std::string> pairs, words;
  };

  // The words the trailing word `syl[i]` begins, the most frequent first,
  // and the indexed pairs (bigrams) it may end after the word before it.
  // `freq` becomes the number of articles holding the word or anything it
  // matches (at most).
  //
  // When the words it begins are common ("da" → dan, dang, dau...),
  // matching them all holds most of a large index, and a query whose every
  // word is common must check each of those articles (the slowest queries
  // at 1M articles; docs/benchmarks.md). Then it matches the pairs instead,
  // as a phrase prefix: "ha no" → Hà Nội, "bao da" → bảo đảm. With no such
  // pair, a whole word that is itself common and follows other words is
  // taken as typed: "voi ca" matches "cả", not every word starting with "ca".
  TrailingWord complete_trailing(const std::vector<Syllable>& syl, std::size_t i,
                                 Xapian::doccount& freq) const {
    TrailingWord t;
    const std::string& folded = syl[i].folded;
    if (!options_.expand_from) {
      t.match = Q(Q::OP_WILDCARD, folded, kMaxPrefixExpansion, Q::WILDCARD_LIMIT_MOST_FREQUENT);
      return t;
    }
    std::vector<Completion> words = completions(folded);
    std::vector<Completion> pairs;
    std::string typed_pair;
    if (i > 0 && !syl[i].clause_start && !syl[i - 1].stopword) {
      typed_pair = bigram_text(syl[i - 1].folded, folded);
      pairs = completions(std::string(prefix::kBigram) + typed_pair);
    }
    const Xapian::doccount own = freq;
    if (!pairs.empty()) {
      // For a word typed with marks ("chỉ"), only the words whose written
      // form continues it ("chinh" for chỉnh, not for chính).
      const std::set<std::string>* marked =
          syl[i].has_marks ? &cache().folded_continuations(*options_.expand_from, syl[i].exact)
                           : nullptr;
      const std::size_t second = typed_pair.size() - folded.size() + prefix::kBigram.size();
      for (const std::string& pair : likelier(pairs, pair_frequency(typed_pair))) {
        std::string word = pair.substr(second);
        if (!marked || marked->count(word)) {
          t.pairs.push_back(pair.substr(prefix::kBigram.size()));
          t.words.push_back(std::move(word));
        }
      }
    }
    if (i > 0 && !words.empty() && is_common(words.front().first)) {
      if (!pairs.empty()) {
        t.match = synonym(std::move(pairs), freq);
        return t;
      }
      if (is_common(own)) return t;
    }
    t.match = synonym(std::move(words), freq);
    return t;
  }

  // The completions found in more articles than what was typed
  // (`typed_freq`): likelier readings, boosted like the typed pair. Not the
  // others: a finished pair ("binh tan") keeps its own boosts undiluted.
  // (Not likelier single words without the word before: their title boost
  // would be as broad as the match; docs/ranking.md#the-trailing-word.)
  static std::vector<std::string> likelier(const std::vector<Completion>& found,
                                           Xapian::doccount typed_freq) {
    std::vector<std::string> out;
    for (const Completion& c : found)
      if (c.first > typed_freq) out.push_back(c.second);
    return out;
  }

  Xapian::doccount pair_frequency(const std::string& pair) const {
    return options_.expand_from->get_termfreq(std::string(prefix::kBigram) + pair);
  }

  // See CompletionCache::get.
  std::vector<Completion> completions(const std::string& start) const {
    return cache().get(*options_.expand_from, start);
  }

  // The caller's, kept between queries, or this query's own.
  CompletionCache& cache() const {
    return options_.completion_cache ? *options_.completion_cache : own_cache_;
  }

  static Q synonym(std::vector<Completion> terms, Xapian::doccount& freq) {
    if (terms.empty()) return Q();
    std::vector<Q> qs;
    for (Completion& t : terms) {
      freq = std::max(freq, t.first);
      qs.emplace_back(std::move(t.second));
    }
    return Q(Q::OP_SYNONYM, qs.begin(), qs.end());
  }

  // Whether every written form of an abbreviation's expansion carries its
  // key term, nested ones included (indexes of analyzer version 3 on): then
  // a loose query matches the key alone. Before, the expansion's words are
  // also searched as a phrase, which over common words ("Việt Nam", "Quốc
  // hội") costs a positional check per candidate (docs/benchmarks.md, Scale).
  bool index_has_every_key() const {
    if (!options_.expand_from) return false;
    const std::string stamped = options_.expand_from->get_metadata(metadata::kAnalyzerVersion);
    return !stamped.empty() && std::atoi(stamped.c_str()) >= kFirstVersionWithNestedKeys;
  }

  // Articles holding `term` (a folded syllable has no prefix).
  Xapian::doccount frequency(const std::string& term) const {
    return options_.expand_from ? options_.expand_from->get_termfreq(term) : 0;
  }
  double share_of(Xapian::doccount freq) const {
    const double docs = options_.expand_from ? options_.expand_from->get_doccount() : 0;
    return docs > 0 ? static_cast<double>(freq) / docs : 0;
  }
  bool is_common(Xapian::doccount freq) const {
    if (!options_.expand_from) return false;
    double docs = options_.expand_from->get_doccount();
    return docs >= kCommonMinDocs && freq > kCommonShare * docs;
  }

  std::string_view accents_prefix() const { return strict() ? prefix::kExact : prefix::kFolded; }

  Q syllable_term(const Syllable& s) const {
    bool letterless =
        s.exact == s.folded && std::none_of(s.folded.begin(), s.folded.end(), [](char c) {
          return std::isalpha(static_cast<unsigned char>(c)) ||
                 static_cast<unsigned char>(c) >= 0x80;
        });
    // Numbers have no exact term (it would equal the folded one).
    return strict() && !letterless ? term(prefix::kExact, s.exact)
                                   : term(prefix::kFolded, s.folded);
  }

  // What a syllable must match: its folded (or, strict, exact) term, or its
  // i/y variant at a lower weight (kĩ finds kỹ, ranked below kĩ).
  Q syllable_match(const Syllable& s) const {
    Q match = syllable_term(s);
    if (!s.variant.empty())
      match = Q(Q::OP_OR, match, scaled(WordWeights::kVariant, term(prefix::kVariant, s.variant)));
    return match;
  }

  // Boosts for the syllable `s` found in a title; for a trailing word, any
  // of its likelier `completions` counts as well (as one synonym, so that
  // neither a rare completion nor the typed form outweighs the other by its
  // rarity).
  void boost_syllable(const Syllable& s, const std::vector<std::string>& completions) {
    // A query typed with marks is typed as meant: its unmarked syllables
    // too ("Lam" in "Lam Sơn" is not "làm").
    const bool read_unmarked =
        !s.has_marks &&
        std::find(options_.unmarked_readings.begin(), options_.unmarked_readings.end(), s.folded) !=
            options_.unmarked_readings.end();
    if ((s.has_marks || (options_.typed_with_marks && !read_unmarked)) && !strict() &&
        has_letter(s.folded))
      evidence_.add(Evidence::kAccents, exact_term(s));
    // A description or a question is matched against the whole article:
    // its words' title boosts would sum over many common words.
    if (describing_) return;
    if (strict()) {
      evidence_.add(Evidence::kTitleWords, term(prefix::kTitleExact, s.exact));
      return;
    }
    evidence_.add(Evidence::kTitleWords, alternatives(prefix::kTitle, s.folded, completions));
  }

  // Boosts for `a` and `b` adjacent (in the text, in the title); `b` a
  // trailing word: any pair it may end counts as well, which ranks the
  // reading the rest of the query makes likely ("ha no": Hà Nội) above the
  // word as typed found elsewhere (nổ).
  void boost_bigram(const Syllable& a, const Syllable& b, const std::vector<std::string>& pairs) {
    std::string bigram = bigram_text(a.folded, b.folded);
    evidence_.add(Evidence::kPairs, alternatives(prefix::kBigram, bigram, pairs));
    if (describing_) return;  // as boost_syllable's title boost
    evidence_.add(Evidence::kTitlePairs, alternatives(prefix::kTitleBigram, bigram, pairs));
  }

  // Evidence of a constant layer (ranking.h): its weight is `times` the
  // layer's times the most the `terms` can score in BM25 (their idf), so
  // rare words side by side count more than common ones (docs/ranking.md).
  void boost_constant(Evidence e, double times, const std::vector<std::string>& terms, Q match) {
    if (!options_.expand_from) return;  // no statistics to weigh it by
    const double docs = options_.expand_from->get_doccount();
    double idf = 0;
    for (const std::string& t : terms) {
      const double n = options_.expand_from->get_termfreq(t);
      if (n == 0) return;  // a word no article holds: no article holds the run
      idf += std::max(0.1, std::log((docs - n + 0.5) / (n + 0.5)));
    }
    evidence_.add_constant(e, times, idf, std::move(match));
  }

  // The term `prefix`+`typed`, or a synonym of it and those of the
  // `others` the index has. (Not an idle check: over shards, a term absent
  // from every shard still moves Xapian's per-shard estimate of the
  // synonym's frequency: scores over shards would differ; docs/scaling.md.)
  Q alternatives(std::string_view prefix, const std::string& typed,
                 const std::vector<std::string>& others) const {
    std::vector<Q> terms{term(prefix, typed)};
    for (const std::string& o : others) {
      std::string t = std::string(prefix) + o;
      if (options_.expand_from && options_.expand_from->term_exists(t)) terms.emplace_back(t);
    }
    if (terms.size() == 1) return terms[0];
    return Q(Q::OP_SYNONYM, terms.begin(), terms.end());
  }

  void add_highlight(const std::string& folded) {
    if (seeking_) out_.highlight.push_back(folded);
  }

  SoughtWord sought_word(const Syllable& s) const {
    return {s.folded, strict() && has_letter(s.folded) ? s.exact : std::string()};
  }
  void seek_phrase(const Analysis& a) {
    if (!seeking_) return;
    std::vector<SoughtWord> words;
    for (const Syllable& s : a.syllables) words.push_back(sought_word(s));
    out_.sought.phrases.push_back(std::move(words));
  }
  void seek_run(const Analysis& a) {
    if (!seeking_ || a.syllables.empty()) return;
    std::vector<SoughtWord> words;
    for (const Syllable& s : a.syllables) words.push_back(sought_word(s));
    out_.sought.runs.push_back(std::move(words));
    for (const auto* matches : {&a.abbreviations, &a.nested_abbreviations})
      for (const AbbreviationMatch& m : *matches) out_.sought.keys.push_back(m.key);
  }

  void add_highlight_key(const std::string& key) {
    if (!seeking_) return;
    // The key marks the abbreviation wherever the analyzer finds it (any
    // written form); the forms let the snippet finder spot it in folded text.
    // Not the expansion's syllables one by one: "tphcm" would mark every "phố".
    out_.highlight.push_back(key);
    for (std::string& form : abbreviation_forms(key)) out_.highlight.push_back(std::move(form));
  }

  Analyzer& analyzer_;
  const QueryOptions& options_;
  ParsedQuery& out_;
  QueryEvidence evidence_;
  mutable CompletionCache own_cache_;
  bool seeking_ = true;
};

Q combine_or(const std::vector<Q>& qs) {
  return qs.size() == 1 ? qs[0] : Q(Q::OP_OR, qs.begin(), qs.end());
}
Q combine_and(const std::vector<Q>& qs) {
  return qs.size() == 1 ? qs[0] : Q(Q::OP_AND, qs.begin(), qs.end());
}

// `q` with each space-separated word replaced by `rewrite(word, is_last)`
// when it returns a value; nullopt when no word changed. Spaces are kept.
std::optional<std::string> rewrite_words(
    std::string_view q,
    const std::function<std::optional<std::string>(const std::string&, bool)>& rewrite) {
  std::string out;
  bool changed = false;
  std::size_t i = 0;
  while (i < q.size()) {
    std::size_t end = i;
    while (end < q.size() && !is_space(q[end])) ++end;
    std::string word(q.substr(i, end - i));
    if (auto replacement = word.empty() ? std::nullopt : rewrite(word, end == q.size())) {
      word = std::move(*replacement);
      changed = true;
    }
    out += word;
    while (end < q.size() && is_space(q[end])) out.push_back(q[end++]);
    i = end;
  }
  if (!changed) return std::nullopt;
  return out;
}

}  // namespace

namespace {
// Remembered when listing them read this many terms or more (one- and
// two-letter prefixes in a large index); at most so many prefixes.
constexpr std::size_t kWorthRemembering = 2000;
constexpr std::size_t kMaxRemembered = 4096;

// `found` kept in `remembered` under `key` when it took reading `read`
// terms, else in `last`; a reference to where it is kept.
template <typename T>
const T& keep(std::unordered_map<std::string, T>& remembered, T& last, const std::string& key,
              T found, std::size_t read) {
  if (read < kWorthRemembering) {
    last = std::move(found);
    return last;
  }
  if (remembered.size() >= kMaxRemembered) remembered.clear();
  return remembered[key] = std::move(found);
}
}  // namespace

const std::vector<CompletionCache::Completion>& CompletionCache::get(const Xapian::Database& db,
                                                                     const std::string& start) {
  if (auto found = remembered_.find(start); found != remembered_.end()) return found->second;
  std::vector<Completion> terms;
  std::size_t read = 0;
  for (auto t = db.allterms_begin(start); t != db.allterms_end(start); ++t, ++read) {
    const std::string& term = *t;
    if (term.size() == start.size() || !plain_word(std::string_view(term).substr(start.size())))
      continue;
    terms.emplace_back(t.get_termfreq(), term);
  }
  const std::size_t most = std::min<std::size_t>(terms.size(), kMaxPrefixExpansion);
  std::partial_sort(terms.begin(), terms.begin() + static_cast<std::ptrdiff_t>(most), terms.end(),
                    [](const Completion& a, const Completion& b) {
                      return a.first != b.first ? a.first > b.first : a.second < b.second;
                    });
  terms.resize(most);
  return keep(remembered_, last_, start, std::move(terms), read);
}

const std::set<std::string>& CompletionCache::folded_continuations(const Xapian::Database& db,
                                                                   const std::string& exact) {
  if (auto found = remembered_continuations_.find(exact); found != remembered_continuations_.end())
    return found->second;
  const std::string start = std::string(prefix::kExact) + exact;
  std::set<std::string> words;
  std::size_t read = 0;
  for (auto t = db.allterms_begin(start); t != db.allterms_end(start); ++t, ++read)
    words.insert(fold_diacritics(std::string_view(*t).substr(prefix::kExact.size())));
  return keep(remembered_continuations_, last_continuations_, exact, std::move(words), read);
}

std::vector<SyntaxSpan> syntax_spans(std::string_view q) {
  std::vector<SyntaxSpan> spans;
  std::string error;
  lex(q, error, &spans);
  return spans;
}

Xapian::Query accent_boosts(std::string_view reading, Analyzer& analyzer) {
  std::vector<Q> boosts;
  for (const Syllable& s : analyzer.analyze(reading).syllables)
    if (s.has_marks) boosts.push_back(weighted(Evidence::kAccents, exact_term(s)));
  return boosts.empty() ? Q() : combine_or(boosts);
}

std::optional<std::string> read_keystrokes(std::string_view q, const Xapian::Database& db) {
  return rewrite_words(q, [&](const std::string& word, bool) -> std::optional<std::string> {
    auto spelled = decode_keystrokes(word);
    // "box" stays "box" when the index has it; "bõ" only when it does not.
    if (!spelled || db.term_exists(fold_diacritics(word)) ||
        !db.term_exists(std::string(prefix::kExact) + canonical_syllable(*spelled)))
      return std::nullopt;
    return spelled;
  });
}

std::optional<std::string> correct_spelling(std::string_view q, const Xapian::Database& db) {
  return rewrite_words(q, [&](const std::string& word, bool last) -> std::optional<std::string> {
    std::string folded = fold_diacritics(word);
    bool letters = folded.size() >= 3 && std::all_of(folded.begin(), folded.end(), [](char c) {
                     return std::islower(static_cast<unsigned char>(c));
                   });
    if (!letters) return std::nullopt;
    // The last word may be a prefix still being typed: it finds something
    // when any word starts with it.
    bool finds =
        last ? db.allterms_begin(folded) != db.allterms_end(folded) : db.term_exists(folded);
    if (finds) return std::nullopt;
    std::string suggestion = db.get_spelling_suggestion(folded, 2);
    if (suggestion.empty() || suggestion == folded) return std::nullopt;
    return suggestion;
  });
}

namespace {

// What the query's items ask for, before deciding what selects matches.
struct Wanted {
  std::vector<Element> optional;  // words: all preferred, any may match
  std::vector<Element> required;  // +words, phrases, fields (and every word with match=all)
  std::vector<Q> excluded;        // -words
};

// An item that is not a plain word: a phrase, a field, an exclusion, a
// requirement, or one side of an OR. Adds it to `wanted` (or, for
// category:, to the filters).
void add_item(const Item& item, Builder& builder, Wanted& wanted, ParsedQuery& out) {
  if (item.field == Field::kCategory) {
    std::string folded = fold_diacritics(item.text);
    std::replace(folded.begin(), folded.end(), '-', ' ');
    std::replace(folded.begin(), folded.end(), '_', ' ');
    if (item.exclude) {
      wanted.excluded.push_back(term(prefix::kCategory, folded));
    } else {
      out.categories.push_back(folded);
    }
    return;
  }
  std::optional<Element> element;
  builder.set_seeking(!item.exclude);
  if (item.field == Field::kAuthor) {
    element = builder.author(item.text);
  } else if (item.phrase || item.field == Field::kTitle) {
    element = builder.phrase(item.text, item.field, item.slop);
  } else {
    std::vector<Q> parts;
    for (const Element& p : builder.words(item.text, false)) parts.push_back(p.match);
    if (!parts.empty()) element = Element{combine_and(parts)};
  }
  builder.set_seeking(true);
  if (!element) return;
  if (item.exclude) {
    wanted.excluded.push_back(element->match);
    return;
  }
  // "a OR b": one element matching either.
  if (item.or_with_previous && !(wanted.optional.empty() && wanted.required.empty())) {
    std::vector<Element>& prev = wanted.optional.empty() ? wanted.required : wanted.optional;
    prev.back().match = Q(Q::OP_OR, prev.back().match, element->match);
    return;
  }
  const bool required = item.require || item.phrase || item.field != Field::kNone;
  (required ? wanted.required : wanted.optional).push_back(*element);
}

// `items[first]` NEAR the items after it that say so (a NEAR/2 b NEAR/3 c:
// one window for all, the widest n); required, or excluded with the first.
// Returns the index of the chain's last item.
std::size_t add_near(const std::vector<Item>& items, std::size_t first, Builder& builder,
                     Wanted& wanted) {
  std::vector<std::string> operands{items[first].text};
  int n = 0;
  std::size_t last = first;
  while (last + 1 < items.size() && items[last + 1].near_previous >= 0) {
    ++last;
    operands.push_back(items[last].text);
    n = std::max(n, items[last].near_previous);
  }
  const bool exclude = items[first].exclude;
  // Checked on positions only where the NEAR alone decides: not excluded,
  // not one side of an OR (an approximation there: docs/api.md).
  const bool alone = !exclude && !items[first].or_with_previous &&
                     !(last + 1 < items.size() && items[last + 1].or_with_previous);
  builder.set_seeking(!exclude);
  std::optional<Element> element = builder.near(operands, n, alone);
  builder.set_seeking(true);
  if (!element) return last;
  if (exclude) {
    wanted.excluded.push_back(element->match);
  } else if (items[first].or_with_previous &&
             !(wanted.optional.empty() && wanted.required.empty())) {
    std::vector<Element>& prev = wanted.optional.empty() ? wanted.required : wanted.optional;
    prev.back().match = Q(Q::OP_OR, prev.back().match, element->match);
  } else {
    wanted.required.push_back(*element);
  }
  return last;
}

// The items read in order: runs of plain words are analyzed together (so
// bigrams and abbreviations spanning words are seen), the rest one by one.
Wanted read_items(const std::vector<Item>& items, bool typing, Builder& builder,
                  const QueryOptions& options, ParsedQuery& out) {
  Wanted wanted;
  std::string run;  // consecutive plain words
  auto flush_run = [&](bool prefix_last) {
    if (run.empty()) return;
    for (Element& e : builder.words(run, prefix_last))
      (options.all_words && !e.stopword ? wanted.required : wanted.optional).push_back(e);
    run.clear();
  };
  for (std::size_t k = 0; k < items.size(); ++k) {
    const Item& item = items[k];
    if (k + 1 < items.size() && items[k + 1].near_previous >= 0) {
      flush_run(false);
      k = add_near(items, k, builder, wanted);
      continue;
    }
    bool plain = !item.phrase && item.field == Field::kNone && !item.exclude && !item.require;
    bool next_is_or = k + 1 < items.size() && items[k + 1].or_with_previous;
    if (plain && !item.or_with_previous && !next_is_or) {
      run += (run.empty() ? "" : " ") + item.text;
      continue;
    }
    flush_run(false);
    add_item(item, builder, wanted, out);
  }
  flush_run(typing);
  return wanted;
}

// Which elements select matches and which only rank. Common words
// (stopwords, words in more than kCommonShare of the articles, a prefix
// standing for such words) rank but do not select when the query has a
// rarer word: a match holds at least one of the distinctive words.
// Otherwise "của" or "việt" alone would make most of the index a candidate
// to score (the "common terms" query of Lucene/Elasticsearch). When every
// word is common ("viet nam", "quoc hoi" in a big index), the distinctive
// thing is their conjunction: the words other than stopwords are all
// required (`conjunction`), and the caller keeps a relaxed form.
//
// A word no article holds (a name the target spells otherwise, a typo)
// selects nothing and is left out when the index holds at least as many of
// the query's words, function and question words aside: it would
// otherwise be the query's only rare word, and an OR of nothing matches
// nothing ("Warsaw giành được chức vô địch quốc gia vào năm nào" where the
// articles write "Warszawa"; "Thế nào là THCP học lại?"). When fewer
// ("xyzzy qwerty không", or a query of such words only), the query still
// finds nothing.
struct Selection {
  std::vector<Q> required, optional, common;
  std::vector<Q> typed_forms;  // OR-ed with whatever selects
  bool conjunction = false;
  double share = 0;  // ParsedQuery::estimated_share
};

// The share of the articles the selection matches, from its words' own
// shares as if independent: all of the required, any of the optional.
double estimated_share(const std::vector<const Element*>& required,
                       const std::vector<const Element*>& optional) {
  if (!required.empty()) {
    double all = 1;
    for (const Element* e : required) all *= e->share;
    return all;
  }
  double any = 0;
  for (const Element* e : optional) any += e->share;
  return std::min(1.0, any);
}

Selection select(const Wanted& wanted) {
  Selection s;
  for (const Element& e : wanted.required) s.required.push_back(e.match);
  std::size_t held_words = wanted.required.size(), absent_words = 0;
  for (const Element& e : wanted.optional) {
    if (e.typed_form) continue;
    if (e.absent) ++absent_words;
    if (!e.absent && !e.stopword) ++held_words;
  }
  const bool leave_out_absent = held_words >= absent_words;
  std::vector<const Element*> held;
  for (const Element& e : wanted.optional) {
    if (e.typed_form) {
      s.typed_forms.push_back(e.match);
    } else if (!(e.absent && leave_out_absent)) {
      held.push_back(&e);
    }
  }
  std::vector<const Element*> required, optional;
  for (const Element& e : wanted.required) required.push_back(&e);
  for (const Element* e : held) {
    (e->common ? s.common : s.optional).push_back(e->match);
    if (!e->common) optional.push_back(e);
  }
  if (!s.optional.empty() || !s.required.empty()) {
    s.share = estimated_share(required, optional);
    return s;
  }
  std::vector<Q> words, stopwords;
  std::vector<const Element*> word_elements;
  for (const Element* e : held) {
    (e->stopword ? stopwords : words).push_back(e->match);
    if (!e->stopword) word_elements.push_back(e);
  }
  if (words.size() >= 2) {
    s.required = std::move(words);
    s.common = std::move(stopwords);
    s.conjunction = true;
    s.share = estimated_share(word_elements, {});
  } else {
    std::swap(s.optional, s.common);
    s.share = estimated_share({}, held);
  }
  return s;
}

Q excluding(Q q, const std::vector<Q>& excluded) {
  return excluded.empty() ? q : Q(Q::OP_AND_NOT, q, combine_or(excluded));
}

// The matching part of a selection: required AND_MAYBE optional, or the
// optional OR-ed; empty when nothing selects.
Q selecting(const Selection& s) {
  Q base;
  if (s.required.empty()) {
    base = s.optional.empty() ? Q() : combine_or(s.optional);
  } else {
    base = combine_and(s.required);
    if (!s.optional.empty()) base = Q(Q::OP_AND_MAYBE, base, combine_or(s.optional));
  }
  if (base.empty() || s.typed_forms.empty()) return base;
  std::vector<Q> either{base};
  either.insert(either.end(), s.typed_forms.begin(), s.typed_forms.end());
  return combine_or(either);
}

// `rest`, a query without its date phrase, when it asks for nothing but
// that date: no word left other than function and question words
// ("trong", "nào"), which are dropped, exclusions and category: filters,
// which stay. nullopt when a word is left: the date is in a sentence.
std::optional<std::string> nothing_but_date(std::string_view rest, Analyzer& analyzer) {
  std::string error, kept;
  for (const Item& item : lex(rest, error)) {
    if (item.exclude || item.field == Field::kCategory) {
      static constexpr const char* kFieldNames[] = {"", "title:", "author:", "category:"};
      kept += std::string(item.exclude ? " -" : " ") + kFieldNames[static_cast<int>(item.field)] +
              (item.phrase ? "\"" + item.text + "\"" : item.text);
      continue;
    }
    const std::vector<Syllable> syl = analyzer.analyze(item.text).syllables;
    const bool marks = std::any_of(syl.begin(), syl.end(), [](auto& s) { return s.has_marks; });
    const std::vector<bool> question = question_words(syl, marks);
    for (std::size_t i = 0; i < syl.size(); ++i)
      if (!syl[i].stopword && !question[i]) return std::nullopt;
  }
  return kept;
}

}  // namespace

// A date phrase filters only when it is date syntax or the query is nothing
// but it ("năm 2015", "trước năm 2000", "bão 2021-01-01..2021-06-30").
// Inside a sentence ("... vô địch quốc gia trong năm 2015?") it stays
// words: the answer need not be published that year, nor dated at all
// (issue 23: 70 questions lost their undated answer to such a filter).
ParsedQuery parse_query(std::string_view q_in, Analyzer& analyzer, const QueryOptions& options) {
  ParsedQuery out;
  std::string q(q_in);
  if (options.dates_as_words) {
    // Read as typed: the caller removed the filter the words made.
  } else if (auto range = find_date_range(q)) {
    std::string rest = q.substr(0, range->begin) + " " + q.substr(range->end);
    if (range->syntax) {
      out.date_range = range;
      q = std::move(rest);
    } else if (auto only = nothing_but_date(rest, analyzer)) {
      out.date_range = range;
      q = std::move(*only);
    }
  } else if (auto day = find_day_of_year(q)) {
    std::string rest = q.substr(0, day->begin) + " " + q.substr(day->end);
    if (auto only = nothing_but_date(rest, analyzer)) {
      out.day_of_year = day;
      q = std::move(*only);
    }
  }
  const bool typing = options.trailing_prefix && !q_in.empty() && !is_space(q_in.back()) &&
                      !out.date_range && !out.day_of_year;
  QueryOptions read_as = options;
  for (const Syllable& syl : analyzer.analyze(q).syllables)
    read_as.typed_with_marks = read_as.typed_with_marks || syl.has_marks;
  Builder builder(analyzer, read_as, out);
  Wanted wanted = read_items(lex(q, out.error), typing, builder, read_as, out);
  for (const std::string& form : options.typed_forms)
    wanted.optional.push_back(
        {scaled(WordWeights::kTypedForm, term(prefix::kFolded, form)), false, false, false, true});
  const Selection selection = select(wanted);
  out.estimated_share = selection.share;
  out.words = wanted.required.size() + wanted.optional.size();
  const Q base = selecting(selection);
  if (base.empty()) {
    out.match_all = true;
    out.query = excluding(match_all(), wanted.excluded);
  } else {
    out.query =
        excluding(builder.evidence().retrieval_query(base, selection.common), wanted.excluded);
  }
  if (selection.conjunction) {
    std::vector<Q> all;
    for (const Element& e : wanted.optional) all.push_back(e.match);
    out.relaxed =
        excluding(builder.evidence().retrieval_query(combine_or(all), {}), wanted.excluded);
  }
  std::sort(out.highlight.begin(), out.highlight.end());
  out.highlight.erase(std::unique(out.highlight.begin(), out.highlight.end()), out.highlight.end());
  return out;
}

}  // namespace tracuu::internal
