/* packet-cmrp-notify.c - ClusAPI (MS-CMRP) notifications and enumerations.
 *
 * Version 2 notification ports (ApiCreateNotifyV2 / ApiAddNotifyV2 / ApiGetNotifyV2, MS-CMRP
 * 3.1.4.2.136-138, ApiAddNotifyResourceTypeV2 3.1.4.2.144): the filter flags of each object type
 * (2.2.2.11-2.2.2.26) and the notification payloads of 3.1.4.2.138.
 * Version 1 notification ports (ApiCreateNotify, ApiAddNotify*, ApiReAddNotify*, ApiGetNotify,
 * ApiGetNotifyAsync): the CLUSTER_CHANGE bitmask (2.2.2.7).
 * Both: a notification names the frame whose ApiAddNotify* registered its key on that port.
 * Enumerations: ENUM_ENTRY.Type by the enumeration of its method (2.2.3.4) and the property-name
 * filters of ApiCreateGroupEnum / ApiCreateResourceEnum (3.1.4.2.139, 3.1.4.2.140).
 *
 * The payloads are custom-marshalled and little-endian whatever the stub's data representation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/proto_data.h>
#include "cmrp-compat.h"

#include "cmrp-gen.h"
#include "cmrp-hooks.h"
#include "cmrp-prim.h"
#include "cmrp-ndr.h"
#include "packet-cmrp-notify.h"
#include "packet-cmrp-proplist.h"

/* Opnums (CMRP_OPNUM_*), CLUSTER_OBJECT_TYPE (2.2.2.11) and the tables of the enums: cmrp-gen.h. */
#define OT_MAX CMRP_CLUSTER_OBJECT_TYPE_AFFINITYRULE   /* the highest CLUSTER_OBJECT_TYPE */

/* Payload sizes of 2.2.3.29 and 2.2.3.32: three 520-byte names, a DWORD, two ULONGLONGs. The
 * _EX layout of the spec has no padding (1580 bytes); a C compiler aligns the ULONGLONGs (1584). */
#define CSV_NAME_LEN        520
#define CSV_STATE_INFO_LEN  (2 * CSV_NAME_LEN + 4)
#define CSV_STATE_EX_LEN    (3 * CSV_NAME_LEN + 4 + 16)
#define CSV_STATE_EX_LEN_C  (CSV_STATE_EX_LEN + 4)


/* What NOTIFICATION_DATA_RPC.buffer holds for one flag (3.1.4.2.138; /work notify_v2.tsv). */
typedef enum {
    P_OPAQUE,           /* not specified, or raised by a resource DLL: bytes */
    P_EMPTY,            /* the spec says the buffer is empty */
    P_NOT_RETURNED,     /* client-side only: the server MUST NOT return it */
    P_PROPLIST,         /* PROPERTY_LIST (2.2.3.10) with the changed values */
    P_STATE_GROUP,      /* DWORD, CLUSTER_GROUP_STATE (3.1.4.2.46) */
    P_STATE_RESOURCE,   /* DWORD, CLUSTER_RESOURCE_STATE (3.1.4.2.13) */
    P_STATE_NODE,       /* DWORD, CLUSTER_NODE_STATE (3.1.4.2.69) */
    P_STATE_NETWORK,    /* DWORD, CLUSTER_NETWORK_STATE (3.1.4.2.83) */
    P_STATE_NETIF,      /* DWORD, CLUSTER_NETINTERFACE_STATE (3.1.4.2.94) */
    P_STATE_PLAIN,      /* DWORD state without a documented table (group sets) */
    P_GROUP_TYPE,       /* DWORD, CLUSGROUP_TYPE (3.1.4.2.128) */
    P_CLUSTER_VERSION,  /* DWORD cluster operating version */
    P_ID,               /* NUL-terminated UTF-16 object ID */
    P_DEPENDENCY_EXPR,  /* NUL-terminated UTF-16 dependency expression (3.1.4.2.110) */
    P_ID_LIST,          /* MULTI_SZ of object IDs */
    P_MEMBERSHIP,       /* CLUSTER_MEMBERSHIP_INFO (2.2.3.42) */
    P_CSV_STATE         /* PROPERTY_LIST of CLUSTER_SHARED_VOLUME_STATE_INFO(_EX) (2.2.3.29/32) */
} payload_t;

typedef struct {
    uint8_t object_type;
    uint64_t mask;
    const char *name;
    const char *abbrev;
    payload_t payload;
} v2_flag_t;

/* Every CLUSTER_CHANGE_*_V2 flag (2.2.2.12-2.2.2.26), by object type, with its payload. The SDK-only
 * values are marked in idl/types.idl; group set, spaceport and upgrade payloads are not specified
 * (group sets by analogy: *_PROPERTY -> PROPERTY_LIST, STATE -> DWORD). */
