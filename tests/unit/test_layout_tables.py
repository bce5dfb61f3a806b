"""Issue 16: the structure layouts of the plugin are data (cmrp_layout_t tables interpreted by
plugin/cmrp-layout.c). Read those tables from the C source and check each one against the field
table of the section it cites: fields back to back from offset 0, each of its spec width, ending
exactly at the structure's size, and the size the spec gives.
"""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCES = ['plugin/packet-cmrp-proplist.c', 'plugin/packet-cmrp-ctl.c']

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
    return out


def test_tables_found():
    names = {name for _, name, _, _, _ in layouts()}
    assert set(SPEC) <= names, set(SPEC) - names


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
    assert shapes == {'plugin/packet-cmrp-proplist.c': [(0, 4), (4, 4)],
                      'plugin/packet-cmrp-ctl.c': [(0, 4), (4, 4)]}
