"""Shared pieces of the robustness tests, on top of
tests/integration/harness.py (imported, never modified): a server that
knows both ports, raw TCP and TLS clients that report how a stream ended
and when, hand-made ClientHellos, /proc readings, and the metrics file
run.sh turns into its summary table. Python 3 standard library only.

Every socket has a timeout, every loop a bound in count and in time, and
every address is 127.0.0.1."""

import json
import os
import re
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import warnings

sys.dont_write_bytecode = True
warnings.filterwarnings("ignore", category=DeprecationWarning)

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, "integration"))
sys.path.insert(0, TESTS)  # gen_tree

import harness  # noqa: E402
from harness import (Failure, Runner, Server, ServerError, Skip,  # noqa
                     check, client_context, fetch, binary_from_argv,
                     repo_root)

LOCAL = "127.0.0.1"
FIXTURE = os.path.join(repo_root(), "tests", "fixtures", "site")
GEMTEXT = "text/gemini; lang=en"

# Under AddressSanitizer (make check-asan sets SANITIZED=1) the resident
# size is mostly the allocator's quarantine: memory bounds are not checked.
SANITIZED = bool(os.environ.get("SANITIZED"))

SANITIZER_RE = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|"
                          r"runtime error:|UndefinedBehaviorSanitizer|"
                          r"SUMMARY: \w+Sanitizer|"
                          r"Sanitizer has encountered a fatal error|"
                          r"LeakSanitizer does not work")


# ---------------------------------------------------------------- server

STARTED = []  # every RServer made, for the sanitizer scan at the end


class RServer(Server):
    """harness.Server, plus the Gopher port and /proc readings."""

    def __init__(self, binary, content, timeout=1, extra_args=(),
                 cert_dir=None):
        Server.__init__(self, binary, content, timeout=timeout,
                        extra_args=root_args(binary) + list(extra_args),
                        cert_dir=cert_dir)
        self.gopher_port = None
        self.exit_status = None
        STARTED.append(self)

    def start(self, deadline=20.0):
        Server.start(self, deadline)
        # harness.Server waits for " serving ", which a build that logs
        # "warning: serving as root" prints before it loads: wait for the
        # real "serving ROOT: N posts" line, or a signal sent next may
        # come before the handlers are in place
        if not self.wait_log(r"\d\dZ serving .*: \d+ posts?",
                             deadline=deadline):
            self.stop()
            raise ServerError("no 'serving ROOT: N posts' line; stderr:\n%s"
                              % "\n".join(self.snapshot_lines()[-20:]))
        pat = re.compile(r"listening gopher 127\.0\.0\.1 (\d+)\s*$")
        for line in self.snapshot_lines():
            m = pat.search(line)
            if m:
                self.gopher_port = int(m.group(1))
        if self.gopher_port is None:
            self.stop()
            raise ServerError("no 'listening gopher 127.0.0.1 PORT' line")
        return self

    @property
    def pid(self):
        return self.proc.pid

    def fds(self):
        return fd_count(self.proc.pid)

    def rss(self):
        return rss_kb(self.proc.pid)

    def stop(self):
        self.exit_status = Server.stop(self)
        return self.exit_status

    def port_of(self, proto):
        return self.port if proto == "gemini" else self.gopher_port

    def lines_since(self, n):
        return self.snapshot_lines()[n:]

    def wait_log(self, regex, start=0, count=1, deadline=5.0):
        """Waits until `count` stderr lines from index `start` on match
        regex; returns the matching lines (maybe fewer, at the deadline)."""
        r = re.compile(regex)

        def pred(lines):
            got = [l for l in lines[start:] if r.search(l)]
            return got if len(got) >= count else None
        got = self.wait_for_lines(pred, deadline)
        if got:
            return got
        return [l for l in self.snapshot_lines()[start:] if r.search(l)]


def root_args(binary):
    """A build that refuses to serve as root unless told: tell it, when
    the tests run as root (they need no other user)."""
    if os.geteuid() == 0 and harness.supports_option(binary, "--allow-root"):
        return ["--allow-root"]
    return []


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def wait_fds(srv, at_most, deadline=5.0):
    """The server's descriptor count once it is at most at_most (lingering
    connections close on their own), or the last count at the deadline."""
    end = time.monotonic() + deadline
    n = srv.fds()
    while n > at_most and time.monotonic() < end:
        time.sleep(0.1)
        n = srv.fds()
    return n


def exit_tail(srv, n=6):
    """The last stderr lines but access-log ones: why a server exited."""
    rest = [l for l in srv.snapshot_lines()
            if not re.match(r"^\S+ (gemini|gopher) ", l)]
    return " | ".join(rest[-n:])


