#!/usr/bin/env python3
"""IDL-driven NDR / NDR64 marshaller for ClusAPI method stubs. Python 3 stdlib only.

Used by the mock ClusAPI server (which answers smbtorture) and by the scenario client. The IDL is
read by idl/gen/cmrpidl.py; this module turns each method signature into a tree of wire nodes and
walks it to marshal or unmarshal the stub (the request or response body, without the PDU header).

    codec = ndrcodec.load()                        # = Codec(parse_idl('idl/clusapi.idl'), 3)
    stub = codec.encode_request('ApiOpenResource', {'lpszResourceName': 'disk'})
    codec.decode_request(8, stub)                  # -> {'lpszResourceName': 'disk'}
    codec.encode_response(8, {'Status': 0, 'rpc_status': 0, '_return': handle20})

Value mapping (both directions):
  integers, enums, BOOL, DWORD_PTR   int (an enum also accepts its enumerator name on encode)
  [string] wchar_t pointer            str (None for a NULL unique pointer)
  UCHAR/BYTE/char arrays              bytes
  other arrays                        list
  structures                          dict by member name (missing members encode as zero/NULL)
  GUID                                uuid.UUID (encode also takes 16 wire bytes or a str)
  FILETIME                            int (dwHighDateTime << 32 | dwLowDateTime)
  context handles                     20 bytes (None encodes as 20 zero bytes)
  NULL unique/full pointer            None; any other pointer is transparent (its pointee's value)
  handle_t (explicit binding handle)  not on the wire, absent from decoded dicts
The return value is values['_return'] in responses.

Correlations: on encode, a size_is/length_is/max_is variable the caller omitted is filled in from
the data (nInBufferSize = len(lpInBuffer)); an explicit value is kept, even if it disagrees. A
conformant array always carries len(data) as max_count; a conformant varying array carries the
size_is value as max_count when the caller gave it (nOutBufferSize), else len(data), offset 0 and
actual_count len(data).

Decoding trusts the wire counts; every read is bounds-checked and raises NdrError (with the stub
offset and a path such as ApiCreateEnum.ReturnEnum.Entry[1].Name). decode_*(..., strict=True)
also checks size_is/length_is against correlated values decoded in the same stub, [range],
and rejects trailing bytes (non-strict decoding tolerates up to 7 zero bytes of padding).
decode_*(..., counts={}) fills the dict with path -> (max_count, offset, actual_count) for every
conformant or varying array read.
"""
import os
import re
import sys
import uuid

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(_HERE))
_GEN = os.path.join(_REPO, 'idl', 'gen')
if _GEN not in sys.path:
    sys.path.insert(0, _GEN)

import cmrpidl  # noqa: E402

__all__ = ['Codec', 'NdrError', 'load']

DEFAULT_IDL = os.path.join(_REPO, 'idl', 'clusapi.idl')


class NdrError(Exception):
    """A stub that cannot be marshalled or unmarshalled. `offset` is the stub offset, `path`
    the element (Method.param.member[3])."""

    def __init__(self, msg, offset=None, path=None):
        self.msg = msg
        self.offset = offset
        self.path = path
        text = msg
        if offset is not None:
            text += ' at offset %d (0x%x)' % (offset, offset)
        if path:
            text += ' in %s' % path
        super().__init__(text)


# ---------------------------------------------------------------------------------------------
# Buffers

class _Writer:
    def __init__(self, ndr64):
        self.buf = bytearray()
        self.ndr64 = ndr64
        self.cs = 8 if ndr64 else 4         # size of a pointer / conformance / variance count
        self.nref = 0

    def align(self, n):
        if n > 1:
            self.buf += b'\0' * ((-len(self.buf)) % n)

    def uint(self, size, v, path):
        if not isinstance(v, int):
            raise NdrError('expected an integer, got %r' % (v,), len(self.buf), path)
        bits = size * 8
        if not (-(1 << (bits - 1)) <= v < (1 << bits)):
            raise NdrError('value %d does not fit in %d bytes' % (v, size), len(self.buf), path)
        self.align(size)
        self.buf += (v & ((1 << bits) - 1)).to_bytes(size, 'little')

    def count(self, v, path):
        self.uint(self.cs, v, path)

    def refid(self, path):
        v = 0x00020000 + 4 * self.nref
        self.nref += 1
        self.count(v, path)

    def raw(self, b):
        self.buf += b


class _Reader:
    def __init__(self, data, ndr64, strict=False, counts=None):
        self.data = bytes(data)
        self.pos = 0
        self.ndr64 = ndr64
        self.cs = 8 if ndr64 else 4
        self.strict = strict
        self.counts = counts
        self.full = {}        # [ptr] referent id -> decoded value
        self.checks = []      # strict correlation checks: (expr, observed, scope, path, what)

    def remaining(self):
        return len(self.data) - self.pos

    def need(self, n, path):
        if n > len(self.data) - self.pos:
            raise NdrError('stub too short: %d bytes needed, %d left'
                           % (n, len(self.data) - self.pos), self.pos, path)

    def align(self, n, path):
        if n > 1:
            pad = (-self.pos) % n
            if pad:
                self.need(pad, path)
                self.pos += pad

    def uint(self, size, path, signed=False):
        self.align(size, path)
        self.need(size, path)
        v = int.from_bytes(self.data[self.pos:self.pos + size], 'little', signed=signed)
        self.pos += size
        return v

    def count(self, path):
        return self.uint(self.cs, path)

    def raw(self, n, path):
        self.need(n, path)
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b


