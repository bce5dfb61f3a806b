"""Issue 4: PROPERTY_LIST (MS-CMRP 2.2.3.10), value lists and the values in them
(plugin/packet-cmrp-proplist.c).

Corpus: the SET_PRIVATE_PROPERTIES requests of captures/scenario-ndr.pcapng carry
scenario.props_all_syntaxes(): one property of every value syntax, multi-value properties, with and
without the trailing list ENDMARK. Every expected value below is the one scenario.py wrote
(recomputed here), every layout the one of 2.2.3.10 / 2.2.2.3.

Byte-level: PROPERTY_LISTs and value lists spelled out here from 2.2.3.10 and the SDK syntax
values: every CLUSPROP syntax (SDK-only ones included), nesting, and each malformation with its
own expert info, decoded as far as the bytes allow; huge counts and sizes cost nothing.
"""
import os
import struct
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'lib'))
sys.path.insert(0, HERE)
from ndrbytes import handle, pad, u32, u64  # noqa: E402
from pcapbuild import PcapBuilder  # noqa: E402

from conftest import capture  # noqa: E402
from test_ctl import in_filter, pdml  # noqa: E402

# CLUSTER_PROPERTY_SYNTAX (2.2.2.3; SDK ClusAPI.h for the ones the spec does not list)
ENDMARK = 0x00000000
NAME = 0x00040003
RESCLASS = 0x00020002
L_BINARY, L_DWORD, L_SZ, L_EXPAND_SZ, L_MULTI_SZ = 0x00010001, 0x00010002, 0x00010003, 0x00010004, 0x00010005
L_ULARGE, L_LONG, L_EXPANDED_SZ, L_SD, L_LARGE = 0x00010006, 0x00010007, 0x00010008, 0x00010009, 0x0001000a
L_WORD, L_FILETIME, L_PROPLIST = 0x0001000b, 0x0001000c, 0x0001000e
DISK_SIGNATURE, SCSI_ADDRESS, DISK_NUMBER = 0x00050002, 0x00060002, 0x00070002
PARTITION_INFO, FTSET_INFO, DISK_SERIALNUMBER = 0x00080001, 0x00090001, 0x000a0003
DISK_GUID, DISK_SIZE, PARTITION_INFO_EX = 0x000b0003, 0x000c0006, 0x000d0001
PARTITION_INFO_EX2, STORAGE_DEVICE_ID_DESCRIPTOR = 0x000e0001, 0x000f0001

SYNTAX_NAMES = {
    ENDMARK: 'CLUSPROP_SYNTAX_ENDMARK', NAME: 'CLUSPROP_SYNTAX_NAME', RESCLASS: 'CLUSPROP_SYNTAX_RESCLASS',
    L_BINARY: 'CLUSPROP_SYNTAX_LIST_VALUE_BINARY', L_DWORD: 'CLUSPROP_SYNTAX_LIST_VALUE_DWORD',
    L_SZ: 'CLUSPROP_SYNTAX_LIST_VALUE_SZ', L_EXPAND_SZ: 'CLUSPROP_SYNTAX_LIST_VALUE_EXPAND_SZ',
    L_MULTI_SZ: 'CLUSPROP_SYNTAX_LIST_VALUE_MULTI_SZ',
    L_ULARGE: 'CLUSPROP_SYNTAX_LIST_VALUE_ULARGE_INTEGER', L_LONG: 'CLUSPROP_SYNTAX_LIST_VALUE_LONG',
    L_EXPANDED_SZ: 'CLUSPROP_SYNTAX_LIST_VALUE_EXPANDED_SZ',
    L_SD: 'CLUSPROP_SYNTAX_LIST_VALUE_SECURITY_DESCRIPTOR',
    L_LARGE: 'CLUSPROP_SYNTAX_LIST_VALUE_LARGE_INTEGER', L_WORD: 'CLUSPROP_SYNTAX_LIST_VALUE_WORD',
    L_FILETIME: 'CLUSPROP_SYNTAX_LIST_VALUE_FILETIME',
    L_PROPLIST: 'CLUSPROP_SYNTAX_LIST_VALUE_PROPERTY_LIST',
    DISK_SIGNATURE: 'CLUSPROP_SYNTAX_DISK_SIGNATURE', SCSI_ADDRESS: 'CLUSPROP_SYNTAX_SCSI_ADDRESS',
    DISK_NUMBER: 'CLUSPROP_SYNTAX_DISK_NUMBER', PARTITION_INFO: 'CLUSPROP_SYNTAX_PARTITION_INFO',
    FTSET_INFO: 'CLUSPROP_SYNTAX_FTSET_INFO', DISK_SERIALNUMBER: 'CLUSPROP_SYNTAX_DISK_SERIALNUMBER',
    DISK_GUID: 'CLUSPROP_SYNTAX_DISK_GUID', DISK_SIZE: 'CLUSPROP_SYNTAX_DISK_SIZE',
    PARTITION_INFO_EX: 'CLUSPROP_SYNTAX_PARTITION_INFO_EX',
    PARTITION_INFO_EX2: 'CLUSPROP_SYNTAX_PARTITION_INFO_EX2',
    STORAGE_DEVICE_ID_DESCRIPTOR: 'CLUSPROP_SYNTAX_STORAGE_DEVICE_ID_DESCRIPTOR',
}


