/* cmrp-layout.h - fixed structure layouts described as data, and the one interpreter that shows them.
 *
 * A custom-marshaled MS-CMRP structure of fixed size (CLUS_RESOURCE_CLASS_INFO, CLUS_SCSI_ADDRESS,
 * CLUS_PARTITION_INFO(_EX, _EX2), CLUS_CSV_VOLUME_INFO, ...) is a table of fields: field, offset,
 * length, kind. Every place that meets the structure hands the same table to cmrp_dissect_layout(),
 * so it is decoded the same way wherever it appears. Each table names the section that defines it.
 *
 * Primitive layer: uses Wireshark and cmrp-prim.h only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CMRP_LAYOUT_H
#define CMRP_LAYOUT_H

#include <stdint.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include "cmrp-prim.h"   /* cmrp_add_utf16z */

typedef enum {
    CMRP_LF_UINT,       /* little-endian unsigned integer, 1, 2, 4 or 8 bytes */
    CMRP_LF_BITMASK,    /* little-endian flags with their bit tree (ett, bits) */
    CMRP_LF_UTF16Z,     /* fixed-length buffer holding a NUL-terminated UTF-16LE string */
    CMRP_LF_GUID,       /* GUID (MS-DTYP 2.3.4.2), 16 bytes, little-endian */
    CMRP_LF_BYTES,      /* opaque bytes */
    CMRP_LF_DRIVEMASK   /* 32-bit drive-letter bitmask (bit 0 = A:), shown with its letters */
} cmrp_lf_kind_t;

/* cmrp_layout_field_t.flags */
#define CMRP_LF_SUMMARY 0x1u    /* the field's value is part of the structure's one-line summary
                                   (integers and strings) */

typedef struct {
    int *hf;                    /* NULL ends the table */
    uint16_t offset;
    uint16_t length;
    uint8_t kind;               /* cmrp_lf_kind_t */
    uint8_t flags;
    int *ett;                   /* CMRP_LF_BITMASK: subtree of the bits */
    int * const *bits;          /* CMRP_LF_BITMASK: the bit fields, NULL-terminated */
} cmrp_layout_field_t;

typedef struct {
    const char *name;           /* the structure's name, as its source spells it */
    const char *source;         /* where it is defined ("MS-CMRP 2.2.3.7", "SDK ClusAPI.h") */
    uint16_t size;              /* bytes on the wire */
    const char *sep;            /* separator of the summary fields (", " if NULL) */
    const cmrp_layout_field_t *fields;  /* in offset order; every field ends within `size` */
} cmrp_layout_t;

/* "C: E:" for a drive-letter bitmask (bit 0 = A:, bit 25 = Z:), "none" when no letter is set. */
const char *cmrp_drive_letters(packet_info *pinfo, uint32_t mask);

/* The row of `layout` that shows field `hf` (by its hf_ variable), or NULL. */
const cmrp_layout_field_t *cmrp_layout_field(const cmrp_layout_t *layout, const int *hf);

/* Adds every field of `layout` at `offset`. The caller has checked that layout->size bytes are
 * there. UTF-16 fields without a NUL get `ei_unterminated` (if not NULL). Returns the summary
 * built from the CMRP_LF_SUMMARY fields (packet scope; "" when there is none). */
const char *cmrp_dissect_layout(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree,
                                const cmrp_layout_t *layout, expert_field *ei_unterminated);

#endif
