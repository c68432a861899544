#!/usr/bin/env bash
# Abuse benchmark (docs/operations.md, docs/benchmarks.md): starts
# tracuu-server on the shared corpus (35,440 articles) and runs each attack
# of bench/abuse.py for a few seconds while a fresh client searches; prints
# the fresh client's latency and the server's peak RSS per attack. With
# analytics and the editors' token on: the /stats and POST /events floods
# (ABUSE_ONLY_EDITORS=1: only those, =stats or =events: that one).
# Then the editors' hides at scale: /search and /suggest times with 5,
# 5,000 and every article hidden (a server started for each).
#   bash bench/abuse.sh [seconds per attack]
# TRACUU_SERVER=path runs another build's server (an older one, to compare);
# ABUSE_ONLY=word,word runs only the attacks whose name holds one of them.
# ABUSE=hides|concordance|all (default all): the hides at scale, the sorted
# concordances alone, or everything.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/corpus/baomoi-2017.jsonl.gz
[[ -f $corpus ]] || { echo "bench/abuse: skipped, $corpus not found"; exit 0; }
seconds=${1:-8}
work=${BENCH_DIR:-/tmp/tracuu-bench-serve}
mkdir -p "$work"
[[ -f $work/index/XAPIANDB ]] || build/indexer/tracuu-index --db "$work/index" "$corpus" >/dev/null
server=${TRACUU_SERVER:-build/server/tracuu-server}
what=${ABUSE:-all}
pid=
trap '[[ -z $pid ]] || kill $pid 2>/dev/null' EXIT
start_server() {  # extra options; sets port and pid
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$server" --db "$work/index" --port "$port" --access-log off "$@" 2>"$work/abuse-server.log" &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
}
stop_server() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }

if [[ $what == all || $what == concordance ]]; then
  rm -f "$work"/abuse-analytics.sqlite*
  printf 'abuse-bench-editor-token-0123456789' >"$work/abuse-editor-token"
  args=(--analytics "$work/abuse-analytics.sqlite" --editor-token "$work/abuse-editor-token")
  # An older server without --editor-token: analytics only (its /stats is open).
  "$server" --help | grep -q -- --editor-token || args=(--analytics "$work/abuse-analytics.sqlite")
  start_server "${args[@]}"
  echo "tracuu-server, 35,440 articles, $(nproc) cores, default limits"
  if [[ $what == all ]]; then
    ABUSE_ANALYTICS="$work/abuse-analytics.sqlite" ABUSE_EDITOR_TOKEN=$(<"$work/abuse-editor-token") \
      python3 bench/abuse.py "$port" "$pid" "$seconds"
  else
    python3 bench/abuse.py "$port" "$pid" --only concordance "$seconds"
  fi
  stop_server
fi
if [[ $what == all || $what == hides ]]; then
  # Hides of the first N ids of the corpus (all of them: every search empty).
  zcat "$corpus" | python3 -c 'import json,sys; [print(json.loads(l)["id"]) for l in sys.stdin]' \
    >"$work/ids.txt"
  for n in 5 5000 $(wc -l <"$work/ids.txt"); do
    head -n "$n" "$work/ids.txt" | sed 's/^/hide\t/' >"$work/rules-$n.tsv"
    start_server --rules "$work/rules-$n.tsv"
    python3 bench/abuse.py "$port" "$pid" --hides "$n"
    stop_server
  done
fi
