// Block mapping of the XFS model (fs/xfs/libxfs/xfs_bmap.c): allocation
// targets (xfs_bmap_adjacent), the data fork with its rmap records
// (xfs_bmap_map_extent / xfs_bmap_unmap_extent, unwritten conversion), the
// bmap btree's size, xfs_bmapi_write for the data and CoW forks and
// xfs_bmap_extsize_align. Methods of XfsMount (xfs_mount.ts) delegate here.

import { type BmbtIrec, XFS_MAX_BMBT_EXTLEN, XFS_RMAP_OWN_COW } from './xfs_format';
import { XfsIfork, type XfsInode, xfsBmbtBlocksNeeded } from './xfs_inode';
import type { XfsMount } from './xfs_mount';

/**
 * xfs_bmap_adjacent: the target block for an allocation at file block
 * `off` of `len` blocks in `fork`: after the previous extent (plus the
 * gap) when allocating at the end of the fork, else the better of the
 * previous and next extents; the inode's own block when there is none.
 */
export function xfsBmapAdjacent(mp: XfsMount, ip: XfsInode, fork: XfsIfork, off: number, len: number): number {
  const g = mp.geo;
  let blkno = mp.inoToFsb(ip.ino);
  const eof = fork.isEof(off);
  const { prev, next } = fork.neighbours(off);
  const valid = (x: number, y: number): boolean => {
    if (x < 0) return false;
    const a = mp.fsbToAgno(x);
    return a === mp.fsbToAgno(y) && a < g.agcount && mp.fsbToAgbno(x) < g.agblocks;
  };
  const GAP = 4; // XFS_ALLOC_GAP_UNITS
  if (eof && prev && valid(prev.startblock + prev.blockcount, prev.startblock)) {
    blkno = prev.startblock + prev.blockcount;
    const adjust = off - (prev.startoff + prev.blockcount);
    if (adjust && valid(blkno + adjust, prev.startblock)) blkno += adjust;
    return blkno;
  }
  if (!eof) {
    let prevbno: number | undefined;
    let prevdiff = 0;
    let gotbno: number | undefined;
    let gotdiff = 0;
    if (prev && valid(prev.startblock + prev.blockcount, prev.startblock)) {
      prevbno = prev.startblock + prev.blockcount;
      const adjust = (prevdiff = off - (prev.startoff + prev.blockcount));
      if (prevdiff <= GAP * len && valid(prevbno + prevdiff, prev.startblock)) prevbno += adjust;
      else prevdiff += adjust;
    }
    if (next) {
      gotbno = next.startblock;
      const adjust = (gotdiff = next.startoff - off);
      if (gotdiff <= GAP * len && valid(gotbno - gotdiff, gotbno)) gotbno -= adjust;
      else if (valid(gotbno - len, gotbno)) {
        gotbno -= len;
        gotdiff += adjust - len;
      } else gotdiff += adjust;
    }
    if (prevbno !== undefined && gotbno !== undefined) blkno = prevdiff <= gotdiff ? prevbno : gotbno;
    else if (prevbno !== undefined) blkno = prevbno;
    else if (gotbno !== undefined) blkno = gotbno;
  }
  return blkno;
}

/** map blocks into the data fork and the rmap (xfs_bmap_map_extent, deferred rmap intent) */
export function xfsDataMap(mp: XfsMount, ip: XfsInode, irec: BmbtIrec): void {
  ip.data.add(irec);
  mp.rmapMap(irec.startblock, irec.blockcount, { owner: ip.ino, offset: irec.startoff }, irec.unwritten);
  mp.syncBmbt(ip);
}

/**
 * xfs_bunmapi over [off, off + len) of the data fork: every mapped piece
 * leaves the fork and the rmap, and loses a reference (freed at zero).
 */
export function xfsDataUnmap(mp: XfsMount, ip: XfsInode, off: number, len: number): BmbtIrec[] {
  const pieces = ip.data.remove(off, len);
  for (const p of pieces) {
    mp.rmapUnmap(p.startblock, p.blockcount, { owner: ip.ino, offset: p.startoff });
    mp.refcountDecrease(p.startblock, p.blockcount);
  }
  if (pieces.length) mp.syncBmbt(ip);
  return pieces;
}

/** xfs_bmap_add_extent_unwritten_real + xfs_rmap_convert: written/unwritten state of mapped blocks */
export function xfsDataConvert(mp: XfsMount, ip: XfsInode, off: number, len: number, unwritten: boolean): void {
  for (const p of ip.data.remove(off, len)) {
    mp.rmapUnmap(p.startblock, p.blockcount, { owner: ip.ino, offset: p.startoff });
    ip.data.add({ ...p, unwritten });
    mp.rmapMap(p.startblock, p.blockcount, { owner: ip.ino, offset: p.startoff }, unwritten);
  }
  mp.syncBmbt(ip);
}

/**
 * Keep the data fork's bmap btree as large as its extent count needs
 * (xfs_bmap_extents_to_btree, btree splits; xfs_bmap_btree_to_extents
 * frees it again). New blocks are allocated near the inode
 * (xfs_bmbt_alloc_block), metadata placement; each is an rmap record of
 * the inode with XFS_RMAP_BMBT_BLOCK.
 */
