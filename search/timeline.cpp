// Timeline: exact counts of a query's matches per day, week, month or year.
//
// One counting pass (no weights) with a ValueCountMatchSpy on the published
// day; the days are then folded into bins. The index's own counts per day
// ("all") are counted once per database version.
#include <algorithm>
#include <cstdio>
#include <tuple>

#include "search_internal.h"

namespace tracuu {

std::optional<TimeBin> time_bin(std::string_view name) {
  if (name == "day") return TimeBin::kDay;
  if (name == "week") return TimeBin::kWeek;
  if (name == "month") return TimeBin::kMonth;
  if (name == "year") return TimeBin::kYear;
  return std::nullopt;
}

std::string_view time_bin_name(TimeBin bin) {
  switch (bin) {
    case TimeBin::kDay:
      return "day";
    case TimeBin::kWeek:
      return "week";
    case TimeBin::kMonth:
      return "month";
    case TimeBin::kYear:
      return "year";
  }
  return "month";
}

namespace internal {
namespace {

// At most this many bins in one answer: a century of days.
constexpr std::size_t kMaxBins = 36600;

std::optional<Date> date_of_value(const std::string& v) {  // "YYYYMMDD"
  if (v.size() != 8) return std::nullopt;
  Date d;
  if (std::sscanf(v.c_str(), "%4d%2d%2d", &d.year, &d.month, &d.day) != 3) return std::nullopt;
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31) return std::nullopt;
  return d;
}

// The first day of the bin holding `d`.
Date bin_start(const Date& d, TimeBin bin) {
  switch (bin) {
    case TimeBin::kDay:
      return d;
    case TimeBin::kWeek: {
      const long days = days_from_civil(d.year, d.month, d.day);
      const long monday = days - ((days + 3) % 7 + 7) % 7;  // 1970-01-01 was a Thursday
      return civil_from_days(monday);
    }
    case TimeBin::kMonth:
      return {d.year, d.month, 1};
    case TimeBin::kYear:
      return {d.year, 1, 1};
  }
  return d;
}

Date next_bin(const Date& start, TimeBin bin) {
  switch (bin) {
    case TimeBin::kDay:
      return civil_from_days(days_from_civil(start.year, start.month, start.day) + 1);
    case TimeBin::kWeek:
      return civil_from_days(days_from_civil(start.year, start.month, start.day) + 7);
    case TimeBin::kMonth:
      return start.month == 12 ? Date{start.year + 1, 1, 1} : Date{start.year, start.month + 1, 1};
    case TimeBin::kYear:
      return {start.year + 1, 1, 1};
  }
  return start;
}

bool before(const Date& a, const Date& b) {
  return std::tie(a.year, a.month, a.day) < std::tie(b.year, b.month, b.day);
}

// Per-day counts folded into bins, keyed by the bin's first day (ISO).
std::map<std::string, std::size_t> into_bins(const std::map<std::string, std::size_t>& days,
                                             TimeBin bin) {
  std::map<std::string, std::size_t> bins;
  for (const auto& [value, count] : days)
    if (auto d = date_of_value(value)) bins[bin_start(*d, bin).iso()] += count;
  return bins;
}

}  // namespace

const std::map<std::string, std::size_t>& SearcherImpl::articles_by_day() {
  if (articles_by_day_version_ == shards_.version()) return articles_by_day_;
  Xapian::Enquire enquire(db_);
  enquire.set_query(match_all());
  enquire.set_weighting_scheme(Xapian::BoolWeight());
  Xapian::ValueCountMatchSpy days(slot::kPublished);
  enquire.add_matchspy(&days);
  enquire.get_mset(0, 0, db_.get_doccount());
  articles_by_day_.clear();
  for (auto it = days.values_begin(); it != days.values_end(); ++it)
    articles_by_day_[*it] = it.get_termfreq();
  articles_by_day_version_ = shards_.version();
  return articles_by_day_;
}

Timeline SearcherImpl::timeline(const SearchRequest& r, TimeBin bin) {
  return with_retry([&] {
    Timeline t;
    t.query = r.q;
    t.bin = bin;
    SearchRequest plain = r;
    plain.group_copies = false;  // every article counts
    Prepared p = prepare(plain);
    Facets facets;
    facets.by_category_and_year = false;
    facets.by_day = true;
    const Xapian::MSet mset = match(p, 0, 0, db_.get_doccount(), &facets);
    t.timed_out = p.budget->expired;
    std::map<std::string, std::size_t> days;
    for (auto it = facets.days->values_begin(); it != facets.days->values_end(); ++it)
      if (date_of_value(*it)) days[*it] = it.get_termfreq();
    for (const auto& [day, count] : days) t.total += count;
    const std::size_t matches = mset.get_matches_estimated();
    t.undated = matches - std::min(t.total, matches);

    // The bins: from the request's (or the query's) dates, else the index's.
    const auto& all_days = articles_by_day();
    std::optional<Date> first, last;
    for (const auto& [value, count] : all_days) {
      if (auto d = date_of_value(value)) {
        if (!first) first = d;
        last = d;
      }
    }
    std::string from = r.from, to = r.to;
    if (p.parsed.date_range) {
      const DateRange& d = *p.parsed.date_range;  // an empty end is open
      if (!d.from.empty() && (from.empty() || d.from > from)) from = d.from;
      if (!d.to.empty() && (to.empty() || d.to < to)) to = d.to;
    }
    if (!from.empty()) first = parse_date(from);
    if (!to.empty()) last = parse_date(to);
    if (!first || !last || before(*last, *first)) return t;
    const auto counts = into_bins(days, bin);
    const auto all = into_bins(all_days, bin);
    for (Date d = bin_start(*first, bin); !before(*last, d); d = next_bin(d, bin)) {
      if (t.bins.size() >= kMaxBins)
        throw BadRequest("too many bins (more than " + std::to_string(kMaxBins) +
                         "): choose a longer bin or a shorter date range");
      TimelineBin b;
      b.start = d.iso();
      auto c = counts.find(b.start);
      if (c != counts.end()) b.count = c->second;
      auto a = all.find(b.start);
      if (a != all.end()) b.all = a->second;
      t.bins.push_back(std::move(b));
    }
    return t;
  });
}

}  // namespace internal

Timeline Searcher::timeline(const SearchRequest& request, TimeBin bin) {
  return impl_->timeline(request, bin);
}

}  // namespace tracuu
