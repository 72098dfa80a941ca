# SPDX-License-Identifier: Apache-2.0
"""test_notify.py - sd_notify without systemd: the test binds the datagram
socket (NOTIFY_SOCKET) and sets WATCHDOG_USEC, and checks READY=1 ->
STATUS=/WATCHDOG=1 -> STOPPING=1, pings while idle and while paused by an
outage, no pings when a sender worker hangs (test-only fault hook),
RELOADING=1/READY=1 around a SIGHUP reload that applies what it can and
names what needs a restart, STATUS='s "lag unknown" / "lag N", and pings
that go on while a rebalance drains the revoked partitions' calls (a second
instance joins while slow calls are on the wire).

Notifications arrive on their own datagram socket, independently of the log:
a test waits for them (Daemon.wait_notify*, with a timeout), it never reads
them once right after a log line."""
import json
import os
import re
import signal
import time

import lib

tap = lib.Tap()
lib.require_tools(tap)

NUMBERS = ["+1415555%04d" % i for i in range(60)]
STATE = {"lists": [{"region": "us-east-1", "name": "n", "numbers": NUMBERS}]}


def ping_gaps(d, t0, t1):
    """(pings within (t0, t1], longest time without a ping over [t0, t1]
    counted from the last ping before t0): systemd needs a ping within
    every WATCHDOG_USEC."""
    pings = [t for t, n in d.notifications_timed() if n == "WATCHDOG=1"]
    inside = [t for t in pings if t0 < t <= t1]
    marks = ([t for t in pings if t <= t0][-1:] or [t0]) + inside + [t1]
    return len(inside), max(y - x for x, y in zip(marks, marks[1:]))


def steady_pings(d, seconds, usec):
    """Watches d's pings for seconds; true (with a description) when no gap
    reached the watchdog interval."""
    t0 = time.monotonic()
    time.sleep(seconds)  # an observation window, not a wait for a condition
    n, gap = ping_gaps(d, t0, time.monotonic())
    return gap < usec / 1e6, "%d in %.0f s, longest gap %.2f s < %.1f s" % (
        n, seconds, gap, usec / 1e6)


def requests(lo, hi):
    return [(None, json.dumps({"RequestId": "r%d" % i, "OptOutListName": "n",
                               "OptedOutNumber": NUMBERS[i]}), None)
            for i in range(lo, hi)]