def sanitizer_lines(lines):
    return [l for l in lines if SANITIZER_RE.search(l)]


# ---------------------------------------------------------------- clients

class Reply:
    """What came back on one connection.

    data: every application byte; end: "eof" (a clean close: FIN, or
    close_notify for TLS), "reset", "timeout", "tls-eof" (TCP close
    without close_notify), "tls-error: ..." or "send failed: ...";
    t_end: seconds from the last byte we sent (or the connect) to the end."""

    def __init__(self, request=b""):
        self.request = request
        self.data = b""
        self.end = None
        self.t_end = None
        self.elapsed = 0.0
        self.tls_version = None

    @property
    def header(self):
        i = self.data.find(b"\r\n")
        return None if i < 0 else self.data[:i].decode("utf-8", "replace")

    @property
    def status(self):
        h = self.header
        m = re.match(r"^(\d\d) ", h or "")
        return int(m.group(1)) if m else None

    @property
    def body(self):
        i = self.data.find(b"\r\n")
        return b"" if i < 0 else self.data[i + 2:]

    def describe(self):
        d = self.data
        shown = repr(d[:100]) + ("...(%d bytes)" % len(d) if len(d) > 100
                                 else "")
        t = "" if self.t_end is None else " after %.2fs" % self.t_end
        return "got %s, end=%s%s" % (shown, self.end, t)


def _recv_loop(s, reply, t0, limit=None, tls=False):
    buf = bytearray()
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            reply.end = "timeout"
            break
        except ssl.SSLEOFError:
            reply.end = "tls-eof"
            break
        except ssl.SSLError as e:
            reply.end = "tls-error: %s" % e.reason
            break
        except ConnectionResetError:
            reply.end = "reset"
            break
        except OSError as e:
            reply.end = "error: %s" % e
            break
        if not chunk:
            reply.end = "eof"
            break
        buf += chunk
        if limit is not None and len(buf) >= limit:
            reply.end = "limit"
            break
    reply.t_end = time.monotonic() - t0
    reply.data = bytes(buf)


