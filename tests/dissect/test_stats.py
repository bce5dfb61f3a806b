"""Statistics: `tshark -z cmrp,tree` (plugin/cmrp-stats.c) and the DCE/RPC service response time
statistic for the ClusAPI UUID, on the bundled captures.

Counts are exact, and cross-checked against the PDUs themselves (request PDUs per opnum, control
codes, notification names) so the tree cannot drift from the decode.
"""
import collections
import glob
import os
import re

import pytest

from conftest import capture

UUID = 'b97db8b2-4c63-11cf-bff6-08002be23f2f'


def stats_tree(tshark, path, dfilter=None):
    """{path tuple: count} of the `-z cmrp,tree` output; a node's path is its ancestors' names."""
    args = ['-r', path, '-q', '-z', 'cmrp,tree']
    if dfilter:
        args[-1] += ',' + dfilter
    out = tshark.run(*args).stdout
    nodes, stack = {}, []
    body = False
    for line in out.splitlines():
        if line.startswith('Topic / Item'):
            body = True
            continue
        if not body or line.startswith('---') or line.startswith('==='):
            continue
        m = re.match(r'^( *)(\S.*?)\s{2,}(\d+)\s', line)
        if not m:
            continue
        depth = len(m.group(1))
        del stack[depth:]
        stack.append(m.group(2))
        nodes[tuple(stack)] = int(m.group(3))
    return nodes


METHODS = 'Methods (requests; failed responses by error)'
CTL = 'Control codes (requests)'
OBJECTS = 'Objects (requests by object type, name and method)'
EVENTS = 'Notification events (by filter)'


@pytest.fixture(scope='module')
def ndr(tshark):
    return stats_tree(tshark, capture('scenario-ndr.pcapng'))


