"""Tests of the mock peer's DCE/RPC transport (dcerpc_co.py, dcerpc_cl.py).

Run with Debian's interpreter (it has python3-impacket, python3-pycryptodome, python3-pytest):

    /usr/bin/python3 -m pytest tests/peer/test_transport.py

Three kinds of peers talk to the servers here:
- impacket's DCE/RPC client (an independent implementation of the client side, incl. NTLMSSP
  signing/sealing and NDR64 / alter_context);
- raw PDUs built in this file, for what impacket cannot send (several presentation contexts in one
  bind, bind-time feature negotiation, verification trailers, small max_recv_frag);
- Samba's smbtorture (rpc.clusapi), the real ClusAPI client, anonymous, NTLMSSP and SPNEGO, at
  connect / integrity / privacy, NDR and NDR64; the stubs the server dumped are then checked with
  Samba's ndrdump. These tests are skipped where smbtorture is not installed.
Everything runs on 127.0.0.1.
"""

import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import uuid

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import Cryptodome  # noqa: F401
    import impacket  # noqa: F401
except ImportError as e:       # the pyenv python3 on PATH has neither
    raise ImportError('%s: run these tests with /usr/bin/python3 (Debian python3-impacket, '
                      'python3-pycryptodome, python3-pytest)' % e)

import dcerpc_cl as cl  # noqa: E402
import dcerpc_co as co  # noqa: E402

CLUSAPI = 'b97db8b2-4c63-11cf-bff6-08002be23f2f'
USER, PASSWORD, DOMAIN = 'alice', 'S3cret!pw', 'CMRP'
SMBTORTURE = shutil.which('smbtorture')
NDRDUMP = shutil.which('ndrdump')


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

def echo_handler(calls):
    """Opnum 1 echoes, opnum 2 returns N*256 bytes (N = first uint32 of the stub), others fault.
    Every CallContext is appended to `calls`."""
    def handler(ctx):
        calls.append(ctx)
        if ctx.opnum == 1:
            return ctx.stub
        if ctx.opnum == 2:
            n = struct.unpack_from('<I', ctx.stub)[0]
            return bytes(range(256)) * n
        raise co.Fault(co.NCA_S_OP_RNG_ERROR)
    return handler


@pytest.fixture
def co_server():
    servers = []

    def start(handler, **kw):
        kw.setdefault('user', USER)
        kw.setdefault('password', PASSWORD)
        kw.setdefault('domain', DOMAIN)
        srv = co.CoServer(0, handler, CLUSAPI, **kw)
        co.serve_in_thread(srv)
        servers.append(srv)
        return srv
    yield start
    for srv in servers:
        srv.shutdown()


def impacket_client(port, level=None, transfer_syntax=None, password=PASSWORD):
    from impacket.dcerpc.v5 import transport
    from impacket.uuid import uuidtup_to_bin
    t = transport.DCERPCTransportFactory('ncacn_ip_tcp:127.0.0.1[%d]' % port)
    t.set_connect_timeout(10)
    if level:
        t.set_credentials(USER, password, DOMAIN)
    dce = t.get_dce_rpc()
    if level:
        dce.set_auth_level(level)
    dce.connect()
    if transfer_syntax:
        dce.bind(uuidtup_to_bin((CLUSAPI, '3.0')), transfer_syntax=transfer_syntax)
    else:
        dce.bind(uuidtup_to_bin((CLUSAPI, '3.0')))
    return dce


def impacket_call(dce, opnum, stub):
    dce.call(opnum, stub)
    return dce.recv()


# Raw PDU helpers (C706 12.6).

def raw_pdu(ptype, call_id, body, flags=co.PFC_FIRST_FRAG | co.PFC_LAST_FRAG):
    return struct.pack('<BBBB4sHHI', 5, 0, ptype, flags, b'\x10\0\0\0', 16 + len(body), 0,
                       call_id) + body


def raw_bind_body(items, max_xmit=5840, max_recv=5840, assoc=0):
    body = struct.pack('<HHIBBH', max_xmit, max_recv, assoc, len(items), 0, 0)
    for ctx_id, abstract, transfers in items:
        body += struct.pack('<HBB', ctx_id, len(transfers), 0) + abstract + b''.join(transfers)
    return body


def raw_request(call_id, ctx_id, opnum, stub, flags=co.PFC_FIRST_FRAG | co.PFC_LAST_FRAG):
    return raw_pdu(co.PTYPE_REQUEST, call_id, struct.pack('<IHH', len(stub), ctx_id, opnum) + stub,
                   flags)


def read_pdu(sock):
    hdr = b''
    while len(hdr) < 16:
        chunk = sock.recv(16 - len(hdr))
        assert chunk, 'connection closed'
        hdr += chunk
    frag_len = struct.unpack_from('<H', hdr, 8)[0]
    rest = b''
    while len(rest) < frag_len - 16:
        chunk = sock.recv(frag_len - 16 - len(rest))
        assert chunk, 'connection closed'
        rest += chunk
    return hdr + rest


