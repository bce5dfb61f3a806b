"""Kerberos and SPNEGO-Kerberos sealed captures, decrypted with the bundled keytab.

captures/smbtorture-krb5-sealed.pcapng (auth type 16) and smbtorture-spnego-sealed.pcapng (auth
type 9 choosing Kerberos) hold Samba's rpc.clusapi suite at packet privacy against the mock,
inside the throwaway realm of tests/peer/krb5realm.py; captures/cmrp-test.keytab holds that
realm's (test-only) service keys. With the keytab, Wireshark decrypts the ticket in the bind
with the service key, learns the session and acceptor subkeys, and unwraps every stub: each
ClusAPI PDU must then decode exactly as in the anonymous twin smbtorture-anon.pcapng (same calls,
same order, same cmrp values). Without the keytab, nothing may be decoded from ciphertext.
"""
import json
import os
import pty
import re
import shlex
import subprocess

import pytest

from conftest import CAPTURES, ROOT, capture
from test_twins import compare, flat, pairs_hook

KEYTAB = 'cmrp-test.keytab'
KRB = ['smbtorture-krb5-sealed.pcapng', 'smbtorture-spnego-sealed.pcapng']
SCENARIO = ['scenario-krb5-sealed.pcapng', 'scenario-spnego-sealed.pcapng']
AUTH_TYPE = {'smbtorture-krb5-sealed.pcapng': '16', 'smbtorture-spnego-sealed.pcapng': '9',
             'scenario-krb5-sealed.pcapng': '16', 'scenario-spnego-sealed.pcapng': '9'}


def decrypt():
    return ('-o', 'kerberos.decrypt:TRUE', '-o', 'kerberos.file:' + capture(KEYTAB))


def all_calls(t, path, extra=()):
    """[(pkt_type, cmrp values...)] of every ClusAPI request and response, in order (requests
    without [in] parameters included: with Kerberos even their empty stubs decrypt)."""
    out = t.run('-r', path, '-2', '-T', 'json', '-J', 'dcerpc cmrp cmrp2', *extra,
                '-Y', '(dcerpc.pkt_type == 0 || dcerpc.pkt_type == 2) && '
                '(cmrp || cmrp2 || _ws.malformed)')
    seq = []
    for f in json.loads(out.stdout or '[]', object_pairs_hook=pairs_hook):
        layers = f['_source'][0]['layers'][0]
        ptype = layers['dcerpc'][-1]['dcerpc.pkt_type'][0]
        seq.append((ptype, tuple(flat([layers.get('cmrp', []), layers.get('cmrp2', [])], []))))
    return seq


@pytest.fixture(scope='module')
def anon(tshark):
    return all_calls(tshark, capture('smbtorture-anon.pcapng'))


@pytest.mark.parametrize('name', KRB)
def test_kerberos_capture_decodes_as_anonymous_twin(tshark, anon, name):
    sealed = all_calls(tshark, capture(name), decrypt())
    assert len(anon) > 1600
    compare(anon, sealed)


@pytest.mark.parametrize('name', KRB + SCENARIO)
def test_every_authenticated_pdu_is_kerberos_privacy(tshark, name):
    """The capture is what it says: every verifier is Kerberos (16), or SPNEGO (9) whose
    negotiation chose Kerberos, at packet privacy; not NTLMSSP."""
    rows = tshark.fields(capture(name), ['dcerpc.auth_type', 'dcerpc.auth_level'],
                         'dcerpc.auth_type', extra=decrypt())
    assert len(rows) > 380
    assert {(r[0][0], r[1][0]) for r in rows} == {(AUTH_TYPE[name], '6')}
    assert tshark.fields(capture(name), ['frame.number'], 'ntlmssp', extra=decrypt()) == []
    # the ticket in each bind is for the cluster service, and the keytab decrypts it: the
    # client's name comes from the encrypted part (ticket and authenticator)
    tickets = tshark.fields(capture(name), ['kerberos.SNameString', 'kerberos.CNameString'],
                            'dcerpc.pkt_type == 11', extra=decrypt())
    assert len(tickets) >= 1
    # Samba upper-cases target_hostname; the scenario's gss_client keeps it as given
    host = 'CLUSTER.CMRP.TEST' if name.startswith('smbtorture') else 'cluster.cmrp.test'
    assert all(r == [['MSServerClusterMgmtAPI', host], ['cmrpuser', 'cmrpuser']]
               for r in tickets), tickets[:3]
    assert tshark.fields(capture(name), ['kerberos.CNameString'], 'dcerpc.pkt_type == 11') == \
        [[[]]] * len(tickets)
    if AUTH_TYPE[name] == '9':
        mechs = tshark.fields(capture(name), ['spnego.supportedMech'],
                              'dcerpc.pkt_type == 12 && spnego.supportedMech', extra=decrypt())
        assert mechs and {r[0][0] for r in mechs} == {'1.2.840.48018.1.2.2'}


