#!/usr/bin/env bash
# The demo: installs what is missing, builds, indexes the bundled corpus and
# serves the search page on http://127.0.0.1:8080 (Ctrl-C to stop).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
mkdir -p var
build/indexer/tracuu-index --db var/demo-index --prune corpus || [[ $? == 2 ]]
# The editors' token for /editors (made once, readable by this user only).
[[ -s var/editor-token ]] || (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >var/editor-token)
echo "Open http://127.0.0.1:${PORT:-8080}/ (search) and http://127.0.0.1:${PORT:-8080}/editors"
echo "(stats; the editors' token is in var/editor-token)"
exec build/server/tracuu-server --db var/demo-index --port "${PORT:-8080}" \
  --analytics var/analytics.sqlite --editor-token var/editor-token
