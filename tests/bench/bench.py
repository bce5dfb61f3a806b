#!/usr/bin/python3
"""The performance benchmark of issue 14: one command, writes docs/performance.md.

    tests/bench/bench.py                          everything, default sizes (hours)
    tests/bench/bench.py --steps cg,lin           only callgrind and the per-PDU linearity
    tests/bench/bench.py --steps report           rewrite docs/performance.md from the results
    tests/bench/bench.py --quick --out DIR        tiny sizes (tests/bench/test_bench_smoke.py)

Four setups, tshark 4.x as user nobody (setpriv) with WIRESHARK_PLUGIN_DIR, as tests/conftest.py:
  floor    DCE/RPC only: our plugin loaded, --disable-protocol clusapi, cmrp and cmrp2
  handoff  DCE/RPC hands every PDU to a dissector that reads nothing: our plugin built with
           -DCMRP_BENCH_NULL=ON (its stub dissectors claim the stub and decode nothing), built
           by this script in WORK/handoff-build against the Wireshark --build was configured
           with. What DCE/RPC itself spends once any dissector owns the interface (operation
           name, Info, protocol item, ...): the lower bound for any decoder. Fields and filter
           as the floor's. Measured by cg and lines only (not in the rss and wall defaults).
  builtin  Wireshark's own clusapi dissector (WIRESHARK_PLUGIN_DIR at an empty folder)
  cmrp     our plugin
Four modes: V (-V), summary (summary lines), fields (-T fields, 5 fields), filter (-Y on a
property name for cmrp; the nearest filter the others can express).

Steps (--steps, comma-separated; results are kept in OUT/results.json, merged run by run):
  cg      instructions per frame: callgrind, the marginal cost between two capture sizes
          (--cg-sizes, PDUs) of each mix, every setup and mode; also keeps the callgrind output of
          cmrp -V on the larger size for callgrind_annotate (the profile section).
  rss     peak RSS (/usr/bin/time -f %M) at three sizes (--rss-sizes) and its growth per PDU (a
          least-squares slope), for --rss-setups and --rss-modes.
  wall    wall-clock medians (--wall-reps runs, interleaved setup by setup) at --wall-size PDUs.
  lines   lines and bytes -V prints per frame (marginal, the callgrind sizes), per setup.
  lin     per-PDU linearity: instructions for one property-list response of 1 to 64 KiB and one
          GetNotifyV2 response of 1 to 10,000 events (cmrp, -V; callgrind, marginal over the
          same capture without those calls).
  report  writes OUT/performance.md (the docs page) and the plots (OUT/img/perf-*.png).
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _load_gen():
    # by path: tests/gen/ is a folder of its own, and pytest puts tests/ on sys.path
    import importlib.util
    spec = importlib.util.spec_from_file_location('cmrp_bench_gen', os.path.join(HERE, 'gen.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


gen = _load_gen()

SETUPS = ['floor', 'handoff', 'builtin', 'cmrp']
# the setups the rss and wall steps measure by default (handoff only with --rss-setups handoff)
BASE_SETUPS = ['floor', 'builtin', 'cmrp']
COLORS = {'floor': 'tab:blue', 'handoff': 'tab:purple', 'builtin': 'tab:orange', 'cmrp': 'tab:green'}
MODES = ['V', 'summary', 'fields', 'filter']
MIXES = ['real', 'heavy']
FIELDS = {
    'cmrp': ['cmrp.opnum', 'cmrp.handle', 'cmrp.rc', 'cmrp.ctl.code', 'cmrp.prop.name'],
    'builtin': ['clusapi.opnum', 'clusapi.werror', 'clusapi.clusapi_ResourceControl.hResource',
                'clusapi.clusapi_ResourceControl.dwControlCode',
                'clusapi.clusapi_ResourceControl.lpOutBuffer'],
    'floor': ['frame.number', 'dcerpc.opnum', 'dcerpc.cn_call_id', 'dcerpc.pkt_type',
              'dcerpc.cn_frag_len'],
}
FILTERS = {
    'cmrp': 'cmrp.prop.name == "Description"',
    'builtin': 'clusapi.clusapi_ResourceControl.dwControlCode == 0x01000059',
    'floor': 'dcerpc.opnum == 73',
}
DISABLE = ['--disable-protocol', 'clusapi', '--disable-protocol', 'cmrp',
           '--disable-protocol', 'cmrp2']
LIN_PROPLIST_KIB = [1, 2, 4, 8, 16, 32, 64]
LIN_NOTIFY = [1, 10, 100, 1000, 10000]


def cmake_cache(build):
    """{name: value} of a build folder's CMakeCache.txt ({} if there is none)."""
    out = {}
    try:
        for line in open(os.path.join(build, 'CMakeCache.txt')):
            m = re.match(r'([A-Za-z_][\w.-]*):[A-Z]+=(.*)$', line.rstrip('\n'))
            if m:
                out[m.group(1)] = m.group(2)
    except OSError:
        pass
    return out


