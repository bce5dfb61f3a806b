"""Handlers of the mock ClusAPI server: resources and resource types (MS-CMRP 3.1.4.2: open,
create, delete, rename, state, online / offline / fail / restart, dependencies, possible
owners, enumerations, resource type creation and enumeration)."""
import re

import cluster_consts as K
from cluster_model import CmrpError
from cluster_objects import SZ, Resource, ResourceType
from cluster_state import REG_SZ
from handlers_core import closer, enum_list, opener

HANDLERS = {}
ERROR_CORE_RESOURCE = 5026
ERROR_DEPENDENCY_NOT_ALLOWED = 5069
ERROR_RESMON_INVALID_STATE = 5084


def api(*names):
    def deco(fn):
        for n in names:
            HANDLERS[n] = fn
        return fn
    return deco


def register(model):
    model.register_all(HANDLERS)


def _set_state(call, r, new, via=None):
    """Move resource `r` to state `new`, through the pending state `via`, posting events."""
    if r.state == new:
        return
    if via is not None:
        r.state = via
        call.events.emit(r, K.CHANGE_RESOURCE_STATE, K.V2_RESOURCE_STATE,
                         via.to_bytes(4, 'little'))
    r.state = new
    call.events.resource_state(r)


def bring_online(call, r, seen=None):
    """Online `r` after its providers (3.1.1.1.2); applies a pending cluster rename when the
    cluster's own network name comes online."""
    seen = seen if seen is not None else set()
    if id(r) in seen:
        return
    seen.add(id(r))
    for d in r.dependencies:
        bring_online(call, d, seen)
    r.common['PersistentState'][1] = 1
    _set_state(call, r, K.RES_ONLINE, K.RES_ONLINE_PENDING)
    c = call.state.cluster
    if r is call.state.core_netname and c.pending_name:
        if c.pending_name != c.name:
            c.name = c.pending_name
            call.state.root.set('ClusterName', REG_SZ, c.name, call.state.tick())
            call.events.emit(c, 0, K.V2_CLUSTER_RENAME)
        c.pending_name = None


def take_offline(call, r, seen=None):
    """Offline `r` after its dependents."""
    seen = seen if seen is not None else set()
    if id(r) in seen:
        return
    seen.add(id(r))
    for d in dependents(call.state, r):
        take_offline(call, d, seen)
    r.common['PersistentState'][1] = 0
    _set_state(call, r, K.RES_OFFLINE, K.RES_OFFLINE_PENDING)


def dependents(state, r):
    return [x for x in state.live(state.resources) if r in x.dependencies]


def _depends_on(a, b, seen=None):
    """True if `a` depends on `b`, directly or not."""
    seen = seen if seen is not None else set()
    for d in a.dependencies:
        if d is b:
            return True
        if id(d) not in seen:
            seen.add(id(d))
            if _depends_on(d, b, seen):
                return True
    return False


# ---------------------------------------------------------------------------------------------
# Open, create, delete, rename

HANDLERS['ApiOpenResource'] = HANDLERS['ApiOpenResourceEx'] = opener(
    'resource', lambda s, n: s.resource(n), 'lpszResourceName', K.ERROR_RESOURCE_NOT_FOUND)
HANDLERS['ApiCloseResource'] = closer('Resource', 'resource')


@api('ApiCreateResource')
def create_resource(call):
    group = call.obj('hGroup', 'group', write=True)
    name, tname = call['lpszResourceName'], call['lpszResourceType']
    state = call.state
    if not name:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    rtype = state.restype(tname)
    if rtype is None:
        raise CmrpError(K.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND)
    if state.resource(name) is not None:
        raise CmrpError(K.ERROR_OBJECT_ALREADY_EXISTS)
    r = Resource(name, rtype, group, state=K.RES_OFFLINE)
    r.common['SeparateMonitor'][1] = 1 if call['dwFlags'] & 1 else 0
    r.common['PersistentState'][1] = 0
    state.resources.append(r)
    state.tick()
    state.sync_key(r)
    state.sync_key(group)
    call.events.added(r)
    return {'_return': call.new_handle('resource', r)}


