#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""test_faults.py - the daemon under faults, end to end.

Each scenario gets its own mock cluster and endpoint, produces its requests
(up front, or as a steady stream when the endpoint changes under a running
daemon), reads the outcomes back from the results topic and checks the
committed offsets:

  mixed       random throttling, 5xx, HTML 503, connection resets and slow
              answers on every call: one outcome per request, all deleted,
              per-key order held, every call validly signed
  backlog     a 10/s quota: aws.rate_limit=10 drains a backlog at the quota
              without throttling; aws.rate_limit=20 (adaptive) still ends
              with everything deleted and little throttling
  outage-*    every call fails for ~12 s (> retry.max_seconds): 5xx,
              connection resets, credentials rejected, or a proxy's 403
              page without an AWS request id; the daemon pauses instead of
              failing anything, then finishes the stream
  denied-*    one denied list ends "denied" while others are deleted; a
              credential-level deny pauses the pipeline without "denied"
              outcomes, with two lists in traffic and with only one; a
              lone request of a denied list pauses the calls but not the
              consumption: an allowed request is the next probe
  paused-clock requests backing off when an outage begins do not use up
              their retry time while paused: after an outage longer than
              retry.max_seconds and one more throttle each they are deleted
  dns         an endpoint name that does not resolve: retried, then the
              pipeline pauses; no outcome, never "failed" after one attempt
  skew-*      the endpoint's clock 15 minutes off: the daemon corrects its
              clock from the Date header; at most one extra attempt

FAULTS_ONLY=mixed,outage-reset,... runs only the named scenarios (a prefix
such as "outage" selects its variants). Figures are printed as TAP
diagnostics.
"""

import json
import os
import re
import time

import lib

tap = lib.Tap()
lib.require_tools(tap)

PARTS = 4
ONLY = [x for x in os.environ.get('FAULTS_ONLY', '').split(',') if x]
DELETED = 'deleted'


def wanted(name):
    return not ONLY or any(name == x or name.startswith(x + '-')
                           for x in ONLY)


def request(rid, lst, number):
    return json.dumps({'RequestId': rid, 'OptOutListName': lst,
                       'OptedOutNumber': number})


def numbers(prefix, count):
    return ['%s%04d' % (prefix, i) for i in range(count)]


class Run:
    """One scenario: its cluster, endpoint, requests and outcomes."""

    def __init__(self, name, state):
        self.name = name
        self.cluster = lib.Cluster(topics=['requests:%d' % PARTS,
                                           'results:1'])
        self.endpoint = lib.Endpoint()
        self.endpoint.set_state(state)
        self.group = 'faults-%s' % name
        self.daemon = None
        self.ids = []
        self.started = None

    def config(self, extra):
        cfg = lib.base_config(self.cluster, self.endpoint, self.group)
        cfg['log.level'] = 'info'
        cfg.update(extra)
        return cfg

    def records(self, items):
        """items: (rid, list, number) -> records keyed by the number (so
        requests for one number share a partition)."""
        out = []
        for rid, lst, number in items:
            self.ids.append(rid)
            out.append((number, request(rid, lst, number), None))
        return out

    def produce(self, items):
        lib.produce(self.cluster.bootstrap, 'requests', self.records(items))

    def stream(self, items, rate):
        return lib.Stream(self.cluster.bootstrap, 'requests',
                          self.records(items), rate)

    def start(self, extra):
        self.started = time.time()
        self.daemon = lib.Daemon(self.config(extra))
        return self.daemon

    def settle(self, timeout):
        """Waits until every produced request has an outcome and is
        committed; returns (committed, ends, {request id: [outcome json,
        ...]}, seconds until the last outcome). Both waits are reported."""
        parts = list(range(PARTS))
        deadline = time.monotonic() + timeout
        ends = lib.end_offsets(self.cluster.bootstrap, 'requests', parts)
        lib.consume_all(self.cluster.bootstrap, 'results', len(self.ids),
                        timeout)
        took = time.time() - self.started
        committed = {}

        def done():
            committed.update(lib.committed(self.cluster.bootstrap,
                                           self.group, 'requests', parts))
            return committed == ends

        lib.wait_until(done, max(5.0, deadline - time.monotonic()), 0.5)
        tap.diag('%s: outcomes for all %d requests %.1fs after the start, '
                 'all committed %.1fs after the start' % (
                     self.name, len(self.ids), took,
                     time.time() - self.started))
        results = lib.consume_all(self.cluster.bootstrap, 'results',
                                  len(self.ids) * 2 + 1, 3.0)
        by_id = {}
        for r in results:
            o = r['json'] or {}
            by_id.setdefault(o.get('RequestId'), []).append(o)
        return dict(committed), ends, by_id, took

    def check_basics(self, committed, ends, by_id):
        """One outcome per request, all committed."""
        missing = [i for i in self.ids if i not in by_id]
        dups = sorted(i for i, v in by_id.items() if len(v) > 1)
        tap.is_(missing[:10], [], '%s: every request has an outcome (%d '
                'missing)' % (self.name, len(missing)))
        tap.is_(dups[:10], [], '%s: exactly one outcome per request (%d '
                'with more)' % (self.name, len(dups)))
        tap.is_(committed, ends, '%s: every offset committed' % self.name)

    def outcomes(self, by_id, ids=None):
        """{outcome: count} over ids (default: all), first outcome each."""
        out = {}
        for i in (self.ids if ids is None else ids):
            got = by_id.get(i)
            key = got[0].get('Outcome') if got else None
            out[key] = out.get(key, 0) + 1
        return out

    def finish(self, ok):
        """Stops everything; on failure, shows the daemon log's tail."""
        rc = None
        if self.daemon is not None:
            rc = self.daemon.stop(30)
            tap.is_(rc, 0, '%s: SIGTERM, exit 0' % self.name)
            if not ok:
                self.daemon.dump_log(tap, 60, skip=self.daemon.ROUTINE)
        self.endpoint.stop()
        self.cluster.stop()
        return rc


