/* cmrp-handles.h — context handles named by the object they refer to. */
#ifndef CMRP_HANDLES_H
#define CMRP_HANDLES_H

#include "cmrp-ndr.h"

void cmrp_handles_register(int proto);

/* Add the item for the 20-byte context handle at tvb/off, with its object name and the frames
 * that opened and closed it; on the first pass, record opens. */
void cmrp_handle_item(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb, int off,
                      const cmrp_method_t *m, cmrp_hook_ctx_t *hctx, const cmrp_elem_t *e,
                      cmrp_stub_summary_t *sum);

/* First pass only: the handle is closed in `frame`. */
void cmrp_handle_close(const uint8_t *handle, uint32_t frame);

#endif
