/* cmrp-handles.h — the objects a capture names, and the context handles that refer to them. */
#ifndef CMRP_HANDLES_H
#define CMRP_HANDLES_H

#include "cmrp-ndr.h"

void cmrp_handles_register(int proto);

/* Add the item for the 20-byte context handle at tvb/off, with its object name and the frames
 * that opened and closed it; on the first pass, record opens. In a request, an [in] handle is
 * remembered in hctx->scratch as one of the objects the call names. */
void cmrp_handle_item(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb, int off,
                      const cmrp_method_t *m, cmrp_hook_ctx_t *hctx, const cmrp_elem_t *e,
                      cmrp_stub_summary_t *sum);

/* An [in] string that names an object (cmrp.cnf OBJECT line): adds the generated
 * cmrp.object_name under `ti` (the string's item) and, on the first pass, remembers the object. */
void cmrp_object_string(packet_info *pinfo, proto_item *ti, tvbuff_t *tvb, const cmrp_elem_t *e,
                        cmrp_hook_ctx_t *hctx, cmrp_stub_summary_t *sum, int param,
                        const char *name);

/* Pack the request's scratch into its stored call (file scope, first pass). */
cmrp_call_t *cmrp_call_pack(const cmrp_call_scratch_t *s, uint32_t opnum, uint32_t frame);

/* The object parameter `param` of a stored call, or NULL. */
struct cmrp_obj *cmrp_call_obj(const cmrp_call_t *call, unsigned param);
/* The [in] scalar parameter `param` of a stored call. */
bool cmrp_call_val(const cmrp_call_t *call, unsigned param, uint64_t *value);

/* A response: its request's objects as generated items (cmrp.object_name with type and role). */
void cmrp_call_context_objects(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb,
                               const cmrp_method_t *m, const cmrp_call_t *call);

/* Name of the object at `frame` (NULL for no object). */
const char *cmrp_obj_name(const struct cmrp_obj *o, uint32_t frame);
/* Name of the call's subject (its object parameter without a role) at the request frame. */
const char *cmrp_call_subject(const cmrp_method_t *m, const cmrp_call_t *call);

/* First pass, on a successful response: closes, renames and deletes take effect; an opened
 * handle's object is the one the request named. `outcome` is the call's cmrp.rc. */
void cmrp_call_effects(packet_info *pinfo, const cmrp_method_t *m, const cmrp_call_t *call,
                       uint32_t outcome);

#endif
