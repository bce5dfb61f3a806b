#!/usr/bin/env python3
"""Generate the plugin's NDR tables from idl/clusapi.idl and idl/cmrp.cnf. Python 3 stdlib only.

usage: cmrpgen.py IDL CNF [CNF...] OUT_DIR   writes OUT_DIR/cmrp-gen.c and OUT_DIR/cmrp-gen.h

Several sidecars may be given (one per area: cmrp.cnf, notify.cnf, ...); they are read in order
and behave as one file.

The output is data, not code: one descriptor per method, parameter, structure and member, plus the
hf/ett registration for every field those descriptors name. plugin/cmrp-ndr.c interprets it.
The generator fails (exit 1) on anything it cannot map to the wire exactly, and on cnf lines that
were never used, so a stale sidecar cannot rot silently.
"""
import fnmatch
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cmrpidl import BASE_TYPES, BUILTIN_STRUCTS, IdlError, parse_idl, range_bounds, resolve  # noqa: E402


class GenError(Exception):
    pass


# ------------------------------------------------------------------------------------------------
# Sidecar

class CnfLine:
    def __init__(self, lineno, cmd, args):
        self.lineno = lineno
        self.cmd = cmd
        self.args = args
        self.used = 0


def read_cnf(path):
    lines = []
    name = os.path.basename(path)
    with open(path, encoding='utf-8') as f:
        for n, raw in enumerate(f, 1):
            raw = raw.split('#', 1)[0].strip()
            if not raw:
                continue
            parts = re.findall(r'\S*"[^"]*"\S*|\S+', raw)
            lines.append(CnfLine('%s:%d' % (name, n), parts[0], parts[1:]))
    for ln in lines:
        if ln.cmd not in ('FIELD', 'HOOK', 'MODULE', 'NAME', 'BITS', 'OBJECT'):
            raise GenError('%s: unknown command %s' % (ln.lineno, ln.cmd))
    return lines


def kv(args):
    out = {}
    for a in args:
        if '=' in a:
            k, v = a.split('=', 1)
            out[k] = v.strip('"')
    return out


# ------------------------------------------------------------------------------------------------
# Field model

FT_BY_UINT = {1: 'FT_UINT8', 2: 'FT_UINT16', 4: 'FT_UINT32', 8: 'FT_UINT64'}
FT_BY_INT = {1: 'FT_INT8', 2: 'FT_INT16', 4: 'FT_INT32', 8: 'FT_INT64'}


class Field:
    def __init__(self, abbrev, label, ftype, display, strings, blurb, mask=0):
        self.abbrev = abbrev
        self.label = label
        self.ftype = ftype
        self.display = display
        self.strings = strings
        self.blurb = blurb
        self.mask = mask
        self.bits = []            # child FT_BOOLEAN fields of a bitmask field

    @property
    def cname(self):
        return 'hf_' + re.sub(r'[^A-Za-z0-9]', '_', self.abbrev)

    def key(self):
        return (self.ftype, self.display, self.strings, tuple(b.abbrev for b in self.bits))


