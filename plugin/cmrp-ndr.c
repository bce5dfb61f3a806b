/* cmrp-ndr.c — interprets the generated descriptors over an NDR or NDR64 stub.
 *
 * libwireshark 4.0 exports only the scalar NDR helpers, so pointers (with deferral), conformant
 * and varying arrays, strings, structures and context handles are read here. This is the only
 * file that knows the difference between NDR and NDR64 (C706 ch. 14, MS-RPCE 2.2.5).
 *
 * Deferral follows the "scalars, then buffers" order: the referents of pointers embedded in a
 * construct are read after it, in the order their pointers appeared, each referent's own
 * embedded pointers right after that referent.
 */
#include "config.h"

#include <string.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/exceptions.h>
#include <epan/show_exception.h>
#include <wsutil/nstime.h>
#include "cmrp-compat.h"

#include "cmrp-ndr.h"
#include "cmrp-errors.h"
#include "cmrp-utf16.h"

/* The layers above, set once at registration (cmrp_ndr_register). */
static const cmrp_walker_ops_t *ops;

/* Fields, subtrees and expert infos: idl/tables/fields-ndr.tsv (generated); the layers above also
 * use cmrp.handle, cmrp.rc, cmrp.null_pointer and cmrp.referent (cmrp-ndr.h). */
#include "cmrp-fields-ndr.h"

/* Limits on nesting of our own recursion (pointer chains, structures, deferred lists). */
#define CMRP_NDR_MAX_NEST 32

/* The scalar members read so far in one structure instance (nested structures' scalars are
 * appended when they end), so hooks on a member can see its siblings. Packet scope. */
typedef struct member_val {
    const char *name;
    uint64_t v;
    struct member_val *next;
} member_val_t;

typedef struct cmrp_struct_frame {
    member_val_t *head;
    member_val_t *tail;
    const struct cmrp_struct_frame *parent;   /* the structure this one is a member of */
} cmrp_struct_frame_t;

typedef struct deferred {
    const cmrp_struct_frame_t *frame;
    const cmrp_elem_t *e;
    unsigned level;          /* pointer level of the referent (1..nptr) */
    proto_tree *tree;
    int save_idx;
    struct deferred *next;
} deferred_t;

typedef struct {
    deferred_t *head;
    deferred_t *tail;
} dlist_t;

typedef struct walker {
    tvbuff_t *tvb;
    packet_info *pinfo;
    dcerpc_info *di;
    const cmrp_method_t *method;
    cmrp_hook_ctx_t *hctx;
    unsigned enc;
    bool ndr64;
    bool request;
    bool visited;
    unsigned nest;
    cmrp_stub_summary_t *sum;
    cmrp_struct_frame_t *frame;   /* innermost structure being read, or NULL */
    wmem_map_t *full_refs;        /* referent ids of [ptr] pointers already read in this stub */
} walker_t;

static int walk_decl(walker_t *w, const cmrp_elem_t *e, int off, proto_tree *tree, dlist_t *dl,
                     bool top, int save_idx);
static int walk_ptrchain(walker_t *w, const cmrp_elem_t *e, unsigned level, int off,
                         proto_tree *tree, dlist_t *dl, bool top, int save_idx);
static int walk_struct(walker_t *w, const cmrp_elem_t *e, int off, proto_tree *tree, dlist_t *dl);

static int
align_to(walker_t *w, int off, unsigned n)
{
    unsigned mis = (unsigned)off % n;
    if (mis) {
        off += (int)(n - mis);
        /* padding must exist in the stub; an overrun shows as a short frame */
        tvb_ensure_bytes_exist(w->tvb, 0, off);
    }
    return off;
}

static void
enter(walker_t *w, proto_tree *tree, int off)
{
    if (++w->nest > CMRP_NDR_MAX_NEST) {
        proto_tree_add_expert(tree, w->pinfo, &ei_cmrp_ndr_too_deep, w->tvb, off, 0);
        THROW(ReportedBoundsError);
    }
}

