// A sorted list of extents kept in chunks (a flat B+tree): the in-memory
// stand-in for the per-AG btrees (bnobt, cntbt, rmapbt, refcountbt). Insert
// and remove cost O(log n + chunk size); every chunk keeps the largest
// extent end and length it holds, so overlap queries and "longest free
// extent" skip whole chunks. Memory and time grow with the number of
// extents, never with the number of blocks.
//
// Records are stored packed, `width` numbers each, in one Float64Array per
// chunk (a codec turns them into objects and back): a list of a million
// records costs a few typed arrays per 128 records, not a million objects.
// Objects handed out (at, overlapping, iteration, toArray) are fresh copies;
// changing them changes nothing in the list. Field 0 of every record is its
// first block, field 1 its length.
//
// Items are ordered by the codec's `cmp`; records may overlap (rmap records
// of shared blocks do). Items are never changed in place from outside: a
// change is a remove and an insert, each recorded in the journal so that a
// failed operation can be undone. `remove` takes a record by value (every
// field equal), so the copy handed out earlier identifies it.
//
// Lookups remember the last position they touched: an insert right after the
// previous one (a file's extents in ascending order, say) finds its place
// with two comparisons instead of a binary search.

import type { XfsJournal, XfsJournalled } from './xfs_journal';

/** how a record type is stored: `width` numbers, field 0 the start block, field 1 the length */
export interface ExtCodec<T> {
  readonly width: number;
  /** store t at a[o .. o + width) */
  write(t: T, a: Float64Array, o: number): void;
  /** a fresh object of the record at a[o] */
  read(a: Float64Array, o: number): T;
  /** list order of the records at a[o] and b[p] (negative: a first) */
  cmp(a: Float64Array, o: number, b: Float64Array, p: number): number;
}

/** a probe over a stored record: negative for records before the wanted key, as a comparator against it */
export type ExtProbe = (a: Float64Array, o: number) => number;

/** records per chunk at most */
const CHUNK_MAX = 128;
/** capacity of a fresh chunk (grows by doubling up to CHUNK_MAX) */
const CHUNK_MIN = 8;

class Chunk {
  /** records, `width` numbers each; capacity a.length / width */
  a: Float64Array;
  /** records held */
  n = 0;
  /** max of start+len over records (valid when !dirty) */
  maxEnd = 0;
  /** max of len over records (valid when !dirty) */
  maxLen = 0;
  dirty = true;

  constructor(capacity: number, width: number) {
    this.a = new Float64Array(capacity * width);
  }
}

/** a position in the list: chunk index and index inside the chunk */
export interface ExtPos {
  c: number;
  i: number;
}

export class ExtList<T> implements XfsJournalled<T> {
  private chunks: Chunk[] = [];
  private count = 0;
  /** prefix[c]: the largest item end in chunks 0..c (valid below dirtyFrom) */
  private prefix: number[] = [];
  private dirtyFrom = 0;
  private readonly w: number;
  /** a record encoded for comparisons (insert, remove) */
  private readonly scratch: Float64Array;
  /** the position last inserted at or found (a hint; checked before use) */
  private hc = -1;
  private hi = 0;

  constructor(
    private readonly codec: ExtCodec<T>,
    private readonly journal: XfsJournal,
  ) {
    this.w = codec.width;
    this.scratch = new Float64Array(codec.width);
  }

  get size(): number {
    return this.count;
  }

  private touch(c: number): void {
    const ch = this.chunks[c];
    if (ch) ch.dirty = true;
    if (c < this.dirtyFrom) this.dirtyFrom = c;
  }

  /** make prefix[] valid up to chunk upTo */
  private ensurePrefix(upTo: number): void {
    if (this.prefix.length !== this.chunks.length) this.prefix.length = this.chunks.length;
    for (let c = this.dirtyFrom; c <= upTo; c++) {
      const ch = this.chunks[c]!;
      this.refresh(ch);
      const p = c > 0 ? this.prefix[c - 1]! : 0;
      this.prefix[c] = ch.maxEnd > p ? ch.maxEnd : p;
    }
    if (upTo + 1 > this.dirtyFrom) this.dirtyFrom = upTo + 1;
  }

  private refresh(ch: Chunk): void {
    if (!ch.dirty) return;
    let me = 0;
    let ml = 0;
    const a = ch.a;
    const w = this.w;
    for (let o = 0, end = ch.n * w; o < end; o += w) {
      const l = a[o + 1]!;
      const e = a[o]! + l;
      if (e > me) me = e;
      if (l > ml) ml = l;
    }
    ch.maxEnd = me;
    ch.maxLen = ml;
    ch.dirty = false;
  }

