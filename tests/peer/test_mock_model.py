"""In-process tests of the mock ClusAPI server's model (cluster_model + handlers_*): every
call goes through the real dispatch (NDR or NDR64 request in, response out) and the response
is decoded strictly, so the marshalling of each answer is checked too.

Run with /usr/bin/python3 -m pytest tests/peer/test_mock_model.py
"""
import os
import struct
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import clusbuf as cb  # noqa: E402
import cluster_consts as K  # noqa: E402
from cluster_model import Model  # noqa: E402
from dcerpc_co import AssocGroup, CallContext, Fault  # noqa: E402


class Client:
    def __init__(self, model, ndr64=False, version=3):
        self.model = model
        self.ndr64 = ndr64
        self.version = version
        self.codec = model.codecs[version]
        self.assoc = AssocGroup(1)

    def __call__(self, name, **kw):
        m = self.codec.method(name)
        stub = self.codec.encode_request(m, kw, self.ndr64)
        ctx = CallContext(m.opnum, stub, self.ndr64, 1, self.assoc, 1)
        out = self.model.dispatch(ctx, self.version)
        return self.codec.decode_response(m, out, self.ndr64, strict=True)

    def open(self, what, name):
        r = self('ApiOpen' + what, **{{'Resource': 'lpszResourceName',
                                       'Group': 'lpszGroupName', 'Node': 'lpszNodeName',
                                       'Network': 'lpszNetworkName',
                                       'NetInterface': 'lpszNetInterfaceName',
                                       'GroupSet': 'lpszGroupSetName'}[what]: name})
        assert r['Status'] == 0, (what, name, r)
        return r['_return']


@pytest.fixture(params=[False, True], ids=['ndr', 'ndr64'])
def cl(request):
    return Client(Model(notify_timeout=0.2), ndr64=request.param)


def control(cl, method, code, inbuf=None, **handles):
    """Run a control code the way clients do: size query, then the real call."""
    r = cl(method, dwControlCode=code, lpInBuffer=inbuf, nOutBufferSize=0, **handles)
    if r['_return'] == K.ERROR_MORE_DATA:
        need = r['lpcbRequired']
        assert need > 0 and r['lpBytesReturned'] == 0
        r = cl(method, dwControlCode=code, lpInBuffer=inbuf, nOutBufferSize=need, **handles)
        assert r['lpBytesReturned'] == need
    return r


def test_unknown_opnum_faults(cl):
    ctx = CallContext(185, b'', False, 1, cl.assoc, 1)
    with pytest.raises(Fault) as e:
        cl.model.dispatch(ctx)
    assert e.value.status == K.NCA_S_OP_RNG_ERROR


def test_open_errors_and_close(cl):
    for what, name, err in (('Resource', 'nope', K.ERROR_RESOURCE_NOT_FOUND),
                            ('Group', 'nope', K.ERROR_GROUP_NOT_FOUND),
                            ('Node', 'NODE9', K.ERROR_CLUSTER_NODE_NOT_FOUND),
                            ('Network', 'nope', K.ERROR_CLUSTER_NETWORK_NOT_FOUND),
                            ('NetInterface', 'nope', K.ERROR_CLUSTER_NETINTERFACE_NOT_FOUND)):
        r = cl('ApiOpen' + what, **{'lpszResourceName': name} if what == 'Resource' else
               {'lpsz%sName' % what: name})
        assert r['Status'] == err and r['_return'] == b'\0' * 20
    h = cl.open('Resource', 'cluster name')                  # case-insensitive
    assert h[:4] == b'\0' * 4 and h != b'\0' * 20
    r = cl('ApiCloseResource', Resource=h)
    assert r == {'Resource': b'\0' * 20, '_return': 0}
    with pytest.raises(Fault):                                # closed: unknown to the runtime
        cl('ApiGetResourceState', hResource=h)
    n = cl.open('Node', 'NODE1')
    assert cl('ApiGetResourceState', hResource=n)['_return'] == K.ERROR_INVALID_HANDLE


def test_handles_are_deterministic():
    a, b = Client(Model()), Client(Model())
    assert [a('ApiOpenCluster')['_return'] for _ in range(3)] == \
        [b('ApiOpenCluster')['_return'] for _ in range(3)]


