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
