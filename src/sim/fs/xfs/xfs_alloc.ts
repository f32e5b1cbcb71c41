// Free space of one allocation group (the by-block free-space btree, bnobt)
// and the extent allocator, after fs/xfs/libxfs/xfs_alloc.c of v6.12.
//
// Modelled: xfs_alloc_ag_vextent_exact (exact block), xfs_alloc_ag_vextent_near
// (the free extent best for locality: longest usable length first, then the
// smallest distance from the target as xfs_alloc_compute_diff measures it),
// xfs_alloc_ag_vextent_size (the smallest extent that fits, else the
// largest), alignment (xfs_alloc_compute_aligned) and the extent size hint's
// prod/mod length rounding (xfs_alloc_fix_len).
// Busy extents (xfs_extent_busy.c): blocks freed since the last log force
// stay out of allocations (xfs_extent_busy_trim) until the log is forced,
// which the allocator itself does when nothing else fits
// (xfs_extent_busy_flush). A real 6.12 kernel does not reuse the block a
// punch hole just freed for the rewrite that follows it.
// Not modelled: the AGFL refill and the per-AG reservations (the model
// hands out every free block; see docs in xfs_mount.ts).

import { ExtList, type ExtCodec, type ExtPos } from './xfs_extlist';
import type { XfsJournal } from './xfs_journal';
import { XFS_RMAP_OWN_AG } from './xfs_format';
import { type XfsMount, XfsNoSpace, type XfsPerag } from './xfs_mount';

/** a free extent: [start, start + len) in AG blocks */
export interface FreeExt {
  start: number;
  len: number;
}

/** the arguments of an allocation in one AG (a subset of struct xfs_alloc_arg) */
export interface AllocArgs {
  /** target block (xfs_alloc_arg.agbno) */
  agbno: number;
  minlen: number;
  maxlen: number;
  /** start block alignment, 1 = none */
  alignment: number;
  /** XFS_ALLOC_USERDATA: file data; metadata otherwise */
  userdata: boolean;
  /** length rounding from an extent size hint: len = k * prod + mod */
  prod?: number;
  mod?: number;
  /** locality range for a candidate's aligned start (sparse inode chunks) */
  minAgbno?: number;
  maxAgbno?: number;
}

export interface AllocResult {
  agbno: number;
  len: number;
}

/** what an allocation attempt saw: its result, and whether busy extents were in the way */
export interface AllocOutcome {
  r: AllocResult | null;
  /** some candidate was trimmed because of busy extents (a log force may help) */
  busy: boolean;
}

/** a free extent stored as [start, len] */
function readFree(a: Float64Array, o: number): FreeExt {
  return { start: a[o]!, len: a[o + 1]! };
}

function writeFree(t: FreeExt, a: Float64Array, o: number): void {
  a[o] = t.start;
  a[o + 1] = t.len;
}

/** by block (bnobt, busy extents) */
const BNO_CODEC: ExtCodec<FreeExt> = {
  width: 2,
  write: writeFree,
  read: readFree,
  cmp: (a, o, b, p) => a[o]! - b[p]!,
};

/** by size, then block (cntbt) */
const CNT_CODEC: ExtCodec<FreeExt> = {
  width: 2,
  write: writeFree,
  read: readFree,
  cmp: (a, o, b, p) => a[o + 1]! - b[p + 1]! || a[o]! - b[p]!,
};

/**
 * struct xfs_perag's free-space view: the by-block btree (bnobt) and the
 * by-size btree (cntbt, ordered by length then block) of one AG.
 */
export class XfsFreeSpace {
  readonly list: ExtList<FreeExt>;
  readonly cnt: ExtList<FreeExt>;
  /** busy extents (freed, not yet committed to the log): merged, disjoint */
  readonly busy: ExtList<FreeExt>;
  /** agf_freeblks */
  freeblks = 0;

  constructor(
    readonly agno: number,
    readonly agblocks: number,
    private readonly journal: XfsJournal,
  ) {
    this.list = new ExtList<FreeExt>(BNO_CODEC, journal);
    this.cnt = new ExtList<FreeExt>(CNT_CODEC, journal);
    this.busy = new ExtList<FreeExt>(BNO_CODEC, journal);
  }

