# summary.sh: sourced by the test runners (run_all.sh, check.sh).
#
# part NAME COMMAND...: runs COMMAND, shows its output, and adds the
# numbers of its last "N passed, N failed" line to $passed and $failed.
# A command with no such line, or one that fails while claiming no
# failure, counts one failure more.
passed=0
failed=0
summary_out=$(mktemp)
trap 'rm -f "$summary_out"' EXIT

part() {
	name=$1
	shift
	echo "== $name"
	"$@" >"$summary_out" 2>&1
	rc=$?
	cat "$summary_out"
	line=$(grep -E '^([a-z -]+: )?[0-9]+ passed, [0-9]+ failed' \
	    "$summary_out" | tail -1)
	p=$(printf '%s' "$line" |
	    sed -n 's/^\([a-z -]*: \)\{0,1\}\([0-9]*\) passed.*/\2/p')
	f=$(printf '%s' "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	if [ -z "$line" ] || { [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then
		echo "FAIL $name: exit status $rc"
		f=$((${f:-0} + 1))
	fi
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
}