def wz(s):
    return (s + '\0').encode('utf-16-le')


def multi_sz(strings):
    return b''.join(wz(s) for s in strings) + b'\0\0'


def entry(syntax, data, padding=None):
    """syntax, size (data only), data, padding to 4 (2.2.3.10.1)."""
    pad_bytes = b'\0' * ((-len(data)) % 4) if padding is None else padding
    return u32(syntax) + u32(len(data)) + data + pad_bytes


def prop(name, *values, endmark=True):
    return entry(NAME, wz(name)) + b''.join(values) + (u32(ENDMARK) if endmark else b'')


def plist(*props, count=None, endmark=False):
    return u32(len(props) if count is None else count) + b''.join(props) + (u32(ENDMARK) if endmark else b'')


def filetime(unix):
    return (unix + 11644473600) * 10000000


def sid(auth, *subs):
    return struct.pack('<BB', 1, len(subs)) + auth.to_bytes(6, 'big') + b''.join(u32(x) for x in subs)


def self_relative_sd():
    """Owner BUILTIN\\Administrators, group SYSTEM, a DACL of three ACCESS_ALLOWED ACEs
    (MS-DTYP 2.4.6, 2.4.5, 2.4.4.2), as scenario.SD (clusbuf.self_relative_sd) builds it."""
    owner, group = sid(5, 32, 544), sid(5, 18)
    aces = [(0x000f003f, sid(5, 32, 544)), (0x000f003f, sid(5, 18)), (0x00020019, sid(5, 11))]
    body = b''.join(struct.pack('<BBH', 0, 0, 8 + len(s)) + u32(m) + s for m, s in aces)
    dacl = struct.pack('<BBHHH', 2, 0, 8 + len(body), len(aces), 0) + body
    return (struct.pack('<BBHIIII', 1, 0, 0x8004, 20, 20 + len(owner), 0, 20 + len(owner) + len(group))
            + owner + group + dacl)


def all_syntaxes_list(trailing):
    """scenario.props_all_syntaxes(), spelled out from 2.2.3.10."""
    return plist(
        prop('StringValue', entry(L_SZ, wz('a string'))),
        prop('ExpandString', entry(L_EXPAND_SZ, wz('%SystemRoot%\\Cluster\\cmrp.log')),
             entry(L_EXPANDED_SZ, wz('C:\\Windows\\Cluster\\cmrp.log'))),
        prop('ExpandOnly', entry(L_EXPAND_SZ, wz('%TEMP%\\cmrp'))),
        prop('DwordValue', entry(L_DWORD, u32(0x12345678))),
        prop('LongValue', entry(L_LONG, struct.pack('<i', -42))),
        prop('WordValue', entry(L_WORD, struct.pack('<H', 0xbeef))),
        prop('BinaryValue', entry(L_BINARY, bytes(range(1, 14)))),
        prop('MultiString', entry(L_MULTI_SZ, multi_sz(['one', 'two', 'three']))),
        prop('ULargeValue', entry(L_ULARGE, u64(0x0123456789abcdef))),
        prop('LargeValue', entry(L_LARGE, struct.pack('<q', -0x123456789))),
        prop('FileTimeValue', entry(L_FILETIME, u64(filetime(1700000000)))),
        prop('Security', entry(L_SD, self_relative_sd())),
        prop('MultiValue', entry(L_DWORD, u32(7)), entry(L_WORD, struct.pack('<H', 8)),
             entry(L_LONG, struct.pack('<i', -9))),
        endmark=trailing)


# What the decoder must show for that list (2.2.2.3 names, the values above)
ALL_SYNTAXES_EXPECT = [
    ('cmrp.prop.count', ['13']),
    ('cmrp.prop.name', ['StringValue', 'ExpandString', 'ExpandOnly', 'DwordValue', 'LongValue',
                        'WordValue', 'BinaryValue', 'MultiString', 'ULargeValue', 'LargeValue',
                        'FileTimeValue', 'Security', 'MultiValue']),
    ('cmrp.prop.sz', ['a string', '%SystemRoot%\\Cluster\\cmrp.log', 'C:\\Windows\\Cluster\\cmrp.log',
                      '%TEMP%\\cmrp', 'one', 'two', 'three']),
    ('cmrp.prop.dword', ['305419896 (0x12345678)', '7 (0x00000007)']),
    ('cmrp.prop.long', ['-42', '-9']),
    ('cmrp.prop.word', ['48879 (0xbeef)', '8 (0x0008)']),
    ('cmrp.prop.binary', ['0102030405060708090a0b0c0d']),
    ('cmrp.prop.ularge', [str(0x0123456789abcdef)]),
    ('cmrp.prop.large', [str(-0x123456789)]),
    ('cmrp.prop.filetime', ['Nov 14, 2023 22:13:20.000000000 UTC']),
    ('cmrp.sd.control', ['0x8004, SE_SELF_RELATIVE, SE_DACL_PRESENT']),
    ('cmrp.sd.acl.count', ['3']),
    ('cmrp.sd.ace.mask', ['0x000f003f', '0x000f003f', '0x00020019']),
    ('cmrp.prop.endmark', ['0x00000000'] * 13),
]

