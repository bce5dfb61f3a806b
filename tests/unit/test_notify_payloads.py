"""Issue 12, item 1: the notification payload rules are data (idl/tables/notifypayloads.tsv),
generated into C by idl/gen/gen_notifypayloads.py.

- the generator's payload kinds are the decoder's payload_t values (plugin/packet-cmrp-notify.c);
- it rejects an unknown payload kind, a flag that is not in idl/types.idl, a flag of another
  object type's enum, a row twice, a flag of the IDL without a row, a row without its source, a
  dword row for a kind the decoder does not read as a DWORD;
- every row whose source is the spec's payload table (MS-CMRP 3.1.4.2.138) and which gives no note
  has the payload that table gives (tests/data/notify_v2_payloads.tsv); a row that departs from it
  says why in its NOTE column.
"""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'idl', 'gen'))
import cmrpidl  # noqa: E402
import gen_notifypayloads as gen  # noqa: E402

TSV = os.path.join(ROOT, 'idl', 'tables', 'notifypayloads.tsv')
IDL = os.path.join(ROOT, 'idl', 'clusapi.idl')
GEN = os.path.join(ROOT, 'idl', 'gen', 'gen_notifypayloads.py')
SPEC = os.path.join(ROOT, 'tests', 'data', 'notify_v2_payloads.tsv')
ENUMS = {n: t for n, t in cmrpidl.parse_idl(IDL).types.items() if t.kind == 'enum'}


def table_lines():
    with open(TSV, encoding='utf-8') as f:
        return f.read().splitlines()


def run(tmp_path, lines):
    tsv = tmp_path / 't.tsv'
    tsv.write_text('\n'.join(lines) + '\n')
    out = tmp_path / 'out.h'
    return subprocess.run([sys.executable, GEN, str(tsv), IDL, str(out)], capture_output=True,
                          text=True)


def replaced(old, new, count=1):
    lines = table_lines()
    text = '\n'.join(lines)
    assert text.count(old) >= count, old
    return text.replace(old, new, count).split('\n')


def test_table_generates(tmp_path):
    p = run(tmp_path, table_lines())
    assert p.returncode == 0, p.stderr
    types, dwords = gen.parse(TSV, ENUMS)
    assert len(types) == 16 and sum(len(t.flags) for t in types) == 80
    assert sorted(dwords) == sorted(gen.DWORD_KINDS)


def test_kinds_are_the_decoders():
    with open(os.path.join(ROOT, 'plugin', 'packet-cmrp-notify.c'), encoding='utf-8') as f:
        text = f.read()
    body = re.search(r'typedef enum \{(.*?)\} payload_t;', text, re.S).group(1)
    body = re.sub(r'/\*.*?\*/', '', body, flags=re.S)
    assert sorted(re.findall(r'\b(P_\w+)\b', body)) == sorted(gen.KINDS.values())


@pytest.mark.parametrize('old,new,message', [
    ('\tstate_group\tMS-CMRP 3.1.4.2.138', '\tstate_grup\tMS-CMRP 3.1.4.2.138', 'unknown payload kind'),
    ('flag\tCLUSTER_CHANGE_GROUP_STATE_V2\t', 'flag\tCLUSTER_CHANGE_GROUP_STATUS_V2\t',
     'is not a value of CLUSTER_CHANGE_GROUP_V2'),
    # a flag of the IDL, but of another object type
    ('flag\tCLUSTER_CHANGE_GROUP_STATE_V2\t', 'flag\tCLUSTER_CHANGE_NODE_STATE_V2\t',
     'is not a value of CLUSTER_CHANGE_GROUP_V2'),
    ('\tMS-CMRP 3.1.4.2.46\t', '\t-\t', 'the source is'),
    ('dword\tcluster_version\t', 'dword\tid\t', 'is not a DWORD payload kind'),
    ('type\tQUORUM\t', 'type\tQUORUMS\t', 'is not a CLUSTER_OBJECT_TYPE value'),
    ('\tstate\tstate_group\t', '\tstate\tstate_group\tMS-CMRP 3.1.4.2.138\tnote\textra\t', 'columns'),
    ('idl:CLUSTER_GROUP_STATE', 'idl:CLUSTER_GROUP_STATES', 'VALUES is idl:'),
    ('\tdec\tidl:CLUSTER_NODE_STATE', '\toct\tidl:CLUSTER_NODE_STATE', 'bad abbrev or base'),
])
def test_generator_rejects(tmp_path, old, new, message):
    p = run(tmp_path, replaced(old, new))
    assert p.returncode == 1 and message in p.stderr, p.stderr


