#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""endpoint.py - a local stand-in for the Pinpoint SMS Voice V2 API.

It serves the action the daemon calls, DeleteOptedOutNumber, and the
read-only DescribeOptOutLists that its --preflight calls, over real HTTP/1.1
with keep-alive, and judges every request the way the service would,
but without sharing a line of code with the daemon's own signer: the SigV4
signature is recomputed with botocore's SigV4Auth from the headers the client
listed in SignedHeaders and the exact body bytes it sent. Input constraints,
error shapes and HTTP status codes are read from botocore's service model
(data/pinpoint-sms-voice-v2/2022-03-31/service-2.json), so a test that passes
here passes against the real wire format.

Like the real service, every answer of the service's shape (success, modeled
error, framework error, even the "garbage" fault) carries x-amzn-RequestId;
the faults that stand for something else in the way (html503, http:<code>,
proxy[:<code>]: a load balancer, a proxy, a WAF, a captive portal) carry
neither it nor an error type.

State (credentials, opt-out lists per region, fault rules, the call log) is
kept in memory behind one lock and is driven by tests through an unsigned JSON
control interface under /_test/ on the same port (loopback only). The state
format, fault rules and the choices made where the real service is not
documented are described in ENDPOINT_NOTES below and printed by --help.

Only the Python standard library and botocore are used. Run with the Debian
interpreter (/usr/bin/python3), which has python3-botocore.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import random
import re
import secrets
import signal
import socket
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape as xml_escape

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

ENDPOINT_NOTES = """\
control interface (unsigned JSON, loopback only):
  POST /_test/state   replace the whole state; keys left out take their
                      start-up values (account 123456789012, the --credentials,
                      no lists, clock_offset 0, no quota, ...)
  POST /_test/update  replace only the keys given (e.g. {"credentials": []}
                      or {"quota": ...}); "lists" are merged as below
  GET  /_test/state   the current state in the same format
  POST /_test/lists   add lists or merge into existing ones (a list, or
                      {"lists": [...]}); numbers and recently_deleted are
                      merged, denied is replaced when given
  GET  /_test/lists   current lists with their numbers and deletions
  POST /_test/faults  replace the fault rules (a list, or {"faults": [...],
                      "seed": N} to make "rate" draws repeatable)
  GET  /_test/faults  remaining fault rules
  POST /_test/release ends the wait of every call held by a "hold" fault,
                      now and until the fault rules are next replaced
  GET  /_test/calls   every API call received, in arrival order: time (Unix
                      s), seq, region, akid, list, number, status, code
                      (error code, or the fault kind), fault, quota (true
                      when the region's quota throttled it), signature_ok,
                      request_id, target, signed_headers, token_sent
  GET  /_test/credential_fetches
                      {"counts": {kind: requests}, "refused": {kind: non-200
                      answers}, "fetches": [{time, source, status, akid,
                      detail}], "issued": [{akid, source, issued_at,
                      expires_at, expiration, expired}]}; kinds: container,
                      imds_token, imds_role, imds (credentials), sts,
                      assume_role
  POST /_test/expire_credentials
                      {"akid": A} expires that credential now (issued or
                      static); {} expires every issued credential
  POST /_test/reset   clear the call log, the fault rules and the fetch log
                      (issued credentials stay valid)

state:
  {"account": "123456789012",
   "clock_offset": 0,            seconds added to this host's clock for the
                                 X-Amz-Date check and the Date header
   "credentials": [{"akid": "...", "secret": "...", "token": null,
                    "expired": false, "denied": false}],
   "lists": [{"region": "us-east-1", "name": "marketing",
              "account": "123456789012",  (default: the state's account;
                                 another account's list is seen only by
                                 credentials acting in that account, such
                                 as a role's: DescribeOptOutLists and
                                 DeleteOptedOutNumber)
              "numbers": ["+14155550100",
                          {"number": "+14155550101", "opted_out_at": 1.7e9,
                           "end_user": false}],
              "recently_deleted": ["+14155550102",
                                   {"number": "...", "deleted_at": 1.7e9}],
              "denied": false}],
   "quota": {"us-east-1": {"rate": 10, "burst": 10}},
                                 a token bucket per region ("*": every
                                 region without its own entry, each with its
                                 own bucket); burst defaults to max(1, rate)
   "issue": {"lifetime_s": 900,  lifetime of issued credentials
             "fail": {"container": 0, "imds": 0, "sts": 0,
                      "assume_role": 0}},
                                 the next N fetches from that source fail
                                 (500; -1 = always)
   "container_token": null,      when set, GET /_creds/container needs
                                 exactly this Authorization header
   "imds_role": "optout-role",   the instance profile role name
   "imds_v1": false,             true: IMDS answers without a session token
   "web_identity_token": null,   when set, AssumeRoleWithWebIdentity needs
                                 exactly this WebIdentityToken
   "roles": {}}                  the trust of roles for AssumeRole:
                                 {"<role ARN>": {"trusted": ["AKID", ...],
                                 "external_id": "..."}}; a role not named
                                 here trusts every key; "trusted" absent =
                                 every key; "external_id" absent = none
                                 asked (one sent anyway is accepted)
  A number given as a string was opted out by the end user when the list was
  loaded. "recently_deleted" records an earlier deletion (default: one day
  ago); deleting that number again while it is (re-)listed and the deletion
  is less than 30 days old answers ConflictException.

fault rules, checked in order before normal processing; the first rule that
matches (number / list / region / akid, each optional: a rule without them
matches every call; list matching the name or ARN as sent or the resolved
name) consumes one of its "times" (default 1, -1 = always). A rule with
"rate": P (0..1) fires on that fraction of the calls it matches ("times"
then defaults to -1 and still limits it): rules with a rate share one random
draw per call and take consecutive slices of [0, 1), so rules with rates 0.2
and 0.15 fire on 20% and 15% of the calls both match. "retry_after_ms": N
adds the header x-amz-retry-after: N to the fault's answer.
  "<ExceptionName>" or "<ExceptionName>:<Reason>"  that error, real shape
                  (x-amzn-RequestId and x-amzn-ErrorType, like every answer
                  of the real service)
  "html503"       503 text/html page, no error type, no request id
  "http:<code>"   that status with a text/plain body, no error type, no
                  request id
  "proxy" or "proxy:<code>"
                  what a proxy, WAF or captive portal in the way answers:
                  that status (default 403; 403, 404, 407 and a
                  gateway's 502, 503 and 504 are the usual ones, any of
                  100..599 is taken) with its own text/html
                  page, no x-amzn-RequestId and no error type; 407 also
                  sends Proxy-Authenticate: Basic realm="proxy".  The call
                  is logged with code "proxy".  Example, every call of one
                  number:  POST /_test/faults
                  [{"number": "+14155550100", "fault": "proxy:407",
                    "times": -1}]
  "garbage"       200 with a body that is not JSON (with a request id)
  "reset"         the connection is reset (RST) without a response
  "close"         the connection is closed (FIN) without a response
                  (libcurl silently resends a request whose reused
                  connection dies before any answer, on another
                  connection, up to 5 times: use times 7 or more to be
                  sure a reset reaches the caller)
  "slow:<ms>"     wait, then process the request normally
  "hold:<ms>"     like slow, but the wait ends early at POST /_test/release
                  (so a test can hold a call for as long as it measures
                  something else, however slow the machine)
  "bloated:<n>"   process the request normally; a success answers with n
                  extra members ("00000": 0, "00001": 0, ...; default
                  100000: a body of about 1 MB) before the modelled ones,
                  as a hostile or broken service might
  The faults below stand for answers broken on the wire; none of them
  processes the request (the number stays on its list), and each is logged
  with its kind as the code:
  "truncated"     200 with a request id and a Content-Length 100 bytes
                  larger than the body sent, then the connection closes
  "cut"           200 with a request id, half of the body sent, then the
                  connection is reset (RST) mid-answer
  "slowloris:<ms>"
                  a 200 answer whose status line and headers come one byte
                  every <ms> milliseconds (then the body at once), as long
                  as the client keeps the connection open
  "slowbody:<ms>" the headers of a 200 answer at once, then its body one
                  byte every <ms> milliseconds
  "huge:<n>"      200 with a request id and a JSON object body of n bytes
                  (default 4194304; give more than the client's cap: under
                  it the body is a JSON object, a success without the
                  modelled members)

quota: after a call authenticates (faults come first), its signing region's
bucket must hold a token, else ThrottlingException (400, "Rate exceeded");
throttled calls take no token.

credential sources (same port, unsigned; every successful fetch issues new
temporary credentials: ASIA... key, secret, session token, accepted by the
API until issued + issue.lifetime_s, then ExpiredTokenException):
  GET  /_creds/container   container credentials (ECS/EKS full URI):
                           {"AccessKeyId", "SecretAccessKey", "Token",
                            "Expiration", "RoleArn"}; 401 without the
                           container_token when one is set
  PUT  /latest/api/token   IMDSv2 session token (needs header
                           X-aws-ec2-metadata-token-ttl-seconds: 1..21600,
                           else 400)
  GET  /latest/meta-data/iam/security-credentials/
                           the role name (needs X-aws-ec2-metadata-token
                           of a live token, else 401, unless imds_v1)
  GET  /latest/meta-data/iam/security-credentials/<role>
                           {"Code": "Success", "LastUpdated", "Type":
                            "AWS-HMAC", "AccessKeyId", "SecretAccessKey",
                            "Token", "Expiration"}; another role: 404
  POST /_sts/ (or GET /_sts/?..., or any form-encoded POST without
                           X-Amz-Target)
                           STS AssumeRoleWithWebIdentity (awsQuery, version
                           2011-06-15): the XML response; errors in the
                           <ErrorResponse> shape: ValidationError,
                           InvalidAction, InvalidIdentityToken (400) when
                           web_identity_token is set and differs;
                           DurationSeconds is checked (900..43200) but the
                           lifetime is issue.lifetime_s
  POST /_sts/ Action=AssumeRole (or any form POST as above)
                           STS AssumeRole, SigV4-signed for service "sts"
                           with a known credential (checked with botocore
                           like the API; auth errors are STS's XML ones,
                           403: IncompleteSignature, SignatureDoesNotMatch,
                           InvalidClientTokenId, ExpiredToken); RoleArn,
                           RoleSessionName, ExternalId, DurationSeconds
                           (900..43200) are validated; a role whose trust
                           (state "roles") does not name the signing key,
                           or whose external_id differs from ExternalId, is
                           AccessDenied (403). The issued credentials last
                           min(DurationSeconds or 3600, issue.lifetime_s)
                           and act in the role's account: a list ARN they
                           name must be of that account

choices where the real service is not documented:
  - modeled errors use the model's error.httpStatusCode when present, else
    500 for fault shapes and 400 for the others (the Smithy default; the
    2022-03-31 model has no httpError traits): ThrottlingException 400,
    InternalServerException 500, the rest 400.
  - authentication errors are coral framework errors with HTTP 403:
    IncompleteSignatureException, InvalidSignatureException,
    MissingAuthenticationTokenException, UnrecognizedClientException,
    ExpiredTokenException (AWS's common errors list them as 403); body
    {"__type": "com.amazon.coral.service#X", "message": ...}. A wrong or
    missing X-Amz-Target or Content-Type is a 400 UnknownOperationException,
    a body that is not a JSON object or a member of the wrong JSON type a
    400 SerializationException.
  - the list may be named by ARN arn:<partition>:sms-voice:<region>:<account>:
    opt-out-list/<name>; an ARN of another region than the signing region or
    of another account is ResourceNotFoundException (opt-out-list); an
    "arn:" string that does not parse, or names another service or resource
    type, is ValidationException with Reason INVALID_ARN.
  - the list missing: ResourceNotFoundException, ResourceType opt-out-list,
    ResourceId as sent; the number not on it: ResourceType opted-out-number,
    ResourceId the number.
  - a number deleted less than 30 days ago and listed again:
    ConflictException, Reason RESOURCE_DELETION_NOT_ALLOWED, ResourceType
    opted-out-number.
  - "denied": true on a list is an IAM-style AccessDeniedException without a
    Reason; "denied": "<Reason>" (ACCOUNT_DISABLED,
    INSUFFICIENT_ACCOUNT_REPUTATION) sends that Reason. "denied" on a
    credential denies every call made with it.
  - OptedOutTimestamp in a success is when the number was opted out.
  - DescribeOptOutLists lists the signing region's lists by name (or only
    the OptOutListNames asked for: an unknown one is
    ResourceNotFoundException), MaxResults (1..100, default 100) per page,
    NextToken an opaque string; CreatedTimestamp is the list's
    "created_at" (default: when the state first named it). Owner SHARED
    lists nothing. A credential's "denied" denies it too, and its
    "describe_denied" (true or a Reason) denies only this action; a list's
    "denied" does not (the action is granted on the account's lists).
"""

