#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# fuzz.sh [SECONDS [TARGET...]]: build the libFuzzer targets with clang (ASan+UBSan, coverage
# instrumentation) in _build-fuzz-clang and run each for SECONDS (default 60) on one core.
# New inputs go to _build-fuzz-clang/fuzz-work/<target>; to keep them, minimise them into the
# checked-in corpus, e.g. for the response target:
#   b=_build-fuzz-clang; $b/fuzz/fuzz_response -merge=1 fuzz/corpus/response $b/fuzz-work/response
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh" --minimal
if ! command -v clang++ >/dev/null || [ ! -d /usr/lib/llvm-14/lib/clang ]; then
  "$top/scripts/deps.sh"  # the full list includes clang and libclang-rt-14-dev
fi
seconds=${1:-60}
shift || true
targets=${*:-}
build=${FUZZ_BUILD_DIR:-$top/_build-fuzz-clang}
CXX=clang++ "$top/scripts/build.sh" "$build" --enable-sanitizers=fuzzer-no-link,address,undefined
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if [ -n "$targets" ]; then
  exec make -C "$build" --no-print-directory fuzz FUZZ_SECONDS="$seconds" FUZZ_TARGETS="$targets"
fi
exec make -C "$build" --no-print-directory fuzz FUZZ_SECONDS="$seconds"
