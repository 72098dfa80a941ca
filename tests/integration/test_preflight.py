# SPDX-License-Identifier: Apache-2.0
"""test_preflight.py - optout-eraserd --preflight over the mock cluster and
the test endpoint: an all-ok checklist exits 0; a missing topic, an
unreachable endpoint, a bad signature or an unreadable ssl.ca.location is a
FAIL line and a non-zero exit; AccessDenied for the harmless signed call is
a WARN and exit 0; the access key id is masked and no secret is printed."""
import os
import subprocess

import lib

EX_UNAVAILABLE = 69

tap = lib.Tap()
lib.require_tools(tap)


def preflight(cfg, overrides=(), env=None):
    d = lib.tempdir('oe-preflight-')
    path = os.path.join(d, 'optout.conf')
    with open(path, 'w', encoding='utf-8') as f:
        for k, v in cfg.items():
            f.write('%s = %s\n' % (k, v))
    e = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'HOME': d,
         'AWS_ACCESS_KEY_ID': lib.TEST_AKID,
         'AWS_SECRET_ACCESS_KEY': lib.TEST_SECRET,
         'AWS_EC2_METADATA_DISABLED': 'true'}
    e.update(lib.sanitizer_env())
    e.update(env or {})
    argv = [lib.daemon_path(), '-c', path, '--preflight']
    for o in overrides:
        argv += ['-o', o]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                       env=e)
    lib.watch_output('optout-eraserd --preflight', text=p.stderr)
    return p.returncode, p.stdout, p.stderr


def line(out, what):
    """The checklist line about `what` ("credentials", "region us-east-1",
    "requests topic requests"...), or ''."""
    for ln in out.splitlines():
        if ln[6:].startswith(what + ':'):
            return ln
    return ''


