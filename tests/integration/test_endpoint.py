#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""test_endpoint.py - the test tools themselves, checked against real clients.

The other integration tests trust tests/tools/endpoint.py to answer like the
Pinpoint SMS Voice V2 service and tests/tools/mockkafka to behave like Kafka.
This test earns that trust: botocore's own client (its serializer, SigV4
signer and response parser, none of our code) calls the endpoint and must see
every success and error shape as botocore models them; hand-built requests
probe the signature checks (tampering, unknown keys, expiry, session tokens,
unsigned headers); the botocore-generated vectors in SHARED_DATA are replayed
byte for byte and must verify. The per-region quota and probabilistic
fault rules are measured over hundreds of calls. The fake credential
sources (container credentials, IMDSv2, STS AssumeRoleWithWebIdentity) are
read by botocore's own fetchers and STS client, and the temporary
credentials they issue must sign accepted calls until they expire. Finally
confluent_kafka produces to and consumes from mockkafka, whose control
commands must answer.
"""

import datetime
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

tap = lib.Tap()
lib.require_tools(tap, daemon=False, mockkafka=False)

import botocore.session  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

TARGET = 'PinpointSMSVoiceV2.DeleteOptedOutNumber'
CTYPE = 'application/x-amz-json-1.0'
ACCOUNT = lib.TEST_ACCOUNT
TEMP_AKID, TEMP_SECRET, TEMP_TOKEN = 'ASIATESTTEMP', 'tempsecret/+=', \
    'IQoJb3JpZ2luX2VjEXAMPLETOKEN//=='
OLD_AKID, OLD_SECRET, OLD_TOKEN = 'ASIATESTOLD', 'oldsecret', 'OLDTOKEN'
OPTED_AT = 1700000000.5

_session = botocore.session.get_session()
_clients = {}


def client(ep, region='us-east-1', akid=lib.TEST_AKID,
           secret=lib.TEST_SECRET, token=None, validate=True):
    key = (ep.url, region, akid, secret, token, validate)
    if key not in _clients:
        _clients[key] = _session.create_client(
            'pinpoint-sms-voice-v2', region_name=region,
            endpoint_url=ep.url, aws_access_key_id=akid,
            aws_secret_access_key=secret, aws_session_token=token,
            config=Config(retries={'mode': 'standard',
                                   'total_max_attempts': 1},
                          parameter_validation=validate,
                          connect_timeout=5, read_timeout=10))
    return _clients[key]


def call(ep, list_name, number, **kw):
    """(response, None) or (None, ClientError.response)."""
    try:
        return client(ep, **kw).delete_opted_out_number(
            OptOutListName=list_name, OptedOutNumber=number), None
    except ClientError as e:
        return None, e.response


def amz_now(offset=0.0):
    return datetime.datetime.fromtimestamp(
        time.time() + offset, datetime.timezone.utc).strftime(
            '%Y%m%dT%H%M%SZ')


def signed(ep, body, region='us-east-1', akid=lib.TEST_AKID,
           secret=lib.TEST_SECRET, token=None, target=TARGET, ctype=CTYPE,
           timestamp=None, sign_token=True):
    """Headers of a request signed by botocore's SigV4Auth, as a dict."""
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode('utf-8')
    headers = {}
    if target is not None:
        headers['X-Amz-Target'] = target
    if ctype is not None:
        headers['Content-Type'] = ctype
    req = AWSRequest(method='POST', url=ep.url + '/', data=body,
                     headers=headers)
    auth = SigV4Auth(Credentials(akid, secret, token if sign_token else None),
                     'sms-voice', region)
    req.context['timestamp'] = timestamp or amz_now()
    auth._modify_request_before_signing(req)
    canonical = auth.canonical_request(req)
    sts = auth.string_to_sign(req, canonical)
    auth._inject_signature_to_request(req, auth.signature(sts, req))
    out = dict(req.headers.items())
    if token and not sign_token:
        out['X-Amz-Security-Token'] = token
    return out, body


