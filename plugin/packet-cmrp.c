/* packet-cmrp.c — MS-CMRP (Failover Cluster Management API, "ClusAPI") over DCE/RPC.
 *
 * Registration, the take-over of the interface UUID from Wireshark's built-in PIDL dissector,
 * opnum dispatch into the IDL-driven walker (cmrp-ndr.c), the Info column and error reporting.
 * ClusAPI 3.0 (ncacn_ip_tcp) is protocol `cmrp`; ClusAPI 2.0 (ncadg_ip_udp) is its sibling
 * `cmrp2`, whose items use the same cmrp.* fields.
 */
#include "config.h"

#include <string.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/proto_data.h>
#include <epan/tap.h>
#include <epan/exceptions.h>
#include <epan/dissectors/packet-dcerpc.h>
#include "cmrp-compat.h"

#include "cmrp-gen.h"
#include "cmrp-handles.h"
#include "cmrp-errors.h"
#include "cmrp-prim.h"
#include "packet-cmrp-ctl.h"
#include "cmrp-stats.h"

#ifndef CMRP_VERSION
#define CMRP_VERSION "0.0.0"
#endif

WS_DLL_PUBLIC_DEF const char plugin_version[] = CMRP_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
WS_DLL_PUBLIC void plugin_register(void);
#if CMRP_PLUGIN_HAS_DESCRIBE
WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t
plugin_describe(void)
{
    return CMRP_PLUGIN_DESC_DISSECTOR;
}
#endif

static int proto_cmrp = -1;
static int proto_cmrp2 = -1;

/* Fields, subtrees and expert infos: idl/tables/fields-cmrp.tsv (generated). */
#include "cmrp-fields-cmrp.h"

static e_guid_t uuid_cmrp = CMRP_UUID_INIT;
/* Wireshark's "expert" tap, looked up once at handoff */
static int expert_tap_id = -1;
#define CMRP_VER3 3
#define CMRP_VER2 2

/* Info text gathered during one PDU (hooks add to it), written once at the end so the object
 * name comes first. Kept as packet-scoped proto data: no global state. */
#define CMRP_INFO_KEY 0
/* A response's Info stays short: about 120 characters in all. */
#define CMRP_INFO_MAX 120

/* The Info text of one PDU: a buffer of the Info column's size, appended by memcpy (no printf,
 * no reallocation). The column keeps at most COL_MAX_INFO_LEN - 1 bytes of its whole text, so
 * capping ours there changes nothing anyone can see. It goes to the column with
 * col_append_lstr(), which finds the end of the column's text with strlen() (col_append_str()
 * walks it byte by byte in g_strlcat()). */
#define CMRP_INFO_CAP COL_MAX_INFO_LEN
typedef struct {
    unsigned len;
    char buf[CMRP_INFO_CAP];
} info_text_t;

static void
info_init(info_text_t *t)
{
    t->len = 0;
    t->buf[0] = '\0';
}

static void
info_addn(info_text_t *t, const char *s, size_t n)
{
    if (n > CMRP_INFO_CAP - 1 - t->len)
        n = CMRP_INFO_CAP - 1 - t->len;
    memcpy(t->buf + t->len, s, n);
    t->len += (unsigned)n;
    t->buf[t->len] = '\0';
}

static void
info_add(info_text_t *t, const char *s)
{
    info_addn(t, s, strlen(s));
}

static void
info_addc(info_text_t *t, char c)
{
    info_addn(t, &c, 1);
}

/* " <v>" in decimal, without printf */
static void
info_uint(info_text_t *t, uint64_t v)
{
    char buf[CMRP_DEC_LEN];
    info_addc(t, ' ');
    info_add(t, cmrp_dec(buf, v, false));
}

bool
cmrp_info_wanted(const packet_info *pinfo)
{
    /* tshark gives a column_info only when columns are shown or used (summary lines, a column
     * field, a tap that needs them); without one every col_*() call is a no-op */
    return pinfo->cinfo != NULL;
}

bool
cmrp_expert_text_wanted(proto_tree *tree)
{
    /* without a tree an expert info's text only reaches the "expert" tap's listeners */
    return tree || expert_tap_id < 0 || have_tap_listener(expert_tap_id);
}

