"""CI smoke run of the fuzzer (a few minutes on 2 cores): the ASan/UBSan plugin over

- every capture in captures/ and captures/adversarial/, with -V and without a tree,
- one editcap -E 0.02 mutant (seed 1) of each capture in captures/,
- 16 batches x 150 calls (about 4,700 PDUs) of structure-aware mutants from mutate.py,
  seeds 1-16 (the same PDUs on every run),

and no run may end in a sanitizer report, crash, abort, dissector bug, too-many-items abort,
glib warning or timeout. build-asan/ is configured and built here if needed (cmake, CMRP_SANITIZE=ON).
The long campaign is tests/fuzz/campaign.sh --budget 3600.
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import fuzz  # noqa: E402
import fuzzlib  # noqa: E402

SMOKE_ARGS = ['--phases', 'corpus,editcap,mutate', '--corpus-modes', 'tree,notree',
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
