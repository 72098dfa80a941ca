# SPDX-License-Identifier: Apache-2.0
"""test_credentials.py - the daemon's AWS credential chain end to end.

Part 1, one daemon per source, all at once (each with its own topics and
group): the environment, the shared credentials file, an explicit profile
in the config file (which wins over the environment), credential_process,
systemd credentials ($CREDENTIALS_DIRECTORY), web identity (STS
AssumeRoleWithWebIdentity), container credentials and the instance
metadata service, the last three played by the test endpoint.  Every call
each daemon makes must be signed with that source's keys (the endpoint
records the key id of each call) and every outcome must be "deleted".

Part 2, at the same time against a second endpoint: container credentials
that expire 20 s after they are issued, and a steady stream of requests for
about 45 s.  No request may fail, no call may be refused as expired or be
made with keys past their expiry, several different keys must have been
used, and each set of keys must have been replaced before it expired.

No secret or token may appear in any daemon log.
"""
import json
import os
import stat
import time

import lib

tap = lib.Tap()
lib.require_tools(tap)

ACCOUNT = lib.TEST_ACCOUNT
SECRETS = {  # static keys the first endpoint accepts, by source
    'file': ('AKIDFILEEXAMPLE', 'fileSecretKeyEXAMPLE/s3cr3t+1'),
    'profile': ('AKIDCONFEXAMPLE', 'confSecretKeyEXAMPLE/s3cr3t+2'),
    'process': ('AKIDPROCEXAMPLE', 'procSecretKeyEXAMPLE/s3cr3t+3'),
    'systemd': ('AKIDSYSDEXAMPLE', 'sysdSecretKeyEXAMPLE/s3cr3t+4'),
}
CONTAINER_TOKEN = 'Bearer container-t0k3n-EXAMPLE'
WEB_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.web-t0k3n.EXAMPLE'
PER_SOURCE = 4
STREAM_SECONDS = 45
STREAM_RATE = 6  # requests per second
LIFETIME = 20

SOURCES = ['environment', 'file', 'profile', 'process', 'systemd', 'web',
           'container', 'imds']


def number(i):
    return '+1415555%04d' % i


def request(rid, num):
    return json.dumps({'RequestId': rid, 'OptOutListName': 'marketing',
                       'OptedOutNumber': num})


def write(path, text, mode=0o600):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    os.chmod(path, mode)


def source_setup(name, ep, tmp):
    """(extra config, env, expected source name, expected key id or the
    endpoint's issuing kind)."""
    cfg = {}
    env = {'AWS_ACCESS_KEY_ID': None, 'AWS_SECRET_ACCESS_KEY': None,
           'AWS_SESSION_TOKEN': None}
    if name == 'environment':
        return cfg, {}, 'environment', lib.TEST_AKID
    if name == 'file':
        path = os.path.join(tmp, 'credentials')
        write(path, '[default]\naws_access_key_id = %s\n'
              'aws_secret_access_key = %s\n' % SECRETS['file'])
        env['AWS_SHARED_CREDENTIALS_FILE'] = path
        return cfg, env, 'shared-credentials-file:default', \
            SECRETS['file'][0]
    if name == 'profile':
        # aws.profile names the profile: it wins over the environment's
        # keys, which stay set.
        path = os.path.join(tmp, 'config-profile')
        write(path, '[default]\nregion = us-east-1\n[profile ops]\n'
              'aws_access_key_id = %s\naws_secret_access_key = %s\n'
              % SECRETS['profile'])
        cfg['aws.profile'] = 'ops'
        return cfg, {'AWS_CONFIG_FILE': path}, 'config-file:ops', \
            SECRETS['profile'][0]
    if name == 'process':
        script = os.path.join(tmp, 'creds.sh')
        write(script, '#!/bin/sh\n'
              'exp=$(date -u -d "+1 hour" +%%Y-%%m-%%dT%%H:%%M:%%SZ)\n'
              'printf \'{"Version": 1, "AccessKeyId": "%s", '
              '"SecretAccessKey": "%s", "Expiration": "%%s"}\\n\' "$exp"\n'
              'echo "this goes nowhere: %s" >&2\n'
              % (SECRETS['process'] + (SECRETS['process'][1],)), 0o700)
        path = os.path.join(tmp, 'config-process')
        write(path, '[default]\ncredential_process = %s\n' % script)
        env['AWS_CONFIG_FILE'] = path
        return cfg, env, 'credential-process:default', SECRETS['process'][0]
    if name == 'systemd':
        d = os.path.join(tmp, 'systemd-creds')
        os.mkdir(d, 0o700)
        write(os.path.join(d, 'aws-access-key-id'),
              SECRETS['systemd'][0] + '\n', 0o400)
        write(os.path.join(d, 'aws-secret-access-key'),
              SECRETS['systemd'][1] + '\n', 0o400)
        env['CREDENTIALS_DIRECTORY'] = d
        return cfg, env, 'systemd-credentials', SECRETS['systemd'][0]
    if name == 'web':
        token = os.path.join(tmp, 'web-token')
        write(token, WEB_TOKEN + '\n')
        env.update(ep.credential_env('web_identity', token_file=token))
        return cfg, env, 'web-identity', 'sts'
    if name == 'container':
        env.update(ep.credential_env('container',
                                     container_token=CONTAINER_TOKEN))
        return cfg, env, 'container', 'container'
    if name == 'imds':
        env.update(ep.credential_env('imds'))
        return cfg, env, 'imds', 'imds'
    raise ValueError(name)