void
cmrp_info_append(packet_info *pinfo, const char *text)
{
    info_text_t *t;
    if (!cmrp_info_wanted(pinfo))
        return;
    t = (info_text_t *)p_get_proto_data(pinfo->pool, pinfo, proto_cmrp, CMRP_INFO_KEY);
    if (!t) {
        t = wmem_new(pinfo->pool, info_text_t);
        info_init(t);
        p_add_proto_data(pinfo->pool, pinfo, proto_cmrp, CMRP_INFO_KEY, t);
    }
    info_addc(t, ' ');
    info_add(t, text);
}

void
cmrp_summary_note_value(cmrp_stub_summary_t *sum, const cmrp_elem_t *e, uint64_t v)
{
    if (e->hf == &hf_cmrp_rc && sum->cur_param == CMRP_MAX_PARAMS) {
        sum->have_rc = true;
        sum->rc = (uint32_t)v;
    } else if (!e->name || (e->name[0] != 'S' && e->name[0] != 'r')) {
        /* not one of the names below (most values): no string compares */
    } else if ((strcmp(e->name, "Status") == 0 || strcmp(e->name, "rpc_error") == 0)
               && sum->cur_param >= 0 && sum->cur_param < CMRP_MAX_PARAMS) {
        /* the outcome of the methods that return a handle: Status (rpc_error in
         * ApiCreateNotifyV2) */
        if (!sum->have_outcome_status) {
            sum->have_outcome_status = true;
            sum->outcome_status = (uint32_t)v;
            sum->outcome_name = e->name;
        }
        if (v != 0 && sum->status == 0) {
            sum->status = (uint32_t)v;
            sum->status_name = e->name;
        }
    } else if (strcmp(e->name, "rpc_status") == 0 && v != 0 && sum->status == 0) {
        sum->status = (uint32_t)v;
        sum->status_name = e->name;
    }
}

/* " 0x%08x" without printf */
static void
info_hex32(info_text_t *t, uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    char buf[11];
    buf[0] = ' ';
    buf[1] = '0';
    buf[2] = 'x';
    for (int i = 0; i < 8; i++)
        buf[3 + i] = digits[(v >> (28 - 4 * i)) & 0xf];
    info_addn(t, buf, sizeof buf);
}

/* " \"text\"" */
static void
info_quoted(info_text_t *t, const char *text)
{
    info_addn(t, " \"", 2);
    info_add(t, text);
    info_addc(t, '"');
}

/* " text" */
static void
info_word(info_text_t *t, const char *text)
{
    info_addc(t, ' ');
    info_add(t, text);
}

static const char *
error_text(packet_info *pinfo, uint32_t code)
{
    const char *name = cmrp_error_name(code);
    return name ? name : wmem_strdup_printf(pinfo->pool, "0x%08x", code);
}

#define CMRP_ERROR_MORE_DATA     234u
#define CMRP_ERROR_NO_MORE_ITEMS 259u
#define CMRP_ERROR_IO_PENDING    997u

/* The one outcome of a response: cmrp.rc is the return value, or (methods returning a handle) a
 * generated copy of the Status parameter. Expert info by meaning, attached to that item only. */
static void
outcome_item(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, cmrp_hook_ctx_t *hctx,
             cmrp_stub_summary_t *sum, uint32_t outcome)
{
    proto_item *ti = sum->rc_item;
    const char *name;
    uint64_t need;

    if (!sum->have_rc) {
        ti = proto_tree_add_uint(tree, hf_cmrp_rc, tvb, offset, 0, outcome);
        proto_item_set_generated(ti);
        proto_item_append_text(ti, " (the %s parameter)", sum->outcome_name);
    }
    if (outcome == 0)
        return;
    name = error_text(pinfo, outcome);
    switch (outcome) {
    case CMRP_ERROR_MORE_DATA:
        if (cmrp_expert_text_wanted(tree) &&
            (cmrp_hook_param(hctx, CMRP_NAME_lpcbRequired, &need) ||
             cmrp_hook_param(hctx, CMRP_NAME_lpBytesNeeded, &need) ||
             cmrp_hook_param(hctx, CMRP_NAME_lpcbData, &need)))
            expert_add_info_format(pinfo, ti, &ei_cmrp_more_data,
                                   "ERROR_MORE_DATA: the answer needs a buffer of %" PRIu64
                                   " bytes", need);
        else
            expert_add_info(pinfo, ti, &ei_cmrp_more_data);
        break;
    case CMRP_ERROR_NO_MORE_ITEMS:
        expert_add_info(pinfo, ti, &ei_cmrp_no_more_items);
        break;
    case CMRP_ERROR_IO_PENDING:
        expert_add_info(pinfo, ti, &ei_cmrp_io_pending);
        break;
    default:
        if (cmrp_expert_text_wanted(tree))
            expert_add_info_format(pinfo, ti, &ei_cmrp_error_status, "The call failed: %s (%u)",
                                   name, outcome);
        else
            expert_add_info(pinfo, ti, &ei_cmrp_error_status);
        break;
    }
}

