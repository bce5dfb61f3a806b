"""Connection-oriented DCE/RPC server (ncacn_ip_tcp) for the mock ClusAPI peer.

Implements the server half of C706 chapter 12 ("RPC PDU encodings", connection-oriented part) with
the Microsoft extensions of MS-RPCE 2.2.2 / 3.3.1.5, and, for authentication, the server side of
NTLMSSP (MS-NLMP) on its own (auth type 10, RPC_C_AUTHN_WINNT) or wrapped in SPNEGO (auth type 9,
RPC_C_AUTHN_GSS_NEGOTIATE, MS-SPNG / RFC 4178), and Kerberos (auth type 16,
RPC_C_AUTHN_GSS_KERBEROS, or chosen by SPNEGO) with the service keys of a keytab, through MIT's
GSS-API (python3-gssapi): DCE-style three legs, GSS_WrapEx/GSS_UnwrapEx over IOV buffers for
packet privacy, GSS_GetMIC for packet integrity (MS-KILE 3.4.5.4-5).

What the handler sees is a CallContext: the opnum and the reassembled, decrypted request stub with
the verification trailer removed. It returns the response stub or raises Fault(status).

    srv = CoServer(0, handler, 'b97db8b2-4c63-11cf-bff6-08002be23f2f', user='u', password='p')
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    ... srv.port ...
    srv.shutdown()

Design notes (the *why*):
- PDUs are parsed and built with struct, not impacket's Structure classes, because the server has
  to control every byte that goes under a signature (frag_length, auth_length, padding) and must
  accept what any client sends (Samba, impacket, Windows), not only what impacket itself builds.
- Only little-endian integer representation is produced (drep 0x10), as every current client uses;
  requests announcing big-endian integers are refused (fault nca_s_unsupported_type).
- Each TCP connection has its own thread (socketserver.ThreadingTCPServer). State shared between
  connections is the association group (MS-RPCE 3.3.1.5.3, assoc_group_id): context handles are
  valid on every connection of one association group, so `ctx.assoc` is per group, not per
  connection.
- NTLMSSP signatures always cover the whole PDU (header, stub, auth padding, sec_trailer), whether
  or not PFC_SUPPORT_HEADER_SIGN was negotiated: that is what Windows, Samba and impacket do for
  NTLM (the flag only changes what Kerberos signs). We still acknowledge the flag, so Samba adds
  the "client supports header signing" bit to its verification trailer.

What Samba's smbtorture (4.17) sends at bind, seen on the wire against this server:
- always two presentation contexts: ClusAPI 3.0 with NDR (or with NDR64 only, given the binding
  option `ndr64`), and a bind-time feature negotiation context 6cb71c2c-9812-4540-0300-... v1.0
  (bitmask 0x3); max_xmit_frag = max_recv_frag = 5840, assoc_group_id 0;
- `-U%`: no auth verifier (anonymous), pfc_flags 0x03;
- with credentials and no auth option: SPNEGO (auth type 9) at PKT_INTEGRITY, pfc_flags 0x07
  (PFC_SUPPORT_HEADER_SIGN); `seal` makes it PKT_PRIVACY, `ntlm` plain NTLMSSP (auth type 10)
  with the third leg in auth3; SPNEGO's third leg comes in alter_context, with a mechListMIC;
- at integrity/privacy its first request on the context carries a verification trailer with
  bitmask1 and pcontext (no header2); at CONNECT level its requests carry no verifier at all.
"""

import hashlib
import hmac
import itertools
import logging
import os
import socket
import socketserver
import struct
import threading
import time
import traceback
import uuid as uuidlib

from Cryptodome.Cipher import ARC4
from Cryptodome.Hash import MD4

log = logging.getLogger('cmrp.peer.dcerpc_co')

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

# PDU types, C706 12.6.4 (connection-oriented PDUs only).
PTYPE_REQUEST = 0
PTYPE_RESPONSE = 2
PTYPE_FAULT = 3
PTYPE_BIND = 11
PTYPE_BIND_ACK = 12
PTYPE_BIND_NAK = 13
PTYPE_ALTER_CONTEXT = 14
PTYPE_ALTER_CONTEXT_RESP = 15
PTYPE_AUTH3 = 16            # MS-RPCE 2.2.2.10 (not in C706)
PTYPE_SHUTDOWN = 17
PTYPE_CO_CANCEL = 18
PTYPE_ORPHANED = 19

PTYPE_NAMES = {0: 'request', 2: 'response', 3: 'fault', 11: 'bind', 12: 'bind_ack', 13: 'bind_nak',
               14: 'alter_context', 15: 'alter_context_resp', 16: 'auth3', 17: 'shutdown',
               18: 'co_cancel', 19: 'orphaned'}

# pfc_flags, C706 12.6.3.1 and MS-RPCE 2.2.2.3.
PFC_FIRST_FRAG = 0x01
PFC_LAST_FRAG = 0x02
PFC_PENDING_CANCEL = 0x04           # in requests
PFC_SUPPORT_HEADER_SIGN = 0x04      # in bind / bind_ack / alter_context (MS-RPCE 2.2.2.3)
PFC_CONC_MPX = 0x10
PFC_DID_NOT_EXECUTE = 0x20
PFC_MAYBE = 0x40
PFC_OBJECT_UUID = 0x80

# Minimum fragment size every implementation must accept, C706 12.6.3.7.
MUST_RECV_FRAG_SIZE = 1432
# What we announce and send at most; 5840 is what Windows and Samba use.
DEFAULT_MAX_FRAG = 5840
# Refuse to reassemble requests larger than this (a mock server, not a DoS target).
MAX_REQUEST_SIZE = 32 * 1024 * 1024

# Transfer syntaxes.
NDR_UUID = '8a885d04-1ceb-11c9-9fe8-08002b104860'
NDR64_UUID = '71710533-beba-4937-8319-b5dbef9ccc36'

# Bind-time feature negotiation (MS-RPCE 2.2.2.14, 3.3.1.5.3): a presentation context whose
# transfer syntax UUID starts with these 8 bytes (in wire order) carries a bitmask in the last 8.
BTFN_PREFIX = uuidlib.UUID('6cb71c2c-9812-4540-0000-000000000000').bytes_le[:8]
BTFN_SECURITY_CONTEXT_MULTIPLEXING = 0x01
BTFN_KEEP_CONNECTION_ON_ORPHAN = 0x02
# Both are true of this server: security contexts are kept per auth_context_id, and an orphaned
# PDU only drops the half-received call.
BTFN_SUPPORTED = BTFN_SECURITY_CONTEXT_MULTIPLEXING | BTFN_KEEP_CONNECTION_ON_ORPHAN

# p_cont_def_result_t / p_provider_reason_t, C706 12.6.3.3 and MS-RPCE 2.2.2.4.
RESULT_ACCEPTANCE = 0
RESULT_USER_REJECTION = 1
RESULT_PROVIDER_REJECTION = 2
RESULT_NEGOTIATE_ACK = 3            # MS-RPCE: answer to a bind-time feature negotiation context
REASON_NOT_SPECIFIED = 0
REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED = 1
REASON_PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED = 2
REASON_LOCAL_LIMIT_EXCEEDED = 3

# bind_nak reject reasons, C706 12.6.3.3 (p_reject_reason_t) and MS-RPCE 2.2.2.5.
NAK_REASON_NOT_SPECIFIED = 0
NAK_PROTOCOL_VERSION_NOT_SUPPORTED = 4
NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED = 8
NAK_INVALID_CHECKSUM = 9

# Fault status codes (C706 appendix E, MS-RPCE 2.2.2.7 / MS-ERREF).
NCA_S_OP_RNG_ERROR = 0x1c010002
NCA_S_UNK_IF = 0x1c010003
NCA_S_PROTO_ERROR = 0x1c01000b
NCA_S_UNSUPPORTED_TYPE = 0x1c010017
NCA_S_FAULT_UNSPEC = 0x1c000012
NCA_S_FAULT_REMOTE_NO_MEMORY = 0x1c00001b
NCA_S_FAULT_ACCESS_DENIED = 0x00000005
NCA_S_FAULT_NDR = 0x000006f7
RPC_S_SEC_PKG_ERROR = 0x00000721

# Authentication (MS-RPCE 2.2.1.1.7 / 2.2.1.1.8).
AUTH_TYPE_NONE = 0
AUTH_TYPE_SPNEGO = 9
AUTH_TYPE_NTLMSSP = 10
AUTH_TYPE_KRB5 = 16         # RPC_C_AUTHN_GSS_KERBEROS
AUTH_LEVEL_NONE = 1
AUTH_LEVEL_CONNECT = 2
AUTH_LEVEL_CALL = 3
AUTH_LEVEL_PKT = 4
AUTH_LEVEL_INTEGRITY = 5
AUTH_LEVEL_PRIVACY = 6
SEC_TRAILER_SIZE = 8
NTLMSSP_SIG_SIZE = 16
# Padding unit of stub + auth_pad under an authenticated PDU. C706 / MS-RPCE 2.2.2.11 only need
# the sec_trailer 4-byte aligned; Samba (DCERPC_AUTH_PAD_ALIGNMENT) and Windows pad to 16, as we do.
AUTH_PAD_ALIGN = 16

# Verification trailer, MS-RPCE 2.2.2.13.
SEC_VT_SIGNATURE = bytes([0x8a, 0xe3, 0x13, 0x71, 0x02, 0xf4, 0x36, 0x71])
SEC_VT_COMMAND_BITMASK_1 = 0x0001
SEC_VT_COMMAND_PCONTEXT = 0x0002
SEC_VT_COMMAND_HEADER2 = 0x0003
SEC_VT_COMMAND_END = 0x4000
SEC_VT_MUST_PROCESS_COMMAND = 0x8000
SEC_VT_CLIENT_SUPPORTS_HEADER_SIGNING = 0x00000001
# How far back from the end of the stub we look for the signature (as Samba does).
SEC_VT_MAX_SCAN = 1024


def uuid_to_bin(u):
    """A UUID in the NDR wire form (little-endian first three fields), C706 appendix A."""
    return uuidlib.UUID(str(u)).bytes_le


