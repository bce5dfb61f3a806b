#!/usr/bin/python3
"""Compare field dumps (tests/matrix/dumpfields.py) of several Wireshark versions.

    compare.py BASE.json OTHER.json [OTHER.json ...]

Exit 0 when every other dump registers the same fields with the same types as BASE and gives,
capture by capture and frame by frame, the same values for every cmrp.* / cmrp2.* field; else
print the first differences and exit 1.
"""
import json
import sys

MAX_SHOWN = 30


def compare(base, other):
    problems = []
    bf, of = base['fields'], other['fields']
    for f in sorted(set(bf) | set(of)):
        if bf.get(f) != of.get(f):
            problems.append('field %s: %s in %s, %s in %s' % (f, bf.get(f, 'absent'),
                                                              base['wireshark'],
                                                              of.get(f, 'absent'),
                                                              other['wireshark']))
    bc, oc = base['captures'], other['captures']
    for cap in sorted(set(bc) | set(oc)):
        if cap not in bc or cap not in oc:
            problems.append('capture %s dumped by one version only' % cap)
            continue
        bframes, oframes = bc[cap], oc[cap]
        for fr in sorted(set(bframes) | set(oframes), key=int):
            brow, orow = bframes.get(fr, {}), oframes.get(fr, {})
            for f in sorted(set(brow) | set(orow)):
                if brow.get(f) != orow.get(f):
                    problems.append('%s frame %s %s: %r (%s) vs %r (%s)'
                                    % (cap, fr, f, brow.get(f), base['wireshark'], orow.get(f),
                                       other['wireshark']))
    return problems


def main():
    dumps = []
    for path in sys.argv[1:]:
        with open(path) as f:
            dumps.append(json.load(f))
    base = dumps[0]
    failed = False
    for other in dumps[1:]:
        problems = compare(base, other)
        frames = sum(len(v) for v in other['captures'].values())
        values = sum(len(vals) for cap in other['captures'].values() for row in cap.values()
                     for vals in row.values())
        if problems:
            failed = True
            print('Wireshark %s differs from %s in %d places:' % (other['wireshark'],
                                                                  base['wireshark'], len(problems)))
            for p in problems[:MAX_SHOWN]:
                print('  ' + p)
        else:
            print('Wireshark %s decodes as %s: %d captures, %d frames, %d field values identical'
                  % (other['wireshark'], base['wireshark'], len(other['captures']), frames,
                     values))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