def _enc_full(node, w, v, path, scope):
    """Marshal a top-level item or a pointee: its scalars, then its deferred pointees in order,
    each one complete (scalars then its own pointees): the NDR depth-first deferral order."""
    defer = []
    node.enc(w, v, defer, path, scope)
    for f in defer:
        f()


def _dec_full(node, r, path, scope):
    defer = []
    box = [None]
    box[0] = node.dec(r, defer, path, scope, lambda v: box.__setitem__(0, v))
    for f in defer:
        f()
    return box[0]


# ---------------------------------------------------------------------------------------------
# Correlation expressions: name, *name, name * 2, name / 2, name + 1, name - 1, or a number.

class _Expr:
    RE = re.compile(r'^\s*(\*?)\s*([A-Za-z_]\w*)\s*(?:([*/+-])\s*(0[xX][0-9a-fA-F]+|\d+))?\s*$')

    def __init__(self, text, plus=0):
        self.text = text
        t = text.strip()
        while t.startswith('(') and t.endswith(')'):
            t = t[1:-1].strip()
        self.const = None
        self.var = None
        self.op = None
        self.k = None
        self.plus = plus          # max_is(x): size = x + 1
        if re.fullmatch(r'0[xX][0-9a-fA-F]+|\d+', t):
            self.const = int(t, 0)
            return
        m = self.RE.match(t)
        if not m:
            raise NdrError('unsupported correlation expression %r' % text)
        self.var = m.group(2)
        if m.group(3):
            self.op = m.group(3)
            self.k = int(m.group(4), 0)
            if self.op in '*/' and self.k == 0:
                raise NdrError('correlation expression %r divides or multiplies by 0' % text)

    def eval(self, scope):
        """The array size this expression gives in `scope`, or None if its variable is absent."""
        if self.const is not None:
            return self.const + self.plus
        if not isinstance(scope, dict) or self.var not in scope:
            return None
        v = scope[self.var]
        if not isinstance(v, int):
            return None
        if self.op == '*':
            v = v * self.k
        elif self.op == '/':
            v = v // self.k
        elif self.op == '+':
            v = v + self.k
        elif self.op == '-':
            v = v - self.k
        return v + self.plus

    def fill(self, scope, n):
        """Set the variable so that the expression gives n, unless the caller set it."""
        if self.var is None or self.var in scope:
            return
        n -= self.plus
        if self.op == '*':
            v = -(-n // self.k)
        elif self.op == '/':
            v = n * self.k
        elif self.op == '+':
            v = n - self.k
        elif self.op == '-':
            v = n + self.k
        else:
            v = n
        scope[self.var] = max(v, 0)


# ---------------------------------------------------------------------------------------------
# Wire nodes. enc() marshals the scalar part and queues pointees on `defer`; dec() is the
# reverse and returns the value (a pointer returns None and later calls `setter`).

class _Node:
    def align(self, ndr64):
        raise NotImplementedError

    def min_size(self, ndr64):
        return 1

    def default(self):
        return None

    def prefill(self, scope, v):
        """Fill in correlation variables in `scope` from the value `v` (see _Expr.fill)."""


class _Skip(_Node):
    """handle_t and other explicit binding handles: nothing on the wire."""

    def align(self, ndr64):
        return 1

    def min_size(self, ndr64):
        return 0

    def enc(self, w, v, defer, path, scope):
        pass

    def dec(self, r, defer, path, scope, setter):
        return None


class _Prim(_Node):
    def __init__(self, name, size, signed, is3264=False):
        self.name = name
        self._size = size
        self.signed = signed
        self.is3264 = is3264

    def size(self, ndr64):
        return 8 if (self.is3264 and ndr64) else self._size

    def align(self, ndr64):
        return self.size(ndr64)

    def min_size(self, ndr64):
        return self.size(ndr64)

    def default(self):
        return 0

    def enc(self, w, v, defer, path, scope):
        if isinstance(v, bool):
            v = int(v)
        if not isinstance(v, int):
            raise NdrError('%s: expected an integer, got %r' % (self.name, v), len(w.buf), path)
        w.uint(self.size(w.ndr64), v, path)

    def dec(self, r, defer, path, scope, setter):
        return r.uint(self.size(r.ndr64), path, self.signed)


class _Enum(_Node):
    def __init__(self, name, v1, values):
        self.name = name
        self.v1 = v1
        self.values = dict(values)
        self.signed = any(v < 0 for _, v in values)

    def size(self, ndr64):
        return 4 if (ndr64 or self.v1) else 2

    def align(self, ndr64):
        return self.size(ndr64)

    def min_size(self, ndr64):
        return self.size(ndr64)

    def default(self):
        return 0

    def enc(self, w, v, defer, path, scope):
        if isinstance(v, str):
            if v not in self.values:
                raise NdrError('%s has no enumerator %s' % (self.name, v), len(w.buf), path)
            v = self.values[v]
        if not isinstance(v, int):
            raise NdrError('%s: expected an integer, got %r' % (self.name, v), len(w.buf), path)
        w.uint(self.size(w.ndr64), v, path)

    def dec(self, r, defer, path, scope, setter):
        return r.uint(self.size(r.ndr64), path, self.signed)


class _Handle(_Node):
    """A context handle: 20 bytes (attributes DWORD + GUID), 4-aligned in NDR and NDR64."""

    def align(self, ndr64):
        return 4

    def min_size(self, ndr64):
        return 20

    def default(self):
        return bytes(20)

    def enc(self, w, v, defer, path, scope):
        if v is None:
            v = bytes(20)
        if not isinstance(v, (bytes, bytearray)) or len(v) != 20:
            raise NdrError('a context handle is 20 bytes, got %r' % (v,), len(w.buf), path)
        w.align(4)
        w.raw(bytes(v))

    def dec(self, r, defer, path, scope, setter):
        r.align(4, path)
        return r.raw(20, path)


class _Guid(_Node):
    def align(self, ndr64):
        return 4

    def min_size(self, ndr64):
        return 16

    def default(self):
        return uuid.UUID(int=0)

    def enc(self, w, v, defer, path, scope):
        if isinstance(v, str):
            v = uuid.UUID(v)
        if isinstance(v, uuid.UUID):
            v = v.bytes_le
        if v is None:
            v = bytes(16)
        if not isinstance(v, (bytes, bytearray)) or len(v) != 16:
            raise NdrError('a GUID is 16 bytes or a uuid.UUID, got %r' % (v,), len(w.buf), path)
        w.align(4)
        w.raw(bytes(v))

    def dec(self, r, defer, path, scope, setter):
        r.align(4, path)
        return uuid.UUID(bytes_le=r.raw(16, path))


class _Filetime(_Node):
    def align(self, ndr64):
        return 4

    def min_size(self, ndr64):
        return 8

    def default(self):
        return 0

    def enc(self, w, v, defer, path, scope):
        if isinstance(v, dict):
            v = (v.get('dwHighDateTime', 0) << 32) | v.get('dwLowDateTime', 0)
        if not isinstance(v, int) or not 0 <= v < (1 << 64):
            raise NdrError('a FILETIME is a 64-bit unsigned int, got %r' % (v,), len(w.buf), path)
        w.uint(4, v & 0xFFFFFFFF, path)
        w.uint(4, v >> 32, path)

    def dec(self, r, defer, path, scope, setter):
        lo = r.uint(4, path)
        hi = r.uint(4, path)
        return (hi << 32) | lo


class _Pointer(_Node):
    """kind: 'ref', 'unique' or 'ptr'. top: the first pointer of a parameter (a [ref] one has
    no wire representation and its pointee is marshalled in place)."""

    def __init__(self, kind, top, target):
        self.kind = kind
        self.top = top
        self.target = target

    def _inplace(self):
        return self.top and self.kind == 'ref'

    def align(self, ndr64):
        return self.target.align(ndr64) if self._inplace() else (8 if ndr64 else 4)

    def min_size(self, ndr64):
        return self.target.min_size(ndr64) if self._inplace() else (8 if ndr64 else 4)

    def default(self):
        return self.target.default() if self.kind == 'ref' else None

    def prefill(self, scope, v):
        if v is not None:
            self.target.prefill(scope, v)

    def _null_ok(self):
        # None for a [ref] pointer to a unique/full pointer means the inner pointer is NULL
        return isinstance(self.target, _Pointer) and self.target.kind != 'ref'

    def enc(self, w, v, defer, path, scope):
        if self._inplace():
            if v is None and not self._null_ok():
                raise NdrError('NULL [ref] pointer', len(w.buf), path)
            self.target.enc(w, v, defer, path, scope)
            return
        if v is None and not (self.kind == 'ref' and self._null_ok()):
            if self.kind == 'ref':
                raise NdrError('NULL [ref] pointer', len(w.buf), path)
            w.count(0, path)
            return
        w.refid(path)
        defer.append(lambda: _enc_full(self.target, w, v, path, scope))

    def dec(self, r, defer, path, scope, setter):
        if self._inplace():
            return self.target.dec(r, defer, path, scope, setter)
        at = r.pos
        ref = r.count(path)
        if ref == 0:
            if self.kind == 'ref':
                raise NdrError('NULL embedded [ref] pointer', at, path)
            return None
        if self.kind == 'ptr' and ref in r.full:
            # a full pointer already seen in this stub: the pointee is not sent again
            defer.append(lambda: setter(r.full[ref]))
            return None

        def later():
            v = _dec_full(self.target, r, path, scope)
            if self.kind == 'ptr':
                r.full[ref] = v
            setter(v)
        if self.kind == 'ptr':
            r.full[ref] = None
        defer.append(later)
        return None


class _Array(_Node):
    """fixed: element count of a fixed array, or None for a conformant one. varying: offset and
    actual_count are sent. string: a zero-terminated [string] array (elements are characters)."""

    def __init__(self, elem, fixed, varying, size_expr, length_expr, string):
        self.elem = elem
        self.fixed = fixed
        self.conformant = fixed is None
        self.varying = varying
        self.size_expr = size_expr
        self.length_expr = length_expr
        self.string = string
        self.charsize = elem._size if isinstance(elem, _Prim) else 0
        self.bytes_like = (not string and isinstance(elem, _Prim) and elem._size == 1
                           and not elem.is3264 and elem.name != 'BOOLEAN')
        if string and not (isinstance(elem, _Prim) and elem._size in (1, 2)):
            raise NdrError('[string] on an array of %s'
                           % getattr(elem, 'name', type(elem).__name__))

    def align(self, ndr64):
        a = self.elem.align(ndr64)
        if self.varying:
            a = max(a, 8 if ndr64 else 4)
        return a

    def min_size(self, ndr64):
        cs = 8 if ndr64 else 4
        n = (cs if self.conformant else 0) + (2 * cs if self.varying else 0)
        if self.fixed and not self.varying:
            n += self.fixed * self.elem.min_size(ndr64)
        elif self.string:
            n += self.charsize      # at least the terminator
        return n

    def default(self):
        if self.string:
            return ''
        if self.bytes_like:
            return bytes(self.fixed or 0) if not self.varying else b''
        if self.fixed and not self.varying:
            return [self.elem.default() for _ in range(self.fixed)]
        return []

    def _payload_len(self, v):
        """Element count of v, or None if v is not of a usable type (encode reports it)."""
        if self.string:
            if not isinstance(v, str):
                return None
            try:
                return len(self._encode_str(v)) // self.charsize
            except UnicodeEncodeError:
                return None
        if isinstance(v, (bytes, bytearray, list, tuple)):
            return len(v)
        if isinstance(v, str) and self.charsize == 2:
            return len(v.encode('utf-16-le', 'surrogatepass')) // 2
        return None

    def prefill(self, scope, v):
        n = self._payload_len(v)
        if n is None:
            return
        if self.size_expr is not None:
            self.size_expr.fill(scope, n)
        if self.length_expr is not None:
            self.length_expr.fill(scope, n)

    def _encode_str(self, v):
        if self.charsize == 2:
            return v.encode('utf-16-le', 'surrogatepass') + b'\0\0'
        return v.encode('latin-1') + b'\0'

    def counts(self, w, v, path, scope):
        """(max_count, offset, actual_count, payload) for value v."""
        if self.string:
            if not isinstance(v, str):
                raise NdrError('expected a str, got %r' % (v,), len(w.buf), path)
            try:
                data = self._encode_str(v)
            except UnicodeEncodeError as e:
                raise NdrError('cannot encode string: %s' % e, len(w.buf), path)
            actual = len(data) // self.charsize
            if self.fixed is not None:
                mx = self.fixed
                if actual > mx:
                    raise NdrError('string of %d characters in a [%d] array' % (actual, mx),
                                   len(w.buf), path)
            else:
                mx = self.size_expr.eval(scope) if self.size_expr is not None else None
                if mx is None:
                    mx = actual
            return mx, 0, actual, data
        if self.bytes_like:
            if isinstance(v, (list, tuple)):
                if not all(isinstance(x, int) and -128 <= x < 256 for x in v):
                    raise NdrError('expected bytes or a list of byte values', len(w.buf), path)
                v = bytes(x & 0xFF for x in v)
            if not isinstance(v, (bytes, bytearray)):
                raise NdrError('expected bytes, got %r' % (v,), len(w.buf), path)
            data = bytes(v)
        else:
            if isinstance(v, str) and isinstance(self.elem, _Prim) and self.charsize == 2:
                v = list(v.encode('utf-16-le', 'surrogatepass'))
                v = [v[i] | (v[i + 1] << 8) for i in range(0, len(v), 2)]
            if not isinstance(v, (list, tuple)):
                raise NdrError('expected a list, got %r' % (v,), len(w.buf), path)
            data = v
        n = len(data)
        if self.fixed is not None:
            if n > self.fixed:
                raise NdrError('%d elements in a [%d] array' % (n, self.fixed), len(w.buf), path)
            if not self.varying and n < self.fixed:
                raise NdrError('%d elements in a [%d] array' % (n, self.fixed), len(w.buf), path)
            return self.fixed, 0, n, data
        mx = n
        if self.varying and self.size_expr is not None:
            e = self.size_expr.eval(scope)
            if e is not None:
                mx = e
        return mx, 0, n, data

    def enc(self, w, v, defer, path, scope, hoisted=False):
        if v is None:
            v = self.default()
        mx, off, actual, data = self.counts(w, v, path, scope)
        if self.conformant and not hoisted:
            w.count(mx, path)
        if self.varying:
            w.count(off, path)
            w.count(actual, path)
        if self.string:
            w.align(self.charsize)
            w.raw(data)
        elif self.bytes_like:
            w.raw(data)
        else:
            for i, e in enumerate(data):
                self.elem.enc(w, e, defer, '%s[%d]' % (path, i), scope)

    def dec(self, r, defer, path, scope, setter, hoisted=None):
        at = r.pos
        if self.conformant:
            mx = hoisted if hoisted is not None else r.count(path)
        else:
            mx = self.fixed
        off = 0
        if self.varying:
            at = r.pos
            off = r.count(path)
            actual = r.count(path)
            if off + actual > mx:
                raise NdrError('offset %d + actual_count %d exceed max_count %d'
                               % (off, actual, mx), at, path)
            if self.string and off != 0:
                raise NdrError('[string] with a non-zero offset %d' % off, at, path)
        else:
            actual = mx
        if r.counts is not None and (self.conformant or self.varying):
            r.counts[path] = (mx, off, actual)
        if r.strict:
            if self.size_expr is not None and self.conformant:
                r.checks.append((self.size_expr, mx, scope, path, 'size_is'))
            if self.length_expr is not None and self.varying:
                r.checks.append((self.length_expr, actual, scope, path, 'length_is'))
        if self.string:
            if actual == 0:
                raise NdrError('[string] with actual_count 0 (no terminator)', at, path)
            r.align(self.charsize, path)
            nbytes = actual * self.charsize
            r.need(nbytes, path)
            data = r.raw(nbytes, path)
            if data[-self.charsize:] != b'\0' * self.charsize:
                raise NdrError('[string] not NUL-terminated', r.pos - self.charsize, path)
            body = data[:-self.charsize]
            try:
                if self.charsize == 2:
                    return body.decode('utf-16-le', 'surrogatepass')
                return body.decode('latin-1')
            except UnicodeDecodeError as e:
                raise NdrError('bad UTF-16 in [string]: %s' % e, at, path)
        if self.bytes_like:
            return r.raw(actual, path)
        # check the count against what is left before building a list of that size
        r.need(actual * max(1, self.elem.min_size(r.ndr64)), path)
        out = [None] * actual
        for i in range(actual):
            out[i] = self.elem.dec(r, defer, '%s[%d]' % (path, i), scope,
                                   (lambda v, i=i: out.__setitem__(i, v)))
        return out


class _Member:
    __slots__ = ('name', 'node', 'decl')

    def __init__(self, name, node, decl):
        self.name = name
        self.node = node
        self.decl = decl


class _Struct(_Node):
    def __init__(self, name):
        self.name = name
        self.members = []
        self._align = {}
        self._min = {}

    @property
    def conformant(self):
        if not self.members:
            return False
        last = self.members[-1].node
        return ((isinstance(last, _Array) and last.conformant)
                or (isinstance(last, _Struct) and last.conformant))

    def align(self, ndr64):
        if ndr64 not in self._align:
            self._align[ndr64] = 1          # guards recursion through by-value cycles
            a = 1
            for m in self.members:
                a = max(a, m.node.align(ndr64))
            self._align[ndr64] = a
        return self._align[ndr64]

    def min_size(self, ndr64):
        """Lower bound of the wire size (a conformance hoisted from a nested member counts once)."""
        if ndr64 not in self._min:
            self._min[ndr64] = 0            # guards recursion
            cs = 8 if ndr64 else 4
            n = cs if self.conformant else 0
            for m in self.members:
                k = m.node.min_size(ndr64)
                if m is self.members[-1] and self.conformant:
                    k -= cs                 # the member's own count is the hoisted one
                n += k
            self._min[ndr64] = max(n, 0)
        return self._min[ndr64]

    def default(self):
        return {}

    def prepare(self, v, w, path):
        if v is None:
            v = {}
        if not isinstance(v, dict):
            raise NdrError('%s: expected a dict, got %r' % (self.name, v), len(w.buf), path)
        names = {m.name for m in self.members}
        extra = set(v) - names
        if extra:
            raise NdrError('%s has no member %s' % (self.name, ', '.join(sorted(extra))),
                           len(w.buf), path)
        d = dict(v)
        for m in self.members:
            if m.name in v:
                m.node.prefill(d, v[m.name])
        return d

    def trailing_count(self, w, d, path):
        m = self.members[-1]
        mv = d.get(m.name)
        mpath = '%s.%s' % (path, m.name)
        if isinstance(m.node, _Struct):
            return m.node.trailing_count(w, m.node.prepare(mv, w, mpath), mpath)
        if mv is None:
            mv = m.node.default()
        return m.node.counts(w, mv, mpath, d)[0]

    def enc(self, w, v, defer, path, scope, hoisted=False):
        d = self.prepare(v, w, path)
        conf = self.conformant
        if conf and not hoisted:
            w.count(self.trailing_count(w, d, path), path)
        a = self.align(w.ndr64)
        w.align(a)
        for i, m in enumerate(self.members):
            mv = d[m.name] if m.name in d else m.node.default()
            mpath = '%s.%s' % (path, m.name)
            if conf and i == len(self.members) - 1:
                m.node.enc(w, mv, defer, mpath, d, hoisted=True)    # count already sent
            else:
                m.node.enc(w, mv, defer, mpath, d)
        if w.ndr64:
            w.align(a)      # NDR64: a structure's size is a multiple of its alignment

    def dec(self, r, defer, path, scope, setter, hoisted=None):
        conf = self.conformant
        if conf and hoisted is None:
            hoisted = r.count(path)
        a = self.align(r.ndr64)
        r.align(a, path)
        d = {}
        for i, m in enumerate(self.members):
            mpath = '%s.%s' % (path, m.name)
            st = (lambda v, name=m.name: d.__setitem__(name, v))
            if conf and i == len(self.members) - 1:
                v = m.node.dec(r, defer, mpath, d, st, hoisted=hoisted)
            else:
                v = m.node.dec(r, defer, mpath, d, st)
            if not isinstance(m.node, _Skip):
                d[m.name] = v
            if r.strict:
                _range_check(r, m.decl, m.node, v, mpath)
        if r.ndr64:
            r.align(a, path)
        return d


def _range_check(r, decl, node, v, path):
    rng = decl.attrs.get('range') if decl is not None else None
    if not rng or not isinstance(v, int):
        return
    try:
        lo, hi = int(rng[0].replace(' ', ''), 0), int(rng[1].replace(' ', ''), 0)
    except (ValueError, IndexError):
        return
    if not lo <= v <= hi:
        raise NdrError('value %d outside range(%d, %d)' % (v, lo, hi), r.pos, path)


# ---------------------------------------------------------------------------------------------
# Compiling declarations into nodes

_BYTE_TYPES = {'UCHAR', 'BYTE', 'byte', 'unsigned char', 'char', 'CHAR', 'small'}


def _exprs(node):
    """The correlation expressions of an element's own pointer/array chain."""
    while isinstance(node, (_Pointer, _Array)):
        if isinstance(node, _Array):
            for e in (node.size_expr, node.length_expr):
                if e is not None:
                    yield e
            node = node.elem
        else:
            node = node.target


class _Plan:
    __slots__ = ('method', 'params', 'ret')

    def __init__(self, method, params, ret):
        self.method = method
        self.params = params        # list of (decl, node, is_in, is_out)
        self.ret = ret              # node or None


class Codec:
    def __init__(self, iface, version=3):
        if version not in (2, 3):
            raise ValueError('ClusAPI version is 2 or 3, not %r' % (version,))
        self.iface = iface
        self.version = version
        self._structs = {}
        self._plans = {}
        self._by_name = {}
        self._by_opnum = {}
        for m in iface.methods:
            if version == 2 and m.v3_only:
                continue
            self._by_name[m.name] = m
            self._by_opnum[m.opnum] = m

    # -- lookup --------------------------------------------------------------------------------

    def method(self, name_or_opnum):
        """The Method for an opnum, a name (ApiOpenResource; also OpenResource or
        clusapi_OpenResource), or a Method itself."""
        if isinstance(name_or_opnum, cmrpidl.Method):
            return name_or_opnum
        if isinstance(name_or_opnum, int) and not isinstance(name_or_opnum, bool):
            m = self._by_opnum.get(name_or_opnum)
            if m is None:
                raise KeyError('no opnum %d in ClusAPI %d.0' % (name_or_opnum, self.version))
            return m
        name = str(name_or_opnum)
        for cand in (name, 'Api' + name, 'Api' + name[len('clusapi_'):]
                     if name.startswith('clusapi_') else None):
            if cand and cand in self._by_name:
                return self._by_name[cand]
        raise KeyError('no method %s in ClusAPI %d.0' % (name, self.version))

    # -- public API ----------------------------------------------------------------------------

    def encode_request(self, method, values, ndr64=False):
        return self._encode(self.method(method), values, ndr64, 'in')

    def encode_response(self, method, values, ndr64=False):
        return self._encode(self.method(method), values, ndr64, 'out')

    def decode_request(self, method, stub, ndr64=False, strict=False, counts=None):
        return self._decode(self.method(method), stub, ndr64, 'in', strict, counts)

    def decode_response(self, method, stub, ndr64=False, strict=False, counts=None):
        return self._decode(self.method(method), stub, ndr64, 'out', strict, counts)

    def plan(self, method):
        """Compile a method (raises NdrError for a construct the codec cannot marshal)."""
        m = self.method(method)
        p = self._plans.get(m.opnum)
        if p is None:
            p = self._compile(m)
            self._plans[m.opnum] = p
        return p

    def check_all(self):
        """Compile every on-wire method; returns {name: error text} for those that fail."""
        bad = {}
        for m in self._by_name.values():
            if m.not_on_wire:
                continue
            try:
                self.plan(m)
            except (NdrError, cmrpidl.IdlError) as e:
                bad[m.name] = str(e)
        return bad

    # -- marshalling ---------------------------------------------------------------------------

    def _encode(self, m, values, ndr64, direction):
        try:
            return self._encode1(m, values, ndr64, direction)
        except RecursionError:
            raise NdrError('values nested too deeply', path=m.name) from None

    def _encode1(self, m, values, ndr64, direction):
        if m.not_on_wire:
            raise NdrError('%s (opnum %d) is not used on the wire' % (m.name, m.opnum), path=m.name)
        p = self.plan(m)
        if values is None:
            values = {}
        if not isinstance(values, dict):
            raise NdrError('values must be a dict', path=m.name)
        known = {d.name for d, _, _, _ in p.params} | {'_return'}
        extra = set(values) - known
        if extra:
            raise NdrError('%s has no parameter %s' % (m.name, ', '.join(sorted(extra))),
                           path=m.name)
        if '_return' in values and direction == 'in':
            raise NdrError('_return in a request', path=m.name)
        scope = dict(values)
        for d, node, _, _ in p.params:
            if d.name in values:
                node.prefill(scope, values[d.name])
        w = _Writer(ndr64)
        for d, node, is_in, is_out in p.params:
            if not (is_in if direction == 'in' else is_out):
                continue
            path = '%s.%s' % (m.name, d.name)
            v = scope[d.name] if d.name in scope else node.default()
            _enc_full(node, w, v, path, scope)
        if direction == 'out' and p.ret is not None:
            v = values.get('_return', p.ret.default())
            _enc_full(p.ret, w, v, '%s._return' % m.name, scope)
        return bytes(w.buf)

    def _decode(self, m, stub, ndr64, direction, strict, counts):
        try:
            return self._decode1(m, stub, ndr64, direction, strict, counts)
        except RecursionError:
            raise NdrError('pointers nested too deeply', path=m.name) from None

    def _decode1(self, m, stub, ndr64, direction, strict, counts):
        if m.not_on_wire:
            raise NdrError('%s (opnum %d) is not used on the wire' % (m.name, m.opnum), path=m.name)
        p = self.plan(m)
        r = _Reader(stub, ndr64, strict, counts)
        out = {}
        for d, node, is_in, is_out in p.params:
            if not (is_in if direction == 'in' else is_out):
                continue
            if isinstance(node, _Skip):
                continue
            path = '%s.%s' % (m.name, d.name)
            out[d.name] = _dec_full(node, r, path, out)
            if strict:
                _range_check(r, d, node, out[d.name], path)
        if direction == 'out' and p.ret is not None:
            out['_return'] = _dec_full(p.ret, r, '%s._return' % m.name, out)
        left = r.remaining()
        if left:
            tail = r.data[r.pos:]
            if strict or left >= 8 or any(tail):
                raise NdrError('%d bytes left over after the stub' % left, r.pos, m.name)
        for expr, observed, scope, path, what in r.checks:
            want = expr.eval(scope)
            if want is not None and want != observed:
                raise NdrError('%s(%s) is %d but the wire count is %d'
                               % (what, expr.text, want, observed), None, path)
        return out

    # -- compilation ---------------------------------------------------------------------------

    def _compile(self, m):
        params = []
        for d in m.params_for(self.version):
            try:
                node = self._decl_node(d, 'param')
            except cmrpidl.IdlError as e:
                raise NdrError(str(e), path='%s.%s' % (m.name, d.name))
            except NdrError as e:
                raise NdrError(e.msg, path='%s.%s' % (m.name, d.name))
            params.append((d, node, 'in' in d.attrs, 'out' in d.attrs))
        names = {d.name for d, _, _, _ in params}
        for d, node, _, _ in params:
            for e in _exprs(node):
                if e.var is not None and e.var not in names:
                    raise NdrError('%s names no parameter of the %d.0 signature'
                                   % (e.text, self.version), path='%s.%s' % (m.name, d.name))
        ret = None
        if m.ret != 'void':
            try:
                ret = self._decl_node(cmrpidl.Decl(name='_return', type=m.ret), 'param')
            except (cmrpidl.IdlError, NdrError) as e:
                raise NdrError(getattr(e, 'msg', str(e)), path='%s._return' % m.name)
        return _Plan(m, params, ret)

    def _base_node(self, kind, tname):
        if kind == 'base':
            bkind, size = cmrpidl.BASE_TYPES[tname]
            if bkind == 'binding':
                return _Skip()      # handle_t: an explicit binding handle, nothing on the wire
            return _Prim(tname, size, signed=bkind in ('int', 'int3264'),
                         is3264=bkind in ('uint3264', 'int3264'))
        if kind == 'builtin':
            if tname in ('GUID', 'UUID'):
                return _Guid()
            if tname == 'FILETIME':
                return _Filetime()
            raise NdrError('unsupported built-in type %s' % tname)
        if kind == 'handle':
            return _Handle()
        if kind == 'enum':
            td = self.iface.types[tname]
            return _Enum(tname, 'v1_enum' in td.attrs, td.values)
        if kind == 'struct':
            return self._struct_node(tname)
        raise NdrError('unsupported type %s (%s)' % (tname, kind))

    def _struct_node(self, name):
        node = self._structs.get(name)
        if node is not None:
            return node
        node = _Struct(name)
        self._structs[name] = node
        td = self.iface.types[name]
        try:
            for mem in td.members:
                node.members.append(_Member(mem.name, self._decl_node(mem, 'member'), mem))
        except Exception:
            del self._structs[name]
            raise
        try:
            names = {mem.name for mem in node.members}
            for i, mem in enumerate(node.members):
                for e in _exprs(mem.node):
                    if e.var is not None and e.var not in names:
                        raise NdrError('%s.%s: %s names no member of %s'
                                       % (name, mem.name, e.text, name))
                if i < len(node.members) - 1 and isinstance(mem.node, (_Array, _Struct)) \
                        and mem.node.conformant:
                    raise NdrError('%s: conformant member %s is not last' % (name, mem.name))
        except NdrError:
            del self._structs[name]
            raise
        return node

    def _decl_node(self, decl, ctx):
        """Build the node chain of a parameter (ctx 'param') or structure member ('member')."""
        attrs = decl.attrs or {}
        if decl.type == 'handle_t' or 'handle' in attrs:
            return _Skip()
        kind, tname, extra, alias_attrs = cmrpidl.resolve(self.iface, decl.type)
        if kind == 'base' and cmrpidl.BASE_TYPES[tname][0] == 'binding':
            if decl.nptr or extra or decl.array is not None:
                raise NdrError('pointer to or array of handle_t')
            return _Skip()
        merged = dict(alias_attrs)
        merged.update(attrs)
        attrs = merged
        if kind == 'void':
            if 'handle' in attrs and not decl.nptr:
                return _Skip()
            raise NdrError('void %s is not marshallable' % ('*' * (decl.nptr + extra)))
        for a in ('first_is', 'last_is'):
            if a in attrs:
                raise NdrError('[%s] is not supported' % a)

        layers = []
        if decl.array is not None:
            layers.append(('array', decl.array))
        layers += [('ptr', None)] * (decl.nptr + extra)

        def arg(name, i):
            v = attrs.get(name)
            if not v or i >= len(v):
                return None
            s = v[i].strip()
            return s or None

        if max(len(attrs.get(a, [])) for a in ('size_is', 'max_is', 'length_is')) > len(layers):
            raise NdrError('size_is/length_is with more dimensions than pointers and arrays')
        string = 'string' in attrs
        ptr_attr = 'ref' if 'ref' in attrs else 'ptr' if 'ptr' in attrs else \
            'unique' if 'unique' in attrs else None
        node = self._base_node(kind, tname)
        last = len(layers) - 1
        first_ptr = next((i for i, (t, _) in enumerate(layers) if t == 'ptr'), None)
        for i in range(last, -1, -1):
            t, info = layers[i]
            size = arg('size_is', i)
            size_expr = _Expr(size) if size else None
            maxis = arg('max_is', i)
            if maxis and not size_expr:
                size_expr = _Expr(maxis, plus=1)
            length = arg('length_is', i)
            length_expr = _Expr(length) if length else None
            is_string = string and i == last
            if t == 'ptr':
                target = node
                if size_expr is not None or is_string or length_expr is not None:
                    if length_expr is not None and size_expr is None and not is_string:
                        raise NdrError('length_is without size_is on a pointer')
                    target = _Array(node, None, bool(length_expr) or is_string, size_expr,
                                    length_expr, is_string)
                if ctx == 'param' and i == 0:
                    pk, top = ptr_attr or 'ref', True
                elif i == first_ptr:
                    pk, top = ptr_attr or 'unique', False
                else:
                    pk, top = 'unique', False
                node = _Pointer(pk, top, target)
            else:
                if info == '*':
                    if size_expr is None and not is_string:
                        raise NdrError('conformant array without size_is')
                    node = _Array(node, None, bool(length_expr) or is_string, size_expr,
                                  length_expr, is_string)
                else:
                    node = _Array(node, int(info), bool(length_expr) or is_string, None,
                                  length_expr, is_string)
        if string and not layers:
            raise NdrError('[string] on a non-pointer, non-array element')
        return node


def load(path=None, version=3):
    """A Codec for the project's IDL (idl/clusapi.idl by default)."""
    return Codec(cmrpidl.parse_idl(path or DEFAULT_IDL), version)
