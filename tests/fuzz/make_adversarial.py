#!/usr/bin/env python3
"""Write the adversarial regression captures captures/adversarial/adv-*.pcap.

Each capture holds one or a few calls whose stubs are built to make a decoder do as much work
as the bytes allow: counts of 0xFFFFFFFF (NDR conformance and variance, [string] counts,
PROPERTY_LIST count, ENUM_LIST EntryCount, notification counts), deep nesting (PROPERTY_LISTs
inside LIST_VALUE_PROPERTY_LIST values, value lists inside user-format values), sizes of 1 byte,
10,000 tiny properties, 16,000 ACEs, MULTI_SZ lists of one-character strings, batch updates of
empty commands. Stubs are about 64 KiB (10,000 properties: about 120 KiB), carried in DCE/RPC
fragments of 4 KiB that Wireshark reassembles.

tests/fuzz/test_bounded.py decodes every one of them and asserts that tshark does not hit its
too-many-items abort and that the tree has at most K items per stub byte.

    /usr/bin/python3 tests/fuzz/make_adversarial.py [--out captures/adversarial]

Deterministic: the same bytes on every run. captures/adversarial/MANIFEST lists the files.
"""
import argparse
import gzip
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import mutate  # noqa: E402  (sets sys.path for the tests/lib and tests/peer modules)
import ndrcodec  # noqa: E402
import pcapbuild  # noqa: E402

ROOT = mutate.ROOT
OUT = os.path.join(ROOT, 'captures', 'adversarial')
KIB64 = 65536
H1 = bytes(4) + b'\x11' * 16
CODE_GET_COMMON_PROPERTIES = 0x01000059     # CLUSCTL_RESOURCE_GET_COMMON_PROPERTIES: PROPLIST out
CODE_SET_COMMON_PROPERTIES = 0x0140005E     # CLUSCTL_RESOURCE_SET_COMMON_PROPERTIES: PROPLIST in
CODE_GET_REQUIRED_DEPENDENCIES = 0x01000011  # VALUELIST out
CODE_ENUM_COMMON_PROPERTIES = 0x01000051     # MULTI_SZ out
CODE_GET_REPLICATED_DISKS = 0x02002155       # SR_REPLICATED_DISKS_RESULT out (resource type)

C3 = ndrcodec.load(version=3)
NAME_SYNTAX = 0x00040003
DWORD_SYNTAX = 0x00010002


def u32(v):
    return struct.pack('<I', v & 0xffffffff)


def u16(v):
    return struct.pack('<H', v & 0xffff)


def wz(s):
    return s.encode('utf-16-le') + b'\0\0'


def pad4(b):
    return b + b'\0' * (-len(b) % 4)


def patch(stub, opnum, ndr64, request, *edits):
    """Rewrite integers of a valid stub: each edit (path, index, value) sets the index-th
    integer the codec reads under `path` (0 = the first)."""
    fields = mutate.int_fields(C3, opnum, stub, ndr64, request)
    b = bytearray(stub)
    for path, index, value in edits:
        off, size, _, _ = [f for f in fields if f[3] == path][index]
        b[off:off + size] = (value & ((1 << (8 * size)) - 1)).to_bytes(size, 'little')
    return bytes(b)


def ctl_pair(code, out_buf=None, in_buf=None, ndr64=False, opnum=73, target=None):
    vals = dict(target or {'hResource': H1})
    vals.update({'dwControlCode': code, 'lpInBuffer': in_buf,
                 'nOutBufferSize': len(out_buf or b'')})
    req = C3.encode_request(opnum, vals, ndr64)
    vals.update({'lpOutBuffer': out_buf or b'', 'rpc_status': 0, '_return': 0,
                 'lpcbRequired': len(out_buf or b'')})
    rsp = C3.encode_response(opnum, vals, ndr64)
    return req, rsp


# -- buffers -----------------------------------------------------------------------------------

