// drivers/nvdimm/pmem.c: the pmem block driver, its dax device and its
// dev_pagemap. Units: `offset` is bytes from the namespace start (pmem_off,
// includes data_offset), `sector` is 512-byte sectors from the data start
// (what /sys/block/pmemX/badblocks counts), `pgoff` is pages from the data
// start (the dax device's own unit).

import type { Kernel } from '../kernel';
import { mfFlagsName } from '../kernel';
import { BadBlocks } from './badblocks';
import { nvdimmBadblocksPopulate, nvdimmClearPoison } from './bus';
import type { NdRegion } from '../platform/acpi-nfit';
import type { NamespaceSpec } from '../scenario/types';
import { DaxDevice, daxHolderNotifyFailure, killDax, type DaxAccessMode, type DaxOperations } from '../dax/super';
import { DevPagemap } from '../mm/memremap';
import { EHWPOISON, EIO, EOPNOTSUPP } from '../errno';
import { sinceVersion } from '../version';
import { hex, PAGE_SIZE, SECTOR_SIZE, PFN_PHYS, alignUp } from '../units';
import { machineCheckKernelCopy } from '../arch/mce';

export class PmemDevice {
  /** /sys/block/pmemX/badblocks, sectors from the data start */
  readonly bb = new BadBlocks();
  readonly dax: DaxDevice;
  readonly pgmap: DevPagemap | null;
  /** the gendisk is live (del_gendisk not yet run) */
  diskAlive = true;
  /** the corrupted-range design: the bdev holder's ->corrupted_range (a superblock's s_op) */
  holderCorruptedRange: ((k: Kernel, offset: number, len: number, mfFlags: number) => number) | null = null;
  /** called by del_gendisk → fs_bdev_mark_dead for the filesystem on top */
  onMarkDead: ((k: Kernel) => void) | null = null;

  constructor(
    readonly name: string,
    readonly spec: NamespaceSpec,
    readonly region: NdRegion,
  ) {
    this.dax = new DaxDevice(name, pmemDaxOps, this);
    // fsdax (a pfn info block, pages in ZONE_DEVICE) gets a dev_pagemap with
    // fsdax_pagemap_ops; raw mode has no struct pages at all.
    this.pgmap =
      spec.mode === 'fsdax'
        ? new DevPagemap(
            'MEMORY_DEVICE_FS_DAX',
            this.physAddr / PAGE_SIZE,
            (this.physAddr + spec.size) / PAGE_SIZE,
            (this.physAddr + this.dataOffset) / PAGE_SIZE,
            { memory_failure: pmemPagemapMemoryFailure, corrupted_range_v3: pmemPgmapMemoryFailureV3 },
            this,
          )
        : null;
  }

  /** pmem->phys_addr: the namespace's first byte in SPA */
  get physAddr(): number {
    return this.region.spec.spa + this.spec.offset;
  }
  /** pmem->data_offset */
  get dataOffset(): number {
    return this.spec.dataOffset;
  }
  /** first SPA byte of the block device's sector 0 */
  get dataStart(): number {
    return this.physAddr + this.dataOffset;
  }
  /** bytes the block device exposes */
  get dataSize(): number {
    return this.spec.size - this.dataOffset;
  }
  /** has struct pages: DAX is possible */
  get hasPages(): boolean {
    return this.pgmap !== null;
  }
  /** to_sect(pmem, offset) */
  toSect(offset: number): number {
    return (offset - this.dataOffset) / SECTOR_SIZE;
  }
  /** to_offset(pmem, sector) */
  toOffset(sector: number): number {
    return sector * SECTOR_SIZE + this.dataOffset;
  }
}

function pmemOf(dax: DaxDevice): PmemDevice {
  return dax.priv as PmemDevice;
}

/** is_bad_pmem(bb, sector, len) */
export function isBadPmem(bb: BadBlocks, sector: number, len: number): boolean {
  return bb.count > 0 && bb.check(sector, Math.ceil(len / SECTOR_SIZE)).rc !== 0;
}

/**
 * pmem_pagemap_memory_failure(pgmap, pfn, nr_pages, mf_flags): the pfn
 * becomes a byte offset on the dax device, and the dax device's holder is
 * told.
 */
