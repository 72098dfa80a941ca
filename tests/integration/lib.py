# SPDX-License-Identifier: Apache-2.0
"""lib.py - shared helpers for the integration tests (TAP output).

Every integration test is a standalone script that imports this module and
drives real components: librdkafka's mock cluster over TCP
(tests/tools/mockkafka), the local API endpoint (tests/tools/endpoint.py,
which verifies SigV4 with botocore) and the daemon binary itself. Nothing
here fakes the daemon's behaviour; the helpers only start, feed, observe and
stop processes.

Ownership and cleanup: every child process is started through _spawn(), which
registers it, asks the kernel to SIGKILL it if this interpreter dies
(PR_SET_PDEATHSIG), and kills it at interpreter exit (atexit; SIGTERM and
SIGHUP are turned into a normal exit so atexit runs). Temporary directories
come from tempdir() and are removed at exit unless KEEP_TEST_TMP is set in
the environment. Every wait has a timeout; nothing here blocks forever.

Environment: top_srcdir and top_builddir (default: the repository root found
from this file), SHARED_DATA (default: ../shared/data next to the tree),
OPTOUT_DAEMON_WRAPPER (a command prefix for the daemon, e.g. "strace -f"),
OPTOUT_VALGRIND=1 (the daemon runs under valgrind with VALGRIND_ARGV below;
a wrapper given in OPTOUT_DAEMON_WRAPPER wins), and ASAN_OPTIONS,
UBSAN_OPTIONS, TSAN_OPTIONS and LSAN_OPTIONS, passed on to the daemon.

Sanitizers and valgrind: the output of every daemon and mockkafka started
here (and whatever a test hands to watch_output()) is searched for their
reports when the test ends; Tap.done() then adds one test point that fails
on any report and prints it, so a sanitizer build, or a valgrind run, fails
the test on a report even where the process's exit status is not checked.
"""

import atexit
import ctypes
import importlib
import json
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import http.client

# --------------------------------------------------------------------- paths

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(_HERE))

TEST_AKID = 'AKIDTESTEXAMPLE'
TEST_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
TEST_ACCOUNT = '123456789012'


def top_srcdir():
    return os.environ.get('top_srcdir') or _REPO


def top_builddir():
    return os.environ.get('top_builddir') or _REPO


def shared_data():
    return os.environ.get('SHARED_DATA') or os.path.join(
        os.path.dirname(top_srcdir()), 'shared', 'data')


def daemon_path():
    return os.path.join(top_builddir(), 'optout-eraserd')


def mockkafka_path():
    return os.path.join(top_builddir(), 'tests', 'tools', 'mockkafka')


def endpoint_path():
    return os.path.join(top_srcdir(), 'tests', 'tools', 'endpoint.py')


# OPTOUT_VALGRIND=1: every error is reported, a definite leak counts as an
# error, and any error makes the exit status 99 (the output is searched too,
# see watch_output()).  The suppressions file holds library-internal frames
# only (see its comments).
VALGRIND_ARGV = ['valgrind', '--error-exitcode=99', '--leak-check=full',
                 '--show-leak-kinds=definite',
                 '--errors-for-leak-kinds=definite', '--num-callers=30',
                 '--track-fds=no']


def daemon_wrapper(log_path=None):
    """The command prefix the daemon runs under ([] for none); valgrind
    writes to log_path if given (and its output is watched, see
    watch_output()), so that the daemon's own output stays its own."""
    wrapper = os.environ.get('OPTOUT_DAEMON_WRAPPER')
    if wrapper:
        return shlex.split(wrapper)
    if os.environ.get('OPTOUT_VALGRIND') == '1':
        argv = list(VALGRIND_ARGV)
        if log_path:
            argv.append('--log-file=' + log_path)
            watch_output('valgrind', path=log_path)
        supp = os.path.join(top_srcdir(), 'tests', 'valgrind.supp')
        if os.path.exists(supp):
            argv.append('--suppressions=' + supp)
        return argv
    return []


def sanitizer_env():
    """The sanitizer settings of this environment, for a child's env.  A
    test run by hand (not by make check, which sets them) gets make check's
    ThreadSanitizer settings: ignore_noninstrumented_modules=1 and the
    suppressions in tests/tsan.supp (see that file)."""
    env = {name: os.environ[name] for name in
           ('ASAN_OPTIONS', 'UBSAN_OPTIONS', 'TSAN_OPTIONS', 'LSAN_OPTIONS')
           if name in os.environ}
    tsan = env.get('TSAN_OPTIONS', '')
    if 'suppressions=' not in tsan:
        supp = os.path.join(top_srcdir(), 'tests', 'tsan.supp')
        env['TSAN_OPTIONS'] = ('ignore_noninstrumented_modules=1 '
                               'suppressions=%s %s' % (supp, tsan)).strip()
    return env


