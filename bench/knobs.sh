#!/bin/sh
# bench/knobs.sh: one TLS or TCP knob at a time, measured on the floors
# (bench/floor_tls.c, bench/floor_tcp.c), so a change proposed for
# capsuled comes with a number. Loopback only; run as root or not.
#
#   sh bench/knobs.sh [REPS [N]]     (defaults 3 and 2000)
#
# Prints, per variant, the median server CPU per request over REPS runs
# of N requests with 16 clients, full handshakes and TLS 1.3 resumption,
# and system calls per request when perf can count them.
# (SSL_CTX_set_read_ahead is not among them: with libevent's OpenSSL
# bufferevents it stalls connections, floor_tls -A shows it.)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPS=${1:-3} N=${2:-2000}
W=$(mktemp -d "${TMPDIR:-/tmp}/capsuled-knobs.XXXXXX")
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT INT TERM
L=$(pkg-config --cflags --libs openssl libevent libevent_openssl)
for t in loadgen floor_tls floor_tcp; do
	cc -O2 -std=c11 -w -o "$W/$t" "$ROOT/bench/$t.c" $L
done
"$ROOT/capsuled" --export "$W/export" "$ROOT/capsule" >/dev/null
PAGE=/2013/08/proletarian-internationalism-of-north-korea
port=12960
run_tls() { # label flags...
	label=$1; shift
	port=$((port + 1))
	taskset -c 1 "$W/floor_tls" -p $port -f "$W/export/gemini$PAGE.gmi" "$@" &
	pid=$!; PIDS="$PIDS $pid"; sleep 0.3
	for mode in none tls13; do
		i=0
		while [ $i -lt "$REPS" ]; do
			taskset -c 0 "$W/loadgen" -m gemini -p $port -n "$N" -r $mode \
			    -P $pid -l "$label:$mode" \
			    -u "gemini://localhost$PAGE.gmi" || true
			i=$((i + 1))
		done
		if perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1; then
			perf stat -x, -e raw_syscalls:sys_enter -p $pid -o "$W/p" -- \
			    taskset -c 0 "$W/loadgen" -m gemini -p $port -n 500 \
			    -r $mode -l "$label:$mode:sys" \
			    -u "gemini://localhost$PAGE.gmi" >/dev/null || true
			echo "label=$label:$mode:sys calls=$(awk -F, '/raw/ {print $1}' "$W/p") ok=500"
		fi
	done
	kill $pid
}
run_tcp() { # label flags...
	label=$1; shift
	port=$((port + 1))
	taskset -c 1 "$W/floor_tcp" -p $port -f "$W/export/gopher$PAGE.txt" "$@" &
	pid=$!; PIDS="$PIDS $pid"; sleep 0.3
	i=0
	while [ $i -lt "$REPS" ]; do
		taskset -c 0 "$W/loadgen" -m gopher -p $port -n $((N * 10)) \
		    -P $pid -l "$label:gopher" -u "$PAGE.txt" || true
		i=$((i + 1))
	done
	kill $pid
}
{
run_tls default
run_tls tickets1 -t 1
run_tls defer -d
run_tls tickets0 -t 0
run_tcp tcp-defer -d 1
run_tcp tcp-nodefer -d 0
} >"$W/out.txt"
python3 - "$W/out.txt" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kv = dict(x.split("=", 1) for x in line.split() if "=" in x)
    rows.setdefault(kv["label"], []).append(kv)
for label, rs in rows.items():
    if label.endswith(":sys"):
        r = rs[0]
        print("%-30s syscalls/req %.1f" % (label, float(r["calls"]) / float(r["ok"])))
        continue
    cpu = [float(r["srv_sched_us"]) for r in rs]
    res = [float(r["resumed"]) / float(r["ok"]) for r in rs]
    print("%-30s cpu/req %6.1f us [%.1f-%.1f]  resumed %3.0f%%" % (
        label, statistics.median(cpu), min(cpu), max(cpu), 100 * statistics.median(res)))
PY
