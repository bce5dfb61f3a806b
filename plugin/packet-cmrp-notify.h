/* packet-cmrp-notify.h - ClusAPI (MS-CMRP) notifications (version 1 and 2) and enumerations.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PACKET_CMRP_NOTIFY_H
#define PACKET_CMRP_NOTIFY_H

#include <stdint.h>
#include <epan/packet.h>
#include "cmrp-hooks.h"

/* Registers the cmrp.notify.* and enumeration fields, subtrees and expert infos (idl/notify.cnf
 * "MODULE notify"), and the file-scoped notification key map. */
void cmrp_register_notify(int proto);

/* ---- Version 2 notifications (MS-CMRP 3.1.4.2.136-138, 3.1.4.2.144) ---- */

/* Scalar hook on NOTIFY_FILTER_AND_TYPE_RPC.FilterFlags and ApiAddNotifyResourceTypeV2.filter:
 * the flag set of the object type (2.2.2.12-2.2.2.26) as a bitmask in ApiAddNotifyV2 and
 * ApiAddNotifyResourceTypeV2; in ApiGetNotifyV2 the one flag of the notification (cmrp.notify.filter)
 * and the frame that registered its key (cmrp.notify.registered_in). */
void cmrp_hook_notify_filter_flags(tvbuff_t *tvb, int offset, int length, proto_tree *tree,
                                   cmrp_hook_ctx_t *ctx, uint64_t value);

/* Buffer hook on NOTIFICATION_DATA_RPC.buffer: the payload by object type and flag (3.1.4.2.138). */
void cmrp_hook_notify_v2_payload(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx);

/* ---- Both versions ---- */

/* Scalar hook on every dwNotifyKey but NOTIFICATION_RPC's: cmrp.notify.key; in ApiGetNotify and
 * ApiGetNotifyAsync responses also cmrp.notify.registered_in. */
void cmrp_hook_notify_key(tvbuff_t *tvb, int offset, int length, proto_tree *tree,
                          cmrp_hook_ctx_t *ctx, uint64_t value);

/* Scalar hook on the return value of ApiAddNotify* / ApiReAddNotify*: adds cmrp.rc and, on the
 * first pass and on success, records (notification port, dwNotifyKey) -> this call. */
void cmrp_hook_notify_register(tvbuff_t *tvb, int offset, int length, proto_tree *tree,
                               cmrp_hook_ctx_t *ctx, uint64_t value);

/* Scalar hook on the version 1 filters (dwFilter, ApiAddNotifyKey.Filter,
 * NOTIFICATION_DATA_ASYNC_RPC.dwFilter): the CLUSTER_CHANGE bitmask (2.2.2.7). */
void cmrp_hook_notify_change(tvbuff_t *tvb, int offset, int length, proto_tree *tree,
                             cmrp_hook_ctx_t *ctx, uint64_t value);

/* Buffer hook on the Name of NOTIFICATION_DATA_RPC, NOTIFICATION_DATA_ASYNC_RPC and ApiGetNotify: ends
 * one notification; its event (object, filter, key payload value) becomes the notification's tree
 * text and, while there is room, part of the Info column ("3 events: Resource "Disk 1" state Online, ..."). */
void cmrp_hook_notify_event_name(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx);

/* The filter name of every notification event of this response (for the statistics); valid while
 * the packet is dissected and tapped. Returns the count. */
unsigned cmrp_notify_event_types(packet_info *pinfo, const char *const **names);

/* ---- Enumerations ---- */

/* Scalar hook on ENUM_ENTRY.Type: named by the enumeration of the method that returned it (2.2.3.4). */
void cmrp_hook_enum_entry_type(tvbuff_t *tvb, int offset, int length, proto_tree *tree,
                               cmrp_hook_ctx_t *ctx, uint64_t value);

/* Buffer hook on pProperties / pRoProperties of ApiCreateGroupEnum and ApiCreateResourceEnum:
 * a MULTI_SZ of property names (3.1.4.2.139, 3.1.4.2.140). */
void cmrp_hook_enum_property_names(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx);

#endif
