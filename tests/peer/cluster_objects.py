"""The objects of the mock cluster (mockclusd): nodes, groups, resources, resource types,
networks, network interfaces, group sets and the cluster itself, each with the properties that
the control codes return (MS-CMRP 3.1.4.3) and the state the Api* methods change.

Properties are (name, syntax, value) triples, syntax a CLUSPROP_SYNTAX_LIST_VALUE_* from
clusbuf; writable ones live in `common` / `private` dicts (name -> [syntax, value]) so that
SET_*_PROPERTIES can change them. Python 3 stdlib only.
"""
import uuid

import clusbuf as cb
from cluster_consts import (
    CLUS_OBJECT_CLUSTER, CLUS_OBJECT_GROUP, CLUS_OBJECT_GROUPSET, CLUS_OBJECT_NETINTERFACE,
    CLUS_OBJECT_NETWORK, CLUS_OBJECT_NODE, CLUS_OBJECT_RESOURCE, CLUS_OBJECT_RESOURCE_TYPE,
    GROUP_FAILED, GROUP_OFFLINE, GROUP_ONLINE, GROUP_PARTIAL_ONLINE, NETIF_UP, NETWORK_UP, NODE_UP,
    OBJ_CLUSTER, OBJ_GROUP, OBJ_GROUPSET, OBJ_NETINTERFACE, OBJ_NETWORK, OBJ_NODE, OBJ_RESOURCE,
    OBJ_RESOURCE_TYPE, RES_FAILED, RES_OFFLINE, RES_ONLINE)

SZ = cb.CLUSPROP_SYNTAX_LIST_VALUE_SZ
EXPAND_SZ = cb.CLUSPROP_SYNTAX_LIST_VALUE_EXPAND_SZ
MULTI_SZ = cb.CLUSPROP_SYNTAX_LIST_VALUE_MULTI_SZ
DWORD = cb.CLUSPROP_SYNTAX_LIST_VALUE_DWORD
LONG = cb.CLUSPROP_SYNTAX_LIST_VALUE_LONG
ULARGE = cb.CLUSPROP_SYNTAX_LIST_VALUE_ULARGE_INTEGER
BINARY = cb.CLUSPROP_SYNTAX_LIST_VALUE_BINARY
FILETIME = cb.CLUSPROP_SYNTAX_LIST_VALUE_FILETIME

_NS = uuid.UUID('5b0c3c1e-6d1a-4c8e-9f7a-434d52504d4b')     # our namespace for uuid5 ids


def make_id(kind, name):
    """A deterministic GUID string for an object (so captures are reproducible)."""
    return str(uuid.uuid5(_NS, '%s:%s' % (kind, name.lower())))


def props(d):
    """A {name: [syntax, value]} dict as a list of (name, syntax, value) triples."""
    return [(n, sv[0], sv[1]) for n, sv in d.items()]


class ClusObject:
    kind = ''               # 'node', 'group', ... (handle kinds use the same words)
    obj_type = 0            # CLUSTER_OBJECT_TYPE, for version 2 notifications
    ctl_object = 0          # CLUS_OBJECT_*, bits 24..31 of the control codes it accepts
    characteristics = 0     # CLUS_CHARACTERISTICS
    flags = 0               # CLUS_FLAGS

    def __init__(self, name, oid=None):
        self.name = name
        self.id = oid if oid is not None else make_id(self.kind, name)
        self.deleted = False
        self.common = {'Description': [SZ, '']}
        self.private = {}

    def __repr__(self):
        return '<%s %r>' % (type(self).__name__, self.name)

    # Property lists by control code (GET_COMMON, GET_RO_COMMON, GET_PRIVATE, GET_RO_PRIVATE).
    def rw_common(self):
        return props(self.common)

    def ro_common(self):
        return []

    def rw_private(self):
        return props(self.private)

    def ro_private(self):
        return []

    def ro_common_names(self):
        return [p[0] for p in self.ro_common()]