@api('ApiDeleteResource')
def delete_resource(call):
    r = call.obj('hResource', 'resource', write=True)
    state = call.state
    if r.flags & 1:
        raise CmrpError(ERROR_CORE_RESOURCE)
    if r.state not in (K.RES_OFFLINE, K.RES_FAILED):
        raise CmrpError(K.ERROR_RESOURCE_ONLINE)
    if dependents(state, r):
        raise CmrpError(K.ERROR_DEPENDENT_RESOURCE_EXISTS)
    r.deleted = True
    r.group.resources.remove(r)
    state.drop_key(r)
    state.sync_key(r.group)
    call.events.deleted(r, r.group.id)
    return {}


@api('ApiSetResourceName')
def set_resource_name(call):
    r = call.obj('hResource', 'resource', write=True)
    name = call['lpszResourceName']
    if not name:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    other = call.state.resource(name)
    if other is not None and other is not r:
        raise CmrpError(K.ERROR_OBJECT_ALREADY_EXISTS)
    r.name = name
    call.state.sync_key(r)
    call.events.property_changed(r, [('Name', SZ, name)])
    return {}


# ---------------------------------------------------------------------------------------------
# Queries

@api('ApiGetResourceState')
def get_resource_state(call):
    r = call.obj('hResource', 'resource')
    return {'State': r.state, 'NodeName': r.owner.name, 'GroupName': r.group.name}


@api('ApiGetResourceId')
def get_resource_id(call):
    return {'pGuid': call.obj('hResource', 'resource').id}


@api('ApiGetResourceType')
def get_resource_type(call):
    return {'lpszResourceType': call.obj('hResource', 'resource').rtype.name}


@api('ApiGetResourceDependencyExpression')
def get_resource_dependency_expression(call):
    return {'lpszDependencyExpression':
            call.obj('hResource', 'resource').dependency_expression()}


@api('ApiGetResourceNetworkName')
def get_resource_network_name(call):
    return {'lpszName': call.state.network_name_of(call.obj('hResource', 'resource'))}


@api('ApiCreateResEnum')
def create_res_enum(call):
    r = call.obj('hResource', 'resource')
    t = call['dwType']
    state = call.state
    out = []
    if t & K.CLUSTER_RESOURCE_ENUM_DEPENDS:
        out += [(K.CLUSTER_RESOURCE_ENUM_DEPENDS, d.name) for d in r.dependencies]
    if t & K.CLUSTER_RESOURCE_ENUM_PROVIDES:
        out += [(K.CLUSTER_RESOURCE_ENUM_PROVIDES, d.name) for d in dependents(state, r)]
    if t & K.CLUSTER_RESOURCE_ENUM_NODES:
        owners = r.possible_owners or state.live(state.nodes)
        out += [(K.CLUSTER_RESOURCE_ENUM_NODES, n.name) for n in owners if not n.deleted]
    return {'ReturnEnum': enum_list(out)}


# ---------------------------------------------------------------------------------------------
# State changes

@api('ApiOnlineResource', 'ApiOnlineResourceEx')
def online_resource(call):
    r = call.obj('hResource', 'resource', write=True)
    if r.state not in (K.RES_INITIALIZING, K.RES_ONLINE, K.RES_OFFLINE, K.RES_FAILED):
        raise CmrpError(K.ERROR_INVALID_STATE)
    bring_online(call, r)
    return {}


@api('ApiOfflineResource', 'ApiOfflineResourceEx')
def offline_resource(call):
    r = call.obj('hResource', 'resource', write=True)
    if r.state not in (K.RES_ONLINE, K.RES_OFFLINE, K.RES_FAILED, K.RES_INITIALIZING):
        raise CmrpError(K.ERROR_INVALID_STATE)
    take_offline(call, r)
    return {}


@api('ApiFailResource')
def fail_resource(call):
    """The resource fails, then its restart policy (RestartAction 2) brings it back online,
    as the resource monitor of a real node would."""
    r = call.obj('hResource', 'resource', write=True)
    if r.state != K.RES_ONLINE:
        raise CmrpError(ERROR_RESMON_INVALID_STATE)
    for d in dependents(call.state, r):
        take_offline(call, d)
    _set_state(call, r, K.RES_FAILED)
    if r.common['RestartAction'][1]:
        bring_online(call, r)
    return {}


