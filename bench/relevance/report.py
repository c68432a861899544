#!/usr/bin/env python3
"""The judge of the relevance suite: reads what every system returned and
prints one Markdown table per intent, the "Tin khác" table and a summary
(tracuu against the best other system), and writes them to a file.

usage: report.py --queries QUERIES.tsv --seeds SEEDS.tsv --corpus FILE [--corpus FILE ...]
                 [--markdown OUT.md] [--note TEXT] RESULTS.tsv [RESULTS.tsv ...]

RESULTS lines (bench-relevance, fts5_eval.py, LuceneEval.java):
    SYSTEM TAB FORM TAB QID TAB MS TAB ID,ID,...      (top 10, best first)
    #restore TAB QID TAB EQUAL TAB SUGGESTION         (tracuu's restored reading)
    #related TAB SYSTEM TAB SEED TAB MS TAB ID,ID,... (top 5 "Tin khác")

Measures, per intent (the first part of QUERIES.tsv's INTENT:GROUP):
- names: P@k, k = min(10, number of targets): the share of the top k that
  hold the name side by side; "all k": the share of queries whose top k
  all hold it (every document writing the name comes before those that
  only hold its syllables apart).
- misspelling: also MRR@10 per kind (the GROUP), each beside the same
  queries typed right (the intent misspelling-correct, same kinds).
- every table: the queries with no result at all, per form.
- the others: MRR@10 of the first target (a target: the document the query
  was drawn from, or one of the documents holding the code), and R@10, the
  share of queries with a target in the top 10.
"Tin khác" (top 5 of each seed; an empty slot counts as a miss):
- same category: the shown article has the seed's category (seeds of the
  categorized file; an article of another file has no category, so it
  counts as a miss, and "of categorized" gives the share among the shown
  articles that have one);
- rare pair: the shown article holds, side by side anywhere in its text,
  one of the seed's rare pairs (SEEDS.tsv: pairs in at most 30 documents);
- self: the seed itself or a near copy of it shown; duplicate pairs: two
  near copies shown to the same seed (near copy: the word 3-shingles of the
  two folded texts overlap by Jaccard >= 0.5). A shown copy of the seed, or
  of an article shown above it, is a miss for both judges: it shares every
  pair of the seed (or of the other) and tells the reader nothing new.
"""
import argparse
import collections
import statistics
import sys

from corpus import folded_segments, full_text, read_jsonl

SYSTEMS = {  # display order and names
    "tracuu": "**tracuu**",
    "xapian-stock": "stock Xapian",
    "lucene8": "Lucene 8",
    "fts5": "SQLite FTS5",
    "lucene8-mlt": "Lucene 8 MoreLikeThis",
}
RELATED_NAMES = {
    "tracuu": "**tracuu** `Searcher::related`",
    "xapian-stock": "stock Xapian (Omega MORELIKE: RSet, ESet 40, OR)",
    "lucene8-mlt": "Lucene 8 MoreLikeThis (defaults)",
}
INTENTS = {  # display order, heading, what the query is
    "title": ("Title words (known item)",
              "2-4 consecutive words of a baomoi title (make_queries.py); target: the article"),
    "typing": ("Search as you type",
               "the title queries, last word cut to half its letters (typing_queries.py)"),
    "passage": ("Passage from deep inside a long document",
                "7 consecutive words at least 30% into a law or a 5,000+ character news "
                "body, unique in the mixed corpus, typed unquoted; target: the document"),
    "identifier": ("Document numbers and codes, typed alone",
                   "own-number: a law's own number (target: that law); document, plate, "
                   "code: cited numbers, licence plates, model codes (targets: every "
                   "document holding it)"),
    "identifier-context": ("Document numbers and codes, in a few words of context",
                           "the same codes after the words written before them "
                           "(`Luật số 91/2015/QH13`)"),
    "names": ("Names written side by side",
              "2- and 3-syllable names in few titles whose syllables stand apart in many "
              "more documents; targets: the documents holding the name side by side"),
    "questions": ("Questions (issue 23)",
                  "people: the questions of questions-vi-dev (target: their passage, indexed "
                  "among the news); the other groups: generated from one baomoi sentence, the "
                  "answer taken out, words dropped or replaced, the question word added "
                  "(people_queries.py); target: the article"),
    "long": ("Long descriptions (issue 23)",
             "8-20 words of an article's lead, words dropped, replaced by near words, "
             "clauses swapped (people_queries.py); target: the article"),
    "misspelling": ("Misspellings (issue 23)",
                    "title queries with one mistake each, by kind (people_queries.py); the "
                    "same queries typed right are `misspelling-correct`; target: the article"),
    "misspelling-correct": ("Misspellings typed right (issue 23)",
                            "the misspelled queries' originals, query for query"),
}
SHINGLE_JACCARD = 0.5


