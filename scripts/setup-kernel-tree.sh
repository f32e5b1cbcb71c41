#!/usr/bin/env bash
# Unpacks Debian's linux-source-6.12 at the release the project is pinned to
# (src/kernel/symbol-list.json: "version" and "debianVersion", the release the
# oracle boots and the web links name) into .cache/kernel/linux-source-6.12:
# the tree src/kernel/symbols.json is generated from and the symbol-table test
# checks against. The package is fetched with `apt-get download` and unpacked
# with `dpkg -x` (never installed, so a newer linux-source-6.12 on the host does
# not matter). Idempotent: a tree of the pinned release is left alone, a tree of
# another release is replaced. KERNEL_CACHE overrides the folder (.cache/kernel).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${KERNEL_CACHE:-.cache/kernel}
tree=$dest/linux-source-6.12
release=$(node -p 'require("./src/kernel/symbol-list.json").version')
debver=$(node -p 'require("./src/kernel/symbol-list.json").debianVersion')
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
pkg="linux-source-6.12=$debver"
fetch() { (cd "$work" && apt-get download "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true); }
fetch
if ! ls "$work"/linux-source-6.12_*.deb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq; fetch; fi
fi
deb=$(ls "$work"/linux-source-6.12_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
  echo "setup-kernel-tree: could not apt-get download $pkg (as root, apt-get update first; Debian's security archive keeps older 6.12 releases)" >&2
  exit 1
fi
dpkg -x "$deb" "$work/pkg"
mkdir -p "$dest"
rm -rf "$tree.tmp"; mkdir -p "$tree.tmp"
# only the parts of the tree the symbol table names
tar -xJf "$work/pkg/usr/src/linux-source-6.12.tar.xz" -C "$tree.tmp" --strip-components=1 \
  linux-source-6.12/Makefile linux-source-6.12/mm linux-source-6.12/fs linux-source-6.12/drivers/nvdimm \
  linux-source-6.12/drivers/dax linux-source-6.12/drivers/acpi linux-source-6.12/drivers/md \
  linux-source-6.12/drivers/cxl linux-source-6.12/arch/x86 linux-source-6.12/include linux-source-6.12/block \
  linux-source-6.12/kernel linux-source-6.12/tools/testing/nvdimm linux-source-6.12/lib linux-source-6.12/drivers/base
got=$(makefile_release "$tree.tmp")
if [ "$got" != "$release" ]; then
  rm -rf "$tree.tmp"
  echo "setup-kernel-tree: $pkg unpacked as $got, not $release" >&2; exit 1
fi
rm -rf "$tree"; mv "$tree.tmp" "$tree"
echo "kernel tree: $tree ($release, Debian $debver)"
