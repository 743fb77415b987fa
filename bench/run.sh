#!/bin/sh
# bench/run.sh: capsuled side by side with molly-brown, gophernicus and the
# two floors (bench/floor_tls.c, bench/floor_tcp.c), on the same content,
# over loopback inside a network namespace that has only lo.
#
#   sh bench/run.sh            # about 3 minutes here
#   QUICK=1 sh bench/run.sh    # under 2 minutes, rougher numbers
#
# Knobs (environment): REPS, N (Gemini requests per run), NG (Gopher
# requests per run), NGN (gophernicus requests per run), CONC (16),
# TAIL_CONC (256), SRV_CPU (1), GEN_CPU (0), CAPSULED (./capsuled),
# OUT (directory kept with the raw results; default: a temporary one).
#
# Each server is pinned to SRV_CPU and the load generator to GEN_CPU; the
# servers take turns run by run, REPS times over. The figure compared is
# the server's CPU time per request (utime+stime+cutime+cstime of
# /proc/PID/stat over the run, divided by the answers), which does not
# depend on how fast the load generator is. Everything this script starts
# it stops by PID, and the namespace goes away at the end.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NS=capsuled-bench
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	REPS=${REPS:-2} N=${N:-800} NG=${NG:-5000} NGN=${NGN:-100}
else
	REPS=${REPS:-5} N=${N:-3000} NG=${NG:-20000} NGN=${NGN:-300}
fi
CONC=${CONC:-16}
TAIL_CONC=${TAIL_CONC:-256}
SRV_CPU=${SRV_CPU:-1}
GEN_CPU=${GEN_CPU:-0}
CAPSULED=${CAPSULED:-$ROOT/capsuled}

GEM_PAGE=/2013/08/proletarian-internationalism-of-north-korea.gmi
GOPH_SEL=/2013/08/proletarian-internationalism-of-north-korea.txt
# Ports inside the namespace: nothing else listens there.
P_CAPS_GEM=11965 P_FLOOR_TLS=11966 P_MOLLY=11967
P_CAPS_GOPH=17070 P_FLOOR_TCP=17071 P_GOPHERNICUS=17072
P_FREE_GEM=11968 P_FREE_GOPH=17073  # capsuled unpinned, for the cores runs
P_SAT_GEM=11969 P_SAT_GOPH=17074    # capsuled on large posts, saturation
# Saturation: 20 generated posts of 3,000 paragraphs (about 540 KB each).
SAT_POSTS=20 SAT_PARAS=3000-3000

say() { printf '%s\n' "$*" >&2; }