@pytest.mark.parametrize('name', KRB + SCENARIO)
def test_without_keytab_nothing_is_decoded_from_ciphertext(tshark, name):
    """Without the keys, Wireshark's DCE/RPC layer still names the interface and the opnum (from
    the bind and the request header) and shows "Encrypted stub data"; our dissector is never
    handed ciphertext, so no other cmrp field appears and nothing is malformed."""
    path = capture(name)
    rows = tshark.fields(path, ['frame.number', 'cmrp.opnum', 'dcerpc.encrypted_stub_data',
                                'dcerpc.cn_frag_len', 'dcerpc.cn_auth_len'], 'cmrp')
    assert len(rows) > 380
    # every stub is shown encrypted, except the empty ones (requests without [in] parameters):
    # 24 bytes of header, 8 of sec_trailer and the verifier, nothing else
    plain = [r for r in rows if not r[2]]
    assert all(r[1] for r in rows)
    assert all(int(r[3][0]) == 32 + int(r[4][0]) for r in plain), plain[:5]
    assert len(plain) < len(rows) // 6
    seen = set()
    for f in tshark.json(path, 'cmrp', protos=('cmrp',)):
        seen |= {k for k in f['_source']['layers'].get('cmrp', {}) if k.startswith('cmrp')}
    assert seen == {'cmrp.opnum'}
    p = tshark.run('-r', path, '-2', '-T', 'fields', '-e', 'frame.number', '-Y',
                   '_ws.malformed || _ws.expert.severity == "error"')
    assert p.stdout.split() == []


@pytest.mark.parametrize('name', KRB + SCENARIO)
def test_capture_started_after_the_bind_decodes_nothing(tshark, scratch, name):
    """A capture that misses the binds has neither the interface (DCE/RPC learns it from the
    bind) nor the keys (the session key comes in the bind's ticket, the acceptor subkey in the
    bind_ack): the keytab does not help, nothing is ClusAPI, nothing is malformed."""
    binds = [r[0][0] for r in tshark.fields(capture(name), ['frame.number'],
                                            'dcerpc.pkt_type in {11, 12, 14, 15, 16}')]
    assert len(binds) >= 3
    cut = os.path.join(scratch, name.replace('.pcapng', '-nobind.pcapng'))
    subprocess.run(['editcap', capture(name), cut] + binds, check=True, capture_output=True)
    os.chmod(cut, 0o644)
    rows = tshark.fields(cut, ['frame.number'], 'dcerpc.pkt_type == 0 || dcerpc.pkt_type == 2',
                         extra=decrypt())
    assert len(rows) > 380
    assert tshark.fields(cut, ['frame.number'], 'cmrp || _ws.malformed', extra=decrypt()) == []


def readme_commands():
    """[(argv, expected output lines)] of the `$ tshark ...` examples in the README's
    "Decrypting sealed traffic" section; the output is the indented lines that follow."""
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as f:
        text = f.read()
    section = text[text.index('## Decrypting sealed traffic'):text.index('## Field reference')]
    lines = section.splitlines()
    out = []
    for i, line in enumerate(lines):
        if not line.strip().startswith('$ tshark '):
            continue
        expected = []
        for nxt in lines[i + 1:]:
            if not nxt.strip():
                break
            expected.append(nxt.strip())
        out.append((shlex.split(line.strip()[2:]), expected))
    return out


def test_readme_has_the_kerberos_examples():
    cmds = readme_commands()
    assert len(cmds) == 4
    assert sum('kerberos.file:captures/cmrp-test.keytab' in c for c, _ in cmds) == 3


@pytest.mark.parametrize('index', range(4))
def test_readme_kerberos_example(tshark, index):
    argv, expected = readme_commands()[index]
    assert argv[0] == 'tshark'
    # paths in the README are relative to the top of the tree
    args = [re.sub(r'(?<![\w/])captures/', CAPTURES + '/', a) for a in argv[1:]]
    got = tshark.run(*args).stdout.splitlines()
    norm = lambda rows: [[c for c in re.split(r'\t| {2,}', r.strip()) if c] for r in rows]  # noqa: E731
    assert norm(got) == norm(expected), '\n'.join(got)


