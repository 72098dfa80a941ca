# SPDX-License-Identifier: Apache-2.0
"""test_journal.py - when stderr is the journal (JOURNAL_STREAM), the daemon
logs natively with structured fields (REQUEST_ID=, OUTCOME=, PARTITION=,
OFFSET=, AWS_REQUEST_ID=, ...), so `journalctl REQUEST_ID=...` finds a
request's story; each entry names its caller (CODE_FILE, CODE_LINE,
CODE_FUNC), not log.c; never a secret or an unmasked phone number.  The journal
here is a datagram socket bound by the test at journald's own path, read
with journald's native protocol."""
import json
import os
import signal
import socket
import struct
import subprocess
import tempfile

import lib

tap = lib.Tap()
lib.require_tools(tap)

SOCK_DIR = "/run/systemd/journal"
SOCK = SOCK_DIR + "/socket"
if os.path.exists(SOCK):
    tap.skip_all("a journald already listens on %s: not hijacking it" % SOCK)
try:
    os.makedirs(SOCK_DIR, exist_ok=True)
    journal = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    journal.bind(SOCK)
except OSError as e:
    tap.skip_all("cannot bind %s (%s): needs root on a machine without "
                 "journald" % (SOCK, e))
journal.settimeout(0.5)


def parse(data):
    """journald's native protocol: KEY=value lines, or KEY\\n<le64 size>
    <bytes>\\n for values with newlines."""
    fields = {}
    i = 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            fields[k.decode()] = v.decode("utf-8", "replace")
            i = nl + 1
        else:
            size = struct.unpack("<Q", data[nl + 1:nl + 9])[0]
            fields[line.decode()] = data[nl + 9:nl + 9 + size].decode()
            i = nl + 9 + size + 1
    return fields


entries = []
reading = True


def reader():
    # journald reads all the time; a full socket would block the sender.
    while reading:
        try:
            entries.append(parse(journal.recv(1 << 20)))
        except socket.timeout:
            continue
        except OSError:
            break


import threading  # noqa: E402
thread = threading.Thread(target=reader, daemon=True)
thread.start()
NUMBERS = ["+1415555%04d" % i for i in range(10)]
try:
    with lib.Cluster(topics=["requests:1", "results:1"]) as cluster, \
            lib.Endpoint() as endpoint:
        endpoint.set_state({"lists": [{"region": "us-east-1", "name": "j",
                                       "numbers": NUMBERS[:8]}]})
        lib.produce(cluster.bootstrap, "requests", [
            (None, json.dumps({"RequestId": "jr-%d" % i, "OptOutListName": "j",
                               "OptedOutNumber": n}), None)
            for i, n in enumerate(NUMBERS)] + [(None, "garbage", None)])
        tmp = tempfile.mkdtemp(prefix="oe-journal-")
        conf = os.path.join(tmp, "c.conf")
        with open(conf, "w") as f:
            for k, v in lib.base_config(cluster, endpoint, "journal").items():
                f.write("%s = %s\n" % (k, v))
        err = open(os.path.join(tmp, "stderr"), "wb")
        st = os.fstat(err.fileno())
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp,
               "AWS_ACCESS_KEY_ID": lib.TEST_AKID,
               "AWS_SECRET_ACCESS_KEY": lib.TEST_SECRET,
               "AWS_EC2_METADATA_DISABLED": "true",
               "JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)}
        env.update(lib.sanitizer_env())
        proc = subprocess.Popen([lib.daemon_path(), "-c", conf], env=env,
                                stdout=err, stderr=err)
        got = lib.consume_all(cluster.bootstrap, "results", len(NUMBERS) + 1, 60)
        tap.is_(len(got), len(NUMBERS) + 1, "outcomes delivered")
        proc.send_signal(signal.SIGTERM)
        tap.is_(proc.wait(30), 0, "SIGTERM: exit 0")
        reading = False
        thread.join(5)
        err.close()
        stderr_text = open(os.path.join(tmp, "stderr"), "rb").read()
finally:
    journal.close()
    os.unlink(SOCK)

tap.ok(len(entries) > 10, "%d entries sent natively to the journal" % len(entries))
tap.is_(stderr_text, b"", "nothing written to stderr meanwhile")
tap.ok(all(e.get("SYSLOG_IDENTIFIER") == "optout-eraserd" and
           e.get("PRIORITY", "").isdigit() and "MESSAGE" in e for e in entries),
       "every entry has MESSAGE, PRIORITY and SYSLOG_IDENTIFIER")
outcomes = [e for e in entries if "OUTCOME" in e]
tap.is_(len(outcomes), len(NUMBERS) + 1, "one structured entry per outcome")
story = [e for e in entries if e.get("REQUEST_ID") == "jr-1"]
tap.ok(any(e.get("OUTCOME") == "deleted" and e.get("PARTITION") == "0" and
           e.get("OFFSET") == "1" and e.get("AWS_REQUEST_ID") for e in story),
       "REQUEST_ID=jr-1 finds its outcome with PARTITION, OFFSET, AWS_REQUEST_ID")
tap.ok(any(e.get("OUTCOME") == "not_found" and
           e.get("ERROR_CODE") == "ResourceNotFoundException" for e in entries),
       "ERROR_CODE= on a failed deletion")
blob = json.dumps(entries)
tap.is_([n for n in NUMBERS if n in blob], [], "no full phone number in any field")
tap.ok(lib.TEST_SECRET not in blob, "no secret in any field")
tap.ok(any(e.get("NUMBER", "").startswith("+1******") for e in outcomes),
       "NUMBER= is masked")
tap.ok(all(e.get("CODE_FILE", "").endswith(".c") and
           e.get("CODE_LINE", "").isdigit() and e.get("CODE_FUNC")
           for e in entries),
       "every entry has CODE_FILE, CODE_LINE and CODE_FUNC")
tap.is_(sorted({e["CODE_FILE"] for e in entries
                if e.get("CODE_FILE", "").endswith("log.c")}), [],
        "CODE_FILE names the caller, never log.c")
tap.ok(any(e.get("CODE_FILE", "").endswith("results.c") for e in outcomes),
       "an outcome's entry names results.c: %r"
       % sorted({e.get("CODE_FILE") for e in outcomes}))
tap.done()