  /** xfs_extent_busy_insert: freed blocks stay busy until the log is forced */
  markBusy(agbno: number, len: number): void {
    let start = agbno;
    let end = agbno + len;
    const hit: FreeExt[] = [];
    this.busy.overlapping(Math.max(0, start - 1), end, (b) => {
      hit.push(b);
      return 0;
    });
    for (const b of hit) {
      start = Math.min(start, b.start);
      end = Math.max(end, b.start + b.len);
      this.busy.remove(b);
    }
    this.busy.insert({ start, len: end - start });
  }

  /** blocks of [agbno, agbno + len) are not busy any more (reused by explicit placement) */
  unbusy(agbno: number, len: number): void {
    const end = agbno + len;
    const hit: FreeExt[] = [];
    this.busy.overlapping(agbno, end - 1, (b) => {
      hit.push(b);
      return 0;
    });
    for (const b of hit) {
      this.busy.remove(b);
      if (b.start < agbno) this.busy.insert({ start: b.start, len: agbno - b.start });
      if (b.start + b.len > end) this.busy.insert({ start: end, len: b.start + b.len - end });
    }
  }

  /** xfs_extent_busy_clear after a log force: nothing is busy */
  clearBusy(): void {
    for (const b of this.busy.toArray()) this.busy.remove(b);
  }

  /**
   * xfs_extent_busy_trim: the part of the free extent [bno, bno + len) an
   * allocation may use, avoiding busy blocks (length 0 when none).
   */
  busyTrim(bno: number, len: number, minlen: number, maxlen: number): { bno: number; len: number; trimmed: boolean } {
    if (this.busy.size === 0) return { bno, len, trimmed: false };
    let fbno = bno;
    let fend = bno + len;
    const hits: FreeExt[] = [];
    this.busy.overlapping(bno, bno + len - 1, (b) => {
      hits.push(b);
      return 0;
    });
    for (const b of hits) {
      if (fend - fbno < minlen) break;
      const bbno = b.start;
      const bend = b.start + b.len;
      if (fend <= bbno || fbno >= bend) continue;
      if (bbno <= fbno) {
        if (fend <= bend) return { bno: fbno, len: 0, trimmed: true };
        fbno = bend;
      } else if (bend >= fend) fend = bbno;
      else if (bbno - fbno >= maxlen) fend = bbno;
      else if (fend - bend >= maxlen * 4) fbno = bend;
      else if (bbno - fbno >= minlen) fend = bbno;
      else return { bno: fbno, len: 0, trimmed: true };
    }
    const trimmed = fbno !== bno || fend - fbno !== len;
    return { bno: fbno, len: Math.max(0, fend - fbno), trimmed };
  }

  private add(e: FreeExt): void {
    this.list.insert(e);
    this.cnt.insert(e);
  }

  private del(e: FreeExt): void {
    this.list.remove(e);
    this.cnt.remove(e);
  }

  /** the bnobt position of the free extent containing agbno, or undefined */
  private findPos(agbno: number): ExtPos | undefined {
    const list = this.list;
    const p = list.lowerBound((a, o) => a[o]! + a[o + 1]! - 1 - agbno);
    return list.field(p, 0) <= agbno ? p : undefined;
  }

  /** the free extent containing agbno */
  find(agbno: number): FreeExt | undefined {
    const p = this.findPos(agbno);
    return p && this.list.at(p);
  }

  /** is every block of [agbno, agbno + len) free? */
  isFree(agbno: number, len: number): boolean {
    const p = this.findPos(agbno);
    return !!p && agbno + len <= this.list.field(p, 0) + this.list.field(p, 1);
  }

  /** xfs_alloc_fixup_trees: take [agbno, agbno + len) out of the free extent holding it */
  take(agbno: number, len: number): void {
    this.takeMany([agbno], [len]);
  }