# What a sanitizer runtime or valgrind prints when it finds something:
# AddressSanitizer, LeakSanitizer and ThreadSanitizer errors and warnings,
# their crash reports, UBSan's "FILE:LINE:COL: runtime error:", valgrind's
# error summary with a count above zero.
_REPORT_RX = re.compile(
    r'(ERROR: (Address|Leak|Thread|Memory|UndefinedBehavior)Sanitizer'
    r'|WARNING: ThreadSanitizer|FATAL: ThreadSanitizer'
    r'|Sanitizer:DEADLYSIGNAL'
    r'|^\S+:\d+:\d+: runtime error: '
    r'|^==\d+== ERROR SUMMARY: [1-9])', re.M)

_watched = []          # (what, path or None, text or None)


def watch_output(what, path=None, text=None):
    """Has the output of a process (a file path, or the text itself)
    searched for sanitizer and valgrind reports when the test ends."""
    with _cleanup_lock:
        _watched.append((what, path, text))


def sanitizer_report(text):
    """The first report in text (up to 60 lines from its start), or None."""
    m = _REPORT_RX.search(text or '')
    if not m:
        return None
    start = text.rfind('\n', 0, m.start()) + 1
    return '\n'.join(text[start:].splitlines()[:60])


def check_watched(tap):
    """One test point: no sanitizer or valgrind report in any watched
    output (a report is printed as diagnostics).  Tap.done() calls it."""
    with _cleanup_lock:
        watched = list(_watched)
        del _watched[:]
    if not watched:
        return
    bad = []
    for what, path, text in watched:
        if path is not None:
            # Gone (something removed the test's directory): unchecked.
            if not os.path.exists(path):
                bad.append((what, '%s is gone: nothing to check' % path))
                continue
            text = _read_text(path)
        report = sanitizer_report(text)
        if report:
            bad.append((what, report))
    tap.ok(not bad, 'no sanitizer or valgrind report in the output of %d '
           'process(es)' % len(watched))
    for what, report in bad:
        tap.diag('--- report in %s ---' % what)
        tap.diag(report)


def memory_skip_reason():
    """Why the daemon's resident memory says nothing here, or None: a
    wrapper (valgrind) or a sanitizer runtime (ASan's quarantine keeps
    freed memory on purpose)."""
    if daemon_wrapper():
        return 'the daemon runs under a wrapper'
    try:
        with open(daemon_path(), 'rb') as f:
            binary = f.read()
    except OSError as e:
        return str(e)
    for sym in (b'__asan_init', b'__tsan_init', b'__msan_init'):
        if sym in binary:
            return 'the daemon is built with a sanitizer'
    return None


# ----------------------------------------------------------------------- TAP

class Tap:
    """A TAP producer: ok/is_/diag, then done() prints the plan and exits."""

    def __init__(self):
        self.n = 0
        self.failed = 0
        self._lock = threading.Lock()

    def ok(self, cond, msg=''):
        with self._lock:
            self.n += 1
            if cond:
                print('ok %d - %s' % (self.n, msg), flush=True)
            else:
                self.failed += 1
                print('not ok %d - %s' % (self.n, msg), flush=True)
        return bool(cond)

    def is_(self, got, want, msg=''):
        good = self.ok(got == want, msg)
        if not good:
            self.diag('     got: %r' % (got,))
            self.diag('expected: %r' % (want,))
        return good

    def diag(self, msg):
        for line in str(msg).splitlines() or ['']:
            print('# %s' % line, flush=True)

    def skip(self, reason, count=1):
        for _ in range(count):
            with self._lock:
                self.n += 1
                print('ok %d # SKIP %s' % (self.n, reason), flush=True)

    def skip_all(self, reason):
        print('1..0 # SKIP %s' % reason, flush=True)
        sys.exit(77)

    def bail_out(self, reason):
        print('Bail out! %s' % reason, flush=True)
        sys.exit(1)

    def done(self):
        check_daemon_logs(self)
        check_watched(self)
        print('1..%d' % self.n, flush=True)
        if self.failed:
            self.diag('failed %d of %d' % (self.failed, self.n))
        sys.exit(0 if self.failed == 0 and self.n > 0 else 1)


def require_tools(tap=None, daemon=True, mockkafka=True, endpoint=True):
    """skip_all()s (exit 77) with a reason unless everything the test needs
    is here: botocore, confluent_kafka and jsonschema importable by this
    interpreter, and
    the daemon, mockkafka and endpoint.py files (each check can be turned
    off)."""
    tap = tap or Tap()
    try:
        importlib.import_module('botocore.session')
    except ImportError as e:
        tap.skip_all('botocore cannot be imported by %s (%s); run the tests '
                     'with /usr/bin/python3' % (sys.executable, e))
    try:
        importlib.import_module('confluent_kafka')
    except ImportError as e:
        tap.skip_all('confluent_kafka cannot be imported by %s (%s); run '
                     'the tests with /usr/bin/python3' % (sys.executable, e))
    try:
        importlib.import_module('jsonschema')
    except ImportError as e:
        tap.skip_all('jsonschema cannot be imported by %s (%s): every '
                     'outcome read is checked against docs/outcome.schema.json'
                     '; apt-get install python3-jsonschema' % (sys.executable, e))
    if daemon and not os.access(daemon_path(), os.X_OK):
        tap.skip_all('daemon binary %s is missing (build it first)'
                     % daemon_path())
    if mockkafka and not os.access(mockkafka_path(), os.X_OK):
        tap.skip_all('mockkafka %s is missing (make check builds it)'
                     % mockkafka_path())
    if endpoint and not os.path.exists(endpoint_path()):
        tap.skip_all('endpoint %s is missing' % endpoint_path())


