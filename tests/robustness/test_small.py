#!/usr/bin/env python3
"""Addresses behind a proxy and the log file, attacked on the real capsuled
(issue 13, "small").

usage: test_small.py [PATH_TO_CAPSULED]   (default ./capsuled)

(a) IPv4 clients in IPv6 form through a PROXY listener (PROXY TCP6
    ::ffff:a.b.c.d, v2 AF_INET6 ::ffff:a.b.c.d, 64:ff9b::a.b.c.d): each has
    its own per-address limit, and is logged, anonymised too, as dotted
    IPv4;
(b) the log on a full disk (a 64 KB tmpfs, then a file deleted) and at
    its file size limit (RLIMIT_FSIZE, then raised), SIGXFSZ ignored or
    not: every line in the file is one whole record (no half line, no
    glued one), the lost ones are counted, the server lives;
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
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rlib  # noqa: E402
from rlib import (Failure, Metrics, RServer, Runner, Skip,  # noqa: E402
                  check)

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


def hold_share(srv, port, header, share=2, attempts=5):
    """share connections of one client, each admitted and mid-selector,
    and proof that they are its whole share: one more is refused. The
    server reads headers in any order, so a connection made while the
    held ones wait may be counted first and a held one refused; then
    the server holds fewer (its descriptors say so) and it starts over."""
    for _ in range(attempts):
        base = srv.fds()
        socks = []
        for i in range(share):
            socks.append(held(port, header))
            wait_until(lambda: srv.fds() >= base + i + 1, 2.0)
        refused = wait_until(lambda: _fetch(port, header, b"/robots.txt")
                             == b"", 2.0)
        if refused and srv.fds() >= base + share:
            return socks
        for s in socks:
            s.close()
        wait_until(lambda: srv.fds() <= base, 2.0)
    raise Failure("could not hold the share of one client: %d more are "
                  "still served (log: %r)" % (share + 1,
                                              srv.snapshot_lines()[-3:]))


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
        socks = hold_share(srv, port, hdr(a))
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


# ------------------------------------------------- (b) the log at its limit

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
RECORD = re.compile(r"^%s\S" % STAMP)
ACCESS = re.compile(r'^%s(gemini|gopher) \S+ "[^"]*" (\d\d|-) \d+ \d+\.\dms'
                    r'( [a-z][^"]*)?$' % STAMP)
LIMITED = 40   # requests made while the file is at its size limit
AFTER = 5      # and after the limit is lifted


def read(path):
    with open(path, "rb") as f:
        return f.read()


def bad_records(data):
    """Lines of the log that are not one whole record: cut (no newline at
    the end of the file, or an access line short of its fields), glued (a
    second time stamp inside), or not starting with a time stamp."""
    bad = []
    lines = data.split(b"\n")
    if lines and lines[-1] != b"":
        bad.append(b"(no newline at the end) " + lines[-1])
    for l in lines[:-1]:
        t = l.decode("utf-8", "replace")
        text = t[25:]  # after the time stamp
        access = any(text.startswith(p) or p.startswith(text)
                     for p in ("gemini ", "gopher "))
        if not RECORD.match(t) or len(re.findall(STAMP, t)) != 1 or \
                (access and not ACCESS.match(t)):
            bad.append(l)
    return bad


def ignoring_xfsz():
    """A wrapper that starts capsuled with SIGXFSZ ignored (Python's
    subprocess sets it back to the default otherwise), so that writes past
    the limit fail with EFBIG in any build, as they would for a server
    that ignores it itself."""
    w = os.path.join(TMP, "capsuled-nosigxfsz")
    with open(w, "w") as f:
        f.write("#!/bin/sh\ntrap '' XFSZ\nexec '%s' \"$@\"\n" % BIN)
    os.chmod(w, 0o755)
    return w


def limit_file_size(pid, size):
    """RLIMIT_FSIZE of the server: the file stops at size bytes (its soft
    limit, which the same user may lower and raise again)."""
    import resource
    inf = resource.RLIM_INFINITY
    resource.prlimit(pid, resource.RLIMIT_FSIZE,
                     (inf if size is None else size, inf))


def fill(path):
    """Writes path until its file system is full: the disk is full."""
    with open(path, "wb", buffering=0) as f:
        for size in (65536, 4096, 1):
            try:
                while True:
                    f.write(b"x" * size)
            except OSError:
                pass


def t_log_at_limit(how):
    """The log reaches a full disk ("tmpfs") or its size limit ("fsize";
    "fsize-ign" with SIGXFSZ ignored) mid-record while clients keep
    coming, then the disk frees up or the limit is lifted: every line of
    the file is one whole record, the loss is counted, the server lives."""
    logdir = os.path.join(TMP, "limit-" + how)
    os.makedirs(logdir)
    mounted = False
    if how == "tmpfs":
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k",
                            "capsuled-test", logdir], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if p.returncode != 0:
            raise Skip("cannot mount a tmpfs: %s" % p.stdout.decode().strip())
        mounted = True
    log = os.path.join(logdir, "capsuled.log")
    filler = os.path.join(logdir, "filler")
    srv = None
    try:
        srv = RServer(ignoring_xfsz() if how == "fsize-ign" else BIN,
                      rlib.FIXTURE, extra_args=["--log", log]).start()
        # (the file gets each message just after stderr does)
        check(wait_until(lambda: re.search(rb" serving .*posts",
                                           read(log)), 2.0),
              "no 'serving' line in the log file")
        if how == "tmpfs":
            # rotated first: the file cut back is one the sandboxed
            # server opened itself (Landlock's truncate right)
            n = len(srv.snapshot_lines())
            os.rename(log, log + ".1")
            os.kill(srv.pid, signal.SIGUSR1)
            check(srv.wait_log(r"log reopened", start=n), "not reopened")
        size0 = os.path.getsize(log)
        if how == "tmpfs":
            fill(filler)  # the log's last page is all it has left
            cap, err = (size0 // 4096 + 1) * 4096, "No space left on device"
        else:  # 1.5 records on: the second access line is cut midway
            cap, err = size0 + 130, "File too large"
            limit_file_size(srv.pid, cap)
        requests = LIMITED * (3 if how == "tmpfs" else 1)
        for i in range(requests):
            r = rlib.gopher(srv.gopher_port, "/limited-%d" % i)
            check(r.data.startswith(b"3"), "request %d at the limit: %s"
                  % (i, r.describe()))
        # a message from the control thread too (the workers block
        # signals, so only it could be killed by SIGXFSZ)
        n = len(srv.snapshot_lines())
        os.kill(srv.pid, signal.SIGHUP)
        check(srv.wait_log(r"reloaded: |still serving the previous",
                           start=n, deadline=5.0) or not srv.alive(),
              "no reload")
        check(wait_until(lambda: not srv.alive(), 0.3) is False,
              "the server died at the limit: status %r" % srv.proc.poll())
        check(os.path.getsize(log) <= cap, "the limit did not hold")
        if how == "tmpfs":
            os.unlink(filler)
        else:
            limit_file_size(srv.pid, None)
        for i in range(AFTER):
            rlib.gopher(srv.gopher_port, "/after-%d" % i)
        check(wait_until(lambda: b'"/after-%d"' % (AFTER - 1) in read(log),
                         3.0), "the last request after the limit was "
              "lifted is not in the log")
        data = read(log)
        bad = bad_records(data)
        MET.set("log_bad_lines_" + how, len(bad))
        check(not bad, "%d lines are not whole records: %r"
              % (len(bad), bad[:3]))
        limited = len(re.findall(rb'"/limited-\d+"', data))
        MET.set("log_lost_" + how, requests - limited)
        check(0 < limited < requests, "%d of %d requests at the limit "
              "logged: was the limit reached? (%r)" % (limited, requests,
                                                       data[-600:]))
        check(re.search(rb"warning: log: \d+ lines lost before this one "
                        rb"\(%s\)\n" % err.encode(), data),
              "the loss is not counted in the file")
        check(srv.wait_log(r"warning: log: %s: %s: lines are lost"
                           % (re.escape(log), err)),
              "the loss is not said on stderr")
    finally:
        if srv is not None:
            srv.stop()
        if mounted:
            subprocess.run(["umount", logdir])
    check(srv.exit_status == 0, "exit status %r" % srv.exit_status)


# ------------------------------------- (c) SIGUSR1, the log's directory new

def open_log_of(pid, path):
    """The bytes of the file the server has open as path (maybe deleted),
    read through /proc."""
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target in (path, path + " (deleted)"):
            return read(os.path.join(fd_dir, fd))
    return None


def t_reopen_new_dir():
    """The log's directory is removed and made again (a careless rotation
    script), then SIGUSR1: the sandbox cannot let the server create the
    file there. One warning names the path and why; the server goes on
    logging to the file it has open; nothing is made in the new
    directory. Removed and not made again: the same, saying it is gone."""
    logdir = os.path.join(TMP, "usr1")
    os.makedirs(logdir)
    log = os.path.join(logdir, "capsuled.log")
    srv = RServer(BIN, rlib.FIXTURE, extra_args=["--log", log]).start()
    try:
        if any("no Landlock" in l for l in srv.snapshot_lines()):
            raise Skip("no Landlock in this kernel: the reopen succeeds")
        shutil.rmtree(logdir)
        os.makedirs(logdir)
        n = len(srv.snapshot_lines())
        os.kill(srv.pid, signal.SIGUSR1)
        warned = srv.wait_log(r"reopen", start=n)
        check(len(warned) == 1, "not one line: %r" % warned)
        w = warned[0]
        MET.set("reopen_warning", w[25:])
        check(re.search(r"warning: cannot reopen the log %s: Permission "
                        r"denied: its directory %s was removed and made "
                        r"again since start-up, and the sandbox .*; still "
                        r"writing the file open before"
                        % (re.escape(log), re.escape(logdir)), w),
              "the warning does not say what and why: %r" % w)
        r = rlib.gopher(srv.gopher_port, "/after-usr1")
        check(r.data.startswith(b"3"), r.describe())
        check(wait_until(lambda: b'"/after-usr1"' in
                         (open_log_of(srv.pid, log) or b""), 3.0),
              "the request is not logged in the open file")
        check(b"cannot reopen the log" in open_log_of(srv.pid, log),
              "the warning is not in the open file")
        check(os.listdir(logdir) == [], "made in the new directory: %r"
              % os.listdir(logdir))
        os.rmdir(logdir)
        n = len(srv.snapshot_lines())
        os.kill(srv.pid, signal.SIGUSR1)
        gone = srv.wait_log(r"reopen", start=n)
        check(len(gone) == 1 and re.search(
            r"cannot reopen the log %s: No such file or directory: its "
            r"directory %s is gone" % (re.escape(log), re.escape(logdir)),
            gone[0]), "directory gone: %r" % gone)
        check(srv.alive(), "the server died")
    finally:
        srv.stop()
    check(srv.exit_status == 0, "exit status %r" % srv.exit_status)


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
        runner.run("(b) the log on a full disk (a 64 KB tmpfs), then "
                   "freed: only whole records, the loss counted",
                   t_log_at_limit, "tmpfs")
        runner.run("(b) the log at its size limit (SIGXFSZ ignored), then "
                   "lifted: the same", t_log_at_limit, "fsize-ign")
        runner.run("(b) the log at its size limit, SIGXFSZ as it comes: "
                   "the server lives", t_log_at_limit, "fsize")
        runner.run("(c) SIGUSR1 after the log's directory was made anew: "
                   "one warning says why, logging goes on", t_reopen_new_dir)
    finally:
        status = rlib.finish(runner, MET, TMP)
    return status

if __name__ == "__main__":
    sys.exit(main())
