#!/usr/bin/env python3
"""Parser for the cmrp IDL dialect (see idl/README.md). Python 3 stdlib only.

parse_idl(path) -> Interface. The model is deliberately small: the C generator and the Python
NDR codec both walk it, so everything they need about the wire is resolved here once
(pointer kinds, conformance, which types exist), and anything unknown is an error.
"""
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union


class IdlError(Exception):
    pass


# Base types: name -> (kind, size, size in NDR64). kind: 'int', 'char16', 'hyper', 'int3264'.
BASE_TYPES = {
    'UCHAR': ('uint', 1), 'BYTE': ('uint', 1), 'BOOLEAN': ('uint', 1), 'byte': ('uint', 1),
    'char': ('int', 1), 'CHAR': ('int', 1), 'unsigned char': ('uint', 1), 'small': ('int', 1),
    'USHORT': ('uint', 2), 'WORD': ('uint', 2), 'short': ('int', 2), 'SHORT': ('int', 2),
    'unsigned short': ('uint', 2),
    'WCHAR': ('char16', 2), 'wchar_t': ('char16', 2),
    'DWORD': ('uint', 4), 'ULONG': ('uint', 4), 'UINT': ('uint', 4), 'unsigned long': ('uint', 4),
    'unsigned int': ('uint', 4), 'error_status_t': ('uint', 4), 'HRESULT': ('int', 4),
    'LONG': ('int', 4), 'long': ('int', 4), 'int': ('int', 4), 'INT': ('int', 4),
    'BOOL': ('int', 4), 'NTSTATUS': ('int', 4),
    'DWORD64': ('uint', 8), 'ULONGLONG': ('uint', 8), 'ULONG64': ('uint', 8), 'UINT64': ('uint', 8),
    'LONGLONG': ('int', 8), 'LONG64': ('int', 8), 'INT64': ('int', 8), 'hyper': ('int', 8),
    'unsigned hyper': ('uint', 8), '__int64': ('int', 8), 'unsigned __int64': ('uint', 8),
    'DWORD_PTR': ('uint3264', 4), 'ULONG_PTR': ('uint3264', 4), 'SIZE_T': ('uint3264', 4),
    'LONG_PTR': ('int3264', 4),
    'handle_t': ('binding', 0),   # explicit binding handle: nothing on the wire
}
# Aliases that are pointers to base types.
STRING_ALIASES = {'LPWSTR': 'wchar_t', 'LPCWSTR': 'wchar_t', 'PWSTR': 'wchar_t', 'PCWSTR': 'wchar_t'}
# Structures every IDL knows (MS-DTYP); members use the base types above.
BUILTIN_STRUCTS = {
    'GUID': [('DWORD', 'Data1'), ('WORD', 'Data2'), ('WORD', 'Data3'), ('UCHAR', 'Data4', 8)],
    'UUID': [('DWORD', 'Data1'), ('WORD', 'Data2'), ('WORD', 'Data3'), ('UCHAR', 'Data4', 8)],
    'FILETIME': [('DWORD', 'dwLowDateTime'), ('DWORD', 'dwHighDateTime')],
}


@dataclass
class Decl:
    """A structure member or method parameter."""
    name: str
    type: str                      # base type, typedef name, or 'void'
    nptr: int = 0                  # number of '*'
    array: Union[None, str, int] = None   # None, '*' (conformant) or fixed count
    attrs: Dict[str, List[str]] = field(default_factory=dict)
    line: int = 0

    def has(self, a):
        return a in self.attrs

    def arg(self, a, i=0):
        v = self.attrs.get(a)
        if not v or i >= len(v):
            return None
        return v[i].strip() or None


@dataclass
class Typedef:
    name: str
    kind: str                      # 'handle', 'alias', 'enum', 'struct'
    attrs: Dict[str, List[str]] = field(default_factory=dict)
    target: Optional[Decl] = None  # alias: the aliased declarator (type + nptr + attrs)
    values: List[Tuple[str, int]] = field(default_factory=list)   # enum
    members: List[Decl] = field(default_factory=list)             # struct
    line: int = 0
    file: str = ''
    comment: str = ''


@dataclass
class Method:
    opnum: int
    name: str
    ret: str
    params: List[Decl]
    attrs: Dict[str, List[str]] = field(default_factory=dict)
    line: int = 0
    file: str = ''
    section: str = ''

    @property
    def v3_only(self):
        return 'v3' in self.attrs

    @property
    def not_on_wire(self):
        return 'not_on_wire' in self.attrs

    def params_for(self, version):
        """The parameters of this method's signature in ClusAPI `version` (2 or 3)."""
        out = []
        for p in self.params:
            if version == 2 and 'v3' in p.attrs:
                continue
            if version == 3 and 'v2' in p.attrs:
                continue
            out.append(p)
        return out