SERVICE = 'pinpoint-sms-voice-v2'
SIGNING_NAME = 'sms-voice'
SERVICE_NS = 'com.amazonaws.pinpointsmsvoicev2'
CORAL_NS = 'com.amazon.coral.service'
OPERATION = 'DeleteOptedOutNumber'
DESCRIBE = 'DescribeOptOutLists'
CONTENT_TYPE = 'application/x-amz-json-1.0'
DEFAULT_ACCOUNT = '123456789012'
DEFAULT_CREDENTIALS = 'AKIDTESTEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
MAX_SKEW = 300
REDELETE_WINDOW = 30 * 86400
MAX_BODY = 1 << 20
AMZ_DATE = '%Y%m%dT%H%M%SZ'
DEFAULT_LIFETIME = 900
DEFAULT_IMDS_ROLE = 'optout-role'
AKID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
CRED_SOURCES = ('container', 'imds', 'sts', 'assume_role')
FETCH_KINDS = ('container', 'imds_token', 'imds_role', 'imds', 'sts',
               'assume_role')
STS_AUTH_CODES = {'IncompleteSignatureException': 'IncompleteSignature',
                  'InvalidSignatureException': 'SignatureDoesNotMatch',
                  'UnrecognizedClientException': 'InvalidClientTokenId',
                  'ExpiredTokenException': 'ExpiredToken',
                  'MissingAuthenticationTokenException':
                      'MissingAuthenticationToken'}
ROLE_ARN_RE = r'arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}'
IMDS_TOKEN_HEADER = 'X-aws-ec2-metadata-token'
IMDS_TTL_HEADER = 'X-aws-ec2-metadata-token-ttl-seconds'
IMDS_CREDS_PATH = '/latest/meta-data/iam/security-credentials'
STS_VERSION = '2011-06-15'
STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/'

# Coral framework errors: not in the service model, same on every service.
FRAMEWORK_ERRORS = {
    'IncompleteSignatureException': 403,
    'InvalidSignatureException': 403,
    'MissingAuthenticationTokenException': 403,
    'UnrecognizedClientException': 403,
    'ExpiredTokenException': 403,
    'UnknownOperationException': 400,
    'SerializationException': 400,
    'InternalFailure': 500,
    'ServiceUnavailableException': 503,
    'RequestEntityTooLarge': 413,
}


class Model:
    """What the service model says about the one operation we serve."""

    def __init__(self):
        session = botocore.session.get_session()
        self.service = session.get_service_model(SERVICE)
        self.target_prefix = self.service.metadata['targetPrefix']
        self.operation = self.service.operation_model(OPERATION)
        self.input = self.operation.input_shape
        self.describe = self.service.operation_model(DESCRIBE)
        # Shape.metadata leaves out "fault", so read the raw shape data.
        raw = session.get_service_data(SERVICE)['shapes']
        self.errors = {}
        for shape in self.service.error_shapes:
            spec = raw[shape.name]
            status = spec.get('error', {}).get('httpStatusCode')
            if status is None:
                status = 500 if spec.get('fault') else 400
            self.errors[shape.name] = (status, list(shape.members))

    def status_of(self, code):
        if code in self.errors:
            return self.errors[code][0]
        return FRAMEWORK_ERRORS.get(code, 400)

    def members_of(self, code):
        if code in self.errors:
            return self.errors[code][1]
        return None

    def validate(self, params):
        """Returns a list of (member, constraint message) violations."""
        bad = []
        for name, shape in self.input.members.items():
            value = params.get(name)
            if value is None:
                if name in self.input.required_members:
                    bad.append((name, None, 'Member must not be null'))
                continue
            meta = shape.metadata
            if 'min' in meta and len(value) < meta['min']:
                bad.append((name, value, 'Member must have length greater '
                            'than or equal to %d' % meta['min']))
            if 'max' in meta and len(value) > meta['max']:
                bad.append((name, value, 'Member must have length less '
                            'than or equal to %d' % meta['max']))
            if 'pattern' in meta and not re.fullmatch(meta['pattern'], value):
                bad.append((name, value, 'Member must satisfy regular '
                            'expression pattern: %s' % meta['pattern']))
        return bad

    def pattern(self, shape_name):
        return self.service.shape_for(shape_name).metadata['pattern']


class ApiError(Exception):
    """An error answer: code, message and the shape's extra members."""

    def __init__(self, code, message, **members):
        super().__init__(message)
        self.code = code
        self.message = message
        self.members = members


class VerifyingSigV4(SigV4Auth):
    """botocore's SigV4 with the headers exactly as the client listed them.

    Stock SigV4Auth drops a few header names it never signs itself
    (User-Agent, Expect, X-Amzn-Trace-Id); a client may sign them, and the
    service then includes them, so the header set is taken verbatim here.
    Everything else (canonical form, hashing, key derivation) is botocore's.
    """

    def __init__(self, credentials, region, signed, service=SIGNING_NAME):
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request):
        header_map = HTTPHeaders()
        for name, value in self._signed:
            header_map[name] = value
        return header_map


def amz_date(epoch):
    return datetime.datetime.fromtimestamp(
        epoch, datetime.timezone.utc).strftime(AMZ_DATE)


class OptOutList:
    def __init__(self, region, name, account=None):
        self.region = region
        self.name = name
        self.account = account  # None: the state's account
        self.numbers = {}   # number -> {"opted_out_at": float, "end_user": bool}
        self.deleted = {}   # number -> deleted_at
        self.denied = False
        self.created = None

    def merge(self, spec, now):
        if 'created_at' in spec:
            self.created = _number(spec['created_at'], 'created_at')
        elif self.created is None:
            self.created = now
        for item in spec.get('numbers', []):
            if isinstance(item, str):
                item = {'number': item}
            if not isinstance(item, dict) or not isinstance(
                    item.get('number'), str):
                raise ValueError('numbers: strings or {"number": ...}')
            self.numbers[item['number']] = {
                'opted_out_at': float(item.get('opted_out_at', now)),
                'end_user': bool(item.get('end_user', True)),
            }
        for item in spec.get('recently_deleted', []):
            if isinstance(item, str):
                item = {'number': item}
            if not isinstance(item, dict) or not isinstance(
                    item.get('number'), str):
                raise ValueError('recently_deleted: strings or {"number": ...}')
            self.deleted[item['number']] = float(
                item.get('deleted_at', now - 86400))
        if 'denied' in spec:
            denied = spec['denied']
            if not isinstance(denied, (bool, str)) or denied is None:
                raise ValueError('denied: a boolean or a Reason string')
            self.denied = denied

    def to_json(self, account):
        return {
            'region': self.region,
            'name': self.name,
            'account': self.account or account,
            'arn': list_arn(self.region, self.account or account, self.name),
            'numbers': [dict(number=n, **v)
                        for n, v in sorted(self.numbers.items())],
            'recently_deleted': [{'number': n, 'deleted_at': t}
                                 for n, t in sorted(self.deleted.items())],
            'denied': self.denied,
            'created_at': self.created,
        }


