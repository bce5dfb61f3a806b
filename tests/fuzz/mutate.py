#!/usr/bin/env python3
"""Structure-aware mutator for ClusAPI stubs: hostile PDUs whose DCE/RPC framing stays valid.

Every PDU is generated, not edited in place:

1. A method is chosen (weighted towards the ones with hand-decoded buffers: the 16 control
   methods, the enumerations with PROPERTY_LISTs, notifications, registry values, batches).
2. Values for all its parameters are generated from the IDL (tests/peer/ndrcodec.py node tree);
   byte buffers come from bufgen.py (PROPERTY_LISTs, value lists, control-code structures by
   the control code's format in idl/tables/ctlcodes.tsv, notification payloads, batch updates,
   registry data), and those buffers are corrupted field by field (counts, sizes, syntaxes,
   string terminators, offsets, nesting) before they are marshalled.
3. The request and response stubs are encoded with ndrcodec (so every NDR count around a
   corrupted buffer is right), then, for some PDUs, corrupted at the NDR level: a decode with a
   recording reader gives the offset of every integer, referent and conformance/variance count,
   and one or more of them are rewritten (0, 1, 0xFFFFFFFF, the stub size, off by one, ...), the
   stub is cut, grown, or shifted.
4. pcapbuild.py frames the stubs (frag_len, alloc_hint, fragmentation, TCP/IP lengths and
   checksums all consistent), in NDR or NDR64 over TCP (v3.0) or connectionless UDP (v2.0).

    gen = Generator(seed=1)
    calls = [gen.call() for _ in range(100)]
    write_pcap(calls, 'x.pcap')

CLI: mutate.py --seed 1 --count 500 --out DIR   (writes DIR/mut-<seed>-<n>.pcap batches)
"""
import argparse
import os
import random
import struct
import sys
import uuid

_HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(_HERE))
for p in (os.path.join(ROOT, 'tests', 'lib'), os.path.join(ROOT, 'tests', 'peer'), _HERE):
    if p not in sys.path:
        sys.path.insert(0, p)

import ndrcodec  # noqa: E402
import pcapbuild  # noqa: E402
import bufgen  # noqa: E402

N = ndrcodec
CTL_METHODS = {72, 73, 74, 75, 76, 77, 78, 79, 88, 89, 97, 98, 105, 106, 173, 174}
OBJ_OF_OPNUM = {72: 1, 73: 1, 74: 2, 75: 2, 76: 3, 77: 3, 78: 4, 79: 4, 88: 5, 89: 5, 97: 6, 98: 6,
                105: 7, 106: 7, 173: 8, 174: 8}
OBJ_NAMES = {'RESOURCE': 1, 'RESOURCE_TYPE': 2, 'GROUP': 3, 'NODE': 4, 'NETWORK': 5,
             'NETINTERFACE': 6, 'CLUSTER': 7, 'GROUPSET': 8}
# methods whose buffers have their own decoders get most of the PDUs
HOT = {32, 34, 36, 7, 125, 65, 113, 115, 130, 131, 132, 133, 135, 136, 139, 143, 144, 145, 147,
       157, 185, 54} | CTL_METHODS


def load_ctl_table(path=os.path.join(ROOT, 'idl', 'tables', 'ctlcodes.tsv')):
    rows = []
    with open(path) as f:
        for line in f:
            if line.startswith('#') or line.startswith('name\t') or not line.strip():
                continue
            cols = line.rstrip('\n').split('\t')
            if len(cols) < 5:
                continue
            rows.append((cols[0], int(cols[1], 16), cols[2], cols[3], cols[4]))
    return rows


class Call:
    """One request and its response (response None: request only)."""
    __slots__ = ('opnum', 'version', 'ndr64', 'req', 'rsp', 'note', 'big_endian')

    def __init__(self, opnum, version, ndr64, req, rsp, note='', big_endian=False):
        self.big_endian = big_endian    # PDU header drep says big-endian (stub bytes unchanged)
        self.opnum = opnum
        self.version = version
        self.ndr64 = ndr64
        self.req = req
        self.rsp = rsp
        self.note = note

    def stub_bytes(self):
        return len(self.req or b'') + len(self.rsp or b'')