def all_ok_since(mark):
    return tap.failed == mark


# ------------------------------------------------------------------ mixed

def scenario_mixed():
    name = 'mixed'
    distinct = numbers('+1617555', 280)
    repeated = distinct[:10]
    state = {'lists': [{'region': 'us-east-1', 'name': 'mixed',
                        'numbers': distinct}]}
    run = Run(name, state)
    mark = tap.failed
    # 300 requests: 280 numbers, the first ten asked for twice more later
    # (same key: they must complete in offset order, the repeats finding
    # nothing left to delete).
    seq = list(distinct)
    for j, n in enumerate(repeated + repeated):
        seq.insert(15 + j * 13, n)
    items = [('mixed-%03d' % i, 'mixed', n) for i, n in enumerate(seq)]
    first = {}
    for rid, _, n in items:
        first.setdefault(n, rid)
    run.endpoint.set_faults([
        {'fault': 'ThrottlingException', 'rate': 0.20},
        {'fault': 'InternalServerException', 'rate': 0.15},
        {'fault': 'html503', 'rate': 0.05},
        {'fault': 'reset', 'rate': 0.05},
        {'fault': 'slow:300', 'rate': 0.05},
    ], seed=20261126)
    run.produce(items)
    # These throttles are drawn at random, whatever the rate: the adaptive
    # limiter (which slows down on quota throttling, see "backlog") would
    # crawl at its floor, so it is off here.
    run.start({'retry.base_ms': '10', 'retry.cap_ms': '200',
               'aws.rate_limit': '0', 'aws.rate_adaptive': 'false'})
    committed, ends, by_id, took = run.settle(300)
    run.check_basics(committed, ends, by_id)

    firsts = [rid for rid, _, n in items if first[n] == rid]
    repeats = [rid for rid, _, n in items if first[n] != rid]
    tap.is_(run.outcomes(by_id, firsts), {DELETED: len(firsts)},
            '%s: all %d first requests for a number end deleted'
            % (name, len(firsts)))
    tap.is_(run.outcomes(by_id, repeats), {'not_found': len(repeats)},
            '%s: the %d repeats, completed after them, find nothing left '
            '(not_found)' % (name, len(repeats)))
    calls = run.endpoint.calls()
    number_of = {rid: n for rid, _, n in items}
    for rid in firsts:
        got = by_id.get(rid)
        if got and got[0].get('Outcome') != DELETED:
            n = number_of[rid]
            t0 = min(c['time'] for c in calls if c['number'] == n)
            tap.diag('%s ended %s after %s attempts; the endpoint saw for '
                     'its number: %s' % (rid, got[0].get('Outcome'),
                                         got[0].get('Attempts'), ', '.join(
                                             '+%.3fs %s/%s' % (
                                                 c['time'] - t0,
                                                 c['fault'] or '-',
                                                 c['code'] or c['status'])
                                             for c in calls
                                             if c['number'] == n)))
    attempts = [v[0].get('Attempts', 0) for v in by_id.values() if v]
    retried = sum(1 for a in attempts if a > 1)
    tap.ok(retried > 0, '%s: %d requests needed more than one attempt '
           '(max %d)' % (name, retried, max(attempts or [0])))

    bad = [c for c in calls if not c['signature_ok']]
    tap.ok(calls and not bad, '%s: all %d API calls validly signed (%d '
           'not)' % (name, len(calls), len(bad)))
    # Per-key order: the answers the endpoint actually processed for a
    # repeated number are one deletion, then only "not found".
    disorder = []
    for n in repeated:
        seen = [c['code'] for c in calls if c['number'] == n and
                c['code'] in (None, 'ResourceNotFoundException')]
        if seen != [None, 'ResourceNotFoundException',
                    'ResourceNotFoundException']:
            disorder.append((n, seen))
        offs = [o['Source']['Offset'] for rid, _, num in items
                if num == n for o in by_id.get(rid, [])[:1]]
        if offs != sorted(offs):
            disorder.append((n, 'offsets', offs))
    tap.is_(disorder, [], '%s: per-key order held for the repeated keys'
            % name)
    results = lib.consume_all(run.cluster.bootstrap, 'results',
                              len(items) * 2, 2.0)
    order = {}
    for r in results:
        o = r['json'] or {}
        order.setdefault(r['key'], []).append(o['Source']['Offset'])
    tap.ok(all(v == sorted(v) for v in order.values()),
           '%s: results of one key appear in request offset order' % name)
    st = lib.call_stats(calls)
    tap.diag('%s: %d requests in %.1fs, %d calls (%s), %d attempts in the '
             'outcomes' % (name, len(items), took, st['total'], ', '.join(
                 '%s %d' % kv for kv in sorted(st['codes'].items())),
                 sum(attempts)))
    tap.diag('%s: calls per 5 s: %s' % (name, ' '.join(
        str(sum(st['per_second'][i:i + 5]))
        for i in range(0, len(st['per_second']), 5))))
    run.finish(all_ok_since(mark))


