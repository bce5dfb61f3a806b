/* cmrp-hooks.h — the contract between the NDR walker and the hand-written decoders.
 *
 * The walker does all NDR work (pointers, conformance, variance, alignment, NDR64) and hands a
 * hook only the bytes of one buffer, as a tvb subset of exactly the marshalled element count, or
 * one scalar. Hooks never see NDR framing and cannot read past their buffer.
 *
 * idl/cmrp.cnf names the hooks (HOOK lines); the generator declares every hook's function in
 * cmrp-gen.h, so a hook without a C function is a link error.
 */
#ifndef CMRP_HOOKS_H
#define CMRP_HOOKS_H

#include <stdbool.h>
#include <stdint.h>
#include <epan/packet.h>
#include <epan/expert.h>

#define CMRP_MAX_PARAMS 24

struct cmrp_obj;
struct cmrp_hinst;

/* The stored call: written once, at the end of the request's first pass, read again by its
 * response. Kept small (issue #14: file-scope memory per PDU): a 24-byte header followed, in the
 * same allocation, by the [in] scalar values (uint64_t, one per bit of val_have, in parameter
 * order) and the objects the request named (one pointer per bit of obj_have, in parameter order;
 * names live once in the object table of cmrp-handles.c). Read them with cmrp_call_val() and
 * cmrp_call_obj(). */
typedef struct cmrp_call {
    uint32_t req_frame;
    uint16_t opnum;
    uint8_t n_val;
    uint8_t n_obj;
    uint32_t val_have;                  /* bit i: [in] scalar parameter i was read */
    uint32_t obj_have;                  /* bit i: parameter i designates an object */
    struct cmrp_hinst *in_handle;       /* the request's first [in] context handle, or NULL */
} cmrp_call_t;

/* The request being read, before it is packed into its cmrp_call_t (stack, one PDU). */
typedef struct cmrp_call_scratch {
    uint64_t in_val[CMRP_MAX_PARAMS];
    uint32_t in_have;
    uint32_t obj_have;
    struct cmrp_obj *obj[CMRP_MAX_PARAMS];
    struct cmrp_hinst *in_handle;
} cmrp_call_scratch_t;

typedef struct cmrp_hook_ctx {
    packet_info *pinfo;
    uint32_t opnum;
    bool request;                       /* true in a request, false in a response */
    bool v2;                            /* ClusAPI 2.0 (connectionless, v2 signatures) */
    bool ndr64;
    unsigned drep_enc;                  /* ENC_LITTLE_ENDIAN or ENC_BIG_ENDIAN for integers */
    unsigned depth;                     /* nesting depth so far; hooks that recurse add to it */
    cmrp_call_t *call;                  /* never NULL; zeroed if the request was not seen */
    cmrp_call_scratch_t *scratch;       /* in a request: what it names so far; NULL in responses */
    /* scalar [out] values already read in this response, by parameter index */
    uint64_t out_val[CMRP_MAX_PARAMS];
    uint32_t out_have;
    /* the scalars of the structure that holds the hooked element (and of the structures
     * nested in it); read with cmrp_hook_member() */
    const struct cmrp_struct_frame *frame;
    /* In a response, the return value and the scalar [out] parameters that follow the last
     * variable-size one are read ahead from the end of the stub, so a hook on a buffer can see
     * them (lpcbRequired, the return value) before the walker reaches them. */
    bool have_ret;
    uint64_t ret_val;
    /* a scalar hook on the return value sets this to the item it added (expert info goes there) */
    proto_item *ret_item;
} cmrp_hook_ctx_t;

/* Value of the scalar parameter `name` of the current method: an [in] parameter from the request
 * (also in the response, through the stored call), or an [out] parameter already read (or read
 * ahead) in this response; "return" is the return value. Returns false if it is not known. */
bool cmrp_hook_param(const cmrp_hook_ctx_t *ctx, const char *name, uint64_t *value);

/* Value of the scalar member `name` of the structure that holds the hooked element, or of a
 * structure nested in it that was read before (e.g. from a buffer hook on
 * NOTIFICATION_DATA_RPC.buffer: "dwObjectType" and "FilterFlags" of its FilterAndType), or else
 * of an enclosing structure (NOTIFICATION_RPC.dwNotifyKey, from a hook inside its
 * NotificationData). */
bool cmrp_hook_member(const cmrp_hook_ctx_t *ctx, const char *name, uint64_t *value);

/* A buffer hook: `tvb` holds exactly the buffer's bytes (may be 0 bytes). `tree` is the subtree of
 * the buffer's item. Add items, expert infos and Info text as needed. A buffer hook on a [string]
 * member gets the string's UTF-16 bytes (terminator excluded) after its item was added. */
typedef void (*cmrp_buffer_hook_fn)(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx);

/* A scalar hook: the hook adds the item for the scalar at tvb/offset (length 4 or 8 bytes) itself,
 * with encoding ctx->drep_enc. `value` is the value already read. */
typedef void (*cmrp_scalar_hook_fn)(tvbuff_t *tvb, int offset, int length, proto_tree *tree,
                                    cmrp_hook_ctx_t *ctx, uint64_t value);

/* The 20 bytes of the request's first [in] context handle, or NULL (request not seen). */
const uint8_t *cmrp_call_handle(const cmrp_call_t *call);

/* Maximum nesting a hook may reach (property lists inside enumerations inside notifications). */
#define CMRP_MAX_DEPTH 16

/* Info column: append " text" once per PDU in a DCE/RPC-friendly way. */
void cmrp_info_append(packet_info *pinfo, const char *text);

/* Is the Info column shown or used (no column_info in tshark -V or -T fields without a column
 * field)? Without it, build no Info text. */
bool cmrp_info_wanted(const packet_info *pinfo);

/* Is an expert info's formatted text used (a tree, or a listener on the "expert" tap)? If not,
 * add the expert info with its fixed summary (expert_add_info): same severity, no printf. */
bool cmrp_expert_text_wanted(proto_tree *tree);

#endif