def bin_to_uuid(b):
    return str(uuidlib.UUID(bytes_le=bytes(b[:16])))


def syntax_id(u, major, minor=0):
    """p_syntax_id_t: if_uuid + if_version, where if_version is major in the low 16 bits and minor
    in the high 16 (C706 12.6.3.1) - in little-endian that is u16 major then u16 minor."""
    return uuid_to_bin(u) + struct.pack('<HH', major, minor)


NDR_SYNTAX = syntax_id(NDR_UUID, 2, 0)
NDR64_SYNTAX = syntax_id(NDR64_UUID, 1, 0)


class Fault(Exception):
    """Raised by a handler to answer with a fault PDU carrying `status`."""

    def __init__(self, status):
        super().__init__('DCE/RPC fault 0x%08x' % status)
        self.status = status


class CallContext:
    """What a handler sees of one call."""

    def __init__(self, opnum, stub, ndr64, auth_level, assoc, conn_id, **extra):
        self.opnum = opnum
        self.stub = stub
        self.ndr64 = ndr64
        self.auth_level = auth_level        # 1 none .. 6 privacy
        self.assoc = assoc                  # AssocGroup: dict shared by the association group
        self.conn_id = conn_id
        # Extras, for logging and tests: call_id, ctx_id, object_uuid, auth_type, user,
        # vtrailer (the parsed verification trailer, or None), transport ('ncacn_ip_tcp').
        self.__dict__.update(extra)

    def __repr__(self):
        return '<CallContext opnum=%d len=%d ndr64=%s auth_level=%d conn=%d>' % (
            self.opnum, len(self.stub), self.ndr64, self.auth_level, self.conn_id)


class AssocGroup(dict):
    """Per-association-group state (MS-RPCE 3.3.1.5.3). A dict the handler may use freely;
    `lock` serializes handlers of different connections of the same group if they need it."""

    def __init__(self, group_id):
        super().__init__()
        self.group_id = group_id
        self.lock = threading.RLock()
        self.refs = 0


class ProtocolError(Exception):
    """The peer broke the protocol: answer with a fault (if `status`) and close the connection."""

    def __init__(self, msg, status=NCA_S_PROTO_ERROR):
        super().__init__(msg)
        self.status = status


class AuthError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# NTLMSSP server (MS-NLMP)
# --------------------------------------------------------------------------------------------

# Negotiate flags, MS-NLMP 2.2.2.5.
NTLMSSP_NEGOTIATE_UNICODE = 0x00000001
NTLMSSP_NEGOTIATE_OEM = 0x00000002
NTLMSSP_REQUEST_TARGET = 0x00000004
NTLMSSP_NEGOTIATE_SIGN = 0x00000010
NTLMSSP_NEGOTIATE_SEAL = 0x00000020
NTLMSSP_NEGOTIATE_DATAGRAM = 0x00000040
NTLMSSP_NEGOTIATE_LM_KEY = 0x00000080
NTLMSSP_NEGOTIATE_NTLM = 0x00000200
NTLMSSP_ANONYMOUS = 0x00000800
NTLMSSP_NEGOTIATE_ALWAYS_SIGN = 0x00008000
NTLMSSP_TARGET_TYPE_DOMAIN = 0x00010000
NTLMSSP_TARGET_TYPE_SERVER = 0x00020000
NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000
NTLMSSP_NEGOTIATE_IDENTIFY = 0x00100000
NTLMSSP_NEGOTIATE_TARGET_INFO = 0x00800000
NTLMSSP_NEGOTIATE_VERSION = 0x02000000
NTLMSSP_NEGOTIATE_128 = 0x20000000
NTLMSSP_NEGOTIATE_KEY_EXCH = 0x40000000
NTLMSSP_NEGOTIATE_56 = 0x80000000

# AV_PAIR ids, MS-NLMP 2.2.2.1.
MSV_AV_EOL = 0
MSV_AV_NB_COMPUTER_NAME = 1
MSV_AV_NB_DOMAIN_NAME = 2
MSV_AV_DNS_COMPUTER_NAME = 3
MSV_AV_DNS_DOMAIN_NAME = 4
MSV_AV_FLAGS = 6
MSV_AV_TIMESTAMP = 7
MSV_AV_FLAG_MIC_PRESENT = 0x00000002

NTLMSSP_SIGNATURE = b'NTLMSSP\x00'
# MS-NLMP 3.4.5.2 / 3.4.5.3 magic constants (with their terminating NUL).
CLI_SIGN = b'session key to client-to-server signing key magic constant\x00'
SRV_SIGN = b'session key to server-to-client signing key magic constant\x00'
CLI_SEAL = b'session key to client-to-server sealing key magic constant\x00'
SRV_SEAL = b'session key to server-to-client sealing key magic constant\x00'


def _hmac_md5(key, data):
    return hmac.new(key, data, hashlib.md5).digest()


def _md4(data):
    return MD4.new(data).digest()


def nt_hash(password):
    """NTOWFv1, MS-NLMP 3.3.1: MD4 of the UTF-16LE password (hashlib has no MD4 here)."""
    return _md4(password.encode('utf-16-le'))


def _des_expand_key(k7):
    """7 key bytes to an 8-byte DES key with parity bit positions, MS-NLMP 6 (DES helper)."""
    bits = int.from_bytes(k7, 'big')
    out = bytearray()
    for i in range(8):
        out.append(((bits >> (56 - 7 * (i + 1))) & 0x7f) << 1)
    return bytes(out)


def _desl(key16, data8):
    """DESL(), MS-NLMP 6: three DES encryptions of the 8-byte challenge under the key split
    in 7-byte thirds (the last one zero-padded)."""
    from Cryptodome.Cipher import DES
    k = key16 + b'\x00' * (21 - len(key16))
    return b''.join(DES.new(_des_expand_key(k[i:i + 7]), DES.MODE_ECB).encrypt(data8)
                    for i in (0, 7, 14))


def _filetime_now():
    return int((time.time() + 11644473600) * 10000000)


def _av_pairs_parse(data):
    pairs = {}
    off = 0
    while off + 4 <= len(data):
        av_id, av_len = struct.unpack_from('<HH', data, off)
        off += 4
        if av_id == MSV_AV_EOL:
            break
        pairs[av_id] = data[off:off + av_len]
        off += av_len
    return pairs


def _av_pairs_build(pairs):
    out = b''
    for av_id, value in pairs:
        out += struct.pack('<HH', av_id, len(value)) + value
    return out + struct.pack('<HH', MSV_AV_EOL, 0)


def _fields(msg, off):
    """A (Len, MaxLen, BufferOffset) payload reference, MS-NLMP 2.2.1."""
    length, _maxlen, offset = struct.unpack_from('<HHI', msg, off)
    if offset + length > len(msg):
        raise AuthError('NTLMSSP field past end of message')
    return msg[offset:offset + length], offset


class NtlmSeal:
    """NTLM2 (extended session security) signing and sealing, MS-NLMP 3.4, server role:
    client-to-server keys verify and unseal what we receive, server-to-client keys sign and seal
    what we send. Each direction has its own RC4 handle and sequence number."""

    def __init__(self, flags, session_key):
        if not flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY:
            # NTLMv1 session security (MS-NLMP 3.4.4.1: CRC32, one shared RC4 handle) is not
            # implemented; every client in use (Windows, Samba, impacket) negotiates NTLM2.
            raise AuthError('signing/sealing without extended session security is not supported')
        self.flags = flags
        self.key_exch = bool(flags & NTLMSSP_NEGOTIATE_KEY_EXCH)
        # SIGNKEY, MS-NLMP 3.4.5.2.
        self.send_sign_key = hashlib.md5(session_key + SRV_SIGN).digest()
        self.recv_sign_key = hashlib.md5(session_key + CLI_SIGN).digest()
        # SEALKEY, MS-NLMP 3.4.5.3: the key is weakened before deriving, per negotiated strength.
        if flags & NTLMSSP_NEGOTIATE_128:
            weak = session_key
        elif flags & NTLMSSP_NEGOTIATE_56:
            weak = session_key[:7]
        else:
            weak = session_key[:5]
        self.send_seal_key = hashlib.md5(weak + SRV_SEAL).digest()
        self.recv_seal_key = hashlib.md5(weak + CLI_SEAL).digest()
        self.send_seq = 0
        self.recv_seq = 0
        self.reset(seqnums=True)

    def reset(self, seqnums):
        """Re-key both RC4 handles (and optionally restart the sequence numbers). SPNEGO needs
        this after the mechListMIC, MS-SPNG 3.1.5.1."""
        self._send_rc4 = ARC4.new(self.send_seal_key)
        self._recv_rc4 = ARC4.new(self.recv_seal_key)
        if seqnums:
            self.send_seq = 0
            self.recv_seq = 0

    def _mac(self, sign_key, rc4, seq, message):
        """MAC(), MS-NLMP 3.4.4.2: Version(1) | HMAC_MD5(SigningKey, SeqNum | Message)[0:8]
        (RC4-encrypted with the direction's handle when KEY_EXCH was negotiated) | SeqNum."""
        seqb = struct.pack('<I', seq)
        checksum = _hmac_md5(sign_key, seqb + message)[:8]
        if self.key_exch:
            checksum = rc4.encrypt(checksum)
        return struct.pack('<I', 1) + checksum + seqb

    def sign(self, message):
        sig = self._mac(self.send_sign_key, self._send_rc4, self.send_seq, message)
        self.send_seq += 1
        return sig

    def verify(self, message, sig):
        expect = self._mac(self.recv_sign_key, self._recv_rc4, self.recv_seq, message)
        self.recv_seq += 1
        return hmac.compare_digest(expect, bytes(sig[:NTLMSSP_SIG_SIZE]))

    def seal(self, data):
        """Encrypt outgoing data. The caller signs afterwards (with sign()) over the plaintext
        PDU: MS-NLMP 3.4.3 SEAL() runs RC4 over the message first and over the checksum second,
        on the same handle, and that order is what keeps both ends' RC4 streams in step."""
        return self._send_rc4.encrypt(bytes(data))

    def unseal(self, data):
        return self._recv_rc4.decrypt(bytes(data))


