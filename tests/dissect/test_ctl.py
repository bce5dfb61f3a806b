"""Issue 4: the control-code decoder (plugin/packet-cmrp-ctl.c) against real traffic and bytes.

Part 1, the corpus proof: for every input and every output buffer format id of
idl/tables/ctlcodes.tsv, FORMAT_CASES names one call of captures/scenario-ndr.pcapng (found by its
control code; the same calls are checked again in the NDR64 twin, scenario-ndr64.pcapng) and the
exact values the decoder must show for it, with no expert info beyond the expected ones. Every expected value comes from
MS-CMRP (the 2.2.3 structure layouts, the 2.2.2 enumerations) and from what the scenario and the mock
put on the wire (tests/peer/scenario.py, handlers_control.py, cluster_model_ext.py, clusbuf.py,
cluster_objects.py, cluster_state.py), recomputed here, never copied from tshark's output. The two
format ids the scenario never sends (UNKNOWN and INTERNAL: it skips undocumented and internal
rows) are proven on byte-level calls instead, and test_every_format_id_has_a_case keeps the table
complete: a new format id in ctlcodes.tsv without a case fails.

Part 2, byte-level: stubs spelled out with tests/lib/ndrbytes.py for the bit tree of every code
(the worked example 0x0150004e, unknown and user-defined codes), the expert infos (object
mismatch, internal code from a client, lpBytesReturned > nOutBufferSize), responses matched to
their requests while several calls are in flight, ERROR_MORE_DATA, and the structures whose corpus
call has only one shape (CLUS_NETNAME_PWD_INFOEX, an array of CLUS_POOL_DRIVE_INFO).
"""
import os
import re
import struct
import sys
import uuid
import xml.etree.ElementTree as ET

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'lib'))
from ndrbytes import handle, pad, u32, u64  # noqa: E402
from pcapbuild import PcapBuilder, co_request, co_response  # noqa: E402

from conftest import capture  # noqa: E402

TSV = os.path.join(ROOT, 'idl', 'tables', 'ctlcodes.tsv')
CONTROL_OPNUMS = (72, 73, 74, 75, 76, 77, 78, 79, 88, 89, 97, 98, 105, 106, 173, 174)


# ---------------------------------------------------------------------------------------------
# PDML access: one tshark run, then every field of a frame with its value and its display

_BITS = re.compile(r'^[01. ]+ = ')


class Frame:
    """The cmrp fields of one frame: (abbrev, show, showname) in tree order."""

    def __init__(self, num, fields):
        self.num = num
        self.fields = fields

    def show(self, name):
        """The raw values of a field (tshark -T fields style), in tree order."""
        return [s for n, s, _ in self.fields if n == name]

    def display(self, name):
        """What the tree shows after 'Label: ' (bit patterns removed): names and values."""
        out = []
        for n, _, sn in self.fields:
            if n == name:
                sn = _BITS.sub('', sn or '')
                out.append(sn.split(': ', 1)[1] if ': ' in sn else sn)
        return out

    def text(self, name):
        """The whole text of an item (subtree headers such as 'Name = value')."""
        return [sn for n, _, sn in self.fields if n == name]

    def has(self, name):
        return any(n == name for n, _, _ in self.fields)

    def experts(self):
        return self.show('_ws.expert.message')


def pdml(tshark, path, dfilter, extra=()):
    """{frame number: Frame} for the frames matching dfilter (cmrp tree only)."""
    out = tshark.run('-r', path, '-2', '-T', 'pdml', '-J', 'cmrp', '-Y', dfilter, *extra).stdout
    frames = {}
    for pkt in ET.fromstring(out).iter('packet'):
        num, fields = None, []
        for proto in pkt.findall('proto'):
            if proto.get('name') == 'geninfo':
                for f in proto.iter('field'):
                    if f.get('name') == 'num':
                        num = int(f.get('show'))
            elif proto.get('name') == 'cmrp':
                fields += [(f.get('name'), tshark.canon(f.get('name'), f.get('show')),
                            f.get('showname')) for f in proto.iter('field')]
        frames[num] = Frame(num, fields)
    return frames


def in_filter(nums):
    return 'frame.number in {%s}' % ','.join(str(n) for n in sorted(nums))


def load_tsv():
    rows = []
    for line in open(TSV, encoding='utf-8'):
        if line.startswith('#') or not line.strip() or line.startswith('name\t'):
            continue
        c = line.rstrip('\n').split('\t')
        rows.append({'name': c[0], 'code': int(c[1], 16), 'object': c[2], 'in': c[3], 'out': c[4]})
    return rows


# ---------------------------------------------------------------------------------------------
# Values the scenario and the mock put on the wire, recomputed

# cluster_objects._NS / cluster_model_ext._NS: the mock's uuid5 namespace
NS = uuid.UUID('5b0c3c1e-6d1a-4c8e-9f7a-434d52504d4b')


def ext_guid(*parts):
    """cluster_model_ext._guid: uuid5 of the ':'-joined parts (case kept)."""
    return str(uuid.uuid5(NS, ':'.join(str(p) for p in parts)))


DISKS = ['Cluster Disk 1', 'Cluster Disk 2', 'Cluster Disk 3']     # cluster_state, in order
GUID_DISK = '6a1c2d3e-4f50-4617-8899-aabbccddeeff'                  # scenario.GUID_DISK
GUID_DISK2 = '0f1e2d3c-4b5a-4968-8776-655443322110'                 # scenario.GUID_DISK2
GIB = 1 << 30


def partition_common(device, label, serial):
    """clusbuf.partition_info defaults: flags STICKY, max component 255, NTFS, fs flags."""
    return [('cmrp.partition.flags', ['0x00000001, CLUSPROP_PIFLAG_STICKY']),
            ('cmrp.partition.flags.sticky', ['True']),
            ('cmrp.partition.device_name', [device]),
            ('cmrp.partition.volume_label', [label]),
            ('cmrp.partition.serial_number', ['0x%08x' % serial]),
            ('cmrp.partition.max_component_length', ['255']),
            ('cmrp.partition.fs_flags', ['0x03e706ff']),
            ('cmrp.partition.file_system', ['NTFS'])]


def merge(*lists):
    """Concatenate expectation lists field by field (several structures in one buffer)."""
    out = {}
    for lst in lists:
        for f, vals in lst:
            out.setdefault(f, []).extend(vals)
    return list(out.items())


# ---------------------------------------------------------------------------------------------
# The table: (direction, format id) -> case. `code` picks the call (its `nth` occurrence in the
# corpus), `side` the frame (request for input buffers, response for output buffers), `expect`
# [(field, exact display values)], `absent` fields that must not appear (no buffer decoded).
# Cases with `capture='bytes'` are byte-level calls (see module docstring).

BUFFER_FIELDS = ('cmrp.ctl.data', 'cmrp.prop.list', 'cmrp.prop.value_list', 'cmrp.ctl.string',
                 'cmrp.ctl.dword', 'cmrp.ctl.trailing')


def case(code, expect=(), absent=(), nth=0, capture_='corpus', experts=(), alternatives=None):
    """`alternatives`: the scenario sends one of several exact shapes (it alternates variants
    by the code's position in ctlcodes.tsv); the frame must match one of them entirely."""
    return {'code': code, 'expect': list(expect), 'absent': list(absent), 'nth': nth,
            'capture': capture_, 'experts': list(experts), 'alternatives': alternatives}


