# SPDX-License-Identifier: Apache-2.0
"""test_batch_errors.py - a batch the consumer cannot read stops its
partition, and nothing moves the commit past it.

librdkafka reports a record batch it cannot read once, at the batch's first
offset, in place of all of its records (and again at every re-fetch). Over
the mock cluster, three partitions each get two good requests, then a
hand-made three-record batch (tests/integration/rawkafka.py), then two more
good requests:

  partition 0: gzip codec with a payload that is not gzip (_BAD_COMPRESSION)
  partition 1: a wrong CRC, with consumer.check.crcs=true (_BAD_MSG)
  partition 2: a compression codec that does not exist (_NOT_IMPLEMENTED)
  partition 3: good requests only

The daemon must answer the good requests before each bad batch and every
request of partition 3, produce no outcome at all for the bad batches (no
endless stream of `rejected` copies), commit each stopped partition only up
to its bad batch, say so in its log, STATUS= and metrics, and keep running.
Then an operator moves the group's offsets past the bad batches and
restarts it: the requests after them get their outcomes. Both runs end with
SIGTERM and exit status 0."""
import json
import re
import signal
import time
import urllib.request

import lib
import rawkafka

tap = lib.Tap()
lib.require_tools(tap)

from confluent_kafka import Consumer, TopicPartition  # noqa: E402

NUMBERS = ["+1415555%04d" % i for i in range(40)]
BAD = {0: ("gzip payload that is not gzip", 1, False, "_BAD_COMPRESSION"),
       1: ("wrong CRC", 0, True, "_BAD_MSG"),
       2: ("unknown codec", 5, False, "_NOT_IMPLEMENTED")}


def request(i, partition):
    return (("k-%d" % i).encode(),
            {"RequestId": "r-%d" % i, "OptOutListName": "news",
             "OptedOutNumber": NUMBERS[i]}, partition)


def bad_batch(partition):
    _, codec, bad_crc, _ = BAD[partition]
    records = b"".join(rawkafka.record(i, b"bad-%d" % i, b'{"bad": true}')
                       for i in range(3))
    payload = b"this is not compressed data at all" if codec else records
    return rawkafka.batch(payload, 3, attributes=codec, bad_crc=bad_crc)


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                timeout=5) as r:
        return r.read().decode()


def outcomes(bootstrap, want, timeout):
    got = lib.consume_all(bootstrap, "results", want, timeout)
    return sorted((r["json"]["Source"]["Partition"],
                   r["json"]["Source"]["Offset"], r["json"]["Outcome"])
                  for r in got)


with lib.Cluster(topics=["requests:4", "results:1"]) as cluster, \
        lib.Endpoint() as endpoint:
    endpoint.set_state({"lists": [{"region": "us-east-1", "name": "news",
                                   "numbers": NUMBERS}]})
    n = 0
    before, after = [], []
    for p in range(4):
        before += [request(n, p), request(n + 1, p)]
        after += [request(n + 2, p), request(n + 3, p)]
        n += 4
    lib.produce(cluster.bootstrap, "requests", before)
    for p in BAD:
        base = rawkafka.produce(cluster.bootstrap, "requests", p,
                                bad_batch(p))
        tap.is_(base, 2, "partition %d: a batch with a %s at offsets 2-4"
                % (p, BAD[p][0]))
    lib.produce(cluster.bootstrap, "requests", after)
    ends = lib.end_offsets(cluster.bootstrap, "requests", range(4))
    tap.is_(ends, {0: 7, 1: 7, 2: 7, 3: 4}, "the requests topic as planned")

    cfg = lib.base_config(cluster, endpoint, "batch-errors")
    cfg["aws.rate_limit"] = "0"
    cfg["consumer.check.crcs"] = "true"
    cfg["metrics.listen"] = "127.0.0.1:0"
    d = lib.Daemon(cfg)
    m = d.wait_log(r"metrics on http://\S+ \(port (\d+)\)", 20)
    port = int(m.group(1)) if m else 0

    want = [(p, o, "deleted") for p in range(3) for o in (0, 1)] + \
        [(3, o, "deleted") for o in range(4)]
    got = outcomes(cluster.bootstrap, len(want), 40)
    tap.is_(got, want, "outcomes for every readable request, none for the "
            "bad batches or what follows them")
    for p, (what, _, _, err) in BAD.items():
        tap.ok(d.wait_log(r"partition %d of requests stopped at offset 2: %s"
                          % (p, err), 10),
               "partition %d (%s): the log says stopped at offset 2, %s"
               % (p, what, err))
    status = d.wait_notify(r"^STATUS=running, partition \d stopped at "
                           r"offset 2: .* \(\+2 more\);", 10)
    tap.ok(status, "STATUS= names the stopped partitions (%s)"
           % (status or "").split(";")[0])
    text = scrape(port) if port else ""
    tap.ok(re.search(r"^optout_partitions_stopped 3$", text, re.M),
           "metric optout_partitions_stopped 3")
    time.sleep(5)
    again = outcomes(cluster.bootstrap, len(want) + 1, 5)
    tap.is_(again, want, "5 s later still not one outcome more (no stream "
            "of rejected copies)")
    committed = lib.committed(cluster.bootstrap, "batch-errors", "requests",
                              range(4))
    tap.is_(committed, {0: 2, 1: 2, 2: 2, 3: 4},
            "commits stop at each bad batch; partition 3 is all done")
    tap.ok(d.alive(), "the daemon keeps running")
    d.signal(signal.SIGTERM)
    tap.is_(d.wait(30), 0, "SIGTERM: exit 0")
    tap.is_(lib.committed(cluster.bootstrap, "batch-errors", "requests",
                          range(4)), {0: 2, 1: 2, 2: 2, 3: 4},
            "nothing past the bad batches committed at stop either")
    if tap.failed:
        d.dump_log(tap, 40)

    # The operator skips the bad batches (kafka-consumer-groups
    # --reset-offsets --to-offset 5) and starts the daemon again.  The mock
    # takes commits from group members only: the operator joins the group.
    c = Consumer({"bootstrap.servers": cluster.bootstrap,
                  "group.id": "batch-errors", "enable.auto.commit": False,
                  "session.timeout.ms": 6000,
                  "partition.assignment.strategy": "cooperative-sticky"})
    c.subscribe(["requests"])
    lib.wait_until(lambda: (c.poll(0.2), c.assignment())[1], 30, 0)
    c.commit(offsets=[TopicPartition("requests", p, 5) for p in BAD],
             asynchronous=False)
    c.close()
    d = lib.Daemon(cfg)
    want += [(p, o, "deleted") for p in range(3) for o in (5, 6)]
    got = outcomes(cluster.bootstrap, len(want), 40)
    tap.is_(got, sorted(want), "after the operator moved the offsets: the "
            "requests after the bad batches answered")
    tap.ok(lib.wait_until(lambda: lib.committed(
        cluster.bootstrap, "batch-errors", "requests", range(4)) == ends,
        20, 0.3), "every offset committed")
    tap.ok(d.wait_notify(r"^STATUS=running;", 10), "STATUS= running")
    d.signal(signal.SIGTERM)
    tap.is_(d.wait(30), 0, "SIGTERM: exit 0")
    if tap.failed:
        d.dump_log(tap, 40)

tap.done()
