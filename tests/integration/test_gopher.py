#!/usr/bin/env python3
"""Integration tests of capsuled's Gopher server against tests/fixtures/site.

usage: test_gopher.py [PATH_TO_CAPSULED [NAME_PART...]]
       (default ./capsuled; with NAME_PARTs, only tests whose name
       contains one of them run)

Starts the real server on 127.0.0.1, port 0 (and a second one with a public
host, port and width of its own), runs every check, prints "ok NAME" or
"FAIL NAME: reason" for each, then "N passed, N failed"; exits 1 if
anything failed. Standard library only; every socket has a timeout.
"""

import os
import re
import socket
import sys
import threading
import time
import traceback

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Server, ServerError, supports_option  # noqa: E402
from menu import (display_width, parse_menu, self_test,  # noqa: E402
                  validate_menu, validate_text)

TIMEOUT = 1            # the server's --timeout (request deadline)
SOCK_TIMEOUT = 5.0     # every client socket
DROP_LIMIT = 3.0       # a silent or partial client must be gone by then
FILE_BUDGET = 55       # seconds for the whole file
WIDTH = 67
HOST = "localhost"

# Every post of the fixture, newest first: (selector, date, display title).
POSTS = [
    ("/2024/03/second.txt", "2024-03-20", "Second post: a colon"),
    ("/2024/03/hello-world.txt", "2024-03-15", "Hello, world"),
    ("/2024/01/new-year.txt", "2024-01-01", "New year in Tokyo"),
    ("/2023/12/tokyo-night.txt", "2023-12-24",
     "\u00dcberraschung \u2014 \u6771\u4eac\u306e\u591c"),
    ("/2023/12/every-line.txt", "2023-12-10",
     "Every line type: \u6771\u4eac and a tab in the title"),
    ("/2022/06/markdown-notes.txt", "2022-06-15", "Notes kept in Markdown"),
    ("/2022/06/old.txt", "2022-06-01", "An old post"),
]
YEARS = [("2024", 3), ("2023", 2), ("2022", 2)]
HOSTILE = "Every line type: \u6771\u4eac and a tab in the title"
# The one line of every-line.gmi's preformatted block wider than 67.
PRE_WIDE = (" |o_o |   a preformatted line longer than sixty-seven columns "
            "stays exactly as it is written")
# A link of every-line.gmi to a post that does not exist (content, not
# server): the crawl does not count it as broken.
DANGLING = {"/2023/12/second-post-does-not-exist.txt"}


# ---------------------------------------------------------------- server

class GopherServer(Server):
    """harness's server (port 0, its own cert dir, limits off unless the
    extra arguments set them, ready once "serving ... posts" is logged),
    known here by its Gopher port; counts the connections tests make."""

    def __init__(self, binary, content, extra=()):
        super().__init__(binary, content, timeout=TIMEOUT,
                         extra_args=list(extra))
        self.content = content
        self.conns = 0          # connections the tests made
        self.conns_lock = threading.Lock()

    def start(self, deadline=20.0):
        super().start(deadline)
        pat = re.compile(r"listening gopher 127\.0\.0\.1 (\d+)\s*$")
        ports = [int(m.group(1)) for m in
                 map(pat.search, self.snapshot_lines()) if m]
        if not ports:
            raise ServerError("no 'listening gopher' line: %s" %
                              " | ".join(self.snapshot_lines()[-10:]))
        self.gemini_port, self.port = self.port, ports[0]
        return self

    def wait_for(self, predicate, deadline):
        return self.wait_for_lines(lambda lines: predicate(list(lines)),
                                   deadline)


ACCESS_RE = re.compile(
    r'^\S+ gopher \S+ "((?:[^"\\]|\\x[0-9A-F]{2})*)" (\d+|-) (\d+) '
    r'[0-9.]+ms(?: (.*))?$')


def access_lines(lines):
    out = []
    for line in lines:
        m = ACCESS_RE.match(line)
        if m:
            out.append((m.group(1), int(m.group(3)), m.group(4)))
    return out


def log_escape(b):
    return "".join("\\x%02X" % c if c < 0x20 or c >= 0x7F or c in (0x22, 0x5C)
                   else chr(c) for c in b)


# ---------------------------------------------------------------- client

class Reply:
    def __init__(self, request):
        self.request = request
        self.data = b""
        self.end = None       # "eof", "reset", "timeout" or an error
        self.elapsed = 0.0

    def describe(self):
        d = self.data
        shown = repr(d[:120]) + ("...(%d bytes)" % len(d) if len(d) > 120
                                 else "")
        return "got %s, end=%s after %.2fs" % (shown, self.end, self.elapsed)


def read_to_end(s, reply, limit=None):
    buf = bytearray()
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            reply.end = "timeout"
            break
        except ConnectionResetError:
            reply.end = "reset"
            break
        except OSError as e:
            reply.end = "error %s" % e
            break
        if not chunk:
            reply.end = "eof"
            break
        buf += chunk
        if limit is not None and len(buf) > limit:
            reply.end = "over limit"
            break
    reply.data = bytes(buf)


def connect(srv, timeout=SOCK_TIMEOUT):
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=timeout)
    s.settimeout(timeout)
    with srv.conns_lock:
        srv.conns += 1
    return s


def gopher(srv, request, half_close=False, timeout=SOCK_TIMEOUT):
    """Sends request (bytes as is; a str gets CRLF) and reads to EOF."""
    if isinstance(request, str):
        request = (request + "\r\n").encode("utf-8")
    reply = Reply(request)
    t0 = time.monotonic()
    s = connect(srv, timeout)
    try:
        try:
            if request:
                s.sendall(request)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except OSError as e:
            reply.end = "send failed: %s" % e
        read_to_end(s, reply)
    finally:
        s.close()
    reply.elapsed = time.monotonic() - t0
    return reply


