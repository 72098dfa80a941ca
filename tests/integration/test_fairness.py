#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""test_fairness.py - no request waits behind newer ones, and no request in
a bad region stops the others, end to end.

  order        a backlog of 3000 requests over 6 partitions drained at an
               enforced quota (endpoint quota = aws.rate_limit = 300/s):
               within each partition no request is overtaken by more than
               the in-flight window's worth of later requests (the call log
               gives the order of first calls), and the committed offsets
               advance steadily while it drains (sampled every 0.5 s)
  region       a stream to us-east-1 with a few requests whose list ARN names
               a region the account has not enabled (AWS answers 403
               UnrecognizedClientException there): those end "failed" within
               retry.max_seconds; the others keep flowing, the pipeline never
               pauses
  partitions   a backlog of 2400 requests produced round robin over 12
               partitions led by 3 brokers, two of which answer 200 ms late,
               drained at an enforced quota (30/s): among the first 720
               numbers called every partition has its share (within 0.6 and
               1.5 times the mean; at start-up the partition fetched first
               may fill the in-flight window, 64, and then waits for the
               others' ages to catch up), and no request older than the
               592nd still waits (oldest first across partitions)

FAIRNESS_ONLY=order,region,partitions runs only the named scenarios.
"""

import bisect
import calendar
import json
import os
import re
import time

import lib

tap = lib.Tap()
lib.require_tools(tap)

ONLY = [x for x in os.environ.get('FAIRNESS_ONLY', '').split(',') if x]


def wanted(name):
    return not ONLY or name in ONLY


def request(rid, lst, number):
    return json.dumps({'RequestId': rid, 'OptOutListName': lst,
                       'OptedOutNumber': number})


def outcomes_by_id(cluster, count, timeout):
    got = lib.consume_all(cluster.bootstrap, 'results', count, timeout)
    out = {}
    for r in got:
        o = r['json'] or {}
        out.setdefault(o.get('RequestId'), []).append(o)
    return out


# ------------------------------------------------------------------ order

ORDER_PARTS = 6
ORDER_COUNT = 3000
ORDER_RATE = 300
ORDER_WINDOW = 64


def scenario_order():
    name = 'order'
    mark = tap.failed
    nums = ['+1303%07d' % i for i in range(ORDER_COUNT)]
    cluster = lib.Cluster(topics=['requests:%d' % ORDER_PARTS, 'results:1'])
    endpoint = lib.Endpoint()
    endpoint.set_state({'lists': [{'region': 'us-east-1', 'name': 'backlog',
                                   'numbers': nums}],
                        'quota': {'us-east-1': {'rate': ORDER_RATE,
                                                'burst': 10}}})
    records = [(n, request('%s-%04d' % (name, i), 'backlog', n), None)
               for i, n in enumerate(nums)]
    lib.produce(cluster.bootstrap, 'requests', records)
    parts = list(range(ORDER_PARTS))
    ends = lib.end_offsets(cluster.bootstrap, 'requests', parts)
    group = 'fairness-order'
    cfg = lib.base_config(cluster, endpoint, group)
    cfg.update({'log.level': 'info', 'aws.rate_limit': str(ORDER_RATE),
                'sender.max_inflight': str(ORDER_WINDOW),
                'consumer.auto.commit.interval.ms': '500'})
    daemon = lib.Daemon(cfg)
    total = sum(ends.values())
    samples = []
    t0 = time.monotonic()
    deadline = t0 + 120
    while time.monotonic() < deadline:
        c = lib.committed(cluster.bootstrap, group, 'requests', parts)
        samples.append((time.time(), sum(max(v, 0) for v in c.values())))
        if c == ends:
            break
        time.sleep(0.5)
    tap.is_(lib.committed(cluster.bootstrap, group, 'requests', parts), ends,
            '%s: every offset committed' % name)
    by_id = outcomes_by_id(cluster, ORDER_COUNT, 30)
    tap.is_(len(by_id), ORDER_COUNT, '%s: one outcome per request' % name)
    tap.ok(all(v[0].get('Outcome') == 'deleted' for v in by_id.values()),
           '%s: all deleted' % name)

    # Where each number lives, from the outcomes; when it was first called,
    # from the endpoint's call log (its "seq" is the arrival order).
    where = {}
    for v in by_id.values():
        o = v[0]
        where[o['OptedOutNumber']] = (o['Source']['Partition'],
                                      o['Source']['Offset'])
    first_call = {}
    for c in endpoint.calls():
        if c.get('number') and c['number'] not in first_call:
            first_call[c['number']] = c['seq']
    worst = 0
    for p in parts:
        seq = sorted((off, first_call[n]) for n, (pp, off) in where.items()
                     if pp == p and n in first_call)
        # For each request, how many later requests of its partition were
        # called before it.  O(n log n) with a sorted scan from the end.
        later_calls = []
        for off, s in reversed(seq):
            worst = max(worst, bisect.bisect_left(later_calls, s))
            bisect.insort(later_calls, s)
    tap.diag('%s: %d requests over %d partitions at %d/s: the largest '
             'overtaking in a partition is %d later requests (in-flight '
             'window %d)' % (name, ORDER_COUNT, ORDER_PARTS, ORDER_RATE,
                             worst, ORDER_WINDOW))
    tap.ok(worst <= ORDER_WINDOW,
           '%s: no request overtaken by more than the in-flight window '
           '(%d <= %d)' % (name, worst, ORDER_WINDOW))

    # Steady commits: over the drain (first to last API call), the
    # committed total at a quarter, half and three quarters of it is at
    # least a sixth, a third and a half of the backlog (newest-first
    # service commits next to nothing until the end).
    st = endpoint.stats()
    first, span = st['first'] or 0, st['span']
    tap.diag('%s: drained in %.1fs; committed samples %s' % (
        name, span, ', '.join('%+.1fs:%d' % (t - first, n)
                              for t, n in samples[::2])))
    for frac, need in ((0.25, 1 / 6), (0.5, 1 / 3), (0.75, 0.5)):
        at = [n for t, n in samples if t <= first + frac * span]
        got = at[-1] if at else 0
        tap.ok(got >= need * total,
               '%s: at %d%% of the drain %d of %d committed (>= %d%%)' % (
                   name, frac * 100, got, total, need * 100))
    tap.is_(daemon.stop(30), 0, '%s: SIGTERM, exit 0' % name)
    if tap.failed != mark:
        daemon.dump_log(tap, 40, skip=daemon.ROUTINE)
    endpoint.stop()
    cluster.stop()


# ----------------------------------------------------------------- region

REGION_GOOD = 400
REGION_POISON = 5
REGION_RATE = 40.0       # requests/s produced
MAX_SECONDS = 8


def scenario_region():
    name = 'region'
    mark = tap.failed
    good = ['+1212%07d' % i for i in range(REGION_GOOD)]
    poison = ['+1213%07d' % i for i in range(REGION_POISON)]
    cluster = lib.Cluster(topics=['requests:4', 'results:1'])
    endpoint = lib.Endpoint()
    # ap-southeast-2 exists, but this account has not enabled it.
    endpoint.set_state({'lists': [
        {'region': 'us-east-1', 'name': 'marketing', 'numbers': good},
        {'region': 'ap-southeast-2', 'name': 'marketing',
         'numbers': poison}]})
    endpoint.set_faults([{'region': 'ap-southeast-2',
                          'fault': 'UnrecognizedClientException',
                          'times': -1}])
    arn = 'arn:aws:sms-voice:ap-southeast-2:%s:opt-out-list/marketing' % (
        lib.TEST_ACCOUNT)
    items = []
    for i, n in enumerate(good):
        items.append(('%s-good-%03d' % (name, i), 'marketing', n))
        if i % 80 == 40:
            k = i // 80
            items.append(('%s-poison-%d' % (name, k), arn, poison[k]))
    records = [(n, request(rid, lst, n), None) for rid, lst, n in items]
    cfg = lib.base_config(cluster, endpoint, 'fairness-region')
    cfg.update({'log.level': 'info', 'aws.rate_limit': '0',
                'retry.max_seconds': str(MAX_SECONDS)})
    daemon = lib.Daemon(cfg)
    tap.ok(daemon.wait_notify(r'^READY=1$', 30), '%s: ready' % name)
    stream = lib.Stream(cluster.bootstrap, 'requests', records, REGION_RATE)
    t0 = time.time()
    stream_ok = stream.join(60)
    tap.ok(stream_ok, '%s: %d requests produced at %.0f/s' % (
        name, len(items), REGION_RATE))
    by_id = outcomes_by_id(cluster, len(items), MAX_SECONDS * 4 + 30)
    t_end = time.time()
    tap.is_(len(by_id), len(items), '%s: every request has an outcome' % name)
    goods = [rid for rid, _, _ in items if '-good-' in rid]
    bad = [rid for rid, _, _ in items if '-poison-' in rid]
    g_out = {}
    for rid in goods:
        o = (by_id.get(rid) or [{}])[0].get('Outcome')
        g_out[o] = g_out.get(o, 0) + 1
    tap.is_(g_out, {'deleted': len(goods)},
            '%s: the enabled region\'s requests are all deleted' % name)
    b_out = {}
    for rid in bad:
        o = (by_id.get(rid) or [{}])[0]
        key = (o.get('Outcome'), (o.get('Error') or {}).get('Code'))
        b_out[key] = b_out.get(key, 0) + 1
    tap.is_(b_out, {('failed', 'UnrecognizedClientException'): len(bad)},
            '%s: the disabled region\'s requests end failed, '
            'UnrecognizedClientException' % name)

    # Timing: each poison request's outcome within retry.max_seconds (plus
    # a probe round and slack) of its production; the good ones at the
    # stream's pace, none waiting behind the poison.
    def completed(o):
        s = o.get('CompletedAt', '')
        m = re.match(r'(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\.(\d+)Z', s)
        if not m:
            return None
        y, mo, d, h, mi, se, ms = (int(x) for x in m.groups())
        return calendar.timegm((y, mo, d, h, mi, se)) + ms / 1000.0

    step = 1.0 / REGION_RATE
    worst_bad = 0.0
    for i, (rid, _, _) in enumerate(items):
        produced = t0 + i * step
        o = (by_id.get(rid) or [{}])[0]
        t = completed(o)
        if t is not None and rid in bad:
            worst_bad = max(worst_bad, t - produced)
    # The others' latency once the group is joined (5 s in), while the
    # poison requests wait in their held region.
    g_lat = sorted(completed(by_id[rid][0]) - (t0 + i * step)
                   for i, (rid, _, _) in enumerate(items)
                   if rid in by_id and '-good-' in rid and i * step >= 5
                   and completed(by_id[rid][0]) is not None)
    tap.ok(g_lat and g_lat[-1] <= 3.0,
           '%s: meanwhile the others take at most 3 s from production to '
           'outcome (max %.2fs, median %.2fs over %d)' % (
               name, g_lat[-1] if g_lat else -1,
               g_lat[len(g_lat) // 2] if g_lat else -1, len(g_lat)))
    g_times = sorted(completed(by_id[r][0]) for r in goods if r in by_id)
    g_rate = (len(g_times) - 1) / (g_times[-1] - g_times[0]) \
        if len(g_times) > 1 and g_times[-1] > g_times[0] else 0
    tap.diag('%s: poison requests ended at most %.1fs after they were '
             'produced (retry.max_seconds %d); the others: %d deleted at '
             '%.1f/s (offered %.0f/s)' % (name, worst_bad, MAX_SECONDS,
                                          len(g_times), g_rate,
                                          REGION_RATE))
    tap.ok(worst_bad <= MAX_SECONDS + 10,
           '%s: poison requests end within retry.max_seconds + 10 s (%.1fs)'
           % (name, worst_bad))
    tap.ok(g_rate >= 0.8 * REGION_RATE,
           '%s: the others flow at the offered rate (%.1f/s)' % (name,
                                                                  g_rate))
    log = daemon.log()
    tap.ok(not re.search(r'pipeline paused', log),
           '%s: the pipeline never paused' % name)
    tap.ok(re.search(r'regions held.*ap-southeast-2', log),
           '%s: the log names the held region' % name)
    tap.ok(any(re.search(r'^STATUS=running \(regions held: ap-southeast-2\)',
                         n) for n in daemon.notifications()),
           '%s: STATUS= says the region is held while the rest runs' % name)
    tap.is_(daemon.stop(30), 0, '%s: SIGTERM, exit 0' % name)
    if tap.failed != mark:
        daemon.dump_log(tap, 60)
    tap.diag('%s: took %.1fs' % (name, t_end - t0))
    endpoint.stop()
    cluster.stop()

# ------------------------------------------------------------- partitions

FAIR_PARTS = 12
FAIR_PER_PART = 200
FAIR_RATE = 30
FAIR_WINDOW = 64
FAIR_SAMPLE = 720        # first numbers called that are looked at
FAIR_SLOW_MS = 200       # round trip of brokers 2 and 3


def scenario_partitions():
    name = 'partitions'
    mark = tap.failed
    total = FAIR_PARTS * FAIR_PER_PART
    nums = ['+1404%07d' % i for i in range(total)]
    cluster = lib.Cluster(topics=['requests:%d' % FAIR_PARTS, 'results:1'])
    # Partitions 0-3 on broker 1, 4-7 on broker 2, 8-11 on broker 3; the
    # results and the group on broker 1.
    for p in range(FAIR_PARTS):
        cluster.command('leader requests %d %d' % (p, 1 + p * 3 // FAIR_PARTS))
    cluster.command('leader results 0 1')
    group = 'fairness-partitions'
    cluster.command('coordinator group %s 1' % group)
    endpoint = lib.Endpoint()
    endpoint.set_state({'lists': [{'region': 'us-east-1', 'name': 'backlog',
                                   'numbers': nums}],
                        'quota': {'us-east-1': {'rate': FAIR_RATE,
                                                'burst': 10}}})
    # Round robin: request i is the i-th oldest, on partition i % 12.
    part_of = {}
    records = []
    for i, n in enumerate(nums):
        part_of[n] = (i % FAIR_PARTS, i)
        records.append((n, request('%s-%04d' % (name, i), 'backlog', n),
                        i % FAIR_PARTS))
    lib.produce(cluster.bootstrap, 'requests', records)
    for b in (2, 3):
        tap.is_(cluster.command('rtt %d %d' % (b, FAIR_SLOW_MS)), 'ok',
                '%s: broker %d answers %d ms late' % (name, b, FAIR_SLOW_MS))
    cfg = lib.base_config(cluster, endpoint, group)
    cfg.update({'log.level': 'info', 'aws.rate_limit': str(FAIR_RATE),
                'sender.max_inflight': str(FAIR_WINDOW)})
    daemon = lib.Daemon(cfg)
    first = {}
    deadline = time.monotonic() + 60
    want = FAIR_SAMPLE
    while time.monotonic() < deadline and len(first) < want:
        time.sleep(0.5)
        first = {}
        for c in endpoint.calls():
            if c.get('number') in part_of and c['number'] not in first:
                first[c['number']] = c['seq']
    tap.ok(len(first) >= want, '%s: %d numbers called within 60 s'
           % (name, len(first)))
    by_seq = sorted(first, key=first.get)[:want]
    sample = by_seq
    served = [0] * FAIR_PARTS
    for n in sample:
        served[part_of[n][0]] += 1
    mean = float(len(sample)) / FAIR_PARTS
    called = set(part_of[n][1] for n in by_seq)
    oldest_waiting = min(i for i in range(total) if i not in called)
    newest_served = max(called) if called else -1
    tap.diag('%s: first %d numbers called, per partition %s (mean %.0f; '
             'min %.2fx, max %.2fx of it); then the oldest request still '
             'waiting is #%d, the newest served #%d' % (
                 name, len(by_seq), served, mean, min(served) / mean,
                 max(served) / mean, oldest_waiting, newest_served))
    tap.ok(min(served) >= 0.6 * mean and max(served) <= 1.5 * mean,
           '%s: every partition served within 0.6x and 1.5x the mean '
           '(%d..%d, mean %.0f)' % (name, min(served), max(served), mean))
    tap.ok(oldest_waiting >= want - 2 * FAIR_WINDOW,
           '%s: no request older than #%d still waits (oldest waiting #%d)'
           % (name, want - 2 * FAIR_WINDOW, oldest_waiting))
    tap.is_(daemon.stop(30), 0, '%s: SIGTERM, exit 0' % name)
    if tap.failed != mark:
        daemon.dump_log(tap, 40, skip=daemon.ROUTINE)
    endpoint.stop()
    cluster.stop()


if wanted('order'):
    scenario_order()
if wanted('region'):
    scenario_region()
if wanted('partitions'):
    scenario_partitions()
tap.done()
