// The reference-count btree of one AG, after fs/xfs/libxfs/xfs_refcount.c
// of v6.12. Shared-domain records hold blocks used by two or more owners
// (refcount >= 2; a block with no record has refcount 1 if it is in use);
// CoW-domain records hold copy-on-write staging extents (refcount 1, stored
// with XFS_REFC_COWFLAG so they sort after every shared record). Adjusting a
// range splits records at its edges, changes every piece by the delta, drops
// pieces that fall to 1 and merges neighbours that end up equal
// (xfs_refcount_split_extent, xfs_refcount_merge_extents,
// xfs_refcount_adjust_extents).

import { ExtList, type ExtCodec } from './xfs_extlist';
import type { XfsJournal } from './xfs_journal';
import type { RefcountIrec } from './xfs_format';
import type { XfsMount } from './xfs_mount';

/** records of one domain, stored as [startblock, blockcount, refcount] */
function makeList(journal: XfsJournal, domain: RefcountIrec['domain']): ExtList<RefcountIrec> {
  const codec: ExtCodec<RefcountIrec> = {
    width: 3,
    write(r, a, o) {
      a[o] = r.startblock;
      a[o + 1] = r.blockcount;
      a[o + 2] = r.refcount;
    },
    read: (a, o) => ({ startblock: a[o]!, blockcount: a[o + 1]!, refcount: a[o + 2]!, domain }),
    cmp: (a, o, b, p) => a[o]! - b[p]!,
  };
  return new ExtList<RefcountIrec>(codec, journal);
}

export class XfsRefcountBtree {
  /** XFS_REFC_DOMAIN_SHARED records */
  readonly shared: ExtList<RefcountIrec>;
  /** XFS_REFC_DOMAIN_COW records */
  readonly cow: ExtList<RefcountIrec>;

  constructor(
    readonly agno: number,
    journal: XfsJournal,
  ) {
    this.shared = makeList(journal, 'shared');
    this.cow = makeList(journal, 'cow');
  }

  private pieces(list: ExtList<RefcountIrec>, bno: number, len: number): RefcountIrec[] {
    const out: RefcountIrec[] = [];
    list.overlapping(bno, bno + len - 1, (r) => {
      out.push(r);
      return 0;
    });
    return out;
  }

  /** refcount of every piece of [bno, bno + len): runs of equal count, holes counting as 1 */
  runs(bno: number, len: number): { start: number; len: number; refcount: number }[] {
    const out: { start: number; len: number; refcount: number }[] = [];
    let pos = bno;
    const end = bno + len;
    for (const r of this.pieces(this.shared, bno, len)) {
      const s = Math.max(r.startblock, bno);
      const e = Math.min(r.startblock + r.blockcount, end);
      if (s > pos) out.push({ start: pos, len: s - pos, refcount: 1 });
      out.push({ start: s, len: e - s, refcount: r.refcount });
      pos = e;
    }
    if (pos < end) out.push({ start: pos, len: end - pos, refcount: 1 });
    return out;
  }

  /** xfs_refcount_find_shared: the first shared block in [bno, bno + len) and how far sharing runs from it */
  findShared(bno: number, len: number): { fbno: number; flen: number } | null {
    for (const r of this.runs(bno, len)) if (r.refcount > 1) {
      // find_end_of_shared: extend over following shared pieces
      let flen = r.len;
      for (const q of this.runs(r.start + r.len, bno + len - (r.start + r.len))) {
        if (q.refcount > 1) flen += q.len;
        else break;
      }
      return { fbno: r.start, flen };
    }
    return null;
  }

  /** does any block of [bno, bno + len) have refcount >= 2 */
  isShared(bno: number, len: number): boolean {
    return this.shared.overlappingRaw(bno, bno + len - 1, () => 1) !== 0;
  }