def parse_bind_ack(pdu):
    max_xmit, max_recv, assoc, sec_len = struct.unpack_from('<HHIH', pdu, 16)
    off = 26 + sec_len
    off += (4 - off % 4) % 4
    n = pdu[off]
    off += 4
    results = []
    for _ in range(n):
        result, reason = struct.unpack_from('<HH', pdu, off)
        results.append((result, reason, pdu[off + 4:off + 24]))
        off += 24
    return {'max_xmit': max_xmit, 'max_recv': max_recv, 'assoc': assoc, 'results': results,
            'flags': pdu[3], 'ptype': pdu[2]}


def connect(port):
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    return s


CLUSAPI_V3 = co.syntax_id(CLUSAPI, 3, 0)
BTFN_3 = uuid.UUID('6cb71c2c-9812-4540-0300-000000000000').bytes_le + struct.pack('<HH', 1, 0)


# --------------------------------------------------------------------------------------------
# impacket client
# --------------------------------------------------------------------------------------------

def test_anonymous_bind_and_calls(co_server):
    calls = []
    srv = co_server(echo_handler(calls))
    dce = impacket_client(srv.port)
    assert impacket_call(dce, 1, b'hello cluster') == b'hello cluster'
    ctx = calls[-1]
    assert (ctx.opnum, ctx.ndr64, ctx.auth_level, ctx.auth_type) == (1, False, 1, 0)
    assert isinstance(ctx.assoc, dict) and ctx.conn_id >= 1


@pytest.mark.parametrize('level', [co.AUTH_LEVEL_CONNECT, co.AUTH_LEVEL_INTEGRITY,
                                   co.AUTH_LEVEL_PRIVACY])
def test_ntlm_bind_and_calls(co_server, level):
    calls = []
    srv = co_server(echo_handler(calls))
    dce = impacket_client(srv.port, level=level)
    # Several calls: each one moves both directions' sequence numbers and RC4 streams on, so a
    # mistake in either shows up at the second call at the latest.
    for i in range(4):
        payload = os.urandom(100 + i * 37)
        assert impacket_call(dce, 1, payload) == payload
    assert calls[-1].auth_level == level
    assert calls[-1].auth_type == co.AUTH_TYPE_NTLMSSP
    assert calls[-1].user == USER


def test_ntlmv1_extended_session_security(co_server):
    from impacket import ntlm
    calls = []
    srv = co_server(echo_handler(calls))
    saved = ntlm.USE_NTLMv2
    ntlm.USE_NTLMv2 = False          # impacket then sends an NTLM (v1) response with ESS
    try:
        dce = impacket_client(srv.port, level=co.AUTH_LEVEL_PRIVACY)
        assert impacket_call(dce, 1, b'v1 sealed') == b'v1 sealed'
    finally:
        ntlm.USE_NTLMv2 = saved


def test_wrong_password_is_refused(co_server):
    from impacket.dcerpc.v5.rpcrt import DCERPCException
    calls = []
    srv = co_server(echo_handler(calls))
    dce = impacket_client(srv.port, level=co.AUTH_LEVEL_INTEGRITY, password='wrong')
    with pytest.raises(DCERPCException) as e:
        impacket_call(dce, 1, b'x')
    assert 'access_denied' in str(e.value)
    assert calls == []


@pytest.mark.parametrize('level', [co.AUTH_LEVEL_INTEGRITY, co.AUTH_LEVEL_PRIVACY])
def test_tampered_request_is_refused(co_server, level):
    """Flip one stub byte of a correctly signed (or sealed) request: the signature check fails,
    the server answers access denied and drops the connection."""
    from impacket.dcerpc.v5.rpcrt import DCERPCException
    calls = []
    srv = co_server(echo_handler(calls))
    dce = impacket_client(srv.port, level=level)
    assert impacket_call(dce, 1, b'good') == b'good'
    sent = []
    real_send = dce._transport.send
    dce._transport.send = lambda data, forceWriteAndx=0, forceRecv=0: sent.append(data)
    dce.call(1, b'payload that will be tampered with')
    dce._transport.send = real_send
    pkt = bytearray(sent[0])
    pkt[26] ^= 0x01
    real_send(bytes(pkt))
    with pytest.raises(DCERPCException) as e:
        dce.recv()
    assert 'access_denied' in str(e.value)
    assert [c.stub for c in calls] == [b'good']


def test_ndr64(co_server):
    calls = []
    srv = co_server(echo_handler(calls))
    dce = impacket_client(srv.port, level=co.AUTH_LEVEL_PRIVACY,
                          transfer_syntax=(co.NDR64_UUID, '1.0'))
    assert impacket_call(dce, 1, b'ndr64 stub') == b'ndr64 stub'
    assert calls[-1].ndr64 is True


