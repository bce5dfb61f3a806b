"""A real Windows regression vector: two PROPERTY_LISTs a Windows Server 2012 R2 cluster returned.

Where the bytes come from: Samba's NDR torture test source4/torture/ndr/clusapi.c (samba-team/samba,
clusapi_PROPERTY_LIST_data and clusapi_PROPERTY_LIST_data2, "(C) Guenther Deschner 2015"), which
holds them as captured from a Windows Server 2012 R2 cluster. Only the bytes are taken (they are
facts); this test, its framing and every expectation are ours. The transcription is checked in
test_vectors_parse_with_ndrdump (Samba's own parser reads both with no byte left over).

The bytes are put in the lpOutBuffer of an ApiClusterControl (CLUSCTL_CLUSTER_GET_COMMON_PROPERTIES)
and an ApiNodeControl (CLUSCTL_NODE_GET_COMMON_PROPERTIES) response; Samba's test does not record
which call returned them, and the decode of a PROPERTY_LIST does not depend on it.

Every expected value is checked against MS-CMRP 2.2.3.10 (PROPERTY_LIST: a DWORD property count,
then per property a CLUSPROP_SYNTAX_NAME (0x00040003) value holding the name, its value entries and
a CLUSPROP_SYNTAX_ENDMARK), 2.2.3.10.1 (each value: Syntax, Size in bytes of the data including a
string's terminating null, the data padded to a multiple of 4 bytes) and 2.2.2.3 (syntaxes:
CLUSPROP_SYNTAX_LIST_VALUE_DWORD 0x00010002, CLUSPROP_SYNTAX_LIST_VALUE_SZ 0x00010003). Both lists
end with one more ENDMARK after the last property, which the plugin shows as cmrp.prop.list_endmark.
The second list is consistent in itself: MajorVersion.MinorVersion.BuildNumber = 6.3.9600 is Windows
Server 2012 R2, and NodeHighestVersion = NodeLowestVersion = 0x00082580 carries the same build
(0x2580 = 9600) in its low word.
"""
import os
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'lib'))
from ndrbytes import handle, pad, u32  # noqa: E402
from pcapbuild import PcapBuilder  # noqa: E402

# clusapi_PROPERTY_LIST_data (source4/torture/ndr/clusapi.c): the cluster's common properties
WS2012R2_CLUSTER = bytes.fromhex(
    '060000000300040014000000460069007800510075006f00'
    '720075006d00000002000100040000000000000000000000'
    '030004001c000000500072006500760065006e0074005100'
    '75006f00720075006d000000020001000400000000000000'
    '00000000030004003e000000490067006e006f0072006500'
    '500065007200730069007300740065006e00740053007400'
    '6100740065004f006e005300740061007200740075007000'
    '000000000200010004000000000000000000000003000400'
    '2400000053006800610072006500640056006f006c007500'
    '6d006500730052006f006f00740000000300010024000000'
    '43003a005c0043006c007500730074006500720053007400'
    '6f007200610067006500000000000000030004002a000000'
    '5700690074006e00650073007300440079006e0061006d00'
    '690063005700650069006700680074000000000002000100'
    '040000000100000000000000030004002200000041006400'
    '6d0069006e0041006300630065007300730050006f006900'
    '6e0074000000000002000100040000000100000000000000'
    '00000000')

# clusapi_PROPERTY_LIST_data2 (source4/torture/ndr/clusapi.c): a node's common properties
WS2012R2_NODE = bytes.fromhex(
    '0c00000003000400120000004e006f00640065004e006100'
    '6d00650000000000030001000c0000006e006f0064006500'
    '310000000000000003000400260000004e006f0064006500'
    '480069006700680065007300740056006500720073006900'
    '6f006e000000000002000100040000008025080000000000'
    '03000400240000004e006f00640065004c006f0077006500'
    '73007400560065007200730069006f006e00000002000100'
    '040000008025080000000000030004001a0000004d006100'
    '6a006f007200560065007200730069006f006e0000000000'
    '02000100040000000600000000000000030004001a000000'
    '4d0069006e006f007200560065007200730069006f006e00'
    '000000000200010004000000030000000000000003000400'
    '180000004200750069006c0064004e0075006d0062006500'
    '720000000200010004000000802500000000000003000400'
    '16000000430053004400560065007200730069006f006e00'
    '000000000300010002000000000000000000000003000400'
    '1e0000004e006f006400650049006e007300740061006e00'
    '630065004900440000000000030001004a00000030003000'
    '3000300030003000300030002d0030003000300030002d00'
    '30003000300030002d0030003000300030002d0030003000'
    '300030003000300030003000300030003000320000000000'
    '0000000003000400200000004e006f006400650044007200'
    '610069006e00530074006100740075007300000002000100'
    '04000000000000000000000003000400200000004e006f00'
    '6400650044007200610069006e0054006100720067006500'
    '740000000200010004000000ffffffff0000000003000400'
    '1c000000440079006e0061006d0069006300570065006900'
    '670068007400000002000100040000000100000000000000'
    '03000400260000004e006500650064007300500072006500'
    '760065006e007400510075006f00720075006d0000000000'
    '0200010004000000000000000000000000000000')

NAME = 0x00040003          # CLUSPROP_SYNTAX_NAME
DWORD = 0x00010002         # CLUSPROP_SYNTAX_LIST_VALUE_DWORD
SZ = 0x00010003            # CLUSPROP_SYNTAX_LIST_VALUE_SZ

