# SPDX-License-Identifier: Apache-2.0
"""test_dlq.py - poison records and the dead-letter topic: every record the
daemon cannot use gets a `rejected` outcome and, with dlq.topic set, an
unchanged copy on the dead-letter topic with headers saying why; valid
requests never go there; nothing blocks a partition; all is committed."""
import json
import signal

import lib

tap = lib.Tap()
lib.require_tools(tap)

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402

STATE = {"lists": [{"region": "us-east-1", "name": "news",
                    "numbers": ["+14155550%03d" % i for i in range(40)]}]}
POISON = [
    (b"p-garbage", b"\x00\x01\x02\xff binary", [("trace-id", b"t-1")]),
    (b"p-notjson", b"{not json", []),
    (b"p-empty", b"", []),
    (b"p-null", None, [("trace-id", b"t-4")]),
    (b"p-big", json.dumps({"RequestId": "big", "OptOutListName": "news",
                           "OptedOutNumber": "+14155550999",
                           "Pad": "x" * 70000}).encode(), []),
    (b"p-invalid", json.dumps({"RequestId": "bad-number", "OptOutListName": "news",
                               "OptedOutNumber": "0123"}).encode(), []),
]


def produce_with_headers(bootstrap, records):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all",
                  "enable.idempotence": True})
    errors = []
    for i, (key, value, headers) in enumerate(records):
        p.produce("requests", value=value, key=key, headers=headers or None,
                  partition=i % 2,
                  on_delivery=lambda err, msg: err and errors.append(err))
    p.flush(30)
    assert not errors, errors


def read_topic(bootstrap, topic, want, timeout=30):
    """Every record of partition 0 of @topic (with headers), up to @want."""
    import time
    from confluent_kafka import OFFSET_BEGINNING
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "dlq-reader",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    out = []
    deadline = time.time() + timeout
    while len(out) < want and time.time() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            out.append(m)
    c.close()
    return len(out) >= want, out


with lib.Cluster(topics=["requests:2", "results:1", "dlq:1"]) as cluster, \
        lib.Endpoint() as endpoint:
    endpoint.set_state(STATE)
    valid = [(("v-%d" % i).encode(),
              json.dumps({"RequestId": "valid-%d" % i, "OptOutListName": "news",
                          "OptedOutNumber": "+14155550%03d" % i}).encode(), [])
             for i in range(20)]
    records = []
    for i in range(20):
        records.append(valid[i])
        if i < len(POISON):
            records.append(POISON[i])
    produce_with_headers(cluster.bootstrap, records)

    cfg = lib.base_config(cluster, endpoint, "dlq")
    cfg["dlq.topic"] = "dlq"
    cfg["aws.rate_limit"] = "0"
    d = lib.Daemon(cfg)
    results = lib.consume_all(cluster.bootstrap, "results", len(records), 60)
    tap.is_(len(results), len(records), "one outcome per record")
    rejected = [r for r in results if r["json"]["Outcome"] == "rejected"]
    tap.is_(sorted(r["key"] for r in rejected), sorted(k for k, _, _ in POISON),
            "every poison record rejected")
    tap.is_(sum(1 for r in results if r["json"]["Outcome"] == "deleted"), 20,
            "every valid request deleted, none blocked by the poison")

    ok, dlq = read_topic(cluster.bootstrap, "dlq", len(POISON))
    tap.ok(ok, "the dead-letter topic received %d records" % len(dlq))
    by_key = {m.key(): m for m in dlq}
    tap.is_(sorted(by_key), sorted(k for k, _, _ in POISON),
            "exactly the poison records went to the dead-letter topic")
    src = {r["key"]: r["json"]["Source"] for r in rejected}
    for key, value, headers in POISON:
        m = by_key.get(key)
        if not m:
            continue
        h = dict(m.headers() or [])
        tap.is_(m.value() or b"", value or b"", "%s: value unchanged" % key.decode())
        code = {r["key"]: r["json"]["Error"]["Code"] for r in rejected}[key]
        tap.is_(h.get("optout-error-code"), code.encode(),
                "%s: header optout-error-code %s" % (key.decode(), code))
        tap.ok(h.get("optout-error-message"), "%s: header optout-error-message"
               % key.decode())
        tap.is_((h.get("optout-source-topic"), h.get("optout-source-partition"),
                 h.get("optout-source-offset")),
                (b"requests", str(src[key]["Partition"]).encode(),
                 str(src[key]["Offset"]).encode()),
                "%s: headers name the source record" % key.decode())
        for name, val in headers:
            tap.is_(h.get(name), val, "%s: its own header %s kept" % (key.decode(), name))

    ends = lib.end_offsets(cluster.bootstrap, "requests", [0, 1])
    done = lib.wait_until(lambda: lib.committed(
        cluster.bootstrap, cfg["consumer.group.id"], "requests", [0, 1]) == ends,
        20, 0.3)
    tap.ok(done, "every record committed, poison included")
    d.signal(signal.SIGTERM)
    tap.is_(d.wait(30), 0, "SIGTERM: exit 0")

tap.done()
