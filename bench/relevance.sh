#!/usr/bin/env bash
# The relevance suite (docs/relevance.md): several search intents drawn from
# baomoi-2017, laws-vi-55, bench/relevance/data/tin-chuyen-muc.jsonl and
# questions-vi-dev (people's questions; its passages the 4th file),
# indexed together as one collection by every system (tracuu, stock Xapian,
# SQLite FTS5, Lucene 8); one table per intent, the "Tin khác" table and a
# summary, printed and written to $BENCH_DIR/relevance.md (or
# relevance-quick.md).
#
#   bash bench/relevance.sh            # full: about 3,500 queries, 455 seeds
#   bash bench/relevance.sh --quick    # the first 50 queries of each intent, 50 seeds a group
#   bash bench/relevance.sh --reindex  # rebuild tracuu's index first (after an indexer change)
#
# Only tracuu's queries run every time. Kept in $BENCH_DIR between runs,
# keyed by the content of what made them: the queries (queries-KEY/), the
# other systems' results (peers-KEY/), the stock and tracuu indexes (rebuilt
# when a corpus file changes; tracuu's also when the analyzer version or a
# file under analyzers/ or indexer/ does, or with --reindex).
#
# Environment: BUILD_DIR (default build), BENCH_DIR (default
# /tmp/tracuu-bench-relevance), CORPUS_DIR (default ../shared/corpus), QUICK=1,
# REINDEX=1, and the sizes: TITLE_QUERIES=1000 SEED=7 PASSAGES=300
# IDENTIFIERS=200 NAMES=200 RELATED_SEEDS=200,200,55 (categorized, news,
# laws) GENERATED_QUESTIONS=350 LONG_QUERIES=300 MISSPELLINGS=60 (per kind)
# QUICK_N=50, QUICK_WHOLE (intents kept whole in quick mode).
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ next to the scripts
cd "$(dirname "$0")/.."
quick=${QUICK:-0}
reindex=${REINDEX:-0}
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    --reindex) reindex=1 ;;
    *) echo "usage: bash bench/relevance.sh [--quick] [--reindex]" >&2; exit 2 ;;
  esac
done
source bench/relevance/suite.sh
for f in "$news" "$laws" "$qa_passages" "$questions_dir/questions.tsv"; do
  [[ -f $f ]] || { echo "bench/relevance: skipped, $f not found"; exit 0; }
done
corpora=("$news" "$laws" "$categorized" "$qa_passages")
build=${BUILD_DIR:-build}
work=${BENCH_DIR:-/tmp/tracuu-bench-relevance}
quick_n=${QUICK_N:-50}
mkdir -p "$work"
start=$SECONDS
step() { echo "bench/relevance: $* ($((SECONDS - start)) s)" >&2; }
# Runs a command into a file that appears only if the command succeeds.
into() { local out=$1; shift; "$@" >"$out.part" && mv "$out.part" "$out"; }

step "building $build/bench/bench-relevance"
# The code measured: what the build compiles now (named before it starts).
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- analyzers index indexer search 2>/dev/null || commit="$commit + local changes"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target bench-relevance >/dev/null

# 1. The queries and the "Tin khác" seeds (fixed seeds: the same every run).
qdir=$(suite_queries_dir "$work")
if [[ ! -f $qdir/queries.tsv ]]; then
  step "drawing the queries into $qdir (about 2 minutes)"
  mkdir -p "$qdir"
  python3 $r/make_queries.py "$news" "$title_n" "$seed" >"$qdir/title.tsv"
  python3 $r/typing_queries.py "$qdir/title.tsv" >"$qdir/typing.tsv"
  into "$qdir/intents.tsv" python3 $r/intent_queries.py --news "$news" --laws "$laws" \
    --categorized "$categorized" --passage "$passages" --identifiers "$identifiers" \
    --names "$names" --related-seeds "$related" --seed "$seed" --seeds-out "$qdir/seeds.tsv"
  into "$qdir/people.tsv" python3 $r/people_queries.py --news "$news" \
    --questions-dir "$questions_dir" --titles "$qdir/title.tsv" --generated "$generated" \
    --long "$long_n" --misspellings "$misspellings" --seed "$seed"
  { sed 's/^/title\t/' "$qdir/title.tsv"; sed 's/^/typing\t/' "$qdir/typing.tsv"
    cat "$qdir/intents.tsv" "$qdir/people.tsv"; } >"$qdir/queries.tsv.part"
  mv "$qdir/queries.tsv.part" "$qdir/queries.tsv"
