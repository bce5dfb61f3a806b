#!/usr/bin/env python3
"""The fuzz driver behind sanitize.sh, campaign.sh and test_fuzz_smoke.py.

Phases (each tshark run with the ASan/UBSan plugin, with -V and without a tree):
  corpus   every capture in captures/ and captures/adversarial/ (also with -2 -V)
  editcap  copies of each capture mutated by `editcap -E RATE --seed S`
  mutate   batches of structure-aware mutants from mutate.py (PROPERTY_LISTs, control-code
           buffers, notification buffers, batch updates, registry data, NDR counts), framed
           by pcapbuild.py

A failing mutate batch is reduced to the fewest calls that still fail; a failing editcap mutant
to its shortest failing prefix. With --save, each distinct failure is kept as
captures/adversarial/crash-<sha1>.pcap (+ .txt). --coverage also runs every input through a
gcov build (build-cov/) and reports the plugin lines and branches reached.

Exit status: 0 when no run failed, 1 otherwise.
"""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import fuzzlib  # noqa: E402
import mutate  # noqa: E402

ROOT = fuzzlib.ROOT
COV_BUILD = os.path.join(ROOT, 'build-cov')


class Coverage:
    """gcov over a --coverage build of the plugin: lines and branch outcomes reached."""

    def __init__(self):
        self.plugin_dir = fuzzlib.ensure_build(COV_BUILD, sanitize=False, c_flags='--coverage')
        self.prefix = fuzzlib.scratch_dir('cmrp-gcov-')
        os.chmod(self.prefix, 0o777)
        self.runner = fuzzlib.Runner(self.plugin_dir, sanitizer=False, extra_env={
            'GCOV_PREFIX': self.prefix, 'GCOV_PREFIX_STRIP': '0'})

    def run(self, pcap):
        for mode in ('tree', 'notree'):
            self.runner.run(['-r', pcap] + list(self.runner.MODES[mode]) +
                            list(fuzzlib.PASSWORD_ARGS))

    def report(self, keep=None):
        """Totals and per-file (hit, total) lines and branch outcomes; with keep=DIR the
        annotated sources (*.gcov: '#####' marks lines never reached) are left in DIR."""
        objdir = os.path.join(COV_BUILD, 'CMakeFiles', 'cmrp.dir')
        gcda_dir = self.prefix + objdir
        work = keep or fuzzlib.scratch_dir('cmrp-gcov-report-')
        os.makedirs(work, exist_ok=True)
        totals = {'lines': 0, 'lines_hit': 0, 'branches': 0, 'branches_taken': 0}
        files = {}
        for gcno in glob.glob(os.path.join(objdir, '**', '*.gcno'), recursive=True):
            rel = os.path.relpath(gcno, objdir)
            gcda = os.path.join(gcda_dir, rel[:-5] + '.gcda')
            if not os.path.exists(gcda):
                continue
            d = os.path.join(work, os.path.dirname(rel))
            os.makedirs(d, exist_ok=True)
            shutil.copy(gcno, d)
            shutil.copy(gcda, d)
            obj = os.path.join(d, os.path.basename(gcno))
            p = subprocess.run(['gcov', '-b'] + ([] if keep else ['-n']) + ['-o', obj, obj[:-5]],
                               cwd=work,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            cur = None
            for line in p.stdout.splitlines():
                m = re.match(r"File '(.*)'", line)
                if m:
                    cur = m.group(1)
                    continue
                if cur is None or not re.search(r'(plugin|gen)/[^/]*\.c$', cur):
                    continue
                m = re.match(r'Lines executed:([\d.]+)% of (\d+)', line)
                if m:
                    n = int(m.group(2))
                    hit = round(float(m.group(1)) * n / 100)
                    files.setdefault(os.path.basename(cur), {})['lines'] = (hit, n)
                    totals['lines'] += n
                    totals['lines_hit'] += hit
                m = re.match(r'Taken at least once:([\d.]+)% of (\d+)', line)
                if m:
                    n = int(m.group(2))
                    hit = round(float(m.group(1)) * n / 100)
                    files.setdefault(os.path.basename(cur), {})['branches'] = (hit, n)
                    totals['branches'] += n
                    totals['branches_taken'] += hit
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
        return totals, files

    def close(self):
        self.runner.close()
        shutil.rmtree(self.prefix, ignore_errors=True)


class Campaign:
    def __init__(self, args):
        self.args = args
        self.t0 = time.time()
        self.scratch = fuzzlib.scratch_dir()
        self.plugin_dir = fuzzlib.ensure_build(fuzzlib.ASAN_BUILD, sanitize=True)
        self.runner = fuzzlib.Runner(self.plugin_dir, timeout=args.timeout)
        self.cov = Coverage() if args.coverage else None
        self.stats = {'corpus_files': 0, 'editcap_files': 0, 'editcap_frames': 0,
                      'mutate_batches': 0, 'mutate_calls': 0, 'mutate_pdus': 0,
                      'mutate_stub_bytes': 0, 'tshark_runs': 0, 'failures': 0}
        self.findings = {}          # signature -> dict

    def left(self):
        return self.args.budget - (time.time() - self.t0) if self.args.budget else float('inf')

    def log(self, msg):
        if not self.args.quiet:
            print('[%6.0fs] %s' % (time.time() - self.t0, msg), flush=True)

    def record(self, f, reproducer, note=''):
        self.stats['failures'] += 1
        sig = f.signature()
        if sig in self.findings:
            self.findings[sig]['count'] += 1
            return
        saved = None
        if self.args.save and reproducer:
            saved = fuzzlib.save_crasher(reproducer, f, note)
        self.findings[sig] = {'signature': sig, 'kind': f.kind, 'mode': f.mode,
                              'message': f.message, 'input': reproducer, 'saved': saved,
                              'note': note, 'count': 1, 'log': f.log[-3000:]}
        self.log('FAILURE %s (%s) -> %s' % (sig, f.mode, saved or reproducer))
        if not self.args.quiet:
            print(f.log[-3000:], flush=True)

    # phases --------------------------------------------------------------------------------

    def pmap(self, fn, items):
        """fn over items with --jobs tshark processes at a time, results in order."""
        with concurrent.futures.ThreadPoolExecutor(max(1, self.args.jobs)) as ex:
            return list(ex.map(fn, items))

    def corpus(self):
        srcs = fuzzlib.corpus_files()
        paths = [fuzzlib.readable_copy(s, self.scratch) for s in srcs]
        modes = tuple(self.args.corpus_modes.split(','))
        results = self.pmap(lambda p: self.runner.check(p, modes=modes), paths)
        for src, path, fails in zip(srcs, paths, results):
            self.stats['corpus_files'] += 1
            if self.cov:
                self.cov.run(path)
            for f in fails:
                self.record(f, src, 'corpus capture %s' % os.path.relpath(src, ROOT))
        self.log('corpus: %d captures' % self.stats['corpus_files'])

    def editcap(self):
        srcs = [s for s in fuzzlib.corpus_files(include_adversarial=False)]
        if self.args.editcap_sources:
            srcs = srcs[:self.args.editcap_sources]
        muts = []
        for src in srcs:
            muts += [(src, m) for m in fuzzlib.editcap_mutants(
                src, self.scratch, self.args.editcap_seeds, self.args.editcap_rates)]

        def one(item):
            if self.left() <= 0:
                return None
            return self.runner.check(item[1])
        results = self.pmap(one, muts)
        for (src, mut), fails in zip(muts, results):
            if fails is None:
                continue
            self.stats['editcap_files'] += 1
            self.stats['editcap_frames'] += fuzzlib.frame_count(mut)
            if self.cov:
                self.cov.run(mut)
            for f in fails:
                red = fuzzlib.reduce_pcap_prefix(
                    mut, self.scratch,
                    lambda p, f=f: any(g.kind == f.kind for g in
                                       self.runner.check(p, modes=(f.mode,))))
                self.record(f, red, 'editcap mutant of %s' % os.path.basename(src))
        for _, mut in muts:
            os.unlink(mut)
        self.log('editcap: %d mutants' % self.stats['editcap_files'])

    def make_batch(self, seed):
        gen = mutate.Generator(seed)
        calls = []
        while len(calls) < self.args.batch_size:
            c = gen.call()
            if c is not None:
                calls.append(c)
        path = os.path.join(self.scratch, 'mut-%d.pcap' % seed)
        mutate.write_pcap(calls, path)
        return seed, calls, path, self.runner.check(path)

    def mutate(self):
        seed = self.args.seed
        batches = 0
        jobs = max(1, self.args.jobs)
        with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
            pending = []
            while True:
                while len(pending) < jobs and self.left() > 0 and (
                        self.args.batches is None or batches + len(pending) < self.args.batches):
                    pending.append(ex.submit(self.make_batch, seed))
                    seed += 1
                if not pending:
                    break
                done, _ = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED)
                for fut in done:
                    pending.remove(fut)
                    s, calls, path, fails = fut.result()
                    batches += 1
                    self.stats['mutate_batches'] += 1
                    self.stats['mutate_calls'] += len(calls)
                    self.stats['mutate_pdus'] += sum((c.req is not None) + (c.rsp is not None)
                                                      for c in calls)
                    self.stats['mutate_stub_bytes'] += sum(c.stub_bytes() for c in calls)
                    if self.cov:
                        self.cov.run(path)
                    for f in fails:
                        self.reduce_and_record(calls, f, s)
                    os.unlink(path)
                    if batches % 10 == 0:
                        self.log('mutate: %d batches, %d PDUs, %d failures' % (
                            batches, self.stats['mutate_pdus'], self.stats['failures']))
        self.stats['seeds'] = '%d-%d' % (self.args.seed, seed - 1)
        self.log('mutate: %d batches, %d PDUs (seeds %s)' % (batches, self.stats['mutate_pdus'],
                                                            self.stats['seeds']))

    def reduce_and_record(self, calls, f, seed):
        tmp = os.path.join(self.scratch, 'reduce-%d.pcap' % seed)

        def fails(sub):
            mutate.write_pcap(sub, tmp)
            return any(g.kind == f.kind for g in self.runner.check(tmp, modes=(f.mode,)))

        small = fuzzlib.reduce_calls(calls, fails) if fails(calls) else calls
        out = os.path.join(self.scratch, 'min-%d.pcap' % seed)
        mutate.write_pcap(small, out)
        note = 'mutate.py seed %d, %d of %d calls: %s' % (
            seed, len(small), len(calls), '; '.join(c.note for c in small[:5]))
        self.record(f, out, note)

    def run(self):
        phases = self.args.phases.split(',')
        for ph in phases:
            if self.left() <= 0 and ph != 'corpus':
                break
            getattr(self, ph)()
        self.stats['tshark_runs'] = self.runner.runs
        self.stats['seconds'] = round(time.time() - self.t0)
        rep = {'stats': self.stats, 'findings': list(self.findings.values())}
        if self.cov:
            totals, files = self.cov.report(self.args.coverage_dir)
            rep['coverage'] = {'totals': totals, 'files': files}
        return rep

    def close(self):
        self.runner.close()
        if self.cov:
            self.cov.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


