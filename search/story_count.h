// Internal to search/: how many articles a match saw, and how many stories
// (distinct duplicate keys) they are.
#pragma once

#include <xapian.h>

#include <cstddef>
#include <cstdint>
#include <unordered_set>

namespace tracuu::internal {

struct StoryTally {
  Xapian::doccount articles = 0;
  std::size_t stories = 0;  // an article without a key is a story of its own
};

// Counts the stories of the articles a match sees, in a set of the keys'
// hashes. Xapian's ValueCountMatchSpy keeps every key string with its count
// in a std::map: on the search box's default path (copies grouped) that
// bookkeeping cost more than the grouping itself (docs/benchmarks.md,
// Serving). Not serialisable: local databases only.
class StoryCounter : public Xapian::MatchSpy {
 public:
  explicit StoryCounter(Xapian::valueno slot) : slot_(slot) {}
  void operator()(const Xapian::Document& doc, double) override;
  StoryTally tally() const { return {articles_, keys_.size() + unkeyed_}; }

 private:
  Xapian::valueno slot_;
  Xapian::doccount articles_ = 0;
  std::size_t unkeyed_ = 0;
  std::unordered_set<std::uint64_t> keys_;
};

// The same counts from a ValueCountMatchSpy on the key (remote shards).
StoryTally tally_of(const Xapian::ValueCountMatchSpy& keys);

}  // namespace tracuu::internal
