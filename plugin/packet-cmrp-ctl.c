/* packet-cmrp-ctl.c - ClusAPI (MS-CMRP) control codes and the buffers of the control methods.
 *
 * A control code (MS-CMRP 3.1.4.3, "Control Code Architecture") is a 32-bit value:
 *   bits 24-31 object, 23 global, 22 modify, 21 user, 20 internal, 2-19 function, 0-1 access.
 * The input and output buffers of the 16 control methods (opnums 72-79, 88, 89, 97, 98, 105, 106,
 * 173, 174) are custom-marshaled, little-endian, and their format depends on the code; the
 * code -> (input format, output format) mapping is the generated table (idl/tables/ctlcodes.tsv).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>
#include <stdint.h>

#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/tfs.h>
#include "cmrp-compat.h"

#include "cmrp-hooks.h"
#include "cmrp-gen.h"
#include "cmrp-layout.h"
#include "packet-cmrp-ctl.h"
#include "packet-cmrp-proplist.h"

#define ERROR_MORE_DATA 234u

#define CTL_OBJECT_MASK   0xff000000u
#define CTL_GLOBAL_BIT    0x00800000u
#define CTL_MODIFY_BIT    0x00400000u
#define CTL_USER_BIT      0x00200000u
#define CTL_INTERNAL_BIT  0x00100000u
#define CTL_FUNCTION_MASK 0x000ffffcu
#define CTL_ACCESS_MASK   0x00000003u

static int hf_ctl_code = -1;
static int hf_ctl_object = -1;
static int hf_ctl_global = -1;
static int hf_ctl_modify = -1;
static int hf_ctl_user = -1;
static int hf_ctl_internal = -1;
static int hf_ctl_function = -1;
static int hf_ctl_access = -1;
static int hf_ctl_bytes_returned = -1;

static int hf_ctl_data = -1;
static int hf_ctl_string = -1;
static int hf_ctl_multi_sz = -1;
static int hf_ctl_dword = -1;
static int hf_ctl_characteristics = -1;
static int hf_ctl_ad_state = -1;
static int hf_ctl_ad_state_no_dcs = -1;
static int hf_ctl_ad_state_no_object = -1;
static int hf_ctl_ad_state_bad_pwd = -1;
static int hf_ctl_ad_state_obj_disabled = -1;
static int hf_ctl_flags = -1;
static int hf_ctl_quorum = -1;
static int hf_ctl_drive_mask = -1;
static int hf_ctl_resclass = -1;
static int hf_ctl_subclass = -1;
static int hf_ctl_subclass_shared = -1;
static int hf_ctl_pwd_flags = -1;
static int hf_ctl_pwd_flags_guid = -1;
static int hf_ctl_pwd_flags_createdc = -1;
static int hf_ctl_pwd_password = -1;
static int hf_ctl_pwd_creating_dc = -1;
static int hf_ctl_pwd_object_guid = -1;
static int hf_ctl_maint_in_maintenance = -1;
static int hf_ctl_maint_type = -1;
static int hf_ctl_maint_internal_state = -1;
static int hf_ctl_maint_signature = -1;
static int hf_ctl_partition_number = -1;
static int hf_ctl_current_drive_mask = -1;
static int hf_ctl_target_drive_mask = -1;
static int hf_ctl_volume_name = -1;
static int hf_ctl_backup_state = -1;
static int hf_ctl_delay_timer = -1;
static int hf_ctl_pool_drive = -1;
static int hf_ctl_pool_drive_name = -1;
static int hf_ctl_pool_seek_penalty = -1;
static int hf_ctl_pool_padding = -1;
static int hf_ctl_pool_health = -1;
static int hf_ctl_pool_state = -1;
static int hf_ctl_pool_total_capacity = -1;
static int hf_ctl_pool_consumed_capacity = -1;
static int hf_ctl_pool_usage = -1;
static int hf_ctl_pool_bus_type = -1;
static int hf_ctl_pool_slot = -1;
static int hf_ctl_pool_enclosure_name = -1;
static int hf_ctl_diskid_type = -1;
static int hf_ctl_diskid_signature = -1;
static int hf_ctl_diskid_guid = -1;
static int hf_ctl_ou_version = -1;
static int hf_ctl_ou_permissions = -1;
static int hf_ctl_ou_object_class = -1;
static int hf_ctl_ou_has_access = -1;
static int hf_ctl_ou_default_ou = -1;
static int hf_ctl_ou_size = -1;
static int hf_ctl_ou_name = -1;
static int hf_ctl_sr_data_disk_guid = -1;
static int hf_ctl_sr_source_disk_guid = -1;
static int hf_ctl_sr_include_offline = -1;
static int hf_ctl_sr_skip_connectivity = -1;
static int hf_ctl_sr_include_available = -1;
static int hf_ctl_sr_reserved = -1;
static int hf_ctl_sr_count = -1;
static int hf_ctl_sr_disk_guid = -1;
static int hf_ctl_sr_replicated_disk = -1;
static int hf_ctl_sr_disk_type = -1;
static int hf_ctl_sr_cluster_disk_guid = -1;
static int hf_ctl_sr_group_id = -1;
static int hf_ctl_sr_group_name = -1;
static int hf_ctl_mbr_has_quorum = -1;
static int hf_ctl_mbr_up_nodes_size = -1;
static int hf_ctl_mbr_up_node = -1;
static int hf_ctl_os_size = -1;
static int hf_ctl_os_version_size = -1;
static int hf_ctl_os = -1;
static int hf_ctl_os_version = -1;
static int hf_ctl_disk_number = -1;
static int hf_ctl_bytes_per_sector = -1;
static int hf_ctl_reason_size = -1;
static int hf_ctl_reason_version = -1;
static int hf_ctl_reason = -1;
static int hf_ctl_failure_version = -1;
static int hf_ctl_failure_attempts = -1;
static int hf_ctl_failure_period = -1;
static int hf_ctl_trailing = -1;

static gint ett_ctl_code = -1;
static gint ett_ctl_bits = -1;
static gint ett_ctl_struct = -1;

static expert_field ei_ctl_object_mismatch = EI_INIT;
static expert_field ei_ctl_internal_from_client = EI_INIT;
static expert_field ei_ctl_unknown_code = EI_INIT;
static expert_field ei_ctl_bytes_returned = EI_INIT;
static expert_field ei_ctl_unterminated = EI_INIT;
static expert_field ei_ctl_bad_size = EI_INIT;
static expert_field ei_ctl_trailing = EI_INIT;
static expert_field ei_ctl_unexpected_data = EI_INIT;
static expert_field ei_ctl_count_overrun = EI_INIT;
static expert_field ei_ctl_bad_signature = EI_INIT;
static expert_field ei_ctl_undocumented = EI_INIT;

static const true_false_string tfs_global = { "CLUS_GLOBAL", "CLUS_NOT_GLOBAL" };
static const true_false_string tfs_modify = { "CLUS_MODIFY", "CLUS_NO_MODIFY" };
static const true_false_string tfs_user = { "CLCTL_USER_BASE (user-defined)", "CLCTL_CLUSTER_BASE" };
static const true_false_string tfs_internal = { "Internal", "External" };

static int * const ctl_code_fields[] = {
    &hf_ctl_object, &hf_ctl_global, &hf_ctl_modify, &hf_ctl_user, &hf_ctl_internal,
    &hf_ctl_function, &hf_ctl_access, NULL
};

static int * const ad_state_fields[] = {
    &hf_ctl_ad_state_no_dcs, &hf_ctl_ad_state_no_object, &hf_ctl_ad_state_bad_pwd, &hf_ctl_ad_state_obj_disabled, NULL
};
static int * const subclass_fields[] = { &hf_ctl_subclass_shared, NULL };
static int * const pwd_flags_fields[] = { &hf_ctl_pwd_flags_guid, &hf_ctl_pwd_flags_createdc, NULL };

/* ---- the table ---- */