def print_report(rep):
    s = rep['stats']
    print('== cmrp fuzz report ==')
    print('captures checked:      %d' % s['corpus_files'])
    print('editcap mutants:       %d files, %d frames' % (s['editcap_files'], s['editcap_frames']))
    print('structure-aware:       %d PDUs in %d calls, %d batches, %d stub bytes' % (
        s['mutate_pdus'], s['mutate_calls'], s['mutate_batches'], s['mutate_stub_bytes']))
    print('tshark runs:           %d in %ds' % (s['tshark_runs'], s['seconds']))
    if s.get('seeds'):
        print('mutate.py seeds:       %s' % s['seeds'])
    cov = rep.get('coverage')
    if cov:
        t = cov['totals']
        print('plugin code reached:   %d/%d lines, %d/%d branch outcomes (gcov)' % (
            t['lines_hit'], t['lines'], t['branches_taken'], t['branches']))
        for name, v in sorted(cov['files'].items()):
            ln = v.get('lines', (0, 0))
            br = v.get('branches', (0, 0))
            print('   %-28s lines %5d/%-5d branches %5d/%-5d' % (name, ln[0], ln[1], br[0], br[1]))
    print('failures:              %d runs, %d distinct' % (s['failures'], len(rep['findings'])))
    for f in rep['findings']:
        print(' - %s [%s, %dx] %s' % (f['signature'], f['mode'], f['count'],
                                      f['saved'] or f['input']))
        print('     %s' % f['message'][:200])


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--phases', default='corpus,editcap,mutate')
    ap.add_argument('--budget', type=float, default=None, help='seconds (mutate stops then)')
    ap.add_argument('--seed', type=int, default=1, help='first mutate.py seed (one per batch)')
    ap.add_argument('--batches', type=int, default=None, help='mutate batches (default: budget)')
    ap.add_argument('--batch-size', type=int, default=150, help='calls per batch')
    ap.add_argument('--editcap-seeds', type=lambda s: [int(x) for x in s.split(',')],
                    default=[1, 2, 3])
    ap.add_argument('--editcap-rates', type=lambda s: s.split(','),
                    default=['0.005', '0.02', '0.1'])
    ap.add_argument('--editcap-sources', type=int, default=None,
                    help='mutate only the first N captures')
    ap.add_argument('--jobs', type=int, default=2, help='tshark processes at a time')
    ap.add_argument('--corpus-modes', default='tree,notree,tree2',
                    help='tree (-V), notree, tree2 (-2 -V)')
    ap.add_argument('--timeout', type=int, default=300, help='seconds per tshark run')
    ap.add_argument('--save', action='store_true', help='keep failures in captures/adversarial/')
    ap.add_argument('--coverage', action='store_true', help='also measure gcov coverage')
    ap.add_argument('--coverage-dir', help='keep the annotated *.gcov sources here')
    ap.add_argument('--json', help='write the report here')
    ap.add_argument('--quiet', action='store_true')
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    c = Campaign(args)
    try:
        rep = c.run()
    finally:
        c.close()
    print_report(rep)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rep, f, indent=1)
    return 1 if rep['findings'] else 0


if __name__ == '__main__':
    sys.exit(main())