class NtlmServer:
    """One server-side NTLMSSP exchange: NEGOTIATE -> CHALLENGE, AUTHENTICATE -> done
    (MS-NLMP 3.2.5.1). Verifies NTLMv2 and NTLM (v1, with or without ESS) responses against one
    configured account, derives the session key (with KEY_EXCH), and checks the MIC."""

    NB_COMPUTER = 'CMRP-NODE1'
    DNS_COMPUTER = 'cmrp-node1.cmrp.test'
    DNS_DOMAIN = 'cmrp.test'

    def __init__(self, user, password, domain=''):
        self.user = user
        self.password = password
        self.domain = domain or 'CMRP'
        self.negotiate_msg = None
        self.challenge_msg = None
        self.server_challenge = None
        self.flags = 0
        self.session_key = None
        self.mic_present = False
        self.client_user = None
        self.client_domain = None
        self.complete = False

    def step(self, token):
        """Feed one NTLMSSP message; returns the answer (b'' when there is none)."""
        if len(token) < 12 or token[:8] != NTLMSSP_SIGNATURE:
            raise AuthError('not an NTLMSSP message')
        mtype = struct.unpack_from('<I', token, 8)[0]
        if mtype == 1 and self.negotiate_msg is None:
            return self._on_negotiate(token)
        if mtype == 3 and self.challenge_msg is not None and not self.complete:
            self._on_authenticate(token)
            return b''
        raise AuthError('unexpected NTLMSSP message type %d' % mtype)

    def _on_negotiate(self, msg):
        self.negotiate_msg = bytes(msg)
        cflags = struct.unpack_from('<I', msg, 12)[0]
        # Server flag choice, MS-NLMP 3.2.5.1.1: echo what the client asked for and we support.
        flags = NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_TARGET_INFO
        flags |= NTLMSSP_NEGOTIATE_UNICODE if cflags & NTLMSSP_NEGOTIATE_UNICODE else NTLMSSP_NEGOTIATE_OEM
        if cflags & NTLMSSP_REQUEST_TARGET:
            flags |= NTLMSSP_REQUEST_TARGET | NTLMSSP_TARGET_TYPE_SERVER
        for f in (NTLMSSP_NEGOTIATE_SIGN, NTLMSSP_NEGOTIATE_SEAL, NTLMSSP_NEGOTIATE_ALWAYS_SIGN,
                  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY, NTLMSSP_NEGOTIATE_VERSION,
                  NTLMSSP_NEGOTIATE_128, NTLMSSP_NEGOTIATE_56, NTLMSSP_NEGOTIATE_KEY_EXCH,
                  NTLMSSP_NEGOTIATE_IDENTIFY):
            if cflags & f:
                flags |= f
        self.flags = flags
        self.server_challenge = os.urandom(8)
        enc = (lambda s: s.encode('utf-16-le')) if flags & NTLMSSP_NEGOTIATE_UNICODE else \
            (lambda s: s.encode('ascii'))
        target_name = enc(self.NB_COMPUTER)
        # The timestamp makes NTLMv2 clients add a MIC (MS-NLMP 3.1.5.1.2), and Samba's client
        # then also sends an SPNEGO mechListMIC: both get exercised.
        target_info = _av_pairs_build([
            (MSV_AV_NB_DOMAIN_NAME, self.domain.upper().encode('utf-16-le')),
            (MSV_AV_NB_COMPUTER_NAME, self.NB_COMPUTER.encode('utf-16-le')),
            (MSV_AV_DNS_DOMAIN_NAME, self.DNS_DOMAIN.encode('utf-16-le')),
            (MSV_AV_DNS_COMPUTER_NAME, self.DNS_COMPUTER.encode('utf-16-le')),
            (MSV_AV_TIMESTAMP, struct.pack('<Q', _filetime_now())),
        ])
        # CHALLENGE_MESSAGE, MS-NLMP 2.2.1.2. Version (8 bytes) is always laid out; payload at 56.
        version = struct.pack('<BBH3sB', 10, 0, 20348, b'\x00' * 3, 15)
        off = 56
        msg = NTLMSSP_SIGNATURE + struct.pack('<I', 2)
        msg += struct.pack('<HHI', len(target_name), len(target_name), off)
        msg += struct.pack('<I', flags) + self.server_challenge + b'\x00' * 8
        msg += struct.pack('<HHI', len(target_info), len(target_info), off + len(target_name))
        msg += version + target_name + target_info
        self.challenge_msg = msg
        return msg

    def _decode(self, b):
        if self.flags & NTLMSSP_NEGOTIATE_UNICODE:
            return b.decode('utf-16-le', 'replace')
        return b.decode('latin-1')

    def _on_authenticate(self, msg):
        msg = bytes(msg)
        if len(msg) < 64:
            raise AuthError('AUTHENTICATE message too short')
        lm, _ = _fields(msg, 12)
        nt, _ = _fields(msg, 20)
        dom, _ = _fields(msg, 28)
        usr, _ = _fields(msg, 36)
        _ws, _ = _fields(msg, 44)
        enc_key, _ = _fields(msg, 52)
        aflags = struct.unpack_from('<I', msg, 60)[0]
        user = self._decode(usr)
        domain = self._decode(dom)
        self.client_user, self.client_domain = user, domain
        if self.user is None:
            raise AuthError('server has no account configured for authenticated binds')
        if user.upper() != self.user.upper():
            raise AuthError('unknown user %r' % user)
        # Flags in force: what we offered and the client confirmed (MS-NLMP 3.2.5.1.2). Some
        # clients send 0 here; then the CHALLENGE flags stand.
        if aflags:
            self.flags &= aflags | NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_OEM
        nthash = nt_hash(self.password)

        if len(nt) > 24:
            # NTLMv2, MS-NLMP 3.3.2: NTProofStr = HMAC_MD5(ResponseKeyNT, ServerChallenge | temp).
            nt_proof, temp = nt[:16], nt[16:]
            key_exchange_key = None
            # ResponseKeyNT depends on the user's domain as the client typed it; try the spellings
            # a client may have used (as Samba's server does) before giving up.
            for d in dict.fromkeys([domain, domain.upper(), self.domain, self.domain.upper(), '']):
                rk = _hmac_md5(nthash, (user.upper() + d).encode('utf-16-le'))
                if hmac.compare_digest(_hmac_md5(rk, self.server_challenge + temp)[:16], nt_proof):
                    key_exchange_key = _hmac_md5(rk, nt_proof)     # SessionBaseKey = KXKEY (v2)
                    break
            if key_exchange_key is None:
                raise AuthError('NTLMv2 response does not verify (wrong password?)')
            if len(temp) >= 28:
                av = _av_pairs_parse(temp[28:])
                if MSV_AV_FLAGS in av and len(av[MSV_AV_FLAGS]) >= 4:
                    self.mic_present = bool(struct.unpack('<I', av[MSV_AV_FLAGS][:4])[0]
                                            & MSV_AV_FLAG_MIC_PRESENT)
        elif len(nt) == 24:
            # NTLM (v1), MS-NLMP 3.3.1.
            session_base_key = _md4(nthash)
            if self.flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY:
                if len(lm) < 8:
                    raise AuthError('NTLM2 response without client challenge')
                chal = hashlib.md5(self.server_challenge + lm[:8]).digest()[:8]
                expect = _desl(nthash, chal)
                key_exchange_key = _hmac_md5(session_base_key, self.server_challenge + lm[:8])
            else:
                expect = _desl(nthash, self.server_challenge)
                key_exchange_key = session_base_key      # KXKEY without LM_KEY, MS-NLMP 3.4.5.1
            if not hmac.compare_digest(expect, nt):
                raise AuthError('NTLM response does not verify (wrong password?)')
        else:
            raise AuthError('anonymous NTLMSSP logon is not accepted')

        # KEY_EXCH: the client chose the real key and sent it RC4-encrypted (MS-NLMP 3.2.5.1.2).
        if self.flags & NTLMSSP_NEGOTIATE_KEY_EXCH:
            if len(enc_key) != 16:
                raise AuthError('KEY_EXCH negotiated but no 16-byte EncryptedRandomSessionKey')
            self.session_key = ARC4.new(key_exchange_key).decrypt(enc_key)
        else:
            self.session_key = key_exchange_key

        # MIC, MS-NLMP 3.1.5.1.2: HMAC_MD5(ExportedSessionKey, NEGOTIATE|CHALLENGE|AUTHENTICATE
        # with the MIC field zeroed). It sits after the 8-byte Version, at offset 72.
        if self.mic_present:
            if len(msg) < 88:
                raise AuthError('MIC announced but AUTHENTICATE too short')
            mic = msg[72:88]
            zeroed = msg[:72] + b'\x00' * 16 + msg[88:]
            expect = _hmac_md5(self.session_key, self.negotiate_msg + self.challenge_msg + zeroed)
            if not hmac.compare_digest(expect, mic):
                raise AuthError('NTLMSSP MIC does not verify')
        self.complete = True
        log.debug('NTLMSSP: %s\\%s authenticated (flags 0x%08x, %s%s)', domain, user, self.flags,
                  'NTLMv2' if len(nt) > 24 else 'NTLM', ', MIC verified' if self.mic_present else '')


# --------------------------------------------------------------------------------------------
# SPNEGO (RFC 4178, MS-SPNG) wrapping NTLMSSP - just enough DER for it.
# --------------------------------------------------------------------------------------------

SPNEGO_OID = bytes.fromhex('2b0601050502')                      # 1.3.6.1.5.5.2
NTLMSSP_OID = bytes.fromhex('2b06010401823702020a')             # 1.3.6.1.4.1.311.2.2.10
KRB5_OID = bytes.fromhex('2a864886f712010202')                  # 1.2.840.113554.1.2.2
MS_KRB5_OID = bytes.fromhex('2a864882f712010202')               # 1.2.840.48018.1.2.2
NEG_STATE_ACCEPT_COMPLETED = 0
NEG_STATE_ACCEPT_INCOMPLETE = 1
NEG_STATE_REJECT = 2
NEG_STATE_REQUEST_MIC = 3


