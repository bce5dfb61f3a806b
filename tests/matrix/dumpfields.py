#!/usr/bin/python3
"""Dump the value of every cmrp.* / cmrp2.* field of every frame of every capture, normalised to
values (not tshark's rendering), as JSON: the input of tests/matrix/compare.py.

    dumpfields.py BUILD_DIR OUT.json

Runs the tshark on PATH with the plugin in BUILD_DIR/plugins (as nobody when run as root). The
normalisation removes what changed in tshark's output between 4.0, 4.4 and 4.6 and is not the
decode: how booleans are spelt (1 / True), hex width, backslash escaping in strings, byte
separators, the time format. Each field is read by the type that tshark -G fields gives it.
"""
import calendar
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'lib'))
import wsversion  # noqa: E402

# the secrets of the bundled sealed captures: NTLMSSP password, Kerberos/SPNEGO service keytab
PASSWORD_OPTS = ['-o', 'ntlmssp.nt_password:Cmrp-Passw0rd', '-o', 'kerberos.decrypt:TRUE',
                 '-o', 'kerberos.file:' + os.path.join(ROOT, 'captures', 'cmrp-test.keytab')]
INTS = {'FT_UINT8', 'FT_UINT16', 'FT_UINT24', 'FT_UINT32', 'FT_UINT40', 'FT_UINT48', 'FT_UINT56',
        'FT_UINT64', 'FT_INT8', 'FT_INT16', 'FT_INT24', 'FT_INT32', 'FT_INT40', 'FT_INT48',
        'FT_INT56', 'FT_INT64', 'FT_FRAMENUM', 'FT_CHAR'}
MONTHS = {m: i for i, m in enumerate(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug',
                                      'Sep', 'Oct', 'Nov', 'Dec'], 1)}


def tshark_argv(args):
    argv = ['tshark'] + args
    if os.geteuid() == 0:
        argv = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] + argv
    return argv


def tshark(args, env):
    p = subprocess.run(tshark_argv(args), env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, errors='surrogateescape')
    if p.returncode != 0:
        raise SystemExit('tshark %s failed: %s' % (' '.join(args[:6]), p.stderr[-2000:]))
    return p.stdout


def fields(env):
    """{abbrev: type} of our fields."""
    out = {}
    for line in tshark(['-G', 'fields'], env).splitlines():
        cols = line.split('\t')
        if cols[0] == 'F' and (cols[2].startswith('cmrp.') or cols[2].startswith('cmrp2.')):
            out[cols[2]] = cols[3]
    return out


def abs_time(s):
    """Seconds since the epoch (UTC) from either '2020-01-02T03:04:05.123456789Z' or
    'Jan  2, 2020 03:04:05.123456789 UTC'."""
    s = s.strip()
    m = re.match(r'(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?', s)
    if m:
        y, mo, d, h, mi, sec = (int(x) for x in m.groups()[:6])
    else:
        m = re.match(r'([A-Z][a-z]{2})\s+(\d+), (\d{4}) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?', s)
        if not m:
            return 'time:' + s
        mo = MONTHS[m.group(1)]
        d, y, h, mi, sec = (int(x) for x in m.groups()[1:6])
    frac = (m.group(7) or '0').ljust(9, '0')[:9]
    return '%d.%s' % (calendar.timegm((y, mo, d, h, mi, sec)), frac)


def norm(ftype, v):
    if ftype in INTS:
        try:
            return int(v, 0)
        except ValueError:
            return 'int:' + v
    if ftype == 'FT_BOOLEAN':
        return {'1': 1, '0': 0, 'True': 1, 'False': 0, 'true': 1, 'false': 0}.get(v, 'bool:' + v)
    if ftype in ('FT_BYTES', 'FT_UINT_BYTES'):
        return v.replace(':', '').lower()
    if ftype == 'FT_GUID':
        return v.lower()
    if ftype == 'FT_ABSOLUTE_TIME':
        return abs_time(v)
    if ftype in wsversion.STRING_TYPES:
        return wsversion.canonical(ftype, v)     # 4.2+ escape backslashes; 4.0 does not
    if ftype == 'FT_NONE':
        return None            # presence only: -T fields has no value for a text-only item
    return v


def dump_capture(path, flds, env, chunk=1000):
    """{frame: {field: [values]}}; the fields are asked for in chunks (argv size)."""
    names = sorted(flds)
    frames = {}
    for i in range(0, len(names), chunk):
        part = names[i:i + chunk]
        args = ['-r', path, '-2', '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a',
                '-E', 'aggregator=\x1f', '-e', 'frame.number'] + PASSWORD_OPTS
        for f in part:
            args += ['-e', f]
        for line in tshark(args, env).split('\n'):
            if not line:
                continue
            cols = line.split('\t')
            row = frames.setdefault(cols[0], {})
            for f, col in zip(part, cols[1:]):
                if col:
                    row[f] = [norm(flds[f], v) for v in col.split('\x1f')]
    return {k: v for k, v in frames.items() if v}


def captures():
    out = []
    for dirpath, _, files in os.walk(os.path.join(ROOT, 'captures')):
        for f in files:
            if f.endswith(('.pcap', '.pcapng')):
                out.append(os.path.relpath(os.path.join(dirpath, f), os.path.join(ROOT, 'captures')))
    return sorted(out)


def main():
    build, out = sys.argv[1], sys.argv[2]
    why = wsversion.check_build(build)
    if why:
        raise SystemExit(why)
    home = '/tmp/cmrp-dump-home-%d' % os.getpid()
    os.makedirs(home, exist_ok=True)
    os.chmod(home, 0o777)
    env = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'HOME': home, 'TZ': 'UTC', 'LANG': 'C.UTF-8',
           'WIRESHARK_PLUGIN_DIR': os.path.join(os.path.abspath(build), 'plugins')}
    flds = fields(env)
    t0 = time.time()
    result = {'wireshark': '.'.join(map(str, wsversion.tshark_version())),
              'fields': flds, 'captures': {}}
    for c in captures():
        result['captures'][c] = dump_capture(os.path.join(ROOT, 'captures', c), flds, env)
    with open(out, 'w') as f:
        json.dump(result, f, sort_keys=True)
    n = sum(len(v) for v in result['captures'].values())
    print('%s: %d captures, %d frames with cmrp fields, %d fields, %.0f s'
          % (result['wireshark'], len(result['captures']), n, len(flds), time.time() - t0))


if __name__ == '__main__':
    main()
