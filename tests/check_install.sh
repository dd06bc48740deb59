#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# check_install.sh SRCDIR WORKDIR: `configure` picks libsasl2's plugin directory by default,
# `--with-plugindir=DIR && make install` installs libdigestmd5.so and .la into DIR,
# saslpluginviewer lists the installed plugin, and without --with-plugindir make install refuses
# to overwrite the libdigestmd5.so a Debian package owns (run in a private mount namespace with
# a copy of the plugin directory over the real one, so a failure cannot touch the system).
set -u
src=$(cd "$1" && pwd)
work=$2
rm -rf "$work"
mkdir -p "$work/build"
dest="$work/plugins"
echo "1..4"
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
# 4: the default directory holds a dpkg-owned libdigestmd5.so (libsasl2-modules' or our .deb's).
sysfile="$default/libdigestmd5.so"
owner=$(dpkg-query -S "$sysfile" 2>/dev/null | grep -v '^diversion ' | sed -n 's/: .*//p' | head -n 1)
if [ -z "$owner" ]; then
  echo "not ok 4 - make install refuses a dpkg-owned plugin (no package owns $sysfile here)"
  failed=1
elif [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null; then
  echo "not ok 4 - make install refuses a dpkg-owned plugin (needs root and unshare)"; failed=1
else
  copy="$work/sysplugins"
  cp -a "$default" "$copy"
  before=$(sha256sum <"$copy/libdigestmd5.so")
  (cd "$work/build" && "$src/configure" -q >/dev/null 2>&1)
  unshare -m sh -c "mount --make-rprivate / && mount --bind '$copy' '$default' &&
    cd '$work/build' && make install-pluginLTLIBRARIES" >"$work/refuse.log" 2>&1
  rc=$?
  after=$(sha256sum <"$copy/libdigestmd5.so")
  if [ $rc -ne 0 ] && [ "$before" = "$after" ] && grep -q "belongs to the Debian package $owner" "$work/refuse.log" &&
     grep -q -- "--with-plugindir=$default" "$work/refuse.log" && grep -q "scripts/package.sh" "$work/refuse.log"; then
    echo "ok 4 - make install without --with-plugindir refuses $owner's $sysfile and names the package route and the option"
  else
    echo "not ok 4 - make install without --with-plugindir refuses $owner's $sysfile (rc $rc)"; failed=1
    sed 's/^/# /' "$work/refuse.log" | tail -20
  fi
fi
exit $failed
