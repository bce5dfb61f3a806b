#!/usr/bin/python3
"""Coverage of the committed captures: methods, control-code buffer formats, notification payloads.

    /usr/bin/python3 tests/peer/coverage.py [--captures DIR] [--min-methods 150] [--json]
                                            [--password PW] [--no-tshark] [-v]

For every capture in captures/ (the MANIFEST order, then any other *.pcapng):

  methods      the distinct opnums seen in ClusAPI requests. Two sources, united: tshark
               (`-T fields -e dcerpc.opnum`, with -o ntlmssp.nt_password for the sealed
               captures, whose request headers are clear text anyway), and our own reader
               (below) for the captures that are not encrypted;
  formats      for every control request (opnums 72-79, 88, 89, 97, 98, 105, 106, 173, 174):
               dwControlCode is looked up in idl/tables/ctlcodes.tsv; its input format counts as
               covered when the request carried a non-empty lpInBuffer (NONE and IGNORED: when
               the code was sent), its output format when a response returned bytes in
               lpOutBuffer (NONE: when the call succeeded);
  payloads     for every NOTIFICATION_RPC in ApiGetNotifyV2 responses: (dwObjectType,
               FilterFlags) is looked up in the reference notify_v2.tsv and the buffer is
               checked against the payload kind the spec gives for it (empty, DWORD,
               PROPERTY_LIST, ...); ApiGetNotifyAsync and v1 ApiGetNotify are counted too.

Our reader parses pcapng/pcap (Ethernet or Linux cooked, IPv4, TCP or UDP), reassembles TCP
streams and DCE/RPC fragments (connection-oriented and connectionless), learns each
presentation context's transfer syntax from bind/bind_ack (NDR or NDR64) and decodes the
stubs with tests/peer/ndrcodec.py (ClusAPI 3.0 for ncacn_ip_tcp, 2.0 for ncadg_ip_udp).
It also reports (for information) the CLUSPROP value syntaxes seen in PROPERTY_LISTs and value
lists, and the CLUSTER_REG_BATCH_COMMAND types seen in batches.

tshark as root ignores WIRESHARK_PLUGIN_DIR; we do not need our plugin (opnums are dcerpc
fields), but run it unprivileged anyway when root (setpriv to nobody).

Exit status: 0 when every goal is met (>= --min-methods distinct methods, every buffer format of
ctlcodes.tsv except UNKNOWN/INTERNAL, every payload kind the server returns), 1 otherwise.
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import uuid as uuidlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import clusbuf as cb  # noqa: E402
import ndrcodec  # noqa: E402

CAPTURES = os.path.join(REPO, 'captures')
CTLCODES = os.path.join(REPO, 'idl', 'tables', 'ctlcodes.tsv')
NOTIFY_TSV_CANDIDATES = [os.path.join(REPO, 'idl', 'tables', 'notify_v2.tsv'),
                         os.path.join(REPO, 'tests', 'data', 'notify_v2_payloads.tsv')]
IFACE = uuidlib.UUID('b97db8b2-4c63-11cf-bff6-08002be23f2f')
NDR64_UUID = uuidlib.UUID('71710533-beba-4937-8319-b5dbef9ccc36')
PASSWORD = 'Cmrp-Passw0rd'

CONTROL_OPNUMS = {72, 73, 74, 75, 76, 77, 78, 79, 88, 89, 97, 98, 105, 106, 173, 174}
NOT_FORMATS = {'UNKNOWN', 'INTERNAL'}


# ---------------------------------------------------------------------------------------------
# Capture files

def read_packets(path):
    """(timestamp, link type, frame bytes) of every packet of a pcap or pcapng file."""
    with open(path, 'rb') as f:
        data = f.read()
    out = []
    if data[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        linktype = struct.unpack_from('<I', data, 20)[0]
        pos = 24
        while pos + 16 <= len(data):
            ts, _, incl, _ = struct.unpack_from('<IIII', data, pos)
            out.append((ts, linktype, data[pos + 16:pos + 16 + incl]))
            pos += 16 + incl
        return out
    if data[:4] != b'\x0a\x0d\x0d\x0a':
        raise ValueError('%s: not a pcap or pcapng file' % path)
    pos = 0
    ifaces = []
    e = '<'
    while pos + 12 <= len(data):
        btype = struct.unpack_from(e + 'I', data, pos)[0]
        if btype == 0x0a0d0d0a:
            bom = data[pos + 8:pos + 12]
            e = '<' if bom == b'\x4d\x3c\x2b\x1a' else '>'
            ifaces = []
        blen = struct.unpack_from(e + 'I', data, pos + 4)[0]
        if blen < 12 or pos + blen > len(data):
            break
        body = data[pos + 8:pos + blen - 4]
        if btype == 1:                                   # Interface Description Block
            ifaces.append(struct.unpack_from(e + 'H', body, 0)[0])
        elif btype == 6:                                 # Enhanced Packet Block
            ifid, tsh, tsl, caplen, _ = struct.unpack_from(e + 'IIIII', body, 0)
            out.append(((tsh << 32) | tsl, ifaces[ifid] if ifid < len(ifaces) else 1,
                        body[20:20 + caplen]))
        elif btype == 3:                                 # Simple Packet Block
            plen = struct.unpack_from(e + 'I', body, 0)[0]
            out.append((0, ifaces[0] if ifaces else 1, body[4:4 + plen]))
        pos += blen
    return out


def ip_payload(linktype, frame):
    """(proto, src, sport, dst, dport, payload, tcp seq, tcp flags) or None."""
    if linktype == 1:            # Ethernet
        if len(frame) < 14:
            return None
        et = struct.unpack_from('>H', frame, 12)[0]
        off = 14
        while et == 0x8100 and len(frame) >= off + 4:
            et = struct.unpack_from('>H', frame, off + 2)[0]
            off += 4
    elif linktype == 113:        # Linux cooked (SLL)
        et = struct.unpack_from('>H', frame, 14)[0]
        off = 16
    elif linktype == 276:        # SLL2
        et = struct.unpack_from('>H', frame, 0)[0]
        off = 20
    elif linktype in (0, 108):   # BSD loopback / null
        et = 0x0800
        off = 4
    elif linktype in (101, 228):  # raw IP
        et = 0x0800
        off = 0
    else:
        return None
    if et != 0x0800 or len(frame) < off + 20:
        return None
    ihl = (frame[off] & 0x0f) * 4
    total = struct.unpack_from('>H', frame, off + 2)[0]
    proto = frame[off + 9]
    src = frame[off + 12:off + 16]
    dst = frame[off + 16:off + 20]
    ip_end = min(len(frame), off + total)
    t = off + ihl
    if proto == 6:
        sport, dport, seq = struct.unpack_from('>HHI', frame, t)
        doff = (frame[t + 12] >> 4) * 4
        flags = frame[t + 13]
        return ('tcp', src, sport, dst, dport, frame[t + doff:ip_end], seq, flags)
    if proto == 17:
        sport, dport, ulen = struct.unpack_from('>HHH', frame, t)
        return ('udp', src, sport, dst, dport, frame[t + 8:min(ip_end, t + ulen)], 0, 0)
    return None


def tcp_streams(packets):
    """{(src, sport, dst, dport): bytes} with every direction's stream reassembled in order."""
    streams = {}
    nxt = {}
    for _, lt, frame in packets:
        p = ip_payload(lt, frame)
        if not p or p[0] != 'tcp':
            continue
        _, src, sport, dst, dport, payload, seq, flags = p
        key = (src, sport, dst, dport)
        if flags & 0x02:             # SYN
            nxt[key] = (seq + 1) & 0xffffffff
            streams.setdefault(key, bytearray())
            continue
        if not payload:
            continue
        if key not in nxt:
            nxt[key] = seq
            streams.setdefault(key, bytearray())
        exp = nxt[key]
        d = (seq - exp) & 0xffffffff
        if d == 0:
            streams[key] += payload
            nxt[key] = (seq + len(payload)) & 0xffffffff
        elif d > 0x80000000:         # old data: a retransmission, maybe partly new
            skip = (exp - seq) & 0xffffffff
            if skip < len(payload):
                streams[key] += payload[skip:]
                nxt[key] = (seq + len(payload)) & 0xffffffff
        else:                        # a gap (lost segment in the capture): keep going
            streams[key] += payload
            nxt[key] = (seq + len(payload)) & 0xffffffff
    return streams


