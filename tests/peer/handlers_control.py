"""Handlers of the mock ClusAPI server: the control-code methods (Api*Control and
ApiNode*Control, MS-CMRP 3.1.4.2.72ff) and the control codes themselves (3.1.4.3).

A control code is (object << 24) | CLCTL code; a code for another object type, an unknown
function or an internal one fails with ERROR_INVALID_FUNCTION. The answer goes into
lpOutBuffer if it fits in nOutBufferSize; otherwise the call fails with ERROR_MORE_DATA and
lpcbRequired says how much room it needs. Codes with the modify bit need "All" access.
"""
import struct

import clusbuf as cb
import cluster_consts as K
from cluster_model import CmrpError
from cluster_objects import property_list

HANDLERS = {}
ERROR_HOST_NODE_NOT_AVAILABLE = 5005
CLCTL_MODIFY = 0x00400000
CLCTL_INTERNAL = 0x00100000


def api(*names):
    def deco(fn):
        for n in names:
            HANDLERS[n] = fn
        return fn
    return deco


def register(model):
    model.register_all(HANDLERS)


def dword(v):
    return struct.pack('<I', v & 0xffffffff)


# ---------------------------------------------------------------------------------------------
# The answers, by CLCTL code. Each takes (call, obj, inbuf) and returns the output bytes,
# or None when the code does not apply to this object (ERROR_INVALID_FUNCTION).

def _props_in(inbuf):
    try:
        return cb.parse_property_list(inbuf or b'')
    except cb.ClusBufError:
        raise CmrpError(K.ERROR_INVALID_DATA)


def _check_common(obj, plist):
    writable = {n.lower(): n for n, _s, _v in obj.rw_common()}
    for name, vals in plist:
        if name.lower() not in writable:
            raise CmrpError(K.ERROR_INVALID_PARAMETER)
        want = obj.common[writable[name.lower()]][0]
        if (vals[0][0] & 0xffff) != (want & 0xffff) and not (
                want == cb.CLUSPROP_SYNTAX_LIST_VALUE_EXPAND_SZ and
                vals[0][0] == cb.CLUSPROP_SYNTAX_LIST_VALUE_SZ):
            raise CmrpError(K.ERROR_INVALID_PARAMETER)
    return writable


def set_common(call, obj, inbuf):
    plist = _props_in(inbuf)
    writable = _check_common(obj, plist)
    changed = []
    for name, vals in plist:
        real = writable[name.lower()]
        value = cb.decode_value(*vals[0])
        obj.common[real][1] = value
        changed.append((real, obj.common[real][0], value))
        if real == 'Name' and hasattr(obj, 'name'):
            obj.name = value
    if hasattr(obj, 'kind') and obj.kind in call.state.KEYS:
        call.state.sync_key(obj)
    call.events.property_changed(obj, changed)
    return b''


def validate_common(call, obj, inbuf):
    _check_common(obj, _props_in(inbuf))
    return b''


def set_private(call, obj, inbuf):
    changed = []
    for name, vals in _props_in(inbuf):
        syntax, data = vals[0]
        value = cb.decode_value(syntax, data)
        if syntax == cb.CLUSPROP_SYNTAX_LIST_VALUE_EXPANDED_SZ:
            syntax = cb.CLUSPROP_SYNTAX_LIST_VALUE_EXPAND_SZ
        obj.private[name] = [syntax, value]
        changed.append((name, syntax, value))
    if getattr(obj, 'kind', '') in call.state.KEYS:
        call.state.sync_key(obj)
    call.events.property_changed(obj, changed, private=True)
    if getattr(obj, 'kind', '') == 'resource' and obj.state == K.RES_ONLINE:
        return K.ERROR_RESOURCE_PROPERTIES_STORED, b''
    return b''


def validate_private(call, obj, inbuf):
    _props_in(inbuf)
    return b''


def _names(props):
    return cb.multi_sz([p[0] for p in props]) if props else b''


def _required(call, obj):
    t = obj.rtype if obj.kind == 'resource' else obj
    vals = []
    for syntax, value in t.required:
        vals += cb.values_for(syntax, value)
    return cb.build_value_list(vals)


