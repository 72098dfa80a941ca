# SPDX-License-Identifier: Apache-2.0
"""test_metrics.py - the Prometheus endpoint, scraped end to end: outcome
counters match the outcomes on the results topic, API call counters match
the calls the endpoint saw, retries and throttles are counted, and the
gauges (in flight, committed offsets, paused) tell the truth; bound to
0.0.0.0, /healthz and /readyz answer 200 on a healthy run, and a SIGHUP and
the first assignment move their counters."""
import json
import re
import signal
import time
import urllib.error
import urllib.request

import lib

tap = lib.Tap()
lib.require_tools(tap)

NUMBERS = ["+1415556%04d" % i for i in range(30)]
STATE = {"lists": [{"region": "us-east-1", "name": "m", "numbers": NUMBERS[:20]}]}


def health(port, path):
    """(status, body) of /healthz or /readyz."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path),
                                    timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
        ctype = r.headers.get("Content-Type", "")
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return ctype, text, values


with lib.Cluster(topics=["requests:2", "results:1"]) as cluster, \
        lib.Endpoint() as endpoint:
    endpoint.set_state(STATE)
    endpoint.set_faults([{"number": NUMBERS[0], "fault": "ThrottlingException",
                          "times": 2},
                         {"number": NUMBERS[1], "fault": "InternalServerException",
                          "times": 1}])
    reqs = [(None, json.dumps({"RequestId": "m%d" % i, "OptOutListName": "m",
                               "OptedOutNumber": n}), None)
            for i, n in enumerate(NUMBERS)] + [(None, "not json", None)]
    lib.produce(cluster.bootstrap, "requests", reqs)
    cfg = lib.base_config(cluster, endpoint, "metrics")
    cfg["metrics.listen"] = "0.0.0.0:0"  # any address named; reached over loopback
    cfg["aws.rate_limit"] = "0"
    d = lib.Daemon(cfg)
    m = d.wait_log(r"metrics on http://\S+ \(port (\d+)\)", 20)
    tap.ok(m, "the daemon says where the metrics are")
    port = int(m.group(1)) if m else 0
    results = lib.consume_all(cluster.bootstrap, "results", len(reqs), 60)
    tap.is_(len(results), len(reqs), "outcomes delivered")
    ends = lib.end_offsets(cluster.bootstrap, "requests", [0, 1])
    lib.wait_until(lambda: lib.committed(cluster.bootstrap, cfg["consumer.group.id"],
                                         "requests", [0, 1]) == ends, 20, 0.3)
    time.sleep(1.5)  # gauges are refreshed once a second
    ctype, text, v = scrape(port)
    tap.ok(ctype.startswith("text/plain; version=0.0.4"), "text format 0.0.4 (%s)" % ctype)
    want = {}
    for r in results:
        want[r["json"]["Outcome"]] = want.get(r["json"]["Outcome"], 0) + 1
    for kind in ("deleted", "not_found", "rejected", "conflict", "denied", "failed"):
        tap.is_(sum(val for k, val in v.items()
                    if k.startswith('optout_outcomes_total{outcome="%s",' % kind)),
                float(want.get(kind, 0)), "outcomes_total{%s} matches the results topic" % kind)
    calls = endpoint.calls()
    total_calls = sum(val for k, val in v.items() if k.startswith("optout_api_calls_total{"))
    tap.is_(total_calls, float(len(calls)), "api_calls_total matches the endpoint's calls")
    tap.is_(v.get('optout_api_calls_total{status="400",code="ThrottlingException",'
                  'region="us-east-1"}'), 2.0,
            "throttled calls counted by status, code and region")
    tap.is_(v.get('optout_outcomes_total{outcome="rejected",region=""}'), 1.0,
            "the unparsable record's outcome has region=\"\"")
    tap.is_(v.get('optout_outcomes_total{outcome="deleted",region="us-east-1"}'),
            float(want.get("deleted", 0)), "deleted outcomes labelled us-east-1")
    tap.is_(v.get("optout_throttled_total"), 2.0, "throttled_total")
    tap.is_(v.get('optout_retries_total{reason="throttle"}'), 2.0, "retries by reason: throttle")
    tap.is_(v.get('optout_retries_total{reason="transient"}'), 1.0, "retries by reason: transient")
    tap.is_(v.get("optout_api_call_duration_seconds_count"), float(len(calls)),
            "call latency histogram counts every call")
    tap.is_(v.get("optout_request_duration_seconds_count"), float(len(reqs)),
            "request latency histogram counts every outcome")
    tap.is_(v.get("optout_records_consumed_total"), float(len(reqs)), "records consumed")
    tap.is_(v.get("optout_requests_in_flight"), 0.0, "nothing in flight at the end")
    tap.is_(v.get("optout_pipeline_paused"), 0.0, "not paused")
    for p in [p for p in (0, 1) if ends[p] > 0]:
        tap.is_(v.get('optout_partition_committed_offset{partition="%d"}' % p),
                float(ends[p]), "committed offset of partition %d" % p)
    tap.ok(re.search(r'^optout_build_info\{version="[^"]+"\} 1$', text, re.M),
           "build_info")
    tap.ok(all(re.match(r"^(# (HELP|TYPE) )?optout_[a-z_]+", l) for l in text.splitlines() if l),
           "every series is named optout_*")
    tap.ok(v.get('optout_rebalances_total{kind="assign"}', 0) >= 1,
           "a rebalance (the first assignment) counted")
    tap.is_(health(port, "/healthz"), (200, "ok\n"), "/healthz: 200 ok")
    tap.is_(health(port, "/readyz"), (200, "ready\n"), "/readyz: 200 ready")
    d.signal(signal.SIGHUP)
    lib.wait_until(lambda: scrape(port)[2].get('optout_reloads_total{result="ok"}') == 1.0,
                   10, 0.3)
    tap.is_(scrape(port)[2].get('optout_reloads_total{result="ok"}'), 1.0,
            "SIGHUP: optout_reloads_total{result=\"ok\"} 1")
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/other" % port, timeout=5)
        tap.ok(False, "other paths: 404")
    except urllib.error.HTTPError as e:
        tap.is_(e.code, 404, "other paths: 404")
    d.signal(signal.SIGTERM)
    tap.is_(d.wait(30), 0, "SIGTERM: exit 0")

tap.done()
