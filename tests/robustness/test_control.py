#!/usr/bin/env python3
"""The control side of the real capsuled: signals, reloads, the descriptor
limit, the log's place in the sandbox, and whose rights read the content.

usage: test_control.py [PATH_TO_CAPSULED]   (default ./capsuled)

(a) 100 SIGHUPs in 2.5 s on a tree whose load takes about a second are
    merged into a few reloads, and the last change is served; SIGTERM in
    the middle of such a flood ends the server within 1 s, status 0;
(b) SIGHUP during the first load (ports bound and announced) is not
    fatal and is followed by a reload; SIGTERM and SIGINT then stop it
    within 1 s with status 0;
(c) with RLIMIT_NOFILE 64, max_connections is lowered with room to spare:
    more connections than fit are refused by the cap (logged), never by
    accept's EMFILE; a reload at the cap works, and normal clients are
    served once the others leave;
(d) a relative log path (from a directory that also holds the content):
    inside the serving process a write into the content or /etc is
    refused (gdb calls open(2) in it); --sandbox-test tries writes outside
    the log's directory and they are refused;
(e) with --user nobody, a root-only (0600) post is reported at start as
    the reload would report it, and not served; --check as root says the
    same; once readable, a reload takes it.

Prints "ok NAME" / "FAIL NAME: reason" and "N passed, N failed"; exits 1
on any failure. Writes its numbers to $ROBUSTNESS_METRICS if set.
"""

import os
import pwd
import re
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rlib  # noqa: E402
from rlib import (Failure, Metrics, RServer, Runner, Skip, check,  # noqa
                  gemini, gopher)

FILE_BUDGET = 120
U = "gemini://localhost"
MET = Metrics("control")
BIN = None
TMP = None

FLOOD = 100             # SIGHUPs ...
FLOOD_SECONDS = 2.5     # ... over this long
STOP_WITHIN = 1.0       # SIGTERM to exit, seconds (the bound)
QUIET = 2.0             # no reload line for this long (and for 1.5
                        # reloads' time): the flood is over
SETTLE_DEADLINE = 30.0  # ... and it must be over by then
NOFILE = 64
RELOAD_LINE = r"reloaded: |still serving the previous"


# ------------------------------------------------------------ helpers

class Proc:
    """capsuled started by hand, to act between its start-up lines: stderr
    read by a thread; the caller stops it by PID."""

    def __init__(self, argv, cwd=None, preexec=None):
        self.lines = []
        self.cond = threading.Condition()
        self.p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE,
                                  preexec_fn=preexec)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for raw in iter(self.p.stderr.readline, b""):
            with self.cond:
                self.lines.append(raw.decode("utf-8", "replace").rstrip())
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_log(self, regex, start=0, deadline=10.0):
        """The first stderr line from index start that matches, or None at
        the deadline or when the process has ended."""
        r = re.compile(regex)
        end = time.monotonic() + deadline
        with self.cond:
            while True:
                for l in self.lines[start:]:
                    if r.search(l):
                        return l
                left = end - time.monotonic()
                if left <= 0 or self.p.poll() is not None:
                    return None
                self.cond.wait(min(left, 0.05))

    def text(self):
        with self.cond:
            return "\n".join(self.lines)

    def exit_within(self, seconds):
        """(status, seconds taken), status None if still running."""
        t0 = time.monotonic()
        try:
            rc = self.p.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            rc = None
        return rc, time.monotonic() - t0

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(timeout=5)
        self.t.join(timeout=2)
        self.p.stderr.close()


def serve_argv(content, certs, extra=()):
    return ([BIN, "--listen", "127.0.0.1", "--gemini-port", "0",
             "--gopher-port", "0", "--cert-dir", certs, "--host",
             "localhost", "--timeout", "2", "--max-per-address", "0",
             "--rate", "0"] + rlib.root_args(BIN) + list(extra) + [content])


def big_tree():
    """10,000 posts of 8-12 paragraphs: a load of about a second here."""
    d = os.path.join(TMP, "big")
    if not os.path.isdir(d):
        argv = [sys.executable, os.path.join(rlib.TESTS, "gen_tree.py"),
                "10000", d, "--quiet", "--paras", "8-12"]
        p = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        if p.returncode != 0:
            raise Failure("gen_tree.py: %s" % p.stdout[-300:])
    return d


