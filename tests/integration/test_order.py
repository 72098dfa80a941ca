# SPDX-License-Identifier: Apache-2.0
"""test_order.py - per-number order across lists: two requests for one
phone number on one partition, naming different opt-out lists, are never in
flight together.  The endpoint holds the first call until the test releases
it; the second must not reach the endpoint before then, and the outcomes
come in offset order."""
import json
import time

import lib

tap = lib.Tap()
lib.require_tools(tap)

NUM = "+14155550170"
OTHER = "+14155550171"
STATE = {
    "account": "123456789012",
    "lists": [
        {"region": "us-east-1", "name": "first", "numbers": [NUM]},
        {"region": "us-east-1", "name": "second", "numbers": [NUM, OTHER]},
    ],
}
HOLD_MS = 30000


def req(rid, lst, num):
    return json.dumps({"RequestId": rid, "OptOutListName": lst,
                       "OptedOutNumber": num})


def calls_for(endpoint, lst, num):
    return [c for c in endpoint.calls()
            if c.get("list") == lst and c.get("number") == num]


with lib.Cluster(topics=["requests:1", "results:1"]) as cluster, \
        lib.Endpoint() as endpoint:
    endpoint.set_state(STATE)
    endpoint.set_faults([{"number": NUM, "list": "first",
                          "fault": "hold:%d" % HOLD_MS}])
    # One partition, offsets 0, 1, 2: NUM on "first" (held), NUM on
    # "second" (must wait for it), then another number on "second" (free
    # to go meanwhile: only one phone is held, not the partition).
    lib.produce(cluster.bootstrap, "requests", [
        ("k1", req("held", "first", NUM), None),
        ("k2", req("behind", "second", NUM), None),
        ("k3", req("free", "second", OTHER), None),
    ])
    cfg = lib.base_config(cluster, endpoint, "order")
    cfg["aws.rate_limit"] = "0"
    cfg["http.timeout_ms"] = str(2 * HOLD_MS)
    with lib.Daemon(cfg) as d:
        held = lib.wait_until(lambda: calls_for(endpoint, "first", NUM), 20)
        tap.ok(held, "the first request's call reached the endpoint (held)")
        free = lib.wait_until(lambda: calls_for(endpoint, "second", OTHER),
                              20)
        tap.ok(free, "another number's request went by meanwhile")
        tap.is_(calls_for(endpoint, "second", NUM), [],
                "the same number on another list waits for the held call")
        t_release = time.time()
        endpoint.release()
        results = lib.consume_all(cluster.bootstrap, "results", 3, 60)
        by_id = {r["json"]["RequestId"]: r for r in results if r["json"]}
        tap.is_(sorted(by_id), ["behind", "free", "held"],
                "one outcome per request")
        tap.is_([by_id[k]["json"]["Outcome"] for k in ("held", "behind")],
                ["deleted", "deleted"], "both deleted")
        first = calls_for(endpoint, "first", NUM)
        second = calls_for(endpoint, "second", NUM)
        tap.ok(first and second and second[0]["seq"] > first[-1]["seq"] and
               second[0]["time"] >= t_release,
               "the second list's call came after the first was released")
        tap.is_(d.stop(), 0, "SIGTERM, exit 0")
tap.done()
