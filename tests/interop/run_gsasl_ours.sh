#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_gsasl_ours.sh: the GNU SASL cases (run_gsasl.sh) with the project's plugin in sasl_peer's
# role (server and client), then the stock plugin there as the reference the first rows are read
# against (OURS_DIR = the build's plugin dir). The two runs are merged into one TAP stream.
set -u
here=$(cd "$(dirname "$0")" && pwd)
stock=${STOCK_DIR:-/usr/lib/x86_64-linux-gnu/sasl2}
ours=${OURS_DIR:?OURS_DIR must name the directory holding the built libdigestmd5.so}
[ "$ours" != "$stock" ] || { echo "Bail out! OURS_DIR is the stock plugin's directory"; exit 1; }
build_tmp=
if [ -z "${BUILD_DIR:-}" ]; then  # build the peers once for both runs
  build_tmp=$(mktemp -d /tmp/digestmd5-gsasl-build.XXXXXX) || exit 1
  trap 'rm -rf "$build_tmp"' EXIT
  export BUILD_DIR=$build_tmp
fi
status=0
n=0
for impl in ours stock; do
  if [ "$impl" = ours ]; then dir=$ours; else dir=$stock; fi
  label="[sasl_peer=$impl]"
  out=$(SERVER_PLUGIN_DIR=$dir CLIENT_PLUGIN_DIR=$dir bash "$here/run_gsasl.sh" 2>&1) || status=1
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
