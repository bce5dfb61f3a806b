/* cmrp-stats.h — the "cmrp" tap and its statistics tree (`tshark -z cmrp,tree`, and
 * Statistics → CMRP in Wireshark).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CMRP_STATS_H
#define CMRP_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <epan/packet.h>
#include "cmrp-ndr.h"

/* One record per ClusAPI PDU, queued on the "cmrp" tap. Packet scope. */
typedef struct cmrp_tap_rec {
    const char *method;          /* method name (cmrp_methods[opnum].name) */
    uint32_t opnum;
    bool request;
    bool v2;                     /* ClusAPI 2.0 */
    uint32_t outcome;            /* response: the return value, or else the first non-zero
                                  * Status; 0 = success. Requests: 0 */
    bool have_ctl;
    uint32_t ctl_code;           /* the control code of a control method (request and response) */
    const char *object_type;     /* type of the object the request acts on, or NULL */
    const char *object;          /* its name, or NULL */
    const char *const *events;   /* notification events of a response: their filter names */
    unsigned n_events;
} cmrp_tap_rec_t;

/* Registers the "cmrp" tap; call from proto_register. */
void cmrp_stats_register_tap(void);

/* Registers the statistics tree on the tap (a tap plugin's register_tap_listener). */
void cmrp_stats_register_tree(void);

/* Queues this PDU's record if anyone listens (cheap otherwise). */
void cmrp_stats_queue(packet_info *pinfo, const cmrp_method_t *m, const cmrp_hook_ctx_t *hctx,
                      const cmrp_stub_summary_t *sum, bool request, bool v2);

#endif
