/* cmrp_fuzzer.c — in-process, coverage-guided libFuzzer target for the cmrp plugin.
 *
 * The plugin's own sources (every .c file of plugin/ and the generated gen/ files) are compiled into this binary
 * with the sanitizer/coverage flags; plugin_register() is called before epan_init() so that epan
 * registers it exactly as it registers a loaded cmrp.so. Each input becomes ONE ClusAPI PDU that
 * travels the same path as real traffic: IPv4 -> TCP (port 135) -> DCE/RPC connection-oriented
 * (bind and bind_ack name the interface, version and transfer syntax; the request or response
 * carries the opnum and the stub) -> our sub-dissector with the DCE/RPC call state.
 *
 * Input format (tests/fuzz/libfuzz/seeds.py writes it):
 *   byte 0      flags: bit 0 = ClusAPI 2.0 (else 3.0), bit 1 = NDR64 (else NDR), bit 2 = response,
 *               bit 3 = no tree (as tshark's summary lines; else a tree as under -V); the
 *               dissectors write the columns (Info) either way, as under tshark -V -P
 *   byte 1      opnum
 *   bytes 2-5   control code (little endian); written into the request stub of the control methods
 *               (offset 20, or 40 for the ApiNode*Control methods) when the stub is long enough
 *   request:    bytes 6..   the request stub
 *   response:   bytes 6-7   length L of the request stub (little endian), then L bytes of request
 *               stub (the request that the response answers), then the response stub
 *
 * Environment: CMRP_FUZZ_PRINT=1 prints the dissection tree of every frame (to check by hand that
 * cmrp decodes the stub).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <epan/column.h>
#include <epan/column-info.h>
#include <epan/epan.h>
#include <epan/epan_dissect.h>
#include <epan/frame_data.h>
#include <epan/prefs.h>
#include <epan/print.h>
#include <epan/print_stream.h>
#include <epan/proto.h>
#include <epan/stats_tree_priv.h>
#include <epan/tap.h>
#include <epan/tvbuff.h>
#include <wiretap/wtap.h>
#include <wsutil/filesystem.h>
#include <wsutil/privileges.h>
#include <wsutil/wslog.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The plugin's entry point (plugin/packet-cmrp.c) and its statistics tree (plugin/cmrp-stats.c,
 * what tshark's -z cmrp,tree registers through the plugin's tap registration). */
void plugin_register(void);
void cmrp_stats_register_tree(void);

#define HDR_LEN 6
#define MAX_STUB 60000          /* one TCP segment, one DCE/RPC fragment, under the IPv4 limit */
#define RESET_EVERY 65536       /* a fresh epan session (conversations, call tables) this often;
                                 * each reset costs ~0.1 s and leaves ~8 MB behind in libwireshark 4.0
                                 * (at 16384, a one-hour run of 3.5M inputs ended at 2.9 GB RSS) */

static epan_t *session;
static epan_dissect_t *edt;     /* one per session, reset after each frame (as tshark does) */
static epan_dissect_t *edt_plain; /* the same without a tree, for the bind and bind_ack frames:
                                   * they hold no cmrp byte, and their labels were ~20% of the
                                   * time of an input */
static unsigned inputs_in_session;
static uint32_t frame_num;
static uint16_t client_port = 1024;
static int print_tree;
static print_stream_t *print_stream;
static stats_tree *stats;       /* -z cmrp,tree, listening to the cmrp tap */
static nstime_t frame_ts;
static const frame_data *prev_dis;
static frame_data prev_fd;
static int have_prev;
static int canary;
static column_info cinfo;     /* the Info column and the others of the default preferences */

static const nstime_t *
get_frame_ts(struct packet_provider_data *prov, uint32_t num)
{
    (void)prov;
    (void)num;
    return &frame_ts;
}

static const struct packet_provider_funcs provider_funcs = { get_frame_ts, NULL, NULL, NULL };

