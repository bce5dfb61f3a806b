#!/usr/bin/env python3
"""valgrind memcheck of Debian's tshark with the (uninstrumented) plugin.

Runs memcheck over the captures in captures/ (merged into one file), the adversarial captures,
and a sample of structure-aware mutants (mutate.py batches), each with -V (two passes for the
corpus) and without a tree, and counts the errors valgrind reports: all of them, and those
whose stack passes through the plugin (a frame in cmrp.so or in plugin/*.c / gen/*.c).

    tests/fuzz/valgrind.sh [--batches N] [--seed S]      (wrapper: builds build-valgrind/)

Exit status 0 when no error at all was reported.
"""
import argparse
import glob
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import fuzzlib  # noqa: E402
import mutate  # noqa: E402

ROOT = fuzzlib.ROOT
BUILD = os.environ.get('CMRP_VALGRIND_BUILD_DIR', os.path.join(ROOT, 'build-valgrind'))
PLUGIN_FRAME = ('cmrp.so', '/plugin/', 'cmrp-gen.c', 'cmrp-ctl-table.c', 'cmrp-propmeanings.c')


def memcheck(runner, scratch, pcap, args, tag):
    xml = os.path.join(scratch, 'vg-%s.xml' % tag)
    runner.wrapper = ['valgrind', '--tool=memcheck', '--xml=yes', '--xml-file=' + xml,
                      '--num-callers=40', '--leak-check=no', '--track-origins=no',
                      '--errors-for-leak-kinds=none', '--error-exitcode=97']
    t = time.time()
    rc, out, err = runner.run(['-r', pcap] + list(args) + list(fuzzlib.PASSWORD_ARGS),
                              timeout=7200)
    errors = []
    try:
        root = ET.parse(xml).getroot()
    except (ET.ParseError, FileNotFoundError) as e:
        return rc, [('no valgrind XML: %s' % e, [])], time.time() - t
    for e in root.findall('error'):
        kind = e.findtext('kind') or ''
        if kind.startswith('Leak_'):
            continue        # leaks at exit are not memory errors (tshark frees little at exit)
        what = e.findtext('what') or e.findtext('xwhat/text') or ''
        frames = []
        for fr in e.iter('frame'):
            frames.append('%s %s %s:%s' % (fr.findtext('fn') or '?', fr.findtext('obj') or '',
                                           fr.findtext('file') or '', fr.findtext('line') or ''))
        errors.append(('%s: %s' % (kind, what), frames))
    return rc, errors, time.time() - t


def in_plugin(frames):
    return any(any(p in f for p in PLUGIN_FRAME) for f in frames)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--batches', type=int, default=2, help='mutate.py batches of 150 calls')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--no-corpus', action='store_true')
    ap.add_argument('--no-adversarial', action='store_true')
    a = ap.parse_args(argv)
    plugins = fuzzlib.ensure_build(BUILD, sanitize=False)
    scratch = fuzzlib.scratch_dir('cmrp-vg-')
    os.chmod(scratch, 0o777)
    runner = fuzzlib.Runner(plugins, sanitizer=False)
    jobs = []
    if not a.no_corpus:
        files = fuzzlib.corpus_files(include_adversarial=False)
        merged = os.path.join(scratch, 'corpus.pcapng')
        subprocess.run(['mergecap', '-a', '-w', merged] + files, check=True)
        os.chmod(merged, 0o644)
        jobs += [(merged, ('-2', '-V'), 'corpus-2V'), (merged, (), 'corpus')]
    if not a.no_adversarial:
        for p in sorted(glob.glob(os.path.join(fuzzlib.ADVERSARIAL, '*.pcap*'))):
            c = fuzzlib.readable_copy(p, scratch)
            jobs += [(c, ('-V',), os.path.basename(p) + '-V')]
    for i in range(a.batches):
        gen = mutate.Generator(a.seed + i)
        calls = [c for c in (gen.call() for _ in range(150)) if c]
        p = mutate.write_pcap(calls, os.path.join(scratch, 'mut-%d.pcap' % (a.seed + i)))
        jobs += [(p, ('-V',), 'mut-%d-V' % (a.seed + i)), (p, (), 'mut-%d' % (a.seed + i))]
    total = plugin = 0
    for pcap, args, tag in jobs:
        rc, errors, secs = memcheck(runner, scratch, pcap, args, tag.replace('/', '_'))
        ours = [e for e in errors if in_plugin(e[1])]
        total += len(errors)
        plugin += len(ours)
        print('%-48s %-8s errors=%d in-plugin=%d  %.0fs' % (
            tag, ' '.join(args), len(errors), len(ours), secs), flush=True)
        for what, frames in errors[:5]:
            print('    %s%s' % ('[plugin] ' if in_plugin(frames) else '', what))
            for f in frames[:12]:
                print('        ' + f)
    print('valgrind memcheck: %d runs, %d errors, %d with a plugin frame' % (len(jobs), total,
                                                                            plugin))
    runner.close()
    import shutil
    shutil.rmtree(scratch, ignore_errors=True)
    return 0 if total == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