def no_secrets(log):
    words = [s for _, s in SECRETS.values()] + [
        lib.TEST_SECRET, CONTAINER_TOKEN, 'container-t0k3n', WEB_TOKEN,
        'web-t0k3n']
    return [w for w in words if w in log]


topics = []
for name in SOURCES:
    topics += ['req-%s:2' % name, 'res-%s:1' % name]
topics += ['req-stream:3', 'res-stream:1']

n_stream = STREAM_SECONDS * STREAM_RATE
stream_numbers = [number(5000 + i) for i in range(n_stream)]
source_numbers = {name: [number(100 * k + i) for i in range(PER_SOURCE)]
                  for k, name in enumerate(SOURCES)}

static = ['%s:%s' % (lib.TEST_AKID, lib.TEST_SECRET)] + \
    ['%s:%s' % pair for pair in SECRETS.values()]

with lib.Cluster(topics=topics) as cluster, \
        lib.Endpoint(credentials=static) as ep, \
        lib.Endpoint() as ep2:
    tmp = lib.tempdir('optout-creds-')
    ep.update(lists=[{'region': 'us-east-1', 'name': 'marketing',
                      'numbers': sum(source_numbers.values(), [])}],
              container_token=CONTAINER_TOKEN, web_identity_token=WEB_TOKEN)
    ep2.update(lists=[{'region': 'us-east-1', 'name': 'marketing',
                       'numbers': stream_numbers}],
               container_token=CONTAINER_TOKEN,
               issue={'lifetime_s': LIFETIME})
    # The stream's static keys are not accepted: container keys only.
    ep2.set_credentials([])

    for name in SOURCES:
        lib.produce(cluster.bootstrap, 'req-%s' % name,
                    [(n, request('%s-%d' % (name, i), n))
                     for i, n in enumerate(source_numbers[name])])

    # Part 2 starts first: it takes longest.
    scfg = lib.base_config(cluster, ep2, 'creds-stream')
    scfg.update({'requests.topic': 'req-stream', 'results.topic': 'res-stream',
                 'log.level': 'info'})
    senv = ep2.credential_env('container', container_token=CONTAINER_TOKEN)
    stream_daemon = lib.Daemon(scfg, env=senv)
    stream_start = time.time()
    stream = lib.Stream(cluster.bootstrap, 'req-stream',
                        [(n, request('s-%d' % i, n))
                         for i, n in enumerate(stream_numbers)],
                        STREAM_RATE)

    # Part 1.
    daemons = {}
    expect = {}
    for name in SOURCES:
        extra, env, src, akid = source_setup(name, ep, tmp)
        cfg = lib.base_config(cluster, ep, 'creds-%s' % name)
        cfg.update({'requests.topic': 'req-%s' % name,
                    'results.topic': 'res-%s' % name})
        cfg.update(extra)
        if name == 'profile':
            env['AWS_SHARED_CREDENTIALS_FILE'] = os.path.join(tmp, 'none')
        daemons[name] = lib.Daemon(cfg, env=env)
        expect[name] = (src, akid)

    for name in SOURCES:
        d = daemons[name]
        src, akid = expect[name]
        results = lib.consume_all(cluster.bootstrap, 'res-%s' % name,
                                  PER_SOURCE, 40)
        outcomes = sorted((r['json'] or {}).get('Outcome') for r in results)
        if not tap.is_(outcomes, ['deleted'] * PER_SOURCE,
                       '%s: every request deleted' % name):
            d.dump_log(tap)
        tap.ok(d.wait_log(r'credentials loaded: %s, key \.\.\.' % src, 1),
               '%s: the log names the source %s' % (name, src))

    fetches = ep.credential_fetches()
    issued_by = {c['akid']: c['source'] for c in fetches['issued']}
    calls = ep.calls()
    by_number = {}
    for c in calls:
        by_number.setdefault(c.get('number'), []).append(c)
    for name in SOURCES:
        src, akid = expect[name]
        mine = [c for n in source_numbers[name] for c in by_number.get(n, [])]
        akids = sorted({c.get('akid') for c in mine})
        if akid in ('sts', 'container', 'imds'):
            good = akids and all(issued_by.get(a) == akid for a in akids)
            tap.ok(good, '%s: calls signed with keys the fake %s issued '
                   '(%s)' % (name, akid, ', '.join(map(str, akids))))
            tap.ok(all(c.get('token_sent') for c in mine),
                   '%s: session token sent' % name)
        else:
            tap.is_(akids, [akid], '%s: calls signed with %s' % (name, akid))
        tap.ok(mine and all(c.get('status') == 200 for c in mine),
               '%s: %d calls, all accepted' % (name, len(mine)))
    counts = fetches['counts']
    tap.ok(counts.get('sts', 0) >= 1 and counts.get('container', 0) >= 1 and
           counts.get('imds', 0) >= 1 and counts.get('imds_token', 0) >= 1,
           'the fake sources were asked (%s)' % json.dumps(counts))
    tap.is_(sum(fetches['refused'].values()), 0,
            'no fetch was refused (tokens and IMDSv2 headers right)')

    for name in SOURCES:
        d = daemons[name]
        tap.is_(d.stop(), 0, '%s: SIGTERM exits 0' % name)
        leaked = no_secrets(d.log())
        tap.ok(not leaked, '%s: no secret in the log %s' % (name, leaked))

    # Part 2: the stream ends, then every request must have its outcome.
    stream.join(STREAM_SECONDS + 30)
    tap.ok(stream.acked == n_stream,
           'stream: %d requests produced over %.0f s'
           % (stream.acked, time.time() - stream_start))
    results = lib.consume_all(cluster.bootstrap, 'res-stream', n_stream, 60)
    outcomes = {}
    for r in results:
        o = (r['json'] or {}).get('Outcome')
        outcomes[o] = outcomes.get(o, 0) + 1
    if not tap.is_(outcomes, {'deleted': n_stream},
                   'stream: every request deleted, none failed'):
        stream_daemon.dump_log(tap)
    calls = ep2.calls()
    fetches = ep2.credential_fetches()
    issued = {c['akid']: c for c in fetches['issued']}
    codes = sorted({c.get('code') for c in calls if c.get('code')})
    tap.is_(codes, [], 'stream: no call refused (no ExpiredTokenException)')
    akids = []
    for c in calls:
        if c.get('akid') not in akids:
            akids.append(c.get('akid'))
    tap.ok(len(akids) >= 3, 'stream: %d different keys used over %d calls'
           % (len(akids), len(calls)))
    tap.ok(all(a in issued for a in akids),
           'stream: every key came from the container endpoint')
    late = [c for c in calls if c.get('akid') in issued and
            c['time'] >= issued[c['akid']]['expires_at']]
    tap.is_(len(late), 0, 'stream: no call made with expired keys')
    chain = sorted(issued.values(), key=lambda c: c['issued_at'])
    replaced_late = [(a['akid'], b['issued_at'] - a['expires_at'])
                     for a, b in zip(chain, chain[1:])
                     if b['issued_at'] >= a['expires_at']]
    tap.is_(replaced_late, [],
            'stream: each key replaced before it expired (%d keys issued)'
            % len(chain))
    span = max(c['time'] for c in calls) - min(c['time'] for c in calls) \
        if calls else 0
    tap.ok(len(chain) <= 2 + int(span / (LIFETIME / 2.0)) + 1,
           'stream: refreshed about half-way, not more often (%d fetches '
           'over %.0f s)' % (len(chain), span))
    tap.ok(stream_daemon.wait_log(r'credentials refreshed: container', 1),
           'stream: the log reports the refreshes')
    tap.is_(stream_daemon.stop(), 0, 'stream: SIGTERM exits 0')
    leaked = no_secrets(stream_daemon.log())
    tap.ok(not leaked, 'stream: no secret in the log %s' % leaked)

tap.done()
