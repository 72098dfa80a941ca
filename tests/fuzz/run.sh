#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run.sh - runs every libFuzzer target of a --enable-fuzzing build for a
# short time (CI: tests/run-tests.sh), two at a time by default, each from
# its seed corpus (read-only) and a scratch corpus.  Prints one line per
# target, "ok TARGET ..." or "not ok TARGET ...", the path of the input that
# broke it on a finding, and exits 1 when any target failed.
#   usage: tests/fuzz/run.sh BUILDDIR SRCDIR [SECONDS [JOBS]]
set -u
bld=$1
src=$2
secs=${3:-30}
jobs=${4:-2}
out=$(mktemp -d "${TMPDIR:-/tmp}/optout-fuzz.XXXXXX")
targets=$(cd "$src/tests/fuzz/corpus" && ls -d fuzz_* | sort)

run_one() {
	t=$1
	mkdir -p "$out/$t.corpus"
	"$bld/tests/fuzz/$t" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$out/$t-" "$out/$t.corpus" \
		"$src/tests/fuzz/corpus/$t" >"$out/$t.log" 2>&1
	echo $? >"$out/$t.rc"
}

# Two at a time: start a batch of @jobs, wait for it, next batch.
set -- $targets
while [ $# -gt 0 ]; do
	n=0
	while [ $# -gt 0 ] && [ "$n" -lt "$jobs" ]; do
		run_one "$1" &
		shift
		n=$((n + 1))
	done
	wait
done

fail=0
for t in $targets; do
	rc=$(cat "$out/$t.rc" 2>/dev/null || echo 1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$out/$t.log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "ok $t: ${runs:-?} runs, $cov"
	else
		fail=1
		crash=$(ls "$out/$t-"* 2>/dev/null | head -n 1)
		echo "not ok $t: finding (exit $rc), input ${crash:-none saved}"
		grep -m 5 -E 'ERROR|property broken|runtime error' "$out/$t.log" |
			sed 's/^/#   /'
		echo "#   log: $out/$t.log"
	fi
done
# Keep everything when something was found, for the crash inputs.
[ "$fail" -eq 0 ] && rm -rf "$out"
exit "$fail"
