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


# ---------------------------------------------------------------------------------------------
# Issue 12: attributes the generator does not implement fail the build, range() is implemented,
# hooks are bound through generated identifiers.

def test_unimplemented_parameter_attribute_fails_with_file_line(tmp_path):
    r = generate(tmp_path, '''
        // MS-CMRP 9.9.9
        [opnum(0)] error_status_t A(
            [in] DWORD n,
            [in, switch_is(n)] DWORD x);
    ''')
    assert r.returncode == 1
    assert 'body.idl:5 A.x: attribute [switch_is] is not implemented by the generator' in r.stderr


def test_unimplemented_member_and_typedef_attributes_fail(tmp_path):
    r = generate(tmp_path, '''
        typedef struct _S {
            DWORD n;
            [max_is(n)] DWORD x;
        } S;
        [opnum(0)] error_status_t A([in] S s);
    ''')
    assert r.returncode == 1
    assert 'body.idl:4 S.x: attribute [max_is] is not implemented' in r.stderr
    r = generate(tmp_path, '''
        typedef [public] struct _S { DWORD n; } S;
        [opnum(0)] error_status_t A([in] S s);
    ''')
    assert r.returncode == 1
    assert 'body.idl:2 S: attribute [public] is not implemented' in r.stderr


def test_unknown_method_attribute_fails(tmp_path):
    r = generate(tmp_path, '[opnum(0), idempotent] error_status_t A([in] DWORD x);\n')
    assert r.returncode == 1
    assert 'body.idl:1 A: attribute [idempotent] is not implemented' in r.stderr


def test_range_rows(tmp_path):
    r = generate(tmp_path, '''
        // MS-CMRP 9.9.1
        [opnum(0)] error_status_t A([in, range(0, 64 * 1024), v3range] DWORD x,
                                    [in, range(2, 0x10)] DWORD y, [in] DWORD z);
    ''')
    assert r.returncode == 0, r.stderr
    c = (tmp_path / 'out' / 'cmrp-gen.c').read_text()
    assert '{ &cmrp_p_A[0], 0, 65536, true, "A.x (MS-CMRP 9.9.1)" },' in c
    assert '{ &cmrp_p_A[1], 2, 16, false, "A.y (MS-CMRP 9.9.1)" },' in c
    assert 'const unsigned cmrp_n_ranges = 2;' in c


@pytest.mark.parametrize('decl, msg', [
    ('[in, range(0, 10)] DWORD *x', 'range() on DWORD is not implemented'),
    ('[in, range(0, 10)] LONG x', 'range() on LONG is not implemented'),
    ('[in, range(0, n)] DWORD x', "range bound 'n' is not an integer constant"),
    ('[in, range(5, 1)] DWORD x', 'range(5, 1) is empty'),
    ('[in, range(0)] DWORD x', 'range() takes two bounds'),
    ('[in, v3range] DWORD x', '[v3range] without range()'),
])
def test_bad_range_fails(tmp_path, decl, msg):
    r = generate(tmp_path, '[opnum(0)] error_status_t A(%s);\n' % decl)
    assert r.returncode == 1 and msg in r.stderr and 'body.idl:1 A.x' in r.stderr, r.stderr


def test_real_ranges():
    """The spec's ranges (MS-CMRP 3.1.4.2.87, 108, 155, 156: opnums 87, 108, 173, 174), 108's for
    3.0 only (3.1.4.1.108 has none)."""
    iface = cmrpidl.parse_idl(os.path.join(ROOT, 'idl', 'clusapi.idl'))
    got = {}
    for m in iface.methods:
        for p in m.params:
            b = cmrpidl.range_bounds(p, m.name)
            if b:
                got[(m.opnum, p.name)] = b + ('v3range' in p.attrs,)
    assert got == {(87, 'NetworkCount'): (0, 1000, False),
                   (108, 'ReturnStatusBufferSize'): (0, 65536, True),
                   (173, 'nOutBufferSize'): (0, 0x7FFFFFFF, False),
                   (174, 'nOutBufferSize'): (0, 0x7FFFFFFF, False)}


def test_hook_on_missing_parameter_fails(tmp_path):
    r = generate(tmp_path, '[opnum(0)] error_status_t A([in] DWORD x);\n',
                 'HOOK A.nosuch scalar foo\n')
    assert r.returncode == 1
    assert 'x.cnf:1 (HOOK A.nosuch scalar foo)' in r.stderr and 'never used' in r.stderr