def order(names, table):
    known = [n for n in table if n in names]
    return known + sorted(n for n in names if n not in table)


def read_queries(path):
    out = []
    for line in open(path, encoding="utf-8"):
        intent, targets, accented, plain = line.rstrip("\n").split("\t")
        name, _, group = intent.partition(":")
        out.append({"intent": name, "group": group, "targets": set(targets.split(",")),
                    "accented": accented, "plain": plain})
    return out


def read_results(paths):
    results = {}  # (system, form, qid) → (ms, ids)
    restore = {}  # qid → equal
    related = collections.defaultdict(dict)  # system → seed → (ms, ids)
    for path in paths:
        for line in open(path, encoding="utf-8"):
            p = line.rstrip("\n").split("\t")
            if p[0] == "#restore" and len(p) >= 3:
                restore[int(p[1])] = p[2] == "1"
            elif p[0] == "#related" and len(p) == 5:
                related[p[1]][p[2]] = (float(p[3]), [x for x in p[4].split(",") if x])
            elif len(p) == 5 and not p[0].startswith("#"):
                results[p[0], p[1], int(p[2])] = (float(p[3]), [x for x in p[4].split(",") if x])
    return results, restore, related


def score(query, ids):
    """(primary, secondary) for one query's returned ids."""
    targets = query["targets"]
    if query["intent"] == "names":
        k = min(10, len(targets))
        p = sum(i in targets for i in ids[:k]) / k
        return p, float(p == 1)
    for rank, i in enumerate(ids[:10], 1):
        if i in targets:
            return 1 / rank, 1.0
    return 0.0, 0.0


def measures(intent):
    return ("P@k", "all k") if intent == "names" else ("MRR@10", "R@10")


