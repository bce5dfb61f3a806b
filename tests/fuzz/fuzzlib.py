"""Run tshark with the sanitizer-instrumented plugin over captures and judge each run.

Debian's tshark is not instrumented; the plugin is (CMRP_SANITIZE=ON). The ASan runtime must be
the first library of the process, so it is preloaded:

    LD_PRELOAD=$(gcc -print-file-name=libasan.so)
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1:...   (see SANITIZER_ENV)
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

libubsan comes in as a dependency of cmrp.so. WIRESHARK_DEBUG_WMEM_OVERRIDE=simple makes every
wmem allocation its own malloc block, so ASan sees overflows of packet-scope buffers too (the
default block allocator would hide them inside its large blocks). tshark runs as an unprivileged
user (WIRESHARK_PLUGIN_DIR is ignored for root), so every file it reads must be world-readable.

A run fails on: a sanitizer report, a crash or abort (any non-zero exit), a dissector bug
(WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 turns it into an abort; "Dissector bug" in the output is
also checked), too many tree items (WIRESHARK_ABORT_ON_TOO_MANY_ITEMS=1), a glib/wslog
warning or critical on stderr, or a timeout. Malformed-packet (bounds) exceptions are fine.
"""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'lib'))
import wsversion  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CAPTURES = os.path.join(ROOT, 'captures')
ADVERSARIAL = os.path.join(CAPTURES, 'adversarial')
ASAN_BUILD = os.environ.get('CMRP_ASAN_BUILD_DIR', os.path.join(ROOT, 'build-asan'))
PASSWORD_ARGS = ('-o', 'ntlmssp.nt_password:Cmrp-Passw0rd')

SANITIZER_ENV = {
    'ASAN_OPTIONS': ':'.join([
        'detect_leaks=0',             # tshark does not free everything at exit; not our bug class
        'abort_on_error=1', 'halt_on_error=1', 'print_summary=1', 'symbolize=1',
        'detect_odr_violation=0',     # the plugin links epan, which is not instrumented
        'allocator_may_return_null=0', 'handle_abort=1', 'print_scariness=0',
        'check_initialization_order=1', 'strict_string_checks=1',
    ]),
    'UBSAN_OPTIONS': 'halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1',
    'WIRESHARK_DEBUG_WMEM_OVERRIDE': 'simple',
}

# In order: the first match names the failure. ASan also reports the deadly signal of an abort
# (handle_abort=1 gives aborts a stack trace), so its memory errors come after the causes of
# aborts (UBSan, dissector bugs, too many items), and "ABRT"/"SEGV" reports count as crashes.
FAIL_PATTERNS = [
    ('ubsan', re.compile(r'runtime error:[^\n]*')),
    ('dissector-bug', re.compile(r'Dissector bug[^\n]*')),
    ('too-many-items', re.compile(r'[^\n]*items in the tree[^\n]*')),
    ('asan', re.compile(r'ERROR: AddressSanitizer: (?!ABRT|SEGV|BUS|FPE|ILL)[^\n]*')),
    ('crash', re.compile(r'ERROR: AddressSanitizer: [^\n]*')),
    ('glib', re.compile(r'[^\n]*(?:\[\w+ (?:WARNING|CRITICAL|ERROR)\]|-(?:WARNING|CRITICAL) \*\*)'
                        r'[^\n]*')),
    ('exception', re.compile(r'Unhandled exception[^\n]*')),
]


def asan_runtime():
    p = subprocess.run(['gcc', '-print-file-name=libasan.so'], stdout=subprocess.PIPE, text=True)
    path = os.path.realpath(p.stdout.strip())
    if not os.path.exists(path):
        raise RuntimeError('libasan.so not found (install gcc / libasan8)')
    return path