def send(ep, headers, body, conn=None):
    """POST / with exactly these headers; (status, headers, json, raw)."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection('127.0.0.1', ep.port, timeout=10)
    try:
        conn.request('POST', '/', body=body, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        if own:
            conn.close()
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    return resp.status, resp, parsed, raw


def body_of(lst, number):
    return {'OptOutListName': lst, 'OptedOutNumber': number}


def err_code(err):
    return err and err['Error']['Code']


def err_status(err):
    return err and err['ResponseMetadata']['HTTPStatusCode']


def base_state():
    return {
        'account': ACCOUNT,
        'credentials': [
            {'akid': lib.TEST_AKID, 'secret': lib.TEST_SECRET},
            {'akid': TEMP_AKID, 'secret': TEMP_SECRET, 'token': TEMP_TOKEN},
            {'akid': OLD_AKID, 'secret': OLD_SECRET, 'token': OLD_TOKEN,
             'expired': True},
            {'akid': 'AKIDDENIED', 'secret': 'deniedsecret',
             'denied': True},
        ],
        'lists': [
            {'region': 'us-east-1', 'name': 'marketing',
             'numbers': [{'number': '+14155550100',
                          'opted_out_at': OPTED_AT, 'end_user': True},
                         {'number': '+14155550101', 'end_user': False},
                         '+14155550102', '+14155550103', '+14155550104',
                         '+14155550105', '+14155550106', '+14155550107']},
            {'region': 'us-east-1', 'name': 'old-deletions',
             'numbers': ['+14155550200', '+14155550201'],
             'recently_deleted': [
                 {'number': '+14155550200',
                  'deleted_at': time.time() - 31 * 86400},
                 '+14155550201']},
            {'region': 'us-east-1', 'name': 'locked', 'denied': True,
             'numbers': ['+14155550300']},
            {'region': 'us-east-1', 'name': 'disabled',
             'denied': 'ACCOUNT_DISABLED', 'numbers': ['+14155550301']},
            {'region': 'eu-west-2', 'name': 'marketing',
             'numbers': ['+447700900123', '+447700900124']},
        ],
    }


# --------------------------------------------------------------------------

def test_success_and_state(ep):
    resp, err = call(ep, 'marketing', '+14155550100')
    tap.ok(err is None, 'botocore: delete an opted-out number succeeds')
    if resp is None:
        tap.diag(err)
        return
    tap.is_(resp['ResponseMetadata']['HTTPStatusCode'], 200, 'HTTP 200')
    tap.is_(resp['OptOutListArn'],
            'arn:aws:sms-voice:us-east-1:%s:opt-out-list/marketing' % ACCOUNT,
            'OptOutListArn names region, account and list')
    tap.is_(resp['OptOutListName'], 'marketing', 'OptOutListName')
    tap.is_(resp['OptedOutNumber'], '+14155550100', 'OptedOutNumber')
    tap.is_(resp['OptedOutTimestamp'].timestamp(), OPTED_AT,
            'OptedOutTimestamp parsed by botocore as the opt-out time')
    tap.is_(resp['EndUserOptedOut'], True, 'EndUserOptedOut')
    tap.ok(len(resp['ResponseMetadata'].get('RequestId', '')) == 36,
           'x-amzn-RequestId is a UUID')

    resp, err = call(ep, 'marketing', '+14155550100')
    tap.is_(err_code(err), 'ResourceNotFoundException',
            'deleting it again: ResourceNotFoundException')
    tap.is_(err_status(err), 400, 'ResourceNotFoundException is HTTP 400')
    tap.is_((err or {}).get('ResourceType'), 'opted-out-number',
            'ResourceType opted-out-number (a modeled member)')
    tap.is_((err or {}).get('ResourceId'), '+14155550100',
            'ResourceId is the number')

    resp, err = call(ep, 'no-such-list', '+14155550101')
    tap.is_(err_code(err), 'ResourceNotFoundException', 'missing list')
    tap.is_(((err or {}).get('ResourceType'), (err or {}).get('ResourceId')),
            ('opt-out-list', 'no-such-list'),
            'missing list: ResourceType opt-out-list, ResourceId as sent')

    arn = 'arn:aws:sms-voice:us-east-1:%s:opt-out-list/marketing' % ACCOUNT
    resp, err = call(ep, arn, '+14155550101')
    tap.ok(err is None and resp['OptOutListName'] == 'marketing'
           and resp['EndUserOptedOut'] is False,
           'list named by ARN; EndUserOptedOut false')

    arn_eu = 'arn:aws:sms-voice:eu-west-2:%s:opt-out-list/marketing' % ACCOUNT
    resp, err = call(ep, arn_eu, '+447700900123')
    tap.is_(((err_code(err)), (err or {}).get('ResourceType')),
            ('ResourceNotFoundException', 'opt-out-list'),
            'ARN of another region than the signing region: not found')
    resp, err = call(ep, arn_eu, '+447700900123', region='eu-west-2')
    tap.ok(err is None and resp['OptOutListArn'] == arn_eu,
           'the same ARN signed for eu-west-2 succeeds')
    resp, err = call(ep, 'marketing', '+447700900124', region='eu-west-2')
    tap.ok(err is None and resp['OptOutListArn'] == arn_eu,
           'state is per region: eu-west-2 marketing by name')
    resp, err = call(ep, 'arn:aws:sms-voice:us-east-1:%s:pool/x' % ACCOUNT,
                     '+14155550102')
    tap.is_((err_code(err), (err or {}).get('Reason')),
            ('ValidationException', 'INVALID_ARN'),
            'an ARN of another resource type: INVALID_ARN')

    lists = {(x['region'], x['name']): x for x in ep.lists()}
    mk = lists.get(('us-east-1', 'marketing'), {})
    numbers = [n['number'] for n in mk.get('numbers', [])]
    tap.ok('+14155550100' not in numbers and '+14155550102' in numbers,
           '/_test/lists: deleted numbers are gone, others stay')
    tap.ok(any(d['number'] == '+14155550100'
               for d in mk.get('recently_deleted', [])),
           '/_test/lists: the deletion is recorded')

    ep.add_lists({'region': 'us-east-1', 'name': 'marketing',
                  'numbers': ['+14155550100']})
    resp, err = call(ep, 'marketing', '+14155550100')
    tap.is_(err_code(err), 'ConflictException',
            're-listed and deleted again within 30 days: ConflictException')
    tap.is_(((err or {}).get('Reason'), (err or {}).get('ResourceType'),
             (err or {}).get('ResourceId')),
            ('RESOURCE_DELETION_NOT_ALLOWED', 'opted-out-number',
             '+14155550100'), 'ConflictException members')
    tap.is_(err_status(err), 400, 'ConflictException is HTTP 400')

    resp, err = call(ep, 'old-deletions', '+14155550200')
    tap.ok(err is None, 'a deletion 31 days ago does not block a new one')
    resp, err = call(ep, 'old-deletions', '+14155550201')
    tap.is_(err_code(err), 'ConflictException',
            'recently_deleted (default one day ago) blocks it')

    resp, err = call(ep, 'locked', '+14155550300')
    tap.is_(err_code(err), 'AccessDeniedException', 'denied list')
    tap.ok(err is not None and 'Reason' not in err
           and 'not authorized' in err['Error']['Message'],
           'denied: true is an IAM-style denial without Reason')
    resp, err = call(ep, 'disabled', '+14155550301')
    tap.is_((err_code(err), (err or {}).get('Reason'), err_status(err)),
            ('AccessDeniedException', 'ACCOUNT_DISABLED', 400),
            'denied: "ACCOUNT_DISABLED" carries that Reason')
    resp, err = call(ep, 'marketing', '+14155550102', akid='AKIDDENIED',
                     secret='deniedsecret')
    tap.is_(err_code(err), 'AccessDeniedException',
            'a denied credential is denied everywhere')


def test_describe(ep):
    """DescribeOptOutLists (what --preflight calls) through botocore's own
    serializer, signer and parser: every page parses to the model's output
    shape, pagination ends, errors are modelled."""
    c = client(ep)
    pages = list(c.get_paginator('describe_opt_out_lists').paginate(
        PaginationConfig={'PageSize': 2}))
    names = [lst['OptOutListName'] for p in pages for lst in p['OptOutLists']]
    tap.is_(names, ['disabled', 'locked', 'marketing', 'old-deletions'],
            'DescribeOptOutLists: every list of the region, by name, '
            'in pages of 2')
    tap.is_(len(pages), 2, 'two pages, NextToken between them')
    shape = _session.get_service_model('pinpoint-sms-voice-v2') \
        .operation_model('DescribeOptOutLists').output_shape
    item = shape.members['OptOutLists'].member
    first = pages[0]['OptOutLists'][0]
    tap.is_(sorted(first), sorted(item.members),
            'each entry has exactly the model\'s members: %s'
            % sorted(first))
    tap.ok(isinstance(first['CreatedTimestamp'], datetime.datetime),
           'CreatedTimestamp parsed by botocore as a timestamp')
    tap.is_(first['OptOutListArn'],
            'arn:aws:sms-voice:us-east-1:%s:opt-out-list/disabled' % ACCOUNT,
            'OptOutListArn names region, account and list')
    resp = c.describe_opt_out_lists(MaxResults=1)
    tap.ok(len(resp['OptOutLists']) == 1 and 'NextToken' in resp,
           'MaxResults=1: one list and a NextToken')
    resp = client(ep, region='eu-west-2').describe_opt_out_lists()
    tap.is_([lst['OptOutListName'] for lst in resp['OptOutLists']],
            ['marketing'], 'another region: its own lists, no NextToken' +
            ('' if 'NextToken' not in resp else ' (got one)'))
    try:
        c.describe_opt_out_lists(OptOutListNames=['nope'])
        err = None
    except ClientError as e:
        err = e.response
    tap.is_(err_code(err), 'ResourceNotFoundException',
            'an unknown list asked for by name: ResourceNotFoundException')
    try:
        client(ep, validate=False).describe_opt_out_lists(MaxResults=101)
        err = None
    except ClientError as e:
        err = e.response
    tap.is_(err_code(err), 'ValidationException', 'MaxResults 101: '
            'ValidationException')
    try:
        client(ep, akid='AKIDDENIED', secret='deniedsecret') \
            .describe_opt_out_lists(MaxResults=1)
        err = None
    except ClientError as e:
        err = e.response
    tap.is_(err_code(err), 'AccessDeniedException',
            'a denied credential: AccessDeniedException')
    tap.is_(err_status(err), 400, '... HTTP 400 as the model says')
    tap.ok('sms-voice:DescribeOptOutLists' in (err or {}).get(
        'Error', {}).get('Message', ''), '... naming the action')
    try:
        client(ep, secret='wrong').describe_opt_out_lists(MaxResults=1)
        err = None
    except ClientError as e:
        err = e.response
    tap.is_(err_code(err), 'InvalidSignatureException',
            'a bad signature: InvalidSignatureException')


def test_validation(ep):
    resp, err = call(ep, 'marketing', '12345abc')
    tap.is_((err_code(err), err_status(err), (err or {}).get('Reason')),
            ('ValidationException', 400, 'FIELD_VALIDATION_FAILED'),
            'a number off the model pattern: ValidationException')
    fields = (err or {}).get('Fields') or []
    tap.is_([f.get('Name') for f in fields], ['OptedOutNumber'],
            'Fields names the member')
    tap.ok(fields and 'pattern' in fields[0].get('Message', ''),
           'the field message states the pattern')

    resp, err = call(ep, 'x' * 257, '+14155550102')
    tap.is_([f.get('Name') for f in (err or {}).get('Fields', [])],
            ['OptOutListName'], 'a list name over 256 chars')
    resp, err = call(ep, 'bad name!', '+0415555010')
    tap.is_(sorted(f.get('Name') for f in (err or {}).get('Fields', [])),
            ['OptOutListName', 'OptedOutNumber'], 'two bad fields at once')
    tap.ok(err and err['Error']['Message'].startswith(
        '2 validation errors detected'), 'message counts the errors')

    headers, body = signed(ep, {'OptOutListName': 'marketing'})
    status, _, parsed, _ = send(ep, headers, body)
    tap.is_((status, (parsed or {}).get('Reason'),
             [f['Name'] for f in (parsed or {}).get('Fields', [])]),
            (400, 'FIELD_VALIDATION_FAILED', ['OptedOutNumber']),
            'a missing member: ValidationException naming it')
    headers, body = signed(ep, '{"OptOutListName": "marketing", ')
    status, _, parsed, _ = send(ep, headers, body)
    tap.is_((status, (parsed or {}).get('__type')),
            (400, 'com.amazon.coral.service#SerializationException'),
            'a body that is not JSON: SerializationException')
    headers, body = signed(ep, {'OptOutListName': 'marketing',
                                'OptedOutNumber': 14155550102})
    status, _, parsed, _ = send(ep, headers, body)
    tap.is_((status, (parsed or {}).get('__type')),
            (400, 'com.amazon.coral.service#SerializationException'),
            'a member of the wrong JSON type: SerializationException')

    headers, body = signed(ep, body_of('marketing', '+14155550102'),
                           target='PinpointSMSVoiceV2.DeleteOptOutList')
    status, resp, parsed, _ = send(ep, headers, body)
    tap.is_((status, (parsed or {}).get('__type')),
            (400, 'com.amazon.coral.service#UnknownOperationException'),
            'another X-Amz-Target: UnknownOperationException')
    tap.ok((resp.getheader('x-amzn-ErrorType') or '').startswith(
        'UnknownOperationException:'), 'x-amzn-ErrorType header on errors')
    headers, body = signed(ep, body_of('marketing', '+14155550102'),
                           ctype='application/json')
    status, _, parsed, _ = send(ep, headers, body)
    tap.is_((status, (parsed or {}).get('__type')),
            (400, 'com.amazon.coral.service#UnknownOperationException'),
            'Content-Type application/json: UnknownOperationException')


def test_error_wire_shape(ep):
    headers, body = signed(ep, body_of('nope', '+14155550102'))
    status, resp, parsed, _ = send(ep, headers, body)
    tap.is_(status, 400, 'raw: ResourceNotFoundException status')
    tap.is_(resp.getheader('Content-Type'), CTYPE, 'raw: error Content-Type')
    tap.is_(resp.getheader('x-amzn-ErrorType'),
            'ResourceNotFoundException:http://internal.amazon.com/coral/'
            'com.amazonaws.pinpointsmsvoicev2/', 'raw: x-amzn-ErrorType')
    tap.ok(len(resp.getheader('x-amzn-RequestId') or '') == 36,
           'raw: x-amzn-RequestId')
    tap.is_(sorted((parsed or {}).keys()),
            ['Message', 'ResourceId', 'ResourceType', '__type'],
            'raw: body members are the shape\'s')
    tap.is_((parsed or {}).get('__type'),
            'com.amazonaws.pinpointsmsvoicev2#ResourceNotFoundException',
            'raw: __type has the service namespace')


def test_auth(ep):
    body = body_of('marketing', '+14155550103')
    resp, err = call(ep, 'marketing', '+14155550103', akid='AKIDUNKNOWN',
                     secret='x')
    tap.is_((err_code(err), err_status(err)),
            ('UnrecognizedClientException', 403),
            'unknown access key: UnrecognizedClientException 403')
    tap.is_(err and err['Error']['Message'],
            'The security token included in the request is invalid.',
            'UnrecognizedClientException message')
    resp, err = call(ep, 'marketing', '+14155550103', secret='wrong')
    tap.is_((err_code(err), err_status(err)),
            ('InvalidSignatureException', 403),
            'wrong secret: InvalidSignatureException 403')
    tap.ok(err and err['Error']['Message'].startswith(
        'The request signature we calculated does not match the signature '
        'you provided.'), 'InvalidSignatureException message')

    headers, raw = signed(ep, body)
    tampered = raw.replace(b'+14155550103', b'+14155550104')
    status, _, parsed, _ = send(ep, headers, tampered)
    tap.is_((status, (parsed or {}).get('__type')),
            (403, 'com.amazon.coral.service#InvalidSignatureException'),
            'body changed after signing: InvalidSignatureException')
    tap.ok('The Canonical String for this request should have been' in
           (parsed or {}).get('message', ''),
           'the message shows the canonical request')
    headers, raw = signed(ep, body)
    sig = headers['Authorization'][-1]
    headers['Authorization'] = headers['Authorization'][:-1] + (
        '0' if sig != '0' else '1')
    status, _, parsed, _ = send(ep, headers, raw)
    tap.is_(status, 403, 'one signature digit changed: 403')
    headers, raw = signed(ep, body)
    headers['X-Amz-Target'] = 'PinpointSMSVoiceV2.DeleteOptedOutNumber '
    status, _, parsed, _ = send(ep, headers, raw)
    tap.is_(status, 200, 'trailing blank in a signed header value is '
            'trimmed in the canonical form (still valid)')

    headers, raw = signed(ep, body_of('marketing', '+14155550104'),
                          timestamp=amz_now(-600))
    status, _, parsed, _ = send(ep, headers, raw)
    tap.ok(status == 403 and (parsed or {}).get('message', '').startswith(
        'Signature expired: '), 'X-Amz-Date 10 minutes old: Signature '
        'expired')
    headers, raw = signed(ep, body_of('marketing', '+14155550104'),
                          timestamp=amz_now(600))
    status, _, parsed, _ = send(ep, headers, raw)
    tap.ok(status == 403 and 'not yet current' in
           (parsed or {}).get('message', ''),
           'X-Amz-Date 10 minutes ahead: not yet current')
    headers, raw = signed(ep, body_of('marketing', '+14155550104'),
                          timestamp=amz_now(-240))
    status, _, _, _ = send(ep, headers, raw)
    tap.is_(status, 200, 'X-Amz-Date 4 minutes old is accepted')

    headers, raw = signed(ep, body_of('marketing', '+14155550105'))
    del headers['Authorization']
    status, _, parsed, _ = send(ep, headers, raw)
    tap.is_((status, (parsed or {}).get('__type')),
            (403, 'com.amazon.coral.service#'
             'MissingAuthenticationTokenException'),
            'no Authorization: MissingAuthenticationTokenException')
    headers, raw = signed(ep, body_of('marketing', '+14155550105'),
                          ctype=None)
    headers['Content-Type'] = CTYPE
    status, _, parsed, _ = send(ep, headers, raw)
    tap.ok(status == 403 and "'content-type' must be a 'SignedHeader'" in
           (parsed or {}).get('message', ''),
           'Content-Type not signed: rejected')
    headers, raw = signed(ep, body_of('marketing', '+14155550105'),
                          region='us-east-1')
    headers['Authorization'] = headers['Authorization'].replace(
        '/sms-voice/', '/sms/')
    status, _, parsed, _ = send(ep, headers, raw)
    tap.ok(status == 403 and 'correct service' in
           (parsed or {}).get('message', ''), 'wrong service in the scope')

    # session tokens
    resp, err = call(ep, 'marketing', '+14155550105', akid=TEMP_AKID,
                     secret=TEMP_SECRET, token=TEMP_TOKEN)
    tap.ok(err is None, 'temporary credentials with their token succeed')
    resp, err = call(ep, 'marketing', '+14155550106', akid=TEMP_AKID,
                     secret=TEMP_SECRET, token='WRONG')
    tap.is_(err_code(err), 'UnrecognizedClientException',
            'a wrong session token: UnrecognizedClientException')
    resp, err = call(ep, 'marketing', '+14155550106', akid=TEMP_AKID,
                     secret=TEMP_SECRET)
    tap.is_(err_code(err), 'UnrecognizedClientException',
            'temporary key without its token: UnrecognizedClientException')
    resp, err = call(ep, 'marketing', '+14155550106', token='SPURIOUS')
    tap.is_(err_code(err), 'UnrecognizedClientException',
            'a token with a long-term key: UnrecognizedClientException')
    resp, err = call(ep, 'marketing', '+14155550106', akid=OLD_AKID,
                     secret=OLD_SECRET, token=OLD_TOKEN)
    tap.is_((err_code(err), err_status(err)), ('ExpiredTokenException', 403),
            'expired temporary credentials: ExpiredTokenException')
    headers, raw = signed(ep, body_of('marketing', '+14155550106'),
                          akid=TEMP_AKID, secret=TEMP_SECRET,
                          token=TEMP_TOKEN, sign_token=False)
    status, _, parsed, _ = send(ep, headers, raw)
    tap.ok(status == 403 and "'x-amz-security-token' must be a "
           "'SignedHeader'" in (parsed or {}).get('message', ''),
           'an unsigned X-Amz-Security-Token is rejected')
    headers, raw = signed(ep, body_of('marketing', '+14155550106'),
                          akid=TEMP_AKID, secret=TEMP_SECRET,
                          token=TEMP_TOKEN)
    status, _, _, _ = send(ep, headers, raw)
    tap.is_(status, 200, 'a hand-signed request with a signed token')


def test_faults(ep):
    ep.reset()
    ep.add_lists({'region': 'us-east-1', 'name': 'faults',
                  'numbers': ['+15550000001', '+15550000002', '+15550000003',
                              '+15550000004', '+15550000005']})
    ep.set_faults([{'number': '+15550000001', 'fault': 'ThrottlingException',
                    'times': 2}])
    codes = []
    for _ in range(3):
        resp, err = call(ep, 'faults', '+15550000001')
        codes.append((err_code(err), err_status(err)) if err else 'ok')
    tap.is_(codes, [('ThrottlingException', 400),
                    ('ThrottlingException', 400), 'ok'],
            'ThrottlingException twice (times 2), then normal processing')
    tap.is_([r['times'] for r in ep.faults()], [0], 'the rule is used up')

    ep.set_faults([{'list': 'faults', 'fault': 'InternalServerException',
                    'times': -1}])
    for _ in range(2):
        resp, err = call(ep, 'faults', '+15550000002')
    tap.is_((err_code(err), err_status(err)), ('InternalServerException',
                                               500),
            'InternalServerException (times -1) is HTTP 500, every time')
    tap.ok(err and err.get('RequestId') ==
           err['ResponseMetadata'].get('RequestId'),
           'InternalServerException carries RequestId')
    tap.is_([r['times'] for r in ep.faults()], [-1], '-1 never runs out')

    ep.set_faults([{'number': '+15550000002',
                    'fault': 'AccessDeniedException:'
                             'INSUFFICIENT_ACCOUNT_REPUTATION'}])
    resp, err = call(ep, 'faults', '+15550000002')
    tap.is_((err_code(err), (err or {}).get('Reason')),
            ('AccessDeniedException', 'INSUFFICIENT_ACCOUNT_REPUTATION'),
            'fault "Code:Reason" sends the Reason')

    ep.set_faults([{'number': '+15550000002', 'fault': 'html503'}])
    headers, raw = signed(ep, body_of('faults', '+15550000002'))
    status, resp, parsed, text = send(ep, headers, raw)
    tap.ok(status == 503 and text.startswith(b'<html>') and
           resp.getheader('Content-Type') == 'text/html' and
           resp.getheader('x-amzn-ErrorType') is None,
           'html503: text/html 503 without an error type')
    ep.set_faults([{'number': '+15550000002', 'fault': 'html503'}])
    resp, err = call(ep, 'faults', '+15550000002')
    tap.is_((err_code(err), err_status(err)), ('503', 503),
            'botocore sees html503 as a generic 503')

    # A proxy, a WAF or a captive portal in the way: its own HTML page,
    # neither a request id nor an error type.
    for fault, want in (('proxy', 403), ('proxy:403', 403),
                        ('proxy:404', 404), ('proxy:407', 407),
                        ('proxy:200', 200)):
        ep.set_faults([{'number': '+15550000002', 'fault': fault}])
        status, resp, parsed, text = send(
            ep, *signed(ep, body_of('faults', '+15550000002')))
        tap.ok(status == want and parsed is None and
               text.startswith(b'<!DOCTYPE html>') and
               ('%d ' % want).encode() in text and
               resp.getheader('Content-Type', '').startswith('text/html') and
               resp.getheader('x-amzn-RequestId') is None and
               resp.getheader('x-amzn-ErrorType') is None,
               '%s: HTML %d without request id or error type' % (fault, want))
        tap.is_(resp.getheader('Proxy-Authenticate'),
                'Basic realm="proxy"' if want == 407 else None,
                '%s: Proxy-Authenticate only on 407' % fault)
        tap.is_((ep.calls()[-1]['status'], ep.calls()[-1]['code']),
                (want, 'proxy'), '%s: logged as a proxy answer' % fault)
    ep.set_faults([{'number': '+15550000002', 'fault': 'proxy:407'}])
    resp, err = call(ep, 'faults', '+15550000002')
    tap.is_((err_code(err), err_status(err),
             (err or {}).get('ResponseMetadata', {}).get('RequestId')),
            ('407', 407, None),
            'botocore sees proxy:407 as a generic 407 without request id')
    for bad in ('proxy:99', 'proxy:600', 'proxy:x'):
        try:
            ep.set_faults([{'fault': bad}])
            tap.ok(False, 'fault %s is refused' % bad)
        except RuntimeError:
            tap.ok(True, 'fault %s is refused' % bad)
    ep.set_faults([])

    # Every answer of the service's shape has a request id, as AWS's do.
    ids = []
    for fault in ('garbage', 'ThrottlingException', 'InternalFailure',
                  'ValidationException'):
        ep.set_faults([{'number': '+15550000002', 'fault': fault}])
        status, resp, _, _ = send(ep, *signed(ep, body_of('faults',
                                                          '+15550000002')))
        ids.append(len(resp.getheader('x-amzn-RequestId') or ''))
    status, resp, _, _ = send(ep, *signed(ep, body_of('faults',
                                                      '+15550000002')))
    ids.append(len(resp.getheader('x-amzn-RequestId') or ''))
    tap.is_(ids, [36] * 5, 'garbage, modeled and framework errors and a '
            'fault-free call all carry x-amzn-RequestId')

    ep.set_faults([{'number': '+15550000003', 'fault': 'reset'}])
    headers, raw = signed(ep, body_of('faults', '+15550000003'))
    try:
        send(ep, headers, raw)
        outcome = 'answered'
    except ConnectionResetError:
        outcome = 'reset'
    except (http.client.RemoteDisconnected, OSError) as e:
        outcome = type(e).__name__
    tap.is_(outcome, 'reset', 'reset: the connection is reset')
    ep.set_faults([{'number': '+15550000003', 'fault': 'close'}])
    try:
        send(ep, headers, raw)
        outcome = 'answered'
    except http.client.RemoteDisconnected:
        outcome = 'closed'
    except OSError as e:
        outcome = type(e).__name__
    tap.is_(outcome, 'closed', 'close: the connection closes unanswered')

    ep.set_faults([{'number': '+15550000003', 'fault': 'http:502'}])
    status, resp, _, _ = send(ep, *signed(ep, body_of('faults',
                                                      '+15550000003')))
    tap.is_(status, 502, 'http:502')
    ep.set_faults([{'number': '+15550000003', 'fault': 'garbage'}])
    status, _, parsed, _ = send(ep, *signed(ep, body_of('faults',
                                                        '+15550000003')))
    tap.ok(status == 200 and parsed is None, 'garbage: 200 without JSON')

    ep.set_faults([{'number': '+15550000004', 'fault': 'slow:300'}])
    start = time.monotonic()
    resp, err = call(ep, 'faults', '+15550000004')
    took = time.monotonic() - start
    tap.ok(err is None and took >= 0.3,
           'slow:300 delays (%.2fs), then processes normally' % took)

    calls = ep.calls()
    tap.is_([c['fault'] for c in calls[:2]], ['ThrottlingException'] * 2,
            '/_test/calls records the fault applied')
    tap.ok(all(c['signature_ok'] for c in calls),
           'every call in this section was correctly signed')

    try:
        ep.set_faults([{'times': 1}])
        tap.ok(False, 'a fault rule without "fault" is refused')
    except RuntimeError:
        tap.ok(True, 'a fault rule without "fault" is refused')
    ep.reset()
    tap.is_((ep.calls(), ep.faults()), ([], []),
            '/_test/reset clears calls and faults')


def raw_answer(ep, number, seconds):
    """Sends a signed call for number on a plain socket and collects what
    comes back within seconds (or until the peer closes): (bytes, how it
    ended: "closed", "reset" or "timeout")."""
    headers, body = signed(ep, body_of('broken', number))
    headers = dict(headers)
    headers.setdefault('Host', '127.0.0.1:%d' % ep.port)
    headers['Content-Length'] = str(len(body))
    lines = ['POST / HTTP/1.1'] + ['%s: %s' % kv for kv in headers.items()]
    data = ('\r\n'.join(lines) + '\r\n\r\n').encode() + body
    sock = socket.create_connection(('127.0.0.1', ep.port), timeout=10)
    got = b''
    how = 'timeout'
    try:
        sock.sendall(data)
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                how = 'reset'
                break
            if not chunk:
                how = 'closed'
                break
            got += chunk
    finally:
        sock.close()
    return got, how


def split_answer(raw):
    """(status, {lower-case header: value}, body) of a raw HTTP answer."""
    head, _, body = raw.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    status = int(lines[0].split()[1]) if len(lines[0].split()) > 1 else 0
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(':')
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body


def test_broken_answers(ep):
    """The faults that break an answer on the wire, without processing the
    request: truncated, cut, slowloris, slowbody, huge; and a gateway's
    own 502/503/504 pages."""
    ep.reset()
    nums = ['+1555000%04d' % i for i in range(10)]
    ep.add_lists({'region': 'us-east-1', 'name': 'broken', 'numbers': nums})

    ep.set_faults([{'number': nums[0], 'fault': 'truncated'}])
    raw, how = raw_answer(ep, nums[0], 10)
    status, hdrs, body = split_answer(raw)
    tap.ok(status == 200 and how == 'closed' and
           int(hdrs.get('content-length', 0)) == len(body) + 100 and
           len(hdrs.get('x-amzn-requestid', '')) == 36,
           'truncated: 200 with a request id, Content-Length 100 bytes over '
           'the %d sent, then closed (%s)' % (len(body), how))

    ep.set_faults([{'number': nums[1], 'fault': 'cut'}])
    raw, how = raw_answer(ep, nums[1], 10)
    status, hdrs, body = split_answer(raw)
    tap.ok(status == 200 and how in ('reset', 'closed') and
           0 < len(body) < int(hdrs.get('content-length', 0)),
           'cut: half of the body (%d of %s bytes), then %s'
           % (len(body), hdrs.get('content-length'), how))

    ep.set_faults([{'number': nums[2], 'fault': 'slowloris:100'}])
    raw, how = raw_answer(ep, nums[2], 1.0)
    tap.ok(how == 'timeout' and 0 < len(raw) <= 12 and
           b'HTTP/1.1 200 OK'.startswith(raw),
           'slowloris:100: one byte of the status line every 100 ms '
           '(%d bytes in 1 s: %r)' % (len(raw), raw))

    ep.set_faults([{'number': nums[3], 'fault': 'slowbody:100'}])
    raw, how = raw_answer(ep, nums[3], 1.0)
    status, hdrs, body = split_answer(raw)
    tap.ok(how == 'timeout' and status == 200 and
           len(hdrs.get('x-amzn-requestid', '')) == 36 and
           0 < len(body) <= 12 < int(hdrs.get('content-length', 0)),
           'slowbody:100: the headers at once, then one byte of the body '
           'every 100 ms (%d of %s bytes in 1 s)'
           % (len(body), hdrs.get('content-length')))

    ep.set_faults([{'number': nums[4], 'fault': 'huge:3000000'}])
    raw, how = raw_answer(ep, nums[4], 20)
    status, hdrs, body = split_answer(raw)
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    tap.ok(status == 200 and how == 'closed' and len(body) == 3000000 and
           int(hdrs.get('content-length', 0)) == 3000000 and
           isinstance(parsed, dict),
           'huge:3000000: a 200 whose body is a JSON object of 3000000 '
           'bytes (%d read)' % len(body))

    calls = ep.calls()
    tap.is_([(c['code'], c['status'], c['signature_ok']) for c in calls],
            [(k, 200, True) for k in ('truncated', 'cut', 'slowloris',
                                      'slowbody', 'huge')],
            'each broken answer is logged with its kind')
    left = [lst for lst in ep.lists() if lst['name'] == 'broken'][0]
    tap.ok(all(n in json.dumps(left['numbers']) for n in nums[:5]),
           'no broken answer processed its request: the numbers are still '
           'listed')
    for code, title in ((502, 'Bad Gateway'), (503, 'Service Unavailable'),
                        (504, 'Gateway Timeout')):
        ep.set_faults([{'number': nums[5], 'fault': 'proxy:%d' % code}])
        status, resp, parsed, text = send(
            ep, *signed(ep, body_of('broken', nums[5])))
        tap.ok(status == code and parsed is None and
               ('<title>%d %s</title>' % (code, title)).encode() in text and
               resp.getheader('x-amzn-RequestId') is None,
               'proxy:%d: a gateway\'s own "%s" page, no request id'
               % (code, title))
    for bad in ('slowloris:x', 'huge:x'):
        try:
            ep.set_faults([{'fault': bad}])
            tap.ok(False, 'fault %s is refused' % bad)
        except RuntimeError:
            tap.ok(True, 'fault %s is refused' % bad)
    ep.reset()


def test_call_log_and_keepalive(ep):
    ep.reset()
    conn = http.client.HTTPConnection('127.0.0.1', ep.port, timeout=10)
    ids = []
    statuses = []
    try:
        for number, tamper in (('+14155550107', False),
                               ('+14155550107', False),
                               ('+14155550102', True)):
            headers, raw = signed(ep, body_of('marketing', number))
            if tamper:
                raw = raw.replace(b'marketing', b'marketinG')
            status, resp, _, _ = send(ep, headers, raw, conn)
            statuses.append(status)
            ids.append(resp.getheader('x-amzn-RequestId'))
        reused = conn.sock is not None
    finally:
        conn.close()
    tap.is_(statuses, [200, 400, 403], 'three calls on one connection')
    tap.ok(reused, 'HTTP/1.1 keep-alive: the connection stayed open')
    calls = ep.calls()
    tap.is_([(c['status'], c['code'], c['signature_ok']) for c in calls],
            [(200, None, True), (400, 'ResourceNotFoundException', True),
             (403, 'InvalidSignatureException', False)],
            '/_test/calls: status, code, signature_ok in order')
    tap.is_([c['request_id'] for c in calls], ids,
            '/_test/calls: request ids match x-amzn-RequestId')
    tap.is_({(c['region'], c['akid'], c['list']) for c in calls},
            {('us-east-1', lib.TEST_AKID, 'marketing'),
             ('us-east-1', lib.TEST_AKID, 'marketinG')},
            '/_test/calls: region, akid, list')
    tap.is_([c['number'] for c in calls],
            ['+14155550107', '+14155550107', '+14155550102'],
            '/_test/calls: numbers')


def test_curl_signer(ep):
    """curl's own SigV4 (--aws-sigv4) is a second, independent signer."""
    curl = shutil.which('curl')
    if curl is None:
        tap.skip('no curl', 2)
        return
    probe = subprocess.run([curl, '--help', 'all'], capture_output=True,
                           timeout=10)
    if b'--aws-sigv4' not in probe.stdout:
        tap.skip('curl without --aws-sigv4', 2)
        return
    ep.reset()
    ep.add_lists({'region': 'eu-west-2', 'name': 'curl',
                  'numbers': ['+447700900555']})
    argv = [curl, '-sS', '--max-time', '10', '--aws-sigv4',
            'aws:amz:eu-west-2:sms-voice', '--user',
            '%s:%s' % (lib.TEST_AKID, lib.TEST_SECRET),
            '-H', 'X-Amz-Target: ' + TARGET, '-H', 'Content-Type: ' + CTYPE,
            '-d', json.dumps(body_of('curl', '+447700900555')),
            '-w', '\n%{http_code}', ep.url + '/']
    run = subprocess.run(argv, capture_output=True, timeout=30)
    lines = run.stdout.decode('utf-8', 'replace').rsplit('\n', 1)
    tap.is_(lines[-1], '200', 'curl --aws-sigv4 request accepted')
    calls = ep.calls()
    tap.ok(calls and calls[-1]['signature_ok'] and
           calls[-1]['region'] == 'eu-west-2', 'curl: signature verified '
           'for eu-west-2')