# ------------------------------------------------------------ JSON Schemas

def schema_path(name):
    """docs/<name>.schema.json of the source tree ('request', 'outcome')."""
    return os.path.join(top_srcdir(), 'docs', '%s.schema.json' % name)


_validators = {}


def schema_validator(name):
    """A jsonschema validator for docs/<name>.schema.json, loaded once; the
    schema itself is checked against its metaschema first."""
    v = _validators.get(name)
    if v is None:
        import jsonschema
        with open(schema_path(name), encoding='utf-8') as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        v = cls(schema, format_checker=jsonschema.FormatChecker())
        _validators[name] = v
    return v


def _no_duplicate_names(pairs):
    names = [k for k, _ in pairs]
    dups = sorted({k for k in names if names.count(k) > 1})
    if dups:
        raise ValueError('member given more than once: %s' % ', '.join(dups))
    return dict(pairs)


def schema_errors(name, value):
    """Why value (bytes, str or an already parsed object) is not valid
    under docs/<name>.schema.json: a list of "path: message" lines, empty
    when it is valid.  Text is parsed strictly: a member name given twice
    is an error too, which a schema cannot say."""
    if isinstance(value, (bytes, str)):
        try:
            value = json.loads(value, object_pairs_hook=_no_duplicate_names)
        except ValueError as e:
            return ['not a JSON text: %s' % e]
    out = []
    for err in sorted(schema_validator(name).iter_errors(value),
                      key=lambda e: list(e.absolute_path)):
        path = '/'.join(str(p) for p in err.absolute_path) or '(top)'
        out.append('%s: %s' % (path, err.message))
    return out


class SchemaViolation(AssertionError):
    """An outcome on a results topic that docs/outcome.schema.json refuses."""


def check_outcome(value, where='outcome'):
    """Raises SchemaViolation (after a TAP "Bail out!", so the test fails
    even when the exception is caught or raised on another thread) unless
    value is a valid outcome."""
    errors = schema_errors('outcome', value)
    if not errors:
        return
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    text = value if isinstance(value, str) else json.dumps(value)
    msg = '%s violates docs/outcome.schema.json: %s' % (where,
                                                         '; '.join(errors))
    print('# %s\n#   value: %s' % (msg, text[:2000]), flush=True)
    print('Bail out! %s' % msg, flush=True)
    raise SchemaViolation('%s\n  value: %s' % (msg, text[:2000]))


def is_outcome_topic(topic):
    """The tests' results topics: "results" and "res-<name>"."""
    return topic == 'results' or topic.startswith('res-')


# ------------------------------------------------------- processes, cleanup

_children = []
_tempdirs = []
_cleanup_lock = threading.Lock()


try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # pragma: no cover - not Linux
    _prctl = None


def _set_pdeathsig():
    # Runs in the child between fork and exec (so: no imports, no dlopen):
    # the kernel SIGKILLs the child when this test process dies.
    if _prctl is not None:
        _prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG


def _spawn(argv, **kwargs):
    kwargs.setdefault('stdin', subprocess.DEVNULL)
    kwargs.setdefault('close_fds', True)
    proc = subprocess.Popen(argv, preexec_fn=_set_pdeathsig, **kwargs)
    with _cleanup_lock:
        _children.append(proc)
    return proc


def _stop_process(proc, sig=signal.SIGTERM, grace=5.0):
    """Signals proc, waits up to grace seconds, then SIGKILLs. Returns rc."""
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
        except OSError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            try:
                proc.kill()
            except OSError:
                pass
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
    return proc.returncode


def tempdir(prefix='optout-test-'):
    path = tempfile.mkdtemp(prefix=prefix)
    with _cleanup_lock:
        _tempdirs.append(path)
    return path


def _cleanup():
    with _cleanup_lock:
        children = list(_children)
        dirs = list(_tempdirs)
    for proc in children:
        if proc.poll() is None:
            try:
                proc.kill()
            except OSError:
                pass
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
    if not os.environ.get('KEEP_TEST_TMP'):
        for path in dirs:
            shutil.rmtree(path, ignore_errors=True)


atexit.register(_cleanup)


def _exit_on_signal(signum, frame):
    sys.exit(128 + signum)


for _sig in (signal.SIGTERM, signal.SIGHUP):
    if signal.getsignal(_sig) == signal.SIG_DFL:
        signal.signal(_sig, _exit_on_signal)


def _read_line(stream, timeout):
    """One line from a pipe within timeout seconds, or None (EOF/timeout)."""
    deadline = time.monotonic() + timeout
    buf = b''
    fd = stream.fileno()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        ch = os.read(fd, 1)
        if not ch:
            return None
        if ch == b'\n':
            return buf.decode('utf-8', 'replace')
        buf += ch


