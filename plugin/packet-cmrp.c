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
#include <epan/dissectors/packet-dcerpc.h>
#include "cmrp-compat.h"

#include "cmrp-gen.h"
#include "cmrp-handles.h"
#include "cmrp-errors.h"
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
static int hf_cmrp_opnum = -1;
static int hf_cmrp2_opnum = -1;   /* same abbrev: dcerpc rewrites an opnum hf's names per table */
int hf_cmrp_handle = -1;
int hf_cmrp_rc = -1;
int hf_cmrp_null_pointer = -1;
int hf_cmrp_referent = -1;
static int ett_cmrp = -1;
static int ett_cmrp2 = -1;

static expert_field ei_cmrp_error_status = EI_INIT;
static expert_field ei_cmrp_spec_not_on_wire = EI_INIT;
static expert_field ei_cmrp_spec_not_in_v2 = EI_INIT;

static e_guid_t uuid_cmrp = CMRP_UUID_INIT;
#define CMRP_VER3 3
#define CMRP_VER2 2

/* Info text gathered during one PDU (hooks add to it), written once at the end so the object
 * name comes first. Kept as packet-scoped proto data: no global state. */
#define CMRP_INFO_KEY 0

void
cmrp_info_append(packet_info *pinfo, const char *text)
{
    wmem_strbuf_t *sb = (wmem_strbuf_t *)p_get_proto_data(pinfo->pool, pinfo, proto_cmrp,
                                                           CMRP_INFO_KEY);
    if (!sb) {
        sb = wmem_strbuf_new(pinfo->pool, "");
        p_add_proto_data(pinfo->pool, pinfo, proto_cmrp, CMRP_INFO_KEY, sb);
    }
    wmem_strbuf_append_c(sb, ' ');
    wmem_strbuf_append(sb, text);
}

static bool
is_status_param(const cmrp_elem_t *e)
{
    return e->name && (strcmp(e->name, "Status") == 0 || strcmp(e->name, "rpc_status") == 0 ||
                       strcmp(e->name, "rpc_error") == 0);
}

void
cmrp_summary_note_value(cmrp_stub_summary_t *sum, const cmrp_elem_t *e, uint64_t v)
{
    if (e->hf == &hf_cmrp_rc && sum->cur_param == CMRP_MAX_PARAMS) {
        sum->have_rc = true;
        sum->rc = (uint32_t)v;
    } else if (is_status_param(e) && v != 0 && sum->status == 0) {
        sum->status = (uint32_t)v;
        sum->status_name = e->name;
    }
}

static const char *
error_text(packet_info *pinfo, uint32_t code)
{
    const char *name = cmrp_error_name(code);
    return name ? name : wmem_strdup_printf(pinfo->pool, "0x%08x", code);
}

/* The object a request acts on: its first handle's object, or for Open/Create the name it asks
 * for. */
static const char *
request_object(const cmrp_method_t *m, const cmrp_call_t *call, const cmrp_stub_summary_t *sum)
{
    if (m->role == CMRP_H_OPEN && m->name_param >= 0 && call->in_str[m->name_param]) {
        if (m->parent_param >= 0 && call->object_name)
            return NULL;   /* keys: the sub-key path; shown with its parent below */
        return call->in_str[m->name_param];
    }
    return sum->object_name;
}

static int
dissect_cmrp_stub(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree,
                  dcerpc_info *di, guint8 *drep, bool request, bool v2)
{
    uint32_t opnum = di->call_data->opnum;
    const cmrp_method_t *m;
    cmrp_call_t *call;
    cmrp_hook_ctx_t hctx;
    cmrp_stub_summary_t sum;
    wmem_strbuf_t *extra;
    const char *obj;

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
        if (request && !PINFO_FD_VISITED(pinfo)) {
            call = wmem_new0(wmem_file_scope(), cmrp_call_t);
            call->opnum = opnum;
            call->req_frame = pinfo->num;
            di->call_data->private_data = call;
        } else {
            /* the request was not seen (or this is a re-dissection of a fake call) */
            call = wmem_new0(pinfo->pool, cmrp_call_t);
            call->opnum = opnum;
        }
    }
    memset(&hctx, 0, sizeof hctx);
    hctx.pinfo = pinfo;
    hctx.opnum = opnum;
    hctx.request = request;
    hctx.v2 = v2;
    hctx.ndr64 = (di->call_data->flags & DCERPC_IS_NDR64) != 0;
    hctx.call = call;
    memset(&sum, 0, sizeof sum);
    sum.cur_param = -1;

    offset = cmrp_ndr_walk(tvb, offset, pinfo, tree, di, drep, m, &hctx, &sum);

    extra = (wmem_strbuf_t *)p_get_proto_data(pinfo->pool, pinfo, proto_cmrp, CMRP_INFO_KEY);
    if (request) {
        obj = request_object(m, call, &sum);
        if (obj)
            col_append_fstr(pinfo->cinfo, COL_INFO, " \"%s\"", obj);
        else if (m->role == CMRP_H_OPEN && m->parent_param >= 0 && m->name_param >= 0 &&
                 call->in_str[m->name_param])
            col_append_fstr(pinfo->cinfo, COL_INFO, " \"%s\\%s\"",
                            call->object_name ? call->object_name : "",
                            call->in_str[m->name_param]);
    } else {
        uint32_t err = (sum.have_rc && sum.rc != 0) ? sum.rc : sum.status;
        if (err != 0) {
            const char *name = error_text(pinfo, err);
            col_append_fstr(pinfo->cinfo, COL_INFO, " %s", name);
            proto_tree_add_expert_format(tree, pinfo, &ei_cmrp_error_status, tvb, 0, 0,
                                         "%s: %s (%u)",
                                         (sum.have_rc && sum.rc != 0) ? "Return value"
                                                                       : sum.status_name,
                                         name, err);
        } else if (call->object_name) {
            col_append_fstr(pinfo->cinfo, COL_INFO, " \"%s\"", call->object_name);
        }
        {
            /* a control method's response names its request's control code too */
            uint64_t code;
            if (cmrp_hook_param(&hctx, "dwControlCode", &code)) {
                const char *cname = try_val_to_str_ext((uint32_t)code, &cmrp_ctl_code_vals_ext);
                if (cname)
                    col_append_fstr(pinfo->cinfo, COL_INFO, " %s", cname);
                else
                    col_append_fstr(pinfo->cinfo, COL_INFO, " 0x%08x", (uint32_t)code);
            }
        }
        if (!PINFO_FD_VISITED(pinfo)) {
            call->rsp_frame = pinfo->num;
            if (m->role == CMRP_H_CLOSE && call->have_in_handle && err == 0)
                cmrp_handle_close(call->in_handle, pinfo->num);
        }
    }
    if (extra)
        col_append_str(pinfo->cinfo, COL_INFO, wmem_strbuf_get_str(extra));
    cmrp_stats_queue(pinfo, m, &hctx, &sum, call, request, v2);
    return offset;
}