/* A conformance/variance count: 4 bytes in NDR, 8 in NDR64, aligned to its size. */
static uint64_t
read_count(walker_t *w, int *off, proto_tree *tree, int hf)
{
    uint64_t v;
    if (w->ndr64) {
        *off = align_to(w, *off, 8);
        v = tvb_get_uint64(w->tvb, *off, w->enc);
        proto_tree_add_uint64(tree, hf, w->tvb, *off, 8, v);
        *off += 8;
    } else {
        *off = align_to(w, *off, 4);
        v = tvb_get_uint32(w->tvb, *off, w->enc);
        proto_tree_add_uint64(tree, hf, w->tvb, *off, 4, v);
        *off += 4;
    }
    return v;
}

static uint64_t
read_referent(walker_t *w, int *off)
{
    uint64_t v;
    if (w->ndr64) {
        *off = align_to(w, *off, 8);
        v = tvb_get_uint64(w->tvb, *off, w->enc);
        *off += 8;
    } else {
        *off = align_to(w, *off, 4);
        v = tvb_get_uint32(w->tvb, *off, w->enc);
        *off += 4;
    }
    return v;
}

/* Bound a wire count by the bytes that remain: count x minimum element size must fit. */
static void
check_count(walker_t *w, proto_tree *tree, int off, uint64_t count, unsigned min_size)
{
    int remaining = tvb_reported_length_remaining(w->tvb, off);
    if (remaining < 0)
        remaining = 0;
    if (min_size == 0)
        min_size = 1;
    if (count > (uint64_t)remaining / min_size) {
        proto_tree_add_expert_format(tree, w->pinfo, &ei_cmrp_ndr_count_too_large, w->tvb, off,
                                     0, "Count %" PRIu64 " needs at least %" PRIu64
                                     " bytes, only %d remain", count, count * min_size, remaining);
        THROW(ReportedBoundsError);
    }
}

static unsigned
value_align(walker_t *w, const cmrp_elem_t *e)
{
    switch (e->kind) {
    case CMRP_K_UINT3264:
        return w->ndr64 ? 8 : 4;
    case CMRP_K_ENUM:
        return (w->ndr64 || (e->flags & CMRP_F_V1ENUM)) ? 4 : 2;
    case CMRP_K_HANDLE:
    case CMRP_K_GUID:
    case CMRP_K_FILETIME:
        return 4;
    case CMRP_K_STRUCT:
        return w->ndr64 ? cmrp_structs[e->sub].align64 : cmrp_structs[e->sub].align;
    case CMRP_K_BINDING:
        return 1;
    default:
        return e->size ? e->size : 1;
    }
}

static unsigned
value_size(walker_t *w, const cmrp_elem_t *e)
{
    switch (e->kind) {
    case CMRP_K_UINT3264:
        return w->ndr64 ? 8 : 4;
    case CMRP_K_ENUM:
        return value_align(w, e);
    case CMRP_K_STRUCT:
        return 1;   /* a lower bound, for count checks */
    default:
        return e->size;
    }
}

static void
save_value(walker_t *w, int save_idx, uint64_t v)
{
    if (save_idx < 0 || save_idx >= CMRP_MAX_PARAMS)
        return;
    if (w->request) {
        if (w->hctx->scratch) {
            w->hctx->scratch->in_val[save_idx] = v;
            w->hctx->scratch->in_have |= 1u << save_idx;
        }
    } else {
        w->hctx->out_val[save_idx] = v;
        w->hctx->out_have |= 1u << save_idx;
    }
}

/* One scalar, handle, GUID, FILETIME or structure at `off` (already known not to be a pointer). */
/* The generated range() of element e, if any, against value v (read at off, len bytes). */
static void
check_range(walker_t *w, const cmrp_elem_t *e, proto_tree *tree, int off, unsigned len, uint64_t v)
{
    for (unsigned i = 0; i < cmrp_n_ranges; i++) {
        const cmrp_range_t *r = &cmrp_ranges[i];
        if (r->elem != e)
            continue;
        if (r->v3_only && w->hctx->v2)
            return;
        if (v < r->min || v > r->max)
            proto_tree_add_expert_format(tree, w->pinfo, &ei_cmrp_ndr_out_of_range, w->tvb, off, (int)len,
                                         "%s: %" PRIu64 " is outside range(%" PRIu64 ", %" PRIu64 ")",
                                         r->where, v, r->min, r->max);
        return;
    }
}

