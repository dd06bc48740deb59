#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# package.sh [OUTDIR]: build the Debian package libsasl2-modules-digestmd5 (debian/) from a clean
# copy of the tree with dpkg-buildpackage -b -us -uc, installing the build dependencies first,
# then run lintian on it. The .deb (and the .buildinfo/.changes) land in OUTDIR (default
# _build-deb/). The package test is tests/package/check_package.sh.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/_build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Build tools, then the Build-Depends of debian/control (all Debian packages).
packages=(dpkg-dev debhelper dh-autoreconf fakeroot lintian build-essential git
          libsasl2-dev libssl-dev pkgconf libcmocka-dev sasl2-bin groff-base)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "package.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y --no-install-recommends "${missing[@]}" ||
    { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends "${missing[@]}"; }
fi

# A clean tree: the committed files (or, outside git, the tree without build directories).
work=$(mktemp -d "${TMPDIR:-/tmp}/digestmd5-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/digestmd5-0.1.0
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$top" ls-files -z | (cd "$top" && xargs -0 cp --parents -t "$src")
else
  (cd "$top" && tar --exclude='./_build*' --exclude=./.git -cf - .) | tar -C "$src" -xf -
fi

echo "package.sh: dpkg-buildpackage -b -us -uc in $src"
if ! (cd "$src" && dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1); then
  tail -60 "$work/build.log"
  echo "package.sh: dpkg-buildpackage failed" >&2
  exit 1
fi
cp "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes "$out"/
deb=$(ls "$out"/libsasl2-modules-digestmd5_*.deb | tail -n 1)
echo "package.sh: built $deb"

# lintian: every tag either fixed or explained in debian/source/lintian-overrides or the
# package's overrides; any error or warning left fails the build.
if ! lintian --fail-on error,warning --info "$deb" "$out"/*.changes; then
  echo "package.sh: lintian reports problems" >&2
  exit 1
fi
echo "package.sh: lintian clean"
