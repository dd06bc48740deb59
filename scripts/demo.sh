#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# demo.sh: install what is missing, build, and run one DIGEST-MD5 exchange with a security layer.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh" --minimal
"$top/scripts/build.sh" "$top/_build"
exec "$top/_build/examples/demo" "$top/_build/.libs"
