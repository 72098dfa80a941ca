# SPDX-License-Identifier: Apache-2.0
"""test_oversized.py - no record can stop the daemon by its size.

Kafka's defaults let records of up to about 1 MB into the requests topic
(broker limit 1048588 bytes), while librdkafka's producer refuses messages
over message.max.bytes (1000000). Whatever the daemon copies out of a
request must therefore be bounded. Over the mock cluster, with a
dead-letter topic:

  - a valid request with a ~1 MB key: deleted; the outcome carries a
    bounded stand-in key (64-byte prefix + "#sha256:" + SHA-256 hex) and
    "KeyTruncated": true, "KeyLength": <original length>;
  - a ~1 MB value (too large: rejected): the dead-letter copy holds the
    start of the value, cut to fit, with optout-truncated: <original length>;
  - a poison record with a ~1 MB key: rejected, stand-in key on the outcome
    and on the dead-letter copy (optout-key-truncated);
  - a poison record with a ~1 MB header: its dead-letter copy leaves the
    record's own headers out (optout-headers-dropped: 1);
  - a success answered with a hostile ~1 MB body of 100,000 members: the
    outcome keeps only the API model's five members and stays small.

Every record gets exactly one outcome, every offset is committed, the daemon
never exits on its own, and SIGTERM ends it with status 0.

OVERSIZED_ONLY=name,name,... in the environment produces only those records
(names in RECORDS) and runs only their checks: a way to see each case on
its own, e.g. against an older build."""
import hashlib
import json
import os
import signal
import time

import lib

tap = lib.Tap()
lib.require_tools(tap)

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka import OFFSET_BEGINNING  # noqa: E402

BIG = 1040000  # with framing, under the broker's default 1048588 bytes
NUMBERS = ["+1415555%04d" % i for i in range(20)]
MODEL = {"OptOutListArn", "OptOutListName", "OptedOutNumber",
         "OptedOutTimestamp", "EndUserOptedOut"}


def req(i, number=None):
    return json.dumps({"RequestId": "r-%d" % i, "OptOutListName": "news",
                       "OptedOutNumber": number or NUMBERS[i]}).encode()