static int
walk_value(walker_t *w, const cmrp_elem_t *e, int off, proto_tree *tree, dlist_t *dl, int save_idx)
{
    tvbuff_t *tvb = w->tvb;
    unsigned len;
    uint64_t v = 0;

    if (e->kind == CMRP_K_BINDING)
        return off;
    if (e->kind == CMRP_K_STRUCT)
        return walk_struct(w, e, off, tree, dl);
    off = align_to(w, off, value_align(w, e));
    switch (e->kind) {
    case CMRP_K_HANDLE:
        tvb_ensure_bytes_exist(tvb, off, 20);
        ops->handle_item(w->pinfo, tree, tvb, off, w->method, w->hctx, e, w->sum);
        return off + 20;
    case CMRP_K_GUID:
        proto_tree_add_item(tree, *e->hf, tvb, off, 16, w->enc);
        return off + 16;
    case CMRP_K_FILETIME: {
        nstime_t ts;
        v = tvb_get_uint64(tvb, off, w->enc);
        if (!filetime_to_nstime(&ts, v))
            nstime_set_zero(&ts);
        proto_tree_add_time(tree, *e->hf, tvb, off, 8, &ts);
        return off + 8;
    }
    default:
        break;
    }
    len = value_size(w, e);
    switch (len) {
    case 1: v = tvb_get_uint8(tvb, off); break;
    case 2: v = tvb_get_uint16(tvb, off, w->enc); break;
    case 4: v = tvb_get_uint32(tvb, off, w->enc); break;
    default: v = tvb_get_uint64(tvb, off, w->enc); break;
    }
    if (e->scalar_hook >= 0) {
        w->hctx->frame = w->frame;
        cmrp_scalar_hooks[e->scalar_hook](tvb, off, (int)len, tree, w->hctx, v);
    } else if (e->bits) {
        proto_tree_add_bitmask(tree, tvb, off, *e->hf, *e->bits_ett, e->bits, w->enc);
    } else if (e->kind == CMRP_K_UINT3264) {
        proto_tree_add_uint64(tree, *e->hf, tvb, off, (int)len, v);
    } else if (e->kind == CMRP_K_ENUM) {
        proto_tree_add_uint(tree, *e->hf, tvb, off, (int)len, (uint32_t)v);
    } else if (tree) {
        /* without a tree, proto_tree_add_item() would only check the bytes that were just read */
        proto_item *vi = proto_tree_add_item(tree, *e->hf, tvb, off, (int)len, w->enc);
        if (e->hf == &hf_cmrp_rc && w->sum->cur_param == CMRP_MAX_PARAMS)
            w->sum->rc_item = vi;
    }
    check_range(w, e, tree, off, len, v);
    if (e->scalar_hook >= 0 && e->hf == &hf_cmrp_rc && w->sum->cur_param == CMRP_MAX_PARAMS)
        w->sum->rc_item = w->hctx->ret_item;
    if (e->flags & CMRP_F_SIGNED) {
        /* sign-extend so hooks and Info see the real value */
        if (len == 4) v = (uint64_t)(int64_t)(int32_t)v;
        else if (len == 2) v = (uint64_t)(int64_t)(int16_t)v;
        else if (len == 1) v = (uint64_t)(int64_t)(int8_t)v;
    }
    save_value(w, save_idx, v);
    if (w->frame) {
        member_val_t *mv = wmem_new(w->pinfo->pool, member_val_t);
        mv->name = e->name;
        mv->v = v;
        mv->next = NULL;
        if (w->frame->tail)
            w->frame->tail->next = mv;
        else
            w->frame->head = mv;
        w->frame->tail = mv;
    }
    if (save_idx >= 0 || e->hf == &hf_cmrp_rc)
        ops->note_value(w->sum, e, v);
    return off + (int)len;
}

/* ---- strings ---- */

static void call_buffer_hook(walker_t *w, const cmrp_elem_t *e, int off, int n, proto_item *ti);

