"""The Wireshark the tests run against, and where a build tree keeps the plugin for it.

Nothing in the tests names a Wireshark version: the plugin folder is plugins/<major.minor>/epan
below the build tree, with <major.minor> taken from the tshark on PATH (the one the tests run),
which must be the Wireshark the plugin was built against (CMake records it in
<build>/cmrp-wireshark-version).
"""
import functools
import os
import re
import subprocess


@functools.lru_cache(maxsize=None)
def tshark_version():
    """(major, minor, micro) of the tshark on PATH."""
    out = subprocess.run(['tshark', '--version'], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, check=True).stdout
    m = re.search(r'TShark \(Wireshark\) (\d+)\.(\d+)\.(\d+)', out)
    if not m:
        raise RuntimeError('cannot read the version of tshark: %r' % out[:200])
    return tuple(int(x) for x in m.groups())


def minor():
    """'4.0', '4.4', '4.6': the plugin folder name for the tshark on PATH."""
    return '%d.%d' % tshark_version()[:2]


def built_for(build_dir):
    """The Wireshark version a build tree was configured against ('4.4.19'), or None."""
    try:
        with open(os.path.join(build_dir, 'cmrp-wireshark-version')) as f:
            return f.read().strip()
    except OSError:
        return None


def plugin_so(build_dir):
    """Path of cmrp.so in build_dir for the tshark on PATH."""
    return os.path.join(build_dir, 'plugins', minor(), 'epan', 'cmrp.so')


def check_build(build_dir):
    """None when build_dir holds a plugin for the tshark on PATH, else why not (one line)."""
    so = plugin_so(build_dir)
    if os.path.exists(so):
        return None
    found = built_for(build_dir)
    if found and not found.startswith(minor() + '.'):
        return ('%s was configured against Wireshark %s but tshark is %s: remove it and rebuild'
                % (build_dir, found, '.'.join(map(str, tshark_version()))))
    return 'plugin not built: %s is missing (run cmake -B build && cmake --build build)' % so


# ---- values, not rendering -------------------------------------------------------------------
# tshark's output changed after 4.0 in ways that are rendering, not decode: booleans are printed
# True/False (4.0: 1/0; -T fields, PDML, JSON), string values in -T fields have backslashes and
# control characters escaped (4.0 prints them raw; PDML does not escape), and 4.6 prints
# absolute times as ISO 8601 (2023-11-14T22:13:20.000000000Z; 4.0 and 4.4: Nov 14, 2023
# 22:13:20.000000000 UTC). Seen on 4.4 and 4.6; 4.2 is assumed to behave as 4.4.
STRING_TYPES = {'FT_STRING', 'FT_STRINGZ', 'FT_UINT_STRING', 'FT_STRINGZPAD', 'FT_STRINGZTRUNC'}
_ESCAPES = {'\\': '\\', 'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t',
            'v': '\v', '"': '"', "'": "'"}


def fields_escaped():
    """True when tshark -T fields escapes backslashes in string values."""
    return tshark_version() >= (4, 2, 0)


def unescape(s):
    """Undo -T fields escaping (\\\\, \\t, \\n, \\xHH, ...) as 4.2+ writes it."""
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            n = s[i + 1]
            hexd = s[i + 2:i + 4]
            if n == 'x' and len(hexd) == 2 and all(h in '0123456789abcdefABCDEF' for h in hexd):
                out.append(chr(int(hexd, 16)))
                i += 4
                continue
            if n in _ESCAPES:
                out.append(_ESCAPES[n])
                i += 2
                continue
        out.append(c)
        i += 1
    return ''.join(out)


_ISO_TIME = re.compile(r'^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z$')
_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']


def time_40(value):
    """An absolute time as 4.0 prints it: 4.6's ISO 8601 form converted, anything else as is."""
    m = _ISO_TIME.match(value)
    if not m:
        return value
    y, mo, d, h, mi, sec = (int(x) for x in m.groups()[:6])
    frac = (m.group(7) or '').ljust(9, '0')
    return '%s %2d, %d %02d:%02d:%02d.%s UTC' % (_MONTHS[mo - 1], d, y, h, mi, sec, frac)


def canonical(ftype, value):
    """A -T fields value as 4.0 prints it, whatever version printed it."""
    if ftype == 'FT_ABSOLUTE_TIME':
        return time_40(value)
    if ftype == 'FT_BOOLEAN':
        return {'True': '1', 'False': '0'}.get(value, value)
    if ftype in STRING_TYPES and fields_escaped():
        return unescape(value)
    return value
