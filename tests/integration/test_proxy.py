#!/usr/bin/env python3
"""The PROXY protocol (v1 and v2) on proxy_listen addresses, both ports:
the real client address reaches the log, bad or missing headers close the
connection, and plain listeners never read a header."""
import re
import socket
import struct
import sys
import time

from harness import (Server, Runner, Failure, check, default_context,
                     binary_from_argv, repo_root)

V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"
PROXY_ADDR = "127.0.0.2"   # loopback too: nothing leaves the machine


def v2(src, dst, sport, dport, command=0x21):
    body = socket.inet_aton(src) + socket.inet_aton(dst) + \
        struct.pack("!HH", sport, dport)
    return V2_SIG + bytes([command, 0x11]) + struct.pack("!H", len(body)) + body


def gopher_port(srv):
    for line in srv.snapshot_lines():
        m = re.search(r"listening gopher 127\.0\.0\.1 (\d+)$", line)
        if m:
            return int(m.group(1))
    raise Failure("no 'listening gopher' line")


def raw(addr, port, data, timeout=3.0):
    s = socket.create_connection((addr, port), timeout=timeout)
    try:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            return b""  # closed on us already: nothing was served
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


def tls_via_proxy(port, header, request):
    s = socket.create_connection((PROXY_ADDR, port), timeout=3)
    try:
        s.sendall(header)
        t = default_context().wrap_socket(s, server_hostname="localhost")
        t.sendall(request)
        out = b""
        while True:
            chunk = t.recv(65536)
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def logged(srv, client, needle, deadline=3.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        for line in srv.snapshot_lines():
            if (" %s " % client) in line and needle in line:
                return line
        time.sleep(0.05)
    raise Failure("no log line with client %s and %r" % (client, needle))


def main():
    binary = binary_from_argv()
    site = repo_root() + "/tests/fixtures/site"
    srv = Server(binary, site, extra_args=["--proxy-listen", PROXY_ADDR])
    srv.start()
    gp = gopher_port(srv)
    r = Runner(deadline=60)

    def v1_gopher():
        out = raw(PROXY_ADDR, gp, b"PROXY TCP4 203.0.113.9 127.0.0.2 5555 70"
                  b"\r\n/caps.txt\r\n")
        check(out.startswith(b"CAPS"), "no caps.txt: %r" % out[:40])
        logged(srv, "203.0.113.9", '"/caps.txt"')

    def v2_gemini_tls():
        out = tls_via_proxy(srv.port, v2("198.51.100.4", PROXY_ADDR, 4444,
                                         1965),
                            b"gemini://localhost:%d/\r\n" % srv.port)
        check(out.startswith(b"20 text/gemini"), "got %r" % out[:40])
        logged(srv, "198.51.100.4", " 20 ")

    def v2_local_keeps_peer():
        out = raw(PROXY_ADDR, gp, v2("0.0.0.0", "0.0.0.0", 0, 0, 0x20) +
                  b"/robots.txt\r\n")
        check(out.startswith(b"User-agent"), "got %r" % out[:40])

    def header_in_pieces():
        s = socket.create_connection((PROXY_ADDR, gp), timeout=3)
        try:
            for piece in (b"PROXY TCP4 192.0.2", b".77 127.0.0.2 1 70\r",
                          b"\n/robots.txt\r\n"):
                s.sendall(piece)
                time.sleep(0.1)
            out = s.recv(100)
        finally:
            s.close()
        check(out.startswith(b"User-agent"), "got %r" % out[:40])
        logged(srv, "192.0.2.77", '"/robots.txt"')

    def no_header_closed():
        out = raw(PROXY_ADDR, gp, b"/caps.txt\r\n")
        check(out == b"", "a request without a header was served: %r"
              % out[:40])
        logged(srv, "127.0.0.1", "bad PROXY header")

    def bad_header_closed():
        out = raw(PROXY_ADDR, gp, b"PROXY TCP4 999.1.1.1 1.1.1.1 1 2\r\n/\r\n")
        check(out == b"", "served after a bad header: %r" % out[:40])

    def plain_listener_reads_no_header():
        # On the plain address a PROXY line is just a (bad) selector.
        out = raw("127.0.0.1", gp, b"PROXY TCP4 203.0.113.50 127.0.0.1 1 70"
                  b"\r\n")
        check(out.startswith(b"3"), "expected an error item: %r" % out[:40])
        check(not any(" gopher 203.0.113.50 " in l
                      for l in srv.snapshot_lines()),
              "a header on a plain listener was believed")
        logged(srv, "127.0.0.1", '"PROXY TCP4 203.0.113.50')

    def rate_limit_uses_real_address():
        fast = Server(binary, site, extra_args=[
            "--proxy-listen", PROXY_ADDR, "--rate", "1", "--burst", "2",
            "--max-per-address", "10"])
        # the harness turns limits off unless asked: these come after it
        fast.start()
        try:
            port = gopher_port(fast)
            hdr = b"PROXY TCP4 203.0.113.20 127.0.0.2 1 70\r\n"
            outs = [raw(PROXY_ADDR, port, hdr + b"/robots.txt\r\n")
                    for _ in range(3)]
            check(outs[0].startswith(b"User-agent") and
                  outs[2].startswith(b"3Slow down"),
                  "third quick request not slowed: %r" % outs[2][:40])
            other = raw(PROXY_ADDR, port, b"PROXY TCP4 203.0.113.21 "
                        b"127.0.0.2 1 70\r\n/robots.txt\r\n")
            check(other.startswith(b"User-agent"),
                  "another client address was slowed too")
        finally:
            fast.stop()

    r.run("v1 header on the gopher port", v1_gopher)
    r.run("v2 header before TLS on the gemini port", v2_gemini_tls)
    r.run("v2 LOCAL keeps the peer", v2_local_keeps_peer)
    r.run("header arriving in pieces", header_in_pieces)
    r.run("no header on a proxy listener: closed", no_header_closed)
    r.run("malformed header: closed", bad_header_closed)
    r.run("plain listener reads no header", plain_listener_reads_no_header)
    r.run("rate limit counts the real client", rate_limit_uses_real_address)
    rc = srv.stop()
    if rc != 0:
        print("FAIL server exit: status %r" % rc)
        r.failed += 1
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
