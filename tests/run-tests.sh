#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run-tests.sh - the README's test command: installs what is missing, builds,
# runs the whole suite (make check), then make distcheck, and ends with one
# line "N passed, N failed" that counts every test point that ran.
#   usage: tests/run-tests.sh
set -u
cd "$(dirname "$0")/.."
top=$(pwd)

tests/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

make -j"$(nproc)" check
check_rc=$?

# Counts from the TAP drivers' result files: one line per test point.
count() {
	find "$top/tests" -name '*.trs' -exec cat {} + 2>/dev/null |
		grep -c "^:test-result: $1"
}
pass=$(count PASS)
skip=$(count SKIP)
fail=$(( $(count FAIL) + $(count ERROR) + $(count XPASS) ))

if [ "${SKIP_DISTCHECK:-0}" != 1 ]; then
	# The dist tarball builds and passes on its own (VPATH, read-only source).
	if make -j"$(nproc)" distcheck >distcheck.log 2>&1; then
		pass=$((pass + 1))
		echo "distcheck: ok"
	else
		fail=$((fail + 1))
		echo "distcheck: FAILED (last lines of distcheck.log follow)"
		tail -n 40 distcheck.log
	fi
fi

[ "$check_rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
echo "skipped: $skip test point(s)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
