"""Notifications (version 1 and 2) and enumerations on stubs spelled out byte by byte.

Every stub is written here from the MS-CMRP signatures (3.1.4.2.56-66, 99-100, 136-138, 143-144,
2.2.3.22-24, 2.2.3.30) and the payload table of ApiGetNotifyV2 (3.1.4.2.138), with the NDR rules
of C706 ch. 14 / MS-RPCE 2.2.5 for NDR64. Nothing here comes from the plugin or the mock's codec.
"""
import os
import struct
import sys
import xml.etree.ElementTree as ET

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'lib'))
from ndrbytes import handle, pad, u32, u64, wstr  # noqa: E402
from pcapbuild import PcapBuilder  # noqa: E402

OK = 0
ERROR_INVALID_PARAMETER = 87

# CLUSTER_OBJECT_TYPE (2.2.2.11)
OT_CLUSTER, OT_GROUP, OT_RESOURCE, OT_RESOURCE_TYPE, OT_NETINTERFACE, OT_NETWORK, OT_NODE, \
    OT_REGISTRY, OT_QUORUM, OT_SHARED_VOLUME = range(1, 11)


class Stub:
    """An NDR stub assembled front to back; align() pads relative to the stub start."""

    def __init__(self):
        self.b = b''

    def align(self, n):
        self.b += b'\0' * ((-len(self.b)) % n)
        return self

    def raw(self, data):
        self.b += data
        return self

    def u32(self, v):
        return self.align(4).raw(u32(v))

    def u64(self, v):
        return self.align(8).raw(u64(v))


def utf16z(s):
    return (s + '\0').encode('utf-16le')


def multi_sz(*items):
    return b''.join(utf16z(s) for s in items) + b'\0\0'


def prop_list_sz(name, value):
    """PROPERTY_LIST (2.2.3.10): count, then CLUSPROP_SYNTAX_NAME entry, one
    CLUSPROP_SYNTAX_LIST_VALUE_SZ value, CLUSPROP_SYNTAX_ENDMARK; data padded to 4 bytes."""
    n = utf16z(name)
    v = utf16z(value)
    return (u32(1) + u32(0x00040003) + u32(len(n)) + pad(n) + u32(0x00010003) + u32(len(v)) + pad(v)
            + u32(0))


def fixed_name(s):
    """A 520-byte UTF-16 buffer, NUL-padded (2.2.3.29)."""
    b = s.encode('utf-16le')
    return b + b'\0' * (520 - len(b))


CSV_VOLUME = '\\\\?\\Volume{5ca1ab1e-0000-4000-8000-00000000c0de}\\'

# CLUSTER_SHARED_VOLUME_STATE_INFO_EX (2.2.3.32), laid out as the spec draws it (1580 bytes)
CSV_STATE_EX = (fixed_name(CSV_VOLUME) + fixed_name('NODE1') + u32(3) + fixed_name('Cluster Disk 1')
                + u64(0x11) + u64(0x2))
# CLUSTER_SHARED_VOLUME_STATE_INFO (2.2.3.29), 1044 bytes
CSV_STATE = fixed_name('Cluster Disk 2') + fixed_name('NODE2') + u32(1)


def prop_list_binary(name, data):
    n = utf16z(name)
    return (u32(1) + u32(0x00040003) + u32(len(n)) + pad(n) + u32(0x00010001) + u32(len(data))
            + pad(data) + u32(0))


class Notif:
    def __init__(self, key, otype, flag, buf=None, object_id='', parent_id='', name='', typ='',
                 buf_size=None):
        self.key, self.otype, self.flag, self.buf = key, otype, flag, buf
        self.strings = [object_id, parent_id, name, typ]
        self.buf_size = len(buf) if buf is not None and buf_size is None else (buf_size or 0)


def get_notify_v2_response(notifs, ndr64=False, rc=OK):
    """ApiGetNotifyV2 (3.1.4.2.138) response: [ref] pointer to a unique pointer to a conformant
    array of NOTIFICATION_RPC (2.2.3.24), then dwNumNotifications and the return value.
    NOTIFICATION_RPC is 8-byte aligned (the LONGLONG FilterFlags); dwNotifyKey is a DWORD_PTR."""
    s = Stub()
    ptr = s.u64 if ndr64 else s.u32
    ref = [0x20000]

    def next_ref():
        ref[0] += 4
        return ref[0]
    ptr(0x20000)
    ptr(len(notifs))                      # conformance
    for n in notifs:
        s.align(8)
        ptr(n.key)                        # DWORD_PTR dwNotifyKey
        s.align(8)                        # NOTIFICATION_DATA_RPC / NOTIFY_FILTER_AND_TYPE_RPC
        s.u32(n.otype)
        s.u64(n.flag)
        ptr(next_ref() if n.buf is not None else 0)
        s.u32(n.buf_size)
        for st in n.strings:
            ptr(next_ref() if st is not None else 0)
        s.align(8)
    for n in notifs:                      # deferred referents, in pointer order
        if n.buf is not None:
            ptr(len(n.buf))
            s.raw(n.buf)
        for st in n.strings:
            if st is not None:
                s.align(8 if ndr64 else 4)
                s.raw(wstr(st, ndr64=ndr64))
    s.u32(len(notifs))
    s.u32(rc)
    return s.b


def add_notify_v2(hnotify, hobject, otype, flags, key, ndr64=False):
    """ApiAddNotifyV2 (3.1.4.2.137) request: two handles, NOTIFY_FILTER_AND_TYPE_RPC by value
    (8-byte aligned), dwNotifyKey, dwVersion, isTargetedAtObject (32-bit BOOL)."""
    s = Stub().raw(hnotify).raw(hobject)
    s.u32(otype).u64(flags)
    s.u32(key).u32(2).u32(1)
    return s.b


def pdml(tshark, path):
    """{frame: {field: [(show, showname), ...]}} from one two-pass PDML run."""
    out = tshark.run('-r', path, '-2', '-T', 'pdml').stdout
    root = ET.fromstring(out)
    frames = {}
    for pkt in root.iter('packet'):
        fields = {}
        num = None
        for f in pkt.iter('field'):
            name = f.get('name')
            if name == 'frame.number':
                num = int(f.get('show'))
            if name:
                fields.setdefault(name, []).append((tshark.canon(name, f.get('show')),
                                                   f.get('showname')))
        frames[num] = fields
    return frames