# ---------------------------------------------------------------- checks

class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def clean_end(r, what):
    check(r.end == "eof", "%s: the answer did not end in a clean close: %s"
          % (what, r.describe()))


def expect_menu(srv, selector, width=WIDTH, host=HOST, port=None,
                external=()):
    r = gopher(srv, selector)
    what = repr(selector)
    clean_end(r, what)
    check(r.data, "%s: empty answer" % what)
    check(not r.data.startswith(b"3"),
          "%s: an error item: %s" % (what, r.describe()))
    probs = validate_menu(r.data, width, host=host,
                          port=srv.port if port is None else port,
                          external=external)
    check(not probs, "%s: invalid menu: %s" % (what, "; ".join(probs[:5])))
    return r.data


def expect_error(srv, request, what=None, message=None):
    r = gopher(srv, request)
    what = what or repr(r.request[:60])
    check(r.end == "eof", "%s: want an error item then a clean close, "
          "%s" % (what, r.describe()))
    m = re.match(rb"^3([^\t\r\n]*)\t[^\t\r\n]*\t[^\t\r\n]*\t\d+\r\n\.\r\n$",
                 r.data)
    check(m, "%s: want exactly one error item \"3...\" then \".\", %s"
          % (what, r.describe()))
    probs = validate_menu(r.data, WIDTH)
    check(not probs, "%s: invalid error menu: %s" % (what, probs))
    msg = m.group(1).decode("utf-8", "replace")
    if message is not None:
        check(msg == message, "%s: error %r, want %r" % (what, msg, message))
    return msg


def expect_text(srv, selector, allow_wide=(), width=WIDTH):
    r = gopher(srv, selector)
    clean_end(r, repr(selector))
    check(r.data and not r.data.startswith(b"3"),
          "%r: error or empty: %s" % (selector, r.describe()))
    probs = validate_text(r.data, width, allow_wide=allow_wide)
    check(not probs, "%r: invalid text: %s" % (selector,
                                               "; ".join(probs[:5])))
    return r.data


SRV = None      # the main server
ALT = None      # the server with --gopher-host/--gopher-public-port/-w


def test_root_forms():
    home = expect_menu(SRV, "/")
    empty = expect_menu(SRV, "")
    check(home == empty, "\"\" and \"/\" differ")
    check(b"iFixture Blog\t" in home, "no site title in the home menu")


def test_year_forms():
    a = expect_menu(SRV, "/2024/")
    b = expect_menu(SRV, "/2024")
    check(a == b, "/2024/ and /2024 differ")
    items = parse_menu(a)
    sels = [(i["type"], i["selector"]) for i in items if i["type"] != "i"]
    for want in [("1", "/2024/03/"), ("1", "/2024/01/"),
                 ("0", "/2024/03/second.txt"),
                 ("0", "/2024/03/hello-world.txt"),
                 ("0", "/2024/01/new-year.txt"), ("1", "/")]:
        check(want in sels, "/2024/: no item %r in %r" % (want, sels))
    check(not any(s.startswith("/2023") for _, s in sels),
          "/2024/ links a 2023 post")


def test_month_forms():
    a = expect_menu(SRV, "/2024/03/")
    b = expect_menu(SRV, "/2024/03")
    check(a == b, "/2024/03/ and /2024/03 differ")
    posts = [i for i in parse_menu(a) if i["type"] == "0"]
    check([p["selector"] for p in posts] ==
          ["/2024/03/second.txt", "/2024/03/hello-world.txt"],
          "/2024/03/ posts: %r" % [p["selector"] for p in posts])
    check(("/2024/03/hello-world/links/" in
           [i["selector"] for i in parse_menu(a) if i["type"] == "1"]),
          "/2024/03/: no links menu for hello-world")


def test_post_text():
    t = expect_text(SRV, "/2024/03/hello-world.txt").decode()
    lines = t.split("\r\n")
    check(lines[0] == "Hello, world" and lines[1] == "=" * 12,
          "title lines %r" % lines[:2])
    check("A first paragraph." in lines, "no first paragraph")
    check("[1] gemini://example.org/ A link" in lines,
          "no link list entry: %r" % lines[-8:])
    for sel, _, _ in POSTS:
        expect_text(SRV, sel, allow_wide=(PRE_WIDE,))


def test_links_menu_forms():
    a = expect_menu(SRV, "/2024/03/hello-world/links/")
    b = expect_menu(SRV, "/2024/03/hello-world/links")
    check(a == b, "links menu with and without slash differ")
    items = [i for i in parse_menu(a) if i["type"] not in ("i",)]
    check(items and items[0]["type"] == "h" and
          items[0]["selector"] == "URL:gemini://example.org/",
          "first link item %r" % (items[:1],))
    check(("0", "/2024/03/hello-world.txt") in
          [(i["type"], i["selector"]) for i in items],
          "no way back to the post")