  /**
   * take() for many ranges at once: `starts` sorted, the ranges disjoint
   * (a file's explicit extents in one AG). The ranges that fall in one free
   * extent split it in a single pass; the result is the same as taking them
   * one by one.
   */
  takeMany(starts: ArrayLike<number>, lens: ArrayLike<number>): void {
    const n = starts.length;
    let k = 0;
    while (k < n) {
      const p = this.findPos(starts[k]!);
      const e = p && this.list.at(p);
      if (!e || starts[k]! + lens[k]! > e.start + e.len) throw new Error(`xfs_alloc: AG ${this.agno} blocks ${starts[k]}+${lens[k]} are not free`);
      const eend = e.start + e.len;
      // what is left of e: the gaps before, between and after the ranges in it
      const pieces: FreeExt[] = [];
      let cur = e.start;
      let taken = 0;
      while (k < n && starts[k]! >= cur && starts[k]! + lens[k]! <= eend) {
        if (starts[k]! > cur) pieces.push({ start: cur, len: starts[k]! - cur });
        cur = starts[k]! + lens[k]!;
        taken += lens[k]!;
        k++;
      }
      if (cur < eend) pieces.push({ start: cur, len: eend - cur });
      // the bnobt: the first piece keeps e's place (its start stays between e's neighbours)
      if (pieces.length) {
        this.list.replaceAt(p, pieces[0]!);
        for (let i = 1; i < pieces.length; i++) this.list.insert(pieces[i]!);
      } else this.list.removeAt(p);
      // the cntbt: the longest piece takes e's place when it still sorts there
      let longest = -1;
      for (let i = 0; i < pieces.length; i++) if (longest < 0 || pieces[i]!.len > pieces[longest]!.len) longest = i;
      if (longest >= 0) this.cnt.replace(e, pieces[longest]!);
      else this.cnt.remove(e);
      for (let i = 0; i < pieces.length; i++) if (i !== longest) this.cnt.insert(pieces[i]!);
      this.journal.set(this, 'freeblks', this.freeblks - taken);
    }
  }

  /**
   * xfs_free_ag_extent: give [agbno, agbno + len) back, merging with its
   * neighbours; the blocks are busy until the next log force unless `busy`
   * is false (mkfs, undoing an allocation).
   */
  give(agbno: number, len: number, busy = true): void {
    if (len <= 0) return;
    const p = this.list.lowerBound((a, o) => a[o]! - agbno);
    const right = this.list.at(p);
    const pp = this.list.prev(p);
    const left = pp ? this.list.at(pp) : undefined;
    if ((left && left.start + left.len > agbno) || (right && right.start < agbno + len))
      throw new Error(`xfs_free_ag_extent: AG ${this.agno} blocks ${agbno}+${len} are already free`);
    let start = agbno;
    let end = agbno + len;
    if (left && left.start + left.len === agbno) {
      start = left.start;
      this.del(left);
    }
    if (right && right.start === end) {
      end = right.start + right.len;
      this.del(right);
    }
    this.add({ start, len: end - start });
    this.journal.set(this, 'freeblks', this.freeblks + len);
    if (busy) this.markBusy(agbno, len);
  }

  /** agf_longest: the last record of the cntbt */
  longest(): number {
    const q = this.cnt.lastPos();
    return q ? this.cnt.field(q, 1) : 0;
  }

  extents(): FreeExt[] {
    return this.list.toArray().map((e) => ({ start: e.start, len: e.len }));
  }
}

/** xfs_alloc_compute_aligned (without busy extents): the aligned start and usable length */
export function xfsAllocComputeAligned(bno: number, len: number, alignment: number): { bnoa: number; lena: number } {
  const bnoa = alignment > 1 ? Math.ceil(bno / alignment) * alignment : bno;
  const lena = bnoa >= bno + len ? 0 : len - (bnoa - bno);
  return { bnoa, lena };
}

/**
 * xfs_alloc_compute_diff: where in the free extent [freebno, +freelen) an
 * allocation of wantlen near wantbno should start, and how far that is.
 * Returns null when the aligned start falls outside the extent (NULLAGBLOCK).
 */
