# SPDX-License-Identifier: Apache-2.0
"""test_cli.py - the command line and start-up errors: --help, --version,
--check-config, one-line configuration errors naming FILE:LINE: key, and the
sysexits codes."""
import json
import os
import re
import signal
import subprocess
import time
import tempfile

import lib

EX_USAGE, EX_NOINPUT, EX_TEMPFAIL, EX_CONFIG = 64, 66, 75, 78

tap = lib.Tap()
daemon = lib.daemon_path()
if not os.access(daemon, os.X_OK):
    tap.skip_all("daemon not built at %s" % daemon)

tmp = tempfile.mkdtemp(prefix="oe-cli-")
GOOD = """# a comment
kafka.bootstrap.servers = 127.0.0.1:9
requests.topic = requests
results.topic = results
aws.region = us-east-1
"""


def write(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def run(args, env=None):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp}
    e.update(lib.sanitizer_env())
    e.update(env or {})
    p = subprocess.run([daemon] + args, capture_output=True, text=True,
                       timeout=30, env=e)
    lib.watch_output("optout-eraserd %s" % " ".join(args), text=p.stderr)
    return p.returncode, p.stdout, p.stderr


rc, out, err = run(["--help"])
tap.is_(rc, 0, "--help exits 0")
tap.ok("Usage: optout-eraserd" in out and "--check-config" in out,
       "--help prints the usage")

rc, out, err = run(["--version"])
tap.is_(rc, 0, "--version exits 0")
tap.ok(out.startswith("optout-eraserd "), "--version prints the version")
for lib_name in ("librdkafka", "libcurl", "OpenSSL", "cJSON", "libsystemd"):
    line = [l for l in out.splitlines() if l.startswith(lib_name + " ")]
    tap.ok(len(line) == 1 and any(c.isdigit() for c in line[0]),
           "--version names the %s version: %r" % (lib_name, line))

rc, out, err = run(["--no-such-option"])
tap.is_(rc, EX_USAGE, "unknown option: EX_USAGE")

good = write("good.conf", GOOD)
rc, out, err = run(["-c", good, "--check-config"])
tap.is_(out.strip(), "configuration OK", "--check-config prints configuration OK")
tap.is_(rc, 0, "--check-config exits 0 on a good file")

sample = os.path.join(lib.top_srcdir(), "etc", "optout-eraser.conf")
rc, out, err = run(["-c", sample, "--check-config",
                    "-o", "kafka.bootstrap.servers=broker:9092",
                    "-o", "aws.region=eu-west-2"])
tap.is_((rc, out.strip()), (0, "configuration OK"),
        "the sample configuration checks OK once the required values are set")

cases = [
    ("unknown key", GOOD + "no.such.key = 1\n", 6, "no.such.key"),
    ("bad number", GOOD + "retry.max_seconds = soon\n", 6, "retry.max_seconds"),
    ("out of range", GOOD + "sender.workers = 300\n", 6, "sender.workers"),
    ("bad librdkafka property", GOOD + "consumer.session.timeout.ms = abc\n", 6,
     "consumer.session.timeout.ms"),
    ("unknown librdkafka property", GOOD + "kafka.no.such.property = 1\n", 6,
     "kafka.no.such.property"),
    ("guarantee property", GOOD + "consumer.enable.auto.offset.store = true\n",
     6, "consumer.enable.auto.offset.store"),
    ("line without =", GOOD + "just words\n", 6, None),
    # Regions are checked at start-up: a made-up one would only fail at the
    # first call, as a DNS error.
    ("made-up region", GOOD.replace("us-east-1", "mars"), 5, "aws.region"),
    ("region without sms-voice", GOOD.replace("us-east-1", "cn-north-1"), 5,
     "aws.region"),
    ("extra region of no partition", GOOD + "aws.extra_regions = mars-1\n", 6,
     "aws.extra_regions"),
]
for name, text, line, key in cases:
    path = write("bad.conf", text)
    rc, out, err = run(["-c", path, "--check-config"])
    lines = [l for l in err.splitlines() if l.strip()]
    tap.is_(rc, EX_CONFIG, "%s: EX_CONFIG" % name)
    tap.is_(len(lines), 1, "%s: exactly one line" % name)
    prefix = "%s:%d: " % (path, line) + (key + ": " if key else "")
    tap.ok(lines and lines[0].startswith(prefix),
           "%s: line starts with %r (got %r)" % (name, prefix, lines[:1]))