@dataclass
class Interface:
    name: str
    uuid: str
    versions: List[Tuple[int, int]]
    types: Dict[str, Typedef]
    methods: List[Method]
    consts: Dict[str, int]


TOKEN_RE = re.compile(r'''
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>"[^"\n]*")
  | (?P<num>0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\.\.|<<|>>|[\[\](){},;*=|&+\-/<>~.:])
''', re.S | re.X)


@dataclass
class Tok:
    kind: str
    val: str
    line: int
    file: str
    comment: str = ''   # the comment block just before this token
    trailing: str = ''  # a // comment after this token on the same line


def tokenize(text, fname):
    toks = []
    pos = 0
    line = 1
    pending_comment = []
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if not m:
            raise IdlError('%s:%d: cannot read %r' % (fname, line, text[pos:pos + 20]))
        kind = m.lastgroup
        val = m.group(kind)
        if kind == 'comment':
            if toks and toks[-1].line == line and val.startswith('//') and not pending_comment:
                toks[-1].trailing = val[2:].strip()
            pending_comment.append(val)
        elif kind != 'ws':
            toks.append(Tok(kind, val, line, fname, '\n'.join(pending_comment)))
            pending_comment = []
        line += val.count('\n')
        pos = m.end()
    return toks


class Parser:
    MULTIWORD = ('unsigned', 'signed')

    def __init__(self, toks):
        self.t = toks
        self.i = 0

    def peek(self, k=0):
        j = self.i + k
        return self.t[j] if j < len(self.t) else Tok('eof', '', -1, '?')

    def err(self, msg, tok=None):
        tok = tok or self.peek()
        raise IdlError('%s:%d: %s (at %r)' % (tok.file, tok.line, msg, tok.val))

    def next(self):
        tok = self.peek()
        if tok.kind == 'eof':
            self.err('unexpected end of file')
        self.i += 1
        return tok

    def accept(self, val):
        if self.peek().val == val:
            return self.next()
        return None

    def expect(self, val):
        tok = self.next()
        if tok.val != val:
            self.err('expected %r' % val, tok)
        return tok

    def ident(self):
        tok = self.next()
        if tok.kind != 'ident':
            self.err('expected a name', tok)
        return tok.val

    # [a, b(x, y), c(,*z)]
    def attrs(self):
        out = {}
        if not self.accept('['):
            return out
        while True:
            name = self.ident()
            args = []
            if self.accept('('):
                depth = 0
                cur = []
                while True:
                    tok = self.next()
                    if tok.val == '(':
                        depth += 1
                    elif tok.val == ')':
                        if depth == 0:
                            break
                        depth -= 1
                    if tok.val == ',' and depth == 0:
                        args.append(' '.join(cur))
                        cur = []
                        continue
                    cur.append(tok.val)
                args.append(' '.join(cur))
            if name in out:
                self.err('attribute %s given twice' % name)
            out[name] = args
            if self.accept(']'):
                break
            self.expect(',')
            if self.accept(']'):   # tolerate a trailing comma
                break
        return out

    def type_name(self):
        self.accept('const')
        words = [self.ident()]
        if words[0] in self.MULTIWORD:
            words.append(self.ident())
            if words[-1] in ('long',) and self.peek().val in ('long',):
                words.append(self.ident())
        elif words[0] in ('struct', 'enum'):
            words = [self.ident()]
        self.accept('const')
        return ' '.join(words)

    def declarator(self, attrs, typ, allow_unnamed=False):
        nptr = 0
        while self.accept('*'):
            nptr += 1
            self.accept('const')
        if allow_unnamed and self.peek().val in (',', ')'):
            name = ''
        else:
            name = self.ident()
        array = None
        if self.accept('['):
            if self.accept(']'):
                array = '*'
            elif self.peek().val == '*' and self.peek(1).val == ']':
                self.next()
                self.next()
                array = '*'
            else:
                tok = self.next()
                if tok.kind != 'num':
                    self.err('array size must be a number or *', tok)
                array = int(tok.val.rstrip('uUlL'), 0)
                self.expect(']')
        return Decl(name=name, type=typ, nptr=nptr, array=array, attrs=attrs)

    def const_expr(self, consts):
        # integers, names of earlier constants, | << >> + - ~ and parentheses
        parts = []
        depth = 0
        while True:
            tok = self.peek()
            if tok.val in (',', '}', ';') and depth == 0:
                break
            if tok.val == ')' and depth == 0:
                break
            self.next()
            if tok.val == '(':
                depth += 1
            elif tok.val == ')':
                depth -= 1
            if tok.kind == 'num':
                parts.append(str(int(tok.val.rstrip('uUlL'), 0)))
            elif tok.kind == 'ident':
                if tok.val not in consts:
                    self.err('unknown constant %s' % tok.val, tok)
                parts.append(str(consts[tok.val]))
            elif tok.val in ('|', '<<', '>>', '+', '-', '~', '(', ')', '&', '*'):
                parts.append(tok.val)
            else:
                self.err('unexpected token in constant', tok)
        expr = ' '.join(parts)
        if not re.fullmatch(r'[0-9\s|<>+\-~()&*]+', expr):
            self.err('bad constant expression %r' % expr)
        return int(eval(expr, {'__builtins__': {}}, {}))  # digits and operators only

    def parse_file(self, iface):
        while self.peek().kind != 'eof':
            tok = self.peek()
            if tok.val == 'typedef':
                self.typedef(iface)
            elif tok.val == 'const':
                self.next()
                self.type_name()
                name = self.ident()
                self.expect('=')
                iface.consts[name] = self.const_expr(iface.consts)
                self.expect(';')
            elif tok.val == '[' or tok.kind == 'ident':
                self.method(iface)
            elif tok.val == ';':
                self.next()
            else:
                self.err('expected typedef or method')

    def typedef(self, iface):
        start = self.expect('typedef')
        attrs = self.attrs()
        if self.peek().val == 'struct':
            self.next()
            if self.peek().kind == 'ident':
                self.next()   # struct tag
            self.expect('{')
            members = []
            while not self.accept('}'):
                mtok = self.peek()
                mattrs = self.attrs()
                mtype = self.type_name()
                while True:
                    d = self.declarator(mattrs, mtype)
                    d.line = mtok.line
                    members.append(d)
                    if not self.accept(','):
                        break
                self.expect(';')
            td = Typedef(name='', kind='struct', attrs=attrs, members=members)
        elif self.peek().val == 'enum':
            self.next()
            if self.peek().kind == 'ident':
                self.next()
            self.expect('{')
            values = []
            notes = {}
            nextval = 0
            while not self.accept('}'):
                name = self.ident()
                if self.accept('='):
                    nextval = self.const_expr(iface.consts)
                values.append((name, nextval))
                iface.consts[name] = nextval
                nextval += 1
                more = self.accept(',')
                # the value's source, when its line ends with a comment: "// 2.2.2.4", "// SDK"
                last = self.peek(-1)
                if last.trailing:
                    notes[name] = last.trailing
                if not more:
                    self.expect('}')
                    break
            td = Typedef(name='', kind='enum', attrs=attrs, values=values)
            td.value_notes = notes
        else:
            typ = self.type_name()
            td = None
            base = typ
        # declarators: NAME, *PNAME, ...
        first = True
        while True:
            d = self.declarator({}, '')
            if td is not None and first and d.nptr == 0:
                td.name = d.name
                td.line = start.line
                td.file = start.file
                td.comment = start.comment
                self.add_type(iface, td, start)
            elif td is not None:
                # pointer alias of the struct/enum just defined
                tgt = Decl(name='', type=td.name or self.err('pointer typedef before name'),
                           nptr=d.nptr, attrs={})
                self.add_type(iface, Typedef(name=d.name, kind='alias', target=tgt,
                                             line=start.line, file=start.file), start)
            else:
                if 'context_handle' in attrs:
                    kind = 'handle'
                    tgt = None
                else:
                    kind = 'alias'
                    tgt = Decl(name='', type=base, nptr=d.nptr, array=d.array, attrs=dict(attrs))
                self.add_type(iface, Typedef(name=d.name, kind=kind, attrs=attrs, target=tgt,
                                             line=start.line, file=start.file,
                                             comment=start.comment), start)
            first = False
            if not self.accept(','):
                break
        self.expect(';')

    def add_type(self, iface, td, tok):
        if td.name in iface.types:
            self.err('type %s defined twice' % td.name, tok)
        iface.types[td.name] = td

    def method(self, iface):
        start = self.peek()
        attrs = self.attrs()
        ret = self.type_name()
        ret_ptr = 0
        while self.accept('*'):
            ret_ptr += 1
        if ret_ptr:
            self.err('pointer return types are not supported')
        name = self.ident()
        self.expect('(')
        params = []
        if self.peek().val == 'void' and self.peek(1).val == ')':
            self.next()
        while not self.accept(')'):
            ptok = self.peek()
            pattrs = self.attrs()
            ptype = self.type_name()
            d = self.declarator(pattrs, ptype)
            d.line = ptok.line
            params.append(d)
            if not self.accept(','):
                self.expect(')')
                break
        self.expect(';')
        if 'opnum' not in attrs:
            self.err('method %s has no [opnum]' % name, start)
        opnum = int(attrs['opnum'][0], 0)
        sec = re.search(r'MS-CMRP\s+([0-9.]+[0-9])', start.comment or '')
        iface.methods.append(Method(opnum=opnum, name=name, ret=ret, params=params, attrs=attrs,
                                    line=start.line, file=start.file,
                                    section=sec.group(1) if sec else ''))


