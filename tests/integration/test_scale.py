#!/usr/bin/env python3
"""capsuled on a generated tree of 10,000 posts (tests/gen_tree.py).

usage: test_scale.py [PATH_TO_CAPSULED]   (default ./capsuled)

Checks the home page (the newest home_posts posts, in order), the year
pages (their counts add up to every post), some month pages (exactly the
posts generated for that month), a sample of posts, drafts, the Atom feed.
Prints "ok NAME" / "FAIL NAME: reason", then "N passed, N failed"; exits 1
on any failure. Standard library only.
"""

import collections
import concurrent.futures
import filecmp
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))  # tests/, for gen_tree

import gen_tree  # noqa: E402
from harness import (Failure, Runner, Server, check,  # noqa: E402
                     expect_header, fetch, binary_from_argv)

N = 10000
SEED = 20240315
HOME_POSTS = 20
SAMPLE = 300
FILE_BUDGET = 55

ENTRY_RE = re.compile(r"^=>\s*(\S+)\s+(\d{4}-\d{2}-\d{2}) (.+)$")
YEAR_RE = re.compile(r"^=> /(\d{4})/ (\d{4}) \((\d+) posts?\)$")
MONTH_RE = re.compile(r"^=> /(\d{4})/(\d{2})/ (\w+) (\d{4}) \((\d+) posts?\)$")
MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]

srv = None
PORT = None
MAN = None
BINARY = None
ALL = []


def get(path, timeout=10):
    r = fetch(PORT, ("gemini://localhost:%d%s\r\n" % (PORT, path)).encode(),
              timeout=timeout)
    ALL.append(r)
    return r


def get_many(paths, workers=16):
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        return dict(zip(paths, ex.map(get, paths)))


def entries(resp):
    return [m.groups() for m in map(ENTRY_RE.match,
                                    resp.text().split("\n")) if m]


def want_entries(posts):
    return [(p["path"], p["date"], p["title"]) for p in posts]


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "at %d: got %r, want %r" % (i, x, y)
    return "lengths %d vs %d" % (len(a), len(b))


# ------------------------------------------------------------------ tests

def t_generator_deterministic(tmp):
    a, b, c = (os.path.join(tmp, x) for x in ("det-a", "det-b", "det-c"))
    gen_tree.write_tree(300, a, seed=7)
    gen_tree.write_tree(300, b, seed=7)
    gen_tree.write_tree(300, c, seed=8)

    def same(x, y):
        cmp = filecmp.dircmp(x, y)
        stack = [cmp]
        while stack:
            d = stack.pop()
            if d.left_only or d.right_only or d.diff_files or d.funny_files:
                return False
            # dircmp compares shallowly (size+mtime): compare contents
            for f in d.same_files:
                if not filecmp.cmp(os.path.join(d.left, f),
                                   os.path.join(d.right, f), shallow=False):
                    return False
            stack.extend(d.subdirs.values())
        return True
    check(same(a, b), "same seed gave different trees")
    check(not same(a, c), "different seeds gave the same tree")
    for d in (a, b, c):
        shutil.rmtree(d)


