"""The plugin loads, registers what the README promises, and takes the UUID over safely."""
import os
import re
import subprocess

import pytest

from conftest import wsversion
from conftest import PLUGIN_DIR, ROOT

CONTRACT = {
    'cmrp.opnum': 'FT_UINT16',
    'cmrp.rc': 'FT_UINT32',
    'cmrp.status': 'FT_UINT32',
    'cmrp.rpc_status': 'FT_UINT32',
    'cmrp.handle': 'FT_BYTES',
    'cmrp.object_name': 'FT_STRING',
    'cmrp.handle.opened_in': 'FT_FRAMENUM',
    'cmrp.handle.closed_in': 'FT_FRAMENUM',
}


def project_version():
    with open(os.path.join(ROOT, 'CMakeLists.txt')) as f:
        return re.search(r'project\(cmrp VERSION ([0-9.]+)', f.read()).group(1)


def test_plugin_listed_with_version(tshark):
    out = tshark.run('-G', 'plugins').stdout
    rows = [line.split('\t') for line in out.splitlines() if 'cmrp.so' in line]
    assert len(rows) == 1, out
    assert rows[0][0].strip() == 'cmrp.so'
    assert rows[0][1].strip() == project_version()
    assert rows[0][2].strip() == 'dissector'


def test_protocols_registered(tshark):
    out = tshark.run('-G', 'protocols').stdout
    protos = {line.split('\t')[2]: line.split('\t')[1] for line in out.splitlines()}
    assert protos['cmrp'] == 'CMRP'
    assert protos['cmrp2'] == 'CMRP2'
    # the built-in stays registered (its filter name is its own); we only take its UUID over
    assert protos['clusapi'] == 'CLUSAPI'


def test_field_contract(tshark):
    out = tshark.run('-G', 'fields').stdout
    fields = {}
    for line in out.splitlines():
        cols = line.split('\t')
        if cols[0] == 'F':
            fields.setdefault(cols[2], set()).add(cols[3])
    for abbrev, ftype in CONTRACT.items():
        assert fields.get(abbrev) == {ftype}, (abbrev, fields.get(abbrev))


def test_no_field_abbrev_with_two_types(tshark):
    """One filter name, one type: a filter must mean the same everywhere."""
    out = tshark.run('-G', 'fields').stdout
    types = {}
    for line in out.splitlines():
        cols = line.split('\t')
        if cols[0] == 'F' and cols[2].startswith(('cmrp.', 'cmrp2.')):
            types.setdefault(cols[2], set()).add(cols[3])
    bad = {k: v for k, v in types.items() if len(v) > 1}
    assert not bad


def test_uuid_served_by_cmrp_for_both_versions(tshark):
    out = tshark.run('-G', 'dissector-tables').stdout
    assert 'dcerpc.uuid' in out
    # dcerpc's service-response-time table names the interface by our protocols
    out = tshark.run('-G', 'fields').stdout
    assert re.search(r'^P\tFailover Cluster Management API \(MS-CMRP, cmrp plugin\)\tcmrp$', out, re.M)


def test_field_doc_is_current(tshark):
    """docs/fields.tsv is the published field list: it must match what the plugin registers."""
    out = tshark.run('-G', 'fields').stdout
    rows = set()
    for line in out.splitlines():
        cols = line.split('\t')
        if cols[0] == 'F' and cols[2].startswith(('cmrp.', 'cmrp2.')):
            rows.add((cols[2], cols[3], cols[1]))
    with open(os.path.join(ROOT, 'docs', 'fields.tsv'), encoding='utf-8') as f:
        doc = {tuple(line.rstrip('\n').split('\t')) for line in list(f)[1:]}
    assert doc == rows, 'run scripts/gen-field-doc.sh: missing %s, stale %s' % (
        sorted(rows - doc)[:10], sorted(doc - rows)[:10])