def test_enumerations(cl):
    r = cl('ApiCreateEnum', dwType=K.CLUSTER_ENUM_NODE | K.CLUSTER_ENUM_GROUP)
    names = [(e['Type'], e['Name']) for e in r['ReturnEnum']['Entry']]
    assert names[:3] == [(1, 'NODE1'), (1, 'NODE2'), (1, 'NODE3')]
    assert (8, 'SQL Server (INST1)') in names
    assert cl('ApiCreateEnum', dwType=0x40)['_return'] == K.ERROR_INVALID_PARAMETER
    hc = cl('ApiOpenCluster')['_return']
    r = cl('ApiCreateEnumEx', hCluster=hc, dwType=K.CLUSTER_ENUM_RESOURCE, dwOptions=0)
    assert len(r['ReturnIdEnum']['Entry']) == len(r['ReturnNameEnum']['Entry']) == 10
    g = cl('ApiCreateGroupEnum', hCluster=hc, pProperties=cb.multi_sz(['Priority']),
           pRoProperties=cb.multi_sz(['*']))['ppResultList']
    first = g['Entry'][0]
    assert first['Name'] == 'Cluster Group' and first['dwFlags'] == 1
    assert cb.property_dict(first['Properties']) == {'Priority': 3000}
    assert cb.property_dict(first['RoProperties'])['GroupType'] == 1
    bad = cl('ApiCreateResourceEnum', hCluster=hc, pProperties=cb.multi_sz(['Bogus']),
             pRoProperties=None)
    assert bad['_return'] == K.ERROR_INVALID_PARAMETER
    r = cl('ApiCreateNetInterfaceEnum', hCluster=hc, lpszNodeName='NODE2',
           lpszNetworkName='')
    assert [e['Name'] for e in r['ReturnEnum']['Entry']] == ['NODE2 - Ethernet',
                                                            'NODE2 - Ethernet 2']


CODES = sorted(__import__('handlers_control').CODES)


@pytest.mark.parametrize('what,name,method,param,obj', [
    ('Resource', 'Cluster Disk 1', 'ApiResourceControl', 'hResource', 1),
    ('Resource', 'Cluster Name', 'ApiResourceControl', 'hResource', 1),
    ('Group', 'Cluster Group', 'ApiGroupControl', 'hGroup', 3),
    ('Node', 'NODE2', 'ApiNodeControl', 'hNode', 4),
    ('Network', 'Cluster Network 1', 'ApiNetworkControl', 'hNetwork', 5),
    ('NetInterface', 'NODE1 - Ethernet', 'ApiNetInterfaceControl', 'hNetInterface', 6),
    ('GroupSet', 'SQL Set', 'ApiGroupSetControl', 'hGroupSet', 8),
])
def test_control_codes_sweep(cl, what, name, method, param, obj):
    h = cl.open(what, name)
    assert cl(method, dwControlCode=0, lpInBuffer=None, nOutBufferSize=0,
              **{param: h})['_return'] == K.ERROR_INVALID_FUNCTION
    for clctl in CODES:
        if clctl & 0x400000:
            continue                                     # the setters are tested below
        r = control(cl, method, (obj << 24) | clctl, **{param: h})
        assert r['_return'] in (0, K.ERROR_INVALID_FUNCTION, K.ERROR_FILE_NOT_FOUND,
                                K.ERROR_INVALID_DATA), \
            (hex(clctl), r)
        if clctl in (K.CLCTL_GET_COMMON_PROPERTIES, K.CLCTL_GET_RO_COMMON_PROPERTIES,
                     K.CLCTL_GET_PRIVATE_PROPERTIES) and r['lpOutBuffer']:
            cb.parse_property_list(r['lpOutBuffer'])


def test_cluster_and_restype_controls(cl):
    hc = cl('ApiOpenCluster')['_return']
    r = control(cl, 'ApiClusterControl', 0x0700003d, hCluster=hc)
    assert cb.parse_wstr(r['lpOutBuffer']) == 'CMRPCLUS.cmrp.test'
    r = control(cl, 'ApiResourceTypeControl', 0x02000011, hCluster=hc,
                lpszResourceTypeName='SQL Server')
    assert cb.parse_value_list(r['lpOutBuffer']) == [
        (cb.CLUSPROP_SYNTAX_RESCLASS, struct.pack('<I', 1)),
        (cb.CLUSPROP_SYNTAX_NAME, cb.wstr('Network Name'))]
    r = cl('ApiResourceTypeControl', hCluster=hc, lpszResourceTypeName='MSMQ',
           dwControlCode=0x02000005, lpInBuffer=None, nOutBufferSize=64)
    assert r['_return'] == K.ERROR_CLUSTER_RESTYPE_NOT_SUPPORTED