path = write("mars.conf", GOOD.replace("us-east-1", "mars"))
rc, out, err = run(["-c", path, "--check-config"])
tap.is_((rc, err.strip()),
        (EX_CONFIG, "%s:5: aws.region: the region is in no AWS partition" % path),
        "aws.region = mars: the one line")
rc, out, err = run(["-c", good, "--check-config", "-o", "aws.region=mars"])
tap.is_((rc, err.strip()),
        (EX_CONFIG, "-o: aws.region: the region is in no AWS partition"),
        "-o aws.region=mars: EX_CONFIG, the key named")
path = write("noregion.conf", GOOD.replace("aws.region = us-east-1\n", ""))
rc, out, err = run(["-c", path, "--check-config"], env={"AWS_REGION": "mars"})
tap.is_((rc, err.strip()),
        (EX_CONFIG, "%s: aws.region: AWS_REGION: the region is in no AWS "
         "partition" % path), "AWS_REGION=mars: EX_CONFIG, the variable named")
path = write("extra.conf", GOOD.replace("us-east-1", "ap-southeast-7") +
             "aws.extra_regions = ap-southeast-7, eu-west-9\n")
rc, out, err = run(["-c", path, "--check-config"])
tap.is_((rc, out.strip()), (0, "configuration OK"),
        "a region added with aws.extra_regions checks OK")

nokey = write("nokey.conf", GOOD.replace("requests.topic = requests\n", ""))
rc, out, err = run(["-c", nokey, "--check-config"])
tap.is_(rc, EX_CONFIG, "missing required key: EX_CONFIG")
tap.ok("requests.topic" in err and len(err.strip().splitlines()) == 1,
       "missing required key named in one line: %r" % err.strip())

rc, out, err = run(["-c", good, "--check-config", "-o", "sender.workers=many"])
tap.is_(rc, EX_CONFIG, "bad -o value: EX_CONFIG")
tap.ok(err.startswith("-o: sender.workers: "), "bad -o names the key: %r" % err.strip())

rc, out, err = run(["-c", os.path.join(tmp, "absent.conf"), "--check-config"])
tap.is_(rc, EX_NOINPUT, "missing file: EX_NOINPUT")
tap.ok("absent.conf" in err, "missing file named")

rc, out, err = run(["-c", tmp, "--check-config"])
tap.is_(rc, EX_NOINPUT, "a directory as the file: EX_NOINPUT")

# --check-config reports every error, each FILE:LINE: key: message, and the
# messages say how to fix them.
path = write("many.conf", GOOD + "bootstrap.servers = b:9092\n"
             "group.id = g\naws.access_key_id = AKIAEXAMPLE\n"
             "retry.max_second = 5\nretry.base_ms = 5 # five\n")
rc, out, err = run(["-c", path, "--check-config"])
lines = err.strip().splitlines()
tap.is_(rc, EX_CONFIG, "five errors: EX_CONFIG")
tap.is_([l.split(": ")[0:2] for l in lines],
        [["%s:%d" % (path, n), k] for n, k in
         [(6, "bootstrap.servers"), (7, "group.id"), (8, "aws.access_key_id"),
          (9, "retry.max_second"), (10, "retry.base_ms")]],
        "five errors: five lines FILE:LINE: key")
want = ["write kafka.bootstrap.servers", "write consumer.group.id",
        "credential chain", "did you mean retry.max_seconds?",
        "comments must stand on their own line"]
tap.ok(len(lines) == 5 and all(w in l for w, l in zip(want, lines)),
       "each says how to fix it: %r" % lines)
