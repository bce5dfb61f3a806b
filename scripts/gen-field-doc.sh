#!/bin/sh
# Write docs/fields.tsv: every field the plugin registers (abbrev, type, label), from tshark -G.
# Run after a build; tests/dissect/test_registration.py fails when the committed file is stale.
set -eu
cd "$(dirname "$0")/.."
run() {
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp WIRESHARK_PLUGIN_DIR="$PWD/build/plugins" tshark "$@"
    else
        WIRESHARK_PLUGIN_DIR="$PWD/build/plugins" tshark "$@"
    fi
}
mkdir -p docs
{
    printf 'abbrev\ttype\tlabel\n'
    run -G fields | awk -F'\t' '$1 == "F" && ($3 ~ /^cmrp\./ || $3 ~ /^cmrp2\./) { print $3 "\t" $4 "\t" $2 }' | sort -u
} > docs/fields.tsv
