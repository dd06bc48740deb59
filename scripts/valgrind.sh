#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# valgrind.sh BUILD_DIR: run the test programs of a (non-sanitizer) build under memcheck: every
# CMocka binary (unit tests, the libsasl2 tests, the bad-input catalogue, the thread stress test,
# the handshake loop) and every fuzz corpus replay. Any definite or indirect leak, invalid access
# or uninitialised use fails. Left to the normal and ASan runs: the shell-script tests (export
# check, interop), which run foreign processes, and test_secrets, which replaces the allocator
# memcheck needs to observe and reads the uninitialised slack of freed blocks on purpose.
set -uo pipefail
build=$1
status=0
for t in "$build"/tests/test_* "$build"/fuzz/replay_*; do
  [ -x "$t" ] || continue
  case "$t" in *.log|*.trs|*.o|*.valgrind|*/test_secrets) continue ;; esac
  name=$(basename "$t")
  log="$t.valgrind"
  # Scaled down: memcheck runs threads one at a time and some 30x slower. The RSS loop is
  # only checked for leaks here (its RSS figure means nothing under valgrind).
  extra=()
  case "$name" in
    test_stress) extra=(DMD5_STRESS_THREADS=3 DMD5_STRESS_ROUNDS=8) ;;
    test_rss) extra=(DMD5_RSS_HANDSHAKES=500 DMD5_RSS_TOLERANCE_KB=1000000) ;;
  esac
  if env CMOCKA_MESSAGE_OUTPUT=TAP "${extra[@]}" "$build/libtool" --mode=execute valgrind -q \
       --leak-check=full --errors-for-leak-kinds=definite,indirect \
       --show-leak-kinds=definite,indirect --error-exitcode=99 \
       "$t" >"$log" 2>&1; then
    echo "ok - valgrind $name"
  else
    echo "not ok - valgrind $name (see $log)"
    tail -40 "$log"
    status=1
  fi
done
exit $status
