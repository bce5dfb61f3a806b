/* cmrp-handles.c — context handle tracking.
 *
 * A handle value is named by the object its Open or Create call named (or the cluster, or the full
 * registry key path built along the GetRootKey/OpenKey/CreateKey chain). Values are reused once
 * closed, so each value keeps a list of instances ranged by the frames that opened and closed it.
 * State is file-scoped and written on the first pass only.
 */
#include "config.h"

#include <string.h>
#include <epan/packet.h>
#include <epan/wmem_scopes.h>

#include "cmrp-handles.h"

typedef struct handle_inst {
    const char *name;
    const char *opened_by;       /* method that opened it */
    uint32_t open_frame;
    uint32_t close_frame;        /* 0 while open */
} handle_inst_t;

/* 20-byte value -> wmem_array_t of handle_inst_t *, in the order the first pass opened them
 * (so by open frame): a lookup is a binary search, however often a capture reuses a value. */
static wmem_map_t *handle_map;

static int hf_cmrp_object_name = -1;
static int hf_cmrp_handle_opened_in = -1;
static int hf_cmrp_handle_closed_in = -1;
static int hf_cmrp_handle_opened_by = -1;
static int ett_cmrp_handle = -1;

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

static handle_inst_t *
lookup(const uint8_t *bytes, uint32_t frame)
{
    wmem_array_t *insts = (wmem_array_t *)wmem_map_lookup(handle_map, bytes);
    unsigned lo = 0, hi;
    handle_inst_t *h;
    if (!insts)
        return NULL;
    hi = wmem_array_get_count(insts);
    /* the last instance opened at or before `frame` */
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        h = *(handle_inst_t **)wmem_array_index(insts, mid);
        if (h->open_frame <= frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    h = *(handle_inst_t **)wmem_array_index(insts, lo - 1);
    if (h->close_frame != 0 && frame > h->close_frame)
        return NULL;
    return h;
}

static void
open_handle(const uint8_t *bytes, const char *name, const char *by, uint32_t frame)
{
    handle_inst_t *h = wmem_new0(wmem_file_scope(), handle_inst_t);
    wmem_array_t *insts = (wmem_array_t *)wmem_map_lookup(handle_map, bytes);
    h->name = name;
    h->opened_by = by;
    h->open_frame = frame;
    if (!insts) {
        insts = wmem_array_new(wmem_file_scope(), sizeof(handle_inst_t *));
        wmem_map_insert(handle_map, wmem_memdup(wmem_file_scope(), bytes, 20), insts);
    }
    wmem_array_append_one(insts, h);
}

void
cmrp_handle_close(const uint8_t *bytes, uint32_t frame)
{
    handle_inst_t *h = lookup(bytes, frame);
    if (h && h->close_frame == 0)
        h->close_frame = frame;
}

/* The name of the object a successful open hands out, from what its request said. */
static const char *
opened_name(const cmrp_method_t *m, const cmrp_call_t *call)
{
    const char *name = NULL;
    if (m->name_param >= 0)
        name = call->in_str[m->name_param];
    if (m->parent_param >= 0 && call->object_name) {
        if (name && *name)
            return wmem_strdup_printf(wmem_file_scope(), "%s\\%s", call->object_name, name);
        return call->object_name;
    }
    if (name && *name)
        return name;
    return m->default_name ? m->default_name : m->name;
}

void
cmrp_handle_item(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb, int off,
                 const cmrp_method_t *m, cmrp_hook_ctx_t *hctx, const cmrp_elem_t *e,
                 cmrp_stub_summary_t *sum)
{
    uint8_t bytes[20];
    proto_item *ti, *gi;
    proto_tree *sub;
    handle_inst_t *h;
    bool is_in = (e->flags & CMRP_F_IN) != 0;
    bool is_out_only = !is_in && (e->flags & CMRP_F_OUT);

    tvb_memcpy(tvb, bytes, off, 20);
    ti = proto_tree_add_item(tree, hf_cmrp_handle, tvb, off, 20, ENC_NA);
    if (is_null_handle(bytes)) {
        proto_item_append_text(ti, " (NULL handle)");
        return;
    }
    sub = proto_item_add_subtree(ti, ett_cmrp_handle);
    if (!hctx->request && m->role == CMRP_H_OPEN && is_out_only && !PINFO_FD_VISITED(pinfo)) {
        if (!lookup(bytes, pinfo->num) || lookup(bytes, pinfo->num)->open_frame != pinfo->num)
            open_handle(bytes, opened_name(m, hctx->call), m->name, pinfo->num);
    }
    h = lookup(bytes, pinfo->num);
    if (hctx->request && is_in && sum->cur_param >= 0 && !sum->have_in_handle) {
        sum->have_in_handle = true;
        memcpy(sum->in_handle, bytes, 20);
        sum->object_name = h ? h->name : NULL;
        if (!PINFO_FD_VISITED(pinfo)) {
            hctx->call->have_in_handle = true;
            memcpy(hctx->call->in_handle, bytes, 20);
            hctx->call->object_name = h ? h->name : NULL;
        }
    }
    if (!h)
        return;
    proto_item_append_text(ti, " (%s)", h->name);
    gi = proto_tree_add_string(sub, hf_cmrp_object_name, tvb, off, 20, h->name);
    proto_item_set_generated(gi);
    gi = proto_tree_add_string(sub, hf_cmrp_handle_opened_by, tvb, off, 20, h->opened_by);
    proto_item_set_generated(gi);
    gi = proto_tree_add_uint(sub, hf_cmrp_handle_opened_in, tvb, off, 20, h->open_frame);
    proto_item_set_generated(gi);
    if (h->close_frame) {
        gi = proto_tree_add_uint(sub, hf_cmrp_handle_closed_in, tvb, off, 20, h->close_frame);
        proto_item_set_generated(gi);
    }
}

void
cmrp_handles_register(int proto)
{
    static hf_register_info hf[] = {
        { &hf_cmrp_object_name, { "Object name", "cmrp.object_name", FT_STRING, BASE_NONE, NULL, 0,
            "Name of the object the context handle refers to", HFILL } },
        { &hf_cmrp_handle_opened_by, { "Opened by", "cmrp.handle.opened_by", FT_STRING, BASE_NONE,
            NULL, 0, "Method that returned the context handle", HFILL } },
        { &hf_cmrp_handle_opened_in, { "Opened in", "cmrp.handle.opened_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0, "Frame whose response returned the handle",
            HFILL } },
        { &hf_cmrp_handle_closed_in, { "Closed in", "cmrp.handle.closed_in", FT_FRAMENUM, BASE_NONE,
            NULL, 0, "Frame whose response closed the handle", HFILL } },
    };
    static int *ett[] = { &ett_cmrp_handle };
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    handle_map = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), handle_hash,
                                        handle_equal);
}
