"""The real-client captures: every ClusAPI PDU is ours, none is malformed, no dissector bug.

WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 is set for every tshark run (conftest), so a dissector bug
aborts tshark and fails the run. Each capture is read with and without a tree, and in two passes.
"""
import os

import pytest

from conftest import capture

PASSWORD = 'Cmrp-Passw0rd'
ALL = ['smbtorture-anon.pcapng', 'smbtorture-sealed.pcapng', 'scenario-ndr.pcapng',
       'scenario-ndr64.pcapng', 'scenario-sealed.pcapng', 'scenario-storage.pcapng', 'v2-udp.pcapng',
       'smbtorture-krb5-sealed.pcapng', 'smbtorture-spnego-sealed.pcapng',
       'scenario-krb5-sealed.pcapng', 'scenario-spnego-sealed.pcapng']
# NTLMSSP captures: the password; Kerberos and SPNEGO captures: the realm's service keytab.
DECRYPT = ('-o', 'ntlmssp.nt_password:' + PASSWORD, '-o', 'kerberos.decrypt:TRUE',
           '-o', 'kerberos.file:' + os.path.join(os.path.dirname(os.path.dirname(
               os.path.dirname(os.path.abspath(__file__)))), 'captures', 'cmrp-test.keytab'))


SEALED = {'smbtorture-sealed.pcapng', 'scenario-sealed.pcapng'}


def empty_sealed_requests(t, path):
    """Sealed requests whose encrypted data (stub and auth padding) is shorter than 8 bytes:
    methods with no [in] parameters, such as ApiOpenCluster, or one DWORD without padding, such
    as ApiOpenClusterEx from impacket (Samba pads that case to 16 bytes).

    Wireshark 4.0's DCE/RPC layer throws on such a decrypted stub and marks the frame malformed
    before any interface dissector runs (test_empty_sealed_stub_is_wireshark_not_us shows the
    same frames fail without our plugin): a Wireshark bug that no plugin can reach. The stub
    holds at most one DWORD."""
    rows = t.fields(path, ['frame.number', 'dcerpc.cn_frag_len', 'dcerpc.cn_auth_len',
                           'dcerpc.auth_pad_len'],
                    'dcerpc.pkt_type == 0 && dcerpc.auth_level == 6', extra=DECRYPT)
    # encrypted = frag - 16 header - 8 request header - 8 auth trailer - verifier
    return {int(r[0][0]) for r in rows if int(r[1][0]) - 32 - int(r[2][0]) < 8}


def test_all_lists_every_bundled_capture():
    """Every capture of captures/MANIFEST (the well-formed corpus; the adversarial ones live in
    captures/adversarial/) is held to the no-malformed, no-error test below."""
    manifest = os.path.join(os.path.dirname(capture(ALL[0])), 'MANIFEST')
    with open(manifest) as f:
        names = [line.split('\t')[0] for line in f if line.strip() and not line.startswith('#')]
    assert sorted(names) == sorted(ALL)


@pytest.mark.parametrize('name', ALL)
def test_every_clusapi_pdu_is_dissected(tshark, name):
    path = capture(name)
    # Requests and responses that end a PDU (the last fragment carries the reassembled stub);
    # our captures carry only ClusAPI calls.
    rows = tshark.fields(path, ['frame.number', 'cmrp.opnum'],
                         '(dcerpc.pkt_type == 0 || dcerpc.pkt_type == 2) && '
                         '(dcerpc.cn_flags.last_frag == 1 || dcerpc.dg_flags1_frag == 0 || '
                         'dcerpc.dg_flags1_last_frag == 1)', extra=DECRYPT)
    assert len(rows) > 40
    skip = empty_sealed_requests(tshark, path) if name in SEALED else set()
    not_ours = [int(r[0][0]) for r in rows if not r[1] and int(r[0][0]) not in skip]
    assert not_ours == [], 'frames not dissected by cmrp/cmrp2: %s' % not_ours[:20]


@pytest.mark.parametrize('name', ALL)
@pytest.mark.parametrize('mode', [('-2', '-V'), ('-2',), ('-V',)])
def test_no_malformed_no_dissector_bug(tshark, name, mode):
    path = capture(name)
    p = tshark.run('-r', path, *mode, '-T', 'fields', '-e', 'frame.number', '-Y',
                   '_ws.malformed || _ws.expert.severity == "error"', *DECRYPT)
    assert p.returncode == 0, p.stderr[-2000:]
    bad = {int(x) for x in p.stdout.split()}
    expected = empty_sealed_requests(tshark, path) if name in SEALED else set()
    assert bad == expected, sorted(bad ^ expected)[:20]


@pytest.mark.parametrize('name', sorted(SEALED))
def test_empty_sealed_stub_is_wireshark_not_us(tshark_builtin, tshark, name):
    """The frames excepted above are malformed in stock Wireshark too, without our plugin."""
    path = capture(name)
    expected = empty_sealed_requests(tshark, path)
    assert expected, 'the sealed capture should contain requests with empty stubs'
    p = tshark_builtin.run('-r', path, '-T', 'fields', '-e', 'frame.number', '-Y',
                           '_ws.malformed && dcerpc.pkt_type == 0', *DECRYPT)
    assert {int(x) for x in p.stdout.split()} == expected


def test_v2_session_uses_v2_signatures(tshark):
    path = capture('v2-udp.pcapng')
    rows = tshark.fields(path, ['frame.number', 'cmrp.opnum'], 'cmrp2')
    assert len(rows) > 60
    # ClusAPI 2.0's ApiGetNotify has a Timeout parameter after the handle (MS-CMRP 3.1.4.1.66)
    rows = tshark.fields(path, ['_ws.col.Info', 'cmrp.timeout'],
                         'cmrp.opnum == 65 && dcerpc.pkt_type == 0')
    assert rows == [[['ApiGetNotify request "Notification port"'], ['100']],
                    [['ApiGetNotify request "Notification port"'], ['0']]]
    # ClusAPI 2.0 has no rpc_status parameters; they are v3.0 additions
    assert tshark.fields(path, ['frame.number'], 'cmrp.rpc_status') == []
    # and the connectionless PDUs belong to the sibling protocol, not cmrp
    assert tshark.fields(path, ['frame.number'], 'cmrp && !cmrp2') == []
