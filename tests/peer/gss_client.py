"""A DCE/RPC client (ncacn_ip_tcp) that authenticates with Kerberos through MIT's GSS-API
(python3-gssapi), for the scenario's Kerberos and SPNEGO sessions: impacket's own Kerberos
framing for DCE/RPC does not interoperate, so the PDUs are built here.

    c = GssClient(port, 'b97db8b2-...', (3, 0), spn='MSServerClusterMgmtAPI@cluster.cmrp.test',
                  auth='krb5' | 'spnego', level=AUTH_LEVEL_PRIVACY | AUTH_LEVEL_INTEGRITY)
    out = c.call(opnum, stub)          # the response stub; GssFault(status) on a fault

What it sends (as Windows and Samba do, MS-RPCE 3.3.1.5, MS-KILE 3.4.5.4-5): a DCE-style
Kerberos context (GSS_C_DCE_STYLE, mutual); for auth type 16, bind (AP-REQ), bind_ack (AP-REP),
auth3 (the client's AP-REP); for SPNEGO (auth type 9), a NegTokenInit offering the Microsoft and
the standard Kerberos OIDs with the AP-REQ, then alter_context with the client's AP-REP and a
mechListMIC, whose answer carries the server's mechListMIC. Requests are fragmented to the
server's max_recv_frag, each fragment sealed (GSS_WrapEx over IOV buffers) or signed
(GSS_GetMIC) on its own, with header signing when the server acknowledges it.
The credentials come from the default ccache (KRB5CCNAME; krb5realm.py's kinit).
"""
import socket
import struct

import gssapi
from gssapi.raw import IOV, IOVBufferType as T, unwrap_iov, wrap_iov, wrap_iov_length

import dcerpc_co as co

FLAGS = (gssapi.RequirementFlag.dce_style | gssapi.RequirementFlag.mutual_authentication |
         gssapi.RequirementFlag.confidentiality | gssapi.RequirementFlag.integrity |
         gssapi.RequirementFlag.replay_detection | gssapi.RequirementFlag.out_of_sequence_detection)
FIRST_LAST = co.PFC_FIRST_FRAG | co.PFC_LAST_FRAG
AUTH_CTX_ID = 1


class GssFault(Exception):
    def __init__(self, status):
        Exception.__init__(self, 'fault 0x%08x' % status)
        self.status = status


