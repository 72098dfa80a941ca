#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_unit.sh - the generated systemd unit: it has the directives the
# operations contract relies on, "systemd-analyze verify" prints nothing
# about it (a copy whose commands point at this build's daemon, with the
# build's man pages on MANPATH, so that the executable and the
# Documentation= pages are checked too), and "systemd-analyze security
# --offline=true" rates its exposure at most $MAX_EXPOSURE; every
# directive is named in the comment of its block (documented line by
# line), LimitCORE=0 among them.
# Skips when systemd-analyze is missing (apt-get install systemd).
set -u
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
unit=$top_builddir/systemd/optout-eraserd.service
daemon=$top_builddir/optout-eraserd
MAX_EXPOSURE=1.5


if ! command -v systemd-analyze >/dev/null 2>&1; then
	skip_all "systemd-analyze not installed (apt-get install systemd)"
fi
if [ ! -f "$unit" ] || [ ! -x "$daemon" ]; then
	skip_all "$unit or $daemon not built (run make)"
fi
version=$(systemd-analyze --version | sed -n '1s/^systemd \([0-9][0-9]*\).*/\1/p')
tmp=$(mktemp -d "${TMPDIR:-/tmp}/oe-unit.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# The contract of issue 5 and DESIGN.md: whole lines, then prefixes.
for d in Type=notify NotifyAccess=main Restart=on-failure \
	'ExecReload=/bin/kill -HUP $MAINPID' DynamicUser=yes \
	ProtectSystem=strict PrivateTmp=yes NoNewPrivileges=yes \
	CapabilityBoundingSet= 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
	SystemCallFilter=@system-service MemoryDenyWriteExecute=yes \
	LimitCORE=0; do
	grep -qxF "$d" "$unit"
	ok $? "unit has $d"
done
for d in WatchdogSec= TimeoutStopSec= LoadCredential=aws-access-key-id: \
	LoadCredential=aws-secret-access-key: LoadCredential=aws-session-token:; do
	grep -q "^$d." "$unit"
	ok $? "unit sets $d"
done
# Usage and configuration exit codes are not restarted; 75 (no
# credentials yet) is.
grep -qxF 'RestartPreventExitStatus=64 65 66 78' "$unit"
ok $? "unit has RestartPreventExitStatus=64 65 66 78"
! grep -q '^RestartPreventExitStatus=.*\b75\b' "$unit"
ok $? "EX_TEMPFAIL (75) is restarted"
# A failure that recurs hits a start limit; systemd reads it in [Unit].
sed -n '/^\[Unit\]/,/^\[/p' "$unit" >"$tmp/unit-section"
for d in StartLimitIntervalSec=5min StartLimitBurst=5; do
	grep -qxF "$d" "$tmp/unit-section"
	ok $? "[Unit] has $d"
done
# The sandbox is documented line by line: each directive is named
# ("Name=") in the comment of its block (the lines since the last blank
# line or section header).
awk '/^\[/ || /^[ \t]*$/ { doc = ""; next }
	/^#/ { doc = doc " " $0; next }
	{ name = $0; sub(/=.*/, "", name)
	  if (index(doc, name "=") == 0) print NR ": " name }' \
	"$unit" >"$tmp/undocumented"
[ ! -s "$tmp/undocumented" ]
ok $? "every directive is named in the comment above it"
diag <"$tmp/undocumented"
ndirectives=$(grep -c '^[A-Za-z][A-Za-z]*=' "$unit")
[ "$ndirectives" -ge 50 ]
ok $? "the check saw the directives ($ndirectives)"

! grep -n '@[a-zA-Z_]*@' "$unit" >"$tmp/left"
ok $? "every @placeholder@ is substituted"
diag <"$tmp/left"
grep -q "^ExecStart=/[^ ]*/optout-eraserd " "$unit"
ok $? "ExecStart runs optout-eraserd by its absolute path"

# verify: every command must exist, so run the copy on this build's daemon.
sed "s|^\(Exec[A-Za-z]*=[-@:+!]*\)/[^ ]*/optout-eraserd |\1$daemon |" \
	"$unit" >"$tmp/optout-eraserd.service"
man_flag=--man=yes
if command -v man >/dev/null 2>&1 &&
	[ -f "$top_builddir/man/optout-eraserd.8" ] &&
	[ -f "$top_builddir/man/optout-eraser.conf.5" ]; then
	mkdir -p "$tmp/man/man8" "$tmp/man/man5"
	cp "$top_builddir/man/optout-eraserd.8" "$tmp/man/man8/"
	cp "$top_builddir/man/optout-eraser.conf.5" "$tmp/man/man5/"
else
	man_flag=--man=no
	echo "# man or the built man pages missing: Documentation= not checked"
fi
MANPATH=$tmp/man SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$man_flag" \
	"$tmp/optout-eraserd.service" >"$tmp/verify" 2>&1
rc=$?
ok $rc "systemd-analyze verify exits 0"
[ ! -s "$tmp/verify" ]
ok $? "systemd-analyze verify prints no warning"
diag <"$tmp/verify"

# security --offline appeared in systemd 250.
if [ -n "$version" ] && [ "$version" -ge 250 ]; then
	SYSTEMD_LOG_COLOR=0 systemd-analyze security --offline=true --no-pager \
		"$unit" >"$tmp/security" 2>&1
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p' \
		"$tmp/security")
	[ -n "$score" ]
	ok $? "systemd-analyze security prints an overall exposure level"
	echo "# exposure level: ${score:-none} (at most $MAX_EXPOSURE)"
	[ -n "$score" ] && awk -v s="$score" -v m="$MAX_EXPOSURE" \
		'BEGIN { exit !(s + 0 <= m + 0) }'
	rc=$?
	ok $rc "exposure level ${score:-?} <= $MAX_EXPOSURE"
	[ $rc -eq 0 ] || grep '✗' "$tmp/security" | diag
else
	echo "# systemd ${version:-?} < 250: no security --offline, score not checked"
fi

done_testing
