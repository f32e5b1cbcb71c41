// A sorted list of extents kept in chunks (a flat B+tree): the in-memory
// stand-in for the per-AG btrees (bnobt, rmapbt, refcountbt). Insert and
// remove cost O(log n + chunk size); every chunk keeps the largest extent
// end and length it holds, so overlap queries and "longest free extent"
// skip whole chunks. Memory and time grow with the number of extents,
// never with the number of blocks.
//
// Items are ordered by `cmp`; `start` and `len` give the block range an item
// covers (items may overlap, as rmap records of shared blocks do). Items are
// never changed in place: a change is a remove and an insert, each recorded
// in the journal so that a failed operation can be undone.

import type { XfsJournal, XfsJournalled } from './xfs_journal';

export interface ExtListOps<T> {
  cmp(a: T, b: T): number;
  start(t: T): number;
  len(t: T): number;
}

const CHUNK = 64;

interface Chunk<T> {
  items: T[];
  /** max of start+len over items (valid when !dirty) */
  maxEnd: number;
  /** max of len over items (valid when !dirty) */
  maxLen: number;
  /** pre[i]: max of start+len over items 0..i (valid when !preDirty) */
  pre: number[];
  dirty: boolean;
  preDirty: boolean;
}

/** a position in the list: chunk index and index inside the chunk */
export interface ExtPos {
  c: number;
  i: number;
}

export class ExtList<T> implements XfsJournalled<T> {
  private chunks: Chunk<T>[] = [];
  private count = 0;
  /** prefix[c]: the largest item end in chunks 0..c (valid below dirtyFrom) */
  private prefix: number[] = [];
  private dirtyFrom = 0;

  constructor(
    private readonly ops: ExtListOps<T>,
    private readonly journal: XfsJournal,
  ) {}

  get size(): number {
    return this.count;
  }

  private touch(c: number): void {
    const ch = this.chunks[c];
    if (ch) {
      ch.dirty = true;
      ch.preDirty = true;
    }
    if (c < this.dirtyFrom) this.dirtyFrom = c;
  }

  /** make prefix[] valid up to chunk upTo */
  private ensurePrefix(upTo: number): void {
    if (this.prefix.length !== this.chunks.length) {
      this.prefix.length = this.chunks.length;
    }
    for (let c = this.dirtyFrom; c <= upTo; c++) {
      const ch = this.chunks[c]!;
      this.refresh(ch);
      this.prefix[c] = Math.max(c > 0 ? this.prefix[c - 1]! : 0, ch.maxEnd);
    }
    if (upTo + 1 > this.dirtyFrom) this.dirtyFrom = upTo + 1;
  }

  private refreshPre(ch: Chunk<T>): void {
    if (!ch.preDirty) return;
    const pre = ch.pre;
    pre.length = ch.items.length;
    const { start, len } = this.ops;
    let me = 0;
    for (let i = 0; i < ch.items.length; i++) {
      const t = ch.items[i]!;
      const e = start(t) + len(t);
      if (e > me) me = e;
      pre[i] = me;
    }
    ch.preDirty = false;
  }

  private refresh(ch: Chunk<T>): void {
    if (!ch.dirty) return;
    let me = 0;
    let ml = 0;
    const { start, len } = this.ops;
    for (let i = 0; i < ch.items.length; i++) {
      const t = ch.items[i]!;
      const l = len(t);
      const e = start(t) + l;
      if (e > me) me = e;
      if (l > ml) ml = l;
    }
    ch.maxEnd = me;
    ch.maxLen = ml;
    ch.dirty = false;
  }

