#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test.sh: install what is missing, then build and run the whole suite:
#   0. lint (scripts/lint.sh): clang-tidy's function size and complexity limits, clang-format
#   1. -Werror build: unit tests, libsasl2 tests, export check, interop (stock plugin, Java, slapd)
#   2. an install into a --with-plugindir directory, listed by saslpluginviewer, and make
#      distcheck (the tarball's own build and make check, into a scratch prefix)
#   3. the first build's test programs (CMocka tests, bad-input catalogue, thread stress, the
#      handshake loop, fuzz corpus replays) under valgrind memcheck: no leaks, no invalid accesses
#   3b. a smoke run of both benchmarks (make bench, make bench-servers): every measurement runs
#   4. an ASan/UBSan build: make check without interop (foreign processes cannot load an
#      instrumented plugin)
#   5. a ThreadSanitizer build: the same, the thread stress test included
#   6. the Debian package (scripts/package.sh: dpkg-buildpackage and lintian), then, as root, the
#      package test (tests/package/check_package.sh): install, diversions, the system plugin
#      directory, a reinstall of libsasl2-modules, remove and purge. It runs last because it
#      replaces the stock plugin the interop tests use as a peer (and a trap puts it back).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"

status=0
step() { echo; echo "==== $*"; }

step "lint: clang-tidy size/complexity limits and clang-format on common/ and plugin/"
if ! bash "$top/scripts/lint.sh"; then
  status=1
fi

step "build (-Werror) and make check"
"$top/scripts/build.sh" "$top/_build" --enable-werror
if ! make -C "$top/_build" -j"$(nproc)" check; then
  cat "$top"/_build/tests/*.log "$top"/_build/fuzz/*.log "$top"/_build/tests/interop/*.log 2>/dev/null | grep -v "^ok " | tail -80 || true
  status=1
fi

step "configure --with-plugindir and make install"
if ! bash "$top/tests/check_install.sh" "$top" "$top/_build-install"; then
  status=1
fi

step "make distcheck: the release tarball builds, passes make check and installs cleanly"
if ! make -C "$top/_build" distcheck >"$top/_build/distcheck.log" 2>&1; then
  tail -60 "$top/_build/distcheck.log"
  status=1
else
  grep -E "^(# (TOTAL|PASS|FAIL|ERROR):|=+$|digestmd5-.* archives ready)" "$top/_build/distcheck.log" | tail -8
fi

step "valgrind memcheck over the test programs"
if ! "$top/scripts/valgrind.sh" "$top/_build"; then
  status=1
fi

step "benchmarks, smoke run: every measurement of ours runs (figures are not checked)"
if ! "$top/_build/bench/dmd5_bench" --runs 1 --scale 0.05 >"$top/_build/bench-smoke.log" 2>&1 ||
   ! make -C "$top/_build" -s bench-servers \
       BENCH_SERVERS_FLAGS="--reps 1 --seconds 0.3 --conns 1,4 --only binds,reauth,search,http" \
       >>"$top/_build/bench-smoke.log" 2>&1; then
  tail -40 "$top/_build/bench-smoke.log"
  status=1
fi

step "ASan/UBSan build and make check"
"$top/scripts/build.sh" "$top/_build-asan" --enable-werror --enable-sanitizers
export ASAN_OPTIONS=detect_stack_use_after_return=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if ! make -C "$top/_build-asan" -j"$(nproc)" check; then
  cat "$top"/_build-asan/tests/*.log "$top"/_build-asan/fuzz/*.log 2>/dev/null | grep -v "^ok " | tail -80 || true
  status=1
fi

step "ThreadSanitizer build and make check"
"$top/scripts/build.sh" "$top/_build-tsan" --enable-werror --enable-sanitizers=thread
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
if ! make -C "$top/_build-tsan" -j"$(nproc)" check; then
  cat "$top"/_build-tsan/tests/*.log "$top"/_build-tsan/fuzz/*.log 2>/dev/null | grep -v "^ok " | tail -80 || true
  status=1
fi

step "Debian package: build, lintian, and the install/divert/upgrade/remove test"
if ! "$top/scripts/package.sh" "$top/_build-deb"; then
  status=1
elif ! bash "$top/tests/package/check_package.sh" \
    "$(ls "$top"/_build-deb/libsasl2-modules-digestmd5_*.deb | tail -n 1)" "$top/_build/examples/demo"; then
  status=1
fi

step "result"
if [ $status -eq 0 ]; then echo "ALL PASSED"; else echo "FAILURES (see above)"; fi
exit $status
