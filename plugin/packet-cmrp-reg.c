/* packet-cmrp-reg.c - ClusAPI (MS-CMRP) cluster registry value data and batch updates.
 *
 * Value data of ApiSetValue, ApiQueryValue and ApiEnumValue (MS-CMRP 3.1.4.2.33, 35, 37) typed by
 * the registry value type of the call (MS-RRP types), and the custom-marshalled
 * CLUSTER_REG_BATCH_UPDATE (2.2.3.17) of ApiExecuteBatch (3.1.4.2.112), ApiGetBatchNotification
 * (3.1.4.2.114), ApiExecuteReadBatch (3.1.4.2.141) and ApiExecuteReadBatchEx (3.1.4.2.145):
 *
 *   DWORD VersionNumber (1), then one or more BATCH_UPDATE_COMMAND (2.2.3.18):
 *     DWORD CommandType (CLUSTER_REG_BATCH_COMMAND, 2.2.2.8), DWORD ValueType, DWORD NameLength,
 *     Name (NameLength bytes, UTF-16, NUL-terminated), DWORD DataLength, Data (DataLength bytes),
 *     one padding byte when needed to end on a 16-bit boundary.
 *
 * All of it is little-endian whatever the stub's data representation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#include <epan/packet.h>
#include <epan/expert.h>
#include "cmrp-compat.h"

#include "cmrp-hooks.h"
#include "cmrp-prim.h"
#include "cmrp-gen.h"
#include "cmrp-errors.h"
#include "packet-cmrp-reg.h"

/* Registry value types (CLUSREG_VALUE_TYPE) and batch commands (CLUSTER_REG_BATCH_COMMAND,
 * 2.2.2.8) are the IDL's: CMRP_REG_*, CMRP_CLUSREG_* and cmrp_vs_* of cmrp-gen.h. */

#define BATCH_VERSION       1
#define BATCH_CMD_HEADER    12      /* CommandType, ValueType, NameLength */

/* Fields, subtrees and expert infos: idl/tables/fields-reg.tsv (generated). */
#include "cmrp-fields-reg.h"

/* ------------------------------------------------------------------------------------------------
 * Registry value data
 */

/* Bytes after the value: unused buffer space, or (exact length) data that should not be there. */
static void
after_value(tvbuff_t *tvb, int offset, int len, bool exact, packet_info *pinfo, proto_tree *tree,
            uint32_t type, int want)
{
    proto_item *pi;
    if (len <= 0)
        return;
    pi = proto_tree_add_item(tree, hf_reg_unused, tvb, offset, len, ENC_NA);
    if (exact)
        expert_add_info_format(pinfo, pi, &ei_reg_bad_length, "%s data is %d bytes, expected %d",
                               val_to_str_const(type, cmrp_vs_CLUSREG_VALUE_TYPE, "?"), want + len, want);
}

static const char *
reg_string(tvbuff_t *tvb, int offset, int len, bool exact, packet_info *pinfo, proto_tree *tree)
{
    const char *s = NULL;
    proto_item *pi;
    int i;

    for (i = 0; i + 1 < len; i += 2) {
        if (tvb_get_letohs(tvb, offset + i) == 0)
            break;
    }
    if (i + 1 < len) {
        pi = cmrp_add_utf16z(tree, hf_reg_sz, tvb, offset, i + 2, pinfo, NULL, &s);
        if (i + 2 < len)    /* the rest of an output buffer, or bytes the value carries */
            proto_tree_add_item(tree, hf_reg_unused, tvb, offset + i + 2, len - i - 2, ENC_NA);
    } else {
        pi = cmrp_add_utf16z(tree, hf_reg_sz, tvb, offset, len & ~1, pinfo, &ei_reg_unterminated, &s);
    }
    if (exact && (len & 1))
        expert_add_info(pinfo, pi, &ei_reg_odd_length);
    return wmem_strdup_printf(pinfo->pool, "\"%s\"", s ? s : "");
}

