#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_style.sh - the house rules a compiler does not check: no unbounded or
# thread-unsafe calls in src/, an SPDX line and a design paragraph opening
# every source file, no .c file over 900 lines and no function over 100,
# and no include circles between modules.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
src=$top_srcdir/src
files=$(find "$src" -name '*.[ch]' | sort)
for fn in sprintf vsprintf strcpy strcat strtok gmtime localtime atoi gets asctime ctime; do
	# shellcheck disable=SC2086
	hits=$(grep -nE "(^|[^_a-zA-Z0-9])$fn[[:space:]]*\(" $files 2>/dev/null)
	[ -z "$hits" ]
	ok $? "no $fn() in src/"
	[ -n "$hits" ] && echo "$hits" | sed 's/^/# /'
done
for f in $files; do
	name=${f#"$src"/}
	head -n 1 "$f" | grep -q 'SPDX-License-Identifier'
	ok $? "SPDX line in $name"
	# The design paragraph: " * file.c - what it does", then more prose.
	sed -n '3p' "$f" | grep -q "^ \* $(basename "$f") - "
	ok $? "$name opens with what it is"
	[ "$(sed -n '2,/\*\//p' "$f" | wc -l)" -ge 4 ]
	ok $? "$name opens with a design paragraph"
	case $f in
	*.c)
		lines=$(wc -l <"$f")
		[ "$lines" -le 900 ]
		ok $? "$name: $lines lines, at most 900"
		# Functions open and close with a brace in column 0.
		# A function: from the first line of its declaration (column 0)
		# to its closing brace in column 0.
		long=$(awk '!body && /^[A-Za-z_]/ { if (!decl) decl = FNR }
			!body && /^$/ { decl = 0 }
			/^\{/ { body = 1 }
			/^\}/ && body { if (FNR - decl + 1 > 100)
				printf "%s:%d: %d lines\n", FILENAME, decl,
					FNR - decl + 1; body = 0; decl = 0 }' "$f")
		[ -z "$long" ]
		ok $? "$name: no function over 100 lines"
		[ -n "$long" ] && echo "$long" | sed 's/^/# /'
		;;
	esac
done
# No circles: a module (NAME.c with NAME.h) that includes a module leading
# back to it.  Depth-first over the #include "NAME.h" edges of src/.
# shellcheck disable=SC2086
circles=$(awk 'FNR == 1 { m = FILENAME; sub(/.*\//, "", m); sub(/\.[ch]$/, "", m)
		mod[m] = 1 }
	/^#include "[^"]*\.h"/ { t = $2; gsub(/"/, "", t); sub(/\.h$/, "", t)
		if (t != m) edge[m, t] = 1 }
	function visit(n, path,   k, p) {
		state[n] = 1
		for (k in edge) {
			split(k, p, SUBSEP)
			if (p[1] != n || !(p[2] in mod)) continue
			if (state[p[2]] == 1) print path " -> " p[2]
			else if (!state[p[2]]) visit(p[2], path " -> " p[2])
		}
		state[n] = 2
	}
	END { for (n in mod) if (!state[n]) visit(n, n) }' $files)
[ -z "$circles" ]
ok $? "no include circles in src/"
[ -n "$circles" ] && echo "$circles" | sed 's/^/# /'
done_testing