FORMAT_CASES = {
    # ---- input buffers ----
    ('in', 'NONE'): case(0x01000005, absent=BUFFER_FIELDS, expect=[
        ('cmrp.null_pointer', ['NULL pointer']), ('cmrp.ninbuffersize', ['0'])]),
    # 3.1.4.3.2.x GET_DRIVELETTERS: the server ignores lpInBuffer; the scenario sends none
    ('in', 'IGNORED'): case(0x020001ED, absent=BUFFER_FIELDS, expect=[
        ('cmrp.null_pointer', ['NULL pointer'])]),
    # scenario.COMMON_PROPS['RESOURCE'], syntaxes inferred by clusbuf.infer_syntax
    ('in', 'PROPLIST'): case(0x0140005E, expect=[
        ('cmrp.prop.count', ['5']),
        ('cmrp.prop.name', ['Description', 'RestartAction', 'RestartThreshold', 'PendingTimeout',
                            'IsAlivePollInterval']),
        ('cmrp.prop.sz', ['cmrp test resource']),
        ('cmrp.prop.dword', ['2 (0x00000002)', '3 (0x00000003)', '180000 (0x0002bf20)',
                             '4294967295 (0xffffffff)'])]),
    ('in', 'SZ'): case(0x01000181, expect=[('cmrp.ctl.string', ['CMRP-VCO$'])]),
    # GET_MOUNTPOINTS: the partition number as a DWORD (scenario: cb.dword(1))
    ('in', 'DWORD'): case(0x01000211, expect=[('cmrp.ctl.dword', ['1 (0x00000001)'])]),
    # CLUSDSK_DISKID (2.2.3.33): the scenario alternates diskid_signature() (type 1, 0x1badcafe,
    # then the unused 12 bytes of the 16-byte union) and diskid_guid() (type 2, GUID_DISK)
    ('in', 'DISKID'): case(0x02000209, alternatives=[
        [('cmrp.ctl.diskid.type', ['DiskIdSignature (0x00000001)']),
         ('cmrp.ctl.diskid.signature', ['0x1badcafe']), ('cmrp.ctl.data', ['00' * 12])],
        [('cmrp.ctl.diskid.type', ['DiskIdGuid (0x00000002)']),
         ('cmrp.ctl.diskid.guid', [GUID_DISK])]]),
    # CLUS_MAINTENANCE_MODE_INFO_EX (2.2.3.15), scenario.maintenance_mode_info_ex()
    ('in', 'MAINT_MODE_INFO'): case(0x014001E6, expect=[
        ('cmrp.ctl.maint.in_maintenance', ['1']),
        ('cmrp.ctl.maint.type', ['MaintenanceModeTypeDisableIsAliveCheck (1)']),
        ('cmrp.ctl.maint.internal_state', ['0']),
        ('cmrp.ctl.maint.signature', ['0xabbaf00f'])]),
    # CLUS_NETNAME_PWD_INFO (2.2.3.13): 680 bytes, ObjectGuid a 128-byte GUID string
    ('in', 'NETNAME_PWD_INFO'): case(0x0100017A, absent=('cmrp.ctl.trailing', '_ws.expert'), expect=[
        ('cmrp.ctl.pwd.flags', ['0x00000003, GUID_PRESENT, CREATEDC_PRESENT']),
        ('cmrp.ctl.pwd.flags.guid_present', ['Set']),
        ('cmrp.ctl.pwd.flags.createdc_present', ['Set']),
        ('cmrp.ctl.pwd.password', ['N3wPassw0rd!']),
        ('cmrp.ctl.pwd.creating_dc', ['DC01.cmrp.test']),
        ('cmrp.ctl.pwd.object_guid', ['{%s}' % GUID_DISK2])]),
    # 2.2.3.34: version 1, permissions 0x11, the computer class GUID
    ('in', 'NETNAME_OU_INPUT'): case(0x07002121, expect=[
        ('cmrp.ctl.ou.version', ['1']), ('cmrp.ctl.ou.permissions', ['0x00000011']),
        ('cmrp.ctl.ou.object_class', ['bf967a86-0de6-11d0-a285-00aa003049e2'])]),
    # 2.2.3.16: partition 1, S: (bit 18)
    ('in', 'STORAGE_SET_DRIVELETTER'): case(0x014001EA, expect=[
        ('cmrp.ctl.partition_number', ['1']), ('cmrp.ctl.drive_mask', ['0x00040000 (S:)'])]),
    # 2.2.3.12: E: (bit 4) -> T: (bit 19)
    ('in', 'STORAGE_REMAP_DRIVELETTER'): case(0x02000201, expect=[
        ('cmrp.ctl.current_drive_mask', ['0x00000010 (E:)']),
        ('cmrp.ctl.target_drive_mask', ['0x00080000 (T:)'])]),
    # 2.2.3.19
    ('in', 'CSV_MAINT_MODE_INFO'): case(0x01400296, expect=[
        ('cmrp.ctl.maint.in_maintenance', ['1']), ('cmrp.ctl.volume_name', ['Volume1'])]),
    # 2.2.3.20: in progress, 30 s
    ('in', 'SV_BACKUP_MODE'): case(0x0140029A, expect=[
        ('cmrp.ctl.backup_state', ['VolumeBackupInProgress (1)']),
        ('cmrp.ctl.delay_timer', ['30']), ('cmrp.ctl.volume_name', ['Volume1'])]),
    # 2.2.3.36 / .38 / .39
    ('in', 'SR_QUERY_LOGDISKS'): case(0x02002149, expect=[
        ('cmrp.ctl.sr.data_disk', [GUID_DISK]), ('cmrp.ctl.sr.include_offline', ['1'])]),
    ('in', 'SR_QUERY_TARGET_DATADISKS'): case(0x0200214D, expect=[
        ('cmrp.ctl.sr.source_disk', [GUID_DISK]), ('cmrp.ctl.sr.skip_connectivity', ['0']),
        ('cmrp.ctl.sr.include_offline', ['1'])]),
    ('in', 'SR_QUERY_SOURCE_DATADISKS'): case(0x02002151, expect=[
        ('cmrp.ctl.sr.source_disk', [GUID_DISK]), ('cmrp.ctl.sr.include_available', ['1'])]),
    # SDK CLUSCTL_RESOURCE_STATE_CHANGE_REASON_STRUCT: size 12, version 1, eReason 2 (failover)
    ('in', 'STATE_CHANGE_REASON'): case(0x0150004E, experts=[
        'Internal control code 0x0150004e sent by a client: applications must not use internal '
        'control codes'], expect=[
        ('cmrp.ctl.reason.size', ['12']), ('cmrp.ctl.reason.version', ['1']),
        ('cmrp.ctl.reason', ['eResourceStateChangeReasonFailover (2)'])]),
    ('in', 'UNKNOWN'): case(0x010000C9, capture_='bytes', expect=[
        ('cmrp.ctl.data', ['c0ffee01'])]),
    ('in', 'INTERNAL'): case(0x01500052, capture_='bytes', expect=[
        ('cmrp.ctl.data', ['0badf00d'])]),

    # ---- output buffers ----
    ('out', 'NONE'): case(0x01000061, absent=BUFFER_FIELDS, expect=[
        ('cmrp.ndr.actual_count', ['0']), ('cmrp.ctl.bytes_returned', ['0'])]),
    # cluster_model_ext: the PROPERTY_LIST of REPLICATION_GET_RESOURCE_GROUP (no list ENDMARK)
    ('out', 'PROPLIST'): case(0x02002161, absent=('cmrp.prop.list_endmark',), expect=[
        ('cmrp.prop.count', ['2']),
        ('cmrp.prop.name', ['ReplicationGroupName', 'ReplicationGroupId']),
        ('cmrp.prop.sz', ['rg01', '{%s}' % ext_guid('rg', 'rg01')])]),
    # 3.1.4.3.1.14: the resource's 15 writable common properties (cluster_objects.Resource), one
    # CLUSPROP_SYNTAX_LIST_VALUE_WORD format each, and the list ENDMARK the mock appends
    ('out', 'PROPFMTLIST'): case(0x01000065, expect=[
        ('cmrp.prop.count', ['15']),
        ('cmrp.prop.name', ['Description', 'Type', 'DebugPrefix', 'SeparateMonitor',
                            'PersistentState', 'LooksAlivePollInterval', 'IsAlivePollInterval',
                            'RestartAction', 'RestartThreshold', 'RestartPeriod', 'RestartDelay',
                            'RetryPeriodOnFailure', 'PendingTimeout', 'DeadlockTimeout',
                            'MonitorProcessId']),
        ('cmrp.prop.format', ['CLUSPROP_FORMAT_SZ (0x0003)'] * 3 +
         ['CLUSPROP_FORMAT_DWORD (0x0002)'] * 12),
        ('cmrp.prop.list_endmark', ['0x00000000'])]),
    # handlers_control._disk_info for Cluster Disk 1: signature, SCSI 1:0:1:0, disk 1,
    # CLUS_PARTITION_INFO (2.2.3.9) of Q: "Disk1" serial 0x5ca1ab1e + 1
    ('out', 'VALUELIST'): case(0x01000191, expect=[
        ('cmrp.prop.disk_signature', ['0x1a2b3c01']),
        ('cmrp.scsi.port', ['1']), ('cmrp.scsi.path_id', ['0']), ('cmrp.scsi.target_id', ['1']),
        ('cmrp.scsi.lun', ['0']), ('cmrp.prop.disk_number', ['1']),
        ('cmrp.prop.endmark', ['0x00000000'])] + partition_common('Q:', 'Disk1', 0x5ca1ab1f)),
    # cluster_model_ext.csv_volume_info(r, 1) and (r, 2) for Cluster Disk 1 (2.2.3.18)
    ('out', 'CSV_VOLUME_LIST'): case(0x01000225, expect=[
        ('cmrp.csv.volume_offset', ['1048576', '2097152']),
        ('cmrp.csv.partition_number', ['1', '2']),
        ('cmrp.csv.fault_state', ['VolumeStateNoFaults (0)'] * 2),
        ('cmrp.csv.backup_state', ['VolumeBackupNone (0)'] * 2),
        ('cmrp.csv.friendly_name', ['Volume1', 'Volume1']),
        ('cmrp.csv.volume_name', ['\\\\?\\Volume{%s}\\' % ext_guid('vol', 'Cluster Disk 1', n)
                                  for n in (1, 2)])]),
    ('out', 'MULTI_SZ'): case(0x01000211, expect=[
        ('cmrp.ctl.multi_sz', ['Q:\\', 'Q:\\Mount\\Data\\'])]),
    ('out', 'SZ'): case(0x01000029, expect=[('cmrp.ctl.string', ['Cluster Disk 1'])]),
    ('out', 'DWORD'): case(0x02000015, expect=[('cmrp.ctl.dword', ['60 (0x0000003c)'])]),
    # 3.1.4.3.1.59: the mock answers 1, NETNAME_CHECK_AD_STATE_FLAGS_NO_DCS
    ('out', 'DWORD_AD_STATE'): case(0x07002125, expect=[
        ('cmrp.ctl.ad_state', ['0x00000001, NETNAME_CHECK_AD_STATE_FLAGS_NO_DCS']), ('cmrp.ctl.ad_state.no_dcs', ['True']),
        ('cmrp.ctl.ad_state.no_object', ['False']), ('cmrp.ctl.ad_state.bad_pwd', ['False']),
        ('cmrp.ctl.ad_state.obj_disabled', ['False'])]),
    # Physical Disk: characteristics 0x3 (cluster_state), 2.2.2.4 names
    ('out', 'DWORD_CHARACTERISTICS'): case(0x01000005, expect=[
        ('cmrp.ctl.characteristics', [
            '0x00000003, CLUS_CHAR_QUORUM, CLUS_CHAR_DELETE_REQUIRES_ALL_NODES']),
        ('cmrp.ctl.characteristics.quorum', ['True']),
        ('cmrp.ctl.characteristics.delete_requires_all_nodes', ['True']),
        ('cmrp.ctl.characteristics.local_quorum', ['False'])]),
    # Cluster Disk 1 is a core resource: CLUS_FLAG_CORE (2.2.2.5)
    ('out', 'DWORD_FLAGS'): case(0x01000009, expect=[
        ('cmrp.ctl.flags', ['0x00000001, CLUS_FLAG_CORE']), ('cmrp.ctl.flags.core', ['True'])]),
    # 2.2.2.10: three nodes up, the one named in the input is not found: quorum kept
    ('out', 'DWORD_QUORUM'): case(0x07000045, expect=[
        ('cmrp.ctl.quorum', ['CLUSTER_QUORUM_MAINTAINED (0)'])]),
    # cluster_model_ext GET_DRIVELETTERS: C: plus the OR of 1 << letter over the live disks: Q
    # (Cluster Disk 1), R (Cluster Disk 2), S (Cluster Disk 3), R again (the scenario's "CMRP Disk
    # 2"): 0x4 | 0x10000 | 0x20000 | 0x40000 = 0x00070004, C: Q: R: S:
    ('out', 'DWORD_DRIVEMASK'): case(0x020001ED, expect=[
        ('cmrp.ctl.drive_mask', ['0x00070004 (C: Q: R: S:)'])]),
    # STORAGE_GET_DIRTY: struct.pack('<II', 1, 3)
    ('out', 'DWORD_ARRAY'): case(0x01000219, expect=[
        ('cmrp.ctl.dword', ['1 (0x00000001)', '3 (0x00000003)'])]),
    # 2.2.3.7: Physical Disk, CLUS_RESCLASS_STORAGE with CLUS_RESSUBCLASS_SHARED
    ('out', 'RESCLASS_INFO'): case(0x0100000D, expect=[
        ('cmrp.ctl.resclass', ['CLUS_RESCLASS_STORAGE (1)']),
        ('cmrp.ctl.subclass', ['0x80000000, Shared']), ('cmrp.ctl.subclass.shared', ['True'])]),
    # 2.2.3.14: MaintenanceMode 0 of Cluster Disk 1's private properties
    ('out', 'MAINT_MODE_INFO'): case(0x010001E1, expect=[
        ('cmrp.ctl.maint.in_maintenance', ['0'])], absent=('cmrp.ctl.maint.type',)),
    # cluster_model_ext: DiskIdGuid of _guid('disk', 'E:') (the input path)
    ('out', 'DISKID'): case(0x01000205, expect=[
        ('cmrp.ctl.diskid.type', ['DiskIdGuid (0x00000002)']),
        ('cmrp.ctl.diskid.guid', [ext_guid('disk', 'E:')])]),
    ('out', 'DISK_NUMBER_INFO'): case(0x010001A1, expect=[
        ('cmrp.ctl.disk_number', ['1']), ('cmrp.ctl.bytes_per_sector', ['512'])]),
    # SDK CLUSTER_GROUP_FAILURE_INFO_BUFFER: version 1, 2 attempts, 5 hours
    ('out', 'GROUP_FAILURE_INFO'): case(0x01000019, expect=[
        ('cmrp.ctl.failure.version', ['1']), ('cmrp.ctl.failure.attempts_remaining', ['2']),
        ('cmrp.ctl.failure.period_remaining', ['5'])]),
    # 2.2.3.31, cluster_model_ext.pool_drive_info('PhysicalDisk4', 4)
    ('out', 'POOL_DRIVE_INFO'): case(0x010002B5, expect=[
        ('cmrp.ctl.pool.drive_name', ['PhysicalDisk4']), ('cmrp.ctl.pool.seek_penalty', ['1']),
        ('cmrp.ctl.pool.health', ['SpHealthHealthy (3)']),
        ('cmrp.ctl.pool.state', ['SpDriveStateOkay (8)']),
        ('cmrp.ctl.pool.total_capacity', [str(4 << 40)]),
        ('cmrp.ctl.pool.consumed_capacity', [str(1 << 40)]),
        ('cmrp.ctl.pool.usage', ['SpDriveUsageAutoAllocation (1)']),
        ('cmrp.ctl.pool.bus_type', ['BusTypeSata (11)']), ('cmrp.ctl.pool.slot', ['4']),
        ('cmrp.ctl.pool.enclosure_name', ['Enclosure 1 (JBOD)'])]),
    # 2.2.3.35: access, not the default OU, 56 bytes of name
    ('out', 'NETNAME_OU_OUTPUT'): case(0x07002121, expect=[
        ('cmrp.ctl.ou.has_access', ['1']), ('cmrp.ctl.ou.default_ou', ['0']),
        ('cmrp.ctl.ou.size', ['56']), ('cmrp.ctl.ou.name', ['OU=Clusters,DC=cmrp,DC=test'])]),
    # 2.2.3.37: the first three Physical Disks
    ('out', 'SR_ELIGIBLE_DISKS_RESULT'): case(0x02002149, expect=[
        ('cmrp.ctl.sr.count', ['3']),
        ('cmrp.ctl.sr.disk', [ext_guid('disk', d) for d in DISKS])]),
    # 2.2.3.41 / 2.2.3.40: the first two disks, types 1 and 2, group rg01, names rg01 / rg02
    ('out', 'SR_REPLICATED_DISKS_RESULT'): case(0x02002155, expect=[
        ('cmrp.ctl.sr.count', ['2']),
        ('cmrp.ctl.sr.disk_type', ['SrReplicatedDiskTypeSource (1)',
                                   'SrReplicatedDiskTypeLogSource (2)']),
        ('cmrp.ctl.sr.cluster_disk', [ext_guid('disk', d) for d in DISKS[:2]]),
        ('cmrp.ctl.sr.group_id', [ext_guid('rg', 'rg01')] * 2),
        ('cmrp.ctl.sr.group_name', ['rg01', 'rg02'])]),
    ('out', 'UNKNOWN'): case(0x010000C9, capture_='bytes', expect=[
        ('cmrp.ctl.data', ['00112233'])]),
    ('out', 'INTERNAL'): case(0x01500052, capture_='bytes', expect=[
        ('cmrp.ctl.data', ['44556677'])]),
}

