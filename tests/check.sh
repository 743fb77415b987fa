#!/bin/sh
# check.sh: everything `make check` runs, in order, each part ending in its
# own "N passed, N failed" line; the last line adds them all up.
#
#   unit        cmocka tests of the pure modules
#   suites      golden pages, integration, real clients, install (run_all.sh)
#   asan        the unit tests and suites again, built with ASan, UBSan, LSan
#   robustness  bad input, limits, faults, reload under load (tests/robustness)
#   fuzz        every fuzzer's saved inputs, then a short run of each
set -u
cd "$(dirname "$0")/.."
passed=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

part() {
	name=$1
	shift
	echo "==== $name"
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	line=$(grep -E '^([a-z -]+: )?[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
	p=$(printf '%s' "$line" | sed -n 's/^\([a-z -]*: \)\{0,1\}\([0-9]*\) passed.*/\2/p')
	f=$(printf '%s' "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	if [ -z "$line" ] || { [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then
		echo "FAIL $name: exit status $rc"
		f=$((${f:-0} + 1))
	fi
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
}

part unit make --no-print-directory unit
part suites sh tests/run_all.sh
# Its unit tests must pass before its suites run; the count is the suites'.
part asan make --no-print-directory check-asan
part robustness sh tests/robustness/run.sh ./capsuled
part fuzz make --no-print-directory fuzz-check

echo "check: $passed passed, $failed failed"
[ $failed -eq 0 ]
