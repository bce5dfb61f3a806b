#!/usr/bin/python3
"""Scenario client: the ClusAPI traffic smbtorture never sends, against the mock server.

    /usr/bin/python3 tests/peer/scenario.py --port P [--ndr64] [--user U --password PW]
                                            [--subset all|core|storage] [--v2-udp-port P2] [--strict]

ClusAPI 3.0 over ncacn_ip_tcp with impacket's DCE/RPC client (NTLMSSP PKT_PRIVACY when --user is
given; NDR64 transfer syntax with --ndr64); every stub is built and read by tests/peer/ndrcodec.py
from idl/clusapi.idl, and every custom-marshaled buffer (PROPERTY_LIST, value lists, MULTI_SZ,
the MS-CMRP 2.2.3 control-code structures, CLUSTER_REG_BATCH_UPDATE) by tests/peer/clusbuf.py or
by the builders below. With --v2-udp-port, a ClusAPI 2.0 session over ncadg_ip_udp follows
(dcerpc_cl.ClClient, v2.0 signatures).

What it sends (subset "all"):
  - every documented control code of idl/tables/ctlcodes.tsv through the control method of its
    object (opnums 72-79, 88, 89, 97, 98, 105, 106, 173, 174; the Node* variant for every third
    code), each with a real input buffer of its input format and an output buffer big enough for
    its output format; ERROR_MORE_DATA retries with lpcbRequired; an unknown code
    (ERROR_INVALID_FUNCTION);
  - PROPERTY_LISTs holding every CLUSPROP value syntax, multi-value properties, and both
    ENDMARK conventions;
  - v1 notifications (ApiCreateNotify, ApiAddNotify*, ApiReAddNotify*, ApiGetNotify,
    ApiUnblockGetNotifyCall), v2 notifications (ApiCreateNotifyV2, ApiAddNotifyV2 for every
    object type, ApiAddNotifyResourceTypeV2, ApiGetNotifyV2 until drained) and ApiGetNotifyAsync;
  - registry values of every type through ApiSetValue / ApiQueryValue / ApiEnumValue, key
    security, batches with every CLUSTER_REG_BATCH_COMMAND, batch notification ports;
  - enumerations (ApiCreateEnum, ApiCreateEnumEx, ApiCreateNodeEnumEx, ApiCreateGroupEnum and
    ApiCreateResourceEnum with property lists, ...), group sets, the *Ex methods;
  - error paths: not-found names, ERROR_MORE_DATA, ERROR_INVALID_FUNCTION.
Subset "core" is a short session (for the sealed capture): a cross-section of the above.
Subset "storage" (captures/scenario-storage, against mockclusd --spec-storage) sends the storage
control codes whose outputs are value lists: GET_REQUIRED_DEPENDENCIES, GET_CLASS_INFO,
STORAGE_GET_DISK_INFO(_EX, _EX2), STORAGE_GET_SHARED_VOLUME_INFO to a Physical Disk (or SQL
Server) resource, GET_REQUIRED_DEPENDENCIES and STORAGE_GET_AVAILABLE_DISKS(_EX) to resource types.

Deterministic: no randomness; names, values and the order of calls are fixed (object names the
server returns are sorted before use). Prints one line per call on stderr with -v, and a summary.
Exit status: 0, or 1 with --strict if any call drew a DCE/RPC fault, 2 if the session broke.
"""
import argparse
import os
import socket
import struct
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import clusbuf as cb  # noqa: E402
import ndrcodec  # noqa: E402

IFACE_UUID = 'b97db8b2-4c63-11cf-bff6-08002be23f2f'
NDR_SYNTAX = ('8a885d04-1ceb-11c9-9fe8-08002b104860', '2.0')
NDR64_SYNTAX = ('71710533-BEBA-4937-8319-B5DBEF9CCC36', '1.0')
CTLCODES = os.path.join(REPO, 'idl', 'tables', 'ctlcodes.tsv')

ERROR_SUCCESS = 0
ERROR_INVALID_FUNCTION = 1
ERROR_MORE_DATA = 234
ERROR_NO_MORE_ITEMS = 259

# CLUSTER_OBJECT_TYPE (2.2.2.11)
OT_CLUSTER, OT_GROUP, OT_RESOURCE, OT_RESOURCE_TYPE, OT_NETINTERFACE, OT_NETWORK, OT_NODE, \
    OT_REGISTRY, OT_QUORUM, OT_SHARED_VOLUME, OT_SPACEPORT, OT_UPGRADE, OT_GROUPSET = range(1, 14)

# CLUSTER_ENUM (2.2.3.4)
CLUSTER_ENUM_NODE = 0x1
CLUSTER_ENUM_RESTYPE = 0x2
CLUSTER_ENUM_RESOURCE = 0x4
CLUSTER_ENUM_GROUP = 0x8
CLUSTER_ENUM_NETWORK = 0x10
CLUSTER_ENUM_NETINTERFACE = 0x20
CLUSTER_ENUM_SHARED_VOLUME_RESOURCE = 0x40000000
CLUSTER_ENUM_INTERNAL_NETWORK = 0x80000000

REG_NONE, REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD = 0, 1, 2, 3, 4
REG_MULTI_SZ, REG_QWORD = 7, 11

# The control-method families: object -> (plain method, Node* method, handle parameter(s)).
CONTROL_METHODS = {
    'RESOURCE': ('ApiResourceControl', 'ApiNodeResourceControl'),
    'RESOURCE_TYPE': ('ApiResourceTypeControl', 'ApiNodeResourceTypeControl'),
    'GROUP': ('ApiGroupControl', 'ApiNodeGroupControl'),
    'NODE': ('ApiNodeControl', 'ApiNodeNodeControl'),
    'NETWORK': ('ApiNetworkControl', 'ApiNodeNetworkControl'),
    'NETINTERFACE': ('ApiNetInterfaceControl', 'ApiNodeNetInterfaceControl'),
    'CLUSTER': ('ApiClusterControl', 'ApiNodeClusterControl'),
    'GROUPSET': ('ApiGroupSetControl', 'ApiNodeGroupSetControl'),
}


# ---------------------------------------------------------------------------------------------
# Control-code buffers (MS-CMRP 2.2.3), built from the spec's field tables

def fixed_wstr(s, nbytes):
    """A fixed-length, null-terminated UTF-16 field of nbytes bytes, zero-filled."""
    b = s.encode('utf-16-le')[:nbytes - 2]
    return b + b'\0' * (nbytes - len(b))


GUID_DISK = uuid.UUID('6a1c2d3e-4f50-4617-8899-aabbccddeeff')
GUID_DISK2 = uuid.UUID('0f1e2d3c-4b5a-4968-8776-655443322110')
# 2.2.3.34: the client MUST set the GUID to bf967a86-0de6-11d0-a285-00aa003049e2 (computer class)
GUID_COMPUTER_CLASS = uuid.UUID('bf967a86-0de6-11d0-a285-00aa003049e2')


def netname_pwd_info(ex=False):
    """CLUS_NETNAME_PWD_INFO (2.2.3.13): Flags, Password[32 bytes], CreatingDC[516 bytes],
    ObjectGuid[128 bytes] (a GUIDString): 680 bytes. CLUS_NETNAME_PWD_INFOEX (2.2.3.62), for
    NETNAME_SET_PWD_INFOEX, has a 256-byte Password: 904 bytes."""
    flags = 0x1 | 0x2                        # GUID_PRESENT | CREATEDC_PRESENT
    return (struct.pack('<I', flags) + fixed_wstr('N3wPassw0rd!', 256 if ex else 32) +
            fixed_wstr('DC01.cmrp.test', 516) +
            fixed_wstr('{%s}' % GUID_DISK2, 128))


def maintenance_mode_info_ex(on=True, mtype=1):
    """CLUS_MAINTENANCE_MODE_INFO_EX (2.2.3.15): InMaintenance, MaintenanceModeType,
    InternalState, Signature 0xABBAF00F."""
    return struct.pack('<IIII', 1 if on else 0, mtype, 0, 0xABBAF00F)


def maintenance_mode_info(on=True):
    """CLUS_MAINTENANCE_MODE_INFO (2.2.3.14): InMaintenance."""
    return struct.pack('<I', 1 if on else 0)


def storage_set_driveletter(partition=1, mask=1 << (ord('S') - ord('A'))):
    """CLUS_STORAGE_SET_DRIVELETTER (2.2.3.16): PartitionNumber, DriveLetterMask."""
    return struct.pack('<II', partition, mask)


def storage_remap_driveletter(cur=1 << (ord('E') - ord('A')), tgt=1 << (ord('T') - ord('A'))):
    """CLUS_STORAGE_REMAP_DRIVELETTER (2.2.3.12): CurrentDriveLetterMask, TargetDriveLetterMask."""
    return struct.pack('<II', cur, tgt)


def csv_maintenance_mode_info(on=True, volume='Volume1'):
    """CLUS_CSV_MAINTENANCE_MODE_INFO (2.2.3.19): InMaintenance, VolumeName[520 bytes]."""
    return struct.pack('<I', 1 if on else 0) + fixed_wstr(volume, 520)


def shared_volume_backup_mode(state=1, delay=30, volume='Volume1'):
    """CLUS_SHARED_VOLUME_BACKUP_MODE (2.2.3.20): BackupState, DelayTimerInSecs,
    VolumeName[520 bytes]."""
    return struct.pack('<II', state, delay) + fixed_wstr(volume, 520)


def diskid_signature(sig=0x1badcafe):
    """CLUSDSK_DISKID (2.2.3.33) of type DiskIdSignature: type, then the 16-byte union."""
    return struct.pack('<II', 1, sig) + b'\0' * 12