@api('ApiRestartResource')
def restart_resource(call):
    r = call.obj('hResource', 'resource', write=True)
    if call['dwFlags']:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    deps = [d for d in dependents(call.state, r) if d.state == K.RES_ONLINE]
    take_offline(call, r)
    bring_online(call, r)
    for d in deps:
        bring_online(call, d)
    return {}


# ---------------------------------------------------------------------------------------------
# Dependencies, owners, group

def _dependency_check(call, r, provider):
    if r is provider or r.group is not provider.group:
        raise CmrpError(ERROR_DEPENDENCY_NOT_ALLOWED)
    if _depends_on(provider, r):
        raise CmrpError(K.ERROR_CIRCULAR_DEPENDENCY)


@api('ApiAddResourceDependency')
def add_resource_dependency(call):
    r = call.obj('hResource', 'resource', write=True)
    provider = call.obj('hDependsOn', 'resource')
    _dependency_check(call, r, provider)
    if provider in r.dependencies:
        raise CmrpError(K.ERROR_DEPENDENCY_ALREADY_EXISTS)
    if r.state == K.RES_ONLINE and provider.state != K.RES_ONLINE:
        raise CmrpError(K.ERROR_RESOURCE_ONLINE)
    r.dependencies.append(provider)
    _dependencies_changed(call, r, provider)
    return {}


@api('ApiRemoveResourceDependency')
def remove_resource_dependency(call):
    r = call.obj('hResource', 'resource', write=True)
    provider = call.obj('hDependsOn', 'resource')
    if provider not in r.dependencies:
        raise CmrpError(K.ERROR_DEPENDENCY_NOT_FOUND)
    r.dependencies.remove(provider)
    _dependencies_changed(call, r, provider)
    return {}


def _dependencies_changed(call, r, provider):
    call.state.sync_key(r)
    call.events.emit(r, K.CHANGE_RESOURCE_PROPERTY, K.V2_RESOURCE_DEPENDENCIES,
                     (r.dependency_expression() + '\0').encode('utf-16-le'))
    ids = ''.join(d.id + '\0' for d in dependents(call.state, provider)) + '\0'
    call.events.emit(provider, 0, K.V2_RESOURCE_DEPENDENTS, ids.encode('utf-16-le'))


@api('ApiCanResourceBeDependent')
def can_resource_be_dependent(call):
    r = call.obj('hResource', 'resource')
    other = call.obj('hResourceDependent', 'resource')
    _dependency_check(call, other, r)
    return {}


@api('ApiSetResourceDependencyExpression')
def set_resource_dependency_expression(call):
    """Accepts the "[A] and ([B] or [C])" syntax of 3.1.1.1.2.2; every resource named must be
    in the same group. The mock keeps the providers as a plain list (an AND)."""
    r = call.obj('hResource', 'resource', write=True)
    expr = call['lpszDependencyExpression'] or ''
    if re.sub(r'\[[^\]]*\]|\(|\)|\s+|\band\b|\bor\b', '', expr, flags=re.I):
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    provs = []
    for name in re.findall(r'\[([^\]]*)\]', expr):
        p = call.state.resource(name)
        if p is None:
            raise CmrpError(K.ERROR_RESOURCE_NOT_FOUND)
        _dependency_check(call, r, p)
        provs.append(p)
    r.dependencies = provs
    _dependencies_changed(call, r, provs[0] if provs else r)
    return {}


def _owners_changed(call, r):
    ids = ''.join(n.id + '\0' for n in r.possible_owners) + '\0'
    call.events.emit(r, K.CHANGE_RESOURCE_PROPERTY, K.V2_RESOURCE_POSSIBLE_OWNERS,
                     ids.encode('utf-16-le'))


@api('ApiAddResourceNode')
def add_resource_node(call):
    r = call.obj('hResource', 'resource', write=True)
    node = call.obj('hNode', 'node')
    if not r.possible_owners:
        r.possible_owners = list(call.state.live(call.state.nodes))
    if node in r.possible_owners:
        raise CmrpError(K.ERROR_OBJECT_ALREADY_EXISTS)
    r.possible_owners.append(node)
    _owners_changed(call, r)
    return {}


