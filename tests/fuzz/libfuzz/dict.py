#!/usr/bin/python3
"""Write the libFuzzer dictionary of cmrp_fuzzer (to stdout): every control code of
idl/tables/ctlcodes.tsv, the CLUSTER_PROPERTY_SYNTAX and _TYPE values of idl/types.idl, the
CLUSTER_CHANGE_*_V2 notification filter values of idl/types.idl (all little endian, as
NDR and NDR64 put them), NDR referent ids and common lengths (4-byte and NDR64 8-byte)."""
import os
import re
import struct
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "idl", "gen"))
import cmrpidl  # noqa: E402


def esc(b):
    return "".join("\\x%02x" % c for c in b)


def main():
    entries = []        # (name, bytes), in order, first name of each value kept
    seen = set()

    def add(name, value, width=4):
        b = struct.pack("<I" if width == 4 else "<Q", value & (0xffffffff if width == 4 else
                                                              0xffffffffffffffff))
        if b not in seen:
            seen.add(b)
            entries.append((re.sub(r"[^A-Za-z0-9_]", "_", name), b))

    with open(os.path.join(ROOT, "idl", "tables", "ctlcodes.tsv")) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if line.startswith("#") or len(cols) < 2 or not cols[1].startswith("0x"):
                continue
            add(cols[0], int(cols[1], 16))
    iface = cmrpidl.parse_idl(os.path.join(ROOT, "idl", "clusapi.idl"))
    for enum in ("CLUSTER_PROPERTY_SYNTAX", "CLUSTER_PROPERTY_TYPE"):
        for name, value in sorted(iface.types[enum].values, key=lambda x: x[1]):
            add(name, value)
    for enum in sorted(n for n in iface.types if re.match(r"CLUSTER_CHANGE_\w+_V2$", n)):
        for name, value in iface.types[enum].values:
            add(name, value)
    for v in (0, 1, 2, 3, 4, 8, 0x10, 0x14, 0x20, 0xff, 0x100, 0x1000, 0x7fff, 0xffff, 0x10000,
              0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x00020000, 0x00020004):
        add("len_%x" % v, v)
        add("len64_%x" % v, v, 8)
    for i, (name, b) in enumerate(entries):
        print('%s_%d="%s"' % (name, i, esc(b)))


if __name__ == "__main__":
    main()
