"""Connectionless DCE/RPC (ncadg_ip_udp) server and client for the mock ClusAPI peer.

ClusAPI 2.0 runs over ncadg_ip_udp (MS-CMRP 2.1). This module implements the unauthenticated
subset of C706 chapter 12 (connectionless PDUs, 12.5) and chapter 10 (the connectionless protocol
machines) with MS-RPCE 2.2.3 / 3.2, that such a session needs:

- request / response / fault / reject PDUs, with the activity UUID, the per-activity sequence
  number, the server boot time, and the interface UUID and version (2.0) in every header;
- fragmentation both ways: fragment numbers, PF_FRAG / PF_LASTFRAG, acknowledgement of fragments
  by fack PDUs (unless PF_NOFACK), with the selective-ack bitmask;
- ping -> working / nocall / retransmitted response, and ack of the response (non-idempotent calls);
- NDR only (there is no NDR64 over ncadg, and no presentation negotiation: the transfer syntax is
  implicit).

Not implemented: authentication (auth_proto 0 only), the conversation-manager callback
(WAY / convc_indy: a mock server does not need to verify client boot times), cancel, broadcast.

The handler contract is the one of dcerpc_co: handler(CallContext) -> bytes or raise Fault(status).
"""

import itertools
import logging
import os
import socket
import struct
import threading
import time
import traceback
import uuid as uuidlib

try:
    from .dcerpc_co import AssocGroup, CallContext, Fault
except ImportError:         # loaded as a top-level module (tests put tests/peer on sys.path)
    from dcerpc_co import AssocGroup, CallContext, Fault

log = logging.getLogger('cmrp.peer.dcerpc_cl')

# PDU types, C706 12.5.2.
PTYPE_REQUEST = 0
PTYPE_PING = 1
PTYPE_RESPONSE = 2
PTYPE_FAULT = 3
PTYPE_WORKING = 4
PTYPE_NOCALL = 5
PTYPE_REJECT = 6
PTYPE_ACK = 7
PTYPE_CL_CANCEL = 8
PTYPE_FACK = 9
PTYPE_CANCEL_ACK = 10

PTYPE_NAMES = {0: 'request', 1: 'ping', 2: 'response', 3: 'fault', 4: 'working', 5: 'nocall',
               6: 'reject', 7: 'ack', 8: 'cl_cancel', 9: 'fack', 10: 'cancel_ack'}

# flags1, C706 12.5.3.2.
PF_LASTFRAG = 0x02
PF_FRAG = 0x04
PF_NOFACK = 0x08
PF_MAYBE = 0x10
PF_IDEMPOTENT = 0x20
PF_BROADCAST = 0x40
# flags2.
PF2_CANCEL_PENDING = 0x02

HEADER_SIZE = 80
RPC_VERS_CL = 4
DREP_LE = b'\x10\x00\x00'           # little-endian integers, ASCII, IEEE floats
NO_HINT = 0xffff

# Fragment body size we send. C706 12.5.1: every implementation must accept datagrams of at least
# 1464 bytes (fragment header included), so 1464 - 80 is always safe.
DEFAULT_FRAG_BODY = 1464 - HEADER_SIZE
MAX_DATAGRAM = 65507

# Status codes used in reject and fault PDUs (C706 appendix E).
NCA_S_OP_RNG_ERROR = 0x1c010002
NCA_S_UNK_IF = 0x1c010003
NCA_S_WRONG_BOOT_TIME = 0x1c010006
NCA_S_PROTO_ERROR = 0x1c01000b
NCA_S_UNSUPPORTED_TYPE = 0x1c010017
NCA_S_FAULT_UNSPEC = 0x1c000012
# Errors the runtime detects before the manager runs are sent as reject, not fault (C706 12.5.3.9).
REJECT_STATUSES = (NCA_S_OP_RNG_ERROR, NCA_S_UNK_IF, NCA_S_WRONG_BOOT_TIME, NCA_S_PROTO_ERROR,
                   NCA_S_UNSUPPORTED_TYPE)


