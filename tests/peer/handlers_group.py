"""Handlers of the mock ClusAPI server: groups (MS-CMRP 3.1.4.2: open, create, delete, rename,
state, online / offline, move, preferred owners, group dependencies, enumerations) and the
property-selecting enumerations ApiCreateGroupEnum / ApiCreateResourceEnum."""
import re

import clusbuf as cb
import cluster_consts as K
from cluster_model import CmrpError
from cluster_objects import Group, property_list, select_props
from handlers_core import closer, enum_list, opener
from handlers_resource import bring_online, take_offline

HANDLERS = {}
ERROR_CORE_RESOURCE = 5026
ERROR_HOST_NODE_NOT_AVAILABLE = 5005


def api(*names):
    def deco(fn):
        for n in names:
            HANDLERS[n] = fn
        return fn
    return deco


def register(model):
    model.register_all(HANDLERS)


def _wstr(s):
    return (s + '\0').encode('utf-16-le')


HANDLERS['ApiOpenGroup'] = HANDLERS['ApiOpenGroupEx'] = opener(
    'group', lambda s, n: s.group(n), 'lpszGroupName', K.ERROR_GROUP_NOT_FOUND)
HANDLERS['ApiCloseGroup'] = closer('Group', 'group')


def _create(call, name, group_type=9999):
    state = call.state
    if not name:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    if state.group(name) is not None:
        raise CmrpError(K.ERROR_OBJECT_ALREADY_EXISTS)
    g = Group(name, state.local_node, group_type=group_type)
    g.preferred = []
    state.groups.append(g)
    state.tick()
    state.sync_key(g)
    call.events.added(g)
    return {'_return': call.new_handle('group', g)}


@api('ApiCreateGroup')
def create_group(call):
    return _create(call, call['lpszGroupName'])


@api('ApiCreateGroupEx')
def create_group_ex(call):
    info = call['pGroupInfo']
    if info is not None and info.get('dwVersion') != 1:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    return _create(call, call['lpszGroupName'], info['dwGroupType'] if info else 9999)


@api('ApiDeleteGroup')
def delete_group(call):
    g = call.obj('Group', 'group', write=True)
    state = call.state
    if g.flags & 1:
        raise CmrpError(ERROR_CORE_RESOURCE)
    live = [r for r in g.resources if not r.deleted]
    if live and not call.get('force'):
        raise CmrpError(K.ERROR_DIR_NOT_EMPTY)
    for r in live:
        take_offline(call, r)
    for r in live:
        r.deleted = True
        state.drop_key(r)
        call.events.deleted(r, g.id)
    g.resources = []
    g.deleted = True
    if g.groupset is not None and g in g.groupset.groups:
        g.groupset.groups.remove(g)
    state.drop_key(g)
    call.events.deleted(g)
    return {}


@api('ApiSetGroupName')
def set_group_name(call):
    g = call.obj('hGroup', 'group', write=True)
    name = call['lpszGroupName']
    if not name:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    other = call.state.group(name)
    if other is not None and other is not g:
        raise CmrpError(K.ERROR_OBJECT_ALREADY_EXISTS)
    g.name = name
    call.state.sync_key(g)
    call.events.property_changed(g, [('Name', cb.CLUSPROP_SYNTAX_LIST_VALUE_SZ, name)])
    return {}


@api('ApiGetGroupState')
def get_group_state(call):
    g = call.obj('hGroup', 'group')
    return {'State': g.state, 'NodeName': g.owner.name}


@api('ApiGetGroupId')
def get_group_id(call):
    return {'pGuid': call.obj('hGroup', 'group').id}


@api('ApiOnlineGroup', 'ApiOnlineGroupEx')
def online_group(call):
    g = call.obj('hGroup', 'group', write=True)
    seen = set()
    for r in list(g.resources):
        if r.state != K.RES_ONLINE:
            bring_online(call, r, seen)
    return {}


@api('ApiOfflineGroup', 'ApiOfflineGroupEx')
def offline_group(call):
    g = call.obj('hGroup', 'group', write=True)
    seen = set()
    for r in list(g.resources):
        take_offline(call, r, seen)
    return {}


def _move(call, g, dest):
    if dest is None or dest.deleted or dest.state != K.NODE_UP:
        raise CmrpError(ERROR_HOST_NODE_NOT_AVAILABLE)
    if dest is g.owner:
        return {}
    online = [r for r in g.resources if r.state == K.RES_ONLINE]
    seen = set()
    for r in online:
        take_offline(call, r, seen)
    old, g.owner = g.owner, dest
    call.events.emit(g, K.CHANGE_GROUP_PROPERTY, K.V2_GROUP_OWNER_NODE, _wstr(dest.id))
    call.events.emit(old, 0, K.V2_NODE_GROUP_LOST, _wstr(g.id))
    call.events.emit(dest, 0, K.V2_NODE_GROUP_GAINED, _wstr(g.id))
    seen = set()
    for r in online:
        bring_online(call, r, seen)
    return {}


@api('ApiMoveGroup', 'ApiMoveGroupEx')
def move_group(call):
    """To the next node that is up, in preferred-owner order after the current owner."""
    g = call.obj('hGroup', 'group', write=True)
    state = call.state
    order = [n for n in (g.preferred or state.nodes) if not n.deleted]
    if g.owner in order:
        i = order.index(g.owner)
        order = order[i + 1:] + order[:i]
    dest = next((n for n in order if n.state == K.NODE_UP and n is not g.owner), None)
    return _move(call, g, dest)