/* One row: the object type, the IDL's flag (its value and its name), the field, the payload. */
#define V2(ot, flag, abbrev, payload) \
    { CMRP_CLUSTER_OBJECT_TYPE_##ot, CMRP_##flag, #flag, abbrev, payload }
static const v2_flag_t v2_flags[] = {
    V2(CLUSTER, CLUSTER_CHANGE_CLUSTER_RECONNECT_V2, "cmrp.notify.flags.cluster.reconnect", P_NOT_RETURNED),
    V2(CLUSTER, CLUSTER_CHANGE_CLUSTER_STATE_V2, "cmrp.notify.flags.cluster.state", P_NOT_RETURNED),
    V2(CLUSTER, CLUSTER_CHANGE_CLUSTER_GROUP_ADDED_V2, "cmrp.notify.flags.cluster.group_added", P_GROUP_TYPE),
    V2(CLUSTER, CLUSTER_CHANGE_CLUSTER_HANDLE_CLOSE_V2, "cmrp.notify.flags.cluster.handle_close", P_NOT_RETURNED),
    V2(CLUSTER, CLUSTER_CHANGE_CLUSTER_NETWORK_ADDED_V2, "cmrp.notify.flags.cluster.network_added", P_EMPTY),
    V2(CLUSTER, CLUSTER_CHANGE_CLUSTER_NODE_ADDED_V2, "cmrp.notify.flags.cluster.node_added", P_STATE_NODE),
    V2(CLUSTER, CLUSTER_CHANGE_CLUSTER_RESOURCE_TYPE_ADDED_V2, "cmrp.notify.flags.cluster.resource_type_added", P_EMPTY),
    V2(CLUSTER, CLUSTER_CHANGE_CLUSTER_COMMON_PROPERTY_V2, "cmrp.notify.flags.cluster.common_property", P_PROPLIST),
    V2(CLUSTER, CLUSTER_CHANGE_CLUSTER_PRIVATE_PROPERTY_V2, "cmrp.notify.flags.cluster.private_property", P_PROPLIST),
    V2(CLUSTER, CLUSTER_CHANGE_CLUSTER_LOST_NOTIFICATIONS_V2, "cmrp.notify.flags.cluster.lost_notifications", P_EMPTY),
    V2(CLUSTER, CLUSTER_CHANGE_CLUSTER_RENAME_V2, "cmrp.notify.flags.cluster.rename", P_EMPTY),
    V2(CLUSTER, CLUSTER_CHANGE_CLUSTER_MEMBERSHIP_V2, "cmrp.notify.flags.cluster.membership", P_MEMBERSHIP),
    V2(CLUSTER, CLUSTER_CHANGE_CLUSTER_UPGRADED_V2, "cmrp.notify.flags.cluster.upgraded", P_CLUSTER_VERSION),

    V2(GROUP, CLUSTER_CHANGE_GROUP_DELETED_V2, "cmrp.notify.flags.group.deleted", P_EMPTY),
    V2(GROUP, CLUSTER_CHANGE_GROUP_COMMON_PROPERTY_V2, "cmrp.notify.flags.group.common_property", P_PROPLIST),
    V2(GROUP, CLUSTER_CHANGE_GROUP_PRIVATE_PROPERTY_V2, "cmrp.notify.flags.group.private_property", P_PROPLIST),
    V2(GROUP, CLUSTER_CHANGE_GROUP_STATE_V2, "cmrp.notify.flags.group.state", P_STATE_GROUP),
    V2(GROUP, CLUSTER_CHANGE_GROUP_OWNER_NODE_V2, "cmrp.notify.flags.group.owner_node", P_ID),
    V2(GROUP, CLUSTER_CHANGE_GROUP_PREFERRED_OWNERS_V2, "cmrp.notify.flags.group.preferred_owners", P_ID_LIST),
    V2(GROUP, CLUSTER_CHANGE_GROUP_RESOURCE_ADDED_V2, "cmrp.notify.flags.group.resource_added", P_ID),
    V2(GROUP, CLUSTER_CHANGE_GROUP_RESOURCE_GAINED_V2, "cmrp.notify.flags.group.resource_gained", P_ID),
    V2(GROUP, CLUSTER_CHANGE_GROUP_RESOURCE_LOST_V2, "cmrp.notify.flags.group.resource_lost", P_ID),
    V2(GROUP, CLUSTER_CHANGE_GROUP_HANDLE_CLOSE_V2, "cmrp.notify.flags.group.handle_close", P_NOT_RETURNED),

    V2(RESOURCE, CLUSTER_CHANGE_RESOURCE_COMMON_PROPERTY_V2, "cmrp.notify.flags.resource.common_property", P_PROPLIST),
    /* the spec's table says "Empty"; a non-empty buffer is decoded as the other *_PROPERTY ones */
    V2(RESOURCE, CLUSTER_CHANGE_RESOURCE_PRIVATE_PROPERTY_V2, "cmrp.notify.flags.resource.private_property", P_PROPLIST),
    V2(RESOURCE, CLUSTER_CHANGE_RESOURCE_STATE_V2, "cmrp.notify.flags.resource.state", P_STATE_RESOURCE),
    V2(RESOURCE, CLUSTER_CHANGE_RESOURCE_OWNER_GROUP_V2, "cmrp.notify.flags.resource.owner_group", P_ID),
    V2(RESOURCE, CLUSTER_CHANGE_RESOURCE_DEPENDENCIES_V2, "cmrp.notify.flags.resource.dependencies", P_DEPENDENCY_EXPR),
    V2(RESOURCE, CLUSTER_CHANGE_RESOURCE_DEPENDENTS_V2, "cmrp.notify.flags.resource.dependents", P_ID_LIST),
    V2(RESOURCE, CLUSTER_CHANGE_RESOURCE_POSSIBLE_OWNERS_V2, "cmrp.notify.flags.resource.possible_owners", P_ID_LIST),
    V2(RESOURCE, CLUSTER_CHANGE_RESOURCE_DELETED_V2, "cmrp.notify.flags.resource.deleted", P_ID),
    V2(RESOURCE, CLUSTER_CHANGE_RESOURCE_DLL_UPGRADED_V2, "cmrp.notify.flags.resource.dll_upgraded", P_ID),
    V2(RESOURCE, CLUSTER_CHANGE_RESOURCE_HANDLE_CLOSE_V2, "cmrp.notify.flags.resource.handle_close", P_NOT_RETURNED),
    V2(RESOURCE, CLUSTER_CHANGE_RESOURCE_TERMINAL_STATE_V2, "cmrp.notify.flags.resource.terminal_state", P_OPAQUE),

    V2(RESOURCE_TYPE, CLUSTER_CHANGE_RESOURCE_TYPE_DELETED_V2, "cmrp.notify.flags.resource_type.deleted", P_EMPTY),
    V2(RESOURCE_TYPE, CLUSTER_CHANGE_RESOURCE_TYPE_COMMON_PROPERTY_V2, "cmrp.notify.flags.resource_type.common_property", P_PROPLIST),
    V2(RESOURCE_TYPE, CLUSTER_CHANGE_RESOURCE_TYPE_PRIVATE_PROPERTY_V2, "cmrp.notify.flags.resource_type.private_property", P_PROPLIST),
    V2(RESOURCE_TYPE, CLUSTER_CHANGE_RESOURCE_TYPE_POSSIBLE_OWNERS_V2, "cmrp.notify.flags.resource_type.possible_owners", P_ID_LIST),
    V2(RESOURCE_TYPE, CLUSTER_CHANGE_RESOURCE_TYPE_DLL_UPGRADED_V2, "cmrp.notify.flags.resource_type.dll_upgraded", P_ID),
    V2(RESOURCE_TYPE, CLUSTER_RESOURCE_TYPE_SPECIFIC_V2, "cmrp.notify.flags.resource_type.specific", P_OPAQUE),

    V2(NETWORK_INTERFACE, CLUSTER_CHANGE_NETINTERFACE_DELETED_V2, "cmrp.notify.flags.netinterface.deleted", P_EMPTY),
    V2(NETWORK_INTERFACE, CLUSTER_CHANGE_NETINTERFACE_COMMON_PROPERTY_V2, "cmrp.notify.flags.netinterface.common_property", P_PROPLIST),
    V2(NETWORK_INTERFACE, CLUSTER_CHANGE_NETINTERFACE_PRIVATE_PROPERTY_V2, "cmrp.notify.flags.netinterface.private_property", P_PROPLIST),
    V2(NETWORK_INTERFACE, CLUSTER_CHANGE_NETINTERFACE_STATE_V2, "cmrp.notify.flags.netinterface.state", P_STATE_NETIF),
    V2(NETWORK_INTERFACE, CLUSTER_CHANGE_NETINTERFACE_HANDLE_CLOSE_V2, "cmrp.notify.flags.netinterface.handle_close", P_NOT_RETURNED),

    V2(NETWORK, CLUSTER_CHANGE_NETWORK_DELETED_V2, "cmrp.notify.flags.network.deleted", P_EMPTY),
    V2(NETWORK, CLUSTER_CHANGE_NETWORK_COMMON_PROPERTY_V2, "cmrp.notify.flags.network.common_property", P_PROPLIST),
    V2(NETWORK, CLUSTER_CHANGE_NETWORK_PRIVATE_PROPERTY_V2, "cmrp.notify.flags.network.private_property", P_PROPLIST),
    V2(NETWORK, CLUSTER_CHANGE_NETWORK_STATE_V2, "cmrp.notify.flags.network.state", P_STATE_NETWORK),
    V2(NETWORK, CLUSTER_CHANGE_NETWORK_HANDLE_CLOSE_V2, "cmrp.notify.flags.network.handle_close", P_NOT_RETURNED),

    V2(NODE, CLUSTER_CHANGE_NODE_NETINTERFACE_ADDED_V2, "cmrp.notify.flags.node.netinterface_added", P_ID),
    V2(NODE, CLUSTER_CHANGE_NODE_DELETED_V2, "cmrp.notify.flags.node.deleted", P_STATE_NODE),
    V2(NODE, CLUSTER_CHANGE_NODE_COMMON_PROPERTY_V2, "cmrp.notify.flags.node.common_property", P_PROPLIST),
    V2(NODE, CLUSTER_CHANGE_NODE_PRIVATE_PROPERTY_V2, "cmrp.notify.flags.node.private_property", P_PROPLIST),
    V2(NODE, CLUSTER_CHANGE_NODE_STATE_V2, "cmrp.notify.flags.node.state", P_STATE_NODE),
    V2(NODE, CLUSTER_CHANGE_NODE_GROUP_GAINED_V2, "cmrp.notify.flags.node.group_gained", P_ID),
    V2(NODE, CLUSTER_CHANGE_NODE_GROUP_LOST_V2, "cmrp.notify.flags.node.group_lost", P_ID),
    V2(NODE, CLUSTER_CHANGE_NODE_HANDLE_CLOSE_V2, "cmrp.notify.flags.node.handle_close", P_NOT_RETURNED),

    V2(REGISTRY, CLUSTER_CHANGE_REGISTRY_ATTRIBUTES_V2, "cmrp.notify.flags.registry.attributes", P_EMPTY),
    V2(REGISTRY, CLUSTER_CHANGE_REGISTRY_NAME_V2, "cmrp.notify.flags.registry.name", P_EMPTY),
    V2(REGISTRY, CLUSTER_CHANGE_REGISTRY_SUBTREE_V2, "cmrp.notify.flags.registry.subtree", P_NOT_RETURNED),
    V2(REGISTRY, CLUSTER_CHANGE_REGISTRY_VALUE_V2, "cmrp.notify.flags.registry.value", P_EMPTY),
    V2(REGISTRY, CLUSTER_CHANGE_REGISTRY_HANDLE_CLOSE_V2, "cmrp.notify.flags.registry.handle_close", P_NOT_RETURNED),

    V2(QUORUM, CLUSTER_CHANGE_QUORUM_STATE_V2, "cmrp.notify.flags.quorum.state", P_STATE_RESOURCE),

    V2(SHARED_VOLUME, CLUSTER_CHANGE_SHARED_VOLUME_STATE_V2, "cmrp.notify.flags.shared_volume.state", P_CSV_STATE),
    V2(SHARED_VOLUME, CLUSTER_CHANGE_SHARED_VOLUME_ADDED_V2, "cmrp.notify.flags.shared_volume.added", P_OPAQUE),
    V2(SHARED_VOLUME, CLUSTER_CHANGE_SHARED_VOLUME_REMOVED_V2, "cmrp.notify.flags.shared_volume.removed", P_OPAQUE),

    V2(SPACEPORT, CLUSTER_CHANGE_SPACEPORT_CUSTOM_PNP_V2, "cmrp.notify.flags.spaceport.custom_pnp", P_OPAQUE),

    V2(UPGRADE, CLUSTER_CHANGE_UPGRADE_NODE_PREPARE, "cmrp.notify.flags.upgrade.node_prepare", P_OPAQUE),
    V2(UPGRADE, CLUSTER_CHANGE_UPGRADE_NODE_COMMIT, "cmrp.notify.flags.upgrade.node_commit", P_OPAQUE),
    V2(UPGRADE, CLUSTER_CHANGE_UPGRADE_NODE_POSTCOMMIT, "cmrp.notify.flags.upgrade.node_postcommit", P_OPAQUE),

    V2(GROUPSET, CLUSTER_CHANGE_GROUPSET_DELETED_v2, "cmrp.notify.flags.groupset.deleted", P_EMPTY),
    V2(GROUPSET, CLUSTER_CHANGE_GROUPSET_COMMON_PROPERTY_V2, "cmrp.notify.flags.groupset.common_property", P_PROPLIST),
    V2(GROUPSET, CLUSTER_CHANGE_GROUPSET_PRIVATE_PROPERTY_V2, "cmrp.notify.flags.groupset.private_property", P_PROPLIST),
    V2(GROUPSET, CLUSTER_CHANGE_GROUPSET_STATE_V2, "cmrp.notify.flags.groupset.state", P_STATE_PLAIN),
    V2(GROUPSET, CLUSTER_CHANGE_GROUPSET_GROUP_ADDED, "cmrp.notify.flags.groupset.group_added", P_OPAQUE),
    V2(GROUPSET, CLUSTER_CHANGE_GROUPSET_GROUP_REMOVED, "cmrp.notify.flags.groupset.group_removed", P_OPAQUE),
    V2(GROUPSET, CLUSTER_CHANGE_GROUPSET_DEPENDENCIES_V2, "cmrp.notify.flags.groupset.dependencies", P_OPAQUE),
    V2(GROUPSET, CLUSTER_CHANGE_GROUPSET_DEPENDENTS_V2, "cmrp.notify.flags.groupset.dependents", P_OPAQUE),
    V2(GROUPSET, CLUSTER_CHANGE_GROUPSET_HANDLE_CLOSE_v2, "cmrp.notify.flags.groupset.handle_close", P_NOT_RETURNED),
};
#undef V2
#define N_V2_FLAGS (sizeof v2_flags / sizeof v2_flags[0])

/* Per object type: its flags in v2_flags[first .. first+count), the NULL-terminated bitmask field
 * list and the union of its masks. Filled once at registration from v2_flags. */
typedef struct {
    unsigned first;
    unsigned count;
    uint64_t known;
    int *const *fields;
} v2_type_t;

static int v2_flag_hf[N_V2_FLAGS]; /* ids, not named hf_*: checkhf.pl reads hf_ arrays as static registrations */
static hf_register_info hf_v2_flag_info[N_V2_FLAGS];
static int *v2_field_lists[N_V2_FLAGS + OT_MAX + 1];
static v2_type_t v2_types[OT_MAX + 1];

static int hf_notify_filter_flags = -1;
static int hf_notify_filter = -1;
static int hf_notify_key = -1;
static int hf_notify_registered_in = -1;
static int hf_notify_change = -1;
static int hf_notify_state_group = -1;
static int hf_notify_state_resource = -1;
static int hf_notify_state_node = -1;
static int hf_notify_state_network = -1;
static int hf_notify_state_netif = -1;
static int hf_notify_state_plain = -1;
static int hf_notify_group_type = -1;
static int hf_notify_cluster_version = -1;
static int hf_notify_id = -1;
static int hf_notify_dependency_expression = -1;
static int hf_notify_data = -1;
static int hf_notify_trailing = -1;
static int hf_notify_mbr_has_quorum = -1;
static int hf_notify_mbr_up_nodes_size = -1;
static int hf_notify_mbr_up_node = -1;
static int hf_notify_csv_state_info = -1;
static int hf_notify_csv_volume_name = -1;
static int hf_notify_csv_node_name = -1;
static int hf_notify_csv_state = -1;
static int hf_notify_csv_friendly_name = -1;
static int hf_notify_csv_padding = -1;
static int hf_notify_csv_redirected = -1;
static int hf_notify_csv_redirected_user = -1;
static int hf_notify_csv_redirected_fs_filter = -1;
static int hf_notify_csv_redirected_vol_filter = -1;
static int hf_notify_csv_redirected_fs_config = -1;
static int hf_notify_csv_redirected_encryption = -1;
static int hf_notify_csv_block_redirected = -1;
static int hf_notify_csv_block_no_disk = -1;
static int hf_notify_csv_block_space_not_attached = -1;

/* CLUSTER_CHANGE (2.2.2.7), one bit each */
static int hf_change_node_state = -1;
static int hf_change_node_deleted = -1;
static int hf_change_node_added = -1;
static int hf_change_node_property = -1;
static int hf_change_registry_name = -1;
static int hf_change_registry_attributes = -1;
static int hf_change_registry_value = -1;
static int hf_change_registry_subtree = -1;
static int hf_change_resource_state = -1;
static int hf_change_resource_deleted = -1;
static int hf_change_resource_added = -1;
static int hf_change_resource_property = -1;
static int hf_change_group_state = -1;
static int hf_change_group_deleted = -1;
static int hf_change_group_added = -1;
static int hf_change_group_property = -1;
static int hf_change_resource_type_deleted = -1;
static int hf_change_resource_type_added = -1;
static int hf_change_resource_type_property = -1;
static int hf_change_cluster_reconnect = -1;
static int hf_change_network_state = -1;
static int hf_change_network_deleted = -1;
static int hf_change_network_added = -1;
static int hf_change_network_property = -1;
static int hf_change_netinterface_state = -1;
static int hf_change_netinterface_deleted = -1;
static int hf_change_netinterface_added = -1;
static int hf_change_netinterface_property = -1;
static int hf_change_quorum_state = -1;
static int hf_change_cluster_state = -1;
static int hf_change_cluster_property = -1;
static int hf_change_handle_close = -1;

/* ENUM_ENTRY.Type, one field per enumeration (same filter name) */
static int hf_enum_type_cluster = -1;
static int hf_enum_type_resource = -1;
static int hf_enum_type_group = -1;
static int hf_enum_type_network = -1;
static int hf_enum_type_node = -1;
static int hf_enum_type_restype = -1;
static int hf_enum_type_plain = -1;
static int hf_enum_property_name = -1;

static gint ett_notify_flags = -1;
static gint ett_notify_change = -1;
static gint ett_notify_csv = -1;
static gint ett_notify_csv_reason = -1;
static gint ett_notify_membership = -1;
static gint ett_v2_type[OT_MAX + 1];

static expert_field ei_notify_buffer_size = EI_INIT;
static expert_field ei_notify_short = EI_INIT;
static expert_field ei_notify_trailing = EI_INIT;
static expert_field ei_notify_unterminated = EI_INIT;
static expert_field ei_notify_unexpected_data = EI_INIT;
static expert_field ei_notify_not_returned = EI_INIT;
static expert_field ei_notify_not_one_flag = EI_INIT;
static expert_field ei_notify_unknown_flags = EI_INIT;
static expert_field ei_notify_unknown_object_type = EI_INIT;
static expert_field ei_notify_too_deep = EI_INIT;
static expert_field ei_notify_count_overrun = EI_INIT;
static expert_field ei_notify_unregistered_key = EI_INIT;

static int *const change_fields[] = {
    &hf_change_node_state, &hf_change_node_deleted, &hf_change_node_added, &hf_change_node_property,
    &hf_change_registry_name, &hf_change_registry_attributes, &hf_change_registry_value,
    &hf_change_registry_subtree, &hf_change_resource_state, &hf_change_resource_deleted,
    &hf_change_resource_added, &hf_change_resource_property, &hf_change_group_state,
    &hf_change_group_deleted, &hf_change_group_added, &hf_change_group_property,
    &hf_change_resource_type_deleted, &hf_change_resource_type_added,
    &hf_change_resource_type_property, &hf_change_cluster_reconnect, &hf_change_network_state,
    &hf_change_network_deleted, &hf_change_network_added, &hf_change_network_property,
    &hf_change_netinterface_state, &hf_change_netinterface_deleted, &hf_change_netinterface_added,
    &hf_change_netinterface_property, &hf_change_quorum_state, &hf_change_cluster_state,
    &hf_change_cluster_property, &hf_change_handle_close, NULL
};

static int *const csv_redirected_fields[] = {
    &hf_notify_csv_redirected_user, &hf_notify_csv_redirected_fs_filter,
    &hf_notify_csv_redirected_vol_filter, &hf_notify_csv_redirected_fs_config,
    &hf_notify_csv_redirected_encryption, NULL
};

static int *const csv_block_fields[] = {
    &hf_notify_csv_block_no_disk, &hf_notify_csv_block_space_not_attached, NULL
};

/* ------------------------------------------------------------------------------------------------
 * Notification keys: (notification port handle, key) -> the frames of the calls that registered it.
 * The value is a tree keyed by the registering request's frame number, so a notification links to
 * the latest registration at or before it even when a key is registered again later.
 */

#define PORT_KEY_LEN 28     /* 20-byte context handle + 64-bit key, little-endian */

static wmem_map_t *notify_keys;

static guint
port_key_hash(gconstpointer k)
{
    return wmem_strong_hash((const guint8 *)k, PORT_KEY_LEN);
}

static gboolean
port_key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, PORT_KEY_LEN) == 0;
}

