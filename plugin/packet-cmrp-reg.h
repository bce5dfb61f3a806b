/* packet-cmrp-reg.h - ClusAPI (MS-CMRP) cluster registry value data and batch updates.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PACKET_CMRP_REG_H
#define PACKET_CMRP_REG_H

#include <stdbool.h>
#include <stdint.h>
#include <epan/packet.h>
#include "cmrp-hooks.h"

/* Registers the cmrp.reg.* and cmrp.batch.* fields, subtrees and expert infos (idl/reg.cnf
 * "MODULE reg"). */
void cmrp_register_reg(int proto);

/* Registry value data of `len` bytes at `offset`, decoded by its registry type (REG_SZ,
 * REG_EXPAND_SZ, REG_LINK, REG_MULTI_SZ, REG_DWORD, REG_DWORD_BIG_ENDIAN, REG_QWORD, REG_BINARY;
 * other types as bytes). `exact`: the length is the data's own (a request, a batch command), so a
 * DWORD of 5 bytes is malformed; otherwise the data sits in an output buffer and bytes after it are
 * unused space. Returns a short display of the value (packet scope). */
const char *cmrp_reg_dissect_data(tvbuff_t *tvb, int offset, int len, uint32_t type, bool exact,
                                  packet_info *pinfo, proto_tree *tree);

/* Buffer hook on lpData of ApiSetValue, ApiQueryValue and ApiEnumValue (MS-CMRP 3.1.4.2.33, 35,
 * 37): typed by dwType / lpValueType / lpType. */
void cmrp_hook_reg_value(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx);

/* Buffer hook on the CLUSTER_REG_BATCH_UPDATE buffers (2.2.3.17) of ApiExecuteBatch,
 * ApiExecuteReadBatch, ApiExecuteReadBatchEx and ApiGetBatchNotification. */
void cmrp_hook_reg_batch(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx);

#endif
