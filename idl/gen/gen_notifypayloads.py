#!/usr/bin/env python3
"""Turn idl/tables/notifypayloads.tsv into the notification tables of plugin/packet-cmrp-notify.c.

Usage: python3 idl/gen/gen_notifypayloads.py idl/tables/notifypayloads.tsv idl/clusapi.idl OUT.h

The table (tab-separated, '#' comment lines) holds three kinds of row (see its header comment):
    type   OBJECT  NAME  ENUM  FIELDS  SOURCE
    flag   FLAG  FIELD  PAYLOAD  SOURCE  [NOTE]
    dword  KIND  ABBREV  NAME  BASE  VALUES  WHAT  PREFIX  SOURCE  BLURB
Object types, flags and their values are read from the IDL (through cmrpidl.py): an object type
that is not a CLUSTER_OBJECT_TYPE value, a flag that is not a single-bit value of its type's enum,
a single-bit value without a row, an unknown payload kind or base, a row twice and a row without
its source all fail.

The output header is included by plugin/packet-cmrp-notify.c after its types (payload_t, v2_flag_t,
v2_type_t, dword_payload_t) and defines, static:
    hf_notify_flag_<type>_<field>, hf_notify_<dword kind>   the fields of the rows
    ett_v2_type[OT_MAX + 1]                                 one subtree per object type
    v2_flags[]         one entry per flag row, grouped by object type, in table order
    v2_types[OT_MAX + 1]  per object type: its flags in v2_flags[first .. first+count), the
                       union of their masks and the NULL-terminated field list of the bitmask
    ot_short[OT_MAX + 1]  the object types' names in event text
    dword_payloads[]   per DWORD payload kind: its field, its name, its value table, the prefix
    register_notify_payloads(proto)  registers those fields and subtrees
Python 3 standard library only.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cmrpidl  # noqa: E402
import tsvtable  # noqa: E402
from tsvtable import TableError  # noqa: E402

# Payload kinds: the word of the table -> the payload_t value of plugin/packet-cmrp-notify.c.
KINDS = {
    'opaque': 'P_OPAQUE', 'empty': 'P_EMPTY', 'not_returned': 'P_NOT_RETURNED',
    'proplist': 'P_PROPLIST', 'state_group': 'P_STATE_GROUP',
    'state_resource': 'P_STATE_RESOURCE', 'state_node': 'P_STATE_NODE',
    'state_network': 'P_STATE_NETWORK', 'state_netif': 'P_STATE_NETIF',
    'state_plain': 'P_STATE_PLAIN', 'group_type': 'P_GROUP_TYPE',
    'cluster_version': 'P_CLUSTER_VERSION', 'id': 'P_ID', 'dependency_expr': 'P_DEPENDENCY_EXPR',
    'id_list': 'P_ID_LIST', 'membership': 'P_MEMBERSHIP', 'csv_state': 'P_CSV_STATE',
}
# The kinds the decoder reads as one DWORD (payload_dword()): each has exactly one dword row.
DWORD_KINDS = ('state_group', 'state_resource', 'state_node', 'state_network', 'state_netif',
               'state_plain', 'group_type', 'cluster_version')
BASES = {'dec': 'BASE_DEC', 'hex': 'BASE_HEX'}
OBJECT_ENUM = 'CLUSTER_OBJECT_TYPE'
SOURCE = re.compile(r'^(MS-[A-Z]+ \d+(\.\d+)+|SDK \w+\.h)$')
FIELD = re.compile(r'^[a-z][a-z0-9_]*$')
ABBREV = re.compile(r'^cmrp(\.[a-z][a-z0-9_]*)+$')
TEXT = re.compile(r'^[^"\\\t]+$')


class Type:
    def __init__(self, name, value, short, enum, fields, source, lineno):
        self.name, self.value, self.short = name, value, short
        self.enum, self.fields, self.source, self.lineno = enum, fields, source, lineno
        self.flags = []         # [(flag, value, field, kind, source, lineno)]


def parse(path, enums):
    """([Type] in CLUSTER_OBJECT_TYPE order, {dword kind: row})."""
    objects = dict(enums[OBJECT_ENUM].values)
    types, dwords = [], {}
    seen_flags, seen_abbrevs = {}, {}
    for lineno, where, cols in tsvtable.rows(path, strip=True):
        kind = cols[0]
        if kind == 'type':
            if len(cols) != 6:
                raise TableError('%s: a type row has 6 columns' % where)
            _, name, short, enum, fields, source = cols
            full = OBJECT_ENUM + '_' + name
            if full not in objects:
                raise TableError('%s: %s is not a %s value' % (where, full, OBJECT_ENUM))
            if any(t.name == name for t in types):
                raise TableError('%s: type %s twice' % (where, name))
            if not TEXT.match(short):
                raise TableError('%s: bad name %r' % (where, short))
            if (enum == '-') != (fields == '-'):
                raise TableError('%s: ENUM and FIELDS are both given or both -' % where)
            if enum != '-' and enum not in enums:
                raise TableError('%s: no enum %s in the IDL' % (where, enum))
            if fields != '-' and not ABBREV.match(fields):
                raise TableError('%s: bad field abbrev %r' % (where, fields))
            if not SOURCE.match(source):
                raise TableError('%s: the source is "MS-CMRP <section>" or "SDK <header>.h", '
                                 'not %r' % (where, source))
            types.append(Type(name, objects[full], short, None if enum == '-' else enum,
                              None if fields == '-' else fields, source, lineno))
        elif kind == 'flag':
            if len(cols) not in (5, 6) or not types:
                raise TableError('%s: a flag row has 5 or 6 columns and follows a type row'
                                 % where)
            _, flag, field, payload, source = cols[:5]
            t = types[-1]
            if t.enum is None:
                raise TableError('%s: type %s has no flag enum' % (where, t.name))
            values = dict(enums[t.enum].values)
            if flag not in values:
                raise TableError('%s: %s is not a value of %s (idl/types.idl)'
                                 % (where, flag, t.enum))
            value = values[flag]
            if value == 0 or value & (value - 1):
                raise TableError('%s: %s is not one bit' % (where, flag))
            if payload not in KINDS:
                raise TableError('%s: unknown payload kind %r (one of %s)'
                                 % (where, payload, ', '.join(sorted(KINDS))))
            if not FIELD.match(field):
                raise TableError('%s: bad field name %r' % (where, field))
            if not SOURCE.match(source):
                raise TableError('%s: the source is "MS-CMRP <section>" or "SDK <header>.h", '
                                 'not %r' % (where, source))
            if (t.name, flag) in seen_flags:
                raise TableError('%s: %s %s already on line %d'
                                 % (where, t.name, flag, seen_flags[(t.name, flag)]))
            seen_flags[(t.name, flag)] = lineno
            abbrev = '%s.%s' % (t.fields, field)
            if abbrev in seen_abbrevs:
                raise TableError('%s: field %s already on line %d'
                                 % (where, abbrev, seen_abbrevs[abbrev]))
            seen_abbrevs[abbrev] = lineno
            t.flags.append((flag, value, field, payload, source, lineno))
        elif kind == 'dword':
            if len(cols) != 10:
                raise TableError('%s: a dword row has 10 columns' % where)
            _, dk, abbrev, name, base, values, what, prefix, source, blurb = cols
            if dk not in DWORD_KINDS:
                raise TableError('%s: %r is not a DWORD payload kind (one of %s)'
                                 % (where, dk, ', '.join(DWORD_KINDS)))
            if dk in dwords:
                raise TableError('%s: dword %s already on line %d'
                                 % (where, dk, dwords[dk]['lineno']))
            if not ABBREV.match(abbrev) or base not in BASES:
                raise TableError('%s: bad abbrev or base (dec, hex) %r' % (where, cols))
            for text in (name, what, prefix, blurb):
                if not TEXT.match(text):
                    raise TableError('%s: bad text %r' % (where, text))
            if values != '-':
                if not values.startswith('idl:') or values[4:] not in enums:
                    raise TableError('%s: VALUES is idl:<an enum of the IDL> or -, not %r'
                                     % (where, values))
            if prefix != '-' and values == '-':
                raise TableError('%s: a PREFIX without VALUES' % where)
            if not SOURCE.match(source):
                raise TableError('%s: the source is "MS-CMRP <section>" or "SDK <header>.h", '
                                 'not %r' % (where, source))
            dwords[dk] = dict(abbrev=abbrev, name=name, base=base,
                              enum=None if values == '-' else values[4:], what=what,
                              prefix=None if prefix == '-' else prefix, source=source,
                              blurb=None if blurb == '-' else blurb, lineno=lineno)
        else:
            raise TableError('%s: a row is type, flag or dword, not %r' % (where, kind))
    # every object type, in value order; every single-bit flag of a type's enum has its rule
    got = [t.value for t in types]
    want = sorted(objects.values())
    if got != want:
        raise TableError('%s: the type rows must be the %s values %s in order, not %s'
                         % (path, OBJECT_ENUM, want, got))
    for t in types:
        if t.enum is None:
            continue
        if not t.flags:
            raise TableError('%s: type %s has no flag row'
                             % (tsvtable.where(path, t.lineno), t.name))
        bits = {n for n, v in enums[t.enum].values if v and not v & (v - 1)}
        missing = sorted(bits - {fl[0] for fl in t.flags})
        if missing:
            raise TableError('%s: %s flags without a row: %s'
                             % (tsvtable.where(path, t.lineno), t.name, ', '.join(missing)))
    missing = [k for k in DWORD_KINDS if k not in dwords]
    if missing:
        raise TableError('%s: DWORD payload kinds without a dword row: %s'
                         % (path, ', '.join(missing)))
    return types, dwords


def c_str(s):
    return '"%s"' % s.replace('\\', '\\\\').replace('"', '\\"')


def comment(s):
    return s.replace('*/', '* /')


def render(types, dwords, src_name):
    n_types = max(t.value for t in types)
    out = ['/* Generated by idl/gen/gen_notifypayloads.py from %s: do not edit. */' % src_name,
           '/* For plugin/packet-cmrp-notify.c, which includes it after its types. */',
           'G_STATIC_ASSERT(OT_MAX == %d);' % n_types, '']
    hf_regs = []
    # the fields of the flags, and one NULL-terminated list per object type
    for t in types:
        if not t.flags:
            continue
        out.append('/* %s: %s (%s) */' % (OBJECT_ENUM + '_' + t.name, t.enum, t.source))
        names = []
        for flag, _, field, _, _, _ in t.flags:
            hf = 'hf_notify_flag_%s_%s' % (t.name.lower(), field)
            names.append(hf)
            out.append('static int %s = -1;' % hf)
            hf_regs.append('        { &%s, { %s, %s, FT_BOOLEAN, 64, NULL, CMRP_%s, NULL, HFILL } },'
                           % (hf, c_str(flag), c_str('%s.%s' % (t.fields, field)), flag))
        out.append('static int *const v2_fields_%s[] = {' % t.name.lower())
        for hf in names:
            out.append('    &%s,' % hf)
        out.append('    NULL')
        out.append('};')
        out.append('')
    # the fields of the DWORD payloads
    for dk in DWORD_KINDS:
        d = dwords[dk]
        out.append('static int hf_notify_%s = -1;' % dk)
        hf_regs.append('        { &hf_notify_%s, { %s, %s, FT_UINT32, %s, %s, 0, %s, HFILL } },'
                       % (dk, c_str(d['name']), c_str(d['abbrev']), BASES[d['base']],
                          'VALS(cmrp_vs_%s)' % d['enum'] if d['enum'] else 'NULL',
                          c_str(d['blurb']) if d['blurb'] else 'NULL'))
    out.append('static gint ett_v2_type[OT_MAX + 1] = { %s };' % ', '.join(['-1'] * (n_types + 1)))
    out.append('')
    # every flag, grouped by type
    out.append('/* Every CLUSTER_CHANGE_*_V2 flag by object type: its mask and name (the IDL\'s), its')
    out.append(' * field, its payload (MS-CMRP 3.1.4.2.138, or the source given). */')
    out.append('static const v2_flag_t v2_flags[] = {')
    first = {}
    i = 0
    for t in types:
        first[t.name] = i
        for flag, _, field, kind, source, _ in t.flags:
            out.append('    { CMRP_%s_%s, CMRP_%s, %s, %s, %s },  /* %s */'
                       % (OBJECT_ENUM, t.name, flag, c_str(flag),
                          c_str('%s.%s' % (t.fields, field)), KINDS[kind], comment(source)))
            i += 1
    out.append('};')
    out.append('')
    out.append('static const v2_type_t v2_types[OT_MAX + 1] = {')
    for t in types:
        if not t.flags:
            continue
        known = 0
        for fl in t.flags:
            known |= fl[1]
        out.append('    [CMRP_%s_%s] = { %d, %d, 0x%xu, v2_fields_%s },'
                   % (OBJECT_ENUM, t.name, first[t.name], len(t.flags), known, t.name.lower()))
    out.append('};')
    out.append('')
    out.append('/* Object type names for event text (%s, MS-CMRP 2.2.2.11) */' % OBJECT_ENUM)
    out.append('static const char *const ot_short[OT_MAX + 1] = {')
    for t in types:
        out.append('    [CMRP_%s_%s] = %s,' % (OBJECT_ENUM, t.name, c_str(t.short)))
    out.append('};')
    out.append('')
    out.append('/* The DWORD payloads: their field, what a short one is called, and for the states the')
    out.append(' * table and the prefix short_state() drops in the event text. */')
    out.append('static const dword_payload_t dword_payloads[] = {')
    for dk in DWORD_KINDS:
        d = dwords[dk]
        out.append('    [%s] = { &hf_notify_%s, %s, %s, %s },  /* %s */'
                   % (KINDS[dk], dk, c_str(d['what']),
                      'cmrp_vs_%s' % d['enum'] if d['enum'] else 'NULL',
                      c_str(d['prefix']) if d['prefix'] else 'NULL', comment(d['source'])))
    out.append('};')
    out.append('')
    out.append('static void')
    out.append('register_notify_payloads(int proto)')
    out.append('{')
    out.append('    static hf_register_info hf[] = {')
    out.extend(hf_regs)
    out.append('    };')
    out.append('    static gint *ett[] = {')
    for v in range(n_types + 1):
        out.append('        &ett_v2_type[%d],' % v)
    out.append('    };')
    out.append('    proto_register_field_array(proto, hf, array_length(hf));')
    out.append('    proto_register_subtree_array(ett, array_length(ett));')
    out.append('}')
    return '\n'.join(out) + '\n'


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2

    def make():
        iface = cmrpidl.parse_idl(argv[2])
        enums = {n: t for n, t in iface.types.items() if t.kind == 'enum'}
        if OBJECT_ENUM not in enums:
            raise TableError('no enum %s in the IDL' % OBJECT_ENUM)
        types, dwords = parse(argv[1], enums)
        return render(types, dwords, 'idl/tables/' + os.path.basename(argv[1]))
    return tsvtable.generate('gen_notifypayloads', argv[3], make, (cmrpidl.IdlError,))


if __name__ == '__main__':
    sys.exit(main(sys.argv))
