"""The mock cluster's state (mockclusd): the objects of cluster_objects, the cluster registry
tree, name/ID lookups and a deterministic clock. Built by `ClusterState()`:

    nodes      NODE1 (id 1, hosts the RPC endpoint), NODE2 (2), NODE3 (3)
    groups     Cluster Group (core), Available Storage (core), SQL Server (INST1)
    resources  Cluster IP Address, Cluster Name, Cluster Disk 1 (witness)   in Cluster Group
               Cluster Disk 2, Cluster Pool 1                             in Available Storage
               SQL IP Address 1 (INST1), Network Name, Cluster Disk 3,
               SQL Server (INST1), SQL Server Agent (INST1)               in SQL Server (INST1)
    networks   Cluster Network 1 (192.0.2.0/24), Cluster Network 2 (198.51.100.0/24)
    netifs     "NODEn - Ethernet" and "NODEn - Ethernet 2" for each node
    groupsets  Cluster Group, SQL Set
    registry   the cluster root key: values of every REG_* type, one subkey per object class

smbtorture's rpc.clusapi opens some of these by fixed names ("Cluster Name", "Network Name",
"Cluster Group", "Cluster Network 1", "node1 - Ethernet", "Physical Disk", "Storage Pool", group
set "Cluster Group"); names are matched case-insensitively, as a Windows cluster does.
Python 3 stdlib only.
"""
import struct

import clusbuf as cb
from cluster_consts import RES_OFFLINE, RES_ONLINE
from cluster_objects import (
    BINARY, DWORD, EXPAND_SZ, MULTI_SZ, SZ, Cluster, Group, GroupSet, NetInterface, Network,
    Node, Resource, ResourceType)

REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_MULTI_SZ, REG_QWORD = 1, 2, 3, 4, 7, 11

BASE_TIME = cb.filetime_from_unix(1704067200)          # 2024-01-01 00:00:00 UTC


