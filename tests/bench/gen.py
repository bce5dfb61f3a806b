#!/usr/bin/python3
"""Deterministic (seeded) generator of large ClusAPI captures for the benchmark (issue 14).

    gen.py --mix real|heavy --pdus N OUT.pcapng [--seed S] [--window W]
    gen.py --single proplist:KIB|notify:EVENTS --calls K OUT.pcapng     (per-PDU linearity)

Mixes (every conversation is a TCP connection, or a UDP flow for ClusAPI 2.0, of its own):
  real   smbtorture-anon.pcapng (smbtorture rpc.clusapi, a real client), its 9 connections
         replicated: the real-client mix of issue 14.
  heavy  management traffic with big buffers: conversations built here with the mock's marshaller
         (tests/peer/ndrcodec.py, clusbuf.py): property lists of 20 to 200 properties (GET and SET,
         every object family), property format lists, GetNotifyV2 batches of 20 to 500 events,
         registry enumerations (EnumKey, EnumValue, QueryValue), control calls of every output
         format we can build (PROPLIST, PROPFMTLIST, VALUELIST, MULTI_SZ, SZ, DWORD, RESCLASS),
         big responses split into several DCE/RPC fragments; mixed with the scenario captures
         (scenario-ndr, scenario-ndr64, scenario-storage, v2-udp) replicated the same way.

Replication: each copy of a template conversation gets its own client address in 10.0.0.0/8
(server 10.255.255.1, same ports as the template), so every copy is a connection of its own for
TCP, DCE/RPC and the dissector's per-conversation state; IP and TCP/UDP checksums are fixed
incrementally. W copies run at a time, their packets interleaved round-robin. Nothing is sent
anywhere: this only writes a file. Frames are written with struct from per-packet templates, so
1M PDUs take a minute or two.

The PDU count is of DCE/RPC request, response and fault PDUs (each fragment counts: that is what
tshark shows as a frame's PDU); binds are not counted. The file ends at the first conversation
boundary at or after N PDUs.
"""
import argparse
import os
import random
import struct
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'lib'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'peer'))
CAPTURES = os.path.join(ROOT, 'captures')

SERVER_IP = bytes((10, 255, 255, 1))
ETH = b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + b'\x08\x00'

# --------------------------------------------------------------------------------------------
# reading the corpus


def read_pcapng(path):
    """[(linktype, ts_ns, packet bytes)] of the Enhanced/Simple Packet Blocks (little-endian)."""
    data = open(path, 'rb').read()
    out, ifaces, off = [], [], 0
    if data[:4] == b'\xd4\xc3\xb2\xa1':            # classic pcap (tests/lib/pcapbuild.py)
        lt = struct.unpack_from('<I', data, 20)[0]
        off = 24
        while off + 16 <= len(data):
            s, us, incl, _ = struct.unpack_from('<IIII', data, off)
            out.append((lt, (s * 1000000 + us) * 1000, data[off + 16:off + 16 + incl]))
            off += 16 + incl
        return out
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from('<II', data, off)
        if btype == 0x0A0D0D0A:
            ifaces = []
        elif btype == 1:
            ifaces.append(struct.unpack_from('<H', data, off + 8)[0])
        elif btype == 6:
            iface, hi, lo, cap = struct.unpack_from('<IIII', data, off + 8)
            out.append((ifaces[iface], (hi << 32 | lo) * 1000, data[off + 28:off + 28 + cap]))
        elif btype == 3:
            out.append((ifaces[0], 0, data[off + 12:off + blen - 4]))
        off += blen
    return out


LINK_OFFSET = {1: 14, 0: 4, 101: 0, 113: 16, 276: 20, 228: 0}


class Template:
    """One conversation (TCP connection or UDP flow) of a capture: its IPv4 packets."""

    def __init__(self, name):
        self.name = name
        self.packets = []      # [(ip bytes, from_client)]
        self.pdus = 0


