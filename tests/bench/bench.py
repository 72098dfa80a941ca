#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench.py - how fast and how frugal optout-eraserd is (figures, not a test).

Run through tests/bench/bench.sh (or `make bench`), which checks the build
and installs nginx when it is missing. Two parts:

1. Throughput against a fast endpoint: nginx on 127.0.0.1 answers every
   POST with a fixed, valid DeleteOptedOutNumber 200 (x-amzn-RequestId
   included), so the daemon, not the endpoint, is what is measured. A
   backlog of BENCH_N requests (default 20000, distinct numbers) waits on
   an 8-partition requests topic of the mock cluster; the daemon runs with
   aws.rate_limit=0. Figures: requests/s from the first to the last outcome
   (result record timestamps), CPU time per request (utime+stime from
   /proc/PID/stat after the backlog, divided by BENCH_N), peak RSS (VmHWM).
   Then, with the backlog gone, requests arrive at a steady BENCH_RATE/s
   (default 300) for BENCH_STEADY_S seconds (default 10): latency is the
   result record's timestamp minus the request record's timestamp, so it
   is the time a request spends in the daemon, not queueing in a backlog.
   librdkafka's mock broker holds an empty Fetch for the consumer's whole
   fetch.wait.max.ms (500 ms by default) even when records arrive
   meanwhile (a real broker answers at once), so that latency is measured
   twice: with the daemon as configured, and with a second daemon (on a
   fresh cluster) given consumer.fetch.wait.max.ms=10, whose figure is the
   daemon's own. The first second of each stream is a warm-up (connections,
   the producer's first batches) and is left out of the percentiles.

2. Against the quota-enforcing endpoint (tests/tools/endpoint.py, quota
   10/s on us-east-1): a backlog of BENCH_QUOTA_N (default 300) with
   aws.rate_limit=10 and with aws.rate_limit=25: goodput (deleted/s) and
   the fraction of calls throttled. The daemon keeps its default retry
   policy here.

BENCH_CONFIG="key=value,key=value" adds daemon configuration to every run
(e.g. consumer.fetch.wait.max.ms=10 to see what the consumer's fetch wait
costs in latency). A summary table ends the output. Every process started
is stopped at exit.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import http.client

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'integration'))
import lib  # noqa: E402

N = int(os.environ.get('BENCH_N', '20000'))
RATE = int(os.environ.get('BENCH_RATE', '300'))
STEADY_S = float(os.environ.get('BENCH_STEADY_S', '10'))
QUOTA_N = int(os.environ.get('BENCH_QUOTA_N', '300'))
QUOTA_LIMITS = [int(x) for x in os.environ.get(
    'BENCH_QUOTA_LIMITS', '10,25').split(',') if x]
ACCOUNT = lib.TEST_ACCOUNT
LIST = 'bench'
EXTRA = dict(kv.split('=', 1) for kv in os.environ.get(
    'BENCH_CONFIG', '').split(',') if '=' in kv)
CLK_TCK = os.sysconf('SC_CLK_TCK')

NGINX_CONF = """\
# written by tests/bench/bench.py: one foreground process, no root paths
daemon off;
master_process off;
worker_processes 1;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %(dir)s/body;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    server {
        listen 127.0.0.1:%(port)d;
        location / {
            default_type application/x-amz-json-1.0;
            add_header x-amzn-RequestId $request_id always;
            return 200 '%(body)s';
        }
    }
}
"""


