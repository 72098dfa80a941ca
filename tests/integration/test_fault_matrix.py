#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""test_fault_matrix.py - the cells of issue 13's fault matrix that no
other test covers, end to end, each asserting that nothing is lost.

Each cell has its own mock cluster (2 request partitions, 1 results
partition), endpoint and consumer group, samples the group's committed
offsets all along and checks at the end, from the outside: every request
has an outcome, the one its fault calls for; no request has two outcomes
unless a SIGKILL left it uncommitted (those are counted and printed);
every offset is committed; every offset seen committed had its outcome
first.

  endpoint     every error kind of the API and of the AWS framework, once
               or twice per number (the final ones always), HTTP 408, 429,
               5xx with text bodies, the HTML 503, a gateway's own
               502/503/504 pages and a proxy's 407, resets (before and in
               the middle of an answer), a closed connection, a 200 with a
               body that is not JSON, a truncated body (Content-Length
               larger than sent), a 3 MB body over the 1 MiB cap, an answer
               slower than http.timeout_ms, and slowloris answers (headers
               or body one byte every 300 ms): the transient ones end
               deleted, the final ones with their own outcome
  kills        SIGKILL at seeded random points after start (twice), SIGKILL
               during the shutdown drain (SIGTERM, then SIGKILL while held
               calls keep it draining), and the watchdog firing (a hung
               sender worker stops the WATCHDOG=1 pings; the test does what
               systemd does: SIGABRT, then a restart); a last run finishes
  credentials  container credentials that expire every 12 s while their
               source refuses connections, then answers malformed
               documents, then accepts connections and never answers, then
               comes back: no request fails, every one is deleted
  logdest      stdout and stderr on /dev/full, and on a pipe whose reader
               has gone (EPIPE): the daemon works as usual and exits 0

Kafka faults (broker down, cluster down, leader moves, results topic
down), SIGKILL repeated and during rebalances, clock skew and credentials
expiring in a steady stream are covered by test_scale.py, test_restart.py,
test_produce_errors.py, test_faults.py and test_credentials.py;
docs/RELIABILITY.md lists every cell and its test.