static void
make_port_key(uint8_t out[PORT_KEY_LEN], const uint8_t port[20], uint64_t key)
{
    memcpy(out, port, 20);
    for (unsigned i = 0; i < 8; i++)
        out[20 + i] = (uint8_t)(key >> (8 * i));
}

static void
register_key(const uint8_t port[20], uint64_t key, uint32_t frame)
{
    uint8_t k[PORT_KEY_LEN];
    wmem_tree_t *frames;

    make_port_key(k, port, key);
    frames = (wmem_tree_t *)wmem_map_lookup(notify_keys, k);
    if (!frames) {
        uint8_t *kk = (uint8_t *)wmem_memdup(wmem_file_scope(), k, PORT_KEY_LEN);
        frames = wmem_tree_new(wmem_file_scope());
        wmem_map_insert(notify_keys, kk, frames);
    }
    wmem_tree_insert32(frames, frame, GUINT_TO_POINTER(frame));
}

/* The frame of the latest registration of `key` on `port` at or before `frame`, or 0. */
static uint32_t
lookup_key(const uint8_t port[20], uint64_t key, uint32_t frame)
{
    uint8_t k[PORT_KEY_LEN];
    wmem_tree_t *frames;

    make_port_key(k, port, key);
    frames = (wmem_tree_t *)wmem_map_lookup(notify_keys, k);
    if (!frames)
        return 0;
    return GPOINTER_TO_UINT(wmem_tree_lookup32_le(frames, frame));
}

/* Adds cmrp.notify.registered_in for a notification carrying `key` on this call's port. */
static void
add_registered_in(proto_tree *tree, tvbuff_t *tvb, int offset, int length, cmrp_hook_ctx_t *ctx,
                  uint64_t key)
{
    uint32_t reg;
    proto_item *pi;

    if (!cmrp_call_handle(ctx->call))
        return;         /* the request (and so the port) was not seen */
    reg = lookup_key(cmrp_call_handle(ctx->call), key, ctx->pinfo->num);
    if (reg == 0) {
        proto_tree_add_expert_format(tree, ctx->pinfo, &ei_notify_unregistered_key, tvb, offset,
                                     length, "No registration of key 0x%" PRIx64
                                     " on this notification port was seen", key);
        return;
    }
    pi = proto_tree_add_uint(tree, hf_notify_registered_in, tvb, offset, length, reg);
    proto_item_set_generated(pi);
}

/* ------------------------------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------------------------------
 * The events of a notification batch (ApiGetNotifyV2, ApiGetNotifyAsync, ApiGetNotify).
 *
 * NDR puts the notification structures first and their pointed-to data (payload, ObjectId,
 * ParentId, Name, Type) after them, in order. So the filter hooks count the events (and record
 * their types, for the statistics) before any payload is read; the payload hook keeps the key
 * value of the current notification; the Name hook, which ends it, writes the event
 * (`Resource "Disk 1" state Online`) into the notification's tree text and, while there is room,
 * into the Info column: `3 events: Resource "Disk 1" state Online, ...`.
 * Strings are built only when the Info column still has room or the tree is shown.
 */

#define INFO_EVENTS_MAX 64          /* characters of event text in Info (the line stays ~120) */
#define BATCH_KEY 0x4e4f54u         /* proto data key of the per-packet batch state */
#define MAX_EVENT_TYPES 4096        /* event types kept per packet for the statistics */

typedef struct {
    unsigned count;                 /* events seen by the filter hooks */
    unsigned done;                  /* events written (named) */
    unsigned info_len;              /* event characters in Info so far */
    bool info_full;                 /* "..." written: no more events in Info */
    const char *value;              /* key payload value of the current notification, or NULL */
    wmem_array_t *types;            /* const char * per event: its filter name (statistics) */
} batch_t;

static int proto_notify = -1;

static batch_t *
get_batch(packet_info *pinfo)
{
    batch_t *b = (batch_t *)p_get_proto_data(pinfo->pool, pinfo, proto_notify, BATCH_KEY);
    if (!b) {
        b = wmem_new0(pinfo->pool, batch_t);
        /* no Info column (tshark -V, -T fields): event text only for a shown tree */
        b->info_full = !cmrp_info_wanted(pinfo);
        p_add_proto_data(pinfo->pool, pinfo, proto_notify, BATCH_KEY, b);
    }
    return b;
}

/* One more event in this response, of filter `name` (static; NULL if unknown). */
static void
batch_count(packet_info *pinfo, const char *name)
{
    batch_t *b = get_batch(pinfo);
    b->count++;
    if (!b->types)
        b->types = wmem_array_sized_new(pinfo->pool, sizeof(const char *), 8);
    if (wmem_array_get_count(b->types) < MAX_EVENT_TYPES) {
        const char *n = name ? name : "unknown filter";
        wmem_array_append_one(b->types, n);
    }
}

unsigned
cmrp_notify_event_types(packet_info *pinfo, const char *const **names)
{
    batch_t *b = (batch_t *)p_get_proto_data(pinfo->pool, pinfo, proto_notify, BATCH_KEY);
    if (!b || !b->types) {
        *names = NULL;
        return 0;
    }
    *names = (const char *const *)wmem_array_get_raw(b->types);
    return wmem_array_get_count(b->types);
}

/* Does anyone want the event text of this notification? */
static bool
event_wanted(const batch_t *b, proto_tree *tree)
{
    return !b->info_full || (tree && PTREE_DATA(tree)->visible);
}

