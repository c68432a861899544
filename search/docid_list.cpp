#include "docid_list.h"

#include <algorithm>

namespace tracuu::internal {

DocidList::DocidList(std::vector<Xapian::docid> ascending)
    : ids_(std::make_shared<const std::vector<Xapian::docid>>(std::move(ascending))) {}
DocidList::DocidList(std::shared_ptr<const std::vector<Xapian::docid>> ascending)
    : ids_(std::move(ascending)) {}

void DocidList::next(double) {
  if (started_) {
    ++at_;
  } else {
    started_ = true;
  }
}

void DocidList::skip_to(Xapian::docid did, double) {
  started_ = true;
  at_ = static_cast<std::size_t>(
      std::lower_bound(ids_->begin() + static_cast<std::ptrdiff_t>(at_), ids_->end(), did) -
      ids_->begin());
}

}  // namespace tracuu::internal