@pytest.mark.parametrize('level', [None, co.AUTH_LEVEL_INTEGRITY, co.AUTH_LEVEL_PRIVACY])
def test_alter_context(co_server, level):
    from impacket.uuid import uuidtup_to_bin
    calls = []
    srv = co_server(echo_handler(calls))
    dce = impacket_client(srv.port, level=level)
    assert impacket_call(dce, 1, b'first') == b'first'
    # impacket's alter_ctx: a new presentation context (id 1) and, when authenticated, a second
    # NTLMSSP handshake in alter_context/auth3 with a new auth_context_id.
    dce2 = dce.alter_ctx(uuidtup_to_bin((CLUSAPI, '3.0')))
    assert impacket_call(dce2, 1, b'second') == b'second'
    assert impacket_call(dce, 1, b'third') == b'third'
    assert [c.ctx_id for c in calls] == [0, 1, 0]
    assert len({c.conn_id for c in calls}) == 1


@pytest.mark.parametrize('level', [None, co.AUTH_LEVEL_INTEGRITY, co.AUTH_LEVEL_PRIVACY])
def test_multifragment_request_and_response(co_server, level):
    calls = []
    srv = co_server(echo_handler(calls))
    dce = impacket_client(srv.port, level=level)
    # Response: 300 * 256 bytes = 76800 bytes, far above impacket's max_recv_frag of 4280.
    out = impacket_call(dce, 2, struct.pack('<I', 300))
    assert out == bytes(range(256)) * 300
    # Request: impacket splits the stub into 1000-byte fragments, each signed/sealed on its own.
    dce.set_max_fragment_size(1000)
    big = os.urandom(20000)
    assert impacket_call(dce, 1, big) == big
    assert calls[-1].stub == big


def test_unknown_opnum_faults(co_server):
    from impacket.dcerpc.v5.rpcrt import DCERPCException
    srv = co_server(echo_handler([]))
    dce = impacket_client(srv.port, level=co.AUTH_LEVEL_PRIVACY)
    with pytest.raises(DCERPCException) as e:
        impacket_call(dce, 99, b'')
    assert 'nca_s_op_rng_error' in str(e.value)
    # The connection stays usable after a fault.
    assert impacket_call(dce, 1, b'still here') == b'still here'


# --------------------------------------------------------------------------------------------
# Raw PDUs: what impacket cannot send
# --------------------------------------------------------------------------------------------

def test_bind_several_contexts_prefers_ndr64_and_negotiates_features(co_server):
    """The Windows-style bind: NDR, NDR64 and a bind-time feature negotiation context."""
    srv = co_server(echo_handler([]))
    s = connect(srv.port)
    other_if = co.syntax_id('12345778-1234-abcd-ef00-0123456789ac', 1, 0)
    items = [(0, CLUSAPI_V3, [co.NDR_SYNTAX]),
             (1, CLUSAPI_V3, [co.NDR64_SYNTAX]),
             (2, CLUSAPI_V3, [BTFN_3]),
             (3, other_if, [co.NDR_SYNTAX]),
             (4, co.syntax_id(CLUSAPI, 2, 0), [co.NDR_SYNTAX])]
    s.sendall(raw_pdu(co.PTYPE_BIND, 1, raw_bind_body(items)))
    ack = parse_bind_ack(read_pdu(s))
    assert ack['ptype'] == co.PTYPE_BIND_ACK
    res = ack['results']
    # MS-RPCE 3.3.1.5.6: the server's preferred syntax (NDR64) wins, the NDR context is refused.
    assert res[0][:2] == (co.RESULT_PROVIDER_REJECTION,
                          co.REASON_PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED)
    assert res[1] == (co.RESULT_ACCEPTANCE, 0, co.NDR64_SYNTAX)
    # MS-RPCE 3.3.1.5.3: negotiate_ack with the supported features in `reason`.
    assert res[2][:2] == (co.RESULT_NEGOTIATE_ACK, 0x3)
    assert res[3][:2] == (co.RESULT_PROVIDER_REJECTION, co.REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED)
    assert res[4][:2] == (co.RESULT_PROVIDER_REJECTION, co.REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED)
    # A request on the refused NDR context faults with nca_s_unk_if; on NDR64 it works.
    s.sendall(raw_request(2, 0, 1, b'x'))
    f = read_pdu(s)
    assert f[2] == co.PTYPE_FAULT and struct.unpack_from('<I', f, 24)[0] == co.NCA_S_UNK_IF
    assert f[3] & co.PFC_DID_NOT_EXECUTE
    s.sendall(raw_request(3, 1, 1, b'x'))
    r = read_pdu(s)
    assert r[2] == co.PTYPE_RESPONSE and r[24:] == b'x'
    s.close()