const char *
cmrp_reg_dissect_data(tvbuff_t *tvb, int offset, int len, uint32_t type, bool exact,
                      packet_info *pinfo, proto_tree *tree)
{
    proto_item *pi;
    uint32_t v32;
    uint64_t v64;

    if (len <= 0)
        return "(no data)";
    switch (type) {
    case CMRP_REG_SZ:
    case CMRP_REG_EXPAND_SZ:
    case CMRP_REG_LINK:
        return reg_string(tvb, offset, len, exact, pinfo, tree);
    case CMRP_REG_MULTI_SZ: {
        const char *sum = NULL;
        unsigned n = cmrp_add_multi_sz(tree, hf_reg_sz, tvb, offset, len & ~1, pinfo,
                                       &ei_reg_unterminated, &sum);
        if (exact && (len & 1))
            proto_tree_add_expert(tree, pinfo, &ei_reg_odd_length, tvb, offset, len);
        return wmem_strdup_printf(pinfo->pool, "[%u] %s", n, sum ? sum : "");
    }
    case CMRP_REG_DWORD:
    case CMRP_REG_DWORD_BIG_ENDIAN:
    case CMRP_REG_QWORD: {
        int want = type == CMRP_REG_QWORD ? 8 : 4;
        if (len < want) {
            pi = proto_tree_add_item(tree, hf_reg_data, tvb, offset, len, ENC_NA);
            expert_add_info_format(pinfo, pi, &ei_reg_bad_length, "%s data is %d byte%s, expected %d",
                                   val_to_str_const(type, cmrp_vs_CLUSREG_VALUE_TYPE, "?"), len,
                                   len == 1 ? "" : "s", want);
            return "<short>";
        }
        if (type == CMRP_REG_QWORD) {
            proto_tree_add_item_ret_uint64(tree, hf_reg_qword, tvb, offset, 8, ENC_LITTLE_ENDIAN, &v64);
            after_value(tvb, offset + 8, len - 8, exact, pinfo, tree, type, 8);
            return wmem_strdup_printf(pinfo->pool, "%" PRIu64, v64);
        }
        if (type == CMRP_REG_DWORD)
            proto_tree_add_item_ret_uint(tree, hf_reg_dword, tvb, offset, 4, ENC_LITTLE_ENDIAN, &v32);
        else
            proto_tree_add_item_ret_uint(tree, hf_reg_dword_be, tvb, offset, 4, ENC_BIG_ENDIAN, &v32);
        after_value(tvb, offset + 4, len - 4, exact, pinfo, tree, type, 4);
        return wmem_strdup_printf(pinfo->pool, "%u", v32);
    }
    case CMRP_REG_BINARY:
        proto_tree_add_item(tree, hf_reg_binary, tvb, offset, len, ENC_NA);
        return wmem_strdup_printf(pinfo->pool, "%d byte%s", len, len == 1 ? "" : "s");
    default:
        proto_tree_add_item(tree, hf_reg_data, tvb, offset, len, ENC_NA);
        return wmem_strdup_printf(pinfo->pool, "%d byte%s", len, len == 1 ? "" : "s");
    }
}

void
cmrp_hook_reg_value(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx)
{
    int len = (int)tvb_reported_length(tvb);
    uint64_t type;
    const char *s;

    /* ApiSetValue: [in] dwType; ApiQueryValue: [out] lpValueType; ApiEnumValue: [out] lpType. All
     * come before lpData on the wire. */
    if (!cmrp_hook_param(ctx, CMRP_NAME_dwType, &type) && !cmrp_hook_param(ctx, CMRP_NAME_lpValueType, &type) &&
        !cmrp_hook_param(ctx, CMRP_NAME_lpType, &type)) {
        proto_item *pi = proto_tree_add_item(tree, hf_reg_data, tvb, 0, len, ENC_NA);
        expert_add_info(ctx->pinfo, pi, &ei_reg_no_type);
        return;
    }
    if (!ctx->request) {
        uint64_t rc, used;
        /* a failed call (ERROR_MORE_DATA, ERROR_FILE_NOT_FOUND...) returns no value: the buffer is
         * whatever the server left in it */
        if (cmrp_hook_param(ctx, CMRP_NAME_return, &rc) && rc != 0) {
            proto_tree_add_item(tree, hf_reg_unused, tvb, 0, len, ENC_NA);
            return;
        }
        /* the value's size is lpcbRequired (ApiQueryValue, 3.1.4.2.35) or the returned lpcbData
         * (ApiEnumValue, 3.1.4.2.37); the rest of the buffer is unused */
        if ((cmrp_hook_param(ctx, CMRP_NAME_lpcbRequired, &used) ||
             (ctx->out_have && cmrp_hook_param(ctx, CMRP_NAME_lpcbData, &used))) && used < (uint64_t)len) {
            s = cmrp_reg_dissect_data(tvb, 0, (int)used, (uint32_t)type, true, ctx->pinfo, tree);
            proto_tree_add_item(tree, hf_reg_unused, tvb, (int)used, len - (int)used, ENC_NA);
            proto_item_append_text(proto_tree_get_parent(tree), " (%s %s)",
                                   val_to_str(ctx->pinfo->pool, (uint32_t)type, cmrp_vs_CLUSREG_VALUE_TYPE, "type %u"), s);
            return;
        }
    }
    s = cmrp_reg_dissect_data(tvb, 0, len, (uint32_t)type, ctx->request, ctx->pinfo, tree);
    proto_item_append_text(proto_tree_get_parent(tree), " (%s %s)",
                           val_to_str(ctx->pinfo->pool, (uint32_t)type, cmrp_vs_CLUSREG_VALUE_TYPE, "type %u"), s);
}

