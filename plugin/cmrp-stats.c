/* cmrp-stats.c — the "cmrp" tap and the statistics tree on it.
 *
 * `tshark -z cmrp,tree` (Wireshark: Statistics → CMRP) counts, over the PDUs that pass the
 * display filter:
 *   Methods             requests per method; under each, its failed responses by error name
 *   Control codes       control requests per code (ApiClusterControl, ApiResourceControl, ...)
 *   Objects             requests per object type, then per object name, then per method
 *   Notification events the events of ApiGetNotifyV2 / ApiGetNotifyAsync / ApiGetNotify responses,
 *                       by filter
 * The object type of a call is the type of its first context handle, read from the handle
 * parameter's IDL name (hResource, hGroup, ...); a call that opens or creates an object it names
 * acts on the type its method name gives (ApiOpenResource, ApiCreateGroup, ...); a control acts on
 * the object family of its control code (idl/tables/ctlcodes.tsv).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <epan/packet.h>
#include <epan/tap.h>
#include <epan/stats_tree.h>
#include "cmrp-compat.h"

#include "cmrp-gen.h"
#include "cmrp-stats.h"
#include "cmrp-errors.h"
#include "packet-cmrp-ctl.h"
#include "packet-cmrp-notify.h"

static int cmrp_tap = -1;

/* Object types, matched as a prefix of a handle parameter's name without its leading 'h' or
 * of the word after Open/Create in a method name; first match wins (longer names first). */
static const struct { const char *prefix; const char *type; } obj_types[] = {
    { "ResourceType", "Resource type" }, { "ResType", "Resource type" },
    { "Resource", "Resource" }, { "Res", "Resource" },
    { "GroupSet", "Group set" }, { "Group", "Group" },
    { "NetInterface", "Network interface" }, { "Network", "Network" },
    { "Node", "Node" }, { "Key", "Registry key" }, { "Notify", "Notification port" },
    { "BatchNotify", "Batch port" }, { "BatchPort", "Batch port" }, { "Batch", "Batch port" },
    { "Cluster", "Cluster" }, { "Object", "Object" },
};

/* enum cmrp_obj_type (generated from idl/cmrp.cnf's object types), as the tree names them */
static const char *const subject_types[] = {
    [CMRP_O_NONE] = NULL, [CMRP_O_CLUSTER] = "Cluster", [CMRP_O_NODE] = "Node",
    [CMRP_O_GROUP] = "Group", [CMRP_O_RESOURCE] = "Resource", [CMRP_O_RESTYPE] = "Resource type",
    [CMRP_O_NETWORK] = "Network", [CMRP_O_NETINTERFACE] = "Network interface",
    [CMRP_O_KEY] = "Registry key", [CMRP_O_NOTIFY] = "Notification port",
    [CMRP_O_BATCH] = "Batch port", [CMRP_O_GROUPSET] = "Group set",
};

/* CLUS_OBJECT_* (the object field of a control code, MS-CMRP 2.2.2.4 and 3.1.4.3.1) */
#define CLUS_OBJECT_RESOURCE_TYPE 2
static const char *const ctl_objects[] = {
    NULL, "Resource", "Resource type", "Group", "Node", "Network", "Network interface", "Cluster",
    "Group set", "Affinity rule"
};

/* The object family of a control code: its row of the control-code table (binary search), else
 * the object byte of the code (bits 24-31). */
static unsigned
ctl_object(uint32_t code)
{
    unsigned lo = 0, hi = cmrp_ctl_table_count;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (cmrp_ctl_table[mid].code == code)
            return cmrp_ctl_table[mid].object;
        if (cmrp_ctl_table[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return code >> 24;
}

static const char *
type_of_word(const char *w)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(obj_types); i++)
        if (strncmp(w, obj_types[i].prefix, strlen(obj_types[i].prefix)) == 0)
            return obj_types[i].type;
    return NULL;
}

/* The type of the object of the first handle parameter of `m` (static string), or NULL. */
static const char *
handle_type(const cmrp_method_t *m)
{
    for (unsigned i = 0; i < m->nparams; i++) {
        const cmrp_elem_t *e = &m->params[i];
        if (e->kind == CMRP_K_HANDLE && e->name) {
            /* hResource, pKey (closers: [in, out] pointers), DependentGroupSet */
            const char *n = e->name;
            const char *t;
            if (n[0] == 'p')
                n++;
            if (n[0] == 'h')
                n++;
            if (strncmp(n, "Dependent", 9) == 0)
                n += 9;
            t = type_of_word(n);
            return t ? t : "Other";
        }
    }
    return NULL;
}

/* Does the request name the object it opens or creates (ApiOpenResource("x"), ApiOpenCluster),
 * rather than act on the object of a handle (ApiCreateBatchPort(hKey))? */
static bool
opens_named(const cmrp_method_t *m)
{
    return m->role == CMRP_H_OPEN && (m->name_param >= 0 || handle_type(m) == NULL);
}

/* The type of the object method `m` acts on (static string), or NULL. */
static const char *
object_type(const cmrp_method_t *m)
{
    if (opens_named(m)) {
        const char *w = NULL;
        if (strncmp(m->name, "ApiOpen", 7) == 0)
            w = m->name + 7;
        else if (strncmp(m->name, "ApiCreate", 9) == 0)
            w = m->name + 9;
        if (w) {
            const char *t = type_of_word(w);
            if (t)
                return t;
        }
    }
    return handle_type(m);
}

