// correct_query: typos, words run together, slugs and hashtags read back
// into the words they stand for, with the index's statistics as the judge.
// Measured on bench/relevance's misspelling intent (docs/relevance.md).
#include "spelling.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <tuple>
#include <unordered_map>

#include "query.h"
#include "schema.h"
#include "vietnamese.h"

namespace tracuu::internal {
namespace {

// The choice between readings is a noisy channel (docs/ranking.md#typos-
// and-words-run-together): how likely the index makes each reading beside
// its neighbours, less what the mistake that would have turned it into
// the typed word costs (in nats: log-probabilities).
//
// How much of a word's likelihood after another comes from their pair, the
// rest from how common it is alone.
constexpr double kPairWeight = 0.8;
// Each space the writer would have left out ("hanoi" for "ha noi").
constexpr double kMissingSpaceCost = 2.0;
// Per unit of a keystroke mistake's cost (SpellingCandidate::cost).
constexpr double kEditCost = 2.5;
// Words the index holds are read otherwise only when rare: a syllable-shaped
// word in at most 1 article in 10,000, a word that is no syllable in at
// most 1 in 100 ("hanoi": "EVN HANOI"); never one held beside its
// neighbours ("Hanoi Marathon"); and only for a reading this many times as
// well attested, and by 1 article in 2,000 at least: its pairs, each held
// by so many times as many articles as the word as typed ("hanoi": 116
// articles; "hà nội": 9,000).
constexpr double kRareSyllableShare = 1.0 / 10000;
constexpr double kRareRunShare = 1.0 / 100;
constexpr double kHeldOver = 10;
constexpr double kHeldSplitShare = 1.0 / 2000;
// A common word that no article holds beside its neighbours may be a
// real-word mistake ("than pho" for "thanh pho"): it is read as a syllable
// one mistake away only when that syllable is held beside every neighbour,
// by as many articles as a split must be, and the reading is likelier than
// the word as typed (bench/relevance: neighbour-key 0.471 -> 0.521,
// misspellings 0.621 / 0.587 -> 0.627 / 0.592, every other intent the
// same; docs/ranking.md#typos-and-words-run-together).
// A word held beside its neighbours by this many articles stays as typed;
// by fewer, only a reading held beside them this many times as often
// replaces it ("pu nu": 1 article; "phu nu": thousands).
constexpr double kHeldBeside = 3;
constexpr double kBesideOver = 100;
// In a small index, a word in this many articles or fewer counts as rare.
constexpr double kFewest = 3;
// The words of one query given a reading at most, and the time they may
// take: a pasted page of unknown words must not hold a worker (issue 23).
constexpr int kMaxReadWords = 12;
constexpr auto kMaxReadTime = std::chrono::milliseconds(50);
// The parts of a word run together, at most: "thanhphohochiminh" is five.
constexpr std::size_t kMaxParts = 5;

bool letters_only(std::string_view folded) {
  return !folded.empty() &&
         std::all_of(folded.begin(), folded.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// The index's counts, each asked once per query.
class Statistics {
 public:
  explicit Statistics(const Xapian::Database& db) : db_(db) {}

  double articles() const { return db_.get_doccount(); }
  double holding(const std::string& term) {
    auto found = freq_.find(term);
    if (found != freq_.end()) return found->second;
    return freq_[term] = db_.get_termfreq(term);
  }
  double word(const std::string& folded) { return holding(std::string(prefix::kFolded) + folded); }
  // Articles holding `a` and `b` side by side: their pair terms. None is
  // indexed beside a function word ("thế", "đã"): where one may be such a
  // word, the articles holding the phrase, counted up to kEnoughPhrases.
  double pair(const std::string& a, const std::string& b) {
    if (a.empty() || b.empty()) return 0;
    const std::string text = bigram_text(a, b);
    const double side_by_side =
        holding(std::string(prefix::kBigram) + text) + holding(std::string(prefix::kPair) + text);
    if (side_by_side > 0 || !(may_be_stopword(a) || may_be_stopword(b))) return side_by_side;
    auto found = phrases_.find(text);
    if (found != phrases_.end()) return found->second;
    double count = 0;
    if (word(a) > 0 && word(b) > 0) {
      Xapian::Enquire enquire(db_);
      const Xapian::Query words[] = {Xapian::Query(std::string(prefix::kFolded) + a),
                                     Xapian::Query(std::string(prefix::kFolded) + b)};
      enquire.set_query(
          Xapian::Query(Xapian::Query::OP_PHRASE, std::begin(words), std::end(words), 2));
      enquire.set_weighting_scheme(Xapian::BoolWeight());
      count = enquire.get_mset(0, 0, kEnoughPhrases).get_matches_lower_bound();
    }
    return phrases_[text] = count;
  }
  // Whether some word of the index begins with `folded` (and is longer).
  bool begins_a_word(const std::string& folded) {
    for (auto t = db_.allterms_begin(folded); t != db_.allterms_end(folded); ++t)
      if ((*t).size() > folded.size()) return true;
    return false;
  }

 private:
  // Enough to tell a reading from chance; counting further costs time.
  static constexpr Xapian::doccount kEnoughPhrases = 50;
  const Xapian::Database& db_;
  std::unordered_map<std::string, double> freq_, phrases_;
};

// One space-separated piece of the query.
struct Token {
  std::string text;          // as typed (or as split from a slug or a hashtag)
  std::string folded;        // its folded form, when it is plain letters
  bool plain = false;        // a word the corrector may read otherwise
  bool last = false;         // the query's last piece, no space after it
  std::string space_before;  // as typed
  bool changed = false;      // already rewritten (a slug's or a hashtag's parts)
  // Where capitals inside it cut it into syllables ("HàNội": Hà, Nội), as
  // typed; empty when they do not.
  std::vector<std::string> camel;
  // Where capitals inside it cut it into words that are not all syllables
  // ("bịDortmund", "choCSGT"): separate words when the index lacks the
  // whole (correct_query).
  std::vector<std::string> words;
};

// `text` cut where a lower-case letter is followed by a capital ("HàNội",
// "HaNoi"); one piece when there is no such place.
std::vector<std::string> camel_parts(const std::string& text) {
  std::vector<std::string> parts;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const auto size = static_cast<int32_t>(text.size());
  std::size_t start = 0;
  bool previous_lower = false;
  for (int32_t i = 0; i < size;) {
    const int32_t at = i;
    UChar32 c;
    U8_NEXT(s, i, size, c);
    if (previous_lower && u_isupper(c)) {
      parts.push_back(text.substr(start, static_cast<std::size_t>(at) - start));
      start = static_cast<std::size_t>(at);
    }
    previous_lower = u_islower(c) != 0;
  }
  parts.push_back(text.substr(start));
  return parts;
}

// Two capitals or more, and no fewer capitals than small letters: an
// abbreviation or a name as written ("ANTN", "TOEIC", "VARs"), meant as typed.
bool is_acronym(const std::string& text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const auto size = static_cast<int32_t>(text.size());
  int upper = 0, lower = 0;
  for (int32_t i = 0; i < size;) {
    UChar32 c;
    U8_NEXT(s, i, size, c);
    upper += u_isupper(c) ? 1 : 0;
    lower += u_islower(c) ? 1 : 0;
  }
  return upper >= 2 && upper >= lower;
}

Token make_token(const std::string& text, const std::string& space_before, bool syntax,
                 bool changed) {
  Token t;
  t.text = text;
  t.space_before = space_before;
  t.changed = changed;
  if (syntax) return t;
  std::string folded = fold_diacritics(text);
  if (!letters_only(folded)) return t;
  // Capitals inside a word mark where its syllables begin ("#HàNội"), or
  // where its words do ("#bịDortmund").
  std::vector<std::string> camel = camel_parts(text);
  if (camel.size() > 1) {
    if (std::all_of(camel.begin(), camel.end(),
                    [](auto& c) { return is_folded_syllable(fold_diacritics(c)); })) {
      t.camel = std::move(camel);
    } else if (std::all_of(camel.begin(), camel.end(),
                           [](auto& c) { return fold_diacritics(c).size() >= 2; })) {
      // Not a letter's slip of the shift key ("hTượng", "ầCn").
      t.words = std::move(camel);
    }
  }
  if (is_acronym(text)) return t;
  t.plain = true;
  t.folded = std::move(folded);
  return t;
}

// The query's pieces; quoted text, fields, +/- words and operators are not plain.
std::vector<Token> tokens(std::string_view q, bool typing) {
  std::vector<Token> out;
  // A date phrase ("trước năm 2000", "ngày 15 tháng 5") is read by the
  // query's date reader, as typed.
  std::size_t date_begin = q.size(), date_end = q.size();
  if (auto range = find_date_range(q)) {
    date_begin = range->begin;
    date_end = range->end;
  } else if (auto day = find_day_of_year(q)) {
    date_begin = day->begin;
    date_end = day->end;
  }
  // Phrases, fields, +/- words and operators, as the query's syntax reads them.
  const std::vector<SyntaxSpan> syntax_parts = syntax_spans(q);
  std::size_t i = 0;
  std::string space;
  while (i < q.size()) {
    if (is_space(q[i])) {
      space.push_back(q[i++]);
      continue;
    }
    std::size_t end = i;
    while (end < q.size() && !is_space(q[end])) ++end;
    const std::string word(q.substr(i, end - i));
    const bool in_date = end > date_begin && i < date_end;
    const bool syntax =
        in_date || std::any_of(syntax_parts.begin(), syntax_parts.end(),
                               [&](const SyntaxSpan& s) { return s.begin < end && i < s.end; });
    std::vector<std::string> parts{word};
    bool changed = false;
    if (!syntax) {
      std::string bare = word;
      while (!bare.empty() && bare[0] == '#') bare.erase(0, 1);  // a hashtag
      changed = bare != word;
      // A slug of three words or more ("gia-xang-tang"); "vô-lăng", "Covid-19" stay.
      std::vector<std::string> pieces;
      std::size_t from = 0;
      for (std::size_t k = 0; k <= bare.size(); ++k) {
        if (k == bare.size() || bare[k] == '-' || bare[k] == '_') {
          pieces.push_back(bare.substr(from, k - from));
          from = k + 1;
        }
      }
      const bool slug = pieces.size() >= 3 && std::none_of(pieces.begin(), pieces.end(),
                                                           [](auto& p) { return p.empty(); });
      if (slug) changed = true;
      parts = slug ? pieces : std::vector<std::string>{bare};
    }
    for (std::size_t k = 0; k < parts.size(); ++k) {
      if (!parts[k].empty())
        out.push_back(make_token(parts[k], k == 0 ? space : " ", syntax, changed));
    }
    space.clear();
    i = end;
  }
  if (!out.empty() && typing && space.empty()) out.back().last = true;
  if (!out.empty() && !space.empty()) {  // the spaces after the last word, as typed
    Token end;
    end.space_before = space;
    out.push_back(std::move(end));
  }
  return out;
}

// One way to read a typed word: as typed, split, or a syllable a
// keystroke mistake away.
struct Reading {
  std::vector<std::string> written;  // as served: marks kept where typed
  std::vector<std::string> folded;   // for the pair statistics
  double cost = 0;                   // the mistake it assumes, in nats
};

// The term whose count says how common a written syllable is alone: its
// exact form when it has marks ("Ehuyệt", not the folded "huyet" that
// "hết" swells), else its folded form.
std::string unigram_term(const std::string& written, const std::string& folded) {
  const std::string exact = canonical_syllable(written);
  return exact == folded ? std::string(prefix::kFolded) + folded
                         : std::string(prefix::kExact) + exact;
}

// log P(reading | the words before and after it), from the index's counts.
double likelihood(const Reading& r, const std::string& before, const std::string& after,
                  Statistics& stats) {
  const double n = std::max(1.0, stats.articles());
  auto next = [&](const std::string& prev, const std::string& term, const std::string& folded) {
    const double alone = (stats.holding(term) + 0.1) / n;
    const double held = prev.empty() ? 0 : stats.word(prev);
    if (held == 0) return std::log(alone);
    return std::log(kPairWeight * stats.pair(prev, folded) / held + (1 - kPairWeight) * alone);
  };
  double total = 0;
  std::string prev = before;
  for (std::size_t k = 0; k < r.folded.size(); ++k) {
    total += next(prev, unigram_term(r.written[k], r.folded[k]), r.folded[k]);
    prev = r.folded[k];
  }
  if (!after.empty()) total += next(prev, std::string(prefix::kFolded) + after, after);
  return total;
}

// How many articles attest a reading: the fewest holding one of its pairs
// (a split), or its pairs with the neighbours (one syllable).
double attestation(const Reading& r, const std::string& before, const std::string& after,
                   Statistics& stats) {
  if (r.folded.size() == 1) return stats.pair(before, r.folded[0]) + stats.pair(r.folded[0], after);
  double fewest = std::numeric_limits<double>::infinity();
  for (std::size_t k = 1; k < r.folded.size(); ++k)
    fewest = std::min(fewest, stats.pair(r.folded[k - 1], r.folded[k]));
  return fewest;
}

// `text` cut as its folded form `parts` is, so that the pieces keep the
// marks they were typed with ("lấychồng" → "lấy", "chồng"); `parts` when
// the letters do not line up (marks typed as combining characters).
std::vector<std::string> as_typed(const std::string& text, const std::vector<std::string>& parts) {
  std::vector<std::size_t> starts;  // the byte offset of each code point
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto size = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < size;) {
    starts.push_back(static_cast<std::size_t>(i));
    UChar32 c;
    U8_NEXT(bytes, i, size, c);
  }
  std::size_t letters = 0;
  for (const std::string& p : parts) letters += p.size();
  if (letters != starts.size()) return parts;
  starts.push_back(text.size());
  std::vector<std::string> out;
  std::size_t at = 0;
  for (const std::string& p : parts) {
    out.push_back(text.substr(starts[at], starts[at + p.size()] - starts[at]));
    at += p.size();
  }
  return out;
}

// Syllables run together with a word that is no syllable but a word of
// the index, before or after them ("nhiemhiv": nhiem hiv; "bidortmund":
// bi dortmund): a hashtag glues names and acronyms to the words around
// them. Every part held by the index.
std::vector<std::vector<std::string>> name_splits(const std::string& folded, Statistics& stats) {
  std::vector<std::vector<std::string>> out;
  auto syllables = [&](const std::string& text) {
    std::vector<std::vector<std::string>> readings;
    if (is_folded_syllable(text)) readings.push_back({text});
    for (auto& parts : syllable_splits(text, kMaxParts - 1)) readings.push_back(std::move(parts));
    std::vector<std::vector<std::string>> held;
    for (auto& parts : readings)
      if (std::none_of(parts.begin(), parts.end(), [&](auto& p) { return stats.word(p) == 0; }))
        held.push_back(std::move(parts));
    return held;
  };
  for (std::size_t cut = 1; cut + 1 < folded.size(); ++cut) {
    const std::string left = folded.substr(0, cut), right = folded.substr(cut);
    for (const auto& [name, rest, name_first] :
         {std::tuple{right, left, false}, std::tuple{left, right, true}}) {
      if (name.size() < 3 || is_folded_syllable(name) || stats.word(name) == 0) continue;
      for (std::vector<std::string>& parts : syllables(rest)) {
        if (name_first) {
          parts.insert(parts.begin(), name);
        } else {
          parts.push_back(name);
        }
        out.push_back(std::move(parts));
      }
    }
  }
  return out;
}

// The readings a typed word may stand for besides itself. A word the index
// holds is read at most one keystroke mistake away: two from a common
// word, it is a name or an abbreviation more often than a typo ("antn",
// "hphk" in a university's regulations).
std::vector<Reading> readings(const Token& t, const std::string& before, const std::string& after,
                              Statistics& stats) {
  std::vector<Reading> out;
  if (!t.camel.empty()) {  // capitals say where its syllables begin
    Reading r{t.camel, {}, kMissingSpaceCost * static_cast<double>(t.camel.size() - 1)};
    for (const std::string& c : t.camel) r.folded.push_back(fold_diacritics(c));
    out.push_back(std::move(r));
  } else if (t.folded.size() >= 4 && !is_folded_syllable(t.folded)) {
    for (std::vector<std::string>& parts : syllable_splits(t.folded, kMaxParts)) {
      if (std::any_of(parts.begin(), parts.end(), [&](auto& p) { return stats.word(p) == 0; }))
        continue;
      const double cost = kMissingSpaceCost * static_cast<double>(parts.size() - 1);
      out.push_back({as_typed(t.text, parts), parts, cost});
    }
    // No reading as syllables alone: syllables and a name or an acronym
    // (measured: docs/ranking.md#typos-and-words-run-together).
    if (out.empty()) {
      for (std::vector<std::string>& parts : name_splits(t.folded, stats)) {
        const double cost = kMissingSpaceCost * static_cast<double>(parts.size() - 1);
        out.push_back({as_typed(t.text, parts), parts, cost});
      }
    }
  }
  const int most_edits = stats.word(t.folded) > 0 ? 1 : 2;
  // Typed with marks, the marks stay: "hyệt" may be "huyệt", not "hết".
  const std::string lower = canonical_syllable(t.text);
  const bool marked = lower != t.folded;
  for (int edits = 1; edits <= most_edits; ++edits) {
    if (edits == 2 && (t.folded.size() < 4 || !out.empty())) break;
    for (SpellingCandidate& c : syllables_near(marked ? lower : t.folded, edits)) {
      std::string folded = marked ? fold_diacritics(c.syllable) : c.syllable;
      if (stats.holding(unigram_term(c.syllable, folded)) == 0) continue;
      // Two mistakes in one syllable are believed only in a pair the index knows.
      if (edits == 2 && stats.pair(before, folded) + stats.pair(folded, after) == 0) continue;
      out.push_back({{c.syllable}, {std::move(folded)}, kEditCost * c.cost});
    }
  }
  return out;
}

// What the readings of one query may still cost.
struct ReadingBudget {
  std::chrono::steady_clock::time_point deadline;
  int words = kMaxReadWords;
  bool exhausted = false;
  bool spend() {
    if (words == 0 || std::chrono::steady_clock::now() > deadline) exhausted = true;
    if (exhausted) return false;
    --words;
    return true;
  }
};

// The likeliest reading of a typed word between the folded words before and
// after it (either may be empty); nullopt when none is likelier than the
// word as typed, or the budget is spent.
std::optional<Reading> best_reading(const Token& t, const std::string& before,
                                    const std::string& after, Statistics& stats,
                                    ReadingBudget& budget) {
  const double held = stats.word(t.folded);
  // A common word no article holds beside its neighbours: perhaps another
  // word mistyped into it ("than pho" for "thanh pho": a real-word mistake).
  bool out_of_context = false;
  double typed_pairs = 0;  // articles holding the word beside its neighbours
  if (held > 0) {
    const double share = is_folded_syllable(t.folded) ? kRareSyllableShare : kRareRunShare;
    if (held > std::max(kFewest, share * stats.articles())) {
      // Only between words whose pairs are indexed: a function word's would
      // be counted on positions, too slow to ask of every common word.
      auto plain = [](const std::string& w) { return w.empty() || !may_be_stopword(w); };
      if ((before.empty() && after.empty()) || !plain(t.folded) || !plain(before) ||
          !plain(after) || !is_folded_syllable(t.folded))
        return std::nullopt;
      out_of_context = true;
    }
    typed_pairs = stats.pair(before, t.folded) + stats.pair(t.folded, after);
    if (typed_pairs >= kHeldBeside) return std::nullopt;
  }
  if (t.folded.size() < 2 || (before.empty() && after.empty() && t.folded.size() < 3))
    return std::nullopt;
  if (!budget.spend()) return std::nullopt;
  // The word as typed is no contender: absent, it finds nothing; rare, it
  // still matches beside the reading (QueryCorrection::typed_forms).
  double best_score = -std::numeric_limits<double>::infinity();
  std::optional<Reading> best;
  for (Reading& r : readings(t, before, after, stats)) {
    const double score = likelihood(r, before, after, stats) - r.cost;
    if (score > best_score) {
      best_score = score;
      best = std::move(r);
    }
  }
  if (!best) return std::nullopt;
  if (out_of_context || typed_pairs > 0) {
    // Believed only as one syllable held beside every neighbour, well
    // attested (and far better than the word as typed), and likelier than
    // the word as typed.
    const Reading typed{{t.text}, {t.folded}, 0};
    if (best->folded.size() != 1 || best_score <= likelihood(typed, before, after, stats) ||
        (!before.empty() && stats.pair(before, best->folded[0]) == 0) ||
        (!after.empty() && stats.pair(best->folded[0], after) == 0) ||
        attestation(*best, before, after, stats) <
            std::max({kFewest, kHeldSplitShare * stats.articles(), kBesideOver * typed_pairs}))
      return std::nullopt;
    return best;
  }
  const double attested = attestation(*best, before, after, stats);
  // A split is believed only where the index holds each of its pairs.
  if (best->folded.size() > 1 && attested == 0) return std::nullopt;
  if (held > 0 && attested < std::max(kHeldOver * held, kHeldSplitShare * stats.articles()))
    return std::nullopt;
  return best;
}

}  // namespace

std::optional<QueryCorrection> correct_query(std::string_view q, const Xapian::Database& db,
                                             bool typing,
                                             std::chrono::steady_clock::time_point deadline) {
  std::vector<Token> pieces = tokens(q, typing);
  if (std::none_of(pieces.begin(), pieces.end(),
                   [](auto& t) { return t.plain || t.changed || !t.words.empty(); }))
    return std::nullopt;
  Statistics stats(db);
  // A word whose capitals cut it into words the index holds apart and not
  // whole is those words ("choCSGT": "cho CSGT").
  std::vector<Token> expanded;
  for (Token& t : pieces) {
    if (t.words.empty() || stats.word(fold_diacritics(t.text)) > 0) {
      expanded.push_back(std::move(t));
      continue;
    }
    for (std::size_t k = 0; k < t.words.size(); ++k) {
      Token part = make_token(t.words[k], k == 0 ? t.space_before : " ", false, true);
      part.last = t.last && k + 1 == t.words.size();
      expanded.push_back(std::move(part));
    }
  }
  pieces = std::move(expanded);
  ReadingBudget budget{std::min(deadline, std::chrono::steady_clock::now() + kMaxReadTime)};
  QueryCorrection out;
  bool changed = false;
  std::string before;  // the folded word before, as read
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    Token& t = pieces[k];
    changed = changed || t.changed;
    std::string reading;
    // A last word still being typed is left alone while a word begins with
    // it, unless it is already a word of 5 letters or more that is no
    // syllable ("hanoi" is typed; "qu", "toy", "vale" may go on).
    const bool unfinished =
        t.plain && t.last && stats.begins_a_word(t.folded) &&
        (is_folded_syllable(t.folded) || stats.word(t.folded) == 0 || t.folded.size() < 5);
    if (t.plain && !unfinished) {
      const std::string after = k + 1 < pieces.size() ? pieces[k + 1].folded : "";
      if (std::optional<Reading> r = best_reading(t, before, after, stats, budget)) {
        for (std::size_t w = 0; w < r->written.size(); ++w) {
          reading += (reading.empty() ? "" : " ") + r->written[w];
          if (canonical_syllable(r->written[w]) == r->folded[w])
            out.unmarked.push_back(r->folded[w]);
        }
        if (stats.word(t.folded) > 0) out.typed_forms.push_back(t.folded);
        before = r->folded.back();
      } else {
        before = t.folded;
      }
    } else {
      before = t.folded;
    }
    out.served += t.space_before + (reading.empty() ? t.text : reading);
    changed = changed || !reading.empty();
  }
  out.gave_up = budget.exhausted;
  if (!changed && !out.gave_up) return std::nullopt;
  if (!changed) out.served = std::string(q);
  return out;
}

}  // namespace tracuu::internal
