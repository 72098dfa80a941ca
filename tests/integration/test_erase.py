# SPDX-License-Identifier: Apache-2.0
"""test_erase.py - erase everywhere: a request whose OptOutListName is "*"
removes the number from every opt-out list of erase.regions (two regions
here), and gets one outcome with one entry per list, checked entry by
entry (and against the schema, as every outcome read through lib is).

Phases: (1) the number on some lists and not others, one list denied: the
entries say where it was, and the top-level outcome is the worst of them
(denied); (2) a "*" request then a one-list request for another number on
one partition: the one-list call comes after every part of the "*" one, and
finds the number gone; (3) a list created after the cache was filled is
found once the cache is refreshed (erase.list_cache_seconds = 2); (4) a
SIGKILL while one part is held at the endpoint: no outcome and no commit
before the restart, then exactly one outcome, the lists done before the
kill answering not_found."""
import json
import signal
import time

import lib

tap = lib.Tap()
lib.require_tools(tap)

NUM = "+14155550180"
NUM2 = "+14155550181"
NUM3 = "+14155550182"
NUM4 = "+14155550183"
ACCOUNT = "123456789012"
STATE = {
    "account": ACCOUNT,
    "lists": [
        {"region": "us-east-1", "name": "marketing", "numbers": [NUM, NUM2]},
        {"region": "us-east-1", "name": "alerts", "numbers": []},
        {"region": "us-east-1", "name": "ops", "numbers": [NUM],
         "denied": True},
        {"region": "eu-west-2", "name": "promo", "numbers": [NUM, NUM2]},
        {"region": "eu-west-2", "name": "news", "numbers": [NUM3]},
    ],
}
DESCRIBE = "PinpointSMSVoiceV2.DescribeOptOutLists"


def req(rid, lst, num):
    return json.dumps({"RequestId": rid, "OptOutListName": lst,
                       "OptedOutNumber": num})


def arn(region, name):
    return "arn:aws:sms-voice:%s:%s:opt-out-list/%s" % (region, ACCOUNT, name)


def entries_of(outcome):
    return {(e["Region"], e["OptOutListName"]): e
            for e in outcome.get("Lists", [])}


def deletes(endpoint, num):
    return [c for c in endpoint.calls()
            if c.get("number") == num and c.get("target") != DESCRIBE]


