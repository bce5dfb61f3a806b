#!/usr/bin/env python3
"""Turn the field table of a hand-written module (idl/tables/fields-<module>.tsv) into its
declarations and registration.

Usage: python3 idl/gen/gen_fields.py idl/tables/fields-<module>.tsv idl/clusapi.idl OUT.h

The table (tab-separated, '#' comment lines) holds one row per field, subtree or expert info of
the module, in registration order:
    field    HF  ABBREV  TYPE  DISPLAY  VALUES  MASK  LABEL  BLURB
    subtree  ETT
    expert   EI  ABBREV  GROUP  SEVERITY  SUMMARY
    global   NAME            (NAME, a field or expert info of the table, is used by other modules:
                              defined without `static`, declared extern in the module's header)
  TYPE     a Wireshark field type less FT_ (UINT32, BOOLEAN, STRING, ...)
  DISPLAY  dec, hex, dec_hex, none, hex+ext, dec+ext (a value_string_ext), utc; for BOOLEAN the
           width of the parent (8, 16, 32, 64)
  VALUES   - | idl:ENUM (the IDL enum's cmrp_vs_ENUM) | tfs:NAME (a true_false_string) |
           ext:NAME (a value_string_ext) | frame:REQUEST or frame:RESPONSE (FT_FRAMENUM)
  MASK     0, a number, or a constant of cmrp-gen.h (CMRP_<VALUE>) or of the module (its name)
  LABEL, BLURB  the field's name and description (BLURB '-': none)
  GROUP    an expert group less PI_ (MALFORMED, PROTOCOL, SEQUENCE, UNDECODED, ...)
  SEVERITY an expert severity less PI_ (ERROR, WARN, NOTE, CHAT)
The output header defines the variables (hf_ = -1, ett_ = -1, ei_ = EI_INIT) and
`static void register_fields(int proto)`, which registers them; the module includes it where it
declared them by hand before, after the value tables the VALUES column names. A field, subtree or
expert info twice, an abbrev twice (unless both are fields of one type: cmrp.notify.state has one
field per state table), an unknown type, display, group or severity, an idl: enum the IDL lacks,
a BOOLEAN mask that is not one bit of its width and a global that is not a row all fail.
Python 3 standard library only.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cmrpidl  # noqa: E402
import tsvtable  # noqa: E402
from tsvtable import TableError  # noqa: E402

TYPES = ('NONE', 'PROTOCOL', 'BOOLEAN', 'UINT8', 'UINT16', 'UINT24', 'UINT32', 'UINT64', 'INT8',
         'INT16', 'INT32', 'INT64', 'BYTES', 'STRING', 'STRINGZ', 'GUID', 'FRAMENUM',
         'ABSOLUTE_TIME', 'RELATIVE_TIME', 'IPv4', 'IPv6', 'ETHER', 'DOUBLE', 'FLOAT')
DISPLAYS = {'dec': 'BASE_DEC', 'hex': 'BASE_HEX', 'dec_hex': 'BASE_DEC_HEX', 'hex_dec': 'BASE_HEX_DEC',
            'none': 'BASE_NONE', 'hex+ext': 'BASE_HEX | BASE_EXT_STRING',
            'dec+ext': 'BASE_DEC | BASE_EXT_STRING', 'utc': 'ABSOLUTE_TIME_UTC',
            'local': 'ABSOLUTE_TIME_LOCAL', '8': '8', '16': '16', '32': '32', '64': '64'}
GROUPS = ('CHECKSUM', 'SEQUENCE', 'RESPONSE_CODE', 'REQUEST_CODE', 'UNDECODED', 'REASSEMBLE',
          'MALFORMED', 'DEBUG', 'PROTOCOL', 'SECURITY', 'COMMENTS_GROUP', 'DECRYPTION',
          'ASSUMPTION', 'DEPRECATED')
SEVERITIES = ('COMMENT', 'CHAT', 'NOTE', 'WARN', 'ERROR')
IDENT = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
ABBREV = re.compile(r'^cmrp2?(\.[A-Za-z0-9_]+)+$')
TEXT = re.compile(r'^[^\t]+$')


def parse(path, enums):
    """[(kind, row dict)] in table order, and the set of global names."""
    rows, names, abbrevs, glob = [], {}, {}, set()
    for lineno, where, cols in tsvtable.rows(path):
        kind = cols[0]
        if kind == 'field':
            if len(cols) != 9:
                raise TableError('%s: a field row has 9 columns, not %d' % (where, len(cols)))
            _, hf, abbrev, ftype, disp, values, mask, label, blurb = cols
            if not ABBREV.match(abbrev):
                raise TableError('%s: bad abbrev %r' % (where, abbrev))
            if ftype not in TYPES:
                raise TableError('%s: unknown type %r' % (where, ftype))
            if disp not in DISPLAYS:
                raise TableError('%s: unknown display %r' % (where, disp))
            if (ftype == 'BOOLEAN') != disp.isdigit():
                raise TableError('%s: a BOOLEAN, and only it, has a width as display' % where)
            if values != '-':
                vk, _, vn = values.partition(':')
                if vk not in ('idl', 'tfs', 'ext', 'frame') or not IDENT.match(vn):
                    raise TableError('%s: bad values %r' % (where, values))
                if vk == 'idl' and vn not in enums:
                    raise TableError('%s: no enum %s in the IDL' % (where, vn))
                if vk == 'frame' and vn not in ('REQUEST', 'RESPONSE', 'NONE', 'ACK', 'DUP_ACK',
                                                'RETRANS_PREV', 'RETRANS_NEXT'):
                    raise TableError('%s: bad frame type %r' % (where, vn))
                if (vk == 'ext') != disp.endswith('+ext'):
                    raise TableError('%s: ext: values go with a +ext display' % where)
            if not (mask == '0' or re.match(r'^0x[0-9a-fA-F]+$', mask) or IDENT.match(mask)):
                raise TableError('%s: bad mask %r' % (where, mask))
            if ftype == 'BOOLEAN' and mask.startswith('0x'):
                m = int(mask, 16)
                if m & (m - 1) or m >= 1 << int(disp):
                    raise TableError('%s: mask %s is not one bit of %s' % (where, mask, disp))
            if not TEXT.match(label) or not TEXT.match(blurb):
                raise TableError('%s: empty label or blurb' % where)
            row = dict(name=hf, abbrev=abbrev, type=ftype, disp=disp, values=values,
                       mask=mask, label=label, blurb=None if blurb == '-' else blurb)
            prev = abbrevs.get(abbrev)
            if prev and (prev[0] != 'field' or prev[1] != ftype):
                raise TableError('%s: abbrev %s already on line %d' % (where, abbrev, prev[2]))
            abbrevs[abbrev] = ('field', ftype, lineno)
        elif kind == 'subtree':
            if len(cols) != 2:
                raise TableError('%s: a subtree row has 2 columns' % where)
            row = dict(name=cols[1])
        elif kind == 'expert':
            if len(cols) != 6:
                raise TableError('%s: an expert row has 6 columns' % where)
            _, ei, abbrev, group, sev, summary = cols
            if not ABBREV.match(abbrev):
                raise TableError('%s: bad abbrev %r' % (where, abbrev))
            if group not in GROUPS or sev not in SEVERITIES:
                raise TableError('%s: unknown group or severity %r %r' % (where, group, sev))
            if not TEXT.match(summary):
                raise TableError('%s: empty summary' % where)
            if abbrev in abbrevs:
                raise TableError('%s: abbrev %s already on line %d'
                                 % (where, abbrev, abbrevs[abbrev][2]))
            abbrevs[abbrev] = ('expert', None, lineno)
            row = dict(name=ei, abbrev=abbrev, group=group, sev=sev, summary=summary)
        elif kind == 'global':
            if len(cols) != 2:
                raise TableError('%s: a global row has 2 columns' % where)
            glob.add(cols[1])
            continue
        else:
            raise TableError('%s: a row is field, subtree, expert or global, not %r'
                             % (where, kind))
        if not IDENT.match(row['name']):
            raise TableError('%s: bad name %r' % (where, row['name']))
        if row['name'] in names:
            raise TableError('%s: %s already on line %d' % (where, row['name'], names[row['name']]))
        names[row['name']] = lineno
        rows.append((kind, row))
    missing = sorted(glob - set(names))
    if missing:
        raise TableError('%s: global %s is not a row' % (path, ', '.join(missing)))
    if not rows:
        raise TableError('%s: no rows' % path)
    return rows, glob


def c_str(s):
    return '"%s"' % s.replace('\\', '\\\\').replace('"', '\\"')


def values_expr(values):
    if values == '-':
        return 'NULL'
    vk, _, vn = values.partition(':')
    return {'idl': 'VALS(cmrp_vs_%s)', 'tfs': 'TFS(&%s)', 'ext': 'VALS_EXT_PTR(&%s)',
            'frame': 'FRAMENUM_TYPE(FT_FRAMENUM_%s)'}[vk] % vn


def mask_expr(row):
    m = row['mask']
    if row['type'] in ('UINT64', 'INT64') or row['disp'] == '64':
        if m.startswith('0x'):
            return 'G_GUINT64_CONSTANT(%s)' % m
    return m


def render(rows, glob, src_name):
    out = ['/* Generated by idl/gen/gen_fields.py from %s: do not edit. */' % src_name, '']
    hf, ett, ei = [], [], []
    for kind, r in rows:
        storage = '' if r['name'] in glob else 'static '
        if kind == 'field':
            out.append('%sint %s = -1;' % (storage, r['name']))
            hf.append('        { &%s, { %s, %s, FT_%s, %s, %s, %s, %s, HFILL } },'
                      % (r['name'], c_str(r['label']), c_str(r['abbrev']), r['type'],
                         DISPLAYS[r['disp']], values_expr(r['values']), mask_expr(r),
                         c_str(r['blurb']) if r['blurb'] else 'NULL'))
        elif kind == 'subtree':
            out.append('%sint %s = -1;' % (storage, r['name']))
            ett.append('        &%s,' % r['name'])
        else:
            out.append('%sexpert_field %s = EI_INIT;' % (storage, r['name']))
            ei.append('        { &%s, { %s, PI_%s, PI_%s, %s, EXPFILL } },'
                      % (r['name'], c_str(r['abbrev']), r['group'], r['sev'], c_str(r['summary'])))
    out += ['', 'static void', 'register_fields(int proto)', '{']
    if hf:
        out += ['    static hf_register_info hf[] = {'] + hf + ['    };']
    if ett:
        out += ['    static int *ett[] = {'] + ett + ['    };']
    if ei:
        out += ['    static ei_register_info ei[] = {'] + ei + ['    };']
        out.append('    expert_module_t *expert = expert_register_protocol(proto);')
    if hf:
        out.append('    proto_register_field_array(proto, hf, array_length(hf));')
    if ett:
        out.append('    proto_register_subtree_array(ett, array_length(ett));')
    if ei:
        out.append('    expert_register_field_array(expert, ei, array_length(ei));')
    if not hf and not ei:
        out.append('    (void)proto;')
    out.append('}')
    return '\n'.join(out) + '\n'


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2

    def make():
        iface = cmrpidl.parse_idl(argv[2])
        enums = {n for n, t in iface.types.items() if t.kind == 'enum'}
        rows, glob = parse(argv[1], enums)
        return render(rows, glob, 'idl/tables/' + os.path.basename(argv[1]))
    return tsvtable.generate('gen_fields', argv[3], make, (cmrpidl.IdlError,))


if __name__ == '__main__':
    sys.exit(main(sys.argv))