# ---------------------------------------------------------------------------------------------
# DCE/RPC

class Call:
    __slots__ = ('opnum', 'version', 'ndr64', 'req', 'resp', 'fault', 'sealed')

    def __init__(self, opnum, version, ndr64, sealed=False):
        self.opnum = opnum
        self.version = version
        self.ndr64 = ndr64
        self.req = bytearray()
        self.resp = None
        self.fault = None
        self.sealed = sealed


def co_pdus(stream):
    pos = 0
    while pos + 16 <= len(stream):
        if stream[pos] != 5:
            return
        drep = stream[pos + 4]
        e = '<' if drep & 0x10 else '>'
        frag_len, auth_len, call_id = struct.unpack_from(e + 'HHI', stream, pos + 8)
        if frag_len < 16 or pos + frag_len > len(stream):
            return
        yield stream[pos:pos + frag_len], e, auth_len, call_id
        pos += frag_len


def co_body(pdu, hdr, auth_len):
    """The stub of a request/response PDU (auth trailer and pad removed)."""
    end = len(pdu)
    if auth_len:
        end -= auth_len + 8
        pad = pdu[end + 2] if end + 2 < len(pdu) else 0
        end -= pad
    return pdu[hdr:end]


def co_calls(streams):
    """Calls of every DCE/RPC association found in the TCP streams."""
    calls = []
    # pair client->server with server->client: the client sends the bind
    for key, cdata in streams.items():
        pdus = list(co_pdus(bytes(cdata)))
        if not pdus or pdus[0][0][2] not in (11, 14):     # first PDU: bind / alter_context
            continue
        rkey = (key[2], key[3], key[0], key[1])
        sdata = bytes(streams.get(rkey, b''))
        ctx_list = {}        # ctx_id -> [transfer syntaxes proposed]
        order = []           # bind items in order, to pair with bind_ack results
        is_clusapi = {}
        pending = {}
        for pdu, e, auth_len, call_id in pdus:
            ptype, flags = pdu[2], pdu[3]
            if ptype in (11, 14):
                n = pdu[24]
                o = 28
                items = []
                for _ in range(n):
                    ctx_id, ntr = struct.unpack_from(e + 'HB', pdu, o)
                    abstract = uuidlib.UUID(bytes_le=bytes(pdu[o + 4:o + 20]))
                    o += 24
                    trs = []
                    for _ in range(ntr):
                        trs.append(uuidlib.UUID(bytes_le=bytes(pdu[o:o + 16])))
                        o += 20
                    items.append(ctx_id)
                    ctx_list[ctx_id] = trs
                    is_clusapi[ctx_id] = abstract == IFACE
                order.append(items)
            elif ptype == 0:
                ctx_id, opnum = struct.unpack_from(e + 'HH', pdu, 20)
                hdr = 24 + (16 if flags & 0x80 else 0)
                c = pending.get(call_id)
                if c is None or flags & 0x01:
                    c = Call(opnum, 3, None, sealed=bool(auth_len) and _auth_level(pdu, auth_len) == 6)
                    c.ndr64 = ctx_id            # resolved below
                    pending[call_id] = c
                    if is_clusapi.get(ctx_id, True):
                        calls.append(c)
                c.req += co_body(pdu, hdr, auth_len)
        # server side: bind_ack results and responses
        accepted = {}
        sp = list(co_pdus(sdata))
        bi = 0
        for pdu, e, auth_len, call_id in sp:
            ptype, flags = pdu[2], pdu[3]
            if ptype in (12, 15):
                sec_len = struct.unpack_from(e + 'H', pdu, 24)[0]
                o = 26 + sec_len
                o += (-o) % 4
                n = pdu[o]
                o += 4
                items = order[bi] if bi < len(order) else []
                bi += 1
                for i in range(n):
                    result = struct.unpack_from(e + 'H', pdu, o)[0]
                    tr = uuidlib.UUID(bytes_le=bytes(pdu[o + 4:o + 20]))
                    o += 24
                    if result == 0 and i < len(items):
                        accepted[items[i]] = tr
            elif ptype == 2:
                c = pending.get(call_id)
                if c is None:
                    continue
                if c.resp is None or flags & 0x01:
                    c.resp = bytearray()
                c.resp += co_body(pdu, 24, auth_len)
            elif ptype == 3:
                c = pending.get(call_id)
                if c is not None:
                    c.fault = struct.unpack_from(e + 'I', pdu, 24)[0]
        for c in calls:
            if isinstance(c.ndr64, int) and not isinstance(c.ndr64, bool):
                c.ndr64 = accepted.get(c.ndr64) == NDR64_UUID
    return calls