static int
walk_string(walker_t *w, const cmrp_elem_t *e, int off, proto_tree *tree, int save_idx)
{
    uint64_t max, voff, actual;
    unsigned csize = e->size ? e->size : 2;
    proto_item *ti;

    off = align_to(w, off, w->ndr64 ? 8 : 4);
    /* the counts go under the string's item once it exists; read them first */
    max = w->ndr64 ? tvb_get_uint64(w->tvb, off, w->enc) : tvb_get_uint32(w->tvb, off, w->enc);
    off += w->ndr64 ? 8 : 4;
    voff = w->ndr64 ? tvb_get_uint64(w->tvb, off, w->enc) : tvb_get_uint32(w->tvb, off, w->enc);
    off += w->ndr64 ? 8 : 4;
    actual = w->ndr64 ? tvb_get_uint64(w->tvb, off, w->enc) : tvb_get_uint32(w->tvb, off, w->enc);
    off += w->ndr64 ? 8 : 4;
    check_count(w, tree, off, actual, csize);
    if (csize == 2) {
        int nbytes = (int)actual * 2;
        int shown = nbytes;
        if (actual && tvb_get_uint16(w->tvb, off + nbytes - 2, w->enc) == 0)
            shown -= 2;   /* keep the terminator out of the value */
        const char *str = NULL;
        /* the value is kept for a request's object names (every pass: they add generated items)
         * and for a response's [out] strings (the Info answer); converted by the fast path of
         * cmrp_add_utf16_string() (what proto_tree_add_item_ret_string() gives) */
        if (save_idx >= 0 && save_idx < CMRP_MAX_PARAMS &&
            (!w->request || (e->flags & CMRP_F_SAVESTR))) {
            ti = cmrp_add_utf16_string(tree, *e->hf, w->tvb, off, shown, w->enc, w->pinfo->pool,
                                       &str, NULL);
        } else {
            /* nobody needs the value: the same item, but without a tree (summary lines) or
             * for a field no filter references, no UTF-16 conversion at all (the bytes are
             * known to be there: the terminator check above read the last two); a visible
             * tree's label converts through the fast path */
            ti = tree ? cmrp_add_utf16_string(tree, *e->hf, w->tvb, off, shown, w->enc,
                                              w->pinfo->pool, NULL, NULL) : NULL;
        }
        proto_item_set_len(ti, (off + nbytes) - off);
        if (actual && shown == nbytes)
            expert_add_info(w->pinfo, ti, &ei_cmrp_ndr_string_unterminated);
        if (str && !w->request)
            w->sum->out_str[save_idx] = str;
        if (str && w->request)
            ops->object_string(w->pinfo, ti, w->tvb, e, w->hctx, w->sum, save_idx, str);
        if (e->buffer_hook >= 0)    /* a hook on a [string]: its UTF-16 bytes, terminator excluded */
            call_buffer_hook(w, e, off, shown, ti);
        off += nbytes;
    } else {
        ti = proto_tree_add_item(tree, *e->hf, w->tvb, off, (int)actual, ENC_ASCII | ENC_NA);
        off += (int)actual;
    }
    if (voff != 0 || actual > max)
        expert_add_info_format(w->pinfo, ti, &ei_cmrp_ndr_bad_variance,
                               "Conformant varying string: offset %" PRIu64 ", actual count %"
                               PRIu64 ", max count %" PRIu64, voff, actual, max);
    return off;
}

/* Hand one byte buffer to its decoder, on a tvb of exactly its bytes. A failure inside the buffer
 * is shown there and does not stop the rest of the stub. */
static void
call_buffer_hook(walker_t *w, const cmrp_elem_t *e, int off, int n, proto_item *ti)
{
    proto_tree *sub = proto_item_add_subtree(ti, ett_cmrp_buffer);
    tvbuff_t *btvb = tvb_new_subset_length(w->tvb, off, n);
    unsigned saved_depth = w->hctx->depth;
    w->hctx->depth = w->nest;
    w->hctx->frame = w->frame;
    TRY {
        cmrp_buffer_hooks[e->buffer_hook](btvb, sub, w->hctx);
    }
    CATCH_NONFATAL_ERRORS {
        show_exception(btvb, w->pinfo, sub, EXCEPT_CODE, GET_MESSAGE);
    }
    ENDTRY;
    w->hctx->depth = saved_depth;
}

