#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_demo.sh - the README's first command, tests/demo.sh, works on a tree
# where only what plain "make" builds is there, as after tests/setup.sh on a
# fresh clone: it must build what it runs (the mock Kafka cluster is a check
# program), print the outcome table and stop everything it started.
#
# The test runs the demo in a copy of this build tree without
# tests/tools/mockkafka (building from a real fresh clone would take
# minutes), with the test environment's top_srcdir/top_builddir removed so
# that the demo finds its own tree.  Skips in a VPATH build (the demo builds
# in place) and when tests/setup.sh would have to install packages.
set -u
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

if [ "$(cd "$top_srcdir" && pwd -P)" != "$(cd "$top_builddir" && pwd -P)" ]; then
	skip_all "VPATH build: tests/demo.sh builds in its source tree"
fi
if [ ! -x "$top_builddir/optout-eraserd" ] || [ ! -f "$top_builddir/Makefile" ]; then
	skip_all "the tree is not built (run make)"
fi
# The packages tests/setup.sh checks for, from its PACKAGES="..." lines.
packages=$(sed -n '/^PACKAGES="/,/"$/p' "$top_srcdir/tests/setup.sh" |
	sed -e 's/^PACKAGES="//' -e 's/["\\]//g')
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		skip_all "package $p is missing: tests/setup.sh would install it"
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/oe-demo.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/tree"
# The tree without the mock cluster (a check program, which "make" alone
# does not build) and without test logs.
(cd "$top_builddir" &&
	tar -cf - --exclude=./.git --exclude='*.log' --exclude='*.trs' \
		--exclude=./tests/tools/mockkafka \
		--exclude=./tests/tools/mockkafka.o .) |
	(cd "$tmp/tree" && tar -xf -)
[ ! -e "$tmp/tree/tests/tools/mockkafka" ] && [ -x "$tmp/tree/optout-eraserd" ]
ok $? "a copy of the tree with the daemon built and the mock cluster not"

(cd "$tmp" && env -u top_srcdir -u top_builddir -u SHARED_DATA \
	-u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	timeout 600 sh tree/tests/demo.sh) >"$tmp/out" 2>&1
rc=$?
ok $rc "tests/demo.sh exits 0 (exit $rc)"
[ $rc -eq 0 ] || tail -n 30 "$tmp/out" | diag
[ -x "$tmp/tree/tests/tools/mockkafka" ]
ok $? "tests/demo.sh built the mock cluster it runs"
grep -q "is not built" "$tmp/out"
[ $? -ne 0 ]
ok $? "no \"is not built\""
grep -q "^RequestId  *OptOutList  *Number  *Outcome" "$tmp/out"
ok $? "the outcome table is printed"
grep -q "^demo: 10/10 outcomes in .*exit code 0" "$tmp/out"
ok $? "every sample request has its outcome and the daemon stopped cleanly"
grep "^demo: " "$tmp/out" | diag

done_testing
