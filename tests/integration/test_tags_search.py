#!/usr/bin/env python3
"""Tags, search, /favicon.txt and the Atom feed, over real Gemini and Gopher.

usage: test_tags_search.py [PATH_TO_CAPSULED]   (default ./capsuled)

Writes a small content tree of its own (tags in several spellings, in
another script, two tags with one slug; accented words), starts the real
server on 127.0.0.1 with both protocols on free ports, and checks the tag
pages and menus, /search in both protocols, /favicon.txt, and the Atom
feed against RFC 4287's RELAX NG schema (atom.rng, with xmllint) and its
prose rules. Prints "ok NAME" or "FAIL NAME: reason" for each, then
"N passed, N failed"; exits 1 if anything failed. Standard library only.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import (Failure, Runner, Server, Skip, check,  # noqa: E402
                     expect_header, fetch, binary_from_argv, repo_root)
from menu import parse_menu, validate_menu  # noqa: E402

FILE_BUDGET = 55
GEMTEXT = "text/gemini; lang=en"
SITE_TITLE = "Tags and search"
FAVICON = "\U0001F989"  # an owl: test content, nobody's identity
DATED = re.compile(r"^=> (/\d{4}/\d{2}/[^ ]+\.gmi) (\d{4}-\d{2}-\d{2}) (.+)$")
CJK_SLUG = "%E6%9D%B1%E4%BA%AC"  # 東京

SITE_YAML = """title: %s
subtitle: Every tag in several spellings
lang: en
favicon: "%s"
""" % (SITE_TITLE, FAVICON)

# (file, front matter lines, body), oldest first.
POSTS = [
    ("older.gmi", ["title: Lantern notes", "date: 2012-05-05",
                   "tags: [cuba, C]"],
     "Nothing about harbors here.\n"),
    ("cuba.gmi", ["title: Caf\u00e9 noir in Havana",
                  "date: 2013-08-08 13:32",
                  "tags: [Cuba, North Korea, \u6771\u4eac]"],
     "A long first paragraph that talks about the weather and the sea "
     "before it comes to the harbor lantern at last.\n\n"
     "=> gemini://example.org/elsewhere A link elsewhere\n"),
    ("cuba2.gmi", ["title: Second visit", "date: 2014-01-02",
                   "tags: [CUBA, C++]"],
     "Caf\u00e9 au lait. The lantern by the harbor at night.\n"),
    ("ete.gmi", ["title: \u00c9t\u00e9 \u00e0 Paris", "date: 2015-06-01",
                 "tags: [\u00c9t\u00e9]"],
     "Un \u00e9t\u00e9 tr\u00e8s chaud. Cr\u00e8me br\u00fbl\u00e9e.\n"),
    ("harbor.gmi", ["title: Harbor", "date: 2016-01-01"],
     "The harbor lantern glows.\n"),
]
PATHS = {
    "older": "/2012/05/older.gmi", "cuba": "/2013/08/cuba.gmi",
    "cuba2": "/2014/01/cuba2.gmi", "ete": "/2015/06/ete.gmi",
    "harbor": "/2016/01/harbor.gmi",
}

SRV = None
GOPHER_PORT = None


def write_tree(root):
    os.makedirs(os.path.join(root, "posts"))
    os.makedirs(os.path.join(root, "pages"))
    with open(os.path.join(root, "site.yaml"), "w", encoding="utf-8") as f:
        f.write(SITE_YAML)
    for name, fm, body in POSTS:
        with open(os.path.join(root, "posts", name), "w",
                  encoding="utf-8") as f:
            f.write("---\n" + "\n".join(fm) + "\n---\n" + body)
    with open(os.path.join(root, "pages", "about.gmi"), "w",
              encoding="utf-8") as f:
        f.write("---\ntitle: About\n---\nA page.\n")


# ---------------------------------------------------------------- clients

def get(path, port=None):
    """Fetches a path (str, sent as written) over Gemini."""
    port = port or SRV.port
    return fetch(port, ("gemini://localhost:%d%s\r\n" % (port, path))
                 .encode("utf-8"))


def page(path):
    r = get(path)
    expect_header(r, 20, GEMTEXT, path)
    check(r.clean, "%s: no close_notify: %s" % (path, r.describe()))
    return r.text()


def links(text):
    return [l for l in text.split("\n") if l.startswith("=>")]


def gopher(request):
    """One Gopher request (str: CRLF added), read to the close."""
    data = request.encode("utf-8") + b"\r\n"
    s = socket.create_connection(("127.0.0.1", GOPHER_PORT), timeout=5)
    try:
        s.sendall(data)
        out = bytearray()
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
    return bytes(out)


def menu(request):
    data = gopher(request)
    check(not data.startswith(b"3"), "%r: an error item: %r"
          % (request, data[:120]))
    probs = validate_menu(data, 67, host="localhost", port=GOPHER_PORT)
    check(not probs, "%r: invalid menu: %s" % (request, "; ".join(probs[:5])))
    return data


def items(data, kind=None):
    return [i for i in parse_menu(data)
            if i["type"] is not None and (kind is None or i["type"] == kind)]


# ---------------------------------------------------------------- Gemini

def expect_feed(text, what):
    """A subscribable page: a "# " heading first, then dated entries."""
    lines = text.split("\n")
    check(lines[0].startswith("# "), "%s: first line %r is not a heading"
          % (what, lines[0]))
    entries = [DATED.match(l) for l in links(text)]
    entries = [m for m in entries if m]
    check(entries, "%s: no dated entries" % what)
    dates = [m.group(2) for m in entries]
    check(dates == sorted(dates, reverse=True),
          "%s: entries not newest first: %r" % (what, dates))
    return [m.group(1) for m in entries]


def test_tags_index():
    t = page("/tags/")
    check(t.startswith("# Tags\n"), "heading: %r" % t[:40])
    want = [
        "=> /tags/c/ C (1 post)",
        "=> /tags/c-2/ C++ (1 post)",
        # three spellings, one tag, named as the oldest post wrote it
        "=> /tags/cuba/ cuba (3 posts)",
        # "Été" reads as "ete": with the e's
        "=> /tags/ete/ \u00c9t\u00e9 (1 post)",
        "=> /tags/north-korea/ North Korea (1 post)",
        "=> /tags/%s/ \u6771\u4eac (1 post)" % CJK_SLUG,
    ]
    got = [l for l in links(t) if l.startswith("=> /tags/")]
    check(got == want, "tags:\n%s\nwant:\n%s" % ("\n".join(got),
                                                "\n".join(want)))
    expect_header(get("/tags"), 31, "/tags/")


def test_tag_page_is_a_feed():
    t = page("/tags/cuba/")
    check(t.split("\n")[0] == "# %s: cuba" % SITE_TITLE,
          "heading %r" % t.split("\n")[0])
    paths = expect_feed(t, "/tags/cuba/")
    check(paths == [PATHS["cuba2"], PATHS["cuba"], PATHS["older"]],
          "posts %r" % paths)
    check("=> /tags/ All tags" in t, "no way back to /tags/")
    expect_header(get("/tags/cuba"), 31, "/tags/cuba/")
    r = get("/tags/nonesuch/")
    expect_header(r, 51, "Not found")


def test_tag_in_another_script():
    a = page("/tags/%s/" % CJK_SLUG)           # as the links carry it
    b = page("/tags/\u6771\u4eac/")             # as typed
    check(a == b, "encoded and UTF-8 paths differ")
    check(expect_feed(a, "CJK tag") == [PATHS["cuba"]], "posts")
    expect_header(get("/tags/%s" % CJK_SLUG), 31, "/tags/%s/" % CJK_SLUG)


def test_post_tag_links():
    t = page(PATHS["cuba2"])
    lines = t.split("\n")
    i = lines.index("Tags:")
    check(lines[i + 1:i + 3] == ["=> /tags/cuba/ CUBA",
                                  "=> /tags/c-2/ C++"],
          "tag links %r" % lines[i + 1:i + 3])
    for name, path in PATHS.items():
        for l in links(page(path)):
            target = l.split()[1]
            if target.startswith("/tags/"):
                expect_header(get(target), 20, GEMTEXT,
                              "%s links %s" % (name, target))


def test_home_links():
    t = page("/")
    check("=> /tags/ Tags (6)" in t, "no /tags/ link on the home page")
    check("=> /search Search the posts" in t, "no /search link")


def test_search_prompt():
    for q in ("/search", "/search?", "/search?+", "/search?%20%21"):
        expect_header(get(q), 10, "Search the posts", q)


def search(query):
    t = page("/search?" + query)
    check(t.split("\n")[0].startswith("# Search: "), "%s: heading %r"
          % (query, t.split("\n")[0]))
    return t, [m.group(1) for m in map(DATED.match, links(t)) if m]


def test_search_ranking():
    # title first, then body matches newest first; "harbors" is no match
    t, got = search("lantern+harbor")
    want = [PATHS["harbor"], PATHS["cuba2"], PATHS["cuba"]]
    check(got == want, "results %r, want %r" % (got, want))
    check("3 posts hold every word, best first." in t, "count line")
    # each result has its snippet, quoted, around the first match
    lines = t.split("\n")
    for path in want:
        i = [k for k, l in enumerate(lines) if l.startswith("=> " + path)][0]
        check(lines[i + 1].startswith("> "), "%s: no snippet: %r"
              % (path, lines[i + 1]))
    cuba = lines[[k for k, l in enumerate(lines)
                  if l.startswith("=> " + PATHS["cuba"])][0] + 1]
    check(cuba.startswith("> \u2026") and "harbor lantern" in cuba,
          "snippet not around the match: %r" % cuba)


def test_search_accents_and_encoding():
    # %C3%A9 is é, + is a space: "café noir"
    t, got = search("caf%C3%A9+noir")
    check(got == [PATHS["cuba"]], "caf\u00e9 noir: %r" % got)
    check(t.startswith("# Search: caf\u00e9 noir\n"), "echo %r" % t[:40])
    _, got = search("cafe")  # in cuba's title, in cuba2's body
    check(got == [PATHS["cuba"], PATHS["cuba2"]], "cafe: %r" % got)
    _, got = search("%C3%89T%C3%89")
    check(got == [PATHS["ete"]], "\u00c9T\u00c9: %r" % got)
    _, got = search("creme%20brulee")
    check(got == [PATHS["ete"]], "creme brulee: %r" % got)
    # a tag is searched too, in its own script
    _, got = search(CJK_SLUG)
    check(got == [PATHS["cuba"]], "CJK: %r" % got)


def test_search_every_term_required():
    t, got = search("lantern+nowhere")
    check(got == [], "results %r" % got)
    check("No post holds every word of this search." in t, "no-match line")
    # link URLs are not searched
    _, got = search("elsewhere")
    check(got == [PATHS["cuba"]], "label: %r" % got)
    _, got = search("example")
    check(got == [], "URL matched: %r" % got)


def test_search_too_long():
    r = get("/search?" + "+".join("w%d" % i for i in range(11)))
    check(r.status == 10 and "Too long" in (r.meta or ""),
          "11 words: %s" % r.describe())
    r = get("/search?" + "x" * 201)
    check(r.status == 10 and "Too long" in (r.meta or ""),
          "201 bytes: %s" % r.describe())
    r = get("/search?" + "x" * 200)
    expect_header(r, 20, GEMTEXT, "200 bytes")


def test_favicon():
    r = get("/favicon.txt")
    expect_header(r, 20, "text/plain", "/favicon.txt")
    check(r.body == (FAVICON + "\n").encode(), "body %r" % r.body)


def test_favicon_absent():
    """The bundled fixture names none: 51, like anything else not there."""
    other = Server(SRV.binary, os.path.join(repo_root(), "tests",
                                            "fixtures", "site")).start()
    try:
        expect_header(get("/favicon.txt", other.port), 51, "Not found")
    finally:
        other.stop()


# ---------------------------------------------------------------- Atom

ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_schema():
    """RFC 4287's RELAX NG grammar (appendix B), then its prose rules."""
    r = get("/atom.xml")
    expect_header(r, 20, "application/atom+xml", "/atom.xml")
    if shutil.which("xmllint") is None:
        raise Skip("xmllint (libxml2-utils) is not installed")
    with tempfile.NamedTemporaryFile(suffix=".xml") as f:
        f.write(r.body)
        f.flush()
        p = subprocess.run(["xmllint", "--noout", "--relaxng",
                            os.path.join(HERE, "atom.rng"), f.name],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=20)
    check(p.returncode == 0, "does not validate: %s"
          % p.stdout.decode("utf-8", "replace")[-600:])


