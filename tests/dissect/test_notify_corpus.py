"""Issue 5: notification payloads, registry values, batch commands and enumerations of the corpus.

"The corpus holds every notification payload kind, every registry type and every batch command
type. A test asserts the exact decoded values of each." This module is that test, on
captures/scenario-ndr.pcapng and again on its NDR64 twin scenario-ndr64.pcapng (the same calls,
the same values; only the frame numbers differ, and they are looked up, never written down):

  - NOTIFY_CASES: one ApiGetNotifyV2 notification of every (object type, filter flag) pair the
    corpus holds (which covers every payload kind of MS-CMRP 3.1.4.2.138: empty, DWORD states
    with their state names, the group type DWORD, PROPERTY_LIST, ID strings, the dependency
    expression, MULTI_SZ of IDs, CLUSTER_MEMBERSHIP_INFO, the PROPERTY_LIST of
    CLUSTER_SHARED_VOLUME_STATE_INFO_EX, the opaque resource-type buffer): dwNotifyKey, the
    object type and filter names, ObjectId / ParentId / Name / Type, dwBufferSize, the payload
    fields, and cmrp.notify.registered_in, the ApiAddNotifyV2 (or ApiAddNotifyResourceTypeV2)
    request that registered the key, found by content;
  - V1_CASES: version 1 notifications (ApiGetNotify and ApiGetNotifyAsync entries): the key, the
    CLUSTER_CHANGE filter name, the object name, the state sequence, the registering request;
  - REG_CASES: every registry value type the scenario writes, through ApiSetValue, ApiQueryValue
    and ApiEnumValue;
  - BATCHES: every command of every CLUSTER_REG_BATCH_UPDATE of the corpus (ApiExecuteBatch,
    ApiExecuteReadBatch(Ex) in and out, ApiGetBatchNotification): all 17 command types;
  - ENUM_CASES: the ENUM_ENTRY types (names) and names or IDs of every enumeration method;
    GROUP_ENUM_CASES and test_resource_enum: GROUP_ENUM_LIST / RESOURCE_ENUM_LIST entries, their
    Properties and RoProperties decoded as PROPERTY_LISTs.

Every expected value comes from MS-CMRP (names of enumerations and flags, structure layouts) and
from what the scenario and the mock put on the wire (tests/peer/scenario.py, cluster_state.py,
cluster_objects.py, cluster_events.py, cluster_model_ext.py, handlers_*.py): object IDs are
recomputed here with the mock's uuid5 derivation, payloads from the scenario's inputs and the
handlers' rules, each with the line of reasoning next to it. Nothing is copied from the plugin.
Only the v2 keys are taken from scenario.Scenario.V2_FILTERS (key = 0x200 + its index).

The completeness tests keep the tables whole: every (object type, flag) pair and batch command
type found in the corpus must have a case, and every payload kind of notify_v2.tsv, every
CLUSTER_REG_BATCH_COMMAND and every ENUM_ENTRY type of idl/types.idl must have one too, unless it
is listed in a *_GAPS table (the corpus lacks it), which is itself checked against the corpus.

Decoder bugs found while writing these tables are kept as strict xfails (`bug=` in a case): the
case states what the spec and the wire say; the mark goes when the decoder is fixed.

One tshark run (PDML, -J cmrp) per capture, parsed once (module-scoped fixture).
"""
import datetime
import importlib.util
import os
import re
import struct
import sys
import uuid
import xml.etree.ElementTree as ET

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEER = os.path.join(ROOT, 'tests', 'peer')
TYPES_IDL = os.path.join(ROOT, 'idl', 'types.idl')
# the payload table of MS-CMRP 3.1.4.2.138: idl/tables/ once it is there, else our copy of its facts
NOTIFY_TSV_CANDIDATES = [os.path.join(ROOT, 'idl', 'tables', 'notify_v2.tsv'),
                         os.path.join(ROOT, 'tests', 'data', 'notify_v2_payloads.tsv')]
from conftest import wsversion
from conftest import capture  # noqa: E402


def peer_module(name):
    """tests/peer/<name>.py, loaded under a private name; sys.path is left as it was (the peer
    modules put tests/peer first, where coverage.py would shadow the coverage package)."""
    saved = list(sys.path)
    try:
        sys.path.insert(0, PEER)
        spec = importlib.util.spec_from_file_location('cmrp_peer_' + name,
                                                      os.path.join(PEER, name + '.py'))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        sys.path[:] = saved
    return mod


# only Scenario.V2_FILTERS (the v2 keys) and Scenario.REG_VALUES (a guard on REG_CASES)
scenario = peer_module('scenario')

CAPTURES = ['scenario-ndr.pcapng', 'scenario-ndr64.pcapng']

# ---------------------------------------------------------------------------------------------
# The methods this module reads (MS-CMRP 3.1.4.2, opnums of ClusAPI 3.0)

OPNUMS = {
    'ApiCreateEnum': 7, 'ApiCreateResEnum': 22, 'ApiSetValue': 32, 'ApiQueryValue': 34,
    'ApiEnumValue': 36, 'ApiCreateGroupResourceEnum': 53, 'ApiAddNotifyCluster': 57,
    'ApiAddNotifyNode': 58, 'ApiAddNotifyGroup': 59, 'ApiAddNotifyResource': 60,
    'ApiAddNotifyKey': 61, 'ApiReAddNotifyNode': 62, 'ApiReAddNotifyGroup': 63,
    'ApiReAddNotifyResource': 64, 'ApiGetNotify': 65, 'ApiCreateNetworkEnum': 85,
    'ApiAddNotifyNetwork': 90, 'ApiReAddNotifyNetwork': 91, 'ApiAddNotifyNetInterface': 99,
    'ApiReAddNotifyNetInterface': 100, 'ApiCreateNodeEnum': 101, 'ApiCreateResTypeEnum': 103,
    'ApiExecuteBatch': 113, 'ApiGetBatchNotification': 115, 'ApiCreateNodeEnumEx': 124,
    'ApiCreateEnumEx': 125, 'ApiAddNotifyV2': 138, 'ApiGetNotifyV2': 139,
    'ApiCreateGroupEnum': 143, 'ApiCreateResourceEnum': 144, 'ApiExecuteReadBatch': 145,
    'ApiGetNotifyAsync': 147, 'ApiAddNotifyResourceTypeV2': 155, 'ApiExecuteReadBatchEx': 157,
    'ApiCreateGroupSetEnum': 180, 'ApiCreateNetInterfaceEnum': 181,
}
V1_REGISTER = ('ApiAddNotifyCluster', 'ApiAddNotifyNode', 'ApiAddNotifyGroup',
               'ApiAddNotifyResource', 'ApiAddNotifyKey', 'ApiAddNotifyNetwork',
               'ApiAddNotifyNetInterface', 'ApiReAddNotifyNode', 'ApiReAddNotifyGroup',
               'ApiReAddNotifyResource', 'ApiReAddNotifyNetwork', 'ApiReAddNotifyNetInterface')
V2_REGISTER = ('ApiAddNotifyV2', 'ApiAddNotifyResourceTypeV2')

# ---------------------------------------------------------------------------------------------
# PDML access

# Fields compared by what the tree shows after "Label: " (named values: enumerations, flags);
# every other field by its raw value (tshark -T fields style).
NAMED = {'cmrp.notify.object_type', 'cmrp.notify.filter', 'cmrp.notify.state',
         'cmrp.notify.group_type', 'cmrp.notify.csv.state', 'cmrp.notify.change',
         'cmrp.reg.type', 'cmrp.batch.command_type', 'cmrp.batch.value_type',
         'cmrp.batch.status', 'cmrp.batch.control', 'cmrp.enum_entry.type', 'cmrp.group.state'}
_BITS = re.compile(r'^[01. ]+ = ')
MALFORMED_GROUP = '117440512'          # PI_MALFORMED


class Rec:
    """The fields of one subtree (or of a whole PDU): (name, show, showname) in tree order."""

    def __init__(self, elem, num):
        self.elem = elem
        self.num = num
        # times as 4.0 shows them (4.6 writes ISO 8601): tests compare values, not rendering
        self.fields = [(f.get('name') or '', wsversion.time_40(f.get('show') or ''),
                        f.get('showname') or '') for f in elem.iter('field')]

    def show(self, name):
        return [s for n, s, _ in self.fields if n == name]

    def display(self, name):
        out = []
        for n, _, sn in self.fields:
            if n == name:
                sn = _BITS.sub('', sn)
                out.append(sn.split(': ', 1)[1] if ': ' in sn else sn)
        return out

    def value(self, name):
        return self.display(name) if name in NAMED else self.show(name)

    def has(self, name):
        return any(n == name for n, _, _ in self.fields)

    def experts(self):
        return self.show('_ws.expert.message')

    def malformed(self):
        return MALFORMED_GROUP in self.show('_ws.expert.group')

    def subtrees(self, prefix=None, name=None):
        """Sub-records: text items whose text starts with `prefix`, or fields called `name`."""
        out = []
        for f in self.elem.iter('field'):
            if f is self.elem:
                continue
            text = f.get('show') or ''
            if prefix is not None and not f.get('name') and text.startswith(prefix):
                out.append(Rec(f, self.num))
            elif name is not None and f.get('name') == name:
                out.append(Rec(f, self.num))
        return out


class Pdu(Rec):
    """The cmrp tree of one frame."""

    def __init__(self, elem, num):
        super().__init__(elem, num)
        op = self.display('cmrp.opnum')
        self.method = op[0].rsplit(' (', 1)[0] if op else None
        self.response = self.has('dcerpc.request_in')
        ri = self.show('dcerpc.request_in')
        self.peer = int(ri[0]) if ri else None      # a response's request frame


class Corpus:
    def __init__(self, tshark, path):
        self.path = path
        dfilter = 'cmrp.opnum in {%s}' % ','.join(str(o) for o in sorted(OPNUMS.values()))
        out = tshark.run('-r', path, '-2', '-T', 'pdml', '-J', 'cmrp', '-Y', dfilter).stdout
        self.pdus = {}
        for pkt in ET.fromstring(out).iter('packet'):
            num = None
            cmrp = []
            for proto in pkt.findall('proto'):
                if proto.get('name') == 'geninfo':
                    for f in proto.iter('field'):
                        if f.get('name') == 'num':
                            num = int(f.get('show'))
                elif proto.get('name') == 'cmrp':
                    cmrp.append(proto)
            assert len(cmrp) == 1, 'frame %s: %d cmrp trees' % (num, len(cmrp))
            self.pdus[num] = Pdu(cmrp[0], num)
        self.order = sorted(self.pdus)
        self.answers = {p.peer: p for p in self.pdus.values() if p.response}

    def calls(self, method, response=False):
        return [self.pdus[n] for n in self.order
                if self.pdus[n].method == method and self.pdus[n].response == response]

    def response_of(self, req):
        """The answer to `req`: the frame whose cmrp tree names it as its request (a fragmented
        answer is decoded in its last frame; the request's response_in names the first)."""
        rsp = self.answers.get(req.num)
        assert rsp is not None and rsp.method == req.method, 'no answer to frame %d' % req.num
        return rsp

    def succeeded(self, req):
        rsp = self.answers.get(req.num)
        return rsp is not None and rsp.display('cmrp.rc') == ['ERROR_SUCCESS (0x00000000)']

    def registration(self, key, before, methods):
        """The frame of the last successful request of `methods` that registered `key` on a
        notification port before frame `before` (a re-registration replaces the first)."""
        want = '0x%016x' % key
        found = None
        for m in methods:
            for req in self.calls(m):
                if req.num < before and want in req.show('cmrp.notify.key') and self.succeeded(req):
                    if found is None or req.num > found:
                        found = req.num
        return found

    def v2_notifications(self):
        for rsp in self.calls('ApiGetNotifyV2', response=True):
            for rec in rsp.subtrees(prefix='Notifications (NOTIFICATION_RPC)'):
                yield rec

    def v1_events(self):
        """(method, record) of every ApiGetNotify answer and ApiGetNotifyAsync entry."""
        for n in self.order:
            p = self.pdus[n]
            if not p.response:
                continue
            if p.method == 'ApiGetNotify' and p.has('cmrp.notify.key'):
                yield 'ApiGetNotify', p
            elif p.method == 'ApiGetNotifyAsync':
                for rec in p.subtrees(prefix='Notifications (NOTIFICATION_DATA_ASYNC_RPC)'):
                    yield 'ApiGetNotifyAsync', rec


@pytest.fixture(scope='module', params=CAPTURES)
def corpus(request, tshark):
    return Corpus(tshark, capture(request.param))


def check_fields(rec, expect, where):
    for field, want in expect:
        got = rec.value(field)
        assert got == want, '%s: %s is %r, expected %r' % (where, field, got, want)


# ---------------------------------------------------------------------------------------------
# Values the mock derives, recomputed

NS = uuid.UUID('5b0c3c1e-6d1a-4c8e-9f7a-434d52504d4b')      # cluster_objects._NS


def oid(kind, name):
    """cluster_objects.make_id: uuid5 of 'kind:name' (name lower-cased), fixed at creation."""
    return str(uuid.uuid5(NS, '%s:%s' % (kind, name.lower())))


def ext_guid(*parts):
    """cluster_model_ext._guid: uuid5 of the ':'-joined parts (case kept)."""
    return str(uuid.uuid5(NS, ':'.join(str(p) for p in parts)))


# cluster_state: node IDs are '1', '2', '3'; a resource type's ID is its name
G_CORE, G_AS, G_SQL = (oid('group', g) for g in ('Cluster Group', 'Available Storage',
                                                 'SQL Server (INST1)'))