export function xfsAllocComputeDiff(
  wantbno: number,
  wantlen: number,
  alignment: number,
  userdata: boolean,
  freebno: number,
  freelen: number,
): { newbno: number; diff: number } | null {
  const freeend = freebno + freelen;
  const wantend = wantbno + wantlen;
  const roundup = (v: number): number => (alignment > 1 ? Math.ceil(v / alignment) * alignment : v);
  let newbno: number | null;
  // Start of the free extent when it lies past the target, and for user
  // data also when it lies wholly before it (room to grow the file into).
  if (freebno >= wantbno || (userdata && freeend < wantend)) {
    newbno = roundup(freebno);
    if (newbno >= freeend) newbno = null;
  } else if (freeend >= wantend && alignment > 1) {
    let n1: number | null = roundup(wantbno);
    let n2: number | null = n1 - alignment;
    let l1 = 0;
    let l2 = 0;
    if (n1 >= freeend) n1 = null;
    else l1 = Math.min(wantlen, freeend - n1);
    if (n2 < freebno) n2 = null;
    else l2 = Math.min(wantlen, freeend - n2);
    if (n1 !== null && n2 !== null) {
      if (l1 < l2 || (l1 === l2 && Math.abs(n1 - wantbno) > Math.abs(n2 - wantbno))) n1 = n2;
    } else if (n2 !== null) n1 = n2;
    newbno = n1;
  } else if (freeend >= wantend) {
    newbno = wantbno;
  } else if (alignment > 1) {
    newbno = roundup(freeend - wantlen);
    if (newbno > freeend - wantlen && newbno - alignment >= freebno) newbno -= alignment;
    else if (newbno >= freeend) newbno = null;
  } else {
    newbno = freeend - wantlen;
  }
  if (newbno === null) return null;
  return { newbno, diff: Math.abs(newbno - wantbno) };
}

/** xfs_alloc_fix_len: round len to k * prod + mod when an extent size hint asks for it */
export function xfsAllocFixLen(len: number, args: AllocArgs): number {
  const prod = args.prod ?? 1;
  const mod = args.mod ?? 0;
  let rlen = len;
  if (prod <= 1 || rlen < mod || rlen === args.maxlen || (mod === 0 && rlen < prod)) return rlen;
  const k = rlen % prod;
  if (mod) {
    if (k > mod) rlen -= k - mod;
    else if (k < mod) rlen += mod - prod - k;
  } else rlen -= k;
  if (rlen < args.minlen) return len;
  return rlen;
}

interface Candidate {
  len: number;
  diff: number;
  bno: number;
}

/**
 * xfs_alloc_compute_aligned with busy extents: trim the free extent around
 * busy blocks, then align its start. Sets st.busy when busy blocks were in
 * the way.
 */
function computeAligned(fs: XfsFreeSpace, e: FreeExt, args: AllocArgs, st: { busy: boolean }): { bnoa: number; lena: number } {
  const t = fs.busyTrim(e.start, e.len, args.minlen, args.maxlen);
  if (t.trimmed) st.busy = true;
  if (t.len === 0) return { bnoa: t.bno, lena: 0 };
  return xfsAllocComputeAligned(t.bno, t.len, args.alignment);
}

/** score one free extent for a near allocation (xfs_alloc_cur_check) */
function nearCheck(fs: XfsFreeSpace, e: FreeExt, args: AllocArgs, st: { busy: boolean }): Candidate | null {
  if (e.len < args.minlen) return null;
  const { bnoa, lena } = computeAligned(fs, e, args, st);
  if (args.minAgbno !== undefined && bnoa < args.minAgbno) return null;
  if (args.maxAgbno !== undefined && bnoa > args.maxAgbno) return null;
  if (lena < args.minlen) return null;
  const len = xfsAllocFixLen(Math.min(lena, args.maxlen), args);
  const d = xfsAllocComputeDiff(args.agbno, len, args.alignment, args.userdata, bnoa, lena);
  if (!d) return null;
  return { len, diff: d.diff, bno: d.newbno };
}

function better(c: Candidate, best: Candidate | null): boolean {
  if (!best) return true;
  if (c.len !== best.len) return c.len > best.len;
  if (c.diff !== best.diff) return c.diff < best.diff;
  return c.bno > best.bno;
}

/**
 * xfs_alloc_ag_vextent_near: the best extent for locality. A longer usable
 * length always wins; among equal lengths the smaller distance from the
 * target wins. The walk goes outwards from the target in both directions
 * and stops a direction once nothing further can be closer.
 */
