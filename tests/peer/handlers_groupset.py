"""Handlers of the mock ClusAPI server: group sets (MS-CMRP 3.1.4.2.159ff: create, open,
close, delete, membership, group set and group-to-group-set dependencies, enumeration)."""
import re

import cluster_consts as K
from cluster_model import CmrpError
from cluster_objects import GroupSet
from handlers_core import closer, enum_list

HANDLERS = {}


def api(*names):
    def deco(fn):
        for n in names:
            HANDLERS[n] = fn
        return fn
    return deco


def register(model):
    model.register_all(HANDLERS)


def _changed(call, gs, flag):
    call.state.sync_key(gs)
    call.events.emit(gs, 0, flag)


@api('ApiCreateGroupSet')
def create_group_set(call):
    name = call['lpszGroupSetName']
    state = call.state
    if not name:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    if state.groupset(name) is not None:
        raise CmrpError(K.ERROR_OBJECT_ALREADY_EXISTS)
    gs = GroupSet(name)
    state.groupsets.append(gs)
    state.tick()
    state.sync_key(gs)
    call.events.added(gs)
    return {'_return': call.new_handle('groupset', gs)}


@api('ApiOpenGroupSet')
def open_group_set(call):
    gs = call.state.groupset(call['lpszGroupSetName'])
    if gs is None:
        raise CmrpError(K.ERROR_GROUPSET_NOT_FOUND)
    return {'_return': call.new_handle('groupset', gs)}


HANDLERS['ApiCloseGroupSet'] = closer('GroupSet', 'groupset')


@api('ApiDeleteGroupSet')
def delete_group_set(call):
    gs = call.obj('GroupSet', 'groupset', write=True)
    state = call.state
    if any(gs in o.provider_sets for o in state.live(state.groupsets)):
        raise CmrpError(K.ERROR_DEPENDENT_RESOURCE_EXISTS)
    for g in gs.groups:
        g.groupset = None
    gs.groups = []
    gs.deleted = True
    state.drop_key(gs)
    call.events.deleted(gs)
    return {}


def _add(call, gs, g):
    if g.groupset is gs:
        raise CmrpError(K.ERROR_OBJECT_ALREADY_EXISTS)
    if g.groupset is not None:
        g.groupset.groups.remove(g)
        _changed(call, g.groupset, K.V2_GROUPSET_GROUP_REMOVED)
    g.groupset = gs
    gs.groups.append(g)
    _changed(call, gs, K.V2_GROUPSET_GROUP_ADDED)
    return {}


@api('ApiAddGroupToGroupSet')
def add_group_to_group_set(call):
    gs = call.obj('GroupSet', 'groupset', write=True)
    g = call.obj('Group', 'group', write=True)
    if g.groupset is not None and g.groupset is not gs:
        raise CmrpError(K.ERROR_INVALID_STATE)
    return _add(call, gs, g)


@api('ApiAddGroupToGroupSetEx')
def add_group_to_group_set_ex(call):
    gs = call.obj('GroupSet', 'groupset', write=True)
    g = call.obj('Group', 'group', write=True)
    if g.groupset is not None and g.groupset is not gs:
        raise CmrpError(K.ERROR_INVALID_STATE)
    if call['UseDomains']:
        g.common['FaultDomain'] = [0x00010002, call['FaultDomain']]
        g.common['UpdateDomain'] = [0x00010002, call['UpdateDomain']]
    return _add(call, gs, g)


@api('ApiMoveGroupToGroupSet')
def move_group_to_group_set(call):
    gs = call.obj('GroupSet', 'groupset', write=True)
    return _add(call, gs, call.obj('Group', 'group', write=True))


@api('ApiRemoveGroupFromGroupSet')
def remove_group_from_group_set(call):
    g = call.obj('Group', 'group', write=True)
    gs = g.groupset
    if gs is None:
        raise CmrpError(K.ERROR_INVALID_STATE)
    gs.groups.remove(g)
    g.groupset = None
    _changed(call, gs, K.V2_GROUPSET_GROUP_REMOVED)
    return {}


