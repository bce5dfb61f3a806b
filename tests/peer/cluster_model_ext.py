"""Additions to the mock ClusAPI server for the scenario captures (tests/peer/scenario.py).

The handlers_*.py modules answer what smbtorture and ordinary clients ask. The scenario also
asks for every control-code buffer format of idl/tables/ctlcodes.tsv and every notification
payload kind of ApiGetNotifyV2; this module adds what that needs, without changing any answer
the other modules give:

  - control codes the handlers_control table lacks (added with setdefault: never replaced):
    storage (disk IDs, dirty volumes, mount points, drive letters, CSV volume info, disk number
    info, disk info EX2), storage pool drive info, Storage Replica queries, failure info,
    arbitration timeout, checkpoints, network name and IP address operations, maintenance
    modes, cloud witness, CSV/backup modes, path validation, property formats of a type's
    resources...; each answer is built from the MS-CMRP 2.2.3 field tables;
  - answers for objects handlers_control has none for (resource-type checkpoints), used only
    where its own answer is None;
  - five codes whose object byte differs from the method family ctlcodes.tsv files them under
    (CLUSCTL_RESOURCE_NETNAME_CHECK_OU_PERMISSIONS / _CHECK_AD_STATE, object byte 7, are resource
    controls; CLUSCTL_GROUP_GET_PROVIDER_GROUPS / _GROUPSETS, object byte 8, group controls;
    CLUSCTL_RESOURCE_TYPE_STORAGE_IS_CSV_FILE, object byte 1, a resource-type control):
    handled before the generic object check of handlers_control.run_control;
  - two resource types, Storage Replica and Cloud Witness, that the replication and cloud
    witness resource-type controls address;
  - ApiClusterNativeUpdateControl (opnum 185, whose buffers the spec leaves opaque): answers
    ERROR_INVALID_FUNCTION for anything but an empty query;
  - notifications no handler posts: CLUSTER_CHANGE_CLUSTER_MEMBERSHIP_V2 (a
    CLUSTER_MEMBERSHIP_INFO) when a node is paused, resumed or evicted;
    CLUSTER_CHANGE_SHARED_VOLUME_STATE_V2 (a PROPERTY_LIST of binary
    CLUSTER_SHARED_VOLUME_STATE_INFO_EX values) on ApiChangeCsvState(Ex) and the CSV
    maintenance/backup controls; CLUSTER_CHANGE_RESOURCE_DLL_UPGRADED_V2,
    CLUSTER_CHANGE_RESOURCE_TYPE_DLL_UPGRADED_V2 and CLUSTER_RESOURCE_TYPE_SPECIFIC_V2 (opaque)
    on CLUSCTL_RESOURCE_UPGRADE_DLL. Each is posted after the handler it follows succeeded.

Loaded by mockclusd.load_extension(), which calls register(model) after the built-in handlers.
Python 3 stdlib only.
"""
import struct
import uuid

import clusbuf as cb
import cluster_consts as K
import handlers_control as HC
from cluster_model import CmrpError

ERROR_INVALID_FUNCTION = 1
ERROR_MORE_DATA = 234

# CLUSTER_OBJECT_TYPE and the v2 filter flags this module posts (2.2.2.11 - 2.2.2.21)
OBJ_CLUSTER, OBJ_RESOURCE, OBJ_RESOURCE_TYPE, OBJ_SHARED_VOLUME = 1, 3, 4, 10
V2_CLUSTER_MEMBERSHIP = 0x00000800
V2_RESOURCE_DLL_UPGRADED = 0x00000100
V2_RESOURCE_TYPE_DLL_UPGRADED = 0x00000010
V2_RESOURCE_TYPE_SPECIFIC = 0x00000020
V2_SHARED_VOLUME_STATE = 0x00000001

_NS = uuid.UUID('5b0c3c1e-6d1a-4c8e-9f7a-434d52504d4b')


def _guid(*parts):
    return uuid.uuid5(_NS, ':'.join(str(p) for p in parts))


