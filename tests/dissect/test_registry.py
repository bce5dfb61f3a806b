"""Cluster registry value data and batch updates on stubs spelled out byte by byte.

The stubs follow the MS-CMRP signatures of ApiSetValue, ApiQueryValue, ApiEnumValue (3.1.4.2.33,
35, 37), ApiExecuteBatch (3.1.4.2.112), ApiGetBatchNotification (3.1.4.2.114), ApiExecuteReadBatch
(3.1.4.2.141) and ApiExecuteReadBatchEx (3.1.4.2.145); the batch buffers follow
CLUSTER_REG_BATCH_UPDATE (2.2.3.17) and BATCH_UPDATE_COMMAND (2.2.3.18). Nothing here comes from
the plugin or the mock's codec.
"""
import os
import struct
import sys
import xml.etree.ElementTree as ET

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'lib'))
from ndrbytes import handle, pad, u32, u64, wstr  # noqa: E402
from pcapbuild import PcapBuilder  # noqa: E402

OK = 0
ERROR_MORE_DATA = 234
ERROR_FILE_NOT_FOUND = 2

REG_NONE, REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_DWORD_BIG_ENDIAN, REG_LINK, \
    REG_MULTI_SZ, REG_RESOURCE_LIST = range(9)
REG_QWORD = 11

# CLUSTER_REG_BATCH_COMMAND (2.2.2.8)
CMD = {
    'CLUSREG_SET_VALUE': 1, 'CLUSREG_CREATE_KEY': 2, 'CLUSREG_DELETE_KEY': 3,
    'CLUSREG_DELETE_VALUE': 4, 'CLUSREG_VALUE_DELETED': 6, 'CLUSREG_READ_KEY': 7,
    'CLUSREG_READ_VALUE': 8, 'CLUSREG_READ_ERROR': 9, 'CLUSREG_CONTROL_COMMAND': 10,
    'CLUSREG_CONDITION_EXISTS': 11, 'CLUSREG_CONDITION_NOT_EXISTS': 12,
    'CLUSREG_CONDITION_IS_EQUAL': 13, 'CLUSREG_CONDITION_IS_NOT_EQUAL': 14,
    'CLUSREG_CONDITION_IS_GREATER_THAN': 15, 'CLUSREG_CONDITION_IS_LESS_THAN': 16,
    'CLUSREG_CONDITION_KEY_EXISTS': 17, 'CLUSREG_CONDITION_KEY_NOT_EXISTS': 18,
}


def utf16z(s):
    return (s + '\0').encode('utf-16le')


def multi_sz(*items):
    return b''.join(utf16z(s) for s in items) + b'\0\0'


def conformant(data):
    """A conformant byte array: max_count, the bytes, padding to 4 for what follows."""
    return pad(u32(len(data)) + data)


def set_value(hkey, name, vtype, data):
    """ApiSetValue request: hKey, lpValueName, dwType, lpData ([ref] conformant), cbData."""
    return hkey + pad(wstr(name)) + u32(vtype) + conformant(data) + u32(len(data))


def command(name_of_cmd, vtype, name, data=b'', name_bytes=None):
    """BATCH_UPDATE_COMMAND (2.2.3.18): CommandType, ValueType, NameLength, Name, DataLength, Data,
    one padding byte if DataLength is odd (the command ends on a 16-bit boundary)."""
    nb = utf16z(name) if name_bytes is None else name_bytes
    out = u32(CMD[name_of_cmd]) + u32(vtype) + u32(len(nb)) + nb + u32(len(data)) + data
    return out + (b'\0' if len(data) % 2 else b'')


def batch(*commands, version=1):
    return u32(version) + b''.join(commands)


