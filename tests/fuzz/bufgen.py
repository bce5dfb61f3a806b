"""Builders for the custom-marshaled ClusAPI buffers that remember where every field is.

Each builder writes into a Buf, which records the offset, size and kind of every length, count,
syntax, offset and string it writes. mutate.py then corrupts exactly those fields (and cuts,
splices, nests) before the buffer is put into an NDR stub, so the NDR framing around the buffer
stays consistent and the corruption reaches the plugin's buffer decoders.

Field kinds: 'count' (element counts), 'size' (byte lengths), 'syntax' (CLUSPROP syntax words),
'offset' (self-relative offsets), 'str' (a string's bytes, terminator included), 'int' (other
integers), 'type' (type/format selectors: registry value type, batch command, DISKID type).

Python 3 stdlib only. Formats: MS-CMRP 2.2.3.x; the syntax list mirrors
idl/types.idl (CLUSTER_PROPERTY_SYNTAX).
"""
import os
import struct
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(_HERE))

# -- syntaxes -----------------------------------------------------------------------------------

SYNTAX_ENDMARK = 0x00000000
SYNTAX_NAME = 0x00040003
KNOWN_SYNTAXES = [
    0x00010001, 0x00010002, 0x00010003, 0x00010004, 0x00010005, 0x00010006, 0x00010007,
    0x00010008, 0x00010009, 0x0001000a, 0x0001000b, 0x0001000c, 0x0001000e,
    0x00020002, 0x00040003, 0x00050002, 0x00060002, 0x00070002, 0x00080001, 0x00090001,
    0x000a0003, 0x000b0003, 0x000c0006, 0x000d0001, 0x000e0001, 0x000f0001,
]
# user-defined types/formats (type 0x8000 or format 0x8000), and the two list formats
USER_SYNTAXES = [0x8000000d, 0x8000000e, 0x80000003, 0x80000002, 0x00018000, 0x80008000,
                 0x0001000d, 0x8000ffff]
ODD_SYNTAXES = [0x00010000, 0x0001000f, 0x00011234, 0x00030003, 0xffffffff, 0x7fffffff,
                0x00000001, 0x00100001]

PARTITION_INFO_LEN = 1120
PARTITION_INFO_EX_LEN = 1160
PARTITION_INFO_EX2_LEN = 1700
CSV_VOLUME_INFO_LEN = 640


class Buf:
    """Bytes plus a list of (offset, size, kind) for every field worth corrupting."""

    def __init__(self):
        self.b = bytearray()
        self.fields = []

    def __len__(self):
        return len(self.b)

    def _int(self, fmt, size, v, kind):
        if kind:
            self.fields.append((len(self.b), size, kind))
        self.b += struct.pack(fmt, v & ((1 << (8 * size)) - 1))

    def u8(self, v, kind=None):
        self._int('<B', 1, v, kind)

    def u16(self, v, kind=None):
        self._int('<H', 2, v, kind)

    def u32(self, v, kind=None):
        self._int('<I', 4, v, kind)

    def u64(self, v, kind=None):
        self._int('<Q', 8, v, kind)

    def raw(self, data, kind=None):
        if kind and len(data):
            self.fields.append((len(self.b), len(data), kind))
        self.b += bytes(data)

    def buf(self, other):
        """Append another Buf, keeping its fields (shifted)."""
        base = len(self.b)
        self.b += other.b
        self.fields += [(o + base, s, k) for o, s, k in other.fields]

    def pad4(self):
        self.b += b'\0' * (-len(self.b) % 4)

    def at(self, off, size):
        return int.from_bytes(self.b[off:off + size], 'little')

    def set(self, off, size, v):
        self.b[off:off + size] = (v & ((1 << (8 * size)) - 1)).to_bytes(size, 'little')

    def bytes(self):
        return bytes(self.b)


# -- strings ------------------------------------------------------------------------------------

ALPHABET = ('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.\\%'
            '\u00e9\u00fc\u4e2d\u0416')


