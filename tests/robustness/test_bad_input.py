#!/usr/bin/env python3
"""Malformed and hostile input against the real capsuled, on both ports.

usage: test_bad_input.py [PATH_TO_CAPSULED]   (default ./capsuled)

1. CASES, a table (name, port, what is sent, what must come back), run
   one by one against one server on tests/fixtures/site (--timeout 1);
   after each case the same port must still answer a normal request, and
   after the whole table the server must hold no more descriptors and not
   much more memory than before.
2. Clients that never read (4 KB receive buffer, 1200-byte MSS), and
   clients that reset mid-answer, against a server on a 10,000-post tree
   over two years (tests/gen_tree.py), whose biggest year page is about
   560 KB (Gemini) and 950 KB (Gopher): each is dropped at the write
   deadline, descriptors come back and the resident size stays bounded.
3. A content tree with symbolic links out of it (a file, directories),
   hidden files and directories, names with a trailing space or a newline:
   the server starts, serves none of them, and says why on stderr.

Prints "ok NAME" / "FAIL NAME: reason" per case and "N passed, N failed";
exits 1 on any failure. Writes its numbers to $ROBUSTNESS_METRICS if set.
"""

import os
import random
import re
import socket
import ssl
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rlib  # noqa: E402
from rlib import (Failure, Metrics, RServer, Runner, Skip, check,  # noqa
                  crafted_hello, client_hello, gemini, gopher, tcp,
                  tls_records, reset_close, wait_fds, GEMTEXT)

TIMEOUT = 1        # the server's --timeout: handshake, request, write
SLACK = 1.2        # a dropped client must be gone by TIMEOUT + SLACK
EARLY = 0.3        # ... and not before TIMEOUT - EARLY
AT_ONCE = 0.5      # "closed at once": within this
FD_SLACK = 3       # descriptors allowed to linger after a batch
RSS_SLACK_KB = 8 * 1024
FILE_BUDGET = 100  # seconds for the whole file
N_BIG = 10000      # posts of the big tree
STUCK = 40         # never-reading clients per protocol, at once
RESETS = 10        # resetting clients per protocol

U = "gemini://localhost"


# ------------------------------------------------------------ expectations

class Expect:
    """One expected outcome; check(reply) raises Failure."""
    def __init__(self, *args, **kw):
        self.args, self.kw = args, kw

    def __repr__(self):
        return "%s%r" % (self.__class__.__name__, self.args)


class Status(Expect):
    """Gemini: exactly this status, then close_notify; no body unless 2x.
    meta: a regex the meta must match."""
    def check(self, r, proto):
        code = self.args[0]
        meta = self.kw.get("meta")
        check(r.status == code, "want status %d, %s" % (code, r.describe()))
        check(r.end == "eof", "want close_notify after the answer, %s"
              % r.describe())
        if code // 10 != 2:
            check(r.body == b"", "a body after a %d: %s" % (code,
                                                            r.describe()))
        if meta:
            m = r.header[3:]
            check(re.search(meta, m), "meta %r does not match %r"
                  % (m, meta))
        check(b"root:" not in r.data, "/etc/passwd leaked: %s"
              % r.describe())


class ErrorItem(Expect):
    """Gopher: exactly one error item `3msg TAB TAB host TAB port` and
    `.`, then a clean close (FIN, not a reset)."""
    def check(self, r, proto):
        m = re.match(rb"^3([^\t\r\n]*)\t[^\t\r\n]*\t[^\t\r\n]*\t\d+\r\n"
                     rb"\.\r\n$", r.data)
        check(m, "want one error item then '.', %s" % r.describe())
        check(r.end == "eof", "want a clean close, %s" % r.describe())
        want = self.args[0] if self.args else None
        if want is not None:
            got = m.group(1).decode("utf-8", "replace")
            check(re.search(want, got), "error %r, want /%s/" % (got, want))


class Menu(Expect):
    """Gopher: a menu (not an error item), ended by '.', clean close."""
    def check(self, r, proto):
        check(r.end == "eof", "want a clean close, %s" % r.describe())
        check(r.data and not r.data.startswith(b"3"),
              "want a menu, %s" % r.describe())
        check(r.data.endswith(b"\r\n.\r\n"), "menu without its '.' end: %s"
              % r.describe())
        check(r.data.count(b"\r\n.\r\n") == 1, "more than one menu: %s"
              % r.describe())
        if self.args:
            check(self.args[0] in r.data, "%r not in the menu: %s"
                  % (self.args[0], r.describe()))


class Text(Expect):
    """Gopher: a text document containing args[0], clean close."""
    def check(self, r, proto):
        check(r.end == "eof", "want a clean close, %s" % r.describe())
        check(self.args[0] in r.data, "want %r in a text, %s"
              % (self.args[0], r.describe()))


class Dropped(Expect):
    """No answer at all, and the connection closed at the deadline:
    not before TIMEOUT - EARLY, not after TIMEOUT + SLACK. For raw TLS
    bytes on the Gemini port, handshake records may come (data=True)."""
    def check(self, r, proto):
        if not self.kw.get("data"):
            check(r.data == b"", "want no answer at all, %s"
                  % r.describe())
        check(r.end in ("eof", "reset", "tls-eof") or
              (r.end or "").startswith("tls-error"),
              "want the server to close at the deadline, %s"
              % r.describe())
        check(TIMEOUT - EARLY <= r.t_end <= TIMEOUT + SLACK,
              "closed after %.2fs, want the %ds deadline (+%.1fs)"
              % (r.t_end, TIMEOUT, SLACK))


