# SPDX-License-Identifier: Apache-2.0
"""test_schema.py - docs/request.schema.json and docs/outcome.schema.json
say what DESIGN.md says.

Both are valid JSON Schemas (their metaschema); sample requests and outcomes
of every kind are accepted, and samples that break one rule each are
refused; the request and outcome examples of README.md, DESIGN.md (when the
shared directory is beside the tree) and optout-eraserd(8) validate.  The
end-to-end tests check every outcome the daemon really produces against the
outcome schema (lib.consume_all()); this test checks the schemas
themselves.  Needs only python3-jsonschema; skips (exit 77) without it."""
import copy
import json
import os
import re

import lib

tap = lib.Tap()
try:
    import jsonschema
except ImportError as e:
    tap.skip_all('jsonschema cannot be imported by %s (%s); apt-get install '
                 'python3-jsonschema' % (lib.sys.executable, e))

SOURCE = {"Topic": "optout-deletions", "Partition": 3, "Offset": 1187}
ARN = "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/marketing"


def valid(name, value, msg):
    errors = lib.schema_errors(name, value)
    tap.ok(not errors, '%s: accepts %s' % (name, msg))
    for e in errors:
        tap.diag(e)


def invalid(name, value, msg):
    tap.ok(lib.schema_errors(name, value), '%s: refuses %s' % (name, msg))


def changed(base, drop=(), **members):
    out = copy.deepcopy(base)
    for k in drop:
        out.pop(k, None)
    out.update(members)
    return out


# ---------------------------------------------------------------- schemas

for name in ('request', 'outcome'):
    try:
        with open(lib.schema_path(name), encoding='utf-8') as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        tap.ok(True, '%s.schema.json is a valid %s schema'
               % (name, schema.get('$schema')))
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        tap.ok(False, '%s.schema.json is a valid schema' % name)
        tap.diag(str(e))

# --------------------------------------------------------------- requests

REQ = {"RequestId": "erasure-2026-0001", "OptOutListName": "marketing",
       "OptedOutNumber": "+14155550100"}

valid('request', REQ, 'the DESIGN.md example')
valid('request', changed(REQ, drop=['RequestId']), 'no RequestId')
valid('request', changed(REQ, OptOutListName=ARN), 'a list ARN')
valid('request', changed(REQ, OptOutListName='*'), '"*" (erase everywhere)')
valid('request', changed(REQ, OptOutListName='a' * 256), 'a 256-char list')
valid('request', changed(REQ, OptOutListName='A_b:c/d-9'),
      'every character class of a list name')
valid('request', changed(REQ, OptedOutNumber='14155550100'), 'a number without +')
valid('request', changed(REQ, OptedOutNumber='+12'), 'a 2-digit number')
valid('request', changed(REQ, OptedOutNumber='+1' + '0' * 18), 'a 19-digit number')
valid('request', changed(REQ, RequestId='é' * 256),
      'a RequestId of 256 characters (not bytes)')
valid('request', changed(REQ, RequestId=''), 'an empty RequestId')
valid('request', changed(REQ, Extra={"x": [1, 2]}, Note=None),
      'unknown members (ignored)')

invalid('request', [REQ], 'an array')
invalid('request', "+14155550100", 'a string')
invalid('request', None, 'null')
invalid('request', changed(REQ, drop=['OptOutListName']), 'no OptOutListName')
invalid('request', changed(REQ, drop=['OptedOutNumber']), 'no OptedOutNumber')
invalid('request', changed(REQ, OptOutListName=''), 'an empty list name')
invalid('request', changed(REQ, OptOutListName='a' * 257), 'a 257-char list')
invalid('request', changed(REQ, OptOutListName='market ing'), 'a space in the list')
invalid('request', changed(REQ, OptOutListName='*x'), '"*x" as the list')
invalid('request', changed(REQ, OptOutListName='marketing\n'),
        'a list with a trailing newline')
