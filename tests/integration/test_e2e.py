# SPDX-License-Identifier: Apache-2.0
"""test_e2e.py - every outcome kind end to end: requests on librdkafka's mock
cluster, the daemon, the signature-checking test endpoint, outcomes on the
results topic; offsets committed; no API call for invalid requests; no
unmasked phone number or secret in the logs; SIGTERM exits 0."""
import json
import re
import signal
import time

import lib

tap = lib.Tap()
lib.require_tools(tap)

ACCOUNT = "123456789012"
N = {  # numbers by role
    "ok1": "+14155550101", "ok2": "+14155550102", "arn": "+14155550103",
    "eu": "+447700900104", "absent": "+14155550105", "conflict": "+14155550106",
    "denied": "+14155550107", "apival": "+14155550108", "throttled": "+14155550109",
    "retry500": "+14155550110", "html503": "+14155550111", "reset": "+14155550112",
    "twice": "+14155550113", "noplus": "14155550114",
    "mars": "+14155550115", "cn": "+14155550116", "xpart": "+14155550117",
    "nosvc": "+14155550118", "extra": "+85291230119", "proxy": "+14155550120",
}
STATE = {
    "account": ACCOUNT,
    "lists": [
        {"region": "us-east-1", "name": "marketing",
         "numbers": [N[k] for k in ("ok1", "ok2", "arn", "conflict", "apival",
                                    "throttled", "retry500", "html503",
                                    "reset", "twice", "noplus", "mars",
                                    "xpart", "proxy")],
         "recently_deleted": [N["conflict"]]},
        {"region": "us-east-1", "name": "locked", "numbers": [N["denied"]],
         "denied": True},
        {"region": "eu-west-2", "name": "uk", "numbers": [N["eu"]]},
        # A region of "aws" missing from the built-in table, admitted by
        # aws.extra_regions.
        {"region": "ap-east-1", "name": "hk", "numbers": [N["extra"]]},
    ],
}
FAULTS = [
    {"number": N["apival"], "fault": "ValidationException", "times": -1},
    {"number": N["throttled"], "fault": "ThrottlingException", "times": -1},
    {"number": N["retry500"], "fault": "InternalServerException", "times": 2},
    {"number": N["html503"], "fault": "html503", "times": 1},
    # A proxy's page, not the service's: retried, never final.
    {"number": N["proxy"], "fault": "proxy:407", "times": 1},
    # libcurl silently resends a request whose reused connection died
    # before any answer, on another connection, up to 5 times
    # (CONN_MAX_RETRIES): with several idle connections in the pool one
    # attempt can swallow six resets.  Eight make sure the daemon's own
    # retry is exercised whichever connections the call meets.
    {"number": N["reset"], "fault": "reset", "times": 8},
]


def req(rid, lst, num, **extra):
    d = {"RequestId": rid, "OptOutListName": lst, "OptedOutNumber": num}
    d.update(extra)
    return json.dumps(d)