export function pmemPagemapMemoryFailure(k: Kernel, pgmap: DevPagemap, pfn: number, nrPages: number, mfFlags: number): number {
  const pmem = pgmap.owner as PmemDevice;
  return k.tr.call('pmem', 'pmem_pagemap_memory_failure', { pfn: hex(pfn), nr_pages: nrPages, mf_flags: mfFlagsName(mfFlags) }, () => {
    const offset = PFN_PHYS(pfn) - pmem.physAddr - pmem.dataOffset;
    const len = nrPages * PAGE_SIZE;
    return daxHolderNotifyFailure(k, pmem.dax, offset, len, mfFlags);
  });
}

/**
 * The corrupted-range proposal (v3): pmem_pgmap_memory_failure turns the pfn
 * into a disk offset and calls the gendisk's ->corrupted_range, which finds
 * the block device and hands the range to its holder's ->corrupted_range.
 * No holder that implements it is -EOPNOTSUPP: the generic handler runs.
 */
function pmemPgmapMemoryFailureV3(k: Kernel, pgmap: DevPagemap, pfn: number, nrPages: number, mfFlags: number): number {
  const pmem = pgmap.owner as PmemDevice;
  return k.tr.call('pmem', 'pmem_pgmap_memory_failure', { pfn: hex(pfn), mf_flags: mfFlagsName(mfFlags) }, () => {
    const diskOffset = PFN_PHYS(pfn) - pmem.dataStart;
    const len = nrPages * PAGE_SIZE;
    return k.tr.call('pmem', 'pmem_corrupted_range', { disk: pmem.name, disk_offset: hex(diskOffset), len }, () =>
      k.tr.call('block', 'bd_corrupted_range', { bdev: pmem.name, offset: hex(diskOffset), len }, () => {
        if (pmem.holderCorruptedRange) return pmem.holderCorruptedRange(k, diskOffset, len, mfFlags);
        k.why.note({ kind: 'no-holder', dax: pmem.name, ret: '-EOPNOTSUPP', span: k.why.span });
        return -EOPNOTSUPP;
      }),
    );
  });
}

/**
 * __pmem_direct_access(pmem, pgoff, nr_pages, mode): a range holding a
 * known bad sector is -EHWPOISON, except in recovery-write mode, where the
 * driver hands out the pages before the first bad sector, or the bad page
 * alone when it is the first.
 */
function pmemDirectAccess(k: Kernel, dax: DaxDevice, pgoff: number, nrPages: number, mode: DaxAccessMode): { ret: number; pfn: number } {
  const pmem = pmemOf(dax);
  const offset = PFN_PHYS(pgoff) + pmem.dataOffset;
  const pfn = (pmem.physAddr + offset) / PAGE_SIZE;
  const ret = k.tr.call('pmem', '__pmem_direct_access', { pgoff: hex(pgoff), nr_pages: nrPages, mode }, () => {
    const sector = PFN_PHYS(pgoff) / SECTOR_SIZE;
    const num = PFN_PHYS(nrPages) / SECTOR_SIZE;
    if (pmem.bb.count) {
      const c = pmem.bb.check(sector, num);
      if (c.rc) {
        // 6.1 says -EIO here; -EHWPOISON came with dax_mem2blk_err in "dax:
        // enable dax fault handler to report VM_FAULT_HWPOISON" (1ea7ca1b0901, 6.5)
        if (mode !== 'DAX_RECOVERY_WRITE') return sinceVersion(k.cfg, '6.5') ? -EHWPOISON : -EIO;
        const actual = alignUp((c.firstBad - sector) * SECTOR_SIZE, PAGE_SIZE) / PAGE_SIZE;
        return actual || 1;
      }
      return nrPages;
    }
    return Math.floor((pmem.dataSize - PFN_PHYS(pgoff)) / PAGE_SIZE);
  });
  return { ret, pfn };
}

/**
 * pmem_recovery_write(dax_dev, pgoff, addr, bytes, iter): over a known bad
 * range only a write of whole pages from a page boundary clears the poison
 * (firmware clears are page-strided); anything else writes nothing.
 */
function pmemRecoveryWrite(k: Kernel, dax: DaxDevice, pgoff: number, off: number, bytes: number): number {
  const pmem = pmemOf(dax);
  return k.tr.call('pmem', 'pmem_recovery_write', { pgoff: hex(pgoff), off, bytes }, () => {
    const len = PFN_PHYS(Math.ceil((off + bytes) / PAGE_SIZE));
    if (!isBadPmem(pmem.bb, PFN_PHYS(pgoff) / SECTOR_SIZE, len)) return bytes; // _copy_from_iter_flushcache
    // dev_dbg "Found poison, but addr or bytes not page aligned": not in dmesg by default
    if (off || bytes % PAGE_SIZE) return 0;
    const pmemOff = PFN_PHYS(pgoff) + pmem.dataOffset;
    const cleared = pmemClearPoisonRaw(k, pmem, pmemOff, len);
    if (cleared < len) return 0;
    // the data is copied in first, the namespace badblocks cleared after, so
    // a racing read keeps seeing EIO until the good data is there
    pmemClearBb(k, pmem, pmem.toSect(pmemOff), cleared / SECTOR_SIZE);
    return bytes;
  });
}

