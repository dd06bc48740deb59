#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# check_man.sh: the man page renders without a groff warning, and it and README name every
# option the plugin reads (the names are taken from the plugin's sources, so a new option
# without documentation fails here).
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
page="$src/docs/digestmd5.5"
echo "1..3"
failed=0
warnings=$(groff -ww -z -t -man "$page" 2>&1)
if command -v man >/dev/null; then
  warnings+=$(LANG=C MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
fi
if [ -z "$warnings" ]; then
  echo "ok 1 - groff -ww and man -l render docs/digestmd5.5 without a warning"
else
  echo "not ok 1 - groff -ww and man -l render docs/digestmd5.5 without a warning"; failed=1
  printf '%s\n' "$warnings" | sed 's/^/# /'
fi
mapfile -t options < <(grep -oh '"\(digestmd5_[a-z0-9_]*\|reauth_timeout\)"' "$src"/plugin/*.cpp |
  tr -d '"' | sort -u)
[ ${#options[@]} -ge 10 ] || { echo "Bail out! found only ${#options[@]} options in plugin/"; exit 1; }
# In roff a '-' may be written '\-' and '_' stays as is.
rendered=$(groff -t -man -Tutf8 "$page" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
missing_man=()
missing_readme=()
for o in "${options[@]}"; do
  printf '%s\n' "$rendered" | grep -q -- "$o" || missing_man+=("$o")
  grep -q -- "\`$o\`" "$src/README.md" || missing_readme+=("$o")
done
if [ ${#missing_man[@]} -eq 0 ]; then
  echo "ok 2 - the man page documents all ${#options[@]} options the plugin reads"
else
  echo "not ok 2 - the man page lacks: ${missing_man[*]}"; failed=1
fi
if [ ${#missing_readme[@]} -eq 0 ]; then
  echo "ok 3 - README documents all ${#options[@]} options the plugin reads"
else
  echo "not ok 3 - README lacks: ${missing_readme[*]}"; failed=1
fi
exit $failed