def first_post(root):
    """(path of a post file, its served Gemini path) in a gen_tree tree."""
    for dirpath, _, files in sorted(os.walk(os.path.join(root, "posts"))):
        for f in sorted(files):
            if f.endswith(".gmi"):
                return os.path.join(dirpath, f)
    raise Failure("no post in %s" % root)


def retitle(path, title):
    with open(path) as f:
        text = f.read()
    text = re.sub(r"^title: .*$", 'title: "%s"' % title, text, count=1,
                  flags=re.M)
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def gemini_path_of(path):
    """/YYYY/MM/slug.gmi of a gen_tree post (its date names the month)."""
    with open(path) as f:
        text = f.read()
    m = re.search(r"^date: (\d{4})-(\d\d)", text, re.M)
    slug = re.search(r"^slug: (\S+)", text, re.M)
    name = slug.group(1) if slug else os.path.basename(path)[:-4]
    return "/%s/%s/%s.gmi" % (m.group(1), m.group(2), name)


# ------------------------------------------------------------ (a) flood

def sighup_flood(pid, n=FLOOD, seconds=FLOOD_SECONDS, midway=None):
    gap = seconds / n
    t0 = time.monotonic()
    for i in range(n):
        if midway and i == n // 2:
            midway()
        os.kill(pid, signal.SIGHUP)
        # paced from the start, so a slow turn does not stretch the flood
        delay = t0 + (i + 1) * gap - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    return time.monotonic() - t0


def reload_lines(lines):
    return [l for l in lines if re.search(RELOAD_LINE, l)]


def wait_quiet(srv, since, quiet, deadline=SETTLE_DEADLINE):
    """Waits until no reload line came for `quiet` seconds; returns the
    seconds until the last one, or None if reloads were still coming at
    the deadline."""
    t0 = time.monotonic()
    seen, last = -1, time.monotonic()
    while time.monotonic() - t0 < deadline:
        n = len(reload_lines(srv.lines_since(since)))
        if n != seen:
            seen, last = n, time.monotonic()
        elif time.monotonic() - last >= quiet:
            return last - t0
        time.sleep(0.05)
    return None


FLOOD_SRV = {}


def t_flood_merged():
    root = big_tree()
    post = first_post(root)
    path = gemini_path_of(post)
    srv = RServer(BIN, root, timeout=2).start(deadline=60)
    FLOOD_SRV["srv"] = srv  # the SIGTERM test goes on with it
    try:
        # one reload alone, for its duration
        n0 = len(srv.snapshot_lines())
        t0 = time.monotonic()
        os.kill(srv.pid, signal.SIGHUP)
        check(srv.wait_log(r"reloaded: ", start=n0, deadline=30),
              "a single SIGHUP: no 'reloaded' line in 30 s")
        one = time.monotonic() - t0
        MET.set("reload_seconds", round(one, 2))

        n1 = len(srv.snapshot_lines())
        took = sighup_flood(srv.pid, midway=lambda: retitle(post,
                                                             "Flood title"))
        settle = wait_quiet(srv, n1, max(QUIET, 1.5 * one + 0.5))
        reloads = reload_lines(srv.lines_since(n1))
        MET.set("flood_reloads", len(reloads))
        MET.set("flood_signals", FLOOD)
        # the flood lasts FLOOD_SECONDS: reloads back to back meanwhile,
        # then the one that merges what came during the last
        most = int(took / one) + 3
        check(settle is not None, "%d SIGHUPs in %.1f s: reloads still "
              "coming %.0f s later (%d so far; one takes %.2f s): not "
              "merged" % (FLOOD, took, SETTLE_DEADLINE, len(reloads), one))
        check(len(reloads) <= most, "%d SIGHUPs in %.1f s made %d reloads "
              "(one takes %.2f s; at most %d expected)"
              % (FLOOD, took, len(reloads), one, most))
        check(all("reloaded: " in l for l in reloads),
              "a reload failed: %s" % reloads)
        r = gemini(srv.port, U + path)
        check(r.status == 20 and b"Flood title" in r.body,
              "the change made mid-flood is not served after it: %s"
              % r.describe())
        merged = [l for l in srv.lines_since(n1) if "merged" in l]
        print("  one reload %.2f s; %d SIGHUPs in %.1f s -> %d reloads, "
              "the last %.1f s after the flood; %s"
              % (one, FLOOD, took, len(reloads), settle, merged[-1:]),
              flush=True)
    except BaseException:
        srv.stop()
        FLOOD_SRV.clear()
        raise


