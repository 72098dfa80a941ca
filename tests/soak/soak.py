#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""soak.py - optout-eraserd under a steady stream and random faults for a
long time (default 30 minutes).  Not a test of the suite: `make soak` runs
it; it prints a table and exits non-zero when a promise was broken.

What runs: librdkafka's mock cluster (3 brokers, requests over 12
partitions, results over 12), the test endpoint (tests/tools/endpoint.py,
every signature checked by botocore) and one daemon, which is never
restarted, so its memory and descriptors can be followed.  Requests arrive
at SOAK_RATE per second (the daemon's aws.rate_limit is three times
that, so that it can catch up after each event); half of the numbers are on the list (deleted), the
others are not (not_found).  All the time a share of the calls fails
(throttling, 5xx, proxy pages, resets, slow answers); every SOAK_EVENT_S
seconds one event is drawn at random:

  outage      every call answers a proxy's 503 page for 8 s
  broker      one broker down for 10 s, then up
  leader      the leader of a random requests partition moves
  skew        the endpoint's clock 10 minutes ahead for 20 s
  garbage     every call answers 200 with a body that is not JSON for 3 s
  slowloris   every call waits 2.5 s before its answer for 10 s

Every SOAK_SAMPLE_S seconds the daemon's RSS, descriptor count, thread
count and CPU time are sampled.  At the end the stream stops, the daemon
drains, and these promises are checked:

  - every request has its outcome: none missing (duplicates, which the
    at-least-once guarantee allows around broker faults, are counted);
  - no outcome is "failed" or "rejected" (every fault above is one the
    daemon retries or pauses on);
  - memory is flat: the median RSS of the last fifth of the run is within
    SOAK_RSS_SLACK_MB (default 4) of the median of the second fifth (the
    first fifth is warm-up);
  - descriptors are flat: the last sample is within 8 of the second
    fifth's median, and the maximum within 80 (a slow endpoint holds one
    connection per call on the wire, http.max_connections = 64 at most).