# ---------------------------------------------------------------- backlog

def backlog_run(label, rate_limit, count=200):
    name = 'backlog-%s' % label
    nums = numbers('+1303555', count)
    state = {'lists': [{'region': 'us-east-1', 'name': 'backlog',
                        'numbers': nums}],
             'quota': {'us-east-1': {'rate': 10, 'burst': 10}}}
    run = Run(name, state)
    mark = tap.failed
    run.produce([('%s-%03d' % (name, i), 'backlog', n)
                 for i, n in enumerate(nums)])
    run.start({'aws.rate_limit': str(rate_limit)})
    committed, ends, by_id, took = run.settle(90)
    run.check_basics(committed, ends, by_id)
    tap.is_(run.outcomes(by_id), {DELETED: count},
            '%s: all %d requests deleted' % (name, count))
    st = run.endpoint.stats()
    tap.diag('%s: aws.rate_limit=%s: %d calls over %.1fs = %.2f calls/s, '
             'goodput %.2f deleted/s, throttled %d (%.1f%%), peak %d calls '
             'in one second' % (name, rate_limit, st['total'], st['span'],
                                st['rate'], st['goodput'], st['throttled'],
                                100 * st['throttled_fraction'],
                                st['peak_per_second']))
    return run, st, mark


def scenario_backlog():
    run, st, mark = backlog_run('limit10', 10)
    tap.ok(st['throttled_fraction'] <= 0.02,
           'backlog-limit10: throttled fraction %.3f <= 0.02'
           % st['throttled_fraction'])
    tap.ok(8.0 <= st['rate'] <= 12.0,
           'backlog-limit10: %.2f calls/s, within 20%% of the quota'
           % st['rate'])
    tap.ok(16.0 <= st['span'] <= 24.0,
           'backlog-limit10: the backlog took %.1fs (~20 s)' % st['span'])
    run.finish(all_ok_since(mark))

    run, st, mark = backlog_run('limit20', 20)
    tap.ok(st['throttled_fraction'] <= 0.15,
           'backlog-limit20: throttled fraction %.3f <= 0.15 (adaptive)'
           % st['throttled_fraction'])
    tap.ok(st['goodput'] >= 8.0,
           'backlog-limit20: goodput %.2f deleted/s >= 80%% of the quota'
           % st['goodput'])
    run.finish(all_ok_since(mark))


