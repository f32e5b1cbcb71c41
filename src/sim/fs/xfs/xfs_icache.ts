// The inode cache of the XFS model (fs/xfs/xfs_icache.c): xfs_iget and its
// XFS_IGET_INCORE lookups, in-core inode setup (xfs_inode_alloc), and the
// blockgc scan that frees leftover CoW staging blocks. Methods of XfsMount
// (xfs_mount.ts) delegate here.

import { EINVAL, ENODATA, ENOENT } from '../../errno';
import { XfsIfork, type XfsInode, newDirState } from './xfs_inode';
import type { XfsInodeInfo, XfsMount } from './xfs_mount';

/**
 * xfs_iget(mp, tp, ino, flags): the inode, or a negative errno. With
 * `incore` (XFS_IGET_INCORE) an inode that is not in the inode cache gives
 * -ENODATA. An inode number outside the filesystem gives -EINVAL, a free
 * one -ENOENT (-ENODATA with XFS_IGET_INCORE).
 */
export function xfsIget(mp: XfsMount, ino: number, flags: { incore?: boolean } = {}): { error: number; ip?: XfsInodeInfo } {
  if (!mp.verifyIno(ino)) return { error: -EINVAL };
  const ip = mp.inodes.get(ino);
  if (flags.incore && (!ip || !ip.incore)) return { error: -ENODATA };
  if (!ip) return { error: -ENOENT };
  return { error: 0, ip: mp.info(ip) };
}

/** xfs_iget(XFS_IGET_INCORE) as xfs_dax_failure_fn calls it: the inode if it is cached, else undefined */
export function xfsIgetIncore(mp: XfsMount, ino: number): XfsInodeInfo | undefined {
  return mp.iget(ino, { incore: true }).ip;
}

/** set whether the inode is in the inode cache (what XFS_IGET_INCORE lookups see) */
export function xfsSetIncore(mp: XfsMount, ino: number, incore: boolean): void {
  const ip = mp.inodeOrThrow(ino, '');
  mp.journal.run(() => mp.journal.set(ip, 'incore', incore));
}

export function xfsNewInode(mp: XfsMount, ino: number, type: 'file' | 'dir', parent: number, name: string): XfsInode {
  const agnoOf = mp.agnoOf;
  return {
    ino,
    type,
    parent,
    name,
    size: 0,
    fill: undefined,
    incore: true,
    reflinkFlag: false,
    preallocFlag: false,
    eofblocksReleased: false,
    itruncated: false,
    data: new XfsIfork(mp.journal, agnoOf),
    cow: new XfsIfork(mp.journal, agnoOf),
    bmbtBlocks: [],
    attrBlocks: [],
    dir: type === 'dir' ? newDirState() : undefined,
  };
}

/**
 * Free the leftover CoW staging extents of one inode, or of all
 * (xfs_blockgc_free_space's cowblocks scan, or inode eviction /
 * unmount: xfs_reflink_cancel_cow_range(ip, 0, NULLFILEOFF, true)).
 * After a CoW write the kernel keeps them until then (a close trims only
 * those past EOF: see release).
 */
export function xfsReclaimCowBlocks(mp: XfsMount, ino?: number): void {
  mp.journal.run(() => {
    const list = ino === undefined ? [...mp.inodes.values()] : [mp.inodeOrThrow(ino, '')];
    for (const ip of list) if (ip.cow.nextents) mp.cancelCow(ip, 0, Number.MAX_SAFE_INTEGER, true);
  });
}
