#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_http_ours.sh: the HTTP Digest cases (run_http.sh) with the project's plugin on the server
# side, on the client side, on both, and the stock plugin on both as the reference (OURS_DIR =
# the build's plugin dir; the stock plugin fills the rest). The side that runs ours is expected
# to do SHA-256 (OURS_SHA256=no turns that off). The runs are merged into one TAP stream.
set -u
. "$(dirname "$0")/combos.sh"
ours_sha=${OURS_SHA256:-yes}
shared_build_dir http  # http_client is built once for every run
sha() { if [ "$1" = "$ours" ]; then echo "$ours_sha"; else echo no; fi; }
for combo in "$ours $stock" "$stock $ours" "$ours $ours" "$stock $stock"; do
  read -r server client <<<"$combo"
  run_labelled "[server=$(plugin_name "$server") client=$(plugin_name "$client")]" \
    env SERVER_PLUGIN_DIR="$server" CLIENT_PLUGIN_DIR="$client" \
    HTTP_EXPECT_SHA256_SERVER="$(sha "$server")" HTTP_EXPECT_SHA256_CLIENT="$(sha "$client")" \
    bash "$here/run_http.sh"
done
combos_end