static void
new_session(void)
{
    if (edt)
        epan_dissect_free(edt);
    if (edt_plain)
        epan_dissect_free(edt_plain);
    if (session)
        epan_free(session);
    session = epan_new(NULL, &provider_funcs);
    edt = epan_dissect_new(session, TRUE, TRUE);
    edt_plain = epan_dissect_new(session, FALSE, FALSE);
    if (stats)
        stats_tree_reinit(stats);   /* its nodes (one per object name seen) go with the session */
    inputs_in_session = 0;
    frame_num = 0;
    have_prev = 0;
    prev_dis = NULL;
}

static const char *const speed_prefs[] = {
    "tcp.analyze_sequence_numbers:FALSE",
    "tcp.calculate_timestamps:FALSE",
    "tcp.desegment_tcp_streams:FALSE",
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *arg0 = (argc && *argc > 0 && argv && *argv) ? (*argv)[0] : "cmrp_fuzzer";
    char *err;

    /* No user preferences or plugins from the machine: the run must not depend on them. */
    if (!g_getenv("WIRESHARK_CONFIG_DIR"))
        g_setenv("WIRESHARK_CONFIG_DIR", "/nonexistent-cmrp-fuzz", TRUE);
    print_tree = g_getenv("CMRP_FUZZ_PRINT") != NULL;
    /* Findings, as in tests/fuzz's other runs: a dissector bug (a failed DISSECTOR_ASSERT), the
     * too-many-items limit, and any warning or critical log message abort the process. */
    g_setenv("WIRESHARK_ABORT_ON_DISSECTOR_BUG", "1", TRUE);
    g_setenv("WIRESHARK_ABORT_ON_TOO_MANY_ITEMS", "1", TRUE);
    ws_log_init("cmrp_fuzzer", NULL);
    ws_log_set_level(LOG_LEVEL_WARNING);
    ws_log_set_fatal(LOG_LEVEL_WARNING);
    canary = g_getenv("CMRP_FUZZ_CANARY") != NULL;

    init_process_policies();
    relinquish_special_privs_perm();
    err = configuration_init(arg0, NULL);
    if (err) {
        fprintf(stderr, "cmrp_fuzzer: configuration_init: %s\n", err);
        g_free(err);
    }
    wtap_init(FALSE);
    plugin_register();
    if (!epan_init(NULL, NULL, FALSE)) {
        fprintf(stderr, "cmrp_fuzzer: epan_init failed\n");
        abort();
    }
    epan_load_settings();
    if (proto_get_id_by_filter_name("cmrp") < 0 || proto_get_id_by_filter_name("cmrp2") < 0) {
        fprintf(stderr, "cmrp_fuzzer: the cmrp plugin did not register\n");
        abort();
    }
    /* TCP bookkeeping that each input would pay for and that cmrp never sees: off. */
    for (size_t i = 0; i < G_N_ELEMENTS(speed_prefs); i++) {
        char *pref = g_strdup(speed_prefs[i]), *msg = NULL;
        if (prefs_set_pref(pref, &msg) != PREFS_SET_OK) {
            fprintf(stderr, "cmrp_fuzzer: cannot set %s: %s\n", speed_prefs[i], msg ? msg : "");
            abort();
        }
        g_free(msg);
        g_free(pref);
    }
    prefs_apply_all();
    build_column_format_array(&cinfo, prefs.num_cols, TRUE);
    {
        /* the statistics tree listens as it does under tshark -z cmrp,tree, so the tap record
         * and the tree's packet callback see every input */
        stats_tree_cfg *cfg;
        GString *tap_err;
        cmrp_stats_register_tree();
        cfg = stats_tree_get_cfg_by_abbr("cmrp");
        if (!cfg) {
            fprintf(stderr, "cmrp_fuzzer: the cmrp statistics tree did not register\n");
            abort();
        }
        stats = stats_tree_new(cfg, NULL, NULL);
        tap_err = register_tap_listener(cfg->tapname, stats, NULL, cfg->flags, stats_tree_reset,
                                        stats_tree_packet, NULL, NULL);
        if (tap_err) {
            fprintf(stderr, "cmrp_fuzzer: register_tap_listener: %s\n", tap_err->str);
            abort();
        }
        if (cfg->init)
            cfg->init(stats);
    }
    if (print_tree)
        print_stream = print_stream_text_stdio_new(stdout);
    new_session();
    return 0;
}

