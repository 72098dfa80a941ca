#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench.py - how fast and how frugal optout-eraserd is (figures, not a test).

Run through tests/bench/bench.sh (or `make bench`), which checks the build
and installs nginx, wrk and gnuplot when they are missing.  Every figure is
the median of BENCH_RUNS runs (default 3); a summary table ends the output.

1. Backlog, plain HTTP and TLS: nginx on 127.0.0.1 answers every POST with
   a fixed, valid DeleteOptedOutNumber 200 (x-amzn-RequestId included), so
   the daemon, not the endpoint, is what is measured; over TLS with a
   self-signed certificate made at run time (openssl), which the daemon
   trusts through aws.ca_file.  A backlog of BENCH_N requests (default
   200,000, distinct numbers) waits on a BENCH_PARTITIONS-partition
   (default 12) requests topic of the mock cluster; the daemon runs with
   aws.rate_limit=0 and sender.max_inflight=BENCH_INFLIGHT (default 1000).
   Figures: requests/s end to end (daemon start to last outcome) and in
   steady state (between the 10th and the 90th percentile of the outcome
   timestamps), CPU time per request (utime+stime of /proc/PID/stat after
   the backlog, over N), peak RSS (VmHWM).
2. The endpoint's own ceiling: wrk against the same nginx, the same
   method, path, headers and body (a signature of the same length), with
   http.max_connections' default number of connections, and the ratio
   daemon steady throughput / ceiling.
3. Latency at a fixed offered load: BENCH_RATE requests/s (default 1000)
   for BENCH_STEADY_S seconds (default 20) on an idle, joined daemon:
   p50/p99/p999 of the result record's timestamp minus the request
   record's, the first second left out.  librdkafka's mock broker holds
   an empty Fetch for the consumer's whole fetch.wait.max.ms (a real broker
   answers when data arrives), so the daemon runs with
   consumer.fetch.wait.max.ms=1 here (BENCH_FETCH_WAIT_MS): a record then
   waits at most 1 ms in the mock for a held Fetch.  With 10 the median
   was 7 ms, nearly all of it before the daemon had the record.
4. Quota: the quota-enforcing endpoint (tests/tools/endpoint.py, 10/s on
   us-east-1), a backlog of BENCH_QUOTA_N (default 300) with
   aws.rate_limit=10: goodput (deleted/s) against the quota, and the
   fraction of calls throttled.
