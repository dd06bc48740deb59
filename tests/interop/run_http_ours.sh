#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_http_ours.sh: the HTTP Digest cases (run_http.sh) with the project's plugin on the server
# side, on the client side, on both, and the stock plugin on both as the reference (OURS_DIR =
# the build's plugin dir; the stock plugin fills the rest). The side that runs ours is expected to do SHA-256 (OURS_SHA256=no turns that
# off). The three runs are merged into one TAP stream.
set -u
here=$(cd "$(dirname "$0")" && pwd)
stock=${STOCK_DIR:-/usr/lib/x86_64-linux-gnu/sasl2}
ours=${OURS_DIR:?OURS_DIR must name the directory holding the built libdigestmd5.so}
ours_sha=${OURS_SHA256:-yes}
build_tmp=
if [ -z "${BUILD_DIR:-}" ]; then  # build http_client once for the three runs
  build_tmp=$(mktemp -d /tmp/digestmd5-http-build.XXXXXX) || exit 1
  trap 'rm -rf "$build_tmp"' EXIT
  export BUILD_DIR=$build_tmp
fi
status=0
n=0
name() { if [ "$1" = "$ours" ]; then echo ours; else echo stock; fi; }
[ "$ours" != "$stock" ] || { echo "Bail out! OURS_DIR is the stock plugin's directory"; exit 1; }
sha() { if [ "$1" = "$ours" ]; then echo "$ours_sha"; else echo no; fi; }
# The stock plugin on both sides runs too, as the reference the other rows are read against.
for combo in "$ours $stock" "$stock $ours" "$ours $ours" "$stock $stock"; do
  read -r server client <<<"$combo"
  label="[server=$(name "$server") client=$(name "$client")]"
  out=$(SERVER_PLUGIN_DIR=$server CLIENT_PLUGIN_DIR=$client \
    HTTP_EXPECT_SHA256_SERVER=$(sha "$server") HTTP_EXPECT_SHA256_CLIENT=$(sha "$client") \
    bash "$here/run_http.sh" 2>&1)
  [ $? -eq 0 ] || status=1
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
