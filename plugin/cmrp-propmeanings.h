/* cmrp-propmeanings.h — the meanings of common property values (idl/tables/propmeanings.tsv,
 * generated into cmrp-propmeanings.c by idl/gen/gen_propmeanings.py).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CMRP_PROPMEANINGS_H
#define CMRP_PROPMEANINGS_H

#include <stdint.h>
#include <epan/packet.h>
#include "cmrp-compat.h"

/* What a DWORD value means */
enum cmrp_pm_kind {
    CMRP_PM_ENUM,       /* one of `vals` */
    CMRP_PM_BITS,       /* a bit mask: `vals` names the bits, `bits` are their fields */
    CMRP_PM_VERSION,    /* high 16 bits version number, low 16 bits build number */
    CMRP_PM_MS,         /* a duration in milliseconds */
    CMRP_PM_S,          /* ... seconds */
    CMRP_PM_MIN,        /* ... minutes */
    CMRP_PM_H,          /* ... hours */
    CMRP_PM_HOUR,       /* an hour of the day (0-23), 0xFFFFFFFF: none */
    CMRP_PM_ERROR       /* a Win32 error code */
};

typedef struct cmrp_propmeaning {
    uint8_t object;             /* CLUS_OBJECT_* (1 resource ... 8 group set) */
    uint8_t kind;               /* enum cmrp_pm_kind */
    const char *name;           /* property name */
    const value_string *vals;   /* ENUM, BITS */
    int * const *bits;          /* BITS: FT_BOOLEAN fields, NULL-terminated */
    int *hf_mask;               /* BITS: the mask's field */
    gint *ett;                  /* BITS: its subtree */
} cmrp_propmeaning_t;

extern const cmrp_propmeaning_t cmrp_propmeanings[];
extern const unsigned cmrp_n_propmeanings;

/* The meaning of property `name` (any case) of an object of type `object`, or NULL. */
const cmrp_propmeaning_t *cmrp_propmeaning_find(unsigned object, const char *name);

/* Registers the bit-mask fields (cmrp.prop.bits.*) under `proto`. */
void cmrp_propmeanings_register(int proto);

#endif
