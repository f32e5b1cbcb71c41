// The kernel-side XFS code (xfs_super.ts, xfs_notify_failure.ts) sees the
// on-disk model (xfs_mount.ts, XfsMount) through these few names.

import { XfsMount } from './xfs_mount';
import { XFS_RMAP_NON_INODE_OWNER, rmapOwnerName, type RmapIrec } from './xfs_format';
import type { FilesystemSpec } from '../../scenario/types';

export type RmapRec = RmapIrec;
export type XfsModelApi = XfsMount;

/** XFS_RMAP_NON_INODE_OWNER(owner) */
export const isNonInodeOwner = (owner: number): boolean => XFS_RMAP_NON_INODE_OWNER(owner);

/** XFS_RMAP_OWN_* name, or the inode number */
export const ownerName = (owner: number): string | number => (owner < 0 ? rmapOwnerName(owner) : owner);

/** mkfs.xfs on a device of this size, as the scenario's filesystem asks */
export function createXfsModel(spec: FilesystemSpec, deviceBytes: number, logDeviceBytes?: number): XfsMount {
  return XfsMount.mkfs({
    deviceBytes,
    // mkfs.xfs takes the sector size from the device: pmem's physical block size is 4096
    sectorSize: 4096,
    ...(logDeviceBytes !== undefined ? { logDeviceBytes } : {}),
    blockSize: spec.blockSize,
    agcount: spec.agcount,
    rmapbt: spec.rmapbt,
    reflink: spec.reflink,
    path: spec.path,
  });
}
