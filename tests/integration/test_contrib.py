# SPDX-License-Identifier: Apache-2.0
"""test_contrib.py - the Prometheus rules and the Grafana dashboard under
contrib/ work, and use only metrics the daemon exports.

  - "promtool check rules" accepts contrib/prometheus/optout-eraser.rules.yml
    and "promtool test rules" passes contrib/prometheus/rules.test.yml
    (skipped points when promtool is missing: apt-get install prometheus);
  - the dashboard is JSON, every panel queries something, with the
    dashboard's data source variable;
  - every optout_* name in the rules, their tests and the dashboard is a
    metric family that src/metrics.c renders (a histogram's _bucket, _sum
    and _count included), and every outcome="..." a real outcome name
    (src/outcome.c): renaming a metric or an outcome fails here;
  - the names parsed from src/metrics.c are the families a running daemon
    serves on /metrics ("# TYPE" lines), so the parse cannot go stale
    (skipped points without the mock cluster, botocore or confluent_kafka).
"""
import importlib
import json
import os
import re
import shutil
import subprocess
import urllib.request

import lib

tap = lib.Tap()
SRC = lib.top_srcdir()
RULES = os.path.join(SRC, 'contrib', 'prometheus', 'optout-eraser.rules.yml')
RULES_TEST = os.path.join(SRC, 'contrib', 'prometheus', 'rules.test.yml')
DASHBOARD = os.path.join(SRC, 'contrib', 'grafana', 'optout-eraser.json')
# Series Prometheus makes itself, not the daemon.
BUILTIN = {'up'}


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def source_families():
    """{name: type} of the families src/metrics.c renders."""
    text = read(os.path.join(SRC, 'src', 'metrics.c'))
    fams = {}
    for m in re.finditer(r'mtext_family\(\s*b,\s*"([a-z_:][a-z0-9_:]*)",\s*'
                         r'"([a-z]+)"', text):
        fams[m.group(1)] = m.group(2)
    for m in re.finditer(r'mtext_hist\(\s*b,\s*"([a-z_:][a-z0-9_:]*)"', text):
        fams[m.group(1)] = 'histogram'
    # The per-region gauges: render_regions(&b, m, tokens, "name", help).
    for m in re.finditer(r'render_regions\(\s*&?b,\s*m,\s*\w+,\s*'
                         r'"([a-z_:][a-z0-9_:]*)"', text):
        fams[m.group(1)] = 'gauge'
    return fams


def series_names(fams):
    """The names a query may use: histograms add _bucket, _sum, _count."""
    names = set()
    for name, kind in fams.items():
        names.add(name)
        if kind == 'histogram':
            names.update(name + s for s in ('_bucket', '_sum', '_count'))
    return names


def outcome_names():
    text = read(os.path.join(SRC, 'src', 'outcome.c'))
    m = re.search(r'outcome_names\[[^]]*\]\s*=\s*\{(.*?)\};', text, re.S)
    return set(re.findall(r'=\s*"([a-z_]+)"', m.group(1))) if m else set()


def run(argv, cwd=None):
    p = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120)
    return p.returncode, p.stdout.decode('utf-8', 'replace')


# ------------------------------------------------------------ promtool

promtool = shutil.which('promtool')
if promtool:
    rc, out = run([promtool, 'check', 'rules', RULES])
    tap.ok(rc == 0 and 'SUCCESS' in out, 'promtool check rules: %s'
           % (out.strip().splitlines() or ['no output'])[-1].strip())
    if rc:
        tap.diag(out)
    rc, out = run([promtool, 'test', 'rules', os.path.basename(RULES_TEST)],
                  cwd=os.path.dirname(RULES_TEST))
    tap.ok(rc == 0 and 'SUCCESS' in out, 'promtool test rules passes')
    if rc:
        tap.diag(out)
else:
    tap.skip('promtool not installed (apt-get install prometheus)', 2)

# ---------------------------------------------------- what the files use

fams = source_families()
tap.ok(len(fams) >= 10, 'src/metrics.c renders %d metric families' % len(fams))
exported = series_names(fams)
outcomes = outcome_names()
tap.is_(sorted(outcomes), sorted(['conflict', 'deleted', 'denied', 'failed',
                                  'not_found', 'rejected']),
        'src/outcome.c names the six outcomes')

rules_text = read(RULES)
alerts = re.findall(r'^\s*- alert: (\w+)$', rules_text, re.M)
tap.ok(len(alerts) >= 10, 'the rules file has %d alerts' % len(alerts))
for want in ('OptoutEraserDown', 'OptoutEraserPaused',
             'OptoutEraserFailedOutcomes', 'OptoutEraserLagGrowing',
             'OptoutEraserNoProgress', 'OptoutEraserThrottled',
             'OptoutEraserCredentialsExpiring'):
    tap.ok(want in alerts, 'the rules have %s' % want)