/**
 * __pmem_clear_poison(pmem, offset, len): the platform clear, then the
 * pages become present again (PageHWPoison cleared, direct map restored).
 */
function pmemClearPoisonRaw(k: Kernel, pmem: PmemDevice, offset: number, len: number): number {
  return k.tr.call('pmem', '__pmem_clear_poison', { offset: hex(offset), len }, () => {
    const phys = pmem.physAddr + offset;
    const cleared = nvdimmClearPoison(k, pmem.region, phys, len);
    if (cleared > 0) pmemMkpagePresent(k, pmem, offset, cleared);
    return cleared;
  });
}

/** pmem_mkpage_present: clear PageHWPoison and clear_mce_nospec for each cleared pfn */
function pmemMkpagePresent(k: Kernel, pmem: PmemDevice, offset: number, len: number): void {
  const first = (pmem.physAddr + offset) / PAGE_SIZE;
  const last = Math.ceil((pmem.physAddr + offset + len) / PAGE_SIZE);
  k.tr.call('pmem', 'pmem_mkpage_present', { pfn: hex(first), nr: last - first }, () => {
    for (const [s, e] of k.hwpoison.query(Math.floor(first), last)) {
      k.hwpoison.remove(s, e);
      if (k.nospec.overlaps(s, e)) {
        k.tr.call('mm', 'clear_mce_nospec', { pfn: hex(s), nr: e - s }, () => k.nospec.remove(s, e));
      }
    }
  });
}

/** pmem_clear_bb(pmem, sector, blks) */
function pmemClearBb(k: Kernel, pmem: PmemDevice, sector: number, blks: number): void {
  k.tr.call('pmem', 'pmem_clear_bb', { sector, blks }, () => {
    if (blks > 0) pmem.bb.clear(sector, blks);
  });
}

/** pmem_clear_poison(pmem, offset, len): the block path's clear; BLK_STS_IOERR as -EIO */
export function pmemClearPoison(k: Kernel, pmem: PmemDevice, offset: number, len: number): number {
  return k.tr.call('pmem', 'pmem_clear_poison', { offset: hex(offset), len }, () => {
    const cleared = pmemClearPoisonRaw(k, pmem, offset, len);
    if (cleared < 0) return -EIO;
    pmemClearBb(k, pmem, pmem.toSect(offset), Math.floor(cleared / SECTOR_SIZE));
    if (cleared < len) return -EIO;
    return 0;
  });
}

/**
 * pmem_do_read(pmem, page, off, sector, len): a known bad sector fails the
 * bio; otherwise the copy is machine-check safe (copy_mc_to_kernel), and
 * poison nobody knew about fails it too, after the machine check has been
 * reported.
 */
export function pmemDoRead(k: Kernel, pmem: PmemDevice, sector: number, len: number): number {
  return k.tr.call('pmem', 'pmem_do_read', { sector, len }, () => {
    if (isBadPmem(pmem.bb, sector, len)) return -EIO;
    const spa = pmem.dataStart + sector * SECTOR_SIZE;
    const bad = k.platform.media.firstIn(spa, spa + len);
    if (bad) {
      machineCheckKernelCopy(k, bad[0]);
      return -EIO;
    }
    return 0;
  });
}

/** pmem_do_write(pmem, page, off, sector, len): a write over known bad sectors clears them first */
export function pmemDoWrite(k: Kernel, pmem: PmemDevice, sector: number, len: number): number {
  return k.tr.call('pmem', 'pmem_do_write', { sector, len }, () => {
    const pmemOff = pmem.toOffset(sector);
    if (isBadPmem(pmem.bb, sector, len)) {
      const rc = pmemClearPoison(k, pmem, pmemOff, len);
      if (rc) return rc;
    }
    // write_pmem (memcpy_flushcache): stores do not consume poison
    return 0;
  });
}

/**
 * pmem_submit_bio for one segment: the block layer entry used by O_DIRECT on
 * /dev/pmemX, filesystem metadata I/O and ndctl clear-errors.
 */
