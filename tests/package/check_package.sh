#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# check_package.sh DEB DEMO: the package test, as root on the test machine (it installs into the
# system's plugin directory, so scripts/test.sh runs it last). DEB is the built
# libsasl2-modules-digestmd5 package, DEMO the built examples/demo (it authenticates through the
# plugin directory it is given: here libsasl2's own, as every application would). Output is TAP.
#
# Steps: install; the three diversions; saslpluginviewer without -p shows our descriptor (the
# stock plugin has no setpass); the demo through the system directory negotiates aes-cbc (only
# ours has it); `man -w digestmd5` finds the page; reinstalling ours and
# `apt-get install --reinstall libsasl2-modules` keep ours in place and the stock files aside
# intact; remove and purge give the stock plugin back byte for byte (dpkg's md5sums) and it
# authenticates again. A trap puts the stock plugin back if any step fails, so the rest of the
# machine (and the suite, which uses it as a peer) is never left without it.
set -u
deb=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
demo=$2
pkg=libsasl2-modules-digestmd5
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
dir=/usr/lib/$multiarch/sasl2
names=(libdigestmd5.so libdigestmd5.so.2 libdigestmd5.so.2.0.25)
md5sums=/var/lib/dpkg/info/libsasl2-modules:$arch.md5sums
[ -f "$md5sums" ] || md5sums=/var/lib/dpkg/info/libsasl2-modules.md5sums
n=0
failed=0
log=$(mktemp)

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=1; echo "not ok $n - $1"
  [ -s "$log" ] && tail -15 "$log" | sed 's/^/# /'
}
check() {  # description command...
  local what=$1; shift
  if "$@" >"$log" 2>&1; then ok "$what"; else not_ok "$what"; fi
}

# stock_intact: the stock files are in place under their names, byte for byte as dpkg has them.
stock_intact() {
  local real=$dir/libdigestmd5.so.2.0.25 want
  want=$(awk -v f="${real#/}" '$2 == f { print $1 }' "$md5sums")
  [ -n "$want" ] && [ -f "$real" ] && [ ! -L "$real" ] &&
    [ "$(md5sum <"$real" | cut -d' ' -f1)" = "$want" ] &&
    [ "$(readlink "$dir/libdigestmd5.so")" = libdigestmd5.so.2.0.25 ] &&
    [ "$(readlink "$dir/libdigestmd5.so.2")" = libdigestmd5.so.2.0.25 ]
}

# diverted_intact: with ours installed, the stock files wait under *.distrib, intact.
diverted_intact() {
  local want
  want=$(awk -v f="${dir#/}/libdigestmd5.so.2.0.25" '$2 == f { print $1 }' "$md5sums")
  [ "$(md5sum <"$dir/libdigestmd5.so.2.0.25.distrib" | cut -d' ' -f1)" = "$want" ] &&
    [ -L "$dir/libdigestmd5.so.distrib" ] && [ -L "$dir/libdigestmd5.so.2.distrib" ]
}

# ours_in_place: the file under the stock name is ours, byte for byte as our package has it,
# and libsasl2 loads it (the stock plugin has no setpass).
ours_in_place() {
  local sums want
  sums=/var/lib/dpkg/info/$pkg:$arch.md5sums
  [ -f "$sums" ] || sums=/var/lib/dpkg/info/$pkg.md5sums
  want=$(awk -v f="${dir#/}/libdigestmd5.so" '$2 == f { print $1 }' "$sums")
  [ -n "$want" ] && [ -f "$dir/libdigestmd5.so" ] && [ ! -L "$dir/libdigestmd5.so" ] &&
    [ "$(md5sum <"$dir/libdigestmd5.so" | cut -d' ' -f1)" = "$want" ] &&
    saslpluginviewer -m DIGEST-MD5 2>&1 | grep -q 'DIGEST-MD5, best SSF: 128, supports setpass: yes'
}

