"""Kerberos and SPNEGO-Kerberos in the mock's DCE/RPC transport (dcerpc_co.py), against a
throwaway realm on 127.0.0.1 (krb5realm.py).

The client here is MIT's GSS-API initiator (python3-gssapi) driving raw PDUs: DCE-style
three-leg exchange (bind with the AP-REQ, bind_ack with the server's AP-REP, auth3 - or
alter_context under SPNEGO - with the client's AP-REP), then requests sealed or signed as
MS-KILE 3.4.5.4/3.4.5.5 describe, with header signing. smbtorture (test_smbtorture.py) is the
independent client; these tests cover what it does not send: bad tickets, tampered PDUs,
multi-fragment responses checked fragment by fragment, and the realm itself.
"""
import os
import struct
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dcerpc_co as co  # noqa: E402
import krb5realm  # noqa: E402
from test_transport import (CLUSAPI, CLUSAPI_V3, connect, echo_handler,  # noqa: E402
                            parse_bind_ack, raw_bind_body, read_pdu)

gssapi = pytest.importorskip('gssapi', reason='python3-gssapi (scripts/install-deps.sh)')
from gssapi.raw import IOV, IOVBufferType as T, unwrap_iov, wrap_iov, wrap_iov_length  # noqa: E402

SPN = 'MSServerClusterMgmtAPI@' + krb5realm.HOST
FLAGS = (gssapi.RequirementFlag.dce_style | gssapi.RequirementFlag.mutual_authentication |
         gssapi.RequirementFlag.confidentiality | gssapi.RequirementFlag.integrity |
         gssapi.RequirementFlag.replay_detection | gssapi.RequirementFlag.out_of_sequence_detection)
PFC_FL = co.PFC_FIRST_FRAG | co.PFC_LAST_FRAG


@pytest.fixture(scope='module')
def realm():
    missing = krb5realm.missing_tools()
    if missing:
        pytest.fail('MIT Kerberos tools missing: %s (scripts/install-deps.sh)' % missing)
    saved = {k: os.environ.get(k) for k in ('KRB5_CONFIG', 'KRB5CCNAME', 'KRB5_KTNAME',
                                              'KRB5RCACHETYPE')}
    r = krb5realm.Realm().start()
    try:
        # libkrb5 in this process (the gssapi initiator and the mock's acceptor) reads these.
        for k in saved:
            os.environ[k] = r.env()[k]
        r.kinit()
        yield r
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        r.stop()


@pytest.fixture
def server(realm):
    servers = []

    def start(handler, **kw):
        srv = co.CoServer(0, handler, CLUSAPI, keytab=realm.keytab, **kw)
        co.serve_in_thread(srv)
        servers.append(srv)
        return srv
    yield start
    for srv in servers:
        srv.shutdown()


def client_ctx(spn=SPN):
    name = gssapi.Name(spn, gssapi.NameType.hostbased_service)
    return gssapi.SecurityContext(name=name, usage='initiate', flags=FLAGS,
                                  mech=gssapi.MechType.kerberos)


def auth_pdu(ptype, call_id, body, atype, level, token, flags=PFC_FL | co.PFC_SUPPORT_HEADER_SIGN):
    pad = (4 - (16 + len(body)) % 4) % 4
    body += b'\0' * pad
    body += struct.pack('<BBBBI', atype, level, pad, 0, 1) + token
    return struct.pack('<BBBB4sHHI', 5, 0, ptype, flags, b'\x10\0\0\0', 16 + len(body),
                       len(token), call_id) + body


def auth_value(pdu):
    auth_len = struct.unpack_from('<H', pdu, 10)[0]
    return pdu[len(pdu) - auth_len:] if auth_len else b''


def krb_bind(port, level, ctx=None):
    """Bind with Kerberos (auth type 16), three legs; returns (socket, client context)."""
    ctx = ctx or client_ctx()
    s = connect(port)
    s.sendall(auth_pdu(co.PTYPE_BIND, 1, raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX])]),
                       co.AUTH_TYPE_KRB5, level, ctx.step()))
    ack = read_pdu(s)
    assert ack[2] == co.PTYPE_BIND_ACK, ack[2]
    assert parse_bind_ack(ack)['results'][0][0] == co.RESULT_ACCEPTANCE
    third = ctx.step(auth_value(ack))
    assert ctx.complete and third
    s.sendall(auth_pdu(co.PTYPE_AUTH3, 1, b'\0' * 4, co.AUTH_TYPE_KRB5, level, third))
    return s, ctx