def _class_info(call, obj):
    t = obj.rtype if obj.kind == 'resource' else obj
    return cb.resource_class_info(t.res_class, t.sub_class)


def _quorum_value(call, obj, inbuf):
    """CLUSTER_QUORUM_VALUE after the node in inbuf (a node ID as DWORD; default: the local
    node) went down: node majority plus the disk witness."""
    state = call.state
    nodes = state.live(state.nodes)
    node = None
    if inbuf and len(inbuf) >= 4:
        node = state.node(str(struct.unpack_from('<I', inbuf)[0]))
    elif not inbuf:
        node = state.local_node
    votes = sum(1 for n in nodes if n.state != K.NODE_DOWN and n is not node) + 1
    return dword(0 if votes * 2 > len(nodes) + 1 else 1)      # CLUSTER_QUORUM_MAINTAINED / LOST


def _disk(fn):
    def wrap(call, obj, inbuf, **kw):
        if obj.kind != 'resource' or obj.rtype.name != 'Physical Disk':
            return None
        return fn(call, obj, inbuf, **kw)
    return wrap


@_disk
def _disk_info(call, r, inbuf, ex=False):
    n = int(r.name.split()[-1]) if r.name.split()[-1].isdigit() else 1
    letter = chr(ord('P') + n)
    vals = (cb.v_disk_signature(r.private['DiskSignature'][1]) + cb.v_scsi_address(1, 0, n, 0)
            + cb.v_disk_number(n))
    if ex:
        vals += cb.v_partition_info_ex('%s:' % letter, 'Disk%d' % n, 0x5ca1ab1e + n,
                                       (n * 10) << 30, (n * 4) << 30, device_number=n)
    else:
        vals += cb.v_partition_info('%s:' % letter, 'Disk%d' % n, 0x5ca1ab1e + n)
    if cb.STORAGE_SPEC and not ex:
        sig = r.private['DiskSignature'][1]
        vals += (cb.v_disk_serial('CMRP-SN-%04d' % n) + cb.v_disk_guid('{%s}' % _disk_guid(n)) +
                 cb.v_disk_size((n * 10) << 30) + cb.v_ftset_info(sig, 1) +
                 cb.v_storage_device_id([
                     cb.storage_identifier(1, 2, 0, struct.pack('>Q', 0x6001405f00000000 + n)),
                     cb.storage_identifier(2, 1, 0, b'MSFT    CMRP Disk %-6d' % n, last=True)]))
    return cb.build_value_list(vals)


def _disk_guid(n):
    return '%08x-cafe-4c4d-8a00-%012x' % (0x0d15c000 + n, n)


@_disk
def _is_path_valid(call, r, inbuf):
    path = cb.parse_wstr(inbuf or b'')
    n = r.name.split()[-1]
    letter = chr(ord('P') + int(n)) if n.isdigit() else 'Q'
    if not path.upper().startswith(letter + ':'):
        return K.ERROR_FILE_NOT_FOUND, b''
    return b''


def _network_name_res(fn):
    def wrap(call, obj, inbuf):
        if obj.kind != 'resource' or obj.rtype.name not in ('Network Name',
                                                            'Distributed Network Name'):
            return None
        return fn(call, obj, inbuf)
    return wrap


def _on(kinds, fn):
    """`fn(call, obj)` for objects of the given kinds only."""
    return lambda call, obj, inbuf: fn(call, obj) if obj.kind in kinds else None


def _groupset_names(attr):
    return _on(('groupset',), lambda c, gs: cb.multi_sz([x.name for x in getattr(gs, attr)]))


