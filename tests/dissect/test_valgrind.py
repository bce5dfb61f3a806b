"""valgrind memcheck of tshark with the plugin: no invalid reads/writes, no uninitialised use.

This also proves the UUID take-over is safe: in Wireshark 4.0, calling dcerpc_init_uuid() for a
UUID/version the built-in already registered frees the new key and then uses it. We remove the
built-in's entry first; a use-after-free there would show as an invalid read at startup.
"""
import glob
import os
import re

import pytest

from conftest import CAPTURES

VALGRIND = ['valgrind', '--tool=memcheck', '--error-exitcode=97', '--track-origins=no',
            '--num-callers=30', '--errors-for-leak-kinds=none', '--leak-check=no']


def run_memcheck(tshark, args):
    p = tshark.run(*args, check=False, wrapper=VALGRIND, timeout=1800)
    errors = re.search(r'ERROR SUMMARY: (\d+) errors', p.stderr)
    return p, int(errors.group(1)) if errors else None


def test_memcheck_startup_and_uuid_takeover(tshark):
    p, errors = run_memcheck(tshark, ['-G', 'plugins'])
    assert p.returncode == 0, p.stderr[-3000:]
    assert errors == 0, p.stderr[-3000:]
    assert 'cmrp.so' in p.stdout


def test_memcheck_corpus(tshark, scratch):
    files = sorted(glob.glob(os.path.join(CAPTURES, '*.pcapng')))
    if not files:
        pytest.fail('no captures in captures/')
    merged = os.path.join(scratch, 'corpus.pcapng')
    import subprocess
    subprocess.run(['mergecap', '-a', '-w', merged] + files, check=True)
    os.chmod(merged, 0o644)
    p, errors = run_memcheck(tshark, ['-r', merged, '-2', '-V', '-o',
                                      'ntlmssp.nt_password:Cmrp-Passw0rd'])
    assert p.returncode == 0, p.stderr[-3000:]
    assert errors == 0, p.stderr[-3000:]
