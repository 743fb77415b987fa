#!/bin/sh
# check.sh: everything `make check` runs, in order, each part ending in its
# own "N passed, N failed" line; the last line adds them all up.
#
#   layers      each folder includes only folders below it, no circles,
#               no file over 800 lines (and the check fails when it should)
#   unit        cmocka tests of the pure modules
#   suites      golden pages, integration, real clients, install (run_all.sh)
#   asan        the unit tests and suites again, built with ASan, UBSan, LSan
#   tsan        the protocol suites again, built with ThreadSanitizer
#   robustness  bad input, limits, faults, reload under load (tests/robustness)
#   fuzz        every fuzzer's saved inputs, then a short run of each
set -u
cd "$(dirname "$0")/.."
. tests/summary.sh

part layers python3 tests/layers.py
part layers-selftest sh tests/layers_selftest.sh
part unit make --no-print-directory unit
part suites sh tests/run_all.sh
# Its unit tests must pass before its suites run; the count is the suites'.
part asan make --no-print-directory check-asan
part tsan make --no-print-directory check-tsan
part robustness sh tests/robustness/run.sh ./capsuled
part fuzz make --no-print-directory fuzz-check

echo "check: $passed passed, $failed failed"
[ $failed -eq 0 ]