G_A = oid('group', 'CMRP Group A')          # ApiCreateGroup; renamed "CMRP Group A2" later
G_B = oid('group', 'CMRP Group B')          # ApiCreateGroupEx
R_DISK1 = oid('resource', 'Cluster Disk 1')
R_DISK2 = oid('resource', 'Cluster Disk 2')
R_NEW = oid('resource', 'CMRP Disk')        # ApiCreateResource; renamed "CMRP Disk 2" later
R_NEW2 = oid('resource', 'CMRP IP')
NET1 = oid('network', 'Cluster Network 1')
NIF1 = oid('netinterface', 'NODE1 - Ethernet')
GS_CORE = oid('groupset', 'Cluster Group')
GS_A = oid('groupset', 'CMRP Set A')

# CLUSTER_OBJECT_TYPE (2.2.2.11)
OT_CLUSTER, OT_GROUP, OT_RESOURCE, OT_RESOURCE_TYPE, OT_NETINTERFACE, OT_NETWORK, OT_NODE, \
    OT_REGISTRY, OT_QUORUM, OT_SHARED_VOLUME, OT_SPACEPORT, OT_UPGRADE, OT_GROUPSET = range(1, 14)
OBJECT_TYPE_NAMES = {
    1: 'CLUSTER_OBJECT_TYPE_CLUSTER', 2: 'CLUSTER_OBJECT_TYPE_GROUP',
    3: 'CLUSTER_OBJECT_TYPE_RESOURCE', 4: 'CLUSTER_OBJECT_TYPE_RESOURCE_TYPE',
    5: 'CLUSTER_OBJECT_TYPE_NETWORK_INTERFACE', 6: 'CLUSTER_OBJECT_TYPE_NETWORK',
    7: 'CLUSTER_OBJECT_TYPE_NODE', 8: 'CLUSTER_OBJECT_TYPE_REGISTRY',
    9: 'CLUSTER_OBJECT_TYPE_QUORUM', 10: 'CLUSTER_OBJECT_TYPE_SHARED_VOLUME',
    13: 'CLUSTER_OBJECT_TYPE_GROUPSET'}


def v2_key(otype, handle='cluster'):
    """scenario.notify_setup registers V2_FILTERS[i] with dwNotifyKey 0x200 + i."""
    for i, (ot, hk, _flags) in enumerate(scenario.Scenario.V2_FILTERS):
        if ot == otype and hk == handle:
            return 0x200 + i
    raise KeyError((otype, handle))


RESTYPE_V2_KEY = 0x2ff      # scenario: ApiAddNotifyResourceTypeV2(filter 0x3f, dwNotifyKey 0x2ff)

# ---- PROPERTY_LIST (2.2.3.10) expectations ----

# CLUSTER_PROPERTY_SYNTAX (2.2.2.3)
NAME = 0x00040003
SZ, EXPAND_SZ, DWORD, BINARY, MULTI_SZ = 0x00010003, 0x00010004, 0x00010002, 0x00010001, 0x00010005
LONG, EXPANDED_SZ, SECURITY_DESCRIPTOR = 0x00010007, 0x00010008, 0x00010009
LARGE, ULARGE, WORD, FILETIME = 0x0001000a, 0x00010006, 0x0001000b, 0x0001000c


def wlen(s):
    """Bytes of a NUL-terminated UTF-16 string."""
    return 2 * (len(s) + 1)


def pad4(n):
    return n + (-n % 4)


def hexbytes(b):
    return ':'.join('%02x' % x for x in b)


def filetime_show(unix):
    t = datetime.datetime.fromtimestamp(unix, datetime.timezone.utc)
    return t.strftime('%b %d, %Y %H:%M:%S') + '.000000000 UTC'


class SD:
    """cb.self_relative_sd(): owner BUILTIN\\Administrators, group LocalSystem, a DACL allowing
    0x000f003f to Administrators and LocalSystem, 0x00020019 to Authenticated Users (MS-DTYP
    2.4.6): header 20 + SIDs 16 + 12 + ACL (8 + 24 + 20 + 20) = 120 bytes."""
    size = 120
    sids = ['S-1-5-32-544', 'S-1-5-18', 'S-1-5-32-544', 'S-1-5-18', 'S-1-5-11']
    masks = ['0x000f003f', '0x000f003f', '0x00020019']


PROP_VALUE_FIELDS = ('cmrp.prop.sz', 'cmrp.prop.dword', 'cmrp.prop.long', 'cmrp.prop.word',
                     'cmrp.prop.ularge', 'cmrp.prop.large', 'cmrp.prop.binary',
                     'cmrp.prop.filetime', 'nt.sid', 'cmrp.sd.ace.mask')


def value_size(syntax, v):
    if syntax in (SZ, EXPAND_SZ, EXPANDED_SZ):
        return wlen(v)
    if syntax == MULTI_SZ:
        return sum(wlen(s) for s in v) + 2 if v else 4      # clusbuf.multi_sz([]): two NULs
    if syntax in (DWORD, LONG):
        return 4
    if syntax == WORD:
        return 2
    if syntax in (LARGE, ULARGE, FILETIME):
        return 8
    if syntax == BINARY:
        return len(v)
    if syntax == SECURITY_DESCRIPTOR:
        return SD.size
    raise ValueError(syntax)


def proplist(props, trailing=True):
    """(field expectations, byte size) of a PROPERTY_LIST of `props`: [(name, [(syntax,
    value), ...])]; `trailing`: the extra CLUSPROP_SYNTAX_ENDMARK after the last property that
    cluster_objects.property_list / cluster_events.property_changed write."""
    vals = {f: [] for f in PROP_VALUE_FIELDS}
    syntaxes = []
    size = 4
    for name, values in props:
        syntaxes.append('0x%08x' % NAME)
        size += 8 + pad4(wlen(name))
        for syntax, v in values:
            syntaxes.append('0x%08x' % syntax)
            size += 8 + pad4(value_size(syntax, v))
            if syntax in (SZ, EXPAND_SZ, EXPANDED_SZ):
                vals['cmrp.prop.sz'].append(v)
            elif syntax == MULTI_SZ:
                vals['cmrp.prop.sz'].extend(v)
            elif syntax == DWORD:
                vals['cmrp.prop.dword'].append(str(v))
            elif syntax == LONG:
                vals['cmrp.prop.long'].append(str(v))
            elif syntax == WORD:
                vals['cmrp.prop.word'].append(str(v))
            elif syntax == ULARGE:
                vals['cmrp.prop.ularge'].append(str(v))
            elif syntax == LARGE:
                vals['cmrp.prop.large'].append(str(v))
            elif syntax == BINARY:
                vals['cmrp.prop.binary'].append(hexbytes(v))
            elif syntax == FILETIME:
                vals['cmrp.prop.filetime'].append(filetime_show(v))
            elif syntax == SECURITY_DESCRIPTOR:
                vals['nt.sid'].extend(SD.sids)
                vals['cmrp.sd.ace.mask'].extend(SD.masks)
        size += 4                                              # the property's ENDMARK
    if trailing and props:
        size += 4
    expect = [('cmrp.prop.count', [str(len(props))]),
              ('cmrp.prop.name', [p[0] for p in props]),
              ('cmrp.prop.syntax', syntaxes),
              ('cmrp.prop.endmark', ['0x00000000'] * len(props)),
              ('cmrp.prop.list_endmark', ['0x00000000'] if trailing and props else [])]
    expect += sorted(vals.items())
    return expect, size


def sz(v):
    return [(SZ, v)]


def dword(v):
    return [(DWORD, v)]


# SET_PRIVATE_PROPERTIES with scenario.props_all_syntaxes(), as the mock posts it back
# (handlers_control.set_private + cluster_events.property_changed): each property re-serialized
# from its FIRST value only (MultiValue keeps DWORD 7, not its WORD 8 and LONG -9), an EXPAND_SZ
# followed by its EXPANDED_SZ form (clusbuf.v_expand_sz, 2.2.2.3; %SystemRoot% is C:\Windows,
# %TEMP% C:\Windows\TEMP in clusbuf.ENV), the list with its trailing ENDMARK.
ALL_SYNTAXES = [
    ('StringValue', sz('a string')),
    ('ExpandString', [(EXPAND_SZ, '%SystemRoot%\\Cluster\\cmrp.log'),
                      (EXPANDED_SZ, 'C:\\Windows\\Cluster\\cmrp.log')]),
    ('ExpandOnly', [(EXPAND_SZ, '%TEMP%\\cmrp'), (EXPANDED_SZ, 'C:\\Windows\\TEMP\\cmrp')]),
    ('DwordValue', dword(0x12345678)),
    ('LongValue', [(LONG, -42)]),
    ('WordValue', [(WORD, 0xbeef)]),
    ('BinaryValue', [(BINARY, bytes(range(1, 14)))]),
    ('MultiString', [(MULTI_SZ, ['one', 'two', 'three'])]),
    ('ULargeValue', [(ULARGE, 0x0123456789abcdef)]),
    ('LargeValue', [(LARGE, -0x123456789)]),
    ('FileTimeValue', [(FILETIME, 1700000000)]),
    ('Security', [(SECURITY_DESCRIPTOR, None)]),
    ('MultiValue', dword(7)),
]


def fixed_wstr(s, nbytes):
    b = s.encode('utf-16-le')
    return b + b'\0' * (nbytes - len(b))


# CLUSTER_SHARED_VOLUME_STATE_INFO_EX (2.2.3.32) the mock posts for Cluster Disk 1 on
# CLUSCTL_RESOURCE_SET_CSV_MAINTENANCE_MODE (0x01400296) with InMaintenance 1: state 1
# (cluster_model_ext: "1 if b[0] else 2"), node = owner of Cluster Group (NODE1), volume GUID
# _guid('vol', name, 1), friendly name C:\ClusterStorage\Volume<disk number>, reasons 0.
CSV_VOLUME = '\\\\?\\Volume{%s}\\' % ext_guid('vol', 'Cluster Disk 1', 1)
CSV_FRIENDLY = 'C:\\ClusterStorage\\Volume1'
CSV_STATE_INFO_EX = (fixed_wstr(CSV_VOLUME, 520) + fixed_wstr('NODE1', 520) + struct.pack('<I', 1)
                     + fixed_wstr(CSV_FRIENDLY, 520) + struct.pack('<QQ', 0, 0))


# ---------------------------------------------------------------------------------------------
# ApiGetNotifyV2: one notification of every (object type, filter flag) pair of the corpus
#
# Payload kinds: ours, finer than tests/peer/coverage.py's (KIND_COVERAGE maps them), from the
# buffer_payload column of notify_v2.tsv (MS-CMRP 3.1.4.2.138).

KIND_COVERAGE = {
    'empty': 'empty', 'DWORD state': 'DWORD', 'DWORD group type': 'DWORD',
    'DWORD cluster version': 'DWORD', 'PROPERTY_LIST': 'PROPERTY_LIST',
    'ID string': 'Unicode string', 'dependency expression': 'Unicode string',
    'MULTI_SZ of IDs': 'MULTI_SZ', 'CLUSTER_MEMBERSHIP_INFO': 'CLUSTER_MEMBERSHIP_INFO',
    'CSV state': 'PROPERTY_LIST of CLUSTER_SHARED_VOLUME_STATE_INFO(_EX)', 'opaque': 'opaque',
}

# the fields that show which payload decoder ran; a case's kind allows only its own
MARKERS = {
    'empty': set(), 'DWORD state': {'cmrp.notify.state'},
    'DWORD group type': {'cmrp.notify.group_type'},
    'DWORD cluster version': {'cmrp.notify.cluster_version'},
    'PROPERTY_LIST': {'cmrp.prop.list'}, 'ID string': {'cmrp.notify.id'},
    'dependency expression': {'cmrp.notify.dependency_expression'},
    'MULTI_SZ of IDs': {'cmrp.notify.id'},
    'CLUSTER_MEMBERSHIP_INFO': {'cmrp.notify.membership.has_quorum'},
    'CSV state': {'cmrp.prop.list', 'cmrp.notify.csv'}, 'opaque': {'cmrp.notify.data'},
}
ALL_MARKERS = set().union(*MARKERS.values()) | {'cmrp.notify.trailing', 'cmrp.prop.trailing'}


def spec_kind(text):
    """Our kind for a buffer_payload cell of notify_v2.tsv (None: no payload rule)."""
    t = text.strip()
    if t.startswith('PROPERTY_LIST whose values are CLUSPROP_SYNTAX_LIST_VALUE_BINARY'):
        return 'CSV state'
    rules = [('empty', 'empty'), ('DWORD group type', 'DWORD group type'),
             ('DWORD cluster operating version', 'DWORD cluster version'),
             ('PROPERTY_LIST', 'PROPERTY_LIST'),
             ('Unicode string: dependency expression', 'dependency expression'),
             ('Unicode string', 'ID string'), ('MULTI_SZ', 'MULTI_SZ of IDs'),
             ('CLUSTER_MEMBERSHIP_INFO', 'CLUSTER_MEMBERSHIP_INFO'), ('opaque', 'opaque')]
    for prefix, kind in rules:
        if t.startswith(prefix):
            return kind
    if t.startswith('DWORD') and 'state' in t:
        return 'DWORD state'
    return None


def p_state(shown):
    return [('cmrp.notify.state', [shown])], 4


def p_id(i):
    return [('cmrp.notify.id', [i])], wlen(i)


