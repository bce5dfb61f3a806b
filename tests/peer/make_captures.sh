#!/bin/bash
# Regenerate every capture in captures/ (see captures/README.md and captures/MANIFEST).
#
#   tests/peer/make_captures.sh [OUTDIR]        (default OUTDIR: captures/)
#
# For each capture: start the mock ClusAPI server (tests/peer/mockclusd.py) on 127.0.0.1, capture
# the loopback traffic of its port with tcpdump, run the client (smbtorture or our scenario),
# stop both, convert to pcapng, and move the first packet to a fixed time (2024-01-01 00:00:00
# UTC) so that regenerated files differ only where the traffic does.
#
# Needs: root (or CAP_NET_RAW for tcpdump), tcpdump, editcap + capinfos (wireshark-common),
# smbtorture (samba-testsuite), /usr/bin/python3 with python3-impacket; for the Kerberos and SPNEGO
# captures, MIT Kerberos (krb5-kdc, krb5-admin-server, krb5-user) and python3-gssapi: a throwaway
# realm (tests/peer/krb5realm.py) runs on 127.0.0.1 while they are made, and its service keytab
# is written to OUTDIR/cmrp-test.keytab (fixed passwords: the same keys on every run).
#
# Environment:
#   CMRP_STUB_DIR   where the mock dumps request/response stubs for the ndrdump validation
#                   (default: a new temporary directory, printed at the end); one subfolder per
#                   capture
#   CMRP_ONLY       space-separated capture names to (re)make, e.g. "scenario-ndr v2-udp"
#   CMRP_BASE_PORT  first port to try (default 49710); each capture uses the next free one
#   CMRP_KEEP_LOGS  keep the per-capture logs (mock, client, tcpdump) in this directory
#   CMRP_MOCK       the mock server script (default: tests/peer/mockclusd.py)
#
# When every capture is made, tests/peer/coverage.py checks them (exit status 1 if below goal).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$(cd "${1:-$ROOT/captures}" && pwd)
PY=/usr/bin/python3
USER_NAME=cmrpuser
PASSWORD='Cmrp-Passw0rd'
FIXED_EPOCH=1704067200          # 2024-01-01T00:00:00Z
BASE_PORT=${CMRP_BASE_PORT:-49710}
STUBS=${CMRP_STUB_DIR:-$(mktemp -d /tmp/cmrp-stubs.XXXXXX)}
WORK=$(mktemp -d /tmp/cmrp-captures.XXXXXX)
LOGS=${CMRP_KEEP_LOGS:-$WORK/logs}
mkdir -p "$STUBS" "$LOGS"

for tool in tcpdump editcap capinfos smbtorture; do
    command -v "$tool" >/dev/null || { echo "make_captures: $tool is missing" >&2; exit 1; }
done
"$PY" -c 'import impacket' 2>/dev/null || { echo "make_captures: $PY lacks impacket" >&2; exit 1; }
MOCK=${CMRP_MOCK:-$HERE/mockclusd.py}
[ -f "$MOCK" ] || { echo "make_captures: $MOCK is missing" >&2; exit 1; }

MOCK_PID=
TCPDUMP_PID=
REALM_PID=
cleanup() {
    # only the processes this script started, by pid
    [ -n "$TCPDUMP_PID" ] && kill "$TCPDUMP_PID" 2>/dev/null || true
    [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null || true
    [ -n "$REALM_PID" ] && kill "$REALM_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"        # the logs survive only in CMRP_KEEP_LOGS, which is elsewhere
    return 0
}
trap cleanup EXIT
mkdir -p "$WORK/tmp"

NEXT_PORT=$BASE_PORT
# free_port PROTO: the next port >= NEXT_PORT that is free for PROTO (tcp|udp) on 127.0.0.1
free_port() {
    "$PY" - "$1" "$NEXT_PORT" <<'EOF'
import socket, sys
proto, p = sys.argv[1], int(sys.argv[2])
kind = socket.SOCK_STREAM if proto == 'tcp' else socket.SOCK_DGRAM
while p < 65000:
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1) if proto == 'tcp' else None
        s.bind(('127.0.0.1', p))
        print(p)
        break
    except OSError:
        p += 1
    finally:
        s.close()
EOF
}

