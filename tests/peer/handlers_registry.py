"""Handlers of the mock ClusAPI server: the cluster registry (MS-CMRP 3.1.4.2.29 to .41: keys,
values, key security) and its batches (3.1.4.2.114 to .117, .141, .153: ApiExecuteBatch, batch
notification ports, read batches). Every modification is posted to the notification ports
(CLUSTER_CHANGE_REGISTRY_*) and, as a CLUSTER_REG_BATCH_UPDATE, to the batch ports whose key
contains it."""
import clusbuf as cb
import cluster_consts as K
from cluster_model import CmrpError

HANDLERS = {}
REG_CREATED_NEW_KEY, REG_OPENED_EXISTING_KEY = 1, 2
REG_OPTION_VOLATILE = 1
SECINFO_OWNER, SECINFO_GROUP, SECINFO_DACL, SECINFO_SACL = 1, 2, 4, 8


def api(*names):
    def deco(fn):
        for n in names:
            HANDLERS[n] = fn
        return fn
    return deco


def register(model):
    model.register_all(HANDLERS)
    model.batch_ports = []
    model.closers.append(lambda h: _close_batch_port(model, h))


def _key(call, param='hKey', write=False):
    return call.obj(param, 'key', write=write)


def _wlen(s):
    return len(s or '')


# ---------------------------------------------------------------------------------------------
# Change propagation

def changed(call, key, commands, what, value_name=None):
    """Post a change under `key`: notification ports get a CLUSTER_CHANGE_REGISTRY_* event,
    batch ports whose key contains `key` a CLUSTER_REG_BATCH_UPDATE of `commands`
    ((command, name, type, data) tuples, names relative to `key`)."""
    call.events.registry(key, what, value_name)
    for port in list(call.model.batch_ports):
        rel = _relative(port['key'], key)
        if rel is None:
            continue
        cmds = [(cb.CLUSREG_CREATE_KEY, rel, 0, b'')] if rel else []
        port['queue'].append(cb.build_batch(cmds + list(commands)))
    call.model.cond.notify_all()


def _relative(base, key):
    bp, kp = base.path().lower(), key.path()
    if kp.lower() == bp:
        return ''
    if not bp:
        return kp
    if kp.lower().startswith(bp + '\\'):
        return kp[len(bp) + 1:]
    return None


def _set_value(call, key, name, rtype, data, log):
    old = key.get(name)
    if old is not None:
        log.append((cb.CLUSREG_VALUE_DELETED, name, old[1], old[2]))
    key.values[(name or '').lower()] = [name or '', rtype, bytes(data)]
    key.last_write = call.state.tick()
    log.append((cb.CLUSREG_SET_VALUE, name, rtype, bytes(data)))


def _delete_value(call, key, name, log):
    old = key.values.pop((name or '').lower(), None)
    if old is None:
        return False
    key.last_write = call.state.tick()
    log.append((cb.CLUSREG_VALUE_DELETED, name, old[1], old[2]))
    log.append((cb.CLUSREG_DELETE_VALUE, name, 0, b''))
    return True


# ---------------------------------------------------------------------------------------------
# Keys

@api('ApiGetRootKey')
def get_root_key(call):
    return {'_return': call.new_handle('key', call.state.root)}


@api('ApiCreateKey')
def create_key(call):
    parent = _key(call, write=True)
    path = call['lpSubKey']
    if not path or call['dwOptions'] & REG_OPTION_VOLATILE:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    key, created = parent.create(path, call.state.tick())
    sa = call['lpSecurityAttributes']
    if created and sa and sa.get('RpcSecurityDescriptor', {}).get('lpSecurityDescriptor'):
        key.sd = bytes(sa['RpcSecurityDescriptor']['lpSecurityDescriptor'])
    if created:
        changed(call, key.parent, [(cb.CLUSREG_CREATE_KEY, key.name, 0, b'')], 'name')
    return {'lpdwDisposition': REG_CREATED_NEW_KEY if created else REG_OPENED_EXISTING_KEY,
            '_return': call.new_handle('key', key)}


@api('ApiOpenKey')
def open_key(call):
    key = _key(call).lookup(call['lpSubKey'])
    if key is None:
        raise CmrpError(K.ERROR_FILE_NOT_FOUND)
    return {'_return': call.new_handle('key', key)}


@api('ApiCloseKey')
def close_key(call):
    return call.close('pKey', 'key')


@api('ApiEnumKey')
def enum_key(call):
    subs = list(_key(call).subkeys.values())
    i = call['dwIndex']
    if i >= len(subs):
        raise CmrpError(K.ERROR_NO_MORE_ITEMS)
    return {'KeyName': subs[i].name, 'lpftLastWriteTime': subs[i].last_write}