def conversations(packets, source):
    """Split IPv4 TCP/UDP packets into Templates by 4-tuple (the server is the SYN's
    destination, or the first UDP datagram's); count ClusAPI PDUs per conversation."""
    convs, order = {}, []
    for lt, _, pkt in packets:
        ip = pkt[LINK_OFFSET[lt]:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] not in (6, 17):
            continue
        ihl = (ip[0] & 15) * 4
        ip = ip[:struct.unpack_from('!H', ip, 2)[0]]
        sport, dport = struct.unpack_from('!HH', ip, ihl)
        a, b = (ip[12:16], sport), (ip[16:20], dport)
        key = (ip[9],) + tuple(sorted([a, b]))
        t = convs.get(key)
        if t is None:
            t = Template('%s#%d' % (source, len(order)))
            t.client = a          # the first packet's sender: SYN or first datagram
            t.streams = {True: b'', False: b''}
            convs[key] = t
            order.append(t)
        fc = a == t.client
        t.packets.append((bytes(ip), fc))
        payload = ip[ihl + (((ip[ihl + 12] >> 4) * 4) if ip[9] == 6 else 8):]
        if ip[9] == 17:
            if len(payload) >= 80 and payload[0] == 4 and payload[1] in (0, 2, 3):
                t.pdus += 1
        else:
            t.streams[fc] += payload
    for t in order:
        for s in t.streams.values():
            off = 0
            while off + 16 <= len(s) and s[off] == 5:
                flen = struct.unpack_from('<H', s, off + 8)[0]
                if s[off + 2] in (0, 2, 3):
                    t.pdus += 1
                off += max(flen, 16)
        del t.streams
    return [t for t in order if t.pdus]


def corpus_templates(names):
    out = []
    for n in names:
        out += conversations(read_pcapng(os.path.join(CAPTURES, n)), n)
    return out


# --------------------------------------------------------------------------------------------
# the buffer-heavy management mix


PROP_NAMES = ['Description', 'PersistentState', 'RestartAction', 'RestartThreshold',
              'RestartPeriod', 'RetryPeriodOnFailure', 'PendingTimeout', 'DeadlockTimeout',
              'MonitorProcessId', 'LooksAlivePollInterval', 'IsAlivePollInterval', 'Type',
              'SeparateMonitor', 'ResourceSpecificStatus', 'ResourceSpecificData1',
              'DiskPath', 'DiskSignature', 'MaintenanceMode', 'VirtualDiskId', 'Name',
              'DnsName', 'Address', 'SubnetMask', 'Network', 'EnableDhcp', 'OverrideAddress',
              'GroupType', 'Priority', 'DefaultOwner', 'AntiAffinityClassNames', 'FailoverThreshold',
              'FailoverPeriod', 'AutoFailbackType', 'FailbackWindowStart', 'FailbackWindowEnd',
              'StatusInformation', 'ComputerName', 'RegisterAllProvidersIP', 'HostRecordTTL',
              'PublishPTRRecords', 'DependencyExpression', 'CryptoCheckpoints']


def random_props(rng, n, big=False):
    import clusbuf as cb
    props = []
    for i in range(n):
        name = rng.choice(PROP_NAMES) + ('' if i < len(PROP_NAMES) else str(i))
        k = rng.randrange(9)
        if k < 3:
            props.append((name, cb.CLUSPROP_SYNTAX_LIST_VALUE_DWORD, rng.randrange(1 << 32)))
        elif k < 5:
            props.append((name, cb.CLUSPROP_SYNTAX_LIST_VALUE_SZ,
                          'value-%d-%s' % (i, 'x' * rng.randrange(4, 64 if big else 24))))
        elif k == 5:
            props.append((name, cb.CLUSPROP_SYNTAX_LIST_VALUE_MULTI_SZ,
                          ['node%d' % j for j in range(rng.randrange(1, 6))]))
        elif k == 6:
            props.append((name, cb.CLUSPROP_SYNTAX_LIST_VALUE_BINARY,
                          bytes(rng.randrange(256) for _ in range(rng.randrange(4, 48)))))
        elif k == 7:
            props.append((name, cb.CLUSPROP_SYNTAX_LIST_VALUE_ULARGE_INTEGER,
                          rng.randrange(1 << 64)))
        else:
            props.append((name, cb.CLUSPROP_SYNTAX_LIST_VALUE_EXPAND_SZ, '%SystemRoot%\\x' + str(i)))
    return props