def test_every_line_links_menu():
    m = expect_menu(SRV, "/2023/12/every-line/links/",
                    external=[("gopher.floodgap.com", 70)])
    got = [(i["type"], i["selector"], i["host"], i["port"])
           for i in parse_menu(m) if i["display"].startswith("[")]
    p = str(SRV.port)
    want = [("0", "/2024/03/hello-world.txt", HOST, p),
            ("1", "/2024/", HOST, p),
            ("0", "/2023/12/second-post-does-not-exist.txt", HOST, p),
            ("1", "/world", "gopher.floodgap.com", "70"),
            ("h", "URL:https://example.org/a/very/long/url/that/goes/on/and/"
             "on/and/on/well/past/the/width/of/a/gopher/text/document/"
             "index.html?query=string&and=more", HOST, p),
            ("h", "URL:mailto:ada@example.org", HOST, p)]
    check(got == want, "items %r, want %r" % (got, want))
    displays = [i["display"] for i in parse_menu(m)
                if i["display"].startswith("[")]
    check([d.split(" ")[0] for d in displays] ==
          ["[%d]" % n for n in range(1, 7)], "labels %r" % displays)


def test_fixed_files():
    about = expect_text(SRV, "/about.txt").decode()
    check(about.startswith("About the fixture\r\n"), "about.txt: %r"
          % about[:60])
    caps = gopher(SRV, "/caps.txt")
    clean_end(caps, "/caps.txt")
    caps2 = gopher(SRV, "caps.txt")
    clean_end(caps2, "caps.txt")
    check(caps.data.startswith(b"CAPS\r\n"), "/caps.txt: %s" % caps.describe())
    check(caps.data == caps2.data, "caps.txt and /caps.txt differ")
    check(b"CapsVersion=1\r\n" in caps.data, "no CapsVersion")
    check(b"PathDelimeter=/\r\n" in caps.data, "no PathDelimeter")
    probs = validate_text(caps.data, check_width=False)
    check(not probs, "caps.txt: %s" % probs)
    robots = gopher(SRV, "/robots.txt")
    clean_end(robots, "/robots.txt")
    check(robots.data.startswith(b"User-agent:"), "/robots.txt: %s"
          % robots.describe())
    check(not validate_text(robots.data), "robots.txt: %s"
          % validate_text(robots.data))


def test_home_listing():
    home = expect_menu(SRV, "/")
    items = parse_menu(home)
    posts = [(i["selector"], i["display"]) for i in items
             if i["type"] == "0" and re.match(r"\d{4}-\d\d-\d\d ",
                                              i["display"])]
    want = [(s, "%s %s" % (d, t)) for s, d, t in POSTS]
    check(posts == want, "home posts %r, want %r (newest first)"
          % (posts, want))
    dates = [d[:10] for _, d in posts]
    check(dates == sorted(dates, reverse=True), "not newest first: %r"
          % dates)
    years = [(i["display"], i["selector"]) for i in items
             if i["type"] == "1" and re.match(r"\d{4} \(", i["display"])]
    wanty = [("%s (%d post%s)" % (y, n, "" if n == 1 else "s"), "/%s/" % y)
             for y, n in YEARS]
    check(years == wanty, "years %r, want %r" % (years, wanty))
    check(b"Not ready" not in home and b"draft" not in home,
          "the draft shows on the home menu")
    pages = [(i["display"], i["selector"]) for i in items
             if i["type"] == "0" and not re.match(r"\d{4}-", i["display"])]
    check(("About the fixture", "/about.txt") in pages and
          ("Colophon", "/colophon.txt") in pages, "pages %r" % pages)
    check(("h", "URL:https://example.org/engine") in
          [(i["type"], i["selector"]) for i in items],
          "no h item for the site link")


def test_hostile_title_everywhere():
    where = ["/", "", "/2023/", "/2023", "/2023/12/", "/2023/12",
             "/2023/12/every-line/links/", "/2023/12/every-line/links"]
    for sel in where:
        m = expect_menu(SRV, sel, external=[("gopher.floodgap.com", 70)])
        text = m.decode("utf-8")
        check(HOSTILE in text, "%r: no cleaned title %r" % (sel, HOSTILE))
        check("a\ttab" not in text and "a tab\r\nin" not in text and
              "tab\r\n" not in text.replace("title\r\n", ""),
              "%r: raw TAB/CRLF of the title" % sel)
        for line in text.split("\r\n")[:-2]:
            check(line.count("\t") == 3, "%r: line %r" % (sel, line))
    t = gopher(SRV, "/2023/12/every-line.txt").data.decode("utf-8")
    check(t.split("\r\n")[0] == HOSTILE, "text title line %r"
          % t.split("\r\n")[0])
    check("\t" not in t, "a TAB in the text")
    for sel in ["/\t$", "\t$"]:
        r = gopher(SRV, sel)
        check(HOSTILE.encode() in r.data, "%r: no cleaned title" % sel)


def test_lf_only():
    for sel in ["", "/", "/2024/", "/about.txt", "/2023/12/every-line.txt"]:
        a = gopher(SRV, (sel + "\r\n").encode())
        b = gopher(SRV, (sel + "\n").encode())
        clean_end(b, "%r with LF" % sel)
        check(a.data and a.data == b.data,
              "%r: LF-only answer differs from CRLF: %s vs %s"
              % (sel, b.describe(), a.describe()))


def test_request_length():
    # 1024 bytes of line (the end not counted) is looked up: not found.
    sel = b"/" + b"a" * 1023
    check(len(sel) == 1024, "bad test")
    expect_error(SRV, sel + b"\r\n", "1024-byte selector + CRLF", "Not found")
    expect_error(SRV, sel + b"\n", "1024-byte selector + LF", "Not found")
    for req, what in [(b"/" + b"a" * 1024 + b"\r\n", "1025 bytes + CRLF"),
                      (b"/" + b"a" * 1024 + b"\n", "1025 bytes + LF"),
                      (b"/" + b"a" * 2000 + b"\r\n", "2001 bytes"),
                      (b"a" * 5000, "5000 bytes, no LF"),
                      (b"/about.txt\t" + b"w" * 1100 + b"\r\n",
                       "/about.txt + 1100 bytes of search words")]:
        msg = expect_error(SRV, req, what)
        check(msg != "Not found", "%s: looked up (\"Not found\"), not "
              "refused as too long" % what)


