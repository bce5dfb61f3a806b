#!/bin/sh
# Fetch the source of the Wireshark we build against (Debian's "wireshark" source package, the
# version of the installed libwireshark-dev) so the tests can run Wireshark's own checkers
# (tools/checkAPIs.pl, checkhf.pl, check_typed_item_calls.py, check_tfs.py) on our C.
#   scripts/fetch-wireshark-tools.sh          fetch (once; a no-op when cached), print the folder
#   scripts/fetch-wireshark-tools.sh --path   print the folder it would use, fetch nothing
# Cache: $CMRP_WSRC_CACHE (default /var/cache/cmrp-wsrc)/wireshark-<version>/. Needs root (or
# sudo) only on the first run, to add a deb-src entry for the host's Debian mirror.
set -eu
cache="${CMRP_WSRC_CACHE:-/var/cache/cmrp-wsrc}"
ver=$(dpkg-query -W -f='${source:Version}' libwireshark-dev 2>/dev/null || true)
if [ -z "$ver" ]; then
    echo "fetch-wireshark-tools.sh: libwireshark-dev is not installed (run scripts/install-deps.sh)" >&2
    exit 1
fi
upstream=${ver#*:}
upstream=${upstream%-*}
dir="$cache/wireshark-$upstream"
if [ "${1:-}" = "--path" ]; then
    echo "$dir"
    exit 0
fi
stamp="$dir/.cmrp-version"
if [ -f "$dir/tools/checkAPIs.pl" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$ver" ]; then
    echo "$dir"
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "fetch-wireshark-tools.sh: run as root (or install sudo) for the first fetch" >&2
    exit 1
fi
# A deb-src entry for every deb entry of the host's sources (deb822 files and sources.list).
srcfile=/etc/apt/sources.list.d/cmrp-deb-src.sources
if ! apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null | grep -q '^Sources$'; then
    tmp=$(mktemp)
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && [ "$f" != "$srcfile" ] || continue
        sed -e 's/^Types:.*/Types: deb-src/' "$f" >>"$tmp"
        echo >>"$tmp"
    done
    if [ -f /etc/apt/sources.list ]; then
        sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list >"$tmp.list"
    fi
    $as_root install -m 0644 "$tmp" "$srcfile"
    if [ -s "$tmp.list" ]; then
        $as_root install -m 0644 "$tmp.list" /etc/apt/sources.list.d/cmrp-deb-src.list
    fi
    rm -f "$tmp" "$tmp.list"
    $as_root apt-get update -qq
fi
$as_root mkdir -p "$cache"
work=$(mktemp -d "$cache/.fetch.XXXXXX")
# shellcheck disable=SC2064
trap "$as_root rm -rf '$work'" EXIT
(cd "$work" && $as_root apt-get source -qq "wireshark=$ver" >/dev/null)
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'wireshark-*' | head -n 1)
if [ -z "$src" ] || [ ! -f "$src/tools/checkAPIs.pl" ]; then
    echo "fetch-wireshark-tools.sh: apt-get source wireshark=$ver gave no tools/checkAPIs.pl" >&2
    exit 1
fi
$as_root rm -rf "$dir"
$as_root mv "$src" "$dir"
echo "$ver" | $as_root tee "$stamp" >/dev/null
echo "$dir"
