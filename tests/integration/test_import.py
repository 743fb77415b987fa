#!/usr/bin/env python3
"""capsuled import blogger: the fixture exports against their expected
posts, a second run, hand edits and --force, broken exports; .md posts
named as Jekyll and Hugo name them; and a round trip: the imported tree
served by the real server, every post fetched over Gemini and Gopher, and
a .md post with raw HTML added by SIGHUP (inside the sandbox).

usage: test_import.py [PATH_TO_CAPSULED]   (default ./capsuled)

The expected posts are tests/golden/import/ (from
tests/fixtures/blogger/export.xml) and tests/golden/import-2018/ (from
export-2018.xml, Blogger's newer form), compared file by file with
diff -u; the summary each run prints is import.out beside them, with the
output directory written as DIR. UPDATE=1 rewrites them (review the
diff!). Prints "ok NAME" or "FAIL NAME: reason", then "N passed, N failed".
"""

import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (Runner, Server, check,  # noqa: E402
                     binary_from_argv, fetch, repo_root)

ROOT = repo_root()
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "blogger")
GOLDEN = os.path.join(ROOT, "tests", "golden")
EXPORTS = {  # golden name: export
    "import": os.path.join(FIXTURES, "export.xml"),
    "import-2018": os.path.join(FIXTURES, "export-2018.xml"),
}
UPDATE = os.environ.get("UPDATE") == "1"

BIN = None
TMP = None