tested = set(re.findall(r'alertname: (\w+)', read(RULES_TEST)))
tap.is_(sorted(set(alerts) - tested), [],
        'rules.test.yml tests every alert of the rules file')

try:
    dash = json.loads(read(DASHBOARD))
    tap.ok(True, 'the dashboard is JSON')
except ValueError as e:
    dash = {}
    tap.ok(False, 'the dashboard is JSON (%s)' % e)
panels = [p for p in dash.get('panels', []) if p.get('type') != 'row']
tap.ok(len(panels) >= 10, 'the dashboard has %d panels' % len(panels))
bad = [p.get('title') for p in panels
       if not p.get('targets') or not all(t.get('expr') for t in p['targets'])
       or p.get('datasource', {}).get('uid') != '${datasource}']
tap.is_(bad, [], 'every panel queries the ${datasource} variable')
dash_exprs = '\n'.join(t['expr'] for p in panels for t in p.get('targets', []))
dash_exprs += '\n' + '\n'.join(
    json.dumps(v.get('query')) for v in dash.get('templating', {}).get('list', []))

for label, text in (('the rules', rules_text),
                    ('the rules tests', read(RULES_TEST)),
                    ('the dashboard', dash_exprs)):
    used = set(re.findall(r'\b(optout_[a-z0-9_]+)', text))
    tap.ok(used, '%s: %d optout_* names' % (label, len(used)))
    unknown = sorted(used - exported)
    tap.is_(unknown, [], '%s: every optout_* name is a metric the daemon '
            'exports' % label)
    kinds = set(re.findall(r'outcome="([^"]*)"', text))
    tap.is_(sorted(kinds - outcomes), [],
            '%s: every outcome="..." is an outcome name' % label)

# Queries name no other metric than the daemon's and Prometheus's own:
# bare identifiers in an expr that are neither functions, keywords nor
# label names.
exprs = re.findall(r'^\s*expr: (?:>-\n)?((?:.*\n)*?)(?=^\s*(?:for|labels):)',
                   rules_text, re.M)
tap.is_(len(exprs), len(alerts), 'every alert has an expr')
words = set()
for e in exprs + [dash_exprs]:
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', e)       # strings
    e = re.sub(r'\{[^}]*\}', '', e)                  # matchers
    e = re.sub(r'\b(?:by|without|on|ignoring|group_left|group_right)'
               r'\s*\([^)]*\)', '', e)               # label lists
    e = re.sub(r'\[[^]]*\]', '', e)                  # ranges
    e = re.sub(r'\$\w+', '', e)                      # dashboard variables
    for w in re.findall(r'\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()', e):
        words.add(w)
KEYWORDS = {'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'job',
            'instance', 'query', 'refId', 'label_values', 'le'}
others = sorted(w for w in words - KEYWORDS - BUILTIN
                if w not in exported and not w.startswith('optout_'))
tap.is_(others, [], 'the queries use no metric but the daemon\'s and up')
tap.ok(exported & words, 'the query check sees metric names (%d)'
       % len(exported & words))

# ------------------------------------------------ against a live daemon


def live_families():
    """{name: type} of a running daemon's /metrics, or a reason string."""
    for mod in ('botocore.session', 'confluent_kafka'):
        try:
            importlib.import_module(mod)
        except ImportError as e:
            return '%s cannot be imported by %s (%s)' % (mod, lib.sys.executable, e)
    for path in (lib.daemon_path(), lib.mockkafka_path()):
        if not os.access(path, os.X_OK):
            return '%s is missing (make check builds it)' % path
    with lib.Cluster(topics=['requests:1', 'results:1']) as cluster, \
            lib.Endpoint() as endpoint:
        cfg = lib.base_config(cluster, endpoint, 'contrib')
        cfg['metrics.listen'] = '127.0.0.1:0'
        d = lib.Daemon(cfg)
        m = d.wait_log(r'metrics on http://\S+ \(port (\d+)\)', 20)
        if not m:
            d.dump_log(tap, 40)
            return 'the daemon did not say where its metrics are'
        url = 'http://127.0.0.1:%s/metrics' % m.group(1)
        with urllib.request.urlopen(url, timeout=5) as r:
            text = r.read().decode()
        d.stop()
    return dict(re.findall(r'^# TYPE (\S+) (\S+)$', text, re.M))


live = live_families()
if isinstance(live, str):
    tap.skip(live, 2)
else:
    tap.ok(live, 'a running daemon serves %d metric families' % len(live))
    tap.is_(live, fams, 'the families parsed from src/metrics.c are the '
            'ones the daemon serves, with the same types')

tap.done()