def test_bind_ndr_only_feature_bits_and_assoc_group(co_server):
    srv = co_server(echo_handler([]))
    s1 = connect(srv.port)
    only_orphan = uuid.UUID('6cb71c2c-9812-4540-0200-000000000000').bytes_le + b'\x01\0\0\0'
    s1.sendall(raw_pdu(co.PTYPE_BIND, 1, raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX]),
                                                          (1, CLUSAPI_V3, [only_orphan])])))
    ack = parse_bind_ack(read_pdu(s1))
    assert ack['results'][0] == (co.RESULT_ACCEPTANCE, 0, co.NDR_SYNTAX)
    assert ack['results'][1][:2] == (co.RESULT_NEGOTIATE_ACK, 0x2)
    # A second connection joins the association group by its id (MS-RPCE 3.3.1.5.3) ...
    s2 = connect(srv.port)
    s2.sendall(raw_pdu(co.PTYPE_BIND, 1, raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX])],
                                                       assoc=ack['assoc'])))
    ack2 = parse_bind_ack(read_pdu(s2))
    assert ack2['ptype'] == co.PTYPE_BIND_ACK and ack2['assoc'] == ack['assoc']
    # ... and an unknown group id gets a bind_nak.
    s3 = connect(srv.port)
    s3.sendall(raw_pdu(co.PTYPE_BIND, 1, raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX])],
                                                       assoc=0x7777)))
    assert read_pdu(s3)[2] == co.PTYPE_BIND_NAK
    for s in (s1, s2, s3):
        s.close()


def test_bind_nak_for_unknown_auth_type(co_server):
    srv = co_server(echo_handler([]))
    s = connect(srv.port)
    body = raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX])])
    token = b'not a kerberos token'
    body += struct.pack('<BBBBI', 16, co.AUTH_LEVEL_PRIVACY, 0, 0, 1) + token   # 16: Kerberos
    pdu = bytearray(raw_pdu(co.PTYPE_BIND, 1, body))
    struct.pack_into('<H', pdu, 10, len(token))
    s.sendall(bytes(pdu))
    nak = read_pdu(s)
    assert nak[2] == co.PTYPE_BIND_NAK
    assert struct.unpack_from('<H', nak, 16)[0] == co.NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED
    s.close()


def test_assoc_state_is_shared_within_a_group(co_server):
    def handler(ctx):
        ctx.assoc['n'] = ctx.assoc.get('n', 0) + 1
        return struct.pack('<I', ctx.assoc['n'])
    srv = co_server(handler)
    s1, s2 = connect(srv.port), connect(srv.port)
    s1.sendall(raw_pdu(co.PTYPE_BIND, 1, raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX])])))
    gid = parse_bind_ack(read_pdu(s1))['assoc']
    s2.sendall(raw_pdu(co.PTYPE_BIND, 1, raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX])],
                                                       assoc=gid)))
    read_pdu(s2)
    s1.sendall(raw_request(2, 0, 0, b''))
    assert read_pdu(s1)[24:] == struct.pack('<I', 1)
    s2.sendall(raw_request(2, 0, 0, b''))
    assert read_pdu(s2)[24:] == struct.pack('<I', 2)
    s1.close()
    s2.close()


