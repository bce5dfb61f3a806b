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


def test_memcheck_without_takeover_shows_the_use_after_free(scratch):
    """The counter-proof, on whichever Wireshark this runs (tests/versions runs it on 4.0, 4.4 and
    4.6): the same plugin built with -DCMRP_UUID_TAKEOVER=OFF registers our UUID while the
    built-in clusapi's entry is still in dcerpc_uuids, and valgrind reports the invalid read in
    dcerpc_init_uuid that test_memcheck_startup_and_uuid_takeover proves gone."""
    import subprocess
    from conftest import ROOT, Tshark, wsversion
    build = os.path.join(scratch, 'build-no-takeover')
    subprocess.run(['cmake', '-S', ROOT, '-B', build, '-DCMAKE_BUILD_TYPE=RelWithDebInfo',
                    '-DCMRP_UUID_TAKEOVER=OFF'], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(['cmake', '--build', build, '-j2'], check=True, stdout=subprocess.DEVNULL)
    assert os.path.exists(wsversion.plugin_so(build))
    subprocess.run(['chmod', '-R', 'a+rX', build], check=True)
    t = Tshark(extra_env={'WIRESHARK_PLUGIN_DIR': os.path.join(build, 'plugins')})
    p, errors = run_memcheck(t, ['-G', 'plugins'])
    assert 'cmrp.so' in p.stdout
    assert errors and errors > 0, p.stderr[-3000:]
    assert re.search(r'Invalid read of size \d+', p.stderr), p.stderr[-3000:]
    # the bad read is the key freed by dcerpc_init_uuid's duplicate insert
    assert 'dcerpc_init_uuid' in p.stderr, p.stderr[-3000:]
