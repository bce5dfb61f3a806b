/* cmrp-utf16.h - UTF-16 strings as Wireshark converts them, without its per-character cost.
 *
 * Used by the NDR walker ([string]s, cmrp-ndr.c) and by the bounded buffer primitives (property
 * names and values, cmrp-prim.c): the lowest layer, it includes Wireshark only. get_utf_16_string
 * appends one character at a time (wmem_strbuf_append_unichar); nearly every string on the wire
 * is ASCII, which is copied here byte by byte.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CMRP_UTF16_H
#define CMRP_UTF16_H

#include <epan/packet.h>

/* Offset from `offset` of the first UTF-16LE NUL character among `len` bytes, or -1. Reads the
 * captured bytes in chunks of at most 512; past them tvb_get_letohs() throws as it always did,
 * at the same character. */
int cmrp_utf16_nul(tvbuff_t *tvb, int offset, int len);

/* The UTF-16 string of `len` bytes at `offset` (`enc`: ENC_LITTLE_ENDIAN or ENC_BIG_ENDIAN), as
 * tvb_get_string_enc(scope, tvb, offset, len, ENC_UTF_16 | enc) returns it: the same C string
 * (what follows an embedded NUL character is not kept: no reader of the C string sees it) and
 * the same exception for bytes not captured. Fast when every character before the first NUL is
 * in U+0001..U+007F; anything else (other characters, surrogates, an odd last byte, a negative
 * offset or length, bytes not captured, any other encoding flag) goes through
 * tvb_get_string_enc(). Reads the captured bytes in chunks of at most 512; allocates at most
 * len/2 + 1 bytes of `scope`. */
const char *cmrp_utf16_str(wmem_allocator_t *scope, tvbuff_t *tvb, int offset, int len, unsigned enc);

/* What proto_tree_add_item_ret_string(tree, hf, tvb, offset, len, ENC_UTF_16 | enc, scope, str)
 * adds and returns: the same item (value, range, byte-order flag) and the same *str, through
 * cmrp_utf16_str() for an FT_STRING hf. `str` NULL: proto_tree_add_item(tree, hf, tvb, offset,
 * len, ENC_UTF_16 | enc), which converts nothing without a visible tree. *nul (optional): the
 * offset of the first NUL character from `offset` as cmrp_utf16_nul() finds it, or -1, when the
 * conversion learnt it; -2 when it did not. */
proto_item *cmrp_add_utf16_string(proto_tree *tree, int hf, tvbuff_t *tvb, int offset, int len,
                                  unsigned enc, wmem_allocator_t *scope, const char **str, int *nul);

#endif
