// include/linux/memremap.h: struct dev_pagemap and its ops. Device memory
// (pmem in fsdax mode, device-dax) gets struct pages in ZONE_DEVICE; the pages
// are never "online", which is what sends memory_failure() down the
// dev_pagemap path.

import type { Kernel } from '../kernel';

export type MemoryType = 'MEMORY_DEVICE_FS_DAX' | 'MEMORY_DEVICE_GENERIC';

/** struct dev_pagemap_ops (only the member this stack uses) */
export interface DevPagemapOps {
  /** int (*memory_failure)(pgmap, pfn, nr_pages, mf_flags) */
  memory_failure?: (k: Kernel, pgmap: DevPagemap, pfn: number, nrPages: number, mfFlags: number) => number;
  /** the corrupted-range proposal's per-pfn op (pmem_pgmap_memory_failure) */
  corrupted_range_v3?: (k: Kernel, pgmap: DevPagemap, pfn: number, nrPages: number, mfFlags: number) => number;
}

export class DevPagemap {
  /** false once the device is unbound (memunmap_pages): get_dev_pagemap() no longer finds it */
  live = true;
  constructor(
    readonly type: MemoryType,
    /** pgmap->range, as pfns [start, end) */
    readonly startPfn: number,
    readonly endPfn: number,
    /** first pfn past the altmap reserve (info block + memmap): pgmap_pfn_valid() */
    readonly firstValidPfn: number,
    readonly ops: DevPagemapOps,
    /** the driver's object (pmem device or dev_dax) */
    readonly owner: unknown,
    /** device-dax alignment: pages are compound pages of this many bytes */
    readonly align = 4096,
  ) {}
}

/** pgmap_pfn_valid(): pfns holding the device's own metadata have no usable page */
export function pgmapPfnValid(pgmap: DevPagemap, pfn: number): boolean {
  return pfn >= pgmap.firstValidPfn && pfn < pgmap.endPfn;
}

/** pgmap_has_memory_failure() */
export function pgmapHasMemoryFailure(pgmap: DevPagemap): boolean {
  return typeof pgmap.ops.memory_failure === 'function';
}