/* A run of `count` elements; bytes arrays become one item and go to their hook. */
static int
walk_elements(walker_t *w, const cmrp_elem_t *e, int off, proto_tree *tree, dlist_t *dl,
              uint64_t count, bool pointers)
{
    if (!pointers && (e->flags & CMRP_F_BYTES)) {
        int n;
        proto_item *ti;
        off = align_to(w, off, e->size);
        check_count(w, tree, off, count, e->size);
        n = (int)(count * e->size);
        ti = proto_tree_add_item(tree, *e->hf, w->tvb, off, n, ENC_NA);
        if (e->buffer_hook >= 0 && n > 0)
            call_buffer_hook(w, e, off, n, ti);
        return off + n;
    }
    if (!w->request && !w->sum->have_count) {
        w->sum->have_count = true;
        w->sum->count = count;
    }
    if (pointers)
        check_count(w, tree, off, count, w->ndr64 ? 8 : 4);
    else
        check_count(w, tree, off, count, value_size(w, e));
    {
        proto_item *ati;
        proto_tree *atree = proto_tree_add_subtree_format(tree, w->tvb, off, -1, ett_cmrp_array,
                                                          &ati, "%s: %" PRIu64 " element%s",
                                                          e->name, count, count == 1 ? "" : "s");
        for (uint64_t i = 0; i < count; i++) {
            int before = off;
            if (pointers)
                off = walk_ptrchain(w, e, 0, off, atree, dl, false, -1);
            else
                off = walk_value(w, e, off, atree, dl, -1);
            if (off <= before) {
                /* no progress: a zero-sized element would loop forever on a huge count */
                break;
            }
        }
        proto_item_set_end(ati, w->tvb, off);
    }
    return off;
}

/* What the innermost pointer points to (or the declarator itself when it has no pointers). */
static int
walk_inner(walker_t *w, const cmrp_elem_t *e, int off, proto_tree *tree, dlist_t *dl, int save_idx)
{
    uint64_t max, voff, actual;
    switch (e->inner) {
    case CMRP_A_STRING:
        return walk_string(w, e, off, tree, save_idx);
    case CMRP_A_CONF:
        max = read_count(w, &off, tree, hf_cmrp_ndr_max_count);
        return walk_elements(w, e, off, tree, dl, max, false);
    case CMRP_A_CONFVAR:
        max = read_count(w, &off, tree, hf_cmrp_ndr_max_count);
        voff = read_count(w, &off, tree, hf_cmrp_ndr_offset);
        actual = read_count(w, &off, tree, hf_cmrp_ndr_actual_count);
        if (voff != 0 || actual > max)
            proto_tree_add_expert_format(tree, w->pinfo, &ei_cmrp_ndr_bad_variance, w->tvb, off, 0,
                                         "Varying array: offset %" PRIu64 ", actual count %" PRIu64
                                         ", max count %" PRIu64, voff, actual, max);
        return walk_elements(w, e, off, tree, dl, actual, false);
    default:
        return walk_value(w, e, off, tree, dl, save_idx);
    }
}

static void
flush(walker_t *w, dlist_t *dl, int *off)
{
    for (deferred_t *d = dl->head; d; d = d->next) {
        dlist_t sub = { NULL, NULL };
        cmrp_struct_frame_t *saved = w->frame;
        enter(w, d->tree, *off);
        w->frame = (cmrp_struct_frame_t *)d->frame;
        *off = walk_ptrchain(w, d->e, d->level, *off, d->tree, &sub, false, d->save_idx);
        w->frame = saved;
        flush(w, &sub, off);
        w->nest--;
    }
    dl->head = dl->tail = NULL;
}

