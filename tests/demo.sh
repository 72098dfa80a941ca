#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# demo.sh - the README's first command: installs what is missing, builds,
# and runs optout-eraserd end to end on embedded defaults: librdkafka's mock
# cluster (tests/tools/mockkafka, over TCP) and the local signature-checking
# API endpoint (tests/tools/endpoint.py) are started, sample requests (valid
# and invalid) are produced, the daemon processes them, every outcome is
# printed as a table, and everything started is stopped again.
#
# It builds everything it runs: tests/setup.sh builds the daemon ("make"),
# and the mock cluster, a check program that only "make check" would build,
# is built here.  So it works on a fresh clone.
#   usage: tests/demo.sh
set -eu
cd "$(dirname "$0")/.."
tests/setup.sh
make -j"$(nproc)" optout-eraserd tests/tools/mockkafka
exec /usr/bin/python3 tests/tools/demo.py "$@"