/* Writes one finished event: tree text on `item` (may be NULL) and Info. */
static void
batch_event(packet_info *pinfo, batch_t *b, proto_item *item, const char *text)
{
    size_t len = strlen(text);

    if (item)
        proto_item_append_text(item, ": %s", text);
    b->done++;
    if (b->info_full)
        return;
    if (b->done == 1)
        cmrp_info_append(pinfo, wmem_strdup_printf(pinfo->pool, "%u event%s:", b->count,
                                                   b->count == 1 ? "" : "s"));
    if (b->done > 1 && b->info_len + len > INFO_EVENTS_MAX) {
        cmrp_info_append(pinfo, "...");
        b->info_full = true;
        return;
    }
    if (len > INFO_EVENTS_MAX) {
        /* a long first event (an object ID as the value): cut at a character boundary */
        const char *cut = g_utf8_find_prev_char(text, text + INFO_EVENTS_MAX - 2);
        text = wmem_strdup_printf(pinfo->pool, "%.*s...", (int)(cut ? cut - text : 0), text);
        len = strlen(text);
    }
    b->info_len += (unsigned)len + 2;
    if (b->done < b->count)
        cmrp_info_append(pinfo, wmem_strdup_printf(pinfo->pool, "%s,", text));
    else
        cmrp_info_append(pinfo, text);
}

/* Object type names for event text (CLUSTER_OBJECT_TYPE, 2.2.2.11) */
static const char *const ot_short[] = {
    NULL, "Cluster", "Group", "Resource", "Resource type", "Network interface", "Network", "Node",
    "Registry", "Quorum", "Shared volume", "Spaceport", "Upgrade", "Group set", "SBL device",
    "Certificate", "Affinity rule"
};

/* The value name without its enumeration's prefix: ClusterResourceOnline -> Online. */
static const char *
short_state(uint32_t v, const value_string *vs, const char *prefix)
{
    const char *n = try_val_to_str(v, vs);
    size_t pl = strlen(prefix);
    if (!n)
        return NULL;
    return strncmp(n, prefix, pl) == 0 && n[pl] ? n + pl : n;
}

static const v2_flag_t *
find_flag(uint32_t object_type, uint64_t flag)
{
    if (object_type == 0 || object_type > OT_MAX)
        return NULL;
    for (unsigned i = 0; i < v2_types[object_type].count; i++) {
        const v2_flag_t *f = &v2_flags[v2_types[object_type].first + i];
        if (f->mask == flag)
            return f;
    }
    return NULL;
}

static unsigned
popcount64(uint64_t v)
{
    unsigned n = 0;
    while (v) {
        v &= v - 1;
        n++;
    }
    return n;
}

/* "A|B" for the flags of `value` (packet scope). */
static const char *
flag_names(packet_info *pinfo, uint32_t object_type, uint64_t value)
{
    wmem_strbuf_t *sb = wmem_strbuf_new(pinfo->pool, "");
    for (unsigned bit = 0; bit < 64; bit++) {
        uint64_t m = (uint64_t)1 << bit;
        const v2_flag_t *f;
        if (!(value & m))
            continue;
        f = find_flag(object_type, m);
        if (wmem_strbuf_get_len(sb))
            wmem_strbuf_append_c(sb, '|');
        if (f)
            wmem_strbuf_append(sb, f->name);
        else
            wmem_strbuf_append_printf(sb, "0x%" PRIx64, m);
    }
    return wmem_strbuf_get_len(sb) ? wmem_strbuf_get_str(sb) : "none";
}

void
cmrp_hook_notify_filter_flags(tvbuff_t *tvb, int offset, int length, proto_tree *tree,
                              cmrp_hook_ctx_t *ctx, uint64_t value)
{
    uint64_t v;
    uint32_t object_type = 0;
    proto_item *pi;

    if (ctx->opnum == CMRP_OPNUM_ApiAddNotifyResourceTypeV2) {
        object_type = CMRP_CLUSTER_OBJECT_TYPE_RESOURCE_TYPE;
    } else if (cmrp_hook_member(ctx, CMRP_NAME_dwObjectType, &v)) {
        object_type = (uint32_t)v;
    }

    if (ctx->opnum == CMRP_OPNUM_ApiGetNotifyV2 && !ctx->request) {
        /* One notification: exactly one flag of its object type. */
        const v2_flag_t *f = find_flag(object_type, value);
        proto_tree *ntree;

        /* the flags' names only label the item: none when no item is kept */
        bool named = tree && (PTREE_DATA(tree)->visible ||
                              proto_field_is_referenced(tree, hf_notify_filter));
        pi = proto_tree_add_uint64_format_value(tree, hf_notify_filter, tvb, offset, length, value,
                                                "%s (0x%08" PRIx64 ")",
                                                named ? flag_names(ctx->pinfo, object_type, value)
                                                      : "", value);
        if (popcount64(value) != 1)
            expert_add_info(ctx->pinfo, pi, &ei_notify_not_one_flag);
        else if (f && f->payload == P_NOT_RETURNED)
            expert_add_info(ctx->pinfo, pi, &ei_notify_not_returned);
        batch_count(ctx->pinfo, f ? f->name : NULL);

        /* NOTIFICATION_RPC (2.2.3.24) is { DWORD_PTR dwNotifyKey; NOTIFICATION_DATA_RPC }: the
         * key is a member of the structure that encloses this one */
        {
            uint64_t key;
            if (cmrp_hook_member(ctx, CMRP_NAME_dwNotifyKey, &key)) {
                ntree = proto_tree_get_parent_tree(tree);
                add_registered_in(ntree ? ntree : tree, tvb, offset, length, ctx, key);
            }
        }
        return;
    }

    /* Registration (ApiAddNotifyV2, ApiAddNotifyResourceTypeV2): the flag set of the type. */
    if (object_type >= 1 && object_type <= OT_MAX && v2_types[object_type].count) {
        const v2_type_t *t = &v2_types[object_type];
        pi = proto_tree_add_bitmask(tree, tvb, offset, hf_notify_filter_flags, ett_v2_type[object_type],
                                    t->fields, ctx->drep_enc);
        if (value & ~t->known)
            expert_add_info_format(ctx->pinfo, pi, &ei_notify_unknown_flags,
                                   "Bits 0x%" PRIx64 " are not %s flags", value & ~t->known,
                                   val_to_str_const(object_type, cmrp_vs_CLUSTER_OBJECT_TYPE, "?"));
    } else {
        pi = proto_tree_add_item(tree, hf_notify_filter_flags, tvb, offset, length, ctx->drep_enc);
        if (object_type < 1 || object_type > OT_MAX)
            expert_add_info(ctx->pinfo, pi, &ei_notify_unknown_object_type);
        else if (value)
            expert_add_info_format(ctx->pinfo, pi, &ei_notify_unknown_flags,
                                   "%s has no filter flags",
                                   val_to_str_const(object_type, cmrp_vs_CLUSTER_OBJECT_TYPE, "?"));
    }
}

void
cmrp_hook_notify_key(tvbuff_t *tvb, int offset, int length, proto_tree *tree, cmrp_hook_ctx_t *ctx,
                     uint64_t value)
{
    proto_tree_add_uint64(tree, hf_notify_key, tvb, offset, length, value);
    if (!ctx->request && (ctx->opnum == CMRP_OPNUM_ApiGetNotify || ctx->opnum == CMRP_OPNUM_ApiGetNotifyAsync))
        add_registered_in(tree, tvb, offset, length, ctx, value);
}

void
cmrp_hook_notify_register(tvbuff_t *tvb, int offset, int length, proto_tree *tree,
                          cmrp_hook_ctx_t *ctx, uint64_t value)
{
    uint64_t key, rpc_status;

    ctx->ret_item = proto_tree_add_item(tree, hf_cmrp_rc, tvb, offset, length, ctx->drep_enc);
    if (PINFO_FD_VISITED(ctx->pinfo) || ctx->request || value != 0 || !cmrp_call_handle(ctx->call))
        return;
    if (cmrp_hook_param(ctx, CMRP_NAME_rpc_status, &rpc_status) && rpc_status != 0)
        return;
    if (!cmrp_hook_param(ctx, CMRP_NAME_dwNotifyKey, &key))
        return;
    /* the request's first handle is hNotify, the port the key is registered on */
    register_key(cmrp_call_handle(ctx->call), key, ctx->call->req_frame ? ctx->call->req_frame
                                                                : ctx->pinfo->num);
}

/* The name of the first CLUSTER_CHANGE bit of `v` (a notification has one), from its field. */
static const char *
change_name(uint32_t v)
{
    for (unsigned i = 0; change_fields[i]; i++) {
        header_field_info *hfi = proto_registrar_get_nth(*change_fields[i]);
        if (hfi && (hfi->bitmask & v))
            return hfi->name;
    }
    return NULL;
}

void
cmrp_hook_notify_change(tvbuff_t *tvb, int offset, int length _U_, proto_tree *tree,
                        cmrp_hook_ctx_t *ctx, uint64_t value)
{
    proto_tree_add_bitmask(tree, tvb, offset, hf_notify_change, ett_notify_change, change_fields,
                           ctx->drep_enc);
    if (!ctx->request && (ctx->opnum == CMRP_OPNUM_ApiGetNotify || ctx->opnum == CMRP_OPNUM_ApiGetNotifyAsync))
        batch_count(ctx->pinfo, change_name((uint32_t)value));
}

/* ------------------------------------------------------------------------------------------------
 * NOTIFICATION_DATA_RPC.buffer
 */

/* A DWORD payload; more than 4 bytes leaves trailing data, fewer is malformed. */
static void
payload_dword(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, int hf, const char *what)
{
    int len = (int)tvb_reported_length(tvb);
    proto_item *pi;

    if (len < 4) {
        pi = proto_tree_add_item(tree, hf_notify_data, tvb, 0, len, ENC_NA);
        expert_add_info_format(pinfo, pi, &ei_notify_short, "%d byte%s, a %s is 4", len,
                               len == 1 ? "" : "s", what);
        return;
    }
    proto_tree_add_item(tree, hf, tvb, 0, 4, ENC_LITTLE_ENDIAN);
    if (len > 4) {
        pi = proto_tree_add_item(tree, hf_notify_trailing, tvb, 4, len - 4, ENC_NA);
        expert_add_info(pinfo, pi, &ei_notify_trailing);
    }
}

/* The DWORD payloads: their field, what a short one is called, and for the states the table and
 * the prefix short_state() drops in the event text. */
static const struct {
    int *hf;
    const char *what;
    const value_string *vals;
    const char *prefix;
} dword_payloads[] = {
    [P_STATE_GROUP] = { &hf_notify_state_group, "group state", cmrp_vs_CLUSTER_GROUP_STATE, "ClusterGroup" },
    [P_STATE_RESOURCE] = { &hf_notify_state_resource, "resource state", cmrp_vs_CLUSTER_RESOURCE_STATE,
                           "ClusterResource" },
    [P_STATE_NODE] = { &hf_notify_state_node, "node state", cmrp_vs_CLUSTER_NODE_STATE, "ClusterNode" },
    [P_STATE_NETWORK] = { &hf_notify_state_network, "network state", cmrp_vs_CLUSTER_NETWORK_STATE,
                          "ClusterNetwork" },
    [P_STATE_NETIF] = { &hf_notify_state_netif, "network interface state", cmrp_vs_CLUSTER_NETINTERFACE_STATE,
                        "ClusterNetInterface" },
    [P_STATE_PLAIN] = { &hf_notify_state_plain, "state", NULL, NULL },
    [P_GROUP_TYPE] = { &hf_notify_group_type, "group type", NULL, NULL },
    [P_CLUSTER_VERSION] = { &hf_notify_cluster_version, "cluster version", NULL, NULL },
};

