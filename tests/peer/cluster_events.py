"""Notification ports of the mock ClusAPI server: version 1 (ApiCreateNotify, ApiAddNotify*,
ApiGetNotify, 3.1.4.2.56ff) and version 2 (ApiCreateNotifyV2, ApiAddNotifyV2, ApiGetNotifyV2,
ApiGetNotifyAsync, 3.1.4.2.136ff). State changes made by the handlers are posted here with
`Events.emit` (or one of the helpers) and queued on every port with a matching registration;
blocked ApiGetNotify* calls wake up on the model's condition variable.

Version 2 events carry the NOTIFICATION_DATA_RPC fields of MS-CMRP 3.1.4.2.138 (ObjectId,
ParentId, Name, Type and the buffer payload by filter flag). Python 3 stdlib only.
"""
import collections
import struct

import clusbuf as cb
import cluster_consts as K


class NotifyPort:
    """A notification port. v1 registrations: dict(target, filter, key, subtree);
    v2 registrations: dict(obj_type, flags, key, target)."""

    def __init__(self, version):
        self.version = version
        self.regs = []
        self.queue = collections.deque(maxlen=4096)
        self.closed = False
        self.unblocked = False

    def take(self, n=None):
        out = []
        while self.queue and (n is None or len(out) < n):
            out.append(self.queue.popleft())
        return out


def _dword(v):
    return struct.pack('<I', v & 0xffffffff)