def test_set_properties(cl):
    h = cl.open('Group', 'SQL Server (INST1)')
    plist = cb.build_property_list([('Priority', None, 1000)])
    r = control(cl, 'ApiGroupControl', 0x0340005e, plist, hGroup=h)
    assert r['_return'] == 0
    r = control(cl, 'ApiGroupControl', 0x03000059, hGroup=h)
    assert cb.property_dict(r['lpOutBuffer'])['Priority'] == 1000
    bad = cb.build_property_list([('GroupType', None, 5)])      # read-only
    assert control(cl, 'ApiGroupControl', 0x0340005e, bad, hGroup=h)['_return'] == \
        K.ERROR_INVALID_PARAMETER
    hr = cl.open('Resource', 'Cluster Disk 2')
    plist = cb.build_property_list([('Tag', None, 'x'), ('Big', None, 1 << 40)])
    assert control(cl, 'ApiResourceControl', 0x01400086, plist,
                   hResource=hr)['_return'] == K.ERROR_RESOURCE_PROPERTIES_STORED
    r = control(cl, 'ApiResourceControl', 0x01000081, hResource=hr)
    assert cb.property_dict(r['lpOutBuffer'])['Big'] == 1 << 40


def test_resource_lifecycle(cl):
    hg = cl.open('Group', 'Available Storage')
    r = cl('ApiCreateResource', hGroup=hg, lpszResourceName='Disk X',
           lpszResourceType='Physical Disk', dwFlags=0)
    assert r['Status'] == 0
    hx = r['_return']
    assert cl('ApiCreateResource', hGroup=hg, lpszResourceName='Disk X',
              lpszResourceType='Physical Disk', dwFlags=0)['Status'] == \
        K.ERROR_OBJECT_ALREADY_EXISTS
    assert cl('ApiCreateResource', hGroup=hg, lpszResourceName='Y', lpszResourceType='Nope',
              dwFlags=0)['Status'] == K.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND
    hp = cl.open('Resource', 'Cluster Disk 2')
    assert cl('ApiAddResourceDependency', hResource=hx, hDependsOn=hp)['_return'] == 0
    assert cl('ApiAddResourceDependency', hResource=hp, hDependsOn=hx)['_return'] == \
        K.ERROR_CIRCULAR_DEPENDENCY
    assert cl('ApiGetResourceDependencyExpression', hResource=hx)[
        'lpszDependencyExpression'] == '([Cluster Disk 2])'
    assert cl('ApiOnlineResource', hResource=hx)['_return'] == 0
    assert cl('ApiDeleteResource', hResource=hx)['_return'] == K.ERROR_RESOURCE_ONLINE
    assert cl('ApiOfflineResource', hResource=hp)['_return'] == 0     # dependents go first
    assert cl('ApiGetResourceState', hResource=hx)['State'] == K.RES_OFFLINE
    assert cl('ApiDeleteResource', hResource=hp)['_return'] == K.ERROR_DEPENDENT_RESOURCE_EXISTS
    assert cl('ApiDeleteResource', hResource=hx)['_return'] == 0
    assert cl('ApiGetResourceState', hResource=hx)['_return'] == K.ERROR_RESOURCE_NOT_FOUND
    hn = cl.open('Resource', 'SQL Server Agent (INST1)')
    assert cl('ApiGetResourceNetworkName', hResource=hn)['lpszName'] == 'SQLINST1'