@api('ApiRemoveResourceNode')
def remove_resource_node(call):
    r = call.obj('hResource', 'resource', write=True)
    node = call.obj('hNode', 'node')
    if not r.possible_owners:
        r.possible_owners = list(call.state.live(call.state.nodes))
    if node not in r.possible_owners:
        raise CmrpError(K.ERROR_CLUSTER_NODE_NOT_FOUND)
    if node is r.owner and r.state == K.RES_ONLINE:
        raise CmrpError(K.ERROR_INVALID_STATE)
    r.possible_owners.remove(node)
    _owners_changed(call, r)
    return {}


@api('ApiChangeResourceGroup', 'ApiChangeResourceGroupEx')
def change_resource_group(call):
    """Move a resource that has no dependencies or dependents to another group."""
    r = call.obj('hResource', 'resource', write=True)
    group = call.obj('hGroup', 'group', write=True)
    if group is r.group:
        raise CmrpError(K.ERROR_ALREADY_EXISTS)
    if r.dependencies or dependents(call.state, r):
        raise CmrpError(ERROR_DEPENDENCY_NOT_ALLOWED)
    old = r.group
    old.resources.remove(r)
    group.resources.append(r)
    r.group = group
    for g in (old, group):
        call.state.sync_key(g)
    call.events.emit(r, K.CHANGE_RESOURCE_PROPERTY, K.V2_RESOURCE_OWNER_GROUP,
                     (group.id + '\0').encode('utf-16-le'))
    call.events.emit(old, 0, K.V2_GROUP_RESOURCE_LOST, (r.id + '\0').encode('utf-16-le'))
    call.events.emit(group, 0, K.V2_GROUP_RESOURCE_GAINED, (r.id + '\0').encode('utf-16-le'))
    return {}


@api('ApiChangeCsvState', 'ApiChangeCsvStateEx')
def change_csv_state(call):
    """No resource of the mock is a cluster shared volume."""
    call.obj('hResource', 'resource', write=True)
    raise CmrpError(K.ERROR_INVALID_STATE)


# ---------------------------------------------------------------------------------------------
# Resource types

@api('ApiCreateResourceType')
def create_resource_type(call):
    name = call['lpszTypeName']
    if not name or not call['lpszDllName']:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    state = call.state
    if state.restype(name) is not None:
        raise CmrpError(K.ERROR_ALREADY_EXISTS)
    t = ResourceType(name, call['lpszDisplayName'] or name, call['lpszDllName'])
    t.common['LooksAlivePollInterval'][1] = call['dwLooksAlive']
    t.common['IsAlivePollInterval'][1] = call['dwIsAlive']
    t.possible_owners = list(state.live(state.nodes))
    state.restypes.append(t)
    state.tick()
    state.sync_key(t)
    call.events.added(t)
    return {}


@api('ApiDeleteResourceType')
def delete_resource_type(call):
    state = call.state
    t = state.restype(call['lpszTypeName'])
    if t is None:
        raise CmrpError(K.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND)
    if any(r.rtype is t for r in state.live(state.resources)):
        raise CmrpError(K.ERROR_DIR_NOT_EMPTY)
    t.deleted = True
    state.drop_key(t)
    call.events.deleted(t)
    return {}


@api('ApiCreateResTypeEnum')
def create_res_type_enum(call):
    """Nodes that can host the type, and resources of the type; unknown dwType bits select
    nothing (ERROR_SUCCESS with an empty list)."""
    state = call.state
    t = state.restype(call['lpszTypeName'])
    if t is None:
        raise CmrpError(K.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND)
    out = []
    if call['dwType'] & K.CLUSTER_RESOURCE_TYPE_ENUM_NODES:
        out += [(K.CLUSTER_RESOURCE_TYPE_ENUM_NODES, n.name) for n in t.possible_owners
                if not n.deleted]
    if call['dwType'] & K.CLUSTER_RESOURCE_TYPE_ENUM_RESOURCES:
        out += [(K.CLUSTER_RESOURCE_TYPE_ENUM_RESOURCES, r.name)
                for r in state.live(state.resources) if r.rtype is t]
    return {'ReturnEnum': enum_list(out)}
