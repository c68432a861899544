#!/usr/bin/env bash
# The demo: installs what is missing, builds, indexes the bundled corpus and
# serves the search page on http://127.0.0.1:8080 (Ctrl-C to stop).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
mkdir -p var
build/indexer/tracuu-index --db var/demo-index --prune corpus || [[ $? == 2 ]]
echo "Open http://127.0.0.1:${PORT:-8080}/"
exec build/server/tracuu-server --db var/demo-index --port "${PORT:-8080}"
