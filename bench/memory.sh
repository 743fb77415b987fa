#!/bin/sh
# bench/memory.sh: capsuled's memory against the targets of issue 6:
#
#  1. 10,000 open connections cost at most 16 KiB of resident memory each
#     (idle after the TLS handshake, mid-request, the same for Gopher);
#  2. a 10,000-post capsule loads and renders in under 1 s, and its
#     snapshot takes no more than 3x the tree's size on disk;
#  3. a reload (SIGHUP) does not double peak memory for longer than the
#     swap;
#  5. N_STALL (1,024) clients that stop reading a 57 KB page cost under
#     20 MB, and the memory goes back when they leave (issue 13).
#  6. the peak of a start and of a reload (VmHWM) on two big trees:
#     100,000 tiny posts and four posts of 15 MB (issue 13: a reload's
#     peak is the old snapshot and the new, no more).
#
#   sudo sh bench/memory.sh        # about a minute
#
# Knobs (environment): CAPSULED (./capsuled), N (10000 connections),
# N_STALL (1024 stalled readers in part 5; 0 skips it),
# POSTS (10000), SIZES (the longer posts of part 4, as gen_tree.py's
# --paras ranges: "10-12 60-70"; empty to skip), PEAK_TREES (the trees of part 6: "tiny big",
# empty to skip), OUT (a directory to keep the logs and samples in;
# default: a temporary one, removed). Needs python3 (the tree generator
# and the RSS sampler); uses gdb, when present, to ask glibc for a
# malloc_trim(0) after the reloads (what trimming would give back).
#
# Root: to raise the descriptor limit, and because capsuled is run with
# --allow-root. Everything listens and connects on 127.0.0.1 only, on
# ports the kernel picks; everything started here is stopped by PID.
# Memory is VmRSS from /proc/PID/status.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '%s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
	say "not root: run as root (sudo sh bench/memory.sh): it raises the"
	say "descriptor limit and runs capsuled with --allow-root"
	exit 1
fi
command -v python3 >/dev/null || { say "python3 is missing"; exit 1; }