export function xfsAllocAgVextentNear(fs: XfsFreeSpace, args: AllocArgs): AllocOutcome {
  const list = fs.list;
  const st = { busy: false };
  let best: Candidate | null = null;
  const start = list.lowerBound((a, o) => a[o]! - args.agbno);
  // leftwards, including the extent that may contain the target
  let lp = list.prev(start);
  let rp: ReturnType<typeof list.prev> = list.at(start) ? start : undefined;
  let leftDone = !lp;
  let rightDone = !rp;
  while (!leftDone || !rightDone) {
    if (!leftDone && lp) {
      // skip whole chunks of extents too short to matter
      const need = best && best.len === args.maxlen ? args.maxlen : args.minlen;
      if (lp.i === list.chunkEnd(lp.c).i && list.chunkMaxLen(lp.c) < need) {
        lp = lp.c > 0 ? list.chunkEnd(lp.c - 1) : undefined;
        if (!lp) leftDone = true;
      } else {
        const e = list.at(lp)!;
        const bound = args.agbno - (e.start + e.len);
        if (best && best.len === args.maxlen && bound > best.diff) leftDone = true;
        else {
          const c = nearCheck(fs, e, args, st);
          if (c && better(c, best)) best = c;
          lp = list.prev(lp);
          if (!lp) leftDone = true;
        }
      }
    }
    if (!rightDone && rp) {
      const need = best && best.len === args.maxlen ? args.maxlen : args.minlen;
      if (rp.i === 0 && list.chunkMaxLen(rp.c) < need) {
        rp = rp.c + 1 < list.chunkCount ? list.chunkStart(rp.c + 1) : undefined;
        if (!rp) rightDone = true;
      } else {
        const e = list.at(rp)!;
        const bound = e.start - args.agbno;
        if (best && best.len === args.maxlen && bound > best.diff) rightDone = true;
        else {
          const c = nearCheck(fs, e, args, st);
          if (c && better(c, best)) best = c;
          const n = list.next(rp);
          rp = list.at(n) ? n : undefined;
          if (!rp) rightDone = true;
        }
      }
    }
  }
  return { r: best ? { agbno: best.bno, len: best.len } : null, busy: st.busy };
}

/**
 * xfs_alloc_ag_vextent_size: no locality. The smallest free extent that
 * holds maxlen (lowest block among equals, the by-size btree order), taken
 * from its start; failing that the largest one, if it holds minlen.
 */
export function xfsAllocAgVextentSize(fs: XfsFreeSpace, args: AllocArgs): AllocOutcome {
  const st = { busy: false };
  const slop = args.alignment > 1 ? args.alignment - 1 : 0;
  // the cntbt from the first extent of at least maxlen (plus alignment slop)
  const want = args.maxlen + slop;
  let p = fs.cnt.lowerBound((a, o) => a[o + 1]! - want);
  for (let e = fs.cnt.at(p); e; p = fs.cnt.next(p), e = fs.cnt.at(p)) {
    const { bnoa, lena } = computeAligned(fs, e, args, st);
    if (lena >= args.maxlen) return { r: { agbno: bnoa, len: xfsAllocFixLen(args.maxlen, args) }, busy: st.busy };
  }
  // nothing holds maxlen: the largest (last in the cntbt) that holds minlen
  let best: { bnoa: number; lena: number } | null = null;
  for (let q = fs.cnt.lastPos(); q; q = fs.cnt.prev(q)) {
    const e = fs.cnt.at(q)!;
    if (best && e.len < best.lena) break;
    if (e.len < args.minlen) break;
    const { bnoa, lena } = computeAligned(fs, e, args, st);
    if (lena >= args.minlen && (!best || lena > best.lena)) best = { bnoa, lena };
  }
  if (!best) return { r: null, busy: st.busy };
  return { r: { agbno: best.bnoa, len: xfsAllocFixLen(Math.min(best.lena, args.maxlen), args) }, busy: st.busy };
}