def prop(name, values):
    """One property: NAME entry, values [(syntax, data, size-override)], ENDMARK."""
    n = wz(name)
    out = u32(NAME_SYNTAX) + u32(len(n)) + pad4(n)
    for v in values:
        syntax, data = v[0], v[1]
        size = v[2] if len(v) > 2 else len(data)
        out += u32(syntax) + u32(size) + pad4(data)
    return out + u32(0)


def proplist_fill(nbytes, count=None):
    """Real properties (name + DWORD) filling about nbytes; count overrides the count field."""
    body = b''
    i = 0
    while len(body) < nbytes - 40:
        body += prop('p%d' % i, [(DWORD_SYNTAX, u32(i))])
        i += 1
    return u32(i if count is None else count) + body, i


def tiny_properties(n):
    """n properties of 12 bytes each: NAME syntax, size 0, ENDMARK (no name, no value)."""
    return u32(n) + (u32(NAME_SYNTAX) + u32(0) + u32(0)) * n


def size1_values(nbytes):
    """Properties whose name and values all claim size 1 (1 byte + 3 padding bytes)."""
    body = b''
    n = 0
    one = u32(NAME_SYNTAX) + u32(1) + b'a\0\0\0'
    while len(body) < nbytes - 64:
        body += one
        for syn in (DWORD_SYNTAX, 0x00010003, 0x00010006, 0x00010009, 0x0001000e, 0x00060002,
                    0x00080001, 0x8000000d):
            body += u32(syn) + u32(1) + b'\x01\0\0\0'
        body += u32(0)
        n += 1
    return u32(n) + body


def nested_proplists(levels, syntax=0x0001000e):
    inner = u32(1) + prop('leaf', [(DWORD_SYNTAX, u32(7))])
    for i in range(levels):
        n = wz('n')
        inner = (u32(1) + u32(NAME_SYNTAX) + u32(len(n)) + pad4(n) +
                 u32(syntax) + u32(len(inner)) + pad4(inner) + u32(0))
    return inner


def nested_valuelists(levels):
    """Value lists inside user-type VALUE_LIST values (syntax 0x8000000d), levels deep."""
    inner = u32(DWORD_SYNTAX) + u32(4) + u32(1) + u32(0)
    for _ in range(levels):
        inner = u32(0x8000000d) + u32(len(inner)) + pad4(inner) + u32(0)
    return inner


def endmarks(nbytes):
    return b'\0' * nbytes            # every 4 bytes: an empty value list (just its ENDMARK)


