"""Handlers of the mock ClusAPI server: notification ports, version 1 (ApiCreateNotify,
ApiAddNotify*, ApiReAddNotify*, ApiGetNotify, ApiGetNotifyAsync) and version 2
(ApiCreateNotifyV2, ApiAddNotifyV2, ApiAddNotifyResourceTypeV2, ApiGetNotifyV2), and
ApiUnblockGetNotifyCall (MS-CMRP 3.1.4.2.56ff, .107, .136ff). The ports and the events are in
cluster_events; a GetNotify* call with nothing queued blocks until an event, an unblock or a
close, or until the model's notify_timeout, and then fails with ERROR_NO_MORE_ITEMS."""
import cluster_consts as K
from cluster_model import CmrpError

HANDLERS = {}


def api(*names):
    def deco(fn):
        for n in names:
            HANDLERS[n] = fn
        return fn
    return deco


def register(model):
    model.register_all(HANDLERS)
    model.closers.append(lambda h: model.events.close_port(h.obj) if h.kind == 'notify'
                         else None)


def _port(call, version):
    port = call.obj('hNotify', 'notify')
    if port.version != version:
        raise CmrpError(K.ERROR_INVALID_HANDLE)
    return port


# ---------------------------------------------------------------------------------------------
# Version 1

@api('ApiCreateNotify')
def create_notify(call):
    return {'_return': call.new_handle('notify', call.events.new_port(1))}


@api('ApiCloseNotify')
def close_notify(call):
    return call.close('Notify', 'notify')


@api('ApiAddNotifyCluster')
def add_notify_cluster(call):
    port = _port(call, 1)
    call.obj('hCluster', 'cluster')
    port.regs.append({'target': None, 'filter': call['dwFilter'], 'key': call['dwNotifyKey']})
    return {}


def _add_object(param, kind):
    def fn(call):
        port = _port(call, 1)
        obj = call.obj(param, kind)
        port.regs.append({'target': obj, 'filter': call['dwFilter'],
                          'key': call['dwNotifyKey']})
        return {'dwStateSequence': getattr(obj, 'seq', 0)}
    return fn


STATE_EVENTS = {'node': 'node_state', 'group': 'group_state', 'resource': 'resource_state'}


def _readd_object(param, kind):
    """ApiReAddNotify*: register again; if the object changed since StateSequence, post its
    current state at once so the client catches up."""
    def fn(call):
        port = _port(call, 1)
        obj = call.obj(param, kind)
        reg = {'target': obj, 'filter': call['dwFilter'], 'key': call['dwNotifyKey']}
        port.regs.append(reg)
        if call['StateSequence'] != getattr(obj, 'seq', 0):
            flag = {'node': K.CHANGE_NODE_STATE, 'group': K.CHANGE_GROUP_STATE,
                    'resource': K.CHANGE_RESOURCE_STATE, 'network': K.CHANGE_NETWORK_STATE,
                    'netinterface': K.CHANGE_NETINTERFACE_STATE}[kind]
            if reg['filter'] & flag:
                port.queue.append((reg['key'], flag, getattr(obj, 'seq', 0), obj.name))
                call.model.cond.notify_all()
        return {}
    return fn


for _p, _k, _name in (('hNode', 'node', 'Node'), ('hGroup', 'group', 'Group'),
                      ('hResource', 'resource', 'Resource'),
                      ('hNetwork', 'network', 'Network'),
                      ('hNetInterface', 'netinterface', 'NetInterface')):
    HANDLERS['ApiAddNotify' + _name] = _add_object(_p, _k)
    HANDLERS['ApiReAddNotify' + _name] = _readd_object(_p, _k)


@api('ApiAddNotifyKey')
def add_notify_key(call):
    port = _port(call, 1)
    key = call.obj('hKey', 'key')
    port.regs.append({'target': key, 'filter': call['Filter'], 'key': call['dwNotifyKey'],
                      'subtree': bool(call['WatchSubTree'])})
    return {}


@api('ApiGetNotify')
def get_notify(call):
    port = _port(call, 1)
    timeout = call['Timeout'] / 1000.0 if 'Timeout' in call.req else None
    if not call.events.wait(port, timeout):
        raise CmrpError(K.ERROR_NO_MORE_ITEMS)
    key, flt, seq, name = port.queue.popleft()
    return {'dwNotifyKey': key, 'dwFilter': flt, 'dwStateSequence': seq, 'Name': name}


@api('ApiGetNotifyAsync')
def get_notify_async(call):
    port = _port(call, 1)
    if not call.events.wait(port):
        return {'Notifications': None, 'dwNumNotifications': 0,
                '_return': K.ERROR_NO_MORE_ITEMS}
    evs = port.take()
    return {'Notifications': [{'dwNotifyKey': k, 'dwFilter': f, 'Name': n}
                              for k, f, _s, n in evs],
            'dwNumNotifications': len(evs)}


@api('ApiUnblockGetNotifyCall')
def unblock_get_notify_call(call):
    call.events.unblock(call.obj('hNotify', 'notify'))
    return {}


# ---------------------------------------------------------------------------------------------
# Version 2

@api('ApiCreateNotifyV2')
def create_notify_v2(call):
    return {'_return': call.new_handle('notify', call.events.new_port(2))}


HANDLE_TYPES = {'cluster': None, 'group': K.OBJ_GROUP, 'resource': K.OBJ_RESOURCE,
                'node': K.OBJ_NODE, 'network': K.OBJ_NETWORK,
                'netinterface': K.OBJ_NETINTERFACE, 'key': K.OBJ_REGISTRY,
                'groupset': K.OBJ_GROUPSET}


@api('ApiAddNotifyV2')
def add_notify_v2(call):
    """hObject: the cluster (every object of dwObjectType) or one object. A registration
    targeted at an object must name its type."""
    port = _port(call, 2)
    h = call.handle('hObject')
    if h.kind not in HANDLE_TYPES:
        raise CmrpError(K.ERROR_INVALID_HANDLE)
    flt = call['filter']
    otype = flt['dwObjectType']
    if call['dwVersion'] not in (1, 2) or not otype:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    target = None
    if h.kind != 'cluster':
        if HANDLE_TYPES[h.kind] != otype and otype != K.OBJ_QUORUM:
            raise CmrpError(K.ERROR_INVALID_PARAMETER)
        target = h.obj
    port.regs.append({'obj_type': otype, 'flags': flt['FilterFlags'],
                      'key': call['dwNotifyKey'], 'target': target})
    return {}


@api('ApiAddNotifyResourceTypeV2')
def add_notify_resource_type_v2(call):
    port = _port(call, 2)
    t = call.state.restype(call['resTypeName'])
    if t is None:
        raise CmrpError(K.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND)
    port.regs.append({'obj_type': K.OBJ_RESOURCE_TYPE, 'flags': call['filter'],
                      'key': call['dwNotifyKey'], 'target': t})
    return {}


@api('ApiGetNotifyV2')
def get_notify_v2(call):
    port = _port(call, 2)
    if not call.events.wait(port):
        return {'Notifications': None, 'dwNumNotifications': 0,
                '_return': K.ERROR_NO_MORE_ITEMS}
    evs = port.take()
    return {'Notifications': evs, 'dwNumNotifications': len(evs)}
