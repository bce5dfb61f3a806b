"""Issue 12, item 1: the tables of the hand modules (plugin/*.c, *.h) come from idl/, not from
copies.

- no hand file defines a value_string / true_false_string / range_string that names a value of an
  idl/ enum, and the hand files define at most 10 tables in all (the Win32 error list of
  cmrp-errors.c is data from the SDK's winerror.h, not an MS-CMRP enum, and stays there);
- notifications and property lists use the IDL's tables, constants, opnums and parameter names;

- no value_string / true_false_string of those modules names a value that an idl/ enum has;
- the enums they use are the IDL's (cmrp_vs_<ENUM>, CMRP_<VALUE>, cmrp_bits_<ENUM> of cmrp-gen.h),
  and their opnums are the generated CMRP_OPNUM_<Method> constants;
- CLUS_CHARACTERISTICS holds the spec's 13 values (MS-CMRP 2.2.2.4) and the SDK's 7 more, each
  marked with its source, and the plugin registers one bit field per bit.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'idl', 'gen'))
sys.path.insert(0, os.path.join(ROOT, 'tests'))
import cmrpidl  # noqa: E402

MODULES = ['packet-cmrp-ctl.c', 'packet-cmrp-reg.c', 'packet-cmrp-notify.c', 'packet-cmrp-proplist.c']
HAND_FILES = sorted(f for f in os.listdir(os.path.join(ROOT, 'plugin')) if f.endswith(('.c', '.h')))
IFACE = cmrpidl.parse_idl(os.path.join(ROOT, 'idl', 'clusapi.idl'))
ENUMS = {n: td for n, td in IFACE.types.items() if td.kind == 'enum'}
IDL_NAMES = {v for td in ENUMS.values() for v, _ in td.values}


def source(name):
    with open(os.path.join(ROOT, 'plugin', name), encoding='utf-8') as f:
        return f.read()


def with_fields(name):
    """A module's source and its field table (idl/tables/fields-<module>.tsv), whose `idl:ENUM`
    values become the module's VALS(cmrp_vs_ENUM) (idl/gen/gen_fields.py)."""
    mod = re.sub(r'^(packet-cmrp-|cmrp-)', '', name[:-2])
    path = os.path.join(ROOT, 'idl', 'tables', 'fields-%s.tsv' % mod)
    text = source(name)
    if os.path.exists(path):
        with open(path, encoding='utf-8') as f:
            text += re.sub(r'\bidl:(\w+)', r'cmrp_vs_\1', f.read())
    return text


def table_text(name):
    with open(os.path.join(ROOT, 'idl', 'tables', name), encoding='utf-8') as f:
        return f.read()


def hand_tables(text):
    """{table name: [strings]} of every value_string / true_false_string defined in text."""
    out = {}
    for m in re.finditer(r'(?:value_string|true_false_string|range_string)\s+(\w+)(?:\[\])?\s*=\s*\{(.*?)\};',
                         text, re.S):
        out[m.group(1)] = re.findall(r'"([^"]*)"', m.group(2))
    return out


def test_no_hand_table_repeats_an_idl_enum():
    for name in HAND_FILES:
        tables = hand_tables(source(name))
        dup = {t: sorted(set(v) & IDL_NAMES) for t, v in tables.items() if set(v) & IDL_NAMES}
        assert dup == {}, name


def test_hand_tables_left():
    """What is left is not an enumeration: the labels of the control code's single bits."""
    assert sorted(hand_tables(source('packet-cmrp-ctl.c'))) == [
        'tfs_global', 'tfs_internal', 'tfs_modify', 'tfs_user']
    assert sorted(hand_tables(source('packet-cmrp-reg.c'))) == []
    assert sorted(hand_tables(source('packet-cmrp-notify.c'))) == []
    assert sorted(hand_tables(source('packet-cmrp-proplist.c'))) == []


def test_at_most_ten_hand_tables():
    """Issue 12's bound, counted the way the issue counts (definitions in plugin/)."""
    every = {}
    for name in HAND_FILES:
        for t in hand_tables(source(name)):
            every['%s:%s' % (name, t)] = True
    assert sorted(every) == ['cmrp-errors.c:cmrp_error_vals', 'packet-cmrp-ctl.c:tfs_global',
                             'packet-cmrp-ctl.c:tfs_internal', 'packet-cmrp-ctl.c:tfs_modify',
                             'packet-cmrp-ctl.c:tfs_user']
    assert len(every) <= 10