# More corpus calls of the richer formats (their own exact values): value lists of every shape.
EXTRA_CASES = {
    # RESOURCE_TYPE_STORAGE_IS_CSV_FILE (3.1.4.3.2.31): the answer is the return value alone (0, or
    # 0x1739 ERROR_CLUSTER_NOT_SHARED_VOLUME), there is no output buffer. The mock still answers a
    # DWORD 1 for 'C:\ClusterStorage\Volume1\vm.vhdx' (cluster_model_ext), shown as bytes the code
    # does not use (test_is_csv_file_has_no_output_buffer)
    'is_csv_file_no_output': (('out', 0x01000229, 0), [('cmrp.ctl.data', ['01000000'])]),
    # GET_REQUIRED_DEPENDENCIES of SQL Server (INST1): SQL Server type requires a storage class
    # resource and a Network Name (cluster_state)
    'required_dependencies': (('out', 0x01000011, 0), [
        ('cmrp.prop.resclass', ['CLUS_RESCLASS_STORAGE (1)']),
        ('cmrp.prop.name', ['Network Name'])]),
    # STORAGE_GET_DISK_INFO_EX2 (cluster_model_ext._disk_info_ex2): every disk syntax and a
    # CLUS_PARTITION_INFO_EX2 (2.2.3.45)
    'disk_info_ex2': (('out', 0x010001F9, 0), [
        ('cmrp.prop.disk_signature', ['0x1a2b3c01']),
        ('cmrp.prop.disk_guid', ['{%s}' % ext_guid('disk', 'Cluster Disk 1')]),
        ('cmrp.prop.disk_serial_number', ['CMRP-SN-0001']), ('cmrp.prop.sz', []),
        ('cmrp.prop.disk_size', [str(10 * GIB)]),
        ('cmrp.scsi.target_id', ['1']), ('cmrp.prop.disk_number', ['1']),
        ('cmrp.partition.total_size', [str(10 * GIB)]),
        ('cmrp.partition.free_size', [str(4 * GIB)]),
        ('cmrp.partition.device_number', ['1']), ('cmrp.partition.partition_number', ['1']),
        ('cmrp.partition.volume_guid', [ext_guid('vol', 'Cluster Disk 1', 1)]),
        ('cmrp.partition.gpt_partition_id', [ext_guid('gpt', 'Cluster Disk 1')]),
        ('cmrp.partition.partition_name', ['Basic data partition']),
        ('cmrp.partition.encryption', ['0x00000000'])] + partition_common('Q:', 'Disk1', 0x5ca1ab1f)),
    # GET_RO_PRIVATE_PROPERTIES of a group (3.1.4.3.3.13): an empty PROPERTY_LIST, the count alone
    'empty_property_list': (('out', 0x0300007D, 0), [
        ('cmrp.prop.count', ['0']), ('cmrp.prop.property', []), ('cmrp.ctl.bytes_returned', ['4'])]),
    # GET_AVAILABLE_DISKS_EX: one value list per disk (disks 7 and 8, CLUS_PARTITION_INFO_EX)
    'available_disks_ex': (('out', 0x020001F5, 0), merge(
        [('cmrp.prop.value_list', []), ('cmrp.prop.disk_signature', ['0x0badd007', '0x0badd008']),
         ('cmrp.scsi.target_id', ['7', '8']), ('cmrp.prop.disk_number', ['7', '8']),
         ('cmrp.prop.endmark', ['0x00000000'] * 2)],
        partition_common('O:', 'New7', 0x1007), partition_common('P:', 'New8', 0x1008),
        [('cmrp.partition.total_size', [str(7 << 32), str(8 << 32)]),
         ('cmrp.partition.free_size', [str(7 << 31), str(8 << 31)]),
         ('cmrp.partition.device_number', ['7', '8'])])),
}


