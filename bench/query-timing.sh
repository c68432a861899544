#!/usr/bin/env bash
# A query's own time, in process, beside stock Xapian's on the same queries
# (issue 24's measure; docs/benchmarks.md): the shared corpus dated
# 2015-2024 by id (bench/dated_corpus.py), indexed by tracuu and by the
# stock reference (bench-stock-index), 1000 title queries as bench/serve.sh
# sends them (half accented, half plain); bench-query-timing times each
# query through Searcher::search and then through stock Xapian (QueryParser,
# OR, BM25, the top 10 with data), under the defaults (copies grouped,
# recency=auto) and under group=0 recency=off, and prints both and the
# ratios.
#   bash bench/query-timing.sh [ROUNDS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/corpus/baomoi-2017.jsonl.gz
[[ -f $corpus ]] || { echo "bench/query-timing: skipped, $corpus not found"; exit 0; }
rounds=${1:-2}
work=${BENCH_DIR:-/tmp/tracuu-bench-serve}
build=${BUILD_DIR:-build}
mkdir -p "$work"
[[ -n ${BUILD_DIR:-} ]] || bash scripts/build.sh >/dev/null
cmake --build "$build" --target bench-query-timing bench-stock-index >/dev/null
source bench/dated.sh
ensure_dated_index "$work" "$build"
[[ -f $work/stock-dated/iamglass ]] || "$build"/bench/bench-stock-index "$work/dated.jsonl.gz" "$work/stock-dated"
[[ -s $work/search.txt ]] || python3 bench/make_queries.py "$corpus" "$work" 1000
echo "35,440 dated articles, $(wc -l <"$work/search.txt") queries, $rounds rounds each, tracuu at $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- search analyzers index || echo '+changes')"
for round in $(seq "$rounds"); do
  echo "-- defaults (group=1, recency=auto), round $round"
  "$build"/bench/bench-query-timing "$work/index-dated" "$work/search.txt" --group --recency=auto \
    --stock="$work/stock-dated" | sed -n '1,4p'
  echo "-- group=0, recency=off, round $round"
  "$build"/bench/bench-query-timing "$work/index-dated" "$work/search.txt" \
    --stock="$work/stock-dated" | sed -n '1,4p'
done
