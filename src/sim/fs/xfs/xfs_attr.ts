// Extended attribute blocks of the XFS model (fs/xfs/libxfs/xfs_attr.c):
// out-of-line attr leaf blocks and their removal at inactivation. Methods of
// XfsMount (xfs_mount.ts) delegate here.

import type { XfsInode } from './xfs_inode';
import type { XfsMount } from './xfs_mount';

/**
 * Extended attributes stored out of line: give the inode's attribute fork
 * `count` more leaf blocks (xfs_attr3_leaf blocks, as setfattr with
 * values too large for the inode leaves them). Each is an rmap record of
 * the inode with XFS_RMAP_ATTR_FORK, which xfs_dax_failure_fn treats as
 * metadata.
 */
export function xfsAddAttrBlocks(mp: XfsMount, ino: number, count = 1): void {
  const ip = mp.inodeOrThrow(ino, '');
  if (!Number.isSafeInteger(count) || count < 1) throw mp.err('', 'count', count, 'count must be a positive number of blocks');
  mp.atomic('', 'count', count, `attribute blocks for inode ${ino}`, () => {
    for (let i = 0; i < count; i++) {
      const last = ip.attrBlocks[ip.attrBlocks.length - 1];
      const target = last !== undefined ? last + 1 : mp.inoToFsb(ip.ino);
      const { agno, r } = mp.allocExtent(target, 1, { userdata: false });
      mp.takeBlocks(agno, r.agbno, 1);
      const fsb = mp.agbToFsb(agno, r.agbno);
      mp.rmapMap(fsb, 1, { owner: ip.ino, offset: ip.attrBlocks.length, attrFork: true });
      mp.journal.set(ip, 'attrBlocks', [...ip.attrBlocks, fsb]);
    }
  });
}

export function xfsAttrRemove(mp: XfsMount, ip: XfsInode): void {
  ip.attrBlocks.forEach((fsb, i) => {
    mp.rmapUnmap(fsb, 1, { owner: ip.ino, offset: i, attrFork: true });
    mp.freeBlocks(fsb, 1);
  });
  mp.journal.set(ip, 'attrBlocks', []);
}
