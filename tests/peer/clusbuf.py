"""Builders and parsers for the custom-marshaled ClusAPI buffers (MS-CMRP 2.2.3.10 and friends).

These are the byte buffers that travel inside the NDR byte arrays of the control-code methods
(lpInBuffer / lpOutBuffer), of ApiCreateGroupEnum / ApiCreateResourceEnum (Properties,
RoProperties) and of the batch methods. NDR knows nothing about them; this module does.

PROPERTY_LIST (2.2.3.10):
    DWORD propertyCount
    propertyCount x Property Value (2.2.3.10.1):
        CLUSPROP_SYNTAX_NAME (4) | size (4) | name, null-terminated UTF-16 | pad to 4
        one to three value entries: syntax (4) | size (4) | data | pad to 4
        CLUSPROP_SYNTAX_ENDMARK (4)
    [optional trailing CLUSPROP_SYNTAX_ENDMARK: Samba's IDL expects one, the spec text does not;
     build_property_list(..., trailing_endmark=True) writes it, the parser accepts both]

Value list (used by CLUSCTL_*_GET_REQUIRED_DEPENDENCIES, storage controls, ...):
    value entries (syntax | size | data | pad) ... CLUSPROP_SYNTAX_ENDMARK

Everything is little-endian. Python 3 stdlib only.
"""
import struct

# ---------------------------------------------------------------------------------------------
# CLUSTER_PROPERTY_SYNTAX (2.2.2.3) = CLUSTER_PROPERTY_TYPE << 16 | CLUSTER_PROPERTY_FORMAT

# CLUSTER_PROPERTY_TYPE (2.2.2.1)
CLUSPROP_TYPE_ENDMARK = 0x0000
CLUSPROP_TYPE_LIST_VALUE = 0x0001
CLUSPROP_TYPE_RESCLASS = 0x0002
CLUSPROP_TYPE_NAME = 0x0004
CLUSPROP_TYPE_SIGNATURE = 0x0005
CLUSPROP_TYPE_SCSIADDRESS = 0x0006
CLUSPROP_TYPE_DISK_NUMBER = 0x0007
CLUSPROP_TYPE_PARTITION_INFO = 0x0008
CLUSPROP_TYPE_DISK_SERIALNUMBER = 0x000a
CLUSPROP_TYPE_DISK_GUID = 0x000b
CLUSPROP_TYPE_DISK_SIZE = 0x000c
CLUSPROP_TYPE_PARTITION_INFO_EX = 0x000d
CLUSPROP_TYPE_PARTITION_INFO_EX2 = 0x000e

# CLUSTER_PROPERTY_FORMAT (2.2.2.2)
CLUSPROP_FORMAT_UNKNOWN = 0x0000
CLUSPROP_FORMAT_BINARY = 0x0001
CLUSPROP_FORMAT_DWORD = 0x0002
CLUSPROP_FORMAT_SZ = 0x0003
CLUSPROP_FORMAT_EXPAND_SZ = 0x0004
CLUSPROP_FORMAT_MULTI_SZ = 0x0005
CLUSPROP_FORMAT_ULARGE_INTEGER = 0x0006
CLUSPROP_FORMAT_LONG = 0x0007
CLUSPROP_FORMAT_EXPANDED_SZ = 0x0008
CLUSPROP_FORMAT_SECURITY_DESCRIPTOR = 0x0009
CLUSPROP_FORMAT_LARGE_INTEGER = 0x000a
CLUSPROP_FORMAT_WORD = 0x000b
CLUSPROP_FORMAT_FILETIME = 0x000c