/* ---- building the frames ---------------------------------------------------------------- */

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void
put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A GUID as DCE/RPC puts it on the wire with little-endian data representation. */
static void
put_uuid(uint8_t *p, uint32_t d1, uint16_t d2, uint16_t d3, const uint8_t d4[8])
{
    put32(p, d1);
    put16(p + 4, d2);
    put16(p + 6, d3);
    memcpy(p + 8, d4, 8);
}

static void
put_cmrp_syntax(uint8_t *p, uint16_t ver)
{
    static const uint8_t d4[8] = { 0xbf, 0xf6, 0x08, 0x00, 0x2b, 0xe2, 0x3f, 0x2f };
    put_uuid(p, 0xb97db8b2, 0x4c63, 0x11cf, d4);
    put16(p + 16, ver);
    put16(p + 18, 0);
}

static void
put_transfer_syntax(uint8_t *p, int ndr64)
{
    static const uint8_t ndr[8] = { 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 };
    static const uint8_t n64[8] = { 0x83, 0x19, 0xb5, 0xdb, 0xef, 0x9c, 0xcc, 0x36 };
    if (ndr64) {
        put_uuid(p, 0x71710533, 0xbeba, 0x4937, n64);
        put32(p + 16, 1);
    } else {
        put_uuid(p, 0x8a885d04, 0x1ceb, 0x11c9, ndr);
        put32(p + 16, 2);
    }
}

/* The common 16-byte header of a connection-oriented PDU. */
static void
put_co_header(uint8_t *p, uint8_t ptype, uint16_t frag_len, uint32_t call_id)
{
    p[0] = 5;           /* rpc_vers */
    p[1] = 0;           /* rpc_vers_minor */
    p[2] = ptype;
    p[3] = 0x03;        /* first and last fragment */
    p[4] = 0x10;        /* little endian, ASCII, IEEE float */
    p[5] = p[6] = p[7] = 0;
    put16(p + 8, frag_len);
    put16(p + 10, 0);   /* auth_length */
    put32(p + 12, call_id);
}

#define IP_TCP_LEN 40
static uint8_t frame_buf[IP_TCP_LEN + 24 + MAX_STUB + 64];
static uint32_t seq_client, seq_server;

/* Dissects one IPv4/TCP frame holding `payload` (already written after the 40 header bytes);
 * with a tree when it carries a cmrp stub (or the tree is printed). */
enum frame_mode { BIND_FRAME, TREE_FRAME, SUMMARY_FRAME };

