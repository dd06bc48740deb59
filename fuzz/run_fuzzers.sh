#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_fuzzers.sh BUILD_DIR SECONDS TARGET...: run each libFuzzer binary BUILD_DIR/fuzz/fuzz_<t>
# for SECONDS on one core, starting from the checked-in corpus fuzz/corpus/<t> (read only; new
# inputs go to BUILD_DIR/fuzz-work/<t>), with the shared dictionary. Crashes land in
# BUILD_DIR/fuzz-work/crashes/. Prints one line per target: executions, coverage and features
# reached, corpus size, and whether it crashed; exits non-zero if any target crashed.
set -uo pipefail
build=$1
seconds=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)

# Input caps: messages are capped just above their limit (2048 for challenges and response-auth,
# 4096 for responses) so the TooLong paths stay reachable while executions stay fast; the
# structured writer input needs room for 32 realms; layer streams get room for several packets
# of a few kilobytes (the decoder's own maxbuf is at most 4096 in the configurations where
# whole packets are reachable; larger declared lengths only make it wait for more input).
max_len() {
  case $1 in
    challenge|response_auth) echo 2560 ;;
    response|server_step|client_step) echo 4608 ;;
    writers) echo 8192 ;;
    layer_decode) echo 16384 ;;
    *) echo 4096 ;;
  esac
}

status=0
mkdir -p "$build/fuzz-work/crashes"
printf '%-14s %8s %12s %8s %8s %7s  %s\n' target seconds execs cov ft corpus result
for t in "$@"; do
  bin="$build/fuzz/fuzz_$t"
  work="$build/fuzz-work/$t"
  log="$build/fuzz-work/$t.log"
  mkdir -p "$work"
  "$bin" -max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
    -dict="$src/digestmd5.dict" -artifact_prefix="$build/fuzz-work/crashes/$t-" \
    -print_final_stats=1 "$work" "$src/corpus/$t" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  line=$(grep -E '^#[0-9]+.*(cov|ft):' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$line")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$line")
  result=ok
  if [ $rc -ne 0 ]; then
    result="CRASH (see $log)"
    status=1
  fi
  printf '%-14s %8s %12s %8s %8s %7s  %s\n' "$t" "$seconds" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
    "${corp:-?}" "$result"
done
exit $status
