#!/bin/sh
# bench/load.sh: how the load grows with each dimension of the tree.
#
#   sh bench/load.sh              # ./capsuled; a few minutes
#   CAPSULED=/path/to/capsuled STEPS=2 sh bench/load.sh
#
# Each dimension is grown 10x per step, the others held, and the load
# is timed as `capsuled --check` (read, parse, model, index, render both
# protocols: everything a start or a reload does but bind and serve),
# the best of RUNS: on a shared machine other jobs only ever add time,
# and a median of three still moved a step by 50 % here.
# A near-linear load grows about 10x a step; the verdict fails a step
# that grows more than MAX_RATIO (13: a 10x step plus what a loaded
# 2-core machine adds in noise). The smallest step carries the process's
# fixed cost, so its ratio comes out under 10; that is the safe side.
#
# The dimensions (tests/gen_tree.py writes every tree):
#   posts         N tiny posts (gen_tree's default tree), N = 1,000 x 10^k
#   tags/post     10 posts, each with K tags of a pool of K (so the site
#                 has K tags, each on all 10 posts), K = 200 x 10^k
#   site tags     1,000 posts of 50 tags each, out of D distinct, so the
#                 uses stay 50,000 and the tags grow, D = 500 x 10^k
#   links/post    10 posts, each with L link lines, L = 200 x 10^k
#   bytes/post    10 posts, each about B bytes long, B = 100 KB x 10^k
#
# Knobs (environment): CAPSULED (./capsuled), STEPS (3 sizes a
# dimension), RUNS (3: the best is shown), LIMIT (seconds a load may
# take before it is stopped and shown as ">LIMIT s"; 300), MAX_RATIO
# (13), DIMS (which: "posts tags sitetags links bytes"), OUT (a directory
# to keep the trees in; default a temporary one, removed).
# Exit status 1 when a step grows more than MAX_RATIO or runs out of time.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CAPSULED=${CAPSULED:-./capsuled}
case $CAPSULED in /*) ;; *) CAPSULED=$(pwd)/$CAPSULED ;; esac
[ -x "$CAPSULED" ] || { echo "no capsuled at $CAPSULED (make capsuled)" >&2; exit 1; }
STEPS=${STEPS:-3}
RUNS=${RUNS:-3}
LIMIT=${LIMIT:-300}
MAX_RATIO=${MAX_RATIO:-13}
DIMS=${DIMS:-"posts tags sitetags links bytes"}
GEN="python3 $ROOT/tests/gen_tree.py"

W=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/capsuled-load.XXXXXX")}
mkdir -p "$W"
cleanup() { [ -n "${OUT:-}" ] || rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

# size DIM K: the dimension's value at step K (0-based).
size() {
	_b=1
	_i=0
	while [ $_i -lt "$2" ]; do _b=$((_b * 10)); _i=$((_i + 1)); done
	case $1 in
	posts) echo $((1000 * _b)) ;;
	tags) echo $((200 * _b)) ;;
	sitetags) echo $((500 * _b)) ;;
	links) echo $((200 * _b)) ;;
	bytes) echo $((100000 * _b)) ;;
	esac
}

# tree DIM VALUE DIR: writes the tree of one step.
tree() {
	case $1 in
	posts) $GEN "$2" "$3" --quiet --seed 13 ;;
	tags) $GEN 10 "$3" --quiet --seed 13 --drafts 0 --tags-per-post "$2" ;;
	sitetags) $GEN 1000 "$3" --quiet --seed 13 --drafts 0 \
	    --tags-per-post 50 --distinct-tags "$2" ;;
	links) $GEN 10 "$3" --quiet --seed 13 --drafts 0 --links-per-post "$2" ;;
	bytes) $GEN 10 "$3" --quiet --seed 13 --drafts 0 --body-bytes "$2" ;;
	esac
}

label() {
	case $1 in
	posts) echo "posts" ;;
	tags) echo "tags per post (10 posts)" ;;
	sitetags) echo "distinct tags (1,000 posts x 50)" ;;
	links) echo "links per post (10 posts)" ;;
	bytes) echo "bytes per post (10 posts)" ;;
	esac
}

# load_ms DIR: one `capsuled --check`, in milliseconds; "" past LIMIT,
# "failed" when it reports a problem (the trees are clean).
load_ms() {
	_t0=$(date +%s%N)
	_rc=0
	timeout "$LIMIT" "$CAPSULED" --check -C "$W/no-certs" "$1" \
	    >"$W/check.out" 2>&1 || _rc=$?
	case $_rc in
	0) echo $((($(date +%s%N) - _t0) / 1000000)) ;;
	124) echo "" ;;
	*) echo failed ;;
	esac
}

best() { printf '%s\n' "$@" | sort -n | head -1; }

ROWS=$W/rows
: >"$ROWS"
bad=0
for dim in $DIMS; do
	prev=""
	line="| $(label "$dim") |"
	k=0
	while [ $k -lt "$STEPS" ]; do
		v=$(size "$dim" $k)
		rm -rf "$W/tree"
		tree "$dim" "$v" "$W/tree"
		sync
		times="" ms=""
		r=0
		while [ $r -lt "$RUNS" ]; do
			t=$(load_ms "$W/tree")
			if [ "$t" = failed ]; then
				echo "capsuled --check failed on the $dim $v tree:" >&2
				head -5 "$W/check.out" >&2
				exit 1
			fi
			[ -n "$t" ] || { times=""; break; }
			times="$times $t"
			r=$((r + 1))
		done
		if [ -z "$times" ]; then
			cell=">${LIMIT} s"
			bad=1
		else
			# shellcheck disable=SC2086
			ms=$(best $times)
			cell="$ms ms"
		fi
		if [ -n "$prev" ] && [ -n "$ms" ]; then
			ratio=$(awk -v a="$ms" -v b="$prev" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 1) }')
			if awk -v r="$ratio" -v m="$MAX_RATIO" 'BEGIN { exit !(r > m) }'; then
				cell="$cell (x$ratio, over $MAX_RATIO)"
				bad=1
			else
				cell="$cell (x$ratio)"
			fi
		elif [ $k -gt 0 ] && [ -z "$ms" ]; then
			cell="$cell (-)"
		fi
		printf '  %s = %s:%s ms\n' "$dim" "$v" "$times" >&2
		line="$line $v: $cell |"
		prev=$ms
		[ -n "$ms" ] || break # a bigger step would only take longer
		k=$((k + 1))
	done
	while [ $k -lt $((STEPS - 1)) ]; do line="$line not run |"; k=$((k + 1)); done
	echo "$line" >>"$ROWS"
done
rm -rf "$W/tree"

hdr="| dimension |"
sep="|---|"
k=1
while [ $k -le "$STEPS" ]; do hdr="$hdr step $k (x growth) |"; sep="$sep---|"; k=$((k + 1)); done
cat <<EOF

capsuled $("$CAPSULED" --version 2>/dev/null | head -1), $(date -u +%Y-%m-%d), $(nproc) CPUs; load = capsuled --check, best of $RUNS; a step may grow at most ${MAX_RATIO}x

$hdr
$sep
$(cat "$ROWS")
EOF
[ $bad = 0 ] && echo "load: every step within ${MAX_RATIO}x" ||
    echo "load: some step grew more than ${MAX_RATIO}x or ran out of time"
exit $bad
