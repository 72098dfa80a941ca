# SPDX-License-Identifier: Apache-2.0
# lib.sh - what every shell test shares: the tree's paths, TAP output and
# the automake skip.  Sourced, never run:
#   . "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
# Sets top_srcdir and top_builddir (make check exports both; run by hand,
# they default to the tree the script is in).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
n=0
fail=0

# ok STATUS DESCRIPTION: one test point, passing when STATUS is 0.
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
}

# Standard input as TAP comments.
diag() { sed 's/^/# /'; }

# skip_all WHY: the test cannot run here (exit 77, automake's skip).
skip_all() {
	echo "1..0 # SKIP $*"
	exit 77
}

# done_testing: the plan, and the exit status (1 when a point failed).
done_testing() {
	echo "1..$n"
	exit $fail
}