def test_groups_and_nodes(cl):
    hg = cl.open('Group', 'SQL Server (INST1)')
    assert cl('ApiGetGroupState', hGroup=hg) == {'State': 0, 'NodeName': 'NODE2',
                                                 'rpc_status': 0, '_return': 0}
    n2 = cl.open('Node', 'NODE2')
    assert cl('ApiPauseNodeEx', hNode=n2, bDrainNode=1, dwPauseFlags=0)['_return'] == 0
    assert cl('ApiGetNodeState', hNode=n2)['State'] == K.NODE_PAUSED
    assert cl('ApiGetGroupState', hGroup=hg)['NodeName'] == 'NODE1'
    assert cl('ApiResumeNode', hNode=n2)['_return'] == 0
    assert cl('ApiResumeNode', hNode=n2)['_return'] == K.ERROR_CLUSTER_NODE_NOT_PAUSED
    n1 = cl.open('Node', 'NODE1')
    assert cl('ApiPauseNode', hNode=n1)['_return'] == 0        # the local node bounces back
    assert cl('ApiResumeNode', hNode=n1)['_return'] == K.ERROR_CLUSTER_NODE_NOT_PAUSED
    assert cl('ApiMoveGroupToNode', hGroup=hg, hNode=n2)['_return'] == 0
    assert cl('ApiGetGroupState', hGroup=hg)['NodeName'] == 'NODE2'
    n3 = cl.open('Node', 'NODE3')
    assert cl('ApiEvictNode', hNode=n3)['_return'] == 0
    assert cl('ApiGetNodeState', hNode=n3)['_return'] == K.ERROR_CLUSTER_NODE_NOT_FOUND
    r = cl('ApiCreateEnum', dwType=K.CLUSTER_ENUM_NODE | K.CLUSTER_ENUM_NETINTERFACE)
    assert len(r['ReturnEnum']['Entry']) == 2 + 4
    r = cl('ApiCreateGroup', lpszGroupName='Empty')
    assert cl('ApiDeleteGroup', Group=r['_return'], force=0)['_return'] == 0


def test_registry(cl):
    root = cl('ApiGetRootKey', samDesired=0x02000000)['_return']
    r = cl('ApiQueryValue', hKey=root, lpValueName='ClusterName', cbData=0)
    assert r['_return'] == K.ERROR_MORE_DATA and r['lpcbRequired'] == 18 and r['lpData'] == b''
    r = cl('ApiQueryValue', hKey=root, lpValueName='ClusterName', cbData=40)
    assert r['lpData'][:18] == cb.wstr('CMRPCLUS') and len(r['lpData']) == 40
    assert cl('ApiQueryValue', hKey=root, lpValueName='Nope', cbData=8)['_return'] == \
        K.ERROR_FILE_NOT_FOUND
    p = cl('ApiOpenKey', hKey=root, lpSubKey='Parameters', samDesired=0x02000000)['_return']
    types = set()
    i = 0
    while True:
        r = cl('ApiEnumValue', hKey=p, dwIndex=i, lpcbData=4096)
        if r['_return']:
            break
        types.add(r['lpType'])
        i += 1
    assert r['_return'] == K.ERROR_NO_MORE_ITEMS
    assert types == {1, 2, 3, 4, 7, 11}
    r = cl('ApiCreateKey', hKey=root, lpSubKey='Test\\Sub', dwOptions=0,
           samDesired=0x02000000, lpSecurityAttributes=None)
    assert r['lpdwDisposition'] == 1
    k = r['_return']
    port = cl('ApiCreateBatchPort', hKey=root)['phBatchPort']
    batch = cb.build_batch([(cb.CLUSREG_SET_VALUE, 'A', 4, struct.pack('<I', 7)),
                            (cb.CLUSREG_CREATE_KEY, 'Test\\Other', 0, b''),
                            (cb.CLUSREG_SET_VALUE, 'B', 1, cb.wstr('b'))])
    r = cl('ApiExecuteBatch', hKey=k, lpData=batch)
    assert r['_return'] == 0
    assert cl('ApiQueryInfoKey', hKey=k)['lpcValues'] == 1
    note = cl('ApiGetBatchNotification', hBatchNotify=port)
    _v, cmds = cb.parse_batch(note['lpData'])
    assert (cb.CLUSREG_SET_VALUE, 'A', 4, struct.pack('<I', 7)) in cmds
    r = cl('ApiExecuteReadBatch', hKey=root, lpInData=cb.build_batch([
        (cb.CLUSREG_READ_KEY, 'Test\\Sub', 0, b''), (cb.CLUSREG_READ_VALUE, 'A', 0, b''),
        (cb.CLUSREG_READ_VALUE, 'Z', 0, b'')]))
    _v, cmds = cb.parse_batch(r['lpOutData'])
    assert cmds[1] == (cb.CLUSREG_READ_VALUE, 'A', 4, struct.pack('<I', 7))
    assert cmds[2][0] == cb.CLUSREG_READ_ERROR
    sd = cl('ApiGetKeySecurity', hKey=k, SecurityInformation=7, pRpcSecurityDescriptor={
        'lpSecurityDescriptor': None, 'cbInSecurityDescriptor': 0,
        'cbOutSecurityDescriptor': 0})
    assert sd['_return'] == K.ERROR_INSUFFICIENT_BUFFER
    assert cl('ApiCloseBatchPort', phBatchPort=port)['_return'] == 0


