/* packet-cmrp-ctl.h - ClusAPI (MS-CMRP) control codes: hooks for the 16 control methods.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PACKET_CMRP_CTL_H
#define PACKET_CMRP_CTL_H

#include <stdint.h>
#include "cmrp-compat.h"
#include <epan/packet.h>
#include "cmrp-hooks.h"

/* Registers the cmrp.ctl.* fields, subtrees and expert infos under `proto` (from proto_register). */
void cmrp_register_ctl(int proto);

/* Scalar hook on dwControlCode of the control methods (opnums 72-79, 88, 89, 97, 98, 105, 106, 173,
 * 174): cmrp.ctl.code with its components, the code name in the Info column, expert infos. */
void cmrp_hook_ctl_code(tvbuff_t *tvb, int offset, int length, proto_tree *tree, cmrp_hook_ctx_t *ctx,
                        uint64_t value);

/* Buffer hooks on lpInBuffer / lpOutBuffer: decode the buffer by the request's control code. */
void cmrp_hook_ctl_in(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx);
void cmrp_hook_ctl_out(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx);

/* Scalar hook on lpBytesReturned: cmrp.ctl.bytes_returned, checked against nOutBufferSize. */
void cmrp_hook_ctl_bytes_returned(tvbuff_t *tvb, int offset, int length, proto_tree *tree,
                                  cmrp_hook_ctx_t *ctx, uint64_t value);

/* A response's request context: the request's control code as a generated cmrp.ctl.code item
 * (name and components as on the request). NULL if the stub is shorter than 4 bytes. */
proto_item *cmrp_ctl_code_context(proto_tree *tree, tvbuff_t *tvb, int offset, uint32_t code);

/* ---- Shared with the generated table (idl/gen/gen_ctl_table.py from idl/tables/ctlcodes.tsv) ---- */

/* Buffer formats; ctlcodes.tsv names them without the CMRP_FMT_ prefix. */
typedef enum {
    CMRP_FMT_UNKNOWN = 0,           /* not documented: shown as bytes */
    CMRP_FMT_NONE,                  /* no data */
    CMRP_FMT_IGNORED,               /* the server ignores the buffer */
    CMRP_FMT_INTERNAL,              /* internal code: not a client request; shown as bytes */
    CMRP_FMT_PROPLIST,              /* PROPERTY_LIST (2.2.3.10) */
    CMRP_FMT_PROPFMTLIST,           /* PROPERTY_LIST of CLUSTER_PROPERTY_FORMAT words (3.1.4.3.1.14) */
    CMRP_FMT_VALUELIST,             /* value list(s), ENDMARK-terminated */
    CMRP_FMT_CSV_VOLUME_LIST,       /* value list of BINARY values holding CLUS_CSV_VOLUME_INFO */
    CMRP_FMT_MULTI_SZ,              /* MULTI_SZ string list */
    CMRP_FMT_SZ,                    /* null-terminated UTF-16 string */
    CMRP_FMT_DWORD,                 /* 32-bit integer */
    CMRP_FMT_DWORD_CHARACTERISTICS, /* CLUS_CHARACTERISTICS (2.2.2.4) */
    CMRP_FMT_DWORD_FLAGS,           /* CLUS_FLAGS (2.2.2.5) */
    CMRP_FMT_DWORD_QUORUM,          /* CLUSTER_QUORUM_VALUE (2.2.2.10) */
    CMRP_FMT_DWORD_DRIVEMASK,       /* drive-letter bitmask, bit 0 = A: */
    CMRP_FMT_DWORD_ARRAY,           /* array of 32-bit integers */
    CMRP_FMT_DWORD_AD_STATE,        /* NETNAME_CHECK_AD_STATE_FLAGS (3.1.4.3.1.59) */
    CMRP_FMT_RESCLASS_INFO,         /* CLUS_RESOURCE_CLASS_INFO (2.2.3.7) */
    CMRP_FMT_NETNAME_PWD_INFO,      /* CLUS_NETNAME_PWD_INFO (2.2.3.13) */
    CMRP_FMT_MAINT_MODE_INFO,       /* CLUS_MAINTENANCE_MODE_INFO(_EX) (2.2.3.14/15), by size */
    CMRP_FMT_STORAGE_SET_DRIVELETTER,   /* CLUS_STORAGE_SET_DRIVELETTER (2.2.3.16) */
    CMRP_FMT_STORAGE_REMAP_DRIVELETTER, /* CLUS_STORAGE_REMAP_DRIVELETTER (2.2.3.12) */
    CMRP_FMT_CSV_MAINT_MODE_INFO,   /* CLUS_CSV_MAINTENANCE_MODE_INFO (2.2.3.19) */
    CMRP_FMT_SV_BACKUP_MODE,        /* CLUS_SHARED_VOLUME_BACKUP_MODE (2.2.3.20) */
    CMRP_FMT_POOL_DRIVE_INFO,       /* CLUS_POOL_DRIVE_INFO (2.2.3.31) */
    CMRP_FMT_DISKID,                /* CLUSDSK_DISKID (2.2.3.33) */
    CMRP_FMT_NETNAME_OU_INPUT,      /* ..._CHECK_OU_PERMISSIONS_INPUT (2.2.3.34) */
    CMRP_FMT_NETNAME_OU_OUTPUT,     /* ..._CHECK_OU_PERMISSIONS_OUTPUT (2.2.3.35) */
    CMRP_FMT_SR_QUERY_LOGDISKS,     /* SR_RESOURCE_TYPE_QUERY_ELIGIBLE_LOGDISKS (2.2.3.36) */
    CMRP_FMT_SR_ELIGIBLE_DISKS_RESULT,  /* SR_RESOURCE_TYPE_ELIGIBLE_DISKS_RESULT (2.2.3.37) */
    CMRP_FMT_SR_QUERY_TARGET_DATADISKS, /* SR_RESOURCE_TYPE_QUERY_ELIGIBLE_TARGET_DATADISKS (2.2.3.38) */
    CMRP_FMT_SR_QUERY_SOURCE_DATADISKS, /* SR_RESOURCE_TYPE_QUERY_ELIGIBLE_SOURCE_DATADISKS (2.2.3.39) */
    CMRP_FMT_SR_REPLICATED_DISKS_RESULT, /* SR_RESOURCE_TYPE_REPLICATED_DISKS_RESULT (2.2.3.41) */
    CMRP_FMT_OS_VERSION_INFO,       /* OS_AND_OS_VERSION_INFO (2.2.3.43) */
    CMRP_FMT_DISK_NUMBER_INFO,      /* CLUS_DISK_NUMBER_INFO (2.2.3.44) */
    CMRP_FMT_STATE_CHANGE_REASON,   /* CLUSCTL_RESOURCE_STATE_CHANGE_REASON_STRUCT (SDK) */
    CMRP_FMT_GROUP_FAILURE_INFO,    /* CLUSTER_GROUP_FAILURE_INFO_BUFFER (SDK) */
    CMRP_FMT_COUNT
} cmrp_ctl_fmt_t;

typedef struct {
    uint32_t code;
    uint8_t object;     /* CLUS_OBJECT_* of the method family the code belongs to */
    uint8_t in_fmt;     /* cmrp_ctl_fmt_t */
    uint8_t out_fmt;    /* cmrp_ctl_fmt_t */
} cmrp_ctl_entry_t;

/* Defined by the generated file. */
extern value_string_ext cmrp_ctl_code_vals_ext;
extern const cmrp_ctl_entry_t cmrp_ctl_table[];
extern const unsigned cmrp_ctl_table_count;

#endif