def run(*args):
    """capsuled import ARGS...: (exit status, stdout, stderr)."""
    p = subprocess.run([BIN, "import"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def files_under(d):
    out = []
    for base, _, names in os.walk(d):
        for n in names:
            out.append(os.path.relpath(os.path.join(base, n), d))
    return sorted(out)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def fresh(name):
    d = os.path.join(TMP, name)
    shutil.rmtree(d, ignore_errors=True)
    return d


def imported(golden="import", dest=None, *extra):
    """Imports the fixture into a fresh directory; returns it."""
    dest = dest or fresh("out-" + golden)
    rc, out, err = run("blogger", EXPORTS[golden], dest, *extra)
    check(rc == 0, "exit %d: %s" % (rc, err.strip()))
    return dest, out, err


def summary(out, dest):
    return out.replace(dest, "DIR").replace(ROOT + "/", "")


def diff_tree(want, got):
    """diff -u of every expected file; lists missing and unexpected."""
    problems = []
    for f in files_under(want):
        p = subprocess.run(["diff", "-u", os.path.join(want, f),
                            os.path.join(got, f)], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if p.returncode != 0:
            problems.append(p.stdout.decode("utf-8", "replace"))
    for f in files_under(got):
        if not os.path.isfile(os.path.join(want, f)):
            problems.append("%s: not expected" % f)
    return problems


def front_matter(data):
    """The front matter of an imported post as a dict of its raw values
    (quoted strings decoded), and the body."""
    text = data.decode("utf-8")
    m = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    check(m is not None, "no front matter")
    meta = {}
    for line in m.group(1).split("\n"):
        k, _, v = line.partition(": ")
        meta[k] = json.loads(v) if v.startswith(('"', "[")) else v
    return meta, m.group(2)


# ----------------------------------------------------------------- golden


def t_golden(golden):
    dest, out, _ = imported(golden)
    want_out = os.path.join(GOLDEN, golden + ".out")
    if UPDATE:
        shutil.rmtree(os.path.join(GOLDEN, golden), ignore_errors=True)
        shutil.copytree(dest, os.path.join(GOLDEN, golden))
        write(want_out, summary(out, dest).encode())
    problems = diff_tree(os.path.join(GOLDEN, golden), dest)
    check(not problems, "\n".join(problems))
    got = summary(out, dest)
    want = read(want_out).decode()
    check(got == want, "summary:\n%s\nwant:\n%s" % (got, want))


def t_deterministic():
    """Two imports into two directories: the same bytes."""
    a, _, _ = imported("import", fresh("det-a"))
    b, _, _ = imported("import", fresh("det-b"))
    check(files_under(a) == files_under(b), "different files")
    for f in files_under(a):
        check(read(os.path.join(a, f)) == read(os.path.join(b, f)),
              "%s differs between two runs" % f)


def t_second_run():
    """A second run over the first writes nothing: every file unchanged,
    not even touched."""
    dest, _, _ = imported()
    before = {f: os.stat(os.path.join(dest, f)) for f in files_under(dest)}
    rc, out, err = run("blogger", EXPORTS["import"], dest)
    check(rc == 0 and err == "", "exit %d: %s" % (rc, err))
    check("written 0, unchanged 7, kept 0" in out, out)
    for f, st in before.items():
        now = os.stat(os.path.join(dest, f))
        check((now.st_ino, now.st_mtime_ns) == (st.st_ino, st.st_mtime_ns),
              "%s was written again" % f)
    diff = diff_tree(os.path.join(GOLDEN, "import"), dest)
    check(not diff, "\n".join(diff))


def t_hand_edit_kept():
    """A file edited since the import is kept; --force overwrites it."""
    dest, _, _ = imported()
    f = os.path.join(dest, "2013", "08", "packing-list.gmi")
    edited = read(f) + b"A line added by hand.\n"
    write(f, edited)
    rc, out, err = run("blogger", EXPORTS["import"], dest)
    check(rc == 0, "exit %d" % rc)
    check(read(f) == edited, "the edited file was overwritten")
    check("written 0, unchanged 6, kept 1" in out, out)
    check(re.search(r"packing-list\.gmi: kept: .*--force", err), err)
    rc, out, err = run("blogger", EXPORTS["import"], dest, "--force")
    check(rc == 0 and "written 1, unchanged 6, kept 0" in out, out)
    check(read(f) == read(os.path.join(GOLDEN, "import", "2013", "08",
                                       "packing-list.gmi")),
          "--force did not write the imported post")


def t_edit_in_front_matter_kept():
    """Changing only the front matter (or the hash itself) counts too."""
    dest, _, _ = imported()
    f = os.path.join(dest, "2013", "09", "blog-post_20.gmi")
    orig = read(f)
    i = orig.index(b"import_hash: ") + len(b"import_hash: ")
    flipped = orig[:i] + (b"1" if orig[i:i + 1] == b"0" else b"0") + \
        orig[i + 1:]
    for edited in (orig.replace(b'title: "(untitled)"', b'title: "Mine"'),
                   flipped,
                   re.sub(rb"import_hash: [0-9a-f]+\n", b"", orig)):
        check(edited != orig, "the edit did nothing")
        write(f, edited)
        rc, out, _ = run("blogger", EXPORTS["import"], dest)
        check(rc == 0 and read(f) == edited, "overwritten: %r" % edited[:80])


def t_foreign_file_kept():
    """A post written by hand where an import would go is kept."""
    dest = fresh("foreign")
    f = os.path.join(dest, "2013", "08", "letters-from-havana.gmi")
    os.makedirs(os.path.dirname(f))
    mine = b"---\ntitle: Mine\ndate: 2013-08-08\n---\nWritten by hand.\n"
    write(f, mine)
    rc, out, err = run("blogger", EXPORTS["import"], dest)
    check(rc == 0 and read(f) == mine, "overwritten")
    check("written 6, unchanged 0, kept 1" in out, out)
    rc, out, err = run("blogger", EXPORTS["import"], dest, "-f")
    check(rc == 0 and read(f) != mine, "-f did not overwrite")


def t_export_changed():
    """A post changed on Blogger since: its untouched file is rewritten."""
    dest, _, _ = imported()
    changed = os.path.join(TMP, "changed.xml")
    xml = read(EXPORTS["import"])
    check(xml.count(b">Letters from Havana<") == 1, "fixture changed?")
    write(changed, xml.replace(b">Letters from Havana<",
                               b">Letters from Havana, again<"))
    rc, out, err = run("blogger", changed, dest)
    check(rc == 0 and "written 1, unchanged 6, kept 0" in out, out + err)
    meta, _ = front_matter(read(os.path.join(dest, "2013", "08",
                                             "letters-from-havana.gmi")))
    check(meta["title"] == "Letters from Havana, again", meta["title"])


def t_bad_entry():
    """An entry without a usable date is reported with its line and left
    out; the others are written; the exit status says so."""
    bad = os.path.join(TMP, "bad-date.xml")
    xml = read(EXPORTS["import"])
    old = b"<published>2013-08-20T08:05:00.000+02:00</published>"
    check(xml.count(old) == 1, "fixture changed?")
    write(bad, xml.replace(old, b"<published>last Tuesday</published>"))
    dest = fresh("bad")
    rc, out, err = run("blogger", bad, dest)
    check(rc == 1, "exit %d" % rc)
    line = xml[:xml.index(old)].count(b"\n")  # <entry> is the line before
    check(re.search(r"bad-date\.xml:%d: post \"Packing list\": published "
                    r"date malformed date, left out" % line, err), err)
    check(len(files_under(dest)) == 6, files_under(dest))


def t_bad_input():
    garbage = os.path.join(TMP, "garbage.xml")
    write(garbage, b"<feed><entry>\n<title>unclosed</feed>\n")
    rss = os.path.join(TMP, "rss.xml")
    write(rss, b"<?xml version='1.0'?><rss><channel/></rss>\n")
    dest = fresh("none")
    for args, status, pattern in [
            (["blogger", os.path.join(TMP, "missing.xml"), dest], 1,
             r"missing\.xml: No such file"),
            (["blogger", garbage, dest], 1, r"garbage\.xml:\d+: "),
            (["blogger", rss, dest], 1, r"rss\.xml: not an Atom feed"),
            ([], 2, r"^usage: capsuled import blogger"),
            (["blogger", EXPORTS["import"]], 2, r"^usage"),
            (["wordpress", EXPORTS["import"], dest], 2, r"^usage"),
            (["blogger", EXPORTS["import"], dest, "--frobnicate"], 2,
             r"unknown option --frobnicate"),
            (["blogger", EXPORTS["import"], dest, "extra"], 2, r"^usage")]:
        rc, out, err = run(*args)
        check(rc == status, "%r: exit %d, want %d" % (args, rc, status))
        check(re.search(pattern, err, re.M), "%r: %r" % (args, err))
        check(not os.path.exists(dest), "%r: wrote %s" % (args, dest))
    rc, out, _ = run("--help")
    check(rc == 0 and out.startswith("usage:"), "--help")


# ------------------------------------------- links, two imports, the lock


def golden_posts():
    return files_under(os.path.join(GOLDEN, "import"))


def t_symlink_at_temp():
    """A symbolic link planted at every post's old temporary name
    (.SLUG.gmi.tmp beside it, a name anyone could guess) pointing at a
    file outside: the file outside is untouched, and each post is a
    regular file with its imported bytes."""
    dest = fresh("planted-tmp")
    victim = os.path.join(TMP, "victim")
    write(victim, b"precious\n")
    for f in golden_posts():
        d, base = os.path.split(os.path.join(dest, f))
        os.makedirs(d, exist_ok=True)
        os.symlink(victim, os.path.join(d, ".%s.tmp" % base))
    rc, out, err = run("blogger", EXPORTS["import"], dest)
    check(read(victim) == b"precious\n", "written through the link: %r"
          % read(victim)[:60])
    for f in golden_posts():
        p = os.path.join(dest, f)
        check(not os.path.islink(p), "%s is a link now" % f)
        check(read(p) == read(os.path.join(GOLDEN, "import", f)),
              "%s not as imported" % f)
    check(rc == 0 and "written 7" in out, "exit %d: %s%s" % (rc, out, err))


def t_symlinked_dirs():
    """posts/2013 -> outside: nothing is written outside the tree, each
    post under it is refused with the link named; a link deeper
    (2013/09 -> outside) refuses only the posts under it; a link at a
    post's own name is refused too, its target untouched."""
    outside = os.path.join(TMP, "outside")
    shutil.rmtree(outside, ignore_errors=True)
    os.makedirs(outside)
    dest = fresh("planted-dir")
    os.makedirs(dest)
    os.symlink(outside, os.path.join(dest, "2013"))
    rc, out, err = run("blogger", EXPORTS["import"], dest)
    check(os.listdir(outside) == [], "written outside: %r"
          % os.listdir(outside))
    check(rc == 1, "exit %d" % rc)
    refused = re.findall(r"export\.xml:\d+: %s/2013/\d\d/[^:]+\.gmi: "
                         r"%s/2013: a symbolic link, not followed"
                         % (re.escape(dest), re.escape(dest)), err)
    check(len(refused) == 7, "%d refusals: %s" % (len(refused), err))

    dest = fresh("planted-subdir")
    os.makedirs(os.path.join(dest, "2013"))
    os.symlink(outside, os.path.join(dest, "2013", "09"))
    victim = os.path.join(TMP, "victim2")
    write(victim, b"mine\n")
    os.makedirs(os.path.join(dest, "2013", "08"))
    os.symlink(victim, os.path.join(dest, "2013", "08", "packing-list.gmi"))
    rc, out, err = run("blogger", EXPORTS["import"], dest)
    check(os.listdir(outside) == [] and read(victim) == b"mine\n",
          "written outside: %r" % os.listdir(outside))
    check(rc == 1 and "written 3" in out, "exit %d: %s" % (rc, out))
    check(len(re.findall(r"%s/2013/09: a symbolic link, not followed"
                         % re.escape(dest), err)) == 3, err)
    check(re.search(r"2013/08/packing-list\.gmi: a symbolic link, not "
                    r"followed", err), err)
    for f in ("2013/08/letters-from-havana.gmi", "2013/10/post-1007.gmi"):
        check(read(os.path.join(dest, f)) ==
              read(os.path.join(GOLDEN, "import", f)), f)


BIG_POSTS = 300


def big_export():
    """An export of BIG_POSTS posts of 18 KB each (5 MB): an import takes
    long enough (a third of a second) for two to overlap."""
    path = os.path.join(TMP, "big.xml")
    if os.path.exists(path):
        return path
    body = ("&lt;p&gt;" + "All work and no play makes Jack a dull boy. " * 400
            + "&lt;/p&gt;")
    entries = ["""<entry><id>tag:blogger.com,1999:blog-1.post-%d</id>
<blogger:type>POST</blogger:type><blogger:status>LIVE</blogger:status>
<title>Post %d</title><content type='html'>%s</content>
<published>2020-%02d-01T10:00:00.000Z</published>
<blogger:filename>/2020/%02d/post-%d.html</blogger:filename></entry>
""" % (i, i, body, i % 12 + 1, i % 12 + 1, i) for i in range(BIG_POSTS)]
    write(path, ("<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns="
                 "'http://www.w3.org/2005/Atom' xmlns:blogger='http://"
                 "schemas.google.com/blogger/2018'><id>x</id><title>T</title>"
                 "\n%s</feed>\n" % "".join(entries)).encode())
    return path


def t_concurrent():
    """Four imports of the same export into one directory at once, twice:
    each waits for the one before (one says so), all succeed, the tree
    is that of one import alone, a later import writes nothing, and a
    hand edit is still kept."""
    export = big_export()
    ref = fresh("big-ref")
    rc, out, err = run("blogger", export, ref)
    check(rc == 0, "reference import: %s" % err)
    waited = 0
    for round_ in range(2):
        dest = fresh("big-%d" % round_)
        procs = [subprocess.Popen([BIN, "import", "blogger", export, dest],
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for _ in range(4)]
        for p in procs:
            o, e = p.communicate(timeout=60)
            e = e.decode("utf-8", "replace")
            lines = [l for l in e.split("\n") if l]
            waited += sum("another import is writing there; waiting" in l
                          for l in lines)
            others = [l for l in lines if "waiting" not in l]
            check(p.returncode == 0 and not others, "round %d: exit %d: %s"
                  % (round_, p.returncode, others[:3]))
        problems = diff_tree(ref, dest)
        check(not problems, "round %d: %d files differ from one import "
              "alone: %s" % (round_, len(problems), problems[0][:300]
                             if problems else ""))
    check(waited >= 2, "no import said it waited (%d)" % waited)
    rc, out, err = run("blogger", export, dest)
    check(rc == 0 and "written 0, unchanged %d, kept 0" % BIG_POSTS in out,
          "a later import: %s%s" % (out, err))
    f = os.path.join(dest, "2020", "01", "post-0.gmi")
    edited = read(f) + b"By hand.\n"
    write(f, edited)
    rc, out, err = run("blogger", export, dest)
    check(rc == 0 and read(f) == edited and "kept 1" in out,
          "the hand edit: %s%s" % (out, err))


def t_lock_message():
    """While another holds DIR's lock: --wait 0 says so at once and writes
    nothing (exit 1); --wait 1 gives up after a second; by default the
    import says it waits, and goes on once the lock is let go."""
    import fcntl
    dest = fresh("locked")
    os.makedirs(dest)
    fd = os.open(dest, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        rc, out, err = run("blogger", EXPORTS["import"], dest, "--wait", "0")
        check(rc == 1 and re.match(r"%s: locked by another import "
                                   r"\(waited 0 s\); nothing written "
                                   r"\(--wait S waits longer\)\n$"
                                   % re.escape(dest), err),
              "exit %d: %r" % (rc, err))
        check(files_under(dest) == [], "written: %r" % files_under(dest))
        t = time.monotonic()
        rc, out, err = run("blogger", EXPORTS["import"], dest, "--wait", "1")
        took = time.monotonic() - t
        check(rc == 1 and "waited 1 s" in err and 0.9 <= took < 5,
              "exit %d after %.1f s: %s" % (rc, took, err))
        p = subprocess.Popen([BIN, "import", "blogger", EXPORTS["import"],
                              dest], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        ready, _, _ = select.select([p.stderr], [], [], 5.0)
        first = p.stderr.readline().decode() if ready else "(nothing)"
        check(re.match(r"%s: another import is writing there; waiting for "
                       r"it \(up to 10 s\)$" % re.escape(dest), first),
              "first line: %r" % first)
        check(p.poll() is None, "did not wait")
    finally:
        os.close(fd)  # the lock goes with it
    o, e = p.communicate(timeout=20)
    check(p.returncode == 0 and b"written 7" in o, "after the lock went: "
          "%r %r" % (o, e))
    rc, out, err = run("blogger", EXPORTS["import"], dest, "--wait", "x")
    check(rc == 2 and "--wait takes seconds" in err, err)


# ------------------------------------------------------- markdown names


def t_markdown_names():
    """A Jekyll or Hugo folder as it is: 2013-08-08-slug.md gives the slug
    and (when the front matter has none) the date; slug/index.md gives the
    slug; _index.md is skipped; a .md page is a page; no date at all is a
    problem like any other."""
    tree = fresh("md-tree")
    files = {
        "site.yaml": "title: T\n",
        "posts/_posts/2013-08-08-jekyll-style.md":
            "---\ntitle: Jekyll\nlayout: post\n---\n*Hi*\n",
        "posts/_posts/2013-08-09-dated.markdown":
            "---\ntitle: Dated\ndate: 2013-09-01 10:00:00 +0200\n---\nx\n",
        "posts/bundle/index.md":
            "---\ntitle: Bundle\ndate: 2014-01-02T03:04:05+01:00\n---\nx\n",
        "posts/_index.md": "---\ntitle: Section\n---\n",
        "posts/no-date.md": "---\ntitle: No date\n---\nx\n",
        "pages/about.md": "---\ntitle: About\n---\n# About\n\n[me](/me)\n",
    }
    for name, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(tree, name)), exist_ok=True)
        write(os.path.join(tree, name), text.encode())
    out = os.path.join(TMP, "md-export")
    p = subprocess.run([BIN, "--export", out, tree], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    check(p.returncode == 0, p.stdout.decode())
    check(p.stdout.decode() == "%s/posts/no-date.md:1:1: missing date\n"
          % tree, "problems: %r" % p.stdout.decode())
    routes = [l.split(" ")[0] for l in
              read(os.path.join(out, "gemini", ".routes")).decode().split("\n")]
    for want in ("/2013/08/jekyll-style.gmi", "/2013/09/dated.gmi",
                 "/2014/01/bundle.gmi", "/about.gmi"):
        check(want in routes, "%s not served: %r" % (want, routes))
    check(not any("index" in r or "section" in r.lower() for r in routes),
          "_index.md served: %r" % routes)
    page = read(os.path.join(out, "gemini", "2013", "08",
                             "jekyll-style.gmi")).decode()
    check("\nHi\n" in page and "2013-08-08" in page, page)
    about = read(os.path.join(out, "gemini", "about.gmi")).decode()
    check("# About\n" in about and "=> /me me\n" in about, about)


# ------------------------------------------------------------- round trip


def gopher(port, selector):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(selector.encode("utf-8") + b"\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk
    finally:
        s.close()


def t_round_trip():
    """The imported posts as a content tree: --check finds nothing, and
    the server serves every published post, in both protocols, and no
    draft."""
    tree = fresh("tree")
    os.makedirs(tree)
    shutil.copy(os.path.join(ROOT, "tests", "fixtures", "site",
                             "site.yaml"), tree)
    for golden in EXPORTS:
        imported(golden, os.path.join(tree, "posts", golden))
    p = subprocess.run([BIN, "--check", "--cert-dir",
                        os.path.join(TMP, "certs"), tree],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    check(p.returncode == 0 and p.stdout == b"",
          "--check: %s" % p.stdout.decode())
    posts = []
    for golden in EXPORTS:
        base = os.path.join(tree, "posts", golden)
        for f in files_under(base):
            meta, body = front_matter(read(os.path.join(base, f)))
            posts.append((f[:-len(".gmi")], meta, body))
    check(len(posts) == 9, "%d posts imported" % len(posts))
    srv = Server(BIN, tree).start()
    try:
        gport = None
        for line in srv.snapshot_lines():
            m = re.search(r"listening gopher 127\.0\.0\.1 (\d+)", line)
            if m:
                gport = int(m.group(1))
        check(gport, "no gopher port in %r" % srv.snapshot_lines())
        home = fetch(srv.port, "gemini://localhost/\r\n").text()
        published = 0
        for path, meta, body in posts:
            r = fetch(srv.port, "gemini://localhost/%s.gmi\r\n" % path)
            g = gopher(gport, "/%s.txt" % path)
            if meta.get("draft") == "true":
                check(r.status == 51, "draft %s: %s" % (path, r.describe()))
                check(g.startswith(b"3"), "draft %s over gopher" % path)
                check(meta["title"] not in home, "draft on the home page")
                continue
            published += 1
            check(r.status == 20, "%s: %s" % (path, r.describe()))
            text = r.text()
            check(text.startswith("# %s\n" % meta["title"]),
                  "%s: begins %r" % (path, text[:80]))
            for line in body.split("\n"):
                check(line in text.split("\n"),
                      "%s: body line %r not served" % (path, line))
            check("=> %s Original post" % meta["source"] in text,
                  "%s: no link to the original" % path)
            check("=> /%s.gmi %s %s" % (path, meta["date"][:10],
                                        meta["title"]) in home.split("\n"),
                  "%s: not on the home page" % path)
            t = g.decode("utf-8").split("\r\n")
            check(t[0] == meta["title"] and set(t[1]) == {"="},
                  "%s over gopher: %r" % (path, t[:2]))
        check(published == 6, "%d published posts" % published)

        # A Markdown post with raw HTML, added and loaded by SIGHUP: the
        # HTML parser works inside the sandbox too.
        write(os.path.join(tree, "posts", "2013-10-05-by-hand.md"),
              b"---\ntitle: By hand\n---\nSome *Markdown*.\n\n"
              b"<div><a href=\"/x\">raw</a> HTML</div>\n")
        os.kill(srv.proc.pid, signal.SIGHUP)
        check(srv.wait_for_lines(lambda ls: any(
            "reloaded: 7 posts" in l for l in ls), 10),
              "no reload: %r" % srv.snapshot_lines()[-5:])
        r = fetch(srv.port, "gemini://localhost/2013/10/by-hand.gmi\r\n")
        check(r.status == 20 and "Some Markdown.\n\nraw HTML\n=> /x raw\n"
              in r.text(), r.describe() + r.text()[:300])
    finally:
        rc = srv.stop()
    bad = [l for l in srv.snapshot_lines()
           if "Sanitizer" in l or "runtime error" in l]
    check(not bad, "sanitizer: %r" % bad[:5])
    check(rc == 0, "server exit status %r" % rc)


def main():
    global BIN, TMP
    BIN = binary_from_argv()
    TMP = tempfile.mkdtemp(prefix="capsuled-import-")
    r = Runner(deadline=120)
    try:
        for golden in EXPORTS:
            r.run("golden " + golden, t_golden, golden)
        r.run("deterministic", t_deterministic)
        r.run("second run writes nothing", t_second_run)
        r.run("hand edit kept, --force overwrites", t_hand_edit_kept)
        r.run("front matter edit kept", t_edit_in_front_matter_kept)
        r.run("hand-written file kept", t_foreign_file_kept)
        r.run("changed export rewrites untouched files", t_export_changed)
        r.run("bad entry reported, rest written", t_bad_entry)
        r.run("bad input and usage", t_bad_input)
        r.run("a link at the temporary name is not written through",
              t_symlink_at_temp)
        r.run("symlinked directories inside DIR are refused",
              t_symlinked_dirs)
        r.run("four imports at once: one after the other, no damage",
              t_concurrent)
        r.run("a locked DIR: the import says so, waits, gives up",
              t_lock_message)
        r.run("markdown posts named as Jekyll and Hugo do",
              t_markdown_names)
        r.run("round trip: --check, Gemini, Gopher", t_round_trip)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(r.finish())


if __name__ == "__main__":
    main()
