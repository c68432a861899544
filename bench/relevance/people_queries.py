#!/usr/bin/env python3
"""Queries as people type them (issue 23): questions, long descriptions and
misspellings, drawn with fixed seeds from the mixed corpus.

usage: people_queries.py --news BAOMOI.jsonl.gz --questions-dir DIR
           --titles TITLE.tsv [--generated 350] [--long 300]
           [--misspellings 60] [--seed 7] > QUERIES.tsv

QUERIES.tsv, one query a line:  INTENT:GROUP TAB TARGETS TAB ACCENTED TAB PLAIN
(PLAIN: corpus.fold() of ACCENTED). Each intent's lines come in random
order, so its first N lines are a fair smaller sample.

- questions:people: every question of DIR/questions.tsv (questions-vi-dev,
  typed by people; target: the passage of DIR/passages.jsonl.gz it was
  asked of; the passages are indexed among the news as a 4th corpus file).
- questions:GROUP (GROUP: the question word folded, `bao-nhieu`,
  `khi-nao`, `o-dau`, `vi-sao`, `la-gi`, `ai`, `nam-nao`): generated from
  one sentence of a baomoi body: the answer taken out (a number, a date, a
  year, a place after `tại`/`ở`, a cause after `vì`/`do`, what follows
  `là`, the person a sentence starts with), function words dropped (50%),
  content words dropped (15%) or replaced by near words (40% of the
  NEAR_WORDS matches), the question word added; kept with 4+ content
  words and at most 16 words; 50 per question word. A year or a date the answer does not need stays in.
  Target: the article.
- long:news: 8-20 words describing an article in other words: its lead's
  first sentence, two neighbouring clauses swapped half of the time,
  function words dropped (40%), content words dropped (10%) or replaced by
  near words (50% of the NEAR_WORDS matches), cut to 8-20 words (uniform).
  Target: the article.
- misspelling:KIND and misspelling-correct:KIND: title queries
  (make_queries.py's, TITLE.tsv) with one mistake each, and the same
  queries typed right. KIND: run-together (`HàNội`, plain `hanoi`),
  letter-missing, letter-added, letters-swapped, neighbour-key (QWERTY),
  tone (another tone mark on one syllable: the plain form is then the
  correct one), telex (one word typed in Telex with the input method off:
  `vieetj`), slug (`gia-xang-tang`, the accented form keeps the marks) and
  hashtag (the run-together pair after `#`).

Articles whose title is shared by several (copies across outlets) are
never targets; the long intent also skips leads shared by several.
"""
import argparse
import collections
import os
import random
import re
import sys
import unicodedata

from corpus import fold, read_jsonl, segments

HERE = os.path.dirname(os.path.abspath(__file__))
STOPWORDS = os.path.join(HERE, "..", "..", "analyzers", "data", "stopwords.txt")

