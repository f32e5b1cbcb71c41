// The platform and its ACPI NFIT driver: persistent-memory regions in the
// system physical address space, the media's real errors, the firmware's
// error-injection list, Address Range Scrub (ARS) and the clear-error command
// (drivers/acpi/nfit/core.c; the platform side as nfit_test models it).
//
// What the media holds and what the kernel knows are kept apart on purpose:
// `media` is the truth, the bus `badrange` list and the badblocks tables are
// the kernel's view, filled only by ARS and by the machine-check notifier.

import { RangeSet } from '../intervals';
import type { Kernel } from '../kernel';
import type { RegionSpec } from '../scenario/types';
import { hex, alignDown, alignUp } from '../units';
import { BadBlocks } from '../nvdimm/badblocks';
import { nvdimmBusAddBadrange, nvdimmRegionNotify } from '../nvdimm/bus';
import { EOPNOTSUPP } from '../errno';
import type { Namespace } from '../nvdimm/namespace';

export class NdRegion {
  /** nd_region->bb: /sys/bus/nd/devices/regionN/badblocks, sectors from ndr_start */
  readonly bb = new BadBlocks();
  readonly namespaces: Namespace[] = [];
  constructor(
    readonly spec: RegionSpec,
    /** extension (docs/cxl.md): the CXL region this nd_region was created from (ND_REGION_CXL), null for an NFIT SPA range */
    readonly cxl: string | null = null,
  ) {}
  get id(): string {
    return this.spec.id;
  }
  get ndrStart(): number {
    return this.spec.spa;
  }
  get ndrSize(): number {
    return this.spec.size;
  }
  contains(spa: number, len = 1): boolean {
    return spa >= this.ndrStart && spa + len <= this.ndrStart + this.ndrSize;
  }
}

export class Platform {
  /** SPA byte ranges whose media really is bad */
  readonly media = new RangeSet();
  /** the firmware's error-injection list (ND_CMD_ARS_INJECT_SET records) */
  readonly injected = new RangeSet();
  /** struct nvdimm_bus badrange list, SPA bytes */
  readonly badrange = new RangeSet();
  constructor(readonly regions: NdRegion[]) {}

  regionOf(spa: number): NdRegion | undefined {
    return this.regions.find((r) => r.contains(spa));
  }

  /** a media error marks whole error granules bad */
  markMediaBad(region: NdRegion, spa: number, len: number): [number, number] {
    const g = region.spec.errorGranularity;
    const start = alignDown(spa, g);
    const end = alignUp(spa + len, g);
    this.media.add(start, end);
    return [start, end];
  }
}

/**
 * acpi_nfit_ars_rescan → the scrub work (ars_start, ars_get_status,
 * ars_status_process_records, ars_complete) for each region, or the one
 * asked for. ARS reports every bad media range of the region to the bus
 * badrange list and then asks the region to revalidate its poison, which
 * fills region and namespace badblocks. It never calls memory_failure and
 * never notifies a filesystem.
 */
export function acpiNfitArsRescan(k: Kernel, only?: NdRegion): number {
  // the NFIT driver scrubs only its own SPA ranges, never a CXL nd_region
  const regions = only ? [only] : k.platform.regions.filter((r) => !r.cxl);
  return k.tr.call('acpi', 'acpi_nfit_ars_rescan', { regions: regions.map((r) => r.id).join(',') }, () => {
    if (regions.every((r) => !r.spec.ars)) return -EOPNOTSUPP;
    for (const r of regions) {
      if (!r.spec.ars) continue;
      k.tr.call('acpi', 'ars_start', { region: r.id, spa: hex(r.ndrStart), len: hex(r.ndrSize) }, () => 0);
      const records = k.platform.media.query(r.ndrStart, r.ndrStart + r.ndrSize);
      k.tr.call('acpi', 'ars_status_process_records', { region: r.id, records: records.length }, () => {
        for (const [s, e] of records) nvdimmBusAddBadrange(k, s, e - s);
        return 0;
      });
      k.tr.call('acpi', 'ars_complete', { region: r.id }, () => {
        nvdimmRegionNotify(k, r, 'NVDIMM_REVALIDATE_POISON');
        return 0;
      });
    }
    return 0;
  });
}

/**
 * ND_CMD_ARS_INJECT_SET through acpi_nfit_ctl: the platform records an error
 * and its media reads as bad from now on. With ND_ARS_ERR_INJ_OPT_NOTIFY the
 * platform raises an ACPI uncorrectable-memory-error notification, and
 * acpi_nfit_uc_error_notify starts a rescan.
 */
export function arsInjectSet(k: Kernel, region: NdRegion, spa: number, len: number, notify: boolean): number {
  return k.tr.call('acpi', 'acpi_nfit_ctl', { cmd: 'ND_CMD_ARS_INJECT_SET', spa: hex(spa), len, notify }, () => {
    k.platform.injected.add(spa, spa + len);
    k.platform.markMediaBad(region, spa, len);
    if (notify) {
      k.tr.call('acpi', 'acpi_nfit_uc_error_notify', { region: region.id }, () => acpiNfitArsRescan(k, region));
    }
    return 0;
  });
}

/**
 * ND_CMD_ARS_INJECT_CLEAR: the platform forgets the injected error and the
 * media reads good again. The kernel's badrange list and badblocks are not
 * touched: they keep what an earlier scrub reported until a clear.
 */
export function arsInjectClear(k: Kernel, spa: number, len: number): number {
  return k.tr.call('acpi', 'acpi_nfit_ctl', { cmd: 'ND_CMD_ARS_INJECT_CLEAR', spa: hex(spa), len }, () => {
    k.platform.injected.remove(spa, spa + len);
    k.platform.media.remove(spa, spa + len);
    return 0;
  });
}

/**
 * nfit_handle_mce (drivers/acpi/nfit/mce.c), on the x86 MCE decode chain:
 * an uncorrectable memory error inside a persistent-memory SPA range adds
 * one error granule (1 << MCI_MISC_ADDR_LSB) to the bus badrange list and
 * revalidates the region's poison, which is how a consumed poison reaches
 * badblocks. With hw_error_scrub on it also starts a scrub of every region.
 * It never calls memory_failure(). An address that is not usable
 * (mce_usable_address(): a granule coarser than a page) is ignored.
 */
export function nfitHandleMce(k: Kernel, mceAddr: number, usable = true): void {
  const region = k.platform.regionOf(mceAddr);
  k.tr.call('acpi', 'nfit_handle_mce', usable ? { addr: hex(mceAddr) } : { addr: hex(mceAddr), usable }, () => {
    if (!usable) return 'NOTIFY_DONE';
    // no NFIT SPA range covers a CXL region: the notifier ignores it
    if (!region || region.cxl) return 'NOTIFY_DONE';
    const align = region.spec.errorGranularity;
    nvdimmBusAddBadrange(k, alignDown(mceAddr, align), align);
    nvdimmRegionNotify(k, region, 'NVDIMM_REVALIDATE_POISON');
    // hw_error_scrub = 1 (HW_ERROR_SCRUB_ON): rescan every SPA range of the
    // bus (acpi_nfit_ars_rescan(acpi_desc, ARS_REQ_SHORT), its -EBUSY
    // ignored); the lab's ARS reports every bad media range either way
    if (k.cfg.hwErrorScrub) acpiNfitArsRescan(k);
    return 'NOTIFY_OK';
  });
}
