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
byte for byte and must verify. Finally confluent_kafka produces to and
consumes from mockkafka, whose control commands must answer.
"""

import datetime
import http.client
import json
import os
import shutil
import signal
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
        test_success_and_state(ep)
        test_validation(ep)
        test_error_wire_shape(ep)
        test_auth(ep)
        test_faults(ep)
        test_call_log_and_keepalive(ep)
        test_curl_signer(ep)
        test_concurrency(ep)
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
