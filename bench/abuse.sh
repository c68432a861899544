#!/usr/bin/env bash
# Abuse benchmark (docs/operations.md, docs/benchmarks.md): starts
# tracuu-server on the shared corpus (35,440 articles) and runs each attack
# of bench/abuse.py for a few seconds while a fresh client searches; prints
# the fresh client's latency and the server's peak RSS per attack. With
# analytics and the editors' token on: the /stats and POST /events floods
# (ABUSE_ONLY_EDITORS=1: only those, =stats or =events: that one;
# TRACUU_SERVER: another binary).
#   bash bench/abuse.sh [seconds per attack]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/corpus/baomoi-2017.jsonl.gz
[[ -f $corpus ]] || { echo "bench/abuse: skipped, $corpus not found"; exit 0; }
seconds=${1:-8}
work=${BENCH_DIR:-/tmp/tracuu-bench-serve}
mkdir -p "$work"
[[ -f $work/index/XAPIANDB ]] || build/indexer/tracuu-index --db "$work/index" "$corpus" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rm -f "$work"/abuse-analytics.sqlite*
printf 'abuse-bench-editor-token-0123456789' >"$work/abuse-editor-token"
args=(--analytics "$work/abuse-analytics.sqlite" --editor-token "$work/abuse-editor-token")
# An older server without --editor-token: analytics only (its /stats is open).
"${TRACUU_SERVER:-build/server/tracuu-server}" --help | grep -q -- --editor-token ||
  args=(--analytics "$work/abuse-analytics.sqlite")
"${TRACUU_SERVER:-build/server/tracuu-server}" --db "$work/index" --port "$port" --access-log off \
  "${args[@]}" 2>"$work/abuse-server.log" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
echo "tracuu-server, 35,440 articles, $(nproc) cores, default limits"
ABUSE_ANALYTICS="$work/abuse-analytics.sqlite" ABUSE_EDITOR_TOKEN=$(<"$work/abuse-editor-token") \
  python3 bench/abuse.py "$port" "$pid" "$seconds"
