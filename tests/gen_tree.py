#!/usr/bin/env python3
"""Writes a synthetic capsuled content tree, for tests and benchmarks.

usage: gen_tree.py N DIR [--seed S] [--home-posts K] [--drafts D]
                         [--years FIRST-LAST] [--paras MIN-MAX]
                         [--tags-per-post K] [--distinct-tags D]
                         [--links-per-post L] [--body-bytes B]
                         [--manifest FILE] [--quiet]

DIR gets site.yaml, pages/ (about.gmi, colophon.gmi) and N published posts
of MIN to MAX paragraphs (default 1-4: about 550 bytes a file; 60-70 is
about the size of the seed blog's one post, 20 KB)
under posts/, spread unevenly over the years and months (some months empty,
some busy), plus D drafts (default N // 500, at least 1) that must never be
served. The same N and seed always give the same tree, byte for byte.

Titles mix ASCII, accented Latin, CJK, Cyrillic, Greek and emoji, and YAML
characters that need quoting (':', '#', quotes). Dates use the forms the
fixture uses ("2024-03-15", "2024-03-15 10:00", "... 10:00:00",
"2024-01-01T00:30:00+09:00"); every post has a distinct local date and
time, so the newest-first order is fully determined. Most files live under
posts/YYYY/MM/, some under posts/YYYY/ or posts/archive/NN/ with a `slug:`
key: the served path comes from the date and slug, never the directory.

The load benchmark (bench/load.sh) grows one dimension at a time with
the last four options, each of which changes nothing unless given:
--tags-per-post K gives every post K tags out of a pool of D
(--distinct-tags, default K), post i taking the D-ring's K tags from
i*K on, so N*K >= D uses them all; --links-per-post L appends L link
lines to every body (remote, local and Gopher ones); --body-bytes B
appends paragraphs to every body until it holds about B bytes.

The manifest (default DIR/manifest.json; capsuled only reads posts/, pages/
and site.yaml) records, newest first, every published post: its path,
date, title, lang, and the year/month counts, so tests can compare what
capsuled serves with what was generated.
"""

import argparse
import calendar
import json
import os
import random
import sys

WORDS_ASCII = [
    "garden", "engine", "river", "lantern", "copper", "winter", "signal",
    "harbor", "paper", "orbit", "meadow", "quiet", "static", "tunnel",
    "violet", "ember", "compass", "archive", "kettle", "thunder", "mosaic",
    "pixel", "cobalt", "harvest", "shadow", "glacier", "saffron", "relay",
]
WORDS_UTF8 = [
    "\u00dcberraschung", "caf\u00e9", "na\u00efve", "se\u00f1or",
    "\u00e9t\u00e9",
    "\u6771\u4eac\u306e\u591c", "\u6625", "\u6f22\u5b57",
    "\u041c\u043e\u0441\u043a\u0432\u0430", "\u03b1\u03bb\u03c6\u03ac",
    "\U0001F680", "\u2014", "\u00bfqu\u00e9?", "Stra\u00dfe", "\u0130stanbul",
    "\ud55c\uae00", "\u0e44\u0e17\u0e22",
]
PUNCT_TITLES = [
    "Notes: part {n}", "#{n} in a series", "\"Quoted\" thoughts {n}",
    "It's {w}, again", "{w} & {w2} <together>", "Why {w}? {n}",
    "{w} - a [draft-like] title {n}", "100% {w}",
]
LANGS = ["ja", "fr", "de", "es", "ru", "el"]
FORMS = ["date", "hm", "hms", "offset"]


def rng_title(r, i):
    """A varied but deterministic title; mostly ASCII, often UTF-8."""
    k = r.random()
    w, w2 = r.choice(WORDS_ASCII), r.choice(WORDS_ASCII)
    if k < 0.45:
        t = "%s %s %d" % (w.capitalize(), w2, i)
    elif k < 0.80:
        t = "%s %s %s %d" % (w.capitalize(), r.choice(WORDS_UTF8),
                             r.choice(WORDS_UTF8), i)
    else:
        t = r.choice(PUNCT_TITLES).format(n=i, w=w, w2=w2)
    return t