def dword(v):
    return struct.pack('<I', v & 0xffffffff)


def fixed_wstr(s, nbytes):
    """A fixed-length, null-terminated UTF-16 field of nbytes bytes, zero-filled."""
    b = s.encode('utf-16-le')[:nbytes - 2]
    return b + b'\0' * (nbytes - len(b))


def _disk_no(r):
    last = r.name.split()[-1]
    return int(last) if last.isdigit() else 1


def _or_bits(bits):
    out = 0
    for b in bits:
        out |= b
    return out


def _letter(r):
    return chr(ord('P') + _disk_no(r))


# ---------------------------------------------------------------------------------------------
# Structures (MS-CMRP 2.2.3)

def csv_volume_info(r, n=1):
    """CLUS_CSV_VOLUME_INFO (2.2.3.18): VolumeOffset (8), PartitionNumber, FaultState,
    BackupState, szVolumeFriendlyName[520 bytes], szVolumeName[100 bytes]: 640 bytes."""
    return (struct.pack('<QIII', 0x100000 * n, n, 0, 0) +
            fixed_wstr('Volume%d' % _disk_no(r), 520) +
            fixed_wstr('\\\\?\\Volume{%s}\\' % _guid('vol', r.name, n), 100))


def shared_volume_state_info_ex(r, node, state=2):
    """CLUSTER_SHARED_VOLUME_STATE_INFO_EX (2.2.3.32): szVolumeName[520], szNodeName[520],
    VolumeState, szVolumeFriendlyName[520], RedirectedIOReason (8),
    BlockRedirectedIOReason (8): 1580 bytes, as the spec's field table lays them out."""
    return (fixed_wstr('\\\\?\\Volume{%s}\\' % _guid('vol', r.name, 1), 520) +
            fixed_wstr(node, 520) + dword(state) +
            fixed_wstr('C:\\ClusterStorage\\Volume%d' % _disk_no(r), 520) +
            struct.pack('<QQ', 0, 0))


def membership_info(up_node_ids, has_quorum=True):
    """CLUSTER_MEMBERSHIP_INFO (2.2.3.42): HasQuorum (1 byte), UpNodesSize (4), UpNodes (one
    byte per node ID)."""
    return struct.pack('<BI', 1 if has_quorum else 0, len(up_node_ids)) + bytes(up_node_ids)


def pool_drive_info(name, slot):
    """CLUS_POOL_DRIVE_INFO (2.2.3.31): DriveName[512], IncursSeekPenalty (1), 3 padding bytes,
    DriveHealth, DriveState, TotalCapacity (8), ConsumedCapacity (8), Usage, BusType, Slot,
    EnclosureName[2048]: 2600 bytes."""
    return (fixed_wstr(name, 512) + struct.pack('<B3x', 1) +
            struct.pack('<IIQQIII', 3, 8, 4 << 40, 1 << 40, 1, 0x0b, slot) +
            fixed_wstr('Enclosure 1 (JBOD)', 2048))


def eligible_disks_result(guids):
    """SR_RESOURCE_TYPE_ELIGIBLE_DISKS_RESULT (2.2.3.37): Count (2), Reserved1 (2), GUIDs."""
    return struct.pack('<HH', len(guids), 0) + b''.join(g.bytes_le for g in guids)


def replicated_disks_result(disks):
    """SR_RESOURCE_TYPE_REPLICATED_DISKS_RESULT (2.2.3.41): Count (2), Reserved1 (2), then
    SR_RESOURCE_TYPE_REPLICATED_DISK (2.2.3.40) elements: Type, ClusterDiskResourceGuid,
    ReplicationGroupId, ReplicationGroupName[520 bytes] (556 bytes each)."""
    body = b''.join(struct.pack('<I', t) + d.bytes_le + g.bytes_le + fixed_wstr(n, 520)
                    for t, d, g, n in disks)
    return struct.pack('<HH', len(disks), 0) + body