with lib.Cluster(topics=['requests:4', 'results:1'], brokers=1) as cluster, \
        lib.Endpoint() as endpoint:
    endpoint.set_state({'lists': [{'region': 'us-east-1', 'name': 'n'}]})
    cfg = lib.base_config(cluster, endpoint, 'preflight')
    cfg['log.level'] = 'warning'

    rc, out, err = preflight(cfg)
    tap.is_(rc, 0, 'all ok: exit 0')
    tap.ok('FAIL' not in out, 'all ok: no FAIL line')
    for what in ('configuration', 'credentials', 'kafka',
                 'requests topic requests', 'results topic results',
                 'consumer group preflight', 'region us-east-1'):
        tap.ok(line(out, what).startswith('ok'), 'ok line for %s: %r'
               % (what, line(out, what)))
    tap.ok('4 partition(s), replication factor 1' in
           line(out, 'requests topic requests'),
           'the requests topic: partitions and replication factor')
    tap.ok('min.insync.replicas' in line(out, 'results topic results'),
           'min.insync.replicas reported (a number or unknown)')
    cred = line(out, 'credentials')
    tap.ok('AKID****MPLE' in cred and 'environment' in cred,
           'credentials: source and the key id masked: %r' % cred)
    tap.ok(lib.TEST_AKID not in out + err and lib.TEST_SECRET not in out + err,
           'neither the full key id nor the secret is printed')
    calls = [c for c in endpoint.calls()
             if (c.get('target') or '').endswith('DescribeOptOutLists')]
    tap.ok(len(calls) == 1 and calls[0]['signature_ok'],
           'one signed DescribeOptOutLists call, signature verified')
    tap.ok(not [c for c in endpoint.calls()
                if (c.get('target') or '').endswith('DeleteOptedOutNumber')],
           'nothing deleted')
    tap.ok(out.rstrip().endswith('preflight passed: 0 failed, 0 warning(s)')
           or 'preflight passed' in out, 'summary line says passed')
    if rc != 0:
        tap.diag(out + err[-2000:])

    rc, out, err = preflight(cfg, ['results.topic=no-such-results'])
    tap.is_(rc, EX_UNAVAILABLE, 'missing results topic: exit 69')
    tap.ok(line(out, 'results topic no-such-results').startswith('FAIL'),
           'missing topic: FAIL line: %r'
           % line(out, 'results topic no-such-results'))
    tap.ok('preflight FAILED' in out, 'summary says FAILED')

    endpoint.set_credentials([{'akid': lib.TEST_AKID,
                               'secret': lib.TEST_SECRET,
                               'describe_denied': True}])
    rc, out, err = preflight(cfg)
    tap.is_(rc, 0, 'AccessDenied for the harmless call: exit 0')
    tap.ok(line(out, 'region us-east-1').startswith('WARN') and
           'AccessDenied' in line(out, 'region us-east-1'),
           'AccessDenied: a WARN line: %r' % line(out, 'region us-east-1'))

    endpoint.set_credentials(['%s:%s' % (lib.TEST_AKID, lib.TEST_SECRET)])
    rc, out, err = preflight(cfg, env={'AWS_SECRET_ACCESS_KEY': 'wrong'})
    tap.is_(rc, EX_UNAVAILABLE, 'bad signature: exit 69')
    tap.ok(line(out, 'region us-east-1').startswith('FAIL') and
           'InvalidSignatureException' in line(out, 'region us-east-1'),
           'bad signature: FAIL: %r' % line(out, 'region us-east-1'))

    rc, out, err = preflight(cfg, ['aws.endpoint=http://127.0.0.1:1'])
    tap.is_(rc, EX_UNAVAILABLE, 'unreachable endpoint: exit 69')
    tap.ok(line(out, 'region us-east-1').startswith('FAIL') and
           'unreachable' in line(out, 'region us-east-1'),
           'unreachable endpoint: FAIL: %r' % line(out, 'region us-east-1'))

    absent = os.path.join(lib.tempdir('oe-preflight-'), 'no-ca.pem')
    rc, out, err = preflight(cfg, ['kafka.ssl.ca.location=' + absent])
    tap.is_(rc, EX_UNAVAILABLE, 'unreadable ssl.ca.location: exit 69')
    got = line(out, 'file kafka.ssl.ca.location')
    tap.ok(got.startswith('FAIL') and absent in got,
           'unreadable ssl.ca.location: FAIL naming the file: %r' % got)
    tap.ok(line(out, 'kafka').startswith('ok'),
           '... and the other checks still ran')

    # Every (region, account) the daemon may call: aws.region and
    # erase.regions, with the chain's keys and each aws.role role's.
    other = '210987654321'
    role = 'arn:aws:iam::%s:role/optout-eraser' % other
    endpoint.reset()
    endpoint.update(roles={role: {'trusted': [lib.TEST_AKID]}})
    endpoint.set_faults([{'region': 'eu-west-2',
                          'fault': 'UnrecognizedClientException',
                          'times': -1}])
    sts = {'AWS_ENDPOINT_URL_STS': endpoint.sts_url}
    rc, out, err = preflight(cfg, ['erase.regions=us-east-1, eu-west-2',
                                   'aws.role.%s=%s' % (other, role)], sts)
    tap.is_(rc, EX_UNAVAILABLE, 'a region refusing the keys: exit 69')
    rows = {w: line(out, w) for w in (
        'region us-east-1', 'region eu-west-2',
        'role of account %s' % other,
        'region us-east-1, account %s' % other,
        'region eu-west-2, account %s' % other)}
    tap.is_({w: r[:4].strip() for w, r in rows.items()},
            {'region us-east-1': 'ok', 'region eu-west-2': 'FAIL',
             'role of account %s' % other: 'ok',
             'region us-east-1, account %s' % other: 'ok',
             'region eu-west-2, account %s' % other: 'FAIL'},
            'one row per region and account: %r' % sorted(rows.values()))
    tap.ok('UnrecognizedClientException' in rows['region eu-west-2'],
           'the FAIL row names the error')
    tap.is_(out.count('region us-east-1:'), 1,
            'aws.region also in erase.regions: one row')
    keys = {f['akid'] for f in endpoint.credential_fetches()['fetches']
            if f['source'] == 'assume_role' and f['status'] == 200}
    calls = endpoint.calls()
    tap.is_(sorted((c['region'], 'role' if c['akid'] in keys else
                    'chain' if c['akid'] == lib.TEST_AKID else c['akid'])
                   for c in calls),
            [('eu-west-2', 'chain'), ('eu-west-2', 'role'),
             ('us-east-1', 'chain'), ('us-east-1', 'role')],
            'each region called once with the chain\'s key and once with '
            'the role\'s')
    tap.ok(lib.TEST_SECRET not in out and lib.TEST_AKID not in out,
           'no secret and no whole key id printed')

tap.done()