def year_weights(r, first, last):
    """Uneven activity: quiet years, busy years, a gap or two."""
    ys = list(range(first, last + 1))
    ws = []
    for y in ys:
        x = r.random()
        ws.append(0.0 if x < 0.06 and y not in (first, last) else
                  (0.2 + x * x * 4))
    if sum(ws) == 0:
        ws = [1.0] * len(ys)
    return ys, ws


def gen(n, seed, drafts, first, last, paras=(1, 4)):
    r = random.Random(seed)
    ys, yw = year_weights(r, first, last)
    month_w = {y: [0.0 if r.random() < 0.1 else r.random() + 0.05
                   for _ in range(12)] for y in ys}
    for y in ys:
        if sum(month_w[y]) == 0:
            month_w[y][0] = 1.0
    used_times = set()
    used_paths = set()
    posts = []
    total = n + drafts
    for i in range(total):
        while True:
            y = r.choices(ys, yw)[0]
            m = r.choices(range(1, 13), month_w[y])[0]
            d = r.randint(1, calendar.monthrange(y, m)[1])
            form = r.choices(FORMS, [3, 3, 3, 1])[0]
            if form == "date":
                hh = mm = ss = 0
            else:
                hh, mm = r.randint(0, 23), r.randint(0, 59)
                ss = r.randint(0, 59) if form != "hm" else 0
            key = (y, m, d, hh, mm, ss)
            if key not in used_times:
                used_times.add(key)
                break
        title = rng_title(r, i + 1)
        base = "%s-%d" % (r.choice(WORDS_ASCII), i + 1)
        path = "/%04d/%02d/%s.gmi" % (y, m, base)
        assert path not in used_paths
        used_paths.add(path)
        lang = r.choice(LANGS) if r.random() < 0.08 else None
        posts.append({
            "i": i, "year": y, "month": m, "day": d,
            "time": (hh, mm, ss), "form": form, "title": title,
            "slug": base, "path": path, "lang": lang,
            "draft": False, "tags": r.sample(WORDS_ASCII, r.randint(0, 3)),
            "layout": r.choices(["month", "year", "archive"], [7, 2, 1])[0],
            "paras": r.randint(1, 4),
        })
    # the drafts: chosen among all, so they sit amid published posts
    for p in r.sample(posts, drafts):
        p["draft"] = True
    # Longer posts from a generator of their own: the same dates, titles
    # and paths as the default tree, only the bodies grow.
    if paras != (1, 4):
        rp = random.Random(seed * 31 + 7)
        for p in posts:
            p["paras"] = rp.randint(paras[0], paras[1])
    return posts


def date_string(p):
    y, m, d = p["year"], p["month"], p["day"]
    hh, mm, ss = p["time"]
    if p["form"] == "date":
        return "%04d-%02d-%02d" % (y, m, d)
    if p["form"] == "hm":
        return "%04d-%02d-%02d %02d:%02d" % (y, m, d, hh, mm)
    if p["form"] == "hms":
        return "%04d-%02d-%02d %02d:%02d:%02d" % (y, m, d, hh, mm, ss)
    off = ["+09:00", "-05:00", "Z", "+00:00"][p["i"] % 4]
    return "%04d-%02d-%02dT%02d:%02d:%02d%s" % (y, m, d, hh, mm, ss, off)


def yaml_str(s):
    # JSON strings are YAML double-quoted scalars; keep UTF-8 as is.
    return json.dumps(s, ensure_ascii=False)


def grow(posts, seed, tags_per_post=None, distinct_tags=None,
         links_per_post=None, body_bytes=None):
    """The load benchmark's dimensions, from a generator of their own, so
    that without them the tree is the default one byte for byte."""
    if tags_per_post is not None:
        k = tags_per_post
        d = distinct_tags or k
        for p in posts:
            p["tags"] = ["%s-%d" % (WORDS_ASCII[x % len(WORDS_ASCII)], x)
                         for x in ((p["i"] * k + j) % d for j in range(k))]
    if links_per_post:
        for p in posts:
            p["links"] = links_per_post
    if body_bytes:
        rb = random.Random(seed * 131 + 3)
        # A stock of paragraphs, some words numbered so that the
        # search index meets new words as the bodies grow.
        stock = []
        for k in range(64):
            words = rb.choices(WORDS_ASCII + WORDS_UTF8, k=rb.randint(20, 60))
            words[0] = "%s%d" % (words[0], k)
            stock.append(" ".join(words).capitalize() + ".")
        for p in posts:
            p["body_bytes"] = body_bytes
            p["stock"] = stock