def build_handoff(build, work):
    """The plugin built with -DCMRP_BENCH_NULL=ON from this source tree, in WORK/handoff-build,
    configured like `build` (same Wireshark, build type, compiler); configured once, then only
    rebuilt (a no-op when nothing changed). Returns its plugins/ folder."""
    out = os.path.join(work, 'handoff-build')
    logf = os.path.join(work, 'handoff-build.log')
    cache = cmake_cache(build)
    if not cache:
        raise SystemExit('setup handoff: %s has no CMakeCache.txt; configure --build first '
                         '(cmake -B build)' % build)
    have = cmake_cache(out)
    if have and (os.path.realpath(have.get('CMAKE_HOME_DIRECTORY', '')) != os.path.realpath(ROOT)
                 or have.get('Wireshark_DIR') != cache.get('Wireshark_DIR')):
        shutil.rmtree(out)          # made from another tree or Wireshark: configure again
    with open(logf, 'a') as lf:
        if not os.path.exists(os.path.join(out, 'CMakeCache.txt')):
            argv = ['cmake', '-S', ROOT, '-B', out, '-DCMRP_BENCH_NULL=ON']
            for k in ('Wireshark_DIR', 'CMAKE_BUILD_TYPE', 'CMAKE_C_COMPILER', 'CMAKE_C_FLAGS',
                      'CMRP_UUID_TAKEOVER', 'CMRP_SANITIZE', '_Python3_EXECUTABLE'):
                if cache.get(k):
                    argv.append('-D%s=%s' % (k.lstrip('_'), cache[k]))
            log('handoff: configuring', out)
            if subprocess.run(argv, stdout=lf, stderr=subprocess.STDOUT).returncode != 0:
                shutil.rmtree(out, ignore_errors=True)
                raise SystemExit('setup handoff: configure failed, see %s' % logf)
        if cmake_cache(out).get('CMRP_BENCH_NULL') != 'ON':
            raise SystemExit('setup handoff: %s is not a CMRP_BENCH_NULL=ON build' % out)
        if subprocess.run(['cmake', '--build', out, '--target', 'cmrp', '-j1'], stdout=lf,
                          stderr=subprocess.STDOUT).returncode != 0:
            raise SystemExit('setup handoff: build failed, see %s' % logf)
    for d, dirs, files in os.walk(os.path.join(out, 'plugins')):   # tshark runs as nobody
        os.chmod(d, os.stat(d).st_mode | 0o555)
        for f in files:
            os.chmod(os.path.join(d, f), os.stat(os.path.join(d, f)).st_mode | 0o444)
    return os.path.join(out, 'plugins')


class Runner:
    def __init__(self, build, work):
        self.build = os.path.abspath(build)
        self.work = work
        self.home = os.path.join(work, 'home')
        self.empty = os.path.join(work, 'no-plugins')
        self._handoff = None
        for d in (self.home, self.empty):
            os.makedirs(d, exist_ok=True)
            os.chmod(d, 0o777)

    def plugin_dir(self, setup):
        if setup == 'builtin':
            return self.empty
        if setup == 'handoff':
            if self._handoff is None:
                self._handoff = build_handoff(self.build, self.work)
            return self._handoff
        return os.path.join(self.build, 'plugins')

    def env(self, setup):
        return {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'HOME': self.home, 'TZ': 'UTC',
                'LANG': 'C.UTF-8', 'WIRESHARK_PLUGIN_DIR': self.plugin_dir(setup)}

    @staticmethod
    def args(setup, mode, path):
        a = ['-r', path]
        if setup == 'floor':
            a += DISABLE
        # handoff: cmrp's stub dissectors decode nothing, so its cmrp.* fields would be empty
        as_ = 'floor' if setup == 'handoff' else setup
        if mode == 'V':
            a.append('-V')
        elif mode == 'fields':
            a += ['-T', 'fields']
            for f in FIELDS[as_]:
                a += ['-e', f]
        elif mode == 'filter':
            a += ['-Y', FILTERS[as_]]
        return a

    def run(self, setup, mode, path, wrapper=()):
        argv = list(wrapper) + ['tshark'] + self.args(setup, mode, path)
        if os.geteuid() == 0:
            argv = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] + argv
        t0 = time.monotonic()
        p = subprocess.run(argv, env=self.env(setup), stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, errors='replace')
        dt = time.monotonic() - t0
        if p.returncode != 0:
            raise SystemExit('%s failed (%d): %s' % (' '.join(argv), p.returncode,
                                                     p.stderr[-3000:]))
        return p.stderr, dt

    def callgrind(self, setup, mode, path, keep=None):
        out = keep or os.path.join(self.work, 'cg.tmp.%d' % os.getpid())
        err, _ = self.run(setup, mode, path, ['valgrind', '--tool=callgrind',
                                              '--callgrind-out-file=' + out])
        m = re.search(r'Collected : (\d+)', err)
        if not m:
            raise SystemExit('no callgrind total for %s %s: %s' % (setup, mode, err[-2000:]))
        if not keep:
            os.unlink(out)
        return int(m.group(1))

    def output_size(self, setup, mode, path):
        """(lines, bytes) tshark prints."""
        argv = ['tshark'] + self.args(setup, mode, path)
        if os.geteuid() == 0:
            argv = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] + argv
        lines = nbytes = 0
        with subprocess.Popen(argv, env=self.env(setup), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL) as p:
            for chunk in iter(lambda: p.stdout.read(1 << 20), b''):
                lines += chunk.count(b'\n')
                nbytes += len(chunk)
        return lines, nbytes

    def rss(self, setup, mode, path):
        err, dt = self.run(setup, mode, path, ['/usr/bin/time', '-f', 'RSS %M'])
        return int(re.findall(r'RSS (\d+)', err)[-1]), dt