def rand_text(rng, lo=0, hi=12):
    n = rng.randint(lo, hi)
    s = ''.join(rng.choice(ALPHABET) for _ in range(n))
    r = rng.random()
    if r < 0.03:
        s += '\U0001F600'            # a surrogate pair
    elif r < 0.05:
        s += '\ud800'                # a lone surrogate
    elif r < 0.07:
        s = '%SystemRoot%\\' + s
    return s


def wstr_bytes(s, terminate=True):
    b = s.encode('utf-16-le', 'surrogatepass')
    return b + (b'\0\0' if terminate else b'')


def put_wstr(buf, rng, s=None, terminate=None):
    if s is None:
        s = rand_text(rng)
    if terminate is None:
        terminate = rng.random() > 0.05
    data = wstr_bytes(s, terminate)
    if rng.random() < 0.03 and data:
        data = data[:-1]             # odd length
    buf.raw(data, 'str')
    return len(data)


def multi_sz(rng, n=None):
    if n is None:
        n = rng.randint(0, 4)
    b = b''.join(wstr_bytes(rand_text(rng, 0 if rng.random() < 0.1 else 1, 10)) for _ in range(n))
    r = rng.random()
    if r < 0.85:
        b += b'\0\0'
    elif r < 0.9 and b:
        b = b[:-1]
    return b


# -- PROPERTY_LIST and value lists (2.2.3.10) ---------------------------------------------------

def value_data(rng, syntax, depth, flags=0):
    """A Buf with the data of one value of `syntax` (mostly right for it, sometimes not)."""
    d = Buf()
    fmt = syntax & 0xffff
    typ = syntax >> 16
    if rng.random() < 0.05:
        d.raw(rng.randbytes(rng.choice([0, 1, 2, 3, 5, 7, 9, 17])))
        return d
    if syntax == 0x00060002:
        d.raw(bytes(rng.randrange(256) for _ in range(4)))
    elif syntax in (0x00080001, 0x000d0001, 0x000e0001):
        want = {0x00080001: PARTITION_INFO_LEN, 0x000d0001: PARTITION_INFO_EX_LEN,
                0x000e0001: PARTITION_INFO_EX2_LEN}[syntax]
        if rng.random() < 0.2:
            want += rng.choice([-4, -1, 1, 4, 520])
        d.raw(partition_blob(rng, max(0, want)))
    elif syntax == 0x000c0006:
        d.u64(rng.getrandbits(64), 'int')
    elif fmt in (0x0002, 0x0007):
        d.u32(rng.getrandbits(32), 'int')
    elif fmt == 0x000b:
        d.u16(rng.getrandbits(16), 'int')
    elif fmt in (0x0006, 0x000a, 0x000c):
        d.u64(rng.choice([0, 1, rng.getrandbits(64), 0x01d9c0e2d4a6b800, 0xffffffffffffffff]),
              'int')
    elif fmt in (0x0003, 0x0004, 0x0008):
        put_wstr(d, rng)
    elif fmt == 0x0005:
        d.raw(multi_sz(rng), 'str')
    elif fmt == 0x0009:
        d.buf(security_descriptor(rng))
    elif fmt == 0x000d:
        if depth < 24:
            for _ in range(rng.randint(0, 2)):
                d.buf(value_list(rng, depth + 1, flags, nvalues=rng.randint(0, 3)))
    elif fmt == 0x000e:
        if depth < 24:
            d.buf(property_list(rng, depth + 1, flags, nprops=rng.randint(0, 3)))
    elif fmt == 0x0001:
        if flags & 2 and typ == 1 and rng.random() < 0.6:
            d.raw(csv_volume_info(rng))
        else:
            d.raw(rng.randbytes(rng.choice([0, 1, 4, 8, 16, 33])))
    else:
        d.raw(rng.randbytes(rng.choice([0, 1, 4, 8])))
    return d


