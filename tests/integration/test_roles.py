# SPDX-License-Identifier: Apache-2.0
"""test_roles.py - role profiles end to end: AssumeRole as botocore does it.

Part 1: aws.profile names a profile whose role_arn is assumed with the keys
of another role profile, whose role is assumed with the static keys of a
third profile (source_profile twice, as botocore chains them), with an
external_id and a duration_seconds.  The endpoint plays STS: it trusts the
middle role to the static key only and asks the external id of the last,
and the roles' credentials live 20 s, so the daemon must assume both again
before they expire while a stream of requests runs for about 45 s.  Every
API call must be signed with keys the endpoint issued for the last role
(it logs the key id of each call), no call may be refused as expired, and
every outcome must be "deleted".

Part 2: a role whose trust does not name the source's key: the daemon
exits 75 (EX_TEMPFAIL, the man page's EXIT STATUS: STS refused, which the
role's trust policy may fix) with one line naming the role, the profile
and STS's AccessDenied.

Part 3: per-account roles.  aws.role.ACCOUNT names a role of another
account; requests whose list ARN names that account must be signed with
keys from assuming that role (assumed with the chain's own key), every
other request (a list name, an ARN of the chain's account) with the chain's
key.  A per-account role STS refuses stops the start (exit 75, naming the
key).

No secret or token may appear in any daemon log.
"""
import json
import os
import time

import lib

tap = lib.Tap()
lib.require_tools(tap)

SRC_AKID, SRC_SECRET = 'AKIDROLESOURCE01', 'roleSourceSecret/s3cr3t+9'
MID_ROLE = 'arn:aws:iam::%s:role/optout-hop' % lib.TEST_ACCOUNT
APP_ROLE = 'arn:aws:iam::%s:role/optout-eraser' % lib.TEST_ACCOUNT
DENY_ROLE = 'arn:aws:iam::%s:role/nobody-trusts-you' % lib.TEST_ACCOUNT
EXTERNAL_ID = 'optout-ext-2026'
LIFETIME = 20
SECONDS = 45
RATE = 4


def number(i):
    return '+1415556%04d' % i


def request(rid, num):
    return json.dumps({'RequestId': rid, 'OptOutListName': 'marketing',
                       'OptedOutNumber': num})


def write(path, text):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    os.chmod(path, 0o600)


def role_env(ep, tmp, config):
    """The daemon's environment: the two files, STS at the endpoint, no
    keys in the environment."""
    creds = os.path.join(tmp, 'credentials')
    write(creds, '[base]\naws_access_key_id = %s\n'
          'aws_secret_access_key = %s\n' % (SRC_AKID, SRC_SECRET))
    conf = os.path.join(tmp, 'config')
    write(conf, config)
    return {'AWS_ACCESS_KEY_ID': None, 'AWS_SECRET_ACCESS_KEY': None,
            'AWS_SESSION_TOKEN': None, 'AWS_SHARED_CREDENTIALS_FILE': creds,
            'AWS_CONFIG_FILE': conf, 'AWS_ENDPOINT_URL_STS': ep.sts_url}


CONFIG = ('[profile app]\nrole_arn = %s\nsource_profile = mid\n'
          'external_id = %s\nduration_seconds = 900\n'
          'role_session_name = optout-app\n'
          '[profile mid]\nrole_arn = %s\nsource_profile = base\n'
          '[profile deny]\nrole_arn = %s\nsource_profile = base\n'
          % (APP_ROLE, EXTERNAL_ID, MID_ROLE, DENY_ROLE))

OTHER_ACCOUNT = '210987654321'
OTHER_ROLE = 'arn:aws:iam::%s:role/optout-eraser' % OTHER_ACCOUNT
DENY_ACCOUNT = '333344445555'
DENY_OTHER = 'arn:aws:iam::%s:role/optout-eraser' % DENY_ACCOUNT
per_numbers = ['+1415557%04d' % i for i in range(12)]
per_records = []
for i, x in enumerate(per_numbers):
    # Half by name (the chain's account), half by ARN: of the chain's
    # account, or of OTHER_ACCOUNT.
    acct = OTHER_ACCOUNT if i % 2 else lib.TEST_ACCOUNT
    name = 'arn:aws:sms-voice:us-east-1:%s:opt-out-list/marketing' % acct \
        if i % 3 else 'marketing'
    per_records.append((x, json.dumps({'RequestId': 'acct-%d' % i,
                                       'OptOutListName': name,
                                       'OptedOutNumber': x})))