def evaluate(queries, results):
    """(intent, group or "", system, form) → [(primary, secondary, ms)]."""
    scores = collections.defaultdict(list)
    systems = sorted({s for s, _, _ in results})
    for qid, q in enumerate(queries):
        for system in systems:
            for form in ("accented", "plain"):
                got = results.get((system, form, qid))
                if got is None:
                    continue
                ms, ids = got
                primary, secondary = score(q, ids)
                for group in ("", q["group"]) if q["group"] else ("",):
                    scores[q["intent"], group, system, form].append(
                        (primary, secondary, ms, not ids))
    return scores


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def intent_tables(queries, scores, restore):
    out = []
    summary = []
    intents = order({q["intent"] for q in queries}, INTENTS)
    for intent in intents:
        heading, what = INTENTS.get(intent, (intent, ""))
        qs = [q for q in queries if q["intent"] == intent]
        groups = sorted({q["group"] for q in qs if q["group"]})
        m1, m2 = measures(intent)
        out.append(f"### {heading} (`{intent}`, {len(qs)} queries)\n")
        if what:
            out.append(what + ".\n")
        systems = order({s for (i, g, s, f) in scores if i == intent}, SYSTEMS)
        out.append(f"| system | accented {m1} | accented {m2} | plain {m1} | plain {m2} | "
                   "no result acc. / plain | median ms |")
        out.append("|---|---|---|---|---|---|---|")
        best = {}
        for system in systems:
            row = [SYSTEMS.get(system, system)]
            ms = []
            for form in ("accented", "plain"):
                s = scores.get((intent, "", system, form), [])
                row += [f"{mean([x[0] for x in s]):.3f}", f"{mean([x[1] for x in s]):.3f}"]
                ms.append(f"{statistics.median([x[2] for x in s]):.1f}" if s else "-")
                if system != "tracuu" and s:
                    v = mean([x[0] for x in s])
                    if v > best.get(form, (-1, ""))[0]:
                        best[form] = (v, system)
            row.append(" / ".join(str(sum(x[3] for x in scores.get((intent, "", system, f), [])))
                                  for f in ("accented", "plain")))
            row.append(" / ".join(ms))
            out.append("| " + " | ".join(row) + " |")
        out.append("")
        if intent == "misspelling":
            out += misspelling_tables(scores, systems, groups, m1)
        elif len(groups) > 1 and intent != "misspelling-correct":
            counts = collections.Counter(q["group"] for q in qs)
            cols = [f"{g} ({counts[g]}) acc. / plain" for g in groups]
            out.append(f"{m1} by group:\n")
            out.append("| system | " + " | ".join(cols) + " |")
            out.append("|---|" + "---|" * len(cols))
            for system in systems:
                cells = []
                for g in groups:
                    v = [mean([x[0] for x in scores.get((intent, g, system, f), [])])
                         for f in ("accented", "plain")]
                    cells.append(f"{v[0]:.3f} / {v[1]:.3f}")
                out.append(f"| {SYSTEMS.get(system, system)} | " + " | ".join(cells) + " |")
            out.append("")
        # Whole words with marks to restore: titles and names (a word cut
        # short, a code or a 7-word passage says little about it).
        restored = [restore[i] for i, q in enumerate(queries) if q["intent"] == intent
                    and i in restore and intent in ("title", "names")]
        if restored:
            out.append(f"tracuu's suggestion for the plain form equals the accented query "
                       f"(case aside) for {100 * mean(restored):.1f}% of them.\n")
        for form in ("accented", "plain"):
            mine = scores.get((intent, "", "tracuu", form))
            if mine and form in best:
                summary.append((intent, form, m1, mean([x[0] for x in mine]), *best[form]))
    return out, summary


def misspelling_tables(scores, systems, kinds, m1):
    """Per kind, each form: the misspelled queries' measure beside the same
    queries typed right (`misspelling-correct`, same kinds, query for query)."""
    out = []
    for form in ("accented", "plain"):
        out.append(f"{m1} by kind, {form}, misspelled / typed right:\n")
        cols = kinds + ["all"]
        out.append("| system | " + " | ".join(cols) + " |")
        out.append("|---|" + "---|" * len(cols))
        for system in systems:
            cells = []
            for g in kinds + [""]:
                v = [mean([x[0] for x in scores.get((i, g, system, form), [])])
                     for i in ("misspelling", "misspelling-correct")]
                cells.append(f"{v[0]:.3f} / {v[1]:.3f}")
            out.append(f"| {SYSTEMS.get(system, system)} | " + " | ".join(cells) + " |")
        out.append("")
    out.append("Misspelled queries with no result by kind, accented / plain:\n")
    out.append("| system | " + " | ".join(kinds + ["all"]) + " |")
    out.append("|---|" + "---|" * (len(kinds) + 1))
    for system in systems:
        cells = [" / ".join(str(sum(x[3] for x in scores.get(("misspelling", g, system, f), [])))
                            for f in ("accented", "plain")) for g in kinds + [""]]
        out.append(f"| {SYSTEMS.get(system, system)} | " + " | ".join(cells) + " |")
    out.append("")
    return out


def summary_table(summary):
    out = ["### Summary: tracuu against the best other system\n",
           "| intent | form | measure | tracuu | best other | system | tracuu − best |",
           "|---|---|---|---|---|---|---|"]
    for intent, form, m, mine, best, system in summary:
        out.append(f"| {intent} | {form} | {m} | {mine:.3f} | {best:.3f} | "
                   f"{SYSTEMS.get(system, system)} | {mine - best:+.3f} |")
    out.append("")
    return out


# --- "Tin khác" -------------------------------------------------------------

