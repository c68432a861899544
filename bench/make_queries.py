#!/usr/bin/env python3
"""Writes wrk request paths for bench/serve.sh from the shared corpus:
   search.txt  - /search paths: 2-4 consecutive title words, half with
                 diacritics, half typed plain (marks removed, lower case)
   related.txt - /articles/{id}/related paths for random articles
usage: make_queries.py CORPUS.jsonl[.gz] OUT_DIR [N]"""
import gzip, json, random, sys, unicodedata, urllib.parse

def plain(text):
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn").lower()

def main():
    corpus, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    rng = random.Random(2017)
    opener = gzip.open if corpus.endswith(".gz") else open
    articles = [json.loads(line) for line in opener(corpus, "rt", encoding="utf-8")]
    rng.shuffle(articles)
    searches, related = [], []
    for a in articles:
        words = [w for w in a["title"].split() if any(ch.isalpha() for ch in w)]
        if len(words) < 3:
            continue
        k = rng.randint(2, min(4, len(words)))
        start = rng.randint(0, len(words) - k)
        q = " ".join(words[start:start + k]).strip(".,:;!?\"'()")
        if len(searches) % 2:
            q = plain(q)
        searches.append("/search?q=" + urllib.parse.quote(q) + "&limit=10")
        related.append("/articles/" + urllib.parse.quote(a["id"], safe="") + "/related?limit=5")
        if len(searches) >= n:
            break
    with open(out + "/search.txt", "w") as f:
        f.write("\n".join(searches) + "\n")
    with open(out + "/related.txt", "w") as f:
        f.write("\n".join(related) + "\n")

main()
