/* cmrp-handles.c — the objects a capture names, and the context handles that refer to them.
 *
 * Objects: every object a request names (by an [in] string the IDL sidecar marks, or through a
 * context handle) is one record of the object table, keyed by type and current name; names are
 * stored there once, and calls and handles point at the record. A successful rename adds to the
 * record's history (so later uses of a handle show the new name and the old one), a successful
 * delete marks it gone.
 *
 * Handles: a handle value is named by the object its Open or Create call named (or the cluster, or
 * the full registry key path built along the GetRootKey/OpenKey/CreateKey chain). Values are
 * reused once closed, so each value keeps a list of instances ranged by the frames that opened
 * them.
 *
 * All state is file-scoped and written on the first pass only; what a frame shows is computed
 * from frame numbers, so the second pass and random access in the GUI agree with the first.
 */
#include "config.h"

#include <string.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/wmem_scopes.h>

#include "cmrp-gen.h"
#include "cmrp-handles.h"

typedef struct cmrp_rename {
    const char *name;            /* the name from this frame on */
    uint32_t frame;              /* response frame of the successful rename */
} cmrp_rename_t;

struct cmrp_obj {
    const char *name;            /* the first name seen (points into its table key) */
    wmem_array_t *renames;       /* cmrp_rename_t in frame order (NULL: never renamed); binary
                                  * searched, so n renames of one object cost O(log n) a lookup */
    uint32_t deleted_in;         /* response frame of the successful delete, 0 */
    uint8_t type;                /* enum cmrp_obj_type */
};
typedef struct cmrp_obj cmrp_obj_t;

struct cmrp_hinst {
    cmrp_obj_t *obj;             /* NULL: a handle whose open the capture does not hold */
    const uint8_t *value;        /* the 20 bytes (the handle map's key) */
    uint32_t open_frame;         /* 0 if not seen opened */
    uint32_t close_frame;        /* 0 while open */
    uint16_t opened_by;          /* opnum of the method that opened it */
};
typedef struct cmrp_hinst cmrp_hinst_t;

/* 20-byte value -> wmem_array_t of cmrp_hinst_t *, in the order the first pass opened them
 * (so by open frame): a lookup is a binary search, however often a capture reuses a value. */
static wmem_map_t *handle_map;
/* "<type byte><current name>" -> cmrp_obj_t * */
static wmem_map_t *obj_map;

/* Fields, subtrees and expert infos: idl/tables/fields-handles.tsv (generated). */
#include "cmrp-fields-handles.h"

static guint
handle_hash(gconstpointer k)
{
    const uint8_t *b = (const uint8_t *)k;
    guint h = 2166136261u;
    for (int i = 0; i < 20; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static gboolean
handle_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, 20) == 0;
}

static bool
is_null_handle(const uint8_t *b)
{
    for (int i = 0; i < 20; i++)
        if (b[i])
            return false;
    return true;
}