ALL_SYNTAXES_HEADERS = [
    'StringValue = "a string"',
    'ExpandString = "%SystemRoot%\\Cluster\\cmrp.log" (+1 more value)',
    'ExpandOnly = "%TEMP%\\cmrp"',
    'DwordValue = 305419896',
    'LongValue = -42',
    'WordValue = 48879',
    'BinaryValue = 13 bytes',
    'MultiString = [3] one, two, three',
    'ULargeValue = 81985529216486895',
    'LargeValue = -4886718345',
    'FileTimeValue = Nov 14, 2023 22:13:20.000000000 UTC',
    'Security = security descriptor',
    'MultiValue = 7 (+2 more values)',
]

VALUE_SYNTAXES = [L_SZ, L_EXPAND_SZ, L_EXPANDED_SZ, L_DWORD, L_LONG, L_WORD, L_BINARY, L_MULTI_SZ,
                  L_ULARGE, L_LARGE, L_FILETIME, L_SD]


def check(frame, expect, where):
    for field, vals in expect:
        assert frame.display(field) == vals, '%s: %s' % (where, field)


def syntax_names(frame):
    """The syntax names the decoder shows, in order (display starts with the name)."""
    return [d.split(' (')[0] for d in frame.display('cmrp.prop.syntax')]


# ---------------------------------------------------------------------------------------------
# Corpus

SET_PRIVATE = [0x01400086, 0x02400086, 0x03400086, 0x04400086, 0x05400086, 0x06400086,
               0x07400086]


@pytest.fixture(scope='module', params=['scenario-ndr.pcapng', 'scenario-ndr64.pcapng'])
def corpus(request):
    return capture(request.param)


@pytest.fixture(scope='module')
def set_private(tshark, corpus):
    """{request frame: nInBufferSize} of every SET_PRIVATE_PROPERTIES request, and their PDML."""
    rows = tshark.fields(corpus, ['frame.number', 'cmrp.ninbuffersize'],
                         'dcerpc.pkt_type == 0 && cmrp.ctl.code in {%s}'
                         % ','.join('0x%08x' % c for c in SET_PRIVATE))
    sizes = {int(r[0][0]): int(r[1][0]) for r in rows}
    return sizes, pdml(tshark, corpus, in_filter(sizes))


def test_corpus_both_trailing_variants(set_private):
    sizes, _ = set_private
    plain, trailing = len(all_syntaxes_list(False)), len(all_syntaxes_list(True))
    assert set(sizes.values()) == {plain, trailing}, sizes


def test_corpus_every_value_syntax(set_private):
    sizes, frames = set_private
    trailing = len(all_syntaxes_list(True))
    for num, f in frames.items():
        check(f, ALL_SYNTAXES_EXPECT, 'frame %d' % num)
        assert f.text('cmrp.prop.property') == ALL_SYNTAXES_HEADERS, num
        # the optional list ENDMARK: there exactly when the scenario wrote it
        assert f.display('cmrp.prop.list_endmark') == (['0x00000000'] if sizes[num] == trailing else []), num
        assert not f.has('cmrp.prop.trailing')
        assert f.experts() == [], num
        names = syntax_names(f)
        assert names.count('CLUSPROP_SYNTAX_NAME') == 13
        for s in VALUE_SYNTAXES:
            assert SYNTAX_NAMES[s] in names, (num, SYNTAX_NAMES[s])
        # each SID of the security descriptor
        assert f.show('nt.sid') == ['S-1-5-32-544', 'S-1-5-18', 'S-1-5-32-544', 'S-1-5-18', 'S-1-5-11']


def test_corpus_syntax_field_named(set_private):
    _, frames = set_private
    f = next(iter(frames.values()))
    d = f.display('cmrp.prop.syntax')
    assert d[0] == ('CLUSPROP_SYNTAX_NAME (0x00040003), Type: CLUSPROP_TYPE_NAME, '
                    'Format: CLUSPROP_FORMAT_SZ')
    assert d[1] == ('CLUSPROP_SYNTAX_LIST_VALUE_SZ (0x00010003), Type: CLUSPROP_TYPE_LIST_VALUE, '
                    'Format: CLUSPROP_FORMAT_SZ')
    assert f.display('cmrp.prop.syntax.type')[:2] == ['CLUSPROP_TYPE_NAME (0x0004)',
                                                      'CLUSPROP_TYPE_LIST_VALUE (0x0001)']


def test_corpus_disk_syntaxes(tshark, corpus):
    """The storage value-list syntaxes the scenario answers (GET_DISK_INFO(_EX, _EX2),
    GET_REQUIRED_DEPENDENCIES) are all named."""
    rows = tshark.fields(corpus, ['cmrp.prop.syntax'], 'cmrp.prop.value_list')
    seen = {int(v, 16) for r in rows for v in r[0]}
    for s in (RESCLASS, NAME, DISK_SIGNATURE, SCSI_ADDRESS, DISK_NUMBER, PARTITION_INFO,
              DISK_SERIALNUMBER, DISK_GUID, DISK_SIZE, PARTITION_INFO_EX, PARTITION_INFO_EX2,
              L_BINARY):
        assert s in seen, SYNTAX_NAMES[s]