/* ------------------------------------------------------------------------------------------------
 * CLUSTER_REG_BATCH_UPDATE
 */

static bool
is_key_command(uint32_t cmd)
{
    return cmd == CMRP_CLUSREG_CREATE_KEY || cmd == CMRP_CLUSREG_DELETE_KEY || cmd == CMRP_CLUSREG_READ_KEY ||
           cmd == CMRP_CLUSREG_CONDITION_KEY_EXISTS || cmd == CMRP_CLUSREG_CONDITION_KEY_NOT_EXISTS;
}

/* Commands whose Data is a registry value typed by ValueType. */
static bool
has_typed_data(uint32_t cmd)
{
    switch (cmd) {
    case CMRP_CLUSREG_SET_VALUE:
    case CMRP_CLUSREG_VALUE_DELETED:
    case CMRP_CLUSREG_READ_VALUE:
    case CMRP_CLUSREG_CONDITION_IS_EQUAL:
    case CMRP_CLUSREG_CONDITION_IS_NOT_EQUAL:
    case CMRP_CLUSREG_CONDITION_IS_GREATER_THAN:
    case CMRP_CLUSREG_CONDITION_IS_LESS_THAN:
        return true;
    default:
        return false;
    }
}

/* One BATCH_UPDATE_COMMAND at `offset` (at least BATCH_CMD_HEADER bytes remain). Returns the
 * offset after it, always > offset. */
static int
dissect_batch_command(tvbuff_t *tvb, int offset, int end, packet_info *pinfo, proto_tree *tree,
                      unsigned number)
{
    proto_item *ci, *pi;
    proto_tree *ct;
    uint32_t cmd, vtype, name_len, data_len;
    int start = offset, name_shown, data_shown;
    const char *name = "";
    const char *value = NULL;
    const char *cmd_name;

    ci = proto_tree_add_item(tree, hf_batch_command, tvb, offset, end - offset, ENC_NA);
    ct = proto_item_add_subtree(ci, ett_batch_command);

    pi = proto_tree_add_item_ret_uint(ct, hf_batch_command_type, tvb, offset, 4, ENC_LITTLE_ENDIAN, &cmd);
    cmd_name = try_val_to_str(cmd, cmrp_vs_CLUSTER_REG_BATCH_COMMAND);
    if (!cmd_name) {
        expert_add_info_format(pinfo, pi, &ei_batch_unknown_command,
                               "Command type %u is reserved (MS-CMRP 2.2.2.8)", cmd);
        cmd_name = wmem_strdup_printf(pinfo->pool, "command %u", cmd);
    }
    offset += 4;
    /* 2.2.3.18: ValueType is a registry type for SET_VALUE and READ_VALUE, a status for
     * READ_ERROR, and ignored otherwise; a CONTROL_COMMAND's value (1 or 2, 2.2.2.8) is its
     * Data */
    if (cmd == CMRP_CLUSREG_READ_ERROR)
        proto_tree_add_item_ret_uint(ct, hf_batch_status, tvb, offset, 4, ENC_LITTLE_ENDIAN, &vtype);
    else
        proto_tree_add_item_ret_uint(ct, hf_batch_value_type, tvb, offset, 4, ENC_LITTLE_ENDIAN, &vtype);
    offset += 4;

    pi = proto_tree_add_item_ret_uint(ct, hf_batch_name_length, tvb, offset, 4, ENC_LITTLE_ENDIAN,
                                      &name_len);
    offset += 4;
    name_shown = (int)name_len;
    if (name_len > (uint32_t)(end - offset)) {
        expert_add_info_format(pinfo, pi, &ei_batch_length_overrun,
                               "NameLength %u overruns the buffer (%d bytes left)", name_len,
                               end - offset);
        name_shown = end - offset;
    } else if (name_len < 2 || (name_len & 1)) {
        expert_add_info_format(pinfo, pi, &ei_batch_bad_name_length,
                               "NameLength %u: a NUL-terminated UTF-16 string is at least 2 bytes, "
                               "and even", name_len);
    }
    if (name_shown > 0)
        cmrp_add_utf16z(ct, is_key_command(cmd) ? hf_batch_key_name : hf_batch_value_name, tvb,
                        offset, name_shown, pinfo, &ei_reg_unterminated, &name);
    offset += name_shown;

    if (end - offset < 4) {
        proto_tree_add_expert_format(ct, pinfo, &ei_batch_truncated, tvb, offset, end - offset,
                                     "Command %u ends before its DataLength", number);
        offset = end;
        goto done;
    }
    pi = proto_tree_add_item_ret_uint(ct, hf_batch_data_length, tvb, offset, 4, ENC_LITTLE_ENDIAN,
                                      &data_len);
    offset += 4;
    data_shown = (int)data_len;
    if (data_len > (uint32_t)(end - offset)) {
        expert_add_info_format(pinfo, pi, &ei_batch_length_overrun,
                               "DataLength %u overruns the buffer (%d bytes left)", data_len,
                               end - offset);
        data_shown = end - offset;
    }
    if (data_shown > 0) {
        proto_item *di = proto_tree_add_item(ct, hf_batch_data, tvb, offset, data_shown, ENC_NA);
        if (cmd == CMRP_CLUSREG_CONTROL_COMMAND && data_shown >= 4) {
            proto_tree *dt = proto_item_add_subtree(di, ett_batch_data);
            uint32_t control;
            proto_tree_add_item_ret_uint(dt, hf_batch_control, tvb, offset, 4, ENC_LITTLE_ENDIAN,
                                         &control);
            value = val_to_str(pinfo->pool, control, cmrp_vs_CLUSREG_CONTROL_COMMAND_DATA, "control %u");
        } else if (has_typed_data(cmd)) {
            proto_tree *dt = proto_item_add_subtree(di, ett_batch_data);
            value = cmrp_reg_dissect_data(tvb, offset, data_shown, vtype, true, pinfo, dt);
        }
    }
    offset += data_shown;
    /* the command ends on a 16-bit boundary (of the buffer) */
    if ((offset & 1) && offset < end) {
        proto_tree_add_item(ct, hf_batch_padding, tvb, offset, 1, ENC_NA);
        offset++;
    }

done:
    proto_item_set_len(ci, offset - start);
    if (cmd == CMRP_CLUSREG_READ_ERROR)
        proto_item_set_text(ci, "Command %u: %s \"%s\": %s", number, cmd_name, name,
                            val_to_str_ext(pinfo->pool, vtype, &cmrp_error_vals_ext, "error %u"));
    else if (value && cmd == CMRP_CLUSREG_CONTROL_COMMAND)
        proto_item_set_text(ci, "Command %u: %s %s", number, cmd_name, value);
    else if (value)
        proto_item_set_text(ci, "Command %u: %s \"%s\" = %s %s", number, cmd_name, name,
                            val_to_str(pinfo->pool, vtype, cmrp_vs_CLUSREG_VALUE_TYPE, "type %u"), value);
    else
        proto_item_set_text(ci, "Command %u: %s \"%s\"", number, cmd_name, name);
    return offset;
}

