/* packet-cmrp-proplist.c - MS-CMRP PROPERTY_LIST (2.2.3.10), value lists and their values.
 *
 * A PROPERTY_LIST is a little-endian custom-marshaled buffer:
 *   propertyCount (4)
 *   per property: CLUSPROP_SYNTAX_NAME (4), size (4), UTF-16 name, padding to 4,
 *                 one or more values: syntax (4), size (4), data, padding to 4,
 *                 CLUSPROP_SYNTAX_ENDMARK (4)
 *   optionally one more CLUSPROP_SYNTAX_ENDMARK after the last property (Samba writes it).
 * A value list (control-code outputs such as CLUSCTL_RESOURCE_STORAGE_GET_DISK_INFO) is the value
 * part alone. Values carry the CLUSTER_PROPERTY_SYNTAX of 2.2.2.3 plus the SDK-only syntaxes.
 * The structures values carry (2.2.3.x: CLUS_RESOURCE_CLASS_INFO, CLUS_SCSI_ADDRESS, the partition
 * infos, CLUS_CSV_VOLUME_INFO; CLUS_FTSET_INFO and STORAGE_DEVICE_ID_DESCRIPTOR) are layout tables
 * (cmrp-layout.h); syntax_layouts[] says which layouts a syntax accepts, the value's size picks one.
 * A size that matches no layout is a warning and the bytes; overruns and broken lists are errors.
 *
 * Robustness: every loop is bounded by the bytes left and must make progress; nothing is
 * allocated from a wire count; nesting (value lists and property lists inside values, security
 * descriptors) is bounded by CMRP_MAX_DEPTH. Total work is linear in the buffer size.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>
#include <stdint.h>

#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/to_str.h>
#include <wsutil/nstime.h>
#include "cmrp-compat.h"

#include "cmrp-gen.h"
#include "cmrp-hooks.h"
#include "cmrp-prim.h"
#include "cmrp-layout.h"
#include "cmrp-errors.h"
#include "cmrp-propmeanings.h"
#include "packet-cmrp-proplist.h"

/* CLUSTER_PROPERTY_SYNTAX / _FORMAT / _TYPE (2.2.2.1-3; SDK additions marked in idl/types.idl)
 * and every other enum of this file: CMRP_* and cmrp_vs_* of cmrp-gen.h. */


static int hf_prop_list = -1;
static int hf_prop_count = -1;
static int hf_prop_property = -1;
static int hf_prop_name = -1;
static int hf_prop_syntax = -1;
static int hf_prop_syntax_format = -1;
static int hf_prop_syntax_type = -1;
static int hf_prop_size = -1;
static int hf_prop_value = -1;
static int hf_prop_value_list = -1;
static int hf_prop_endmark = -1;
static int hf_prop_list_endmark = -1;
static int hf_prop_padding = -1;
static int hf_prop_dword = -1;
static int hf_prop_meaning = -1;
static int hf_prop_enum = -1;
static int hf_prop_version_major = -1;
static int hf_prop_version_build = -1;
static int hf_prop_interval = -1;
static int hf_prop_hour = -1;
static int hf_prop_error = -1;
static int hf_prop_long = -1;
static int hf_prop_word = -1;
static int hf_prop_ularge = -1;
static int hf_prop_large = -1;
static int hf_prop_sz = -1;
static int hf_prop_filetime = -1;
static int hf_prop_format = -1;
static int hf_prop_resclass = -1;
static int hf_prop_disk_signature = -1;
static int hf_prop_disk_number = -1;
static int hf_prop_disk_size = -1;
static int hf_prop_trailing = -1;
static int hf_prop_layout = -1;
static int hf_prop_subclass = -1;
static int hf_prop_subclass_shared = -1;
static int hf_prop_disk_serial = -1;
static int hf_prop_disk_guid = -1;
static int hf_prop_ftset_root_signature = -1;
static int hf_prop_ftset_type = -1;
static int hf_sdid_version = -1;
static int hf_sdid_size = -1;
static int hf_sdid_count = -1;
static int hf_sdid_identifier = -1;
static int hf_sdid_code_set = -1;
static int hf_sdid_type = -1;
static int hf_sdid_identifier_size = -1;
static int hf_sdid_next_offset = -1;
static int hf_sdid_association = -1;
static int hf_sdid_identifier_bytes = -1;
static int hf_sdid_identifier_string = -1;

static int hf_scsi_port = -1;
static int hf_scsi_path_id = -1;
static int hf_scsi_target_id = -1;
static int hf_scsi_lun = -1;

static int hf_part_flags = -1;
static int hf_part_flags_sticky = -1;
static int hf_part_flags_removable = -1;
static int hf_part_flags_usable = -1;
static int hf_part_flags_default_quorum = -1;
static int hf_part_flags_usable_for_csv = -1;
static int hf_part_flags_encryption_enabled = -1;
static int hf_part_flags_raw = -1;
static int hf_part_flags_unknown = -1;
static int hf_part_device_name = -1;
static int hf_part_volume_label = -1;
static int hf_part_serial_number = -1;
static int hf_part_max_component_length = -1;
static int hf_part_fs_flags = -1;
static int hf_part_file_system = -1;
static int hf_part_total_size = -1;
static int hf_part_free_size = -1;
static int hf_part_device_number = -1;
static int hf_part_partition_number = -1;
static int hf_part_volume_guid = -1;
static int hf_part_gpt_partition_id = -1;
static int hf_part_partition_name = -1;
static int hf_part_encryption = -1;
static int hf_part_enc_enabled = -1;
static int hf_part_enc_decrypted = -1;
static int hf_part_enc_encrypted = -1;
static int hf_part_enc_decrypting = -1;
static int hf_part_enc_encrypting = -1;
static int hf_part_enc_paused = -1;

static int hf_csv_volume_offset = -1;
static int hf_csv_partition_number = -1;
static int hf_csv_fault_state = -1;
static int hf_csv_backup_state = -1;
static int hf_csv_friendly_name = -1;
static int hf_csv_volume_name = -1;


static gint ett_prop_list = -1;
static gint ett_prop_meaning = -1;
static gint ett_prop_property = -1;
static gint ett_prop_value = -1;
static gint ett_prop_syntax = -1;
static gint ett_prop_value_list = -1;
static gint ett_part_flags = -1;
static gint ett_part_encryption = -1;
static gint ett_prop_subclass = -1;
static gint ett_sdid_identifier = -1;

static expert_field ei_prop_missing_endmark = EI_INIT;
static expert_field ei_prop_bad_padding = EI_INIT;
static expert_field ei_prop_unterminated = EI_INIT;
static expert_field ei_prop_unknown_syntax = EI_INIT;
static expert_field ei_prop_name_expected = EI_INIT;
static expert_field ei_prop_no_value = EI_INIT;
static expert_field ei_prop_bad_value_size = EI_INIT;
static expert_field ei_prop_trailing = EI_INIT;
static expert_field ei_prop_struct_inconsistent = EI_INIT;

static int * const syntax_fields[] = { &hf_prop_syntax_type, &hf_prop_syntax_format, NULL };

static int * const part_flags_fields[] = {
    &hf_part_flags_sticky, &hf_part_flags_removable, &hf_part_flags_usable, &hf_part_flags_default_quorum,
    &hf_part_flags_usable_for_csv, &hf_part_flags_encryption_enabled, &hf_part_flags_raw, &hf_part_flags_unknown,
    NULL
};

static int * const part_encryption_fields[] = {
    &hf_part_enc_enabled, &hf_part_enc_decrypted, &hf_part_enc_encrypted, &hf_part_enc_decrypting,
    &hf_part_enc_encrypting, &hf_part_enc_paused, NULL
};

static int * const subclass_fields[] = { &hf_prop_subclass_shared, NULL };

/* ---- the structures a value list carries, as data (cmrp-layout.h) ---- */

/* The structures values carry, as data: idl/tables/proplayouts.tsv, generated by
 * idl/gen/gen_layouts.py (layout_resclass_info, layout_scsi_address, layout_partition_info*, ...). */
#include "cmrp-prop-layouts.h"

/* the fixed heads of STORAGE_DEVICE_ID_DESCRIPTOR and STORAGE_IDENTIFIER, and the size of
 * CLUS_CSV_VOLUME_INFO, as their layouts give them */
#define SDID_HEAD_LEN       layout_sdid.size
#define SID_HEAD_LEN        layout_storage_identifier.size
#define CSV_VOLUME_INFO_LEN layout_csv_volume_info.size


static const char *dissect_storage_identifiers(tvbuff_t *tvb, int data, int dlen, packet_info *pinfo,
                                               proto_tree *tree, proto_item *vitem);

/* Which layouts each structure syntax accepts. A value's size picks the layout; `open_ended`:
 * a larger size is the layout followed by more data (C tail padding of the partition structures,
 * the identifiers of a STORAGE_DEVICE_ID_DESCRIPTOR). */
