// Freshness (docs/ranking.md#freshness): whether a query is broad, and how
// much a match's age lowers its score.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "search_internal.h"

namespace tracuu::internal {
// Days since 1970-01-01 of a civil date, proleptic Gregorian: <chrono>'s
// calendar. A day past the month's end (or before its first) counts on
// from the month's first day, as the timeline's bins need.
long days_from_civil(int y, int m, int d) {
  using namespace std::chrono;
  const sys_days first = year(y) / month(static_cast<unsigned>(m)) / 1;
  return (first + days(d - 1)).time_since_epoch().count();
}

Date civil_from_days(long z) {
  using namespace std::chrono;
  const year_month_day ymd{sys_days(days(z))};
  Date d;
  d.year = static_cast<int>(ymd.year());
  d.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  d.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  return d;
}

std::optional<long> day_number(std::string_view yyyymmdd) {
  if (yyyymmdd.size() < 8) return std::nullopt;
  int parts[3] = {0, 0, 0};
  const std::size_t widths[3] = {4, 2, 2};
  std::size_t at = 0;
  for (int k = 0; k < 3; ++k) {
    for (std::size_t i = 0; i < widths[k]; ++i, ++at) {
      const char c = yyyymmdd[at];
      if (c < '0' || c > '9') return std::nullopt;
      parts[k] = parts[k] * 10 + (c - '0');
    }
  }
  if (parts[1] < 1 || parts[1] > 12 || parts[2] < 1 || parts[2] > 31) return std::nullopt;
  return days_from_civil(parts[0], parts[1], parts[2]);
}

double broad_min_matches(Xapian::doccount articles) {
  return std::max(static_cast<double>(kBroadMinMatches),
                  kBroadShare * static_cast<double>(articles));
}

std::optional<FreshnessProfile> freshness_profile(Recency recency, double half_life_days,
                                                  const std::vector<double>& top_scores,
                                                  Xapian::doccount matches,
                                                  Xapian::doccount articles) {
  if (recency == Recency::kOff || top_scores.empty()) return std::nullopt;
  FreshnessProfile profile;
  if (recency == Recency::kStrong) {
    profile.half_life_days = half_life_days > 0 ? half_life_days : kStrongHalfLifeDays;
    profile.floor = kStrongFloor;
    return profile;
  }
  // Broad: enough matches, and the tenth scores nearly what the first does
  // (no match stands out as the one the query names).
  if (matches < broad_min_matches(articles) || top_scores.size() < kBroadRank) return std::nullopt;
  const double first = top_scores.front(), tenth = top_scores[kBroadRank - 1];
  if (first <= 0 || tenth < kBroadSpread * first) return std::nullopt;
  profile.half_life_days = half_life_days > 0 ? half_life_days : kAutoHalfLifeDays;
  profile.floor = kAutoFloor;
  return profile;
}

double freshness(const FreshnessProfile& profile, std::optional<long> published, long now) {
  if (!published) return profile.floor;  // undated: as old as can be
  // Distance either side: with a client's date, an article written after
  // it is as far from that moment as one written as long before.
  const double age = static_cast<double>(std::labs(now - *published));
  return profile.floor +
         (1 - profile.floor) * std::exp2(-age / std::max(profile.half_life_days, 0.01));
}

}  // namespace tracuu::internal