def _ktutil_add_key(path, principal, kvno, enctype, hexkey):
    """MIT ktutil's `addent -key` reads the key from the terminal: drive it through a pty."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp('ktutil', ['ktutil'])

    def expect(token):
        buf = b''
        while token not in buf:
            chunk = os.read(fd, 4096)
            assert chunk, buf
            buf += chunk
        return buf
    try:
        expect(b'ktutil:')
        os.write(fd, ('addent -key -p %s -k %d -e %s\n' % (principal, kvno, enctype)).encode())
        expect(b'(hex):')
        os.write(fd, hexkey.encode() + b'\n')
        expect(b'ktutil:')
        os.write(fd, ('wkt %s\n' % path).encode())
        expect(b'ktutil:')
        os.write(fd, b'q\n')
    finally:
        os.waitpid(pid, 0)
        os.close(fd)


def test_readme_ktutil_keytab_decrypts(tshark, scratch):
    """The README's ktutil recipe: one AES256 key, written under a principal and realm that are
    not the ticket's (Wireshark tries every key of the right type), decrypts the capture."""
    listing = subprocess.run(['klist', '-k', '-e', '-K', capture(KEYTAB)], capture_output=True,
                             text=True, check=True).stdout
    m = re.search(r'MSServerClusterMgmtAPI/CLUSTER\.CMRP\.TEST@CMRP\.TEST '
                  r'\(aes256-cts-hmac-sha1-96\)\s+\(0x([0-9a-f]{64})\)', listing)
    assert m, listing
    path = os.path.join(scratch, 'ktutil.keytab')
    _ktutil_add_key(path, 'MSServerClusterMgmtAPI/cluster1.contoso.com@CONTOSO.COM', 1,
                    'aes256-cts-hmac-sha1-96', m.group(1))
    os.chmod(path, 0o644)
    rows = tshark.fields(capture('smbtorture-krb5-sealed.pcapng'),
                         ['frame.number', 'cmrp.clustername', 'cmrp.nodename'],
                         'cmrp.opnum == 3 && dcerpc.pkt_type == 2',
                         extra=('-o', 'kerberos.decrypt:TRUE', '-o', 'kerberos.file:' + path))
    assert rows and all(r[1:] == [['CMRPCLUS'], ['NODE1']] for r in rows), rows[:3]


@pytest.mark.parametrize('name', ['scenario-krb5-sealed.pcapng', 'scenario-spnego-sealed.pcapng'])
def test_kerberos_scenario_decodes_as_ntlmssp_twin(tshark, name):
    """The scenario's sealed cross-section (control buffers, property lists, registry, batches,
    notifications, multi-fragment PDUs), sent once with NTLMSSP (scenario-sealed.pcapng) and
    once with Kerberos or SPNEGO-Kerberos through gss_client.py: the same cmrp values, PDU by
    PDU. Where Wireshark cannot decrypt the NTLMSSP request (its stub and padding are shorter
    than 8 bytes, see test_corpus), only the opnum is compared."""
    ntlm = all_calls(tshark, capture('scenario-sealed.pcapng'),
                     ('-o', 'ntlmssp.nt_password:Cmrp-Passw0rd'))
    krb = all_calls(tshark, capture(name), decrypt())
    assert len(ntlm) > 380 and len(ntlm) == len(krb), (len(ntlm), len(krb))
    opaque = 0
    for i, (n, k) in enumerate(zip(ntlm, krb)):
        if n[0] == '0' and {f for f, _ in n[1]} <= {'cmrp.opnum'}:
            # the NTLMSSP side shows the opnum at most (or is malformed before cmrp runs)
            assert k[0] == '0' and (not n[1] or k[1][0] == n[1][0]), (i, n, k)
            opaque += 1
            continue
        assert n == k, 'PDU %d differs:\n%s\n%s' % (i, n, k)
    assert opaque < 40
    # and with Kerberos those empty requests decode too: nothing is left encrypted
    assert tshark.fields(capture(name), ['frame.number'],
                         'dcerpc.encrypted_stub_data && dcerpc.cn_flags.last_frag == 1 && '
                         '!dcerpc.payload_stub_data', extra=decrypt()) == []
    frags = tshark.fields(capture(name), ['frame.number'],
                          'dcerpc.cn_flags.last_frag == 0', extra=decrypt())
    assert len(frags) >= 2, 'multi-fragment PDUs expected'