def test_atom_rules():
    feed = ET.fromstring(get("/atom.xml").body)
    entries = feed.findall(ATOM + "entry")
    check(entries, "no entries")
    # 4.1.1: an author on the feed unless every entry has one (this
    # site.yaml names no author: the title stands in)
    check(feed.find(ATOM + "author") is not None or
          all(e.find(ATOM + "author") is not None for e in entries),
          "no atom:author for some entry")
    ids = set()
    for e in entries:
        # 4.1.2: no content, so an alternate link; one per type/hreflang
        alt = [l for l in e.findall(ATOM + "link")
               if l.get("rel", "alternate") == "alternate"]
        check(e.find(ATOM + "content") is not None or alt,
              "an entry with neither content nor an alternate link")
        check(len(set((l.get("type"), l.get("hreflang"))
                      for l in alt)) == len(alt), "alternate links repeat")
        # 4.2.6: ids are absolute IRIs, unique
        i = e.find(ATOM + "id").text
        check(urllib.parse.urlsplit(i).scheme, "relative id %r" % i)
        check(i not in ids, "id %r twice" % i)
        ids.add(i)
        terms = [c.get("term") for c in e.findall(ATOM + "category")]
        check(all(terms), "an empty category term")
    # 4.2.7.2: a self link
    check(any(l.get("rel") == "self" for l in feed.findall(ATOM + "link")),
          "no self link")