def ou_permissions_output(ou):
    """CLUSCTL_RESOURCE_NETNAME_CHECK_OU_PERMISSIONS_OUTPUT (2.2.3.35): bHasAccess, bDefaultOU,
    OUSize, OUName."""
    name = cb.wstr(ou)
    return struct.pack('<III', 1, 0, len(name)) + name


def diskid_guid(g):
    """CLUSDSK_DISKID (2.2.3.33) of type DiskIdGuid."""
    return struct.pack('<I', 2) + g.bytes_le


def partition_info_ex2(r):
    """CLUS_PARTITION_INFO_EX2 (2.2.3.45): the CLUS_PARTITION_INFO_EX fields, then
    GptPartitionId (16), szPartitionName[520 bytes], EncryptionFlags."""
    n = _disk_no(r)
    return (cb.partition_info_ex('%s:' % _letter(r), 'Disk%d' % n, 0x5ca1ab1e + n,
                                 (n * 10) << 30, (n * 4) << 30, device_number=n,
                                 volume_guid=_guid('vol', r.name, 1).bytes_le) +
            _guid('gpt', r.name).bytes_le + fixed_wstr('Basic data partition', 520) + dword(0))


def failure_info(obj):
    """CLUSTER_GROUP_FAILURE_INFO_BUFFER (SDK): dwVersion 1, then CLUSTER_GROUP_FAILURE_INFO:
    dwFailoverAttemptsRemaining, dwFailoverPeriodRemaining (hours)."""
    return struct.pack('<III', 1, 2, 5)


# ---------------------------------------------------------------------------------------------
# Control codes (keys: bits 0-23 of the code, as in handlers_control.CODES)

def _res(kinds, fn, rtypes=None):
    def wrap(call, obj, inbuf):
        if obj.kind not in kinds:
            return None
        if rtypes and obj.kind == 'resource' and obj.rtype.name not in rtypes:
            return None
        return fn(call, obj, inbuf)
    return wrap


DISK = ('Physical Disk',)
NETNAME = ('Network Name', 'Distributed Network Name')
IPADDR = ('IP Address', 'IPv6 Address')


def _ok(call, obj, inbuf):
    return b''


def _needs(size):
    """A handler accepting an input buffer of at least `size` bytes, answering nothing."""
    def fn(call, obj, inbuf):
        if not inbuf or len(inbuf) < size:
            raise CmrpError(K.ERROR_INVALID_PARAMETER)
        return b''
    return fn


def _needs_string(call, obj, inbuf):
    if not inbuf or len(inbuf) < 2 or len(inbuf) % 2:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    return b''


def _disks(call):
    return [r for r in call.state.live(call.state.resources) if r.rtype.name == 'Physical Disk']


def _available_disks_ex(call, t, inbuf):
    if t.name != 'Physical Disk':
        return None
    out = b''
    for n in (7, 8):
        out += cb.build_value_list(
            cb.v_disk_signature(0x0badd000 + n) + cb.v_scsi_address(1, 0, n, 0) +
            cb.v_disk_number(n) +
            cb.v_partition_info_ex('%s:' % chr(ord('H') + n), 'New%d' % n, 0x1000 + n,
                                   n << 32, n << 31, device_number=n))
    return out


def _disk_info_ex2(call, r, inbuf):
    n = _disk_no(r)
    return cb.build_value_list(
        cb.v_disk_signature(r.private.get('DiskSignature', [0, 0x1234])[1]) +
        cb.v_disk_guid('{%s}' % _guid('disk', r.name)) +
        cb.v_disk_serial('CMRP-SN-%04d' % n) + cb.v_disk_size((n * 10) << 30) +
        cb.v_scsi_address(1, 0, n, 0) + cb.v_disk_number(n) +
        [(cb.CLUSPROP_SYNTAX_PARTITION_INFO_EX2, partition_info_ex2(r))])


