#!/usr/bin/env python3
"""bench/report.py DIR [SECONDS]: the table of bench/run.sh's results.

Reads DIR/results.txt (one loadgen line per run), DIR/syscalls.txt and
DIR/speed.txt, and prints medians over the repetitions with their spread
(min-max), and ratios computed repetition by repetition (then their
median and spread), against the issue's targets.
"""
import os
import re
import statistics
import sys

d = sys.argv[1]
took = sys.argv[2] if len(sys.argv) > 2 else "?"


def parse(line):
    return dict(kv.split("=", 1) for kv in line.split() if "=" in kv)


runs = {}  # label -> list of dicts, in order (one per repetition)
for line in open(os.path.join(d, "results.txt")):
    r = parse(line)
    if "label" in r:
        runs.setdefault(r["label"], []).append(r)


def vals(label, key):
    return [float(r[key]) for r in runs.get(label, []) if float(r["ok"]) > 0]


def med(v):
    return statistics.median(v) if v else float("nan")


def spread(v, fmt="%.0f"):
    if not v:
        return "-"
    return (fmt + "-" + fmt) % (min(v), max(v))


def ratio(a, b, key="srv_cpu_us"):
    va, vb = vals(a, key), vals(b, key)
    rs = [x / y for x, y in zip(va, vb) if y > 0]
    return rs


def row(cells, widths):
    return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"


print()
print("## Server CPU per request (µs), median of %d repetitions [min-max]"
      % max((len(v) for v in runs.values()), default=0))
print()
w = [34, 20, 8, 10, 10, 10, 10, 10]
print(row(["server : load", "CPU µs/req", "resumed", "p50 ms", "p99 ms",
           "p99/p50", "req/s", "core busy"], w))
print(row(["-" * x for x in w], w))
order = []
for mode in ("gemini-none", "gemini-tls13", "gemini-tls12"):
    for s in ("capsuled", "molly", "floor_tls"):
        order.append("%s:%s" % (s, mode))
order += ["capsuled:gopher", "floor_tcp:gopher", "gophernicus:gopher"]
order += [l for l in runs if "tail" in l]
for label in order:
    if label not in runs:
        continue
    cpu = vals(label, "srv_cpu_us")
    p50 = vals(label, "p50_us")
    p99 = vals(label, "p99_us")
    rps = vals(label, "rps")
    res = [float(r["resumed"]) / max(1.0, float(r["ok"]))
           for r in runs[label]]
    tail = [b / a for a, b in zip(p50, p99) if a > 0]
    # The share of one core the server used: CPU per answer x answers/s.
    busy = [c * r / 1e6 for c, r in zip(cpu, rps)]
    fails = sum(int(r["failed"]) for r in runs[label])
    print(row([label + (" (%d failed)" % fails if fails else ""),
               "%.0f [%s]" % (med(cpu), spread(cpu)),
               "%.0f%%" % (100 * med(res)),
               "%.1f" % (med(p50) / 1e3), "%.1f" % (med(p99) / 1e3),
               "%.1f" % med(tail), "%.0f" % med(rps),
               "%.2f" % med(busy)], w))

print()
print("## Ratios of server CPU per request (per repetition: median [min-max])")
print()
w2 = [48, 22, 14]
print(row(["ratio", "measured", "target"], w2))
print(row(["-" * x for x in w2], w2))
for a, b, target in (
        ("capsuled:gemini-none", "molly:gemini-none", "<= 0.8"),
        ("capsuled:gemini-none", "floor_tls:gemini-none", "<= 0.8"),
        ("capsuled:gemini-tls13", "molly:gemini-tls13", ""),
        ("capsuled:gemini-tls13", "floor_tls:gemini-tls13", ""),
        ("capsuled:gemini-tls12", "molly:gemini-tls12", ""),
        ("capsuled:gemini-tls12", "floor_tls:gemini-tls12", ""),
        ("capsuled:gopher", "floor_tcp:gopher", "<= 1.2"),
        ("gophernicus:gopher", "capsuled:gopher", ">= 90")):
    rs = ratio(a, b)
    if rs:
        print(row(["%s / %s" % (a, b), "%.2f [%s]" % (med(rs),
                   spread(rs, "%.2f")), target], w2))

