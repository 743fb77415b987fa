#!/usr/bin/env python3
"""Integration tests of capsuled's Gemini server against tests/fixtures/site.

usage: test_gemini.py [PATH_TO_CAPSULED]   (default ./capsuled)

Starts the real server on 127.0.0.1, port 0, with --timeout 1, runs every
check, prints "ok NAME" or "FAIL NAME: reason" for each, then
"N passed, N failed"; exits 1 if anything failed. Standard library only.
"""

import collections
import concurrent.futures
import datetime
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time
import warnings
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True
warnings.filterwarnings("ignore", category=DeprecationWarning)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (Failure, Runner, Server, Skip, check,  # noqa: E402
                     client_context, expect_header, fetch, fetch_half_close,
                     log_escape, parse_access, binary_from_argv, repo_root)

GEMTEXT = "text/gemini; lang=en"
TIMEOUT = 1          # the server's --timeout
DROP_LIMIT = 3.0     # a silent or slow client must be gone by then
FILE_BUDGET = 55     # seconds for the whole file

# Every post of the fixture, newest first: (path, date, title, lang).
POSTS = [
    ("/2024/03/second.gmi", "2024-03-20", "Second post: a colon", "en"),
    ("/2024/03/hello-world.gmi", "2024-03-15", "Hello, world", "en"),
    ("/2024/01/new-year.gmi", "2024-01-01", "New year in Tokyo", "ja"),
    ("/2023/12/tokyo-night.gmi", "2023-12-24",
     "\u00dcberraschung \u2014 \u6771\u4eac\u306e\u591c", "en"),
    ("/2023/12/every-line.gmi", "2023-12-10",
     "Every line type: \u6771\u4eac and a\ttab\r\nin the title", "en"),
    ("/2022/06/markdown-notes.gmi", "2022-06-15", "Notes kept in Markdown",
     "en"),
    ("/2022/06/old.gmi", "2022-06-01", "An old post", "en"),
]


