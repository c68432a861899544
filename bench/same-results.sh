#!/usr/bin/env bash
# Shows that a change keeps every answer the same, byte for byte: builds
# BASE (a git revision, default HEAD) in a temporary worktree with today's
# bench/snapshot.cpp, and the working tree as it is; runs both over the same
# index on the bench/relevance queries (both forms, as typed and caught
# mid-word) and the "Tin khác" of 300 articles; prints the differences.
#   bash bench/same-results.sh [BASE=HEAD] [QUERIES=1000]
# DATED=1: over the corpus dated 2015-2024 by id (bench/dated.sh), where
# the defaults' freshness applies to broad queries.
# Exit status 0 when every line is the same. Needs the shared corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-HEAD}
n=${2:-1000}
corpus=../shared/corpus/baomoi-2017.jsonl.gz
[[ -f $corpus ]] || { echo "bench/same-results: skipped, $corpus not found"; exit 0; }
work=${BENCH_DIR:-/tmp/tracuu-same-results}
mkdir -p "$work"
root=$(pwd)

# The index both builds read: made by the working tree's indexer once.
bash scripts/build.sh >/dev/null
index=$work/index
if [[ ${DATED:-0} == 1 ]]; then
  source bench/dated.sh
  ensure_dated_index "$work" build
  index=$work/index-dated
fi
[[ -f $index/XAPIANDB ]] || build/indexer/tracuu-index --db "$index" "$corpus" >/dev/null
python3 bench/relevance/make_queries.py "$corpus" "$n" 7 >"$work/queries.tsv"
python3 bench/relevance/typing_queries.py "$work/queries.tsv" >"$work/typing.tsv"
cat "$work/queries.tsv" "$work/typing.tsv" >"$work/all.tsv"

rm -rf "$work/base"
git worktree add --detach "$work/base" "$base" >/dev/null 2>&1
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true' EXIT
cp bench/snapshot.cpp "$work/base/bench/snapshot.cpp"
grep -q bench-snapshot "$work/base/bench/CMakeLists.txt" ||
  printf '\nadd_executable(bench-snapshot snapshot.cpp)\ntarget_link_libraries(bench-snapshot PRIVATE tracuu_search)\n' \
    >>"$work/base/bench/CMakeLists.txt"
(cd "$work/base" && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
  cmake --build build -j "$(nproc)" --target bench-snapshot >/dev/null)
cmake --build build -j "$(nproc)" --target bench-snapshot >/dev/null

"$work/base/build/bench/bench-snapshot" "$index" "$work/all.tsv" >"$work/base.txt"
build/bench/bench-snapshot "$index" "$work/all.tsv" >"$work/now.txt"
lines=$(wc -l <"$work/now.txt")
if cmp -s "$work/base.txt" "$work/now.txt"; then
  echo "same-results: $lines answers identical to $base ($(git rev-parse --short "$base"))"
else
  diff "$work/base.txt" "$work/now.txt" | head -40 || true  # head may close the pipe early
  echo "same-results: $(diff "$work/base.txt" "$work/now.txt" | grep -c '^>') of $lines answers differ from $base"
  exit 1
fi
