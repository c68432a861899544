// Internal to search/: the positional check of NEARs between phrases
// (NearCheck, query.h), as a Xapian::MatchDecider.
#pragma once

#include <xapian.h>

#include <vector>

#include "query.h"

namespace tracuu::internal {

// Accepts a document when, for every check, one occurrence of each operand
// (its terms at consecutive positions) lies within the check's window.
// Reads positions through the document: local databases only (over remote
// shards the query's own approximation stands; docs/api.md).
class NearDecider : public Xapian::MatchDecider {
 public:
  explicit NearDecider(std::vector<NearCheck> checks) : checks_(std::move(checks)) {}
  bool operator()(const Xapian::Document& doc) const override;

 private:
  std::vector<NearCheck> checks_;
};

// Whether occurrences of every operand fit in `window` positions, given
// each operand's start positions and lengths (exposed for tests).
bool fits_window(const std::vector<std::vector<Xapian::termpos>>& starts,
                 const std::vector<Xapian::termcount>& lengths, Xapian::termcount window);

}  // namespace tracuu::internal