CODES = {
    K.CLCTL_UNKNOWN: lambda call, obj, inbuf: b'',
    K.CLCTL_GET_CHARACTERISTICS: lambda call, obj, inbuf: dword(obj.characteristics),
    K.CLCTL_GET_FLAGS: lambda call, obj, inbuf: dword(obj.flags),
    K.CLCTL_GET_CLASS_INFO: _on(('resource', 'restype'), _class_info),
    K.CLCTL_GET_REQUIRED_DEPENDENCIES: _on(('resource', 'restype'), _required),
    K.CLCTL_GET_NAME: _on(('resource', 'group', 'node', 'network', 'netinterface'),
                          lambda c, o: cb.wstr(o.name)),
    K.CLCTL_GET_RESOURCE_TYPE: _on(('resource',), lambda c, r: cb.wstr(r.rtype.name)),
    K.CLCTL_GET_NODE: _on(('netinterface',), lambda c, i: cb.wstr(i.node.name)),
    K.CLCTL_GET_NETWORK: _on(('netinterface',), lambda c, i: cb.wstr(i.network.name)),
    K.CLCTL_GET_ID: _on(('resource', 'group', 'node', 'network', 'netinterface', 'groupset'),
                        lambda c, o: cb.wstr(o.id)),
    K.CLCTL_GET_FQDN: _on(('cluster',), lambda c, o: cb.wstr(o.fqdn)),
    K.CLCTL_GET_CLUSTER_SERVICE_ACCOUNT_NAME: _on(
        ('node',), lambda c, o: cb.wstr('NT AUTHORITY\\SYSTEM')),
    K.CLCTL_CHECK_VOTER_EVICT: lambda call, obj, inbuf: (
        _quorum_value(call, obj, inbuf) if obj.kind == 'cluster' else None),
    K.CLCTL_CHECK_VOTER_DOWN: lambda call, obj, inbuf: (
        _quorum_value(call, obj, inbuf) if obj.kind == 'cluster' else None),
    K.CLCTL_ENUM_COMMON_PROPERTIES: lambda call, obj, inbuf: _names(
        obj.rw_common() + obj.ro_common()),
    K.CLCTL_GET_RO_COMMON_PROPERTIES: lambda call, obj, inbuf: property_list(obj.ro_common()),
    K.CLCTL_GET_COMMON_PROPERTIES: lambda call, obj, inbuf: property_list(obj.rw_common()),
    K.CLCTL_SET_COMMON_PROPERTIES: set_common,
    K.CLCTL_VALIDATE_COMMON_PROPERTIES: validate_common,
    K.CLCTL_GET_COMMON_PROPERTY_FMTS: lambda call, obj, inbuf: cb.build_property_formats(
        obj.rw_common(), trailing_endmark=True),
    K.CLCTL_ENUM_PRIVATE_PROPERTIES: lambda call, obj, inbuf: _names(
        obj.rw_private() + obj.ro_private()),
    K.CLCTL_GET_RO_PRIVATE_PROPERTIES: lambda call, obj, inbuf: property_list(
        obj.ro_private()),
    K.CLCTL_GET_PRIVATE_PROPERTIES: lambda call, obj, inbuf: property_list(obj.rw_private()),
    K.CLCTL_SET_PRIVATE_PROPERTIES: set_private,
    K.CLCTL_VALIDATE_PRIVATE_PROPERTIES: validate_private,
    K.CLCTL_GET_PRIVATE_PROPERTY_FMTS: lambda call, obj, inbuf: cb.build_property_formats(
        obj.rw_private(), trailing_endmark=True),
    K.CLCTL_GET_REGISTRY_CHECKPOINTS: _on(('resource',), lambda c, r: b''),
    K.CLCTL_GET_CRYPTO_CHECKPOINTS: _on(('resource',), lambda c, r: b''),
    K.CLCTL_GET_NETWORK_NAME: _on(('resource',),
                                  lambda c, r: cb.wstr(c.state.network_name_of(r))),
    K.CLCTL_GET_DNS_NAME: _network_name_res(
        lambda c, r, i: cb.wstr(r.private.get('DnsName', ['', r.name])[1] or r.name)),
    K.CLCTL_STORAGE_GET_DISK_INFO: _disk_info,
    K.CLCTL_STORAGE_GET_DISK_INFO_EX: lambda c, r, i: _disk_info(c, r, i, ex=True),
    K.CLCTL_STORAGE_GET_AVAILABLE_DISKS: _on(('restype',), lambda c, t: (
        cb.build_value_list([]) if t.name == 'Physical Disk' else None)),
    K.CLCTL_STORAGE_IS_PATH_VALID: _is_path_valid,
    K.CLCTL_QUERY_MAINTENANCE_MODE: _on(('resource',), lambda c, r: dword(
        r.private.get('MaintenanceMode', [0, 0])[1])),
    K.CLCTL_GET_GROUPS: _groupset_names('groups'),
    0x002d79: _groupset_names('provider_sets'),            # GET_PROVIDER_GROUPSETS
    0x002d75: _on(('groupset',), lambda c, gs: b''),       # GET_PROVIDER_GROUPS: none
}