typedef struct {
    uint32_t syntax;
    const cmrp_layout_t *layouts[2];    /* the spec's layout first, then the SDK variant if any */
    bool open_ended;
    /* the variable part after the layout; returns the value's summary */
    const char *(*tail)(tvbuff_t *, int, int, packet_info *, proto_tree *, proto_item *);
} syntax_layouts_t;

static const syntax_layouts_t syntax_layouts[] = {
    { CMRP_CLUSPROP_SYNTAX_RESCLASS, { &layout_resclass_info, &layout_resclass_sdk }, false, NULL },
    { CMRP_CLUSPROP_SYNTAX_DISK_SIGNATURE, { &layout_disk_signature, NULL }, false, NULL },
    { CMRP_CLUSPROP_SYNTAX_SCSI_ADDRESS, { &layout_scsi_address, NULL }, false, NULL },
    { CMRP_CLUSPROP_SYNTAX_DISK_NUMBER, { &layout_disk_number, NULL }, false, NULL },
    { CMRP_CLUSPROP_SYNTAX_PARTITION_INFO, { &layout_partition_info, NULL }, true, NULL },
    { CMRP_CLUSPROP_SYNTAX_FTSET_INFO, { &layout_ftset_info, NULL }, false, NULL },
    { CMRP_CLUSPROP_SYNTAX_DISK_SIZE, { &layout_disk_size, NULL }, false, NULL },
    { CMRP_CLUSPROP_SYNTAX_PARTITION_INFO_EX, { &layout_partition_info_ex, NULL }, true, NULL },
    { CMRP_CLUSPROP_SYNTAX_PARTITION_INFO_EX2, { &layout_partition_info_ex2, NULL }, true, NULL },
    { CMRP_CLUSPROP_SYNTAX_STORAGE_DEVICE_ID_DESCRIPTOR, { &layout_sdid, NULL }, true, dissect_storage_identifiers },
};

/* ------------------------------------------------------------------------------------------------ */

static inline int
pad4(uint32_t n)
{
    return (int)((4 - (n & 3u)) & 3u);
}

/* ---- structures found in value lists ---- */

/* The STORAGE_IDENTIFIERs of a STORAGE_DEVICE_ID_DESCRIPTOR of `dlen` bytes at `data` (MS-CSVP
 * 2.2.9, 2.2.10): NumberOfIdentifiers of them from offset 12, each NextOffset bytes after the one
 * before (NextOffset 0: the last). Bounded by the descriptor's Size and by the value. */
static const char *
dissect_storage_identifiers(tvbuff_t *tvb, int data, int dlen, packet_info *pinfo, proto_tree *tree,
                            proto_item *vitem)
{
    guint32 size = tvb_get_letohl(tvb, data + 4);
    guint32 count = tvb_get_letohl(tvb, data + 8);
    int lim = data + dlen;
    int o = data + SDID_HEAD_LEN;
    guint32 i;

    if (size < SDID_HEAD_LEN || size > (guint32)dlen) {
        expert_add_info_format(pinfo, vitem, &ei_prop_struct_inconsistent,
                               "STORAGE_DEVICE_ID_DESCRIPTOR Size %u, the value holds %d bytes", size, dlen);
    } else {
        lim = data + (int)size;
    }
    for (i = 0; i < count && o + SID_HEAD_LEN <= lim; i++) {
        guint16 idsize = tvb_get_letohs(tvb, o + 8);
        guint16 next = tvb_get_letohs(tvb, o + 10);
        guint32 codeset = tvb_get_letohl(tvb, o);
        int avail = lim - (o + SID_HEAD_LEN);
        int n = idsize <= avail ? idsize : avail;
        proto_item *ii = proto_tree_add_item(tree, hf_sdid_identifier, tvb, o, SID_HEAD_LEN + n, ENC_NA);
        proto_tree *it = proto_item_add_subtree(ii, ett_sdid_identifier);
        const char *sum = cmrp_dissect_layout(tvb, o, pinfo, it, &layout_storage_identifier, NULL);

        if (n > 0) {
            proto_tree_add_item(it, hf_sdid_identifier_bytes, tvb, o + SID_HEAD_LEN, n, ENC_NA);
            if (codeset == 2 || codeset == 3) {
                const guint8 *str = NULL;
                proto_tree_add_item_ret_string(it, hf_sdid_identifier_string, tvb, o + SID_HEAD_LEN, n,
                                               codeset == 2 ? ENC_ASCII : ENC_UTF_8, pinfo->pool, &str);
                sum = wmem_strdup_printf(pinfo->pool, "%s \"%s\"", sum, str ? (const char *)str : "");
            }
        }
        proto_item_append_text(ii, ": %s", sum);
        if (n < idsize)
            expert_add_info_format(pinfo, ii, &ei_prop_struct_inconsistent,
                                   "IdentifierSize %u, %d bytes left in the descriptor", idsize, avail);
        if (next == 0) {
            i++;
            break;
        }
        if (next < SID_HEAD_LEN) {
            expert_add_info_format(pinfo, ii, &ei_prop_struct_inconsistent,
                                   "NextOffset %u is inside the identifier header", next);
            i++;
            break;
        }
        o += next;
    }
    if (i < count)
        expert_add_info_format(pinfo, vitem, &ei_prop_struct_inconsistent,
                               "NumberOfIdentifiers %u, the descriptor holds %u", count, i);
    return wmem_strdup_printf(pinfo->pool, "%u identifier%s", i, i == 1 ? "" : "s");
}

/* A value holding structure `lay`: which layout it is (generated cmrp.prop.layout), then its fields.
 * Returns the summary. */
static const char *
dissect_layout_value(tvbuff_t *tvb, int data, packet_info *pinfo, proto_tree *vtree, const cmrp_layout_t *lay)
{
    proto_item *li = proto_tree_add_string_format_value(vtree, hf_prop_layout, tvb, data, lay->size, lay->name,
                                                        "%s (%s)", lay->name, lay->source);
    proto_item_set_generated(li);
    return cmrp_dissect_layout(tvb, data, pinfo, vtree, lay, &ei_prop_unterminated);
}

/* A value whose syntax names a structure: the layout its size selects, or a warning and the bytes
 * when the size matches no layout of the syntax. Returns the summary. */
static const char *
dissect_struct_value(const syntax_layouts_t *sl, tvbuff_t *tvb, int data, int dlen, guint32 size,
                     packet_info *pinfo, proto_tree *vtree, proto_item *vitem, proto_item *size_item)
{
    const cmrp_layout_t *lay = NULL;
    const char *s;
    unsigned i;

    if ((guint32)dlen < size) {
        /* overrun (flagged by the caller): the bytes there are */
        proto_tree_add_item(vtree, cmrp_hf_binary, tvb, data, dlen, ENC_NA);
        return "<truncated>";
    }
    for (i = 0; i < array_length(sl->layouts) && sl->layouts[i] != NULL; i++) {
        const cmrp_layout_t *l = sl->layouts[i];
        if (size == l->size || (sl->open_ended && size > l->size)) {
            lay = l;
            break;
        }
    }
    if (lay == NULL) {
        wmem_strbuf_t *want = wmem_strbuf_new(pinfo->pool, "");
        for (i = 0; i < array_length(sl->layouts) && sl->layouts[i] != NULL; i++)
            wmem_strbuf_append_printf(want, "%s%s%u (%s, %s)", i ? " or " : "", sl->open_ended ? "at least " : "",
                                      sl->layouts[i]->size, sl->layouts[i]->name, sl->layouts[i]->source);
        expert_add_info_format(pinfo, size_item, &ei_prop_bad_value_size,
                               "Value size %u matches no layout of this syntax: expected %s", size,
                               wmem_strbuf_get_str(want));
        proto_tree_add_item(vtree, cmrp_hf_binary, tvb, data, dlen, ENC_NA);
        return "<size matches no layout>";
    }
    proto_item_append_text(vitem, " [%s, %s]", lay->name, lay->source);
    s = dissect_layout_value(tvb, data, pinfo, vtree, lay);
    if (sl->tail) {
        s = sl->tail(tvb, data, dlen, pinfo, vtree, vitem);
    } else if (size > lay->size) {
        proto_tree_add_item(vtree, cmrp_hf_binary, tvb, data + lay->size, dlen - lay->size, ENC_NA);
    }
    return s;
}

static const syntax_layouts_t *
find_syntax_layouts(guint32 syntax)
{
    unsigned i;

    for (i = 0; i < array_length(syntax_layouts); i++) {
        if (syntax_layouts[i].syntax == syntax)
            return &syntax_layouts[i];
    }
    return NULL;
}

/* ---- values ---- */

static int pl_dissect(tvbuff_t *tvb, int offset, int end, packet_info *pinfo, proto_tree *tree,
                      unsigned depth, unsigned flags);