def extra_body(p):
    """What grow() asked for, after the post's own paragraphs."""
    out = []
    for k in range(p.get("links", 0)):
        kind = k % 3
        if kind == 0:
            out.append("=> gemini://example.org/%d/%s Link %d" %
                       (p["i"], WORDS_ASCII[k % len(WORDS_ASCII)], k))
        elif kind == 1:
            out.append("=> /%04d/ Local link %d" % (p["year"], k))
        else:
            out.append("=> gopher://example.org/0/n%d.txt" % k)
    size, n = 0, 0
    while size < p.get("body_bytes", 0):
        para = p["stock"][(p["i"] + n) % len(p["stock"])]
        if n % 7 == 0:
            para = "w%dx%d " % (p["i"], n) + para
        out += [para, ""]
        size += len(para.encode("utf-8")) + 2
        n += 1
    return out


def post_text(p, r):
    fm = ["---", "title: %s" % yaml_str(p["title"]),
          "date: %s" % date_string(p)]
    if p["lang"]:
        fm.append("lang: %s" % p["lang"])
    if p["tags"]:
        fm.append("tags: [%s]" % ", ".join(p["tags"]))
    if p["layout"] == "archive":
        fm.append("slug: %s" % p["slug"])
    if p["draft"]:
        fm.append("draft: true")
    fm.append("---")
    body = []
    for k in range(p["paras"]):
        words = [r.choice(WORDS_ASCII + WORDS_UTF8)
                 for _ in range(r.randint(5, 40))]
        body.append(" ".join(words).capitalize() + ".")
        body.append("")
        if k == 0 and r.random() < 0.3:
            body += ["## %s" % r.choice(WORDS_ASCII).capitalize(), "",
                     "* %s" % r.choice(WORDS_ASCII),
                     "* %s" % r.choice(WORDS_UTF8), ""]
        if r.random() < 0.2:
            body += ["=> gemini://example.org/%s A link" %
                     r.choice(WORDS_ASCII), ""]
        if r.random() < 0.1:
            body += ["```", "  preformatted %d" % p["i"], "```", ""]
    body += extra_body(p)
    return "\n".join(fm) + "\n" + "\n".join(body)


def file_path(p, root):
    posts = os.path.join(root, "posts")
    if p["layout"] == "month":
        d = os.path.join(posts, "%04d" % p["year"], "%02d" % p["month"])
        name = p["slug"]
    elif p["layout"] == "year":
        d = os.path.join(posts, "%04d" % p["year"])
        name = p["slug"]
    else:
        d = os.path.join(posts, "archive", "%02d" % (p["i"] % 37))
        name = "entry-%d" % p["i"]  # the slug key names the path
    return os.path.join(d, name + ".gmi")