/* What an ApiCreate*Enum request asked for, from its dwType bit field's name, singular
 * ("cmrp.enum_type.restype" -> "resource type", "cmrp.resource_enum_type.depends" ->
 * "dependency"); NULL when several bits (or none) are set. */
static const char *
enum_type_word(packet_info *pinfo, const cmrp_method_t *m, const cmrp_call_t *call)
{
    static const struct { const char *bit; const char *word; } words[] = {
        { "restype", "resource type" }, { "netinterface", "network interface" },
        { "netinterfaces", "network interface" }, { "contains", "resource" },
        { "depends", "dependency" }, { "provides", "dependent" },
        { "shared_volume_resource", "shared volume" }, { "internal_network", "internal network" },
    };
    for (unsigned i = 0; i < m->nparams && i < CMRP_MAX_PARAMS; i++) {
        const cmrp_elem_t *e = &m->params[i];
        uint64_t v;
        if (!e->bits || strcmp(e->name, "dwType") != 0 || !cmrp_call_val(call, i, &v))
            continue;
        for (int * const *b = e->bits; *b; b++) {
            header_field_info *hfi = proto_registrar_get_nth(**b);
            const char *bit;
            size_t n;
            if (!hfi || hfi->bitmask != v)
                continue;
            bit = strrchr(hfi->abbrev, '.');
            bit = bit ? bit + 1 : hfi->abbrev;
            for (unsigned k = 0; k < array_length(words); k++)
                if (strcmp(bit, words[k].bit) == 0)
                    return words[k].word;
            n = strlen(bit);
            return wmem_strndup(pinfo->pool, bit, n > 1 && bit[n - 1] == 's' ? n - 1 : n);
        }
        return NULL;
    }
    return NULL;
}

/* The answer of a successful response, for the Info column: a state (and its owner), the strings
 * returned, or the count of an enumeration. */
static void
info_answer(packet_info *pinfo, const cmrp_method_t *m, const cmrp_call_t *call,
            const cmrp_hook_ctx_t *hctx, const cmrp_stub_summary_t *sum, info_text_t *out)
{
    const char *state = NULL;
    unsigned nstr = 0;
    for (unsigned i = 0; i < m->nparams && i < CMRP_MAX_PARAMS; i++) {
        const cmrp_elem_t *e = &m->params[i];
        if (!(e->flags & CMRP_F_OUT) || (e->flags & CMRP_F_IN))
            continue;
        if ((e->kind == CMRP_K_ENUM || e->kind == CMRP_K_UINT) && e->hf && !e->bits &&
            (hctx->out_have & (1u << i)) && !state) {
            header_field_info *hfi = proto_registrar_get_nth(*e->hf);
            if (hfi && hfi->strings && !(hfi->display & BASE_EXT_STRING) &&
                hfi->type == FT_UINT32) {
                const char *v = try_val_to_str((uint32_t)hctx->out_val[i],
                                               (const value_string *)hfi->strings);
                state = v ? v : wmem_strdup_printf(pinfo->pool, "state %u",
                                                   (uint32_t)hctx->out_val[i]);
                /* ClusterResourceOnline -> Online */
                if (v && strncmp(v, "Cluster", 7) == 0) {
                    const char *p = v + 7;
                    while (*p && !(p[0] >= 'a' && p[0] <= 'z' && p[1] >= 'A' && p[1] <= 'Z'))
                        p++;
                    if (*p)
                        state = p + 1;
                }
            }
        } else if (sum->out_str[i] && nstr < 2 && !(state && nstr == 1)) {
            if (state && nstr == 0) {
                info_word(out, state);
                info_word(out, "on");
                info_word(out, sum->out_str[i]);
            } else {
                info_quoted(out, sum->out_str[i]);
            }
            nstr++;
        }
    }
    if (state && nstr == 0)
        info_word(out, state);
    if (!state && nstr == 0 && sum->have_count && strstr(m->name, "Enum")) {
        const char *w = enum_type_word(pinfo, m, call);
        size_t n = w ? strlen(w) : 0;
        if (!w)
            w = sum->count == 1 ? "entry" : "entries";
        else if (sum->count != 1 && w[n - 1] == 'y')
            w = wmem_strdup_printf(pinfo->pool, "%.*sies", (int)(n - 1), w);
        else if (sum->count != 1)
            w = wmem_strdup_printf(pinfo->pool, "%ss", w);
        info_uint(out, sum->count);
        info_word(out, w);
    }
}

