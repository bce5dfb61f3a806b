/* cmrp-utf16.c - UTF-16 strings as Wireshark converts them, without its per-character cost
 * (cmrp-utf16.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/packet.h>
#include "cmrp-utf16.h"

/* Captured bytes are read through one tvb_get_ptr() per chunk of at most this many (an even
 * number): bounded, so a tvb that must be flattened for it (a composite one) costs the chunk, not
 * the rest of the buffer, for each string. */
#define UTF16_CHUNK 512

/* The bytes of the next chunk when `left` remain: at most UTF16_CHUNK, whole characters */
static int
chunk_len(int left)
{
    return (left > UTF16_CHUNK ? UTF16_CHUNK : left) & ~1;
}

int
cmrp_utf16_nul(tvbuff_t *tvb, int offset, int len)
{
    int i = 0;
    while (i + 1 < len) {
        /* past the captured data tvb_get_letohs() throws at the same character as it always did */
        int avail = tvb_captured_length_remaining(tvb, offset + i);
        int chunk = chunk_len(len - i < avail ? len - i : avail);
        if (chunk < 2) {
            if (tvb_get_letohs(tvb, offset + i) == 0)
                return i;
            i += 2;
            continue;
        }
        const guint8 *p = tvb_get_ptr(tvb, offset + i, chunk);
        for (int j = 0; j < chunk; j += 2, i += 2)
            if (p[j] == 0 && p[j + 1] == 0)
                return i;
    }
    return -1;
}

/* The fast conversion of cmrp_utf16_str(): the string when every character before the first NUL
 * (or the end) is in U+0001..U+007F, else NULL (tvb_get_string_enc() must do it). Those characters
 * are their own UTF-8 bytes and a NUL ends the C string get_utf_16_string() builds: nothing after
 * it is seen by a reader of that string, so the result is the same C string. A character outside
 * that range, a surrogate, the replacement character an odd last byte would add, bytes not
 * captured (for the same exception), a negative offset or length, a charset other than UTF-16:
 * NULL. *nul receives the offset of the first NUL character from `offset` (-1: none), as
 * cmrp_utf16_nul() gives it, when the string is returned. */
static const char *
utf16_ascii(wmem_allocator_t *scope, tvbuff_t *tvb, int offset, int len, unsigned enc, int *nul)
{
    char *out;
    int i = 0, n = 0;
    int lo = (enc & ENC_LITTLE_ENDIAN) ? 0 : 1;     /* tvb_get_string_enc(): LE iff this bit */

    *nul = -1;
    /* plain UTF-16 in either byte order (no ENC_BOM or other flag the newer releases honour) */
    if ((enc & ~(unsigned)ENC_UTF_16) != ENC_LITTLE_ENDIAN && (enc & ~(unsigned)ENC_UTF_16) != ENC_BIG_ENDIAN)
        return NULL;
    if (len == 0) {
        /* tvb_get_string_enc() gives "" for 0 bytes wherever they are, and never throws */
        out = (char *)wmem_alloc(scope, 1);
        out[0] = '\0';
        return out;
    }
    if (offset < 0 || len < 0 || tvb_captured_length_remaining(tvb, offset) < len)
        return NULL;
    out = (char *)wmem_alloc(scope, (size_t)len / 2 + 1);
    while (i + 1 < len) {
        /* the captured bytes (all there: checked above) through one pointer per chunk */
        int chunk = chunk_len(len - i);
        const guint8 *p = tvb_get_ptr(tvb, offset + i, chunk);
        for (int j = 0; j < chunk; j += 2) {
            guint8 c = p[j + lo];
            if (p[j + 1 - lo] != 0 || c >= 0x80) {
                wmem_free(scope, out);
                return NULL;
            }
            if (c == 0) {
                out[n] = '\0';
                *nul = i + j;
                return out;
            }
            out[n++] = (char)c;
        }
        i += chunk;
    }
    if (i < len) {
        /* an odd last byte: get_utf_16_string() appends U+FFFD */
        wmem_free(scope, out);
        return NULL;
    }
    out[n] = '\0';
    return out;
}

const char *
cmrp_utf16_str(wmem_allocator_t *scope, tvbuff_t *tvb, int offset, int len, unsigned enc)
{
    int nul;
    const char *s = utf16_ascii(scope, tvb, offset, len, enc, &nul);

    return s ? s : (const char *)tvb_get_string_enc(scope, tvb, offset, len, ENC_UTF_16 | enc);
}

proto_item *
cmrp_add_utf16_string(proto_tree *tree, int hf, tvbuff_t *tvb, int offset, int len, unsigned enc,
                      wmem_allocator_t *scope, const char **str, int *nul)
{
    const char *s;
    proto_item *pi;
    field_info *fi;
    int nul_at;

    if (nul == NULL)
        nul = &nul_at;
    *nul = -2;
    if (str == NULL) {
        /* proto_tree_add_item() converts only for a visible tree (or a referenced field, whose
         * items are not faked); a length of 0 goes to it too (it checks the offset then) */
        if (tree == NULL || !PTREE_DATA(tree)->visible || len <= 0 ||
            proto_registrar_get_ftype(hf) != FT_STRING)
            return proto_tree_add_item(tree, hf, tvb, offset, len, ENC_UTF_16 | enc);
    } else if (len < 0 || proto_registrar_get_ftype(hf) != FT_STRING) {
        const guint8 *v = NULL;
        pi = proto_tree_add_item_ret_string(tree, hf, tvb, offset, len, ENC_UTF_16 | enc, scope, &v);
        *str = (const char *)v;
        return pi;
    }
    s = utf16_ascii(scope, tvb, offset, len, enc, nul);
    if (s == NULL) {
        *nul = -2;
        s = (const char *)tvb_get_string_enc(scope, tvb, offset, len, ENC_UTF_16 | enc);
    }
    if (str)
        *str = s;
    if (tree == NULL)
        return NULL;
    /* the item proto_tree_add_item{,_ret_string}() add: the same value and range (the bytes are
     * there: the conversion read them), and their byte-order flag (a faked item is the parent:
     * its flags stay as they are) */
    pi = proto_tree_add_string(tree, hf, tvb, offset, len, s);
    fi = PITEM_FINFO(pi);
    if (fi && fi->hfinfo && fi->hfinfo->id == hf)
        FI_SET_FLAG(fi, (enc & ENC_LITTLE_ENDIAN) ? FI_LITTLE_ENDIAN : FI_BIG_ENDIAN);
    return pi;
}