CLUSPROP_SYNTAX_ENDMARK = 0x00000000
CLUSPROP_SYNTAX_NAME = 0x00040003
CLUSPROP_SYNTAX_RESCLASS = 0x00020002
CLUSPROP_SYNTAX_LIST_VALUE_SZ = 0x00010003
CLUSPROP_SYNTAX_LIST_VALUE_EXPAND_SZ = 0x00010004
CLUSPROP_SYNTAX_LIST_VALUE_DWORD = 0x00010002
CLUSPROP_SYNTAX_LIST_VALUE_BINARY = 0x00010001
CLUSPROP_SYNTAX_LIST_VALUE_MULTI_SZ = 0x00010005
CLUSPROP_SYNTAX_LIST_VALUE_LONG = 0x00010007
CLUSPROP_SYNTAX_LIST_VALUE_EXPANDED_SZ = 0x00010008
CLUSPROP_SYNTAX_LIST_VALUE_SECURITY_DESCRIPTOR = 0x00010009
CLUSPROP_SYNTAX_LIST_VALUE_LARGE_INTEGER = 0x0001000a
CLUSPROP_SYNTAX_LIST_VALUE_ULARGE_INTEGER = 0x00010006
CLUSPROP_SYNTAX_LIST_VALUE_WORD = 0x0001000b
CLUSPROP_SYNTAX_LIST_VALUE_FILETIME = 0x0001000c
CLUSPROP_SYNTAX_DISK_SIGNATURE = 0x00050002
CLUSPROP_SYNTAX_SCSI_ADDRESS = 0x00060002
CLUSPROP_SYNTAX_DISK_NUMBER = 0x00070002
CLUSPROP_SYNTAX_PARTITION_INFO = 0x00080001
CLUSPROP_SYNTAX_DISK_SERIALNUMBER = 0x000a0003
CLUSPROP_SYNTAX_DISK_GUID = 0x000b0003
CLUSPROP_SYNTAX_DISK_SIZE = 0x000c0006
CLUSPROP_SYNTAX_PARTITION_INFO_EX = 0x000d0001
CLUSPROP_SYNTAX_PARTITION_INFO_EX2 = 0x000e0001

SYNTAX_NAMES = {v: k for k, v in globals().items()
                if k.startswith('CLUSPROP_SYNTAX_') and isinstance(v, int)}

# CLUSTER_RESOURCE_CLASS (CLUS_RESOURCE_CLASS_INFO.rc)
CLUS_RESCLASS_UNKNOWN = 0
CLUS_RESCLASS_STORAGE = 1
CLUS_RESCLASS_NETWORK = 2
CLUS_RESSUBCLASS_SHARED = 0x80000000
CLUS_RESSUBCLASS_STORAGE_SHARED_BUS = 0x80000000
CLUS_RESSUBCLASS_NETWORK_INTERNET_PROTOCOL = 0x80000000


class ClusBufError(ValueError):
    pass


# ---------------------------------------------------------------------------------------------
# Primitive encoders

def pad4(data):
    """data followed by zero bytes up to a multiple of 4."""
    return data + b'\0' * (-len(data) % 4)


def wstr(s):
    """A null-terminated UTF-16LE string."""
    return s.encode('utf-16-le') + b'\0\0'


def multi_sz(strings):
    """A MULTI_SZ (MS-DTYP 2.3.8): each string null-terminated, then one more null.
    An empty list gives a single null character pair followed by the final null."""
    if not strings:
        return b'\0\0\0\0'
    return b''.join(wstr(s) for s in strings) + b'\0\0'


def parse_wstr(data):
    """A UTF-16LE string up to the first null character (or the end)."""
    if len(data) % 2:
        data = data[:-1]
    s = data.decode('utf-16-le', errors='replace')
    i = s.find('\0')
    return s if i < 0 else s[:i]


def parse_multi_sz(data):
    """The strings of a MULTI_SZ, stopping at the empty string."""
    if len(data) % 2:
        data = data[:-1]
    out = []
    for part in data.decode('utf-16-le', errors='replace').split('\0'):
        if part == '':
            break
        out.append(part)
    return out


def filetime_from_unix(t):
    """A FILETIME integer (100 ns since 1601-01-01) for a Unix time."""
    return int((t + 11644473600) * 10000000)