class ClosedNow(Expect):
    """Closed at once (well before any deadline). bytes: 'none' (nothing
    at all) or 'alerts' (nothing but TLS alert records)."""
    def check(self, r, proto):
        check(r.end in ("eof", "reset"), "want a close, %s" % r.describe())
        check(r.t_end < AT_ONCE, "closed after %.2fs, want < %.1fs"
              % (r.t_end, AT_ONCE))
        kind = self.args[0] if self.args else "none"
        if kind == "none":
            check(r.data == b"", "want no bytes at all, %s" % r.describe())
        else:
            recs = tls_records(r.data)
            check(sum(5 + len(x[3]) for x in recs) == len(r.data) and
                  all(x[0] == 0x15 for x in recs),
                  "want nothing but TLS alerts, %s" % r.describe())
            if kind == "alert70":
                check(any(x[3][1:2] == b"\x46" for x in recs),
                      "want a protocol_version alert (70), %s"
                      % r.describe())


class ServerHelloThenDropped(Expect):
    """A ServerHello came back (the hello was well-formed), then the
    half-finished handshake was dropped at the deadline."""
    def check(self, r, proto):
        recs = tls_records(r.data)
        check(any(x[0] == 0x16 and x[3][:1] == b"\x02" for x in recs),
              "want a ServerHello, %s" % r.describe())
        Dropped(data=True).check(r, proto)


class Http400(Expect):
    def check(self, r, proto):
        check(r.data.startswith(b"HTTP/1.0 400 "), "want a plain HTTP "
              "400 line, %s" % r.describe())
        check(r.end == "eof", "want a clean close, %s" % r.describe())


class UrlPage(Expect):
    """Gopher URL: selector: an HTML redirect page in which the URL
    appears only HTML-escaped (or an error item: refused)."""
    def check(self, r, proto):
        check(r.end == "eof", "want a clean close, %s" % r.describe())
        if r.data.startswith(b"3"):
            return ErrorItem().check(r, proto)
        page = r.data.decode("utf-8", "replace")
        check(page.lstrip().lower().startswith("<!doctype html"),
              "want an HTML page, %s" % r.describe())
        raw = self.args[0]
        check(raw not in page, "the URL %r appears unescaped: %s"
              % (raw, page[:300]))
        for bad in ("<script", "\"><", "' onload", "\" onload"):
            check(bad not in page.lower(), "%r in the page: %s"
                  % (bad, page[:300]))
        check(page.count("&lt;") + page.count("&quot;") +
              page.count("&#39;") + page.count("&#x27;") > 0,
              "nothing escaped in %s" % page[:300])


class Served(Expect):
    """Gemini: status 20 with the gemtext type and args[0] in the body."""
    def check(self, r, proto):
        Status(20, meta="^text/gemini").check(r, proto)
        if self.args:
            check(self.args[0] in r.body, "want %r in the body, %s"
                  % (self.args[0], r.describe()))


# ------------------------------------------------------------ actions
# Each action is called with the port and returns an rlib.Reply.

def TLS(data, **kw):
    """Gemini: these bytes as the request, over TLS."""
    return lambda port: gemini(port, data, **kw)


def TLS_BYTES(data, gap=0.01):
    """Gemini: the request one byte per TLS record and per TCP write."""
    return lambda port: gemini(port, None, chunks=[data[i:i + 1] for i in
                                                   range(len(data))],
                               gap=gap)


def RAW(data, **kw):
    """Plain TCP: these bytes as they are (on either port)."""
    return lambda port: tcp(port, data, **kw)


def RAW_BYTES(data, gap=0.01):
    return lambda port: tcp(port, chunks=[data[i:i + 1] for i in
                                          range(len(data))], gap=gap)


