#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_postfix_ours.sh: the Postfix cases (run_postfix.sh) with the project's plugin on the server
# side (smtpd), on the client side (smtptest and Postfix's smtp client), on both, and the stock
# plugin on both as the reference (OURS_DIR = the build's plugin dir; the stock plugin fills the
# rest). The four runs are merged into one TAP stream.
set -u
. "$(dirname "$0")/combos.sh"
for combo in "$ours $stock" "$stock $ours" "$ours $ours" "$stock $stock"; do
  read -r server client <<<"$combo"
  run_labelled "[server=$(plugin_name "$server") client=$(plugin_name "$client")]" \
    env SERVER_PLUGIN_DIR="$server" CLIENT_PLUGIN_DIR="$client" bash "$here/run_postfix.sh"
done
combos_end