def der_read(data, off=0):
    """One DER TLV at data[off:]: (tag, value, offset after it)."""
    if off + 2 > len(data):
        raise AuthError('truncated DER')
    tag = data[off]
    length = data[off + 1]
    off += 2
    if length & 0x80:
        n = length & 0x7f
        if n == 0 or n > 4 or off + n > len(data):
            raise AuthError('bad DER length')
        length = int.from_bytes(data[off:off + n], 'big')
        off += n
    if off + length > len(data):
        raise AuthError('truncated DER value')
    return tag, data[off:off + length], off + length


def der_items(data):
    off = 0
    while off < len(data):
        tag, value, nxt = der_read(data, off)
        yield tag, value, data[off:nxt]
        off = nxt


def der(tag, value):
    n = len(value)
    if n < 0x80:
        ln = bytes([n])
    else:
        nb = n.to_bytes((n.bit_length() + 7) // 8, 'big')
        ln = bytes([0x80 | len(nb)]) + nb
    return bytes([tag]) + ln + value


class SpnegoServer:
    """SPNEGO acceptor (MS-SPNG 3.2.5) for NTLMSSP and Kerberos. Tokens in, tokens out, as the
    DCE/RPC legs carry them (bind, then alter_context or auth3).

    `ntlm` is the NtlmServer to use when NTLMSSP is chosen (None: NTLMSSP is not offered by this
    server); `krb` a callable that returns a KrbServer (None: no Kerberos). Like Windows, the
    acceptor takes the first mechanism of the client's list that it supports."""

    def __init__(self, ntlm, krb=None):
        self.ntlm = ntlm
        self.krb_factory = krb
        self.inner = None           # the chosen mechanism (NtlmServer or KrbServer)
        self.chosen_oid = None
        self.mech_types_der = None
        self.ntlm_first = True      # the chosen mechanism is the client's first choice
        self.complete = False
        self.seal = None            # NtlmSeal, set once NTLM is done

    @property
    def kerberos(self):
        return self.chosen_oid in (KRB5_OID, MS_KRB5_OID)

    @property
    def flags(self):
        return self.ntlm.flags

    @property
    def session_key(self):
        return self.ntlm.session_key

    def step(self, token):
        token = bytes(token)
        if self.mech_types_der is None:
            return self._on_init(token)
        return self._on_targ(token)

    def _supported(self, oid):
        if oid == NTLMSSP_OID:
            return self.ntlm is not None
        if oid in (KRB5_OID, MS_KRB5_OID):
            return self.krb_factory is not None
        return False

    def _on_init(self, token):
        tag, value, _ = der_read(token)
        if tag == 0x60:
            # InitialContextToken, RFC 2743 3.1: [APPLICATION 0] { thisMech OID, innerToken }.
            otag, oid, off = der_read(value)
            if otag != 0x06 or oid != SPNEGO_OID:
                raise AuthError('not an SPNEGO token')
            tag, value, _ = der_read(value, off)
        if tag != 0xa0:
            raise AuthError('expected NegTokenInit')
        _, seq, _ = der_read(value)                     # NegTokenInit ::= SEQUENCE
        mech_token = None
        mechs = []
        for t, v, _raw in der_items(seq):
            if t == 0xa0:                                # mechTypes [0] MechTypeList
                _, inner, end = der_read(v)
                self.mech_types_der = v[:end]            # the MechTypeList DER, for mechListMIC
                mechs = [mv for mt, mv, _ in der_items(inner) if mt == 0x06]
            elif t == 0xa2:                              # mechToken [2] OCTET STRING
                mech_token = der_read(v)[1]
        usable = [m for m in mechs if self._supported(m)]
        if self.mech_types_der is None or not usable:
            raise AuthError('client offers no mechanism this server supports in SPNEGO')
        self.chosen_oid = usable[0]
        self.ntlm_first = mechs[0] == self.chosen_oid
        self.inner = self.krb_factory() if self.kerberos else self.ntlm
        out = b''
        # The optimistic mechToken is only for the client's first mechanism (RFC 4178 3.2).
        if self.ntlm_first and mech_token:
            out = self.inner.step(mech_token)
        # Choosing a mechanism other than the client's first one: ask for the mechListMIC that
        # will prove the list was not tampered with (RFC 4178 5, negState request-mic).
        state = NEG_STATE_ACCEPT_INCOMPLETE if self.ntlm_first else NEG_STATE_REQUEST_MIC
        if self.kerberos and self.inner.complete and not out:
            state = NEG_STATE_ACCEPT_COMPLETED
            self.complete = True
        return self._resp(state, out, supported_mech=self.chosen_oid)

    def _on_targ(self, token):
        tag, value, _ = der_read(token)
        if tag != 0xa1:
            raise AuthError('expected NegTokenResp')
        _, seq, _ = der_read(value)
        resp_token = b''
        mic = None
        for t, v, _raw in der_items(seq):
            if t == 0xa2:
                resp_token = der_read(v)[1]
            elif t == 0xa3:
                mic = der_read(v)[1]
        out = self.inner.step(resp_token) if resp_token else b''
        if not self.inner.complete:
            return self._resp(NEG_STATE_ACCEPT_INCOMPLETE, out)
        if self.kerberos:
            return self._krb_done(out, mic)
        self.seal = NtlmSeal(self.ntlm.flags, self.ntlm.session_key) \
            if self.ntlm.flags & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL) else None
        our_mic = None
        if mic is not None:
            # mechListMIC, RFC 4178 5 / MS-SPNG 3.2.5.1: NTLM GSS_GetMIC over the MechTypeList,
            # with the client's (receive) keys; we answer with one of our own.
            if self.seal is None or not self.seal.verify(self.mech_types_der, mic):
                raise AuthError('SPNEGO mechListMIC does not verify')
            our_mic = self.seal.sign(self.mech_types_der)
            log.debug('SPNEGO: mechListMIC verified, answering with ours')
            # MS-SPNG 3.1.5.1 (as Samba's gensec_spnego does): the RC4 handles restart after the
            # MIC exchange, the sequence numbers go on (the first sealed PDU carries 1).
            self.seal.reset(seqnums=False)
        elif not self.ntlm_first or self.ntlm.mic_present:
            # RFC 4178 5: the MIC is mandatory when the mechanism was not the first choice;
            # MS-SPNG 3.3.5.1: and when NTLM produced a MIC (the client must send one too).
            raise AuthError('SPNEGO mechListMIC missing')
        self.complete = True
        return self._resp(NEG_STATE_ACCEPT_COMPLETED, out, mic=our_mic)

    def _krb_done(self, out, mic):
        """Kerberos finished (the client's DCE-style AP-REP came in): check the client's
        mechListMIC (Kerberos GSS_GetMIC over the MechTypeList) and answer with ours."""
        our_mic = None
        if mic is not None:
            if not self.inner.verify_mic(self.mech_types_der, mic):
                raise AuthError('SPNEGO mechListMIC does not verify')
            our_mic = self.inner.get_mic(self.mech_types_der)
        elif not self.ntlm_first:
            raise AuthError('SPNEGO mechListMIC missing')
        self.complete = True
        return self._resp(NEG_STATE_ACCEPT_COMPLETED, out, mic=our_mic)

    @staticmethod
    def _resp(state, token, supported_mech=False, mic=None):
        body = der(0xa0, der(0x0a, bytes([state])))
        if supported_mech:
            oid = NTLMSSP_OID if supported_mech is True else supported_mech
            body += der(0xa1, der(0x06, oid))
        if token:
            body += der(0xa2, der(0x04, token))
        if mic is not None:
            body += der(0xa3, der(0x04, mic))
        return der(0xa1, der(0x30, body))


# --------------------------------------------------------------------------------------------
# Kerberos (RFC 4121, MS-KILE 3.4.5.4-5 for DCE/RPC), through MIT's GSS-API (python3-gssapi).
# --------------------------------------------------------------------------------------------

class KrbServer:
    """Kerberos acceptor with the service keys of a keytab. DCE style (GSS_C_DCE_STYLE, which
    the client's AP-REQ announces, MS-KILE 3.4.5.1): bind carries the raw AP-REQ, bind_ack our
    AP-REP, and the third leg (auth3 for auth type 16, alter_context under SPNEGO) the client's
    AP-REP; MIT's acceptor handles the framing."""

    def __init__(self, keytab):
        import gssapi                   # python3-gssapi, only needed for Kerberos
        self._gssapi = gssapi
        try:
            creds = gssapi.Credentials(usage='accept', store={'keytab': keytab})
        except gssapi.exceptions.GSSError as e:
            raise AuthError('Kerberos: no service keys in %s: %s' % (keytab, e))
        self.ctx = gssapi.SecurityContext(creds=creds, usage='accept')
        self.complete = False
        self.client_user = None

    def step(self, token):
        try:
            out = self.ctx.step(bytes(token))
            # python-gssapi keeps an error that came with an output token (a KRB-ERROR) and
            # raises it from the next attribute access
            done = self.ctx.complete
        except self._gssapi.exceptions.GSSError as e:
            raise AuthError('Kerberos: %s' % e)
        if done:
            self.complete = True
            self.client_user = str(self.ctx.initiator_name)
            log.debug('Kerberos: %s authenticated (flags 0x%x)', self.client_user,
                      int(self.ctx.actual_flags))
        return bytes(out or b'')

    def get_mic(self, data):
        return bytes(self.ctx.get_signature(bytes(data)))

    def verify_mic(self, data, mic):
        try:
            self.ctx.verify_signature(bytes(data), bytes(mic))
            return True
        except self._gssapi.exceptions.GSSError:
            return False


class NtlmProtection:
    """Per-PDU protection with NTLMSSP: the signature covers the whole PDU (header through
    sec_trailer) whatever PFC_SUPPORT_HEADER_SIGN says; sealing is RC4 over stub and padding."""

    def __init__(self, seal):
        self.seal = seal

    def sig_size(self, privacy):
        return NTLMSSP_SIG_SIZE

    def protect(self, pre, data, post, privacy, hdr_sign):
        wire = self.seal.seal(data) if privacy else data     # RC4 over the data first ...
        return wire, self.seal.sign(pre + data + post)      # ... then over the checksum

    def unprotect(self, pre, wire, post, sig, privacy, hdr_sign):
        data = self.seal.unseal(wire) if privacy else wire
        if len(sig) != NTLMSSP_SIG_SIZE or not self.seal.verify(pre + data + post, sig):
            return None
        return data