/* Walk the stub; the first pass of a request then packs what it named into its stored call, even
 * when the stub turns out malformed (its response still gets the context read so far). */
static int
walk_then_pack(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, dcerpc_info *di,
               guint8 *drep, const cmrp_method_t *m, cmrp_hook_ctx_t *hctx,
               cmrp_stub_summary_t *sum, const cmrp_call_scratch_t *pack)
{
    volatile int end = offset;
    TRY {
        end = cmrp_ndr_walk(tvb, offset, pinfo, tree, di, drep, m, hctx, sum);
    }
    FINALLY {
        if (pack)
            di->call_data->private_data = cmrp_call_pack(pack, m->opnum, pinfo->num);
    }
    ENDTRY;
    return end;
}

static void response_info(packet_info *pinfo, const cmrp_method_t *m, const cmrp_call_t *call,
                          const cmrp_hook_ctx_t *hctx, const cmrp_stub_summary_t *sum,
                          const info_text_t *extra, uint32_t err);

static int
dissect_cmrp_stub(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree,
                  dcerpc_info *di, guint8 *drep, bool request, bool v2)
{
    uint32_t opnum = di->call_data->opnum;
    const cmrp_method_t *m;
    cmrp_call_t *call;
    cmrp_hook_ctx_t hctx;
    cmrp_stub_summary_t sum;
    cmrp_call_scratch_t scratch;
    const info_text_t *extra;
    bool pack = false;
    int start = offset;

    if (v2) {
        /* `cmrp` matches ClusAPI 2.0 too: its PDUs carry a cmrp item below cmrp2 */
        proto_item *pi = proto_tree_add_item(tree, proto_cmrp, tvb, offset, 0, ENC_NA);
        proto_item_set_generated(pi);
        proto_item_append_text(pi, " (ClusAPI 2.0; filter cmrp2 for 2.0 only)");
    }
    if (opnum >= cmrp_n_methods)
        return offset;
    m = &cmrp_methods[opnum];
    if (m->flags & CMRP_M_NOT_ON_WIRE) {
        proto_tree_add_expert(tree, pinfo, &ei_cmrp_spec_not_on_wire, tvb, offset, -1);
        return offset;
    }
    if (v2 && (m->flags & CMRP_M_V3ONLY)) {
        proto_tree_add_expert(tree, pinfo, &ei_cmrp_spec_not_in_v2, tvb, offset, -1);
        return offset;
    }

    call = (cmrp_call_t *)di->call_data->private_data;
    if (!call) {
        /* the first pass of a request packs its call after the walk; a response whose request was
         * not seen (or a re-dissection of a fake call) has an empty one */
        pack = request && !PINFO_FD_VISITED(pinfo);
        call = wmem_new0(pinfo->pool, cmrp_call_t);
        call->opnum = (uint16_t)opnum;
    }
    memset(&hctx, 0, sizeof hctx);
    hctx.pinfo = pinfo;
    hctx.opnum = opnum;
    hctx.request = request;
    hctx.v2 = v2;
    hctx.ndr64 = (di->call_data->flags & DCERPC_IS_NDR64) != 0;
    hctx.call = call;
    if (request) {
        memset(&scratch, 0, sizeof scratch);
        hctx.scratch = &scratch;
    }
    memset(&sum, 0, sizeof sum);
    sum.cur_param = -1;

    if (!request && call->req_frame && tree) {
        /* the request's context, so a filter on an object or a control code shows whole exchanges */
        proto_item *ci;
        proto_tree *ctx_tree = proto_tree_add_subtree_format(tree, tvb, offset, 0, ett_cmrp_context,
                                                             &ci, "Request: %s in frame %u",
                                                             m->name, call->req_frame);
        proto_item *fi = proto_tree_add_uint(ctx_tree, hf_cmrp_request_in, tvb, offset, 0,
                                             call->req_frame);
        proto_item_set_generated(ci);
        proto_item_set_generated(fi);
        cmrp_call_context_objects(pinfo, ctx_tree, tvb, m, call);
        for (unsigned i = 0; i < m->nparams && i < CMRP_MAX_PARAMS; i++) {
            uint64_t code;
            if (m->params[i].scalar_hook >= 0 && strcmp(m->params[i].name, "dwControlCode") == 0 &&
                cmrp_call_val(call, i, &code))
                cmrp_ctl_code_context(ctx_tree, tvb, offset, (uint32_t)code);
        }
    }

    offset = walk_then_pack(tvb, offset, pinfo, tree, di, drep, m, &hctx, &sum,
                            pack ? &scratch : NULL);

    extra = cmrp_info_wanted(pinfo)
        ? (const info_text_t *)p_get_proto_data(pinfo->pool, pinfo, proto_cmrp, CMRP_INFO_KEY) : NULL;
    if (request) {
        /* one append: the object's name, then what the hooks added */
        const char *name = NULL, *parent = NULL;
        if (m->role == CMRP_H_OPEN && m->parent_param >= 0 && sum.open_name && sum.object_name) {
            parent = sum.object_name;
            name = sum.open_name;
        } else if (m->role == CMRP_H_OPEN && sum.open_name) {
            name = sum.open_name;
        } else if (sum.object_name) {
            name = sum.object_name;
        }
        if (!name) {
            if (extra)
                col_append_lstr(pinfo->cinfo, COL_INFO, extra->buf, COL_ADD_LSTR_TERMINATOR);
        } else if (cmrp_info_wanted(pinfo)) {
            info_text_t info;
            info_init(&info);
            info_addn(&info, " \"", 2);
            if (parent) {
                info_add(&info, parent);
                info_addc(&info, '\\');
            }
            info_add(&info, name);
            info_addc(&info, '"');
            if (extra)
                info_addn(&info, extra->buf, extra->len);
            col_append_lstr(pinfo->cinfo, COL_INFO, info.buf, COL_ADD_LSTR_TERMINATOR);
        }
    } else {
        uint32_t outcome = sum.have_rc ? sum.rc : sum.outcome_status;
        uint32_t err = outcome != 0 ? outcome : sum.status;
        if (sum.have_rc || sum.have_outcome_status)
            outcome_item(tvb, start, pinfo, tree, &hctx, &sum, outcome);
        if (cmrp_info_wanted(pinfo))
            response_info(pinfo, m, call, &hctx, &sum, extra, err);
        cmrp_call_effects(pinfo, m, call, err);
    }
    cmrp_stats_queue(pinfo, m, &hctx, &sum, request, v2);
    return offset;
}

