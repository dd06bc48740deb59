# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# combos.sh (sourced by the run_*_ours.sh wrappers): runs one interop script once per plugin
# combination and merges the runs' TAP into one stream, numbered through, each line labelled
# with its combination.
#
# Sets: here (the interop directory), stock (STOCK_DIR, default the system plugin directory),
# ours (OURS_DIR, required, and not the stock directory).

# shellcheck disable=SC2034  # here, stock and ours are the wrappers' to use
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stock=${STOCK_DIR:-/usr/lib/x86_64-linux-gnu/sasl2}
ours=${OURS_DIR:?OURS_DIR must name the directory holding the built libdigestmd5.so}
[ "$ours" != "$stock" ] || { echo "Bail out! OURS_DIR is the stock plugin's directory"; exit 1; }
combos_n=0
combos_status=0

# plugin_name DIR: "ours" or "stock", for labels.
plugin_name() { if [ "$1" = "$ours" ]; then echo ours; else echo stock; fi; }

# shared_build_dir PREFIX: one BUILD_DIR for every run (peers and downloads once), a temp dir
# removed at exit unless the caller set BUILD_DIR.
shared_build_dir() {
  if [ -z "${BUILD_DIR:-}" ]; then
    combos_build_tmp=$(mktemp -d "/tmp/digestmd5-$1-build.XXXXXX") || exit 1
    trap 'rm -rf "$combos_build_tmp"' EXIT
    export BUILD_DIR=$combos_build_tmp
  fi
}

# run_labelled LABEL COMMAND...: runs one script and prints its TAP numbered on, with LABEL in
# front of each description; a failing run fails the merged stream.
run_labelled() {
  local label=$1 out line verdict
  shift
  out=$("$@" 2>&1) || combos_status=1
  while IFS= read -r line; do
    case "$line" in
      "ok "*|"not ok "*)
        combos_n=$((combos_n + 1))
        verdict=${line%% [0-9]*}
        echo "$verdict $combos_n - $label ${line#* - }" ;;
      1..*) ;;
      *) echo "$line" ;;
    esac
  done <<<"$out"
}

# combos_end: the plan line and the merged exit status.
combos_end() {
  echo "1..$combos_n"
  exit $combos_status
}
