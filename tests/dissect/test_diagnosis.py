"""Diagnosis at a glance (issue #11, points 1, 2, 3, 5, 6, 7): every response carries its
request's objects, control code and frame; every object of a call with its role; the answer in
Info; one outcome field cmrp.rc with expert info by meaning; `cmrp` matches ClusAPI 2.0; handles
follow renames, deletes and closes.

Exact values from the bundled captures (captures/MANIFEST) and from stubs spelled out byte by byte
with tests/lib/ndrbytes.py.
"""
import os
import sys
from collections import Counter

import pytest

from conftest import capture

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'lib'))
from ndrbytes import NULL_HANDLE, handle, u32, wstr  # noqa: E402
from pcapbuild import PcapBuilder  # noqa: E402

OK = 0
PI_CHAT, PI_NOTE, PI_WARN = '2097152', '4194304', '6291456'
CORPUS = ['smbtorture-anon.pcapng', 'scenario-ndr.pcapng', 'scenario-ndr64.pcapng',
          'scenario-storage.pcapng', 'v2-udp.pcapng']


def pdus(tshark, path):
    """frame -> (pkt_type, request frame of a response, object names, ctl codes, rc values)."""
    rows = tshark.fields(path, ['frame.number', 'dcerpc.pkt_type', 'dcerpc.request_in',
                                'cmrp.object_name', 'cmrp.ctl.code', 'cmrp.rc',
                                'cmrp.request_in'], 'cmrp')
    return {int(r[0][0]): (r[1][0], int(r[2][0]) if r[2] else None, r[3], r[4], r[5], r[6])
            for r in rows}


@pytest.fixture(scope='module', params=CORPUS)
def corpus(request, tshark):
    return request.param, pdus(tshark, capture(request.param))


# ---------------------------------------------------------------------------------------------
# 1. Request context on every response

def test_every_response_carries_its_requests_objects_code_and_frame(corpus):
    name, frames = corpus
    checked = named = coded = 0
    for f, (ptype, req, objs, codes, rcs, ctx_req) in frames.items():
        if ptype != '2' or req not in frames:
            continue
        checked += 1
        _, _, req_objs, req_codes, _, _ = frames[req]
        assert ctx_req == [str(req)], (name, f)
        # the request's objects, all of them, in the response (which may add a new handle's)
        missing = Counter(req_objs) - Counter(objs)
        assert not missing, (name, f, req_objs, objs)
        named += bool(req_objs)
        # the request's control code, once, with the same value
        assert codes == req_codes, (name, f)
        coded += bool(req_codes)
    assert checked > 0 and named > 0
    if name != 'v2-udp.pcapng':
        assert coded > 0


def test_object_and_code_filters_show_whole_exchanges(tshark):
    path = capture('scenario-ndr.pcapng')
    rows = tshark.fields(path, ['frame.number', 'dcerpc.pkt_type'],
                         'cmrp.object_name == "Cluster Disk 1"')
    kinds = Counter(r[1][0] for r in rows)
    # as many responses as requests name the disk (no fault among them)
    assert kinds['0'] == kinds['2'] and kinds['0'] > 60
    rows = tshark.fields(path, ['frame.number', 'dcerpc.pkt_type', '_ws.col.Info'],
                         'cmrp.ctl.code == 0x02000005')   # RESOURCE_TYPE_GET_CHARACTERISTICS
    assert [(r[0][0], r[1][0]) for r in rows] == [('633', '0'), ('634', '2')]
    assert rows[1][2] == ['ApiResourceTypeControl response "Physical Disk" '
                          'CLUSCTL_RESOURCE_TYPE_GET_CHARACTERISTICS']


def test_context_items_are_generated(tshark):
    """The response's copies are marked generated (PDML: no position in the stub)."""
    pdml = tshark.run('-r', capture('scenario-ndr.pcapng'), '-2', '-T', 'pdml', '-J', 'cmrp',
                      '-Y', 'frame.number == 634').stdout
    ctx = pdml[pdml.index('name="cmrp.request_in"'):]
    for fld in ('cmrp.request_in', 'cmrp.object_name', 'cmrp.ctl.code'):
        line = next(l for l in ctx.splitlines() if 'name="%s"' % fld in l)
        assert 'size="0"' in line, line
    assert 'show="0x02000005"' in ctx