# ---------------------------------------------------------------------------------------------
# Corpus fixtures

@pytest.fixture(scope='module', params=['scenario-ndr.pcapng', 'scenario-ndr64.pcapng'])
def corpus(request):
    """The scenario marshalled in NDR and in NDR64: the same calls, the same values."""
    return capture(request.param)


@pytest.fixture(scope='module')
def calls(tshark, corpus):
    """code -> [(request frame, response frame)] in capture order."""
    # requests only: responses carry their request's code too (generated, issue #11)
    rows = tshark.fields(corpus, ['frame.number', 'cmrp.ctl.code', 'dcerpc.response_in'],
                         'cmrp.ctl.code && dcerpc.pkt_type == 0')
    out = {}
    for r in rows:
        out.setdefault(int(r[1][0], 16), []).append((int(r[0][0]), int(r[2][0]) if r[2] else None))
    return out


def corpus_frame_of(calls, direction, code, nth):
    req, rsp = calls[code][nth]
    return req if direction == 'in' else rsp


@pytest.fixture(scope='module')
def corpus_frames(tshark, corpus, calls):
    want = set()
    for (direction, _fmt), c in FORMAT_CASES.items():
        if c['capture'] == 'corpus' and c['code'] in calls:
            want.add(corpus_frame_of(calls, direction, c['code'], c['nth']))
    for (direction, code, nth), _ in EXTRA_CASES.values():
        if code in calls:
            want.add(corpus_frame_of(calls, direction, code, nth))
    want.discard(None)
    return pdml(tshark, corpus, in_filter(want))


