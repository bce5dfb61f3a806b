#!/bin/bash
# The README's quick start, as a new user runs it, on a clean copy of this tree:
#   quickstart-check.sh root        ./quickstart.sh as root, with no sudo on the machine
#   quickstart-check.sh root sudo   ... and then `sudo ./quickstart.sh` as an ordinary user
# Each run must install the plugin into the system plugin folder and decode the bundled capture;
# afterwards the installed files are removed again. Run as root in a disposable root
# (tests/versions does).
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
fail() { echo "quickstart-check: FAIL: $*" >&2; exit 1; }

clean_copy() {   # $1 = destination, $2 = owner
    rm -rf "$1"; mkdir -p "$1"
    tar -C "$SRC" --exclude='./build*' --exclude='__pycache__' -cf - . | tar -C "$1" -xf -
    chown -R "$2" "$1"
}

check_output() {  # $1 = log
    grep -q 'cmrp.so' "$1" || fail "tshark -G plugins did not list cmrp.so"
    n=$(grep -c 'ClusAPI\|Api[A-Z][A-Za-z0-9]* \(request\|response\)' "$1" || true)
    [ "$n" -gt 100 ] || fail "the decode shows only $n ClusAPI lines"
    grep -q 'ApiOpenResource request "' "$1" || fail "no named ApiOpenResource request in the decode"
}

uninstall() {  # $1 = tree
    xargs -r rm -f <"$1/build/install_manifest.txt"
    rm -rf /usr/local/share/doc/wireshark-cmrp
}

for mode in "$@"; do
    case "$mode" in
    root)
        if command -v sudo >/dev/null; then hide=$(command -v sudo); mv "$hide" "$hide.hidden"; fi
        clean_copy /tmp/qs-root root:root
        rc=0; (cd /tmp/qs-root && ./quickstart.sh) >/tmp/qs-root.log 2>&1 || rc=$?
        [ -n "${hide:-}" ] && mv "$hide.hidden" "$hide"
        tail -n 5 /tmp/qs-root.log
        [ $rc = 0 ] || { tail -n 40 /tmp/qs-root.log; fail "./quickstart.sh as root exited $rc"; }
        check_output /tmp/qs-root.log
        uninstall /tmp/qs-root
        echo "quickstart as root: OK"
        ;;
    sudo)
        id cmrpuser >/dev/null 2>&1 || useradd -m cmrpuser
        echo 'cmrpuser ALL=(ALL) NOPASSWD: ALL' >/etc/sudoers.d/cmrpuser
        chmod 440 /etc/sudoers.d/cmrpuser
        clean_copy /home/cmrpuser/cmrp cmrpuser:cmrpuser
        rc=0
        setpriv --reuid=cmrpuser --regid=cmrpuser --init-groups env -i PATH=/usr/bin:/bin \
            HOME=/home/cmrpuser /bin/sh -c 'cd ~/cmrp && sudo ./quickstart.sh' \
            >/tmp/qs-sudo.log 2>&1 || rc=$?
        tail -n 5 /tmp/qs-sudo.log
        [ $rc = 0 ] || { tail -n 40 /tmp/qs-sudo.log; fail "sudo ./quickstart.sh as a user exited $rc"; }
        check_output /tmp/qs-sudo.log
        uninstall /home/cmrpuser/cmrp
        rm -f /etc/sudoers.d/cmrpuser
        echo "quickstart with sudo as a user: OK"
        ;;
    *) fail "unknown mode $mode" ;;
    esac
done
