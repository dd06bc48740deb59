#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# valgrind.sh BUILD_DIR: run every CMocka test binary under memcheck; any definite or indirect
# leak, invalid access or uninitialised use fails.
set -uo pipefail
build=$1
status=0
for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  case "$t" in *.log|*.trs|*.o) continue ;; esac
  name=$(basename "$t")
  log="$build/tests/$name.valgrind"
  if CMOCKA_MESSAGE_OUTPUT=TAP "$build/libtool" --mode=execute valgrind -q \
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