def list_arn(region, account, name):
    return 'arn:aws:sms-voice:%s:%s:opt-out-list/%s' % (region, account, name)


def parse_credentials(text):
    """AKID:SECRET[:TOKEN][,...] -> list of credential dicts."""
    out = []
    for item in text.split(','):
        item = item.strip()
        if not item:
            continue
        parts = item.split(':', 2)
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise ValueError('credentials must be AKID:SECRET[:TOKEN]')
        out.append({'akid': parts[0], 'secret': parts[1],
                    'token': parts[2] if len(parts) > 2 else None,
                    'expired': False, 'denied': False})
    return out


class TokenBucket:
    """A region's request quota: rate tokens a second, at most burst."""

    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.last = time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.burst,
                          self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def _number(value, what, minimum=0.0):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or \
            value < minimum:
        raise ValueError('%s must be a number >= %g' % (what, minimum))
    return float(value)


def _opt_string(spec, key):
    value = spec.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError('%s must be a string or null' % key)
    return value


def _random_text(alphabet, n):
    return ''.join(secrets.choice(alphabet) for _ in range(n))


def iso_z(epoch):
    """YYYY-MM-DDTHH:MM:SSZ, the Expiration format of every source."""
    return datetime.datetime.fromtimestamp(
        epoch, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


class State:
    """Everything the endpoint remembers. Callers hold .lock."""

    def __init__(self, default_credentials):
        self.lock = threading.Lock()
        self.default_credentials = default_credentials
        self.calls = []
        self.faults = []
        self.rng = random.Random()
        self.issued = {}        # akid -> credential dict (see issue())
        self.imds_tokens = {}   # token -> time.monotonic() expiry
        self.fetches = []       # credential source requests, in order
        self.released = threading.Event()  # ends "hold" waits
        self.load({})

    def defaults(self):
        return {'account': DEFAULT_ACCOUNT, 'clock_offset': 0,
                'credentials': self.default_credentials, 'quota': {},
                'issue': {}, 'container_token': None,
                'imds_role': DEFAULT_IMDS_ROLE, 'imds_v1': False,
                'web_identity_token': None, 'roles': {}}

    @staticmethod
    def parse_settings(spec, base):
        """Validated settings (everything but lists); keys left out of spec
        come from base. Raises ValueError, changes nothing."""
        if not isinstance(spec, dict):
            raise ValueError('state must be a JSON object')
        unknown = set(spec) - set(base) - {'lists'}
        if unknown:
            raise ValueError('unknown state key(s): %s'
                             % ', '.join(sorted(unknown)))
        merged = dict(base)
        merged.update({k: v for k, v in spec.items() if k != 'lists'})
        out = {}
        account = merged['account']
        if not isinstance(account, str) or not re.fullmatch(r'\d{12}',
                                                            account):
            raise ValueError('account must be 12 digits')
        out['account'] = account
        offset = merged['clock_offset']
        if not isinstance(offset, (int, float)) or isinstance(offset, bool):
            raise ValueError('clock_offset must be a number')
        out['clock_offset'] = float(offset)
        creds = {}
        if not isinstance(merged['credentials'], list):
            raise ValueError('credentials must be a JSON array')
        for c in merged['credentials']:
            if not isinstance(c, dict) or not isinstance(c.get('akid'), str) \
                    or not isinstance(c.get('secret'), str):
                raise ValueError('credentials: [{"akid": .., "secret": ..}]')
            token = c.get('token')
            if token is not None and not isinstance(token, str):
                raise ValueError('credentials: token must be a string or null')
            creds[c['akid']] = {'akid': c['akid'], 'secret': c['secret'],
                                'token': token,
                                'expired': bool(c.get('expired', False)),
                                'denied': c.get('denied', False),
                                'describe_denied': c.get('describe_denied',
                                                         False)}
        out['credentials'] = creds
        quota = {}
        if not isinstance(merged['quota'], dict):
            raise ValueError('quota must be {"<region>": {"rate": N, '
                             '"burst": N}}')
        for region, q in merged['quota'].items():
            if not isinstance(q, dict):
                raise ValueError('quota.%s must be {"rate": N, "burst": N}'
                                 % region)
            rate = _number(q.get('rate'), 'quota.%s.rate' % region)
            burst = _number(q.get('burst', max(1.0, rate)),
                            'quota.%s.burst' % region)
            quota[region] = {'rate': rate, 'burst': burst}
        out['quota'] = quota
        issue = merged['issue']
        if not isinstance(issue, dict):
            raise ValueError('issue must be {"lifetime_s": N, "fail": {..}}')
        fail = issue.get('fail', {})
        if not isinstance(fail, dict) or any(
                k not in CRED_SOURCES or not isinstance(v, int) or
                isinstance(v, bool) for k, v in fail.items()):
            raise ValueError('issue.fail must be {"container"|"imds"|"sts": '
                             'count}')
        out['issue'] = {
            'lifetime_s': _number(issue.get('lifetime_s',
                                            DEFAULT_LIFETIME),
                                  'issue.lifetime_s', 1.0),
            'fail': dict(fail)}
        for key in ('container_token', 'web_identity_token', 'imds_role'):
            out[key] = _opt_string(merged, key)
        if not out['imds_role']:
            raise ValueError('imds_role must be a non-empty string')
        out['imds_v1'] = bool(merged['imds_v1'])
        out['roles'] = State.parse_roles(merged['roles'])
        return out

    @staticmethod
    def parse_roles(roles):
        if not isinstance(roles, dict):
            raise ValueError('roles must be {"<role ARN>": {"trusted": '
                             '[..], "external_id": ..}}')
        out = {}
        for arn, trust in roles.items():
            if not re.fullmatch(ROLE_ARN_RE, arn) or \
                    not isinstance(trust, dict) or \
                    set(trust) - {'trusted', 'external_id'}:
                raise ValueError('roles: %s: a role ARN and {"trusted", '
                                 '"external_id"}' % arn)
            trusted = trust.get('trusted')
            if trusted is not None and (
                    not isinstance(trusted, list) or
                    not all(isinstance(a, str) for a in trusted)):
                raise ValueError('roles: %s: trusted must be a list of '
                                 'access key ids' % arn)
            out[arn] = {'trusted': trusted,
                        'external_id': _opt_string(trust, 'external_id')}
        return out

    def load(self, spec):
        """Replaces the whole state; keys left out take start-up values."""
        self.apply(spec, self.defaults(), replace_lists=True)

    def update(self, spec):
        """Replaces only the keys given; "lists" are merged."""
        base = self.to_json()
        del base['lists']
        self.apply(spec, base, replace_lists=False)

    def apply(self, spec, base, replace_lists):
        settings = self.parse_settings(spec, base)
        saved = self.__dict__.copy()
        saved_lists = dict(getattr(self, 'lists', {}))
        self.__dict__.update(settings)
        if replace_lists or 'quota' in spec:
            self.buckets = {}
        if replace_lists:
            self.lists = {}
        try:
            self.merge_lists(spec.get('lists', []))
        except (ValueError, TypeError):
            self.__dict__.update(saved)  # all or nothing
            self.lists = saved_lists
            raise

    def merge_lists(self, specs):
        if not isinstance(specs, list):
            raise ValueError('lists must be a JSON array')
        now = self.now()
        for spec in specs:
            if not isinstance(spec, dict) or not isinstance(
                    spec.get('name'), str):
                raise ValueError('each list needs a "name"')
            region = spec.get('region', 'us-east-1')
            if not isinstance(region, str):
                raise ValueError('list region must be a string')
            account = spec.get('account')
            if account is not None and (not isinstance(account, str) or
                                        not re.fullmatch(r'\d{12}',
                                                         account)):
                raise ValueError('list account must be 12 digits')
            if account == self.account:
                account = None
            key = (region, account or '', spec['name'])
            lst = self.lists.get(key) or OptOutList(region, spec['name'],
                                                    account)
            lst.merge(spec, now)
            self.lists[key] = lst

    def set_faults(self, rules, seed=None):
        if not isinstance(rules, list):
            raise ValueError('faults must be a JSON array')
        out = []
        for r in rules:
            if not isinstance(r, dict) or not isinstance(r.get('fault'), str):
                raise ValueError('each fault rule needs a "fault" string')
            times = r.get('times', -1 if 'rate' in r else 1)
            if not isinstance(times, int) or isinstance(times, bool):
                raise ValueError('fault "times" must be an integer')
            if 'rate' in r:
                rate = _number(r['rate'], 'fault "rate"')
                if rate > 1:
                    raise ValueError('fault "rate" must be within 0..1')
            if 'retry_after_ms' in r and (
                    not isinstance(r['retry_after_ms'], int) or
                    isinstance(r['retry_after_ms'], bool) or
                    r['retry_after_ms'] < 0):
                raise ValueError('fault "retry_after_ms" must be an integer '
                                 '>= 0')
            kind = r['fault']
            if kind.startswith(('slow:', 'hold:', 'http:', 'slowloris:',
                                'slowbody:', 'huge:')):
                int(kind.split(':', 1)[1])
            if kind.startswith('proxy:') and \
                    not 100 <= int(kind.split(':', 1)[1]) <= 599:
                raise ValueError('fault "proxy:<code>" needs a code of '
                                 '100..599')
            rule = dict(r)
            rule['times'] = times
            out.append(rule)
        if seed is not None:
            self.rng.seed(seed)
        self.faults = out
        self.released.clear()

    @staticmethod
    def _matches(rule, region, akid, list_given, list_name, number):
        if 'number' in rule and rule['number'] != number:
            return False
        if 'list' in rule and rule['list'] not in (list_given, list_name):
            return False
        if 'region' in rule and rule['region'] != region:
            return False
        if 'akid' in rule and rule['akid'] != akid:
            return False
        return True

    def match_fault(self, region, akid, list_given, list_name, number):
        """The rule that fires for this call, or None. Rules with a "rate"
        share one random draw per call and take consecutive slices of
        [0, 1) in order, so each fires on its rate of the calls it matches
        (when the rates of the rules matching a call sum to at most 1)."""
        draw = None
        low = 0.0
        for rule in self.faults:
            if rule['times'] == 0:
                continue
            if not self._matches(rule, region, akid, list_given, list_name,
                                 number):
                continue
            if 'rate' in rule:
                if draw is None:
                    draw = self.rng.random()
                high = low + rule['rate']
                hit = low <= draw < high
                low = high
                if not hit:
                    continue
            if rule['times'] > 0:
                rule['times'] -= 1
            return rule
        return None

    def take_quota(self, region):
        """False when region's quota (or the "*" quota) has no token left."""
        q = self.quota.get(region) or self.quota.get('*')
        if q is None:
            return True
        bucket = self.buckets.get(region)
        if bucket is None:
            bucket = self.buckets[region] = TokenBucket(q['rate'],
                                                        q['burst'])
        return bucket.take()

    def credential(self, akid):
        """The accepted credential for akid (a copy), or None; "expired"
        is true once an issued credential outlived its lifetime."""
        cred = self.credentials.get(akid) or self.issued.get(akid)
        if cred is None:
            return None
        cred = dict(cred)
        if cred.get('expires') is not None and self.now() >= cred['expires']:
            cred['expired'] = True
        return cred

    def issue_credentials(self, source, lifetime=None, role_arn=None):
        """New temporary credentials, accepted until now + lifetime."""
        now = self.now()
        if lifetime is None or lifetime > self.issue['lifetime_s']:
            lifetime = self.issue['lifetime_s']
        cred = {
            'akid': 'ASIA' + _random_text(AKID_ALPHABET, 16),
            'secret': base64.b64encode(os.urandom(30)).decode('ascii'),
            'token': base64.b64encode(os.urandom(150)).decode('ascii'),
            'expired': False, 'denied': False, 'source': source,
            'issued_at': now,
            'expires': float(int(now + lifetime)),
        }
        if role_arn is not None:
            cred['role_arn'] = role_arn
            cred['account'] = role_arn.split(':')[4]
        self.issued[cred['akid']] = cred
        return cred

    def should_fail(self, source):
        """Consumes one of issue.fail[source] (-1 = always)."""
        left = self.issue['fail'].get(source, 0)
        if left == 0:
            return False
        if left > 0:
            self.issue['fail'][source] = left - 1
        return True

    def log_fetch(self, source, status, cred=None, **detail):
        self.fetches.append({'time': time.time(), 'source': source,
                             'status': status,
                             'akid': cred['akid'] if cred else None,
                             'detail': detail or None})

    def fetch_report(self):
        counts = {k: 0 for k in FETCH_KINDS}
        refused = {k: 0 for k in FETCH_KINDS}
        for f in self.fetches:
            counts[f['source']] += 1
            if f['status'] != 200:
                refused[f['source']] += 1
        now = self.now()
        return {
            'counts': counts, 'refused': refused,
            'fetches': [dict(f) for f in self.fetches],
            'issued': [{'akid': c['akid'], 'source': c['source'],
                        'issued_at': c['issued_at'],
                        'expires_at': c['expires'],
                        'expiration': iso_z(c['expires']),
                        'expired': now >= c['expires']}
                       for c in sorted(self.issued.values(),
                                       key=lambda c: c['issued_at'])],
        }

    def expire_credentials(self, akid=None):
        """Expires akid (static or issued) now, or every issued one."""
        now = self.now()
        done = []
        if akid is None:
            for c in self.issued.values():
                c['expires'] = min(c['expires'], now)
                done.append(c['akid'])
        elif akid in self.issued:
            self.issued[akid]['expires'] = min(self.issued[akid]['expires'],
                                               now)
            done.append(akid)
        elif akid in self.credentials:
            self.credentials[akid]['expired'] = True
            done.append(akid)
        else:
            raise ValueError('no credential %s' % akid)
        return done

    def now(self):
        return time.time() + self.clock_offset

    def to_json(self):
        return {
            'account': self.account,
            'clock_offset': self.clock_offset,
            'credentials': [dict(c) for c in self.credentials.values()],
            'quota': {k: dict(v) for k, v in self.quota.items()},
            'issue': {'lifetime_s': self.issue['lifetime_s'],
                      'fail': dict(self.issue['fail'])},
            'container_token': self.container_token,
            'imds_role': self.imds_role,
            'imds_v1': self.imds_v1,
            'web_identity_token': self.web_identity_token,
            'roles': {k: dict(v) for k, v in self.roles.items()},
            'lists': [lst.to_json(self.account)
                      for _, lst in sorted(self.lists.items())],
        }


class Endpoint(ThreadingHTTPServer):
    daemon_threads = True
    # The daemon opens up to http.max_connections at once: a listen
    # backlog of 5 (socketserver's default) would drop their SYNs.
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, port, state, model, quiet):
        self.state = state
        self.model = model
        self.quiet = quiet
        super().__init__(('127.0.0.1', port), Handler)


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'optout-test-endpoint'
    sys_version = ''
    timeout = 120

    # ------------------------------------------------------------------ I/O

    def log_message(self, fmt, *args):
        if not self.server.quiet:
            sys.stderr.write('endpoint: %s %s\n' % (self.address_string(),
                                                    fmt % args))

    def version_string(self):
        return self.server_version

    def date_time_string(self, timestamp=None):
        if timestamp is None:
            timestamp = self.server.state.now()
        return super().date_time_string(timestamp)

    def read_body(self):
        te = self.headers.get('Transfer-Encoding', '').lower()
        if te == 'chunked':
            chunks = []
            total = 0
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b';', 1)[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b'\r\n', b'\n',
                                                            b''):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(8)
            return b''.join(chunks)
        length = self.headers.get('Content-Length')
        if length is None:
            return b''
        length = int(length)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length)

    def send(self, status, body, headers=()):
        if isinstance(body, str):
            body = body.encode('utf-8')
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def send_json(self, status, obj):
        self.send(status, json.dumps(obj), [('Content-Type',
                                             'application/json')])

    def send_error_shape(self, err, request_id, headers=()):
        model = self.server.model
        if err.code in FRAMEWORK_ERRORS:
            ns = CORAL_NS
            body = {'__type': '%s#%s' % (ns, err.code), 'message': err.message}
        else:
            ns = SERVICE_NS
            body = {'__type': '%s#%s' % (ns, err.code), 'Message': err.message}
            allowed = model.members_of(err.code)
            for name, value in err.members.items():
                if value is not None and (allowed is None or name in allowed):
                    body[name] = value
        self.send(model.status_of(err.code), json.dumps(body), [
            ('x-amzn-RequestId', request_id),
            ('x-amzn-ErrorType',
             '%s:http://internal.amazon.com/coral/%s/' % (err.code, ns)),
            ('Content-Type', CONTENT_TYPE),
        ] + list(headers))

    def reset_connection(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack('ii', 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.rfile.close()
            self.wfile.close()
        except OSError:
            pass
        self.connection.close()

    # ------------------------------------------------------------ dispatch

    def do_GET(self):
        path = urlsplit(self.path).path
        if path.startswith('/_test/'):
            self.control('GET')
        elif path == '/_creds/container':
            self.container_credentials()
        elif path.rstrip('/') == '/_sts':
            self.sts_call()
        elif path.startswith('/latest/'):
            self.imds_get(path)
        else:
            self.not_an_api_call()

    def do_POST(self):
        path = urlsplit(self.path).path
        ctype = self.headers.get('Content-Type', '').lower()
        if path.startswith('/_test/'):
            self.control('POST')
        elif path.rstrip('/') == '/_sts' or (
                ctype.startswith('application/x-www-form-urlencoded') and
                'X-Amz-Target' not in self.headers):
            self.sts_call()
        else:
            self.api_call()

    def do_PUT(self):
        if urlsplit(self.path).path == '/latest/api/token':
            self.imds_token()
        else:
            self.not_an_api_call()

    do_DELETE = do_PUT
    do_PATCH = do_PUT

    def not_an_api_call(self):
        body = self.read_body()
        if body is None:
            self.close_connection = True
        request_id = str(uuid.uuid4())
        self.send_error_shape(ApiError(
            'UnknownOperationException',
            'Unsupported method %s' % self.command), request_id)

    # ---------------------------------------------------- credential sources
    #
    # Each successful fetch issues fresh temporary credentials (see
    # State.issue_credentials) that the API accepts until they expire.

    def container_credentials(self):
        """GET /_creds/container: the ECS/EKS container credentials API."""
        self.read_body()
        state = self.server.state
        with state.lock:
            want = state.container_token
            if want is not None and self.headers.get('Authorization') != want:
                state.log_fetch('container', 401)
                reply = (401, {'Code': 'AccessDenied', 'Message':
                               'Authorization token is missing or invalid'})
            elif state.should_fail('container'):
                state.log_fetch('container', 500)
                reply = (500, {'Code': 'InternalError', 'Message':
                               'Credentials are temporarily unavailable'})
            else:
                cred = state.issue_credentials('container')
                state.log_fetch('container', 200, cred)
                reply = (200, {
                    'RoleArn': 'arn:aws:iam::%s:role/%s' % (
                        state.account, state.imds_role),
                    'AccessKeyId': cred['akid'],
                    'SecretAccessKey': cred['secret'],
                    'Token': cred['token'],
                    'Expiration': iso_z(cred['expires'])})
        self.send_json(*reply)

    def imds_text(self, status, text, headers=()):
        self.send(status, text, [('Content-Type', 'text/plain')] +
                  list(headers))

    def imds_token(self):
        """PUT /latest/api/token: an IMDSv2 session token."""
        self.read_body()
        state = self.server.state
        ttl = self.headers.get(IMDS_TTL_HEADER)
        try:
            seconds = int(ttl)
        except (TypeError, ValueError):
            seconds = 0
        with state.lock:
            if not 1 <= seconds <= 21600:
                state.log_fetch('imds_token', 400)
                token = None
            else:
                token = base64.urlsafe_b64encode(os.urandom(42)).decode()
                state.imds_tokens[token] = time.monotonic() + seconds
                state.log_fetch('imds_token', 200)
        if token is None:
            self.imds_text(400, '400 - Bad Request\n')
        else:
            self.imds_text(200, token, [(IMDS_TTL_HEADER, str(seconds))])

    def imds_get(self, path):
        """GET /latest/...: the role name and its credentials (IMDSv2)."""
        self.read_body()
        state = self.server.state
        token = self.headers.get(IMDS_TOKEN_HEADER)
        if path in (IMDS_CREDS_PATH, IMDS_CREDS_PATH + '/'):
            kind, role = 'imds_role', None
        elif path.startswith(IMDS_CREDS_PATH + '/'):
            kind, role = 'imds', path[len(IMDS_CREDS_PATH) + 1:]
        else:
            kind, role = None, None
        with state.lock:
            if token is None:
                valid = state.imds_v1
            else:
                valid = state.imds_tokens.get(token, 0) > time.monotonic()
            if not valid:
                status, text = 401, '401 - Unauthorized\n'
            elif kind is None or (kind == 'imds' and role.rstrip('/') !=
                                  state.imds_role):
                status, text = 404, '404 - Not Found\n'
            elif kind == 'imds_role':
                status, text = 200, state.imds_role
            elif state.should_fail('imds'):
                status, text = 500, '500 - Internal Server Error\n'
            else:
                cred = state.issue_credentials('imds')
                status = 200
                text = json.dumps({
                    'Code': 'Success',
                    'LastUpdated': iso_z(cred['issued_at']),
                    'Type': 'AWS-HMAC',
                    'AccessKeyId': cred['akid'],
                    'SecretAccessKey': cred['secret'],
                    'Token': cred['token'],
                    'Expiration': iso_z(cred['expires'])}, indent=2)
            if kind is not None:
                state.log_fetch(kind, status,
                                cred if kind == 'imds' and status == 200
                                else None)
        self.imds_text(status, text)

    def sts_error(self, status, kind, code, message, request_id):
        self.send(status, '<ErrorResponse xmlns="%s">\n  <Error>\n'
                  '    <Type>%s</Type>\n    <Code>%s</Code>\n'
                  '    <Message>%s</Message>\n  </Error>\n'
                  '  <RequestId>%s</RequestId>\n</ErrorResponse>\n'
                  % (STS_NS, kind, code, xml_escape(message), request_id),
                  [('x-amzn-RequestId', request_id),
                   ('Content-Type', 'text/xml')])

    def sts_call(self):
        """POST /_sts/ (awsQuery): AssumeRoleWithWebIdentity, unsigned."""
        state = self.server.state
        request_id = str(uuid.uuid4())
        body = self.read_body()
        if body is None:
            self.close_connection = True
            self.sts_error(413, 'Sender', 'RequestEntityTooLarge',
                           'Request entity too large', request_id)
            return
        params = {}
        for source in (urlsplit(self.path).query,
                       body.decode('utf-8', 'replace')):
            for name, values in parse_qs(source,
                                         keep_blank_values=True).items():
                params[name] = values[-1]
        action = params.get('Action')
        version = params.get('Version')
        if action == 'AssumeRole' and version == STS_VERSION:
            self.assume_role(params, body, request_id)
            return
        if action != 'AssumeRoleWithWebIdentity' or version != STS_VERSION:
            with state.lock:
                state.log_fetch('sts', 400, action=action)
            self.sts_error(400, 'Sender', 'InvalidAction',
                           'Could not find operation %s for version %s'
                           % (action, version), request_id)
            return
        role_arn = params.get('RoleArn')
        session = params.get('RoleSessionName')
        web_token = params.get('WebIdentityToken')
        invalid = self.sts_validation(
            params, ('RoleArn', 'RoleSessionName', 'WebIdentityToken'))
        detail = {'role_arn': role_arn, 'session': session}
        with state.lock:
            if invalid is not None:
                state.log_fetch('sts', 400, **detail)
                reply = ('ValidationError', invalid)
            elif not re.fullmatch(r'arn:aws[a-z-]*:iam::\d{12}:role/'
                                  r'[\w+=,.@/-]{1,512}', role_arn):
                state.log_fetch('sts', 400, **detail)
                reply = ('ValidationError', 'Request ARN is invalid')
            elif state.web_identity_token is not None and \
                    web_token != state.web_identity_token:
                state.log_fetch('sts', 400, **detail)
                reply = ('InvalidIdentityToken', 'The web identity token '
                         'is not one this identity provider issued.')
            elif state.should_fail('sts'):
                state.log_fetch('sts', 500, **detail)
                reply = ('InternalFailure', 'An internal error occurred.')
            else:
                cred = state.issue_credentials('sts')
                state.log_fetch('sts', 200, cred, **detail)
                reply = None
                role = role_arn.rsplit('/', 1)[-1]
                account = role_arn.split(':')[4]
        if reply is not None:
            code, message = reply
            if code == 'InternalFailure':
                self.sts_error(500, 'Receiver', code, message, request_id)
            else:
                self.sts_error(400, 'Sender', code, message, request_id)
            return
        e = xml_escape
        self.send(200, (
            '<AssumeRoleWithWebIdentityResponse xmlns="%s">\n'
            '  <AssumeRoleWithWebIdentityResult>\n'
            '    <SubjectFromWebIdentityToken>system:serviceaccount:optout:'
            'optout-eraserd</SubjectFromWebIdentityToken>\n'
            '    <Audience>sts.amazonaws.com</Audience>\n'
            '    <AssumedRoleUser>\n'
            '      <Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn>\n'
            '      <AssumedRoleId>AROA%s:%s</AssumedRoleId>\n'
            '    </AssumedRoleUser>\n'
            '    <Credentials>\n'
            '      <SessionToken>%s</SessionToken>\n'
            '      <SecretAccessKey>%s</SecretAccessKey>\n'
            '      <Expiration>%s</Expiration>\n'
            '      <AccessKeyId>%s</AccessKeyId>\n'
            '    </Credentials>\n'
            '    <Provider>oidc.local.test/id/OPTOUT</Provider>\n'
            '  </AssumeRoleWithWebIdentityResult>\n'
            '  <ResponseMetadata>\n'
            '    <RequestId>%s</RequestId>\n'
            '  </ResponseMetadata>\n'
            '</AssumeRoleWithWebIdentityResponse>\n') % (
                STS_NS, account, e(role), e(session),
                _random_text(AKID_ALPHABET, 17), e(session),
                e(cred['token']), e(cred['secret']),
                iso_z(cred['expires']), cred['akid'], request_id),
            [('x-amzn-RequestId', request_id), ('Content-Type', 'text/xml')])

    def sts_validation(self, params, need):
        """STS's ValidationError messages for @params (None = fine)."""
        bad = ["Value null at '%s' failed to satisfy constraint: Member "
               "must not be null" % (name[0].lower() + name[1:])
               for name in need if params.get(name) is None]
        for name, chars, size in (('RoleSessionName', r'[\w+=,.@-]',
                                   '{2,64}'),
                                  ('ExternalId', r'[\w+=,.@:/-]',
                                   '{2,1224}')):
            value = params.get(name)
            if value is not None and not re.fullmatch(chars + size, value):
                bad.append("Value '%s' at '%s' failed to satisfy constraint:"
                           " Member must satisfy regular expression pattern:"
                           " %s*" % (value, name[0].lower() + name[1:],
                                     chars.replace('/', '\\/')))
        duration = params.get('DurationSeconds')
        if duration is not None and not (
                duration.isdigit() and 900 <= int(duration) <= 43200):
            bad.append("Value '%s' at 'durationSeconds' failed to satisfy "
                       "constraint: Member must have value between 900 and "
                       "43200" % duration)
        if not bad:
            return None
        return '%d validation error%s detected: %s' % (
            len(bad), '' if len(bad) == 1 else 's', '; '.join(bad))

    def assume_role(self, params, body, request_id):
        """STS AssumeRole: SigV4 for "sts" with a known key, the role's
        trust and ExternalId checked, credentials of the role's account."""
        state = self.server.state
        role_arn = params.get('RoleArn')
        session = params.get('RoleSessionName')
        detail = {'action': 'AssumeRole', 'role_arn': role_arn,
                  'session': session,
                  'external_id': params.get('ExternalId')}
        try:
            auth = self.authenticate(body, service='sts',
                                     need=('host', 'x-amz-date'))
        except ApiError as e:
            detail['signer'] = getattr(e, 'auth', {}).get('akid')
            with state.lock:
                state.log_fetch('assume_role', 403, **detail)
            self.sts_error(403, 'Sender', STS_AUTH_CODES.get(e.code, e.code),
                           e.message, request_id)
            return
        caller = auth['akid']
        detail['signer'] = caller
        invalid = self.sts_validation(
            params, ('RoleArn', 'RoleSessionName'))
        if invalid is None and not re.fullmatch(ROLE_ARN_RE, role_arn):
            invalid = 'Request ARN is invalid'
        with state.lock:
            trust = state.roles.get(role_arn) or {}
            trusted = trust.get('trusted')
            want_external = trust.get('external_id')
            if invalid is not None:
                status, reply = 400, ('ValidationError', invalid)
            elif (trusted is not None and caller not in trusted) or (
                    want_external is not None and
                    params.get('ExternalId') != want_external):
                status, reply = 403, (
                    'AccessDenied', 'User: arn:aws:iam::%s:user/optout is '
                    'not authorized to perform: sts:AssumeRole on resource: '
                    '%s' % (state.account, role_arn))
            elif state.should_fail('assume_role'):
                status, reply = 500, ('InternalFailure',
                                      'An internal error occurred.')
            else:
                duration = int(params.get('DurationSeconds') or 3600)
                cred = state.issue_credentials('assume_role', duration,
                                               role_arn)
                status, reply = 200, None
            state.log_fetch('assume_role', status,
                            cred if status == 200 else None, **detail)
        if reply is not None:
            self.sts_error(status, 'Receiver' if status == 500 else 'Sender',
                           reply[0], reply[1], request_id)
            return
        e = xml_escape
        role = role_arn.rsplit('/', 1)[-1]
        self.send(200, (
            '<AssumeRoleResponse xmlns="%s">\n'
            '  <AssumeRoleResult>\n'
            '    <AssumedRoleUser>\n'
            '      <AssumedRoleId>AROA%s:%s</AssumedRoleId>\n'
            '      <Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn>\n'
            '    </AssumedRoleUser>\n'
            '    <Credentials>\n'
            '      <AccessKeyId>%s</AccessKeyId>\n'
            '      <SecretAccessKey>%s</SecretAccessKey>\n'
            '      <SessionToken>%s</SessionToken>\n'
            '      <Expiration>%s</Expiration>\n'
            '    </Credentials>\n'
            '  </AssumeRoleResult>\n'
            '  <ResponseMetadata>\n'
            '    <RequestId>%s</RequestId>\n'
            '  </ResponseMetadata>\n'
            '</AssumeRoleResponse>\n') % (
                STS_NS, _random_text(AKID_ALPHABET, 17), e(session),
                cred['account'], e(role), e(session), cred['akid'],
                e(cred['secret']), e(cred['token']), iso_z(cred['expires']),
                request_id),
            [('x-amzn-RequestId', request_id), ('Content-Type', 'text/xml')])

    # ----------------------------------------------------- control interface

    def control(self, method):
        if self.client_address[0] not in ('127.0.0.1', '::1'):
            self.read_body()
            self.send_json(403, {'error': 'loopback only'})
            return
        body = self.read_body()
        if body is None:
            self.close_connection = True
            self.send_json(413, {'error': 'body too large'})
            return
        path = urlsplit(self.path).path
        state = self.server.state
        try:
            data = json.loads(body) if body.strip() else None
        except ValueError as e:
            self.send_json(400, {'error': 'bad JSON: %s' % e})
            return
        try:
            with state.lock:
                result = self.control_locked(method, path, data, state)
        except (ValueError, TypeError, KeyError) as e:
            self.send_json(400, {'error': str(e)})
            return
        if result is None:
            self.send_json(404, {'error': 'no such control path'})
        else:
            self.send_json(200, result)

    @staticmethod
    def control_locked(method, path, data, state):
        if method == 'GET':
            if path == '/_test/calls':
                return [dict(c) for c in state.calls]
            if path == '/_test/lists':
                return [lst.to_json(state.account)
                        for _, lst in sorted(state.lists.items())]
            if path == '/_test/faults':
                return [dict(r) for r in state.faults]
            if path == '/_test/state':
                return state.to_json()
            if path == '/_test/credential_fetches':
                return state.fetch_report()
            return None
        if path == '/_test/state':
            state.load(data if data is not None else {})
            return {'ok': True}
        if path == '/_test/update':
            state.update(data if data is not None else {})
            return {'ok': True}
        if path == '/_test/expire_credentials':
            akid = (data or {}).get('akid')
            return {'expired': state.expire_credentials(akid)}
        if path == '/_test/lists':
            if isinstance(data, dict):
                data = data.get('lists', [data] if 'name' in data else [])
            state.merge_lists(data if data is not None else [])
            return {'ok': True}
        if path == '/_test/faults':
            seed = None
            if isinstance(data, dict):
                seed = data.get('seed')
                data = data.get('faults', [])
            state.set_faults(data if data is not None else [], seed)
            return {'ok': True}
        if path == '/_test/release':
            state.released.set()
            return {'ok': True}
        if path == '/_test/reset':
            state.calls = []
            state.faults = []
            state.fetches = []
            return {'ok': True}
        return None

    # ------------------------------------------------------------ API call

    def api_call(self):
        state = self.server.state
        request_id = str(uuid.uuid4())
        body = self.read_body()
        call = {'time': time.time(), 'region': None, 'akid': None,
                'list': None, 'number': None, 'status': None, 'code': None,
                'signature_ok': False, 'request_id': request_id,
                'fault': None, 'target': self.headers.get('X-Amz-Target'),
                'signed_headers': None, 'quota': False,
                'token_sent': 'X-Amz-Security-Token' in self.headers}
        with state.lock:
            call['seq'] = len(state.calls)
            state.calls.append(call)

        if body is None:
            self.close_connection = True
            self.finish_call(call, ApiError('RequestEntityTooLarge',
                                            'Request entity too large'))
            return

        try:
            auth = self.authenticate(body)
            auth_error = None
        except ApiError as e:
            auth = getattr(e, 'auth', {})
            auth_error = e
        params = None
        try:
            params = json.loads(body)
        except ValueError:
            pass
        with state.lock:
            call['region'] = auth.get('region')
            call['akid'] = auth.get('akid')
            call['signed_headers'] = auth.get('signed_headers')
            call['signature_ok'] = auth_error is None
            if isinstance(params, dict):
                if isinstance(params.get('OptOutListName'), str):
                    call['list'] = params['OptOutListName']
                if isinstance(params.get('OptedOutNumber'), str):
                    call['number'] = params['OptedOutNumber']
            rule = state.match_fault(call['region'], call['akid'],
                                     call['list'],
                                     self.list_name_of(call['list']),
                                     call['number'])
            call['fault'] = rule['fault'] if rule else None
        if rule is not None and self.apply_fault(rule, call):
            return

        if auth_error is not None:
            self.finish_call(call, auth_error)
            return
        with state.lock:
            admitted = state.take_quota(auth['region'])
            if not admitted:
                call['quota'] = True
        if not admitted:
            self.finish_call(call, ApiError('ThrottlingException',
                                            'Rate exceeded'))
            return
        try:
            result = self.operate(auth, params, body)
        except ApiError as e:
            self.finish_call(call, e)
            return
        self.finish_call(call, None, result)

    @staticmethod
    def list_name_of(given):
        if given and given.startswith('arn:'):
            return given.rsplit('/', 1)[-1]
        return given

    def finish_call(self, call, err, result=None, headers=()):
        request_id = call['request_id']
        if err is not None:
            status = self.server.model.status_of(err.code)
            self.record(call, status, err.code)
            self.send_error_shape(err, request_id, headers)
            return
        self.record(call, 200, None)
        body = json.dumps(result)
        if call.get('bloat'):
            junk = ','.join('"%05x":0' % i for i in range(call['bloat']))
            body = '{' + junk + ',' + body[1:]
        self.send(200, body, [
            ('x-amzn-RequestId', request_id),
            ('Content-Type', CONTENT_TYPE),
        ])

    def record(self, call, status, code):
        with self.server.state.lock:
            call['status'] = status
            call['code'] = code

    def apply_fault(self, rule, call):
        """Answers the request per the rule; False when it should go on."""
        kind, _, arg = rule['fault'].partition(':')
        extra = []
        if 'retry_after_ms' in rule:
            extra.append(('x-amz-retry-after', str(rule['retry_after_ms'])))
        if kind == 'slow':
            time.sleep(int(arg) / 1000.0)
            return False
        if kind == 'hold':
            self.server.state.released.wait(int(arg) / 1000.0)
            return False
        if kind == 'bloated':
            call['bloat'] = int(arg) if arg else 100000
            return False
        if kind == 'html503':
            self.record(call, 503, 'html503')
            self.send(503, '<html>\n<head><title>503 Service Unavailable'
                      '</title></head>\n<body>\n<center><h1>503 Service '
                      'Unavailable</h1></center>\n</body>\n</html>\n',
                      [('Content-Type', 'text/html')] + extra)
            return True
        if kind == 'http':
            status = int(arg)
            self.record(call, status, 'http')
            self.send(status, '%d %s\n' % (status, self.responses.get(
                status, ('Error',))[0]),
                [('Content-Type', 'text/plain')] + extra)
            return True
        if kind == 'proxy':
            self.send_proxy_page(call, int(arg) if arg else 403, extra)
            return True
        if kind == 'garbage':
            self.record(call, 200, 'garbage')
            self.send(200, '{"OptOutListArn": <not json', [
                ('x-amzn-RequestId', call['request_id']),
                ('Content-Type', CONTENT_TYPE)])
            return True
        if kind == 'reset':
            self.record(call, None, 'reset')
            self.reset_connection()
            return True
        if kind == 'close':
            self.record(call, None, 'close')
            self.close_connection = True
            return True
        if kind in ('truncated', 'cut', 'slowloris', 'slowbody', 'huge'):
            self.record(call, 200, kind)
            self.send_broken(kind, arg, call)
            return True
        self.finish_call(call, self.fault_error(kind, arg or None, call),
                         headers=extra)
        return True

    def send_broken(self, kind, arg, call):
        """A 200 answer broken on the wire (see "truncated", "cut",
        "slowloris", "slowbody" and "huge" in ENDPOINT_NOTES)."""
        body = json.dumps({'OptOutListArn': 'arn:aws:sms-voice:%s:%s:'
                           'opt-out-list/%s' % (call['region'],
                                                self.server.state.account,
                                                call['list']),
                           'OptOutListName': call['list'],
                           'OptedOutNumber': call['number'],
                           'OptedOutTimestamp': int(time.time()),
                           'EndUserOptedOut': False}).encode('utf-8')
        size = len(body)
        if kind == 'huge':
            size = int(arg) if arg else 4 << 20
        if kind == 'truncated':
            size = len(body) + 100
        head = ('HTTP/1.1 200 OK\r\nx-amzn-RequestId: %s\r\nContent-Type: '
                '%s\r\nContent-Length: %d\r\nDate: %s\r\n\r\n'
                % (call['request_id'], CONTENT_TYPE, size,
                   self.date_time_string())).encode('ascii')
        self.close_connection = True
        try:
            if kind == 'slowloris':
                for i in range(len(head)):
                    self.wfile.write(head[i:i + 1])
                    self.wfile.flush()
                    time.sleep(int(arg) / 1000.0)
                self.wfile.write(body)
            elif kind == 'slowbody':
                self.wfile.write(head)
                for i in range(len(body)):
                    self.wfile.flush()
                    time.sleep(int(arg) / 1000.0)
                    self.wfile.write(body[i:i + 1])
            elif kind == 'huge':
                self.wfile.write(head + b'{"Pad":"')
                left = size - len(b'{"Pad":"') - len(b'"}')
                chunk = b'x' * 65536
                while left > 0:
                    self.wfile.write(chunk[:left])
                    left -= len(chunk)
                self.wfile.write(b'"}')
            elif kind == 'cut':
                self.wfile.write(head + body[:len(body) // 2])
                self.wfile.flush()
                self.reset_connection()
                return
            else:
                self.wfile.write(head + body)
            self.wfile.flush()
        except OSError:
            pass    # the client gave up: the point of most of these

    # What a proxy, a WAF or a captive portal sends instead of the service.
    PROXY_PAGES = {
        403: ('Forbidden', 'Request blocked by the web application '
              'firewall policy.'),
        404: ('Not Found', 'The requested URL was not found on this '
              'server.'),
        407: ('Proxy Authentication Required', 'This proxy requires '
              'authentication before it forwards the request.'),
        502: ('Bad Gateway', 'The proxy received an invalid response '
              'from an upstream server.'),
        503: ('Service Unavailable', 'No server is available to handle '
              'this request.'),
        504: ('Gateway Timeout', 'The upstream server did not answer in '
              'time.'),
    }

    def send_proxy_page(self, call, status, extra):
        title, text = self.PROXY_PAGES.get(status, (
            self.responses.get(status, ('Error',))[0], 'The proxy refused '
            'the request.'))
        headers = [('Content-Type', 'text/html; charset=utf-8'),
                   ('Server', 'test-proxy')]
        if status == 407:
            headers.append(('Proxy-Authenticate', 'Basic realm="proxy"'))
        self.record(call, status, 'proxy')
        self.send(status, '<!DOCTYPE html>\n<html><head><title>%d %s</title>'
                  '</head>\n<body><h1>%s</h1>\n<p>%s</p>\n<hr><address>'
                  'test-proxy</address></body></html>\n'
                  % (status, title, title, text), headers + extra)

    def fault_error(self, code, reason, call):
        number = call['number'] or ''
        messages = {
            'ThrottlingException': 'Rate exceeded',
            'InternalServerException': 'An internal error occurred.',
            'AccessDeniedException': 'Access denied.',
            'ResourceNotFoundException': 'The resource was not found.',
            'ConflictException': 'The request conflicts with the current '
                                 'state of the resource.',
            'ValidationException': 'The request failed validation.',
            'ServiceQuotaExceededException': 'A service quota was exceeded.',
            'UnrecognizedClientException': 'The security token included in '
                                           'the request is invalid.',
            'ExpiredTokenException': 'The security token included in the '
                                     'request is expired',
            'InvalidSignatureException': 'The request signature we '
                                         'calculated does not match the '
                                         'signature you provided.',
            'ServiceUnavailableException': 'Service unavailable.',
        }
        members = {'Reason': reason}
        if code == 'ResourceNotFoundException':
            members.update(ResourceType='opted-out-number', ResourceId=number)
        elif code == 'ConflictException':
            members.update(ResourceType='opted-out-number', ResourceId=number,
                           Reason=reason or 'RESOURCE_DELETION_NOT_ALLOWED')
        elif code == 'ValidationException':
            members.update(Reason=reason or 'OTHER', Fields=None)
        elif code == 'InternalServerException':
            members.update(RequestId=call['request_id'])
        return ApiError(code, messages.get(code, code), **members)

    # ------------------------------------------------------ authentication

    def authenticate(self, body, service=SIGNING_NAME,
                     need=('host', 'x-amz-date', 'x-amz-target',
                           'content-type')):
        """Verifies SigV4 for @service with the headers in @need signed;
        returns {"akid", "region", ...} or raises."""
        state = self.server.state
        info = {}

        def fail(code, message):
            err = ApiError(code, message)
            err.auth = info
            return err

        authz = self.headers.get('Authorization')
        if authz is None:
            raise fail('MissingAuthenticationTokenException',
                       'Missing Authentication Token')
        algorithm, _, rest = authz.strip().partition(' ')
        if algorithm != 'AWS4-HMAC-SHA256':
            raise fail('IncompleteSignatureException',
                       "Unsupported AWS 'algorithm': '%s'" % algorithm)
        fields = {}
        for part in rest.split(','):
            name, eq, value = part.strip().partition('=')
            if eq:
                fields[name] = value
        missing = [k for k in ('Credential', 'Signature', 'SignedHeaders')
                   if k not in fields]
        if 'X-Amz-Date' not in self.headers:
            raise fail('IncompleteSignatureException',
                       "Authorization header requires existence of either a "
                       "'X-Amz-Date' or a 'Date' header. Authorization=%s"
                       % authz)
        if missing:
            raise fail('IncompleteSignatureException', ' '.join(
                "Authorization header requires '%s' parameter." % k
                for k in missing) + ' Authorization=%s' % authz)
        scope = fields['Credential'].split('/')
        if len(scope) != 5:
            raise fail('IncompleteSignatureException',
                       "Credential should be scoped to a valid region, not "
                       "'%s'. " % fields['Credential'])
        akid, scope_date, region, _, terminator = scope
        info.update(akid=akid, region=region)
        if terminator != 'aws4_request':
            raise fail('InvalidSignatureException',
                       "Credential should be scoped with a valid terminator: "
                       "'aws4_request', not '%s'. " % terminator)
        if scope[3] != service:
            raise fail('InvalidSignatureException',
                       "Credential should be scoped to correct service: "
                       "'%s'. " % service)
        if not re.fullmatch(r'[a-z]{2}(-[a-z]+)+-\d+', region):
            raise fail('InvalidSignatureException',
                       'Credential should be scoped to a valid region. ')
        x_amz_date = self.headers['X-Amz-Date'].strip()
        try:
            signed_at = datetime.datetime.strptime(
                x_amz_date, AMZ_DATE).replace(
                    tzinfo=datetime.timezone.utc).timestamp()
        except ValueError:
            raise fail('IncompleteSignatureException',
                       "Date must be in ISO-8601 'basic format'. Got '%s'. "
                       "See http://en.wikipedia.org/wiki/ISO_8601"
                       % x_amz_date)
        if scope_date != x_amz_date[:8]:
            raise fail('InvalidSignatureException',
                       "Date in Credential scope does not match YYYYMMDD "
                       "from ISO-8601 version of date from HTTP: '%s' != "
                       "'%s', from '%s'." % (scope_date, x_amz_date[:8],
                                             x_amz_date))
        signed_names = fields['SignedHeaders'].split(';')
        info['signed_headers'] = signed_names
        need = list(need)
        if 'X-Amz-Security-Token' in self.headers:
            need.append('x-amz-security-token')
        for name in need:
            if name not in signed_names:
                raise fail('InvalidSignatureException',
                           "'%s' must be a 'SignedHeader' in the AWS "
                           "Authorization." % name)
        signed = []
        for name in signed_names:
            values = self.headers.get_all(name)
            if values is None:
                raise fail('InvalidSignatureException',
                           "The request signature we calculated does not "
                           "match the signature you provided. Signed header "
                           "'%s' is not present in the request." % name)
            for value in values:
                signed.append((name, value))

        with state.lock:
            cred = state.credential(akid)
            now = state.now()
        if cred is None:
            raise fail('UnrecognizedClientException',
                       'The security token included in the request is '
                       'invalid.')
        sent_token = self.headers.get('X-Amz-Security-Token')
        if sent_token != cred['token']:
            raise fail('UnrecognizedClientException',
                       'The security token included in the request is '
                       'invalid.')
        if cred['expired']:
            raise fail('ExpiredTokenException',
                       'The security token included in the request is '
                       'expired')
        if signed_at < now - MAX_SKEW:
            raise fail('InvalidSignatureException',
                       'Signature expired: %s is now earlier than %s (%s - '
                       '5 min.)' % (x_amz_date, amz_date(now - MAX_SKEW),
                                    amz_date(now)))
        if signed_at > now + MAX_SKEW:
            raise fail('InvalidSignatureException',
                       'Signature not yet current: %s is still later than '
                       '%s (%s + 5 min.)' % (x_amz_date,
                                             amz_date(now + MAX_SKEW),
                                             amz_date(now)))
        sha_header = self.headers.get('X-Amz-Content-SHA256')
        if sha_header is not None and \
                sha_header != hashlib.sha256(body).hexdigest():
            raise fail('InvalidSignatureException',
                       "The provided 'x-amz-content-sha256' header does not "
                       "match what was computed.")

        host = self.headers.get('Host', '')
        request = AWSRequest(method=self.command,
                             url='http://%s%s' % (host, self.path),
                             data=body, headers=dict(signed))
        request.context['timestamp'] = x_amz_date
        signer = VerifyingSigV4(Credentials(akid, cred['secret'],
                                            cred['token']), region, signed,
                                service)
        canonical = signer.canonical_request(request)
        string_to_sign = signer.string_to_sign(request, canonical)
        expected = signer.signature(string_to_sign, request)
        if not hmac.compare_digest(expected, fields['Signature']):
            raise fail('InvalidSignatureException',
                       'The request signature we calculated does not match '
                       'the signature you provided. Check your AWS Secret '
                       'Access Key and signing method. Consult the service '
                       'documentation for details.\n\nThe Canonical String '
                       "for this request should have been\n'%s'\n\nThe "
                       "String-to-Sign should have been\n'%s'\n"
                       % (canonical, string_to_sign))
        info['cred'] = cred
        return info

    # ----------------------------------------------------------- operation

    def operate(self, auth, params, body):
        model = self.server.model
        state = self.server.state
        want_target = '%s.%s' % (model.target_prefix, OPERATION)
        target = (self.headers.get('X-Amz-Target') or '').strip()
        if target == '%s.%s' % (model.target_prefix, DESCRIBE):
            want_target = target
        elif target != want_target:
            raise ApiError('UnknownOperationException',
                           'Unknown operation %s' % (target or '(none)'))
        ctype = self.headers.get('Content-Type', '')
        if ctype.split(';', 1)[0].strip().lower() != CONTENT_TYPE:
            raise ApiError('UnknownOperationException',
                           'Unsupported Content-Type %s for operation %s'
                           % (ctype or '(none)', want_target))
        if not isinstance(params, dict):
            try:
                json.loads(body)
                what = 'Expected a JSON object as the request body'
            except ValueError as e:
                what = 'Unable to parse the request body as JSON: %s' % e
            raise ApiError('SerializationException', what)
        if want_target.endswith('.' + DESCRIBE):
            return self.describe_lists(auth, params)
        for name in model.input.members:
            value = params.get(name)
            if value is not None and not isinstance(value, str):
                raise ApiError('SerializationException',
                               'Expected a string for member %s' % name)
        bad = model.validate(params)
        if bad:
            parts = []
            for name, value, msg in bad:
                shown = 'null' if value is None else "'%s'" % value
                parts.append("Value %s at '%s' failed to satisfy constraint: "
                             "%s" % (shown, name[0].lower() + name[1:], msg))
            raise ApiError('ValidationException',
                           '%d validation error%s detected: %s'
                           % (len(bad), '' if len(bad) == 1 else 's',
                              '; '.join(parts)),
                           Reason='FIELD_VALIDATION_FAILED',
                           Fields=[{'Name': n, 'Message': m}
                                   for n, _, m in bad])
        given = params['OptOutListName']
        number = params['OptedOutNumber']
        region = auth['region']
        cred = auth['cred']

        with state.lock:
            if cred.get('denied'):
                raise self.access_denied(cred['denied'], auth, given, state)
            account = cred.get('account', state.account)
            name = self.resolve_list(given, region, account, model)
            lst = state.lists.get((region, '' if account == state.account
                                   else account, name)) if name else None
            if lst is None:
                raise ApiError('ResourceNotFoundException',
                               'Opt-out list %s does not exist.' % given,
                               ResourceType='opt-out-list', ResourceId=given)
            if lst.denied:
                raise self.access_denied(lst.denied, auth, given, state,
                                         lst)
            entry = lst.numbers.get(number)
            if entry is None:
                raise ApiError('ResourceNotFoundException',
                               'Phone number %s is not in opt-out list %s.'
                               % (number, lst.name),
                               ResourceType='opted-out-number',
                               ResourceId=number)
            now = state.now()
            last = lst.deleted.get(number)
            if last is not None and now - last < REDELETE_WINDOW:
                raise ApiError('ConflictException',
                               'Phone number %s was deleted from opt-out '
                               'list %s less than 30 days ago.'
                               % (number, lst.name),
                               Reason='RESOURCE_DELETION_NOT_ALLOWED',
                               ResourceType='opted-out-number',
                               ResourceId=number)
            del lst.numbers[number]
            lst.deleted[number] = now
            return {
                'OptOutListArn': list_arn(lst.region,
                                          lst.account or state.account,
                                          lst.name),
                'OptOutListName': lst.name,
                'OptedOutNumber': number,
                'OptedOutTimestamp': entry['opted_out_at'],
                'EndUserOptedOut': entry['end_user'],
            }

    def describe_lists(self, auth, params):
        """DescribeOptOutLists: a page of the signing region's lists."""
        state = self.server.state
        shape = self.server.model.describe.input_shape
        names = params.get('OptOutListNames')
        token = params.get('NextToken')
        limit = params.get('MaxResults', 100)
        owner = params.get('Owner', 'SELF')
        if names is not None and (not isinstance(names, list) or any(
                not isinstance(n, str) for n in names)):
            raise ApiError('SerializationException',
                           'Expected a list of strings for member '
                           'OptOutListNames')
        if not isinstance(limit, int) or isinstance(limit, bool) or \
                (token is not None and not isinstance(token, str)) or \
                not isinstance(owner, str):
            raise ApiError('SerializationException',
                           'Expected a number for MaxResults and strings '
                           'for NextToken and Owner')
        meta = shape.members['MaxResults'].metadata
        bad = []
        if not meta['min'] <= limit <= meta['max']:
            bad.append(('MaxResults', limit, 'Member must have value '
                        'between %d and %d' % (meta['min'], meta['max'])))
        most = shape.members['OptOutListNames'].metadata['max']
        if names is not None and len(names) > most:
            bad.append(('OptOutListNames', names, 'Member must have length '
                        'less than or equal to %d' % most))
        # Owner is newer than some botocore models: then only SELF.
        owners = shape.members['Owner'].metadata['enum'] \
            if 'Owner' in shape.members else ['SELF']
        if owner not in owners:
            bad.append(('Owner', owner, 'Member must satisfy enum value '
                        'set: %s' % owners))
        if token is not None and not token.isdigit():
            bad.append(('NextToken', token, 'Invalid pagination token'))
        if bad:
            raise ApiError('ValidationException', '%d validation error%s '
                           'detected: %s' % (len(bad), '' if len(bad) == 1
                                             else 's', '; '.join(
                                                 "Value '%s' at '%s' failed "
                                                 "to satisfy constraint: %s"
                                                 % (v, n[0].lower() + n[1:],
                                                    m) for n, v, m in bad)),
                           Reason='FIELD_VALIDATION_FAILED',
                           Fields=[{'Name': n, 'Message': m}
                                   for n, _, m in bad])
        region = auth['region']
        with state.lock:
            cred = auth['cred']
            denied = cred.get('describe_denied') or cred.get('denied')
            if denied:
                raise self.access_denied(denied, auth, '*', state,
                                         action=DESCRIBE)
            account = cred.get('account', state.account)
            mine = sorted((lst for (r, a, _), lst in state.lists.items()
                           if r == region and (a or state.account) ==
                           account), key=lambda lst: lst.name)
            if names is not None:
                by_name = {lst.name: lst for lst in mine}
                for n in names:
                    if self.list_name_of(n) not in by_name:
                        raise ApiError('ResourceNotFoundException',
                                       'Opt-out list %s does not exist.' % n,
                                       ResourceType='opt-out-list',
                                       ResourceId=n)
                mine = [by_name[self.list_name_of(n)] for n in names]
            if owner == 'SHARED':
                mine = []
            start = int(token) if token else 0
            page = mine[start:start + limit]
            out = {'OptOutLists': [
                {'OptOutListArn': list_arn(lst.region,
                                           lst.account or state.account,
                                           lst.name),
                 'OptOutListName': lst.name,
                 'CreatedTimestamp': lst.created} for lst in page]}
            if start + limit < len(mine):
                out['NextToken'] = str(start + limit)
            return out

    @staticmethod
    def resolve_list(given, region, account, model):
        """The list name in this region, or None when it cannot be here."""
        if not given.startswith('arn:'):
            return given
        m = re.fullmatch(r'arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):'
                         r'(\d{12}):([a-z-]+)/(.+)', given)
        if m is None or m.group(2) != SIGNING_NAME or \
                m.group(5) != 'opt-out-list' or not re.fullmatch(
                    model.pattern('OptOutListName'), m.group(6)):
            raise ApiError('ValidationException',
                           'Invalid opt-out list ARN: %s' % given,
                           Reason='INVALID_ARN',
                           Fields=[{'Name': 'OptOutListName',
                                    'Message': 'Invalid ARN'}])
        if m.group(3) != region or m.group(4) != account:
            return None
        return m.group(6)

    @staticmethod
    def access_denied(denied, auth, given, state, lst=None,
                      action=OPERATION):
        arn = list_arn(lst.region, lst.account or state.account,
                       lst.name) if lst else \
            'arn:aws:sms-voice:%s:%s:opt-out-list/%s' % (
                auth['region'], auth['cred'].get('account', state.account),
                given)
        if isinstance(denied, str):
            return ApiError('AccessDeniedException',
                            'Access denied: %s.' % denied, Reason=denied)
        return ApiError('AccessDeniedException',
                        'User: arn:aws:iam::%s:user/%s is not authorized to '
                        'perform: sms-voice:%s on resource: %s because no '
                        'identity-based policy allows the sms-voice:%s '
                        'action' % (state.account, auth['akid'], action,
                                    arn, action))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Local Pinpoint SMS Voice V2 endpoint for '
                    'DeleteOptedOutNumber, with a /_test/ control interface.',
        epilog=ENDPOINT_NOTES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--port', type=int, default=0,
                        help='TCP port on 127.0.0.1 (0 = pick a free one)')
    parser.add_argument('--port-file', help='write the port to this file')
    parser.add_argument('--credentials', default=DEFAULT_CREDENTIALS,
                        help='AKID:SECRET[:TOKEN][,...] accepted by default')
    parser.add_argument('--state', help='initial state (JSON file)')
    parser.add_argument('--quiet', action='store_true',
                        help='no per-request log on stderr')
    args = parser.parse_args(argv)

    try:
        state = State(parse_credentials(args.credentials))
        if args.state:
            with open(args.state, encoding='utf-8') as f:
                state.load(json.load(f))
    except (OSError, ValueError) as e:
        print('endpoint: %s' % e, file=sys.stderr)
        return 2

    server = Endpoint(args.port, state, Model(), args.quiet)
    port = server.server_address[1]
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    thread = threading.Thread(target=server.serve_forever,
                              kwargs={'poll_interval': 0.2}, daemon=True)
    thread.start()
    if args.port_file:
        tmp = '%s.tmp%d' % (args.port_file, os.getpid())
        with open(tmp, 'w', encoding='ascii') as f:
            f.write('%d\n' % port)
        os.replace(tmp, args.port_file)
    print('LISTENING %d' % port, flush=True)

    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    thread.join(5)
    return 0


if __name__ == '__main__':
    sys.exit(main())