MATRIX_ONLY=endpoint,kills,... runs only the named cells. Figures are
printed as TAP diagnostics."""
import json
import os
import random
import re
import select
import signal
import socket
import threading
import time

import lib

tap = lib.Tap()
lib.require_tools(tap)

PARTS = 2
ONLY = [x for x in os.environ.get('MATRIX_ONLY', '').split(',') if x]
SEED = int(os.environ.get('MATRIX_SEED', '20261205'))


def request(rid, lst, number):
    return json.dumps({'RequestId': rid, 'OptOutListName': lst,
                       'OptedOutNumber': number})


class Cell:
    """One cell: its cluster, endpoint, group, requests and what came out."""

    def __init__(self, name, numbers, lst='m'):
        self.name = name
        self.t0 = time.time()
        self.mark = tap.failed
        self.cluster = lib.Cluster(topics=['requests:%d' % PARTS,
                                           'results:1'])
        self.endpoint = lib.Endpoint()
        self.endpoint.set_state({'lists': [{'region': 'us-east-1',
                                            'name': lst,
                                            'numbers': numbers}]})
        self.group = 'matrix-%s' % name
        self.ids = []
        self.samples = []
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self):
        while not self._stop.is_set():
            try:
                got = lib.committed(self.cluster.bootstrap, self.group,
                                    'requests', PARTS, 5)
                self.samples.append((time.time(), got))
            except Exception:  # noqa: BLE001 - a sample may fail
                pass
            self._stop.wait(0.5)

    def config(self, extra=None):
        cfg = lib.base_config(self.cluster, self.endpoint, self.group)
        cfg['log.level'] = 'info'
        cfg.update(extra or {})
        return cfg

    def records(self, items):
        out = []
        for rid, lst, number in items:
            self.ids.append(rid)
            out.append((number, request(rid, lst, number), None))
        return out

    def produce(self, items):
        lib.produce(self.cluster.bootstrap, 'requests', self.records(items))

    def committed(self):
        return {p: max(c, 0) for p, c in lib.committed(
            self.cluster.bootstrap, self.group, 'requests', PARTS).items()}

    def settle(self, timeout):
        """Waits for an outcome per request and every offset committed;
        returns (results, by_id, ends, committed)."""
        ends = lib.end_offsets(self.cluster.bootstrap, 'requests', PARTS)
        # An offset is committed after its outcome: once the ends are,
        # every outcome is there (check() sees whether that held).
        lib.wait_until(lambda: self.committed() == ends, timeout, 0.5)
        committed = self.committed()
        results = lib.consume_all(self.cluster.bootstrap, 'results',
                                  len(self.ids) * 3, 3.0)
        self._stop.set()
        self._sampler.join(10)
        by_id = {}
        for r in results:
            by_id.setdefault((r['json'] or {}).get('RequestId'), []).append(r)
        return results, by_id, ends, committed

    def check(self, results, by_id, ends, committed, repeatable=None):
        """The "nothing lost" checks. repeatable(partition, offset): True
        where a second outcome is allowed. Returns the repeats."""
        missing = [i for i in self.ids if i not in by_id]
        tap.is_(missing[:10], [], '%s: every one of %d requests has an '
                'outcome (%d missing)' % (self.name, len(self.ids),
                                          len(missing)))
        repeats = {i: len(v) for i, v in by_id.items() if len(v) > 1}
        bad = sorted(i for i, v in by_id.items() if len(v) > 1 and not (
            repeatable and all(repeatable(r['json']['Source']['Partition'],
                                          r['json']['Source']['Offset'])
                               for r in v)))
        tap.is_(bad[:10], [], '%s: no second outcome where none is allowed '
                '(%d requests repeated, %d outcomes over one each)'
                % (self.name, len(repeats), sum(repeats.values()) -
                   len(repeats)))
        tap.is_(committed, ends, '%s: every offset committed' % self.name)
        created = {}
        for r in results:
            src = r['json']['Source']
            key = (src['Partition'], src['Offset'])
            created[key] = min(created.get(key, 1e18), r['timestamp'] or 0)
        early = []
        for t, got in self.samples:
            for p, c in got.items():
                for o in range(max(c, 0)):
                    if created.get((p, o), 1e18) > t * 1000 + 1:
                        early.append((p, o))
        tap.is_(sorted(set(early))[:10], [], '%s: every offset seen '
                'committed had its outcome first (%d samples)'
                % (self.name, len(self.samples)))
        return repeats

    def outcomes(self, by_id):
        """{request id: first outcome}."""
        return {i: v[0]['json'].get('Outcome') for i, v in by_id.items()}

    def finish(self, daemons):
        for d in daemons:
            if d.alive():
                rc = d.stop(30)
                tap.is_(rc, 0, '%s: daemon %d: SIGTERM, exit 0'
                        % (self.name, d.pid))
        if tap.failed != self.mark:
            for d in daemons:
                d.dump_log(tap, 40, skip=d.ROUTINE)
        self.endpoint.stop()
        self.cluster.stop()
        tap.diag('%s: cell took %.1fs' % (self.name, time.time() - self.t0))


# --------------------------------------------------------------- endpoint

# (fault, times, expected outcome, expected Error.Code or None)
ENDPOINT_CELLS = [
    ('ResourceNotFoundException', -1, 'not_found',
     'ResourceNotFoundException'),
    ('ConflictException', -1, 'conflict', 'ConflictException'),
    ('ValidationException', -1, 'rejected', 'ValidationException'),
    ('ServiceQuotaExceededException', -1, 'failed',
     'ServiceQuotaExceededException'),
    ('ThrottlingException', 2, 'deleted', None),
    ('InternalServerException', 2, 'deleted', None),
    ('ServiceUnavailableException', 2, 'deleted', None),
    ('InternalFailure', 1, 'deleted', None),
    ('UnrecognizedClientException', 1, 'deleted', None),
    ('InvalidSignatureException', 1, 'deleted', None),
    ('ExpiredTokenException', 1, 'deleted', None),
    ('http:408', 1, 'deleted', None),
    ('http:429', 1, 'deleted', None),
    ('http:500', 1, 'deleted', None),
    ('http:502', 1, 'deleted', None),
    ('http:503', 1, 'deleted', None),
    ('http:504', 1, 'deleted', None),
    ('html503', 2, 'deleted', None),
    ('proxy:502', 1, 'deleted', None),
    ('proxy:503', 1, 'deleted', None),
    ('proxy:504', 1, 'deleted', None),
    ('proxy:407', 1, 'deleted', None),
    # libcurl resends silently, up to 5 times, a request whose reused
    # connection dies before any answer: 8 make the daemon retry.
    ('reset', 8, 'deleted', None),
    ('close', 8, 'deleted', None),
    ('garbage', 2, 'deleted', None),
    ('truncated', 2, 'deleted', None),
    ('cut', 2, 'deleted', None),
    ('huge:3000000', 1, 'deleted', None),
    # Far over http.timeout_ms (1500): the retry comes long before the
    # slow call is processed.
    ('slow:30000', 1, 'deleted', None),
    ('slowloris:300', 1, 'deleted', None),
    ('slowbody:300', 1, 'deleted', None),
]


def cell_endpoint():
    name = 'endpoint'
    numbers = ['+1415620%04d' % i for i in range(len(ENDPOINT_CELLS) + 20)]
    cell = Cell(name, numbers)
    faults = []
    items = []
    for i, (fault, times, _, _) in enumerate(ENDPOINT_CELLS):
        faults.append({'number': numbers[i], 'fault': fault, 'times': times})
        items.append(('%s-%s' % (name, fault), 'm', numbers[i]))
    # Requests without a fault around them: answers the daemon can compare
    # the faulty ones with (a fault is the number's, not the system's).
    for j, n in enumerate(numbers[len(ENDPOINT_CELLS):]):
        items.insert(2 * j, ('%s-plain-%02d' % (name, j), 'm', n))
    cell.endpoint.set_faults(faults)
    cell.produce(items)
    d = lib.Daemon(cell.config({
        'http.timeout_ms': '1500', 'http.connect_timeout_ms': '1000',
        'retry.base_ms': '20', 'retry.cap_ms': '300',
        'aws.rate_limit': '0', 'aws.rate_adaptive': 'false'}))
    results, by_id, ends, committed = cell.settle(90)
    took = time.time() - cell.t0
    cell.check(results, by_id, ends, committed)
    got = cell.outcomes(by_id)
    wrong = []
    table = []
    calls = cell.endpoint.calls()
    for i, (fault, times, want, code) in enumerate(ENDPOINT_CELLS):
        rid = '%s-%s' % (name, fault)
        first = by_id.get(rid, [{}])[0].get('json') or {}
        have = (first.get('Outcome'), (first.get('Error') or {}).get('Code'))
        if have != (want, code):
            wrong.append((fault, have))
        table.append('%s x%s -> %s after %s attempts (%d calls)' % (
            fault, times if times > 0 else 'always', first.get('Outcome'),
            first.get('Attempts'),
            sum(1 for c in calls if c['number'] == numbers[i])))
    tap.is_(wrong, [], '%s: each of %d fault kinds ends with its outcome '
            '(transient ones deleted, final ones their own)'
            % (name, len(ENDPOINT_CELLS)))
    plain = [got.get(i) for i in cell.ids if '-plain-' in i]
    tap.is_(plain, ['deleted'] * len(plain), '%s: the %d requests without '
            'a fault deleted' % (name, len(plain)))
    tap.ok(d.alive(), '%s: the daemon ran throughout' % name)
    for line in table:
        tap.diag('%s: %s' % (name, line))
    tap.diag('%s: %d requests, %d outcomes, %d calls, done in %.1fs'
             % (name, len(cell.ids), len(results), len(calls), took))
    cell.finish([d])


# ------------------------------------------------------------------ kills

KILL_COUNT = 120
LATE = 10
HOLD_MS = 60000
HANG_AFTER_S = 15   # the group has settled, held calls are on the wire


def cell_kills():
    name = 'kills'
    rng = random.Random(SEED)
    numbers = ['+1415630%04d' % i for i in range(KILL_COUNT + 2 + LATE)]
    cell = Cell(name, numbers)
    # Slow answers keep calls on the wire wherever a kill lands.
    cell.endpoint.set_faults([{'number': n, 'fault': 'slow:150',
                               'times': -1} for n in numbers[::2]])
    cell.produce([('%s-%03d' % (name, i), 'm', n)
                  for i, n in enumerate(numbers[:KILL_COUNT])])
    cfg = cell.config({'aws.rate_limit': '30',
                       'consumer.auto.commit.interval.ms': '500'})
    daemons = []
    kills = []      # (what, committed offsets once the process was dead)

    def killed(d, what, sig=signal.SIGKILL):
        d.signal(sig)
        rc = d.wait(15)
        tap.is_(rc, -sig, '%s: %s: daemon %d died of signal %d'
                % (name, what, d.pid, sig))
        kills.append((what, cell.committed()))

    # Two SIGKILLs at random points after the start (some before READY).
    for r in range(2):
        d = lib.Daemon(cfg)
        daemons.append(d)
        if r == 1:
            lib.wait_until(lambda: lib.consume_all(
                cell.cluster.bootstrap, 'results', 1, 1.0), 20, 0.2)
        delay = rng.uniform(0.5, 4.0)
        time.sleep(delay)   # the random point itself, not a wait
        killed(d, 'SIGKILL %.2fs after start' % delay)

    # SIGKILL during the shutdown drain: held calls keep it draining.
    held = numbers[KILL_COUNT:KILL_COUNT + 2]
    cell.endpoint.set_faults([{'number': n, 'fault': 'hold:%d' % HOLD_MS}
                              for n in held])
    d = lib.Daemon(cfg)
    daemons.append(d)
    tap.ok(d.wait_notify(r'^READY=1$', 30), '%s: ready' % name)
    cell.produce([('%s-held-%d' % (name, i), 'm', n)
                  for i, n in enumerate(held)])
    tap.ok(lib.wait_until(lambda: sum(
        1 for c in cell.endpoint.calls() if c['number'] in held) >= 2,
        30, 0.1), '%s: two calls held at the endpoint' % name)
    d.signal(signal.SIGTERM)
    stopping = d.wait_notify(r'^STOPPING=1$', 15)
    delay = rng.uniform(0.2, 1.0)
    time.sleep(delay)
    tap.ok(stopping and d.alive(), '%s: still draining %.2fs after SIGTERM'
           % (name, delay))
    killed(d, 'SIGKILL %.2fs into the shutdown drain' % delay)
    cell.endpoint.release()

    # The watchdog firing: a worker hangs while calls are on the wire (held
    # at the endpoint), the pings stop, the test does what systemd does.
    late = numbers[KILL_COUNT + 2:]
    cell.endpoint.set_faults([{'number': n, 'fault': 'hold:%d' % HOLD_MS}
                              for n in late])
    cell.produce([('%s-late-%d' % (name, i), 'm', n)
                  for i, n in enumerate(late)])
    d = lib.Daemon(cfg, env={'WATCHDOG_USEC': '1000000',
                             'OPTOUT_TEST_HANG_WORKER': str(HANG_AFTER_S)})
    daemons.append(d)
    tap.ok(d.wait_log(r'worker 0 hangs now', 30), '%s: a worker hangs'
           % name)
    on_wire = sum(1 for c in cell.endpoint.calls() if c['number'] in late)
    tap.ok(on_wire > 0, '%s: %d held calls on the wire when it hung'
           % (name, on_wire))

    def silent():
        times = [t for t, n in d.notifications_timed() if n == 'WATCHDOG=1']
        return times and time.monotonic() - times[-1] >= 2.0
    tap.ok(lib.wait_until(silent, 20, 0.1), '%s: the pings stopped for '
           'longer than WATCHDOG_USEC (1 s)' % name)
    killed(d, 'watchdog: SIGABRT', signal.SIGABRT)
    cell.endpoint.set_faults([])
    cell.endpoint.release()

    # The last run finishes the work.
    t_last = time.time()
    d = lib.Daemon(cfg)
    daemons.append(d)
    results, by_id, ends, committed = cell.settle(120)
    recover = time.time() - t_last

    def repeatable(p, o):
        return any(o >= c.get(p, 0) for _, c in kills)
    repeats = cell.check(results, by_id, ends, committed, repeatable)
    got = cell.outcomes(by_id)
    deleted_calls = {c['number'] for c in cell.endpoint.calls()
                     if c['status'] == 200 and not c['code']}
    odd = [i for i, o in got.items() if o not in ('deleted', 'not_found')]
    tap.is_(odd, [], '%s: outcomes are deleted, or not_found for a '
            'request whose deletion a kill hid' % name)
    left = [lst for lst in cell.endpoint.lists() if lst['name'] == 'm']
    tap.is_(left[0]['numbers'] if left else None, [],
            '%s: every number erased at the endpoint (%d successful calls)'
            % (name, len(deleted_calls)))
    for what, c in kills:
        tap.diag('%s: %s; committed then %s' % (name, what, c))
    tap.diag('%s: %d requests, %d outcomes, %d requests repeated (%d extra '
             'outcomes, allowed after a kill), last run done in %.1fs'
             % (name, len(cell.ids), len(results), len(repeats),
                sum(repeats.values()) - len(repeats), recover))
    cell.finish(daemons)


# ------------------------------------------------------------ credentials

class Relay:
    """A TCP relay in front of the endpoint's container credentials, in
    one of four modes: "pass" (forwards), "refuse" (nothing listens: the
    connection is refused), "silent" (accepts, never answers) and
    "malformed" (answers 200 with a credentials document that is not one,
    a different one each time)."""

    MALFORMED = [
        b'{"AccessKeyId": "ASIA',
        b'{"AccessKeyId": "ASIAXXXXXXXXXXXXXXXX"}',
        b'{"AccessKeyId": "ASIAXXXXXXXXXXXXXXXX", "SecretAccessKey": "s", '
        b'"Token": "t", "Expiration": "not a time"}',
        b'<html><body>captive portal</body></html>',
        b'[]',
    ]

    def __init__(self, target_port):
        self.target = target_port
        self.mode = 'pass'
        self.answers = {}
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        self.port = s.getsockname()[1]
        s.close()
        self.lsock = None
        self.open = {}      # connections served now: their mode
        self._lock = threading.Lock()
        self._listen()

    def _listen(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('127.0.0.1', self.port))
        s.listen(64)
        self.lsock = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def set_mode(self, mode):
        """Switches modes; connections kept open from before (a client's
        keep-alive) are closed, so that the next fetch meets the mode."""
        with self._lock:
            for conn, was in list(self.open.items()):
                if was == 'silent':
                    continue    # left to the client's own timeout
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            if mode == 'refuse' and self.lsock is not None:
                # close() alone leaves a thread blocked in accept()
                # holding the socket, still listening: shut it down.
                try:
                    self.lsock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self.lsock.close()
                self.lsock = None
            elif mode != 'refuse' and self.lsock is None:
                self._listen()
            self.mode = mode

    def _accept(self, s):
        while True:
            try:
                conn, _ = s.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    def _serve(self, conn):
        with self._lock:
            mode = self.mode
            self.answers[mode] = self.answers.get(mode, 0) + 1
            self.open[conn] = mode
        try:
            if mode == 'silent':
                conn.settimeout(60)
                while conn.recv(4096):
                    pass
            elif mode == 'malformed':
                conn.settimeout(5)
                data = b''
                while b'\r\n\r\n' not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                body = self.MALFORMED[self.answers[mode] % len(
                    self.MALFORMED)]
                conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: '
                             b'application/json\r\nContent-Length: %d\r\n'
                             b'Connection: close\r\n\r\n' % len(body) + body)
            else:
                self._pump(conn)
        except OSError:
            pass
        finally:
            with self._lock:
                self.open.pop(conn, None)
            conn.close()

    def _pump(self, conn):
        up = socket.create_connection(('127.0.0.1', self.target), 5)
        try:
            socks = [conn, up]
            while True:
                ready, _, _ = select.select(socks, [], [], 30)
                if not ready:
                    return
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (up if s is conn else conn).sendall(data)
        finally:
            up.close()

    def close(self):
        self.set_mode('refuse')


CRED_LIFETIME = 12
CRED_RATE = 4.0
CRED_SECONDS = 26


def cell_credentials():
    name = 'credentials'
    count = int(CRED_RATE * CRED_SECONDS)
    numbers = ['+1415640%04d' % i for i in range(count)]
    cell = Cell(name, numbers)
    cell.endpoint.update(issue={'lifetime_s': CRED_LIFETIME})
    cell.endpoint.set_credentials([])   # container keys only
    relay = Relay(cell.endpoint.port)
    env = cell.endpoint.credential_env('container')
    env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] = \
        'http://127.0.0.1:%d/_creds/container' % relay.port
    d = lib.Daemon(cell.config({'aws.rate_limit': '20'}), env=env)
    tap.ok(d.wait_notify(r'^READY=1$', 30), '%s: ready' % name)
    stream = lib.Stream(cell.cluster.bootstrap, 'requests', cell.records(
        [('%s-%03d' % (name, i), 'm', n) for i, n in enumerate(numbers)]),
        CRED_RATE)
    # The keys are refreshed half-way through their life (6 s after the
    # start): refused first, then malformed (they expire meanwhile), then
    # the source accepts and never answers: that phase lasts until a fetch
    # came (the refresher backs off) and 6 s more (its timeout is 5 s).
    phases = [('refuse', 8), ('malformed', 6), ('silent', 6)]
    t_fault = time.time()
    for mode, seconds in phases:
        relay.set_mode(mode)
        if mode == 'silent':
            tap.ok(lib.wait_until(lambda: relay.answers.get('silent'), 40,
                                  0.1), '%s: a fetch met the silent source'
                   % name)
        time.sleep(seconds)     # the phase itself, not a wait
    relay.set_mode('pass')
    t_back = time.time()
    tap.ok(stream.join(60), '%s: %d requests produced' % (name,
                                                          stream.sent))
    results, by_id, ends, committed = cell.settle(90)
    cell.check(results, by_id, ends, committed)
    got = cell.outcomes(by_id)
    tap.is_(sorted(set(got.values())), ['deleted'], '%s: every request '
            'deleted, none failed' % name)
    issued = cell.endpoint.credential_fetches()['issued']
    calls = cell.endpoint.calls()
    expired = [c for c in calls if c['code'] == 'ExpiredTokenException']
    tap.ok(len(issued) >= 2, '%s: keys issued before and after the faults '
           '(%d)' % (name, len(issued)))
    failed = re.findall(r'credentials: refresh failed \(([^)]*)\)',
                        d.log())
    kinds = {'refused': [w for w in failed if re.search(
                 r'connect|refused', w, re.I)],
             'timed out': [w for w in failed if re.search(
                 r'timed out', w, re.I)]}
    kinds['malformed'] = [w for w in failed if w not in kinds['refused'] +
                          kinds['timed out']]
    tap.is_(sorted(k for k, v in kinds.items() if v),
            ['malformed', 'refused', 'timed out'], '%s: refreshes failed '
            'on a refused connection, a malformed answer and a timeout '
            '(%d failures)' % (name, len(failed)))
    for why in failed:
        tap.diag('%s: refresh failed: %s' % (name, why))
    last = max((r['timestamp'] or 0) / 1000.0 for r in results) \
        if results else t_back
    relay.answers.pop('refuse', None)  # accepted before the switch
    tap.diag('%s: source faults %s; %d connections by mode %s; %d keys '
             'issued; %d calls refused as expired; %d requests, %d '
             'outcomes; last outcome %.1fs after the source came back'
             % (name, ', '.join('%s %ds' % p for p in phases),
                sum(relay.answers.values()), relay.answers, len(issued),
                len(expired), len(cell.ids), len(results),
                last - t_back))
    tap.diag('%s: faults began %.1fs after the start' % (
        name, t_fault - cell.t0))
    # How soon the keys fetched once the source was back were used: a
    # pause for rejected credentials used to wait for its next probe
    # (up to 30 s of backoff); the provider now tells the sender.
    fresh = [k for k in issued if k['issued_at'] >= t_back]
    if fresh:
        t_new = min(k['issued_at'] for k in fresh)
        akids = set(k['akid'] for k in fresh)
        used = [c['time'] for c in calls if c['akid'] in akids]
        done = [c['time'] for c in calls if c['akid'] in akids and
                c['status'] == 200]
        tap.diag('%s: new keys %.1fs after the source came back; first '
                 'call with them %.1fs and first call answered %.1fs after '
                 'they were issued' % (
                     name, t_new - t_back,
                     (min(used) - t_new) if used else -1,
                     (min(done) - t_new) if done else -1))
    cell.finish([d])
    relay.close()


# ---------------------------------------------------------------- logdest

def cell_logdest(label):
    name = 'logdest-%s' % label
    count = 40
    numbers = ['+1415650%04d' % i for i in range(count)]
    cell = Cell(name, numbers)
    cell.endpoint.set_faults([{'number': n, 'fault': 'InternalServerException'}
                              for n in numbers[::5]])
    if label == 'full':
        out = open('/dev/full', 'wb')
    else:
        rfd, wfd = os.pipe()
        os.close(rfd)
        out = wfd
    d = lib.Daemon(cell.config({'log.level': 'debug'}), output=out)
    if label == 'full':
        out.close()
    else:
        os.close(out)
    tap.ok(d.wait_notify(r'^READY=1$', 30), '%s: ready' % name)
    cell.produce([('%s-%03d' % (name, i), 'm', n)
                  for i, n in enumerate(numbers)])
    results, by_id, ends, committed = cell.settle(60)
    cell.check(results, by_id, ends, committed)
    tap.is_(sorted(set(cell.outcomes(by_id).values())), ['deleted'],
            '%s: all %d requests deleted' % (name, count))
    tap.ok(d.alive(), '%s: the daemon ran throughout' % name)
    tap.diag('%s: %d requests, %d outcomes in %.1fs' % (
        name, count, len(results), time.time() - cell.t0))
    cell.finish([d])


CELLS = [
    ('endpoint', cell_endpoint),
    ('kills', cell_kills),
    ('credentials', cell_credentials),
    ('logdest-full', lambda: cell_logdest('full')),
    ('logdest-pipe', lambda: cell_logdest('pipe')),
]

for cell_name, fn in CELLS:
    if ONLY and not any(cell_name == x or cell_name.startswith(x + '-')
                        for x in ONLY):
        continue
    try:
        fn()
    except (AssertionError, RuntimeError) as e:
        tap.ok(False, '%s: %s' % (cell_name, e))
if ONLY and tap.n == 0:
    tap.skip_all('MATRIX_ONLY=%s matches no cell' % ','.join(ONLY))
tap.done()
