# SPDX-License-Identifier: Apache-2.0
"""demo.py - runs the daemon's whole job once on embedded defaults and prints
the outcomes as a table.  Started by tests/demo.sh after the build."""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import lib  # noqa: E402

ACCOUNT = lib.TEST_ACCOUNT
LISTS = [
    {"region": "us-east-1", "name": "marketing",
     "numbers": ["+14155550100", "+14155550101", "+14155550102", "+12065550103"],
     "recently_deleted": ["+14155550102"]},
    {"region": "us-east-1", "name": "partner-list", "numbers": ["+14155550104"],
     "denied": True},
    {"region": "eu-west-2", "name": "uk-marketing", "numbers": ["+447700900105"]},
]
ARN_UK = "arn:aws:sms-voice:eu-west-2:%s:opt-out-list/uk-marketing" % ACCOUNT


def req(rid, lst, num):
    return json.dumps({"RequestId": rid, "OptOutListName": lst,
                       "OptedOutNumber": num})


SAMPLES = [
    (b"user-100", req("erasure-0001", "marketing", "+14155550100")),
    (b"user-101", req("erasure-0002", "marketing", "+14155550101")),
    (b"user-106", req("erasure-0003", "marketing", "+14155550106")),
    (b"user-102", req("erasure-0004", "marketing", "+14155550102")),
    (b"user-104", req("erasure-0005", "partner-list", "+14155550104")),
    (b"user-105", req("erasure-0006", ARN_UK, "+447700900105")),
    (b"user-103", req("erasure-0007", "marketing", "+12065550103")),
    (b"user-107", req("erasure-0008", "marketing", "555-0107")),
    (b"user-108", json.dumps({"RequestId": "erasure-0009", "OptOutListName": "marketing"})),
    (b"user-109", "not even JSON"),
]


def mask(n):
    if not n:
        return "-"
    digits = n.lstrip("+")
    keep = 4 if len(digits) >= 10 else 1
    return ("+" if n.startswith("+") else "") + digits[0] + "*" * (len(digits) - 1 - keep) + digits[-keep:]


def main():
    tap = lib.Tap()  # only for require_tools' messages
    for p in (lib.daemon_path(), lib.mockkafka_path()):
        if not os.access(p, os.X_OK):
            sys.exit("demo: %s is not built (run tests/demo.sh)" % p)
    del tap
    print("demo: starting librdkafka's mock cluster and the local API endpoint")
    with lib.Cluster(topics=["requests:3", "results:1"]) as cluster, \
            lib.Endpoint() as endpoint:
        endpoint.set_state({"account": ACCOUNT, "lists": LISTS})
        # One transient fault, to show a retry.
        endpoint.set_faults([{"number": "+12065550103",
                              "fault": "InternalServerException", "times": 1}])
        lib.produce(cluster.bootstrap, "requests",
                    [(k, v, None) for k, v in SAMPLES])
        print("demo: %d requests on topic 'requests' (%s); starting optout-eraserd"
              % (len(SAMPLES), cluster.bootstrap))
        cfg = lib.base_config(cluster, endpoint, "demo")
        cfg["log.level"] = "info"
        d = lib.Daemon(cfg)
        t0 = time.time()
        results = lib.consume_all(cluster.bootstrap, "results", len(SAMPLES), 60)
        took = time.time() - t0
        d.signal(signal.SIGTERM)
        rc = d.wait(30)

        rows = []
        for r in sorted(results, key=lambda r: (r["json"]["Source"]["Partition"],
                                                r["json"]["Source"]["Offset"])):
            o = r["json"]
            err = o.get("Error") or {}
            rows.append((o.get("RequestId") or "(none)", o.get("OptOutListName") or "-",
                         mask(o.get("OptedOutNumber")), o["Outcome"],
                         str(o.get("Attempts")), err.get("Code", ""),
                         "%d/%d" % (o["Source"]["Partition"], o["Source"]["Offset"])))
        head = ("RequestId", "OptOutList", "Number", "Outcome", "Attempts", "Error",
                "Part/Off")
        widths = [min(max(len(x[i]) for x in rows + [head]), 40) for i in range(len(head))]
        line = "  ".join("%%-%ds" % w for w in widths)
        print()
        print(line % head)
        print(line % tuple("-" * w for w in widths))
        for row in rows:
            print(line % tuple(c[:40] for c in row))
        print()
        print("demo: %d/%d outcomes in %.1f s; daemon stopped with exit code %d"
              % (len(results), len(SAMPLES), took, rc))
        print("demo: the endpoint saw %d signed API calls, all signatures valid: %s"
              % (len(endpoint.calls()),
                 all(c.get("signature_ok") for c in endpoint.calls())))
        print("demo: daemon log (last lines):")
        for l in d.log().splitlines()[-6:]:
            print("  " + l)
        ok = len(results) == len(SAMPLES) and rc == 0
    print("demo: everything started has been stopped")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
