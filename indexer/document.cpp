// build_document: one article → one Xapian document (terms, values, data).
#include <optional>

#include "indexer.h"

namespace tracuu {
namespace {

// Within-document weight of each field's words in the shared term spaces.
// Title words also get their own term spaces (S, SE, SB) which the ranker
// weights separately; see docs/ranking.md.
constexpr Xapian::termcount kTitleWdf = 3;
constexpr Xapian::termcount kLeadWdf = 2;
constexpr Xapian::termcount kBodyWdf = 1;

void add_whole_term(Xapian::Document& doc, std::string_view prefix, std::string_view text) {
  std::string folded = fold_diacritics(text);
  if (folded.empty() || folded.size() > kMaxIdBytes) return;  // not a term anyone types
  doc.add_boolean_term(std::string(prefix) + folded);
}

}  // namespace

Xapian::Document build_document(const Article& a, Analyzer& analyzer) {
  Xapian::Document doc;
  Xapian::termpos pos = 1;
  index_field(analyzer.analyze(a.title), {true, kTitleWdf}, doc, &pos);
  const Analysis lead = analyzer.analyze(a.lead);
  index_field(lead, {false, kLeadWdf}, doc, &pos);
  const Analysis body = analyzer.analyze(a.body);
  index_field(body, {false, kBodyWdf}, doc, &pos);
  // The number the document gives itself in its header, if it has one.
  std::optional<std::string> number = own_document_number(a.lead, lead);
  if (!number) number = own_document_number(a.body, body);
  if (number) doc.add_term(std::string(prefix::kOwnNumber) + *number);
  index_field(analyzer.analyze(a.caption), {false, kBodyWdf}, doc, &pos);
  for (const std::string& tag : a.tags) {
    index_field(analyzer.analyze(tag), {false, kBodyWdf}, doc, &pos);
    add_whole_term(doc, prefix::kTag, tag);
  }
  for (const Syllable& s : analyzer.analyze(a.author).syllables) {
    doc.add_term(std::string(prefix::kAuthor) + s.folded);
  }
  add_whole_term(doc, prefix::kCategory, a.category);
  doc.add_boolean_term(std::string(prefix::kId) + a.id);

  doc.add_value(slot::kPublished, published_value(a.published));
  doc.add_value(slot::kYear, a.published.substr(0, 4));
  doc.add_value(slot::kCategory, a.category);
  doc.add_value(slot::kContentHash, content_hash(a));
  doc.add_value(slot::kDuplicateKey, duplicate_key(a));
  doc.add_value(slot::kId, a.id);
  doc.set_data(stored_data(a));
  return doc;
}

}  // namespace tracuu