# ---------------------------------------------------------------- inside
# Runs in the namespace: start the servers, run the load, print results.
if [ "${1:-}" = --inside ]; then
	W=$2
	PIDS=""
	cleanup_inside() {
		for p in $PIDS; do kill "$p" 2>/dev/null || true; done
		for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	}
	trap cleanup_inside EXIT INT TERM
	ip link set lo up
	# Only ever run with &: exec, so that $! is the server itself.
	srv() { exec taskset -c "$SRV_CPU" "$@"; }
	gen() { taskset -c "$GEN_CPU" "$W/loadgen" "$@"; }

	srv "$CAPSULED" --rate 0 --max-per-address 0 --max-connections 4096 \
	    --allow-root -l 127.0.0.1 -p $P_CAPS_GEM -g $P_CAPS_GOPH \
	    -C "$W/certs" --log "$W/capsuled.log" "$ROOT/capsule" \
	    2>"$W/capsuled.err" &
	CAPS=$!
	srv "$W/floor_tls" -p $P_FLOOR_TLS -f "$W/page.gmi" \
	    -c "$W/certs/localhost.crt" -k "$W/certs/localhost.key" &
	FTLS=$!
	srv molly-brown -c "$W/molly.conf" >"$W/molly.out" 2>&1 &
	MOLLY=$!
	srv "$W/floor_tcp" -p $P_FLOOR_TCP -f "$W/export/gopher$GOPH_SEL" &
	FTCP=$!
	# gophernicus refuses to run as root: its user, or nobody.
	guser=_gophernicus
	id "$guser" >/dev/null 2>&1 || guser=nobody
	if [ "$(id -u)" = 0 ]; then
		asuser="setpriv --reuid=$guser --regid=$(id -g "$guser") --clear-groups"
	else
		asuser=""
	fi
	GN=""
	if [ -x /usr/sbin/gophernicus ]; then
		srv $asuser "$W/inetd" -p $P_GOPHERNICUS -- /usr/sbin/gophernicus \
		    -r "$W/export/gopher" -h localhost -p $P_GOPHERNICUS &
		GN=$!
	fi
	PIDS="$CAPS $FTLS $MOLLY $FTCP $GN"
	sleep 1
	for p in $PIDS; do
		kill -0 "$p" 2>/dev/null || { say "a server did not start ($p)";
		    cat "$W/capsuled.err" "$W/molly.out" >&2; exit 1; }
	done
	URL=gemini://localhost$GEM_PAGE
	R="$W/results.txt"
	: >"$R"
	# Warm-up: caches, page tables, the first session.
	gen -m gemini -p $P_CAPS_GEM -n 200 -c $CONC -u "$URL" >/dev/null
	gen -m gemini -p $P_FLOOR_TLS -n 200 -c $CONC -u "$URL" >/dev/null
	gen -m gemini -p $P_MOLLY -n 200 -c $CONC -u "$URL" >/dev/null

	rep=1
	while [ $rep -le "$REPS" ]; do
		say "repetition $rep of $REPS"
		for mode in none tls13 tls12; do
			# The order turns with each repetition.
			case $(( (rep + ${#mode}) % 3 )) in
			0) order="capsuled molly floor_tls" ;;
			1) order="molly floor_tls capsuled" ;;
			*) order="floor_tls capsuled molly" ;;
			esac
			for s in $order; do
				case $s in
				capsuled) port=$P_CAPS_GEM pid=$CAPS ;;
				molly) port=$P_MOLLY pid=$MOLLY ;;
				floor_tls) port=$P_FLOOR_TLS pid=$FTLS ;;
				esac
				gen -m gemini -p $port -n "$N" -c $CONC -r $mode \
				    -u "$URL" -P $pid -l "$s:gemini-$mode" >>"$R"
			done
		done
		if [ $((rep % 2)) = 1 ]; then order="capsuled floor_tcp";
		else order="floor_tcp capsuled"; fi
		for s in $order; do
			case $s in
			capsuled) port=$P_CAPS_GOPH pid=$CAPS ;;
			floor_tcp) port=$P_FLOOR_TCP pid=$FTCP ;;
			esac
			gen -m gopher -p $port -n "$NG" -c $CONC -u "$GOPH_SEL" \
			    -P $pid -l "$s:gopher" >>"$R"
		done
		if [ -n "$GN" ]; then
			gen -m gopher -p $P_GOPHERNICUS -n "$NGN" -c $CONC \
			    -u "$GOPH_SEL" -P $GN -w 0.3 -l gophernicus:gopher >>"$R"
		fi
		# The tail: many clients at once, full handshakes.
		for s in capsuled molly floor_tls; do
			case $s in
			capsuled) port=$P_CAPS_GEM pid=$CAPS ;;
			molly) port=$P_MOLLY pid=$MOLLY ;;
			floor_tls) port=$P_FLOOR_TLS pid=$FTLS ;;
			esac
			gen -m gemini -p $port -n "$N" -c $TAIL_CONC -u "$URL" \
			    -P $pid -l "$s:tail$TAIL_CONC" >>"$R"
		done
		gen -m gopher -p $P_CAPS_GOPH -n "$NG" -c $TAIL_CONC \
		    -u "$GOPH_SEL" -P $CAPS -l "capsuled:gopher-tail$TAIL_CONC" \
		    >>"$R"
		rep=$((rep + 1))
	done

	# System calls per request: every system call the server makes over
	# a short run (perf's tracepoint counts all its threads, and the
	# children gophernicus forks), divided by the answers.
	S="$W/syscalls.txt"
	: >"$S"
	if perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1; then
		count() { # label pid loadgen-args...
			label=$1 pid=$2
			shift 2
			# Counts pid while the load generator runs.
			perf stat -x, -e raw_syscalls:sys_enter -p "$pid" \
			    -o "$W/perf.tmp" -- taskset -c "$GEN_CPU" \
			    "$W/loadgen" -w 0.2 "$@" >"$W/gen.tmp"
			calls=$(awk -F, '/raw_syscalls/ {print $1}' "$W/perf.tmp")
			ok=$(sed 's/.* ok=\([0-9]*\).*/\1/' "$W/gen.tmp")
			echo "$label calls=$calls ok=$ok" >>"$S"
		}
		SN=$((N / 3))
		count capsuled:gemini-none $CAPS -m gemini -p $P_CAPS_GEM -n $SN \
		    -c $CONC -u "$URL"
		count capsuled:gemini-tls13 $CAPS -m gemini -p $P_CAPS_GEM \
		    -n $SN -c $CONC -r tls13 -u "$URL"
		count molly:gemini-none $MOLLY -m gemini -p $P_MOLLY -n $SN \
		    -c $CONC -u "$URL"
		count floor_tls:gemini-none $FTLS -m gemini -p $P_FLOOR_TLS \
		    -n $SN -c $CONC -u "$URL"
		count capsuled:gopher $CAPS -m gopher -p $P_CAPS_GOPH -n $SN \
		    -c $CONC -u "$GOPH_SEL"
		count floor_tcp:gopher $FTCP -m gopher -p $P_FLOOR_TCP -n $SN \
		    -c $CONC -u "$GOPH_SEL"
		[ -n "$GN" ] && count gophernicus:gopher $GN -m gopher \
		    -p $P_GOPHERNICUS -n 50 -c $CONC -u "$GOPH_SEL"
	else
		say "perf cannot count system calls here: no system call column"
	fi

	# Cores: one worker per core. The same capsuled with one worker and
	# with two, neither it nor the load generator pinned, both free to
	# use both cores: requests per second. (How busy the pinned server's
	# one core was in each run above is report.py's "core busy" column.)
	for wk in 1 2; do
		say "cores: capsuled with $wk worker(s), nothing pinned"
		"$CAPSULED" --rate 0 --max-per-address 0 --max-connections 4096 \
		    --allow-root -l 127.0.0.1 -p $P_FREE_GEM -g $P_FREE_GOPH \
		    --workers $wk -C "$W/certs" --log "$W/capsuled-free.log" \
		    "$ROOT/capsule" 2>"$W/capsuled-free.err" &
		CW=$!
		PIDS="$PIDS $CW"
		sleep 1
		r=1
		while [ $r -le "$REPS" ]; do
			"$W/loadgen" -m gopher -p $P_FREE_GOPH -n "$NG" -c 64 \
			    -u "$GOPH_SEL" -P $CW -l "capsuled-w$wk:gopher-free" \
			    >>"$R"
			"$W/loadgen" -m gemini -p $P_FREE_GEM -n "$N" -c 64 \
			    -r tls12 -u "$URL" -P $CW \
			    -l "capsuled-w$wk:gemini-tls12-free" >>"$R"
			r=$((r + 1))
		done
		# How the work spread over the threads: CPU ticks of each
		# (the control thread, then one per worker).
		for t in /proc/$CW/task/*; do
			awk '{print $14 + $15}' "$t/stat"
		done | tr '\n' ' ' | sed "s/^/capsuled-w$wk threads: /" \
		    >>"$W/threads.txt"
		echo >>"$W/threads.txt"
		kill $CW
		wait $CW 2>/dev/null || true
	done

	# Saturation: can one worker use all of its core? Only when a
	# request costs the load generator less than it costs the server.
	# A TLS client's full handshake costs about twice the server's, and
	# on loopback the receiver does much of the sender's TCP work (its
	# acknowledgements clock the answer out, and the sending runs in its
	# system calls). So: 20 posts of about 540 KB, TLS 1.2 resumption
	# and plain Gopher, a client that discards the answer unread (-d)
	# and gives each socket room for a whole answer (-b), so capsuled
	# sends it from its own system calls. Pinned as above: capsuled (one
	# worker: its affinity has one CPU) on SRV_CPU, the load generator
	# on GEN_CPU. Then the same loads unpinned, with one worker and two:
	# the only loads cheap enough for the client to show the scaling.
	SAT_URL=gemini://localhost$(cat "$W/sat-post")
	SAT_SEL=$(sed 's/\.gmi$/.txt/' "$W/sat-post")
	SAT_GEN="-d -b 2097152"
	sat_start() { # pinned|1|2
		if [ "$1" = pinned ]; then
			set -- srv "$CAPSULED" --workers 1
		else
			set -- exec "$CAPSULED" --workers "$1"
		fi
		"$@" --rate 0 --max-per-address 0 --max-connections 4096 \
		    --allow-root -l 127.0.0.1 -p $P_SAT_GEM -g $P_SAT_GOPH \
		    -C "$W/certs" --log "$W/capsuled-sat.log" "$W/sat-tree" \
		    2>"$W/capsuled-sat.err" &
		CS=$!
		PIDS="$PIDS $CS"
		sleep 2
	}
	sat_start pinned
	r=1
	while [ $r -le "$REPS" ]; do
		say "saturation $r of $REPS"
		gen -m gemini -p $P_SAT_GEM -n "$N" -c $CONC -r tls12 \
		    $SAT_GEN -u "$SAT_URL" -P $CS \
		    -l "capsuled:gemini-tls12-large-sat" >>"$R"
		gen -m gopher -p $P_SAT_GOPH -n $((NG / 2)) -c $CONC $SAT_GEN \
		    -u "$SAT_SEL" -P $CS -l "capsuled:gopher-large-sat" >>"$R"
		r=$((r + 1))
	done
	kill $CS
	wait $CS 2>/dev/null || true
	for wk in 1 2; do
		say "cores, large answers: capsuled with $wk worker(s)"
		sat_start $wk
		r=1
		while [ $r -le "$REPS" ]; do
			"$W/loadgen" -m gemini -p $P_SAT_GEM -n "$N" -c 64 \
			    -r tls12 $SAT_GEN -u "$SAT_URL" -P $CS \
			    -l "capsuled-w$wk:gemini-tls12-large-free" >>"$R"
			"$W/loadgen" -m gopher -p $P_SAT_GOPH -n $((NG / 2)) \
			    -c 64 $SAT_GEN -u "$SAT_SEL" -P $CS \
			    -l "capsuled-w$wk:gopher-large-free" >>"$R"
			r=$((r + 1))
		done
		kill $CS
		wait $CS 2>/dev/null || true
	done
	exit 0
fi

# ---------------------------------------------------------------- outside
need() { command -v "$1" >/dev/null 2>&1; }
if [ "$(id -u)" = 0 ]; then
	missing=""
	need molly-brown || missing="$missing molly-brown"
	[ -x /usr/sbin/gophernicus ] || missing="$missing gophernicus"
	need perf || missing="$missing linux-perf"
	if [ -n "$missing" ]; then
		say "installing:$missing"
		DEBIAN_FRONTEND=noninteractive apt-get install -y $missing \
		    >/dev/null || say "apt-get failed: going on without them"
	fi
else
	say "not root: a network namespace needs root (sudo sh bench/run.sh)"
	exit 1
fi
need molly-brown || { say "molly-brown is missing"; exit 1; }

W=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/capsuled-bench.XXXXXX")}
mkdir -p "$W"
cleanup() {
	# Whatever is still running in the namespace was started here.
	for p in $(ip netns pids $NS 2>/dev/null); do kill "$p" 2>/dev/null || true; done
	ip netns del $NS 2>/dev/null || true
	[ -n "${OUT:-}" ] || rm -rf "$W"
}
trap cleanup EXIT INT TERM

say "building the tools in $W"
CFLAGS_B="-O2 -std=c11 -Wall -Wextra -Wno-unused-parameter"
LIBS_B=$(pkg-config --cflags --libs openssl libevent libevent_openssl)
for t in loadgen floor_tls floor_tcp inetd; do
	cc $CFLAGS_B -o "$W/$t" "$ROOT/bench/$t.c" $LIBS_B
done
[ -x "$CAPSULED" ] || (cd "$ROOT" && make capsuled >/dev/null)

# One content for all: capsuled's own responses, exported.
"$CAPSULED" --export "$W/export" "$ROOT/capsule" >/dev/null
cp "$W/export/gemini$GEM_PAGE" "$W/page.gmi"
# One certificate for all: ECDSA P-256 for localhost, as capsuled makes.
mkdir -p "$W/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost \
    -days 3650 -keyout "$W/certs/localhost.key" \
    -out "$W/certs/localhost.crt" 2>/dev/null
python3 "$ROOT/tests/gen_tree.py" $SAT_POSTS "$W/sat-tree" --seed 7 \
    --paras $SAT_PARAS --manifest "$W/sat.json" --quiet
python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["posts"][0]["path"])' \
    "$W/sat.json" >"$W/sat-post"
chmod 755 "$W" "$W/export"
cat >"$W/molly.conf" <<EOF
Port = $P_MOLLY
Hostname = "localhost"
CertPath = "$W/certs/localhost.crt"
KeyPath = "$W/certs/localhost.key"
DocBase = "$W/export/gemini"
AccessLog = "$W/molly-access.log"
ErrorLog = "$W/molly-error.log"
EOF

ip netns del $NS 2>/dev/null || true
ip netns add $NS
export REPS N NG NGN CONC TAIL_CONC SRV_CPU GEN_CPU CAPSULED
started=$(date +%s)
ip netns exec $NS sh "$ROOT/bench/run.sh" --inside "$W"
took=$(( $(date +%s) - started ))

say "crypto floor (openssl speed)"
openssl speed -seconds 2 ecdsap256 ecdhx25519 2>/dev/null \
    >"$W/speed.txt" || true

python3 "$ROOT/bench/report.py" "$W" "$took"
[ -n "${OUT:-}" ] && say "raw results kept in $W"
exit 0
