"""Issue 11 item 8: the values of common properties by meaning (idl/tables/propmeanings.tsv,
idl/gen/gen_propmeanings.py, plugin/packet-cmrp-proplist.c).

Byte-level: control-code buffers spelled out from MS-CMRP 2.2.3.10 (PROPERTY_LIST) and 3.1.4.2.74
ff. (Api*Control), holding common properties whose meaning the Microsoft documentation defines
(the row of the table cites it): enumerations by name, bit masks as bit trees, versions as
version.build, durations as times, error codes by name. The raw DWORD stays (cmrp.prop.dword).
Private properties and lists of formats are not interpreted.
Corpus: the mock's common property lists (control codes, group/resource enumerations,
*_COMMON_PROPERTY_V2 notifications) in captures/scenario-ndr.pcapng.
"""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'lib'))
sys.path.insert(0, HERE)
from ndrbytes import handle, u32  # noqa: E402
from pcapbuild import PcapBuilder  # noqa: E402

from conftest import capture  # noqa: E402
from test_ctl import pdml  # noqa: E402
from test_proplist import L_DWORD, entry, plist, prop, request, response  # noqa: E402

GEN = os.path.join(ROOT, 'idl', 'gen', 'gen_propmeanings.py')
TSV = os.path.join(ROOT, 'idl', 'tables', 'propmeanings.tsv')
IDL = os.path.join(ROOT, 'idl', 'clusapi.idl')

# control codes (ClusAPI.h: object << 24 | CLCTL_*)
NODE_GET_RO_COMMON = 0x04000055
RES_GET_COMMON = 0x01000059
RES_GET_PRIVATE = 0x01000081
RES_GET_COMMON_FMTS = 0x01000065
GROUP_GET_COMMON = 0x03000059
NET_SET_COMMON = 0x0540005e
OP_RESOURCE_CONTROL, OP_GROUP_CONTROL, OP_NODE_CONTROL, OP_NETWORK_CONTROL = 73, 77, 79, 89


def dw(name, v):
    return prop(name, entry(L_DWORD, u32(v)))


RESOURCE_COMMON = plist(
    dw('RestartAction', 1), dw('PersistentState', 0), dw('LooksAlivePollInterval', 0xffffffff),
    dw('PendingTimeout', 180000), dw('LastOperationStatusCode', 87),
    dw('Characteristics', 0x104401), dw('restartaction', 7), dw('RestartThreshold', 3))


