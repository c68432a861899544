#!/usr/bin/env bash
# Backup benchmark: tracuu-index --backup of the shared corpus's index
# (35,440 articles) while tracuu-server answers a /search load (wrk, 2
# threads x 8 connections) on the same machine; then the same backup while
# an incremental job commits into the index (--batch 500), the job's commits
# waiting for the copy (docs/operations.md#backups). Prints each backup's
# summary, the load's throughput during the backup, and the job's time.
#   bash bench/backup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/corpus/baomoi-2017.jsonl.gz
[[ -f $corpus ]] || { echo "bench/backup: skipped, $corpus not found"; exit 0; }
command -v wrk >/dev/null || { echo "bench/backup: needs wrk (apt-get install wrk)"; exit 1; }
work=${BENCH_DIR:-/tmp/tracuu-bench-backup}
mkdir -p "$work"
[[ -f $work/index/XAPIANDB ]] || build/indexer/tracuu-index --db "$work/index" "$corpus" >/dev/null
python3 bench/make_queries.py "$corpus" "$work" 1000
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
build/server/tracuu-server --db "$work/index" --port "$port" --access-log off 2>"$work/server.log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"/backup-*' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
echo "index: $(du -sh "$work/index" | cut -f1), $(curl -s "http://127.0.0.1:$port/health")"

# A backup while wrk searches: the backup's summary, then wrk's figures.
backup_under_load() {  # NAME
  rm -rf "$work/backup-$1"
  PATHS=$work/search.txt wrk -t2 -c8 -d120s --latency -s bench/paths.lua "http://127.0.0.1:$port" >"$work/$1.wrk" &
  local load=$!
  sleep 2
  build/indexer/tracuu-index --db "$work/index" --backup "$work/backup-$1" 2>>"$work/backup.log" | tail -1
  kill -INT $load; wait $load || true
  awk '/Requests\/sec/ {r = $2} $1 == "99%" {p = $2} END {print "  search load during the backup: " r " req/s, p99 " p}' "$work/$1.wrk"
}
PATHS=$work/search.txt wrk -t2 -c8 -d10s --latency -s bench/paths.lua "http://127.0.0.1:$port" >"$work/alone.wrk"
awk '/Requests\/sec/ {r = $2} $1 == "99%" {p = $2} END {print "search load alone: " r " req/s, p99 " p}' "$work/alone.wrk"
echo "backup while serving:"
backup_under_load serving

# The same with an incremental job committing meanwhile: 2000 articles of
# the corpus changed (their titles), in batches of 500.
python3 - "$corpus" "$work/changed.jsonl" <<'PY'
import gzip, json, sys
with gzip.open(sys.argv[1], "rt", encoding="utf-8") as f, open(sys.argv[2], "w") as out:
    for i, line in enumerate(f):
        if i >= 2000: break
        a = json.loads(line); a["title"] += " (cập nhật)"
        out.write(json.dumps(a, ensure_ascii=False) + "\n")
PY
echo "backup while serving and while a job commits 2000 changed articles (--batch 500):"
start=$(date +%s.%N)
build/indexer/tracuu-index --db "$work/index" --batch 500 "$work/changed.jsonl" >"$work/job.out" 2>"$work/job.err" &
job=$!
sleep 1
backup_under_load job
wait $job
echo "  job: $(tail -1 "$work/job.out"), $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s from its start"