  /**
   * Position of the first item for which `probe(item) >= 0` (probe is
   * negative for items before the wanted key, as a comparator against it).
   * Returns the end position when there is none.
   */
  lowerBound(probe: (t: T) => number): ExtPos {
    const chs = this.chunks;
    let lo = 0;
    let hi = chs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const items = chs[mid]!.items;
      if (probe(items[items.length - 1]!) >= 0) hi = mid;
      else lo = mid + 1;
    }
    if (lo === chs.length) return { c: chs.length, i: 0 };
    const items = chs[lo]!.items;
    let a = 0;
    let b = items.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (probe(items[m]!) >= 0) b = m;
      else a = m + 1;
    }
    return { c: lo, i: a };
  }

  /** the item at a position, or undefined at the end */
  at(p: ExtPos): T | undefined {
    return this.chunks[p.c]?.items[p.i];
  }

  /** the next position (may be the end) */
  next(p: ExtPos): ExtPos {
    const ch = this.chunks[p.c];
    if (!ch) return p;
    if (p.i + 1 < ch.items.length) return { c: p.c, i: p.i + 1 };
    return { c: p.c + 1, i: 0 };
  }

  /** the previous position, or undefined before the first item */
  prev(p: ExtPos): ExtPos | undefined {
    if (p.i > 0) return { c: p.c, i: p.i - 1 };
    if (p.c === 0) return undefined;
    const ch = this.chunks[p.c - 1]!;
    return { c: p.c - 1, i: ch.items.length - 1 };
  }

  /** the last item */
  last(): T | undefined {
    const ch = this.chunks[this.chunks.length - 1];
    return ch ? ch.items[ch.items.length - 1] : undefined;
  }

  /** the position of the last item, or undefined when empty */
  lastPos(): ExtPos | undefined {
    const c = this.chunks.length - 1;
    return c < 0 ? undefined : { c, i: this.chunks[c]!.items.length - 1 };
  }

  /** largest len in the chunk of p (for skipping chunks of short extents) */
  chunkMaxLen(c: number): number {
    const ch = this.chunks[c];
    if (!ch) return 0;
    this.refresh(ch);
    return ch.maxLen;
  }

  get chunkCount(): number {
    return this.chunks.length;
  }

  /** first position of chunk c */
  chunkStart(c: number): ExtPos {
    return { c, i: 0 };
  }

  /** last position of chunk c */
  chunkEnd(c: number): ExtPos {
    return { c, i: this.chunks[c]!.items.length - 1 };
  }

  /** largest len of all items */
  maxLen(): number {
    let m = 0;
    for (const ch of this.chunks) {
      this.refresh(ch);
      if (ch.maxLen > m) m = ch.maxLen;
    }
    return m;
  }

  /** insert without journalling (the journal's undo) */
  rawInsert(t: T): void {
    const cmp = this.ops.cmp;
    if (this.chunks.length === 0) {
      this.chunks.push({ items: [t], maxEnd: 0, maxLen: 0, pre: [], dirty: true, preDirty: true });
      this.count++;
      this.touch(0);
      return;
    }
    const p = this.lowerBound((x) => cmp(x, t));
    let c = p.c;
    let i = p.i;
    if (c === this.chunks.length) {
      c = this.chunks.length - 1;
      i = this.chunks[c]!.items.length;
    }
    const ch = this.chunks[c]!;
    ch.items.splice(i, 0, t);
    this.count++;
    this.touch(c);
    if (ch.items.length > 2 * CHUNK) {
      const tail = ch.items.splice(CHUNK);
      this.chunks.splice(c + 1, 0, { items: tail, maxEnd: 0, maxLen: 0, pre: [], dirty: true, preDirty: true });
    }
  }

  /** remove without journalling (the journal's undo) */
  rawRemove(t: T): void {
    const cmp = this.ops.cmp;
    let p = this.lowerBound((x) => cmp(x, t));
    // several items may compare equal; find this very object
    for (;;) {
      const x = this.at(p);
      if (x === undefined || cmp(x, t) !== 0) throw new Error('ExtList: item not found');
      if (x === t) break;
      p = this.next(p);
    }
    const ch = this.chunks[p.c]!;
    ch.items.splice(p.i, 1);
    this.count--;
    this.touch(p.c);
    if (ch.items.length === 0) this.chunks.splice(p.c, 1);
  }

  insert(t: T): void {
    this.rawInsert(t);
    this.journal.inserted(this, t);
  }

  remove(t: T): void {
    this.rawRemove(t);
    this.journal.removed(this, t);
  }

  /** every item, in order */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const ch of this.chunks) yield* ch.items;
  }

  toArray(): T[] {
    const r: T[] = [];
    for (const ch of this.chunks) for (const t of ch.items) r.push(t);
    return r;
  }

  /**
   * Call fn for every item whose range [start, start+len) overlaps [lo, hi]
   * (inclusive block numbers), in list order, stopping when fn returns
   * non-zero (which is returned). The chunks to look at are found by binary
   * search: the last one starting at or before hi, and the first whose
   * items (with all before them) reach past lo.
   */
  overlapping(lo: number, hi: number, fn: (t: T) => number): number {
    const { start, len } = this.ops;
    const chs = this.chunks;
    // last chunk whose first item starts at or before hi
    let a = 0;
    let b = chs.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (start(chs[m]!.items[0]!) <= hi) a = m + 1;
      else b = m;
    }
    const cHi = a - 1;
    if (cHi < 0) return 0;
    this.ensurePrefix(cHi);
    // first chunk whose prefix max end passes lo
    a = 0;
    b = cHi + 1;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (this.prefix[m]! > lo) b = m;
      else a = m + 1;
    }
    for (let c = a; c <= cHi; c++) {
      const ch = chs[c]!;
      this.refresh(ch);
      if (ch.maxEnd <= lo) continue;
      // first item of the chunk that (with those before it) reaches past lo
      this.refreshPre(ch);
      const items = ch.items;
      let i = 0;
      let j = items.length;
      while (i < j) {
        const m = (i + j) >>> 1;
        if (ch.pre[m]! > lo) j = m;
        else i = m + 1;
      }
      for (; i < items.length; i++) {
        const t = items[i]!;
        const s = start(t);
        if (s > hi) return 0;
        if (s + len(t) > lo) {
          const r = fn(t);
          if (r !== 0) return r;
        }
      }
    }
    return 0;
  }
}
