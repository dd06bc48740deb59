#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_gsasl_ours.sh: the GNU SASL cases (run_gsasl.sh) with the project's plugin in sasl_peer's
# role (server and client), then the stock plugin there as the reference the first rows are read
# against (OURS_DIR = the build's plugin dir). The two runs are merged into one TAP stream.
set -u
. "$(dirname "$0")/combos.sh"
shared_build_dir gsasl  # the peers are built once for both runs
for dir in "$ours" "$stock"; do
  run_labelled "[sasl_peer=$(plugin_name "$dir")]" \
    env SERVER_PLUGIN_DIR="$dir" CLIENT_PLUGIN_DIR="$dir" bash "$here/run_gsasl.sh"
done
combos_end