# ---------------------------------------------------------------- Gopher

def test_gopher_tags_menu():
    a = menu("/tags/")
    check(a == menu("/tags"), "/tags/ and /tags differ")
    got = [(i["display"], i["selector"]) for i in items(a, "1")]
    want = [("C (1 post)", "/tags/c/"), ("C++ (1 post)", "/tags/c-2/"),
            ("cuba (3 posts)", "/tags/cuba/"),
            ("\u00c9t\u00e9 (1 post)", "/tags/ete/"),
            ("North Korea (1 post)", "/tags/north-korea/"),
            ("\u6771\u4eac (1 post)", "/tags/%s/" % CJK_SLUG),
            ("Home", "/")]
    check(got == want, "items %r" % got)
    for _, sel in want:
        menu(sel)


def test_gopher_tag_menu():
    a = menu("/tags/cuba/")
    check(a == menu("/tags/cuba"), "with and without the slash differ")
    posts = [i["selector"] for i in items(a, "0")]
    want = [PATHS[k][:-4] + ".txt" for k in ("cuba2", "cuba", "older")]
    check(posts == want, "posts %r" % posts)
    c = menu("/tags/%s/" % CJK_SLUG)
    check(c == menu("/tags/\u6771\u4eac/"), "encoded and UTF-8 differ")