export function pmemSubmitBio(k: Kernel, pmem: PmemDevice, op: 'READ' | 'WRITE', sector: number, len: number): number {
  return k.tr.call('block', 'pmem_submit_bio', { disk: pmem.name, op, sector, len }, () => {
    if (!pmem.diskAlive) return -EIO;
    return op === 'READ' ? pmemDoRead(k, pmem, sector, len) : pmemDoWrite(k, pmem, sector, len);
  });
}

/** pmem_dax_zero_page_range: zeroing goes through pmem_do_write, so it clears poison */
function pmemDaxZeroPageRange(k: Kernel, dax: DaxDevice, pgoff: number, nrPages: number): number {
  const pmem = pmemOf(dax);
  return k.tr.call('pmem', 'pmem_dax_zero_page_range', { pgoff: hex(pgoff), nr_pages: nrPages }, () =>
    pmemDoWrite(k, pmem, PFN_PHYS(pgoff) / SECTOR_SIZE, PFN_PHYS(nrPages)),
  );
}

export const pmemDaxOps: DaxOperations = {
  direct_access: pmemDirectAccess,
  recovery_write: pmemRecoveryWrite,
  zero_page_range: pmemDaxZeroPageRange,
};

/** the namespace's badblocks from the bus badrange list, over its data area (bb_range) */
function populateBadblocks(k: Kernel, pmem: PmemDevice): void {
  // the device pmem_attach_disk set the table up on (devm_init_badblocks): the pfn device in fsdax mode
  const dev = pmem.spec.mode === 'fsdax' ? pmem.spec.id.replace(/^namespace/, 'pfn') : pmem.spec.id;
  nvdimmBadblocksPopulate(k, pmem.region, pmem.bb, pmem.dataStart, pmem.physAddr + pmem.spec.size - 1, pmem.name, `nd_pmem ${dev}`);
}

/** nd_pmem_notify(dev, NVDIMM_REVALIDATE_POISON) → pmem_revalidate_poison */
export function ndPmemNotify(k: Kernel, pmem: PmemDevice): void {
  k.tr.call('pmem', 'nd_pmem_notify', { disk: pmem.name, event: 'NVDIMM_REVALIDATE_POISON' }, () => {
    k.tr.call('pmem', 'pmem_revalidate_poison', { disk: pmem.name }, () => populateBadblocks(k, pmem));
  });
}

/**
 * pmem_attach_disk's badblocks setup: the namespace's badblocks start from
 * what the bus already knows.
 */
export function pmemAttachDisk(k: Kernel, pmem: PmemDevice): void {
  k.tr.call('pmem', 'pmem_attach_disk', { disk: pmem.name, mode: pmem.spec.mode }, () => {
    populateBadblocks(k, pmem);
    if (pmem.pgmap) k.pgmaps.push(pmem.pgmap);
  });
}

/**
 * Unbind: devres runs pmem_release_disk → dax_remove_host → kill_dax, then
 * del_gendisk (the block device is marked dead, its filesystem told), and
 * the pagemap goes away with the devm memremap.
 */
export function pmemReleaseDisk(k: Kernel, pmem: PmemDevice, preRemove?: Parameters<typeof killDax>[2], pagemapKill?: () => void): void {
  k.tr.call('pmem', 'pmem_release_disk', { disk: pmem.name }, () => {
    k.tr.call('dax', 'dax_remove_host', { disk: pmem.name }, () => undefined);
    // the pagemap-failure design moved kill_dax into the pagemap's ->kill
    if (pagemapKill) pagemapKill();
    else killDax(k, pmem.dax, preRemove);
    k.tr.call('dax', 'put_dax', { dax: pmem.name }, () => undefined);
    k.tr.call('block', 'del_gendisk', { disk: pmem.name }, () => {
      pmem.diskAlive = false;
      // blk_mark_disk_dead → the holder's mark_dead → ->shutdown (the bdev holder
      // ops and sops->shutdown, block updates for 6.5; fs_bdev_mark_dead is 6.6's
      // name of the holder op): before it (6.1's
      // del_gendisk only syncs and invalidates the bdev) the filesystem on
      // top is not told, and does not shut down
      if (pmem.onMarkDead && sinceVersion(k.cfg, '6.5')) pmem.onMarkDead(k);
    });
  });
  if (pmem.pgmap) {
    k.tr.call('mm', 'memunmap_pages', { pfn: hex(pmem.pgmap.startPfn), nr: pmem.pgmap.endPfn - pmem.pgmap.startPfn }, () => {
      pmem.pgmap!.live = false;
    });
  }
}
