#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""profile.py - what one request costs the daemon, counted, not timed.

Usage: tests/bench/profile.py callgrind|strace|perf [N]  (default N 5000)
       tests/bench/profile.py report N DIR  (callgrind's figures again)

Figures that do not depend on the machine's load, for the backlog path:
a backlog of N requests over 12 partitions of the mock cluster, drained by
the daemon against the fixed-response nginx of bench.py (aws.rate_limit=0,
log.level=notice), the daemon under a tool given as OPTOUT_DAEMON_WRAPPER:

- callgrind: instructions, and calls of malloc/calloc/realloc/free, per
  request, and the functions with the most instructions (self cost);
- strace: system calls per request (strace -c -f), by name;
- perf: a cpu-clock profile (perf record), the top symbols (this one is
  a sample of time, so it does depend on the load: only its shares count).

Start-up and shutdown are not a request's cost: the same run is made with
an empty backlog first, and per request is (run(N) - run(0)) / N.  The
total of run(N) / N is printed as well.  Prints a short report; the raw
tool output stays in the temporary directory it names.
"""

import os
import re
import signal
import subprocess
import tempfile
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'integration'))
import lib  # noqa: E402
import bench  # noqa: E402

ALLOC = ('malloc', 'calloc', 'realloc', 'free')
PARTITIONS = 12


def say(msg=''):
    print(msg, flush=True)


def stop_daemon(d):
    """SIGTERM to the daemon itself, not to the tool around it (strace
    blocks fatal signals while it runs a command; perf would stop
    recording before the daemon's shutdown), then waits for both."""
    try:
        with open('/proc/%d/task/%d/children' % (d.pid, d.pid),
                  encoding='ascii') as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        kids = []
    if kids and os.path.basename(d.argv[0]) != 'valgrind':
        for k in kids:
            os.kill(k, signal.SIGTERM)
        if d.wait(120) is not None:
            return d.stop(5)
    return d.stop(120)


def run_once(nginx, n, wrapper, tag):
    """Drains a backlog of n under wrapper; returns the daemon's log path."""
    os.environ['OPTOUT_DAEMON_WRAPPER'] = wrapper
    topics = ('requests:%d' % PARTITIONS, 'results:%d' % PARTITIONS)
    with lib.Cluster(topics=topics) as cluster:
        if n:
            lib.produce(cluster.bootstrap, 'requests',
                        [('+1555%07d' % i,
                          bench.request('p-%d' % i, '+1555%07d' % i))
                         for i in range(n)], timeout=120)
        cfg = bench.daemon_config(cluster, nginx, 'profile-%s' % tag, 0)
        cfg['log.level'] = 'notice'
        d = lib.Daemon(cfg)
        try:
            if n:
                got = lib.consume_all(cluster.bootstrap, 'results', n,
                                      120 + n / 20.0)
                if len(got) < n:
                    raise RuntimeError('only %d of %d outcomes' % (
                        len(got), n))
            else:
                # Ready, then the group's join (no log line at notice
                # level): the same start-up work as a run with a backlog.
                d.wait_notify(r'^READY=1$', 120)
                time.sleep(8)
        finally:
            rc = stop_daemon(d)
        if rc != 0:
            say('warning: the daemon exited %s' % rc)
    del os.environ['OPTOUT_DAEMON_WRAPPER']


# ------------------------------------------------------------- callgrind

def parse_callgrind(path):
    """Total Ir, Ir per function (self), and calls of ALLOC functions."""
    names = {}
    self_ir = {}
    by_obj = {}
    calls = dict.fromkeys(ALLOC, 0)
    total = 0
    fn = cfn = None
    pending_call = False
    rx_name = re.compile(r'^(c?fn|c?ob)=\((\d+)\)(?: (.*))?$')
    objs = {}
    ob = cob = ''
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            m = rx_name.match(line)
            if m:
                kind, ident, name = m.groups()
                table = objs if kind.endswith('ob') else names
                if name:
                    table[ident] = name
                name = table.get(ident, ident)
                if kind == 'ob':
                    ob = cob = os.path.basename(name)
                elif kind == 'cob':
                    cob = os.path.basename(name)
                elif kind == 'fn':
                    # unnamed (stripped library): its object says whose
                    fn = '%s (%s)' % (name, ob) if name.startswith('0x') \
                        else name
                else:
                    cfn = name
                continue
            if line.startswith('calls='):
                count = int(line.split('=', 1)[1].split()[0])
                base = (cfn or '').split("'")[0]
                if base in calls:
                    calls[base] += count
                pending_call = True
                continue
            if line[:1].isdigit() or line[:1] in '+-*':
                parts = line.split()
                if len(parts) >= 2 and not pending_call:
                    self_ir[fn] = self_ir.get(fn, 0) + int(parts[1])
                    by_obj[ob] = by_obj.get(ob, 0) + int(parts[1])
                pending_call = False  # the line after calls= is inclusive
                continue
            if line.startswith('totals:') or line.startswith('summary:'):
                total = int(line.split()[1])
    if not total:
        total = sum(self_ir.values())
    return total, self_ir, calls, by_obj


def callgrind(nginx, n, tmp):
    for k in (0, n):
        path = os.path.join(tmp, 'callgrind.%d' % k)
        run_once(nginx, k, 'valgrind --tool=callgrind --callgrind-out-file=%s'
                 % path, 'cg%d' % k)
    callgrind_report(tmp, n)


def callgrind_report(tmp, n):
    """The figures of callgrind.0 and callgrind.N in tmp."""
    out = {k: parse_callgrind(os.path.join(tmp, 'callgrind.%d' % k))
           for k in (0, n)}
    (t0, s0, c0, o0), (t1, s1, c1, o1) = out[0], out[n]
    say('callgrind, backlog %d over %d partitions (raw: %s)' % (
        n, PARTITIONS, tmp))
    say('  instructions: empty run %d, with backlog %d' % (t0, t1))
    say('  instructions per request: %.0f (total/N %.0f)' % (
        (t1 - t0) / n, t1 / n))
    for name in ALLOC:
        say('  %-8s calls per request: %.2f' % (name, (c1[name] - c0[name])
                                                 / n))
    say('  allocations per request (malloc+calloc+realloc): %.2f' % (
        sum(c1[a] - c0[a] for a in ALLOC[:3]) / n))
    say('  self instructions per request by object:')
    for ob, ir in sorted(((ob, o1[ob] - o0.get(ob, 0)) for ob in o1),
                         key=lambda kv: -kv[1])[:8]:
        say('    %8.0f  %5.1f%%  %s' % (ir / n, 100.0 * ir / (t1 - t0), ob))
    diff = {f: s1.get(f, 0) - s0.get(f, 0) for f in s1}
    top = sorted(diff.items(), key=lambda kv: -kv[1])[:25]
    say('  top functions by self instructions per request:')
    for f, ir in top:
        say('    %8.0f  %5.1f%%  %s' % (ir / n, 100.0 * ir / (t1 - t0), f))


# ---------------------------------------------------------------- strace

def parse_strace(path):
    calls = {}
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            parts = line.split()
            # % time, seconds, usecs/call, calls, [errors], syscall
            if len(parts) >= 5 and parts[0][0].isdigit() and \
                    parts[3].isdigit() and parts[-1] != 'total':
                calls[parts[-1]] = int(parts[3])
    return calls


def strace(nginx, n, tmp):
    out = {}
    for k in (0, n):
        path = os.path.join(tmp, 'strace.%d' % k)
        run_once(nginx, k, 'strace -f -c -o %s' % path, 'st%d' % k)
        out[k] = parse_strace(path)
    diff = {c: out[n].get(c, 0) - out[0].get(c, 0) for c in out[n]}
    total = sum(diff.values())
    say('strace -c -f, backlog %d over %d partitions (raw: %s)' % (
        n, PARTITIONS, tmp))
    say('  system calls per request: %.2f' % (total / n))
    for c, k in sorted(diff.items(), key=lambda kv: -kv[1])[:15]:
        say('    %7.2f  %s' % (k / n, c))


# ------------------------------------------------------------------ perf

def perf(nginx, n, tmp):
    path = os.path.join(tmp, 'perf.data')
    run_once(nginx, n, 'perf record -q -e cpu-clock -F 2000 -g -o %s --'
             % path, 'perf')
    rep = subprocess.run(['perf', 'report', '-i', path, '--stdio',
                          '--no-children', '--sort', 'dso,sym',
                          '--percent-limit', '0.7', '-g', 'none'],
                         capture_output=True, text=True)
    say('perf record -e cpu-clock, backlog %d (raw: %s)' % (n, path))
    for line in rep.stdout.splitlines():
        if line.strip() and not line.startswith('#'):
            say('  ' + line.strip())


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else 'callgrind'
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    if mode == 'report':  # profile.py report N DIR: callgrind files again
        callgrind_report(sys.argv[3], n)
        return 0
    nginx_bin = bench.find_nginx()
    if nginx_bin is None:
        say('nginx is not installed (tests/bench/bench.sh installs it)')
        return 2
    tmp = tempfile.mkdtemp(prefix='optout-profile-')  # kept
    nginx = bench.Nginx(nginx_bin)
    try:
        {'callgrind': callgrind, 'strace': strace,
         'perf': perf}[mode](nginx, n, tmp)
    finally:
        nginx.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