def wait_until(pred, timeout=10.0, interval=0.05):
    """Calls pred() until it returns a true value; returns it, or None."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def _read_text(path):
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return f.read()
    except OSError:
        return ''


# ------------------------------------------------------------------- Kafka

class Cluster:
    """librdkafka's mock cluster in a mockkafka child, driven over stdin."""

    def __init__(self, topics=('requests:4', 'results:1'), brokers=3,
                 timeout=15.0):
        self.dir = tempdir('optout-kafka-')
        self.log_path = os.path.join(self.dir, 'mockkafka.log')
        argv = [mockkafka_path(), '--brokers', str(brokers), '--stdin-control']
        for topic in topics:
            argv += ['--topic', topic]
        self._lock = threading.Lock()
        with open(self.log_path, 'wb') as log:
            self.proc = _spawn(argv, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=log,
                               env=dict(os.environ, **sanitizer_env()))
        watch_output('mockkafka', path=self.log_path)
        line = _read_line(self.proc.stdout, timeout)
        if not line or not line.startswith('BOOTSTRAP '):
            self.stop()
            raise RuntimeError('mockkafka did not start (%r): %s'
                               % (line, self.log()))
        self.bootstrap = line.split(' ', 1)[1].strip()
        self.brokers = brokers

    def command(self, line, timeout=10.0):
        """Sends one control command; returns the reply ("ok", "error ...")."""
        with self._lock:
            if self.proc.poll() is not None:
                raise RuntimeError('mockkafka has exited')
            self.proc.stdin.write(line.encode('utf-8') + b'\n')
            self.proc.stdin.flush()
            reply = _read_line(self.proc.stdout, timeout)
        if reply is None:
            raise RuntimeError('mockkafka did not answer %r' % line)
        return reply

    def log(self):
        return _read_text(self.log_path)

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b'quit\n')
                self.proc.stdin.flush()
            except (OSError, ValueError):
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        rc = _stop_process(self.proc)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except (OSError, ValueError):
                pass
        return rc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _encode(value):
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode('utf-8')
    return json.dumps(value).encode('utf-8')


def produce(bootstrap, topic, records, timeout=30.0):
    """Produces records synchronously; each is (key, value, partition) with
    key bytes/str/None, value bytes/str (or a dict/list, sent as JSON),
    partition an int or None. Shorter tuples and bare values are accepted.
    Raises AssertionError unless every record was acknowledged. Returns the
    [(partition, offset)] of the records in order."""
    from confluent_kafka import Producer
    producer = Producer({'bootstrap.servers': bootstrap, 'acks': 'all',
                         'enable.idempotence': True,
                         'message.timeout.ms': int(timeout * 1000)})
    results = []
    errors = []

    def delivered(err, msg, index=None):
        if err is not None:
            errors.append('record %d: %s' % (index, err))
        else:
            results.append((index, msg.partition(), msg.offset()))

    for i, rec in enumerate(records):
        if not isinstance(rec, tuple):
            rec = (None, rec)
        key = _encode(rec[0])
        value = _encode(rec[1]) if len(rec) > 1 else None
        partition = rec[2] if len(rec) > 2 else None
        kwargs = {'key': key, 'value': value,
                  'on_delivery': (lambda err, msg, i=i: delivered(err, msg, i))}
        if partition is not None:
            kwargs['partition'] = partition
        while True:
            try:
                producer.produce(topic, **kwargs)
                break
            except BufferError:
                producer.poll(0.1)
    left = producer.flush(timeout)
    if left:
        errors.append('%d record(s) still undelivered after %.0fs'
                      % (left, timeout))
    if errors:
        raise AssertionError('produce to %s failed: %s'
                             % (topic, '; '.join(errors)))
    results.sort()
    return [(p, o) for _, p, o in results]


class Stream:
    """Produces records at a steady rate from a background thread, so a
    test can keep requests arriving while it changes the endpoint. records
    as for produce(); rate in records per second. .sent counts records
    handed to the producer, .errors collects delivery errors; join() waits
    for the end and the final flush and returns True when every record
    was acknowledged."""

    def __init__(self, bootstrap, topic, records, rate, timeout=30.0):
        self.bootstrap = bootstrap
        self.topic = topic
        self.records = list(records)
        self.rate = float(rate)
        self.timeout = timeout
        self.sent = 0
        self.acked = 0
        self.errors = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _delivered(self, err, msg):
        if err is not None:
            self.errors.append(str(err))
        else:
            self.acked += 1

    def _run(self):
        from confluent_kafka import Producer
        producer = Producer({'bootstrap.servers': self.bootstrap,
                             'acks': 'all', 'enable.idempotence': True,
                             'linger.ms': 0,
                             'message.timeout.ms': int(self.timeout * 1000)})
        start = time.monotonic()
        for i, rec in enumerate(self.records):
            if self._stop:
                break
            due = start + i / self.rate
            while True:
                left = due - time.monotonic()
                if left <= 0:
                    break
                producer.poll(min(left, 0.05))
            if not isinstance(rec, tuple):
                rec = (None, rec)
            kwargs = {'key': _encode(rec[0]),
                      'value': _encode(rec[1]) if len(rec) > 1 else None,
                      'on_delivery': self._delivered}
            if len(rec) > 2 and rec[2] is not None:
                kwargs['partition'] = rec[2]
            while True:
                try:
                    producer.produce(self.topic, **kwargs)
                    break
                except BufferError:
                    producer.poll(0.05)
            producer.poll(0)
            self.sent += 1
        left = producer.flush(self.timeout)
        if left:
            self.errors.append('%d record(s) undelivered' % left)

    def stop(self):
        """Produces nothing more (what was sent is still flushed)."""
        self._stop = True

    def join(self, timeout=None):
        self._thread.join(timeout)
        return not self._thread.is_alive() and not self.errors and \
            self.acked == self.sent