def _csv_event(call, r, state=2):
    node = r.group.owner.name if getattr(r.group, 'owner', None) else ''
    payload = cb.build_property_list(
        [('SharedVolumeStateInfo', [(cb.CLUSPROP_SYNTAX_LIST_VALUE_BINARY,
                                     shared_volume_state_info_ex(r, node, state))])])
    call.events.emit(r, 0, V2_SHARED_VOLUME_STATE, payload, v2_obj_type=OBJ_SHARED_VOLUME,
                     ids=(r.id, '', r.name, ''))


def _set_csv_mode(size, state):
    def fn(call, r, inbuf):
        if not inbuf or len(inbuf) < size:
            raise CmrpError(K.ERROR_INVALID_PARAMETER)
        _csv_event(call, r, state(inbuf))
        return b''
    return fn


def _upgrade_dll(call, r, inbuf):
    if not inbuf or len(inbuf) < 2:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    node = call.state.local_node
    nid = cb.wstr(node.id)
    call.events.emit(r, 0, V2_RESOURCE_DLL_UPGRADED, nid)
    call.events.emit(r.rtype, 0, V2_RESOURCE_TYPE_DLL_UPGRADED, nid)
    # what a resource DLL raises for its type: opaque to the cluster (3.1.4.2.138)
    blob = b'CMRP' + struct.pack('<IHH', 1, 0x0102, 0x0304) + cb.parse_wstr(inbuf).encode('utf-8')
    call.events.emit(r.rtype, 0, V2_RESOURCE_TYPE_SPECIFIC, blob)
    return b''


def _restype_formats(private):
    def fn(call, t, inbuf):
        for r in call.state.live(call.state.resources):
            if r.rtype is t:
                return cb.build_property_formats(r.rw_private() if private else r.rw_common(),
                                                 trailing_endmark=True)
        return cb.build_property_formats([], trailing_endmark=True)
    return fn


def _sr_query(call, t, inbuf):
    if not inbuf or len(inbuf) < 20:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    return eligible_disks_result([_guid('disk', r.name) for r in _disks(call)][:3])


def _sr_replicated(call, t, inbuf):
    disks = _disks(call)[:2]
    return replicated_disks_result(
        [(1 + i, _guid('disk', r.name), _guid('rg', 'rg01'), 'rg0%d' % (i + 1))
         for i, r in enumerate(disks)])


def _resource_id_of_path(call, t, inbuf):
    path = cb.parse_wstr(inbuf or b'')
    for r in _disks(call):
        if path.upper().startswith(_letter(r) + ':') or 'Volume{' in path:
            return cb.wstr(r.id)
    raise CmrpError(K.ERROR_FILE_NOT_FOUND)