static int vl_dissect(tvbuff_t *tvb, int offset, int end, packet_info *pinfo, proto_tree *tree,
                      unsigned depth, unsigned flags);

/* Adds the 4-byte syntax field with its type/format components. */
static proto_item *
add_syntax(proto_tree *tree, tvbuff_t *tvb, int offset)
{
    return proto_tree_add_bitmask(tree, tvb, offset, hf_prop_syntax, ett_prop_syntax, syntax_fields,
                                  ENC_LITTLE_ENDIAN);
}

/* Checks the padding after a `size`-byte buffer at `data`; returns the offset after the padding. */
static int
skip_padding(tvbuff_t *tvb, int data, uint32_t size, int end, packet_info *pinfo, proto_tree *tree)
{
    int after, pad, i;
    bool nonzero = false;

    if ((guint64)data + size >= (guint64)end)
        return end;
    after = data + (int)size;
    pad = pad4(size);
    if (pad > end - after)
        pad = end - after;
    for (i = 0; i < pad; i++) {
        if (tvb_get_uint8(tvb, after + i) != 0)
            nonzero = true;
    }
    if (nonzero) {
        proto_item *pi = proto_tree_add_item(tree, hf_prop_padding, tvb, after, pad, ENC_NA);
        expert_add_info(pinfo, pi, &ei_prop_bad_padding);
    }
    return after + pad;
}

/* A value of a fixed-size format: false (with a warning and the bytes) when its size is not `want`.
 * An overrun was flagged by the caller: the bytes there are are shown. */
static bool
fixed_size_check(tvbuff_t *tvb, int data, int dlen, packet_info *pinfo, proto_tree *tree, proto_item *item,
                 uint32_t size, uint32_t want, const char **summary)
{
    if (size != want) {
        expert_add_info_format(pinfo, item, &ei_prop_bad_value_size,
                               "Value size %u, expected %u for this syntax", size, want);
        *summary = "<size matches no layout>";
        if (dlen > 0)
            proto_tree_add_item(tree, cmrp_hf_binary, tvb, data, dlen, ENC_NA);
        return false;
    }
    if (dlen != (int)want) {
        if (dlen > 0)
            proto_tree_add_item(tree, cmrp_hf_binary, tvb, data, dlen, ENC_NA);
        return false;
    }
    return true;
}

/* The meaning of the DWORD `v` at `data` of a common property (idl/tables/propmeanings.tsv), as
 * generated items under `tree` (the raw value stays in cmrp.prop.dword). Returns the text for the
 * property's line, e.g. "ClusterResourceRestartNotify (2)" or "8.9600 (0x00082580)". */
static const char *
add_meaning(tvbuff_t *tvb, int data, uint32_t v, const cmrp_propmeaning_t *pm, proto_tree *tree,
            packet_info *pinfo)
{
    proto_item *pi = NULL;
    proto_tree *mt;
    const char *text;

    if (pm->kind != CMRP_PM_ENUM && pm->kind != CMRP_PM_BITS && pm->vals &&
        (text = try_val_to_str(v, pm->vals)) != NULL) {
        /* a special value of a number (0xFFFFFFFF: the resource type's value, ...) */
        pi = proto_tree_add_uint_format_value(tree, hf_prop_enum, tvb, data, 4, v, "%s (%u)", text, v);
        proto_item_set_generated(pi);
        proto_item_set_generated(proto_tree_add_string(tree, hf_prop_meaning, tvb, data, 4, text));
        return wmem_strdup_printf(pinfo->pool, "%s (0x%08x)", text, v);
    }
    switch (pm->kind) {
    case CMRP_PM_ENUM: {
        const char *n = try_val_to_str(v, pm->vals);
        text = n ? n : "unknown value";
        pi = proto_tree_add_uint_format_value(tree, hf_prop_enum, tvb, data, 4, v, "%s (%u)", text, v);
        break;
    }
    case CMRP_PM_BITS: {
        wmem_strbuf_t *sb = wmem_strbuf_new(pinfo->pool, "");
        uint32_t known = 0;
        for (const value_string *b = pm->vals; b->strptr; b++) {
            known |= b->value;
            if (v & b->value) {
                if (wmem_strbuf_get_len(sb))
                    wmem_strbuf_append_c(sb, '|');
                wmem_strbuf_append(sb, b->strptr);
            }
        }
        if (v & ~known)
            wmem_strbuf_append_printf(sb, "%s0x%08x", wmem_strbuf_get_len(sb) ? "|" : "", v & ~known);
        text = wmem_strbuf_get_len(sb) ? wmem_strbuf_get_str(sb) : "none";
        pi = proto_tree_add_bitmask_value(tree, tvb, data, *pm->hf_mask, *pm->ett, pm->bits, v);
        break;
    }
    case CMRP_PM_VERSION:
        text = wmem_strdup_printf(pinfo->pool, "%u.%u", v >> 16, v & 0xffff);
        mt = proto_tree_add_subtree_format(tree, tvb, data, 4, ett_prop_meaning, &pi,
                                           "Version: %u, build %u", v >> 16, v & 0xffff);
        proto_item_set_generated(proto_tree_add_uint(mt, hf_prop_version_major, tvb, data + 2, 2, v >> 16));
        proto_item_set_generated(proto_tree_add_uint(mt, hf_prop_version_build, tvb, data, 2, v & 0xffff));
        break;
    case CMRP_PM_MS:
    case CMRP_PM_S:
    case CMRP_PM_MIN:
    case CMRP_PM_H: {
        static const uint64_t unit_ms[] = { 1, 1000, 60000, 3600000 };
        static const char *const unit_name[] = { "ms", "s", "min", "h" };
        unsigned u = pm->kind - CMRP_PM_MS;
        uint64_t ms = (uint64_t)v * unit_ms[u];
        nstime_t t;
        t.secs = (time_t)(ms / 1000);
        t.nsecs = (int)(ms % 1000) * 1000000;
        text = wmem_strdup_printf(pinfo->pool, "%u %s", v, unit_name[u]);
        pi = proto_tree_add_time(tree, hf_prop_interval, tvb, data, 4, &t);
        break;
    }
    case CMRP_PM_HOUR:
        if (v == 0xffffffffu)
            text = "none";
        else if (v <= 23)
            text = wmem_strdup_printf(pinfo->pool, "%02u:00", v);
        else
            text = "invalid hour";
        pi = proto_tree_add_uint_format_value(tree, hf_prop_hour, tvb, data, 4, v, "%s (%u)", text, v);
        break;
    case CMRP_PM_ERROR:
    default: {
        const char *n = cmrp_error_name(v);
        text = n ? n : wmem_strdup_printf(pinfo->pool, "error %u", v);
        pi = proto_tree_add_uint(tree, hf_prop_error, tvb, data, 4, v);
        break;
    }
    }
    proto_item_set_generated(pi);
    proto_item_set_generated(proto_tree_add_string(tree, hf_prop_meaning, tvb, data, 4, text));
    if (pm->kind == CMRP_PM_VERSION || pm->kind == CMRP_PM_BITS)
        return wmem_strdup_printf(pinfo->pool, "%s (0x%08x)", text, v);
    if (pm->kind >= CMRP_PM_MS && pm->kind <= CMRP_PM_H)
        return text;        /* the number is in it */
    return wmem_strdup_printf(pinfo->pool, "%s (%u)", text, v);
}

/* One value entry (syntax, size, data, padding) at `offset`, not an ENDMARK. Returns the offset
 * after it (> offset) and a short display of the value in *summary. */