def gmi_title(title):
    """A title as a gemtext line shows it: each control byte a space."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", title)


def squash(s):
    return " ".join(s.split())


def entry_list(posts):
    return [(p, d, gmi_title(t)) for p, d, t, _ in posts]


ENTRY_RE = re.compile(r"^=>\s*(\S+)\s+(\d{4}-\d{2}-\d{2}) (.+)$")

srv = None          # the Server
PORT = None
ALL = []            # every Response that should have an answer
LOCK = threading.Lock()


def url(path=""):
    return "gemini://localhost:%d%s" % (PORT, path)


def get(request, **kw):
    """Fetches request (a str/bytes line; CRLF added to a str) and records
    the response for the close_notify and access-log checks."""
    if isinstance(request, str):
        request = (request + "\r\n").encode("utf-8")
    resp = fetch(PORT, request, **kw)
    with LOCK:
        ALL.append(resp)
    return resp


def get_path(path):
    return get(url(path))


def feed_entries(text):
    """The subscription-spec entries of a gemtext page."""
    return [m.groups() for m in map(ENTRY_RE.match, text.split("\n")) if m]


def expect_entries(resp, want, what):
    got = feed_entries(resp.text())
    check(got == want, "%s entries: expected %r, got %r" % (what, want, got))
    dates = [d for _, d, _ in got]
    check(dates == sorted(dates, reverse=True),
          "%s entries not newest first: %r" % (what, dates))


# ---------------------------------------------------------------- pages

def t_home():
    r = get_path("/")
    expect_header(r, 20, GEMTEXT)
    lines = r.text().split("\n")
    check(lines[0] == "# Fixture Blog", "first line %r" % lines[0])
    expect_entries(r, entry_list(POSTS), "home")
    for want in ("=> /2024/ 2024 (3 posts)", "=> /2023/ 2023 (2 posts)",
                 "=> /2022/ 2022 (2 posts)"):
        check(want in lines, "home lacks %r" % want)
    check("Not ready" not in r.text(), "home lists the draft")
    check("A second hello" not in r.text(), "home lists a broken post")


def t_empty_path():
    home = get_path("/")
    r = get(url(""))
    expect_header(r, 20, GEMTEXT, "empty path")
    check(r.body == home.body, "empty path body differs from /")
    r = get("gemini://localhost:%d?x" % PORT)  # empty path with a query
    check(r.status == 20, "empty path with query: %s" % r.describe())


def t_index_no_control_bytes():
    # a title's TAB/CR/LF must not break a link line of an index or feed
    for path in ("/", "/2023/", "/2023/12/", "/2024/", "/2024/03/"):
        r = get_path(path)
        bad = [l for l in r.text().split("\n")
               if re.search(r"[\x00-\x1f\x7f]", l)]
        check(r.status == 20 and not bad,
              "%s: control bytes in %r" % (path, bad[:2]))
    r = get_path("/2023/12/")
    expect_entries(r, entry_list(POSTS[3:5]), "/2023/12/")


def t_year_page():
    r = get_path("/2024/")
    expect_header(r, 20, GEMTEXT)
    check(r.text().split("\n")[0] == "# 2024", "first line")
    expect_entries(r, entry_list(POSTS[:3]), "/2024/")
    check("=> /2024/03/ March 2024 (2 posts)" in r.text().split("\n"),
          "month count line missing")


def t_month_page():
    r = get_path("/2024/03/")
    expect_header(r, 20, GEMTEXT)
    check(r.text().split("\n")[0] == "# March 2024", "first line")
    expect_entries(r, entry_list(POSTS[:2]), "/2024/03/")
    r = get_path("/2022/06/")
    expect_header(r, 20, GEMTEXT)
    expect_entries(r, entry_list(POSTS[-2:]), "/2022/06/")


def t_redirects():
    for path, target in (("/2024", "/2024/"), ("/2024/03", "/2024/03/"),
                         ("/2022/06", "/2022/06/")):
        r = get_path(path)
        expect_header(r, 31, target)
        check(r.body == b"", "%s: body after 31" % path)


def t_posts():
    for path, date, title, lang in POSTS:
        r = get_path(path)
        expect_header(r, 20, "text/gemini; lang=%s" % lang, path)
        text = r.text()
        check(text.split("\n")[0] == "# " + gmi_title(title),
              "%s first line %r" % (path, text.split("\n")[0]))
        check(date in text, "%s: no date %s in body" % (path, date))
        check(not text.startswith("\ufeff"), "%s: BOM" % path)
    # the first file at a path wins; the broken duplicate is left out
    r = get_path("/2024/03/hello-world.gmi")
    check("A second hello" not in r.text(), "duplicate served instead")


def t_new_year_lang_ja():
    expect_header(get_path("/2024/01/new-year.gmi"), 20,
                  "text/gemini; lang=ja")


def t_pages():
    r = get_path("/about.gmi")
    expect_header(r, 20, GEMTEXT)
    check(r.text().startswith("# About the fixture\n"), "about body")
    r = get_path("/colophon.gmi")
    expect_header(r, 20, "text/gemini; lang=fr")
    check("Fait \u00e0 la main." in r.text(), "colophon body")


def t_atom():
    r = get_path("/atom.xml")
    expect_header(r, 20, "application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    try:
        root = ET.fromstring(r.body)
    except ET.ParseError as e:
        raise Failure("atom does not parse: %s" % e)
    check(root.tag == "{http://www.w3.org/2005/Atom}feed", root.tag)
    check(root.findtext("a:title", namespaces=ns) == "Fixture Blog",
          "feed title")
    base = "gemini://localhost:%d" % PORT
    feed_links = [l.get("href") for l in root.findall("a:link", ns)]
    check(base + "/" in feed_links and base + "/atom.xml" in feed_links,
          "feed links %r (want %s/ and %s/atom.xml)" % (feed_links, base,
                                                        base))
    entries = root.findall("a:entry", ns)
    got = []
    stamps = []
    for e in entries:
        link = e.find("a:link", ns)
        got.append((link.get("href") if link is not None else None,
                    squash(e.findtext("a:title", namespaces=ns) or "")))
        p = e.findtext("a:published", namespaces=ns) or \
            e.findtext("a:updated", namespaces=ns)
        stamps.append(datetime.datetime.fromisoformat(
            p.replace("Z", "+00:00")))
    want = [(base + p, squash(t)) for p, _, t, _ in POSTS]
    check(got == want, "entries: expected %r, got %r" % (want, got))
    check(stamps == sorted(stamps, reverse=True),
          "entries not newest first: %r" % stamps)
    check(b"Not ready" not in r.body, "draft in feed")


def t_robots():
    r = get_path("/robots.txt")
    expect_header(r, 20, "text/plain; charset=utf-8")
    check("User-agent:" in r.text(), "robots body %r" % r.body[:80])


def t_not_found():
    for path in ("/nope", "/nope.gmi", "/2025/", "/2024/02/", "/2024/03/x.gmi",
                 "/index.gmi", "/site.yaml", "/pages/about.gmi",
                 "/posts/2024/03/second.gmi", "/2024/03/second.gmi/",
                 "/.routes"):
        r = get_path(path)
        expect_header(r, 51, "Not found", path)
        check(r.body == b"", "%s: body after 51" % path)


def t_draft_and_broken():
    for path in ("/2022/06/draft.gmi", "/2022/draft.gmi",
                 "/2022/02/bad-utf8.gmi", "/2023/02/bad-date.gmi",
                 "/2022/01/bad-yaml.gmi", "/broken/bad-date.gmi",
                 "/broken/no-date.gmi", "/posts/broken/no-date.gmi",
                 "/2024/03/hello-world.gmi.bak"):
        expect_header(get_path(path), 51, "Not found", path)
    r = get_path("/2022/06/")
    check("Not ready" not in r.text() and "draft" not in r.text(),
          "the draft is listed in /2022/06/")


# ----------------------------------------------------- request line limits

def padded(n_bytes, pad="a"):
    """A URI of exactly n_bytes bytes, padding the path with pad."""
    prefix = url("/").encode()
    fill = n_bytes - len(prefix)
    unit = pad.encode("utf-8")
    body = unit * (fill // len(unit))
    body += b"a" * (fill - len(body))
    u = prefix + body
    assert len(u) == n_bytes, (len(u), n_bytes)
    u.decode("utf-8")  # stays valid UTF-8
    return u


def t_boundary_ascii():
    r = get(padded(1024) + b"\r\n")
    expect_header(r, 51, "Not found", "1024-byte URI")
    r = get(padded(1025) + b"\r\n")
    check(r.status == 59, "1025-byte URI: %s" % r.describe())


def t_boundary_utf8():
    for pad in ("\u00e9", "\u6771", "\U0001F600"):
        u = padded(1024, pad)
        check(len(u.decode("utf-8")) < 1024 or pad == "a", "padding")
        r = get(u + b"\r\n")
        expect_header(r, 51, "Not found", "1024-byte URI padded %r" % pad)
        r = get(padded(1025, pad) + b"\r\n")
        check(r.status == 59,
              "1025-byte URI padded %r: %s" % (pad, r.describe()))
    # a 3-byte character straddling byte 1024: 1026 bytes, fewer chars
    prefix = url("/").encode()
    u = prefix + b"a" * (1023 - len(prefix)) + "\u6771".encode()
    check(len(u) == 1026, "len")
    r = get(u + b"\r\n")
    check(r.status == 59, "1026-byte URI (straddling): %s" % r.describe())


def t_long_line_no_crlf():
    # No CRLF at all, and the client keeps the connection open: the server
    # has seen more than 1024 bytes of URI, so it must answer 59 itself.
    bad = []
    for n in (1026, 1027, 1100, 2000):
        r = fetch(PORT, padded(n), timeout=TIMEOUT + 3)
        if r.status is not None:  # no answer is reported here, once
            with LOCK:
                ALL.append(r)
        if r.status != 59:
            bad.append("%d bytes: %s after %.1f s" % (n, r.describe(),
                                                      r.elapsed))
    check(not bad, "no CRLF, connection left open, expected 59: " +
          "; ".join(bad))


def t_long_line_5000():
    r = get(padded(5000) + b"\r\n")
    check(r.status == 59 and r.header.startswith(b"59 "),
          "5000-byte line: %s" % r.describe())
    check(r.error is None, "5000-byte line ended badly: %s" % r.describe())
    r = get(padded(5000))  # and without the CRLF
    check(r.status == 59, "5000 bytes without CRLF: %s" % r.describe())
    r = get(b"x" * 65536 + b"\r\n", timeout=8)
    check(r.status == 59, "64 KiB line: %s" % r.describe())
    check(r.error is None, "64 KiB line ended badly: %s" % r.describe())


# ------------------------------------------------------------ malformed

def malformed_requests():
    p = PORT
    return [
        ("userinfo", b"gemini://user@localhost:%d/\r\n" % p),
        ("userinfo empty", b"gemini://@localhost:%d/\r\n" % p),
        ("fragment", b"gemini://localhost:%d/#x\r\n" % p),
        ("empty fragment", b"gemini://localhost:%d/about.gmi#\r\n" % p),
        ("leading BOM", b"\xef\xbb\xbfgemini://localhost:%d/\r\n" % p),
        ("invalid UTF-8 byte", b"gemini://localhost:%d/\xff\r\n" % p),
        ("overlong UTF-8", b"gemini://localhost:%d/\xc0\xaf\r\n" % p),
        ("lone continuation", b"gemini://localhost:%d/\x80\r\n" % p),
        ("truncated UTF-8", b"gemini://localhost:%d/\xe6\x9d\r\n" % p),
        ("percent invalid UTF-8", b"gemini://localhost:%d/%%ff\r\n" % p),
        ("raw NUL", b"gemini://localhost:%d/\x00\r\n" % p),
        ("raw NUL mid", b"gemini://localhost:%d/a\x00b.gmi\r\n" % p),
        ("%00", b"gemini://localhost:%d/%%00\r\n" % p),
        ("%00 in query", b"gemini://localhost:%d/?%%00\r\n" % p),
        ("relative /", b"/\r\n"),
        ("relative path", b"/2024/03/second.gmi\r\n"),
        ("empty line", b"\r\n"),
        ("scheme-less", b"localhost/\r\n"),
        ("network-path //host/", b"//localhost:%d/\r\n" % p),
        ("no authority", b"gemini:/about.gmi\r\n"),
        ("empty host", b"gemini:///\r\n"),
        ("garbage", b"garbage\r\n"),
        ("garbage bytes", b"\x01\x02\x03\x04\r\n"),
        ("http verb", b"GET / HTTP/1.0\r\n"),
        ("LF without CR", b"gemini://localhost:%d/\n" % p),
        ("CR CR LF", b"gemini://localhost:%d/\r\r\n" % p),
        ("space in URI", b"gemini://localhost:%d/a b\r\n" % p),
        ("tab in URI", b"gemini://localhost:%d/a\tb\r\n" % p),
        ("space before URI", b" gemini://localhost:%d/\r\n" % p),
        ("bad port", b"gemini://localhost:abc/\r\n"),
        ("port too big", b"gemini://localhost:99999/\r\n"),
        ("bad escape", b"gemini://localhost:%d/%%zz\r\n" % p),
        ("truncated escape", b"gemini://localhost:%d/%%2\r\n" % p),
        ("malformed other scheme", b"https://user@localhost/\r\n"),
    ]


def t_malformed():
    bad = []
    for name, req in malformed_requests():
        r = get(req)
        if r.status != 59 or not r.meta or r.body:
            bad.append("%s %r -> %s" % (name, req[:60], r.describe()))
    check(not bad, "expected 59: " + "; ".join(bad))


# ------------------------------------------------------- proxy refusals

def t_proxy_refused():
    cases = [
        ("https://localhost/", "Only gemini:// URLs are served here"),
        ("gopher://localhost/", "Only gemini:// URLs are served here"),
        ("HTTP://localhost:%d/" % PORT, "Only gemini:// URLs are served here"),
        ("gemini://example.com:%d/" % PORT,
         "This server does not serve that host"),
        ("gemini://example.com/", "This server does not serve that host"),
        ("gemini://localhost.example:%d/" % PORT,
         "This server does not serve that host"),
        ("gemini://127.0.0.1:%d/" % PORT,
         "This server does not serve that host"),
        ("gemini://localhost:1/", "This server does not serve that port"),
        ("gemini://localhost:0/", "This server does not serve that port"),
        ("gemini://localhost:%d/" % (PORT + 1 if PORT < 65535 else PORT - 1),
         "This server does not serve that port"),
    ]
    bad = []
    for req, meta in cases:
        r = get(req)
        if r.status_line() != "53 " + meta or r.body:
            bad.append("%s -> %s (want 53 %s)" % (req, r.describe(), meta))
    check(not bad, "; ".join(bad))


def t_host_case_insensitive():
    for req in ("GEMINI://LOCALHOST:%d/" % PORT,
                "Gemini://LocalHost:%d/" % PORT,
                "gemini://localhost.:%d/" % PORT,
                "gemini://localhost/",
                "gemini://LOCALHOST:%d/2024/03/second.gmi" % PORT):
        r = get(req)
        check(r.status == 20 and r.meta.startswith("text/gemini"),
              "%s -> %s" % (req, r.describe()))


# ----------------------------------------------------------- path safety

def t_path_safety():
    for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                 "/%2E%2E/%2E%2E/etc/passwd", "/..%2f..%2fetc%2fpasswd",
                 "/2024/../../../../etc/passwd", "/./../site.yaml",
                 "/%2e%2e/site.yaml", "/../tests/fixtures/site/site.yaml",
                 "/2024/03/../../../posts/2024/03/second.gmi",
                 "/..", "/../"):
        r = get_path(path)
        check(r.status in (51, 59) or (path in ("/..", "/../") and
                                       r.status == 20),
              "%s -> %s" % (path, r.describe()))
        check(b"root:" not in r.body and b"title:" not in r.body,
              "%s leaked a file: %r" % (path, r.body[:80]))
    expect_header(get_path("/../../etc/passwd"), 51, "Not found")
    expect_header(get_path("/%2e%2e/%2e%2e/etc/passwd"), 51, "Not found")
    post = get_path("/2024/03/second.gmi")
    for path in ("/2024/../2024/03/second.gmi", "/2024/./03/second.gmi",
                 "/x/../2024/03/second.gmi", "/2024/%2e%2e/2024/03/second.gmi",
                 "/2024/03/%73econd.gmi"):
        r = get_path(path)
        expect_header(r, 20, GEMTEXT, path)
        check(r.body == post.body, "%s: body differs from the post" % path)


# ------------------------------------------------------------ time limits

def wait_closed(s, limit):
    """Reads from s until the peer closes; returns (seconds, how)."""
    t0 = time.monotonic()
    s.settimeout(0.2)
    while True:
        if time.monotonic() - t0 > limit:
            return None, "still open after %.1f s" % limit
        try:
            d = s.recv(4096)
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        except ssl.SSLEOFError:
            return time.monotonic() - t0, "EOF without close_notify"
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - t0, "reset"
        except (ssl.SSLError, OSError) as e:
            return time.monotonic() - t0, "error %s" % e
        if not d:
            return time.monotonic() - t0, "closed"


def t_silent_tcp():
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    try:
        dt, how = wait_closed(s, DROP_LIMIT + 2)
    finally:
        s.close()
    check(dt is not None and time.monotonic() - t0 < DROP_LIMIT,
          "silent TCP client not dropped within %.1f s: %s" %
          (DROP_LIMIT, how))


def t_partial_client_hello():
    # a byte of a TLS record header, then silence: the handshake deadline
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    try:
        s.sendall(b"\x16\x03\x01")
        dt, how = wait_closed(s, DROP_LIMIT + 2)
    finally:
        s.close()
    check(dt is not None and dt < DROP_LIMIT,
          "client stuck in the handshake not dropped: %s" % how)


def tls_connect():
    sock = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    return client_context().wrap_socket(sock, server_hostname="localhost",
                                        suppress_ragged_eofs=False)


def t_silent_tls():
    s = tls_connect()
    try:
        dt, how = wait_closed(s, DROP_LIMIT + 2)
    finally:
        s.close()
    check(dt is not None and dt < DROP_LIMIT,
          "client silent after the handshake not dropped: %s" % how)


def t_trickle():
    s = tls_connect()
    t0 = time.monotonic()
    req = url("/2024/03/second.gmi").encode()
    how = None
    try:
        s.settimeout(0.25)
        for i in range(len(req)):
            if time.monotonic() - t0 > DROP_LIMIT + 2:
                how = "still open after %.1f s" % (DROP_LIMIT + 2)
                break
            try:
                s.sendall(req[i:i + 1])
            except (OSError, ssl.SSLError):
                how = "dropped (send failed)"
                break
            try:
                d = s.recv(4096)
                if not d:
                    how = "closed"
                    break
                if d:
                    how = "answered %r" % d[:40]
                    break
            except socket.timeout:
                continue
            except (OSError, ssl.SSLError) as e:
                how = "dropped (%s)" % e.__class__.__name__
                break
        else:
            how = "never dropped: the whole line went through"
    finally:
        dt = time.monotonic() - t0
        s.close()
    check(how is not None and (how.startswith("dropped") or how == "closed")
          and dt < DROP_LIMIT,
          "trickling client: %s after %.1f s" % (how, dt))


def t_silent_clients_do_not_block():
    socks = []
    try:
        for _ in range(50):
            socks.append(socket.create_connection(("127.0.0.1", PORT),
                                                  timeout=5))
        for _ in range(10):
            socks.append(tls_connect())
        t0 = time.monotonic()
        r = get_path("/")
        dt = time.monotonic() - t0
        expect_header(r, 20, GEMTEXT, "/ with 60 idle clients")
        check(dt < 0.75, "answer took %.2f s with idle clients" % dt)
    finally:
        for s in socks:
            s.close()


# ------------------------------------------------------------ half-close

def t_half_close():
    for tcp in (False, True):
        for path in ("/", "/2024/03/hello-world.gmi", "/atom.xml"):
            ref = get_path(path)
            r = fetch_half_close(PORT, (url(path) + "\r\n").encode(),
                                 tcp_shutdown=tcp)
            with LOCK:
                ALL.append(r)
            what = "%s half-closed%s" % (path, " + TCP FIN" if tcp else "")
            check(r.status_line() == ref.status_line() and
                  r.body == ref.body,
                  "%s: got %s, want %r with %d bytes" %
                  (what, r.describe(), ref.status_line(), len(ref.body)))
            check(r.clean, "%s: no close_notify (%s)" % (what, r.error))
    r = fetch_half_close(PORT, b"gemini://localhost:%d/\xff\r\n" % PORT)
    with LOCK:
        ALL.append(r)
    check(r.status == 59, "half-closed malformed: %s" % r.describe())


# ------------------------------------------------------------ concurrency

def t_concurrent_200():
    path = "/2024/03/hello-world.gmi"
    ref = get_path(path)
    expect_header(ref, 20, GEMTEXT)
    n = 200
    barrier = threading.Barrier(n, timeout=15)

    def one(_):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        try:
            return get(url(path), timeout=15)
        except Exception as e:
            return e

    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as ex:
        results = list(ex.map(one, range(n)))
    bad = collections.Counter()
    for r in results:
        if isinstance(r, Exception):
            bad["exception %s: %s" % (r.__class__.__name__, r)] += 1
        elif (r.status_line() != ref.status_line() or r.body != ref.body
              or not r.clean):
            bad[r.describe()] += 1
    check(not bad, "%d of %d bad: %s" % (sum(bad.values()), n,
                                          dict(bad.most_common(3))))


def t_still_serving():
    check(srv.alive(), "server exited: %r" % srv.proc.poll())
    r = get_path("/")
    expect_header(r, 20, GEMTEXT)
    check(r.text().startswith("# Fixture Blog\n"), "home body")


# ----------------------------------------------- close_notify, access log

def t_close_notify_everywhere():
    with LOCK:
        resps = list(ALL)
    check(len(resps) > 300, "only %d responses recorded" % len(resps))
    bad = [r for r in resps if not r.clean or r.status is None]
    check(not bad, "%d of %d responses without close_notify, e.g. %s" % (
        len(bad), len(resps),
        "; ".join("%r -> %s" % (r.request[:60], r.describe())
                  for r in bad[:4])))


def expected_log_request(req):
    """The request line as logged, or None when it is not a plain line."""
    lf = req.find(b"\n")
    if lf < 0 or lf != len(req) - 1 or lf > 1026:
        return None
    line = req[:lf]
    if line.endswith(b"\r"):
        line = line[:-1]
    return log_escape(line)


def t_access_log():
    with LOCK:
        resps = [r for r in ALL if r.status is not None]
    want = collections.Counter()
    statuses = collections.Counter()
    for r in resps:
        key = expected_log_request(r.request)
        if key is not None:
            want[(key, str(r.status))] += 1
        statuses[str(r.status)] += 1

    def satisfied(lines):
        have = collections.Counter((q, s) for q, s, _, _ in
                                   parse_access(lines))
        missing = {k: v - have[k] for k, v in want.items() if have[k] < v}
        return (not missing, missing, have)

    ok = srv.wait_for_lines(lambda ls: satisfied(ls)[0], 5)
    _, missing, have = satisfied(srv.snapshot_lines())
    check(ok, "%d request kinds missing from the log, e.g. %r" % (
        len(missing), list(missing.items())[:3]))
    have_status = collections.Counter(s for (_, s) in have.elements())
    for s, n in statuses.items():
        check(have_status[s] >= n, "status %s: %d responses, %d log lines" %
              (s, n, have_status[s]))
    notes = [n for _, s, _, n in parse_access(srv.snapshot_lines())
             if s == "-"]
    check(any(n and "timeout" in n for n in notes),
          "no 'timeout' note for the dropped clients: %r" % notes[:5])


# ------------------------------------------------------------------ TLS

LOCAL_TLS_REFUSALS = ("NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE",
                      "NO_SUITABLE_SIGNATURE_ALGORITHM",
                      "UNSUPPORTED_PROTOCOL")


def try_old_tls(ver, ciphers):
    """('handshake', version) | ('local', why) | ('refused', why)."""
    ctx = client_context(minv=ssl.TLSVersion.TLSv1, maxv=ver,
                         ciphers=ciphers)
    sock = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    try:
        s = ctx.wrap_socket(sock, server_hostname="localhost")
        v = s.version()
        s.close()
        return ("handshake", v)
    except ssl.SSLError as e:
        reason = getattr(e, "reason", None) or str(e)
        # Our own OpenSSL giving up before a ClientHello goes out (or
        # rejecting the server's hello as below its own floor) says
        # nothing about the server.
        if reason in LOCAL_TLS_REFUSALS and "ALERT" not in reason:
            return ("local", reason)
        return ("refused", reason)
    except OSError as e:  # reset or EOF from the server: refused too
        return ("refused", "%s: %s" % (e.__class__.__name__, e))
    finally:
        sock.close()


def t_tls_old_refused():
    notes = []
    for ver, name in ((ssl.TLSVersion.TLSv1_1, "TLS 1.1"),
                      (ssl.TLSVersion.TLSv1, "TLS 1.0")):
        outcome = None
        for ciphers in (None, "DEFAULT:@SECLEVEL=0"):
            outcome = try_old_tls(ver, ciphers)
            if outcome[0] != "local":
                break
        if outcome[0] == "local":
            raise Skip("%s: the local OpenSSL will not offer it even at "
                       "SECLEVEL=0 (%s)" % (name, outcome[1]))
        check(outcome[0] == "refused",
              "%s handshake succeeded (%s)" % (name, outcome[1]))
        notes.append(outcome[1])
    check(all("PROTOCOL_VERSION" in n or "ALERT" in n or "EOF" in n or
              "Reset" in n for n in notes),
          "refused, but not by the server? %r" % notes)


def t_tls_12_13():
    for ver, name in ((ssl.TLSVersion.TLSv1_2, "TLSv1.2"),
                      (ssl.TLSVersion.TLSv1_3, "TLSv1.3")):
        ctx = client_context(minv=ver, maxv=ver)
        r = get(url("/"), ctx=ctx)
        check(r.tls_version == name, "negotiated %r, want %s" %
              (r.tls_version, name))
        expect_header(r, 20, GEMTEXT, name)
        check(r.clean, "%s: no close_notify" % name)
        r = fetch_half_close(PORT, (url("/about.gmi") + "\r\n").encode(),
                             ctx=ctx)
        check(r.status == 20 and r.clean,
              "%s half-close: %s" % (name, r.describe()))


def t_same_certificate():
    def cert():
        s = tls_connect()
        try:
            return s.getpeercert(binary_form=True)
        finally:
            s.close()
    a, b = cert(), cert()
    check(a and a == b, "certificate changes between connections")
    check(os.path.exists(os.path.join(srv.cert_dir, "localhost.crt")),
          "no localhost.crt in the cert dir: %r" % os.listdir(srv.cert_dir))


# ------------------------------------------------------- resumption

def fetch_session(ctx, session=None):
    """One request; returns (status, session_reused, the new session)."""
    sock = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    try:
        s = ctx.wrap_socket(sock, server_hostname="localhost",
                            session=session)
        try:
            s.sendall(b"gemini://localhost/\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            # TLS 1.3 tickets come after the handshake: read by now.
            return data[:2], s.session_reused, s.session
        finally:
            s.close()
    finally:
        sock.close()


def resumes(maxv, what):
    ctx = client_context(maxv=maxv)
    status, reused, sess = fetch_session(ctx)
    check(status == b"20" and not reused, "%s first: %r reused=%r"
          % (what, status, reused))
    check(sess is not None and sess.has_ticket, "%s: no ticket" % what)
    # Each connection resumes with the session the one before it left: a
    # resumed connection must hand out a ticket of its own (clients use
    # each TLS 1.3 ticket once).
    for i in range(3):
        used = sess
        status, reused, sess = fetch_session(ctx, used)
        check(status == b"20" and reused, "%s resumption %d: %r reused=%r"
              % (what, i + 1, status, reused))
        if maxv == ssl.TLSVersion.TLSv1_3:
            check(sess.id != used.id, "%s resumption %d: no new ticket"
                  % (what, i + 1))
    return ctx, sess


def t_resume_tls13():
    resumes(ssl.TLSVersion.TLSv1_3, "TLS 1.3")


def t_resume_tls12():
    resumes(ssl.TLSVersion.TLSv1_2, "TLS 1.2")


def t_resume_after_reload():
    """The ticket keys are the process's, not the TLS context's: a
    reload (a new context) keeps every ticket good."""
    ctx, sess = resumes(ssl.TLSVersion.TLSv1_3, "before the reload")
    n = len(srv.snapshot_lines())
    os.kill(srv.proc.pid, signal.SIGHUP)
    # The fixture's broken files keep its content; the TLS context is
    # made anew all the same.
    check(srv.wait_for_lines(lambda ls: any(
        "reloaded:" in l or "still serving the previous" in l
        for l in ls[n:]), 10), "no reload")
    status, reused, _ = fetch_session(ctx, sess)
    check(status == b"20" and reused, "after a reload: %r reused=%r"
          % (status, reused))


def t_foreign_ticket():
    """A ticket this server did not seal: a full handshake, served."""
    other = Server(srv.binary, srv.content_dir, timeout=TIMEOUT).start()
    try:
        ctx = client_context(maxv=ssl.TLSVersion.TLSv1_3)
        sock = socket.create_connection(("127.0.0.1", other.port), timeout=5)
        s = ctx.wrap_socket(sock, server_hostname="localhost")
        s.sendall(b"gemini://localhost/\r\n")
        while s.recv(65536):
            pass
        foreign = s.session
        s.close()
    finally:
        other.stop()
    status, reused, _ = fetch_session(ctx, foreign)
    check(status == b"20" and not reused, "foreign ticket: %r reused=%r"
          % (status, reused))


# ------------------------------------------------------------------ main

def main():
    global srv, PORT
    binary = binary_from_argv()
    site = os.path.join(repo_root(), "tests", "fixtures", "site")
    runner = Runner(deadline=FILE_BUDGET)
    srv = Server(binary, site, timeout=TIMEOUT)
    try:
        srv.start()
    except Exception as e:
        print("FAIL start: %s" % e)
        runner.failed += 1
        srv.stop()
        return runner.finish()
    try:
        PORT = srv.port
        tests = [
            ("home", t_home),
            ("empty_path", t_empty_path),
            ("year_page", t_year_page),
            ("index_no_control_bytes", t_index_no_control_bytes),
            ("month_page", t_month_page),
            ("directory_redirects", t_redirects),
            ("posts", t_posts),
            ("new_year_lang_ja", t_new_year_lang_ja),
            ("pages_about_colophon", t_pages),
            ("atom_feed", t_atom),
            ("robots_txt", t_robots),
            ("not_found", t_not_found),
            ("draft_and_broken_not_served", t_draft_and_broken),
            ("uri_1024_1025_ascii", t_boundary_ascii),
            ("uri_1024_1025_utf8", t_boundary_utf8),
            ("long_line_without_crlf", t_long_line_no_crlf),
            ("long_line_5000", t_long_line_5000),
            ("malformed_59", t_malformed),
            ("proxy_refused_53", t_proxy_refused),
            ("host_case_insensitive", t_host_case_insensitive),
            ("path_safety", t_path_safety),
            ("half_close", t_half_close),
            ("tls_1_2_and_1_3", t_tls_12_13),
            ("tls_old_refused", t_tls_old_refused),
            ("same_certificate", t_same_certificate),
            ("resume_tls13_ticket", t_resume_tls13),
            ("resume_tls12_ticket", t_resume_tls12),
            ("resume_after_reload", t_resume_after_reload),
            ("foreign_ticket_full_handshake", t_foreign_ticket),
        ]
        for name, fn in tests:
            runner.run(name, fn)
        # the time-limit tests, run side by side to save wall time
        slow = [("silent_tcp_dropped", t_silent_tcp),
                ("partial_client_hello_dropped", t_partial_client_hello),
                ("silent_tls_dropped", t_silent_tls),
                ("trickling_client_dropped", t_trickle)]
        outputs = {}

        def capture(name, fn):
            lines = []
            sub = Runner(emit=lines.append)
            sub.run(name, fn)
            outputs[name] = (sub.passed, sub.failed,
                             "".join(l + "\n" for l in lines))

        threads = [threading.Thread(target=capture, args=t) for t in slow]
        for t in threads:
            t.start()
        for t in threads:
            t.join(15)
        for name, _ in slow:
            p, f, text = outputs.get(name, (0, 1, "FAIL %s: hung\n" % name))
            runner.passed += p
            runner.failed += f
            sys.stdout.write(text)
        for name, fn in [
                ("idle_clients_do_not_block", t_silent_clients_do_not_block),
                ("concurrent_200", t_concurrent_200),
                ("still_serving_after_batch", t_still_serving),
                ("close_notify_on_every_response", t_close_notify_everywhere),
                ("access_log_line_per_request", t_access_log)]:
            runner.run(name, fn)
    finally:
        rc = srv.stop()
        dump = os.environ.get("CAPSULED_TEST_LOG")
        if dump:  # the server's stderr, for a look after the run
            with open(dump, "w", encoding="utf-8") as f:
                f.write("\n".join(srv.snapshot_lines()) + "\n")
        if rc not in (0, None):
            print("FAIL server_exit: capsuled exited with %r on SIGTERM" % rc)
            runner.failed += 1
        else:
            print("ok server_exit")
            runner.passed += 1
    return runner.finish()


if __name__ == "__main__":
    sys.exit(main())
