"""The NDR walker, handle naming, errors and Info on stubs spelled out byte by byte.

Every stub here is written with tests/lib/ndrbytes.py from the MS-CMRP signatures, independently
of the plugin and of the mock server's codec. One capture, one tshark run, many assertions.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'lib'))
from ndrbytes import NULL_HANDLE, handle, pad, u32, u64, wstr  # noqa: E402
from pcapbuild import PcapBuilder  # noqa: E402

OK = 0
ERROR_RESOURCE_NOT_FOUND = 5007
ERROR_MORE_DATA = 234


@pytest.fixture(scope='module')
def ndr_pcap(scratch):
    b = PcapBuilder()
    c = b.tcp_conversation(50000, 5555)
    c.bind()
    HC, HR, HK1, HK2, HK3 = handle(1), handle(2), handle(3), handle(4), handle(5)
    # 6/7 ApiOpenCluster: no [in]; out Status, then the returned handle
    c.call(0, b'', u32(OK) + HC)
    # 8/9 ApiOpenResource("SQL Server (INST1)")
    c.call(8, wstr('SQL Server (INST1)'), u32(OK) + u32(OK) + HR)
    # 10/11 ApiOnlineResource(hResource)
    c.call(17, HR, u32(OK) + u32(OK))
    # 12/13 ApiOpenResource("nope") fails: Status says not found, NULL handle
    c.call(8, wstr('nope'), u32(ERROR_RESOURCE_NOT_FOUND) + u32(OK) + NULL_HANDLE)
    # 14/15 ApiCreateEnum(CLUSTER_ENUM_NODE|CLUSTER_ENUM_GROUP) -> ENUM_LIST of 2
    enum_list = (u32(0x20000) + u32(2) + u32(2) + u32(1) + u32(0x20004) + u32(8) + u32(0x20008)
                 + pad(wstr('NODE1')) + pad(wstr('Cluster Group')))
    c.call(7, u32(9), enum_list + u32(OK) + u32(OK))
    # 16/17 ApiGetRootKey(samDesired) -> HKEY; 18/19 ApiOpenKey(hKey, "Resources");
    # 20/21 ApiCreateKey(hKey2, "Params", NULL security attributes)
    c.call(28, u32(0x02000000), u32(OK) + u32(OK) + HK1)
    c.call(30, HK1 + pad(wstr('Resources')) + u32(0x20019), u32(OK) + u32(OK) + HK2)
    c.call(29, HK2 + pad(wstr('Params')) + u32(0) + u32(0x20019) + u32(0),
           u32(1) + u32(OK) + u32(OK) + HK3)
    # 22/23 ApiCloseResource(hResource) -> zeroed handle, success
    c.call(11, HR, NULL_HANDLE + u32(OK))
    # 24/25 ApiGetResourceState on the closed handle value: no object name any more
    # [out, string] LPWSTR *: a [ref] pointer (nothing on the wire) to a unique pointer
    c.call(12, HR, u32(4) + u32(0x20000) + pad(wstr('NODE1')) + u32(0x20004) + pad(wstr('SQL Group'))
           + u32(OK) + u32(OK))
    # 26 a request whose string claims 0x7fffffff characters
    c.call(8, u32(0x7fffffff) + u32(0) + u32(0x7fffffff) + b'A\0B\0')
    path = os.path.join(scratch, 'ndr.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    return path


def info(tshark, path):
    rows = tshark.fields(path, ['frame.number', '_ws.col.Info'], 'cmrp')
    return {int(r[0][0]): r[1][0] for r in rows}


def test_info_column(tshark, ndr_pcap):
    i = info(tshark, ndr_pcap)
    assert i[8] == 'ApiOpenResource request "SQL Server (INST1)"'
    assert i[10] == 'ApiOnlineResource request "SQL Server (INST1)"'
    assert i[11] == 'ApiOnlineResource response "SQL Server (INST1)"'
    # a failed response keeps the name its request asked for (issue #11)
    assert i[13] == 'ApiOpenResource response "nope" ERROR_RESOURCE_NOT_FOUND'
    assert i[18] == 'ApiOpenKey request "HKEY_CLUSTER\\Resources"'
    assert i[20] == 'ApiCreateKey request "HKEY_CLUSTER\\Resources\\Params"'


def test_handles_named_and_linked(tshark, ndr_pcap):
    rows = tshark.fields(ndr_pcap, ['frame.number', 'cmrp.object_name', 'cmrp.handle.opened_in',
                                    'cmrp.handle.closed_in'], 'cmrp.handle')
    got = {int(r[0][0]): (r[1], r[2], r[3]) for r in rows}
    assert got[7] == (['Cluster'], ['7'], [])
    # the response: its request's object (generated context), then the new handle's object
    assert got[9] == (['SQL Server (INST1)', 'SQL Server (INST1)'], ['9'], ['23'])
    assert got[10] == (['SQL Server (INST1)'], ['9'], ['23'])
    # context: the parent key (subject) and the subkey asked for; then the new handle's key
    assert got[21] == (['HKEY_CLUSTER\\Resources', 'Params', 'HKEY_CLUSTER\\Resources\\Params'],
                       ['21'], [])
    # after the close the value still names its object, and the use is flagged (issue #11)
    assert got[24] == (['SQL Server (INST1)'], ['9'], ['23'])
    rows = tshark.fields(ndr_pcap, ['_ws.expert.message'], 'frame.number == 24')
    assert rows == [[['Handle to "SQL Server (INST1)" used after it was closed in frame 23']]]


def test_values_typed(tshark, ndr_pcap):
    rows = tshark.fields(ndr_pcap, ['cmrp.enum_entry.name', 'cmrp.enum_entry.type',
                                    'cmrp.enum_list.entrycount'], 'frame.number == 15')
    assert rows == [[['NODE1', 'Cluster Group'], ['0x00000001', '0x00000008'], ['2']]]
    rows = tshark.fields(ndr_pcap, ['cmrp.resource.state', 'cmrp.nodename', 'cmrp.groupname'],
                         'frame.number == 25')
    assert rows == [[['4'], ['NODE1'], ['SQL Group']]]


def test_errors(tshark, ndr_pcap):
    rows = tshark.fields(ndr_pcap, ['cmrp.status', '_ws.expert.message'], 'frame.number == 13')
    assert rows[0][0] == ['5007']
    # once, on the outcome item cmrp.rc (a generated copy of Status, issue #11)
    assert rows[0][1] == ['The call failed: ERROR_RESOURCE_NOT_FOUND (5007)']


def test_count_larger_than_stub(tshark, ndr_pcap):
    rows = tshark.fields(ndr_pcap, ['_ws.expert.message', '_ws.malformed'], 'frame.number == 26')
    msgs = rows[0][0]
    assert any(m.startswith('Count 2147483647 needs at least 4294967294 bytes') for m in msgs), msgs


def test_no_malformed_in_well_formed_frames(tshark, ndr_pcap):
    rows = tshark.fields(ndr_pcap, ['frame.number'], '_ws.malformed && frame.number != 26')
    assert rows == []


def test_reused_handle_value_names_each_instance(tshark, scratch):
    """A server may hand the same value out again after a close: each use is named by the
    instance open at that frame, on every pass (instances are found by binary search)."""
    b = PcapBuilder()
    c = b.tcp_conversation(50010, 5555)
    c.bind()
    H = handle(9)
    for name in ('Disk A', 'Disk B', 'Disk C'):
        c.call(8, wstr(name), u32(OK) + u32(OK) + H)          # ApiOpenResource -> H
        c.call(17, H, u32(OK) + u32(OK))                      # ApiOnlineResource(H)
        c.call(11, H, NULL_HANDLE + u32(OK))                  # ApiCloseResource(H)
        c.call(17, H, u32(OK) + u32(OK))                      # use after close: flagged
    path = os.path.join(scratch, 'reuse.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    rows = tshark.fields(path, ['_ws.col.Info', 'cmrp.object_name', 'cmrp.handle.opened_in',
                                'cmrp.handle.closed_in', '_ws.expert.message'],
                         'cmrp.opnum == 17 && dcerpc.pkt_type == 0')
    after = 'Handle to "Disk %s" used after it was closed in frame %d'
    assert rows == [
        [['ApiOnlineResource request "Disk A"'], ['Disk A'], ['7'], ['11'], []],
        [['ApiOnlineResource request "Disk A"'], ['Disk A'], ['7'], ['11'], [after % ('A', 11)]],
        [['ApiOnlineResource request "Disk B"'], ['Disk B'], ['15'], ['19'], []],
        [['ApiOnlineResource request "Disk B"'], ['Disk B'], ['15'], ['19'], [after % ('B', 19)]],
        [['ApiOnlineResource request "Disk C"'], ['Disk C'], ['23'], ['27'], []],
        [['ApiOnlineResource request "Disk C"'], ['Disk C'], ['23'], ['27'], [after % ('C', 27)]],
    ]
