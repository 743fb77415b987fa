#!/bin/sh
# run_unit.sh TEST...: runs cmocka unit-test binaries, then one summary line.
passed=0
failed=0
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -o "\[  PASSED  \] [0-9]*" | tail -1 | grep -o "[0-9]*$")
	f=$(printf '%s\n' "$out" | grep -o "\[  FAILED  \] [0-9]*" | tail -1 | grep -o "[0-9]*$")
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	# A binary that crashed or printed no summary counts as a failure.
	if [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "FAIL $t: exit status $rc"
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ $failed -eq 0 ]
