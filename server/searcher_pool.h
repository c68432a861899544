// Internal to server/: one Searcher (so one Xapian::Database) per concurrent
// request, never shared. Thread-safe: any worker thread may acquire().
#pragma once

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "search.h"

namespace tracuu {

class SearcherPool {
 public:
  SearcherPool(std::vector<ShardSpec> shards, ShardOptions options, std::size_t size)
      : shards_(std::move(shards)), options_(options), capacity_(size) {
    // Fails fast if no shard of the index can be opened.
    free_.push_back(std::make_unique<Searcher>(shards_, options_));
    created_ = 1;
  }

  // A Searcher for the duration of one request (or one streamed response);
  // returned to the pool on destruction, unless the request ended by an
  // exception or discard() was called: Xapian's cursors are not to be
  // trusted after a read error (on a corrupt table they keep pointers to
  // freed blocks), so the next request opens the database afresh.
  class Lease {
   public:
    Lease(SearcherPool& pool, std::unique_ptr<Searcher> s)
        : pool_(&pool), searcher_(std::move(s)), exceptions_(std::uncaught_exceptions()) {}
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)),
          searcher_(std::move(other.searcher_)),
          exceptions_(other.exceptions_),
          drop_(other.drop_) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (!pool_) return;  // moved from
      if (drop_ || std::uncaught_exceptions() > exceptions_) searcher_.reset();
      pool_->give_back(std::move(searcher_));
    }
    Searcher& operator*() { return *searcher_; }
    Searcher* operator->() { return searcher_.get(); }
    // Not returned to the pool: the Searcher is closed with the lease.
    void discard() { drop_ = true; }

   private:
    SearcherPool* pool_;
    std::unique_ptr<Searcher> searcher_;
    int exceptions_;
    bool drop_ = false;
  };

  // Blocks while every Searcher is in use; refreshes the one it hands out.
  Lease acquire() {
    std::unique_ptr<Searcher> s;
    {
      std::unique_lock lock(mu_);
      available_.wait(lock, [&] { return !free_.empty() || created_ < capacity_; });
      if (!free_.empty()) {
        s = std::move(free_.back());
        free_.pop_back();
      } else {
        ++created_;
      }
    }
    if (!s) {
      try {
        s = std::make_unique<Searcher>(shards_, options_);
      } catch (...) {
        std::lock_guard lock(mu_);
        --created_;
        available_.notify_one();
        throw;
      }
    }
    try {
      s->refresh();
    } catch (...) {
      give_back(nullptr);
      throw;
    }
    return Lease(*this, std::move(s));
  }

 private:
  void give_back(std::unique_ptr<Searcher> s) {
    std::lock_guard lock(mu_);
    if (s) {
      free_.push_back(std::move(s));
    } else {
      --created_;
    }
    available_.notify_one();
  }

  std::vector<ShardSpec> shards_;
  ShardOptions options_;
  std::size_t capacity_;
  std::size_t created_ = 0;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Searcher>> free_;
};

}  // namespace tracuu