def test_response_fragments_follow_client_max_recv_frag(co_server):
    srv = co_server(echo_handler([]))
    s = connect(srv.port)
    s.sendall(raw_pdu(co.PTYPE_BIND, 1, raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX])],
                                                      max_xmit=2048, max_recv=1432)))
    ack = parse_bind_ack(read_pdu(s))
    assert (ack['max_xmit'], ack['max_recv']) == (1432, 2048)
    s.sendall(raw_request(2, 0, 2, struct.pack('<I', 40)))
    stub, frags = b'', []
    while True:
        pdu = read_pdu(s)
        assert pdu[2] == co.PTYPE_RESPONSE
        frags.append(pdu)
        stub += pdu[24:]
        if pdu[3] & co.PFC_LAST_FRAG:
            break
    assert stub == bytes(range(256)) * 40
    assert len(frags) == -(-len(stub) // (1432 - 24))
    assert all(len(f) <= 1432 for f in frags)
    assert frags[0][3] & co.PFC_FIRST_FRAG and not frags[1][3] & co.PFC_FIRST_FRAG
    # alloc_hint counts down what is left (C706 12.6.4.10).
    assert struct.unpack_from('<I', frags[1], 16)[0] == len(stub) - (1432 - 24)
    s.close()


def _vtrailer(call_id, ctx_id, opnum, abstract=CLUSAPI_V3, transfer=co.NDR_SYNTAX):
    vt = co.SEC_VT_SIGNATURE
    vt += struct.pack('<HH', co.SEC_VT_COMMAND_PCONTEXT, 40) + abstract + transfer
    vt += struct.pack('<HH', co.SEC_VT_COMMAND_HEADER2 | co.SEC_VT_COMMAND_END, 16)
    vt += struct.pack('<BBH4sIHH', co.PTYPE_REQUEST, 0, 0, b'\x10\0\0\0', call_id, ctx_id, opnum)
    return vt


def test_verification_trailer_is_checked_and_stripped(co_server, tmp_path):
    calls = []
    srv = co_server(echo_handler(calls), dump_dir=str(tmp_path))
    s = connect(srv.port)
    s.sendall(raw_pdu(co.PTYPE_BIND, 1, raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX])])))
    read_pdu(s)
    ndr = b'\x01\x02\x03\x04\x05\x06'
    stub = ndr + b'\0\0' + _vtrailer(2, 0, 1)         # aligned to 4 before the trailer
    s.sendall(raw_request(2, 0, 1, stub))
    r = read_pdu(s)
    assert r[2] == co.PTYPE_RESPONSE
    assert calls[-1].stub == ndr + b'\0\0'
    assert calls[-1].vtrailer['header2'] is True
    assert calls[-1].vtrailer['pcontext'] == (CLUSAPI, co.NDR_UUID)
    assert (tmp_path / '00001_1_in.bin').read_bytes() == ndr + b'\0\0'
    # A trailer that names another call is refused (MS-RPCE 2.2.2.13.5: header2 must match).
    s.sendall(raw_request(3, 0, 1, ndr + b'\0\0' + _vtrailer(2, 0, 1)))
    f = read_pdu(s)
    assert f[2] == co.PTYPE_FAULT
    assert struct.unpack_from('<I', f, 24)[0] == co.NCA_S_FAULT_ACCESS_DENIED
    # The signature inside NDR data that is not a trailer stays in the stub.
    fake = co.SEC_VT_SIGNATURE + b'\xff' * 8
    s.sendall(raw_request(4, 0, 1, fake))
    assert read_pdu(s)[24:] == fake
    s.close()


def test_multifragment_raw_request_and_orphan(co_server):
    calls = []
    srv = co_server(echo_handler(calls))
    s = connect(srv.port)
    s.sendall(raw_pdu(co.PTYPE_BIND, 1, raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX])])))
    read_pdu(s)
    # An orphaned call is dropped without an answer (MS-RPCE 3.3.1.5.5) ...
    s.sendall(raw_request(7, 0, 1, b'lost', flags=co.PFC_FIRST_FRAG))
    s.sendall(raw_pdu(co.PTYPE_ORPHANED, 7, b''))
    # ... and a three-fragment call is put together.
    s.sendall(raw_request(8, 0, 1, b'abc', flags=co.PFC_FIRST_FRAG))
    s.sendall(raw_request(8, 0, 1, b'def', flags=0))
    s.sendall(raw_request(8, 0, 1, b'ghi', flags=co.PFC_LAST_FRAG))
    r = read_pdu(s)
    assert struct.unpack_from('<I', r, 12)[0] == 8 and r[24:] == b'abcdefghi'
    assert [c.stub for c in calls] == [b'abcdefghi']
    s.close()


def test_dump_dir_names(co_server, tmp_path):
    srv = co_server(echo_handler([]), dump_dir=str(tmp_path))
    dce = impacket_client(srv.port)
    impacket_call(dce, 1, b'one')
    dce64 = impacket_client(srv.port, transfer_syntax=(co.NDR64_UUID, '1.0'))
    impacket_call(dce64, 1, b'two')
    names = sorted(os.listdir(tmp_path))
    assert names == ['00001_1_in.bin', '00001_1_out.bin', '00002_1_in_ndr64.bin',
                     '00002_1_out_ndr64.bin']
    assert (tmp_path / '00002_1_out_ndr64.bin').read_bytes() == b'two'


# --------------------------------------------------------------------------------------------
# smbtorture (Samba's ClusAPI client)
# --------------------------------------------------------------------------------------------

def _ustr(s, referent, ndr64):
    """A [unique, string] wchar_t* as NDR (or NDR64) lays it out: referent id, then the
    conformant varying array (max count, offset, actual count), then the UTF-16 characters."""
    data = (s + '\0').encode('utf-16-le')
    n = len(s) + 1
    if ndr64:
        b = struct.pack('<QQQQ', referent, n, 0, n) + data
        return b + b'\0' * (-len(b) % 8)
    b = struct.pack('<IIII', referent, n, 0, n) + data
    return b + b'\0' * (-len(b) % 4)


