#!/usr/bin/env bash
# Runs build/bench/bench-index (building it first) and prints its figures.
#   bash bench/index.sh [corpus.jsonl.gz]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
exec build/bench/bench-index "$@"