tap.ok("AKIAEXAMPLE" not in err, "the value is not repeated")


def dump(args, env=None):
    rc, out, err = run(args + ["--dump-config"], env)
    rows = {}
    for line in out.splitlines():
        head, _, origin = line.rpartition("  # ")
        key, _, value = head.partition(" = ")
        rows[key] = (value, origin)
    return rc, rows, err


# --dump-config: every key, its value and its origin.
os.makedirs(os.path.join(tmp, ".aws"), exist_ok=True)
awsconf = write(".aws/config", "[profile ops]\nregion = eu-west-1\n"
                "endpoint_url = https://profile.example\n")
noregion = write("dump.conf", GOOD.replace("aws.region = us-east-1\n", ""))
rc, rows, err = dump(["-c", noregion, "-o", "retry.max_seconds=60"],
                     {"AWS_PROFILE": "ops", "AWS_USE_FIPS_ENDPOINT": "true"})
tap.is_(rc, 0, "--dump-config exits 0")
tap.is_(rows.get("requests.topic"), ("requests", noregion + ":3"),
        "--dump-config: a value from the file, FILE:LINE")
tap.is_(rows.get("retry.max_seconds"), ("60", "-o"),
        "--dump-config: a value from -o")
tap.is_(rows.get("aws.use_fips_endpoint"),
        ("true", "environment AWS_USE_FIPS_ENDPOINT"),
        "--dump-config: a value from the environment")
tap.is_(rows.get("aws.region"), ("eu-west-1", "profile ops in " + awsconf),
        "--dump-config: a value from the profile")
tap.is_(rows.get("aws.endpoint"),
        ("https://profile.example", "profile ops in " + awsconf),
        "--dump-config: the profile's endpoint_url")
tap.is_(rows.get("retry.base_ms"), ("100", "default"),
        "--dump-config: a default")
tap.is_(rows.get("dlq.topic"), ("", "unset"), "--dump-config: unset")
rc, rows, err = dump(["-c", noregion],
                     {"AWS_PROFILE": "ops", "AWS_REGION": "us-west-2",
                      "AWS_ENDPOINT_URL": "https://env.example"})
tap.is_((rows.get("aws.region"), rows.get("aws.endpoint")),
        (("us-west-2", "environment AWS_REGION"),
         ("https://env.example", "environment AWS_ENDPOINT_URL")),
        "--dump-config: the environment wins over the profile")

# Secrets: from a file (a systemd credential), masked in the dump; a warning
# when a file others may read holds one inline.
creds = os.path.join(tmp, "creds")
os.makedirs(creds, exist_ok=True)
secret = "pa55 #word"
write("creds/kafka-password", secret + "\n")
path = write("secret-file.conf", GOOD + "kafka.sasl.password_file = "
             "kafka-password\n")
rc, rows, err = dump(["-c", path], {"CREDENTIALS_DIRECTORY": creds})
tap.is_(rows.get("kafka.sasl.password"),
        ("<secret>", "%s:6 via %s/kafka-password" % (path, creds)),
        "a _file secret: used, masked, its file named")
tap.ok(secret not in err and "pa55" not in str(rows), "the secret not shown")
rc, out, err = run(["-c", path, "--check-config"])
tap.is_((rc, err.strip()),
        (EX_CONFIG, "%s:6: kafka.sasl.password_file: kafka-password: a "
         "relative path needs $CREDENTIALS_DIRECTORY (systemd's "
         "LoadCredential=); give an absolute path" % path),
        "a relative _file without $CREDENTIALS_DIRECTORY: one line")
path = write("inline.conf", GOOD + "kafka.sasl.password = " + secret + "\n")
os.chmod(path, 0o644)
rc, out, err = run(["-c", path, "--check-config"])
tap.is_(rc, 0, "an inline secret still loads")
warn = [l for l in err.splitlines() if "kafka.sasl.password" in l]
tap.ok(len(warn) == 1 and path in warn[0] and "0644" in warn[0] and
       secret not in err, "a warning names the file and the key: %r" % err)
