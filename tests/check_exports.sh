#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# check_exports.sh: the plugin exports only the two init symbols, and libsasl2 (through
# saslpluginviewer) sees the descriptor of the stock plugin: DIGEST-MD5, SSF 128, the same
# security flags and features, SUPPORTS_HTTP included (HTTP Digest mode, docs/protocol.md §12).
set -u
build=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
lib="$build/.libs/libdigestmd5.so"
echo "1..4"
n=0; failed=0
check() {
  n=$((n + 1))
  if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}

exports=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort | tr '\n' ' ')
[ "$exports" = "sasl_client_plug_init sasl_server_plug_init " ]
check $? "only the init symbols are exported (got: $exports)"

if ! command -v saslpluginviewer >/dev/null; then
  for i in 2 3 4; do echo "not ok $i - saslpluginviewer missing (package sasl2-bin)"; done
  exit 1
fi
# A sanitizer build's plugin needs its runtime loaded first into the (uninstrumented) viewer.
preload=""
if nm -D --undefined-only "$lib" | grep -q "__asan_init"; then
  preload=$(${CXX:-g++} -print-file-name=libasan.so)
  if nm -D --undefined-only "$lib" | grep -q "__ubsan_"; then
    preload="$preload $(${CXX:-g++} -print-file-name=libubsan.so)"
  fi
elif nm -D --undefined-only "$lib" | grep -q "__tsan_init"; then
  preload=$(${CXX:-g++} -print-file-name=libtsan.so)
fi
view=$(LD_PRELOAD=$preload ASAN_OPTIONS=detect_leaks=0 saslpluginviewer -p "$build/.libs" -m DIGEST-MD5 2>&1)
server=$(printf '%s\n' "$view" | sed -n '/List of server plugins/,/Installed and properly configured SASL (client/p')
client=$(printf '%s\n' "$view" | sed -n '/List of client plugins/,$p')

printf '%s\n' "$server" | grep -q "SASL mechanism: DIGEST-MD5, best SSF: 128, supports setpass: yes" &&
  printf '%s\n' "$server" | grep -q "security flags: NO_ANONYMOUS|NO_PLAINTEXT|MUTUAL_AUTH$" &&
  printf '%s\n' "$server" | grep -q "features: PROXY_AUTHENTICATION|SUPPORTS_HTTP$"
check $? "server descriptor: SSF 128, setpass, NO_ANONYMOUS|NO_PLAINTEXT|MUTUAL_AUTH, PROXY_AUTHENTICATION|SUPPORTS_HTTP"

printf '%s\n' "$client" | grep -q "SASL mechanism: DIGEST-MD5, best SSF: 128" &&
  printf '%s\n' "$client" | grep -q "security flags: NO_ANONYMOUS|NO_PLAINTEXT|MUTUAL_AUTH$" &&
  printf '%s\n' "$client" | grep -q "features: PROXY_AUTHENTICATION|NEED_SERVER_FQDN|SUPPORTS_HTTP$"
check $? "client descriptor: as the server plus NEED_SERVER_FQDN"

printf '%s\n' "$view" | grep -q 'Plugin "digestmd5" \[loaded\], 	API version: 4'
check $? "libsasl2 loads the plugin with API version 4"
[ $failed -eq 0 ] || printf '# %s\n' "$view" | head -40
exit $failed