class Gen:
    def __init__(self, iface, cnf):
        self.iface = iface
        self.cnf = cnf
        self.fields = {}          # abbrev -> Field
        self.structs = []         # names, in index order
        self.struct_index = {}
        self.enums_used = set()
        self.buffer_hooks = []
        self.scalar_hooks = []
        self.modules = [ln.args[0] for ln in cnf if ln.cmd == 'MODULE']
        for ln in cnf:
            if ln.cmd == 'MODULE':
                ln.used += 1

    # -- cnf lookups ------------------------------------------------------------------------------
    def cnf_match(self, cmd, scope, name):
        key = '%s.%s' % (scope, name)
        for ln in self.cnf:
            if ln.cmd == cmd and fnmatch.fnmatchcase(key, ln.args[0]):
                ln.used += 1
                return ln
        return None

    # -- type facts -------------------------------------------------------------------------------
    def struct_idx(self, name):
        if name not in self.struct_index:
            self.struct_index[name] = len(self.structs)
            self.structs.append(name)
        return self.struct_index[name]

    def members_of(self, sname):
        if sname in BUILTIN_STRUCTS:
            raise GenError('builtin %s is not a walkable struct' % sname)
        return self.iface.types[sname].members

    def value_facts(self, basekind, basename):
        """(kind, size, align, align64, signed) of one value after pointers/arrays are removed."""
        if basekind == 'base':
            k, size = BASE_TYPES[basename]
            if k == 'binding':
                return ('CMRP_K_BINDING', 0, 1, 1)
            if k in ('uint3264', 'int3264'):
                return ('CMRP_K_UINT3264', 4, 4, 8)
            if basename in ('BOOL', 'BOOLEAN'):
                return ('CMRP_K_BOOL', size, size, size)
            if k == 'char16':
                return ('CMRP_K_CHAR16', 2, 2, 2)
            return ('CMRP_K_UINT' if k == 'uint' else 'CMRP_K_INT', size, size, size)
        if basekind == 'builtin':
            if basename in ('GUID', 'UUID'):
                return ('CMRP_K_GUID', 16, 4, 4)
            return ('CMRP_K_FILETIME', 8, 4, 4)
        if basekind == 'handle':
            return ('CMRP_K_HANDLE', 20, 4, 4)
        if basekind == 'enum':
            v1 = 'v1_enum' in self.iface.types[basename].attrs
            return ('CMRP_K_ENUM', 4 if v1 else 2, 4 if v1 else 2, 4)
        if basekind == 'struct':
            a, a64 = self.struct_align(basename)
            return ('CMRP_K_STRUCT', 0, a, a64)
        raise GenError('cannot put %s %s on the wire' % (basekind, basename))

    def struct_align(self, sname, seen=()):
        if sname in seen:
            raise GenError('recursive structure %s' % sname)
        a = a64 = 1
        for m in self.members_of(sname):
            ma, ma64 = self.member_align(m, seen + (sname,))
            a, a64 = max(a, ma), max(a64, ma64)
        if self.is_conformant(sname):
            a, a64 = max(a, 4), max(a64, 8)
        return a, a64

    def is_conformant(self, sname):
        mem = self.members_of(sname)
        return bool(mem) and mem[-1].array == '*'

    def member_align(self, d, seen):
        bk, bn, extra, _ = resolve(self.iface, d.type)
        if d.nptr + extra > 0:
            return 4, 8
        if bk == 'struct':
            return self.struct_align(bn, seen)
        _, _, a, a64 = self.value_facts(bk, bn)
        return a, a64

    # -- elements ---------------------------------------------------------------------------------
    def element(self, d, scope, is_param, method=None):
        bk, bn, extra, alias_attrs = resolve(self.iface, d.type)
        attrs = dict(alias_attrs)
        attrs.update(d.attrs)
        nptr = d.nptr + extra
        kind, size, _, _ = self.value_facts(bk, bn)
        if kind == 'CMRP_K_BINDING' and nptr:
            raise GenError('%s.%s: pointer to handle_t' % (scope, d.name))
        size_args = attrs.get('size_is', [])
        length_args = attrs.get('length_is', [])
        string = 'string' in attrs
        outer = 'CMRP_A_NONE'
        inner = 'CMRP_A_NONE'
        fixed = 0
        if d.array == '*':
            outer = 'CMRP_A_CONFVAR' if length_args and not string else 'CMRP_A_CONF'
        elif isinstance(d.array, int):
            fixed = d.array
            outer = 'CMRP_A_VAR' if length_args and not string else 'CMRP_A_FIXED'
        if nptr:
            if string:
                inner = 'CMRP_A_STRING'
            elif outer == 'CMRP_A_NONE' and (any(a.strip() for a in size_args) or length_args):
                inner = 'CMRP_A_CONFVAR' if length_args else 'CMRP_A_CONF'
            # size_is(, *n): the array hangs off the second pointer level
            if size_args and not size_args[0].strip() and nptr < 2:
                raise GenError('%s.%s: size_is(,x) needs two pointer levels' % (scope, d.name))
        elif string and outer == 'CMRP_A_NONE':
            raise GenError('%s.%s: [string] on a non-pointer' % (scope, d.name))
        ptrs = []
        for lvl in range(nptr):
            # the pointers of an array parameter's elements are embedded, not top-level
            if lvl == 0 and is_param and d.array is None:
                if 'unique' in attrs:
                    ptrs.append('CMRP_P_UNIQUE')
                elif 'ptr' in attrs:
                    ptrs.append('CMRP_P_FULL')
                else:
                    ptrs.append('CMRP_P_REF')
            elif lvl == 0 and 'ref' in attrs:
                ptrs.append('CMRP_P_REF')
            elif lvl == 0 and 'ptr' in attrs:
                ptrs.append('CMRP_P_FULL')
            else:
                ptrs.append('CMRP_P_UNIQUE')
        if nptr > 4:
            raise GenError('%s.%s: too many pointer levels' % (scope, d.name))
        flags = []
        if is_param:
            if 'in' in attrs:
                flags.append('CMRP_F_IN')
            if 'out' in attrs:
                flags.append('CMRP_F_OUT')
            if 'v2' in attrs:
                flags.append('CMRP_F_V2ONLY')
            if 'v3' in attrs:
                flags.append('CMRP_F_V3ONLY')
        if kind == 'CMRP_K_ENUM' and size == 4:
            flags.append('CMRP_F_V1ENUM')
        if kind == 'CMRP_K_INT':
            flags.append('CMRP_F_SIGNED')
        arrayed = outer != 'CMRP_A_NONE' or inner not in ('CMRP_A_NONE', 'CMRP_A_STRING')
        is_bytes = arrayed and kind in ('CMRP_K_UINT', 'CMRP_K_CHAR16') and size <= 2 and not string
        if is_bytes:
            flags.append('CMRP_F_BYTES')
        obj_type, obj_role, obj_effect = self.object_of(d, scope, is_param, attrs, kind, bn,
                                                         string)
        if obj_type is not None and string:
            flags.append('CMRP_F_SAVESTR')
        sub = self.struct_idx(bn) if kind == 'CMRP_K_STRUCT' else -1
        # field
        hook = self.cnf_match('HOOK', scope, d.name)
        scalar_hooked = bool(hook) and hook.args[1] == 'scalar'
        hf = 'NULL'
        if kind == 'CMRP_K_HANDLE':
            hf = '&hf_cmrp_handle'
        elif d.name == '_return':
            hf = '&hf_cmrp_rc'
        elif scalar_hooked:
            pass    # the hook adds its own item: no generated field
        elif kind not in ('CMRP_K_STRUCT', 'CMRP_K_BINDING'):
            fld = self.field_for(d, scope, is_param, kind, size, bn if bk == 'enum' else None,
                                 string, is_bytes, method)
            hf = '&' + fld.cname
        bits = 'NULL'
        bits_ett = 'NULL'
        if hf.startswith('&hf_') and hf != '&hf_cmrp_handle' and hf != '&hf_cmrp_rc':
            f = self.field_by_cname(hf[1:])
            if f is not None and f.bits:
                bits = 'cmrp_bits_%s' % f.cname[3:]
                bits_ett = '&ett_cmrp_bits_%s' % f.cname[3:]
        bh = sh = -1
        if hook:
            kindh, name = hook.args[1], hook.args[2]
            if kindh == 'buffer':
                if not is_bytes and not string:
                    raise GenError('cnf %s: buffer hook on %s.%s, which is not a byte buffer or string'
                                   % (hook.lineno, scope, d.name))
                if name not in self.buffer_hooks:
                    self.buffer_hooks.append(name)
                bh = self.buffer_hooks.index(name)
            elif kindh == 'scalar':
                if kind not in ('CMRP_K_UINT', 'CMRP_K_INT', 'CMRP_K_ENUM', 'CMRP_K_UINT3264') \
                        or arrayed:
                    raise GenError('cnf %s: scalar hook on non-scalar %s.%s'
                                   % (hook.lineno, scope, d.name))
                if name not in self.scalar_hooks:
                    self.scalar_hooks.append(name)
                sh = self.scalar_hooks.index(name)
            else:
                raise GenError('cnf %s: hook kind must be buffer or scalar' % hook.lineno)
        ptr_init = '{%s}' % ', '.join(ptrs or ['CMRP_P_REF'])
        decl = '%s%s %s%s' % ('[%s] ' % ', '.join(
            k + ('(%s)' % ','.join(v) if v else '') for k, v in d.attrs.items()) if d.attrs else '',
            d.type, '*' * d.nptr, d.name)
        obj = '0, 0, NULL'
        if obj_type is not None:
            obj = '%s, %s, %s' % ('CMRP_O_' + obj_type.upper(),
                                  'CMRP_E_' + (obj_effect or 'none').upper(),
                                  '"%s"' % obj_role if obj_role else 'NULL')
        return ('{ "%s", %s, %s, %d, %d, %s, %s, %s, %s, %d, %d, %d, %d, %s, %s, %s }, /* %s */'
                % (d.name, hf, kind, size, nptr, outer, inner, ptr_init,
                   ' | '.join(flags) or '0', fixed, sub, bh, sh, bits, bits_ett, obj,
                   decl.replace('*/', '* /')))

    def object_of(self, d, scope, is_param, attrs, kind, bn, string):
        """(type, role, effect) of a parameter that designates an object, or (None, None, None).
        Every [in] context handle designates an object of its handle type; cmrp.cnf OBJECT lines
        add the [in] strings naming objects and give roles and effects."""
        if not is_param:
            return None, None, None
        if 'in' not in attrs:
            # an opened handle: its type only (the handle table names it)
            if kind == 'CMRP_K_HANDLE':
                return HANDLE_OBJECTS.get(bn, 'none'), None, None
            return None, None, None
        ln = self.cnf_match('OBJECT', scope, d.name)
        if kind != 'CMRP_K_HANDLE' and ln is None:
            return None, None, None
        opts = kv(ln.args[1:]) if ln else {}
        if kind == 'CMRP_K_HANDLE':
            otype = HANDLE_OBJECTS.get(bn, 'none')   # a handle type we do not know: an object
            if 'type' in opts and opts['type'] != otype:
                raise GenError('cnf %s: %s.%s is a %s handle' % (ln.lineno, scope, d.name, bn))
        elif not string:
            raise GenError('cnf %s: OBJECT on %s.%s, neither a handle nor a string'
                           % (ln.lineno, scope, d.name))
        else:
            otype = opts.get('type')
            if otype is None:
                raise GenError('cnf %s: OBJECT %s.%s needs type=' % (ln.lineno, scope, d.name))
        if otype not in dict(OBJECT_TYPES):
            raise GenError('cnf: unknown object type %s at %s.%s' % (otype, scope, d.name))
        effect = opts.get('effect')
        if effect not in (None, 'rename', 'delete'):
            raise GenError('cnf %s: effect must be rename or delete' % ln.lineno)
        return otype, opts.get('role'), effect

    def field_by_cname(self, cname):
        for f in self.fields.values():
            if f.cname == cname:
                return f
        return None

    def field_for(self, d, scope, is_param, kind, size, enum, string, is_bytes, method):
        ln = self.cnf_match('FIELD', scope, d.name)
        opts = kv(ln.args[2:]) if ln else {}
        if ln:
            abbrev = ln.args[1]
        elif is_param and enum:
            abbrev = 'cmrp.%s.%s' % (scope.lower(), d.name.lower())
        elif is_param:
            abbrev = 'cmrp.' + d.name.lower()
        else:
            abbrev = 'cmrp.%s.%s' % (scope.lower(), d.name.lower())
        label = opts.get('label', d.name)
        display = 'BASE_NONE'
        strings = 'NULL'
        if string:
            ftype = 'FT_STRING'
        elif is_bytes:
            ftype = 'FT_BYTES'
        elif kind == 'CMRP_K_GUID':
            ftype = 'FT_GUID'
        elif kind == 'CMRP_K_FILETIME':
            ftype, display = 'FT_ABSOLUTE_TIME', 'ABSOLUTE_TIME_UTC'
        elif kind == 'CMRP_K_BOOL':
            ftype = 'FT_BOOLEAN'
        elif kind == 'CMRP_K_UINT3264':
            ftype, display = 'FT_UINT64', 'BASE_HEX'
        elif kind == 'CMRP_K_CHAR16':
            ftype, display = 'FT_UINT16', 'BASE_HEX'
        elif kind == 'CMRP_K_INT':
            ftype, display = FT_BY_INT[size], 'BASE_DEC'
        else:
            ftype = 'FT_UINT32' if kind == 'CMRP_K_ENUM' else FT_BY_UINT[size]
            display = 'BASE_DEC'
            if enum:
                opts.setdefault('vals', enum)
        if 'base' in opts:
            if not ftype.startswith(('FT_UINT', 'FT_INT')):
                raise GenError('cnf: base= on non-integer %s.%s' % (scope, d.name))
            display = {'hex': 'BASE_HEX', 'dec': 'BASE_DEC', 'dec_hex': 'BASE_DEC_HEX',
                       'hex_dec': 'BASE_HEX_DEC'}[opts['base']]
        if 'vals' in opts:
            if not ftype.startswith(('FT_UINT', 'FT_INT')) or ftype.endswith('64'):
                raise GenError('cnf: vals= on %s %s.%s' % (ftype, scope, d.name))
            v = opts['vals']
            if v == 'errors':
                strings = 'VALS_EXT_PTR(&cmrp_error_vals_ext)'
                display = display + '|BASE_EXT_STRING'
            else:
                td = self.iface.types.get(v)
                if td is None or td.kind != 'enum':
                    raise GenError('cnf: vals=%s is not an IDL enum' % v)
                self.enums_used.add(v)
                strings = 'VALS(cmrp_vs_%s)' % v
        blurb = opts.get('blurb')
        fld = Field(abbrev, label, ftype, display, strings, blurb)
        if 'bits' in opts:
            if ftype not in ('FT_UINT32', 'FT_UINT16', 'FT_UINT8'):
                raise GenError('cnf: bits= on %s %s.%s' % (ftype, scope, d.name))
            fld.display = 'BASE_HEX'
            fld.bits = self.bit_fields(abbrev, opts['bits'], int(ftype[7:]))
        old = self.fields.get(abbrev)
        if old is None:
            self.fields[abbrev] = fld
            return fld
        if old.key() != fld.key() and not ln:
            # same spec name, different wire type: keep both, the second one typed by its suffix
            fld.abbrev = abbrev + '.' + fld.ftype[3:].lower()
            return self.fields.setdefault(fld.abbrev, fld)
        if old.key() != fld.key():
            raise GenError('field %s used with two types: %s and %s (at %s.%s); name them apart '
                           'in cmrp.cnf' % (abbrev, old.key(), fld.key(), scope, d.name))
        return old

    def bit_fields(self, parent, enum, width):
        """One FT_BOOLEAN per single-bit value of `enum`, named below the parent field."""
        td = self.iface.types.get(enum)
        if td is None or td.kind != 'enum':
            raise GenError('cnf: bits=%s is not an IDL enum' % enum)
        names = [n for n, v in td.values if v and v & (v - 1) == 0]
        prefix = os.path.commonprefix(names)
        prefix = prefix[:prefix.rfind('_') + 1] if '_' in prefix else ''
        out = []
        seen = set()
        for n, v in sorted(td.values, key=lambda x: x[1]):
            if not v or v & (v - 1) or v in seen or v >= (1 << width):
                continue
            seen.add(v)
            short = n[len(prefix):].lower()
            out.append(Field('%s.%s' % (parent, short), n, 'FT_BOOLEAN', str(width), 'NULL', None,
                             mask=v))
        if not out:
            raise GenError('cnf: bits=%s has no single-bit values' % enum)
        return out

    # -- methods ----------------------------------------------------------------------------------
    def handle_role(self, m):
        """OPEN if the method hands out a new context handle, CLOSE if it takes one back."""
        def is_handle(p):
            return resolve(self.iface, p.type)[0] == 'handle'
        inout = [p for p in m.params if is_handle(p) and 'in' in p.attrs and 'out' in p.attrs]
        outs = [p for p in m.params if is_handle(p) and 'out' in p.attrs and 'in' not in p.attrs]
        ret_handle = m.ret != 'void' and resolve(self.iface, m.ret)[0] == 'handle'
        if inout:
            return 'CMRP_H_CLOSE', None
        if outs or ret_handle:
            htype = m.ret if ret_handle else outs[0].type
            return 'CMRP_H_OPEN', htype
        return 'CMRP_H_NONE', None

    def check_subjects(self, m):
        """At most one object parameter without a role: the call's subject."""
        subjects = []
        for p in m.params:
            if 'in' not in p.attrs:
                continue
            bk, bn, _, _ = resolve(self.iface, p.type)
            ln = None
            for c in self.cnf:
                if c.cmd == 'OBJECT' and fnmatch.fnmatchcase('%s.%s' % (m.name, p.name), c.args[0]):
                    ln = c
                    break
            if bk != 'handle' and ln is None:
                continue
            if ln is None or 'role' not in kv(ln.args[1:]):
                subjects.append(p.name)
        if len(subjects) > 1:
            raise GenError('%s: parameters %s all designate the call\'s subject; give all but '
                           'one a role (OBJECT line in cmrp.cnf)' % (m.name, ', '.join(subjects)))

    def method_row(self, m, rows):
        self.check_subjects(m)
        role, htype = self.handle_role(m)
        name_param = parent_param = -1
        default_name = 'NULL'
        if role == 'CMRP_H_OPEN':
            for i, p in enumerate(m.params):
                if 'in' in p.attrs and 'string' in p.attrs and name_param < 0 and 'v2' not in p.attrs:
                    name_param = i
                if ('in' in p.attrs and resolve(self.iface, p.type)[0] == 'handle'
                        and p.type == htype and parent_param < 0):
                    parent_param = i
            ln = self.cnf_match('NAME', m.name, 'return')
            if ln:
                opts = kv(ln.args[1:])
                if 'default' in opts:
                    default_name = '"%s"' % opts['default']
                if opts.get('param') == 'none':
                    name_param = -1
            if default_name == 'NULL':
                default_name = '"%s"' % DEFAULT_NAMES.get(htype, htype)
        flags = []
        if m.v3_only:
            flags.append('CMRP_M_V3ONLY')
        if m.not_on_wire:
            flags.append('CMRP_M_NOT_ON_WIRE')
        if len(m.params) > 24:
            raise GenError('%s: more than 24 parameters' % m.name)
        params = 'cmrp_p_%s' % m.name if m.params else 'NULL'
        ret = 'NULL'
        if m.ret != 'void':
            ret = '&cmrp_r_%s' % m.name
        rows.append('    { %d, "%s", %s, %s, %s, %d, %s, "%s", %s, %d, %d },'
                    % (m.opnum, m.name, ' | '.join(flags) or '0', role, params, len(m.params), ret,
                       m.section, default_name, name_param, parent_param))

    # -- output -----------------------------------------------------------------------------------
    def generate(self):
        out = []
        w = out.append
        methods = sorted(self.iface.methods, key=lambda m: m.opnum)
        for m in methods:
            if m.params:
                w('/* %s:%d  MS-CMRP %s */' % (m.file, m.line, m.section))
                w('static const cmrp_elem_t cmrp_p_%s[] = {' % m.name)
                for p in m.params:
                    w('    ' + self.element(p, m.name, True, m))
                w('};')
            if m.ret != 'void':
                from cmrpidl import Decl
                rd = Decl(name='_return', type=m.ret, attrs={'out': []})
                row = self.element(rd, m.name, True, m)
                w('static const cmrp_elem_t cmrp_r_%s = %s' % (m.name, row.split(' /*')[0].rstrip().rstrip(',') + ';'))
        # structures (the list grows while members are emitted)
        struct_rows = []
        i = 0
        while i < len(self.structs):
            sname = self.structs[i]
            td = self.iface.types[sname]
            w('/* %s:%d */' % (td.file, td.line))
            w('static const cmrp_elem_t cmrp_s_%s[] = {' % sname)
            for mem in td.members:
                w('    ' + self.element(mem, sname, False))
            w('};')
            a, a64 = self.struct_align(sname)
            struct_rows.append('    { "%s", &ett_cmrp_s_%s, cmrp_s_%s, %d, %d, %d, %s },'
                               % (sname, sname, sname, len(td.members), a, a64,
                                  'true' if self.is_conformant(sname) else 'false'))
            i += 1
        body = '\n'.join(out)
        rows = []
        for m in methods:
            self.method_row(m, rows)
        bits_exports(self)
        unused = [ln for ln in self.cnf if ln.used == 0]
        if unused:
            raise GenError('cmrp.cnf lines never used: %s'
                           % ', '.join('%s (%s %s)' % (ln.lineno, ln.cmd, ' '.join(ln.args))
                                       for ln in unused))
        if [m.opnum for m in methods] != list(range(len(methods))):
            raise GenError('opnum table has holes')
        return body, struct_rows, rows

    def fields_cname_of_return(self, row):
        m = re.search(r'&(hf_[A-Za-z0-9_]+)', row)
        return m.group(0) if m else 'NULL'

    def enum_table(self, name):
        td = self.iface.types[name]
        seen = set()
        rows = []
        for vname, val in sorted(td.values, key=lambda x: x[1]):
            if val in seen:
                continue
            seen.add(val)
            rows.append('    { 0x%x, "%s" },' % (val & 0xffffffff, vname))
        return ('const value_string cmrp_vs_%s[] = {\n%s\n    { 0, NULL }\n};'
                % (name, '\n'.join(rows)))