static const cmrp_ctl_entry_t *
ctl_lookup(uint32_t code)
{
    unsigned lo = 0, hi = cmrp_ctl_table_count;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (cmrp_ctl_table[mid].code == code)
            return &cmrp_ctl_table[mid];
        if (cmrp_ctl_table[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The object family each control method serves. */
static unsigned
opnum_object(uint32_t opnum)
{
    switch (opnum) {
    case CMRP_OPNUM_ApiNodeResourceControl:     case CMRP_OPNUM_ApiResourceControl:
        return CMRP_CLUS_OBJECT_RESOURCE;
    case CMRP_OPNUM_ApiNodeResourceTypeControl: case CMRP_OPNUM_ApiResourceTypeControl:
        return CMRP_CLUS_OBJECT_RESOURCE_TYPE;
    case CMRP_OPNUM_ApiNodeGroupControl:        case CMRP_OPNUM_ApiGroupControl:
        return CMRP_CLUS_OBJECT_GROUP;
    case CMRP_OPNUM_ApiNodeNodeControl:         case CMRP_OPNUM_ApiNodeControl:
        return CMRP_CLUS_OBJECT_NODE;
    case CMRP_OPNUM_ApiNodeNetworkControl:      case CMRP_OPNUM_ApiNetworkControl:
        return CMRP_CLUS_OBJECT_NETWORK;
    case CMRP_OPNUM_ApiNodeNetInterfaceControl: case CMRP_OPNUM_ApiNetInterfaceControl:
        return CMRP_CLUS_OBJECT_NETINTERFACE;
    case CMRP_OPNUM_ApiNodeClusterControl:      case CMRP_OPNUM_ApiClusterControl:
        return CMRP_CLUS_OBJECT_CLUSTER;
    case CMRP_OPNUM_ApiNodeGroupSetControl:     case CMRP_OPNUM_ApiGroupSetControl:
        return CMRP_CLUS_OBJECT_GROUPSET;
    default:            return 0;
    }
}

/* ---- small helpers ---- */

static int
buf_len(tvbuff_t *tvb)
{
    return (int)tvb_captured_length(tvb);
}

static void
add_trailing(tvbuff_t *tvb, int offset, proto_tree *tree, packet_info *pinfo)
{
    int len = buf_len(tvb);

    if (offset < len) {
        proto_item *pi = proto_tree_add_item(tree, hf_ctl_trailing, tvb, offset, len - offset, ENC_NA);
        expert_add_info(pinfo, pi, &ei_ctl_trailing);
    }
}

/* Checks that the buffer holds at least `need` bytes; if not, shows the bytes with an expert info. */
static bool
need_bytes(tvbuff_t *tvb, int need, proto_tree *tree, packet_info *pinfo, const char *what)
{
    int len = buf_len(tvb);

    if (len >= need)
        return true;
    proto_tree_add_expert_format(tree, pinfo, &ei_ctl_bad_size, tvb, 0, len,
                                 "%s needs %d bytes, the buffer has %d", what, need, len);
    if (len > 0)
        proto_tree_add_item(tree, hf_ctl_data, tvb, 0, len, ENC_NA);
    return false;
}

static const char *
drive_letters(packet_info *pinfo, uint32_t mask)
{
    wmem_strbuf_t *sb = wmem_strbuf_new(pinfo->pool, "");
    int i;

    for (i = 0; i < 26; i++) {
        if (mask & (1u << i))
            wmem_strbuf_append_printf(sb, "%s%c:", wmem_strbuf_get_len(sb) ? " " : "", 'A' + i);
    }
    return wmem_strbuf_get_len(sb) ? wmem_strbuf_get_str(sb) : "none";
}

static void
add_drive_mask(proto_tree *tree, int hf, tvbuff_t *tvb, int offset, packet_info *pinfo)
{
    guint32 v;
    proto_item *pi = proto_tree_add_item_ret_uint(tree, hf, tvb, offset, 4, ENC_LITTLE_ENDIAN, &v);
    proto_item_append_text(pi, " (%s)", drive_letters(pinfo, v));
}

/* A fixed-size DWORD result: exactly 4 bytes. */
static bool
one_dword(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    if (!need_bytes(tvb, 4, tree, pinfo, "A 32-bit value"))
        return false;
    return true;
}

/* ---- structures ---- */

/* CLUS_RESOURCE_CLASS_INFO (MS-CMRP 2.2.3.7): Class, SubClass. The same layout as the
 * CLUSPROP_SYNTAX_RESCLASS values of a value list (packet-cmrp-proplist.c), with this module's fields. */
static const cmrp_layout_field_t resclass_info_fields[] = {
    { &hf_ctl_resclass, 0, 4, CMRP_LF_UINT, CMRP_LF_SUMMARY, NULL, NULL },
    { &hf_ctl_subclass, 4, 4, CMRP_LF_BITMASK, 0, &ett_ctl_bits, subclass_fields },
    { NULL, 0, 0, 0, 0, NULL, NULL }
};
static const cmrp_layout_t layout_resclass_info = {
    "CLUS_RESOURCE_CLASS_INFO", "MS-CMRP 2.2.3.7", 8, NULL, resclass_info_fields
};

static void
dissect_resclass_info(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    if (!need_bytes(tvb, layout_resclass_info.size, tree, pinfo, layout_resclass_info.name))
        return;
    cmrp_dissect_layout(tvb, 0, pinfo, tree, &layout_resclass_info, NULL);
    add_trailing(tvb, layout_resclass_info.size, tree, pinfo);
}

/* CLUS_NETNAME_PWD_INFO (2.2.3.13): Flags (4), Password (32 bytes), CreatingDC (516 bytes),
 * ObjectGuid (128 bytes, a GUID as a null-terminated Unicode string): 680 bytes.
 * CLUS_NETNAME_PWD_INFOEX (2.2.3.62) differs only by its 256-byte Password: 904 bytes. Every string
 * is fixed-length and null-terminated; bytes after the NUL may hold anything. */
#define NETNAME_PWD_INFO_LEN    680
#define NETNAME_PWD_INFOEX_LEN  904
#define CLUSCTL_RESOURCE_NETNAME_SET_PWD_INFOEX 0x0100031au

static void
dissect_netname_pwd_info(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, bool ex)
{
    const int pwd = ex ? 256 : 32;
    const int total = ex ? NETNAME_PWD_INFOEX_LEN : NETNAME_PWD_INFO_LEN;

    if (!need_bytes(tvb, total, tree, pinfo, ex ? "CLUS_NETNAME_PWD_INFOEX" : "CLUS_NETNAME_PWD_INFO"))
        return;
    proto_tree_add_bitmask(tree, tvb, 0, hf_ctl_pwd_flags, ett_ctl_bits, pwd_flags_fields, ENC_LITTLE_ENDIAN);
    cmrp_add_utf16z(tree, hf_ctl_pwd_password, tvb, 4, pwd, pinfo, &ei_ctl_unterminated, NULL);
    cmrp_add_utf16z(tree, hf_ctl_pwd_creating_dc, tvb, 4 + pwd, 516, pinfo, &ei_ctl_unterminated, NULL);
    cmrp_add_utf16z(tree, hf_ctl_pwd_object_guid, tvb, 4 + pwd + 516, 128, pinfo, &ei_ctl_unterminated, NULL);
    add_trailing(tvb, total, tree, pinfo);
}

static void
dissect_maint_mode_info(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    int len = buf_len(tvb);

    /* CLUS_MAINTENANCE_MODE_INFO is 4 bytes, CLUS_MAINTENANCE_MODE_INFO_EX 16 */
    if (!need_bytes(tvb, 4, tree, pinfo, "CLUS_MAINTENANCE_MODE_INFO"))
        return;
    proto_tree_add_item(tree, hf_ctl_maint_in_maintenance, tvb, 0, 4, ENC_LITTLE_ENDIAN);
    if (len < 16) {
        add_trailing(tvb, 4, tree, pinfo);
        return;
    }
    proto_tree_add_item(tree, hf_ctl_maint_type, tvb, 4, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(tree, hf_ctl_maint_internal_state, tvb, 8, 4, ENC_LITTLE_ENDIAN);
    {
        guint32 sig;
        proto_item *pi = proto_tree_add_item_ret_uint(tree, hf_ctl_maint_signature, tvb, 12, 4, ENC_LITTLE_ENDIAN, &sig);
        if (sig != 0xABBAF00Fu)
            expert_add_info(pinfo, pi, &ei_ctl_bad_signature);
    }
    add_trailing(tvb, 16, tree, pinfo);
}

static void
dissect_storage_set_driveletter(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    if (!need_bytes(tvb, 8, tree, pinfo, "CLUS_STORAGE_SET_DRIVELETTER"))
        return;
    proto_tree_add_item(tree, hf_ctl_partition_number, tvb, 0, 4, ENC_LITTLE_ENDIAN);
    add_drive_mask(tree, hf_ctl_drive_mask, tvb, 4, pinfo);
    add_trailing(tvb, 8, tree, pinfo);
}

static void
dissect_storage_remap_driveletter(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    if (!need_bytes(tvb, 8, tree, pinfo, "CLUS_STORAGE_REMAP_DRIVELETTER"))
        return;
    add_drive_mask(tree, hf_ctl_current_drive_mask, tvb, 0, pinfo);
    add_drive_mask(tree, hf_ctl_target_drive_mask, tvb, 4, pinfo);
    add_trailing(tvb, 8, tree, pinfo);
}

static void
dissect_csv_maint_mode_info(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    if (!need_bytes(tvb, 524, tree, pinfo, "CLUS_CSV_MAINTENANCE_MODE_INFO"))
        return;
    proto_tree_add_item(tree, hf_ctl_maint_in_maintenance, tvb, 0, 4, ENC_LITTLE_ENDIAN);
    cmrp_add_utf16z(tree, hf_ctl_volume_name, tvb, 4, 520, pinfo, &ei_ctl_unterminated, NULL);
    add_trailing(tvb, 524, tree, pinfo);
}

static void
dissect_sv_backup_mode(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    if (!need_bytes(tvb, 528, tree, pinfo, "CLUS_SHARED_VOLUME_BACKUP_MODE"))
        return;
    proto_tree_add_item(tree, hf_ctl_backup_state, tvb, 0, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(tree, hf_ctl_delay_timer, tvb, 4, 4, ENC_LITTLE_ENDIAN);
    cmrp_add_utf16z(tree, hf_ctl_volume_name, tvb, 8, 520, pinfo, &ei_ctl_unterminated, NULL);
    add_trailing(tvb, 528, tree, pinfo);
}

/* CLUSCTL_RESOURCE_POOL_GET_DRIVE_INFO (3.1.4.3.1.56) returns an array of CLUS_POOL_DRIVE_INFO
 * (2.2.3.31), one per drive: DriveName 512, IncursSeekPenalty 1, Padding 3, DriveHealth 4,
 * DriveState 4, TotalCapacity 8, ConsumedCapacity 8, Usage 4, BusType 4, Slot 4, EnclosureName 2048. */
#define POOL_DRIVE_INFO_LEN 2600

static void
dissect_pool_drive_info(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    int len = buf_len(tvb), o;

    if (!need_bytes(tvb, POOL_DRIVE_INFO_LEN, tree, pinfo, "CLUS_POOL_DRIVE_INFO"))
        return;
    for (o = 0; o + POOL_DRIVE_INFO_LEN <= len; o += POOL_DRIVE_INFO_LEN) {
        proto_item *di = proto_tree_add_item(tree, hf_ctl_pool_drive, tvb, o, POOL_DRIVE_INFO_LEN, ENC_NA);
        proto_tree *dt = proto_item_add_subtree(di, ett_ctl_struct);
        const char *name = "";

        cmrp_add_utf16z(dt, hf_ctl_pool_drive_name, tvb, o, 512, pinfo, &ei_ctl_unterminated, &name);
        proto_tree_add_item(dt, hf_ctl_pool_seek_penalty, tvb, o + 512, 1, ENC_NA);
        proto_tree_add_item(dt, hf_ctl_pool_padding, tvb, o + 513, 3, ENC_NA);
        proto_tree_add_item(dt, hf_ctl_pool_health, tvb, o + 516, 4, ENC_LITTLE_ENDIAN);
        proto_tree_add_item(dt, hf_ctl_pool_state, tvb, o + 520, 4, ENC_LITTLE_ENDIAN);
        proto_tree_add_item(dt, hf_ctl_pool_total_capacity, tvb, o + 524, 8, ENC_LITTLE_ENDIAN);
        proto_tree_add_item(dt, hf_ctl_pool_consumed_capacity, tvb, o + 532, 8, ENC_LITTLE_ENDIAN);
        proto_tree_add_item(dt, hf_ctl_pool_usage, tvb, o + 540, 4, ENC_LITTLE_ENDIAN);
        proto_tree_add_item(dt, hf_ctl_pool_bus_type, tvb, o + 544, 4, ENC_LITTLE_ENDIAN);
        proto_tree_add_item(dt, hf_ctl_pool_slot, tvb, o + 548, 4, ENC_LITTLE_ENDIAN);
        cmrp_add_utf16z(dt, hf_ctl_pool_enclosure_name, tvb, o + 552, 2048, pinfo, &ei_ctl_unterminated, NULL);
        proto_item_append_text(di, ": %s", name);
    }
    add_trailing(tvb, o, tree, pinfo);
}

static void
dissect_diskid(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    guint32 type;
    int len = buf_len(tvb);

    if (!need_bytes(tvb, 8, tree, pinfo, "CLUSDSK_DISKID"))
        return;
    proto_tree_add_item_ret_uint(tree, hf_ctl_diskid_type, tvb, 0, 4, ENC_LITTLE_ENDIAN, &type);
    if (type == 2) {
        if (!need_bytes(tvb, 20, tree, pinfo, "CLUSDSK_DISKID with a GUID"))
            return;
        proto_tree_add_item(tree, hf_ctl_diskid_guid, tvb, 4, 16, ENC_LITTLE_ENDIAN);
        add_trailing(tvb, 20, tree, pinfo);
    } else if (type == 1) {
        proto_tree_add_item(tree, hf_ctl_diskid_signature, tvb, 4, 4, ENC_LITTLE_ENDIAN);
        /* the union is 16 bytes wide: the rest of it is not used */
        if (len > 8 && len <= 20)
            proto_tree_add_item(tree, hf_ctl_data, tvb, 8, len - 8, ENC_NA);
        else
            add_trailing(tvb, 8, tree, pinfo);
    } else {
        proto_tree_add_item(tree, hf_ctl_data, tvb, 4, len - 4, ENC_NA);
    }
}

static void
dissect_ou_input(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    if (!need_bytes(tvb, 24, tree, pinfo, "CLUSCTL_RESOURCE_NETNAME_CHECK_OU_PERMISSIONS_INPUT"))
        return;
    proto_tree_add_item(tree, hf_ctl_ou_version, tvb, 0, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(tree, hf_ctl_ou_permissions, tvb, 4, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(tree, hf_ctl_ou_object_class, tvb, 8, 16, ENC_LITTLE_ENDIAN);
    add_trailing(tvb, 24, tree, pinfo);
}

static void
dissect_ou_output(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    guint32 ou_size;
    int len = buf_len(tvb), n;
    proto_item *pi;

    if (!need_bytes(tvb, 12, tree, pinfo, "CLUSCTL_RESOURCE_NETNAME_CHECK_OU_PERMISSIONS_OUTPUT"))
        return;
    proto_tree_add_item(tree, hf_ctl_ou_has_access, tvb, 0, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(tree, hf_ctl_ou_default_ou, tvb, 4, 4, ENC_LITTLE_ENDIAN);
    pi = proto_tree_add_item_ret_uint(tree, hf_ctl_ou_size, tvb, 8, 4, ENC_LITTLE_ENDIAN, &ou_size);
    n = len - 12;
    if (ou_size > (guint32)n)
        expert_add_info_format(pinfo, pi, &ei_ctl_bad_size, "OUSize %u, only %d bytes follow", ou_size, n);
    else
        n = (int)ou_size;
    if (n > 0)
        cmrp_add_utf16z(tree, hf_ctl_ou_name, tvb, 12, n, pinfo, &ei_ctl_unterminated, NULL);
    add_trailing(tvb, 12 + n, tree, pinfo);
}

static void
dissect_sr_query(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, cmrp_ctl_fmt_t fmt)
{
    if (!need_bytes(tvb, 20, tree, pinfo, "SR_RESOURCE_TYPE_QUERY_ELIGIBLE_* structure"))
        return;
    switch (fmt) {
    case CMRP_FMT_SR_QUERY_LOGDISKS:
        proto_tree_add_item(tree, hf_ctl_sr_data_disk_guid, tvb, 0, 16, ENC_LITTLE_ENDIAN);
        proto_tree_add_item(tree, hf_ctl_sr_include_offline, tvb, 16, 1, ENC_NA);
        proto_tree_add_item(tree, hf_ctl_sr_reserved, tvb, 17, 3, ENC_NA);
        break;
    case CMRP_FMT_SR_QUERY_TARGET_DATADISKS:
        proto_tree_add_item(tree, hf_ctl_sr_source_disk_guid, tvb, 0, 16, ENC_LITTLE_ENDIAN);
        proto_tree_add_item(tree, hf_ctl_sr_skip_connectivity, tvb, 16, 1, ENC_NA);
        proto_tree_add_item(tree, hf_ctl_sr_include_offline, tvb, 17, 1, ENC_NA);
        proto_tree_add_item(tree, hf_ctl_sr_reserved, tvb, 18, 2, ENC_NA);
        break;
    default:
        proto_tree_add_item(tree, hf_ctl_sr_source_disk_guid, tvb, 0, 16, ENC_LITTLE_ENDIAN);
        proto_tree_add_item(tree, hf_ctl_sr_include_available, tvb, 16, 1, ENC_NA);
        proto_tree_add_item(tree, hf_ctl_sr_reserved, tvb, 17, 3, ENC_NA);
        break;
    }
    add_trailing(tvb, 20, tree, pinfo);
}

/* SR_RESOURCE_TYPE_ELIGIBLE_DISKS_RESULT and SR_RESOURCE_TYPE_REPLICATED_DISKS_RESULT:
 * Count (2), Reserved1 (2), then Count elements of `elem` bytes. */
static void
dissect_sr_result(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, bool replicated)
{
    const int elem = replicated ? 556 : 16;
    guint32 count, i;
    int len = buf_len(tvb), o = 4;
    proto_item *ci;

    if (!need_bytes(tvb, 4, tree, pinfo, "SR_RESOURCE_TYPE_*_RESULT"))
        return;
    ci = proto_tree_add_item_ret_uint(tree, hf_ctl_sr_count, tvb, 0, 2, ENC_LITTLE_ENDIAN, &count);
    proto_tree_add_item(tree, hf_ctl_sr_reserved, tvb, 2, 2, ENC_NA);
    if (count > (guint32)((len - 4) / elem))
        expert_add_info_format(pinfo, ci, &ei_ctl_count_overrun, "Count %u, the buffer holds %d", count,
                               (len - 4) / elem);
    for (i = 0; i < count && o + elem <= len; i++, o += elem) {
        if (!replicated) {
            proto_tree_add_item(tree, hf_ctl_sr_disk_guid, tvb, o, 16, ENC_LITTLE_ENDIAN);
        } else {
            proto_item *di = proto_tree_add_item(tree, hf_ctl_sr_replicated_disk, tvb, o, elem, ENC_NA);
            proto_tree *dt = proto_item_add_subtree(di, ett_ctl_struct);
            const char *gname = "";
            guint32 type;
            proto_tree_add_item_ret_uint(dt, hf_ctl_sr_disk_type, tvb, o, 4, ENC_LITTLE_ENDIAN, &type);
            proto_tree_add_item(dt, hf_ctl_sr_cluster_disk_guid, tvb, o + 4, 16, ENC_LITTLE_ENDIAN);
            proto_tree_add_item(dt, hf_ctl_sr_group_id, tvb, o + 20, 16, ENC_LITTLE_ENDIAN);
            cmrp_add_utf16z(dt, hf_ctl_sr_group_name, tvb, o + 36, 520, pinfo, &ei_ctl_unterminated, &gname);
            proto_item_append_text(di, ": %s, %s", val_to_str(pinfo->pool, type, cmrp_vs_SR_REPLICATED_DISK_TYPE, "type %u"), gname);
        }
    }
    add_trailing(tvb, o, tree, pinfo);
}

static void
dissect_membership_info(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    guint32 n, i;
    int len = buf_len(tvb);
    proto_item *pi;

    /* HasQuorum (1), UpNodesSize (4, unaligned), UpNodes (UpNodesSize bytes) */
    if (!need_bytes(tvb, 5, tree, pinfo, "CLUSTER_MEMBERSHIP_INFO"))
        return;
    proto_tree_add_item(tree, hf_ctl_mbr_has_quorum, tvb, 0, 1, ENC_NA);
    pi = proto_tree_add_item_ret_uint(tree, hf_ctl_mbr_up_nodes_size, tvb, 1, 4, ENC_LITTLE_ENDIAN, &n);
    if (n > (guint32)(len - 5))
        expert_add_info_format(pinfo, pi, &ei_ctl_count_overrun, "UpNodesSize %u, %d bytes follow", n, len - 5);
    for (i = 0; i < n && 5 + (int)i < len; i++)
        proto_tree_add_item(tree, hf_ctl_mbr_up_node, tvb, 5 + (int)i, 1, ENC_NA);
    add_trailing(tvb, 5 + (int)i, tree, pinfo);
}

/* Length in bytes, NUL included, of the UTF-16 string at `offset` (or up to the end). */
static int
utf16z_len(tvbuff_t *tvb, int offset, int end)
{
    int i;

    for (i = offset; i + 1 < end; i += 2) {
        if (tvb_get_letohs(tvb, i) == 0)
            return i + 2 - offset;
    }
    return end - offset;
}

static void
dissect_os_version_info(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    int len = buf_len(tvb), o = 8, n;

    /* dwOSSize, dwOSVersionSize (characters), then the two null-terminated strings back to back */
    if (!need_bytes(tvb, 8, tree, pinfo, "OS_AND_OS_VERSION_INFO"))
        return;
    proto_tree_add_item(tree, hf_ctl_os_size, tvb, 0, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(tree, hf_ctl_os_version_size, tvb, 4, 4, ENC_LITTLE_ENDIAN);
    if (o < len) {
        n = utf16z_len(tvb, o, len);
        cmrp_add_utf16z(tree, hf_ctl_os, tvb, o, n, pinfo, &ei_ctl_unterminated, NULL);
        o += n;
    }
    if (o < len) {
        n = utf16z_len(tvb, o, len);
        cmrp_add_utf16z(tree, hf_ctl_os_version, tvb, o, n, pinfo, &ei_ctl_unterminated, NULL);
        o += n;
    }
    add_trailing(tvb, o, tree, pinfo);
}

static void
dissect_disk_number_info(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    if (!need_bytes(tvb, 8, tree, pinfo, "CLUS_DISK_NUMBER_INFO"))
        return;
    proto_tree_add_item(tree, hf_ctl_disk_number, tvb, 0, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(tree, hf_ctl_bytes_per_sector, tvb, 4, 4, ENC_LITTLE_ENDIAN);
    add_trailing(tvb, 8, tree, pinfo);
}

static void
dissect_state_change_reason(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    if (!need_bytes(tvb, 12, tree, pinfo, "CLUSCTL_RESOURCE_STATE_CHANGE_REASON_STRUCT"))
        return;
    proto_tree_add_item(tree, hf_ctl_reason_size, tvb, 0, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(tree, hf_ctl_reason_version, tvb, 4, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(tree, hf_ctl_reason, tvb, 8, 4, ENC_LITTLE_ENDIAN);
    add_trailing(tvb, 12, tree, pinfo);
}

static void
dissect_group_failure_info(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    if (!need_bytes(tvb, 12, tree, pinfo, "CLUSTER_GROUP_FAILURE_INFO_BUFFER"))
        return;
    proto_tree_add_item(tree, hf_ctl_failure_version, tvb, 0, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(tree, hf_ctl_failure_attempts, tvb, 4, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(tree, hf_ctl_failure_period, tvb, 8, 4, ENC_LITTLE_ENDIAN);
    add_trailing(tvb, 12, tree, pinfo);
}

/* ---- dispatch ---- */

static void
dissect_buffer(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx, uint32_t code, cmrp_ctl_fmt_t fmt)
{
    packet_info *pinfo = ctx->pinfo;
    int len = buf_len(tvb);
    unsigned depth = ctx->depth;

    switch (fmt) {
    case CMRP_FMT_NONE: {
        proto_item *pi = proto_tree_add_item(tree, hf_ctl_data, tvb, 0, len, ENC_NA);
        expert_add_info(pinfo, pi, &ei_ctl_unexpected_data);
        break;
    }
    case CMRP_FMT_IGNORED:
    case CMRP_FMT_INTERNAL:
        proto_tree_add_item(tree, hf_ctl_data, tvb, 0, len, ENC_NA);
        break;
    case CMRP_FMT_PROPLIST:
    case CMRP_FMT_PROPFMTLIST: {
        int o = cmrp_dissect_property_list_ex(tvb, 0, pinfo, tree, depth,
                                              (fmt == CMRP_FMT_PROPFMTLIST ? CMRP_PL_FORMAT_LIST : 0) |
                                              cmrp_pl_flags_for_ctl(code));
        const char *summary = ctx->request ? NULL : cmrp_property_list_summary(tvb, 0, pinfo->pool);
        add_trailing(tvb, o, tree, pinfo);
        if (summary)
            cmrp_info_append(pinfo, summary);   /* the answer, in Info (issue #11) */
        break;
    }
    case CMRP_FMT_VALUELIST:
    case CMRP_FMT_CSV_VOLUME_LIST: {
        /* one or more value lists (GET_AVAILABLE_DISKS returns one per disk) */
        int o = 0;
        unsigned flags = fmt == CMRP_FMT_CSV_VOLUME_LIST ? CMRP_PL_CSV_VOLUME_INFO : 0;
        while (o + 4 <= len) {
            int q = cmrp_dissect_value_list(tvb, o, pinfo, tree, depth, flags);
            if (q <= o)
                break;
            o = q;
        }
        add_trailing(tvb, o, tree, pinfo);
        break;
    }
    case CMRP_FMT_SZ: {
        const char *s = NULL;
        int n = utf16z_len(tvb, 0, len);
        cmrp_add_utf16z(tree, hf_ctl_string, tvb, 0, n, pinfo, &ei_ctl_unterminated, &s);
        proto_item_append_text(proto_tree_get_parent(tree), ": \"%s\"", s);
        /* zero padding after the NUL is common (fixed-size buffers); anything else is trailing data */
        for (int i = n; i < len; i++) {
            if (tvb_get_uint8(tvb, i) != 0) {
                add_trailing(tvb, n, tree, pinfo);
                break;
            }
        }
        break;
    }
    case CMRP_FMT_MULTI_SZ: {
        const char *sum = NULL;
        unsigned n = cmrp_add_multi_sz(tree, hf_ctl_multi_sz, tvb, 0, len, pinfo, &ei_ctl_unterminated, &sum);
        proto_item_append_text(proto_tree_get_parent(tree), ": %u string%s", n, n == 1 ? "" : "s");
        break;
    }
    case CMRP_FMT_DWORD:
        if (one_dword(tvb, tree, pinfo)) {
            proto_tree_add_item(tree, hf_ctl_dword, tvb, 0, 4, ENC_LITTLE_ENDIAN);
            add_trailing(tvb, 4, tree, pinfo);
        }
        break;
    case CMRP_FMT_DWORD_CHARACTERISTICS:
        if (one_dword(tvb, tree, pinfo)) {
            proto_tree_add_bitmask(tree, tvb, 0, hf_ctl_characteristics, ett_ctl_bits, cmrp_bits_CLUS_CHARACTERISTICS,
                                   ENC_LITTLE_ENDIAN);
            add_trailing(tvb, 4, tree, pinfo);
        }
        break;
    case CMRP_FMT_DWORD_FLAGS:
        if (one_dword(tvb, tree, pinfo)) {
            proto_tree_add_bitmask(tree, tvb, 0, hf_ctl_flags, ett_ctl_bits, cmrp_bits_CLUS_FLAGS, ENC_LITTLE_ENDIAN);
            add_trailing(tvb, 4, tree, pinfo);
        }
        break;
    case CMRP_FMT_DWORD_AD_STATE:
        if (one_dword(tvb, tree, pinfo)) {
            proto_tree_add_bitmask(tree, tvb, 0, hf_ctl_ad_state, ett_ctl_bits, ad_state_fields, ENC_LITTLE_ENDIAN);
            add_trailing(tvb, 4, tree, pinfo);
        }
        break;
    case CMRP_FMT_DWORD_QUORUM:
        if (one_dword(tvb, tree, pinfo)) {
            proto_tree_add_item(tree, hf_ctl_quorum, tvb, 0, 4, ENC_LITTLE_ENDIAN);
            add_trailing(tvb, 4, tree, pinfo);
        }
        break;
    case CMRP_FMT_DWORD_DRIVEMASK:
        if (one_dword(tvb, tree, pinfo)) {
            add_drive_mask(tree, hf_ctl_drive_mask, tvb, 0, pinfo);
            add_trailing(tvb, 4, tree, pinfo);
        }
        break;
    case CMRP_FMT_DWORD_ARRAY: {
        int o;
        for (o = 0; o + 4 <= len; o += 4)
            proto_tree_add_item(tree, hf_ctl_dword, tvb, o, 4, ENC_LITTLE_ENDIAN);
        add_trailing(tvb, o, tree, pinfo);
        break;
    }
    case CMRP_FMT_RESCLASS_INFO:
        dissect_resclass_info(tvb, tree, pinfo);
        break;
    case CMRP_FMT_NETNAME_PWD_INFO:
        dissect_netname_pwd_info(tvb, tree, pinfo, code == CLUSCTL_RESOURCE_NETNAME_SET_PWD_INFOEX);
        break;
    case CMRP_FMT_MAINT_MODE_INFO:
        dissect_maint_mode_info(tvb, tree, pinfo);
        break;
    case CMRP_FMT_STORAGE_SET_DRIVELETTER:
        dissect_storage_set_driveletter(tvb, tree, pinfo);
        break;
    case CMRP_FMT_STORAGE_REMAP_DRIVELETTER:
        dissect_storage_remap_driveletter(tvb, tree, pinfo);
        break;
    case CMRP_FMT_CSV_MAINT_MODE_INFO:
        dissect_csv_maint_mode_info(tvb, tree, pinfo);
        break;
    case CMRP_FMT_SV_BACKUP_MODE:
        dissect_sv_backup_mode(tvb, tree, pinfo);
        break;
    case CMRP_FMT_POOL_DRIVE_INFO:
        dissect_pool_drive_info(tvb, tree, pinfo);
        break;
    case CMRP_FMT_DISKID:
        dissect_diskid(tvb, tree, pinfo);
        break;
    case CMRP_FMT_NETNAME_OU_INPUT:
        dissect_ou_input(tvb, tree, pinfo);
        break;
    case CMRP_FMT_NETNAME_OU_OUTPUT:
        dissect_ou_output(tvb, tree, pinfo);
        break;
    case CMRP_FMT_SR_QUERY_LOGDISKS:
    case CMRP_FMT_SR_QUERY_TARGET_DATADISKS:
    case CMRP_FMT_SR_QUERY_SOURCE_DATADISKS:
        dissect_sr_query(tvb, tree, pinfo, fmt);
        break;
    case CMRP_FMT_SR_ELIGIBLE_DISKS_RESULT:
        dissect_sr_result(tvb, tree, pinfo, false);
        break;
    case CMRP_FMT_SR_REPLICATED_DISKS_RESULT:
        dissect_sr_result(tvb, tree, pinfo, true);
        break;
    case CMRP_FMT_MEMBERSHIP_INFO:
        dissect_membership_info(tvb, tree, pinfo);
        break;
    case CMRP_FMT_OS_VERSION_INFO:
        dissect_os_version_info(tvb, tree, pinfo);
        break;
    case CMRP_FMT_DISK_NUMBER_INFO:
        dissect_disk_number_info(tvb, tree, pinfo);
        break;
    case CMRP_FMT_STATE_CHANGE_REASON:
        dissect_state_change_reason(tvb, tree, pinfo);
        break;
    case CMRP_FMT_GROUP_FAILURE_INFO:
        dissect_group_failure_info(tvb, tree, pinfo);
        break;
    case CMRP_FMT_SECURITY_DESCRIPTOR:
        cmrp_dissect_security_descriptor(tvb, 0, len, pinfo, tree, depth);
        break;
    case CMRP_FMT_UNKNOWN:
    case CMRP_FMT_COUNT:
    default: {
        proto_item *pi = proto_tree_add_item(tree, hf_ctl_data, tvb, 0, len, ENC_NA);
        expert_add_info(pinfo, pi, &ei_ctl_undocumented);
        break;
    }
    }
}

static bool
get_code(cmrp_hook_ctx_t *ctx, uint32_t *code)
{
    uint64_t v;

    if (!cmrp_hook_param(ctx, CMRP_NAME_dwControlCode, &v))
        return false;
    *code = (uint32_t)v;
    return true;
}

static void
ctl_buffer(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx, bool in)
{
    const cmrp_ctl_entry_t *e;
    uint32_t code;
    int len = buf_len(tvb);

    if (len == 0)
        return;
    if (!get_code(ctx, &code)) {
        /* the request was not seen: the format is unknown */
        proto_tree_add_item(tree, hf_ctl_data, tvb, 0, len, ENC_NA);
        return;
    }
    e = ctl_lookup(code);
    if (e == NULL) {
        proto_item *pi = proto_tree_add_item(tree, hf_ctl_data, tvb, 0, len, ENC_NA);
        if (!(code & CTL_USER_BIT))
            expert_add_info_format(ctx->pinfo, pi, &ei_ctl_unknown_code,
                                   "Unknown control code 0x%08x: buffer not decoded", code);
        return;
    }
    dissect_buffer(tvb, tree, ctx, code, (cmrp_ctl_fmt_t)(in ? e->in_fmt : e->out_fmt));
}

/* ---- hooks ---- */

void
cmrp_hook_ctl_code(tvbuff_t *tvb, int offset, int length, proto_tree *tree, cmrp_hook_ctx_t *ctx, uint64_t value)
{
    uint32_t code = (uint32_t)value;
    const cmrp_ctl_entry_t *e = ctl_lookup(code);
    const char *name = try_val_to_str_ext(code, &cmrp_ctl_code_vals_ext);
    unsigned code_object = (code & CTL_OBJECT_MASK) >> 24;
    unsigned want = opnum_object(ctx->opnum);
    unsigned have = e ? e->object : code_object;
    proto_item *item;

    if (length == 4)
        item = proto_tree_add_bitmask(tree, tvb, offset, hf_ctl_code, ett_ctl_code, ctl_code_fields, ctx->drep_enc);
    else
        item = proto_tree_add_bitmask_value(tree, tvb, offset, hf_ctl_code, ett_ctl_code, ctl_code_fields, value);

    cmrp_info_append(ctx->pinfo, name ? name : wmem_strdup_printf(ctx->pinfo->pool, "0x%08x", code));

    if (e == NULL && !(code & CTL_USER_BIT))      /* user-defined codes are expected to be unknown */
        expert_add_info_format(ctx->pinfo, item, &ei_ctl_unknown_code, "Unknown control code 0x%08x", code);
    if (want != 0 && have != want && code_object < CMRP_CLUS_OBJECT_USER) {
        expert_add_info_format(ctx->pinfo, item, &ei_ctl_object_mismatch,
                               "Control code for %s sent to a %s control method (opnum %u)",
                               val_to_str_const(have, cmrp_vs_CLUSTER_CONTROL_OBJECT, "an unknown object"),
                               val_to_str_const(want, cmrp_vs_CLUSTER_CONTROL_OBJECT, "?"), ctx->opnum);
    }
    if (ctx->request && (code & CTL_INTERNAL_BIT)) {
        expert_add_info_format(ctx->pinfo, item, &ei_ctl_internal_from_client,
                               "Internal control code 0x%08x sent by a client: applications must not use "
                               "internal control codes", code);
    }
}

void
cmrp_hook_ctl_in(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx)
{
    ctl_buffer(tvb, tree, ctx, true);
}

void
cmrp_hook_ctl_out(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx)
{
    uint64_t v, size;

    if (buf_len(tvb) == 0)
        return;
    /* ERROR_MORE_DATA: the server wrote nothing (lpBytesReturned 0, so the varying array is
     * empty and we returned above). lpcbRequired and the return value follow lpOutBuffer in the
     * stub, so these checks only help if the walker offers them before the buffer. */
    if ((cmrp_hook_param(ctx, CMRP_NAME_return, &v) && v == ERROR_MORE_DATA) ||
        (cmrp_hook_param(ctx, CMRP_NAME_lpcbRequired, &v) && cmrp_hook_param(ctx, CMRP_NAME_nOutBufferSize, &size) &&
         v > size)) {
        proto_tree_add_item(tree, hf_ctl_data, tvb, 0, buf_len(tvb), ENC_NA);
        return;
    }
    ctl_buffer(tvb, tree, ctx, false);
}

void
cmrp_hook_ctl_bytes_returned(tvbuff_t *tvb, int offset, int length, proto_tree *tree, cmrp_hook_ctx_t *ctx,
                             uint64_t value)
{
    proto_item *item;
    uint64_t size;

    if (length == 4)
        item = proto_tree_add_item(tree, hf_ctl_bytes_returned, tvb, offset, 4, ctx->drep_enc);
    else
        item = proto_tree_add_uint(tree, hf_ctl_bytes_returned, tvb, offset, length, (guint32)value);
    if (cmrp_hook_param(ctx, CMRP_NAME_nOutBufferSize, &size) && value > size) {
        expert_add_info_format(ctx->pinfo, item, &ei_ctl_bytes_returned,
                               "lpBytesReturned %" G_GUINT64_FORMAT " exceeds nOutBufferSize %" G_GUINT64_FORMAT,
                               value, size);
    }
}

/* ---- registration ---- */

void
cmrp_register_ctl(int proto)
{
    static hf_register_info hf[] = {
        { &hf_ctl_code, { "Control code", "cmrp.ctl.code", FT_UINT32, BASE_HEX | BASE_EXT_STRING,
            &cmrp_ctl_code_vals_ext, 0, "dwControlCode", HFILL } },
        { &hf_ctl_object, { "Object", "cmrp.ctl.object", FT_UINT32, BASE_HEX, VALS(cmrp_vs_CLUSTER_CONTROL_OBJECT), CTL_OBJECT_MASK,
            NULL, HFILL } },
        { &hf_ctl_global, { "Global", "cmrp.ctl.global", FT_BOOLEAN, 32, TFS(&tfs_global), CTL_GLOBAL_BIT,
            NULL, HFILL } },
        { &hf_ctl_modify, { "Modify", "cmrp.ctl.modify", FT_BOOLEAN, 32, TFS(&tfs_modify), CTL_MODIFY_BIT,
            NULL, HFILL } },
        { &hf_ctl_user, { "User", "cmrp.ctl.user", FT_BOOLEAN, 32, TFS(&tfs_user), CTL_USER_BIT, NULL, HFILL } },
        { &hf_ctl_internal, { "Internal", "cmrp.ctl.internal", FT_BOOLEAN, 32, TFS(&tfs_internal), CTL_INTERNAL_BIT,
            NULL, HFILL } },
        { &hf_ctl_function, { "Function", "cmrp.ctl.function", FT_UINT32, BASE_HEX, NULL, CTL_FUNCTION_MASK,
            "Operation number (bits 2-19)", HFILL } },
        { &hf_ctl_access, { "Access", "cmrp.ctl.access", FT_UINT32, BASE_DEC, VALS(cmrp_vs_CLUSCTL_ACCESS_MODES), CTL_ACCESS_MASK,
            NULL, HFILL } },
        { &hf_ctl_bytes_returned, { "Bytes returned", "cmrp.ctl.bytes_returned", FT_UINT32, BASE_DEC, NULL, 0,
            "lpBytesReturned", HFILL } },

        { &hf_ctl_data, { "Data", "cmrp.ctl.data", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_ctl_string, { "String", "cmrp.ctl.string", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_ctl_multi_sz, { "String", "cmrp.ctl.multi_sz", FT_STRING, BASE_NONE, NULL, 0,
            "Element of a MULTI_SZ list", HFILL } },
        { &hf_ctl_dword, { "Value", "cmrp.ctl.dword", FT_UINT32, BASE_DEC_HEX, NULL, 0, NULL, HFILL } },
        { &hf_ctl_characteristics, { "Characteristics", "cmrp.ctl.characteristics", FT_UINT32, BASE_HEX, NULL, 0,
            "CLUS_CHARACTERISTICS", HFILL } },
        { &hf_ctl_ad_state, { "AD state", "cmrp.ctl.ad_state", FT_UINT32, BASE_HEX, NULL, 0,
            "NETNAME_CHECK_AD_STATE_FLAGS", HFILL } },
        { &hf_ctl_ad_state_no_dcs, { "NETNAME_CHECK_AD_STATE_FLAGS_NO_DCS", "cmrp.ctl.ad_state.no_dcs", FT_BOOLEAN, 32,
            NULL, 0x00000001, "No directory server could be contacted", HFILL } },
        { &hf_ctl_ad_state_no_object, { "NETNAME_CHECK_AD_STATE_FLAGS_NO_OBJECT", "cmrp.ctl.ad_state.no_object",
            FT_BOOLEAN, 32, NULL, 0x00000002, "The security principal was not found", HFILL } },
        { &hf_ctl_ad_state_bad_pwd, { "NETNAME_CHECK_AD_STATE_FLAGS_BAD_PWD", "cmrp.ctl.ad_state.bad_pwd",
            FT_BOOLEAN, 32, NULL, 0x00000004, "The server has a wrong password for the principal", HFILL } },
        { &hf_ctl_ad_state_obj_disabled, { "NETNAME_CHECK_AD_STATE_FLAGS_OBJ_DISABLED",
            "cmrp.ctl.ad_state.obj_disabled", FT_BOOLEAN, 32, NULL, 0x00000008, "The security principal is disabled",
            HFILL } },
        { &hf_ctl_flags, { "Flags", "cmrp.ctl.flags", FT_UINT32, BASE_HEX, NULL, 0, "CLUS_FLAGS", HFILL } },
        { &hf_ctl_quorum, { "Quorum", "cmrp.ctl.quorum", FT_UINT32, BASE_DEC, VALS(cmrp_vs_CLUSTER_QUORUM_VALUE), 0,
            "CLUSTER_QUORUM_VALUE", HFILL } },
        { &hf_ctl_drive_mask, { "Drive letters", "cmrp.ctl.drive_mask", FT_UINT32, BASE_HEX, NULL, 0,
            "Bit 0 = A:, bit 25 = Z:", HFILL } },
        { &hf_ctl_resclass, { "Class", "cmrp.ctl.resclass", FT_UINT32, BASE_DEC, VALS(cmrp_vs_CLUSTER_RESOURCE_CLASS), 0, NULL, HFILL } },
        { &hf_ctl_subclass, { "SubClass", "cmrp.ctl.subclass", FT_UINT32, BASE_HEX, NULL, 0, NULL, HFILL } },
        { &hf_ctl_subclass_shared, { "Shared", "cmrp.ctl.subclass.shared", FT_BOOLEAN, 32, NULL, 0x80000000,
            "CLUS_RESSUBCLASS_SHARED", HFILL } },
        { &hf_ctl_pwd_flags, { "Flags", "cmrp.ctl.pwd.flags", FT_UINT32, BASE_HEX, NULL, 0, NULL, HFILL } },
        { &hf_ctl_pwd_flags_guid, { "GUID_PRESENT", "cmrp.ctl.pwd.flags.guid_present", FT_BOOLEAN, 32, TFS(&tfs_set_notset),
            0x00000001, NULL, HFILL } },
        { &hf_ctl_pwd_flags_createdc, { "CREATEDC_PRESENT", "cmrp.ctl.pwd.flags.createdc_present", FT_BOOLEAN, 32,
            TFS(&tfs_set_notset), 0x00000002, NULL, HFILL } },
        { &hf_ctl_pwd_password, { "Password", "cmrp.ctl.pwd.password", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_ctl_pwd_creating_dc, { "Creating DC", "cmrp.ctl.pwd.creating_dc", FT_STRING, BASE_NONE, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_pwd_object_guid, { "Object GUID", "cmrp.ctl.pwd.object_guid", FT_STRING, BASE_NONE, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_maint_in_maintenance, { "In maintenance", "cmrp.ctl.maint.in_maintenance", FT_UINT32, BASE_DEC,
            NULL, 0, NULL, HFILL } },
        { &hf_ctl_maint_type, { "Maintenance mode type", "cmrp.ctl.maint.type", FT_UINT32, BASE_DEC,
            VALS(cmrp_vs_MAINTENANCE_MODE_TYPE), 0, NULL, HFILL } },
        { &hf_ctl_maint_internal_state, { "Internal state", "cmrp.ctl.maint.internal_state", FT_UINT32, BASE_DEC,
            NULL, 0, NULL, HFILL } },
        { &hf_ctl_maint_signature, { "Signature", "cmrp.ctl.maint.signature", FT_UINT32, BASE_HEX, NULL, 0,
            "Must be 0xABBAF00F", HFILL } },
        { &hf_ctl_partition_number, { "Partition number", "cmrp.ctl.partition_number", FT_UINT32, BASE_DEC, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_current_drive_mask, { "Current drive letter", "cmrp.ctl.current_drive_mask", FT_UINT32, BASE_HEX,
            NULL, 0, NULL, HFILL } },
        { &hf_ctl_target_drive_mask, { "Target drive letter", "cmrp.ctl.target_drive_mask", FT_UINT32, BASE_HEX,
            NULL, 0, NULL, HFILL } },
        { &hf_ctl_volume_name, { "Volume name", "cmrp.ctl.volume_name", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_ctl_backup_state, { "Backup state", "cmrp.ctl.backup_state", FT_UINT32, BASE_DEC,
            VALS(cmrp_vs_CLUSTER_SHARED_VOLUME_BACKUP_STATE), 0, NULL, HFILL } },
        { &hf_ctl_delay_timer, { "Delay timer", "cmrp.ctl.delay_timer", FT_UINT32, BASE_DEC, NULL, 0, "Seconds", HFILL } },
        { &hf_ctl_pool_drive, { "Pool drive", "cmrp.ctl.pool.drive", FT_NONE, BASE_NONE, NULL, 0,
            "CLUS_POOL_DRIVE_INFO", HFILL } },
        { &hf_ctl_pool_drive_name, { "Drive name", "cmrp.ctl.pool.drive_name", FT_STRING, BASE_NONE, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_pool_seek_penalty, { "Incurs seek penalty", "cmrp.ctl.pool.seek_penalty", FT_UINT8, BASE_DEC,
            NULL, 0, NULL, HFILL } },
        { &hf_ctl_pool_padding, { "Padding", "cmrp.ctl.pool.padding", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_ctl_pool_health, { "Drive health", "cmrp.ctl.pool.health", FT_UINT32, BASE_DEC, VALS(cmrp_vs_CLUS_POOL_DRIVE_HEALTH),
            0, NULL, HFILL } },
        { &hf_ctl_pool_state, { "Drive state", "cmrp.ctl.pool.state", FT_UINT32, BASE_DEC, VALS(cmrp_vs_CLUS_POOL_DRIVE_STATE), 0,
            NULL, HFILL } },
        { &hf_ctl_pool_total_capacity, { "Total capacity", "cmrp.ctl.pool.total_capacity", FT_UINT64, BASE_DEC,
            NULL, 0, "Bytes", HFILL } },
        { &hf_ctl_pool_consumed_capacity, { "Consumed capacity", "cmrp.ctl.pool.consumed_capacity", FT_UINT64,
            BASE_DEC, NULL, 0, "Bytes", HFILL } },
        { &hf_ctl_pool_usage, { "Usage", "cmrp.ctl.pool.usage", FT_UINT32, BASE_DEC, VALS(cmrp_vs_CLUS_POOL_DRIVE_USAGE), 0,
            NULL, HFILL } },
        { &hf_ctl_pool_bus_type, { "Bus type", "cmrp.ctl.pool.bus_type", FT_UINT32, BASE_DEC, VALS(cmrp_vs_CLUS_POOL_DRIVE_BUS_TYPE), 0,
            NULL, HFILL } },
        { &hf_ctl_pool_slot, { "Slot", "cmrp.ctl.pool.slot", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_ctl_pool_enclosure_name, { "Enclosure name", "cmrp.ctl.pool.enclosure_name", FT_STRING, BASE_NONE,
            NULL, 0, NULL, HFILL } },
        { &hf_ctl_diskid_type, { "Disk ID type", "cmrp.ctl.diskid.type", FT_UINT32, BASE_HEX, VALS(cmrp_vs_CLUSDSK_DISKID_ENUM),
            0, NULL, HFILL } },
        { &hf_ctl_diskid_signature, { "Disk signature", "cmrp.ctl.diskid.signature", FT_UINT32, BASE_HEX, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_diskid_guid, { "Disk GUID", "cmrp.ctl.diskid.guid", FT_GUID, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_ctl_ou_version, { "Version", "cmrp.ctl.ou.version", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_ctl_ou_permissions, { "Permissions", "cmrp.ctl.ou.permissions", FT_UINT32, BASE_HEX, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_ou_object_class, { "Object class GUID", "cmrp.ctl.ou.object_class", FT_GUID, BASE_NONE, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_ou_has_access, { "Has access", "cmrp.ctl.ou.has_access", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_ctl_ou_default_ou, { "Default OU", "cmrp.ctl.ou.default_ou", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_ctl_ou_size, { "OU name size", "cmrp.ctl.ou.size", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_ctl_ou_name, { "OU name", "cmrp.ctl.ou.name", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_ctl_sr_data_disk_guid, { "Data disk", "cmrp.ctl.sr.data_disk", FT_GUID, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_ctl_sr_source_disk_guid, { "Source data disk", "cmrp.ctl.sr.source_disk", FT_GUID, BASE_NONE, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_sr_include_offline, { "Include offline disks", "cmrp.ctl.sr.include_offline", FT_UINT8, BASE_DEC,
            NULL, 0, NULL, HFILL } },
        { &hf_ctl_sr_skip_connectivity, { "Skip connectivity check", "cmrp.ctl.sr.skip_connectivity", FT_UINT8,
            BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_ctl_sr_include_available, { "Include available storage disks", "cmrp.ctl.sr.include_available",
            FT_UINT8, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_ctl_sr_reserved, { "Reserved", "cmrp.ctl.sr.reserved", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_ctl_sr_count, { "Count", "cmrp.ctl.sr.count", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_ctl_sr_disk_guid, { "Disk", "cmrp.ctl.sr.disk", FT_GUID, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_ctl_sr_replicated_disk, { "Replicated disk", "cmrp.ctl.sr.replicated_disk", FT_NONE, BASE_NONE, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_sr_disk_type, { "Type", "cmrp.ctl.sr.disk_type", FT_UINT32, BASE_DEC, VALS(cmrp_vs_SR_REPLICATED_DISK_TYPE), 0,
            NULL, HFILL } },
        { &hf_ctl_sr_cluster_disk_guid, { "Cluster disk resource", "cmrp.ctl.sr.cluster_disk", FT_GUID, BASE_NONE,
            NULL, 0, NULL, HFILL } },
        { &hf_ctl_sr_group_id, { "Replication group ID", "cmrp.ctl.sr.group_id", FT_GUID, BASE_NONE, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_sr_group_name, { "Replication group name", "cmrp.ctl.sr.group_name", FT_STRING, BASE_NONE, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_mbr_has_quorum, { "Has quorum", "cmrp.ctl.membership.has_quorum", FT_UINT8, BASE_DEC, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_mbr_up_nodes_size, { "Up nodes", "cmrp.ctl.membership.up_nodes_size", FT_UINT32, BASE_DEC, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_mbr_up_node, { "Up node ID", "cmrp.ctl.membership.up_node", FT_UINT8, BASE_DEC, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_os_size, { "OS characters", "cmrp.ctl.os.os_size", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_ctl_os_version_size, { "OS version characters", "cmrp.ctl.os.version_size", FT_UINT32, BASE_DEC, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_os, { "OS", "cmrp.ctl.os.os", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_ctl_os_version, { "OS version", "cmrp.ctl.os.version", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_ctl_disk_number, { "Disk number", "cmrp.ctl.disk_number", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_ctl_bytes_per_sector, { "Bytes per sector", "cmrp.ctl.bytes_per_sector", FT_UINT32, BASE_DEC, NULL, 0,
            NULL, HFILL } },
        { &hf_ctl_reason_size, { "Size", "cmrp.ctl.reason.size", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_ctl_reason_version, { "Version", "cmrp.ctl.reason.version", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_ctl_reason, { "Reason", "cmrp.ctl.reason", FT_UINT32, BASE_DEC, VALS(cmrp_vs_CLUSTER_RESOURCE_STATE_CHANGE_REASON), 0,
            "CLUSTER_RESOURCE_STATE_CHANGE_REASON", HFILL } },
        { &hf_ctl_failure_version, { "Version", "cmrp.ctl.failure.version", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_ctl_failure_attempts, { "Failover attempts remaining", "cmrp.ctl.failure.attempts_remaining", FT_UINT32,
            BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_ctl_failure_period, { "Failover period remaining", "cmrp.ctl.failure.period_remaining", FT_UINT32,
            BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_ctl_trailing, { "Trailing data", "cmrp.ctl.trailing", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL } },
    };

    static gint *ett[] = { &ett_ctl_code, &ett_ctl_bits, &ett_ctl_struct };

    static ei_register_info ei[] = {
        { &ei_ctl_object_mismatch, { "cmrp.ctl.object_mismatch", PI_PROTOCOL, PI_WARN,
            "Control code object does not match the method", EXPFILL } },
        { &ei_ctl_internal_from_client, { "cmrp.ctl.internal_from_client", PI_PROTOCOL, PI_WARN,
            "Internal control code sent by a client", EXPFILL } },
        { &ei_ctl_unknown_code, { "cmrp.ctl.unknown_code", PI_UNDECODED, PI_NOTE,
            "Unknown control code", EXPFILL } },
        { &ei_ctl_bytes_returned, { "cmrp.ctl.bytes_returned_too_large", PI_PROTOCOL, PI_ERROR,
            "lpBytesReturned exceeds nOutBufferSize", EXPFILL } },
        { &ei_ctl_unterminated, { "cmrp.ctl.unterminated_string", PI_MALFORMED, PI_WARN,
            "String is not NUL-terminated", EXPFILL } },
        { &ei_ctl_bad_size, { "cmrp.ctl.bad_size", PI_MALFORMED, PI_ERROR,
            "Buffer too short for its structure", EXPFILL } },
        { &ei_ctl_trailing, { "cmrp.ctl.trailing_data", PI_PROTOCOL, PI_WARN,
            "Data after the end of the structure", EXPFILL } },
        { &ei_ctl_unexpected_data, { "cmrp.ctl.unexpected_data", PI_PROTOCOL, PI_NOTE,
            "Data in a buffer this control code does not use", EXPFILL } },
        { &ei_ctl_count_overrun, { "cmrp.ctl.count_overrun", PI_MALFORMED, PI_ERROR,
            "Count larger than the buffer can hold", EXPFILL } },
        { &ei_ctl_bad_signature, { "cmrp.ctl.bad_signature", PI_PROTOCOL, PI_WARN,
            "Signature is not 0xABBAF00F", EXPFILL } },
        { &ei_ctl_undocumented, { "cmrp.ctl.undocumented_format", PI_UNDECODED, PI_NOTE,
            "Buffer format of this control code is not documented", EXPFILL } },
    };
    expert_module_t *expert;

    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert = expert_register_protocol(proto);
    expert_register_field_array(expert, ei, array_length(ei));
}

/* A response's request context (issue #11): the request's control code as a generated item, with
 * the same name and components as on the request. */
proto_item *
cmrp_ctl_code_context(proto_tree *tree, tvbuff_t *tvb, int offset, uint32_t code)
{
    proto_item *item;
    if (tvb_captured_length_remaining(tvb, offset) < 4)
        return NULL;
    item = proto_tree_add_bitmask_value(tree, tvb, offset, hf_ctl_code, ett_ctl_code, ctl_code_fields,
                                        code);
    proto_item_set_len(item, 0);
    proto_item_set_generated(item);
    return item;
}