/* The Info text of a response: its subject, error or answer, control code, the hooks' text. */
static void
response_info(packet_info *pinfo, const cmrp_method_t *m, const cmrp_call_t *call,
              const cmrp_hook_ctx_t *hctx, const cmrp_stub_summary_t *sum, const info_text_t *extra,
              uint32_t err)
{
    const char *subject = sum->opened_name ? sum->opened_name : cmrp_call_subject(m, call);
    info_text_t infobuf, *info = &infobuf;
    info_init(info);
    {
        if (subject)
            info_quoted(info, subject);
        if (err != 0)
            info_word(info, error_text(pinfo, err));
        else if (!extra)    /* a buffer hook's answer (events, properties) is the better one */
            info_answer(pinfo, m, call, hctx, sum, info);
        {
            /* a control method's response names its request's control code too */
            uint64_t code;
            if (cmrp_hook_param(hctx, CMRP_NAME_dwControlCode, &code)) {
                const char *cname = try_val_to_str_ext((uint32_t)code, &cmrp_ctl_code_vals_ext);
                if (cname)
                    info_word(info, cname);
                else
                    info_hex32(info, (uint32_t)code);
            }
        }
        if (extra)
            info_addn(info, extra->buf, extra->len);
        {
            /* Info stays about CMRP_INFO_MAX characters: cut after a list item (", ") if one ends
             * in the last 40 characters that fit, else at a word; say so */
            size_t room = CMRP_INFO_MAX - strlen(m->name) - strlen(" response");
            if (info->len > room) {
                const char *str = info->buf;
                size_t cut = room - 4;
                while (cut > 0 && str[cut] != ' ')
                    cut--;
                for (size_t c = cut; c > 0 && c + 40 > room; c--) {
                    if (str[c - 1] == ',' && str[c] == ' ') {
                        cut = c;
                        break;
                    }
                }
                info->len = (unsigned)cut;
                info->buf[cut] = '\0';
                info_addn(info, " ...", 4);
            }
        }
        col_append_lstr(pinfo->cinfo, COL_INFO, info->buf, COL_ADD_LSTR_TERMINATOR);
    }
}

