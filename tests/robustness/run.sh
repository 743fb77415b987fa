#!/bin/sh
# run.sh [CAPSULED]: the robustness suite (default binary ./capsuled).
#
# Runs tests/robustness/test_bad_input.py, test_limits_faults.py and the
# suites of issue 13 (test_small.py, test_control.py, test_floods.py,
# test_load.py) against CAPSULED, then test_bad_input.py once more against the
# AddressSanitizer build build/asan/capsuled when it exists (make
# check-asan builds it; ROBUSTNESS_ASAN=0 skips this pass), and prints a
# summary table: cases tried and passed, descriptors and resident size
# before and after, fuzz executions from build/fuzz/*.log if present, and
# sanitizer findings. Ends with "robustness: N passed, N failed"; exits 1
# on any failure. About 2.5 minutes on two cores.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-./capsuled}
case $bin in /*) ;; *) bin=$(cd "$(dirname "$bin")" 2>/dev/null && pwd)/$(basename "$bin") ;; esac
cd "$root" || exit 1
if [ ! -x "$bin" ]; then
	echo "FAIL setup: no executable capsuled at $bin"
	echo "robustness: 0 passed, 1 failed"
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/capsuled-robustness.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
metrics=$work/metrics.json
: >"$metrics"
passed=0
failed=0
start=$(date +%s)

# suite LABEL BINARY SCRIPT [ENV=VALUE...]
suite() {
	label=$1 sbin=$2 script=$3
	shift 3
	echo "== $label ($sbin)"
	env ROBUSTNESS_METRICS="$metrics" ROBUSTNESS_LABEL="$label" "$@" \
	    python3 "$here/$script" "$sbin" >"$work/out" 2>&1
	rc=$?
	cat "$work/out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$work/out" | tail -1)
	p=$(printf '%s' "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(printf '%s' "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	if [ -z "$line" ] || { [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then
		echo "FAIL $label: exit status $rc"
		f=$((${f:-0} + 1))
	fi
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
}

suite bad_input "$bin" test_bad_input.py
suite limits_faults "$bin" test_limits_faults.py
suite small "$bin" test_small.py
suite control "$bin" test_control.py
suite floods "$bin" test_floods.py
suite load "$bin" test_load.py

asan=$root/build/asan/capsuled
if [ "${ROBUSTNESS_ASAN:-1}" != 0 ] && [ -x "$asan" ] && [ "$asan" != "$bin" ]
then
	for s in "$root"/src/*/*.c "$root"/src/*/*.h; do
		if [ "$s" -nt "$asan" ]; then
			echo "note: $asan is older than $s (make check-asan rebuilds it)"
			break
		fi
	done
	suite "bad_input (ASan)" "$asan" test_bad_input.py SANITIZED=1 \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    UBSAN_OPTIONS=print_stacktrace=1
fi

python3 "$here/summary.py" "$metrics" "$root/build/fuzz"
echo
echo "time: $(($(date +%s) - start)) s"
echo "robustness: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