def pick_syntax(rng, nested_ok=True):
    r = rng.random()
    if r < 0.8:
        s = rng.choice(KNOWN_SYNTAXES)
    elif r < 0.93:
        s = rng.choice(USER_SYNTAXES)
    else:
        s = rng.choice(ODD_SYNTAXES)
    if not nested_ok and (s & 0xffff) in (0x000d, 0x000e):
        s = 0x00010002
    return s


def value_entry(rng, depth, flags=0, syntax=None):
    if syntax is None and flags & 2 and rng.random() < 0.5:
        syntax = 0x00010001              # CSV volume lists: binary CLUS_CSV_VOLUME_INFO values
    if syntax is None:
        syntax = pick_syntax(rng, depth < 24)
    data = value_data(rng, syntax, depth, flags)
    e = Buf()
    e.u32(syntax, 'syntax')
    e.u32(len(data), 'size')
    e.buf(data)
    e.pad4()
    return e


def value_list(rng, depth=0, flags=0, nvalues=None, endmark=True):
    b = Buf()
    if nvalues is None:
        nvalues = rng.randint(0, 4)
    for _ in range(nvalues):
        b.buf(value_entry(rng, depth, flags))
    if endmark:
        b.u32(SYNTAX_ENDMARK, 'syntax')
    return b


def property(rng, depth, flags=0, name=None, nvalues=None):
    p = Buf()
    p.u32(SYNTAX_NAME, 'syntax')
    nb = Buf()
    put_wstr(nb, rng, name)
    p.u32(len(nb), 'size')
    p.buf(nb)
    p.pad4()
    if nvalues is None:
        nvalues = rng.choice([1, 1, 1, 2, 3, 0])
    for _ in range(nvalues):
        syntax = None
        if flags & 1 and rng.random() < 0.7:
            syntax = 0x0001000b          # format lists: LIST_VALUE_WORD
        p.buf(value_entry(rng, depth, flags, syntax))
    p.u32(SYNTAX_ENDMARK, 'syntax')
    return p


def property_list(rng, depth=0, flags=0, nprops=None, trailing_endmark=None):
    b = Buf()
    if nprops is None:
        nprops = rng.choice([0, 1, 2, 3, 5, 8])
    b.u32(nprops, 'count')
    for _ in range(nprops):
        b.buf(property(rng, depth, flags))
    if trailing_endmark if trailing_endmark is not None else rng.random() < 0.2:
        b.u32(SYNTAX_ENDMARK, 'syntax')
    return b


def nested_property_list(rng, levels, flags=0):
    """A PROPERTY_LIST whose one property holds a LIST_VALUE_PROPERTY_LIST holding ...,
    `levels` deep."""
    inner = property_list(rng, 0, flags, nprops=1)
    for _ in range(levels):
        b = Buf()
        b.u32(1, 'count')
        b.u32(SYNTAX_NAME, 'syntax')
        nb = Buf()
        put_wstr(nb, rng, 'n', True)
        b.u32(len(nb), 'size')
        b.buf(nb)
        b.pad4()
        b.u32(rng.choice([0x0001000e, 0x8000000e]), 'syntax')
        b.u32(len(inner), 'size')
        b.buf(inner)
        b.pad4()
        b.u32(SYNTAX_ENDMARK, 'syntax')
        inner = b
    return inner


# -- fixed structures ----------------------------------------------------------------------------

def fixed_wstr(rng, nbytes):
    data = wstr_bytes(rand_text(rng, 0, 20))[:nbytes]
    if rng.random() < 0.1:
        data = ('X' * nbytes).encode('utf-16-le')[:nbytes]      # no terminator
    return data + b'\0' * (nbytes - len(data))


def partition_blob(rng, n):
    b = bytearray(rng.randbytes(4))
    for width in (520, 520):
        b += fixed_wstr(rng, width)
    b += rng.randbytes(12) + fixed_wstr(rng, 64)
    b += rng.randbytes(40) + rng.randbytes(16) + fixed_wstr(rng, 520) + rng.randbytes(4)
    b = bytes(b[:n])
    return b + rng.randbytes(max(0, n - len(b)))