def test_name_identifiers_generated(tmp_path):
    r = generate(tmp_path, '''
        typedef struct _S { DWORD Member1; } S;
        [opnum(0)] error_status_t A([in] DWORD x, [in] S s);
    ''', 'HOOK A.x scalar foo\n')
    assert r.returncode == 0, r.stderr
    h = (tmp_path / 'out' / 'cmrp-gen.h').read_text()
    for n in ('x', 's', 'Member1', 'return'):
        assert '#define CMRP_NAME_%s "%s"' % (n, n) in h
    assert ('void cmrp_hook_foo(tvbuff_t *tvb, int offset, int length, proto_tree *tree, '
            'cmrp_hook_ctx_t *ctx, uint64_t value);') in h


PLUGIN = os.path.join(ROOT, 'plugin')


def plugin_sources():
    return {n: open(os.path.join(PLUGIN, n), encoding='utf-8').read()
            for n in sorted(os.listdir(PLUGIN)) if n.endswith('.c')}


def cnf_hooks():
    names = set()
    for n in os.listdir(os.path.join(ROOT, 'idl')):
        if n.endswith('.cnf'):
            for line in open(os.path.join(ROOT, 'idl', n), encoding='utf-8'):
                parts = line.split('#', 1)[0].split()
                if parts and parts[0] == 'HOOK':
                    names.add(parts[3])
    return names


def test_every_hook_function_is_bound():
    """Each cmrp_hook_<name> function of plugin/ is named by a HOOK line (else it never runs),
    and each HOOK line's function exists (else the link fails; checked here too)."""
    import re
    defined = set()
    for src in plugin_sources().values():
        defined |= set(re.findall(r'^cmrp_hook_([a-z0-9_]+)\(', src, re.M))
    defined -= {'param', 'member'}     # the walker's lookups for hooks, cmrp-hooks.h
    assert defined == cnf_hooks()


def test_hooks_use_generated_names():
    """Parameter and member names reach the walker as CMRP_NAME_* identifiers (a misspelt name
    does not compile), never as string literals, in the modules converted so far."""
    import re
    srcs = plugin_sources()
    for n in ('packet-cmrp-ctl.c', 'packet-cmrp-reg.c'):
        calls = re.findall(r'cmrp_hook_(?:param|member)\(\s*ctx\s*,\s*([^,]+),', srcs[n])
        assert calls, n
        assert [c for c in calls if not c.startswith('CMRP_NAME_')] == [], n


def test_bits_export_and_value_notes(tmp_path):
    r = generate(tmp_path, '''
        typedef [v1_enum] enum _F {
            F_NONE = 0,
            F_ONE  = 0x1,    // 9.9.9
            F_TWO  = 0x2,    // SDK
            F_FOUR = 0x4
        } F;
        [opnum(0)] error_status_t A([in] F f);
    ''', 'BITS F cmrp.x.flags\n')
    assert r.returncode == 0, r.stderr
    c = (tmp_path / 'out' / 'cmrp-gen.c').read_text()
    h = (tmp_path / 'out' / 'cmrp-gen.h').read_text()
    assert '"F_ONE", "cmrp.x.flags.one", FT_BOOLEAN, 32, NULL, 0x00000001, "MS-CMRP 9.9.9", HFILL' in c
    assert '"F_TWO", "cmrp.x.flags.two", FT_BOOLEAN, 32, NULL, 0x00000002, "SDK ClusAPI.h (not in MS-CMRP)", HFILL' in c
    assert '"F_FOUR", "cmrp.x.flags.four", FT_BOOLEAN, 32, NULL, 0x00000004, NULL, HFILL' in c
    assert 'int * const cmrp_bits_F[] = {' in c and 'extern int * const cmrp_bits_F[];' in h
    assert 'const value_string cmrp_vs_F[] = {' in c and 'extern const value_string cmrp_vs_F[];' in h
    assert '#define CMRP_F_TWO 0x2u' in h and '#define CMRP_OPNUM_A 0' in h


def test_bits_of_unknown_enum_fails(tmp_path):
    r = generate(tmp_path, '[opnum(0)] error_status_t A([in] DWORD x);\n', 'BITS NOSUCH cmrp.x\n')
    assert r.returncode == 1 and 'x.cnf:1: BITS NOSUCH is not an IDL enum' in r.stderr
