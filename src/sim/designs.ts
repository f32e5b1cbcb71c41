// The routing designs (../shared/docs/scenario-format.md, kernel.design).
// Each differs from upstream at a few decision points, and those points ask
// here: which path a poisoned device page takes, and what unbind does.

import { MF, type Kernel } from './kernel';
import type { Design } from './scenario/types';
import { daxHolderNotifyFailure, type DaxDevice } from './dax/super';
import { U64_MAX } from './units';

/** designs this build models end to end */
export const MODELLED_DESIGNS: readonly Design[] = ['upstream', 'page-mapping'];

/**
 * What kill_dax does with a held device on unbind. upstream: one ranged
 * notify_failure(0, U64_MAX, MF_MEM_PRE_REMOVE) to the holder (Ruan's
 * MF_MEM_PRE_REMOVE). page-mapping: holders do not exist, nothing is said.
 */
export function unbindPreRemove(k: Kernel): (dax: DaxDevice) => void {
  switch (k.cfg.design) {
    case 'upstream':
      return (dax) => void daxHolderNotifyFailure(k, dax, 0, U64_MAX, MF.MEM_PRE_REMOVE);
    default:
      return () => undefined;
  }
}
