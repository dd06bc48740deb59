#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_dovecot_ours.sh: the Dovecot cases (run_dovecot.sh) with the project's plugin as the client
# and with the stock plugin as the client, the reference (OURS_DIR = the build's plugin dir).
# Dovecot is the server with its own DIGEST-MD5 code, so there is no server plugin to choose.
# The two runs are merged into one TAP stream.
set -u
here=$(cd "$(dirname "$0")" && pwd)
stock=${STOCK_DIR:-/usr/lib/x86_64-linux-gnu/sasl2}
ours=${OURS_DIR:?OURS_DIR must name the directory holding the built libdigestmd5.so}
build_tmp=
if [ -z "${BUILD_DIR:-}" ]; then  # one build dir for both runs: the client and the .debs once
  build_tmp=$(mktemp -d /tmp/digestmd5-dovecot-build.XXXXXX) || exit 1
  trap 'rm -rf "$build_tmp"' EXIT
  export BUILD_DIR=$build_tmp
fi
[ "$ours" != "$stock" ] || { echo "Bail out! OURS_DIR is the stock plugin's directory"; exit 1; }
status=0
n=0
for client in "$ours" "$stock"; do
  if [ "$client" = "$ours" ]; then label="[client=ours]"; else label="[client=stock]"; fi
  out=$(CLIENT_PLUGIN_DIR=$client bash "$here/run_dovecot.sh" 2>&1) || status=1
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