void
cmrp_hook_reg_batch(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx)
{
    packet_info *pinfo = ctx->pinfo;
    int len = (int)tvb_reported_length(tvb);
    int offset = 0;
    unsigned n = 0;
    uint32_t version;
    proto_item *pi;

    if (len < 4) {
        proto_tree_add_expert_format(tree, pinfo, &ei_batch_truncated, tvb, 0, len,
                                     "CLUSTER_REG_BATCH_UPDATE needs at least its 4-byte version");
        return;
    }
    pi = proto_tree_add_item_ret_uint(tree, hf_batch_version, tvb, 0, 4, ENC_LITTLE_ENDIAN, &version);
    if (version != BATCH_VERSION)
        expert_add_info(pinfo, pi, &ei_batch_bad_version);
    offset = 4;
    /* each command takes at least BATCH_CMD_HEADER bytes, so the loop is linear in the buffer */
    while (offset < len) {
        int next;
        if (len - offset < BATCH_CMD_HEADER) {
            pi = proto_tree_add_item(tree, hf_batch_trailing, tvb, offset, len - offset, ENC_NA);
            expert_add_info_format(pinfo, pi, &ei_batch_truncated,
                                   "%d byte%s left: too few for a command (%d)", len - offset,
                                   len - offset == 1 ? "" : "s", BATCH_CMD_HEADER);
            break;
        }
        next = dissect_batch_command(tvb, offset, len, pinfo, tree, ++n);
        if (next <= offset)
            break;
        offset = next;
    }
    pi = proto_tree_add_uint(tree, hf_batch_command_count, tvb, 0, 0, n);
    proto_item_set_generated(pi);
    if (n == 0)
        expert_add_info(pinfo, pi, &ei_batch_no_commands);
    proto_item_append_text(proto_tree_get_parent(tree), " (%u command%s)", n, n == 1 ? "" : "s");
}

/* ------------------------------------------------------------------------------------------------ */

void
cmrp_register_reg(int proto)
{
    register_fields(proto);
}
