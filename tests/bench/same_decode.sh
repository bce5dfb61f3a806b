#!/bin/sh
# Proof that a performance change keeps the decode: every cmrp.* value of every capture
# (tests/matrix/dumpfields.py), and the -V text and summary lines of the unencrypted captures
# (plus extra files given), are byte-identical between two builds.
#   tests/bench/same_decode.sh BUILD_BEFORE BUILD_AFTER [extra.pcapng ...]
# BUILD_* are build folders (their plugins/ is used); run as root (tshark drops to nobody).
set -eu
before=$(cd "$1" && pwd); after=$(cd "$2" && pwd); shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d); chmod 755 "$tmp"; mkdir -m 777 "$tmp/home"
trap 'rm -rf "$tmp"' EXIT
for b in before after; do
    eval dir=\$$b
    /usr/bin/python3 "$root/tests/matrix/dumpfields.py" "$dir" "$tmp/fields.$b.json" >/dev/null
done
cmp "$tmp/fields.before.json" "$tmp/fields.after.json"
n=0
for f in "$root"/captures/smbtorture-anon.pcapng "$root"/captures/scenario-ndr.pcapng \
         "$root"/captures/scenario-ndr64.pcapng "$root"/captures/scenario-storage.pcapng \
         "$root"/captures/v2-udp.pcapng "$@"; do
    cp "$f" "$tmp/in.pcapng"; chmod 644 "$tmp/in.pcapng"
    for b in before after; do
        eval dir=\$$b
        for mode in -V -S; do
            a=""; [ "$mode" = -V ] && a=-V
            setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$tmp/home" \
                WIRESHARK_PLUGIN_DIR="$dir/plugins" tshark -r "$tmp/in.pcapng" $a \
                >"$tmp/out$mode.$b" 2>/dev/null
        done
    done
    cmp "$tmp/out-V.before" "$tmp/out-V.after"
    cmp "$tmp/out-S.before" "$tmp/out-S.after"
    n=$((n + 1))
done
echo "same decode: all cmrp fields of every capture, -V and summary lines of $n files"