  /** the first index in the chunk with probe >= 0 (binary search) */
  private searchChunk(ch: Chunk, probe: ExtProbe): number {
    const a = ch.a;
    const w = this.w;
    let lo = 0;
    let hi = ch.n;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (probe(a, m * w) >= 0) hi = m;
      else lo = m + 1;
    }
    return lo;
  }

  /**
   * Position of the first item for which `probe(item) >= 0` (probe is
   * negative for items before the wanted key, as a comparator against it).
   * Returns the end position {c: chunkCount, i: 0} when there is none.
   */
  lowerBound(probe: ExtProbe): ExtPos {
    const c = this.lowerChunk(probe);
    if (c === this.chunks.length) return { c, i: 0 };
    const ch = this.chunks[c]!;
    if (c === this.hc && this.hi < ch.n) {
      // the hint itself, or the item after it
      const w = this.w;
      const hi = this.hi;
      if (probe(ch.a, hi * w) >= 0) {
        if (hi === 0 || probe(ch.a, (hi - 1) * w) < 0) return { c, i: hi };
      } else if (probe(ch.a, (hi + 1) * w) >= 0) return { c, i: hi + 1 };
    }
    return { c, i: this.searchChunk(ch, probe) };
  }

  /** the chunk of lowerBound(probe), trying the hint first */
  private lowerChunk(probe: ExtProbe): number {
    const chs = this.chunks;
    const w = this.w;
    // the hint's chunk holds the answer when its last item is at or past the
    // key and the previous chunk's last item is before it
    const hc = this.hc;
    if (hc >= 0 && hc < chs.length) {
      const ch = chs[hc]!;
      if (probe(ch.a, (ch.n - 1) * w) >= 0) {
        if (hc === 0) return 0;
        const pv = chs[hc - 1]!;
        if (probe(pv.a, (pv.n - 1) * w) < 0) return hc;
      } else if (hc + 1 < chs.length) {
        const nx = chs[hc + 1]!;
        if (probe(nx.a, (nx.n - 1) * w) >= 0) return hc + 1;
      } else return chs.length;
    }
    let lo = 0;
    let hi = chs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ch = chs[mid]!;
      if (probe(ch.a, (ch.n - 1) * w) >= 0) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** the item at a position (a copy), or undefined at the end */
  at(p: ExtPos): T | undefined {
    const ch = this.chunks[p.c];
    if (!ch || p.i >= ch.n) return undefined;
    return this.codec.read(ch.a, p.i * this.w);
  }

  /** field k of the item at a position (0: start, 1: length), without copying it; NaN at the end */
  field(p: ExtPos, k: number): number {
    const ch = this.chunks[p.c];
    if (!ch || p.i >= ch.n) return NaN;
    return ch.a[p.i * this.w + k]!;
  }

  /** the next position (may be the end) */
  next(p: ExtPos): ExtPos {
    const ch = this.chunks[p.c];
    if (!ch) return p;
    if (p.i + 1 < ch.n) return { c: p.c, i: p.i + 1 };
    return { c: p.c + 1, i: 0 };
  }

  /** the previous position, or undefined before the first item */
  prev(p: ExtPos): ExtPos | undefined {
    if (p.i > 0) return { c: p.c, i: p.i - 1 };
    if (p.c === 0) return undefined;
    const ch = this.chunks[p.c - 1]!;
    return { c: p.c - 1, i: ch.n - 1 };
  }

  /** the last item (a copy) */
  last(): T | undefined {
    const ch = this.chunks[this.chunks.length - 1];
    return ch ? this.codec.read(ch.a, (ch.n - 1) * this.w) : undefined;
  }

  /** the position of the last item, or undefined when empty */
  lastPos(): ExtPos | undefined {
    const c = this.chunks.length - 1;
    return c < 0 ? undefined : { c, i: this.chunks[c]!.n - 1 };
  }

  /** largest len in chunk c (for skipping chunks of short extents) */
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
    return { c, i: this.chunks[c]!.n - 1 };
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

  /** make room for one more record in the chunk (its array may be replaced) */
  private grow(ch: Chunk): void {
    const cap = ch.a.length / this.w;
    if (ch.n < cap) return;
    const na = new Float64Array(Math.min(CHUNK_MAX, cap * 2) * this.w);
    na.set(ch.a);
    ch.a = na;
  }

  /** put the record in `rec` (width numbers) at position (c, i), i <= chunk size */
  private placeAt(c: number, i: number, rec: Float64Array): void {
    const w = this.w;
    let ch = this.chunks[c]!;
    if (ch.n === CHUNK_MAX) {
      if (i === ch.n) {
        // appending to a full chunk: start the next one, at full size (an
        // ascending load fills it)
        const nc = new Chunk(CHUNK_MAX, w);
        this.chunks.splice(c + 1, 0, nc);
        this.touch(c);
        c++;
        i = 0;
        ch = nc;
      } else if (i === 0) {
        // before a full chunk's first item: a new chunk in front of it
        const nc = new Chunk(CHUNK_MIN, w);
        this.chunks.splice(c, 0, nc);
        this.touch(c);
        ch = nc;
      } else {
        // split at the insertion point: the new record ends the left part,
        // so a run of inserts in ascending order (before a record that
        // stays put, like the log's) keeps appending to a chunk that fills
        const nc = new Chunk(Math.max(CHUNK_MIN, 1 << Math.ceil(Math.log2(ch.n - i))), w);
        nc.a.set(ch.a.subarray(i * w, ch.n * w));
        nc.n = ch.n - i;
        ch.n = i;
        this.chunks.splice(c + 1, 0, nc);
        this.touch(c);
      }
    }
    this.grow(ch);
    const a = ch.a;
    if (i < ch.n) a.copyWithin((i + 1) * w, i * w, ch.n * w);
    a.set(rec, i * w);
    ch.n++;
    this.count++;
    this.touch(c);
    this.hc = c;
    this.hi = i;
  }

  /** the position where the record in scratch goes (after every item before it) */
  private insertPos(rec: Float64Array): ExtPos {
    const cmp = this.codec.cmp;
    const w = this.w;
    const chs = this.chunks;
    // right after the last insert?
    const hc = this.hc;
    if (hc >= 0 && hc < chs.length) {
      const ch = chs[hc]!;
      const hi = this.hi;
      if (hi < ch.n && cmp(ch.a, hi * w, rec, 0) < 0) {
        if (hi + 1 < ch.n) {
          if (cmp(ch.a, (hi + 1) * w, rec, 0) >= 0) return { c: hc, i: hi + 1 };
        } else if (hc + 1 === chs.length) return { c: hc, i: hi + 1 };
        else {
          const nx = chs[hc + 1]!;
          if (cmp(nx.a, 0, rec, 0) >= 0) return { c: hc, i: hi + 1 };
        }
      }
    }
    return this.lowerBound((a, o) => cmp(a, o, rec, 0));
  }

  /** insert without journalling (the journal's undo) */
  rawInsert(t: T): void {
    const rec = this.scratch;
    this.codec.write(t, rec, 0);
    if (this.chunks.length === 0) {
      this.chunks.push(new Chunk(CHUNK_MIN, this.w));
      this.dirtyFrom = 0;
      this.placeAt(0, 0, rec);
      return;
    }
    const p = this.insertPos(rec);
    let c = p.c;
    let i = p.i;
    if (c === this.chunks.length) {
      c--;
      i = this.chunks[c]!.n;
    } else if (i === 0 && c > 0 && this.chunks[c - 1]!.n < CHUNK_MAX) {
      // before a chunk's first item: the end of the previous chunk is the same place
      c--;
      i = this.chunks[c]!.n;
    }
    this.placeAt(c, i, rec);
  }

  /** the position of the record equal (every field) to t, or throws */
  private find(t: T): ExtPos {
    const rec = this.scratch;
    this.codec.write(t, rec, 0);
    const cmp = this.codec.cmp;
    const w = this.w;
    let p = this.lowerBound((a, o) => cmp(a, o, rec, 0));
    // several items may compare equal; find the one with the same fields
    for (;;) {
      const ch = this.chunks[p.c];
      if (!ch || p.i >= ch.n || cmp(ch.a, p.i * w, rec, 0) !== 0) throw new Error('ExtList: item not found');
      const o = p.i * w;
      let same = true;
      for (let k = 0; k < w; k++) if (ch.a[o + k] !== rec[k]) same = false;
      if (same) return p;
      p = this.next(p);
    }
  }

  /** remove the item at p, without journalling */
  private rawRemoveAt(p: ExtPos): void {
    const w = this.w;
    const ch = this.chunks[p.c]!;
    if (p.i + 1 < ch.n) ch.a.copyWithin(p.i * w, (p.i + 1) * w, ch.n * w);
    ch.n--;
    this.count--;
    this.touch(p.c);
    if (ch.n === 0) this.chunks.splice(p.c, 1);
    this.hc = p.c;
    this.hi = p.i > 0 ? p.i - 1 : 0;
  }

  /** remove without journalling (the journal's undo) */
  rawRemove(t: T): void {
    this.rawRemoveAt(this.find(t));
  }

  insert(t: T): void {
    this.rawInsert(t);
    this.journal.inserted(this, t);
  }

  remove(t: T): void {
    this.rawRemove(t);
    this.journal.removed(this, t);
  }

  /** remove the item at position p (from lowerBound), journalled */
  removeAt(p: ExtPos): void {
    const old = this.journal.active ? this.at(p) : undefined;
    this.rawRemoveAt(p);
    if (old) this.journal.removed(this, old);
  }

  /**
   * Replace the item `old` (by value) with `t`, which should sort at the
   * same place (between old's neighbours): an update in place, journalled as
   * a remove and an insert. Falls back to both when t sorts elsewhere.
   */
  replace(old: T, t: T): void {
    this.rawReplaceAt(this.find(old), t);
    this.journal.removed(this, old);
    this.journal.inserted(this, t);
  }

  /** replace the item at position p (from lowerBound) with t, as replace() does */
  replaceAt(p: ExtPos, t: T): void {
    const old = this.journal.active ? this.at(p) : undefined;
    this.rawReplaceAt(p, t);
    if (old) {
      this.journal.removed(this, old);
      this.journal.inserted(this, t);
    }
  }

  private rawReplaceAt(p: ExtPos, t: T): void {
    const w = this.w;
    const cmp = this.codec.cmp;
    const ch = this.chunks[p.c]!;
    const rec = this.scratch;
    this.codec.write(t, rec, 0);
    const pp = this.prev(p);
    const n = this.next(p);
    const pc = pp && this.chunks[pp.c]!;
    const nc = this.chunks[n.c];
    const fits = (!pc || cmp(pc.a, pp!.i * w, rec, 0) < 0) && (!nc || n.i >= nc.n || cmp(nc.a, n.i * w, rec, 0) > 0);
    if (fits) {
      ch.a.set(rec, p.i * w);
      this.touch(p.c);
      this.hc = p.c;
      this.hi = p.i;
    } else {
      this.rawRemoveAt(p);
      this.rawInsert(t);
    }
  }

  /** every item (copies), in order */
  *[Symbol.iterator](): IterableIterator<T> {
    const w = this.w;
    for (const ch of this.chunks) for (let i = 0; i < ch.n; i++) yield this.codec.read(ch.a, i * w);
  }

  toArray(): T[] {
    const r: T[] = [];
    const w = this.w;
    for (const ch of this.chunks) for (let i = 0; i < ch.n; i++) r.push(this.codec.read(ch.a, i * w));
    return r;
  }

  /**
   * Call fn for every item whose range [start, start+len) overlaps [lo, hi]
   * (inclusive block numbers), in list order, stopping when fn returns
   * non-zero (which is returned). fn gets the stored record (a[o] onwards),
   * not a copy: read what it needs, and change nothing in the list until
   * the walk is over. The list must be ordered by start block first. The
   * chunks to look at are found by binary search: the last one starting at
   * or before hi, and the first whose items (with all before them) reach
   * past lo.
   */
  overlappingRaw(lo: number, hi: number, fn: (a: Float64Array, o: number) => number): number {
    const chs = this.chunks;
    const w = this.w;
    // last chunk whose first item starts at or before hi
    let a = 0;
    let b = chs.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (chs[m]!.a[0]! <= hi) a = m + 1;
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
      // items starting at or before lo - maxLen cannot reach past lo
      const arr = ch.a;
      const from = lo - ch.maxLen;
      let i = 0;
      let j = ch.n;
      while (i < j) {
        const m = (i + j) >>> 1;
        if (arr[m * w]! > from) j = m;
        else i = m + 1;
      }
      for (let o = i * w, end = ch.n * w; o < end; o += w) {
        const s = arr[o]!;
        if (s > hi) return 0;
        if (s + arr[o + 1]! > lo) {
          const r = fn(arr, o);
          if (r !== 0) return r;
        }
      }
    }
    return 0;
  }

  /** overlappingRaw, handing fn a copy of each item */
  overlapping(lo: number, hi: number, fn: (t: T) => number): number {
    const read = this.codec.read;
    return this.overlappingRaw(lo, hi, (a, o) => fn(read(a, o)));
  }
}