static int
dissect_value(tvbuff_t *tvb, int offset, int end, packet_info *pinfo, proto_tree *tree,
              unsigned depth, unsigned flags, const cmrp_propmeaning_t *pm, const char **summary)
{
    proto_item *vitem, *size_item;
    proto_tree *vtree;
    guint32 syntax, size;
    guint16 format, type;
    int data, dlen;
    const char *s = NULL;
    const syntax_layouts_t *sl;

    *summary = "";
    vitem = proto_tree_add_item(tree, hf_prop_value, tvb, offset, end - offset, ENC_NA);
    vtree = proto_item_add_subtree(vitem, ett_prop_value);
    syntax = tvb_get_letohl(tvb, offset);
    format = (guint16)(syntax & 0xffff);
    type = (guint16)(syntax >> 16);
    add_syntax(vtree, tvb, offset);
    if (offset + 8 > end) {
        proto_item_set_len(vitem, end - offset);
        expert_add_info_format(pinfo, vitem, &cmrp_ei_truncated, "Value header cut short: no size field");
        *summary = "<truncated>";
        return end;
    }
    size_item = proto_tree_add_item_ret_uint(vtree, hf_prop_size, tvb, offset + 4, 4, ENC_LITTLE_ENDIAN, &size);
    data = offset + 8;
    dlen = (int)size;
    if (size > (guint32)(end - data)) {
        expert_add_info_format(pinfo, size_item, &cmrp_ei_size_overrun,
                               "Size %u overruns the buffer (%d bytes left)", size, end - data);
        dlen = end - data;
    }
    proto_item_append_text(vitem, ": %s", val_to_str(pinfo->pool, syntax, cmrp_vs_CLUSTER_PROPERTY_SYNTAX, "syntax 0x%08x"));

    if (try_val_to_str(syntax, cmrp_vs_CLUSTER_PROPERTY_SYNTAX) == NULL && type != CMRP_CLUSPROP_TYPE_USER && format != CMRP_CLUSPROP_FORMAT_USER) {
        proto_item *pi = proto_tree_add_item(vtree, cmrp_hf_binary, tvb, data, dlen, ENC_NA);
        expert_add_info_format(pinfo, pi, &ei_prop_unknown_syntax, "Unknown property syntax 0x%08x", syntax);
        s = "<unknown syntax>";
        goto done;
    }

    sl = find_syntax_layouts(syntax);
    if (sl != NULL) {
        s = dissect_struct_value(sl, tvb, data, dlen, size, pinfo, vtree, vitem, size_item);
        goto done;
    }

    switch (syntax) {
    case CMRP_CLUSPROP_SYNTAX_NAME:
        cmrp_add_utf16z(vtree, hf_prop_name, tvb, data, dlen, pinfo, &ei_prop_unterminated, &s);
        break;
    case CMRP_CLUSPROP_SYNTAX_DISK_SERIALNUMBER:
        /* MS-CMRP 2.2.2.3: the disk's serial number, a NUL-terminated Unicode string */
        cmrp_add_utf16z(vtree, hf_prop_disk_serial, tvb, data, dlen, pinfo, &ei_prop_unterminated, &s);
        s = wmem_strdup_printf(pinfo->pool, "\"%s\"", s);
        break;
    case CMRP_CLUSPROP_SYNTAX_DISK_GUID:
        /* MS-CMRP 2.2.2.3: a GPT disk's GUID as a NUL-terminated curly-braced string */
        cmrp_add_utf16z(vtree, hf_prop_disk_guid, tvb, data, dlen, pinfo, &ei_prop_unterminated, &s);
        break;
    default:
        switch (format) {
        case CMRP_CLUSPROP_FORMAT_BINARY:
            if ((flags & CMRP_PL_CSV_VOLUME_INFO) && type == CMRP_CLUSPROP_TYPE_LIST_VALUE && size == CSV_VOLUME_INFO_LEN &&
                dlen == CSV_VOLUME_INFO_LEN) {
                s = dissect_layout_value(tvb, data, pinfo, vtree, &layout_csv_volume_info);
            } else {
                proto_tree_add_item(vtree, cmrp_hf_binary, tvb, data, dlen, ENC_NA);
                s = wmem_strdup_printf(pinfo->pool, "%u byte%s", size, size == 1 ? "" : "s");
            }
            break;
        case CMRP_CLUSPROP_FORMAT_DWORD:
            if (fixed_size_check(tvb, data, dlen, pinfo, vtree, size_item, size, 4, &s)) {
                guint32 v;
                proto_tree_add_item_ret_uint(vtree, hf_prop_dword, tvb, data, 4, ENC_LITTLE_ENDIAN, &v);
                if (pm && vtree)
                    s = add_meaning(tvb, data, v, pm, vtree, pinfo);
                else
                    s = wmem_strdup_printf(pinfo->pool, "%u", v);
            }
            break;
        case CMRP_CLUSPROP_FORMAT_LONG:
            if (fixed_size_check(tvb, data, dlen, pinfo, vtree, size_item, size, 4, &s)) {
                gint32 v;
                proto_tree_add_item_ret_int(vtree, hf_prop_long, tvb, data, 4, ENC_LITTLE_ENDIAN, &v);
                s = wmem_strdup_printf(pinfo->pool, "%d", v);
            }
            break;
        case CMRP_CLUSPROP_FORMAT_WORD:
            if (fixed_size_check(tvb, data, dlen, pinfo, vtree, size_item, size, 2, &s)) {
                guint32 v;
                if (flags & CMRP_PL_FORMAT_LIST) {
                    proto_tree_add_item_ret_uint(vtree, hf_prop_format, tvb, data, 2, ENC_LITTLE_ENDIAN, &v);
                    s = val_to_str(pinfo->pool, v, cmrp_vs_CLUSTER_PROPERTY_FORMAT, "format 0x%04x");
                } else {
                    proto_tree_add_item_ret_uint(vtree, hf_prop_word, tvb, data, 2, ENC_LITTLE_ENDIAN, &v);
                    s = wmem_strdup_printf(pinfo->pool, "%u", v);
                }
            }
            break;
        case CMRP_CLUSPROP_FORMAT_ULARGE_INTEGER:
            if (fixed_size_check(tvb, data, dlen, pinfo, vtree, size_item, size, 8, &s)) {
                guint64 v;
                proto_tree_add_item_ret_uint64(vtree, hf_prop_ularge, tvb, data, 8, ENC_LITTLE_ENDIAN, &v);
                s = wmem_strdup_printf(pinfo->pool, "%" G_GUINT64_FORMAT, v);
            }
            break;
        case CMRP_CLUSPROP_FORMAT_LARGE_INTEGER:
            if (fixed_size_check(tvb, data, dlen, pinfo, vtree, size_item, size, 8, &s)) {
                gint64 v;
                proto_tree_add_item_ret_int64(vtree, hf_prop_large, tvb, data, 8, ENC_LITTLE_ENDIAN, &v);
                s = wmem_strdup_printf(pinfo->pool, "%" G_GINT64_FORMAT, v);
            }
            break;
        case CMRP_CLUSPROP_FORMAT_FILETIME:
            if (fixed_size_check(tvb, data, dlen, pinfo, vtree, size_item, size, 8, &s)) {
                guint64 ft = tvb_get_letoh64(tvb, data);
                nstime_t ts;
                if (ft == 0 || !filetime_to_nstime(&ts, ft)) {
                    nstime_set_zero(&ts);
                    proto_tree_add_time_format_value(vtree, hf_prop_filetime, tvb, data, 8, &ts,
                                                     "%s", ft == 0 ? "not set (0)" : "out of range");
                    s = ft == 0 ? "not set" : "out of range";
                } else {
                    proto_tree_add_time(vtree, hf_prop_filetime, tvb, data, 8, &ts);
                    s = abs_time_to_str(pinfo->pool, &ts, ABSOLUTE_TIME_UTC, TRUE);
                }
            }
            break;
        case CMRP_CLUSPROP_FORMAT_SZ:
        case CMRP_CLUSPROP_FORMAT_EXPAND_SZ:
        case CMRP_CLUSPROP_FORMAT_EXPANDED_SZ:
            cmrp_add_utf16z(vtree, hf_prop_sz, tvb, data, dlen, pinfo, &ei_prop_unterminated, &s);
            s = wmem_strdup_printf(pinfo->pool, "\"%s\"", s);
            break;
        case CMRP_CLUSPROP_FORMAT_MULTI_SZ: {
            const char *sum = NULL;
            unsigned n = cmrp_add_multi_sz(vtree, hf_prop_sz, tvb, data, dlen, pinfo, &ei_prop_unterminated, &sum);
            s = wmem_strdup_printf(pinfo->pool, "[%u] %s", n, sum);
            break;
        }
        case CMRP_CLUSPROP_FORMAT_SECURITY_DESCRIPTOR:
            cmrp_dissect_security_descriptor(tvb, data, dlen, pinfo, vtree, depth + 1);
            s = "security descriptor";
            break;
        case CMRP_CLUSPROP_FORMAT_VALUE_LIST:
            if (depth + 1 >= CMRP_MAX_DEPTH) {
                expert_add_info(pinfo, vitem, &cmrp_ei_too_deep);
                proto_tree_add_item(vtree, cmrp_hf_binary, tvb, data, dlen, ENC_NA);
            } else {
                int p = data;
                while (p + 4 <= data + dlen) {
                    int q = vl_dissect(tvb, p, data + dlen, pinfo, vtree, depth + 1, flags);
                    if (q <= p)
                        break;
                    p = q;
                }
            }
            s = "value list";
            break;
        case CMRP_CLUSPROP_FORMAT_PROPERTY_LIST:
            if (depth + 1 >= CMRP_MAX_DEPTH) {
                expert_add_info(pinfo, vitem, &cmrp_ei_too_deep);
                proto_tree_add_item(vtree, cmrp_hf_binary, tvb, data, dlen, ENC_NA);
            } else {
                int q = pl_dissect(tvb, data, data + dlen, pinfo, vtree, depth + 1, 0);
                if (q < data + dlen) {
                    proto_item *pi = proto_tree_add_item(vtree, hf_prop_trailing, tvb, q, data + dlen - q, ENC_NA);
                    expert_add_info(pinfo, pi, &ei_prop_trailing);
                }
            }
            s = "property list";
            break;
        default:
            /* FORMAT_UNKNOWN, FORMAT_USER: opaque */
            proto_tree_add_item(vtree, cmrp_hf_binary, tvb, data, dlen, ENC_NA);
            s = wmem_strdup_printf(pinfo->pool, "%u byte%s", size, size == 1 ? "" : "s");
            break;
        }
        break;
    }

done:
    if (s == NULL)
        s = "<malformed>";
    *summary = s;
    if (*s)
        proto_item_append_text(vitem, " = %s", s);
    offset = skip_padding(tvb, data, size, end, pinfo, vtree);
    proto_item_set_len(vitem, offset - (data - 8));
    return offset;
}

