/* cmrp-prim.c - bounded buffer primitives (cmrp-prim.h).
 *
 * Every read is bounded by the length the caller gives and by the tvb; loops end when the bytes
 * end; nothing is allocated from a wire count.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>
#include <stdint.h>

#include <epan/packet.h>
#include <epan/expert.h>
#include "cmrp-compat.h"

#include "cmrp-gen.h"
#include "cmrp-hooks.h"
#include "cmrp-prim.h"

/* Fields, subtrees and expert infos: idl/tables/fields-prim.tsv (generated). */
#include "cmrp-fields-prim.h"

static int * const sd_control_fields[] = {
    &hf_sd_control_sr, &hf_sd_control_rm, &hf_sd_control_ps, &hf_sd_control_pd, &hf_sd_control_si,
    &hf_sd_control_di, &hf_sd_control_ss, &hf_sd_control_dt, &hf_sd_control_sd, &hf_sd_control_sp,
    &hf_sd_control_dd, &hf_sd_control_dp, &hf_sd_control_gd, &hf_sd_control_od, NULL
};

static int * const ace_flags_fields[] = {
    &hf_sd_ace_flags_fa, &hf_sd_ace_flags_sa, &hf_sd_ace_flags_id, &hf_sd_ace_flags_io,
    &hf_sd_ace_flags_np, &hf_sd_ace_flags_ci, &hf_sd_ace_flags_oi, NULL
};

/* ---- strings ---- */

char *
cmrp_dec(char buf[CMRP_DEC_LEN], uint64_t v, bool neg)
{
    char *p = buf + CMRP_DEC_LEN - 1;
    *p = '\0';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (neg)
        *--p = '-';
    return p;
}

proto_item *
cmrp_add_utf16z(proto_tree *tree, int hf, tvbuff_t *tvb, int offset, int len, packet_info *pinfo,
                expert_field *ei, const char **str)
{
    proto_item *item;
    int nul;

    if (len < 0)
        len = 0;
    item = cmrp_add_utf16_string(tree, hf, tvb, offset, len, ENC_LITTLE_ENDIAN, pinfo->pool, str, &nul);
    if (ei) {
        /* the bytes are there: the item or the conversion threw otherwise */
        if (nul == -2)      /* not known from the conversion */
            nul = cmrp_utf16_nul(tvb, offset, len);
        if (nul < 0)
            expert_add_info(pinfo, item, ei);
    }
    if (str && *str == NULL)
        *str = "";
    return item;
}

/* ", s" (n > 0) or "s" to a MULTI_SZ's summary, while it is shorter than 200 bytes */
static void
summary_add(wmem_strbuf_t *sb, unsigned n, const char *s)
{
    if (wmem_strbuf_get_len(sb) >= 200)
        return;
    if (n)
        wmem_strbuf_append_len(sb, ", ", 2);
    wmem_strbuf_append(sb, s);
}

unsigned
cmrp_add_multi_sz(proto_tree *tree, int hf, tvbuff_t *tvb, int offset, int len, packet_info *pinfo,
                  expert_field *ei, const char **summary)
{
    wmem_strbuf_t *sb = summary ? wmem_strbuf_new(pinfo->pool, "") : NULL;
    int end = offset + len;
    int pos = offset;
    unsigned n = 0;
    bool terminated = false;
    proto_item *last = NULL;

    while (pos + 1 < end) {
        int i = pos;
        const char *s = NULL;

        /* find the NUL of this string; i stays within [pos, end) */
        int nul = cmrp_utf16_nul(tvb, pos, end - pos);
        i = nul >= 0 ? pos + nul : end;
        if (i + 1 >= end) {
            /* no NUL before the end: last string unterminated */
            last = cmrp_add_utf16z(tree, hf, tvb, pos, end - pos, pinfo, NULL, summary ? &s : NULL);
            if (summary)
                summary_add(sb, n, s);
            n++;
            pos = end;
            break;
        }
        if (i == pos) {
            /* the empty string ends the MULTI_SZ */
            terminated = true;
            pos += 2;
            break;
        }
        last = cmrp_add_utf16z(tree, hf, tvb, pos, i + 2 - pos, pinfo, NULL, summary ? &s : NULL);
        if (summary)
            summary_add(sb, n, s);
        n++;
        pos = i + 2;
    }
    if (!terminated && ei) {
        /* A MULTI_SZ ends with an empty string; accept a final string whose NUL ends the buffer. */
        if (last == NULL || pos < end || tvb_get_letohs(tvb, end - 2) != 0 || n == 0)
            expert_add_info(pinfo, last ? last : proto_tree_get_parent(tree), ei);
    }
    if (summary)
        *summary = wmem_strbuf_get_str(sb);
    return n;
}

