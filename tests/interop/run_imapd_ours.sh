#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_imapd_ours.sh: the Cyrus imapd/imtest cases (run_imapd.sh) with the project's plugin on the
# server side, on the client side, on both, and the stock plugin on both as the reference
# (OURS_DIR = the build's plugin dir; the stock plugin fills the rest). The four runs are merged
# into one TAP stream.
set -u
here=$(cd "$(dirname "$0")" && pwd)
stock=${STOCK_DIR:-/usr/lib/x86_64-linux-gnu/sasl2}
ours=${OURS_DIR:?OURS_DIR must name the directory holding the built libdigestmd5.so}
[ "$ours" != "$stock" ] || { echo "Bail out! OURS_DIR is the stock plugin's directory"; exit 1; }
status=0
n=0
name() { if [ "$1" = "$ours" ]; then echo ours; else echo stock; fi; }
for combo in "$ours $stock" "$stock $ours" "$ours $ours" "$stock $stock"; do
  read -r server client <<<"$combo"
  label="[server=$(name "$server") client=$(name "$client")]"
  if ! out=$(SERVER_PLUGIN_DIR=$server CLIENT_PLUGIN_DIR=$client bash "$here/run_imapd.sh" 2>&1); then
    status=1
  fi
  while IFS= read -r line; do
    case "$line" in
      "ok "*|"not ok "*)
        n=$((n + 1))
        verdict=${line%% [0-9]*}
        echo "$verdict $n - $label ${line#* - }" ;;
      1..*) ;;
      *) echo "$line" ;;
    esac
  done <<<"$out"
done
echo "1..$n"
exit $status
