#!/bin/bash
# Build this tree's .deb for the Wireshark installed here and prove it, as a user would:
#   lintian reports no error; its name carries the plugin version and the Wireshark minor; its
#   Depends names the libwireshark ABI package that owns the libwireshark we built against;
#   dpkg -i puts cmrp.so in that Wireshark's system plugin folder; tshark -G plugins lists cmrp
#   with its version; an unprivileged user decodes a capture with no WIRESHARK_PLUGIN_DIR;
#   dpkg -r leaves no file of the package behind.
# Run as root in a disposable root (tests/versions does): it installs and removes the package.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "package-check: FAIL: $*" >&2; exit 1; }
ws=$(tshark --version | sed -n '1s/.*Wireshark) \([0-9]*\.[0-9]*\)\..*/\1/p')
version=$(sed -n 's/^project(cmrp VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
arch=$(dpkg --print-architecture)

deb=$(scripts/build-deb.sh build-deb | tail -n1)
echo "built $deb"
[ "$(basename "$deb")" = "wireshark-cmrp_${version}+ws${ws}_${arch}.deb" ] ||
    fail "package name $(basename "$deb"), expected wireshark-cmrp_${version}+ws${ws}_${arch}.deb"

echo "--- lintian"
rc=0
lintian --tag-display-limit 0 "$deb" >/tmp/lintian.out 2>&1 || rc=$?
grep -v 'running with root privileges' /tmp/lintian.out || true
# lintian exits 1 when it reports an error-level tag, other non-zero values when it did not run
[ $rc = 0 ] || [ $rc = 1 ] || fail "lintian did not run (exit $rc)"
if [ $rc = 1 ] || grep -q '^E:' /tmp/lintian.out; then fail "lintian reports errors"; fi
echo "lintian: no error"

echo "--- Depends"
libws=$(readlink -f "$(pkg-config --variable=libdir wireshark)/libwireshark.so")
abi_pkg=$(dpkg-query -S "$libws" | cut -d: -f1)
depends=$(dpkg-deb -f "$deb" Depends)
echo "libwireshark: $libws from $abi_pkg; Depends: $depends"
case "$abi_pkg" in libwireshark[0-9]*) ;; *) fail "cannot tell the libwireshark package ($abi_pkg)";; esac
echo "$depends" | tr ',' '\n' | sed 's/^ *//' | grep -q "^$abi_pkg\( \|$\)" ||
    fail "Depends does not name $abi_pkg"

echo "--- dpkg -i"
plugdir=$(pkg-config --variable=plugindir wireshark)/epan
[ ! -e "$plugdir/cmrp.so" ] || fail "$plugdir/cmrp.so exists before the install"
dpkg -i "$deb"
files=$(dpkg -L wireshark-cmrp)
echo "$files"
echo "$files" | grep -qx "$plugdir/cmrp.so" || fail "cmrp.so not installed in $plugdir"
[ "$(stat -c %a "$plugdir/cmrp.so")" = 644 ] || fail "cmrp.so mode $(stat -c %a "$plugdir/cmrp.so")"

echo "--- tshark -G plugins"
tshark -G plugins | tee /tmp/plugins.out
grep -E "^cmrp\.so[[:space:]]+${version//./\\.}[[:space:]]" /tmp/plugins.out ||
    fail "tshark -G plugins does not list cmrp.so $version"

echo "--- decode as an unprivileged user, no WIRESHARK_PLUGIN_DIR"
cp captures/smbtorture-anon.pcapng /tmp/pkg-check.pcapng
chmod 644 /tmp/pkg-check.pcapng
home=$(mktemp -d); chmod 777 "$home"
setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin HOME="$home" \
    tshark -r /tmp/pkg-check.pcapng -Y cmrp -T fields -e _ws.col.Info >/tmp/decode.out
lines=$(wc -l </tmp/decode.out)
head -n 5 /tmp/decode.out
[ "$lines" -gt 100 ] || fail "only $lines cmrp frames decoded"
grep -q '^ApiOpenResource request "' /tmp/decode.out || fail "no named ApiOpenResource request"

echo "--- dpkg -r"
dpkg -r wireshark-cmrp
left=""
for f in $files; do
    [ -e "$f" ] || continue
    # a directory may stay while another package owns it; a file may not stay at all
    if [ -d "$f" ] && dpkg-query -S "$f" >/dev/null 2>&1; then continue; fi
    left="$left $f"
done
[ -z "$left" ] || fail "left behind after dpkg -r:$left"
dpkg -s wireshark-cmrp >/dev/null 2>&1 && fail "still known to dpkg after dpkg -r"
echo "package-check: OK ($(basename "$deb"), Depends $abi_pkg)"