Settings (environment): SOAK_SECONDS (1800), SOAK_RATE (20), SOAK_EVENT_S
(60), SOAK_SAMPLE_S (10), SOAK_SEED (20261205), SOAK_EVENTS (the kinds to
draw from, comma-separated; default all six), SOAK_DRAIN_S (how long the
outcomes may take to arrive after the stream ends; 600), SOAK_CONFIG
(more configuration for the daemon, "key=value;key=value"), SOAK_OUT (a
directory for samples.csv, events.csv and rss-fds.png; default a new
temporary one).
"""

import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))
import lib  # noqa: E402

SECONDS = float(os.environ.get('SOAK_SECONDS', '1800'))
RATE = float(os.environ.get('SOAK_RATE', '20'))
EVENT_S = float(os.environ.get('SOAK_EVENT_S', '60'))
SAMPLE_S = float(os.environ.get('SOAK_SAMPLE_S', '10'))
SEED = int(os.environ.get('SOAK_SEED', '20261205'))
RSS_SLACK_MB = float(os.environ.get('SOAK_RSS_SLACK_MB', '4'))
KINDS = [k for k in os.environ.get(
    'SOAK_EVENTS', 'outage,broker,leader,skew,garbage,slowloris').split(',')
    if k]
DRAIN_S = float(os.environ.get('SOAK_DRAIN_S', '600'))
# A peak of descriptors is allowed while answers are slow: one connection
# per call on the wire, http.max_connections (64) at most, plus a few.
FD_PEAK = 64 + 16
PARTS = 12
LIST = 'soak'

BACKGROUND = [
    {'fault': 'ThrottlingException', 'rate': 0.03},
    {'fault': 'InternalServerException', 'rate': 0.01},
    {'fault': 'proxy:502', 'rate': 0.005},
    {'fault': 'reset', 'rate': 0.005},
    {'fault': 'slow:200', 'rate': 0.01},
]


def say(msg=''):
    print(msg, flush=True)


def fail(msg):
    say('soak: ' + msg)
    sys.exit(1)


def proc_sample(pid):
    """(rss_kb, fds, threads, cpu_s) of a running process."""
    rss = threads = 0
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                rss = int(line.split()[1])
            elif line.startswith('Threads:'):
                threads = int(line.split()[1])
    fds = len(os.listdir('/proc/%d/fd' % pid))
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    tick = os.sysconf('SC_CLK_TCK')
    cpu = (int(fields[11]) + int(fields[12])) / tick
    return rss, fds, threads, cpu


def median(values):
    s = sorted(values)
    if not s:
        return 0
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


class Events:
    """The random events, run from a thread of their own."""

    def __init__(self, cluster, endpoint, rng, log):
        self.cluster = cluster
        self.endpoint = endpoint
        self.rng = rng
        self.log = log
        self.stop = False

    def faults(self, extra):
        self.endpoint.set_faults(list(extra) + BACKGROUND,
                                 seed=self.rng.randrange(1 << 30))

    def sleep(self, seconds):
        end = time.monotonic() + seconds
        while not self.stop and time.monotonic() < end:
            time.sleep(0.2)

    def one(self, kind):
        if kind == 'outage':
            self.faults([{'fault': 'proxy:503', 'times': -1}])
            self.sleep(8)
            self.faults([])
        elif kind == 'broker':
            broker = self.rng.randint(1, 3)
            self.cluster.command('broker_down %d' % broker)
            self.sleep(10)
            self.cluster.command('broker_up %d' % broker)
        elif kind == 'leader':
            self.cluster.command('leader requests %d %d' % (
                self.rng.randrange(PARTS), self.rng.randint(1, 3)))
        elif kind == 'skew':
            self.endpoint.set_clock_offset(600)
            self.sleep(20)
            self.endpoint.set_clock_offset(0)
        elif kind == 'garbage':
            self.faults([{'fault': 'garbage', 'times': -1}])
            self.sleep(3)
            self.faults([])
        elif kind == 'slowloris':
            self.faults([{'fault': 'slow:2500', 'times': -1}])
            self.sleep(10)
            self.faults([])

    def run(self):
        kinds = KINDS
        self.faults([])
        while not self.stop:
            self.sleep(EVENT_S)
            if self.stop:
                break
            kind = self.rng.choice(kinds)
            self.log.append((time.time(), kind))
            try:
                self.one(kind)
            except Exception as e:  # noqa: BLE001 - reported, not fatal
                self.log.append((time.time(), '%s failed: %s' % (kind, e)))


def plot(out):
    if not shutil.which('gnuplot'):
        say('soak: gnuplot is missing (apt-get install gnuplot-nox): '
            'no plot')
        return None
    png = os.path.join(out, 'rss-fds.png')
    script = '\n'.join([
        'set terminal png size 900,500',
        "set output '%s'" % png,
        "set datafile separator ','",
        "set xlabel 'minutes'",
        "set ylabel 'RSS (MB)'",
        "set y2label 'descriptors, threads'",
        'set y2tics',
        'set ytics nomirror',
        'set yrange [0:*]',
        'set y2range [0:*]',
        'set key bottom right',
        "plot '%s' every ::1 using ($1/60):($2/1024) with lines "
        "title 'RSS' axes x1y1, "
        "'' every ::1 using ($1/60):3 with lines title 'fds' axes x1y2, "
        "'' every ::1 using ($1/60):4 with lines title 'threads' axes x1y2"
        % os.path.join(out, 'samples.csv'),
    ])
    subprocess.run(['gnuplot'], input=script.encode(), check=True)
    return png


def main():
    lib.require_tools()
    out = os.environ.get('SOAK_OUT') or tempfile.mkdtemp(prefix='optout-soak-')
    os.makedirs(out, exist_ok=True)
    rng = random.Random(SEED)
    count = int(SECONDS * RATE)
    numbers = ['+1555%07d' % i for i in range(count)]
    present = set(n for i, n in enumerate(numbers) if i % 2 == 0)
    records = [(n[1:], json.dumps({'RequestId': 'soak-%06d' % i,
                                   'OptOutListName': LIST,
                                   'OptedOutNumber': n}))
               for i, n in enumerate(numbers)]
    say('soak: %d requests at %g/s for %g s, events every %g s, seed %d'
        % (count, RATE, SECONDS, EVENT_S, SEED))
    say('soak: figures go to %s' % out)

    with lib.Cluster(topics=['requests:%d' % PARTS,
                             'results:%d' % PARTS]) as cluster, \
            lib.Endpoint() as ep:
        ep.set_state({'lists': [{'region': 'us-east-1', 'name': LIST,
                                 'numbers': sorted(present)}]})
        cfg = lib.base_config(cluster, ep, group='soak')
        cfg['log.level'] = 'info'
        # The retry settings are the daemon's defaults (base_config() has
        # short ones, for tests): a request may be retried for 15 minutes,
        # so a `failed` outcome here is a fault the daemon gave up on.
        for key in ('retry.base_ms', 'retry.cap_ms', 'retry.max_seconds'):
            cfg.pop(key, None)
        # The account's quota (aws.rate_limit, 10 calls/s by default) must
        # leave room above the stream's rate, or the backlog only grows and
        # the requests still waiting at the end look lost: three times the
        # rate, so that the daemon catches up after each event.
        cfg['aws.rate_limit'] = '%g' % max(10.0, 3 * RATE)
        for kv in filter(None, os.environ.get('SOAK_CONFIG', '').split(';')):
            k, _, v = kv.partition('=')
            cfg[k.strip()] = v.strip()
        daemon = lib.Daemon(cfg)
        if not daemon.wait_notify('^READY=1', 60):
            daemon.dump_log(lib.Tap())
            fail('the daemon did not become ready')
        start = time.monotonic()
        event_log = []
        events = Events(cluster, ep, rng, event_log)
        ev_thread = threading.Thread(target=events.run, daemon=True)
        ev_thread.start()
        stream = lib.Stream(cluster.bootstrap, 'requests', records, RATE,
                            timeout=120)
        samples = []
        with open(os.path.join(out, 'samples.csv'), 'w', newline='') as f:
            w = csv.writer(f)
            w.writerow(['seconds', 'rss_kb', 'fds', 'threads', 'cpu_s'])
            while stream.sent < count and daemon.alive():
                s = (time.monotonic() - start,) + proc_sample(daemon.pid)
                samples.append(s)
                w.writerow(['%.0f' % s[0]] + list(s[1:]))
                f.flush()
                time.sleep(SAMPLE_S)
            events.stop = True
            ev_thread.join(60)
            ep.set_faults([])
            ep.set_clock_offset(0)
            if not stream.join(180):
                fail('the request stream did not finish: %s'
                     % stream.errors[:3])
            got = lib.consume_all(cluster.bootstrap, 'results', count,
                                  timeout=DRAIN_S)
            if daemon.alive():
                s = (time.monotonic() - start,) + proc_sample(daemon.pid)
                samples.append(s)
                w.writerow(['%.0f' % s[0]] + list(s[1:]))
        alive = daemon.alive()
        rc = daemon.stop(60)
        log_tail = daemon.log().splitlines()[-40:]
        shutil.copy(daemon.log_path, os.path.join(out, 'daemon.log'))
        committed = lib.committed(cluster.bootstrap, 'soak', 'requests',
                                  list(range(PARTS)))
        ends = lib.end_offsets(cluster.bootstrap, 'requests',
                               list(range(PARTS)))

    with open(os.path.join(out, 'events.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['unix_time', 'event'])
        for t, kind in event_log:
            w.writerow(['%.0f' % t, kind])
    png = plot(out)

    by_id = {}
    kinds = {}
    for rec in got:
        o = rec['json'] or {}
        by_id.setdefault(o.get('RequestId'), []).append(o.get('Outcome'))
        kinds[o.get('Outcome')] = kinds.get(o.get('Outcome'), 0) + 1
    want = ['soak-%06d' % i for i in range(count)]
    missing = [r for r in want if r not in by_id]
    dups = sum(len(v) - 1 for v in by_id.values())
    bad = {k: v for k, v in kinds.items() if k in ('failed', 'rejected')}
    fifth = max(1, len(samples) // 5)
    warm = samples[fifth:2 * fifth] or samples
    last = samples[-fifth:]
    rss_a = median([s[1] for s in warm]) / 1024
    rss_b = median([s[1] for s in last]) / 1024
    fd_a = median([s[2] for s in warm])
    fd_last = samples[-1][2] if samples else 0
    fd_max = max(s[2] for s in samples) if samples else 0
    elapsed = samples[-1][0] if samples else 0
    cpu = samples[-1][4] if samples else 0

    say('')
    say('| figure | value |')
    say('|---|---|')
    say('| duration | %.1f min |' % (elapsed / 60))
    say('| requests | %d at %g/s |' % (count, RATE))
    say('| events | %d (%s) |' % (len(event_log), ', '.join(
        '%s %d' % (k, sum(1 for _, e in event_log if e == k))
        for k in sorted(set(e for _, e in event_log)))))
    say('| outcomes | %d (%s) |' % (len(got), ', '.join(
        '%s %d' % (k, v) for k, v in sorted(kinds.items(),
                                            key=lambda kv: str(kv[0])))))
    say('| missing | %d |' % len(missing))
    say('| duplicates | %d |' % dups)
    say('| committed / end offset per partition | %s |' % ', '.join(
        '%s/%s' % (committed.get(p), ends.get(p)) for p in range(PARTS)))
    say('| RSS, 2nd fifth median -> last fifth median | %.1f -> %.1f MB |'
        % (rss_a, rss_b))
    say('| RSS min / max after warm-up | %.1f / %.1f MB |' % (
        min(s[1] for s in samples[fifth:]) / 1024,
        max(s[1] for s in samples[fifth:]) / 1024))
    say('| descriptors, 2nd fifth median / last / max | %g / %d / %d |'
        % (fd_a, fd_last, fd_max))
    say('| threads (last) | %d |' % (samples[-1][3] if samples else 0))
    say('| daemon CPU | %.1f s (%.1f%% of a core) |'
        % (cpu, 100.0 * cpu / elapsed if elapsed else 0))
    say('| exit status at SIGTERM | %s |' % rc)
    if png:
        say('| plot | %s |' % png)

    problems = []
    if not alive:
        problems.append('the daemon died during the run')
        for line in log_tail:
            say('  ' + line)
    if rc != 0:
        problems.append('exit status %s at SIGTERM' % rc)
    if missing:
        problems.append('%d request(s) without an outcome (first: %s)'
                        % (len(missing), missing[:5]))
    if bad:
        problems.append('outcomes that should not happen: %s' % bad)
    if rss_b - rss_a > RSS_SLACK_MB:
        problems.append('RSS grew by %.1f MB' % (rss_b - rss_a))
    if fd_last - fd_a > 8 or fd_max - fd_a > FD_PEAK:
        problems.append('descriptors grew (%g -> %d, max %d)'
                        % (fd_a, fd_last, fd_max))
    for p in problems:
        say('soak: FAILED: ' + p)
    say('soak: %s' % ('ok' if not problems else 'FAILED'))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