# ---------------------------------------------------------------------------------------------
# One value entry: syntax | size | data | padding (2.2.3.10.1 PropertyValues)

def entry(syntax, data):
    """One syntax/size/data entry, padded to 4 bytes. `size` excludes the padding."""
    return struct.pack('<II', syntax, len(data)) + pad4(data)


def endmark():
    return struct.pack('<I', CLUSPROP_SYNTAX_ENDMARK)


# Builders for the data of each syntax. Each returns a list of (syntax, data) pairs: one pair,
# except EXPAND_SZ, which the spec says a server returns together with its EXPANDED_SZ form.

def v_sz(s):
    return [(CLUSPROP_SYNTAX_LIST_VALUE_SZ, wstr(s))]


def v_expand_sz(s, expanded=None):
    """EXPAND_SZ as stored, followed by EXPANDED_SZ with the environment variables replaced
    (2.2.2.3: a server returns both)."""
    if expanded is None:
        expanded = expand_env(s)
    return [(CLUSPROP_SYNTAX_LIST_VALUE_EXPAND_SZ, wstr(s)),
            (CLUSPROP_SYNTAX_LIST_VALUE_EXPANDED_SZ, wstr(expanded))]


def v_expand_sz_only(s):
    """EXPAND_SZ alone (what a client sends in a SET_*_PROPERTIES list)."""
    return [(CLUSPROP_SYNTAX_LIST_VALUE_EXPAND_SZ, wstr(s))]


def v_dword(v):
    return [(CLUSPROP_SYNTAX_LIST_VALUE_DWORD, struct.pack('<I', v & 0xffffffff))]


def v_long(v):
    return [(CLUSPROP_SYNTAX_LIST_VALUE_LONG, struct.pack('<i', v))]


def v_word(v):
    return [(CLUSPROP_SYNTAX_LIST_VALUE_WORD, struct.pack('<H', v & 0xffff))]


def v_binary(b):
    return [(CLUSPROP_SYNTAX_LIST_VALUE_BINARY, bytes(b))]


def v_multi_sz(strings):
    return [(CLUSPROP_SYNTAX_LIST_VALUE_MULTI_SZ, multi_sz(strings))]


def v_ularge(v):
    return [(CLUSPROP_SYNTAX_LIST_VALUE_ULARGE_INTEGER, struct.pack('<Q', v & 0xffffffffffffffff))]


def v_large(v):
    return [(CLUSPROP_SYNTAX_LIST_VALUE_LARGE_INTEGER, struct.pack('<q', v))]


def v_filetime(v):
    return [(CLUSPROP_SYNTAX_LIST_VALUE_FILETIME, struct.pack('<Q', v & 0xffffffffffffffff))]


def v_security_descriptor(sd):
    return [(CLUSPROP_SYNTAX_LIST_VALUE_SECURITY_DESCRIPTOR, bytes(sd))]


# How the mock writes the storage value lists. False (the bundled scenario captures): a RESCLASS
# value holds the SDK's 4-byte class. True (mockclusd --spec-storage, captures/scenario-storage):
# it holds a whole CLUS_RESOURCE_CLASS_INFO (class and subclass, MS-CMRP 3.1.4.3.1.5 / 2.2.3.7),
# and STORAGE_GET_DISK_INFO also answers the SDK-only FTSET_INFO and STORAGE_DEVICE_ID_DESCRIPTOR
# values and the disk's serial number, GUID and size.
STORAGE_SPEC = False


def v_resclass(rc, subclass=0):
    if STORAGE_SPEC:
        return [(CLUSPROP_SYNTAX_RESCLASS, struct.pack('<II', rc, subclass))]
    return [(CLUSPROP_SYNTAX_RESCLASS, struct.pack('<I', rc))]


CLUSPROP_SYNTAX_FTSET_INFO = 0x00090001
CLUSPROP_SYNTAX_STORAGE_DEVICE_ID_DESCRIPTOR = 0x000f0001