# ---------------------------------------------------------------------------------------------
# Byte-level

OK = 0
HR = handle(1)
SET_PRIVATE_PROPERTIES = 0x01400086        # CLUSCTL_RESOURCE_SET_PRIVATE_PROPERTIES: PROPERTY_LIST in
GET_DISK_INFO = 0x01000191                 # CLUSCTL_RESOURCE_STORAGE_GET_DISK_INFO: value list out
ENUM_COMMON = 0x01000051                   # CLUSCTL_RESOURCE_ENUM_COMMON_PROPERTIES: MULTI_SZ out


def request(code, inbuf, out_size=0):
    stub = HR + u32(code)
    stub += u32(0x20000) + u32(len(inbuf)) + pad(inbuf) if inbuf else u32(0)
    return stub + u32(len(inbuf)) + u32(out_size)


def response(outbuf, out_size):
    return (u32(out_size) + u32(0) + u32(len(outbuf)) + pad(outbuf) + u32(len(outbuf)) +
            u32(len(outbuf)) + u32(OK) + u32(OK))


def partition_info(device, label, serial):
    """CLUS_PARTITION_INFO (2.2.3.9): 1120 bytes."""
    def fixed(s, n):
        b = s.encode('utf-16-le')
        return b + b'\0' * (n - len(b))
    return (u32(0x5) + fixed(device, 520) + fixed(label, 520) + struct.pack('<III', serial, 255, 0x3e706ff)
            + fixed('ReFS', 64))


def every_syntax_value_list():
    """One entry of every syntax the decoder knows, SDK-only ones included."""
    pi = partition_info('X:', 'Data', 0xfeed)
    pi_ex = pi + u64(100 << 30) + u64(25 << 30) + u32(3) + u32(2) + bytes(range(16))
    pi_ex2 = pi_ex + bytes(range(16, 32)) + (wz('Part') + b'\0' * (520 - 10)) + u32(0x9)
    inner = plist(prop('Inner', entry(L_DWORD, u32(5))))
    # STORAGE_DEVICE_ID_DESCRIPTOR (MS-CSVP 2.2.9): Version 13, Size 31, one STORAGE_IDENTIFIER
    # (2.2.10): binary code set, EUI-64 type, 3 bytes, the last (NextOffset 0), device association
    sdid = struct.pack('<III', 13, 31, 1) + struct.pack('<IIHHI', 1, 2, 3, 0, 0) + b'\x0a\x0b\x0c'
    return (entry(RESCLASS, u32(2)) + entry(NAME, wz('IP Address')) +
            entry(DISK_SIGNATURE, u32(0xdeadbeef)) + entry(SCSI_ADDRESS, bytes([2, 1, 9, 3])) +
            entry(DISK_NUMBER, u32(9)) + entry(PARTITION_INFO, pi) + entry(FTSET_INFO, u32(0x0badf00d) + u32(1)) +
            entry(DISK_SERIALNUMBER, wz('SN9')) + entry(DISK_GUID, wz('{g}')) +
            entry(DISK_SIZE, u64(100 << 30)) + entry(PARTITION_INFO_EX, pi_ex) +
            entry(PARTITION_INFO_EX2, pi_ex2) + entry(STORAGE_DEVICE_ID_DESCRIPTOR, sdid) +
            entry(L_PROPLIST, inner) + entry(0x80000001, b'\x33\x44') + u32(ENDMARK))


