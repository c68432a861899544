#!/usr/bin/env bash
# Serving benchmark: indexes the shared corpus (35,440 articles), starts
# tracuu-server, and drives it with wrk over loopback: /search for 1000 queries
# made from titles (half with diacritics, half plain), then /related. Prints
# requests/s, p50, p99 and the server's peak RSS.
#   bash bench/serve.sh [seconds per run] [connections]
# ACCESS_LOG=off|stdout|FILE: the server's access log (default a file in the
# work folder, one write per request as to journald's pipe).
# ANALYTICS=compare: then /search again on a second server recording every
# search (--analytics), alternating runs without and with it (off, on, off,
# on) so the machine's drift hits both alike; prints the throughput ratio.
# SEARCH_PARAMS='&group=0&recency=off': appended to every /search path.
# The articles are dated (bench/dated_corpus.py: 2015-2024 by id), as real
# news is, so the defaults' freshness is paid for; UNDATED=1 serves the
# corpus as it is (no dates: freshness never applies), the figures before
# session 13, in its own index.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/corpus/baomoi-2017.jsonl.gz
[[ -f $corpus ]] || { echo "bench/serve: skipped, $corpus not found"; exit 0; }
command -v wrk >/dev/null || { echo "bench/serve: needs wrk (apt-get install wrk)"; exit 1; }
seconds=${1:-20}
connections=${2:-8}
work=${BENCH_DIR:-/tmp/tracuu-bench-serve}
mkdir -p "$work"
if [[ -n ${UNDATED:-} ]]; then
  dated=undated
  index=$work/index
  [[ -f $work/index/XAPIANDB ]] || build/indexer/tracuu-index --db "$work/index" "$corpus" >/dev/null
else
  dated=dated
  index=$work/index-dated
  source bench/dated.sh
  ensure_dated_index "$work" build
fi
python3 bench/make_queries.py "$corpus" "$work" 1000
searches=$work/search.txt
if [[ -n ${SEARCH_PARAMS:-} ]]; then
  searches=$work/search-with-params.txt
  awk -v params="$SEARCH_PARAMS" '{print $0 params}' "$work/search.txt" >"$searches"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
access_log=${ACCESS_LOG:-$work/access.log}
build/server/tracuu-server --db "$index" --port "$port" --access-log "$access_log" 2>"$work/server.log" &
pid=$!
apid=
trap 'kill $pid $apid 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done

run() {  # run NAME PATHS-FILE
  # One warm-up pass, then the measured one.
  PATHS=$2 wrk -t1 -c2 -d3s -s bench/paths.lua "http://127.0.0.1:$port" >/dev/null
  PATHS=$2 wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/paths.lua "http://127.0.0.1:$port" >"$work/$1.wrk"
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$1.wrk")
  p50=$(awk '$1 == "50%" {print $2}' "$work/$1.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$1.wrk")
  errors=$(awk '/Non-2xx/ {print $4}' "$work/$1.wrk")
  printf '%-8s %10s req/s   p50 %-9s p99 %-9s non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "${errors:-0}"
}
echo "tracuu-server, 35,440 $dated articles, wrk 2 threads x $connections connections, ${seconds}s per run, access log: $access_log${SEARCH_PARAMS:+, /search with $SEARCH_PARAMS}"
run search "$searches"
run related "$work/related.txt"
echo "server peak RSS: $(awk '/VmHWM/ {print $2/1024 " MiB"}' /proc/$pid/status)"

if [[ ${ANALYTICS:-} == compare ]]; then
  plain_port=$port
  analytics_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rm -f "$work"/analytics.sqlite*
  printf 'serve-bench-editor-token-0123456789' >"$work/editor-token"  # /stats needs it
  build/server/tracuu-server --db "$index" --port "$analytics_port" \
    --analytics "$work/analytics.sqlite" --editor-token "$work/editor-token" \
    --access-log "$access_log" 2>"$work/server-analytics.log" &
  apid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$analytics_port/health" >/dev/null && break; sleep 0.1; done
  echo "analytics off and on, alternating:"
  for round in 1 2; do
    port=$plain_port run "off-$round" "$searches"
    port=$analytics_port run "on-$round" "$searches"
  done
  rps() { awk '/Requests\/sec/ {print $2}' "$work/$1.wrk"; }
  off=$(echo "$(rps off-1) $(rps off-2)" | awk '{print ($1 + $2) / 2}')
  on=$(echo "$(rps on-1) $(rps on-2)" | awk '{print ($1 + $2) / 2}')
  recorded=$(curl -s -H "Authorization: Bearer $(<"$work/editor-token")" "http://127.0.0.1:$analytics_port/stats" | python3 -c 'import json, sys; print(json.load(sys.stdin)["searches"])')
  printf 'analytics off %.0f req/s, on %.0f req/s: on/off %.3f; %s searches recorded\n' \
    "$off" "$on" "$(echo "$on $off" | awk '{print $1 / $2}')" "$recorded"
fi