print()
print("## Absolute targets")
print()
for label, target in (("capsuled:gemini-none", 500),
                      ("capsuled:gemini-tls13", 350),
                      ("capsuled:gemini-tls12", 150)):
    v = med(vals(label, "srv_cpu_us"))
    if v == v:
        print("- %s: %.0f µs/req, target <= %d: %s" %
              (label, v, target, "met" if v <= target else
               "missed by %.0f%%" % (100 * (v / target - 1))))
for label in [l for l in runs if "tail" in l]:
    p50, p99 = vals(label, "p50_us"), vals(label, "p99_us")
    t = med([b / a for a, b in zip(p50, p99) if a > 0])
    print("- %s: p99/p50 = %.1f, target <= 2: %s" %
          (label, t, "met" if t <= 2 else "missed"))

free = [l for l in runs if "-free" in l]
if free:
    print()
    print("## Cores: 1 and 2 workers, server and load generator unpinned")
    print()
    w3 = [36, 12, 14, 12]
    print(row(["capsuled : load (64 clients)", "req/s", "CPU µs/req",
               "cores busy"], w3))
    print(row(["-" * x for x in w3], w3))
    for label in sorted(free, key=lambda l: (l.split(":")[1], l)):
        cpu, rps = vals(label, "srv_cpu_us"), vals(label, "rps")
        busy = [c * r / 1e6 for c, r in zip(cpu, rps)]
        print(row([label, "%.0f" % med(rps), "%.0f" % med(cpu),
                   "%.2f" % med(busy)], w3))

sat = [l for l in runs if l.endswith("-sat")]
if sat:
    print()
    print("## Saturation: one worker pinned, large answers discarded unread")
    print()
    w4 = [36, 12, 12, 14, 12]
    print(row(["capsuled : load", "KB/answer", "req/s", "CPU µs/req",
               "core busy"], w4))
    print(row(["-" * x for x in w4], w4))
    for label in sorted(sat):
        cpu, rps = vals(label, "srv_cpu_us"), vals(label, "rps")
        busy = [c * r / 1e6 for c, r in zip(cpu, rps)]
        kb = med([float(r["bytes"]) / float(r["ok"]) / 1024
                  for r in runs[label] if float(r["ok"]) > 0])
        print(row([label, "%.0f" % kb, "%.0f" % med(rps),
                   "%.0f" % med(cpu), "%.2f [%s]" % (med(busy),
                                                   spread(busy, "%.2f"))],
                  w4))

tp = os.path.join(d, "threads.txt")
if free and os.path.exists(tp):
    print()
    print("CPU ticks per thread over those runs (control thread first):")
    print()
    for line in open(tp):
        if line.strip():
            print("- " + line.strip())

sp = os.path.join(d, "syscalls.txt")
if os.path.exists(sp) and os.path.getsize(sp):
    print()
    print("## System calls per request (perf raw_syscalls:sys_enter, one run)")
    print()
    for line in open(sp):
        r = parse(line)
        label = line.split()[0]
        try:
            n = float(r["calls"]) / float(r["ok"])
            print("- %s: %.1f" % (label, n))
        except (KeyError, ValueError, ZeroDivisionError):
            print("- %s: not counted" % label)

sp = os.path.join(d, "speed.txt")
if os.path.exists(sp):
    print()
    print("## Crypto floor (openssl speed -seconds 2 ecdsap256 ecdhx25519)")
    print()
    for line in open(sp):
        m = re.match(r"\s*256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+(\S+)"
                     r"\s+(\S+)", line)
        if m:
            print("- ECDSA P-256 sign %.1f µs, verify %.1f µs" %
                  (1e6 / float(m.group(1)), 1e6 / float(m.group(2))))
        m = re.match(r"\s*253 bits ecdh \(X25519\)\s+\S+\s+(\S+)", line)
        if m:
            x = 1e6 / float(m.group(1))
            print("- X25519 key agreement %.1f µs (a full handshake's "
                  "server share: keygen + agreement, about %.0f µs)" % (x, 2 * x))
print()
print("(run took %s s)" % took)
