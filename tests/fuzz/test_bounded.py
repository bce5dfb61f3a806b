"""Bounded work per PDU: every adversarial capture decodes with a tree linear in its stub.

captures/adversarial/adv-*.pcap (written by tests/fuzz/make_adversarial.py) hold ~64 KiB stubs
built to make a decoder loop: counts of 0xFFFFFFFF (NDR conformance/variance, [string] counts,
PROPERTY_LIST count, ENUM_LIST EntryCount, notification counts), PROPERTY_LISTs nested 300 deep,
value lists nested 2000 deep, 10,000 tiny properties, values of size 1, 16,381 ACEs, MULTI_SZ
lists of one-character strings, 4,095 empty batch commands.

For each one tshark runs with WIRESHARK_ABORT_ON_TOO_MANY_ITEMS=1 and the default
gui.max_tree_items (1,000,000), and WIRESHARK_ABORT_ON_DISSECTOR_BUG=1: it must exit 0. Then
`tshark -T pdml` gives every cmrp/cmrp2 protocol item of every frame; its `size` attribute is
the (reassembled) stub length, and the number of <field> elements under it is the tree's item
count for that stub. We assert

    items <= K * stub_bytes + C        with K = 3 items per byte, C = 64 items per PDU.

Why K = 3: the densest thing the decoders show is an ACE header inside a security descriptor:
4 bytes (type, flags, size) become 11 items (the ACE, its type, its size, the flags byte and its
7 flag bits), 2.75 items per byte. Everything else is sparser: a PROPERTY_LIST value header
(syntax + size, 8 bytes) is at most 6 items, an empty property (12 bytes) 17 items (1.42 per
byte, the 10,000-property case), an NDR count 1 item per 4 bytes. A decoder that loops on a
count without consuming bytes, or re-walks a list per element, breaks the bound at these sizes.
C covers the fixed items of any PDU (opnum, request/response links, handle naming, the
error-status expert info) so that tiny PDUs (an 8-byte request) do not need K alone.

The test counts items, not time: wall-clock limits would flake on a shared CI runner.
"""
import filecmp
import glob
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import BUILD, ROOT, Tshark, wsversion

ADV = os.path.join(ROOT, 'captures', 'adversarial')
K_ITEMS_PER_BYTE = 3
C_ITEMS_PER_PDU = 64
MIN_BIG_STUB = 8192          # every capture must hold at least one stub this large

FILES = sorted(glob.glob(os.path.join(ADV, 'adv-*.pcap')))


@pytest.fixture(scope='module')
def tshark_strict():
    why = wsversion.check_build(BUILD)
    if why:
        pytest.fail(why)
    t = Tshark(extra_env={'WIRESHARK_ABORT_ON_TOO_MANY_ITEMS': '1'})
    yield t
    shutil.rmtree(t.home, ignore_errors=True)


def readable(path, scratch):
    dst = os.path.join(scratch, os.path.basename(path))
    shutil.copyfile(path, dst)
    os.chmod(dst, 0o644)
    return dst


def stub_items(pdml):
    """[(frame, protocol, stub bytes, items)] for every cmrp/cmrp2 protocol item."""
    out = []
    for pkt in ET.fromstring(pdml).findall('packet'):
        frame = None
        for proto in pkt.findall('proto'):
            if proto.get('name') == 'frame':
                for f in proto.iter('field'):
                    if f.get('name') == 'frame.number':
                        frame = int(f.get('show'))
            if proto.get('name') in ('cmrp', 'cmrp2'):
                out.append((frame, proto.get('name'), int(proto.get('size')),
                            sum(1 for _ in proto.iter('field'))))
    return out


def test_adversarial_captures_exist():
    assert len(FILES) >= 20, 'run tests/fuzz/make_adversarial.py'


def test_adversarial_captures_are_current(scratch):
    """The committed captures are what make_adversarial.py writes today."""
    out = os.path.join(scratch, 'adv-regen')
    subprocess.run([sys.executable, os.path.join(ROOT, 'tests', 'fuzz', 'make_adversarial.py'),
                    '--out', out], check=True, stdout=subprocess.DEVNULL)
    fresh = sorted(os.path.basename(p) for p in glob.glob(os.path.join(out, '*.pcap*')))
    committed = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ADV, 'adv-*.pcap')) +
                       glob.glob(os.path.join(ADV, 'complexity-*.pcap*')))
    assert fresh == committed, 'regenerate captures/adversarial (make_adversarial.py)'
    stale = [n for n in fresh if not filecmp.cmp(os.path.join(out, n), os.path.join(ADV, n),
                                                 shallow=False)]
    assert stale == [], 'stale (run tests/fuzz/make_adversarial.py): %s' % stale


@pytest.mark.parametrize('path', FILES, ids=[os.path.basename(p) for p in FILES])
def test_tree_is_linear_in_stub(tshark_strict, scratch, path):
    p = readable(path, scratch)
    # without a tree (that path skips item creation but not the loops), then with the whole tree
    r = tshark_strict.run('-r', p, check=False)
    assert r.returncode == 0, 'tshark failed:\n%s' % r.stderr[-3000:]
    r = tshark_strict.run('-r', p, '-T', 'pdml', check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'Dissector bug' not in r.stdout
    rows = stub_items(r.stdout)
    assert rows, 'no cmrp PDU decoded in %s' % path
    assert max(size for _, _, size, _ in rows) >= MIN_BIG_STUB, rows
    over = [(frame, proto, size, items) for frame, proto, size, items in rows
            if items > K_ITEMS_PER_BYTE * size + C_ITEMS_PER_PDU]
    assert over == [], 'tree items above %d per stub byte + %d: (frame, proto, stub bytes, ' \
        'items) %s' % (K_ITEMS_PER_BYTE, C_ITEMS_PER_PDU, over)