def diskid_guid(g=GUID_DISK):
    """CLUSDSK_DISKID of type DiskIdGuid."""
    return struct.pack('<I', 2) + g.bytes_le


def ou_permissions_input():
    """CLUSCTL_RESOURCE_NETNAME_CHECK_OU_PERMISSIONS_INPUT (2.2.3.34)."""
    return struct.pack('<II', 1, 0x11) + GUID_COMPUTER_CLASS.bytes_le


def sr_query_logdisks(g=GUID_DISK, include_offline=1):
    """SR_RESOURCE_TYPE_QUERY_ELIGIBLE_LOGDISKS (2.2.3.36)."""
    return g.bytes_le + struct.pack('<BBBB', include_offline, 0, 0, 0)


def sr_query_target_datadisks(g=GUID_DISK, skip_connectivity=0, include_offline=1):
    """SR_RESOURCE_TYPE_QUERY_ELIGIBLE_TARGET_DATADISKS (2.2.3.38)."""
    return g.bytes_le + struct.pack('<BBBB', skip_connectivity, include_offline, 0, 0)


def sr_query_source_datadisks(g=GUID_DISK, include_available=1):
    """SR_RESOURCE_TYPE_QUERY_ELIGIBLE_SOURCE_DATADISKS (2.2.3.39)."""
    return g.bytes_le + struct.pack('<BBBB', include_available, 0, 0, 0)


def state_change_reason(reason=2):
    """CLUSCTL_RESOURCE_STATE_CHANGE_REASON_STRUCT (SDK): dwSize 12, dwVersion 1, eReason."""
    return struct.pack('<III', 12, 1, reason)


SD = cb.self_relative_sd()


def props_all_syntaxes(trailing_endmark=False):
    """A private PROPERTY_LIST with one property of every value syntax, and multi-value
    properties (EXPAND_SZ + EXPANDED_SZ; three entries in one property)."""
    return cb.build_property_list([
        ('StringValue', cb.CLUSPROP_SYNTAX_LIST_VALUE_SZ, 'a string'),
        ('ExpandString', cb.v_expand_sz('%SystemRoot%\\Cluster\\cmrp.log')),
        ('ExpandOnly', cb.v_expand_sz_only('%TEMP%\\cmrp')),
        ('DwordValue', cb.CLUSPROP_SYNTAX_LIST_VALUE_DWORD, 0x12345678),
        ('LongValue', cb.CLUSPROP_SYNTAX_LIST_VALUE_LONG, -42),
        ('WordValue', cb.CLUSPROP_SYNTAX_LIST_VALUE_WORD, 0xbeef),
        ('BinaryValue', cb.CLUSPROP_SYNTAX_LIST_VALUE_BINARY, bytes(range(1, 14))),
        ('MultiString', cb.CLUSPROP_SYNTAX_LIST_VALUE_MULTI_SZ, ['one', 'two', 'three']),
        ('ULargeValue', cb.CLUSPROP_SYNTAX_LIST_VALUE_ULARGE_INTEGER, 0x0123456789abcdef),
        ('LargeValue', cb.CLUSPROP_SYNTAX_LIST_VALUE_LARGE_INTEGER, -0x123456789),
        ('FileTimeValue', cb.CLUSPROP_SYNTAX_LIST_VALUE_FILETIME, cb.filetime_from_unix(1700000000)),
        ('Security', cb.CLUSPROP_SYNTAX_LIST_VALUE_SECURITY_DESCRIPTOR, SD),
        ('MultiValue', cb.v_dword(7) + cb.v_word(8) + cb.v_long(-9)),
    ], trailing_endmark=trailing_endmark)


COMMON_PROPS = {
    'RESOURCE': [('Description', None, 'cmrp test resource'), ('RestartAction', None, 2),
                 ('RestartThreshold', None, 3), ('PendingTimeout', None, 180000),
                 ('IsAlivePollInterval', None, 0xffffffff)],
    'RESOURCE_TYPE': [('Description', None, 'cmrp type'), ('LooksAlivePollInterval', None, 5000),
                      ('EnabledEventLogs', None, ['Microsoft-Windows-FailoverClustering/Operational',
                                                  'Microsoft-Windows-FailoverClustering/Diagnostic']),
                      ('DumpPolicy', cb.CLUSPROP_SYNTAX_LIST_VALUE_ULARGE_INTEGER, 0x5000000001)],
    'GROUP': [('Description', None, 'cmrp group'), ('FailoverThreshold', None, 4),
              ('AutoFailbackType', None, 1), ('Priority', None, 2000),
              ('DefaultOwner', None, 0xffffffff)],
    'NODE': [('Description', None, 'node one'), ('NodeWeight', None, 1)],
    'NETWORK': [('Description', None, 'cluster network'), ('Role', None, 3),
                ('Metric', None, 39840)],
    'NETINTERFACE': [('Description', None, 'interface one')],
    'CLUSTER': [('Description', None, 'cmrp cluster'), ('ClusterLogLevel', None, 3),
                ('SameSubnetDelay', None, 1000), ('SharedVolumesRoot', None, 'C:\\ClusterStorage'),
                ('ShutdownTimeoutInMinutes', None, 20)],
    'GROUPSET': [('Description', None, 'set one'), ('StartupDelay', None, 20),
                 ('StartupCount', None, 0xffffffff)],
}


def proplist_for(obj, name, trailing=False):
    """The input PROPERTY_LIST for a SET/VALIDATE control of object `obj`."""
    if 'CLOUD_WITNESS' in name:
        return cb.build_property_list([('AccountName', None, 'cmrpwitness'),
                                       ('PrimaryToken', None, 'dG9rZW4='),
                                       ('EndpointInfo', None, 'core.windows.net')])
    if 'PRIVATE' in name:
        return props_all_syntaxes(trailing)
    return cb.build_property_list(COMMON_PROPS.get(obj, COMMON_PROPS['CLUSTER']), trailing)


def sz_input(name):
    """The Unicode string input of an SZ-input control, chosen by the code name."""
    table = [
        ('VALIDATE_VCO', 'CMRP-VCO$'),
        ('IS_PATH_VALID', 'Q:\\Data'),
        ('REGISTRY_CHECKPOINT', 'SOFTWARE\\Cmrp\\Checkpoint'),
        ('CRYPTO_CHECKPOINT', '1\\Microsoft Enhanced Cryptographic Provider v1.0\\CmrpContainer'),
        ('UPGRADE_DLL', 'C:\\Windows\\Cluster\\cmrpres.dll'),
        ('GET_DISKID', 'E:'),
        ('IS_CSV_FILE', 'C:\\ClusterStorage\\Volume1\\vm.vhdx'),
        ('GET_RESOURCEID', '\\\\?\\Volume{6a1c2d3e-4f50-4617-8899-aabbccddeeff}\\'),
        ('VALIDATE_PATH', 'C:\\Apps\\cmrp.exe'),
        ('VALIDATE_NETNAME', 'CMRPNAME'),
        ('VALIDATE_DIRECTORY', 'C:\\Apps'),
        ('CHECK_VOTER', 'node2'),
        ('SHARED_VOLUME_ID', 'C:\\ClusterStorage\\Volume1\\'),
    ]
    for key, s in table:
        if key in name:
            return cb.wstr(s)
    return cb.wstr('cmrp')


def input_buffer(obj, name, fmt, variant=0):
    """The input buffer of control `name` for input format `fmt` (None: no buffer)."""
    if fmt in ('NONE', 'IGNORED', 'UNKNOWN', 'INTERNAL'):
        return None
    if fmt == 'PROPLIST':
        return proplist_for(obj, name, trailing=bool(variant % 2))
    if fmt == 'SZ':
        return sz_input(name)
    if fmt == 'DWORD':
        return cb.dword(1)
    if fmt == 'DISKID':
        return diskid_guid() if variant % 2 else diskid_signature()
    if fmt == 'MAINT_MODE_INFO':
        return maintenance_mode_info_ex()
    if fmt == 'NETNAME_PWD_INFO':
        return netname_pwd_info(ex=name.endswith('_INFOEX'))
    if fmt == 'NETNAME_OU_INPUT':
        return ou_permissions_input()
    if fmt == 'STORAGE_SET_DRIVELETTER':
        return storage_set_driveletter()
    if fmt == 'STORAGE_REMAP_DRIVELETTER':
        return storage_remap_driveletter()
    if fmt == 'STATE_CHANGE_REASON':
        return state_change_reason()
    if fmt == 'SR_QUERY_LOGDISKS':
        return sr_query_logdisks()
    if fmt == 'SR_QUERY_TARGET_DATADISKS':
        return sr_query_target_datadisks()
    if fmt == 'SR_QUERY_SOURCE_DATADISKS':
        return sr_query_source_datadisks()
    if fmt == 'CSV_MAINT_MODE_INFO':
        return csv_maintenance_mode_info()
    if fmt == 'SV_BACKUP_MODE':
        return shared_volume_backup_mode()
    raise ValueError('no input builder for format %s (%s)' % (fmt, name))


def out_size(fmt):
    """nOutBufferSize a client passes for an output format."""
    if fmt == 'NONE':
        return 0
    if fmt in ('DWORD', 'DWORD_BOOL', 'DWORD_CHARACTERISTICS', 'DWORD_FLAGS', 'DWORD_QUORUM',
               'DWORD_DRIVEMASK'):
        return 4
    if fmt in ('RESCLASS_INFO', 'DISK_NUMBER_INFO'):
        return 8
    if fmt in ('POOL_DRIVE_INFO', 'SR_REPLICATED_DISKS_RESULT', 'VALUELIST', 'CSV_VOLUME_LIST'):
        return 8192
    return 2048