void
cmrp_stats_queue(packet_info *pinfo, const cmrp_method_t *m, const cmrp_hook_ctx_t *hctx,
                 const cmrp_stub_summary_t *sum, bool request, bool v2)
{
    cmrp_tap_rec_t *r;
    uint64_t code;

    if (!have_tap_listener(cmrp_tap))
        return;
    r = wmem_new0(pinfo->pool, cmrp_tap_rec_t);
    r->method = m->name;
    r->opnum = m->opnum;
    r->request = request;
    r->v2 = v2;
    if (cmrp_hook_param(hctx, CMRP_NAME_dwControlCode, &code)) {
        r->have_ctl = true;
        r->ctl_code = (uint32_t)code;
    }
    if (request && r->have_ctl && ctl_object(r->ctl_code) >= 1 &&
        ctl_object(r->ctl_code) < G_N_ELEMENTS(ctl_objects)) {
        /* a control acts on the object of its code's family (idl/tables/ctlcodes.tsv) */
        r->object_type = ctl_objects[ctl_object(r->ctl_code)];
        r->object = sum->object_name;
        if (ctl_object(r->ctl_code) == CLUS_OBJECT_RESOURCE_TYPE) {
            /* ApiResourceTypeControl / ApiNodeResourceTypeControl: the type's name */
            r->object = sum->object_name ? sum->object_name : NULL;
        }
    } else if (request) {
        /* the call's subject, as the IDL's object annotations give it (cmrp.cnf OBJECT lines) */
        r->object_type = sum->object_type > CMRP_O_NONE && sum->object_type < G_N_ELEMENTS(subject_types)
                             ? subject_types[sum->object_type] : object_type(m);
        if (opens_named(m))
            r->object = m->name_param >= 0 ? sum->open_name : m->default_name;
        else
            r->object = sum->object_name;
    } else {
        r->outcome = (sum->have_rc && sum->rc != 0) ? sum->rc : sum->status;
        r->n_events = cmrp_notify_event_types(pinfo, &r->events);
    }
    tap_queue_packet(cmrp_tap, pinfo, r);
}

void
cmrp_stats_register_tap(void)
{
    cmrp_tap = register_tap("cmrp");
}

/* ---- the statistics tree ---- */

static int st_methods = -1;
static int st_ctl = -1;
static int st_objects = -1;
static int st_events = -1;

static const char st_methods_name[] = "Methods (requests; failed responses by error)";
static const char st_ctl_name[] = "Control codes (requests)";
static const char st_objects_name[] = "Objects (requests by object type, name and method)";
static const char st_events_name[] = "Notification events (by filter)";

static void
cmrp_stats_init(stats_tree *st)
{
    st_methods = stats_tree_create_node(st, st_methods_name, 0, STAT_DT_INT, TRUE);
    st_ctl = stats_tree_create_node(st, st_ctl_name, 0, STAT_DT_INT, TRUE);
    st_objects = stats_tree_create_node(st, st_objects_name, 0, STAT_DT_INT, TRUE);
    st_events = stats_tree_create_node(st, st_events_name, 0, STAT_DT_INT, TRUE);
}

static tap_packet_status
cmrp_stats_packet(stats_tree *st, packet_info *pinfo, epan_dissect_t *edt _U_, const void *p,
                  tap_flags_t flags _U_)
{
    const cmrp_tap_rec_t *r = (const cmrp_tap_rec_t *)p;
    int n;

    if (r->request) {
        tick_stat_node(st, st_methods_name, 0, FALSE);
        tick_stat_node(st, r->method, st_methods, TRUE);
        if (r->have_ctl) {
            const char *cname = try_val_to_str_ext(r->ctl_code, &cmrp_ctl_code_vals_ext);
            tick_stat_node(st, st_ctl_name, 0, FALSE);
            tick_stat_node(st, cname ? cname : wmem_strdup_printf(pinfo->pool, "0x%08x",
                                                                  r->ctl_code), st_ctl, FALSE);
        }
        if (r->object_type) {
            tick_stat_node(st, st_objects_name, 0, FALSE);
            n = tick_stat_node(st, r->object_type, st_objects, TRUE);
            n = tick_stat_node(st, r->object ? r->object : "(unnamed)", n, TRUE);
            tick_stat_node(st, r->method, n, FALSE);
        }
        return TAP_PACKET_REDRAW;
    }
    if (r->outcome != 0) {
        const char *ename = cmrp_error_name(r->outcome);
        /* the method's node, not counted again (its count is its requests) */
        n = increase_stat_node(st, r->method, st_methods, TRUE, 0);
        n = tick_stat_node(st, "failed", n, TRUE);
        tick_stat_node(st, ename ? ename : wmem_strdup_printf(pinfo->pool, "0x%08x", r->outcome),
                       n, FALSE);
    }
    if (r->n_events) {
        increase_stat_node(st, st_events_name, 0, FALSE, (int)r->n_events);
        for (unsigned i = 0; i < r->n_events; i++)
            tick_stat_node(st, r->events[i], st_events, FALSE);
    }
    return TAP_PACKET_REDRAW;
}

void
cmrp_stats_register_tree(void)
{
    stats_tree_register_plugin("cmrp", "cmrp", "CMRP (ClusAPI)", 0, cmrp_stats_packet,
                               cmrp_stats_init, NULL);
}
