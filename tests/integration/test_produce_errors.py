# SPDX-License-Identifier: Apache-2.0
"""test_produce_errors.py - the results topic refusing outcomes is never
fatal.

The mock cluster answers the daemon's Produce requests with errors that
librdkafka does not retry (a permanently refused delivery): first
TOPIC_AUTHORIZATION_FAILED three times, later MSG_SIZE_TOO_LARGE twice
(what a topic with a smaller max.message.bytes answers). The daemon must
not exit or resend every second: it pauses the pipeline with
"paused: results topic unavailable: <reason>" in STATUS=, the log and the
metrics, tries again with one outcome at a time after 1 s, 2 s, 4 s, ...,
and resumes by itself when a delivery goes through. In the end every
request has its outcome, every offset is committed and SIGTERM exits 0."""
import json
import re
import signal
import time
import urllib.request

import lib

tap = lib.Tap()
lib.require_tools(tap)

NUMBERS = ["+1415555%04d" % i for i in range(20)]


def requests(lo, hi):
    return [(("k-%d" % i).encode(),
             {"RequestId": "r-%d" % i, "OptOutListName": "news",
              "OptedOutNumber": NUMBERS[i]}, i % 2) for i in range(lo, hi)]


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                timeout=5) as r:
        return r.read().decode()


def outage(d, cluster, endpoint, error, times, lo, hi, port):
    """Feeds requests lo..hi, injects @times Produce errors for their
    outcomes, checks the pause and the recovery; returns the log lines
    written meanwhile."""
    start = len(d.log())
    before = len(d.notifications())
    # The mock fails the next Produce requests of any client: the API
    # answers late so that the errors are the daemon's, not ours.
    endpoint.set_faults([{"fault": "slow:1500", "times": -1}])
    lib.produce(cluster.bootstrap, "requests", requests(lo, hi))
    tap.is_(cluster.command("errors Produce " + " ".join([error] * times)),
            "ok", "%s x%d injected into Produce" % (error, times))
    endpoint.set_faults([])
    rx = re.compile(r"^STATUS=paused: results topic unavailable: Broker: ")
    tap.ok(lib.wait_until(lambda: any(rx.search(n) for n in
                                      d.notifications()[before:]), 20),
           "%s: STATUS= says paused and why" % error)
    m = scrape(port) if port else ""
    tap.ok(re.search(r'^optout_pipeline_paused 1$', m, re.M) and
           re.search(r'optout_pipeline_paused_reason\{reason="results topic '
                     r'unavailable"\} 1', m),
           "%s: the metrics say paused, reason results topic unavailable"
           % error)
    got = lib.consume_all(cluster.bootstrap, "results", hi, 60)
    ids = sorted({json.loads(r["value"])["RequestId"] for r in got})
    tap.is_(len(ids), hi, "%s: after the outage every request has its "
            "outcome" % error)
    tap.ok(d.alive(), "%s: the daemon never exited" % error)
    tap.ok(lib.wait_until(lambda: any(
        n.startswith("STATUS=running") for n in
        d.notifications()[before:]), 10),
        "%s: STATUS= says running again" % error)
    return d.log()[start:]


with lib.Cluster(topics=["requests:2", "results:1"]) as cluster, \
        lib.Endpoint() as endpoint:
    endpoint.set_state({"lists": [{"region": "us-east-1", "name": "news",
                                   "numbers": NUMBERS}]})
    cfg = lib.base_config(cluster, endpoint, "produce-errors")
    cfg["aws.rate_limit"] = "0"
    cfg["metrics.listen"] = "127.0.0.1:0"
    d = lib.Daemon(cfg)
    m = d.wait_log(r"metrics on http://\S+ \(port (\d+)\)", 20)
    port = int(m.group(1)) if m else 0
    tap.ok(d.wait_notify(r"^READY=1$", 30), "READY=1")
    # Joined the group before anything is produced.
    tap.ok(d.wait_notify(r"^STATUS=running;", 20), "running")

    log = outage(d, cluster, endpoint, "TOPIC_AUTHORIZATION_FAILED", 3, 0, 6, port)
    tap.ok(re.search(r"pipeline paused: results topic unavailable: Broker: "
                     r"Topic authorization failed", log),
           "authorization: the log says paused and why")
    waits = [int(w) for w in re.findall(
        r"results topic still unavailable: .*; trying again in (\d+) s", log)]
    tap.is_(waits, [2, 4], "authorization: retried after 1 s, then backing "
            "off (2 s, 4 s), one outcome at a time")
    tap.is_(log.count("results topic unavailable: trying one message again"),
            3, "authorization: one probe per try, not a resend of everything")
    tap.ok(re.search(r"results topic available again: pipeline resumed", log),
           "authorization: the log says resumed")

    log = outage(d, cluster, endpoint, "MSG_SIZE_TOO_LARGE", 2, 6, 10, port)
    tap.ok(re.search(r"pipeline paused: results topic unavailable: Broker: "
                     r"Message size too large", log),
           "refused delivery: the log says paused and why")

    ends = lib.end_offsets(cluster.bootstrap, "requests", [0, 1])
    tap.ok(lib.wait_until(lambda: lib.committed(
        cluster.bootstrap, "produce-errors", "requests", [0, 1]) == ends,
        20, 0.3), "every offset committed (%s)" % ends)
    d.signal(signal.SIGTERM)
    tap.is_(d.wait(30), 0, "SIGTERM: exit 0")
    if tap.failed:
        d.dump_log(tap, 60)

tap.done()
