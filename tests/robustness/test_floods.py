#!/usr/bin/env python3
"""Slow readers and floods (issue 13, the serving path): the real
capsuled on loopback, attacked the way a hostile network would.

  (a) honest slow readers: a paced reader at about 400 kbit/s (a small
      receive buffer, a small MSS, 2,500 bytes every 50 ms) gets a
      413 KB Gopher menu and a 480 KB Gemini page whole from a server
      run with --timeout 1; the write deadline limits time without
      progress, not the whole answer;
  (b) a trickle reader (100 bytes a second) is cut by the minimum rate:
      the client sees a reset, not an end, and the log says why and
      how many bytes the client really had;
  (c) 1,024 clients that stop reading mid-answer (2 KB receive buffer,
      a 57 KB page) cost under 20 MB, and the memory goes back once they
      are gone although another client is still connected;
  (d) silent sockets: a flood that keeps 3,000 silent connections open
      from 200 addresses (127.0.x.y) against the default 1,024 slots;
      normal clients keep being served (over 99 %);
  (e) connections waiting for their PROXY header count against
      max_per_address under the address that connected, and against
      max_connections; the count moves to the client once the header
      is read;
  (f) a flood of refused connections writes a line a second, and the
      counts in those lines add up to the connections refused.

Every loop is bounded in count and time; every address is in 127/8.
Prints "ok NAME" / "FAIL NAME: reason" and "N passed, N failed".
"""

import os
import re
import resource
import selectors
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import json

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rlib  # noqa: E402
from rlib import (Failure, Metrics, RServer, Runner, Skip, check,  # noqa
                  gemini, gopher, reset_close)

FILE_BUDGET = 150
U = "gemini://localhost"
MET = Metrics("floods")
BIN = None
TMP = None

# (a), (b): the pace of a reader on a slow real network
PACE_CHUNK, PACE_GAP = 2500, 0.05      # 50 KB/s: 400 kbit/s
SLOW_CHUNK, SLOW_GAP = 50, 0.5         # 100 B/s, under the 1 KB/s minimum
MSS, RCVBUF = 536, 2048
LONG_LINES = 6400                      # the long post: about 480 KB

# (c)
STALLED = 1024
STALLED_BUDGET_KB = 20 * 1024
STALLED_AFTER_KB = 8 * 1024

# (d)
FLOOD = 3000
FLOOD_ADDRS = 200
FLOOD_SECONDS = 6.0
FLOOD_MAX_OPENED = 30000

# (f)
REFUSED = 2000


def fail_with(msg):
    raise Failure(msg)


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if soft == resource.RLIM_INFINITY or soft >= want:
        return soft
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


def access_line(srv, proto, path, start=0, deadline=15.0, more=""):
    """The access line of a request for path (the Gemini URL's path),
    waited for."""
    req = (re.escape(U) if proto == "gemini" else "") + re.escape(path)
    got = srv.wait_log(r'%s 127\.0\.0\.1 "%s" %s' % (proto, req, more),
                       start=start, deadline=deadline)
    return got[0] if got else None


def logged_bytes(line):
    """The BYTES field of a capsuled access line."""
    m = re.search(r'" (\d+|-) (\d+) [\d.]+ms', line or "")
    return int(m.group(2)) if m else None


# ------------------------------------------------------------ the tree

def make_tree():
    """3,000 posts in 2024 (the Gopher year menu is 413 KB) and one long
    post (its Gemini page about 480 KB): more than the kernel's buffers
    take in the first second, so a whole-answer deadline of 1 s cuts
    both at 400 kbit/s."""
    d = os.path.join(TMP, "tree")
    rlib.gen_tree(3000, d, years="2024-2024")
    body = "".join("Paragraph %d of a long post, written to be served "
                   "slowly to a slow reader.\n" % i
                   for i in range(LONG_LINES))
    rlib.write(os.path.join(d, "posts", "2024", "06", "long.gmi"),
               rlib.post_text("Long", "2024-06-06", slug="long", body=body))
    return d