@api('ApiMoveGroupToNode', 'ApiMoveGroupToNodeEx')
def move_group_to_node(call):
    g = call.obj('hGroup', 'group', write=True)
    return _move(call, g, call.obj('hNode', 'node'))


@api('ApiCancelClusterGroupOperation')
def cancel_cluster_group_operation(call):
    """Moves complete at once in the mock: nothing is ever left to cancel."""
    call.obj('hGroup', 'group', write=True)
    if call['dwCancelFlags']:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    raise CmrpError(K.ERROR_INVALID_STATE)


@api('ApiCreateGroupResourceEnum')
def create_group_resource_enum(call):
    """Contained resources and preferred owners; unknown dwType bits select nothing."""
    g = call.obj('hGroup', 'group')
    out = []
    if call['dwType'] & K.CLUSTER_GROUP_ENUM_CONTAINS:
        out += [(K.CLUSTER_GROUP_ENUM_CONTAINS, r.name) for r in g.resources if not r.deleted]
    if call['dwType'] & K.CLUSTER_GROUP_ENUM_NODES:
        out += [(K.CLUSTER_GROUP_ENUM_NODES, n.name) for n in g.preferred if not n.deleted]
    return {'ReturnEnum': enum_list(out)}


@api('ApiSetGroupNodeList')
def set_group_node_list(call):
    """The preferred owners, as a MULTI_SZ of node names or IDs (3.0: wchar_t characters,
    2.0: bytes)."""
    g = call.obj('hGroup', 'group', write=True)
    raw = call.get('multiSzNodeList', call.get('lpNodeList'))
    if isinstance(raw, (bytes, bytearray)):
        text = bytes(raw).decode('utf-16-le', errors='replace')
    elif isinstance(raw, list):
        text = ''.join(chr(c) if isinstance(c, int) else c for c in raw)
    else:
        text = raw or ''
    nodes = []
    for name in [p for p in text.split('\0') if p]:
        n = call.state.node(name)
        if n is None:
            raise CmrpError(K.ERROR_CLUSTER_NODE_NOT_FOUND)
        nodes.append(n)
    g.preferred = nodes
    call.state.sync_key(g)
    call.events.emit(g, K.CHANGE_GROUP_PROPERTY, 0x20,            # PREFERRED_OWNERS_V2
                     cb.multi_sz([n.id for n in nodes]))
    return {}


@api('ApiSetGroupDependencyExpression')
def set_group_dependency_expression(call):
    g = call.obj('hGroup', 'group', write=True)
    expr = call['lpszDependencyExpression'] or ''
    names = re.findall(r'\[([^\]]*)\]', expr)
    provs = [call.state.group(n) for n in names]
    if None in provs:
        raise CmrpError(K.ERROR_GROUP_NOT_FOUND)
    if g in provs:
        raise CmrpError(K.ERROR_CIRCULAR_DEPENDENCY)
    g.dependency_expression = expr
    g.provider_groups = provs
    # the payload of GROUP_COMMON_PROPERTY_V2 is a PROPERTY_LIST (MS-CMRP 3.1.4.2.138)
    call.events.property_changed(g, [('GroupDependencyExpression', None,
                                      getattr(g, 'dependency_expression', '') or '')])
    return {}


@api('ApiRemoveClusterGroupDependency')
def remove_cluster_group_dependency(call):
    g = call.obj('hGroup', 'group', write=True)
    other = call.obj('hDependsOn', 'group')
    provs = getattr(g, 'provider_groups', [])
    if other not in provs:
        raise CmrpError(K.ERROR_DEPENDENCY_NOT_FOUND)
    provs.remove(other)
    g.dependency_expression = ' and '.join('[%s]' % p.name for p in provs)
    # the payload of GROUP_COMMON_PROPERTY_V2 is a PROPERTY_LIST (MS-CMRP 3.1.4.2.138)
    call.events.property_changed(g, [('GroupDependencyExpression', None,
                                      getattr(g, 'dependency_expression', '') or '')])
    return {}


# ---------------------------------------------------------------------------------------------
# Enumerations with selected properties (3.1.4.2.139, 3.1.4.2.140)

def _names(buf):
    return cb.parse_multi_sz(buf) if buf else []


def _lists(call, obj):
    props = select_props(obj.rw_common(), _names(call['pProperties']))
    ro = select_props(obj.ro_common(), _names(call['pRoProperties']))
    if props is None or ro is None:
        raise CmrpError(K.ERROR_INVALID_PARAMETER)
    p, r = property_list(props), property_list(ro)
    return {'cbProperties': len(p), 'Properties': p, 'cbRoProperties': len(r),
            'RoProperties': r}


@api('ApiCreateGroupEnum')
def create_group_enum(call):
    call.obj('hCluster', 'cluster')
    entries = []
    for g in call.state.live(call.state.groups):
        e = {'Name': g.name, 'Id': g.id, 'dwState': g.state, 'Owner': g.owner.name,
             'dwFlags': g.flags}
        e.update(_lists(call, g))
        entries.append(e)
    return {'ppResultList': {'EntryCount': len(entries), 'Entry': entries}}


@api('ApiCreateResourceEnum')
def create_resource_enum(call):
    call.obj('hCluster', 'cluster')
    entries = []
    for r in call.state.live(call.state.resources):
        e = {'Name': r.name, 'Id': r.id, 'OwnerName': r.group.name, 'OwnerId': r.group.id}
        e.update(_lists(call, r))
        entries.append(e)
    return {'ppResultList': {'EntryCount': len(entries), 'Entry': entries}}