/* Values up to and including the ENDMARK. Returns the offset after the ENDMARK (or `end`). */
static int
vl_dissect(tvbuff_t *tvb, int offset, int end, packet_info *pinfo, proto_tree *tree, unsigned depth,
           unsigned flags)
{
    proto_item *item;
    proto_tree *vl_tree;
    int start = offset;
    unsigned n = 0;
    bool ended = false;

    item = proto_tree_add_item(tree, hf_prop_value_list, tvb, offset, end - offset, ENC_NA);
    vl_tree = proto_item_add_subtree(item, ett_prop_value_list);
    while (offset + 4 <= end) {
        const char *sum;
        int next;

        if (tvb_get_letohl(tvb, offset) == CMRP_CLUSPROP_SYNTAX_ENDMARK) {
            proto_tree_add_item(vl_tree, hf_prop_endmark, tvb, offset, 4, ENC_LITTLE_ENDIAN);
            offset += 4;
            ended = true;
            break;
        }
        next = dissect_value(tvb, offset, end, pinfo, vl_tree, depth, flags, NULL, &sum);
        if (next <= offset)
            break;
        offset = next;
        n++;
    }
    if (!ended) {
        expert_add_info(pinfo, item, &ei_prop_missing_endmark);
        if (offset < end)       /* 1..3 stray bytes */
            offset = end;
    }
    proto_item_append_text(item, " (%u value%s)", n, n == 1 ? "" : "s");
    proto_item_set_len(item, offset - start);
    return offset;
}

/* One property: name entry, values, ENDMARK. Returns the offset after it (> offset). */
static int
dissect_property(tvbuff_t *tvb, int offset, int end, packet_info *pinfo, proto_tree *tree, unsigned depth,
                 unsigned flags, unsigned prop_no)
{
    proto_item *pitem, *syn_item, *size_item;
    proto_tree *ptree;
    guint32 syntax, size;
    int start = offset, data, dlen;
    const char *name = "<no name>";
    const char *first = NULL;
    unsigned nvalues = 0;
    bool ended = false;
    const cmrp_propmeaning_t *pm = NULL;

    pitem = proto_tree_add_item(tree, hf_prop_property, tvb, offset, end - offset, ENC_NA);
    ptree = proto_item_add_subtree(pitem, ett_prop_property);
    syntax = tvb_get_letohl(tvb, offset);
    syn_item = add_syntax(ptree, tvb, offset);
    if (syntax != CMRP_CLUSPROP_SYNTAX_NAME)
        expert_add_info_format(pinfo, syn_item, &ei_prop_name_expected,
                               "Property %u starts with syntax 0x%08x, not CLUSPROP_SYNTAX_NAME", prop_no, syntax);
    if (offset + 8 > end) {
        expert_add_info_format(pinfo, pitem, &cmrp_ei_truncated, "Property name entry cut short");
        proto_item_set_text(pitem, "Property %u: <truncated>", prop_no);
        proto_item_set_len(pitem, end - offset);
        return end;
    }
    size_item = proto_tree_add_item_ret_uint(ptree, hf_prop_size, tvb, offset + 4, 4, ENC_LITTLE_ENDIAN, &size);
    data = offset + 8;
    dlen = (int)size;
    if (size > (guint32)(end - data)) {
        expert_add_info_format(pinfo, size_item, &cmrp_ei_size_overrun,
                               "Size %u overruns the buffer (%d bytes left)", size, end - data);
        dlen = end - data;
    }
    if (syntax == CMRP_CLUSPROP_SYNTAX_NAME || (syntax & 0xffff) == CMRP_CLUSPROP_FORMAT_SZ) {
        /* the name is converted for the tree's labels and the meanings lookup; otherwise only if
         * an expert info below names the property */
        if (tree || (CMRP_PL_OBJECT_OF(flags) && !(flags & CMRP_PL_FORMAT_LIST))) {
            cmrp_add_utf16z(ptree, hf_prop_name, tvb, data, dlen, pinfo, &ei_prop_unterminated, &name);
        } else {
            cmrp_add_utf16z(ptree, hf_prop_name, tvb, data, dlen, pinfo, &ei_prop_unterminated, NULL);
            name = NULL;
        }
    } else {
        proto_tree_add_item(ptree, cmrp_hf_binary, tvb, data, dlen, ENC_NA);
    }
    offset = skip_padding(tvb, data, size, end, pinfo, ptree);
    /* a common property whose values have a meaning (not in a list of formats) */
    if (CMRP_PL_OBJECT_OF(flags) && !(flags & CMRP_PL_FORMAT_LIST))
        pm = cmrp_propmeaning_find(CMRP_PL_OBJECT_OF(flags), name);

    while (offset + 4 <= end) {
        guint32 syn = tvb_get_letohl(tvb, offset);
        const char *sum;
        int next;

        if (syn == CMRP_CLUSPROP_SYNTAX_ENDMARK) {
            proto_tree_add_item(ptree, hf_prop_endmark, tvb, offset, 4, ENC_LITTLE_ENDIAN);
            offset += 4;
            ended = true;
            break;
        }
        if (syn == CMRP_CLUSPROP_SYNTAX_NAME) {
            /* the next property begins: this one lacks its ENDMARK */
            break;
        }
        next = dissect_value(tvb, offset, end, pinfo, ptree, depth, flags, pm, &sum);
        if (next <= offset)
            break;
        offset = next;
        if (nvalues == 0)
            first = sum;
        nvalues++;
    }
    if (!name && (!ended || nvalues == 0))
        name = (const char *)tvb_get_string_enc(pinfo->pool, tvb, data, dlen,
                                                ENC_UTF_16 | ENC_LITTLE_ENDIAN);
    if (!ended) {
        expert_add_info_format(pinfo, pitem, &ei_prop_missing_endmark,
                               "Property \"%s\" has no CLUSPROP_SYNTAX_ENDMARK", name);
        if (offset < end && offset + 4 > end)
            offset = end;
    }
    if (nvalues == 0)
        expert_add_info_format(pinfo, pitem, &ei_prop_no_value, "Property \"%s\" has no value", name);

    if (nvalues > 1)
        proto_item_set_text(pitem, "%s = %s (+%u more value%s)", name, first ? first : "", nvalues - 1,
                            nvalues == 2 ? "" : "s");
    else if (nvalues == 1)
        proto_item_set_text(pitem, "%s = %s", name, first ? first : "");
    else
        proto_item_set_text(pitem, "%s (no value)", name);
    proto_item_set_len(pitem, offset - start);
    return offset;
}

static int
pl_dissect(tvbuff_t *tvb, int offset, int end, packet_info *pinfo, proto_tree *tree, unsigned depth,
           unsigned flags)
{
    proto_item *item, *count_item;
    proto_tree *pl_tree;
    guint32 count, i;
    int start = offset;
    guint32 max_props;

    item = proto_tree_add_item(tree, hf_prop_list, tvb, offset, end - offset, ENC_NA);
    pl_tree = proto_item_add_subtree(item, ett_prop_list);
    if (offset + 4 > end) {
        proto_item_set_len(item, end - offset);
        expert_add_info_format(pinfo, item, &cmrp_ei_truncated, "Property list too short for its count");
        if (offset < end)
            proto_tree_add_item(pl_tree, hf_prop_trailing, tvb, offset, end - offset, ENC_NA);
        return end;
    }
    if (depth >= CMRP_MAX_DEPTH) {
        expert_add_info(pinfo, item, &cmrp_ei_too_deep);
        proto_tree_add_item(pl_tree, cmrp_hf_binary, tvb, offset, end - offset, ENC_NA);
        proto_item_set_len(item, end - offset);
        return end;
    }
    count_item = proto_tree_add_item_ret_uint(pl_tree, hf_prop_count, tvb, offset, 4, ENC_LITTLE_ENDIAN, &count);
    offset += 4;
    /* No property can take fewer than 12 bytes (name syntax, name size, ENDMARK). */
    max_props = (guint32)(end - offset) / 12;
    if (count > max_props)
        expert_add_info_format(pinfo, count_item, &cmrp_ei_count_overrun,
                               "Property count %u is larger than the %d remaining bytes can hold (%u at most)",
                               count, end - offset, max_props);

    for (i = 0; i < count && offset + 4 <= end; i++) {
        int next = dissect_property(tvb, offset, end, pinfo, pl_tree, depth, flags, i + 1);
        if (next <= offset)
            break;
        offset = next;
    }
    if (i < count && count <= max_props)
        expert_add_info_format(pinfo, count_item, &cmrp_ei_count_overrun,
                               "Property count %u, but the buffer ends after %u", count, i);
    /* optional trailing list ENDMARK (Samba/Wireshark IDL) */
    if (offset + 4 <= end && tvb_get_letohl(tvb, offset) == CMRP_CLUSPROP_SYNTAX_ENDMARK) {
        proto_tree_add_item(pl_tree, hf_prop_list_endmark, tvb, offset, 4, ENC_LITTLE_ENDIAN);
        offset += 4;
    }
    proto_item_append_text(item, " (%u propert%s)", i, i == 1 ? "y" : "ies");
    proto_item_set_len(item, offset - start);
    return offset;
}