class GssClient:
    def __init__(self, port, iface_uuid, version=(3, 0), spn=None, auth='krb5',
                 level=co.AUTH_LEVEL_PRIVACY, ndr64=False, max_frag=co.DEFAULT_MAX_FRAG):
        self.auth_type = {'krb5': co.AUTH_TYPE_KRB5, 'spnego': co.AUTH_TYPE_SPNEGO}[auth]
        self.level = level
        self.call_id = 1
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=60)
        self.ctx = gssapi.SecurityContext(
            name=gssapi.Name(spn, gssapi.NameType.hostbased_service), usage='initiate',
            flags=FLAGS, mech=gssapi.MechType.kerberos)
        transfer = co.NDR64_SYNTAX if ndr64 else co.NDR_SYNTAX
        # p_cont_elem: context 0, one transfer syntax
        self.pres = struct.pack('<HBB', 0, 1, 0) + co.syntax_id(iface_uuid, *version) + transfer
        self._bind(max_frag)

    # ---- PDUs ----

    def _send_auth_pdu(self, ptype, body, token, flags=FIRST_LAST | co.PFC_SUPPORT_HEADER_SIGN):
        pad = (4 - (16 + len(body)) % 4) % 4
        body += b'\0' * pad + struct.pack('<BBBBI', self.auth_type, self.level, pad, 0,
                                          AUTH_CTX_ID) + token
        pdu = struct.pack('<BBBB4sHHI', 5, 0, ptype, flags, b'\x10\0\0\0', 16 + len(body),
                          len(token), self.call_id) + body
        self.sock.sendall(pdu)

    def _recv(self):
        buf = b''
        while len(buf) < 16:
            chunk = self.sock.recv(16 - len(buf))
            if not chunk:
                raise ConnectionError('connection closed')
            buf += chunk
        frag_len = struct.unpack_from('<H', buf, 8)[0]
        while len(buf) < frag_len:
            chunk = self.sock.recv(frag_len - len(buf))
            if not chunk:
                raise ConnectionError('connection closed')
            buf += chunk
        return buf

    @staticmethod
    def _auth_value(pdu):
        n = struct.unpack_from('<H', pdu, 10)[0]
        return pdu[len(pdu) - n:] if n else b''

    def _bind_body(self, max_frag):
        return struct.pack('<HHIBBH', max_frag, max_frag, 0, 1, 0, 0) + self.pres

    def _bind(self, max_frag):
        ap_req = self.ctx.step()
        if self.auth_type == co.AUTH_TYPE_SPNEGO:
            mech_list = co.der(0x30, co.der(0x06, co.MS_KRB5_OID) + co.der(0x06, co.KRB5_OID))
            init = co.der(0xa0, co.der(0x30, co.der(0xa0, mech_list) +
                                       co.der(0xa2, co.der(0x04, ap_req))))
            token = co.der(0x60, co.der(0x06, co.SPNEGO_OID) + init)
        else:
            token = ap_req
        self._send_auth_pdu(co.PTYPE_BIND, self._bind_body(max_frag), token)
        ack = self._recv()
        if ack[2] != co.PTYPE_BIND_ACK:
            raise ConnectionError('bind refused (ptype %d)' % ack[2])
        self.hdr_sign = bool(ack[3] & co.PFC_SUPPORT_HEADER_SIGN)
        self.max_xmit = struct.unpack_from('<H', ack, 18)[0]    # the server's max_recv_frag
        answer = self._auth_value(ack)
        if self.auth_type == co.AUTH_TYPE_SPNEGO:
            resp = self._neg_token_resp(answer)
            third = self.ctx.step(resp[0xa2])
            targ = co.der(0xa1, co.der(0x30, co.der(0xa2, co.der(0x04, third)) +
                                       co.der(0xa3, co.der(0x04,
                                                           self.ctx.get_signature(mech_list)))))
            self.call_id += 1
            self._send_auth_pdu(co.PTYPE_ALTER_CONTEXT, self._bind_body(max_frag), targ)
            alter = self._recv()
            if alter[2] != co.PTYPE_ALTER_CONTEXT_RESP:
                raise ConnectionError('alter_context refused (ptype %d)' % alter[2])
            resp = self._neg_token_resp(self._auth_value(alter))
            if resp.get(0xa0) != bytes([co.NEG_STATE_ACCEPT_COMPLETED]):
                raise ConnectionError('SPNEGO did not complete')
            self.ctx.verify_signature(mech_list, resp[0xa3])
        else:
            third = self.ctx.step(answer)
            self._send_auth_pdu(co.PTYPE_AUTH3, b'\0' * 4, third)
        if not self.ctx.complete:
            raise ConnectionError('Kerberos context not complete')
        self.call_id += 1

    @staticmethod
    def _neg_token_resp(data):
        tag, value, _ = co.der_read(data)
        if tag != 0xa1:
            raise ConnectionError('not a NegTokenResp')
        _, seq, _ = co.der_read(value)
        return {t: co.der_read(v)[1] for t, v, _ in co.der_items(seq)}

    # ---- protection ----

    def _iov(self, header, pre, data, post):
        bufs = [(T.header, header is None, header)]
        if self.hdr_sign:
            bufs.append((T.sign_only, False, pre))
        bufs.append((T.data, False, data))
        if self.hdr_sign:
            bufs.append((T.sign_only, False, post))
        return IOV(*bufs, std_layout=False)

    def _sig_size(self):
        if self.level == co.AUTH_LEVEL_PRIVACY:
            iov = self._iov(None, b'\0' * 24, b'\0' * 16, b'\0' * 8)
            wrap_iov_length(self.ctx, iov, True)
            return len(iov[0].value)
        return 28                           # RFC 4121 MIC token, AES

    def _request_fragment(self, flags, alloc_hint, opnum, piece, size):
        pad = (16 - len(piece) % 16) % 16
        data = piece + b'\0' * pad
        frag_len = 24 + len(data) + 8 + size
        pre = struct.pack('<BBBB4sHHI', 5, 0, co.PTYPE_REQUEST, flags, b'\x10\0\0\0', frag_len,
                          size, self.call_id) + struct.pack('<IHH', alloc_hint, 0, opnum)
        post = struct.pack('<BBBBI', self.auth_type, self.level, pad, 0, AUTH_CTX_ID)
        if self.level == co.AUTH_LEVEL_PRIVACY:
            iov = self._iov(None, pre, data, post)
            wrap_iov(self.ctx, iov, True)
            wire, sig = iov[2 if self.hdr_sign else 1].value, iov[0].value
        else:
            wire = data
            sig = self.ctx.get_signature(pre + data + post if self.hdr_sign else data)
        return pre + wire + post + sig

    def _open(self, pdu):
        frag_len, auth_len = struct.unpack_from('<HH', pdu, 8)
        st = frag_len - auth_len - 8
        pad = pdu[st + 2]
        pre, wire, post, sig = pdu[:24], pdu[24:st], pdu[st:st + 8], pdu[st + 8:frag_len]
        if self.level == co.AUTH_LEVEL_PRIVACY:
            iov = self._iov(sig, pre, wire, post)
            unwrap_iov(self.ctx, iov)
            data = iov[2 if self.hdr_sign else 1].value
        else:
            self.ctx.verify_signature(pre + wire + post if self.hdr_sign else wire, sig)
            data = wire
        return data[:len(data) - pad]

    # ---- calls ----

    def call(self, opnum, stub):
        size = self._sig_size()
        room = self.max_xmit - 24 - 8 - size
        room -= room % 16
        off = 0
        while True:
            piece = stub[off:off + room]
            flags = (co.PFC_FIRST_FRAG if off == 0 else 0)
            if off + len(piece) >= len(stub):
                flags |= co.PFC_LAST_FRAG
            self.sock.sendall(self._request_fragment(flags, len(stub) - off, opnum, piece, size))
            off += len(piece)
            if flags & co.PFC_LAST_FRAG:
                break
        out = b''
        while True:
            pdu = self._recv()
            if pdu[2] == co.PTYPE_FAULT:
                self.call_id += 1
                raise GssFault(struct.unpack_from('<I', pdu, 24)[0])
            if pdu[2] != co.PTYPE_RESPONSE:
                raise ConnectionError('unexpected ptype %d' % pdu[2])
            out += self._open(pdu)
            if pdu[3] & co.PFC_LAST_FRAG:
                break
        self.call_id += 1
        return out

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
