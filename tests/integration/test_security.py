# SPDX-License-Identifier: Apache-2.0
"""test_security.py - the security promises that only a running daemon can
show (README.md, "Security"):

  * a RequestId with a bidi override, a newline, a C1 control and a
    phone number in it is logged escaped and masked: one line, no raw
    control character, no digits of the number; a number without its +
    in a RequestId or a list name is masked too;
  * the daemon is not dumpable (PR_SET_DUMPABLE 0): its /proc/PID files
    belong to root although it runs as another user;
  * a plain http:// endpoint that is not a loopback address is refused at
    start-up with one line that names aws.allow_plain_http, and accepted
    with that key set;
  * TLS is verified: a self-signed endpoint, and one whose certificate is
    trusted but made for another host name, get no call.

lib.Tap.done() adds the check every end-to-end test makes: no unmasked
phone number in any daemon's log."""
import http.server
import json
import os
import re
import ssl
import subprocess
import threading

import lib

tap = lib.Tap()
lib.require_tools(tap)

NUMBERS = ['+1415555%04d' % i for i in range(200, 204)]
RLO, LRI, NEL = '\u202e', '\u2066', '\u0085'
EVIL_ID = 'evil' + RLO + '\nfake <3>line' + NEL + LRI + ' ' + NUMBERS[0]
BARE_ID = 'id-' + NUMBERS[1][1:]
LONG_ID = 'glued' + NUMBERS[2] + '9' * 25
LIST = 'vip-' + NUMBERS[3][1:]


def logs_escaped_and_masked(cluster, endpoint):
    endpoint.set_state({'lists': [{'region': 'us-east-1', 'name': 'sec',
                                   'numbers': NUMBERS[:3]},
                                  {'region': 'us-east-1', 'name': LIST,
                                   'numbers': NUMBERS[3:]}]})
    reqs = [(EVIL_ID, NUMBERS[0], 'sec'), (BARE_ID, NUMBERS[1], 'sec'),
            (LONG_ID, NUMBERS[2], 'sec'), ('in-list', NUMBERS[3], LIST)]
    lib.produce(cluster.bootstrap, 'requests', [
        (None, json.dumps({'RequestId': rid, 'OptOutListName': name,
                           'OptedOutNumber': n}), None)
        for rid, n, name in reqs])
    with lib.Daemon(lib.base_config(cluster, endpoint, 'sec')) as d:
        got = lib.consume_all(cluster.bootstrap, 'results', len(reqs), 60)
        tap.is_(len(got), len(reqs), 'one outcome per request')
        tap.is_(sorted(o['json']['Outcome'] for o in got),
                ['deleted'] * len(reqs), 'every number deleted')
        tap.ok(d.wait_log(r'outcome deleted: .* request evil'), 'logged')
        tap.is_(d.stop(), 0, 'SIGTERM: exit 0')
        text = d.log()
    lines = [line for line in text.splitlines() if 'request evil' in line]
    tap.is_(len(lines), 1, 'the hostile RequestId stays on one line')
    want = ('evil\\u202e\\x0afake <3>line\\u0085\\u2066 +1******0200')
    tap.ok(lines and want in lines[0],
           'escaped as \\u202e, \\x0a, \\u0085, \\u2066, number masked: %r'
           % (lines[:1],))
    tap.is_([c for c in (RLO, LRI, NEL, '\x1b') if c in text], [],
            'no bidi or C1 character anywhere in the log')
    tap.is_([line for line in text.splitlines()
             if line.startswith(('fake', '<3>line'))], [],
            'no forged line')
    tap.ok('request id-1******0201 ' in text,
           'a bare 11-digit run in a RequestId is masked')
    tap.ok('list vip-1******0203 ' in text,
           'a bare 11-digit run in a list name is masked')
    tap.is_([n for n in NUMBERS if n[1:] in text or n[-7:] in text], [],
            'no number, with or without its +, not even its last 7 '
            'digits')


def not_dumpable(cluster, endpoint):
    """The daemon runs as nobody (or as this user when the test is not
    root): a dumpable process owns its /proc/PID files, a non-dumpable one
    leaves them to root."""
    reason = lib.memory_skip_reason()
    if reason:
        tap.skip('%s (LeakSanitizer needs ptrace: dumpable kept)' % reason,
                 2)
        return
    tmp = lib.tempdir('oe-sec-')
    os.chmod(tmp, 0o755)
    conf = os.path.join(tmp, 'c.conf')
    with open(conf, 'w') as f:
        for k, v in lib.base_config(cluster, endpoint, 'dump').items():
            f.write('%s = %s\n' % (k, v))
    os.chmod(conf, 0o644)
    argv = [lib.daemon_path(), '-c', conf]
    if os.geteuid() == 0:
        argv = ['setpriv', '--reuid=65534', '--regid=65534',
                '--clear-groups'] + argv
    env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'HOME': tmp,
           'AWS_ACCESS_KEY_ID': lib.TEST_AKID,
           'AWS_SECRET_ACCESS_KEY': lib.TEST_SECRET,
           'AWS_EC2_METADATA_DISABLED': 'true'}
    log_path = os.path.join(tmp, 'log')
    with open(log_path, 'wb') as log:
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=log,
                                cwd=tmp)
    try:
        started = lib.wait_until(
            lambda: b'starting (configuration' in open(log_path,
                                                       'rb').read(), 30)
        tap.ok(started, 'the daemon started')
        st = os.stat('/proc/%d/status' % proc.pid)
        with open('/proc/%d/status' % proc.pid) as f:
            uid = [int(line.split()[1]) for line in f
                   if line.startswith('Uid:')][0]
        tap.ok(uid != 0 and st.st_uid == 0,
               'runs as uid %d, /proc/PID/status owned by uid %d (0: not '
               'dumpable)' % (uid, st.st_uid))
    finally:
        proc.terminate()
        tap.is_(proc.wait(30), 0, 'SIGTERM: exit 0')