def p_ids(ids):
    return [('cmrp.notify.id', list(ids))], sum(wlen(i) for i in ids) + 2


def p_props(props, trailing=True):
    return proplist(props, trailing)


def notif(otype, flag, flag_name, key, ids, kind, payload=([], 0), select_key=False, why=''):
    """One case: the first notification of the corpus of (otype, flag) named ids[2] (and with
    dwNotifyKey `key` if select_key), expected with `ids` (ObjectId, ParentId, Name, Type) and
    `payload` (field expectations, dwBufferSize)."""
    fields, size = payload
    return {'otype': otype, 'flag': flag, 'flag_name': flag_name, 'key': key, 'ids': ids,
            'kind': kind, 'payload': list(fields), 'size': size, 'select_key': select_key,
            'why': why}


NOTIFY_CASES = [
    # ---- CLUSTER_OBJECT_TYPE_CLUSTER (registered on the cluster: V2_FILTERS[0]) ----
    notif(OT_CLUSTER, 0x4, 'CLUSTER_CHANGE_CLUSTER_GROUP_ADDED_V2', v2_key(OT_CLUSTER),
          (G_A, '1', 'CMRP Group A', ''), 'DWORD group type',
          ([('cmrp.notify.group_type', ['ClusGroupTypeUnknown (0x0000270f)'])], 4),
          why='ApiCreateGroup("CMRP Group A"): group type 9999 (handlers_group._create), owner '
              'the local node NODE1 (cluster_events.added)'),
    notif(OT_CLUSTER, 0x40, 'CLUSTER_CHANGE_CLUSTER_RESOURCE_TYPE_ADDED_V2', v2_key(OT_CLUSTER),
          ('', '', 'CMRP Type', ''), 'empty', why='ApiCreateResourceType("CMRP Type")'),
    notif(OT_CLUSTER, 0x80, 'CLUSTER_CHANGE_CLUSTER_COMMON_PROPERTY_V2', v2_key(OT_CLUSTER),
          ('', '', '', ''), 'PROPERTY_LIST', p_props([('ClusterName', sz('CMRPCLUSTER'))]),
          why='ApiSetClusterName("CMRPCLUSTER") (handlers_core); the cluster has no IDs '
              '(cluster_events.ids)'),
    notif(OT_CLUSTER, 0x100, 'CLUSTER_CHANGE_CLUSTER_PRIVATE_PROPERTY_V2', v2_key(OT_CLUSTER),
          ('', '', '', ''), 'PROPERTY_LIST', p_props(ALL_SYNTAXES),
          why='CLUSCTL_CLUSTER_SET_PRIVATE_PROPERTIES with props_all_syntaxes()'),
    notif(OT_CLUSTER, 0x800, 'CLUSTER_CHANGE_CLUSTER_MEMBERSHIP_V2', v2_key(OT_CLUSTER),
          ('', '', '', ''), 'CLUSTER_MEMBERSHIP_INFO',
          ([('cmrp.notify.membership.has_quorum', ['1']),
            ('cmrp.notify.membership.up_nodes_size', ['2']),
            ('cmrp.notify.membership.up_node', ['1', '3'])], 5 + 2),
          why='ApiPauseNode(NODE2): the nodes still up are 1 and 3 (cluster_model_ext._membership)'),
    # ---- CLUSTER_OBJECT_TYPE_GROUP (V2_FILTERS[1]: every group) ----
    notif(OT_GROUP, 0x1, 'CLUSTER_CHANGE_GROUP_DELETED_V2', v2_key(OT_GROUP),
          (G_A, '1', 'CMRP Group A2', ''), 'empty', why='teardown: ApiDeleteGroup(CMRP Group A2)'),
    notif(OT_GROUP, 0x2, 'CLUSTER_CHANGE_GROUP_COMMON_PROPERTY_V2', v2_key(OT_GROUP),
          (G_A, '1', 'CMRP Group A2', ''), 'PROPERTY_LIST',
          p_props([('Name', sz('CMRP Group A2'))]),
          why='ApiSetGroupName("CMRP Group A2"); the ID stays that of "CMRP Group A"'),
    notif(OT_GROUP, 0x4, 'CLUSTER_CHANGE_GROUP_PRIVATE_PROPERTY_V2', v2_key(OT_GROUP),
          (G_AS, '1', 'Available Storage', ''), 'PROPERTY_LIST', p_props(ALL_SYNTAXES),
          why='CLUSCTL_GROUP_SET_PRIVATE_PROPERTIES on the scenario\'s group (the first by '
              'name: Available Storage, moved back to NODE1 by ApiMoveGroupToNode)'),
    notif(OT_GROUP, 0x8, 'CLUSTER_CHANGE_GROUP_STATE_V2', v2_key(OT_GROUP),
          (G_AS, '1', 'Available Storage', ''), 'DWORD state', p_state('ClusterGroupOffline (1)'),
          why='ApiOfflineGroup(Available Storage): Cluster Disk 2 goes offline, Cluster Pool 1 '
              'is offline already: the group is offline'),
    notif(OT_GROUP, 0x10, 'CLUSTER_CHANGE_GROUP_OWNER_NODE_V2', v2_key(OT_GROUP),
          (G_SQL, '1', 'SQL Server (INST1)', ''), 'ID string', p_id('1'),
          why='ApiPauseNodeEx(NODE2, drain): its group moves to NODE1 (handlers_core.'
              '_move_groups_off); ParentId is the new owner'),
    notif(OT_GROUP, 0x20, 'CLUSTER_CHANGE_GROUP_PREFERRED_OWNERS_V2', v2_key(OT_GROUP),
          (G_AS, '1', 'Available Storage', ''), 'MULTI_SZ of IDs', p_ids(['1', '2', '3']),
          why='ApiSetGroupNodeList(NODE1, NODE2, NODE3): their IDs'),
    notif(OT_GROUP, 0x40, 'CLUSTER_CHANGE_GROUP_RESOURCE_ADDED_V2', v2_key(OT_GROUP),
          (R_NEW, '1', 'CMRP Disk', ''), 'ID string', p_id(G_A),
          why='ApiCreateResource("CMRP Disk") in CMRP Group A2: ObjectId/Name are the '
              'resource\'s, the buffer the group ID (3.1.4.2.138)'),
    notif(OT_GROUP, 0x80, 'CLUSTER_CHANGE_GROUP_RESOURCE_GAINED_V2', v2_key(OT_GROUP),
          (G_B, '1', 'CMRP Group B', ''), 'ID string', p_id(R_NEW),
          why='ApiChangeResourceGroup(CMRP Disk 2 -> CMRP Group B)'),
    notif(OT_GROUP, 0x100, 'CLUSTER_CHANGE_GROUP_RESOURCE_LOST_V2', v2_key(OT_GROUP),
          (G_A, '1', 'CMRP Group A2', ''), 'ID string', p_id(R_NEW),
          why='ApiChangeResourceGroup(CMRP Disk 2 -> CMRP Group B)'),
    # ---- CLUSTER_OBJECT_TYPE_RESOURCE (V2_FILTERS[2]: every resource) ----
    notif(OT_RESOURCE, 0x1, 'CLUSTER_CHANGE_RESOURCE_COMMON_PROPERTY_V2', v2_key(OT_RESOURCE),
          (R_NEW, G_A, 'CMRP Disk 2', 'Physical Disk'), 'PROPERTY_LIST',
          p_props([('Name', sz('CMRP Disk 2'))]), why='ApiSetResourceName("CMRP Disk 2")'),
    notif(OT_RESOURCE, 0x2, 'CLUSTER_CHANGE_RESOURCE_PRIVATE_PROPERTY_V2', v2_key(OT_RESOURCE),
          (R_DISK1, G_CORE, 'Cluster Disk 1', 'Physical Disk'), 'empty',
          why='CLUSCTL_RESOURCE_SET_PRIVATE_PROPERTIES: 3.1.4.2.138 gives resource private '
              'property changes an empty buffer'),
    notif(OT_RESOURCE, 0x4, 'CLUSTER_CHANGE_RESOURCE_STATE_V2', v2_key(OT_RESOURCE),
          (R_DISK2, G_AS, 'Cluster Disk 2', 'Physical Disk'), 'DWORD state',
          p_state('ClusterResourceOfflinePending (130)'),
          why='ApiOfflineGroup(Available Storage): Cluster Disk 2 through OfflinePending '
              '(handlers_resource._set_state)'),
    notif(OT_RESOURCE, 0x8, 'CLUSTER_CHANGE_RESOURCE_OWNER_GROUP_V2', v2_key(OT_RESOURCE),
          (R_NEW, G_B, 'CMRP Disk 2', 'Physical Disk'), 'ID string', p_id(G_B),
          why='ApiChangeResourceGroup(CMRP Disk 2 -> CMRP Group B)'),
    notif(OT_RESOURCE, 0x10, 'CLUSTER_CHANGE_RESOURCE_DEPENDENCIES_V2', v2_key(OT_RESOURCE),
          (R_NEW2, G_A, 'CMRP IP', 'IP Address'), 'dependency expression',
          ([('cmrp.notify.dependency_expression', ['([CMRP Disk 2])'])], wlen('([CMRP Disk 2])')),
          why='ApiAddResourceDependency(CMRP IP depends on CMRP Disk 2): Resource.'
              'dependency_expression'),
    notif(OT_RESOURCE, 0x20, 'CLUSTER_CHANGE_RESOURCE_DEPENDENTS_V2', v2_key(OT_RESOURCE),
          (R_NEW, G_A, 'CMRP Disk 2', 'Physical Disk'), 'MULTI_SZ of IDs', p_ids([R_NEW2]),
          why='ApiAddResourceDependency: the provider\'s dependents'),
    notif(OT_RESOURCE, 0x40, 'CLUSTER_CHANGE_RESOURCE_POSSIBLE_OWNERS_V2', v2_key(OT_RESOURCE),
          (R_NEW, G_A, 'CMRP Disk 2', 'Physical Disk'), 'MULTI_SZ of IDs', p_ids(['2', '3']),
          why='ApiAddResourceNode(NODE1) fails (already a possible owner), '
              'ApiRemoveResourceNode(NODE1) leaves 2 and 3'),
    notif(OT_RESOURCE, 0x80, 'CLUSTER_CHANGE_RESOURCE_DELETED_V2', v2_key(OT_RESOURCE),
          (R_NEW, G_A, 'CMRP Disk 2', 'Physical Disk'), 'ID string', p_id(G_A),
          why='teardown: ApiDeleteResource(CMRP Disk 2), back in CMRP Group A2 since '
              'ApiChangeResourceGroupEx; the buffer is the group ID'),
    notif(OT_RESOURCE, 0x100, 'CLUSTER_CHANGE_RESOURCE_DLL_UPGRADED_V2', v2_key(OT_RESOURCE),
          (R_DISK1, G_CORE, 'Cluster Disk 1', 'Physical Disk'), 'ID string', p_id('1'),
          why='CLUSCTL_RESOURCE_UPGRADE_DLL: the local node\'s ID (cluster_model_ext._upgrade_dll)'),
    # ---- CLUSTER_OBJECT_TYPE_RESOURCE_TYPE (V2_FILTERS[3]; 0x2ff: ApiAddNotifyResourceTypeV2) --
    notif(OT_RESOURCE_TYPE, 0x1, 'CLUSTER_CHANGE_RESOURCE_TYPE_DELETED_V2',
          v2_key(OT_RESOURCE_TYPE), ('', '', 'CMRP Type', ''), 'empty',
          why='ApiDeleteResourceType("CMRP Type")'),
    notif(OT_RESOURCE_TYPE, 0x2, 'CLUSTER_CHANGE_RESOURCE_TYPE_COMMON_PROPERTY_V2',
          v2_key(OT_RESOURCE_TYPE), ('', '', 'Physical Disk', ''), 'PROPERTY_LIST',
          p_props([('Description', sz('cmrp type')), ('LooksAlivePollInterval', dword(5000)),
                   ('EnabledEventLogs', [(MULTI_SZ, [
                       'Microsoft-Windows-FailoverClustering/Operational',
                       'Microsoft-Windows-FailoverClustering/Diagnostic'])]),
                   ('DumpPolicy', [(ULARGE, 0x5000000001)])]),
          why='CLUSCTL_RESOURCE_TYPE_SET_COMMON_PROPERTIES with COMMON_PROPS["RESOURCE_TYPE"], '
              'each value in the syntax the type stores (handlers_control.set_common)'),
    notif(OT_RESOURCE_TYPE, 0x4, 'CLUSTER_CHANGE_RESOURCE_TYPE_PRIVATE_PROPERTY_V2',
          v2_key(OT_RESOURCE_TYPE), ('', '', 'Physical Disk', ''), 'empty',
          why='CLUSCTL_RESOURCE_TYPE_SET_PRIVATE_PROPERTIES: empty per 3.1.4.2.138'),
    notif(OT_RESOURCE_TYPE, 0x10, 'CLUSTER_CHANGE_RESOURCE_TYPE_DLL_UPGRADED_V2',
          v2_key(OT_RESOURCE_TYPE), ('', '', 'Physical Disk', ''), 'ID string', p_id('1'),
          why='CLUSCTL_RESOURCE_UPGRADE_DLL on a Physical Disk'),
    notif(OT_RESOURCE_TYPE, 0x20, 'CLUSTER_RESOURCE_TYPE_SPECIFIC_V2', v2_key(OT_RESOURCE_TYPE),
          ('', '', 'Physical Disk', ''), 'opaque',
          ([('cmrp.notify.data', [hexbytes(b'CMRP' + struct.pack('<IHH', 1, 0x0102, 0x0304)
                                           + b'C:\\Windows\\Cluster\\cmrpres.dll')])],
           4 + 8 + len('C:\\Windows\\Cluster\\cmrpres.dll')),
          why='CLUSCTL_RESOURCE_UPGRADE_DLL("C:\\Windows\\Cluster\\cmrpres.dll"): the blob of '
              'cluster_model_ext._upgrade_dll'),
    notif(OT_RESOURCE_TYPE, 0x20, 'CLUSTER_RESOURCE_TYPE_SPECIFIC_V2', RESTYPE_V2_KEY,
          ('', '', 'Physical Disk', ''), 'opaque',
          ([('cmrp.notify.data', [hexbytes(b'CMRP' + struct.pack('<IHH', 1, 0x0102, 0x0304)
                                           + b'C:\\Windows\\Cluster\\cmrpres.dll')])],
           4 + 8 + len('C:\\Windows\\Cluster\\cmrpres.dll')),
          select_key=True, why='the same, through the ApiAddNotifyResourceTypeV2 registration'),
    # ---- CLUSTER_OBJECT_TYPE_NETWORK_INTERFACE (V2_FILTERS[4]: NODE1 - Ethernet) ----
    notif(OT_NETINTERFACE, 0x2, 'CLUSTER_CHANGE_NETINTERFACE_COMMON_PROPERTY_V2',
          v2_key(OT_NETINTERFACE, 'nif'), (NIF1, '1', 'NODE1 - Ethernet', ''), 'PROPERTY_LIST',
          p_props([('Description', sz('interface one'))]),
          why='CLUSCTL_NETINTERFACE_SET_COMMON_PROPERTIES; ParentId the node\'s ID'),
    notif(OT_NETINTERFACE, 0x4, 'CLUSTER_CHANGE_NETINTERFACE_PRIVATE_PROPERTY_V2',
          v2_key(OT_NETINTERFACE, 'nif'), (NIF1, '1', 'NODE1 - Ethernet', ''), 'PROPERTY_LIST',
          p_props(ALL_SYNTAXES), why='CLUSCTL_NETINTERFACE_SET_PRIVATE_PROPERTIES'),
    # ---- CLUSTER_OBJECT_TYPE_NETWORK (V2_FILTERS[5]) ----
    notif(OT_NETWORK, 0x2, 'CLUSTER_CHANGE_NETWORK_COMMON_PROPERTY_V2', v2_key(OT_NETWORK),
          (NET1, '', 'Cluster Network 1', ''), 'PROPERTY_LIST',
          p_props([('Name', sz('Cluster Network 1'))]),
          why='ApiSetNetworkName(Cluster Network 1, same name) (handlers_core)'),
    notif(OT_NETWORK, 0x4, 'CLUSTER_CHANGE_NETWORK_PRIVATE_PROPERTY_V2', v2_key(OT_NETWORK),
          (NET1, '', 'Cluster Network 1', ''), 'PROPERTY_LIST', p_props(ALL_SYNTAXES),
          why='CLUSCTL_NETWORK_SET_PRIVATE_PROPERTIES'),
    # ---- CLUSTER_OBJECT_TYPE_NODE (V2_FILTERS[6]: every node) ----
    notif(OT_NODE, 0x2, 'CLUSTER_CHANGE_NODE_DELETED_V2', v2_key(OT_NODE),
          ('3', '', 'NODE3', ''), 'DWORD state', p_state('ClusterNodeUp (0)'),
          why='teardown: ApiEvictNode(NODE3), up when evicted'),
    notif(OT_NODE, 0x4, 'CLUSTER_CHANGE_NODE_COMMON_PROPERTY_V2', v2_key(OT_NODE),
          ('1', '', 'NODE1', ''), 'PROPERTY_LIST',
          p_props([('Description', sz('node one')), ('NodeWeight', dword(1))]),
          why='CLUSCTL_NODE_SET_COMMON_PROPERTIES with COMMON_PROPS["NODE"]'),
    notif(OT_NODE, 0x8, 'CLUSTER_CHANGE_NODE_PRIVATE_PROPERTY_V2', v2_key(OT_NODE),
          ('1', '', 'NODE1', ''), 'PROPERTY_LIST', p_props(ALL_SYNTAXES),
          why='CLUSCTL_NODE_SET_PRIVATE_PROPERTIES'),
    notif(OT_NODE, 0x10, 'CLUSTER_CHANGE_NODE_STATE_V2', v2_key(OT_NODE),
          ('2', '', 'NODE2', ''), 'DWORD state', p_state('ClusterNodePaused (2)'),
          why='ApiPauseNode(NODE2)'),
    notif(OT_NODE, 0x20, 'CLUSTER_CHANGE_NODE_GROUP_GAINED_V2', v2_key(OT_NODE),
          ('1', '', 'NODE1', ''), 'ID string', p_id(G_SQL),
          why='ApiPauseNodeEx(NODE2, drain): SQL Server (INST1) moves to NODE1'),
    notif(OT_NODE, 0x40, 'CLUSTER_CHANGE_NODE_GROUP_LOST_V2', v2_key(OT_NODE),
          ('2', '', 'NODE2', ''), 'ID string', p_id(G_SQL),
          why='ApiPauseNodeEx(NODE2, drain)'),
    # ---- CLUSTER_OBJECT_TYPE_REGISTRY (V2_FILTERS[7]: the root key; names relative to it) ----
    notif(OT_REGISTRY, 0x1, 'CLUSTER_CHANGE_REGISTRY_ATTRIBUTES_V2', v2_key(OT_REGISTRY, 'root'),
          ('', '', 'Cmrp\\Scenario', ''), 'empty', why='ApiSetKeySecurity(Cmrp\\Scenario)'),
    notif(OT_REGISTRY, 0x2, 'CLUSTER_CHANGE_REGISTRY_NAME_V2', v2_key(OT_REGISTRY, 'root'),
          ('', '', 'Cmrp\\Scenario', ''), 'empty',
          why='teardown: ApiDeleteKey(Cmrp\\Scenario\\Sub2) changes Cmrp\\Scenario'),
    notif(OT_REGISTRY, 0x8, 'CLUSTER_CHANGE_REGISTRY_VALUE_V2', v2_key(OT_REGISTRY, 'root'),
          ('SzValue', '', 'Cmrp\\Scenario', ''), 'empty',
          why='ApiSetValue(SzValue): ObjectId the value name (3.1.4.2.138)'),
    # ---- CLUSTER_OBJECT_TYPE_QUORUM (V2_FILTERS[8]) ----
    notif(OT_QUORUM, 0x1, 'CLUSTER_CHANGE_QUORUM_STATE_V2', v2_key(OT_QUORUM),
          (R_DISK1, G_CORE, 'Cluster Disk 1', 'Physical Disk'), 'DWORD state',
          p_state('ClusterResourceOnline (2)'),
          why='ApiSetQuorumResource(Cluster Disk 1), online; the mock sends the resource\'s '
              'group and type where 3.1.4.2.138 says NULL'),
    # ---- CLUSTER_OBJECT_TYPE_SHARED_VOLUME (V2_FILTERS[9]) ----
    notif(OT_SHARED_VOLUME, 0x1, 'CLUSTER_CHANGE_SHARED_VOLUME_STATE_V2', v2_key(OT_SHARED_VOLUME),
          (R_DISK1, '', 'Cluster Disk 1', ''), 'CSV state',
          (p_props([('SharedVolumeStateInfo', [(BINARY, CSV_STATE_INFO_EX)])], trailing=False)[0]
           + [('cmrp.notify.csv.volume_name', [CSV_VOLUME]),
              ('cmrp.notify.csv.node_name', ['NODE1']),
              ('cmrp.notify.csv.state', ['SharedVolumeStatePaused (1)']),
              ('cmrp.notify.csv.friendly_name', [CSV_FRIENDLY]),
              ('cmrp.notify.csv.redirected_reason', ['0x0000000000000000']),
              ('cmrp.notify.csv.block_redirected_reason', ['0x0000000000000000'])],
           p_props([('SharedVolumeStateInfo', [(BINARY, CSV_STATE_INFO_EX)])], trailing=False)[1]),
          why='CLUSCTL_RESOURCE_SET_CSV_MAINTENANCE_MODE on Cluster Disk 1 '
              '(cluster_model_ext._csv_event: no trailing ENDMARK)'),
    # ---- CLUSTER_OBJECT_TYPE_GROUPSET (V2_FILTERS[12]: Cluster Group set; [13]: every set).
    # 3.1.4.2.138 has no payload table for group sets: by analogy, the mock sends a PROPERTY_LIST
    # for property changes and nothing otherwise.
    notif(OT_GROUPSET, 0x1, 'CLUSTER_CHANGE_GROUPSET_DELETED_v2', v2_key(OT_GROUPSET),
          (GS_A, '', 'CMRP Set A', ''), 'empty', why='teardown: ApiDeleteGroupSet(CMRP Set A)'),
    notif(OT_GROUPSET, 0x2, 'CLUSTER_CHANGE_GROUPSET_COMMON_PROPERTY_V2',
          v2_key(OT_GROUPSET, 'groupset'), (GS_CORE, '', 'Cluster Group', ''), 'PROPERTY_LIST',
          p_props([('Description', sz('set one')), ('StartupDelay', dword(20)),
                   ('StartupCount', dword(0xffffffff))]),
          why='CLUSCTL_GROUPSET_SET_COMMON_PROPERTIES on the scenario\'s group set (Cluster '
              'Group), first through the registration targeted at it'),
    notif(OT_GROUPSET, 0x10, 'CLUSTER_CHANGE_GROUPSET_GROUP_ADDED', v2_key(OT_GROUPSET),
          (GS_A, '', 'CMRP Set A', ''), 'empty', why='ApiAddGroupToGroupSet(CMRP Set A)'),
    notif(OT_GROUPSET, 0x20, 'CLUSTER_CHANGE_GROUPSET_GROUP_REMOVED', v2_key(OT_GROUPSET),
          (GS_A, '', 'CMRP Set A', ''), 'empty', why='ApiRemoveGroupFromGroupSet'),
    notif(OT_GROUPSET, 0x40, 'CLUSTER_CHANGE_GROUPSET_DEPENDENCIES_V2', v2_key(OT_GROUPSET),
          (GS_A, '', 'CMRP Set A', ''), 'empty',
          why='ApiAddGroupSetDependency(CMRP Set A on CMRP Set B)'),
]

