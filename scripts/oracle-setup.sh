#!/usr/bin/env bash
# Installs what the kernel oracle needs, from Debian's packages only, and
# extracts Debian's 6.12.117 kernel image into .cache/oracle/kernel (never
# installed on the host). Idempotent: does nothing when everything is there.
#   scripts/oracle-setup.sh 6.1   extracts Debian's 6.1 image instead (the one
#   src/kernel/releases.json pins: linux-image-6.1.0-57-amd64-unsigned) into
#   .cache/oracle/kernel-6.1
#   QEMU, busybox, ndctl, xfsprogs, e2fsprogs, kmod, cpio, gcc + libc6-dev
#   (the static guest program), xz-utils (the modules are .ko.xz), dmsetup
#   (device-mapper tables in the guest).
set -euo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/.."
KVER=6.12.117+deb12-amd64
PKG=linux-image-${KVER}-unsigned
CACHE=.cache/oracle
KDIR=kernel
case "${1:-6.12}" in
  6.12) ;;
  6.1)
    KVER=$(node -e 'process.stdout.write(require("./src/kernel/releases.json")["6.1"].kver)')
    PKG=$(node -e 'process.stdout.write(require("./src/kernel/releases.json")["6.1"].imagePackage)')
    KDIR=kernel-6.1 ;;
  *) echo "oracle-setup: unknown kernel version $1 (6.1 or 6.12)" >&2; exit 2 ;;
esac
need=()
for pair in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static ndctl:ndctl mkfs.xfs:xfsprogs \
            mke2fs:e2fsprogs depmod:kmod cpio:cpio gcc:gcc xz:xz-utils dmsetup:dmsetup; do
  bin=${pair%%:*}; pkg=${pair#*:}
  command -v "$bin" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$bin" >/dev/null 2>&1 || need+=("$pkg")
done
# busybox-static specifically (a dynamic busybox would need its libc in the guest)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || need+=(libc6-dev)
updated=0
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "oracle-setup: need root to apt-get install ${need[*]}" >&2; exit 1; }
  echo "oracle-setup: installing ${need[*]}" >&2
  apt-get update -qq; updated=1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
mkdir -p "$CACHE"
if [ ! -f "$CACHE/$KDIR/boot/vmlinuz-$KVER" ]; then
  deb=$(ls "$CACHE"/${PKG}_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    [ $updated = 1 ] || apt-get update -qq
    echo "oracle-setup: downloading $PKG" >&2
    (cd "$CACHE" && apt-get download "$PKG" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
    deb=$(ls "$CACHE"/${PKG}_*.deb | head -1)
  fi
  rm -rf "$CACHE/$KDIR.tmp"
  dpkg -x "$deb" "$CACHE/$KDIR.tmp"
  depmod -b "$CACHE/$KDIR.tmp" "$KVER"
  rm -rf "$CACHE/$KDIR"; mv "$CACHE/$KDIR.tmp" "$CACHE/$KDIR"
fi
echo "oracle-setup: ok ($CACHE/$KDIR/boot/vmlinuz-$KVER)" >&2
