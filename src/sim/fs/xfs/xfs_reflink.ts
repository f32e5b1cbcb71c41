// Reflink and copy on write of the XFS model (fs/xfs/xfs_reflink.c):
// CoW staging blocks for writes over shared blocks (xfs_reflink_allocate_cow,
// xfs_reflink_end_cow, xfs_reflink_cancel_cow_blocks) and sharing a file
// range (FICLONE / FICLONERANGE: xfs_reflink_remap_prep,
// xfs_reflink_remap_blocks). Methods of XfsMount (xfs_mount.ts) delegate here.

import { describeValue } from '../../errors';
import { EINVAL, EOPNOTSUPP } from '../../errno';
import { type BmbtIrec, XFS_RMAP_OWN_COW } from './xfs_format';
import { HOLESTARTBLOCK, type XfsInode } from './xfs_inode';
import { EFBIG, EISDIR, MAX_FILE_BYTES, type XfsFileRef, type XfsMount } from './xfs_mount';

/** xfs_is_cow_inode: writes must check for shared blocks */
export function xfsIsCowInode(mp: XfsMount, ip: XfsInode): boolean {
  return ip.reflinkFlag;
}

/**
 * xfs_reflink_allocate_cow for the write iteration at `imap.startoff`:
 * returns how many blocks from there go to CoW staging blocks (0 when the
 * write goes to the data fork; then `imap` is trimmed to the unshared run).
 */
export function xfsReflinkAllocateCow(mp: XfsMount, ip: XfsInode, imap: BmbtIrec): number {
  const pos = imap.startoff;
  const c = ip.cow.lookup(pos);
  if (c) {
    // xfs_find_trim_cow_extent found a CoW extent: the write goes there
    const n = Math.min(imap.blockcount, c.startoff + c.blockcount - pos);
    if (c.unwritten) ip.cow.setState(pos, n, false); // xfs_reflink_convert_cow_locked
    return n;
  }
  const { next } = ip.cow.neighbours(pos);
  if (next && next.startoff < pos + imap.blockcount) imap.blockcount = next.startoff - pos;
  // xfs_bmap_trim_cow -> xfs_reflink_trim_around_shared
  if (imap.startblock === HOLESTARTBLOCK || imap.unwritten) return 0;
  const agno = mp.fsbToAgno(imap.startblock);
  const agbno = mp.fsbToAgbno(imap.startblock);
  const f = mp.pag(agno).refc.findShared(agbno, imap.blockcount);
  if (!f) return 0;
  if (f.fbno !== agbno) {
    imap.blockcount = f.fbno - agbno;
    return 0;
  }
  imap.blockcount = Math.min(imap.blockcount, f.flen);
  // xfs_reflink_fill_cow_hole + xfs_reflink_convert_unwritten
  const cmap = mp.bmapiWriteCow(ip, pos, imap.blockcount);
  const n = Math.min(cmap.startoff + cmap.blockcount, pos + imap.blockcount) - pos;
  ip.cow.setState(pos, n, false);
  return n;
}

/**
 * xfs_reflink_end_cow: move the written CoW staging blocks of
 * [off, off + len) into the data fork. The data fork's old blocks there
 * are unmapped and lose a reference (freed when nobody else has them);
 * the staging records (OWN_COW, CoW refcount) go; the new blocks are
 * mapped with the inode as rmap owner.
 */
export function xfsReflinkEndCow(mp: XfsMount, ip: XfsInode, off: number, len: number): void {
  let pos = off;
  const end = off + len;
  while (pos < end) {
    const c = ip.cow.lookup(pos);
    if (!c || c.unwritten) {
      pos++;
      continue;
    }
    const d = c.startoff <= pos ? pos - c.startoff : 0;
    let n = Math.min(c.blockcount - d, end - pos);
    const data = ip.data.read(pos, n);
    n = Math.min(n, data.blockcount);
    const fsb = c.startblock + d;
    if (data.startblock !== HOLESTARTBLOCK) mp.dataUnmap(ip, pos, n);
    mp.pag(mp.fsbToAgno(fsb)).refc.freeCow(mp.fsbToAgbno(fsb), n);
    mp.rmapUnmap(fsb, n, { owner: XFS_RMAP_OWN_COW, offset: 0 });
    ip.cow.remove(pos, n);
    mp.dataMap(ip, { startoff: pos, startblock: fsb, blockcount: n, unwritten: false });
    pos += n;
  }
}