@api('ApiDeleteKey')
def delete_key(call):
    parent = _key(call, write=True)
    key = parent.lookup(call['lpSubKey'])
    if key is None or key is parent:
        raise CmrpError(K.ERROR_FILE_NOT_FOUND)
    if key.subkeys:
        raise CmrpError(K.ERROR_ACCESS_DENIED)
    owner = key.parent
    key.remove()
    owner.last_write = call.state.tick()
    changed(call, owner, [(cb.CLUSREG_DELETE_KEY, key.name, 0, b'')], 'name')
    return {}


@api('ApiQueryInfoKey')
def query_info_key(call):
    key = _key(call)
    subs = list(key.subkeys.values())
    vals = list(key.values.values())
    return {'lpcSubKeys': len(subs),
            'lpcbMaxSubKeyLen': max([_wlen(k.name) for k in subs] or [0]),
            'lpcValues': len(vals),
            'lpcbMaxValueNameLen': max([_wlen(v[0]) for v in vals] or [0]),
            'lpcbMaxValueLen': max([len(v[2]) for v in vals] or [0]),
            'lpcbSecurityDescriptor': len(key.sd),
            'lpftLastWriteTime': key.last_write}


@api('ApiGetKeySecurity')
def get_key_security(call):
    """ERROR_INSUFFICIENT_BUFFER, with cbInSecurityDescriptor the size needed, when the
    client's buffer is too small (MS-RRP BaseRegGetKeySecurity)."""
    key = _key(call)
    si = call['SecurityInformation']
    if not si & (SECINFO_OWNER | SECINFO_GROUP | SECINFO_DACL | SECINFO_SACL):
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    sd = key.sd
    rsd = call['pRpcSecurityDescriptor'] or {}
    cb_in = rsd.get('cbInSecurityDescriptor', 0)
    if cb_in < len(sd):
        return {'pRpcSecurityDescriptor': {'lpSecurityDescriptor': None,
                                           'cbInSecurityDescriptor': len(sd),
                                           'cbOutSecurityDescriptor': 0},
                '_return': K.ERROR_INSUFFICIENT_BUFFER}
    return {'pRpcSecurityDescriptor': {'lpSecurityDescriptor': sd,
                                       'cbInSecurityDescriptor': cb_in,
                                       'cbOutSecurityDescriptor': len(sd)}}


@api('ApiSetKeySecurity')
def set_key_security(call):
    key = _key(call, write=True)
    rsd = call['pRpcSecurityDescriptor'] or {}
    sd = rsd.get('lpSecurityDescriptor')
    if not sd or len(sd) < 20 or sd[0] != 1:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    key.sd = bytes(sd)
    key.last_write = call.state.tick()
    call.events.registry(key, 'attributes')
    return {}


# ---------------------------------------------------------------------------------------------
# Values

@api('ApiSetValue')
def set_value(call):
    key = _key(call, write=True)
    data = bytes(call['lpData'] or b'')
    log = []
    _set_value(call, key, call['lpValueName'], call['dwType'], data, log)
    changed(call, key, log, 'value', call['lpValueName'])
    return {}


@api('ApiDeleteValue')
def delete_value(call):
    key = _key(call, write=True)
    log = []
    if not _delete_value(call, key, call['lpValueName'], log):
        raise CmrpError(K.ERROR_FILE_NOT_FOUND)
    changed(call, key, log, 'value', call['lpValueName'])
    return {}


@api('ApiQueryValue')
def query_value(call):
    """lpData is a conformant array of cbData bytes: the data, zero-padded; ERROR_MORE_DATA
    with lpcbRequired when cbData is too small."""
    v = _key(call).get(call['lpValueName'])
    if v is None:
        raise CmrpError(K.ERROR_FILE_NOT_FOUND)
    n = call['cbData']
    data = v[2]
    out = {'lpValueType': v[1], 'lpcbRequired': len(data), 'cbData': n}
    if n < len(data):
        out.update(lpData=b'\0' * n, _return=K.ERROR_MORE_DATA)
    else:
        out['lpData'] = data + b'\0' * (n - len(data))
    return out


@api('ApiEnumValue')
def enum_value(call):
    vals = list(_key(call).values.values())
    i = call['dwIndex']
    if i >= len(vals):
        return {'lpcbData': 0, '_return': K.ERROR_NO_MORE_ITEMS}
    name, rtype, data = vals[i]
    total = 2 * (len(name) + 1) + len(data)
    if call['lpcbData'] < len(data):
        return {'lpValueName': name, 'lpType': rtype, 'lpData': b'\0' * len(data),
                'lpcbData': len(data), 'TotalSize': total, '_return': K.ERROR_MORE_DATA}
    return {'lpValueName': name, 'lpType': rtype, 'lpData': data, 'lpcbData': len(data),
            'TotalSize': total}