def sig_size(ctx, privacy):
    if privacy:
        iov = IOV((T.header, True, None), (T.sign_only, False, b'\0' * 24),
                  (T.data, False, b'\0' * 16), (T.sign_only, False, b'\0' * 8), std_layout=False)
        wrap_iov_length(ctx, iov, True)
        return len(iov[0].value)
    return 28                               # RFC 4121 MIC token with AES: 16 + 12


def protected_request(ctx, call_id, opnum, stub, level, atype=co.AUTH_TYPE_KRB5, tamper=False):
    privacy = level == co.AUTH_LEVEL_PRIVACY
    pad = (16 - len(stub) % 16) % 16
    data = stub + b'\0' * pad
    size = sig_size(ctx, privacy)
    frag_len = 24 + len(data) + 8 + size
    pre = struct.pack('<BBBB4sHHI', 5, 0, co.PTYPE_REQUEST, PFC_FL, b'\x10\0\0\0', frag_len, size,
                      call_id) + struct.pack('<IHH', len(stub), 0, opnum)
    post = struct.pack('<BBBBI', atype, level, pad, 0, 1)
    if privacy:
        iov = IOV((T.header, True, None), (T.sign_only, False, pre), (T.data, False, data),
                  (T.sign_only, False, post), std_layout=False)
        wrap_iov(ctx, iov, True)
        wire, sig = iov[2].value, iov[0].value
    else:
        wire, sig = data, ctx.get_signature(pre + data + post)
    assert len(sig) == size
    if tamper:
        wire = bytes([wire[0] ^ 1]) + wire[1:]
    return pre + wire + post + sig


def open_response(ctx, pdu, level):
    """Check and unseal one response fragment; returns (flags, stub piece)."""
    assert pdu[2] == co.PTYPE_RESPONSE, 'ptype %d' % pdu[2]
    frag_len, auth_len = struct.unpack_from('<HH', pdu, 8)
    st = frag_len - auth_len - 8
    atype, alevel, pad = pdu[st], pdu[st + 1], pdu[st + 2]
    assert alevel == level
    pre, wire, post, sig = pdu[:24], pdu[24:st], pdu[st:st + 8], pdu[st + 8:]
    if level == co.AUTH_LEVEL_PRIVACY:
        iov = IOV((T.header, False, sig), (T.sign_only, False, pre), (T.data, False, wire),
                  (T.sign_only, False, post), std_layout=False)
        unwrap_iov(ctx, iov)
        data = iov[2].value
    else:
        ctx.verify_signature(pre + wire + post, sig)
        data = wire
    return pdu[3], data[:len(data) - pad], atype


def call(s, ctx, call_id, opnum, stub, level, atype=co.AUTH_TYPE_KRB5):
    s.sendall(protected_request(ctx, call_id, opnum, stub, level, atype))
    out = b''
    frags = 0
    while True:
        flags, piece, got_type = open_response(ctx, read_pdu(s), level)
        assert got_type == atype
        out += piece
        frags += 1
        if flags & co.PFC_LAST_FRAG:
            return out, frags


def test_realm_is_loopback_only_and_keys_are_fixed(realm):
    conf = open(realm.env()['KRB5_CONFIG']).read()
    for line in ('dns_lookup_kdc = false', 'dns_lookup_realm = false', 'rdns = false',
                 'kdc = 127.0.0.1:%d' % realm.port, '.cmrp.test = CMRP.TEST'):
        assert line in conf
    kdc = open(realm.env()['KRB5_KDC_PROFILE']).read()
    assert 'kdc_listen = 127.0.0.1:%d' % realm.port in kdc
    out = subprocess.run(['klist', '-k', '-e', '-K', realm.keytab], capture_output=True,
                         text=True, check=True).stdout
    # Fixed passwords and salts: the same service keys on every run (they decrypt the bundled
    # captures, see captures/cmrp-test.keytab).
    assert ('MSServerClusterMgmtAPI/CLUSTER.CMRP.TEST@CMRP.TEST (aes256-cts-hmac-sha1-96)  '
            '(0x') in out
    keys = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == '1':
            keys[(parts[1], parts[2])] = parts[3]
    assert len(keys) == 8
    bundled = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), 'captures', 'cmrp-test.keytab')
    if os.path.exists(bundled):
        out2 = subprocess.run(['klist', '-k', '-e', '-K', bundled], capture_output=True,
                              text=True, check=True).stdout
        keys2 = {(p[1], p[2]): p[3] for p in (ln.split() for ln in out2.splitlines())
                 if len(p) == 4 and p[0] == '1'}
        assert keys2 == keys


