# SPDX-License-Identifier: Apache-2.0
"""test_restart.py - nothing is lost across stops: SIGTERM mid-stream exits 0
with only finished work committed; a restart resumes from the committed
offsets; SIGKILL mid-stream loses nothing either (repeats allowed)."""
import json
import signal
import time

import lib

tap = lib.Tap()
lib.require_tools(tap)

COUNT = 400
numbers = ["+1415600%04d" % i for i in range(COUNT)]
STATE = {"account": "123456789012",
         "lists": [{"region": "us-east-1", "name": "gdpr", "numbers": numbers}]}


def requests(prefix):
    return [(("key-%d" % i).encode(),
             json.dumps({"RequestId": "%s-%d" % (prefix, i),
                         "OptOutListName": "gdpr", "OptedOutNumber": n}), None)
            for i, n in enumerate(numbers)]


def wait_results(bootstrap, want, timeout):
    deadline = time.time() + timeout
    res = []
    while time.time() < deadline:
        res = lib.consume_all(bootstrap, "results", want, 2)
        if len(res) >= want:
            break
    return res


def run_scenario(name, sig):
    with lib.Cluster(topics=["requests:4", "results:1"]) as cluster, \
            lib.Endpoint() as endpoint:
        endpoint.set_state(STATE)
        # Slow answers keep requests in flight when the signal lands.
        endpoint.set_faults([{"number": n, "fault": "slow:20", "times": -1}
                             for n in numbers[::3]])
        lib.produce(cluster.bootstrap, "requests", requests(name))
        cfg = lib.base_config(cluster, endpoint, "restart-" + name)
        # Paced, and committed often, so that the stop lands mid-stream
        # with offsets already committed.
        cfg["aws.rate_limit"] = "40"
        cfg["consumer.auto.commit.interval.ms"] = "1000"
        cfg["log.level"] = "info"

        d1 = lib.Daemon(cfg)
        first = wait_results(cluster.bootstrap, COUNT // 4, 60)
        tap.ok(len(first) >= COUNT // 4, "%s: first run made progress (%d outcomes)"
               % (name, len(first)))
        # Let at least one background commit happen, so that the restart
        # has committed offsets to resume from.
        parts = [0, 1, 2, 3]
        lib.wait_until(lambda: any(c > 0 for c in lib.committed(
            cluster.bootstrap, cfg["consumer.group.id"], "requests", parts).values()),
            15, 0.2)
        d1.signal(sig)
        rc = d1.wait(30)
        if sig == signal.SIGTERM:
            tap.is_(rc, 0, "%s: exit 0 after draining" % name)
        else:
            tap.ok(rc != 0, "%s: killed" % name)
        before = lib.consume_all(cluster.bootstrap, "results", COUNT * 2, 3)
        committed = lib.committed(cluster.bootstrap, cfg["consumer.group.id"],
                                  "requests", parts)
        tap.ok(any(c > 0 for c in committed.values()),
               "%s: offsets were committed before the stop (%s)" % (name, committed))
        # Every committed request has its outcome on the results topic.
        have = {(r["json"]["Source"]["Partition"], r["json"]["Source"]["Offset"])
                for r in before if r["json"]}
        missing = [(p, o) for p, c in committed.items() if c > 0
                   for o in range(c) if (p, o) not in have]
        tap.is_(missing, [], "%s: no committed request lacks an outcome" % name)
        ends = lib.end_offsets(cluster.bootstrap, "requests", parts)
        redo = sum(ends[p] - max(committed[p], 0) for p in parts)
        tap.ok(0 < redo < COUNT, "%s: stopped mid-stream (%d left to do)" % (name, redo))
        d1.close()

        d2 = lib.Daemon(cfg)
        ok = lib.wait_until(lambda: lib.committed(
            cluster.bootstrap, cfg["consumer.group.id"], "requests", parts) == ends,
            90, 0.5)
        tap.ok(ok, "%s: second run committed everything" % name)
        d2.signal(signal.SIGTERM)
        tap.is_(d2.wait(30), 0, "%s: second run exits 0" % name)
        d2.close()

        allres = lib.consume_all(cluster.bootstrap, "results", COUNT * 2, 5)
        ids = {}
        for r in allres:
            o = r["json"]
            ids.setdefault(o["RequestId"], []).append(o["Outcome"])
        lost = [i for i in range(COUNT) if "%s-%d" % (name, i) not in ids]
        tap.is_(lost, [], "%s: every request has an outcome" % name)
        bad = {k: v for k, v in ids.items()
               if not v or v[0] not in ("deleted", "not_found") or
               any(x not in ("deleted", "not_found") for x in v)}
        tap.is_(bad, {}, "%s: outcomes are deleted (or not_found for a repeat)" % name)
        gone = endpoint.lists()
        left = [n for l in gone if l.get("name") == "gdpr" for n in l.get("numbers", [])]
        tap.is_(left, [], "%s: every number erased at the endpoint" % name)
        dup = sum(len(v) - 1 for v in ids.values())
        tap.diag("%s: %d outcomes for %d requests (%d repeats)" %
                 (name, len(allres), COUNT, dup))
        tap.is_(len(allres) - len(before), redo,
                "%s: the restart resumed exactly from the committed offsets" % name)


run_scenario("term", signal.SIGTERM)
run_scenario("kill", signal.SIGKILL)
tap.done()