def csv_volume_info(rng):
    return rng.randbytes(20) + fixed_wstr(rng, 520) + fixed_wstr(rng, 100)


def sid(rng, nsub=None):
    if nsub is None:
        nsub = rng.choice([0, 1, 2, 5, 15, 16, 255])
    b = Buf()
    b.u8(1)
    b.u8(nsub, 'count')
    b.raw(b'\0\0\0\0\0\x05')
    for _ in range(min(nsub, 6)):
        b.u32(rng.getrandbits(32))
    return b


def acl(rng):
    aces = Buf()
    n = rng.randint(0, 4)
    for _ in range(n):
        a = Buf()
        typ = rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 8, 0x0b, 0x0f, 0x11, 0xff])
        body = Buf()
        body.u32(rng.getrandbits(32))
        if typ in (5, 6, 7, 8, 0x0b, 0x0c, 0x0f, 0x10):
            fl = rng.randrange(4)
            body.u32(fl, 'int')
            if fl & 1:
                body.raw(rng.randbytes(16))
            if fl & 2:
                body.raw(rng.randbytes(16))
        body.buf(sid(rng))
        a.u8(typ, 'type')
        a.u8(rng.randrange(256))
        a.u16(4 + len(body), 'size')
        a.buf(body)
        aces.buf(a)
    b = Buf()
    b.u8(2)
    b.u8(0)
    b.u16(8 + len(aces), 'size')
    b.u16(n, 'count')
    b.u16(0)
    b.buf(aces)
    return b


def security_descriptor(rng):
    owner, group, sacl, dacl = sid(rng, 2), sid(rng, 1), acl(rng), acl(rng)
    control = 0x8000 | rng.choice([0, 0x4, 0x10, 0x14])
    b = Buf()
    off = 20
    offs = []
    for part in (owner, group, sacl, dacl):
        offs.append(off)
        off += len(part)
    b.u8(1)
    b.u8(0)
    b.u16(control, 'int')
    for o in offs:
        b.u32(o, 'offset')
    for part in (owner, group, sacl, dacl):
        b.buf(part)
    return b


# -- control-code buffers by format (plugin/packet-cmrp-ctl.h CMRP_FMT_*) -------------------------

FIXED_LEN = {
    'RESCLASS_INFO': 8, 'NETNAME_PWD_INFO': 568, 'STORAGE_SET_DRIVELETTER': 8,
    'STORAGE_REMAP_DRIVELETTER': 8, 'CSV_MAINT_MODE_INFO': 524, 'SV_BACKUP_MODE': 528,
    'POOL_DRIVE_INFO': 2600, 'NETNAME_OU_INPUT': 24, 'SR_QUERY_LOGDISKS': 20,
    'SR_QUERY_TARGET_DATADISKS': 20, 'SR_QUERY_SOURCE_DATADISKS': 20, 'DISK_NUMBER_INFO': 8,
    'STATE_CHANGE_REASON': 12, 'GROUP_FAILURE_INFO': 12,
}
# offsets of UTF-16 strings inside the fixed structures (offset, bytes)
FIXED_STRINGS = {
    'NETNAME_PWD_INFO': [(4, 32), (36, 516)], 'CSV_MAINT_MODE_INFO': [(4, 520)],
    'SV_BACKUP_MODE': [(8, 520)], 'POOL_DRIVE_INFO': [(0, 512), (552, 2048)],
}


