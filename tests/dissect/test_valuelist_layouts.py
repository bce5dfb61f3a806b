"""Issue 16: every structure a value list carries, decoded field by field in its spec layout
(and its SDK variant where one exists), from the layout tables of plugin/packet-cmrp-proplist.c
(interpreted by plugin/cmrp-layout.c).

Every buffer below is spelled out here from the field tables of the sections named in each test:
MS-CMRP 2.2.2.3 (CLUSTER_PROPERTY_SYNTAX), 2.2.3.7 (CLUS_RESOURCE_CLASS_INFO), 2.2.3.8
(CLUS_SCSI_ADDRESS), 2.2.3.9 / 2.2.3.11 / 2.2.3.45 (CLUS_PARTITION_INFO, _EX, _EX2), 2.2.3.18
(CLUS_CSV_VOLUME_INFO), 2.2.3.10.1 (value lists), 3.1.4.3.1.5 (GET_REQUIRED_DEPENDENCIES);
MS-CSVP 2.2.9 / 2.2.10 (STORAGE_DEVICE_ID_DESCRIPTOR, STORAGE_IDENTIFIER); the SDK's ClusAPI.h for
CLUS_FTSET_INFO and the 4-byte CLUSPROP_RESOURCE_CLASS, which the spec does not describe.

Severity contract: a value whose size matches no layout of its syntax is a warning, shown as bytes,
and the rest of the list still decodes; only real overruns and broken list structure are errors.
"""
import os
import struct
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'lib'))
sys.path.insert(0, HERE)
from ndrbytes import u32, u64  # noqa: E402
from pcapbuild import PcapBuilder  # noqa: E402

from test_ctl import pdml  # noqa: E402
from test_proplist import (DISK_GUID, DISK_NUMBER, DISK_SERIALNUMBER, DISK_SIGNATURE,  # noqa: E402
                           DISK_SIZE, ENDMARK, FTSET_INFO, L_BINARY, L_DWORD, NAME,
                           PARTITION_INFO, PARTITION_INFO_EX, PARTITION_INFO_EX2, RESCLASS,
                           SCSI_ADDRESS, STORAGE_DEVICE_ID_DESCRIPTOR, entry, partition_info,
                           plist, prop, request, response, wz)

GET_REQUIRED_DEPENDENCIES = 0x01000011     # 3.1.4.3.1.5: value list out
GET_DISK_INFO = 0x01000191                 # 3.1.4.3.1.24: value list out
GET_SHARED_VOLUME_INFO = 0x01000225        # 3.1.4.3.1.48: value list of CLUS_CSV_VOLUME_INFO

WARN, ERROR = 0x00600000, 0x00800000       # PI_WARN, PI_ERROR (_ws.expert.severity)


def resclass_info(cls, subclass):
    """CLUS_RESOURCE_CLASS_INFO (MS-CMRP 2.2.3.7): Class (4), SubClass (4)."""
    return u32(cls) + u32(subclass)


def ftset_info(root_signature, ft_type):
    """CLUS_FTSET_INFO (SDK ClusAPI.h): dwRootSignature (4), dwFtType (4)."""
    return u32(root_signature) + u32(ft_type)


def storage_identifier(code_set, id_type, association, ident, next_offset):
    """STORAGE_IDENTIFIER (MS-CSVP 2.2.10): CodeSet (4), Type (4), IdentifierSize (2),
    NextOffset (2), Association (4), Identifier (IdentifierSize bytes)."""
    return struct.pack('<IIHHI', code_set, id_type, len(ident), next_offset, association) + ident


def storage_device_id_descriptor(identifiers, count=None, size=None):
    """STORAGE_DEVICE_ID_DESCRIPTOR (MS-CSVP 2.2.9): Version (4, 13), Size (4, identifiers
    included), NumberOfIdentifiers (4), then the identifiers."""
    body = b''.join(identifiers)
    return struct.pack('<III', 13, 12 + len(body) if size is None else size,
                       len(identifiers) if count is None else count) + body