def test_concurrency(ep):
    """Many clients at once: every call is answered and logged once."""
    ep.reset()
    numbers = ['+1646555%04d' % i for i in range(200)]
    ep.add_lists({'region': 'us-east-1', 'name': 'bulk', 'numbers': numbers})
    results = []
    lock = threading.Lock()

    def worker(chunk):
        conn = http.client.HTTPConnection('127.0.0.1', ep.port, timeout=20)
        try:
            for number in chunk:
                status, _, _, _ = send(ep, *signed(ep, body_of('bulk',
                                                               number)), conn)
                with lock:
                    results.append(status)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(numbers[i::20],))
               for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    tap.is_((len(results), set(results)), (200, {200}),
            '20 keep-alive clients x 10 deletions: all 200')
    calls = ep.calls()
    tap.is_(sorted(c['number'] for c in calls), sorted(numbers),
            'each deletion logged exactly once')
    left = [x for x in ep.lists() if x['name'] == 'bulk']
    tap.is_(left and left[0]['numbers'], [], 'the bulk list is empty')


def throttled(err):
    return err_code(err) == 'ThrottlingException'


def test_quota(ep):
    """A token bucket per region answers ThrottlingException like AWS."""
    ep.reset()
    ep.set_quota('us-east-1', rate=5, burst=5)
    tap.is_(ep.state()['quota'], {'us-east-1': {'rate': 5.0, 'burst': 5.0}},
            'quota in the state')
    results = [call(ep, 'quota-none', '+15550001000') for _ in range(8)]
    kinds = ['throttled' if throttled(err) else err_code(err) or 'ok'
             for _, err in results]
    tap.is_(kinds[:5], ['ResourceNotFoundException'] * 5,
            'the burst of 5 is admitted')
    tap.ok(kinds[5:].count('throttled') >= 2,
           'beyond the burst: ThrottlingException (%s)' % kinds[5:])
    err = [e for _, e in results if throttled(e)][0]
    tap.is_((err_status(err), err['Error']['Message']),
            (400, 'Rate exceeded'), 'ThrottlingException 400 "Rate exceeded"')
    # The raw shape in a region whose bucket cannot refill while the test
    # runs (1 token, one per 1000 s): with us-east-1's 5/s, a slow host
    # got a token back before the raw call and saw it admitted.
    ep.set_quota('ap-south-1', rate=0.001, burst=1)
    call(ep, 'quota-none', '+15550001000', region='ap-south-1')
    headers, raw = signed(ep, body_of('quota-none', '+15550001000'),
                          region='ap-south-1')
    status, resp, parsed, _ = send(ep, headers, raw)
    tap.is_((status, (parsed or {}).get('__type'),
             (parsed or {}).get('Message')),
            (400, 'com.amazonaws.pinpointsmsvoicev2#ThrottlingException',
             'Rate exceeded'), 'raw: the modeled ThrottlingException shape')
    tap.ok((resp.getheader('x-amzn-ErrorType') or '').startswith(
        'ThrottlingException:') and resp.getheader('x-amzn-RequestId'),
        'raw: x-amzn-ErrorType and x-amzn-RequestId')
    resp, err = call(ep, 'quota-none', '+15550001000', region='eu-west-2')
    tap.is_(err_code(err), 'ResourceNotFoundException',
            'another region has no quota: admitted')
    calls = ep.calls()
    tap.ok(all(c['quota'] == (c['code'] == 'ThrottlingException')
               for c in calls) and any(c['quota'] for c in calls),
           '/_test/calls marks quota throttling (code, quota: true)')
    time.sleep(0.45)
    resp, err = call(ep, 'quota-none', '+15550001000')
    tap.is_(err_code(err), 'ResourceNotFoundException',
            'a token is back after 1/rate seconds')

    # Hammer it: admitted calls follow burst + rate * elapsed.
    ep.set_quota('us-east-1', rate=20, burst=10)
    ep.reset()
    stop = time.monotonic() + 2.0

    def hammer():
        conn = http.client.HTTPConnection('127.0.0.1', ep.port, timeout=10)
        try:
            while time.monotonic() < stop:
                send(ep, *signed(ep, body_of('quota-none', '+15550001001')),
                     conn)
        finally:
            conn.close()

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    st = ep.stats()
    admitted = st['total'] - st['throttled']
    want = 10 + 20 * st['span']
    tap.ok(st['total'] > admitted and want - 4 <= admitted <= want + 2,
           'under load: %d of %d admitted over %.2fs (burst 10 + 20/s = '
           '%.1f)' % (admitted, st['total'], st['span'], want))
    tap.ok(abs(st['throttled_fraction'] - st['throttled'] / st['total'])
           < 1e-9 and st['quota_throttled'] == st['throttled'],
           'stats(): throttled fraction %.2f' % st['throttled_fraction'])
    tap.is_(sum(st['per_second']), st['total'], 'stats(): per_second sums')

    ep.set_quota(quota={'*': {'rate': 1, 'burst': 1}})
    kinds = [err_code(call(ep, 'quota-none', '+15550001000',
                           region=r)[1]) for r in ('eu-west-2', 'eu-west-2',
                                                   'ap-south-1')]
    tap.is_(kinds, ['ResourceNotFoundException', 'ThrottlingException',
                    'ResourceNotFoundException'],
            '"*" quota: a bucket for each region')
    ep.set_quota(quota={})
    kinds = {err_code(call(ep, 'quota-none', '+15550001000',
                           region='eu-west-2')[1]) for _ in range(3)}
    tap.is_(kinds, {'ResourceNotFoundException'}, 'quota removed')
    try:
        ep.set_quota('us-east-1', rate=-1)
        tap.ok(False, 'a negative rate is refused')
    except RuntimeError:
        tap.ok(True, 'a negative rate is refused')