def _auth_level(pdu, auth_len):
    t = len(pdu) - auth_len - 8
    return pdu[t + 1] if t >= 0 else 0


def cl_calls(packets):
    """Calls of the connectionless (ncadg_ip_udp) traffic: requests and responses reassembled."""
    import dcerpc_cl
    calls = {}
    order = []
    for _, lt, frame in packets:
        p = ip_payload(lt, frame)
        if not p or p[0] != 'udp':
            continue
        data = p[5]
        try:
            h = dcerpc_cl.ClHeader.parse(data)
        except (ValueError, struct.error):
            continue
        if h.if_id != IFACE:
            continue
        body = bytes(data[80:80 + h.length])
        key = (h.act_id, h.seqnum)
        if h.ptype == 0:
            ent = calls.get(key)
            if ent is None:
                ent = calls[key] = {'call': Call(h.opnum, h.if_vers & 0xffff, False),
                                    'req': {}, 'resp': {}}
                order.append(key)
            ent['req'][h.fragnum] = body
        elif h.ptype == 2 and key in calls:
            calls[key]['resp'][h.fragnum] = body
        elif h.ptype == 3 and key in calls:
            calls[key]['call'].fault = struct.unpack_from('<I', body, 0)[0] if len(body) >= 4 else 0
    out = []
    for key in order:
        ent = calls[key]
        c = ent['call']
        c.req = bytearray(b''.join(ent['req'][i] for i in sorted(ent['req'])))
        if ent['resp']:
            c.resp = bytearray(b''.join(ent['resp'][i] for i in sorted(ent['resp'])))
        out.append(c)
    return out