def say(msg=''):
    print(msg, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def find_nginx():
    for path in (shutil.which('nginx'), '/usr/sbin/nginx'):
        if path and os.access(path, os.X_OK):
            return path
    return None


class Nginx:
    """nginx in the foreground answering a fixed DeleteOptedOutNumber."""

    def __init__(self, binary):
        self.dir = lib.tempdir('optout-bench-nginx-')
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        body = json.dumps({
            'OptOutListArn': 'arn:aws:sms-voice:us-east-1:%s:opt-out-list/%s'
                             % (ACCOUNT, LIST),
            'OptOutListName': LIST, 'OptedOutNumber': '+15550000000',
            'OptedOutTimestamp': 1.7e9, 'EndUserOptedOut': True})
        conf = os.path.join(self.dir, 'nginx.conf')
        with open(conf, 'w', encoding='utf-8') as f:
            f.write(NGINX_CONF % {'dir': self.dir, 'port': self.port,
                                  'body': body})
        self.log_path = os.path.join(self.dir, 'stderr.log')
        with open(self.log_path, 'wb') as log:
            self.proc = lib._spawn([binary, '-p', self.dir, '-c', conf],
                                   stdout=log, stderr=subprocess.STDOUT)
        if not lib.wait_until(self._answers, 10, 0.1):
            self.stop()
            raise RuntimeError('nginx did not start: %s %s' % (
                lib._read_text(self.log_path),
                lib._read_text(os.path.join(self.dir, 'error.log'))))

    def _answers(self):
        if self.proc.poll() is not None:
            raise RuntimeError('nginx exited: %s' % lib._read_text(
                self.log_path))
        try:
            conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                              timeout=2)
            conn.request('POST', '/', body=b'{}')
            resp = conn.getresponse()
            resp.read()
            conn.close()
            return resp.status == 200 and resp.getheader('x-amzn-RequestId')
        except OSError:
            return False

    def stop(self):
        return lib._stop_process(self.proc)


def proc_cpu_seconds(pid):
    with open('/proc/%d/stat' % pid, encoding='ascii') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    # fields[0] is field 3 (state): utime is field 14, stime field 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_status(pid, key):
    with open('/proc/%d/status' % pid, encoding='ascii') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])  # kB
    return None


def request(rid, number, lst=LIST):
    return json.dumps({'RequestId': rid, 'OptOutListName': lst,
                       'OptedOutNumber': number})