def half_hello(port):
    h = client_hello()
    return tcp(port, h[:len(h) // 2], timeout=TIMEOUT + 5)


def full_hello_silent(port):
    return tcp(port, client_hello(), timeout=TIMEOUT + 5)


def rnd_line(seed, n):
    b = bytearray(random.Random(seed).getrandbits(8) for _ in range(n))
    b = b.replace(b"\n", b"x").replace(b"\r", b"y")
    b[0] = 0x01  # neither a TLS record (0x16) nor an HTTP method
    return bytes(b)


BIN_LINE = rnd_line(1, 512)
BIN_NOLF = rnd_line(2, 4096)
K64 = b"a" * 65536
M1 = b"a" * (1 << 20)
LONG_OK = (U + "/").encode() + b"a" * (1024 - len(U) - 1)  # 1024 bytes
PASSWD = "/etc/passwd"

CASES = [
    # ------------------------------------------------ Gemini: 59 and 53
    ("userinfo", "gemini", TLS(U.replace("//", "//user@") + "/"),
     Status(59)),
    ("userinfo with password", "gemini",
     TLS("gemini://a:b@localhost/"), Status(59)),
    ("empty userinfo", "gemini", TLS("gemini://@localhost/"), Status(59)),
    ("fragment", "gemini", TLS(U + "/#x"), Status(59)),
    ("empty fragment", "gemini", TLS(U + "/#"), Status(59)),
    ("leading BOM", "gemini", TLS(b"\xef\xbb\xbf" + U.encode() + b"/\r\n"),
     Status(59)),
    ("bad UTF-8 raw", "gemini", TLS(U.encode() + b"/\xff\xfe\r\n"),
     Status(59)),
    ("overlong UTF-8 raw", "gemini", TLS(U.encode() + b"/\xc0\xaf\r\n"),
     Status(59)),
    ("surrogate UTF-8 raw", "gemini", TLS(U.encode() + b"/\xed\xa0\x80\r\n"),
     Status(59)),
    ("truncated UTF-8 raw", "gemini", TLS(U.encode() + b"/\xe6\x9d\r\n"),
     Status(59)),
    ("bad UTF-8 percent-encoded", "gemini", TLS(U + "/%ff%fe"), Status(59)),
    ("NUL raw", "gemini", TLS(U.encode() + b"/\x00\r\n"), Status(59)),
    ("NUL %00", "gemini", TLS(U + "/%00"), Status(59)),
    ("NUL %00 in the query", "gemini", TLS(U + "/?a%00b"), Status(59)),
    ("relative URI", "gemini", TLS("/2024/"), Status(59)),
    ("network-path reference", "gemini", TLS("//localhost/"), Status(59)),
    ("empty URI", "gemini", TLS(""), Status(59)),
    ("scheme-less", "gemini", TLS("localhost/"), Status(59)),
    ("no authority", "gemini", TLS("gemini:/2024/"), Status(59)),
    ("empty host", "gemini", TLS("gemini:///"), Status(59)),
    ("garbage", "gemini", TLS("!@#$%^&*()"), Status(59)),
    ("space in the URI", "gemini", TLS(U + "/a b"), Status(59)),
    ("tab in the URI", "gemini", TLS(U + "/a\tb"), Status(59)),
    ("LF without CR", "gemini", TLS((U + "/\n").encode()), Status(59)),
    ("CR inside the line", "gemini", TLS((U + "/\rx\r\n").encode()),
     Status(59)),
    ("bad percent escape", "gemini", TLS(U + "/%zz"), Status(59)),
    ("truncated percent escape", "gemini", TLS(U + "/%4"), Status(59)),
    ("%0A in the path", "gemini", TLS(U + "/a%0Ab"), Status(59)),
    ("port not digits", "gemini", TLS("gemini://localhost:abc/"),
     Status(59)),
    ("port over 65535", "gemini", TLS("gemini://localhost:99999/"),
     Status(59)),
    ("raw binary line", "gemini", TLS(BIN_LINE + b"\r\n"), Status(59)),
    ("NUL bytes line", "gemini", TLS(b"\x00" * 64 + b"\r\n"), Status(59)),
    ("binary, no line end, 4 KiB", "gemini", TLS(BIN_NOLF), Status(59)),
    ("1024-byte URI (served: 51)", "gemini", TLS(LONG_OK + b"\r\n"),
     Status(51)),
    ("1025-byte URI", "gemini", TLS(LONG_OK + b"a\r\n"), Status(59)),
    ("64 KiB line, read to EOF", "gemini",
     TLS(U.encode() + b"/" + K64 + b"\r\n"), Status(59)),
    ("1 MiB line, read to EOF", "gemini",
     TLS(U.encode() + b"/" + M1 + b"\r\n", timeout=15), Status(59)),
    ("https scheme", "gemini", TLS("https://localhost/"), Status(53)),
    ("gopher scheme", "gemini", TLS("gopher://localhost/"), Status(53)),
    ("other host", "gemini", TLS("gemini://example.com/"), Status(53)),
    ("other port", "gemini", TLS("gemini://localhost:1/"), Status(53)),
    ("upper-case scheme and host (served)", "gemini",
     TLS("GEMINI://LOCALHOST/"), Served(b"# Fixture Blog")),
    ("two requests on one connection: one answer", "gemini",
     TLS(U + "/\r\n" + U + "/2022/"), Served(b"# Fixture Blog")),
    # ------------------------------------------------ Gemini: transport
    ("one byte per write (served)", "gemini",
     TLS_BYTES((U + "/2024/03/second.gmi\r\n").encode()),
     Served(b"Second post")),
    ("no line end, then silence", "gemini", TLS((U + "/").encode(),
                                                timeout=TIMEOUT + 5),
     Dropped()),
    ("CR alone, then silence", "gemini", TLS((U + "/\r").encode(),
                                             timeout=TIMEOUT + 5),
     Dropped()),
    ("plain text on the TLS port", "gemini",
     RAW((U + "/\r\n").encode()), ClosedNow("alerts")),
    ("HTTP on the TLS port", "gemini",
     RAW(b"GET / HTTP/1.0\r\n\r\n"), ClosedNow("alerts")),
    ("NUL bytes on the TLS port", "gemini", RAW(b"\x00" * 64),
     ClosedNow("alerts")),
    ("TLS 1.0 ClientHello refused", "gemini", RAW(crafted_hello(1)),
     ClosedNow("alert70")),
    ("TLS 1.1 ClientHello refused", "gemini", RAW(crafted_hello(2)),
     ClosedNow("alert70")),
    ("TLS 1.2 ClientHello (control), then silence", "gemini",
     RAW(crafted_hello(3), timeout=TIMEOUT + 5), ServerHelloThenDropped()),
    ("half a ClientHello, then silence", "gemini", half_hello, Dropped()),
    ("whole ClientHello, then silence", "gemini", full_hello_silent,
     ServerHelloThenDropped()),
    # ------------------------------------------------ Gemini: traversal
    ("%2e%2e traversal", "gemini", TLS(U + "/%2e%2e/%2e%2e" + PASSWD),
     Status(51)),
    ("%2E%2E to the tree's own files", "gemini",
     TLS(U + "/2024/%2E%2E/%2E%2E/site.yaml"), Status(51)),
    ("%2f traversal", "gemini", TLS(U + "/..%2f..%2fetc%2fpasswd"),
     Status(51)),
    ("raw ../ traversal", "gemini", TLS(U + "/../../.." + PASSWD),
     Status(51)),
    ("backslash traversal", "gemini", TLS(U + "/..\\..\\etc\\passwd"),
     Status(51)),
    ("double-encoded %252e", "gemini", TLS(U + "/%252e%252e" + PASSWD),
     Status(51)),
    ("overlong UTF-8 %c0%ae", "gemini",
     TLS(U + "/%c0%ae%c0%ae/%c0%ae%c0%ae" + PASSWD), Status(59)),
    ("overlong UTF-8 slash %c0%af", "gemini",
     TLS(U + "/..%c0%af..%c0%afetc%c0%afpasswd"), Status(59)),
    ("source file path", "gemini", TLS(U + "/posts/2024/03/second.gmi"),
     Status(51)),
    ("site.yaml", "gemini", TLS(U + "/site.yaml"), Status(51)),
    ("draft", "gemini", TLS(U + "/2022/06/draft.gmi"), Status(51)),
    ("broken post's file", "gemini", TLS(U + "/posts/broken/bad-yaml.gmi"),
     Status(51)),
    # ------------------------------------------------ Gopher
    ("empty selector (control)", "gopher", RAW(b"\r\n"),
     Menu(b"Fixture Blog")),
    ("LF only (control)", "gopher", RAW(b"/\n"), Menu(b"Fixture Blog")),
    ("raw binary line", "gopher", RAW(BIN_LINE + b"\r\n"),
     ErrorItem("^Bad request$")),
    ("NUL bytes line", "gopher", RAW(b"\x00" * 64 + b"\r\n"),
     ErrorItem("^Bad request$")),
    ("NUL inside a selector", "gopher", RAW(b"/2024/\x00\r\n"),
     ErrorItem("^Bad request$")),
    ("bad UTF-8", "gopher", RAW(b"/\xff\xfe\r\n"),
     ErrorItem("^Bad request$")),
    ("ESC sequence", "gopher", RAW(b"/\x1b[2J\r\n"),
     ErrorItem("^Bad request$")),
    ("C1 control U+009B", "gopher", RAW(b"/\xc2\x9b2J\r\n"),
     ErrorItem("^Bad request$")),
    ("binary, no line end, 4 KiB", "gopher", RAW(BIN_NOLF),
     ErrorItem("^Request too long$")),
    ("1024-byte selector (looked up)", "gopher",
     RAW(b"/" + b"a" * 1023 + b"\r\n"), ErrorItem("^Not found$")),
    ("1025-byte selector", "gopher", RAW(b"/" + b"a" * 1024 + b"\r\n"),
     ErrorItem("^Request too long$")),
    ("64 KiB line, read to EOF", "gopher", RAW(b"/" + K64 + b"\r\n"),
     ErrorItem("^Request too long$")),
    ("1 MiB line, read to EOF", "gopher",
     RAW(b"/" + M1 + b"\r\n", timeout=15), ErrorItem("^Request too long$")),
    ("two requests on one connection: one answer", "gopher",
     RAW(b"/\r\n/2022/\r\n"), Menu(b"Fixture Blog")),
    ("one byte per write (served)", "gopher",
     RAW_BYTES(b"/2024/03/second.txt\r\n"), Text(b"Second post")),
    ("no line end, then silence", "gopher",
     RAW(b"/2024/", timeout=TIMEOUT + 5), Dropped()),
    ("CR alone, then silence", "gopher",
     RAW(b"/2024/\r", timeout=TIMEOUT + 5), Dropped()),
    ("nothing at all", "gopher", RAW(b"", timeout=TIMEOUT + 5), Dropped()),
    ("TLS ClientHello on the gopher port", "gopher",
     RAW(client_hello()), ClosedNow("none")),
    ("TLS 1.0 ClientHello on the gopher port", "gopher",
     RAW(crafted_hello(1)), ClosedNow("none")),
    ("HTTP request on the gopher port", "gopher",
     RAW(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"), Http400()),
    # ------------------------------------------------ Gopher: traversal
    ("../ traversal", "gopher", RAW(b"/../../.." + PASSWD.encode() +
                                    b"\r\n"), ErrorItem("^Not found$")),
    ("relative ../ traversal", "gopher", RAW(b"../../../etc/passwd\r\n"),
     ErrorItem("^Not found$")),
    ("%2e%2e traversal", "gopher", RAW(b"/%2e%2e/%2e%2e/etc/passwd\r\n"),
     ErrorItem("^Not found$")),
    ("%2f traversal", "gopher", RAW(b"/..%2f..%2fetc%2fpasswd\r\n"),
     ErrorItem("^Not found$")),
    ("overlong %c0%ae traversal", "gopher",
     RAW(b"/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd\r\n"),
     ErrorItem("^Not found$")),
    ("overlong UTF-8 raw traversal", "gopher",
     RAW(b"/\xc0\xae\xc0\xae/\xc0\xae\xc0\xae/etc/passwd\r\n"),
     ErrorItem("^Bad request$")),
    ("dot segments inside the tree", "gopher",
     RAW(b"/2024/03/../../site.yaml\r\n"), ErrorItem("^Not found$")),
    ("source file path", "gopher", RAW(b"/posts/2024/03/second.gmi\r\n"),
     ErrorItem("^Not found$")),
    ("site.yaml", "gopher", RAW(b"site.yaml\r\n"), ErrorItem("^Not found$")),
    ("draft", "gopher", RAW(b"/2022/06/draft.txt\r\n"),
     ErrorItem("^Not found$")),
    # ------------------------------------------------ Gopher: URL:
    ("URL: with markup (escaped)", "gopher",
     RAW(b'URL:http://example.org/"><script>alert(1)</script>\r\n'),
     UrlPage('"><script>alert(1)</script>')),
    ("URL: with quote and handler (escaped)", "gopher",
     RAW(b"URL:http://example.org/' onload='alert(1)\r\n"),
     UrlPage("' onload='alert(1)")),
    ("URL: with & and < (escaped)", "gopher",
     RAW(b"URL:https://example.org/?a=1&b=<2>\r\n"), UrlPage("&b=<2>")),
    ("URL:javascript: refused", "gopher", RAW(b"URL:javascript:alert(1)\r\n"),
     ErrorItem()),
    ("URL:JavaScript: refused (any case)", "gopher",
     RAW(b"URL:JaVaScRiPt:alert(1)\r\n"), ErrorItem()),
    ("URL:data: refused", "gopher",
     RAW(b"URL:data:text/html,<script>alert(1)</script>\r\n"), ErrorItem()),
    ("URL: with an ESC byte refused", "gopher",
     RAW(b"URL:http://example.org/\x1b[2J\r\n"), ErrorItem("^Bad request$")),
    ("URL: empty", "gopher", RAW(b"URL:\r\n"), ErrorItem()),
]


# ------------------------------------------------------------ the table

SRV = None
MET = Metrics("bad_input")


def normal(srv, proto):
    """One ordinary request on proto; Failure if it is not answered."""
    if proto == "gemini":
        r = gemini(srv.port, U + "/")
        check(r.status == 20 and r.header == "20 " + GEMTEXT and
              r.end == "eof" and b"# Fixture Blog" in r.body,
              "the next normal Gemini request was not answered: %s"
              % r.describe())
    else:
        r = gopher(srv.gopher_port, "")
        check(r.end == "eof" and r.data.endswith(b".\r\n") and
              b"Fixture Blog" in r.data,
              "the next normal Gopher request was not answered: %s"
              % r.describe())


def run_case(srv, proto, action, expect):
    check(srv.alive(), "the server is not running")
    r = action(srv.port_of(proto))
    expect.check(r, proto)
    check(srv.alive(), "the server died")
    normal(srv, proto)


def t_batch_resources(srv, fd0, rss0):
    fd1 = wait_fds(srv, fd0 + FD_SLACK, deadline=5)
    rss1 = srv.rss()
    MET.set("fd_before", fd0)
    MET.set("fd_after", fd1)
    MET.set("rss_before_kb", rss0)
    MET.set("rss_after_kb", rss1)
    check(fd1 <= fd0 + FD_SLACK, "descriptors: %d before the batch, %d "
          "after (allowed +%d)" % (fd0, fd1, FD_SLACK))
    check(rlib.SANITIZED or rss1 <= rss0 + RSS_SLACK_KB,
          "VmRSS %d kB before the batch, %d kB after (allowed +%d kB)"
          % (rss0, rss1, RSS_SLACK_KB))


def t_log_safe(srv):
    """The access log escapes what clients sent: no raw control byte,
    no raw byte >= 0x7F reaches stderr (which is often a terminal)."""
    bad = [l for l in srv.snapshot_lines()
           if re.search(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u009b\ufffd]", l)]
    check(not bad, "raw control or invalid bytes in the log: %r"
          % bad[:3])


# ------------------------------------------------------------ big tree

def year_pages(srv):
    r = gemini(srv.port, U + "/", timeout=10)
    years = re.findall(r"^=> /(\d{4})/ \d{4} \((\d+) posts?\)$",
                       r.body.decode("utf-8", "replace"), re.M)
    check(years, "no year links on the big tree's home page: %s"
          % r.describe())
    years.sort(key=lambda y: -int(y[1]))
    return [y for y, _ in years]


class Stuck:
    """A client that sends its request and never reads, with a small
    receive buffer."""

    def __init__(self, srv, proto, path):
        self.proto, self.path = proto, path
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        # On loopback the MSS is 64 KB and the kernel sizes the server's
        # send buffer from it (about 1 MB): the whole page would fit and no
        # deadline be needed. A 1200-byte MSS makes it a real network's.
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1200)
        raw.settimeout(10)
        raw.connect(("127.0.0.1", srv.port_of(proto)))
        self.raw = raw
        if proto == "gemini":
            self.s = rlib.harness.default_context().wrap_socket(
                raw, server_hostname="localhost")
            self.s.sendall((U + path + "\r\n").encode())
        else:
            self.s = raw
            raw.sendall((path + "\r\n").encode())

    def close(self):
        try:
            reset_close(self.raw)
        except OSError:
            pass


def wrote_out(srv, start, proto, path):
    pat = r'%s 127\.0\.0\.1 "%s%s"' % (proto, re.escape(U) if
                                        proto == "gemini" else "",
                                        re.escape(path))
    return [l for l in srv.lines_since(start) if re.search(pat, l)]


def t_never_reads_one(srv, proto, path):
    start = len(srv.snapshot_lines())
    fd0 = srv.fds()
    c = Stuck(srv, proto, path)
    try:
        t0 = time.monotonic()
        got = srv.wait_log(r'%s 127\.0\.0\.1 ".*%s" .*timeout in write'
                           % (proto, re.escape(path)), start=start,
                           deadline=TIMEOUT + SLACK + 2)
        dt = time.monotonic() - t0
        check(got, "a client that never reads %s %s was not dropped at the "
              "write deadline within %.1fs; log: %r"
              % (proto, path, TIMEOUT + SLACK + 2,
                 wrote_out(srv, start, proto, path)))
        check(dt <= TIMEOUT + SLACK, "dropped after %.2fs, want <= %.1fs"
              % (dt, TIMEOUT + SLACK))
        fd1 = wait_fds(srv, fd0, deadline=2)
        check(fd1 <= fd0, "descriptors %d before, %d after the drop"
              % (fd0, fd1))
    finally:
        c.close()
    normal_big(srv, proto)


def normal_big(srv, proto):
    if proto == "gemini":
        r = gemini(srv.port, U + "/", timeout=10)
        check(r.status == 20 and r.end == "eof", "the next Gemini request "
              "was not answered: %s" % r.describe())
    else:
        r = gopher(srv.gopher_port, "", timeout=10)
        check(r.end == "eof" and r.data.endswith(b".\r\n"),
              "the next Gopher request was not answered: %s" % r.describe())


def t_never_reads_many(srv, years):
    """STUCK clients per protocol at once, each on a big year page; the
    server's VmRSS is sampled meanwhile."""
    start = len(srv.snapshot_lines())
    fd0, rss0 = srv.fds(), srv.rss()
    clients, peak = [], rss0
    try:
        for i in range(STUCK):
            y = "/%s/" % years[0]
            clients.append(Stuck(srv, "gemini", y))
            clients.append(Stuck(srv, "gopher", y))
        t_last = time.monotonic()  # the last request was sent by now
        t_all = None
        end = t_last + TIMEOUT + SLACK + 3
        want = 2 * STUCK
        pat = re.compile(r'(gemini|gopher) 127\.0\.0\.1 "[^"]*/\d{4}/" '
                         r'.*timeout in write')
        while time.monotonic() < end:
            peak = max(peak, srv.rss())
            n = sum(1 for l in srv.lines_since(start) if pat.search(l))
            if n >= want:
                t_all = time.monotonic()
                break
            time.sleep(0.05)
        n = sum(1 for l in srv.lines_since(start) if pat.search(l))
        MET.set("stuck_clients", want)
        MET.set("stuck_dropped", n)
        MET.set("stuck_rss_peak_kb", peak)
        check(n == want, "%d of %d never-reading clients were dropped at "
              "the write deadline" % (n, want))
        check(t_all - t_last <= TIMEOUT + SLACK, "the last of them was "
              "dropped %.2fs after the last request, want <= %.1fs"
              % (t_all - t_last, TIMEOUT + SLACK))
    finally:
        for c in clients:
            c.close()
    fd1 = wait_fds(srv, fd0 + FD_SLACK, deadline=4)
    rss1 = srv.rss()
    MET.set("big_fd_before", fd0)
    MET.set("big_fd_after", fd1)
    MET.set("big_rss_before_kb", rss0)
    MET.set("big_rss_after_kb", rss1)
    check(fd1 <= fd0 + FD_SLACK, "descriptors %d before, %d after"
          % (fd0, fd1))
    check(rlib.SANITIZED or peak <= rss0 + 32 * 1024,
          "VmRSS %d kB before, peak %d kB with %d stuck clients (allowed "
          "+32 MB)" % (rss0, peak, 2 * STUCK))
    check(rlib.SANITIZED or rss1 <= rss0 + 16 * 1024,
          "VmRSS %d kB before, %d kB after (allowed +16 MB)" % (rss0, rss1))
    normal_big(srv, "gemini")
    normal_big(srv, "gopher")


def t_resets(srv, years):
    """Clients that read a few bytes of a big answer and reset (SO_LINGER
    0): every one is logged as ended, and no descriptor stays."""
    start = len(srv.snapshot_lines())
    fd0 = srv.fds()
    for i in range(RESETS):
        for proto in ("gemini", "gopher"):
            c = Stuck(srv, proto, "/%s/" % years[0])
            try:
                got = c.s.recv(100)
                check(got, "%s: nothing came back before the reset" % proto)
            finally:
                c.close()
    pat = re.compile(r'(gemini|gopher) 127\.0\.0\.1 "[^"]*/%s/"'
                     % years[0])
    got = srv.wait_log(pat.pattern, start=start, count=2 * RESETS,
                       deadline=3)
    check(len(got) == 2 * RESETS, "%d of %d reset connections logged as "
          "ended" % (len(got), 2 * RESETS))
    fd1 = wait_fds(srv, fd0, deadline=3)
    check(fd1 <= fd0, "descriptors %d before, %d after %d resets"
          % (fd0, fd1, 2 * RESETS))
    normal_big(srv, "gemini")
    normal_big(srv, "gopher")


# ------------------------------------------------------------ hostile tree

MARKERS = {
    # name: (what, served path if it were loaded)
    "OUTSIDE-FILE-MARKER": "a symlink to a valid post outside the tree",
    "LINKED-DIR-MARKER": "a post in a symlinked directory",
    "SECRET-MARKER": "a hidden file",
    "HIDDEN-DIR-MARKER": "a post in a hidden directory",
    "TRAILING-SPACE-MARKER": "a file name with a trailing space",
    "NEWLINE-MARKER": "a file name with a newline",
    "PRIVATE-PAGE-MARKER": "a hidden page",
    "OUTSIDE-PAGE-MARKER": "a symlinked page",
    "ESCAPE-NAME-MARKER": "a file name with an escape sequence",
}


def make_hostile_tree(tmp):
    root = rlib.copy_fixture(os.path.join(tmp, "site"))
    out = os.path.join(tmp, "outside")
    posts, pages = os.path.join(root, "posts"), os.path.join(root, "pages")
    d = "2024-05-0%d"
    rlib.write(os.path.join(out, "valid.gmi"),
               rlib.post_text("OUTSIDE-FILE-MARKER", d % 1))
    rlib.write(os.path.join(out, "dir", "linked.gmi"),
               rlib.post_text("LINKED-DIR-MARKER", d % 2))
    rlib.write(os.path.join(out, "page.gmi"),
               "---\ntitle: OUTSIDE-PAGE-MARKER\n---\nx\n")
    os.symlink("/etc/passwd", os.path.join(posts, "evil.gmi"))
    os.symlink(os.path.join(out, "valid.gmi"),
               os.path.join(posts, "outside.gmi"))
    os.symlink(os.path.join(out, "dir"), os.path.join(posts, "linkdir"))
    os.symlink("/etc", os.path.join(posts, "etc"))
    os.symlink("..", os.path.join(posts, "loop"))
    rlib.write(os.path.join(posts, ".secret.gmi"),
               rlib.post_text("SECRET-MARKER", d % 3, slug="secret"))
    rlib.write(os.path.join(posts, ".hidden", "hiddenpost.gmi"),
               rlib.post_text("HIDDEN-DIR-MARKER", d % 4))
    rlib.write(os.path.join(posts, "trailing .gmi"),
               rlib.post_text("TRAILING-SPACE-MARKER", d % 5))
    rlib.write(os.path.join(posts, "new\nline.gmi"),
               rlib.post_text("NEWLINE-MARKER", d % 6))
    rlib.write(os.path.join(posts, "esc\x1b[2J.gmi"),
               rlib.post_text("ESCAPE-NAME-MARKER", d % 8))
    rlib.write(os.path.join(posts, "2024", "05", "control.gmi"),
               rlib.post_text("CONTROL-MARKER", d % 7))
    os.symlink("/etc/passwd", os.path.join(pages, "evil.gmi"))
    os.symlink(os.path.join(out, "page.gmi"), os.path.join(pages,
                                                           "outside.gmi"))
    rlib.write(os.path.join(pages, ".private.gmi"),
               "---\ntitle: PRIVATE-PAGE-MARKER\n---\nx\n")
    return root


def crawl_gemini(srv, limit=200):
    seen, todo, pages = set(), ["/"], {}
    while todo and len(seen) < limit:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        r = gemini(srv.port, U + p)
        pages[p] = r
        if r.status == 20 and r.header.startswith("20 text/gemini"):
            for m in re.finditer(r"^=>\s*(/\S*)", r.body.decode(
                    "utf-8", "replace"), re.M):
                todo.append(m.group(1))
    return pages


def crawl_gopher(srv, limit=200):
    seen, todo, pages = set(), [""], {}
    while todo and len(seen) < limit:
        sel = todo.pop()
        if sel in seen:
            continue
        seen.add(sel)
        r = gopher(srv.gopher_port, sel)
        pages[sel] = r
        if sel.endswith("/") or sel == "":
            for line in r.data.decode("utf-8", "replace").split("\r\n"):
                f = line.split("\t")
                if len(f) >= 4 and f[0][:1] in ("0", "1") and \
                        f[1].startswith("/") and \
                        f[2] == "localhost" and \
                        f[3] == str(srv.gopher_port):
                    todo.append(f[1])
    return pages


def t_hostile_tree(srv):
    check(srv.alive(), "the server did not start on the hostile tree")
    r = gemini(srv.port, U + "/2024/05/control.gmi")
    check(r.status == 20 and b"CONTROL-MARKER" in r.body,
          "the control post (a plain file) is not served, so the other "
          "checks prove nothing: %s" % r.describe())
    gem, gop = crawl_gemini(srv), crawl_gopher(srv)
    check(len(gem) > 10 and len(gop) > 10, "crawled only %d/%d pages"
          % (len(gem), len(gop)))
    for where, pages in (("gemini", gem), ("gopher", gop)):
        for p, r in pages.items():
            for m, what in MARKERS.items():
                check(m.encode() not in r.data, "%s %r shows %s (%s)"
                      % (where, p, m, what))
            check(b"root:x:0:0" not in r.data and
                  b"/bin/bash" not in r.data,
                  "%s %r shows /etc/passwd" % (where, p))


HOSTILE_PATHS = [
    "/2024/05/outside.gmi", "/2024/05/evil.gmi", "/2024/05/linked.gmi",
    "/2024/05/secret.gmi", "/2024/05/.secret.gmi", "/2024/05/hiddenpost.gmi",
    "/2024/05/trailing%20.gmi", "/2024/05/trailing .gmi",
    "/2024/05/new%0Aline.gmi", "/evil.gmi", "/outside.gmi", "/private.gmi",
    "/.private.gmi", "/etc/passwd", "/loop/site.yaml",
]


def t_hostile_paths(srv):
    for p in HOSTILE_PATHS:
        r = gemini(srv.port, U + p)
        check(r.status in (51, 59) and r.end == "eof",
              "gemini %r: want 51 (or 59), %s" % (p, r.describe()))
        sel = p.replace(".gmi", ".txt").replace("%20", " ")
        r = gopher(srv.gopher_port, sel)
        check(r.data.startswith(b"3") and r.end == "eof",
              "gopher %r: want an error item, %s" % (sel, r.describe()))


def t_hostile_logged(srv):
    lines = "\n".join(srv.snapshot_lines())
    for name in ("evil.gmi", "outside.gmi", "linkdir", "etc", "loop"):
        check(re.search(r"posts/%s(:\d+:\d+)?: symbolic link skipped"
                        % re.escape(name), lines),
              "no 'symbolic link skipped' warning for posts/%s" % name)
    check(re.search(r"pages/evil\.gmi(:\d+:\d+)?: symbolic link skipped",
                    lines), "no warning for the symlinked page")
    check("trailing .gmi" in lines, "no warning for the name with a "
          "trailing space")
    check(re.search(r"new(\\x0A|\\n|\n|.)line\.gmi", lines),
          "no warning for the name with a newline")


RECORD_RE = re.compile(r"^(\d{4}-\d\d-\d\dT\S+ |warning: |capsuled: |"
                       r"reload: )")


def t_hostile_log_lines(srv):
    """Every stderr line is one whole record: a file name with a newline
    or an escape sequence must not split a line or reach the terminal."""
    lines = srv.snapshot_lines()
    bad = [l for l in lines if not RECORD_RE.match(l) or
           re.search(r"[\x00-\x08\x0a-\x1f\x7f]", l)]
    check(not bad, "%d stderr lines are not whole, clean records, e.g. %r "
          "(a file name printed unescaped)" % (len(bad), bad[:3]))


# ------------------------------------------------------------ main

def main():
    global SRV
    binary = rlib.binary_from_argv()
    runner = Runner(deadline=FILE_BUDGET)
    tmp = tempfile.mkdtemp(prefix="capsuled-robust-")
    servers = []
    try:
        # 1. the table
        SRV = start(runner, servers, "the fixture", binary, rlib.FIXTURE)
        if SRV is not None:
            for proto in ("gemini", "gopher"):  # warm up
                for _ in range(5):
                    normal(SRV, proto)
            fd0, rss0 = SRV.fds(), SRV.rss()
            MET.set("table_cases", len(CASES))
            for name, proto, action, expect in CASES:
                runner.run("%s: %s" % (proto, name), run_case, SRV, proto,
                           action, expect)
            runner.run("after %d cases: no descriptor or memory growth"
                       % len(CASES), t_batch_resources, SRV, fd0, rss0)
            runner.run("the log escapes every byte clients sent",
                       t_log_safe, SRV)

        # 2. the big tree
        big, years = None, None
        try:
            # two years only: year pages of 560 KB (Gemini) and 950 KB
            # (Gopher), more than any socket buffer holds
            rlib.gen_tree(N_BIG, os.path.join(tmp, "big"),
                          years="2023-2024")
        except Exception as e:
            runner.run("gen_tree.py %d" % N_BIG, fail_with, str(e))
        else:
            big = start(runner, servers, "the 10k-post tree", binary,
                        os.path.join(tmp, "big"), deadline=60)
        if big is not None:
            try:
                years = year_pages(big)
            except Failure as e:
                runner.run("the 10k-post tree's year pages", fail_with,
                           str(e))
        if years:
            for proto in ("gemini", "gopher"):
                runner.run("%s: a client that never reads a %s year page is "
                           "dropped at the write deadline" % (proto, "big"),
                           t_never_reads_one, big, proto, "/%s/" % years[0])
            runner.run("%d never-reading clients at once: all dropped, "
                       "descriptors and memory bounded" % (2 * STUCK),
                       t_never_reads_many, big, years)
            runner.run("%d clients that reset mid-answer" % (2 * RESETS),
                       t_resets, big, years)

        # 3. the hostile tree
        hostile = start(runner, servers, "the hostile tree", binary,
                        make_hostile_tree(tmp))
        if hostile is not None:
            runner.run("hostile tree: symlinks out, hidden and odd names "
                       "never served (crawl of both protocols)",
                       t_hostile_tree, hostile)
            runner.run("hostile tree: their paths are 51 / error items",
                       t_hostile_paths, hostile)
            runner.run("hostile tree: each one is reported on stderr",
                       t_hostile_logged, hostile)
            runner.run("hostile tree: odd file names do not split or "
                       "colour the log", t_hostile_log_lines, hostile)
    finally:
        for s in servers:
            rc = s.stop()
            runner.run("server on %s exits 0 on SIGTERM" % s.label,
                       lambda rc=rc, s=s: check(rc == 0, "exit status %r; "
                                                "stderr ends: %s" % (
                                                    rc, rlib.exit_tail(s))))
        status = rlib.finish(runner, MET, tmp)
    return status


def fail_with(msg):
    raise Failure(msg)


def start(runner, servers, label, binary, content, deadline=20):
    """A started RServer, or None after a FAIL line saying why."""
    srv = RServer(binary, content, timeout=TIMEOUT)
    srv.label = label
    try:
        srv.start(deadline=deadline)
    except Exception as e:
        srv.stop()
        runner.run("%s: the server starts" % label, fail_with, str(e))
        return None
    servers.append(srv)
    runner.run("%s: the server starts" % label, lambda: None)
    return srv


if __name__ == "__main__":
    sys.exit(main())
