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
#include "cmrp-prim.h"
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

static const true_false_string tfs_global = { "CLUS_GLOBAL", "CLUS_NOT_GLOBAL" };
static const true_false_string tfs_modify = { "CLUS_MODIFY", "CLUS_NO_MODIFY" };
static const true_false_string tfs_user = { "CLCTL_USER_BASE (user-defined)", "CLCTL_CLUSTER_BASE" };
static const true_false_string tfs_internal = { "Internal", "External" };

/* Fields, subtrees and expert infos: idl/tables/fields-ctl.tsv (generated). */
#include "cmrp-fields-ctl.h"

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

/* ---- fixed structures, as data ----
 *
 * Every fixed-size structure a control code carries is a row set of idl/tables/ctllayouts.tsv
 * (field, offset, length, kind, citing the section that defines it), generated into
 * cmrp_layout_t tables and shown by cmrp_dissect_layout() (cmrp-layout.h). The bounds are checked
 * in one place: ctl_layout() for a buffer holding one structure, layout_array() for arrays. */

#include "cmrp-ctl-layouts.h"  /* generated from idl/tables/ctllayouts.tsv */

#define CLUSCTL_RESOURCE_NETNAME_SET_PWD_INFOEX 0x0100031au
#define MAINT_MODE_SIGNATURE     0xABBAF00Fu  /* CLUS_MAINTENANCE_MODE_INFO_EX.Signature */
#define CLUSDSK_DISKID_SIGNATURE 1u
#define CLUSDSK_DISKID_GUID      2u

/* The formats that are one fixed structure and nothing else. */
static const cmrp_layout_t *const fixed_layouts[CMRP_FMT_COUNT] = {
    [CMRP_FMT_DWORD] = &lay_dword,
    [CMRP_FMT_DWORD_CHARACTERISTICS] = &lay_characteristics,
    [CMRP_FMT_DWORD_FLAGS] = &lay_flags,
    [CMRP_FMT_DWORD_QUORUM] = &lay_quorum,
    [CMRP_FMT_DWORD_DRIVEMASK] = &lay_drivemask,
    [CMRP_FMT_DWORD_AD_STATE] = &lay_ad_state,
    [CMRP_FMT_RESCLASS_INFO] = &lay_resclass,
    [CMRP_FMT_STORAGE_SET_DRIVELETTER] = &lay_set_driveletter,
    [CMRP_FMT_STORAGE_REMAP_DRIVELETTER] = &lay_remap_driveletter,
    [CMRP_FMT_CSV_MAINT_MODE_INFO] = &lay_csv_maint,
    [CMRP_FMT_SV_BACKUP_MODE] = &lay_sv_backup,
    [CMRP_FMT_NETNAME_OU_INPUT] = &lay_ou_input,
    [CMRP_FMT_SR_QUERY_LOGDISKS] = &lay_sr_query_logdisks,
    [CMRP_FMT_SR_QUERY_TARGET_DATADISKS] = &lay_sr_query_target,
    [CMRP_FMT_SR_QUERY_SOURCE_DATADISKS] = &lay_sr_query_source,
    [CMRP_FMT_DISK_NUMBER_INFO] = &lay_disk_number,
    [CMRP_FMT_STATE_CHANGE_REASON] = &lay_state_change_reason,
    [CMRP_FMT_GROUP_FAILURE_INFO] = &lay_group_failure,
};

/* Shows the structure at the start of the buffer if the buffer holds it (else the bytes, with an
 * expert info). Returns false if it does not. */
static bool
ctl_layout(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, const cmrp_layout_t *layout)
{
    if (!need_bytes(tvb, layout->size, tree, pinfo, layout->name))
        return false;
    cmrp_dissect_layout(tvb, 0, pinfo, tree, layout, &ei_ctl_unterminated);
    return true;
}

/* Up to `count` structures from `offset`, as many as the buffer holds whole; each under an item of
 * `hf_item` with its summary, or (hf_item < 0) straight in `tree`. Returns the offset after them. */
static int
layout_array(tvbuff_t *tvb, int offset, uint32_t count, proto_tree *tree, packet_info *pinfo,
             const cmrp_layout_t *layout, int hf_item)
{
    int len = buf_len(tvb);
    uint32_t i;

    for (i = 0; i < count && offset + layout->size <= len; i++, offset += layout->size) {
        proto_item *item = NULL;
        proto_tree *t = tree;
        const char *summary;

        if (hf_item >= 0) {
            item = proto_tree_add_item(tree, hf_item, tvb, offset, layout->size, ENC_NA);
            t = proto_item_add_subtree(item, ett_ctl_struct);
        }
        summary = cmrp_dissect_layout(tvb, offset, pinfo, t, layout, &ei_ctl_unterminated);
        if (item)
            proto_item_append_text(item, ": %s", summary);
    }
    return offset;
}

/* ---- the formats that are more than one fixed structure ---- */

