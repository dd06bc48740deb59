#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench.sh [dmd5_bench options]: install what is missing, build into _build-bench, and print the
# benchmark table: our plugin against the stock Debian plugin and the OpenSSL floor.
# bench.sh --servers [servers.py options]: the same build, then the table inside real servers
# (make bench-servers: slapd binds and searches, Cyrus httpd requests; needs root).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--servers" ]; then
  shift
  "$top/scripts/deps.sh"
  "$top/scripts/build.sh" "$top/_build-bench"
  make -C "$top/_build-bench" -s bench-servers BENCH_SERVERS_FLAGS="$*"
  exit
fi
"$top/scripts/deps.sh" --minimal
"$top/scripts/build.sh" "$top/_build-bench"
make -C "$top/_build-bench" -s bench BENCH_FLAGS="$*"
