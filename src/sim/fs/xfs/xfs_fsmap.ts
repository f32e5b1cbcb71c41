// Who owns a block of the XFS model, and `xfs_io -c 'fsmap'` over the data
// device (fs/xfs/xfs_fsmap.c: xfs_getfsmap). Methods of XfsMount
// (xfs_mount.ts) delegate here.

import { FSMAP_OWNER_TEXT, type RmapIrec, XFS_RMAP_NON_INODE_OWNER } from './xfs_format';
import type { XfsFsmapRecord, XfsMount } from './xfs_mount';

/** who owns a block: its rmap records (several for a shared block), empty when free */
export function xfsOwnersOf(mp: XfsMount, fsb: number): RmapIrec[] {
  const out: RmapIrec[] = [];
  if (!mp.verifyFsbno(fsb)) return out;
  const agbno = mp.fsbToAgbno(fsb);
  mp.pag(mp.fsbToAgno(fsb)).rmap.queryRange(agbno, agbno, (r) => {
    out.push(r);
    return 0;
  });
  return out;
}

/**
 * xfs_getfsmap for the data device, as `xfs_io -c 'fsmap -v'` lists it:
 * every rmap record in key order with the free space between them. Without
 * rmapbt the kernel reports from the free-space btree (used space as
 * "unknown"); `allOwners` reports the model's owners anyway.
 */
export function xfsFsmap(mp: XfsMount, opts: { allOwners?: boolean } = {}): XfsFsmapRecord[] {
  const g = mp.geo;
  const useRmap = g.rmapbt || !!opts.allOwners;
  const out: XfsFsmapRecord[] = [];
  const emit = (agno: number, agbno: number, count: number, owner: XfsFsmapRecord['owner'], r?: RmapIrec, shared = false): void => {
    const inode = typeof owner === 'number' && !XFS_RMAP_NON_INODE_OWNER(owner);
    out.push({
      daddr: mp.agbToDaddr(agno, agbno),
      bblen: mp.fsbToBb(count),
      agno,
      agbno,
      blockcount: count,
      owner,
      ownerText:
        owner === 'free' ? 'free space' : owner === 'unknown' ? 'unknown' : inode ? String(owner) : FSMAP_OWNER_TEXT[owner] ?? String(owner),
      offset: inode && r && !r.bmbtBlock ? r.offset : undefined,
      attrFork: r?.attrFork ?? false,
      bmbtBlock: r?.bmbtBlock ?? false,
      unwritten: r?.unwritten ?? false,
      shared,
    });
  };
  for (const pag of mp.ags) {
    let next = 0;
    if (useRmap) {
      for (const r of pag.rmap.list) {
        if (r.startblock > next) emit(pag.agno, next, r.startblock - next, 'free');
        emit(pag.agno, r.startblock, r.blockcount, r.owner, r, g.reflink && pag.refc.isShared(r.startblock, r.blockcount));
        next = Math.max(next, r.startblock + r.blockcount);
      }
    } else {
      for (const f of pag.free.list) {
        if (f.start > next) emit(pag.agno, next, f.start - next, 'unknown');
        emit(pag.agno, f.start, f.len, 'free');
        next = f.start + f.len;
      }
    }
    if (next < pag.length) emit(pag.agno, next, pag.length - next, useRmap ? 'free' : 'unknown');
  }
  return out;
}
