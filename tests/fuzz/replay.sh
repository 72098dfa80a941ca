#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# replay.sh - make check's run of the fuzz corpora: every file of
# tests/fuzz/corpus/TARGET/ once through TARGET as built (replay.c's main()
# in the normal build, libFuzzer's with --enable-fuzzing), one TAP test
# point per target.  A target that aborts (a broken property), crashes or
# finds no seeds fails its point.
set -u
src=${top_srcdir:-.}
bld=${top_builddir:-.}
targets=$(cd "$src/tests/fuzz/corpus" && ls -d fuzz_* | sort)
n=$(echo "$targets" | wc -w)
echo "1..$n"
i=0
for t in $targets; do
	i=$((i + 1))
	prog="$bld/tests/fuzz/$t"
	dir="$src/tests/fuzz/corpus/$t"
	files=$(find "$dir" -type f | sort)
	nfiles=$(echo "$files" | grep -c .)
	if [ ! -x "$prog" ]; then
		echo "not ok $i - $t: $prog not built"
		continue
	fi
	if [ "$nfiles" -eq 0 ]; then
		echo "not ok $i - $t: no seeds in $dir"
		continue
	fi
	# shellcheck disable=SC2086 # one argument per seed file (no blanks)
	if out=$("$prog" $files 2>&1); then
		echo "ok $i - $t: $nfiles seed(s) replayed"
	else
		echo "not ok $i - $t: failed on its corpus"
		echo "$out" | tail -n 20 | sed 's/^/# /'
	fi
done