static void
dissect_frame(size_t payload_len, int from_client, enum frame_mode mode)
{
    epan_dissect_t *e = (mode == TREE_FRAME || print_tree) ? edt : edt_plain;
    size_t len = IP_TCP_LEN + payload_len;
    uint8_t *ip = frame_buf, *tcp = frame_buf + 20;
    wtap_rec rec;
    frame_data fd;
    tvbuff_t *tvb;
    nstime_t elapsed;
    const frame_data *ref = NULL;

    memset(ip, 0, IP_TCP_LEN);
    ip[0] = 0x45;
    put_be16(ip + 2, (uint16_t)len);
    put_be16(ip + 4, (uint16_t)frame_num);
    ip[6] = 0x40;       /* don't fragment */
    ip[8] = 64;
    ip[9] = 6;          /* TCP */
    put_be32(ip + 12, from_client ? 0x0a000001 : 0x0a000002);
    put_be32(ip + 16, from_client ? 0x0a000002 : 0x0a000001);
    put_be16(tcp, from_client ? client_port : 135);
    put_be16(tcp + 2, from_client ? 135 : client_port);
    put_be32(tcp + 4, from_client ? seq_client : seq_server);
    put_be32(tcp + 8, from_client ? seq_server : seq_client);
    tcp[12] = 0x50;
    tcp[13] = 0x18;     /* PSH, ACK */
    put_be16(tcp + 14, 0xffff);
    if (from_client)
        seq_client += (uint32_t)payload_len;
    else
        seq_server += (uint32_t)payload_len;

    frame_num++;
    frame_ts.secs = frame_num;
    frame_ts.nsecs = 0;
    wtap_rec_init(&rec);
    rec.rec_type = REC_TYPE_PACKET;
    rec.presence_flags = WTAP_HAS_TS | WTAP_HAS_CAP_LEN;
    rec.ts = frame_ts;
    rec.rec_header.packet_header.caplen = (uint32_t)len;
    rec.rec_header.packet_header.len = (uint32_t)len;
    rec.rec_header.packet_header.pkt_encap = WTAP_ENCAP_RAW_IP;

    frame_data_init(&fd, frame_num, &rec, 0, 0);
    frame_data_set_before_dissect(&fd, &elapsed, &ref, prev_dis);
    tvb = tvb_new_real_data(frame_buf, (unsigned)len, (int)len);
    epan_dissect_run_with_taps(e, WTAP_FILE_TYPE_SUBTYPE_UNKNOWN, &rec, tvb, &fd,
                               mode == BIND_FRAME ? NULL : &cinfo);
    if (print_tree) {
        printf("---- frame %u\n", frame_num);
        proto_tree_print(print_dissections_expanded, FALSE, edt, NULL, print_stream);
        fflush(stdout);
    }
    frame_data_set_after_dissect(&fd, &(uint32_t){0});
    prev_fd = fd;
    prev_fd.pfd = NULL;         /* frame_data_destroy() below frees the list; keep no alias */
    have_prev = 1;
    prev_dis = &prev_fd;
    epan_dissect_reset(e);
    frame_data_destroy(&fd);
    wtap_rec_cleanup(&rec);
}

static void
send_bind(uint16_t ver, int ndr64)
{
    uint8_t *p = frame_buf + IP_TCP_LEN;
    size_t n = 16 + 8 + 4 + 4 + 20 + 20;
    put_co_header(p, 11, (uint16_t)n, 1);
    put16(p + 16, 5840);            /* max_xmit_frag */
    put16(p + 18, 5840);            /* max_recv_frag */
    put32(p + 20, 0);               /* assoc_group_id */
    p[24] = 1;                      /* one presentation context */
    p[25] = 0;
    put16(p + 26, 0);
    put16(p + 28, 0);               /* p_cont_id */
    p[30] = 1;                      /* one transfer syntax */
    p[31] = 0;
    put_cmrp_syntax(p + 32, ver);
    put_transfer_syntax(p + 52, ndr64);
    dissect_frame(n, 1, BIND_FRAME);
}

static void
send_bind_ack(int ndr64)
{
    uint8_t *p = frame_buf + IP_TCP_LEN;
    static const char port[] = "49152";
    size_t n;
    put16(p + 16, 5840);
    put16(p + 18, 5840);
    put32(p + 20, 0x1234);
    put16(p + 24, sizeof port);     /* secondary address, with its NUL */
    memcpy(p + 26, port, sizeof port);
    n = 26 + sizeof port;
    while (n % 4)
        p[n++] = 0;
    p[n] = 1;                       /* one result */
    p[n + 1] = 0;
    put16(p + n + 2, 0);
    put16(p + n + 4, 0);            /* acceptance */
    put16(p + n + 6, 0);
    put_transfer_syntax(p + n + 8, ndr64);
    n += 8 + 20;
    put_co_header(p, 12, (uint16_t)n, 1);
    dissect_frame(n, 0, BIND_FRAME);
}

