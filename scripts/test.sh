#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test.sh: install what is missing, then build and run the whole suite:
#   1. -Werror build: unit tests, libsasl2 tests, export check, interop (stock plugin, Java, slapd)
#   2. an install into a --with-plugindir directory, listed by saslpluginviewer
#   3. the first build's CMocka tests under valgrind memcheck (no leaks, no invalid accesses)
#   4. an ASan/UBSan build: unit, libsasl2, export and no-legacy tests (interop needs foreign
#      processes that cannot load an instrumented plugin)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"

status=0
step() { echo; echo "==== $*"; }

step "build (-Werror) and make check"
"$top/scripts/build.sh" "$top/_build" --enable-werror
if ! make -C "$top/_build" -j"$(nproc)" check; then
  cat "$top"/_build/tests/*.log "$top"/_build/tests/interop/*.log 2>/dev/null | grep -v "^ok " | tail -80 || true
  status=1
fi

step "configure --with-plugindir and make install"
if ! bash "$top/tests/check_install.sh" "$top" "$top/_build-install"; then
  status=1
fi

step "valgrind memcheck over the CMocka tests"
if ! "$top/scripts/valgrind.sh" "$top/_build"; then
  status=1
fi

step "ASan/UBSan build and make check"
"$top/scripts/build.sh" "$top/_build-asan" --enable-werror --enable-sanitizers
export ASAN_OPTIONS=detect_stack_use_after_return=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if ! make -C "$top/_build-asan" -j"$(nproc)" check; then
  cat "$top"/_build-asan/tests/*.log 2>/dev/null | grep -v "^ok " | tail -80 || true
  status=1
fi

step "result"
if [ $status -eq 0 ]; then echo "ALL PASSED"; else echo "FAILURES (see above)"; fi
exit $status