def capture(work, mix, pdus, seed, cache):
    """Generate (or reuse) the capture of `mix` with `pdus` PDUs; its stats."""
    path = os.path.join(work, '%s-%d.pcapng' % (mix, pdus))
    key = '%s-%d-%d' % (mix, pdus, seed)
    side = path + '.json'          # the generator's stats: reuse a file made with the same seed
    if os.path.exists(path) and os.path.exists(side):
        st = json.load(open(side))
        if st.get('key') == key and st.get('size') == os.path.getsize(path):
            return path, st
    # written under another name, then renamed: two runs may share a --work folder
    tmp = '%s.%d.tmp' % (path, os.getpid())
    st = gen.main([tmp, '--mix', mix, '--pdus', str(pdus), '--seed', str(seed)])
    st.update(key=key, size=os.path.getsize(tmp))
    with open(side + '.%d.tmp' % os.getpid(), 'w') as f:
        json.dump(st, f)
    os.replace(tmp, path)
    os.replace(side + '.%d.tmp' % os.getpid(), side)
    return path, st


def single_capture(work, spec, calls):
    path = os.path.join(work, 'single-%s-%d.pcapng' % (spec.replace(':', '-'), calls))
    if not os.path.exists(path):
        gen.main([path, '--single', spec, '--calls', str(calls)])
    return path


def log(*a):
    print(time.strftime('%H:%M:%S'), *a, flush=True)


def step_cg(r, res, opts, cache):
    s1, s2 = opts.cg_sizes
    for mix in opts.mixes:
        p1, st1 = capture(r.work, mix, s1, opts.seed, cache)
        p2, st2 = capture(r.work, mix, s2, opts.seed, cache)
        for setup in opts.setups:
            for mode in opts.modes:
                keep = [None, None]
                if mode in ('V', 'summary'):
                    # the pid: two runs may share a --work folder
                    keep = [os.path.join(r.work, 'callgrind.%s.%s.%s.%d.%d.out' % (
                        mix, setup, mode, n, os.getpid())) for n in (s1, s2)]
                i1 = r.callgrind(setup, mode, p1, keep[0])
                i2 = r.callgrind(setup, mode, p2, keep[1])
                frames = st2['frames'] - st1['frames']
                per_frame = (i2 - i1) / frames
                per_pdu = (i2 - i1) / (st2['pdus'] - st1['pdus'])
                res.setdefault('cg', {}).setdefault(mix, {}).setdefault(setup, {})[mode] = {
                    'sizes': [st1['pdus'], st2['pdus']], 'frames': [st1['frames'], st2['frames']],
                    'instructions': [i1, i2], 'per_frame': per_frame, 'per_pdu': per_pdu}
                if keep[0]:
                    prof = res.setdefault('profile', {}).setdefault(mix, {}).setdefault(mode, {})
                    prof[setup] = marginal_profile(keep[0], keep[1], frames)
                    for k in keep:
                        os.unlink(k)
                log('cg', mix, setup, mode, '%.0f instr/frame' % per_frame)
                save(res, opts)


def step_lines(r, res, opts, cache):
    """Lines and bytes that -V prints per frame (marginal, the callgrind sizes): in -V most
    instructions go to formatting and printing them."""
    s1, s2 = opts.cg_sizes
    for mix in opts.mixes:
        p1, st1 = capture(r.work, mix, s1, opts.seed, cache)
        p2, st2 = capture(r.work, mix, s2, opts.seed, cache)
        frames = st2['frames'] - st1['frames']
        for setup in opts.setups:
            (l1, b1), (l2, b2) = r.output_size(setup, 'V', p1), r.output_size(setup, 'V', p2)
            res.setdefault('lines', {}).setdefault(mix, {})[setup] = {
                'lines_per_frame': (l2 - l1) / frames, 'bytes_per_frame': (b2 - b1) / frames}
            log('lines', mix, setup, '%.1f lines/frame' % ((l2 - l1) / frames))
        save(res, opts)


