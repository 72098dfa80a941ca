#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# setup.sh - installs the Debian packages the build and the tests need
# (only the missing ones) and builds the tree in place.  Idempotent: a second
# run installs nothing and rebuilds only what changed.
#   usage: tests/setup.sh [--no-build]
set -eu
cd "$(dirname "$0")/.."

PACKAGES="build-essential autoconf automake pkg-config clang \
librdkafka-dev libcurl4-openssl-dev libssl-dev ca-certificates libcjson-dev libsystemd-dev libmicrohttpd-dev \
python3 python3-botocore python3-confluent-kafka python3-jsonschema \
systemd procps man-db groff-base prometheus"
# systemd: systemd-analyze and systemd.pc (unit directory); procps: /bin/kill
# of the unit's ExecReload=; man-db, groff-base: the man page checks;
# python3-jsonschema: every outcome the tests read is checked against
# docs/outcome.schema.json; prometheus: promtool, for the alerting rules in
# contrib/ (test_contrib.py skips those checks without it).

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

[ "${1:-}" = "--no-build" ] && exit 0

# automake's TAP driver is an auxiliary script like install-sh: installed
# from the automake package at bootstrap, never committed.
if [ ! -f build-aux/tap-driver.sh ]; then
	cp "$(automake --print-libdir)/tap-driver.sh" build-aux/tap-driver.sh
fi
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi
fi
if [ ! -f Makefile ] || [ configure -nt config.status ]; then
	./configure --enable-werror ${CONFIGURE_FLAGS:-}
fi
make -j"$(nproc)"