def test_notify_and_proplist_use_the_idl():
    notify, prop = with_fields('packet-cmrp-notify.c'), with_fields('packet-cmrp-proplist.c')
    for t in ('CLUSTER_SHARED_VOLUME_STATE', 'CLUSTER_OBJECT_TYPE', 'CLUSTER_ENUM',
              'CLUSTER_RESOURCE_ENUM', 'CLUSTER_GROUP_ENUM', 'CLUSTER_NETWORK_ENUM',
              'CLUSTER_NODE_ENUM', 'CLUSTER_RESOURCE_TYPE_ENUM'):
        assert 'cmrp_vs_%s' % t in notify, t
    # the state tables of the DWORD payloads: through idl/tables/notifypayloads.tsv
    payloads = table_text('notifypayloads.tsv')
    for t in ('CLUSTER_GROUP_STATE', 'CLUSTER_RESOURCE_STATE', 'CLUSTER_NODE_STATE',
              'CLUSTER_NETWORK_STATE', 'CLUSTER_NETINTERFACE_STATE', 'CLUSGROUP_TYPE'):
        assert 'idl:%s' % t in payloads, t
    for t in ('CLUSTER_PROPERTY_SYNTAX', 'CLUSTER_PROPERTY_FORMAT', 'CLUSTER_PROPERTY_TYPE',
              'CLUSTER_RESOURCE_CLASS', 'CLUSTER_CSV_VOLUME_FAULT_STATE',
              'CLUSTER_SHARED_VOLUME_BACKUP_STATE', 'STORAGE_IDENTIFIER_CODE_SET',
              'STORAGE_IDENTIFIER_TYPE', 'STORAGE_ASSOCIATION_TYPE'):
        assert 'cmrp_vs_%s' % t in prop, t
    assert 'cmrp_vs_ACE_TYPE' in source('cmrp-prim.c')     # the security descriptor primitive
    # opnums are CMRP_OPNUM_*: no local OP_ defines, no opnum compared with a number
    assert re.findall(r'#define\s+OP_\w+\s+\d+', notify) == []
    # object types, formats and syntaxes are the generated constants, not local numbers
    for text in (notify, prop, source('packet-cmrp-proplist.h')):
        assert re.findall(r'#define\s+(?:OT|FMT|SYNTAX|TYPE|CMRP_OBJ)_\w+\s+(?:0x)?\d', text) == []
    assert 'CMRP_CLUS_OBJECT_GROUPSET' in prop


def test_hook_names_are_generated_identifiers():
    """cmrp_hook_param / cmrp_hook_member take CMRP_NAME_* (a misspelt name does not compile)."""
    for name in HAND_FILES:
        assert re.findall(r'cmrp_hook_(?:param|member)\([^,]*,\s*"', source(name)) == [], name


def test_values_beyond_the_spec_say_where_they_come_from():
    """The SDK / MS-DTYP values added to the property-list enums carry their source."""
    notes = {n: getattr(ENUMS[n], 'value_notes', {}) for n in ENUMS}
    sdk = {'CLUSTER_PROPERTY_TYPE': ['CLUSPROP_TYPE_RESERVED1', 'CLUSPROP_TYPE_FTSET_INFO',
                                     'CLUSPROP_TYPE_STORAGE_DEVICE_ID_DESCRIPTOR',
                                     'CLUSPROP_TYPE_USER', 'CLUSPROP_TYPE_UNKNOWN'],
           'CLUSTER_PROPERTY_FORMAT': ['CLUSPROP_FORMAT_VALUE_LIST', 'CLUSPROP_FORMAT_PROPERTY_LIST',
                                       'CLUSPROP_FORMAT_USER'],
           'CLUSTER_PROPERTY_SYNTAX': ['CLUSPROP_SYNTAX_LIST_VALUE_PROPERTY_LIST',
                                       'CLUSPROP_SYNTAX_FTSET_INFO',
                                       'CLUSPROP_SYNTAX_STORAGE_DEVICE_ID_DESCRIPTOR']}
    for enum, names in sdk.items():
        for n in names:
            assert notes[enum].get(n) == 'SDK', (enum, n)
        # the spec's values have no note
        assert sorted(n for n in notes[enum]) == sorted(names), enum
    for enum in ('STORAGE_IDENTIFIER_CODE_SET', 'STORAGE_IDENTIFIER_TYPE', 'STORAGE_ASSOCIATION_TYPE'):
        assert set(notes[enum].values()) == {'SDK'} and len(notes[enum]) == len(ENUMS[enum].values)
    assert set(notes['ACE_TYPE'].values()) == {'MS-DTYP 2.4.4.1'}
    assert len(notes['ACE_TYPE']) == 20
    assert set(notes['CLUSTER_CSV_VOLUME_FAULT_STATE'].values()) == {'2.2.3.18'}
    # the spec spells the SCSI address type CLUSPROP_TYPE_SCSIADDRESS (2.2.2.1), the SDK
    # CLUSPROP_TYPE_SCSI_ADDRESS: the label is the spec's
    assert ('CLUSPROP_TYPE_SCSIADDRESS', 6) in ENUMS['CLUSTER_PROPERTY_TYPE'].values