def multi_sz_tiny(nbytes):
    return ('a\0' * (nbytes // 4 - 1)).encode('utf-16-le') + b'\0\0\0\0'


def sd_tiny_aces():
    """A self-relative SD whose DACL is 65532 bytes of 4-byte ACEs (16,381 of them)."""
    n = (0xfffc - 8) // 4
    dacl = bytes([2, 0]) + u16(8 + 4 * n) + u16(n) + u16(0) + (bytes([0, 0x1f]) + u16(4)) * n
    return bytes([1, 0]) + u16(0x8004) + u32(0) + u32(0) + u32(0) + u32(20) + dacl


def sd_proplist():
    sd = sd_tiny_aces()
    return u32(1) + prop('Security', [(0x00010009, sd)])


def sr_replicated(count, nbytes):
    n = (nbytes - 4) // 556
    elem = u32(1) + b'\x22' * 32 + wz('g')[:520].ljust(520, b'\0')
    return u16(count) + u16(0) + elem * n


def batch_empty_commands(nbytes):
    cmd = u32(1) + u32(1) + u32(0) + u32(0)          # SET_VALUE, REG_SZ, no name, no data
    return u32(1) + cmd * ((nbytes - 4) // 16)


def batch_huge_lengths(nbytes):
    name = wz('v')
    cmd = u32(1) + u32(4) + u32(0xffffffff) + name + u32(4) + u32(1)
    return u32(1) + cmd + b'\x01' * (nbytes - 4 - len(cmd))


# -- cases ---------------------------------------------------------------------------------------

def case_ndr_conformance(conv, ndr64):
    """lpOutBuffer conformance / variance and ApiSetValue lpData conformance = 0xFFFFFFFF(...)."""
    top = 0xffffffffffffffff if ndr64 else 0xffffffff
    pl, _ = proplist_fill(KIB64)
    req, rsp = ctl_pair(CODE_GET_COMMON_PROPERTIES, out_buf=pl, ndr64=ndr64)
    path = 'ApiResourceControl.lpOutBuffer'
    # [unique] referent, max_count, offset, actual_count: max and actual to the top
    rsp = patch(rsp, 73, ndr64, False, (path, 0, top), (path, 2, top))
    conv.call(73, req, rsp, max_frag=4096)
    vals = {'hKey': H1, 'lpValueName': 'v', 'dwType': 3, 'lpData': b'\x01' * KIB64}
    req = C3.encode_request('ApiSetValue', vals, ndr64)
    req = patch(req, 32, ndr64, True, ('ApiSetValue.lpData', 0, top))
    rsp = C3.encode_response('ApiSetValue', {'rpc_status': 0, '_return': 0}, ndr64)
    conv.call(32, req, rsp, max_frag=4096)


def case_ndr_string(conv, ndr64):
    """[string] max_count / actual_count 0xFFFFFFFF, then 64 KiB of characters."""
    top = 0xffffffffffffffff if ndr64 else 0xffffffff
    req = C3.encode_request('ApiOpenResource', {'lpszResourceName': 'A' * (KIB64 // 2)}, ndr64)
    path = 'ApiOpenResource.lpszResourceName'
    req = patch(req, 8, ndr64, True, (path, 0, top), (path, 2, top))
    rsp = C3.encode_response('ApiOpenResource', {'Status': 0, 'rpc_status': 0, '_return': H1},
                             ndr64)
    conv.call(8, req, rsp, max_frag=4096)


def case_proplist_count(conv, ndr64):
    pl, _ = proplist_fill(KIB64, count=0xffffffff)
    conv.call(73, *ctl_pair(CODE_GET_COMMON_PROPERTIES, out_buf=pl, ndr64=ndr64), max_frag=4096)
    # and in the request direction (SET_COMMON_PROPERTIES input)
    conv.call(73, *ctl_pair(CODE_SET_COMMON_PROPERTIES, in_buf=pl, ndr64=ndr64), max_frag=4096)


def case_enum_entrycount(conv, ndr64):
    """ENUM_LIST: hoisted conformance and EntryCount 0xFFFFFFFF, 64 KiB of entries."""
    top = 0xffffffffffffffff if ndr64 else 0xffffffff
    n = KIB64 // (16 if ndr64 else 8)
    entries = [{'Type': 1, 'Name': None} for _ in range(n)]
    rsp = C3.encode_response('ApiCreateEnum', {'ReturnEnum': {'Entry': entries},
                                               'rpc_status': 0, '_return': 0}, ndr64)
    rsp = patch(rsp, 7, ndr64, False, ('ApiCreateEnum.ReturnEnum', 1, top),     # conformance
                ('ApiCreateEnum.ReturnEnum.EntryCount', 0, 0xffffffff))
    req = C3.encode_request('ApiCreateEnum', {'dwType': 1}, ndr64)
    conv.call(7, req, rsp, max_frag=4096)
    # GROUP_ENUM_LIST (ApiCreateGroupEnum) with 64 KiB of entries carrying PROPERTY_LISTs
    pl = u32(1) + prop('x', [(DWORD_SYNTAX, u32(1))])
    ent = {'Name': 'g', 'Id': 'i', 'dwState': 0, 'Owner': 'o', 'dwFlags': 0,
           'Properties': pl, 'RoProperties': pl}
    one = len(C3.encode_response('ApiCreateGroupEnum', {'ppResultList': {'Entry': [ent]}},
                                 ndr64))
    entries = [ent] * max(1, KIB64 // max(1, one - 16))
    rsp = C3.encode_response('ApiCreateGroupEnum', {'ppResultList': {'Entry': entries},
                                                    'rpc_status': 0, '_return': 0}, ndr64)
    rsp = patch(rsp, 143, ndr64, False, ('ApiCreateGroupEnum.ppResultList', 1, top),
                ('ApiCreateGroupEnum.ppResultList.EntryCount', 0, 0xffffffff))
    req = C3.encode_request('ApiCreateGroupEnum', {'hCluster': H1}, ndr64)
    conv.call(143, req, rsp, max_frag=4096)


def case_notify_counts(conv, ndr64):
    top = 0xffffffffffffffff if ndr64 else 0xffffffff
    pl = u32(1) + prop('State', [(DWORD_SYNTAX, u32(2))])
    note = {'dwNotifyKey': 1, 'NotificationData': {
        'FilterAndType': {'dwObjectType': 3, 'FilterFlags': 0x8}, 'buffer': pl,
        'ObjectId': 'o', 'ParentId': 'p', 'Name': 'n', 'Type': 't'}}
    one = len(C3.encode_response('ApiGetNotifyV2', {'Notifications': [note]}, ndr64))
    notes = [note] * (KIB64 // max(1, one - 16))
    rsp = C3.encode_response('ApiGetNotifyV2', {'Notifications': notes, '_return': 0}, ndr64)
    rsp = patch(rsp, 139, ndr64, False, ('ApiGetNotifyV2.Notifications', 1, top),
                ('ApiGetNotifyV2.dwNumNotifications', 0, 0xffffffff))
    req = C3.encode_request('ApiGetNotifyV2', {'hNotify': H1}, ndr64)
    conv.call(139, req, rsp, max_frag=4096)
    anote = {'dwNotifyKey': 1, 'dwFilter': 1, 'Name': 'n'}
    notes = [anote] * (KIB64 // (24 if not ndr64 else 40))
    rsp = C3.encode_response('ApiGetNotifyAsync', {'Notifications': notes, '_return': 0}, ndr64)
    rsp = patch(rsp, 147, ndr64, False, ('ApiGetNotifyAsync.Notifications', 1, top),
                ('ApiGetNotifyAsync.dwNumNotifications', 0, 0xffffffff))
    req = C3.encode_request('ApiGetNotifyAsync', {'hNotify': H1}, ndr64)
    conv.call(147, req, rsp, max_frag=4096)


def case_nesting(conv, ndr64):
    for buf in (nested_proplists(300), nested_proplists(300, 0x8000000e),
                nested_valuelists(2000)):
        conv.call(73, *ctl_pair(CODE_GET_COMMON_PROPERTIES, out_buf=buf, ndr64=ndr64),
                  max_frag=4096)
    # a nested list inside an enumeration entry (the hook starts deeper)
    ent = {'Name': 'g', 'Id': 'i', 'Owner': 'o', 'Properties': nested_proplists(300),
           'RoProperties': nested_valuelists(10)}
    rsp = C3.encode_response('ApiCreateGroupEnum', {'ppResultList': {'Entry': [ent]},
                                                    'rpc_status': 0, '_return': 0}, ndr64)
    conv.call(143, C3.encode_request('ApiCreateGroupEnum', {'hCluster': H1}, ndr64), rsp,
              max_frag=4096)


def case_tiny_properties(conv, ndr64):
    conv.call(73, *ctl_pair(CODE_GET_COMMON_PROPERTIES, out_buf=tiny_properties(10000),
                            ndr64=ndr64), max_frag=4096)


def case_size1(conv, ndr64):
    conv.call(73, *ctl_pair(CODE_GET_COMMON_PROPERTIES, out_buf=size1_values(KIB64),
                            ndr64=ndr64), max_frag=4096)


def case_valuelist_endmarks(conv, ndr64):
    conv.call(73, *ctl_pair(CODE_GET_REQUIRED_DEPENDENCIES, out_buf=endmarks(KIB64),
                            ndr64=ndr64), max_frag=4096)


def case_multi_sz(conv, ndr64):
    conv.call(73, *ctl_pair(CODE_ENUM_COMMON_PROPERTIES, out_buf=multi_sz_tiny(KIB64),
                            ndr64=ndr64), max_frag=4096)
    vals = {'hKey': H1, 'lpValueName': 'v', 'lpValueType': 7, 'lpData': multi_sz_tiny(KIB64),
            'lpcbRequired': KIB64, 'rpc_status': 0, '_return': 0}
    req = C3.encode_request('ApiQueryValue', {'hKey': H1, 'lpValueName': 'v', 'cbData': KIB64},
                            ndr64)
    conv.call(34, req, C3.encode_response('ApiQueryValue', vals, ndr64), max_frag=4096)


def case_sd_aces(conv, ndr64):
    conv.call(73, *ctl_pair(CODE_GET_COMMON_PROPERTIES, out_buf=sd_proplist(), ndr64=ndr64),
              max_frag=4096)


def case_sr_count(conv, ndr64):
    conv.call(75, *ctl_pair(CODE_GET_REPLICATED_DISKS, out_buf=sr_replicated(0xffff, KIB64),
                            ndr64=ndr64, opnum=75,
                            target={'hCluster': H1, 'lpszResourceTypeName': 't'}), max_frag=4096)


def case_batch(conv, ndr64):
    for buf in (batch_empty_commands(KIB64), batch_huge_lengths(KIB64)):
        req = C3.encode_request('ApiExecuteBatch', {'hKey': H1, 'lpData': buf}, ndr64)
        rsp = C3.encode_response('ApiExecuteBatch', {'pdwFailedCommand': -1, 'rpc_status': 0,
                                                     '_return': 0}, ndr64)
        conv.call(113, req, rsp, max_frag=4096)


CASES = [
    ('ndr-conformance-ffffffff', case_ndr_conformance,
     'NDR conformance and actual count 0xFFFFFFFF (NDR64: 2^64-1) on lpOutBuffer and '
     'ApiSetValue.lpData, 64 KiB follow'),
    ('ndr-string-ffffffff', case_ndr_string,
     '[string] max_count and actual_count 0xFFFFFFFF, 64 KiB of characters follow'),
    ('proplist-count-ffffffff', case_proplist_count,
     'PROPERTY_LIST count 0xFFFFFFFF with 64 KiB of real properties (GET and '
     'SET_COMMON_PROPERTIES)'),
    ('enum-entrycount-ffffffff', case_enum_entrycount,
     'ENUM_LIST / GROUP_ENUM_LIST conformance and EntryCount 0xFFFFFFFF, 64 KiB of entries'),
    ('notify-counts-ffffffff', case_notify_counts,
     'ApiGetNotifyV2 / ApiGetNotifyAsync array conformance and dwNumNotifications 0xFFFFFFFF, '
     '64 KiB of notifications'),
    ('nesting-deep', case_nesting,
     'PROPERTY_LISTs nested 300 deep in LIST_VALUE_PROPERTY_LIST (and user 0x8000000e) values, '
     'value lists nested 2000 deep, nesting inside an enumeration entry'),
    ('proplist-10000-tiny', case_tiny_properties,
     '10,000 properties of 12 bytes (NAME size 0, ENDMARK) in a GET_COMMON_PROPERTIES output '
     'buffer'),
    ('proplist-sizes-1', case_size1,
     '64 KiB of properties whose name and every value (DWORD, SZ, ULARGE, SD, nested list, '
     'SCSI, partition info, user value list) claim size 1'),
    ('valuelist-endmarks', case_valuelist_endmarks,
     '64 KiB of ENDMARKs in a value-list output buffer (16,384 empty value lists)'),
    ('multi-sz-tiny', case_multi_sz,
     '64 KiB MULTI_SZ of one-character strings (control-code output and REG_MULTI_SZ registry '
     'value)'),
    ('sd-16k-aces', case_sd_aces,
     'a security descriptor whose DACL holds 16,381 ACEs of 4 bytes, in a property value'),
    ('sr-count-ffff', case_sr_count,
     'SR_RESOURCE_TYPE_REPLICATED_DISKS_RESULT Count 0xFFFF with 64 KiB of disks'),
    ('batch-64k', case_batch,
     'CLUSTER_REG_BATCH_UPDATE of 4,095 empty commands, and a command whose NameLength is '
     '0xFFFFFFFF'),
]


def handle_reuse(out, n=2000):
    """n rounds of ApiOpenResource -> handle H, ApiCloseResource(H), ApiOnlineResource(H) (a call
    on the closed handle), all with the same 20-byte value H. The handle table keeps one instance
    per open; before FINDINGS.md F1 was fixed each lookup of the closed H walked all of them
    (n^2/2 steps in one pass). Written gzip-compressed (tshark reads .pcap.gz; mtime 0 keeps the
    bytes reproducible)."""
    b = pcapbuild.PcapBuilder()
    conv = b.tcp_conversation()
    conv.bind()
    steps = [
        ('ApiOpenResource', {'lpszResourceName': 'r'},
         {'Status': 0, 'rpc_status': 0, '_return': H1}),
        ('ApiCloseResource', {'Resource': H1}, {'Resource': bytes(20), '_return': 0}),
        ('ApiOnlineResource', {'hResource': H1}, {'rpc_status': 0, '_return': 0}),
    ]
    stubs = [(C3.method(m).opnum, C3.encode_request(m, q), C3.encode_response(m, r))
             for m, q, r in steps]
    for _ in range(n):
        for opnum, req, rsp in stubs:
            conv.call(opnum, req, rsp)
    raw = os.path.join(out, '.handle-reuse.tmp')
    b.write(raw)
    path = os.path.join(out, 'complexity-handle-reuse-%d.pcap.gz' % n)
    with open(raw, 'rb') as f, open(path, 'wb') as g:
        with gzip.GzipFile(filename='', mode='wb', fileobj=g, mtime=0, compresslevel=9) as z:
            z.write(f.read())
    os.unlink(raw)
    return path


def build(name, fn, out):
    paths = []
    for ndr64 in (False, True):
        b = pcapbuild.PcapBuilder()
        conv = b.tcp_conversation()
        conv.bind(ndr64=ndr64)
        fn(conv, ndr64)
        path = os.path.join(out, 'adv-%s-%s.pcap' % (name, 'ndr64' if ndr64 else 'ndr'))
        b.write(path)
        paths.append(path)
    return paths


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=OUT)
    ap.add_argument('--handle-reuse-rounds', type=int, default=2000,
                    help='rounds in complexity-handle-reuse-N.pcap.gz (F1: try 16000)')
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    lines = ['# adversarial captures: file\twhat it holds (tests/fuzz/make_adversarial.py '
             'writes the adv-* files; crash-* files are reduced fuzzing failures, see their .txt)']
    for name, fn, desc in CASES:
        for p in build(name, fn, a.out):
            lines.append('%s\t%s' % (os.path.basename(p), desc))
            print(p, os.path.getsize(p))
    p = handle_reuse(a.out, a.handle_reuse_rounds)
    lines.append('%s\t%d rounds of open / close / call on the same handle value (FINDINGS.md '
                 'F1: dissection time was quadratic in the rounds)'
                 % (os.path.basename(p), a.handle_reuse_rounds))
    print(p, os.path.getsize(p))
    with open(os.path.join(a.out, 'MANIFEST'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