# Near words, both ways where it reads right: what someone describing a
# story in their own words may say instead (folded lookup, written forms).
NEAR_WORDS = {
    "tử vong": "chết", "thiệt mạng": "chết", "ô tô": "xe hơi", "xe hơi": "ô tô",
    "cảnh sát": "công an", "công an": "cảnh sát", "bắt giữ": "bắt", "khởi tố": "truy tố",
    "tăng": "lên", "giảm": "hạ", "lớn": "to", "nhỏ": "bé", "hiện nay": "bây giờ",
    "thông tin": "tin", "cho biết": "nói", "phát hiện": "thấy", "tiến hành": "làm",
    "học sinh": "học trò", "giáo viên": "thầy cô", "bác sĩ": "thầy thuốc",
    "bệnh nhân": "người bệnh", "người dân": "dân", "doanh nghiệp": "công ty",
    "công ty": "doanh nghiệp", "thành phố": "TP", "trẻ em": "trẻ nhỏ", "vụ việc": "vụ",
    "nhanh chóng": "nhanh", "khoảng": "chừng", "xảy ra": "diễn ra", "diễn ra": "xảy ra",
    "yêu cầu": "đòi", "nguyên nhân": "lý do", "hỗ trợ": "giúp", "giúp đỡ": "giúp",
    "khu vực": "vùng", "nước ngoài": "ngoại quốc", "Mỹ": "Hoa Kỳ", "Hoa Kỳ": "Mỹ",
    "Việt Nam": "VN", "Thành phố Hồ Chí Minh": "Sài Gòn", "TP.HCM": "Sài Gòn",
    "đầu tư": "bỏ vốn", "kinh doanh": "buôn bán", "sản xuất": "làm ra", "phụ nữ": "chị em",
    "chính quyền": "nhà chức trách", "quyết định": "định", "chia sẻ": "kể",
    "bị thương": "thương tích", "mới đây": "vừa qua", "vừa qua": "mới đây",
    "đội tuyển": "tuyển", "trận đấu": "trận", "chiến thắng": "thắng", "thất bại": "thua",
    "giành": "đoạt", "hoàn thành": "xong", "bắt đầu": "khởi đầu", "kết thúc": "xong",
    "sử dụng": "dùng", "tìm kiếm": "tìm", "mua": "sắm", "ngân hàng": "nhà băng",
}
NEAR = {tuple(fold(k).split()): v for k, v in NEAR_WORDS.items()}
NEAR_MAX = max(len(k) for k in NEAR)

QUESTION_WORDS = ("bao nhiêu", "khi nào", "ở đâu", "vì sao", "là gì", "ai", "năm nào")
UNITS = {"người", "tỷ", "triệu", "nghìn", "ngàn", "%", "km", "đồng", "usd", "tấn", "ha",
         "m", "kg", "ca", "vụ", "chiếc", "căn", "lần", "tuổi", "phút", "giờ", "ngày",
         "tháng", "học", "sinh", "xe", "trường", "hộ", "điểm", "bàn", "mét", "lít", "đô"}
HONORIFICS = {"ông", "bà", "anh", "chị", "cô", "thầy", "chú", "bác", "em"}
YEAR = re.compile(r"(?:19|20)\d\d")
DATE = re.compile(r"\d{1,2}/\d{1,2}(?:/\d{2,4})?")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
WEEKDAYS = {"hai", "ba", "tu", "nam", "sau", "bay"}
SENTENCE = re.compile(r"(?<=[.!?])\s+")

KINDS = ("run-together", "letter-missing", "letter-added", "letters-swapped",
         "neighbour-key", "tone", "telex", "slug", "hashtag")
QWERTY = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
NEIGHBOURS = {row[i]: row[max(0, i - 1):i] + row[i + 1:i + 2]
              for row in QWERTY for i in range(len(row))}
TONES = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
SHAPES = {"\u0302": None, "\u0306": "w", "\u031b": "w"}  # circumflex doubles the vowel


def log(*args):
    print("people_queries:", *args, file=sys.stderr, flush=True)


