"""Issue 12, item 3: one module of bounded buffer primitives (plugin/cmrp-prim.c) that every custom
format uses; no format module takes a primitive from a sibling format module.

Read from the includes and definitions of plugin/*.c, *.h (the README's layout section draws the
same graph)."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGIN = os.path.join(ROOT, 'plugin')
FORMATS = ['packet-cmrp-ctl', 'packet-cmrp-notify', 'packet-cmrp-proplist', 'packet-cmrp-reg',
           'packet-cmrp-sd']
PRIMITIVES = ['cmrp_add_utf16z', 'cmrp_add_multi_sz', 'cmrp_dissect_security_descriptor']


def source(name):
    with open(os.path.join(PLUGIN, name), encoding='utf-8') as f:
        return f.read()


def includes(name):
    return re.findall(r'#include\s+"([^"]+)"', source(name))


def test_primitives_defined_once_in_the_primitive_module():
    for fn in PRIMITIVES:
        where = [f for f in os.listdir(PLUGIN) if f.endswith('.c')
                 and re.search(r'^\w[\w\s\*]*\b%s\(' % fn, source(f), re.M)]
        assert where == ['cmrp-prim.c'], fn
        declared = [f for f in os.listdir(PLUGIN) if f.endswith('.h') and fn + '(' in source(f)]
        assert declared == ['cmrp-prim.h'], fn


def test_every_format_uses_the_primitives():
    for mod in FORMATS:
        assert 'cmrp-prim.h' in includes(mod + '.c'), mod


def test_formats_do_not_reach_each_other_for_primitives():
    """Only a buffer that is a PROPERTY_LIST leads from one format to another: control buffers and
    notifications include the property-list header, for its list decoder and nothing else."""
    allowed = {'packet-cmrp-ctl.c': {'packet-cmrp-proplist.h'},
               'packet-cmrp-notify.c': {'packet-cmrp-proplist.h'}}
    for mod in FORMATS:
        sib = {h for h in includes(mod + '.c') if h.startswith('packet-cmrp-') and h != mod + '.h'}
        assert sib == allowed.get(mod + '.c', set()), mod
    used = set(re.findall(r'\bcmrp_\w+(?=\()', source('packet-cmrp-ctl.c') + source('packet-cmrp-notify.c')))
    exported = set(re.findall(r'\b(cmrp_\w+)\(', source('packet-cmrp-proplist.h')))
    assert used & exported <= {'cmrp_dissect_property_list', 'cmrp_dissect_property_list_ex',
                               'cmrp_dissect_value_list', 'cmrp_property_list_summary',
                               'cmrp_pl_flags_for_ctl'}


def test_primitives_reach_no_format():
    for f in ('cmrp-prim.c', 'cmrp-prim.h', 'cmrp-layout.c', 'cmrp-layout.h'):
        assert [h for h in includes(f) if h.startswith('packet-cmrp')] == [], f
    assert 'cmrp-layout.h' not in includes('cmrp-prim.h') + includes('cmrp-prim.c')