class Cluster(ClusObject):
    kind = 'cluster'
    obj_type = OBJ_CLUSTER
    ctl_object = CLUS_OBJECT_CLUSTER

    def __init__(self, name, domain):
        super().__init__(name, make_id('cluster', name))
        self.domain = domain
        self.pending_name = None            # ApiSetClusterName: applied at next Cluster Name online
        self.major, self.minor, self.build = 10, 0, 20348
        self.vendor = 'Microsoft(R) Cluster Service'
        self.csd = ''
        self.functional_level = 11
        self.common.update({
            'QuorumArbitrationTimeMax': [DWORD, 20],
            'SameSubnetDelay': [DWORD, 1000],
            'SameSubnetThreshold': [DWORD, 10],
            'CrossSubnetDelay': [DWORD, 1000],
            'CrossSubnetThreshold': [DWORD, 20],
            'ClusterLogLevel': [DWORD, 3],
            'ClusterLogSize': [DWORD, 300],
            'ShutdownTimeoutInMinutes': [DWORD, 20],
            'SharedVolumesRoot': [SZ, 'C:\\ClusterStorage'],
            'ClusterGroupWaitDelay': [DWORD, 30],
            'DatabaseReadWriteMode': [DWORD, 0],
            'AdminAccessPoint': [DWORD, 1],
        })
        self.private = {
            'ClusterInstanceID': [SZ, self.id],
            'LogPath': [EXPAND_SZ, '%SystemRoot%\\Cluster\\Reports'],
            'MaintenanceWindow': [MULTI_SZ, ['Sat 02:00', 'Sun 02:00']],
            'ConfigurationChecksum': [BINARY, bytes(range(16))],
            'LastBackupTime': [FILETIME, cb.filetime_from_unix(1704067200)],
        }

    @property
    def fqdn(self):
        return '%s.%s' % (self.name, self.domain)

    def ro_common(self):
        return [('Fqdn', SZ, self.fqdn),
                ('ClusterFunctionalLevel', DWORD, self.functional_level),
                ('BuildNumber', DWORD, self.build),
                ('PlumbAllCrossSubnetRoutes', DWORD, 0)]


class Node(ClusObject):
    kind = 'node'
    obj_type = OBJ_NODE
    ctl_object = CLUS_OBJECT_NODE

    def __init__(self, name, nid, cluster):
        super().__init__(name, nid)
        self.cluster = cluster
        self.state = NODE_UP
        self.drain_target = None
        self.common.update({'NodeWeight': [DWORD, 1], 'NeedsPreventQuorum': [DWORD, 0],
                            'DrainStatus': [DWORD, 0]})

    def ro_common(self):
        c = self.cluster
        return [('NodeName', SZ, self.name),
                ('NodeHighestVersion', DWORD, (c.functional_level << 16) | 0x00001),
                ('NodeLowestVersion', DWORD, (c.functional_level << 16) | 0x00001),
                ('MajorVersion', DWORD, c.major),
                ('MinorVersion', DWORD, c.minor),
                ('BuildNumber', DWORD, c.build),
                ('CSDVersion', SZ, c.csd),
                ('NodeInstanceID', SZ, make_id('nodeinstance', self.name)),
                ('State', DWORD, self.state),
                ('DynamicWeight', DWORD, 1)]


class Group(ClusObject):
    kind = 'group'
    obj_type = OBJ_GROUP
    ctl_object = CLUS_OBJECT_GROUP

    def __init__(self, name, owner, group_type=9999, priority=2000, core=False):
        super().__init__(name)
        self.owner = owner                  # Node
        self.preferred = []                 # [Node]
        self.group_type = group_type        # CLUSGROUP_TYPE
        self.resources = []                 # [Resource]
        self.groupset = None
        self.dependency_expression = ''
        self.flags = 1 if core else 0       # CLUS_FLAG_CORE
        self.common.update({
            'PersistentState': [DWORD, 1],
            'FailoverThreshold': [DWORD, 0xffffffff],
            'FailoverPeriod': [DWORD, 6],
            'AutoFailbackType': [DWORD, 0],
            'FailbackWindowStart': [DWORD, 0xffffffff],
            'FailbackWindowEnd': [DWORD, 0xffffffff],
            'DefaultOwner': [DWORD, 0xffffffff],
            'AntiAffinityClassNames': [MULTI_SZ, []],
            'Priority': [DWORD, priority],
        })

    @property
    def state(self):
        """CLUSTER_GROUP_STATE from the states of its resources."""
        states = [r.state for r in self.resources]
        if not states or all(s == RES_OFFLINE for s in states):
            return GROUP_OFFLINE
        if all(s == RES_ONLINE for s in states):
            return GROUP_ONLINE
        if any(s == RES_FAILED for s in states) and not any(s == RES_ONLINE for s in states):
            return GROUP_FAILED
        return GROUP_PARTIAL_ONLINE

    def ro_common(self):
        return [('GroupType', DWORD, self.group_type),
                ('StatusInformation', ULARGE, 0),
                ('LastOperationStatusCode', ULARGE, 0)]