def test_generated_tables_used():
    ctl, reg = with_fields('packet-cmrp-ctl.c'), with_fields('packet-cmrp-reg.c')
    for t in ('CLUSTER_QUORUM_VALUE', 'CLUSTER_RESOURCE_CLASS', 'MAINTENANCE_MODE_TYPE',
              'CLUSDSK_DISKID_ENUM', 'CLUSTER_CONTROL_OBJECT', 'CLUSCTL_ACCESS_MODES',
              'CLUSTER_SHARED_VOLUME_BACKUP_STATE', 'CLUS_POOL_DRIVE_HEALTH', 'CLUS_POOL_DRIVE_STATE',
              'CLUS_POOL_DRIVE_USAGE', 'CLUS_POOL_DRIVE_BUS_TYPE', 'SR_REPLICATED_DISK_TYPE',
              'CLUSTER_RESOURCE_STATE_CHANGE_REASON'):
        assert 'cmrp_vs_%s' % t in ctl, t
    layouts = source('../idl/tables/ctllayouts.tsv')     # the control-buffer layouts (generated)
    assert 'cmrp_bits_CLUS_CHARACTERISTICS' in layouts and 'cmrp_bits_CLUS_FLAGS' in layouts
    for t in ('CLUSREG_VALUE_TYPE', 'CLUSTER_REG_BATCH_COMMAND', 'CLUSREG_CONTROL_COMMAND_DATA'):
        assert 'cmrp_vs_%s' % t in reg, t
    # no local copies of the IDL's constants
    for name in MODULES:
        defines = re.findall(r'#define\s+(\w+)', source(name))
        assert sorted(set(defines) & IDL_NAMES) == [], name


def test_no_literal_opnums():
    ctl = source('packet-cmrp-ctl.c')
    body = re.search(r'opnum_object\(uint32_t opnum\)\n\{(.*?)\n\}', ctl, re.S).group(1)
    assert re.findall(r'case\s+\d+', body) == []
    assert len(re.findall(r'case CMRP_OPNUM_Api\w+Control:', body)) == 16
    for name in MODULES:
        assert re.findall(r'opnum\s*[=!<>]=?\s*\d+', source(name)) == [], name


SPEC_CHARACTERISTICS = {   # MS-CMRP 2.2.2.4
    'CLUS_CHAR_UNKNOWN': 0x0, 'CLUS_CHAR_QUORUM': 0x1, 'CLUS_CHAR_DELETE_REQUIRES_ALL_NODES': 0x2,
    'CLUS_CHAR_LOCAL_QUORUM': 0x4, 'CLUS_CHAR_BROADCAST_DELETE': 0x20,
    'CLUS_CHAR_SINGLE_CLUSTER_INSTANCE': 0x40, 'CLUS_CHAR_SINGLE_GROUP_INSTANCE': 0x80,
    'CLUS_CHAR_COEXIST_IN_SHARED_VOLUME_GROUP': 0x100, 'CLUS_CHAR_RESERVED1': 0x200,
    'CLUS_CHAR_MONITOR_DETACH': 0x400, 'CLUS_CHAR_RESERVED2': 0x800, 'CLUS_CHAR_RESERVED3': 0x1000,
    'CLUS_CHAR_RESERVED4': 0x2000,
}
SDK_CHARACTERISTICS = {    # ClusAPI.h, not in the spec
    'CLUS_CHAR_LOCAL_QUORUM_DEBUG': 0x8, 'CLUS_CHAR_REQUIRES_STATE_CHANGE_REASON': 0x10,
    'CLUS_CHAR_NOT_PREEMPTABLE': 0x4000, 'CLUS_CHAR_NOTIFY_NEW_OWNER': 0x8000,
    'CLUS_CHAR_SUPPORTS_UNMONITORED_STATE': 0x10000, 'CLUS_CHAR_INFRASTRUCTURE': 0x20000,
    'CLUS_CHAR_VETO_DRAIN': 0x40000, 'CLUS_CHAR_DRAIN_LOCAL_OFFLINE': 0x80000,
}


