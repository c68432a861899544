// A query's time budget as a Xapian filter (search/budget.h).
#include "budget.h"

#include <doctest/doctest.h>

using tracuu::QueryBudget;
using tracuu::internal::BudgetState;
using tracuu::internal::within_budget;
using Clock = std::chrono::steady_clock;

namespace {

Xapian::Database documents(int n) {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (int i = 0; i < n; ++i) {
    Xapian::Document doc;
    doc.add_term("word");
    doc.add_term(i % 2 ? "odd" : "even");
    db.add_document(doc);
  }
  return db;
}

Xapian::MSet run(const Xapian::Database& db, const Xapian::Query& q) {
  Xapian::Enquire enquire(db);
  enquire.set_query(q);
  return enquire.get_mset(0, 10, db.get_doccount());
}

}  // namespace

TEST_CASE("a query within its budget matches and counts exactly as without one") {
  Xapian::Database db = documents(5000);
  QueryBudget budget;
  budget.deadline = Clock::now() + std::chrono::hours(1);
  auto state = std::make_shared<BudgetState>(budget);
  Xapian::MSet limited = run(db, within_budget(Xapian::Query("odd"), state, true));
  Xapian::MSet plain = run(db, Xapian::Query("odd"));
  CHECK_FALSE(state->expired);
  CHECK(limited.get_matches_estimated() == 2500);
  CHECK(limited.get_matches_lower_bound() == plain.get_matches_lower_bound());
  CHECK(limited.get_matches_upper_bound() == plain.get_matches_upper_bound());
  CHECK(*limited.begin() == *plain.begin());
}

TEST_CASE("a query past its deadline stops matching and says so") {
  Xapian::Database db = documents(5000);
  QueryBudget budget;
  budget.deadline = Clock::now() - std::chrono::seconds(1);
  auto state = std::make_shared<BudgetState>(budget);
  Xapian::MSet mset = run(db, within_budget(Xapian::Query("word"), state, true));
  CHECK(state->expired);
  CHECK(mset.get_matches_lower_bound() < 5000);
}

TEST_CASE("a query whose client has left stops matching") {
  Xapian::Database db = documents(50000);
  QueryBudget budget;
  int polls = 0;
  budget.client_gone = [&] {
    ++polls;
    return true;
  };
  auto state = std::make_shared<BudgetState>(budget);
  Xapian::MSet mset = run(db, within_budget(Xapian::Query("word"), state, true));
  CHECK(state->expired);
  CHECK(polls == 1);  // polled at most every few ms, not per document
  CHECK(mset.get_matches_lower_bound() < 50000);
}

TEST_CASE("no budget, or a remote shard: the query is left as it is") {
  Xapian::Query q("word");
  auto unlimited = std::make_shared<BudgetState>(QueryBudget{});
  CHECK(within_budget(q, unlimited, true).get_description() == q.get_description());
  QueryBudget timed;
  timed.deadline = Clock::now();
  CHECK(within_budget(q, std::make_shared<BudgetState>(timed), false).get_description() ==
        q.get_description());
}