class ResourceType(ClusObject):
    kind = 'restype'
    obj_type = OBJ_RESOURCE_TYPE
    ctl_object = CLUS_OBJECT_RESOURCE_TYPE

    def __init__(self, name, display, dll, res_class=0, characteristics=0, required=(),
                 private_template=None, available=True):
        super().__init__(name, name)        # a resource type's ID is its name
        self.display = display
        self.dll = dll
        self.res_class = res_class          # CLUS_RESCLASS_*
        self.sub_class = 0
        self.characteristics = characteristics
        self.required = list(required)      # [(syntax, value)] for GET_REQUIRED_DEPENDENCIES
        self.private_template = private_template or {}
        self.available = available          # False: the DLL is not installed on this node
        self.possible_owners = []           # [Node]
        self.common = {
            'Name': [SZ, display],
            'Description': [SZ, ''],
            'DllName': [SZ, dll],
            'IsAlivePollInterval': [DWORD, 60000],
            'LooksAlivePollInterval': [DWORD, 5000],
            'PendingTimeout': [DWORD, 180000],
            'DeadlockTimeout': [DWORD, 300000],
            'DumpPolicy': [ULARGE, 0x5000000001],
            'EnabledEventLogs': [MULTI_SZ, ['Microsoft-Windows-FailoverClustering/Diagnostic']],
        }

    def ro_common(self):
        return [('AdminExtensions', MULTI_SZ, []),
                ('ResourceSpecificStatus', SZ, '')]

    def rw_private(self):
        return props(self.private)


class Resource(ClusObject):
    kind = 'resource'
    obj_type = OBJ_RESOURCE
    ctl_object = CLUS_OBJECT_RESOURCE

    def __init__(self, name, rtype, group, private=None, state=RES_ONLINE, core=False):
        super().__init__(name)
        self.rtype = rtype                  # ResourceType
        self.group = group                  # Group
        group.resources.append(self)
        self.state = state
        self.dependencies = []              # [Resource] this one depends on
        self.possible_owners = []           # [Node]; empty means all nodes
        self.flags = 1 if core else 0
        self.characteristics = rtype.characteristics
        self.private = {k: list(v) for k, v in rtype.private_template.items()}
        if private:
            self.private.update({k: list(v) for k, v in private.items()})
        self.common.update({
            'Type': [SZ, rtype.name],
            'DebugPrefix': [SZ, ''],
            'SeparateMonitor': [DWORD, 0],
            'PersistentState': [DWORD, 1],
            'LooksAlivePollInterval': [DWORD, 0xffffffff],
            'IsAlivePollInterval': [DWORD, 0xffffffff],
            'RestartAction': [DWORD, 2],
            'RestartThreshold': [DWORD, 1],
            'RestartPeriod': [DWORD, 900000],
            'RestartDelay': [DWORD, 500],
            'RetryPeriodOnFailure': [DWORD, 3600000],
            'PendingTimeout': [DWORD, 180000],
            'DeadlockTimeout': [DWORD, 300000],
            'MonitorProcessId': [DWORD, 2424],
        })

    @property
    def owner(self):
        return self.group.owner

    def dependency_expression(self):
        """The complex dependency expression (3.1.1.1.2): an AND of the dependencies."""
        if not self.dependencies:
            return ''
        return '(%s)' % ' and '.join('[%s]' % d.name for d in self.dependencies)

    def ro_common(self):
        return [('ResourceSpecificData1', ULARGE, 0),
                ('ResourceSpecificData2', ULARGE, 0),
                ('ResourceSpecificStatus', SZ, ''),
                ('StatusInformation', ULARGE, 0)]

    def ro_private(self):
        if self.rtype.name == 'Network Name':
            return [('ObjectGUID', SZ, make_id('adobject', self.name).replace('-', '')),
                    ('CreatingDC', SZ, '\\\\DC01.cmrp.test'),
                    ('LastDNSUpdateTime', FILETIME, cb.filetime_from_unix(1704067200))]
        if self.rtype.name == 'Physical Disk':
            return [('DiskGuid', SZ, '{%s}' % make_id('disk', self.name)),
                    ('DiskVolumeInfo', BINARY, bytes(24))]
        return []


