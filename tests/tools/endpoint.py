#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""endpoint.py - a local stand-in for the Pinpoint SMS Voice V2 API.

It serves the single action the daemon calls, DeleteOptedOutNumber, over real
HTTP/1.1 with keep-alive, and judges every request the way the service would,
but without sharing a line of code with the daemon's own signer: the SigV4
signature is recomputed with botocore's SigV4Auth from the headers the client
listed in SignedHeaders and the exact body bytes it sent. Input constraints,
error shapes and HTTP status codes are read from botocore's service model
(data/pinpoint-sms-voice-v2/2022-03-31/service-2.json), so a test that passes
here passes against the real wire format.

State (credentials, opt-out lists per region, fault rules, the call log) is
kept in memory behind one lock and is driven by tests through an unsigned JSON
control interface under /_test/ on the same port (loopback only). The state
format, fault rules and the choices made where the real service is not
documented are described in ENDPOINT_NOTES below and printed by --help.

Only the Python standard library and botocore are used. Run with the Debian
interpreter (/usr/bin/python3), which has python3-botocore.
"""

import argparse
import datetime
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

ENDPOINT_NOTES = """\
control interface (unsigned JSON, loopback only):
  POST /_test/state   replace the whole state; keys left out take their
                      start-up values (account 123456789012, the --credentials,
                      no lists, clock_offset 0)
  GET  /_test/state   the current state in the same format
  POST /_test/lists   add lists or merge into existing ones (a list, or
                      {"lists": [...]}); numbers and recently_deleted are
                      merged, denied is replaced when given
  GET  /_test/lists   current lists with their numbers and deletions
  POST /_test/faults  replace the fault rules (a list, or {"faults": [...]})
  GET  /_test/faults  remaining fault rules
  GET  /_test/calls   every API call received, in arrival order
  POST /_test/reset   clear the call log and the fault rules

state:
  {"account": "123456789012",
   "clock_offset": 0,            seconds added to this host's clock for the
                                 X-Amz-Date check and the Date header
   "credentials": [{"akid": "...", "secret": "...", "token": null,
                    "expired": false, "denied": false}],
   "lists": [{"region": "us-east-1", "name": "marketing",
              "numbers": ["+14155550100",
                          {"number": "+14155550101", "opted_out_at": 1.7e9,
                           "end_user": false}],
              "recently_deleted": ["+14155550102",
                                   {"number": "...", "deleted_at": 1.7e9}],
              "denied": false}]}
  A number given as a string was opted out by the end user when the list was
  loaded. "recently_deleted" records an earlier deletion (default: one day
  ago); deleting that number again while it is (re-)listed and the deletion
  is less than 30 days old answers ConflictException.

fault rules, checked in order before normal processing; the first rule that
matches (number / list / region / akid, each optional, list matching the name
or ARN as sent or the resolved name) consumes one of its "times" (default 1,
-1 = always):
  "<ExceptionName>" or "<ExceptionName>:<Reason>"  that error, real shape
  "html503"       503 text/html page, no error type, no request id
  "http:<code>"   that status with a text/plain body, no error type
  "garbage"       200 with a body that is not JSON
  "reset"         the connection is reset (RST) without a response
  "close"         the connection is closed (FIN) without a response
                  (libcurl silently retries a request whose reused
                  connection dies before any answer, once: use times 2 or
                  more to make a reset reach the caller)
  "slow:<ms>"     wait, then process the request normally

