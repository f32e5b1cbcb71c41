// drivers/md/dm-stripe.c: chunks dealt round-robin over the stripes.
// stripe_map_sector: the target offset in chunks, chunk index modulo the
// number of stripes picks the device, the quotient is the chunk on it.

import type { Kernel } from '../kernel';
import { daxDirectAccess, daxRecoveryWrite, daxZeroPageRange, type DaxAccessMode } from '../dax/super';
import { EIO } from '../errno';
import { hex, PAGE_SECTORS, SECTOR_SIZE } from '../units';
import type { DmDev, StripeTarget } from './dm';

/** stripe_map_sector(sc, sector, &stripe, &result): result is relative to the stripe's physical_start */
export function stripeMapSector(ti: Pick<StripeTarget, 'begin' | 'chunk' | 'stripes'>, sector: number): { stripe: number; result: number } {
  let chunk = sector - ti.begin;
  const chunkOffset = chunk % ti.chunk;
  chunk = Math.floor(chunk / ti.chunk);
  const n = ti.stripes.length;
  const stripe = chunk % n;
  chunk = Math.floor(chunk / n);
  return { stripe, result: chunk * ti.chunk + chunkOffset };
}

/**
 * The inverse of stripe_map_sector: a sector of stripe `stripe`, relative
 * to its physical_start, back to the dm sector (dm-stripe has no ->rmap;
 * this is for addresses shown to the user and for tests).
 */
export function stripeUnmapSector(ti: Pick<StripeTarget, 'begin' | 'chunk' | 'stripes'>, stripe: number, result: number): number {
  const chunk = Math.floor(result / ti.chunk);
  const off = result % ti.chunk;
  return ti.begin + (chunk * ti.stripes.length + stripe) * ti.chunk + off;
}

/** stripe_dax_pgoff(ti, &pgoff) */
export function stripeDaxPgoff(ti: StripeTarget, pgoff: number): { dev: DmDev; pgoff: number } {
  const r = stripeMapSector(ti, pgoff * PAGE_SECTORS);
  const s = ti.stripes[r.stripe]!;
  return { dev: s.dev, pgoff: Math.floor((r.result + s.physicalStart) / PAGE_SECTORS) };
}

/** stripe_map for one clone (the bio never crosses a chunk: max_io_len is the chunk) */
export function stripeMap(k: Kernel, ti: StripeTarget, op: 'READ' | 'WRITE', sector: number, sectors: number): number {
  const r = stripeMapSector(ti, sector);
  const s = ti.stripes[r.stripe]!;
  const devSector = r.result + s.physicalStart;
  return k.tr.call('dm', 'stripe_map', { sector, stripe: r.stripe, dev: s.dev.name, dev_sector: devSector, sectors }, () => s.dev.bdev.submit(k, op, devSector, sectors * SECTOR_SIZE));
}

/** stripe_dax_direct_access */
export function stripeDaxDirectAccess(k: Kernel, ti: StripeTarget, pgoff: number, nrPages: number, mode: DaxAccessMode): { ret: number; pfn: number } {
  let pfn = -1;
  const at = stripeDaxPgoff(ti, pgoff);
  const ret = k.tr.call('dm', 'stripe_dax_direct_access', { pgoff: hex(pgoff), dev: at.dev.name, dev_pgoff: hex(at.pgoff), nr_pages: nrPages, mode }, () => {
    if (!at.dev.dax) return -EIO;
    const r = daxDirectAccess(k, at.dev.dax, at.pgoff, nrPages, mode);
    pfn = r.pfn;
    return r.ret;
  });
  return { ret, pfn };
}

/** stripe_dax_recovery_write */
export function stripeDaxRecoveryWrite(k: Kernel, ti: StripeTarget, pgoff: number, offInPage: number, bytes: number): number {
  const at = stripeDaxPgoff(ti, pgoff);
  return k.tr.call('dm', 'stripe_dax_recovery_write', { pgoff: hex(pgoff), dev: at.dev.name, dev_pgoff: hex(at.pgoff), bytes }, () =>
    at.dev.dax ? daxRecoveryWrite(k, at.dev.dax, at.pgoff, offInPage, bytes) : 0,
  );
}

/** stripe_dax_zero_page_range */
export function stripeDaxZeroPageRange(k: Kernel, ti: StripeTarget, pgoff: number, nrPages: number): number {
  const at = stripeDaxPgoff(ti, pgoff);
  return k.tr.call('dm', 'stripe_dax_zero_page_range', { pgoff: hex(pgoff), dev: at.dev.name, dev_pgoff: hex(at.pgoff), nr_pages: nrPages }, () =>
    at.dev.dax ? daxZeroPageRange(k, at.dev.dax, at.pgoff, nrPages) : -EIO,
  );
}
