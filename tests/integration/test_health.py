# SPDX-License-Identifier: Apache-2.0
"""test_health.py - /healthz, /readyz and the event counters when things go
wrong (test_metrics.py covers the healthy run):

  hang     a sender worker hangs (test-only hook OPTOUT_TEST_HANG_WORKER):
           /healthz answers 200 "ok" before, then 503 naming the worker
           once the watchdog's bound (5 s with WATCHDOG_USEC=1 s) passes
  dlq      a poison record with dlq.topic set: optout_dead_letters_total 1
  outage   every call reset: the pipeline pauses, /readyz answers 503
           "not ready: paused: endpoint unreachable: ...", the pause is
           counted by class of reason; back to 200 once the fault is lifted
  produce  the results topic refuses an outcome: the refusal is counted by
           topic, the pause by reason ("results topic unavailable", the
           class optout_pipeline_paused_reason shows)

Every wait polls with a deadline."""
import json
import re
import time
import urllib.error
import urllib.request

import lib

tap = lib.Tap()
lib.require_tools(tap)

NUMBERS = ["+1415557%04d" % i for i in range(10)]
STATE = {"lists": [{"region": "us-east-1", "name": "h", "numbers": NUMBERS}]}
HANG_AFTER_S = 6  # room to see /healthz 200 first on a loaded machine