def test_characteristics_spec_and_sdk_each_with_its_source():
    td = ENUMS['CLUS_CHARACTERISTICS']
    assert dict(td.values) == dict(SPEC_CHARACTERISTICS, **SDK_CHARACTERISTICS)
    text = open(os.path.join(ROOT, 'idl', 'types.idl'), encoding='utf-8').read()
    for name in SPEC_CHARACTERISTICS:
        assert re.search(r'\b%s\s*=\s*0x[0-9a-fA-F]+,?\s*// 2\.2\.2\.4' % name, text), name
    for name in SDK_CHARACTERISTICS:
        assert re.search(r'\b%s\s*=\s*0x[0-9a-fA-F]+,?\s*// SDK' % name, text), name


def test_characteristics_bits_registered(tshark):
    """tshark -G fields: one FT_BOOLEAN per bit of the IDL's CLUS_CHARACTERISTICS, mask = value."""
    out = tshark.run('-G', 'fields').stdout
    got, blurbs = {}, {}
    for line in out.splitlines():
        c = line.split('\t')
        if c[0] == 'F' and c[2].startswith('cmrp.ctl.characteristics.'):
            got[c[1]] = int(c[6], 16)
            blurbs[c[1]] = c[7]
    want = {n: v for n, v in ENUMS['CLUS_CHARACTERISTICS'].values if v}
    assert got == want
    # each bit says where it comes from (the IDL's comment on the value)
    for n in got:
        if n in SDK_CHARACTERISTICS:
            assert blurbs[n] == 'SDK ClusAPI.h (not in MS-CMRP)', n
        else:
            assert blurbs[n].startswith('MS-CMRP 2.2.2.4'), n


def notify_rules():
    import gen_notifypayloads
    return gen_notifypayloads.parse(os.path.join(ROOT, 'idl', 'tables', 'notifypayloads.tsv'), ENUMS)


def test_notification_flags_are_the_idls():
    """Every CLUSTER_CHANGE_*_V2 flag row of idl/tables/notifypayloads.tsv names an IDL value of the
    enum of its object type (MS-CMRP 2.2.2.12-2.2.2.26); the generated table takes its mask as
    CMRP_<name> (a misspelt flag does not compile) and its label is the name itself."""
    types, _ = notify_rules()
    rows = [(t.name, fl[0]) for t in types for fl in t.flags]
    assert len(rows) == 80
    enum_of = {'NETWORK_INTERFACE': 'NETINTERFACE', 'RESOURCE_TYPE': 'RESOURCE_TYPE',
               'UPGRADE': 'NODE_UPGRADE_PHASE'}
    for ot, flag in rows:
        enum = 'CLUSTER_CHANGE_%s_V2' % enum_of.get(ot, ot)
        assert flag in dict(ENUMS[enum].values), (ot, flag)
    # the hand module holds none of it: no flag, no flag field, no payload rule
    notify = source('packet-cmrp-notify.c')
    assert re.findall(r'CLUSTER_CHANGE_\w+_V2|cmrp\.notify\.flags\.', notify, re.I) == []
    assert re.findall(r'^\s*V2\(', notify, re.M) == []


def hand_arrays(text):
    """{name: (string literals, identifiers)} of every static const array defined in text (what a
    hand-written copy of a table would be)."""
    out = {}
    for m in re.finditer(r'static\s+const\s+[\w\s\*]*?\b(\w+)\s*\[[^\]]*\]\s*=\s*\{(.*?)\};',
                         text, re.S):
        body = m.group(2)
        strings = re.findall(r'"((?:[^"\\]|\\.)*)"', body)
        code = re.sub(r'"((?:[^"\\]|\\.)*)"', '""', body)
        out[m.group(1)] = (set(strings), set(re.findall(r'\b[A-Za-z_]\w*\b', code)))
    return out