def load_ctlcodes(path=CTLCODES):
    rows = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            cols = line.rstrip('\n').split('\t')
            if cols[0] == 'name' or len(cols) < 5:
                continue
            rows.append({'name': cols[0], 'code': int(cols[1], 16), 'object': cols[2],
                         'in': cols[3], 'out': cols[4]})
    return rows


def resource_for(name):
    """Which opened resource a CLUSCTL_RESOURCE_* code goes to."""
    if 'POOL' in name:
        return 'res_pool'
    if 'NETNAME' in name or 'DNS' in name or 'NETWORK_NAME' in name:
        return 'res_netname'
    if 'IPADDRESS' in name:
        return 'res_ip'
    if 'REQUIRED_DEPENDENCIES' in name:
        return 'res_app'
    if any(k in name for k in ('STORAGE', 'DISK', 'MAINTENANCE', 'CSV', 'SHARED_VOLUME',
                               'CHECKPOINT', 'UPGRADE_DLL', 'RELATED')):
        return 'res_disk'
    return 'res'


def restype_for(name, default):
    """Which resource type a CLUSCTL_RESOURCE_TYPE_* code names."""
    for key, tname in (('REQUIRED_DEPENDENCIES', 'SQL Server'),
                       ('NETNAME', 'Network Name'), ('GEN_APP', 'Generic Application'),
                       ('CLOUD_WITNESS', 'Cloud Witness'), ('REPLICATION', 'Storage Replica'),
                       ('WITNESS', 'File Share Witness'), ('STORAGE', 'Physical Disk'),
                       ('VALIDATE_PATH', 'Generic Application')):
        if key in name:
            return tname
    return default


# ---------------------------------------------------------------------------------------------
# Transport

class CallFailed(Exception):
    pass


