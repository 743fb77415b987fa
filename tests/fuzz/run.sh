#!/bin/sh
# run.sh run|check SECONDS TARGET...: libFuzzer targets in build/fuzz.
#   run:   fuzz each target for SECONDS, growing build/fuzz/corpus/TARGET
#   check: replay tests/fuzz/regress/TARGET/* (crashes found before) and
#          tests/fuzz/seeds/TARGET/*, then fuzz SECONDS from the seeds
# Ends with "fuzz: N passed, N failed" (a target passes when it found no
# crash), and lists the executions each target ran.
set -u
mode=$1
secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
fb=$here/../../build/fuzz
passed=0
failed=0
mkdir -p "$fb/crashes"
for t in "$@"; do
	bin=$fb/fuzz_$t
	corpus=$fb/corpus/$t
	mkdir -p "$corpus" "$here/seeds/$t" "$here/regress/$t"
	if [ "$mode" = check ] && [ -n "$(ls -A "$here/regress/$t")" ]; then
		if ! "$bin" -runs=0 "$here/regress/$t"/* >"$fb/$t.replay" 2>&1; then
			failed=$((failed + 1))
			echo "FAIL fuzz $t: a saved regression input crashes"
			tail -20 "$fb/$t.replay"
			continue
		fi
	fi
	"$bin" -max_total_time="$secs" -max_len=4096 -timeout=10 \
	    -artifact_prefix="$fb/crashes/$t-" "$corpus" "$here/seeds/$t" \
	    >"$fb/$t.log" 2>&1
	rc=$?
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$fb/$t.log" |
	    grep -o '[0-9]*$')
	[ -z "$execs" ] && execs=$(grep -Eo '^#[0-9]+' "$fb/$t.log" | tail -1 | tr -d '#')
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok fuzz $t: ${execs:-?} executions in ${secs}s"
	else
		failed=$((failed + 1))
		echo "FAIL fuzz $t: see $fb/$t.log and $fb/crashes/"
		grep -A5 'ERROR\|SUMMARY' "$fb/$t.log" | head -20
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
