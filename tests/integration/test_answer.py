#!/usr/bin/env python3
"""`capsuled --answer gemini|gopher ROOT`: one request on stdin, the exact
bytes the server would send on stdout. Each request here is sent to a live
server on the fixture site and given to --answer with the same ports; the
two must be the same bytes (and nothing, with exit status 1, where the
server closes unanswered)."""
import re
import socket
import subprocess
import sys

from harness import (Server, Runner, Failure, check, fetch,
                     binary_from_argv, repo_root)


def gopher_port(srv):
    for line in srv.snapshot_lines():
        m = re.search(r"listening gopher 127\.0\.0\.1 (\d+)$", line)
        if m:
            return int(m.group(1))
    raise Failure("no 'listening gopher' line")


def gopher_raw(port, data, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            return b""
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def main():
    binary = binary_from_argv()
    site = repo_root() + "/tests/fixtures/site"
    srv = Server(binary, site)
    srv.start()
    gp = gopher_port(srv)
    p = srv.port
    r = Runner(deadline=60)

    def oneshot(proto, request):
        proc = subprocess.run(
            [binary, "--host", "localhost", "--gemini-port", str(p),
             "--gopher-port", str(gp), "--answer", proto, site],
            input=request, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            timeout=20)
        return proc.returncode, proc.stdout, proc.stderr

    def same(proto, request, live):
        rc, out, err = oneshot(proto, request)
        check(out == live, "%r: --answer gave %d bytes %r..., the server "
              "%d bytes %r..." % (request[:60], len(out), out[:60],
                                  len(live), live[:60]))
        if live:
            check(rc == 0, "%r: exit status %d" % (request[:60], rc))
        else:
            check(rc == 1 and b"no answer" in err,
                  "%r: unanswered, yet status %d, stderr %r" %
                  (request[:60], rc, err[-200:]))

    gemini = [
        b"gemini://localhost:%d/\r\n" % p,
        b"gemini://localhost/2024/03/second.gmi\r\n",
        b"gemini://localhost:%d/2024\r\n" % p,
        b"gemini://localhost/atom.xml\r\n",
        b"gemini://localhost/search\r\n",
        b"gemini://localhost/search?tokyo\r\n",
        b"gemini://localhost/search?%ff\r\n",
        b"gemini://localhost/nope.gmi\r\n",
        b"gemini://example.com/\r\n",
        b"gemini://localhost:1/\r\n",
        b"https://localhost/\r\n",
        b"gemini://localhost/#x\r\n",
        b"gemini://localhost/\n",
        b"gemini://localhost/" + b"a" * 1010 + b"\r\n",
        b"gemini://localhost/\r\nextra bytes",
    ]
    gopher = [
        b"\r\n",
        b"/\r\n",
        b"/2024\r\n",
        b"/2024/03/second.txt\r\n",
        b"/2023/12/every-line/links/\r\n",
        b"/\t$\r\n",
        b"/search\ttokyo\r\n",
        b"/search\r\n",
        b"URL:https://example.org/a?b&c\r\n",
        b"URL:javascript:alert(1)\r\n",
        b"/nope\r\n",
        b"/a\rb\r\n",
        b"/" + b"a" * 1100,
        b"GET / HTTP/1.0\r\n\r\n",
        b"\x16\x03\x01\x00\x05hello",
        b"/2024",
    ]

    def gemini_same():
        for req in gemini:
            live = fetch(p, req).raw
            check(live, "%r: the server sent nothing" % req[:60])
            same("gemini", req, live)

    def gopher_same():
        for req in gopher:
            same("gopher", req, gopher_raw(gp, req))

    def bad_protocol():
        proc = subprocess.run([binary, "--answer", "http", site],
                              input=b"", stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=20)
        check(proc.returncode == 2 and not proc.stdout,
              "--answer http: status %d" % proc.returncode)

    r.run("gemini: --answer sends the server's bytes", gemini_same)
    r.run("gopher: --answer sends the server's bytes", gopher_same)
    r.run("--answer of an unknown protocol", bad_protocol)
    rc = srv.stop()
    if rc != 0:
        print("FAIL server exit: status %r" % rc)
        r.failed += 1
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
