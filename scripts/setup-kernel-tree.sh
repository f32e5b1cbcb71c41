#!/usr/bin/env bash
# Unpacks Debian's linux-source-6.12 at the release the project is pinned to
# (src/kernel/symbol-list.json: "version" and "debianVersion", the release the
# oracle boots and the web links name) into .cache/kernel/linux-source-6.12:
# the tree src/kernel/symbols.json is generated from and the symbol-table test
# checks against. The package is fetched with `apt-get download` and unpacked
# with `dpkg -x` (never installed, so a newer linux-source-6.12 on the host does
# not matter). Idempotent: a tree of the pinned release is left alone, a tree of
# another release is replaced. KERNEL_CACHE overrides the folder (.cache/kernel).
#   scripts/setup-kernel-tree.sh        6.12 (the default)
#   scripts/setup-kernel-tree.sh 6.1    linux-source-6.1 at the release src/kernel/releases.json pins
set -euo pipefail
cd "$(dirname "$0")/.."
series=${1:-6.12}
dest=${KERNEL_CACHE:-.cache/kernel}
tree=$dest/linux-source-$series
case $series in
  6.12)
    release=$(node -p 'require("./src/kernel/symbol-list.json").version')
    debver=$(node -p 'require("./src/kernel/symbol-list.json").debianVersion') ;;
  6.1)
    release=$(node -p 'require("./src/kernel/releases.json")["6.1"].version')
    debver=$(node -p 'require("./src/kernel/releases.json")["6.1"].debianVersion') ;;
  *) echo "setup-kernel-tree: unknown kernel series $series (expected 6.12 or 6.1)" >&2; exit 2 ;;
esac
makefile_release() {
  awk -F' *= *' '$1=="VERSION"{v=$2} $1=="PATCHLEVEL"{p=$2} $1=="SUBLEVEL"{s=$2} $1=="EXTRAVERSION"{e=$2}
    END{print v "." p "." s e}' "$1/Makefile"
}
if [ -f "$tree/Makefile" ]; then
  have=$(makefile_release "$tree")
  if [ "$have" = "$release" ]; then echo "kernel tree: $tree ($release)"; exit 0; fi
  echo "kernel tree: $tree is $have, the project is pinned to $release: replacing it" >&2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/kernel-src.XXXXXX")
trap 'rm -rf "$work"' EXIT
pkg="linux-source-$series=$debver"
fetch() { (cd "$work" && apt-get download "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true); }
fetch
if ! ls "$work"/linux-source-${series}_*.deb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq; fetch; fi
fi
deb=$(ls "$work"/linux-source-${series}_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
  echo "setup-kernel-tree: could not apt-get download $pkg (as root, apt-get update first; Debian's security archive keeps older releases)" >&2
  exit 1
fi
dpkg -x "$deb" "$work/pkg"
mkdir -p "$dest"
rm -rf "$tree.tmp"; mkdir -p "$tree.tmp"
# only the parts of the tree the symbol table names
s=linux-source-$series
tar -xJf "$work/pkg/usr/src/$s.tar.xz" -C "$tree.tmp" --strip-components=1 \
  $s/Makefile $s/mm $s/fs $s/drivers/nvdimm $s/drivers/dax $s/drivers/acpi $s/drivers/md \
  $s/drivers/cxl $s/arch/x86 $s/include $s/block $s/kernel $s/tools/testing/nvdimm $s/lib $s/drivers/base
got=$(makefile_release "$tree.tmp")
if [ "$got" != "$release" ]; then
  rm -rf "$tree.tmp"
  echo "setup-kernel-tree: $pkg unpacked as $got, not $release" >&2; exit 1
fi
rm -rf "$tree"; mv "$tree.tmp" "$tree"
echo "kernel tree: $tree ($release, Debian $debver)"