def proplist_of_size(nbytes, seed=1):
    """A PROPERTY_LIST of about nbytes (SZ and DWORD properties)."""
    import clusbuf as cb
    rng = random.Random(seed)
    props, size, i = [], 4, 0
    while size < nbytes:
        p = ('Property%d' % i, cb.CLUSPROP_SYNTAX_LIST_VALUE_SZ if i % 2 else
             cb.CLUSPROP_SYNTAX_LIST_VALUE_DWORD,
             ('v%d' % rng.randrange(1000)) * 3 if i % 2 else i)
        size += len(cb.build_property_list([p])) - 4
        props.append(p)
        i += 1
    return cb.build_property_list(props)


# (object type, V2 filter flag): resource state, group common property, node state, registry value
NOTIFY_TYPES = [(3, 0x04), (2, 0x02), (7, 0x10), (8, 0x08)]
NOTIFY_KEY = 0x1000


def notify_setup(codec, conv, h, ndr64=False):
    """CreateNotifyV2 (port h(4)) and one AddNotifyV2 per object type of notify_events."""
    m = codec.method('ApiCreateNotifyV2')
    conv.call(m.opnum, codec.encode_request(m, {}, ndr64),
              codec.encode_response(m, {'rpc_error': 0, 'rpc_status': 0, '_return': h(4)}, ndr64))
    m = codec.method('ApiAddNotifyV2')
    for otype, flag in NOTIFY_TYPES:
        conv.call(m.opnum, codec.encode_request(m, {
            'hNotify': h(4), 'hObject': h(2), 'filter': {'dwObjectType': otype, 'FilterFlags': flag},
            'dwNotifyKey': NOTIFY_KEY + otype, 'dwVersion': 2, 'isTargetedAtObject': 0}, ndr64),
            codec.encode_response(m, {'rpc_status': 0, '_return': 0}, ndr64))


def notify_events(rng, n):
    import clusbuf as cb
    evs = []
    for i in range(n):
        k = rng.randrange(4)
        ft = NOTIFY_TYPES[k]
        if k == 0:       # resource state (DWORD)
            buf = struct.pack('<I', rng.randrange(5))
        elif k == 1:     # group common property: a property list
            buf = cb.build_property_list(random_props(rng, rng.randrange(1, 4)),
                                         trailing_endmark=True)
        elif k == 2:     # node state
            buf = struct.pack('<I', rng.randrange(4))
        else:            # registry value
            buf = b''
        evs.append({'dwNotifyKey': NOTIFY_KEY + ft[0],
                    'NotificationData': {
                        'FilterAndType': {'dwObjectType': ft[0], 'FilterFlags': ft[1]},
                        'buffer': buf, 'dwBufferSize': len(buf),
                        'ObjectId': str(uuid.UUID(int=rng.getrandbits(128))),
                        'ParentId': str(uuid.UUID(int=rng.getrandbits(128))),
                        'Name': 'object-%d' % rng.randrange(10000), 'Type': 'Physical Disk'}})
    return evs


CTL_METHOD = {'RESOURCE': ('ApiResourceControl', 'hResource'),
              'RESOURCE_TYPE': ('ApiResourceTypeControl', 'hCluster'),
              'GROUP': ('ApiGroupControl', 'hGroup'), 'NODE': ('ApiNodeControl', 'hNode'),
              'NETWORK': ('ApiNetworkControl', 'hNetwork'),
              'NETINTERFACE': ('ApiNetInterfaceControl', 'hNetInterface'),
              'CLUSTER': ('ApiClusterControl', 'hCluster'),
              'GROUPSET': ('ApiGroupSetControl', 'hGroupSet')}
