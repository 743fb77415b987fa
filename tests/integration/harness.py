"""Shared pieces of the integration tests: the server process, a Gemini
client that tells a clean close (close_notify) from a bare TCP close, and a
tiny test runner. Python 3 standard library only."""

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback

DEFAULT_SOCKET_TIMEOUT = 5.0


class ServerError(Exception):
    pass


_HELP = {}


def supports_option(binary, option):
    """Whether `binary --help` mentions option (the CLI grows over time)."""
    if binary not in _HELP:
        try:
            p = subprocess.run([binary, "--help"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=10)
            _HELP[binary] = p.stdout.decode("utf-8", "replace")
        except (OSError, subprocess.TimeoutExpired):
            _HELP[binary] = ""
    return re.search(r"(^|[\s,])%s\b" % re.escape(option),
                     _HELP[binary], re.M) is not None


class Server:
    """One capsuled process on 127.0.0.1, port 0, in a temporary cert dir.

    stderr is read by a thread into self.lines; start() returns once the
    "listening gemini 127.0.0.1 PORT" line is seen (or raises at the
    deadline)."""

    def __init__(self, binary, content_dir, host="localhost", timeout=1,
                 cert_dir=None, extra_args=()):
        self.binary = binary
        self.content_dir = content_dir
        self.host = host
        self.timeout = timeout
        self.own_cert_dir = cert_dir is None
        self.cert_dir = cert_dir or tempfile.mkdtemp(prefix="capsuled-certs-")
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.lines = []
        self.cond = threading.Condition()
        self.reader = None
        self.eof = False

    def start(self, deadline=20.0):
        argv = [self.binary, "--listen", "127.0.0.1", "--gemini-port", "0",
                "--cert-dir", self.cert_dir, "--host", self.host,
                "--timeout", str(self.timeout)]
        if supports_option(self.binary, "--gopher-port"):
            # never the default port 70: parallel runs would collide
            argv += ["--gopher-port", "0"]
        if os.geteuid() == 0 and supports_option(self.binary, "--allow-root"):
            # tests run as root in CI; serving as root must be asked for
            argv += ["--allow-root"]
        if supports_option(self.binary, "--max-per-address"):
            # functional tests make many requests at once from one address;
            # the limits are tested on their own, with their own settings
            argv += ["--max-per-address", "0", "--rate", "0"]
        argv += self.extra_args + [self.content_dir]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.reader = threading.Thread(target=self._read_stderr, daemon=True)
        self.reader.start()
        pat = re.compile(r"listening gemini 127\.0\.0\.1 (\d+)\s*$")
        end = time.monotonic() + deadline
        with self.cond:
            while True:
                for line in self.lines:
                    m = pat.search(line)
                    if m:
                        self.port = int(m.group(1))
                        break
                if self.port is not None:
                    break
                if self.eof or self.proc.poll() is not None:
                    raise ServerError("capsuled exited before listening "
                                      "(status %r); stderr:\n%s" %
                                      (self.proc.poll(),
                                       "\n".join(self.lines[-20:])))
                left = end - time.monotonic()
                if left <= 0:
                    raise ServerError("no 'listening gemini' line within "
                                      "%.0f s; stderr:\n%s" %
                                      (deadline, "\n".join(self.lines[-20:])))
                self.cond.wait(min(left, 0.5))
            # capsuled binds before it loads the content, and exits if the
            # load fails: wait for "serving ..." (or its exit) as well, so a
            # dead server is reported as such rather than as refused
            # connections. A build that never prints "serving" just costs
            # the wait for it.
            # "serving ROOT: N posts", not "warning: serving as root"
            ready = re.compile(r" serving .*: \d+ posts")
            while not any(ready.search(l) for l in self.lines):
                if self.eof or self.proc.poll() is not None:
                    raise ServerError("capsuled exited after listening "
                                      "(status %r); stderr:\n%s" %
                                      (self.proc.poll(),
                                       "\n".join(self.lines[-20:])))
                left = end - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(min(left, 0.5))
        return self

    def _read_stderr(self):
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def snapshot_lines(self):
        with self.cond:
            return list(self.lines)

    def wait_for_lines(self, predicate, deadline):
        """Waits until predicate(lines) is true; returns the last value."""
        end = time.monotonic() + deadline
        with self.cond:
            while True:
                v = predicate(self.lines)
                if v or self.eof:
                    return v
                left = end - time.monotonic()
                if left <= 0:
                    return v
                self.cond.wait(min(left, 0.2))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM by PID, wait, SIGKILL if needed. Returns the exit status."""
        rc = None
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    os.kill(self.proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    rc = self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.kill(self.proc.pid, signal.SIGKILL)
                    rc = self.proc.wait(timeout=5)
            else:
                rc = self.proc.returncode
            if self.reader is not None:
                self.reader.join(timeout=2)
            try:
                self.proc.stderr.close()
            except OSError:
                pass
        if self.own_cert_dir:
            shutil.rmtree(self.cert_dir, ignore_errors=True)
        return rc


def client_context(minv=None, maxv=None, ciphers=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if ciphers:
        ctx.set_ciphers(ciphers)
    if minv is not None:
        ctx.minimum_version = minv
    if maxv is not None:
        ctx.maximum_version = maxv
    return ctx


_DEFAULT_CTX = None


def default_context():
    global _DEFAULT_CTX
    if _DEFAULT_CTX is None:
        _DEFAULT_CTX = client_context()
    return _DEFAULT_CTX


class Response:
    """What came back for one request.

    header: the bytes before the first CRLF (None if no CRLF arrived);
    status, meta: parsed from it (meta decoded as UTF-8);
    body: bytes after the header; raw: everything received;
    clean: the stream ended with close_notify (recv gave b'');
    error: how the stream ended otherwise (SSLEOFError, reset, timeout)."""

    def __init__(self, request):
        self.request = request
        self.raw = b""
        self.header = None
        self.status = None
        self.meta = None
        self.body = b""
        self.clean = False
        self.error = None
        self.elapsed = 0.0
        self.tls_version = None

    def parse(self):
        i = self.raw.find(b"\r\n")
        if i < 0:
            return
        self.header = self.raw[:i]
        self.body = self.raw[i + 2:]
        m = re.match(rb"^(\d\d) (.*)$", self.header, re.S)
        if m:
            self.status = int(m.group(1))
            self.meta = m.group(2).decode("utf-8", "replace")

    def text(self):
        return self.body.decode("utf-8")

    def status_line(self):
        if self.header is None:
            return None
        return self.header.decode("utf-8", "replace")

    def describe(self):
        hdr = self.status_line()
        end = "close_notify" if self.clean else (self.error or "?")
        return "header=%r body=%d bytes end=%s" % (hdr, len(self.body), end)


def _read_all(s, resp):
    buf = bytearray()
    while True:
        try:
            chunk = s.recv(65536)
        except ssl.SSLEOFError as e:
            resp.error = "EOF without close_notify (%s)" % e.__class__.__name__
            break
        except ssl.SSLError as e:
            resp.error = "TLS error: %s" % e
            break
        except socket.timeout:
            resp.error = "client timeout waiting for data"
            break
        except ConnectionResetError:
            resp.error = "connection reset"
            break
        except OSError as e:
            resp.error = "socket error: %s" % e
            break
        if not chunk:
            resp.clean = True
            break
        buf += chunk
    resp.raw = bytes(buf)
    resp.parse()


def fetch(port, request, ctx=None, timeout=DEFAULT_SOCKET_TIMEOUT,
          sni="localhost", record=None):
    """Sends request (bytes, sent as is) over TLS, reads to the end."""
    if isinstance(request, str):
        request = request.encode("utf-8")
    resp = Response(request)
    t0 = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.settimeout(timeout)
        s = (ctx or default_context()).wrap_socket(
            sock, server_hostname=sni, suppress_ragged_eofs=False)
        try:
            resp.tls_version = s.version()
            try:
                s.sendall(request)
            except (BrokenPipeError, ConnectionResetError) as e:
                resp.error = "send failed: %s" % e
            _read_all(s, resp)
        finally:
            s.close()
    finally:
        sock.close()
    resp.elapsed = time.monotonic() - t0
    if record is not None:
        record.append(resp)
    return resp


def fetch_half_close(port, request, tcp_shutdown=False, ctx=None,
                     timeout=DEFAULT_SOCKET_TIMEOUT, record=None):
    """Sends the request, then close_notify at once (and, if tcp_shutdown,
    shuts down the TCP write side too), then reads the answer. Uses memory
    BIOs so the TLS half-close is under our control."""
    if isinstance(request, str):
        request = request.encode("utf-8")
    resp = Response(request)
    ctx = ctx or default_context()
    t0 = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.settimeout(timeout)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_side=False,
                       server_hostname="localhost")

    def flush():
        data = out.read()
        if data:
            sock.sendall(data)

    def fill():
        d = sock.recv(65536)
        if not d:
            inc.write_eof()
            return False
        inc.write(d)
        return True

    try:
        while True:
            try:
                obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                flush()
                if not fill():
                    resp.error = "EOF during handshake"
                    return resp
        flush()
        resp.tls_version = obj.version()
        obj.write(request)
        try:
            obj.unwrap()
        except ssl.SSLWantReadError:
            pass
        flush()
        if tcp_shutdown:
            sock.shutdown(socket.SHUT_WR)
        buf = bytearray()
        while True:
            try:
                chunk = obj.read(65536)
            except ssl.SSLWantReadError:
                try:
                    more = fill()
                except socket.timeout:
                    resp.error = "client timeout waiting for data"
                    break
                except ConnectionResetError:
                    resp.error = "connection reset"
                    break
                continue
            except ssl.SSLZeroReturnError:
                resp.clean = True
                break
            except ssl.SSLEOFError:
                resp.error = "EOF without close_notify"
                break
            except ssl.SSLError as e:
                resp.error = "TLS error: %s" % e
                break
            if not chunk:
                resp.clean = True
                break
            buf += chunk
        resp.raw = bytes(buf)
        resp.parse()
    finally:
        sock.close()
        resp.elapsed = time.monotonic() - t0
        if record is not None:
            record.append(resp)
    return resp


def log_escape(req_line):
    """The request as capsuled's access log writes it (see src/serve/log.c)."""
    out = []
    for c in req_line:
        if c < 0x20 or c >= 0x7F or c in (0x22, 0x5C):
            out.append("\\x%02X" % c)
        else:
            out.append(chr(c))
    return "".join(out)


ACCESS_RE = re.compile(
    r'^\S+ gemini \S+ "((?:[^"\\]|\\x[0-9A-F]{2})*)" (\d+|-) (\d+) '
    r'[0-9.]+ms(?: (.*))?$')


def parse_access(lines):
    """(request as logged, status string, bytes, note) per access line."""
    out = []
    for line in lines:
        m = ACCESS_RE.match(line)
        if m:
            out.append((m.group(1), m.group(2), int(m.group(3)),
                        m.group(4)))
    return out


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def expect_header(resp, status, meta, what=None):
    """Asserts the status line exactly."""
    want = "%d %s" % (status, meta)
    got = resp.status_line()
    if got != want:
        raise Failure("%s: expected %r, got %s" % (
            what or resp.request[:80], want, resp.describe()))


class Runner:
    def __init__(self, deadline=None, emit=None):
        self.emit = emit or (lambda line: print(line, flush=True))
        self.passed = 0
        self.failed = 0
        self.t0 = time.monotonic()
        self.deadline = deadline

    def run(self, name, fn, *args):
        if self.deadline is not None and \
                time.monotonic() - self.t0 > self.deadline:
            self.failed += 1
            self.emit("FAIL %s: not run, the file is over its %d s budget"
                      % (name, self.deadline))
            return
        t = time.monotonic()
        try:
            fn(*args)
        except Skip as e:
            self.passed += 1
            self.emit("ok %s # SKIP %s" % (name, e))
            return
        except Failure as e:
            self.failed += 1
            self.emit("FAIL %s: %s" % (name, e))
            return
        except Exception as e:  # a crash in a test is a failure too
            self.failed += 1
            tb = traceback.format_exc().strip().splitlines()
            where = tb[-3].strip() if len(tb) >= 3 else ""
            self.emit("FAIL %s: %s: %s [%s]" % (name, e.__class__.__name__,
                                                e, where))
            return
        self.passed += 1
        dt = time.monotonic() - t
        self.emit("ok %s%s" % (name, " (%.1fs)" % dt if dt >= 1 else ""))

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 1 if self.failed else 0


def binary_from_argv():
    b = sys.argv[1] if len(sys.argv) > 1 else "./capsuled"
    if not os.path.isfile(b) or not os.access(b, os.X_OK):
        print("FAIL setup: no executable capsuled at %r" % b)
        print("0 passed, 1 failed")
        sys.exit(1)
    return os.path.abspath(b)


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
