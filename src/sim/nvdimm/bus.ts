// drivers/nvdimm/bus.c and badrange.c: the bus-wide list of bad SPA ranges,
// its conversion into badblocks tables, and the clear-error command.

import type { Kernel } from '../kernel';
import type { NdRegion } from '../platform/acpi-nfit';
import type { BadBlocks } from './badblocks';
import { hex, isPowerOfTwo, SECTOR_SIZE } from '../units';
import { ENOTTY, ENXIO } from '../errno';

/** nvdimm_bus_add_badrange(bus, addr, length) → badrange_add */
export function nvdimmBusAddBadrange(k: Kernel, spa: number, len: number): number {
  return k.tr.call('nvdimm', 'nvdimm_bus_add_badrange', { addr: hex(spa), length: len }, () => {
    k.platform.badrange.add(spa, spa + len);
    return 0;
  });
}

/** badrange_forget(badrange, start, len): trim, split or drop entries */
export function badrangeForget(k: Kernel, spa: number, len: number): void {
  k.tr.call('nvdimm', 'badrange_forget', { start: hex(spa), len }, () => {
    k.platform.badrange.remove(spa, spa + len);
  });
}

/**
 * __add_badblock_range: a byte range relative to the table's start becomes
 * whole sectors, the start rounded down and the end up.
 */
export function addBadblockRange(bb: BadBlocks, offset: number, len: number, failed?: (sector: number) => void): void {
  const startSector = Math.floor(offset / SECTOR_SIZE);
  const endSector = Math.ceil((offset + len) / SECTOR_SIZE);
  // set_badblock: a full table is not an error ("the hardware will still throw an exception")
  if (!bb.set(startSector, endSector - startSector) && failed) failed(startSector);
}

/** set_badblock's dev_info_once: one line per boot, whichever table fails first */
const setBadblockFailed = new WeakSet<Kernel>();

/**
 * nvdimm_badblocks_populate(nd_region, bb, range): every badrange entry that
 * meets [range.start, range.end] (SPA, inclusive end) is added to bb, in
 * sectors from range.start.
 */
export function nvdimmBadblocksPopulate(k: Kernel, region: NdRegion, bb: BadBlocks, rangeStart: number, rangeEnd: number, who: string, dev = `nd_region ${region.id}`): void {
  k.tr.call('nvdimm', 'nvdimm_badblocks_populate', { region: region.id, bb: who, start: hex(rangeStart), end: hex(rangeEnd) }, () => {
    const failed = (sector: number): void => {
      if (setBadblockFailed.has(k)) return;
      setBadblockFailed.add(k);
      k.log(`${dev}: set_badblock: failed for sector ${sector.toString(16)}`);
    };
    for (const [s, e] of k.platform.badrange.query(rangeStart, rangeEnd + 1)) addBadblockRange(bb, s - rangeStart, e - s, failed);
  });
}

/**
 * nvdimm_region_notify(nd_region, NVDIMM_REVALIDATE_POISON) → the region
 * driver's nd_region_notify repopulates the region's own badblocks, then
 * notifies each child (a bound pmem namespace runs pmem_revalidate_poison).
 */
export function nvdimmRegionNotify(k: Kernel, region: NdRegion, event: 'NVDIMM_REVALIDATE_POISON'): void {
  k.tr.call('nvdimm', 'nd_region_notify', { region: region.id, event }, () => {
    nvdimmBadblocksPopulate(k, region, region.bb, region.ndrStart, region.ndrStart + region.ndrSize - 1, region.id);
    for (const ns of region.namespaces) ns.notify(k, event);
  });
}

/**
 * nvdimm_clear_poison(dev, phys, len): ND_CMD_ARS_CAP for the clear unit
 * (a misaligned request is -ENXIO), ND_CMD_CLEAR_ERROR to the platform,
 * which heals the media, then nvdimm_account_cleared_poison. Returns the
 * bytes cleared.
 */
export function nvdimmClearPoison(k: Kernel, region: NdRegion, phys: number, len: number): number {
  return k.tr.call('nvdimm', 'nvdimm_clear_poison', { phys: hex(phys), len }, () => {
    const unit = region.spec.clearUnit;
    // a platform without Address Range Scrub (QEMU's NVDIMM) rejects the
    // capability command, and nothing can be cleared
    const capRc = k.tr.call('acpi', 'acpi_nfit_ctl', { cmd: 'ND_CMD_ARS_CAP', address: hex(phys), length: len }, () => (region.spec.ars ? unit : -ENOTTY));
    if (capRc < 0) return capRc;
    if (!capRc || !isPowerOfTwo(unit)) return -ENXIO;
    if (phys % unit !== 0 || len % unit !== 0) return -ENXIO;
    const cleared = k.tr.call('acpi', 'acpi_nfit_ctl', { cmd: 'ND_CMD_CLEAR_ERROR', address: hex(phys), length: len }, () => {
      k.platform.media.remove(phys, phys + len);
      k.platform.injected.remove(phys, phys + len);
      return len;
    });
    nvdimmAccountClearedPoison(k, phys, cleared);
    return cleared;
  });
}

/** nvdimm_account_cleared_poison: forget the badrange, and clear whole sectors in the region badblocks */
function nvdimmAccountClearedPoison(k: Kernel, phys: number, cleared: number): void {
  k.tr.call('nvdimm', 'nvdimm_account_cleared_poison', { phys: hex(phys), cleared }, () => {
    if (cleared > 0) badrangeForget(k, phys, cleared);
    if (cleared > 0 && Math.floor(cleared / SECTOR_SIZE)) {
      k.tr.call('nvdimm', 'nvdimm_clear_badblocks_regions', { phys: hex(phys), cleared }, () => {
        for (const r of k.platform.regions) {
          if (phys < r.ndrStart || phys + cleared - 1 > r.ndrStart + r.ndrSize - 1) continue;
          r.bb.clear(Math.floor((phys - r.ndrStart) / SECTOR_SIZE), Math.floor(cleared / SECTOR_SIZE));
        }
      });
    }
  });
}