static int
ctl_code_offset(unsigned opnum)
{
    switch (opnum) {
    case 73: case 75: case 77: case 79: case 89: case 98: case 106: case 174:
        return 20;      /* (handle, dwControlCode, ...) */
    case 72: case 74: case 76: case 78: case 88: case 97: case 105: case 173:
        return 40;      /* (handle, hNode, dwControlCode, ...) */
    default:
        return -1;
    }
}

static void
send_request(unsigned opnum, const uint8_t *stub, size_t len, uint32_t ctl_code, enum frame_mode mode)
{
    uint8_t *p = frame_buf + IP_TCP_LEN;
    int off = ctl_code_offset(opnum);
    put_co_header(p, 0, (uint16_t)(24 + len), 2);
    put32(p + 16, (uint32_t)len);   /* alloc_hint */
    put16(p + 20, 0);               /* p_cont_id */
    put16(p + 22, (uint16_t)opnum);
    if (len)
        memcpy(p + 24, stub, len);
    if (off >= 0 && len >= (size_t)off + 4)
        put32(p + 24 + off, ctl_code);
    dissect_frame(24 + len, 1, mode);
}

static void
send_response(const uint8_t *stub, size_t len, enum frame_mode mode)
{
    uint8_t *p = frame_buf + IP_TCP_LEN;
    put_co_header(p, 2, (uint16_t)(24 + len), 2);
    put32(p + 16, (uint32_t)len);   /* alloc_hint */
    put16(p + 20, 0);               /* p_cont_id */
    p[22] = 0;                      /* cancel_count */
    p[23] = 0;
    if (len)
        memcpy(p + 24, stub, len);
    dissect_frame(24 + len, 0, mode);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned flags, opnum;
    uint32_t ctl_code;
    const uint8_t *req, *resp = NULL;
    size_t req_len, resp_len = 0;

    if (size < HDR_LEN)
        return 0;
    flags = data[0];
    opnum = data[1];
    ctl_code = (uint32_t)data[2] | (uint32_t)data[3] << 8 | (uint32_t)data[4] << 16 |
               (uint32_t)data[5] << 24;
    if (flags & 4) {
        if (size < HDR_LEN + 2)
            return 0;
        req_len = (size_t)data[6] | (size_t)data[7] << 8;
        if (req_len > size - HDR_LEN - 2)
            req_len = size - HDR_LEN - 2;
        req = data + HDR_LEN + 2;
        resp = req + req_len;
        resp_len = size - HDR_LEN - 2 - req_len;
    } else {
        req = data + HDR_LEN;
        req_len = size - HDR_LEN;
    }
    if (req_len > MAX_STUB || resp_len > MAX_STUB)
        return 0;

    /* CMRP_FUZZ_CANARY=1 (tests/fuzz/test_libfuzz.py only): a deliberate heap overflow on
     * ApiResourceControl(CLUSCTL_RESOURCE_ENUM_COMMON_PROPERTIES), which a few seeds hold, to
     * prove that a finding stops the run and leaves a reproducer. */
    if (canary && opnum == 73 && ctl_code == 0x01000051) {
        volatile uint8_t *p = malloc(4);
        p[4] = 1;
        free((void *)p);
    }
    if (inputs_in_session++ >= RESET_EVERY)
        new_session();
    /* A new TCP connection (client port) per input: its own bind, its own call state. */
    client_port = (uint16_t)(client_port >= 65000 ? 1024 : client_port + 1);
    seq_client = 1000;
    seq_server = 5000;

    send_bind((flags & 1) ? 2 : 3, (flags & 2) != 0);
    send_bind_ack((flags & 2) != 0);
    send_request(opnum, req, req_len, ctl_code, (flags & 8) ? SUMMARY_FRAME : TREE_FRAME);
    if (flags & 4)
        send_response(resp, resp_len, (flags & 8) ? SUMMARY_FRAME : TREE_FRAME);
    return 0;
}