def shown(frames, frame, field):
    return [sn for _, sn in frames[frame].get(field, [])]


def values(frames, frame, field):
    return [v for v, _ in frames[frame].get(field, [])]


def experts(frames, frame):
    return [v for v, _ in frames[frame].get('_ws.expert.message', [])]


# ----------------------------------------------------------------------------------------------
# The capture. Frame numbers: TCP handshake 1-3, bind 4-5, then calls (request, response) from 6.

@pytest.fixture(scope='module')
def v2_pcap(scratch):
    b = PcapBuilder()
    c = b.tcp_conversation(50010, 5555)
    c.bind()
    HC, HG, HN, HR = handle(0x11), handle(0x12), handle(0x13), handle(0x14)
    # 6/7 ApiOpenCluster
    c.call(0, b'', u32(OK) + HC)
    # 8/9 ApiOpenGroup("Cluster Group"): Status, rpc_status, handle
    c.call(41, wstr('Cluster Group'), u32(OK) + u32(OK) + HG)
    # 10/11 ApiCreateNotifyV2: no [in]; rpc_error, rpc_status, then the returned HNOTIFY_RPC
    c.call(137, b'', u32(OK) + u32(OK) + HN)
    # 12/13 ApiAddNotifyV2(group, STATE_V2 | OWNER_NODE_V2 | COMMON_PROPERTY_V2, key 0x1111)
    c.call(138, add_notify_v2(HN, HG, OT_GROUP, 0x08 | 0x10 | 0x02, 0x1111), u32(OK) + u32(OK))
    # 14/15 ApiAddNotifyV2(cluster, MEMBERSHIP_V2 | GROUP_ADDED_V2 | NODE_ADDED_V2 | UPGRADED_V2,
    #       key 0x2222)
    c.call(138, add_notify_v2(HN, HC, OT_CLUSTER, 0x800 | 0x4 | 0x20 | 0x1000, 0x2222),
           u32(OK) + u32(OK))
    # 16/17 ApiAddNotifyV2(resource, DEPENDENCIES_V2, key 0x3333) fails: not registered
    c.call(138, add_notify_v2(HN, HR, OT_RESOURCE, 0x10, 0x3333),
           u32(OK) + u32(ERROR_INVALID_PARAMETER))
    # 18/19 ApiAddNotifyResourceTypeV2(filter LONGLONG 0x22, key 0x4444, "Virtual Machine", 2):
    #       hNotify, pad to 8, filter, dwNotifyKey, resTypeName, dwVersion
    s = Stub().raw(HN).u64(0x22).u32(0x4444).raw(wstr('Virtual Machine')).u32(2)
    c.call(155, s.b, u32(OK) + u32(OK))
    # 20/21 ApiAddNotifyV2 on the resource again, every other kind, key 0x5555
    c.call(138, add_notify_v2(HN, HR, OT_RESOURCE, 0x04 | 0x10 | 0x40, 0x5555), u32(OK) + u32(OK))
    # 22/23 ApiAddNotifyV2 for the other object types, key 0x6666 (no flags of SBL device)
    c.call(138, add_notify_v2(HN, HC, 0x0e, 0, 0x6666), u32(OK) + u32(OK))

    # 24/25 ApiGetNotifyV2: one notification of every payload kind
    notifs = [
        Notif(0x1111, OT_GROUP, 0x08, u32(2), 'gid-1', 'nid-1', 'Cluster Group'),
        Notif(0x1111, OT_GROUP, 0x02, prop_list_sz('Description', 'web'), 'gid-1', 'nid-1',
              'Cluster Group'),
        Notif(0x1111, OT_GROUP, 0x10, utf16z('nid-2'), 'gid-1', 'nid-1', 'Cluster Group'),
        Notif(0x1111, OT_GROUP, 0x20, multi_sz('nid-2', 'nid-1'), 'gid-1', 'nid-1', 'Cluster Group'),
        Notif(0x5555, OT_RESOURCE, 0x10, utf16z('[IP Address] and [Disk]'), 'rid-1', 'gid-1',
              'SQL Server', 'SQL Server'),
        Notif(0x5555, OT_RESOURCE, 0x04, u32(0x81), 'rid-1', 'gid-1', 'SQL Server', 'SQL Server'),
        Notif(0x2222, OT_CLUSTER, 0x800, b'\x01' + u32(3) + b'\x01\x02\x04'),
        Notif(0x2222, OT_CLUSTER, 0x4, u32(0x270f), 'gid-9', 'nid-1', 'New Group'),
        Notif(0x2222, OT_CLUSTER, 0x20, u32(0), 'nid-3', '', 'NODE3'),
        Notif(0x2222, OT_CLUSTER, 0x1000, u32(0x000b0004)),
        Notif(0x4444, OT_RESOURCE_TYPE, 0x20, b'\xde\xad\xbe\xef', '', '', 'Virtual Machine'),
        Notif(0x2222, OT_SHARED_VOLUME, 0x1, prop_list_binary('SharedVolumeStateInfo', CSV_STATE_EX),
              'rid-csv', None, 'Cluster Disk 1', None),
        Notif(0x2222, OT_SHARED_VOLUME, 0x1, CSV_STATE, 'rid-csv2', None, 'Cluster Disk 2', None),
        Notif(0x2222, OT_REGISTRY, 0x8, None, 'Value1', '', 'Resources\\rid-1', ''),
        Notif(0x2222, OT_NODE, 0x10, u32(2), 'nid-3', '', 'NODE3'),
        Notif(0x2222, OT_NETWORK, 0x8, u32(3), 'netid', '', 'Cluster Network 1'),
        Notif(0x2222, OT_NETINTERFACE, 0x8, u32(1), 'ifid', 'nid-3', 'NODE3 - Ethernet'),
        Notif(0x2222, OT_QUORUM, 0x1, u32(4), 'rid-q', None, 'Witness', None),
    ]
    c.call(139, HN, get_notify_v2_response(notifs))

    # 26/27 ApiGetNotifyV2: malformed payloads, and the key of the failed registration
    bad = [
        Notif(0x1111, OT_GROUP, 0x08, b'\x02\x00'),                         # DWORD cut short
        Notif(0x1111, OT_GROUP, 0x08, u32(1), buf_size=8),                  # dwBufferSize lies
        Notif(0x2222, OT_CLUSTER, 0x800, b'\x01' + u32(100) + b'\x01\x02'),  # UpNodesSize overrun
        Notif(0x1111, OT_GROUP, 0x10, 'nid-2'.encode('utf-16le')),           # no NUL
        Notif(0x3333, OT_RESOURCE, 0x10, utf16z('[A]')),                    # registration failed
        Notif(0x1111, OT_GROUP, 0x18, u32(0)),                              # two flags at once
        Notif(0x1111, OT_GROUP, 0x02, u32(5) + u32(0x00040003) + u32(0x7fffffff)),  # bad list
    ]
    c.call(139, HN, get_notify_v2_response(bad))

    # second conversation, NDR64: 4/5 bind, 6/7 ApiCreateNotifyV2, 8/9 ApiAddNotifyV2,
    # 10/11 ApiGetNotifyV2
    d = b.tcp_conversation(50011, 5555)
    d.bind(ndr64=True)
    HN64, HG64 = handle(0x21), handle(0x22)
    d.call(137, b'', u32(OK) + u32(OK) + HN64)
    d.call(138, add_notify_v2(HN64, HG64, OT_GROUP, 0x08, 0x7777), u32(OK) + u32(OK))
    d.call(139, HN64, get_notify_v2_response(
        [Notif(0x7777, OT_GROUP, 0x08, u32(1), 'gid-64', 'nid-64', 'Group 64', '')], ndr64=True))
    path = os.path.join(scratch, 'notify_v2.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    return path


@pytest.fixture(scope='module')
def v2(tshark, v2_pcap):
    return pdml(tshark, v2_pcap)


def calls(frames, opnum, response):
    """Frame numbers of the requests (or responses) of `opnum`, in capture order (large stubs
    span several TCP segments, so frame numbers are looked up, not counted)."""
    want = '2' if response else '0'
    return [n for n, f in sorted(frames.items())
            if [v for v, _ in f.get('cmrp.opnum', [])] == [str(opnum)]
            and [v for v, _ in f.get('dcerpc.pkt_type', [])] == [want]]


@pytest.fixture(scope='module')
def fr(v2):
    """The frames of v2_pcap by role."""
    add = calls(v2, 138, False)
    get = calls(v2, 139, True)
    return {
        'add_group': add[0], 'add_cluster': add[1], 'add_failed': add[2], 'add_res': add[3],
        'add_sbl': add[4], 'add64': add[5], 'add_restype': calls(v2, 155, False)[0],
        'get': get[0], 'get_bad': get[1], 'get64': get[2],
    }


def test_add_notify_v2_object_type_and_flags(v2, fr):
    assert shown(v2, fr['add_group'], 'cmrp.notify.object_type') == [
        'dwObjectType: CLUSTER_OBJECT_TYPE_GROUP (2)']
    assert values(v2, fr['add_group'], 'cmrp.notify.filter_flags') == ['0x000000000000001a']
    # the flag set is the group's (2.2.2.13): bits named, set ones true
    assert values(v2, fr['add_group'], 'cmrp.notify.flags.group.state') == ['1']
    assert values(v2, fr['add_group'], 'cmrp.notify.flags.group.owner_node') == ['1']
    assert values(v2, fr['add_group'], 'cmrp.notify.flags.group.common_property') == ['1']
    assert values(v2, fr['add_group'], 'cmrp.notify.flags.group.deleted') == ['0']
    assert shown(v2, fr['add_group'], 'cmrp.notify.flags.group.state')[0].endswith(
        ' 1... = CLUSTER_CHANGE_GROUP_STATE_V2: True')
    assert shown(v2, fr['add_group'], 'cmrp.notify.filter_flags') == [
        'Filter flags: 0x000000000000001a, CLUSTER_CHANGE_GROUP_COMMON_PROPERTY_V2, '
        'CLUSTER_CHANGE_GROUP_STATE_V2, CLUSTER_CHANGE_GROUP_OWNER_NODE_V2']
    # the same bits mean other things for the cluster (2.2.2.12)
    assert values(v2, fr['add_cluster'], 'cmrp.notify.flags.cluster.membership') == ['1']
    assert values(v2, fr['add_cluster'], 'cmrp.notify.flags.cluster.group_added') == ['1']
    assert values(v2, fr['add_cluster'], 'cmrp.notify.flags.cluster.upgraded') == ['1']
    assert values(v2, fr['add_cluster'], 'cmrp.notify.flags.cluster.state') == ['0']
    # the key is a cmrp.notify.key, the object behind hObject is named by handle tracking
    assert values(v2, fr['add_group'], 'cmrp.notify.key') == ['0x0000000000001111']
    assert 'Cluster Group' in values(v2, fr['add_group'], 'cmrp.object_name')
    # an object type with no flags: the value alone, no bits
    assert values(v2, fr['add_sbl'], 'cmrp.notify.filter_flags') == ['0x0000000000000000']
    assert shown(v2, fr['add_sbl'], 'cmrp.notify.object_type') == [
        'dwObjectType: CLUSTER_OBJECT_TYPE_SBL_DEVICE (14)']


def test_add_notify_resource_type_v2(v2, fr):
    assert values(v2, fr['add_restype'], 'cmrp.notify.filter_flags') == ['0x0000000000000022']
    assert values(v2, fr['add_restype'], 'cmrp.notify.flags.resource_type.specific') == ['1']
    assert values(v2, fr['add_restype'], 'cmrp.notify.flags.resource_type.common_property') == ['1']
    assert values(v2, fr['add_restype'], 'cmrp.notify.flags.resource_type.deleted') == ['0']
    assert values(v2, fr['add_restype'], 'cmrp.notify.key') == ['0x0000000000004444']
    assert values(v2, fr['add_restype'], 'cmrp.restypename') == ['Virtual Machine']


def test_get_notify_v2_fields(v2, fr):
    f = fr['get']
    assert values(v2, f, 'cmrp.notify.count') == ['18']
    keys = values(v2, f, 'cmrp.notify.key')
    assert keys[:5] == ['0x0000000000001111'] * 4 + ['0x0000000000005555']
    assert len(keys) == 18
    assert shown(v2, f, 'cmrp.notify.filter')[:4] == [
        'Filter: CLUSTER_CHANGE_GROUP_STATE_V2 (0x00000008)',
        'Filter: CLUSTER_CHANGE_GROUP_COMMON_PROPERTY_V2 (0x00000002)',
        'Filter: CLUSTER_CHANGE_GROUP_OWNER_NODE_V2 (0x00000010)',
        'Filter: CLUSTER_CHANGE_GROUP_PREFERRED_OWNERS_V2 (0x00000020)']
    assert shown(v2, f, 'cmrp.notify.object_type')[6] == 'dwObjectType: CLUSTER_OBJECT_TYPE_CLUSTER (1)'
    assert values(v2, f, 'cmrp.notify.object_id')[:2] == ['gid-1', 'gid-1']
    assert values(v2, f, 'cmrp.notify.parent_id')[:1] == ['nid-1']
    assert values(v2, f, 'cmrp.notify.name')[:1] == ['Cluster Group']
    assert values(v2, f, 'cmrp.notify.type')[4] == 'SQL Server'


def test_get_notify_v2_payloads(v2, fr):
    f = fr['get']
    # DWORD states, each with its object type's names
    assert shown(v2, f, 'cmrp.notify.state') == [
        'State: ClusterGroupFailed (2)',
        'State: ClusterResourceOnlinePending (129)',
        'State: ClusterNodeUp (0)',              # CLUSTER_NODE_ADDED_V2
        'State: ClusterNodePaused (2)',
        'State: ClusterNetworkUp (3)',
        'State: ClusterNetInterfaceUnreachable (1)',
        'State: ClusterResourceFailed (4)',       # quorum: a resource state
    ]
    # PROPERTY_LIST, through the property list decoder
    assert values(v2, f, 'cmrp.prop.name')[:1] == ['Description']
    assert 'web' in values(v2, f, 'cmrp.prop.sz')
    # ID strings, dependency expression, MULTI_SZ of IDs
    assert values(v2, f, 'cmrp.notify.id') == ['nid-2', 'nid-2', 'nid-1']
    assert values(v2, f, 'cmrp.notify.dependency_expression') == ['[IP Address] and [Disk]']
    # CLUSTER_MEMBERSHIP_INFO
    assert values(v2, f, 'cmrp.notify.membership.has_quorum') == ['1']
    assert values(v2, f, 'cmrp.notify.membership.up_nodes_size') == ['3']
    assert values(v2, f, 'cmrp.notify.membership.up_node') == ['1', '2', '4']
    # group type, cluster version
    assert shown(v2, f, 'cmrp.notify.group_type') == ['Group type: ClusGroupTypeUnknown (0x0000270f)']
    assert values(v2, f, 'cmrp.notify.cluster_version') == ['0x000b0004']
    # opaque resource-type-specific buffer
    assert values(v2, f, 'cmrp.notify.data') == ['de:ad:be:ef']
    # shared volume: a property list of one STATE_INFO_EX, and a bare STATE_INFO
    assert values(v2, f, 'cmrp.notify.csv.volume_name') == [CSV_VOLUME, 'Cluster Disk 2']
    assert values(v2, f, 'cmrp.notify.csv.node_name') == ['NODE1', 'NODE2']
    assert shown(v2, f, 'cmrp.notify.csv.state') == [
        'Volume state: SharedVolumeStateActiveRedirected (3)',
        'Volume state: SharedVolumeStatePaused (1)']
    assert values(v2, f, 'cmrp.notify.csv.friendly_name') == ['Cluster Disk 1']
    assert values(v2, f, 'cmrp.notify.csv.redirected_reason') == ['0x0000000000000011']
    assert values(v2, f, 'cmrp.notify.csv.redirected_reason.user_request') == ['1']
    assert values(v2, f, 'cmrp.notify.csv.redirected_reason.encryption') == ['1']
    assert values(v2, f, 'cmrp.notify.csv.block_redirected_reason.storage_space_not_attached') == ['1']
    # registry: empty buffer, the value name in ObjectId
    assert 'Value1' in values(v2, f, 'cmrp.notify.object_id')
    # well-formed: no malformed expert info at all
    assert not [e for e in v2[f].get('_ws.expert.group', []) if e[0] == '117440512']
    assert '_ws.malformed' not in v2[f]


def test_key_linking(v2, fr):
    f = fr['get']
    # each notification names the request that registered its key on this port
    reg = values(v2, f, 'cmrp.notify.registered_in')
    assert reg[:4] == [str(fr['add_group'])] * 4
    assert reg[4:6] == [str(fr['add_res'])] * 2
    assert reg[6] == str(fr['add_cluster'])
    assert reg[10] == str(fr['add_restype'])
    assert len(reg) == 18
    # the failed ApiAddNotifyV2 registered nothing
    bad = values(v2, fr['get_bad'], 'cmrp.notify.registered_in')
    assert str(fr['add_failed']) not in bad
    assert any('No registration of key 0x3333' in e for e in experts(v2, fr['get_bad']))


def test_ndr64_get_notify_v2(v2, fr):
    assert values(v2, fr['add64'], 'cmrp.notify.key') == ['0x0000000000007777']
    assert values(v2, fr['get64'], 'cmrp.notify.key') == ['0x0000000000007777']
    assert values(v2, fr['get64'], 'cmrp.notify.registered_in') == [str(fr['add64'])]
    assert shown(v2, fr['get64'], 'cmrp.notify.state') == ['State: ClusterGroupOffline (1)']
    assert values(v2, fr['get64'], 'cmrp.notify.object_id') == ['gid-64']
    assert values(v2, fr['get64'], 'cmrp.notify.name') == ['Group 64']


def test_malformed_payloads(v2, fr):
    msgs = experts(v2, fr['get_bad'])
    assert '2 bytes, a group state is 4' in msgs
    assert 'dwBufferSize is 8 but the buffer holds 4 bytes' in msgs
    assert 'UpNodesSize 100, but only 2 bytes follow' in msgs
    assert 'String or string list is not NUL-terminated' in msgs
    assert 'A notification carries exactly one filter flag' in msgs
    assert any(m.startswith('Property count 5 is larger than') for m in msgs), msgs
    groups = [g for g, _ in v2[fr['get_bad']]['_ws.expert.group']]
    assert groups.count('117440512') >= 5          # PI_MALFORMED
    # decoding went on after each bad payload: all seven keys are there
    assert len(values(v2, fr['get_bad'], 'cmrp.notify.key')) == 7


def test_builtin_misparses_get_notify_v2(tshark, tshark_builtin, v2_pcap, fr):
    """Wireshark's PIDL clusapi takes NOTIFICATION_RPC.dwNotifyKey for a pointer (MS-CMRP 2.2.3.24
    says DWORD_PTR, an integer), so it misreads the key and everything after it; ours does not."""
    for frame, ndr64 in ((fr['get'], False), (fr['get64'], True)):
        rows = tshark_builtin.fields(v2_pcap, ['clusapi.NOTIFICATION_RPC.dwNotifyKey',
                                               'clusapi.NOTIFICATION_DATA_RPC.ObjectId',
                                               '_ws.malformed'], 'frame.number == %d' % frame)
        b_keys, b_ids, b_malformed = rows[0]
        rows = tshark.fields(v2_pcap, ['cmrp.notify.key', 'cmrp.notify.object_id', '_ws.malformed'],
                             'frame.number == %d' % frame)
        o_keys, o_ids, o_malformed = rows[0]
        want_key = 0x7777 if ndr64 else 0x1111
        want_id = 'gid-64' if ndr64 else 'gid-1'
        # ours: the client's key and the object ID, no malformed packet
        assert o_keys[0] == '0x%016x' % want_key and o_ids[0] == want_id and not o_malformed
        # the built-in: the key is not the client's, the IDs are lost, the stub "malformed"
        assert str(want_key) not in b_keys, b_keys
        assert b_keys == ['4'] or not b_keys, b_keys
        assert want_id not in b_ids, b_ids
        assert b_malformed, (frame, b_keys, b_ids)


# ----------------------------------------------------------------------------------------------
# Version 1 notification ports: ClusAPI 3.0 over TCP and 2.0 over UDP.

@pytest.fixture(scope='module')
def v1_pcap(scratch):
    b = PcapBuilder()
    c = b.tcp_conversation(50020, 5555)
    c.bind()
    HG, HN, HK = handle(0x31), handle(0x32), handle(0x33)
    c.call(41, wstr('Cluster Group'), u32(OK) + u32(OK) + HG)               # ApiOpenGroup
    c.call(55, b'', u32(OK) + u32(OK) + HN)                                  # ApiCreateNotify
    # ApiAddNotifyGroup(hNotify, hGroup, dwFilter GROUP_STATE|GROUP_DELETED, dwNotifyKey 0x77):
    # out dwStateSequence, rpc_status, return
    c.call(59, HN + HG + u32(0x3000) + u32(0x77), u32(9) + u32(OK) + u32(OK))
    c.call(28, u32(0x02000000), u32(OK) + u32(OK) + HK)                      # ApiGetRootKey
    # ApiAddNotifyKey(hNotify, hKey, dwNotifyKey 0x78, Filter REGISTRY_NAME|REGISTRY_VALUE,
    # WatchSubTree TRUE as a 32-bit BOOL)
    c.call(61, HN + HK + u32(0x78) + u32(0x50) + u32(1), u32(OK) + u32(OK))
    # ApiReAddNotifyGroup(..., dwFilter GROUP_PROPERTY, key 0x79, StateSequence 9) fails
    c.call(63, HN + HG + u32(0x8000) + u32(0x79) + u32(9), u32(OK) + u32(5008))
    # ApiGetNotify (3.0): dwNotifyKey, dwFilter, dwStateSequence, Name (unique string),
    # rpc_status, return
    c.call(65, HN, u32(0x77) + u32(0x1000) + u32(10) + u32(0x20000) + wstr('Cluster Group')
           + pad(b'', 4) + u32(OK) + u32(OK))
    # ApiGetNotifyAsync: unique pointer to a conformant array of NOTIFICATION_DATA_ASYNC_RPC
    # {dwNotifyKey, dwFilter, Name*}, the names deferred, then dwNumNotifications, return
    s = Stub().u32(0x20000).u32(3)
    s.u32(0x78).u32(0x40).u32(0x20004)
    s.u32(0x77).u32(0x2000).u32(0x20008)
    s.u32(0x79).u32(0x8000).u32(0x2000c)
    s.align(4).raw(wstr('Resources\\Value1')).align(4).raw(wstr('Cluster Group'))
    s.align(4).raw(wstr('Cluster Group')).u32(3).u32(OK)
    c.call(147, HN, s.b)

    u = b.udp_conversation(50021, 5556)
    HC2, HN2 = handle(0x41), handle(0x42)
    u.call(0, b'', u32(OK) + HC2)                                            # ApiOpenCluster
    u.call(55, b'', u32(OK) + HN2)                                           # ApiCreateNotify (2.0)
    # ApiAddNotifyCluster (2.0): hNotify, hCluster, dwFilter, dwNotifyKey; return only
    u.call(57, HN2 + HC2 + u32(0x20080000) + u32(0x55), u32(OK))
    # ApiGetNotify (2.0): hNotify, Timeout; out key, filter, sequence, Name, return
    u.call(65, HN2 + u32(1000), u32(0x55) + u32(0x20000000) + u32(1) + u32(0x20000)
           + wstr('CLUSTER1') + u32(OK))
    path = os.path.join(scratch, 'notify_v1.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    return path


@pytest.fixture(scope='module')
def v1(tshark, v1_pcap):
    return pdml(tshark, v1_pcap)


def test_v1_filters_named(v1):
    add_group = calls(v1, 59, False)[0]
    assert values(v1, add_group, 'cmrp.notify.change') == ['0x00003000']
    assert shown(v1, add_group, 'cmrp.notify.change') == [
        'Filter: 0x00003000, CLUSTER_CHANGE_GROUP_STATE, CLUSTER_CHANGE_GROUP_DELETED']
    assert values(v1, add_group, 'cmrp.notify.change.group_state') == ['1']
    assert values(v1, add_group, 'cmrp.notify.change.group_added') == ['0']
    assert values(v1, add_group, 'cmrp.notify.key') == ['0x0000000000000077']
    add_key = calls(v1, 61, False)[0]
    assert shown(v1, add_key, 'cmrp.notify.change') == [
        'Filter: 0x00000050, CLUSTER_CHANGE_REGISTRY_NAME, CLUSTER_CHANGE_REGISTRY_VALUE']
    readd = calls(v1, 63, False)[0]
    assert values(v1, readd, 'cmrp.notify.change.group_property') == ['1']
    get = calls(v1, 65, True)[0]
    assert shown(v1, get, 'cmrp.notify.change') == ['Filter: 0x00001000, CLUSTER_CHANGE_GROUP_STATE']
    assert values(v1, get, 'cmrp.notify.name') == ['Cluster Group']
    # ClusAPI 2.0 (cmrp2): the same fields
    add2 = calls(v1, 57, False)[0]
    assert shown(v1, add2, 'cmrp.notify.change') == [
        'Filter: 0x20080000, CLUSTER_CHANGE_CLUSTER_RECONNECT, CLUSTER_CHANGE_CLUSTER_STATE']
    get2 = calls(v1, 65, True)[1]
    assert shown(v1, get2, 'cmrp.notify.change') == ['Filter: 0x20000000, CLUSTER_CHANGE_CLUSTER_STATE']
    assert values(v1, get2, 'cmrp.notify.name') == ['CLUSTER1']


def test_v1_key_linking(v1):
    add_group = calls(v1, 59, False)[0]
    add_key = calls(v1, 61, False)[0]
    get, get2 = calls(v1, 65, True)
    assert values(v1, get, 'cmrp.notify.key') == ['0x0000000000000077']
    assert values(v1, get, 'cmrp.notify.registered_in') == [str(add_group)]
    # ApiGetNotifyAsync: each entry to its registration; the failed re-registration links nowhere
    async_rsp = calls(v1, 147, True)[0]
    assert values(v1, async_rsp, 'cmrp.notify.key') == [
        '0x0000000000000078', '0x0000000000000077', '0x0000000000000079']
    assert values(v1, async_rsp, 'cmrp.notify.registered_in') == [str(add_key), str(add_group)]
    assert any('No registration of key 0x79' in e for e in experts(v1, async_rsp))
    assert shown(v1, async_rsp, 'cmrp.notify.change') == [
        'Filter: 0x00000040, CLUSTER_CHANGE_REGISTRY_VALUE',
        'Filter: 0x00002000, CLUSTER_CHANGE_GROUP_DELETED',
        'Filter: 0x00008000, CLUSTER_CHANGE_GROUP_PROPERTY']
    assert values(v1, async_rsp, 'cmrp.notify.name') == [
        'Resources\\Value1', 'Cluster Group', 'Cluster Group']
    # ClusAPI 2.0 over UDP
    add2 = calls(v1, 57, False)[0]
    assert values(v1, get2, 'cmrp.notify.registered_in') == [str(add2)]


# ----------------------------------------------------------------------------------------------
# Enumerations

def enum_list(entries):
    """[out] PENUM_LIST *: unique pointer, conformance (hoisted), EntryCount, ENUM_ENTRY {Type,
    Name*} each, then the names (2.2.3.4, 2.2.3.5)."""
    s = Stub().u32(0x20000).u32(len(entries)).u32(len(entries))
    for i, (t, _) in enumerate(entries):
        s.u32(t).u32(0x20004 + 4 * i)
    for _, name in entries:
        s.align(4).raw(wstr(name))
    return s.align(4).b


def prop_list_dword(name, value):
    n = utf16z(name)
    return u32(1) + u32(0x00040003) + u32(len(n)) + pad(n) + u32(0x00010002) + u32(4) + u32(value) + u32(0)


@pytest.fixture(scope='module')
def enum_pcap(scratch):
    b = PcapBuilder()
    c = b.tcp_conversation(50030, 5555)
    c.bind()
    HC, HR, HG, HNW, HND = handle(0x51), handle(0x52), handle(0x53), handle(0x54), handle(0x55)
    c.call(7, u32(0x9), enum_list([(1, 'NODE1'), (8, 'Cluster Group')]) + u32(OK) + u32(OK))
    c.call(22, HR + u32(0x7), enum_list([(1, 'IP Address'), (2, 'SQL Agent'), (4, 'NODE1')])
           + u32(OK) + u32(OK))
    c.call(53, HG + u32(0x3), enum_list([(1, 'SQL Server'), (2, 'NODE2')]) + u32(OK) + u32(OK))
    c.call(85, HNW + u32(0x1), enum_list([(1, 'NODE1 - Ethernet')]) + u32(OK) + u32(OK))
    c.call(101, HND + u32(0x3), enum_list([(1, 'NODE1 - Ethernet'), (2, 'Available Storage')])
           + u32(OK) + u32(OK))
    c.call(103, pad(wstr('Physical Disk')) + u32(0x3),
           enum_list([(1, 'NODE1'), (2, 'Cluster Disk 1')]) + u32(OK) + u32(OK))
    # ApiCreateGroupEnum(hCluster, pProperties = MULTI_SZ, cbProperties, pRoProperties NULL, 0)
    names = multi_sz('Description', 'PersistentState')
    req = Stub().raw(HC).u32(0x20000).u32(len(names)).raw(names).u32(len(names)).u32(0).u32(0).b
    # GROUP_ENUM_LIST: unique pointer, conformance, EntryCount, one GROUP_ENUM_ENTRY {Name*, Id*,
    # dwState, Owner*, dwFlags, cbProperties, Properties*, cbRoProperties, RoProperties*}, then
    # the referents in order
    props = prop_list_sz('Description', 'web')
    ro = prop_list_dword('PersistentState', 1)
    s = Stub().u32(0x20000).u32(1).u32(1)
    s.u32(0x20004).u32(0x20008).u32(2).u32(0x2000c).u32(1).u32(len(props)).u32(0x20010)
    s.u32(len(ro)).u32(0x20014)
    s.raw(wstr('SQL Group')).align(4).raw(wstr('gid-1')).align(4).raw(wstr('NODE1')).align(4)
    s.u32(len(props)).raw(props).align(4).u32(len(ro)).raw(ro).align(4).u32(OK).u32(OK)
    c.call(143, req, s.b)
    # ApiCreateResourceEnum with "*" for both lists; RESOURCE_ENUM_ENTRY {Name*, Id*, OwnerName*,
    # OwnerId*, cbProperties, Properties*, cbRoProperties, RoProperties*}
    star = multi_sz('*')
    req = (Stub().raw(HC).u32(0x20000).u32(len(star)).raw(star).u32(len(star)).u32(0x20004)
           .u32(len(star)).raw(star).u32(len(star)).b)
    props = prop_list_sz('Type', 'Physical Disk')
    s = Stub().u32(0x20000).u32(1).u32(1)
    s.u32(0x20004).u32(0x20008).u32(0x2000c).u32(0x20010).u32(len(props)).u32(0x20014).u32(0).u32(0)
    for st in ('Cluster Disk 1', 'rid-7', 'Available Storage', 'gid-2'):
        s.align(4).raw(wstr(st))
    s.align(4).u32(len(props)).raw(props).align(4).u32(OK).u32(OK)
    c.call(144, req, s.b)
    # ApiGetClusterVersion2: three WORDs, two unique strings, a unique
    # CLUSTER_OPERATIONAL_VERSION_INFO {dwSize 20, highest, lowest, dwFlags, reserved}
    s = Stub().raw(struct.pack('<HHH', 10, 0, 20348)).u32(0x20000).raw(wstr('Microsoft(R) Cluster'))
    s.align(4).u32(0x20004).raw(wstr('')).align(4).u32(0x20008)
    s.u32(20).u32(0x000b0004).u32(0x000a0003).u32(1).u32(0).u32(OK).u32(OK)
    c.call(102, b'', s.b)
    # malformed: a property-name list without its terminating empty string
    bad = 'Description'.encode('utf-16le')
    req = Stub().raw(HC).u32(0x20000).u32(len(bad)).raw(bad).u32(len(bad)).u32(0).u32(0).b
    c.call(143, req)
    path = os.path.join(scratch, 'enum.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    return path


@pytest.fixture(scope='module')
def en(tshark, enum_pcap):
    return pdml(tshark, enum_pcap)


def test_enum_entry_types_by_method(en):
    def types(opnum):
        return shown(en, calls(en, opnum, True)[0], 'cmrp.enum_entry.type')
    assert types(7) == ['Type: CLUSTER_ENUM_NODE (0x00000001)', 'Type: CLUSTER_ENUM_GROUP (0x00000008)']
    assert types(22) == ['Type: CLUSTER_RESOURCE_ENUM_DEPENDS (0x00000001)',
                         'Type: CLUSTER_RESOURCE_ENUM_PROVIDES (0x00000002)',
                         'Type: CLUSTER_RESOURCE_ENUM_NODES (0x00000004)']
    assert types(53) == ['Type: CLUSTER_GROUP_ENUM_CONTAINS (0x00000001)',
                         'Type: CLUSTER_GROUP_ENUM_NODES (0x00000002)']
    assert types(85) == ['Type: CLUSTER_NETWORK_ENUM_NETINTERFACES (0x00000001)']
    assert types(101) == ['Type: CLUSTER_NODE_ENUM_NETINTERFACES (0x00000001)',
                          'Type: CLUSTER_NODE_ENUM_GROUPS (0x00000002)']
    assert types(103) == ['Type: CLUSTER_RESOURCE_TYPE_ENUM_NODES (0x00000001)',
                          'Type: CLUSTER_RESOURCE_TYPE_ENUM_RESOURCES (0x00000002)']
    assert values(en, calls(en, 103, True)[0], 'cmrp.enum_entry.name') == ['NODE1', 'Cluster Disk 1']
    # the request's dwType: the same enumerations, as bit masks (cmrp.cnf)
    assert shown(en, calls(en, 22, False)[0], 'cmrp.resource_enum_type') == [
        'dwType: 0x00000007, CLUSTER_RESOURCE_ENUM_DEPENDS, CLUSTER_RESOURCE_ENUM_PROVIDES, '
        'CLUSTER_RESOURCE_ENUM_NODES']


def test_group_and_resource_enum(en):
    req, rsp = calls(en, 143, False)[0], calls(en, 143, True)[0]
    assert values(en, req, 'cmrp.enum.property_name') == ['Description', 'PersistentState']
    assert values(en, rsp, 'cmrp.group_enum_entry.name') == ['SQL Group']
    assert shown(en, rsp, 'cmrp.group.state') == ['State: ClusterGroupFailed (2)']
    assert values(en, rsp, 'cmrp.group_enum_entry.owner') == ['NODE1']
    # Properties and RoProperties are PROPERTY_LISTs
    assert values(en, rsp, 'cmrp.prop.name') == ['Description', 'PersistentState']
    assert values(en, rsp, 'cmrp.prop.sz') == ['web']
    assert values(en, rsp, 'cmrp.prop.dword') == ['1']
    req, rsp = calls(en, 144, False)[0], calls(en, 144, True)[0]
    assert values(en, req, 'cmrp.enum.property_name') == ['*', '*']
    assert values(en, rsp, 'cmrp.resource_enum_entry.ownername') == ['Available Storage']
    assert values(en, rsp, 'cmrp.prop.sz') == ['Physical Disk']
    assert '_ws.malformed' not in en[rsp]


def test_cluster_version_info(en):
    rsp = calls(en, 102, True)[0]
    assert values(en, rsp, 'cmrp.cluster_operational_version_info.dwclusterhighestversion') == [
        '0x000b0004']
    assert shown(en, rsp, 'cmrp.cluster_operational_version_info.dwflags') == [
        'dwFlags: CLUSTER_VERSION_FLAG_MIXED_MODE (0x00000001)']


def test_property_names_unterminated(en):
    req = calls(en, 143, False)[1]
    assert values(en, req, 'cmrp.enum.property_name') == ['Description']
    assert 'String or string list is not NUL-terminated' in experts(en, req)


def test_info_gives_the_events(tshark, v2_pcap, fr):
    """Info: the number of notifications, then the first events (object type and name, the
    filter, the payload's key value: 3.1.4.2.138), cut with "..." to stay about 120 characters."""
    rows = tshark.fields(v2_pcap, ['frame.number', '_ws.col.Info'], 'cmrp.opnum == 139')
    info = {int(r[0][0]): r[1][0] for r in rows}
    # the first notification: group "Cluster Group", GROUP_STATE_V2, payload 2 = ClusterGroupFailed
    assert info[fr['get']] == ('ApiGetNotifyV2 response "Notification port" 18 events: '
                               'Group "Cluster Group" state Failed, ...')
    assert info[fr['get64']] == ('ApiGetNotifyV2 response "Notification port" 1 event: '
                                 'Group "Group 64" state Offline')
    # a DWORD cut short has no value; the rest as far as the budget goes
    assert info[fr['get_bad']] == ('ApiGetNotifyV2 response "Notification port" 7 events: '
                                   'Group "" state, Group "" state Offline, ...')
    assert all(len(i) <= 130 for i in info.values())


def notification_lines(tshark, path, frame):
    out = tshark.run('-r', path, '-2', '-Y', 'frame.number == %d' % frame, '-V', '-O', 'cmrp').stdout
    return [ln.strip() for ln in out.splitlines() if ln.strip().startswith('Notifications (NOTIFICATION_RPC): ')]


def test_notification_tree_text_reads_as_a_log(tshark, v2_pcap, fr):
    """Each NOTIFICATION_RPC item names its object (type and Name), filter (the flag, 2.2.2.12-26)
    and the payload's key value, so the collapsed tree is a log of the batch."""
    assert notification_lines(tshark, v2_pcap, fr['get']) == [
        'Notifications (NOTIFICATION_RPC): Group "Cluster Group" state Failed',
        'Notifications (NOTIFICATION_RPC): Group "Cluster Group" common property Description',
        'Notifications (NOTIFICATION_RPC): Group "Cluster Group" owner node nid-2',
        'Notifications (NOTIFICATION_RPC): Group "Cluster Group" preferred owners nid-2, nid-1',
        'Notifications (NOTIFICATION_RPC): Resource "SQL Server" dependencies [IP Address] and [Disk]',
        'Notifications (NOTIFICATION_RPC): Resource "SQL Server" state OnlinePending',
        'Notifications (NOTIFICATION_RPC): Cluster "" membership with quorum, 3 up nodes',
        'Notifications (NOTIFICATION_RPC): Cluster "New Group" group added ClusGroupTypeUnknown',
        'Notifications (NOTIFICATION_RPC): Cluster "NODE3" node added Up',
        'Notifications (NOTIFICATION_RPC): Cluster "" upgraded 0x000b0004',
        'Notifications (NOTIFICATION_RPC): Resource type "Virtual Machine" specific',
        'Notifications (NOTIFICATION_RPC): Shared volume "Cluster Disk 1" state SharedVolumeStateInfo',
        'Notifications (NOTIFICATION_RPC): Shared volume "Cluster Disk 2" state Paused',
        'Notifications (NOTIFICATION_RPC): Registry "Resources\\rid-1" value',
        'Notifications (NOTIFICATION_RPC): Node "NODE3" state Paused',
        'Notifications (NOTIFICATION_RPC): Network "Cluster Network 1" state Up',
        'Notifications (NOTIFICATION_RPC): Network interface "NODE3 - Ethernet" state Unreachable',
        'Notifications (NOTIFICATION_RPC): Quorum "Witness" state Failed',
    ]
    assert notification_lines(tshark, v2_pcap, fr['get_bad']) == [
        'Notifications (NOTIFICATION_RPC): Group "" state',
        'Notifications (NOTIFICATION_RPC): Group "" state Offline',
        'Notifications (NOTIFICATION_RPC): Cluster "" membership with quorum, 100 up nodes',
        'Notifications (NOTIFICATION_RPC): Group "" owner node nid-2',
        'Notifications (NOTIFICATION_RPC): Resource "" dependencies [A]',
        'Notifications (NOTIFICATION_RPC): Group "" filter ?',
        'Notifications (NOTIFICATION_RPC): Group "" common property 5 properties',
    ]
    assert notification_lines(tshark, v2_pcap, fr['get64']) == [
        'Notifications (NOTIFICATION_RPC): Group "Group 64" state Offline']


def test_info_events_on_the_scenario_capture(tshark):
    """The mock's batches (captures/scenario-ndr.pcapng): v2 (ApiGetNotifyV2), v1 async
    (ApiGetNotifyAsync, CLUSTER_CHANGE names) and v1 (ApiGetNotify, one event each)."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        'captures', 'scenario-ndr.pcapng')
    rows = tshark.fields(path, ['frame.number', '_ws.col.Info', 'cmrp.notify.name'],
                         '(cmrp.opnum == 139 || cmrp.opnum == 65 || cmrp.opnum == 147) && '
                         'dcerpc.pkt_type == 2')
    info = {int(r[0][0]): r[1][0] for r in rows}
    names = {int(r[0][0]): r[2] for r in rows}
    port = '"Notification port"'
    assert info[241] == ('ApiGetNotifyV2 response %s 51 events: Group "Available Storage" '
                         'preferred owners 1, 2, 3, ...' % port)
    assert len(names[241]) == 51
    assert info[961] == ('ApiGetNotifyV2 response %s 13 events: Resource "Cluster Disk 2" state '
                         'OfflinePending, ...' % port)
    assert info[940] == ('ApiGetNotifyV2 response %s 25 events: Resource "Cluster Disk 1" common '
                         'property Description (+4), ...' % port)
    # a second event would pass the 120-character budget: the cut comes after a whole event
    assert info[959] == ('ApiGetNotifyAsync response %s 76 events: GROUP_STATE "Available Storage", '
                         '...' % port)
    assert len(names[959]) == 76
    assert info[953] == 'ApiGetNotify response %s 1 event: GROUP_STATE "Available Storage"' % port
    assert info[944] == 'ApiGetNotifyV2 response %s ERROR_NO_MORE_ITEMS' % port
    assert all(len(v) <= 120 for v in info.values())


def test_info_events_in_clusapi_2_0(tshark):
    """ClusAPI 2.0 over UDP (captures/v2-udp.pcapng): ApiGetNotify with its v2 Timeout parameter."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        'captures', 'v2-udp.pcapng')
    rows = tshark.fields(path, ['_ws.col.Info'], 'cmrp2 && cmrp.opnum == 65 && cmrp.notify.name')
    assert [r[0][0] for r in rows] == [
        'ApiGetNotify response "Notification port" 1 event: RESOURCE_STATE "Cluster Disk 2"'] * 2


def test_async_tree_text(tshark):
    """ApiGetNotifyAsync (3.1.4.2.148): each NOTIFICATION_DATA_ASYNC_RPC names its change and object."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        'captures', 'scenario-ndr.pcapng')
    out = tshark.run('-r', path, '-2', '-Y', 'frame.number == 959', '-V', '-O', 'cmrp').stdout
    lines = [ln.strip() for ln in out.splitlines()
             if ln.strip().startswith('Notifications (NOTIFICATION_DATA_ASYNC_RPC)')]
    assert len(lines) == 76
    assert lines[0] == 'Notifications (NOTIFICATION_DATA_ASYNC_RPC): GROUP_STATE "Available Storage"'
    assert all(': ' in ln and '"' in ln for ln in lines)