BUILDABLE_IN = {'NONE', 'PROPLIST', 'IGNORED'}
BUILDABLE_OUT = {'NONE', 'PROPLIST', 'PROPFMTLIST', 'VALUELIST', 'MULTI_SZ', 'SZ', 'DWORD',
                 'DWORD_FLAGS', 'DWORD_CHARACTERISTICS', 'RESCLASS_INFO'}


def control_codes():
    rows = []
    for line in open(os.path.join(ROOT, 'idl', 'tables', 'ctlcodes.tsv')):
        if line.startswith('#') or line.startswith('name\t'):
            continue
        c = line.rstrip('\n').split('\t')
        if len(c) >= 5 and c[2] in CTL_METHOD and c[3] in BUILDABLE_IN and c[4] in BUILDABLE_OUT:
            rows.append((c[0], int(c[1], 16), c[2], c[3], c[4]))
    return rows


def ctl_buffer(rng, fmt):
    import clusbuf as cb
    if fmt in ('NONE', 'IGNORED'):
        return b''
    if fmt == 'PROPLIST':
        return cb.build_property_list(random_props(rng, rng.randrange(20, 201)))
    if fmt == 'PROPFMTLIST':
        return cb.build_property_formats([(n, cb.CLUSPROP_SYNTAX_LIST_VALUE_DWORD, 0)
                                          for n in rng.sample(PROP_NAMES, 20)])
    if fmt == 'VALUELIST':
        return cb.build_value_list([(cb.CLUSPROP_SYNTAX_RESCLASS, struct.pack('<I', 1))] +
                                   [(cb.CLUSPROP_SYNTAX_NAME, cb.wstr('IP Address'))])
    if fmt == 'MULTI_SZ':
        return cb.multi_sz(rng.sample(PROP_NAMES, rng.randrange(10, 40)))
    if fmt == 'SZ':
        return cb.wstr('Cluster Disk %d' % rng.randrange(100))
    if fmt == 'RESCLASS_INFO':
        return struct.pack('<II', 1, 0)
    return struct.pack('<I', rng.randrange(16))