class Events:
    def __init__(self, model):
        self.model = model
        self.ports = []

    # -- ports ---------------------------------------------------------------------------------

    def new_port(self, version):
        p = NotifyPort(version)
        self.ports.append(p)
        return p

    def close_port(self, port):
        port.closed = True
        if port in self.ports:
            self.ports.remove(port)
        port.queue.clear()
        self.model.cond.notify_all()

    def unblock(self, port):
        port.unblocked = True
        self.model.cond.notify_all()

    def wait(self, port, timeout=None):
        """Block (releasing the model lock) until `port` has an event, is closed or unblocked,
        or the model's notify_timeout passes. True if an event is queued."""
        timeout = self.model.notify_timeout if timeout is None else timeout
        self.model.cond.wait_for(lambda: port.queue or port.closed or port.unblocked, timeout)
        port.unblocked = False
        return bool(port.queue) and not port.closed

    # -- identification of objects in v2 notifications ---------------------------------------

    @staticmethod
    def ids(obj):
        """(ObjectId, ParentId, Name, Type) of NOTIFICATION_DATA_RPC for an object."""
        kind = getattr(obj, 'kind', '')
        if kind == 'resource':
            return obj.id, obj.group.id, obj.name, obj.rtype.name
        if kind == 'group':
            return obj.id, obj.owner.id, obj.name, ''
        if kind == 'netinterface':
            return obj.id, obj.node.id, obj.name, ''
        if kind in ('node', 'network', 'groupset'):
            return obj.id, '', obj.name, ''
        if kind == 'restype':
            return '', '', obj.name, ''
        return '', '', '', ''

    # -- posting -------------------------------------------------------------------------------

    def emit(self, obj, v1=0, v2=0, payload=b'', v2_obj_type=None, name=None, ids=None,
             key=None, value_name=None):
        """Queue an event about `obj` on every matching port. `v1` is its CLUSTER_CHANGE flag,
        `v2` its CLUSTER_CHANGE_*_V2 flag for object type `v2_obj_type` (the object's own by
        default). Registry events pass the RegKey as `key` (and `obj` None)."""
        target = key if key is not None else obj
        seq = getattr(target, 'seq', 0) + 1
        try:
            target.seq = seq
        except AttributeError:
            pass
        otype = v2_obj_type if v2_obj_type is not None else getattr(obj, 'obj_type', 0)
        if key is not None:
            otype = K.OBJ_REGISTRY
        for port in list(self.ports):
            for reg in port.regs:
                if port.version == 1 and v1:
                    ev = self._match_v1(reg, obj, key, v1, seq, name)
                elif port.version == 2 and v2:
                    ev = self._match_v2(reg, obj, key, otype, v2, payload, ids, value_name)
                else:
                    ev = None
                if ev is not None:
                    port.queue.append(ev)
        self.model.cond.notify_all()

    def _match_v1(self, reg, obj, key, flag, seq, name):
        if not reg['filter'] & flag:
            return None
        t = reg['target']
        if key is not None:
            if not hasattr(t, 'walk'):
                return None
            rel = _relative(t, key)
            if rel is None or (rel and not reg.get('subtree') and '\\' in rel):
                return None
            return (reg['key'], flag, seq, rel if name is None else name)
        if t is not None and t is not obj:
            return None
        return (reg['key'], flag, seq, name if name is not None else getattr(obj, 'name', ''))

    def _match_v2(self, reg, obj, key, otype, flag, payload, ids, value_name):
        if reg['obj_type'] != otype or not reg['flags'] & flag:
            return None
        t = reg['target']
        if key is not None:
            base = t if hasattr(t, 'walk') else self.model.state.root
            rel = _relative(base, key)
            if rel is None:
                return None
            oid, pid, nm, ty = (value_name or '', '', rel, '')
        else:
            if t is not None and t is not obj:
                return None
            oid, pid, nm, ty = ids if ids is not None else self.ids(obj)
        return {'dwNotifyKey': reg['key'],
                'NotificationData': {
                    'FilterAndType': {'dwObjectType': otype, 'FilterFlags': flag},
                    'buffer': payload, 'dwBufferSize': len(payload),
                    'ObjectId': oid, 'ParentId': pid, 'Name': nm, 'Type': ty}}

    # -- helpers for the handlers --------------------------------------------------------------

    def resource_state(self, r):
        self.emit(r, K.CHANGE_RESOURCE_STATE, K.V2_RESOURCE_STATE, _dword(r.state))
        self.group_state(r.group)

    def group_state(self, g):
        self.emit(g, K.CHANGE_GROUP_STATE, K.V2_GROUP_STATE, _dword(g.state))

    def node_state(self, n):
        self.emit(n, K.CHANGE_NODE_STATE, K.V2_NODE_STATE, _dword(n.state))

    def added(self, obj):
        c = self.model.state.cluster
        if obj.kind == 'resource':
            g = obj.group
            self.emit(obj, K.CHANGE_RESOURCE_ADDED)
            self.emit(g, 0, K.V2_GROUP_RESOURCE_ADDED, cb.wstr(g.id),
                      ids=(obj.id, g.owner.id, obj.name, ''))
        elif obj.kind == 'group':
            self.emit(obj, K.CHANGE_GROUP_ADDED)
            self.emit(c, 0, K.V2_CLUSTER_GROUP_ADDED, _dword(obj.group_type),
                      ids=(obj.id, obj.owner.id, obj.name, ''))
        elif obj.kind == 'restype':
            self.emit(obj, K.CHANGE_RESOURCE_TYPE_ADDED)
            self.emit(c, 0, K.V2_CLUSTER_RESOURCE_TYPE_ADDED, ids=('', '', obj.name, ''))
        elif obj.kind == 'groupset':
            self.emit(obj, 0, 0)

    def deleted(self, obj, parent_id=''):
        if obj.kind == 'resource':
            self.emit(obj, K.CHANGE_RESOURCE_DELETED, K.V2_RESOURCE_DELETED, cb.wstr(parent_id))
        elif obj.kind == 'group':
            self.emit(obj, K.CHANGE_GROUP_DELETED, K.V2_GROUP_DELETED)
        elif obj.kind == 'restype':
            self.emit(obj, K.CHANGE_RESOURCE_TYPE_DELETED, K.V2_RESOURCE_TYPE_DELETED)
        elif obj.kind == 'node':
            self.emit(obj, K.CHANGE_NODE_DELETED, K.V2_NODE_DELETED, _dword(obj.state))
        elif obj.kind == 'groupset':
            self.emit(obj, 0, K.V2_GROUPSET_DELETED)

    V1_PROPERTY = {'resource': K.CHANGE_RESOURCE_PROPERTY, 'group': K.CHANGE_GROUP_PROPERTY,
                   'node': K.CHANGE_NODE_PROPERTY, 'network': K.CHANGE_NETWORK_PROPERTY,
                   'netinterface': K.CHANGE_NETINTERFACE_PROPERTY,
                   'restype': K.CHANGE_RESOURCE_TYPE_PROPERTY,
                   'cluster': K.CHANGE_CLUSTER_PROPERTY}
    V2_COMMON = {'resource': K.V2_RESOURCE_COMMON_PROPERTY, 'group': K.V2_GROUP_COMMON_PROPERTY,
                 'node': K.V2_NODE_COMMON_PROPERTY, 'network': K.V2_NETWORK_COMMON_PROPERTY,
                 'netinterface': 0x02, 'restype': K.V2_RESOURCE_TYPE_COMMON_PROPERTY,
                 'cluster': K.V2_CLUSTER_COMMON_PROPERTY,
                 'groupset': K.V2_GROUPSET_COMMON_PROPERTY}
    V2_PRIVATE = {'resource': K.V2_RESOURCE_PRIVATE_PROPERTY, 'group': K.V2_GROUP_PRIVATE_PROPERTY,
                  'node': K.V2_NODE_PRIVATE_PROPERTY, 'network': 0x04, 'netinterface': 0x04,
                  'restype': K.V2_RESOURCE_TYPE_PRIVATE_PROPERTY,
                  'cluster': K.V2_CLUSTER_PRIVATE_PROPERTY}

    def property_changed(self, obj, changed, private=False):
        """Properties of `obj` were set: `changed` is [(name, syntax, value)]."""
        table = self.V2_PRIVATE if private else self.V2_COMMON
        payload = b''
        if changed and not (private and obj.kind in ('resource', 'restype')):
            payload = cb.build_property_list(changed, trailing_endmark=True)
        self.emit(obj, self.V1_PROPERTY.get(obj.kind, 0), table.get(obj.kind, 0), payload)

    def registry(self, key, what, value_name=None):
        """A registry change under `key`: what is 'value', 'name' (key created / deleted) or
        'attributes' (security)."""
        v1 = {'value': K.CHANGE_REGISTRY_VALUE, 'name': K.CHANGE_REGISTRY_NAME,
              'attributes': K.CHANGE_REGISTRY_ATTRIBUTES}[what]
        v2 = {'value': K.V2_REGISTRY_VALUE, 'name': K.V2_REGISTRY_NAME,
              'attributes': K.V2_REGISTRY_ATTRIBUTES}[what]
        self.emit(None, v1, v2, key=key, value_name=value_name)


def _relative(base, key):
    """The path of `key` relative to `base` ('' for the key itself), None if outside."""
    bp, kp = base.path(), key.path()
    if not bp:
        return kp
    if kp.lower() == bp.lower():
        return ''
    if kp.lower().startswith(bp.lower() + '\\'):
        return kp[len(bp) + 1:]
    return None
