"""Shared fixtures: the built plugin, tshark run the way users run it, and the captures.

tshark ignores WIRESHARK_PLUGIN_DIR when it runs as root, so as root every tshark run drops to
an unprivileged user (nobody) with setpriv. Run the suite with /usr/bin/python3 (Debian's, which
has python3-impacket and python3-pytest).
"""
import json
import os
import shutil
import subprocess
import tempfile

import pytest

import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib'))
import wsversion  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPTURES = os.path.join(ROOT, 'captures')
BUILD = os.environ.get('CMRP_BUILD_DIR', os.path.join(ROOT, 'build'))
PLUGIN_DIR = os.path.join(BUILD, 'plugins')


def capture(name):
    path = os.path.join(CAPTURES, name)
    if not os.path.exists(path):
        pytest.fail('capture %s is missing; regenerate with tests/peer/make_captures.sh' % name)
    return path


class Tshark:
    def __init__(self, plugin=True, extra_env=None):
        self.plugin = plugin
        self.home = tempfile.mkdtemp(prefix='cmrp-home-')
        os.chmod(self.home, 0o777)
        self.extra_env = extra_env or {}
        self._types = None

    def env(self):
        env = {
            'PATH': '/usr/sbin:/usr/bin:/sbin:/bin',
            'HOME': self.home,
            'TZ': 'UTC',
            'LANG': 'C.UTF-8',
            'WIRESHARK_ABORT_ON_DISSECTOR_BUG': '1',
        }
        if self.plugin:
            env['WIRESHARK_PLUGIN_DIR'] = PLUGIN_DIR
        else:
            env['WIRESHARK_PLUGIN_DIR'] = os.path.join(self.home, 'no-plugins')
        env.update(self.extra_env)
        return env

    def argv(self, args, wrapper=()):
        base = list(wrapper) + ['tshark'] + list(args)
        if os.geteuid() == 0:
            base = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] + base
        return base

    def run(self, *args, check=True, wrapper=(), timeout=600):
        p = subprocess.run(self.argv(args, wrapper), env=self.env(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError('tshark %s failed (%d):\n%s' % (' '.join(args), p.returncode,
                                                                 p.stderr[-4000:]))
        return p

    def fields(self, path, fields, dfilter=None, two_pass=True, extra=()):
        """One row per packet: a list of the values of each field (multi-values split on ',')."""
        args = ['-r', path, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a',
                '-E', 'aggregator=\x1f']
        if two_pass:
            args.append('-2')
        for f in fields:
            args += ['-e', f]
        if dfilter:
            args += ['-Y', dfilter]
        args += list(extra)
        out = self.run(*args).stdout
        types = [self.field_type(f) for f in fields]
        rows = []
        for line in out.splitlines():
            cols = line.split('\t')
            rows.append([[wsversion.canonical(t, v) for v in c.split('\x1f')] if c else []
                         for t, c in zip(types + [None] * (len(cols) - len(types)), cols)])
        return rows

    def canon(self, name, value):
        """A PDML `show` value of field `name` as tshark 4.0 writes it. PDML does not escape
        strings in any version; booleans (True/False after 4.0) and times (ISO 8601 in 4.6)
        changed."""
        ftype = self.field_type(name)
        if value is None or ftype not in ('FT_BOOLEAN', 'FT_ABSOLUTE_TIME'):
            return value
        return wsversion.canonical(ftype, value)

    def field_type(self, name):
        """FT_* type of a field, from tshark -G fields (read once); column fields are strings.
        Values are given back as 4.0 prints them (wsversion.canonical): tests compare values."""
        if name.startswith('_ws.col.'):
            return 'FT_STRING'
        if self._types is None:
            self._types = {}
            for line in self.run('-G', 'fields').stdout.splitlines():
                cols = line.split('\t')
                if cols[0] == 'F' and len(cols) > 3:
                    self._types[cols[2]] = cols[3]
        return self._types.get(name)

    def json(self, path, dfilter=None, protos=('cmrp', 'cmrp2'), extra=()):
        args = ['-r', path, '-T', 'json', '-2']
        for p in protos:
            args += ['-J', p]
        if dfilter:
            args += ['-Y', dfilter]
        args += list(extra)
        return json.loads(self.run(*args).stdout or '[]')


@pytest.fixture(scope='session')
def tshark():
    why = wsversion.check_build(BUILD)
    if why:
        pytest.fail(why)
    t = Tshark()
    yield t
    shutil.rmtree(t.home, ignore_errors=True)


@pytest.fixture(scope='session')
def tshark_builtin():
    """tshark without our plugin: Wireshark's own PIDL clusapi dissector."""
    t = Tshark(plugin=False)
    yield t
    shutil.rmtree(t.home, ignore_errors=True)


@pytest.fixture(scope='session')
def scratch():
    """A folder the unprivileged tshark can read (pytest's own tmp folders are 0700)."""
    d = tempfile.mkdtemp(prefix='cmrp-scratch-')
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)