def ensure_build(build_dir=ASAN_BUILD, sanitize=True, c_flags=None, quiet=True):
    """Configure (once) and build the plugin in build_dir; returns its WIRESHARK_PLUGIN_DIR."""
    out = subprocess.DEVNULL if quiet else None
    plugins = os.path.join(build_dir, 'plugins')
    if os.environ.get('CMRP_FUZZ_NO_BUILD') and os.path.exists(
            wsversion.plugin_so(build_dir)):
        return plugins            # use the plugin already built there, as it is
    if not os.path.exists(os.path.join(build_dir, 'CMakeCache.txt')):
        args = ['cmake', '-S', ROOT, '-B', build_dir, '-DCMAKE_BUILD_TYPE=RelWithDebInfo',
                '-DCMRP_SANITIZE=%s' % ('ON' if sanitize else 'OFF')]
        if c_flags:
            args += ['-DCMAKE_C_FLAGS=%s' % c_flags, '-DCMAKE_MODULE_LINKER_FLAGS=%s' % c_flags]
        subprocess.run(args, check=True, stdout=out)
    subprocess.run(['cmake', '--build', build_dir, '-j2'], check=True, stdout=out)
    why = wsversion.check_build(build_dir)
    if why:
        raise RuntimeError(why)
    return os.path.join(build_dir, 'plugins')


def scratch_dir(prefix='cmrp-fuzz-'):
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    return d


class Failure:
    def __init__(self, kind, mode, message, log, path=None):
        self.kind = kind
        self.mode = mode
        self.message = message.strip()
        self.log = log
        self.path = path

    def signature(self):
        """What makes two failures the same bug: kind plus the first plugin frame (or message)."""
        frame = re.search(r'#\d+ 0x[0-9a-f]+ in (\S+) (\S*(?:cmrp|packet-)\S*)', self.log)
        where = frame.group(1) + ' ' + os.path.basename(frame.group(2)) if frame else \
            re.sub(r'0x[0-9a-f]+|\d+', 'N', self.message)[:120]
        return '%s: %s' % (self.kind, where)

    def __repr__(self):
        return 'Failure(%s, %s, %s)' % (self.kind, self.mode, self.message[:200])


class Runner:
    """tshark with the plugin in `plugin_dir`; wrapper: 'asan', 'valgrind' or None."""

    MODES = {'tree': ('-V',), 'notree': (), 'tree2': ('-2', '-V')}

    def __init__(self, plugin_dir, sanitizer=True, timeout=300, extra_args=PASSWORD_ARGS,
                 extra_env=None, wrapper=(), extra_preload=()):
        self.plugin_dir = plugin_dir
        self.home = scratch_dir('cmrp-fuzz-home-')
        os.chmod(self.home, 0o777)
        self.sanitizer = sanitizer
        self.timeout = timeout
        self.extra_args = tuple(extra_args)
        self.extra_env = dict(extra_env or {})
        self.wrapper = list(wrapper)
        self.extra_preload = list(extra_preload)
        self.runs = 0
        self.seconds = 0.0
        self._lock = threading.Lock()

    def env(self):
        env = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'HOME': self.home, 'TZ': 'UTC',
               'LANG': 'C.UTF-8', 'WIRESHARK_PLUGIN_DIR': self.plugin_dir,
               'WIRESHARK_ABORT_ON_DISSECTOR_BUG': '1', 'WIRESHARK_ABORT_ON_TOO_MANY_ITEMS': '1'}
        if self.sanitizer:
            env.update(SANITIZER_ENV)
            env['LD_PRELOAD'] = ':'.join([asan_runtime()] + self.extra_preload)
        env.update(self.extra_env)
        return env

    def argv(self, args):
        base = self.wrapper + ['tshark'] + list(args)
        if os.geteuid() == 0:
            base = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] + base
        return base

    def run(self, args, timeout=None):
        t = time.time()
        try:
            p = subprocess.run(self.argv(args), env=self.env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=timeout or self.timeout)
            rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            rc, out, err = None, e.stdout or b'', e.stderr or b''
        with self._lock:
            self.runs += 1
            self.seconds += time.time() - t
        return rc, out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace')

    def check(self, pcap, modes=('tree', 'notree'), extra=()):
        """Failures of tshark over pcap in each mode (empty list: clean)."""
        fails = []
        for mode in modes:
            args = ['-r', pcap] + list(self.MODES[mode]) + list(self.extra_args) + list(extra)
            rc, out, err = self.run(args)
            f = judge(rc, out, err, mode)
            if f:
                f.path = pcap
                fails.append(f)
        return fails

    def close(self):
        shutil.rmtree(self.home, ignore_errors=True)