static int
walk_ptrchain(walker_t *w, const cmrp_elem_t *e, unsigned level, int off, proto_tree *tree,
              dlist_t *dl, bool top, int save_idx)
{
    uint64_t ref;
    if (level >= e->nptr)
        return walk_inner(w, e, off, tree, dl, save_idx);
    if (top && e->ptr[level] == CMRP_P_REF)
        return walk_ptrchain(w, e, level + 1, off, tree, dl, true, save_idx);
    {
        int roff = off;
        ref = read_referent(w, &off);
        roff = off - (w->ndr64 ? 8 : 4);
        if (ref == 0) {
            proto_item *ti = proto_tree_add_string_format(tree, hf_cmrp_null_pointer, w->tvb, roff,
                                                          off - roff, e->name, "%s: NULL pointer",
                                                          e->name);
            if (e->ptr[level] == CMRP_P_REF)
                expert_add_info(w->pinfo, ti, &ei_cmrp_ndr_null_ref);
            return off;
        }
        if (e->ptr[level] == CMRP_P_FULL) {
            /* a full pointer may alias one sent before: its referent is not sent again
             * (C706 14.3.11.1) */
            if (!w->full_refs)
                w->full_refs = wmem_map_new(w->pinfo->pool, g_int64_hash, g_int64_equal);
            if (wmem_map_contains(w->full_refs, &ref)) {
                proto_tree_add_uint64_format(tree, hf_cmrp_referent, w->tvb, roff, off - roff, ref,
                                             "%s: same referent as before (0x%" PRIx64 ")",
                                             e->name, ref);
                return off;
            }
            wmem_map_insert(w->full_refs, wmem_memdup(w->pinfo->pool, &ref, sizeof ref),
                            GINT_TO_POINTER(1));
        }
    }
    if (top)
        return walk_ptrchain(w, e, level + 1, off, tree, dl, true, save_idx);
    {
        deferred_t *d = wmem_new(w->pinfo->pool, deferred_t);
        d->frame = w->frame;
        d->e = e;
        d->level = level + 1;
        d->tree = tree;
        d->save_idx = save_idx;
        d->next = NULL;
        if (dl->tail)
            dl->tail->next = d;
        else
            dl->head = d;
        dl->tail = d;
    }
    return off;
}

/* A declarator: an optional outer array of (pointer chains to) values. */
static int
walk_decl(walker_t *w, const cmrp_elem_t *e, int off, proto_tree *tree, dlist_t *dl, bool top,
          int save_idx)
{
    uint64_t count = 0, voff = 0;
    switch (e->outer) {
    case CMRP_A_NONE:
        return walk_ptrchain(w, e, 0, off, tree, dl, top, save_idx);
    case CMRP_A_FIXED:
        count = e->fixed;
        break;
    case CMRP_A_CONF:
        count = read_count(w, &off, tree, hf_cmrp_ndr_max_count);
        break;
    case CMRP_A_CONFVAR: {
        uint64_t max = read_count(w, &off, tree, hf_cmrp_ndr_max_count);
        voff = read_count(w, &off, tree, hf_cmrp_ndr_offset);
        count = read_count(w, &off, tree, hf_cmrp_ndr_actual_count);
        if (voff != 0 || count > max)
            proto_tree_add_expert(tree, w->pinfo, &ei_cmrp_ndr_bad_variance, w->tvb, off, 0);
        break;
    }
    case CMRP_A_VAR: {
        voff = read_count(w, &off, tree, hf_cmrp_ndr_offset);
        count = read_count(w, &off, tree, hf_cmrp_ndr_actual_count);
        if (voff != 0 || count > e->fixed)
            proto_tree_add_expert(tree, w->pinfo, &ei_cmrp_ndr_bad_variance, w->tvb, off, 0);
        break;
    }
    default:
        break;
    }
    return walk_elements(w, e, off, tree, dl, count, e->nptr > 0);
}