def check(frame, c, where):
    if c.get('alternatives'):
        shown = [[(f, frame.display(f)) for f, _ in alt] for alt in c['alternatives']]
        assert any(got == alt for got, alt in zip(shown, c['alternatives'])), (where, shown)
    for field, vals in c['expect']:
        if field == 'cmrp.prop.value_list' and not vals:
            assert frame.has(field), '%s: %s missing' % (where, field)
            continue
        assert frame.display(field) == vals, '%s: %s' % (where, field)
    for field in c['absent']:
        assert not frame.has(field), '%s: %s present' % (where, field)


# ---------------------------------------------------------------------------------------------
# Part 1: every format id, proven

def test_every_format_id_has_a_case():
    rows = load_tsv()
    used = {('in', r['in']) for r in rows} | {('out', r['out']) for r in rows}
    assert sorted(used - set(FORMAT_CASES)) == [], 'format ids of ctlcodes.tsv without a case'
    assert sorted(set(FORMAT_CASES) - used) == [], 'cases of format ids ctlcodes.tsv no longer uses'


def test_case_codes_have_their_format():
    """Each case's code really has that format in ctlcodes.tsv (so the proof is of that format)."""
    by_code = {r['code']: r for r in load_tsv()}
    for (direction, fmt), c in FORMAT_CASES.items():
        assert by_code[c['code']][direction] == fmt, (direction, fmt, hex(c['code']))


@pytest.mark.parametrize('key', sorted(k for k, c in FORMAT_CASES.items() if c['capture'] == 'corpus'),
                         ids=lambda k: '%s-%s' % k)
def test_corpus_format(key, calls, corpus_frames):
    c = FORMAT_CASES[key]
    assert c['code'] in calls, 'the corpus holds no call of 0x%08x (%s %s)' % ((c['code'],) + key)
    num = corpus_frame_of(calls, key[0], c['code'], c['nth'])
    frame = corpus_frames[num]
    check(frame, c, 'frame %d (%s %s)' % (num, key[0], key[1]))
    # and nothing to complain about (no trailing data, no bad size, ...)
    assert frame.experts() == c['experts'], num


def test_corpus_controls_not_malformed(tshark, corpus):
    """No control call of the scenario is malformed (no exception, no Malformed expert info)."""
    ops = ','.join(str(o) for o in CONTROL_OPNUMS)
    assert tshark.fields(corpus, ['frame.number'], '_ws.malformed && dcerpc.opnum in {%s}' % ops) == []


@pytest.mark.parametrize('name', sorted(EXTRA_CASES))
def test_corpus_value_lists(name, calls, corpus_frames):
    (direction, code, nth), expect = EXTRA_CASES[name]
    num = corpus_frame_of(calls, direction, code, nth)
    check(corpus_frames[num], {'expect': expect, 'absent': []}, 'frame %d (%s)' % (num, name))


def test_corpus_pwd_info_has_no_expert(calls, corpus_frames):
    """The 680-byte CLUS_NETNAME_PWD_INFO the scenario sends is consumed exactly."""
    num = corpus_frame_of(calls, 'in', 0x0100017A, 0)
    assert corpus_frames[num].experts() == []


def test_corpus_info_names_code(tshark, corpus, calls):
    """Requests and responses name their code in the Info column."""
    req, rsp = calls[0x0100017A][0]
    rows = tshark.fields(corpus, ['frame.number', '_ws.col.Info'], in_filter([req, rsp]))
    info = {int(r[0][0]): r[1][0] for r in rows}
    assert info[req] == 'ApiResourceControl request "Cluster Name" CLUSCTL_RESOURCE_NETNAME_SET_PWD_INFO'
    assert info[rsp] == 'ApiResourceControl response "Cluster Name" CLUSCTL_RESOURCE_NETNAME_SET_PWD_INFO'


def test_corpus_more_data(tshark, corpus, calls):
    """ERROR_MORE_DATA (GET_COMMON_PROPERTIES with nOutBufferSize 8): lpcbRequired, no buffer;
    the retry with lpcbRequired bytes decodes the PROPERTY_LIST."""
    (req1, rsp1), (req2, rsp2) = [c for c in calls[0x01000059] if c][1:3]
    frames = pdml(tshark, corpus, in_filter([req1, rsp1, req2, rsp2]))
    first, retry = frames[rsp1], frames[rsp2]
    assert frames[req1].display('cmrp.noutbuffersize') == ['8']
    assert first.display('cmrp.rc') == ['ERROR_MORE_DATA (0x000000ea)']
    required = first.display('cmrp.lpcbrequired')
    assert required and int(required[0]) > 8
    for f in BUFFER_FIELDS:
        assert not first.has(f)
    assert frames[req2].display('cmrp.noutbuffersize') == required
    assert retry.display('cmrp.ctl.bytes_returned') == required
    assert retry.has('cmrp.prop.list')


# ---------------------------------------------------------------------------------------------
# Part 2: byte-level calls

OK = 0
ERROR_MORE_DATA = 234
HR, HN, HG = handle(1), handle(2), handle(3)


def ctl_request(code, inbuf=None, out_size=0, node=False):
    """Api(Node)ResourceControl [in]: hResource[, hNode], dwControlCode, unique lpInBuffer
    (referent, max_count, bytes), nInBufferSize, nOutBufferSize."""
    stub = HR + (HN if node else b'') + u32(code)
    if inbuf is None:
        stub += u32(0)
    else:
        stub += u32(0x20000) + u32(len(inbuf)) + pad(inbuf)
    return stub + u32(len(inbuf or b'')) + u32(out_size)


def ctl_response(outbuf, out_size, returned=None, required=None, rc=OK):
    """[out]: lpOutBuffer (max_count nOutBufferSize, offset 0, actual count, bytes),
    lpBytesReturned, lpcbRequired, rpc_status, return value."""
    returned = len(outbuf) if returned is None else returned
    required = len(outbuf) if required is None else required
    return (u32(out_size) + u32(0) + u32(len(outbuf)) + pad(outbuf) + u32(returned) +
            u32(required) + u32(OK) + u32(rc))


def wfixed(s, nbytes):
    b = s.encode('utf-16-le')
    return b + b'\0' * (nbytes - len(b))


def wz(s):
    return (s + '\0').encode('utf-16-le')


def pool_drive(name, health, state, total, used, usage, bus, slot, enclosure):
    """CLUS_POOL_DRIVE_INFO (2.2.3.31), 2600 bytes."""
    return (wfixed(name, 512) + bytes([0, 0, 0, 0]) + struct.pack('<II', health, state) +
            u64(total) + u64(used) + struct.pack('<III', usage, bus, slot) + wfixed(enclosure, 2048))