def test_gopher_post_links_menu_has_tags():
    a = menu("/2014/01/cuba2/links/")
    tags = [(i["display"], i["selector"]) for i in items(a, "1")
            if i["selector"].startswith("/tags/")]
    check(tags == [("CUBA", "/tags/cuba/"), ("C++", "/tags/c-2/")],
          "tag items %r" % tags)
    text = gopher("/2014/01/cuba2.txt").decode("utf-8")
    check("Tags: CUBA, C++" in text, "the text lost its Tags line")


def test_gopher_home_search_item():
    a = menu("/")
    s = [i for i in items(a, "7")]
    check(len(s) == 1 and s[0]["display"] == "Search the posts" and
          s[0]["selector"] == "/search", "type 7 items %r" % s)
    check(("1", "/tags/") in [(i["type"], i["selector"]) for i in items(a)],
          "no tags item on the home menu")


def test_gopher_search():
    a = menu("/search\tlantern harbor")
    got = [i["selector"] for i in items(a, "0")]
    want = [PATHS[k][:-4] + ".txt" for k in ("harbor", "cuba2", "cuba")]
    check(got == want, "results %r, want %r" % (got, want))
    infos = [i["display"] for i in items(a, "i")]
    check(infos[0] == "Search: lantern harbor", "echo %r" % infos[:1])
    check(any("harbor lantern" in d for d in infos), "no snippet")
    # Gopher words are taken as typed: accents loose, "+" not a space
    got = [i["selector"] for i in items(menu("/search\tCAF\u00c9"), "0")]
    check(got == [PATHS["cuba"][:-4] + ".txt", PATHS["cuba2"][:-4] + ".txt"],
          "caf\u00e9: %r" % got)
    # and each result is there to fetch
    for sel in want:
        check(not gopher(sel).startswith(b"3"), "%s: an error" % sel)


