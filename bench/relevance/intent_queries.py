#!/usr/bin/env python3
"""Queries of three more search intents, and the seed articles of "Tin khác",
drawn from the mixed corpus (every system indexes all the files named here).

usage: intent_queries.py --news BAOMOI.jsonl.gz --laws LAWS.jsonl.gz
           --categorized TIN.jsonl [--passage 300] [--identifiers 200]
           [--names 200] [--related-seeds 200,200,55] [--seed 7]
           --seeds-out SEEDS.tsv > QUERIES.tsv

QUERIES.tsv, one query a line:  INTENT:GROUP TAB TARGETS TAB ACCENTED TAB PLAIN
(TARGETS: ids separated by commas; PLAIN: corpus.fold() of ACCENTED). Each
intent's lines come in random order (its groups mixed), so its first N lines
are a fair smaller sample (the quick mode of bench/relevance.sh).

- passage:laws / passage:news: 7 consecutive words of one line of a long
  body (a law; a news body of 5,000+ characters), starting at least 30%
  into the body, typed unquoted. Kept only when the folded 7-word sequence
  occurs in no other document of the mixed corpus (punctuation ignored).
  Target: that document.
- identifier:GROUP and identifier-context:GROUP: a document number or code
  typed alone (`91/2015/QH13`) and after the words written before it
  (`Luật số 91/2015/QH13`, `Nghị định số 100/2019/NĐ-CP`).
  own-number: a law's own number, read from its header ("Luật số:",
  "Bộ luật số:", "Số:"); target: that law alone (other documents cite it,
  but the law is what the number names). document (numbers of decrees,
  decisions, circulars, ... cited in the texts), plate (licence plates),
  code (model codes: `Su-27P`, `F-15E`): targets: every document whose text
  holds the code (folded, as a whole token).
- names:2 / names:3: two- and three-syllable names written capitalized
  side by side in the middle of sentences, in 3-300 documents, in few
  titles, whose syllables stand apart in at least 3x as many documents.
  Targets: every document holding the folded syllables side by side
  (corpus.segments). Judged by precision@k, k = min(10, targets).

SEEDS.tsv, one seed article a line:  GROUP TAB ID TAB CATEGORY TAB RARE_PAIRS
(GROUP categorized/news/laws; RARE_PAIRS: the folded letter pairs side by
side in the seed's title, lead or body that stand side by side in at most
30 documents of the mixed corpus, separated by "|").
"""
import argparse
import array
import collections
import random
import re
import sys
import time
import unicodedata

from corpus import fold, fold_word, folded_segments, full_text, read_jsonl, segments

RARE_PAIR_DOCS = 30  # judge (b) of "Tin khác": a pair in at most this many documents
LONG_NEWS_BODY = 5000  # characters: a news body long enough for the passage intent
PASSAGE_WORDS = 7
PASSAGE_START = 0.3  # passages start at least this far into the body
NAME_DOCS = (3, 300)  # documents holding a name side by side
NAME_APART = 3  # syllables apart in at least this many times as many documents

# Codes, matched on the text as written (capitals tell a code from a unit:
# `133/QĐ-UBND` but not `5/năm`).
TOKEN = re.compile(r"(?<![\w./-])\w+(?:[./-]\w+)+")
CODE_CLASSES = (
    ("document", re.compile(r"\d{1,5}(?:/\d{4})?/[A-ZĐ]{1,8}\d{0,2}(?:-[A-ZĐ]{1,10}\d{0,2})*"
                            r"|\d{1,5}-[A-ZĐ]{1,6}/[A-ZĐ]{1,8}\d{0,2}")),
    ("plate", re.compile(r"\d{2}[A-Z]{1,2}\d?-\d{3}\.\d{2}|\d{2}[A-Z]{1,2}\d?-\d{4,5}")),
    ("code", re.compile(r"[A-Z][A-Za-z]{0,4}-\d{1,4}[A-Z]{0,3}")),
)
OWN_NUMBER = re.compile(r"^(?:Bộ luật số|Luật số|Số)\s*:+\s*(\S+)\s*$", re.M)
CONTEXT_BREAK = re.compile(r"[,.;:!?()\[\]\"“”'‘’…–-]")


def log(*args):
    print("intent_queries:", *args, file=sys.stderr, flush=True)


def tokens(text):
    """The code-like tokens of a text: (token as written, start offset)."""
    for m in TOKEN.finditer(text):
        yield m.group(0).rstrip("./-"), m.start()


def code_class(token):
    for name, pattern in CODE_CLASSES:
        if pattern.fullmatch(token):
            return name
    return None