def test_generator_rejects_a_row_twice(tmp_path):
    lines = table_lines()
    i = next(n for n, l in enumerate(lines) if l.startswith('flag\tCLUSTER_CHANGE_GROUP_STATE_V2\t'))
    p = run(tmp_path, lines[:i + 1] + [lines[i]] + lines[i + 1:])
    assert p.returncode == 1 and 'already on line' in p.stderr, p.stderr
    # the same field name twice in one type
    p = run(tmp_path, replaced('\towner_node\t', '\tstate\t'))
    assert p.returncode == 1 and 'field cmrp.notify.flags.group.state already' in p.stderr, p.stderr
    j = next(n for n, l in enumerate(lines) if l.startswith('dword\tstate_node\t'))
    p = run(tmp_path, lines + [lines[j]])
    assert p.returncode == 1 and 'dword state_node already' in p.stderr, p.stderr


def test_generator_rejects_a_missing_row(tmp_path):
    lines = table_lines()
    # a flag of the IDL without its rule
    p = run(tmp_path, [l for l in lines if not l.startswith('flag\tCLUSTER_CHANGE_NODE_GROUP_LOST_V2\t')])
    assert p.returncode == 1 and 'NODE flags without a row: CLUSTER_CHANGE_NODE_GROUP_LOST_V2' in p.stderr
    # an object type without its row
    p = run(tmp_path, [l for l in lines if not l.startswith('type\tCERT\t')])
    assert p.returncode == 1 and 'type rows must be' in p.stderr
    # a DWORD kind without its field
    p = run(tmp_path, [l for l in lines if not l.startswith('dword\tgroup_type\t')])
    assert p.returncode == 1 and 'without a dword row: group_type' in p.stderr


def spec_kind(cell):
    """Our payload kind for a buffer_payload cell of the spec's table (None: no rule)."""
    rules = [('n/a', 'not_returned'), ('empty', 'empty'), ('DWORD group type', 'group_type'),
             ('DWORD node state', 'state_node'), ('DWORD group state', 'state_group'),
             ('DWORD resource state', 'state_resource'), ('DWORD network state', 'state_network'),
             ('DWORD netinterface state', 'state_netif'),
             ('DWORD cluster operating version', 'cluster_version'),
             ('PROPERTY_LIST whose values', 'csv_state'), ('PROPERTY_LIST', 'proplist'),
             ('Unicode string: dependency', 'dependency_expr'), ('Unicode string', 'id'),
             ('MULTI_SZ', 'id_list'), ('CLUSTER_MEMBERSHIP_INFO', 'membership'),
             ('opaque', 'opaque')]
    for prefix, kind in rules:
        if cell.startswith(prefix):
            return kind
    return None


def test_rows_citing_the_spec_table_follow_it():
    with open(SPEC, encoding='utf-8') as f:
        spec = {}
        for line in f.read().splitlines()[1:]:
            c = line.split('\t')
            spec[(c[0].split(" ")[0], c[1])] = (c[3], c[4])
    types, _ = gen.parse(TSV, ENUMS)
    notes = {}
    for line in table_lines():
        c = line.split('\t')
        if c[0] == 'flag':
            notes[c[1]] = c[5] if len(c) > 5 else None
    checked = 0
    for t in types:
        for flag, _, _, kind, source, _ in t.flags:
            returned, cell = spec[('CLUSTER_OBJECT_TYPE_' + t.name, flag)]
            if notes[flag]:
                continue
            if source == 'MS-CMRP 3.1.4.2.138':
                assert spec_kind(cell) == kind, (flag, cell, kind)
                checked += 1
            else:       # the client-only flags (3.2.4.6, 3.2.4.7)
                assert source in ('MS-CMRP 3.2.4.6', 'MS-CMRP 3.2.4.7') and kind == 'not_returned'
                assert returned.startswith('N (client-only; %s)' % source[8:]), flag
    assert checked >= 45
    # where the rule departs from the table or the table has none, the row says why
    for t in types:
        for flag, _, _, kind, source, _ in t.flags:
            cell = spec[('CLUSTER_OBJECT_TYPE_' + t.name, flag)][1]
            if spec_kind(cell) not in (kind, None) or spec_kind(cell) is None:
                assert notes[flag], flag
