# SPDX-License-Identifier: Apache-2.0
"""test_backlog.py - sender.max_inflight is a real bound under a backlog.

A backlog of 50000 small requests waits on 4 partitions and every API call
is slow, so the daemon sits at its in-flight bound (sender.max_inflight =
16) for the whole run.  Checked from the outside:

  - librdkafka's prefetch is sized from the bound: its own fetch debug lines
    (consumer.debug = fetch) report queued.min.messages 16 and
    queued.max.messages.kbytes 1024 (16 x requests.max_bytes 64 KiB), not
    its defaults of 100000 and 65536; a value the user sets wins;
  - no more than 16 requests are ever alive: every "pausing partition"
    line (a partition's read-ahead is full) and every STATUS= says at most
    16 in flight, though librdkafka had prefetched far more;
  - what waits in the read-ahead is bounded: every "pausing partition"
    line says at most 16 records per partition (64 in all) and at most
    the prefetch byte cap (16 x 64 KiB);
  - the daemon's peak resident memory (VmHWM) stays small.

Every wait has a timeout; nothing sleeps and hopes."""
import json
import re
import signal

import lib

tap = lib.Tap()
lib.require_tools(tap)

PARTS = 4
BACKLOG = 50000
INFLIGHT = 16
MAX_BYTES = 65536
SLOW_MS = 200
DONE = 300          # outcomes to wait for: many pause/resume rounds
HWM_LIMIT_KB = 48 * 1024

FETCH_RX = re.compile(r"\(([0-9]+)/([0-9]+) msgs, ([0-9]+)/([0-9]+) kb queued")
PAUSE_RX = re.compile(r"([0-9]+) requests in flight, ([0-9]+) read ahead "
                      r"\(([0-9]+) bytes\): pausing partition")
STATUS_RX = re.compile(r"; ([0-9]+) in flight;")


def vm_kb(pid, field):
    """A "VmXXX:" field of /proc/PID/status in KiB, or None."""
    try:
        with open('/proc/%d/status' % pid, encoding='ascii') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def request(i):
    return (None, json.dumps({"RequestId": "b%06d" % i,
                              "OptOutListName": "n",
                              "OptedOutNumber": "+1415%07d" % i}), i % PARTS)


def fetch_limits(d):
    """{(queued.min.messages, queued.max.messages.kbytes)} as librdkafka's
    fetch debug lines report them."""
    return {(int(m.group(2)), int(m.group(4)))
            for m in FETCH_RX.finditer(d.log())}


with lib.Cluster(topics=["requests:%d" % PARTS, "results:1"]) as cluster, \
        lib.Endpoint() as endpoint:
    endpoint.set_state({"lists": [{"region": "us-east-1", "name": "n",
                                   "numbers": []}]})
    endpoint.set_faults([{"fault": "slow:%d" % SLOW_MS, "times": -1}])
    lib.produce(cluster.bootstrap, "requests",
                [request(i) for i in range(BACKLOG)], timeout=120)
    tap.ok(True, "a backlog of %d requests on %d partitions" % (BACKLOG, PARTS))

    cfg = lib.base_config(cluster, endpoint, "backlog")
    cfg.update({"aws.rate_limit": "0",
                "sender.max_inflight": str(INFLIGHT),
                "requests.max_bytes": str(MAX_BYTES),
                "consumer.debug": "fetch"})
    d = lib.Daemon(cfg)
    tap.ok(d.wait_notify(r"^READY=1$", 30), "READY=1")
    got = lib.consume_all(cluster.bootstrap, "results", DONE, 120)
    tap.ok(len(got) >= DONE, "%d outcomes while the backlog waits" % len(got))
    hwm = vm_kb(d.pid, 'VmHWM')
    rss = vm_kb(d.pid, 'VmRSS')

    want = (INFLIGHT, INFLIGHT * MAX_BYTES // 1024)
    limits = fetch_limits(d)
    tap.is_(limits, {want},
            "librdkafka's prefetch is sized from the bound "
            "(queued.min.messages, queued.max.messages.kbytes)")
    queued = [int(m.group(1)) for m in FETCH_RX.finditer(d.log())]
    tap.diag("librdkafka's queue at its fetch state changes: up to %d "
             "records" % max(queued or [0]))

    held = [(int(a), int(r), int(b)) for a, r, b in PAUSE_RX.findall(d.log())]
    pauses = [a for a, _, _ in held]
    ahead = [r for _, r, _ in held]
    ahead_bytes = [b for _, _, b in held]
    tap.ok(pauses, "the bound was reached: partitions paused (%d times)"
           % len(pauses))
    tap.ok(pauses and max(pauses) <= INFLIGHT,
           "never more than %d requests alive when a partition pauses "
           "(most: %s)" % (INFLIGHT, max(pauses) if pauses else '-'))
    tap.ok(ahead and max(ahead) <= PARTS * INFLIGHT,
           "never more than %d records read ahead (%d per partition) when "
           "a partition pauses (most: %s)" % (
               PARTS * INFLIGHT, INFLIGHT, max(ahead) if ahead else '-'))
    tap.ok(ahead_bytes and max(ahead_bytes) <= INFLIGHT * MAX_BYTES,
           "never more than %d bytes read ahead (the prefetch byte cap) "
           "(most: %s)" % (INFLIGHT * MAX_BYTES,
                           max(ahead_bytes) if ahead_bytes else '-'))
    inflight = [int(m.group(1)) for n in d.notifications()
                for m in [STATUS_RX.search(n)] if m]
    tap.ok(inflight and max(inflight) <= INFLIGHT,
           "STATUS= never says more than %d in flight (%d samples, most %s)"
           % (INFLIGHT, len(inflight), max(inflight) if inflight else '-'))
    why = lib.memory_skip_reason()
    if why:
        tap.skip('VmHWM: %s' % why)
    else:
        tap.ok(hwm is not None and hwm < HWM_LIMIT_KB,
               "peak resident memory stays bounded: VmHWM %s KiB < %d KiB "
               "(VmRSS now %s KiB)" % (hwm, HWM_LIMIT_KB, rss))

    d.signal(signal.SIGTERM)
    tap.is_(d.wait(60), 0, "SIGTERM: exit 0")
    if tap.failed:
        d.dump_log(tap, 40)

    # The user's own values win over the sizing.
    cfg2 = dict(cfg)
    cfg2.update({"consumer.group.id": "backlog-user",
                 "consumer.queued.min.messages": "500",
                 "kafka.queued.max.messages.kbytes": "2048"})
    u = lib.Daemon(cfg2)
    tap.ok(u.wait_log(FETCH_RX.pattern, 30), "user values: fetching")
    tap.is_(fetch_limits(u), {(500, 2048)},
            "queued.min.messages and queued.max.messages.kbytes set by the "
            "user are librdkafka's")
    u.signal(signal.SIGTERM)
    tap.is_(u.wait(60), 0, "user values: SIGTERM: exit 0")

tap.done()