def t_flood_sigterm():
    srv = FLOOD_SRV.pop("srv", None)
    if srv is None or not srv.alive():
        srv = RServer(BIN, big_tree(), timeout=2).start(deadline=60)
    try:
        n = len(srv.snapshot_lines())
        sighup_flood(srv.pid)
        # SIGTERM into a reload that has just begun (the flood keeps one
        # coming), not one about to end: it must be abandoned, not awaited
        m = len(srv.snapshot_lines())
        srv.wait_log(r"reloading \(", start=m, deadline=5)
        time.sleep(0.2)
        t0 = time.monotonic()
        os.kill(srv.pid, signal.SIGTERM)
        rc, dt = None, 0.0
        end = t0 + 10
        while time.monotonic() < end and srv.proc.poll() is None:
            time.sleep(0.01)
        dt = time.monotonic() - t0
        rc = srv.proc.poll()
        MET.set("sigterm_after_flood_seconds", round(dt, 2))
        check(rc is not None, "SIGTERM after %d SIGHUPs: still running "
              "10 s later" % FLOOD)
        check(dt < STOP_WITHIN, "SIGTERM during a reload: exit after "
              "%.2f s (want < %.1f s)" % (dt, STOP_WITHIN))
        check(rc == 0, "exit status %r" % rc)
        tail = srv.lines_since(n)
        check(any("abandoned" in l for l in tail),
              "no 'abandoned' line: %s" % rlib.exit_tail(srv))
        print("  SIGTERM at the end of the flood: exit %d after %.3f s"
              % (rc, dt), flush=True)
    finally:
        srv.stop()


# ------------------------------------------------------------ (b) start-up

def start_and_signal(sig):
    """Starts on the big tree, sends sig once the ports are announced,
    while the first load runs; returns (proc, was the load still under
    way when the signal went)."""
    certs = tempfile.mkdtemp(prefix="certs-", dir=TMP)
    p = Proc(serve_argv(big_tree(), certs))
    line = p.wait_log(r"listening gopher 127\.0\.0\.1 \d+", deadline=20)
    if line is None:
        p.kill()
        raise Failure("no listening line: %s" % p.text()[-500:])
    os.kill(p.p.pid, sig)
    loading = not re.search(r" serving .*: \d+ posts", p.text())
    return p, loading


def t_sighup_first_load():
    p, loading = start_and_signal(signal.SIGHUP)
    try:
        check(loading, "the first load was over before the signal: the "
              "tree is too small for this machine")
        # That one may have come before the load began (then it is merged
        # into it). A second one, 0.3 s on, comes while it reads the tree:
        # a reload of its own must follow.
        time.sleep(0.3)
        again = not re.search(r" serving .*: \d+ posts", p.text())
        if again:
            os.kill(p.p.pid, signal.SIGHUP)
        serving = p.wait_log(r" serving .*: \d+ posts", deadline=30)
        check(serving, "SIGHUP during the first load: no 'serving' line "
              "(exit status %r): %s" % (p.p.poll(), p.text()[-400:]))
        want = r"reloaded: " if again else r"reloaded: |merged into it"
        check(p.wait_log(want, deadline=30),
              "no reload after the first load: %s" % p.text()[-400:])
        port = int(re.search(r"listening gemini 127\.0\.0\.1 (\d+)",
                             p.text()).group(1))
        r = gemini(port, U + "/")
        check(r.status == 20, "home page after it: %s" % r.describe())
        os.kill(p.p.pid, signal.SIGTERM)
        rc, dt = p.exit_within(5)
        check(rc == 0, "then SIGTERM: exit status %r" % rc)
    finally:
        p.kill()


def t_stop_first_load():
    for sig in (signal.SIGTERM, signal.SIGINT):
        p, loading = start_and_signal(sig)
        try:
            check(loading, "the first load was over before the signal")
            rc, dt = p.exit_within(5)
            name = signal.Signals(sig).name
            check(rc is not None, "%s during the first load: still "
                  "running 5 s later" % name)
            check(rc == 0, "%s during the first load: exit status %r "
                  "(want 0)" % (name, rc))
            check(dt < STOP_WITHIN, "%s during the first load: exit after "
                  "%.2f s" % (name, dt))
            check(not re.search(r" serving .*: \d+ posts", p.text()),
                  "%s: it served: %s" % (name, p.text()[-300:]))
            print("  %s during the first load: exit %d after %.3f s"
                  % (name, rc, dt), flush=True)
            MET.set("first_load_stop_seconds", max(
                round(dt, 3), MET.data.get("first_load_stop_seconds", 0)))
        finally:
            p.kill()