class Doc:
    def __init__(self, a):
        segs = folded_segments(full_text(a))
        self.category = a.get("category") or ""
        self.pairs = {f"{x} {y}" for seg in segs for x, y in zip(seg, seg[1:])}
        words = [w for seg in segs for w in seg]
        self.shingles = {" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))}


def near_copies(a, b):
    if not a.shingles or not b.shingles:
        return False
    common = len(a.shingles & b.shingles)
    return common / (len(a.shingles) + len(b.shingles) - common) >= SHINGLE_JACCARD


def read_seeds(path):
    seeds = []
    for line in open(path, encoding="utf-8"):
        group, seed, category, rare = line.rstrip("\n").split("\t")
        seeds.append((group, seed, category, set(rare.split("|")) - {""}))
    return seeds


def related_table(seeds, related, corpora):
    wanted = {s for _, s, _, _ in seeds}
    for by_seed in related.values():
        for _, ids in by_seed.values():
            wanted.update(ids)
    docs = {}
    for path in corpora:
        for a in read_jsonl(path):
            if a["id"] in wanted:
                docs[a["id"]] = Doc(a)
    groups = order({g for g, *_ in seeds}, ("categorized", "news", "laws"))
    n = collections.Counter(g for g, *_ in seeds)
    cols = ["same category (categorized seeds)", "same category, of categorized shown"]
    cols += [f"rare pair ({g} seeds)" for g in groups]
    cols += ["shown per seed", "self or copy of the seed", "duplicate pairs", "median ms"]
    out = [f"### \"Tin khác\" ({len(seeds)} seeds: "
           + ", ".join(f"{n[g]} {g}" for g in groups) + "; top 5)\n",
           "| system | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for system in order(set(related), RELATED_NAMES):
        by_seed = related[system]
        same = of_categorized = categorized_shown = 0
        pair_hits = collections.Counter()
        shown = self_shown = dup_pairs = 0
        ms = []
        for group, seed, category, rare in seeds:
            if seed not in by_seed:
                continue
            t, ids = by_seed[seed]
            ms.append(t)
            ids = ids[:5]
            shown += len(ids)
            seed_doc = docs.get(seed)
            shown_docs = [docs.get(i) for i in ids]
            earlier = []
            for i, d in zip(ids, shown_docs):
                if d is None:
                    continue
                copy_of_seed = i == seed or (seed_doc is not None and near_copies(d, seed_doc))
                self_shown += copy_of_seed
                # A copy of the seed or of an article shown above it earns
                # nothing: it shares every pair and tells the reader nothing new.
                wasted = copy_of_seed or any(near_copies(d, e) for e in earlier)
                earlier.append(d)
                if group == "categorized":
                    same += d.category == category and not wasted
                    if d.category:
                        categorized_shown += 1
                        of_categorized += d.category == category and not wasted
                pair_hits[group] += bool(rare & d.pairs) and not wasted
            present = [d for d in shown_docs if d is not None]
            dup_pairs += sum(near_copies(present[x], present[y])
                             for x in range(len(present)) for y in range(x + 1, len(present)))
        seeds_run = len([1 for _, s, _, _ in seeds if s in by_seed])
        row = [RELATED_NAMES.get(system, system),
               f"{same / (5 * n['categorized']):.3f}" if n["categorized"] else "-",
               f"{of_categorized / categorized_shown:.3f}" if categorized_shown else "-"]
        row += [f"{pair_hits[g] / (5 * n[g]):.3f}" for g in groups]
        row += [f"{shown / max(1, seeds_run):.2f}", str(self_shown), str(dup_pairs),
                f"{statistics.median(ms):.1f}" if ms else "-"]
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--queries", required=True)
    ap.add_argument("--seeds")
    ap.add_argument("--corpus", action="append", default=[])
    ap.add_argument("--markdown")
    ap.add_argument("--note", default="")
    ap.add_argument("results", nargs="+")
    args = ap.parse_args()
    queries = read_queries(args.queries)
    results, restore, related = read_results(args.results)
    scores = evaluate(queries, results)
    lines = [args.note, ""] if args.note else []
    tables, summary = intent_tables(queries, scores, restore)
    lines += tables
    if args.seeds and related:
        lines += related_table(read_seeds(args.seeds), related, args.corpus)
    lines += summary_table(summary)
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
