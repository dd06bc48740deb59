#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# lint.sh: the code-health gates for common/ and plugin/ (run by scripts/test.sh):
#   * clang-tidy with the checked-in .clang-tidy: no function over 60 lines or cognitive
#     complexity 25;
#   * clang-format with the checked-in .clang-format: the sources are formatted as it says;
#   * fuzz/targets.am is what fuzz/gen_targets_am.sh makes of fuzz/targets.list.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
status=0
sources=(common/*.cpp plugin/*.cpp)
for f in "${sources[@]}"; do
  if ! out=$(clang-tidy -quiet "$f" -- -std=c++20 -x c++ -I "$top" 2>/dev/null); then
    echo "$out" | grep -E "error:" || echo "$out"
    status=1
  fi
done
[ $status -eq 0 ] && echo "ok - clang-tidy: ${#sources[@]} files within the size and complexity limits"
unformatted=()
for f in common/*.[ch]pp plugin/*.[ch]pp; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    unformatted+=("$f")
  fi
done
if [ ${#unformatted[@]} -ne 0 ]; then
  echo "not ok - clang-format: ${unformatted[*]} (run clang-format -i on them)"
  status=1
else
  echo "ok - clang-format: common/ and plugin/ as .clang-format says"
fi
if bash "$top/fuzz/gen_targets_am.sh" --check; then
  echo "ok - fuzz/targets.am matches fuzz/targets.list"
else
  echo "not ok - fuzz/targets.am is out of date: run fuzz/gen_targets_am.sh"
  status=1
fi
exit $status