/* A NUL-terminated UTF-16 string that fills the buffer (allowing padding after the NUL). */
static void
payload_string(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, int hf)
{
    int len = (int)tvb_reported_length(tvb);
    int i;

    for (i = 0; i + 1 < len; i += 2) {
        if (tvb_get_letohs(tvb, i) == 0)
            break;
    }
    if (i + 1 < len) {
        cmrp_add_utf16z(tree, hf, tvb, 0, i + 2, pinfo, NULL, NULL);
        /* "0 or more bytes of padding" after strings is the norm in these structures */
    } else {
        cmrp_add_utf16z(tree, hf, tvb, 0, len, pinfo, &ei_notify_unterminated, NULL);
    }
}

/* CLUSTER_MEMBERSHIP_INFO (2.2.3.42): BOOLEAN HasQuorum (1 byte), DWORD UpNodesSize, UpNodes[]. */
static void
payload_membership(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    int len = (int)tvb_reported_length(tvb);
    proto_item *pi;
    proto_tree *mt;
    uint32_t n, shown;

    mt = proto_tree_add_subtree(tree, tvb, 0, len, ett_notify_membership, NULL,
                                "CLUSTER_MEMBERSHIP_INFO");
    if (len < 5) {
        pi = proto_tree_add_item(mt, hf_notify_data, tvb, 0, len, ENC_NA);
        expert_add_info_format(pinfo, pi, &ei_notify_short,
                               "%d byte%s, CLUSTER_MEMBERSHIP_INFO needs at least 5", len,
                               len == 1 ? "" : "s");
        return;
    }
    proto_tree_add_item(mt, hf_notify_mbr_has_quorum, tvb, 0, 1, ENC_NA);
    pi = proto_tree_add_item_ret_uint(mt, hf_notify_mbr_up_nodes_size, tvb, 1, 4, ENC_LITTLE_ENDIAN, &n);
    shown = n;
    if (n > (uint32_t)(len - 5)) {
        expert_add_info_format(pinfo, pi, &ei_notify_count_overrun,
                               "UpNodesSize %u, but only %d bytes follow", n, len - 5);
        shown = (uint32_t)(len - 5);
    }
    for (uint32_t i = 0; i < shown; i++)
        proto_tree_add_item(mt, hf_notify_mbr_up_node, tvb, 5 + (int)i, 1, ENC_NA);
    if (5 + (int)shown < len) {
        pi = proto_tree_add_item(mt, hf_notify_trailing, tvb, 5 + (int)shown, len - 5 - (int)shown, ENC_NA);
        expert_add_info(pinfo, pi, &ei_notify_trailing);
    }
}

/* A fixed 520-byte UTF-16 name, NUL-padded. */
static void
csv_name(tvbuff_t *tvb, int offset, proto_tree *tree, packet_info *pinfo, int hf)
{
    bool terminated = false;
    proto_item *pi;

    for (int i = 0; i < CSV_NAME_LEN; i += 2) {
        if (tvb_get_letohs(tvb, offset + i) == 0) {
            terminated = true;
            break;
        }
    }
    pi = proto_tree_add_item(tree, hf, tvb, offset, CSV_NAME_LEN, ENC_UTF_16 | ENC_LITTLE_ENDIAN);
    if (!terminated)
        expert_add_info(pinfo, pi, &ei_notify_unterminated);
}

/* CLUSTER_SHARED_VOLUME_STATE_INFO (2.2.3.29) or _EX (2.2.3.32) of exactly `len` bytes. */
static void
csv_state_info(tvbuff_t *tvb, int offset, int len, proto_tree *tree, packet_info *pinfo)
{
    proto_item *ti;
    proto_tree *st;
    uint32_t state;
    bool ex = len != CSV_STATE_INFO_LEN;
    int off = offset;

    ti = proto_tree_add_item(tree, hf_notify_csv_state_info, tvb, offset, len, ENC_NA);
    proto_item_set_text(ti, "%s", ex ? "CLUSTER_SHARED_VOLUME_STATE_INFO_EX"
                                     : "CLUSTER_SHARED_VOLUME_STATE_INFO");
    st = proto_item_add_subtree(ti, ett_notify_csv);
    csv_name(tvb, off, st, pinfo, hf_notify_csv_volume_name);
    off += CSV_NAME_LEN;
    csv_name(tvb, off, st, pinfo, hf_notify_csv_node_name);
    off += CSV_NAME_LEN;
    proto_tree_add_item_ret_uint(st, hf_notify_csv_state, tvb, off, 4, ENC_LITTLE_ENDIAN, &state);
    off += 4;
    proto_item_append_text(ti, ": %s", val_to_str_const(state, cmrp_vs_CLUSTER_SHARED_VOLUME_STATE, "unknown state"));
    if (!ex)
        return;
    csv_name(tvb, off, st, pinfo, hf_notify_csv_friendly_name);
    off += CSV_NAME_LEN;
    if (len == CSV_STATE_EX_LEN_C) {
        proto_tree_add_item(st, hf_notify_csv_padding, tvb, off, 4, ENC_NA);
        off += 4;
    }
    proto_tree_add_bitmask(st, tvb, off, hf_notify_csv_redirected, ett_notify_csv_reason,
                           csv_redirected_fields, ENC_LITTLE_ENDIAN);
    off += 8;
    proto_tree_add_bitmask(st, tvb, off, hf_notify_csv_block_redirected, ett_notify_csv_reason,
                           csv_block_fields, ENC_LITTLE_ENDIAN);
}

static bool
csv_state_len(uint32_t n)
{
    return n == CSV_STATE_INFO_LEN || n == CSV_STATE_EX_LEN || n == CSV_STATE_EX_LEN_C;
}

/* The shared-volume state payload: a PROPERTY_LIST whose LIST_VALUE_BINARY values are each a
 * CLUSTER_SHARED_VOLUME_STATE_INFO_EX (older servers: _INFO). The list is shown by the property
 * list decoder; each state structure found in it is then decoded below it. A buffer of exactly a
 * structure's size that cannot be a property list is taken as that bare structure. */
static void
payload_csv_state(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx)
{
    int len = (int)tvb_reported_length(tvb);
    uint32_t count, i;
    int off, end;

    if (csv_state_len((uint32_t)len) && (len < 4 || tvb_get_letohl(tvb, 0) > (uint32_t)(len - 4) / 12)) {
        csv_state_info(tvb, 0, len, tree, ctx->pinfo);
        return;
    }
    end = cmrp_dissect_property_list(tvb, 0, ctx->pinfo, tree, ctx->depth + 1);
    if (end < len) {
        proto_item *pi = proto_tree_add_item(tree, hf_notify_trailing, tvb, end, len - end, ENC_NA);
        expert_add_info(ctx->pinfo, pi, &ei_notify_trailing);
    }
    /* Walk the list again, only to find the binary values; every step moves on by >= 4 bytes and
     * the property list decoder has already reported what is malformed. */
    if (len < 4)
        return;
    count = tvb_get_letohl(tvb, 0);
    off = 4;
    for (i = 0; i < count && off + 8 <= len; i++) {
        uint32_t size = tvb_get_letohl(tvb, off + 4);     /* the name entry */
        if (size > (uint32_t)(len - off - 8))
            return;
        off += 8 + (int)((size + 3u) & ~3u);
        while (off + 4 <= len) {
            uint32_t syntax = tvb_get_letohl(tvb, off);
            if (syntax == CMRP_CLUSPROP_SYNTAX_ENDMARK) {
                off += 4;
                break;
            }
            if (off + 8 > len)
                return;
            size = tvb_get_letohl(tvb, off + 4);
            if (size > (uint32_t)(len - off - 8))
                return;
            if (syntax == CMRP_CLUSPROP_SYNTAX_LIST_VALUE_BINARY && csv_state_len(size))
                csv_state_info(tvb, off + 8, (int)size, tree, ctx->pinfo);
            off += 8 + (int)((size + 3u) & ~3u);
        }
    }
}

/* The key value of a payload, for the event text (packet scope; NULL if it has none). */
static const char *
payload_value(tvbuff_t *tvb, payload_t kind, packet_info *pinfo)
{
    int len = (int)tvb_reported_length(tvb);
    uint32_t v = len >= 4 ? tvb_get_letohl(tvb, 0) : 0;

    switch (kind) {
    case P_STATE_GROUP:
    case P_STATE_RESOURCE:
    case P_STATE_NODE:
    case P_STATE_NETWORK:
    case P_STATE_NETIF:
        return len >= 4 ? short_state(v, dword_payloads[kind].vals, dword_payloads[kind].prefix) : NULL;
    case P_STATE_PLAIN:
        return len >= 4 ? wmem_strdup_printf(pinfo->pool, "%u", v) : NULL;
    case P_GROUP_TYPE:
        return len >= 4 ? val_to_str(pinfo->pool, v, cmrp_vs_CLUSGROUP_TYPE, "type %u") : NULL;
    case P_CLUSTER_VERSION:
        return len >= 4 ? wmem_strdup_printf(pinfo->pool, "0x%08x", v) : NULL;
    case P_ID:
    case P_DEPENDENCY_EXPR:
        return len >= 2 ? (const char *)tvb_get_string_enc(pinfo->pool, tvb, 0, len & ~1,
                                                           ENC_UTF_16 | ENC_LITTLE_ENDIAN) : NULL;
    case P_ID_LIST: {
        /* "1, 2, 3": the strings of the MULTI_SZ */
        wmem_strbuf_t *sb = wmem_strbuf_new(pinfo->pool, "");
        int off = 0;
        while (off + 2 <= len && wmem_strbuf_get_len(sb) < 64) {
            int n = 0;
            while (off + n + 2 <= len && tvb_get_letohs(tvb, off + n) != 0)
                n += 2;
            if (n == 0)
                break;
            if (wmem_strbuf_get_len(sb))
                wmem_strbuf_append(sb, ", ");
            wmem_strbuf_append(sb, (const char *)tvb_get_string_enc(pinfo->pool, tvb, off, n,
                                                                    ENC_UTF_16 | ENC_LITTLE_ENDIAN));
            off += n + 2;
        }
        return wmem_strbuf_get_len(sb) ? wmem_strbuf_get_str(sb) : "none";
    }
    case P_CSV_STATE:
        if (csv_state_len((uint32_t)len) && tvb_get_letohl(tvb, 0) > (uint32_t)(len - 4) / 12)
            /* a bare CLUSTER_SHARED_VOLUME_STATE_INFO(_EX): its state after the two names */
            return short_state(tvb_get_letohl(tvb, 2 * CSV_NAME_LEN), cmrp_vs_CLUSTER_SHARED_VOLUME_STATE,
                               "SharedVolumeState");
        /* FALLTHROUGH */
    case P_PROPLIST: {
        /* "Description (+1)": the first property's name and how many follow */
        uint32_t nsize = len >= 12 ? tvb_get_letohl(tvb, 8) : 0;
        const char *first = NULL;
        if (len < 4)
            return NULL;
        if (v && nsize >= 2 && nsize <= 256 && (int)nsize <= len - 12)
            first = (const char *)tvb_get_string_enc(pinfo->pool, tvb, 12, (int)(nsize - 2) & ~1,
                                                     ENC_UTF_16 | ENC_LITTLE_ENDIAN);
        if (!first)
            return wmem_strdup_printf(pinfo->pool, "%u propert%s", v, v == 1 ? "y" : "ies");
        if (v > 1)
            return wmem_strdup_printf(pinfo->pool, "%s (+%u)", first, v - 1);
        return first;
    }
    case P_MEMBERSHIP:
        /* CLUSTER_MEMBERSHIP_INFO: HasQuorum (1 byte), UpNodesSize */
        if (len < 5)
            return NULL;
        return wmem_strdup_printf(pinfo->pool, "%s quorum, %u up node%s",
                                  tvb_get_uint8(tvb, 0) ? "with" : "without",
                                  tvb_get_letohl(tvb, 1), tvb_get_letohl(tvb, 1) == 1 ? "" : "s");
    default:
        return NULL;
    }
}