def functions(path):
    """{function: self instructions} of a callgrind output (callgrind_annotate)."""
    p = subprocess.run(['callgrind_annotate', '--inclusive=no', '--threshold=100', path],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                       errors='replace')
    out = {}
    for line in p.stdout.splitlines():
        m = re.match(r'\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(\S.*)$', line)
        if not m or m.group(2).startswith('PROGRAM TOTALS') or ':' not in m.group(2):
            continue
        what = m.group(2)
        fn = what.split(':', 1)[1].split(' [')[0].strip()
        obj = os.path.basename(what.split(' [')[-1].rstrip(']')) if ' [' in what else ''
        if fn.startswith('0x'):
            fn = '%s@%s' % (obj or '?', fn)
        key = fn + '\t' + obj
        out[key] = out.get(key, 0) + int(m.group(1).replace(',', ''))
    return out


def marginal_profile(small, large, frames, top=60):
    """Self instructions per frame of each function between the two runs: the profile of the
    frames, without start-up. [(per frame, function, object)], largest first."""
    a, b = functions(small), functions(large)
    rows = []
    for k in set(a) | set(b):
        d = (b.get(k, 0) - a.get(k, 0)) / frames
        if d > 0:
            fn, obj = k.split('\t')
            rows.append((d, fn, obj))
    rows.sort(reverse=True)
    return rows[:top]


def step_rss(r, res, opts, cache):
    for mix in opts.mixes:
        paths = [capture(r.work, mix, s, opts.seed, cache) for s in opts.rss_sizes]
        for setup in opts.rss_setups:
            for mode in opts.rss_modes:
                pts = []
                for path, st in paths:
                    kb, dt = r.rss(setup, mode, path)
                    pts.append((st['pdus'], kb, dt))
                    log('rss', mix, setup, mode, st['pdus'], '%d kB %.0f s' % (kb, dt))
                xs = [p[0] for p in pts]
                ys = [p[1] * 1024 for p in pts]
                mx, my = statistics.mean(xs), statistics.mean(ys)
                slope = (sum((x - mx) * (y - my) for x, y in zip(xs, ys)) /
                         sum((x - mx) ** 2 for x in xs)) if len(set(xs)) > 1 else 0.0
                res.setdefault('rss', {}).setdefault(mix, {}).setdefault(setup, {})[mode] = {
                    'points': pts, 'bytes_per_pdu': slope}
                save(res, opts)
        if not opts.keep_captures:
            for path, _ in paths:
                if os.path.exists(path):
                    os.unlink(path)


def step_wall(r, res, opts, cache):
    for mix in opts.mixes:
        path, st = capture(r.work, mix, opts.wall_size, opts.seed, cache)
        setups = [s for s in opts.setups if s in BASE_SETUPS]    # not handoff: see the top
        times = {(s, m): [] for s in setups for m in opts.modes}
        for _ in range(opts.wall_reps):
            for mode in opts.modes:
                for setup in setups:               # interleaved: setups one after the other
                    _, dt = r.run(setup, mode, path)
                    times[(setup, mode)].append(dt)
        out = res.setdefault('wall', {}).setdefault(mix, {})
        for (s, m), v in times.items():
            out.setdefault(s, {})[m] = {'pdus': st['pdus'], 'frames': st['frames'],
                                        'runs': v, 'median': statistics.median(v)}
        log('wall', mix, {'%s/%s' % k: round(statistics.median(v), 2) for k, v in times.items()})
        save(res, opts)


def step_lin(r, res, opts):
    calls = opts.lin_calls
    out = res.setdefault('lin', {})
    for kind, sizes in (('proplist', opts.lin_proplist), ('notify', opts.lin_notify)):
        if not sizes:
            continue
        base = r.callgrind('cmrp', 'V', single_capture(r.work, '%s:1' % kind, 0))
        rows = []
        for n in sizes:
            spec = '%s:%d' % (kind, n)
            path = single_capture(r.work, spec, calls)
            total = r.callgrind('cmrp', 'V', path)
            nbytes = os.path.getsize(path) - os.path.getsize(
                single_capture(r.work, '%s:1' % kind, 0))
            rows.append({'n': n, 'instructions': (total - base) / calls,
                         'file_bytes': nbytes / calls})
            log('lin', spec, '%.0f instr' % rows[-1]['instructions'])
        out[kind] = rows
        save(res, opts)


def save(res, opts):
    with open(opts.results, 'w') as f:
        json.dump(res, f, indent=1, sort_keys=True)


# --------------------------------------------------------------------------------------------
# report


def fmt(n):
    return '{:,.0f}'.format(n)


