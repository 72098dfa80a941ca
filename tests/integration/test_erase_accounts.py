# SPDX-License-Identifier: Apache-2.0
"""test_erase_accounts.py - erase everywhere across accounts, per-account
health, and the "*" requests whose lists cannot be known.

  accounts   the chain's account and one aws.role.ACCOUNT account, two
             regions, a list of the same name in both accounts: a "*"
             request removes the number from the lists of both accounts;
             DescribeOptOutLists runs per (region, account), each signed
             with that account's keys, and each DeleteOptedOutNumber with
             the keys of the account that owns the list (the endpoint logs
             the key id of every call); every entry carries its list's ARN
             with the right account
  health     the role's account then has its keys refused (ExpiredToken,
             and STS no longer trusts the chain's key, so they cannot be
             renewed): its requests end "failed" within retry.max_seconds,
             the chain's account's requests keep flowing, the pipeline
             never pauses, and the hold names region/account
  nolists    erase.regions hold no opt-out list: not_found, "Lists": [],
             Error NoOptOutLists (schema-valid)
  unlisted   DescribeOptOutLists denied in one region: the "*" request goes
             on with the other region's lists and records the unlisted one
             as a failed "*" entry (ListingFailed); denied everywhere (the
             listings held by the pause for denials): after retry.max_seconds
             the request ends failed, exactly one outcome, committed after it

Every outcome read through lib is checked against the schema.
  large      400 lists and message.max.bytes 65536: the outcome is fitted
             (entries compact, then the not_found ones left out and
             counted in ListsOmitted): exactly one outcome, committed

ERASE_ONLY=accounts,health,nolists,unlisted,large runs only the named ones.
"""
import json
import os
import time

import lib

tap = lib.Tap()
lib.require_tools(tap)

ONLY = [x for x in os.environ.get('ERASE_ONLY', '').split(',') if x]
DESCRIBE = 'PinpointSMSVoiceV2.DescribeOptOutLists'
OURS = lib.TEST_ACCOUNT
OTHER = '210987654321'
OTHER_ROLE = 'arn:aws:iam::%s:role/optout-eraser' % OTHER
NUM = '+14155550190'
LARGE = 400


def wanted(name):
    return not ONLY or name in ONLY


def req(rid, lst, num):
    return json.dumps({'RequestId': rid, 'OptOutListName': lst,
                       'OptedOutNumber': num})


def arn(region, account, name):
    return 'arn:aws:sms-voice:%s:%s:opt-out-list/%s' % (region, account,
                                                        name)


def role_keys(ep):
    return {f['akid'] for f in ep.credential_fetches()['fetches']
            if f['source'] == 'assume_role' and f['status'] == 200 and
            f['detail']['role_arn'] == OTHER_ROLE}


def account_of(list_arn):
    return list_arn.split(':')[4] if list_arn else None