CAPSULED=${CAPSULED:-./capsuled}
case $CAPSULED in /*) ;; *) CAPSULED=$(pwd)/$CAPSULED ;; esac
[ -x "$CAPSULED" ] || { say "no capsuled at $CAPSULED (make capsuled)"; exit 1; }
N=${N:-10000}
POSTS=${POSTS:-10000}
HOLD=$ROOT/bench/hold

make -C "$ROOT" --no-print-directory bench/hold >/dev/null

W=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/capsuled-mem.XXXXXX")}
mkdir -p "$W"
CAPS="" HOLDP="" SAMPLER=""
cleanup() {
	for p in $HOLDP $SAMPLER $CAPS; do kill "$p" 2>/dev/null || true; done
	for p in $HOLDP $SAMPLER $CAPS; do wait "$p" 2>/dev/null || true; done
	[ -n "${OUT:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Descriptors: 10,000 held sockets and capsuled's own, in both processes.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((N + 200)) ]; then
	say "the descriptor limit ($(ulimit -n)) is too low for N=$N"
	exit 1
fi

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
nfds() { ls "/proc/$1/fd" | wc -l; }
# The log's time (2026-11-28T01:12:38.522Z) as milliseconds.
log_ms() { date -d "$1" +%s%3N; }

# until TENTHS CMD...: runs CMD every 10 ms until it succeeds or TENTHS/10
# seconds pass; the status says which.
until_ok() {
	_n=$(($1 * 10)); shift
	while [ $_n -gt 0 ]; do
		"$@" && return 0
		sleep 0.01
		_n=$((_n - 1))
	done
	return 1
}
# "serving DIR: N posts, N pages" (not "warning: serving as root").
serving() { grep -qE ' serving .*: [0-9]+ posts' "$W/caps.err"; }
caps_alive() { kill -0 "$CAPS" 2>/dev/null; }

# start_caps CONTENT: capsuled on free loopback ports, up to "serving".
start_caps() {
	: >"$W/caps.err"
	T_LAUNCH=$(date +%s%3N)
	"$CAPSULED" --allow-root -l 127.0.0.1 -p 0 -g 0 -C "$W/certs" \
	    --log /dev/null --max-connections 20000 --max-per-address 20000 \
	    --rate 1000000 --burst 1000000 --timeout 120 "$1" \
	    2>>"$W/caps.err" &
	CAPS=$!
	if ! until_ok 300 serving; then
		say "capsuled did not start:"; cat "$W/caps.err" >&2; exit 1
	fi
	GEM_PORT=$(awk '/listening gemini/ { print $NF; exit }' "$W/caps.err")
	GOPH_PORT=$(awk '/listening gopher/ { print $NF; exit }' "$W/caps.err")
}

stop_caps() {
	kill -TERM "$CAPS" 2>/dev/null || true
	# A second signal ends whatever is still open at once.
	until_ok 30 sh -c "! kill -0 $CAPS 2>/dev/null" ||
	    kill -TERM "$CAPS" 2>/dev/null || true
	until_ok 30 sh -c "! kill -0 $CAPS 2>/dev/null" ||
	    kill -KILL "$CAPS" 2>/dev/null || true
	wait "$CAPS" 2>/dev/null || true
	CAPS=""
}

kib_per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", (b - a) / n }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# "met" when the snapshot is within 3x the tree (a ratio from ratio).
within3() { awk -v r="$1" 'BEGIN { print (r <= 3) ? "met" : "missed" }'; }

# ------------------------------------------------ 1. open connections
# One fresh capsuled (the bundled capsule/) per mode, so that memory a
# previous mode freed does not make the next one look cheaper.
RESULTS=$W/results
: >"$RESULTS"
hold_mode() { # MODE gemini|gopher
	start_caps "$ROOT/capsule"
	sleep 0.3
	base=$(rss "$CAPS") fd0=$(nfds "$CAPS")
	port=$GEM_PORT
	[ "$2" = gopher ] && port=$GOPH_PORT
	"$HOLD" -m "$1" -p "$port" -n "$N" -t 60 -h 90 \
	    >"$W/hold.out" 2>"$W/hold.err" &
	HOLDP=$!
	until_ok 650 sh -c "grep -q '^held' '$W/hold.out' || ! kill -0 $HOLDP 2>/dev/null" || true
	ok=1
	grep -q '^held' "$W/hold.out" || ok=0
	# The client's connect can finish before capsuled has accepted.
	until_ok 100 sh -c "[ \$(ls /proc/$CAPS/fd | wc -l) -ge $((fd0 + N)) ]" || ok=0
	sleep 1
	peak=0
	for _ in 1 2 3 4 5; do
		r=$(rss "$CAPS")
		[ "$r" -gt "$peak" ] && peak=$r
		sleep 0.2
	done
	open=$(($(nfds "$CAPS") - fd0))
	kill -TERM "$HOLDP" 2>/dev/null || true
	hs=0; wait "$HOLDP" || hs=$?
	HOLDP=""
	until_ok 100 sh -c "[ \$(ls /proc/$CAPS/fd | wc -l) -le $((fd0 + 2)) ]" || true
	sleep 0.3
	after=$(rss "$CAPS")
	per=$(kib_per "$base" "$peak" "$N")
	verdict=$(awk -v p="$per" 'BEGIN { print (p <= 16) ? "met" : "missed" }')
	[ "$ok" = 1 ] && [ "$hs" = 0 ] || verdict="INCOMPLETE (hold status $hs, $open open)"
	say "  $1 on $2: $open open; RSS $base -> $peak kB, $after kB after close: $per KiB each"
	sed 's/^/    /' "$W/hold.err" >&2
	printf '%s\n' "| $1 ($2) | $base | $peak | $after | $per | $verdict |" >>"$RESULTS"
	stop_caps
}

say "1. $N connections held, one fresh capsuled per mode"
hold_mode tls-idle gemini
hold_mode tls-partial gemini
hold_mode tcp-partial gopher
hold_mode tcp-idle gopher
hold_mode tcp-idle gemini # before any ClientHello: no TLS state yet

# ------------------------------------------------ 2. a big capsule
say "2. a $POSTS-post tree (tests/gen_tree.py)"
python3 "$ROOT/tests/gen_tree.py" "$POSTS" "$W/tree" --seed 20240315 \
    --home-posts 20 --manifest "$W/manifest.json" --quiet
sync # the files just written: the first load should not wait on writeback
TREE=$(du -sb "$W/tree" | awk '{ print $1 }')
# The tree's size on disk has two readings: its bytes (du -sb, the
# verdict here: the stricter one) and the blocks its files take (du -s:
# a 600-byte post takes a 4 KiB block). Both are shown.
TREE_BLK=$(du -sk "$W/tree" | awk '{ print $1 }')
FILES=$(find "$W/tree" -type f | wc -l)
FBYTES=$(find "$W/tree" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')

start_caps "$ROOT/capsule"
sleep 0.5
SMALL=$(rss "$CAPS")
stop_caps

# Three starts (another job on the machine shows as a spread); the RSS
# is the last one's, which then takes the SIGHUPs.
LOADS="" STARTS=""
for run in 1 2 3; do
	start_caps "$W/tree"
	LISTEN_AT=$(awk '/listening gopher/ { print $1 }' "$W/caps.err" | tail -1)
	SERVE_AT=$(awk '/ serving .*: [0-9]+ posts/ { print $1; exit }' "$W/caps.err")
	LOADS="$LOADS $(($(log_ms "$SERVE_AT") - $(log_ms "$LISTEN_AT")))"
	STARTS="$STARTS $(($(log_ms "$SERVE_AT") - T_LAUNCH))"
	grep -q "serving $W/tree: $POSTS posts" "$W/caps.err" ||
	    say "  warning: $(grep -E ' serving .*posts' "$W/caps.err")"
	[ $run = 3 ] || stop_caps
done
median() { printf '%s\n' $* | sort -n | sed -n 2p; }
LOAD_MS=$(median $LOADS) START_MS=$(median $STARTS)
sleep 0.5
BIG=$(rss "$CAPS") BIG_HWM=$(hwm "$CAPS")
GROWTH=$((BIG - SMALL))
RATIO=$(ratio $((GROWTH * 1024)) "$TREE")
FRATIO=$(ratio $((GROWTH * 1024)) "$FBYTES")
BRATIO=$(ratio "$GROWTH" "$TREE_BLK")
say "  $FILES files, $FBYTES bytes in files, $TREE by du -sb"
say "  load (listening -> serving):$LOADS ms; launch -> serving:$STARTS ms"
say "  RSS $SMALL kB (bundled capsule/) -> $BIG kB (peak during load" \
    "$BIG_HWM kB): +$GROWTH kB = ${RATIO}x the tree (${FRATIO}x its files)"

# ------------------------------------------------ 3. reload
say "3. SIGHUP on the $POSTS-post capsule, VmRSS sampled every 2 ms"
python3 - "$CAPS" "$W/caps.err" "$W/reload.csv" >"$W/reload.out" <<'EOF' &
import os, signal, statistics, sys, time

pid, err, csv = int(sys.argv[1]), sys.argv[2], sys.argv[3]

def rss():
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

def reloaded_lines():
    with open(err, errors="replace") as f:
        return sum(1 for l in f if " reloaded: " in l or " reload: " in l)

samples = []  # (t, kB)
t0 = time.monotonic()
def sample_until(cond, limit):
    end = time.monotonic() + limit
    while time.monotonic() < end and not cond():
        samples.append((time.monotonic() - t0, rss()))
        time.sleep(0.002)

def swap(n_before, limit=30):
    start = time.monotonic()
    next_check = [0.0]
    def done():
        now = time.monotonic()
        if now < next_check[0]:
            return False
        next_check[0] = now + 0.02
        return reloaded_lines() > n_before
    sample_until(done, limit)
    return time.monotonic() - start

sample_until(lambda: False, 0.5)
pre = [k for _, k in samples]
base = statistics.median(pre)
res = {}
for r in (1, 2):
    n0 = reloaded_lines()
    t_hup = time.monotonic() - t0
    os.kill(pid, signal.SIGHUP)
    took = swap(n0)
    t_swap = time.monotonic() - t0
    sample_until(lambda: False, 1.5)
    win = [(t, k) for t, k in samples if t >= t_hup]
    above, prev = 0.0, None
    for t, k in win:
        if prev is not None and prev[1] > 1.5 * base:
            above += t - prev[0]
        prev = (t, k)
    tail = [k for t, k in samples if t >= time.monotonic() - t0 - 0.5]
    still = 1 if win[-1][1] > 1.5 * base else 0
    res[r] = dict(peak=max(k for _, k in win), above=above * 1000, still=still,
                  swap=took * 1000, settled=statistics.median(tail))
with open(csv, "w") as f:
    f.write("seconds,vmrss_kb\n")
    for t, k in samples:
        f.write("%.4f,%d\n" % (t, k))
gaps = [b[0] - a[0] for a, b in zip(samples, samples[1:])]
print("BASE=%d" % base)
for r, v in res.items():
    print("PEAK%d=%d ABOVE%d='%.0f ms%s' SWAP%d=%.0f SETTLED%d=%d" % (
        r, v["peak"], r, v["above"],
        " (still above when sampling stopped)" if v["still"] else "",
        r, v["swap"], r, v["settled"]))
print("NSAMPLES=%d GAP_MS=%.1f" % (len(samples), 1000 * statistics.median(gaps)))
EOF
SAMPLER=$!
wait "$SAMPLER" || { SAMPLER=""; say "the sampler failed"; exit 1; }
SAMPLER=""
. "$W/reload.out"
say "  $NSAMPLES samples, one every $GAP_MS ms (median)"
grep -E ' reload(ed)?: ' "$W/caps.err" | sed 's/^/  /' >&2
TRIMMED=""
if command -v gdb >/dev/null; then
	timeout 30 gdb -p "$CAPS" -batch -ex 'call (int) malloc_trim(0)' >/dev/null 2>&1 &&
	    TRIMMED=$(rss "$CAPS") || true
fi
stop_caps

# ------------------------------------------------ 4. longer posts
# The generated posts are short (about 550 bytes a file): each post's
# fixed part (its header, title, date and links to its neighbours in both
# protocols, its entries in the year, month and tag lists, its index
# entries) weighs more than its text. The same dates and titles with
# longer bodies show how the ratio falls as posts grow; 60-70 paragraphs
# is about the seed blog's one post (20 KB).
SIZES=${SIZES-"10-12 60-70"}
SIZE_ROWS=$W/sizes.md
: >"$SIZE_ROWS"
for paras in $SIZES; do
	say "4. $POSTS posts of $paras paragraphs"
	rm -rf "$W/tree"
	python3 "$ROOT/tests/gen_tree.py" "$POSTS" "$W/tree" --seed 20240315 \
	    --home-posts 20 --paras "$paras" --manifest "$W/manifest.json" \
	    --quiet
	sync
	T=$(du -sb "$W/tree" | awk '{ print $1 }')
	TB=$(du -sk "$W/tree" | awk '{ print $1 }')
	start_caps "$W/tree"
	L=$(($(log_ms "$(awk '/ serving .*: [0-9]+ posts/ { print $1; exit }' \
	    "$W/caps.err")") - $(log_ms "$(awk '/listening gopher/ { print $1 }' \
	    "$W/caps.err" | tail -1)")))
	sleep 0.5
	G=$(($(rss "$CAPS") - SMALL))
	stop_caps
	R=$(ratio $((G * 1024)) "$T")
	printf '| %s | %s | %s kB | %s kB | %s ms | +%s kB | %sx | %sx | %s |\n' \
	    "$paras" "$((T / POSTS))" "$((T / 1024))" "$TB" "$L" "$G" "$R" \
	    "$(ratio "$G" "$TB")" "$(within3 "$R")" \
	    >>"$SIZE_ROWS"
done
rm -rf "$W/tree"

# ------------------------------------------------ 5. stalled readers
# Clients that ask for a 57 KB page and never read it (bench/hold.c's
# stall modes: a 2 KB receive buffer, a 1200-byte MSS), N_STALL at once,
# then gone. Target (issue 13): 1,024 of them cost under 20 MB, and the
# memory goes back once they leave. Part of its own: a fresh capsuled on
# a copy of the bundled capsule with one long post added.
N_STALL=${N_STALL:-1024}
STALL_ROWS=$W/stall.md
: >"$STALL_ROWS"
stall_mode() { # MODE REQUEST gemini|gopher
	start_caps "$W/stall"
	port=$GEM_PORT
	[ "$3" = gopher ] && port=$GOPH_PORT
	sleep 1.5 # the start's own memory trimmed
	base=$(rss "$CAPS")
	"$HOLD" -m "$1" -q "$2" -p "$port" -n "$N_STALL" -t 60 -h 90 \
	    >"$W/hold.out" 2>"$W/hold.err" &
	HOLDP=$!
	until_ok 650 sh -c "grep -q '^held' '$W/hold.out' || ! kill -0 $HOLDP 2>/dev/null" || true
	ok=1
	grep -q '^held' "$W/hold.out" || ok=0
	sleep 1
	holding=$(rss "$CAPS")
	kill -TERM "$HOLDP" 2>/dev/null || true
	wait "$HOLDP" 2>/dev/null || true
	HOLDP=""
	# A worker trims a second after the crowd has gone.
	sleep 2.5
	after=$(rss "$CAPS")
	per=$(kib_per "$base" "$holding" "$N_STALL")
	verdict=$(awk -v p="$per" 'BEGIN { print (p <= 20) ? "met" : "missed" }')
	[ "$ok" = 1 ] || verdict="INCOMPLETE ($(tail -1 "$W/hold.err"))"
	say "  $1: RSS $base -> $holding kB holding, $after kB after: $per KiB each"
	printf '%s\n' "| $1 ($3) | $base | $holding | $per | $after (+$((after - base))) | $verdict |" >>"$STALL_ROWS"
	stop_caps
}
if [ "$N_STALL" -gt 0 ]; then
	say "5. $N_STALL readers that stop reading a 57 KB page"
	rm -rf "$W/stall"
	cp -r "$ROOT/capsule" "$W/stall"
	mkdir -p "$W/stall/posts/2024/05"
	{
		printf -- '---\ntitle: Long\ndate: 2024-05-05\nslug: long\n---\n'
		i=0
		while [ $i -lt 890 ]; do
			printf 'Line %d of the long post, with some words to fill it up nicely.\n' $i
			i=$((i + 1))
		done
	} >"$W/stall/posts/2024/05/long.gmi"
	stall_mode tls-stall gemini://localhost/2024/05/long.gmi gemini
	stall_mode tcp-stall /2024/05/long.txt gopher
fi
# ------------------------------------------------ 6. peaks of a start and a reload
# VmHWM is the peak resident size; "5" written to /proc/PID/clear_refs
# resets it (Linux), so what is read after the reload is the reload's own
# peak. The new snapshot beside the old one is what a reload cannot
# avoid: "over 2x" is the peak less twice the resident size before.
PEAK_TREES=${PEAK_TREES-"tiny big"}
PEAK_ROWS=$W/peaks.md
: >"$PEAK_ROWS"
reloads() { grep -c ' reloaded: ' "$W/caps.err" || true; }
for t in $PEAK_TREES; do
	rm -rf "$W/tree"
	case $t in
	tiny) say "6. peaks: 100,000 tiny posts"
		python3 "$ROOT/tests/gen_tree.py" 100000 "$W/tree" \
		    --seed 20240315 --quiet
		label="100,000 tiny posts" ;;
	big) say "6. peaks: four posts of 15 MB"
		python3 "$ROOT/tests/gen_tree.py" 4 "$W/tree" --seed 5 \
		    --drafts 0 --body-bytes 15000000 --quiet
		label="four 15 MB posts" ;;
	*) say "unknown PEAK_TREES entry $t"; exit 1 ;;
	esac
	sync
	FB=$(find "$W/tree/posts" "$W/tree/pages" -type f -printf '%s\n' |
	    awk '{ s += $1 } END { print s }')
	start_caps "$W/tree"
	sleep 0.5
	R0=$(rss "$CAPS") H0=$(hwm "$CAPS")
	echo 5 >"/proc/$CAPS/clear_refs"
	n0=$(reloads)
	kill -HUP "$CAPS"
	until_ok 1200 sh -c "[ \$(grep -c ' reloaded: ' '$W/caps.err') -gt $n0 ]" ||
	    say "  no 'reloaded' line within 120 s"
	sleep 0.5
	H1=$(hwm "$CAPS") R1=$(rss "$CAPS")
	stop_caps
	say "  RSS $R0 kB, start peak $H0 kB; reload peak $H1 kB, then $R1 kB"
	printf '| %s | %s MB | %s MB | %s MB (%sx) | %s MB (%sx) | %+.1f MB | %s MB | %sx |\n' \
	    "$label" "$(mib $((FB / 1024)))" "$(mib "$R0")" "$(mib "$H0")" \
	    "$(ratio "$H0" "$R0")" "$(mib "$H1")" "$(ratio "$H1" "$R0")" \
	    "$(awk -v h="$H1" -v r="$R0" 'BEGIN { print (h - 2 * r) / 1024 }')" \
	    "$(mib "$R1")" "$(ratio $((R0 * 1024)) "$FB")" >>"$PEAK_ROWS"
done
rm -rf "$W/tree"

# ------------------------------------------------ the table
cat <<EOF

capsuled $("$CAPSULED" --version 2>/dev/null | head -1), $(date -u +%Y-%m-%d), $(nproc) CPUs, N=$N, $POSTS posts

1. Resident memory per open connection (target <= 16 KiB each):

| mode (port) | RSS before kB | RSS holding kB | after close kB | KiB/conn | verdict |
|---|---|---|---|---|---|
$(cat "$RESULTS")

2. A $POSTS-post capsule ($FILES files: $FBYTES bytes, $TREE by du -sb):

| measure | value | target | verdict |
|---|---|---|---|
| load + render (log: listening -> serving), median of 3 [all] | $LOAD_MS ms [$LOADS ] | < 1000 ms | $([ "$LOAD_MS" -lt 1000 ] && echo met || echo missed) |
| launch -> serving, median of 3 | $START_MS ms | | |
| RSS, bundled capsule/ | $SMALL kB | | |
| RSS, $POSTS posts (peak during load) | $BIG kB ($BIG_HWM kB) | | |
| snapshot (RSS growth) / tree on disk (du -sb) | +$GROWTH kB / $((TREE / 1024)) kB = ${RATIO}x (${FRATIO}x the files' bytes) | <= 3x | $(within3 "$RATIO") |
| the same / the blocks the tree takes (du -s) | +$GROWTH kB / $TREE_BLK kB = ${BRATIO}x | <= 3x | (the looser reading) |

3. SIGHUP on it (VmRSS every ~$GAP_MS ms):

| measure | reload 1 | reload 2 |
|---|---|---|
| baseline kB | $BASE | |
| peak kB (x baseline) | $PEAK1 ($(ratio "$PEAK1" "$BASE")x) | $PEAK2 ($(ratio "$PEAK2" "$BASE")x) |
| SIGHUP -> "reloaded" log line | $SWAP1 ms | $SWAP2 ms |
| time above 1.5x baseline | $ABOVE1 | $ABOVE2 |
| settled 1.5 s after the swap kB (x baseline) | $SETTLED1 ($(ratio "$SETTLED1" "$BASE")x) | $SETTLED2 ($(ratio "$SETTLED2" "$BASE")x) |
EOF
if [ -n "$TRIMMED" ]; then
	printf '| after malloc_trim(0) (gdb) kB | | %s (%sx) |\n' "$TRIMMED" \
	    "$(ratio "$TRIMMED" "$BASE")"
fi
if [ -s "$SIZE_ROWS" ]; then
	cat <<EOF

4. The same $POSTS posts, longer (snapshot target <= 3x the tree):

| paragraphs | bytes a post | tree (du -sb) | blocks (du -s) | load + render | snapshot (RSS growth) | x du -sb | x du -s | verdict (du -sb) |
|---|---|---|---|---|---|---|---|---|
| 1-4 (part 2) | $((TREE / POSTS)) | $((TREE / 1024)) kB | $TREE_BLK kB | $LOAD_MS ms | +$GROWTH kB | ${RATIO}x | ${BRATIO}x | $(within3 "$RATIO") |
EOF
	cat "$SIZE_ROWS"
fi

if [ -s "$STALL_ROWS" ]; then
	cat <<EOF

5. $N_STALL clients that stop reading a 57 KB page (target: under 20 MB for 1,024, 20 KiB each; and the memory back once they leave):

| mode (port) | RSS before kB | RSS holding kB | KiB/conn | after they left kB | verdict |
|---|---|---|---|---|---|
EOF
	cat "$STALL_ROWS"
fi
if [ -s "$PEAK_ROWS" ]; then
	cat <<EOF

6. Peaks (VmHWM) of a start and of a reload (SIGHUP):

| tree | posts and pages | RSS serving | peak of the start | peak of a reload | over 2x RSS | RSS after | RSS / content bytes |
|---|---|---|---|---|---|---|---|
EOF
	cat "$PEAK_ROWS"
fi
