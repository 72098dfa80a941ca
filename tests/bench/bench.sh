#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench.sh - prints optout-eraserd's throughput, CPU per request, peak
# memory and latency against nginx, and its goodput under a 10/s quota
# (tests/bench/bench.py says how each figure is measured).  Not a test:
# it prints figures and fails only when it cannot measure.
#
# Needs a built tree (`make` and `make tests/tools/mockkafka`, which
# `make bench` does first); installs nginx when it is missing.  Settings:
# BENCH_N (backlog, default 20000), BENCH_RATE / BENCH_STEADY_S (latency
# phase, default 300/s for 10 s), BENCH_QUOTA_N (default 300), PYTHON
# (default /usr/bin/python3, which has botocore and confluent_kafka).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
PYTHON=${PYTHON:-/usr/bin/python3}
export top_srcdir top_builddir PYTHON
export PYTHONDONTWRITEBYTECODE=1

for f in "$top_builddir/optout-eraserd" "$top_builddir/tests/tools/mockkafka"; do
	if [ ! -x "$f" ]; then
		echo "bench: $f is missing: run make (and make tests/tools/mockkafka) first" >&2
		exit 1
	fi
done

have_nginx() {
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]
}

if ! have_nginx; then
	sudo=
	if [ "$(id -u)" -ne 0 ]; then
		sudo=sudo
	fi
	echo "bench: installing nginx (nginx-light, else nginx)" >&2
	# RUNLEVEL=1: where there is no systemd, keep the package's init
	# script from starting a system-wide nginx on port 80.
	$sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
		apt-get install -y -q nginx-light >&2 ||
	$sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
		apt-get install -y -q nginx >&2 || {
		$sudo apt-get update -q >&2 &&
		$sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
			apt-get install -y -q nginx-light >&2
	}
	have_nginx || { echo "bench: nginx could not be installed" >&2; exit 1; }
fi

exec "$PYTHON" "$here/bench.py" "$@"