class Session:
    """One ClusAPI 3.0 association over ncacn_ip_tcp, through impacket's DCE/RPC client."""

    def __init__(self, port, ndr64=False, user=None, password=None, verbose=False, log=None,
                 kerberos=None, spn=None):
        from impacket.dcerpc.v5 import transport, rpcrt
        from impacket import uuid as iuuid
        self.rpcrt = rpcrt
        self.ndr64 = ndr64
        self.verbose = verbose
        self.codec = ndrcodec.load(version=3)
        self.log = log if log is not None else []
        self.gss = None
        if kerberos:
            # Kerberos or SPNEGO-Kerberos at packet privacy, through gss_client (impacket's
            # Kerberos DCE/RPC framing does not interoperate); tickets from the default ccache.
            import gss_client
            self.gss = gss_client.GssClient(port, IFACE_UUID, (3, 0), spn=spn, auth=kerberos,
                                            ndr64=ndr64)
            return
        trans = transport.DCERPCTransportFactory('ncacn_ip_tcp:127.0.0.1[%d]' % port)
        trans.set_connect_timeout(20)
        if user:
            trans.set_credentials(user, password or '', '')
        self.dce = trans.get_dce_rpc()
        if user:
            self.dce.set_auth_type(rpcrt.RPC_C_AUTHN_WINNT)
            self.dce.set_auth_level(rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
        self.dce.connect()
        self.dce.bind(iuuid.uuidtup_to_bin((IFACE_UUID, '3.0')),
                      transfer_syntax=NDR64_SYNTAX if ndr64 else NDR_SYNTAX)

    def close(self):
        if self.gss is not None:
            self.gss.close()
            return
        try:
            self.dce.disconnect()
        except Exception:
            pass

    def raw(self, opnum, stub):
        if self.gss is not None:
            import gss_client
            try:
                return self.gss.call(opnum, stub)
            except gss_client.GssFault as e:
                raise self.rpcrt.DCERPCException(error_code=e.status)
        self.dce.call(opnum, stub)
        return self.dce.recv()

    def call(self, method, expect_fault=False, **values):
        """Call `method` with `values`; the decoded response dict, or None after a fault.
        expect_fault: a fault is the point of the call (not counted as a failure)."""
        m = self.codec.method(method)
        try:
            stub = self.codec.encode_request(method, values, ndr64=self.ndr64)
        except ndrcodec.NdrError as e:
            self.log.append((m.opnum, method, 'error', str(e)))
            print('scenario: cannot encode %s: %s' % (method, e), file=sys.stderr)
            return None
        try:
            resp = self.raw(m.opnum, stub)
        except self.rpcrt.DCERPCException as e:
            self.log.append((m.opnum, method, 'ok' if expect_fault else 'fault', str(e)))
            if self.verbose:
                print('  %-40s fault %s' % (method, e), file=sys.stderr)
            return None
        try:
            out = self.codec.decode_response(method, resp, ndr64=self.ndr64)
        except ndrcodec.NdrError as e:
            self.log.append((m.opnum, method, 'error', 'response: %s' % e))
            print('scenario: cannot decode the %s response: %s' % (method, e), file=sys.stderr)
            return None
        rc = out.get('_return')
        st = out.get('Status', out.get('rpc_error'))
        shown = rc if isinstance(rc, int) else st
        self.log.append((m.opnum, method, 'ok', shown))
        if self.verbose:
            print('  %-40s %s' % (method, _fmt_status(shown)), file=sys.stderr)
        return out


def _fmt_status(v):
    if isinstance(v, int):
        return '0x%08x' % v
    if isinstance(v, (bytes, bytearray)):
        return 'handle %s' % bytes(v).hex()
    return str(v)


def handle_of(out):
    """The context handle a method returned (its return value), or None."""
    if not out:
        return None
    h = out.get('_return')
    if isinstance(h, (bytes, bytearray)) and len(h) == 20 and any(h):
        return bytes(h)
    return None


def names_of(out, key='ReturnEnum'):
    if not out or not out.get(key):
        return []
    return [e['Name'] for e in (out[key].get('Entry') or []) if e.get('Name')]


# ---------------------------------------------------------------------------------------------
# The ClusAPI 3.0 scenario

class Scenario:
    def __init__(self, s, subset='all'):
        self.s = s
        self.subset = subset
        self.h = {}            # name -> handle
        self.names = {}        # object kind -> sorted names

    def c(self, method, **kw):
        return self.s.call(method, **kw)

    # ---- opening ----

    def open_cluster(self):
        s = self.s
        out = self.c('ApiOpenCluster')
        self.h['cluster'] = handle_of(out)
        out = self.c('ApiOpenClusterEx', dwDesiredAccess=0x80000000 | 0x40000000)  # GENERIC_READ|WRITE
        self.h['cluster_ex'] = handle_of(out)
        if not self.h['cluster']:
            self.h['cluster'] = self.h['cluster_ex']
        self.c('ApiGetClusterName')
        self.c('ApiGetClusterVersion')
        self.c('ApiGetClusterVersion2')
        self.c('ApiGetQuorumResource')
        return s

    def enumerate(self):
        """ApiCreateEnum with every CLUSTER_ENUM type (one by one, then all together)."""
        kinds = [('node', CLUSTER_ENUM_NODE), ('restype', CLUSTER_ENUM_RESTYPE),
                 ('resource', CLUSTER_ENUM_RESOURCE), ('group', CLUSTER_ENUM_GROUP),
                 ('network', CLUSTER_ENUM_NETWORK), ('netinterface', CLUSTER_ENUM_NETINTERFACE)]
        for kind, t in kinds:
            self.names[kind] = sorted(names_of(self.c('ApiCreateEnum', dwType=t)))
        if self.subset == 'all':
            self.c('ApiCreateEnum', dwType=0x3f)
            self.c('ApiCreateEnum', dwType=CLUSTER_ENUM_SHARED_VOLUME_RESOURCE)
            self.c('ApiCreateEnum', dwType=CLUSTER_ENUM_INTERNAL_NETWORK)
        if self.h.get('cluster'):
            for kind, t in kinds if self.subset == 'all' else kinds[2:4]:
                self.c('ApiCreateEnumEx', hCluster=self.h['cluster'], dwType=t, dwOptions=0)
            out = self.c('ApiCreateGroupSetEnum', hCluster=self.h['cluster'])
            self.names['groupset'] = sorted(names_of(out))

    def first(self, kind, default):
        n = self.names.get(kind) or []
        return n[0] if n else default

    def open_objects(self):
        node = self.first('node', 'NODE1')
        group = self.first('group', 'Cluster Group')
        res = self.first('resource', 'Cluster Name')
        net = self.first('network', 'Cluster Network 1')
        nif = self.first('netinterface', 'NODE1 - Ethernet')
        self.node_name, self.group_name, self.res_name = node, group, res
        self.net_name, self.nif_name = net, nif
        types = self.names.get('restype') or []
        self.restype_name = 'Physical Disk' if 'Physical Disk' in types or not types else types[0]
        rw = 0x80000000 | 0x40000000
        self.h['node'] = handle_of(self.c('ApiOpenNode', lpszNodeName=node))
        self.h['node_ex'] = handle_of(self.c('ApiOpenNodeEx', lpszNodeName=node, dwDesiredAccess=rw))
        self.h['group'] = handle_of(self.c('ApiOpenGroup', lpszGroupName=group))
        self.h['group_ex'] = handle_of(self.c('ApiOpenGroupEx', lpszGroupName=group,
                                              dwDesiredAccess=rw))
        self.h['res'] = handle_of(self.c('ApiOpenResource', lpszResourceName=res))
        self.h['res_ex'] = handle_of(self.c('ApiOpenResourceEx', lpszResourceName=res,
                                            dwDesiredAccess=rw))
        self.h['net'] = handle_of(self.c('ApiOpenNetwork', lpszNetworkName=net))
        self.h['net_ex'] = handle_of(self.c('ApiOpenNetworkEx', lpszNetworkName=net,
                                            dwDesiredAccess=rw))
        self.h['nif'] = handle_of(self.c('ApiOpenNetInterface', lpszNetInterfaceName=nif))
        self.h['nif_ex'] = handle_of(self.c('ApiOpenNetInterfaceEx', lpszNetInterfaceName=nif,
                                            dwDesiredAccess=rw))
        gs = self.first('groupset', None)
        if gs:
            self.h['groupset'] = handle_of(self.c('ApiOpenGroupSet', lpszGroupSetName=gs))
        # not-found paths
        self.c('ApiOpenResource', lpszResourceName='No Such Resource')
        self.c('ApiOpenGroup', lpszGroupName='No Such Group')
        if self.subset == 'all':
            self.c('ApiOpenNode', lpszNodeName='NOSUCHNODE')
            self.c('ApiOpenNetwork', lpszNetworkName='No Such Network')
            self.c('ApiOpenNetInterface', lpszNetInterfaceName='No Such Interface')
            self.c('ApiOpenGroupSet', lpszGroupSetName='No Such Set')

    # ---- object methods ----

    def find_resources(self):
        """Resources of the types the storage, network-name and pool controls need
        (ApiCreateResTypeEnum with CLUSTER_RESOURCE_TYPE_ENUM_RESOURCES), opened."""
        for key, tname in (('disk', 'Physical Disk'), ('netname', 'Network Name'),
                           ('pool', 'Storage Pool'), ('ip', 'IP Address'), ('app', 'SQL Server')):
            names = sorted(names_of(self.c('ApiCreateResTypeEnum', lpszTypeName=tname,
                                           dwType=2)))
            if names:
                h = handle_of(self.c('ApiOpenResource', lpszResourceName=names[0]))
                if h:
                    self.h['res_' + key] = h

    def node_methods(self):
        hn = self.h.get('node')
        if not hn:
            return
        self.c('ApiGetNodeState', hNode=hn)
        self.c('ApiGetNodeId', hNode=hn)
        self.c('ApiCreateNodeEnum', hNode=hn, dwType=0x1)
        self.c('ApiCreateNodeEnum', hNode=hn, dwType=0x2)
        self.c('ApiCreateNodeEnumEx', hNode=hn, dwType=0x3, dwOptions=0)
        # pause and resume another node than the one serving us
        nodes = self.names.get('node') or []
        other = handle_of(self.c('ApiOpenNode', lpszNodeName=nodes[1])) if len(nodes) > 1 else None
        self.h['node2'] = other
        hp = other or hn
        self.c('ApiPauseNode', hNode=hp)
        self.c('ApiGetNodeState', hNode=hp)
        self.c('ApiResumeNode', hNode=hp)
        self.c('ApiResumeNode', hNode=hp)                 # ERROR_CLUSTER_NODE_NOT_PAUSED
        self.c('ApiPauseNodeEx', hNode=hp, bDrainNode=1, dwPauseFlags=1)
        self.c('ApiResumeNodeEx', hNode=hp, dwResumeFailbackType=2, dwResumeFlagsReserved=0)
        self.c('ApiPauseNodeWithDrainTarget', hNode=hp, dwPauseFlags=0, hNodeDrainTarget=hn)
        self.c('ApiResumeNodeEx', hNode=hp, dwResumeFailbackType=1, dwResumeFlagsReserved=0)

    def group_methods(self):
        hg = self.h.get('group')
        if not hg:
            return
        self.c('ApiGetGroupState', hGroup=hg)
        self.c('ApiGetGroupId', hGroup=hg)
        self.c('ApiCreateGroupResourceEnum', hGroup=hg, dwType=0x1)
        self.c('ApiCreateGroupResourceEnum', hGroup=hg, dwType=0x2)
        nodes = self.names.get('node') or [self.node_name]
        # v3: a MULTI_SZ of node names, cchListSize in characters
        ms = cb.multi_sz(nodes).decode('utf-16-le')
        self.c('ApiSetGroupNodeList', hGroup=hg, multiSzNodeList=ms, cchListSize=len(ms))
        self.c('ApiOfflineGroup', hGroup=hg)
        self.c('ApiOnlineGroup', hGroup=hg)
        self.c('ApiMoveGroup', hGroup=hg)
        if self.h.get('node'):
            self.c('ApiMoveGroupToNode', hGroup=hg, hNode=self.h['node'])
        # new group: create, rename, Ex operations with property lists, delete
        ng = handle_of(self.c('ApiCreateGroup', lpszGroupName='CMRP Group A'))
        info = {'dwVersion': 1, 'dwGroupType': 0x270f}
        ng2 = handle_of(self.c('ApiCreateGroupEx', lpszGroupName='CMRP Group B', pGroupInfo=info))
        self.h['group_a'], self.h['group_b'] = ng, ng2
        if ng:
            self.c('ApiSetGroupName', hGroup=ng, lpszGroupName='CMRP Group A2')
            pl = cb.build_property_list([('DefaultOwner', None, 1), ('Priority', None, 3000)])
            self.c('ApiOnlineGroupEx', hGroup=ng, dwOnlineFlags=0x2 | 0x4, lpInBuffer=pl)
            self.c('ApiOfflineGroupEx', hGroup=ng, dwOfflineFlags=0x1, lpInBuffer=b'')
            self.c('ApiMoveGroupEx', hGroup=ng, dwMoveFlags=0x2 | 0x4, lpInBuffer=pl)
            if self.h.get('node'):
                self.c('ApiMoveGroupToNodeEx', hGroup=ng, hNode=self.h['node'], dwMoveFlags=0x10,
                       lpInBuffer=cb.build_property_list([('MoveType', None, 1)]))
            self.c('ApiCancelClusterGroupOperation', hGroup=ng, dwCancelFlags=0)
            if ng2:
                self.c('ApiSetGroupDependencyExpression', hGroup=ng,
                       lpszDependencyExpression='[CMRP Group B]')
                self.c('ApiRemoveClusterGroupDependency', hGroup=ng, hDependsOn=ng2)

    def resource_methods(self):
        hr = self.h.get('res')
        if not hr:
            return
        self.c('ApiGetResourceState', hResource=hr)
        self.c('ApiGetResourceId', hResource=hr)
        self.c('ApiGetResourceType', hResource=hr)
        self.c('ApiGetResourceNetworkName', hResource=hr)
        self.c('ApiGetResourceDependencyExpression', hResource=hr)
        for t in (1, 2, 4):
            self.c('ApiCreateResEnum', hResource=hr, dwType=t)
        hg = self.h.get('group_a') or self.h.get('group')
        nr = None
        if hg:
            nr = handle_of(self.c('ApiCreateResource', hGroup=hg, lpszResourceName='CMRP Disk',
                                  lpszResourceType=self.restype_name, dwFlags=0))
            # dwFlags 1: CLUSTER_RESOURCE_SEPARATE_MONITOR
            nr2 = handle_of(self.c('ApiCreateResource', hGroup=hg, lpszResourceName='CMRP IP',
                                   lpszResourceType='IP Address', dwFlags=1))
            self.h['res_new'], self.h['res_new2'] = nr, nr2
        if nr:
            self.c('ApiSetResourceName', hResource=nr, lpszResourceName='CMRP Disk 2')
            self.c('ApiOnlineResource', hResource=nr)
            self.c('ApiOfflineResource', hResource=nr)
            self.c('ApiFailResource', hResource=nr)
            self.c('ApiRestartResource', hResource=nr, dwFlags=0)
            pl = cb.build_property_list([('ForceOnline', None, 1)])
            self.c('ApiOnlineResourceEx', hResource=nr, dwOnlineFlags=0x1 | 0x8, lpInBuffer=pl)
            self.c('ApiOfflineResourceEx', hResource=nr, dwOfflineFlags=0x2, lpInBuffer=pl)
            if self.h.get('node'):
                self.c('ApiAddResourceNode', hResource=nr, hNode=self.h['node'])
                self.c('ApiRemoveResourceNode', hResource=nr, hNode=self.h['node'])
            nr2 = self.h.get('res_new2')
            if nr2:
                self.c('ApiCanResourceBeDependent', hResource=nr2, hResourceDependent=nr)
                self.c('ApiAddResourceDependency', hResource=nr2, hDependsOn=nr)
                self.c('ApiRemoveResourceDependency', hResource=nr2, hDependsOn=nr)
            self.c('ApiSetResourceDependencyExpression', hResource=nr,
                   lpszDependencyExpression='([CMRP IP] or [Cluster Name])')
            self.c('ApiGetResourceDependencyExpression', hResource=nr)
            self.c('ApiChangeCsvState', hResource=nr, dwState=1)
            self.c('ApiChangeCsvStateEx', hResource=nr, dwState=0, lpszVolumeName='Volume1')
            hg2 = self.h.get('group_b')
            if hg2:
                self.c('ApiChangeResourceGroup', hResource=nr, hGroup=hg2)
                self.c('ApiChangeResourceGroupEx', hResource=nr, hGroup=hg, flags=1)

    def network_methods(self):
        hn = self.h.get('net')
        if hn:
            self.c('ApiGetNetworkState', hNetwork=hn)
            self.c('ApiGetNetworkId', hNetwork=hn)
            self.c('ApiCreateNetworkEnum', hNetwork=hn, dwType=1)
            self.c('ApiSetNetworkName', hNetwork=hn, lpszNetworkName=self.net_name)
        hi = self.h.get('nif')
        if hi:
            self.c('ApiGetNetInterfaceState', hNetInterface=hi)
            self.c('ApiGetNetInterfaceId', hNetInterface=hi)
        self.c('ApiGetNetInterface', lpszNodeName=self.node_name, lpszNetworkName=self.net_name)
        if self.h.get('cluster'):
            self.c('ApiCreateNetInterfaceEnum', hCluster=self.h['cluster'],
                   lpszNodeName=self.node_name, lpszNetworkName=self.net_name)
            self.c('ApiCreateNetInterfaceEnum', hCluster=self.h['cluster'],
                   lpszNodeName='', lpszNetworkName='')
        # every internal network, by ID (ApiCreateEnumEx returns the IDs), highest priority first
        ids = []
        if self.h.get('cluster'):
            out = self.c('ApiCreateEnumEx', hCluster=self.h['cluster'], dwType=CLUSTER_ENUM_NETWORK,
                         dwOptions=0)
            if out and out.get('ReturnIdEnum'):
                ids = [e['Name'] for e in out['ReturnIdEnum'].get('Entry') or []]
        if ids:
            self.c('ApiSetNetworkPriorityOrder', NetworkCount=len(ids), NetworkIdList=ids[::-1])
            self.c('ApiSetNetworkPriorityOrder', NetworkCount=1, NetworkIdList=ids[:1])

    def cluster_methods(self):
        self.c('ApiSetClusterName', NewClusterName='CMRPCLUSTER')
        hr = self.h.get('res')
        if hr:
            self.c('ApiSetQuorumResource', hResource=hr, lpszDeviceName='Q:\\',
                   dwMaxQuorumLogSize=4 * 1024 * 1024)
        self.c('ApiBackupClusterDatabase', lpszPathName='\\\\backup\\share\\cmrp')
        self.c('ApiCreateResTypeEnum', lpszTypeName=self.restype_name, dwType=1)
        self.c('ApiCreateResTypeEnum', lpszTypeName=self.restype_name, dwType=2)
        self.c('ApiCreateResourceType', lpszTypeName='CMRP Type', lpszDisplayName='CMRP Type',
               lpszDllName='cmrpres.dll', dwLooksAlive=5000, dwIsAlive=60000)
        self.c('ApiDeleteResourceType', lpszTypeName='CMRP Type')
        self.c('ApiDeleteResourceType', lpszTypeName='No Such Type')
        # ApiSetServiceAccountPassword: ReturnStatusBufferSize entries, MORE_DATA first
        self.c('ApiSetServiceAccountPassword', lpszNewPassword='N3w-Passw0rd', dwFlags=1,
               ReturnStatusBufferSize=0)
        self.c('ApiSetServiceAccountPassword', lpszNewPassword='N3w-Passw0rd', dwFlags=1,
               ReturnStatusBufferSize=4)
        # opnum 185 (implicit binding handle; buffers opaque in the spec)
        self.c('ApiClusterNativeUpdateControl', inBuffer=struct.pack('<II', 1, 0),
               outBufferSize=64)

    def enums_with_properties(self):
        hc = self.h.get('cluster')
        if not hc:
            return
        star = cb.multi_sz(['*'])
        self.c('ApiCreateGroupEnum', hCluster=hc, pProperties=star, pRoProperties=star)
        self.c('ApiCreateGroupEnum', hCluster=hc,
               pProperties=cb.multi_sz(['Description', 'Priority', 'DefaultOwner']),
               pRoProperties=cb.multi_sz(['GroupType']))
        self.c('ApiCreateGroupEnum', hCluster=hc, pProperties=None, cbProperties=0,
               pRoProperties=None, cbRoProperties=0)
        self.c('ApiCreateResourceEnum', hCluster=hc, pProperties=star, pRoProperties=star)
        self.c('ApiCreateResourceEnum', hCluster=hc,
               pProperties=cb.multi_sz(['Description', 'RestartAction']), pRoProperties=None,
               cbRoProperties=0)
        # invalid property name -> ERROR_INVALID_PARAMETER
        self.c('ApiCreateGroupEnum', hCluster=hc, pProperties=cb.multi_sz(['NoSuchProperty']),
               pRoProperties=None, cbRoProperties=0)

    # ---- group sets ----

    def groupset_methods(self):
        a = handle_of(self.c('ApiCreateGroupSet', lpszGroupSetName='CMRP Set A'))
        b = handle_of(self.c('ApiCreateGroupSet', lpszGroupSetName='CMRP Set B'))
        self.h['set_a'], self.h['set_b'] = a, b
        if not self.h.get('groupset'):
            self.h['groupset'] = a
        ga, gb = self.h.get('group_a'), self.h.get('group_b')
        if a and ga:
            self.c('ApiAddGroupToGroupSet', GroupSet=a, Group=ga)
            self.c('ApiRemoveGroupFromGroupSet', Group=ga)
            self.c('ApiAddGroupToGroupSetEx', GroupSet=a, Group=ga, FaultDomain=1, UpdateDomain=2,
                   UseDomains=1, Reserved=0)
            if b:
                self.c('ApiMoveGroupToGroupSet', GroupSet=b, Group=ga)
        if a and b:
            self.c('ApiAddGroupSetDependency', DependentGroupSet=a, ProviderGroupSet=b)
            self.c('ApiSetGroupSetDependencyExpression', hGroupSet=a,
                   lpszDependencyExpression='[CMRP Set B]')
            self.c('ApiRemoveGroupSetDependency', hGroupSet=a, hDependsOn=b)
        if gb and b:
            self.c('ApiAddGroupToGroupSetDependency', DependentGroup=gb, ProviderGroupSet=b)
            self.c('ApiRemoveClusterGroupToGroupSetDependency', hGroup=gb, hDependsOn=b)
        if self.h.get('cluster'):
            self.c('ApiCreateGroupSetEnum', hCluster=self.h['cluster'])

    # ---- control codes ----

    def control(self, obj, code, inbuf, outsize, node=False, name=''):
        """One control call through the family of `obj`; ERROR_MORE_DATA is retried once with
        lpcbRequired. Returns the decoded response."""
        plain, via_node = CONTROL_METHODS[obj]
        method = via_node if node else plain
        args = {'dwControlCode': code, 'lpInBuffer': inbuf,
                'nInBufferSize': len(inbuf) if inbuf else 0, 'nOutBufferSize': outsize}
        hn = self.h.get('node')
        if obj == 'RESOURCE':
            args['hResource'] = self.h.get(resource_for(name)) or self.h.get('res')
        elif obj == 'RESOURCE_TYPE':
            args['hCluster'] = self.h.get('cluster')
            args['lpszResourceTypeName'] = restype_for(name, self.restype_name)
        elif obj == 'GROUP':
            args['hGroup'] = self.h.get('group')
        elif obj == 'NODE':
            args['hNode'] = hn
            if node:
                args['hHostNode'] = self.h.get('node_ex') or hn
        elif obj == 'NETWORK':
            args['hNetwork'] = self.h.get('net')
        elif obj == 'NETINTERFACE':
            args['hNetInterface'] = self.h.get('nif')
        elif obj == 'CLUSTER':
            args['hCluster'] = self.h.get('cluster')
            if node:
                args['hHostNode'] = hn
        elif obj == 'GROUPSET':
            args['hGroupSet'] = self.h.get('groupset')
        if node and obj not in ('NODE', 'CLUSTER'):
            args['hNode'] = hn
        for k, v in args.items():
            if k.startswith('h') and v is None:
                return None
        if self.s.verbose:
            print('  %s 0x%08x' % (name or '?', code), file=sys.stderr)
        out = self.c(method, **args)
        if out and out.get('_return') == ERROR_MORE_DATA and out.get('lpcbRequired'):
            args['nOutBufferSize'] = out['lpcbRequired']
            out = self.c(method, **args)
        return out

    def controls(self):
        rows = load_ctlcodes()
        documented = [r for r in rows if r['in'] not in ('UNKNOWN', 'INTERNAL')
                      and r['out'] not in ('UNKNOWN', 'INTERNAL')
                      and r['object'] in CONTROL_METHODS]
        if self.subset == 'core':
            want = ('GET_COMMON_PROPERTIES', 'SET_PRIVATE_PROPERTIES', 'ENUM_COMMON_PROPERTIES',
                    'GET_NAME', 'GET_CLASS_INFO', 'GET_REQUIRED_DEPENDENCIES',
                    'GET_PRIVATE_PROPERTY_FMTS', 'STORAGE_GET_DISK_INFO_EX')
            documented = [r for r in documented if any(r['name'].endswith(w) for w in want)]
        i = 0
        for r in documented:
            inbuf = input_buffer(r['object'], r['name'], r['in'], variant=i)
            size = out_size(r['out'])
            self.control(r['object'], r['code'], inbuf, size, node=(i % 3 == 2), name=r['name'])
            i += 1
        # ERROR_MORE_DATA: too small on purpose, then retried with lpcbRequired
        self.control('RESOURCE', 0x01000059, None, 8)          # GET_COMMON_PROPERTIES
        self.control('CLUSTER', 0x07000081, None, 16, node=True)   # GET_PRIVATE_PROPERTIES
        if self.subset == 'all':
            self.control('GROUP', 0x03000051, None, 4)         # ENUM_COMMON_PROPERTIES
            self.control('RESOURCE', 0x01000191, None, 12)     # STORAGE_GET_DISK_INFO
        # ERROR_INVALID_FUNCTION: codes the server does not know
        self.control('RESOURCE', 0x0100fff1, None, 64)
        self.control('CLUSTER', 0x07001ff1, cb.dword(5), 64)

    STORAGE_CODES = ('CLUSCTL_RESOURCE_GET_REQUIRED_DEPENDENCIES', 'CLUSCTL_RESOURCE_GET_CLASS_INFO',
                     'CLUSCTL_RESOURCE_STORAGE_GET_DISK_INFO', 'CLUSCTL_RESOURCE_STORAGE_GET_DISK_INFO_EX',
                     'CLUSCTL_RESOURCE_STORAGE_GET_DISK_INFO_EX2',
                     'CLUSCTL_RESOURCE_STORAGE_GET_SHARED_VOLUME_INFO',
                     'CLUSCTL_RESOURCE_TYPE_GET_REQUIRED_DEPENDENCIES',
                     'CLUSCTL_RESOURCE_TYPE_STORAGE_GET_AVAILABLE_DISKS',
                     'CLUSCTL_RESOURCE_TYPE_STORAGE_GET_AVAILABLE_DISKS_EX')

    def storage_controls(self):
        """The storage control codes whose outputs are value lists, each once by its object."""
        rows = {r['name']: r for r in load_ctlcodes()}
        for name in self.STORAGE_CODES:
            r = rows[name]
            self.control(r['object'], r['code'], None, out_size(r['out']), name=name)

    # ---- registry ----

    REG_VALUES = [
        ('SzValue', REG_SZ, cb.wstr('cluster string')),
        ('ExpandSzValue', REG_EXPAND_SZ, cb.wstr('%SystemRoot%\\Cluster')),
        ('MultiSzValue', REG_MULTI_SZ, cb.multi_sz(['alpha', 'beta', 'gamma'])),
        ('DwordValue', REG_DWORD, struct.pack('<I', 0xdeadbeef)),
        ('QwordValue', REG_QWORD, struct.pack('<Q', 0x0102030405060708)),
        ('BinaryValue', REG_BINARY, bytes(range(0, 256, 7))),
        ('NoneValue', REG_NONE, b''),
    ]

    def registry_open(self):
        root = handle_of(self.c('ApiGetRootKey', samDesired=0x02000000))
        if not root:
            return
        self.h['root'] = root
        sa = {'nLength': 12, 'RpcSecurityDescriptor': {
            'lpSecurityDescriptor': SD, 'cbInSecurityDescriptor': len(SD),
            'cbOutSecurityDescriptor': len(SD)}, 'bInheritHandle': 0}
        self.h['key'] = handle_of(self.c('ApiCreateKey', hKey=root, lpSubKey='Cmrp\\Scenario',
                                         dwOptions=0, samDesired=0x000f003f,
                                         lpSecurityAttributes=sa))

    def registry(self):
        root, key = self.h.get('root'), self.h.get('key')
        if not root or not key:
            return
        # REG_OPTION_VOLATILE: the cluster registry refuses it (ERROR_INVALID_PARAMETER)
        key2 = handle_of(self.c('ApiCreateKey', hKey=root, lpSubKey='Cmrp\\Volatile', dwOptions=1,
                                samDesired=0x20019, lpSecurityAttributes=None))
        # opened again: REG_OPENED_EXISTING_KEY
        key3 = handle_of(self.c('ApiCreateKey', hKey=root, lpSubKey='Cmrp\\Scenario', dwOptions=0,
                                samDesired=0x20019, lpSecurityAttributes=None))
        values = self.REG_VALUES if self.subset == 'all' else self.REG_VALUES[:4]
        for name, t, data in values:
            self.c('ApiSetValue', hKey=key, lpValueName=name, dwType=t, lpData=data)
        for name, t, data in values:
            self.c('ApiQueryValue', hKey=key, lpValueName=name, cbData=max(len(data), 4))
        # ERROR_MORE_DATA then the retry; not found
        out = self.c('ApiQueryValue', hKey=key, lpValueName='BinaryValue', cbData=4)
        if out and out.get('_return') == ERROR_MORE_DATA:
            self.c('ApiQueryValue', hKey=key, lpValueName='BinaryValue',
                   cbData=out.get('lpcbRequired') or 64)
        self.c('ApiQueryValue', hKey=key, lpValueName='NoSuchValue', cbData=16)
        for i in range(len(values) + 1):           # ... until ERROR_NO_MORE_ITEMS
            out = self.c('ApiEnumValue', hKey=key, dwIndex=i, lpcbData=256)
            if out and out.get('_return') == ERROR_MORE_DATA:
                self.c('ApiEnumValue', hKey=key, dwIndex=i, lpcbData=out.get('TotalSize') or 512)
        self.c('ApiEnumValue', hKey=key, dwIndex=0, lpcbData=2)   # ERROR_MORE_DATA
        self.c('ApiQueryInfoKey', hKey=key)
        for i in range(3):
            self.c('ApiEnumKey', hKey=root, dwIndex=i)
        self.c('ApiGetKeySecurity', hKey=key, SecurityInformation=0x7,
               pRpcSecurityDescriptor={'lpSecurityDescriptor': b'', 'cbInSecurityDescriptor': 16,
                                       'cbOutSecurityDescriptor': 0})
        out = self.c('ApiGetKeySecurity', hKey=key, SecurityInformation=0x7,
                     pRpcSecurityDescriptor={'lpSecurityDescriptor': b'',
                                             'cbInSecurityDescriptor': 512,
                                             'cbOutSecurityDescriptor': 0})
        self.c('ApiSetKeySecurity', hKey=key, SecurityInformation=0x4,
               pRpcSecurityDescriptor={'lpSecurityDescriptor': SD, 'cbInSecurityDescriptor': len(SD),
                                       'cbOutSecurityDescriptor': len(SD)})
        sub = handle_of(self.c('ApiOpenKey', hKey=root, lpSubKey='Cmrp\\Scenario',
                               samDesired=0x20019))
        self.c('ApiOpenKey', hKey=root, lpSubKey='Cmrp\\NoSuchKey', samDesired=0x20019)
        self.c('ApiDeleteValue', hKey=key, lpValueName='NoneValue')
        self.c('ApiDeleteValue', hKey=key, lpValueName='NoSuchValue')
        if sub:
            self.c('ApiCloseKey', pKey=sub)
        for k in (key2, key3):
            if k:
                self.c('ApiCloseKey', pKey=k)
        self.c('ApiDeleteKey', hKey=root, lpSubKey='Cmrp\\NoSuchKey')

    def batches(self):
        key = self.h.get('key')
        if not key:
            return
        port = None
        out = self.c('ApiCreateBatchPort', hKey=key)
        if out:
            port = out.get('phBatchPort')
            port = bytes(port) if port and any(port) else None
        dw = lambda v: struct.pack('<I', v)   # noqa: E731
        # the four commands ApiExecuteBatch executes (3.1.4.2.112)
        self.c('ApiExecuteBatch', hKey=key, lpData=cb.build_batch([
            (2, 'Sub', 0, b''),                                 # CREATE_KEY
            (1, 'BatchSz', REG_SZ, cb.wstr('odd')),             # SET_VALUE (REG_SZ)
            (1, 'BatchBin', REG_BINARY, b'\x01\x02\x03'),       # odd length: padding
            (1, 'BatchMulti', REG_MULTI_SZ, cb.multi_sz(['x', 'y'])),
            (1, 'BatchQword', REG_QWORD, struct.pack('<Q', 1 << 40)),
            (1, '', REG_DWORD, dw(7)),                          # the default (unnamed) value
            (4, 'BatchSz', 0, b''),                             # DELETE_VALUE
            (3, 'Sub', 0, b''),                                 # DELETE_KEY: pointer cleared
            (2, 'Sub2', 0, b''),                                # CREATE_KEY again
            (1, 'Kept', REG_DWORD, dw(1)),
        ]))
        # SET_VALUE after DELETE_KEY without CREATE_KEY: ERROR_INVALID_PARAMETER, command 2
        self.c('ApiExecuteBatch', hKey=key, lpData=cb.build_batch([
            (3, 'Sub2', 0, b''), (1, 'Never', REG_DWORD, dw(0))]))
        # the other command types (control command, conditions): the server refuses them in
        # ApiExecuteBatch, but they are on the wire
        self.c('ApiExecuteBatch', hKey=key, lpData=cb.build_batch([
            (10, None, 0, dw(1)),                               # CLUSREG_CONTROL_COMMAND: sync
            (17, 'Sub2', 0, b''),                               # CONDITION_KEY_EXISTS
            (18, 'Missing', 0, b''),                            # CONDITION_KEY_NOT_EXISTS
            (11, 'DwordValue', 0, b''),                         # CONDITION_EXISTS
            (12, 'Missing', 0, b''),                            # CONDITION_NOT_EXISTS
            (13, 'DwordValue', REG_DWORD, dw(0xdeadbeef)),      # CONDITION_IS_EQUAL
            (14, 'DwordValue', REG_DWORD, dw(1)),               # CONDITION_IS_NOT_EQUAL
            (15, 'DwordValue', REG_DWORD, dw(2)),               # CONDITION_IS_GREATER_THAN
            (16, 'DwordValue', REG_DWORD, dw(0xffffffff)),      # CONDITION_IS_LESS_THAN
            (1, 'Guarded', REG_DWORD, dw(3)),
        ]))
        # read batches: READ_KEY + READ_VALUE; the answer carries READ_VALUE / READ_ERROR blocks
        rb = cb.build_batch([
            (7, '', 0, b''),
            (8, 'SzValue', 0, b''), (8, 'DwordValue', 0, b''), (8, 'MultiSzValue', 0, b''),
            (8, 'NoSuchValue', 0, b''),
            (7, 'Sub2', 0, b''), (8, 'Kept', 0, b''), (8, 'X', 0, b''),
        ])
        self.c('ApiExecuteReadBatch', hKey=key, lpInData=rb)
        self.c('ApiExecuteReadBatchEx', hKey=key, lpInData=rb, flags=1)
        if port:
            # changes after the port exists: notifications with SET_VALUE, VALUE_DELETED, ...
            self.c('ApiSetValue', hKey=key, lpValueName='Watched', dwType=REG_DWORD, lpData=dw(1))
            self.c('ApiDeleteValue', hKey=key, lpValueName='Watched')
            for _ in range(4):
                out = self.c('ApiGetBatchNotification', hBatchNotify=port)
                if not out or out.get('_return') != 0:
                    break
            self.c('ApiCloseBatchPort', phBatchPort=port)

    # ---- notifications ----

    def notify_setup(self):
        """v1 and v2 notification ports, registered before the changes the scenario makes."""
        hn = handle_of(self.c('ApiCreateNotify'))
        if hn:
            self.h['notify1'] = hn
            # cluster-wide: additions, cluster state and properties only (the rest per object)
            if self.h.get('cluster'):
                self.c('ApiAddNotifyCluster', hNotify=hn, hCluster=self.h['cluster'],
                       dwFilter=0x4 | 0x4000 | 0x400 | 0x20000 | 0x400000 | 0x20000000
                       | 0x40000000, dwNotifyKey=0x100)
            seq = {}
            for meth, hk, key, rmeth, pname, filt in (
                    ('ApiAddNotifyNode', 'node2', 0x101, 'ApiReAddNotifyNode', 'hNode', 0x9),
                    ('ApiAddNotifyGroup', 'group', 0x102, 'ApiReAddNotifyGroup', 'hGroup',
                     0x1000 | 0x8000),
                    ('ApiAddNotifyResource', 'res', 0x103, 'ApiReAddNotifyResource',
                     'hResource', 0x100 | 0x800),
                    ('ApiAddNotifyNetwork', 'net', 0x104, 'ApiReAddNotifyNetwork', 'hNetwork',
                     0x100000 | 0x800000),
                    ('ApiAddNotifyNetInterface', 'nif', 0x105, 'ApiReAddNotifyNetInterface',
                     'hNetInterface', 0x1000000 | 0x8000000)):
                h = self.h.get(hk) or (self.h.get('node') if hk == 'node2' else None)
                if not h:
                    continue
                out = self.c(meth, hNotify=hn, dwFilter=filt, dwNotifyKey=key, **{pname: h})
                seq[hk] = (rmeth, pname, h, filt, key, (out or {}).get('dwStateSequence', 0))
            if self.h.get('root'):
                self.c('ApiAddNotifyKey', hNotify=hn, hKey=self.h['root'], dwNotifyKey=0x106,
                       Filter=0x10 | 0x40, WatchSubTree=1)
            for hk, (rmeth, pname, h, filt, key, ss) in seq.items():
                # an outdated StateSequence: the server posts the current state at once
                self.c(rmeth, hNotify=hn, dwFilter=filt, dwNotifyKey=key,
                       StateSequence=(ss or 0) + (1 if hk == 'group' else 0), **{pname: h})
        hn2 = handle_of(self.c('ApiCreateNotifyV2'))
        if hn2:
            self.h['notify2'] = hn2
            filters = self.V2_FILTERS if self.subset == 'all' else self.V2_FILTERS[:3]
            for i, (ot, hk, flags) in enumerate(filters):
                h = self.h.get(hk)
                if not h:
                    continue
                targeted = hk not in ('cluster',)
                self.c('ApiAddNotifyV2', hNotify=hn2, hObject=h,
                       filter={'dwObjectType': ot, 'FilterFlags': flags}, dwNotifyKey=0x200 + i,
                       dwVersion=2, isTargetedAtObject=1 if targeted else 0)
            self.c('ApiAddNotifyResourceTypeV2', hNotify=hn2, filter=0x3f, dwNotifyKey=0x2ff,
                   resTypeName=self.restype_name, dwVersion=2)

    def drain(self, rounds=1):
        """ApiGetNotifyV2 until nothing is queued (the server then waits, then answers
        ERROR_NO_MORE_ITEMS) or `rounds` answers were read."""
        hn = self.h.get('notify2')
        if not hn:
            return
        for _ in range(rounds):
            out = self.c('ApiGetNotifyV2', hNotify=hn)
            if not out or out.get('_return') != 0 or not out.get('dwNumNotifications'):
                break

    def notify_v1_read(self):
        hn = self.h.get('notify1')
        if not hn:
            return
        for _ in range(3):
            out = self.c('ApiGetNotify', hNotify=hn)
            if not out or out.get('_return') != 0:
                break
        self.c('ApiGetNotifyAsync', hNotify=hn)

    def events(self):
        """Changes the server reports as notifications."""
        if self.h.get('group'):
            self.c('ApiOfflineGroup', hGroup=self.h['group'])
            self.c('ApiOnlineGroup', hGroup=self.h['group'])
        if self.h.get('key'):
            self.c('ApiSetValue', hKey=self.h['key'], lpValueName='Event', dwType=REG_DWORD,
                   lpData=struct.pack('<I', 2))

    V2_FILTERS = [
        # (object type, handle kind, all server-reported flags of that type)
        (OT_CLUSTER, 'cluster', 0x1ff4),
        (OT_GROUP, 'cluster', 0x1ff),
        (OT_RESOURCE, 'cluster', 0x1ff),
        (OT_RESOURCE_TYPE, 'cluster', 0x3f),
        (OT_NETINTERFACE, 'nif', 0xf),
        (OT_NETWORK, 'cluster', 0xf),
        (OT_NODE, 'cluster', 0x7f),
        (OT_REGISTRY, 'root', 0xb),
        (OT_QUORUM, 'cluster', 0x1),
        (OT_SHARED_VOLUME, 'cluster', 0x1),
        (OT_SPACEPORT, 'cluster', 0x1),
        (OT_UPGRADE, 'cluster', 0x7),
        (OT_GROUPSET, 'groupset', 0x1ff),
        (OT_GROUPSET, 'cluster', 0x1ff),
    ]

    # ---- teardown ----

    def teardown(self):
        h = self.h
        for k in ('res_new', 'res_new2'):
            if h.get(k):
                self.c('ApiDeleteResource', hResource=h[k])
                self.c('ApiCloseResource', Resource=h[k])
        for k in ('set_a', 'set_b'):
            if h.get(k):
                self.c('ApiDeleteGroupSet', GroupSet=h[k])
                self.c('ApiCloseGroupSet', GroupSet=h[k])
        for k in ('group_a', 'group_b'):
            if h.get(k):
                self.c('ApiDeleteGroup', Group=h[k], force=1 if k == 'group_b' else 0)
                self.c('ApiCloseGroup', Group=h[k])
        if h.get('key'):
            self.c('ApiCloseKey', pKey=h['key'])
            if h.get('root'):
                for sub in ('Cmrp\\Scenario\\Sub2', 'Cmrp\\Scenario', 'Cmrp'):
                    self.c('ApiDeleteKey', hKey=h['root'], lpSubKey=sub)
        if h.get('root'):
            self.c('ApiCloseKey', pKey=h['root'])
        for k, meth, p in (('res', 'ApiCloseResource', 'Resource'),
                           ('res_disk', 'ApiCloseResource', 'Resource'),
                           ('res_netname', 'ApiCloseResource', 'Resource'),
                           ('res_pool', 'ApiCloseResource', 'Resource'),
                           ('res_ip', 'ApiCloseResource', 'Resource'),
                           ('res_app', 'ApiCloseResource', 'Resource'),
                           ('res_ex', 'ApiCloseResource', 'Resource'),
                           ('group', 'ApiCloseGroup', 'Group'),
                           ('group_ex', 'ApiCloseGroup', 'Group'),
                           ('net', 'ApiCloseNetwork', 'Network'),
                           ('net_ex', 'ApiCloseNetwork', 'Network'),
                           ('nif', 'ApiCloseNetInterface', 'NetInterface'),
                           ('nif_ex', 'ApiCloseNetInterface', 'NetInterface'),
                           ('groupset', 'ApiCloseGroupSet', 'GroupSet')):
            if h.get(k) and h[k] not in (h.get('set_a'), h.get('set_b')):
                self.c(meth, **{p: h[k]})
        if self.subset == 'all' and h.get('node_ex'):
            # evict the second handle's node last (the node's handle stays usable to close it)
            nodes = self.names.get('node') or []
            if len(nodes) > 1:
                ev = handle_of(self.c('ApiOpenNode', lpszNodeName=nodes[-1]))
                if ev:
                    self.c('ApiEvictNode', hNode=ev)
                    self.c('ApiCloseNode', Node=ev)
        # the deletions above, as notifications; then the ports go
        self.drain(rounds=2)
        if h.get('notify1'):
            self.c('ApiUnblockGetNotifyCall', hNotify=h['notify1'])
            self.c('ApiCloseNotify', Notify=h['notify1'])
        if h.get('notify2'):
            self.c('ApiCloseNotify', Notify=h['notify2'])
        for k in ('node', 'node_ex', 'node2'):
            if h.get(k):
                self.c('ApiCloseNode', Node=h[k])
        # a closed handle: the server answers ERROR_INVALID_HANDLE (or faults)
        if h.get('node'):
            self.c('ApiGetNodeState', hNode=h['node'], expect_fault=True)
        for k in ('cluster_ex', 'cluster'):
            if h.get(k) and (k == 'cluster' or h[k] != h.get('cluster')):
                self.c('ApiCloseCluster', Cluster=h[k])

    def run(self):
        self.open_cluster()
        self.enumerate()
        self.open_objects()
        if self.subset == 'storage':
            self.find_resources()
            self.storage_controls()
            return
        if self.subset == 'all':
            self.find_resources()
            self.registry_open()
            self.notify_setup()
            self.node_methods()
            self.drain()
            self.group_methods()
            self.drain()
            self.resource_methods()
            self.drain()
            self.network_methods()
            self.cluster_methods()
            self.enums_with_properties()
            self.groupset_methods()
            self.drain()
            self.registry()
            self.batches()
            self.drain()
            self.controls()
            self.drain(rounds=4)
            self.events()
            self.notify_v1_read()
            self.drain(rounds=4)
        else:
            self.registry_open()
            self.notify_setup()
            self.group_methods()
            self.drain()
            self.enums_with_properties()
            self.registry()
            self.controls()
            self.batches()
            self.drain(rounds=3)
        self.teardown()


# ---------------------------------------------------------------------------------------------
# ClusAPI 2.0 over ncadg_ip_udp

class V2Session:
    """Calls with the 2.0 signatures through dcerpc_cl.ClClient (NDR, connectionless)."""

    def __init__(self, port, verbose=False, log=None):
        import dcerpc_cl
        self.cl = dcerpc_cl
        self.client = dcerpc_cl.ClClient('127.0.0.1', port, IFACE_UUID, version=(2, 0))
        self.codec = ndrcodec.load(version=2)
        self.verbose = verbose
        self.log = log if log is not None else []

    def close(self):
        self.client.close()

    def call(self, method, idempotent=False, **values):
        m = self.codec.method(method)
        stub = self.codec.encode_request(method, values)
        try:
            resp = self.client.call(m.opnum, stub, idempotent=idempotent)
        except self.cl.Fault as e:
            self.log.append((m.opnum, method, 'fault', str(e)))
            if self.verbose:
                print('  v2 %-37s fault %s' % (method, e), file=sys.stderr)
            return None
        out = self.codec.decode_response(method, resp)
        rc = out.get('_return')
        shown = rc if isinstance(rc, int) else out.get('Status')
        self.log.append((m.opnum, method, 'ok', shown))
        if self.verbose:
            print('  v2 %-37s %s' % (method, _fmt_status(shown)), file=sys.stderr)
        return out


def run_v2(port, verbose, log):
    s = V2Session(port, verbose, log)
    c = s.call
    try:
        hc = handle_of(c('ApiOpenCluster'))
        c('ApiGetClusterName', idempotent=True)
        c('ApiGetClusterVersion', idempotent=True)
        c('ApiGetClusterVersion2', idempotent=True)
        c('ApiGetQuorumResource')
        out = c('ApiCreateEnum', dwType=0x3f)
        entries = (out or {}).get('ReturnEnum') or {}
        by_type = {}
        for e in entries.get('Entry') or []:
            by_type.setdefault(e['Type'], []).append(e['Name'])
        node = sorted(by_type.get(1, ['NODE1']))[0]
        res = sorted(by_type.get(4, ['Cluster Name']))[0]
        group = sorted(by_type.get(8, ['Cluster Group']))[0]
        hn = handle_of(c('ApiOpenNode', lpszNodeName=node))
        hr = handle_of(c('ApiOpenResource', lpszResourceName=res))
        hg = handle_of(c('ApiOpenGroup', lpszGroupName=group))
        c('ApiOpenResource', lpszResourceName='No Such Resource')
        if hn:
            c('ApiGetNodeState', hNode=hn)
            c('ApiNodeControl', hNode=hn, dwControlCode=0x04000029, lpInBuffer=None,
              nInBufferSize=0, nOutBufferSize=256)
        if hr:
            c('ApiGetResourceState', hResource=hr)
            c('ApiGetResourceType', hResource=hr)
            # large answers: fragmented responses with facks
            c('ApiResourceControl', hResource=hr, dwControlCode=0x01000059, lpInBuffer=None,
              nInBufferSize=0, nOutBufferSize=8)
            c('ApiResourceControl', hResource=hr, dwControlCode=0x01000059, lpInBuffer=None,
              nInBufferSize=0, nOutBufferSize=4096)
            big = props_all_syntaxes() * 1
            c('ApiResourceControl', hResource=hr, dwControlCode=0x01000089, lpInBuffer=big,
              nInBufferSize=len(big), nOutBufferSize=0)
            c('ApiResourceControl', hResource=hr, dwControlCode=0x01000191, lpInBuffer=None,
              nInBufferSize=0, nOutBufferSize=8192)
        if hg:
            c('ApiGetGroupState', hGroup=hg)
            # v2 ApiSetGroupNodeList: a byte buffer (MULTI_SZ) with cbListSize in bytes
            nl = cb.multi_sz(sorted(by_type.get(1, [node])))
            c('ApiSetGroupNodeList', hGroup=hg, lpNodeList=nl, cbListSize=len(nl))
            c('ApiGroupControl', hGroup=hg, dwControlCode=0x03000059, lpInBuffer=None,
              nInBufferSize=0, nOutBufferSize=4096)
        if hc:
            c('ApiClusterControl', hCluster=hc, dwControlCode=0x07000051, lpInBuffer=None,
              nInBufferSize=0, nOutBufferSize=1024)
        # a big request: fragmented in, facked by the server
        hk = handle_of(c('ApiGetRootKey', samDesired=0x02000000))
        if hk:
            blob = bytes(i & 0xff for i in range(6000))
            c('ApiSetValue', hKey=hk, lpValueName='V2Blob', dwType=REG_BINARY, lpData=blob)
            c('ApiQueryValue', hKey=hk, lpValueName='V2Blob', cbData=len(blob))
            c('ApiEnumValue', hKey=hk, dwIndex=0, lpcbData=64)
        # v1 notifications with the v2 ApiGetNotify (Timeout parameter)
        hnot = handle_of(c('ApiCreateNotify'))
        if hnot and hc:
            c('ApiAddNotifyCluster', hNotify=hnot, hCluster=hc, dwFilter=0x7fffffff,
              dwNotifyKey=0x300)
            if hg:
                c('ApiAddNotifyGroup', hNotify=hnot, hGroup=hg, dwFilter=0xf000, dwNotifyKey=0x301)
                c('ApiOfflineGroup', hGroup=hg)
                c('ApiOnlineGroup', hGroup=hg)
            c('ApiGetNotify', hNotify=hnot, Timeout=100)
            c('ApiGetNotify', hNotify=hnot, Timeout=0)
            c('ApiCloseNotify', Notify=hnot)
        if hk:
            c('ApiDeleteValue', hKey=hk, lpValueName='V2Blob')
            c('ApiCloseKey', pKey=hk)
        if hg:
            c('ApiCloseGroup', Group=hg)
        if hr:
            c('ApiCloseResource', Resource=hr)
        if hn:
            c('ApiCloseNode', Node=hn)
        if hc:
            c('ApiCloseCluster', Cluster=hc)
    finally:
        s.close()


# ---------------------------------------------------------------------------------------------

def summarize(log, label):
    ok = sorted({(o, n) for o, n, st, _ in log if st == 'ok'})
    faults = sorted({(o, n, st) for o, n, st, _ in log if st != 'ok'})
    print('%s: %d calls, %d distinct methods answered, %d distinct methods faulted or failed'
          % (label, len(log), len(ok), len({(o, n) for o, n, _ in faults})))
    for o, n, st in faults:
        print('  %s: opnum %d %s' % (st, o, n))
    return ok, faults


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--port', type=int, help='ncacn_ip_tcp port of the mock (ClusAPI 3.0)')
    ap.add_argument('--ndr64', action='store_true', help='bind with the NDR64 transfer syntax')
    ap.add_argument('--user')
    ap.add_argument('--password')
    ap.add_argument('--subset', choices=('all', 'core', 'storage'), default='all')
    ap.add_argument('--kerberos', choices=('krb5', 'spnego'),
                    help='authenticate with Kerberos (auth type 16) or SPNEGO choosing Kerberos, '
                    'packet privacy, tickets from the default ccache (see krb5realm.py)')
    ap.add_argument('--spn', default='MSServerClusterMgmtAPI@cluster.cmrp.test',
                    help='service name for --kerberos (GSS host-based form)')
    ap.add_argument('--v2-udp-port', type=int, help='ncadg_ip_udp port of the mock (ClusAPI 2.0)')
    ap.add_argument('--strict', action='store_true', help='exit 1 if any call drew a fault')
    ap.add_argument('-v', '--verbose', action='store_true')
    a = ap.parse_args(argv)
    if not a.port and not a.v2_udp_port:
        ap.error('give --port and/or --v2-udp-port')
    socket.setdefaulttimeout(30)
    faults = []
    if a.port:
        log = []
        try:
            s = Session(a.port, ndr64=a.ndr64, user=a.user, password=a.password,
                        verbose=a.verbose, log=log, kerberos=a.kerberos, spn=a.spn)
        except Exception as e:
            print('scenario: cannot bind to 127.0.0.1[%d]: %s' % (a.port, e), file=sys.stderr)
            return 2
        try:
            Scenario(s, a.subset).run()
        except Exception as e:
            import traceback
            traceback.print_exc()
            print('scenario: session broke: %s' % e, file=sys.stderr)
            summarize(log, 'v3')
            return 2
        finally:
            s.close()
        faults += summarize(log, 'v3%s%s' % (' ndr64' if a.ndr64 else '',
                                             ' sealed' if a.user or a.kerberos else ''))[1]
    if a.v2_udp_port:
        log = []
        try:
            run_v2(a.v2_udp_port, a.verbose, log)
        except Exception as e:
            import traceback
            traceback.print_exc()
            print('scenario: v2 session broke: %s' % e, file=sys.stderr)
            summarize(log, 'v2')
            return 2
        faults += summarize(log, 'v2 udp')[1]
    return 1 if (a.strict and faults) else 0


if __name__ == '__main__':
    sys.exit(main())