with lib.Cluster(topics=["requests:1", "results:1"]) as cluster, \
        lib.Endpoint() as endpoint:
    endpoint.set_state(STATE)
    cfg = lib.base_config(cluster, endpoint, "erase")
    cfg["aws.rate_limit"] = "0"
    cfg["erase.regions"] = "us-east-1, eu-west-2"
    cfg["erase.list_cache_seconds"] = "2"
    with lib.Daemon(cfg) as d:
        # (1) present in some lists, absent in others, one denied.
        lib.produce(cluster.bootstrap, "requests",
                    [("k1", req("everywhere-1", "*", NUM), None)])
        out = lib.consume_all(cluster.bootstrap, "results", 1, 60)
        tap.is_(len(out), 1, "one outcome for the erase-everywhere request")
        o = out[0]["json"] if out else {}
        tap.is_(o.get("OptOutListName"), "*", "OptOutListName is *")
        tap.is_(o.get("OptedOutNumber"), NUM, "the number")
        tap.is_(o.get("Outcome"), "denied",
                "top level: the worst of the entries (denied)")
        tap.is_((o.get("Error") or {}).get("Code"), "AccessDeniedException",
                "top-level Error: the denied entry's")
        e = entries_of(o)
        tap.is_(sorted(e), sorted([("us-east-1", "marketing"),
                                   ("us-east-1", "alerts"),
                                   ("us-east-1", "ops"),
                                   ("eu-west-2", "promo"),
                                   ("eu-west-2", "news")]),
                "one entry per list of both regions")
        want = {("us-east-1", "marketing"): "deleted",
                ("us-east-1", "alerts"): "not_found",
                ("us-east-1", "ops"): "denied",
                ("eu-west-2", "promo"): "deleted",
                ("eu-west-2", "news"): "not_found"}
        for key, outcome in sorted(want.items()):
            got = e.get(key, {})
            tap.is_(got.get("Outcome"), outcome, "%s/%s: %s" % (
                key[0], key[1], outcome))
            tap.is_(got.get("OptOutListArn"), arn(*key),
                    "%s/%s: its ARN" % key)
            tap.ok(got.get("AwsRequestId"), "%s/%s: the answer's request "
                   "id" % key)
            if outcome == "deleted":
                tap.ok("OptedOutTimestamp" in got and "Error" not in got,
                       "%s/%s: the API's members, no Error" % key)
            else:
                tap.ok("Error" in got, "%s/%s: its Error" % key)
        # A denial is final once another call was allowed after it
        # (breaker.h): the denied list may be tried again (and probed
        # through a pause for denials) a timing-dependent number of times.
        calls = deletes(endpoint, NUM)
        per_list = {}
        for c in calls:
            per_list[(c["region"], c["list"])] = \
                per_list.get((c["region"], c["list"]), 0) + 1
        tap.ok(all(n == 1 for k, n in per_list.items()
                   if k != ("us-east-1", "ops")) and
               per_list.get(("us-east-1", "ops"), 0) >= 1 and
               len(per_list) == 5,
               "one call per list (the denied one: one or more): %r"
               % sorted(per_list.items()))
        tap.is_(o.get("Attempts"), len(calls), "Attempts counts every call")
        lists = {(l["region"], l["name"]): l for l in endpoint.lists()}
        tap.ok(NUM not in json.dumps(lists[("us-east-1", "marketing")]
                                     .get("numbers")) and
               NUM not in json.dumps(lists[("eu-west-2", "promo")]
                                     .get("numbers")),
               "the number left the lists that held it")

        # (2) "*" then one list, same partition: ordered.
        lib.produce(cluster.bootstrap, "requests", [
            ("k2", req("everywhere-2", "*", NUM2), None),
            ("k3", req("single-2", "marketing", NUM2), None),
        ])
        out = lib.consume_all(cluster.bootstrap, "results", 3, 60)
        by_id = {r["json"]["RequestId"]: r for r in out if r["json"]}
        tap.is_([r["json"]["RequestId"] for r in out[1:]],
                ["everywhere-2", "single-2"], "outcomes in offset order")
        tap.is_(by_id.get("everywhere-2", {}).get("json", {})
                .get("Outcome"), "denied",
                "the * request: denied (ops) is the worst")
        tap.is_(by_id.get("single-2", {}).get("json", {}).get("Outcome"),
                "not_found", "the one-list request finds the number gone")
        calls = deletes(endpoint, NUM2)
        single = [c for c in calls if c["list"] == "marketing"]
        parts = calls[:-1]
        tap.is_(len({(c["region"], c["list"]) for c in parts}), 5,
                "the * request called each of the five lists")
        tap.ok(len(single) == 2 and calls[-1] is single[-1] and
               single[-1]["seq"] > max(c["seq"] for c in parts),
               "the one-list call came after every part of the * request")

        # (3) a list created after the cache was filled.
        t_added = time.time()
        endpoint.add_lists({"region": "eu-west-2", "name": "late",
                            "numbers": [NUM3]})
        listed = lib.wait_until(lambda: [
            c for c in endpoint.calls() if c.get("target") == DESCRIBE and
            c.get("region") == "eu-west-2" and c["time"] > t_added], 15)
        tap.ok(listed, "the cache lists eu-west-2 again after 2 s")
        time.sleep(0.5)
        lib.produce(cluster.bootstrap, "requests",
                    [("k4", req("everywhere-3", "*", NUM3), None)])
        out = lib.consume_all(cluster.bootstrap, "results", 4, 60)
        o = out[3]["json"] if len(out) == 4 else {}
        e = entries_of(o)
        tap.is_(len(e), 6, "six entries now")
        tap.is_(e.get(("eu-west-2", "late"), {}).get("Outcome"), "deleted",
                "the new list was found and the number deleted there")
        tap.is_(e.get(("eu-west-2", "news"), {}).get("Outcome"), "deleted",
                "and from the list it was on before")
        tap.is_(o.get("Outcome"), "denied", "top level still denied (ops)")
        tap.is_(d.stop(), 0, "SIGTERM, exit 0")

    # (4) SIGKILL halfway: one part held at the endpoint, the others done.
    endpoint.add_lists({"region": "us-east-1", "name": "marketing",
                        "numbers": [NUM4]},
                       {"region": "eu-west-2", "name": "promo",
                        "numbers": [NUM4]})
    endpoint.set_faults([{"number": NUM4, "list": "promo",
                          "fault": "hold:60000"}])
    lib.produce(cluster.bootstrap, "requests",
                [("k5", req("everywhere-4", "*", NUM4), None)])
    d2 = lib.Daemon(cfg)
    half = lib.wait_until(lambda: [
        c for c in deletes(endpoint, NUM4) if c["list"] == "marketing" and
        c["status"] == 200] and [
        c for c in deletes(endpoint, NUM4) if c["list"] == "promo"], 30)
    tap.ok(half, "killed halfway: marketing done, promo held")
    d2.signal(signal.SIGKILL)
    tap.ok(d2.wait(30) != 0, "SIGKILL")
    d2.close()
    tap.is_(len(lib.consume_all(cluster.bootstrap, "results", 5, 3)), 4,
            "no outcome for the request cut short")
    tap.is_(lib.committed(cluster.bootstrap, "erase", "requests", [0]),
            {0: 4}, "its offset is not committed")
    endpoint.set_faults([])
    endpoint.release()
    with lib.Daemon(cfg) as d3:
        out = lib.consume_all(cluster.bootstrap, "results", 6, 60)
        mine = [r["json"] for r in out
                if r["json"]["RequestId"] == "everywhere-4"]
        tap.is_(len(mine), 1, "after the restart: exactly one outcome")
        e = entries_of(mine[0] if mine else {})
        tap.is_(e.get(("us-east-1", "marketing"), {}).get("Outcome"),
                "not_found", "the list done before the kill: not_found")
        tap.ok(e.get(("eu-west-2", "promo"), {}).get("Outcome") in
               ("deleted", "not_found"), "the held list: done")
        left = [l["name"] for l in endpoint.lists()
                if NUM4 in json.dumps(l.get("numbers"))]
        tap.is_(left, [], "the number is left on no list")
        tap.ok(lib.wait_until(lambda: lib.committed(
            cluster.bootstrap, "erase", "requests", [0]) == {0: 5}, 30, 0.5),
            "committed after the outcome")
        tap.is_(d3.stop(), 0, "SIGTERM, exit 0")
tap.done()
