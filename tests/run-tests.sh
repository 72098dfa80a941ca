#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run-tests.sh - the README's test command: installs what is missing, builds,
# runs the whole suite (make check), then make distcheck, a clang -Werror
# build of the release tarball and a short run of every fuzz target (with
# clang; SKIP_FUZZ=1 leaves it out), and ends with one
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
		echo "distcheck: FAILED (failed tests and last lines of distcheck.log follow)"
		# Name each failed test and show the end of its own log, so the
		# cause can be read from CI's output alone.
		grep -E '^(FAIL|ERROR|XPASS):' distcheck.log | head -n 20
		for trs in $(find optout-eraser-*/_build -name '*.trs' \
			-exec grep -lE '^:test-result: (FAIL|ERROR|XPASS)' {} + \
			2>/dev/null | head -n 3); do
			log=${trs%.trs}.log
			echo "--- $log: failed points, then its last 30 lines"
			grep -E '^(not ok|Bail out)' "$log" | head -n 10
			tail -n 30 "$log"
		done
		tail -n 40 distcheck.log
	fi
fi

# clang builds the release tarball warning-free too (--enable-werror; the
# suite itself ran on the gcc build above).
if [ "${SKIP_CLANG:-0}" != 1 ]; then
	ver=$(sed -n 's/^PACKAGE_VERSION = //p' Makefile)
	tarball="optout-eraser-$ver.tar.gz"
	cdir=$(mktemp -d "${TMPDIR:-/tmp}/optout-clang.XXXXXX")
	if { [ -f "$tarball" ] || make dist >/dev/null; } &&
		tar -xzf "$tarball" -C "$cdir" &&
		(cd "$cdir/optout-eraser-$ver" &&
			./configure CC=clang --enable-werror &&
			make -j"$(nproc)") >clang-build.log 2>&1; then
		pass=$((pass + 1))
		echo "clang -Werror build: ok"
	else
		fail=$((fail + 1))
		echo "clang -Werror build: FAILED (last lines of clang-build.log follow)"
		tail -n 40 clang-build.log
	fi
	rm -rf "$cdir"
fi

# --- Fuzzing: every libFuzzer target for a short time (docs/RELIABILITY.md,
# "Fuzzing").  A --enable-fuzzing build of the release tarball in a scratch
# directory (clang only); tests/fuzz/run.sh runs the targets two at a time
# for FUZZ_SECONDS each, from their seed corpora; one point per target.  A
# finding fails its point and prints the path of the input that broke it.
if [ "${SKIP_FUZZ:-0}" != 1 ] && command -v clang >/dev/null 2>&1; then
	ver=$(sed -n 's/^PACKAGE_VERSION = //p' Makefile)
	tarball="optout-eraser-$ver.tar.gz"
	fdir=$(mktemp -d "${TMPDIR:-/tmp}/optout-fuzz-build.XXXXXX")
	if { [ -f "$tarball" ] || make dist >/dev/null; } &&
		tar -xzf "$tarball" -C "$fdir" &&
		(cd "$fdir/optout-eraser-$ver" &&
			./configure CC=clang --enable-fuzzing &&
			make -j"$(nproc)" fuzz) >fuzz-build.log 2>&1; then
		fsrc="$fdir/optout-eraser-$ver"
		sh tests/fuzz/run.sh "$fsrc" "$fsrc" "${FUZZ_SECONDS:-30}" 2 \
			>fuzz-run.log 2>&1
		cat fuzz-run.log
		pass=$((pass + $(grep -c '^ok ' fuzz-run.log)))
		fail=$((fail + $(grep -c '^not ok ' fuzz-run.log)))
	else
		fail=$((fail + 1))
		echo "fuzzing build: FAILED (last lines of fuzz-build.log follow)"
		tail -n 40 fuzz-build.log
	fi
	rm -rf "$fdir"
fi
# --- end of fuzzing

[ "$check_rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
echo "skipped: $skip test point(s)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
