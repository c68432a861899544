#!/usr/bin/env bash
# Freshness in the relevance suite (docs/relevance.md#freshness): tracuu over
# the suite's collection with baomoi-2017 dated from its ids
# (bench/relevance/freshness_corpus.py), every query of the suite plus a
# "broad" intent (the 50 most frequent title words and 50 most frequent
# title pairs), under recency=off, auto and strong; prints the median age of
# the broad queries' top 10 and every intent's measure under each profile.
#
#   bash bench/freshness.sh            # every query of the suite (about 3,000 x 2 forms x 3)
#   bash bench/freshness.sh --quick    # the suite's quick subset (50 per intent)
#
# The suite's queries come from bench/relevance.sh's cache (REL_DIR, default
# /tmp/tracuu-bench-relevance): run it once first. Work files in BENCH_DIR
# (default /tmp/tracuu-bench-freshness); BUILD_DIR (default build);
# CORPUS_DIR (default ../shared/corpus); BROAD=100.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1
cd "$(dirname "$0")/.."
quick=0
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    *) echo "usage: bash bench/freshness.sh [--quick]" >&2; exit 2 ;;
  esac
done
source bench/relevance/suite.sh
[[ -f $news && -f $laws ]] || { echo "bench/freshness: skipped, no corpus in $corpus_dir"; exit 0; }
rel=${REL_DIR:-/tmp/tracuu-bench-relevance}
work=${BENCH_DIR:-/tmp/tracuu-bench-freshness}
build=${BUILD_DIR:-build}
mkdir -p "$work"
start=$SECONDS
step() { echo "bench/freshness: $* ($((SECONDS - start)) s)" >&2; }

# The suite's queries, where bench/relevance.sh drew them.
qdir=$(suite_queries_dir "$rel")
suite=$qdir/queries.tsv
[[ $quick == 1 ]] && suite=$qdir/quick-queries.tsv
[[ -f $suite ]] || { echo "bench/freshness: $suite not found: run bash bench/relevance.sh$([[ $quick == 1 ]] && echo ' --quick') first" >&2; exit 1; }

step "building $build/bench/bench-relevance"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j 2 --target bench-relevance >/dev/null

dated=$work/baomoi-2017-dated-$(key "" "$news" $r/freshness_corpus.py).jsonl.gz
if [[ ! -f $dated ]]; then
  step "dating baomoi-2017 from its ids"
  python3 $r/freshness_corpus.py dated "$news" "$dated.part.gz" && mv "$dated.part.gz" "$dated"
fi
broad=$work/broad-${BROAD:-100}.tsv
[[ -f $broad ]] || python3 $r/freshness_corpus.py broad "$news" "${BROAD:-100}" >"$broad"
queries=$work/queries-$([[ $quick == 1 ]] && echo quick || echo full).tsv
# Every intent of the suite, issue 23's included (people's questions need
# their passages: the collection's 4th file, as in bench/relevance.sh).
cat "$suite" "$broad" >"$queries"
: >"$work/no-seeds.tsv"

# Ages count from the newest news article (the client's date of the API):
# the categorized file's articles are dated 2015-2025, the news 2017.
now=$(python3 -c 'import gzip, json, sys
print(max(json.loads(l)["published"] for l in gzip.open(sys.argv[1], "rt")))' "$dated")
index_key=$(suite_index_key)
qa_corpus=()
[[ -f $qa_passages ]] && qa_corpus=(--corpus "$qa_passages")
results=()
for mode in off auto strong; do
  step "tracuu, recency=$mode"
  "$build/bench/bench-relevance" --system tracuu --work "$work" --corpus "$dated" --corpus "$laws" \
    --corpus "$categorized" ${qa_corpus[@]+"${qa_corpus[@]}"} --queries "$queries" --seeds "$work/no-seeds.tsv" \
    --index-key "$index_key" --recency "$mode" --now "$now" >"$work/tracuu-$mode.tsv"
  results+=("$mode=$work/tracuu-$mode.tsv")
done
step "judging"
echo "Run: \`bash bench/freshness.sh$([[ $quick == 1 ]] && echo ' --quick')\`, $(date +%Y-%m-%d), $(nproc) cores," \
  "tracuu at $(git rev-parse --short HEAD); $(wc -l <"$queries") queries ($(wc -l <"$broad") broad); ages from $now."
echo
(cd $r && python3 freshness_report.py --queries "$queries" --corpus "$dated" --now "$now" "${results[@]}")
