"""The benchmark command (tests/bench/bench.py) works: a tiny run of every step but the
linearity one (callgrind of the floor, handoff and cmrp on two small real-mix captures, RSS at
three sizes, one interleaved wall-clock round) writes performance.md with numbers in it. The
real measurement is not part of the test run: see docs/performance.md."""
import json
import os
import re
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _load(name, path):
    # by path: tests/gen/ and tests/bench/ are folders too, and pytest puts tests/ on sys.path
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


gen = _load('cmrp_bench_gen', os.path.join(HERE, 'gen.py'))


@pytest.fixture(scope='module')
def bench_run(tshark, scratch):
    out = os.path.join(scratch, 'bench-out')
    build = os.environ.get('CMRP_BUILD_DIR', os.path.join(ROOT, 'build'))   # as conftest.py
    p = subprocess.run([sys.executable, os.path.join(HERE, 'bench.py'), '--quick', '--out', out,
                        '--build', build, '--mixes', 'real',
                        '--setups', 'floor,handoff,cmrp', '--modes', 'summary',
                        '--rss-setups', 'floor,cmrp', '--rss-modes', 'summary',
                        '--steps', 'cg,rss,wall,report'],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-4000:]
    return out


def test_generator_is_deterministic_and_replicates(scratch):
    a = os.path.join(scratch, 'g1.pcapng')
    b = os.path.join(scratch, 'g2.pcapng')
    st = gen.main([a, '--mix', 'heavy', '--pdus', '400', '--seed', '3'])
    gen.main([b, '--mix', 'heavy', '--pdus', '400', '--seed', '3'])
    assert open(a, 'rb').read() == open(b, 'rb').read()
    assert st['pdus'] >= 400 and st['connections'] >= 2


def test_generated_capture_decodes(tshark, scratch):
    """Every replicated connection is decoded as ClusAPI (one cmrp.opnum per PDU), without
    malformed packets."""
    path = os.path.join(scratch, 'g3.pcapng')
    st = gen.main([path, '--mix', 'real', '--pdus', '300'])
    rows = tshark.fields(path, ['cmrp.opnum', 'tcp.stream', '_ws.malformed'], two_pass=False)
    assert sum(len(r[0]) for r in rows) == st['pdus']
    assert len({r[1][0] for r in rows if r[0]}) == st['connections']
    assert not any(r[2] for r in rows)


def test_bench_writes_report(bench_run):
    res = json.load(open(os.path.join(bench_run, 'perf', 'results.json')))
    cg = res['cg']['real']
    assert cg['cmrp']['summary']['per_frame'] > 1000     # instructions per frame
    # handoff (the plugin built with CMRP_BENCH_NULL: DCE/RPC's own work once a dissector owns
    # the interface) lies between the floor and cmrp (quick sizes: about 53,800 < 56,800 < 62,100)
    fl, ho, cm = (cg[s]['summary']['per_frame'] for s in ('floor', 'handoff', 'cmrp'))
    assert fl * 1.01 < ho < cm * 0.98, (fl, ho, cm)
    rss = res['rss']['real']
    assert rss['cmrp']['summary']['points'][0][1] > 10000   # kB
    assert rss['floor']['summary']['points'][2][0] > rss['floor']['summary']['points'][0][0]
    md = open(os.path.join(bench_run, 'performance.md')).read()
    # | mode | floor | handoff | builtin | cmrp | handoff / floor | builtin / floor | cmrp / floor |
    assert re.search(r'\| summary \| [\d,]+ \| [\d,]+ \| - \| [\d,]+ \| 1\.\d{3} \| - \| '
                     r'\d\.\d{3} \|', md), md
    assert '**handoff** = the plugin built with `-DCMRP_BENCH_NULL=ON`' in md
    assert re.search(r'\| cmrp \| summary \| \d+ MB \| \d+ MB \| \d+ MB \| -?\d+ \| [-+]\d+ \|', md), md
    assert 'TShark (Wireshark)' in md
    assert '**real mix, summary, cmrp**' in md          # the marginal profile
