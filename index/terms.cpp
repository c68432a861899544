// index_field: an Analysis becomes Xapian terms, per the schema in schema.h.
//
// Positions are kept only where phrase search needs them: the folded
// syllables (every field) and the folded title syllables. Exact, variant and
// bigram terms carry within-document frequency only; they serve ranking and
// strict-accent filtering, which never need positions. That keeps the
// position table (the largest in a Xapian index) the size of a stock index's.
#include <string>

#include "schema.h"

namespace tracuu {
namespace {

// Gap between fields so a phrase never matches across title and lead.
constexpr Xapian::termpos kFieldGap = 100;
// Weighted bigram terms (B) are made from a field's first 100 syllables: a
// news article names its story in its title, lead and opening, and a long
// body's tail would add a bigram for almost every syllable, crowding the
// story's own out of "Tin khác" (docs/indexing.md, measured in
// docs/benchmarks.md). Past them, pairs (P) carry no weight: they say where
// words stand side by side, for the queries that ask (a name, a passage).
constexpr std::size_t kBigramReach = 100;
// Xapian's hard limit is 245 bytes per term; stay well below with the prefix.
constexpr std::size_t kMaxTermBytes = 200;

std::string join(std::string_view prefix, std::string_view term) {
  std::string t;
  t.reserve(prefix.size() + term.size());
  t.append(prefix);
  t.append(term);
  return t;
}

void add_term(Xapian::Document& doc, std::string_view prefix, std::string_view term,
              Xapian::termcount wdf) {
  if (term.empty() || term.size() > kMaxTermBytes) return;
  doc.add_term(join(prefix, term), wdf);
}

void add_posting(Xapian::Document& doc, std::string_view prefix, std::string_view term,
                 Xapian::termpos pos, Xapian::termcount wdf) {
  if (term.empty() || term.size() > kMaxTermBytes) return;
  doc.add_posting(join(prefix, term), pos, wdf);
}

}  // namespace

void index_field(const Analysis& a, const FieldSpec& spec, Xapian::Document& doc,
                 Xapian::termpos* position) {
  const Xapian::termpos base = *position;
  const Xapian::termcount wdf = spec.wdf;
  for (std::size_t i = 0; i < a.syllables.size(); ++i) {
    const Syllable& s = a.syllables[i];
    const Xapian::termpos pos = base + static_cast<Xapian::termpos>(i);
    add_posting(doc, prefix::kFolded, s.folded, pos, wdf);
    // A syllable without letters ("2020") has no accents: its exact term would repeat the folded
    // one.
    const bool letters = has_letter(s.folded);
    if (letters) add_term(doc, prefix::kExact, s.exact, wdf);
    add_term(doc, prefix::kVariant, s.variant, wdf);
    if (spec.title) {
      add_posting(doc, prefix::kTitle, s.folded, pos, wdf);
      if (letters) add_term(doc, prefix::kTitleExact, s.exact, wdf);
    }
    if (i > 0 && forms_pair(a.syllables[i - 1], s)) {
      std::string bigram = bigram_text(a.syllables[i - 1].folded, s.folded);
      if (i < kBigramReach && forms_bigram(a.syllables[i - 1], s)) {
        add_term(doc, prefix::kBigram, bigram, wdf);
        if (spec.title) add_term(doc, prefix::kTitleBigram, bigram, wdf);
      } else {
        // Past the reach, or across punctuation, the pair is only a fact
        // ("these words stand side by side here", as a phrase sees them):
        // wdf 0, so it changes neither the document's length nor any weight.
        add_term(doc, prefix::kPair, bigram, 0);
      }
    }
  }
  for (const Compound& c : a.compounds) {
    const Xapian::termpos pos = base + static_cast<Xapian::termpos>(c.first);
    add_posting(doc, prefix::kFolded, c.folded, pos, wdf);
    add_term(doc, prefix::kExact, c.exact, wdf);
    if (spec.title) add_posting(doc, prefix::kTitle, c.folded, pos, wdf);
  }
  for (const auto* matches : {&a.abbreviations, &a.nested_abbreviations}) {
    for (const AbbreviationMatch& m : *matches) {
      // A one-syllable abbreviation written as its key ("UBND") already has its term.
      if (m.count == 1 && a.syllables[m.first].folded == m.key) continue;
      const Xapian::termpos pos = base + static_cast<Xapian::termpos>(m.first);
      add_posting(doc, prefix::kFolded, m.key, pos, wdf);
      add_term(doc, prefix::kExact, m.key, wdf);
      if (spec.title) add_posting(doc, prefix::kTitle, m.key, pos, wdf);
    }
  }
  *position = base + static_cast<Xapian::termpos>(a.syllables.size()) + kFieldGap;
}

}  // namespace tracuu