# ------------------------------------------------------------------------------------------------
# range(): one row per ranged element, bound to the element's descriptor by address

RANGE_KINDS = ('CMRP_K_UINT', 'CMRP_K_ENUM', 'CMRP_K_BOOL')


def range_rows(gen):
    """Rows of cmrp_ranges[]: every parameter (and emitted structure member) with range(). Only
    unsigned scalars are implemented; anything else fails the build with the IDL's file:line."""
    rows = []

    def one(d, array, index, scope, where, section):
        bounds = range_bounds(d, where)
        if bounds is None:
            return
        bk, bn, extra, _ = resolve(gen.iface, d.type)
        kind = gen.value_facts(bk, bn)[0]
        if kind not in RANGE_KINDS or d.nptr + extra or d.array is not None:
            raise GenError('%s: range() on %s is not implemented (unsigned scalars only)'
                           % (where, d.type))
        if bounds[0] < 0:
            raise GenError('%s: negative range bound on an unsigned value' % where)
        label = '%s.%s' % (scope, d.name) + (' (MS-CMRP %s)' % section if section else '')
        rows.append('    { &%s[%d], %d, %d, %s, "%s" },'
                    % (array, index, bounds[0], bounds[1],
                       'true' if 'v3range' in d.attrs else 'false', label))

    for m in sorted(gen.iface.methods, key=lambda x: x.opnum):
        for i, prm in enumerate(m.params):
            one(prm, 'cmrp_p_%s' % m.name, i, m.name,
                '%s:%d %s.%s' % (m.file, prm.line or m.line, m.name, prm.name), m.section)
    for sname in gen.structs:
        td = gen.iface.types[sname]
        for i, mem in enumerate(td.members):
            one(mem, 'cmrp_s_%s' % sname, i, sname,
                '%s:%d %s.%s' % (td.file, mem.line or td.line, sname, mem.name), '')
    return rows


