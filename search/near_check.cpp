// NearDecider: each operand's occurrences from the document's positions,
// then the tightest placement of all operands.
#include "near_check.h"

#include <algorithm>

namespace tracuu::internal {
namespace {

std::vector<Xapian::termpos> positions_of(const Xapian::Document& doc, const std::string& term) {
  std::vector<Xapian::termpos> out;
  Xapian::TermIterator t = doc.termlist_begin();
  t.skip_to(term);
  if (t == doc.termlist_end() || *t != term) return out;
  for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) out.push_back(*p);
  return out;
}

// Where the operand's terms stand at consecutive positions: its starts.
std::vector<Xapian::termpos> starts_of(const Xapian::Document& doc,
                                       const std::vector<std::string>& terms) {
  std::vector<Xapian::termpos> starts = positions_of(doc, terms.front());
  for (std::size_t j = 1; j < terms.size() && !starts.empty(); ++j) {
    const std::vector<Xapian::termpos> next = positions_of(doc, terms[j]);
    std::vector<Xapian::termpos> kept;
    for (Xapian::termpos s : starts)
      if (std::binary_search(next.begin(), next.end(), s + static_cast<Xapian::termpos>(j)))
        kept.push_back(s);
    starts = std::move(kept);
  }
  return starts;
}

}  // namespace

bool fits_window(const std::vector<std::vector<Xapian::termpos>>& starts,
                 const std::vector<Xapian::termcount>& lengths, Xapian::termcount window) {
  // Each occurrence in turn as the leftmost: every other operand's first
  // occurrence from there on ends soonest (its length is fixed).
  for (std::size_t i = 0; i < starts.size(); ++i) {
    for (Xapian::termpos left : starts[i]) {
      Xapian::termpos end = left + lengths[i];
      bool all = true;
      for (std::size_t j = 0; j < starts.size() && all; ++j) {
        if (j == i) continue;
        auto s = std::lower_bound(starts[j].begin(), starts[j].end(), left);
        if (s == starts[j].end()) {
          all = false;
        } else {
          end = std::max(end, *s + lengths[j]);
        }
      }
      if (all && end - left <= window) return true;
    }
  }
  return false;
}

bool NearDecider::operator()(const Xapian::Document& doc) const {
  for (const NearCheck& check : checks_) {
    std::vector<std::vector<Xapian::termpos>> starts;
    std::vector<Xapian::termcount> lengths;
    for (const auto& operand : check.operands) {
      starts.push_back(starts_of(doc, operand));
      if (starts.back().empty()) return false;
      lengths.push_back(static_cast<Xapian::termcount>(operand.size()));
    }
    if (!fits_window(starts, lengths, check.window)) return false;
  }
  return true;
}

}  // namespace tracuu::internal