def test_faults_do_not_reach_the_dissector(tshark):
    """A DCE/RPC fault PDU is not handed to the interface's dissector (Wireshark's dcerpc shows
    "Fault stub data" itself): the one fault in scenario-ndr (a call on a closed handle) has no
    cmrp tree, only dcerpc's own opnum and request frame."""
    rows = tshark.fields(capture('scenario-ndr.pcapng'),
                         ['frame.number', 'dcerpc.request_in', 'dcerpc.cn_status', 'cmrp.opnum',
                          'cmrp.rc'], 'dcerpc.pkt_type == 3')
    assert rows == [[['1053'], ['1052'], ['0x1c00001a'], [], []]]
    rows = tshark.fields(capture('scenario-ndr.pcapng'), ['_ws.expert.message'],
                         'frame.number == 1052')
    assert rows == [[['Handle to "NODE1" used after it was closed in frame 1047']]]


# ---------------------------------------------------------------------------------------------
# 2. Every object of a call, with its role

@pytest.mark.parametrize('frame,names,roles,types', [
    # ApiMoveGroupToNode request and response
    (214, ['Available Storage', 'NODE1'], ['subject', 'destination node'], ['group', 'node']),
    (215, ['Available Storage', 'NODE1'], ['subject', 'destination node'], ['group', 'node']),
    # ApiAddResourceDependency response
    (284, ['CMRP IP', 'CMRP Disk 2'], ['subject', 'dependency'], ['resource', 'resource']),
    # ApiChangeResourceGroup response
    (296, ['CMRP Disk 2', 'CMRP Group B'], ['subject', 'new owner'], ['resource', 'group']),
    # ApiAddResourceNode response (a failure keeps its objects)
    (278, ['CMRP Disk 2', 'NODE1'], ['subject', 'possible owner'], ['resource', 'node']),
    # ApiNodeResourceTypeControl: the type is the subject, not the cluster
    (588, ['Cluster', 'Physical Disk', 'NODE1'], ['cluster', 'subject', 'host node'],
     ['cluster', 'resource type', 'node']),
    # ApiCreateResource: group (renamed in 221), new resource, its type
    (259, ['CMRP Group A2', 'CMRP Disk', 'Physical Disk'],
     ['group', 'subject', 'resource type'], ['group', 'resource', 'resource type']),
])
def test_roles(tshark, frame, names, roles, types):
    rows = tshark.fields(capture('scenario-ndr.pcapng'),
                         ['cmrp.object_name', 'cmrp.object_role', 'cmrp.object_type'],
                         'frame.number == %d' % frame)
    assert rows == [[names, roles, types]]


def test_resource_type_control_labelled_with_the_type(tshark):
    rows = tshark.fields(capture('scenario-ndr.pcapng'), ['_ws.col.Info'],
                         'frame.number == 631 || frame.number == 632')
    assert rows == [[['ApiResourceTypeControl request "Physical Disk" CLUSCTL_RESOURCE_TYPE_UNKNOWN']],
                    [['ApiResourceTypeControl response "Physical Disk" '
                      'CLUSCTL_RESOURCE_TYPE_UNKNOWN']]]