def v_ftset_info(root_signature, ft_type):
    """CLUS_FTSET_INFO (SDK ClusAPI.h): dwRootSignature, dwFtType."""
    return [(CLUSPROP_SYNTAX_FTSET_INFO, struct.pack('<II', root_signature, ft_type))]


def storage_identifier(code_set, id_type, association, ident, last=False):
    """STORAGE_IDENTIFIER (MS-CSVP 2.2.10): CodeSet, Type, IdentifierSize, NextOffset,
    Association, Identifier; NextOffset 0 for the last one."""
    return struct.pack('<IIHHI', code_set, id_type, len(ident), 0 if last else 16 + len(ident),
                       association) + ident


def v_storage_device_id(identifiers):
    """STORAGE_DEVICE_ID_DESCRIPTOR (MS-CSVP 2.2.9): Version 13, Size, NumberOfIdentifiers,
    then the STORAGE_IDENTIFIERs."""
    body = b''.join(identifiers)
    return [(CLUSPROP_SYNTAX_STORAGE_DEVICE_ID_DESCRIPTOR,
             struct.pack('<III', 13, 12 + len(body), len(identifiers)) + body)]


def v_name(s):
    """A CLUSPROP_SYNTAX_NAME entry (a property name, or a resource type name in a
    required-dependencies value list)."""
    return [(CLUSPROP_SYNTAX_NAME, wstr(s))]


def v_disk_signature(sig):
    return [(CLUSPROP_SYNTAX_DISK_SIGNATURE, struct.pack('<I', sig))]


def v_scsi_address(port, path_id, target_id, lun):
    """CLUS_SCSI_ADDRESS (2.2.3.8): PortNumber, PathId, TargetId, Lun (one byte each)."""
    return [(CLUSPROP_SYNTAX_SCSI_ADDRESS, struct.pack('<BBBB', port, path_id, target_id, lun))]


def v_disk_number(n):
    return [(CLUSPROP_SYNTAX_DISK_NUMBER, struct.pack('<I', n))]


def v_disk_serial(s):
    return [(CLUSPROP_SYNTAX_DISK_SERIALNUMBER, wstr(s))]


def v_disk_guid(s):
    return [(CLUSPROP_SYNTAX_DISK_GUID, wstr(s))]


def v_disk_size(v):
    return [(CLUSPROP_SYNTAX_DISK_SIZE, struct.pack('<Q', v))]


def partition_info(device_name, volume_label, serial, max_component_len=255,
                   fs_flags=0x3e706ff, fs_name='NTFS', flags=0x1):
    """CLUS_PARTITION_INFO (2.2.3.9): DWORD dwFlags, WCHAR szDeviceName[260],
    WCHAR szVolumeLabel[260], DWORD dwSerialNumber, DWORD rgdwMaximumComponentLength,
    DWORD dwFileSystemFlags, WCHAR szFileSystem[32] = 1124 bytes."""
    def fixed(s, n):
        b = s.encode('utf-16-le')[:2 * (n - 1)]
        return b + b'\0' * (2 * n - len(b))
    return (struct.pack('<I', flags) + fixed(device_name, 260) + fixed(volume_label, 260) +
            struct.pack('<III', serial, max_component_len, fs_flags) + fixed(fs_name, 32))


def v_partition_info(*args, **kw):
    return [(CLUSPROP_SYNTAX_PARTITION_INFO, partition_info(*args, **kw))]


def partition_info_ex(device_name, volume_label, serial, total_size, free_size,
                      device_number=1, partition_number=1, volume_guid=b'\0' * 16,
                      max_component_len=255, fs_flags=0x3e706ff, fs_name='NTFS', flags=0x1):
    """CLUS_PARTITION_INFO_EX (2.2.3.11): the CLUS_PARTITION_INFO fields, then
    ULARGE_INTEGER TotalSizeInBytes, ULARGE_INTEGER FreeSizeInBytes, DWORD DeviceNumber,
    DWORD PartitionNumber, GUID VolumeGuid. The ULARGE_INTEGERs are aligned to 8 (4 bytes of
    padding follow the 1124-byte CLUS_PARTITION_INFO part)."""
    base = partition_info(device_name, volume_label, serial, max_component_len, fs_flags,
                          fs_name, flags)
    base += b'\0' * (-len(base) % 8)
    return base + struct.pack('<QQII', total_size, free_size, device_number,
                              partition_number) + bytes(volume_guid)


