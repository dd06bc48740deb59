#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# check_install.sh SRCDIR WORKDIR: `configure` picks libsasl2's plugin directory by default,
# `--with-plugindir=DIR && make install` installs libdigestmd5.so and .la into DIR, and
# saslpluginviewer lists the installed plugin.
set -u
src=$(cd "$1" && pwd)
work=$2
rm -rf "$work"
mkdir -p "$work/build"
dest="$work/plugins"
echo "1..3"
failed=0
default=$(pkg-config --variable=libdir libsasl2)/sasl2
(cd "$work/build" && "$src/configure" -q >/dev/null 2>&1)
got=$(sed -n 's/^plugindir = //p' "$work/build/Makefile")
if [ "$got" = "$default" ]; then
  echo "ok 1 - default plugin directory is libsasl2's ($default)"
else
  echo "not ok 1 - default plugin directory is libsasl2's ($default, got '$got')"; failed=1
fi
(cd "$work/build" && "$src/configure" -q --with-plugindir="$dest" >/dev/null 2>&1 &&
  make -j"$(nproc)" install-pluginLTLIBRARIES >"$work/install.log" 2>&1)
if [ -f "$dest/libdigestmd5.so" ] && [ -f "$dest/libdigestmd5.la" ]; then
  echo "ok 2 - make install puts libdigestmd5.so and .la into --with-plugindir"
else
  echo "not ok 2 - make install puts libdigestmd5.so and .la into --with-plugindir"; failed=1
  tail -20 "$work/install.log" | sed 's/^/# /'
fi
view=$(saslpluginviewer -p "$dest" -m DIGEST-MD5 2>&1)
if printf '%s\n' "$view" | grep -q 'SASL mechanism: DIGEST-MD5, best SSF: 128'; then
  echo "ok 3 - saslpluginviewer lists the installed plugin"
else
  echo "not ok 3 - saslpluginviewer lists the installed plugin"; failed=1
  printf '%s\n' "$view" | sed 's/^/# /'
fi
exit $failed