# ------------------------------------------------------------ (c) nofile

def limited_binary():
    """A wrapper that execs capsuled under RLIMIT_NOFILE 64 (soft and
    hard), so harness.Server runs it as it runs any binary."""
    w = os.path.join(TMP, "capsuled-nofile")
    with open(w, "w") as f:
        f.write("#!/bin/sh\nulimit -n %d || exit 1\nexec %s \"$@\"\n"
                % (NOFILE, BIN))
    os.chmod(w, 0o755)
    return w


def hold_gopher(port, n):
    """n Gopher connections, each with one byte of a selector and no line
    end (accepted at once, held until the request deadline). Returns the
    sockets that connected."""
    out = []
    for _ in range(n):
        try:
            s = socket.create_connection((rlib.LOCAL, port), timeout=3)
            s.sendall(b"x")
            out.append(s)
        except OSError:
            break
    return out


def t_nofile():
    root = rlib.copy_fixture(os.path.join(TMP, "nofile-site"),
                             with_broken=False)
    srv = RServer(limited_binary(), root, timeout=5,
                  extra_args=["--max-connections", "1000", "--workers",
                              "2"]).start(deadline=30)
    held = []
    try:
        low = srv.wait_log(r"max_connections lowered to \d+", deadline=2)
        check(low, "no 'max_connections lowered' line: %s"
              % rlib.exit_tail(srv))
        cap = int(re.search(r"lowered to (\d+)", low[0]).group(1))
        MET.set("nofile_cap", cap)
        check(0 < cap < NOFILE - 16, "cap %d leaves no room under %d "
              "descriptors" % (cap, NOFILE))
        n0 = len(srv.snapshot_lines())
        held = hold_gopher(srv.gopher_port, NOFILE + 16)
        time.sleep(1.0)  # each was accepted, and the extra ones closed
        fds = srv.fds()
        lines = srv.lines_since(n0)
        emfile = [l for l in lines if "Too many open files" in l]
        capped = [l for l in lines if "connection cap" in l]
        # a reload at the cap still has its descriptors
        m = len(srv.snapshot_lines())
        os.kill(srv.pid, signal.SIGHUP)
        reload = srv.wait_log(RELOAD_LINE, start=m, deadline=10)
        relines = srv.lines_since(m)
        check(not emfile, "%d connections under RLIMIT_NOFILE %d: %s"
              % (len(held), NOFILE, emfile[:2]))
        check(capped, "no connection refused by the cap (%d held, cap "
              "%d, %d descriptors open)" % (len(held), cap, fds))
        check(fds <= NOFILE, "%d descriptors open" % fds)
        check(reload and "reloaded: " in reload[0],
              "SIGHUP at the cap: %s" % relines[-3:])
        check(any("reload: max_connections lowered" in l for l in relines),
              "the reload asking for 1000 again does not say it is "
              "lowered: %s" % relines[-4:])
        for s in held:
            s.close()
        held = []
        time.sleep(0.3)
        r = gemini(srv.port, U + "/")
        check(r.status == 20, "Gemini after they left: %s" % r.describe())
        r = gopher(srv.gopher_port, "/")
        check(r.end == "eof" and r.data and not r.data.startswith(b"3"),
              "Gopher after they left: %s" % r.describe())
        print("  RLIMIT_NOFILE %d: cap %d, %d connections tried, %d "
              "descriptors open at most, %d refusals logged"
              % (NOFILE, cap, NOFILE + 16, fds, len(capped)), flush=True)
    finally:
        for s in held:
            s.close()
        srv.stop()


# ------------------------------------------------------------ (d) the log

def gdb_open(pid, paths):
    """open(path, O_WRONLY|O_CREAT, 0600) called inside process pid by
    gdb; returns each result (a descriptor, or -1)."""
    argv = ["gdb", "-p", str(pid), "-batch", "-nx"]
    for p in paths:
        argv += ["-ex", 'call (int)open("%s", 65, 384)' % p]
    out = subprocess.run(argv, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, timeout=60)
    got = re.findall(r"^\$\d+ = (-?\d+)$", out.stdout.decode(
        "utf-8", "replace"), re.M)
    if len(got) != len(paths):
        raise Skip("gdb could not call open(2) in the server: %s"
                   % out.stdout.decode("utf-8", "replace")[-300:])
    return [int(x) for x in got]


