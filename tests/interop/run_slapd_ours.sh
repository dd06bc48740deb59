#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_slapd_ours.sh: the OpenLDAP cases with the project's plugin on the server side, on the
# client side, and on both (OURS_DIR = the build's plugin dir; the stock plugin fills the rest).
# The three runs are merged into one TAP stream.
set -u
. "$(dirname "$0")/combos.sh"
for combo in "$ours $stock" "$stock $ours" "$ours $ours"; do
  read -r server client <<<"$combo"
  run_labelled "[server=$(plugin_name "$server") client=$(plugin_name "$client")]" \
    env SERVER_PLUGIN_DIR="$server" CLIENT_PLUGIN_DIR="$client" bash "$here/run_slapd.sh"
done
combos_end