void
cmrp_hook_notify_v2_payload(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx)
{
    packet_info *pinfo = ctx->pinfo;
    int len = (int)tvb_reported_length(tvb);
    uint64_t v;
    uint32_t object_type = 0;
    uint64_t flag = 0;
    const v2_flag_t *f;
    proto_item *pi;

    if (cmrp_hook_member(ctx, CMRP_NAME_dwBufferSize, &v) && v != (uint64_t)len)
        proto_tree_add_expert_format(tree, pinfo, &ei_notify_buffer_size, tvb, 0, len,
                                     "dwBufferSize is %" PRIu64 " but the buffer holds %d bytes",
                                     v, len);
    if (cmrp_hook_member(ctx, CMRP_NAME_dwObjectType, &v))
        object_type = (uint32_t)v;
    if (cmrp_hook_member(ctx, CMRP_NAME_FilterFlags, &v))
        flag = v;
    f = popcount64(flag) == 1 ? find_flag(object_type, flag) : NULL;
    {
        batch_t *b = get_batch(pinfo);
        b->value = f && event_wanted(b, tree) ? payload_value(tvb, f->payload, pinfo) : NULL;
    }
    if (ctx->depth + 1 >= CMRP_MAX_DEPTH) {
        pi = proto_tree_add_item(tree, hf_notify_data, tvb, 0, len, ENC_NA);
        expert_add_info(pinfo, pi, &ei_notify_too_deep);
        return;
    }
    switch (f ? f->payload : P_OPAQUE) {
    case P_PROPLIST: {
        /* *_COMMON_PROPERTY_V2: common properties, shown with their meanings */
        static const uint8_t clus_object[OT_MAX + 1] = {
            [CMRP_CLUSTER_OBJECT_TYPE_CLUSTER] = CMRP_CLUS_OBJECT_CLUSTER, [CMRP_CLUSTER_OBJECT_TYPE_GROUP] = CMRP_CLUS_OBJECT_GROUP,
            [CMRP_CLUSTER_OBJECT_TYPE_RESOURCE] = CMRP_CLUS_OBJECT_RESOURCE, [CMRP_CLUSTER_OBJECT_TYPE_RESOURCE_TYPE] = CMRP_CLUS_OBJECT_RESOURCE_TYPE,
            [CMRP_CLUSTER_OBJECT_TYPE_NETWORK_INTERFACE] = CMRP_CLUS_OBJECT_NETINTERFACE, [CMRP_CLUSTER_OBJECT_TYPE_NETWORK] = CMRP_CLUS_OBJECT_NETWORK,
            [CMRP_CLUSTER_OBJECT_TYPE_NODE] = CMRP_CLUS_OBJECT_NODE, [CMRP_CLUSTER_OBJECT_TYPE_GROUPSET] = CMRP_CLUS_OBJECT_GROUPSET,
        };
        unsigned flags = g_str_has_suffix(f->abbrev, ".common_property")
                         ? CMRP_PL_OBJECT(clus_object[object_type]) : 0;
        int end = cmrp_dissect_property_list_ex(tvb, 0, pinfo, tree, ctx->depth + 1, flags);
        if (end < len) {
            pi = proto_tree_add_item(tree, hf_notify_trailing, tvb, end, len - end, ENC_NA);
            expert_add_info(pinfo, pi, &ei_notify_trailing);
        }
        break;
    }
    case P_STATE_GROUP:
    case P_STATE_RESOURCE:
    case P_STATE_NODE:
    case P_STATE_NETWORK:
    case P_STATE_NETIF:
    case P_STATE_PLAIN:
    case P_GROUP_TYPE:
    case P_CLUSTER_VERSION:
        payload_dword(tvb, tree, pinfo, *dword_payloads[f->payload].hf, dword_payloads[f->payload].what);
        break;
    case P_ID:
        payload_string(tvb, tree, pinfo, hf_notify_id);
        break;
    case P_DEPENDENCY_EXPR:
        payload_string(tvb, tree, pinfo, hf_notify_dependency_expression);
        break;
    case P_ID_LIST:
        cmrp_add_multi_sz(tree, hf_notify_id, tvb, 0, len, pinfo, &ei_notify_unterminated, NULL);
        break;
    case P_MEMBERSHIP:
        payload_membership(tvb, tree, pinfo);
        break;
    case P_CSV_STATE:
        payload_csv_state(tvb, tree, ctx);
        break;
    case P_EMPTY:
        pi = proto_tree_add_item(tree, hf_notify_data, tvb, 0, len, ENC_NA);
        expert_add_info(pinfo, pi, &ei_notify_unexpected_data);
        break;
    case P_NOT_RETURNED:
    case P_OPAQUE:
    default:
        proto_tree_add_item(tree, hf_notify_data, tvb, 0, len, ENC_NA);
        break;
    }
}

/* Buffer hook on NOTIFICATION_DATA_RPC.Name, NOTIFICATION_DATA_ASYNC_RPC.Name and ApiGetNotify's
 * Name (the string's UTF-16 bytes, no terminator): the notification is complete; write its event. */
void
cmrp_hook_notify_event_name(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx)
{
    packet_info *pinfo = ctx->pinfo;
    batch_t *b = get_batch(pinfo);
    const char *value = b->value;
    const char *name, *text;
    proto_item *item = NULL;
    bool visible = tree && PTREE_DATA(tree)->visible;
    uint64_t v;

    b->value = NULL;
    if (ctx->request || !event_wanted(b, tree))
        return;
    name = (const char *)tvb_get_string_enc(pinfo->pool, tvb, 0,
                                            (int)tvb_reported_length(tvb) & ~1,
                                            ENC_UTF_16 | ENC_LITTLE_ENDIAN);
    if (ctx->opnum == CMRP_OPNUM_ApiGetNotifyV2) {
        uint32_t ot = cmrp_hook_member(ctx, CMRP_NAME_dwObjectType, &v) ? (uint32_t)v : 0;
        uint64_t flag = cmrp_hook_member(ctx, CMRP_NAME_FilterFlags, &v) ? v : 0;
        const v2_flag_t *f = popcount64(flag) == 1 ? find_flag(ot, flag) : NULL;
        const char *label = f ? strrchr(f->abbrev, '.') + 1 : NULL;
        char *lab = label ? wmem_strdup(pinfo->pool, label) : NULL;
        for (char *c = lab; c && *c; c++)
            if (*c == '_')
                *c = ' ';
        text = wmem_strdup_printf(pinfo->pool, "%s \"%s\" %s%s%s",
                                  ot >= 1 && ot <= OT_MAX ? ot_short[ot] : "Object", name,
                                  lab ? lab : "filter ?", value ? " " : "", value ? value : "");
        if (visible)    /* Name -> NOTIFICATION_DATA_RPC -> NOTIFICATION_RPC */
            item = proto_tree_get_parent_tree(proto_tree_get_parent_tree(tree));
    } else {
        uint32_t filter = 0;
        const char *fname;
        if (ctx->opnum == CMRP_OPNUM_ApiGetNotifyAsync)
            filter = cmrp_hook_member(ctx, CMRP_NAME_dwFilter, &v) ? (uint32_t)v : 0;
        else if (cmrp_hook_param(ctx, CMRP_NAME_dwFilter, &v))
            filter = (uint32_t)v;
        fname = change_name(filter);
        if (fname && g_str_has_prefix(fname, "CLUSTER_CHANGE_"))
            fname += 15;
        text = wmem_strdup_printf(pinfo->pool, "%s \"%s\"", fname ? fname : "change ?", name);
        if (visible && ctx->opnum == CMRP_OPNUM_ApiGetNotifyAsync)   /* Name -> NOTIFICATION_DATA_ASYNC_RPC */
            item = proto_tree_get_parent_tree(tree);
    }
    batch_event(pinfo, b, item, text);
}

/* ------------------------------------------------------------------------------------------------
 * Enumerations
 */

void
cmrp_hook_enum_entry_type(tvbuff_t *tvb, int offset, int length, proto_tree *tree,
                          cmrp_hook_ctx_t *ctx, uint64_t value _U_)
{
    int hf;

    switch (ctx->opnum) {
    case CMRP_OPNUM_ApiCreateEnum:
    case CMRP_OPNUM_ApiCreateEnumEx:
    case CMRP_OPNUM_ApiCreateNetInterfaceEnum:
        hf = hf_enum_type_cluster;
        break;
    case CMRP_OPNUM_ApiCreateResEnum:
        hf = hf_enum_type_resource;
        break;
    case CMRP_OPNUM_ApiCreateGroupResourceEnum:
        hf = hf_enum_type_group;
        break;
    case CMRP_OPNUM_ApiCreateNetworkEnum:
        hf = hf_enum_type_network;
        break;
    case CMRP_OPNUM_ApiCreateNodeEnum:
    case CMRP_OPNUM_ApiCreateNodeEnumEx:
        hf = hf_enum_type_node;
        break;
    case CMRP_OPNUM_ApiCreateResTypeEnum:
        hf = hf_enum_type_restype;
        break;
    default:        /* ApiCreateGroupSetEnum: the spec names no values */
        hf = hf_enum_type_plain;
        break;
    }
    proto_tree_add_item(tree, hf, tvb, offset, length, ctx->drep_enc);
}

void
cmrp_hook_enum_property_names(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx)
{
    int len = (int)tvb_reported_length(tvb);
    const char *summary = NULL;
    unsigned n;

    n = cmrp_add_multi_sz(tree, hf_enum_property_name, tvb, 0, len, ctx->pinfo,
                          &ei_notify_unterminated, &summary);
    proto_item_append_text(proto_tree_get_parent(tree), " (%u name%s: %s)", n, n == 1 ? "" : "s",
                           summary ? summary : "");
}

