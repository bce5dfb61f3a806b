"""Issue 12, item 3: one module of bounded buffer primitives (plugin/cmrp-prim.c) that every custom
format uses; no format module takes a primitive from a sibling format module; the include graph of
plugin/ has no circle, and the NDR walker reaches no layer above it (state, formats, protocol).

Read from the includes and definitions of plugin/*.c, *.h (the README's layout section draws the
same graph)."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGIN = os.path.join(ROOT, 'plugin')
BUILD = os.environ.get('CMRP_BUILD_DIR', os.path.join(ROOT, 'build'))
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


def test_utf16_is_the_lowest_layer():
    """The UTF-16 conversion the walker and the primitives share (issue 14) includes Wireshark
    only, so both can use it without reaching each other."""
    for f in ('cmrp-utf16.c', 'cmrp-utf16.h'):
        assert [h for h in includes(f) if h != 'cmrp-utf16.h'] == [], f
    assert 'cmrp-utf16.h' in includes('cmrp-ndr.c') and 'cmrp-utf16.h' in includes('cmrp-prim.h')


def test_primitives_reach_no_format():
    for f in ('cmrp-prim.c', 'cmrp-prim.h', 'cmrp-layout.c', 'cmrp-layout.h'):
        assert [h for h in includes(f) if h.startswith('packet-cmrp')] == [], f
    assert 'cmrp-layout.h' not in includes('cmrp-prim.h') + includes('cmrp-prim.c')


def module(name):
    """A file's module: cmrp-ndr.c and cmrp-ndr.h are both cmrp-ndr."""
    return os.path.splitext(name)[0]


def include_graph():
    """{module: {modules its files include}}, over plugin/*.c, *.h and the generated headers of
    the build tree that they include (cmrp-gen.h includes cmrp-ndr.h)."""
    graph = {}
    files = [os.path.join(PLUGIN, f) for f in os.listdir(PLUGIN) if f.endswith(('.c', '.h'))]
    gen = os.path.join(BUILD, 'gen')
    if os.path.isdir(gen):
        files += [os.path.join(gen, f) for f in os.listdir(gen) if f.endswith('.h')]
    known = {module(os.path.basename(f)) for f in files}
    for path in files:
        with open(path, encoding='utf-8') as f:
            incs = re.findall(r'#include\s+"([^"]+)"', f.read())
        mod = module(os.path.basename(path))
        graph.setdefault(mod, set()).update(
            module(h) for h in incs if module(h) in known and module(h) != mod)
    return graph


def circles(graph):
    """Every circle of the graph, each as [a, b, ..., a] (one per strongly connected part)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                out.append(sorted(part) + [sorted(part)[0]])
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_circle_finder_finds_a_circle():
    g = {'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}
    assert circles(g) == [['a', 'b', 'c', 'a']]
    assert circles({'a': {'b'}, 'b': set()}) == []


def test_no_include_circle():
    """No file of plugin/ reaches, through includes, a header of a module that includes its own
    (cmrp-handles.h included cmrp-ndr.h while cmrp-ndr.c included cmrp-handles.h)."""
    graph = include_graph()
    assert 'cmrp-ndr' in graph and 'cmrp-handles' in graph
    assert circles(graph) == []


def test_walker_reaches_no_layer_above():
    """cmrp-ndr.c/.h and cmrp-hooks.h include only the walker's own headers, the tables and the
    UTF-16 conversion below everything (cmrp-utf16.h, which includes Wireshark only); what
    the walker reports (handles, named objects, stored-call values, summary values) goes through
    the cmrp_walker_ops_t that packet-cmrp.c wires, and the fields it adds are its own."""
    allowed = {'config.h', 'cmrp-compat.h', 'cmrp-ndr.h', 'cmrp-hooks.h', 'cmrp-errors.h',
               'cmrp-fields-ndr.h', 'cmrp-utf16.h'}
    for f in ('cmrp-ndr.c', 'cmrp-ndr.h', 'cmrp-hooks.h'):
        assert set(includes(f)) <= allowed, f
    walker = source('cmrp-ndr.c')
    above = set(re.findall(r'\b(cmrp_\w+)\s*\(', source('cmrp-handles.h')))
    above |= {'cmrp_summary_note_value', 'cmrp_info_append'}
    assert sorted(n for n in above if re.search(r'\b%s\b' % n, walker)) == []
    # the fields it uses are defined by it, not by the protocol module
    def table(mod):
        with open(os.path.join(ROOT, 'idl', 'tables', 'fields-%s.tsv' % mod), encoding='utf-8') as f:
            return f.read()
    for hf in ('hf_cmrp_handle', 'hf_cmrp_rc', 'hf_cmrp_null_pointer', 'hf_cmrp_referent'):
        assert re.search(r'^global\t%s$' % hf, table('ndr'), re.M), hf
        assert re.search(r'^field\t%s\t' % hf, table('ndr'), re.M), hf
        assert hf not in table('cmrp'), hf
        assert not re.search(r'^int %s\b' % hf, source('packet-cmrp.c'), re.M), hf
    assert 'cmrp_ndr_register(proto_cmrp, &walker_ops)' in source('packet-cmrp.c')
