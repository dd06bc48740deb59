#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# deps.sh: install the Debian packages the build, demo and tests need, only when missing.
set -euo pipefail

packages=(autoconf automake libtool pkg-config g++ make
          libsasl2-dev libsasl2-2 libsasl2-modules sasl2-bin libssl-dev openssl libcmocka-dev
          openjdk-17-jdk-headless slapd ldap-utils python3-ldap valgrind util-linux iproute2 clang libclang-rt-14-dev clang-tidy clang-format
          cyrus-caldav cyrus-common python3-requests curl apache2 apache2-utils lighttpd
          groff-base man-db debhelper dh-autoreconf lintian fakeroot
          cyrus-imapd cyrus-clients postfix swaks libauthen-sasl-perl libdigest-hmac-perl
          gsasl libgsasl-dev libsasl2-modules-db procps libldap-dev linux-perf
          libexttextcat-2.0-0 liblua5.4-0 libsodium23 libstemmer0d libicu72 libunwind8 libwrap0
          libtirpc3 libapparmor1 libcap2 liblz4-1 libzstd1 libpam0g)
if [ "${1:-}" = "--minimal" ]; then
  packages=(autoconf automake libtool pkg-config g++ make libsasl2-dev libsasl2-2
            libsasl2-modules libssl-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# No daemon (slapd, apache2, lighttpd, Cyrus) may start a system instance or ask questions: our
# tests run private ones. Where the machine has no policy-rc.d, one that refuses every start is
# in place for the install only.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# deps.sh: no service starts while test dependencies install\nexit 101\n' |
    $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
if ! $sudo apt-get install -y --no-install-recommends "${missing[@]}"; then
  $sudo apt-get update
  $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