invalid('request', changed(REQ, OptOutListName=5), 'a number as the list')
invalid('request', changed(REQ, OptOutListName=None), 'null as the list')
invalid('request', changed(REQ, OptedOutNumber='+04155550100'), 'a number starting with 0')
invalid('request', changed(REQ, OptedOutNumber='+1'), 'a 1-digit number')
invalid('request', changed(REQ, OptedOutNumber='+1' + '0' * 19), 'a 20-digit number')
invalid('request', changed(REQ, OptedOutNumber='++14155550100'), 'a double +')
invalid('request', changed(REQ, OptedOutNumber='+1 415 555 0100'), 'spaces in the number')
invalid('request', changed(REQ, OptedOutNumber='+14155550100\n'),
        'a number with a trailing newline')
invalid('request', changed(REQ, OptedOutNumber=14155550100), 'the number as a JSON number')
invalid('request', changed(REQ, OptedOutNumber='*'), '"*" as the number')
invalid('request', changed(REQ, RequestId=7), 'a numeric RequestId')
invalid('request', changed(REQ, RequestId=None),
        'a null RequestId (DESIGN.md: a string)')
invalid('request', changed(REQ, RequestId='x' * 257), 'a RequestId of 257 characters')
invalid('request', changed(REQ, RequestId='a\u0000b'), 'a NUL in RequestId')
invalid('request', '{"OptOutListName": "a", "OptOutListName": "b", '
        '"OptedOutNumber": "+14155550100"}', 'a member given twice')

# --------------------------------------------------------------- outcomes

DELETED = {"RequestId": "erasure-2026-0001", "Outcome": "deleted",
           "OptOutListName": "marketing", "OptedOutNumber": "+14155550100",
           "OptOutListArn": ARN, "OptedOutTimestamp": 1764115200.0,
           "EndUserOptedOut": True, "Attempts": 1,
           "AwsRequestId": "c0ffee00-0000-4000-8000-000000000000",
           "Source": SOURCE, "CompletedAt": "2026-11-26T10:00:00.123Z"}
BASE = changed(DELETED, drop=['OptOutListArn', 'OptedOutTimestamp',
                              'EndUserOptedOut'])


def failure(kind, code, **members):
    out = changed(BASE, Outcome=kind,
                  Error={"Code": code, "Message": "why it went so"})
    out.update(members)
    return out


valid('outcome', DELETED, 'deleted, the DESIGN.md example')
valid('outcome', BASE, 'deleted without response members')
valid('outcome', changed(BASE, RequestId=None), 'deleted, RequestId null')
valid('outcome', changed(BASE, AwsRequestId=None), 'AwsRequestId null')
valid('outcome', changed(BASE, drop=['AwsRequestId']), 'no AwsRequestId')
valid('outcome', failure('not_found', 'ResourceNotFoundException',
                         AwsRequestId='r-1'), 'not_found')
valid('outcome', failure('not_found', 'ResourceNotFoundException',
                         Error={"Code": "ResourceNotFoundException",
                                "Message": "no list", "ResourceType":
                                "opt-out-list", "ResourceId": "marketing"}),
      'not_found with ResourceType and ResourceId')
valid('outcome', failure('conflict', 'ConflictException',
                         Error={"Code": "ConflictException", "Message": "m",
                                "Reason": "DELETION_PROTECTION_ENABLED"}),
      'conflict with a Reason')
valid('outcome', failure('rejected', 'ValidationException'),
      'rejected by the API (ValidationException)')
valid('outcome', failure('rejected', 'InvalidRequest', Attempts=0,
                         AwsRequestId=None, OptOutListName=None),
      'rejected unread, the list invalid (null)')
valid('outcome', failure('rejected', 'MalformedRequest', Attempts=0,
                         RequestId=None, AwsRequestId=None,
                         OptOutListName=None, OptedOutNumber=None),
      'rejected unread, not JSON (everything null)')
valid('outcome', failure('rejected', 'RequestTooLarge', Attempts=0,
                         OptOutListName=None, OptedOutNumber=None,
                         KeyTruncated=True, KeyLength=1048000),
      'rejected, key too long to copy (KeyTruncated, KeyLength)')
valid('outcome', failure('denied', 'AccessDeniedException'), 'denied')
valid('outcome', failure('failed', 'ThrottlingException', Attempts=57),
      'failed (throttling outlasted the retry policy)')
valid('outcome', failure('failed', 'Timeout', AwsRequestId=None),
      'failed with no HTTP answer (Timeout)')
valid('outcome', changed(DELETED, OptOutListName=ARN), 'deleted, list given as an ARN')