def load_stopwords():
    words = set()
    for line in open(STOPWORDS, encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(fold(line))
    return words


STOP = load_stopwords()


def is_content(word):
    return any(ch.isalpha() for ch in word) and fold(word) not in STOP


def line(intent, targets, accented):
    accented = " ".join(accented.split())
    return f"{intent}\t{targets}\t{accented}\t{fold(accented)}\n"


# --- rewording (shared by the generated questions and the long queries) -----

def replace_near(words, rng, p):
    """Words replaced by near words (NEAR_WORDS) with probability p each match."""
    out, i = [], 0
    while i < len(words):
        for n in range(min(NEAR_MAX, len(words) - i), 0, -1):
            near = NEAR.get(tuple(fold(w) for w in words[i:i + n]))
            if near and rng.random() < p:
                out += near.split()
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return out


def drop_words(words, rng, p_stop, p_content):
    return [w for w in words if rng.random() >= (p_content if is_content(w) else p_stop)]


# --- questions ---------------------------------------------------------------

def people_questions(qdir):
    rows = []
    for ln in open(os.path.join(qdir, "questions.tsv"), encoding="utf-8"):
        p = ln.rstrip("\n").split("\t")
        if len(p) == 3 and p[1].strip():
            rows.append(line("questions:people", p[2], p[1]))
    return rows


def sentence_words(sentence):
    return [w for seg in segments(sentence) for w in seg]


def ask(words, rng):
    """(question word, words without the answer, question word first?) or None.
    The answer is taken out; the first rule that applies wins, in a random
    order so that every question word gets sentences."""
    f = [fold(w) for w in words]
    rules = list(QUESTION_WORDS)
    rng.shuffle(rules)
    for q in rules:
        got = ASK[q](words, f)
        if got is not None:
            return q, got
    return None


def ask_how_many(words, f):
    for i in range(len(words) - 1):
        if NUMBER.fullmatch(words[i]) and not YEAR.fullmatch(words[i]) and f[i + 1] in UNITS:
            return words[:i] + ["bao", "nhiêu"] + words[i + 1:]
    return None


def ask_when(words, f):
    for i in range(len(words) - 1):
        if f[i] == "ngay" and (DATE.fullmatch(words[i + 1]) or NUMBER.fullmatch(words[i + 1])):
            j = i + 2
            while j < len(words) and (f[j] in ("thang", "nam") or NUMBER.fullmatch(words[j])):
                j += 1
            return words[:i] + words[j:] + ["khi", "nào"]
        if f[i] == "thu" and f[i + 1] in WEEKDAYS or f[i] == "chu" and f[i + 1] == "nhat":
            return words[:i] + words[i + 2:] + ["khi", "nào"]
    return None


def ask_where(words, f):
    for i in range(len(words) - 1):
        if f[i] in ("tai", "o") and words[i + 1][:1].isupper():
            j = i + 1
            while j < len(words) and words[j][:1].isupper():
                j += 1
            return words[:i] + words[j:] + ["ở", "đâu"]
    return None


def ask_why(words, f):
    for i in range(6, len(words) - 2):
        if f[i] in ("vi", "do", "boi") and f[i - 1] != "nguyen":
            return ["vì", "sao"] + words[:i]
    return None


def ask_what(words, f):
    for i in range(3, len(words) - 2):
        if f[i] == "la":
            return words[:i] + ["là", "gì"]
    return None


def ask_who(words, f):
    i = 1 if f and f[0] in HONORIFICS else 0
    j = i
    while j < len(words) and words[j][:1].isupper() and words[j].isalpha():
        j += 1
    if j - i >= 2 and len(words) - j >= 5:
        return ["ai"] + words[j:]
    return None


def ask_year(words, f):
    for i in range(len(words)):
        if YEAR.fullmatch(words[i]):
            start = i - 1 if i and f[i - 1] == "nam" else i
            return words[:start] + words[i + 1:] + ["năm", "nào"]
    return None


ASK = {"bao nhiêu": ask_how_many, "khi nào": ask_when, "ở đâu": ask_where,
       "vì sao": ask_why, "là gì": ask_what, "ai": ask_who, "năm nào": ask_year}


def reword_question(q, words, rng):
    """Most function words and some content words dropped, some replaced;
    the question word kept whole."""
    qw = q.split()
    kept = []
    i = 0
    while i < len(words):
        if words[i:i + len(qw)] == qw:
            kept += qw
            i += len(qw)
            continue
        w = words[i]
        if YEAR.fullmatch(w) or DATE.fullmatch(w):
            kept.append(w)  # a year or a date the answer does not need stays in
        elif rng.random() >= (0.15 if is_content(w) else 0.5):
            kept.append(w)
        i += 1
    kept = replace_near(kept, rng, 0.4)
    return kept


def generated_questions(articles, n, rng):
    """n questions, as many of each question word as there are sentences for."""
    quota = {q: n // len(QUESTION_WORDS) + (i < n % len(QUESTION_WORDS))
             for i, q in enumerate(QUESTION_WORDS)}
    rows = []
    for a in articles:
        if not any(quota.values()):
            break
        sentences = [s for s in SENTENCE.split(a.get("body") or "")
                     if 10 <= len(s.split()) <= 35]
        if not sentences:
            continue
        words = sentence_words(rng.choice(sentences))
        got = ask(words, rng)
        if got is None or not quota[got[0]]:
            continue
        q, asked = got
        question = reword_question(q, asked, rng)
        content = [w for w in question if is_content(w) and fold(w) not in fold(q).split()]
        if len(content) < 4 or len(question) > 16:
            continue
        quota[q] -= 1
        rows.append(line(f"questions:{fold(q).replace(' ', '-')}", a["id"], " ".join(question)))
    log(f"generated questions: {len(rows)}, short of quota: "
        f"{ {q: k for q, k in quota.items() if k} }")
    return rows


# --- long queries -------------------------------------------------------------

def long_query(lead, rng):
    sentence = SENTENCE.split(lead.strip())[0]
    clauses = [seg for seg in segments(sentence)]
    if len(clauses) >= 2 and rng.random() < 0.5:  # two clauses swapped
        i = rng.randrange(len(clauses) - 1)
        clauses[i], clauses[i + 1] = clauses[i + 1], clauses[i]
    words = [w for seg in clauses for w in seg]
    words = drop_words(words, rng, 0.4, 0.1)
    words = replace_near(words, rng, 0.5)
    words = words[:rng.randint(8, 20)]  # the sentence's start: it reads as one description
    return words if len(words) >= 8 else None


def long_queries(articles, n, rng):
    lead_count = collections.Counter(fold(a.get("lead") or "")[:200] for a in articles)
    rows = []
    for a in articles:
        lead = a.get("lead") or ""
        if len(lead.split()) < 12 or lead_count[fold(lead)[:200]] > 1:
            continue
        words = long_query(lead, rng)
        if words:
            rows.append(line("long:news", a["id"], " ".join(words)))
            if len(rows) >= n:
                break
    return rows


# --- misspellings -------------------------------------------------------------

def telex(word):
    """The word typed in Telex with the input method off: "việt" → "vieetj"."""
    out, tone = [], ""
    for ch in unicodedata.normalize("NFD", word):
        if ch in TONES:
            tone = TONES[ch]
        elif ch in SHAPES:
            out.append(SHAPES[ch] or out[-1].lower())
        elif ch in "đĐ":
            out.append("dd" if ch == "đ" else "Dd")
        else:
            out.append(ch)
    return "".join(out) + tone


def another_tone(word, rng):
    nfd = unicodedata.normalize("NFD", word)
    marks = [i for i, ch in enumerate(nfd) if ch in TONES]
    if marks:
        i = marks[0]
        new = rng.choice([t for t in TONES if t != nfd[i]] + [""])
        nfd = nfd[:i] + new + nfd[i + 1:]
    else:  # no tone: one on its last vowel
        vowels = [i for i, ch in enumerate(nfd) if ch.lower() in "aeiouy"]
        if not vowels:
            return None
        i = vowels[-1] + 1
        while i < len(nfd) and nfd[i] in SHAPES:  # after the vowel's shape: ê + ́
            i += 1
        nfd = nfd[:i] + rng.choice(list(TONES)) + nfd[i:]
    return unicodedata.normalize("NFC", nfd)


def letter_edit(kind, word, rng):
    """One letter of the word left out, added, swapped with the next or
    replaced by its QWERTY neighbour; None when the word does not allow it."""
    ascii_at = [i for i, ch in enumerate(word) if ch.lower() in NEIGHBOURS]
    if kind == "letter-missing":
        i = rng.randrange(1, len(word))
        return word[:i] + word[i + 1:]
    if kind == "letters-swapped":
        pairs = [i for i in range(len(word) - 1) if word[i].lower() != word[i + 1].lower()]
        if not pairs:
            return None
        i = rng.choice(pairs)
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if not ascii_at:
        return None
    i = rng.choice(ascii_at)
    near = rng.choice(NEIGHBOURS[word[i].lower()])
    if kind == "neighbour-key":
        return word[:i] + near + word[i + 1:]
    added = rng.choice((word[i].lower(), near))  # a letter doubled or a neighbour hit too
    return word[:i + 1] + added + word[i + 1:]


def run_together_at(words, rng):
    """The pair to run together: a capitalized one (a name: "Hà Nội") if any."""
    pairs = list(range(len(words) - 1))
    names = [i for i in pairs if words[i][:1].isupper() and words[i + 1][:1].isupper()]
    return rng.choice(names or pairs)


def misspell(kind, words, rng):
    """The words with one mistake of the kind, as one string, or None."""
    if kind in ("run-together", "hashtag"):
        i = run_together_at(words, rng)
        joined = ("#" if kind == "hashtag" else "") + words[i] + words[i + 1]
        return " ".join(words[:i] + [joined] + words[i + 2:])
    if kind == "slug":
        return "-".join(w.lower() for w in words)
    content = [i for i, w in enumerate(words) if is_content(w) and w.isalpha()]
    if kind == "telex":
        content = [i for i in content if fold(words[i]) != words[i].lower()]
    else:
        content = [i for i in content if len(words[i]) >= 3]
    if not content:
        return None
    i = rng.choice(content)
    if kind == "telex":
        wrong = telex(words[i])
    elif kind == "tone":
        wrong = another_tone(words[i], rng)
    else:
        wrong = letter_edit(kind, words[i], rng)
    if not wrong or wrong == words[i] or (kind != "tone" and fold(wrong) == fold(words[i])):
        return None
    return " ".join(words[:i] + [wrong] + words[i + 1:])


def misspellings(title_path, n, seed):
    titles = [ln.rstrip("\n").split("\t") for ln in open(title_path, encoding="utf-8")]
    pairs = []
    for kind in KINDS:
        rng = random.Random(f"{seed}:{kind}")
        order = titles[:]
        rng.shuffle(order)
        got = 0
        for target, accented, _plain in order:
            wrong = misspell(kind, accented.split(), rng)
            if wrong:
                pairs.append((kind, target, wrong, accented))
                got += 1
                if got >= n:
                    break
    rows = []
    random.Random(seed).shuffle(pairs)
    for kind, target, wrong, right in pairs:
        rows.append(line(f"misspelling:{kind}", target, wrong))
    for kind, target, wrong, right in pairs:  # the same order: line i ↔ line i
        rows.append(line(f"misspelling-correct:{kind}", target, right))
    log(f"misspellings: {len(pairs)} ({n} a kind at most)")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--news", required=True)
    ap.add_argument("--questions-dir", required=True)
    ap.add_argument("--titles", required=True, help="make_queries.py's output")
    ap.add_argument("--generated", type=int, default=350)
    ap.add_argument("--long", type=int, default=300)
    ap.add_argument("--misspellings", type=int, default=60, help="per kind")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    articles = list(read_jsonl(args.news))
    title_count = collections.Counter(fold(a.get("title") or "") for a in articles)
    articles = [a for a in articles if title_count[fold(a.get("title") or "")] == 1]
    rng = random.Random(f"{args.seed}:people")
    people = people_questions(args.questions_dir)
    rng.shuffle(people)
    rng.shuffle(articles)
    generated = generated_questions(articles, args.generated, rng)
    questions = people + generated
    rng.shuffle(questions)  # each intent's first lines: a fair sample
    rng.shuffle(articles)
    out = sys.stdout
    out.writelines(questions)
    out.writelines(long_queries(articles, args.long, rng))
    out.writelines(misspellings(args.titles, args.misspellings, args.seed))


if __name__ == "__main__":
    main()