/* ---- security descriptor ---- */

/* A SID at `offset` if all its bytes are within [.., end). Returns true if dissected. */
static bool
dissect_sid_checked(tvbuff_t *tvb, packet_info *pinfo, int offset, int end, proto_tree *tree,
                    const char *name)
{
    guint8 nsub;

    if (offset < 0 || offset + 8 > end)
        return false;
    nsub = tvb_get_uint8(tvb, offset + 1);
    if (nsub > 15 || offset + 8 + 4 * (int)nsub > end)
        return false;
    dissect_nt_sid(tvb, pinfo, offset, tree, name, NULL, -1);
    return true;
}

static void
dissect_acl(tvbuff_t *tvb, int offset, int end, packet_info *pinfo, proto_tree *tree, const char *name)
{
    proto_item *acl_item, *ace_item;
    proto_tree *acl_tree, *ace_tree;
    guint16 acl_size, count, i;
    int acl_end, o;

    if (offset + 8 > end) {
        proto_tree_add_expert_format(tree, pinfo, &ei_sd_bad_offset, tvb, 0, 0,
                                     "%s: offset %d beyond the security descriptor", name, offset);
        return;
    }
    acl_size = tvb_get_letohs(tvb, offset + 2);
    count = tvb_get_letohs(tvb, offset + 4);
    acl_end = offset + acl_size;
    if (acl_size < 8 || acl_end > end) {
        acl_end = end;
    }
    acl_item = proto_tree_add_item(tree, hf_sd_acl, tvb, offset, acl_end - offset, ENC_NA);
    proto_item_set_text(acl_item, "%s (%u ACE%s)", name, count, count == 1 ? "" : "s");
    acl_tree = proto_item_add_subtree(acl_item, ett_sd_acl);
    proto_tree_add_item(acl_tree, hf_sd_acl_revision, tvb, offset, 1, ENC_NA);
    proto_tree_add_item(acl_tree, hf_sd_acl_size, tvb, offset + 2, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(acl_tree, hf_sd_acl_count, tvb, offset + 4, 2, ENC_LITTLE_ENDIAN);
    if (offset + acl_size > end)
        expert_add_info(pinfo, acl_item, &ei_sd_bad_offset);

    o = offset + 8;
    for (i = 0; i < count && o + 4 <= acl_end; i++) {
        guint8 type = tvb_get_uint8(tvb, o);
        guint16 ace_size = tvb_get_letohs(tvb, o + 2);
        int ace_end = o + ace_size;
        int p = o + 4;

        if (ace_size < 4 || ace_end > acl_end) {
            ace_end = acl_end;
        }
        ace_item = proto_tree_add_item(acl_tree, hf_sd_ace, tvb, o, ace_end - o, ENC_NA);
        proto_item_set_text(ace_item, "ACE: %s", val_to_str_const(type, cmrp_vs_ACE_TYPE, "unknown type"));
        ace_tree = proto_item_add_subtree(ace_item, ett_sd_ace);
        proto_tree_add_item(ace_tree, hf_sd_ace_type, tvb, o, 1, ENC_NA);
        proto_tree_add_bitmask(ace_tree, tvb, o + 1, hf_sd_ace_flags, ett_sd_ace_flags, ace_flags_fields, ENC_NA);
        proto_tree_add_item(ace_tree, hf_sd_ace_size, tvb, o + 2, 2, ENC_LITTLE_ENDIAN);
        if (ace_size < 4 || o + ace_size > acl_end)
            expert_add_info(pinfo, ace_item, &cmrp_ei_size_overrun);

        if (type != 0x04 && p + 4 <= ace_end) {
            bool object = (type >= 0x05 && type <= 0x08) || type == 0x0b || type == 0x0c ||
                          type == 0x0f || type == 0x10;
            proto_tree_add_item(ace_tree, hf_sd_ace_mask, tvb, p, 4, ENC_LITTLE_ENDIAN);
            p += 4;
            if (object && p + 4 <= ace_end) {
                guint32 oflags = tvb_get_letohl(tvb, p);
                proto_tree_add_item(ace_tree, hf_sd_ace_object_flags, tvb, p, 4, ENC_LITTLE_ENDIAN);
                p += 4;
                if ((oflags & 1) && p + 16 <= ace_end) {
                    proto_tree_add_item(ace_tree, hf_sd_ace_object_type, tvb, p, 16, ENC_LITTLE_ENDIAN);
                    p += 16;
                }
                if ((oflags & 2) && p + 16 <= ace_end) {
                    proto_tree_add_item(ace_tree, hf_sd_ace_inherited_object_type, tvb, p, 16, ENC_LITTLE_ENDIAN);
                    p += 16;
                }
            }
            if (dissect_sid_checked(tvb, pinfo, p, ace_end, ace_tree, "SID"))
                p += 8 + 4 * tvb_get_uint8(tvb, p + 1);
        }
        if (p < ace_end)
            proto_tree_add_item(ace_tree, hf_sd_ace_data, tvb, p, ace_end - p, ENC_NA);
        if (ace_end <= o)
            break;
        o = ace_end;
    }
    if (i < count)
        expert_add_info(pinfo, acl_item, &cmrp_ei_count_overrun);
}

int
cmrp_dissect_security_descriptor(tvbuff_t *tvb, int offset, int len, packet_info *pinfo,
                                 proto_tree *tree, unsigned depth)
{
    proto_item *item;
    proto_tree *sd_tree;
    tvbuff_t *sd_tvb;
    guint32 off_owner, off_group, off_sacl, off_dacl;
    guint16 control;

    if (len <= 0)
        return offset;
    item = proto_tree_add_item(tree, hf_sd, tvb, offset, len, ENC_NA);
    sd_tree = proto_item_add_subtree(item, ett_sd);
    if (depth >= CMRP_MAX_DEPTH) {
        expert_add_info(pinfo, item, &cmrp_ei_too_deep);
        return offset + len;
    }
    if (len < 20) {
        expert_add_info(pinfo, item, &cmrp_ei_truncated);
        proto_tree_add_item(sd_tree, cmrp_hf_binary, tvb, offset, len, ENC_NA);
        return offset + len;
    }
    /* Offsets in a self-relative descriptor count from its start: work on a subset. */
    sd_tvb = tvb_new_subset_length(tvb, offset, len);
    proto_tree_add_item(sd_tree, hf_sd_revision, sd_tvb, 0, 1, ENC_NA);
    proto_tree_add_item(sd_tree, hf_sd_sbz1, sd_tvb, 1, 1, ENC_NA);
    proto_tree_add_bitmask(sd_tree, sd_tvb, 2, hf_sd_control, ett_sd_control, sd_control_fields, ENC_LITTLE_ENDIAN);
    control = tvb_get_letohs(sd_tvb, 2);
    off_owner = tvb_get_letohl(sd_tvb, 4);
    off_group = tvb_get_letohl(sd_tvb, 8);
    off_sacl = tvb_get_letohl(sd_tvb, 12);
    off_dacl = tvb_get_letohl(sd_tvb, 16);
    proto_tree_add_item(sd_tree, hf_sd_owner_offset, sd_tvb, 4, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(sd_tree, hf_sd_group_offset, sd_tvb, 8, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(sd_tree, hf_sd_sacl_offset, sd_tvb, 12, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(sd_tree, hf_sd_dacl_offset, sd_tvb, 16, 4, ENC_LITTLE_ENDIAN);

    if (off_owner && (off_owner >= (guint32)len || !dissect_sid_checked(sd_tvb, pinfo, (int)off_owner, len, sd_tree, "Owner")))
        proto_tree_add_expert_format(sd_tree, pinfo, &ei_sd_bad_offset, sd_tvb, 4, 4,
                                     "Owner SID offset %u outside the descriptor (%d bytes)", off_owner, len);
    if (off_group && (off_group >= (guint32)len || !dissect_sid_checked(sd_tvb, pinfo, (int)off_group, len, sd_tree, "Group")))
        proto_tree_add_expert_format(sd_tree, pinfo, &ei_sd_bad_offset, sd_tvb, 8, 4,
                                     "Group SID offset %u outside the descriptor (%d bytes)", off_group, len);
    if ((control & 0x0010) && off_sacl) {
        if (off_sacl >= (guint32)len)
            proto_tree_add_expert_format(sd_tree, pinfo, &ei_sd_bad_offset, sd_tvb, 12, 4,
                                         "SACL offset %u outside the descriptor (%d bytes)", off_sacl, len);
        else
            dissect_acl(sd_tvb, (int)off_sacl, len, pinfo, sd_tree, "SACL");
    }
    if ((control & 0x0004) && off_dacl) {
        if (off_dacl >= (guint32)len)
            proto_tree_add_expert_format(sd_tree, pinfo, &ei_sd_bad_offset, sd_tvb, 16, 4,
                                         "DACL offset %u outside the descriptor (%d bytes)", off_dacl, len);
        else
            dissect_acl(sd_tvb, (int)off_dacl, len, pinfo, sd_tree, "DACL");
    }
    return offset + len;
}

/* ------------------------------------------------------------------------------------------------ */

void
cmrp_register_prim(int proto)
{
    register_fields(proto);
}
