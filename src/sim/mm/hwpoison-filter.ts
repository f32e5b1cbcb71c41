// mm/memory-failure.c: hwpoison_filter() and its three tests, with the knobs
// mm/hwpoison-inject.c exposes under /sys/kernel/debug/hwpoison/
// (corrupt-filter-enable, -dev-major, -dev-minor, -flags-mask, -flags-value,
// -memcg). Extension: docs/hwpoison-filter.md.
//
// A filtered page makes memory_failure() return -EOPNOTSUPP with nothing
// done: on pmem only mf_generic_kill_procs asks (after dax_lock_folio), so a
// holder that claims the page (XFS with rmapbt) is never filtered.
// memory_failure_dev_pagemap prints no action_result for -EOPNOTSUPP (6.1
// does: "dax page: Failed"),
// madvise(MADV_HWPOISON) and corrupt-pfn turn it into 0, and kill_me_maybe
// returns without a signal.

import type { Kernel } from '../kernel';
import type { HwpoisonFilterConfig } from '../scenario/types';
import { hex } from '../units';
import type { DevPagemap } from './memremap';
import type { PageOwner } from './types';

/** ~0U: the initial value of the two device-number knobs, "any" */
export const FILTER_ANY = 0xffffffff;

/** the knobs' values: the scenario's, over the kernel's initial ones */
export function filterKnobs(k: Kernel): Required<HwpoisonFilterConfig> {
  return { enable: false, devMajor: FILTER_ANY, devMinor: FILTER_ANY, flagsMask: 0, flagsValue: 0, memcg: 0, ...k.cfg.hwpoisonFilter };
}

/** hwpoison_filter_enable: hwpoison_inject() and hwpoison_filter() test it first */
export function hwpoisonFilterEnabled(k: Kernel): boolean {
  return k.cfg.hwpoisonFilter?.enable === true;
}

/** /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h, include/linux/kernel-page-flags.h) */
export const KPF = {
  COMPOUND_HEAD: 15,
  COMPOUND_TAIL: 16,
  HWPOISON: 19,
  ZERO_PAGE: 24,
  RESERVED: 32,
} as const;

/** dev_t numbers: pmem disks take extended dev_t (BLOCK_EXT_MAJOR), device-mapper its dynamic major on Debian's kernel */
const BLOCK_EXT_MAJOR = 259;
const DM_MAJOR = 254;

/**
 * The superblock's s_dev of a file's filesystem, from its block device's
 * name: pmemN is 259:N (the first extended dev_t numbers, in probe order),
 * dm-N is 254:N. The device-dax character device's inode lives in the dax
 * pseudo filesystem, whose anonymous s_dev has major 0 and a minor the lab
 * does not know (null).
 */
export function superblockDev(bdev: string | undefined): { major: number; minor: number | null } {
  if (bdev === undefined) return { major: 0, minor: null };
  const pmem = /^pmem(\d+)$/.exec(bdev);
  if (pmem) return { major: BLOCK_EXT_MAJOR, minor: Number(pmem[1]) };
  const dm = /^dm-(\d+)$/.exec(bdev);
  if (dm) return { major: DM_MAJOR, minor: Number(dm[1]) };
  return { major: BLOCK_EXT_MAJOR, minor: null };
}

/**
 * stable_page_flags() of a ZONE_DEVICE page as the lab keeps it: every page
 * of a device's memmap is PG_reserved (__init_zone_device_page); a page a
 * memory failure marked has PG_hwpoison (of the page itself); a device-dax
 * device aligned above 4 KiB is made of compound pages (vmemmap_shift), so
 * each page is a head or a tail. A DAX mapping takes no mapcount in 6.12, so
 * KPF_MMAP is never set, nor LRU, dirty, uptodate or a memcg's bits.
 */