def test_disable_protocol_does_not_crash(tshark, scratch):
    import sys
    sys.path.insert(0, os.path.join(ROOT, 'tests', 'lib'))
    from pcapbuild import PcapBuilder
    from ndrbytes import u32, wstr
    b = PcapBuilder()
    c = b.tcp_conversation()
    c.bind()
    c.call(8, wstr('Disk'), u32(0) + u32(0) + b'\0' * 4 + b'\x07' * 16)
    path = os.path.join(scratch, 'disable.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    for proto in ('cmrp', 'cmrp2', 'clusapi'):
        p = tshark.run('-r', path, '--disable-protocol', proto, '-V', check=False)
        assert p.returncode == 0, (proto, p.stderr[-2000:])
    # with ours disabled, nothing is decoded as cmrp
    p = tshark.run('-r', path, '--disable-protocol', 'cmrp', '-Y', 'cmrp')
    assert p.stdout == ''


def test_cmake_install_puts_plugin_where_wireshark_loads_it(scratch):
    """`cmake --install` installs into Wireshark's system plugin folder (epan/ below it)."""
    build = os.environ.get('CMRP_BUILD_DIR', os.path.join(ROOT, 'build'))
    dest = os.path.join(scratch, 'destdir')
    env = dict(os.environ, DESTDIR=dest)
    subprocess.run(['cmake', '--install', build], env=env, check=True, stdout=subprocess.DEVNULL)
    out = subprocess.run(['pkg-config', '--variable=plugindir', 'wireshark'],
                         capture_output=True, text=True).stdout.strip()
    assert out.endswith('/wireshark/plugins/' + wsversion.minor()), out
    path = dest + out + '/epan/cmrp.so'
    assert os.path.isfile(path), path


# Requests whose stub is empty (a method without [in] parameters): ApiOpenCluster,
# ApiGetClusterName, ApiGetClusterVersion(2), ApiGetQuorumResource, ... (smbtorture-anon.pcapng
# holds 43, v2-udp.pcapng the ApiOpenCluster and ApiGetClusterName of ClusAPI 2.0).
EMPTY_STUB = 'dcerpc.pkt_type == 0 && !dcerpc.auth_type && dcerpc.cn_frag_len == 24'


@pytest.mark.parametrize('name,proto,empty', [('smbtorture-anon.pcapng', 'cmrp', 43),
                                              ('v2-udp.pcapng', 'cmrp2', None)])
def test_empty_stub_requests_are_claimed(tshark, name, proto, empty):
    """DCE/RPC's handle for an interface returns the stub's length, which Wireshark reads as 'not
    this interface' when it is 0: the built-in clusapi's empty requests get dcerpc.unknown_if_id
    and ' CLUSAPI V3' on their Info. cmrp claims them: the layer is cmrp, Info names the method
    and nothing more, dcerpc.unknown_if_id is on no frame."""
    from conftest import capture
    path = capture(name)
    if proto == 'cmrp':
        rows = tshark.fields(path, ['frame.number', 'frame.protocols', '_ws.col.Info', 'cmrp.opnum'],
                             EMPTY_STUB)
        assert len(rows) == empty
        for number, protocols, info, opnum in rows:
            assert protocols[0].endswith(':dcerpc:cmrp'), (number, protocols)
            assert re.fullmatch(r'Api\w+ request', info[0]), (number, info)
            assert opnum, number
        assert [r[2][0] for r in rows[:3]] == ['ApiGetClusterName request',
                                               'ApiGetClusterVersion2 request',
                                               'ApiOpenCluster request']
    else:
        rows = tshark.fields(path, ['frame.protocols', '_ws.col.Info'], 'dcerpc.pkt_type == 0')
        assert ['eth:ethertype:ip:udp:dcerpc:cmrp2'] in [r[0] for r in rows]
        assert ['ApiOpenCluster request'] in [r[1] for r in rows]
    assert tshark.run('-r', path, '-Y', 'dcerpc.unknown_if_id').stdout == ''
    # counter-proof: with cmrp off (and the built-in without our UUID), DCE/RPC says unknown
    off = tshark.run('-r', path, '--disable-protocol', proto, '-Y', 'dcerpc.unknown_if_id').stdout
    assert off.count('\n') >= (empty or 1)
    if empty:
        assert ' CMRP V3' in off