def clusapi_handler(cluster_name='CMRPCLUSTER', calls=None):
    """The four ClusAPI calls rpc.clusapi.cluster.OpenCluster makes: its fixture calls
    ApiGetClusterName (3) and ApiGetClusterVersion2 (102), the test ApiOpenCluster (0) and
    ApiCloseCluster (1)."""
    def handler(ctx):
        if calls is not None:
            calls.append(ctx)
        n64 = ctx.ndr64
        if ctx.opnum == 0:       # Status (uint32) + HCLUSTER_RPC (20-byte context handle)
            return struct.pack('<I', 0) + b'\0' * 4 + uuid.uuid4().bytes
        if ctx.opnum == 1:       # the handle, zeroed, + return value
            return b'\0' * 20 + struct.pack('<I', 0)
        if ctx.opnum == 3:
            return (_ustr(cluster_name, 0x20000, n64) + _ustr('CMRP-NODE1', 0x20004, n64)
                    + struct.pack('<I', 0))
        if ctx.opnum == 102:
            b = struct.pack('<HHH', 10, 0, 20348) + b'\0' * (2 if not n64 else 2)
            b += _ustr('Microsoft(R) Cluster Service', 0x20000, n64) + _ustr('', 0x20004, n64)
            b += struct.pack('<Q' if n64 else '<I', 0x20008)
            b += struct.pack('<5I', 20, 0x000b0003, 0x000a0002, 0, 0)
            return b + struct.pack('<II', 0, 0)          # rpc_status, return value
        raise co.Fault(co.NCA_S_OP_RNG_ERROR)
    return handler


CLUSAPI_FUNCS = {0: 'clusapi_OpenCluster', 1: 'clusapi_CloseCluster',
                 3: 'clusapi_GetClusterName', 102: 'clusapi_GetClusterVersion2'}


def run_smbtorture(port, options='', creds='-U%', test='rpc.clusapi.cluster.OpenCluster'):
    binding = 'ncacn_ip_tcp:127.0.0.1[%d%s]' % (port, options)
    p = subprocess.run(['timeout', '60', SMBTORTURE, binding] + creds.split() + [test],
                       capture_output=True, text=True, timeout=90)
    return p.returncode, p.stdout + p.stderr


def ndrdump_ok(path):
    name = os.path.basename(path)[:-4]
    parts = name.split('_')
    opnum, direction, ndr64 = int(parts[1]), parts[2], name.endswith('_ndr64')
    # ndrdump's --validate re-pulls without the NDR64 flag (a bug of ndrdump), so NDR64 stubs are
    # only pulled and printed.
    args = [NDRDUMP, 'clusapi', CLUSAPI_FUNCS[opnum], direction, path]
    args += ['--ndr64'] if ndr64 else ['--validate']
    p = subprocess.run(['timeout', '30'] + args, capture_output=True, text=True, timeout=60)
    return p.stdout.strip().splitlines()[-1] == 'dump OK', p.stdout


needs_smbtorture = pytest.mark.skipif(not SMBTORTURE, reason='smbtorture not installed')

SMBTORTURE_CASES = [
    # (binding options, credentials, expected auth_type, expected auth_level, ndr64)
    ('', '-U%', 0, 1, False),                                          # anonymous
    (',connect,ntlm', '-U%s%%%s' % (USER, PASSWORD), 10, 2, False),
    (',sign,ntlm', '-U%s%%%s' % (USER, PASSWORD), 10, 5, False),
    (',seal,ntlm', '-U%s%%%s' % (USER, PASSWORD), 10, 6, False),
    ('', '-U%s%%%s' % (USER, PASSWORD), 9, 5, False),                  # default: SPNEGO, sign
    (',seal', '-U%s%%%s' % (USER, PASSWORD), 9, 6, False),             # SPNEGO, seal
    (',ndr64', '-U%', 0, 1, True),
    (',ndr64,seal,ntlm', '-U%s%%%s' % (USER, PASSWORD), 10, 6, True),
]


@needs_smbtorture
@pytest.mark.parametrize('options,creds,auth_type,auth_level,ndr64', SMBTORTURE_CASES)
def test_smbtorture_open_cluster(co_server, tmp_path, options, creds, auth_type, auth_level,
                                 ndr64):
    calls = []
    srv = co_server(clusapi_handler(calls=calls), dump_dir=str(tmp_path))
    rc, out = run_smbtorture(srv.port, options, creds)
    assert rc == 0 and 'success: cluster.OpenCluster' in out, out
    assert [c.opnum for c in calls] == [3, 102, 0, 1]
    assert {(c.auth_type, c.auth_level, c.ndr64) for c in calls} == {(auth_type, auth_level, ndr64)}
    if auth_level >= co.AUTH_LEVEL_INTEGRITY:
        # Samba sends a verification trailer (pcontext, and bitmask1 since we acknowledged
        # header signing) in its first request on the context; it must be gone from the stub.
        assert calls[0].vtrailer is not None and 'pcontext' in calls[0].vtrailer
        assert calls[0].stub == b''
    if NDRDUMP:
        files = sorted(tmp_path.iterdir())
        assert len(files) == 8
        for f in files:
            ok, text = ndrdump_ok(str(f))
            assert ok, (f.name, text)


