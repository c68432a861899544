#!/usr/bin/env python3
"""The freshness tables (bench/freshness.sh, docs/relevance.md#freshness).

usage: freshness_report.py --queries QUERIES.tsv --corpus FILE [--corpus FILE ...]
                           MODE=RESULTS.tsv [MODE=RESULTS.tsv ...]

MODE is a recency profile (off, auto, strong); RESULTS are bench-relevance's
lines for it (with its #fresh lines). Prints two Markdown tables:
- broad queries (intent "broad"): the median age, in days before the newest
  article, of the top 10 (per query the median of its dated hits, then the
  median over the queries), and how often the profile applied;
- every other intent: its measure (report.py's: MRR@10, or P@k for names)
  under each profile, the change against off, and how often it applied.
"""
import argparse
import collections
import datetime
import statistics
import sys

from corpus import read_jsonl
from report import INTENTS, measures, order, read_queries, score


def read_modes(pairs):
    results, applied = {}, {}
    for pair in pairs:
        mode, _, path = pair.partition("=")
        for line in open(path, encoding="utf-8"):
            p = line.rstrip("\n").split("\t")
            if p[0] == "#fresh" and len(p) == 4:
                applied[mode, p[1], int(p[2])] = p[3] == "1"
            elif len(p) == 5 and not p[0].startswith("#"):
                results[mode, p[1], int(p[2])] = [x for x in p[4].split(",") if x]
    return [p.partition("=")[0] for p in pairs], results, applied


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", required=True)
    ap.add_argument("--corpus", action="append", default=[])
    ap.add_argument("--now", help="YYYY-MM-DD ages count from (default: the newest article)")
    ap.add_argument("results", nargs="+")
    a = ap.parse_args()
    queries = read_queries(a.queries)
    modes, results, applied = read_modes(a.results)
    published = {}
    for path in a.corpus:
        for art in read_jsonl(path):
            if art.get("published"):
                published[art["id"]] = datetime.date.fromisoformat(art["published"][:10]).toordinal()
    newest = (datetime.date.fromisoformat(a.now).toordinal() if a.now
              else max(published.values()))

    out = ["### Broad queries: median age of the top 10 (days before the newest article)\n",
           "| queries | n | " + " | ".join(modes) + " | auto / off | auto applied |",
           "|---|---:|" + "---:|" * len(modes) + "---:|---:|"]
    broad = [(i, q) for i, q in enumerate(queries) if q["intent"] == "broad"]
    for label, words in (("one word", 1), ("two words", 2), ("all", None)):
        qs = [(i, q) for i, q in broad if words is None or len(q["accented"].split()) == words]
        if not qs:
            continue
        for form in ("accented", "plain"):
            ages = {}
            for mode in modes:
                per_query = []
                for i, _ in qs:
                    days = [abs(newest - published[d]) for d in results.get((mode, form, i), [])
                            if d in published]
                    if days:
                        per_query.append(statistics.median(days))
                ages[mode] = median(per_query)
            share = mean([applied.get(("auto", form, i), False) for i, _ in qs])
            ratio = ages.get("auto", float("nan")) / ages["off"] if ages.get("off") else float("nan")
            out.append(f"| {label}, {form} | {len(qs)} | " +
                       " | ".join(f"{ages[m]:.1f}" for m in modes) +
                       f" | {ratio:.2f} | {share:.0%} |")

    out += ["", "### Every intent under each profile\n",
            "| intent | form | measure | " + " | ".join(modes) + " | auto − off | auto applied |",
            "|---|---|---|" + "---:|" * len(modes) + "---:|---:|"]
    intents = order({q["intent"] for q in queries} - {"broad"}, INTENTS)
    for intent in intents:
        qs = [(i, q) for i, q in enumerate(queries) if q["intent"] == intent]
        m, _ = measures(intent)
        for form in ("accented", "plain"):
            vals = {mode: mean([score(q, results.get((mode, form, i), []))[0] for i, q in qs])
                    for mode in modes}
            share = mean([applied.get(("auto", form, i), False) for i, _ in qs])
            delta = vals.get("auto", float("nan")) - vals.get("off", float("nan"))
            out.append(f"| {intent} | {form} | {m} | " +
                       " | ".join(f"{vals[mode]:.3f}" for mode in modes) +
                       f" | {delta:+.3f} | {share:.0%} |")
    print("\n".join(out))


if __name__ == "__main__":
    sys.exit(main())