def reg_data(rtype, value):
    """The registry bytes of a Python value of type `rtype`."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if rtype in (REG_SZ, REG_EXPAND_SZ):
        return cb.wstr(value)
    if rtype == REG_MULTI_SZ:
        return cb.multi_sz(value)
    if rtype == REG_DWORD:
        return struct.pack('<I', value & 0xffffffff)
    if rtype == REG_QWORD:
        return struct.pack('<Q', value & 0xffffffffffffffff)
    raise ValueError('no encoding for registry type %d' % rtype)


# Property syntax -> registry type (how private properties are stored in Parameters keys).
SYNTAX_REG = {SZ: REG_SZ, EXPAND_SZ: REG_EXPAND_SZ, MULTI_SZ: REG_MULTI_SZ, DWORD: REG_DWORD,
              BINARY: REG_BINARY, cb.CLUSPROP_SYNTAX_LIST_VALUE_ULARGE_INTEGER: REG_QWORD,
              cb.CLUSPROP_SYNTAX_LIST_VALUE_FILETIME: REG_QWORD,
              cb.CLUSPROP_SYNTAX_LIST_VALUE_LONG: REG_DWORD}


class RegKey:
    """One key of the cluster registry (MS-CMRP 3.1.1.2)."""

    def __init__(self, name, parent=None, when=BASE_TIME):
        self.name = name
        self.parent = parent
        self.values = {}            # lower-case name -> [name, type, data]
        self.subkeys = {}           # lower-case name -> RegKey
        self.last_write = when
        self.sd = cb.self_relative_sd()
        self.deleted = False

    def __repr__(self):
        return '<RegKey %r>' % self.path()

    def path(self):
        parts = []
        k = self
        while k is not None and k.parent is not None:
            parts.append(k.name)
            k = k.parent
        return '\\'.join(reversed(parts))

    def lookup(self, path):
        """The key at `path` (backslash-separated, relative to this key), or None."""
        k = self
        for part in [p for p in (path or '').split('\\') if p]:
            k = k.subkeys.get(part.lower())
            if k is None:
                return None
        return k

    def create(self, path, when=BASE_TIME):
        """(key, created) for `path`, creating the missing keys."""
        k = self
        created = False
        for part in [p for p in (path or '').split('\\') if p]:
            nxt = k.subkeys.get(part.lower())
            if nxt is None:
                nxt = k.subkeys[part.lower()] = RegKey(part, k, when)
                k.last_write = when
                created = True
            k = nxt
        return k, created

    def set(self, name, rtype, value, when=BASE_TIME):
        self.values[(name or '').lower()] = [name or '', rtype, reg_data(rtype, value)]
        self.last_write = when

    def get(self, name):
        return self.values.get((name or '').lower())

    def remove(self):
        """Delete this key and its subtree."""
        for sub in list(self.subkeys.values()):
            sub.remove()
        self.deleted = True
        if self.parent is not None:
            self.parent.subkeys.pop(self.name.lower(), None)

    def walk(self):
        yield self
        for sub in self.subkeys.values():
            yield from sub.walk()


class ClusterState:
    def __init__(self):
        self.clock = 0
        self.cluster = Cluster('CMRPCLUS', 'cmrp.test')
        self.nodes = []
        self.groups = []
        self.resources = []
        self.restypes = []
        self.networks = []
        self.netifs = []
        self.groupsets = []
        self.quorum = None              # (Resource, device path, max log size)
        self.root = RegKey('Cluster')
        self.cluster_key_version = 0
        self._populate()
        self._populate_registry()

    # -- time ----------------------------------------------------------------------------------

    def tick(self):
        """A FILETIME one second later than the last one: deterministic, not the wall clock."""
        self.clock += 1
        return BASE_TIME + self.clock * 10000000

    # -- lookups -------------------------------------------------------------------------------

    @staticmethod
    def _find(coll, name):
        if name is None:
            return None
        key = name.lower()
        for o in coll:
            if not o.deleted and (o.name.lower() == key or str(o.id).lower() == key):
                return o
        return None

    def node(self, name):
        return self._find(self.nodes, name)

    def group(self, name):
        return self._find(self.groups, name)

    def resource(self, name):
        return self._find(self.resources, name)

    def restype(self, name):
        return self._find(self.restypes, name)

    def network(self, name):
        return self._find(self.networks, name)

    def netif(self, name):
        return self._find(self.netifs, name)

    def groupset(self, name):
        return self._find(self.groupsets, name)

    def live(self, coll):
        return [o for o in coll if not o.deleted]

    @property
    def local_node(self):
        return self.nodes[0]

    def network_name_of(self, res):
        """ApiGetResourceNetworkName: a Network Name resource in the dependency chain of `res`
        (3.1.4.2.112); failing that (implementation-specific, as a Windows server answers for
        IP addresses and disks too) the Network Name of its group, then the cluster name."""
        seen = set()
        todo = [res]
        while todo:
            r = todo.pop(0)
            if id(r) in seen:
                continue
            seen.add(id(r))
            if r.rtype.name == 'Network Name' and r is not res:
                return r.private.get('Name', [SZ, r.name])[1]
            todo.extend(r.dependencies)
        if res.rtype.name == 'Network Name':
            return res.private.get('Name', [SZ, res.name])[1]
        for r in res.group.resources:
            if r.rtype.name == 'Network Name' and not r.deleted:
                return r.private.get('Name', [SZ, r.name])[1]
        return self.cluster.name

    # -- population ----------------------------------------------------------------------------

    def _populate(self):
        c = self.cluster
        self.nodes = [Node('NODE%d' % i, str(i), c) for i in (1, 2, 3)]
        n1, n2, n3 = self.nodes
        net1 = Network('Cluster Network 1', '192.0.2.0', '255.255.255.0', role=3)
        net2 = Network('Cluster Network 2', '198.51.100.0', '255.255.255.0', role=1)
        self.networks = [net1, net2]
        for i, n in enumerate(self.nodes):
            self.netifs.append(NetInterface(n, net1, 'Ethernet', '192.0.2.%d' % (11 + i)))
            self.netifs.append(NetInterface(n, net2, 'Ethernet 2', '198.51.100.%d' % (11 + i)))

        T = ResourceType
        NAME, RESCLASS = cb.CLUSPROP_SYNTAX_NAME, cb.CLUSPROP_SYNTAX_RESCLASS
        self.restypes = [
            T('Physical Disk', 'Physical Disk', 'clusres.dll', res_class=cb.CLUS_RESCLASS_STORAGE,
              characteristics=0x3,
              private_template={'DiskIdType': [DWORD, 0], 'DiskSignature': [DWORD, 0],
                                'DiskRunChkDsk': [DWORD, 0], 'DiskPath': [SZ, ''],
                                'MaintenanceMode': [DWORD, 0], 'MaxIoLatency': [DWORD, 1000]}),
            T('IP Address', 'IP Address', 'clusres.dll', res_class=cb.CLUS_RESCLASS_NETWORK,
              private_template={'Network': [SZ, ''], 'Address': [SZ, ''],
                                'SubnetMask': [SZ, ''], 'EnableNetBIOS': [DWORD, 1],
                                'OverrideAddressMatch': [DWORD, 0], 'EnableDhcp': [DWORD, 0]}),
            T('Network Name', 'Network Name', 'clusres.dll', required=[(NAME, 'IP Address')],
              private_template={'Name': [SZ, ''], 'DnsName': [SZ, ''],
                                'RemapPipeNames': [DWORD, 0], 'HostRecordTTL': [DWORD, 1200],
                                'RegisterAllProvidersIP': [DWORD, 0],
                                'PublishPTRRecords': [DWORD, 0],
                                'ResourceData': [BINARY, b'\x01\x00\x00\x00']}),
            T('SQL Server', 'SQL Server', 'sqsrvres.dll',
              required=[(RESCLASS, cb.CLUS_RESCLASS_STORAGE), (NAME, 'Network Name')],
              private_template={'VirtualServerName': [SZ, ''], 'InstanceName': [SZ, '']}),
            T('SQL Server Agent', 'SQL Server Agent', 'sqagtres.dll',
              required=[(NAME, 'SQL Server')],
              private_template={'VirtualServerName': [SZ, ''], 'InstanceName': [SZ, '']}),
            T('Generic Service', 'Generic Service', 'clusres.dll',
              private_template={'ServiceName': [SZ, ''], 'StartupParameters': [EXPAND_SZ, ''],
                                'UseNetworkName': [DWORD, 0]}),
            T('Generic Application', 'Generic Application', 'clusres.dll',
              private_template={'CommandLine': [SZ, ''], 'CurrentDirectory': [EXPAND_SZ, ''],
                                'UseNetworkName': [DWORD, 0]}),
            T('File Share Witness', 'File Share Witness', 'clusres.dll', characteristics=0x1,
              private_template={'SharePath': [SZ, ''], 'ArbitrationDelay': [DWORD, 6]}),
            T('Storage Pool', 'Storage Pool', 'clusres.dll', res_class=cb.CLUS_RESCLASS_STORAGE,
              private_template={'PoolId': [SZ, ''], 'Name': [SZ, ''], 'Description': [SZ, '']}),
            T('Distributed Network Name', 'Distributed Network Name', 'clusres.dll',
              private_template={'Name': [SZ, ''], 'DnsName': [SZ, '']}),
            T('IPv6 Address', 'IPv6 Address', 'clusres.dll', res_class=cb.CLUS_RESCLASS_NETWORK,
              private_template={'Network': [SZ, ''], 'Address': [SZ, ''],
                                'PrefixLength': [DWORD, 64]}),
            # A type whose resource DLL is not installed on this node: every control on it
            # fails with ERROR_CLUSTER_RESTYPE_NOT_SUPPORTED (smbtorture expects this of MSMQ).
            T('MSMQ', 'Message Queuing', 'mqclus.dll', available=False),
        ]
        for t in self.restypes:
            t.possible_owners = list(self.nodes)
            if t.res_class in (cb.CLUS_RESCLASS_STORAGE, cb.CLUS_RESCLASS_NETWORK):
                t.sub_class = 0x80000000        # CLUS_RESSUBCLASS_SHARED
        rt = self.restype

        core = Group('Cluster Group', n1, group_type=1, priority=3000, core=True)
        storage = Group('Available Storage', n1, group_type=2, priority=1000, core=True)
        sql = Group('SQL Server (INST1)', n2, group_type=9999, priority=2000)
        self.groups = [core, storage, sql]
        for g in self.groups:
            g.preferred = list(self.nodes)

        def res(name, tname, group, private=None, deps=(), state=RES_ONLINE, core_res=False):
            r = Resource(name, rt(tname), group, private, state, core_res)
            r.dependencies = [self.resource(d) for d in deps]
            self.resources.append(r)
            return r

        mask = '255.255.255.0'
        res('Cluster IP Address', 'IP Address', core, {
            'Network': [SZ, 'Cluster Network 1'], 'Address': [SZ, '192.0.2.10'],
            'SubnetMask': [SZ, mask]}, core_res=True)
        res('Cluster Name', 'Network Name', core, {
            'Name': [SZ, c.name], 'DnsName': [SZ, c.name]}, ['Cluster IP Address'],
            core_res=True)
        disk1 = res('Cluster Disk 1', 'Physical Disk', core,
                    {'DiskSignature': [DWORD, 0x1a2b3c01]}, core_res=True)
        res('Cluster Disk 2', 'Physical Disk', storage, {'DiskSignature': [DWORD, 0x1a2b3c02]})
        res('Cluster Pool 1', 'Storage Pool', storage, {
            'PoolId': [SZ, '{%s}' % storage.id], 'Name': [SZ, 'Pool1']}, state=RES_OFFLINE)
        res('SQL IP Address 1 (INST1)', 'IP Address', sql, {
            'Network': [SZ, 'Cluster Network 1'], 'Address': [SZ, '192.0.2.20'],
            'SubnetMask': [SZ, mask]})
        res('Network Name', 'Network Name', sql, {
            'Name': [SZ, 'SQLINST1'], 'DnsName': [SZ, 'SQLINST1']},
            ['SQL IP Address 1 (INST1)'])
        res('Cluster Disk 3', 'Physical Disk', sql, {'DiskSignature': [DWORD, 0x1a2b3c03]})
        res('SQL Server (INST1)', 'SQL Server', sql, {
            'VirtualServerName': [SZ, 'SQLINST1'], 'InstanceName': [SZ, 'INST1']},
            ['Network Name', 'Cluster Disk 3'])
        res('SQL Server Agent (INST1)', 'SQL Server Agent', sql, {
            'VirtualServerName': [SZ, 'SQLINST1'], 'InstanceName': [SZ, 'INST1']},
            ['SQL Server (INST1)'])
        self.quorum = [disk1, 'Q:\\Cluster\\', 4096 * 1024]
        self.core_netname = self.resource('Cluster Name')       # the cluster's own name

        gs_core = GroupSet('Cluster Group')
        gs_core.groups = [core, storage]
        gs_sql = GroupSet('SQL Set')
        gs_sql.groups = [sql]
        gs_sql.provider_sets = [gs_core]
        gs_sql.dependency_expression = '[Cluster Group]'
        for gs in (gs_core, gs_sql):
            for g in gs.groups:
                g.groupset = gs
        self.groupsets = [gs_core, gs_sql]

    # -- the registry --------------------------------------------------------------------------

    def _populate_registry(self):
        c = self.cluster
        root = self.root
        root.set('ClusterName', REG_SZ, c.name)
        root.set('ClusterInstanceID', REG_SZ, c.id)
        root.set('Description', REG_SZ, 'mock cluster for the cmrp dissector')
        root.set('ClusterFunctionalLevel', REG_DWORD, c.functional_level)
        root.set('ClusterNameResource', REG_SZ, self.resource('Cluster Name').id)
        params = root.create('Parameters')[0]
        for name, (syntax, value) in c.private.items():
            params.set(name, SYNTAX_REG[syntax], value)
        params.set('Epoch', REG_QWORD, 0x0000000100000007)
        params.set('MaxLogAgeDays', REG_DWORD, 7)
        params.set('SecurityBlob', REG_BINARY, bytes(range(32)))
        for n in self.nodes:
            self.sync_key(n)
        for t in self.restypes:
            self.sync_key(t)
        for g in self.groups:
            self.sync_key(g)
        for r in self.resources:
            self.sync_key(r)
        for n in self.networks:
            self.sync_key(n)
        for i in self.netifs:
            self.sync_key(i)
        for gs in self.groupsets:
            self.sync_key(gs)
        q = root.create('Quorum')[0]
        q.set('Resource', REG_SZ, self.quorum[0].id)
        q.set('Path', REG_EXPAND_SZ, '%SystemRoot%\\Cluster')
        q.set('MaxQuorumLogSize', REG_DWORD, self.quorum[2])

    KEYS = {'node': 'Nodes', 'restype': 'ResourceTypes', 'group': 'Groups',
            'resource': 'Resources', 'network': 'Networks', 'netinterface': 'NetworkInterfaces',
            'groupset': 'GroupSets'}

    def object_key(self, obj, create=True):
        path = '%s\\%s' % (self.KEYS[obj.kind], obj.id)
        if create:
            return self.root.create(path, BASE_TIME + self.clock * 10000000)[0]
        return self.root.lookup(path)

    def sync_key(self, obj):
        """Write the registry key of an object (created or changed)."""
        k = self.object_key(obj)
        when = k.last_write
        k.set('Name', REG_SZ, obj.name, when)
        if obj.kind == 'node':
            k.set('NodeName', REG_SZ, obj.name, when)
            k.set('NodeHighestVersion', REG_DWORD, (obj.cluster.functional_level << 16) | 1,
                  when)
        elif obj.kind == 'restype':
            k.set('DllName', REG_EXPAND_SZ, obj.dll, when)
            k.set('AdminExtensions', REG_MULTI_SZ, [], when)
            k.set('IsAlivePollInterval', REG_DWORD, obj.common['IsAlivePollInterval'][1], when)
        elif obj.kind == 'group':
            k.set('Contains', REG_MULTI_SZ, [r.id for r in obj.resources if not r.deleted], when)
            k.set('GroupType', REG_DWORD, obj.group_type, when)
            k.set('PersistentState', REG_DWORD, obj.common['PersistentState'][1], when)
            k.set('PreferredOwners', REG_MULTI_SZ, [n.id for n in obj.preferred], when)
        elif obj.kind == 'resource':
            k.set('Type', REG_SZ, obj.rtype.name, when)
            k.set('DependsOn', REG_MULTI_SZ, [d.id for d in obj.dependencies], when)
            k.set('PersistentState', REG_DWORD, obj.common['PersistentState'][1], when)
            p = k.create('Parameters', when)[0]
            for name, (syntax, value) in obj.private.items():
                p.set(name, SYNTAX_REG.get(syntax, REG_BINARY),
                      value if syntax in SYNTAX_REG else cb.values_for(syntax, value)[0][1],
                      when)
        elif obj.kind == 'network':
            k.set('Role', REG_DWORD, obj.common['Role'][1], when)
            k.set('Address', REG_SZ, obj.address, when)
            k.set('AddressMask', REG_SZ, obj.mask, when)
        elif obj.kind == 'netinterface':
            k.set('Node', REG_SZ, obj.node.id, when)
            k.set('Network', REG_SZ, obj.network.id, when)
            k.set('Adapter', REG_SZ, obj.adapter, when)
            k.set('Address', REG_SZ, obj.address, when)
        elif obj.kind == 'groupset':
            k.set('Groups', REG_MULTI_SZ, [g.id for g in obj.groups], when)
        return k

    def drop_key(self, obj):
        k = self.object_key(obj, create=False)
        if k is not None:
            k.parent.last_write = self.tick()
            k.remove()
