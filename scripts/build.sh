#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# build.sh DIR [configure options...]: configure (once) and build the tree out of source in DIR.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
shift
if [ ! -x "$top/configure" ] || [ "$top/configure.ac" -nt "$top/configure" ] ||
   [ "$top/Makefile.am" -nt "$top/Makefile.in" ]; then
  (cd "$top" && autoreconf -fi >/dev/null)
fi
mkdir -p "$dir"
cd "$dir"
stamp=.configure-args
args="$*"
if [ ! -f Makefile ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$args" ] ||
   [ "$top/configure" -nt Makefile ]; then
  "$top/configure" -q "$@"
  echo "$args" > "$stamp"
fi
make -j"$(nproc)" >/dev/null