# name -> (code, request buffer or None, response buffer or None)
MALFORMED = {
    # count 1000, one property in 44 bytes: each property needs at least 12 bytes -> 3 at most
    'count': (SET_PRIVATE_PROPERTIES,
              plist(prop('Only', entry(L_DWORD, u32(1))), count=1000), None),
    # the second value claims 256 bytes, 8 are left; the first property still decodes
    'size': (SET_PRIVATE_PROPERTIES,
             plist(prop('Good', entry(L_DWORD, u32(2))),
                   entry(NAME, wz('Bad')) + u32(L_BINARY) + u32(256) + b'ABCDEFGH', count=2), None),
    # the property's values end without CLUSPROP_SYNTAX_ENDMARK (end of buffer)
    'endmark_prop': (SET_PRIVATE_PROPERTIES, plist(prop('NoEnd', entry(L_DWORD, u32(3)),
                                                        endmark=False)), None),
    # ... and in a value list (GET_DISK_INFO output)
    'endmark_list': (GET_DISK_INFO, None, entry(DISK_NUMBER, u32(4))),
    # a 3-byte BINARY padded with 0xff
    'padding': (SET_PRIVATE_PROPERTIES,
                plist(prop('Pad', entry(L_BINARY, b'\x01\x02\x03', padding=b'\xff')),
                      prop('After', entry(L_DWORD, u32(6)))), None),
    # an SZ value with no NUL character
    'unterminated': (SET_PRIVATE_PROPERTIES,
                     plist(prop('Str', entry(L_SZ, 'abcd'.encode('utf-16-le'))),
                           prop('After', entry(L_DWORD, u32(7)))), None),
    # an unknown syntax (type 0x0099), then a good value
    'syntax': (SET_PRIVATE_PROPERTIES,
               plist(prop('Odd', entry(0x00990003, b'\x01\x02\x03\x04'), entry(L_DWORD, u32(8)))), None),
    # MULTI_SZ list (ENUM_COMMON_PROPERTIES) whose last string is cut
    'multi_sz': (ENUM_COMMON, None, wz('One') + 'Tw'.encode('utf-16-le')),
    # long strings: the NUL search reads the bytes in 512-byte chunks (cmrp_utf16_nul), so
    # strings that start, end and have their NUL across chunk boundaries
    'multi_sz_long': (ENUM_COMMON, None, wz('A' * 300) + wz('BBB') + wz('C' * 400) + wz('')),
    'multi_sz_long_cut': (ENUM_COMMON, None, wz('E' * 10) + ('D' * 600).encode('utf-16-le')),
    'long_sz': (SET_PRIVATE_PROPERTIES, plist(prop('Long', entry(L_SZ, wz('x' * 700))),
                                              prop('After', entry(L_DWORD, u32(9)))), None),
    # value sizes that do not match a fixed-size syntax
    'value_size': (SET_PRIVATE_PROPERTIES, plist(prop('Short', entry(L_DWORD, b'\x01\x02'))), None),
    # a count of 0xffffffff in 4 bytes: nothing to loop over
    'huge_count': (SET_PRIVATE_PROPERTIES, u32(0xffffffff), None),
    # a value of size 0xfffffff0
    # (the 8 bytes present are decoded as the value's data)
    'huge_size': (SET_PRIVATE_PROPERTIES,
                  plist(entry(NAME, wz('Big')) + u32(L_BINARY) + u32(0xfffffff0) + b'\0' * 8), None),
}