EXTRA_CODES = {
    # resource and group
    0x000019: _res(('resource', 'group'), lambda c, o, i: failure_info(o)),   # GET_FAILURE_INFO
    # resource type
    0x000015: _res(('restype',), lambda c, t, i: dword(60)),                  # GET_ARB_TIMEOUT
    0x000069: _res(('restype',), _restype_formats(False)),   # GET_COMMON_RESOURCE_PROPERTY_FMTS
    0x000091: _res(('restype',), _restype_formats(True)),    # GET_PRIVATE_RESOURCE_PROPERTY_FMTS
    # checkpoints
    0x4000a2: _res(('resource',), _needs_string),         # ADD_REGISTRY_CHECKPOINT
    0x4000a6: _res(('resource',), _needs_string),         # DELETE_REGISTRY_CHECKPOINT
    0x4000ae: _res(('resource',), _needs_string),         # ADD_CRYPTO_CHECKPOINT
    0x4000b2: _res(('resource',), _needs_string),         # DELETE_CRYPTO_CHECKPOINT
    0x4000be: _res(('resource',), _needs_string),         # ADD_REGISTRY_CHECKPOINT_64BIT
    0x4000c2: _res(('resource',), _needs_string),         # ADD_REGISTRY_CHECKPOINT_32BIT
    0x4000ba: _res(('resource',), _upgrade_dll),          # UPGRADE_DLL
    # network name, IP address
    0x000172: _res(('resource',), _ok, NETNAME),          # NETNAME_REGISTER_DNS_RECORDS
    0x00017a: _res(('resource',), _needs(680), NETNAME),  # NETNAME_SET_PWD_INFO
    0x00017e: _res(('resource',), _ok, NETNAME),          # NETNAME_DELETE_CO
    0x000181: _res(('resource',), _needs_string, NETNAME),  # NETNAME_VALIDATE_VCO
    0x000185: _res(('resource',), _ok, NETNAME),          # NETNAME_RESET_VCO
    0x4001be: _res(('resource',), _ok, IPADDR),           # IPADDRESS_RENEW_LEASE
    0x4001c2: _res(('resource',), _ok, IPADDR),           # IPADDRESS_RELEASE_LEASE
    # storage
    0x0001a1: _res(('resource',), lambda c, r, i: struct.pack('<II', _disk_no(r), 512), DISK),
    0x0001f9: _res(('resource',), _disk_info_ex2, DISK),  # STORAGE_GET_DISK_INFO_EX2
    0x000205: lambda c, o, i: (diskid_guid(_guid('disk', cb.parse_wstr(i or b'')))
                               if o.kind in ('resource', 'restype') else None),  # GET_DISKID
    0x000211: _res(('resource',), lambda c, r, i: cb.multi_sz(                # GET_MOUNTPOINTS
        ['%s:\\' % _letter(r), '%s:\\Mount\\Data\\' % _letter(r)]), DISK),
    0x000219: _res(('resource',), lambda c, r, i: struct.pack('<II', 1, 3), DISK),  # GET_DIRTY
    0x000225: _res(('resource',), lambda c, r, i: cb.build_value_list(              # CSV info
        [(cb.CLUSPROP_SYNTAX_LIST_VALUE_BINARY, csv_volume_info(r, 1)),
         (cb.CLUSPROP_SYNTAX_LIST_VALUE_BINARY, csv_volume_info(r, 2))]), DISK),
    0x4001e6: _res(('resource',), _needs(4), DISK),      # SET_MAINTENANCE_MODE
    0x4001ea: _res(('resource',), _needs(8), DISK),      # STORAGE_SET_DRIVELETTER
    0x400296: _res(('resource',), _set_csv_mode(524, lambda b: 1 if b[0] else 2), DISK),
    0x40029a: _res(('resource',), _set_csv_mode(528, lambda b: 3 if b[0] else 2), DISK),
    0x0002b5: _res(('resource',), lambda c, r, i: pool_drive_info('PhysicalDisk%d' % 4, 4),
                   ('Storage Pool',)),                    # POOL_GET_DRIVE_INFO
    0x001fad: _res(('resource',), lambda c, r, i: cb.multi_sz(                # RELATED_NAMES
        [x.name for x in r.group.resources if x is not r])),
    0x0001ed: _res(('restype',), lambda c, t, i: dword(                      # GET_DRIVELETTERS
        _or_bits({1 << (ord(_letter(r)) - ord('A')) for r in _disks(c)}) | 1 << 2)),
    0x0001f5: _res(('restype',), _available_disks_ex),   # GET_AVAILABLE_DISKS_EX
    0x000201: _res(('restype',), _needs(8)),             # STORAGE_REMAP_DRIVELETTER
    0x000209: _res(('restype',), _needs(8)),             # STORAGE_IS_CLUSTERABLE
    0x000229: _res(('restype',), lambda c, t, i: dword(1 if 'ClusterStorage' in cb.parse_wstr(
        i or b'') else 0)),                               # STORAGE_IS_CSV_FILE
    0x00022d: _res(('restype',), _resource_id_of_path),  # STORAGE_GET_RESOURCEID
    0x000231: _res(('restype',), _needs_string),         # VALIDATE_PATH
    0x000235: _res(('restype',), _needs_string),         # NETNAME_VALIDATE_NETNAME
    0x000239: _res(('restype',), _needs_string),         # GEN_APP_VALIDATE_DIRECTORY
    0x0020e1: _res(('restype',), lambda c, t, i: HC.validate_private(c, t, i)),  # CLOUD_WITNESS
    0x002149: _res(('restype',), _sr_query),             # REPLICATION_GET_ELIGIBLE_LOGDISKS
    0x00214d: _res(('restype',), _sr_query),             # ..._ELIGIBLE_TARGET_DATADISKS
    0x002151: _res(('restype',), _sr_query),             # ..._ELIGIBLE_SOURCE_DATADISKS
    0x002155: _res(('restype',), _sr_replicated),        # REPLICATION_GET_REPLICATED_DISKS
    0x002161: _res(('restype',), lambda c, t, i: cb.build_property_list(   # GET_RESOURCE_GROUP
        [('ReplicationGroupName', None, 'rg01'),
         ('ReplicationGroupId', None, '{%s}' % _guid('rg', 'rg01'))])),
    # cluster
    0x000291: _res(('cluster',), lambda c, o, i: cb.wstr(                # GET_SHARED_VOLUME_ID
        '\\\\?\\Volume{%s}\\' % _guid('vol', cb.parse_wstr(i or b''), 1))),
    0x00004d: _res(('cluster',), _ok),                   # SHUTDOWN (the mock stays up)
    0x0000d5: _res(('cluster',), _ok),                   # IS_READY_FOR_UPGRADE
}

