# Sourced by bench/relevance.sh and bench/freshness.sh (from the repository
# root): the suite's corpora, sizes and cache keys, defined once so that
# both scripts find the same cached queries and index.
corpus_dir=${CORPUS_DIR:-../shared/corpus}
news=$corpus_dir/baomoi-2017.jsonl.gz
laws=$corpus_dir/laws-vi-55.jsonl.gz
categorized=bench/relevance/data/tin-chuyen-muc.jsonl
# People's questions and the passages they ask about (read from the shared
# folder, never copied here): the passages are the collection's 4th file.
questions_dir=$corpus_dir/questions-vi-dev
qa_passages=$questions_dir/passages.jsonl.gz
r=bench/relevance
title_n=${TITLE_QUERIES:-1000} seed=${SEED:-7} passages=${PASSAGES:-300}
identifiers=${IDENTIFIERS:-200} names=${NAMES:-200} related=${RELATED_SEEDS:-200,200,55}
generated=${GENERATED_QUESTIONS:-350} long_n=${LONG_QUERIES:-300} misspellings=${MISSPELLINGS:-60}
# A short hash of words (the parameters) and of files' contents (a file
# that is gone counts as empty).
key() { { echo "$1"; cat "${@:2}" 2>/dev/null || true; } | sha256sum | cut -c1-16; }
# The folder of the suite's queries under $1 (bench/relevance.sh's work
# folder), keyed by the sizes, the corpora and the scripts that draw them.
suite_queries_dir() {
  echo "$1/queries-$(key "$title_n $seed $passages $identifiers $names $related $generated $long_n $misspellings" \
    "$news" "$laws" "$categorized" "$qa_passages" "$questions_dir/questions.tsv" \
    $r/make_queries.py $r/typing_queries.py $r/intent_queries.py $r/people_queries.py \
    $r/corpus.py analyzers/data/stopwords.txt)"
}
# tracuu's index follows the code that builds it: a change under analyzers/,
# index/ (the schema) or indexer/ rebuilds it; a change of search/ does not.
suite_index_key() {
  key "" $(git ls-files analyzers index indexer 2>/dev/null || find analyzers index indexer -type f)
}