three_diversions() {
  local list
  list=$(dpkg-divert --list "$dir/libdigestmd5.so*")
  for f in "${names[@]}"; do
    printf '%s\n' "$list" | grep -qx "diversion of $dir/$f to $dir/$f.distrib by $pkg" || return 1
  done
}

ours_all_in_place() { three_diversions && ours_in_place && diverted_intact; }

purged() { ! dpkg-query -W "$pkg" >/dev/null 2>&1 && no_diversions && stock_intact; }

no_diversions() { [ -z "$(dpkg-divert --list "$dir/libdigestmd5.so*")" ] && ! ls "$dir"/*.distrib 2>/dev/null; }

restore_stock() {
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'installed\|config-files\|unpacked'; then
    dpkg --purge "$pkg" >/dev/null 2>&1
  fi
  if ! stock_intact; then
    echo "# restoring the stock plugin: apt-get install --reinstall libsasl2-modules"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --reinstall libsasl2-modules >/dev/null 2>&1
  fi
  stock_intact || echo "# WARNING: the stock DIGEST-MD5 plugin could not be restored"
  rm -f "$log"
}
trap restore_stock EXIT

[ "$(id -u)" -eq 0 ] || { echo "Bail out! the package test needs root"; exit 1; }
[ -f "$deb" ] || { echo "Bail out! no package at $deb"; exit 1; }
[ -x "$demo" ] || { echo "Bail out! no demo at $demo"; exit 1; }
restore_stock >/dev/null
log=$(mktemp)
stock_intact || { echo "Bail out! the stock plugin is not intact before the test"; exit 1; }

check "dpkg -i installs $(basename "$deb")" dpkg -i "$deb"
check "three diversions by $pkg: ${names[*]} -> *.distrib" three_diversions
check "saslpluginviewer (no -p) lists our plugin: setpass yes, SUPPORTS_HTTP" \
  sh -c "saslpluginviewer -m DIGEST-MD5 | grep -q 'supports setpass: yes' &&
         saslpluginviewer -m DIGEST-MD5 | grep -q 'features: PROXY_AUTHENTICATION|SUPPORTS_HTTP'"
check "the stock files wait under *.distrib, byte for byte" diverted_intact
check "the demo authenticates through $dir with our aes-cbc layer" \
  sh -c "'$demo' '$dir' | grep -q 'qop=auth-conf,cipher=aes-cbc' && '$demo' '$dir' | grep -q '(intact)'"
check "man -w digestmd5 finds the installed page" sh -c "man -w digestmd5 | grep -q '/usr/share/man/man5/digestmd5.5'"
check "dpkg -i again (ours upgraded in place)" dpkg -i "$deb"
check "  ... ours still in place, the diversions and the stock files intact" ours_all_in_place
check "apt-get install --reinstall libsasl2-modules" \
  env DEBIAN_FRONTEND=noninteractive apt-get install -y --reinstall libsasl2-modules
check "after reinstalling libsasl2-modules ours is still in place" ours_in_place
check "  ... and its new stock files went to *.distrib, intact" diverted_intact
check "dpkg -r removes ours" dpkg -r "$pkg"
check "the diversions are gone" no_diversions
check "the stock plugin is back byte for byte (dpkg's md5sums)" stock_intact
check "saslpluginviewer lists the stock plugin again (setpass no)" \
  sh -c "saslpluginviewer -m DIGEST-MD5 | grep -q 'supports setpass: no'"
check "the demo authenticates through $dir with the stock plugin" \
  sh -c "'$demo' '$dir' | grep -q '(intact)' && ! '$demo' '$dir' | grep -q 'cipher=aes-cbc'"
check "dpkg -i, then dpkg -P purges ours too" sh -c "dpkg -i '$deb' && dpkg -P '$pkg'"
check "after the purge: dpkg knows nothing of ours, no diversions, the stock plugin intact" purged
echo "1..$n"
exit $failed
