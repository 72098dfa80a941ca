#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench.sh - prints optout-eraserd's throughput (end to end, steady), CPU
# per request, peak memory, latency at a fixed load, the endpoint's wrk
# ceiling and the ratio to it, over HTTP and TLS; goodput under a quota;
# idle cost; scaling with in-flight depth, partitions and instances, with
# a plot (tests/bench/bench.py says how each figure is measured and lists
# its BENCH_* settings; BENCH_QUICK=1 runs everything small).  Not a
# test: it prints figures and fails only when it cannot measure.
#
# Needs a built tree (`make` and `make tests/tools/mockkafka`, which
# `make bench` does first); installs nginx, wrk, gnuplot and openssl when
# they are missing.  PYTHON defaults to /usr/bin/python3, which has
# botocore and confluent_kafka.
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

have() {
	command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]
}

# What the benchmark drives: nginx (the endpoint), wrk (its ceiling),
# gnuplot (the plot, optional), openssl (the TLS certificate).
missing=
for tool in nginx wrk gnuplot openssl; do
	have $tool || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	sudo=
	if [ "$(id -u)" -ne 0 ]; then
		sudo=sudo
	fi
	pkgs=
	for tool in $missing; do
		case $tool in
		nginx) pkgs="$pkgs nginx-light" ;;
		gnuplot) pkgs="$pkgs gnuplot-nox" ;;
		*) pkgs="$pkgs $tool" ;;
		esac
	done
	echo "bench: installing$pkgs" >&2
	# RUNLEVEL=1: where there is no systemd, keep nginx's init script
	# from starting a system-wide nginx on port 80.
	$sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
		apt-get install -y -q $pkgs >&2 || {
		$sudo apt-get update -q >&2 &&
		$sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
			apt-get install -y -q $pkgs >&2
	} || echo "bench: could not install$pkgs" >&2
	have nginx || { echo "bench: nginx could not be installed" >&2; exit 1; }
fi

exec "$PYTHON" "$here/bench.py" "$@"