def context_before(text, start):
    """The last 3 words (or fewer) written before `start` on its line and
    after its last punctuation, all letters: "..., theo Nghị định số
    100/2019/NĐ-CP" → ["Nghị", "định", "số"]; [] when there are none."""
    line = text[text.rfind("\n", 0, start) + 1:start]
    line = CONTEXT_BREAK.split(line)[-1]
    words = line.split()[-3:]
    return words if words and all(w.isalpha() for w in words) else []


def capitalized(word):
    return word[:1].isupper() and not word.isupper() and word.isalpha()


# A Vietnamese syllable, folded: onset, vowels, coda. Names are made of them
# ("Bình Tân", "Lê Hoàng Phong"); runs with other words are mostly not one
# name ("Đức Hitler", "Syria Mỹ", "Cty Đầu").
VIETNAMESE_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}"
    r"(?:ng|nh|ch|[cmnptiyou])?")


class Corpus:
    """What the first pass over the mixed corpus keeps."""

    def __init__(self):
        self.ids, self.source = [], []
        self.category = []
        self.postings = collections.defaultdict(lambda: array.array("I"))  # syllable → docs
        self.pair_docs = collections.Counter()  # folded pair side by side → documents
        self.names = {2: collections.defaultdict(collections.Counter),
                      3: collections.defaultdict(collections.Counter)}  # folded → written forms
        self.codes = collections.defaultdict(list)  # folded token → documents
        self.code_class = {}  # folded code → class
        self.code_written = {}  # folded code → as first written
        self.code_context = {}  # folded code → words before it, first occurrence with some
        self.own_numbers = []  # (folded, written, doc, "Luật số" or "Bộ luật số")
        self.passages = {"laws": [], "news": []}  # (doc, words as written)


def first_pass(paths, seed):
    c = Corpus()
    for label, path in paths:
        for a in read_jsonl(path):
            d = len(c.ids)
            c.ids.append(a["id"])
            c.source.append(label)
            c.category.append(a.get("category") or "")
            body = unicodedata.normalize("NFC", a.get("body") or "")
            text = unicodedata.normalize("NFC", full_text(a))
            segs = segments(text)
            read_words(c, d, segs)
            read_names(c, segs)
            read_codes(c, d, text)
            if label == "laws":
                read_own_number(c, d, body)
            if label == "laws" or (label == "news" and len(body) >= LONG_NEWS_BODY):
                group = "laws" if label == "laws" else "news"
                rng = random.Random(f"{seed}:{a['id']}")
                for _ in range(8 if label == "laws" else 1):
                    p = pick_passage(body, rng)
                    if p:
                        c.passages[group].append((d, p))
        log(f"read {path}: {len(c.ids)} documents so far")
    return c


def read_words(c, d, segs):
    syllables, pairs = set(), set()
    for seg in segs:
        fs = [fold_word(w) for w in seg]
        syllables.update(fs)
        pairs.update(zip(fs, fs[1:]))
    for s in syllables:
        c.postings[s].append(d)
    c.pair_docs.update(pairs)


def read_names(c, segs):
    """Capitalized runs of exactly 2 or 3 words inside a segment, not at its
    start (a sentence's first word is capitalized anyway: "Theo Mỹ")."""
    seen = set()
    for seg in segs:
        for i in range(1, len(seg) - 1):
            if capitalized(seg[i - 1]):
                continue  # not the start of a capitalized run
            for n in (2, 3):
                run = seg[i:i + n]
                if len(run) == n and all(capitalized(w) for w in run) and \
                        (i + n == len(seg) or not capitalized(seg[i + n])):
                    key = " ".join(fold_word(w) for w in run)
                    if (n, key) not in seen:
                        seen.add((n, key))
                        c.names[n][key][" ".join(run)] += 1


def read_codes(c, d, text):
    seen = set()
    for tok, start in tokens(text):
        if not any(ch.isalpha() for ch in tok):
            continue  # dates and scores
        key = fold(tok)
        if key not in seen:
            seen.add(key)
            c.codes[key].append(d)
        cls = code_class(tok)
        if cls and key not in c.code_class:
            c.code_class[key] = cls
            c.code_written[key] = tok
        if cls and key not in c.code_context:
            words = context_before(text, start)
            if words:
                c.code_context[key] = words


def read_own_number(c, d, body):
    m = OWN_NUMBER.search(body[:600])
    if not m or code_class(m.group(1)) != "document":
        return  # e.g. "73/2006/QH 11": not one token
    written = m.group(1)
    kind = "Bộ luật số" if "BỘ LUẬT" in body[:600] else "Luật số"
    c.own_numbers.append((fold(written), written, d, kind))