def v_partition_info_ex(*args, **kw):
    return [(CLUSPROP_SYNTAX_PARTITION_INFO_EX, partition_info_ex(*args, **kw))]


# Python value -> value entries, by syntax.
BUILDERS = {
    CLUSPROP_SYNTAX_LIST_VALUE_SZ: v_sz,
    CLUSPROP_SYNTAX_LIST_VALUE_EXPAND_SZ: v_expand_sz,
    CLUSPROP_SYNTAX_LIST_VALUE_EXPANDED_SZ: lambda s: [(CLUSPROP_SYNTAX_LIST_VALUE_EXPANDED_SZ,
                                                        wstr(s))],
    CLUSPROP_SYNTAX_LIST_VALUE_DWORD: v_dword,
    CLUSPROP_SYNTAX_LIST_VALUE_LONG: v_long,
    CLUSPROP_SYNTAX_LIST_VALUE_WORD: v_word,
    CLUSPROP_SYNTAX_LIST_VALUE_BINARY: v_binary,
    CLUSPROP_SYNTAX_LIST_VALUE_MULTI_SZ: v_multi_sz,
    CLUSPROP_SYNTAX_LIST_VALUE_ULARGE_INTEGER: v_ularge,
    CLUSPROP_SYNTAX_LIST_VALUE_LARGE_INTEGER: v_large,
    CLUSPROP_SYNTAX_LIST_VALUE_FILETIME: v_filetime,
    CLUSPROP_SYNTAX_LIST_VALUE_SECURITY_DESCRIPTOR: v_security_descriptor,
    CLUSPROP_SYNTAX_RESCLASS: v_resclass,
    CLUSPROP_SYNTAX_NAME: v_name,
    CLUSPROP_SYNTAX_DISK_SIGNATURE: v_disk_signature,
    CLUSPROP_SYNTAX_DISK_NUMBER: v_disk_number,
    CLUSPROP_SYNTAX_DISK_SERIALNUMBER: v_disk_serial,
    CLUSPROP_SYNTAX_DISK_GUID: v_disk_guid,
    CLUSPROP_SYNTAX_DISK_SIZE: v_disk_size,
    CLUSPROP_SYNTAX_SCSI_ADDRESS: lambda t: v_scsi_address(*t),
    CLUSPROP_SYNTAX_PARTITION_INFO: lambda b: [(CLUSPROP_SYNTAX_PARTITION_INFO, bytes(b))],
    CLUSPROP_SYNTAX_PARTITION_INFO_EX: lambda b: [(CLUSPROP_SYNTAX_PARTITION_INFO_EX, bytes(b))],
    CLUSPROP_SYNTAX_PARTITION_INFO_EX2: lambda b: [(CLUSPROP_SYNTAX_PARTITION_INFO_EX2,
                                                    bytes(b))],
}


def values_for(syntax, value):
    """The value entries for a Python value of the given syntax."""
    try:
        build = BUILDERS[syntax]
    except KeyError:
        raise ClusBufError('no builder for syntax 0x%08x' % syntax)
    return build(value)


