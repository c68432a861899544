#!/usr/bin/env python3
"""A dated copy of a corpus without dates, for the speed benchmarks
(bench/serve.sh, bench/query-timing.sh; docs/benchmarks.md):

  dated_corpus.py IN.jsonl[.gz] OUT.jsonl.gz [FIRST_YEAR LAST_YEAR]

Real news is dated, and the defaults' freshness (recency=auto) costs only
then. Each article gets a "published" date spread evenly over the years
(default 2015-2024) by the rank of its id's number among the corpus's ids,
so newer ids are newer articles, and every run on every machine gets the
same dates. Articles that already have a date keep it.
"""
import datetime
import gzip
import json
import re
import sys


def open_text(path):
    return gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8")


def id_number(article_id):
    digits = re.findall(r"\d+", article_id)
    return (int(digits[-1]) if digits else 0, article_id)


def main():
    if len(sys.argv) not in (3, 5):
        sys.exit(__doc__)
    source, out = sys.argv[1], sys.argv[2]
    first_year, last_year = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) == 5 else (2015, 2024)
    with open_text(source) as f:
        lines = [line for line in f if line.strip()]
    ids = []
    for line in lines:
        try:
            ids.append(str(json.loads(line).get("id", "")))
        except (json.JSONDecodeError, AttributeError):
            ids.append("")
    rank = {key: k for k, key in enumerate(sorted(set(ids), key=id_number))}
    start = datetime.date(first_year, 1, 1)
    days = (datetime.date(last_year, 12, 31) - start).days
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=3) as f:
        for line, article_id in zip(lines, ids):
            try:
                article = json.loads(line)
            except json.JSONDecodeError:
                f.write(line if line.endswith("\n") else line + "\n")  # the indexer reports it
                continue
            if isinstance(article, dict) and not article.get("published"):
                share = rank[article_id] / max(1, len(rank) - 1)
                article["published"] = (start + datetime.timedelta(days=round(share * days))).isoformat()
            f.write(json.dumps(article, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
