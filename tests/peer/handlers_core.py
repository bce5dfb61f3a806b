"""Handlers of the mock ClusAPI server: the cluster, nodes, networks and network interfaces
(MS-CMRP 3.1.4.2: opens and closes, names, versions, states, IDs, enumerations, pause / resume /
evict). See cluster_model for the handler contract."""
import cluster_consts as K
from cluster_model import CmrpError

HANDLERS = {}
K_SZ = 0x00010003          # CLUSPROP_SYNTAX_LIST_VALUE_SZ


def api(*names):
    def deco(fn):
        for n in names:
            HANDLERS[n] = fn
        return fn
    return deco


def register(model):
    model.register_all(HANDLERS)


def enum_list(entries):
    """An ENUM_LIST from (type, name) pairs."""
    return {'EntryCount': len(entries), 'Entry': [{'Type': t, 'Name': n} for t, n in entries]}


def granted_access(desired):
    """lpdwGrantedAccess for dwDesiredAccess (3.1.4 access levels; everyone may have "All")."""
    if desired & K.CLUSAPI_CHANGE_ACCESS and not desired & K.CLUSAPI_READ_ACCESS:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    if desired & (K.CLUSAPI_CHANGE_ACCESS | K.GENERIC_WRITE | K.GENERIC_EXECUTE | K.GENERIC_ALL
                  | K.MAXIMUM_ALLOWED):
        return K.GENERIC_ALL
    return K.GENERIC_READ


def opener(kind, find, param, not_found):
    """ApiOpen<Object> and ApiOpen<Object>Ex: look the object up by name (or ID)."""
    def fn(call):
        obj = find(call.state, call[param])
        if obj is None:
            raise CmrpError(not_found)
        out = {}
        access = K.GENERIC_ALL
        if 'dwDesiredAccess' in call.req:
            access = out['lpdwGrantedAccess'] = granted_access(call['dwDesiredAccess'])
        out['_return'] = call.new_handle(kind, obj, access)
        return out
    return fn


def closer(param, kind):
    return lambda call: call.close(param, kind)


# ---------------------------------------------------------------------------------------------
# The cluster

@api('ApiOpenCluster')
def open_cluster(call):
    return {'_return': call.new_handle('cluster', call.state.cluster)}


@api('ApiOpenClusterEx')
def open_cluster_ex(call):
    access = granted_access(call['dwDesiredAccess'])
    return {'lpdwGrantedAccess': access,
            '_return': call.new_handle('cluster', call.state.cluster, access)}


HANDLERS['ApiCloseCluster'] = closer('Cluster', 'cluster')


@api('ApiSetClusterName')
def set_cluster_name(call):
    """The new name is stored and takes effect when the core network name next comes online
    (3.1.4.2.3): hence ERROR_RESOURCE_PROPERTIES_STORED, even for the current name."""
    name = call['NewClusterName']
    if not name or len(name) > 15 or any(ch in name for ch in '\\/:*?"<>| .'):
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    c = call.state.cluster
    c.pending_name = name
    call.state.core_netname.private['Name'][1] = name
    call.events.property_changed(c, [('ClusterName', K_SZ, name)])
    return {'_return': K.ERROR_RESOURCE_PROPERTIES_STORED}


@api('ApiGetClusterName')
def get_cluster_name(call):
    return {'ClusterName': call.state.cluster.name, 'NodeName': call.state.local_node.name}


def _version(call):
    c = call.state.cluster
    return {'lpwMajorVersion': c.major, 'lpwMinorVersion': c.minor,
            'lpwBuildNumber': c.build, 'lpszVendorId': c.vendor, 'lpszCSDVersion': c.csd}


@api('ApiGetClusterVersion')
def get_cluster_version(call):
    """ClusAPI 3.0 servers answer ERROR_CALL_NOT_IMPLEMENTED (use ApiGetClusterVersion2)."""
    if call.version >= 3:
        return {'_return': K.ERROR_CALL_NOT_IMPLEMENTED}
    return _version(call)


@api('ApiGetClusterVersion2')
def get_cluster_version2(call):
    out = _version(call)
    lvl = call.state.cluster.functional_level
    out['ppClusterOpVerInfo'] = {
        'dwSize': 20, 'dwClusterHighestVersion': (lvl << 16) | 0x1,
        'dwClusterLowestVersion': (lvl << 16) | 0x1, 'dwFlags': 0, 'dwReserved': 0}
    return out