def pick_passage(body, rng):
    """7 words of one line, starting at least 30% into the body, or None."""
    words, line_of = [], []
    for n, line in enumerate(body.split("\n")):
        for seg in segments(line):
            words += seg
            line_of += [n] * len(seg)
    first = int(PASSAGE_START * len(words) + 0.999)
    for _ in range(20):
        if len(words) - PASSAGE_WORDS < first:
            return None
        i = rng.randint(first, len(words) - PASSAGE_WORDS)
        run = words[i:i + PASSAGE_WORDS]
        if line_of[i] == line_of[i + PASSAGE_WORDS - 1] and \
                sum(any(ch.isalpha() for ch in w) and len(w) > 1 for w in run) >= 5:
            return run
    return None


def second_pass(paths, c, passage_pool, name_pool, seed_docs):
    """Documents holding each pooled passage and name; the seeds' rare pairs."""
    by_bigram = collections.defaultdict(list)
    for i, (_, words) in enumerate(passage_pool):
        f = [fold_word(w) for w in words]
        by_bigram[f[0], f[1]].append((i, f))
    passage_docs = [set() for _ in passage_pool]
    names = {key for key, *_ in name_pool}
    name_docs = {key: set() for key in names}
    name_title_docs = collections.Counter()
    triples = collections.defaultdict(set)  # folded pair → third words of pooled triples
    for key in names:
        w = key.split()
        if len(w) == 3:
            triples[w[0], w[1]].add(w[2])
    rare = {}
    d = 0
    for _, path in paths:
        for a in read_jsonl(path):
            fsegs = folded_segments(full_text(a))
            words = [w for seg in fsegs for w in seg]
            for i in range(len(words) - PASSAGE_WORDS + 1):
                for j, f in by_bigram.get((words[i], words[i + 1]), ()):
                    if words[i:i + PASSAGE_WORDS] == f:
                        passage_docs[j].add(d)
            for key in names_in(fsegs, names, triples):
                name_docs[key].add(d)
            for key in names_in(folded_segments(a.get("title") or ""), names, triples):
                name_title_docs[key] += 1
            if d in seed_docs:
                rare[d] = sorted({f"{x} {y}" for seg in fsegs for x, y in zip(seg, seg[1:])
                                  if len(x) > 1 and len(y) > 1 and x.isalpha() and y.isalpha() and
                                  c.pair_docs[x, y] <= RARE_PAIR_DOCS})
            d += 1
    return passage_docs, name_docs, name_title_docs, rare


def names_in(fsegs, names, triples):
    found = set()
    for seg in fsegs:
        for i in range(len(seg) - 1):
            pair = seg[i] + " " + seg[i + 1]
            if pair in names:
                found.add(pair)
            if i + 2 < len(seg) and seg[i + 2] in triples.get((seg[i], seg[i + 1]), ()):
                found.add(pair + " " + seg[i + 2])
    return found


