# Sourced by bench/serve.sh and bench/query-timing.sh (from the repository
# root): the shared corpus dated 2015-2024 by id (bench/dated_corpus.py) in
# $1/dated.jsonl.gz and tracuu's index of it in $1/index-dated, each made
# once; $2 is the build folder.
ensure_dated_index() {
  local work=$1 build=$2 corpus=../shared/corpus/baomoi-2017.jsonl.gz
  [[ -f $work/dated.jsonl.gz ]] || python3 bench/dated_corpus.py "$corpus" "$work/dated.jsonl.gz"
  [[ -f $work/index-dated/XAPIANDB ]] ||
    "$build"/indexer/tracuu-index --db "$work/index-dated" "$work/dated.jsonl.gz" >/dev/null
}