def test_rate_faults(ep):
    """Probabilistic fault rules, match-all rules, x-amz-retry-after."""
    ep.reset()
    ep.set_faults([{'fault': 'ThrottlingException', 'rate': 0.3},
                   {'fault': 'InternalServerException', 'rate': 0.2}],
                  seed=11)
    tap.is_([r['times'] for r in ep.faults()], [-1, -1],
            'a rule with "rate" defaults to times -1')
    conn = http.client.HTTPConnection('127.0.0.1', ep.port, timeout=10)
    try:
        for _ in range(400):
            send(ep, *signed(ep, body_of('rates', '+15550002000')), conn)
    finally:
        conn.close()
    st = ep.stats()
    frac = {k: v / st['total'] for k, v in st['codes'].items()}
    tap.diag('fault fractions over %d calls: %s' % (
        st['total'], ', '.join('%s %.3f' % kv for kv in sorted(
            frac.items()))))
    tap.ok(0.24 <= frac.get('ThrottlingException', 0) <= 0.36 and
           0.15 <= frac.get('InternalServerException', 0) <= 0.25 and
           0.42 <= frac.get('ResourceNotFoundException', 0) <= 0.58,
           'rates 0.3 and 0.2 of every call (rules without number/list '
           'match all)')
    first = [(c['code']) for c in ep.calls()[:40]]
    ep.reset()
    ep.set_faults([{'fault': 'ThrottlingException', 'rate': 0.3},
                   {'fault': 'InternalServerException', 'rate': 0.2}],
                  seed=11)
    conn = http.client.HTTPConnection('127.0.0.1', ep.port, timeout=10)
    try:
        for _ in range(40):
            send(ep, *signed(ep, body_of('rates', '+15550002000')), conn)
    finally:
        conn.close()
    tap.is_([c['code'] for c in ep.calls()], first,
            'the same seed draws the same faults')

    ep.reset()
    ep.set_faults([{'number': '+15550002001', 'fault': 'html503',
                    'rate': 1.0, 'times': 3},
                   {'number': '+15550002001', 'fault': 'reset', 'rate': 0}])
    codes = [err_code(call(ep, 'rates', '+15550002001')[1])
             for _ in range(6)]
    tap.is_(codes, ['503'] * 3 + ['ResourceNotFoundException'] * 3,
            'rate 1 with times 3: three faults; rate 0 never fires')

    ep.set_faults([{'fault': 'ThrottlingException', 'retry_after_ms': 1500,
                    'times': 1}, {'fault': 'html503', 'retry_after_ms': 20}])
    status, resp, parsed, _ = send(ep, *signed(ep, body_of(
        'rates', '+15550002002')))
    tap.is_((status, (parsed or {}).get('__type', '').split('#')[-1],
             resp.getheader('x-amz-retry-after')),
            (400, 'ThrottlingException', '1500'),
            'retry_after_ms: x-amz-retry-after on a ThrottlingException')
    status, resp, _, _ = send(ep, *signed(ep, body_of(
        'rates', '+15550002002')))
    tap.is_((status, resp.getheader('x-amz-retry-after')), (503, '20'),
            'retry_after_ms on an html503')
    for bad in ({'fault': 'reset', 'rate': 1.5},
                {'fault': 'reset', 'retry_after_ms': -1}):
        try:
            ep.set_faults([bad])
            tap.ok(False, 'refused: %s' % bad)
        except RuntimeError:
            tap.ok(True, 'refused: %s' % bad)
    ep.reset()