def pdml(tshark, path):
    out = tshark.run('-r', path, '-2', '-T', 'pdml').stdout
    frames = {}
    for pkt in ET.fromstring(out).iter('packet'):
        fields = {}
        num = None
        for f in pkt.iter('field'):
            name = f.get('name')
            if name == 'frame.number':
                num = int(f.get('show'))
            if name:
                fields.setdefault(name, []).append((tshark.canon(name, f.get('show')),
                                                   f.get('showname')))
        frames[num] = fields
    return frames


def calls(frames, opnum, response):
    want = '2' if response else '0'
    return [n for n, f in sorted(frames.items())
            if [v for v, _ in f.get('cmrp.opnum', [])] == [str(opnum)]
            and [v for v, _ in f.get('dcerpc.pkt_type', [])] == [want]]


def shown(frames, frame, field):
    return [sn for _, sn in frames[frame].get(field, [])]


def values(frames, frame, field):
    return [v for v, _ in frames[frame].get(field, [])]


def experts(frames, frame):
    return [v for v, _ in frames[frame].get('_ws.expert.message', [])]


def malformed_count(frames, frame):
    return [g for g, _ in frames[frame].get('_ws.expert.group', [])].count('117440512')


# ----------------------------------------------------------------------------------------------

SET_VALUES = [
    (REG_SZ, utf16z('C:\\Cluster'), 'cmrp.reg.sz', ['C:\\Cluster']),
    (REG_EXPAND_SZ, utf16z('%SystemRoot%\\Cluster'), 'cmrp.reg.sz', ['%SystemRoot%\\Cluster']),
    (REG_LINK, utf16z('\\Registry\\Machine\\Cluster'), 'cmrp.reg.sz', ['\\Registry\\Machine\\Cluster']),
    (REG_MULTI_SZ, multi_sz('NODE1', 'NODE2'), 'cmrp.reg.sz', ['NODE1', 'NODE2']),
    (REG_DWORD, u32(0x12345678), 'cmrp.reg.dword', [str(0x12345678)]),
    (REG_DWORD_BIG_ENDIAN, struct.pack('>I', 256), 'cmrp.reg.dword', ['256']),
    (REG_QWORD, u64(0x1122334455667788), 'cmrp.reg.qword', [str(0x1122334455667788)]),
    (REG_BINARY, b'\x01\x02\x03', 'cmrp.reg.binary', ['01:02:03']),
    (REG_NONE, b'\xaa\xbb', 'cmrp.reg.data', ['aa:bb']),
    (REG_RESOURCE_LIST, b'\x01\0\0\0', 'cmrp.reg.data', ['01:00:00:00']),
]