def t_relative_log_serving():
    if shutil.which("gdb") is None:
        raise Skip("no gdb to call open(2) inside the server")
    # a directory that holds the content, the log named relative to it:
    # the log's directory is the working directory, as "/" is for systemd
    d = tempfile.mkdtemp(prefix="cwd-", dir=TMP)
    rlib.copy_fixture(os.path.join(d, "site"), with_broken=False)
    planted = os.path.join(d, "site", "posts", "planted.gmi")
    etc = "/etc/capsuled-probe-%d" % os.getpid()
    p = Proc(serve_argv("site", os.path.join(d, "certs"),
                        ["--log", "rel.log"]), cwd=d)
    try:
        check(p.wait_log(r" serving .*: \d+ posts", deadline=20),
              "not serving: %s" % p.text()[-400:])
        fds = gdb_open(p.p.pid, [planted, etc])
        made = [f for f in (planted, etc) if os.path.exists(f)]
        for f in made:
            os.unlink(f)
        check(fds == [-1, -1] and not made, "inside the server started "
              "in %s with --log rel.log: open(2) for writing gave %s for "
              "%s" % (d, fds, [planted, etc]))
        check(os.path.exists(os.path.join(d, "rel.log")),
              "the log is not %s/rel.log" % d)
        check(re.search(r"log's directory .* also holds the content",
                        p.text()), "no warning that only the log file is "
              "writable: %s" % p.text()[-400:])
        os.kill(p.p.pid, signal.SIGTERM)
        rc, _ = p.exit_within(5)
        check(rc == 0, "exit status %r" % rc)
    finally:
        p.kill()


def t_relative_log_own_dir():
    """The log in a directory of its own, named relatively: that directory
    is writable (logrotate's new file can be made), nothing above it."""
    if shutil.which("gdb") is None:
        raise Skip("no gdb to call open(2) inside the server")
    d = tempfile.mkdtemp(prefix="cwd-", dir=TMP)
    rlib.copy_fixture(os.path.join(d, "site"), with_broken=False)
    os.mkdir(os.path.join(d, "logs"))
    rotated = os.path.join(d, "logs", "new.log")
    above = os.path.join(d, "above")
    p = Proc(serve_argv("site", os.path.join(d, "certs"),
                        ["--log", "./logs/access.log"]), cwd=d)
    try:
        check(p.wait_log(r" serving .*: \d+ posts", deadline=20),
              "not serving: %s" % p.text()[-400:])
        fds = gdb_open(p.p.pid, [rotated, above])
        check(fds[0] >= 0 and os.path.exists(rotated),
              "a new file in the log's own directory: %s" % fds[0])
        check(fds[1] == -1 and not os.path.exists(above),
              "a file above the log's directory: %s" % fds[1])
        os.kill(p.p.pid, signal.SIGTERM)
        p.exit_within(5)
    finally:
        p.kill()


def t_sandbox_test_log():
    d = tempfile.mkdtemp(prefix="cwd-", dir=TMP)
    rlib.copy_fixture(os.path.join(d, "site"), with_broken=False)
    certs = os.path.join(d, "certs")
    argv = serve_argv("site", certs, ["--log", "rel.log",
                                       "--sandbox-test"])
    out = subprocess.run(argv, cwd=d, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, timeout=30)
    text = out.stdout.decode("utf-8", "replace")
    writes = re.findall(r"^writing (\S+) \(([^)]*)\): (\w+)$", text, re.M)
    outside = [w for w in writes if not w[0].startswith(d + "/logs")]
    if "no seccomp filter" in text:
        # a sanitizer build: Landlock only, the files are what count
        check(not re.search(r"^(writing|reading) .*ALLOWED$", text, re.M),
              "--sandbox-test --log rel.log from %s:\n%s" % (d, text))
    else:
        check(out.returncode == 0 and "ALLOWED" not in text,
              "--sandbox-test --log rel.log from %s: exit %d:\n%s"
              % (d, out.returncode, text))
    check(any(w[1] == "the content" and w[2] == "refused" for w in writes),
          "no refused write into the content tree:\n%s" % text)
    check(any(w[1] in ("beside the log", "outside the log's directory") and
              w[2] == "refused" for w in outside),
          "no refused write outside what the log may write:\n%s" % text)
    for w in writes:
        if os.path.exists(w[0]):
            os.unlink(w[0])


# ------------------------------------------------------------ (e) rights

