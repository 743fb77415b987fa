#!/bin/sh
# run_tsan.sh: the suites where the workers' threads meet (both
# protocols, proxies, search, a reload) against a ThreadSanitizer build.
# The harness fails a test when the server's exit status is not 0, which
# ThreadSanitizer makes 66 after any report.
set -u
cd "$(dirname "$0")/.."
bin=${CAPSULED:-build/tsan/capsuled}
. tests/summary.sh
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0}"

part gemini python3 tests/integration/test_gemini.py "$bin"
part gopher python3 tests/integration/test_gopher.py "$bin"
part proxy python3 tests/integration/test_proxy.py "$bin"
part tags-search python3 tests/integration/test_tags_search.py "$bin"

echo "tsan suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
