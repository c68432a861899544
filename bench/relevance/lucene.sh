#!/usr/bin/env bash
# Lucene 8 reference of the relevance suite: compiles lucene/LuceneEval.java
# against Debian's Lucene 8 jars (liblucene8-java) into a temporary folder,
# runs it, and deletes the folder.
#
# usage: bench/relevance/lucene.sh QUERIES.tsv [--related SEEDS.tsv] CORPUS [CORPUS ...] > results.tsv
# Output lines: lucene8 TAB FORM TAB QID TAB MS TAB IDS, and
# #related TAB lucene8-mlt TAB SEED TAB MS TAB IDS (see LuceneEval.java).
# Installs liblucene8-java (and a JDK) with apt-get only when missing.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 QUERIES.tsv [--related SEEDS.tsv] CORPUS [CORPUS ...]" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
JARDIR=${LUCENE_JARDIR:-/usr/share/java}

# The newest Lucene 8 jar of a module, e.g. lucene-core-8.7.0.jar.
find_jar() {
    ls "$JARDIR"/lucene-"$1"-8.*.jar 2>/dev/null | sort -V | tail -n 1
}

apt_install() {
    echo "lucene.sh: installing $* with apt-get" >&2
    if ! { apt-get install -y --no-install-recommends "$@" >&2 ||
           { apt-get update >&2 && apt-get install -y --no-install-recommends "$@" >&2; }; }; then
        echo "lucene.sh: could not install $* with apt-get (this needs root and Debian's repositories);" >&2
        echo "lucene.sh: install it by hand (apt-get install $*) or set LUCENE_JARDIR to a folder with the Lucene 8 jars" >&2
        exit 1
    fi
}

if [ -z "$(find_jar core)" ] || [ -z "$(find_jar analyzers-common)" ] ||
   [ -z "$(find_jar queryparser)" ] || [ -z "$(find_jar queries)" ]; then
    apt_install liblucene8-java
fi
core=$(find_jar core)
common=$(find_jar analyzers-common)
qp=$(find_jar queryparser)
queries=$(find_jar queries)
if [ -z "$core" ] || [ -z "$common" ] || [ -z "$qp" ] || [ -z "$queries" ]; then
    echo "lucene.sh: liblucene8-java is installed but lucene-{core,analyzers-common,queryparser,queries}-8.*.jar are not all in $JARDIR" >&2
    exit 1
fi
if ! command -v javac >/dev/null || ! command -v java >/dev/null; then
    apt_install default-jdk-headless
fi

build=$(mktemp -d "${TMPDIR:-/tmp}/lucene-eval.XXXXXX")
trap 'rm -rf "$build"' EXIT
cp="$core:$common:$qp:$queries"
echo "lucene.sh: compiling with $(javac -version 2>&1) against $(basename "$core") $(basename "$common") $(basename "$qp") $(basename "$queries")" >&2
javac -encoding UTF-8 -d "$build" -cp "$cp" "$here/lucene/LuceneEval.java"
# Heap: the in-memory index of the 35k-article corpus (text stored for
# MoreLikeThis) plus the 256 MB indexing buffer.
java -Xms1g -Xmx3g -cp "$build:$cp" LuceneEval "$@"