# Codes handlers_control answers for some objects only: our answer where theirs is None.
FALLBACK_CODES = {
    0x0000a9: _res(('restype',), lambda c, t, i: cb.multi_sz(            # GET_REGISTRY_CHECKPOINTS
        ['SYSTEM\\CurrentControlSet\\Services\\%s' % t.name.replace(' ', '')])),
    0x0000b5: _res(('restype',), lambda c, t, i: b''),                    # GET_CRYPTO_CHECKPOINTS
}

# Codes filed under a method family whose object byte differs: code -> (family kind, answer)
CROSS_OBJECT = {
    0x07002121: ('resource', lambda c, r, i: (                # NETNAME_CHECK_OU_PERMISSIONS
        ou_permissions_output('OU=Clusters,DC=cmrp,DC=test')
        if i and len(i) >= 24 else None)),
    0x07002125: ('resource', lambda c, r, i: dword(1)),       # NETNAME_CHECK_AD_STATE
    0x08002d7d: ('group', lambda c, g, i: cb.multi_sz(        # GROUP_GET_PROVIDER_GROUPS
        [x.name for x in c.state.live(c.state.groups) if x is not g][:2])),
    0x08002d81: ('group', lambda c, g, i: cb.multi_sz(        # GROUP_GET_PROVIDER_GROUPSETS
        [s.name for s in c.state.live(c.state.groupsets)][:2])),
    0x01000229: ('restype', lambda c, t, i: dword(             # RESOURCE_TYPE_STORAGE_IS_CSV_FILE
        1 if 'ClusterStorage' in cb.parse_wstr(i or b'') else 0)),
}


def _answer(call, out, status=0):
    """The [out] values of a control call answering `out` (handlers_control conventions)."""
    room = call['nOutBufferSize']
    if len(out) > room:
        return {'lpOutBuffer': b'', 'nOutBufferSize': room, 'lpBytesReturned': 0,
                'lpcbRequired': len(out), '_return': ERROR_MORE_DATA}
    return {'lpOutBuffer': out, 'nOutBufferSize': room, 'lpBytesReturned': len(out),
            'lpcbRequired': len(out), '_return': status}


def _cross_object(orig, param, kind):
    def fn(call):
        ent = CROSS_OBJECT.get(call['dwControlCode'])
        if ent is None or ent[0] != kind:
            return orig(call)
        if kind == 'restype':
            call.obj('hCluster', 'cluster')
            obj = call.state.restype(call['lpszResourceTypeName'])
            if obj is None:
                raise CmrpError(K.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND)
        else:
            obj = call.obj(param, kind)
        out = ent[1](call, obj, call['lpInBuffer'])
        if out is None:
            raise CmrpError(ERROR_INVALID_FUNCTION)
        return _answer(call, out)
    return fn