def heavy_conversation(b, codec, rng, conv_index, ncalls, ctl_rows):
    """One management connection on PcapBuilder b."""
    ndr64 = conv_index % 4 == 3
    conv = b.tcp_conversation(client_port=49152 + conv_index % 16000, server_port=5555)
    conv.bind(ndr64=ndr64)
    frag = 5816     # stub bytes per fragment at max_frag 5840

    def call(name, req, rsp):
        m = codec.method(name)
        conv.call(m.opnum, codec.encode_request(m, req, ndr64),
                  codec.encode_response(m, rsp, ndr64), max_frag=frag)

    h = lambda n: b'\0' * 4 + struct.pack('<IIII', conv_index, n, 0x5eed, 0xc0de)  # noqa: E731
    call('ApiOpenResource', {'lpszResourceName': 'Cluster Disk 1'},
         {'Status': 0, 'rpc_status': 0, '_return': h(1)})
    call('ApiOpenCluster', {}, {'Status': 0, '_return': h(2)})
    call('ApiGetRootKey', {'samDesired': 0x20019}, {'Status': 0, 'rpc_status': 0, '_return': h(3)})
    notify_setup(codec, conv, h, ndr64)
    for i in range(ncalls):
        kind = rng.randrange(10)
        if kind < 4:                    # a control call, every format in turn
            name, code, obj, fin, fout = ctl_rows[(conv_index * 7 + i) % len(ctl_rows)]
            if kind < 2 and fout != 'PROPLIST':     # more of the big property lists
                code, fout = [(0x01000059, 'PROPLIST'), (0x03000059, 'PROPLIST'),
                              (0x07000059, 'PROPLIST'), (0x04000059, 'PROPLIST')][i % 4]
                obj = {0x01: 'RESOURCE', 0x03: 'GROUP', 0x07: 'CLUSTER', 0x04: 'NODE'}[code >> 24]
                fin = 'NONE'
            method, hname = CTL_METHOD[obj]
            inbuf = ctl_buffer(rng, fin)
            outbuf = ctl_buffer(rng, fout)
            req = {hname: h(1 if obj == 'RESOURCE' else 2), 'dwControlCode': code,
                   'lpInBuffer': inbuf if inbuf else None, 'nInBufferSize': len(inbuf),
                   'nOutBufferSize': max(len(outbuf), 512)}
            if obj == 'RESOURCE_TYPE':
                req['lpszResourceTypeName'] = 'Physical Disk'
            call(method, req, {'lpOutBuffer': outbuf, 'nOutBufferSize': max(len(outbuf), 512),
                               'lpBytesReturned': len(outbuf), 'lpcbRequired': len(outbuf),
                               'rpc_status': 0, '_return': 0})
        elif kind < 6:                  # a GetNotifyV2 batch
            n = rng.choice([20, 50, 100, 200, 500])
            evs = notify_events(rng, n)
            call('ApiGetNotifyV2', {'hNotify': h(4)},
                 {'Notifications': evs, 'dwNumNotifications': n, '_return': 0})
        elif kind == 6:
            call('ApiEnumKey', {'hKey': h(3), 'dwIndex': i},
                 {'KeyName': 'Resources\\%08x' % rng.getrandbits(32), 'lpftLastWriteTime':
                  132000000000000000 + i, 'rpc_status': 0, '_return': 0})
        elif kind < 9:
            t = rng.choice([1, 4, 3, 7])
            data = {1: 'value %d\0' % i, 7: 'a\0b\0c\0\0'}.get(t)
            data = data.encode('utf-16le') if data else (
                struct.pack('<I', i) if t == 4 else bytes(rng.randrange(256) for _ in range(200)))
            if kind == 7:
                call('ApiEnumValue', {'hKey': h(3), 'dwIndex': i, 'lpcbData': len(data)},
                     {'lpValueName': 'Value%d' % i, 'lpType': t, 'lpData': data,
                      'lpcbData': len(data), 'TotalSize': len(data), 'rpc_status': 0, '_return': 0})
            else:
                call('ApiQueryValue', {'hKey': h(3), 'lpValueName': 'Value%d' % i,
                                       'cbData': len(data)},
                     {'lpValueType': t, 'lpData': data, 'lpcbRequired': len(data),
                      'rpc_status': 0, '_return': 0})
        else:                           # SET a property list (request-heavy)
            buf = ctl_buffer(rng, 'PROPLIST')
            call('ApiResourceControl', {'hResource': h(1), 'dwControlCode': 0x0140005E,
                                        'lpInBuffer': buf, 'nInBufferSize': len(buf),
                                        'nOutBufferSize': 0},
                 {'lpOutBuffer': b'', 'nOutBufferSize': 0, 'lpBytesReturned': 0,
                  'lpcbRequired': 0, 'rpc_status': 0, '_return': 0})
    call('ApiCloseResource', {'Resource': h(1)}, {'Resource': b'\0' * 20, '_return': 0})


def built_templates(build, source):
    """Templates from a PcapBuilder filled by `build(b)`."""
    import pcapbuild
    b = pcapbuild.PcapBuilder()
    build(b)
    return conversations([(1, 0, data) for _, data in b.frames], source)


def heavy_templates(seed, count=24, calls=40):
    import ndrcodec
    codec = ndrcodec.load()
    rows = control_codes()
    out = []
    for i in range(count):
        rng = random.Random(seed * 1000 + i)
        out += built_templates(lambda b: heavy_conversation(b, codec, rng, i, calls, rows),
                               'heavy')
    return out