def _partitions_of(consumer, topic, timeout):
    deadline = time.monotonic() + timeout
    while True:
        md = consumer.list_topics(topic, timeout=max(0.5, min(
            5.0, deadline - time.monotonic())))
        t = md.topics.get(topic)
        if t is not None and t.error is None and t.partitions:
            return sorted(t.partitions)
        if time.monotonic() >= deadline:
            raise AssertionError('topic %s has no metadata' % topic)
        time.sleep(0.1)


def consume_all(bootstrap, topic, expected, timeout=30.0, outcomes=None):
    """Reads topic from the beginning of every partition (assign(), no group
    membership) until expected records arrived or timeout seconds passed.
    Returns [{"key", "value" (bytes), "json" (parsed or None), "partition",
    "offset", "timestamp" (the record's timestamp, Unix ms, or None)}] in
    arrival order (offset order within a partition).

    outcomes=True checks every record's value against
    docs/outcome.schema.json with check_outcome(), which fails the test on
    the first violation; None (the default) does so for the results topics
    (is_outcome_topic()), so every test that reads outcomes checks them."""
    if outcomes is None:
        outcomes = is_outcome_topic(topic)
    from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
    consumer = Consumer({'bootstrap.servers': bootstrap,
                         'group.id': 'optout-test-reader-%d-%d' % (
                             os.getpid(), time.monotonic_ns()),
                         'enable.auto.commit': False,
                         'enable.partition.eof': False})
    out = []
    try:
        deadline = time.monotonic() + timeout
        parts = _partitions_of(consumer, topic, timeout)
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING)
                         for p in parts])
        while len(out) < expected:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            msg = consumer.poll(min(remaining, 0.5))
            if msg is None or msg.error() is not None:
                continue
            value = msg.value()
            try:
                parsed = json.loads(value) if value is not None else None
            except ValueError:
                parsed = None
            if outcomes:
                check_outcome(value, '%s [%d] offset %d' % (
                    topic, msg.partition(), msg.offset()))
            ts_type, ts = msg.timestamp()
            out.append({'key': msg.key(), 'value': value, 'json': parsed,
                        'partition': msg.partition(),
                        'offset': msg.offset(),
                        'timestamp': ts if ts_type else None})
    finally:
        consumer.close()
    return out


def committed(bootstrap, group, topic, partitions, timeout=10.0):
    """The group's committed offsets {partition: offset} (-1001 = none),
    fetched without joining the group. partitions: a count or a list."""
    from confluent_kafka import Consumer, TopicPartition
    if isinstance(partitions, int):
        partitions = range(partitions)
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': group,
                         'enable.auto.commit': False})
    try:
        got = consumer.committed([TopicPartition(topic, p)
                                  for p in partitions], timeout=timeout)
    finally:
        consumer.close()
    return {tp.partition: tp.offset for tp in got}


def end_offsets(bootstrap, topic, partitions, timeout=10.0):
    """The high watermarks {partition: offset} of a topic's partitions: the
    offsets a group has committed once it has handled everything."""
    from confluent_kafka import Consumer, TopicPartition
    if isinstance(partitions, int):
        partitions = range(partitions)
    consumer = Consumer({'bootstrap.servers': bootstrap,
                         'group.id': 'end-offsets', 'enable.auto.commit': False})
    try:
        return {p: consumer.get_watermark_offsets(TopicPartition(topic, p),
                                                  timeout=timeout)[1]
                for p in partitions}
    finally:
        consumer.close()


# ----------------------------------------------------------------- endpoint