def plain_http_refused(cluster, endpoint):
    """The start-up error line: exit 78 (EX_CONFIG), one line naming the
    key that would allow it; with the key the same start gets past the
    configuration."""
    tmp = lib.tempdir('oe-sec-')
    conf = os.path.join(tmp, 'c.conf')
    cfg = lib.base_config(cluster, endpoint, 'plain')
    cfg['aws.endpoint'] = 'http://sms-voice.{region}.example.invalid/'
    with open(conf, 'w') as f:
        for k, v in cfg.items():
            f.write('%s = %s\n' % (k, v))
    env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'HOME': tmp,
           'AWS_ACCESS_KEY_ID': lib.TEST_AKID,
           'AWS_SECRET_ACCESS_KEY': lib.TEST_SECRET,
           'AWS_EC2_METADATA_DISABLED': 'true'}
    r = subprocess.run([lib.daemon_path(), '-c', conf], env=env,
                       capture_output=True, text=True, timeout=30)
    tap.is_(r.returncode, 78, 'plain http to example.invalid: exit 78')
    lines = r.stderr.splitlines()
    tap.is_(len(lines), 1, 'one line: %r' % lines)
    tap.ok(lines and lines[0].startswith(conf + ':') and
           ': aws.endpoint: plain http://' in lines[0] and
           'set aws.allow_plain_http = true' in lines[0],
           'the line names the file, aws.endpoint and aws.allow_plain_http')
    r = subprocess.run([lib.daemon_path(), '-c', conf, '-o',
                        'aws.allow_plain_http=true', '--check-config'],
                       env=env, capture_output=True, text=True, timeout=30)
    tap.is_((r.returncode, r.stdout), (0, 'configuration OK\n'),
            'accepted with aws.allow_plain_http = true')
    env['AWS_ENDPOINT_URL_STS'] = 'http://sts.example.invalid/'
    r = subprocess.run([lib.daemon_path(), '-c', conf, '-o',
                        'aws.endpoint=' + endpoint.url], env=env,
                       capture_output=True, text=True, timeout=30)
    tap.is_((r.returncode, r.stderr.count('\n')), (78, 1),
            'AWS_ENDPOINT_URL_STS over plain http: exit 78, one line')
    tap.ok('AWS_ENDPOINT_URL_STS: plain http://' in r.stderr and
           'aws.allow_plain_http' in r.stderr, r.stderr.strip())


class Counting(http.server.BaseHTTPRequestHandler):
    """Counts the requests that got through TLS; answers 500."""
    seen = 0

    def do_POST(self):
        Counting.seen += 1
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args):
        pass


def tls_verified(cluster, endpoint):
    """A TLS endpoint with a self-signed certificate: refused (peer
    verification); with that certificate as aws.ca_file but made for
    another host name: refused (host verification).  No call reaches it
    either time; the daemon pauses and holds its requests."""
    tmp = lib.tempdir('oe-tls-')
    cert, key = os.path.join(tmp, 'cert.pem'), os.path.join(tmp, 'key.pem')
    r = subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048',
                        '-nodes', '-days', '2', '-subj',
                        '/CN=other.example', '-addext',
                        'subjectAltName=DNS:other.example', '-keyout', key,
                        '-out', cert], capture_output=True, timeout=60)
    if r.returncode != 0:
        tap.skip('openssl cannot make a certificate', 9)
        return
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Counting)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = 'https://127.0.0.1:%d' % server.server_address[1]
    try:
        for i, (extra, what) in enumerate([
                ({}, 'self-signed: peer verification'),
                ({'aws.ca_file': cert}, 'CA given, other host name: host '
                                        'verification')]):
            rid = 'tls-%d' % i
            lib.produce(cluster.bootstrap, 'requests', [
                (None, json.dumps({'RequestId': rid,
                                   'OptOutListName': 'sec',
                                   'OptedOutNumber': NUMBERS[0]}), None)])
            cfg = lib.base_config(cluster, endpoint, 'tls')
            cfg.update({'aws.endpoint': url, 'retry.max_attempts': '2',
                        'retry.max_seconds': '5',
                        'aws.allow_plain_http': 'false'})
            cfg.update(extra)
            with lib.Daemon(cfg) as d:
                tap.ok(d.wait_log(r'attempt 1: HTTP 0 TlsError: ', 60),
                       '%s: the call fails with TlsError' % what)
                tap.ok(d.wait_log(r'paused: endpoint unreachable: '
                                  r'TlsError', 30),
                       '%s: the pipeline pauses (requests held, not '
                       'failed)' % what)
                tap.is_(d.stop(), 0, '%s: SIGTERM: exit 0' % what)
                tap.ok(re.search(r'stopped: deleted 0, .*failed 0, given '
                                 r'back \d+', d.log()),
                       '%s: nothing deleted, nothing failed, all given '
                       'back' % what)
        tap.is_(Counting.seen, 0, 'no call got through TLS')
    finally:
        server.shutdown()


with lib.Cluster(topics=['requests:1', 'results:1']) as cluster, \
        lib.Endpoint() as endpoint:
    logs_escaped_and_masked(cluster, endpoint)
    not_dumpable(cluster, endpoint)
    plain_http_refused(cluster, endpoint)
    tls_verified(cluster, endpoint)
tap.done()
