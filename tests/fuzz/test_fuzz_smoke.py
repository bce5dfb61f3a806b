"""CI smoke run of the fuzzer (a few minutes on 2 cores): the ASan/UBSan plugin over

- every capture in captures/ and captures/adversarial/, with -V (sanitize.sh also runs them
  without a tree and with -2 -V),
- one editcap -E 0.02 mutant (seed 1) of each capture in captures/, with -V and without a tree,
- 16 batches x 150 calls (about 4,700 PDUs) of structure-aware mutants from mutate.py,
  seeds 1-16 (the same PDUs on every run), with -V and without a tree,

and no run may end in a sanitizer report, crash, abort, dissector bug, too-many-items abort,
glib warning or timeout. build-asan/ is configured and built here if needed (cmake,
CMRP_SANITIZE=ON).
The long campaign is tests/fuzz/campaign.sh --budget 3600.
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import fuzz  # noqa: E402
import fuzzlib  # noqa: E402

SMOKE_ARGS = ['--phases', 'corpus,editcap,mutate', '--corpus-modes', 'tree',
              '--editcap-seeds', '1', '--editcap-rates', '0.02',
              '--seed', '1', '--batches', '16', '--batch-size', '150', '--jobs', '2',
              '--budget', '240', '--timeout', '240', '--quiet']


@pytest.fixture(scope='module')
def report():
    if not fuzzlib.corpus_files(include_adversarial=False):
        pytest.fail('no captures in captures/')
    c = fuzz.Campaign(fuzz.parse_args(SMOKE_ARGS))
    try:
        rep = c.run()
    finally:
        c.close()
    fuzz.print_report(rep)
    return rep


def test_smoke_ran_everything(report):
    s = report['stats']
    assert s['corpus_files'] >= len(fuzzlib.corpus_files())
    assert s['editcap_files'] >= len(fuzzlib.corpus_files(include_adversarial=False))
    assert s['mutate_pdus'] >= 4000, s


def test_smoke_no_failures(report):
    msgs = ['%s [%s] %s\n  input: %s\n%s' % (f['signature'], f['mode'], f['message'],
                                            f['input'], f['log'][-2000:])
            for f in report['findings']]
    assert msgs == [], '\n\n'.join(msgs)


@pytest.mark.parametrize('what,kind', [('asan', 'asan'), ('ubsan', 'ubsan')])
def test_harness_reports_sanitizer_errors(what, kind):
    """A preloaded canary (canary.c) makes a heap overflow / signed overflow inside tshark:
    the harness must see it, so a clean fuzz run means something."""
    import subprocess
    scratch = fuzzlib.scratch_dir('cmrp-canary-')
    try:
        so = os.path.join(scratch, 'canary.so')
        subprocess.run(['gcc', '-shared', '-fPIC', '-g', '-fsanitize=address,undefined', '-o', so,
                        os.path.join(HERE, 'canary.c')], check=True)
        os.chmod(so, 0o755)
        plugins = fuzzlib.ensure_build()
        r = fuzzlib.Runner(plugins, extra_env={'CMRP_FUZZ_CANARY': what}, extra_preload=[so])
        rc, out, err = r.run(['-G', 'protocols'])
        f = fuzzlib.judge(rc, out, err, 'notree')
        r.close()
        assert f is not None and f.kind == kind, (rc, err[-2000:])
    finally:
        import shutil
        shutil.rmtree(scratch, ignore_errors=True)


def test_memcheck_mutated_sample():
    """valgrind memcheck over one batch of structure-aware mutants (150 calls, seed 1) with the
    regular build (build/): no memory error at all. tests/fuzz/valgrind.sh does the corpus, the
    adversarial captures and more batches."""
    import memcheck
    import mutate
    plugins = os.path.join(os.environ.get('CMRP_BUILD_DIR', os.path.join(fuzzlib.ROOT, 'build')),
                           'plugins')
    why = fuzzlib.wsversion.check_build(os.path.dirname(plugins))
    if why:
        pytest.fail(why)
    scratch = fuzzlib.scratch_dir('cmrp-vg-')
    os.chmod(scratch, 0o777)
    runner = fuzzlib.Runner(plugins, sanitizer=False)
    try:
        gen = mutate.Generator(1)
        calls = [c for c in (gen.call() for _ in range(150)) if c]
        pcap = mutate.write_pcap(calls, os.path.join(scratch, 'mut-1.pcap'))
        rc, errors, _ = memcheck.memcheck(runner, scratch, pcap, ('-V',), 'mut-1')
        assert errors == [], '\n'.join('%s\n    %s' % (w, '\n    '.join(fr[:12]))
                                       for w, fr in errors[:5])
    finally:
        runner.close()
        import shutil
        shutil.rmtree(scratch, ignore_errors=True)