static int
cmrp3_request(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, dcerpc_info *di,
              guint8 *drep)
{
#ifdef CMRP_BENCH_NULL
    return offset + MAX(tvb_reported_length_remaining(tvb, offset), 0);   /* benchmark only */
#endif
    return dissect_cmrp_stub(tvb, offset, pinfo, tree, di, drep, true, false);
}

static int
cmrp3_response(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, dcerpc_info *di,
               guint8 *drep)
{
#ifdef CMRP_BENCH_NULL
    return offset + MAX(tvb_reported_length_remaining(tvb, offset), 0);   /* benchmark only */
#endif
    return dissect_cmrp_stub(tvb, offset, pinfo, tree, di, drep, false, false);
}

static int
cmrp2_request(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, dcerpc_info *di,
              guint8 *drep)
{
#ifdef CMRP_BENCH_NULL
    return offset + MAX(tvb_reported_length_remaining(tvb, offset), 0);   /* benchmark only */
#endif
    return dissect_cmrp_stub(tvb, offset, pinfo, tree, di, drep, true, true);
}

static int
cmrp2_response(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, dcerpc_info *di,
               guint8 *drep)
{
#ifdef CMRP_BENCH_NULL
    return offset + MAX(tvb_reported_length_remaining(tvb, offset), 0);   /* benchmark only */
#endif
    return dissect_cmrp_stub(tvb, offset, pinfo, tree, di, drep, false, true);
}

/* The opnum tables for dcerpc: every slot named, so Info never says "Unknown operation". */
static dcerpc_sub_dissector *
build_procs(bool v2)
{
    dcerpc_sub_dissector *procs = wmem_alloc0_array(wmem_epan_scope(), dcerpc_sub_dissector,
                                                    cmrp_n_methods + 1);
    unsigned n = 0;
    for (unsigned i = 0; i < cmrp_n_methods; i++) {
        const cmrp_method_t *m = &cmrp_methods[i];
        if (v2 && (m->flags & CMRP_M_V3ONLY))
            continue;
        procs[n].num = m->opnum;
        procs[n].name = m->name;
        procs[n].dissect_rqst = v2 ? cmrp2_request : cmrp3_request;
        procs[n].dissect_resp = v2 ? cmrp2_response : cmrp3_response;
        n++;
    }
    return procs;
}

/* What the NDR walker reports to the layers above it: handles and the objects a call names go to
 * the state module, scalars to this module's stub summary. */
static const cmrp_walker_ops_t walker_ops = {
    .handle_item = cmrp_handle_item,
    .object_string = cmrp_object_string,
    .call_val = cmrp_call_val,
    .note_value = cmrp_summary_note_value,
};

static void
proto_register_cmrp(void)
{
    proto_cmrp = proto_register_protocol("Failover Cluster Management API (MS-CMRP, cmrp plugin)",
                                         "CMRP", "cmrp");
    proto_cmrp2 = proto_register_protocol("Failover Cluster Management API 2.0 (MS-CMRP, cmrp plugin)",
                                          "CMRP2", "cmrp2");
    register_fields(proto_cmrp);

    cmrp_gen_register(proto_cmrp);
    cmrp_ndr_register(proto_cmrp, &walker_ops);
    cmrp_handles_register(proto_cmrp);
    cmrp_gen_register_modules(proto_cmrp);
    cmrp_stats_register_tap();
}

/* dcerpc_init_uuid() (Wireshark 4.0, 4.4 and 4.6 alike) inserts into dcerpc_uuids and, on a
 * duplicate key, frees the new key and then registers it: a use-after-free. Steal the built-in
 * clusapi's entry first. The stolen key stays referenced by the "dcerpc.uuid" dissector table, so
 * it is not freed here. tests/dissect/test_valgrind.py builds the plugin with
 * -DCMRP_UUID_TAKEOVER=OFF on each version to show the use-after-free this prevents. */