# payload kinds of notify_v2.tsv the corpus holds no notification of
NOTIFY_KIND_GAPS = {
    'DWORD cluster version': 'CLUSTER_CHANGE_CLUSTER_UPGRADED_V2: the mock never posts it',
}


def case_id(c):
    return '%s-%s%s' % (OBJECT_TYPE_NAMES[c['otype']][len('CLUSTER_OBJECT_TYPE_'):],
                        c['flag_name'], '-key%x' % c['key'] if c['select_key'] else '')


def find_notification(corpus, c):
    for rec in corpus.v2_notifications():
        if (rec.show('cmrp.notify.object_type') == [str(c['otype'])]
                and rec.show('cmrp.notify.filter') == ['0x%016x' % c['flag']]
                and rec.show('cmrp.notify.name') == [c['ids'][2]]
                and (not c['select_key'] or rec.show('cmrp.notify.key') == ['0x%016x' % c['key']])):
            return rec
    return None


@pytest.mark.parametrize('c', NOTIFY_CASES, ids=case_id)
def test_notification(corpus, c):
    rec = find_notification(corpus, c)
    assert rec is not None, 'no %s notification of "%s" in %s' % (c['flag_name'], c['ids'][2],
                                                                 corpus.path)
    where = 'frame %d %s (%s)' % (rec.num, c['flag_name'], c['why'])
    oid_, pid, name, typ = c['ids']
    expect = [('cmrp.notify.key', ['0x%016x' % c['key']]),
              ('cmrp.notify.object_type', ['%s (%d)' % (OBJECT_TYPE_NAMES[c['otype']], c['otype'])]),
              ('cmrp.notify.filter', ['%s (0x%08x)' % (c['flag_name'], c['flag'])]),
              ('cmrp.notify.buffer_size', [str(c['size'])]),
              ('cmrp.notify.object_id', [oid_]), ('cmrp.notify.parent_id', [pid]),
              ('cmrp.notify.name', [name]), ('cmrp.notify.type', [typ])]
    check_fields(rec, expect + c['payload'], where)
    # the payload decoder of its kind ran, and no other
    present = {m for m in ALL_MARKERS if rec.has(m)}
    assert present == MARKERS[c['kind']], '%s: payload fields %s' % (where, sorted(present))
    assert rec.experts() == [], where
    # the key links to the request that registered it on this port: an ApiAddNotifyV2 of this
    # object type (ApiAddNotifyResourceTypeV2 for 0x2ff) whose filter holds the flag
    reg = corpus.registration(c['key'], rec.num, V2_REGISTER)
    assert reg is not None, '%s: no registration of key 0x%x' % (where, c['key'])
    assert rec.show('cmrp.notify.registered_in') == [str(reg)], where
    req = corpus.pdus[reg]
    if c['key'] == RESTYPE_V2_KEY:
        assert req.method == 'ApiAddNotifyResourceTypeV2', where
    else:
        assert req.method == 'ApiAddNotifyV2', where
        assert req.show('cmrp.notify.object_type') == [str(c['otype'])], where
    assert int(req.show('cmrp.notify.filter_flags')[0], 16) & c['flag'], where