def test_long_stream_no_reset():
    """64 KB with no line end: an error item, the rest drained, no reset."""
    reply = Reply(b"x" * 65536)
    s = connect(SRV)
    err = []

    def send():
        try:
            s.sendall(reply.request)
        except OSError as e:
            err.append(e)

    t = threading.Thread(target=send, daemon=True)
    t0 = time.monotonic()
    t.start()
    read_to_end(s, reply)
    t.join(SOCK_TIMEOUT)
    s.close()
    reply.elapsed = time.monotonic() - t0
    check(reply.end == "eof", "want a clean close, %s" % reply.describe())
    check(re.match(rb"^3[^\t]*\t[^\t]*\t[^\t]*\t\d+\r\n\.\r\n$", reply.data),
          "want an error item, %s" % reply.describe())


def expect_dropped(r, what, allow_reset=False):
    check(r.data == b"", "%s: got an answer: %s" % (what, r.describe()))
    ends = ("eof", "reset") if allow_reset else ("eof",)
    check(r.end in ends, "%s: not closed by the server: %s"
          % (what, r.describe()))
    check(TIMEOUT * 0.7 <= r.elapsed <= DROP_LIMIT,
          "%s: closed after %.2f s, want about %d s (the deadline)"
          % (what, r.elapsed, TIMEOUT))


def test_deadline_partial():
    r = gopher(SRV, b"/about.txt")
    expect_dropped(r, "partial line")
    r = gopher(SRV, b"/about.txt\r")
    expect_dropped(r, "partial line ending in CR")


def test_deadline_silent():
    r = gopher(SRV, b"")
    expect_dropped(r, "silent client")


def test_deadline_trickle():
    """One byte every 0.15 s: the deadline covers the whole line."""
    reply = Reply(b"/about.txt\r\n")
    s = connect(SRV)
    t0 = time.monotonic()
    try:
        s.settimeout(0.15)
        for i in range(len(reply.request)):
            if time.monotonic() - t0 > DROP_LIMIT:
                break
            try:
                s.sendall(reply.request[i:i + 1])
            except OSError:
                break
            try:
                d = s.recv(65536)
                if not d:
                    reply.end = "eof"
                    break
                reply.data += d
            except socket.timeout:
                pass
            except ConnectionResetError:
                reply.end = "reset"
                break
        if reply.end is None:
            s.settimeout(SOCK_TIMEOUT)
            rest = Reply(b"")
            read_to_end(s, rest)
            reply.data += rest.data
            reply.end = rest.end
    finally:
        s.close()
    reply.elapsed = time.monotonic() - t0
    expect_dropped(reply, "trickling client", allow_reset=True)


def plus_menu(data):
    """The menu inside a "+-1"/"+INFO:" answer, and problems of the form."""
    probs = []
    lines = data.split(b"\r\n")
    if lines[0] != b"+-1":
        probs.append("first line %r, want '+-1'" % lines[0])
    if not data.endswith(b"\r\n.\r\n"):
        probs.append("does not end with '.'")
    menu = []
    for line in lines[1:]:
        if line == b".":
            break
        if not line.startswith(b"+INFO: "):
            probs.append("line %r is not +INFO:" % line[:60])
            continue
        item = line[len(b"+INFO: "):]
        if item.endswith(b"\t+"):
            item = item[:-2]
        menu.append(item)
    return b"".join(m + b"\r\n" for m in menu) + b".\r\n", probs


def test_gopher_plus_probe():
    home = gopher(SRV, "/").data
    for sel in ["/\t$", "\t$", "/2024/\t$", "/2024\t$"]:
        r = gopher(SRV, sel)
        clean_end(r, repr(sel))
        menu, probs = plus_menu(r.data)
        check(not probs, "%r: %s; %s" % (sel, probs, r.describe()))
        probs = validate_menu(menu, WIDTH, host=HOST, port=SRV.port)
        check(not probs, "%r: +INFO items: %s" % (sel, probs[:3]))
        plain = gopher(SRV, sel[:-2]).data
        check(menu == plain, "%r: +INFO items are not the menu of %r"
              % (sel, sel[:-2]))
    check(plain != home, "bad test")


def test_gopher_plus_consistent():
    """Items the $ reply marks Gopher+ (a fourth TAB and "+") must answer
    Gopher+ requests: the UMN client asks "sel TAB !" for their attributes
    before it opens them, and "sel TAB +" for the data, and needs a reply
    that starts with "+" (+-1, +-2 or +length; "+INFO:" for "!"). Items
    announced without "+" are fetched the Gopher0 way, which is fine."""
    r = gopher(SRV, "/\t$")
    items = [l for l in r.data.split(b"\r\n") if l.startswith(b"+INFO: ")]
    check(items, "no +INFO lines: %s" % r.describe())
    bad = []
    for line in items:
        if not line.endswith(b"\t+"):
            continue
        f = line[len(b"+INFO: "):-2].split(b"\t")
        if f[0][:1] not in (b"0", b"1") or f[2] != HOST.encode():
            continue
        sel = f[1].decode()
        a = gopher(SRV, sel + "\t!")
        if not (a.data.startswith(b"+") and b"+INFO:" in a.data):
            bad.append("%r answered %r" % (sel + "\t!", a.data[:40]))
        d = gopher(SRV, sel + "\t+")
        if not re.match(rb"^\+(-1|-2|\d+)\r\n", d.data):
            bad.append("%r answered %r" % (sel + "\t+", d.data[:40]))
        if len(bad) >= 4:
            break
    check(not bad, "items announced as Gopher+ (\"\\t+\") but Gopher+ "
          "requests get Gopher0 answers: %s" % "; ".join(bad))


