#!/usr/bin/env bash
# Ingest benchmark: the same articles indexed from JSONL and from HTML pages
# (bench/html_pages.py renders them in a news template); prints each path's
# articles per second (tracuu-index's own "seconds") and their ratio; then how
# fast a WARC of records that are no pages is read past.
#   bash bench/ingest.sh [COUNT]   (default 3000; articles from the shared
#   corpus when present, else the bundled corpus's JSONL)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-3000}
corpus=../shared/corpus/baomoi-2017.jsonl.gz
[[ -f $corpus ]] || corpus=corpus/articles/tin-2020-2025.jsonl
work=${BENCH_DIR:-/tmp/tracuu-bench-ingest}
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
bash scripts/build.sh >/dev/null
n=$(python3 bench/html_pages.py "$corpus" "$work/pages" "$count")
rate() {  # NAME SOURCE: indexes SOURCE into a fresh index, prints articles/s
  local summary
  summary=$(build/indexer/tracuu-index --db "$work/index-$1" "$2" 2>/dev/null | tail -1)
  python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print("%.0f" % (s["added"] / s["seconds"]))' "$summary"
}
jsonl=$(rate jsonl "$work/pages.jsonl")
pages=$(rate html "$work/pages")
echo "ingest of $n articles ($(du -sh "$work/pages" | cut -f1) of HTML): JSONL $jsonl articles/s, HTML pages $pages articles/s ($(python3 -c "print('%.2f' % ($pages / $jsonl))")x)"

# A WARC of records to pass over (scripts of base64 text, one gzip member
# each, deflated to 3/4 as crawls' scripts and inline images are): how fast
# the reader gets through what is not a page.
python3 - "$work/skip.warc.gz" <<'PY'
import base64, gzip, os, sys
with open(sys.argv[1], "wb") as out:
    for i in range(200):
        body = (b"HTTP/1.1 200 OK\r\nContent-Type: application/javascript\r\n\r\n"
                + base64.b64encode(os.urandom(3 << 18)))
        head = ("WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://bench.example.vn/%d.js\r\n"
                "Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n" % (i, len(body)))
        out.write(gzip.compress(head.encode() + body + b"\r\n\r\n", 1))
PY
start=$(date +%s.%N)
build/indexer/tracuu-index --db "$work/index-skip" "$work/skip.warc.gz" >/dev/null 2>&1
end=$(date +%s.%N)
echo "WARC records passed over: 200 MB in $(python3 -c "print('%.2f s, %.0f MB/s' % ($end - $start, 200 / ($end - $start)))")"
