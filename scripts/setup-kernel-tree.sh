#!/usr/bin/env bash
# Installs Debian's linux-source-6.12 and unpacks it into .cache/kernel, the
# local v6.12 tree that the symbol-table test checks against. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/kernel
if [ -f "$dest/linux-source-6.12/Makefile" ]; then echo "kernel tree: $dest/linux-source-6.12"; exit 0; fi
if [ ! -f /usr/src/linux-source-6.12.tar.xz ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-source-6.12 >/dev/null
  else
    echo "need root to apt-get install linux-source-6.12" >&2; exit 1
  fi
fi
mkdir -p "$dest"
# only the parts of the tree the symbol table names
tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$dest" \
  linux-source-6.12/Makefile linux-source-6.12/mm linux-source-6.12/fs linux-source-6.12/drivers/nvdimm \
  linux-source-6.12/drivers/dax linux-source-6.12/drivers/acpi linux-source-6.12/drivers/md \
  linux-source-6.12/drivers/cxl linux-source-6.12/arch/x86 linux-source-6.12/include linux-source-6.12/block \
  linux-source-6.12/kernel linux-source-6.12/tools/testing/nvdimm linux-source-6.12/lib linux-source-6.12/drivers/base
echo "kernel tree: $dest/linux-source-6.12"