def single_templates(spec, calls):
    """One connection: a bind, a small warm-up call, then `calls` calls of the given size
    (proplist:KIB, a ResourceControl GET_COMMON_PROPERTIES response; notify:EVENTS, a
    GetNotifyV2 response)."""
    import ndrcodec
    codec = ndrcodec.load()
    kind, n = spec.split(':')
    n = int(n)

    def build(b):
        conv = b.tcp_conversation(client_port=50000, server_port=5555)
        conv.bind()
        h = b'\0' * 4 + b'\x11' * 16
        m = codec.method('ApiOpenCluster')
        conv.call(m.opnum, codec.encode_request(m, {}),
                  codec.encode_response(m, {'Status': 0, '_return': b'\0' * 4 + b'\x22' * 16}))
        notify_setup(codec, conv, lambda n: {4: h, 2: b'\0' * 4 + b'\x22' * 16}[n])
        m = codec.method('ApiOpenResource')
        conv.call(m.opnum, codec.encode_request(m, {'lpszResourceName': 'r'}),
                  codec.encode_response(m, {'Status': 0, 'rpc_status': 0, '_return': h}))
        if kind == 'proplist':
            buf = proplist_of_size(n * 1024) if n else b''
            m = codec.method('ApiResourceControl')
            req = codec.encode_request(m, {'hResource': h, 'dwControlCode': 0x01000059,
                                           'nOutBufferSize': len(buf)})
            rsp = codec.encode_response(m, {'lpOutBuffer': buf, 'nOutBufferSize': len(buf),
                                            'lpBytesReturned': len(buf),
                                            'lpcbRequired': len(buf), 'rpc_status': 0,
                                            '_return': 0})
        else:
            m = codec.method('ApiGetNotifyV2')
            evs = notify_events(random.Random(n), n)
            req = codec.encode_request(m, {'hNotify': h})
            rsp = codec.encode_response(m, {'Notifications': evs or None,
                                            'dwNumNotifications': n, '_return': 0})
        for _ in range(calls):
            conv.call(m.opnum, req, rsp, max_frag=5816)
    return built_templates(build, 'single-' + spec)


# --------------------------------------------------------------------------------------------
# writing