5. Idle: a joined daemon with nothing to do for BENCH_IDLE_S seconds
   (default 60): CPU % of one core, and wake-ups per second (voluntary and
   involuntary context switches of all its threads, /proc/PID/task/*/status).
6. Scaling: backlog throughput, CPU per request and p99 latency against
   in-flight depth (sender.max_inflight: BENCH_DEPTHS), partitions
   (BENCH_PARTS_LIST) and instances in one group (BENCH_INSTANCES); with
   BENCH_SCALE_N requests each.  gnuplot draws throughput and p99 against
   in-flight depth into BENCH_PLOT (default docs/bench-inflight.png of the
   build directory).

BENCH_QUICK=1 runs everything small (about a minute and a half):
BENCH_N=5000, BENCH_RUNS=1, BENCH_STEADY_S=5, BENCH_IDLE_S=10, short
scaling lists.  BENCH_ONLY=backlog,ceiling,latency,quota,idle,scaling
runs only those parts; BENCH_TLS=0 leaves TLS out.  BENCH_CONFIG=
"key=value,key=value" adds daemon configuration to every run.  Figures
taken on a loaded machine (other processes on its cores) say little:
instruction counts (tests/bench/profile.py) do not depend on the load.
Every process started is stopped at exit.
"""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import http.client
import ssl

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'integration'))
import lib  # noqa: E402


def env_int(name, default):
    return int(os.environ.get(name, default))


def env_list(name, default):
    return [int(x) for x in os.environ.get(name, default).split(',') if x]


QUICK = os.environ.get('BENCH_QUICK', '') not in ('', '0')
N = env_int('BENCH_N', 5000 if QUICK else 200000)
RUNS = env_int('BENCH_RUNS', 1 if QUICK else 3)
PARTS = env_int('BENCH_PARTITIONS', 12)
INFLIGHT = env_int('BENCH_INFLIGHT', 1000)
RATE = env_int('BENCH_RATE', 1000)
STEADY_S = float(os.environ.get('BENCH_STEADY_S', 5 if QUICK else 20))
FETCH_WAIT_MS = env_int('BENCH_FETCH_WAIT_MS', 1)
QUOTA_N = env_int('BENCH_QUOTA_N', 60 if QUICK else 300)
QUOTA = 10
IDLE_S = float(os.environ.get('BENCH_IDLE_S', 10 if QUICK else 60))
SCALE_N = env_int('BENCH_SCALE_N', 2000 if QUICK else 50000)
DEPTHS = env_list('BENCH_DEPTHS', '16,256' if QUICK else '1,4,16,64,256,1000')
PARTS_LIST = env_list('BENCH_PARTS_LIST', '1,12' if QUICK else '1,4,12,24')
INSTANCES = env_list('BENCH_INSTANCES', '1,2' if QUICK else '1,2,3')
SCALE_RATE = env_int('BENCH_SCALE_RATE', 200 if QUICK else 500)
SCALE_STEADY_S = float(os.environ.get('BENCH_SCALE_STEADY_S',
                                      3 if QUICK else 10))
TLS = os.environ.get('BENCH_TLS', '1') not in ('', '0')
WRK_S = env_int('BENCH_WRK_S', 3 if QUICK else 10)
WRK_CONNECTIONS = 64  # http.max_connections' default
ONLY = set(x for x in os.environ.get('BENCH_ONLY', '').split(',') if x)
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
        listen 127.0.0.1:%(port)d%(ssl)s;
%(tls)s
        location / {
            default_type application/x-amz-json-1.0;
            add_header x-amzn-RequestId $request_id always;
            return 200 '%(body)s';
        }
    }
}
"""

NGINX_TLS = """\
        ssl_certificate %(dir)s/cert.pem;
        ssl_certificate_key %(dir)s/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:bench:1m;"""

WRK_LUA = """\
-- written by tests/bench/bench.py: the daemon's request, as wrk sends it
wrk.method = "POST"
wrk.path = "/"
wrk.body = %(body)s
wrk.headers["Host"] = "127.0.0.1"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "PinpointSMSVoiceV2.DeleteOptedOutNumber"
wrk.headers["X-Amz-Date"] = "20260101T000000Z"
wrk.headers["Authorization"] = %(auth)s
wrk.headers["User-Agent"] = "optout-eraserd/bench"
"""


def say(msg=''):
    print(msg, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def find_tool(name):
    for path in (shutil.which(name), '/usr/sbin/' + name,
                 '/usr/bin/' + name):
        if path and os.access(path, os.X_OK):
            return path
    return None


def find_nginx():
    return find_tool('nginx')


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


class Nginx:
    """nginx in the foreground answering a fixed DeleteOptedOutNumber,
    over plain HTTP or over TLS with a self-signed certificate."""

    def __init__(self, binary, tls=False):
        self.dir = lib.tempdir('optout-bench-nginx-')
        self.port = free_port()
        self.tls = tls
        self.ca_file = None
        scheme = 'https' if tls else 'http'
        self.url = '%s://127.0.0.1:%d' % (scheme, self.port)
        body = json.dumps({
            'OptOutListArn': 'arn:aws:sms-voice:us-east-1:%s:opt-out-list/%s'
                             % (ACCOUNT, LIST),
            'OptOutListName': LIST, 'OptedOutNumber': '+15550000000',
            'OptedOutTimestamp': 1.7e9, 'EndUserOptedOut': True})
        if tls:
            self._certificate()
        conf = os.path.join(self.dir, 'nginx.conf')
        with open(conf, 'w', encoding='utf-8') as f:
            f.write(NGINX_CONF % {
                'dir': self.dir, 'port': self.port, 'body': body,
                'ssl': ' ssl' if tls else '',
                'tls': NGINX_TLS % {'dir': self.dir} if tls else ''})
        self.log_path = os.path.join(self.dir, 'stderr.log')
        with open(self.log_path, 'wb') as log:
            self.proc = lib._spawn([binary, '-p', self.dir, '-c', conf],
                                   stdout=log, stderr=subprocess.STDOUT)
        if not lib.wait_until(self._answers, 10, 0.1):
            self.stop()
            raise RuntimeError('nginx did not start: %s %s' % (
                lib._read_text(self.log_path),
                lib._read_text(os.path.join(self.dir, 'error.log'))))

    def _certificate(self):
        """A P-256 self-signed certificate for 127.0.0.1 (and localhost)."""
        cert = os.path.join(self.dir, 'cert.pem')
        key = os.path.join(self.dir, 'key.pem')
        r = subprocess.run(
            ['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
             'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
             '-subj', '/CN=127.0.0.1', '-addext',
             'subjectAltName=IP:127.0.0.1,DNS:localhost',
             '-keyout', key, '-out', cert],
            capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError('openssl could not make a certificate: %s'
                               % r.stderr.strip())
        self.ca_file = cert

    def _answers(self):
        if self.proc.poll() is not None:
            raise RuntimeError('nginx exited: %s' % lib._read_text(
                self.log_path))
        try:
            if self.tls:
                ctx = ssl.create_default_context(cafile=self.ca_file)
                conn = http.client.HTTPSConnection('127.0.0.1', self.port,
                                                   timeout=2, context=ctx)
            else:
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


def context_switches(pid):
    """Voluntary + involuntary context switches of every thread."""
    total = 0
    task_dir = '/proc/%d/task' % pid
    for tid in os.listdir(task_dir):
        try:
            with open(os.path.join(task_dir, tid, 'status'),
                      encoding='ascii') as f:
                for line in f:
                    if line.startswith(('voluntary_ctxt_switches:',
                                        'nonvoluntary_ctxt_switches:')):
                        total += int(line.split()[1])
        except OSError:
            pass  # a thread that just ended
    return total


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
    if getattr(endpoint, 'ca_file', None):
        cfg['aws.ca_file'] = endpoint.ca_file
    cfg.update(EXTRA)
    return cfg


def backlog_records(n, area=1555, prefix='bench'):
    return [('+%d%07d' % (area, i), request('%s-%d' % (prefix, i),
                                            '+%d%07d' % (area, i)))
            for i in range(n)]


# -------------------------------------------------------------- backlog

def backlog_run(nginx, n, partitions=PARTS, inflight=INFLIGHT, instances=1):
    """One backlog drained by @instances daemons in one group: a dict of
    figures."""
    topics = ('requests:%d' % partitions, 'results:%d' % partitions)
    with lib.Cluster(topics=topics) as cluster:
        lib.produce(cluster.bootstrap, 'requests', backlog_records(n),
                    timeout=120 + n / 1000.0)
        daemons = []
        started = time.time()
        try:
            for _ in range(instances):
                cfg = daemon_config(cluster, nginx, 'bench', 0)
                cfg['sender.max_inflight'] = str(inflight)
                daemons.append(lib.Daemon(cfg))
            results = lib.consume_all(cluster.bootstrap, 'results', n,
                                      60 + n / 200.0)
            if len(results) < n or not all(d.alive() for d in daemons):
                for d in daemons:
                    d.dump_log(lib.Tap(), 20)
                raise RuntimeError('only %d of %d outcomes arrived' % (
                    len(results), n))
            cpu = sum(proc_cpu_seconds(d.pid) for d in daemons)
            rss = max(proc_status(d.pid, 'VmHWM') for d in daemons)
        finally:
            for d in daemons:
                d.stop(30)
    stamps = sorted(r['timestamp'] for r in results)
    lo, hi = percentile(stamps, 0.10), percentile(stamps, 0.90)
    inside = sum(1 for t in stamps if lo <= t <= hi)
    fig = {
        'e2e': n / max(1e-3, stamps[-1] / 1000.0 - started),
        'steady': (inside - 1) / max(1e-3, (hi - lo) / 1000.0),
        'cpu_us': cpu / n * 1e6,
        'rss_mb': rss / 1024.0,
        'deleted': sum(1 for r in results
                       if (r['json'] or {}).get('Outcome') == 'deleted'),
    }
    return fig


def backlog_medians(nginx, n, runs, **kw):
    figs = []
    for i in range(runs):
        f = backlog_run(nginx, n, **kw)
        say('  run %d: %.0f req/s end to end, %.0f req/s steady, %.1f us '
            'CPU/request, peak RSS %.1f MiB, %d deleted' % (
                i + 1, f['e2e'], f['steady'], f['cpu_us'], f['rss_mb'],
                f['deleted']))
        figs.append(f)
    return {k: median([f[k] for f in figs]) for k in figs[0]}


# ------------------------------------------------------------ wrk ceiling

def wrk_ceiling(nginx, runs):
    wrk = find_tool('wrk')
    if not wrk:
        raise RuntimeError('wrk is not installed (bench.sh installs it)')
    body = bench_body()
    auth = ('AWS4-HMAC-SHA256 Credential=%s/20260101/us-east-1/sms-voice/'
            'aws4_request, SignedHeaders=content-type;host;x-amz-date;'
            'x-amz-target, Signature=%s' % (lib.TEST_AKID, '0' * 64))
    script = os.path.join(nginx.dir, 'post.lua')
    with open(script, 'w', encoding='utf-8') as f:
        f.write(WRK_LUA % {'body': json.dumps(body),
                           'auth': json.dumps(auth)})
    rates = []
    for _ in range(runs):
        r = subprocess.run([wrk, '-t2', '-c%d' % WRK_CONNECTIONS,
                            '-d%ds' % WRK_S, '-s', script, nginx.url + '/'],
                           capture_output=True, text=True,
                           timeout=WRK_S + 60)
        rate = None
        for line in r.stdout.splitlines():
            if line.startswith('Requests/sec:'):
                rate = float(line.split()[1])
        if rate is None or 'Non-2xx' in r.stdout:
            raise RuntimeError('wrk failed: %s %s' % (r.stdout, r.stderr))
        rates.append(rate)
    return median(rates)


def bench_body():
    return json.dumps({'OptOutListName': LIST,
                       'OptedOutNumber': '+15550000000'},
                      separators=(',', ':'))


# --------------------------------------------------------------- latency

def latency_run(nginx, rate, seconds, inflight=INFLIGHT, area=1556):
    """p50/p99/p999 (ms) of request -> outcome at @rate/s on a joined
    daemon."""
    count = int(rate * seconds)
    with lib.Cluster(topics=('requests:%d' % PARTS,
                             'results:%d' % PARTS)) as cluster:
        cfg = daemon_config(cluster, nginx, 'bench-latency', 0)
        cfg['consumer.fetch.wait.max.ms'] = str(FETCH_WAIT_MS)
        cfg['sender.max_inflight'] = str(inflight)
        cfg['log.level'] = 'info'
        d = lib.Daemon(cfg)
        try:
            # Streaming before the group has assigned the partitions would
            # count the join as latency.
            if not d.wait_log(r'assigned \d+ partition', 30):
                say('  warning: no "assigned N partition(s)" after 30 s')
            stream = lib.Stream(cluster.bootstrap, 'requests',
                                backlog_records(count, area, 'lat'), rate)
            if not stream.join(seconds + 60):
                raise RuntimeError('the stream was not delivered: %s'
                                   % stream.errors)
            results = lib.consume_all(cluster.bootstrap, 'results', count,
                                      60)
            reqs = lib.consume_all(cluster.bootstrap, 'requests', count, 60)
        finally:
            d.stop(30)
    sent = {(r['partition'], r['offset']): r['timestamp'] for r in reqs}
    lat = []
    warmup = int(rate)  # the first second
    for r in results:
        o = r['json'] or {}
        rid = str(o.get('RequestId'))
        if int(rid.rsplit('-', 1)[1]) < warmup:
            continue
        src = o.get('Source') or {}
        t0 = sent.get((src.get('Partition'), src.get('Offset')))
        if t0 is not None:
            lat.append(r['timestamp'] - t0)
    lat.sort()
    if len(lat) < count - warmup:
        say('  warning: latency of only %d of %d requests' % (
            len(lat), count - warmup))
    return [percentile(lat, q) for q in (0.5, 0.99, 0.999)]


def latency_medians(nginx, runs, rate=RATE, seconds=STEADY_S, **kw):
    figs = []
    for i in range(runs):
        f = latency_run(nginx, rate, seconds, **kw)
        say('  run %d: p50 %s  p99 %s  p999 %s ms' % ((i + 1,) + tuple(f)))
        figs.append(f)
    return [median([f[k] for f in figs]) for k in range(3)]


# ----------------------------------------------------------------- quota

def quota_run(limit):
    nums = ['+1557%07d' % i for i in range(QUOTA_N)]
    with lib.Cluster(topics=('requests:8', 'results:1')) as cluster, \
            lib.Endpoint() as endpoint:
        endpoint.set_state({'account': ACCOUNT,
                            'lists': [{'name': LIST, 'numbers': nums}],
                            'quota': {'us-east-1': {'rate': QUOTA,
                                                    'burst': QUOTA}}})
        lib.produce(cluster.bootstrap, 'requests',
                    [(n, request('quota-%d' % i, n))
                     for i, n in enumerate(nums)])
        d = lib.Daemon(daemon_config(cluster, endpoint, 'bench-quota',
                                     limit))
        try:
            results = lib.consume_all(cluster.bootstrap, 'results', QUOTA_N,
                                      30 + QUOTA_N / 5.0)
        finally:
            d.stop(30)
        st = endpoint.stats()
    deleted = sum(1 for r in results
                  if (r['json'] or {}).get('Outcome') == 'deleted')
    return {'deleted': deleted, 'goodput': st['goodput'],
            'throttled': st['throttled_fraction'], 'calls': st['total']}


# ------------------------------------------------------------------ idle

def idle_run(seconds):
    """CPU % of one core and wake-ups/s of a joined daemon with nothing to
    do, connected to a 3-broker cluster."""
    with lib.Cluster(topics=('requests:%d' % PARTS, 'results:%d' % PARTS),
                     brokers=3) as cluster, lib.Endpoint() as endpoint:
        cfg = daemon_config(cluster, endpoint, 'bench-idle', 0)
        cfg['log.level'] = 'info'
        d = lib.Daemon(cfg)
        try:
            if not d.wait_log(r'assigned \d+ partition', 30):
                say('  warning: no "assigned N partition(s)" after 30 s')
            time.sleep(2)  # the join's own work
            cpu0, cs0, t0 = (proc_cpu_seconds(d.pid),
                             context_switches(d.pid), time.monotonic())
            time.sleep(seconds)
            cpu1, cs1, t1 = (proc_cpu_seconds(d.pid),
                             context_switches(d.pid), time.monotonic())
        finally:
            d.stop(30)
    return {'cpu_pct': 100.0 * (cpu1 - cpu0) / (t1 - t0),
            'wakeups': (cs1 - cs0) / (t1 - t0)}


# ---------------------------------------------------------------- report

class Report:
    """The summary rows, printed at the end; a failed part keeps a row."""

    def __init__(self):
        self.rows = []

    def add(self, name, value):
        self.rows.append((name, value))
        say('  -> %s: %s' % (name, value))

    def failed(self, part, err):
        say('%s failed: %s' % (part, err))
        self.rows.append((part, 'FAILED: %s' % err))

    def print(self, began):
        width = max(len(r[0]) for r in self.rows) if self.rows else 0
        say()
        say('== summary (BENCH_N=%d, BENCH_RUNS=%d, medians; %.0fs in all%s)'
            ' ==' % (N, RUNS, time.monotonic() - began,
                     ', quick mode' if QUICK else ''))
        for name, value in self.rows:
            say('%-*s  %s' % (width, name, value))

    def ok(self):
        return not any(v.startswith('FAILED') for _, v in self.rows)


def wanted(part):
    return not ONLY or part in ONLY


def part_backlog(nginx_bin, rep, kind, tls):
    """Backlog and ceiling figures over one transport."""
    nginx = Nginx(nginx_bin, tls=tls)
    say('== backlog over %s: %d requests, %d partitions, sender.max_inflight'
        '=%d, nginx %s ==' % (kind, N, PARTS, INFLIGHT, nginx.url))
    try:
        fig = None
        if wanted('backlog'):
            fig = backlog_medians(nginx, N, RUNS)
            rep.add('%s: requests/s end to end' % kind, '%.0f' % fig['e2e'])
            rep.add('%s: requests/s steady state' % kind,
                    '%.0f' % fig['steady'])
            rep.add('%s: CPU per request' % kind, '%.1f us' % fig['cpu_us'])
            rep.add('%s: peak RSS (%d in flight, backlog %d)' % (
                kind, INFLIGHT, N), '%.1f MiB' % fig['rss_mb'])
        if wanted('ceiling'):
            say('== wrk ceiling over %s: %d connections, %d s ==' % (
                kind, WRK_CONNECTIONS, WRK_S))
            ceiling = wrk_ceiling(nginx, RUNS)
            rep.add('%s: endpoint ceiling (wrk)' % kind,
                    '%.0f requests/s' % ceiling)
            if fig:
                rep.add('%s: daemon steady / ceiling' % kind,
                        '%.1f%%' % (100.0 * fig['steady'] / ceiling))
        if wanted('latency') and not tls:
            say('== latency over %s at %d requests/s for %.0f s ==' % (
                kind, RATE, STEADY_S))
            lat = latency_medians(nginx, RUNS)
            rep.add('%s: latency at %d/s p50 / p99 / p999' % (kind, RATE),
                    '%s / %s / %s ms' % tuple(lat))
    finally:
        nginx.stop()


def part_quota(rep):
    say('== quota %d/s: %d requests, aws.rate_limit=%d ==' % (
        QUOTA, QUOTA_N, QUOTA))
    figs = []
    for i in range(RUNS):
        f = quota_run(QUOTA)
        say('  run %d: %d of %d deleted, %d calls, goodput %.2f/s, '
            'throttled %.1f%%' % (i + 1, f['deleted'], QUOTA_N, f['calls'],
                                  f['goodput'], 100 * f['throttled']))
        figs.append(f)
    good = median([f['goodput'] for f in figs])
    rep.add('quota %d/s: goodput' % QUOTA, '%.2f deleted/s (%.1f%% of the '
            'quota)' % (good, 100.0 * good / QUOTA))
    rep.add('quota %d/s: throttled' % QUOTA, '%.2f%% of calls' % (
        100 * median([f['throttled'] for f in figs])))


def part_idle(rep):
    say('== idle: %.0f s with nothing to do, 3 brokers ==' % IDLE_S)
    figs = []
    for i in range(RUNS):
        f = idle_run(IDLE_S)
        say('  run %d: %.3f%% of a core, %.1f wake-ups/s' % (
            i + 1, f['cpu_pct'], f['wakeups']))
        figs.append(f)
    rep.add('idle: CPU', '%.3f%% of one core' % median(
        [f['cpu_pct'] for f in figs]))
    rep.add('idle: wake-ups', '%.1f per second (all threads)' % median(
        [f['wakeups'] for f in figs]))


def part_scaling(nginx_bin, rep):
    nginx = Nginx(nginx_bin)
    rows = []
    try:
        say('== scaling with in-flight depth: %d requests each ==' % SCALE_N)
        for depth in DEPTHS:
            say(' sender.max_inflight=%d' % depth)
            f = backlog_medians(nginx, SCALE_N, RUNS, inflight=depth)
            lat = latency_medians(nginx, RUNS, rate=SCALE_RATE,
                                  seconds=SCALE_STEADY_S, inflight=depth)
            rows.append((depth, f['steady'], lat[1]))
            rep.add('in flight %d: steady / CPU / p99 at %d/s' % (
                depth, SCALE_RATE), '%.0f req/s / %.1f us / %s ms' % (
                    f['steady'], f['cpu_us'], lat[1]))
        plot(rows)
        say('== scaling with partitions ==')
        for parts in PARTS_LIST:
            f = backlog_medians(nginx, SCALE_N, RUNS, partitions=parts)
            rep.add('%d partition(s): steady / CPU / RSS' % parts,
                    '%.0f req/s / %.1f us / %.1f MiB' % (
                        f['steady'], f['cpu_us'], f['rss_mb']))
        say('== scaling with instances (one group, %d partitions) ==' % PARTS)
        for inst in INSTANCES:
            f = backlog_medians(nginx, SCALE_N, RUNS, instances=inst)
            rep.add('%d instance(s): e2e / CPU (all)' % inst,
                    '%.0f req/s / %.1f us' % (f['e2e'], f['cpu_us']))
    finally:
        nginx.stop()


def plot(rows):
    """Throughput and p99 against in-flight depth: BENCH_PLOT (PNG)."""
    out = os.environ.get('BENCH_PLOT') or os.path.join(
        lib.top_builddir(), 'docs', 'bench-inflight.png')
    data = os.path.join(lib.tempdir('optout-bench-plot-'), 'inflight.dat')
    with open(data, 'w', encoding='ascii') as f:
        f.write('# depth steady_req_per_s p99_ms\n')
        for depth, rate, p99 in rows:
            f.write('%d %.1f %s\n' % (depth, rate,
                                      p99 if p99 is not None else 'NaN'))
    gnuplot = find_tool('gnuplot')
    if not gnuplot:
        say('  gnuplot is not installed: no plot (data in %s)' % data)
        return
    os.makedirs(os.path.dirname(out), exist_ok=True)
    script = """\
set terminal pngcairo size 900,500 noenhanced
set output '%(out)s'
set title 'optout-eraserd against nginx: throughput and p99 latency by in-flight depth%(quick)s'
set logscale x 2
set xlabel 'sender.max_inflight'
set ylabel 'steady requests/s'
set y2label 'p99 request -> outcome latency at %(rate)d/s (ms)'
set ytics nomirror
set y2tics
set key top left
plot '%(data)s' using 1:2 with linespoints title 'requests/s (backlog)' axes x1y1, \\
     '%(data)s' using 1:3 with linespoints title 'p99 ms' axes x1y2
""" % {'out': out, 'data': data, 'rate': SCALE_RATE,
       'quick': ' (quick mode)' if QUICK else ''}
    r = subprocess.run([gnuplot], input=script, capture_output=True,
                       text=True)
    if r.returncode != 0:
        say('  gnuplot failed: %s' % r.stderr.strip())
    else:
        say('  plot: %s' % out)


def main():
    lib.require_tools(lib.Tap())
    nginx_bin = find_nginx()
    if nginx_bin is None:
        say('nginx is not installed (tests/bench/bench.sh installs it)')
        return 2
    say('optout-eraserd benchmark: %s, %d CPUs, %s, load average %s' % (
        lib.daemon_path(), os.cpu_count(), subprocess.run(
            [nginx_bin, '-v'], capture_output=True, text=True).stderr.strip(),
        ' '.join('%.2f' % x for x in os.getloadavg())))
    if EXTRA:
        say('extra daemon configuration: %s' % ', '.join(
            '%s=%s' % kv for kv in sorted(EXTRA.items())))
    began = time.monotonic()
    rep = Report()
    for kind, tls in (('HTTP', False), ('TLS', True)):
        if tls and not TLS:
            continue
        if any(wanted(p) for p in ('backlog', 'ceiling', 'latency')):
            try:
                part_backlog(nginx_bin, rep, kind, tls)
            except (RuntimeError, AssertionError, OSError,
                    subprocess.SubprocessError) as e:
                rep.failed('%s backlog part' % kind, e)
    for part, fn in (('quota', lambda: part_quota(rep)),
                     ('idle', lambda: part_idle(rep)),
                     ('scaling', lambda: part_scaling(nginx_bin, rep))):
        if wanted(part):
            try:
                fn()
            except (RuntimeError, AssertionError, OSError,
                    subprocess.SubprocessError) as e:
                rep.failed('%s part' % part, e)
    say('load average at the end: %s' % ' '.join(
        '%.2f' % x for x in os.getloadavg()))
    rep.print(began)
    return 0 if rep.ok() else 1


if __name__ == '__main__':
    sys.exit(main())