@pytest.fixture(scope='module')
def ctl_pcap(scratch):
    """The byte-level calls; returns (path, {name: call_id})."""
    b = PcapBuilder()
    c = b.tcp_conversation(50100, 5555)
    c.bind()
    cid = {}
    # the worked example, 0x0150004e, sent by a client (internal); eReason 4 (shutdown)
    cid['worked'] = c.call(73, ctl_request(0x0150004E, struct.pack('<III', 12, 1, 4)),
                           ctl_response(b'', 0))
    # a group code (CLUSCTL_GROUP_GET_CHARACTERISTICS) sent to ApiResourceControl
    cid['mismatch'] = c.call(73, ctl_request(0x03000005, out_size=4), ctl_response(u32(0), 4))
    # lpBytesReturned 16 > nOutBufferSize 8
    cid['returned'] = c.call(73, ctl_request(0x01000029, out_size=8),
                             ctl_response(wz('abc'), 8, returned=16))
    # a code nobody defined (object 1, function 0x3ffc, access read)
    cid['unknown'] = c.call(73, ctl_request(0x0100fff1, b'\x01\x02\x03\x04', 16),
                            ctl_response(b'\x05\x06', 16))
    # a user-defined code (CLCTL_USER_BASE, bit 21) with global and modify set, via the Node method
    cid['user'] = c.call(72, ctl_request(0x01E00006, b'\xaa\xbb', 0, node=True), ctl_response(b'', 0))
    # UNKNOWN format (CLUSCTL_RESOURCE_GET_LOADBAL_PROCESS_LIST): one bytes item each way
    cid['fmt_unknown'] = c.call(73, ctl_request(0x010000C9, bytes.fromhex('c0ffee01'), 4),
                                ctl_response(bytes.fromhex('00112233'), 4))
    # INTERNAL format (CLUSCTL_RESOURCE_PROVIDER_STATE_CHANGE)
    cid['fmt_internal'] = c.call(73, ctl_request(0x01500052, bytes.fromhex('0badf00d'), 4),
                                 ctl_response(bytes.fromhex('44556677'), 4))
    # ERROR_MORE_DATA: nothing returned, lpcbRequired 1234
    cid['more_data'] = c.call(73, ctl_request(0x01000059, out_size=8),
                              ctl_response(b'', 8, required=1234, rc=ERROR_MORE_DATA))
    # CLUS_NETNAME_PWD_INFOEX (2.2.3.62): 904 bytes, Password 256 bytes
    pwdex = (u32(1) + wfixed('S3cret-Ex', 256) + wfixed('\\\\DC02.cmrp.test', 516) +
             wfixed('{11112222-3333-4444-5555-666677778888}', 128))
    cid['pwdex'] = c.call(73, ctl_request(0x0100031A, pwdex), ctl_response(b'', 0))
    # CLUSCTL_RESOURCE_POOL_GET_DRIVE_INFO answering two drives (3.1.4.3.1.56: an array)
    drives = (pool_drive('PhysicalDisk7', 1, 6, 2 << 40, 1 << 39, 3, 0x0a, 7, 'JBOD A') +
              pool_drive('PhysicalDisk8', 2, 5, 3 << 40, 0, 4, 0x11, 8, 'JBOD B'))
    cid['pool'] = c.call(73, ctl_request(0x010002B5, out_size=8192), ctl_response(drives, 8192))
    # a short CLUS_NETNAME_PWD_INFO (the 568-byte layout with a binary GUID) is reported
    cid['pwd_short'] = c.call(73, ctl_request(0x0100017A, b'\0' * 568), ctl_response(b'', 0))
    # CLUSCTL_RESOURCE_STATE_CHANGE_REASON through ApiNodeResourceControl
    cid['worked_node'] = c.call(72, ctl_request(0x0150004E, struct.pack('<III', 12, 1, 1), node=True),
                                ctl_response(b'', 0))
    # the hand-decoded parts around the generated layouts (idl/tables/ctllayouts.tsv):
    # CLUS_MAINTENANCE_MODE_INFO_EX (2.2.3.15) whose Signature is not 0xABBAF00F
    cid['maint_badsig'] = c.call(73, ctl_request(0x014001E6, struct.pack('<IIII', 1, 1, 0, 0x12345678)),
                                 ctl_response(b'', 0))
    # CLUSDSK_DISKID (2.2.3.33): a GUID id cut at 12 bytes; a signature id with its unused union
    cid['diskid_short'] = c.call(73, ctl_request(0x01000205, wz('C:\\'), 20),
                                 ctl_response(u32(2) + b'\x11' * 8, 20))
    cid['diskid_sig'] = c.call(73, ctl_request(0x01000205, wz('D:\\'), 20),
                               ctl_response(u32(1) + u32(0xA1B2C3D4) + b'\0' * 12, 20))
    # CLUSCTL_RESOURCE_NETNAME_CHECK_OU_PERMISSIONS_OUTPUT (2.2.3.35) whose OUSize (100) is larger
    # than the 10 bytes of name that follow
    cid['ou_overrun'] = c.call(73, ctl_request(0x07002121, struct.pack('<II', 1, 0x10) + bytes(range(16)), 64),
                               ctl_response(struct.pack('<III', 1, 0, 100) + wz('OU=x'), 64))
    # STORAGE_GET_DIRTY (3.1.4.3.1.46): DWORDs, then 2 bytes that are not one
    cid['dirty'] = c.call(73, ctl_request(0x01000219, out_size=16), ctl_response(u32(3) + u32(5) + b'\x01\x02', 16))
    # two calls in flight: GET_NAME (SZ out), then GET_CHARACTERISTICS (DWORD_CHARACTERISTICS
    # out); the responses come back in reverse order
    c.send(True, co_request(100, 0, 73, ctl_request(0x01000029, out_size=64)))
    c.send(True, co_request(101, 0, 73, ctl_request(0x01000005, out_size=4)))
    c.send(False, co_response(101, 0, ctl_response(u32(0x00000081), 4)))
    c.send(False, co_response(100, 0, ctl_response(wz('Disk Z'), 64)))
    cid['flight_name'], cid['flight_chars'] = 100, 101
    path = os.path.join(scratch, 'ctl.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    return path, cid


class Calls:
    """Frames of the byte-level capture by call name: .req(name), .rsp(name)."""

    def __init__(self, tshark, path, cid):
        self.frames = pdml(tshark, path, 'cmrp')
        rows = tshark.fields(path, ['frame.number', 'dcerpc.cn_call_id', 'dcerpc.pkt_type',
                                    '_ws.col.Info'], 'cmrp')
        self.by = {}
        self.info = {}
        for r in rows:
            num, call, ptype = int(r[0][0]), int(r[1][0]), int(r[2][0])
            self.by[(call, ptype)] = num
            self.info[num] = r[3][0]
        self.cid = cid

    def req(self, name):
        return self.frames[self.by[(self.cid[name], 0)]]

    def rsp(self, name):
        return self.frames[self.by[(self.cid[name], 2)]]

    def req_info(self, name):
        return self.info[self.by[(self.cid[name], 0)]]

    def rsp_info(self, name):
        return self.info[self.by[(self.cid[name], 2)]]


@pytest.fixture(scope='module')
def ctl(tshark, ctl_pcap):
    return Calls(tshark, *ctl_pcap)


def test_worked_example_0x0150004e(ctl):
    """CLUSCTL_RESOURCE_STATE_CHANGE_REASON: object 1, not global, modify, not user, internal,
    function 0x13, access write."""
    for name in ('worked', 'worked_node'):
        f = ctl.req(name)
        assert f.show('cmrp.ctl.code') == ['0x0150004e']
        assert f.show('cmrp.ctl.object') == ['0x00000001']
        assert f.display('cmrp.ctl.object') == ['CLUS_OBJECT_RESOURCE (0x01)']
        assert f.show('cmrp.ctl.global') == ['0']
        assert f.display('cmrp.ctl.global') == ['CLUS_NOT_GLOBAL']
        assert f.show('cmrp.ctl.modify') == ['1']
        assert f.display('cmrp.ctl.modify') == ['CLUS_MODIFY']
        assert f.show('cmrp.ctl.user') == ['0']
        assert f.display('cmrp.ctl.user') == ['CLCTL_CLUSTER_BASE']
        assert f.show('cmrp.ctl.internal') == ['1']
        assert f.display('cmrp.ctl.internal') == ['Internal']
        assert f.show('cmrp.ctl.function') == ['0x00000013']
        assert f.display('cmrp.ctl.function') == ['0x00013']
        assert f.show('cmrp.ctl.access') == ['2']
        assert f.display('cmrp.ctl.access') == ['CLUS_ACCESS_WRITE (2)']
        assert f.text('cmrp.ctl.code') == [
            'Control code: CLUSCTL_RESOURCE_STATE_CHANGE_REASON (0x0150004e), Object: '
            'CLUS_OBJECT_RESOURCE, Modify, Internal, Access: CLUS_ACCESS_WRITE']
    # and its buffer (SDK CLUSCTL_RESOURCE_STATE_CHANGE_REASON_STRUCT)
    assert ctl.req('worked').display('cmrp.ctl.reason') == ['eResourceStateChangeReasonShutdown (4)']
    assert ctl.req('worked_node').display('cmrp.ctl.reason') == ['eResourceStateChangeReasonMove (1)']


def test_internal_code_from_client(ctl):
    for name in ('worked', 'worked_node'):
        f = ctl.req(name)
        assert f.has('cmrp.ctl.internal_from_client'), name
        assert f.experts() == ['Internal control code 0x0150004e sent by a client: applications '
                               'must not use internal control codes'], name
        # the response carries no such warning
        assert not ctl.rsp(name).has('cmrp.ctl.internal_from_client')


def test_object_mismatch(ctl):
    f = ctl.req('mismatch')
    assert f.has('cmrp.ctl.object_mismatch')
    assert f.experts() == ['Control code for CLUS_OBJECT_GROUP sent to a CLUS_OBJECT_RESOURCE '
                           'control method (opnum 73)']
    # codes of the right family do not raise it, nor do user-defined ones
    for name in ('worked', 'worked_node', 'user', 'fmt_unknown', 'pwdex', 'pool'):
        assert not ctl.req(name).has('cmrp.ctl.object_mismatch'), name


def test_bytes_returned_too_large(ctl):
    f = ctl.rsp('returned')
    assert f.display('cmrp.ctl.bytes_returned') == ['16']
    assert f.has('cmrp.ctl.bytes_returned_too_large')
    assert 'lpBytesReturned 16 exceeds nOutBufferSize 8' in f.experts()
    # the 8 bytes that came are still decoded by the code (GET_NAME: a string)
    assert f.display('cmrp.ctl.string') == ['abc']
    for name in ('worked', 'pool', 'flight_name'):
        assert not ctl.rsp(name).has('cmrp.ctl.bytes_returned_too_large'), name


def test_unknown_code(ctl):
    req, rsp = ctl.req('unknown'), ctl.rsp('unknown')
    assert req.display('cmrp.ctl.object') == ['CLUS_OBJECT_RESOURCE (0x01)']
    assert req.display('cmrp.ctl.function') == ['0x03ffc']
    assert req.display('cmrp.ctl.access') == ['CLUS_ACCESS_READ (1)']
    assert req.show('cmrp.ctl.internal') == ['0'] and req.show('cmrp.ctl.user') == ['0']
    assert req.has('cmrp.ctl.unknown_code')
    assert req.experts() == ['Unknown control code 0x0100fff1',
                             'Unknown control code 0x0100fff1: buffer not decoded']
    assert req.display('cmrp.ctl.data') == ['01020304']
    assert rsp.display('cmrp.ctl.data') == ['0506']
    assert ctl.req_info('unknown') == 'ApiResourceControl request 0x0100fff1'
    assert ctl.rsp_info('unknown') == 'ApiResourceControl response 0x0100fff1'


def test_user_defined_code(ctl):
    f = ctl.req('user')
    assert f.show('cmrp.ctl.code') == ['0x01e00006']
    assert f.display('cmrp.ctl.object') == ['CLUS_OBJECT_RESOURCE (0x01)']
    assert f.display('cmrp.ctl.global') == ['CLUS_GLOBAL']
    assert f.display('cmrp.ctl.modify') == ['CLUS_MODIFY']
    assert f.display('cmrp.ctl.user') == ['CLCTL_USER_BASE (user-defined)']
    assert f.display('cmrp.ctl.internal') == ['External']
    assert f.display('cmrp.ctl.function') == ['0x00001']
    assert f.display('cmrp.ctl.access') == ['CLUS_ACCESS_WRITE (2)']
    # user-defined codes are expected to be unknown: no warning, the buffer as bytes
    assert f.experts() == []
    assert f.display('cmrp.ctl.data') == ['aabb']


BYTES_CALL = {0x010000C9: 'fmt_unknown', 0x01500052: 'fmt_internal'}


@pytest.mark.parametrize('key', sorted(k for k, c in FORMAT_CASES.items() if c['capture'] == 'bytes'),
                         ids=lambda k: '%s-%s' % k)
def test_bytes_format(key, ctl):
    """UNKNOWN and INTERNAL formats: the buffer is one bytes item (the scenario sends none)."""
    c = FORMAT_CASES[key]
    name = BYTES_CALL[c['code']]
    f = ctl.req(name) if key[0] == 'in' else ctl.rsp(name)
    check(f, c, name)
    assert len(f.show('cmrp.ctl.data')) == 1


def test_undocumented_expert(ctl):
    assert ctl.req('fmt_unknown').experts() == ['Buffer format of this control code is not documented']
    assert ctl.rsp('fmt_unknown').experts() == ['Buffer format of this control code is not documented']
    assert ctl.req('fmt_unknown').has('cmrp.ctl.undocumented_format')
    assert ctl.req('fmt_internal').experts() == ['Internal control code 0x01500052 sent by a client: '
                                                 'applications must not use internal control codes']


def test_error_more_data_bytes(ctl):
    f = ctl.rsp('more_data')
    assert f.display('cmrp.lpcbrequired') == ['1234']
    assert f.display('cmrp.ctl.bytes_returned') == ['0']
    assert f.display('cmrp.rc') == ['ERROR_MORE_DATA (0x000000ea)']
    for field in BUFFER_FIELDS:
        assert not f.has(field)
    assert ctl.rsp_info('more_data') == ('ApiResourceControl response ERROR_MORE_DATA '
                                         'CLUSCTL_RESOURCE_GET_COMMON_PROPERTIES')


def test_netname_pwd_infoex(ctl):
    f = ctl.req('pwdex')
    assert f.display('cmrp.ctl.pwd.flags') == ['0x00000001, GUID_PRESENT']
    assert f.display('cmrp.ctl.pwd.flags.guid_present') == ['Set']
    assert f.display('cmrp.ctl.pwd.flags.createdc_present') == ['Not set']
    assert f.display('cmrp.ctl.pwd.password') == ['S3cret-Ex']
    assert f.display('cmrp.ctl.pwd.creating_dc') == ['\\\\DC02.cmrp.test']
    assert f.display('cmrp.ctl.pwd.object_guid') == ['{11112222-3333-4444-5555-666677778888}']
    assert f.experts() == []


def test_netname_pwd_info_too_short(ctl):
    f = ctl.req('pwd_short')
    assert f.has('cmrp.ctl.bad_size')
    assert f.experts() == ['CLUS_NETNAME_PWD_INFO needs 680 bytes, the buffer has 568']
    assert not f.has('cmrp.ctl.pwd.password')


def test_pool_drive_array(ctl):
    f = ctl.rsp('pool')
    assert f.text('cmrp.ctl.pool.drive') == ['Pool drive: PhysicalDisk7', 'Pool drive: PhysicalDisk8']
    assert f.display('cmrp.ctl.pool.drive_name') == ['PhysicalDisk7', 'PhysicalDisk8']
    assert f.display('cmrp.ctl.pool.health') == ['SpHealthUnhealthy (1)', 'SpHealthWarning (2)']
    assert f.display('cmrp.ctl.pool.state') == ['SpDriveStateIOError (6)', 'SpDriveStateStaleMetadata (5)']
    assert f.display('cmrp.ctl.pool.total_capacity') == [str(2 << 40), str(3 << 40)]
    assert f.display('cmrp.ctl.pool.consumed_capacity') == [str(1 << 39), '0']
    assert f.display('cmrp.ctl.pool.usage') == ['SpDriveUsageSpare (3)', 'SpDriveUsageJournal (4)']
    assert f.display('cmrp.ctl.pool.bus_type') == ['BusTypeSas (10)', 'Unknown (17)']
    assert f.display('cmrp.ctl.pool.slot') == ['7', '8']
    assert f.display('cmrp.ctl.pool.enclosure_name') == ['JBOD A', 'JBOD B']
    assert not f.has('cmrp.ctl.trailing')
    assert f.experts() == []


def test_request_info_names_code(ctl):
    assert ctl.req_info('worked') == 'ApiResourceControl request CLUSCTL_RESOURCE_STATE_CHANGE_REASON'
    assert ctl.req_info('mismatch') == 'ApiResourceControl request CLUSCTL_GROUP_GET_CHARACTERISTICS'
    assert ctl.req_info('user') == 'ApiNodeResourceControl request 0x01e00006'
    assert ctl.req_info('pwdex') == 'ApiResourceControl request CLUSCTL_RESOURCE_NETNAME_SET_PWD_INFOEX'


def test_calls_in_flight(ctl):
    """Two requests, then their responses in reverse order: each response is decoded by the
    code of its own request."""
    assert ctl.by[(100, 0)] < ctl.by[(101, 0)] < ctl.by[(101, 2)] < ctl.by[(100, 2)]
    assert ctl.req_info('flight_name') == 'ApiResourceControl request CLUSCTL_RESOURCE_GET_NAME'
    assert ctl.req_info('flight_chars') == 'ApiResourceControl request CLUSCTL_RESOURCE_GET_CHARACTERISTICS'
    assert ctl.rsp_info('flight_chars') == 'ApiResourceControl response CLUSCTL_RESOURCE_GET_CHARACTERISTICS'
    assert ctl.rsp_info('flight_name') == 'ApiResourceControl response CLUSCTL_RESOURCE_GET_NAME'
    chars, name = ctl.rsp('flight_chars'), ctl.rsp('flight_name')
    assert chars.display('cmrp.ctl.characteristics') == [
        '0x00000081, CLUS_CHAR_QUORUM, CLUS_CHAR_SINGLE_GROUP_INSTANCE']
    assert chars.display('cmrp.ctl.characteristics.quorum') == ['True']
    assert chars.display('cmrp.ctl.characteristics.single_group_instance') == ['True']
    assert not chars.has('cmrp.ctl.string')
    assert name.display('cmrp.ctl.string') == ['Disk Z']
    assert not name.has('cmrp.ctl.characteristics')


def test_no_malformed(tshark, ctl_pcap, ctl):
    """Only the deliberately short structures are malformed (an expert info of group Malformed)."""
    bad = {int(r[0][0]) for r in tshark.fields(ctl_pcap[0], ['frame.number'], '_ws.malformed')}
    assert bad == {ctl.by[(ctl.cid['pwd_short'], 0)], ctl.by[(ctl.cid['diskid_short'], 2)],
                   ctl.by[(ctl.cid['ou_overrun'], 2)]}


def test_is_csv_file_has_no_output_buffer(calls, corpus_frames):
    """Issue 12, corrected fact: MS-CMRP 3.1.4.3.2.31 gives CLUSCTL_RESOURCE_TYPE_STORAGE_IS_CSV_FILE
    a path string in and no output buffer (the table said a DWORD boolean out). Bytes the server
    returns anyway are data this code does not use, not a boolean."""
    row = [r for r in load_tsv() if r['code'] == 0x01000229]
    assert [(r['name'], r['in'], r['out']) for r in row] == [
        ('CLUSCTL_RESOURCE_TYPE_STORAGE_IS_CSV_FILE', 'SZ', 'NONE')]
    frame = corpus_frames[corpus_frame_of(calls, 'out', 0x01000229, 0)]
    assert frame.display('cmrp.ctl.data') == ['01000000']
    assert frame.experts() == ['Data in a buffer this control code does not use']


def test_maintenance_signature_checked(ctl):
    f = ctl.req('maint_badsig')
    assert f.display('cmrp.ctl.maint.signature') == ['0x12345678']
    assert f.display('cmrp.ctl.maint.type') == ['MaintenanceModeTypeDisableIsAliveCheck (1)']
    assert f.experts() == ['Signature is not 0xABBAF00F']


def test_diskid_short_guid_and_signature(ctl):
    short = ctl.rsp('diskid_short')
    assert short.display('cmrp.ctl.diskid.type') == ['DiskIdGuid (0x00000002)']
    assert short.experts() == ['CLUSDSK_DISKID with a GUID needs 20 bytes, the buffer has 12']
    assert not short.has('cmrp.ctl.diskid.guid')
    sig = ctl.rsp('diskid_sig')
    assert sig.display('cmrp.ctl.diskid.type') == ['DiskIdSignature (0x00000001)']
    assert sig.display('cmrp.ctl.diskid.signature') == ['0xa1b2c3d4']
    assert sig.display('cmrp.ctl.data') == ['00' * 12]
    assert sig.experts() == []


def test_ou_output_size_overrun(ctl):
    f = ctl.rsp('ou_overrun')
    assert f.display('cmrp.ctl.ou.has_access') == ['1']
    assert f.display('cmrp.ctl.ou.size') == ['100']
    assert f.display('cmrp.ctl.ou.name') == ['OU=x']
    assert f.experts() == ['OUSize 100, only 10 bytes follow']
    req = ctl.req('ou_overrun')
    assert req.display('cmrp.ctl.ou.version') == ['1']
    assert req.display('cmrp.ctl.ou.permissions') == ['0x00000010']
    assert req.display('cmrp.ctl.ou.object_class') == ['03020100-0504-0706-0809-0a0b0c0d0e0f']


def test_dword_array_with_trailing_bytes(ctl):
    f = ctl.rsp('dirty')
    assert f.display('cmrp.ctl.dword') == ['3 (0x00000003)', '5 (0x00000005)']
    assert f.display('cmrp.ctl.trailing') == ['0102']
    assert f.experts() == ['Data after the end of the structure']