with lib.Cluster(topics=['requests:1', 'results:1', 'req-h:2', 'res-h:1',
                         'req-n:1', 'res-n:1', 'req-u:1', 'res-u:1',
                         'req-d:1', 'res-d:1', 'req-l:1',
                         'res-l:1']) as cluster, \
        lib.Endpoint() as ep:
    penv = {'AWS_ENDPOINT_URL_STS': ep.sts_url}

    if wanted('accounts') or wanted('health'):
        ep.update(roles={OTHER_ROLE: {'trusted': [lib.TEST_AKID]}},
                  issue={'lifetime_s': 900},
                  lists=[{'region': 'us-east-1', 'name': 'marketing',
                          'numbers': [NUM]},
                         {'region': 'us-east-1', 'name': 'alerts'},
                         {'region': 'us-east-1', 'name': 'marketing',
                          'account': OTHER, 'numbers': [NUM]},
                         {'region': 'eu-west-2', 'name': 'promo',
                          'account': OTHER, 'numbers': [NUM]}])
        cfg = lib.base_config(cluster, ep, 'erase-accounts')
        cfg.update({'aws.rate_limit': '0',
                    'erase.regions': 'us-east-1 eu-west-2',
                    'retry.max_seconds': '8',
                    'aws.role.%s' % OTHER: OTHER_ROLE})
        d = lib.Daemon(cfg, env=penv)

    if wanted('accounts'):
        lib.produce(cluster.bootstrap, 'requests',
                    [('k1', req('acct-1', '*', NUM), None)])
        out = lib.consume_all(cluster.bootstrap, 'results', 1, 60)
        o = out[0]['json'] if out else {}
        if not tap.is_(o.get('Outcome'), 'deleted',
                       'a "*" request over two accounts: deleted'):
            d.dump_log(tap)
        entries = {(e['Region'], account_of(e.get('OptOutListArn')),
                    e['OptOutListName']): e for e in o.get('Lists', [])}
        want = {('us-east-1', OURS, 'marketing'): 'deleted',
                ('us-east-1', OURS, 'alerts'): 'not_found',
                ('us-east-1', OTHER, 'marketing'): 'deleted',
                ('eu-west-2', OTHER, 'promo'): 'deleted'}
        tap.is_(sorted(entries), sorted(want),
                'one entry per list of each (region, account), none twice')
        for key, outcome in sorted(want.items()):
            e = entries.get(key, {})
            tap.is_((e.get('Outcome'), e.get('OptOutListArn')),
                    (outcome, arn(*key)), '%s %s %s: %s, its ARN names the '
                    'account' % (key + (outcome,)))
        left = [l for l in ep.lists() if NUM in json.dumps(l['numbers'])]
        tap.is_(left, [], 'the number left the lists of both accounts')
        keys = role_keys(ep)
        calls = ep.calls()
        lists_ = [c for c in calls if c.get('target') == DESCRIBE]
        by = {}
        for c in lists_:
            by.setdefault(c['region'], set()).add(
                'role' if c['akid'] in keys else
                'chain' if c['akid'] == lib.TEST_AKID else c['akid'])
        tap.is_(by, {'us-east-1': {'chain', 'role'},
                     'eu-west-2': {'chain', 'role'}},
                'each region listed with the chain\'s key and the role\'s')
        dels = [c for c in calls if c.get('number') == NUM]
        theirs = [c for c in dels if ':%s:' % OTHER in (c['list'] or '')]
        ours = [c for c in dels if c not in theirs]
        tap.ok(len(theirs) == 2 and all(c['akid'] in keys for c in theirs),
               'the role account\'s lists: by ARN, signed with the role\'s '
               'keys (%d calls)' % len(theirs))
        tap.ok(len(ours) == 2 and
               all(c['akid'] == lib.TEST_AKID for c in ours),
               'the chain\'s lists: signed with the chain\'s key (%d calls)'
               % len(ours))

    if wanted('health'):
        # The role's keys are refused from now on and cannot be renewed.
        nums = ['+1415556%04d' % i for i in range(12)]
        ep.add_lists({'region': 'us-east-1', 'name': 'marketing',
                      'numbers': nums},
                     {'region': 'us-east-1', 'name': 'marketing',
                      'account': OTHER, 'numbers': nums})
        # The chain's account answers first (the breaker's "others answer").
        lib.produce(cluster.bootstrap, 'req-h',
                    [('w', req('warm', 'marketing', nums[0]), 0)])
        cfg_h = dict(cfg, **{'requests.topic': 'req-h',
                             'results.topic': 'res-h'})
        if wanted('accounts'):
            d.stop()
            d.close()
        d = lib.Daemon(cfg_h, env=penv)
        warm = lib.consume_all(cluster.bootstrap, 'res-h', 1, 30)
        tap.is_([r['json']['Outcome'] for r in warm], ['deleted'],
                'health: the chain\'s account answers')
        ep.update(roles={OTHER_ROLE: {'trusted': []}})
        for k in role_keys(ep):
            ep.expire_credentials(k)
        t0 = time.time()
        recs = []
        for i, x in enumerate(nums[1:]):
            other = i % 2 == 0
            lst = arn('us-east-1', OTHER, 'marketing') if other \
                else 'marketing'
            recs.append(('h%d' % i, req('%s-%d' % ('theirs' if other
                                                    else 'ours', i), lst, x),
                         i % 2))
        lib.produce(cluster.bootstrap, 'req-h', recs)
        ours_n = len([r for r in recs if 'ours' in r[1]])
        got = lib.consume_all(cluster.bootstrap, 'res-h', 1 + ours_n, 20)
        early = [r['json'] for r in got[1:]]
        tap.ok(len(early) == ours_n and
               all(o['RequestId'].startswith('ours') and
                   o['Outcome'] == 'deleted' for o in early),
               'health: the chain\'s requests flow while the role\'s keys are '
               'refused (%d of %d deleted first, in %.1f s)'
               % (len([o for o in early if o['Outcome'] == 'deleted' and
                       o['RequestId'].startswith('ours')]), ours_n,
                  time.time() - t0))
        got = lib.consume_all(cluster.bootstrap, 'res-h', 1 + len(recs), 40)
        theirs_o = [r['json'] for r in got
                    if r['json']['RequestId'].startswith('theirs')]
        tap.ok(len(theirs_o) == len(recs) - ours_n and
               all(o['Outcome'] == 'failed' for o in theirs_o),
               'health: the role account\'s requests end failed (%d: %s)'
               % (len(theirs_o), sorted({(o['Outcome'], (o.get('Error') or {})
                                          .get('Code')) for o in theirs_o})))
        took = time.time() - t0
        tap.ok(took < 8 + 25, 'health: within retry.max_seconds (%.1f s)'
               % took)
        tap.ok(d.wait_log(r'regions held .*us-east-1/%s' % OTHER, 5),
               'health: the hold names us-east-1/%s' % OTHER)
        tap.ok('pipeline paused' not in d.log(),
               'health: the pipeline never paused')
        tap.is_(d.stop(), 0, 'health: stops cleanly')
        d.close()
    elif wanted('accounts'):
        tap.is_(d.stop(), 0, 'accounts: stops cleanly')
        d.close()

    if wanted('nolists'):
        ep.reset()
        cfg = lib.base_config(cluster, ep, 'erase-nolists')
        cfg.update({'requests.topic': 'req-n', 'results.topic': 'res-n',
                    'erase.regions': 'ap-south-1'})
        lib.produce(cluster.bootstrap, 'req-n',
                    [('n', req('none-1', '*', NUM), None)])
        with lib.Daemon(cfg) as d:
            out = lib.consume_all(cluster.bootstrap, 'res-n', 1, 30)
            o = out[0]['json'] if out else {}
            tap.is_((o.get('Outcome'), o.get('Lists'),
                     (o.get('Error') or {}).get('Code')),
                    ('not_found', [], 'NoOptOutLists'),
                    'no list in erase.regions: not_found, Lists [], '
                    'NoOptOutLists')
            tap.is_(d.stop(), 0, 'nolists: stops cleanly')

    if wanted('unlisted'):
        # A fresh state: the lists of the phases above (and the number's
        # deletions, which make a repeat a ConflictException) are gone.
        ep.reset()
        ep.set_state({'lists': [
            {'region': 'us-east-1', 'name': 'marketing', 'numbers': [NUM]},
            {'region': 'eu-west-2', 'name': 'promo', 'numbers': [NUM]}]})
        ep.set_faults([{'region': 'eu-west-2',
                        'fault': 'AccessDeniedException', 'times': -1}])
        cfg = lib.base_config(cluster, ep, 'erase-unlisted')
        cfg.update({'requests.topic': 'req-u', 'results.topic': 'res-u',
                    'erase.regions': 'us-east-1, eu-west-2',
                    'retry.max_seconds': '5'})
        lib.produce(cluster.bootstrap, 'req-u',
                    [('u', req('unlisted-1', '*', NUM), None)])
        with lib.Daemon(cfg) as d:
            out = lib.consume_all(cluster.bootstrap, 'res-u', 1, 40)
            o = out[0]['json'] if out else {}
            e = {(x['Region'], x['OptOutListName']): x
                 for x in o.get('Lists', [])}
            if not tap.is_(o.get('Outcome'), 'failed',
                           'one region not listed: failed'):
                d.dump_log(tap)
            tap.is_(e.get(('us-east-1', 'marketing'), {}).get('Outcome'),
                    'deleted', 'the listed region\'s list: done')
            star = e.get(('eu-west-2', '*'), {})
            tap.is_((star.get('Outcome'), (star.get('Error') or {})
                     .get('Code')), ('failed', 'ListingFailed'),
                    'the unlisted region: a failed "*" entry')
            # Denied for good (AccessDeniedException, once the other
            # region's listing was allowed after it), or held by the pause
            # for denials when the other listing answered first (breaker.h):
            # then the request waited retry.max_seconds.
            msg = (star.get('Error') or {}).get('Message', '')
            tap.ok('eu-west-2' in msg and 'DescribeOptOutLists' in msg and
                   ('AccessDeniedException' in msg or
                    'retry.max_seconds' in msg),
                   'its message names the region and the cause: %s' % msg)
            tap.is_((o.get('Error') or {}).get('Code'), 'ListingFailed',
                    'top-level Error: ListingFailed')
            tap.is_(d.stop(), 0, 'unlisted: stops cleanly')

        # Denied everywhere: the listings are held by the pause for
        # denials; the request ends after retry.max_seconds.
        ep.set_faults([{'fault': 'AccessDeniedException', 'times': -1}])
        cfg.update({'requests.topic': 'req-d', 'results.topic': 'res-d',
                    'consumer.group.id': 'erase-denied'})
        lib.produce(cluster.bootstrap, 'req-d',
                    [('d', req('denied-1', '*', NUM), None)])
        t0 = time.time()
        with lib.Daemon(cfg) as d:
            out = lib.consume_all(cluster.bootstrap, 'res-d', 1, 30)
            took = time.time() - t0
            out = lib.consume_all(cluster.bootstrap, 'res-d', 2, 3)
            o = out[0]['json'] if out else {}
            tap.is_(len(out), 1, 'denied everywhere: exactly one outcome')
            tap.is_((o.get('Outcome'), (o.get('Error') or {}).get('Code')),
                    ('failed', 'ListingFailed'),
                    'denied everywhere: failed, ListingFailed')
            tap.is_(sorted((x['Region'], x['OptOutListName'])
                           for x in o.get('Lists', [])),
                    [('eu-west-2', '*'), ('us-east-1', '*')],
                    'one "*" entry per region')
            tap.ok(5 <= took < 25, 'after retry.max_seconds (%.1f s)' % took)
            tap.ok(lib.wait_until(lambda: lib.committed(
                cluster.bootstrap, 'erase-denied', 'req-d', [0]) == {0: 1},
                15, 0.5), 'committed after the outcome')
            tap.is_(d.stop(), 0, 'denied: stops cleanly')

    if wanted('large'):
        ep.reset()
        many = [{'region': 'us-east-1', 'name': 'list-%03d' % i,
                 'numbers': [NUM] if i in (7, 250) else []}
                for i in range(LARGE)]
        ep.set_state({'lists': many})
        cfg = lib.base_config(cluster, ep, 'erase-large')
        cfg.update({'requests.topic': 'req-l', 'results.topic': 'res-l',
                    'aws.rate_limit': '0',
                    'producer.message.max.bytes': '65536'})
        lib.produce(cluster.bootstrap, 'req-l',
                    [('l', req('large-1', '*', NUM), None)])
        with lib.Daemon(cfg) as d:
            out = lib.consume_all(cluster.bootstrap, 'res-l', 1, 90)
            more = lib.consume_all(cluster.bootstrap, 'res-l', 2, 3)
            o = out[0]['json'] if out else {}
            if not tap.is_((len(more), o.get('Outcome')), (1, 'deleted'),
                           'large: %d lists, one outcome, deleted' % LARGE):
                d.dump_log(tap)
            lists_ = o.get('Lists', [])
            tap.is_(sorted(x['OptOutListName'] for x in lists_
                           if x['Outcome'] == 'deleted'),
                    ['list-007', 'list-250'], 'large: both deletions listed')
            tap.is_(len(lists_) + o.get('ListsOmitted', 0), LARGE,
                    'large: every list accounted for (%d entries, %d '
                    'omitted, %d bytes)' % (len(lists_),
                                            o.get('ListsOmitted', 0),
                                            len(out[0]['value'] if out
                                                else b'')))
            tap.ok(out and len(out[0]['value']) <= 65536,
                   'large: within message.max.bytes')
            tap.ok(lib.wait_until(lambda: lib.committed(
                cluster.bootstrap, 'erase-large', 'req-l', [0]) == {0: 1},
                15, 0.5), 'large: committed after the outcome')
            tap.is_(d.stop(), 0, 'large: stops cleanly')

tap.done()