# ---------------------------------------------------------------------------------------------
# Batches

@api('ApiExecuteBatch')
def execute_batch(call):
    """Apply a CLUSTER_REG_BATCH_UPDATE (2.2.3.17) all or nothing; pdwFailedCommand numbers
    the failing command from 1."""
    base = _key(call, write=True)
    try:
        _version, cmds = cb.parse_batch(call['lpData'] or b'')
    except cb.ClusBufError:
        raise CmrpError(K.ERROR_INVALID_DATA)
    snapshot = _snapshot(base)
    cur = base
    log = []
    for i, (cmd, name, vtype, data) in enumerate(cmds, 1):
        if cmd == cb.CLUSREG_CREATE_KEY:
            cur, created = base.create(name, call.state.tick())
            log.append((cmd, cur.path()[len(base.path()):].lstrip('\\'), 0, b''))
        elif cmd == cb.CLUSREG_DELETE_KEY:
            k = base.lookup(name)
            if k is not None and k is not base:
                k.parent.last_write = call.state.tick()
                k.remove()
            log.append((cmd, name, 0, b''))
            cur = None
        elif cmd in (cb.CLUSREG_SET_VALUE, cb.CLUSREG_DELETE_VALUE):
            if cur is None:
                _restore(base, snapshot)
                return {'pdwFailedCommand': i, '_return': K.ERROR_INVALID_PARAMETER}
            if cmd == cb.CLUSREG_SET_VALUE:
                _set_value(call, cur, name, vtype, data, log)
            else:
                _delete_value(call, cur, name, log)
        else:
            _restore(base, snapshot)
            return {'pdwFailedCommand': i, '_return': K.ERROR_INVALID_PARAMETER}
    if log:
        changed(call, base, log, 'value')
    return {'pdwFailedCommand': 0}


def _snapshot(key):
    return (dict((k, list(v)) for k, v in key.values.items()), dict(key.subkeys),
            [(_snapshot(s)) for s in key.subkeys.values()])


def _restore(key, snap):
    values, subkeys, subsnaps = snap
    key.values = values
    key.subkeys = subkeys
    for sub, ss in zip(subkeys.values(), subsnaps):
        sub.deleted = False
        _restore(sub, ss)


@api('ApiCreateBatchPort')
def create_batch_port(call):
    key = _key(call)
    port = {'key': key, 'queue': []}
    call.model.batch_ports.append(port)
    return {'phBatchPort': call.new_handle('batch_port', port)}


@api('ApiGetBatchNotification')
def get_batch_notification(call):
    """The next CLUSTER_REG_BATCH_UPDATE of the port; blocks (up to the model's
    notify_timeout) until one is queued; ERROR_NO_MORE_ITEMS if none came."""
    port = call.obj('hBatchNotify', 'batch_port')
    call.model.cond.wait_for(lambda: port['queue'] or port.get('closed'),
                             call.model.notify_timeout)
    if not port['queue']:
        return {'cbData': 0, 'lpData': None, '_return': K.ERROR_NO_MORE_ITEMS}
    data = port['queue'].pop(0)
    return {'cbData': len(data), 'lpData': data}


@api('ApiCloseBatchPort')
def close_batch_port(call):
    return call.close('phBatchPort', 'batch_port')


def _close_batch_port(model, h):
    if h.kind == 'batch_port' and h.obj in model.batch_ports:
        h.obj['closed'] = True
        model.batch_ports.remove(h.obj)
        model.cond.notify_all()


@api('ApiExecuteReadBatch', 'ApiExecuteReadBatchEx')
def execute_read_batch(call):
    """CLUSREG_READ_KEY moves the current key; each CLUSREG_READ_VALUE is answered by
    CLUSREG_READ_VALUE (type, data) or CLUSREG_READ_ERROR (the status as ValueType)."""
    base = _key(call)
    try:
        _version, cmds = cb.parse_batch(call['lpInData'] or b'')
    except cb.ClusBufError:
        raise CmrpError(K.ERROR_INVALID_DATA)
    cur = base
    out = []
    for cmd, name, _vtype, _data in cmds:
        if cmd == cb.CLUSREG_READ_KEY:
            cur = base.lookup(name)
            out.append((cmd, name, 0, b''))
        elif cmd == cb.CLUSREG_READ_VALUE:
            v = cur.get(name) if cur is not None else None
            if v is None:
                out.append((cb.CLUSREG_READ_ERROR, name, K.ERROR_FILE_NOT_FOUND, b''))
            else:
                out.append((cb.CLUSREG_READ_VALUE, name, v[1], v[2]))
        else:
            raise CmrpError(K.ERROR_INVALID_PARAMETER)
    data = cb.build_batch(out)
    return {'cbOutData': len(data), 'lpOutData': data}