def test_url_redirect():
    r = gopher(SRV, "URL:https://example.org/engine")
    clean_end(r, "URL:")
    body = r.data.decode("utf-8")
    check(body.lstrip().lower().startswith("<!doctype html") or
          "<html" in body.lower(), "not an HTML page: %s" % r.describe())
    check('url=https://example.org/engine"' in body,
          "no meta refresh to the URL: %r" % body[:300])
    check('href="https://example.org/engine"' in body, "no link to the URL")

    hostile = 'https://x/"><script>alert(1)</script>'
    r = gopher(SRV, "URL:" + hostile)
    clean_end(r, "hostile URL:")
    body = r.data.decode("utf-8")
    check("<script" not in body.lower(), "unescaped <script>: %r" % body)
    check('"><' not in body, "the quote broke out of the attribute: %r"
          % body)
    check("&lt;script&gt;alert(1)&lt;/script&gt;" in body and
          "&quot;" in body, "URL not HTML-escaped: %r" % body)
    for bad in ["URL:javascript:alert(1)", "URL:JavaScript:alert(1)",
                "URL: javascript:alert(1)",
                "URL:data:text/html,<script>alert(1)</script>",
                "URL:vbscript:msgbox(1)", "URL:"]:
        expect_error(SRV, bad)


def test_tls_hello():
    r = gopher(SRV, b"\x16\x03\x01\x00\x05hello")
    check(r.data == b"", "TLS hello got bytes: %s" % r.describe())
    check(r.end in ("eof", "reset"), "not closed: %s" % r.describe())
    check(r.elapsed < TIMEOUT * 0.7, "closed only at the deadline (%.2f s)"
          % r.elapsed)


def test_http_request():
    for req in [b"GET / HTTP/1.1\r\n",
                b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
                b"HEAD /about.txt HTTP/1.0\r\n\r\n"]:
        r = gopher(SRV, req)
        check(r.end in ("eof",), "%r: not a clean close: %s"
              % (req, r.describe()))
        check(len(r.data) <= 512, "%r: a long reply (%d bytes)"
              % (req, len(r.data)))
        check(b"\tlocalhost\t" not in r.data and b"Fixture" not in r.data
              and b"About the fixture" not in r.data,
              "%r: got a menu or a document: %s" % (req, r.describe()))


def test_traversal():
    for sel in ["/../../etc/passwd", "/2024/../../etc/passwd", "..",
                "../", "/..", "/.hidden", "/.git/config", "/2022/06/draft.txt",
                "/2022/06/draft/links/",
                "/posts/2024/03/hello-world.gmi", "/2024/03/hello-world.gmi",
                "/site.yaml", "/pages/about.gmi", "/etc/passwd",
                "//etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                "/2024/03/../../../etc/passwd", "/broken/hello-world.txt",
                "/2023/02/bad-date.txt", "\\..\\..\\etc\\passwd",
                "/about.txt/", "/about.txt/..", "./about.txt",
                "/2024/./03/"]:
        expect_error(SRV, sel, repr(sel))


def test_bad_bytes():
    for req in [b"/ab\x00out.txt\r\n", b"/about\r.txt\r\n",
                b"/\xff\xfe\r\n", b"/\xc3\r\n", b"/\x1b[2J\r\n",
                b"\xef\xbb\xbf/about.txt\r\n"]:
        expect_error(SRV, req, repr(req))


def test_unknown():
    for sel in ["/nope", "/2019/", "/2024/13/", "/2024/03/nope.txt",
                "nope", "/About.txt"]:
        expect_error(SRV, sel, repr(sel), "Not found")


def link_entries(lines):
    """The "[n] ..." entries after the "Links" heading, each with its
    continuation lines (indented) joined by a space."""
    out = []
    at = lines.index("Links") if "Links" in lines else len(lines)
    for line in lines[at + 1:]:
        if re.match(r"\[\d+\] ", line):
            out.append(line)
        elif line.startswith("    ") and out:
            out[-1] += " " + line.strip()
        elif line.strip() == "" and out:
            break
    return out


