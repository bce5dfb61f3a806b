"""Build small pcap files of DCE/RPC traffic from stubs. Python 3 stdlib only.

Used by the tests for byte-level cases (malformed stubs, exact layouts) and by the adversarial
capture generator. Real traffic comes from tests/peer/ (smbtorture and our scenario client); this
module only frames stubs that a test chose byte by byte.

    b = PcapBuilder()
    conv = b.tcp_conversation(client_port=50000, server_port=5555)
    conv.bind(ndr64=False)
    conv.call(opnum=8, request_stub=b'...', response_stub=b'...')
    b.write('x.pcap')
"""
import struct
import uuid

CLUSAPI_UUID = uuid.UUID('b97db8b2-4c63-11cf-bff6-08002be23f2f')
NDR_SYNTAX = (uuid.UUID('8a885d04-1ceb-11c9-9fe8-08002b104860'), 2)
NDR64_SYNTAX = (uuid.UUID('71710533-beba-4937-8319-b5dbef9ccc36'), 1)

PTYPE_REQUEST = 0
PTYPE_RESPONSE = 2
PTYPE_FAULT = 3
PTYPE_BIND = 11
PTYPE_BIND_ACK = 12
PFC_FIRST = 0x01
PFC_LAST = 0x02


def _csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def _ipv4(src, dst, proto, payload, ident):
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident & 0xffff, 0x4000, 64,
                      proto, 0, bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack('!H', _csum(hdr)) + hdr[12:]
    return hdr + payload


def _tcp(src, dst, sport, dport, seq, ack, flags, payload):
    hdr = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff, 5 << 4,
                      flags, 65535, 0, 0)
    pseudo = struct.pack('!4s4sBBH', bytes(src), bytes(dst), 0, 6, len(hdr) + len(payload))
    c = _csum(pseudo + hdr + payload)
    return hdr[:16] + struct.pack('!H', c) + hdr[18:] + payload


def _udp(src, dst, sport, dport, payload):
    hdr = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0)
    pseudo = struct.pack('!4s4sBBH', bytes(src), bytes(dst), 0, 17, 8 + len(payload))
    c = _csum(pseudo + hdr + payload) or 0xffff
    return hdr[:6] + struct.pack('!H', c) + payload


def _eth(payload):
    return b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + b'\x08\x00' + payload


def co_header(ptype, flags, frag_len, call_id, auth_len=0):
    return struct.pack('<BBBB4sHHI', 5, 0, ptype, flags, b'\x10\0\0\0', frag_len, auth_len, call_id)


def co_bind(call_id, ctx_items, max_frag=5840):
    """ctx_items: list of (ctx_id, (iface_uuid, major, minor), [(syntax_uuid, ver), ...])."""
    body = struct.pack('<HHIB3x', max_frag, max_frag, 0, len(ctx_items))
    for ctx_id, (iuuid, major, minor), syntaxes in ctx_items:
        body += struct.pack('<HBx', ctx_id, len(syntaxes))
        body += iuuid.bytes_le + struct.pack('<HH', major, minor)
        for suuid, sver in syntaxes:
            body += suuid.bytes_le + struct.pack('<I', sver)
    return co_header(PTYPE_BIND, PFC_FIRST | PFC_LAST, 16 + len(body), call_id) + body


def co_bind_ack(call_id, results, max_frag=5840, port=b'5555'):
    """results: list of (result, (syntax_uuid, ver))."""
    sec = port + b'\0'
    body = struct.pack('<HHIH', max_frag, max_frag, 0x1234, len(sec)) + sec
    pad = (-(16 + len(body))) % 4
    body += b'\0' * pad
    body += struct.pack('<B3x', len(results))
    for result, (suuid, sver) in results:
        body += struct.pack('<HH', result, 0) + suuid.bytes_le + struct.pack('<I', sver)
    return co_header(PTYPE_BIND_ACK, PFC_FIRST | PFC_LAST, 16 + len(body), call_id) + body


def co_request(call_id, ctx_id, opnum, stub, flags=PFC_FIRST | PFC_LAST, alloc_hint=None):
    body = struct.pack('<IHH', len(stub) if alloc_hint is None else alloc_hint, ctx_id, opnum) + stub
    return co_header(PTYPE_REQUEST, flags, 16 + len(body), call_id) + body


def co_response(call_id, ctx_id, stub, flags=PFC_FIRST | PFC_LAST, alloc_hint=None):
    body = struct.pack('<IHBx', len(stub) if alloc_hint is None else alloc_hint, ctx_id, 0) + stub
    return co_header(PTYPE_RESPONSE, flags, 16 + len(body), call_id) + body