/**
 * xfs_reflink_cancel_cow_blocks: drop CoW staging extents of [off, end)
 * (all of them with cancelReal; otherwise only those not yet written):
 * OWN_COW record and CoW refcount record removed, blocks freed.
 */
export function xfsCancelCow(mp: XfsMount, ip: XfsInode, off: number, end: number, cancelReal: boolean): void {
  for (const c of ip.cow.toArray()) {
    const s = Math.max(c.startoff, off);
    const e = Math.min(c.startoff + c.blockcount, end);
    if (s >= e) continue;
    if (!c.unwritten && !cancelReal) continue;
    const fsb = c.startblock + (s - c.startoff);
    mp.pag(mp.fsbToAgno(fsb)).refc.freeCow(mp.fsbToAgbno(fsb), e - s);
    mp.rmapUnmap(fsb, e - s, { owner: XFS_RMAP_OWN_COW, offset: 0 });
    mp.freeBlocks(fsb, e - s);
    ip.cow.remove(s, e - s);
  }
}

/**
 * `cp --reflink=always src dst`: create dst (or truncate an existing one)
 * and clone all of src into it (FICLONE: the whole file, to its EOF).
 * Returns dst's inode number.
 */
export function xfsReflinkFile(mp: XfsMount, srcPath: XfsFileRef, dstPath: string, at = ''): number {
  const src = mp.fileByPath(at, 'reflink', srcPath);
  if (!mp.geo.reflink) throw mp.err(at, 'reflink', srcPath, `reflink ${describeValue(srcPath)}: the filesystem was made with reflink=0 (EOPNOTSUPP)`, EOPNOTSUPP);
  const existing = mp.lookup(dstPath);
  let parts: string[] | undefined;
  if (existing === undefined) parts = mp.checkNewPath(at, dstPath).parts;
  else {
    const d = mp.inodes.get(existing)!;
    if (d.type !== 'file') throw mp.err(at, 'path', dstPath, `path ${describeValue(dstPath)}: is a directory`, EISDIR);
    if (existing === src.ino) throw mp.err(at, 'path', dstPath, `path ${describeValue(dstPath)}: is the source file itself`, EINVAL);
  }
  return mp.atomic(at, 'reflink', srcPath, `reflink ${srcPath} -> ${dstPath}`, () => {
    const dst = parts ? mp.create(parts, 'file') : mp.inodes.get(existing!)!;
    if (!parts) mp.truncateIp(dst, 0);
    mp.journal.set(dst, 'fill', src.fill);
    if (src.size > 0) mp.remapRange(src, 0, dst, 0, src.size);
    return dst.ino;
  });
}

/**
 * FICLONERANGE: share `length` bytes of src at srcOffset into dst at
 * dstOffset (length 0 means to src's EOF). Offsets must be block
 * aligned; the length too, unless the range ends at src's EOF
 * (generic_remap_checks, generic_remap_check_len). What dst had there is
 * unmapped first; dst grows to cover the range.
 */