@needs_smbtorture
@pytest.mark.parametrize('options', [',seal,ntlm', ',seal', ''])
def test_smbtorture_multifragment_sealed_response(co_server, options):
    """A 30000-character cluster name makes GetClusterName's response ~60 KB: about eleven
    fragments at Samba's max_recv_frag of 5840, each sealed and signed separately, all of which
    Samba verifies."""
    calls = []
    srv = co_server(clusapi_handler(cluster_name='N' * 30000, calls=calls))
    creds = '-U%s%%%s' % (USER, PASSWORD) if options else '-U%'
    rc, out = run_smbtorture(srv.port, options, creds)
    assert rc == 0 and 'success: cluster.OpenCluster' in out, out


@needs_smbtorture
def test_smbtorture_wrong_password_fails(co_server):
    calls = []
    srv = co_server(clusapi_handler(calls=calls))
    rc, out = run_smbtorture(srv.port, ',seal', '-U%s%%wrong' % USER)
    assert rc != 0
    assert calls == []


# --------------------------------------------------------------------------------------------
# Connectionless (ncadg_ip_udp)
# --------------------------------------------------------------------------------------------

@pytest.fixture
def cl_server():
    servers = []

    def start(handler, **kw):
        srv = cl.ClServer(0, handler, CLUSAPI, **kw)
        cl.serve_in_thread(srv)
        servers.append(srv)
        return srv
    yield start
    for srv in servers:
        srv.shutdown()


def test_cl_round_trip_multifragment(cl_server, tmp_path):
    calls = []
    srv = cl_server(echo_handler(calls), dump_dir=str(tmp_path))
    with cl.ClClient('127.0.0.1', srv.port, CLUSAPI) as c:
        assert c.call(1, b'small') == b'small'
        big = os.urandom(10000)            # 8 fragments of 1384 bytes
        assert c.call(1, big) == big
        assert c.stats['facks_received'] >= 7       # one per non-last request fragment
        assert c.stats['facks_sent'] >= 7           # and the client facks the response ones
        out = c.call(2, struct.pack('<I', 30))
        assert out == bytes(range(256)) * 30
    assert [x.opnum for x in calls] == [1, 1, 2]
    assert calls[1].stub == big and calls[1].ndr64 is False and calls[1].auth_level == 1
    assert calls[0].seqnum == 0 and calls[1].seqnum == 1
    assert len({x.conn_id for x in calls}) == 1      # one activity
    assert (tmp_path / '00002_1_in.bin').read_bytes() == big


def test_cl_reject_and_fault(cl_server):
    def handler(ctx):
        if ctx.opnum == 5:
            raise co.Fault(0x000006d9)      # a manager fault -> fault PDU
        raise co.Fault(co.NCA_S_OP_RNG_ERROR)
    srv = cl_server(handler)
    with cl.ClClient('127.0.0.1', srv.port, CLUSAPI) as c:
        with pytest.raises(cl.ClReject) as e:
            c.call(77, b'')
        assert e.value.status == co.NCA_S_OP_RNG_ERROR
        with pytest.raises(co.Fault) as e:
            c.call(5, b'')
        assert e.value.status == 0x000006d9 and not isinstance(e.value, cl.ClReject)
    # Interface version 3.0 is not served over ncadg (ClusAPI 2.0 only here).
    with cl.ClClient('127.0.0.1', srv.port, CLUSAPI, version=(3, 0)) as c:
        with pytest.raises(cl.ClReject) as e:
            c.call(1, b'')
        assert e.value.status == cl.NCA_S_UNK_IF


def test_cl_ping_working_for_slow_call(cl_server):
    def handler(ctx):
        time.sleep(1.2)
        return b'done'
    srv = cl_server(handler)
    with cl.ClClient('127.0.0.1', srv.port, CLUSAPI, timeout=0.4) as c:
        assert c.call(1, b'') == b'done'
        assert c.stats['pings'] >= 1 and c.stats['working'] >= 1


def test_cl_lost_fragment_is_retransmitted(cl_server):
    """Drop the first datagram of fragment 1: the client gets no fack, resends, and the call
    still completes."""
    calls = []
    srv = cl_server(echo_handler(calls))
    orig = srv._on_datagram
    dropped = []

    def lossy(data, addr):
        hdr = cl.ClHeader.parse(data)
        if hdr.ptype == cl.PTYPE_REQUEST and hdr.fragnum == 1 and not dropped:
            dropped.append(hdr.serial)
            return
        orig(data, addr)
    srv._on_datagram = lossy
    with cl.ClClient('127.0.0.1', srv.port, CLUSAPI, timeout=0.3) as c:
        big = os.urandom(4000)
        assert c.call(1, big) == big
        assert c.stats['retransmits'] >= 1
    assert dropped and calls[-1].stub == big