# ----------------------------------------------------------------- outage

OUTAGE_S = 12.0
STREAM_RATE = 10.0
STREAM_S = 24.0


def stream_with_window(name, state, lists, begin, end, extra=None,
                       before=20, items=None):
    """Streams requests while calling begin() once `before` calls
    succeeded, and end() OUTAGE_S later. Returns (run, results...)."""
    run = Run(name, state)
    if items is None:
        count = int(STREAM_RATE * STREAM_S)
        items = [('%s-%03d' % (name, i), lists[i % len(lists)][0],
                  lists[i % len(lists)][1][i // len(lists)])
                 for i in range(count)]
    cfg = {'retry.max_seconds': '5', 'aws.rate_limit': '50'}
    cfg.update(extra or {})
    run.start(cfg)
    stream = run.stream(items, STREAM_RATE)
    started = lib.wait_until(lambda: run.endpoint.stats()['ok'] >= before,
                             20, 0.2)
    tap.ok(started, '%s: %d calls succeeded before the window' % (
        name, before))
    t0 = time.time()
    begin(run.endpoint)
    time.sleep(OUTAGE_S)
    end(run.endpoint)
    t1 = time.time()
    produced = stream.join(60)
    tap.ok(produced, '%s: %d requests produced as a stream' % (
        name, stream.sent))
    committed, ends, by_id, took = run.settle(90)
    run.check_basics(committed, ends, by_id)
    st = lib.call_stats(run.endpoint.calls(), t0, t1)
    after = lib.call_stats(run.endpoint.calls(), t1)
    tap.diag('%s: window %.1fs: %d calls (%s); after it: %d calls, last '
             'outcome %.1fs after the window' % (
                 name, t1 - t0, st['total'], ', '.join(
                     '%s %d' % kv for kv in sorted(st['codes'].items())),
                 after['total'], (after['last'] or t1) - t1))
    return run, by_id, items


def check_paused(run):
    log = run.daemon.log()
    paused = re.search(r'^.*paused.*$', log, re.M)
    resumed = re.search(r'^.*resumed.*$', log, re.M)
    tap.ok(paused, '%s: the daemon logged that it paused%s' % (
        run.name, ' (%s)' % paused.group(0).strip() if paused else ''))
    tap.ok(resumed, '%s: ... and that it resumed' % run.name)


def scenario_outage(variant):
    name = 'outage-%s' % variant
    count = int(STREAM_RATE * STREAM_S)
    nums = numbers('+1212555', count)
    state = {'lists': [{'region': 'us-east-1', 'name': 'stream',
                        'numbers': nums}]}
    if variant == 'server':
        def begin(ep):
            ep.set_faults([{'fault': 'InternalServerException', 'rate': 0.5},
                           {'fault': 'html503', 'rate': 0.5}])

        def end(ep):
            ep.set_faults([])
    elif variant == 'proxy':
        # A proxy or WAF in the way: its own 403 page, no AWS request id.
        def begin(ep):
            ep.set_faults([{'fault': 'http:403', 'times': -1}])

        def end(ep):
            ep.set_faults([])
    elif variant == 'reset':
        def begin(ep):
            ep.set_faults([{'fault': 'reset', 'times': -1}])

        def end(ep):
            ep.set_faults([])
    else:
        def begin(ep):
            ep.set_credentials([])

        def end(ep):
            ep.set_credentials(['%s:%s' % (lib.TEST_AKID, lib.TEST_SECRET)])
    mark = tap.failed
    run, by_id, items = stream_with_window(
        name, state, [('stream', nums)], begin, end)
    out = run.outcomes(by_id)
    tap.is_({k: v for k, v in out.items() if k in ('failed', 'denied')}, {},
            '%s: no failed or denied outcome although the outage (%.0fs) '
            'outlasts retry.max_seconds (5)' % (name, OUTAGE_S))
    tap.is_(out, {DELETED: len(items)}, '%s: all %d requests deleted'
            % (name, len(items)))
    check_paused(run)
    if variant == 'proxy':
        tap.ok(re.search(r'paused.*without AWS request ids.*proxy',
                         run.daemon.log()),
               '%s: the pause names the proxy' % name)
    calls = run.endpoint.calls()
    if variant == 'credentials':
        calls = [c for c in calls
                 if c['code'] != 'UnrecognizedClientException']
    if variant == 'proxy':
        calls = [c for c in calls if c['code'] != 'http']
    tap.ok(calls and all(c['signature_ok'] for c in calls),
           '%s: every call validly signed' % name)
    run.finish(all_ok_since(mark))


# ----------------------------------------------------------------- denied

def scenario_denied_list():
    """A request is denied on its own only when some other call was allowed
    after its first denial; with nothing allowed since, three denials pause
    the pipeline (a credential-level deny looks the same).  So the other
    list keeps streaming until every locked request has its outcome: with
    a fixed batch the last locked request could be called after every open
    one was answered (partitions are read in no set order), and then the
    pause was right and held it for good."""
    name = 'denied-list'
    opened = numbers('+1415777', 200)
    locked = numbers('+1415888', 10)
    state = {'lists': [{'region': 'us-east-1', 'name': 'open',
                        'numbers': opened},
                       {'region': 'us-east-1', 'name': 'locked',
                        'numbers': locked, 'denied': True}]}
    run = Run(name, state)
    mark = tap.failed
    items = []
    for i, n in enumerate(opened):
        items.append(('%s-open-%03d' % (name, i), 'open', n))
        if i % 6 == 3 and i // 6 < len(locked):
            items.append(('%s-locked-%02d' % (name, i // 6), 'locked',
                          locked[i // 6]))
    run.start({'aws.rate_limit': '50'})
    tap.ok(run.daemon.wait_notify(r'^READY=1$', 30), '%s: ready' % name)
    stream = run.stream(items, 20)
    decided = re.compile(r'^<\d>outcome denied: .* list locked ', re.M)
    tap.ok(lib.wait_until(lambda: len(decided.findall(run.daemon.log())) >=
                          len(locked), 60, 0.2),
           '%s: every locked request decided while the open list streams'
           % name)
    stream.stop()
    tap.ok(stream.join(60), '%s: %d requests produced as a stream' % (
        name, stream.sent))
    items = items[:stream.sent]
    del run.ids[stream.sent:]
    committed, ends, by_id, took = run.settle(90)
    run.check_basics(committed, ends, by_id)
    locked_ids = [rid for rid, lst, _ in items if lst == 'locked']
    open_ids = [rid for rid, lst, _ in items if lst == 'open']
    tap.is_(run.outcomes(by_id, locked_ids), {'denied': len(locked)},
            '%s: the denied list\'s requests end denied' % name)
    codes = {(by_id[i][0].get('Error') or {}).get('Code')
             for i in locked_ids if i in by_id}
    tap.is_(codes, {'AccessDeniedException'},
            '%s: with Error.Code AccessDeniedException' % name)
    tap.is_(run.outcomes(by_id, open_ids), {DELETED: len(open_ids)},
            '%s: the other list\'s requests are deleted' % name)
    tap.diag('%s: %d requests in %.1fs' % (name, len(items), took))
    run.finish(all_ok_since(mark))


def scenario_denied_all(lists=2):
    name = 'denied-all' if lists == 2 else 'denied-one'
    count = int(STREAM_RATE * STREAM_S)
    a = numbers('+1702555', count // lists + 1)
    b = numbers('+1702666', count // lists + 1)
    state = {'lists': [{'region': 'us-east-1', 'name': 'open-a',
                        'numbers': a},
                       {'region': 'us-east-1', 'name': 'open-b',
                        'numbers': b}]}
    in_traffic = [('open-a', a), ('open-b', b)][:lists]

    def begin(ep):
        ep.set_credentials([{'akid': lib.TEST_AKID,
                             'secret': lib.TEST_SECRET, 'denied': True}])

    def end(ep):
        ep.set_credentials(['%s:%s' % (lib.TEST_AKID, lib.TEST_SECRET)])

    mark = tap.failed
    run, by_id, items = stream_with_window(name, state, in_traffic, begin,
                                           end)
    out = run.outcomes(by_id)
    tap.is_(out.get('denied', 0), 0, '%s: no denied outcome for requests '
            'of allowed lists while everything was denied' % name)
    tap.is_(out, {DELETED: len(items)}, '%s: all %d requests deleted'
            % (name, len(items)))
    check_paused(run)
    run.finish(all_ok_since(mark))


def scenario_denied_lone():
    """A lone request for a denied list, nothing else in traffic, pauses
    the calls (it cannot be told from a broken policy), but not for
    retry.max_seconds: requests keep being read, one of an allowed list is
    the next probe, and its answer shows the denial is the list's own."""
    name = 'denied-lone'
    opened = numbers('+1415666', 20)
    state = {'lists': [{'region': 'us-east-1', 'name': 'open',
                        'numbers': opened},
                       {'region': 'us-east-1', 'name': 'locked',
                        'numbers': ['+14156660999'], 'denied': True}]}
    run = Run(name, state)
    mark = tap.failed
    run.start({'aws.rate_limit': '50'})   # retry.max_seconds: 900
    tap.ok(run.daemon.wait_notify(r'^READY=1$', 30), '%s: ready' % name)
    run.produce([('%s-locked' % name, 'locked', '+14156660999')])
    line = run.daemon.wait_log(r'pipeline paused: access denied', 30)
    tap.ok(line, '%s: the lone denial pauses the calls' % name)
    t0 = time.time()
    run.produce([('%s-open-%02d' % (name, i), 'open', n)
                 for i, n in enumerate(opened)])
    committed, ends, by_id, took = run.settle(90)
    run.check_basics(committed, ends, by_id)
    tap.is_(run.outcomes(by_id, ['%s-locked' % name]), {'denied': 1},
            '%s: the lone request ends denied' % name)
    tap.is_(run.outcomes(by_id, [i for i in run.ids if '-open-' in i]),
            {DELETED: len(opened)}, '%s: the allowed list\'s requests, '
            'sent during the pause, are deleted' % name)
    tap.diag('%s: everything done %.1fs after the allowed requests were '
             'produced (retry.max_seconds 900)' % (name, time.time() - t0))
    tap.ok(time.time() - t0 <= 60, '%s: well before retry.max_seconds'
           % name)
    run.finish(all_ok_since(mark))


# ------------------------------------------------------------ paused-clock

def scenario_paused_clock():
    """Requests backing off when an outage begins keep their retry time:
    an outage longer than retry.max_seconds, then one more throttle each,
    and they still end deleted."""
    name = 'paused-clock'
    victims = numbers('+1505111', 10)
    fillers = numbers('+1505222', 40)
    state = {'lists': [{'region': 'us-east-1', 'name': 'clock',
                        'numbers': victims + fillers}]}
    run = Run(name, state)
    mark = tap.failed
    run.endpoint.set_faults([{'number': v, 'fault': 'ThrottlingException',
                              'times': 1, 'retry_after_ms': 3000}
                             for v in victims])
    run.start({'retry.max_seconds': '10', 'aws.rate_limit': '20',
               'aws.rate_adaptive': 'false'})
    tap.ok(run.daemon.wait_notify(r'^READY=1$', 30), '%s: ready' % name)
    run.produce([('%s-v%02d' % (name, i), 'clock', n)
                 for i, n in enumerate(victims)])

    def throttled():
        return sum(1 for c in run.endpoint.calls()
                   if c.get('code') == 'ThrottlingException') >= len(victims)

    tap.ok(lib.wait_until(throttled, 20, 0.1),
           '%s: every victim throttled once (3 s retry-after)' % name)
    # The outage: credentials rejected for longer than retry.max_seconds;
    # more requests arrive meanwhile (they are held too).
    run.endpoint.set_credentials([])
    run.produce([('%s-f%02d' % (name, i), 'clock', n)
                 for i, n in enumerate(fillers)])
    time.sleep(14)
    run.endpoint.set_faults([{'number': v, 'fault': 'ThrottlingException',
                              'times': 1} for v in victims])
    run.endpoint.set_credentials(['%s:%s' % (lib.TEST_AKID,
                                             lib.TEST_SECRET)])
    committed, ends, by_id, took = run.settle(60)
    run.check_basics(committed, ends, by_id)
    victim_ids = [i for i in run.ids if '-v' in i]
    tap.is_(run.outcomes(by_id, victim_ids), {DELETED: len(victims)},
            '%s: requests backing off when the outage began are deleted '
            'after it, although it outlasted retry.max_seconds and they '
            'were throttled again' % name)
    tap.is_(run.outcomes(by_id), {DELETED: len(run.ids)},
            '%s: all %d requests deleted' % (name, len(run.ids)))
    check_paused(run)
    run.finish(all_ok_since(mark))


# -------------------------------------------------------------------- dns

def scenario_dns():
    """A name that does not resolve is a transport fault: retried, then a
    pause; never a final "failed" after one attempt."""
    name = 'dns'
    run = Run(name, {'lists': []})
    mark = tap.failed
    arn = 'arn:aws:sms-voice:eu-west-2:%s:opt-out-list/alerts' % (
        lib.TEST_ACCOUNT)
    run.produce([('%s-0' % name, arn, '+14155550100'),
                 ('%s-1' % name, 'marketing', '+14155550101')])
    # .invalid never resolves (RFC 6761), with or without a network.
    # Plain http to a host that is not loopback needs aws.allow_plain_http.
    run.start({'aws.endpoint': 'http://{region}.optout-test.invalid:9',
               'aws.allow_plain_http': 'true',
               'retry.max_seconds': '3'})
    line = run.daemon.wait_log(r'pipeline paused: endpoint unreachable: '
                               r'DnsError', 40)
    tap.ok(line, '%s: the pipeline pauses: %s' % (
        name, line.group(0) if line else 'no such log line'))
    got = lib.consume_all(run.cluster.bootstrap, 'results', 1, 3.0)
    tap.is_(len(got), 0, '%s: no outcome while the name does not resolve '
            '(retry.max_seconds 3 long past)' % name)
    run.finish(all_ok_since(mark))


# ------------------------------------------------------------------- skew

def scenario_skew(label, offset):
    name = 'skew-%s' % label
    count = 40
    nums = numbers('+1512555', count)
    state = {'clock_offset': offset,
             'lists': [{'region': 'us-east-1', 'name': 'skew',
                        'numbers': nums}]}
    run = Run(name, state)
    mark = tap.failed
    run.produce([('%s-%02d' % (name, i), 'skew', n)
                 for i, n in enumerate(nums)])
    run.start({})
    committed, ends, by_id, took = run.settle(60)
    run.check_basics(committed, ends, by_id)
    tap.is_(run.outcomes(by_id), {DELETED: count},
            '%s: all %d requests deleted with the endpoint clock %+d s off'
            % (name, count, offset))
    attempts = [v[0].get('Attempts', 0) for v in by_id.values() if v]
    tap.ok(attempts and max(attempts) <= 2,
           '%s: at most 2 attempts (%s)' % (name, sorted(set(attempts))))
    calls = run.endpoint.calls()
    skewed = [c for c in calls if c['code'] == 'InvalidSignatureException']
    tap.ok(len(skewed) <= len(calls) - count,
           '%s: %d calls refused for the clock, then all signed in time'
           % (name, len(skewed)))
    tap.ok(all(c['signature_ok'] for c in calls
               if c['code'] != 'InvalidSignatureException'),
           '%s: every other call validly signed' % name)
    run.finish(all_ok_since(mark))


SCENARIOS = [
    ('mixed', scenario_mixed),
    ('backlog', scenario_backlog),
    ('outage-server', lambda: scenario_outage('server')),
    ('outage-reset', lambda: scenario_outage('reset')),
    ('outage-credentials', lambda: scenario_outage('credentials')),
    ('outage-proxy', lambda: scenario_outage('proxy')),
    ('denied-list', scenario_denied_list),
    ('denied-all', scenario_denied_all),
    ('denied-one', lambda: scenario_denied_all(1)),
    ('denied-lone', scenario_denied_lone),
    ('paused-clock', scenario_paused_clock),
    ('dns', scenario_dns),
    ('skew-ahead', lambda: scenario_skew('ahead', 900)),
    ('skew-behind', lambda: scenario_skew('behind', -900)),
]

for scenario_name, fn in SCENARIOS:
    if not wanted(scenario_name):
        continue
    began = time.monotonic()
    try:
        fn()
    except (AssertionError, RuntimeError) as e:
        tap.ok(False, '%s: %s' % (scenario_name, e))
    tap.diag('%s: scenario took %.0fs' % (scenario_name,
                                          time.monotonic() - began))
if ONLY and tap.n == 0:
    tap.skip_all('FAULTS_ONLY=%s matches no scenario' % ','.join(ONLY))
tap.done()
