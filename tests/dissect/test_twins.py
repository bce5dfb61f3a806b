"""Twins decode alike: a sealed session (decrypted with its password) decodes exactly as its
anonymous twin, and an NDR64 session exactly as its NDR twin.

Both twins of a pair were produced by the same client run twice against a fresh mock server, so
the calls, names, handles and results are the same; only framing differs.
"""
import json

import pytest

from conftest import capture

PASSWORD = 'Cmrp-Passw0rd'
# Per-frame or per-encoding detail that legitimately differs between twins.
VOLATILE = ('cmrp.handle.opened_in', 'cmrp.handle.closed_in', 'cmrp.ndr.', 'cmrp.request_in',
            'cmrp.object_renamed_in', 'cmrp.object_deleted_in')


def pairs_hook(pairs):
    out = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out


def flat(node, out):
    if isinstance(node, dict):
        for k, vals in node.items():
            for v in vals:
                if isinstance(v, (dict, list)):
                    flat(v, out)
                elif k.startswith('cmrp') and not k.startswith(VOLATILE):
                    out.append((k, v))
    elif isinstance(node, list):
        for v in node:
            flat(v, out)
    return out


def calls(t, path, extra=()):
    """[(pkt_type, values...)] for every ClusAPI request/response, in order. Requests without
    [in] parameters are left out: sealed, Wireshark 4.0 cannot decrypt their empty stub (see
    test_corpus), so they show no cmrp values; anonymous, they show only the opnum."""
    out = t.run('-r', path, '-2', '-T', 'json', '-J', 'dcerpc cmrp cmrp2',
                '-o', 'ntlmssp.nt_password:' + PASSWORD, *extra,
                '-Y', '(dcerpc.pkt_type == 0 || dcerpc.pkt_type == 2) && (cmrp || cmrp2 || _ws.malformed)')
    seq = []
    for f in json.loads(out.stdout or '[]', object_pairs_hook=pairs_hook):
        layers = f['_source'][0]['layers'][0]
        ptype = layers['dcerpc'][-1]['dcerpc.pkt_type'][0]
        vals = flat([layers.get('cmrp', []), layers.get('cmrp2', [])], [])
        if ptype == '0' and len([k for k, _ in vals if k != 'cmrp.opnum']) == 0:
            continue
        seq.append((ptype, tuple(vals)))
    return seq


def compare(a, b):
    assert len(a) == len(b), (len(a), len(b))
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, 'PDU %d differs:\n%s\n%s' % (i, x, y)


def test_sealed_smbtorture_decodes_as_anonymous(tshark):
    anon = calls(tshark, capture('smbtorture-anon.pcapng'))
    sealed = calls(tshark, capture('smbtorture-sealed.pcapng'))
    assert len(anon) > 800
    compare(anon, sealed)


def test_ndr64_scenario_decodes_as_ndr(tshark):
    ndr = calls(tshark, capture('scenario-ndr.pcapng'))
    ndr64 = calls(tshark, capture('scenario-ndr64.pcapng'))
    assert len(ndr) > 500
    compare(ndr, ndr64)
