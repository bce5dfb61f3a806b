"""Facts of idl/ corrected against MS-CMRP (issue 12), and the range() attribute on the wire.

Each stub is spelled out byte by byte with tests/lib/ndrbytes.py from the spec's signatures:

- opnum 87, ApiSetNetworkPriorityOrder (MS-CMRP 3.1.4.1.87 / 3.1.4.2.87): NetworkIdList is "a
  pointer to an array of pointers that point to null-terminated Unicode strings", with
  NetworkCount in range(0, 1000) in both versions. Samba's clusapi.idl declares NetworkIdList as
  one conformant [string] array of uint16 (a single string): ndrdump, built from Samba's IDL,
  rejects the spec's stub that the plugin decodes. The spec wins.
- opnum 108, ApiSetServiceAccountPassword: ReturnStatusBufferSize has range(0, 64 * 1024) in 3.0
  (3.1.4.2.108); the 2.0 signature (3.1.4.1.108) declares it without one ([v3range] in the IDL).
- CLUSCTL_RESOURCE_TYPE_STORAGE_IS_CSV_FILE has no output buffer: tests/dissect/test_ctl.py
  (test_is_csv_file_has_no_output_buffer).
"""
import os
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'lib'))
from ndrbytes import pad, u16, u32, wstr  # noqa: E402
from pcapbuild import PcapBuilder  # noqa: E402

OK = 0
ERROR_CALL_NOT_IMPLEMENTED = 120
RANGE_EXPERT = 'cmrp.ndr.out_of_range'


def op87_stub(names):
    """[in, range(0, 1000)] DWORD NetworkCount, [in, string, size_is(NetworkCount)] LPWSTR
    NetworkIdList[*]: the count, the array's max_count, one referent id per element, then the
    strings (conformant varying, deferred), each 4-aligned."""
    out = u32(len(names)) + u32(len(names))
    out += b''.join(u32(0 if n is None else 0x20000 + 4 * i) for i, n in enumerate(names))
    for n in names:
        if n is not None:
            out += pad(wstr(n))
    return out


def op87_many(count):
    """NetworkCount = count, with as many one-letter network ids."""
    return op87_stub(['n'] * count)


def op108_stub(size):
    """[in, string] LPWSTR lpszNewPassword, [in] IDL_CLUSTER_SET_PASSWORD_FLAGS dwFlags (a 16-bit
    NDR enum), [in] DWORD ReturnStatusBufferSize (after 2 bytes of alignment)."""
    return pad(wstr('Passw0rd!')) + u16(1) + b'\0\0' + u32(size)