  /**
   * xfs_refcount_adjust: add `adj` (+1 or -1) to the refcount of every block
   * of [bno, bno + len). Returns the pieces whose count fell to 0: the
   * caller frees them (xfs_refcount_adjust_extents frees them with
   * xfs_free_extent_later).
   */
  adjust(bno: number, len: number, adj: 1 | -1): { start: number; len: number }[] {
    const freed: { start: number; len: number }[] = [];
    const end = bno + len;
    const runs = this.runs(bno, len);
    // xfs_refcount_split_extent at both edges: the parts of the records
    // overlapping the range that lie outside it stay as they were
    for (const r of this.pieces(this.shared, bno, len)) {
      this.shared.remove(r);
      const rend = r.startblock + r.blockcount;
      if (r.startblock < bno) this.shared.insert({ ...r, blockcount: bno - r.startblock });
      if (rend > end) this.shared.insert({ ...r, startblock: end, blockcount: rend - end });
    }
    for (const r of runs) {
      const n = r.refcount + adj;
      if (n <= 0) freed.push({ start: r.start, len: r.len });
      else if (n >= 2) this.shared.insert({ startblock: r.start, blockcount: r.len, refcount: n, domain: 'shared' });
    }
    this.mergeAround(this.shared, bno, end);
    return freed;
  }

  /** merge records with equal refcounts that touch across the edges of [bno, end) */
  private mergeAround(list: ExtList<RefcountIrec>, bno: number, end: number): void {
    const recs: RefcountIrec[] = [];
    list.overlapping(Math.max(0, bno - 1), end, (r) => {
      recs.push(r);
      return 0;
    });
    let i = 0;
    while (i + 1 < recs.length) {
      const a = recs[i]!;
      const b = recs[i + 1]!;
      if (a.startblock + a.blockcount === b.startblock && a.refcount === b.refcount) {
        list.remove(a);
        list.remove(b);
        const m: RefcountIrec = { startblock: a.startblock, blockcount: a.blockcount + b.blockcount, refcount: a.refcount, domain: a.domain };
        list.insert(m);
        recs.splice(i, 2, m);
      } else i++;
    }
  }

  /** xfs_refcount_alloc_cow_extent (refcount side): a new CoW staging extent */
  allocCow(bno: number, len: number): void {
    this.cow.insert({ startblock: bno, blockcount: len, refcount: 1, domain: 'cow' });
    this.mergeAround(this.cow, bno, bno + len);
  }

  /** xfs_refcount_free_cow_extent (refcount side): [bno, bno + len) is no longer staging */
  freeCow(bno: number, len: number): void {
    const end = bno + len;
    const hit = this.pieces(this.cow, bno, len);
    let covered = 0;
    for (const r of hit) {
      this.cow.remove(r);
      const rend = r.startblock + r.blockcount;
      covered += Math.min(rend, end) - Math.max(r.startblock, bno);
      if (r.startblock < bno) this.cow.insert({ ...r, blockcount: bno - r.startblock });
      if (rend > end) this.cow.insert({ ...r, startblock: end, blockcount: rend - end });
    }
    if (covered !== len) throw new Error(`xfs_refcount_free_cow_extent: AG ${this.agno} blocks ${bno}+${len} are not CoW staging`);
  }

  /** every record in on-disk key order: shared ones, then CoW staging ones */
  records(): RefcountIrec[] {
    return [...this.shared.toArray(), ...this.cow.toArray()];
  }
}

// ---------------------------------------------------------------------
// Reference count updates on the mount (xfs_refcount_increase_extent /
// xfs_refcount_decrease_extent): methods of XfsMount (xfs_mount.ts) delegate here.

/** xfs_refcount_increase_extent */
export function xfsRefcountIncrease(mp: XfsMount, fsb: number, len: number): void {
  if (!mp.geo.reflink) return;
  mp.pag(mp.fsbToAgno(fsb)).refc.adjust(mp.fsbToAgbno(fsb), len, 1);
}

/**
 * xfs_refcount_decrease_extent (with a non-reflink filesystem or inode,
 * xfs_free_extent_later): drop one reference; blocks nobody references
 * any more are freed.
 */
export function xfsRefcountDecrease(mp: XfsMount, fsb: number, len: number): void {
  const agno = mp.fsbToAgno(fsb);
  const agbno = mp.fsbToAgbno(fsb);
  if (!mp.geo.reflink) {
    mp.pag(agno).free.give(agbno, len);
    return;
  }
  for (const f of mp.pag(agno).refc.adjust(agbno, len, -1)) mp.pag(agno).free.give(f.start, f.len);
}
