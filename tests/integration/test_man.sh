#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_man.sh - the man pages: optout-eraserd(8) and optout-eraser.conf(5)
# render without a single groff or man warning, optout-eraser.conf(5)
# documents every key of the sample configuration and of config_keys[] in
# src/config_keys.c, and optout-eraserd(8) every option that --help lists.
# Skips when groff is missing (apt-get install groff-base).
set -u
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
page8=$top_builddir/man/optout-eraserd.8
page5=$top_builddir/man/optout-eraser.conf.5
sample=$top_srcdir/etc/optout-eraser.conf
table=$top_srcdir/src/config_keys.c
daemon=$top_builddir/optout-eraserd


if ! command -v groff >/dev/null 2>&1; then
	skip_all "groff not installed (apt-get install groff-base)"
fi
if [ ! -f "$page8" ] || [ ! -f "$page5" ]; then
	skip_all "man pages not built (run make)"
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/oe-man.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C.UTF-8

for page in "$page8" "$page5"; do
	name=$(basename "$page")
	groff -ww -z -man -Tutf8 "$page" >"$tmp/warn" 2>&1
	rc=$?
	[ $rc -eq 0 ] && [ ! -s "$tmp/warn" ]
	ok $? "groff -ww renders $name without a warning"
	diag <"$tmp/warn"
	if command -v man >/dev/null 2>&1; then
		MANWIDTH=80 man --warnings -l "$page" >/dev/null 2>"$tmp/warn"
		rc=$?
		[ $rc -eq 0 ] && [ ! -s "$tmp/warn" ]
		ok $? "man --warnings renders $name without a warning"
		diag <"$tmp/warn"
	fi
done

# The words of a page as rendered, one per line, without the punctuation
# around them: a key counts as documented when it is one of them.
words() {
	groff -man -Tascii -P-cbou -rLL=200n "$1" 2>/dev/null |
		tr -s ' \t,;()"' '\n\n\n\n\n\n\n' | sed -e 's/[.:]*$//' | sort -u
}
words "$page5" >"$tmp/words5"
words "$page8" >"$tmp/words8"

# Keys of the sample: "key = value" lines, commented out or not.
sed -n 's/^#\{0,1\}\([a-z][a-z]*\.[a-z_.]*\) =.*/\1/p' "$sample" | sort -u >"$tmp/keys"
[ -s "$tmp/keys" ]
ok $? "the sample configuration has keys ($(wc -l <"$tmp/keys"))"
: >"$tmp/missing"
while read -r key; do
	grep -qxF "$key" "$tmp/words5" || echo "$key" >>"$tmp/missing"
done <"$tmp/keys"
[ ! -s "$tmp/missing" ]
ok $? "optout-eraser.conf(5) documents every key of etc/optout-eraser.conf"
diag <"$tmp/missing"

# Keys of the table: {"name", KEY_... entries of config_keys[].
sed -n 's/^[[:space:]]*{"\([a-z_]*\.[a-z_.]*\)", *KEY_.*/\1/p' "$table" | sort -u >"$tmp/keys"
[ -s "$tmp/keys" ]
ok $? "config_keys[] has keys ($(wc -l <"$tmp/keys"))"
: >"$tmp/missing"
while read -r key; do
	grep -qxF "$key" "$tmp/words5" || echo "$key" >>"$tmp/missing"
done <"$tmp/keys"
[ ! -s "$tmp/missing" ]
ok $? "optout-eraser.conf(5) documents every key of config_keys[]"
diag <"$tmp/missing"

# Options of --help: "-c, --config FILE" and the like.
if [ -x "$daemon" ]; then
	"$daemon" --help | tr -s ' ,=' '\n\n\n' |
		sed -n 's/^\(--\{0,1\}[a-zA-Z][a-z-]*\)$/\1/p' | sort -u >"$tmp/opts"
	[ -s "$tmp/opts" ]
	ok $? "--help lists options ($(wc -l <"$tmp/opts"))"
	: >"$tmp/missing"
	while read -r opt; do
		grep -qxF -- "$opt" "$tmp/words8" ||
			grep -qF -- "$opt=" "$tmp/words8" ||
			echo "$opt" >>"$tmp/missing"
	done <"$tmp/opts"
	[ ! -s "$tmp/missing" ]
	ok $? "optout-eraserd(8) documents every option of --help"
	diag <"$tmp/missing"
fi

done_testing