HEADER_RE = re.compile(r'\[\s*uuid\(\s*([0-9a-fA-F-]{36})\s*\)((?:\s*,\s*version\(\s*\d+\.\d+\s*\))+)\s*\]'
                       r'\s*interface\s+(\w+)\s*\{(.*)\}\s*;?\s*$', re.S)


def parse_idl(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    body = re.sub(r'//[^\n]*|/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), text, flags=re.S)
    m = HEADER_RE.search(body)
    if not m:
        raise IdlError('%s: no "[uuid(...), version(x.y)] interface NAME { ... }" header' % path)
    versions = [tuple(int(x) for x in v.split('.'))
                for v in re.findall(r'version\(\s*(\d+\.\d+)\s*\)', m.group(2))]
    iface = Interface(name=m.group(3), uuid=m.group(1).lower(), versions=versions, types={},
                      methods=[], consts={})
    base = os.path.dirname(os.path.abspath(path))
    imports = re.findall(r'import\s+"([^"]+)"\s*;', m.group(4))
    if not imports:
        raise IdlError('%s: the interface imports nothing' % path)
    for imp in imports:
        ipath = os.path.join(base, imp)
        with open(ipath, encoding='utf-8') as f:
            Parser(tokenize(f.read(), os.path.relpath(ipath, base))).parse_file(iface)
    check(iface)
    return iface


# ---------------------------------------------------------------------------------------------
# Semantic checks: an IDL that the walker would misread must fail the build instead.

def resolve(iface, name):
    """Follow aliases to a base type, handle, struct or enum. Returns (kind, name, extra_ptr, attrs)."""
    nptr = 0
    attrs = {}
    seen = set()
    while True:
        if name in BASE_TYPES:
            return ('base', name, nptr, attrs)
        if name in STRING_ALIASES:
            return ('base', STRING_ALIASES[name], nptr + 1, attrs)
        if name in BUILTIN_STRUCTS:
            return ('builtin', name, nptr, attrs)
        if name == 'void':
            return ('void', name, nptr, attrs)
        td = iface.types.get(name)
        if td is None:
            raise IdlError('unknown type %s' % name)
        if td.kind != 'alias':
            return (td.kind, name, nptr, attrs)
        if name in seen:
            raise IdlError('alias loop at %s' % name)
        seen.add(name)
        nptr += td.target.nptr
        for k, v in td.target.attrs.items():
            attrs.setdefault(k, v)
        name = td.target.type


# The attributes the generator implements, by where they stand. Anything else fails the build
# (with file:line): an attribute the walker would silently ignore is a wire fact lost.
#   v2 / v3 on a parameter: present only in ClusAPI 2.0 / 3.0 (see methods-*.idl);
#   v3range on a parameter: its range() is 3.0's only (the 2.0 signature declares none);
#   not_on_wire on a method: an opnum slot no client sends.
PARAM_ATTRS = {'in', 'out', 'string', 'unique', 'ref', 'ptr', 'size_is', 'length_is', 'range',
               'v2', 'v3', 'v3range'}
MEMBER_ATTRS = {'string', 'unique', 'ref', 'ptr', 'size_is', 'length_is', 'range'}
METHOD_ATTRS = {'opnum', 'v3', 'not_on_wire'}
TYPEDEF_ATTRS = {'context_handle', 'v1_enum'}
ALIAS_ATTRS = {'string', 'unique', 'ref', 'ptr'}


def range_bounds(d, where):
    """(min, max) of a range(min, max) attribute as integers, or None. Both bounds must be
    integer constant expressions (digits, * + - << and parentheses)."""
    args = d.attrs.get('range')
    if args is None:
        return None
    if len(args) != 2:
        raise IdlError('%s: range() takes two bounds, not %d' % (where, len(args)))
    out = []
    for a in args:
        if not re.fullmatch(r'[0-9xXa-fA-F()+*\-<> ]+', a) or not re.match(r'\s*[(0-9]', a):
            raise IdlError('%s: range bound %r is not an integer constant' % (where, a))
        try:
            out.append(int(eval(a, {'__builtins__': {}}, {})))   # digits and operators only
        except Exception:
            raise IdlError('%s: range bound %r is not an integer constant' % (where, a))
    if out[0] > out[1]:
        raise IdlError('%s: range(%d, %d) is empty' % (where, out[0], out[1]))
    return tuple(out)


def check_attributes(iface):
    """Reject every attribute the generator does not implement, and malformed range()s."""
    for td in iface.types.values():
        where = '%s:%d %s' % (td.file, td.line, td.name)
        allowed = ALIAS_ATTRS | TYPEDEF_ATTRS if td.kind in ('alias', 'handle') else TYPEDEF_ATTRS
        for a in td.attrs:
            if a not in allowed:
                raise IdlError('%s: attribute [%s] is not implemented by the generator' % (where, a))
        for mem in td.members:
            mwhere = '%s:%d %s.%s' % (td.file, mem.line or td.line, td.name, mem.name)
            for a in mem.attrs:
                if a not in MEMBER_ATTRS:
                    raise IdlError('%s: attribute [%s] is not implemented by the generator'
                                   % (mwhere, a))
            range_bounds(mem, mwhere)
    for m in iface.methods:
        for a in m.attrs:
            if a not in METHOD_ATTRS:
                raise IdlError('%s:%d %s: attribute [%s] is not implemented by the generator'
                               % (m.file, m.line, m.name, a))
        for p in m.params:
            pwhere = '%s:%d %s.%s' % (m.file, p.line or m.line, m.name, p.name)
            for a in p.attrs:
                if a not in PARAM_ATTRS:
                    raise IdlError('%s: attribute [%s] is not implemented by the generator'
                                   % (pwhere, a))
            if 'v3range' in p.attrs and 'range' not in p.attrs:
                raise IdlError('%s: [v3range] without range()' % pwhere)
            range_bounds(p, pwhere)


def check(iface):
    check_attributes(iface)
    for td in iface.types.values():
        if td.kind == 'struct':
            names = set()
            for i, mem in enumerate(td.members):
                resolve(iface, mem.type)
                if mem.name in names:
                    raise IdlError('%s: member %s twice' % (td.name, mem.name))
                names.add(mem.name)
                if mem.array == '*' and i != len(td.members) - 1:
                    raise IdlError('%s: conformant array %s is not the last member'
                                   % (td.name, mem.name))
        elif td.kind == 'alias':
            resolve(iface, td.target.type)
    seen = {}
    for m in iface.methods:
        where = '%s:%d %s' % (m.file, m.line, m.name)
        if m.opnum in seen:
            raise IdlError('%s: opnum %d already used by %s' % (where, m.opnum, seen[m.opnum]))
        seen[m.opnum] = m.name
        if m.ret != 'void':
            resolve(iface, m.ret)
        names = set()
        for p in m.params:
            if p.name in names:
                raise IdlError('%s: parameter %s twice' % (where, p.name))
            names.add(p.name)
            if 'in' not in p.attrs and 'out' not in p.attrs:
                raise IdlError('%s: %s is neither [in] nor [out]' % (where, p.name))
            kind, _, extra, _ = resolve(iface, p.type)
            if 'out' in p.attrs and p.nptr + extra == 0 and p.array is None and kind != 'handle':
                raise IdlError('%s: [out] %s is not a pointer' % (where, p.name))
            for corr in ('size_is', 'length_is'):
                for arg in p.attrs.get(corr, []):
                    ref = re.sub(r'[^A-Za-z0-9_]', ' ', arg).split()
                    ref = [r for r in ref if not r.isdigit()]
                    for r in ref:
                        if r not in {q.name for q in m.params}:
                            raise IdlError('%s: %s(%s) names no parameter' % (where, corr, arg))
    ops = sorted(seen)
    if ops != list(range(len(ops))):
        missing = sorted(set(range(max(ops) + 1)) - set(ops))
        raise IdlError('opnum slots missing: %s' % missing[:20])


def main(argv):
    iface = parse_idl(argv[1])
    defined = [m for m in iface.methods if not m.not_on_wire]
    print('%s %s versions %s: %d types, %d slots, %d methods (%d in v2.0)' % (
        iface.name, iface.uuid, iface.versions, len(iface.types), len(iface.methods), len(defined),
        len([m for m in defined if not m.v3_only])))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
