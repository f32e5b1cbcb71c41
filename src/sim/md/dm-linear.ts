// drivers/md/dm-linear.c: one contiguous run of an underlying device.
// A dm sector s of the target maps to lc->start + (s - ti->begin); DAX
// page offsets go through the same sector math (linear_dax_pgoff), so a
// table that is not page-aligned on the device maps whole pages the way
// the kernel does: by truncating the sector to its page.

import type { Kernel } from '../kernel';
import { daxDirectAccess, daxRecoveryWrite, daxZeroPageRange, type DaxAccessMode } from '../dax/super';
import { EIO } from '../errno';
import { hex, PAGE_SECTORS, SECTOR_SIZE } from '../units';
import type { LinearTarget } from './dm';

/** linear_map_sector(ti, sector) */
export function linearMapSector(ti: LinearTarget, sector: number): number {
  return ti.start + (sector - ti.begin);
}

/** linear_dax_pgoff(ti, &pgoff): the device's pgoff (get_start_sect is 0: whole disks, no partitions) */
export function linearDaxPgoff(ti: LinearTarget, pgoff: number): number {
  return Math.floor(linearMapSector(ti, pgoff * PAGE_SECTORS) / PAGE_SECTORS);
}

/** linear_map for one clone: remap the sector and submit it to the device */
export function linearMap(k: Kernel, ti: LinearTarget, op: 'READ' | 'WRITE', sector: number, sectors: number): number {
  const devSector = linearMapSector(ti, sector);
  return k.tr.call('dm', 'linear_map', { sector, dev: ti.dev.name, dev_sector: devSector, sectors }, () => ti.dev.bdev.submit(k, op, devSector, sectors * SECTOR_SIZE));
}

/** linear_dax_direct_access */
export function linearDaxDirectAccess(k: Kernel, ti: LinearTarget, pgoff: number, nrPages: number, mode: DaxAccessMode): { ret: number; pfn: number } {
  let pfn = -1;
  const devPgoff = linearDaxPgoff(ti, pgoff);
  const ret = k.tr.call('dm', 'linear_dax_direct_access', { pgoff: hex(pgoff), dev: ti.dev.name, dev_pgoff: hex(devPgoff), nr_pages: nrPages, mode }, () => {
    if (!ti.dev.dax) return -EIO;
    const r = daxDirectAccess(k, ti.dev.dax, devPgoff, nrPages, mode);
    pfn = r.pfn;
    return r.ret;
  });
  return { ret, pfn };
}

/** linear_dax_recovery_write */
export function linearDaxRecoveryWrite(k: Kernel, ti: LinearTarget, pgoff: number, offInPage: number, bytes: number): number {
  const devPgoff = linearDaxPgoff(ti, pgoff);
  return k.tr.call('dm', 'linear_dax_recovery_write', { pgoff: hex(pgoff), dev: ti.dev.name, dev_pgoff: hex(devPgoff), bytes }, () =>
    ti.dev.dax ? daxRecoveryWrite(k, ti.dev.dax, devPgoff, offInPage, bytes) : 0,
  );
}

/** linear_dax_zero_page_range */
export function linearDaxZeroPageRange(k: Kernel, ti: LinearTarget, pgoff: number, nrPages: number): number {
  const devPgoff = linearDaxPgoff(ti, pgoff);
  return k.tr.call('dm', 'linear_dax_zero_page_range', { pgoff: hex(pgoff), dev: ti.dev.name, dev_pgoff: hex(devPgoff), nr_pages: nrPages }, () =>
    ti.dev.dax ? daxZeroPageRange(k, ti.dev.dax, devPgoff, nrPages) : -EIO,
  );
}

/**
 * The corrupted-range proposal's linear_rmap (v3 08/11): a sector of the
 * underlying device back to the dm sector, offset - (lc->start - ti->begin).
 */
export function linearRmap(k: Kernel, ti: LinearTarget, devSector: number): number {
  return k.tr.call('dm', 'linear_rmap', { dev: ti.dev.name, dev_sector: devSector }, () => devSector - ti.start + ti.begin);
}