# ---------------------------------------------------------------------------------------------
# The methods

def run_control(call, h, host=None):
    """Execute the control code of this call on the object of Handle `h`."""
    obj = h.obj
    code = call['dwControlCode']
    rtype = obj.rtype if obj.kind == 'resource' else obj if obj.kind == 'restype' else None
    if rtype is not None and not rtype.available:
        raise CmrpError(K.ERROR_CLUSTER_RESTYPE_NOT_SUPPORTED)
    if host is not None and host.state == K.NODE_DOWN:
        raise CmrpError(ERROR_HOST_NODE_NOT_AVAILABLE)
    fn = CODES.get(code & 0x00ffffff)
    if (code >> 24) != obj.ctl_object or code & CLCTL_INTERNAL or fn is None:
        raise CmrpError(K.ERROR_INVALID_FUNCTION)
    if code & CLCTL_MODIFY and h.access != K.GENERIC_ALL:
        raise CmrpError(K.ERROR_ACCESS_DENIED)
    status = K.ERROR_SUCCESS
    out = fn(call, obj, call['lpInBuffer'])
    if out is None:
        raise CmrpError(K.ERROR_INVALID_FUNCTION)
    if isinstance(out, tuple):
        status, out = out
    room = call['nOutBufferSize']
    if len(out) > room:
        return {'lpOutBuffer': b'', 'nOutBufferSize': room, 'lpBytesReturned': 0,
                'lpcbRequired': len(out), '_return': K.ERROR_MORE_DATA}
    return {'lpOutBuffer': out, 'nOutBufferSize': room, 'lpBytesReturned': len(out),
            'lpcbRequired': len(out), '_return': status}


def _restype_handle(call):
    """ApiResourceTypeControl names the type; a Handle-like view of it."""
    call.obj('hCluster', 'cluster')
    t = call.state.restype(call['lpszResourceTypeName'])
    if t is None:
        raise CmrpError(K.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND)
    return _View('restype', t, call.handle('hCluster').access)


class _View:
    def __init__(self, kind, obj, access):
        self.kind, self.obj, self.access = kind, obj, access


def _method(param, kind, node_param=None):
    def fn(call):
        h = call.handle(param, kind)
        host = call.obj(node_param, 'node') if node_param else None
        return run_control(call, h, host)
    return fn


HANDLERS.update({
    'ApiResourceControl': _method('hResource', 'resource'),
    'ApiNodeResourceControl': _method('hResource', 'resource', 'hNode'),
    'ApiGroupControl': _method('hGroup', 'group'),
    'ApiNodeGroupControl': _method('hGroup', 'group', 'hNode'),
    'ApiNodeControl': _method('hNode', 'node'),
    'ApiNodeNodeControl': _method('hNode', 'node', 'hHostNode'),
    'ApiNetworkControl': _method('hNetwork', 'network'),
    'ApiNodeNetworkControl': _method('hNetwork', 'network', 'hNode'),
    'ApiNetInterfaceControl': _method('hNetInterface', 'netinterface'),
    'ApiNodeNetInterfaceControl': _method('hNetInterface', 'netinterface', 'hNode'),
    'ApiClusterControl': _method('hCluster', 'cluster'),
    'ApiNodeClusterControl': _method('hCluster', 'cluster', 'hHostNode'),
    'ApiGroupSetControl': _method('hGroupSet', 'groupset'),
    'ApiNodeGroupSetControl': _method('hGroupSet', 'groupset', 'hNode'),
})


@api('ApiResourceTypeControl')
def resource_type_control(call):
    return run_control(call, _restype_handle(call))


@api('ApiNodeResourceTypeControl')
def node_resource_type_control(call):
    h = _restype_handle(call)
    return run_control(call, h, call.obj('hNode', 'node'))