def test_generator_rejects_two_subjects(tmp_path):
    """The roles come from one cmrp.cnf OBJECT line per parameter: a method with two object
    parameters and no role for either is an error of the sidecar, not a guess."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cnf = open(os.path.join(root, 'idl', 'cmrp.cnf'), encoding='utf-8').read()
    cnf = cnf.replace('OBJECT ApiMoveGroupToNode*.hNode                role="destination node"',
                      'OBJECT ApiMoveGroupToNode*.hNode')
    (tmp_path / 'cmrp.cnf').write_text(cnf, encoding='utf-8')
    import subprocess
    p = subprocess.run([sys.executable, os.path.join(root, 'idl', 'gen', 'cmrpgen.py'),
                        os.path.join(root, 'idl', 'clusapi.idl'), str(tmp_path / 'cmrp.cnf'),
                        os.path.join(root, 'idl', 'notify.cnf'), os.path.join(root, 'idl', 'reg.cnf'),
                        str(tmp_path / 'out')], capture_output=True, text=True)
    assert p.returncode == 1
    assert 'ApiMoveGroupToNode: parameters hGroup, hNode all designate the call' in p.stderr


# ---------------------------------------------------------------------------------------------
# 3. The answer in Info

@pytest.mark.parametrize('frame,info', [
    (244, 'ApiGetResourceState response "Cluster Disk 1" Online on NODE1'),
    (199, 'ApiGetGroupState response "Available Storage" PartialOnline on NODE1'),
    (183, 'ApiGetNodeState response "NODE2" Paused'),
    (27, 'ApiCreateEnum response 3 groups'),
    (23, 'ApiCreateEnum response 14 resource types'),
    (173, 'ApiCreateNodeEnum response "NODE1" 2 network interfaces'),
    (256, 'ApiCreateResEnum response "Cluster Disk 1" 0 dependents'),
    (33, 'ApiCreateEnum response 38 entries'),
    (203, 'ApiCreateGroupResourceEnum response "Available Storage" 2 resources'),
    (254, 'ApiCreateResEnum response "Cluster Disk 1" 0 dependencies'),
    (246, 'ApiGetResourceId response "Cluster Disk 1" "04473ace-270c-59ae-b381-87490e21a57b"'),
    (248, 'ApiGetResourceType response "Cluster Disk 1" "Physical Disk"'),
    (89, 'ApiOpenResource response "Cluster Disk 1"'),
    (9, 'ApiOpenCluster response "Cluster"'),
    (109, 'ApiCreateKey response "HKEY_CLUSTER\\Cmrp\\Scenario" REG_CREATED_NEW_KEY'),
    (75, 'ApiOpenResource response "No Such Resource" ERROR_RESOURCE_NOT_FOUND'),
    (544, 'ApiResourceControl response "Cluster Disk 1" CLUSCTL_RESOURCE_GET_PRIVATE_PROPERTIES '
          '6 properties: DiskIdType, ...'),
    (542, 'ApiResourceControl response "Cluster Disk 1" CLUSCTL_RESOURCE_GET_RO_PRIVATE_PROPERTIES '
          '2 properties: DiskGuid, ...'),
])
def test_info_answers(tshark, frame, info):
    rows = tshark.fields(capture('scenario-ndr.pcapng'), ['_ws.col.Info'],
                         'frame.number == %d' % frame)
    assert rows == [[[info]]]


def test_info_stays_short(tshark):
    for name in ('scenario-ndr.pcapng', 'smbtorture-anon.pcapng'):
        rows = tshark.fields(capture(name), ['_ws.col.Info'], 'cmrp && dcerpc.pkt_type == 2')
        assert max(len(r[0][0]) for r in rows) <= 120


# ---------------------------------------------------------------------------------------------
# 5. One outcome field, expert info by meaning, once

def test_every_response_has_one_rc(corpus):
    name, frames = corpus
    responses = [f for f, v in frames.items() if v[0] == '2']
    assert responses
    for f in responses:
        assert len(frames[f][4]) == 1, (name, f, frames[f][4])


def test_failure_filter_finds_the_mocks_failures(tshark):
    """README: `cmrp.rc != 0`. The scenario's failures, the Open* family (outcome in Status)
    included: 50 responses, 8 of them returning a handle."""
    path = capture('scenario-ndr.pcapng')
    rows = tshark.fields(path, ['frame.number', 'cmrp.status', '_ws.col.Info'], 'cmrp.rc != 0')
    assert len(rows) == 50
    with_status = [(int(r[0][0]), r[2][0]) for r in rows if r[1]]
    assert with_status == [
        (75, 'ApiOpenResource response "No Such Resource" ERROR_RESOURCE_NOT_FOUND'),
        (77, 'ApiOpenGroup response "No Such Group" ERROR_GROUP_NOT_FOUND'),
        (79, 'ApiOpenNode response "NOSUCHNODE" ERROR_CLUSTER_NODE_NOT_FOUND'),
        (81, 'ApiOpenNetwork response "No Such Network" ERROR_CLUSTER_NETWORK_NOT_FOUND'),
        (83, 'ApiOpenNetInterface response "No Such Interface" ERROR_CLUSTER_NETINTERFACE_NOT_FOUND'),
        (85, 'ApiOpenGroupSet response "No Such Set" ERROR_GROUPSET_NOT_FOUND'),
        (398, 'ApiCreateKey response "HKEY_CLUSTER" ERROR_INVALID_PARAMETER'),
        (470, 'ApiOpenKey response "HKEY_CLUSTER" ERROR_FILE_NOT_FOUND'),
    ]
    # and nothing else fails: every other response's outcome is 0
    rows = tshark.fields(path, ['frame.number'], 'cmrp.rc == 0')
    total = tshark.fields(path, ['frame.number'], 'cmrp && dcerpc.pkt_type == 2')
    assert len(rows) + 50 == len(total) == 509
    assert len(tshark.fields(capture('smbtorture-anon.pcapng'), ['frame.number'],
                             'cmrp.rc != 0')) == 199


@pytest.mark.parametrize('capname,frame,rc,message,severity', [
    ('scenario-ndr.pcapng', 75, '0x0000138f', 'The call failed: ERROR_RESOURCE_NOT_FOUND (5007)',
     PI_WARN),
    ('scenario-ndr.pcapng', 430, '0x000000ea',
     'ERROR_MORE_DATA: the answer needs a buffer of 37 bytes', PI_NOTE),
    ('scenario-ndr.pcapng', 450, '0x00000103', 'ERROR_NO_MORE_ITEMS: the end of an enumeration',
     PI_CHAT),
    ('smbtorture-anon.pcapng', 498, '0x000000ea',
     'ERROR_MORE_DATA: the answer needs a buffer of 8 bytes', PI_NOTE),
])
def test_expert_by_meaning_once(tshark, capname, frame, rc, message, severity):
    rows = tshark.fields(capture(capname), ['cmrp.rc', '_ws.expert.message', '_ws.expert.severity'],
                         'frame.number == %d' % frame)
    assert rows == [[[rc], [message], [severity]]]


def test_status_outcome_item_is_generated(tshark):
    """For a method returning a handle, cmrp.rc is a generated copy of Status, which keeps its
    own field."""
    pdml = tshark.run('-r', capture('scenario-ndr.pcapng'), '-2', '-T', 'pdml', '-J', 'cmrp',
                      '-Y', 'frame.number == 75').stdout
    rc = next(l for l in pdml.splitlines() if 'name="cmrp.rc"' in l)
    assert 'size="0"' in rc and 'the Status parameter' in rc
    assert 'name="cmrp.status"' in pdml


# ---------------------------------------------------------------------------------------------
# 6. `cmrp` matches every version

def test_cmrp_filter_shows_v2(tshark):
    path = capture('v2-udp.pcapng')
    cmrp = tshark.fields(path, ['frame.number'], 'cmrp')
    cmrp2 = tshark.fields(path, ['frame.number'], 'cmrp2')
    assert cmrp == cmrp2 and len(cmrp) == 80
    # v3 PDUs stay out of the narrower filter
    assert tshark.fields(capture('scenario-ndr.pcapng'), ['frame.number'], 'cmrp2') == []


# ---------------------------------------------------------------------------------------------
# 7. Handles follow their objects

def test_rename_followed_in_scenario(tshark):
    """scenario.py renames "CMRP Disk" to "CMRP Disk 2" (ApiSetResourceName, 263/264) and
    "CMRP Group A" to "CMRP Group A2" (ApiSetGroupName, 220/221), then uses the handles."""
    rows = tshark.fields(capture('scenario-ndr.pcapng'),
                         ['frame.number', 'cmrp.object_name', 'cmrp.object_former_name',
                          'cmrp.object_renamed_in', '_ws.col.Info'],
                         'frame.number in {263,265,222}')
    assert rows == [
        [['222'], ['CMRP Group A2'], ['CMRP Group A'], ['221'],
         ['ApiOnlineGroupEx request "CMRP Group A2"']],
        [['263'], ['CMRP Disk', 'CMRP Disk 2'], [], [],
         ['ApiSetResourceName request "CMRP Disk"']],
        [['265'], ['CMRP Disk 2'], ['CMRP Disk'], ['264'],
         ['ApiOnlineResource request "CMRP Disk 2"']],
    ]
    pdml = tshark.run('-r', capture('scenario-ndr.pcapng'), '-2', '-T', 'pdml', '-J', 'cmrp',
                      '-Y', 'frame.number == 265').stdout
    assert ('Object name: &quot;CMRP Disk 2&quot; (was &quot;CMRP Disk&quot;, renamed in frame 264)'
            in pdml)


@pytest.fixture(scope='module')
def lifecycle_pcap(scratch):
    b = PcapBuilder()
    c = b.tcp_conversation(50020, 5555)
    c.bind()
    H, H2 = handle(1), handle(2)
    c.call(8, wstr('Disk X'), u32(OK) + u32(OK) + H)               # 6/7 ApiOpenResource -> H
    c.call(13, H + wstr('Disk Y'), u32(OK) + u32(OK))              # 8/9 ApiSetResourceName
    c.call(17, H, u32(OK) + u32(OK))                               # 10/11 ApiOnlineResource
    c.call(10, H, u32(OK) + u32(OK))                               # 12/13 ApiDeleteResource
    c.call(17, H, u32(OK) + u32(5007))                             # 14/15 use after delete
    c.call(11, H, NULL_HANDLE + u32(OK))                           # 16/17 ApiCloseResource
    c.call(17, H, u32(OK) + u32(OK))                               # 18/19 use after close
    c.call(8, wstr('Disk X'), u32(OK) + u32(OK) + H2)              # 20/21 the old name again
    c.call(17, H2, u32(OK) + u32(OK))                              # 22/23 a new object
    c.call(17, H2, u32(OK) + u32(997))                             # 24/25 ERROR_IO_PENDING
    path = os.path.join(scratch, 'lifecycle.pcap')
    b.write(path)
    os.chmod(path, 0o644)
    return path


def test_handle_lifecycle(tshark, lifecycle_pcap):
    rows = tshark.fields(lifecycle_pcap, ['frame.number', '_ws.col.Info', 'cmrp.object_former_name',
                                          'cmrp.object_deleted_in', '_ws.expert.message'],
                         'cmrp && dcerpc.pkt_type == 0')
    got = {int(r[0][0]): (r[1][0], r[2], r[3], r[4]) for r in rows}
    assert got[8] == ('ApiSetResourceName request "Disk X"', [], ['13'], [])
    assert got[10] == ('ApiOnlineResource request "Disk Y"', ['Disk X'], ['13'], [])
    assert got[12] == ('ApiDeleteResource request "Disk Y"', ['Disk X'], ['13'], [])
    assert got[14] == ('ApiOnlineResource request "Disk Y"', ['Disk X'], ['13'],
                       ['resource "Disk Y" used after it was deleted in frame 13'])
    # closing the handle is the cleanup a delete asks for: not flagged as a use
    assert got[16] == ('ApiCloseResource request "Disk Y"', ['Disk X'], ['13'], [])
    assert got[18][3] == ['resource "Disk Y" used after it was deleted in frame 13',
                          'Handle to "Disk Y" used after it was closed in frame 17']
    # the old name, free again, is a new object
    assert got[22] == ('ApiOnlineResource request "Disk X"', [], [], [])
    # the responses carry the name their request had, and the delete's failure is one warning
    rows = tshark.fields(lifecycle_pcap, ['frame.number', 'cmrp.object_name', '_ws.col.Info',
                                          '_ws.expert.message'], 'frame.number in {9,15}')
    assert rows == [
        [['9'], ['Disk X', 'Disk Y'], ['ApiSetResourceName response "Disk X"'], []],
        [['15'], ['Disk Y'], ['ApiOnlineResource response "Disk Y" ERROR_RESOURCE_NOT_FOUND'],
         ['The call failed: ERROR_RESOURCE_NOT_FOUND (5007)']],
    ]


def test_io_pending_is_chat(tshark, lifecycle_pcap):
    rows = tshark.fields(lifecycle_pcap, ['_ws.col.Info', 'cmrp.rc', '_ws.expert.message',
                                          '_ws.expert.severity'], 'frame.number == 25')
    assert rows == [[['ApiOnlineResource response "Disk X" ERROR_IO_PENDING'], ['0x000003e5'],
                     ['ERROR_IO_PENDING: the operation goes on in the background'], [PI_CHAT]]]
