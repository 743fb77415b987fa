#!/bin/sh
# golden.sh CAPSULED: renders the fixture tree and the bundled capsule with
# --export and compares every file with the expected one in tests/golden/,
# and the problems --check reports for the fixture with fixture.check.
# UPDATE=1 rewrites the expected files instead (review the diff!).
set -u
bin=${1:-./capsuled}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

for tree in fixture capsule; do
	case $tree in
	fixture) src=$here/fixtures/site ;;
	capsule) src=$here/../capsule ;;
	esac
	"$bin" --export "$tmp/$tree" "$src" 2>/dev/null
	if [ "${UPDATE:-0}" = 1 ]; then
		rm -rf "$here/golden/$tree"
		mkdir -p "$here/golden"
		cp -r "$tmp/$tree" "$here/golden/$tree"
	fi
	# Every expected file, and no file that is not expected.
	for f in $(cd "$here/golden/$tree" && find . -type f | sort); do
		if diff -u "$here/golden/$tree/$f" "$tmp/$tree/$f"; then
			ok "$tree/$f"
		else
			fail "$tree/$f"
		fi
	done
	for f in $(cd "$tmp/$tree" && find . -type f | sort); do
		[ -f "$here/golden/$tree/$f" ] || fail "$tree/$f: not expected"
	done
done

# --check: every problem of the fixture, and a non-zero exit.
"$bin" --check "$here/fixtures/site" >"$tmp/check.out" 2>&1
rc=$?
sed "s|$here/||" "$tmp/check.out" >"$tmp/check"
[ "${UPDATE:-0}" = 1 ] && cp "$tmp/check" "$here/golden/fixture.check"
if [ $rc -ne 0 ] && diff -u "$here/golden/fixture.check" "$tmp/check"; then
	ok "check: fixture problems reported, exit $rc"
else
	fail "check: fixture (exit $rc)"
fi
if "$bin" --check "$here/../capsule" >"$tmp/check2" 2>&1 &&
    [ ! -s "$tmp/check2" ]; then
	ok "check: bundled capsule is clean"
else
	fail "check: bundled capsule"
	cat "$tmp/check2"
fi

echo "golden: $passed passed, $failed failed"
[ $failed -eq 0 ]
