#!/usr/bin/env python3
"""Turn idl/tables/propmeanings.tsv into the C table of property meanings.

Usage: python3 idl/gen/gen_propmeanings.py idl/tables/propmeanings.tsv idl/clusapi.idl OUT.c

The table (tab-separated, '#' comment lines, one header line) has the columns
    object  property  meaning  values  source
(see the comment at the top of the table). `idl:ENUM` values are read from the IDL (through
cmrpidl.py), so an enumeration or bit mask that the IDL defines is written once.
The output C file defines, for plugin/packet-cmrp-proplist.c (types in plugin/cmrp-propmeanings.h):
    cmrp_propmeanings[]         one entry per row, sorted by (object, property name without case)
    cmrp_n_propmeanings         their number
    cmrp_propmeaning_find()     binary search
    cmrp_propmeanings_register() registers the fields of the bit masks:
        cmrp.prop.bits.<object>.<property>          the mask (FT_UINT32, hex)
        cmrp.prop.bits.<object>.<property>.<name>   one FT_BOOLEAN per bit
Python 3 standard library only.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cmrpidl  # noqa: E402

# CLUS_OBJECT_* (the object byte of a control code, bits 24-31)
OBJECTS = {
    'resource': 1, 'resourcetype': 2, 'group': 3, 'node': 4, 'network': 5,
    'netinterface': 6, 'cluster': 7, 'groupset': 8,
}
KINDS = {
    'enum': 'CMRP_PM_ENUM', 'bits': 'CMRP_PM_BITS', 'version': 'CMRP_PM_VERSION',
    'ms': 'CMRP_PM_MS', 's': 'CMRP_PM_S', 'min': 'CMRP_PM_MIN', 'h': 'CMRP_PM_H',
    'hour': 'CMRP_PM_HOUR', 'error': 'CMRP_PM_ERROR',
}
PROP = re.compile(r'^[A-Za-z][A-Za-z0-9_ -]*$')
NAME = re.compile(r'^[A-Za-z_][^,"\\]*$')


class TableError(Exception):
    pass


def c_str(s):
    return '"%s"' % s.replace('\\', '\\\\').replace('"', '\\"')


def parse_values(spec, where, enums):
    """[(value, name)] from 'v=Name,...' or 'idl:ENUM'."""
    if spec.startswith('idl:'):
        en = spec[4:]
        td = enums.get(en)
        if td is None:
            raise TableError('%s: no enum %s in the IDL' % (where, en))
        return [(v, n) for n, v in td.values]
    out = []
    for item in spec.split(','):
        if '=' not in item:
            raise TableError('%s: bad value %r (want v=Name)' % (where, item))
        v, n = item.split('=', 1)
        v, n = v.strip(), n.strip()
        try:
            num = int(v, 0)
        except ValueError:
            raise TableError('%s: bad number %r' % (where, v)) from None
        if not 0 <= num <= 0xFFFFFFFF or not NAME.match(n):
            raise TableError('%s: bad value %r' % (where, item))
        out.append((num, n))
    return out


def parse(path, enums):
    rows = []
    header = False
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip('\r\n')
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            cols = [c.strip() for c in line.split('\t')]
            if not header:
                header = True
                if cols[0] == 'object':
                    continue
            where = '%s:%d' % (path, lineno)
            if len(cols) != 5:
                raise TableError('%s: expected 5 columns, got %d' % (where, len(cols)))
            obj, prop, kind, values, source = cols
            if obj not in OBJECTS:
                raise TableError('%s: unknown object %r' % (where, obj))
            if not PROP.match(prop):
                raise TableError('%s: bad property name %r' % (where, prop))
            if kind not in KINDS:
                raise TableError('%s: unknown meaning %r' % (where, kind))
            if not source or source == '-':
                raise TableError('%s: every row cites its source' % where)
            vals = []
            if kind in ('enum', 'bits'):
                vals = parse_values(values, where, enums)
                if not vals:
                    raise TableError('%s: %s without values' % (where, kind))
                if len({v for v, _ in vals}) != len(vals):
                    raise TableError('%s: a value twice' % where)
                if kind == 'bits':
                    vals = [(v, n) for v, n in vals if v]     # 0 is "none", not a bit
                    for v, n in vals:
                        if v & (v - 1):
                            raise TableError('%s: %s is not one bit' % (where, n))
            elif values != '-':
                vals = parse_values(values, where, enums)     # special values of a number
            rows.append((OBJECTS[obj], prop.lower(), obj, prop, kind, vals, source, lineno))
    rows.sort()
    for a, b in zip(rows, rows[1:]):
        if a[:2] == b[:2]:
            raise TableError('%s:%d: %s %s already on line %d' % (path, b[7], b[2], b[3], a[7]))
    if not rows:
        raise TableError('%s: no rows' % path)
    return rows


def ident(s):
    return re.sub(r'[^a-z0-9]+', '_', s.lower()).strip('_')


def generate(rows, out_path, src_name):
    c = ['/* Generated by idl/gen/gen_propmeanings.py from %s. Do not edit. */' % src_name,
         '#include "config.h"',
         '#include <string.h>',
         '#include <glib.h>',
         '#include <epan/packet.h>',
         '#include "cmrp-compat.h"',
         '#include "cmrp-propmeanings.h"',
         '']
    entries = []
    hf_regs = []
    etts = []
    for obj_id, _key, obj, prop, kind, vals, source, _ln in rows:
        base = 'pm_%s_%s' % (obj, ident(prop))
        vs = 'NULL'
        bits = 'NULL'
        hf_mask = 'NULL'
        ett = 'NULL'
        if vals:
            vs = base + '_vals'
            c.append('static const value_string %s[] = {' % vs)
            for v, n in sorted(vals):
                c.append('    { 0x%08x, %s },' % (v, c_str(n)))
            c.append('    { 0, NULL }')
            c.append('};')
        if kind == 'bits':
            abbrev = 'cmrp.prop.bits.%s.%s' % (obj, ident(prop))
            c.append('static int hf_%s = -1;' % base)
            hf_regs.append('        { &hf_%s, { %s, %s, FT_UINT32, BASE_HEX, NULL, 0, %s, HFILL } },'
                           % (base, c_str(prop), c_str(abbrev),
                              c_str('%s of a %s (%s)' % (prop, obj, source))))
            names = []
            for v, n in sorted(vals):
                hn = 'hf_%s_%s' % (base, ident(n))
                c.append('static int %s = -1;' % hn)
                names.append(hn)
                hf_regs.append('        { &%s, { %s, %s, FT_BOOLEAN, 32, NULL, 0x%08x, NULL, HFILL } },'
                               % (hn, c_str(n), c_str('%s.%s' % (abbrev, ident(n))), v))
            c.append('static int * const %s_bits[] = { %s, NULL };'
                     % (base, ', '.join('&' + n for n in names)))
            c.append('static gint ett_%s = -1;' % base)
            etts.append('&ett_%s' % base)
            bits = base + '_bits'
            hf_mask = '&hf_' + base
            ett = '&ett_' + base
        entries.append('    { %d, %s, %s, %s, %s, %s, %s },  /* %s: %s */'
                       % (obj_id, KINDS[kind], c_str(prop), vs, bits, hf_mask, ett, obj,
                          source.replace('*/', '* /')))
    c.append('')
    c.append('const cmrp_propmeaning_t cmrp_propmeanings[] = {')
    c.extend(entries)
    c.append('};')
    c.append('const unsigned cmrp_n_propmeanings = %d;' % len(entries))
    c.append('''
const cmrp_propmeaning_t *
cmrp_propmeaning_find(unsigned object, const char *name)
{
    unsigned lo = 0, hi = cmrp_n_propmeanings;
    if (!name)
        return NULL;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const cmrp_propmeaning_t *e = &cmrp_propmeanings[mid];
        int d = (int)object - (int)e->object;
        if (d == 0)
            d = g_ascii_strcasecmp(name, e->name);
        if (d == 0)
            return e;
        if (d < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}
''')
    c.append('void')
    c.append('cmrp_propmeanings_register(int proto)')
    c.append('{')
    if hf_regs:
        c.append('    static hf_register_info hf[] = {')
        c.extend(hf_regs)
        c.append('    };')
        c.append('    static gint *ett[] = { %s };' % ', '.join(etts))
        c.append('    proto_register_field_array(proto, hf, array_length(hf));')
        c.append('    proto_register_subtree_array(ett, array_length(ett));')
    else:
        c.append('    (void)proto;')
    c.append('}')
    text = '\n'.join(c) + '\n'
    tmp = out_path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, out_path)


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        iface = cmrpidl.parse_idl(argv[2])
        enums = {n: t for n, t in iface.types.items() if t.kind == 'enum'}
        rows = parse(argv[1], enums)
        generate(rows, argv[3], os.path.basename(argv[1]))
    except (TableError, cmrpidl.IdlError, OSError) as e:
        print('gen_propmeanings: %s' % e, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