def load_notify_tsv():
    path = next((p for p in NOTIFY_TSV_CANDIDATES if os.path.exists(p)), None)
    if path is None:
        pytest.fail('notify_v2.tsv (MS-CMRP 3.1.4.2.138 payload table) is missing: %s'
                    % ' or '.join(NOTIFY_TSV_CANDIDATES))
    rows = []
    with open(path, encoding='utf-8') as f:
        header = f.readline().rstrip('\n').split('\t')
        for line in f:
            cols = dict(zip(header, line.rstrip('\n').split('\t')))
            ot = cols.get('object_type', '')
            try:
                otype = int(ot[ot.index('(') + 1:ot.index(')')], 16)
                flag = int(cols['value'], 16)
            except (ValueError, KeyError):
                continue
            rows.append({'otype': otype, 'flag': flag, 'name': cols['filter_flag'],
                         'returned': cols.get('returned_by_server_in_GetNotifyV2', ''),
                         'payload': cols.get('buffer_payload', '')})
    return rows


def corpus_pairs(corpus):
    return {(int(r.show('cmrp.notify.object_type')[0]), int(r.show('cmrp.notify.filter')[0], 16))
            for r in corpus.v2_notifications()}


def test_notification_cases_cover_the_corpus(corpus):
    """Every (object type, filter flag) pair of an ApiGetNotifyV2 answer has a case."""
    cased = {(c['otype'], c['flag']) for c in NOTIFY_CASES}
    missing = sorted(corpus_pairs(corpus) - cased)
    assert missing == [], 'notifications without a case: %s' % missing


def test_notification_kinds_cover_the_spec():
    """Every payload kind of MS-CMRP 3.1.4.2.138 (notify_v2.tsv, rows the server returns) has a
    case, or is a listed gap; each case has the kind and the flag name the table gives."""
    rows = load_notify_tsv()
    spec = {}
    for r in rows:
        kind = spec_kind(r['payload'])
        if r['returned'].startswith('Y') and kind is not None:
            spec[(r['otype'], r['flag'])] = (r['name'], kind)
    kinds = {k for _, k in spec.values()}
    cased = {c['kind'] for c in NOTIFY_CASES}
    assert sorted(kinds - cased - set(NOTIFY_KIND_GAPS)) == [], 'kinds without a case'
    assert sorted(set(NOTIFY_KIND_GAPS) & cased) == [], 'gaps that have a case now'
    assert sorted(cased - kinds) == [], 'case kinds the spec table does not define'
    for c in NOTIFY_CASES:
        pair = (c['otype'], c['flag'])
        if pair in spec:
            name, kind = spec[pair]
            assert (c['flag_name'], c['kind']) == (name, kind), case_id(c)
        else:      # group sets: 3.1.4.2.138 has no payload rule (notify_v2.tsv: '?')
            assert c['otype'] == OT_GROUPSET, case_id(c)


def test_notification_kind_gaps_are_real(corpus):
    """A gap lasts only while the corpus lacks it: regenerated captures holding it need a case."""
    kind_of = {(r['otype'], r['flag']): spec_kind(r['payload']) for r in load_notify_tsv()}
    seen = {kind_of.get(p) for p in corpus_pairs(corpus)}
    assert sorted(set(NOTIFY_KIND_GAPS) & seen) == []


def test_notification_kinds_match_coverage_py():
    """Our kinds refine tests/peer/coverage.py's (which counts the corpus for issue 5): each of
    its kinds has a case, and each notify_v2.tsv row falls in the same coarse kind both ways."""
    cov = peer_module('coverage')
    coarse = set()
    for r in load_notify_tsv():
        if not r['returned'].startswith('Y') or r['flag'] == 0:
            continue
        ours, theirs = spec_kind(r['payload']), cov.payload_kind(r['payload'])
        assert (KIND_COVERAGE.get(ours) if ours else None) == theirs, r['name']
        if theirs:
            coarse.add(theirs)
    cased = {KIND_COVERAGE[c['kind']] for c in NOTIFY_CASES}
    assert sorted(coarse - cased) == []


# ---------------------------------------------------------------------------------------------
# Version 1 notifications: ApiGetNotify answers and ApiGetNotifyAsync entries
#
# The v1 port (scenario.notify_setup): ApiAddNotifyCluster key 0x100 (additions, cluster state
# and properties), ApiAddNotifyNode 0x101 (NODE1: the scenario's "node2" handle does not exist
# yet), ...Group 0x102 (Available Storage), ...Resource 0x103 (Cluster Disk 1), ...Network 0x104
# (Cluster Network 1), ...NetInterface 0x105 (NODE1 - Ethernet), ApiAddNotifyKey 0x106 (the root
# key, subtree), then every ApiReAddNotify* again with the same key (the later registration).
# The mock names an object by its name, a registry key by its path under the watched key.

def v1(method, flag, flag_name, key, name, registered_by, seq=None, why=''):
    return {'method': method, 'flag': flag, 'flag_name': flag_name, 'key': key, 'name': name,
            'registered_by': registered_by, 'seq': seq, 'why': why}


V1_CASES = [
    v1('ApiGetNotify', 0x1000, 'CLUSTER_CHANGE_GROUP_STATE', 0x102, 'Available Storage',
       'ApiReAddNotifyGroup', seq=0,
       why='ApiReAddNotifyGroup with an outdated StateSequence: the group\'s state is posted at '
           'once (handlers_notify._readd_object), sequence 0: the first event of the port'),
    v1('ApiGetNotify', 0x8000, 'CLUSTER_CHANGE_GROUP_PROPERTY', 0x102, 'Available Storage',
       'ApiReAddNotifyGroup', seq=1,
       why='ApiSetGroupNodeList: the first change of the group (sequence 1)'),
    v1('ApiGetNotifyAsync', 0x1000, 'CLUSTER_CHANGE_GROUP_STATE', 0x102, 'Available Storage',
       'ApiReAddNotifyGroup', why='ApiOfflineGroup'),
    v1('ApiGetNotifyAsync', 0x8000, 'CLUSTER_CHANGE_GROUP_PROPERTY', 0x102, 'Available Storage',
       'ApiReAddNotifyGroup', why='ApiSetGroupNodeList'),
    v1('ApiGetNotifyAsync', 0x4000, 'CLUSTER_CHANGE_GROUP_ADDED', 0x100, 'CMRP Group A',
       'ApiAddNotifyCluster', why='ApiCreateGroup'),
    v1('ApiGetNotifyAsync', 0x400, 'CLUSTER_CHANGE_RESOURCE_ADDED', 0x100, 'CMRP Disk',
       'ApiAddNotifyCluster', why='ApiCreateResource'),
    v1('ApiGetNotifyAsync', 0x20000, 'CLUSTER_CHANGE_RESOURCE_TYPE_ADDED', 0x100, 'CMRP Type',
       'ApiAddNotifyCluster', why='ApiCreateResourceType'),
    v1('ApiGetNotifyAsync', 0x40000000, 'CLUSTER_CHANGE_CLUSTER_PROPERTY', 0x100, 'CMRPCLUS',
       'ApiAddNotifyCluster',
       why='ApiSetClusterName("CMRPCLUSTER"): the new name waits for the Cluster Name resource '
           'to come online; the event names the cluster by its current name'),
    v1('ApiGetNotifyAsync', 0x800000, 'CLUSTER_CHANGE_NETWORK_PROPERTY', 0x104,
       'Cluster Network 1', 'ApiReAddNotifyNetwork', why='ApiSetNetworkName'),
    v1('ApiGetNotifyAsync', 0x40, 'CLUSTER_CHANGE_REGISTRY_VALUE', 0x106, 'Cmrp\\Scenario',
       'ApiAddNotifyKey', why='ApiSetValue under Cmrp\\Scenario, watched with its subtree'),
    v1('ApiGetNotifyAsync', 0x800, 'CLUSTER_CHANGE_RESOURCE_PROPERTY', 0x103, 'Cluster Disk 1',
       'ApiReAddNotifyResource', why='CLUSCTL_RESOURCE_SET_COMMON_PROPERTIES'),
    v1('ApiGetNotifyAsync', 0x8, 'CLUSTER_CHANGE_NODE_PROPERTY', 0x101, 'NODE1',
       'ApiReAddNotifyNode', why='CLUSCTL_NODE_SET_COMMON_PROPERTIES'),
    v1('ApiGetNotifyAsync', 0x8000000, 'CLUSTER_CHANGE_NETINTERFACE_PROPERTY', 0x105,
       'NODE1 - Ethernet', 'ApiReAddNotifyNetInterface',
       why='CLUSCTL_NETINTERFACE_SET_COMMON_PROPERTIES'),
]


@pytest.mark.parametrize('c', V1_CASES,
                         ids=lambda c: '%s-%s' % (c['method'], c['flag_name'][len('CLUSTER_CHANGE_'):]))
def test_v1_notification(corpus, c):
    rec = None
    for method, r in corpus.v1_events():
        if (method == c['method'] and r.show('cmrp.notify.change') == ['0x%08x' % c['flag']]
                and r.show('cmrp.notify.name') == [c['name']]):
            rec = r
            break
    assert rec is not None, 'no %s %s of "%s"' % (c['method'], c['flag_name'], c['name'])
    where = 'frame %d %s (%s)' % (rec.num, c['flag_name'], c['why'])
    expect = [('cmrp.notify.key', ['0x%016x' % c['key']]),
              ('cmrp.notify.change', ['0x%08x, %s' % (c['flag'], c['flag_name'])]),
              ('cmrp.notify.name', [c['name']])]
    if c['seq'] is not None:
        expect.append(('cmrp.dwstatesequence', [str(c['seq'])]))
    check_fields(rec, expect, where)
    reg = corpus.registration(c['key'], rec.num, V1_REGISTER)
    assert reg is not None and corpus.pdus[reg].method == c['registered_by'], (where, reg)
    assert rec.show('cmrp.notify.registered_in') == [str(reg)], where


def test_v1_cases_cover_the_corpus(corpus):
    """Every CLUSTER_CHANGE flag an ApiGetNotify(Async) answer carries has a case, per method."""
    seen = {(m, int(r.show('cmrp.notify.change')[0], 16)) for m, r in corpus.v1_events()}
    cased = {(c['method'], c['flag']) for c in V1_CASES}
    assert sorted(seen - cased) == []
    assert len(seen) >= 3


# ---------------------------------------------------------------------------------------------
# Registry values: ApiSetValue, ApiQueryValue, ApiEnumValue (3.1.4.2.33, 35, 37)
#
# scenario.Scenario.REG_VALUES, written to Cmrp\Scenario in this order, then read back with
# ApiQueryValue(cbData = max(len, 4)) and enumerated with ApiEnumValue(dwIndex, lpcbData 256);
# the mock answers the value's data zero-padded to cbData, lpcbRequired its length, TotalSize
# the name's bytes (NUL included) plus the data's (handlers_registry).

REG_VALUE_FIELDS = ('cmrp.reg.sz', 'cmrp.reg.dword', 'cmrp.reg.qword', 'cmrp.reg.binary',
                    'cmrp.reg.data', 'cmrp.reg.unused')
REG_TYPE_NAMES = {0: 'REG_NONE', 1: 'REG_SZ', 2: 'REG_EXPAND_SZ', 3: 'REG_BINARY', 4: 'REG_DWORD',
                  5: 'REG_DWORD_BIG_ENDIAN', 6: 'REG_LINK', 7: 'REG_MULTI_SZ', 11: 'REG_QWORD'}


def wz(s):
    return (s + '\0').encode('utf-16-le')


def reg_value(vtype, data):
    """The registry fields of value data of type vtype (MS-RRP 2.2.6 types)."""
    out = {f: [] for f in REG_VALUE_FIELDS}
    if not data:
        return out
    if vtype in (1, 2):
        out['cmrp.reg.sz'] = [data.decode('utf-16-le').split('\0')[0]]
    elif vtype == 7:
        out['cmrp.reg.sz'] = [s for s in data.decode('utf-16-le').split('\0') if s]
    elif vtype == 4:
        out['cmrp.reg.dword'] = [str(struct.unpack('<I', data)[0])]
    elif vtype == 11:
        out['cmrp.reg.qword'] = [str(struct.unpack('<Q', data)[0])]
    elif vtype == 3:
        out['cmrp.reg.binary'] = [hexbytes(data)]
    else:
        out['cmrp.reg.data'] = [hexbytes(data)]
    return out


REG_CASES = [
    # (value name, type, data as scenario.py writes it)
    ('SzValue', 1, wz('cluster string')),
    ('ExpandSzValue', 2, wz('%SystemRoot%\\Cluster')),          # not expanded: stored as is
    ('MultiSzValue', 7, wz('alpha') + wz('beta') + wz('gamma') + b'\0\0'),
    ('DwordValue', 4, struct.pack('<I', 0xdeadbeef)),
    ('QwordValue', 11, struct.pack('<Q', 0x0102030405060708)),
    ('BinaryValue', 3, bytes(range(0, 256, 7))),
    ('NoneValue', 0, b''),
]
# the types the brief and MS-CMRP 3.1.4.2.33 name for ApiSetValue, and REG_NONE
REG_TYPES_REQUIRED = {'REG_SZ', 'REG_EXPAND_SZ', 'REG_MULTI_SZ', 'REG_DWORD', 'REG_QWORD',
                      'REG_BINARY', 'REG_NONE'}
REG_BUGS = {}   # fixed: the value is lpcbRequired bytes long (3.1.4.2.35)


def first(pdus, pred):
    return next((p for p in pdus if pred(p)), None)


