/* packet-cmrp-proplist.h - MS-CMRP PROPERTY_LIST (2.2.3.10), value lists and the values in them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PACKET_CMRP_PROPLIST_H
#define PACKET_CMRP_PROPLIST_H

#include <stdint.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include "cmrp-hooks.h"

/* Registers the cmrp.prop.* (and cmrp.sd.*, cmrp.partition.*, cmrp.csv.*, cmrp.scsi.*) fields,
 * subtrees and expert infos under `proto`. Call once from proto_register. */
void cmrp_register_proplist(int proto);

/* Dissects the PROPERTY_LIST that starts at `offset` of `tvb` (which may hold more data after it)
 * and returns the offset after the list, including an optional trailing list CLUSPROP_SYNTAX_ENDMARK.
 * `depth` is the nesting depth so far (CMRP_MAX_DEPTH bounds it). Never reads past the tvb;
 * malformed lists are decoded as far as the bytes allow, with expert infos. */
int cmrp_dissect_property_list(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree,
                               unsigned depth);

/* Info summary of the PROPERTY_LIST at `offset`: "N properties: A, B, C, ..." (scope memory);
 * NULL if not even its count is there. Adds no items. */
const char *cmrp_property_list_summary(tvbuff_t *tvb, int offset, wmem_allocator_t *scope);

/* Buffer hook: the buffer is one PROPERTY_LIST. */
void cmrp_hook_proplist(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx);

/* ---- Helpers shared with the other hand-written decoders ---- */

/* Flags for the _ex variants. */
#define CMRP_PL_FORMAT_LIST     0x1u  /* LIST_VALUE_WORD values are CLUSTER_PROPERTY_FORMAT (3.1.4.3.1.14) */
#define CMRP_PL_CSV_VOLUME_INFO 0x2u  /* LIST_VALUE_BINARY values are CLUS_CSV_VOLUME_INFO (2.2.3.18) */

/* The type of object a list's properties belong to, in the flags (bits 8-15): a CLUSTER_CONTROL_OBJECT
 * value (CMRP_CLUS_OBJECT_* of cmrp-gen.h, the object byte of control codes). Set for lists of
 * common properties only: their values are then shown with their meaning
 * (idl/tables/propmeanings.tsv). */
#define CMRP_PL_OBJECT(o)       (((unsigned)(o) & 0xffu) << 8)
#define CMRP_PL_OBJECT_OF(f)    (((unsigned)(f) >> 8) & 0xffu)

/* CMRP_PL_OBJECT(object) for a control code that carries common properties (CLCTL_*_COMMON_PROPERTIES
 * of any object), else 0. */
unsigned cmrp_pl_flags_for_ctl(uint32_t code);

int cmrp_dissect_property_list_ex(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree,
                                  unsigned depth, unsigned flags);

/* One value list: values (syntax, size, data, padding) up to and including CLUSPROP_SYNTAX_ENDMARK.
 * Returns the offset after it (the end of the tvb if the ENDMARK is missing). */
int cmrp_dissect_value_list(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree,
                            unsigned depth, unsigned flags);

#endif
