#include "story_count.h"

#include <functional>
#include <string>

namespace tracuu::internal {

void StoryCounter::operator()(const Xapian::Document& doc, double) {
  ++articles_;
  const std::string key = doc.get_value(slot_);
  if (key.empty()) {
    ++unkeyed_;
  } else {
    keys_.insert(std::hash<std::string>{}(key));
  }
}

StoryTally tally_of(const Xapian::ValueCountMatchSpy& keys) {
  std::size_t keyed = 0, distinct = 0;
  for (auto v = keys.values_begin(); v != keys.values_end(); ++v, ++distinct)
    keyed += v.get_termfreq();
  const auto seen = static_cast<Xapian::doccount>(keys.get_total());
  return {seen, distinct + (seen - keyed)};
}

}  // namespace tracuu::internal
