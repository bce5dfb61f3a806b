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

/* What NOTIFICATION_DATA_RPC.buffer holds for one flag (3.1.4.2.138): the PAYLOAD column of
 * idl/tables/notifypayloads.tsv (its words: KINDS of idl/gen/gen_notifypayloads.py). */
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

/* One CLUSTER_CHANGE_*_V2 flag of one object type: its value and name (the IDL's), its field, its
 * payload. */
typedef struct {
    uint8_t object_type;
    uint64_t mask;
    const char *name;
    const char *abbrev;
    payload_t payload;
} v2_flag_t;

/* Per object type: its flags in v2_flags[first .. first+count), the union of their masks and the
 * NULL-terminated list of their fields. */
typedef struct {
    unsigned first;
    unsigned count;
    uint64_t known;
    int *const *fields;
} v2_type_t;

/* A DWORD payload: its field, what a short one is called, and for the states the table and the
 * prefix short_state() drops in the event text. */
typedef struct {
    int *hf;
    const char *what;
    const value_string *vals;
    const char *prefix;
} dword_payload_t;

/* v2_flags[], v2_types[], ot_short[], dword_payloads[], their fields and ett_v2_type[], and
 * register_notify_payloads(): generated from idl/tables/notifypayloads.tsv. */
#include "cmrp-notify-payloads.h"

/* Fields, subtrees and expert infos: idl/tables/fields-notify.tsv (generated). */
#include "cmrp-fields-notify.h"

/* The CLUSTER_CHANGE bits (2.2.2.7), generated from the IDL (notify.cnf BITS line). */
static int *const *const change_fields = cmrp_bits_CLUSTER_CHANGE;

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
    proto_notify = proto;
    register_notify_payloads(proto);
    register_fields(proto);

    notify_keys = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), port_key_hash,
                                         port_key_equal);
}