/** xfs_alloc_ag_vextent_exact: exactly at args.agbno, as much as is free (and not busy) there up to maxlen */
export function xfsAllocAgVextentExact(fs: XfsFreeSpace, args: AllocArgs): AllocOutcome {
  const e = fs.find(args.agbno);
  if (!e) return { r: null, busy: false };
  const t = fs.busyTrim(e.start, e.len, args.minlen, args.maxlen);
  if (t.len === 0 || t.bno > args.agbno) return { r: null, busy: t.trimmed };
  const end = Math.min(t.bno + t.len, args.agbno + args.maxlen);
  const len = xfsAllocFixLen(end - args.agbno, args);
  if (len < args.minlen) return { r: null, busy: t.trimmed };
  return { r: { agbno: args.agbno, len }, busy: t.trimmed };
}

// ---------------------------------------------------------------------
// Allocation on the mount (xfs_alloc_vextent_*, xfs_alloc_fix_freelist,
// xfs_free_extent): methods of XfsMount (xfs_mount.ts) delegate here.

/**
 * xfs_alloc_longest_free_extent(pag, xfs_alloc_min_freelist, no
 * reservation): the longest extent an allocation could get once the AGFL
 * is topped up from free space; 1 when only a block might be left.
 */
export function xfsLongestFreeExtent(mp: XfsMount, pag: XfsPerag): number {
  const need = mp.geo.minFreelist;
  const delta = need > pag.agfl.length ? need - pag.agfl.length : 0;
  const longest = pag.free.longest();
  if (longest > delta) return Math.min(mp.geo.agMaxUsable, longest - delta);
  return pag.agfl.length > 0 || longest > 0 ? 1 : 0;
}

/**
 * xfs_alloc_space_available (no reservations, no minleft, no alignment
 * slop): can this AG give `allocLen` contiguous blocks and still keep its
 * AGFL at xfs_alloc_min_freelist? With a full AGFL this is just "the
 * longest free extent holds allocLen". It refuses an AG whose free space
 * cannot fill its AGFL: mkfs leaves such an AGFL empty (the log AG of a
 * filesystem with small AGs, where the log takes all but a few blocks),
 * and xfs_alloc_fix_freelist then never allocates there.
 */
export function xfsSpaceAvailable(mp: XfsMount, pag: XfsPerag, allocLen: number): boolean {
  const need = mp.geo.minFreelist;
  if (mp.longestFreeExtent(pag) < allocLen) return false;
  const available = pag.free.freeblks + Math.min(pag.agfl.length, need) - need;
  return available >= allocLen;
}

/**
 * xfs_alloc_fix_freelist as mkfs's initialise_ag_freespace calls it (a
 * zero-length request): when the AG has the space (xfs_alloc_space_available),
 * fill the AGFL up to xfs_alloc_min_freelist from the smallest fitting free
 * extents; otherwise leave it as it is. At run time the model never
 * refills: an AG mkfs could fill keeps its full AGFL (btrees other than the
 * bmbt never grow), and one it could not never gains free blocks.
 */
export function xfsFixFreelist(mp: XfsMount, pag: XfsPerag): void {
  const need = mp.geo.minFreelist;
  if (!mp.spaceAvailable(pag, 0)) return;
  while (pag.agfl.length < need) {
    const r = xfsAllocAgVextentSize(pag.free, { agbno: 0, minlen: 1, maxlen: need - pag.agfl.length, alignment: 1, userdata: false }).r;
    if (!r) break;
    pag.free.take(r.agbno, r.len);
    pag.rmap.map(r.agbno, r.len, { owner: XFS_RMAP_OWN_AG, offset: 0 });
    const blocks = Array.from({ length: r.len }, (_, i) => r.agbno + i);
    mp.journal.set(pag, 'agfl', [...pag.agfl, ...blocks]);
  }
}

/**
 * xfs_bmap_btalloc: find up to `len` blocks near fsb `target`.
 * xfs_bmap_btalloc_select_lengths: scan the AGs from the target's for one
 * whose longest free extent holds maxlen; if none, the minimum length
 * becomes the longest seen. xfs_alloc_vextent_start_ag: the first AG (from
 * the target's, wrapping) with an extent of minlen allocates, near the
 * target in the target's AG, by size in any other. Throws XfsNoSpace.
 * Does not take the blocks.
 */