def big(prefix):
    return (prefix + b"-" * 8) + bytes(range(256)) * (BIG // 256) \
        + b"z" * (BIG - len(prefix) - 8 - 256 * (BIG // 256))


BIG_KEY = big(b"big-key-valid")
BIG_POISON_KEY = big(b"big-key-poison")
BIG_VALUE = big(b"big-value")
BIG_HEADER = big(b"big-header")
BLOATED = NUMBERS[9]

# (name, key, value, headers, partition)
RECORDS = [
    ("valid-0", b"k-0", req(0), [], 0),
    ("big-key", BIG_KEY, req(1), [("trace", b"t-1")], 0),
    ("valid-2", b"k-2", req(2), [], 0),
    ("valid-3", b"k-3", req(3), [], 1),
    ("big-value", b"k-big-value", BIG_VALUE, [("trace", b"t-4")], 1),
    ("valid-5", b"k-5", req(5), [], 1),
    ("valid-6", b"k-6", req(6), [], 2),
    ("big-key-poison", BIG_POISON_KEY, b"{not json", [], 2),
    ("big-header", b"k-big-header", b"{not json either",
     [("huge", BIG_HEADER), ("small", b"s")], 2),
    ("bloated", b"k-bloated", req(9, BLOATED), [], 2),
]

ONLY = [n for n in os.environ.get("OVERSIZED_ONLY", "").split(",") if n]
if ONLY:
    RECORDS = [r for r in RECORDS if r[0] in ONLY]


def wanted(name):
    return any(r[0] == name for r in RECORDS)


def stand_in(key):
    return key[:64] + b"#sha256:" + hashlib.sha256(key).hexdigest().encode()


def produce(bootstrap):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all",
                  "enable.idempotence": True, "linger.ms": 0,
                  "message.max.bytes": 1048588})
    errors = []
    for name, key, value, headers, part in RECORDS:
        p.produce("requests", key=key, value=value, headers=headers or None,
                  partition=part,
                  on_delivery=lambda err, msg, name=name:
                  err and errors.append("%s: %s" % (name, err)))
        p.poll(0)
    left = p.flush(60)
    assert not errors and not left, (errors, left)


def read(bootstrap, topic, want, timeout, daemon):
    """Every record of partition 0 of @topic, until @want or the daemon
    died or @timeout."""
    c = Consumer({"bootstrap.servers": bootstrap,
                  "group.id": "oversized-reader-%s" % topic,
                  "enable.auto.commit": False,
                  "fetch.max.bytes": 8 << 20})
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < want and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            out.append(m)
        elif m is None and not daemon.alive():
            break
    c.close()
    return out


with lib.Cluster(topics=["requests:3", "results:1", "dlq:1"]) as cluster, \
        lib.Endpoint() as endpoint:
    endpoint.set_state({"lists": [{"region": "us-east-1", "name": "news",
                                   "numbers": NUMBERS}]})
    endpoint.set_faults([{"fault": "bloated:100000", "number": BLOATED}])
    produce(cluster.bootstrap)

    cfg = lib.base_config(cluster, endpoint, "oversized")
    cfg["dlq.topic"] = "dlq"
    cfg["aws.rate_limit"] = "0"
    d = lib.Daemon(cfg)
    results = read(cluster.bootstrap, "results", len(RECORDS), 90, d)
    tap.ok(d.alive(), "the daemon is still running (exit status %s)"
           % d.wait(0))
    tap.is_(len(results), len(RECORDS), "one outcome per record")
    by_src = {}
    for m in results:
        lib.check_outcome(m.value(), "results [%d] offset %d"
                          % (m.partition(), m.offset()))
        v = json.loads(m.value())
        by_src[(v["Source"]["Partition"], v["Source"]["Offset"])] = (m, v)
    ends = {p: o for p, o in lib.end_offsets(
        cluster.bootstrap, "requests", [0, 1, 2]).items() if o > 0}
    # Offsets in production order per partition.
    offsets, seen = {}, {}
    for name, key, value, headers, part in RECORDS:
        offsets[name] = (part, seen.get(part, 0))
        seen[part] = seen.get(part, 0) + 1
    outcome = {name: by_src.get(offsets[name], (None, None))
               for name in offsets}

    if wanted("big-key"):
        # ~1 MB key on a valid request.
        m, v = outcome["big-key"]
        tap.ok(v and v["Outcome"] == "deleted", "big key: request deleted")
        tap.ok(m and m.key() == stand_in(BIG_KEY),
               "big key: the outcome's key is the stand-in (%s bytes)"
               % (len(m.key()) if m and m.key() else None))
        tap.ok(v and v.get("KeyTruncated") is True and
               v.get("KeyLength") == BIG,
               "big key: KeyTruncated true, KeyLength %d" % BIG)
        tap.ok(v and v.get("RequestId") == "r-1", "big key: RequestId echoed")
    if wanted("big-value"):
        # ~1 MB value: rejected, copied to the dead-letter topic cut to fit.
        m, v = outcome["big-value"]
        tap.ok(v and v["Outcome"] == "rejected" and
               v["Error"]["Code"] == "RequestTooLarge",
               "big value: rejected as RequestTooLarge")
        tap.ok(v and "KeyTruncated" not in v, "big value: key untouched")
    if wanted("big-key-poison"):
        # ~1 MB key on a poison record.
        m, v = outcome["big-key-poison"]
        tap.ok(v and v["Outcome"] == "rejected" and
               v.get("KeyTruncated") is True and v.get("KeyLength") == BIG and
               m.key() == stand_in(BIG_POISON_KEY),
               "big key on a poison record: rejected, stand-in key")
    if wanted("bloated"):
        # Hostile success body.
        m, v = outcome["bloated"]
        tap.ok(v and v["Outcome"] == "deleted", "bloated answer: deleted")
        extra = set(v or {}) - MODEL - {
            "RequestId", "Outcome", "Attempts", "AwsRequestId", "Source",
            "CompletedAt"}
        tap.ok(v and MODEL <= set(v) and not extra,
               "bloated answer: the model's members copied, nothing else "
               "(extra: %d, e.g. %s)" % (len(extra), sorted(extra)[:3]))
        tap.ok(m and len(m.value()) < 2048,
               "bloated answer: outcome of %s bytes"
               % (len(m.value()) if m else None))
        bloated_calls = [c for c in endpoint.calls() if c.get("bloat")]
        tap.ok(bloated_calls and bloated_calls[0]["status"] == 200,
               "the endpoint did answer with the bloated body")
    for name in ("valid-0", "valid-2", "valid-3", "valid-5", "valid-6"):
        if wanted(name):
            m, v = outcome[name]
            tap.ok(v and v["Outcome"] == "deleted", "%s: deleted" % name)
    if wanted("big-header"):
        m, v = outcome["big-header"]
        tap.ok(v and v["Outcome"] == "rejected", "big header: rejected")

    poison = [n for n in ("big-value", "big-key-poison", "big-header")
              if wanted(n)]
    dlq = read(cluster.bootstrap, "dlq", len(poison), 30, d)
    tap.is_(len(dlq), len(poison), "one dead-letter copy per poison record")
    copies = {}
    for m in dlq:
        h = dict(m.headers() or [])
        copies[int(h.get("optout-source-offset", b"-1")),
               int(h.get("optout-source-partition", b"-1"))] = (m, h)
    if wanted("big-value"):
        part, off = offsets["big-value"]
        m, h = copies.get((off, part), (None, {}))
        tap.ok(m is not None and len(m.value()) < 1000000 and
               len(m.value()) > 900000 and BIG_VALUE.startswith(m.value()),
               "big value: the copy is the value's start, cut to fit "
               "(%s bytes)" % (len(m.value()) if m else None))
        tap.is_(h.get("optout-truncated"), str(BIG).encode(),
                "big value: optout-truncated names the original length")
        tap.is_(h.get("trace"), b"t-4", "big value: its own header kept")
    if wanted("big-key-poison"):
        part, off = offsets["big-key-poison"]
        m, h = copies.get((off, part), (None, {}))
        tap.ok(m is not None and m.key() == stand_in(BIG_POISON_KEY) and
               m.value() == b"{not json",
               "big key poison: copy with the stand-in key, value whole")
        tap.is_(h.get("optout-key-truncated"), str(BIG).encode(),
                "big key poison: optout-key-truncated names the key's "
                "length")
    if wanted("big-header"):
        part, off = offsets["big-header"]
        m, h = copies.get((off, part), (None, {}))
        tap.ok(m is not None and "huge" not in h and "small" not in h and
               m.value() == b"{not json either",
               "big header: the record's own headers left out, value whole")
        tap.is_(h.get("optout-headers-dropped"), b"2",
                "big header: optout-headers-dropped counts them")

    done = lib.wait_until(lambda: lib.committed(
        cluster.bootstrap, "oversized", "requests", list(ends)) == ends,
        20, 0.3)
    tap.ok(done, "every offset committed (%s)" % ends)
    log = d.log()
    tap.ok("cannot produce" not in log and "failed for good" not in log,
           "no produce error was fatal")
    d.signal(signal.SIGTERM)
    tap.is_(d.wait(30), 0, "SIGTERM: exit 0")
    if tap.failed:
        d.dump_log(tap, 40)

tap.done()