export function xfsSyncBmbt(mp: XfsMount, ip: XfsInode): void {
  const g = mp.geo;
  const need = xfsBmbtBlocksNeeded(ip.data.nextents, g.blockSize, g.literalAreaBytes);
  if (need === ip.bmbtBlocks.length) return;
  const blocks = [...ip.bmbtBlocks];
  while (blocks.length < need) {
    const target = blocks[blocks.length - 1] ?? mp.inoToFsb(ip.ino);
    const { agno, r } = mp.allocExtent(target, 1, { userdata: false });
    mp.takeBlocks(agno, r.agbno, 1);
    const fsb = mp.agbToFsb(agno, r.agbno);
    mp.rmapMap(fsb, 1, { owner: ip.ino, offset: 0, bmbtBlock: true });
    blocks.push(fsb);
  }
  while (blocks.length > need) {
    const fsb = blocks.pop()!;
    mp.rmapUnmap(fsb, 1, { owner: ip.ino, offset: 0, bmbtBlock: true });
    mp.freeBlocks(fsb, 1);
  }
  mp.journal.set(ip, 'bmbtBlocks', blocks);
}

/**
 * xfs_bmapi_write for one mapping of the data fork (xfs_iomap_write_direct
 * with XFS_BMAPI_ZERO for DAX): allocate blocks for the hole at `off`, up
 * to `len`, written. Returns how many blocks were mapped.
 */
export function xfsBmapiWriteData(mp: XfsMount, ip: XfsInode, off: number, len: number, metadata = false): number {
  let length = Math.min(len, XFS_MAX_BMBT_EXTLEN);
  const { next } = ip.data.neighbours(off);
  if (next) length = Math.min(length, next.startoff - off);
  const target = mp.bmapAdjacent(ip, ip.data, off, length);
  const { agno, r } = mp.allocExtent(target, length, { userdata: !metadata });
  mp.takeBlocks(agno, r.agbno, r.len);
  mp.dataMap(ip, { startoff: off, startblock: mp.agbToFsb(agno, r.agbno), blockcount: r.len, unwritten: false });
  return r.len;
}

/**
 * xfs_bmap_extsize_align for the CoW fork (not delalloc, not converting):
 * round [off, off + len) out to the CoW extent size hint without
 * overlapping the neighbouring CoW fork extents.
 */
export function xfsExtsizeAlign(mp: XfsMount, prev: BmbtIrec | undefined, next: BmbtIrec | undefined, extsz: number, off: number, len: number): { off: number; len: number } {
  const eof = !next;
  const origOff = off;
  const origEnd = off + len;
  let alignOff = off;
  let alignLen = len;
  let temp = origOff % extsz;
  if (temp) {
    alignLen += temp;
    alignOff -= temp;
  }
  temp = alignLen % extsz;
  if (temp) alignLen += extsz - temp;
  while (alignLen > XFS_MAX_BMBT_EXTLEN) alignLen -= extsz;
  const prevo = prev ? prev.startoff + prev.blockcount : 0;
  if (alignOff !== origOff && alignOff < prevo) alignOff = prevo;
  const nexto = !eof && next ? next.startoff : Number.POSITIVE_INFINITY;
  if (!eof && alignOff + alignLen !== origEnd && alignOff + alignLen > nexto) alignOff = nexto > alignLen ? nexto - alignLen : 0;
  if (alignOff !== origOff && alignOff < prevo) alignOff = prevo;
  if (alignOff + alignLen !== origEnd && alignOff + alignLen > nexto && nexto !== Number.POSITIVE_INFINITY) alignLen = nexto - alignOff;
  return { off: alignOff, len: alignLen };
}

/**
 * xfs_bmapi_write(XFS_BMAPI_COWFORK | XFS_BMAPI_PREALLOC) as
 * xfs_reflink_fill_cow_hole calls it: allocate CoW staging blocks for the
 * CoW-fork hole at `off` (up to `len`), stretched to the CoW extent size
 * hint (xfs_bmap_compute_alignments), unwritten. Every staging extent is
 * an OWN_COW rmap record and a CoW-domain refcount record
 * (xfs_refcount_alloc_cow_extent). Returns the new CoW mapping.
 */
export function xfsBmapiWriteCow(mp: XfsMount, ip: XfsInode, off: number, len: number): BmbtIrec {
  const { prev, next } = ip.cow.neighbours(off);
  let length = Math.min(len, XFS_MAX_BMBT_EXTLEN);
  if (next) length = Math.min(length, next.startoff - off);
  const extsz = mp.geo.cowExtSize;
  const a = mp.extsizeAlign(prev, next, extsz, off, length);
  const prod = extsz;
  const mod = a.off % prod ? prod - (a.off % prod) : 0;
  const target = mp.bmapAdjacent(ip, ip.cow, a.off, a.len);
  const { agno, r } = mp.allocExtent(target, a.len, { userdata: true, prod, mod });
  // xfs_bmap_process_allocated_extent: keep the caller's range covered
  let startoff = a.off;
  if (r.len <= length) startoff = off;
  else if (a.off + r.len < off + length) startoff = off + length - r.len;
  mp.takeBlocks(agno, r.agbno, r.len);
  const fsb = mp.agbToFsb(agno, r.agbno);
  const irec: BmbtIrec = { startoff, startblock: fsb, blockcount: r.len, unwritten: true };
  ip.cow.add(irec);
  mp.pag(agno).refc.allocCow(r.agbno, r.len);
  mp.rmapMap(fsb, r.len, { owner: XFS_RMAP_OWN_COW, offset: 0 });
  return irec;
}