# ---------------------------------------------------------------------------------------------
# Tables

def load_ctlcodes(path=CTLCODES):
    table = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            cols = line.rstrip('\n').split('\t')
            if cols[0] == 'name' or len(cols) < 5:
                continue
            table[int(cols[1], 16)] = (cols[0], cols[2], cols[3], cols[4])
    return table


def payload_kind(text):
    """Our short name for a buffer_payload cell of notify_v2.tsv."""
    t = text.strip()
    if t.startswith('PROPERTY_LIST whose values are CLUSPROP_SYNTAX_LIST_VALUE_BINARY'):
        return 'PROPERTY_LIST of CLUSTER_SHARED_VOLUME_STATE_INFO(_EX)'
    for prefix, kind in (('empty', 'empty'), ('DWORD', 'DWORD'), ('PROPERTY_LIST', 'PROPERTY_LIST'),
                         ('Unicode string', 'Unicode string'), ('MULTI_SZ', 'MULTI_SZ'),
                         ('CLUSTER_MEMBERSHIP_INFO', 'CLUSTER_MEMBERSHIP_INFO'),
                         ('opaque', 'opaque')):
        if t.startswith(prefix):
            return kind
    return None


def load_notify_table():
    path = next((p for p in NOTIFY_TSV_CANDIDATES if os.path.exists(p)), None)
    if path is None:
        return {}, path
    rows = {}
    with open(path, encoding='utf-8') as f:
        header = f.readline().rstrip('\n').split('\t')
        for line in f:
            cols = dict(zip(header, line.rstrip('\n').split('\t')))
            ot = cols.get('object_type', '')
            try:
                otype = int(ot[ot.index('(') + 1:ot.index(')')], 16)
                flag = int(cols['filter_flag'] and cols['value'], 16)
            except (ValueError, KeyError):
                continue
            returned = cols.get('returned_by_server_in_GetNotifyV2', '')
            kind = payload_kind(cols.get('buffer_payload', ''))
            if not returned.startswith('Y') or kind is None or not flag:
                continue
            rows[(otype, flag)] = (cols['filter_flag'], kind)
    return rows, path


