#!/usr/bin/env bash
# Runs build/bench/bench-analyzer (building it first) and prints its figures.
#   bash bench/analyzer.sh [corpus.jsonl.gz]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
exec build/bench/bench-analyzer "$@"