int
cmrp_dissect_property_list_ex(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree,
                              unsigned depth, unsigned flags)
{
    int end = (int)tvb_captured_length(tvb);

    if (offset >= end)
        return offset;
    return pl_dissect(tvb, offset, end, pinfo, tree, depth, flags);
}

int
cmrp_dissect_property_list(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, unsigned depth)
{
    return cmrp_dissect_property_list_ex(tvb, offset, pinfo, tree, depth, 0);
}

int
cmrp_dissect_value_list(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, unsigned depth,
                        unsigned flags)
{
    int end = (int)tvb_captured_length(tvb);

    if (offset >= end)
        return offset;
    if (depth >= CMRP_MAX_DEPTH) {
        proto_item *pi = proto_tree_add_item(tree, cmrp_hf_binary, tvb, offset, end - offset, ENC_NA);
        expert_add_info(pinfo, pi, &cmrp_ei_too_deep);
        return end;
    }
    return vl_dissect(tvb, offset, end, pinfo, tree, depth, flags);
}

unsigned
cmrp_pl_flags_for_ctl(uint32_t code)
{
    /* CLCTL function (bits 2-19 of the code): 20-25 are the *_COMMON_PROPERTIES codes
     * (ENUM 20, GET_RO 21, GET 22, SET 23, VALIDATE 24, GET_..._FMTS 25) */
    uint32_t fn = (code >> 2) & 0x3ffffu;
    uint32_t object = code >> 24;
    if (fn < 20 || fn > 25 || object < CMRP_CLUS_OBJECT_RESOURCE || object > CMRP_CLUS_OBJECT_GROUPSET)
        return 0;
    return CMRP_PL_OBJECT(object);
}

void
cmrp_hook_proplist(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx)
{
    int len = (int)tvb_captured_length(tvb);
    int offset;

    if (len == 0)
        return;
    /* GROUP_ENUM_ENTRY / RESOURCE_ENUM_ENTRY (ApiCreateGroupEnum 143, ApiCreateResourceEnum 144):
     * Properties and RoProperties hold common properties of the group or resource */
    offset = cmrp_dissect_property_list_ex(tvb, 0, ctx->pinfo, tree, ctx->depth,
                                           ctx->opnum == CMRP_OPNUM_ApiCreateGroupEnum ? CMRP_PL_OBJECT(CMRP_CLUS_OBJECT_GROUP)
                                           : ctx->opnum == CMRP_OPNUM_ApiCreateResourceEnum ? CMRP_PL_OBJECT(CMRP_CLUS_OBJECT_RESOURCE) : 0);
    if (offset < len) {
        proto_item *pi = proto_tree_add_item(tree, hf_prop_trailing, tvb, offset, len - offset, ENC_NA);
        expert_add_info(ctx->pinfo, pi, &ei_prop_trailing);
    }
}

/* ------------------------------------------------------------------------------------------------ */