# ---------------------------------------------------------------------------------------------
# Handlers

def native_update_control(call):
    """ApiClusterNativeUpdateControl (3.1.4.2.167): the spec leaves the buffers opaque. An empty
    query answers the size of nothing; anything else is not a function this mock knows."""
    if call['inBuffer']:
        return {'lpBytesReturned': 0, 'lpBytesNeeded': 0, '_return': ERROR_INVALID_FUNCTION}
    return {'outBuffer': b'', 'outBufferSize': call['outBufferSize'], 'lpBytesReturned': 0,
            'lpBytesNeeded': 0}


def _after(orig, then):
    """A handler running `orig`, then `then(call, result)` if it succeeded."""
    def fn(call):
        out = orig(call) or {}
        if not out.get('_return'):
            then(call, out)
        return out
    return fn


def _membership(call, out):
    state = call.state
    up = [int(n.id) for n in state.live(state.nodes)
          if n.state == K.NODE_UP and str(n.id).isdigit()]
    call.events.emit(state.cluster, 0, V2_CLUSTER_MEMBERSHIP, membership_info(up),
                     ids=('', '', '', ''))


def _csv_after(call, out):
    r = call.obj('hResource', 'resource')
    _csv_event(call, r, 2 if call['dwState'] else 0)


def _add_types(state):
    """Two resource types of current clusters the Storage Replica and cloud witness controls are
    addressed to (ApiResourceTypeControl names the type)."""
    from cluster_objects import ResourceType
    sz, dw = cb.CLUSPROP_SYNTAX_LIST_VALUE_SZ, cb.CLUSPROP_SYNTAX_LIST_VALUE_DWORD
    for name, dll, private in (
            ('Storage Replica', 'wvrres.dll', {'ReplicationGroupName': [sz, ''],
                                               'LogSizeInBytes': [dw, 0]}),
            ('Cloud Witness', 'clusres.dll', {'AccountName': [sz, ''],
                                              'EndpointInfo': [sz, 'core.windows.net']})):
        if state.restype(name) is None:
            t = ResourceType(name, name, dll, private_template=private)
            t.possible_owners = list(state.nodes)
            state.restypes.append(t)
            try:
                state.sync_key(t)
            except Exception:
                pass


def _fallback(theirs, ours):
    def fn(call, obj, inbuf):
        out = theirs(call, obj, inbuf)
        return ours(call, obj, inbuf) if out is None else out
    return fn


def register(model):
    _add_types(model.state)
    for code, fn in EXTRA_CODES.items():
        HC.CODES.setdefault(code, fn)
    for code, fn in FALLBACK_CODES.items():
        HC.CODES[code] = _fallback(HC.CODES[code], fn) if code in HC.CODES else fn
    h = model.handlers
    if 185 not in h:
        model.register('ApiClusterNativeUpdateControl', native_update_control)
    for name, param, kind in (('ApiResourceControl', 'hResource', 'resource'),
                              ('ApiNodeResourceControl', 'hResource', 'resource'),
                              ('ApiGroupControl', 'hGroup', 'group'),
                              ('ApiNodeGroupControl', 'hGroup', 'group'),
                              ('ApiResourceTypeControl', None, 'restype'),
                              ('ApiNodeResourceTypeControl', None, 'restype')):
        op = model.codecs[3].method(name).opnum
        if op in h:
            h[op] = _cross_object(h[op], param, kind)
    for name, then in (('ApiPauseNode', _membership), ('ApiResumeNode', _membership),
                       ('ApiEvictNode', _membership),
                       ('ApiChangeCsvState', _csv_after), ('ApiChangeCsvStateEx', _csv_after)):
        op = model.codecs[3].method(name).opnum
        if op in h:
            h[op] = _after(h[op], then)