wait_tcp() {   # wait until 127.0.0.1:$1 accepts connections
    "$PY" - "$1" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
for _ in range(100):
    try:
        socket.create_connection(('127.0.0.1', port), timeout=0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
}

wait_udp() {   # wait until something is bound to udp 127.0.0.1:$1
    local i
    for i in $(seq 50); do
        if ! "$PY" -c "import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('127.0.0.1',$1))" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

start_mock() {   # start_mock NAME ARGS...: the mock with stub dumps into $STUBS/NAME
    local name=$1; shift
    rm -rf "${STUBS:?}/$name"
    mkdir -p "$STUBS/$name"
    timeout 900 "$PY" "$MOCK" --dump-stubs "$STUBS/$name" "$@" \
        >"$LOGS/$name.mock.log" 2>&1 &
    MOCK_PID=$!
}

stop_mock() {
    if [ -n "$MOCK_PID" ]; then
        kill "$MOCK_PID" 2>/dev/null || true
        wait "$MOCK_PID" 2>/dev/null || true
        MOCK_PID=
    fi
}

start_tcpdump() {   # start_tcpdump NAME FILTER
    local name=$1 filter=$2 i
    timeout 900 tcpdump -i lo -n -U --immediate-mode -B 65536 -s 0 --time-stamp-precision=micro \
        -w "$WORK/tmp/$name.pcap" "$filter" >"$LOGS/$name.tcpdump.log" 2>&1 &
    TCPDUMP_PID=$!
    for i in $(seq 100); do
        grep -q 'listening on' "$LOGS/$name.tcpdump.log" 2>/dev/null && return 0
        kill -0 "$TCPDUMP_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "make_captures: tcpdump did not start:" >&2
    cat "$LOGS/$name.tcpdump.log" >&2
    return 1
}

stop_tcpdump() {   # stop_tcpdump NAME: flush, stop, convert to pcapng at the fixed time;
                   # fails (status 3) if the kernel dropped packets
    local name=$1 start shift_s dropped
    sleep 0.5
    kill -INT "$TCPDUMP_PID" 2>/dev/null || true
    wait "$TCPDUMP_PID" 2>/dev/null || true
    TCPDUMP_PID=
    dropped=$(awk '/dropped by kernel/{print $1}' "$LOGS/$name.tcpdump.log")
    if [ -n "$dropped" ] && [ "$dropped" != 0 ]; then
        echo "make_captures: $name: tcpdump lost $dropped packets" >&2
        rm -f "$WORK/tmp/$name.pcap"
        return 3
    fi
    start=$(capinfos -T -r -a -S "$WORK/tmp/$name.pcap" | awk -F'\t' 'NR==1{print $2}')
    if [ -z "$start" ] || [ "$start" = "n/a" ]; then
        echo "make_captures: $name: the capture is empty" >&2
        return 1
    fi
    shift_s=$("$PY" -c "print('%.6f' % ($FIXED_EPOCH - float('$start')))")
    editcap -F pcapng -t "$shift_s" "$WORK/tmp/$name.pcap" "$OUT/$name.pcapng"
    chmod 644 "$OUT/$name.pcapng"
    rm -f "$WORK/tmp/$name.pcap"
    printf '  %-28s %8s bytes, %s packets\n' "$name.pcapng" "$(stat -c %s "$OUT/$name.pcapng")" \
        "$(capinfos -T -r -c "$OUT/$name.pcapng" | awk -F'\t' 'NR==1{print $2}')"
}

want() {   # want NAME: is NAME selected by CMRP_ONLY?
    [ -z "${CMRP_ONLY:-}" ] && return 0
    case " $CMRP_ONLY " in *" $1 "*) return 0 ;; esac
    return 1
}

# run_tcp NAME MOCK-ARGS -- CLIENT...: one TCP capture (up to three attempts if packets are lost)
run_tcp() {
    local attempt
    for attempt in 1 2 3; do
        run_tcp_once "$@" && return 0
        [ $? -ne 3 ] && exit 1
    done
    echo "make_captures: $1: packets lost three times" >&2
    exit 1
}

run_tcp_once() {
    local name=$1; shift
    local margs=()
    while [ "$1" != "--" ]; do margs+=("$1"); shift; done
    shift
    local port
    port=$(free_port tcp); NEXT_PORT=$((port + 1))
    local client=("${@//%PORT%/$port}")
    start_mock "$name" --port "$port" "${margs[@]}"
    wait_tcp "$port" || { echo "make_captures: mock did not start" >&2; cat "$LOGS/$name.mock.log" >&2; exit 1; }
    start_tcpdump "$name" "tcp port $port" || { stop_mock; return 1; }
    local rc=0 st=0
    "${client[@]}" >"$LOGS/$name.client.log" 2>&1 || rc=$?
    stop_tcpdump "$name" || st=$?
    stop_mock
    [ "$st" -ne 0 ] && return "$st"
    if [ "$rc" -ne 0 ] && [ "${name#smbtorture}" != "$name" ]; then
        echo "    ($name: smbtorture reported $(grep -c '^failure:' "$LOGS/$name.client.log" || true) failing tests; expected against a mock)"
    elif [ "$rc" -ne 0 ]; then
        echo "make_captures: $name: the client exited with $rc (log: $LOGS/$name.client.log)" >&2
        tail -20 "$LOGS/$name.client.log" >&2
        exit 1
    fi
    return 0
}

echo "make_captures: writing to $OUT"

# smbtorture's rpc.clusapi suite. Its failures are expected (the mock is not a cluster): we keep
# the traffic whatever the suite's verdict.
if want smbtorture-anon; then
    run_tcp smbtorture-anon -- \
        timeout 600 smbtorture 'ncacn_ip_tcp:127.0.0.1[%PORT%]' -U% rpc.clusapi --dangerous
fi
if want smbtorture-sealed; then
    run_tcp smbtorture-sealed --user "$USER_NAME" --password "$PASSWORD" -- \
        timeout 600 smbtorture "ncacn_ip_tcp:127.0.0.1[%PORT%,seal,ntlm]" \
        -U "$USER_NAME%$PASSWORD" rpc.clusapi --dangerous
fi
# Kerberos and SPNEGO (choosing Kerberos), packet privacy, inside a throwaway realm: the KDC
# (krb5realm.py serve) runs on its own 127.0.0.1 port, which tcpdump does not capture; the
# tickets in the binds are decrypted with the service keytab written next to the captures.
KRB5_CAPTURES="smbtorture-krb5-sealed smbtorture-spnego-sealed scenario-krb5-sealed scenario-spnego-sealed"
want_krb5() { local n; for n in $KRB5_CAPTURES; do want "$n" && return 0; done; return 1; }
if want_krb5; then
    "$PY" "$HERE/krb5realm.py" --dir "$WORK/krb5" --keytab-out "$OUT/cmrp-test.keytab" serve \
        >"$LOGS/krb5realm.log" 2>&1 &
    REALM_PID=$!
    for i in $(seq 100); do
        grep -q '^ready' "$LOGS/krb5realm.log" 2>/dev/null && break
        kill -0 "$REALM_PID" 2>/dev/null || break
        sleep 0.1
    done
    grep -q '^ready' "$LOGS/krb5realm.log" || { echo "make_captures: the realm did not start" >&2; cat "$LOGS/krb5realm.log" >&2; exit 1; }
    # shellcheck disable=SC1091
    . "$WORK/krb5/env.sh"
    KRB5_BINDING="target_hostname=$CMRP_KRB5_HOST"
    KRB5_CREDS=(-U "$USER_NAME%$PASSWORD" "--realm=$CMRP_KRB5_REALM" --use-kerberos=required)
    if want smbtorture-krb5-sealed; then
        run_tcp smbtorture-krb5-sealed --keytab "$CMRP_KRB5_KEYTAB" -- \
            timeout 600 smbtorture "ncacn_ip_tcp:127.0.0.1[%PORT%,seal,krb5,$KRB5_BINDING]" \
            "${KRB5_CREDS[@]}" rpc.clusapi --dangerous
    fi
    if want smbtorture-spnego-sealed; then
        run_tcp smbtorture-spnego-sealed --keytab "$CMRP_KRB5_KEYTAB" -- \
            timeout 600 smbtorture "ncacn_ip_tcp:127.0.0.1[%PORT%,seal,spnego,$KRB5_BINDING]" \
            "${KRB5_CREDS[@]}" rpc.clusapi --dangerous
    fi
    # The scenario client (gss_client.py) takes its ticket from the realm's ccache.
    if want scenario-krb5-sealed || want scenario-spnego-sealed; then
        printf '%s\n' "$PASSWORD" | kinit "$USER_NAME@$CMRP_KRB5_REALM" >"$LOGS/kinit.log" 2>&1 ||
            { echo "make_captures: kinit failed" >&2; cat "$LOGS/kinit.log" >&2; exit 1; }
    fi
    if want scenario-krb5-sealed; then
        run_tcp scenario-krb5-sealed --notify-timeout 1 --keytab "$CMRP_KRB5_KEYTAB" -- \
            timeout 300 "$PY" "$HERE/scenario.py" --port %PORT% --subset core --kerberos krb5 \
            --spn "MSServerClusterMgmtAPI@$CMRP_KRB5_HOST"
    fi
    if want scenario-spnego-sealed; then
        run_tcp scenario-spnego-sealed --notify-timeout 1 --keytab "$CMRP_KRB5_KEYTAB" -- \
            timeout 300 "$PY" "$HERE/scenario.py" --port %PORT% --subset core --kerberos spnego \
            --spn "MSServerClusterMgmtAPI@$CMRP_KRB5_HOST"
    fi
    kill "$REALM_PID" 2>/dev/null || true
    wait "$REALM_PID" 2>/dev/null || true
    REALM_PID=
    unset KRB5_CONFIG KRB5_KDC_PROFILE KRB5CCNAME KRB5_KTNAME KRB5RCACHETYPE
fi
if want scenario-ndr; then
    run_tcp scenario-ndr --notify-timeout 1 -- \
        timeout 300 "$PY" "$HERE/scenario.py" --port %PORT%
fi
if want scenario-ndr64; then
    run_tcp scenario-ndr64 --notify-timeout 1 -- \
        timeout 300 "$PY" "$HERE/scenario.py" --port %PORT% --ndr64
fi
if want scenario-sealed; then
    run_tcp scenario-sealed --notify-timeout 1 --user "$USER_NAME" --password "$PASSWORD" -- \
        timeout 300 "$PY" "$HERE/scenario.py" --port %PORT% --subset core \
        --user "$USER_NAME" --password "$PASSWORD"
fi
if want scenario-storage; then
    run_tcp scenario-storage --notify-timeout 1 --spec-storage -- \
        timeout 300 "$PY" "$HERE/scenario.py" --port %PORT% --subset storage
fi
if want v2-udp; then
    tport=$(free_port tcp); NEXT_PORT=$((tport + 1))
    uport=$(free_port udp); NEXT_PORT=$((uport + 1))
    start_mock v2-udp --notify-timeout 1 --port "$tport" --udp-port "$uport"
    wait_tcp "$tport" && wait_udp "$uport" || { echo "make_captures: mock did not start" >&2; cat "$LOGS/v2-udp.mock.log" >&2; exit 1; }
    start_tcpdump v2-udp "udp port $uport"
    rc=0
    timeout 300 "$PY" "$HERE/scenario.py" --v2-udp-port "$uport" >"$LOGS/v2-udp.client.log" 2>&1 || rc=$?
    stop_tcpdump v2-udp || { echo "make_captures: v2-udp: rerun it (CMRP_ONLY=v2-udp)" >&2; exit 1; }
    stop_mock
    if [ "$rc" -ge 2 ]; then
        echo "make_captures: v2-udp: the client failed ($rc)" >&2
        tail -20 "$LOGS/v2-udp.client.log" >&2
        exit 1
    fi
fi

echo "make_captures: stub dumps in $STUBS"
[ -n "${CMRP_KEEP_LOGS:-}" ] && echo "make_captures: logs in $LOGS"

# The goals the captures exist for (methods, buffer formats, notification payloads).
if [ -z "${CMRP_ONLY:-}" ]; then
    "$PY" "$HERE/coverage.py" --captures "$OUT" >"$WORK/coverage.txt" 2>&1 && cov=0 || cov=$?
    sed -n '/^Methods/,/^  total/p;/^RESULT/,$p' "$WORK/coverage.txt"
    [ "$cov" -eq 0 ] || { cat "$WORK/coverage.txt" >&2; exit 1; }
fi
exit 0