@pytest.fixture(scope='module')
def pm(tshark, scratch):
    b = PcapBuilder()
    c = b.tcp_conversation(50300, 5555)
    c.bind()
    cid = {}
    # a node's read-only common properties: a Windows Server 2012 R2 node reports
    # NodeHighestVersion 0x00082580 (version 8 in the high 16 bits, build 9600 in the low 16)
    cid['node'] = c.call(OP_NODE_CONTROL, request(NODE_GET_RO_COMMON, b'', 4096).replace(
        handle(1), handle(2), 1), response(plist(
            dw('NodeHighestVersion', 0x00082580), dw('NodeLowestVersion', 0x00082580),
            dw('State', 2), dw('NodeDrainStatus', 2)), 4096))
    cid['res'] = c.call(OP_RESOURCE_CONTROL, request(RES_GET_COMMON, b'', 4096),
                        response(RESOURCE_COMMON, 4096))
    cid['private'] = c.call(OP_RESOURCE_CONTROL, request(RES_GET_PRIVATE, b'', 4096),
                            response(RESOURCE_COMMON, 4096))
    cid['group'] = c.call(OP_GROUP_CONTROL, request(GROUP_GET_COMMON, b'', 4096), response(plist(
        dw('AutoFailbackType', 1), dw('FailbackWindowStart', 22), dw('FailbackWindowEnd', 0xffffffff),
        dw('FailoverPeriod', 6), dw('GroupType', 111), dw('Flags', 1)), 4096))
    cid['net_set'] = c.call(OP_NETWORK_CONTROL, request(NET_SET_COMMON, plist(dw('Role', 1))),
                            response(b'', 0))
    path = os.path.join(scratch, 'propmeanings.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    frames = pdml(tshark, path, 'cmrp')
    rows = tshark.fields(path, ['frame.number', 'dcerpc.cn_call_id', 'dcerpc.pkt_type'], 'cmrp')
    by = {(int(r[1][0]), int(r[2][0])): int(r[0][0]) for r in rows}
    return {k: frames[by[(v, 0 if k == 'net_set' else 2)]] for k, v in cid.items()}


def props(frame):
    """The property lines of a frame's lists ("Name = value")."""
    return frame.text('cmrp.prop.property')


def test_node_version_and_state(pm):
    f = pm['node']
    assert props(f) == [
        'NodeHighestVersion = 8.9600 (0x00082580)', 'NodeLowestVersion = 8.9600 (0x00082580)',
        'State = ClusterNodePaused (2)', 'NodeDrainStatus = NodeDrainStatusCompleted (2)']
    assert f.show('cmrp.prop.version.major') == ['8', '8']
    assert f.show('cmrp.prop.version.build') == ['9600', '9600']
    assert f.show('cmrp.prop.meaning') == ['8.9600', '8.9600', 'ClusterNodePaused',
                                           'NodeDrainStatusCompleted']
    # the raw value is kept
    assert f.show('cmrp.prop.dword') == [str(0x00082580), str(0x00082580), '2', '2']


def test_resource_common(pm):
    f = pm['res']
    assert props(f) == [
        'RestartAction = ClusterResourceRestartNoNotify (1)',
        'PersistentState = FALSE (left offline) (0)',
        "LooksAlivePollInterval = the resource type's value (0xffffffff)",
        'PendingTimeout = 180000 ms',
        'LastOperationStatusCode = ERROR_INVALID_PARAMETER (87)',
        # 0x4000 is the SDK's CLUS_CHAR_NOT_PREEMPTABLE; 0x00100000 is named by neither the spec nor the SDK
        'Characteristics = CLUS_CHAR_QUORUM|CLUS_CHAR_MONITOR_DETACH|CLUS_CHAR_NOT_PREEMPTABLE|0x00100000 (0x00104401)',
        # names match without regard to case; 7 is no CLUSTER_RESOURCE_RESTART_ACTION
        'restartaction = unknown value (7)',
        # a property without a defined meaning stays a number
        'RestartThreshold = 3']
    assert f.show('cmrp.prop.interval') == ['180.000000000']
    assert f.show('cmrp.prop.error') == ['0x00000057']
    assert f.show('cmrp.prop.enum') == ['1', '0', str(0xffffffff), '7']
    # the bit mask as a bit tree: one field per CLUS_CHARACTERISTICS bit (MS-CMRP 2.2.2.4)
    assert f.show('cmrp.prop.bits.resource.characteristics') == ['0x00104401']
    assert f.show('cmrp.prop.bits.resource.characteristics.clus_char_quorum') == ['1']
    assert f.show('cmrp.prop.bits.resource.characteristics.clus_char_monitor_detach') == ['1']
    assert f.show('cmrp.prop.bits.resource.characteristics.clus_char_local_quorum') == ['0']


def test_private_properties_are_not_interpreted(pm):
    f = pm['private']
    assert props(f)[:2] == ['RestartAction = 1', 'PersistentState = 0']
    assert not f.has('cmrp.prop.meaning')


def test_group_common(pm):
    assert props(pm['group']) == [
        'AutoFailbackType = ClusterGroupAllowFailback (1)',
        'FailbackWindowStart = 22:00 (22)',
        'FailbackWindowEnd = none (4294967295)',
        'FailoverPeriod = 6 h',
        'GroupType = ClusGroupTypeVirtualMachine (111)',
        'Flags = CLUS_FLAG_CORE (0x00000001)']
    assert pm['group'].show('cmrp.prop.interval') == ['21600.000000000']
    assert pm['group'].show('cmrp.prop.hour') == ['22', str(0xffffffff)]


def test_set_request_input(pm):
    assert props(pm['net_set']) == ['Role = ClusterNetworkRoleInternalUse (1)']


def test_corpus_lists(tshark):
    """The mock's lists: control outputs, enumeration entries, common-property notifications."""
    rows = tshark.fields(capture('scenario-ndr.pcapng'), ['frame.number', 'cmrp.prop.meaning'],
                         'cmrp.prop.meaning')
    got = {int(r[0][0]): r[1] for r in rows}
    # CLUSCTL_NODE_GET_RO_COMMON_PROPERTIES (ApiNodeNodeControl): the mock's NODE1
    assert got[762] == ['11.1', '11.1', 'ClusterNodeUp']
    # CLUSCTL_NETWORK_GET_RO_COMMON_PROPERTIES, CLUSCTL_NETWORK_GET_COMMON_PROPERTIES
    assert got[796] == ['ClusterNetworkUp']
    assert got[798] == ['ClusterNetworkRoleInternalAndClient']
    # ApiCreateGroupEnum: five groups, their GroupType from the group common properties
    assert got[354] == ['ClusGroupTypeCoreCluster', 'ClusGroupTypeAvailableStorage',
                        'ClusGroupTypeUnknown', 'ClusGroupTypeUnknown', 'ClusGroupTypeUnknown']
    # CLUSCTL_RESOURCE_GET_COMMON_PROPERTIES
    assert got[534] == ['TRUE (brought online)', "the resource type's value", '4294967295 ms',
                        'ClusterResourceRestartNotify', '900000 ms', '500 ms', '3600000 ms',
                        '180000 ms', '300000 ms']
    # *_COMMON_PROPERTY_V2 notifications carry common properties of their object type (resource,
    # resource type twice, group, network); the *_PRIVATE_PROPERTY_V2 ones are not interpreted
    assert got[940] == ['ClusterResourceRestartNotify', '180000 ms', '4294967295 ms', '5000 ms',
                        '5000 ms', 'ClusterGroupAllowFailback', 'ClusterNetworkRoleInternalAndClient',
                        '1000 ms']


def run_gen(tmp_path, text):
    bad = tmp_path / 'bad.tsv'
    bad.write_text('object\tproperty\tmeaning\tvalues\tsource\n' + text)
    return subprocess.run([sys.executable, GEN, str(bad), IDL, str(tmp_path / 'out.c')],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize('row,why', [
    ('node\tState\tenum\t0=A\t-\n', 'cites its source'),
    ('nodes\tState\tenum\t0=A\tx\n', 'unknown object'),
    ('node\tState\tenum\tidl:NO_SUCH_ENUM\tx\n', 'no enum'),
    ('node\tFlags\tbits\t0x3=TWO_BITS\tx\n', 'not one bit'),
    ('node\tState\tenum\t0=A\tx\nnode\tstate\tenum\t1=B\tx\n', 'already on line'),
])
def test_generator_rejects_bad_rows(tmp_path, row, why):
    p = run_gen(tmp_path, row)
    assert p.returncode == 1 and why in p.stderr, p.stderr


def test_table_rows_cite_sources_and_idl_enums_resolve(tmp_path):
    p = subprocess.run([sys.executable, GEN, TSV, IDL, str(tmp_path / 'pm.c')],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.returncode == 0, p.stderr
    c = (tmp_path / 'pm.c').read_text()
    # idl:CLUSTER_NODE_STATE came from idl/types.idl (3.1.4.2.69)
    assert '{ 0x00000002, "ClusterNodePaused" }' in c
    assert 'cmrp_n_propmeanings = ' in c


def test_names_read_from_their_utf16_bytes(tshark, scratch):
    """Issue 14: without a visible tree (a display filter's pass on summary lines) the meaning is
    looked up on the name's UTF-16LE bytes, without converting it (cmrp_propmeaning_find_utf16);
    it must find what the converted name finds (a visible tree: -T fields, -T pdml): the C string
    Wireshark makes of the bytes (up to the first NUL, U+FFFD for an odd last byte or a lone
    surrogate), in any case."""
    def w16(s):
        return s.encode('utf-16-le', 'surrogatepass')
    names = [
        (w16('RestartAction\0'), True),
        (w16('RESTARTACTION\0'), True),                   # any case
        (w16('RestartAction\0junk\0'), True),             # what follows the NUL is not the name
        (w16('RestartAction\0') + b'\x41', True),         # an odd byte after the NUL
        (w16('RestartAction'), True),                     # unterminated
        (w16('RestartAction') + b'\x41', False),          # an odd last byte: "RestartAction\ufffd"
        (w16('RestartAction\u00e9\0'), False),
        (w16('Restart\ud800Action\0'), False),            # "Restart\ufffdction"
        (w16('RestartAction' + 'x' * 40 + '\0'), False),  # longer than every name of the table
        (w16('Restart\0'), False),
        (w16('\0'), False),
        (b'', False),
        (w16('restartactioN\0'), True),
    ]
    body = b''.join(entry(0x00040003, n) + entry(L_DWORD, u32(100 + i)) + u32(0)
                    for i, (n, _) in enumerate(names))
    b = PcapBuilder()
    c = b.tcp_conversation(50310, 5555)
    c.bind()
    c.call(OP_RESOURCE_CONTROL, request(0x0140005e, u32(len(names)) + body), response(b'', 0))
    path = os.path.join(scratch, 'propmeanings-utf16.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    matched = [str(100 + i) for i, (_, m) in enumerate(names) if m]
    # a filter on summary lines: no visible tree, the lookup on the bytes
    for i, (_, m) in enumerate(names):
        out = tshark.run('-r', path, '-Y', 'cmrp.prop.enum == %d' % (100 + i)).stdout
        assert len(out.splitlines()) == (1 if m else 0), i
    # a visible tree (-T fields, -T pdml): the lookup on the converted name
    rows = tshark.fields(path, ['cmrp.prop.enum', 'cmrp.prop.meaning'], 'cmrp.prop.count')
    assert rows == [[matched, ['unknown value'] * len(matched)]]
    f = list(pdml(tshark, path, 'cmrp.prop.count').values())[0]
    assert f.show('cmrp.prop.enum') == matched
    assert len(props(f)) == len(names)