class ClHeader:
    """The 80-byte connectionless header, C706 12.5.3.1. Only little-endian is produced; received
    headers are read in the byte order their drep announces."""

    __slots__ = ('ptype', 'flags1', 'flags2', 'drep', 'serial', 'object', 'if_id', 'act_id',
                 'server_boot', 'if_vers', 'seqnum', 'opnum', 'ihint', 'ahint', 'length',
                 'fragnum', 'auth_proto')

    def __init__(self, **kw):
        self.ptype = 0
        self.flags1 = 0
        self.flags2 = 0
        self.drep = DREP_LE
        self.serial = 0
        self.object = uuidlib.UUID(int=0)
        self.if_id = uuidlib.UUID(int=0)
        self.act_id = uuidlib.UUID(int=0)
        self.server_boot = 0
        self.if_vers = 0
        self.seqnum = 0
        self.opnum = 0
        self.ihint = NO_HINT
        self.ahint = NO_HINT
        self.length = 0
        self.fragnum = 0
        self.auth_proto = 0
        for k, v in kw.items():
            setattr(self, k, v)

    @classmethod
    def parse(cls, data):
        if len(data) < HEADER_SIZE:
            raise ValueError('short datagram')
        if data[0] != RPC_VERS_CL:
            raise ValueError('rpc_vers %d is not 4' % data[0])
        h = cls()
        h.ptype, h.flags1, h.flags2 = data[1], data[2], data[3]
        h.drep = bytes(data[4:7])
        little = h.drep[0] & 0xf0 == 0x10
        e = '<' if little else '>'

        def u(b):
            return uuidlib.UUID(bytes_le=bytes(b)) if little else uuidlib.UUID(bytes=bytes(b))
        serial_hi = data[7]
        h.object = u(data[8:24])
        h.if_id = u(data[24:40])
        h.act_id = u(data[40:56])
        (h.server_boot, h.if_vers, h.seqnum, h.opnum, h.ihint, h.ahint, h.length,
         h.fragnum) = struct.unpack_from(e + 'IIIHHHHH', data, 56)
        h.auth_proto = data[78]
        h.serial = (serial_hi << 8) | data[79]
        if HEADER_SIZE + h.length > len(data):
            raise ValueError('body length %d past the datagram' % h.length)
        return h

    def build(self, body=b''):
        self.length = len(body)
        return (struct.pack('<BBBB3sB', RPC_VERS_CL, self.ptype, self.flags1, self.flags2, DREP_LE,
                            (self.serial >> 8) & 0xff)
                + self.object.bytes_le + self.if_id.bytes_le + self.act_id.bytes_le
                + struct.pack('<IIIHHHHHBB', self.server_boot, self.if_vers, self.seqnum,
                              self.opnum, self.ihint, self.ahint, self.length, self.fragnum,
                              self.auth_proto, self.serial & 0xff)
                + body)

    def reply(self, ptype, **kw):
        """A header for an answer to this one: same activity, call, interface and object."""
        h = ClHeader(ptype=ptype, object=self.object, if_id=self.if_id, act_id=self.act_id,
                     if_vers=self.if_vers, seqnum=self.seqnum, opnum=self.opnum)
        for k, v in kw.items():
            setattr(h, k, v)
        return h


def if_vers_pack(major, minor):
    """if_vers of the CL header: major version in the low 16 bits, minor in the high 16 (as in the
    CO p_syntax_id_t, C706 12.5.3.1)."""
    return (minor << 16) | major


