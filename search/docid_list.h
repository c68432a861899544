// Internal to search/: a fixed set of articles as a Xapian filter.
#pragma once

#include <xapian.h>

#include <memory>
#include <vector>

namespace tracuu::internal {

// Matches exactly the given documents (ascending docids of one local
// database), with no weight: FILTER-ed with a query, Xapian walks these
// few and checks the query in each, instead of walking the query's matches.
// Not serialisable: local single databases only.
// Xapian clones it for every match: the clones share the list.
class DocidList : public Xapian::PostingSource {
 public:
  explicit DocidList(std::vector<Xapian::docid> ascending);
  explicit DocidList(std::shared_ptr<const std::vector<Xapian::docid>> ascending);

  void init(const Xapian::Database&) override { started_ = false, at_ = 0; }
  Xapian::doccount get_termfreq_min() const override { return count(); }
  Xapian::doccount get_termfreq_est() const override { return count(); }
  Xapian::doccount get_termfreq_max() const override { return count(); }
  void next(double) override;
  void skip_to(Xapian::docid did, double) override;
  bool at_end() const override { return started_ && at_ >= ids_->size(); }
  Xapian::docid get_docid() const override { return (*ids_)[at_]; }
  DocidList* clone() const override { return new DocidList(ids_); }

 private:
  Xapian::doccount count() const { return static_cast<Xapian::doccount>(ids_->size()); }
  std::shared_ptr<const std::vector<Xapian::docid>> ids_;
  std::size_t at_ = 0;
  bool started_ = false;
};

}  // namespace tracuu::internal