# -- recording the position of every integer in a stub --------------------------------------------

class _RecReader(N._Reader):
    last = None

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.fields = []
        self._kind = 'int'
        _RecReader.last = self

    def uint(self, size, path, signed=False):
        self.align(size, path)
        pos = self.pos
        v = super().uint(size, path, signed)
        self.fields.append((pos, size, self._kind, path))
        return v

    def count(self, path):
        self._kind = 'count'
        try:
            return super().count(path)
        finally:
            self._kind = 'int'


def int_fields(codec, opnum, stub, ndr64, request):
    """[(offset, size, kind, path)] of every integer the codec reads in the stub, kind 'count'
    for conformance/variance counts and referents. Fields read before a decode error count too."""
    saved = N._Reader
    N._Reader = _RecReader
    _RecReader.last = None
    try:
        try:
            if request:
                codec.decode_request(opnum, stub, ndr64)
            else:
                codec.decode_response(opnum, stub, ndr64)
        except N.NdrError:
            pass
    finally:
        N._Reader = saved
    r = _RecReader.last
    return r.fields if r else []


def swap_ints(codec, opnum, stub, ndr64, request):
    """The stub with every integer the codec reads byte-swapped: its big-endian NDR form (the
    custom buffers inside stay little-endian, as MS-CMRP marshals them)."""
    b = bytearray(stub)
    for off, size, _, _ in int_fields(codec, opnum, stub, ndr64, request):
        if size > 1 and off + size <= len(b):
            b[off:off + size] = b[off:off + size][::-1]
    return bytes(b)


# -- values from the IDL --------------------------------------------------------------------------

# (CLUSTER_OBJECT_TYPE, CLUSTER_CHANGE_*_V2 flag) -> the payload shape MS-CMRP 3.1.4.2.138 gives it
NOTIFY_PAIRS = {
    (1, 0x800): 'membership', (10, 0x1): 'csv', (1, 0x1000): 'dword', (1, 0x4): 'dword',
    (1, 0x80): 'proplist', (2, 0x2): 'proplist', (2, 0x8): 'dword', (2, 0x10): 'string',
    (2, 0x20): 'multisz', (3, 0x2): 'proplist', (3, 0x8): 'dword', (3, 0x10): 'string',
    (7, 0x8): 'dword', (6, 0x8): 'dword', (5, 0x8): 'dword', (1, 0x10): 'other',
    (1, 0x1): 'other', (10, 0x2): 'csv-bare', (3, 0x20): 'string',
}

HANDLES = [bytes(4) + bytes([i]) * 16 for i in range(1, 6)] + [bytes(20)]


def corr_vars(nodes):
    """Names used by size_is/length_is expressions of these nodes (the codec fills them in)."""
    out = set()
    for n in nodes:
        for e in N._exprs(n):
            if e.var:
                out.add(e.var)
    return out