fi
queries=$qdir/queries.tsv seeds=$qdir/seeds.tsv mode=full
if [[ $quick == 1 ]]; then
  # Each intent's lines are in random order: its first lines are a fair sample.
  # QUICK_WHOLE: intents kept whole (e.g. "questions long misspelling
  # misspelling-correct" to run the new intents in full beside a quick suite).
  awk -F'\t' -v n="$quick_n" -v whole="${QUICK_WHOLE:-}" \
    'BEGIN {split(whole, w, " "); for (k in w) keep[w[k]] = 1}
     {split($1, i, ":"); if (i[1] in keep || seen[i[1]]++ < n) print}' \
    "$qdir/queries.tsv" >"$qdir/quick-queries.tsv"
  awk -F'\t' -v n="$quick_n" 'seen[$1]++ < n' "$qdir/seeds.tsv" >"$qdir/quick-seeds.tsv"
  queries=$qdir/quick-queries.tsv seeds=$qdir/quick-seeds.tsv mode=quick
fi

# 2. The other systems, once per query set.
pdir=$work/peers-$(key "" "$queries" "$seeds" "${corpora[@]}" $r/fts5_eval.py $r/lucene.sh \
  $r/lucene/LuceneEval.java bench/relevance_bench.cpp bench/stock_reference.h)
mkdir -p "$pdir"
corpus_args=()
for f in "${corpora[@]}"; do corpus_args+=(--corpus "$f"); done
if [[ ! -f $pdir/stock.tsv ]]; then
  step "stock Xapian"
  into "$pdir/stock.tsv" "$build/bench/bench-relevance" --system stock --work "$work" \
    "${corpus_args[@]}" --queries "$queries" --seeds "$seeds"
fi
if [[ ! -f $pdir/lucene.tsv ]]; then
  step "Lucene 8"
  into "$pdir/lucene.tsv" bash $r/lucene.sh "$queries" --related "$seeds" "${corpora[@]}"
fi
if [[ ! -f $pdir/fts5.tsv ]]; then
  step "SQLite FTS5"
  into "$pdir/fts5.tsv" python3 $r/fts5_eval.py "$queries" "${corpora[@]}"
fi

# 3. tracuu, every run.
step "tracuu"
reindex_arg=()
[[ $reindex == 1 ]] && reindex_arg=(--reindex)
# The index follows the code that builds it (suite_index_key) and the
# analyzer version.
index_key=$(suite_index_key)
into "$work/tracuu-$mode.tsv" "$build/bench/bench-relevance" --system tracuu --work "$work" \
  "${corpus_args[@]}" --queries "$queries" --seeds "$seeds" --index-key "$index_key" \
  "${reindex_arg[@]}"

# 4. The tables.
step "judging"
note="Run: \`bash bench/relevance.sh$([[ $mode == quick ]] && echo ' --quick')\` ($mode mode),
$(date +%Y-%m-%d), $(nproc) cores, tracuu at $commit. Queries: $(wc -l <"$queries") \
($(cut -f1 "$queries" | cut -d: -f1 | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}')),
seed $seed, title queries $title_n; \"Tin khác\" seeds: $(wc -l <"$seeds")."
python3 $r/report.py --queries "$queries" --seeds "$seeds" "${corpus_args[@]}" \
  --markdown "$work/relevance$([[ $mode == quick ]] && echo -quick).md" --note "$note" \
  "$work/tracuu-$mode.tsv" "$pdir/stock.tsv" "$pdir/lucene.tsv" "$pdir/fts5.tsv"
step "done; the tables are in $work/relevance$([[ $mode == quick ]] && echo -quick).md"
