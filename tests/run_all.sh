#!/bin/sh
# run_all.sh: every suite after the unit tests (which `make unit` runs),
# each ending in its own "N passed, N failed" line, then the total.
set -u
cd "$(dirname "$0")/.."
bin=${CAPSULED:-./capsuled}
. tests/summary.sh

part golden sh tests/golden.sh "$bin"
part gemini python3 tests/integration/test_gemini.py "$bin"
part answer python3 tests/integration/test_answer.py "$bin"
part scale python3 tests/integration/test_scale.py "$bin"
part gopher python3 tests/integration/test_gopher.py "$bin"
part tags-search python3 tests/integration/test_tags_search.py "$bin"
part import python3 tests/integration/test_import.py "$bin"
part proxy python3 tests/integration/test_proxy.py "$bin"
part clients sh tests/clients.sh "$bin"
part gopher-clients sh tests/gopher_clients.sh "$bin"
# Installs into a temporary DESTDIR and serves as a new system user: root
# only (it skips, and says so, otherwise), and never with a sanitizer build.
[ -z "${SANITIZED:-}" ] && part install sh tests/install.sh "$(pwd)"

echo "all suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