static void
take_over_uuid(uint16_t ver)
{
#ifdef CMRP_NO_UUID_TAKEOVER
    (void)ver;
#else
    guid_key key;
    memset(&key, 0, sizeof key);
    key.guid = uuid_cmrp;
    key.ver = ver;
    if (dcerpc_uuids)
        g_hash_table_steal(dcerpc_uuids, &key);
#endif
}

/* An empty stub is a whole request for a method without [in] parameters (ApiOpenCluster,
 * ApiGetClusterName, ApiGetClusterVersion2, ...). DCE/RPC's own handle for an interface
 * (dissect_dcerpc_guid, 4.0 to 4.6) returns the stub's length, and dissector_try_guid_new() reads
 * 0 as "not this interface": such a request got dcerpc.unknown_if_id, " CMRP V3" appended to its
 * Info, no cmrp layer in frame.protocols and no DCE/RPC tap, though cmrp had decoded it. So the
 * interface's entry in "dcerpc.uuid" is a handle of ours: a stub with bytes goes to DCE/RPC's
 * handle as before; an empty one goes through a handle of the cmrp protocol (which adds the layer)
 * that calls DCE/RPC's and claims the PDU. Set once, at hand-off. */
static dissector_handle_t dcerpc_handle_v2, dcerpc_handle_v3, empty_handle_v2, empty_handle_v3;
static guid_key claim_key_v2, claim_key_v3;     /* the table keeps the key it already has */

static int
empty_v2(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return MAX(call_dissector_only(dcerpc_handle_v2, tvb, pinfo, tree, data), 1);
}

static int
empty_v3(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return MAX(call_dissector_only(dcerpc_handle_v3, tvb, pinfo, tree, data), 1);
}

static int
claim_v2(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return call_dissector_only(tvb_captured_length(tvb) ? dcerpc_handle_v2 : empty_handle_v2, tvb,
                               pinfo, tree, data);
}

static int
claim_v3(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return call_dissector_only(tvb_captured_length(tvb) ? dcerpc_handle_v3 : empty_handle_v3, tvb,
                               pinfo, tree, data);
}

static void
claim_empty_stubs(guid_key *key, uint16_t ver, dissector_handle_t *inner, dissector_t fn,
                  const char *name, const char *description)
{
    dissector_table_t table = find_dissector_table("dcerpc.uuid");
    memset(key, 0, sizeof *key);
    key->guid = uuid_cmrp;
    key->ver = ver;
    *inner = table ? dissector_get_guid_handle(table, key) : NULL;
    /* No protocol of its own (the handle it calls adds the cmrp layer, once); the table also
     * lists it for Decode As, which wants a description no other handle there has (DCE/RPC's
     * Decode As lists interfaces from its UUID table, not from these handles). */
    if (*inner)
        dissector_add_guid("dcerpc.uuid", key,
                           create_dissector_handle_with_name_and_description(fn, -1, name, description));
}

static void
proto_reg_handoff_cmrp(void)
{
    expert_tap_id = find_tap_id("expert");
    take_over_uuid(CMRP_VER3);
    take_over_uuid(CMRP_VER2);
    /* v2 first: the GUID's display name is the last one registered, and should be CMRP */
    dcerpc_init_uuid(proto_cmrp2, ett_cmrp2, &uuid_cmrp, CMRP_VER2, build_procs(true),
                     hf_cmrp2_opnum);
    dcerpc_init_uuid(proto_cmrp, ett_cmrp, &uuid_cmrp, CMRP_VER3, build_procs(false), hf_cmrp_opnum);
    empty_handle_v2 = create_dissector_handle(empty_v2, proto_cmrp2);
    empty_handle_v3 = create_dissector_handle(empty_v3, proto_cmrp);
    claim_empty_stubs(&claim_key_v2, CMRP_VER2, &dcerpc_handle_v2, claim_v2, "cmrp2.uuid",
                      "Failover Cluster Management API 2.0 (cmrp plugin)");
    claim_empty_stubs(&claim_key_v3, CMRP_VER3, &dcerpc_handle_v3, claim_v3, "cmrp.uuid",
                      "Failover Cluster Management API 3.0 (cmrp plugin)");
}

void
plugin_register(void)
{
    static proto_plugin plug;
    plug.register_protoinfo = proto_register_cmrp;
    plug.register_handoff = proto_reg_handoff_cmrp;
    proto_register_plugin(&plug);
    static tap_plugin tap_plug = { cmrp_stats_register_tree };   /* -z cmrp,tree */
    tap_register_plugin(&tap_plug);
}