def test_every_line_text():
    data = expect_text(SRV, "/2023/12/every-line.txt", allow_wide=(PRE_WIDE,))
    lines = data.decode("utf-8").split("\r\n")[:-1]
    check("." not in lines, "a lone '.' line")
    check(lines[-1] != "." and lines[-1].strip() != ".", "trailing '.'")
    check(" ." in lines, "the lone '.' lines of the post are gone "
          "(want ' .')")
    check(".hidden-looking line starting with a dot" in lines,
          "the line starting with a dot is missing or altered")
    check(PRE_WIDE in lines, "the preformatted line was altered")
    check(all(display_width(l) <= WIDTH for l in lines if l != PRE_WIDE),
          "a wide line")
    # CJK wrapped by columns, not bytes or characters.
    cjk = [l for l in lines if "\u6771\u4eac\u306e\u591c" in l]
    check(cjk and display_width(cjk[0]) > 40, "CJK paragraph %r" % cjk[:1])
    # The [n] marks where the links stood and the link list after "Links".
    check("Links" in lines, "no Links heading")
    at = lines.index("Links")
    check(lines[at + 1] == "-----", "Links heading not underlined")
    listed = link_entries(lines)
    check([l.split(" ")[0] for l in listed] ==
          ["[%d]" % n for n in range(1, 7)], "link list %r" % listed)
    p = SRV.port
    for want in ["[1] gopher://localhost:%d/0/2024/03/hello-world.txt An "
                 "absolute link" % p,
                 "[2] gopher://localhost:%d/1/2024/ A local year" % p,
                 "[4] gopher://gopher.floodgap.com/1/world The Floodgap world",
                 "[3] gopher://localhost:%d/0/2023/12/second-post-does-not-"
                 "exist.txt" % p, "[5] https://example.org/a/very/long/url/"
                 "that/goes/on/and/on/and/on/", "[6] mailto:ada@example.org"]:
        check(any(l.replace(" ", "").startswith(want.replace(" ", ""))
                  for l in listed),
              "no link entry starting %r in %r" % (want, listed))
    inline = [l for l in lines[:at] if re.match(r"\[\d+\] ", l)]
    check(len(inline) == 6, "inline [n] marks %r" % inline)
    check(lines[0] == HOSTILE and set(lines[1]) == {"="} and
          len(lines[1]) == display_width(HOSTILE), "title %r" % lines[:2])
    check(any(l.startswith("Tags: ") and "\t" not in l for l in lines),
          "no Tags line")


def test_half_close():
    for sel in ["/", "/2023/12/every-line.txt", "/about.txt"]:
        full = gopher(SRV, sel)
        r = gopher(SRV, sel, half_close=True)
        clean_end(r, "%r half-closed" % sel)
        check(r.data and r.data == full.data,
              "%r half-closed: %s (want %d bytes)" % (sel, r.describe(),
                                                       len(full.data)))
    # A line without its LF, then the half-close: never served.
    r = gopher(SRV, b"/about.txt", half_close=True)
    check(r.data == b"" and r.end in ("eof", "reset"),
          "partial line then half-close was answered: %s" % r.describe())
    # Bytes after the line (a second request) are not served.
    r = gopher(SRV, b"/robots.txt\r\n/about.txt\r\n", half_close=True)
    check(r.data == gopher(SRV, "/robots.txt").data,
          "pipelined request: %s" % r.describe())


def test_search_field():
    home = gopher(SRV, "/").data
    r = gopher(SRV, "/\tsome words")
    clean_end(r, "with search words")
    check(r.data == home, "\"/\\tsome words\": %s" % r.describe())


