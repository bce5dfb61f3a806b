/* packet-cmrp-sd.c — RPC_SECURITY_DESCRIPTOR.lpSecurityDescriptor as a security descriptor.
 *
 * ApiCreateKey, ApiSetKeySecurity and ApiGetKeySecurity carry a self-relative SECURITY_DESCRIPTOR
 * (MS-DTYP 2.4.6) in the byte array of an RPC_SECURITY_DESCRIPTOR (MS-CMRP 2.2.3.1). The decoder
 * itself is the primitive of cmrp-prim.c, shared with the property-list values.
 */
#include "config.h"

#include <epan/packet.h>

#include "cmrp-gen.h"
#include "cmrp-prim.h"

void
cmrp_hook_security_descriptor(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx)
{
    cmrp_dissect_security_descriptor(tvb, 0, (int)tvb_reported_length(tvb), ctx->pinfo, tree,
                                     ctx->depth);
}
