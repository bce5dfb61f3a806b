/* cmrp-layout.c - the interpreter of fixed structure layouts (cmrp-layout.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>
#include <stdint.h>

#include <epan/packet.h>
#include <epan/expert.h>
#include "cmrp-compat.h"

#include "cmrp-layout.h"

/* The summary text of one integer field: its value_string name, or the number as it displays. */
static const char *
uint_summary(packet_info *pinfo, int hf, uint64_t v, int length)
{
    header_field_info *hfi = proto_registrar_get_nth(hf);

    if (hfi->strings != NULL && hfi->type != FT_BOOLEAN && FIELD_DISPLAY(hfi->display) != BASE_CUSTOM &&
        !(hfi->display & (BASE_RANGE_STRING | BASE_EXT_STRING | BASE_VAL64_STRING)))
        return val_to_str(pinfo->pool, (uint32_t)v, (const value_string *)hfi->strings, "%u");
    if (FIELD_DISPLAY(hfi->display) == BASE_HEX || FIELD_DISPLAY(hfi->display) == BASE_HEX_DEC)
        return wmem_strdup_printf(pinfo->pool, "0x%0*" PRIx64, 2 * length, v);
    return wmem_strdup_printf(pinfo->pool, "%" PRIu64, v);
}

const char *
cmrp_drive_letters(packet_info *pinfo, uint32_t mask)
{
    wmem_strbuf_t *sb = wmem_strbuf_new(pinfo->pool, "");
    int i;

    for (i = 0; i < 26; i++) {
        if (mask & (1u << i))
            wmem_strbuf_append_printf(sb, "%s%c:", wmem_strbuf_get_len(sb) ? " " : "", 'A' + i);
    }
    return wmem_strbuf_get_len(sb) ? wmem_strbuf_get_str(sb) : "none";
}

const cmrp_layout_field_t *
cmrp_layout_field(const cmrp_layout_t *layout, const int *hf)
{
    const cmrp_layout_field_t *f;

    for (f = layout->fields; f->hf != NULL; f++) {
        if (f->hf == hf)
            return f;
    }
    return NULL;
}

const char *
cmrp_dissect_layout(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree,
                    const cmrp_layout_t *layout, expert_field *ei_unterminated)
{
    wmem_strbuf_t *sb = wmem_strbuf_new(pinfo->pool, "");
    const char *sep = layout->sep ? layout->sep : ", ";
    const cmrp_layout_field_t *f;
    bool first = true;

    for (f = layout->fields; f->hf != NULL; f++) {
        int o = offset + f->offset;
        const char *s = NULL;

        if ((unsigned)f->offset + f->length > layout->size)
            continue;   /* a table bug: never read past the structure */

        switch ((cmrp_lf_kind_t)f->kind) {
        case CMRP_LF_UINT: {
            uint64_t v;
            if (f->length == 8) {
                proto_tree_add_item_ret_uint64(tree, *f->hf, tvb, o, 8, ENC_LITTLE_ENDIAN, &v);
            } else {
                guint32 v32;
                proto_tree_add_item_ret_uint(tree, *f->hf, tvb, o, f->length, ENC_LITTLE_ENDIAN, &v32);
                v = v32;
            }
            if (f->flags & CMRP_LF_SUMMARY)
                s = uint_summary(pinfo, *f->hf, v, f->length);
            break;
        }
        case CMRP_LF_BITMASK:
            proto_tree_add_bitmask(tree, tvb, o, *f->hf, *f->ett, f->bits, ENC_LITTLE_ENDIAN);
            if (f->flags & CMRP_LF_SUMMARY)
                s = wmem_strdup_printf(pinfo->pool, "0x%0*x", 2 * f->length,
                                       f->length == 4 ? tvb_get_letohl(tvb, o) :
                                       f->length == 2 ? tvb_get_letohs(tvb, o) : tvb_get_uint8(tvb, o));
            break;
        case CMRP_LF_UTF16Z:
            cmrp_add_utf16z(tree, *f->hf, tvb, o, f->length, pinfo, ei_unterminated, &s);
            break;
        case CMRP_LF_DRIVEMASK: {
            guint32 mask;
            proto_item *pi = proto_tree_add_item_ret_uint(tree, *f->hf, tvb, o, 4, ENC_LITTLE_ENDIAN, &mask);
            proto_item_append_text(pi, " (%s)", cmrp_drive_letters(pinfo, mask));
            break;
        }
        case CMRP_LF_GUID:
            proto_tree_add_item(tree, *f->hf, tvb, o, 16, ENC_LITTLE_ENDIAN);
            break;
        case CMRP_LF_BYTES:
        default:
            proto_tree_add_item(tree, *f->hf, tvb, o, f->length, ENC_NA);
            break;
        }
        if ((f->flags & CMRP_LF_SUMMARY) && s != NULL) {
            wmem_strbuf_append_printf(sb, "%s%s", first ? "" : sep, s);
            first = false;
        }
    }
    return wmem_strbuf_get_str(sb);
}