def judge(rc, out, err, mode):
    if rc is None:
        return Failure('timeout', mode, 'tshark did not finish in time', err[-4000:])
    for kind, pat in FAIL_PATTERNS:
        m = pat.search(err)
        if m:
            return Failure(kind, mode, m.group(0), err[-12000:])
    m = re.search(r'Dissector bug[^\n]*', out)
    if m:
        return Failure('dissector-bug', mode, m.group(0), err[-4000:])
    if rc != 0:
        return Failure('crash', mode, 'tshark exited with %s' % rc, err[-12000:])
    return None


def corpus_files(include_adversarial=True):
    files = []
    for pat in ('*.pcapng', '*.pcap', '*.pcap.gz'):
        import glob
        files += glob.glob(os.path.join(CAPTURES, pat))
        if include_adversarial:
            files += glob.glob(os.path.join(ADVERSARIAL, pat))
    return sorted(files)


def readable_copy(path, scratch):
    """A copy the unprivileged tshark can read (captures in the tree may sit in a 0700 folder)."""
    dst = os.path.join(scratch, os.path.basename(path))
    if os.path.abspath(dst) != os.path.abspath(path):
        if os.path.exists(dst):
            os.unlink(dst)
        shutil.copyfile(path, dst)
    os.chmod(dst, 0o644)
    return dst


def editcap_mutants(src, scratch, seeds, rates):
    """Copies of src with random bytes changed by `editcap -E rate --seed s`."""
    out = []
    base = os.path.splitext(os.path.basename(src))[0]
    for s in seeds:
        for r in rates:
            dst = os.path.join(scratch, '%s-E%s-s%d.pcapng' % (base, r, s))
            subprocess.run(['editcap', '--seed', str(s), '-E', str(r), src, dst], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.chmod(dst, 0o644)
            out.append(dst)
    return out


# -- reduction -----------------------------------------------------------------------------------

def reduce_calls(calls, fails_fn):
    """A small sub-list of calls for which fails_fn(list) is true (fails_fn(calls) must be)."""
    cur = list(calls)
    n = 2
    while len(cur) > 1:
        chunk = max(1, len(cur) // n)
        parts = [cur[i:i + chunk] for i in range(0, len(cur), chunk)]
        for p in parts:                          # a failing part alone
            if fails_fn(p):
                cur, n = p, 2
                break
        else:
            for i in range(len(parts)):           # a failing complement
                comp = [c for j, p in enumerate(parts) if j != i for c in p]
                if comp and len(comp) < len(cur) and fails_fn(comp):
                    cur, n = comp, max(n - 1, 2)
                    break
            else:
                if chunk == 1:
                    break
                n = min(len(cur), n * 2)
    return cur


def frame_count(pcap):
    p = subprocess.run(['capinfos', '-M', '-c', '-r', '-T', pcap], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    try:
        return int(p.stdout.split('\t')[-1])
    except ValueError:
        return 0


def reduce_pcap_prefix(pcap, scratch, fails_fn):
    """The shortest prefix of pcap's frames that still fails (the crash happens at one frame;
    later frames do not matter)."""
    n = frame_count(pcap)
    if n <= 1:
        return pcap
    lo, hi = 1, n
    best = pcap
    while lo < hi:
        mid = (lo + hi) // 2
        dst = os.path.join(scratch, 'prefix-%d.pcapng' % mid)
        subprocess.run(['editcap', '-r', pcap, dst, '1-%d' % mid], check=True,
                       stdout=subprocess.DEVNULL)
        os.chmod(dst, 0o644)
        if fails_fn(dst):
            hi, best = mid, dst
        else:
            lo = mid + 1
    return best


def save_crasher(src_pcap, failure, note=''):
    """Keep a failing input as captures/adversarial/crash-<sha1>.pcap[ng] with a .txt sidecar."""
    os.makedirs(ADVERSARIAL, exist_ok=True)
    data = open(src_pcap, 'rb').read()
    h = hashlib.sha1(data).hexdigest()[:12]
    ext = '.pcapng' if data[:4] == b'\x0a\x0d\x0d\x0a' else '.pcap'
    dst = os.path.join(ADVERSARIAL, 'crash-%s%s' % (h, ext))
    with open(dst, 'wb') as f:
        f.write(data)
    with open(os.path.join(ADVERSARIAL, 'crash-%s.txt' % h), 'w') as f:
        f.write('failure: %s\nmode: %s\nsignature: %s\n%s\n\n%s\n' % (
            failure.kind, failure.mode, failure.signature(), note, failure.log[-6000:]))
    return dst
