#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_style.sh - the house rules a compiler does not check: no unbounded or
# thread-unsafe calls in src/, an SPDX line on every source file.
src=${top_srcdir:-.}/src
n=0
fail=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
}
for fn in sprintf vsprintf strcpy strcat strtok gmtime localtime atoi gets asctime ctime; do
	hits=$(grep -nE "(^|[^_a-zA-Z0-9])$fn[[:space:]]*\(" "$src"/*.c "$src"/*.h 2>/dev/null)
	[ -z "$hits" ]
	check $? "no $fn() in src/"
	[ -n "$hits" ] && echo "$hits" | sed 's/^/# /'
done
for f in "$src"/*.c "$src"/*.h; do
	head -n 1 "$f" | grep -q 'SPDX-License-Identifier'
	check $? "SPDX line in $(basename "$f")"
done
echo "1..$n"
exit $fail
