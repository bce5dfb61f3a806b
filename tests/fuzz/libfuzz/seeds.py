#!/usr/bin/python3
"""Extract the libFuzzer seed corpus of cmrp_fuzzer from captures.

Every ClusAPI stub of every capture (captures/*.pcapng, captures/adversarial/*.pcap[.gz]) becomes
one input in cmrp_fuzzer.c's format, tagged with its version, transfer syntax, direction and opnum
(and, for the control methods, the control code); a response carries the stub of the request it
answers. DCE/RPC is parsed here from the TCP/UDP payloads that tshark prints (the connection-
oriented streams are reassembled per direction; fragments are joined by call id). PDUs with an
authentication verifier (sealed or signed captures) are skipped: their stubs are ciphertext.

    seeds.py OUTDIR [CAPTURE...]      (default: every capture under captures/)
prints how many seeds it wrote (one file per distinct input, named by its SHA-1).
"""
import glob
import hashlib
import os
import struct
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CMRP_UUID = bytes.fromhex("b2b87db9634ccf11bff608002be23f2f")   # little-endian wire form
NDR64_UUID = bytes.fromhex("33057171babe37498319b5dbef9ccc36")
CTL_OFFSET = {o: 20 for o in (73, 75, 77, 79, 89, 98, 106, 174)}
CTL_OFFSET.update({o: 40 for o in (72, 74, 76, 78, 88, 97, 105, 173)})
MAX_STUB = 60000


def seed(version, ndr64, opnum, req, resp=None):
    off = CTL_OFFSET.get(opnum)
    ctl = req[off:off + 4] if off is not None and len(req) >= off + 4 else b"\0\0\0\0"
    flags = (1 if version == 2 else 0) | (2 if ndr64 else 0) | (4 if resp is not None else 0)
    head = bytes([flags, opnum & 0xff]) + ctl
    if len(req) > MAX_STUB or (resp is not None and len(resp) > MAX_STUB):
        return None     # more than one TCP segment: cmrp_fuzzer ignores it
    if resp is None:
        return head + req
    return head + struct.pack("<H", len(req)) + req + resp


def tshark_rows(path):
    out = subprocess.run(
        ["tshark", "-n", "-r", path, "-o", "tcp.desegment_tcp_streams:FALSE",
         "-Y", "tcp.len > 0 or udp", "-T", "fields", "-E", "separator=,",
         "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.payload",
         "-e", "udp.payload"],
        check=True, capture_output=True, text=True,
        env=dict(os.environ, WIRESHARK_CONFIG_DIR="/nonexistent-cmrp-fuzz")).stdout
    for line in out.splitlines():
        stream, sport, dport, tpay, upay = (line.split(",") + [""] * 5)[:5]
        yield stream, sport, dport, bytes.fromhex(tpay.replace(":", "")), \
            bytes.fromhex(upay.replace(":", ""))


def co_pdus(data):
    """Split a reassembled byte stream into connection-oriented PDUs (little endian only)."""
    pos = 0
    while pos + 16 <= len(data):
        if data[pos] != 5 or data[pos + 4] & 0xf0 != 0x10:
            return
        frag_len = struct.unpack_from("<H", data, pos + 8)[0]
        if frag_len < 16 or pos + frag_len > len(data):
            return
        yield data[pos:pos + frag_len]
        pos += frag_len


def co_seeds(streams):
    """streams: {(stream, client_to_server): bytes}. Yields seeds."""
    for (stream, to_server), data in streams.items():
        if not to_server:
            continue
        back = streams.get((stream, False), b"")
        # did the server accept NDR64 on this connection (bind_ack / alter_context_resp)?
        stream_ndr64 = False
        for pdu in co_pdus(back):
            if pdu[2] in (12, 15) and len(pdu) >= 28:
                sec_len = struct.unpack_from("<H", pdu, 24)[0]
                pos = 26 + sec_len
                pos += (-pos) % 4
                for i in range(pdu[pos] if pos < len(pdu) else 0):
                    res = struct.unpack_from("<H", pdu, pos + 4 + 24 * i)[0]
                    if res == 0 and pdu[pos + 8 + 24 * i:pos + 24 + 24 * i] == NDR64_UUID:
                        stream_ndr64 = True
        ctx = {}            # p_cont_id -> (version, ndr64)
        calls = {}          # call_id -> (version, ndr64, opnum, request stub)
        partial = {}
        for pdu in co_pdus(data):
            ptype, flags, auth_len, call_id = pdu[2], pdu[3], *struct.unpack_from("<HI", pdu, 10)
            if ptype in (11, 14):       # bind, alter_context
                pos = 28
                for _ in range(pdu[24]):
                    cid, ntx = struct.unpack_from("<HB", pdu, pos)
                    uuid, ver = pdu[pos + 4:pos + 20], struct.unpack_from("<H", pdu, pos + 20)[0]
                    txs = [pdu[pos + 24 + 20 * i:pos + 40 + 20 * i] for i in range(ntx)]
                    if uuid == CMRP_UUID:
                        ctx[cid] = (ver, stream_ndr64 and NDR64_UUID in txs)
                    pos += 24 + 20 * ntx
            elif ptype == 0 and auth_len == 0:
                ctx_id, opnum = struct.unpack_from("<HH", pdu, 20)
                off = 24 + (16 if flags & 0x80 else 0)
                if ctx_id not in ctx:
                    continue
                stub = partial.pop(call_id, b"") + pdu[off:]
                if not flags & 2:
                    partial[call_id] = stub
                    continue
                ver, ndr64 = ctx[ctx_id]
                calls[call_id] = (ver, ndr64, opnum, stub)
        for ver, ndr64, opnum, stub in calls.values():
            yield seed(ver, ndr64, opnum, stub)
        partial = {}
        for pdu in co_pdus(back):
            ptype, flags, auth_len, call_id = pdu[2], pdu[3], *struct.unpack_from("<HI", pdu, 10)
            if ptype != 2 or auth_len != 0 or call_id not in calls:
                continue
            stub = partial.pop(call_id, b"") + pdu[24:]
            if not flags & 2:
                partial[call_id] = stub
                continue
            ver, ndr64, opnum, req = calls[call_id]
            yield seed(ver, ndr64, opnum, req, stub)


