#!/usr/bin/env bash
# Relevance benchmark (docs/relevance.md): 1000 known-item queries from the
# shared corpus's titles, with and without diacritics, run through tracuu,
# stock Xapian, SQLite FTS5 and Lucene 8; then the table, the diacritic
# restoration rate and the "Tin khác" quality figures; then the same queries
# caught mid-word (typing_queries.py: search as you type) through tracuu and
# stock Xapian.
#   bash bench/relevance.sh [N=1000] [SEED=7]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/corpus/baomoi-2017.jsonl.gz
[[ -f $corpus ]] || { echo "bench/relevance: skipped, $corpus not found"; exit 0; }
work=${BENCH_DIR:-/tmp/tracuu-bench-relevance}
mkdir -p "$work"
bash scripts/build.sh >/dev/null
python3 bench/relevance/make_queries.py "$corpus" "${1:-1000}" "${2:-7}" >"$work/queries.tsv"
build/bench/bench-relevance "$corpus" "$work/queries.tsv" "$work" >"$work/tracuu.tsv"
python3 bench/relevance/fts5_eval.py "$corpus" "$work/queries.tsv" >"$work/fts5.tsv"
bash bench/relevance/lucene.sh "$corpus" "$work/queries.tsv" >"$work/lucene.tsv"
python3 bench/relevance/summarize.py "$work/tracuu.tsv" "$work/fts5.tsv" "$work/lucene.tsv"
python3 bench/relevance/typing_queries.py "$work/queries.tsv" >"$work/typing.tsv"
build/bench/bench-relevance "$corpus" "$work/typing.tsv" "$work" | grep -v '^#' >"$work/typing-results.tsv"
echo
echo "As typed, the last word cut to half its letters ($(wc -l <"$work/typing.tsv") queries):"
python3 bench/relevance/summarize.py "$work/typing-results.tsv"