void
cmrp_register_proplist(int proto)
{
    static hf_register_info hf[] = {
        { &hf_prop_list, { "Property list", "cmrp.prop.list", FT_NONE, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_prop_count, { "Property count", "cmrp.prop.count", FT_UINT32, BASE_DEC, NULL, 0,
            "propertyCount: number of properties in the PROPERTY_LIST", HFILL } },
        { &hf_prop_property, { "Property", "cmrp.prop.property", FT_NONE, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_prop_name, { "Name", "cmrp.prop.name", FT_STRING, BASE_NONE, NULL, 0, "Property name", HFILL } },
        { &hf_prop_syntax, { "Syntax", "cmrp.prop.syntax", FT_UINT32, BASE_HEX, VALS(cmrp_vs_CLUSTER_PROPERTY_SYNTAX), 0,
            "CLUSTER_PROPERTY_SYNTAX", HFILL } },
        { &hf_prop_syntax_format, { "Format", "cmrp.prop.syntax.format", FT_UINT32, BASE_HEX, VALS(cmrp_vs_CLUSTER_PROPERTY_FORMAT),
            0x0000ffff, "CLUSTER_PROPERTY_FORMAT (low word of the syntax)", HFILL } },
        { &hf_prop_syntax_type, { "Type", "cmrp.prop.syntax.type", FT_UINT32, BASE_HEX, VALS(cmrp_vs_CLUSTER_PROPERTY_TYPE),
            0xffff0000, "CLUSTER_PROPERTY_TYPE (high word of the syntax)", HFILL } },
        { &hf_prop_size, { "Size", "cmrp.prop.size", FT_UINT32, BASE_DEC, NULL, 0,
            "Size of the data in bytes, padding excluded", HFILL } },
        { &hf_prop_value, { "Value", "cmrp.prop.value", FT_NONE, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_prop_value_list, { "Value list", "cmrp.prop.value_list", FT_NONE, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_prop_endmark, { "End mark", "cmrp.prop.endmark", FT_UINT32, BASE_HEX, NULL, 0,
            "CLUSPROP_SYNTAX_ENDMARK: end of a value list", HFILL } },
        { &hf_prop_list_endmark, { "List end mark", "cmrp.prop.list_endmark", FT_UINT32, BASE_HEX, NULL, 0,
            "Optional CLUSPROP_SYNTAX_ENDMARK after the last property", HFILL } },
        { &hf_prop_padding, { "Padding", "cmrp.prop.padding", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_prop_dword, { "DWORD", "cmrp.prop.dword", FT_UINT32, BASE_DEC_HEX, NULL, 0, NULL, HFILL } },
        { &hf_prop_meaning, { "Meaning", "cmrp.prop.meaning", FT_STRING, BASE_NONE, NULL, 0,
            "What the value of this common property means (idl/tables/propmeanings.tsv)", HFILL } },
        { &hf_prop_enum, { "Value", "cmrp.prop.enum", FT_UINT32, BASE_DEC, NULL, 0,
            "A common property's value, named by the enumeration the property uses", HFILL } },
        { &hf_prop_version_major, { "Version", "cmrp.prop.version.major", FT_UINT16, BASE_DEC, NULL, 0,
            "Version number: the high 16 bits of a version property (NodeHighestVersion, ...)", HFILL } },
        { &hf_prop_version_build, { "Build", "cmrp.prop.version.build", FT_UINT16, BASE_DEC, NULL, 0,
            "Build number: the low 16 bits of a version property", HFILL } },
        { &hf_prop_interval, { "Interval", "cmrp.prop.interval", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
            "A common property's duration (in the unit the property is defined in)", HFILL } },
        { &hf_prop_hour, { "Hour of day", "cmrp.prop.hour", FT_UINT32, BASE_DEC, NULL, 0,
            "0-23 (cluster local time), 0xFFFFFFFF: none (FailbackWindowStart/End)", HFILL } },
        { &hf_prop_error, { "Error", "cmrp.prop.error", FT_UINT32, BASE_HEX | BASE_EXT_STRING,
            VALS_EXT_PTR(&cmrp_error_vals_ext), 0, "A common property holding a Win32 error code", HFILL } },
        { &hf_prop_long, { "LONG", "cmrp.prop.long", FT_INT32, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_prop_word, { "WORD", "cmrp.prop.word", FT_UINT16, BASE_DEC_HEX, NULL, 0, NULL, HFILL } },
        { &hf_prop_ularge, { "ULARGE_INTEGER", "cmrp.prop.ularge", FT_UINT64, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_prop_large, { "LARGE_INTEGER", "cmrp.prop.large", FT_INT64, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_prop_sz, { "String", "cmrp.prop.sz", FT_STRING, BASE_NONE, NULL, 0,
            "SZ, EXPAND_SZ, EXPANDED_SZ value or MULTI_SZ element", HFILL } },
        { &hf_prop_filetime, { "FILETIME", "cmrp.prop.filetime", FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL, 0,
            NULL, HFILL } },
        { &hf_prop_format, { "Property format", "cmrp.prop.format", FT_UINT16, BASE_HEX, VALS(cmrp_vs_CLUSTER_PROPERTY_FORMAT), 0,
            "CLUSTER_PROPERTY_FORMAT of the property (property-format list)", HFILL } },
        { &hf_prop_resclass, { "Resource class", "cmrp.prop.resclass", FT_UINT32, BASE_DEC, VALS(cmrp_vs_CLUSTER_RESOURCE_CLASS), 0,
            NULL, HFILL } },
        { &hf_prop_disk_signature, { "Disk signature", "cmrp.prop.disk_signature", FT_UINT32, BASE_HEX, NULL, 0,
            NULL, HFILL } },
        { &hf_prop_disk_number, { "Disk number", "cmrp.prop.disk_number", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_prop_disk_size, { "Disk size", "cmrp.prop.disk_size", FT_UINT64, BASE_DEC, NULL, 0, "Bytes", HFILL } },
        { &hf_prop_trailing, { "Trailing data", "cmrp.prop.trailing", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_prop_layout, { "Layout", "cmrp.prop.layout", FT_STRING, BASE_NONE, NULL, 0,
            "Generated: the structure layout the value's size selected, and where it is defined", HFILL } },
        { &hf_prop_subclass, { "Resource subclass", "cmrp.prop.subclass", FT_UINT32, BASE_HEX, NULL, 0,
            "CLUS_RESOURCE_CLASS_INFO.SubClass (MS-CMRP 2.2.3.7)", HFILL } },
        { &hf_prop_subclass_shared, { "Shared", "cmrp.prop.subclass.shared", FT_BOOLEAN, 32, NULL, 0x80000000,
            "CLUS_RESSUBCLASS_SHARED: shared storage, or an IP address resource (MS-CMRP 2.2.3.7)", HFILL } },
        { &hf_prop_disk_serial, { "Disk serial number", "cmrp.prop.disk_serial_number", FT_STRING, BASE_NONE, NULL, 0,
            "CLUSPROP_SYNTAX_DISK_SERIALNUMBER (MS-CMRP 2.2.2.3)", HFILL } },
        { &hf_prop_disk_guid, { "Disk GUID", "cmrp.prop.disk_guid", FT_STRING, BASE_NONE, NULL, 0,
            "CLUSPROP_SYNTAX_DISK_GUID: curly-braced GUID string of a GPT disk (MS-CMRP 2.2.2.3)", HFILL } },
        { &hf_prop_ftset_root_signature, { "FT set root signature", "cmrp.prop.ftset.root_signature", FT_UINT32,
            BASE_HEX, NULL, 0, "CLUS_FTSET_INFO.dwRootSignature (SDK ClusAPI.h)", HFILL } },
        { &hf_prop_ftset_type, { "FT set type", "cmrp.prop.ftset.ft_type", FT_UINT32, BASE_DEC, NULL, 0,
            "CLUS_FTSET_INFO.dwFtType (SDK ClusAPI.h)", HFILL } },
        { &hf_sdid_version, { "Version", "cmrp.prop.storage_id.version", FT_UINT32, BASE_DEC, NULL, 0,
            "STORAGE_DEVICE_ID_DESCRIPTOR.Version (MS-CSVP 2.2.9)", HFILL } },
        { &hf_sdid_size, { "Size", "cmrp.prop.storage_id.size", FT_UINT32, BASE_DEC, NULL, 0,
            "STORAGE_DEVICE_ID_DESCRIPTOR.Size, identifiers included (MS-CSVP 2.2.9)", HFILL } },
        { &hf_sdid_count, { "Number of identifiers", "cmrp.prop.storage_id.count", FT_UINT32, BASE_DEC, NULL, 0,
            "STORAGE_DEVICE_ID_DESCRIPTOR.NumberOfIdentifiers (MS-CSVP 2.2.9)", HFILL } },
        { &hf_sdid_identifier, { "Identifier", "cmrp.prop.storage_id.identifier", FT_NONE, BASE_NONE, NULL, 0,
            "STORAGE_IDENTIFIER (MS-CSVP 2.2.10)", HFILL } },
        { &hf_sdid_code_set, { "Code set", "cmrp.prop.storage_id.code_set", FT_UINT32, BASE_DEC,
            VALS(cmrp_vs_STORAGE_IDENTIFIER_CODE_SET), 0, "STORAGE_IDENTIFIER.CodeSet (MS-CSVP 2.2.10, SPC-3 7.6.3.1)", HFILL } },
        { &hf_sdid_type, { "Identifier type", "cmrp.prop.storage_id.type", FT_UINT32, BASE_DEC,
            VALS(cmrp_vs_STORAGE_IDENTIFIER_TYPE), 0, "STORAGE_IDENTIFIER.Type (MS-CSVP 2.2.10, SPC-3 7.6.3.1)", HFILL } },
        { &hf_sdid_identifier_size, { "Identifier size", "cmrp.prop.storage_id.identifier_size", FT_UINT16,
            BASE_DEC, NULL, 0, "STORAGE_IDENTIFIER.IdentifierSize (MS-CSVP 2.2.10)", HFILL } },
        { &hf_sdid_next_offset, { "Next offset", "cmrp.prop.storage_id.next_offset", FT_UINT16, BASE_DEC, NULL, 0,
            "STORAGE_IDENTIFIER.NextOffset (MS-CSVP 2.2.10)", HFILL } },
        { &hf_sdid_association, { "Association", "cmrp.prop.storage_id.association", FT_UINT32, BASE_DEC,
            VALS(cmrp_vs_STORAGE_ASSOCIATION_TYPE), 0, "STORAGE_IDENTIFIER.Association (MS-CSVP 2.2.10, SPC-3 7.6.3.1)",
            HFILL } },
        { &hf_sdid_identifier_bytes, { "Identifier data", "cmrp.prop.storage_id.data", FT_BYTES, BASE_NONE, NULL, 0,
            "STORAGE_IDENTIFIER.Identifier (MS-CSVP 2.2.10)", HFILL } },
        { &hf_sdid_identifier_string, { "Identifier string", "cmrp.prop.storage_id.string", FT_STRING, BASE_NONE,
            NULL, 0, "STORAGE_IDENTIFIER.Identifier of an ASCII or UTF-8 code set", HFILL } },

        { &hf_scsi_port, { "Port number", "cmrp.scsi.port", FT_UINT8, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_scsi_path_id, { "Path ID", "cmrp.scsi.path_id", FT_UINT8, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_scsi_target_id, { "Target ID", "cmrp.scsi.target_id", FT_UINT8, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_scsi_lun, { "LUN", "cmrp.scsi.lun", FT_UINT8, BASE_DEC, NULL, 0, NULL, HFILL } },

        { &hf_part_flags, { "Flags", "cmrp.partition.flags", FT_UINT32, BASE_HEX, NULL, 0, NULL, HFILL } },
        { &hf_part_flags_sticky, { "CLUSPROP_PIFLAG_STICKY", "cmrp.partition.flags.sticky", FT_BOOLEAN, 32, NULL,
            0x00000001, NULL, HFILL } },
        { &hf_part_flags_removable, { "CLUSPROP_PIFLAG_REMOVABLE", "cmrp.partition.flags.removable", FT_BOOLEAN, 32,
            NULL, 0x00000002, NULL, HFILL } },
        { &hf_part_flags_usable_for_csv, { "CLUSPROP_PIFLAG_USABLE_FOR_CSV (SDK)", "cmrp.partition.flags.usable_for_csv",
            FT_BOOLEAN, 32, NULL, 0x00000010, NULL, HFILL } },
        { &hf_part_flags_encryption_enabled, { "CLUSPROP_PIFLAG_ENCRYPTION_ENABLED (SDK)",
            "cmrp.partition.flags.encryption_enabled", FT_BOOLEAN, 32, NULL, 0x00000020, NULL, HFILL } },
        { &hf_part_flags_raw, { "CLUSPROP_PIFLAG_RAW (SDK)", "cmrp.partition.flags.raw", FT_BOOLEAN, 32, NULL,
            0x00000040, NULL, HFILL } },
        { &hf_part_flags_unknown, { "CLUSPROP_PIFLAG_UNKNOWN (SDK)", "cmrp.partition.flags.unknown", FT_BOOLEAN, 32,
            NULL, 0x80000000, NULL, HFILL } },
        { &hf_part_flags_usable, { "CLUSPROP_PIFLAG_USABLE", "cmrp.partition.flags.usable", FT_BOOLEAN, 32, NULL,
            0x00000004, NULL, HFILL } },
        { &hf_part_flags_default_quorum, { "CLUSPROP_PIFLAG_DEFAULT_QUORUM", "cmrp.partition.flags.default_quorum",
            FT_BOOLEAN, 32, NULL, 0x00000008, NULL, HFILL } },
        { &hf_part_device_name, { "Device name", "cmrp.partition.device_name", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_part_volume_label, { "Volume label", "cmrp.partition.volume_label", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_part_serial_number, { "Serial number", "cmrp.partition.serial_number", FT_UINT32, BASE_HEX, NULL, 0,
            NULL, HFILL } },
        { &hf_part_max_component_length, { "Maximum component length", "cmrp.partition.max_component_length",
            FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_part_fs_flags, { "File system flags", "cmrp.partition.fs_flags", FT_UINT32, BASE_HEX, NULL, 0, NULL, HFILL } },
        { &hf_part_file_system, { "File system", "cmrp.partition.file_system", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_part_total_size, { "Total size", "cmrp.partition.total_size", FT_UINT64, BASE_DEC, NULL, 0, "Bytes", HFILL } },
        { &hf_part_free_size, { "Free size", "cmrp.partition.free_size", FT_UINT64, BASE_DEC, NULL, 0, "Bytes", HFILL } },
        { &hf_part_device_number, { "Device number", "cmrp.partition.device_number", FT_UINT32, BASE_DEC, NULL, 0,
            NULL, HFILL } },
        { &hf_part_partition_number, { "Partition number", "cmrp.partition.partition_number", FT_UINT32, BASE_DEC,
            NULL, 0, NULL, HFILL } },
        { &hf_part_volume_guid, { "Volume GUID", "cmrp.partition.volume_guid", FT_GUID, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_part_gpt_partition_id, { "GPT partition ID", "cmrp.partition.gpt_partition_id", FT_GUID, BASE_NONE,
            NULL, 0, NULL, HFILL } },
        { &hf_part_partition_name, { "Partition name", "cmrp.partition.partition_name", FT_STRING, BASE_NONE, NULL, 0,
            NULL, HFILL } },
        { &hf_part_encryption, { "Encryption flags", "cmrp.partition.encryption", FT_UINT32, BASE_HEX, NULL, 0,
            NULL, HFILL } },
        { &hf_part_enc_enabled, { "ENCRYPTION_ENABLED", "cmrp.partition.encryption.enabled", FT_BOOLEAN, 32, NULL,
            0x00000001, NULL, HFILL } },
        { &hf_part_enc_decrypted, { "ENCRYPTION_DECRYPTED", "cmrp.partition.encryption.decrypted", FT_BOOLEAN, 32,
            NULL, 0x00000004, NULL, HFILL } },
        { &hf_part_enc_encrypted, { "ENCRYPTION_ENCRYPTED", "cmrp.partition.encryption.encrypted", FT_BOOLEAN, 32,
            NULL, 0x00000008, NULL, HFILL } },
        { &hf_part_enc_decrypting, { "ENCRYPTION_DECRYPTING", "cmrp.partition.encryption.decrypting", FT_BOOLEAN, 32,
            NULL, 0x00000010, NULL, HFILL } },
        { &hf_part_enc_encrypting, { "ENCRYPTION_ENCRYPTING", "cmrp.partition.encryption.encrypting", FT_BOOLEAN, 32,
            NULL, 0x00000020, NULL, HFILL } },
        { &hf_part_enc_paused, { "ENCRYPTION_PAUSED", "cmrp.partition.encryption.paused", FT_BOOLEAN, 32, NULL,
            0x00000040, NULL, HFILL } },

        { &hf_csv_volume_offset, { "Volume offset", "cmrp.csv.volume_offset", FT_UINT64, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_csv_partition_number, { "Partition number", "cmrp.csv.partition_number", FT_UINT32, BASE_DEC, NULL, 0,
            NULL, HFILL } },
        { &hf_csv_fault_state, { "Fault state", "cmrp.csv.fault_state", FT_UINT32, BASE_DEC, VALS(cmrp_vs_CLUSTER_CSV_VOLUME_FAULT_STATE),
            0, NULL, HFILL } },
        { &hf_csv_backup_state, { "Backup state", "cmrp.csv.backup_state", FT_UINT32, BASE_DEC,
            VALS(cmrp_vs_CLUSTER_SHARED_VOLUME_BACKUP_STATE), 0, NULL, HFILL } },
        { &hf_csv_friendly_name, { "Volume friendly name", "cmrp.csv.friendly_name", FT_STRING, BASE_NONE, NULL, 0,
            NULL, HFILL } },
        { &hf_csv_volume_name, { "Volume name", "cmrp.csv.volume_name", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },

    };

    static gint *ett[] = {
        &ett_prop_list, &ett_prop_property, &ett_prop_value, &ett_prop_syntax, &ett_prop_value_list,
        &ett_part_flags, &ett_part_encryption, &ett_prop_subclass, &ett_sdid_identifier, &ett_prop_meaning,
    };

    static ei_register_info ei[] = {
        { &ei_prop_missing_endmark, { "cmrp.prop.missing_endmark", PI_MALFORMED, PI_ERROR,
            "Value list has no CLUSPROP_SYNTAX_ENDMARK", EXPFILL } },
        { &ei_prop_bad_padding, { "cmrp.prop.bad_padding", PI_PROTOCOL, PI_WARN,
            "Non-zero padding", EXPFILL } },
        { &ei_prop_unterminated, { "cmrp.prop.unterminated_string", PI_MALFORMED, PI_WARN,
            "String is not NUL-terminated", EXPFILL } },
        { &ei_prop_unknown_syntax, { "cmrp.prop.unknown_syntax", PI_PROTOCOL, PI_WARN,
            "Unknown property syntax", EXPFILL } },
        { &ei_prop_name_expected, { "cmrp.prop.name_expected", PI_MALFORMED, PI_ERROR,
            "Property does not start with CLUSPROP_SYNTAX_NAME", EXPFILL } },
        { &ei_prop_no_value, { "cmrp.prop.no_value", PI_PROTOCOL, PI_WARN,
            "Property has no value", EXPFILL } },
        { &ei_prop_bad_value_size, { "cmrp.prop.bad_value_size", PI_PROTOCOL, PI_WARN,
            "Value size matches no layout of its syntax", EXPFILL } },
        { &ei_prop_struct_inconsistent, { "cmrp.prop.struct_inconsistent", PI_PROTOCOL, PI_WARN,
            "Structure fields disagree with the value's size", EXPFILL } },
        { &ei_prop_trailing, { "cmrp.prop.trailing_data", PI_PROTOCOL, PI_WARN,
            "Data after the end of the list", EXPFILL } },
    };
    expert_module_t *expert;

    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    cmrp_propmeanings_register(proto);
    expert = expert_register_protocol(proto);
    expert_register_field_array(expert, ei, array_length(ei));
}

/* The Info summary of a PROPERTY_LIST (issue #11): "N properties: A, B, C, ..." from its count
 * and its first names. A light bounded scan: it stops at the first thing it does not expect and
 * never adds items (the list's items come from cmrp_dissect_property_list). */
const char *
cmrp_property_list_summary(tvbuff_t *tvb, int offset, wmem_allocator_t *scope)
{
    wmem_strbuf_t *sb;
    uint32_t count;
    unsigned shown = 0;
    int off = offset + 4;

    if (tvb_captured_length_remaining(tvb, offset) < 4)
        return NULL;
    count = tvb_get_letohl(tvb, offset);
    sb = wmem_strbuf_new(scope, "");
    wmem_strbuf_append_printf(sb, "%u propert%s", count, count == 1 ? "y" : "ies");
    for (uint32_t i = 0; i < count && shown < 3; i++) {
        uint32_t syntax, size;
        if (tvb_captured_length_remaining(tvb, off) < 8)
            break;
        syntax = tvb_get_letohl(tvb, off);
        size = tvb_get_letohl(tvb, off + 4);
        if (syntax != CMRP_CLUSPROP_SYNTAX_NAME || size > (uint32_t)tvb_captured_length_remaining(tvb, off + 8))
            break;
        wmem_strbuf_append_printf(sb, "%s%s", shown ? ", " : ": ",
                                  (const char *)tvb_get_string_enc(scope, tvb, off + 8, (int)size,
                                                                   ENC_UTF_16 | ENC_LITTLE_ENDIAN));
        shown++;
        off += 8 + (int)((size + 3u) & ~3u);
        /* skip the value list up to its ENDMARK */
        for (;;) {
            if (tvb_captured_length_remaining(tvb, off) < 4)
                return wmem_strbuf_get_str(sb);
            syntax = tvb_get_letohl(tvb, off);
            if (syntax == CMRP_CLUSPROP_SYNTAX_ENDMARK) {
                off += 4;
                break;
            }
            if (tvb_captured_length_remaining(tvb, off) < 8)
                return wmem_strbuf_get_str(sb);
            size = tvb_get_letohl(tvb, off + 4);
            if (size > (uint32_t)tvb_captured_length_remaining(tvb, off + 8))
                return wmem_strbuf_get_str(sb);
            off += 8 + (int)((size + 3u) & ~3u);
        }
    }
    if (shown && shown < count)
        wmem_strbuf_append(sb, ", ...");
    return wmem_strbuf_get_str(sb);
}
