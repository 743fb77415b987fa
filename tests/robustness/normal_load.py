#!/usr/bin/env python3
"""Normal clients, in a process of their own so that the test process's
own work (1,000 sockets in one Python loop) does not show up as server
latency.

usage: normal_load.py GEMINI_PORT GOPHER_PORT SECONDS THREADS

THREADS threads fetch /2024/03/second.gmi and /2024/03/second.txt in turn
(10 ms apart) for SECONDS, or until stdin closes; prints one JSON object:
{"lat": [seconds...], "start": [CLOCK_MONOTONIC of each...],
"bad": [descriptions...]}.
"""

import json
import os
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rlib  # noqa: E402


def main():
    gport, pport, secs, nthreads = (int(sys.argv[1]), int(sys.argv[2]),
                                    float(sys.argv[3]), int(sys.argv[4]))
    stop = threading.Event()
    lat, starts, bad, lock = [], [], [], threading.Lock()
    end = time.monotonic() + min(secs, 60)

    def worker(k):
        i = k
        while not stop.is_set() and time.monotonic() < end:
            i += 1
            t0 = time.monotonic()
            try:
                if i % 2:
                    r = rlib.gemini(gport, "gemini://localhost/2024/03/"
                                    "second.gmi")
                    ok = r.status == 20 and r.end == "eof"
                else:
                    r = rlib.gopher(pport, "/2024/03/second.txt")
                    ok = r.end == "eof" and b"Second post" in r.data
                what = None if ok else r.describe()
            except OSError as e:
                what = "exception: %s" % e
            dt = time.monotonic() - t0
            with lock:
                lat.append(dt)
                starts.append(t0)
                if what:
                    bad.append(what)
            time.sleep(0.01)

    def watch_stdin():
        try:
            sys.stdin.read()
        except OSError:
            pass
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    threads = [threading.Thread(target=worker, args=(k,), daemon=True)
               for k in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(secs + 30)
    print(json.dumps({"lat": lat, "start": starts, "bad": bad[:20],
                      "nbad": len(bad)}))


if __name__ == "__main__":
    main()