class Endpoint:
    """tests/tools/endpoint.py in a child process, plus its control API."""

    def __init__(self, credentials=None, state=None, timeout=15.0):
        self.dir = tempdir('optout-endpoint-')
        self.log_path = os.path.join(self.dir, 'endpoint.log')
        creds = credentials or ['%s:%s' % (TEST_AKID, TEST_SECRET)]
        argv = [sys.executable, endpoint_path(), '--port', '0',
                '--credentials', ','.join(creds)]
        if state is not None:
            path = os.path.join(self.dir, 'state.json')
            with open(path, 'w', encoding='utf-8') as f:
                json.dump(state, f)
            argv += ['--state', path]
        with open(self.log_path, 'wb') as log:
            self.proc = _spawn(argv, stdout=subprocess.PIPE, stderr=log)
        line = _read_line(self.proc.stdout, timeout)
        if not line or not line.startswith('LISTENING '):
            _stop_process(self.proc)
            raise RuntimeError('endpoint did not start (%r): %s'
                               % (line, self.log()))
        self.port = int(line.split()[1])
        self.host = '127.0.0.1'
        self.url = 'http://127.0.0.1:%d' % self.port

    def _control(self, method, path, body=None, timeout=10.0):
        conn = http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout)
        try:
            data = None if body is None else json.dumps(body)
            headers = {} if data is None else {
                'Content-Type': 'application/json'}
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        if resp.status != 200:
            raise RuntimeError('endpoint %s %s: %d %s' % (
                method, path, resp.status, raw.decode('utf-8', 'replace')))
        return json.loads(raw)

    def set_state(self, state):
        """Replaces the whole state (see endpoint.py --help)."""
        return self._control('POST', '/_test/state', state)

    def state(self):
        return self._control('GET', '/_test/state')

    def add_lists(self, *lists):
        """add_lists({"name": ..}, ...) or add_lists([..]): adds or merges."""
        if len(lists) == 1 and isinstance(lists[0], list):
            lists = lists[0]
        return self._control('POST', '/_test/lists', list(lists))

    def set_faults(self, rules, seed=None):
        """Replaces the fault rules (see endpoint.py --help); seed makes the
        draws of rules with a "rate" repeatable."""
        if seed is None:
            return self._control('POST', '/_test/faults', list(rules))
        return self._control('POST', '/_test/faults',
                             {'faults': list(rules), 'seed': seed})

    def faults(self):
        return self._control('GET', '/_test/faults')

    def release(self):
        """Ends the wait of the calls held by "hold" faults."""
        return self._control('POST', '/_test/release', {})

    def calls(self):
        return self._control('GET', '/_test/calls')

    def lists(self):
        return self._control('GET', '/_test/lists')

    def reset(self):
        """Clears the call log, the fault rules and the credential fetch
        log (issued credentials stay valid)."""
        return self._control('POST', '/_test/reset', {})

    def update(self, changes=None, **keys):
        """Replaces only the given top-level state keys (lists are merged):
        update(quota={...}), update({"credentials": []})."""
        body = dict(changes or {})
        body.update(keys)
        return self._control('POST', '/_test/update', body)

    def set_quota(self, region='us-east-1', rate=10, burst=None,
                  quota=None):
        """Sets the per-region quota (a token bucket per region; "*" for
        every region). quota={...} sets the whole map; rate=None removes
        region's entry."""
        if quota is None:
            quota = dict(self.state().get('quota') or {})
            if rate is None:
                quota.pop(region, None)
            else:
                quota[region] = {'rate': rate,
                                 'burst': rate if burst is None else burst}
        return self.update(quota=quota)

    def set_credentials(self, credentials):
        """Replaces the accepted long-term credentials: a list of
        {"akid", "secret", "token", "expired", "denied"} or "AKID:SECRET"
        strings. [] makes every static key unknown (UnrecognizedClient)."""
        out = []
        for c in credentials:
            if isinstance(c, str):
                akid, _, secret = c.partition(':')
                c = {'akid': akid, 'secret': secret}
            out.append(c)
        return self.update(credentials=out)

    def set_clock_offset(self, seconds):
        return self.update(clock_offset=seconds)

    def credential_fetches(self):
        """{"counts", "refused", "fetches", "issued"}: see endpoint.py."""
        return self._control('GET', '/_test/credential_fetches')

    def expire_credentials(self, akid=None):
        """Expires one credential now, or (akid None) every issued one.
        Returns the akids expired."""
        body = {} if akid is None else {'akid': akid}
        return self._control('POST', '/_test/expire_credentials',
                             body)['expired']

    @property
    def container_url(self):
        return self.url + '/_creds/container'

    @property
    def sts_url(self):
        return self.url + '/_sts/'

    def credential_env(self, source, token_file=None,
                       role_arn='arn:aws:iam::%s:role/optout-role'
                       % TEST_ACCOUNT, container_token=None):
        """Environment for a Daemon(env=...) that must get its credentials
        from this endpoint's fake source ("container", "imds" or
        "web_identity"): the standard AWS variables, with the static test
        keys removed."""
        env = {'AWS_ACCESS_KEY_ID': None, 'AWS_SECRET_ACCESS_KEY': None,
               'AWS_SESSION_TOKEN': None}
        if source == 'container':
            env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] = self.container_url
            if container_token is not None:
                env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] = container_token
        elif source == 'imds':
            env['AWS_EC2_METADATA_DISABLED'] = None
            env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = self.url
        elif source == 'web_identity':
            if token_file is None:
                raise ValueError('web_identity needs token_file')
            env['AWS_WEB_IDENTITY_TOKEN_FILE'] = token_file
            env['AWS_ROLE_ARN'] = role_arn
            env['AWS_ROLE_SESSION_NAME'] = 'optout-test'
            env['AWS_ENDPOINT_URL_STS'] = self.sts_url
        else:
            raise ValueError('unknown credential source %r' % source)
        return env

    def stats(self, calls=None, since=None, until=None):
        """call_stats() over this endpoint's call log."""
        return call_stats(self.calls() if calls is None else calls,
                          since, until)

    def log(self):
        return _read_text(self.log_path)

    def stop(self):
        return _stop_process(self.proc)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def call_stats(calls, since=None, until=None):
    """Figures over /_test/calls entries (optionally only those with
    since <= time <= until, Unix seconds):
      total, ok (HTTP 200), throttled (ThrottlingException, quota or fault),
      quota_throttled, codes {code or "ok": count},
      throttled_fraction (throttled / total), first, last (times),
      span (last - first, s), rate (calls/s over the span), goodput
      (HTTP 200 calls/s over the span), per_second [calls in each whole
      second from first], peak_per_second."""
    sel = [c for c in calls
           if (since is None or c['time'] >= since) and
           (until is None or c['time'] <= until)]
    codes = {}
    for c in sel:
        key = c.get('code') or ('ok' if c.get('status') == 200 else
                                str(c.get('status')))
        codes[key] = codes.get(key, 0) + 1
    total = len(sel)
    ok = sum(1 for c in sel if c.get('status') == 200 and not c.get('code'))
    throttled = sum(1 for c in sel if c.get('code') == 'ThrottlingException')
    times = sorted(c['time'] for c in sel)
    first = times[0] if times else None
    last = times[-1] if times else None
    span = (last - first) if times else 0.0
    per_second = []
    if times:
        per_second = [0] * (int(span) + 1)
        for t in times:
            per_second[int(t - first)] += 1
    return {
        'total': total, 'ok': ok, 'throttled': throttled,
        'quota_throttled': sum(1 for c in sel if c.get('quota')),
        'codes': codes,
        'throttled_fraction': (throttled / total) if total else 0.0,
        'first': first, 'last': last, 'span': span,
        'rate': ((total - 1) / span) if span > 0 else 0.0,
        'goodput': ((ok - 1) / span) if span > 0 and ok > 1 else 0.0,
        'per_second': per_second,
        'peak_per_second': max(per_second) if per_second else 0,
    }