def _sock(port, timeout, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((LOCAL, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def reset_close(s):
    """Closes with SO_LINGER 0: the peer gets an RST, not a FIN."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
    except OSError:
        pass
    s.close()


def tcp(port, data=b"", timeout=5.0, chunks=None, gap=0.0, half_close=False,
        limit=None, rcvbuf=None):
    """Plain TCP: sends data (or each of chunks, gap seconds apart), reads
    to the end. t_end counts from the last byte sent."""
    reply = Reply(data if chunks is None else b"".join(chunks))
    t0 = time.monotonic()
    s = _sock(port, timeout, rcvbuf)
    try:
        try:
            for i, c in enumerate([data] if chunks is None else chunks):
                if i and gap:
                    time.sleep(gap)
                if c:
                    s.sendall(c)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except OSError as e:
            reply.end = "send failed: %s" % e
        t1 = time.monotonic()
        if reply.end is None:
            _recv_loop(s, reply, t1, limit)
        else:
            reply.t_end = 0.0
    finally:
        s.close()
    reply.elapsed = time.monotonic() - t0
    return reply


def gopher(port, request, **kw):
    if isinstance(request, str):
        request = (request + "\r\n").encode("utf-8")
    return tcp(port, request, **kw)


def gemini(port, data, timeout=5.0, chunks=None, gap=0.0, limit=None,
           rcvbuf=None, ctx=None, sni="localhost"):
    """TLS: handshake, sends data (or chunks, each its own record, gap
    seconds apart), reads to the end. end "eof" means close_notify."""
    if isinstance(data, str):
        data = (data + "\r\n").encode("utf-8")
    reply = Reply(data if chunks is None else b"".join(chunks))
    t0 = time.monotonic()
    raw = _sock(port, timeout, rcvbuf)
    try:
        s = (ctx or harness.default_context()).wrap_socket(
            raw, server_hostname=sni, suppress_ragged_eofs=False)
        reply.tls_version = s.version()
        try:
            for i, c in enumerate([data] if chunks is None else chunks):
                if i and gap:
                    time.sleep(gap)
                if c:
                    s.sendall(c)
        except OSError as e:
            reply.end = "send failed: %s" % e
        t1 = time.monotonic()
        if reply.end is None:
            _recv_loop(s, reply, t1, limit, tls=True)
        else:
            reply.t_end = 0.0
        s.close()
    finally:
        raw.close()
    reply.elapsed = time.monotonic() - t0
    return reply


def url(path="/"):
    return "gemini://localhost%s" % path


# ---------------------------------------------------------------- TLS bytes

def client_hello(minv=None, maxv=None):
    """A real ClientHello from the ssl module, as bytes on the wire."""
    ctx = client_context(minv, maxv)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_side=False,
                       server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def crafted_hello(minor):
    """A hand-made ClientHello with legacy_version 3.minor and no
    supported_versions extension: TLS 1.0 (1), 1.1 (2) or 1.2 (3).
    ECDHE-ECDSA and RSA suites, SNI localhost, P-256, sha256 signatures."""
    suites = [0xc02b, 0xc023, 0xc009, 0xc00a, 0xc013, 0xc014, 0x002f,
              0x0035, 0x00ff]
    body = bytes([3, minor]) + bytes(range(32)) + b"\x00"
    body += struct.pack(">H", 2 * len(suites))
    body += b"".join(struct.pack(">H", x) for x in suites) + b"\x01\x00"
    name = b"localhost"
    sni = struct.pack(">HHHBH", 0, len(name) + 5, len(name) + 3, 0,
                      len(name)) + name
    groups = struct.pack(">HHHH", 0x000a, 4, 2, 0x0017)
    points = struct.pack(">HHBB", 0x000b, 2, 1, 0)
    algs = [0x0403, 0x0804, 0x0401, 0x0503]
    sig = struct.pack(">HHH", 0x000d, 2 + 2 * len(algs), 2 * len(algs)) + \
        b"".join(struct.pack(">H", a) for a in algs)
    exts = sni + groups + points + sig
    body += struct.pack(">H", len(exts)) + exts
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs


def tls_records(data):
    """[(type, version, length)] of the TLS records in data, as far as
    they parse."""
    out, i = [], 0
    while i + 5 <= len(data):
        t, v, n = data[i], struct.unpack(">H", data[i + 1:i + 3])[0], \
            struct.unpack(">H", data[i + 3:i + 5])[0]
        out.append((t, v, n, data[i + 5:i + 5 + n]))
        i += 5 + n
    return out


# ---------------------------------------------------------------- trees

def copy_fixture(dest, with_broken=True):
    shutil.copytree(FIXTURE, dest, symlinks=True)
    if not with_broken:
        shutil.rmtree(os.path.join(dest, "posts", "broken"),
                      ignore_errors=True)
    return dest


def post_text(title, date, slug=None, body="Body.\n"):
    fm = "---\ntitle: \"%s\"\ndate: %s\n" % (title, date)
    if slug:
        fm += "slug: %s\n" % slug
    return fm + "---\n" + body


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)


def gen_tree(n, dest, years=None):
    argv = [sys.executable, os.path.join(TESTS, "gen_tree.py"), str(n), dest,
            "--quiet"]
    if years:
        argv += ["--years", years]
    p = subprocess.run(argv, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120)
    if p.returncode != 0:
        raise ServerError("gen_tree.py failed: %s" % p.stdout[-500:])
    return dest


# ---------------------------------------------------------------- metrics

class Metrics:
    """Numbers for run.sh's table, written as JSON to $ROBUSTNESS_METRICS
    (if set) at the end of a file."""

    def __init__(self, name):
        self.name = name
        self.data = {"file": name,
                     "label": os.environ.get("ROBUSTNESS_LABEL") or name,
                     "binary": sys.argv[1] if len(sys.argv) > 1
                     else "./capsuled"}

    def set(self, key, value):
        self.data[key] = value

    def add(self, key, value):
        self.data[key] = self.data.get(key, 0) + value

    def write(self, runner):
        self.data["cases"] = runner.passed + runner.failed
        self.data["passed"] = runner.passed
        self.data["failed"] = runner.failed
        path = os.environ.get("ROBUSTNESS_METRICS")
        if not path:
            return
        try:
            with open(path, "a") as f:
                f.write(json.dumps(self.data) + "\n")
        except OSError:
            pass


def finish(runner, met, tmp=None):
    """The end of every robustness file: stop the servers still running,
    scan every server's stderr for sanitizer reports (one more case, so a
    report fails the file), remove the scratch tree, write the metrics and
    return the exit status."""
    findings = []
    for s in STARTED:
        if s.proc is not None and s.proc.poll() is None:
            s.stop()
        findings += sanitizer_lines(s.snapshot_lines())
    met.set("sanitizer_findings", len(findings))

    def no_findings():
        if findings:
            raise Failure("\n".join(findings[:20]))
    runner.run("no sanitizer report on stderr", no_findings)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    met.write(runner)
    return runner.finish()


def pct(values, p):
    if not values:
        return 0.0
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]
