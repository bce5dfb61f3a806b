"""The IDL parser and the table generator: constructs, checks, and failures on stale sidecars."""
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'idl', 'gen'))
import cmrpidl  # noqa: E402

GEN = os.path.join(ROOT, 'idl', 'gen', 'cmrpgen.py')
HEADER = '[uuid(b97db8b2-4c63-11cf-bff6-08002be23f2f), version(3.0), version(2.0)]\n' \
         'interface clusapi { import "body.idl"; }\n'


def write_idl(tmp_path, body):
    (tmp_path / 'x.idl').write_text(HEADER)
    (tmp_path / 'body.idl').write_text(textwrap.dedent(body))
    return str(tmp_path / 'x.idl')


def generate(tmp_path, body, cnf=''):
    idl = write_idl(tmp_path, body)
    (tmp_path / 'x.cnf').write_text(cnf)
    return subprocess.run([sys.executable, GEN, idl, str(tmp_path / 'x.cnf'), str(tmp_path / 'out')],
                          capture_output=True, text=True)


def test_real_interface_counts():
    iface = cmrpidl.parse_idl(os.path.join(ROOT, 'idl', 'clusapi.idl'))
    defined = [m for m in iface.methods if not m.not_on_wire]
    assert len(iface.methods) == 265                 # opnum slots 0..264
    assert len(defined) == 167                       # MS-CMRP's defined methods
    assert len([m for m in defined if not m.v3_only]) == 108   # of which ClusAPI 2.0 has 108
    assert [m.opnum for m in iface.methods] == list(range(265))
    names = {m.opnum: m.name for m in iface.methods}
    assert names[0] == 'ApiOpenCluster' and names[185] == 'ApiClusterNativeUpdateControl'
    assert names[140] == 'Opnum140NotUsedOnWire'


def test_real_interface_v2_differences():
    iface = cmrpidl.parse_idl(os.path.join(ROOT, 'idl', 'clusapi.idl'))
    m = {x.name: x for x in iface.methods}
    assert [p.name for p in m['ApiGetNotify'].params_for(2)][:2] == ['hNotify', 'Timeout']
    assert 'Timeout' not in [p.name for p in m['ApiGetNotify'].params_for(3)]
    assert 'force' in [p.name for p in m['ApiDeleteGroup'].params_for(3)]
    assert 'force' not in [p.name for p in m['ApiDeleteGroup'].params_for(2)]
    assert 'rpc_status' in [p.name for p in m['ApiOnlineResource'].params_for(3)]
    assert 'rpc_status' not in [p.name for p in m['ApiOnlineResource'].params_for(2)]


def test_spec_over_samba():
    """Where Samba's IDL disagrees with MS-CMRP, our IDL follows the spec (reference/README.md)."""
    iface = cmrpidl.parse_idl(os.path.join(ROOT, 'idl', 'clusapi.idl'))
    key = [x for x in iface.types['NOTIFICATION_RPC'].members if x.name == 'dwNotifyKey'][0]
    assert key.type == 'DWORD_PTR' and key.nptr == 0      # an integer, not a pointer
    m = {x.name: x for x in iface.methods}
    for meth, param in (('ApiDeleteGroup', 'force'), ('ApiAddNotifyKey', 'WatchSubTree'),
                        ('ApiPauseNodeEx', 'bDrainNode'), ('ApiAddNotifyV2', 'isTargetedAtObject'),
                        ('ApiAddGroupToGroupSetEx', 'UseDomains')):
        p = [x for x in m[meth].params if x.name == param][0]
        assert p.type == 'BOOL', (meth, param, p.type)   # 32-bit (MS-DTYP)
    for op in (140, 141, 142):
        assert iface.methods[op].not_on_wire


def test_generates_tables(tmp_path):
    r = generate(tmp_path, '''
        typedef [context_handle] void *HX_RPC;
        typedef struct _E { DWORD Type; [string] LPWSTR Name; } E, *PE;
        typedef struct _L { DWORD Count; [size_is(Count)] E Entry[*]; } L, *PL;
        // MS-CMRP 9.9.9
        [opnum(0)] HX_RPC Open([in, string] LPCWSTR lpszName, [out] error_status_t *Status);
        [opnum(1)] error_status_t List([in] HX_RPC h, [out] PL *ReturnEnum);
        [opnum(2), not_on_wire] void Opnum2NotUsedOnWire(void);
    ''', 'FIELD *.Status cmrp.status vals=errors\n')
    assert r.returncode == 0, r.stderr
    c = (tmp_path / 'out' / 'cmrp-gen.c').read_text()
    assert c.startswith('/* This file was generated')
    assert '{ 0, "Open", 0, CMRP_H_OPEN, cmrp_p_Open, 2, &cmrp_r_Open, "9.9.9", "HX_RPC", 0, -1 },' in c
    assert '{ "L", &ett_cmrp_s_L, cmrp_s_L, 2, 4, 8, true },' in c   # conformant, NDR64 align 8
    assert '"cmrp.status"' in c and '"cmrp.e.name"' in c and '"cmrp.lpszname"' in c
    assert 'CMRP_M_NOT_ON_WIRE' in c


def test_stale_cnf_line_fails(tmp_path):
    r = generate(tmp_path, '[opnum(0)] error_status_t A([in] DWORD x);\n',
                 'FIELD Nobody.nothing cmrp.nothing\n')
    assert r.returncode == 1
    assert 'never used' in r.stderr


def test_unknown_type_fails(tmp_path):
    r = generate(tmp_path, '[opnum(0)] error_status_t A([in] NOSUCH x);\n')
    assert r.returncode == 1 and 'unknown type NOSUCH' in r.stderr


def test_opnum_hole_fails(tmp_path):
    r = generate(tmp_path, '[opnum(0)] error_status_t A([in] DWORD x);\n'
                           '[opnum(2)] error_status_t B([in] DWORD x);\n')
    assert r.returncode == 1 and 'opnum slots missing: [1]' in r.stderr


def test_out_must_be_pointer(tmp_path):
    r = generate(tmp_path, '[opnum(0)] error_status_t A([out] DWORD x);\n')
    assert r.returncode == 1 and 'is not a pointer' in r.stderr


def test_buffer_hook_on_non_buffer_fails(tmp_path):
    r = generate(tmp_path, '[opnum(0)] error_status_t A([in] DWORD x);\n', 'HOOK A.x buffer foo\n')
    assert r.returncode == 1 and 'not a byte buffer' in r.stderr