@pytest.mark.parametrize('level', [co.AUTH_LEVEL_PRIVACY, co.AUTH_LEVEL_INTEGRITY])
def test_krb5_three_legs_and_protected_calls(server, level):
    calls = []
    srv = server(echo_handler(calls))
    s, ctx = krb_bind(srv.port, level)
    try:
        stub = bytes(range(37))
        assert call(s, ctx, 2, 1, stub, level) == (stub, 1)
        # 40 * 256 bytes: several fragments, each sealed or signed on its own
        big, frags = call(s, ctx, 3, 2, struct.pack('<I', 40), level)
        assert big == bytes(range(256)) * 40 and frags == 2
        assert [(c.opnum, c.auth_type, c.auth_level, c.user) for c in calls] == [
            (1, 16, level, 'cmrpuser@CMRP.TEST'), (2, 16, level, 'cmrpuser@CMRP.TEST')]
    finally:
        s.close()


@pytest.mark.parametrize('level', [co.AUTH_LEVEL_PRIVACY, co.AUTH_LEVEL_INTEGRITY])
def test_krb5_tampered_request_faults(server, level):
    srv = server(echo_handler([]))
    s, ctx = krb_bind(srv.port, level)
    try:
        s.sendall(protected_request(ctx, 2, 1, b'x' * 20, level, tamper=True))
        fault = read_pdu(s)
        assert fault[2] == co.PTYPE_FAULT
        assert struct.unpack_from('<I', fault, 24)[0] == co.NCA_S_FAULT_ACCESS_DENIED
        assert fault[3] & co.PFC_DID_NOT_EXECUTE
        assert s.recv(1) == b''             # and the connection is dropped
    finally:
        s.close()


def test_krb5_bad_ticket_gets_bind_nak(server):
    srv = server(echo_handler([]))
    good = client_ctx().step()
    # flip a byte inside the encrypted ticket part: the service key does not decrypt it
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0xff
    for token in (bytes(bad), b'not a kerberos token'):
        s = connect(srv.port)
        s.sendall(auth_pdu(co.PTYPE_BIND, 1, raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX])]),
                           co.AUTH_TYPE_KRB5, co.AUTH_LEVEL_PRIVACY, token))
        nak = read_pdu(s)
        assert nak[2] == co.PTYPE_BIND_NAK
        assert struct.unpack_from('<H', nak, 16)[0] == co.NAK_INVALID_CHECKSUM
        s.close()


def test_krb5_refused_without_keytab(realm):
    """A server without service keys does not know auth type 16."""
    srv = co.CoServer(0, echo_handler([]), CLUSAPI, user='u', password='p')
    co.serve_in_thread(srv)
    try:
        s = connect(srv.port)
        s.sendall(auth_pdu(co.PTYPE_BIND, 1, raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX])]),
                           co.AUTH_TYPE_KRB5, co.AUTH_LEVEL_PRIVACY, client_ctx().step()))
        nak = read_pdu(s)
        assert nak[2] == co.PTYPE_BIND_NAK
        assert struct.unpack_from('<H', nak, 16)[0] == co.NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED
        s.close()
    finally:
        srv.shutdown()


def _neg_token_init(mechs, token):
    mech_list = co.der(0x30, b''.join(co.der(0x06, m) for m in mechs))
    body = co.der(0xa0, mech_list) + co.der(0xa2, co.der(0x04, token))
    inner = co.der(0x06, co.SPNEGO_OID) + co.der(0xa0, co.der(0x30, body))
    return co.der(0x60, inner), mech_list


def _neg_token_resp(data):
    """{tag: value} of a NegTokenResp."""
    tag, value, _ = co.der_read(data)
    assert tag == 0xa1
    _, seq, _ = co.der_read(value)
    return {t: co.der_read(v)[1] for t, v, _ in co.der_items(seq)}