def test_notifications(cl):
    n1 = cl('ApiCreateNotify')['_return']
    hc = cl('ApiOpenCluster')['_return']
    cl('ApiAddNotifyCluster', hNotify=n1, hCluster=hc, dwFilter=K.CHANGE_GROUP_STATE,
       dwNotifyKey=5)
    n2 = cl('ApiCreateNotifyV2')['_return']
    hg = cl.open('Group', 'Available Storage')
    cl('ApiAddNotifyV2', hNotify=n2, hObject=hg, filter={
        'dwObjectType': K.OBJ_GROUP, 'FilterFlags': K.V2_GROUP_STATE}, dwNotifyKey=9,
       dwVersion=2, isTargetedAtObject=1)
    assert cl('ApiOfflineGroup', hGroup=hg)['_return'] == 0
    r = cl('ApiGetNotify', hNotify=n1)
    assert (r['dwNotifyKey'], r['dwFilter'], r['Name']) == (5, K.CHANGE_GROUP_STATE,
                                                           'Available Storage')
    r = cl('ApiGetNotifyV2', hNotify=n2)
    assert r['dwNumNotifications'] >= 1
    d = r['Notifications'][-1]['NotificationData']
    assert d['Name'] == 'Available Storage' and d['buffer'] == struct.pack('<I', 1)
    assert cl('ApiGetNotify', hNotify=n2)['_return'] == K.ERROR_INVALID_HANDLE
    assert cl('ApiCloseNotify', Notify=n1)['_return'] == 0


def test_group_sets(cl):
    hc = cl('ApiOpenCluster')['_return']
    names = [e['Name'] for e in
             cl('ApiCreateGroupSetEnum', hCluster=hc)['ReturnEnum']['Entry']]
    assert names == ['Cluster Group', 'SQL Set']
    r = cl('ApiCreateGroupSet', lpszGroupSetName='New Set')
    gs = r['_return']
    hg = cl.open('Group', 'SQL Server (INST1)')
    assert cl('ApiMoveGroupToGroupSet', GroupSet=gs, Group=hg)['_return'] == 0
    r = control(cl, 'ApiGroupSetControl', 0x08002d71, hGroupSet=gs)
    assert cb.parse_multi_sz(r['lpOutBuffer']) == ['SQL Server (INST1)']
    core = cl.open('GroupSet', 'Cluster Group')
    assert cl('ApiAddGroupSetDependency', DependentGroupSet=core,
              ProviderGroupSet=gs)['_return'] == 0
    assert cl('ApiAddGroupSetDependency', DependentGroupSet=gs,
              ProviderGroupSet=core)['_return'] == K.ERROR_CIRCULAR_DEPENDENCY
    assert cl('ApiOpenGroupSet', lpszGroupSetName='x')['Status'] == K.ERROR_GROUPSET_NOT_FOUND


def test_version2_dispatch():
    cl = Client(Model(notify_timeout=0.2), version=2)
    r = cl('ApiGetClusterVersion')
    assert (r['_return'], r['lpwMajorVersion']) == (0, 10)
    n = cl('ApiCreateNotify')['_return']
    r = cl('ApiGetNotify', hNotify=n, Timeout=50)
    assert r['_return'] == K.ERROR_NO_MORE_ITEMS
    assert 'rpc_status' not in r
    g = cl.open('Group', 'Cluster Group')
    assert cl('ApiDeleteGroup', Group=g)['_return'] == 5026          # no force in 2.0


def test_extension_module(tmp_path):
    import mockclusd
    ext = tmp_path / 'ext.py'
    ext.write_text('def register(model):\n'
                   '    model.register("ApiGetClusterName", lambda call: {\n'
                   '        "ClusterName": "EXT", "NodeName": "NODE1"})\n')
    model = Model()
    assert mockclusd.load_extension(model, str(ext)) is not None
    assert Client(model)('ApiGetClusterName')['ClusterName'] == 'EXT'
    assert mockclusd.load_extension(model, str(tmp_path / 'absent.py')) is None