def reg_frames(corpus, name, vtype, data):
    """method -> (frame, expected fields) of the three calls of value `name`."""
    tn = REG_TYPE_NAMES[vtype]
    typed = sorted(reg_value(vtype, data).items())
    out = {}
    req = first(corpus.calls('ApiSetValue'), lambda p: p.show('cmrp.lpvaluename') == [name])
    out['ApiSetValue'] = (req, [('cmrp.reg.type', ['%s (%d)' % (tn, vtype)]),
                                ('cmrp.cbdata', [str(len(data))]),
                                ('cmrp.lpdata', [hexbytes(data)])] + typed)
    cb = max(len(data), 4)
    req = first(corpus.calls('ApiQueryValue'), lambda p: p.show('cmrp.lpvaluename') == [name]
                and p.show('cmrp.cbdata') == [str(cb)])
    q = reg_value(vtype, data)
    if cb > len(data):
        q['cmrp.reg.unused'] = [hexbytes(b'\0' * (cb - len(data)))]
    out['ApiQueryValue'] = (req and corpus.response_of(req),
                            [('cmrp.reg.type', ['%s (%d)' % (tn, vtype)]),
                             ('cmrp.lpdata', [hexbytes(data + b'\0' * (cb - len(data)))]),
                             ('cmrp.lpcbrequired', [str(len(data))]),
                             ('cmrp.rc', ['0x00000000'])] + sorted(q.items()))
    rsp = first(corpus.calls('ApiEnumValue', response=True),
                lambda p: p.show('cmrp.lpvaluename') == [name] and p.show('cmrp.rc') == ['0x00000000'])
    out['ApiEnumValue'] = (rsp, [('cmrp.reg.type', ['%s (%d)' % (tn, vtype)]),
                                 ('cmrp.lpcbdata', [str(len(data))]),
                                 ('cmrp.totalsize', [str(wlen(name) + len(data))])] + typed)
    return out


REG_PARAMS = [pytest.param(name, vtype, data, method, id='%s-%s' % (REG_TYPE_NAMES[vtype], method),
                           marks=[pytest.mark.xfail(strict=True, reason=REG_BUGS[(name, method)])]
                           if (name, method) in REG_BUGS else [])
              for name, vtype, data in REG_CASES
              for method in ('ApiSetValue', 'ApiQueryValue', 'ApiEnumValue')]


@pytest.mark.parametrize('name,vtype,data,method', REG_PARAMS)
def test_registry_value(corpus, name, vtype, data, method):
    rec, expect = reg_frames(corpus, name, vtype, data)[method]
    assert rec is not None, 'no %s of %s' % (method, name)
    check_fields(rec, expect, 'frame %d %s %s' % (rec.num, method, name))
    assert not rec.malformed(), rec.experts()


def test_registry_cases_are_the_scenarios(corpus):
    """The table is what scenario.py writes, covers the required types, and every type an
    ApiSetValue of the corpus carries."""
    assert [(n, t, bytes(d)) for n, t, d in scenario.Scenario.REG_VALUES] == REG_CASES
    cased = {REG_TYPE_NAMES[t] for _, t, _ in REG_CASES}
    assert REG_TYPES_REQUIRED <= cased
    seen = {int(p.show('cmrp.reg.type')[0]) for p in corpus.calls('ApiSetValue')}
    assert sorted(REG_TYPE_NAMES.get(t, t) for t in seen) == sorted(cased)


# ---------------------------------------------------------------------------------------------
# CLUSTER_REG_BATCH_UPDATE (2.2.3.17): every command of every batch of the corpus
#
# BATCH_UPDATE_COMMAND (2.2.3.18): CommandType, ValueType (a registry type for SET_VALUE and
# READ_VALUE, a status for READ_ERROR, ignored otherwise), NameLength (the NUL-terminated name's
# bytes), Name (a key name for the key commands, else a value name), DataLength, Data, one pad
# byte after odd data. Registry types of the data: MS-RRP 2.2.6.

CMD = {1: 'CLUSREG_SET_VALUE', 2: 'CLUSREG_CREATE_KEY', 3: 'CLUSREG_DELETE_KEY',
       4: 'CLUSREG_DELETE_VALUE', 6: 'CLUSREG_VALUE_DELETED', 7: 'CLUSREG_READ_KEY',
       8: 'CLUSREG_READ_VALUE', 9: 'CLUSREG_READ_ERROR', 10: 'CLUSREG_CONTROL_COMMAND',
       11: 'CLUSREG_CONDITION_EXISTS', 12: 'CLUSREG_CONDITION_NOT_EXISTS',
       13: 'CLUSREG_CONDITION_IS_EQUAL', 14: 'CLUSREG_CONDITION_IS_NOT_EQUAL',
       15: 'CLUSREG_CONDITION_IS_GREATER_THAN', 16: 'CLUSREG_CONDITION_IS_LESS_THAN',
       17: 'CLUSREG_CONDITION_KEY_EXISTS', 18: 'CLUSREG_CONDITION_KEY_NOT_EXISTS'}
KEY_COMMANDS = {2, 3, 7, 17, 18}
TYPED_COMMANDS = {1, 6, 8, 13, 14, 15, 16}       # Data is a value of type ValueType
BATCH_FIELDS = ('cmrp.batch.value_type', 'cmrp.batch.status', 'cmrp.batch.control',
                'cmrp.batch.key_name', 'cmrp.batch.value_name', 'cmrp.batch.data',
                'cmrp.batch.padding')
ERROR_FILE_NOT_FOUND = 2
dw = lambda v: struct.pack('<I', v)  # noqa: E731
qw = lambda v: struct.pack('<Q', v)  # noqa: E731


def bc(ctype, name, vtype=0, data=b'', control=None, bug=None):
    """The fields of one command; `vtype` is the ValueType field (a status for READ_ERROR),
    `control` the value of a CLUSREG_CONTROL_COMMAND."""
    f = {k: [] for k in BATCH_FIELDS}
    if ctype == 10:
        # the (ignored) ValueType is still shown as it is on the wire, like other commands'
        f['cmrp.batch.control'] = [control]
        f['cmrp.batch.value_type'] = ['%s (%d)' % (REG_TYPE_NAMES[vtype], vtype)]
    elif ctype == 9:
        f['cmrp.batch.status'] = ['ERROR_FILE_NOT_FOUND (2)' if vtype == ERROR_FILE_NOT_FOUND
                                  else str(vtype)]
    else:
        f['cmrp.batch.value_type'] = ['%s (%d)' % (REG_TYPE_NAMES[vtype], vtype)]
    f['cmrp.batch.key_name' if ctype in KEY_COMMANDS else 'cmrp.batch.value_name'] = [name]
    if data:
        f['cmrp.batch.data'] = [hexbytes(data)]
    if len(data) % 2:
        f['cmrp.batch.padding'] = ['00']
    typed = reg_value(vtype, data) if ctype in TYPED_COMMANDS else reg_value(0, b'')
    expect = ([('cmrp.batch.command_type', ['%s (%d)' % (CMD[ctype], ctype)]),
               ('cmrp.batch.name_length', [str(wlen(name))]),
               ('cmrp.batch.data_length', [str(len(data))])]
              + sorted(f.items()) + sorted(typed.items()))
    return {'type': ctype, 'name': name, 'expect': expect, 'bug': bug}


# CLUSREG_CONTROL_COMMAND: "A value of 1 indicates to synchronize the registry write to all
# nodes" (2.2.2.8); ValueType is ignored for it (2.2.3.18), so the value travels in Data:
# scenario.batches sends (10, None, 0, dw(1)): ValueType 0, Name "", Data 01 00 00 00.


# scenario.batches, in order. The mock (handlers_registry) executes SET_VALUE, CREATE_KEY,
# DELETE_KEY and DELETE_VALUE (3.1.4.2.112); SET_VALUE after a DELETE_KEY with no CREATE_KEY
# fails (pdwFailedCommand 2), so does any other command (the control command: 1).
EXECUTE_1 = [bc(2, 'Sub'), bc(1, 'BatchSz', 1, wz('odd')), bc(1, 'BatchBin', 3, b'\x01\x02\x03'),
             bc(1, 'BatchMulti', 7, wz('x') + wz('y') + b'\0\0'), bc(1, 'BatchQword', 11, qw(1 << 40)),
             bc(1, '', 4, dw(7)), bc(4, 'BatchSz'), bc(3, 'Sub'), bc(2, 'Sub2'),
             bc(1, 'Kept', 4, dw(1))]
EXECUTE_2 = [bc(3, 'Sub2'), bc(1, 'Never', 4, dw(0))]
EXECUTE_3 = [bc(10, '', 0, dw(1), control='CLUSREG_DATABASE_SYNC_WRITE_TO_ALL_NODES (1)',
                bug=None),
             bc(17, 'Sub2'), bc(18, 'Missing'), bc(11, 'DwordValue'),
             bc(12, 'Missing'), bc(13, 'DwordValue', 4, dw(0xdeadbeef)),
             bc(14, 'DwordValue', 4, dw(1)), bc(15, 'DwordValue', 4, dw(2)),
             bc(16, 'DwordValue', 4, dw(0xffffffff)), bc(1, 'Guarded', 4, dw(3))]
READ_IN = [bc(7, ''), bc(8, 'SzValue'), bc(8, 'DwordValue'), bc(8, 'MultiSzValue'),
           bc(8, 'NoSuchValue'), bc(7, 'Sub2'), bc(8, 'Kept'), bc(8, 'X')]
# the read answer (handlers_registry.execute_read_batch): READ_KEY echoed, each READ_VALUE
# answered with the value's type and data (Cmrp\Scenario's values of REG_CASES; Sub2\Kept of
# EXECUTE_1, kept since EXECUTE_2 rolled back) or READ_ERROR with ERROR_FILE_NOT_FOUND
READ_OUT = [bc(7, ''), bc(8, 'SzValue', 1, wz('cluster string')),
            bc(8, 'DwordValue', 4, dw(0xdeadbeef)),
            bc(8, 'MultiSzValue', 7, wz('alpha') + wz('beta') + wz('gamma') + b'\0\0'),
            bc(9, 'NoSuchValue', ERROR_FILE_NOT_FOUND), bc(7, 'Sub2'), bc(8, 'Kept', 4, dw(1)),
            bc(9, 'X', ERROR_FILE_NOT_FOUND)]
# the batch port on Cmrp\Scenario (handlers_registry.changed): the log of EXECUTE_1 (a deleted
# value first posted as VALUE_DELETED with its old type and data), then ApiSetValue(Watched,
# DWORD 1), then ApiDeleteValue(Watched)
NOTIFY_1 = (EXECUTE_1[:6] + [bc(6, 'BatchSz', 1, wz('odd')), bc(4, 'BatchSz'), bc(3, 'Sub'),
                             bc(2, 'Sub2'), bc(1, 'Kept', 4, dw(1))])
NOTIFY_2 = [bc(1, 'Watched', 4, dw(1))]
NOTIFY_3 = [bc(6, 'Watched', 4, dw(1)), bc(4, 'Watched')]

BATCHES = [
    # (method, response?, nth batch of that method and direction, commands, pdwFailedCommand, rc)
    ('ApiExecuteBatch', False, 0, EXECUTE_1, '0', '0x00000000'),
    ('ApiExecuteBatch', False, 1, EXECUTE_2, '2', '0x00000057'),
    ('ApiExecuteBatch', False, 2, EXECUTE_3, '1', '0x00000057'),
    ('ApiExecuteReadBatch', False, 0, READ_IN, None, None),
    ('ApiExecuteReadBatch', True, 0, READ_OUT, None, '0x00000000'),
    ('ApiExecuteReadBatchEx', False, 0, READ_IN, None, None),
    ('ApiExecuteReadBatchEx', True, 0, READ_OUT, None, '0x00000000'),
    ('ApiGetBatchNotification', True, 0, NOTIFY_1, None, '0x00000000'),
    ('ApiGetBatchNotification', True, 1, NOTIFY_2, None, '0x00000000'),
    ('ApiGetBatchNotification', True, 2, NOTIFY_3, None, '0x00000000'),
]


def batch_id(b):
    return '%s-%s%d' % (b[0], 'out' if b[1] else 'in', b[2])


def batch_pdus(corpus, method, response):
    return [p for p in corpus.calls(method, response) if p.has('cmrp.batch.version')]


def batch_commands(corpus, method, response, nth):
    pdus = batch_pdus(corpus, method, response)
    assert len(pdus) > nth, 'the corpus has %d %s batches' % (len(pdus), method)
    return pdus[nth], pdus[nth].subtrees(name='cmrp.batch.command')


@pytest.mark.parametrize('b', BATCHES, ids=batch_id)
def test_batch(corpus, b):
    method, response, nth, commands, failed, rc = b
    pdu, recs = batch_commands(corpus, method, response, nth)
    where = 'frame %d %s' % (pdu.num, batch_id(b))
    assert pdu.show('cmrp.batch.version') == ['1'], where
    assert pdu.show('cmrp.batch.command_count') == [str(len(commands))], where
    assert [r.display('cmrp.batch.command_type') for r in recs] == [
        ['%s (%d)' % (CMD[c['type']], c['type'])] for c in commands], where
    assert not pdu.malformed(), (where, pdu.experts())
    if failed is not None:       # ApiExecuteBatch: the answer's pdwFailedCommand and status
        rsp = corpus.response_of(pdu)
        assert rsp.show('cmrp.pdwfailedcommand') == [failed], where
        assert rsp.show('cmrp.rc') == [rc], where
    elif rc is not None:
        assert pdu.show('cmrp.rc') == [rc], where