def test_gopher_search_prompt_and_limits():
    for req in ("/search", "/search\t", "/search\t  !  "):
        a = menu(req)
        check([i["selector"] for i in items(a, "7")] == ["/search"],
              "%r: no type 7 item to ask again" % req)
    data = gopher("/search\t" + " ".join("w%d" % i for i in range(11)))
    check(re.match(rb"^3Search too long[^\t]*\t\terror\.host\t1\r\n\.\r\n$",
                   data), "11 words: %r" % data)
    check(not validate_menu(data, 67), "error item invalid")


def main():
    global SRV, GOPHER_PORT
    binary = binary_from_argv()
    runner = Runner(deadline=FILE_BUDGET)
    tmp = tempfile.mkdtemp(prefix="capsuled-tags-")
    try:
        write_tree(os.path.join(tmp, "site"))
        SRV = Server(binary, os.path.join(tmp, "site"))
        try:
            SRV.start()
        except Exception as e:  # noqa: BLE001
            print("FAIL setup: %s" % e)
            print("0 passed, 1 failed")
            return 1
        for line in SRV.snapshot_lines():
            m = re.search(r"listening gopher 127\.0\.0\.1 (\d+)", line)
            if m:
                GOPHER_PORT = int(m.group(1))
        tests = [
            ("tags: /tags/ lists every tag once, with counts",
             test_tags_index),
            ("tags: a tag page is a feed, newest first", test_tag_page_is_a_feed),
            ("tags: another script, percent-encoded and as typed",
             test_tag_in_another_script),
            ("tags: a post's tags link to their pages", test_post_tag_links),
            ("home: links to /tags/ and /search", test_home_links),
            ("search: /search asks (10)", test_search_prompt),
            ("search: title over body, newest first, snippets",
             test_search_ranking),
            ("search: accents, %-escapes and +", test_search_accents_and_encoding),
            ("search: every word is required", test_search_every_term_required),
            ("search: too long asks again", test_search_too_long),
            ("favicon: /favicon.txt is the emoji", test_favicon),
            ("favicon: absent is 51", test_favicon_absent),
            ("atom: validates against RFC 4287's schema", test_atom_schema),
            ("atom: RFC 4287's prose rules", test_atom_rules),
        ]
        if GOPHER_PORT is not None:
            tests += [
                ("gopher: /tags/ menu", test_gopher_tags_menu),
                ("gopher: a tag's menu", test_gopher_tag_menu),
                ("gopher: a post's links menu lists its tags",
                 test_gopher_post_links_menu_has_tags),
                ("gopher: the home menu has the type 7 item",
                 test_gopher_home_search_item),
                ("gopher: search words after the TAB", test_gopher_search),
                ("gopher: no words asks again, too many is an error",
                 test_gopher_search_prompt_and_limits),
            ]
        else:
            runner.failed += 1
            print("FAIL gopher: no 'listening gopher' line")
        for name, fn in tests:
            runner.run(name, fn)
        if not SRV.alive():
            runner.failed += 1
            print("FAIL server: exited during the tests")
    finally:
        if SRV is not None:
            rc = SRV.stop()
            errors = [l for l in SRV.snapshot_lines()
                      if "Sanitizer" in l or "runtime error" in l]
            if errors:
                runner.failed += 1
                print("FAIL sanitizers: %s" % errors[:3])
            if rc not in (0, None):
                runner.failed += 1
                print("FAIL server: exit status %r" % rc)
        shutil.rmtree(tmp, ignore_errors=True)
    return runner.finish()


if __name__ == "__main__":
    sys.exit(main())