export function xfsCloneRange(mp: XfsMount, srcPath: XfsFileRef, srcOffset: number, dstPath: XfsFileRef, dstOffset: number, length: number, at = ''): void {
  const g = mp.geo;
  const src = mp.fileByPath(at, 'from', srcPath);
  const dst = mp.fileByPath(at, 'path', dstPath);
  if (!g.reflink) throw mp.err(at, 'from', srcPath, `clone from ${describeValue(srcPath)}: the filesystem was made with reflink=0 (EOPNOTSUPP)`, EOPNOTSUPP);
  const bs = g.blockSize;
  mp.checkBytes(at, 'srcOffset', srcOffset, 'srcOffset');
  mp.checkBytes(at, 'dstOffset', dstOffset, 'dstOffset');
  mp.checkBytes(at, 'length', length, 'length');
  if (srcOffset % bs) throw mp.err(at, 'srcOffset', srcOffset, `srcOffset ${describeValue(srcOffset)}: must be a multiple of the block size (${bs}) (EINVAL)`);
  if (dstOffset % bs) throw mp.err(at, 'dstOffset', dstOffset, `dstOffset ${describeValue(dstOffset)}: must be a multiple of the block size (${bs}) (EINVAL)`);
  let len = length;
  if (len === 0) {
    if (srcOffset === src.size) return;
    if (srcOffset > src.size) throw mp.err(at, 'srcOffset', srcOffset, `srcOffset ${describeValue(srcOffset)}: beyond the end of ${srcPath} (${src.size} bytes) (EINVAL)`);
    len = src.size - srcOffset;
  }
  if (srcOffset >= src.size) throw mp.err(at, 'srcOffset', srcOffset, `srcOffset ${describeValue(srcOffset)}: at or beyond the end of ${srcPath} (${src.size} bytes) (EINVAL)`);
  if (srcOffset + len > src.size)
    throw mp.err(at, 'length', length, `length ${describeValue(length)}: the range ${srcOffset}..${srcOffset + len} runs past the end of ${srcPath} (${src.size} bytes) (EINVAL)`);
  const toEof = srcOffset + len === src.size;
  if (!toEof && len % bs) throw mp.err(at, 'length', length, `length ${describeValue(length)}: must be a multiple of the block size (${bs}) unless the range ends at the source's EOF (EINVAL)`);
  const blen = toEof ? Math.ceil(src.size / bs) * bs - srcOffset : len;
  if (src === dst && dstOffset + blen > srcOffset && dstOffset < srcOffset + blen)
    throw mp.err(at, 'dstOffset', dstOffset, `dstOffset ${describeValue(dstOffset)}: the source and destination ranges of the same file overlap (EINVAL)`);
  if (len % bs && dstOffset + len < dst.size)
    throw mp.err(at, 'length', length, `length ${describeValue(length)}: the partial EOF block of the source would land inside ${dstPath}, before its EOF (EINVAL)`);
  if (dstOffset + len > MAX_FILE_BYTES) throw mp.err(at, 'dstOffset', dstOffset, `dstOffset ${describeValue(dstOffset)}: beyond the largest file the model supports`, EFBIG);
  mp.atomic(at, 'length', length, `clone ${srcPath} -> ${dstPath}`, () => mp.remapRange(src, srcOffset, dst, dstOffset, len));
}

/**
 * xfs_reflink_remap_prep + xfs_reflink_remap_blocks +
 * xfs_reflink_update_dest: set the reflink flag on both inodes, then map
 * every extent of src's range into dst (xfs_reflink_remap_extent: unmap
 * what dst had there, add a reference and an rmap record of dst for each
 * written source extent; unwritten source extents and holes leave holes).
 */
export function xfsRemapRange(mp: XfsMount, src: XfsInode, pos: number, dst: XfsInode, posOut: number, len: number): void {
  mp.journal.set(src, 'reflinkFlag', true);
  mp.journal.set(dst, 'reflinkFlag', true);
  let srcoff = mp.bToFsbt(pos);
  let destoff = mp.bToFsbt(posOut);
  let left = mp.bToFsb(len);
  const newIsize = posOut + len;
  while (left > 0) {
    const imap = src.data.read(srcoff, left);
    // xfs_reflink_remap_extent(dest, imap at destoff)
    const smap = dst.data.read(destoff, imap.blockcount);
    const n = Math.min(imap.blockcount, smap.blockcount);
    const dWritten = imap.startblock !== HOLESTARTBLOCK && !imap.unwritten;
    const smapReal = smap.startblock !== HOLESTARTBLOCK;
    // same physical blocks (or both holes), or both unwritten: nothing to do
    const skip = imap.startblock === smap.startblock || (imap.unwritten && smapReal && smap.unwritten);
    if (!skip) {
      if (smapReal) mp.dataUnmap(dst, destoff, n);
      if (dWritten) {
        mp.refcountIncrease(imap.startblock, n);
        mp.dataMap(dst, { startoff: destoff, startblock: imap.startblock, blockcount: n, unwritten: false });
      }
      const newlen = Math.min(mp.fsbToB(destoff + n), newIsize);
      if (newlen > dst.size) mp.journal.set(dst, 'size', newlen);
    }
    srcoff += n;
    destoff += n;
    left -= n;
  }
  if (newIsize > dst.size) mp.journal.set(dst, 'size', newIsize);
}
