#!/usr/bin/env python3
"""Summarizes result lines (SYSTEM TAB FORM TAB QID TAB RANK TAB MS) from
fts5_eval.py, lucene.sh or any system following the same contract: per
system and form, the number of queries, MRR@10 (mean of 1/RANK, 0 when RANK
is 0), recall@10 (share of queries with RANK > 0) and the median query time.

Also, from bench-relevance's extra lines: the diacritic restoration rate
(#restore QID EQUAL SUGGESTION) and the "Tin khác" figures (#related SEED
ON_TOPIC SHOWN DUPLICATE_PAIRS).

usage: summarize.py RESULTS.tsv [MORE.tsv ...]   (or results on stdin)"""
import collections
import fileinput
import statistics

ranks = collections.defaultdict(list)
times = collections.defaultdict(list)
restored = []
related = []  # (on_topic, shown, duplicate_pairs)
for line in fileinput.input():
    parts = line.rstrip("\n").split("\t")
    if parts[0] == "#restore" and len(parts) >= 3:
        restored.append(parts[2] == "1")
        continue
    if parts[0] == "#related" and len(parts) == 5:
        related.append(tuple(int(x) for x in parts[2:]))
        continue
    if len(parts) != 5:
        continue
    system, form, _qid, rank, ms = parts
    ranks[system, form].append(int(rank))
    times[system, form].append(float(ms))

print("system\tform\tqueries\tMRR@10\trecall@10\tmedian_ms")
for key in sorted(ranks):
    r = ranks[key]
    mrr = sum(1.0 / x for x in r if x > 0) / len(r)
    recall = sum(1 for x in r if x > 0) / len(r)
    print(f"{key[0]}\t{key[1]}\t{len(r)}\t{mrr:.4f}\t{recall:.4f}\t"
          f"{statistics.median(times[key]):.2f}")

if restored:
    print(f"\ndiacritic restoration: {sum(restored)}/{len(restored)} plain queries restored "
          f"exactly ({100 * sum(restored) / len(restored):.1f}%)")
if related:
    shown = sum(r[1] for r in related)
    print(f"Tin khác: {len(related)} articles, {shown} shown; on-topic "
          f"{100 * sum(r[0] for r in related) / shown:.1f}% of the top 5; articles with a "
          f"duplicate pair in their top 5: {sum(1 for r in related if r[2])}")