def infer_syntax(value):
    """A syntax for a plain Python value: str -> SZ, bool/int -> DWORD (LONG if negative),
    bytes -> BINARY, list/tuple of str -> MULTI_SZ."""
    if isinstance(value, str):
        return CLUSPROP_SYNTAX_LIST_VALUE_SZ
    if isinstance(value, bool):
        return CLUSPROP_SYNTAX_LIST_VALUE_DWORD
    if isinstance(value, int):
        if value < 0:
            return CLUSPROP_SYNTAX_LIST_VALUE_LONG
        if value > 0xffffffff:
            return CLUSPROP_SYNTAX_LIST_VALUE_ULARGE_INTEGER
        return CLUSPROP_SYNTAX_LIST_VALUE_DWORD
    if isinstance(value, (bytes, bytearray)):
        return CLUSPROP_SYNTAX_LIST_VALUE_BINARY
    if isinstance(value, (list, tuple)):
        return CLUSPROP_SYNTAX_LIST_VALUE_MULTI_SZ
    raise ClusBufError('cannot infer a syntax for %r' % (value,))


ENV = {'SYSTEMROOT': 'C:\\Windows', 'WINDIR': 'C:\\Windows', 'SYSTEMDRIVE': 'C:',
       'PROGRAMFILES': 'C:\\Program Files', 'TEMP': 'C:\\Windows\\TEMP'}


def expand_env(s, env=None):
    """Replace %NAME% by its value in the server's (mock) environment."""
    env = ENV if env is None else env
    out = []
    i = 0
    while i < len(s):
        if s[i] == '%':
            j = s.find('%', i + 1)
            if j > i:
                name = s[i + 1:j]
                if name.upper() in env:
                    out.append(env[name.upper()])
                    i = j + 1
                    continue
        out.append(s[i])
        i += 1
    return ''.join(out)


# ---------------------------------------------------------------------------------------------
# PROPERTY_LIST

def property_value(name, values):
    """One Property Value (2.2.3.10.1): name entry, value entries, ENDMARK.
    `values` is a list of (syntax, data) pairs."""
    if not values:
        raise ClusBufError('property %r has no value' % name)
    out = entry(CLUSPROP_SYNTAX_NAME, wstr(name))
    for syntax, data in values:
        out += entry(syntax, data)
    return out + endmark()


def build_property_list(props, trailing_endmark=False):
    """A PROPERTY_LIST from `props`, a sequence of (name, syntax, value) triples, or of
    (name, [(syntax, data), ...]) pairs of ready-made entries."""
    body = b''
    n = 0
    for p in props:
        if len(p) == 3:
            name, syntax, value = p
            if syntax is None:
                syntax = infer_syntax(value)
            vals = values_for(syntax, value)
        else:
            name, vals = p
        body += property_value(name, vals)
        n += 1
    out = struct.pack('<I', n) + body
    if trailing_endmark:
        out += endmark()
    return out


def build_value_list(values, with_endmark=True):
    """A value list: entries, then an ENDMARK. `values` holds (syntax, data) pairs."""
    out = b''.join(entry(s, d) for s, d in values)
    return out + (endmark() if with_endmark else b'')


def build_property_formats(props, trailing_endmark=False):
    """The GET_*_PROPERTY_FMTS answer: a PROPERTY_LIST in which each property carries one
    CLUSPROP_SYNTAX_LIST_VALUE_WORD holding its CLUSTER_PROPERTY_FORMAT."""
    return build_property_list([(name, v_word(syntax & 0xffff)) for name, syntax, _ in props],
                               trailing_endmark)


class Reader:
    def __init__(self, data):
        self.data = bytes(data)
        self.pos = 0

    def left(self):
        return len(self.data) - self.pos

    def dword(self):
        if self.left() < 4:
            raise ClusBufError('buffer ends inside a DWORD at offset %d' % self.pos)
        v = struct.unpack_from('<I', self.data, self.pos)[0]
        self.pos += 4
        return v

    def entry(self):
        """(syntax, data) of one entry; ENDMARK gives (0, b'') and reads no size."""
        syntax = self.dword()
        if syntax == CLUSPROP_SYNTAX_ENDMARK:
            return syntax, b''
        size = self.dword()
        if size > self.left():
            raise ClusBufError('entry 0x%08x at offset %d claims %d bytes, %d left'
                               % (syntax, self.pos - 8, size, self.left()))
        data = self.data[self.pos:self.pos + size]
        self.pos += size + (-size % 4)
        self.pos = min(self.pos, len(self.data))
        return syntax, data


