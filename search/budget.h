// Internal to search/: a query's time budget as a Xapian filter.
#pragma once

#include <xapian.h>

#include <chrono>
#include <memory>

#include "search.h"

namespace tracuu::internal {

// What a budget filter found out: whether it ran out while matching.
struct BudgetState {
  explicit BudgetState(QueryBudget b) : budget(std::move(b)) {}
  QueryBudget budget;
  bool expired = false;
  std::chrono::steady_clock::time_point next_poll{};
};

// A boolean filter that matches every document until the budget runs out
// (the deadline passes, or the client is gone), then ends: ANDed with a
// query, it ends Xapian's match there, and the MSet holds the best matches
// found so far. Xapian 1.4 has no other way to stop a match
// (Enquire::set_time_limit only stops counting past check_at_least): a
// chain of phrases of common words (`"của và" OR "và là" ...`) otherwise
// takes a second and holds a worker.
//
// It claims to match every document (termfreq min = max = doccount) so
// Xapian's estimates and bounds are those of the query alone: a query that
// ran to its end reports the same totals with or without it. Local
// databases only: a remote shard (xapian-tcpsrv) cannot run our class.
class BudgetFilter : public Xapian::PostingSource {
 public:
  explicit BudgetFilter(std::shared_ptr<BudgetState> state) : state_(std::move(state)) {}

  void init(const Xapian::Database& db) override;
  Xapian::doccount get_termfreq_min() const override { return docs_; }
  Xapian::doccount get_termfreq_est() const override { return docs_; }
  Xapian::doccount get_termfreq_max() const override { return docs_; }
  void next(double) override;
  void skip_to(Xapian::docid did, double) override;
  bool at_end() const override { return ended_; }
  Xapian::docid get_docid() const override { return did_; }
  Xapian::PostingSource* clone() const override { return new BudgetFilter(state_); }
  std::string name() const override { return "tracuu.BudgetFilter"; }

 private:
  void position(Xapian::docid did);
  std::shared_ptr<BudgetState> state_;
  Xapian::docid did_ = 0, last_ = 0;
  Xapian::doccount docs_ = 0;
  unsigned calls_ = 0;
  bool ended_ = false;
};

// `query` limited by `state`'s budget; `query` itself when there is no
// budget or `local_only` is false (a remote shard is searched).
Xapian::Query within_budget(const Xapian::Query& query, const std::shared_ptr<BudgetState>& state,
                            bool local_only);

}  // namespace tracuu::internal