@api('ApiGetQuorumResource')
def get_quorum_resource(call):
    res, device, size = call.state.quorum
    return {'lpszResourceName': res.name, 'lpszDeviceName': device,
            'pdwMaxQuorumLogSize': size}


@api('ApiSetQuorumResource')
def set_quorum_resource(call):
    res = call.obj('hResource', 'resource', write=True)
    if not res.characteristics & 0x1:                  # CLUS_CHAR_QUORUM
        raise CmrpError(5021)                           # ERROR_NOT_QUORUM_CAPABLE
    call.state.quorum = [res, call['lpszDeviceName'] or 'Q:\\Cluster\\',
                         call['dwMaxQuorumLogSize'] or call.state.quorum[2]]
    call.events.emit(res, K.CHANGE_QUORUM_STATE, K.V2_QUORUM_STATE,
                     res.state.to_bytes(4, 'little'), v2_obj_type=K.OBJ_QUORUM)
    return {}


@api('ApiBackupClusterDatabase')
def backup_cluster_database(call):
    return {'_return': K.ERROR_CALL_NOT_IMPLEMENTED}


@api('ApiSetServiceAccountPassword')
def set_service_account_password(call):
    return {'_return': K.ERROR_CALL_NOT_IMPLEMENTED}


def cluster_entries(state, dwType, ids=False):
    """The (type, name) entries of ApiCreateEnum(Ex) for the CLUSTER_ENUM bits of dwType."""
    if dwType & ~K.CLUSTER_ENUM_VALID or not dwType:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    live = state.live
    out = []

    def add(bit, objs):
        if dwType & bit:
            out.extend((bit, o.id if ids else o.name) for o in objs)
    add(K.CLUSTER_ENUM_NODE, live(state.nodes))
    add(K.CLUSTER_ENUM_RESTYPE, live(state.restypes))
    add(K.CLUSTER_ENUM_RESOURCE, live(state.resources))
    add(K.CLUSTER_ENUM_GROUP, live(state.groups))
    add(K.CLUSTER_ENUM_NETWORK, live(state.networks))
    add(K.CLUSTER_ENUM_NETINTERFACE, live(state.netifs))
    add(K.CLUSTER_ENUM_SHARED_VOLUME_RESOURCE,
        [r for r in live(state.resources) if r.private.get('SharedVolume', [0, 0])[1]])
    add(K.CLUSTER_ENUM_INTERNAL_NETWORK,
        [n for n in live(state.networks) if n.common['Role'][1] & 1])
    return out


@api('ApiCreateEnum')
def create_enum(call):
    return {'ReturnEnum': enum_list(cluster_entries(call.state, call['dwType']))}


@api('ApiCreateEnumEx')
def create_enum_ex(call):
    call.obj('hCluster', 'cluster')
    return {'ReturnIdEnum': enum_list(cluster_entries(call.state, call['dwType'], ids=True)),
            'ReturnNameEnum': enum_list(cluster_entries(call.state, call['dwType']))}


# ---------------------------------------------------------------------------------------------
# Nodes

HANDLERS['ApiOpenNode'] = HANDLERS['ApiOpenNodeEx'] = opener(
    'node', lambda s, n: s.node(n), 'lpszNodeName', K.ERROR_CLUSTER_NODE_NOT_FOUND)
HANDLERS['ApiCloseNode'] = closer('Node', 'node')


@api('ApiGetNodeState')
def get_node_state(call):
    return {'State': call.obj('hNode', 'node').state}


@api('ApiGetNodeId')
def get_node_id(call):
    return {'pGuid': call.obj('hNode', 'node').id}


def _other_up_node(state, node, target=None):
    if target is not None and target is not node and target.state == K.NODE_UP:
        return target
    for n in state.live(state.nodes):
        if n is not node and n.state == K.NODE_UP:
            return n
    return None


