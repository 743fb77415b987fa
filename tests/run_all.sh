#!/bin/sh
# run_all.sh: every suite after the unit tests (which `make unit` runs),
# each ending in its own "N passed, N failed" line, then the total.
set -u
cd "$(dirname "$0")/.."
bin=${CAPSULED:-./capsuled}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

suite() {
	name=$1
	shift
	echo "== $name"
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	line=$(grep -E '^([a-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	p=$(printf '%s' "$line" | sed -n 's/.*\b\([0-9][0-9]*\) passed.*/\1/p')
	f=$(printf '%s' "$line" | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p')
	if [ -z "$line" ] || { [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then
		echo "FAIL $name: exit status $rc"
		f=$((${f:-0} + 1))
	fi
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
}

suite golden sh tests/golden.sh "$bin"
suite gemini python3 tests/integration/test_gemini.py "$bin"
suite scale python3 tests/integration/test_scale.py "$bin"
suite gopher python3 tests/integration/test_gopher.py "$bin"
suite tags-search python3 tests/integration/test_tags_search.py "$bin"
suite import python3 tests/integration/test_import.py "$bin"
suite proxy python3 tests/integration/test_proxy.py "$bin"
suite clients sh tests/clients.sh "$bin"
suite gopher-clients sh tests/gopher_clients.sh "$bin"
# Installs into a temporary DESTDIR and serves as a new system user: root
# only (it skips, and says so, otherwise), and never with a sanitizer build.
[ -z "${SANITIZED:-}" ] && suite install sh tests/install.sh "$(pwd)"

echo "all suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
