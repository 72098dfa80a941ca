# SPDX-License-Identifier: Apache-2.0
"""test_cli.py - the command line and start-up errors: --help, --version,
--check-config, one-line configuration errors naming FILE:LINE: key, and the
sysexits codes."""
import os
import subprocess
import tempfile

import lib

EX_USAGE, EX_NOINPUT, EX_CONFIG = 64, 66, 78

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
    e.update(env or {})
    p = subprocess.run([daemon] + args, capture_output=True, text=True,
                       timeout=30, env=e)
    return p.returncode, p.stdout, p.stderr


rc, out, err = run(["--help"])
tap.is_(rc, 0, "--help exits 0")
tap.ok("Usage: optout-eraserd" in out and "--check-config" in out,
       "--help prints the usage")

rc, out, err = run(["--version"])
tap.is_(rc, 0, "--version exits 0")
tap.ok(out.startswith("optout-eraserd "), "--version prints the version")

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

# No credentials anywhere: start-up fails with EX_CONFIG, naming no secret.
rc, out, err = run(["-c", good])
tap.is_(rc, EX_CONFIG, "no credentials: EX_CONFIG")
tap.ok("credentials" in err, "no credentials: said so (%r)" % err.strip()[-200:])

secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRETKEY"
rc, out, err = run(["-c", good], env={"AWS_SECRET_ACCESS_KEY": secret})
tap.is_(rc, EX_CONFIG, "half a key pair in the environment: EX_CONFIG")
tap.ok("AWS_ACCESS_KEY_ID" in err and secret not in err,
       "the missing variable is named, the secret is not logged")

tap.done()
