#!/usr/bin/env bash
# Scale benchmark: synthetic Vietnamese articles (bench-synthetic, a word
# chain learned from the shared corpus) at several sizes; for each size the
# index time, articles/s, index size, and /search p50/p99 and /related p99
# over HTTP (wrk, 8 connections: the server saturated, so latency includes
# queueing), /search p99 with 2 connections (one per core: the same
# throughput, little queueing) and /search p50/p99 for one client alone (a
# query's own time), printed as one table showing how cost grows.
#   bash bench/scale.sh            sizes 35440 100000 1000000
#   SIZES="35440 100000" bash bench/scale.sh
#   REUSE_INDEX=1 bash bench/scale.sh   serving figures only, indexes of a previous run
#   SEARCH_PARAMS='&group=0&recency=off' bash bench/scale.sh   appended to every /search path
# Needs ~10 GB free in BENCH_DIR (default /tmp/tracuu-bench-scale).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/corpus/baomoi-2017.jsonl.gz
[[ -f $corpus ]] || { echo "bench/scale: skipped, $corpus not found"; exit 0; }
command -v wrk >/dev/null || { echo "bench/scale: needs wrk (apt-get install wrk)"; exit 1; }
sizes=${SIZES:-"35440 100000 1000000"}
seconds=${SECONDS_PER_RUN:-10}
work=${BENCH_DIR:-/tmp/tracuu-bench-scale}
mkdir -p "$work"
bash scripts/build.sh >/dev/null
largest=$(tr ' ' '\n' <<<"$sizes" | sort -n | tail -1)
if [[ ! -f $work/synthetic-$largest.jsonl ]]; then
  build/bench/bench-synthetic "$corpus" "$largest" >"$work/synthetic-$largest.jsonl.tmp"
  mv "$work/synthetic-$largest.jsonl.tmp" "$work/synthetic-$largest.jsonl"
fi

wrk_run() {  # wrk_run PORT PATHS-FILE OUT [CONNECTIONS]
  local connections=${4:-8}
  PATHS=$2 wrk -t1 -c2 -d2s -s bench/paths.lua "http://127.0.0.1:$1" >/dev/null
  PATHS=$2 wrk -t"$((connections < 2 ? 1 : 2))" -c"$connections" -d"${seconds}s" --latency \
    -s bench/paths.lua "http://127.0.0.1:$1" >"$3"
}
field() { awk -v k="$1" '$1 == k {print $2}' "$2"; }

rows=()
for n in $sizes; do
  src=$work/synthetic-$n.jsonl
  [[ -f $src ]] || head -n "$n" "$work/synthetic-$largest.jsonl" >"$src"
  db=$work/index-$n
  if [[ -z ${REUSE_INDEX:-} || ! -s $work/index-$n.json ]]; then
    rm -rf "$db"
    /usr/bin/time -f '%M' -o "$work/index-$n.rss" build/indexer/tracuu-index --db "$db" "$src" \
      >"$work/index-$n.json" 2>"$work/index-$n.log"
  fi
  secs=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().split("\n")[-2])["seconds"])' "$work/index-$n.json")
  size=$(du -sm "$db" | cut -f1)
  rss=$(( $(cat "$work/index-$n.rss") / 1024 ))
  [[ -s $work/q-$n/search.txt ]] || { mkdir -p "$work/q-$n" && python3 bench/make_queries.py "$src" "$work/q-$n" 1000; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  build/server/tracuu-server --db "$db" --port "$port" --access-log off 2>"$work/server-$n.log" &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  searches=$work/q-$n/search.txt
  if [[ -n ${SEARCH_PARAMS:-} ]]; then
    searches=$work/q-$n/search-with-params.txt
    awk -v params="$SEARCH_PARAMS" '{print $0 params}' "$work/q-$n/search.txt" >"$searches"
  fi
  wrk_run "$port" "$searches" "$work/search-$n.wrk"
  wrk_run "$port" "$work/q-$n/related.txt" "$work/related-$n.wrk"
  wrk_run "$port" "$searches" "$work/search2-$n.wrk" 2
  wrk_run "$port" "$searches" "$work/search1-$n.wrk" 1
  server_rss=$(awk '/VmHWM/ {printf "%d", $2/1024}' /proc/$pid/status)
  kill $pid
  wait $pid 2>/dev/null || true
  rows+=("$(printf '%9s  %8.0f s  %6.0f/s  %7s MB  %6s MiB  %9s  %8s  %8s  %8s  %9s  %8s  %8s  %8s  %6s MiB' "$n" "$secs" \
    "$(python3 -c "print($n/$secs)")" "$size" "$rss" "$(awk '/Requests\/sec/ {print $2}' "$work/search-$n.wrk")" \
    "$(field 50% "$work/search-$n.wrk")" "$(field 99% "$work/search-$n.wrk")" \
    "$(field 99% "$work/related-$n.wrk")" "$(awk '/Requests\/sec/ {print $2}' "$work/search2-$n.wrk")" \
    "$(field 99% "$work/search2-$n.wrk")" "$(field 50% "$work/search1-$n.wrk")" \
    "$(field 99% "$work/search1-$n.wrk")" "$server_rss")")
  echo "${rows[-1]}" >&2
done
printf '%9s  %10s  %8s  %10s  %10s  %9s  %8s  %8s  %8s  %9s  %8s  %8s  %8s  %10s\n' articles "index" rate "size" \
  "index RSS" "search/s" "p50" "p99" "related99" "2-search/s" "2-p99" "1-p50" "1-p99" "server RSS"
printf '%s\n' "${rows[@]}"