def test_cl_header_layout():
    h = cl.ClHeader(ptype=cl.PTYPE_REQUEST, if_id=uuid.UUID(CLUSAPI), act_id=uuid.uuid4(),
                    if_vers=cl.if_vers_pack(2, 0), seqnum=7, opnum=3, fragnum=2, serial=0x1234,
                    flags1=cl.PF_FRAG)
    pkt = h.build(b'body')
    assert len(pkt) == cl.HEADER_SIZE + 4 and pkt[0] == 4
    assert pkt[24:40] == uuid.UUID(CLUSAPI).bytes_le
    assert struct.unpack_from('<I', pkt, 60)[0] == 2            # if_vers 2.0
    assert (pkt[7], pkt[79]) == (0x12, 0x34)                    # serial hi / lo
    back = cl.ClHeader.parse(pkt)
    assert (back.seqnum, back.opnum, back.fragnum, back.length, back.serial) == (7, 3, 2, 4, 0x1234)


# --------------------------------------------------------------------------------------------
# SPNEGO acceptor on its own (the path smbtorture does not take: NTLM not the first mechanism)
# --------------------------------------------------------------------------------------------

def test_spnego_ntlm_second_mech_with_mechlistmic():
    from Cryptodome.Cipher import ARC4
    from impacket import ntlm
    der = co.der
    krb5 = bytes.fromhex('2a864886f712010202')
    mech_types = der(0x30, der(0x06, krb5) + der(0x06, co.NTLMSSP_OID))
    init = der(0x60, der(0x06, co.SPNEGO_OID) + der(0xa0, der(0x30, der(0xa0, mech_types)
                                                               + der(0xa2, der(0x04, b'krb5 AP-REQ')))))
    srv = co.SpnegoServer(co.NtlmServer(USER, PASSWORD, DOMAIN))

    def neg_resp(token):
        tag, value, _ = co.der_read(token)
        assert tag == 0xa1
        fields = {t: v for t, v, _ in co.der_items(co.der_read(value)[1])}
        return fields

    # 1. NTLM is not the client's first choice: no token for it yet, request-mic, NTLM selected.
    r = neg_resp(srv.step(init))
    assert co.der_read(r[0xa0])[1] == bytes([co.NEG_STATE_REQUEST_MIC])
    assert co.der_read(r[0xa1])[1] == co.NTLMSSP_OID and 0xa2 not in r
    # 2. NEGOTIATE -> CHALLENGE.
    t1 = ntlm.getNTLMSSPType1('', '', signingRequired=True)
    r = neg_resp(srv.step(der(0xa1, der(0x30, der(0xa2, der(0x04, t1.getData()))))))
    challenge = co.der_read(r[0xa2])[1]
    # 3. AUTHENTICATE + mechListMIC (GSS_GetMIC with the client's keys, sequence number 0).
    t3, key = ntlm.getNTLMSSPType3(t1, challenge, USER, PASSWORD, DOMAIN)
    flags = t3['flags']
    cli_sign = ntlm.SIGNKEY(flags, key)
    cli_rc4 = ARC4.new(ntlm.SEALKEY(flags, key)).encrypt
    mic = ntlm.SIGN(flags, cli_sign, mech_types, 0, cli_rc4).getData()
    r = neg_resp(srv.step(der(0xa1, der(0x30, der(0xa2, der(0x04, t3.getData()))
                                         + der(0xa3, der(0x04, mic))))))
    assert co.der_read(r[0xa0])[1] == bytes([co.NEG_STATE_ACCEPT_COMPLETED])
    srv_sign = ntlm.SIGNKEY(flags, key, 'Server')
    srv_rc4 = ARC4.new(ntlm.SEALKEY(flags, key, 'Server')).encrypt
    assert co.der_read(r[0xa3])[1] == ntlm.SIGN(flags, srv_sign, mech_types, 0, srv_rc4).getData()
    assert srv.complete
    # 4. After the MIC both RC4 handles restart and the sequence numbers go on at 1
    #    (MS-SPNG 3.1.5.1): a message sealed by the client with fresh handles and seq 1 verifies.
    cli_rc4 = ARC4.new(ntlm.SEALKEY(flags, key)).encrypt
    msg = b'first sealed message'
    sealed, sig = ntlm.SEAL(flags, cli_sign, None, msg, msg, 1, cli_rc4)
    assert srv.seal.unseal(sealed) == msg
    assert srv.seal.verify(msg, sig.getData())
    # A wrong mechListMIC is refused.
    srv2 = co.SpnegoServer(co.NtlmServer(USER, PASSWORD, DOMAIN))
    srv2.step(init)
    r = neg_resp(srv2.step(der(0xa1, der(0x30, der(0xa2, der(0x04, t1.getData()))))))
    t3, key = ntlm.getNTLMSSPType3(t1, co.der_read(r[0xa2])[1], USER, PASSWORD, DOMAIN)
    with pytest.raises(co.AuthError):
        srv2.step(der(0xa1, der(0x30, der(0xa2, der(0x04, t3.getData()))
                               + der(0xa3, der(0x04, b'\x01' + b'\0' * 15)))))
