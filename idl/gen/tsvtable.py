"""What the table generators of idl/gen/ share: reading a table of idl/tables/ and writing the
generated file.

gen_ctl_table.py, gen_fields.py, gen_layouts.py, gen_notifypayloads.py and gen_propmeanings.py
import it (each puts its own folder on sys.path first, as CMake runs them by path).

A table is UTF-8 text, one row a line, its columns separated by tabs; blank lines and lines whose
first non-blank character is '#' are comments. Errors about a row start with its place,
"file:line". Python 3 standard library only.
"""
import os
import sys
from collections import namedtuple


class TableError(Exception):
    """A table breaks its rules (the message says where and which)."""


# lineno: the row's line in the file (from 1); where: "file:line", for messages; cols: the line
# split on tabs.
Row = namedtuple('Row', 'lineno where cols')


def where(path, lineno):
    """The place of line LINENO of the table PATH in a message: "file:line"."""
    return '%s:%d' % (path, lineno)


def rows(path, header=None, strip=False):
    """The rows of the table PATH, in file order, as Row tuples. With HEADER, the first row is
    the table's header line and is skipped when its first column is HEADER (a table may omit it).
    With STRIP, each column loses the blanks around it; without, it is as written (a column of
    text may begin or end with a blank)."""
    first = True
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip('\r\n')
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            cols = line.split('\t')
            if strip:
                cols = [c.strip() for c in cols]
            if first:
                first = False
                if header is not None and cols[0] == header:
                    continue
            yield Row(lineno, where(path, lineno), cols)


def write_atomic(path, text):
    """Write TEXT to PATH (UTF-8) through PATH.tmp and a rename: a run that fails leaves no half
    written file that make would take for up to date."""
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)


def generate(prog, out_path, make, errors=()):
    """The end of a generator's main(): write the text MAKE() returns to OUT_PATH. A TableError,
    an OSError or one of ERRORS (the exception classes of other parsers, cmrpidl.IdlError) is
    reported on stderr as "PROG: message". Returns the exit status, 0 or 1."""
    try:
        write_atomic(out_path, make())
    except (TableError, OSError) + tuple(errors) as e:
        sys.stderr.write('%s: %s\n' % (prog, e))
        return 1
    return 0
