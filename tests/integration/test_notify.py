# SPDX-License-Identifier: Apache-2.0
"""test_notify.py - sd_notify without systemd: the test binds the datagram
socket (NOTIFY_SOCKET) and sets WATCHDOG_USEC, and checks READY=1 ->
STATUS=/WATCHDOG=1 -> STOPPING=1, pings while idle and while paused by an
outage, no pings when a sender worker hangs (test-only fault hook), and
RELOADING=1/READY=1 around a SIGHUP reload that applies what it can and
names what needs a restart."""
import json
import signal
import time

import lib

tap = lib.Tap()
lib.require_tools(tap)

NUMBERS = ["+1415555%04d" % i for i in range(60)]
STATE = {"lists": [{"region": "us-east-1", "name": "n", "numbers": NUMBERS}]}


def pings(d):
    return sum(1 for n in d.notifications() if n == "WATCHDOG=1")


def requests(lo, hi):
    return [(None, json.dumps({"RequestId": "r%d" % i, "OptOutListName": "n",
                               "OptedOutNumber": NUMBERS[i]}), None)
            for i in range(lo, hi)]


with lib.Cluster(topics=["requests:2", "results:1"]) as cluster, \
        lib.Endpoint() as endpoint:
    endpoint.set_state(STATE)
    cfg = lib.base_config(cluster, endpoint, "notify")
    cfg["log.level"] = "info"
    d = lib.Daemon(cfg, env={"WATCHDOG_USEC": "1000000"})
    tap.ok(d.wait_notify(r"^READY=1$", 30), "READY=1 once subscribed and connected")
    notes = d.notifications()
    tap.ok(notes.index("READY=1") >= 0 and not any(n.startswith("STOPPING")
                                                    for n in notes),
           "READY=1 comes before anything else of note")
    tap.ok(d.wait_notify(r"^STATUS=(running|waiting for Kafka);", 10),
           "STATUS= says the state")
    n0 = pings(d)
    time.sleep(3)
    tap.ok(pings(d) - n0 >= 4, "idle: WATCHDOG=1 every half interval (%d in 3 s)"
           % (pings(d) - n0))

    lib.produce(cluster.bootstrap, "requests", requests(0, 20))
    got = lib.consume_all(cluster.bootstrap, "results", 20, 30)
    tap.is_(len(got), 20, "outcomes delivered")
    tap.ok(d.wait_notify(r"^STATUS=running; deleted 20, .*; 0 in flight", 10),
           "STATUS= counts the outcomes and the requests in flight")

    # An outage: credentials rejected -> paused; pings go on.
    endpoint.set_credentials([])
    lib.produce(cluster.bootstrap, "requests", requests(20, 25))
    tap.ok(d.wait_notify(r"^STATUS=paused: credentials rejected", 20),
           "STATUS= says paused and why")
    n1 = pings(d)
    time.sleep(3)
    tap.ok(pings(d) - n1 >= 4, "paused on an outage: still pinging (%d in 3 s)"
           % (pings(d) - n1))
    endpoint.set_credentials(["%s:%s" % (lib.TEST_AKID, lib.TEST_SECRET)])
    got = lib.consume_all(cluster.bootstrap, "results", 25, 60)
    tap.is_(len(got), 25, "after the outage everything is delivered")

    # Reload: rate limit and log level apply, sender.workers needs a restart.
    def rewrite(extra):
        new = dict(cfg)
        new.update(extra)
        with open(d.config_path, "w") as f:
            f.write("".join("%s = %s\n" % kv for kv in new.items()))

    rewrite({"aws.rate_limit": "20", "log.level": "debug", "sender.workers": "3"})
    before = len(d.notifications())
    d.signal(signal.SIGHUP)
    tap.ok(d.wait_log(r"reloaded: applied .*aws\.rate_limit", 10),
           "SIGHUP: the safe changes are applied")
    tap.ok(d.wait_log(r"need a restart to take effect: sender\.workers", 10),
           "SIGHUP: the change that needs a restart is named")
    after = d.notifications()[before:]
    tap.ok("RELOADING=1" in after and "READY=1" in after[after.index("RELOADING=1"):],
           "RELOADING=1 then READY=1")
    tap.ok(any(n.startswith("MONOTONIC_USEC=") for n in after),
           "RELOADING=1 carries MONOTONIC_USEC=")
    tap.ok(d.alive(), "still running after the reload")
    rewrite({"no.such.key": "1"})
    d.signal(signal.SIGHUP)
    tap.ok(d.wait_log(r"reload failed, the running configuration stays: .*no\.such\.key", 10),
           "a bad file on reload is reported and the daemon keeps running")
    time.sleep(0.5)
    tap.ok(d.alive(), "still running after a failed reload")

    d.signal(signal.SIGTERM)
    tap.is_(d.wait(30), 0, "SIGTERM: exit 0")
    tap.ok("STOPPING=1" in d.notifications(), "STOPPING=1 on shutdown")
    tap.ok(d.notifications().index("STOPPING=1") > d.notifications().index("READY=1"),
           "READY=1 -> ... -> STOPPING=1")

    # A wedged sender worker: the pings stop, so systemd would restart us.
    h = lib.Daemon(lib.base_config(cluster, endpoint, "notify-hang"),
                   env={"WATCHDOG_USEC": "1000000", "OPTOUT_TEST_HANG_WORKER": "3"})
    tap.ok(h.wait_notify(r"^READY=1$", 30), "hang test: READY=1")
    tap.ok(h.wait_log(r"worker 0 hangs now", 10), "hang test: the worker hangs")
    time.sleep(6)  # the heartbeat is at most 5 s old before it counts
    n2 = pings(h)
    time.sleep(3)
    tap.is_(pings(h) - n2, 0, "a hung worker: no WATCHDOG=1 any more")
    tap.ok(h.alive(), "the main loop itself still runs")
    h.kill()

tap.done()
