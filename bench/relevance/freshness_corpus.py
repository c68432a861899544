#!/usr/bin/env python3
"""The freshness benchmark's inputs (bench/freshness.sh, docs/relevance.md):

  freshness_corpus.py dated NEWS.jsonl.gz OUT.jsonl.gz
      baomoi-2017 with a "published" date on every article. The corpus
      has no dates; baomoi numbers its articles in the order it receives
      them, so the date is read from the id: the dates written in titles and
      leads ("6/2/2017") anchor it, the median date of each twentieth of
      the anchors (in id order) is a knot, the knots are made
      non-decreasing, and an article's date is interpolated between the
      knots around its id (clamped before the first and after the last).
      Prints the knots.

  freshness_corpus.py broad NEWS.jsonl.gz N
      The "broad" intent: the N/2 most frequent title words and the N/2
      most frequent pairs of title words side by side (neither a function
      word of analyzers/data/stopwords.txt, nor a number), as topics a
      reader types into a news search box ("bão", "giá xăng"). Lines of
      QUERIES.tsv: broad TAB - TAB ACCENTED TAB PLAIN (the most frequent
      writing, lower case; PLAIN folded).
"""
import collections
import datetime
import gzip
import json
import re
import statistics
import sys
from pathlib import Path

from corpus import fold, read_jsonl, segments

ANCHOR = re.compile(r"\b(\d{1,2})/(\d{1,2})/(2017)\b")
KNOTS = 20


def number(article_id):
    return int(article_id.rsplit("-", 1)[1])


def dated(news, out):
    articles = list(read_jsonl(news))
    anchors = []
    for a in articles:
        text = a.get("title", "") + " " + a.get("lead", "")
        for d, m, y in ANCHOR.findall(text):
            try:
                day = datetime.date(int(y), int(m), int(d)).toordinal()
            except ValueError:
                continue
            anchors.append((number(a["id"]), day))
            break
    anchors.sort()
    size = max(1, len(anchors) // KNOTS)
    knots = []
    for k in range(0, len(anchors), size):
        chunk = anchors[k:k + size]
        knots.append((statistics.median(i for i, _ in chunk), statistics.median(d for _, d in chunk)))
    for k in range(1, len(knots)):  # non-decreasing
        knots[k] = (knots[k][0], max(knots[k][1], knots[k - 1][1]))

    def date_of(n):
        if n <= knots[0][0]:
            return knots[0][1]
        for (i0, d0), (i1, d1) in zip(knots, knots[1:]):
            if n <= i1:
                return d0 + (d1 - d0) * (n - i0) / max(1, i1 - i0)
        return knots[-1][1]

    with gzip.open(out, "wt", encoding="utf-8") as f:
        for a in articles:
            a["published"] = datetime.date.fromordinal(round(date_of(number(a["id"])))).isoformat()
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    print(f"{len(anchors)} anchors; knots (id → date):", file=sys.stderr)
    for i, d in knots:
        print(f"  {int(i)} → {datetime.date.fromordinal(round(d))}", file=sys.stderr)


def stopwords():
    path = Path(__file__).resolve().parents[2] / "analyzers/data/stopwords.txt"
    words = set()
    for line in open(path, encoding="utf-8"):
        line = line.split("#")[0].strip()
        if line:
            words.add(fold(line))
    return words


def broad(news, n):
    stop = stopwords()
    df = collections.Counter()
    writings = collections.defaultdict(collections.Counter)

    def topical(folded):
        return folded not in stop and not any(c.isdigit() for c in folded) and len(folded) > 1

    for a in read_jsonl(news):
        seen = set()
        for seg in segments(a.get("title", "")):
            low = [w.lower() for w in seg]
            folded = [fold(w) for w in low]
            for k, f in enumerate(folded):
                if topical(f):
                    seen.add((f,))
                    writings[(f,)][low[k]] += 1
                if k and topical(folded[k - 1]) and topical(f):
                    seen.add((folded[k - 1], f))
                    writings[(folded[k - 1], f)][low[k - 1] + " " + low[k]] += 1
        df.update(seen)
    # A word that is mostly half of one pair ("thủ" of "thủ tướng") is not a
    # topic of its own: the pair is.
    top_pair = collections.Counter()
    for t, c in df.items():
        if len(t) == 2:
            for w in t:
                top_pair[w] = max(top_pair[w], c)
    words = [t for t, c in df.most_common()
             if len(t) == 1 and top_pair[t[0]] < 0.4 * c][: n // 2]
    pairs = [t for t, _ in df.most_common() if len(t) == 2][: n - n // 2]
    for t in words + pairs:
        accented = writings[t].most_common(1)[0][0]
        print(f"broad\t-\t{accented}\t{fold(accented)}")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "dated":
        dated(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "broad":
        broad(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
