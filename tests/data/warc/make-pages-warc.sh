#!/usr/bin/env bash
# Writes pages.warc.gz: Debian's wget capturing the pages of tests/data/html
# (five articles, a section front, a 404, a JSON file) from a local server
# on 127.0.0.1, one gzip member per record, as crawlers write them.
#   bash tests/data/warc/make-pages-warc.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$here/../html" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
server=$!
trap 'kill $server' EXIT
sleep 1
base=http://127.0.0.1:$port
cd "$here" && rm -f pages.warc.gz
# wget exits 8 for the 404 it is asked to capture.
wget -q --warc-file=pages --no-warc-keep-log -O /dev/null \
  "$base/tin-nhanh-xe-buyt-dien.html" "$base/doi-song-hoc-bong.html" "$base/the-thao-bong-chuyen.html" \
  "$base/bao-tinh-nong-san.html" "$base/phap-luat-articlebody.html" \
  "$base/no-article/chuyen-muc-thoi-su.html" "$base/khong-co.html" "$base/expected.json" || [[ $? == 8 ]]