static void
dissect_maint_mode_info(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, uint32_t code _U_)
{
    const cmrp_layout_t *layout = buf_len(tvb) >= lay_maint_ex.size ? &lay_maint_ex : &lay_maint;

    if (!ctl_layout(tvb, tree, pinfo, layout))
        return;
    if (layout == &lay_maint_ex) {
        const cmrp_layout_field_t *sig = cmrp_layout_field(layout, &hf_ctl_maint_signature);
        if (tvb_get_letohl(tvb, sig->offset) != MAINT_MODE_SIGNATURE)
            proto_tree_add_expert(tree, pinfo, &ei_ctl_bad_signature, tvb, sig->offset, sig->length);
    }
    add_trailing(tvb, layout->size, tree, pinfo);
}

static void
dissect_pool_drive_info(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, uint32_t code _U_)
{
    int o;

    if (!need_bytes(tvb, lay_pool_drive.size, tree, pinfo, lay_pool_drive.name))
        return;
    o = layout_array(tvb, 0, UINT32_MAX, tree, pinfo, &lay_pool_drive, hf_ctl_pool_drive);
    add_trailing(tvb, o, tree, pinfo);
}

static void
dissect_diskid(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, uint32_t code _U_)
{
    int len = buf_len(tvb);
    uint32_t type;

    if (!need_bytes(tvb, lay_diskid_signature.size, tree, pinfo, lay_diskid_signature.name))
        return;
    type = tvb_get_letohl(tvb, 0);
    if (type == CLUSDSK_DISKID_GUID) {
        if (len < lay_diskid_guid.size)
            cmrp_dissect_layout(tvb, 0, pinfo, tree, &lay_diskid_type, NULL);
        if (ctl_layout(tvb, tree, pinfo, &lay_diskid_guid))
            add_trailing(tvb, lay_diskid_guid.size, tree, pinfo);
    } else if (type == CLUSDSK_DISKID_SIGNATURE) {
        const int used = lay_diskid_signature.size;
        cmrp_dissect_layout(tvb, 0, pinfo, tree, &lay_diskid_signature, NULL);
        /* the union is 16 bytes wide (as wide as the GUID form): the rest of it is not used */
        if (len > used && len <= lay_diskid_guid.size)
            proto_tree_add_item(tree, hf_ctl_data, tvb, used, len - used, ENC_NA);
        else
            add_trailing(tvb, used, tree, pinfo);
    } else {
        const int used = lay_diskid_type.size;
        cmrp_dissect_layout(tvb, 0, pinfo, tree, &lay_diskid_type, NULL);
        proto_tree_add_item(tree, hf_ctl_data, tvb, used, len - used, ENC_NA);
    }
}

static void
dissect_ou_output(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, uint32_t code _U_)
{
    const int fixed = lay_ou_output.size;
    const cmrp_layout_field_t *size_field;
    uint32_t ou_size;
    int n;

    if (!ctl_layout(tvb, tree, pinfo, &lay_ou_output))
        return;
    size_field = cmrp_layout_field(&lay_ou_output, &hf_ctl_ou_size);
    ou_size = tvb_get_letohl(tvb, size_field->offset);
    n = buf_len(tvb) - fixed;
    if (ou_size > (uint32_t)n)
        proto_tree_add_expert_format(tree, pinfo, &ei_ctl_bad_size, tvb, size_field->offset, size_field->length,
                                     "OUSize %u, only %d bytes follow", ou_size, n);
    else
        n = (int)ou_size;
    if (n > 0)
        cmrp_add_utf16z(tree, hf_ctl_ou_name, tvb, fixed, n, pinfo, &ei_ctl_unterminated, NULL);
    add_trailing(tvb, fixed + n, tree, pinfo);
}