class TcpConversation:
    def __init__(self, builder, client_port, server_port):
        self.b = builder
        self.cport = client_port
        self.sport = server_port
        self.cseq = 1000
        self.sseq = 50000
        self.call_id = 1
        self.ctx_id = 0
        self.ndr64 = False
        self._handshake()

    def _seg(self, from_client, flags, payload=b''):
        if from_client:
            src, dst, sp, dp, seq, ack = (self.b.cip, self.b.sip, self.cport, self.sport,
                                          self.cseq, self.sseq)
        else:
            src, dst, sp, dp, seq, ack = (self.b.sip, self.b.cip, self.sport, self.cport,
                                          self.sseq, self.cseq)
        self.b.packet(_eth(_ipv4(src, dst, 6, _tcp(src, dst, sp, dp, seq, ack, flags, payload),
                                 self.b.next_ident())))
        adv = len(payload) + (1 if flags & 0x03 else 0)
        if from_client:
            self.cseq += adv
        else:
            self.sseq += adv

    def _handshake(self):
        self._seg(True, 0x02)
        self.sseq_isn = self.sseq
        self._seg(False, 0x12)
        self._seg(True, 0x10)

    def send(self, from_client, data, mss=1460):
        for i in range(0, len(data), mss):
            self._seg(from_client, 0x18, data[i:i + mss])

    def bind(self, ndr64=False, version=(3, 0)):
        syntax = NDR64_SYNTAX if ndr64 else NDR_SYNTAX
        self.ndr64 = ndr64
        self.send(True, co_bind(self.call_id, [(self.ctx_id, (CLUSAPI_UUID,) + version, [syntax])]))
        self.send(False, co_bind_ack(self.call_id, [(0, syntax)]))
        self.call_id += 1

    def call(self, opnum, request_stub, response_stub=None, max_frag=None):
        """One request and (unless response_stub is None) its response; max_frag splits the
        stubs into several PDUs."""
        cid = self.call_id
        self.call_id += 1
        self._frags(True, cid, request_stub, max_frag,
                    lambda fl, chunk: co_request(cid, self.ctx_id, opnum, chunk, fl, len(request_stub)))
        if response_stub is not None:
            self._frags(False, cid, response_stub, max_frag,
                        lambda fl, chunk: co_response(cid, self.ctx_id, chunk, fl, len(response_stub)))
        return cid

    def _frags(self, from_client, cid, stub, max_frag, make):
        if not max_frag or len(stub) <= max_frag:
            self.send(from_client, make(PFC_FIRST | PFC_LAST, stub))
            return
        chunks = [stub[i:i + max_frag] for i in range(0, len(stub), max_frag)]
        for i, chunk in enumerate(chunks):
            fl = (PFC_FIRST if i == 0 else 0) | (PFC_LAST if i == len(chunks) - 1 else 0)
            self.send(from_client, make(fl, chunk))


def cl_pdu(ptype, iface_uuid, activity, seqnum, opnum, stub, flags=0x08, if_version=2,
           serial=0, fragnum=0):
    """Connectionless PDU header (C706 12.5.3) + stub. flags 0x08 = idempotent-less 'nofack'."""
    hdr = struct.pack('<BBBB', 4, ptype, flags, 0)
    hdr += b'\x10\0\0'           # drep: little-endian, ASCII, IEEE
    hdr += bytes([serial >> 8 & 0xff])
    hdr += uuid.UUID(int=0).bytes_le       # object
    hdr += iface_uuid.bytes_le
    hdr += activity.bytes_le
    hdr += struct.pack('<IIIHHHHHBB', 0, if_version, seqnum, opnum, 0xffff, 0xffff, len(stub),
                       fragnum, 0, serial & 0xff)
    return hdr + stub


class UdpConversation:
    """ClusAPI 2.0 over ncadg_ip_udp: connectionless requests and responses."""

    def __init__(self, builder, client_port, server_port):
        self.b = builder
        self.cport = client_port
        self.sport = server_port
        self.activity = uuid.UUID('5ca1ab1e-0000-4000-8000-00000000c2c2')
        self.seq = 0

    def send(self, from_client, data):
        if from_client:
            src, dst, sp, dp = self.b.cip, self.b.sip, self.cport, self.sport
        else:
            src, dst, sp, dp = self.b.sip, self.b.cip, self.sport, self.cport
        self.b.packet(_eth(_ipv4(src, dst, 17, _udp(src, dst, sp, dp, data), self.b.next_ident())))

    def call(self, opnum, request_stub, response_stub=None):
        seq = self.seq
        self.seq += 1
        self.send(True, cl_pdu(0, CLUSAPI_UUID, self.activity, seq, opnum, request_stub))
        if response_stub is not None:
            self.send(False, cl_pdu(2, CLUSAPI_UUID, self.activity, seq, opnum, response_stub))


class PcapBuilder:
    def __init__(self, client_ip=(127, 0, 0, 2), server_ip=(127, 0, 0, 1)):
        self.cip = client_ip
        self.sip = server_ip
        self.frames = []
        self._ident = 1
        self._t = 1700000000.0

    def next_ident(self):
        self._ident += 1
        return self._ident

    def packet(self, data):
        self._t += 0.001
        self.frames.append((self._t, data))

    def tcp_conversation(self, client_port=50000, server_port=5555):
        return TcpConversation(self, client_port, server_port)

    def udp_conversation(self, client_port=50001, server_port=5556):
        return UdpConversation(self, client_port, server_port)

    def write(self, path):
        with open(path, 'wb') as f:
            f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
            for t, data in self.frames:
                sec = int(t)
                usec = int(round((t - sec) * 1e6))
                f.write(struct.pack('<IIII', sec, usec, len(data), len(data)) + data)