def _move_groups_off(call, node, target=None):
    """Drain: move the groups `node` owns to another node that is up."""
    dest = _other_up_node(call.state, node, target)
    if dest is None:
        return
    for g in call.state.live(call.state.groups):
        if g.owner is node:
            g.owner = dest
            call.events.emit(g, 0, K.V2_GROUP_OWNER_NODE, (dest.id + '\0').encode('utf-16-le'))
            call.events.emit(node, 0, K.V2_NODE_GROUP_LOST, (g.id + '\0').encode('utf-16-le'))
            call.events.emit(dest, 0, K.V2_NODE_GROUP_GAINED, (g.id + '\0').encode('utf-16-le'))


def _pause(call, node, drain=False, target=None):
    """Pause a node. The local node (the one serving this RPC endpoint) takes the pause and
    resumes at once, so that it stays usable for later calls (smbtorture pauses it, then
    expects ApiResumeNode to answer ERROR_CLUSTER_NODE_NOT_PAUSED)."""
    if node.state == K.NODE_DOWN:
        raise CmrpError(K.ERROR_INVALID_STATE)
    if drain:
        _move_groups_off(call, node, target)
    node.state = K.NODE_PAUSED
    call.events.node_state(node)
    if node is call.state.local_node:
        node.state = K.NODE_UP
        call.events.node_state(node)
    return {}


@api('ApiPauseNode')
def pause_node(call):
    return _pause(call, call.obj('hNode', 'node', write=True))


@api('ApiPauseNodeEx')
def pause_node_ex(call):
    return _pause(call, call.obj('hNode', 'node', write=True), drain=bool(call['bDrainNode']))


@api('ApiPauseNodeWithDrainTarget')
def pause_node_with_drain_target(call):
    target = call.obj('hNodeDrainTarget', 'node')
    return _pause(call, call.obj('hNode', 'node', write=True), drain=True, target=target)


@api('ApiResumeNode', 'ApiResumeNodeEx')
def resume_node(call):
    node = call.obj('hNode', 'node', write=True)
    if node.state != K.NODE_PAUSED:
        raise CmrpError(K.ERROR_CLUSTER_NODE_NOT_PAUSED)
    node.state = K.NODE_UP
    call.events.node_state(node)
    return {}


@api('ApiEvictNode')
def evict_node(call):
    """Evict a node: it leaves the cluster with its interfaces; its groups move. The local node
    (which serves this endpoint) is evicted and joins again at once, so the mock stays whole."""
    node = call.obj('hNode', 'node', write=True)
    state = call.state
    _move_groups_off(call, node)
    call.events.deleted(node)
    if node is state.local_node:
        call.events.emit(state.cluster, K.CHANGE_NODE_ADDED, K.V2_CLUSTER_NODE_ADDED,
                         node.state.to_bytes(4, 'little'), ids=(node.id, '', node.name, ''))
        return {}
    node.deleted = True
    for i in state.netifs:
        if i.node is node:
            i.deleted = True
            state.drop_key(i)
    for obj in state.groups + state.restypes + state.resources:
        lst = getattr(obj, 'preferred', None) or getattr(obj, 'possible_owners', None)
        if lst and node in lst:
            lst.remove(node)
    state.drop_key(node)
    return {}


def node_entries(state, node, dwType, ids=False):
    out = []
    if dwType & K.CLUSTER_NODE_ENUM_NETINTERFACES:
        out += [(K.CLUSTER_NODE_ENUM_NETINTERFACES, i.id if ids else i.name)
                for i in state.live(state.netifs) if i.node is node]
    if dwType & K.CLUSTER_NODE_ENUM_GROUPS:
        out += [(K.CLUSTER_NODE_ENUM_GROUPS, g.id if ids else g.name)
                for g in state.live(state.groups) if g.owner is node]
    return out


@api('ApiCreateNodeEnum')
def create_node_enum(call):
    node = call.obj('hNode', 'node')
    return {'ReturnEnum': enum_list(node_entries(call.state, node, call['dwType']))}


@api('ApiCreateNodeEnumEx')
def create_node_enum_ex(call):
    node = call.obj('hNode', 'node')
    return {'ReturnIdEnum': enum_list(node_entries(call.state, node, call['dwType'], True)),
            'ReturnNameEnum': enum_list(node_entries(call.state, node, call['dwType']))}


# ---------------------------------------------------------------------------------------------
# Networks and network interfaces

