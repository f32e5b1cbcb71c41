// The routing designs (../shared/docs/scenario-format.md, kernel.design).
// Each differs from upstream at a few decision points, and those points ask
// here: which path a poisoned device page takes, and what unbind does.

import { sinceVersion } from './version';
import { MF, type Kernel } from './kernel';
import type { Design } from './scenario/types';
import { daxHolderNotifyFailure, killDax, type DaxDevice } from './dax/super';
import { U64_MAX } from './units';
import type { PmemDevice } from './nvdimm/pmem';
import { devPagemapFailure } from './mm/memory-failure';

/** designs this build models end to end */
export const MODELLED_DESIGNS: readonly Design[] = ['upstream', 'page-mapping', 'corrupted-range', 'pagemap-failure'];

/**
 * What kill_dax does with a held device on unbind. upstream: one ranged
 * notify_failure(0, U64_MAX, MF_MEM_PRE_REMOVE) to the holder (Ruan's
 * MF_MEM_PRE_REMOVE). The other designs say nothing to a holder; the
 * pagemap-failure design fails every pfn instead (pmemPagemapKill).
 */
export function unbindPreRemove(k: Kernel): (dax: DaxDevice) => void {
  switch (k.cfg.design) {
    case 'upstream':
      // kill_dax: MF_MEM_PRE_REMOVE came in 6.7; 6.1 notifies the holder of a
      // failure of the whole device with mf_flags 0, as if every byte went bad
      return (dax) => void daxHolderNotifyFailure(k, dax, 0, U64_MAX, sinceVersion(k.cfg, '6.7') ? MF.MEM_PRE_REMOVE : 0);
    default:
      // these designs tell a holder nothing when its device goes away
      return (dax) => k.why.note({ kind: 'unheld-removal', dax: dax.name, held: true, span: k.why.span });
  }
}

/**
 * The pagemap-failure proposal's pmem_pagemap_kill at remove: kill_dax, and
 * if a filesystem still holds the dax device (!dax_is_idle), a warning and a
 * memory_failure() for every pfn of the device.
 */
export function pmemPagemapKill(k: Kernel, pmem: PmemDevice, mounted: boolean): void {
  k.tr.call('pmem', 'pmem_pagemap_kill', { disk: pmem.name }, () => {
    killDax(k, pmem.dax, () => undefined);
    const idle = k.tr.call('dax', 'dax_is_idle', { dax: pmem.name }, () => !mounted);
    if (!idle && pmem.pgmap) {
      k.log(`nd_pmem ${pmem.spec.mode === 'fsdax' ? pmem.spec.id.replace(/^namespace/, 'pfn') : pmem.spec.id}: DAX active at remove, trigger mass memory failure`);
      devPagemapFailure(k, pmem.pgmap);
    }
  });
}