def nobody_or_skip():
    if os.geteuid() != 0:
        raise Skip("not root: no other user to serve as")
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        raise Skip("no user nobody")


def t_root_only_post():
    nobody_or_skip()
    d = tempfile.mkdtemp(prefix="rights-", dir=TMP)
    os.chmod(d, 0o755)  # nobody walks to the tree through it
    root = rlib.copy_fixture(os.path.join(d, "site"), with_broken=False)
    secret = os.path.join(root, "posts", "2024", "secret.gmi")
    rlib.write(secret, rlib.post_text("Root only", "2024-05-06",
                                      slug="root-only"))
    os.chmod(secret, 0o600)
    path = "/2024/05/root-only.gmi"

    srv = RServer(BIN, root, timeout=2,
                  extra_args=["--user", "nobody"]).start(deadline=30)
    try:
        # --check as root reads as the serving user too (certificates
        # made by the server above, so the post is the only problem)
        out = subprocess.run([BIN, "--check", "--user", "nobody",
                              "--cert-dir", srv.cert_dir, root],
                             stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=30)
        text = out.stdout.decode("utf-8", "replace")
        check(out.returncode == 1 and re.search(
            r"secret\.gmi: .*Permission denied", text),
            "--check --user nobody (as root): exit %d, does not name the "
            "unreadable post:\n%s" % (out.returncode, text[-400:]))
        warned = [l for l in srv.snapshot_lines()
                  if re.search(r"secret\.gmi: .*Permission denied", l)]
        r = gemini(srv.port, U + path)
        check(r.status == 51, "the root-only post is served at start, "
              "where every reload will fail on it: %s" % r.describe())
        check(warned, "no 'secret.gmi: ... Permission denied' at start: %s"
              % rlib.exit_tail(srv, 8))
        # the same tree, the same verdict: the reload refuses it too
        n = len(srv.snapshot_lines())
        os.kill(srv.pid, signal.SIGHUP)
        got = srv.wait_log(RELOAD_LINE, start=n, deadline=10)
        check(got and "still serving" in got[0] and any(
            "secret.gmi" in l for l in srv.lines_since(n)),
            "reload with the post still unreadable: %s" % got)
        os.chmod(secret, 0o644)
        n = len(srv.snapshot_lines())
        os.kill(srv.pid, signal.SIGHUP)
        got = srv.wait_log(RELOAD_LINE, start=n, deadline=10)
        check(got and "reloaded: " in got[0],
              "reload once readable: %s" % srv.lines_since(n)[-3:])
        r = gemini(srv.port, U + path)
        check(r.status == 20 and b"Root only" in r.body,
              "after the reload: %s" % r.describe())
    finally:
        rc = srv.stop()
    check(rc == 0, "exit status %r" % rc)


def main():
    global BIN, TMP
    BIN = rlib.binary_from_argv()
    TMP = tempfile.mkdtemp(prefix="capsuled-control-")
    os.chmod(TMP, 0o755)
    runner = Runner(deadline=FILE_BUDGET)
    try:
        runner.run("(a) %d SIGHUPs in %.1f s are merged into a few reloads, "
                   "the last change served" % (FLOOD, FLOOD_SECONDS),
                   t_flood_merged)
        runner.run("(a) SIGTERM during a SIGHUP flood: exit 0 within %.0f s"
                   % STOP_WITHIN, t_flood_sigterm)
        runner.run("(b) SIGHUP during the first load: not fatal, a reload "
                   "follows", t_sighup_first_load)
        runner.run("(b) SIGTERM, SIGINT during the first load: exit 0 "
                   "within %.0f s" % STOP_WITHIN, t_stop_first_load)
        runner.run("(c) RLIMIT_NOFILE %d: refused by the cap, not EMFILE; "
                   "a reload at the cap; served after" % NOFILE, t_nofile)
        runner.run("(d) --log rel.log beside the content: the server cannot "
                   "write the content or /etc", t_relative_log_serving)
        runner.run("(d) --log in a directory of its own: new files there, "
                   "none above", t_relative_log_own_dir)
        runner.run("(d) --sandbox-test --log rel.log: writes outside the "
                   "log's directory refused", t_sandbox_test_log)
        runner.run("(e) --user nobody: a root-only post is a problem at "
                   "start as at reload", t_root_only_post)
    finally:
        status = rlib.finish(runner, MET, TMP)
    return status

if __name__ == "__main__":
    sys.exit(main())