def t_tree_is_clean(site):
    p = subprocess.run([BINARY, "--check", site], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    out = p.stdout.decode("utf-8", "replace").strip().splitlines()
    check(p.returncode == 0 and not out,
          "capsuled --check: status %d, %d lines, e.g. %r" %
          (p.returncode, len(out), out[:3]))


def t_manifest_sane():
    check(len(MAN["posts"]) == N, "manifest has %d posts" % len(MAN["posts"]))
    check(sum(MAN["years"].values()) == N, "manifest years do not add up")
    check(len(MAN["years"]) >= 10, "only %d years" % len(MAN["years"]))
    check(len({p["path"] for p in MAN["posts"]}) == N, "duplicate paths")
    check(any(ord(ch) > 0x7f for p in MAN["posts"] for ch in p["title"]),
          "no UTF-8 title")


def t_home():
    r = get("/")
    expect_header(r, 20, "text/gemini; lang=en")
    lines = r.text().split("\n")
    check(lines[0] == "# " + MAN["title"], "first line %r" % lines[0])
    got = entries(r)
    want = want_entries(MAN["posts"][:HOME_POSTS])
    check(len(got) == HOME_POSTS, "home lists %d posts, want %d" %
          (len(got), HOME_POSTS))
    check(got == want, "home entries differ " + first_diff(got, want))


def t_year_counts():
    r = get("/")
    counts = {}
    for line in r.text().split("\n"):
        m = YEAR_RE.match(line)
        if m:
            check(m.group(1) == m.group(2), line)
            n = int(m.group(3))
            check(line.endswith("(1 post)") == (n == 1),
                  "plural: %r" % line)
            counts[m.group(1)] = n
    check(sum(counts.values()) == N, "home year counts add up to %d" %
          sum(counts.values()))
    check(counts == MAN["years"], "home year counts differ from the "
          "manifest: %r" % {y: (counts.get(y), MAN["years"].get(y)) for y in
                            set(counts) | set(MAN["years"])
                            if counts.get(y) != MAN["years"].get(y)})
    years = sorted(counts, reverse=True)
    pages = get_many(["/%s/" % y for y in years], workers=8)
    total = 0
    by_year = collections.defaultdict(list)
    for p in MAN["posts"]:
        by_year[p["path"][1:5]].append(p)
    for y in years:
        yr = pages["/%s/" % y]
        expect_header(yr, 20, "text/gemini; lang=en", "/%s/" % y)
        got = entries(yr)
        total += len(got)
        check(got == want_entries(by_year[y]),
              "/%s/ entries differ %s" % (y, first_diff(
                  got, want_entries(by_year[y]))))
        mcount = 0
        for line in yr.text().split("\n"):
            m = MONTH_RE.match(line)
            if m:
                check(m.group(3) == MONTHS[int(m.group(2)) - 1] and
                      m.group(4) == y, line)
                want = MAN["months"].get("%s/%s" % (y, m.group(2)))
                check(int(m.group(5)) == want, "%r: manifest says %r" %
                      (line, want))
                mcount += int(m.group(5))
        check(mcount == counts[y], "/%s/ month counts add up to %d, not %d"
              % (y, mcount, counts[y]))
    check(total == N, "year pages list %d posts in all" % total)


def t_month_pages():
    r = random.Random(SEED)
    months = sorted(MAN["months"])
    busiest = max(months, key=lambda m: MAN["months"][m])
    smallest = min(months, key=lambda m: MAN["months"][m])
    pick = sorted({busiest, smallest, months[0], months[-1]} |
                  set(r.sample(months, 8)))
    by_month = collections.defaultdict(list)
    for p in MAN["posts"]:
        by_month[p["path"][1:8]].append(p)
    pages = get_many(["/%s/" % m for m in pick], workers=8)
    for m in pick:
        resp = pages["/%s/" % m]
        expect_header(resp, 20, "text/gemini; lang=en", "/%s/" % m)
        y, mo = m.split("/")
        check(resp.text().split("\n")[0] ==
              "# %s %s" % (MONTHS[int(mo) - 1], y),
              "/%s/ first line %r" % (m, resp.text().split("\n")[0]))
        got = entries(resp)
        want = want_entries(by_month[m])
        check(got == want, "/%s/ (%d generated) %s" % (
            m, len(want), first_diff(got, want)))
        expect_header(get("/" + m), 31, "/%s/" % m)
    # a month and a year with nothing in them
    empty_year = next(str(y) for y in range(1990, 2100)
                      if str(y) not in MAN["years"])
    expect_header(get("/%s/" % empty_year), 51, "Not found")
    empty_month = next("%s/%02d" % (y, mo) for y in sorted(MAN["years"])
                       for mo in range(1, 13)
                       if "%s/%02d" % (y, mo) not in MAN["months"])
    expect_header(get("/%s/" % empty_month), 51, "Not found")


def t_sample_posts():
    r = random.Random(SEED + 1)
    posts = MAN["posts"]
    sample = [posts[0], posts[-1]] + r.sample(posts, SAMPLE)
    sample += [p for p in posts if p["lang"] != "en"][:20]
    sample += [p for p in posts if p["file"].startswith("posts/archive/")][:20]
    got = get_many([p["path"] for p in sample])
    bad = []
    for p in sample:
        resp = got[p["path"]]
        want = "20 text/gemini; lang=%s" % p["lang"]
        first = resp.body.split(b"\n", 1)[0].decode("utf-8", "replace")
        if resp.status_line() != want or first != "# " + p["title"] or \
                p["date"] not in resp.text():
            bad.append("%s: %s first=%r" % (p["path"], resp.describe(),
                                            first))
    check(not bad, "%d of %d posts wrong, e.g. %s" % (
        len(bad), len(sample), "; ".join(bad[:3])))


def t_drafts_and_sources():
    for d in MAN["drafts"]:
        expect_header(get(d["path"]), 51, "Not found", d["path"])
    for p in MAN["posts"][:3]:
        expect_header(get("/" + p["file"]), 51, "Not found", p["file"])
    expect_header(get("/manifest.json"), 51, "Not found")


def t_atom():
    r = get("/atom.xml")
    expect_header(r, 20, "application/atom+xml")
    try:
        root = ET.fromstring(r.body)
    except ET.ParseError as e:
        raise Failure("atom does not parse: %s" % e)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    got = [(e.find("a:link", ns).get("href"),
            e.findtext("a:title", namespaces=ns))
           for e in root.findall("a:entry", ns)]
    want = [("gemini://localhost:%d%s" % (PORT, p["path"]), p["title"])
            for p in MAN["posts"][:len(got)]]
    check(len(got) >= 1, "no entries")
    check(got == want, "atom entries " + first_diff(got, want))


def t_pages():
    expect_header(get("/about.gmi"), 20, "text/gemini; lang=en")
    expect_header(get("/colophon.gmi"), 20, "text/gemini; lang=fr")


def t_clean_close():
    bad = [r for r in ALL if not r.clean]
    check(len(ALL) > SAMPLE, "only %d responses" % len(ALL))
    check(not bad, "%d of %d without close_notify, e.g. %r -> %s" % (
        len(bad), len(ALL), bad[0].request[:60], bad[0].describe())
        if bad else "")


def main():
    global srv, PORT, MAN, BINARY
    BINARY = binary_from_argv()
    runner = Runner(deadline=FILE_BUDGET)
    tmp = tempfile.mkdtemp(prefix="capsuled-scale-")
    try:
        site = os.path.join(tmp, "site")
        t0 = time.monotonic()
        try:
            MAN = gen_tree.write_tree(N, site, seed=SEED,
                                      home_posts=HOME_POSTS,
                                      manifest=os.path.join(tmp, "man.json"))
        except Exception as e:
            print("FAIL generate: %s: %s" % (e.__class__.__name__, e))
            runner.failed += 1
            return runner.finish()
        print("ok generate (%d posts, %.1fs)" % (N, time.monotonic() - t0))
        runner.passed += 1
        runner.run("generator_deterministic", t_generator_deterministic, tmp)
        runner.run("manifest_sane", t_manifest_sane)
        runner.run("tree_passes_check", t_tree_is_clean, site)
        srv = Server(BINARY, site, timeout=2)
        t0 = time.monotonic()
        try:
            srv.start(deadline=30)
        except Exception as e:
            print("FAIL start: %s" % e)
            runner.failed += 1
            srv.stop()
            srv = None
            return runner.finish()
        PORT = srv.port
        print("ok start (listening after %.1fs)" % (time.monotonic() - t0))
        runner.passed += 1
        for name, fn in [("home_newest_%d" % HOME_POSTS, t_home),
                         ("year_counts_add_up", t_year_counts),
                         ("month_pages_exact", t_month_pages),
                         ("sample_posts", t_sample_posts),
                         ("drafts_and_sources_not_served",
                          t_drafts_and_sources),
                         ("atom_feed", t_atom),
                         ("pages", t_pages),
                         ("close_notify_everywhere", t_clean_close)]:
            runner.run(name, fn)
    finally:
        if srv is not None:
            rc = srv.stop()
            if rc not in (0, None):
                print("FAIL server_exit: status %r on SIGTERM" % rc)
                runner.failed += 1
        shutil.rmtree(tmp, ignore_errors=True)
    return runner.finish()


if __name__ == "__main__":
    sys.exit(main())