/* Hoisted conformance of a conformant structure's last member, read before the structure. */
static int
walk_struct_hoisted(walker_t *w, const cmrp_struct_t *s, int off, proto_tree *stree, dlist_t *dl,
                    uint64_t conf)
{
    for (unsigned i = 0; i < s->nmembers; i++) {
        const cmrp_elem_t *m = &s->members[i];
        if (s->conformant && i + 1 == s->nmembers) {
            uint64_t count = conf;
            if (m->outer == CMRP_A_CONFVAR) {
                uint64_t voff = read_count(w, &off, stree, hf_cmrp_ndr_offset);
                count = read_count(w, &off, stree, hf_cmrp_ndr_actual_count);
                if (voff != 0 || count > conf)
                    proto_tree_add_expert(stree, w->pinfo, &ei_cmrp_ndr_bad_variance, w->tvb, off, 0);
            }
            off = walk_elements(w, m, off, stree, dl, count, m->nptr > 0);
        } else {
            off = walk_decl(w, m, off, stree, dl, false, -1);
        }
    }
    return off;
}

static int
walk_struct(walker_t *w, const cmrp_elem_t *e, int off, proto_tree *tree, dlist_t *dl)
{
    const cmrp_struct_t *s = &cmrp_structs[e->sub];
    uint64_t conf = 0;
    proto_item *ti;
    proto_tree *stree;
    int start;

    enter(w, tree, off);
    start = off;
    stree = proto_tree_add_subtree_format(tree, w->tvb, off, -1, *s->ett, &ti, "%s (%s)",
                                          e->name, s->name);
    if (s->conformant)
        conf = read_count(w, &off, stree, hf_cmrp_ndr_max_count);
    off = align_to(w, off, w->ndr64 ? s->align64 : s->align);
    {
        cmrp_struct_frame_t *outer = w->frame;
        cmrp_struct_frame_t *f = wmem_new0(w->pinfo->pool, cmrp_struct_frame_t);
        f->parent = outer;
        w->frame = f;
        off = walk_struct_hoisted(w, s, off, stree, dl, conf);
        w->frame = outer;
        if (outer && f->head) {
            if (outer->tail)
                outer->tail->next = f->head;
            else
                outer->head = f->head;
            outer->tail = f->tail;
        }
    }
    if (w->ndr64)
        off = align_to(w, off, s->align64);   /* NDR64 trailing padding */
    proto_item_set_len(ti, off - start);
    w->nest--;
    return off;
}

static bool
param_present(const cmrp_elem_t *p, bool request, bool v2)
{
    if (v2 && (p->flags & CMRP_F_V3ONLY))
        return false;
    if (!v2 && (p->flags & CMRP_F_V2ONLY))
        return false;
    return (p->flags & (request ? CMRP_F_IN : CMRP_F_OUT)) != 0;
}

bool
cmrp_hook_param(const cmrp_hook_ctx_t *ctx, const char *name, uint64_t *value)
{
    const cmrp_method_t *m;
    if (ctx->opnum >= cmrp_n_methods)
        return false;
    if (name[0] == 'r' && strcmp(name, "return") == 0) {
        *value = ctx->ret_val;
        return ctx->have_ret;
    }
    m = &cmrp_methods[ctx->opnum];
    for (unsigned i = 0; i < m->nparams && i < CMRP_MAX_PARAMS; i++) {
        /* the first letter rules out most parameters without a call */
        if (m->params[i].name[0] != name[0] || strcmp(m->params[i].name, name) != 0)
            continue;
        if (!ctx->request && (ctx->out_have & (1u << i))) {
            *value = ctx->out_val[i];
            return true;
        }
        if (ctx->request) {
            if (ctx->scratch && (ctx->scratch->in_have & (1u << i))) {
                *value = ctx->scratch->in_val[i];
                return true;
            }
            return false;
        }
        return ctx->call && ops->call_val(ctx->call, i, value);
    }
    return false;
}

bool
cmrp_hook_member(const cmrp_hook_ctx_t *ctx, const char *name, uint64_t *value)
{
    /* The holder's own members first (the last value of that name wins: nested structures were
     * appended after their holder's earlier members), then the enclosing structures'. Stop at
     * each frame's own tail: later nodes belong to enclosing frames. */
    for (const cmrp_struct_frame_t *f = ctx->frame; f; f = f->parent) {
        bool found = false;
        for (const member_val_t *mv = f->head; mv; mv = mv->next) {
            if (strcmp(mv->name, name) == 0) {
                *value = mv->v;
                found = true;
            }
            if (mv == f->tail)
                break;
        }
        if (found)
            return true;
    }
    return false;
}