# ------------------------------------------------------------------------------------------------
# Names hooks may ask the walker for (cmrp_hook_param / cmrp_hook_member): one generated
# identifier per parameter and member name, so a misspelt or stale name is a compile error.

def name_macros(gen):
    names = {'return'}
    for m in gen.iface.methods:
        names.update(prm.name for prm in m.params)
    for td in gen.iface.types.values():
        names.update(mem.name for mem in td.members)
    return ['#define CMRP_NAME_%s "%s"' % (n, n) for n in sorted(names)]


# ------------------------------------------------------------------------------------------------
# What hand-written modules take from the IDL instead of repeating it: every enum as a
# value_string (cmrp_vs_<ENUM>), every enum value as a constant (CMRP_<VALUE>), every opnum
# (CMRP_OPNUM_<Method>), and, for the enums named by a BITS line of a .cnf file, one FT_BOOLEAN
# field per single-bit value (cmrp_bits_<ENUM>, for proto_tree_add_bitmask under a hand field):
#   BITS <ENUM> <parent abbrev>

def exported_enums(gen):
    return sorted(n for n, td in gen.iface.types.items() if td.kind == 'enum')


def bits_exports(gen):
    """[(enum, [Field])] of the BITS lines, in cnf order (computed once)."""
    if getattr(gen, '_bits_exports', None) is None:
        out = []
        for ln in gen.cnf:
            if ln.cmd != 'BITS':
                continue
            if len(ln.args) != 2:
                raise GenError('%s: BITS <ENUM> <parent abbrev>' % ln.lineno)
            enum, parent = ln.args
            td = gen.iface.types.get(enum)
            if td is None or td.kind != 'enum':
                raise GenError('%s: BITS %s is not an IDL enum' % (ln.lineno, enum))
            ln.used += 1
            fields = gen.bit_fields(parent, enum, 32)
            notes = getattr(td, 'value_notes', {})
            for f in fields:
                note = notes.get(f.label, '')
                if note.startswith('SDK'):
                    f.blurb = 'SDK ClusAPI.h' + note[3:] + ' (not in MS-CMRP)'
                elif note:
                    f.blurb = 'MS-CMRP ' + note
            for f in fields:
                if f.abbrev in gen.fields:
                    raise GenError('%s: field %s also generated elsewhere' % (ln.lineno, f.abbrev))
            out.append((enum, fields))
        gen._bits_exports = out
    return gen._bits_exports