def slow_socket(srv, proto, path):
    """A client on a slow network: small receive buffer and MSS (on
    loopback the 64 KB MSS lets the kernel take megabytes at once)."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, MSS)
    raw.settimeout(15)
    raw.connect((rlib.LOCAL, srv.port_of(proto)))
    if proto == "gemini":
        s = rlib.harness.default_context().wrap_socket(
            raw, server_hostname="localhost", suppress_ragged_eofs=False)
        s.sendall((U + path + "\r\n").encode())
    else:
        s = raw
        s.sendall((path + "\r\n").encode())
    return s


class Paced(threading.Thread):
    """Reads chunk bytes every gap seconds until the end; drain (an
    Event) makes it read as fast as it can from then on."""

    def __init__(self, srv, proto, path, chunk, gap, limit=60.0):
        threading.Thread.__init__(self, daemon=True)
        self.srv, self.proto, self.path = srv, proto, path
        self.chunk, self.gap, self.limit = chunk, gap, limit
        self.drain = threading.Event()
        self.data, self.end, self.took = b"", None, None
        self.error = None

    def run(self):
        try:
            s = slow_socket(self.srv, self.proto, self.path)
        except OSError as e:
            self.error = "connect: %s" % e
            return
        t0 = time.monotonic()
        nxt, buf = t0, bytearray()
        try:
            while time.monotonic() - t0 < self.limit:
                if not self.drain.is_set():
                    now = time.monotonic()
                    if now < nxt:
                        time.sleep(nxt - now)
                    nxt += self.gap
                try:
                    d = s.recv(65536 if self.drain.is_set() else self.chunk)
                except ssl.SSLEOFError:
                    self.end = "tls-eof"
                    break
                except ssl.SSLError as e:
                    self.end = "tls-error: %s" % e.reason
                    break
                except ConnectionResetError:
                    self.end = "reset"
                    break
                except socket.timeout:
                    self.end = "timeout"
                    break
                if not d:
                    self.end = "eof"  # close_notify, for TLS
                    break
                buf += d
            else:
                self.end = "limit"
        finally:
            self.took = time.monotonic() - t0
            self.data = bytes(buf)
            try:
                s.close()
            except OSError:
                pass


def t_paced(srv, want):
    start = len(srv.snapshot_lines())
    readers = [Paced(srv, "gopher", "/2024/", PACE_CHUNK, PACE_GAP),
               Paced(srv, "gemini", "/2024/06/long.gmi", PACE_CHUNK,
                     PACE_GAP)]
    for r in readers:
        r.start()
    for r in readers:
        r.join(40)
    for r in readers:
        w = want[r.proto]
        MET.set("paced_%s_bytes" % r.proto, len(r.data))
        MET.set("paced_%s_seconds" % r.proto, round(r.took or 0, 1))
        check(r.error is None, "%s: %s" % (r.proto, r.error))
        check(r.end == "eof" and r.data == w,
              "%s %s at 400 kbit/s: got %d of %d bytes, end %s after %.1fs "
              "(the write deadline cut an honest reader)"
              % (r.proto, r.path, len(r.data), len(w), r.end, r.took or 0))
        line = access_line(srv, r.proto, r.path, start)
        check(line and logged_bytes(line) == len(w) and "cut" not in line,
              "%s: the log should say all %d bytes went: %r"
              % (r.proto, len(w), line))


def t_too_slow(srv, want):
    """100 B/s on the Gopher menu, the server's timeout 8 s (so no
    pause is long enough for the no-progress limit): the minimum rate
    cuts it once its grace (5 s) is over, with a reset."""
    start = len(srv.snapshot_lines())
    r = Paced(srv, "gopher", "/2024/", SLOW_CHUNK, SLOW_GAP)
    r.start()
    line = access_line(srv, "gopher", "/2024/", start, deadline=14)
    r.drain.set()  # what the client's kernel holds, read now
    r.join(15)
    MET.set("slow_reader_seconds", round(r.took or 0, 1))
    check(line is not None, "a 100 B/s reader was not cut in 14 s")
    check("too slow in write" in line, "the log does not say the reader was "
          "too slow: %r" % line)
    m = re.search(r"cut after (\d+) of (\d+) bytes", line)
    check(m and int(m.group(2)) == len(want["gopher"]),
          "the log does not say the answer was cut, and of how much: %r"
          % line)
    n = int(m.group(1))
    check(logged_bytes(line) == n, "the bytes field is not the bytes sent: "
          "%r" % line)
    check(r.end == "reset", "the client could take the cut for an end: "
          "the stream ended %s after %d bytes" % (r.end, len(r.data)))
    # What the client's TCP acknowledged is what it could read.
    check(len(r.data) <= n <= len(r.data) + MSS,
          "the log says %d bytes, the client got %d" % (n, len(r.data)))
    check(r.data == want["gopher"][:len(r.data)], "the bytes are not the "
          "menu's")
    MET.set("slow_reader_bytes", n)


# ------------------------------------------------------------ (c)

def t_stalled_memory(binary):
    """1,024 Gemini clients that stop reading a 57 KB page; one more
    client (mid-request) stays connected throughout, so the worker is
    never idle."""
    limit = raise_nofile(STALLED + 600)
    if limit < STALLED + 300:
        raise Skip("RLIMIT_NOFILE %d is too low" % limit)
    d = os.path.join(TMP, "stall")
    rlib.copy_fixture(d, with_broken=False)
    body = "".join("Line %d of the long post, with some words to fill it "
                   "up nicely.\n" % i for i in range(890))
    rlib.write(os.path.join(d, "posts", "2024", "05", "long.gmi"),
               rlib.post_text("Long", "2024-05-05", slug="long", body=body))
    srv = RServer(binary, d, timeout=30, extra_args=[
        "--workers", "1", "--max-connections", str(STALLED + 200),
        "--max-per-address", "0", "--rate", "0"])
    srv.start()
    held, conns = None, []
    try:
        page = gemini(srv.port, U + "/2024/05/long.gmi", timeout=5)
        check(page.status == 20 and len(page.data) > 50000,
              "the long page: %s" % page.describe())
        held = socket.create_connection((rlib.LOCAL, srv.gopher_port), 5)
        held.sendall(b"/")  # mid-request, under the 30 s deadline
        time.sleep(1.5)  # the start's own memory trimmed
        rss0 = srv.rss()
        ctx = rlib.harness.default_context()
        path = (U + "/2024/05/long.gmi\r\n").encode()
        for _ in range(STALLED):
            raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1200)
            raw.settimeout(10)
            raw.connect((rlib.LOCAL, srv.port))
            s = ctx.wrap_socket(raw, server_hostname="localhost")
            s.sendall(path)
            conns.append(s)
        time.sleep(1.0)
        rss1 = srv.rss()
        for s in conns:
            reset_close(s)
        conns = []
        # The worker trims a second after the crowd is gone.
        end = time.monotonic() + 6
        rss2 = srv.rss()
        while time.monotonic() < end and rss2 > rss0 + STALLED_AFTER_KB:
            time.sleep(0.25)
            rss2 = srv.rss()
        MET.set("stalled_rss_before_kb", rss0)
        MET.set("stalled_rss_holding_kb", rss1)
        MET.set("stalled_rss_after_kb", rss2)
        check(rlib.SANITIZED or rss1 - rss0 < STALLED_BUDGET_KB,
              "%d stalled readers cost %.1f MB (%.1f KiB each), want under "
              "%d MB" % (STALLED, (rss1 - rss0) / 1024.0,
                         (rss1 - rss0) / float(STALLED),
                         STALLED_BUDGET_KB // 1024))
        check(rlib.SANITIZED or rss2 - rss0 < STALLED_AFTER_KB,
              "after they left VmRSS stayed %.1f MB over (%d kB before, %d "
              "holding, %d after), want under %d MB"
              % ((rss2 - rss0) / 1024.0, rss0, rss1, rss2,
                 STALLED_AFTER_KB // 1024))
        r = gemini(srv.port, U + "/", timeout=5)
        check(r.status == 20, "served after: %s" % r.describe())
    finally:
        for s in conns:
            s.close()
        if held:
            held.close()
        srv.stop()


# ------------------------------------------------------------ (d)

def flood_addr(i):
    """127.0.x.y, never 127.0.0.1 (the normal clients' address)."""
    n = 2 + i % FLOOD_ADDRS
    return "127.0.%d.%d" % (n // 250, 2 + n % 250)


def t_silent_flood(binary):
    limit = raise_nofile(FLOOD + 3000)
    if limit < FLOOD + 2200:
        raise Skip("RLIMIT_NOFILE %d is too low" % limit)
    # The default limits: 1,024 slots, 32 per address, a 10 s timeout.
    srv = RServer(binary, rlib.FIXTURE, timeout=10, extra_args=[
        "--max-per-address", "32"])
    srv.start()
    sel = selectors.DefaultSelector()
    opened = [0]
    load = None
    try:
        def open_one():
            i = opened[0]
            opened[0] += 1
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.bind((flood_addr(i), 0))
                s.connect_ex((rlib.LOCAL, srv.port if i % 2 else
                              srv.gopher_port))
            except OSError:
                s.close()
                return
            sel.register(s, selectors.EVENT_READ)

        for _ in range(FLOOD):
            open_one()
        time.sleep(1.5)  # the kernel hands them over after a second
        load = subprocess.Popen(
            [sys.executable, os.path.join(rlib.HERE, "normal_load.py"),
             str(srv.port), str(srv.gopher_port), str(FLOOD_SECONDS), "2"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        end = time.monotonic() + FLOOD_SECONDS
        # The flood keeps its sockets open; each one the server closes
        # is opened again (an attacker that keeps the slots full).
        while time.monotonic() < end and opened[0] < FLOOD_MAX_OPENED:
            for key, _ in sel.select(timeout=0.05):
                s = key.fileobj
                sel.unregister(s)
                s.close()
                open_one()
        out, _ = load.communicate(timeout=FLOOD_SECONDS + 40)
        load = None
        res = json.loads(out.decode() or "{}")
        n, bad = len(res.get("lat", [])), res.get("nbad", 0)
        rate = (n - bad) / float(n) if n else 0.0
        MET.set("flood_normal_requests", n)
        MET.set("flood_normal_failed", bad)
        MET.set("flood_opened", opened[0])
        check(n >= 50, "only %d normal requests ran" % n)
        check(rate > 0.99, "%d of %d normal requests failed during the "
              "flood (%.1f %% served, want over 99 %%): %s"
              % (bad, n, 100 * rate, res.get("bad", [])[:3]))
        lines = srv.snapshot_lines()
        check(any("to make room" in l for l in lines),
              "the log never says idle connections were closed to make "
              "room")
    finally:
        if load:
            load.kill()
            load.wait()
        for key in list(sel.get_map().values()):
            key.fileobj.close()
        sel.close()
        srv.stop()


# ------------------------------------------------------------ (e)

PROXY_ADDR = "127.0.0.2"


def pending(port, n, source=None, data=b"PROXY TCP4 "):
    """n connections to the proxy listener that send part of a header."""
    out = []
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        if source:
            s.bind((source(i), 0))
        s.connect((PROXY_ADDR, port))
        s.sendall(data)
        out.append(s)
    return out


def open_ones(socks):
    """Those of socks the server has not closed (yet)."""
    left = []
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1, socket.MSG_PEEK):
                left.append(s)
        except BlockingIOError:
            left.append(s)
        except OSError:
            pass
    return left


def still_open(socks, at_most, deadline=3.0):
    """Those of socks still open once at most at_most are (the server
    closes the refused ones at once, but a loaded machine may take a
    moment), or at the deadline."""
    end = time.monotonic() + deadline
    left = open_ones(socks)
    while len(left) > at_most and time.monotonic() < end:
        time.sleep(0.1)
        left = open_ones(socks)
    time.sleep(0.3)  # and they stay so
    return open_ones(socks)


def t_proxy_per_address(binary):
    srv = RServer(binary, rlib.FIXTURE, timeout=10, extra_args=[
        "--proxy-listen", PROXY_ADDR, "--max-per-address", "50",
        "--rate", "0"])
    srv.start()
    socks = []
    try:
        socks = pending(srv.gopher_port, 200)
        left = still_open(socks, 50)
        MET.set("proxy_pending_held", len(left))
        check(len(left) == 50, "%d of 200 connections waiting for their "
              "PROXY header from one address are held, want the cap, 50"
              % len(left))
        # Each names its client: the count moves to those addresses, so
        # 50 more may wait under the proxy's again.
        for i, s in enumerate(left):
            s.setblocking(True)
            s.sendall(b"198.51.100.%d 127.0.0.2 1000 70\r\n/caps.txt\r\n"
                      % (i + 1))
        served = 0
        for s in left:
            d = b""
            try:
                while True:
                    c = s.recv(4096)
                    if not c:
                        break
                    d += c
            except OSError:
                pass
            served += d.startswith(b"CAPS")
        check(served == 50, "%d of 50 with a whole header were served"
              % served)
        more = pending(srv.gopher_port, 50)
        socks += more
        again = still_open(more, 50)
        check(len(again) == 50, "after the headers were read, %d of 50 new "
              "pending connections are held: the proxy's count did not "
              "move to the clients" % len(again))
        check(any("too many connections from this address" in l
                  for l in srv.snapshot_lines()),
              "the log does not say why pending ones were refused")
    finally:
        for s in socks:
            s.close()
        srv.stop()


def t_proxy_max_connections(binary):
    srv = RServer(binary, rlib.FIXTURE, timeout=10, extra_args=[
        "--proxy-listen", PROXY_ADDR, "--max-connections", "40",
        "--max-per-address", "0", "--rate", "0"])
    srv.start()
    socks = []
    try:
        fd0 = srv.fds()
        socks = pending(srv.gopher_port, 100,
                        source=lambda i: "127.0.3.%d" % (2 + i))
        left = still_open(socks, 40)
        fds = srv.fds()
        check(len(left) <= 40 and fds - fd0 <= 40,
              "%d pending connections held (the server has %d descriptors "
              "more), want at most max_connections, 40" % (len(left),
                                                           fds - fd0))
        check(len(left) >= 30, "only %d held" % len(left))
    finally:
        for s in socks:
            s.close()
        srv.stop()


# ------------------------------------------------------------ (f)

def t_refusals_logged(binary):
    # two workers, each at most two lines a second (a lone one, a summary)
    srv = RServer(binary, rlib.FIXTURE, timeout=10, extra_args=[
        "--max-per-address", "2", "--rate", "0", "--workers", "2"])
    srv.start()
    held = []
    try:
        for _ in range(2):
            s = socket.create_connection((rlib.LOCAL, srv.gopher_port), 5)
            s.sendall(b"/")
            held.append(s)
        time.sleep(0.3)
        start = len(srv.snapshot_lines())
        t0 = time.monotonic()
        closed = 0
        for i in range(REFUSED):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(3)
            try:
                s.connect((rlib.LOCAL, srv.port if i % 2 else
                           srv.gopher_port))
                s.sendall(b"/" if i % 2 == 0 else b"\x16")
                closed += s.recv(1) == b""  # closed at once, unanswered
            except (ConnectionResetError, BrokenPipeError):
                closed += 1
            except OSError:
                pass
            s.close()
        secs = time.monotonic() - t0
        check(closed == REFUSED, "%d of %d over the cap were closed at once"
              % (closed, REFUSED))

        def tally():
            lines = srv.lines_since(start)
            firsts = [l for l in lines if "too many connections from this "
                      "address: closed" in l]
            sums = [l for l in lines
                    if re.search(r"refused \d+ connection", l)]
            counted = 0
            for l in sums:
                m = re.search(r"refused (\d+) connections? in [\d.]+ s: "
                              r"(\d+) too many connections from this "
                              r"address", l)
                check(m and m.group(1) == m.group(2), "a summary line "
                      "whose counts do not add up: %r" % l)
                counted += int(m.group(1))
            return firsts, sums, counted
        # The last summary comes a second after the last refusal.
        end = time.monotonic() + 6
        firsts, sums, counted = tally()
        while len(firsts) + counted < REFUSED and time.monotonic() < end:
            time.sleep(0.2)
            firsts, sums, counted = tally()
        time.sleep(1.2)  # and nothing more comes
        firsts, sums, counted = tally()
        MET.set("refusals", REFUSED)
        MET.set("refusal_lines", len(firsts) + len(sums))
        bound = 2 * 2 * (int(secs) + 4)
        check(len(firsts) + len(sums) <= bound,
              "%d refused connections in %.1f s wrote %d log lines, want at "
              "most %d" % (REFUSED, secs, len(firsts) + len(sums), bound))
        check(len(firsts) + counted == REFUSED,
              "the log accounts for %d refused connections (%d alone, %d in "
              "%d summaries), want %d" % (len(firsts) + counted,
                                          len(firsts), counted, len(sums),
                                          REFUSED))
    finally:
        for s in held:
            s.close()
        srv.stop()


# ------------------------------------------------------------ main

def main():
    global BIN, TMP
    BIN = rlib.binary_from_argv()
    runner = Runner(deadline=FILE_BUDGET)
    TMP = tempfile.mkdtemp(prefix="capsuled-floods-")
    servers = []
    try:
        try:
            tree = make_tree()
        except Exception as e:
            runner.run("the 3,000-post tree", fail_with, str(e))
            tree = None
        if tree:
            fast = RServer(BIN, tree, timeout=1)
            slow = RServer(BIN, tree, timeout=8)
            try:
                fast.start(deadline=60)
                slow.start(deadline=60)
                servers += [fast, slow]
            except Exception as e:
                runner.run("the servers on the 3,000-post tree start",
                           fail_with, str(e))
        if len(servers) == 2:
            # (menus name the port: each server's own)
            want = {"gopher": gopher(fast.gopher_port, "/2024/",
                                     timeout=10).data,
                    "gemini": gemini(fast.port, U + "/2024/06/long.gmi",
                                     timeout=10).data}
            want_slow = {"gopher": gopher(slow.gopher_port, "/2024/",
                                          timeout=10).data}
            # (a) and (b) at once: both take about ten seconds
            slow_t = threading.Thread(target=lambda: runner.run(
                "(b) a 100 B/s reader is cut by the minimum rate, with a "
                "reset, and the log says so with the bytes really sent",
                t_too_slow, slow, want_slow), daemon=True)
            slow_t.start()
            runner.run("(a) paced readers at 400 kbit/s get a %d KB menu "
                       "and a %d KB page whole with --timeout 1"
                       % (len(want["gopher"]) // 1000,
                          len(want["gemini"]) // 1000), t_paced, fast, want)
            slow_t.join(30)
        runner.run("(c) %d stalled readers cost under %d MB, and it goes "
                   "back when they leave" % (STALLED,
                                             STALLED_BUDGET_KB // 1024),
                   t_stalled_memory, BIN)
        runner.run("(d) silent flood: normal clients served over 99 %",
                   t_silent_flood, BIN)
        runner.run("(e) PROXY-pending connections count per address, and "
                   "the count moves to the client", t_proxy_per_address, BIN)
        runner.run("(e) PROXY-pending connections count against "
                   "max_connections", t_proxy_max_connections, BIN)
        runner.run("(f) %d refused connections: a line a second, counts "
                   "that add up" % REFUSED, t_refusals_logged, BIN)
    finally:
        for s in servers:
            rc = s.stop()
            runner.run("server on %s exits 0" % s.content_dir,
                       lambda rc=rc: check(rc == 0, "exit status %r" % rc))
        status = rlib.finish(runner, MET, TMP)
    return status


if __name__ == "__main__":
    sys.exit(main())