invalid('outcome', [DELETED], 'an array')
invalid('outcome', changed(BASE, Outcome='done'), 'an unknown Outcome')
invalid('outcome', changed(BASE, Outcome='Deleted'), 'Outcome in the wrong case')
for kind in ('not_found', 'conflict', 'rejected', 'denied', 'failed'):
    invalid('outcome', changed(BASE, Outcome=kind), '%s without Error' % kind)
invalid('outcome', changed(BASE, Error={"Code": "X", "Message": "m"}),
        'deleted with an Error')
invalid('outcome', failure('failed', 'X', Error={"Message": "m"}), 'an Error without Code')
invalid('outcome', failure('failed', 'X', Error={"Code": "X"}), 'an Error without Message')
invalid('outcome', failure('failed', 'X', Error={"Code": "", "Message": "m"}),
        'an empty Error.Code')
invalid('outcome', failure('failed', 'X', Error="Timeout"), 'an Error that is a string')
for member in ('RequestId', 'Outcome', 'OptedOutNumber', 'Attempts', 'Source',
               'CompletedAt', 'OptOutListName'):
    invalid('outcome', changed(BASE, drop=[member]), 'no %s' % member)
invalid('outcome', changed(BASE, RequestId=12), 'a numeric RequestId')
invalid('outcome', changed(BASE, Attempts=-1), 'negative Attempts')
invalid('outcome', changed(BASE, Attempts=1.5), 'fractional Attempts')
invalid('outcome', changed(BASE, Attempts="1"), 'Attempts as a string')
invalid('outcome', changed(BASE, Source=changed(SOURCE, Offset=-1)), 'a negative Offset')
invalid('outcome', changed(BASE, Source=changed(SOURCE, drop=['Topic'])),
        'a Source without Topic')
invalid('outcome', changed(BASE, Source=changed(SOURCE, Key="k")),
        'a Source with an unknown member')
invalid('outcome', changed(BASE, Source=changed(SOURCE, Partition="3")),
        'a Source Partition as a string')
invalid('outcome', changed(BASE, CompletedAt="2026-11-26T10:00:00Z"),
        'CompletedAt without milliseconds')
invalid('outcome', changed(BASE, CompletedAt="2026-11-26T10:00:00.123+00:00"),
        'CompletedAt not in Z')
invalid('outcome', changed(BASE, CompletedAt=1764151200123), 'CompletedAt as a number')
invalid('outcome', changed(BASE, Surprise=1), 'an unknown member')
invalid('outcome', changed(BASE, OptedOutNumber='0155'), 'deleted with an invalid number')
invalid('outcome', changed(BASE, OptedOutNumber=None), 'deleted with a null number')
invalid('outcome', changed(BASE, OptOutListName=None), 'deleted with a null list')
invalid('outcome', failure('not_found', 'ResourceNotFoundException', OptOutListArn=ARN),
        'response members on not_found')
invalid('outcome', changed(DELETED, EndUserOptedOut="true"), 'EndUserOptedOut as a string')
invalid('outcome', changed(DELETED, OptedOutTimestamp="1764115200"),
        'OptedOutTimestamp as a string')
invalid('outcome', changed(BASE, KeyTruncated=True), 'KeyTruncated without KeyLength')
invalid('outcome', changed(BASE, KeyLength=5), 'KeyLength without KeyTruncated')
invalid('outcome', changed(BASE, KeyTruncated=False, KeyLength=5), 'KeyTruncated false')
invalid('outcome', json.dumps(BASE)[:-1] + ', "Outcome": "failed"}',
        'a member given twice')

# -------------------------------------------------------- erase everywhere

ENTRY = {"deleted": {"OptOutListName": "marketing", "OptOutListArn": ARN,
                     "Region": "us-east-1", "Outcome": "deleted",
                     "OptedOutTimestamp": 1764115200.0,
                     "EndUserOptedOut": True, "AwsRequestId": "r-1"}}
for kind, code in (('not_found', 'ResourceNotFoundException'),
                   ('conflict', 'ConflictException'),
                   ('denied', 'AccessDeniedException'),
                   ('failed', 'ThrottlingException')):
    ENTRY[kind] = {"OptOutListName": "list-" + kind, "Region": "eu-west-2",
                   "Outcome": kind, "Error": {"Code": code, "Message": "m"}}