def test_concurrent():
    ref = gopher(SRV, "/").data
    n = 100
    results = [None] * n
    barrier = threading.Barrier(n, timeout=15)

    def one(i):
        rep = Reply(b"/\r\n")
        try:
            s = connect(SRV, timeout=15)
        except OSError as e:
            rep.end = "connect failed: %s" % e
            results[i] = rep
            try:
                barrier.abort()
            except threading.BrokenBarrierError:
                pass
            return
        try:
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
            t0 = time.monotonic()
            s.sendall(rep.request)
            read_to_end(s, rep)
            rep.elapsed = time.monotonic() - t0
        except OSError as e:
            rep.end = "error %s" % e
        finally:
            s.close()
        results[i] = rep

    threads = [threading.Thread(target=one, args=(i,), daemon=True)
               for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    bad = [(i, r.describe() if r else "no result")
           for i, r in enumerate(results)
           if r is None or r.end != "eof" or r.data != ref]
    check(not bad, "%d of %d clients got no complete home menu; first: %s"
          % (len(bad), n, bad[:2]))


def test_silent_clients_block_nobody():
    """50 clients that say nothing hold no one up: a request made while
    they wait is answered at once."""
    held = []
    try:
        for _ in range(50):
            held.append(connect(SRV))
        r = gopher(SRV, "/about.txt")
        check(r.end == "eof" and r.data.startswith(b"About the fixture"),
              "with 50 silent clients: %s" % r.describe())
        check(r.elapsed < 0.5, "answered only after %.2f s" % r.elapsed)
    finally:
        for h in held:
            h.close()


def test_still_answers():
    check(SRV.alive(), "the server is gone")
    expect_menu(SRV, "/")
    expect_text(SRV, "/about.txt")


def test_crawl():
    """Every menu and text reachable from the root is valid; every item on
    our host answers (the $ form of every menu too)."""
    seen = {}
    todo = [("1", "/")]
    broken = []
    while todo:
        t, sel = todo.pop()
        if sel in seen:
            continue
        r = gopher(SRV, sel)
        seen[sel] = r
        if r.end != "eof" or r.data.startswith(b"3"):
            if sel not in DANGLING:
                broken.append((sel, r.describe()))
            continue
        if t == "1":
            probs = validate_menu(r.data, WIDTH, host=HOST, port=SRV.port,
                                  external=[("gopher.floodgap.com", 70)])
            check(not probs, "%r: %s" % (sel, probs[:3]))
            pm, probs = plus_menu(gopher(SRV, sel + "\t$").data)
            check(not probs and pm == r.data, "%r: $ form differs" % sel)
            for it in parse_menu(r.data):
                if it["type"] in ("0", "1") and it["host"] == HOST and \
                        it["port"] == str(SRV.port):
                    todo.append((it["type"], it["selector"]))
                elif it["type"] == "h" and it["host"] == HOST:
                    u = gopher(SRV, it["selector"])
                    check(u.data.lstrip().startswith(b"<!DOCTYPE html"),
                          "%r: no redirect page" % it["selector"])
        else:
            probs = validate_text(r.data, WIDTH, allow_wide=(PRE_WIDE,))
            check(not probs, "%r: %s" % (sel, probs[:3]))
    check(not broken, "broken items: %r" % broken)
    want = set(s for s, _, _ in POSTS) | {"/about.txt", "/colophon.txt",
                                         "/2022/06/", "/2023/12/",
                                         "/2024/01/"}
    check(want <= set(seen), "not reached: %r" % (want - set(seen)))
    check(len(seen) >= 19, "only %d items reached" % len(seen))


def test_public_host_port_width():
    """--gopher-host/--gopher-public-port go into every item, not the bind
    address; --gopher-width 40 bounds every display and text line."""
    ext = [("gopher.floodgap.com", 70)]
    for sel in ["/", "/2023/", "/2023/12/", "/2023/12/every-line/links/"]:
        m = expect_menu(ALT, sel, width=40, host="gopher.example.org",
                        port=7070, external=ext)
        check(b"127.0.0.1" not in m and b"\t%d\r\n" % ALT.port not in m,
              "%r: the bind address or port leaked" % sel)
    home = gopher(ALT, "/").data.decode()
    check("Every line type: \u6771\u4eac and a tab\u2026" in home or
          any(l.startswith("02023-12-10 Every line") and "\u2026" in l
              for l in home.split("\r\n")),
          "the long title was not cut with an ellipsis: %r" % home[:600])
    t = expect_text(ALT, "/2023/12/every-line.txt", width=40,
                    allow_wide=(PRE_WIDE,))
    entries = link_entries(t.decode().split("\r\n"))
    check(entries and entries[0].replace(" ", "").startswith(
        "[1]gopher://gopher.example.org:7070/0/2024/03/hello-world.txt"),
          "text links do not use the public host and port: %r"
          % entries[:1])


class Skip(Exception):
    pass


def limited_server(extra):
    if not supports_option(SRV.binary, "--rate"):
        raise Skip("no --rate option")
    lim = GopherServer(SRV.binary, SRV.content, extra)
    lim.start()
    return lim


def test_rate_limit():
    """Over its request rate a client gets an error item (never a reset
    or a silent close), and is served again once the bucket refills."""
    lim = limited_server(["--max-per-address", "0", "--rate", "1",
                          "--burst", "3"])
    try:
        got = []
        for _ in range(6):
            r = gopher(lim, "/about.txt")
            check(r.end == "eof", "over the rate: %s" % r.describe())
            got.append(r)
        ref = got[0].data
        check(ref.startswith(b"About the fixture"), "first request: %s"
              % got[0].describe())
        errs = [r for r in got if r.data != ref]
        check(errs, "6 requests at once with --rate 1 --burst 3: all served")
        check(len(errs) <= 3, "only %d of 6 served" % (6 - len(errs)))
        for r in errs:
            check(re.match(rb"^3[^\t\r\n]+\t[^\t\r\n]*\t[^\t\r\n]*\t\d+"
                           rb"\r\n\.\r\n$", r.data),
                  "over the rate, want one error item: %s" % r.describe())
        time.sleep(1.2)
        r = gopher(lim, "/about.txt")
        check(r.data == ref, "not served again after the refill: %s"
              % r.describe())
    finally:
        lim.stop()


def test_per_address_cap():
    """Over its address's share of open connections a connection is closed
    at once (no bytes, no waiting for the deadline); served again once a
    slot is free."""
    lim = limited_server(["--max-per-address", "2", "--rate", "0"])
    held = []
    try:
        # Each sends a first byte: a silent client stays in the kernel
        # (TCP_DEFER_ACCEPT) and is not counted until its first second
        # is up.
        for _ in range(2):
            held.append(connect(lim))
            held[-1].sendall(b"/")
        time.sleep(0.2)    # both accepted and counted
        r = Reply(b"")
        t0 = time.monotonic()
        s = connect(lim)
        s.sendall(b"/")
        try:
            read_to_end(s, r)
        finally:
            s.close()
        r.elapsed = time.monotonic() - t0
        check(r.data == b"" and r.end in ("eof", "reset"),
              "third connection: %s" % r.describe())
        check(r.elapsed < TIMEOUT * 0.7, "closed only after %.2f s (the "
              "deadline), not at once" % r.elapsed)
        for h in held:
            h.close()
        held = []
        end = time.monotonic() + 3
        while True:
            r = gopher(lim, "/about.txt")
            if r.data.startswith(b"About the fixture") or \
                    time.monotonic() > end:
                break
            time.sleep(0.1)
        check(r.data.startswith(b"About the fixture"),
              "not served after the held connections closed: %s"
              % r.describe())
    finally:
        for h in held:
            h.close()
        lim.stop()


def test_access_log():
    """One access line per connection the tests made (this test's own
    requests included), with the request escaped and the bytes sent."""
    silent = threading.Thread(target=gopher, args=(SRV, b""), daemon=True)
    silent.start()
    sent = {}
    for req in [b"/about.txt\r\n", b"\r\n", b"/\r\n", b"\t$\r\n",
                b"/\t$\r\n", b"/ab\x00out.txt\r\n",
                b"URL:javascript:alert(1)\r\n",
                b"/2023/12/every-line.txt\n"]:
        sent[req] = gopher(SRV, req).data
    silent.join(SOCK_TIMEOUT)
    want = SRV.conns
    SRV.wait_for(lambda ls: len(access_lines(ls)) >= want, 5.0)
    lines = access_lines(SRV.lines)
    check(len(lines) == want, "%d gopher access lines for %d connections"
          % (len(lines), want))
    logged = {}
    for r, n, note in lines:
        logged.setdefault(r, []).append((n, note))
    for req, data in sent.items():
        line = req.rstrip(b"\n").rstrip(b"\r")
        esc = log_escape(line)
        if b"\x00" in req:
            hits = [v for k, v in logged.items() if k.startswith(esc)]
            check(hits, "no log line for %r (want it escaped as %r)"
                  % (req, esc))
            continue
        check(esc in logged, "no log line for %r (as %r)" % (req, esc))
        check(any(n == len(data) for n, _ in logged[esc]),
              "%r: logged %r bytes, sent %d" % (req, logged[esc],
                                                len(data)))
    notes = [n for _, _, n in lines if n]
    check(any("timeout" in n for n in notes), "no timeout note in the log "
          "for the silent client")
    check(not any("\t" in l or "\r" in l for l in SRV.lines),
          "raw control bytes in the log")


def test_validators():
    missed = self_test()
    check(not missed, "the validators let through: %s" % "; ".join(missed))


TESTS = [
    ("menu/text validators catch every rule", test_validators),
    ("root: empty selector and /", test_root_forms),
    ("year: /2024/ and /2024", test_year_forms),
    ("month: /2024/03/ and /2024/03", test_month_forms),
    ("post text", test_post_text),
    ("links menu with and without slash", test_links_menu_forms),
    ("every-line links menu", test_every_line_links_menu),
    ("about.txt, caps.txt, robots.txt", test_fixed_files),
    ("home lists posts newest first, years", test_home_listing),
    ("hostile title cleaned in every menu", test_hostile_title_everywhere),
    ("LF-only request", test_lf_only),
    ("request length 1024/1025/5000", test_request_length),
    ("64 KB without a line end: error, no reset", test_long_stream_no_reset),
    ("deadline: partial line dropped", test_deadline_partial),
    ("deadline: silent client dropped", test_deadline_silent),
    ("deadline: trickling client dropped", test_deadline_trickle),
    ("Gopher+ $ probe", test_gopher_plus_probe),
    ("Gopher+ items answer Gopher+ requests", test_gopher_plus_consistent),
    ("URL: redirect page, escaped; bad schemes refused", test_url_redirect),
    ("TLS ClientHello closed without bytes", test_tls_hello),
    ("HTTP request: short reply, no menu", test_http_request),
    ("traversal and unpublished paths", test_traversal),
    ("NUL, CR, invalid UTF-8, controls", test_bad_bytes),
    ("unknown selector: 3Not found", test_unknown),
    ("every-line text", test_every_line_text),
    ("half-close after the request", test_half_close),
    ("search words after a TAB", test_search_field),
    ("crawl from the root", test_crawl),
    ("100 concurrent clients", test_concurrent),
    ("50 silent clients block nobody", test_silent_clients_block_nobody),
    ("still answers after the batch", test_still_answers),
    ("public host, port and width", test_public_host_port_width),
    ("access log: a line per request", test_access_log),
    ("limits: over the rate an error item", test_rate_limit),
    ("limits: over the per-address cap closed at once",
     test_per_address_cap),
]


def main():
    global SRV, ALT
    binary = sys.argv[1] if len(sys.argv) > 1 else "./capsuled"
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print("FAIL setup: no executable capsuled at %r" % binary)
        print("0 passed, 1 failed")
        return 1
    binary = os.path.abspath(binary)
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    site = os.path.join(root, "tests", "fixtures", "site")
    passed = failed = 0
    t_start = time.monotonic()
    SRV = GopherServer(binary, site)
    ALT = GopherServer(binary, site, ["--gopher-host", "gopher.example.org",
                                      "--gopher-public-port", "7070",
                                      "--gopher-width", "40"])
    try:
        try:
            SRV.start()
            ALT.start()
        except ServerError as e:
            print("FAIL setup: %s" % e)
            print("0 passed, 1 failed")
            return 1
        only = sys.argv[2:]
        for name, fn in TESTS:
            if only and not any(o in name for o in only):
                continue
            if time.monotonic() - t_start > FILE_BUDGET:
                failed += 1
                print("FAIL %s: not run, over the %d s budget"
                      % (name, FILE_BUDGET), flush=True)
                continue
            t0 = time.monotonic()
            try:
                fn()
            except Skip as e:
                passed += 1
                print("ok %s # SKIP %s" % (name, e), flush=True)
                continue
            except Failure as e:
                failed += 1
                print("FAIL %s: %s" % (name, e), flush=True)
                continue
            except Exception as e:
                failed += 1
                tb = traceback.format_exc().strip().splitlines()
                print("FAIL %s: %s: %s [%s]" % (
                    name, e.__class__.__name__, e,
                    tb[-3].strip() if len(tb) >= 3 else ""), flush=True)
                continue
            passed += 1
            dt = time.monotonic() - t0
            print("ok %s%s" % (name, " (%.1fs)" % dt if dt >= 1 else ""),
                  flush=True)
        if not SRV.alive():
            failed += 1
            print("FAIL server: capsuled died (status %r): %s"
                  % (SRV.proc.poll(), " | ".join(SRV.lines[-3:])))
    finally:
        rc = SRV.stop()
        ALT.stop()
    if rc not in (0, None):
        failed += 1
        print("FAIL shutdown: capsuled exited with status %r on SIGTERM"
              % rc)
    for srv in (SRV, ALT):
        san = [l for l in srv.lines if "Sanitizer" in l or
               "runtime error:" in l]
        if san:
            failed += 1
            print("FAIL sanitizer: %s" % " | ".join(san[:3]))
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
