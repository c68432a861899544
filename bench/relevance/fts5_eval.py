#!/usr/bin/env python3
"""Reference system of the relevance suite: SQLite FTS5.

usage: fts5_eval.py QUERIES.tsv CORPUS.jsonl[.gz] [CORPUS ...] > results.tsv

Indexes the corpus files, as one collection, into an in-memory FTS5 table
    fts5(title, body, tokenize="unicode61 remove_diacritics 2")
with body = lead + "\n" + body, then runs every query of QUERIES.tsv
(INTENT TAB TARGETS TAB ACCENTED TAB PLAIN, one a line, as
bench/relevance.sh assembles it) in both forms. Each query word is
double-quoted (embedded quotes doubled) and the words are joined with OR,
so partial matches still rank, as in the other systems. Results are ranked
by bm25(t, 3.0, 1.0), LIMIT 10.

Title weight: bm25(t, 3.0, 1.0) weights a title match 3x a body match, the
same title boost (title^3) as the Lucene reference (lucene/LuceneEval.java),
so the two references are compared on equal terms.

Output on stdout, one line per query per form:
    fts5 TAB FORM TAB QID TAB MS TAB ID,ID,...
FORM is accented or plain, QID the 0-based query line, then the wall time of
the search alone (query + fetching the 10 rows) in milliseconds and the ids
returned, best first (report.py judges them). Progress and diagnostics go
to stderr.

Note: unicode61 removes diacritics but does not fold "đ" to "d" (đ is a
letter of its own in Unicode, not d + a mark), so plain queries with "d" do
not match "đ" words; that is the tokenizer's behaviour, kept as is.
"""
import gzip
import json
import sqlite3
import sys
import time

SYSTEM = "fts5"
TITLE_WEIGHT = 3.0  # same as title^3 in the Lucene reference
BODY_WEIGHT = 1.0


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def read_corpus(path):
    """Yields (id, title, body) per well-formed line; skips malformed ones."""
    bad = 0
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:  # streaming decompression
        for lineno, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                a = json.loads(raw.decode("utf-8"))  # UnicodeDecodeError is a ValueError
                doc_id = a["id"]
                if not isinstance(a, dict) or not isinstance(doc_id, str):
                    raise ValueError("id is not a string")
                title = a.get("title") or ""
                lead = a.get("lead") or ""
                body = a.get("body") or ""
                if not all(isinstance(x, str) for x in (title, lead, body)):
                    raise ValueError("non-string field")
            except (ValueError, KeyError, TypeError) as e:
                bad += 1
                log(f"fts5: skipping malformed line {lineno}: {e}")
                continue
            yield doc_id, title, lead + "\n" + body
    if bad:
        log(f"fts5: {bad} malformed lines skipped")


def match_expr(query):
    """Each whitespace-separated word as an FTS5 string ("..." with embedded
    quotes doubled), joined with OR. Words without any letter or digit are
    left out: they yield no token, and an empty phrase would match nothing
    anyway."""
    words = [w for w in query.split() if any(c.isalnum() for c in w)]
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: fts5_eval.py QUERIES.tsv CORPUS.jsonl[.gz] [CORPUS ...]")
    queries_path, corpora = sys.argv[1], sys.argv[2:]

    queries = []
    with open(queries_path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                sys.exit(f"fts5: bad query line {len(queries) + 1}: {line!r}")
            queries.append(parts)

    db = sqlite3.connect(":memory:")
    db.execute('CREATE VIRTUAL TABLE t USING fts5(title, body, '
               'tokenize="unicode61 remove_diacritics 2")')

    # rowid = position in ids (1-based); ids[rowid - 1] is the article id.
    ids = []

    def rows():
        for corpus in corpora:
            for doc_id, title, body in read_corpus(corpus):
                ids.append(doc_id)
                yield len(ids), title, body

    t0 = time.perf_counter()
    with db:  # one transaction
        db.executemany("INSERT INTO t(rowid, title, body) VALUES (?, ?, ?)", rows())
    index_s = time.perf_counter() - t0
    log(f"fts5: SQLite {sqlite3.sqlite_version}, indexed {len(ids)} articles "
        f"in {index_s:.1f} s (including reading and decompressing the corpus)")

    sql = (f"SELECT rowid FROM t WHERE t MATCH ? "
           f"ORDER BY bm25(t, {TITLE_WEIGHT}, {BODY_WEIGHT}), rowid LIMIT 10")
    out = sys.stdout
    for form, col in (("accented", 2), ("plain", 3)):
        for qid, q in enumerate(queries):
            expr = match_expr(q[col])
            t = time.perf_counter()
            if expr:
                try:
                    hits = [r[0] for r in db.execute(sql, (expr,)).fetchall()]
                except sqlite3.Error as e:
                    log(f"fts5: query {qid} ({form}) {expr!r} failed: {e}")
                    hits = []
            else:
                hits = []
            ms = (time.perf_counter() - t) * 1000.0
            found = ",".join(ids[rowid - 1] for rowid in hits)
            out.write(f"{SYSTEM}\t{form}\t{qid}\t{ms:.3f}\t{found}\n")
        log(f"fts5: {form}: {len(queries)} queries done")
    out.flush()


if __name__ == "__main__":
    main()