@pytest.fixture(scope='module')
def reg_pcap(scratch):
    b = PcapBuilder()
    c = b.tcp_conversation(50040, 5555)
    c.bind()
    HK = handle(0x61)
    c.call(28, u32(0x02000000), u32(OK) + u32(OK) + HK)                      # ApiGetRootKey
    for vtype, data, _, _ in SET_VALUES:                                      # ApiSetValue
        c.call(32, set_value(HK, 'Value%d' % vtype, vtype, data), u32(OK) + u32(OK))
    # ApiQueryValue: request hKey, lpValueName, cbData; response lpValueType, lpData (all cbData
    # bytes), lpcbRequired, rpc_status, return. A DWORD in a 16-byte buffer, then a REG_SZ in one.
    c.call(34, HK + pad(wstr('Value4')) + u32(16),
           u32(REG_DWORD) + conformant(u32(7) + b'\0' * 12) + u32(4) + u32(OK) + u32(OK))
    c.call(34, HK + pad(wstr('Value1')) + u32(16),
           u32(REG_SZ) + conformant(utf16z('abc') + b'\0' * 8) + u32(8) + u32(OK) + u32(OK))
    # ApiEnumValue: request hKey, dwIndex, lpcbData; response lpValueName (unique string),
    # lpType, lpData, lpcbData, TotalSize, rpc_status, return
    c.call(36, HK + u32(0) + u32(8),
           u32(0x20000) + pad(wstr('Big')) + u32(REG_QWORD) + conformant(u64(42)) + u32(8) + u32(8)
           + u32(OK) + u32(OK))
    # malformed: a DWORD of 3 bytes, a QWORD of 9, a REG_SZ without NUL and of odd length
    c.call(32, set_value(HK, 'Short', REG_DWORD, b'\x01\x02\x03'), u32(OK) + u32(OK))
    c.call(32, set_value(HK, 'Long', REG_QWORD, u64(1) + b'\x09'), u32(OK) + u32(OK))
    c.call(32, set_value(HK, 'Open', REG_SZ, 'abc'.encode('utf-16le') + b'd'), u32(OK) + u32(OK))
    path = os.path.join(scratch, 'registry.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    return path


@pytest.fixture(scope='module')
def rg(tshark, reg_pcap):
    return pdml(tshark, reg_pcap)


def test_set_value_every_type(rg):
    reqs = calls(rg, 32, False)
    for frame, (vtype, _, field, want) in zip(reqs, SET_VALUES):
        assert values(rg, frame, 'cmrp.reg.type') == [str(vtype)], frame
        assert values(rg, frame, field) == want, (vtype, frame)
        assert malformed_count(rg, frame) == 0, (vtype, experts(rg, frame))
    assert shown(rg, reqs[0], 'cmrp.reg.type') == ['ValueType: REG_SZ (1)']
    assert shown(rg, reqs[4], 'cmrp.reg.dword') == ['DWORD: 305419896 (0x12345678)']
    assert shown(rg, reqs[6], 'cmrp.reg.type') == ['ValueType: REG_QWORD (11)']


def test_query_and_enum_value(rg):
    q_dword, q_sz = calls(rg, 34, True)
    assert shown(rg, q_dword, 'cmrp.reg.type') == ['ValueType: REG_DWORD (4)']
    assert values(rg, q_dword, 'cmrp.reg.dword') == ['7']
    # the rest of the output buffer is unused space, not an error
    assert values(rg, q_dword, 'cmrp.reg.unused') == [':'.join(['00'] * 12)]
    assert malformed_count(rg, q_dword) == 0
    assert values(rg, q_sz, 'cmrp.reg.sz') == ['abc']
    e = calls(rg, 36, True)[0]
    assert shown(rg, e, 'cmrp.reg.type') == ['ValueType: REG_QWORD (11)']
    assert values(rg, e, 'cmrp.reg.qword') == ['42']
    assert values(rg, e, 'cmrp.lpvaluename') == ['Big']


def test_malformed_value_data(rg):
    short, long_, open_ = calls(rg, 32, False)[-3:]
    assert 'REG_DWORD data is 3 bytes, expected 4' in experts(rg, short)
    assert values(rg, short, 'cmrp.reg.data') == ['01:02:03']
    assert 'REG_QWORD data is 9 bytes, expected 8' in experts(rg, long_)
    assert values(rg, long_, 'cmrp.reg.qword') == ['1']
    assert 'String is not NUL-terminated' in experts(rg, open_)
    assert 'UTF-16 string data of an odd number of bytes' in experts(rg, open_)
    assert values(rg, open_, 'cmrp.reg.sz') == ['abc']
    for f in (short, long_, open_):
        assert malformed_count(rg, f) >= 1


# ----------------------------------------------------------------------------------------------
# Batch updates

WRITE_BATCH = batch(
    # 2.2.3.18: ValueType is ignored for a control command; its value (2.2.2.8) is the Data
    command('CLUSREG_CONTROL_COMMAND', 0, '', data=u32(1)),
    command('CLUSREG_CREATE_KEY', 0, 'Parameters\\Sub'),
    command('CLUSREG_SET_VALUE', REG_SZ, 'Path', utf16z('C:\\x')),
    command('CLUSREG_SET_VALUE', REG_DWORD, 'Count', u32(3)),
    command('CLUSREG_SET_VALUE', REG_BINARY, 'Blob', b'\x01\x02\x03'),        # odd: padded
    command('CLUSREG_SET_VALUE', REG_MULTI_SZ, 'Owners', multi_sz('n1', 'n2')),
    command('CLUSREG_SET_VALUE', REG_QWORD, 'Big', u64(5)),
    command('CLUSREG_SET_VALUE', REG_SZ, '', utf16z('default')),              # the unnamed value
    command('CLUSREG_DELETE_VALUE', 0, 'Old'),
    command('CLUSREG_DELETE_KEY', 0, 'Parameters\\Gone'),
    command('CLUSREG_CONDITION_EXISTS', 0, 'Path'),
    command('CLUSREG_CONDITION_NOT_EXISTS', 0, 'Nope'),
    command('CLUSREG_CONDITION_IS_EQUAL', REG_DWORD, 'Count', u32(3)),
    command('CLUSREG_CONDITION_IS_NOT_EQUAL', REG_SZ, 'Path', utf16z('D:\\')),
    command('CLUSREG_CONDITION_IS_GREATER_THAN', REG_DWORD, 'Count', u32(1)),
    command('CLUSREG_CONDITION_IS_LESS_THAN', REG_QWORD, 'Big', u64(9)),
    command('CLUSREG_CONDITION_KEY_EXISTS', 0, 'Parameters'),
    command('CLUSREG_CONDITION_KEY_NOT_EXISTS', 0, 'Parameters\\Gone'),
)
READ_IN = batch(command('CLUSREG_READ_KEY', 0, 'Parameters'), command('CLUSREG_READ_VALUE', 0, 'Path'),
                command('CLUSREG_READ_VALUE', 0, 'Missing'))
READ_OUT = batch(command('CLUSREG_READ_KEY', 0, 'Parameters'),
                 command('CLUSREG_READ_VALUE', REG_SZ, 'Path', utf16z('C:\\x')),
                 command('CLUSREG_READ_ERROR', ERROR_FILE_NOT_FOUND, 'Missing'))
NOTIFICATION = batch(command('CLUSREG_CREATE_KEY', 0, 'Parameters'),
                     command('CLUSREG_VALUE_DELETED', REG_DWORD, 'Count', u32(2)),
                     command('CLUSREG_SET_VALUE', REG_DWORD, 'Count', u32(3)))


def read_batch_response(data):
    """cbOutData, then lpOutData: [ref] pointer to a unique pointer to cbOutData bytes."""
    return u32(len(data)) + u32(0x20000) + conformant(data) + u32(OK) + u32(OK)


@pytest.fixture(scope='module')
def batch_pcap(scratch):
    b = PcapBuilder()
    c = b.tcp_conversation(50041, 5555)
    c.bind()
    HK, HB = handle(0x71), handle(0x72)
    c.call(28, u32(0x02000000), u32(OK) + u32(OK) + HK)                      # ApiGetRootKey
    # ApiExecuteBatch(hKey, cbData, lpData): out pdwFailedCommand, rpc_status, return
    c.call(113, HK + u32(len(WRITE_BATCH)) + conformant(WRITE_BATCH), u32(0) + u32(OK) + u32(OK))
    # ApiExecuteReadBatch(hKey, cbInData, lpInData)
    c.call(145, HK + u32(len(READ_IN)) + conformant(READ_IN), read_batch_response(READ_OUT))
    # ApiExecuteReadBatchEx(hKey, cbInData, lpInData, flags = CLUSREG_DATABASE_ISOLATE_READ)
    c.call(157, HK + u32(len(READ_IN)) + conformant(READ_IN) + u32(2), read_batch_response(READ_OUT))
    # ApiCreateBatchPort(hKey): phBatchPort, rpc_status, return
    c.call(114, HK, HB + u32(OK) + u32(OK))
    # ApiGetBatchNotification(hBatchNotify): cbData, lpData (ref -> unique -> bytes), return
    c.call(115, HB, u32(len(NOTIFICATION)) + u32(0x20000) + conformant(NOTIFICATION) + u32(OK))
    # malformed batches
    bad = [
        batch(command('CLUSREG_CREATE_KEY', 0, 'K'), version=2),                        # version
        u32(1) + u32(2) + u32(0) + u32(400) + utf16z('K'),                             # NameLength
        batch(command('CLUSREG_SET_VALUE', REG_DWORD, 'V', u32(1)))[:-2],              # DataLength
        batch(command('CLUSREG_CREATE_KEY', 0, 'K')) + b'\x02\0\0\0\0\0',              # trailing
        batch(command('CLUSREG_SET_VALUE', REG_DWORD, 'V', b'\x01\x02')),              # short DWORD
        batch(command('CLUSREG_CREATE_KEY', 0, 'K', name_bytes=b'K')),                 # odd name
        u32(1),                                                                        # no command
        batch(u32(5) + u32(0) + u32(2) + b'\0\0' + u32(0)),                            # reserved 5
    ]
    for data in bad:
        c.call(113, HK + u32(len(data)) + conformant(data), u32(1) + u32(OK) + u32(87))
    path = os.path.join(scratch, 'batch.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    return path


@pytest.fixture(scope='module')
def bt(tshark, batch_pcap):
    return pdml(tshark, batch_pcap)


def test_execute_batch_every_write_command(bt):
    f = calls(bt, 113, False)[0]
    assert values(bt, f, 'cmrp.batch.version') == ['1']
    assert values(bt, f, 'cmrp.batch.command_count') == ['18']
    assert [s.split(': ', 1)[1] for s in shown(bt, f, 'cmrp.batch.command_type')] == [
        'CLUSREG_CONTROL_COMMAND (10)', 'CLUSREG_CREATE_KEY (2)'] + ['CLUSREG_SET_VALUE (1)'] * 6 + [
        'CLUSREG_DELETE_VALUE (4)', 'CLUSREG_DELETE_KEY (3)', 'CLUSREG_CONDITION_EXISTS (11)',
        'CLUSREG_CONDITION_NOT_EXISTS (12)', 'CLUSREG_CONDITION_IS_EQUAL (13)',
        'CLUSREG_CONDITION_IS_NOT_EQUAL (14)', 'CLUSREG_CONDITION_IS_GREATER_THAN (15)',
        'CLUSREG_CONDITION_IS_LESS_THAN (16)', 'CLUSREG_CONDITION_KEY_EXISTS (17)',
        'CLUSREG_CONDITION_KEY_NOT_EXISTS (18)']
    assert shown(bt, f, 'cmrp.batch.control') == ['Control: CLUSREG_DATABASE_SYNC_WRITE_TO_ALL_NODES (1)']
    assert values(bt, f, 'cmrp.batch.key_name') == [
        'Parameters\\Sub', 'Parameters\\Gone', 'Parameters', 'Parameters\\Gone']
    assert values(bt, f, 'cmrp.batch.value_name') == [
        '', 'Path', 'Count', 'Blob', 'Owners', 'Big', '', 'Old', 'Path', 'Nope', 'Count', 'Path',
        'Count', 'Big']
    # typed data, with the registry value fields
    assert values(bt, f, 'cmrp.reg.sz') == ['C:\\x', 'n1', 'n2', 'default', 'D:\\']
    assert values(bt, f, 'cmrp.reg.dword') == ['3', '3', '1']
    assert values(bt, f, 'cmrp.reg.qword') == ['5', '9']
    assert values(bt, f, 'cmrp.reg.binary') == ['01:02:03']
    assert values(bt, f, 'cmrp.batch.padding') == ['00']          # after the 3-byte Blob
    assert shown(bt, f, 'cmrp.batch.command')[2] == (
        'Command 3: CLUSREG_SET_VALUE "Path" = REG_SZ "C:\\x"')
    assert shown(bt, f, 'cmrp.batch.command')[1] == 'Command 2: CLUSREG_CREATE_KEY "Parameters\\Sub"'
    assert malformed_count(bt, f) == 0


def test_read_batches(bt):
    for opnum in (145, 157):
        req, rsp = calls(bt, opnum, False)[0], calls(bt, opnum, True)[0]
        assert [s.split(': ', 1)[1] for s in shown(bt, req, 'cmrp.batch.command_type')] == [
            'CLUSREG_READ_KEY (7)', 'CLUSREG_READ_VALUE (8)', 'CLUSREG_READ_VALUE (8)']
        assert [s.split(': ', 1)[1] for s in shown(bt, rsp, 'cmrp.batch.command_type')] == [
            'CLUSREG_READ_KEY (7)', 'CLUSREG_READ_VALUE (8)', 'CLUSREG_READ_ERROR (9)']
        assert values(bt, rsp, 'cmrp.batch.key_name') == ['Parameters']
        assert values(bt, rsp, 'cmrp.batch.value_name') == ['Path', 'Missing']
        assert values(bt, rsp, 'cmrp.reg.sz') == ['C:\\x']
        assert shown(bt, rsp, 'cmrp.batch.status') == ['Status: ERROR_FILE_NOT_FOUND (2)']
        assert shown(bt, rsp, 'cmrp.batch.command')[2] == (
            'Command 3: CLUSREG_READ_ERROR "Missing": ERROR_FILE_NOT_FOUND')
        assert malformed_count(bt, req) == 0 and malformed_count(bt, rsp) == 0


def test_batch_notification(bt):
    rsp = calls(bt, 115, True)[0]
    assert [s.split(': ', 1)[1] for s in shown(bt, rsp, 'cmrp.batch.command_type')] == [
        'CLUSREG_CREATE_KEY (2)', 'CLUSREG_VALUE_DELETED (6)', 'CLUSREG_SET_VALUE (1)']
    # the value's old data, then its new data
    assert values(bt, rsp, 'cmrp.reg.dword') == ['2', '3']
    assert shown(bt, rsp, 'cmrp.batch.value_type') == [
        'Value type: REG_NONE (0)', 'Value type: REG_DWORD (4)', 'Value type: REG_DWORD (4)']


def test_malformed_batches(bt):
    frames = calls(bt, 113, False)[1:]
    assert len(frames) == 8
    version, name_len, data_len, trailing, short_dword, odd_name, empty, reserved = frames
    assert 'VersionNumber MUST be 1' in experts(bt, version)
    assert values(bt, version, 'cmrp.batch.key_name') == ['K']      # decoded anyway
    assert 'NameLength 400 overruns the buffer (4 bytes left)' in experts(bt, name_len)
    assert 'DataLength 4 overruns the buffer (2 bytes left)' in experts(bt, data_len)
    assert values(bt, data_len, 'cmrp.batch.value_name') == ['V']
    assert '6 bytes left: too few for a command (12)' in experts(bt, trailing)
    assert values(bt, trailing, 'cmrp.batch.command_count') == ['1']
    assert 'REG_DWORD data is 2 bytes, expected 4' in experts(bt, short_dword)
    assert any(m.startswith('NameLength 1: ') for m in experts(bt, odd_name))
    assert 'A batch update holds one or more commands' in experts(bt, empty)
    assert 'Command type 5 is reserved (MS-CMRP 2.2.2.8)' in experts(bt, reserved)
    for f in (version, name_len, data_len, trailing, short_dword, odd_name, empty):
        assert malformed_count(bt, f) >= 1, (f, experts(bt, f))
    # the failed command number is decoded; the walker went on to the return value
    assert values(bt, calls(bt, 113, True)[1], 'cmrp.rc') == ['0x00000057']