with lib.Cluster(topics=["requests:2", "results:1"]) as cluster, \
        lib.Endpoint() as endpoint:
    endpoint.set_state(STATE)
    cfg = lib.base_config(cluster, endpoint, "notify")
    cfg["log.level"] = "info"
    # Keys from systemd credentials, which a reload reads again.
    creds_dir = lib.tempdir("oe-notify-creds-")
    for name, value in (("aws-access-key-id", lib.TEST_AKID),
                        ("aws-secret-access-key", lib.TEST_SECRET)):
        with open(os.path.join(creds_dir, name), "w") as f:
            f.write(value + "\n")
    d = lib.Daemon(cfg, env={"WATCHDOG_USEC": "1000000",
                             "AWS_ACCESS_KEY_ID": None,
                             "AWS_SECRET_ACCESS_KEY": None,
                             "CREDENTIALS_DIRECTORY": creds_dir})
    tap.ok(d.wait_notify(r"^READY=1$", 30), "READY=1 once subscribed and connected")
    notes = d.notifications()
    tap.ok(notes.index("READY=1") >= 0 and not any(n.startswith("STOPPING")
                                                    for n in notes),
           "READY=1 comes before anything else of note")
    early = notes[:notes.index("READY=1")] if "READY=1" in notes else []
    tap.ok("STATUS=starting: resolving AWS credentials" in early and
           "STATUS=starting: connecting to Kafka" in early,
           "before READY=1, STATUS= says what start-up waits for: %r" % early)
    tap.ok(notes[notes.index("READY=1") + 1:][:1] ==
           ["STATUS=joining the consumer group"],
           "READY=1 comes with STATUS=joining the consumer group")
    tap.ok(d.wait_notify(r"^STATUS=(running|joining the consumer group);",
                         10), "STATUS= says the state")
    tap.ok(not [n for n in d.notifications()
                if re.match(r"^STATUS=waiting for Kafka", n)],
           "brokers up and the group joining: never \"waiting for Kafka\"")
    # Before the first assignment the consumer's lag is unknown.
    tap.ok(d.wait_notify(r"^STATUS=.*; lag unknown$", 10),
           "STATUS= says \"lag unknown\" while the lag is unknown")
    good, what = steady_pings(d, 3, 1000000)
    tap.ok(good, "idle: WATCHDOG=1 within every interval (%s)" % what)

    lib.produce(cluster.bootstrap, "requests", requests(0, 20))
    got = lib.consume_all(cluster.bootstrap, "results", 20, 30)
    tap.is_(len(got), 20, "outcomes delivered")
    tap.ok(d.wait_notify(r"^STATUS=running; deleted 20, .*; 0 in flight", 10),
           "STATUS= counts the outcomes and the requests in flight")
    tap.ok(d.wait_notify(r"^STATUS=running; deleted 20, .*; lag 0$", 15),
           "STATUS= says \"lag N\" once the lag is known")

    # An outage: credentials rejected -> paused; pings go on.
    endpoint.set_credentials([])
    lib.produce(cluster.bootstrap, "requests", requests(20, 25))
    tap.ok(d.wait_notify(r"^STATUS=paused: credentials rejected", 20),
           "STATUS= says paused and why")
    good, what = steady_pings(d, 3, 1000000)
    tap.ok(good, "paused on an outage: still pinging (%s)" % what)
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
    # From here to the stop, each datagram reaches the test 0.25 s late, as
    # on a loaded machine: what the test reads right after a log line may
    # not be there yet, so it must wait for the notifications it checks.
    d.notify_delay = 0.25
    before = len(d.notifications())
    log_mark = len(d.log())
    d.signal(signal.SIGHUP)
    tap.ok(d.wait_log(r"reloaded: applied .*aws\.rate_limit", 10),
           "SIGHUP: the safe changes are applied")
    tap.ok(d.wait_log(r"need a restart to take effect: sender\.workers", 10),
           "SIGHUP: the change that needs a restart is named")
    # The datagrams may still be on their way when the log line is there:
    # wait for them.
    reloading = d.wait_notify_index(r"^RELOADING=1$", 10, before)
    ready = None if reloading is None else \
        d.wait_notify_index(r"^READY=1$", 10, reloading + 1)
    tap.ok(reloading is not None and ready is not None,
           "RELOADING=1 then READY=1")
    notes = d.notifications()
    tap.ok(reloading is not None and reloading + 1 < len(notes) and
           re.match(r"^MONOTONIC_USEC=[0-9]+$", notes[reloading + 1]),
           "RELOADING=1 carries MONOTONIC_USEC=")
    tap.ok(d.alive(), "still running after the reload")
    # The reload reads the key files again (the refresher says
    # "credentials refreshed"), without blaming AWS.
    lib.wait_until(lambda: "credentials refreshed" in d.log()[log_mark:], 10)
    tap.ok("credentials refreshed" in d.log()[log_mark:] and
           "AWS rejected" not in d.log()[log_mark:],
           "a reload reads the credentials again without saying that AWS "
           "rejected them: %r" % [ln for ln in d.log()[log_mark:].splitlines()
                                  if "credentials" in ln])
    rewrite({"no.such.key": "1"})
    before = len(d.notifications())
    d.signal(signal.SIGHUP)
    tap.ok(d.wait_log(r"reload failed, the running configuration stays: .*no\.such\.key", 10),
           "a bad file on reload is reported and the daemon keeps running")
    reloading = d.wait_notify_index(r"^RELOADING=1$", 10, before)
    tap.ok(reloading is not None and
           d.wait_notify_index(r"^READY=1$", 10, reloading + 1) is not None,
           "a failed reload ends with READY=1 too")
    tap.ok(d.alive(), "still running after a failed reload")

    d.signal(signal.SIGTERM)
    tap.is_(d.wait(30), 0, "SIGTERM: exit 0")
    stopping = d.wait_notify_index(r"^STOPPING=1$", 10)
    tap.ok(stopping is not None, "STOPPING=1 on shutdown")
    tap.ok(stopping is not None and
           stopping > d.notifications().index("READY=1"),
           "READY=1 -> ... -> STOPPING=1")
    d.notify_delay = 0
    lags = [n for n in d.notifications()
            if n.startswith("STATUS=") and "; lag " in n]
    bad = [n for n in lags if not re.search(r"; lag (unknown|[0-9]+)$", n)]
    tap.ok(lags and not bad,
           "every STATUS= ends in \"lag unknown\" or \"lag N\" (%d of %d "
           "do not: %r)" % (len(bad), len(lags), bad[:2]))
    tap.ok(not any("lag unknown0" in n for n in d.notifications()),
           "never \"lag unknown0\"")

    # A wedged sender worker: the pings stop, so systemd would restart us.
    h = lib.Daemon(lib.base_config(cluster, endpoint, "notify-hang"),
                   env={"WATCHDOG_USEC": "1000000", "OPTOUT_TEST_HANG_WORKER": "3"})
    tap.ok(h.wait_notify(r"^READY=1$", 30), "hang test: READY=1")
    tap.ok(h.wait_log(r"worker 0 hangs now", 10), "hang test: the worker hangs")
    # The heartbeat may be up to 5 s old before it counts: within 15 s the
    # pings must stop for good (3 s of silence: 6 missed pings).
    def silent():
        times = [t for t, n in h.notifications_timed() if n == "WATCHDOG=1"]
        return times and time.monotonic() - times[-1] >= 3.0
    tap.ok(lib.wait_until(silent, 15, 0.1),
           "a hung worker: no WATCHDOG=1 any more")
    tap.ok(h.alive(), "the main loop itself still runs")
    h.kill()