@pytest.mark.parametrize('first', [co.MS_KRB5_OID, co.KRB5_OID])
def test_spnego_chooses_kerberos_with_mechlistmic(server, first):
    calls = []
    srv = server(echo_handler(calls))
    ctx = client_ctx()
    other = co.KRB5_OID if first == co.MS_KRB5_OID else co.MS_KRB5_OID
    init, mech_list = _neg_token_init([first, other, co.NTLMSSP_OID], ctx.step())
    level = co.AUTH_LEVEL_PRIVACY
    s = connect(srv.port)
    try:
        s.sendall(auth_pdu(co.PTYPE_BIND, 1, raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX])]),
                           co.AUTH_TYPE_SPNEGO, level, init))
        ack = read_pdu(s)
        assert ack[2] == co.PTYPE_BIND_ACK
        resp = _neg_token_resp(auth_value(ack))
        assert resp[0xa0] == bytes([co.NEG_STATE_ACCEPT_INCOMPLETE])
        assert resp[0xa1] == first                       # the client's first choice
        third = ctx.step(resp[0xa2])                     # the server's AP-REP
        assert ctx.complete
        targ = co.der(0xa1, co.der(0x30, co.der(0xa2, co.der(0x04, third)) +
                                   co.der(0xa3, co.der(0x04, ctx.get_signature(mech_list)))))
        s.sendall(auth_pdu(co.PTYPE_ALTER_CONTEXT, 2,
                           raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX])]),
                           co.AUTH_TYPE_SPNEGO, level, targ))
        alter = read_pdu(s)
        assert alter[2] == co.PTYPE_ALTER_CONTEXT_RESP
        resp = _neg_token_resp(auth_value(alter))
        assert resp[0xa0] == bytes([co.NEG_STATE_ACCEPT_COMPLETED])
        ctx.verify_signature(mech_list, resp[0xa3])      # the server's mechListMIC
        stub = b'spnego-kerberos sealed'
        assert call(s, ctx, 3, 1, stub, level, atype=co.AUTH_TYPE_SPNEGO) == (stub, 1)
        assert [(c.auth_type, c.user) for c in calls] == [(9, 'cmrpuser@CMRP.TEST')]
    finally:
        s.close()


def test_spnego_bad_mechlistmic_is_refused(server):
    srv = server(echo_handler([]))
    ctx = client_ctx()
    init, mech_list = _neg_token_init([co.MS_KRB5_OID, co.NTLMSSP_OID], ctx.step())
    s = connect(srv.port)
    try:
        s.sendall(auth_pdu(co.PTYPE_BIND, 1, raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX])]),
                           co.AUTH_TYPE_SPNEGO, co.AUTH_LEVEL_PRIVACY, init))
        third = ctx.step(_neg_token_resp(auth_value(read_pdu(s)))[0xa2])
        wrong = ctx.get_signature(mech_list + b'tampered')
        targ = co.der(0xa1, co.der(0x30, co.der(0xa2, co.der(0x04, third)) +
                                   co.der(0xa3, co.der(0x04, wrong))))
        s.sendall(auth_pdu(co.PTYPE_ALTER_CONTEXT, 2,
                           raw_bind_body([(0, CLUSAPI_V3, [co.NDR_SYNTAX])]),
                           co.AUTH_TYPE_SPNEGO, co.AUTH_LEVEL_PRIVACY, targ))
        fault = read_pdu(s)
        assert fault[2] == co.PTYPE_FAULT
        assert struct.unpack_from('<I', fault, 24)[0] == co.NCA_S_FAULT_ACCESS_DENIED
    finally:
        s.close()


@pytest.mark.parametrize('auth', ['krb5', 'spnego'])
@pytest.mark.parametrize('level', [co.AUTH_LEVEL_PRIVACY, co.AUTH_LEVEL_INTEGRITY])
def test_gss_client_fragments_both_ways(server, auth, level):
    """gss_client.py (the scenario's Kerberos transport): a 20,000-byte request goes out in
    several fragments, each protected on its own, and a 10,240-byte answer comes back the same
    way; a fault comes back as GssFault."""
    import gss_client
    calls = []
    srv = server(echo_handler(calls))
    c = gss_client.GssClient(srv.port, CLUSAPI, (3, 0), spn=SPN, auth=auth, level=level)
    try:
        stub = bytes(i % 251 for i in range(20000))
        assert c.call(1, stub) == stub
        assert c.call(2, struct.pack('<I', 40)) == bytes(range(256)) * 40
        with pytest.raises(gss_client.GssFault) as e:
            c.call(9, b'')
        assert e.value.status == co.NCA_S_OP_RNG_ERROR
        assert c.call(1, b'after the fault') == b'after the fault'
    finally:
        c.close()
    assert [(x.opnum, x.auth_type, x.auth_level) for x in calls] == [
        (o, 16 if auth == 'krb5' else 9, level) for o in (1, 2, 9, 1)]