/* A top-level [out] value of fixed size: a handle, or a 4-byte integer behind [ref] pointers. */
static int
fixed_tail_size(const cmrp_elem_t *e)
{
    for (unsigned i = 0; i < e->nptr; i++)
        if (e->ptr[i] != CMRP_P_REF)
            return 0;
    if (e->outer != CMRP_A_NONE || e->inner != CMRP_A_NONE)
        return 0;
    if (e->kind == CMRP_K_HANDLE)
        return 20;
    if ((e->kind == CMRP_K_UINT || e->kind == CMRP_K_INT ||
         (e->kind == CMRP_K_ENUM && (e->flags & CMRP_F_V1ENUM))) && e->size == 4)
        return 4;
    return 0;
}

/* Read the return value and the trailing fixed-size [out] scalars from the end of a response
 * stub. Every such element is 4-byte aligned and a multiple of 4 long, so counting back from
 * the end finds them exactly; the walk reads them again in order. */
static void
read_ahead_tail(tvbuff_t *tvb, int offset, const cmrp_method_t *m, cmrp_hook_ctx_t *hctx,
                unsigned enc)
{
    int pos = (int)tvb_reported_length(tvb);
    int n;
    if (!m->ret || (n = fixed_tail_size(m->ret)) == 0 || pos - n < offset ||
        tvb_captured_length(tvb) < (unsigned)pos)
        return;
    pos -= n;
    if (n == 4) {
        hctx->ret_val = tvb_get_uint32(tvb, pos, enc);
        hctx->have_ret = true;
    }
    for (int i = (int)m->nparams - 1; i >= 0 && i < CMRP_MAX_PARAMS; i--) {
        const cmrp_elem_t *p = &m->params[i];
        if (!param_present(p, false, hctx->v2))
            continue;
        n = fixed_tail_size(p);
        if (n == 0 || pos - n < offset)
            return;
        pos -= n;
        if (n == 4) {
            hctx->out_val[i] = tvb_get_uint32(tvb, pos, enc);
            if (p->flags & CMRP_F_SIGNED)
                hctx->out_val[i] = (uint64_t)(int64_t)(int32_t)hctx->out_val[i];
            hctx->out_have |= 1u << i;
        }
    }
}

int
cmrp_ndr_walk(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, dcerpc_info *di,
              uint8_t *drep, const cmrp_method_t *m, cmrp_hook_ctx_t *hctx, cmrp_stub_summary_t *sum)
{
    walker_t w;
    w.tvb = tvb;
    w.pinfo = pinfo;
    w.di = di;
    w.method = m;
    w.hctx = hctx;
    w.enc = (drep[0] & DREP_LITTLE_ENDIAN) ? ENC_LITTLE_ENDIAN : ENC_BIG_ENDIAN;
    w.ndr64 = hctx->ndr64;
    w.request = hctx->request;
    w.visited = PINFO_FD_VISITED(pinfo);
    w.nest = 0;
    w.sum = sum;
    w.frame = NULL;
    w.full_refs = NULL;
    hctx->drep_enc = w.enc;
    if (!w.request)
        read_ahead_tail(tvb, offset, m, hctx, w.enc);

    for (unsigned i = 0; i < m->nparams; i++) {
        const cmrp_elem_t *p = &m->params[i];
        dlist_t dl = { NULL, NULL };
        if (!param_present(p, w.request, hctx->v2))
            continue;
        sum->cur_param = (int)i;
        offset = walk_decl(&w, p, offset, tree, &dl, true, (int)i);
        flush(&w, &dl, &offset);
    }
    sum->cur_param = -1;
    if (!w.request && m->ret) {
        dlist_t dl = { NULL, NULL };
        sum->cur_param = CMRP_MAX_PARAMS;   /* the return value */
        offset = walk_decl(&w, m->ret, offset, tree, &dl, true, -1);
        flush(&w, &dl, &offset);
        sum->cur_param = -1;
    }
    return offset;
}

void
cmrp_ndr_register(int proto, const cmrp_walker_ops_t *walker_ops)
{
    ops = walker_ops;
    register_fields(proto);
}
