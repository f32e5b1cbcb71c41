// File-level entry points of the XFS model (fs/xfs/xfs_file.c,
// xfs_iops.c): DAX writes, i_size updates, truncate(2)
// (xfs_setattr_size) and close (xfs_file_release). Methods of XfsMount
// (xfs_mount.ts) delegate here.

import { describeValue } from '../../errors';
import { EINVAL, ENOSPC } from '../../errno';
import { EFBIG, EISDIR, MAX_FILE_BYTES, type XfsIoResult, type XfsMount, XfsNoSpace } from './xfs_mount';

/**
 * pwrite/store through DAX: `length` bytes at `offset` of the file.
 * Holes get blocks, unwritten extents are converted, shared blocks are
 * copied (CoW). On ENOSPC nothing changes and error is -ENOSPC. `pieces`
 * map the written range afterwards.
 */
export function xfsWrite(mp: XfsMount, ino: number, offset: number, length: number): XfsIoResult {
  const ip = mp.inodeOrThrow(ino, '');
  if (ip.type !== 'file') return { error: -EISDIR };
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) return { error: -EINVAL };
  if (offset + length > MAX_FILE_BYTES) return { error: -EFBIG };
  if (length === 0) return { error: 0, pieces: [] };
  try {
    mp.journal.run(() => {
      mp.iomapWrite(ip, offset, length, false);
      if (offset + length > ip.size) mp.journal.set(ip, 'size', offset + length);
    });
  } catch (e) {
    if (e instanceof XfsNoSpace) return { error: -ENOSPC };
    throw e;
  }
  return { error: 0, pieces: mp.mapFileRange(ino, offset, length) };
}

/** i_size_write + xfs_setfilesize: the file's size after a write past EOF (no blocks change) */
export function xfsSetFileSize(mp: XfsMount, ino: number, size: number): void {
  const ip = mp.inodeOrThrow(ino, '');
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_FILE_BYTES) throw mp.err('', 'size', size, `size ${describeValue(size)}: not a valid file size`);
  mp.journal.run(() => mp.journal.set(ip, 'size', size));
}

/** truncate(2) (xfs_setattr_size -> xfs_itruncate_extents): blocks past the new EOF are unmapped */
export function xfsTruncate(mp: XfsMount, ino: number, size: number): number {
  const ip = mp.inodeOrThrow(ino, '');
  if (ip.type !== 'file') return -EISDIR;
  if (!Number.isSafeInteger(size) || size < 0) return -EINVAL;
  if (size > MAX_FILE_BYTES) return -EFBIG;
  mp.journal.run(() => mp.truncateIp(ip, size));
  return 0;
}

/**
 * xfs_file_release for a file descriptor opened for writing: close(2),
 * or the last reference of a writable shared mapping going away. The
 * first such close that finds something to trim (xfs_can_free_eofblocks:
 * CoW staging blocks, or blocks past EOF) runs xfs_free_eofblocks, which
 * truncates at EOF: data blocks past it are freed and so are CoW
 * reservations past it, while those inside EOF stay. Then
 * XFS_EOFBLOCKS_RELEASED keeps later closes from trimming, until a
 * truncate down clears it. fallocate'd files (XFS_DIFLAG_PREALLOC) keep
 * their blocks. This is why a one-block CoW write to a 64 KiB file leaves
 * CoW staging blocks for the rest of the file only, not the whole 32-block
 * CoW extent size hint: a real 6.12 kernel does that (test fixture
 * oracle-6.12-probes.txt).
 */
export function xfsRelease(mp: XfsMount, ino: number): void {
  const ip = mp.inodeOrThrow(ino, '');
  mp.journal.run(() => {
    if (ip.itruncated) {
      mp.journal.set(ip, 'itruncated', false);
      mp.journal.set(ip, 'eofblocksReleased', false);
    }
    if (ip.eofblocksReleased || !mp.canFreeEofblocks(ip)) return;
    mp.journal.set(ip, 'eofblocksReleased', true);
    // xfs_free_eofblocks: preallocated files only lose delalloc blocks (none here)
    if (ip.preallocFlag) return;
    mp.itruncateExtents(ip, ip.size);
  });
}
