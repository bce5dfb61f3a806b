"""Issues 12 and 15: every control-buffer format of plugin/packet-cmrp-ctl.h is reachable, i.e. used
by a row of idl/tables/ctlcodes.tsv, and every fixed or hand format has its decoder; the one
exception is said in tests/fuzz/FINDINGS.md.
"""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# OS_AND_OS_VERSION_INFO (MS-CMRP 2.2.3.43) is returned by CLUSCTL_CLUSTER_GET_OS_AND_OS_VERSION_INFO
# (3.1.4.3.7.23), whose value no source we hold gives; the row comes with the value.
WAITING_FOR_A_ROW = {'OS_VERSION_INFO'}


def read(rel):
    with open(os.path.join(ROOT, rel), encoding='utf-8') as f:
        return f.read()


def header_formats():
    body = read('plugin/packet-cmrp-ctl.h')
    return [f for f in re.findall(r'^\s*CMRP_FMT_(\w+)', body, re.M) if f != 'COUNT']


def table_formats():
    used = set()
    for line in read('idl/tables/ctlcodes.tsv').splitlines():
        cols = line.split('\t')
        if line.startswith('#') or len(cols) < 5 or cols[0] == 'name':
            continue
        used.update(cols[3:5])
    return used


def test_every_format_is_used_by_a_control_code():
    unused = set(header_formats()) - table_formats()
    assert unused == WAITING_FOR_A_ROW, unused


def test_every_table_format_is_declared():
    assert table_formats() <= set(header_formats())


def test_removed_dead_formats_stay_removed():
    """No control code of MS-CMRP 3.1.4.3 returns a CLUSTER_MEMBERSHIP_INFO (2.2.3.42 is the
    CLUSTER_CHANGE_CLUSTER_MEMBERSHIP_V2 notification payload) or a security descriptor."""
    assert not {'MEMBERSHIP_INFO', 'SECURITY_DESCRIPTOR'} & set(header_formats())
    assert 'cmrp.ctl.membership' not in read('plugin/packet-cmrp-ctl.c')


def test_waiting_format_is_explained():
    findings = read('tests/fuzz/FINDINGS.md')
    for fmt in WAITING_FOR_A_ROW:
        assert '`%s`' % fmt in findings
    assert 'CLUSCTL_CLUSTER_GET_OS_AND_OS_VERSION_INFO' in read('idl/tables/ctlcodes.tsv')


def test_every_format_has_a_decoder():
    """A format is decoded by a generated layout (fixed_layouts[]), a hand decoder
    (custom_decoders[]) or a case of dissect_buffer()'s switch."""
    src = read('plugin/packet-cmrp-ctl.c')
    handled = set(re.findall(r'\[CMRP_FMT_(\w+)\]\s*=', src)) | set(re.findall(r'case CMRP_FMT_(\w+):', src))
    missing = set(header_formats()) - handled
    assert missing == set(), missing


def test_fields_looked_up_by_the_hand_decoders_exist():
    """packet-cmrp-ctl.c finds these rows with cmrp_layout_field() (for the Signature check, OUSize
    and Count); a table without them would give it NULL."""
    import sys
    sys.path.insert(0, os.path.join(ROOT, 'idl', 'gen'))
    import gen_layouts
    rows = {var: {f[0] for f in fields}
            for var, _, _, _, fields, _ in gen_layouts.parse(os.path.join(ROOT, 'idl/tables/ctllayouts.tsv'))}
    src = read('plugin/packet-cmrp-ctl.c')
    wanted = {('lay_maint_ex', 'hf_ctl_maint_signature'), ('lay_ou_output', 'hf_ctl_ou_size'),
              ('lay_sr_eligible', 'hf_ctl_sr_count'), ('lay_sr_replicated', 'hf_ctl_sr_count')}
    for var, hf in wanted:
        assert hf in rows[var], (var, hf)
    used = set(re.findall(r'cmrp_layout_field\([^,]+, &(hf_\w+)\)', src))
    assert used == {hf for _, hf in wanted}