def machine():
    cpu = ''
    try:
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    mem = ''
    try:
        mem = '%.0f GB' % (int(open('/proc/meminfo').readline().split()[1]) / 1048576)
    except (OSError, ValueError, IndexError):
        pass
    ver = subprocess.run(['tshark', '-v'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True).stdout.splitlines()[0]
    osr = ''
    try:
        osr = [l.split('=', 1)[1].strip().strip('"') for l in open('/etc/os-release')
               if l.startswith('PRETTY_NAME=')][0]
    except (OSError, IndexError):
        pass
    return {'cpu': cpu, 'cores': os.cpu_count(), 'memory': mem, 'os': osr, 'wireshark': ver,
            'kernel': platform.release()}


def plots(res, imgdir):
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    os.makedirs(imgdir, exist_ok=True)
    made = []
    cg = res.get('cg', {})
    if cg:
        fig, axes = plt.subplots(1, len(cg), figsize=(6 * len(cg), 4), squeeze=False)
        for ax, (mix, d) in zip(axes[0], sorted(cg.items())):
            modes = [m for m in MODES if any(m in d.get(s, {}) for s in SETUPS)]
            present = [s for s in SETUPS if s in d]
            w = 0.8 / max(len(present), 1)
            for i, s in enumerate(present):
                ax.bar([j + (i - (len(present) - 1) / 2) * w for j in range(len(modes))],
                       [d[s].get(m, {}).get('per_frame', 0) / 1000 for m in modes], w, label=s,
                       color=COLORS[s])
            ax.set_xticks(range(len(modes)))
            ax.set_xticklabels(modes)
            ax.set_ylabel('thousand instructions per frame')
            ax.set_title('%s mix (callgrind, marginal)' % mix)
            ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(imgdir, 'perf-instructions.png'), dpi=90)
        plt.close(fig)
        made.append('perf-instructions.png')
    rss = res.get('rss', {})
    if rss:
        fig, axes = plt.subplots(1, len(rss), figsize=(6 * len(rss), 4), squeeze=False)
        for ax, (mix, d) in zip(axes[0], sorted(rss.items())):
            for s in [s for s in SETUPS if s in d]:
                for m, v in sorted(d[s].items()):
                    pts = v['points']
                    ax.plot([p[0] / 1000 for p in pts], [p[1] / 1024 for p in pts],
                            marker='o' if m == 'summary' else 'x', color=COLORS[s],
                            ls='-' if m == 'summary' else 'none', ms=6 if m == 'summary' else 10,
                            label='%s -%s' % (s, m) if m == 'V' else '%s %s' % (s, m))
            ax.set_xlabel('thousand PDUs')
            ax.set_ylabel('peak RSS, MiB')
            ax.set_title('%s mix' % mix)
            ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(imgdir, 'perf-rss.png'), dpi=90)
        plt.close(fig)
        made.append('perf-rss.png')
    lin = res.get('lin', {})
    if lin:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), squeeze=False)
        for ax, kind, xl in ((axes[0][0], 'proplist', 'property list, KiB'),
                             (axes[0][1], 'notify', 'events in one GetNotifyV2 response')):
            rows = lin.get(kind, [])
            if not rows:
                continue
            ax.loglog([r['n'] for r in rows], [r['instructions'] for r in rows], marker='o',
                      label='cmrp -V')
            xs = [r['file_bytes'] for r in rows]
            ys = [r['instructions'] for r in rows]
            if len(xs) > 1:
                mx, my = statistics.mean(xs), statistics.mean(ys)
                b = (sum((x - mx) * (y - my) for x, y in zip(xs, ys)) /
                     sum((x - mx) ** 2 for x in xs))
                a = my - b * mx
                ax.loglog([r['n'] for r in rows], [a + b * x for x in xs], ls=':',
                          label='least-squares a + b x bytes (b = %.0f per byte)' % b)
            ax.set_xlabel(xl)
            ax.set_ylabel('instructions for the call')
            ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(imgdir, 'perf-linearity.png'), dpi=90)
        plt.close(fig)
        made.append('perf-linearity.png')
    return made