/* ------------------------------------------------------------------------------------------------ */

void
cmrp_register_notify(int proto)
{
    static hf_register_info hf[] = {
        { &hf_notify_filter_flags, { "Filter flags", "cmrp.notify.filter_flags", FT_UINT64, BASE_HEX,
            NULL, 0, "CLUSTER_CHANGE_*_V2 flags of the object type (MS-CMRP 2.2.2.12-2.2.2.26)", HFILL } },
        { &hf_notify_filter, { "Filter", "cmrp.notify.filter", FT_UINT64, BASE_HEX, NULL, 0,
            "The CLUSTER_CHANGE_*_V2 flag of this notification", HFILL } },
        { &hf_notify_key, { "Notify key", "cmrp.notify.key", FT_UINT64, BASE_HEX, NULL, 0,
            "dwNotifyKey: the client's value for a registration (a DWORD_PTR is an integer)", HFILL } },
        { &hf_notify_registered_in, { "Registered in", "cmrp.notify.registered_in", FT_FRAMENUM,
            BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0,
            "Frame of the ApiAddNotify* request that registered this key on this port", HFILL } },
        { &hf_notify_change, { "Filter", "cmrp.notify.change", FT_UINT32, BASE_HEX, NULL, 0,
            "CLUSTER_CHANGE bitmask (MS-CMRP 2.2.2.7)", HFILL } },
        { &hf_notify_state_group, { "State", "cmrp.notify.state", FT_UINT32, BASE_DEC,
            VALS(cmrp_vs_CLUSTER_GROUP_STATE), 0, "Group state (ApiGetGroupState values)", HFILL } },
        { &hf_notify_state_resource, { "State", "cmrp.notify.state", FT_UINT32, BASE_DEC,
            VALS(cmrp_vs_CLUSTER_RESOURCE_STATE), 0, "Resource state (ApiGetResourceState values)", HFILL } },
        { &hf_notify_state_node, { "State", "cmrp.notify.state", FT_UINT32, BASE_DEC,
            VALS(cmrp_vs_CLUSTER_NODE_STATE), 0, "Node state (ApiGetNodeState values)", HFILL } },
        { &hf_notify_state_network, { "State", "cmrp.notify.state", FT_UINT32, BASE_DEC,
            VALS(cmrp_vs_CLUSTER_NETWORK_STATE), 0, "Network state (ApiGetNetworkState values)", HFILL } },
        { &hf_notify_state_netif, { "State", "cmrp.notify.state", FT_UINT32, BASE_DEC,
            VALS(cmrp_vs_CLUSTER_NETINTERFACE_STATE), 0, "Network interface state (ApiGetNetInterfaceState values)",
            HFILL } },
        { &hf_notify_state_plain, { "State", "cmrp.notify.state", FT_UINT32, BASE_DEC, NULL, 0,
            "Object state", HFILL } },
        { &hf_notify_group_type, { "Group type", "cmrp.notify.group_type", FT_UINT32, BASE_HEX,
            VALS(cmrp_vs_CLUSGROUP_TYPE), 0, "CLUSGROUP_TYPE of the added group", HFILL } },
        { &hf_notify_cluster_version, { "Cluster operating version", "cmrp.notify.cluster_version",
            FT_UINT32, BASE_HEX, NULL, 0, NULL, HFILL } },
        { &hf_notify_id, { "ID", "cmrp.notify.id", FT_STRING, BASE_NONE, NULL, 0,
            "Object ID carried in the notification buffer", HFILL } },
        { &hf_notify_dependency_expression, { "Dependency expression",
            "cmrp.notify.dependency_expression", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_notify_data, { "Data", "cmrp.notify.data", FT_BYTES, BASE_NONE, NULL, 0,
            "Notification buffer without a documented format", HFILL } },
        { &hf_notify_trailing, { "Trailing data", "cmrp.notify.trailing", FT_BYTES, BASE_NONE, NULL,
            0, NULL, HFILL } },
        { &hf_notify_mbr_has_quorum, { "Has quorum", "cmrp.notify.membership.has_quorum", FT_UINT8,
            BASE_DEC, NULL, 0, "CLUSTER_MEMBERSHIP_INFO.HasQuorum", HFILL } },
        { &hf_notify_mbr_up_nodes_size, { "Up nodes", "cmrp.notify.membership.up_nodes_size",
            FT_UINT32, BASE_DEC, NULL, 0, "CLUSTER_MEMBERSHIP_INFO.UpNodesSize", HFILL } },
        { &hf_notify_mbr_up_node, { "Up node ID", "cmrp.notify.membership.up_node", FT_UINT8,
            BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_notify_csv_state_info, { "Shared volume state", "cmrp.notify.csv", FT_BYTES,
            BASE_NONE, NULL, 0, "CLUSTER_SHARED_VOLUME_STATE_INFO(_EX)", HFILL } },
        { &hf_notify_csv_volume_name, { "Volume name", "cmrp.notify.csv.volume_name", FT_STRING,
            BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_notify_csv_node_name, { "Node name", "cmrp.notify.csv.node_name", FT_STRING,
            BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_notify_csv_state, { "Volume state", "cmrp.notify.csv.state", FT_UINT32, BASE_DEC,
            VALS(cmrp_vs_CLUSTER_SHARED_VOLUME_STATE), 0, NULL, HFILL } },
        { &hf_notify_csv_friendly_name, { "Volume friendly name", "cmrp.notify.csv.friendly_name",
            FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_notify_csv_padding, { "Padding", "cmrp.notify.csv.padding", FT_BYTES, BASE_NONE,
            NULL, 0, "Alignment of the 64-bit reasons (C layout)", HFILL } },
        { &hf_notify_csv_redirected, { "Redirected I/O reason", "cmrp.notify.csv.redirected_reason",
            FT_UINT64, BASE_HEX, NULL, 0, NULL, HFILL } },
        { &hf_notify_csv_redirected_user, { "RedirectedIOReasonUserRequest",
            "cmrp.notify.csv.redirected_reason.user_request", FT_BOOLEAN, 64, NULL,
            G_GUINT64_CONSTANT(0x1), NULL, HFILL } },
        { &hf_notify_csv_redirected_fs_filter, { "RedirectedIOReasonIncompatibleFileSystemFilter",
            "cmrp.notify.csv.redirected_reason.fs_filter", FT_BOOLEAN, 64, NULL,
            G_GUINT64_CONSTANT(0x2), NULL, HFILL } },
        { &hf_notify_csv_redirected_vol_filter, { "RedirectedIOReasonIncompatibleVolumeFilter",
            "cmrp.notify.csv.redirected_reason.volume_filter", FT_BOOLEAN, 64, NULL,
            G_GUINT64_CONSTANT(0x4), NULL, HFILL } },
        { &hf_notify_csv_redirected_fs_config, { "RedirectedIOReasonFileSystemConfiguration",
            "cmrp.notify.csv.redirected_reason.fs_configuration", FT_BOOLEAN, 64, NULL,
            G_GUINT64_CONSTANT(0x8), NULL, HFILL } },
        { &hf_notify_csv_redirected_encryption, { "RedirectedIOReasonVolumeEncryption",
            "cmrp.notify.csv.redirected_reason.encryption", FT_BOOLEAN, 64, NULL,
            G_GUINT64_CONSTANT(0x10), NULL, HFILL } },
        { &hf_notify_csv_block_redirected, { "Block redirected I/O reason",
            "cmrp.notify.csv.block_redirected_reason", FT_UINT64, BASE_HEX, NULL, 0, NULL, HFILL } },
        { &hf_notify_csv_block_no_disk, { "BlockRedirectedIOReasonNoDiskConnectivity",
            "cmrp.notify.csv.block_redirected_reason.no_disk_connectivity", FT_BOOLEAN, 64, NULL,
            G_GUINT64_CONSTANT(0x1), NULL, HFILL } },
        { &hf_notify_csv_block_space_not_attached, { "BlockRedirectedIOReasonStorageSpaceNotAttached",
            "cmrp.notify.csv.block_redirected_reason.storage_space_not_attached", FT_BOOLEAN, 64,
            NULL, G_GUINT64_CONSTANT(0x2), NULL, HFILL } },

        { &hf_change_node_state, { "CLUSTER_CHANGE_NODE_STATE", "cmrp.notify.change.node_state",
            FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_NODE_STATE, NULL, HFILL } },
        { &hf_change_node_deleted, { "CLUSTER_CHANGE_NODE_DELETED", "cmrp.notify.change.node_deleted",
            FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_NODE_DELETED, NULL, HFILL } },
        { &hf_change_node_added, { "CLUSTER_CHANGE_NODE_ADDED", "cmrp.notify.change.node_added",
            FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_NODE_ADDED, NULL, HFILL } },
        { &hf_change_node_property, { "CLUSTER_CHANGE_NODE_PROPERTY",
            "cmrp.notify.change.node_property", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_NODE_PROPERTY, NULL, HFILL } },
        { &hf_change_registry_name, { "CLUSTER_CHANGE_REGISTRY_NAME",
            "cmrp.notify.change.registry_name", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_REGISTRY_NAME, NULL, HFILL } },
        { &hf_change_registry_attributes, { "CLUSTER_CHANGE_REGISTRY_ATTRIBUTES",
            "cmrp.notify.change.registry_attributes", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_REGISTRY_ATTRIBUTES, NULL, HFILL } },
        { &hf_change_registry_value, { "CLUSTER_CHANGE_REGISTRY_VALUE",
            "cmrp.notify.change.registry_value", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_REGISTRY_VALUE, NULL, HFILL } },
        { &hf_change_registry_subtree, { "CLUSTER_CHANGE_REGISTRY_SUBTREE",
            "cmrp.notify.change.registry_subtree", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_REGISTRY_SUBTREE, NULL, HFILL } },
        { &hf_change_resource_state, { "CLUSTER_CHANGE_RESOURCE_STATE",
            "cmrp.notify.change.resource_state", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_RESOURCE_STATE, NULL, HFILL } },
        { &hf_change_resource_deleted, { "CLUSTER_CHANGE_RESOURCE_DELETED",
            "cmrp.notify.change.resource_deleted", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_RESOURCE_DELETED, NULL, HFILL } },
        { &hf_change_resource_added, { "CLUSTER_CHANGE_RESOURCE_ADDED",
            "cmrp.notify.change.resource_added", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_RESOURCE_ADDED, NULL, HFILL } },
        { &hf_change_resource_property, { "CLUSTER_CHANGE_RESOURCE_PROPERTY",
            "cmrp.notify.change.resource_property", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_RESOURCE_PROPERTY, NULL, HFILL } },
        { &hf_change_group_state, { "CLUSTER_CHANGE_GROUP_STATE", "cmrp.notify.change.group_state",
            FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_GROUP_STATE, NULL, HFILL } },
        { &hf_change_group_deleted, { "CLUSTER_CHANGE_GROUP_DELETED",
            "cmrp.notify.change.group_deleted", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_GROUP_DELETED, NULL, HFILL } },
        { &hf_change_group_added, { "CLUSTER_CHANGE_GROUP_ADDED", "cmrp.notify.change.group_added",
            FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_GROUP_ADDED, NULL, HFILL } },
        { &hf_change_group_property, { "CLUSTER_CHANGE_GROUP_PROPERTY",
            "cmrp.notify.change.group_property", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_GROUP_PROPERTY, NULL, HFILL } },
        { &hf_change_resource_type_deleted, { "CLUSTER_CHANGE_RESOURCE_TYPE_DELETED",
            "cmrp.notify.change.resource_type_deleted", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_RESOURCE_TYPE_DELETED, NULL, HFILL } },
        { &hf_change_resource_type_added, { "CLUSTER_CHANGE_RESOURCE_TYPE_ADDED",
            "cmrp.notify.change.resource_type_added", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_RESOURCE_TYPE_ADDED, NULL, HFILL } },
        { &hf_change_resource_type_property, { "CLUSTER_CHANGE_RESOURCE_TYPE_PROPERTY",
            "cmrp.notify.change.resource_type_property", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_RESOURCE_TYPE_PROPERTY, NULL,
            HFILL } },
        { &hf_change_cluster_reconnect, { "CLUSTER_CHANGE_CLUSTER_RECONNECT",
            "cmrp.notify.change.cluster_reconnect", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_CLUSTER_RECONNECT, NULL, HFILL } },
        { &hf_change_network_state, { "CLUSTER_CHANGE_NETWORK_STATE",
            "cmrp.notify.change.network_state", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_NETWORK_STATE, NULL, HFILL } },
        { &hf_change_network_deleted, { "CLUSTER_CHANGE_NETWORK_DELETED",
            "cmrp.notify.change.network_deleted", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_NETWORK_DELETED, NULL, HFILL } },
        { &hf_change_network_added, { "CLUSTER_CHANGE_NETWORK_ADDED",
            "cmrp.notify.change.network_added", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_NETWORK_ADDED, NULL, HFILL } },
        { &hf_change_network_property, { "CLUSTER_CHANGE_NETWORK_PROPERTY",
            "cmrp.notify.change.network_property", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_NETWORK_PROPERTY, NULL, HFILL } },
        { &hf_change_netinterface_state, { "CLUSTER_CHANGE_NETINTERFACE_STATE",
            "cmrp.notify.change.netinterface_state", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_NETINTERFACE_STATE, NULL, HFILL } },
        { &hf_change_netinterface_deleted, { "CLUSTER_CHANGE_NETINTERFACE_DELETED",
            "cmrp.notify.change.netinterface_deleted", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_NETINTERFACE_DELETED, NULL, HFILL } },
        { &hf_change_netinterface_added, { "CLUSTER_CHANGE_NETINTERFACE_ADDED",
            "cmrp.notify.change.netinterface_added", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_NETINTERFACE_ADDED, NULL, HFILL } },
        { &hf_change_netinterface_property, { "CLUSTER_CHANGE_NETINTERFACE_PROPERTY",
            "cmrp.notify.change.netinterface_property", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_NETINTERFACE_PROPERTY, NULL,
            HFILL } },
        { &hf_change_quorum_state, { "CLUSTER_CHANGE_QUORUM_STATE", "cmrp.notify.change.quorum_state",
            FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_QUORUM_STATE, NULL, HFILL } },
        { &hf_change_cluster_state, { "CLUSTER_CHANGE_CLUSTER_STATE",
            "cmrp.notify.change.cluster_state", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_CLUSTER_STATE, NULL, HFILL } },
        { &hf_change_cluster_property, { "CLUSTER_CHANGE_CLUSTER_PROPERTY",
            "cmrp.notify.change.cluster_property", FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_CLUSTER_PROPERTY, NULL, HFILL } },
        { &hf_change_handle_close, { "CLUSTER_CHANGE_HANDLE_CLOSE", "cmrp.notify.change.handle_close",
            FT_BOOLEAN, 32, NULL, CMRP_CLUSTER_CHANGE_HANDLE_CLOSE, NULL, HFILL } },

        { &hf_enum_type_cluster, { "Type", "cmrp.enum_entry.type", FT_UINT32, BASE_HEX,
            VALS(cmrp_vs_CLUSTER_ENUM), 0, "CLUSTER_ENUM (ApiCreateEnum, ApiCreateEnumEx, "
            "ApiCreateNetInterfaceEnum)", HFILL } },
        { &hf_enum_type_resource, { "Type", "cmrp.enum_entry.type", FT_UINT32, BASE_HEX,
            VALS(cmrp_vs_CLUSTER_RESOURCE_ENUM), 0, "CLUSTER_RESOURCE_ENUM (ApiCreateResEnum)", HFILL } },
        { &hf_enum_type_group, { "Type", "cmrp.enum_entry.type", FT_UINT32, BASE_HEX,
            VALS(cmrp_vs_CLUSTER_GROUP_ENUM), 0, "CLUSTER_GROUP_ENUM (ApiCreateGroupResourceEnum)", HFILL } },
        { &hf_enum_type_network, { "Type", "cmrp.enum_entry.type", FT_UINT32, BASE_HEX,
            VALS(cmrp_vs_CLUSTER_NETWORK_ENUM), 0, "CLUSTER_NETWORK_ENUM (ApiCreateNetworkEnum)", HFILL } },
        { &hf_enum_type_node, { "Type", "cmrp.enum_entry.type", FT_UINT32, BASE_HEX,
            VALS(cmrp_vs_CLUSTER_NODE_ENUM), 0, "CLUSTER_NODE_ENUM (ApiCreateNodeEnum, ApiCreateNodeEnumEx)",
            HFILL } },
        { &hf_enum_type_restype, { "Type", "cmrp.enum_entry.type", FT_UINT32, BASE_HEX,
            VALS(cmrp_vs_CLUSTER_RESOURCE_TYPE_ENUM), 0, "CLUSTER_RESOURCE_TYPE_ENUM (ApiCreateResTypeEnum)", HFILL } },
        { &hf_enum_type_plain, { "Type", "cmrp.enum_entry.type", FT_UINT32, BASE_HEX, NULL, 0,
            "Entry type (no documented values for this method)", HFILL } },
        { &hf_enum_property_name, { "Property name", "cmrp.enum.property_name", FT_STRING,
            BASE_NONE, NULL, 0, "A property requested by ApiCreateGroupEnum / ApiCreateResourceEnum "
            "(\"*\": all)", HFILL } },
    };
    static gint *ett[] = {
        &ett_notify_flags, &ett_notify_change, &ett_notify_csv, &ett_notify_csv_reason,
        &ett_notify_membership,
        &ett_v2_type[0], &ett_v2_type[1], &ett_v2_type[2], &ett_v2_type[3], &ett_v2_type[4],
        &ett_v2_type[5], &ett_v2_type[6], &ett_v2_type[7], &ett_v2_type[8], &ett_v2_type[9],
        &ett_v2_type[10], &ett_v2_type[11], &ett_v2_type[12], &ett_v2_type[13], &ett_v2_type[14],
        &ett_v2_type[15], &ett_v2_type[16],
    };
    static ei_register_info ei[] = {
        { &ei_notify_buffer_size, { "cmrp.notify.buffer_size_mismatch", PI_MALFORMED, PI_ERROR,
            "dwBufferSize does not match the buffer", EXPFILL } },
        { &ei_notify_short, { "cmrp.notify.payload_short", PI_MALFORMED, PI_ERROR,
            "Notification buffer too short for its payload", EXPFILL } },
        { &ei_notify_trailing, { "cmrp.notify.trailing_data", PI_PROTOCOL, PI_WARN,
            "Data after the end of the payload", EXPFILL } },
        { &ei_notify_unterminated, { "cmrp.notify.unterminated_string", PI_MALFORMED, PI_WARN,
            "String or string list is not NUL-terminated", EXPFILL } },
        { &ei_notify_unexpected_data, { "cmrp.notify.unexpected_data", PI_PROTOCOL, PI_WARN,
            "MS-CMRP 3.1.4.2.138 says this notification has an empty buffer", EXPFILL } },
        { &ei_notify_not_returned, { "cmrp.notify.client_only_flag", PI_PROTOCOL, PI_WARN,
            "The server MUST NOT return this flag (MS-CMRP 3.1.4.2.138)", EXPFILL } },
        { &ei_notify_not_one_flag, { "cmrp.notify.not_one_flag", PI_PROTOCOL, PI_WARN,
            "A notification carries exactly one filter flag", EXPFILL } },
        { &ei_notify_unknown_flags, { "cmrp.notify.unknown_flags", PI_PROTOCOL, PI_WARN,
            "Filter flags not defined for the object type", EXPFILL } },
        { &ei_notify_unknown_object_type, { "cmrp.notify.unknown_object_type", PI_PROTOCOL, PI_WARN,
            "Unknown CLUSTER_OBJECT_TYPE", EXPFILL } },
        { &ei_notify_too_deep, { "cmrp.notify.too_deep", PI_MALFORMED, PI_ERROR,
            "Nesting too deep", EXPFILL } },
        { &ei_notify_count_overrun, { "cmrp.notify.count_overrun", PI_MALFORMED, PI_ERROR,
            "Count larger than the buffer can hold", EXPFILL } },
        { &ei_notify_unregistered_key, { "cmrp.notify.unregistered_key", PI_SEQUENCE, PI_NOTE,
            "No registration of this key was seen", EXPFILL } },
    };
    expert_module_t *expert;
    unsigned i, n = 0;

    proto_notify = proto;
    /* The per-object-type flag fields come from v2_flags (one table for names, bits and
     * payloads); their registration records and field lists live in static arrays. */
    for (i = 0; i < N_V2_FLAGS; i++) {
        const v2_flag_t *f = &v2_flags[i];
        v2_type_t *t = &v2_types[f->object_type];
        v2_flag_hf[i] = -1;
        hf_v2_flag_info[i].p_id = &v2_flag_hf[i];
        hf_v2_flag_info[i].hfinfo = (header_field_info){ f->name, f->abbrev, FT_BOOLEAN, 64, NULL,
                                                         f->mask, NULL, HFILL };
        if (t->count == 0)
            t->first = i;
        t->count++;
        t->known |= f->mask;
    }
    for (i = 1; i <= OT_MAX; i++) {
        v2_types[i].fields = (int *const *)&v2_field_lists[n];
        for (unsigned j = 0; j < v2_types[i].count; j++)
            v2_field_lists[n++] = &v2_flag_hf[v2_types[i].first + j];
        v2_field_lists[n++] = NULL;
    }
    for (i = 0; i <= OT_MAX; i++)
        ett_v2_type[i] = -1;

    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_field_array(proto, hf_v2_flag_info, array_length(hf_v2_flag_info));
    proto_register_subtree_array(ett, array_length(ett));
    expert = expert_register_protocol(proto);
    expert_register_field_array(expert, ei, array_length(ei));

    notify_keys = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), port_key_hash,
                                         port_key_equal);
}