def percentile(sorted_values, q):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, int(-(-q * len(sorted_values) // 1)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def daemon_config(cluster, endpoint, group, rate_limit, test_retry=False):
    cfg = lib.base_config(cluster, endpoint, group)
    if not test_retry:
        cfg.pop('retry.base_ms', None)
        cfg.pop('retry.cap_ms', None)
    cfg['aws.rate_limit'] = str(rate_limit)
    cfg['log.level'] = 'notice'
    cfg.update(EXTRA)
    return cfg


def wait_results(bootstrap, count, timeout):
    return lib.consume_all(bootstrap, 'results', count, timeout)


# ------------------------------------------------------------ throughput

def bench_throughput(nginx_bin, fig):
    """Fills fig as it measures (so a failure keeps what was measured)."""
    say('== 1. throughput: %d requests against nginx (fixed 200), '
        'aws.rate_limit=0 ==' % N)
    nginx = Nginx(nginx_bin)
    say('nginx %s on %s' % (nginx.proc.pid, nginx.url))
    with lib.Cluster(topics=('requests:8', 'results:8')) as cluster:
        t = time.monotonic()
        lib.produce(cluster.bootstrap, 'requests',
                    [('+1555%07d' % i, request('bench-%d' % i,
                                               '+1555%07d' % i))
                     for i in range(N)], timeout=120)
        say('backlog of %d produced in %.1fs' % (N, time.monotonic() - t))
        d = lib.Daemon(daemon_config(cluster, nginx, 'bench', 0))
        started = time.time()
        results = wait_results(cluster.bootstrap, N, 60 + N / 100.0)
        if len(results) < N or not d.alive():
            d.dump_log(lib.Tap(), 30)
            raise RuntimeError('only %d of %d outcomes arrived' % (
                len(results), N))
        cpu = proc_cpu_seconds(d.pid)
        stamps = sorted(r['timestamp'] for r in results)
        span = (stamps[-1] - stamps[0]) / 1000.0
        outcomes = {}
        for r in results:
            o = (r['json'] or {}).get('Outcome')
            outcomes[o] = outcomes.get(o, 0) + 1
        fig['outcomes'] = outcomes
        fig['rate'] = (len(stamps) - 1) / span if span > 0 else float('inf')
        fig['wall'] = stamps[-1] / 1000.0 - started
        fig['cpu_us'] = cpu / N * 1e6
        say('outcomes: %s' % ', '.join('%s %d' % kv for kv in
                                        sorted(outcomes.items())))
        say('first to last outcome: %.2fs -> %.0f requests/s (daemon start '
            'to last outcome %.2fs)' % (span, fig['rate'], fig['wall']))
        say('CPU: %.2fs user+system for %d requests -> %.0f us/request'
            % (cpu, N, fig['cpu_us']))

        count = int(RATE * STEADY_S)
        say('steady phase: %d requests at %d/s ...' % (count, RATE))
        fig['lat'] = steady(cluster, 'steady', 1556, N, count)
        fig['rss_kb'] = proc_status(d.pid, 'VmHWM')
        fig['cpu_all_us'] = proc_cpu_seconds(d.pid) / (N + count) * 1e6
        rc = d.stop(30)
        if rc != 0:
            say('warning: the daemon exited %s' % rc)
        say('peak RSS (VmHWM): %.1f MiB; CPU over both phases: %.0f '
            'us/request' % (fig['rss_kb'] / 1024.0, fig['cpu_all_us']))

    say('steady phase again: a fresh cluster, a new daemon with '
        'consumer.fetch.wait.max.ms=10 ...')
    with lib.Cluster(topics=('requests:8', 'results:8')) as cluster:
        cfg = daemon_config(cluster, nginx, 'bench-latency', 0)
        cfg['consumer.fetch.wait.max.ms'] = '10'
        cfg['log.level'] = 'info'
        d = lib.Daemon(cfg)
        # Streaming before the group has assigned the partitions would
        # count the join as latency.
        if not d.wait_log(r'assigned \d+ partition', 30):
            say('warning: no "assigned N partition(s)" in the log after 30 s')
        fig['lat10'] = steady(cluster, 'steady2', 1558, 0, count)
        d.stop(30)
    nginx.stop()


def steady(cluster, prefix, area, before, count):
    """Streams count requests at RATE/s; returns the [p50, p90, p99, max]
    latency in ms (result timestamp - request timestamp). before: records
    already on the topics."""
    stream = lib.Stream(cluster.bootstrap, 'requests',
                        [('+%d%07d' % (area, i),
                          request('%s-%d' % (prefix, i),
                                  '+%d%07d' % (area, i)))
                         for i in range(count)], RATE)
    if not stream.join(STEADY_S + 60):
        raise RuntimeError('the steady stream was not delivered: %s'
                           % stream.errors)
    total = before + count
    results = wait_results(cluster.bootstrap, total, 60)
    reqs = lib.consume_all(cluster.bootstrap, 'requests', total, 60)
    sent = {(r['partition'], r['offset']): r['timestamp'] for r in reqs}
    lat = []
    warmup = int(RATE)  # the first second
    for r in results:
        o = r['json'] or {}
        rid = str(o.get('RequestId'))
        if not rid.startswith(prefix + '-') or \
                int(rid.rsplit('-', 1)[1]) < warmup:
            continue
        src = o.get('Source') or {}
        t0 = sent.get((src.get('Partition'), src.get('Offset')))
        if t0 is not None:
            lat.append(r['timestamp'] - t0)
    lat.sort()
    if len(lat) < count - warmup:
        say('warning: latency of only %d of %d requests' % (
            len(lat), count - warmup))
    figs = [percentile(lat, q) for q in (0.5, 0.9, 0.99)] + \
        [lat[-1] if lat else None]
    say('latency over %d requests after a 1 s warm-up (ms): p50 %s  '
        'p90 %s  p99 %s  max %s' % ((len(lat),) + tuple(figs)))
    return figs


# ----------------------------------------------------------------- quota

def bench_quota(limit):
    say('== 2. quota 10/s: %d requests, aws.rate_limit=%d ==' % (QUOTA_N,
                                                                 limit))
    nums = ['+1557%07d' % i for i in range(QUOTA_N)]
    with lib.Cluster(topics=('requests:8', 'results:1')) as cluster, \
            lib.Endpoint() as endpoint:
        endpoint.set_state({'account': ACCOUNT,
                            'lists': [{'name': LIST, 'numbers': nums}],
                            'quota': {'us-east-1': {'rate': 10,
                                                    'burst': 10}}})
        lib.produce(cluster.bootstrap, 'requests',
                    [(n, request('quota-%d' % i, n))
                     for i, n in enumerate(nums)])
        d = lib.Daemon(daemon_config(cluster, endpoint, 'bench-quota',
                                     limit))
        results = wait_results(cluster.bootstrap, QUOTA_N,
                               30 + QUOTA_N / 5.0)
        d.stop(30)
        st = endpoint.stats()
    deleted = sum(1 for r in results
                  if (r['json'] or {}).get('Outcome') == 'deleted')
    fig = {'limit': limit, 'deleted': deleted, 'outcomes': len(results),
           'goodput': st['goodput'], 'throttled': st['throttled_fraction'],
           'calls': st['total'], 'span': st['span']}
    say('%d of %d deleted; %d calls in %.1fs; goodput %.2f deleted/s; '
        'throttled %.1f%% of calls' % (deleted, QUOTA_N, st['total'],
                                        st['span'], st['goodput'],
                                        100 * st['throttled_fraction']))
    return fig


def main():
    lib.require_tools(lib.Tap())
    nginx_bin = find_nginx()
    if nginx_bin is None:
        say('nginx is not installed (tests/bench/bench.sh installs it)')
        return 2
    say('optout-eraserd benchmark: %s, %d CPUs, %s' % (
        lib.daemon_path(), os.cpu_count(), subprocess.run(
            [nginx_bin, '-v'], capture_output=True, text=True).stderr.strip()))
    if EXTRA:
        say('extra daemon configuration: %s' % ', '.join(
            '%s=%s' % kv for kv in sorted(EXTRA.items())))
    began = time.monotonic()
    rows = []
    fig = {}
    try:
        bench_throughput(nginx_bin, fig)
    except (RuntimeError, AssertionError, OSError) as e:
        say('throughput part failed: %s' % e)
        rows.append(('throughput part', 'FAILED: %s' % e))
    if 'rate' in fig:
        rows.append(('backlog throughput (nginx, rate_limit=0)',
                     '%.0f requests/s' % fig['rate']))
        rows.append(('CPU per request (backlog)', '%.0f us' % fig['cpu_us']))
    if 'rss_kb' in fig:
        rows.append(('peak RSS (VmHWM)', '%.1f MiB' % (fig['rss_kb'] /
                                                       1024.0)))
    if 'lat' in fig:
        rows.append(('latency at %d req/s: p50 / p90 / p99 / max' % RATE,
                     '%s / %s / %s / %s ms' % tuple(fig['lat'])))
    if 'lat10' in fig:
        rows.append(('  same, consumer.fetch.wait.max.ms=10',
                     '%s / %s / %s / %s ms' % tuple(fig['lat10'])))
    for limit in QUOTA_LIMITS:
        try:
            fig = bench_quota(limit)
            rows.append(('quota 10/s, rate_limit=%d: goodput' % limit,
                         '%.2f deleted/s (%d/%d deleted)' % (
                             fig['goodput'], fig['deleted'], QUOTA_N)))
            rows.append(('quota 10/s, rate_limit=%d: throttled' % limit,
                         '%.1f%% of %d calls' % (100 * fig['throttled'],
                                                 fig['calls'])))
        except (RuntimeError, AssertionError, OSError) as e:
            say('quota part failed: %s' % e)
            rows.append(('quota 10/s, rate_limit=%d' % limit,
                         'FAILED: %s' % e))
    width = max(len(r[0]) for r in rows)
    say()
    say('== summary (BENCH_N=%d, %.0fs in all) ==' % (
        N, time.monotonic() - began))
    for name, value in rows:
        say('%-*s  %s' % (width, name, value))
    return 1 if any('FAILED' in v for _, v in rows) else 0


if __name__ == '__main__':
    sys.exit(main())