os.chmod(path, 0o600)
rc, out, err = run(["-c", path, "--check-config"])
tap.is_((rc, err.strip()), (0, ""), "no warning for a private file")

# No credentials anywhere: start-up fails with EX_TEMPFAIL (the metadata
# service may come up: the unit restarts it), naming no secret.
rc, out, err = run(["-c", good])
tap.is_(rc, EX_TEMPFAIL, "no credentials: EX_TEMPFAIL")
tap.ok("credentials" in err, "no credentials: said so (%r)" % err.strip()[-200:])

secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRETKEY"
rc, out, err = run(["-c", good], env={"AWS_SECRET_ACCESS_KEY": secret})
tap.is_(rc, EX_CONFIG, "half a key pair in the environment: EX_CONFIG "
        "(set up wrong: a restart will not mend it)")
tap.ok("AWS_ACCESS_KEY_ID" in err and secret not in err,
       "the missing variable is named, the secret is not logged")

# log.format = json: each line one JSON object with journald's fields.
rc, out, err = run(["-c", good, "-o", "log.format=json"],
                   env={"AWS_EC2_METADATA_DISABLED": "true"})
try:
    entries = [json.loads(ln) for ln in err.splitlines()]
except ValueError:
    entries = []
tap.ok(entries and all(e.get("SYSLOG_IDENTIFIER") == "optout-eraserd" and
                       e.get("PRIORITY", "").isdigit() and "MESSAGE" in e and
                       e.get("CODE_FILE", "").endswith("main.c")
                       for e in entries),
       "log.format=json: one object a line, MESSAGE, PRIORITY, CODE_FILE of "
       "the caller: %r" % err[-300:])
rc, out, err = run(["-c", good, "--check-config", "-o", "log.format=xml"])
tap.is_(rc, EX_CONFIG, "log.format=xml: EX_CONFIG")
tap.ok("log.format" in err, "log.format=xml: the key named: %r" % err.strip())
rc, out, err = run(["-c", good], env={"AWS_EC2_METADATA_DISABLED": "true"})
tap.ok(err.startswith("<3>"), "stderr not a terminal: <N> prefixes kept")

# Kafka down: each librdkafka error is logged once (by the client's error
# callback), not also as librdkafka's own "FAIL" log line.
e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp,
     "AWS_ACCESS_KEY_ID": "AKIDTESTEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x",
     "AWS_EC2_METADATA_DISABLED": "true"}
e.update(lib.sanitizer_env())
p = subprocess.Popen([daemon, "-c", good], env=e, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
time.sleep(4)  # an observation window: librdkafka retries the broker
p.send_signal(signal.SIGTERM)
out, err = p.communicate(timeout=30)
lib.watch_output("optout-eraserd with Kafka down", text=err)
fails = [ln for ln in err.splitlines() if re.match(r"<[0-6]>kafka .*: FAIL: ", ln)]
refused = [ln for ln in err.splitlines() if "Connection refused" in ln]
tap.ok(refused and not fails and len(refused) == len(set(refused)),
       "Kafka down: each error logged once (%d lines, %d FAIL duplicates)"
       % (len(refused), len(fails)))

# A file librdkafka would read that is not there is a configuration error,
# found by --check-config and at start-up (before credentials) alike.
absent_ca = os.path.join(tmp, "no-such-ca.pem")
for args, what in ((["--check-config"], "--check-config"), ([], "start-up")):
    rc, out, err = run(["-c", good, "-o", "kafka.ssl.ca.location=" + absent_ca]
                       + args)
    tap.is_(rc, EX_CONFIG, "%s: missing kafka.ssl.ca.location: EX_CONFIG" % what)
    tap.ok("kafka.ssl.ca.location" in err and absent_ca in err,
           "%s: the property and the file are named: %r" % (what, err.strip()))
rc, out, err = run(["-c", good, "--check-config", "-o",
                    "consumer.ssl.ca.location=probe"])
tap.is_(rc, 0, "ssl.ca.location=probe is not a file")

tap.done()
