#!/usr/bin/env python3
"""Known-item queries for bench/relevance: from random articles' titles, a run
of 2-4 consecutive words with at least two content words (not stopwords),
in two forms: as written (accented) and typed plain (marks removed, lower
case). The target is the article the title came from.

usage: make_queries.py CORPUS.jsonl.gz [N=1000] [SEED=7] > queries.tsv
Output, one query per line: target_id TAB accented TAB plain
Titles shared by several articles are skipped (the target would be ambiguous)."""
import collections, gzip, json, os, random, sys, unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
STOPWORDS = os.path.join(HERE, "..", "..", "analyzers", "data", "stopwords.txt")


def plain(text):
    text = text.replace("đ", "d").replace("Đ", "D")
    nfd = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in nfd if unicodedata.category(c) != "Mn")).lower()


def load_stopwords():
    words = set()
    for line in open(STOPWORDS, encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(plain(line))
    return words


def clean(word):
    return word.strip(".,:;!?\"'()[]“”‘’…-–")


def main():
    corpus = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    stop = load_stopwords()
    articles = [json.loads(line) for line in gzip.open(corpus, "rt", encoding="utf-8")]
    title_count = collections.Counter(plain(a.get("title", "")) for a in articles)
    rng = random.Random(seed)
    rng.shuffle(articles)
    out = 0
    for a in articles:
        title = a.get("title", "")
        if title_count[plain(title)] > 1:
            continue
        words = [clean(w) for w in title.split()]
        words = [w for w in words if w and any(ch.isalpha() for ch in w)]
        if len(words) < 3:
            continue
        k = rng.randint(2, min(4, len(words)))
        start = rng.randint(0, len(words) - k)
        run = words[start:start + k]
        if sum(plain(w) not in stop for w in run) < 2:
            continue
        accented = " ".join(run)
        print(f"{a['id']}\t{accented}\t{plain(accented)}")
        out += 1
        if out >= n:
            break


main()