# Two identifiers: an 8-byte binary EUI-64 of the device, then an ASCII vendor ID (SPC-3 7.6.3.1
# values: code set 1 binary / 2 ASCII, type 2 EUI-64 / 1 T10 vendor ID, association 0 device).
EUI64 = bytes.fromhex('6001405f3a2b1c0d')
VENDOR_ID = b'MSFT    Virtual Disk    '
SDID = storage_device_id_descriptor([
    storage_identifier(1, 2, 0, EUI64, 16 + len(EUI64)),
    storage_identifier(2, 1, 0, VENDOR_ID, 0)])


def fixed(s, n):
    b = s.encode('utf-16-le')
    return b + b'\0' * (n - len(b))


def csv_volume_info(offset, partition, fault, backup, friendly, name):
    """CLUS_CSV_VOLUME_INFO (MS-CMRP 2.2.3.18): VolumeOffset (8), PartitionNumber (4),
    FaultState (4), BackupState (4), szVolumeFriendlyName (520), szVolumeName (100): 640 bytes."""
    return (u64(offset) + u32(partition) + u32(fault) + u32(backup) + fixed(friendly, 520) +
            fixed(name, 100))


PI = partition_info('Q:', 'Quorum', 0x5ca1ab1f)
PI_EX = PI + u64(10 << 30) + u64(4 << 30) + u32(1) + u32(1) + bytes(range(16))
PI_EX2 = PI_EX + bytes(range(16, 32)) + fixed('Basic data partition', 520) + u32(0x9)
GUID_0_15 = '03020100-0504-0706-0809-0a0b0c0d0e0f'
GUID_16_31 = '13121110-1514-1716-1819-1a1b1c1d1e1f'

# name -> (control code, value list); each one is an output buffer of its own call
CASES = {
    # 3.1.4.3.1.5: class info in the spec's layout (size of CLUS_RESOURCE_CLASS_INFO, 8), then a
    # resource type name
    'resclass_spec': (GET_REQUIRED_DEPENDENCIES,
                      entry(RESCLASS, resclass_info(1, 0x80000000)) + entry(NAME, wz('Network Name')) +
                      u32(ENDMARK)),
    # the SDK's CLUSPROP_RESOURCE_CLASS: the class alone (4 bytes)
    'resclass_sdk': (GET_REQUIRED_DEPENDENCIES,
                     entry(RESCLASS, u32(2)) + entry(NAME, wz('IP Address')) + u32(ENDMARK)),
    # a size of neither layout: a warning and the bytes, the name after it still decodes
    'resclass_odd': (GET_REQUIRED_DEPENDENCIES,
                     entry(RESCLASS, b'\x01\0\0\0\0\0') + entry(NAME, wz('Network Name')) + u32(ENDMARK)),
    # 2.2.2.3 scalars and strings, 2.2.3.8 SCSI address
    'disk_scalars': (GET_DISK_INFO,
                     entry(DISK_SIGNATURE, u32(0x1a2b3c01)) + entry(SCSI_ADDRESS, bytes([4, 0, 1, 7])) +
                     entry(DISK_NUMBER, u32(3)) + entry(DISK_SERIALNUMBER, wz('CMRP-SN-0001')) +
                     entry(DISK_GUID, wz('{%s}' % GUID_0_15)) + entry(DISK_SIZE, u64(10 << 30)) +
                     u32(ENDMARK)),
    'ftset': (GET_DISK_INFO, entry(FTSET_INFO, ftset_info(0x0badf00d, 3)) + u32(ENDMARK)),
    'ftset_odd': (GET_DISK_INFO,
                  entry(FTSET_INFO, b'\x01\x02') + entry(DISK_NUMBER, u32(5)) + u32(ENDMARK)),
    'sdid': (GET_DISK_INFO, entry(STORAGE_DEVICE_ID_DESCRIPTOR, SDID) + entry(DISK_NUMBER, u32(6)) +
             u32(ENDMARK)),
    # NumberOfIdentifiers 3, one identifier there: a warning, the one identifier decoded
    'sdid_count': (GET_DISK_INFO,
                   entry(STORAGE_DEVICE_ID_DESCRIPTOR, storage_device_id_descriptor(
                       [storage_identifier(1, 3, 1, b'\x21\x00\x00\x24\xff\x3d\x4e\x5f', 0)], count=3)) +
                   u32(ENDMARK)),
    # shorter than its 12-byte head: matches no layout
    'sdid_short': (GET_DISK_INFO,
                   entry(STORAGE_DEVICE_ID_DESCRIPTOR, b'\x0d\0\0\0\x08\0\0\0') + u32(ENDMARK)),
    'partitions': (GET_DISK_INFO,
                   entry(PARTITION_INFO, PI) + entry(PARTITION_INFO_EX, PI_EX) +
                   entry(PARTITION_INFO_EX2, PI_EX2) + u32(ENDMARK)),
    # a C compiler's sizeof(CLUS_PARTITION_INFO_EX2) rounds 1700 up to 1704 (8-byte alignment):
    # the spec layout, then the 4 bytes of tail padding as data
    'partition_ex2_c': (GET_DISK_INFO, entry(PARTITION_INFO_EX2, PI_EX2 + b'\0' * 4) + u32(ENDMARK)),
    'partition_short': (GET_DISK_INFO,
                        entry(PARTITION_INFO_EX, PI) + entry(DISK_NUMBER, u32(7)) + u32(ENDMARK)),
    'csv': (GET_SHARED_VOLUME_INFO,
            entry(L_BINARY, csv_volume_info(1 << 20, 2, 1, 1, 'Volume1', '\\\\?\\Volume{%s}\\' % GUID_0_15)) +
            u32(ENDMARK)),
    # a DWORD of 2 bytes: matches no layout, a warning
    'dword_short': (GET_DISK_INFO, entry(L_DWORD, b'\x01\x02') + entry(DISK_NUMBER, u32(8)) + u32(ENDMARK)),
    # a real overrun: the class info claims 8 bytes, 4 are left: an error
    'overrun': (GET_DISK_INFO, u32(RESCLASS) + u32(8) + u32(1)),
}