ORDER = ['failed', 'denied', 'conflict', 'deleted', 'not_found']


def everywhere(top, kinds):
    out = {"RequestId": "erasure-2026-0002", "Outcome": top,
           "OptedOutNumber": "+14155550100",
           "Lists": [ENTRY[k] for k in kinds], "Attempts": len(kinds),
           "Source": {"Topic": "optout-deletions", "Partition": 0, "Offset": 12},
           "CompletedAt": "2026-11-26T10:00:01.456Z"}
    if top != 'deleted':
        out["Error"] = {"Code": ENTRY[top]["Error"]["Code"], "Message": "m"}
    return out


valid('outcome', everywhere('deleted', ['deleted', 'not_found']),
      'erase everywhere, the DESIGN.md example')
valid('outcome', changed(everywhere('deleted', ['deleted']), OptOutListName='*'),
      'erase everywhere with OptOutListName "*"')
valid('outcome', changed(everywhere('not_found', ['not_found']),
                         Lists=[changed(ENTRY['not_found'], Region='us-gov-west-1'),
                                changed(ENTRY['not_found'], Region='eusc-de-east-1')]),
      'erase everywhere, regions of other partitions')
# The worst entry decides: each kind on top of every kind below it.
for i, top in enumerate(ORDER):
    valid('outcome', everywhere(top, ORDER[i:]),
          'erase everywhere: %s over %s' % (top, ', '.join(ORDER[i + 1:]) or 'nothing'))
    for better in ORDER[i + 1:]:
        invalid('outcome', everywhere(better, ORDER[i:]),
                'erase everywhere: %s while an entry is %s' % (better, top))
invalid('outcome', everywhere('failed', ['deleted', 'not_found']),
        'erase everywhere: failed with no failed entry')
invalid('outcome', changed(everywhere('deleted', ['deleted']), Lists=[]),
        'erase everywhere: deleted with no entries')
NO_LISTS = changed(everywhere('not_found', ['not_found']), Lists=[],
                   Error={"Code": "NoOptOutLists", "Message": "m"})
valid('outcome', NO_LISTS, 'erase everywhere, no list at all: not_found, '
      'Lists [] and Error NoOptOutLists')
invalid('outcome', changed(NO_LISTS, drop=['Lists']),
        'erase everywhere, no list at all: Lists is there (empty)')
invalid('outcome', changed(NO_LISTS, Outcome='failed'),
        'erase everywhere: failed with no entries')
valid('outcome', changed(everywhere('deleted', ['deleted']), ListsOmitted=398),
      'erase everywhere: not_found entries left out, counted')
valid('outcome', changed(NO_LISTS, ListsOmitted=3,
                         Error={"Code": "ResourceNotFoundException",
                                "Message": ""}),
      'erase everywhere: every entry not_found and left out')
invalid('outcome', changed(everywhere('deleted', ['deleted']), ListsOmitted=0),
        'erase everywhere: ListsOmitted 0')
invalid('outcome', changed(NO_LISTS, drop=['Lists'], ListsOmitted=3),
        'erase everywhere: ListsOmitted without Lists')
UNLISTED = {"OptOutListName": "*", "Region": "eu-west-2", "Outcome": "failed",
            "Error": {"Code": "ListingFailed", "Message": "m"}}
valid('outcome', changed(everywhere('failed', ['deleted']),
                         Lists=[ENTRY['deleted'], UNLISTED],
                         Error={"Code": "ListingFailed", "Message": "m"}),
      'erase everywhere: a region not listed is a failed "*" entry')
invalid('outcome', changed(everywhere('deleted', ['deleted']),
                           Lists=[ENTRY['deleted'],
                                  changed(UNLISTED, Outcome='not_found')]),
        'erase everywhere: a "*" entry is failed')
invalid('outcome', changed(everywhere('failed', ['deleted']),
                           Lists=[ENTRY['deleted'],
                                  changed(UNLISTED, Error={"Code": "X",
                                                           "Message": "m"})]),
        'erase everywhere: a "*" entry says ListingFailed')
invalid('outcome', changed(everywhere('deleted', ['deleted']), OptOutListName='marketing'),
        'erase everywhere: a list name other than "*"')