HANDLERS['ApiOpenNetwork'] = HANDLERS['ApiOpenNetworkEx'] = opener(
    'network', lambda s, n: s.network(n), 'lpszNetworkName', K.ERROR_CLUSTER_NETWORK_NOT_FOUND)
HANDLERS['ApiCloseNetwork'] = closer('Network', 'network')


@api('ApiGetNetworkState')
def get_network_state(call):
    return {'State': call.obj('hNetwork', 'network').state}


@api('ApiGetNetworkId')
def get_network_id(call):
    return {'pGuid': call.obj('hNetwork', 'network').id}


@api('ApiSetNetworkName')
def set_network_name(call):
    net = call.obj('hNetwork', 'network', write=True)
    name = call['lpszNetworkName']
    if not name:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    other = call.state.network(name)
    if other is not None and other is not net:
        raise CmrpError(K.ERROR_OBJECT_ALREADY_EXISTS)
    net.name = name
    net.common['Name'][1] = name
    call.state.sync_key(net)
    call.events.property_changed(net, [('Name', K_SZ, name)])
    return {}


@api('ApiCreateNetworkEnum')
def create_network_enum(call):
    net = call.obj('hNetwork', 'network')
    out = []
    if call['dwType'] & K.CLUSTER_NETWORK_ENUM_NETINTERFACES:
        out = [(K.CLUSTER_NETWORK_ENUM_NETINTERFACES, i.name)
               for i in call.state.live(call.state.netifs) if i.network is net]
    return {'ReturnEnum': enum_list(out)}


@api('ApiSetNetworkPriorityOrder')
def set_network_priority_order(call):
    """NetworkIdList: the internal networks by ID, highest priority first (3.1.4.2.87)."""
    ids = call['NetworkIdList'] or []
    if isinstance(ids, str):
        ids = [i for i in ids.split('\0') if i]
    state = call.state
    nets = [state.network(i) for i in ids]
    internal = [n for n in state.live(state.networks) if n.common['Role'][1] & 1]
    if None in nets or len(nets) != call['NetworkCount'] or set(nets) != set(internal):
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    others = [n for n in state.networks if n not in nets]
    state.networks = nets + others
    return {}


HANDLERS['ApiOpenNetInterface'] = HANDLERS['ApiOpenNetInterfaceEx'] = opener(
    'netinterface', lambda s, n: s.netif(n), 'lpszNetInterfaceName',
    K.ERROR_CLUSTER_NETINTERFACE_NOT_FOUND)
HANDLERS['ApiCloseNetInterface'] = closer('NetInterface', 'netinterface')


@api('ApiGetNetInterfaceState')
def get_netinterface_state(call):
    return {'State': call.obj('hNetInterface', 'netinterface').state}


@api('ApiGetNetInterfaceId')
def get_netinterface_id(call):
    return {'pGuid': call.obj('hNetInterface', 'netinterface').id}


@api('ApiGetNetInterface')
def get_netinterface(call):
    state = call.state
    node = state.node(call['lpszNodeName'])
    if node is None:
        raise CmrpError(K.ERROR_CLUSTER_NODE_NOT_FOUND)
    net = state.network(call['lpszNetworkName'])
    if net is None:
        raise CmrpError(K.ERROR_CLUSTER_NETWORK_NOT_FOUND)
    for i in state.live(state.netifs):
        if i.node is node and i.network is net:
            return {'lppszInterfaceName': i.name}
    raise CmrpError(K.ERROR_CLUSTER_NETINTERFACE_NOT_FOUND)


@api('ApiCreateNetInterfaceEnum')
def create_netinterface_enum(call):
    """Interfaces filtered by node and / or network name (NULL: any)."""
    call.obj('hCluster', 'cluster')
    state = call.state
    node = net = None
    if call['lpszNodeName']:
        node = state.node(call['lpszNodeName'])
        if node is None:
            raise CmrpError(K.ERROR_CLUSTER_NODE_NOT_FOUND)
    if call['lpszNetworkName']:
        net = state.network(call['lpszNetworkName'])
        if net is None:
            raise CmrpError(K.ERROR_CLUSTER_NETWORK_NOT_FOUND)
    out = [(K.CLUSTER_ENUM_NETINTERFACE, i.name) for i in state.live(state.netifs)
           if (node is None or i.node is node) and (net is None or i.network is net)]
    return {'ReturnEnum': enum_list(out)}
