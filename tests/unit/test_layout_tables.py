"""Issues 16 and 12: the structure layouts of the plugin are data (cmrp_layout_t tables interpreted
by plugin/cmrp-layout.c). Read those tables from the C source and check each one against the field
table of the section it cites: fields back to back from offset 0, each of its spec width, ending
exactly at the structure's size, and the size the spec gives. The control-buffer structures are
rows of idl/tables/ctllayouts.tsv, the property-list value structures rows of
idl/tables/proplayouts.tsv (read with the generator's own parser, idl/gen/gen_layouts.py).
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCES = ['plugin/packet-cmrp-proplist.c']
CTL_TABLE = 'idl/tables/ctllayouts.tsv'
PROP_TABLE = 'idl/tables/proplayouts.tsv'
sys.path.insert(0, os.path.join(ROOT, 'idl', 'gen'))
import gen_layouts  # noqa: E402

# name -> (source cited, size, [(field hf, width)]), from the spec's field tables
SPEC = {
    # MS-CMRP 2.2.3.7: Class (4), SubClass (4)
    'CLUS_RESOURCE_CLASS_INFO': ('MS-CMRP 2.2.3.7', 8, None),
    # the SDK's CLUSPROP_RESOURCE_CLASS: the class alone
    'CLUSPROP_RESOURCE_CLASS, class only': ('SDK ClusAPI.h', 4, [('hf_prop_resclass', 4)]),
    # MS-CMRP 2.2.3.8: PortNumber, PathId, TargetId, Lun (1 each)
    'CLUS_SCSI_ADDRESS': ('MS-CMRP 2.2.3.8', 4, [('hf_scsi_port', 1), ('hf_scsi_path_id', 1),
                                                 ('hf_scsi_target_id', 1), ('hf_scsi_lun', 1)]),
    # MS-CMRP 2.2.3.9: dwFlags 4, szDeviceName 520, szVolumeLabel 520, dwSerialNumber 4,
    # rgdwMaximumComponentLength 4, dwFileSystemFlags 4, szFileSystem 64
    'CLUS_PARTITION_INFO': ('MS-CMRP 2.2.3.9', 1120, [
        ('hf_part_flags', 4), ('hf_part_device_name', 520), ('hf_part_volume_label', 520),
        ('hf_part_serial_number', 4), ('hf_part_max_component_length', 4), ('hf_part_fs_flags', 4),
        ('hf_part_file_system', 64)]),
    # 2.2.3.11 adds TotalSizeInBytes 8, FreeSizeInBytes 8, DeviceNumber 4, PartitionNumber 4,
    # VolumeGuid 16
    'CLUS_PARTITION_INFO_EX': ('MS-CMRP 2.2.3.11', 1160, None),
    # 2.2.3.45 adds GptPartitionId 16, szPartitionName 520, EncryptionFlags 4
    'CLUS_PARTITION_INFO_EX2': ('MS-CMRP 2.2.3.45', 1700, None),
    # MS-CMRP 2.2.3.18: VolumeOffset 8, PartitionNumber 4, FaultState 4, BackupState 4,
    # szVolumeFriendlyName 520, szVolumeName 100
    'CLUS_CSV_VOLUME_INFO': ('MS-CMRP 2.2.3.18', 640, [
        ('hf_csv_volume_offset', 8), ('hf_csv_partition_number', 4), ('hf_csv_fault_state', 4),
        ('hf_csv_backup_state', 4), ('hf_csv_friendly_name', 520), ('hf_csv_volume_name', 100)]),
    # SDK ClusAPI.h: dwRootSignature 4, dwFtType 4
    'CLUS_FTSET_INFO': ('SDK ClusAPI.h', 8, [('hf_prop_ftset_root_signature', 4),
                                             ('hf_prop_ftset_type', 4)]),
    # MS-CSVP 2.2.9: Version 4, Size 4, NumberOfIdentifiers 4 (then the identifiers)
    'STORAGE_DEVICE_ID_DESCRIPTOR': ('MS-CSVP 2.2.9', 12, [
        ('hf_sdid_version', 4), ('hf_sdid_size', 4), ('hf_sdid_count', 4)]),
    # MS-CSVP 2.2.10: CodeSet 4, Type 4, IdentifierSize 2, NextOffset 2, Association 4 (then the
    # identifier)
    'STORAGE_IDENTIFIER': ('MS-CSVP 2.2.10', 16, [
        ('hf_sdid_code_set', 4), ('hf_sdid_type', 4), ('hf_sdid_identifier_size', 2),
        ('hf_sdid_next_offset', 2), ('hf_sdid_association', 4)]),
    # ---- the control-code buffers (packet-cmrp-ctl.c) ----
    'DWORD': ('MS-DTYP 2.2.9', 4, [('hf_ctl_dword', 4)]),
    'CLUS_CHARACTERISTICS': ('MS-CMRP 2.2.2.4', 4, [('hf_ctl_characteristics', 4)]),
    'CLUS_FLAGS': ('MS-CMRP 2.2.2.5', 4, [('hf_ctl_flags', 4)]),
    'CLUSTER_QUORUM_VALUE': ('MS-CMRP 2.2.2.10', 4, [('hf_ctl_quorum', 4)]),
    # MS-CMRP 2.2.3.13: Flags 4, Password 32, CreatingDC 516, ObjectGuid 128
    'CLUS_NETNAME_PWD_INFO': ('MS-CMRP 2.2.3.13', 680, [
        ('hf_ctl_pwd_flags', 4), ('hf_ctl_pwd_password', 32), ('hf_ctl_pwd_creating_dc', 516),
        ('hf_ctl_pwd_object_guid', 128)]),
    # MS-CMRP 2.2.3.62: the same with a 256-byte Password
    'CLUS_NETNAME_PWD_INFOEX': ('MS-CMRP 2.2.3.62', 904, [
        ('hf_ctl_pwd_flags', 4), ('hf_ctl_pwd_password', 256), ('hf_ctl_pwd_creating_dc', 516),
        ('hf_ctl_pwd_object_guid', 128)]),
    # MS-CMRP 2.2.3.14: InMaintenance 4; 2.2.3.15 adds MaintainenceModeType 4, InternalState 4,
    # Signature 4
    'CLUS_MAINTENANCE_MODE_INFO': ('MS-CMRP 2.2.3.14', 4, [('hf_ctl_maint_in_maintenance', 4)]),
    'CLUS_MAINTENANCE_MODE_INFO_EX': ('MS-CMRP 2.2.3.15', 16, [
        ('hf_ctl_maint_in_maintenance', 4), ('hf_ctl_maint_type', 4),
        ('hf_ctl_maint_internal_state', 4), ('hf_ctl_maint_signature', 4)]),
    # MS-CMRP 2.2.3.16: dwPartitionNumber 4, dwDriveLetterMask 4
    'CLUS_STORAGE_SET_DRIVELETTER': ('MS-CMRP 2.2.3.16', 8, [
        ('hf_ctl_partition_number', 4), ('hf_ctl_drive_mask', 4)]),
    # MS-CMRP 2.2.3.12: CurrentDriveLetterMask 4, TargetDriveLetterMask 4
    'CLUS_STORAGE_REMAP_DRIVELETTER': ('MS-CMRP 2.2.3.12', 8, [
        ('hf_ctl_current_drive_mask', 4), ('hf_ctl_target_drive_mask', 4)]),
    # MS-CMRP 2.2.3.19: InMaintenance 4, VolumeName 520
    'CLUS_CSV_MAINTENANCE_MODE_INFO': ('MS-CMRP 2.2.3.19', 524, [
        ('hf_ctl_maint_in_maintenance', 4), ('hf_ctl_volume_name', 520)]),
    # MS-CMRP 2.2.3.20: BackupState 4, DelayTimerInSecs 4, VolumeName 520
    'CLUS_SHARED_VOLUME_BACKUP_MODE': ('MS-CMRP 2.2.3.20', 528, [
        ('hf_ctl_backup_state', 4), ('hf_ctl_delay_timer', 4), ('hf_ctl_volume_name', 520)]),
    # MS-CMRP 2.2.3.31: DriveName 512, IncursSeekPenalty 1, Padding 3, DriveHealth 4, DriveState 4,
    # TotalCapacity 8, ConsumedCapacity 8, Usage 4, BusType 4, Slot 4, EnclosureName 2048
    'CLUS_POOL_DRIVE_INFO': ('MS-CMRP 2.2.3.31', 2600, [
        ('hf_ctl_pool_drive_name', 512), ('hf_ctl_pool_seek_penalty', 1), ('hf_ctl_pool_padding', 3),
        ('hf_ctl_pool_health', 4), ('hf_ctl_pool_state', 4), ('hf_ctl_pool_total_capacity', 8),
        ('hf_ctl_pool_consumed_capacity', 8), ('hf_ctl_pool_usage', 4), ('hf_ctl_pool_bus_type', 4),
        ('hf_ctl_pool_slot', 4), ('hf_ctl_pool_enclosure_name', 2048)]),
    # MS-CMRP 2.2.3.33: DiskIdType 4, then a 16-byte union: DiskSignature 4 or DiskGuid 16
    'CLUSDSK_DISKID': ('MS-CMRP 2.2.3.33', 8, [('hf_ctl_diskid_type', 4), ('hf_ctl_diskid_signature', 4)]),
    'CLUSDSK_DISKID with a GUID': ('MS-CMRP 2.2.3.33', 20, [
        ('hf_ctl_diskid_type', 4), ('hf_ctl_diskid_guid', 16)]),
    # MS-CMRP 2.2.3.34: dwVersion 4, dwPermissions 4, ObjectClassGuid 16
    'CLUSCTL_RESOURCE_NETNAME_CHECK_OU_PERMISSIONS_INPUT': ('MS-CMRP 2.2.3.34', 24, [
        ('hf_ctl_ou_version', 4), ('hf_ctl_ou_permissions', 4), ('hf_ctl_ou_object_class', 16)]),
    # MS-CMRP 2.2.3.35: HasAccess 4, DefaultOU 4, OUSize 4 (then the OU name)
    'CLUSCTL_RESOURCE_NETNAME_CHECK_OU_PERMISSIONS_OUTPUT': ('MS-CMRP 2.2.3.35', 12, [
        ('hf_ctl_ou_has_access', 4), ('hf_ctl_ou_default_ou', 4), ('hf_ctl_ou_size', 4)]),
    # MS-CMRP 2.2.3.36: DataDiskGuid 16, IncludeOfflineDisks 1, then padding to 20
    'SR_RESOURCE_TYPE_QUERY_ELIGIBLE_LOGDISKS': ('MS-CMRP 2.2.3.36', 20, [
        ('hf_ctl_sr_data_disk_guid', 16), ('hf_ctl_sr_include_offline', 1), ('hf_ctl_sr_reserved', 3)]),
    # MS-CMRP 2.2.3.38: SourceDataDiskGuid 16, SkipConnectivityCheck 1, IncludeOfflineDisks 1
    'SR_RESOURCE_TYPE_QUERY_ELIGIBLE_TARGET_DATADISKS': ('MS-CMRP 2.2.3.38', 20, [
        ('hf_ctl_sr_source_disk_guid', 16), ('hf_ctl_sr_skip_connectivity', 1),
        ('hf_ctl_sr_include_offline', 1), ('hf_ctl_sr_reserved', 2)]),
    # MS-CMRP 2.2.3.39: DataDiskGuid 16, IncludeAvailableStoargeDisks 1
    'SR_RESOURCE_TYPE_QUERY_ELIGIBLE_SOURCE_DATADISKS': ('MS-CMRP 2.2.3.39', 20, [
        ('hf_ctl_sr_source_disk_guid', 16), ('hf_ctl_sr_include_available', 1),
        ('hf_ctl_sr_reserved', 3)]),
    # MS-CMRP 2.2.3.37 / 2.2.3.41: Count 2, Reserved1 2 (then the elements)
    'SR_RESOURCE_TYPE_ELIGIBLE_DISKS_RESULT': ('MS-CMRP 2.2.3.37', 4, [
        ('hf_ctl_sr_count', 2), ('hf_ctl_sr_reserved', 2)]),
    'SR_RESOURCE_TYPE_REPLICATED_DISKS_RESULT': ('MS-CMRP 2.2.3.41', 4, [
        ('hf_ctl_sr_count', 2), ('hf_ctl_sr_reserved', 2)]),
    # MS-CMRP 2.2.3.40: Type 4, ClusterDiskResourceGuid 16, ReplicationGroupId 16,
    # ReplicationGroupName 520
    'SR_RESOURCE_TYPE_REPLICATED_DISK': ('MS-CMRP 2.2.3.40', 556, [
        ('hf_ctl_sr_disk_type', 4), ('hf_ctl_sr_cluster_disk_guid', 16), ('hf_ctl_sr_group_id', 16),
        ('hf_ctl_sr_group_name', 520)]),
    # MS-CMRP 2.2.3.44: DiskNumber 4, BytesPerSector 4
    'CLUS_DISK_NUMBER_INFO': ('MS-CMRP 2.2.3.44', 8, [
        ('hf_ctl_disk_number', 4), ('hf_ctl_bytes_per_sector', 4)]),
    # MS-CMRP 2.2.3.43: dwOSSize 4, dwOSVersionSize 4 (then the strings)
    'OS_AND_OS_VERSION_INFO': ('MS-CMRP 2.2.3.43', 8, [('hf_ctl_os_size', 4), ('hf_ctl_os_version_size', 4)]),
    'disk signature (unsigned long)': ('MS-CMRP 2.2.2.3', 4, [('hf_prop_disk_signature', 4)]),
    'disk number (unsigned long)': ('MS-CMRP 2.2.2.3', 4, [('hf_prop_disk_number', 4)]),
    'disk size (ULARGE_INTEGER)': ('MS-CMRP 2.2.2.3', 8, [('hf_prop_disk_size', 8)]),
}

FIELD = re.compile(r'\{\s*&(hf_\w+),\s*(\d+),\s*(\d+),\s*CMRP_LF_\w+')
DEFINE_NUM = re.compile(r'^#define\s+(\w+)\s+(\d+)\b', re.M)
DEFINE_FIELDS = re.compile(r'^#define\s+(\w+)\s*\\\n((?:.*\\\n)*.*\n)', re.M)
TABLE = re.compile(r"static const cmrp_layout_field_t\s+(\w+)\[\]\s*=\s*\{(.*?)\};", re.S)
LAYOUT = re.compile(r'static const cmrp_layout_t\s+\w+\s*=\s*\{\s*"([^"]+)",\s*"([^"]+)",\s*(\w+),\s*'
                    r'[^,]+,\s*(\w+)\s*\};', re.S)



def layouts():
    """[(file, name, source, size, [(hf, offset, length)])] of every cmrp_layout_t in the plugin."""
    out = []
    for rel in SOURCES:
        src = open(os.path.join(ROOT, rel)).read()
        nums = {k: int(v) for k, v in DEFINE_NUM.findall(src)}
        macros = {k: FIELD.findall(body) for k, body in DEFINE_FIELDS.findall(src)}
        tables = {}
        for name, body in TABLE.findall(src):
            fields = []
            for tok in re.findall(r'\{\s*&hf_\w+,[^}]*\}|\b[A-Z][A-Z0-9_]*_FIELDS\b', body):
                fields += macros[tok] if tok in macros else FIELD.findall(tok)
            tables[name] = [(hf, int(o), int(n)) for hf, o, n in fields]
        for name, source, size, table in LAYOUT.findall(src):
            size = int(size) if size.isdigit() else nums[size]
            out.append((rel, name, source, size, tables[table]))
    for table in (CTL_TABLE, PROP_TABLE):
        for _, name, source, size, fields, _ in gen_layouts.parse(os.path.join(ROOT, table)):
            out.append((table, name, source, size, [(hf, o, n) for hf, o, n, *_ in fields]))
    return out


def test_tables_found():
    names = [name for _, name, _, _, _ in layouts()]
    assert set(SPEC) <= set(names), set(SPEC) - set(names)
    ctl = [name for rel, name, _, _, _ in layouts() if rel == CTL_TABLE]
    assert len(ctl) >= 30 and len(set(ctl)) == len(ctl), ctl


def test_every_layout_cites_a_source():
    for rel, name, source, _, _ in layouts():
        assert re.match(r'(MS-[A-Z]+ \d+(\.\d+)+|SDK \w+\.h)$', source), (rel, name, source)


def test_ctl_decodes_no_structure_by_literal_offsets():
    """Issue 12: the control-code module has no proto_tree_add_item at a numeric offset other than
    0 (the start of a buffer); structures are tables."""
    src = open(os.path.join(ROOT, 'plugin/packet-cmrp-ctl.c')).read()
    hits = re.findall(r'proto_tree_add_item\w*\([^;]*?tvb,\s*([1-9]\d*|o \+ \d+)\s*,', src)
    assert hits == [], hits


def test_each_layout_matches_its_spec_table():
    for rel, name, source, size, fields in layouts():
        where = '%s: %s' % (rel, name)
        if name not in SPEC:
            continue
        want_source, want_size, want_fields = SPEC[name]
        assert source == want_source, where
        assert size == want_size, where
        # back to back from 0, ending at the size
        end = 0
        for hf, off, length in fields:
            assert off == end, (where, hf, off, end)
            end = off + length
        assert end == size, (where, end, size)
        if want_fields is not None:
            assert [(hf, n) for hf, _, n in fields] == want_fields, where


def test_partition_layouts_extend_each_other():
    """2.2.3.11 and 2.2.3.45: each form starts with every field of the one before."""
    by = {name: fields for _, name, _, _, fields in layouts()}
    base, ex, ex2 = (by['CLUS_PARTITION_INFO'], by['CLUS_PARTITION_INFO_EX'],
                     by['CLUS_PARTITION_INFO_EX2'])
    assert ex[:len(base)] == base and ex2[:len(ex)] == ex
    assert [(hf, n) for hf, _, n in ex[len(base):]] == [
        ('hf_part_total_size', 8), ('hf_part_free_size', 8), ('hf_part_device_number', 4),
        ('hf_part_partition_number', 4), ('hf_part_volume_guid', 16)]
    assert [(hf, n) for hf, _, n in ex2[len(ex):]] == [
        ('hf_part_gpt_partition_id', 16), ('hf_part_partition_name', 520), ('hf_part_encryption', 4)]


def test_class_info_is_one_layout_in_both_modules():
    """CLUS_RESOURCE_CLASS_INFO has the same shape in the value-list and control-code decoders."""
    shapes = {rel: [(o, n) for _, o, n in fields] for rel, name, _, _, fields in layouts()
              if name == 'CLUS_RESOURCE_CLASS_INFO'}
    assert shapes == {PROP_TABLE: [(0, 4), (4, 4)], CTL_TABLE: [(0, 4), (4, 4)]}


def test_property_value_structures_are_data():
    """Issue 12: the structures property values carry are rows of idl/tables/proplayouts.tsv; the
    module defines no layout by hand, and the rows keep their own subtree and summary separator."""
    src = open(os.path.join(ROOT, 'plugin/packet-cmrp-proplist.c')).read()
    assert TABLE.findall(src) == [] and LAYOUT.findall(src) == []
    assert '#include "cmrp-prop-layouts.h"' in src
    rows = {var: (sep, fields) for var, _, _, _, fields, sep in
            gen_layouts.parse(os.path.join(ROOT, PROP_TABLE))}
    assert rows['layout_scsi_address'][0] == ':'
    etts = {f[0]: f[6] for _, fields in rows.values() for f in fields if f[3] == 'BITMASK'}
    assert etts == {'hf_prop_subclass': 'ett_prop_subclass', 'hf_part_flags': 'ett_part_flags',
                    'hf_part_encryption': 'ett_part_encryption'}


def test_ctl_layout_hfs_exist():
    """Every hf_ a row of ctllayouts.tsv names is a field of packet-cmrp-ctl.c (its field table,
    idl/tables/fields-ctl.tsv; the build would fail too; this says which row)."""
    src = open(os.path.join(ROOT, 'idl/tables/fields-ctl.tsv')).read()
    declared = set(re.findall(r'^field\t(hf_\w+)\t', src, re.M))
    for _, name, _, _, fields in layouts():
        for hf, _, _ in fields:
            if hf.startswith('hf_ctl_'):
                assert hf in declared, (name, hf)


def test_generator_rejects_a_field_past_its_structure(tmp_path):
    bad = tmp_path / 'bad.tsv'
    bad.write_text('struct\tlay_x\tX\tMS-CMRP 2.2.3.1\t4\nfield\thf_x\t2\t4\tUINT\t-\t-\n')
    p = subprocess.run([sys.executable, os.path.join(ROOT, 'idl/gen/gen_layouts.py'), str(bad), 'ett_x',
                        str(tmp_path / 'out.h')], stderr=subprocess.PIPE, text=True)
    assert p.returncode == 1 and 'ends at 6, past the 4 bytes of lay_x' in p.stderr