class Network(ClusObject):
    kind = 'network'
    obj_type = OBJ_NETWORK
    ctl_object = CLUS_OBJECT_NETWORK

    def __init__(self, name, address, mask, role=3):
        super().__init__(name)
        self.address = address
        self.mask = mask
        self.state = NETWORK_UP
        self.interfaces = []
        self.common.update({'Name': [SZ, name], 'Role': [DWORD, role],
                            'Metric': [DWORD, 39840], 'AutoMetric': [DWORD, 1]})

    def ro_common(self):
        prefix = sum(bin(int(o)).count('1') for o in self.mask.split('.'))
        return [('Address', SZ, self.address),
                ('AddressMask', SZ, self.mask),
                ('Ipv4Addresses', MULTI_SZ, [self.address]),
                ('Ipv4PrefixLengths', MULTI_SZ, [str(prefix)]),
                ('State', DWORD, self.state)]


class NetInterface(ClusObject):
    kind = 'netinterface'
    obj_type = OBJ_NETINTERFACE
    ctl_object = CLUS_OBJECT_NETINTERFACE

    def __init__(self, node, network, adapter, address):
        super().__init__('%s - %s' % (node.name, adapter))
        self.node = node
        self.network = network
        self.adapter = adapter
        self.address = address
        self.state = NETIF_UP
        network.interfaces.append(self)

    def ro_common(self):
        return [('Name', SZ, self.name),
                ('Node', SZ, self.node.name),
                ('Network', SZ, self.network.name),
                ('Adapter', SZ, self.adapter),
                ('AdapterId', SZ, make_id('adapter', self.name)),
                ('Address', SZ, self.address),
                ('DhcpEnabled', DWORD, 0),
                ('IPv4Addresses', MULTI_SZ, [self.address]),
                ('State', DWORD, self.state)]


class GroupSet(ClusObject):
    kind = 'groupset'
    obj_type = OBJ_GROUPSET
    ctl_object = CLUS_OBJECT_GROUPSET

    def __init__(self, name):
        super().__init__(name)
        self.groups = []                    # [Group]
        self.provider_sets = []             # [GroupSet] this set depends on
        self.dependency_expression = ''
        self.common.update({'StartupDelayTrigger': [DWORD, 0], 'StartupCount': [DWORD, 0xffffffff],
                            'IsGlobal': [DWORD, 0], 'StartupDelay': [DWORD, 20]})


def property_list(triples):
    """The PROPERTY_LIST (2.2.3.10) a server returns for (name, syntax, value) triples, with
    the trailing ENDMARK Windows servers write after the last property (Samba's IDL expects
    it); a list with no property is the count alone."""
    return cb.build_property_list(triples, trailing_endmark=bool(triples))


def select_props(available, names):
    """The triples of `available` named in `names` (a list; ['*'] selects all), or None when a
    name is unknown (the caller answers ERROR_INVALID_PARAMETER)."""
    if names == ['*']:
        return list(available)
    by_name = {p[0].lower(): p for p in available}
    out = []
    for n in names:
        p = by_name.get(n.lower())
        if p is None:
            return None
        out.append(p)
    return out