# A rebalance drain: a second instance joins the group while slow calls
# are on the wire.  The first one revokes partitions and waits (inside the
# rebalance callback) for their calls to finish; it must keep pinging all
# along, or systemd kills it mid-drain (WatchdogSec= shorter than the drain).
SLOW_MS = 12000
WD_USEC = 2000000
with lib.Cluster(topics=["requests:4", "results:1"]) as cluster, \
        lib.Endpoint() as endpoint:
    endpoint.set_state(STATE)
    endpoint.set_faults([{"fault": "slow:%d" % SLOW_MS, "times": -1}])
    cfg = lib.base_config(cluster, endpoint, "notify-drain")
    cfg.update({"log.level": "info", "aws.rate_limit": "0",
                "http.timeout_ms": "60000"})
    a = lib.Daemon(cfg, env={"WATCHDOG_USEC": str(WD_USEC)})
    tap.ok(a.wait_notify(r"^READY=1$", 30), "drain: first instance READY=1")
    tap.ok(a.wait_notify(r"^STATUS=running;", 30),
           "drain: first instance assigned")
    lib.produce(cluster.bootstrap, "requests",
                [(None, json.dumps({"RequestId": "drain%d" % i,
                                    "OptOutListName": "n",
                                    "OptedOutNumber": NUMBERS[i]}), i % 4)
                 for i in range(8)])
    tap.ok(a.wait_notify(r"^STATUS=running; deleted 0, .*; 8 in flight;", 15),
           "drain: 8 slow calls on the wire, 2 per partition")
    b = lib.Daemon(cfg, notify=False)
    revoking = a.wait_log(r"revoking [1-9][0-9]* partition\(s\)", 30)
    t_revoke = time.monotonic()
    tap.ok(revoking, "drain: the second instance takes partitions away")
    got = lib.consume_all(cluster.bootstrap, "results", 8, SLOW_MS / 1000 + 30)
    t_end = time.monotonic()
    tap.is_(len(got), 8, "drain: every request has its outcome")
    during, gap = ping_gaps(a, t_revoke, t_end)
    tap.ok(gap < WD_USEC / 1e6,
           "drain: WATCHDOG=1 keeps coming while the revoked partitions "
           "drain (%d pings in %.1f s, longest gap %.2f s, WATCHDOG_USEC "
           "%.1f s)" % (during, t_end - t_revoke, gap, WD_USEC / 1e6))
    tap.ok(a.alive() and b.alive(), "drain: both instances still run")
    if tap.failed:
        a.dump_log(tap, 30)
    b.stop()
    a.stop()

tap.done()
