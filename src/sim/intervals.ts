// Interval structures. Poison, badblocks, page state, page tables and DAX
// entries are all kept as sorted, disjoint half-open ranges [start, end), so
// memory and time grow with the number of distinct ranges, never with the
// size of the device: a 1 TiB namespace costs what a 1 GiB one does.
//
// A RangeMap may hold "linear" values: a value that describes its first unit
// and implies the rest (a DAX entry's first pfn, a page's file index). `split`
// gives the value of the same range `delta` units further on, which lets a
// range be cut anywhere, and lets two neighbours merge when the second one is
// the first one continued.

export interface Range<V> {
  start: number;
  end: number;
  value: V;
}

export interface RangeMapOps<V> {
  /** value of the piece that starts `delta` units after the range's start */
  split?(value: V, delta: number): V;
  /** equality of two values describing the same unit */
  eq?(a: V, b: V): boolean;
}

/**
 * The naive reference (tests only): every RangeMap created while it is on
 * keeps one entry per unit instead of ranges, so the same simulator code runs
 * page by page and its reports can be compared with the range-based run.
 */
let naiveUnits = false;
export function setNaiveIntervals(on: boolean): void {
  naiveUnits = on;
}
export function naiveIntervals(): boolean {
  return naiveUnits;
}

export class RangeMap<V> {
  private r: Range<V>[] = [];
  /** naive reference: unit → value */
  private units: Map<number, V> | null = naiveUnits ? new Map() : null;
  constructor(private readonly ops: RangeMapOps<V> = {}) {}

  /** the per-unit store folded back into ranges (naive mode) */
  private fold(): Range<V>[] {
    const keys = [...this.units!.keys()].sort((a, b) => a - b);
    const out: Range<V>[] = [];
    for (const k of keys) {
      const v = this.units!.get(k)!;
      const last = out[out.length - 1];
      if (last && last.end === k && this.same(this.splitValue(last.value, k - last.start), v)) last.end = k + 1;
      else out.push({ start: k, end: k + 1, value: v });
    }
    return out;
  }

  get size(): number {
    return this.units ? this.fold().length : this.r.length;
  }

  isEmpty(): boolean {
    return this.units ? this.units.size === 0 : this.r.length === 0;
  }

  /** index of the first range whose end is > pos */
  private firstEndingAfter(pos: number): number {
    let lo = 0;
    let hi = this.r.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.r[mid]!.end > pos) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private splitValue(v: V, delta: number): V {
    return delta === 0 || !this.ops.split ? v : this.ops.split(v, delta);
  }

  private same(a: V, b: V): boolean {
    return this.ops.eq ? this.ops.eq(a, b) : a === b;
  }

  /** set [start, end) to value, replacing what was there */
  set(start: number, end: number, value: V): void {
    if (end <= start) return;
    if (this.units) {
      for (let u = start; u < end; u++) this.units.set(u, this.splitValue(value, u - start));
      return;
    }
    this.clear(start, end);
    let i = this.firstEndingAfter(start);
    // i is where the new range goes (everything before it ends at or before start)
    const entry: Range<V> = { start, end, value };
    // merge with the left neighbour
    const left = this.r[i - 1];
    if (left && left.end === start && this.same(this.splitValue(left.value, start - left.start), value)) {
      left.end = end;
      i -= 1;
    } else {
      this.r.splice(i, 0, entry);
    }
    const cur = this.r[i]!;
    const right = this.r[i + 1];
    if (right && right.start === cur.end && this.same(this.splitValue(cur.value, right.start - cur.start), right.value)) {
      cur.end = right.end;
      this.r.splice(i + 1, 1);
    }
  }