def ctl_buffer(rng, fmt, depth=0):
    """A Buf for a control-code buffer of format `fmt` (the ctlcodes.tsv name)."""
    b = Buf()
    if fmt in ('PROPLIST', 'PROPFMTLIST'):
        if rng.random() < 0.04:
            b.buf(nested_property_list(rng, rng.choice([3, 8, 15, 16, 17, 30])))
        else:
            b.buf(property_list(rng, depth, 1 if fmt == 'PROPFMTLIST' else 0))
    elif fmt in ('VALUELIST', 'CSV_VOLUME_LIST'):
        for _ in range(rng.randint(1, 3)):
            b.buf(value_list(rng, depth, 2 if fmt == 'CSV_VOLUME_LIST' else 0))
    elif fmt == 'SZ':
        put_wstr(b, rng)
        if rng.random() < 0.2:
            b.raw(b'\0' * rng.randint(1, 8))
    elif fmt == 'MULTI_SZ':
        b.raw(multi_sz(rng), 'str')
    elif fmt.startswith('DWORD') and fmt != 'DWORD_ARRAY':
        b.u32(rng.getrandbits(32), 'int')
    elif fmt == 'DWORD_ARRAY':
        for _ in range(rng.randint(0, 6)):
            b.u32(rng.getrandbits(32), 'int')
    elif fmt == 'MAINT_MODE_INFO':
        b.u32(rng.randrange(2), 'int')
        if rng.random() < 0.6:
            b.u32(rng.randrange(4), 'int')
            b.u32(rng.randrange(4), 'int')
            b.u32(0xABBAF00F if rng.random() < 0.7 else rng.getrandbits(32), 'int')
    elif fmt == 'DISKID':
        t = rng.choice([1, 2, 2, 0, 3])
        b.u32(t, 'type')
        b.raw(rng.randbytes(16))
    elif fmt == 'NETNAME_OU_OUTPUT':
        b.u32(rng.randrange(2), 'int')
        b.u32(rng.randrange(2), 'int')
        s = wstr_bytes(rand_text(rng, 0, 30))
        b.u32(len(s), 'size')
        b.raw(s, 'str')
    elif fmt in ('SR_ELIGIBLE_DISKS_RESULT', 'SR_REPLICATED_DISKS_RESULT'):
        elem = 556 if fmt == 'SR_REPLICATED_DISKS_RESULT' else 16
        n = rng.randint(0, 3)
        b.u16(n, 'count')
        b.u16(0)
        for _ in range(n):
            if elem == 16:
                b.raw(rng.randbytes(16))
            else:
                b.u32(rng.randrange(4), 'type')
                b.raw(rng.randbytes(32))
                b.raw(fixed_wstr(rng, 520), 'str')
    elif fmt == 'MEMBERSHIP_INFO':
        n = rng.randint(0, 8)
        b.u8(rng.randrange(2))
        b.u32(n, 'size')
        b.raw(rng.randbytes(n))
    elif fmt == 'OS_VERSION_INFO':
        s1, s2 = wstr_bytes(rand_text(rng)), wstr_bytes(rand_text(rng))
        b.u32(len(s1) // 2, 'size')
        b.u32(len(s2) // 2, 'size')
        b.raw(s1, 'str')
        b.raw(s2, 'str')
    elif fmt == 'SECURITY_DESCRIPTOR':
        b.buf(security_descriptor(rng))
    elif fmt in FIXED_LEN:
        n = FIXED_LEN[fmt]
        r = rng.random()
        if r < 0.15:
            n = max(0, n + rng.choice([-8, -4, -2, -1, 1, 2, 4, 8, 16]))
        elif r < 0.25:
            n *= rng.choice([2, 3])            # arrays of the structure (pool drives, ...)
        data = bytearray(rng.randbytes(n))
        for off, width in FIXED_STRINGS.get(fmt, []):
            if off + width <= n:
                data[off:off + width] = fixed_wstr(rng, width)
        b.raw(bytes(data))
        for off, width in FIXED_STRINGS.get(fmt, []):
            if off + width <= n:
                b.fields.append((off, width, 'str'))
    elif fmt == 'NONE':
        if rng.random() < 0.3:
            b.raw(rng.randbytes(rng.randint(1, 8)))
    else:   # UNKNOWN, INTERNAL, IGNORED
        b.raw(rng.randbytes(rng.choice([0, 1, 4, 16, 64])))
    return b


# -- registry data, batch updates, notification payloads -----------------------------------------

REG_TYPES = [0, 1, 2, 3, 4, 5, 7, 11, 6, 8, 9, 10, 0x12345678]


def reg_data(rng, reg_type):
    b = Buf()
    if reg_type in (1, 2, 6):
        put_wstr(b, rng)
    elif reg_type == 7:
        b.raw(multi_sz(rng), 'str')
    elif reg_type in (4, 5):
        b.u32(rng.getrandbits(32), 'int')
    elif reg_type == 11:
        b.u64(rng.getrandbits(64), 'int')
    else:
        b.raw(rng.randbytes(rng.choice([0, 1, 3, 4, 8, 20])))
    if rng.random() < 0.1 and len(b):
        b.b = b.b[:rng.randrange(len(b.b))]
        b.fields = [f for f in b.fields if f[0] + f[1] <= len(b.b)]
    return b


def batch_update(rng, read=False):
    """CLUSTER_REG_BATCH_UPDATE (2.2.3.17): version, then BATCH_UPDATE_COMMANDs."""
    b = Buf()
    b.u32(rng.choice([1, 1, 1, 0, 2]), 'int')
    for _ in range(rng.randint(0, 5)):
        cmd = rng.choice([1, 2, 3, 4, 6, 7, 8, 9, 0, 5, 0x100] if not read else [7, 8, 9, 1])
        vtype = rng.choice(REG_TYPES)
        b.u32(cmd, 'type')
        b.u32(vtype, 'type')
        nb = Buf()
        put_wstr(nb, rng)
        b.u32(len(nb), 'size')
        b.buf(nb)
        d = reg_data(rng, vtype) if cmd in (1, 8) or rng.random() < 0.2 else Buf()
        b.u32(len(d), 'size')
        b.buf(d)
        if len(d) % 2:
            b.raw(b'\0')
    return b


CSV_NAME = 520
CSV_STATE_LENS = [2 * CSV_NAME + 4, 3 * CSV_NAME + 4 + 16, 3 * CSV_NAME + 4 + 16 + 4]


def csv_state(rng, n=None):
    n = rng.choice(CSV_STATE_LENS) if n is None else n
    d = bytearray(rng.randbytes(n))
    for off in range(0, min(n, 3 * CSV_NAME), CSV_NAME):
        if off + CSV_NAME <= n and (off < 2 * CSV_NAME or n > 2 * CSV_NAME + 4):
            d[off:off + CSV_NAME] = fixed_wstr(rng, CSV_NAME)
    return bytes(d)


NOTIFY_SHAPES = {'proplist': 0.0, 'membership': 0.31, 'csv': 0.39, 'csv-bare': 0.47,
                 'string': 0.51, 'dword': 0.61, 'multisz': 0.71, 'other': 0.8}


def notify_payload(rng, shape=None):
    """NOTIFICATION_DATA_RPC.buffer: its layout depends on FilterAndType; try all the shapes
    (`shape` picks one of NOTIFY_SHAPES)."""
    r = NOTIFY_SHAPES[shape] if shape in NOTIFY_SHAPES and rng.random() < 0.75 else rng.random()
    if r < 0.3:
        return property_list(rng, 0)
    b = Buf()
    if r < 0.38:                      # CLUSTER_MEMBERSHIP_INFO
        n = rng.randint(0, 8)
        b.u8(rng.randrange(2))
        b.u32(n, 'size')
        b.raw(rng.randbytes(n))
    elif r < 0.46:                    # shared-volume state: a PROPERTY_LIST of binary states
        b.u32(1, 'count')
        nb = Buf()
        put_wstr(nb, rng)
        b.u32(SYNTAX_NAME, 'syntax')
        b.u32(len(nb), 'size')
        b.buf(nb)
        b.pad4()
        for _ in range(rng.randint(1, 2)):
            st = csv_state(rng)
            b.u32(0x00010001, 'syntax')
            b.u32(len(st), 'size')
            b.raw(st)
            b.pad4()
        b.u32(SYNTAX_ENDMARK, 'syntax')
    elif r < 0.5:
        b.raw(csv_state(rng))
    elif r < 0.6:
        put_wstr(b, rng)
    elif r < 0.7:
        b.u32(rng.getrandbits(32), 'int')
    elif r < 0.8:
        b.raw(multi_sz(rng), 'str')
    elif r < 0.9:
        b.u64(rng.getrandbits(64), 'int')
        b.u32(rng.getrandbits(32), 'int')
    else:
        b.raw(rng.randbytes(rng.choice([1, 3, 8, 40])))
    return b


def random_buffer(rng):
    return ctl_buffer(rng, rng.choice(['PROPLIST', 'VALUELIST', 'SZ', 'MULTI_SZ', 'DWORD',
                                       'SECURITY_DESCRIPTOR', 'UNKNOWN']))


# -- corrupting the recorded fields ----------------------------------------------------------------

def interesting(rng, size, old, room):
    """A hostile value for an integer field of `size` bytes holding `old`; `room` is the number
    of buffer bytes after the field."""
    top = (1 << (8 * size)) - 1
    cands = [0, 1, 2, 3, 4, top, top - 1, top >> 1, (top >> 1) + 1, old + 1, old - 1, old * 2,
             room, room + 1, room - 1, room + 4, room // 2, 0x10000, 0x7fff, 0x8000, 12, 640,
             1120, 1160, 1700, old ^ (1 << rng.randrange(8 * size))]
    return rng.choice(cands) & top


def corrupt(rng, buf, nmut=None):
    """Corrupt `buf` in place: 1-3 recorded fields, plus sometimes a cut, a splice or a
    byte flip."""
    if nmut is None:
        nmut = rng.choice([1, 1, 1, 2, 3])
    for _ in range(nmut):
        op = rng.random()
        if buf.fields and op < 0.7:
            off, size, kind = rng.choice(buf.fields)
            if off + size > len(buf.b):
                continue
            room = len(buf.b) - off - size
            if kind == 'syntax':
                s = pick_syntax(rng)
                if rng.random() < 0.15:
                    s = SYNTAX_ENDMARK
                buf.set(off, 4, s)
            elif kind == 'str':
                r = rng.random()
                if r < 0.4:
                    buf.b[off + size - 2:off + size] = b'AA'[:min(2, size)]   # drop the NUL
                elif r < 0.6:
                    buf.b[off:off + size] = b'\0' * size
                elif r < 0.8:
                    buf.b[off:off + size] = rng.randbytes(size)
                else:
                    buf.b[off:off + size] = b'\xff\xdf' * (size // 2) + b'\xd8' * (size % 2)
            elif kind == 'type':
                buf.set(off, size, rng.choice([0, 1, 2, 3, 4, 7, 8, 9, 11, 0xffffffff,
                                               rng.getrandbits(8 * size)]))
            else:
                buf.set(off, size, interesting(rng, size, buf.at(off, size), room))
        elif op < 0.8 and len(buf.b) > 1:
            cut = rng.randrange(len(buf.b))
            del buf.b[cut:]
            buf.fields = [f for f in buf.fields if f[0] + f[1] <= cut]
        elif op < 0.9:
            pos = rng.randrange(len(buf.b) + 1)
            ins = rng.choice([b'\0', b'\0\0\0\0', rng.randbytes(rng.randint(1, 7)),
                              struct.pack('<I', pick_syntax(rng))])
            buf.b[pos:pos] = ins
            buf.fields = [(o + len(ins) if o >= pos else o, s, k) for o, s, k in buf.fields]
        elif buf.b:
            pos = rng.randrange(len(buf.b))
            buf.b[pos] ^= 1 << rng.randrange(8)
    return buf


if __name__ == '__main__':
    import random
    r = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    pl = property_list(r)
    print(len(pl), pl.bytes().hex(), pl.fields[:10])
