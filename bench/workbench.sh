#!/usr/bin/env bash
# The archivist's workbench: timeline and concordance figures on the shared
# corpus (35,440 articles) and, when bench/scale.sh has built it, on the 1M
# synthetic index. Prints per index: /timeline of broad queries (median /
# max ms), the concordance stream's first line, and the server's memory
# while one client reads 100,000 concordance lines at 2 MB/s.
#   bash bench/workbench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/corpus/baomoi-2017.jsonl.gz
[[ -f $corpus ]] || { echo "bench/workbench: skipped, $corpus not found"; exit 0; }
serve_index=${BENCH_DIR:-/tmp/tracuu-bench-serve}/index
big_index=${SCALE_DIR:-/tmp/tracuu-bench-scale}/index-1000000
[[ -f $serve_index/XAPIANDB ]] || build/indexer/tracuu-index --db "$serve_index" "$corpus" >/dev/null

bench() {  # bench NAME INDEX QUERY...
  local name=$1 index=$2 port pid
  shift 2
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  build/server/tracuu-server --db "$index" --port "$port" --access-log off 2>/dev/null &
  pid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  echo "== $name ($(curl -s "http://127.0.0.1:$port/health"))"
  python3 bench/workbench.py "http://127.0.0.1:$port" "$pid" "$@" || true
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

# Broad queries: a word in most articles' text, common topics.
bench "35,440 articles" "$serve_index" "người" "việt nam" "bão" "giá xăng"
if [[ -d $big_index ]]; then
  bench "1,000,000 synthetic articles" "$big_index" "người" "việt nam" "bão" "giá xăng"
else
  echo "(no 1M index: run SIZES=1000000 bash bench/scale.sh first)"
fi