def write_tree(n, root, seed=1, home_posts=20, drafts=None,
               years=(2000, 2025), manifest=None, paras=(1, 4), **dims):
    if drafts is None:
        drafts = max(1, n // 500)
    posts = gen(n, seed, drafts, years[0], years[1], paras)
    grow(posts, seed, **dims)
    r = random.Random(seed * 7919 + 1)
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "site.yaml"), "w", encoding="utf-8") as f:
        f.write("# generated by tests/gen_tree.py %d --seed %d\n" % (n, seed))
        f.write("title: %s\n" % yaml_str("Synthetic capsule \u2014 %d posts"
                                         % n))
        f.write("subtitle: %s\n" % yaml_str("Seed %d, generated" % seed))
        f.write("author: %s\n" % yaml_str("Gen \u00c9rator"))
        f.write("lang: en\n")
        f.write("home_posts: %d\n" % home_posts)
        f.write("links:\n  - label: Source\n"
                "    url: https://example.org/source\n")
    pages = os.path.join(root, "pages")
    os.makedirs(pages, exist_ok=True)
    with open(os.path.join(pages, "about.gmi"), "w", encoding="utf-8") as f:
        f.write("---\ntitle: About this capsule\n---\n"
                "A generated capsule with %d posts.\n" % n)
    with open(os.path.join(pages, "colophon.gmi"), "w",
              encoding="utf-8") as f:
        f.write("---\ntitle: Colophon\nlang: fr\n---\nFait \u00e0 la main.\n")
    made_dirs = set()
    for p in posts:
        fp = file_path(p, root)
        d = os.path.dirname(fp)
        if d not in made_dirs:
            os.makedirs(d, exist_ok=True)
            made_dirs.add(d)
        with open(fp, "w", encoding="utf-8") as f:
            f.write(post_text(p, r))

    pub = [p for p in posts if not p["draft"]]
    pub.sort(key=lambda p: ((p["year"], p["month"], p["day"]) + p["time"],
                            p["slug"]), reverse=True)
    years_count = {}
    months_count = {}
    for p in pub:
        y = "%04d" % p["year"]
        ym = "%04d/%02d" % (p["year"], p["month"])
        years_count[y] = years_count.get(y, 0) + 1
        months_count[ym] = months_count.get(ym, 0) + 1
    man = {
        "n": n, "seed": seed, "home_posts": home_posts,
        "title": "Synthetic capsule \u2014 %d posts" % n,
        "posts": [{"path": p["path"],
                   "date": "%04d-%02d-%02d" % (p["year"], p["month"],
                                               p["day"]),
                   "title": p["title"], "lang": p["lang"] or "en",
                   "file": os.path.relpath(file_path(p, root), root)}
                  for p in pub],
        "drafts": [{"path": p["path"],
                    "file": os.path.relpath(file_path(p, root), root)}
                   for p in posts if p["draft"]],
        "years": years_count,
        "months": months_count,
    }
    mpath = manifest or os.path.join(root, "manifest.json")
    with open(mpath, "w", encoding="utf-8") as f:
        json.dump(man, f, ensure_ascii=False, indent=0)
    return man


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, help="number of published posts")
    ap.add_argument("dir", help="where to write the tree")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--home-posts", type=int, default=20)
    ap.add_argument("--drafts", type=int, default=None)
    ap.add_argument("--years", default="2000-2025",
                    help="FIRST-LAST (default 2000-2025)")
    ap.add_argument("--paras", default="1-4",
                    help="MIN-MAX paragraphs a post (default 1-4)")
    ap.add_argument("--manifest", default=None,
                    help="where to write the manifest "
                         "(default DIR/manifest.json)")
    ap.add_argument("--tags-per-post", type=int, default=None)
    ap.add_argument("--distinct-tags", type=int, default=None)
    ap.add_argument("--links-per-post", type=int, default=None)
    ap.add_argument("--body-bytes", type=int, default=None)
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.n < 0:
        ap.error("N must be >= 0")
    try:
        first, last = (int(x) for x in a.years.split("-"))
    except ValueError:
        ap.error("--years wants FIRST-LAST, e.g. 2000-2025")
    if not 1 <= first <= last <= 9999:
        ap.error("--years out of range")
    try:
        plo, phi = (int(x) for x in a.paras.split("-"))
    except ValueError:
        ap.error("--paras wants MIN-MAX, e.g. 60-70")
    if not 1 <= plo <= phi:
        ap.error("--paras out of range")
    if os.path.exists(os.path.join(a.dir, "posts")):
        ap.error("%s already holds posts/; give an empty or new directory"
                 % a.dir)
    man = write_tree(a.n, a.dir, a.seed, a.home_posts, a.drafts,
                     (first, last), a.manifest, (plo, phi),
                     tags_per_post=a.tags_per_post,
                     distinct_tags=a.distinct_tags,
                     links_per_post=a.links_per_post,
                     body_bytes=a.body_bytes)
    if not a.quiet:
        print("%d posts (+%d drafts) over %d years, %d months in %s" % (
            a.n, len(man["drafts"]), len(man["years"]), len(man["months"]),
            a.dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