static void
sr_result(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, bool replicated)
{
    const cmrp_layout_t *head = replicated ? &lay_sr_replicated : &lay_sr_eligible;
    const cmrp_layout_t *elem = replicated ? &lay_sr_replicated_disk : &lay_sr_eligible_disk;
    int fits = (buf_len(tvb) - head->size) / elem->size;
    const cmrp_layout_field_t *count_field;
    uint32_t count;
    int o;

    if (!ctl_layout(tvb, tree, pinfo, head))
        return;
    count_field = cmrp_layout_field(head, &hf_ctl_sr_count);
    count = tvb_get_letohs(tvb, count_field->offset);
    if (count > (uint32_t)fits)
        proto_tree_add_expert_format(tree, pinfo, &ei_ctl_count_overrun, tvb, count_field->offset,
                                     count_field->length, "Count %u, the buffer holds %d", count, fits);
    o = layout_array(tvb, head->size, count, tree, pinfo, elem, replicated ? hf_ctl_sr_replicated_disk : -1);
    add_trailing(tvb, o, tree, pinfo);
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

/* OS_AND_OS_VERSION_INFO (2.2.3.43): the fixed part (lay_os_version), then the two null-terminated
 * strings back to back. Returned by CLUSCTL_CLUSTER_GET_OS_AND_OS_VERSION_INFO (3.1.4.3.7.23), whose
 * value neither the spec pages we have nor the SDK give: no row of ctlcodes.tsv uses the format yet
 * (tests/fuzz/FINDINGS.md). */
static void
dissect_os_version_info(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, uint32_t code _U_)
{
    int len = buf_len(tvb), o = lay_os_version.size, n;

    if (!ctl_layout(tvb, tree, pinfo, &lay_os_version))
        return;
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
dissect_sr_eligible(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, uint32_t code _U_)
{
    sr_result(tvb, tree, pinfo, false);
}

static void
dissect_sr_replicated(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, uint32_t code _U_)
{
    sr_result(tvb, tree, pinfo, true);
}

static void
dissect_dword_array(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, uint32_t code _U_)
{
    add_trailing(tvb, layout_array(tvb, 0, UINT32_MAX, tree, pinfo, &lay_dword, -1), tree, pinfo);
}

/* CLUS_NETNAME_PWD_INFO, or CLUS_NETNAME_PWD_INFOEX for the code that takes it (3.1.4.3.1.63). */
static void
dissect_netname_pwd_info(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, uint32_t code)
{
    const cmrp_layout_t *layout = code == CLUSCTL_RESOURCE_NETNAME_SET_PWD_INFOEX ? &lay_pwd_infoex : &lay_pwd_info;

    if (ctl_layout(tvb, tree, pinfo, layout))
        add_trailing(tvb, layout->size, tree, pinfo);
}

/* The formats built around fixed structures, decoded by hand. */
typedef void (*ctl_decoder_t)(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo, uint32_t code);
static const ctl_decoder_t custom_decoders[CMRP_FMT_COUNT] = {
    [CMRP_FMT_DWORD_ARRAY] = dissect_dword_array,
    [CMRP_FMT_NETNAME_PWD_INFO] = dissect_netname_pwd_info,
    [CMRP_FMT_MAINT_MODE_INFO] = dissect_maint_mode_info,
    [CMRP_FMT_POOL_DRIVE_INFO] = dissect_pool_drive_info,
    [CMRP_FMT_DISKID] = dissect_diskid,
    [CMRP_FMT_NETNAME_OU_OUTPUT] = dissect_ou_output,
    [CMRP_FMT_SR_ELIGIBLE_DISKS_RESULT] = dissect_sr_eligible,
    [CMRP_FMT_SR_REPLICATED_DISKS_RESULT] = dissect_sr_replicated,
    [CMRP_FMT_OS_VERSION_INFO] = dissect_os_version_info,
};

/* ---- dispatch ---- */

static void
dissect_buffer(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx, uint32_t code, cmrp_ctl_fmt_t fmt)
{
    packet_info *pinfo = ctx->pinfo;
    int len = buf_len(tvb);
    unsigned depth = ctx->depth;

    if ((unsigned)fmt < CMRP_FMT_COUNT && fixed_layouts[fmt] != NULL) {
        if (ctl_layout(tvb, tree, pinfo, fixed_layouts[fmt]))
            add_trailing(tvb, fixed_layouts[fmt]->size, tree, pinfo);
        return;
    }
    if ((unsigned)fmt < CMRP_FMT_COUNT && custom_decoders[fmt] != NULL) {
        custom_decoders[fmt](tvb, tree, pinfo, code);
        return;
    }
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
        const char *summary = ctx->request || !cmrp_info_wanted(pinfo) ? NULL
                              : cmrp_property_list_summary(tvb, 0, pinfo->pool);
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

    if (cmrp_info_wanted(ctx->pinfo))
        cmrp_info_append(ctx->pinfo, name ? name : wmem_strdup_printf(ctx->pinfo->pool, "0x%08x", code));

    if (e == NULL && !(code & CTL_USER_BIT)) {    /* user-defined codes are expected to be unknown */
        if (cmrp_expert_text_wanted(tree))
            expert_add_info_format(ctx->pinfo, item, &ei_ctl_unknown_code, "Unknown control code 0x%08x", code);
        else
            expert_add_info(ctx->pinfo, item, &ei_ctl_unknown_code);
    }
    if (want != 0 && have != want && code_object < CMRP_CLUS_OBJECT_USER && !cmrp_expert_text_wanted(tree)) {
        expert_add_info(ctx->pinfo, item, &ei_ctl_object_mismatch);
    } else if (want != 0 && have != want && code_object < CMRP_CLUS_OBJECT_USER) {
        expert_add_info_format(ctx->pinfo, item, &ei_ctl_object_mismatch,
                               "Control code for %s sent to a %s control method (opnum %u)",
                               val_to_str_const(have, cmrp_vs_CLUSTER_CONTROL_OBJECT, "an unknown object"),
                               val_to_str_const(want, cmrp_vs_CLUSTER_CONTROL_OBJECT, "?"), ctx->opnum);
    }
    if (ctx->request && (code & CTL_INTERNAL_BIT) && !cmrp_expert_text_wanted(tree)) {
        expert_add_info(ctx->pinfo, item, &ei_ctl_internal_from_client);
    } else if (ctx->request && (code & CTL_INTERNAL_BIT)) {
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
    register_fields(proto);
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