@pytest.fixture(scope='module')
def facts_pcap(scratch):
    b = PcapBuilder()
    c = b.tcp_conversation(50120, 5555)
    c.bind()
    # request 0: opnum 87, two network ids, the spec's layout (3.0 answers
    # ERROR_CALL_NOT_IMPLEMENTED)
    c.call(87, op87_stub(['net-1', 'net-2']), u32(OK) + u32(ERROR_CALL_NOT_IMPLEMENTED))
    # 1: NetworkCount 1000, the upper bound: in range; 2: 1001, outside range(0, 1000)
    c.call(87, op87_many(1000))
    c.call(87, op87_many(1001))
    # 3: opnum 108 with ReturnStatusBufferSize 65536 = 64 * 1024: in range; 4: 65537, outside
    # 3.0's range
    c.call(108, op108_stub(65536))
    c.call(108, op108_stub(65537))
    # ClusAPI 2.0 over UDP: 5 the same 65537 (2.0 declares no range), 6 NetworkCount 1001 (2.0
    # has the range too)
    u = b.udp_conversation(50121, 5556)
    u.call(108, op108_stub(65537))
    u.call(87, op87_many(1001))
    # 7: opnum 87 over TCP again, the second element a NULL pointer: the elements are embedded
    # pointers (pointer_default(unique)), so NULL is allowed
    c.call(87, op87_stub(['net-1', None, 'net-3']))
    path = os.path.join(scratch, 'spec_facts.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    return path


@pytest.fixture(scope='module')
def rows(tshark, facts_pcap):
    """The requests in capture order: [opnum, NetworkCount, NetworkIdList, ReturnStatusBufferSize,
    expert messages, range expert]."""
    got = tshark.fields(facts_pcap, ['frame.number', 'cmrp.opnum', 'cmrp.networkcount',
                                     'cmrp.networkidlist', 'cmrp.returnstatusbuffersize',
                                     '_ws.expert.message', RANGE_EXPERT],
                        '(cmrp || cmrp2) && dcerpc.pkt_type == 0')
    return [r[1:] for r in sorted(got, key=lambda r: int(r[0][0]))]


def test_op87_network_ids_are_an_array_of_strings(rows):
    assert len(rows) == 8
    opnum, count, ids, _, experts, _ = rows[0]
    assert opnum == ['87'] and count == ['2']
    assert ids == ['net-1', 'net-2']
    assert experts == []


def test_op87_range_0_1000(rows):
    assert rows[1][1] == ['1000'] and rows[1][4] == [] and rows[1][5] == []
    assert rows[2][1] == ['1001']
    assert rows[2][4] == ['ApiSetNetworkPriorityOrder.NetworkCount (MS-CMRP 3.1.4.2.87): '
                          '1001 is outside range(0, 1000)']
    assert rows[2][5] != []
    # 3.1.4.1.87: the 2.0 signature has the same range
    assert rows[6][1] == ['1001'] and rows[6][4] == rows[2][4]


def test_op108_range_is_v3_only(rows):
    assert rows[3][3] == ['65536'] and rows[3][4] == [] and rows[3][5] == []
    assert rows[4][3] == ['65537']
    assert rows[4][4] == ['ApiSetServiceAccountPassword.ReturnStatusBufferSize (MS-CMRP 3.1.4.2.108): '
                          '65537 is outside range(0, 65536)']
    # 3.1.4.1.108: ClusAPI 2.0 declares ReturnStatusBufferSize without a range
    assert rows[5][0] == ['108'] and rows[5][3] == ['65537'] and rows[5][4] == [] and rows[5][5] == []


def ndrdump(tmp_path, name, data):
    exe = shutil.which('ndrdump')
    if not exe:
        pytest.fail('ndrdump missing: install samba-testsuite (scripts/install-deps.sh)')
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run([exe, 'clusapi', 'clusapi_SetNetworkPriorityOrder', 'in', str(path)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)


def test_op87_samba_idl_disagrees_with_the_spec(tmp_path, rows):
    """Samba's IDL reads NetworkIdList as one string, so ndrdump rejects the spec's array of
    string pointers (which the plugin decodes, test_op87_network_ids_are_an_array_of_strings),
    and accepts a single conformant string the spec does not allow."""
    spec = ndrdump(tmp_path, 'spec.bin', op87_stub(['net-1', 'net-2']))
    assert spec.returncode != 0 and 'Bad Array Size' in spec.stdout, spec.stdout
    one_string = u32(6) + u32(6) + u32(0) + u32(6) + 'net-1\0'.encode('utf-16le')
    samba = ndrdump(tmp_path, 'samba.bin', one_string)
    assert samba.returncode == 0, samba.stdout
    assert "NetworkIdList            : 'net-1'" in samba.stdout


def test_op87_elements_are_unique_pointers(tshark, facts_pcap, rows):
    """NetworkIdList[*] holds embedded pointers: a NULL element is a NULL pointer, not a broken
    [ref] pointer (cmrp.ndr.null_ref)."""
    assert rows[7][0] == ['87'] and rows[7][1] == ['3']
    assert rows[7][2] == ['net-1', 'net-3'] and rows[7][4] == []
    got = tshark.fields(facts_pcap, ['cmrp.null_pointer'], 'cmrp.opnum == 87 && cmrp.networkcount == 3')
    assert [r[0] for r in got] == [['NetworkIdList']]     # one NULL pointer item, for the element
