// drivers/dax/super.c: struct dax_device, its one holder, and the entry
// points the filesystem and the memory-failure code call.

import type { Kernel } from '../kernel';
import { mfFlagsName } from '../kernel';
import { EINVAL, ENXIO, EOPNOTSUPP, ERANGE } from '../errno';
import { hex, U64_MAX } from '../units';

export type DaxAccessMode = 'DAX_ACCESS' | 'DAX_RECOVERY_WRITE';

/** struct dax_operations */
export interface DaxOperations {
  /** returns pages available at pgoff (> 0) or a negative errno; pfn of pgoff */
  direct_access(k: Kernel, dax: DaxDevice, pgoff: number, nrPages: number, mode: DaxAccessMode): { ret: number; pfn: number };
  /** bytes written; 0 when the driver refuses */
  recovery_write?(k: Kernel, dax: DaxDevice, pgoff: number, offInPage: number, bytes: number): number;
  zero_page_range(k: Kernel, dax: DaxDevice, pgoff: number, nrPages: number): number;
}

/** struct dax_holder_operations */
export interface DaxHolderOperations {
  /** the symbol the holder registered, for the trace */
  name: string;
  notify_failure(k: Kernel, dax: DaxDevice, offset: number, len: number, mfFlags: number): number;
}

export class DaxDevice {
  /** DAXDEV_ALIVE */
  alive = true;
  holderData: unknown = null;
  holderOps: DaxHolderOperations | null = null;
  constructor(
    readonly name: string,
    readonly ops: DaxOperations,
    /** the driver's private data (dax_get_private) */
    readonly priv: unknown,
    /** a device-dax character device (never held by a filesystem) */
    readonly charDev = false,
  ) {}
}

/**
 * fs_dax_get_by_bdev(bdev, &start_off, holder, ops): look up the disk's dax
 * device and, when a holder is given, claim it. There is one holder per dax
 * device: a second claimant gets NULL. ext4 and device-mapper pass no holder.
 */
export function fsDaxGetByBdev(k: Kernel, dax: DaxDevice | null, bdevName: string, holder: unknown, ops: DaxHolderOperations | null): DaxDevice | null {
  return k.tr.call(
    'dax',
    'fs_dax_get_by_bdev',
    { bdev: bdevName, holder: holder ? 'yes' : 'NULL', ops: ops ? ops.name : 'NULL' },
    () => {
      if (!dax || !dax.alive) return null;
      if (holder) {
        if (dax.holderData !== null) return null;
        dax.holderData = holder;
        dax.holderOps = ops;
      }
      return dax;
    },
    (r) => (r ? r.name : 'NULL'),
  );
}

/** fs_put_dax(dax_dev, holder): release the claim */
export function fsPutDax(k: Kernel, dax: DaxDevice, holder: unknown): void {
  k.tr.call('dax', 'fs_put_dax', { dax: dax.name }, () => {
    if (dax.holderData === holder) {
      dax.holderData = null;
      dax.holderOps = null;
    }
  });
}

/**
 * dax_holder_notify_failure(dax_dev, off, len, mf_flags): -ENXIO when the
 * device is dead, -EOPNOTSUPP when nobody holds it (the caller falls back to
 * the generic page->mapping handler), else the holder's notify_failure.
 */
export function daxHolderNotifyFailure(k: Kernel, dax: DaxDevice, off: number, len: number, mfFlags: number): number {
  return k.tr.call('dax', 'dax_holder_notify_failure', { dax: dax.name, off: hex(off), len: len === U64_MAX ? hex(len) : len, mf_flags: mfFlagsName(mfFlags) }, () => {
    if (!dax.alive) {
      k.why.note({ kind: 'no-holder', dax: dax.name, ret: '-ENXIO', span: k.why.span });
      return -ENXIO;
    }
    if (!dax.holderOps) {
      k.why.note({ kind: 'no-holder', dax: dax.name, ret: '-EOPNOTSUPP', span: k.why.span });
      return -EOPNOTSUPP;
    }
    return dax.holderOps.notify_failure(k, dax, off, len, mfFlags);
  });
}

/**
 * kill_dax(dax_dev): a held device first tells its holder, with one ranged
 * call over the whole device (0, U64_MAX, MF_MEM_PRE_REMOVE); then it is
 * marked dead and the holder dropped.
 */
export function killDax(k: Kernel, dax: DaxDevice, preRemove: (dax: DaxDevice) => void = (d) => void daxHolderNotifyFailure(k, d, 0, U64_MAX, 1 << 7)): void {
  k.tr.call('dax', 'kill_dax', { dax: dax.name }, () => {
    if (dax.holderData !== null) preRemove(dax);
    else if (!dax.charDev && dax.alive) k.why.note({ kind: 'unheld-removal', dax: dax.name, held: false, span: k.why.span });
    dax.alive = false;
    dax.holderOps = null;
    dax.holderData = null;
  });
}

/**
 * dax_direct_access(dax_dev, pgoff, nr_pages, mode, &kaddr, &pfn): pages
 * available at pgoff, or -ENXIO on a dead device; 0 from the driver is
 * -ERANGE.
 */
export function daxDirectAccess(k: Kernel, dax: DaxDevice, pgoff: number, nrPages: number, mode: DaxAccessMode): { ret: number; pfn: number } {
  let pfn = -1;
  const ret = k.tr.call('dax', 'dax_direct_access', { dax: dax.name, pgoff: hex(pgoff), nr_pages: nrPages, mode }, () => {
    if (!dax.alive) return -ENXIO;
    if (nrPages < 0) return -EINVAL;
    const r = dax.ops.direct_access(k, dax, pgoff, nrPages, mode);
    pfn = r.pfn;
    if (r.ret < 0) return r.ret;
    if (r.ret === 0) return -ERANGE;
    return Math.min(r.ret, nrPages);
  });
  return { ret, pfn };
}

/** dax_recovery_write(): 0 when the driver has no recovery_write */
export function daxRecoveryWrite(k: Kernel, dax: DaxDevice, pgoff: number, offInPage: number, bytes: number): number {
  return k.tr.call('dax', 'dax_recovery_write', { dax: dax.name, pgoff: hex(pgoff), bytes }, () => {
    if (!dax.ops.recovery_write) return 0;
    return dax.ops.recovery_write(k, dax, pgoff, offInPage, bytes);
  });
}

/** dax_zero_page_range() */
export function daxZeroPageRange(k: Kernel, dax: DaxDevice, pgoff: number, nrPages: number): number {
  return k.tr.call('dax', 'dax_zero_page_range', { dax: dax.name, pgoff: hex(pgoff), nr_pages: nrPages }, () => {
    if (!dax.alive) return -ENXIO;
    return dax.ops.zero_page_range(k, dax, pgoff, nrPages);
  });
}

