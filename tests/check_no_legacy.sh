#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# check_no_legacy.sh: without OpenSSL's legacy provider (OPENSSL_MODULES pointing nowhere) the
# plugin offers only the ciphers that still work (3des, aes-cbc), logs one line saying why, and
# still authenticates with a layer.
set -u
build=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
echo "1..3"
out=$(OPENSSL_MODULES=/nonexistent "$build/examples/demo" "$build/.libs" 2>&1)
rc=$?
failed=0
if printf '%s\n' "$out" | grep -q 'cipher="3des,aes-cbc"'; then
  echo "ok 1 - only 3des and aes-cbc are offered"
else
  echo "not ok 1 - only 3des and aes-cbc are offered"; failed=1
fi
lines=$(printf '%s\n' "$out" | grep -c "legacy provider not available: rc4 and des are not offered")
if [ "$lines" -eq 1 ]; then
  echo "ok 2 - one log line says why"
else
  echo "not ok 2 - one log line says why (got $lines)"; failed=1
fi
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q "(intact)"; then
  echo "ok 3 - authentication and layer still work"
else
  echo "not ok 3 - authentication and layer still work (exit $rc)"; failed=1
fi
[ $failed -eq 0 ] || printf '# %s\n' "$out"
exit $failed