static int
cmrp3_request(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, dcerpc_info *di,
              guint8 *drep)
{
    return dissect_cmrp_stub(tvb, offset, pinfo, tree, di, drep, true, false);
}

static int
cmrp3_response(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, dcerpc_info *di,
               guint8 *drep)
{
    return dissect_cmrp_stub(tvb, offset, pinfo, tree, di, drep, false, false);
}

static int
cmrp2_request(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, dcerpc_info *di,
              guint8 *drep)
{
    return dissect_cmrp_stub(tvb, offset, pinfo, tree, di, drep, true, true);
}

static int
cmrp2_response(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, dcerpc_info *di,
               guint8 *drep)
{
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

static void
proto_register_cmrp(void)
{
    static hf_register_info hf[] = {
        { &hf_cmrp_opnum, { "Operation", "cmrp.opnum", FT_UINT16, BASE_DEC, NULL, 0,
            "ClusAPI method (opnum)", HFILL } },
        { &hf_cmrp2_opnum, { "Operation", "cmrp.opnum", FT_UINT16, BASE_DEC, NULL, 0,
            "ClusAPI 2.0 method (opnum)", HFILL } },
        { &hf_cmrp_handle, { "Context handle", "cmrp.handle", FT_BYTES, BASE_NONE, NULL, 0,
            "20-byte RPC context handle", HFILL } },
        { &hf_cmrp_rc, { "Return value", "cmrp.rc", FT_UINT32, BASE_HEX | BASE_EXT_STRING,
            VALS_EXT_PTR(&cmrp_error_vals_ext), 0, "The method's return value (Win32 error code)",
            HFILL } },
        { &hf_cmrp_null_pointer, { "NULL pointer", "cmrp.null_pointer", FT_STRING, BASE_NONE,
            NULL, 0, "A unique pointer that was NULL on the wire (the parameter it stands for)",
            HFILL } },
        { &hf_cmrp_referent, { "Referent ID", "cmrp.referent", FT_UINT64, BASE_HEX, NULL, 0,
            NULL, HFILL } },
    };
    static int *ett[] = { &ett_cmrp, &ett_cmrp2 };
    static ei_register_info ei[] = {
        { &ei_cmrp_error_status, { "cmrp.error.status", PI_RESPONSE_CODE, PI_NOTE,
            "The call failed", EXPFILL } },
        { &ei_cmrp_spec_not_on_wire, { "cmrp.spec.not_on_wire", PI_PROTOCOL, PI_WARN,
            "MS-CMRP says this opnum is not used on the wire", EXPFILL } },
        { &ei_cmrp_spec_not_in_v2, { "cmrp.spec.not_in_v2", PI_PROTOCOL, PI_WARN,
            "This method does not exist in ClusAPI 2.0", EXPFILL } },
    };
    expert_module_t *em;

    proto_cmrp = proto_register_protocol("Failover Cluster Management API (MS-CMRP, cmrp plugin)",
                                         "CMRP", "cmrp");
    proto_cmrp2 = proto_register_protocol("Failover Cluster Management API 2.0 (MS-CMRP, cmrp plugin)",
                                          "CMRP2", "cmrp2");
    proto_register_field_array(proto_cmrp, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    em = expert_register_protocol(proto_cmrp);
    expert_register_field_array(em, ei, array_length(ei));

    cmrp_gen_register(proto_cmrp);
    cmrp_ndr_register(proto_cmrp);
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

static void
proto_reg_handoff_cmrp(void)
{
    take_over_uuid(CMRP_VER3);
    take_over_uuid(CMRP_VER2);
    /* v2 first: the GUID's display name is the last one registered, and should be CMRP */
    dcerpc_init_uuid(proto_cmrp2, ett_cmrp2, &uuid_cmrp, CMRP_VER2, build_procs(true),
                     hf_cmrp2_opnum);
    dcerpc_init_uuid(proto_cmrp, ett_cmrp, &uuid_cmrp, CMRP_VER3, build_procs(false), hf_cmrp_opnum);
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