def get(port, path):
    """(status, body) of a GET on the metrics listener; (0, why) when the
    listener does not answer."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path),
                                    timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return 0, str(e)


def metrics(port):
    """{series: value} of /metrics ({} when it does not answer)."""
    status, text = get(port, "/metrics")
    values = {}
    if status != 200:
        return values
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def metric_is(port, name, want, timeout=15):
    """Polls /metrics until @name has the value @want; returns the last
    value seen (None: absent)."""
    seen = [None]

    def check():
        seen[0] = metrics(port).get(name)
        return seen[0] == want
    lib.wait_until(check, timeout, 0.2)
    return seen[0]


def until_answer(port, path, rx, timeout):
    """Polls @path until its (status, body) matches (status, regex);
    returns the last answer."""
    seen = [None]

    def check():
        seen[0] = get(port, path)
        return seen[0][0] == rx[0] and re.search(rx[1], seen[0][1])
    lib.wait_until(check, timeout, 0.2)
    return seen[0]


def start(cluster, endpoint, group, extra=None, env=None):
    cfg = lib.base_config(cluster, endpoint, group)
    cfg.update({"metrics.listen": "127.0.0.1:0", "log.level": "info",
                "aws.rate_limit": "0"})
    cfg.update(extra or {})
    d = lib.Daemon(cfg, env=env)
    m = d.wait_log(r"metrics on http://\S+ \(port (\d+)\)", 20)
    return d, int(m.group(1)) if m else 0


def request(i):
    return (NUMBERS[i], json.dumps({"RequestId": "h%d" % i,
                                    "OptOutListName": "h",
                                    "OptedOutNumber": NUMBERS[i]}), None)


def scenario_hang(cluster, endpoint):
    h, port = start(cluster, endpoint, "health-hang",
                    {"sender.workers": "2"},
                    {"WATCHDOG_USEC": "1000000",
                     "OPTOUT_TEST_HANG_WORKER": str(HANG_AFTER_S)})
    tap.ok(port, "hang: metrics listener up")
    # "ok" (not "ok: starting"): the main loop has judged the workers.
    before = until_answer(port, "/healthz", (200, r"^ok\n$"), HANG_AFTER_S)
    hung_yet = "hangs now" in h.log()
    tap.ok(before == (200, "ok\n") and not hung_yet,
           "hang: /healthz 200 ok before the hang (%r%s)"
           % (before, ", but the hang came first" if hung_yet else ""))
    tap.ok(h.wait_log(r"worker 0 hangs now", HANG_AFTER_S + 15),
           "hang: worker 0 hangs")
    t0 = time.monotonic()
    # The bound is 5 s; the main loop judges at least once a second.
    after = until_answer(port, "/healthz", (503, r"stuck"), 15)
    took = time.monotonic() - t0
    tap.is_(after[0], 503, "hang: /healthz 503 once the bound passes "
            "(%.1f s after the hang)" % took)
    tap.ok(re.match(r"^stuck: sender worker 0 \(no loop for \d+ ms, "
                    r"bound 5000 ms\)\n$", after[1]),
           "hang: the body names the stuck worker (%r)" % after[1])
    # took understates the time since the hang by however late the test
    # saw its log line: only "not at once" is certain on a loaded machine.
    tap.ok(took >= 2.5, "hang: not at once (%.1f s, bound 5 s)" % took)
    tap.ok(h.alive(), "hang: the main loop itself still runs")
    if tap.failed:
        h.dump_log(tap, 30)
    h.kill()


def scenario_dlq(d, port, cluster):
    tap.is_(metrics(port).get("optout_dead_letters_total"), 0.0,
            "dlq: optout_dead_letters_total 0 at first")
    lib.produce(cluster.bootstrap, "requests", [(b"poison", "{not json", 0)])
    got = lib.consume_all(cluster.bootstrap, "results", 1, 30)
    tap.ok(got and got[0]["json"]["Outcome"] == "rejected",
           "dlq: the poison record is rejected")
    tap.is_(metric_is(port, "optout_dead_letters_total", 1.0), 1.0,
            "dlq: optout_dead_letters_total 1 once it is dead-lettered")
    tap.is_(metrics(port).get('optout_produce_errors_total{topic="dead-letter"}'),
            0.0, "dlq: no produce error counted for it")


def scenario_outage(d, port, cluster, endpoint):
    name = 'optout_pauses_total{reason="endpoint unreachable"}'
    tap.is_(get(port, "/readyz"), (200, "ready\n"), "outage: /readyz 200 before")
    tap.is_(metrics(port).get(name, 0.0), 0.0, "outage: no such pause counted yet")
    endpoint.set_faults([{"fault": "reset", "times": -1}])
    lib.produce(cluster.bootstrap, "requests", [request(i) for i in range(3)])
    paused = until_answer(port, "/readyz",
                          (503, r"^not ready: paused: endpoint unreachable"), 30)
    tap.is_(paused[0], 503, "outage: /readyz 503 while paused")
    tap.ok(re.match(r"^not ready: paused: endpoint unreachable: .+\n$",
                    paused[1]), "outage: /readyz says why (%r)" % paused[1])
    tap.is_(get(port, "/healthz")[0], 200, "outage: still live (/healthz 200)")
    v = metrics(port)
    tap.is_(v.get(name), 1.0, "outage: %s 1" % name)
    tap.is_(v.get("optout_pipeline_paused"), 1.0, "outage: optout_pipeline_paused 1")
    endpoint.set_faults([])
    back = until_answer(port, "/readyz", (200, r"^ready\n$"), 30)
    tap.is_(back, (200, "ready\n"), "outage: /readyz 200 once the fault is lifted")
    got = lib.consume_all(cluster.bootstrap, "results", 4, 30)
    tap.is_(sorted(r["json"]["Outcome"] for r in got[1:]), ["deleted"] * 3,
            "outage: the held requests deleted after it")
    tap.is_(metrics(port).get(name), 1.0, "outage: counted once")


def scenario_produce(d, port, cluster, endpoint):
    errors = 'optout_produce_errors_total{topic="results"}'
    pauses = 'optout_pauses_total{reason="results topic unavailable"}'
    tap.is_(metrics(port).get(errors), 0.0, "produce: %s 0 at first" % errors)
    # The mock refuses the next Produce request of any client: the API
    # answers late (long enough for a slow test to inject the refusal
    # meanwhile) so that it is the daemon's outcome that is refused.
    endpoint.set_faults([{"fault": "slow:3000", "times": -1}])
    lib.produce(cluster.bootstrap, "requests", [request(3)])
    tap.is_(cluster.command("errors Produce TOPIC_AUTHORIZATION_FAILED"), "ok",
            "produce: one refusal injected")
    endpoint.set_faults([])
    tap.is_(metric_is(port, errors, 1.0), 1.0, "produce: %s 1" % errors)
    tap.is_(metric_is(port, pauses, 1.0), 1.0,
            "produce: %s 1 (the class the paused gauge shows)" % pauses)
    got = lib.consume_all(cluster.bootstrap, "results", 5, 30)
    tap.is_(len(got), 5, "produce: the outcome delivered on the next try")
    tap.is_(until_answer(port, "/readyz", (200, r"^ready\n$"), 15),
            (200, "ready\n"), "produce: /readyz 200 again")


with lib.Cluster(topics=["requests:2", "results:1", "dlq:1"]) as cluster, \
        lib.Endpoint() as endpoint:
    endpoint.set_state(STATE)
    scenario_hang(cluster, endpoint)

    d, port = start(cluster, endpoint, "health", {"dlq.topic": "dlq"})
    tap.ok(port, "metrics listener up")
    tap.is_(until_answer(port, "/readyz", (200, r"^ready\n$"), 30),
            (200, "ready\n"), "/readyz 200 once joined")
    mark = tap.failed
    scenario_dlq(d, port, cluster)
    scenario_outage(d, port, cluster, endpoint)
    scenario_produce(d, port, cluster, endpoint)
    if tap.failed > mark:
        d.dump_log(tap, 40)
    tap.is_(d.stop(), 0, "SIGTERM: exit 0")

tap.done()
