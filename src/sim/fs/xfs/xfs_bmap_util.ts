// File space operations of the XFS model (fs/xfs/xfs_bmap_util.c): punching
// holes (xfs_free_file_space), preallocation (xfs_alloc_file_space) and
// what xfs_free_eofblocks may trim (xfs_can_free_eofblocks). Methods of
// XfsMount (xfs_mount.ts) delegate here.

import { EINVAL, ENOSPC } from '../../errno';
import { XFS_MAX_BMBT_EXTLEN } from './xfs_format';
import { HOLESTARTBLOCK, type XfsInode } from './xfs_inode';
import { EISDIR, type XfsMount, XfsNoSpace } from './xfs_mount';

/**
 * fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) (xfs_free_file_space):
 * whole blocks inside the range are unmapped (their references dropped,
 * freed when no other file has them); partial blocks at the edges, inside
 * EOF, are zeroed through the write path, which copies them if shared.
 * Returns 0 or -ENOSPC (nothing changed).
 */
export function xfsPunchHole(mp: XfsMount, ino: number, offset: number, length: number): number {
  const ip = mp.inodeOrThrow(ino, '');
  if (ip.type !== 'file') return -EISDIR;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) return -EINVAL;
  if (length === 0) return 0;
  try {
    mp.journal.run(() => {
      const start = mp.bToFsb(offset);
      const end = mp.bToFsbt(offset + length);
      if (end > start) mp.dataUnmap(ip, start, end - start);
      if (offset >= ip.size) return;
      // xfs_zero_range over what is left inside EOF: the unmapped middle is
      // holes now, so only partial edge blocks are touched (copied if shared)
      const zend = Math.min(offset + length, ip.size);
      mp.iomapWrite(ip, offset, zend - offset, true);
    });
  } catch (e) {
    if (e instanceof XfsNoSpace) return -ENOSPC;
    throw e;
  }
  return 0;
}

/**
 * fallocate(0): preallocate unwritten blocks for the holes of
 * [offset, offset + length) (xfs_alloc_file_space); the size grows unless
 * keepSize. Returns 0 or -ENOSPC (nothing changed).
 */
export function xfsFallocate(mp: XfsMount, ino: number, offset: number, length: number, keepSize = false): number {
  const ip = mp.inodeOrThrow(ino, '');
  if (ip.type !== 'file') return -EISDIR;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length <= 0) return -EINVAL;
  try {
    mp.journal.run(() => {
      let pos = mp.bToFsbt(offset);
      const end = mp.bToFsb(offset + length);
      while (pos < end) {
        const m = ip.data.read(pos, end - pos);
        if (m.startblock !== HOLESTARTBLOCK) {
          pos += m.blockcount;
          continue;
        }
        const target = mp.bmapAdjacent(ip, ip.data, pos, m.blockcount);
        const { agno, r } = mp.allocExtent(target, Math.min(m.blockcount, XFS_MAX_BMBT_EXTLEN), { userdata: true });
        mp.takeBlocks(agno, r.agbno, r.len);
        mp.dataMap(ip, { startoff: pos, startblock: mp.agbToFsb(agno, r.agbno), blockcount: r.len, unwritten: true });
        pos += r.len;
      }
      if (!keepSize && offset + length > ip.size) mp.journal.set(ip, 'size', offset + length);
      // xfs_update_prealloc_flags(XFS_PREALLOC_SET)
      mp.journal.set(ip, 'preallocFlag', true);
    });
  } catch (e) {
    if (e instanceof XfsNoSpace) return -ENOSPC;
    throw e;
  }
  return 0;
}

/** blocks in the CoW fork (they count in i_delayed_blks until remapped) */
export function xfsCowBlocks(mp: XfsMount, ip: XfsInode): number {
  return ip.cow.blocks();
}

/** xfs_can_free_eofblocks: CoW blocks, or data blocks at or past EOF */
export function xfsCanFreeEofblocks(mp: XfsMount, ip: XfsInode): boolean {
  if (ip.type !== 'file') return false;
  const delayed = mp.cowBlocks(ip);
  if (ip.size === 0 && delayed === 0) return false;
  if (ip.preallocFlag && delayed === 0) return false;
  return delayed > 0 || !ip.data.isEof(mp.bToFsb(ip.size));
}
