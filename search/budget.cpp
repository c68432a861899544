// BudgetFilter: ends a Xapian match when the request's time is up.
#include "budget.h"

namespace tracuu::internal {
namespace {
using Clock = std::chrono::steady_clock;
// Checking the clock costs ~20 ns, a poll() of the client's socket ~1 µs:
// the clock every 16 candidates, the client every 10 ms.
constexpr unsigned kClockEvery = 16;
constexpr auto kPollEvery = std::chrono::milliseconds(10);
}  // namespace

void BudgetFilter::init(const Xapian::Database& db) {
  last_ = db.get_lastdocid();
  docs_ = db.get_doccount();
  did_ = 0;
  calls_ = 0;
  ended_ = state_->expired;
  set_maxweight(0);
}

void BudgetFilter::position(Xapian::docid did) {
  did_ = did;
  if (did_ > last_ || did_ == 0) {  // 0: the docid space wrapped
    ended_ = true;
    return;
  }
  if (++calls_ % kClockEvery != 0) return;
  BudgetState& s = *state_;
  const auto now = Clock::now();
  if (now >= s.budget.deadline) {
    s.expired = true;
  } else if (s.budget.client_gone && now >= s.next_poll) {
    s.next_poll = now + kPollEvery;
    if (s.budget.client_gone()) s.expired = true;
  }
  if (s.expired) ended_ = true;
}

void BudgetFilter::next(double) {
  position(did_ + 1);
}

void BudgetFilter::skip_to(Xapian::docid did, double) {
  if (did > did_) position(did);
}

Xapian::Query within_budget(const Xapian::Query& query, const std::shared_ptr<BudgetState>& state,
                            bool local_only) {
  if (!local_only || !state || !state->budget.limited()) return query;
  return Xapian::Query(Xapian::Query::OP_FILTER, query,
                       Xapian::Query((new BudgetFilter(state))->release()));
}

}  // namespace tracuu::internal