class KrbProtection:
    """Per-PDU protection with Kerberos (MS-KILE 3.4.5.4 / 3.4.5.5, as Windows and Samba do it):
    at PKT_PRIVACY, GSS_WrapEx (gss_wrap_iov) over the buffers header token | pdu header
    (sign only) | stub and padding (encrypted) | sec_trailer (sign only), DCE style, so the whole
    token (RFC 4121 header, confounder, filler, encrypted header copy, checksum: 76 bytes with
    AES) sits in the auth verifier and the stub keeps its length. At PKT_INTEGRITY, GSS_GetMIC
    over the same bytes. The pdu header and sec_trailer are only covered when header signing
    (PFC_SUPPORT_HEADER_SIGN) was negotiated."""

    def __init__(self, krb):
        from gssapi.raw import IOV, IOVBufferType
        from gssapi.raw import wrap_iov, unwrap_iov, wrap_iov_length
        self.krb = krb
        self._IOV, self._T = IOV, IOVBufferType
        self._wrap, self._unwrap, self._wrap_len = wrap_iov, unwrap_iov, wrap_iov_length
        self._sizes = {}

    def _iov(self, header, pre, data, post, hdr_sign):
        T = self._T
        bufs = [(T.header, header is None, header)]
        if hdr_sign:
            bufs.append((T.sign_only, False, pre))
        bufs.append((T.data, False, data))
        if hdr_sign:
            bufs.append((T.sign_only, False, post))
        return self._IOV(*bufs, std_layout=False)

    def sig_size(self, privacy):
        if privacy not in self._sizes:
            if privacy:
                iov = self._iov(None, b'\0' * 24, b'\0' * 16, b'\0' * 8, True)
                self._wrap_len(self.krb.ctx, iov, True)
                self._sizes[privacy] = len(iov[0].value)
            else:
                from gssapi.raw import IOV, get_mic_iov_length
                iov = IOV((self._T.data, False, b'\0' * 16), (self._T.mic_token, True, None),
                          std_layout=False)
                get_mic_iov_length(self.krb.ctx, iov)
                self._sizes[privacy] = len(iov[1].value)
        return self._sizes[privacy]

    def protect(self, pre, data, post, privacy, hdr_sign):
        if privacy:
            iov = self._iov(None, pre, data, post, hdr_sign)
            self._wrap(self.krb.ctx, iov, True)
            return bytes(iov[2 if hdr_sign else 1].value), bytes(iov[0].value)
        signed = pre + data + post if hdr_sign else data
        return data, self.krb.get_mic(signed)

    def unprotect(self, pre, wire, post, sig, privacy, hdr_sign):
        if privacy:
            iov = self._iov(bytes(sig), pre, bytes(wire), post, hdr_sign)
            try:
                self._unwrap(self.krb.ctx, iov)
            except self.krb._gssapi.exceptions.GSSError as e:
                log.debug('Kerberos unwrap: %s', e)
                return None
            return bytes(iov[2 if hdr_sign else 1].value)
        signed = pre + wire + post if hdr_sign else wire
        return wire if self.krb.verify_mic(signed, sig) else None


class SecContext:
    """One security context of a connection, keyed by auth_context_id (MS-RPCE 3.3.1.5.2)."""

    def __init__(self, auth_type, auth_level, auth_ctx_id, user, password, domain, keytab=None):
        self.auth_type = auth_type
        self.auth_level = auth_level
        self.auth_ctx_id = auth_ctx_id
        self.ntlm = NtlmServer(user, password, domain) if user is not None else None
        self.krb = None
        if auth_type == AUTH_TYPE_KRB5:
            self.krb = KrbServer(keytab)
            self.mech = self.krb
        elif auth_type == AUTH_TYPE_SPNEGO:
            self.mech = SpnegoServer(self.ntlm, (lambda: KrbServer(keytab)) if keytab else None)
        else:
            self.mech = self.ntlm
        self.seal = None
        self.prot = None            # NtlmProtection or KrbProtection once complete
        self.complete = False
        self.failed = False

    @property
    def client_user(self):
        inner = self.mech.inner if isinstance(self.mech, SpnegoServer) else self.mech
        return getattr(inner, 'client_user', None)

    def step(self, token):
        try:
            return self._step(token)
        except AuthError:
            self.failed = True
            raise

    def _step(self, token):
        out = self.mech.step(token)
        if not self.mech.complete:
            return out
        if isinstance(self.mech, SpnegoServer) and self.mech.kerberos:
            self.krb = self.mech.inner
        if self.krb is not None:
            self.prot = KrbProtection(self.krb)
            if self.auth_level >= AUTH_LEVEL_INTEGRITY:
                flags = int(self.krb.ctx.actual_flags)
                need = 0x10 if self.auth_level == AUTH_LEVEL_PRIVACY else 0x20  # CONF / INTEG
                if not flags & need:
                    raise AuthError('auth level %d but Kerberos did not negotiate %s' % (
                        self.auth_level, 'confidentiality' if need == 0x10 else 'integrity'))
            self.complete = True
            return out
        if self.auth_type == AUTH_TYPE_SPNEGO:
            self.seal = self.mech.seal
        elif self.ntlm.flags & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL):
            self.seal = NtlmSeal(self.ntlm.flags, self.ntlm.session_key)
        if self.auth_level >= AUTH_LEVEL_INTEGRITY:
            need = NTLMSSP_NEGOTIATE_SEAL if self.auth_level == AUTH_LEVEL_PRIVACY \
                else NTLMSSP_NEGOTIATE_SIGN
            if self.seal is None or not self.ntlm.flags & need:
                raise AuthError('auth level %d but NTLMSSP did not negotiate %s' % (
                    self.auth_level, 'sealing' if need == NTLMSSP_NEGOTIATE_SEAL else 'signing'))
        if self.seal is not None:
            self.prot = NtlmProtection(self.seal)
        self.complete = True
        return out


# --------------------------------------------------------------------------------------------
# PDU helpers
# --------------------------------------------------------------------------------------------

class Pdu:
    """A received PDU: the common header (C706 12.6.3.1) plus raw bytes."""

    __slots__ = ('raw', 'ptype', 'flags', 'drep', 'frag_len', 'auth_len', 'call_id',
                 'auth_type', 'auth_level', 'auth_pad', 'auth_ctx_id', 'auth_value', 'body_end')

    def __init__(self, raw):
        self.raw = raw
        vers, minor, self.ptype, self.flags = struct.unpack_from('<BBBB', raw, 0)
        self.drep = raw[4:8]
        self.frag_len, self.auth_len, self.call_id = struct.unpack_from('<HHI', raw, 8)
        self.auth_type = self.auth_level = self.auth_pad = self.auth_ctx_id = 0
        self.auth_value = b''
        self.body_end = self.frag_len
        if self.auth_len:
            # sec_trailer sits right before auth_value, at the end of the PDU (C706 13.2.6.1).
            st = self.frag_len - self.auth_len - SEC_TRAILER_SIZE
            if st < 16:
                raise ProtocolError('auth_length larger than the PDU')
            (self.auth_type, self.auth_level, self.auth_pad, _rsvd,
             self.auth_ctx_id) = struct.unpack_from('<BBBBI', raw, st)
            self.auth_value = raw[self.frag_len - self.auth_len:self.frag_len]
            self.body_end = st


def build_pdu(ptype, flags, call_id, body, auth=None):
    """Assemble a PDU. `auth` is (auth_type, auth_level, auth_pad, auth_ctx_id, auth_value);
    the body must already include auth_pad bytes."""
    auth_tail = b''
    auth_len = 0
    if auth is not None:
        a_type, a_level, a_pad, a_ctx, a_value = auth
        auth_tail = struct.pack('<BBBBI', a_type, a_level, a_pad, 0, a_ctx) + a_value
        auth_len = len(a_value)
    frag_len = 16 + len(body) + len(auth_tail)
    hdr = struct.pack('<BBBB4sHHI', 5, 0, ptype, flags, b'\x10\x00\x00\x00', frag_len, auth_len,
                      call_id)
    return hdr + body + auth_tail


def pad4(n):
    return (4 - n % 4) % 4


def parse_verification_trailer(stub):
    """Find and parse the verification trailer at the end of a request stub (MS-RPCE 2.2.2.13).

    It starts with SEC_VT_SIGNATURE at a 4-byte aligned offset after the NDR data and runs to the
    end of the stub (up to 16 bytes of padding may follow, as Samba allows). As the NDR data itself
    could contain the signature, a candidate only counts if its commands parse to the end.
    Returns (offset, commands) or (None, None); commands is a list of (command, payload)."""
    if len(stub) < len(SEC_VT_SIGNATURE):
        return None, None
    ofs = (len(stub) - len(SEC_VT_SIGNATURE)) & ~3
    min_ofs = max(0, ofs - SEC_VT_MAX_SCAN)
    while ofs >= min_ofs:
        if stub[ofs:ofs + 8] == SEC_VT_SIGNATURE:
            cmds = []
            p = ofs + 8
            ok = False
            while p + 4 <= len(stub):
                cmd, length = struct.unpack_from('<HH', stub, p)
                p += 4
                if p + length > len(stub):
                    break
                cmds.append((cmd, stub[p:p + length]))
                p += length
                if cmd & SEC_VT_COMMAND_END:
                    ok = len(stub) - p <= 16
                    break
            if ok:
                return ofs, cmds
        ofs -= 4
    return None, None


# --------------------------------------------------------------------------------------------
# Connection
# --------------------------------------------------------------------------------------------

class PresContext:
    def __init__(self, ctx_id, abstract, transfer):
        self.ctx_id = ctx_id
        self.abstract = abstract        # 20-byte p_syntax_id_t
        self.transfer = transfer        # 20-byte p_syntax_id_t
        self.ndr64 = transfer == NDR64_SYNTAX


