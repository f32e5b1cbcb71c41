// Inode allocation of the XFS model (fs/xfs/libxfs/xfs_ialloc.c):
// xfs_dialloc, xfs_dialloc_ag (finobt), xfs_ialloc_ag_alloc (new chunks,
// sparse as a last resort) and xfs_difree. Methods of XfsMount
// (xfs_mount.ts) delegate here.

import { type AllocArgs, type AllocResult, xfsAllocAgVextentNear } from './xfs_alloc';
import {
  XFS_AGB_TO_AGINO,
  XFS_AGINO_TO_AGBNO,
  XFS_AGINO_TO_INO,
  XFS_INODES_PER_CHUNK,
  XFS_INODES_PER_HOLEMASK_BIT,
  XFS_INO_TO_AGINO,
  XFS_INO_TO_AGNO,
  XFS_RMAP_OWN_INODES,
} from './xfs_format';
import { type XfsInoChunk, type XfsMount, XfsNoSpace, type XfsPerag } from './xfs_mount';

/**
 * xfs_dialloc: a new inode number. Directories start at the next AG of the
 * rotor, files in their parent's AG; the first AG (wrapping) with a free
 * inode, or room for a new chunk, gives it.
 */
export function xfsDialloc(mp: XfsMount, parent: number, isDir: boolean): number {
  const g = mp.geo;
  let start: number;
  if (isDir) {
    start = mp.rotor.agirotor % g.agcount;
    mp.journal.set(mp.rotor, 'agirotor', mp.rotor.agirotor + 1);
  } else start = parent ? XFS_INO_TO_AGNO(g, parent) : 0;
  for (let k = 0; k < g.agcount; k++) {
    const pag = mp.ags[(start + k) % g.agcount]!;
    if (pag.ifree === 0 && !mp.iallocAgAlloc(pag)) continue;
    return mp.diallocAg(pag, parent);
  }
  throw new XfsNoSpace('a new inode');
}

/** xfs_dialloc_ag (finobt): the free inode nearest the parent (same AG) or in the newest chunk */
export function xfsDiallocAg(mp: XfsMount, pag: XfsPerag, parent: number): number {
  const g = mp.geo;
  let pagino = parent ? XFS_INO_TO_AGINO(g, parent) : 0;
  if (!pagino) pagino = pag.newino;
  const fino = pag.finobt;
  let startino: number | undefined;
  if (parent && XFS_INO_TO_AGNO(g, parent) === pag.agno) {
    // xfs_dialloc_ag_finobt_near: the record holding pagino, else the closer neighbour
    const i = lowerIndex(fino, pagino + 1);
    const left = i > 0 ? fino[i - 1] : undefined;
    const right = fino[i];
    if (left !== undefined && pagino < left + XFS_INODES_PER_CHUNK) startino = left;
    else if (left !== undefined && right !== undefined) startino = pagino - left + XFS_INODES_PER_CHUNK - 1 > right - pagino ? right : left;
    else startino = left ?? right;
  } else {
    // xfs_dialloc_ag_finobt_newino
    startino = pag.newino >= 0 && pag.chunkByStart.get(pag.newino)?.freecount ? pag.newino : fino[0];
  }
  const rec = startino === undefined ? undefined : pag.chunkByStart.get(startino);
  if (!rec) throw new Error(`xfs_dialloc_ag: AG ${pag.agno} has no free inode`);
  const offset = rec.state.indexOf(0);
  rec.state[offset] = 1;
  mp.journal.record(() => {
    rec.state[offset] = 0;
  });
  mp.journal.set(rec, 'freecount', rec.freecount - 1);
  if (rec.freecount === 0) mp.journal.splice(fino, lowerIndex(fino, rec.startino), 1);
  mp.journal.set(pag, 'ifree', pag.ifree - 1);
  return XFS_AGINO_TO_INO(g, pag.agno, rec.startino + offset);
}

/**
 * xfs_ialloc_ag_alloc: a new inode chunk in this AG. First exactly after
 * the newest chunk; then aligned (sb_inoalignmt) near the inobt root;
 * then, with sparse inodes, a sparse chunk (sb_spino_align). The chunk is
 * an OWN_INODES rmap record. Each attempt first passes
 * xfs_alloc_fix_freelist's space check (spaceAvailable). Returns false
 * when the AG has no room.
 */
