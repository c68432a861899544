#!/usr/bin/env bash
# Sharded serving at scale: the synthetic articles of bench/scale.sh built
# into N hash shards (tracuu-index --shard-by hash:N), then served three
# ways on this one machine: one unsharded index (bench/scale.sh's), the N
# shards as a local multi-database, and the N shards each behind its own
# xapian-tcpsrv (Xapian's remote backend: a query runs on every shard at
# once). For each: /search requests/s and p99 with 8 connections, with one
# connection per core, and for one client alone (p50/p99).
#   bash bench/scale-shards.sh              1,000,000 articles, 2 shards
#   ARTICLES=100000 SHARDS=2 bash bench/scale-shards.sh
# Needs bench/scale.sh run first at the same size (its synthetic file,
# index and queries). Shards are rebuilt unless REUSE_INDEX=1.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "bench/scale-shards: needs wrk (apt-get install wrk)"; exit 1; }
command -v xapian-tcpsrv >/dev/null || { echo "bench/scale-shards: needs xapian-tcpsrv (apt-get install xapian-tools)"; exit 1; }
n=${ARTICLES:-1000000}
shards=${SHARDS:-2}
seconds=${SECONDS_PER_RUN:-10}
work=${BENCH_DIR:-/tmp/tracuu-bench-scale}
src=$work/synthetic-$n.jsonl
queries=$work/q-$n/search.txt
[[ -f $src && -f $queries && -f $work/index-$n/XAPIANDB ]] ||
  { echo "bench/scale-shards: run SIZES=$n bash bench/scale.sh first"; exit 1; }
bash scripts/build.sh >/dev/null
db=$work/sharded$shards-$n
if [[ -z ${REUSE_INDEX:-} || ! -f $db/shards.json ]]; then
  rm -rf "$db"
  build/indexer/tracuu-index --db "$db" --shard-by "hash:$shards" "$src" >"$db.json" 2>"$db.log"
fi
cores=$(nproc)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

measure() {  # measure LABEL SERVER-ARGS...
  local label=$1 port out=()
  shift
  port=$(free_port)
  build/server/tracuu-server --port "$port" --access-log off "$@" 2>/dev/null &
  local pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  PATHS=$queries wrk -t1 -c2 -d2s -s bench/paths.lua "http://127.0.0.1:$port" >/dev/null
  for c in 8 "$cores" 1; do
    PATHS=$queries wrk -t"$((c < 2 ? 1 : 2))" -c"$c" -d"${seconds}s" --latency -s bench/paths.lua \
      "http://127.0.0.1:$port" >"$work/shards-$c.wrk"
    out+=("$(awk '/Requests\/sec/ {print $2}' "$work/shards-$c.wrk")"
      "$(awk '$1 == "99%" {print $2}' "$work/shards-$c.wrk")")
  done
  kill $pid
  wait $pid 2>/dev/null || true
  printf '%-34s  %9s  %8s  %9s  %8s  %9s  %8s\n' "$label" "${out[@]}"
}

printf '%-34s  %9s  %8s  %9s  %8s  %9s  %8s\n' "$n articles" "8c req/s" "8c p99" \
  "${cores}c req/s" "${cores}c p99" "1c req/s" "1c p99"
measure "one index" --db "$work/index-$n"
names=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["shards"]))' "$db/shards.json")
local_args=()
for s in $names; do
  local_args+=(--db "$db/$s")
done
measure "$shards shards, local multi-database" "${local_args[@]}"
remote_args=()
for s in $names; do
  port=$(free_port)
  # Its own session: a stopped xapian-tcpsrv signals its whole process group.
  setsid xapian-tcpsrv --port "$port" --interface 127.0.0.1 "$db/$s" >/dev/null 2>&1 &
  pids+=($!)
  remote_args+=(--db "tcp://127.0.0.1:$port")
done
sleep 1
measure "$shards shards, xapian-tcpsrv each" "${remote_args[@]}"