# ------------------------------------------------------------------- daemon

def base_config(cluster, endpoint, group='optout-test'):
    """The configuration every daemon test starts from."""
    return {
        'kafka.bootstrap.servers': cluster.bootstrap,
        'consumer.group.id': group,
        'consumer.session.timeout.ms': '6000',
        'consumer.auto.offset.reset': 'earliest',
        'requests.topic': 'requests',
        'results.topic': 'results',
        'aws.region': 'us-east-1',
        'aws.endpoint': endpoint.url,
        'retry.base_ms': '20',
        'retry.cap_ms': '200',
        'log.level': 'debug',
    }


# A phone number in E.164 form as it must never appear in a daemon's log:
# masked it reads "+1******0100".
UNMASKED_NUMBER = re.compile(r'\+\d{8,15}')
_daemons = []


def check_daemon_logs(tap):
    """One TAP point per daemon this test started: its whole log (stdout
    and stderr) holds no unmasked phone number.  Tap.done() calls it, so
    every end-to-end test asserts it over the logs of its daemons."""
    for i, daemon in enumerate(list(_daemons)):
        text = daemon.log()
        found = [m.group(0) for m in UNMASKED_NUMBER.finditer(text)]
        if not tap.ok(not found, 'daemon %d log (%d lines): no unmasked '
                      'phone number' % (i + 1, len(text.splitlines()))):
            for line in text.splitlines():
                if UNMASKED_NUMBER.search(line):
                    tap.diag('unmasked: %s' % line[:300])
                    break
    del _daemons[:]