def parse_property_list(buf):
    """[(name, [(syntax, data), ...]), ...] from a PROPERTY_LIST. Accepts the list with or
    without a trailing ENDMARK. Raises ClusBufError on malformed input."""
    r = Reader(buf)
    count = r.dword()
    out = []
    for i in range(count):
        syntax, data = r.entry()
        if syntax != CLUSPROP_SYNTAX_NAME:
            raise ClusBufError('property %d: expected CLUSPROP_SYNTAX_NAME, got 0x%08x'
                               % (i, syntax))
        name = parse_wstr(data)
        vals = []
        while True:
            syntax, data = r.entry()
            if syntax == CLUSPROP_SYNTAX_ENDMARK:
                break
            vals.append((syntax, data))
        if not vals:
            raise ClusBufError('property %r has no value' % name)
        out.append((name, vals))
    if r.left() >= 4 and struct.unpack_from('<I', r.data, r.pos)[0] == 0:
        r.pos += 4            # the optional trailing ENDMARK
    return out


def parse_value_list(buf):
    """[(syntax, data), ...] up to the ENDMARK (or the end of the buffer)."""
    r = Reader(buf)
    out = []
    while r.left() >= 4:
        syntax, data = r.entry()
        if syntax == CLUSPROP_SYNTAX_ENDMARK:
            break
        out.append((syntax, data))
    return out


def decode_value(syntax, data):
    """A Python value for one entry's data."""
    fmt = syntax & 0xffff
    if syntax in (CLUSPROP_SYNTAX_SCSI_ADDRESS,):
        return tuple(data[:4])
    if fmt in (CLUSPROP_FORMAT_SZ, CLUSPROP_FORMAT_EXPAND_SZ, CLUSPROP_FORMAT_EXPANDED_SZ):
        return parse_wstr(data)
    if fmt == CLUSPROP_FORMAT_MULTI_SZ:
        return parse_multi_sz(data)
    if fmt == CLUSPROP_FORMAT_DWORD and len(data) >= 4:
        return struct.unpack_from('<I', data)[0]
    if fmt == CLUSPROP_FORMAT_LONG and len(data) >= 4:
        return struct.unpack_from('<i', data)[0]
    if fmt == CLUSPROP_FORMAT_WORD and len(data) >= 2:
        return struct.unpack_from('<H', data)[0]
    if fmt in (CLUSPROP_FORMAT_ULARGE_INTEGER, CLUSPROP_FORMAT_FILETIME) and len(data) >= 8:
        return struct.unpack_from('<Q', data)[0]
    if fmt == CLUSPROP_FORMAT_LARGE_INTEGER and len(data) >= 8:
        return struct.unpack_from('<q', data)[0]
    return bytes(data)


def property_dict(buf):
    """{name: python value of the first value entry} from a PROPERTY_LIST."""
    return {name: decode_value(*vals[0]) for name, vals in parse_property_list(buf)}


# ---------------------------------------------------------------------------------------------
# Other fixed control-code buffers

def dword(v):
    return struct.pack('<I', v & 0xffffffff)


def resource_class_info(rc, sub_class=0):
    """CLUS_RESOURCE_CLASS_INFO (2.2.3.3): DWORD rc, DWORD SubClass."""
    return struct.pack('<II', rc, sub_class)


# ---------------------------------------------------------------------------------------------
# CLUSTER_REG_BATCH_UPDATE (2.2.3.17) and BATCH_UPDATE_COMMAND (2.2.3.16)

CLUSREG_SET_VALUE = 1
CLUSREG_CREATE_KEY = 2
CLUSREG_DELETE_KEY = 3
CLUSREG_DELETE_VALUE = 4
CLUSREG_VALUE_DELETED = 6
CLUSREG_READ_KEY = 7
CLUSREG_READ_VALUE = 8
CLUSREG_READ_ERROR = 9