choices where the real service is not documented:
  - modeled errors use the model's error.httpStatusCode when present, else
    500 for fault shapes and 400 for the others (the Smithy default; the
    2022-03-31 model has no httpError traits): ThrottlingException 400,
    InternalServerException 500, the rest 400.
  - authentication errors are coral framework errors with HTTP 403:
    IncompleteSignatureException, InvalidSignatureException,
    MissingAuthenticationTokenException, UnrecognizedClientException,
    ExpiredTokenException; body {"__type": "com.amazon.coral.service#X",
    "message": ...}. A wrong or missing X-Amz-Target or Content-Type is a 400
    UnknownOperationException, a body that is not a JSON object or a member of
    the wrong JSON type a 400 SerializationException.
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
"""

SERVICE = 'pinpoint-sms-voice-v2'
SIGNING_NAME = 'sms-voice'
SERVICE_NS = 'com.amazonaws.pinpointsmsvoicev2'
CORAL_NS = 'com.amazon.coral.service'
OPERATION = 'DeleteOptedOutNumber'
CONTENT_TYPE = 'application/x-amz-json-1.0'
DEFAULT_ACCOUNT = '123456789012'
DEFAULT_CREDENTIALS = 'AKIDTESTEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
MAX_SKEW = 300
REDELETE_WINDOW = 30 * 86400
MAX_BODY = 1 << 20
AMZ_DATE = '%Y%m%dT%H%M%SZ'

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

    def __init__(self, credentials, region, signed):
        super().__init__(credentials, SIGNING_NAME, region)
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
    def __init__(self, region, name):
        self.region = region
        self.name = name
        self.numbers = {}   # number -> {"opted_out_at": float, "end_user": bool}
        self.deleted = {}   # number -> deleted_at
        self.denied = False

    def merge(self, spec, now):
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
            'arn': list_arn(self.region, account, self.name),
            'numbers': [dict(number=n, **v)
                        for n, v in sorted(self.numbers.items())],
            'recently_deleted': [{'number': n, 'deleted_at': t}
                                 for n, t in sorted(self.deleted.items())],
            'denied': self.denied,
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


class State:
    """Everything the endpoint remembers. Callers hold .lock."""

    def __init__(self, default_credentials):
        self.lock = threading.Lock()
        self.default_credentials = default_credentials
        self.calls = []
        self.faults = []
        self.load({})

    def load(self, spec):
        if not isinstance(spec, dict):
            raise ValueError('state must be a JSON object')
        account = spec.get('account', DEFAULT_ACCOUNT)
        if not isinstance(account, str) or not re.fullmatch(r'\d{12}',
                                                            account):
            raise ValueError('account must be 12 digits')
        offset = spec.get('clock_offset', 0)
        if not isinstance(offset, (int, float)) or isinstance(offset, bool):
            raise ValueError('clock_offset must be a number')
        creds = {}
        for c in spec.get('credentials', self.default_credentials):
            if not isinstance(c, dict) or not isinstance(c.get('akid'), str) \
                    or not isinstance(c.get('secret'), str):
                raise ValueError('credentials: [{"akid": .., "secret": ..}]')
            token = c.get('token')
            if token is not None and not isinstance(token, str):
                raise ValueError('credentials: token must be a string or null')
            creds[c['akid']] = {'akid': c['akid'], 'secret': c['secret'],
                                'token': token,
                                'expired': bool(c.get('expired', False)),
                                'denied': c.get('denied', False)}
        saved = self.__dict__.copy()
        self.account = account
        self.clock_offset = float(offset)
        self.credentials = creds
        self.lists = {}
        try:
            self.merge_lists(spec.get('lists', []))
        except (ValueError, TypeError):
            self.__dict__.update(saved)  # all or nothing
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
            key = (region, spec['name'])
            lst = self.lists.get(key) or OptOutList(region, spec['name'])
            lst.merge(spec, now)
            self.lists[key] = lst

    def set_faults(self, rules):
        if not isinstance(rules, list):
            raise ValueError('faults must be a JSON array')
        out = []
        for r in rules:
            if not isinstance(r, dict) or not isinstance(r.get('fault'), str):
                raise ValueError('each fault rule needs a "fault" string')
            times = r.get('times', 1)
            if not isinstance(times, int) or isinstance(times, bool):
                raise ValueError('fault "times" must be an integer')
            kind = r['fault']
            if kind.startswith('slow:') or kind.startswith('http:'):
                int(kind.split(':', 1)[1])
            rule = dict(r)
            rule['times'] = times
            out.append(rule)
        self.faults = out

    def match_fault(self, region, akid, list_given, list_name, number):
        for rule in self.faults:
            if rule['times'] == 0:
                continue
            if 'number' in rule and rule['number'] != number:
                continue
            if 'list' in rule and rule['list'] not in (list_given, list_name):
                continue
            if 'region' in rule and rule['region'] != region:
                continue
            if 'akid' in rule and rule['akid'] != akid:
                continue
            if rule['times'] > 0:
                rule['times'] -= 1
            return rule['fault']
        return None

    def now(self):
        return time.time() + self.clock_offset

    def to_json(self):
        return {
            'account': self.account,
            'clock_offset': self.clock_offset,
            'credentials': list(self.credentials.values()),
            'lists': [lst.to_json(self.account)
                      for _, lst in sorted(self.lists.items())],
        }


class Endpoint(ThreadingHTTPServer):
    daemon_threads = True
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

    def send_error_shape(self, err, request_id):
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
        ])

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
        if self.path.startswith('/_test/'):
            self.control('GET')
        else:
            self.not_an_api_call()

    def do_POST(self):
        if self.path.startswith('/_test/'):
            self.control('POST')
        else:
            self.api_call()

    def do_PUT(self):
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
            return None
        if path == '/_test/state':
            state.load(data if data is not None else {})
            return {'ok': True}
        if path == '/_test/lists':
            if isinstance(data, dict):
                data = data.get('lists', [data] if 'name' in data else [])
            state.merge_lists(data if data is not None else [])
            return {'ok': True}
        if path == '/_test/faults':
            if isinstance(data, dict):
                data = data.get('faults', [])
            state.set_faults(data if data is not None else [])
            return {'ok': True}
        if path == '/_test/reset':
            state.calls = []
            state.faults = []
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
                'signed_headers': None,
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
            fault = state.match_fault(call['region'], call['akid'],
                                      call['list'],
                                      self.list_name_of(call['list']),
                                      call['number'])
            call['fault'] = fault
        if fault is not None and self.apply_fault(fault, call):
            return

        if auth_error is not None:
            self.finish_call(call, auth_error)
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

    def finish_call(self, call, err, result=None):
        request_id = call['request_id']
        if err is not None:
            status = self.server.model.status_of(err.code)
            self.record(call, status, err.code)
            self.send_error_shape(err, request_id)
            return
        self.record(call, 200, None)
        self.send(200, json.dumps(result), [
            ('x-amzn-RequestId', request_id),
            ('Content-Type', CONTENT_TYPE),
        ])

    def record(self, call, status, code):
        with self.server.state.lock:
            call['status'] = status
            call['code'] = code

    def apply_fault(self, fault, call):
        """Answers the request per the fault; False when it should go on."""
        kind, _, arg = fault.partition(':')
        if kind == 'slow':
            time.sleep(int(arg) / 1000.0)
            return False
        if kind == 'html503':
            self.record(call, 503, 'html503')
            self.send(503, '<html>\n<head><title>503 Service Unavailable'
                      '</title></head>\n<body>\n<center><h1>503 Service '
                      'Unavailable</h1></center>\n</body>\n</html>\n',
                      [('Content-Type', 'text/html')])
            return True
        if kind == 'http':
            status = int(arg)
            self.record(call, status, 'http')
            self.send(status, '%d %s\n' % (status, self.responses.get(
                status, ('Error',))[0]), [('Content-Type', 'text/plain')])
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
        self.finish_call(call, self.fault_error(kind, arg or None, call))
        return True

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

    def authenticate(self, body):
        """Verifies SigV4; returns {"akid", "region", ...} or raises."""
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
        akid, scope_date, region, service, terminator = scope
        info.update(akid=akid, region=region)
        if terminator != 'aws4_request':
            raise fail('InvalidSignatureException',
                       "Credential should be scoped with a valid terminator: "
                       "'aws4_request', not '%s'. " % terminator)
        if service != SIGNING_NAME:
            raise fail('InvalidSignatureException',
                       "Credential should be scoped to correct service: "
                       "'%s'. " % SIGNING_NAME)
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
        need = ['host', 'x-amz-date', 'x-amz-target', 'content-type']
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
            cred = state.credentials.get(akid)
            cred = dict(cred) if cred else None
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
                                            cred['token']), region, signed)
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
        if target != want_target:
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
            name = self.resolve_list(given, region, state.account, model)
            lst = state.lists.get((region, name)) if name else None
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
                'OptOutListArn': list_arn(lst.region, state.account,
                                          lst.name),
                'OptOutListName': lst.name,
                'OptedOutNumber': number,
                'OptedOutTimestamp': entry['opted_out_at'],
                'EndUserOptedOut': entry['end_user'],
            }

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
    def access_denied(denied, auth, given, state, lst=None):
        arn = list_arn(lst.region, state.account, lst.name) if lst else \
            'arn:aws:sms-voice:%s:%s:opt-out-list/%s' % (
                auth['region'], state.account, given)
        if isinstance(denied, str):
            return ApiError('AccessDeniedException',
                            'Access denied: %s.' % denied, Reason=denied)
        return ApiError('AccessDeniedException',
                        'User: arn:aws:iam::%s:user/%s is not authorized to '
                        'perform: sms-voice:%s on resource: %s because no '
                        'identity-based policy allows the sms-voice:%s '
                        'action' % (state.account, auth['akid'], OPERATION,
                                    arn, OPERATION))


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