def opnum_names():
    """opnum -> method name, from the IDL (idl/methods-*.idl)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    names = {}
    for f in glob.glob(os.path.join(root, 'idl', 'methods-*.idl')):
        for m in re.finditer(r'\[opnum\((\d+)\)[^\]]*\]\s*\w+\s+(\w+)\s*\(', open(f).read()):
            names[m.group(1)] = m.group(2)
    return names


def request_counts(tshark, path):
    """Request PDUs per method name, read from the PDUs (one value each of dcerpc.pkt_type and
    cmrp.opnum per ClusAPI PDU)."""
    rows = tshark.fields(path, ['dcerpc.pkt_type', 'cmrp.opnum'], 'cmrp || cmrp2', two_pass=False)
    c = collections.Counter()
    names = opnum_names()
    for types, ops in rows:
        for t, op in zip(types, ops):
            if t == '0':
                c[names[op]] += 1
    return c


def test_methods_count_every_request(tshark, ndr):
    counts = request_counts(tshark, capture('scenario-ndr.pcapng'))
    methods = {p[1]: n for p, n in ndr.items() if len(p) == 2 and p[0] == METHODS}
    assert ndr[(METHODS,)] == sum(counts.values()) == 510
    # the opnum field shows the method name: the tree's per-method counts are the PDUs'
    assert methods == dict(counts)


def test_failures_by_error_per_method(ndr):
    m = METHODS
    # ApiOpenResource("No Such Resource") fails with ERROR_RESOURCE_NOT_FOUND (the mock's known
    # failure); its other six opens succeed
    assert ndr[(m, 'ApiOpenResource')] == 7
    assert ndr[(m, 'ApiOpenResource', 'failed')] == 1
    assert ndr[(m, 'ApiOpenResource', 'failed', 'ERROR_RESOURCE_NOT_FOUND')] == 1
    assert ndr[(m, 'ApiGetNotifyV2')] == 11
    assert ndr[(m, 'ApiGetNotifyV2', 'failed', 'ERROR_NO_MORE_ITEMS')] == 3
    assert ndr[(m, 'ApiResourceControl')] == 47
    assert ndr[(m, 'ApiResourceControl', 'failed')] == 6
    assert ndr[(m, 'ApiResourceControl', 'failed', 'ERROR_INVALID_FUNCTION')] == 3
    assert ndr[(m, 'ApiResourceControl', 'failed', 'ERROR_MORE_DATA')] == 2
    assert ndr[(m, 'ApiResourceControl', 'failed', 'ERROR_RESOURCE_PROPERTIES_STORED')] == 1
    assert ndr[(m, 'ApiSetServiceAccountPassword', 'failed', 'ERROR_CALL_NOT_IMPLEMENTED')] == 2
    # a method without failures has no "failed" node
    assert (m, 'ApiOpenCluster', 'failed') not in ndr
    # the failures under each method add up
    for p, n in ndr.items():
        if len(p) == 3 and p[2] == 'failed':
            assert n == sum(v for q, v in ndr.items() if len(q) == 4 and q[:3] == p), p


def test_control_codes(tshark, ndr):
    rows = tshark.fields(capture('scenario-ndr.pcapng'), ['cmrp.ctl.code'],
                         'cmrp.ctl.code && dcerpc.pkt_type == 0', two_pass=False)
    assert ndr[(CTL,)] == sum(len(r[0]) for r in rows) == 212
    assert ndr[(CTL, 'CLUSCTL_RESOURCE_GET_COMMON_PROPERTIES')] == 3
    assert ndr[(CTL, 'CLUSCTL_RESOURCE_STORAGE_GET_DISK_INFO')] == 3
    assert ndr[(CTL, 'CLUSCTL_CLUSTER_GET_FQDN')] == 1
    assert sum(n for p, n in ndr.items() if len(p) == 2 and p[0] == CTL) == 212


def test_objects_by_type_name_and_method(ndr):
    o = OBJECTS
    # 69: its 67 own calls and the two that register it for notifications (ApiAddNotifyResource,
    # ApiReAddNotifyResource: the resource is their subject, the port has the role)
    assert ndr[(o, 'Resource', 'Cluster Disk 1')] == 69
    assert ndr[(o, 'Resource', 'Cluster Disk 1', 'ApiResourceControl')] == 35
    assert ndr[(o, 'Resource', 'No Such Resource', 'ApiOpenResource')] == 1
    # a resource-type control acts on the type named by its lpszResourceTypeName
    # 33: 29 controls, 3 ApiCreateResTypeEnum and 1 ApiAddNotifyResourceTypeV2 naming the type
    assert ndr[(o, 'Resource type', 'Physical Disk')] == 33
    assert ndr[(o, 'Resource type', 'Physical Disk', 'ApiCreateResTypeEnum')] == 3
    # 37 own calls and its ApiAddNotifyGroup, ApiReAddNotifyGroup
    assert ndr[(o, 'Group', 'Available Storage')] == 39
    # 31: 27 own calls, ApiAddNotifyNode, ApiReAddNotifyNode, ApiGetNetInterface (names the node
    # first), and frame 1052's ApiGetNodeState on NODE1's handle after its close (flagged)
    assert ndr[(o, 'Node', 'NODE1')] == 31
    assert ndr[(o, 'Registry key', 'HKEY_CLUSTER\\Cmrp\\Scenario')] == 44
    # opening the cluster names no object: the cluster (its default name); a batch port is
    # created on a key (ApiCreateBatchPort acts on the key's handle)
    assert ndr[(o, 'Cluster', 'Cluster', 'ApiOpenCluster')] == 1
    assert ndr[(o, 'Registry key', 'HKEY_CLUSTER\\Cmrp\\Scenario', 'ApiCreateBatchPort')] == 1
    # the port's own calls (get, close, unblock); the ApiAddNotify* calls count for their objects
    assert ndr[(o, 'Notification port', 'Notification port')] == 20
    assert (o, 'Notification port', 'Notification port', 'ApiAddNotifyResource') not in ndr
    # types add up to the total, names to their type
    types = {p: n for p, n in ndr.items() if len(p) == 2 and p[0] == o}
    assert ndr[(o,)] == sum(types.values())
    for t, n in types.items():
        assert n == sum(v for q, v in ndr.items() if len(q) == 3 and q[:2] == t), t


def test_notification_events_by_filter(tshark, ndr):
    # every notification of the mock names its object: count the names in the batch responses
    rows = tshark.fields(capture('scenario-ndr.pcapng'), ['cmrp.notify.name'],
                         '(cmrp.opnum == 139 || cmrp.opnum == 147 || cmrp.opnum == 65) && '
                         'dcerpc.pkt_type == 2', two_pass=False)
    assert ndr[(EVENTS,)] == sum(len(r[0]) for r in rows) == 243
    assert ndr[(EVENTS, 'CLUSTER_CHANGE_RESOURCE_STATE_V2')] == 38
    assert ndr[(EVENTS, 'CLUSTER_CHANGE_GROUP_STATE_V2')] == 19
    assert ndr[(EVENTS, 'CLUSTER_CHANGE_GROUP_STATE')] == 31     # version 1 (ApiGetNotify*)
    assert ndr[(EVENTS, 'CLUSTER_CHANGE_CLUSTER_MEMBERSHIP_V2')] == 3


def test_display_filter_narrows_the_tree(tshark):
    t = stats_tree(tshark, capture('scenario-ndr.pcapng'), 'cmrp.opnum == 8')
    assert t[(METHODS,)] == 7
    assert t[(METHODS, 'ApiOpenResource', 'failed', 'ERROR_RESOURCE_NOT_FOUND')] == 1
    assert (CTL,) not in t or t[(CTL,)] == 0


def test_v2_udp_is_counted(tshark):
    t = stats_tree(tshark, capture('v2-udp.pcapng'))
    counts = request_counts(tshark, capture('v2-udp.pcapng'))
    assert t[(METHODS,)] == sum(counts.values())
    assert t[(METHODS, 'ApiOpenResource')] == 2


@pytest.mark.parametrize('capname,ver,expect', [
    ('scenario-ndr.pcapng', '3.0', {'ApiOpenCluster': 1, 'ApiOpenResource': 7, 'ApiCloseResource': 9,
                                    'ApiResourceControl': 47, 'ApiGetNotifyV2': 11}),
    ('v2-udp.pcapng', '2.0', {'ApiOpenCluster': 1, 'ApiOpenResource': 2, 'ApiQueryValue': 1}),
])
def test_dcerpc_srt_names_the_methods(tshark, capname, ver, expect):
    """-z dcerpc,srt takes the procedure names from the opnum table our plugin registers."""
    out = tshark.run('-r', capture(capname), '-q', '-z', 'dcerpc,srt,%s,%s' % (UUID, ver)).stdout
    rows = {}
    for line in out.splitlines():
        m = re.match(r'^\s+(\d+)\s+(\S+)\s+(\d+)\s', line)
        if m:
            rows[m.group(2)] = (int(m.group(1)), int(m.group(3)))
    assert rows, out
    for name, calls in expect.items():
        assert rows[name][1] == calls, (name, rows.get(name))
    assert rows['ApiOpenResource'][0] == 8
    assert not any(n.startswith('Unknown') or n.isdigit() for n in rows)


def test_listed_among_the_statistics(tshark):
    """stats_tree registration: tshark lists it (and Wireshark puts it in its Statistics menu)."""
    out = tshark.run('-z', 'help', check=False)
    assert 'cmrp,tree' in (out.stdout + out.stderr).split()