class _PendingCall:
    def __init__(self, pdu, ctx_id, opnum, object_uuid, alloc_hint):
        self.call_id = pdu.call_id
        self.ctx_id = ctx_id
        self.opnum = opnum
        self.object_uuid = object_uuid
        self.drep = pdu.drep
        self.chunks = []
        self.size = 0
        self.auth_ctx_id = pdu.auth_ctx_id if pdu.auth_len else None
        self.auth_level = pdu.auth_level if pdu.auth_len else AUTH_LEVEL_NONE
        self.alloc_hint = alloc_hint


class _Disconnect(Exception):
    pass


class Connection:
    """Protocol state of one TCP connection (one association, C706 "association" =
    connection; the association *group* is shared)."""

    def __init__(self, server, sock, conn_id):
        self.server = server
        self.sock = sock
        self.conn_id = conn_id
        self.bound = False
        self.max_xmit = DEFAULT_MAX_FRAG    # what we send at most (bind_ack.max_xmit_frag)
        self.max_recv = DEFAULT_MAX_FRAG    # what we accept at most (bind_ack.max_recv_frag)
        self.contexts = {}                  # p_cont_id -> PresContext
        self.sec = {}                       # auth_context_id -> SecContext
        self.hdr_sign = False               # PFC_SUPPORT_HEADER_SIGN negotiated
        self.features = 0                   # bind-time features acknowledged
        self.pending = {}                   # call_id -> _PendingCall (multi-fragment requests)
        self.assoc = None
        self._rbuf = b''

    # ---- I/O ----

    def _recv_exact(self, n):
        while len(self._rbuf) < n:
            chunk = self.sock.recv(max(65536, n - len(self._rbuf)))
            if not chunk:
                raise _Disconnect()
            self._rbuf += chunk
        data, self._rbuf = self._rbuf[:n], self._rbuf[n:]
        return data

    def read_pdu(self):
        hdr = self._recv_exact(16)
        if hdr[0] != 5:
            raise ProtocolError('rpc_vers %d is not 5' % hdr[0])
        if hdr[4] & 0xf0 != 0x10:
            # Big-endian integer representation (drep[0] high nibble 0): header fields would have
            # to be read big-endian and so would the stub. No current client does this.
            raise ProtocolError('big-endian data representation not supported',
                                NCA_S_UNSUPPORTED_TYPE)
        frag_len = struct.unpack_from('<H', hdr, 8)[0]
        if frag_len < 16:
            raise ProtocolError('frag_length %d' % frag_len)
        raw = hdr + self._recv_exact(frag_len - 16)
        return Pdu(raw)

    def send(self, data):
        self.sock.sendall(data)

    # ---- main loop ----

    def run(self):
        while True:
            pdu = None
            try:
                pdu = self.read_pdu()
                log.debug('conn %d: <- %s call_id=%d flags=0x%02x len=%d auth_len=%d',
                          self.conn_id, PTYPE_NAMES.get(pdu.ptype, pdu.ptype), pdu.call_id,
                          pdu.flags, pdu.frag_len, pdu.auth_len)
                self.handle_pdu(pdu)
            except ProtocolError as e:
                log.warning('conn %d: protocol error: %s', self.conn_id, e)
                if e.status is not None:
                    call_id = pdu.call_id if pdu is not None else 0
                    self.send_fault(call_id, 0, e.status, did_not_execute=True)
                raise _Disconnect()

    def handle_pdu(self, pdu):
        if pdu.ptype == PTYPE_BIND:
            self.on_bind(pdu, alter=False)
        elif pdu.ptype == PTYPE_ALTER_CONTEXT:
            self.on_bind(pdu, alter=True)
        elif pdu.ptype == PTYPE_AUTH3:
            self.on_auth3(pdu)
        elif pdu.ptype == PTYPE_REQUEST:
            self.on_request(pdu)
        elif pdu.ptype == PTYPE_ORPHANED:
            # C706 12.4.2 / MS-RPCE 3.3.1.5.5: the client gave up on the call; drop the
            # half-received request. No answer is sent.
            self.pending.pop(pdu.call_id, None)
        elif pdu.ptype == PTYPE_CO_CANCEL:
            # Calls run to completion here; a cancel has nothing to stop (C706 12.4.1 lets the
            # server ignore it).
            pass
        else:
            raise ProtocolError('unexpected PDU type %d' % pdu.ptype)

    # ---- bind / alter_context (C706 12.6.4.3 / 12.6.4.1, MS-RPCE 3.3.1.5.3-6) ----

    def on_bind(self, pdu, alter):
        raw = pdu.raw
        if pdu.raw[1] > 1:
            return self.send_bind_nak(pdu.call_id, NAK_PROTOCOL_VERSION_NOT_SUPPORTED)
        if not alter and self.bound:
            # C706 12.6.4.3: one bind per connection; further contexts come by alter_context.
            return self.send_bind_nak(pdu.call_id, NAK_REASON_NOT_SPECIFIED)
        if alter and not self.bound:
            raise ProtocolError('alter_context before bind')
        if len(raw) < 28:
            raise ProtocolError('short bind')
        max_xmit, max_recv, assoc_gid = struct.unpack_from('<HHI', raw, 16)
        n_ctx = raw[24]
        off = 28
        items = []
        for _ in range(n_ctx):
            if off + 24 > pdu.body_end:
                raise ProtocolError('truncated p_cont_list')
            ctx_id, n_ts = struct.unpack_from('<HB', raw, off)
            abstract = raw[off + 4:off + 24]
            ts = [raw[off + 24 + 20 * j:off + 44 + 20 * j] for j in range(n_ts)]
            off += 24 + 20 * n_ts
            if off > pdu.body_end:
                raise ProtocolError('truncated transfer syntax list')
            items.append((ctx_id, abstract, ts))

        # Association group, MS-RPCE 3.3.1.5.3: 0 asks for a new one; a known id joins it.
        if not alter:
            group = self.server._join_group(assoc_gid)
            if group is None:
                return self.send_bind_nak(pdu.call_id, NAK_REASON_NOT_SPECIFIED)
            self.assoc = group

        # Authentication leg carried by this bind / alter_context.
        auth_out = None
        if pdu.auth_len:
            try:
                auth_out = self._auth_leg(pdu, first_allowed=True)
            except AuthError as e:
                log.warning('conn %d: authentication failed: %s', self.conn_id, e)
                if alter:
                    # There is no alter_context_nak: Samba answers with a fault and hangs up.
                    self.send_fault(pdu.call_id, 0, NCA_S_FAULT_ACCESS_DENIED, did_not_execute=True)
                    raise _Disconnect()
                self._leave_group()
                return self.send_bind_nak(pdu.call_id, self._nak_reason_for(pdu))

        results = self._negotiate_contexts(items)

        if not alter:
            # Fragment sizes, C706 12.6.3.7: we never send more than the client says it can
            # receive, and announce that we accept at most what it says it will send (capped by
            # our own limit). Every implementation must handle 1432 bytes; a client announcing
            # less is honoured anyway, down to a floor that still fits a signed fragment.
            self.max_xmit = max(64, min(max_recv, self.server.max_frag))
            self.max_recv = max(64, min(max_xmit, self.server.max_frag))
            # Header signing, MS-RPCE 3.3.1.5.2.1: acknowledged when the client offers it.
            self.hdr_sign = bool(pdu.flags & PFC_SUPPORT_HEADER_SIGN)
            self.bound = True

        body = struct.pack('<HHI', self.max_xmit, self.max_recv, self.assoc.group_id)
        if alter:
            sec_addr = b''          # alter_context_resp carries an empty secondary address
        else:
            sec_addr = str(self.server.port).encode() + b'\x00'
        body += struct.pack('<H', len(sec_addr)) + sec_addr
        body += b'\x00' * pad4(16 + len(body))
        body += struct.pack('<BBH', len(results), 0, 0)
        for result, reason, ts in results:
            body += struct.pack('<HH', result, reason) + ts
        flags = PFC_FIRST_FRAG | PFC_LAST_FRAG
        if self.hdr_sign:
            flags |= PFC_SUPPORT_HEADER_SIGN
        auth = None
        if auth_out:
            apad = pad4(16 + len(body))
            body += b'\x00' * apad
            auth = (pdu.auth_type, pdu.auth_level, apad, pdu.auth_ctx_id, auth_out)
        self.send(build_pdu(PTYPE_ALTER_CONTEXT_RESP if alter else PTYPE_BIND_ACK, flags,
                            pdu.call_id, body, auth))

    def _negotiate_contexts(self, items):
        """Presentation context and transfer syntax negotiation (MS-RPCE 3.3.1.5.6 on top of C706
        12.6.4.3): per abstract syntax the server accepts at most one context - the one with its
        preferred transfer syntax (NDR64) if offered, else the first the client lists that it
        supports; the others get proposed_transfer_syntaxes_not_supported. A bind-time feature
        negotiation context gets negotiate_ack with the supported bitmask (MS-RPCE 3.3.1.5.3)."""
        zero_ts = b'\x00' * 20
        results = [None] * len(items)
        chosen = {}             # abstract syntax -> index of the item accepted for it
        supported = (NDR64_SYNTAX, NDR_SYNTAX)      # in server preference order
        for pref in supported:
            for i, (ctx_id, abstract, ts) in enumerate(items):
                if results[i] is not None or abstract in chosen:
                    continue
                if not self._abstract_ok(abstract):
                    continue
                if pref in ts:
                    existing = self.contexts.get(ctx_id)
                    if existing is not None and (existing.abstract, existing.transfer) != (abstract, pref):
                        # C706 12.6.4.3: a context id, once negotiated, keeps its meaning.
                        continue
                    results[i] = (RESULT_ACCEPTANCE, 0, pref)
                    chosen[abstract] = i
                    self.contexts[ctx_id] = PresContext(ctx_id, abstract, pref)
        for i, (ctx_id, abstract, ts) in enumerate(items):
            if results[i] is not None:
                continue
            btfn = [t for t in ts if t[:8] == BTFN_PREFIX and t[16:20] == b'\x01\x00\x00\x00']
            if btfn:
                # MS-RPCE 2.2.2.14: the bitmask is the last 8 bytes of the "UUID", little-endian.
                asked = struct.unpack('<Q', btfn[0][8:16])[0]
                granted = asked & BTFN_SUPPORTED
                self.features |= granted
                results[i] = (RESULT_NEGOTIATE_ACK, granted, zero_ts)
            elif not self._abstract_ok(abstract):
                results[i] = (RESULT_PROVIDER_REJECTION, REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED, zero_ts)
            else:
                results[i] = (RESULT_PROVIDER_REJECTION,
                              REASON_PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED, zero_ts)
        return results

    def _abstract_ok(self, abstract):
        """C706 12.6.4.3 (interface version rule): the major versions must be equal and the
        server's minor must be at least the client's."""
        if abstract[:16] != self.server.iface_bin:
            return False
        major, minor = struct.unpack('<HH', abstract[16:20])
        return any(major == smaj and minor <= smin for smaj, smin in self.server.iface_versions)

    def _nak_reason_for(self, pdu):
        known = (AUTH_TYPE_NTLMSSP, AUTH_TYPE_SPNEGO) + \
            ((AUTH_TYPE_KRB5,) if self.server.keytab is not None else ())
        if pdu.auth_type not in known:
            return NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED
        return NAK_INVALID_CHECKSUM

    def _auth_leg(self, pdu, first_allowed):
        """Run one authentication leg from a bind, alter_context or auth3 PDU and return the
        token to send back (None for "no auth verifier in the answer")."""
        if pdu.auth_type not in (AUTH_TYPE_NTLMSSP, AUTH_TYPE_SPNEGO, AUTH_TYPE_KRB5):
            raise AuthError('auth type %d not supported' % pdu.auth_type)
        if pdu.auth_level not in (AUTH_LEVEL_CONNECT, AUTH_LEVEL_INTEGRITY, AUTH_LEVEL_PRIVACY):
            raise AuthError('auth level %d not supported' % pdu.auth_level)
        srv = self.server
        if pdu.auth_type == AUTH_TYPE_NTLMSSP and srv.user is None:
            raise AuthError('server configured without NTLMSSP credentials')
        if pdu.auth_type == AUTH_TYPE_KRB5 and srv.keytab is None:
            raise AuthError('server configured without a keytab')
        if srv.user is None and srv.keytab is None:
            raise AuthError('server configured without credentials')
        sec = self.sec.get(pdu.auth_ctx_id)
        if sec is None or sec.failed:
            if not first_allowed:
                raise AuthError('auth3 for unknown auth_context_id %d' % pdu.auth_ctx_id)
            # A new auth_context_id starts a new security context: security context multiplexing
            # (MS-RPCE 3.3.1.5.2.1). impacket's alter_ctx relies on this.
            sec = SecContext(pdu.auth_type, pdu.auth_level, pdu.auth_ctx_id, srv.user,
                             srv.password, srv.domain, srv.keytab)
            self.sec[pdu.auth_ctx_id] = sec
        elif sec.complete:
            # Re-authentication on an established context is not supported; an alter_context
            # that only adds presentation contexts may still repeat the verifier.
            return None
        if (sec.auth_type, sec.auth_level) != (pdu.auth_type, pdu.auth_level):
            sec.failed = True
            raise AuthError('auth type/level changed during the handshake')
        out = sec.step(pdu.auth_value)
        if sec.complete:
            log.info('conn %d: auth_context_id %d authenticated as %s (type %d, level %d)',
                     self.conn_id, sec.auth_ctx_id, sec.client_user, sec.auth_type,
                     sec.auth_level)
        return out

    def on_auth3(self, pdu):
        """auth3 (MS-RPCE 2.2.2.10): the third leg, answered by nothing."""
        if not pdu.auth_len:
            raise ProtocolError('auth3 without auth verifier')
        try:
            self._auth_leg(pdu, first_allowed=False)
        except AuthError as e:
            # Nothing can be sent back now; the context stays failed and requests on it fault.
            log.warning('conn %d: auth3 failed: %s', self.conn_id, e)

    def send_bind_nak(self, call_id, reason):
        # bind_nak body: provider_reject_reason, then p_rt_versions_supported (C706 12.6.4.4).
        body = struct.pack('<HBBB', reason, 1, 5, 0)
        body += b'\x00' * pad4(16 + len(body))
        self.send(build_pdu(PTYPE_BIND_NAK, PFC_FIRST_FRAG | PFC_LAST_FRAG, call_id, body))

    # ---- requests (C706 12.6.4.9, MS-RPCE 3.3.1.5.2.2 for the auth part) ----

    def on_request(self, pdu):
        raw = pdu.raw
        if not self.bound:
            raise ProtocolError('request before bind')
        hdr_len = 24 + (16 if pdu.flags & PFC_OBJECT_UUID else 0)
        if pdu.body_end < hdr_len:
            raise ProtocolError('short request')
        alloc_hint, ctx_id, opnum = struct.unpack_from('<IHH', raw, 16)
        object_uuid = bin_to_uuid(raw[24:40]) if pdu.flags & PFC_OBJECT_UUID else None

        stub = self._unprotect(pdu, hdr_len)

        if pdu.flags & PFC_FIRST_FRAG:
            if pdu.call_id in self.pending:
                raise ProtocolError('new first fragment for call_id %d in progress' % pdu.call_id)
            call = _PendingCall(pdu, ctx_id, opnum, object_uuid, alloc_hint)
            self.pending[pdu.call_id] = call
        else:
            call = self.pending.get(pdu.call_id)
            if call is None:
                raise ProtocolError('fragment for unknown call_id %d' % pdu.call_id)
            if (ctx_id, opnum) != (call.ctx_id, call.opnum):
                raise ProtocolError('fragment changes p_cont_id/opnum')
            if (pdu.auth_ctx_id if pdu.auth_len else None) != call.auth_ctx_id:
                raise ProtocolError('fragment changes auth_context_id')
        call.chunks.append(stub)
        call.size += len(stub)
        if call.size > MAX_REQUEST_SIZE:
            del self.pending[pdu.call_id]
            return self.send_fault(pdu.call_id, ctx_id, NCA_S_FAULT_REMOTE_NO_MEMORY,
                                   did_not_execute=True)
        if not pdu.flags & PFC_LAST_FRAG:
            return
        del self.pending[pdu.call_id]
        self.dispatch(call, b''.join(call.chunks))

    def _unprotect(self, pdu, hdr_len):
        """Check the signature / unseal one request fragment, return its stub bytes."""
        raw = pdu.raw
        if not pdu.auth_len:
            # No verifier: only acceptable if no context on this connection demands one.
            if any(s.complete and s.auth_level >= AUTH_LEVEL_INTEGRITY for s in self.sec.values()):
                self._security_fault(pdu, 'unprotected request on a signed/sealed connection')
            return raw[hdr_len:pdu.body_end]
        sec = self.sec.get(pdu.auth_ctx_id)
        if sec is None or not sec.complete or sec.failed:
            self._security_fault(pdu, 'request on unknown or unfinished auth_context_id %d'
                                 % pdu.auth_ctx_id)
        if (pdu.auth_type, pdu.auth_level) != (sec.auth_type, sec.auth_level):
            self._security_fault(pdu, 'request auth type/level differs from the context')
        if pdu.body_end - hdr_len < pdu.auth_pad:
            raise ProtocolError('auth_pad_length larger than the stub')
        body = raw[hdr_len:pdu.body_end]
        if sec.auth_level >= AUTH_LEVEL_INTEGRITY:
            # Sealing covers the stub and the auth padding (MS-RPCE 3.3.1.5.2.2). NTLMSSP's
            # signature covers the whole PDU from the header through the sec_trailer (with NTLM2
            # the header is always signed; Samba's gensec_ntlmssp always uses the whole PDU);
            # Kerberos covers header and sec_trailer only with PFC_SUPPORT_HEADER_SIGN.
            body = sec.prot.unprotect(raw[:hdr_len], body,
                                      raw[pdu.body_end:pdu.frag_len - pdu.auth_len],
                                      pdu.auth_value, sec.auth_level == AUTH_LEVEL_PRIVACY,
                                      self.hdr_sign)
            if body is None:
                self._security_fault(pdu, 'bad signature on call_id %d' % pdu.call_id)
        # At CONNECT level the verifier carries no protection; it is ignored.
        return body[:len(body) - pdu.auth_pad]

    def _security_fault(self, pdu, why):
        log.warning('conn %d: %s', self.conn_id, why)
        # Samba and Windows answer with a fault and drop the connection.
        self.send_fault(pdu.call_id, 0, NCA_S_FAULT_ACCESS_DENIED, did_not_execute=True)
        raise _Disconnect()

    def dispatch(self, call, stub):
        pctx = self.contexts.get(call.ctx_id)
        if pctx is None:
            # C706 12.6.4.9: a request on a context that was never accepted.
            return self.send_fault(call.call_id, call.ctx_id, NCA_S_UNK_IF, did_not_execute=True)

        # Verification trailer, MS-RPCE 2.2.2.13: detect, check, strip.
        vt = None
        vt_ofs, cmds = parse_verification_trailer(stub)
        if vt_ofs is not None:
            vt = self._check_vtrailer(call, pctx, cmds)
            if vt is None:
                log.warning('conn %d: verification trailer mismatch on call_id %d', self.conn_id,
                            call.call_id)
                return self.send_fault(call.call_id, call.ctx_id, NCA_S_FAULT_ACCESS_DENIED,
                                       did_not_execute=True)
            stub = stub[:vt_ofs]

        sec = self.sec.get(call.auth_ctx_id) if call.auth_ctx_id is not None else None
        # Who is calling: the request's own security context, or - for a request without
        # verifier, as Samba sends at CONNECT level - the connection's established one (at
        # CONNECT level authentication is per connection, MS-RPCE 3.3.1.5.2).
        who = sec or next((s for s in self.sec.values() if s.complete and not s.failed), None)
        auth_level = who.auth_level if who else AUTH_LEVEL_NONE
        seq = self.server._next_seq()
        self.server._dump(seq, call.opnum, 'in', pctx.ndr64, stub)
        ctx = CallContext(call.opnum, stub, pctx.ndr64, auth_level, self.assoc, self.conn_id,
                          call_id=call.call_id, ctx_id=call.ctx_id, object_uuid=call.object_uuid,
                          auth_type=who.auth_type if who else AUTH_TYPE_NONE,
                          user=who.client_user if who else None, vtrailer=vt,
                          transport='ncacn_ip_tcp', seq=seq)
        try:
            out = self.server.handler(ctx)
        except Fault as f:
            log.info('conn %d: opnum %d -> fault 0x%08x', self.conn_id, call.opnum, f.status)
            return self.send_fault(call.call_id, call.ctx_id, f.status,
                                   did_not_execute=f.status in (NCA_S_OP_RNG_ERROR, NCA_S_UNK_IF))
        except Exception:
            log.error('conn %d: handler raised on opnum %d:\n%s', self.conn_id, call.opnum,
                      traceback.format_exc())
            return self.send_fault(call.call_id, call.ctx_id, NCA_S_FAULT_UNSPEC)
        out = bytes(out or b'')
        self.server._dump(seq, call.opnum, 'out', pctx.ndr64, out)
        self.send_response(call, out, sec)

    def _check_vtrailer(self, call, pctx, cmds):
        """Check the trailer's commands (MS-RPCE 2.2.2.13.3-5) as Samba's server does
        (dcerpc_sec_verification_trailer_check):
        pcontext must name this context's syntaxes, header2 must repeat this request's header,
        bitmask1 may only claim header signing if it was negotiated. Returns a dict or None."""
        vt = {'commands': []}
        for cmd, payload in cmds:
            code = cmd & 0x3fff
            vt['commands'].append(code)
            if code == SEC_VT_COMMAND_BITMASK_1:
                if len(payload) != 4:
                    return None
                bits = struct.unpack('<I', payload)[0]
                vt['bitmask1'] = bits
                if bits & SEC_VT_CLIENT_SUPPORTS_HEADER_SIGNING and not self.hdr_sign:
                    return None
            elif code == SEC_VT_COMMAND_PCONTEXT:
                if len(payload) != 40 or payload[:20] != pctx.abstract or payload[20:] != pctx.transfer:
                    return None
                vt['pcontext'] = (bin_to_uuid(payload[:16]), bin_to_uuid(payload[20:36]))
            elif code == SEC_VT_COMMAND_HEADER2:
                if len(payload) != 16:
                    return None
                ptype, _r1, _r2, drep, call_id, ctx_id, opnum = struct.unpack('<BBH4sIHH', payload)
                if (ptype, drep, call_id, ctx_id, opnum) != (PTYPE_REQUEST, bytes(call.drep),
                                                             call.call_id, call.ctx_id, call.opnum):
                    return None
                vt['header2'] = True
            elif cmd & SEC_VT_MUST_PROCESS_COMMAND:
                return None
        return vt

    # ---- responses ----

    def send_response(self, call, stub, sec):
        """Fragment the response to the client's max_recv_frag (C706 12.6.3.7), each fragment
        signed/sealed on its own (MS-RPCE 3.3.1.5.2.2)."""
        protect = sec is not None and sec.auth_level >= AUTH_LEVEL_INTEGRITY
        connect = sec is not None and sec.auth_level == AUTH_LEVEL_CONNECT
        if protect:
            room = self.max_xmit - 24 - SEC_TRAILER_SIZE - \
                sec.prot.sig_size(sec.auth_level == AUTH_LEVEL_PRIVACY)
            room -= room % AUTH_PAD_ALIGN       # full fragments need no padding
        elif connect:
            room = self.max_xmit - 24 - SEC_TRAILER_SIZE - NTLMSSP_SIG_SIZE
        else:
            room = self.max_xmit - 24
        off = 0
        total = len(stub)
        while True:
            piece = stub[off:off + room]
            flags = (PFC_FIRST_FRAG if off == 0 else 0)
            last = off + len(piece) >= total
            if last:
                flags |= PFC_LAST_FRAG
            # alloc_hint: what remains of the stub from this fragment on (C706 12.6.4.10).
            body_hdr = struct.pack('<IHBB', total - off, call.ctx_id, 0, 0)
            if protect:
                self.send(self._protected_pdu(PTYPE_RESPONSE, flags, call.call_id, body_hdr,
                                              piece, sec))
            elif connect:
                # CONNECT level: a verifier without protection; NTLMSSP puts a signature with
                # version 1 and zeros there (what Samba and Windows send).
                apad = pad4(24 + len(piece))
                sig = struct.pack('<I', 1) + b'\x00' * 12
                self.send(build_pdu(PTYPE_RESPONSE, flags, call.call_id,
                                    body_hdr + piece + b'\x00' * apad,
                                    (sec.auth_type, sec.auth_level, apad, sec.auth_ctx_id, sig)))
            else:
                self.send(build_pdu(PTYPE_RESPONSE, flags, call.call_id, body_hdr + piece))
            off += len(piece)
            if last:
                break

    def _protected_pdu(self, ptype, flags, call_id, body_hdr, stub, sec):
        apad = (AUTH_PAD_ALIGN - len(stub) % AUTH_PAD_ALIGN) % AUTH_PAD_ALIGN
        payload = stub + b'\x00' * apad
        privacy = sec.auth_level == AUTH_LEVEL_PRIVACY
        sig_size = sec.prot.sig_size(privacy)
        frag_len = 16 + len(body_hdr) + len(payload) + SEC_TRAILER_SIZE + sig_size
        hdr = struct.pack('<BBBB4sHHI', 5, 0, ptype, flags, b'\x10\x00\x00\x00', frag_len,
                          sig_size, call_id)
        trailer = struct.pack('<BBBBI', sec.auth_type, sec.auth_level, apad, 0, sec.auth_ctx_id)
        wire_payload, sig = sec.prot.protect(hdr + body_hdr, payload, trailer, privacy,
                                             self.hdr_sign)
        assert len(sig) == sig_size, (len(sig), sig_size)
        return hdr + body_hdr + wire_payload + trailer + sig

    def send_fault(self, call_id, ctx_id, status, did_not_execute=False):
        # Fault body: alloc_hint, p_cont_id, cancel_count, reserved, status, reserved
        # (C706 12.6.4.7). Sent without verifier, as Samba does; clients check faults first.
        flags = PFC_FIRST_FRAG | PFC_LAST_FRAG | (PFC_DID_NOT_EXECUTE if did_not_execute else 0)
        body = struct.pack('<IHBBII', 0, ctx_id, 0, 0, status, 0)
        self.send(build_pdu(PTYPE_FAULT, flags, call_id, body))

    def _leave_group(self):
        if self.assoc is not None:
            self.server._leave_group(self.assoc)
            self.assoc = None


