#!/usr/bin/env python3
"""The summary table of tests/robustness/run.sh.

usage: summary.py METRICS_FILE FUZZ_DIR

METRICS_FILE holds one JSON object per test file run (see rlib.Metrics);
FUZZ_DIR is build/fuzz, whose TARGET.log files (libFuzzer output) give
the executions of the last fuzz run, if there was one."""

import glob
import json
import os
import re
import sys
import time


def load(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass
    except OSError:
        pass
    return out


def kb(v):
    return "-" if v is None else "%.1f MB" % (v / 1024.0)


def val(v):
    return "-" if v is None else str(v)


def table(rows, head):
    w = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = lambda r: "  ".join(str(c).ljust(w[i]) if i == 0 else
                               str(c).rjust(w[i]) for i, c in enumerate(r))
    print(line(head))
    print("  ".join("-" * x for x in w))
    for r in rows:
        print(line(r))


def main():
    runs = load(sys.argv[1])
    fuzz_dir = sys.argv[2] if len(sys.argv) > 2 else "build/fuzz"
    print()
    print("robustness summary")
    print()
    rows = []
    cwd = os.getcwd()
    for m in runs:
        b = os.path.normpath(m.get("binary", "?"))
        if b.startswith(cwd + os.sep):
            b = os.path.relpath(b, cwd)
        rows.append([m.get("label", m.get("file")), b,
                     val(m.get("cases")), val(m.get("passed")),
                     val(m.get("failed")),
                     val(m.get("sanitizer_findings"))])
    if rows:
        table(rows, ["suite", "binary", "cases", "passed", "failed",
                     "sanitizer"])
    print()
    res = []
    for m in runs:
        lab = m.get("label", m.get("file"))
        if "fd_before" in m:
            res.append([lab + ": fixture server, %s malformed cases"
                        % m.get("table_cases", "?"),
                        val(m.get("fd_before")), val(m.get("fd_after")),
                        kb(m.get("rss_before_kb")),
                        kb(m.get("rss_after_kb"))])
        if "big_fd_before" in m:
            res.append([lab + ": 10k-post server, %s stuck readers "
                        "(peak %s)" % (val(m.get("stuck_clients")),
                                       kb(m.get("stuck_rss_peak_kb"))),
                        val(m.get("big_fd_before")),
                        val(m.get("big_fd_after")),
                        kb(m.get("big_rss_before_kb")),
                        kb(m.get("big_rss_after_kb"))])
        if "trickle_fd_before" in m:
            waves = m.get("trickle_rss_waves_kb") or []
            res.append([lab + ": %s tricklers, %d waves" % (
                val(m.get("tricklers")), max(0, len(waves) - 1)),
                val(m.get("trickle_fd_before")),
                val(m.get("trickle_fd_after")),
                kb(m.get("trickle_rss_before_kb")),
                kb(waves[-1] if waves else m.get("trickle_rss_after_kb"))])
        if "reload_fd_before" in m:
            res.append([lab + ": %s requests over %s reloads"
                        % (val(m.get("reload_requests")),
                           val(m.get("reload_count"))),
                        val(m.get("reload_fd_before")),
                        val(m.get("reload_fd_after")),
                        kb(m.get("reload_rss_steady_kb")),
                        kb(m.get("reload_rss_after_kb"))])
    if res:
        table(res, ["server state", "fds before", "fds after",
                    "VmRSS before", "VmRSS after"])
        print()
    for m in runs:
        if "trickle_p99_ms" in m:
            print("trickle (%s): %s normal requests, p50 %s ms, p99 %s ms; "
                  "%s/%s tricklers dropped, the last after %s s"
                  % (m.get("label", m.get("file")),
                     val(m.get("trickle_normal_requests")),
                     val(m.get("trickle_p50_ms")),
                     val(m.get("trickle_p99_ms")),
                     val(m.get("trickle_dropped")), val(m.get("tricklers")),
                     val(m.get("trickle_drop_max_s"))))
        if "trickle_rss_waves_kb" in m:
            print("VmRSS before and after each trickle wave: %s"
                  % ", ".join(kb(x) for x in m["trickle_rss_waves_kb"]))
        if "sigterm_drain_s" in m:
            print("SIGTERM: slow readers finished %s s after it; a second "
                  "SIGTERM ended a drain in %s s"
                  % (val(m.get("sigterm_drain_s")),
                     val(m.get("second_sigterm_exit_s"))))
        if "flood_reloads" in m:
            print("SIGHUP flood (%s): %s SIGHUPs made %s reloads (one alone "
                  "%s s); SIGTERM after it: exit in %s s; during the first "
                  "load: %s s; RLIMIT_NOFILE 64: max_connections %s"
                  % (m.get("label", m.get("file")),
                     val(m.get("flood_signals")), val(m.get("flood_reloads")),
                     val(m.get("reload_seconds")),
                     val(m.get("sigterm_after_flood_seconds")),
                     val(m.get("first_load_stop_seconds")),
                     val(m.get("nofile_cap"))))
    for m in runs:  # test_floods.py
        if "paced_gopher_bytes" in m:
            print("paced readers at 400 kbit/s (%s): Gopher %s bytes in %s s,"
                  " Gemini %s bytes in %s s; a 100 B/s reader cut after %s s"
                  " with %s bytes" % (
                      m.get("label", m.get("file")),
                      val(m.get("paced_gopher_bytes")),
                      val(m.get("paced_gopher_seconds")),
                      val(m.get("paced_gemini_bytes")),
                      val(m.get("paced_gemini_seconds")),
                      val(m.get("slow_reader_seconds")),
                      val(m.get("slow_reader_bytes"))))
        if "stalled_rss_holding_kb" in m:
            print("1024 stalled readers: VmRSS %s before, %s holding, %s "
                  "after they left" % (kb(m.get("stalled_rss_before_kb")),
                                       kb(m.get("stalled_rss_holding_kb")),
                                       kb(m.get("stalled_rss_after_kb"))))
        if "flood_normal_requests" in m:
            print("silent flood: %s connections opened; %s of %s normal "
                  "requests failed; refusals: %s in %s log lines"
                  % (val(m.get("flood_opened")),
                     val(m.get("flood_normal_failed")),
                     val(m.get("flood_normal_requests")),
                     val(m.get("refusals")), val(m.get("refusal_lines"))))
    logs = sorted(glob.glob(os.path.join(fuzz_dir, "*.log")))
    fz = []
    for path in logs:
        try:
            with open(path, errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        m = re.findall(r"Done (\d+) runs in (\d+) second", text)
        if not m:
            m2 = re.findall(r"^#(\d+)\s", text, re.M)
            if not m2:
                continue
            m = [(m2[-1], "?")]
        crash = "crash" if re.search(r"ERROR: (libFuzzer|AddressSanitizer|"
                                     r"UndefinedBehaviorSanitizer)|"
                                     r"runtime error:", text) else "clean"
        fz.append([os.path.basename(path)[:-4], m[-1][0], m[-1][1], crash,
                   time.strftime("%Y-%m-%d %H:%M",
                                 time.gmtime(os.path.getmtime(path)))])
    print()
    if fz:
        crashes = glob.glob(os.path.join(fuzz_dir, "crashes", "*"))
        table(fz, ["fuzz target (%s)" % fuzz_dir, "executions", "seconds",
                   "result", "log time (UTC)"])
        print("saved crash inputs in %s/crashes: %d" % (fuzz_dir,
                                                        len(crashes)))
    else:
        print("fuzz: no logs in %s (run make fuzz)" % fuzz_dir)


if __name__ == "__main__":
    main()