static unsigned
popcount32(uint32_t v)
{
    unsigned n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* ---- objects ---------------------------------------------------------------------------------- */

static char *
obj_key(wmem_allocator_t *scope, uint8_t type, const char *name)
{
    size_t n = strlen(name);
    char *k = (char *)wmem_alloc(scope, n + 2);
    k[0] = (char)(type + 1);     /* never NUL */
    memcpy(k + 1, name, n + 1);
    return k;
}

/* First pass: the object of this type that has this name now, created on first mention. */
static cmrp_obj_t *
obj_intern(packet_info *pinfo, uint8_t type, const char *name)
{
    char *k = obj_key(pinfo->pool, type, name);
    cmrp_obj_t *o = (cmrp_obj_t *)wmem_map_lookup(obj_map, k);
    if (o)
        return o;
    k = obj_key(wmem_file_scope(), type, name);
    o = wmem_new0(wmem_file_scope(), cmrp_obj_t);
    o->name = k + 1;
    o->type = type;
    wmem_map_insert(obj_map, k, o);
    return o;
}

/* The object's name in `frame`, and the rename that gave it (NULL if none). */
static const char *
obj_name_at(const cmrp_obj_t *o, uint32_t frame, const cmrp_rename_t **ren, const char **was)
{
    const cmrp_rename_t *rs;
    unsigned lo = 0, hi;
    *ren = NULL;
    *was = NULL;
    if (!o->renames)
        return o->name;
    rs = (const cmrp_rename_t *)wmem_array_get_raw(o->renames);
    hi = wmem_array_get_count(o->renames);
    while (lo < hi) {           /* lo: the number of renames before `frame` */
        unsigned mid = lo + (hi - lo) / 2;
        if (rs[mid].frame < frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return o->name;
    *ren = &rs[lo - 1];
    *was = lo > 1 ? rs[lo - 2].name : o->name;
    return rs[lo - 1].name;
}

const char *
cmrp_obj_name(const cmrp_obj_t *o, uint32_t frame)
{
    const cmrp_rename_t *ren;
    const char *was;
    return o ? obj_name_at(o, frame, &ren, &was) : NULL;
}

static const char *
obj_current(const cmrp_obj_t *o)
{
    unsigned n = o->renames ? wmem_array_get_count(o->renames) : 0;
    return n ? ((const cmrp_rename_t *)wmem_array_index(o->renames, n - 1))->name : o->name;
}

static void
obj_unmap(packet_info *pinfo, cmrp_obj_t *o)
{
    char *k = obj_key(pinfo->pool, o->type, obj_current(o));
    if (wmem_map_lookup(obj_map, k) == o)
        wmem_map_remove(obj_map, k);
}

static void
obj_rename(packet_info *pinfo, cmrp_obj_t *o, const char *name, uint32_t frame)
{
    cmrp_rename_t r;
    char *k;
    obj_unmap(pinfo, o);
    k = obj_key(wmem_file_scope(), o->type, name);
    r.name = k + 1;
    r.frame = frame;            /* first pass: frames only grow, the array stays in frame order */
    if (!o->renames)
        o->renames = wmem_array_sized_new(wmem_file_scope(), sizeof(cmrp_rename_t), 1);
    wmem_array_append_one(o->renames, r);
    wmem_map_insert(obj_map, k, o);
}

static void
obj_delete(packet_info *pinfo, cmrp_obj_t *o, uint32_t frame)
{
    if (o->deleted_in)
        return;
    obj_unmap(pinfo, o);
    o->deleted_in = frame;
}

/* Would any item of object_item() be kept (a visible tree, or one of its fields referenced)? */
static bool
object_items_wanted(proto_tree *tree)
{
    return tree && (PTREE_DATA(tree)->visible ||
                    proto_field_is_referenced(tree, hf_cmrp_object_name) ||
                    proto_field_is_referenced(tree, hf_cmrp_object_type) ||
                    proto_field_is_referenced(tree, hf_cmrp_object_role) ||
                    proto_field_is_referenced(tree, hf_cmrp_object_former_name) ||
                    proto_field_is_referenced(tree, hf_cmrp_object_renamed_in) ||
                    proto_field_is_referenced(tree, hf_cmrp_object_deleted_in));
}

/* One cmrp.object_name item (generated) with its type and role below it. */
static proto_item *
object_item(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb, int off, int len,
            const char *name, uint8_t type, const char *role, const cmrp_obj_t *o,
            uint32_t frame, bool flag)
{
    const cmrp_rename_t *ren = NULL;
    const char *was = NULL;
    const char *tname, *shown_role;
    proto_item *ti, *gi;
    proto_tree *sub;

    /* no item would be kept: only the expert info (a use after delete) needs the names */
    if (!(flag && o && o->deleted_in && frame > o->deleted_in) && !object_items_wanted(tree))
        return NULL;
    if (o) {
        name = obj_name_at(o, frame, &ren, &was);
        if (o->type)
            type = o->type;
    }
    tname = type < CMRP_N_OBJECT_TYPES ? cmrp_object_type_names[type] : "object";
    shown_role = (role && strcmp(role, tname) != 0) ? role : NULL;   /* no "[cluster, cluster]" */
    if (ren)
        ti = proto_tree_add_string_format_value(tree, hf_cmrp_object_name, tvb, off, len, name,
                                                "\"%s\" (was \"%s\", renamed in frame %u) [%s%s%s]",
                                                name, was, ren->frame, tname,
                                                shown_role ? ", " : "",
                                                shown_role ? shown_role : "");
    else {
        /* "name [type, role]" joined here: one "%s" instead of four conversions per item */
        char label[ITEM_LABEL_LENGTH];
        size_t n = g_strlcpy(label, name, sizeof label);
        if (n < sizeof label)
            n += g_strlcpy(label + n, " [", sizeof label - n);
        if (n < sizeof label)
            n += g_strlcpy(label + n, tname, sizeof label - n);
        if (shown_role && n < sizeof label)
            n += g_strlcpy(label + n, ", ", sizeof label - n);
        if (shown_role && n < sizeof label)
            n += g_strlcpy(label + n, shown_role, sizeof label - n);
        if (n < sizeof label)
            g_strlcpy(label + n, "]", sizeof label - n);
        ti = proto_tree_add_string_format_value(tree, hf_cmrp_object_name, tvb, off, len, name,
                                                "%s", label);
    }
    proto_item_set_generated(ti);
    sub = proto_item_add_subtree(ti, ett_cmrp_object);
    gi = proto_tree_add_string(sub, hf_cmrp_object_type, tvb, off, len, tname);
    proto_item_set_generated(gi);
    gi = proto_tree_add_string(sub, hf_cmrp_object_role, tvb, off, len, role ? role : "subject");
    proto_item_set_generated(gi);
    if (ren) {
        gi = proto_tree_add_string(sub, hf_cmrp_object_former_name, tvb, off, len, was);
        proto_item_set_generated(gi);
        gi = proto_tree_add_uint(sub, hf_cmrp_object_renamed_in, tvb, off, len, ren->frame);
        proto_item_set_generated(gi);
    }
    if (o && o->deleted_in) {
        gi = proto_tree_add_uint(sub, hf_cmrp_object_deleted_in, tvb, off, len, o->deleted_in);
        proto_item_set_generated(gi);
        if (flag && frame > o->deleted_in)
            expert_add_info_format(pinfo, ti, &ei_cmrp_object_after_delete,
                                   "%s \"%s\" used after it was deleted in frame %u", tname, name,
                                   o->deleted_in);
    }
    return ti;
}

/* ---- handles ---------------------------------------------------------------------------------- */

static cmrp_hinst_t *
lookup(const uint8_t *bytes, uint32_t frame)
{
    wmem_array_t *insts = (wmem_array_t *)wmem_map_lookup(handle_map, bytes);
    unsigned lo = 0, hi;
    cmrp_hinst_t *h;
    if (!insts)
        return NULL;
    hi = wmem_array_get_count(insts);
    /* the last instance opened at or before `frame` (a closed one too: its use is flagged) */
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        h = *(cmrp_hinst_t **)wmem_array_index(insts, mid);
        if (h->open_frame <= frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    return *(cmrp_hinst_t **)wmem_array_index(insts, lo - 1);
}

static cmrp_hinst_t *
open_handle(const uint8_t *bytes, cmrp_obj_t *obj, uint16_t by, uint32_t frame)
{
    cmrp_hinst_t *h = wmem_new0(wmem_file_scope(), cmrp_hinst_t);
    wmem_array_t *insts = (wmem_array_t *)wmem_map_lookup(handle_map, bytes);
    const void *key = NULL;
    if (!insts) {
        insts = wmem_array_new(wmem_file_scope(), sizeof(cmrp_hinst_t *));
        key = wmem_memdup(wmem_file_scope(), bytes, 20);
        wmem_map_insert(handle_map, key, insts);
    } else {
        wmem_map_lookup_extended(handle_map, bytes, &key, NULL);
    }
    h->obj = obj;
    h->value = (const uint8_t *)key;
    h->opened_by = by;
    h->open_frame = frame;
    wmem_array_append_one(insts, h);
    return h;
}

/* The object a successful open hands out, from what its request said. */
static cmrp_obj_t *
opened_obj(packet_info *pinfo, const cmrp_method_t *m, const cmrp_elem_t *e, const cmrp_call_t *call)
{
    const cmrp_obj_t *named = m->name_param >= 0 ? cmrp_call_obj(call, (unsigned)m->name_param)
                                                 : NULL;
    const cmrp_obj_t *parent = (m->parent_param >= 0 && call->in_handle) ? call->in_handle->obj
                                                                         : NULL;
    uint8_t type = named ? named->type : e->obj_type;
    if (parent) {
        const char *pname = cmrp_obj_name(parent, call->req_frame);
        if (named && *named->name)
            return obj_intern(pinfo, type, wmem_strdup_printf(pinfo->pool, "%s\\%s", pname,
                                                              named->name));
        return obj_intern(pinfo, type, pname);
    }
    if (named && *named->name)
        return (cmrp_obj_t *)named;
    return obj_intern(pinfo, type, m->default_name ? m->default_name : m->name);
}

static void
note_subject(cmrp_stub_summary_t *sum, const cmrp_elem_t *e, const char *name, unsigned type)
{
    if (!e->obj_role && !sum->object_name) {
        sum->object_name = name;
        sum->object_type = type;
    }
}

void
cmrp_handle_item(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb, int off,
                 const cmrp_method_t *m, cmrp_hook_ctx_t *hctx, const cmrp_elem_t *e,
                 cmrp_stub_summary_t *sum)
{
    uint8_t bytes[20];
    proto_item *ti, *gi, *oi;
    proto_tree *sub;
    cmrp_hinst_t *h;
    bool is_in = (e->flags & CMRP_F_IN) != 0;
    bool is_out_only = !is_in && (e->flags & CMRP_F_OUT);
    bool top = sum->cur_param >= 0 && sum->cur_param < CMRP_MAX_PARAMS;
    bool first = !PINFO_FD_VISITED(pinfo);

    tvb_memcpy(tvb, bytes, off, 20);
    ti = proto_tree_add_item(tree, hf_cmrp_handle, tvb, off, 20, ENC_NA);
    if (is_null_handle(bytes)) {
        proto_item_append_text(ti, " (NULL handle)");
        return;
    }
    sub = proto_item_add_subtree(ti, ett_cmrp_handle);
    if (!hctx->request && m->role == CMRP_H_OPEN && is_out_only && first) {
        h = lookup(bytes, pinfo->num);
        if (!h || h->open_frame != pinfo->num)
            open_handle(bytes, opened_obj(pinfo, m, e, hctx->call), m->opnum, pinfo->num);
    }
    h = lookup(bytes, pinfo->num);
    if (!h && first && is_in)
        h = open_handle(bytes, NULL, 0xffff, 0);   /* opened before the capture began */
    if (hctx->request && is_in && top) {
        if (!sum->have_in_handle) {
            sum->have_in_handle = true;
            memcpy(sum->in_handle, bytes, 20);
            if (hctx->scratch)
                hctx->scratch->in_handle = h;
        }
        if (h && h->obj) {
            note_subject(sum, e, cmrp_obj_name(h->obj, pinfo->num), h->obj->type);
            if (hctx->scratch && CMRP_ELEM_IS_OBJECT(e)) {
                hctx->scratch->obj[sum->cur_param] = h->obj;
                hctx->scratch->obj_have |= 1u << sum->cur_param;
            }
        }
    }
    if (!h || !h->obj)
        return;
    if (!hctx->request && m->role == CMRP_H_OPEN && is_out_only && h->open_frame == pinfo->num)
        sum->opened_name = cmrp_obj_name(h->obj, pinfo->num);
    if (ti)
        proto_item_append_text(ti, " (%s)", cmrp_obj_name(h->obj, pinfo->num));
    /* a use of a deleted object is flagged once, on the request; closing the handle is the
     * cleanup a delete requires, not a use */
    oi = object_item(pinfo, sub, tvb, off, 20, NULL, e->obj_type, is_in ? e->obj_role : NULL,
                     h->obj, pinfo->num, hctx->request && m->role != CMRP_H_CLOSE);
    if (h->opened_by != 0xffff && tree) {
        gi = proto_tree_add_string(sub, hf_cmrp_handle_opened_by, tvb, off, 20,
                                   h->opened_by < cmrp_n_methods ? cmrp_methods[h->opened_by].name
                                                                  : "?");
        proto_item_set_generated(gi);
        gi = proto_tree_add_uint(sub, hf_cmrp_handle_opened_in, tvb, off, 20, h->open_frame);
        proto_item_set_generated(gi);
    }
    if (h->close_frame) {
        gi = proto_tree_add_uint(sub, hf_cmrp_handle_closed_in, tvb, off, 20, h->close_frame);
        proto_item_set_generated(gi);
        if (pinfo->num > h->close_frame)
            /* oi is NULL when object_item() added nothing; a faked item would have been sub */
            expert_add_info_format(pinfo, oi ? oi : sub, &ei_cmrp_handle_after_close,
                                   "Handle to \"%s\" used after it was closed in frame %u",
                                   cmrp_obj_name(h->obj, pinfo->num), h->close_frame);
    }
}

void
cmrp_object_string(packet_info *pinfo, proto_item *ti, tvbuff_t *tvb, const cmrp_elem_t *e,
                   cmrp_hook_ctx_t *hctx, cmrp_stub_summary_t *sum, int param, const char *name)
{
    proto_tree *sub;
    cmrp_obj_t *o = NULL;
    if (!hctx->request || param < 0 || param >= CMRP_MAX_PARAMS || !name)
        return;
    if (!PINFO_FD_VISITED(pinfo) && hctx->scratch) {
        o = obj_intern(pinfo, e->obj_type, name);
        hctx->scratch->obj[param] = o;
        hctx->scratch->obj_have |= 1u << param;
    }
    note_subject(sum, e, name, e->obj_type);
    if (hctx->opnum < cmrp_n_methods && cmrp_methods[hctx->opnum].name_param == param)
        sum->open_name = name;
    sub = proto_item_add_subtree(ti, ett_cmrp_object);
    /* the string itself is the name asked for: no lookup, the same in every pass */
    object_item(pinfo, sub, tvb, 0, 0, name, e->obj_type, e->obj_role, NULL, pinfo->num, false);
}

/* ---- the stored call ---------------------------------------------------------------------------- */

cmrp_call_t *
cmrp_call_pack(const cmrp_call_scratch_t *s, uint32_t opnum, uint32_t frame)
{
    unsigned nv = popcount32(s->in_have), no = popcount32(s->obj_have), iv = 0, io = 0;
    cmrp_call_t *c = (cmrp_call_t *)wmem_alloc0(wmem_file_scope(),
                                                sizeof(cmrp_call_t) + nv * sizeof(uint64_t) +
                                                no * sizeof(cmrp_obj_t *));
    uint64_t *vals = (uint64_t *)(c + 1);
    cmrp_obj_t **objs = (cmrp_obj_t **)(vals + nv);
    c->req_frame = frame;
    c->opnum = (uint16_t)opnum;
    c->n_val = (uint8_t)nv;
    c->n_obj = (uint8_t)no;
    c->val_have = s->in_have;
    c->obj_have = s->obj_have;
    c->in_handle = s->in_handle;
    /* only the parameters kept: one step per set bit, lowest first */
    for (uint32_t m = s->in_have; m; m &= m - 1)
        vals[iv++] = s->in_val[g_bit_nth_lsf(m, -1)];
    for (uint32_t m = s->obj_have; m; m &= m - 1)
        objs[io++] = s->obj[g_bit_nth_lsf(m, -1)];
    return c;
}

cmrp_obj_t *
cmrp_call_obj(const cmrp_call_t *call, unsigned param)
{
    const cmrp_obj_t *const *objs;
    if (param >= CMRP_MAX_PARAMS || !(call->obj_have & (1u << param)))
        return NULL;
    objs = (const cmrp_obj_t *const *)((const uint64_t *)(call + 1) + call->n_val);
    return (cmrp_obj_t *)objs[popcount32(call->obj_have & ((1u << param) - 1))];
}

bool
cmrp_call_val(const cmrp_call_t *call, unsigned param, uint64_t *value)
{
    if (param >= CMRP_MAX_PARAMS || !(call->val_have & (1u << param)))
        return false;
    *value = ((const uint64_t *)(call + 1))[popcount32(call->val_have & ((1u << param) - 1))];
    return true;
}

const uint8_t *
cmrp_call_handle(const cmrp_call_t *call)
{
    return call && call->in_handle ? call->in_handle->value : NULL;
}

const char *
cmrp_call_subject(const cmrp_method_t *m, const cmrp_call_t *call)
{
    for (unsigned i = 0; i < m->nparams && i < CMRP_MAX_PARAMS; i++) {
        const cmrp_obj_t *o = cmrp_call_obj(call, i);
        if (o && !m->params[i].obj_role)
            return cmrp_obj_name(o, call->req_frame);
    }
    return NULL;
}

void
cmrp_call_context_objects(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb,
                          const cmrp_method_t *m, const cmrp_call_t *call)
{
    for (unsigned i = 0; i < m->nparams && i < CMRP_MAX_PARAMS; i++) {
        const cmrp_obj_t *o = cmrp_call_obj(call, i);
        if (o)
            object_item(pinfo, tree, tvb, 0, 0, NULL, m->params[i].obj_type,
                        m->params[i].obj_role, o, call->req_frame, false);
    }
}

void
cmrp_call_effects(packet_info *pinfo, const cmrp_method_t *m, const cmrp_call_t *call,
                  uint32_t outcome)
{
    cmrp_obj_t *subject = NULL;
    if (PINFO_FD_VISITED(pinfo) || outcome != 0 || !call->req_frame)
        return;
    for (unsigned i = 0; i < m->nparams && i < CMRP_MAX_PARAMS; i++) {
        cmrp_obj_t *o = cmrp_call_obj(call, i);
        if (o && !m->params[i].obj_role) {
            subject = o;
            break;
        }
    }
    for (unsigned i = 0; i < m->nparams && i < CMRP_MAX_PARAMS; i++) {
        cmrp_obj_t *o = cmrp_call_obj(call, i);
        if (!o)
            continue;
        if (m->params[i].obj_effect == CMRP_E_RENAME && subject && subject != o &&
            strcmp(obj_current(subject), o->name) != 0)
            obj_rename(pinfo, subject, o->name, pinfo->num);
        else if (m->params[i].obj_effect == CMRP_E_DELETE)
            obj_delete(pinfo, o, pinfo->num);
    }
    if (m->role == CMRP_H_CLOSE && call->in_handle && call->in_handle->close_frame == 0)
        call->in_handle->close_frame = pinfo->num;
}

void
cmrp_handles_register(int proto)
{
    register_fields(proto);
    handle_map = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), handle_hash,
                                        handle_equal);
    obj_map = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash,
                                     g_str_equal);
}