@pytest.fixture(scope='module')
def pl_pcap(scratch):
    b = PcapBuilder()
    c = b.tcp_conversation(50200, 5555)
    c.bind()
    cid = {}
    cid['all'] = c.call(73, request(SET_PRIVATE_PROPERTIES, all_syntaxes_list(True)),
                        response(b'', 0))
    cid['every'] = c.call(73, request(GET_DISK_INFO, b'', 8192),
                          response(every_syntax_value_list(), 8192))
    for name, (code, inbuf, outbuf) in MALFORMED.items():
        cid[name] = c.call(73, request(code, inbuf or b'', 4096 if outbuf else 0),
                           response(outbuf or b'', 4096 if outbuf else 0))
    path = os.path.join(scratch, 'proplist.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    return path, cid


class Calls:
    def __init__(self, tshark, path, cid):
        self.frames = pdml(tshark, path, 'cmrp')
        rows = tshark.fields(path, ['frame.number', 'dcerpc.cn_call_id', 'dcerpc.pkt_type'], 'cmrp')
        self.by = {(int(r[1][0]), int(r[2][0])): int(r[0][0]) for r in rows}
        self.cid = cid

    def frame(self, name):
        """The frame that carries the call's buffer (request for inputs, response for outputs)."""
        code, inbuf, _ = MALFORMED.get(name, (None, True, None))
        return self.frames[self.by[(self.cid[name], 0 if inbuf else 2)]]


@pytest.fixture(scope='module')
def pl(tshark, pl_pcap):
    return Calls(tshark, *pl_pcap)


def test_bytes_all_syntaxes(pl):
    f = pl.frames[pl.by[(pl.cid['all'], 0)]]
    check(f, ALL_SYNTAXES_EXPECT, 'all')
    assert f.text('cmrp.prop.property') == ALL_SYNTAXES_HEADERS
    assert f.display('cmrp.prop.list_endmark') == ['0x00000000']
    assert f.experts() == []


def test_bytes_every_syntax(pl):
    f = pl.frames[pl.by[(pl.cid['every'], 2)]]
    names = syntax_names(f)
    for s in (RESCLASS, NAME, DISK_SIGNATURE, SCSI_ADDRESS, DISK_NUMBER, PARTITION_INFO, FTSET_INFO,
              DISK_SERIALNUMBER, DISK_GUID, DISK_SIZE, PARTITION_INFO_EX, PARTITION_INFO_EX2,
              STORAGE_DEVICE_ID_DESCRIPTOR, L_PROPLIST):
        assert SYNTAX_NAMES[s] in names, SYNTAX_NAMES[s]
    assert f.display('cmrp.prop.resclass') == ['CLUS_RESCLASS_NETWORK (2)']
    assert f.display('cmrp.prop.name') == ['IP Address', 'Inner']
    assert f.display('cmrp.prop.disk_signature') == ['0xdeadbeef']
    assert [f.display(x) for x in ('cmrp.scsi.port', 'cmrp.scsi.path_id', 'cmrp.scsi.target_id',
                                   'cmrp.scsi.lun')] == [['2'], ['1'], ['9'], ['3']]
    assert f.display('cmrp.prop.disk_number') == ['9']
    assert f.display('cmrp.prop.disk_serial_number') == ['SN9']
    assert f.display('cmrp.prop.disk_guid') == ['{g}']
    assert f.display('cmrp.prop.ftset.root_signature') == ['0x0badf00d']
    assert f.display('cmrp.prop.storage_id.data') == ['0a0b0c']
    assert f.display('cmrp.prop.disk_size') == [str(100 << 30)]
    assert f.display('cmrp.partition.device_name') == ['X:'] * 3
    assert f.display('cmrp.partition.volume_label') == ['Data'] * 3
    assert f.display('cmrp.partition.file_system') == ['ReFS'] * 3
    assert f.display('cmrp.partition.flags') == ['0x00000005, CLUSPROP_PIFLAG_STICKY, CLUSPROP_PIFLAG_USABLE'] * 3
    assert f.display('cmrp.partition.total_size') == [str(100 << 30)] * 2
    assert f.display('cmrp.partition.free_size') == [str(25 << 30)] * 2
    assert f.display('cmrp.partition.device_number') == ['3'] * 2
    assert f.display('cmrp.partition.partition_number') == ['2'] * 2
    assert f.display('cmrp.partition.volume_guid') == ['03020100-0504-0706-0809-0a0b0c0d0e0f'] * 2
    assert f.display('cmrp.partition.gpt_partition_id') == ['13121110-1514-1716-1819-1a1b1c1d1e1f']
    assert f.display('cmrp.partition.partition_name') == ['Part']
    assert f.display('cmrp.partition.encryption') == [
        '0x00000009, ENCRYPTION_ENABLED, ENCRYPTION_ENCRYPTED']
    # the user syntax (type 0x8000) as bytes (issue 16: FTSET_INFO and STORAGE_DEVICE_ID_DESCRIPTOR
    # by field, test_valuelist_layouts.py)
    assert f.display('cmrp.prop.binary') == ['3344']
    # the nested PROPERTY_LIST value
    assert f.text('cmrp.prop.property') == ['Inner = 5']
    assert f.display('cmrp.prop.dword') == ['5 (0x00000005)']
    assert f.experts() == []


EXPERTS = {
    'count': ('cmrp.prop.count_overrun',
              ['Property count 1000 is larger than the 36 remaining bytes can hold (3 at most)']),
    'size': ('cmrp.prop.size_overrun', ['Size 256 overruns the buffer (8 bytes left)',
                                        'Property "Bad" has no CLUSPROP_SYNTAX_ENDMARK']),
    'endmark_prop': ('cmrp.prop.missing_endmark', ['Property "NoEnd" has no CLUSPROP_SYNTAX_ENDMARK']),
    'endmark_list': ('cmrp.prop.missing_endmark', ['Value list has no CLUSPROP_SYNTAX_ENDMARK']),
    'padding': ('cmrp.prop.bad_padding', ['Non-zero padding']),
    'unterminated': ('cmrp.prop.unterminated_string', ['String is not NUL-terminated']),
    'syntax': ('cmrp.prop.unknown_syntax', ['Unknown property syntax 0x00990003']),
    'multi_sz': ('cmrp.ctl.unterminated_string', ['String is not NUL-terminated']),
    'multi_sz_long_cut': ('cmrp.ctl.unterminated_string', ['String is not NUL-terminated']),
    'value_size': ('cmrp.prop.bad_value_size', ['Value size 2, expected 4 for this syntax']),
    'huge_count': ('cmrp.prop.count_overrun',
                   ['Property count 4294967295 is larger than the 0 remaining bytes can hold (0 at most)']),
    'huge_size': ('cmrp.prop.size_overrun', ['Size 4294967280 overruns the buffer (8 bytes left)',
                                             'Property "Big" has no CLUSPROP_SYNTAX_ENDMARK']),
}


@pytest.mark.parametrize('name', sorted(EXPERTS))
def test_malformed_expert(name, pl):
    abbrev, messages = EXPERTS[name]
    f = pl.frame(name)
    assert f.has(abbrev), name
    assert f.experts() == messages, name


def test_malformed_decodes_what_it_can(pl):
    # count too large: the one property is there
    assert pl.frame('count').text('cmrp.prop.property') == ['Only = 1']
    # size overrun: the good property, then the bad one's 8 bytes
    f = pl.frame('size')
    assert f.text('cmrp.prop.property')[0] == 'Good = 2'
    assert f.display('cmrp.prop.binary') == ['4142434445464748']
    # missing ENDMARK: the value is decoded
    assert pl.frame('endmark_prop').display('cmrp.prop.dword') == ['3 (0x00000003)']
    assert pl.frame('endmark_list').display('cmrp.prop.disk_number') == ['4']
    # bad padding: the value, and the next property
    f = pl.frame('padding')
    assert f.display('cmrp.prop.binary') == ['010203']
    assert f.display('cmrp.prop.padding') == ['ff']
    assert f.text('cmrp.prop.property') == ['Pad = 3 bytes', 'After = 6']
    # unterminated string: the characters, and the next property
    f = pl.frame('unterminated')
    assert f.display('cmrp.prop.sz') == ['abcd']
    assert f.text('cmrp.prop.property') == ['Str = "abcd"', 'After = 7']
    # unknown syntax: its bytes, then the DWORD after it
    f = pl.frame('syntax')
    assert f.display('cmrp.prop.syntax')[1] == 'Unknown (0x00990003), Type: Unknown, Format: CLUSPROP_FORMAT_SZ'
    assert f.display('cmrp.prop.binary') == ['01020304']
    assert f.display('cmrp.prop.dword') == ['8 (0x00000008)']
    assert f.text('cmrp.prop.property') == ['Odd = <unknown syntax> (+1 more value)']
    # MULTI_SZ: both strings
    assert pl.frame('multi_sz').display('cmrp.ctl.multi_sz') == ['One', 'Tw']
    # long strings (whole values below, from -T fields: PDML cuts a display at 240 characters)
    assert not pl.frame('multi_sz_long').has('cmrp.ctl.unterminated_string')
    f = pl.frame('long_sz')
    assert f.display('cmrp.prop.dword') == ['9 (0x00000009)']
    assert not f.has('cmrp.prop.unterminated_string')
    # huge count / size: a handful of items, not billions
    assert len(pl.frame('huge_count').fields) < 40
    assert len(pl.frame('huge_size').fields) < 60


def test_long_strings_whole(tshark, pl_pcap, pl):
    """Strings whose characters and NUL lie across the 512-byte chunks in which cmrp_utf16_nul
    reads the bytes: every string whole, the MULTI_SZ split at its NULs."""
    path, _ = pl_pcap

    def values(name, field):
        number = pl.by[(pl.cid[name], 0 if MALFORMED[name][1] else 2)]
        rows = tshark.fields(path, [field], 'frame.number == %d' % number)
        return rows[0][0]
    assert values('multi_sz_long', 'cmrp.ctl.multi_sz') == ['A' * 300, 'BBB', 'C' * 400]
    assert values('multi_sz_long_cut', 'cmrp.ctl.multi_sz') == ['E' * 10, 'D' * 600]
    assert values('long_sz', 'cmrp.prop.sz') == ['x' * 700]


def test_linear_in_the_bytes(tshark, scratch):
    """A 1 MB buffer of 40000 properties: one item set per property, decoded in seconds."""
    n = 40000
    body = b''.join(prop('P%d' % i, entry(L_DWORD, u32(i))) for i in range(n))
    b = PcapBuilder()
    c = b.tcp_conversation(50300, 5555)
    c.bind()
    c.call(73, request(SET_PRIVATE_PROPERTIES, plist(count=n) + body), response(b'', 0), max_frag=5000)
    path = os.path.join(scratch, 'proplist-big.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    t = time.monotonic()
    rows = tshark.fields(path, ['cmrp.prop.count', 'cmrp.prop.dword'], 'cmrp.prop.count')
    elapsed = time.monotonic() - t
    assert rows[0][0] == [str(n)]
    assert len(rows[0][1]) == n
    assert elapsed < 60, elapsed


# ---------------------------------------------------------------------------------------------
# Issue 14: the plugin converts UTF-16 itself when every character before the first NUL is in
# U+0001..U+007F (cmrp_utf16_str, cmrp_add_utf16_string) and leaves anything else to Wireshark
# (tvb_get_string_enc). Every string must read as Wireshark 4.0's get_utf_16_string makes it: a
# C string (it ends at the first NUL character), U+FFFD for a surrogate without its pair (a lead
# surrogate takes the unit after it along) and for an odd last byte.

def w16(s):
    """UTF-16LE bytes of s, lone surrogates included."""
    return s.encode('utf-16-le', 'surrogatepass')


# (the string's bytes on the wire, terminator included if any; what Wireshark makes of them)
UTF16_STRINGS = [
    (w16('Caf\u00e9\0'), 'Caf\u00e9'),
    (w16('\u96c6\u7fa4\0'), '\u96c6\u7fa4'),                  # CJK
    (w16('\U0001d11e!\0'), '\U0001d11e!'),                    # a surrogate pair
    (w16('x\ud800Ay\0'), 'x\ufffdy'),                         # a lone lead surrogate takes the 'A'
    (w16('\udc00z\0'), '\ufffdz'),                            # a lone trail surrogate
    (w16('q\ud800'), 'q\ufffd'),                              # a lead surrogate that ends the bytes
    (w16('ab\0cd\0'), 'ab'),                                  # an embedded NUL ends the string
    (w16('a\ud800\0b\0'), 'a\ufffdb'),                        # ... unless a lead surrogate took it
    (w16('ok'), 'ok'),                                        # unterminated
    (w16('L' * 300 + '\u00e9\0'), 'L' * 300 + '\u00e9'),      # not ASCII after the first 512 bytes
    (w16('plain\0'), 'plain'),
    (w16('abc') + b'\x41', 'abc\ufffd'),                      # an odd last byte, no NUL before it
    (w16('ab\0') + b'\x41', 'ab'),                            # ... a NUL before it
]


@pytest.fixture(scope='module')
def utf16_pcap(scratch):
    """One SET_PRIVATE_PROPERTIES request whose properties are named and valued (SZ) with each
    string; one without values (each property's expert info names it); per string, a
    GET_PRIVATE_PROPERTIES response with it as the only name (the Info summary) and, for the even
    ones, an ApiOpenResource request with it as lpszResourceName (an NDR [string], kept for the
    object name and Info)."""
    b = PcapBuilder()
    c = b.tcp_conversation(50250, 5555)
    c.bind()
    cid = {}
    named = b''.join(entry(NAME, s) + entry(L_SZ, s) + u32(ENDMARK) for s, _ in UTF16_STRINGS)
    cid['set'] = c.call(73, request(SET_PRIVATE_PROPERTIES, plist(count=len(UTF16_STRINGS)) + named),
                        response(b'', 0))
    bare = b''.join(entry(NAME, s) + u32(ENDMARK) for s, _ in UTF16_STRINGS)
    cid['bare'] = c.call(73, request(SET_PRIVATE_PROPERTIES, plist(count=len(UTF16_STRINGS)) + bare),
                         response(b'', 0))
    for i, (s, _) in enumerate(UTF16_STRINGS):
        out = plist(entry(NAME, s) + entry(L_DWORD, u32(i)) + u32(ENDMARK))
        cid['get%d' % i] = c.call(73, request(0x01000081, b'', 4096), response(out, 4096))
    for i, (s, _) in enumerate(UTF16_STRINGS):
        if len(s) % 2 == 0:
            n = len(s) // 2
            cid['open%d' % i] = c.call(8, u32(n) + u32(0) + u32(n) + s, u32(OK) + u32(OK) + HR)
    path = os.path.join(scratch, 'proplist-utf16.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    return path, cid


def test_utf16_strings_as_wireshark_converts(tshark, utf16_pcap):
    path, cid = utf16_pcap
    expect = [v for _, v in UTF16_STRINGS]
    rows = tshark.fields(path, ['frame.number', 'dcerpc.cn_call_id', 'dcerpc.pkt_type'], 'cmrp')
    by = {(int(r[1][0]), int(r[2][0])): int(r[0][0]) for r in rows}
    set_frame = by[(cid['set'], 0)]

    def matches(dfilter):
        """How many frames a display filter finds on summary lines (no visible tree)."""
        return len(tshark.run('-r', path, '-Y', dfilter).stdout.splitlines())

    # the tree (-T pdml: a visible tree): names and SZ values through the plugin's conversion
    f = pdml(tshark, path, 'frame.number == %d' % set_frame)[set_frame]
    assert f.show('cmrp.prop.name') == expect
    assert f.show('cmrp.prop.sz') == expect
    # (a label is cut at 240 bytes: the long name's is left out)
    assert [t for t, v in zip(f.text('cmrp.prop.property'), expect) if len(v) < 100] == \
        ['%s = "%s"' % (v, v) for v in expect if len(v) < 100]

    # ... and -T fields (a visible tree too)
    rows = tshark.fields(path, ['cmrp.prop.name', 'cmrp.prop.sz'], 'frame.number == %d' % set_frame)
    assert rows == [[expect, expect]]

    # Wireshark's own conversion: a display filter on summary lines (no visible tree: the name
    # and value items are proto_tree_add_item()'s, converted by get_utf_16_string) finds each
    for v in expect:
        assert '"' not in v and '\\' not in v
        assert matches('frame.number == %d && cmrp.prop.name == "%s" && cmrp.prop.sz == "%s"'
                       % (set_frame, v, v)) == 1, v

    # the expert infos of properties without a value name them: with a visible tree, and on
    # summary lines, where the name is converted for them only (texts are cut at 240 bytes: the
    # long name's is left out)
    bare = by[(cid['bare'], 0)]
    rows = tshark.fields(path, ['_ws.expert.message'], 'frame.number == %d' % bare)
    said = [m for m in rows[0][0] if m.startswith('Property')]
    assert len(said) == len(expect)
    assert [m for m, v in zip(said, expect) if len(v) < 100] == \
        ['Property "%s" has no value' % v for v in expect if len(v) < 100]
    for v in expect:
        if len(v) < 100:
            assert matches('frame.number == %d && _ws.expert.message == "Property \\"%s\\" has no value"'
                           % (bare, v)) == 1, v

    # the Info summary of a property list (cmrp_property_list_summary)
    # (Info is kept short: the long name's is left out)
    for i, v in enumerate(expect):
        if len(v) >= 100:
            continue
        rows = tshark.fields(path, ['_ws.col.Info'], 'frame.number == %d' % by[(cid['get%d' % i], 2)])
        assert rows == [[['ApiResourceControl response CLUSCTL_RESOURCE_GET_PRIVATE_PROPERTIES '
                          '1 property: %s' % v]]], i

    # an NDR [string] kept for the object name and Info (walk_string)
    for i, (s, v) in enumerate(UTF16_STRINGS):
        if 'open%d' % i not in cid:
            continue
        frame = by[(cid['open%d' % i], 0)]
        rows = tshark.fields(path, ['cmrp.lpszresourcename', 'cmrp.object_name', '_ws.col.Info'],
                             'frame.number == %d' % frame)
        assert rows[0][:2] == [[v], [v]], i
        if len(v) < 100:
            assert rows[0][2] == ['ApiOpenResource request "%s"' % v], i
        shown = pdml(tshark, path, 'frame.number == %d' % frame)[frame]
        assert shown.show('cmrp.lpszresourcename') == [v], i
