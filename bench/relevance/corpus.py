"""Reading the benchmark corpora and the text rules every judge shares.

One reading of the text for all systems: the query generators
(intent_queries.py) and the judge (report.py) fold and split words with
these functions, never with a system's own analyzer, so no system is judged
by its own rules.

- fold(): what "typed plain" means: marks removed, đ→d, lower case
  ("Đường Hùng Vương" → "duong hung vuong").
- segments(): a text cut at punctuation and line ends into runs of words
  separated by spaces only; two words are *side by side* when they are
  neighbours in one segment ("Thành ủy, Bình Tân" has the pair "thanh uy"
  and "binh tan", not "uy binh"). All the segments' words in order are
  the text's words with punctuation ignored (the passage intent checks
  uniqueness on those, so that no occurrence is missed).
"""
import gzip
import json
import re
import sys
import unicodedata

_FOLDED = {}


def fold(text):
    """Marks removed, đ→d, lower case."""
    text = text.replace("đ", "d").replace("Đ", "D")
    nfd = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in nfd if unicodedata.category(c) != "Mn")).lower()


def fold_word(word):
    """fold() of one word, remembered (the vocabulary is small)."""
    f = _FOLDED.get(word)
    if f is None:
        f = _FOLDED[word] = fold(word)
    return f


# A break between segments: anything that is not a word character, a space
# or a tab (punctuation, line ends, the underscore).
_BREAK = re.compile(r"[^\w \t\u00a0]+|_+")


def segments(text):
    """Lists of words (as written) that stand side by side, NFC text."""
    out = []
    for seg in _BREAK.split(unicodedata.normalize("NFC", text)):
        ws = seg.split()
        if ws:
            out.append(ws)
    return out


def folded_segments(text):
    return [[fold_word(w) for w in seg] for seg in segments(text)]


def full_text(a):
    """What every system indexes of an article: title, lead, body."""
    return "\n".join(x for x in (a.get("title"), a.get("lead"), a.get("body")) if x)


def read_jsonl(path):
    """Yields the well-formed articles (dicts with a string id) of a .jsonl or
    .jsonl.gz file; malformed lines are counted on stderr."""
    opener = gzip.open if path.endswith(".gz") else open
    bad = 0
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                a = json.loads(line)
                if not isinstance(a, dict) or not isinstance(a.get("id"), str):
                    raise ValueError("no id")
            except ValueError:
                bad += 1
                continue
            yield a
    if bad:
        print(f"{path}: {bad} malformed lines skipped", file=sys.stderr)