def export_decls(gen):
    out = []
    seen = set()
    for name in exported_enums(gen):
        out.append('extern const value_string cmrp_vs_%s[];' % name)
        for vname, val in gen.iface.types[name].values:
            if vname not in seen:
                seen.add(vname)
                out.append('#define CMRP_%s 0x%xu' % (vname, val & 0xffffffff))
    for m in sorted(gen.iface.methods, key=lambda x: x.opnum):
        out.append('#define CMRP_OPNUM_%s %d' % (m.name, m.opnum))
    for enum, _ in bits_exports(gen):
        out.append('extern int * const cmrp_bits_%s[];' % enum)
    return out


# Object types (cmrp.object_type): (cnf name, display name), in CMRP_O_* order.
OBJECT_TYPES = [
    ('none', 'object'), ('cluster', 'cluster'), ('node', 'node'), ('group', 'group'),
    ('resource', 'resource'), ('restype', 'resource type'), ('network', 'network'),
    ('netinterface', 'network interface'), ('key', 'registry key'),
    ('notify', 'notification port'), ('batch', 'batch port'), ('groupset', 'group set'),
]
HANDLE_OBJECTS = {
    'HCLUSTER_RPC': 'cluster', 'HNODE_RPC': 'node', 'HGROUP_RPC': 'group', 'HRES_RPC': 'resource',
    'HKEY_RPC': 'key', 'HNOTIFY_RPC': 'notify', 'HNETWORK_RPC': 'network',
    'HNETINTERFACE_RPC': 'netinterface', 'HBATCH_PORT_RPC': 'batch', 'HGENERIC_RPC': 'none',
    'HGROUPSET_RPC': 'groupset',
}