ARN_US = "arn:aws:sms-voice:us-east-1:%s:opt-out-list/marketing" % ACCOUNT
ARN_EU = "arn:aws:sms-voice:eu-west-2:%s:opt-out-list/uk" % ACCOUNT
ARN_MARS = "arn:aws:sms-voice:mars-east-1:%s:opt-out-list/marketing" % ACCOUNT
ARN_CN = "arn:aws-cn:sms-voice:cn-north-1:%s:opt-out-list/marketing" % ACCOUNT
ARN_XPART = "arn:aws-cn:sms-voice:us-east-1:%s:opt-out-list/marketing" % ACCOUNT
ARN_NOSVC = "arn:aws:sms-voice:ap-southeast-7:%s:opt-out-list/marketing" % ACCOUNT
ARN_EXTRA = "arn:aws:sms-voice:ap-east-1:%s:opt-out-list/hk" % ACCOUNT
# (request id, key, value, expected outcome, expected error code or None)
CASES = [
    ("r-ok1", b"k1", req("r-ok1", "marketing", N["ok1"]), "deleted", None),
    ("r-ok2", None, req("r-ok2", "marketing", N["ok2"], Extra="ignored"), "deleted", None),
    ("r-arn", b"k3", req("r-arn", ARN_US, N["arn"]), "deleted", None),
    ("r-eu", b"k4", req("r-eu", ARN_EU, N["eu"]), "deleted", None),
    ("r-noplus", b"k5", req("r-noplus", "marketing", N["noplus"]), "deleted", None),
    ("r-absent", b"k6", req("r-absent", "marketing", N["absent"]), "not_found",
     "ResourceNotFoundException"),
    ("r-nolist", b"k7", req("r-nolist", "no-such-list", N["ok1"]), "not_found",
     "ResourceNotFoundException"),
    ("r-conflict", b"k8", req("r-conflict", "marketing", N["conflict"]), "conflict",
     "ConflictException"),
    ("r-denied", b"k9", req("r-denied", "locked", N["denied"]), "denied",
     "AccessDeniedException"),
    ("r-apival", b"k10", req("r-apival", "marketing", N["apival"]), "rejected",
     "ValidationException"),
    ("r-throttled", b"k11", req("r-throttled", "marketing", N["throttled"]), "failed",
     "ThrottlingException"),
    ("r-retry500", b"k12", req("r-retry500", "marketing", N["retry500"]), "deleted", None),
    ("r-html503", b"k13", req("r-html503", "marketing", N["html503"]), "deleted", None),
    ("r-reset", b"k14", req("r-reset", "marketing", N["reset"]), "deleted", None),
    ("r-proxy", b"k15", req("r-proxy", "marketing", N["proxy"]), "deleted", None),
    ("r-extra", b"k16", req("r-extra", ARN_EXTRA, N["extra"]), "deleted", None),
    # Same key twice: in offset order, so the second finds nothing left.
    ("r-twice-1", b"same", req("r-twice-1", "marketing", N["twice"]), "deleted", None),
    ("r-twice-2", b"same", req("r-twice-2", "marketing", N["twice"]), "not_found",
     "ResourceNotFoundException"),
    # Invalid requests: rejected locally, no API call.
    ("r-badnum", b"b1", req("r-badnum", "marketing", "+0123"), "rejected", "InvalidRequest"),
    ("r-badlist", b"b2", req("r-badlist", "bad list!", "+14155550199"), "rejected",
     "InvalidRequest"),
    # ARNs of made-up regions and partitions: rejected locally, no API call.
    ("r-mars", b"b10", req("r-mars", ARN_MARS, N["mars"]), "rejected", "InvalidRequest"),
    ("r-cn", b"b11", req("r-cn", ARN_CN, N["cn"]), "rejected", "InvalidRequest"),
    ("r-xpart", b"b12", req("r-xpart", ARN_XPART, N["xpart"]), "rejected",
     "InvalidRequest"),
    ("r-nosvc", b"b13", req("r-nosvc", ARN_NOSVC, N["nosvc"]), "rejected",
     "InvalidRequest"),
    ("r-missing", b"b3", json.dumps({"RequestId": "r-missing",
                                      "OptOutListName": "marketing"}),
     "rejected", "InvalidRequest"),
    ("r-dup", b"b4", '{"RequestId":"r-dup","OptOutListName":"marketing",'
     '"OptedOutNumber":"+14155550198","OptedOutNumber":"+14155550197"}',
     "rejected", "InvalidRequest"),
    ("r-type", b"b5", json.dumps({"RequestId": "r-type", "OptOutListName": "marketing",
                                   "OptedOutNumber": 14155550196}),
     "rejected", "InvalidRequest"),
    # Too large to be parsed at all: no RequestId can be echoed.
    (None, b"b6", req("r-big", "marketing", "+14155550195", Pad="x" * 70000),
     "rejected", "RequestTooLarge"),
    (None, b"b7", "this is not json", "rejected", "MalformedRequest"),
    (None, b"b8", "[1, 2, 3]", "rejected", "MalformedRequest"),
    (None, b"b9", b"\xff\xfe{}", "rejected", "MalformedRequest"),
]
INVALID_NUMBERS = ["+0123", "+14155550199", "+14155550198", "+14155550197",
                   "+14155550196", "+14155550195", N["mars"], N["cn"],
                   N["xpart"], N["nosvc"]]