def _fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def _words(b):
    return sum(struct.unpack('!%dH' % (len(b) // 2), b))


class Prepared:
    """A template's packets split into what a copy changes: addresses, ports, checksums."""

    def __init__(self, t):
        self.name = t.name
        self.pdus = t.pdus
        self.pkts = []
        for ip, fc in t.packets:
            ihl = (ip[0] & 15) * 4
            proto = ip[9]
            l4 = bytearray(ip[ihl:])
            ck_off = 16 if proto == 6 else 6
            old_ck = struct.unpack_from('!H', l4, ck_off)[0]
            old_addr = _words(ip[12:20]) + _words(bytes(l4[0:4]))
            self.pkts.append((bytes(ip[:12]), bytes(ip[:10]), bytes(ip[12:16]), bytes(ip[16:20]),
                              l4, fc, ck_off, old_ck, old_addr, proto))


class Writer:
    def __init__(self, path):
        self.f = open(path, 'wb', buffering=1 << 20)
        shb = struct.pack('<IIIHHq', 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1) + struct.pack('<I', 28)
        idb = struct.pack('<IIHHI', 1, 20, 1, 0, 262144) + struct.pack('<I', 20)
        self.f.write(shb + idb)
        self.ts = 1700000000 * 1000000
        self.frames = 0

    def frame(self, data):
        self.ts += 10
        n = len(data)
        pad = (-n) % 4
        blen = 32 + n + pad
        self.f.write(struct.pack('<IIIIIII', 6, blen, 0, self.ts >> 32, self.ts & 0xffffffff, n, n)
                     + data + b'\0' * pad + struct.pack('<I', blen))
        self.frames += 1

    def close(self):
        self.f.close()


def client_ip(copy):
    copy += 1
    return bytes((10, (copy >> 16) & 0xff, (copy >> 8) & 0xff, copy & 0xff))


def copy_packets(p, copy):
    """The Ethernet frames of copy `copy` of Prepared template p (a generator)."""
    cip = client_ip(copy)
    pk = struct.pack
    for hdr12, hdr10, src, dst, l4, fc, ck_off, old_ck, old_addr, proto in p.pkts:
        s, d = (cip, SERVER_IP) if fc else (SERVER_IP, cip)
        iph = hdr10 + b'\0\0' + s + d
        ipck = (~_fold(_words(iph))) & 0xffff
        new_addr = _words(s + d) + _words(bytes(l4[0:4]))
        if proto == 17 and old_ck == 0:
            ck = 0
        else:
            ck = (~_fold((~old_ck & 0xffff) + (~_fold(old_addr) & 0xffff) + new_addr)) & 0xffff
            if proto == 17 and ck == 0:
                ck = 0xffff
        yield (ETH + hdr10 + pk('!H', ipck) + s + d + bytes(l4[:ck_off]) + pk('!H', ck)
               + bytes(l4[ck_off + 2:]))


def generate(templates, target_pdus, out, seed, window, min_conns=0):
    """Copies of the templates (chosen in a seeded order) until target_pdus PDUs, at least
    min_conns connections; W at a time, interleaved."""
    rng = random.Random(seed)            # which templates, in which order
    irng = random.Random(seed + 1)       # how their packets interleave
    prepared = [Prepared(t) for t in templates]
    w = Writer(out)
    pdus = conns = copy = 0
    active = []
    stats = {}
    while True:
        while len(active) < window and (pdus < target_pdus or conns < min_conns):
            p = rng.choice(prepared)
            active.append(copy_packets(p, copy))
            copy += 1
            conns += 1
            pdus += p.pdus
            stats[p.name.split('#')[0]] = stats.get(p.name.split('#')[0], 0) + p.pdus
        if not active:
            break
        nxt = []
        for g in active:
            for _ in range(irng.randrange(1, 4)):
                try:
                    w.frame(next(g))
                except StopIteration:
                    break
            else:
                nxt.append(g)
        active = nxt
    w.close()
    return {'pdus': pdus, 'connections': conns, 'frames': w.frames, 'by_source': stats}


REAL = ['smbtorture-anon.pcapng']
HEAVY_CORPUS = ['scenario-ndr.pcapng', 'scenario-ndr64.pcapng', 'scenario-storage.pcapng',
                'v2-udp.pcapng']


def mix_templates(mix, seed):
    if mix == 'real':
        return corpus_templates(REAL)
    if mix == 'heavy':
        return heavy_templates(seed) + corpus_templates(HEAVY_CORPUS)
    raise SystemExit('unknown mix %r' % mix)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('out')
    ap.add_argument('--mix', default='real', choices=['real', 'heavy'])
    ap.add_argument('--pdus', type=int, default=1000000)
    ap.add_argument('--seed', type=int, default=14)
    ap.add_argument('--window', type=int, default=8, help='connections open at a time')
    ap.add_argument('--min-conns', type=int, default=0)
    ap.add_argument('--single', help='proplist:KIB or notify:EVENTS: one big call per copy')
    ap.add_argument('--calls', type=int, default=1, help='with --single: how many big calls')
    a = ap.parse_args(argv)
    if a.single:
        t = single_templates(a.single, a.calls)
        st = generate(t, 1, a.out, a.seed, 1)
    else:
        st = generate(mix_templates(a.mix, a.seed), a.pdus, a.out, a.seed, a.window, a.min_conns)
    os.chmod(a.out, 0o644)
    print('%s: %d PDUs, %d connections, %d frames %s' % (a.out, st['pdus'], st['connections'],
                                                        st['frames'], st['by_source']))
    return st


if __name__ == '__main__':
    main()
