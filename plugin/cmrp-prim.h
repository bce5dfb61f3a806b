/* cmrp-prim.h - bounded buffer primitives of the custom-marshaled formats.
 *
 * UTF-16 strings in a fixed buffer, MULTI_SZ lists, and the self-relative SECURITY_DESCRIPTOR
 * (MS-DTYP 2.4.6) with its SIDs and ACLs. Every format module (property lists, control buffers,
 * notifications, registry, RPC_SECURITY_DESCRIPTOR) takes these from here, not from a sibling.
 * Also here: the fields and expert infos every bounded reader reports with (cmrp.prop.binary,
 * cmrp.prop.truncated, .too_deep, .size_overrun, .count_overrun; their names predate this module).
 *
 * Primitive layer: uses Wireshark and the generated tables (cmrp-gen.h) only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CMRP_PRIM_H
#define CMRP_PRIM_H

#include <stdbool.h>
#include <stdint.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include "cmrp-utf16.h" /* cmrp_utf16_str(), cmrp_utf16_nul(), cmrp_add_utf16_string(): shared with the NDR walker */

/* Registered by cmrp_register_prim() (MODULE prim in idl/cmrp.cnf), used by the format modules. */
extern int cmrp_hf_binary;                      /* cmrp.prop.binary: bytes shown as they are */
extern expert_field cmrp_ei_truncated;          /* an entry cut short by the end of the buffer */
extern expert_field cmrp_ei_too_deep;           /* nesting deeper than CMRP_MAX_DEPTH */
extern expert_field cmrp_ei_size_overrun;       /* a size field overruns the buffer */
extern expert_field cmrp_ei_count_overrun;      /* a count larger than the buffer can hold */

void cmrp_register_prim(int proto);

/* `v` in decimal, '-' first when `neg`, written at the end of `buf`; returns its start (what
 * "%" PRIu64, or "-%" PRIu64, prints), for texts built without printf. */
#define CMRP_DEC_LEN 24
char *cmrp_dec(char buf[CMRP_DEC_LEN], uint64_t v, bool neg);

/* A UTF-16LE string field of exactly `len` bytes (FT_STRING hf). Adds expert info `ei` if it has no
 * NUL character. Returns the item; *str (optional) receives the string (packet scope). */
proto_item *cmrp_add_utf16z(proto_tree *tree, int hf, tvbuff_t *tvb, int offset, int len,
                            packet_info *pinfo, expert_field *ei, const char **str);

/* A MULTI_SZ of `len` bytes: each string as an `hf` item, up to the empty string that ends it.
 * Adds `ei` if the list is not terminated. Returns the number of strings; *summary (optional)
 * receives "a, b, c" (packet scope). */
unsigned cmrp_add_multi_sz(proto_tree *tree, int hf, tvbuff_t *tvb, int offset, int len,
                           packet_info *pinfo, expert_field *ei, const char **summary);

/* A self-relative SECURITY_DESCRIPTOR (MS-DTYP 2.4.6) of `len` bytes at `offset`. Returns offset+len.
 * `depth` is the nesting depth so far (CMRP_MAX_DEPTH bounds it). */
int cmrp_dissect_security_descriptor(tvbuff_t *tvb, int offset, int len, packet_info *pinfo,
                                     proto_tree *tree, unsigned depth);

#endif