def fack_body(window, max_frag, serial, received, base):
    """fack body, C706 12.5.3.4: vers, pad, window_size, max_tsdu, max_frag_size, serial_num,
    selack_len and the selective-ack bitmask of fragments received above `base` (the header's
    fragnum, the highest in-order fragment), bit 0 of the first word being fragment base+1."""
    above = sorted(f for f in received if f > base)
    words = []
    if above:
        nwords = (above[-1] - base - 1) // 32 + 1
        words = [0] * nwords
        for f in above:
            bit = f - base - 1
            words[bit // 32] |= 1 << (bit % 32)
    return struct.pack('<BBHIIHH', 0, 0, window, MAX_DATAGRAM, max_frag, serial & 0xffff,
                       len(words)) + b''.join(struct.pack('<I', w) for w in words)


def split_fragments(stub, chunk):
    if not stub:
        return [b'']
    return [stub[i:i + chunk] for i in range(0, len(stub), chunk)]


def frag_flags(i, n):
    """flags1 for fragment i of n (C706 12.5.3.2): an unfragmented PDU has neither PF_FRAG nor
    PF_LASTFRAG; a fragmented one has PF_FRAG on every fragment and PF_LASTFRAG on the last."""
    if n == 1:
        return 0
    return PF_FRAG | (PF_LASTFRAG if i == n - 1 else 0)


class _Assembly:
    """Fragments of one PDU (request on the server, response on the client) being collected."""

    def __init__(self):
        self.frags = {}
        self.last = None

    def add(self, hdr, body):
        self.frags.setdefault(hdr.fragnum, bytes(body))
        if not hdr.flags1 & PF_FRAG or hdr.flags1 & PF_LASTFRAG:
            self.last = hdr.fragnum

    def in_order(self):
        """Highest fragment number n such that 0..n are all here (-1 if none)."""
        n = -1
        while n + 1 in self.frags:
            n += 1
        return n

    def complete(self):
        return self.last is not None and all(i in self.frags for i in range(self.last + 1))

    def data(self):
        return b''.join(self.frags[i] for i in range(self.last + 1))


# --------------------------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------------------------

class _ServerCall:
    def __init__(self, hdr):
        self.seqnum = hdr.seqnum
        self.opnum = hdr.opnum
        self.idempotent = bool(hdr.flags1 & PF_IDEMPOTENT)
        self.maybe = bool(hdr.flags1 & PF_MAYBE)
        self.request = _Assembly()
        self.state = 'receiving'        # -> 'running' -> 'done'
        self.reply_pkts = []            # datagrams of the response (or fault / reject), for resends
        self.serial = 0
        self.done_at = None


class _Activity:
    """Server state of one client activity (C706 10.2, the activity is the CL association)."""

    def __init__(self, act_id, conn_id):
        self.act_id = act_id
        self.conn_id = conn_id
        self.calls = {}                 # seqnum -> _ServerCall
        self.high_seq = -1
        self.assoc = AssocGroup(conn_id)
        self.last_seen = time.time()


class ClServer:
    """ncadg_ip_udp server on 127.0.0.1:port (0: any free port, see .port)."""

    RESPONSE_KEEP = 60.0            # seconds a response is kept for retransmission

    def __init__(self, port, handler, iface_uuid, iface_versions=((2, 0),), dump_dir=None,
                 frag_body=DEFAULT_FRAG_BODY):
        self.handler = handler
        self.iface = uuidlib.UUID(str(iface_uuid))
        self.iface_versions = tuple(tuple(v) for v in iface_versions)
        self.dump_dir = dump_dir
        self.frag_body = frag_body
        if dump_dir:
            os.makedirs(dump_dir, exist_ok=True)
        # Server boot time (C706 12.5.3.1 server_boot): clients echo it; a different non-zero
        # value in a request means the client talked to an earlier instance.
        self.boot_time = int(time.time()) & 0xffffffff
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', port))          # loopback only: a test peer
        self.port = self.sock.getsockname()[1]
        self._lock = threading.Lock()
        self._activities = {}
        self._conn_ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._stop = threading.Event()

    def serve_forever(self):
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(MAX_DATAGRAM)
            except socket.timeout:
                self._expire()
                continue
            except OSError:
                if self._stop.is_set():
                    break
                raise
            try:
                self._on_datagram(data, addr)
            except Exception:
                log.error('CL server: error on datagram from %s:\n%s', addr, traceback.format_exc())

    def shutdown(self):
        self._stop.set()
        try:
            self.sock.close()
        except OSError:
            pass

    # ---- datagram dispatch ----

    def _send(self, pkt, addr):
        try:
            self.sock.sendto(pkt, addr)
        except OSError:
            pass

    def _on_datagram(self, data, addr):
        try:
            hdr = ClHeader.parse(data)
        except ValueError as e:
            log.warning('CL server: dropping bad datagram from %s: %s', addr, e)
            return
        body = data[HEADER_SIZE:HEADER_SIZE + hdr.length]
        log.debug('CL <- %s act=%s seq=%d frag=%d flags1=0x%02x len=%d', PTYPE_NAMES.get(
            hdr.ptype, hdr.ptype), hdr.act_id, hdr.seqnum, hdr.fragnum, hdr.flags1, hdr.length)
        if hdr.ptype == PTYPE_REQUEST:
            self._on_request(hdr, body, addr)
        elif hdr.ptype == PTYPE_PING:
            self._on_ping(hdr, addr)
        elif hdr.ptype == PTYPE_ACK:
            self._on_ack(hdr)
        elif hdr.ptype == PTYPE_FACK:
            pass        # responses are sent in one burst (loopback); facks need no action
        elif hdr.ptype == PTYPE_CL_CANCEL:
            # Calls are not cancellable here; confirm the cancel so the client stops asking
            # (C706 12.5.3.3, cancel_ack body: vers, cancel_id, server_is_accepting).
            cancel_id = struct.unpack_from('<I', body, 4)[0] if len(body) >= 8 else 0
            self._send(hdr.reply(PTYPE_CANCEL_ACK, server_boot=self.boot_time).build(
                struct.pack('<III', 0, cancel_id, 1)), addr)
        else:
            log.debug('CL server: ignoring %s', PTYPE_NAMES.get(hdr.ptype, hdr.ptype))

    def _activity(self, act_id, create):
        with self._lock:
            act = self._activities.get(act_id)
            if act is None and create:
                act = self._activities[act_id] = _Activity(act_id, next(self._conn_ids))
            if act is not None:
                act.last_seen = time.time()
            return act

    def _reject(self, hdr, status, addr):
        self._send(hdr.reply(PTYPE_REJECT, server_boot=self.boot_time).build(
            struct.pack('<I', status)), addr)

    def _on_request(self, hdr, body, addr):
        if hdr.drep[0] & 0xf0 != 0x10:
            return self._reject(hdr, NCA_S_UNSUPPORTED_TYPE, addr)
        if hdr.server_boot not in (0, self.boot_time):
            # C706 10.2: a request for an earlier incarnation of the server.
            return self._reject(hdr, NCA_S_WRONG_BOOT_TIME, addr)
        major, minor = hdr.if_vers & 0xffff, hdr.if_vers >> 16
        if hdr.if_id != self.iface or not any(major == a and minor <= b
                                              for a, b in self.iface_versions):
            return self._reject(hdr, NCA_S_UNK_IF, addr)
        if hdr.auth_proto:
            return self._reject(hdr, NCA_S_UNSUPPORTED_TYPE, addr)
        act = self._activity(hdr.act_id, create=True)
        # Decide under the lock, act after it (the call's worker thread updates the same call).
        with self._lock:
            call = act.calls.get(hdr.seqnum)
            if call is None:
                if hdr.seqnum < act.high_seq:
                    return      # an old call of this activity, long answered: drop
                # A higher sequence number implicitly acknowledges the earlier calls (C706 10.2).
                for old in [s for s in act.calls if s < hdr.seqnum]:
                    del act.calls[old]
                call = act.calls[hdr.seqnum] = _ServerCall(hdr)
                act.high_seq = hdr.seqnum
            state = call.state
            if state == 'done':
                resend = list(call.reply_pkts)
            elif state == 'receiving':
                call.request.add(hdr, body)
                if call.request.complete():
                    call.state = 'running'
                    state = 'start'
                in_order = call.request.in_order()
                received = set(call.request.frags)
        if state == 'done':
            # A retransmitted request for a call we answered: the response was lost (C706 10.2).
            for pkt in resend:
                self._send(pkt, addr)
        elif state == 'running':
            # Still executing: tell the client so it does not retransmit (C706 12.5.3.10).
            self._send(hdr.reply(PTYPE_WORKING, server_boot=self.boot_time).build(), addr)
        elif state == 'start':
            threading.Thread(target=self._run_call, args=(act, call, hdr, addr), daemon=True,
                             name='dcerpc-cl-call').start()
        elif hdr.flags1 & PF_FRAG and not hdr.flags1 & PF_NOFACK and in_order >= 0:
            # Acknowledge the fragment, as the client asked (C706 12.5.3.4): fragnum is the
            # highest fragment received in order, the selective ack lists those beyond it.
            fh = hdr.reply(PTYPE_FACK, server_boot=self.boot_time, fragnum=in_order)
            self._send(fh.build(fack_body(64, self.frag_body + HEADER_SIZE, hdr.serial, received,
                                          in_order)), addr)

    def _run_call(self, act, call, hdr, addr):
        stub = call.request.data()
        seq = next(self._seq)
        self._dump(seq, call.opnum, 'in', stub)
        ctx = CallContext(call.opnum, stub, False, 1, act.assoc, act.conn_id,
                          seqnum=call.seqnum, activity=str(act.act_id), object_uuid=str(hdr.object),
                          idempotent=call.idempotent, transport='ncadg_ip_udp', seq=seq,
                          vtrailer=None, auth_type=0, user=None)
        pkts = []
        try:
            out = bytes(self.handler(ctx) or b'')
        except Fault as f:
            ptype = PTYPE_REJECT if f.status in REJECT_STATUSES else PTYPE_FAULT
            log.info('CL: opnum %d -> %s 0x%08x', call.opnum, PTYPE_NAMES[ptype], f.status)
            pkts.append(hdr.reply(ptype, server_boot=self.boot_time).build(
                struct.pack('<I', f.status)))
        except Exception:
            log.error('CL: handler raised on opnum %d:\n%s', call.opnum, traceback.format_exc())
            pkts.append(hdr.reply(PTYPE_FAULT, server_boot=self.boot_time).build(
                struct.pack('<I', NCA_S_FAULT_UNSPEC)))
        else:
            self._dump(seq, call.opnum, 'out', out)
            frags = split_fragments(out, self.frag_body)
            for i, chunk in enumerate(frags):
                flags = frag_flags(i, len(frags))
                # Ask for facks on all but the last fragment (C706 12.5.3.4); the last one is
                # answered by the client's ack (non-idempotent calls, C706 10.2).
                if i == len(frags) - 1:
                    flags |= PF_NOFACK
                flags |= PF_IDEMPOTENT if call.idempotent else 0
                call.serial += 1
                rh = hdr.reply(PTYPE_RESPONSE, server_boot=self.boot_time, flags1=flags,
                               fragnum=i, serial=call.serial)
                pkts.append(rh.build(chunk))
        with self._lock:
            call.reply_pkts = pkts
            call.state = 'done'
            call.done_at = time.time()
        if call.maybe:
            return          # "maybe" calls get no answer (C706 10.1.2)
        for pkt in pkts:
            self._send(pkt, addr)

    def _on_ping(self, hdr, addr):
        act = self._activity(hdr.act_id, create=False)
        call = act.calls.get(hdr.seqnum) if act else None
        if call is None:
            # Never heard of it (or long forgotten): nocall, C706 12.5.3.6.
            self._send(hdr.reply(PTYPE_NOCALL, server_boot=self.boot_time).build(), addr)
        elif call.state == 'running':
            self._send(hdr.reply(PTYPE_WORKING, server_boot=self.boot_time).build(), addr)
        elif call.state == 'done':
            for pkt in call.reply_pkts:
                self._send(pkt, addr)
        else:
            # Still receiving the request: nocall with a fack body saying what arrived, so the
            # client resends the rest (C706 12.5.3.6).
            base = max(call.request.in_order(), 0)
            self._send(hdr.reply(PTYPE_NOCALL, server_boot=self.boot_time, fragnum=base).build(
                fack_body(64, self.frag_body + HEADER_SIZE, hdr.serial, set(call.request.frags),
                          base)), addr)

    def _on_ack(self, hdr):
        act = self._activity(hdr.act_id, create=False)
        if act is not None:
            with self._lock:
                call = act.calls.get(hdr.seqnum)
                if call is not None and call.state == 'done':
                    del act.calls[hdr.seqnum]

    def _expire(self):
        now = time.time()
        with self._lock:
            for act in list(self._activities.values()):
                for seqnum, call in list(act.calls.items()):
                    if call.state == 'done' and now - call.done_at > self.RESPONSE_KEEP:
                        del act.calls[seqnum]
                if not act.calls and now - act.last_seen > 600:
                    del self._activities[act.act_id]

    def _dump(self, seq, opnum, direction, data):
        if not self.dump_dir:
            return
        with open(os.path.join(self.dump_dir, '%05d_%d_%s.bin' % (seq, opnum, direction)),
                  'wb') as f:
            f.write(data)


def serve_in_thread(server):
    t = threading.Thread(target=server.serve_forever, name='dcerpc-cl-%d' % server.port,
                         daemon=True)
    t.start()
    return t


# --------------------------------------------------------------------------------------------
# Client
# --------------------------------------------------------------------------------------------

class ClReject(Fault):
    """The server rejected the call (reject PDU): the manager did not run."""


class ClClient:
    """ncadg_ip_udp client: one activity, calls one after the other.

        c = ClClient('127.0.0.1', port, 'b97db8b2-4c63-11cf-bff6-08002be23f2f')
        out = c.call(0, b'')
    """

    def __init__(self, host, port, iface_uuid, version=(2, 0), timeout=1.0, retries=8,
                 frag_body=DEFAULT_FRAG_BODY):
        if host not in ('127.0.0.1', 'localhost'):
            raise ValueError('this test client only talks to the loopback address')
        self.addr = ('127.0.0.1', port)
        self.iface = uuidlib.UUID(str(iface_uuid))
        self.if_vers = if_vers_pack(*version)
        self.act_id = uuidlib.uuid4()           # the activity (C706 10.1)
        self.seqnum = 0
        self.server_boot = 0                    # learned from the first answer
        self.timeout = timeout
        self.retries = retries
        self.frag_body = frag_body
        self.stats = {'facks_received': 0, 'facks_sent': 0, 'working': 0, 'pings': 0,
                      'retransmits': 0}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', 0))

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _header(self, ptype, seqnum, opnum, **kw):
        return ClHeader(ptype=ptype, if_id=self.iface, act_id=self.act_id,
                        server_boot=self.server_boot, if_vers=self.if_vers, seqnum=seqnum,
                        opnum=opnum, **kw)

    def _recv(self, timeout):
        self.sock.settimeout(timeout)
        while True:
            data, _ = self.sock.recvfrom(MAX_DATAGRAM)
            try:
                hdr = ClHeader.parse(data)
            except ValueError:
                continue
            if hdr.act_id != self.act_id:
                continue
            return hdr, data[HEADER_SIZE:HEADER_SIZE + hdr.length]

    def call(self, opnum, stub, idempotent=False, object_uuid=None):
        seqnum = self.seqnum
        self.seqnum += 1
        flags_extra = PF_IDEMPOTENT if idempotent else 0
        obj = uuidlib.UUID(str(object_uuid)) if object_uuid else uuidlib.UUID(int=0)
        frags = split_fragments(bytes(stub), self.frag_body)
        serial = itertools.count(1)

        def packet(i):
            flags = frag_flags(i, len(frags)) | flags_extra
            if i == len(frags) - 1:
                flags |= PF_NOFACK      # the last fragment is answered by the response itself
            h = self._header(PTYPE_REQUEST, seqnum, opnum, flags1=flags, fragnum=i,
                             serial=next(serial), object=obj)
            return h.build(frags[i])

        # Send the request. Every fragment but the last asks for a fack, and we wait for it before
        # sending the next one (a window of one fragment: slow, but simple and loss-proof).
        for i in range(len(frags)):
            if i == len(frags) - 1:
                self.sock.sendto(packet(i), self.addr)
                break
            for attempt in range(self.retries):
                self.sock.sendto(packet(i), self.addr)
                if self._wait_fack(seqnum, i):
                    break
                self.stats['retransmits'] += 1
            else:
                raise TimeoutError('no fack for fragment %d of call %d' % (i, seqnum))

        # Collect the response.
        resp = _Assembly()
        idle = 0
        while True:
            try:
                hdr, body = self._recv(self.timeout)
            except socket.timeout:
                idle += 1
                if idle > self.retries:
                    raise TimeoutError('no response to call %d (opnum %d)' % (seqnum, opnum))
                # C706 10.1: ping the server to learn whether the call is still alive.
                self.stats['pings'] += 1
                self.sock.sendto(self._header(PTYPE_PING, seqnum, opnum, flags1=flags_extra,
                                              serial=next(serial)).build(), self.addr)
                continue
            if hdr.seqnum != seqnum:
                continue
            if hdr.server_boot:
                self.server_boot = hdr.server_boot
            if hdr.ptype == PTYPE_RESPONSE:
                idle = 0
                resp.add(hdr, body)
                if hdr.flags1 & PF_FRAG and not hdr.flags1 & PF_NOFACK and resp.in_order() >= 0:
                    base = resp.in_order()
                    fh = self._header(PTYPE_FACK, seqnum, opnum, fragnum=base)
                    self.sock.sendto(fh.build(fack_body(64, self.frag_body + HEADER_SIZE,
                                                        hdr.serial, set(resp.frags), base)),
                                     self.addr)
                    self.stats['facks_sent'] += 1
                if resp.complete():
                    if not idempotent:
                        # C706 10.1: acknowledge the response so the server can drop it.
                        self.sock.sendto(self._header(PTYPE_ACK, seqnum, opnum).build(), self.addr)
                    return resp.data()
            elif hdr.ptype in (PTYPE_FAULT, PTYPE_REJECT):
                status = struct.unpack_from('<I', body, 0)[0] if len(body) >= 4 else 0
                if hdr.ptype == PTYPE_FAULT and not idempotent:
                    self.sock.sendto(self._header(PTYPE_ACK, seqnum, opnum).build(), self.addr)
                raise (ClReject if hdr.ptype == PTYPE_REJECT else Fault)(status)
            elif hdr.ptype == PTYPE_WORKING:
                idle = 0
                self.stats['working'] += 1
            elif hdr.ptype == PTYPE_NOCALL:
                # The server lost (part of) the request: send it again (C706 10.1).
                self.stats['retransmits'] += 1
                for i in range(len(frags)):
                    self.sock.sendto(packet(i), self.addr)
            elif hdr.ptype == PTYPE_FACK:
                self.stats['facks_received'] += 1

    def _wait_fack(self, seqnum, fragnum):
        deadline = time.time() + self.timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                return False
            try:
                hdr, body = self._recv(left)
            except socket.timeout:
                return False
            if hdr.seqnum != seqnum:
                continue
            if hdr.server_boot:
                self.server_boot = hdr.server_boot
            if hdr.ptype == PTYPE_FACK:
                self.stats['facks_received'] += 1
                if hdr.fragnum >= fragnum:
                    return True
            elif hdr.ptype in (PTYPE_REJECT, PTYPE_FAULT):
                status = struct.unpack_from('<I', body, 0)[0] if len(body) >= 4 else 0
                raise (ClReject if hdr.ptype == PTYPE_REJECT else Fault)(status)
