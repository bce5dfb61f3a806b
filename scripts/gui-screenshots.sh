#!/bin/sh
# Render Wireshark's Qt GUI (with the plugin from build/) under Xvfb on a bundled capture and save
# PNG screenshots into docs/img/ (the README shows them):
#   docs/img/tree-notify.png   the packet list of a display filter (the answers in the Info column)
#                              and an ApiGetNotifyV2 response: its notifications, collapsed, a log
#   docs/img/tree-props.png    a node's common properties: values by meaning, generated items
# Re-runnable (it overwrites the PNGs), e.g. after a change to the decode:
#   scripts/gui-screenshots.sh
# Needs (Debian): wireshark-qt xvfb xdotool imagemagick, and a build in build/.
# Wireshark ignores WIRESHARK_PLUGIN_DIR when it runs as root, so as root the GUI (and Xvfb) run
# as the user nobody, with a throw-away HOME holding the preferences. Keys move in the details
# pane as a user would (Right expands an item, Shift+Right all of its subtrees).
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
CAPTURE=${CAPTURE:-captures/scenario-ndr.pcapng}
FILTER=${FILTER:-cmrp.notify.name || (cmrp.prop.meaning && dcerpc.pkt_type == 2) || cmrp.opnum == 8}
OUT=${OUT:-docs/img}
W=1500
HT=1000
DISP=${DISP:-:73}

for t in wireshark Xvfb xdotool import; do
    command -v "$t" >/dev/null || { echo "missing $t: apt-get install wireshark-qt xvfb xdotool imagemagick" >&2; exit 1; }
done
ls build/plugins/*/epan/cmrp.so >/dev/null 2>&1 || { echo "build the plugin first (cmake --build build)" >&2; exit 1; }

H=$(mktemp -d /tmp/cmrp-gui.XXXXXX)
chmod 755 "$H"
mkdir -p "$H/home/.config/wireshark" "$H/out"
# no update check; packet list over details, no bytes pane; plain colours
cat > "$H/home/.config/wireshark/preferences" <<PREFS
gui.update.enabled: FALSE
gui.layout_type: 1
gui.layout_content_1: PLIST
gui.layout_content_2: PDETAILS
gui.layout_content_3: NONE
gui.column.format: "No.", "%m", "Protocol", "%p", "Length", "%L", "Info", "%i"
PREFS
cat > "$H/home/.config/wireshark/recent_common" <<RECENT
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: $W
gui.geometry_main_height: $HT
gui.geometry_main_maximized: FALSE
privs.warn_if_elevated: FALSE
RECENT
cat > "$H/home/.config/wireshark/recent" <<RECENT2
gui.packet_list_colorize: FALSE
gui.geometry_main_upper_pane: 300
RECENT2
chmod -R a+rwX "$H"

# as_user CMD...: run CMD as nobody (when root) in the GUI's environment; the process replaces
# the calling (sub)shell, so `(as_user CMD) &` leaves CMD's own pid in $!
as_user_exec() {
    if [ "$(id -u)" = 0 ]; then
        exec setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin \
            HOME="$H/home" DISPLAY="$DISP" TZ=UTC LANG=C.UTF-8 \
            WIRESHARK_PLUGIN_DIR="$TOP/build/plugins" "$@"
    else
        exec env HOME="$H/home" DISPLAY="$DISP" TZ=UTC LANG=C.UTF-8 \
            WIRESHARK_PLUGIN_DIR="$TOP/build/plugins" "$@"
    fi
}
as_user() {
    (as_user_exec "$@")
}
xdo() {
    as_user xdotool "$@" >/dev/null 2>&1
}

XPID=
WPID=
cleanup() {
    if [ -n "$WPID" ]; then kill "$WPID" 2>/dev/null || true; fi
    if [ -n "$XPID" ]; then kill "$XPID" 2>/dev/null || true; fi
    rm -rf "$H"
}
trap cleanup EXIT INT TERM

if as_user xdotool getdisplaygeometry >/dev/null 2>&1; then
    echo "display $DISP is in use (set DISP=:N)" >&2; exit 1
fi
(as_user_exec Xvfb "$DISP" -screen 0 "${W}x${HT}x24" -nolisten tcp) >"$H/xvfb.log" 2>&1 &
XPID=$!
i=0
until as_user xdotool getdisplaygeometry >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 50 ] || { cat "$H/xvfb.log" >&2; exit 1; }; sleep 0.2
done

# open FRAME: Wireshark on the capture, the filter applied, FRAME selected
open_ws() {
    (as_user_exec wireshark -r "$TOP/$CAPTURE" -Y "$FILTER" -g "$1") >"$H/ws.log" 2>&1 &
    WPID=$!
    i=0
    until WID=$(as_user xdotool search --onlyvisible --name "$(basename "$CAPTURE")" 2>/dev/null | head -1) &&
          [ -n "$WID" ]; do
        i=$((i + 1)); [ $i -lt 150 ] || { echo "Wireshark did not open a window" >&2; cat "$H/ws.log" >&2; exit 1; }
        sleep 0.2
    done
    sleep 4    # the file is read, filtered and drawn
}
close_ws() {
    kill "$WPID" 2>/dev/null || true
    wait "$WPID" 2>/dev/null || true
    WPID=
}
shot() {
    as_user import -display "$DISP" -window "$WID" "$H/out/$1"
    mkdir -p "$OUT"
    cp "$H/out/$1" "$OUT/$1"
    echo "wrote $OUT/$1"
}
# keys K...: typed into the details pane, after selecting its last top-level item (the CMRP tree)
details() {
    xdo mousemove --sync $((W / 3)) $((HT * 70 / 100)) click 1
    sleep 0.3
    xdo key End
    for k in "$@"; do
        xdo key "$k"
        sleep 0.15
    done
    sleep 1.5
}

open_ws 241
# CMRP > Notifications (the 5th line): 51 NOTIFICATION_RPC items, each one line; then the
# request's context (the 3rd line: the generated "Request: ... in frame N" subtree)
details Right Down Down Down Down Down Right Up Up Right Home
shot tree-notify.png
close_ws

open_ws 762
# CMRP > lpOutBuffer (7th line, after the request's context) > Property list > NodeHighestVersion
# (3rd line) > its Value (4th line) with all of its subtrees but the syntax; down to the next
# properties
details Right Down Down Down Down Down Down Down Right Down Right Down Down Down Right \
    Down Down Down Down shift+Right Down Left Down Down Down Down Down Down Down Down Down
shot tree-props.png
close_ws