DEFAULT_NAMES = {
    'HCLUSTER_RPC': 'Cluster',
    'HKEY_RPC': 'HKEY_CLUSTER',
    'HNOTIFY_RPC': 'Notification port',
    'HBATCH_PORT_RPC': 'Batch port',
}


def write(outdir, iface, gen):
    body, struct_rows, method_rows = gen.generate()
    hdr = []
    h = hdr.append
    h('/* This file was generated by idl/gen/cmrpgen.py from idl/clusapi.idl and idl/cmrp.cnf.')
    h(' * Do not edit: change the IDL or the sidecar. */')
    h('#ifndef CMRP_GEN_H')
    h('#define CMRP_GEN_H')
    h('#include "cmrp-ndr.h"')
    h('#define CMRP_UUID_STR "%s"' % iface.uuid)
    u = iface.uuid.replace('-', '')
    h('#define CMRP_UUID_INIT { 0x%s, 0x%s, 0x%s, { %s } }' % (
        u[0:8], u[8:12], u[12:16], ', '.join('0x' + u[i:i + 2] for i in range(16, 32, 2))))
    h('#define CMRP_N_SLOTS %d' % len(iface.methods))
    h('#define CMRP_N_STRUCTS %d' % len(gen.structs))
    h('enum cmrp_obj_type { %s };' % ', '.join('CMRP_O_' + n.upper() for n, _ in OBJECT_TYPES))
    h('#define CMRP_N_OBJECT_TYPES %d' % len(OBJECT_TYPES))
    h('extern const char *const cmrp_object_type_names[CMRP_N_OBJECT_TYPES];')
    h('void cmrp_gen_register(int proto);')
    for name in gen.modules:
        h('void cmrp_register_%s(int proto);' % name)
    h('static inline void cmrp_gen_register_modules(int proto) {')
    for name in gen.modules:
        h('    cmrp_register_%s(proto);' % name)
    h('    (void)proto;')
    h('}')
    for name in gen.buffer_hooks:
        h('void cmrp_hook_%s(tvbuff_t *tvb, proto_tree *tree, cmrp_hook_ctx_t *ctx);' % name)
    for name in gen.scalar_hooks:
        h('void cmrp_hook_%s(tvbuff_t *tvb, int offset, int length, proto_tree *tree, '
          'cmrp_hook_ctx_t *ctx, uint64_t value);' % name)
    hdr.extend(name_macros(gen))
    hdr.extend(export_decls(gen))
    h('#endif')
    c = []
    p = c.append
    p('/* This file was generated by idl/gen/cmrpgen.py from idl/clusapi.idl and idl/cmrp.cnf.')
    p(' * Do not edit: change the IDL or the sidecar. */')
    p('#include "config.h"')
    p('#include <epan/packet.h>')
    p('#include "cmrp-gen.h"')
    p('#include "cmrp-errors.h"')
    p('')
    allf = sorted(gen.fields.values(), key=lambda f: f.abbrev)
    for fld in allf:
        p('static int %s = -1;' % fld.cname)
        for b in fld.bits:
            p('static int %s = -1;' % b.cname)
    for enum, fields in bits_exports(gen):
        for b in fields:
            p('static int %s = -1;' % b.cname)
        p('int * const cmrp_bits_%s[] = { %s, NULL };' % (enum, ', '.join('&' + b.cname for b in fields)))
    for sname in gen.structs:
        p('static int ett_cmrp_s_%s = -1;' % sname)
    for fld in allf:
        if fld.bits:
            p('static int ett_cmrp_bits_%s = -1;' % fld.cname[3:])
            p('static int * const cmrp_bits_%s[] = { %s, NULL };'
              % (fld.cname[3:], ', '.join('&' + b.cname for b in fld.bits)))
    p('')
    for e in exported_enums(gen):
        p(gen.enum_table(e))
    p('')
    p(body)
    p('')
    p('const cmrp_struct_t cmrp_structs[] = {')
    c.extend(struct_rows or ['    { NULL, NULL, NULL, 0, 1, 1, false },'])
    p('};')
    p('')
    p('const cmrp_method_t cmrp_methods[] = {')
    c.extend(method_rows)
    p('};')
    p('const unsigned cmrp_n_methods = %d;' % len(method_rows))
    p('')
    p('const char *const cmrp_object_type_names[CMRP_N_OBJECT_TYPES] = {')
    c.extend('    "%s",' % disp for _, disp in OBJECT_TYPES)
    p('};')
    p('const cmrp_buffer_hook_fn cmrp_buffer_hooks[] = {')
    c.extend('    cmrp_hook_%s,' % n for n in gen.buffer_hooks)
    p('    NULL\n};')
    p('const cmrp_scalar_hook_fn cmrp_scalar_hooks[] = {')
    c.extend('    cmrp_hook_%s,' % n for n in gen.scalar_hooks)
    p('    NULL\n};')
    ranges = range_rows(gen)
    p('const cmrp_range_t cmrp_ranges[] = {')
    c.extend(ranges)
    p('    { NULL, 0, 0, false, NULL }\n};')
    p('const unsigned cmrp_n_ranges = %d;' % len(ranges))
    p('')
    p('void cmrp_gen_register(int proto)')
    p('{')
    p('    static hf_register_info hf[] = {')
    for fld in sorted(gen.fields.values(), key=lambda f: f.abbrev):
        blurb = '"%s"' % fld.blurb if fld.blurb else 'NULL'
        p('        { &%s, { "%s", "%s", %s, %s, %s, 0, %s, HFILL } },'
          % (fld.cname, fld.label, fld.abbrev, fld.ftype, fld.display, fld.strings, blurb))
        for b in fld.bits:
            p('        { &%s, { "%s", "%s", FT_BOOLEAN, %s, NULL, 0x%x, NULL, HFILL } },'
              % (b.cname, b.label, b.abbrev, b.display, b.mask))
    for enum, fields in bits_exports(gen):
        for b in fields:
            p('        { &%s, { "%s", "%s", FT_BOOLEAN, %s, NULL, 0x%08x, %s, HFILL } },'
              % (b.cname, b.label, b.abbrev, b.display, b.mask,
                 '"%s"' % b.blurb if b.blurb else 'NULL'))
    p('    };')
    p('    static int *ett[] = {')
    for sname in gen.structs:
        p('        &ett_cmrp_s_%s,' % sname)
    for fld in sorted(gen.fields.values(), key=lambda f: f.abbrev):
        if fld.bits:
            p('        &ett_cmrp_bits_%s,' % fld.cname[3:])
    p('    };')
    p('    proto_register_field_array(proto, hf, array_length(hf));')
    p('    proto_register_subtree_array(ett, array_length(ett));')
    p('}')
    os.makedirs(outdir, exist_ok=True)
    for name, lines in (('cmrp-gen.h', hdr), ('cmrp-gen.c', c)):
        tmp = os.path.join(outdir, name + '.tmp')
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines) + '\n')
        os.replace(tmp, os.path.join(outdir, name))


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    try:
        iface = parse_idl(argv[1])
        cnf = []
        for path in argv[2:-1]:
            cnf.extend(read_cnf(path))
        gen = Gen(iface, cnf)
        write(argv[-1], iface, gen)
    except (IdlError, GenError) as e:
        sys.stderr.write('cmrpgen: %s\n' % e)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
