#!/usr/bin/env python3
"""Writes JSONL articles as HTML pages in a news site's template, for
bench/ingest.sh: menu, breadcrumb, the story with a related block inside,
comments, a "Tin khác" list and a footer around it; every other page with
JSON-LD, the others with Open Graph tags only.
  python3 bench/html_pages.py ARTICLES.jsonl[.gz] OUT_DIR COUNT
Also writes OUT_DIR.jsonl: the same COUNT articles as JSONL."""
import gzip
import html
import json
import os
import sys

TEMPLATE = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<title>{title} - Tin Bench</title>
<link rel="canonical" href="https://bench.example.vn/{id}.html">
<meta property="og:title" content="{title}"><meta property="og:description" content="{lead}">
<meta property="article:published_time" content="{published}">
{json_ld}<script>var ads = [];</script><style>p {{ margin: 0 }}</style>
</head><body>
<header><nav><a href="/">Trang chủ</a> <a href="/thoi-su">Thời sự</a> <a href="/kinh-te">Kinh tế</a>
<a href="/the-thao">Thể thao</a> <a href="/giai-tri">Giải trí</a></nav></header>
<div class="container"><ul class="breadcrumb"><li><a href="/">Trang chủ</a></li><li><a href="/c">{category}</a></li></ul>
<h1>{title}</h1><p class="description">{lead}</p>
<article class="fck_detail">{first}
<div class="box-tinlienquan"><h4>Tin liên quan</h4><ul><li><a href="/r1.html">Một tin liên quan khác</a></li>
<li><a href="/r2.html">Tin liên quan thứ hai trong chuyên mục</a></li></ul></div>
{rest}<p style="text-align:right"><strong>{author}</strong></p></article>
<div class="box-comment"><h3>Ý kiến bạn đọc</h3><div class="comment-item">Bài viết rất hay, cảm ơn tác giả.</div></div>
<section><div class="title-box">Tin khác</div><a href="/k1.html">Tin khác số một</a><a href="/k2.html">Tin khác số hai</a></section>
</div><footer class="footer">© Tin Bench. Giấy phép số 1/GP.</footer></body></html>
"""


def main():
    src, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    opener = gzip.open if src.endswith(".gz") else open
    os.makedirs(out, exist_ok=True)
    written = 0
    with opener(src, "rt", encoding="utf-8") as lines, open(out + ".jsonl", "w", encoding="utf-8") as jsonl:
        for line in lines:
            a = json.loads(line)
            paragraphs = [p for p in (a.get("body") or "").split("\n") if p.strip()]
            if len(paragraphs) < 2:  # one line of text: paragraphs of three sentences
                sentences = (a.get("body") or "").split(". ")
                paragraphs = [". ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3)]
            if not a.get("title") or len(paragraphs) < 2:
                continue
            a["id"] = "bench-%d" % written
            a["url"] = "https://bench.example.vn/%s.html" % a["id"]
            jsonl.write(json.dumps(a, ensure_ascii=False) + "\n")
            e = lambda k: html.escape(a.get(k) or "")
            json_ld = ""
            if written % 2 == 0:
                json_ld = '<script type="application/ld+json">%s</script>\n' % json.dumps(
                    {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a["title"],
                     "datePublished": a.get("published") or "", "author": {"name": a.get("author") or ""},
                     "articleSection": a.get("category") or ""}, ensure_ascii=False)
            para = lambda ps: "".join("<p>%s</p>" % html.escape(p) for p in ps)
            page = TEMPLATE.format(id=a["id"], title=e("title"), lead=e("lead"), published=e("published"),
                                   category=e("category"), author=e("author"), json_ld=json_ld,
                                   first=para(paragraphs[:1]), rest=para(paragraphs[1:]))
            with open(os.path.join(out, a["id"] + ".html"), "w", encoding="utf-8") as f:
                f.write(page)
            written += 1
            if written == count:
                break
    print(written)


if __name__ == "__main__":
    main()