export function stablePageFlags(k: Kernel, pfn: number, pgmap: DevPagemap | null): number {
  let u = 2 ** KPF.RESERVED;
  // null: the zero page, a reserved page of the kernel image (KPF_ZERO_PAGE)
  if (!pgmap) u += 2 ** KPF.ZERO_PAGE;
  else if (pgmap.align > 4096) {
    const per = pgmap.align / 4096;
    u += 2 ** ((pfn - pgmap.startPfn) % per === 0 ? KPF.COMPOUND_HEAD : KPF.COMPOUND_TAIL);
  }
  if (k.hwpoison.has(pfn)) u += 2 ** KPF.HWPOISON;
  return u;
}

/** (a & b) for u64 values kept as exact JavaScript integers below 2^53 */
function and64(a: number, b: number): number {
  return Number(BigInt(a) & BigInt(b));
}

/**
 * hwpoison_filter(page): 0 when the page passes (or the filter is off),
 * -EINVAL when one of the dev, flags or memcg tests rejects it. `owner` is
 * what page->mapping says (folio_mapping()); `pfn` the page asked about (the
 * compound head on the device path, in 6.12 and 6.1 alike); `pgmap` null for the
 * zero page, which no file maps and no memory cgroup is charged for.
 */
export function hwpoisonFilter(k: Kernel, pfn: number, pgmap: DevPagemap | null, owner: PageOwner | undefined): number {
  return k.tr.call('mm', 'hwpoison_filter', { pfn: hex(pfn) }, () => {
    const f = filterKnobs(k);
    if (!f.enable) return 0;
    const dev = k.tr.call('mm', 'hwpoison_filter_dev', { major: f.devMajor, minor: f.devMinor }, () => {
      if (f.devMajor === FILTER_ANY && f.devMinor === FILTER_ANY) return 0;
      // folio_mapping(): NULL for a page nobody maps or for PAGE_MAPPING_DAX_SHARED (a flag bit)
      if (!owner || owner.kind !== 'file' || !owner.mapping.host) return -22;
      const host = owner.mapping.host;
      const s = superblockDev(host.chr ? undefined : host.sbDev);
      if (f.devMajor !== FILTER_ANY && f.devMajor !== s.major) return -22;
      if (f.devMinor !== FILTER_ANY && f.devMinor !== s.minor) return -22;
      return 0;
    });
    if (dev) return why(k, pfn, `hwpoison_filter_dev(): the page's filesystem device is not ${f.devMajor === FILTER_ANY ? '*' : f.devMajor}:${f.devMinor === FILTER_ANY ? '*' : f.devMinor}`);
    const flags = k.tr.call('mm', 'hwpoison_filter_flags', { mask: hex(f.flagsMask), value: hex(f.flagsValue) }, () => {
      if (!f.flagsMask) return 0;
      const u = stablePageFlags(k, pfn, pgmap);
      return and64(u, f.flagsMask) === f.flagsValue ? 0 : -22;
    });
    if (flags) return why(k, pfn, `hwpoison_filter_flags(): the page's flags ${hex(stablePageFlags(k, pfn, pgmap))} under mask ${hex(f.flagsMask)} are not ${hex(f.flagsValue)}`);
    const task = k.tr.call('mm', 'hwpoison_filter_task', { memcg: f.memcg }, () => {
      // page_cgroup_ino(): a ZONE_DEVICE page is charged to no memory cgroup (0)
      if (!f.memcg) return 0;
      return f.memcg !== 0 ? -22 : 0;
    });
    if (task) return why(k, pfn, `hwpoison_filter_task(): the page is charged to no memory cgroup, not to the one with inode ${f.memcg}`);
    return 0;
  });
}

function why(k: Kernel, pfn: number, test: string): number {
  k.why.note({ kind: 'route-failed', symbol: 'hwpoison_filter', ret: '-EINVAL', why: `hwpoison_filter() filtered pfn ${hex(pfn)}: ${test}. memory_failure() returns -EOPNOTSUPP with nothing done and nothing printed; the callers that inject (madvise, corrupt-pfn) report success.`, span: k.why.span });
  return -22;
}
