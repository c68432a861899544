#!/usr/bin/env bash
# The access log's cost, as the server's own CPU time per /search (which
# other processes on a shared machine inflate far less than throughput):
# for each of ROUNDS, the server with --access-log off and then with a file,
# wrk 2x8 for 12 s after a 3 s warm-up, CPU time (utime + stime) read from
# /proc before and after, divided by wrk's request count.
#   bash bench/access-log-cost.sh [rounds, default 3]
# Needs the index and queries of bench/serve.sh (same BENCH_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${BENCH_DIR:-/tmp/tracuu-bench-serve}
[[ -f $work/index/XAPIANDB && -f $work/search.txt ]] || { echo "bench/access-log-cost: run bench/serve.sh first"; exit 1; }
ticks=$(getconf CLK_TCK)
measure() {  # ACCESS-LOG
  local port pid t0 t1 n
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  build/server/tracuu-server --db "$work/index" --port "$port" --access-log "$1" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  PATHS=$work/search.txt wrk -t1 -c2 -d3s -s bench/paths.lua "http://127.0.0.1:$port" >/dev/null
  t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  PATHS=$work/search.txt wrk -t2 -c8 -d12s -s bench/paths.lua "http://127.0.0.1:$port" >"$work/cost.wrk"
  t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  n=$(awk '/requests in/ {print $1}' "$work/cost.wrk")
  python3 -c "print('%-5s %6d requests  %.3f CPU ms per request' % ('$2', $n, ($t1 - $t0) * 1000.0 / $ticks / $n))"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}
for _ in $(seq "${1:-3}"); do
  measure off off
  measure "$work/access.log" file
  rm -f "$work/access.log"
done