export function xfsAllocExtent(mp: XfsMount, target: number, len: number, opts: { userdata: boolean; minlen?: number; prod?: number; mod?: number; alignment?: number }): { agno: number; r: AllocResult } {
  const g = mp.geo;
  const maxlen = Math.min(len, g.agMaxUsable);
  const apMinlen = opts.minlen ?? 1;
  const startAg = mp.verifyFsbno(target) ? mp.fsbToAgno(target) : 0;
  const targetAgbno = mp.verifyFsbno(target) ? mp.fsbToAgbno(target) : 0;
  let blen = 0;
  for (let k = 0; k < g.agcount; k++) {
    const l = mp.longestFreeExtent(mp.ags[(startAg + k) % g.agcount]!);
    if (l > blen) blen = l;
    if (blen >= maxlen) break;
  }
  if (blen === 0) throw new XfsNoSpace(`${len} blocks`);
  const minlen = blen < apMinlen ? apMinlen : blen < maxlen ? blen : maxlen;
  const base: AllocArgs = {
    agbno: targetAgbno,
    minlen,
    maxlen,
    alignment: opts.alignment ?? 1,
    userdata: opts.userdata,
    prod: opts.prod,
    mod: opts.mod,
  };
  const attempt = (): { agno: number; r: AllocResult } | { busy: boolean } => {
    let busy = false;
    for (let k = 0; k < g.agcount; k++) {
      const agno = (startAg + k) % g.agcount;
      const pag = mp.ags[agno]!;
      if (!mp.spaceAvailable(pag, minlen)) continue;
      const o =
        agno === startAg && targetAgbno !== 0
          ? xfsAllocAgVextentNear(pag.free, base)
          : xfsAllocAgVextentSize(pag.free, { ...base, agbno: 0 });
      if (o.r) return { agno, r: o.r };
      busy ||= o.busy;
      break;
    }
    // xfs_bmap_btalloc_low_space: any AG, from the first, minimum length
    for (let agno = 0; agno < g.agcount; agno++) {
      if (!mp.spaceAvailable(mp.ags[agno]!, apMinlen)) continue;
      const o = xfsAllocAgVextentSize(mp.ags[agno]!.free, { ...base, agbno: 0, minlen: apMinlen, alignment: 1 });
      if (o.r) return { agno, r: o.r };
      busy ||= o.busy;
    }
    return { busy };
  };
  let got = attempt();
  // xfs_extent_busy_flush: force the log so that busy extents can be used, and retry
  if ('busy' in got && got.busy) {
    mp.forceLog();
    got = attempt();
  }
  if ('r' in got) return got;
  throw new XfsNoSpace(`${len} blocks`);
}

/** take blocks out of free space (the allocation itself) */
export function xfsTakeBlocks(mp: XfsMount, agno: number, agbno: number, len: number): void {
  const free = mp.pag(agno).free;
  free.take(agbno, len);
  if (free.busy.size) free.unbusy(agbno, len);
}

/**
 * takeBlocks for the explicit extents of a new file (checked free and
 * disjoint): per AG, in block order, with takeMany.
 */
export function xfsTakePlaced(mp: XfsMount, exts: { block: number; length: number }[]): void {
  const byAg = new Map<number, { block: number; length: number }[]>();
  for (const e of exts) {
    const agno = mp.fsbToAgno(e.block);
    let l = byAg.get(agno);
    if (!l) byAg.set(agno, (l = []));
    l.push(e);
  }
  for (const [agno, l] of byAg) {
    let inOrder = true;
    for (let i = 1; i < l.length && inOrder; i++) if (l[i]!.block < l[i - 1]!.block) inOrder = false;
    if (!inOrder) l.sort((a, b) => a.block - b.block);
    const starts = l.map((e) => mp.fsbToAgbno(e.block));
    const lens = l.map((e) => e.length);
    const free = mp.pag(agno).free;
    free.takeMany(starts, lens);
    if (free.busy.size) for (let i = 0; i < starts.length; i++) free.unbusy(starts[i]!, lens[i]!);
  }
}

/** xfs_free_extent: blocks back to free space (rmap already updated by the caller) */
export function xfsFreeBlocks(mp: XfsMount, fsb: number, len: number, busy = true): void {
  mp.pag(mp.fsbToAgno(fsb)).free.give(mp.fsbToAgbno(fsb), len, busy);
}