  /** remove [start, end) */
  clear(start: number, end: number): void {
    if (end <= start) return;
    if (this.units) {
      if (end - start > this.units.size) {
        for (const u of [...this.units.keys()]) if (u >= start && u < end) this.units.delete(u);
      } else for (let u = start; u < end; u++) this.units.delete(u);
      return;
    }
    let i = this.firstEndingAfter(start);
    const out: Range<V>[] = [];
    let j = i;
    while (j < this.r.length && this.r[j]!.start < end) {
      const e = this.r[j]!;
      if (e.start < start) out.push({ start: e.start, end: start, value: e.value });
      if (e.end > end) out.push({ start: end, end: e.end, value: this.splitValue(e.value, end - e.start) });
      j++;
    }
    if (j > i || out.length) this.r.splice(i, j - i, ...out);
  }

  /** the pieces overlapping [start, end), clipped to it */
  query(start: number, end: number): Range<V>[] {
    if (this.units) {
      const res: Range<V>[] = [];
      for (const e of this.fold()) {
        if (e.end <= start || e.start >= end) continue;
        const s = Math.max(e.start, start);
        res.push({ start: s, end: Math.min(e.end, end), value: this.splitValue(e.value, s - e.start) });
      }
      return res;
    }
    const res: Range<V>[] = [];
    for (let i = this.firstEndingAfter(start); i < this.r.length && this.r[i]!.start < end; i++) {
      const e = this.r[i]!;
      const s = Math.max(e.start, start);
      res.push({ start: s, end: Math.min(e.end, end), value: this.splitValue(e.value, s - e.start) });
    }
    return res;
  }

  /** the value covering pos, or undefined */
  get(pos: number): V | undefined {
    if (this.units) return this.units.get(pos);
    const i = this.firstEndingAfter(pos);
    const e = this.r[i];
    if (!e || e.start > pos) return undefined;
    return this.splitValue(e.value, pos - e.start);
  }

  /** whole stored range containing pos */
  rangeAt(pos: number): Range<V> | undefined {
    if (this.units) return this.fold().find((e) => e.start <= pos && pos < e.end);
    const e = this.r[this.firstEndingAfter(pos)];
    return e && e.start <= pos ? { ...e } : undefined;
  }

  /** first stored piece overlapping [start, end), clipped */
  firstIn(start: number, end: number): Range<V> | undefined {
    if (this.units) return this.query(start, end)[0];
    const e = this.r[this.firstEndingAfter(start)];
    if (!e || e.start >= end) return undefined;
    const s = Math.max(e.start, start);
    return { start: s, end: Math.min(e.end, end), value: this.splitValue(e.value, s - e.start) };
  }

  overlaps(start: number, end: number): boolean {
    return this.firstIn(start, end) !== undefined;
  }

  /** total units covered within [start, end) (the whole map when omitted) */
  covered(start = -Infinity, end = Infinity): number {
    let n = 0;
    for (const p of this.query(start, end)) n += p.end - p.start;
    return n;
  }

  all(): Range<V>[] {
    if (this.units) return this.fold();
    return this.r.map((e) => ({ ...e }));
  }

  clone(): RangeMap<V> {
    const m = new RangeMap<V>(this.ops);
    m.r = this.r.map((e) => ({ ...e }));
    if (this.units) m.units = new Map(this.units);
    return m;
  }
}

/** A set of units as disjoint ranges. */
export class RangeSet {
  private m = new RangeMap<true>();

  add(start: number, end: number): void {
    this.m.set(start, end, true);
  }
  remove(start: number, end: number): void {
    this.m.clear(start, end);
  }
  has(pos: number): boolean {
    return this.m.get(pos) !== undefined;
  }
  overlaps(start: number, end: number): boolean {
    return this.m.overlaps(start, end);
  }
  /** overlapping pieces, clipped */
  query(start: number, end: number): [number, number][] {
    return this.m.query(start, end).map((r) => [r.start, r.end]);
  }
  firstIn(start: number, end: number): [number, number] | undefined {
    const r = this.m.firstIn(start, end);
    return r && [r.start, r.end];
  }
  all(): [number, number][] {
    return this.m.all().map((r) => [r.start, r.end]);
  }
  get count(): number {
    return this.m.size;
  }
  covered(start?: number, end?: number): number {
    return this.m.covered(start, end);
  }
  clone(): RangeSet {
    const s = new RangeSet();
    s.m = this.m.clone();
    return s;
  }
}