invalid('outcome', changed(everywhere('deleted', ['deleted']), Outcome='rejected',
                           Error={"Code": "InvalidRequest", "Message": "m"}),
        'erase everywhere: rejected with entries')
invalid('outcome', everywhere('deleted', ['deleted']) | {"OptOutListArn": ARN},
        'erase everywhere: response members at the top level')
invalid('outcome', changed(everywhere('deleted', ['deleted']),
                           Lists=[changed(ENTRY['deleted'], drop=['Region'])]),
        'erase everywhere: an entry without Region')
invalid('outcome', changed(everywhere('not_found', ['not_found']),
                           Lists=[changed(ENTRY['not_found'], drop=['Error'])]),
        'erase everywhere: a not_found entry without Error')
invalid('outcome', changed(everywhere('deleted', ['deleted']),
                           Lists=[changed(ENTRY['deleted'],
                                          Error={"Code": "X", "Message": "m"})]),
        'erase everywhere: a deleted entry with an Error')
invalid('outcome', changed(everywhere('deleted', ['deleted']),
                           Lists=[changed(ENTRY['deleted'], Region='moon')]),
        'erase everywhere: an entry with a bad Region')
invalid('outcome', changed(everywhere('deleted', ['deleted']),
                           Lists=[changed(ENTRY['deleted'], Extra=1)]),
        'erase everywhere: an entry with an unknown member')

# ----------------------------------------------- examples in the documents


def json_blocks(path):
    """The ```json blocks of a Markdown file, parsed."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    return [m.group(1) for m in re.finditer(r'```json\n(.*?)```', text, re.S)]


def man_blocks(path):
    """The .EX/.EE blocks of a man page source that hold a JSON object."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    out = []
    for m in re.finditer(r'^\.EX\n(.*?)^\.EE$', text, re.S | re.M):
        block = m.group(1).replace('\\-', '-').replace('\\e', '\\')
        if block.lstrip().startswith('{'):
            out.append(block)
    return out


MESSAGE_MEMBERS = {'RequestId', 'OptOutListName', 'OptedOutNumber', 'Outcome'}


def check_examples(label, blocks):
    counts = {'request': 0, 'outcome': 0}
    for i, text in enumerate(blocks):
        try:
            value = json.loads(text)
        except ValueError as e:
            tap.ok(False, '%s: example %d is JSON' % (label, i + 1))
            tap.diag(str(e))
            continue
        if not isinstance(value, dict) or not MESSAGE_MEMBERS & set(value):
            continue  # not a message (an IAM policy, ...)
        name = 'outcome' if 'Outcome' in value else 'request'
        counts[name] += 1
        errors = lib.schema_errors(name, value)
        tap.ok(not errors, '%s: example %d validates as a%s %s'
               % (label, i + 1, 'n' if name == 'outcome' else '', name))
        for e in errors:
            tap.diag(e)
    return counts


src = lib.top_srcdir()
readme = check_examples('README.md', json_blocks(os.path.join(src, 'README.md')))
tap.ok(readme['request'] >= 1 and readme['outcome'] >= 1,
       'README.md has request and outcome examples (%r)' % readme)
# The request sent by hand with kcat (key|value).
by_hand = re.findall(r"echo '[^'|]*\|(\{[^']*\})'",
                     open(os.path.join(src, 'README.md'), encoding='utf-8').read())
tap.ok(by_hand, 'README.md sends a request by hand (%d)' % len(by_hand))
for text in by_hand:
    valid('request', text, "README.md's request sent by hand")
man = check_examples('optout-eraserd(8)', man_blocks(
    os.path.join(src, 'man', 'optout-eraserd.8.in')))
tap.ok(man['request'] >= 1 and man['outcome'] >= 1,
       'optout-eraserd(8) has request and outcome examples (%r)' % man)
design = os.path.join(os.path.dirname(lib.shared_data()), 'DESIGN.md')
if os.path.exists(design):
    counts = check_examples('DESIGN.md', json_blocks(design))
    tap.ok(counts['request'] >= 1 and counts['outcome'] >= 2,
           'DESIGN.md has request and outcome examples (%r)' % counts)
else:
    tap.skip('%s is not here' % design)

tap.done()