with lib.Cluster(topics=["requests:3", "results:1"]) as cluster, \
        lib.Endpoint() as endpoint:
    endpoint.set_state(STATE)
    endpoint.set_faults(FAULTS)
    records = []
    for rid, key, value, _, _ in CASES:
        records.append((key, value, None))
    lib.produce(cluster.bootstrap, "requests", records)

    cfg = lib.base_config(cluster, endpoint, "e2e")
    cfg["retry.max_seconds"] = "3"
    # A retry takes its place behind the older requests (oldest first): at
    # the default 10 calls/s the ~35 calls of this test would queue longer
    # than the 3 s retry time above.  Pacing has tests of its own.
    cfg["aws.rate_limit"] = "0"
    cfg["requests.max_bytes"] = "65536"
    cfg["aws.extra_regions"] = "ap-east-1"
    with lib.Daemon(cfg) as d:
        results = lib.consume_all(cluster.bootstrap, "results", len(CASES), 60)
        tap.is_(len(results), len(CASES), "one outcome per request")
        by_id = {}
        anon = []
        for r in results:
            o = r["json"]
            if o is None:
                continue
            if o.get("RequestId") is None:
                anon.append(r)
            else:
                by_id.setdefault(o["RequestId"], []).append(r)
        for rid, key, value, outcome, code in CASES:
            if rid is None:
                continue
            got = by_id.get(rid, [])
            tap.is_(len(got), 1, "%s: exactly one outcome" % rid)
            if not got:
                continue
            r = got[0]
            o = r["json"]
            tap.is_(o["Outcome"], outcome, "%s: outcome" % rid)
            tap.is_((o.get("Error") or {}).get("Code"), code, "%s: error code" % rid)
            tap.is_(r["key"], key, "%s: result key is the request key" % rid)
            src = o.get("Source") or {}
            tap.ok(src.get("Topic") == "requests" and isinstance(src.get("Partition"), int)
                   and isinstance(src.get("Offset"), int), "%s: Source names the record" % rid)
            tap.ok(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
                            o.get("CompletedAt", "")), "%s: CompletedAt" % rid)
            if code in ("InvalidRequest", "RequestTooLarge", "MalformedRequest"):
                tap.is_(o.get("Attempts"), 0, "%s: no API call" % rid)
            else:
                tap.ok(o.get("AwsRequestId"), "%s: AwsRequestId copied" % rid)
        tap.is_(sorted(r["key"] for r in anon), [b"b6", b"b7", b"b8", b"b9"],
                "unparseable requests have RequestId null")
        want = {b"b6": "RequestTooLarge", b"b7": "MalformedRequest",
                b"b8": "MalformedRequest", b"b9": "MalformedRequest"}
        tap.is_({r["key"]: r["json"]["Error"]["Code"] for r in anon}, want,
                "unparseable requests: their error codes")
        tap.ok(all(r["json"]["Attempts"] == 0 for r in anon),
               "unparseable requests: no API call")

        ok1 = by_id["r-ok1"][0]["json"]
        tap.is_(ok1.get("OptOutListArn"),
                "arn:aws:sms-voice:us-east-1:%s:opt-out-list/marketing" % ACCOUNT,
                "deleted: the API's OptOutListArn copied in")
        tap.ok(isinstance(ok1.get("OptedOutTimestamp"), (int, float)) and
               isinstance(ok1.get("EndUserOptedOut"), bool),
               "deleted: OptedOutTimestamp and EndUserOptedOut copied in")
        tap.is_(by_id["r-eu"][0]["json"].get("OptOutListArn"), ARN_EU,
                "ARN in eu-west-2 deleted there")
        tap.is_(by_id["r-retry500"][0]["json"]["Attempts"], 3,
                "two InternalServerExceptions then success: 3 attempts")
        tap.is_(by_id["r-html503"][0]["json"]["Attempts"], 2, "HTML 503 retried")
        tap.is_(by_id["r-proxy"][0]["json"]["Attempts"], 2,
                "a proxy's 407 page is not final: retried")
        messages = {rid: (by_id[rid][0]["json"].get("Error") or {}).get("Message", "")
                    for rid in ("r-mars", "r-cn", "r-xpart", "r-nosvc")}
        tap.ok('region "mars-east-1" is in no AWS partition' in messages["r-mars"],
               "made-up region: the message names it (%r)" % messages["r-mars"])
        tap.ok('region "cn-north-1"' in messages["r-cn"] and
               "aws.extra_regions" in messages["r-cn"],
               "region without sms-voice: named, way out given (%r)" % messages["r-cn"])
        tap.ok("partition aws, not in aws-cn" in messages["r-xpart"],
               "ARN partition and region disagree (%r)" % messages["r-xpart"])
        tap.ok('region "ap-southeast-7"' in messages["r-nosvc"],
               "region not (yet) in the table (%r)" % messages["r-nosvc"])
        extra = [c for c in endpoint.calls() if c.get("number") == N["extra"]]
        tap.ok(extra and all(c.get("region") == "ap-east-1" for c in extra),
               "aws.extra_regions: the ARN's region signs and routes the call")
        tap.ok(by_id["r-reset"][0]["json"]["Attempts"] >= 2,
               "connection resets retried (%d attempts)"
               % by_id["r-reset"][0]["json"]["Attempts"])
        tap.ok(by_id["r-throttled"][0]["json"]["Attempts"] > 1,
               "always throttled: retried, then failed")
        tap.is_(by_id["r-dup"][0]["json"]["Error"]["Code"], "InvalidRequest",
                "a member given twice is rejected")
        t1 = by_id["r-twice-1"][0]
        t2 = by_id["r-twice-2"][0]
        tap.ok(t1["json"]["Source"]["Offset"] < t2["json"]["Source"]["Offset"],
               "same key: produced in offset order")

        calls = endpoint.calls()
        tap.ok(calls and all(c.get("signature_ok") for c in calls),
               "every API call carried a valid signature (%d calls)" % len(calls))
        called = {c.get("number") for c in calls}
        tap.ok(not (called & set(INVALID_NUMBERS)),
               "no API call for an invalid request")
        eu = [c for c in calls if c.get("number") == N["eu"]]
        tap.ok(eu and all(c.get("region") == "eu-west-2" for c in eu),
               "the ARN's region signs and routes the call")
        twice = [c for c in calls if c.get("number") == N["twice"]]
        tap.is_([c.get("code") for c in twice], [None, "ResourceNotFoundException"],
                "same key: the second call only after the first answered")

        # Offsets: everything committed once every outcome is delivered.
        deadline = time.time() + 20
        committed = {}
        while time.time() < deadline:
            committed = lib.committed(cluster.bootstrap, cfg["consumer.group.id"],
                                      "requests", [0, 1, 2])
            ends = lib.end_offsets(cluster.bootstrap, "requests", [0, 1, 2])
            if committed == ends:
                break
            time.sleep(0.5)
        tap.is_(committed, lib.end_offsets(cluster.bootstrap, "requests", [0, 1, 2]),
                "every request's offset committed")

        d.signal(signal.SIGTERM)
        rc = d.wait(30)
        tap.is_(rc, 0, "SIGTERM: exit 0")
        log = d.log()
        leaked = [n for n in list(N.values()) + INVALID_NUMBERS if n in log]
        tap.is_(leaked, [], "no full phone number in the log")
        tap.ok(lib.TEST_SECRET not in log, "the secret key is not in the log")
        tap.ok("+1******0101" in log, "numbers are logged masked")
        tap.ok(re.search(r"^<[0-7]>", log, re.M) is not None and
               all(re.match(r"^<[0-7]>", l) for l in log.splitlines() if l),
               "every log line has a priority prefix")

tap.done()
