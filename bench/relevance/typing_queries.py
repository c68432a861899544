#!/usr/bin/env python3
"""Search-as-you-type queries for bench/relevance: each known-item query of
make_queries.py caught mid-word, its last word cut to the first half of its
letters ("giá xăng tăng" → "giá xăng tă", plain "gia xang ta"). A search
box that sends a query per keystroke sees these; the target is unchanged.
Queries whose last word has fewer than 3 letters are skipped.

usage: typing_queries.py QUERIES.tsv > typing.tsv   (same columns)"""
import sys


def cut(word, letters):
    return word[:letters]  # NFC: one character per letter, marks included


def main():
    for line in open(sys.argv[1], encoding="utf-8"):
        target, accented, plain = line.rstrip("\n").split("\t")
        a, p = accented.split(), plain.split()
        if len(a) < 2 or len(a) != len(p) or len(p[-1]) < 3:
            continue
        letters = len(p[-1]) // 2
        a[-1], p[-1] = cut(a[-1], letters), cut(p[-1], letters)
        print(f"{target}\t{' '.join(a)}\t{' '.join(p)}")


if __name__ == "__main__":
    main()