n = SECONDS * RATE
numbers = [number(i) for i in range(n)]

with lib.Cluster(topics=('requests:2', 'results:1', 'req-acct:2',
                         'res-acct:1')) as cluster, \
        lib.Endpoint(credentials=['%s:%s' % (SRC_AKID, SRC_SECRET)]) as ep:
    tmp = lib.tempdir('optout-roles-')
    ep.update(lists=[{'region': 'us-east-1', 'name': 'marketing',
                      'numbers': numbers}],
              issue={'lifetime_s': LIFETIME},
              roles={MID_ROLE: {'trusted': [SRC_AKID]},
                     APP_ROLE: {'external_id': EXTERNAL_ID},
                     DENY_ROLE: {'trusted': []}})
    env = role_env(ep, tmp, CONFIG)

    # Part 2 first: it is quick.
    cfg = lib.base_config(cluster, ep, 'roles-deny')
    cfg['aws.profile'] = 'deny'
    d = lib.Daemon(cfg, env=env)
    rc = d.wait(30)
    tap.is_(rc, 75, 'a role that does not trust the key: exit 75')
    tap.ok(d.wait_log(r'AssumeRole %s \(profile "deny"\): AccessDenied'
                      % DENY_ROLE, 1),
           'the message names the role, the profile and AccessDenied')
    if rc is None:
        d.kill()
    ep.reset()

    # Part 1.
    cfg = lib.base_config(cluster, ep, 'roles-app')
    cfg.update({'aws.profile': 'app', 'log.level': 'info'})
    start = time.time()
    d = lib.Daemon(cfg, env=env)
    stream = lib.Stream(cluster.bootstrap, 'requests',
                        [(x, request('r-%d' % i, x))
                         for i, x in enumerate(numbers)], RATE)
    results = lib.consume_all(cluster.bootstrap, 'results', n,
                              SECONDS + 40)
    stream.stop()
    outcomes = [(r['json'] or {}).get('Outcome') for r in results]
    if not tap.is_((len(outcomes), sorted(set(outcomes))), (n, ['deleted']),
                   'every request deleted (%d)' % n):
        d.dump_log(tap)
    tap.ok(d.wait_log(r'credentials loaded: assume-role:app, key \.\.\.', 1),
           'the log names the source assume-role:app')

    fetches = ep.credential_fetches()
    assumed = [f for f in fetches['fetches']
               if f['source'] == 'assume_role']
    app = [f for f in assumed if f['status'] == 200 and
           f['detail']['role_arn'] == APP_ROLE]
    mid = [f for f in assumed if f['status'] == 200 and
           f['detail']['role_arn'] == MID_ROLE]
    tap.ok(assumed and all(f['status'] == 200 for f in assumed),
           'STS accepted every AssumeRole (%d)' % len(assumed))
    tap.ok(mid and all(f['detail']['signer'] == SRC_AKID for f in mid),
           'the middle role is assumed with the base profile\'s static key')
    mid_keys = {f['akid'] for f in mid}
    tap.ok(app and all(f['detail']['signer'] in mid_keys and
                       f['detail']['external_id'] == EXTERNAL_ID and
                       f['detail']['session'] == 'optout-app' for f in app),
           'the app role is assumed with the middle role\'s keys, the '
           'external id and the session name')
    app_keys = {f['akid'] for f in app}
    calls = [c for c in ep.calls() if c['time'] >= start]
    tap.ok(calls and all(c['akid'] in app_keys for c in calls),
           'every call is signed with keys issued for the app role')
    used = {c['akid'] for c in calls}
    tap.ok(len(used) >= 2, 'the role was assumed again before its keys '
           'expired (%d key sets used)' % len(used))
    expired = [c for c in calls if c['code'] == 'ExpiredTokenException']
    tap.is_(len(expired), 0, 'no call refused as expired')
    issued = {c['akid']: c for c in fetches['issued']}
    late = [c for c in calls if c['akid'] in issued and
            c['time'] >= issued[c['akid']]['expires_at']]
    tap.is_(len(late), 0, 'no call made with keys past their expiry')
    tap.is_(d.stop(), 0, 'stops cleanly')
    log = d.log()
    tap.ok(SRC_SECRET not in log and SRC_AKID not in log and
           not any(c['akid'] in log for c in fetches['issued']),
           'no secret, token or whole key id in the log')

    # Part 3: per-account roles.
    ep.reset()
    ep.update(credentials=[{'akid': lib.TEST_AKID, 'secret': lib.TEST_SECRET}],
              roles={OTHER_ROLE: {'trusted': [lib.TEST_AKID]},
                     DENY_OTHER: {'trusted': []}},
              issue={'lifetime_s': 900},
              lists=[{'region': 'us-east-1', 'name': 'marketing',
                      'numbers': per_numbers},
                     # The other account's list of the same name: only its
                     # role's keys see it.
                     {'region': 'us-east-1', 'name': 'marketing',
                      'account': OTHER_ACCOUNT, 'numbers': per_numbers}])
    penv = {'AWS_ENDPOINT_URL_STS': ep.sts_url}
    cfg = lib.base_config(cluster, ep, 'roles-deny-acct')
    cfg.update({'requests.topic': 'req-acct', 'results.topic': 'res-acct',
                'aws.role.%s' % DENY_ACCOUNT: DENY_OTHER})
    d = lib.Daemon(cfg, env=penv)
    rc = d.wait(30)
    tap.is_(rc, 75, 'a per-account role STS refuses: exit 75')
    tap.ok(d.wait_log(r'aws\.role\.%s.*AccessDenied' % DENY_ACCOUNT, 1),
           'the message names aws.role.%s and AccessDenied' % DENY_ACCOUNT)
    if rc is None:
        d.kill()
    cfg = lib.base_config(cluster, ep, 'roles-acct')
    cfg.update({'requests.topic': 'req-acct', 'results.topic': 'res-acct',
                'aws.role.%s' % OTHER_ACCOUNT: OTHER_ROLE})
    lib.produce(cluster.bootstrap, 'req-acct', per_records)
    d = lib.Daemon(cfg, env=penv)
    results = lib.consume_all(cluster.bootstrap, 'res-acct',
                              len(per_records), 60)
    outcomes = [(r['json'] or {}).get('Outcome') for r in results]
    if not tap.is_((len(outcomes), sorted(set(outcomes))),
                   (len(per_records), ['deleted']),
                   'per-account: every request deleted'):
        d.dump_log(tap)
    fetches = ep.credential_fetches()
    other_keys = {f['akid'] for f in fetches['fetches']
                  if f['source'] == 'assume_role' and f['status'] == 200 and
                  f['detail']['role_arn'] == OTHER_ROLE and
                  f['detail']['signer'] == lib.TEST_AKID}
    calls = [c for c in ep.calls() if c['list'] and c['status'] == 200]
    theirs = [c for c in calls if ':%s:' % OTHER_ACCOUNT in c['list']]
    ours = [c for c in calls if ':%s:' % OTHER_ACCOUNT not in c['list']]
    tap.ok(other_keys and theirs and
           all(c['akid'] in other_keys for c in theirs),
           'lists of account %s: signed with keys of its role, assumed '
           'with the chain\'s key (%d calls)' % (OTHER_ACCOUNT, len(theirs)))
    tap.ok(ours and all(c['akid'] == lib.TEST_AKID for c in ours),
           'every other list: the chain\'s own key (%d calls)' % len(ours))
    tap.ok(d.wait_log(r'credentials loaded: aws\.role\.%s, key \.\.\.'
                      % OTHER_ACCOUNT, 1), 'the log names aws.role.%s'
           % OTHER_ACCOUNT)
    tap.is_(d.stop(), 0, 'per-account: stops cleanly')

tap.done()