def use_creds(ep, akid, secret, token, number):
    ep.add_lists({'region': 'us-east-1', 'name': 'issued',
                  'numbers': [number]})
    return call(ep, 'issued', number, akid=akid, secret=secret, token=token)


def iso_epoch(text):
    return datetime.datetime.strptime(text, '%Y-%m-%dT%H:%M:%SZ').replace(
        tzinfo=datetime.timezone.utc).timestamp()


def raw_request(ep, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection('127.0.0.1', ep.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp, resp.read()
    finally:
        conn.close()


def test_container_source(ep):
    from botocore.utils import ContainerMetadataFetcher
    from botocore.exceptions import MetadataRetrievalError
    ep.reset()
    ep.update(issue={'lifetime_s': 900}, container_token=None)
    before = time.time()
    got = ContainerMetadataFetcher().retrieve_full_uri(ep.container_url)
    tap.is_(sorted(got), ['AccessKeyId', 'Expiration', 'RoleArn',
                          'SecretAccessKey', 'Token'],
            'container: botocore reads the five members')
    tap.ok(got['AccessKeyId'].startswith('ASIA') and
           len(got['AccessKeyId']) == 20 and len(got['SecretAccessKey']) ==
           40 and len(got['Token']) > 100, 'container: ASIA key, secret, '
           'session token')
    exp = iso_epoch(got['Expiration'])
    tap.ok(before + 895 <= exp <= time.time() + 900,
           'container: Expiration is issue time + 900 s (%s)'
           % got['Expiration'])
    tap.is_(got['RoleArn'], 'arn:aws:iam::%s:role/optout-role' % ACCOUNT,
            'container: RoleArn')
    resp, err = use_creds(ep, got['AccessKeyId'], got['SecretAccessKey'],
                          got['Token'], '+15550003000')
    tap.ok(err is None, 'container credentials sign an accepted call')
    resp, err = use_creds(ep, got['AccessKeyId'], got['SecretAccessKey'],
                          None, '+15550003000')
    tap.is_(err_code(err), 'UnrecognizedClientException',
            'the issued key without its token is refused')

    ep.update(container_token='Bearer c0ntainer')
    try:
        ContainerMetadataFetcher().retrieve_full_uri(ep.container_url)
        tap.ok(False, 'container_token: no Authorization header is refused')
    except MetadataRetrievalError:
        tap.ok(True, 'container_token: no Authorization header is refused')
    status, _, _ = raw_request(ep, 'GET', '/_creds/container',
                               {'Authorization': 'Bearer wrong'})
    tap.is_(status, 401, 'container_token: a wrong token is 401')
    got = ContainerMetadataFetcher().retrieve_full_uri(
        ep.container_url, headers={'Authorization': 'Bearer c0ntainer'})
    tap.ok(got.get('AccessKeyId', '').startswith('ASIA'),
           'container_token: the right Authorization header is served')

    ep.update(container_token=None, issue={'fail': {'container': 1}})
    status1, _, _ = raw_request(ep, 'GET', '/_creds/container')
    status2, _, _ = raw_request(ep, 'GET', '/_creds/container')
    tap.is_((status1, status2), (500, 200),
            'issue.fail: the next fetch fails (500), then it works')
    fetches = ep.credential_fetches()
    tap.is_((fetches['counts']['container'],
             fetches['refused']['container']), (8, 5),
            '/_test/credential_fetches counts container fetches and '
            'refusals (botocore tries a refused fetch 3 times)')


def test_imds_source(ep):
    from botocore.utils import InstanceMetadataFetcher
    ep.reset()
    fetcher = InstanceMetadataFetcher(base_url=ep.url + '/', env={},
                                      num_attempts=1, timeout=5)
    got = fetcher.retrieve_iam_role_credentials()
    tap.is_(got.get('role_name'), 'optout-role',
            'IMDSv2: botocore gets token, role and credentials')
    tap.ok(got.get('access_key', '').startswith('ASIA') and
           got.get('token'), 'IMDS: temporary credentials')
    resp, err = use_creds(ep, got.get('access_key'), got.get('secret_key'),
                          got.get('token'), '+15550003001')
    tap.ok(err is None, 'IMDS credentials sign an accepted call')

    path = '/latest/meta-data/iam/security-credentials/'
    status, _, _ = raw_request(ep, 'GET', path)
    tap.is_(status, 401, 'IMDS: no session token is 401 (IMDSv2 only)')
    status, _, _ = raw_request(ep, 'GET', path,
                               {'X-aws-ec2-metadata-token': 'forged'})
    tap.is_(status, 401, 'IMDS: an unknown session token is 401')
    status, _, _ = raw_request(ep, 'PUT', '/latest/api/token')
    tap.is_(status, 400, 'IMDS: a token PUT without a TTL is 400')
    status, resp, token = raw_request(
        ep, 'PUT', '/latest/api/token',
        {'X-aws-ec2-metadata-token-ttl-seconds': '1'})
    tap.ok(status == 200 and resp.getheader(
        'X-aws-ec2-metadata-token-ttl-seconds') == '1',
        'IMDS: token issued with its TTL')
    hdr = {'X-aws-ec2-metadata-token': token.decode()}
    status, _, body = raw_request(ep, 'GET', path, hdr)
    tap.is_((status, body), (200, b'optout-role'), 'IMDS: the role name')
    status, _, body = raw_request(ep, 'GET', path + 'other-role', hdr)
    tap.is_(status, 404, 'IMDS: another role is 404')
    status, _, body = raw_request(ep, 'GET', path + 'optout-role', hdr)
    doc = json.loads(body) if status == 200 else {}
    tap.is_((doc.get('Code'), doc.get('Type'), sorted(doc)),
            ('Success', 'AWS-HMAC', ['AccessKeyId', 'Code', 'Expiration',
                                     'LastUpdated', 'SecretAccessKey',
                                     'Token', 'Type']),
            'IMDS: the credentials document')
    time.sleep(1.1)
    status, _, _ = raw_request(ep, 'GET', path, hdr)
    tap.is_(status, 401, 'IMDS: an expired session token is 401')
    ep.update(imds_v1=True, imds_role='other')
    status, _, body = raw_request(ep, 'GET', path)
    tap.is_((status, body), (200, b'other'),
            'imds_v1 and imds_role: IMDSv1 answers the configured role')
    ep.update(imds_v1=False, imds_role='optout-role')
    counts = ep.credential_fetches()['counts']
    tap.is_((counts['imds_token'], counts['imds_role'], counts['imds']),
            (3, 6, 3), '/_test/credential_fetches: IMDS token, role and '
            'credential requests')


def check_issued(resp, what, shape, lifetime, why, arn):
    """The credentials of an STS answer botocore parsed: their shape, their
    lifetime and the assumed role's ARN."""
    creds = resp.get('Credentials', {})
    tap.ok(creds.get('AccessKeyId', '').startswith('ASIA') and
           creds.get('SessionToken') and creds.get('SecretAccessKey'),
           '%s: botocore parses %s' % (what, shape))
    left = creds['Expiration'].timestamp() - time.time()
    tap.ok(lifetime - 10 <= left <= lifetime, '%s: Expiration is %s ahead '
           '(%.0f s)' % (what, why, left))
    tap.is_(resp.get('AssumedRoleUser', {}).get('Arn'), arn,
            '%s: AssumedRoleUser Arn' % what)
    return creds


def test_sts_source(ep):
    import botocore
    ep.reset()
    sts = _session.create_client(
        'sts', region_name='us-east-1', endpoint_url=ep.sts_url,
        config=Config(signature_version=botocore.UNSIGNED,
                      retries={'total_max_attempts': 1}))
    role = 'arn:aws:iam::%s:role/optout-role' % ACCOUNT
    ep.update(web_identity_token=None, issue={'lifetime_s': 1200})
    resp = sts.assume_role_with_web_identity(
        RoleArn=role, RoleSessionName='optout-test',
        WebIdentityToken='eyJhbGciOiJSUzI1NiJ9.e30.sig')
    creds = check_issued(
        resp, 'STS', 'AssumeRoleWithWebIdentityResponse', 1200,
        'issue.lifetime_s', 'arn:aws:sts::%s:assumed-role/optout-role/'
        'optout-test' % ACCOUNT)
    tap.ok(resp.get('SubjectFromWebIdentityToken') and
           resp['ResponseMetadata'].get('RequestId'),
           'STS: SubjectFromWebIdentityToken and RequestId')
    resp2, err = use_creds(ep, creds['AccessKeyId'], creds['SecretAccessKey'],
                           creds['SessionToken'], '+15550003002')
    tap.ok(err is None, 'STS credentials sign an accepted call')

    ep.update(web_identity_token='the-right-token')
    try:
        sts.assume_role_with_web_identity(
            RoleArn=role, RoleSessionName='optout-test',
            WebIdentityToken='a-wrong-token')
        err = None
    except ClientError as e:
        err = e.response
    tap.is_((err_code(err), err_status(err),
             (err or {}).get('Error', {}).get('Type')),
            ('InvalidIdentityToken', 400, 'Sender'),
            'STS: a wrong web identity token: InvalidIdentityToken (XML)')
    resp = sts.assume_role_with_web_identity(
        RoleArn=role, RoleSessionName='optout-test',
        WebIdentityToken='the-right-token')
    tap.ok(resp['Credentials']['AccessKeyId'].startswith('ASIA'),
           'STS: the right token is accepted')
    status, resp, body = raw_request(
        ep, 'POST', '/_sts/',
        {'Content-Type': 'application/x-www-form-urlencoded'},
        'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=' +
        role + '&WebIdentityToken=the-right-token')
    tap.ok(status == 400 and b'<Code>ValidationError</Code>' in body and
           b"'roleSessionName'" in body and b'<Type>Sender</Type>' in body,
           'STS: a missing RoleSessionName is a ValidationError')
    status, _, body = raw_request(
        ep, 'POST', '/_sts/',
        {'Content-Type': 'application/x-www-form-urlencoded'},
        'Action=GetCallerIdentity&Version=2011-06-15')
    tap.ok(status == 400 and b'InvalidAction' in body,
           'STS: another action is InvalidAction')
    status, _, body = raw_request(
        ep, 'POST', '/',
        {'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'},
        'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=' +
        role + '&RoleSessionName=s1&WebIdentityToken=the-right-token')
    tap.ok(status == 200 and b'<AccessKeyId>ASIA' in body,
           'STS: a form POST to / is served as STS too')
    ep.update(web_identity_token=None)
    fetches = ep.credential_fetches()
    tap.is_((fetches['counts']['sts'], fetches['refused']['sts']), (6, 3),
            '/_test/credential_fetches: STS calls and refusals')
    tap.ok(all(f['detail'] and f['detail'].get('role_arn') == role
               for f in fetches['fetches'] if f['source'] == 'sts' and
               f['status'] == 200), 'fetch log: role ARN of each call')
    status, _, body = raw_request(
        ep, 'GET', '/_sts/?Action=AssumeRoleWithWebIdentity&Version='
        '2011-06-15&RoleArn=%s&RoleSessionName=s2&WebIdentityToken=t' % role)
    tap.ok(status == 200 and b'<SessionToken>' in body,
           'STS: the query as a GET works too')


def sts_client(ep, akid=lib.TEST_AKID, secret=lib.TEST_SECRET, token=None):
    return _session.create_client(
        'sts', region_name='eu-west-2', endpoint_url=ep.sts_url,
        aws_access_key_id=akid, aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(retries={'total_max_attempts': 1}))


def sts_err(fn, **kw):
    try:
        fn(**kw)
        return None
    except ClientError as e:
        return e.response


def test_assume_role(ep):
    """AssumeRole signed by botocore's STS client, parsed by botocore."""
    ep.reset()
    other = '210987654321'
    role = 'arn:aws:iam::%s:role/optout-eraser' % other
    ep.update(issue={'lifetime_s': 1200}, roles={
        role: {'trusted': [lib.TEST_AKID], 'external_id': 'ext-42'}})
    sts = sts_client(ep)
    resp = sts.assume_role(RoleArn=role, RoleSessionName='optout-test',
                           ExternalId='ext-42', DurationSeconds=900)
    creds = check_issued(
        resp, 'AssumeRole', 'AssumeRoleResponse', 900,
        'DurationSeconds (shorter than issue.lifetime_s)',
        'arn:aws:sts::%s:assumed-role/optout-eraser/optout-test' % other)
    other_arn = 'arn:aws:sms-voice:us-east-1:%s:opt-out-list/marketing' \
        % other
    _, err = call(ep, other_arn, '+15550003003',
                  akid=creds['AccessKeyId'], secret=creds['SecretAccessKey'],
                  token=creds['SessionToken'])
    tap.ok(err_code(err) == 'ResourceNotFoundException' and
           'opt-out-list' in str(err),
           'AssumeRole credentials: the role account has no list yet')
    ep.add_lists({'region': 'us-east-1', 'name': 'marketing',
                  'account': other, 'numbers': ['+15550003003']})
    resp, err = call(ep, other_arn, '+15550003003',
                     akid=creds['AccessKeyId'],
                     secret=creds['SecretAccessKey'],
                     token=creds['SessionToken'])
    tap.ok(err is None and resp['OptOutListArn'] == other_arn,
           'AssumeRole credentials act on the role account\'s list ARNs '
           '(botocore parses the answer, its ARN names the account)')
    mine = client(ep, akid=creds['AccessKeyId'],
                  secret=creds['SecretAccessKey'],
                  token=creds['SessionToken']).describe_opt_out_lists()
    tap.is_([x['OptOutListArn'] for x in mine['OptOutLists']], [other_arn],
            'DescribeOptOutLists with the role\'s keys: its account\'s '
            'lists only')
    theirs = client(ep).describe_opt_out_lists()
    tap.ok(other_arn not in [x['OptOutListArn']
                             for x in theirs['OptOutLists']],
           'and the chain\'s keys do not see them')
    back = [x for x in ep.lists() if x.get('account') == other]
    tap.is_([(x['arn'], x['numbers']) for x in back], [(other_arn, [])],
            '/_test/lists: the list with its account, the number gone')
    _, err = call(ep, 'arn:aws:sms-voice:us-east-1:%s:opt-out-list/'
                  'marketing' % ACCOUNT, '+15550003003',
                  akid=creds['AccessKeyId'], secret=creds['SecretAccessKey'],
                  token=creds['SessionToken'])
    tap.is_(err_code(err), 'ResourceNotFoundException',
            'AssumeRole credentials: another account\'s list ARN is not found')
    err = sts_err(sts.assume_role, RoleArn=role, RoleSessionName='s1',
                  ExternalId='wrong')
    tap.is_((err_code(err), err_status(err),
             (err or {}).get('Error', {}).get('Type')),
            ('AccessDenied', 403, 'Sender'),
            'AssumeRole: a wrong ExternalId is AccessDenied (403, XML)')
    err = sts_err(sts.assume_role, RoleArn=role, RoleSessionName='s1')
    tap.is_(err_code(err), 'AccessDenied', 'AssumeRole: no ExternalId when '
            'the trust asks one is AccessDenied')
    ep.update(credentials=[{'akid': lib.TEST_AKID, 'secret': lib.TEST_SECRET},
                           {'akid': 'AKIDOTHER', 'secret': 'other'}])
    err = sts_err(sts_client(ep, 'AKIDOTHER', 'other').assume_role,
                  RoleArn=role, RoleSessionName='s1', ExternalId='ext-42')
    tap.ok(err_code(err) == 'AccessDenied' and 'sts:AssumeRole' in
           err['Error'].get('Message', ''),
           'AssumeRole: a key the role does not trust is AccessDenied')
    err = sts_err(sts_client(ep, secret='wrong').assume_role,
                  RoleArn=role, RoleSessionName='s1', ExternalId='ext-42')
    tap.is_((err_code(err), err_status(err)), ('SignatureDoesNotMatch', 403),
            'AssumeRole: a bad signature is SignatureDoesNotMatch (403)')
    err = sts_err(sts_client(ep, 'AKIDNOBODY', 'x').assume_role,
                  RoleArn=role, RoleSessionName='s1', ExternalId='ext-42')
    tap.is_(err_code(err), 'InvalidClientTokenId',
            'AssumeRole: an unknown key is InvalidClientTokenId')
    err = sts_err(sts_client(ep).assume_role, RoleArn=role,
                  RoleSessionName='bad name', ExternalId='ext-42')
    tap.ok(err_code(err) == 'ValidationError' and 'roleSessionName' in
           err['Error'].get('Message', ''),
           'AssumeRole: a bad session name is a ValidationError')
    free = 'arn:aws:iam::%s:role/anyone' % ACCOUNT
    resp = sts.assume_role(RoleArn=free, RoleSessionName='s2')
    left = resp['Credentials']['Expiration'].timestamp() - time.time()
    tap.ok(1190 <= left <= 1200, 'AssumeRole: a role not in "roles" trusts '
           'any key; lifetime issue.lifetime_s below 3600 (%.0f s)' % left)
    status, _, body = raw_request(
        ep, 'POST', '/_sts/',
        {'Content-Type': 'application/x-www-form-urlencoded'},
        'Action=AssumeRole&Version=2011-06-15&RoleArn=' + free +
        '&RoleSessionName=s3')
    tap.ok(status == 403 and b'<Code>MissingAuthenticationToken</Code>'
           in body, 'AssumeRole: unsigned is MissingAuthenticationToken')
    fetches = ep.credential_fetches()
    tap.is_((fetches['counts']['assume_role'],
             fetches['refused']['assume_role']), (9, 7),
            '/_test/credential_fetches: AssumeRole calls and refusals')
    ok = [f for f in fetches['fetches'] if f['source'] == 'assume_role' and
          f['status'] == 200]
    tap.ok(ok[0]['detail']['signer'] == lib.TEST_AKID and
           ok[0]['detail']['role_arn'] == role,
           'fetch log: the signing key and role of each AssumeRole')
    ep.update(credentials=[{'akid': lib.TEST_AKID,
                            'secret': lib.TEST_SECRET}], roles={})


def test_issued_expiry(ep):
    ep.reset()
    ep.update(issue={'lifetime_s': 2})
    status, _, body = raw_request(ep, 'GET', '/_creds/container')
    got = json.loads(body)
    resp, err = use_creds(ep, got['AccessKeyId'], got['SecretAccessKey'],
                          got['Token'], '+15550003003')
    tap.ok(err is None, 'short-lived credentials work while valid')
    issued = ep.credential_fetches()['issued']
    mine = [i for i in issued if i['akid'] == got['AccessKeyId']]
    tap.ok(mine and mine[0]['source'] == 'container' and
           mine[0]['expiration'] == got['Expiration'] and
           not mine[0]['expired'],
           '/_test/credential_fetches lists the issued key and its expiry')
    wait = iso_epoch(got['Expiration']) - time.time() + 0.2
    time.sleep(max(0.0, wait))
    resp, err = use_creds(ep, got['AccessKeyId'], got['SecretAccessKey'],
                          got['Token'], '+15550003003')
    tap.is_((err_code(err), err_status(err),
             (err or {}).get('Error', {}).get('Message')),
            ('ExpiredTokenException', 403,
             'The security token included in the request is expired'),
            'after Expiration: ExpiredTokenException')
    headers, raw = signed(ep, body_of('issued', '+15550003003'),
                          akid=got['AccessKeyId'],
                          secret=got['SecretAccessKey'], token=got['Token'])
    status, _, parsed, _ = send(ep, headers, raw)
    tap.is_((parsed or {}).get('__type'),
            'com.amazon.coral.service#ExpiredTokenException',
            'raw: the coral ExpiredTokenException shape')
    tap.ok(ep.credential_fetches()['issued'][-1]['expired'],
           'the fetch report marks it expired')

    ep.update(issue={'lifetime_s': 900})
    status, _, body = raw_request(ep, 'GET', '/_creds/container')
    got = json.loads(body)
    tap.is_(ep.expire_credentials(got['AccessKeyId']), [got['AccessKeyId']],
            'expire_credentials(akid)')
    resp, err = use_creds(ep, got['AccessKeyId'], got['SecretAccessKey'],
                          got['Token'], '+15550003003')
    tap.is_(err_code(err), 'ExpiredTokenException',
            'an expired-on-demand key: ExpiredTokenException')
    tap.ok(len(ep.expire_credentials()) >= 5,
           'expire_credentials(): every issued key')

    # update() changes only what it names: the lists survive.
    ep.add_lists({'region': 'us-east-1', 'name': 'keep',
                  'numbers': ['+15550003004', '+15550003005']})
    ep.set_credentials([])
    resp, err = call(ep, 'keep', '+15550003004')
    tap.is_(err_code(err), 'UnrecognizedClientException',
            'set_credentials([]): the test key is unknown')
    ep.set_credentials(base_state()['credentials'])
    resp, err = call(ep, 'keep', '+15550003004')
    tap.ok(err is None, 'credentials restored; the lists were kept')
    ep.set_credentials(['%s:%s' % (lib.TEST_AKID, lib.TEST_SECRET),
                        {'akid': 'AKIDDENY2', 'secret': 's',
                         'denied': True}])
    resp, err = call(ep, 'keep', '+15550003005', akid='AKIDDENY2',
                     secret='s')
    tap.is_(err_code(err), 'AccessDeniedException',
            'set_credentials: "AKID:SECRET" strings and a denied key')
    try:
        ep.update(no_such_key=1)
        tap.ok(False, 'an unknown state key is refused')
    except RuntimeError:
        tap.ok(True, 'an unknown state key is refused')
    ep.set_credentials(base_state()['credentials'])
    ep.update(issue={})
    ep.reset()


def test_vectors(ep):
    path = os.path.join(lib.shared_data(), 'sms-voice-vectors.json')
    if not os.path.exists(path):
        tap.skip('no %s' % path, 2)
        return
    with open(path, encoding='utf-8') as f:
        cases = json.load(f)['cases']
    good = []
    for case in cases:
        inp = case['inputs']
        out = case['botocore_output']
        signed_at = datetime.datetime.strptime(
            out['x_amz_date'], '%Y%m%dT%H%M%SZ').replace(
                tzinfo=datetime.timezone.utc).timestamp()
        name = inp['OptOutListName'].rsplit('/', 1)[-1]
        ep.set_state({
            'clock_offset': signed_at + 30 - time.time(),
            'credentials': [{'akid': inp['access_key_id'],
                             'secret': inp['secret_access_key'],
                             'token': inp['session_token']}],
            'lists': [{'region': inp['region'], 'name': name,
                       'numbers': [inp['OptedOutNumber']]}]})
        ep.reset()
        host = out['url'].split('/')[2]
        headers = {'Host': host}
        for k, v in out['headers']:
            headers[k] = v
        status, _, parsed, _ = send(ep, headers, out['body'].encode('utf-8'))
        calls = ep.calls()
        ok = bool(calls) and calls[-1]['signature_ok'] and status != 403
        if not ok:
            tap.diag('%s: HTTP %d %s' % (case['id'], status, parsed))
        good.append(ok)
    tap.ok(all(good) and len(good) == len(cases),
           'all %d botocore vectors verify (%d ok)' % (len(cases),
                                                      sum(good)))
    case = cases[0]
    out = case['botocore_output']
    headers = {'Host': out['url'].split('/')[2]}
    for k, v in out['headers']:
        headers[k] = v.replace(out['signature'], out['signature'][::-1])
    status, _, _, _ = send(ep, headers, out['body'].encode('utf-8'))
    tap.is_(status, 403, 'a vector with a mangled signature is refused')
    ep.set_state(base_state())


def test_cli(tmp):
    state_path = os.path.join(tmp, 'state.json')
    port_path = os.path.join(tmp, 'port')
    with open(state_path, 'w', encoding='utf-8') as f:
        json.dump({'lists': [{'name': 'from-file',
                              'numbers': ['+14155550999']}]}, f)
    proc = lib._spawn([sys.executable, lib.endpoint_path(), '--port', '0',
                       '--port-file', port_path, '--state', state_path,
                       '--quiet'], stdout=subprocess.PIPE,
                      stderr=subprocess.DEVNULL)
    line = lib._read_line(proc.stdout, 15)
    tap.ok(line and line.startswith('LISTENING '), 'endpoint prints '
           'LISTENING <port>')
    port = None
    try:
        with open(port_path, encoding='ascii') as f:
            port = int(f.read())
    except (OSError, ValueError):
        pass
    tap.ok(line and port == int(line.split()[1]), '--port-file has the port')

    class Fake:
        pass
    fake = Fake()
    fake.port = port
    fake.url = 'http://127.0.0.1:%s' % port
    if port:
        status, _, parsed, _ = send(fake, *signed(
            fake, body_of('from-file', '+14155550999')))
        tap.is_(status, 200, '--state loads lists; default credentials work')
    else:
        tap.skip('no port', 1)
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(10)
    except subprocess.TimeoutExpired:
        rc = None
    tap.is_(rc, 0, 'SIGTERM: clean exit 0')


# ---------------------------------------------------------------- mockkafka

def test_mockkafka():
    from confluent_kafka import Consumer, TopicPartition
    with lib.Cluster(topics=('requests:2', 'results:1'), brokers=3) as kc:
        tap.ok(kc.bootstrap.count(',') == 2 and '127.0.0.1:' in kc.bootstrap,
               'mockkafka: BOOTSTRAP lists three brokers')
        placed = lib.produce(kc.bootstrap, 'requests', [
            (b'k1', '{"RequestId": "r1"}', 1),
            ('k2', {'RequestId': 'r2'}, 0)])
        tap.is_(placed, [(1, 0), (0, 0)], 'produce: partitions and offsets')
        got = lib.consume_all(kc.bootstrap, 'requests', 2, timeout=20)
        got.sort(key=lambda r: r['partition'])
        tap.is_([(r['key'], r['json'], r['partition'], r['offset'])
                 for r in got],
                [(b'k2', {'RequestId': 'r2'}, 0, 0),
                 (b'k1', {'RequestId': 'r1'}, 1, 0)],
                'consume_all reads every partition from the start')
        tap.is_(got[0]['value'] if got else None, b'{"RequestId": "r2"}',
                'consume_all: value is the raw bytes')

        tap.is_(kc.command('broker_down 2'), 'ok', 'broker_down 2')
        tap.is_(kc.command('broker_up 2'), 'ok', 'broker_up 2')
        tap.is_(kc.command('leader requests 0 1'), 'ok', 'leader')
        tap.is_(kc.command('coordinator group g-test 1'), 'ok', 'coordinator')
        tap.is_(kc.command('topic extra 3'), 'ok', 'topic')
        tap.is_(kc.command('rtt 3 5'), 'ok', 'rtt')
        tap.is_(kc.command('errors Produce _TRANSPORT'), 'ok', 'errors')
        tap.is_(kc.command('clear_errors Produce'), 'ok', 'clear_errors')
        tap.ok(kc.command('no_such_command').startswith('error '),
               'an unknown command answers error')
        tap.ok(kc.command('broker_down x').startswith('error '),
               'a bad argument answers error')

        lib.produce(kc.bootstrap, 'requests', [(None, 'after', 0)])
        got = lib.consume_all(kc.bootstrap, 'requests', 3, timeout=20)
        tap.is_(len(got), 3, 'the cluster still works after the commands')

        tap.is_(lib.committed(kc.bootstrap, 'g-none', 'requests', 2),
                {0: -1001, 1: -1001}, 'committed(): nothing for a new group')
        c = Consumer({'bootstrap.servers': kc.bootstrap, 'group.id': 'g-test',
                      'enable.auto.commit': False})
        try:
            c.commit(offsets=[TopicPartition('requests', 0, 2),
                              TopicPartition('requests', 1, 1)],
                     asynchronous=False)
        finally:
            c.close()
        tap.is_(lib.committed(kc.bootstrap, 'g-test', 'requests', [0, 1]),
                {0: 2, 1: 1}, 'committed(): a group\'s committed offsets')

        kc.proc.stdin.close()
        try:
            rc = kc.proc.wait(10)
        except subprocess.TimeoutExpired:
            rc = None
        tap.is_(rc, 0, 'mockkafka --stdin-control stops at EOF, exit 0')

    with lib.Cluster(topics=('t:1',), brokers=1) as kc:
        kc.proc.send_signal(signal.SIGTERM)
        try:
            rc = kc.proc.wait(10)
        except subprocess.TimeoutExpired:
            rc = None
        tap.is_(rc, 0, 'mockkafka: SIGTERM, exit 0')


def main():
    with lib.Endpoint() as ep:
        ep.set_state(base_state())
        test_describe(ep)
        test_success_and_state(ep)
        test_validation(ep)
        test_error_wire_shape(ep)
        test_auth(ep)
        test_faults(ep)
        test_broken_answers(ep)
        test_call_log_and_keepalive(ep)
        test_curl_signer(ep)
        test_concurrency(ep)
        test_quota(ep)
        test_rate_faults(ep)
        test_container_source(ep)
        test_imds_source(ep)
        test_sts_source(ep)
        test_assume_role(ep)
        test_issued_expiry(ep)
        test_vectors(ep)
        rc = ep.stop()
        tap.is_(rc, 0, 'endpoint stops cleanly on SIGTERM')
    test_cli(lib.tempdir())
    if os.access(lib.mockkafka_path(), os.X_OK):
        test_mockkafka()
    else:
        tap.skip('mockkafka not built', 1)
    tap.done()


if __name__ == '__main__':
    main()