def cl_seeds(datagrams):
    """Connection-less (ncadg_ip_udp) PDUs, ClusAPI 2.0; fragments joined by activity+seqnum."""
    requests, frags = {}, {}
    for pdu in datagrams:
        if len(pdu) < 80 or pdu[0] != 4 or pdu[4] & 0xf0 != 0x10:
            continue
        ptype, flags1 = pdu[1], pdu[2]
        if_id, act = pdu[24:40], pdu[40:56]
        if_ver, seqnum, opnum = struct.unpack_from("<IIH", pdu, 60)
        frag_len, frag_num, auth = struct.unpack_from("<HHB", pdu, 74)
        if auth != 0 or ptype not in (0, 2):
            continue
        key = (act, seqnum, ptype)
        stub = frags.pop(key, b"") + pdu[80:80 + frag_len]
        if flags1 & 0x04 and not flags1 & 0x02:     # fragment, not the last
            frags[key] = stub
            continue
        if ptype == 0 and if_id == CMRP_UUID:
            requests[(act, seqnum)] = (if_ver & 0xffff, opnum, stub)
            yield seed(if_ver & 0xffff, False, opnum, stub)
        elif ptype == 2 and (act, seqnum) in requests:
            ver, opnum, req = requests[(act, seqnum)]
            yield seed(ver, False, opnum, req, stub)


def extract(path):
    streams, datagrams, server_port = {}, [], {}
    for stream, sport, dport, tpay, upay in tshark_rows(path):
        if tpay:
            # the server is the side that sends the first bind_ack, or the lower port
            if stream not in server_port:
                server_port[stream] = dport if (len(tpay) > 2 and tpay[2] in (11, 0, 14)) else sport
            key = (stream, dport == server_port[stream])
            streams[key] = streams.get(key, b"") + tpay
        elif upay:
            datagrams.append(upay)
    yield from co_seeds(streams)
    yield from cl_seeds(datagrams)


# Notification kinds no capture holds, derived from one that has the same payload shape: the
# (object type, filter flags) of a NOTIFY_FILTER_AND_TYPE_RPC in an ApiGetNotifyV2 (opnum 139)
# response is rewritten (MS-CMRP 2.2.2.18/2.2.3.22: a DWORD type, 4 bytes of padding, a 64-bit
# filter; the same bytes in NDR and NDR64). A group's state (CLUSTER_CHANGE_GROUP_STATE_V2) is a
# DWORD, as are a network's state and a group set's state.
VARIANTS = [
    ((0x02, 0x08), (0x06, 0x08)),   # group state -> CLUSTER_CHANGE_NETWORK_STATE_V2
    ((0x02, 0x08), (0x0d, 0x08)),   # group state -> CLUSTER_CHANGE_GROUPSET_STATE_V2
]


def variants(s):
    if len(s) < 8 or not (s[0] & 4) or s[1] != 139:
        return
    for (ft, ff), (tt, tf) in VARIANTS:
        old = struct.pack("<I4xQ", ft, ff)
        if old in s[8:]:
            yield s[:8] + s[8:].replace(old, struct.pack("<I4xQ", tt, tf))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    caps = sys.argv[2:] or sorted(glob.glob(os.path.join(ROOT, "captures", "*.pcapng")) +
                                  glob.glob(os.path.join(ROOT, "captures", "adversarial", "*.pcap*")))
    os.makedirs(out, exist_ok=True)
    written = set()
    for cap in caps:
        n = 0
        for s0 in extract(cap):
            if s0 is None:
                continue
            for s in [s0] + list(variants(s0)):
                name = hashlib.sha1(s).hexdigest()
                if name not in written:
                    with open(os.path.join(out, name), "wb") as f:
                        f.write(s)
                    written.add(name)
                    n += 1
        print(f"{os.path.relpath(cap, ROOT)}: {n} seeds", file=sys.stderr)
    print(len(written))


if __name__ == "__main__":
    main()