SET_PRIVATE_PROPERTIES = 0x01400086
IN_PROPLIST = plist(
    prop('ClassInfo', entry(RESCLASS, resclass_info(2, 0x80000000))),
    prop('Address', entry(SCSI_ADDRESS, bytes([3, 0, 2, 1]))),
    prop('FtSet', entry(FTSET_INFO, ftset_info(0x12345678, 2))),
    prop('DeviceId', entry(STORAGE_DEVICE_ID_DESCRIPTOR, SDID)))


@pytest.fixture(scope='module')
def vl(tshark, scratch):
    b = PcapBuilder()
    c = b.tcp_conversation(50400, 5555)
    c.bind()
    cid = {name: c.call(73, request(code, b'', 8192), response(buf, 8192))
           for name, (code, buf) in CASES.items()}
    # the same structures as property values of a PROPERTY_LIST (SET_PRIVATE_PROPERTIES input)
    in_cid = c.call(73, request(SET_PRIVATE_PROPERTIES, IN_PROPLIST), response(b'', 0))
    path = os.path.join(scratch, 'valuelist-layouts.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    rows = tshark.fields(path, ['frame.number', 'dcerpc.cn_call_id', 'dcerpc.pkt_type'], 'cmrp')
    by = {(int(r[1][0]), int(r[2][0])): int(r[0][0]) for r in rows}
    frames = pdml(tshark, path, 'cmrp && dcerpc.pkt_type == 2')
    out = {name: frames[by[(cid[name], 2)]] for name in CASES}
    out['in_proplist'] = pdml(tshark, path, 'frame.number == %d' % by[(in_cid, 0)])[by[(in_cid, 0)]]
    return path, out


def severities(f):
    return sorted({int(x) for x in f.show('_ws.expert.severity')})


def test_resclass_spec_layout(vl):
    """MS-CMRP 3.1.4.3.1.5 / 2.2.3.7: the RESCLASS entry's size is that of CLUS_RESOURCE_CLASS_INFO
    (Class, SubClass: 8 bytes). The spec's layout decodes without any expert info (before issue 16
    it was flagged malformed: "Value size 8, expected 4")."""
    f = vl[1]['resclass_spec']
    assert f.display('cmrp.prop.layout') == ['CLUS_RESOURCE_CLASS_INFO (MS-CMRP 2.2.3.7)']
    assert f.display('cmrp.prop.resclass') == ['CLUS_RESCLASS_STORAGE (1)']
    assert f.display('cmrp.prop.subclass') == ['0x80000000, Shared']
    assert f.display('cmrp.prop.subclass.shared') == ['True']
    assert f.display('cmrp.prop.name') == ['Network Name']
    assert f.text('cmrp.prop.value')[0] == (
        'Value: CLUSPROP_SYNTAX_RESCLASS [CLUS_RESOURCE_CLASS_INFO, MS-CMRP 2.2.3.7] = CLUS_RESCLASS_STORAGE')
    assert f.experts() == []


def test_resclass_sdk_layout(vl):
    """The SDK's CLUSPROP_RESOURCE_CLASS carries the class alone (4 bytes): the SDK disagrees with
    MS-CMRP 2.2.3.7 / 3.1.4.3.1.5 on the size. The spec wins as the named layout, but the SDK form
    is accepted too, without error, and the item says it is the SDK layout."""
    f = vl[1]['resclass_sdk']
    assert f.display('cmrp.prop.layout') == ['CLUSPROP_RESOURCE_CLASS, class only (SDK ClusAPI.h)']
    assert f.display('cmrp.prop.resclass') == ['CLUS_RESCLASS_NETWORK (2)']
    assert not f.has('cmrp.prop.subclass')
    assert f.display('cmrp.prop.name') == ['IP Address']
    assert f.experts() == []


def test_resclass_unknown_size_is_a_warning(vl):
    """A size of neither layout: a warning naming both, the bytes, and the rest of the list."""
    f = vl[1]['resclass_odd']
    assert f.experts() == ['Value size 6 matches no layout of this syntax: expected 8 '
                           '(CLUS_RESOURCE_CLASS_INFO, MS-CMRP 2.2.3.7) or 4 (CLUSPROP_RESOURCE_CLASS, '
                           'class only, SDK ClusAPI.h)']
    assert severities(f) == [WARN]
    assert f.display('cmrp.prop.binary') == ['010000000000']
    assert f.display('cmrp.prop.name') == ['Network Name']
    assert f.display('cmrp.prop.endmark') == ['0x00000000']


def test_disk_scalars_and_scsi_address(vl):
    """MS-CMRP 2.2.2.3: DISK_SIGNATURE, DISK_NUMBER (unsigned long), DISK_SERIALNUMBER, DISK_GUID
    (NUL-terminated Unicode strings), DISK_SIZE (ULARGE_INTEGER); 2.2.3.8 CLUS_SCSI_ADDRESS."""
    f = vl[1]['disk_scalars']
    assert f.display('cmrp.prop.disk_signature') == ['0x1a2b3c01']
    assert [f.display('cmrp.scsi.' + x)[0] for x in ('port', 'path_id', 'target_id', 'lun')] == \
        ['4', '0', '1', '7']
    assert f.display('cmrp.prop.disk_number') == ['3']
    assert f.display('cmrp.prop.disk_serial_number') == ['CMRP-SN-0001']
    assert f.display('cmrp.prop.disk_guid') == ['{%s}' % GUID_0_15]
    assert f.display('cmrp.prop.disk_size') == [str(10 << 30)]
    assert f.display('cmrp.prop.layout') == [
        'disk signature (unsigned long) (MS-CMRP 2.2.2.3)', 'CLUS_SCSI_ADDRESS (MS-CMRP 2.2.3.8)',
        'disk number (unsigned long) (MS-CMRP 2.2.2.3)', 'disk size (ULARGE_INTEGER) (MS-CMRP 2.2.2.3)']
    values = f.text('cmrp.prop.value')
    assert values[1] == 'Value: CLUSPROP_SYNTAX_SCSI_ADDRESS [CLUS_SCSI_ADDRESS, MS-CMRP 2.2.3.8] = 4:0:1:7'
    assert values[3] == 'Value: CLUSPROP_SYNTAX_DISK_SERIALNUMBER = "CMRP-SN-0001"'
    assert not f.has('cmrp.prop.sz')
    assert f.experts() == []


def test_ftset_info(vl):
    """CLUS_FTSET_INFO (SDK ClusAPI.h; not in MS-CMRP 2.2.2.3): dwRootSignature, dwFtType."""
    f = vl[1]['ftset']
    assert f.display('cmrp.prop.layout') == ['CLUS_FTSET_INFO (SDK ClusAPI.h)']
    assert f.display('cmrp.prop.ftset.root_signature') == ['0x0badf00d']
    assert f.display('cmrp.prop.ftset.ft_type') == ['3']
    assert not f.has('cmrp.prop.binary')
    assert f.experts() == []


def test_ftset_unknown_size(vl):
    f = vl[1]['ftset_odd']
    assert f.experts() == ['Value size 2 matches no layout of this syntax: expected 8 '
                           '(CLUS_FTSET_INFO, SDK ClusAPI.h)']
    assert severities(f) == [WARN]
    assert f.display('cmrp.prop.binary') == ['0102']
    assert f.display('cmrp.prop.disk_number') == ['5']


def test_storage_device_id_descriptor(vl):
    """STORAGE_DEVICE_ID_DESCRIPTOR (MS-CSVP 2.2.9) with two STORAGE_IDENTIFIERs (2.2.10), each
    reached through the NextOffset of the one before."""
    f = vl[1]['sdid']
    assert f.display('cmrp.prop.layout') == ['STORAGE_DEVICE_ID_DESCRIPTOR (MS-CSVP 2.2.9)',
                                             'disk number (unsigned long) (MS-CMRP 2.2.2.3)']
    assert f.display('cmrp.prop.storage_id.version') == ['13']
    assert f.display('cmrp.prop.storage_id.size') == [str(len(SDID))]
    assert f.display('cmrp.prop.storage_id.count') == ['2']
    assert f.display('cmrp.prop.storage_id.code_set') == ['StorageIdCodeSetBinary (1)',
                                                          'StorageIdCodeSetAscii (2)']
    assert f.display('cmrp.prop.storage_id.type') == ['StorageIdTypeEUI64 (2)', 'StorageIdTypeVendorId (1)']
    assert f.display('cmrp.prop.storage_id.identifier_size') == ['8', str(len(VENDOR_ID))]
    assert f.display('cmrp.prop.storage_id.next_offset') == ['24', '0']
    assert f.display('cmrp.prop.storage_id.association') == ['StorageIdAssocDevice (0)'] * 2
    assert f.display('cmrp.prop.storage_id.data') == [EUI64.hex(), VENDOR_ID.hex()]
    assert f.display('cmrp.prop.storage_id.string') == [VENDOR_ID.decode()]
    assert f.text('cmrp.prop.storage_id.identifier') == [
        'Identifier: StorageIdTypeEUI64',
        'Identifier: StorageIdTypeVendorId "%s"' % VENDOR_ID.decode()]
    assert f.display('cmrp.prop.disk_number') == ['6']
    assert not f.has('cmrp.prop.binary')
    assert f.experts() == []


def test_storage_device_id_descriptor_inconsistent(vl):
    f = vl[1]['sdid_count']
    assert f.display('cmrp.prop.storage_id.type') == ['StorageIdTypeFCPHName (3)']
    assert f.display('cmrp.prop.storage_id.association') == ['StorageIdAssocPort (1)']
    assert f.experts() == ['NumberOfIdentifiers 3, the descriptor holds 1']
    assert severities(f) == [WARN]
    f = vl[1]['sdid_short']
    assert f.experts() == ['Value size 8 matches no layout of this syntax: expected at least 12 '
                           '(STORAGE_DEVICE_ID_DESCRIPTOR, MS-CSVP 2.2.9)']
    assert severities(f) == [WARN]


def test_partition_info_layouts(vl):
    """CLUS_PARTITION_INFO (2.2.3.9, 1120 bytes), _EX (2.2.3.11, 1160), _EX2 (2.2.3.45, 1700):
    each extends the one before; every field by name."""
    f = vl[1]['partitions']
    assert f.display('cmrp.prop.layout') == ['CLUS_PARTITION_INFO (MS-CMRP 2.2.3.9)',
                                             'CLUS_PARTITION_INFO_EX (MS-CMRP 2.2.3.11)',
                                             'CLUS_PARTITION_INFO_EX2 (MS-CMRP 2.2.3.45)']
    assert f.display('cmrp.partition.flags') == ['0x00000005, CLUSPROP_PIFLAG_STICKY, CLUSPROP_PIFLAG_USABLE'] * 3
    assert f.display('cmrp.partition.device_name') == ['Q:'] * 3
    assert f.display('cmrp.partition.volume_label') == ['Quorum'] * 3
    assert f.display('cmrp.partition.serial_number') == ['0x5ca1ab1f'] * 3
    assert f.display('cmrp.partition.max_component_length') == ['255'] * 3
    assert f.display('cmrp.partition.fs_flags') == ['0x03e706ff'] * 3
    assert f.display('cmrp.partition.file_system') == ['ReFS'] * 3
    assert f.display('cmrp.partition.total_size') == [str(10 << 30)] * 2
    assert f.display('cmrp.partition.free_size') == [str(4 << 30)] * 2
    assert f.display('cmrp.partition.device_number') == ['1'] * 2
    assert f.display('cmrp.partition.partition_number') == ['1'] * 2
    assert f.display('cmrp.partition.volume_guid') == [GUID_0_15] * 2
    assert f.display('cmrp.partition.gpt_partition_id') == [GUID_16_31]
    assert f.display('cmrp.partition.partition_name') == ['Basic data partition']
    assert f.display('cmrp.partition.encryption') == ['0x00000009, ENCRYPTION_ENABLED, ENCRYPTION_ENCRYPTED']
    assert f.experts() == []


def test_partition_info_ex2_c_size(vl):
    """1704 bytes (the C sizeof, tail padding to 8): the 1700-byte spec layout, then the 4 bytes."""
    f = vl[1]['partition_ex2_c']
    assert f.display('cmrp.prop.layout') == ['CLUS_PARTITION_INFO_EX2 (MS-CMRP 2.2.3.45)']
    assert f.display('cmrp.partition.partition_name') == ['Basic data partition']
    assert f.display('cmrp.prop.binary') == ['00000000']
    assert f.experts() == []


def test_partition_info_short(vl):
    """A CLUS_PARTITION_INFO_EX entry of 1120 bytes: too short for 2.2.3.11, a warning and the
    bytes; the next value decodes."""
    f = vl[1]['partition_short']
    assert f.experts() == ['Value size 1120 matches no layout of this syntax: expected at least 1160 '
                           '(CLUS_PARTITION_INFO_EX, MS-CMRP 2.2.3.11)']
    assert severities(f) == [WARN]
    assert not f.has('cmrp.partition.device_name')
    assert f.display('cmrp.prop.disk_number') == ['7']


def test_csv_volume_info(vl):
    """CLUS_CSV_VOLUME_INFO (MS-CMRP 2.2.3.18) in the BINARY values of
    STORAGE_GET_SHARED_VOLUME_INFO (3.1.4.3.1.48)."""
    f = vl[1]['csv']
    assert f.display('cmrp.prop.layout') == ['CLUS_CSV_VOLUME_INFO (MS-CMRP 2.2.3.18)']
    assert f.display('cmrp.csv.volume_offset') == [str(1 << 20)]
    assert f.display('cmrp.csv.partition_number') == ['2']
    assert f.display('cmrp.csv.fault_state') == ['VolumeStateRedirected (1)']
    assert f.display('cmrp.csv.backup_state') == ['VolumeBackupInProgress (1)']
    assert f.display('cmrp.csv.friendly_name') == ['Volume1']
    assert f.display('cmrp.csv.volume_name') == ['\\\\?\\Volume{%s}\\' % GUID_0_15]
    assert f.experts() == []


def test_fixed_format_size_is_a_warning(vl):
    """A LIST_VALUE_DWORD of 2 bytes: warning, the bytes, and the next value."""
    f = vl[1]['dword_short']
    assert f.experts() == ['Value size 2, expected 4 for this syntax']
    assert severities(f) == [WARN]
    assert f.display('cmrp.prop.binary') == ['0102']
    assert f.text('cmrp.prop.value')[0] == ('Value: CLUSPROP_SYNTAX_LIST_VALUE_DWORD = '
                                            '<size matches no layout>')
    assert f.display('cmrp.prop.disk_number') == ['8']


def test_overrun_is_still_an_error(vl):
    f = vl[1]['overrun']
    assert 'Size 8 overruns the buffer (4 bytes left)' in f.experts()
    assert ERROR in severities(f)


def test_same_decoding_in_property_values(vl):
    """The structures decode the same way as property values of a PROPERTY_LIST (2.2.3.10) as in
    the value lists of control outputs: same layouts, same fields."""
    f = vl[1]['in_proplist']
    assert f.display('cmrp.prop.layout') == [
        'CLUS_RESOURCE_CLASS_INFO (MS-CMRP 2.2.3.7)', 'CLUS_SCSI_ADDRESS (MS-CMRP 2.2.3.8)',
        'CLUS_FTSET_INFO (SDK ClusAPI.h)', 'STORAGE_DEVICE_ID_DESCRIPTOR (MS-CSVP 2.2.9)']
    assert f.text('cmrp.prop.property') == ['ClassInfo = CLUS_RESCLASS_NETWORK', 'Address = 3:0:2:1',
                                            'FtSet = 0x12345678', 'DeviceId = 2 identifiers']
    assert f.display('cmrp.prop.subclass') == ['0x80000000, Shared']
    assert f.display('cmrp.prop.ftset.ft_type') == ['2']
    assert f.display('cmrp.prop.storage_id.string') == [VENDOR_ID.decode()]
    assert f.experts() == []


def test_only_real_overruns_are_errors(tshark, vl):
    """Across every call above, the frames with error-level expert info or the malformed mark are
    exactly the ones whose data really overruns its buffer."""
    path, frames = vl
    rows = tshark.fields(path, ['frame.number'], '_ws.malformed || _ws.expert.severity == "error"')
    bad = {int(r[0][0]) for r in rows}
    assert bad == {frames['overrun'].num}


# ---------------------------------------------------------------------------------------------
# captures/scenario-storage.pcapng: scenario.py --subset storage against mockclusd --spec-storage
# (tests/peer/handlers_control._disk_info, cluster_model_ext, clusbuf.STORAGE_SPEC)

STORAGE_CAPTURE = 'scenario-storage.pcapng'


@pytest.fixture(scope='module')
def storage(tshark):
    """{control code: response Frame} of the storage capture."""
    from conftest import capture
    path = capture(STORAGE_CAPTURE)
    rows = tshark.fields(path, ['frame.number', 'dcerpc.cn_call_id', 'dcerpc.pkt_type', 'cmrp.ctl.code'],
                         'cmrp.opnum in {73, 75}')
    code_of = {int(r[1][0]): int(r[3][0], 16) for r in rows if int(r[2][0]) == 0}
    resp = {int(r[1][0]): int(r[0][0]) for r in rows if int(r[2][0]) == 2}
    frames = pdml(tshark, path, 'cmrp.opnum in {73, 75} && dcerpc.pkt_type == 2')
    return {code_of[c]: frames[n] for c, n in resp.items()}


def test_storage_capture_required_dependencies(storage):
    """MS-CMRP 3.1.4.3.1.5 / 3.1.4.3.2.5 as the spec lays them out: the RESCLASS value holds a
    CLUS_RESOURCE_CLASS_INFO (8 bytes). SQL Server requires a storage-class resource and a
    Network Name (cluster_state)."""
    for code in (0x01000011, 0x02000011):
        f = storage[code]
        assert f.display('cmrp.prop.size')[0] == '8'
        assert f.display('cmrp.prop.layout') == ['CLUS_RESOURCE_CLASS_INFO (MS-CMRP 2.2.3.7)']
        assert f.display('cmrp.prop.resclass') == ['CLUS_RESCLASS_STORAGE (1)']
        assert f.display('cmrp.prop.subclass') == ['0x00000000']
        assert f.display('cmrp.prop.name') == ['Network Name']
        assert f.experts() == []


def test_storage_capture_disk_info(storage):
    """STORAGE_GET_DISK_INFO of Cluster Disk 1: every storage syntax of 2.2.2.3 plus the SDK's
    FTSET_INFO and a STORAGE_DEVICE_ID_DESCRIPTOR (MS-CSVP 2.2.9) with two identifiers."""
    f = storage[0x01000191]
    assert f.display('cmrp.prop.disk_signature') == ['0x1a2b3c01']
    assert [f.display('cmrp.scsi.' + x)[0] for x in ('port', 'path_id', 'target_id', 'lun')] == \
        ['1', '0', '1', '0']
    assert f.display('cmrp.prop.disk_number') == ['1']
    assert f.display('cmrp.partition.device_name') == ['Q:']
    assert f.display('cmrp.partition.volume_label') == ['Disk1']
    assert f.display('cmrp.partition.serial_number') == ['0x5ca1ab1f']
    assert f.display('cmrp.partition.file_system') == ['NTFS']
    assert f.display('cmrp.prop.disk_serial_number') == ['CMRP-SN-0001']
    assert f.display('cmrp.prop.disk_guid') == ['{0d15c001-cafe-4c4d-8a00-000000000001}']
    assert f.display('cmrp.prop.disk_size') == [str(10 << 30)]
    assert f.display('cmrp.prop.ftset.root_signature') == ['0x1a2b3c01']
    assert f.display('cmrp.prop.ftset.ft_type') == ['1']
    assert f.display('cmrp.prop.storage_id.count') == ['2']
    assert f.display('cmrp.prop.storage_id.type') == ['StorageIdTypeEUI64 (2)', 'StorageIdTypeVendorId (1)']
    assert f.display('cmrp.prop.storage_id.data')[0] == '6001405f00000001'
    assert f.display('cmrp.prop.storage_id.string') == ['MSFT    CMRP Disk 1     ']
    assert f.experts() == []


def test_storage_capture_partition_and_csv(storage):
    """GET_DISK_INFO_EX (2.2.3.11), _EX2 (2.2.3.45), GET_AVAILABLE_DISKS_EX (two disks, 2.2.3.11)
    and STORAGE_GET_SHARED_VOLUME_INFO (2.2.3.18): each structure in its layout, no expert info."""
    assert storage[0x010001f1].display('cmrp.prop.layout')[-1] == 'CLUS_PARTITION_INFO_EX (MS-CMRP 2.2.3.11)'
    assert storage[0x010001f9].display('cmrp.prop.layout')[-1] == 'CLUS_PARTITION_INFO_EX2 (MS-CMRP 2.2.3.45)'
    assert storage[0x010001f9].display('cmrp.partition.partition_name') == ['Basic data partition']
    assert storage[0x020001f5].display('cmrp.partition.device_name') == ['O:', 'P:']
    assert storage[0x01000225].display('cmrp.prop.layout') == ['CLUS_CSV_VOLUME_INFO (MS-CMRP 2.2.3.18)'] * 2
    assert storage[0x01000225].display('cmrp.csv.friendly_name') == ['Volume1', 'Volume1']
    for code, f in storage.items():
        assert f.experts() == [], hex(code)


def test_storage_capture_every_structure_syntax(storage):
    seen = {s.split(' (')[0] for f in storage.values() for s in f.display('cmrp.prop.syntax')}
    for name in ('RESCLASS', 'NAME', 'DISK_SIGNATURE', 'SCSI_ADDRESS', 'DISK_NUMBER', 'PARTITION_INFO',
                 'FTSET_INFO', 'DISK_SERIALNUMBER', 'DISK_GUID', 'DISK_SIZE', 'PARTITION_INFO_EX',
                 'PARTITION_INFO_EX2', 'STORAGE_DEVICE_ID_DESCRIPTOR', 'LIST_VALUE_BINARY'):
        assert 'CLUSPROP_SYNTAX_' + name in seen, name