class Daemon:
    """optout-eraserd with a generated config file and a clean environment.

    config: {key: value} written as "key = value" lines. env: extra
    environment (a value of None removes a default). args: extra command line
    arguments after "-c FILE". notify=True gives the daemon a NOTIFY_SOCKET
    and collects what it sends (see notifications() and wait_notify());
    notify_delay (default: OPTOUT_TEST_NOTIFY_DELAY_MS from the
    environment, else 0) delays each datagram before the test sees it.
    output: a file object or descriptor to give the daemon as its stdout
    and stderr instead of the log file (then log() stays empty)."""

    def __init__(self, config, env=None, args=None, notify=True,
                 output=None):
        self.dir = tempdir('optout-daemon-')
        self.home = os.path.join(self.dir, 'home')
        os.mkdir(self.home)
        self.config_path = os.path.join(self.dir, 'optout-eraser.conf')
        self.log_path = os.path.join(self.dir, 'daemon.log')
        with open(self.config_path, 'w', encoding='utf-8') as f:
            for key, value in config.items():
                if isinstance(value, bool):
                    value = 'true' if value else 'false'
                f.write('%s = %s\n' % (key, value))
        environ = {
            'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
            'HOME': self.home,
            'AWS_ACCESS_KEY_ID': TEST_AKID,
            'AWS_SECRET_ACCESS_KEY': TEST_SECRET,
            'AWS_EC2_METADATA_DISABLED': 'true',
        }
        environ.update(sanitizer_env())
        self._notify_sock = None
        self._notes = []
        self._note_times = []
        self._notify_empty_at = 0.0  # the reader last found nothing to read
        # Seconds each datagram takes to reach the test, as on a loaded
        # machine: shakes out tests that read the notifications once instead
        # of waiting for them.  May be changed while the daemon runs.
        self.notify_delay = float(
            os.environ.get('OPTOUT_TEST_NOTIFY_DELAY_MS', '0')) / 1000.0
        self._notes_cond = threading.Condition()
        if notify:
            path = os.path.join(self.dir, 'notify.sock')
            self._notify_sock = socket.socket(socket.AF_UNIX,
                                              socket.SOCK_DGRAM)
            self._notify_sock.bind(path)
            self._notify_sock.settimeout(0.2)
            environ['NOTIFY_SOCKET'] = path
            self._notify_stop = False
            self._notify_thread = threading.Thread(target=self._notify_loop,
                                                   daemon=True)
            self._notify_thread.start()
        for name, value in (env or {}).items():
            if value is None:
                environ.pop(name, None)
            else:
                environ[name] = str(value)
        wrapper = daemon_wrapper(os.path.join(self.dir, 'valgrind.log'))
        self.argv = wrapper + [daemon_path(), '-c', self.config_path] + \
            list(args or [])
        self.env = environ
        with open(self.log_path, 'wb') as log:
            self.proc = _spawn(self.argv, env=environ,
                               stdout=log if output is None else output,
                               stderr=subprocess.STDOUT, cwd=self.dir)
        watch_output('the daemon in %s' % self.dir, path=self.log_path)
        self.pid = self.proc.pid
        _daemons.append(self)

    # sd_notify traffic -----------------------------------------------------

    def _notify_loop(self):
        while not self._notify_stop:
            try:
                data = self._notify_sock.recv(65536)
            except socket.timeout:
                with self._notes_cond:
                    self._notify_empty_at = time.monotonic()
                    self._notes_cond.notify_all()
                continue
            except OSError:
                break
            if self.notify_delay > 0:
                time.sleep(self.notify_delay)
            now = time.monotonic()
            with self._notes_cond:
                for line in data.decode('utf-8', 'replace').splitlines():
                    if line:
                        self._notes.append(line)
                        self._note_times.append(now)
                self._notes_cond.notify_all()

    def notifications(self):
        """Every sd_notify line received so far ("READY=1", ...)."""
        with self._notes_cond:
            return list(self._notes)

    def notifications_timed(self):
        """Every sd_notify line so far as (time.monotonic() at arrival,
        line); the lines of one datagram share their time."""
        with self._notes_cond:
            return list(zip(self._note_times, self._notes))

    def wait_notify_index(self, pattern, timeout=15.0, start=0):
        """Waits for an sd_notify line matching the regex among the lines
        from index start on (notifications()[start:]); returns its index,
        or None after timeout seconds, or once the daemon has exited and
        everything it sent has been read."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        exited_at = None
        with self._notes_cond:
            while True:
                for i in range(start, len(self._notes)):
                    if rx.search(self._notes[i]):
                        return i
                now = time.monotonic()
                if now >= deadline or self._notify_sock is None:
                    return None
                # Datagrams sent before the exit are queued on the socket
                # by then: once the reader finds it empty, that was all.
                if exited_at is None and self.proc.poll() is not None:
                    exited_at = now
                if exited_at is not None and \
                        self._notify_empty_at > exited_at:
                    return None
                self._notes_cond.wait(min(deadline - now, 0.2))

    def wait_notify(self, pattern, timeout=15.0, start=0):
        """Waits for an sd_notify line matching the regex (among the lines
        from index start on); returns it, or None."""
        i = self.wait_notify_index(pattern, timeout, start)
        return None if i is None else self.notifications()[i]

    # process ---------------------------------------------------------------

    def signal(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, timeout=30.0):
        """The exit status (negative: killed by that signal), or None if it
        is still running after timeout seconds."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        """SIGKILL and reap. Returns the exit status."""
        if self.proc.poll() is None:
            try:
                self.proc.kill()
            except OSError:
                pass
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=30.0):
        """SIGTERM, wait up to timeout, then SIGKILL. Returns exit status."""
        rc = _stop_process(self.proc, signal.SIGTERM, timeout)
        self._close_notify()
        return rc

    def alive(self):
        return self.proc.poll() is None

    def log(self):
        return _read_text(self.log_path)

    def wait_log(self, pattern, timeout=15.0):
        """Waits until the log matches the regex; returns the match or None."""
        rx = re.compile(pattern)
        return wait_until(lambda: rx.search(self.log()), timeout, 0.05)

    # The outcomes of requests that went well: a failure's cause hides
    # behind thousands of them.
    ROUTINE = r'^<6>outcome (deleted|not_found):'

    def dump_log(self, tap, last=80, skip=None):
        """Prints the tail of the log as TAP diagnostics, less the lines
        that match the regex skip (say how many)."""
        lines = self.log().splitlines()
        total = len(lines)
        if skip:
            rx = re.compile(skip)
            lines = [line for line in lines if not rx.search(line)]
        tap.diag('--- daemon log (last %d of %d lines%s) ---'
                 % (min(last, len(lines)), total,
                    ', %d matching %s left out' % (total - len(lines), skip)
                    if skip else ''))
        for line in lines[-last:]:
            tap.diag(line)

    def close(self):
        """Stops the daemon if it still runs and releases its resources."""
        return self.stop()

    def _close_notify(self):
        if self._notify_sock is not None:
            self._notify_stop = True
            self._notify_thread.join(2)
            self._notify_sock.close()
            self._notify_sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