class Generator:
    def __init__(self, seed=0, hostile=0.8, ndr_mut=0.5):
        self.rng = random.Random(seed)
        self.seed = seed
        self.hostile = hostile        # share of buffers that get corrupted
        self.ndr_mut = ndr_mut        # share of calls that get NDR-level corruption
        self.codecs = {3: ndrcodec.load(version=3), 2: ndrcodec.load(version=2)}
        self.methods = {}
        for v, c in self.codecs.items():
            ms = []
            for m in c.iface.methods:
                if m.not_on_wire or (v == 2 and m.v3_only):
                    continue
                try:
                    c.plan(m)
                except N.NdrError:
                    continue
                ms.append(m)
            self.methods[v] = ms
        self.ctl = load_ctl_table()
        self.count = 0

    # values -------------------------------------------------------------------------------------

    def _int(self, size, signed=False):
        rng = self.rng
        top = (1 << (8 * size)) - 1
        v = rng.choice([0, 0, 1, 2, 5, 0x7f, 0xff, 0x100, 0x7fffffff, 0x80000000, 0xffffffff,
                        rng.getrandbits(8 * size)]) & top
        if signed and v > top >> 1:
            v -= top + 1
        return v

    def _str(self):
        return bufgen.rand_text(self.rng, 0, 16)

    def value(self, node, path, depth, ctx):
        rng = self.rng
        if isinstance(node, N._Skip):
            return None
        if isinstance(node, N._Prim):
            return self._int(node.size(False), node.signed)
        if isinstance(node, N._Enum):
            if node.values and rng.random() < 0.8:
                return rng.choice(list(node.values.values()))
            return self._int(node.size(False), node.signed)
        if isinstance(node, N._Handle):
            return rng.choice(HANDLES)
        if isinstance(node, N._Guid):
            return uuid.UUID(int=rng.getrandbits(128))
        if isinstance(node, N._Filetime):
            return rng.choice([0, 0x01d9c0e2d4a6b800, rng.getrandbits(64)])
        if isinstance(node, N._Pointer):
            if node.kind != 'ref' and (rng.random() < 0.15 or depth > 6):
                return None
            return self.value(node.target, path, depth + 1, ctx)
        if isinstance(node, N._Array):
            if node.string:
                return self._str()
            if node.bytes_like:
                if node.fixed and not node.varying:
                    return rng.randbytes(node.fixed)
                return self.buffer(path, ctx)
            if isinstance(node.elem, N._Prim) and node.charsize == 2 and not node.fixed:
                raw = bufgen.multi_sz(rng) if rng.random() < 0.9 else \
                    bufgen.wstr_bytes(self._str(), rng.random() < 0.5)
                raw += b'\0' * (len(raw) % 2)
                return list(struct.unpack('<%dH' % (len(raw) // 2), raw))
            if node.fixed and not node.varying:
                return [self.value(node.elem, path, depth + 1, ctx) for _ in range(node.fixed)]
            hi = 0 if depth > 6 else (2 if depth > 3 else 4)
            n = rng.randint(0, hi)
            if node.fixed:
                n = min(n, node.fixed)
            return [self.value(node.elem, '%s[]' % path, depth + 1, ctx) for _ in range(n)]
        if isinstance(node, N._Struct) and node.name == 'NOTIFY_FILTER_AND_TYPE_RPC' and \
                rng.random() < 0.85:
            if rng.random() < 0.5:
                (otype, flag), ctx['notify_shape'] = rng.choice(list(NOTIFY_PAIRS.items()))
            else:
                otype, flag = rng.choice(range(1, 17)), 1 << rng.choice(range(0, 24))
                ctx['notify_shape'] = None
                if rng.random() < 0.1:
                    flag = rng.getrandbits(64) - (1 << 63)
            return {'dwObjectType': otype, 'FilterFlags': flag}
        if isinstance(node, N._Struct):
            skip = corr_vars([m.node for m in node.members])
            d = {}
            for m in node.members:
                if m.name in skip:
                    continue
                d[m.name] = self.value(m.node, '%s.%s' % (node.name, m.name), depth + 1, ctx)
            return d
        return None

    def buffer(self, path, ctx):
        """Bytes for a byte-array parameter or member: by what it is."""
        rng = self.rng
        name = path.rsplit('.', 1)[-1]
        m = ctx['method']
        b = None
        if name in ('lpInBuffer', 'lpOutBuffer', 'inBuffer', 'outBuffer') and \
                ctx['opnum'] in CTL_METHODS:
            fmt = ctx['in_fmt'] if name == 'lpInBuffer' else ctx['out_fmt']
            if rng.random() < 0.1:
                fmt = rng.choice(list({r[3] for r in self.ctl} | {r[4] for r in self.ctl}))
            b = bufgen.ctl_buffer(rng, fmt)
        elif name in ('Properties', 'RoProperties'):
            b = bufgen.property_list(rng)
        elif name in ('pProperties', 'pRoProperties'):
            b = bufgen.Buf()
            b.raw(bufgen.multi_sz(rng), 'str')
        elif name == 'lpInBuffer':          # Online/Offline/Move ...Ex: a PROPERTY_LIST
            b = bufgen.property_list(rng)
        elif name == 'lpData' and m in ('ApiExecuteBatch', 'ApiGetBatchNotification'):
            b = bufgen.batch_update(rng)
        elif name in ('lpInData', 'lpOutData'):
            b = bufgen.batch_update(rng, read=True)
        elif name == 'lpData':
            b = bufgen.reg_data(rng, ctx.setdefault('reg_type', rng.choice(bufgen.REG_TYPES)))
        elif name == 'lpSecurityDescriptor':
            b = bufgen.security_descriptor(rng)
        elif name == 'buffer':               # NOTIFICATION_DATA_RPC
            b = bufgen.notify_payload(rng, ctx.get('notify_shape'))
        else:
            b = bufgen.random_buffer(rng)
        if rng.random() < self.hostile:
            bufgen.corrupt(rng, b)
        ctx['buffers'] += 1
        return b.bytes()

    def values(self, codec, m, ctx):
        plan = codec.plan(m)
        skip = corr_vars([node for _, node, _, _ in plan.params])
        vals = {}
        for d, node, _, _ in plan.params:
            if d.name in skip or isinstance(node, N._Skip):
                continue
            if d.name == 'dwControlCode':
                vals[d.name] = ctx['code']
                continue
            if d.name in ('dwType', 'lpType', 'lpValueType') and m.opnum in (32, 34, 36):
                ctx['reg_type'] = self.rng.choice(bufgen.REG_TYPES)
                vals[d.name] = ctx['reg_type']
                continue
            vals[d.name] = self.value(node, '%s.%s' % (m.name, d.name), 0, ctx)
        if plan.ret is not None:
            vals['_return'] = self.rng.choice([0, 0, 0, 0, 234, 5, 5007]) \
                if isinstance(plan.ret, N._Prim) else self.value(plan.ret, '_return', 0, ctx)
        return vals

    def pick_code(self, opnum):
        rng = self.rng
        want = OBJ_OF_OPNUM.get(opnum)
        rows = [r for r in self.ctl if OBJ_NAMES.get(r[2]) == want] or self.ctl
        r = rng.random()
        if r < 0.45:
            # a format first, so the rare formats (one or two codes each) are tried as often
            fmts = sorted({x[3] for x in rows} | {x[4] for x in rows})
            f = rng.choice(fmts)
            row = rng.choice([x for x in rows if f in (x[3], x[4])])
        elif r < 0.85:
            row = rng.choice(rows)
        elif r < 0.93:
            row = rng.choice(self.ctl)
        else:
            code = rng.choice([rng.getrandbits(32), 0x00400000 | rng.getrandbits(22),
                               0x00100000 | rng.getrandbits(20), 0])
            return code, 'UNKNOWN', 'UNKNOWN'
        return row[1], row[3], row[4]

    # calls --------------------------------------------------------------------------------------

    def raw_call(self):
        """Any opnum (unused, not_on_wire, beyond the table, v3-only over v2) with random stubs."""
        rng = self.rng
        version = 2 if rng.random() < 0.3 else 3
        opnum = rng.choice([rng.randrange(300), 140, 141, 148, 154, 185, 186, 255, 0xffff])
        req = rng.randbytes(rng.choice([0, 1, 4, 8, 20, 64]))
        rsp = rng.randbytes(rng.choice([0, 4, 8, 24]))
        self.count += 1
        return Call(opnum, version, version == 3 and rng.random() < 0.3, req, rsp,
                    'raw opnum %d v%d' % (opnum, version))

    def call(self, opnum=None, version=None, ndr64=None, hostile=True):
        rng = self.rng
        if opnum is None and hostile and rng.random() < 0.02:
            return self.raw_call()
        if version is None:
            version = 2 if rng.random() < 0.1 else 3
        if ndr64 is None:
            ndr64 = version == 3 and rng.random() < 0.35
        codec = self.codecs[version]
        if opnum is None:
            pool = self.methods[version]
            if rng.random() < 0.7:
                pool = [m for m in pool if m.opnum in HOT] or pool
            m = rng.choice(pool)
        else:
            m = codec.method(opnum)
        ctx = {'method': m.name, 'opnum': m.opnum, 'buffers': 0}
        if m.opnum in CTL_METHODS:
            ctx['code'], ctx['in_fmt'], ctx['out_fmt'] = self.pick_code(m.opnum)
        saved = self.hostile
        if not hostile:
            self.hostile = 0
        try:
            for _ in range(5):
                vals = self.values(codec, m, ctx)
                try:
                    req = codec.encode_request(
                        m, {k: v for k, v in vals.items() if k != '_return'}, ndr64)
                    rsp = codec.encode_response(m, vals, ndr64)
                    break
                except N.NdrError:
                    continue
            else:
                return None
        finally:
            self.hostile = saved
        note = '%s v%d %s' % (m.name, version, 'ndr64' if ndr64 else 'ndr')
        if hostile and rng.random() < self.ndr_mut:
            which = rng.random()
            if which < 0.45:
                req = self.ndr_mutate(codec, m.opnum, req, ndr64, True)
                note += ' req-ndr'
            elif which < 0.9:
                rsp = self.ndr_mutate(codec, m.opnum, rsp, ndr64, False)
                note += ' rsp-ndr'
            else:
                req = self.ndr_mutate(codec, m.opnum, req, ndr64, True)
                rsp = self.ndr_mutate(codec, m.opnum, rsp, ndr64, False)
                note += ' both-ndr'
        r = rng.random()
        if r < 0.03:
            rsp = None                      # a request without its response
            note += ' no-rsp'
        elif r < 0.05:
            req = None                      # a response whose request was not captured
            note += ' no-req'

        big_endian = version == 3 and rng.random() < 0.06
        if big_endian:
            note += ' drep-BE'
            if rng.random() < 0.7:          # also byte-swap the integers the codec reads
                if req is not None:
                    req = swap_ints(codec, m.opnum, req, ndr64, True)
                if rsp is not None:
                    rsp = swap_ints(codec, m.opnum, rsp, ndr64, False)
                note += '-swapped'
        self.count += 1
        return Call(m.opnum, version, ndr64, req, rsp, note, big_endian)

    def ndr_mutate(self, codec, opnum, stub, ndr64, request):
        rng = self.rng
        fields = int_fields(codec, opnum, stub, ndr64, request)
        b = bytearray(stub)
        for _ in range(rng.choice([1, 1, 2, 3])):
            r = rng.random()
            refs = [f for f in fields if f[2] == 'count' and f[1] >= 4 and
                    (int.from_bytes(b[f[0]:f[0] + f[1]], 'little') & 0xffff0003) == 0x00020000]
            if len(refs) >= 2 and r < 0.08:
                # the same referent twice ([ptr] full pointers alias), or a referent set to 0
                a, c = rng.sample(refs, 2)
                if a[0] + a[1] <= len(b) and c[0] + c[1] <= len(b):
                    b[c[0]:c[0] + c[1]] = b[a[0]:a[0] + a[1]] if rng.random() < 0.8 \
                        else bytes(c[1])
            elif fields and r < 0.75:
                counts = [f for f in fields if f[2] == 'count']
                pool = counts if counts and rng.random() < 0.7 else fields
                off, size, kind, path = rng.choice(pool)
                if off + size > len(b):
                    continue
                old = int.from_bytes(b[off:off + size], 'little')
                new = bufgen.interesting(rng, size, old, len(b) - off - size)
                if ndr64 and size == 8 and rng.random() < 0.3:
                    new = rng.choice([0xffffffff, 0x100000000, 0x7fffffffffffffff,
                                      0xffffffffffffffff, 1 << 40])
                b[off:off + size] = new.to_bytes(size, 'little')
            elif r < 0.85 and len(b) > 1:
                del b[rng.randrange(len(b)):]
            elif r < 0.92:
                pos = rng.randrange(len(b) + 1)
                b[pos:pos] = rng.choice([b'\0' * rng.choice([1, 2, 4, 8]), rng.randbytes(4),
                                         b'\xff' * 4])
            elif b:
                pos = rng.randrange(len(b))
                b[pos] ^= 1 << rng.randrange(8)
        return bytes(b)


# -- pcaps ----------------------------------------------------------------------------------------

def _pdu(ptype, cid, ctx_id, opnum, chunk, flags, alloc_hint, big_endian):
    """A connection-oriented request (ptype 0) or response (2) PDU. big_endian: drep[0] = 0, the
    header integers big-endian (the stub bytes are the caller's)."""
    if not big_endian:
        if ptype == pcapbuild.PTYPE_REQUEST:
            return pcapbuild.co_request(cid, ctx_id, opnum, chunk, flags, alloc_hint)
        return pcapbuild.co_response(cid, ctx_id, chunk, flags, alloc_hint)
    if ptype == pcapbuild.PTYPE_REQUEST:
        body = struct.pack('>IHH', alloc_hint, ctx_id, opnum) + chunk
    else:
        body = struct.pack('>IHBx', alloc_hint, ctx_id, 0) + chunk
    return struct.pack('>BBBB4sHHI', 5, 0, ptype, flags, b'\x00\0\0\0', 16 + len(body), 0,
                       cid) + body


def _tcp_call(conv, call, max_frag):
    """TcpConversation.call, also for a missing request and big-endian PDUs."""
    cid = conv.call_id
    conv.call_id += 1
    for from_client, stub, ptype in ((True, call.req, 0), (False, call.rsp, 2)):
        if stub is None:
            continue
        conv._frags(from_client, cid, stub, max_frag,
                    lambda fl, chunk, stub=stub, ptype=ptype: _pdu(
                        ptype, cid, conv.ctx_id, call.opnum & 0xffff, chunk, fl, len(stub),
                        call.big_endian))


def _udp_call(conv, call):
    seq = conv.seq
    conv.seq += 1
    for from_client, stub, ptype in ((True, call.req, 0), (False, call.rsp, 2)):
        if stub is not None:
            conv.send(from_client, pcapbuild.cl_pdu(ptype, pcapbuild.CLUSAPI_UUID, conv.activity,
                                                    seq, call.opnum & 0xffff, stub[:60000]))


def write_pcap(calls, path, per_conv=64):
    """Frame calls into a pcap: one TCP conversation per (NDR/NDR64, byte order) and up to
    per_conv calls, UDP for v2. Stubs over 4 KiB are split into DCE/RPC fragments."""
    b = pcapbuild.PcapBuilder()
    port = [50000]

    def new_conv(ndr64):
        port[0] += 1
        c = b.tcp_conversation(client_port=port[0], server_port=5555)
        c.bind(ndr64=ndr64)
        return c

    convs = {}
    used = {}
    udp = None
    for call in calls:
        if call is None:
            continue
        if call.version == 2:
            if udp is None:
                udp = b.udp_conversation()
            _udp_call(udp, call)
            continue
        key = (call.ndr64, call.big_endian)
        if key not in convs or used[key] >= per_conv:
            convs[key] = new_conv(call.ndr64)
            used[key] = 0
        used[key] += 1
        big = max(len(call.req or b''), len(call.rsp or b''))
        _tcp_call(convs[key], call, 4096 if big > 4096 else None)
    b.write(path)
    os.chmod(path, 0o644)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--count', type=int, default=200, help='calls (request + response) in all')
    ap.add_argument('--batch', type=int, default=200, help='calls per pcap')
    ap.add_argument('--out', required=True)
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    g = Generator(a.seed)
    calls = []
    n = 0
    while n < a.count:
        c = g.call()
        if c is None:
            continue
        calls.append(c)
        n += 1
        if len(calls) == a.batch:
            print(write_pcap(calls, os.path.join(a.out, 'mut-%d-%d.pcap' % (a.seed, n))))
            calls = []
    if calls:
        print(write_pcap(calls, os.path.join(a.out, 'mut-%d-%d.pcap' % (a.seed, n))))


if __name__ == '__main__':
    main()