def idl_table_keys():
    """{table: keys}: what names a row of each idl/tables table, as a copy would spell it."""
    types, dwords = notify_rules()
    notify = set()
    for t in types:
        notify.add(t.short)
        for flag, _, field, _, _, _ in t.flags:
            notify |= {flag, 'CMRP_' + flag, '%s.%s' % (t.fields, field)}
    notify |= {d['what'] for d in dwords.values()}
    ctl = set()
    for line in table_text('ctlcodes.tsv').splitlines()[1:]:
        if line.strip() and not line.startswith('#'):
            ctl |= {line.split('\t')[0], 'CMRP_' + line.split('\t')[0]}
    return {'notifypayloads.tsv': notify, 'ctlcodes.tsv': ctl}


def test_no_hand_array_copies_an_idl_table():
    """No hand file defines an array (any static const table: flags, names, payload rules) that
    holds two or more rows of a table of idl/tables/: the notification payload rules, object type
    names and DWORD payloads are generated from notifypayloads.tsv, control codes from
    ctlcodes.tsv."""
    keys = idl_table_keys()
    found = set()
    for name in HAND_FILES:
        for array, (strings, idents) in hand_arrays(source(name)).items():
            for table, k in keys.items():
                if len((strings | idents) & k) >= 2:
                    found.add((name, array, table))
    # Known and open (issue 12): the statistics tap names object types by hand, for handle
    # objects (CMRP_O_*, whose names cmrpgen.py generates in lower case) and for control-code
    # objects (CLUS_OBJECT_*, the IDL's CLUSTER_CONTROL_OBJECT); they share the words of the
    # notification type names. This list may only shrink.
    known = {('cmrp-stats.c', 'subject_types', 'notifypayloads.tsv'),
             ('cmrp-stats.c', 'ctl_objects', 'notifypayloads.tsv')}
    assert found - known == set()


def test_notify_rules_generated(tmp_path):
    """The notification module includes the generated rules, and they hold every flag."""
    assert '#include "cmrp-notify-payloads.h"' in source('packet-cmrp-notify.c')
    out = tmp_path / 'np.h'
    p = subprocess.run([sys.executable, os.path.join(ROOT, 'idl', 'gen', 'gen_notifypayloads.py'),
                        os.path.join(ROOT, 'idl', 'tables', 'notifypayloads.tsv'),
                        os.path.join(ROOT, 'idl', 'clusapi.idl'), str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    text = out.read_text()
    assert text.startswith('/* Generated by idl/gen/gen_notifypayloads.py')
    assert len(re.findall(r'^    \{ CMRP_CLUSTER_OBJECT_TYPE_\w+, CMRP_\w+, "\w+", "cmrp\.notify\.flags\.[\w.]+", P_\w+ \},',
                          text, re.M)) == 80


def test_change_filter_bits_are_the_idls():
    """The CLUSTER_CHANGE filter bits (2.2.2.7) are the IDL's: one generated field per bit
    (notify.cnf BITS line, cmrp_bits_CLUSTER_CHANGE), none registered by hand."""
    notify = source('packet-cmrp-notify.c')
    with open(os.path.join(ROOT, 'idl', 'notify.cnf'), encoding='utf-8') as f:
        assert re.search(r'^BITS\s+CLUSTER_CHANGE\s+cmrp\.notify\.change$', f.read(), re.M)
    assert 'cmrp_bits_CLUSTER_CHANGE' in notify
    assert re.findall(r'hf_change_\w+|CMRP_CLUSTER_CHANGE_\w+', notify) == []
    bits = [v for _, v in ENUMS['CLUSTER_CHANGE'].values if v and not v & (v - 1)]
    assert len(bits) == 32


def test_change_filter_bits_registered(tshark):
    """tshark -G fields: the 32 bits under cmrp.notify.change, their names and masks the IDL's."""
    got = {}
    for line in tshark.run('-G', 'fields').stdout.splitlines():
        c = line.split('\t')
        if c[0] == 'F' and c[2].startswith('cmrp.notify.change.'):
            got[c[1]] = (c[2], int(c[6], 16))
    want = {n: ('cmrp.notify.change.' + n[len('CLUSTER_CHANGE_'):].lower(), v)
            for n, v in ENUMS['CLUSTER_CHANGE'].values if v and not v & (v - 1)}
    assert got == want