def buffer_matches(kind, buf):
    """Does a notification buffer look like the payload kind the spec gives for its flag?"""
    buf = bytes(buf or b'')
    if kind == 'empty':
        return len(buf) == 0
    if kind == 'DWORD':
        return len(buf) == 4
    if kind in ('Unicode string', 'MULTI_SZ'):
        return len(buf) >= 2 and len(buf) % 2 == 0 and buf[-2:] == b'\0\0'
    if kind.startswith('PROPERTY_LIST'):
        try:
            props = cb.parse_property_list(buf)
        except Exception:
            return False
        if kind == 'PROPERTY_LIST':
            return True
        return _has_syntax(props, cb.CLUSPROP_SYNTAX_LIST_VALUE_BINARY)
    if kind == 'CLUSTER_MEMBERSHIP_INFO':
        if len(buf) < 5:
            return False
        n = struct.unpack_from('<I', buf, 1)[0]
        return 5 + n <= len(buf)
    if kind == 'opaque':
        return True
    return False


def _has_syntax(props, syntax):
    return syntax in _syntaxes_of(props)


def _syntaxes_of(parsed):
    """Every value syntax in a parse_property_list / parse_value_list result (any shape)."""
    found = set()

    def walk(x):
        if isinstance(x, dict):
            for k in ('syntax', 'Syntax'):
                if isinstance(x.get(k), int):
                    found.add(x[k])
            for v in x.values():
                if isinstance(v, (list, tuple, dict)):
                    walk(v)
        elif isinstance(x, (list, tuple)):
            if len(x) >= 2 and isinstance(x[0], int) and isinstance(x[1], (bytes, bytearray)):
                found.add(x[0])
            for v in x:
                if isinstance(v, (list, tuple, dict)):
                    walk(v)
    walk(parsed)
    return found


def raw_syntaxes(buf, proplist):
    """Value syntaxes of a PROPERTY_LIST (proplist=True) or value list, walking the entries
    directly (independent of clusbuf's parser shapes)."""
    buf = bytes(buf)
    found = set()
    pos = 4 if proplist else 0
    while pos + 8 <= len(buf):
        syntax, size = struct.unpack_from('<II', buf, pos)
        if syntax == 0:
            pos += 4
            if not proplist:
                break
            continue
        if size > len(buf) - pos - 8:
            break
        if syntax != cb.CLUSPROP_SYNTAX_NAME or not proplist:
            found.add(syntax)
        pos += 8 + size + ((-size) % 4)
    return found


# ---------------------------------------------------------------------------------------------
# tshark

def tshark_opnums(path, password):
    """Opnums of ClusAPI requests according to tshark (None if tshark is unusable)."""
    if not shutil.which('tshark'):
        return None
    home = tempfile.mkdtemp(prefix='cmrp-cov-')
    os.chmod(home, 0o777)
    argv = ['tshark', '-r', path, '-o', 'ntlmssp.nt_password:' + password, '-T', 'fields',
            '-e', 'dcerpc.opnum', '-Y',
            'dcerpc.pkt_type == 0 && (dcerpc.cn_ctx_id || dcerpc.dg_if_id == '
            'b97db8b2-4c63-11cf-bff6-08002be23f2f)']
    env = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'HOME': home, 'LANG': 'C.UTF-8',
           'WIRESHARK_PLUGIN_DIR': os.path.join(home, 'none')}
    if os.geteuid() == 0:
        if not os.access(path, os.R_OK) or (os.stat(path).st_mode & 0o004) == 0:
            # nobody must be able to read the capture
            tmp = os.path.join(home, os.path.basename(path))
            shutil.copy(path, tmp)
            os.chmod(tmp, 0o644)
            argv[2] = tmp
        argv = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] + argv
    try:
        p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return None
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if p.returncode != 0:
        return None
    out = set()
    for line in p.stdout.split():
        for v in line.split(','):
            if v.strip().isdigit():
                out.add(int(v))
    return out


# ---------------------------------------------------------------------------------------------
# Analysis

