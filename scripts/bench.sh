#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench.sh [dmd5_bench options]: install what is missing, build into _build-bench, and print the
# benchmark table: our plugin against the stock Debian plugin and the OpenSSL floor.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh" --minimal
"$top/scripts/build.sh" "$top/_build-bench"
make -C "$top/_build-bench" -s bench BENCH_FLAGS="$*"