def report(res, opts):
    mach = res.get('machine') or machine()
    out = []
    w = out.append
    w('# Performance')
    w('')
    w('Written by `tests/bench/bench.py` (issue 14); the numbers below are from its last run, '
      'kept in `docs/perf/results.json`. Setups: **floor** = DCE/RPC only (our plugin loaded, '
      '`--disable-protocol clusapi --disable-protocol cmrp --disable-protocol cmrp2`), '
      '**builtin** = Wireshark\'s own `clusapi` (no plugin), **cmrp** = this plugin. Modes: '
      '`-V`; summary lines; `-T fields` with 5 fields (%s; the built-in: %s; the floor: %s); a '
      'display filter (cmrp: `%s`; built-in: `%s`; floor: `%s`).'
      % (', '.join('`%s`' % f for f in FIELDS['cmrp']),
         ', '.join('`%s`' % f for f in FIELDS['builtin']),
         ', '.join('`%s`' % f for f in FIELDS['floor']),
         FILTERS['cmrp'], FILTERS['builtin'], FILTERS['floor']))
    w('')
    w('Machine: %s, %s cores (shared with other work: wall times are secondary), %s, %s, '
      'kernel %s; %s' % (mach['cpu'], mach['cores'], mach['memory'], mach['os'],
                          mach['kernel'], mach['wireshark']))
    w('')
    w('Inputs: `tests/bench/gen.py` (seeded): **real** = smbtorture `rpc.clusapi` '
      '(captures/smbtorture-anon.pcapng) replicated onto distinct connections; **heavy** = '
      'management traffic with big buffers (property lists of 20-200 properties, GetNotifyV2 '
      'batches of 20-500 events, registry enumerations, control calls of every buildable '
      'format, multi-fragment responses) mixed with the scenario captures (NDR, NDR64, '
      'storage, ClusAPI 2.0 over UDP).')
    w('')
    cg = res.get('cg', {})
    if cg:
        w('## Instructions per frame (callgrind)')
        w('')
        w('Marginal cost between two capture sizes (so tshark\'s start-up is not counted), '
          'exact for one run and unaffected by load (repeat runs differ by up to about 1% '
          'in summary mode: see the analysis below). Ratio = setup / floor.')
        w('')
        if any('handoff' in d for d in cg.values()):
            w('**handoff** = the plugin built with `-DCMRP_BENCH_NULL=ON`: DCE/RPC hands every '
              'ClusAPI PDU to a dissector that reads nothing (it claims the stub and decodes '
              'nothing; fields and filter as the floor\'s). It is what DCE/RPC itself spends once '
              'any dissector owns the interface (operation name, Info, protocol item, ...): no '
              'dissector registered for the interface can cost less, so "handoff / floor" is the '
              'lowest ratio any of them can reach.')
            w('')
        for mix in sorted(cg):
            d = cg[mix]
            any_ = next(iter(next(iter(d.values())).values()))
            w('**%s mix** (%s and %s PDUs, %s and %s frames):' % (
                mix, fmt(any_['sizes'][0]), fmt(any_['sizes'][1]), fmt(any_['frames'][0]),
                fmt(any_['frames'][1])))
            w('')
            # handoff's columns only where it was measured (older results have none)
            cols = [s for s in SETUPS if s != 'handoff' or 'handoff' in d]
            rcols = [s for s in cols if s != 'floor']
            w('| mode | %s | %s | goal (cmrp) |' % (' | '.join(cols),
                                                 ' | '.join('%s / floor' % s for s in rcols)))
            w('|---|%s%s---|' % ('---:|' * len(cols), '---:|' * len(rcols)))
            for m in MODES:
                if not any(m in d.get(s, {}) for s in cols):
                    continue
                v = {s: d.get(s, {}).get(m, {}).get('per_frame') for s in cols}
                fl = v['floor']
                ratio = lambda x: ('%.3f' % (x / fl)) if x and fl else '-'  # noqa: E731
                goal = ''
                if m != 'filter' and v['cmrp'] and fl:
                    goal = 'met (<= 1.05)' if v['cmrp'] / fl <= 1.05 else 'not met (> 1.05)'
                w('| %s | %s | %s | %s |' % (
                    '-V' if m == 'V' else m, ' | '.join(fmt(v[s]) if v[s] else '-' for s in cols),
                    ' | '.join(ratio(v[s]) for s in rcols), goal))
            w('')
            ln = res.get('lines', {}).get(mix)
            if ln and 'V' in d.get('floor', {}):
                w('In `-V`, what each setup prints per frame (marginal, same sizes) and the '
                  'instructions per printed line:')
                w('')
                w('| setup | lines per frame | bytes per frame | instructions per line |')
                w('|---|---:|---:|---:|')
                for s_ in SETUPS:
                    if s_ in ln and 'V' in d.get(s_, {}):
                        w('| %s | %.1f | %s | %s |' % (
                            s_, ln[s_]['lines_per_frame'], fmt(ln[s_]['bytes_per_frame']),
                            fmt(d[s_]['V']['per_frame'] / ln[s_]['lines_per_frame'])))
                w('')
        if os.path.exists(os.path.join(opts.imgdir, 'perf-instructions.png')):
            w('![instructions per frame](%s/perf-instructions.png)' % opts.imgrel)
            w('')
    rss = res.get('rss', {})
    if rss:
        w('## Memory: peak RSS and its growth per PDU')
        w('')
        w('`/usr/bin/time -f %M`; growth = least-squares slope of peak RSS over the sizes, i.e. '
          'what each PDU keeps for the whole file. Goal: cmrp at most the built-in\'s peak and at '
          'most 64 bytes per PDU above the floor.')
        w('')
        for mix in sorted(rss):
            d = rss[mix]
            w('**%s mix**:' % mix)
            w('')
            sizes = sorted({p[0] for s in SETUPS for v in d.get(s, {}).values()
                            for p in v['points']})
            w('| setup | mode | %s | bytes per PDU | above floor |' % ' | '.join(
                'peak RSS, %s PDUs' % fmt(x) for x in sizes))
            w('|---|---|%s---:|---:|' % ('---:|' * len(sizes)))
            for m in MODES:
                for s in SETUPS:
                    v = d.get(s, {}).get(m)
                    if not v:
                        continue
                    at = {p[0]: p[1] for p in v['points']}
                    fl = d.get('floor', {}).get(m)
                    one = len(v['points']) < 2
                    above = ('%+.0f' % (v['bytes_per_pdu'] - fl['bytes_per_pdu'])
                             if fl and not one and len(fl['points']) > 1 else '-')
                    w('| %s | %s | %s | %s | %s |' % (
                        s, '-V' if m == 'V' else m,
                        ' | '.join(('%.0f MB' % (at[x] / 1000)) if x in at else '-'
                                   for x in sizes),
                        '-' if one else '%.0f' % v['bytes_per_pdu'], above))
            w('')
        if os.path.exists(os.path.join(opts.imgdir, 'perf-rss.png')):
            w('![peak RSS against PDUs](%s/perf-rss.png)' % opts.imgrel)
            w('')
    wall = res.get('wall', {})
    if wall:
        w('## Wall-clock medians (secondary)')
        w('')
        w('Interleaved (each round runs every setup once per mode), median of the runs; the CPU '
          'is shared, so these move by tens of percent between runs.')
        w('')
        for mix in sorted(wall):
            d = wall[mix]
            any_ = next(iter(next(iter(d.values())).values()))
            w('**%s mix**, %s PDUs, %d runs each:' % (mix, fmt(any_['pdus']), len(any_['runs'])))
            w('')
            w('| mode | floor | builtin | cmrp | cmrp / floor |')
            w('|---|---:|---:|---:|---:|')
            for m in MODES:
                v = {s: d.get(s, {}).get(m, {}).get('median') for s in BASE_SETUPS}
                if not any(v.values()):
                    continue
                w('| %s | %s | %s | %s | %s |' % (
                    '-V' if m == 'V' else m,
                    *('%.2f s' % v[s] if v[s] else '-' for s in BASE_SETUPS),
                    '%.2f' % (v['cmrp'] / v['floor']) if v['cmrp'] and v['floor'] else '-'))
            w('')
    lin = res.get('lin', {})
    if lin:
        w('## Per-PDU cost against its size (cmrp, `-V`)')
        w('')
        w('Instructions for one call (request + response, the response in DCE/RPC fragments of '
          'at most 5,840 bytes), the marginal cost over the same connection without it.')
        w('')
        w('| call | size | bytes on the wire | instructions | instructions per byte |')
        w('|---|---:|---:|---:|---:|')
        for kind, label, unit in (('proplist', 'ResourceControl GET_COMMON_PROPERTIES', 'KiB'),
                                  ('notify', 'GetNotifyV2', 'events')):
            for row in lin.get(kind, []):
                w('| %s | %s %s | %s | %s | %.1f |' % (label, fmt(row['n']), unit,
                                                      fmt(row['file_bytes']),
                                                      fmt(row['instructions']),
                                                      row['instructions'] / row['file_bytes']))
        w('')
        if os.path.exists(os.path.join(opts.imgdir, 'perf-linearity.png')):
            w('![instructions against size](%s/perf-linearity.png)' % opts.imgrel)
            w('')
    prof = res.get('profile', {})
    if prof:
        w('## Profile: where the instructions of a frame go')
        w('')
        w('Self instructions per frame of each function, the marginal between the two callgrind '
          'runs above (`callgrind_annotate --inclusive=no` of each, subtracted: no start-up); '
          'share = of all instructions per frame. '
          '"cmrp - floor" is what the plugin adds over DCE/RPC alone, by function.')
        w('')
        for mix in sorted(prof):
            for mode in [m for m in MODES if m in prof[mix]]:
                p = prof[mix][mode]
                if 'cmrp' not in p:
                    continue
                w('**%s mix, %s, cmrp** (top %d):' % (mix, '-V' if mode == 'V' else mode,
                                                      opts.top))
                w('')
                w('| per frame | share | function | object |')
                w('|---:|---:|---|---|')
                tot = (cg.get(mix, {}).get('cmrp', {}).get(mode, {}).get('per_frame') or
                       sum(x[0] for x in p['cmrp']) or 1)
                for n, fn, obj in p['cmrp'][:opts.top]:
                    w('| %s | %.1f%% | `%s` | %s |' % (fmt(n), 100 * n / tot, fn, obj))
                w('')
                if 'floor' in p:
                    fl = {(fn, obj): n for n, fn, obj in p['floor']}
                    cm = {(fn, obj): n for n, fn, obj in p['cmrp']}
                    diff = sorted(((cm.get(k, 0) - fl.get(k, 0), k) for k in set(cm) | set(fl)),
                                  reverse=True)
                    w('**%s mix, %s, cmrp - floor** (largest additions per frame):' % (
                        mix, '-V' if mode == 'V' else mode))
                    w('')
                    w('| per frame | function | object |')
                    w('|---:|---|---|')
                    for n, (fn, obj) in diff[:opts.top]:
                        if n > 0:
                            w('| %s | `%s` | %s |' % (fmt(n), fn, obj))
                    w('')
    extra = os.path.join(HERE, 'analysis.md')
    if os.path.exists(extra):
        w(open(extra).read().rstrip())
        w('')
    w('## Reproduce')
    w('')
    w('```')
    w('apt-get install -y python3-matplotlib valgrind     # scripts/install-deps.sh has both')
    w('cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build')
    w('tests/bench/bench.py                  # all steps, default sizes; see --help')
    w('```')
    w('')
    cmds = res.get('commands', {})
    if cmds:
        w('The numbers above came from (merged, step by step, in `docs/perf/results.json`; a run '
          'of a step replaces only the setups, modes and mixes it measured):')
        w('')
        for step in sorted(cmds):
            for c in cmds[step]:
                # where the files went is not part of the measurement
                c = re.sub(r' --(build|out|work|merge) \S+| --keep-captures', '', c)
                w('- %s: `%s`' % (step, c))
    with open(os.path.join(opts.out, 'performance.md'), 'w') as f:
        f.write('\n'.join(out) + '\n')


