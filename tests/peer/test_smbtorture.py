"""Samba's ClusAPI torture suite (smbtorture rpc.clusapi, 72 tests) against the mock server.

Each case starts its own mockclusd (a fresh cluster: the dangerous tests change it), runs

    smbtorture ncacn_ip_tcp:127.0.0.1[PORT<options>] <creds> rpc.clusapi --dangerous

and checks smbtorture's result lines exactly: every test succeeds except the one Samba skips by
design (SKIPS, with the reason clusapi.c gives). Variants: anonymous; NTLMSSP with packet
privacy (the mock started with --user/--password), as ClusAPI 3.0 clients must use; anonymous
with the NDR64 transfer syntax.

Run with /usr/bin/python3 -m pytest tests/peer/test_smbtorture.py (smbtorture from
samba-testsuite; skipped if it is not installed).
"""
import os
import re
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
MOCK = os.path.join(HERE, 'mockclusd.py')
PYTHON = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else sys.executable
SMBTORTURE = shutil.which('smbtorture')
USER, PASSWORD = 'cmrpuser', 'Cmrp-Passw0rd'

TOTAL = 72
# Tests Samba's source4/torture/rpc/clusapi.c skips whatever the server does.
SKIPS = {
    # test_SetQuorumResource calls torture_skip() before any call: "we need to figure out how
    # this call works and what we provide as devicename and resource handle - gd".
    'resource.SetQuorumResource': 'skipping SetQuorumResource test',
}
# Skipped only for some servers, and not for ours: the group set tests skip "GroupSet fn not
# available on old clusters" when ApiGetClusterVersion2 reports a major version below 10
# (the mock reports 10.0); FailResource, OfflineResource, PauseNode, EvictNode and
# OfflineGroup are "dangerous" and run because of --dangerous.

VARIANTS = {
    'anonymous': ('', ['-U%'], []),
    'ntlm-privacy': (',seal,ntlm', ['-U', '%s%%%s' % (USER, PASSWORD)],
                     ['--user', USER, '--password', PASSWORD]),
    'anonymous-ndr64': (',ndr64', ['-U%'], []),
}

pytestmark = pytest.mark.skipif(SMBTORTURE is None, reason='smbtorture is not installed')


class Mock:
    """mockclusd on a free port (--port 0; the port is read from its first line)."""

    def __init__(self, extra, log_path):
        self.log_path = log_path
        self.log = open(log_path, 'w+')
        self.proc = subprocess.Popen([PYTHON, MOCK, '--port', '0'] + extra,
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r'tcp 127\.0\.0\.1:(\d+)', line)
        if not m:
            self.stop()
            raise RuntimeError('mockclusd did not start: %r\n%s' % (line, self.errors()))
        self.port = int(m.group(1))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()

    def errors(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()


def parse_results(output):
    """{test name: (status, reason)} from smbtorture's subunit-style output."""
    results = {}
    lines = output.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r'^(success|failure|skip|error|xfail|uxsuccess): (\S+)', line)
        if not m:
            continue
        reason = ''
        if line.rstrip().endswith('['):
            body = []
            for nxt in lines[i + 1:]:
                if nxt.strip() == ']':
                    break
                body.append(nxt)
            reason = '\n'.join(body)
        results[m.group(2)] = (m.group(1), reason)
    return results


def suite_tests():
    out = subprocess.run([SMBTORTURE, '--list', 'rpc.clusapi'], capture_output=True, text=True,
                         timeout=60).stdout
    return [t[len('rpc.clusapi.'):] for t in out.split() if t.startswith('rpc.clusapi.')]


def test_suite_has_72_tests():
    tests = suite_tests()
    assert len(tests) == TOTAL
    assert set(SKIPS) <= set(tests)


@pytest.mark.parametrize('variant', sorted(VARIANTS))
def test_smbtorture_clusapi(variant, tmp_path):
    options, creds, mock_args = VARIANTS[variant]
    mock = Mock(mock_args, str(tmp_path / 'mockclusd.log'))
    try:
        binding = 'ncacn_ip_tcp:127.0.0.1[%d%s]' % (mock.port, options)
        proc = subprocess.run([SMBTORTURE, binding] + creds + ['rpc.clusapi', '--dangerous'],
                              capture_output=True, text=True, timeout=300)
    finally:
        mock.stop()
    output = proc.stdout + proc.stderr
    (tmp_path / 'smbtorture.log').write_text(output)
    results = parse_results(output)
    counts = {}
    for status, _reason in results.values():
        counts[status] = counts.get(status, 0) + 1
    bad = {t: r for t, r in results.items() if r[0] not in ('success', 'skip')}
    assert not bad, 'smbtorture failures:\n%s' % '\n'.join(
        '%s: %s %s' % (t, s, why) for t, (s, why) in sorted(bad.items()))
    assert counts == {'success': TOTAL - len(SKIPS), 'skip': len(SKIPS)}, output[-3000:]
    skipped = {t: why for t, (s, why) in results.items() if s == 'skip'}
    assert set(skipped) == set(SKIPS)
    for t, why in SKIPS.items():
        assert why in skipped[t]
    assert set(results) == set(suite_tests())
    log = mock.errors()
    assert 'Traceback' not in log and ' ERROR ' not in log, log[-3000:]
