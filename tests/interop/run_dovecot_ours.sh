#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_dovecot_ours.sh: the Dovecot cases (run_dovecot.sh) with the project's plugin as the client
# and with the stock plugin as the client, the reference (OURS_DIR = the build's plugin dir).
# Dovecot is the server with its own DIGEST-MD5 code, so there is no server plugin to choose.
# The two runs are merged into one TAP stream.
set -u
. "$(dirname "$0")/combos.sh"
shared_build_dir dovecot  # one build dir for both runs: the client and the .debs once
for client in "$ours" "$stock"; do
  run_labelled "[client=$(plugin_name "$client")]" \
    env CLIENT_PLUGIN_DIR="$client" bash "$here/run_dovecot.sh"
done
combos_end