def _depends(a, b, seen=None):
    """True if group set `a` depends on `b`, directly or not."""
    seen = seen if seen is not None else set()
    for p in a.provider_sets:
        if p is b or (id(p) not in seen and not seen.add(id(p)) and _depends(p, b, seen)):
            return True
    return False


def _expr(gs):
    return ' and '.join('[%s]' % p.name for p in gs.provider_sets)


@api('ApiAddGroupSetDependency')
def add_group_set_dependency(call):
    dep = call.obj('DependentGroupSet', 'groupset', write=True)
    prov = call.obj('ProviderGroupSet', 'groupset')
    if dep is prov or _depends(prov, dep):
        raise CmrpError(K.ERROR_CIRCULAR_DEPENDENCY)
    if prov in dep.provider_sets:
        raise CmrpError(K.ERROR_DEPENDENCY_ALREADY_EXISTS)
    dep.provider_sets.append(prov)
    dep.dependency_expression = _expr(dep)
    _changed(call, dep, K.V2_GROUPSET_DEPENDENCIES)
    return {}


@api('ApiAddGroupToGroupSetDependency')
def add_group_to_group_set_dependency(call):
    g = call.obj('DependentGroup', 'group', write=True)
    prov = call.obj('ProviderGroupSet', 'groupset')
    if g.groupset is prov:
        raise CmrpError(K.ERROR_CIRCULAR_DEPENDENCY)
    sets = g.__dict__.setdefault('provider_sets', [])
    if prov in sets:
        raise CmrpError(K.ERROR_DEPENDENCY_ALREADY_EXISTS)
    sets.append(prov)
    # the payload of GROUP_COMMON_PROPERTY_V2 is a PROPERTY_LIST (MS-CMRP 3.1.4.2.138)
    call.events.property_changed(g, [('GroupDependencyExpression', None,
                                      getattr(g, 'dependency_expression', '') or '')])
    return {}


@api('ApiSetGroupSetDependencyExpression')
def set_group_set_dependency_expression(call):
    gs = call.obj('hGroupSet', 'groupset', write=True)
    expr = call['lpszDependencyExpression'] or ''
    provs = [call.state.groupset(n) for n in re.findall(r'\[([^\]]*)\]', expr)]
    if None in provs:
        raise CmrpError(K.ERROR_GROUPSET_NOT_FOUND)
    if any(p is gs or _depends(p, gs) for p in provs):
        raise CmrpError(K.ERROR_CIRCULAR_DEPENDENCY)
    gs.provider_sets = provs
    gs.dependency_expression = expr
    _changed(call, gs, K.V2_GROUPSET_DEPENDENCIES)
    return {}


@api('ApiRemoveGroupSetDependency')
def remove_group_set_dependency(call):
    gs = call.obj('hGroupSet', 'groupset', write=True)
    prov = call.obj('hDependsOn', 'groupset')
    if prov not in gs.provider_sets:
        raise CmrpError(K.ERROR_DEPENDENCY_NOT_FOUND)
    gs.provider_sets.remove(prov)
    gs.dependency_expression = _expr(gs)
    _changed(call, gs, K.V2_GROUPSET_DEPENDENCIES)
    return {}


@api('ApiRemoveClusterGroupToGroupSetDependency')
def remove_cluster_group_to_group_set_dependency(call):
    g = call.obj('hGroup', 'group', write=True)
    prov = call.obj('hDependsOn', 'groupset')
    sets = getattr(g, 'provider_sets', [])
    if prov not in sets:
        raise CmrpError(K.ERROR_DEPENDENCY_NOT_FOUND)
    sets.remove(prov)
    # the payload of GROUP_COMMON_PROPERTY_V2 is a PROPERTY_LIST (MS-CMRP 3.1.4.2.138)
    call.events.property_changed(g, [('GroupDependencyExpression', None,
                                      getattr(g, 'dependency_expression', '') or '')])
    return {}


@api('ApiCreateGroupSetEnum')
def create_group_set_enum(call):
    call.obj('hCluster', 'cluster')
    return {'ReturnEnum': enum_list([(0, gs.name)
                                     for gs in call.state.live(call.state.groupsets)])}