class Coverage:
    def __init__(self):
        self.codecs = {2: ndrcodec.load(version=2), 3: ndrcodec.load(version=3)}
        self.ctl = load_ctlcodes()
        self.notify_rows, self.notify_path = load_notify_table()
        self.per_capture = {}
        self.methods = {}                  # opnum -> name
        self.in_fmts = {}                  # format -> first code name seen
        self.out_fmts = {}
        self.codes = set()
        self.unknown_codes = set()
        self.payload_kinds = {}            # kind -> (object type, flag name)
        self.notify_pairs = set()
        self.bad_payloads = []
        self.syntaxes = set()
        self.batch_cmds = set()
        self.v1_notify = 0
        self.async_notify = 0
        self.decode_errors = []

    def name(self, opnum, version=3):
        try:
            return self.codecs[version].method(opnum).name
        except KeyError:
            try:
                return self.codecs[3].method(opnum).name
            except KeyError:
                return 'opnum %d' % opnum

    def add_capture(self, path, use_tshark=True, password=PASSWORD):
        base = os.path.basename(path)
        info = {'file': base, 'calls': 0, 'sealed_calls': 0, 'opnums_reader': set(),
                'opnums_tshark': None}
        pk = read_packets(path)
        calls = co_calls(tcp_streams(pk)) + cl_calls(pk)
        for c in calls:
            info['calls'] += 1
            info['opnums_reader'].add(c.opnum)
            self.methods.setdefault(c.opnum, self.name(c.opnum, c.version))
            if c.sealed:
                info['sealed_calls'] += 1
                continue
            self.analyse(c, base)
        if use_tshark:
            ops = tshark_opnums(path, password)
            info['opnums_tshark'] = ops
            for o in ops or ():
                self.methods.setdefault(o, self.name(o))
        self.per_capture[base] = info

    def decode(self, c, direction):
        codec = self.codecs[c.version if c.version in (2, 3) else 3]
        data = bytes(c.req if direction == 'in' else c.resp)
        f = codec.decode_request if direction == 'in' else codec.decode_response
        return f(c.opnum, data, ndr64=bool(c.ndr64))

    def analyse(self, c, capname):
        try:
            req = self.decode(c, 'in')
        except Exception as e:
            self.decode_errors.append('%s: %s request: %s' % (capname, self.name(c.opnum), e))
            return
        resp = None
        if c.resp is not None and c.fault is None:
            try:
                resp = self.decode(c, 'out')
            except Exception as e:
                self.decode_errors.append('%s: %s response: %s' % (capname, self.name(c.opnum), e))
        name = self.name(c.opnum, c.version)
        if c.opnum in CONTROL_OPNUMS:
            self.control(req, resp)
        elif name in ('ApiGetNotifyV2',) and resp:
            self.notify_v2(resp)
        elif name == 'ApiGetNotify' and resp and resp.get('_return') == 0:
            self.v1_notify += 1
        elif name == 'ApiGetNotifyAsync' and resp and resp.get('dwNumNotifications'):
            self.async_notify += resp['dwNumNotifications']
        elif name in ('ApiExecuteBatch',):
            self.batch(req.get('lpData'))
        elif name in ('ApiExecuteReadBatch', 'ApiExecuteReadBatchEx'):
            self.batch(req.get('lpInData'))
            if resp:
                self.batch(resp.get('lpOutData'))
        elif name == 'ApiGetBatchNotification' and resp:
            self.batch(resp.get('lpData'))
        elif name in ('ApiCreateGroupEnum', 'ApiCreateResourceEnum') and resp:
            for e in ((resp.get('ppResultList') or {}).get('Entry') or []):
                for k in ('Properties', 'RoProperties'):
                    if e.get(k):
                        self.syntaxes |= raw_syntaxes(e[k], True)
        elif name in ('ApiOnlineGroupEx', 'ApiOfflineGroupEx', 'ApiMoveGroupEx',
                      'ApiMoveGroupToNodeEx', 'ApiOnlineResourceEx', 'ApiOfflineResourceEx'):
            if req.get('lpInBuffer'):
                self.syntaxes |= raw_syntaxes(req['lpInBuffer'], True)

    def control(self, req, resp):
        code = req.get('dwControlCode')
        ent = self.ctl.get(code)
        if ent is None:
            self.unknown_codes.add(code)
            return
        cname, _, fin, fout = ent
        self.codes.add(code)
        inbuf = req.get('lpInBuffer') or b''
        if fin in ('NONE', 'IGNORED') or inbuf:
            self.in_fmts.setdefault(fin, cname)
        if inbuf:
            self._syntaxes_for(fin, inbuf)
        if resp is None:
            return
        out = resp.get('lpOutBuffer') or b''
        rc = resp.get('_return')
        if out or (fout == 'NONE' and rc == 0):
            self.out_fmts.setdefault(fout, cname)
        if out:
            self._syntaxes_for(fout, out)

    def _syntaxes_for(self, fmt, buf):
        if fmt in ('PROPLIST', 'PROPFMTLIST'):
            self.syntaxes |= raw_syntaxes(buf, True)
        elif fmt in ('VALUELIST', 'CSV_VOLUME_LIST'):
            self.syntaxes |= raw_syntaxes(buf, False)

    def notify_v2(self, resp):
        for n in resp.get('Notifications') or []:
            d = n.get('NotificationData') or {}
            ft = d.get('FilterAndType') or {}
            key = (ft.get('dwObjectType'), ft.get('FilterFlags'))
            row = self.notify_rows.get(key)
            if row is None:
                continue
            flag_name, kind = row
            buf = d.get('buffer') or b''
            self.notify_pairs.add(key)
            if buffer_matches(kind, buf):
                self.payload_kinds.setdefault(kind, flag_name)
                if kind.startswith('PROPERTY_LIST'):
                    self.syntaxes |= raw_syntaxes(buf, True)
            else:
                self.bad_payloads.append('%s: %d-byte buffer is not %s' % (flag_name, len(buf), kind))

    def batch(self, buf):
        if not buf:
            return
        try:
            _, cmds = cb.parse_batch(buf)
        except Exception:
            return
        for cmd in cmds:
            self.batch_cmds.add(cmd[0])

    # ---- goals ----

    def required_formats(self):
        fin = {v[2] for v in self.ctl.values()} - NOT_FORMATS
        fout = {v[3] for v in self.ctl.values()} - NOT_FORMATS
        return fin, fout

    def required_kinds(self):
        return sorted({k for _, k in self.notify_rows.values()})


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--captures', default=CAPTURES)
    ap.add_argument('--min-methods', type=int, default=150)
    ap.add_argument('--password', default=PASSWORD)
    ap.add_argument('--no-tshark', action='store_true')
    ap.add_argument('--json', action='store_true', help='print the figures as JSON')
    ap.add_argument('-v', '--verbose', action='store_true')
    ap.add_argument('files', nargs='*', help='captures to measure (default: all in --captures)')
    a = ap.parse_args(argv)

    files = list(a.files)
    if not files:
        names = []
        manifest = os.path.join(a.captures, 'MANIFEST')
        if os.path.exists(manifest):
            with open(manifest, encoding='utf-8') as f:
                for line in f:
                    if line.strip() and not line.startswith('#'):
                        names.append(line.split()[0])
        for n in sorted(os.listdir(a.captures)) if os.path.isdir(a.captures) else []:
            if n.endswith(('.pcapng', '.pcap')) and n not in names:
                names.append(n)
        files = [os.path.join(a.captures, n) for n in names
                 if os.path.exists(os.path.join(a.captures, n))]
    if not files:
        print('coverage: no captures found in %s' % a.captures, file=sys.stderr)
        return 1

    cov = Coverage()
    for f in files:
        cov.add_capture(f, use_tshark=not a.no_tshark, password=a.password)

    all_ops = set(cov.methods)
    rin, rout = cov.required_formats()
    kinds = cov.required_kinds()
    miss_in = sorted(rin - set(cov.in_fmts))
    miss_out = sorted(rout - set(cov.out_fmts))
    miss_kinds = [k for k in kinds if k not in cov.payload_kinds]
    ok = len(all_ops) >= a.min_methods and not miss_in and not miss_out and not miss_kinds

    if a.json:
        print(json.dumps({
            'captures': {k: {'calls': v['calls'], 'methods_reader': sorted(v['opnums_reader']),
                             'methods_tshark': sorted(v['opnums_tshark'])
                             if v['opnums_tshark'] is not None else None}
                         for k, v in cov.per_capture.items()},
            'methods': {str(k): v for k, v in sorted(cov.methods.items())},
            'input_formats': cov.in_fmts, 'output_formats': cov.out_fmts,
            'missing_input_formats': miss_in, 'missing_output_formats': miss_out,
            'payload_kinds': cov.payload_kinds, 'missing_payload_kinds': miss_kinds,
            'control_codes': len(cov.codes), 'ok': ok}, indent=1, sort_keys=True))
        return 0 if ok else 1

    print('Methods (distinct opnums in ClusAPI requests)')
    print('  %-28s %7s %8s %8s' % ('capture', 'calls', 'reader', 'tshark'))
    for name, v in cov.per_capture.items():
        ts = v['opnums_tshark']
        sealed = ' (%d sealed)' % v['sealed_calls'] if v['sealed_calls'] else ''
        print('  %-28s %7d %8d %8s%s' % (name, v['calls'], len(v['opnums_reader']),
                                         '-' if ts is None else len(ts), sealed))
    defined = [m for m in cov.codecs[3].iface.methods if not m.not_on_wire]
    print('  %-28s %7s %8d   of %d defined methods (goal %d)' % (
        'total', '', len(all_ops), len(defined), a.min_methods))
    missing_methods = [m for m in defined if m.opnum not in all_ops]
    if missing_methods:
        print('  not seen: %s' % ', '.join('%d %s' % (m.opnum, m.name) for m in missing_methods))

    print()
    print('Control-code buffer formats (idl/tables/ctlcodes.tsv; %d distinct codes sent%s)' % (
        len(cov.codes), ', %d unknown codes' % len(cov.unknown_codes) if cov.unknown_codes else ''))
    print('  %-28s %-6s %-6s' % ('format', 'input', 'output'))
    for fmt in sorted(rin | rout):
        def mark(req, seen):
            if fmt not in req:
                return '  .'
            return ' yes' if fmt in seen else ' NO'
        print('  %-28s %-6s %-6s' % (fmt, mark(rin, cov.in_fmts), mark(rout, cov.out_fmts)))
    print('  input formats %d/%d, output formats %d/%d' % (
        len(rin & set(cov.in_fmts)), len(rin), len(rout & set(cov.out_fmts)), len(rout)))

    print()
    print('Notification payload kinds (ApiGetNotifyV2; %s)' % (cov.notify_path or 'no table'))
    for k in kinds:
        seen = cov.payload_kinds.get(k)
        print('  %-52s %s' % (k, ('yes (%s)' % seen) if seen else 'NO'))
    print('  kinds %d/%d; (object type, flag) pairs %d/%d; v1 ApiGetNotify events %d; '
          'ApiGetNotifyAsync events %d' % (
              len(kinds) - len(miss_kinds), len(kinds), len(cov.notify_pairs),
              len(cov.notify_rows), cov.v1_notify, cov.async_notify))
    for b in cov.bad_payloads[:10]:
        print('  mismatch: %s' % b)

    print()
    names = {v: k for k, v in vars(cb).items() if k.startswith('CLUSPROP_SYNTAX_')
             and isinstance(v, int) and v}
    all_syn = set(names)
    print('Value syntaxes seen in property/value lists (information): %d/%d' % (
        len(cov.syntaxes & all_syn), len(all_syn)))
    miss_syn = sorted(all_syn - cov.syntaxes)
    if miss_syn:
        print('  not seen: %s' % ', '.join(names[s] for s in miss_syn))
    print('Batch command types seen (information): %s' % (
        ', '.join(str(x) for x in sorted(cov.batch_cmds)) or 'none'))
    if cov.decode_errors:
        print()
        print('Stubs our codec could not decode: %d' % len(cov.decode_errors))
        for e in cov.decode_errors[:20 if a.verbose else 5]:
            print('  ' + e)
    print()
    print('RESULT: %s' % ('OK' if ok else 'BELOW GOAL'))
    if not ok:
        if len(all_ops) < a.min_methods:
            print('  methods: %d < %d' % (len(all_ops), a.min_methods))
        if miss_in:
            print('  input formats missing: %s' % ', '.join(miss_in))
        if miss_out:
            print('  output formats missing: %s' % ', '.join(miss_out))
        if miss_kinds:
            print('  payload kinds missing: %s' % ', '.join(miss_kinds))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
