// Busy extents of the XFS model (fs/xfs/xfs_extent_busy.c): blocks freed
// since the last log force (xfs_log_force -> xfs_extent_busy_clear) are not
// allocated again until it. Methods of XfsMount (xfs_mount.ts) delegate here.

import type { XfsMount } from './xfs_mount';

/**
 * xfs_log_force: the log is on disk, so every extent freed before now is
 * no longer busy and may be allocated again (xfs_extent_busy_clear).
 */
export function xfsForceLog(mp: XfsMount): void {
  for (const pag of mp.ags) if (pag.free.busy.size) pag.free.clearBusy();
}

/**
 * A log force (fsync, sync, unmount, freeze, or the periodic
 * xfs_log_worker every 30 s): blocks freed before it (by a punch hole,
 * a truncate, a CoW remap...) become allocatable again. Until then XFS
 * keeps them busy and allocates elsewhere.
 */
export function xfsLogForce(mp: XfsMount): void {
  mp.journal.run(() => mp.forceLog());
}

/** the busy extents of AG agno (freed since the last log force) */
export function xfsBusyExtents(mp: XfsMount, agno: number): { startblock: number; blockcount: number }[] {
  return mp.pag(agno)
    .free.busy.toArray()
    .map((e) => ({ startblock: e.start, blockcount: e.len }));
}
