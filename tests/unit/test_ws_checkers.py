"""Wireshark's own source checkers, run on every hand-written and generated C file.

The checkers come from the source of the Wireshark we build against (Debian's "wireshark"
source package of the installed libwireshark-dev), fetched once into a cache outside the tree by
scripts/fetch-wireshark-tools.sh (scripts/install-deps.sh runs it). A missing source is a test
failure, not a skip: run the script.

- tools/checkAPIs.pl: prohibited/deprecated APIs, shadowed variables, hf and value_string
  sanity (with the switches Wireshark's own plugins use);
- tools/checkhf.pl: hf_ variables never registered, registered but unused;
- tools/check_typed_item_calls.py: proto_tree_add_<type> calls against the field's type, masks,
  labels, items used but never registered;
- tools/check_tfs.py: true_false_strings that repeat the shared ones in epan/tfs.c.

Each must print no warning for any file. The canary test runs the same commands on a small file
with one known fault per checker, so a checker that silently checks nothing is caught.
"""
import glob
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get('CMRP_BUILD_DIR', os.path.join(ROOT, 'build'))
FETCH = os.path.join(ROOT, 'scripts', 'fetch-wireshark-tools.sh')
TOOLS = ('checkAPIs.pl', 'checkhf.pl', 'check_typed_item_calls.py', 'check_tfs.py')


def wireshark_source():
    p = subprocess.run(['sh', FETCH, '--path'], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != 0:
        pytest.fail('scripts/fetch-wireshark-tools.sh --path failed: %s' % p.stderr.strip())
    src = p.stdout.strip()
    missing = [t for t in TOOLS if not os.path.isfile(os.path.join(src, 'tools', t))]
    if missing:
        pytest.fail('Wireshark checkers missing in %s (%s): run scripts/fetch-wireshark-tools.sh'
                    % (src, ', '.join(missing)))
    return src


def hand_written():
    files = sorted(glob.glob(os.path.join(ROOT, 'plugin', '*.c')))
    assert len(files) >= 10, files
    return files


def generated():
    files = sorted(glob.glob(os.path.join(BUILD, 'gen', '*.c')))
    names = [os.path.basename(f) for f in files]
    if 'cmrp-gen.c' not in names or 'cmrp-ctl-table.c' not in names:
        pytest.fail('generated C missing in %s/gen: build first (cmake --build build)' % BUILD)
    return files


def run_checker(src, tool, path):
    """Output of one checker on one file, as a list of lines that report something."""
    t = os.path.join(src, 'tools', tool)
    if tool == 'checkAPIs.pl':
        argv = ['perl', t, '--group', 'dissectors-prohibited', '--group', 'dissectors-restricted',
                path]
    elif tool == 'checkhf.pl':
        argv = ['perl', t, path]
    elif tool == 'check_typed_item_calls.py':
        argv = ['/usr/bin/python3', t, '--file', path, '--mask', '--label', '--consecutive',
                '--missing-items']
    else:
        argv = ['/usr/bin/python3', t, '--file', path]
    # The Python checkers read epan/tfs.c and resolve relative names from the source root; an
    # absolute --file is taken as is.
    p = subprocess.run(argv, cwd=src, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=300)
    out = [l for l in p.stdout.splitlines() if l.strip()]
    if tool.endswith('.py'):
        # They print "Examining:", the file name, and "<n> warnings[ found]" besides findings.
        summary = [l for l in out if re.match(r'\d+ (warnings|errors)( found)?$', l)]
        if not any(re.match(r'\d+ warnings', l) for l in summary):
            return ['%s printed no summary (exit %d): %s' % (tool, p.returncode, out[-3:])]
        out = [l for l in out if l not in summary and l != 'Examining:' and l.strip() != path]
        out += [l for l in summary if not l.startswith('0 ')]
    if p.returncode != 0 and not out:
        out = ['%s exited %d' % (tool, p.returncode)]
    return out


@pytest.mark.parametrize('tool', TOOLS)
def test_checker_passes_on_every_c_file(tool):
    src = wireshark_source()
    found = []
    for path in hand_written() + generated():
        found += ['%s: %s' % (os.path.relpath(path, ROOT), l) for l in run_checker(src, tool, path)]
    assert found == []


CANARY = r'''
#include <epan/packet.h>
static int proto_canary = -1;
static int hf_canary_name = -1;
static int hf_canary_orphan = -1;
static int hf_canary_unregistered = -1;
static const true_false_string tfs_canary = { "Set", "Not set" };
static int canary_index(tvbuff_t *tvb, proto_tree *tree, unsigned index)
{
    proto_tree_add_uint(tree, hf_canary_name, tvb, 0, 4, index);
    proto_tree_add_item(tree, hf_canary_unregistered, tvb, 0, 4, ENC_NA);
    return 0;
}
void proto_register_canary(void)
{
    static hf_register_info hf[] = {
        { &hf_canary_name, { "Name", "canary.name", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_canary_orphan, { "Orphan", "canary.orphan", FT_BOOLEAN, 32, TFS(&tfs_canary), 0x1,
            NULL, HFILL } },
    };
    proto_canary = proto_register_protocol("Canary", "Canary", "canary");
    proto_register_field_array(proto_canary, hf, array_length(hf));
}
'''

# What each checker must say about the canary (a fragment of one of its lines).
CANARY_FINDINGS = {
    'checkAPIs.pl': 'shadow variable(s) in',
    'checkhf.pl': 'hf_canary_unregistered',
    'check_typed_item_calls.py': 'hf_canary_name',
    'check_tfs.py': 'tfs_set_notset',
}


@pytest.mark.parametrize('tool', TOOLS)
def test_checker_catches_the_canary(tool, tmp_path):
    src = wireshark_source()
    path = tmp_path / 'packet-canary.c'
    path.write_text(CANARY)
    found = run_checker(src, tool, str(path))
    assert any(CANARY_FINDINGS[tool] in l for l in found), found