def name_quota(n):
    """Three 2-syllable names for one of three syllables."""
    return {2: n - n // 4, 3: n // 4}


def name_candidates(c, n):
    """Names written capitalized in the middle of sentences in most of the
    documents that hold them side by side, whose syllables stand apart in
    many more. (The exact side-by-side and title counts come from the
    second pass; pair_docs is exact for pairs, an estimate for triples.)"""
    out = []
    for key, forms in c.names[n].items():
        syl = key.split()
        if not all(VIETNAMESE_SYLLABLE.fullmatch(s) for s in syl) or len(set(syl)) < n:
            continue
        written_docs = sum(forms.values())
        together = c.pair_docs[syl[0], syl[1]] if n == 2 else written_docs
        if not NAME_DOCS[0] <= together <= NAME_DOCS[1] or 2 * written_docs < together:
            continue
        both = set(c.postings[syl[0]])
        for s in syl[1:]:
            both.intersection_update(c.postings[s])
        if len(both) - together < NAME_APART * together:
            continue
        out.append((key, forms.most_common(1)[0][0], written_docs))
    out.sort()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--news", required=True)
    ap.add_argument("--laws", required=True)
    ap.add_argument("--categorized", required=True)
    ap.add_argument("--passage", type=int, default=300)
    ap.add_argument("--identifiers", type=int, default=200)
    ap.add_argument("--names", type=int, default=200)
    ap.add_argument("--related-seeds", default="200,200,55",
                    help="seeds from the categorized, news and laws files")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--seeds-out", required=True)
    args = ap.parse_args()
    t0 = time.time()
    # The order the systems index them in does not matter; this one is fixed.
    paths = [("news", args.news), ("laws", args.laws), ("categorized", args.categorized)]
    c = first_pass(paths, args.seed)
    log(f"first pass: {len(c.ids)} documents, {len(c.pair_docs)} pairs, {time.time() - t0:.0f} s")

    rng = random.Random(args.seed)
    passage_pool = []
    for group in ("laws", "news"):
        cands = c.passages[group]
        rng.shuffle(cands)
        passage_pool += [(group, p) for p in cands[:args.passage]]  # 2x what is kept
    pool = [(d, words) for _, (d, words) in passage_pool]
    name_pool = []
    for n, quota in name_quota(args.names).items():
        cands = name_candidates(c, n)
        rng.shuffle(cands)
        name_pool += cands[:3 * quota]  # the exact counts leave some out
    seeds = pick_seeds(c, args.related_seeds, rng)
    seed_docs = {d for _, d in seeds}
    passage_docs, name_docs, name_title_docs, rare = second_pass(
        paths, c, pool, name_pool, seed_docs)
    log(f"second pass done, {time.time() - t0:.0f} s")

    out = sys.stdout
    write_passages(out, c, passage_pool, passage_docs, args.passage)
    write_identifiers(out, c, args.identifiers, rng)
    write_names(out, c, name_pool, name_docs, name_title_docs, args.names, rng)
    with open(args.seeds_out, "w", encoding="utf-8") as f:
        for group, d in seeds:
            f.write(f"{group}\t{c.ids[d]}\t{c.category[d]}\t{'|'.join(rare.get(d, []))}\n")
    log(f"done in {time.time() - t0:.0f} s")


def write_passages(out, c, passage_pool, passage_docs, n):
    kept = {"laws": [], "news": []}
    for (group, (d, words)), docs in zip(passage_pool, passage_docs):
        if docs == {d} and len(kept[group]) < n // 2:
            kept[group].append((d, words))
    log(f"passages: {len(kept['laws'])} laws, {len(kept['news'])} news kept (unique) of "
        f"{len(passage_pool)} drawn")
    for i in range(max(len(v) for v in kept.values())):  # interleaved
        for group in ("laws", "news"):
            if i < len(kept[group]):
                d, words = kept[group][i]
                q = " ".join(words)
                out.write(f"passage:{group}\t{c.ids[d]}\t{q}\t{fold(q)}\n")


def write_identifiers(out, c, n, rng):
    """A quarter own numbers (at most), the rest split among the cited classes."""
    own = sorted(c.own_numbers, key=lambda x: x[2])
    rng.shuffle(own)
    own = own[:n // 4]
    own_keys = {key for key, *_ in own}
    rows = [("own-number", key, written, [c.ids[d]], f"{kind} {written}")
            for key, written, d, kind in own]
    by_class = collections.defaultdict(list)
    for key in sorted(c.code_class):
        if key not in own_keys and key in c.code_context:
            by_class[c.code_class[key]].append(key)
    rest = n - len(rows)
    quota = {"document": rest - 2 * (rest // 3), "plate": rest // 3, "code": rest // 3}
    for cls in ("document", "plate", "code"):
        keys = by_class[cls]
        rng.shuffle(keys)
        for key in keys[:quota[cls]]:
            written = c.code_written[key]
            rows.append((cls, key, written, sorted({c.ids[d] for d in c.codes[key]}),
                         " ".join(c.code_context[key] + [written])))
    rng.shuffle(rows)
    counts = collections.Counter(r[0] for r in rows)
    log(f"identifiers: {dict(counts)}")
    for intent in ("identifier", "identifier-context"):
        for group, _key, written, targets, context in rows:
            q = written if intent == "identifier" else context
            out.write(f"{intent}:{group}\t{','.join(targets)}\t{q}\t{fold(q)}\n")


def write_names(out, c, name_pool, name_docs, name_title_docs, n, rng):
    rows = []
    quota = name_quota(n)
    for key, written, written_docs in name_pool:
        docs = name_docs[key]
        size = len(key.split())
        k = min(10, len(docs))
        if not NAME_DOCS[0] <= len(docs) <= NAME_DOCS[1] or 4 * name_title_docs[key] > k or \
                2 * written_docs < len(docs):
            continue  # exact counts: too few or too many, in too many titles, mostly not a name
        if quota[size] > 0:
            quota[size] -= 1
            rows.append((size, written, sorted(c.ids[d] for d in docs)))
    rng.shuffle(rows)
    log(f"names: {len(rows)} ({sum(r[0] == 3 for r in rows)} of three syllables)")
    for size, written, targets in rows:
        out.write(f"names:{size}\t{','.join(targets)}\t{written}\t{fold(written)}\n")


def pick_seeds(c, sizes, rng):
    wanted = dict(zip(("categorized", "news", "laws"), (int(x) for x in sizes.split(","))))
    seeds = []
    for group, n in wanted.items():
        docs = [d for d in range(len(c.ids)) if c.source[d] == group]
        rng.shuffle(docs)
        seeds += [(group, d) for d in docs[:n]]
    return seeds


if __name__ == "__main__":
    main()