# (name, syntax, value) in wire order
CLUSTER_PROPS = [
    ('FixQuorum', DWORD, 0),
    ('PreventQuorum', DWORD, 0),
    ('IgnorePersistentStateOnStartup', DWORD, 0),
    ('SharedVolumesRoot', SZ, 'C:\\ClusterStorage'),
    ('WitnessDynamicWeight', DWORD, 1),
    ('AdminAccessPoint', DWORD, 1),
]
NODE_PROPS = [
    ('NodeName', SZ, 'node1'),
    ('NodeHighestVersion', DWORD, 0x00082580),
    ('NodeLowestVersion', DWORD, 0x00082580),
    ('MajorVersion', DWORD, 6),
    ('MinorVersion', DWORD, 3),
    ('BuildNumber', DWORD, 9600),
    ('CSDVersion', SZ, ''),
    ('NodeInstanceID', SZ, '00000000-0000-0000-0000-000000000002'),
    ('NodeDrainStatus', DWORD, 0),
    ('NodeDrainTarget', DWORD, 0xffffffff),
    ('DynamicWeight', DWORD, 1),
    ('NeedsPreventQuorum', DWORD, 0),
]


def wire_size(syntax, value):
    """2.2.3.10.1: Size counts the data bytes, a string's terminating null included."""
    return 4 if syntax == DWORD else 2 * (len(value) + 1)


def control_request(h, code, out_size):
    """hCluster / hNode, dwControlCode, NULL lpInBuffer, nInBufferSize 0, nOutBufferSize."""
    return h + u32(code) + u32(0) + u32(0) + u32(out_size)


def control_response(buf, out_size):
    """lpOutBuffer (max_count, offset, actual_count, bytes), lpBytesReturned, lpcbRequired,
    rpc_status, return value."""
    return (u32(out_size) + u32(0) + u32(len(buf)) + pad(buf) + u32(len(buf)) + u32(len(buf))
            + u32(0) + u32(0))


@pytest.fixture(scope='module')
def vectors_pcap(scratch):
    b = PcapBuilder()
    c = b.tcp_conversation(50130, 5555)
    c.bind()
    c.call(106, control_request(handle(1), 0x07000059, 1024), control_response(WS2012R2_CLUSTER, 1024))
    c.call(79, control_request(handle(2), 0x04000059, 1024), control_response(WS2012R2_NODE, 1024))
    path = os.path.join(scratch, 'samba_vectors.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    return path


FIELDS = ['cmrp.opnum', 'cmrp.ctl.bytes_returned', 'cmrp.prop.count', 'cmrp.prop.name',
          'cmrp.prop.syntax', 'cmrp.prop.size', 'cmrp.prop.dword', 'cmrp.prop.sz',
          'cmrp.prop.endmark', 'cmrp.prop.list_endmark', '_ws.expert.message']


@pytest.fixture(scope='module')
def responses(tshark, vectors_pcap):
    rows = tshark.fields(vectors_pcap, ['frame.number'] + FIELDS, 'cmrp && dcerpc.pkt_type == 2')
    rows = sorted(rows, key=lambda r: int(r[0][0]))
    return [dict(zip(FIELDS, r[1:])) for r in rows]


def expected(props, nbytes, opnum):
    syntaxes, sizes = [], []
    for name, syntax, value in props:
        syntaxes += ['0x%08x' % NAME, '0x%08x' % syntax]
        sizes += [str(2 * (len(name) + 1)), str(wire_size(syntax, value))]
    return {
        'cmrp.opnum': [str(opnum)],
        'cmrp.ctl.bytes_returned': [str(nbytes)],
        'cmrp.prop.count': [str(len(props))],
        'cmrp.prop.name': [p[0] for p in props],
        'cmrp.prop.syntax': syntaxes,
        'cmrp.prop.size': sizes,
        'cmrp.prop.dword': [str(v) for _, s, v in props if s == DWORD],
        'cmrp.prop.sz': [v for _, s, v in props if s == SZ],
        'cmrp.prop.endmark': ['0x00000000'] * len(props),
        'cmrp.prop.list_endmark': ['0x00000000'],
        '_ws.expert.message': [],
    }


def test_cluster_property_list(responses):
    assert len(WS2012R2_CLUSTER) == 412
    assert responses[0] == expected(CLUSTER_PROPS, 412, 106)


def test_node_property_list(responses):
    assert len(WS2012R2_NODE) == 740
    assert responses[1] == expected(NODE_PROPS, 740, 79)


def test_vectors_parse_with_ndrdump(tmp_path):
    """Samba's parser (ndrdump, clusapi_PROPERTY_LIST) reads the transcribed bytes with the same
    names, and validates them (pull, push, pull give the same bytes)."""
    exe = shutil.which('ndrdump')
    if not exe:
        pytest.fail('ndrdump missing: install samba-testsuite (scripts/install-deps.sh)')
    for data, props in ((WS2012R2_CLUSTER, CLUSTER_PROPS), (WS2012R2_NODE, NODE_PROPS)):
        path = tmp_path / 'list.bin'
        path.write_bytes(data)
        r = subprocess.run([exe, 'clusapi', 'clusapi_PROPERTY_LIST', 'struct', str(path), '--validate'],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        assert r.returncode == 0 and 'dump OK' in r.stdout, r.stdout[-2000:]
        names = [l.split("'")[1] for l in r.stdout.splitlines() if l.strip().startswith('buffer ')]
        assert names == [p[0] for p in props]
