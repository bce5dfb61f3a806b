"""Version differences live in plugin/cmrp-compat.h only, and the code uses the newest API.

The real proof that no deprecated call is left is the -Werror build on 4.4 and 4.6
(tests/versions); this test keeps the rule visible in the 4.0-only default suite too.
"""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPAT = os.path.join(ROOT, 'plugin', 'cmrp-compat.h')
SOURCES = [p for p in sorted(glob.glob(os.path.join(ROOT, 'plugin', '*.[ch]'))
                             + glob.glob(os.path.join(ROOT, 'idl', 'gen', '*.py')))
           if p != COMPAT]


def test_only_the_compat_header_tests_versions():
    bad = []
    for p in SOURCES:
        for n, line in enumerate(open(p), 1):
            if re.match(r'\s*#\s*(if|elif)', line) and re.search(r'WIRESHARK_VERSION|CMRP_WS_AT_LEAST', line):
                bad.append('%s:%d: %s' % (os.path.relpath(p, ROOT), n, line.strip()))
    assert bad == []


def test_no_old_api_names():
    """tvb_get_guintN (deprecated in 4.4), the value_string header by path (moved in 4.6), the
    _wmem variants of val_to_str (the 4.0 spelling of the 4.6 API): only the compat header."""
    bad = []
    for p in SOURCES:
        for n, line in enumerate(open(p), 1):
            if re.search(r'tvb_get_g(u)?int\d|value_string\.h>|val_to_str(_ext)?_wmem', line):
                bad.append('%s:%d: %s' % (os.path.relpath(p, ROOT), n, line.strip()))
    assert bad == []


def test_compat_header_maps_each_difference():
    text = open(COMPAT).read()
    for needle in ('CMRP_WS_AT_LEAST(4, 6)', 'wsutil/value_string.h', 'val_to_str_wmem',
                   'tvb_get_guint64', 'dissect_nt_sid', 'plugin_describe'):
        assert needle in text, needle