def deep_merge(into, other):
    for k, v in other.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            deep_merge(into[k], v)
        elif (isinstance(v, list) and isinstance(into.get(k), list) and
              all(isinstance(x, str) for x in v + into[k])):
            into[k] = into[k] + [x for x in v if x not in into[k]]     # commands: union
        else:
            into[k] = v


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ints = lambda s: [int(x) for x in s.split(',') if x]  # noqa: E731
    strs = lambda s: [x for x in s.split(',') if x]  # noqa: E731
    ap.add_argument('--build', default=os.path.join(ROOT, 'build'))
    ap.add_argument('--out', default=os.path.join(ROOT, 'docs'),
                    help='where performance.md goes (results in OUT/perf/results.json)')
    ap.add_argument('--work', help='scratch folder for captures (default: a temporary one)')
    ap.add_argument('--steps', type=strs,
                    default=['cg', 'lines', 'rss', 'wall', 'lin', 'report'])
    ap.add_argument('--mixes', type=strs, default=MIXES)
    ap.add_argument('--setups', type=strs, default=SETUPS)
    ap.add_argument('--modes', type=strs, default=MODES)
    ap.add_argument('--cg-sizes', type=ints, default=[2000, 6000])
    ap.add_argument('--rss-sizes', type=ints, default=[250000, 500000, 1000000])
    ap.add_argument('--rss-setups', type=strs, default=BASE_SETUPS)
    ap.add_argument('--rss-modes', type=strs, default=['V', 'summary'])
    ap.add_argument('--wall-size', type=int, default=50000)
    ap.add_argument('--wall-reps', type=int, default=5)
    ap.add_argument('--lin-proplist', type=ints, default=LIN_PROPLIST_KIB)
    ap.add_argument('--lin-notify', type=ints, default=LIN_NOTIFY)
    ap.add_argument('--lin-calls', type=int, default=2)
    ap.add_argument('--seed', type=int, default=14)
    ap.add_argument('--top', type=int, default=12)
    ap.add_argument('--keep-captures', action='store_true')
    ap.add_argument('--fresh', action='store_true', help='forget earlier results')
    ap.add_argument('--merge', nargs='*', default=[], metavar='RESULTS_JSON',
                    help='merge results of other runs (e.g. run in parallel) into OUT first')
    ap.add_argument('--quick', action='store_true',
                    help='tiny sizes: prove the command works (the smoke test)')
    opts = ap.parse_args(argv)
    if opts.quick:
        opts.cg_sizes = [300, 900]
        opts.rss_sizes = [300, 600, 900]
        opts.wall_size = 300
        opts.wall_reps = 1
        opts.lin_proplist = [1, 4]
        opts.lin_notify = [1, 10]
        opts.lin_calls = 1
    opts.results = os.path.join(opts.out, 'perf', 'results.json')
    opts.imgdir = os.path.join(opts.out, 'perf')
    opts.imgrel = 'perf'
    os.makedirs(opts.imgdir, exist_ok=True)
    res = {}
    if os.path.exists(opts.results) and not opts.fresh:
        res = json.load(open(opts.results))
    for f in opts.merge:
        deep_merge(res, json.load(open(f)))
    work = opts.work or tempfile.mkdtemp(prefix='cmrp-bench-')
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o1777)     # tshark runs as nobody and writes the callgrind files here
    r = Runner(opts.build, work)
    cache = {}
    measuring = [s for s in opts.steps if s != 'report']
    if measuring:
        res['machine'] = machine()
        cmd = ' '.join(['tests/bench/bench.py'] + list(argv if argv is not None else sys.argv[1:]))
        for step in measuring:
            res.setdefault('commands', {}).setdefault(step, [])
            if cmd not in res['commands'][step]:
                res['commands'][step].append(cmd)
    try:
        if 'cg' in opts.steps:
            step_cg(r, res, opts, cache)
        if 'lines' in opts.steps:
            step_lines(r, res, opts, cache)
        if 'lin' in opts.steps:
            step_lin(r, res, opts)
        if 'wall' in opts.steps:
            step_wall(r, res, opts, cache)
        if 'rss' in opts.steps:
            step_rss(r, res, opts, cache)
    finally:
        save(res, opts)
        if not opts.work:
            shutil.rmtree(work, ignore_errors=True)
    if 'report' in opts.steps:
        plots(res, opts.imgdir)
        report(res, opts)
        log('wrote', os.path.join(opts.out, 'performance.md'))
    return res


if __name__ == '__main__':
    main()