export function xfsIallocAgAlloc(mp: XfsMount, pag: XfsPerag): boolean {
  const g = mp.geo;
  const blks = g.iallocBlocks;
  let got: AllocResult | null = null;
  let sparse = false;
  if (pag.newino >= 0 && mp.spaceAvailable(pag, blks)) {
    const agbno = XFS_AGINO_TO_AGBNO(g, pag.newino) + blks;
    if (agbno + blks <= pag.length && pag.free.isFree(agbno, blks) && pag.free.busyTrim(agbno, blks, blks, blks).len === blks) got = { agbno, len: blks };
  }
  // xfs_alloc_ag_vextent_near flushes busy extents and retries when they were in the way
  const near = (args: AllocArgs): AllocResult | null => {
    const o = xfsAllocAgVextentNear(pag.free, args);
    if (o.r || !o.busy) return o.r;
    mp.forceLog();
    return xfsAllocAgVextentNear(pag.free, args).r;
  };
  if (!got && mp.spaceAvailable(pag, blks)) {
    got = near({ agbno: g.ibtBlock, minlen: blks, maxlen: blks, alignment: g.inoalignmt, userdata: false });
  }
  if (!got && g.iallocMinBlocks < blks && mp.spaceAvailable(pag, g.iallocMinBlocks)) {
    const minAgbno = g.inoalignmt;
    const maxAgbno = Math.floor(pag.length / g.inoalignmt) * g.inoalignmt - blks;
    got = near({
      agbno: g.ibtBlock,
      minlen: g.iallocMinBlocks,
      maxlen: g.iallocMinBlocks,
      alignment: g.spinoAlign,
      userdata: false,
      minAgbno,
      maxAgbno,
    });
    sparse = true;
  }
  if (!got) return false;
  mp.takeBlocks(pag.agno, got.agbno, got.len);
  pag.rmap.map(got.agbno, got.len, { owner: XFS_RMAP_OWN_INODES, offset: 0 });
  const agino = XFS_AGB_TO_AGINO(g, got.agbno);
  const startino = Math.floor(agino / XFS_INODES_PER_CHUNK) * XFS_INODES_PER_CHUNK;
  const state = new Uint8Array(XFS_INODES_PER_CHUNK);
  let holemask = 0;
  if (sparse) {
    const first = agino - startino;
    const n = got.len * g.inopblock;
    for (let i = 0; i < XFS_INODES_PER_CHUNK; i++) if (i < first || i >= first + n) state[i] = 2;
    for (let b = 0; b < 16; b++) if (state[b * XFS_INODES_PER_HOLEMASK_BIT] === 2) holemask |= 1 << b;
  }
  const existing = pag.chunkByStart.get(startino);
  const count = got.len * g.inopblock;
  if (existing) {
    // a sparse chunk filling in part of an existing record
    for (let i = 0; i < XFS_INODES_PER_CHUNK; i++) if (state[i] === 0 && existing.state[i] === 2) {
      const ii = i;
      existing.state[ii] = 0;
      mp.journal.record(() => {
        existing.state[ii] = 2;
      });
    }
    let hm = 0;
    for (let b = 0; b < 16; b++) if (existing.state[b * XFS_INODES_PER_HOLEMASK_BIT] === 2) hm |= 1 << b;
    mp.journal.set(existing, 'holemask', hm);
    if (existing.freecount === 0) mp.journal.splice(pag.finobt, lowerIndex(pag.finobt, startino), 0, startino);
    mp.journal.set(existing, 'freecount', existing.freecount + count);
  } else {
    const chunk: XfsInoChunk = { startino, holemask, state, freecount: count };
    const starts = pag.chunks.map((c) => c.startino);
    mp.journal.splice(pag.chunks, lowerIndex(starts, startino), 0, chunk);
    mp.journal.mapSet(pag.chunkByStart, startino, chunk);
    mp.journal.splice(pag.finobt, lowerIndex(pag.finobt, startino), 0, startino);
  }
  mp.journal.set(pag, 'newino', startino);
  mp.journal.set(pag, 'icount', pag.icount + count);
  mp.journal.set(pag, 'ifree', pag.ifree + count);
  return true;
}

/**
 * xfs_difree: the inode is free again; a chunk whose inodes are all free
 * goes back to free space (xfs_difree_inode_chunk; ikeep is off).
 */
export function xfsDifree(mp: XfsMount, ino: number): void {
  const g = mp.geo;
  const pag = mp.pag(XFS_INO_TO_AGNO(g, ino));
  const agino = XFS_INO_TO_AGINO(g, ino);
  const chunk = pag.chunkByStart.get(Math.floor(agino / XFS_INODES_PER_CHUNK) * XFS_INODES_PER_CHUNK)!;
  const off = agino - chunk.startino;
  chunk.state[off] = 0;
  mp.journal.record(() => {
    chunk.state[off] = 1;
  });
  if (chunk.freecount === 0) mp.journal.splice(pag.finobt, lowerIndex(pag.finobt, chunk.startino), 0, chunk.startino);
  mp.journal.set(chunk, 'freecount', chunk.freecount + 1);
  mp.journal.set(pag, 'ifree', pag.ifree + 1);
  if (chunk.state.every((s) => s !== 1)) {
    // free the allocated parts of the chunk
    const startAgbno = XFS_AGINO_TO_AGBNO(g, chunk.startino);
    let i = 0;
    while (i < XFS_INODES_PER_CHUNK) {
      if (chunk.state[i] === 2) {
        i++;
        continue;
      }
      let j = i;
      while (j < XFS_INODES_PER_CHUNK && chunk.state[j] !== 2) j++;
      const b = startAgbno + i / g.inopblock;
      const n = (j - i) / g.inopblock;
      pag.rmap.unmap(b, n, { owner: XFS_RMAP_OWN_INODES, offset: 0 });
      pag.free.give(b, n);
      i = j;
    }
    const count = chunk.freecount;
    mp.journal.splice(pag.chunks, pag.chunks.indexOf(chunk), 1);
    mp.journal.mapDelete(pag.chunkByStart, chunk.startino);
    mp.journal.splice(pag.finobt, lowerIndex(pag.finobt, chunk.startino), 1);
    mp.journal.set(pag, 'icount', pag.icount - count);
    mp.journal.set(pag, 'ifree', pag.ifree - count);
  }
}

/** index of the first element >= v in a sorted array */
function lowerIndex(a: number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m]! < v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