# --------------------------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------------------------

class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class CoServer:
    """ncacn_ip_tcp DCE/RPC server on 127.0.0.1:port (port 0: any free port, see .port)."""

    def __init__(self, port, handler, iface_uuid, iface_versions=((3, 0),), user=None,
                 password=None, domain='', dump_dir=None, max_frag=DEFAULT_MAX_FRAG,
                 keytab=None):
        self.handler = handler
        self.iface_uuid = str(iface_uuid)
        self.iface_bin = uuid_to_bin(iface_uuid)
        self.iface_versions = tuple(tuple(v) for v in iface_versions)
        self.user = user
        self.password = password if password is not None else ''
        self.domain = domain or ''
        self.keytab = keytab            # service keys for Kerberos (auth type 16, SPNEGO)
        self.dump_dir = dump_dir
        self.max_frag = max(MUST_RECV_FRAG_SIZE, min(int(max_frag), 0xffff))
        if dump_dir:
            os.makedirs(dump_dir, exist_ok=True)
        self._lock = threading.Lock()
        self._groups = {}
        self._group_ids = itertools.count(0x1234)
        self._conn_ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._serving = False
        self._conns = set()
        outer = self

        class _Handler(socketserver.BaseRequestHandler):
            def handle(self):
                outer._serve_connection(self.request)

        # Loopback only: this is a test peer.
        self._srv = _TCPServer(('127.0.0.1', port), _Handler)
        self.port = self._srv.server_address[1]

    def serve_forever(self):
        self._serving = True
        self._srv.serve_forever(poll_interval=0.2)

    def shutdown(self):
        """Stop accepting, close the listening socket and every open connection."""
        if self._serving:
            self._srv.shutdown()        # waits for serve_forever to return
        self._srv.server_close()
        with self._lock:
            socks = list(self._conns)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # ---- internals shared by connections ----

    def _serve_connection(self, sock):
        conn_id = next(self._conn_ids)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = Connection(self, sock, conn_id)
        log.debug('conn %d: open', conn_id)
        with self._lock:
            self._conns.add(sock)
        try:
            conn.run()
        except (_Disconnect, ConnectionError, OSError):
            pass
        except Exception:
            log.error('conn %d: crashed:\n%s', conn_id, traceback.format_exc())
        finally:
            with self._lock:
                self._conns.discard(sock)
            conn._leave_group()
            log.debug('conn %d: closed', conn_id)

    def _join_group(self, gid):
        with self._lock:
            if gid == 0:
                gid = next(self._group_ids)
                group = self._groups[gid] = AssocGroup(gid)
            else:
                group = self._groups.get(gid)
                if group is None:
                    return None
            group.refs += 1
            return group

    def _leave_group(self, group):
        with self._lock:
            group.refs -= 1
            if group.refs <= 0:
                # The association group ends with its last connection (MS-RPCE 3.3.1.5.3);
                # its context handles are gone with it.
                self._groups.pop(group.group_id, None)

    def _next_seq(self):
        with self._lock:
            return next(self._seq)

    def _dump(self, seq, opnum, direction, ndr64, data):
        if not self.dump_dir:
            return
        name = '%05d_%d_%s%s.bin' % (seq, opnum, direction, '_ndr64' if ndr64 else '')
        with open(os.path.join(self.dump_dir, name), 'wb') as f:
            f.write(data)


def serve_in_thread(server):
    """Start `server.serve_forever()` in a daemon thread; returns the thread."""
    t = threading.Thread(target=server.serve_forever, name='dcerpc-co-%d' % server.port,
                         daemon=True)
    t.start()
    return t