BATCH_PARAMS = [pytest.param(b, i, id='%s-%d-%s' % (batch_id(b), i + 1, CMD[c['type']][8:]),
                             marks=[pytest.mark.xfail(strict=True, reason=c['bug'])] if c['bug'] else [])
                for b in BATCHES for i, c in enumerate(b[3])]


@pytest.mark.parametrize('b,i', BATCH_PARAMS)
def test_batch_command(corpus, b, i):
    method, response, nth, commands = b[:4]
    pdu, recs = batch_commands(corpus, method, response, nth)
    c = commands[i]
    check_fields(recs[i], c['expect'], 'frame %d %s command %d' % (pdu.num, batch_id(b), i + 1))
    assert recs[i].experts() == []


def idl_enum(name):
    """{member: value} of `typedef enum _<name> {...} <name>;` in idl/types.idl."""
    text = open(TYPES_IDL, encoding='utf-8').read()
    m = re.search(r'enum\s+_%s\s*\{(.*?)\}\s*%s\s*;' % (name, name), text, re.S)
    assert m, name
    return {k: int(v, 0) for k, v in re.findall(r'(\w+)\s*=\s*(0x[0-9a-fA-F]+|\d+)', m.group(1))}


def test_batch_command_types_complete(corpus):
    """The tables hold every CLUSTER_REG_BATCH_COMMAND (2.2.2.8), and every batch of the corpus."""
    spec = idl_enum('CLUSTER_REG_BATCH_COMMAND')
    assert {v: k for k, v in spec.items()} == CMD
    cased = {c['type'] for b in BATCHES for c in b[3]}
    assert sorted(set(spec.values()) - cased) == []
    for method, response in {(b[0], b[1]) for b in BATCHES}:
        n = sum(1 for b in BATCHES if (b[0], b[1]) == (method, response))
        assert len(batch_pdus(corpus, method, response)) == n, (method, response)
    for method in ('ApiExecuteBatch', 'ApiExecuteReadBatch', 'ApiExecuteReadBatchEx',
                   'ApiGetBatchNotification'):
        assert {(method, r) for r in (False, True) if batch_pdus(corpus, method, r)} <= \
            {(b[0], b[1]) for b in BATCHES}


# ---------------------------------------------------------------------------------------------
# Enumerations: ENUM_ENTRY.Type names (2.2.3.4) of every enumeration method

NODES = ['NODE1', 'NODE2', 'NODE3']                      # cluster_state, ids '1'..'3'
# cluster_state's types, then the two cluster_model_ext._add_types appends
RESTYPES = ['Physical Disk', 'IP Address', 'Network Name', 'SQL Server', 'SQL Server Agent',
            'Generic Service', 'Generic Application', 'File Share Witness', 'Storage Pool',
            'Distributed Network Name', 'IPv6 Address', 'MSMQ', 'Storage Replica', 'Cloud Witness']
RESOURCES = ['Cluster IP Address', 'Cluster Name', 'Cluster Disk 1', 'Cluster Disk 2',
             'Cluster Pool 1', 'SQL IP Address 1 (INST1)', 'Network Name', 'Cluster Disk 3',
             'SQL Server (INST1)', 'SQL Server Agent (INST1)']
GROUPS = ['Cluster Group', 'Available Storage', 'SQL Server (INST1)']
NETWORKS = ['Cluster Network 1', 'Cluster Network 2']
NETIFS = ['%s - %s' % (n, a) for n in NODES for a in ('Ethernet', 'Ethernet 2')]
IDS = {'node': {n: str(i) for i, n in enumerate(NODES, 1)}}


def ident(kind, name):
    if kind == 'node':
        return IDS['node'][name]
    if kind == 'restype':
        return name                                      # a resource type's ID is its name
    return oid(kind, name)


CLUSTER_ENUM = idl_enum('CLUSTER_ENUM')


def ce(bit, kind, names):
    """ApiCreateEnum(Ex) entries of one CLUSTER_ENUM bit: [(type shown, kind, name)]."""
    name = {v: k for k, v in CLUSTER_ENUM.items()}[bit]
    return [('%s (0x%08x)' % (name, bit), kind, n) for n in names]


def ent(type_name, value, names, kind=None):
    return [('%s (0x%08x)' % (type_name, value), kind, n) for n in names]


ALL_0x3F = (ce(0x1, 'node', NODES) + ce(0x2, 'restype', RESTYPES) + ce(0x4, 'resource', RESOURCES)
            + ce(0x8, 'group', GROUPS) + ce(0x10, 'network', NETWORKS)
            + ce(0x20, 'netinterface', NETIFS))


def enum_case(method, select, entries, ex=False, why=''):
    """The first `method` request whose fields show `select` ({field: raw value}), its answer's
    entries [(type shown, id kind, name)]; ex: ApiCreate*EnumEx, a ReturnIdEnum of IDs and a
    ReturnNameEnum of names."""
    return {'method': method, 'select': select, 'entries': entries, 'ex': ex, 'why': why}


ENUM_CASES = [
    # ApiCreateEnum, one bit at a time then together (scenario.enumerate), before any change
    enum_case('ApiCreateEnum', {'cmrp.enum_type': '0x00000001'}, ce(0x1, 'node', NODES)),
    enum_case('ApiCreateEnum', {'cmrp.enum_type': '0x00000002'}, ce(0x2, 'restype', RESTYPES)),
    enum_case('ApiCreateEnum', {'cmrp.enum_type': '0x00000004'}, ce(0x4, 'resource', RESOURCES)),
    enum_case('ApiCreateEnum', {'cmrp.enum_type': '0x00000008'}, ce(0x8, 'group', GROUPS)),
    enum_case('ApiCreateEnum', {'cmrp.enum_type': '0x00000010'}, ce(0x10, 'network', NETWORKS)),
    enum_case('ApiCreateEnum', {'cmrp.enum_type': '0x00000020'}, ce(0x20, 'netinterface', NETIFS)),
    enum_case('ApiCreateEnum', {'cmrp.enum_type': '0x0000003f'}, ALL_0x3F,
              why='handlers_core.cluster_entries: bit by bit, low to high'),
    enum_case('ApiCreateEnum', {'cmrp.enum_type': '0x40000000'}, [],
              why='no resource of the mock is a cluster shared volume'),
    enum_case('ApiCreateEnum', {'cmrp.enum_type': '0x80000000'},
              ce(0x80000000, 'network', NETWORKS),
              why='internal networks: Role & 1 (Cluster Network 1 role 3, 2 role 1)'),
    # ApiCreateEnumEx: IDs, then names
    enum_case('ApiCreateEnumEx', {'cmrp.enum_type': '0x00000001'}, ce(0x1, 'node', NODES), True),
    enum_case('ApiCreateEnumEx', {'cmrp.enum_type': '0x00000002'}, ce(0x2, 'restype', RESTYPES), True),
    enum_case('ApiCreateEnumEx', {'cmrp.enum_type': '0x00000004'}, ce(0x4, 'resource', RESOURCES), True),
    enum_case('ApiCreateEnumEx', {'cmrp.enum_type': '0x00000008'}, ce(0x8, 'group', GROUPS), True),
    enum_case('ApiCreateEnumEx', {'cmrp.enum_type': '0x00000010'}, ce(0x10, 'network', NETWORKS), True),
    enum_case('ApiCreateEnumEx', {'cmrp.enum_type': '0x00000020'},
              ce(0x20, 'netinterface', NETIFS), True),
    # object enumerations (the objects the scenario opened: the first by name)
    enum_case('ApiCreateNodeEnum', {'cmrp.object_name': 'NODE1', 'cmrp.node_enum_type': '0x00000001'},
              ent('CLUSTER_NODE_ENUM_NETINTERFACES', 1, NETIFS[:2], 'netinterface')),
    enum_case('ApiCreateNodeEnum', {'cmrp.object_name': 'NODE1', 'cmrp.node_enum_type': '0x00000002'},
              ent('CLUSTER_NODE_ENUM_GROUPS', 2, GROUPS[:2], 'group'),
              why='before ApiPauseNodeEx moved SQL Server (INST1) from NODE2 to NODE1'),
    enum_case('ApiCreateNodeEnumEx', {'cmrp.object_name': 'NODE1', 'cmrp.node_enum_type': '0x00000003'},
              ent('CLUSTER_NODE_ENUM_NETINTERFACES', 1, NETIFS[:2], 'netinterface')
              + ent('CLUSTER_NODE_ENUM_GROUPS', 2, GROUPS[:2], 'group'), True),
    enum_case('ApiCreateGroupResourceEnum',
              {'cmrp.object_name': 'Available Storage', 'cmrp.group_enum_type': '0x00000001'},
              ent('CLUSTER_GROUP_ENUM_CONTAINS', 1, ['Cluster Disk 2', 'Cluster Pool 1'])),
    enum_case('ApiCreateGroupResourceEnum',
              {'cmrp.object_name': 'Available Storage', 'cmrp.group_enum_type': '0x00000002'},
              ent('CLUSTER_GROUP_ENUM_NODES', 2, NODES), why='preferred owners: every node'),
    enum_case('ApiCreateResEnum',
              {'cmrp.object_name': 'Cluster Disk 1', 'cmrp.resource_enum_type': '0x00000001'}, [],
              why='Cluster Disk 1 depends on nothing'),
    enum_case('ApiCreateResEnum',
              {'cmrp.object_name': 'Cluster Disk 1', 'cmrp.resource_enum_type': '0x00000002'}, [],
              why='nothing depends on Cluster Disk 1'),
    enum_case('ApiCreateResEnum',
              {'cmrp.object_name': 'Cluster Disk 1', 'cmrp.resource_enum_type': '0x00000004'},
              ent('CLUSTER_RESOURCE_ENUM_NODES', 4, NODES),
              why='no possible owners set: every node (handlers_resource.create_res_enum)'),
    enum_case('ApiCreateNetworkEnum',
              {'cmrp.object_name': 'Cluster Network 1', 'cmrp.network_enum_type': '0x00000001'},
              ent('CLUSTER_NETWORK_ENUM_NETINTERFACES', 1, NETIFS[0::2])),
    enum_case('ApiCreateResTypeEnum',
              {'cmrp.lpsztypename': 'Physical Disk', 'cmrp.restype_enum_type': '0x00000002'},
              ent('CLUSTER_RESOURCE_TYPE_ENUM_RESOURCES', 2,
                  ['Cluster Disk 1', 'Cluster Disk 2', 'Cluster Disk 3'])),
    enum_case('ApiCreateResTypeEnum',
              {'cmrp.lpsztypename': 'Network Name', 'cmrp.restype_enum_type': '0x00000002'},
              ent('CLUSTER_RESOURCE_TYPE_ENUM_RESOURCES', 2, ['Cluster Name', 'Network Name'])),
    enum_case('ApiCreateResTypeEnum',
              {'cmrp.lpsztypename': 'Physical Disk', 'cmrp.restype_enum_type': '0x00000001'},
              ent('CLUSTER_RESOURCE_TYPE_ENUM_NODES', 1, NODES)),
    enum_case('ApiCreateNetInterfaceEnum', {'cmrp.lpsznodename': 'NODE1'},
              ce(0x20, 'netinterface', ['NODE1 - Ethernet']),
              why='node NODE1 on Cluster Network 1'),
    enum_case('ApiCreateNetInterfaceEnum', {'cmrp.lpsznodename': ''},
              ce(0x20, 'netinterface', NETIFS), why='no filter'),
    enum_case('ApiCreateGroupSetEnum', {}, [('0x00000000', None, 'Cluster Group'),
                                            ('0x00000000', None, 'SQL Set')],
              why='ENUM_ENTRY (2.2.3.4) names no type for group sets; the mock sends 0'),
]

# ENUM_ENTRY types (idl/types.idl, 2.2.3.4) of which the corpus holds no entry
ENUM_TYPE_GAPS = {
    ('CLUSTER_ENUM', 'CLUSTER_ENUM_SHARED_VOLUME_RESOURCE'):
        'the mock has no cluster shared volume resource',
    ('CLUSTER_RESOURCE_ENUM', 'CLUSTER_RESOURCE_ENUM_DEPENDS'):
        'the scenario enumerates Cluster Disk 1, which has no dependency',
    ('CLUSTER_RESOURCE_ENUM', 'CLUSTER_RESOURCE_ENUM_PROVIDES'):
        'nothing depends on Cluster Disk 1',
}
ENUM_FAMILIES = {   # method -> the enumeration of its ENUM_ENTRY.Type (2.2.3.4)
    'ApiCreateEnum': 'CLUSTER_ENUM', 'ApiCreateEnumEx': 'CLUSTER_ENUM',
    'ApiCreateResEnum': 'CLUSTER_RESOURCE_ENUM', 'ApiCreateGroupResourceEnum': 'CLUSTER_GROUP_ENUM',
    'ApiCreateNetworkEnum': 'CLUSTER_NETWORK_ENUM', 'ApiCreateNodeEnum': 'CLUSTER_NODE_ENUM',
    'ApiCreateNodeEnumEx': 'CLUSTER_NODE_ENUM', 'ApiCreateResTypeEnum': 'CLUSTER_RESOURCE_TYPE_ENUM',
    'ApiCreateNetInterfaceEnum': 'CLUSTER_ENUM', 'ApiCreateGroupSetEnum': None,
}


def enum_request(corpus, c):
    def match(p):
        for field, want in c['select'].items():
            if want not in p.show(field):
                return False
        return True
    return first(corpus.calls(c['method']), match)


