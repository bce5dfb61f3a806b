"""Hand encoders for byte-level tests: each stub in a test is spelled out with these, so the
expected bytes never come from the code under test (nor from the mock's codec)."""
import struct


def u8(v):
    return struct.pack('<B', v)


def u16(v):
    return struct.pack('<H', v)


def u32(v):
    return struct.pack('<I', v & 0xffffffff)


def u64(v):
    return struct.pack('<Q', v & 0xffffffffffffffff)


def pad(b, n=4):
    return b + b'\0' * ((-len(b)) % n)


def wstr(s, ndr64=False, terminate=True, max_count=None, offset=0):
    """A conformant varying UTF-16 string (max_count, offset, actual_count, chars)."""
    data = (s + ('\0' if terminate else '')).encode('utf-16le')
    n = len(data) // 2
    cnt = u64 if ndr64 else u32
    return cnt(n if max_count is None else max_count) + cnt(offset) + cnt(n) + data


def handle(n):
    """A recognisable 20-byte context handle: 4 zero bytes, then n repeated."""
    return b'\0' * 4 + bytes([n]) * 16


NULL_HANDLE = b'\0' * 20