def batch_command(command, name, value_type=0, data=b''):
    """One BATCH_UPDATE_COMMAND: CommandType, ValueType, NameLength, Name, DataLength, Data,
    then padding to a 16-bit boundary (after odd-length data)."""
    n = wstr(name if name is not None else '')
    out = struct.pack('<III', command, value_type, len(n)) + n
    out += struct.pack('<I', len(data)) + bytes(data)
    if len(data) % 2:
        out += b'\0'
    return out


def build_batch(commands, version=1):
    """A CLUSTER_REG_BATCH_UPDATE from (command, name, value_type, data) tuples."""
    return struct.pack('<I', version) + b''.join(batch_command(*c) for c in commands)


def parse_batch(buf):
    """(version, [(command, name, value_type, data), ...]) from a CLUSTER_REG_BATCH_UPDATE."""
    buf = bytes(buf)
    if len(buf) < 4:
        raise ClusBufError('batch shorter than its version number')
    version = struct.unpack_from('<I', buf)[0]
    pos = 4
    out = []
    while pos < len(buf):
        if len(buf) - pos < 12:
            raise ClusBufError('batch command truncated at offset %d' % pos)
        command, vtype, nlen = struct.unpack_from('<III', buf, pos)
        pos += 12
        if nlen > len(buf) - pos:
            raise ClusBufError('batch name length %d overruns the buffer' % nlen)
        name = parse_wstr(buf[pos:pos + nlen])
        pos += nlen
        if len(buf) - pos < 4:
            raise ClusBufError('batch command truncated before DataLength')
        dlen = struct.unpack_from('<I', buf, pos)[0]
        pos += 4
        if dlen > len(buf) - pos:
            raise ClusBufError('batch data length %d overruns the buffer' % dlen)
        data = buf[pos:pos + dlen]
        pos += dlen + (dlen % 2)
        out.append((command, name, vtype, data))
    return version, out


# ---------------------------------------------------------------------------------------------
# Security descriptors (MS-DTYP 2.4.6, self-relative)

def sid(revision_auth, *subauths):
    """A binary SID: revision 1, identifier authority (6 bytes, big-endian), sub-authorities."""
    return (struct.pack('<BB', 1, len(subauths)) + revision_auth.to_bytes(6, 'big') +
            b''.join(struct.pack('<I', s) for s in subauths))


SID_BUILTIN_ADMINISTRATORS = sid(5, 32, 544)
SID_LOCAL_SYSTEM = sid(5, 18)
SID_AUTHENTICATED_USERS = sid(5, 11)
SID_EVERYONE = sid(1, 0)


def ace_allowed(mask, who, flags=0):
    """ACCESS_ALLOWED_ACE: type 0, flags, size, mask, SID."""
    body = struct.pack('<I', mask) + who
    return struct.pack('<BBH', 0, flags, 4 + len(body)) + body


def acl(aces):
    body = b''.join(aces)
    return struct.pack('<BBHHH', 2, 0, 8 + len(body), len(aces), 0) + body


def self_relative_sd(owner=SID_BUILTIN_ADMINISTRATORS, group=SID_LOCAL_SYSTEM, dacl=None):
    """A self-relative SECURITY_DESCRIPTOR with owner, group and a DACL."""
    if dacl is None:
        dacl = acl([ace_allowed(0x000f003f, SID_BUILTIN_ADMINISTRATORS),
                    ace_allowed(0x000f003f, SID_LOCAL_SYSTEM),
                    ace_allowed(0x00020019, SID_AUTHENTICATED_USERS)])
    control = 0x8004          # SE_SELF_RELATIVE | SE_DACL_PRESENT
    off = 20
    owner_off = off
    group_off = owner_off + len(owner)
    dacl_off = group_off + len(group)
    return (struct.pack('<BBHIIII', 1, 0, control, owner_off, group_off, 0, dacl_off) +
            owner + group + dacl)
