#!/bin/sh
# layers_selftest.sh: the layers check must fail on each fault it exists
# to catch. Each case plants one fault in a copy of src/ and expects
# tests/layers.py to report it; the untouched copy must pass.
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# fresh: a clean copy of src/ and the Makefile in $tmp/t
fresh() {
	rm -rf "$tmp/t" && mkdir -p "$tmp/t" &&
	cp -R src "$tmp/t/src" && cp Makefile "$tmp/t/"
}

# expect WANT NAME: WANT is 0 (the check passes) or 1 (it fails, and
# names the fault with the text in $pattern)
expect() {
	out=$(python3 tests/layers.py "$tmp/t/src" 2>&1); rc=$?
	if [ "$1" = 0 ] && [ $rc -eq 0 ]; then
		passed=$((passed + 1)); echo "ok $2"
	elif [ "$1" = 1 ] && [ $rc -ne 0 ] &&
	     printf '%s\n' "$out" | grep -q -- "$pattern"; then
		passed=$((passed + 1)); echo "ok $2"
	else
		failed=$((failed + 1)); echo "FAIL $2 (exit $rc)"
		printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/  /'
	fi
}

fresh; pattern=x; expect 0 "the tree as it is passes"

for h in event2/event.h openssl/ssl.h pthread.h sys/socket.h unistd.h; do
	fresh; printf '#include <%s>\n' "$h" >> "$tmp/t/src/model/site.c"
	pattern="<$h>"; expect 1 "a pure module including <$h> fails"
done

fresh; printf '#include "serve/state.h"\n' >> "$tmp/t/src/render/route.c"
pattern="serve/ is above render/"; expect 1 "including a higher folder fails"

fresh; printf '#include "text/words.h"\n' >> "$tmp/t/src/base/buf.h"
printf '#include "base/buf.h"\n' >> "$tmp/t/src/text/words.h"
pattern="circle:"; expect 1 "a circle of includes fails"

fresh; awk 'BEGIN { for (i = 0; i < 801; i++) print "/* */" }' \
	>> "$tmp/t/src/base/buf.c"
pattern="over 800"; expect 1 "a file over 800 lines fails"

fresh; : > "$tmp/t/src/stray.c"
pattern="outside every layer"; expect 1 "a file outside the folders fails"

fresh; : > "$tmp/t/src/base/orphan.c"
pattern="BASE"; expect 1 "a module missing from the Makefile fails"

echo "layers selftest: $passed passed, $failed failed"
[ $failed -eq 0 ]