def enum_lists(rsp):
    return {r.fields[0][1].split(' ')[0]: r for r in rsp.subtrees(prefix='Return')}


def check_enum_list(rec, entries, where):
    check_fields(rec, [('cmrp.enum_list.entrycount', [str(len(entries))]),
                       ('cmrp.enum_entry.type', [t for t, _, _ in entries]),
                       ('cmrp.enum_entry.name', [n for _, _, n in entries])], where)


@pytest.mark.parametrize('c', ENUM_CASES, ids=lambda c: '%s-%s' % (
    c['method'], '-'.join(v or '(empty)' for v in c['select'].values()) or 'all'))
def test_enum_entries(corpus, c):
    req = enum_request(corpus, c)
    assert req is not None, 'no %s request with %s' % (c['method'], c['select'])
    rsp = corpus.response_of(req)
    where = 'frame %d %s %s (%s)' % (rsp.num, c['method'], c['select'], c['why'])
    lists = enum_lists(rsp)
    if c['ex']:
        assert sorted(lists) == ['ReturnIdEnum', 'ReturnNameEnum'], where
        check_enum_list(lists['ReturnIdEnum'],
                        [(t, k, ident(k, n)) for t, k, n in c['entries']], where + ' ids')
        check_enum_list(lists['ReturnNameEnum'], c['entries'], where + ' names')
    else:
        assert sorted(lists) == ['ReturnEnum'], where
        check_enum_list(lists['ReturnEnum'], c['entries'], where)
    assert rsp.show('cmrp.rc') == ['0x00000000'], where
    assert not rsp.malformed(), where


def test_enum_types_complete(corpus):
    """Every ENUM_ENTRY type of every enumeration method is asserted by a case, or is a gap the
    corpus really lacks; every enumeration method of the corpus has a case."""
    want = set()
    for method, family in ENUM_FAMILIES.items():
        if family:
            for name in idl_enum(family):
                if method != 'ApiCreateNetInterfaceEnum' or name == 'CLUSTER_ENUM_NETINTERFACE':
                    want.add((family, name))
    cased = set()
    for c in ENUM_CASES:
        family = ENUM_FAMILIES[c['method']]
        for t, _, _ in c['entries']:
            if family:
                cased.add((family, t.split(' (')[0]))
    assert sorted(want - cased - set(ENUM_TYPE_GAPS)) == []
    assert sorted(set(ENUM_TYPE_GAPS) & cased) == []
    # the gaps are real: no entry of the corpus has those types
    seen = set()
    for method in ENUM_FAMILIES:
        for rsp in corpus.calls(method, response=True):
            seen |= set(rsp.display('cmrp.enum_entry.type'))
    for (family, name) in ENUM_TYPE_GAPS:
        assert not any(s.startswith(name + ' (') for s in seen), name
    methods = {p.method for p in corpus.pdus.values()} & set(ENUM_FAMILIES)
    assert methods == {c['method'] for c in ENUM_CASES}


# ---------------------------------------------------------------------------------------------
# GROUP_ENUM_LIST / RESOURCE_ENUM_LIST (2.2.3.22, 2.2.3.23): Properties and RoProperties are
# PROPERTY_LISTs of the selected properties (handlers_group._lists: cluster_objects.property_list,
# with the trailing ENDMARK when there is a property, the count alone when there is none)

def group_rw(priority):
    """Group.common at the enumeration (scenario.enums_with_properties: no property set yet)."""
    return [('Description', sz('')), ('PersistentState', dword(1)),
            ('FailoverThreshold', dword(0xffffffff)), ('FailoverPeriod', dword(6)),
            ('AutoFailbackType', dword(0)), ('FailbackWindowStart', dword(0xffffffff)),
            ('FailbackWindowEnd', dword(0xffffffff)), ('DefaultOwner', dword(0xffffffff)),
            ('AntiAffinityClassNames', [(MULTI_SZ, [])]), ('Priority', dword(priority))]


def group_ro(group_type):
    return [('GroupType', dword(group_type)), ('StatusInformation', [(ULARGE, 0)]),
            ('LastOperationStatusCode', [(ULARGE, 0)])]


def pick(props, names):
    by = {p[0]: p for p in props}
    return [by[n] for n in names]


# (name, id, owner, state shown, dwFlags, priority, group type) when the scenario enumerates:
# every group is owned by NODE1 by then (SQL Server (INST1) drained from NODE2, Available Storage
# moved back by ApiMoveGroupToNode); CMRP Group A2's resources are offline, CMRP Group B has none
GROUP_ENTRIES = [
    ('Cluster Group', G_CORE, 'NODE1', 'ClusterGroupOnline (0)', 1, 3000, 1),
    ('Available Storage', G_AS, 'NODE1', 'ClusterGroupOnline (0)', 1, 1000, 2),
    ('SQL Server (INST1)', G_SQL, 'NODE1', 'ClusterGroupOnline (0)', 0, 2000, 9999),
    ('CMRP Group A2', G_A, 'NODE1', 'ClusterGroupOffline (1)', 0, 2000, 9999),
    ('CMRP Group B', G_B, 'NODE1', 'ClusterGroupOffline (1)', 0, 2000, 0x270f),
]
GROUP_ENUM_CASES = [
    # (pProperties, pRoProperties, names selected, ro names selected); None: all
    (['*'], ['*'], None, None),
    (['Description', 'Priority', 'DefaultOwner'], ['GroupType'],
     ['Description', 'Priority', 'DefaultOwner'], ['GroupType']),
    ([], [], [], []),
]


def check_entry_lists(entry, props_field, ro_field, rw, ro, where):
    p_expect, p_size = proplist(rw)
    r_expect, r_size = proplist(ro)
    for field, expect, size in ((props_field, p_expect, p_size), (ro_field, r_expect, r_size)):
        subs = entry.subtrees(name=field)
        assert len(subs) == 1, (where, field)
        check_fields(subs[0], expect, '%s %s' % (where, field))
    return p_size, r_size


def enum_with_properties(corpus, method, names, ro_names):
    want = names + ro_names
    req = first(corpus.calls(method), lambda p: p.show('cmrp.enum.property_name') == want
                and (want or p.show('cmrp.cbproperties') == ['0']))
    assert req is not None, (method, names, ro_names)
    return req, corpus.response_of(req)


@pytest.mark.parametrize('c', GROUP_ENUM_CASES, ids=lambda c: '+'.join(c[0] + c[1]) or 'none')
def test_group_enum(corpus, c):
    props, ro_props, names, ro_names = c
    req, rsp = enum_with_properties(corpus, 'ApiCreateGroupEnum', props, ro_props)
    entries = rsp.subtrees(prefix='Entry (GROUP_ENUM_ENTRY)')
    assert rsp.show('cmrp.group_enum_list.entrycount') == [str(len(GROUP_ENTRIES))]
    assert len(entries) == len(GROUP_ENTRIES)
    for entry, (name, gid, owner, state, flags, priority, gtype) in zip(entries, GROUP_ENTRIES):
        where = 'frame %d group %s' % (rsp.num, name)
        rw, ro = group_rw(priority), group_ro(gtype)
        if names is not None:
            rw, ro = pick(rw, names), pick(ro, ro_names)
        p_size, r_size = check_entry_lists(entry, 'cmrp.group_enum_entry.properties',
                                           'cmrp.group_enum_entry.roproperties', rw, ro, where)
        check_fields(entry, [('cmrp.group_enum_entry.name', [name]),
                             ('cmrp.group_enum_entry.id', [gid]),
                             ('cmrp.group_enum_entry.owner', [owner]),
                             ('cmrp.group.state', [state]),
                             ('cmrp.group_enum_entry.dwflags', ['0x%08x' % flags]),
                             ('cmrp.group_enum_entry.cbproperties', [str(p_size)]),
                             ('cmrp.group_enum_entry.cbroproperties', [str(r_size)])], where)
    assert not rsp.malformed() and not req.malformed()


def resource_rw(rtype):
    """Resource.common of a resource left as created (Cluster IP Address at the enumeration)."""
    return [('Description', sz('')), ('Type', sz(rtype)), ('DebugPrefix', sz('')),
            ('SeparateMonitor', dword(0)), ('PersistentState', dword(1)),
            ('LooksAlivePollInterval', dword(0xffffffff)), ('IsAlivePollInterval', dword(0xffffffff)),
            ('RestartAction', dword(2)), ('RestartThreshold', dword(1)),
            ('RestartPeriod', dword(900000)), ('RestartDelay', dword(500)),
            ('RetryPeriodOnFailure', dword(3600000)), ('PendingTimeout', dword(180000)),
            ('DeadlockTimeout', dword(300000)), ('MonitorProcessId', dword(2424))]


RESOURCE_RO = [('ResourceSpecificData1', [(ULARGE, 0)]), ('ResourceSpecificData2', [(ULARGE, 0)]),
               ('ResourceSpecificStatus', sz('')), ('StatusInformation', [(ULARGE, 0)])]
# (name, id, owner group): cluster_state's resources, then CMRP Disk 2 and CMRP IP, both in
# CMRP Group A2 (CMRP Disk 2 came back there with ApiChangeResourceGroupEx)
RESOURCE_ENTRIES = (
    [(r, oid('resource', r), g) for r, g in zip(RESOURCES, [GROUPS[0]] * 3 + [GROUPS[1]] * 2
                                                + [GROUPS[2]] * 5)]
    + [('CMRP Disk 2', R_NEW, 'CMRP Group A2'), ('CMRP IP', R_NEW2, 'CMRP Group A2')])
GROUP_IDS = {'Cluster Group': G_CORE, 'Available Storage': G_AS, 'SQL Server (INST1)': G_SQL,
             'CMRP Group A2': G_A}


@pytest.mark.parametrize('star', [True, False], ids=['all', 'Description+RestartAction'])
def test_resource_enum(corpus, star):
    if star:
        req, rsp = enum_with_properties(corpus, 'ApiCreateResourceEnum', ['*'], ['*'])
    else:
        req, rsp = enum_with_properties(corpus, 'ApiCreateResourceEnum',
                                        ['Description', 'RestartAction'], [])
    entries = rsp.subtrees(prefix='Entry (RESOURCE_ENUM_ENTRY)')
    assert rsp.show('cmrp.resource_enum_list.entrycount') == [str(len(RESOURCE_ENTRIES))]
    assert len(entries) == len(RESOURCE_ENTRIES)
    for entry, (name, rid, group) in zip(entries, RESOURCE_ENTRIES):
        where = 'frame %d resource %s' % (rsp.num, name)
        check_fields(entry, [('cmrp.resource_enum_entry.name', [name]),
                             ('cmrp.resource_enum_entry.id', [rid]),
                             ('cmrp.resource_enum_entry.ownername', [group]),
                             ('cmrp.resource_enum_entry.ownerid', [GROUP_IDS[group]])], where)
        if star and name != 'Cluster IP Address':
            # every writable / read-only common property, by name (values follow each
            # resource's history; the first entry is checked value by value below)
            lists = [entry.subtrees(name='cmrp.resource_enum_entry.' + f)[0]
                     for f in ('properties', 'roproperties')]
            assert lists[0].show('cmrp.prop.name') == [p[0] for p in resource_rw('')], where
            assert lists[1].show('cmrp.prop.name') == [p[0] for p in RESOURCE_RO], where
            continue
        rw = resource_rw('IP Address') if star else [('Description', sz('')),
                                                     ('RestartAction', dword(2))]
        ro = RESOURCE_RO if star else []
        p_size, r_size = check_entry_lists(entry, 'cmrp.resource_enum_entry.properties',
                                           'cmrp.resource_enum_entry.roproperties', rw, ro, where)
        check_fields(entry, [('cmrp.resource_enum_entry.cbproperties', [str(p_size)]),
                             ('cmrp.resource_enum_entry.cbroproperties', [str(r_size)])], where)
    assert not rsp.malformed() and not req.malformed()


# ---------------------------------------------------------------------------------------------
# The whole: every kind and type of the tables is in the corpus, and nothing is malformed

def test_every_table_entry_is_in_the_corpus(corpus):
    """Each payload kind of NOTIFY_CASES, each registry type of REG_CASES and each command type
    of BATCHES appears at least once in the capture."""
    kinds = {c['kind'] for c in NOTIFY_CASES if find_notification(corpus, c) is not None}
    assert kinds == {c['kind'] for c in NOTIFY_CASES}
    # and so does every payload kind tests/peer/coverage.py counts
    assert {KIND_COVERAGE[k] for k in kinds} == set(KIND_COVERAGE.values())
    reg_types = {int(p.show('cmrp.reg.type')[0]) for p in corpus.calls('ApiSetValue')}
    assert {t for _, t, _ in REG_CASES} <= reg_types
    cmd_types = set()
    for method in ('ApiExecuteBatch', 'ApiExecuteReadBatch', 'ApiExecuteReadBatchEx',
                   'ApiGetBatchNotification'):
        for response in (False, True):
            for p in batch_pdus(corpus, method, response):
                cmd_types |= {int(t) for t in p.show('cmrp.batch.command_type')}
    assert cmd_types == set(CMD)


def test_nothing_malformed(tshark, corpus):
    """No frame of the methods read here is malformed or carries a Malformed expert info."""
    assert [p.num for p in corpus.pdus.values() if p.malformed()] == []
    ops = ','.join(str(o) for o in sorted(OPNUMS.values()))
    assert tshark.fields(corpus.path, ['frame.number'],
                         '_ws.malformed && cmrp.opnum in {%s}' % ops) == []
