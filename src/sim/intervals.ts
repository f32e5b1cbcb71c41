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
  /**
   * The delta by which `b` continues `a` (split(a, delta) equals b), or
   * undefined when no delta does; 0 when split ignores the delta. Lets
   * ranges whose values advance in step be kept as one strided entry.
   */
  step?(a: V, b: V): number | undefined;
}

/**
 * One stored entry: a plain range (n = 1), or a strided run of n equally
 * long members, member j covering [start + j*period, start + j*period + len)
 * with the value split(value, j*vstep + d) at its unit d. Nothing lies in
 * the gaps between members (period > len). The members are what the map
 * holds; queries give them one by one, as if each were stored alone.
 */
class Entry<V> {
  constructor(
    public start: number,
    public end: number,
    public value: V,
    public n = 1,
    public period = 0,
    public len = 0,
    public vstep = 0,
  ) {}
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

/** a map of this many entries or more defers clears made in address order (RangeMap.pending) */
const DEFER_CLEARS = 1024;

export class RangeMap<V> {
  private stored_: Entry<V>[] = [];
  /**
   * Clears not yet applied, sorted and apart: a map of many entries (the
   * page owners of a device of 10^6 extents) cleared piece after piece in
   * address order (an unbind, file after file) would move its array's tail
   * at every clear; the pieces are applied in one pass at the next use of
   * the entries (every read and write goes through `r`).
   */
  private pending: [number, number][] | null = null;

  /** the entries, sorted and apart, with the pending clears applied */
  private get r(): Entry<V>[] {
    if (this.pending) this.settle();
    return this.stored_;
  }
  private set r(v: Entry<V>[]) {
    this.pending = null;
    this.stored_ = v;
  }
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

  /** the units of [start, end) folded into pieces, as query() clips fold()'s ranges (naive mode) */
  private foldIn(start: number, end: number): Range<V>[] {
    const out: Range<V>[] = [];
    for (let k = start; k < end; k++) {
      const v = this.units!.get(k);
      if (v === undefined) continue;
      const last = out[out.length - 1];
      if (last && last.end === k && this.same(this.splitValue(last.value, k - last.start), v)) last.end = k + 1;
      else out.push({ start: k, end: k + 1, value: v });
    }
    return out;
  }

  /** the number of ranges held (each member of a strided entry counts) */
  get size(): number {
    if (this.units) return this.fold().length;
    let n = 0;
    for (const e of this.r) n += e.n;
    return n;
  }

  /** the number of entries stored (a strided run is one) */
  get stored(): number {
    return this.units ? this.units.size : this.r.length;
  }

  isEmpty(): boolean {
    return this.units ? this.units.size === 0 : this.r.length === 0;
  }

  /**
   * The entries for a read of positions from pos on: the pending clears
   * when they all lie before pos (they change nothing such a read sees: the
   * unbind reading the next file's page owners), else the entries with them
   * applied.
   */
  private entries(pos: number): Entry<V>[] {
    const p = this.pending;
    return p && pos >= p[p.length - 1]![1] ? this.stored_ : this.r;
  }

  /** index of the first entry of r whose end is > pos */
  private firstEndingAfter(pos: number, r: Entry<V>[] = this.r): number {
    let lo = 0;
    let hi = r.length;
    // appends and look-ups near the end are the common case
    if (hi && r[hi - 1]!.end <= pos) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (r[mid]!.end > pos) hi = mid;
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

  /** split(a, delta) equals b */
  private follows(a: V, delta: number, b: V): boolean {
    if (this.ops.step) {
      const d = this.ops.step(a, b);
      // 0: b equals a, and a split that ignores the delta may still give b
      return d === delta || (d === 0 && this.same(this.splitValue(a, delta), b));
    }
    return this.same(this.splitValue(a, delta), b);
  }

  /** the delta by which b continues a, when strided entries are possible */
  private stepOf(a: V, b: V): number | undefined {
    if (this.ops.step) return this.ops.step(a, b);
    return !this.ops.split && this.same(a, b) ? 0 : undefined;
  }

  /** member length */
  private static mlen<V>(e: Entry<V>): number {
    return e.n === 1 ? e.end - e.start : e.len;
  }

  /** member j of e as a range */
  private member(e: Entry<V>, j: number): Range<V> {
    if (e.n === 1) return { start: e.start, end: e.end, value: e.value };
    const s = e.start + j * e.period;
    return { start: s, end: s + e.len, value: this.splitValue(e.value, j * e.vstep) };
  }

  /** members a..b-1 of e as one entry */
  private sub(e: Entry<V>, a: number, b: number): Entry<V> {
    if (a === 0 && b === e.n) return e;
    const s = e.start + a * e.period;
    const v = this.splitValue(e.value, a * e.vstep);
    if (b - a === 1) return new Entry(s, s + e.len, v);
    return new Entry(s, s + (b - a - 1) * e.period + e.len, v, b - a, e.period, e.len, e.vstep);
  }

  /** the first member of e that ends after pos (e.end > pos) */
  private memberFrom(e: Entry<V>, pos: number): number {
    if (e.n === 1 || pos < e.start) return 0;
    const j = Math.floor((pos - e.start) / e.period);
    return pos - (e.start + j * e.period) < e.len ? j : j + 1;
  }

  /** set [start, end) to value, replacing what was there */
  set(start: number, end: number, value: V): void {
    if (end <= start) return;
    if (this.units) {
      for (let u = start; u < end; u++) this.units.set(u, this.splitValue(value, u - start));
      return;
    }
    const r = this.r;
    const last = r[r.length - 1];
    if (last && last.end <= start) {
      // after everything held (populate's order): nothing to clear, and the
      // new range most often continues the last entry
      if (this.extend(last, start, end, value)) {
        // a range grown to a member's length may now continue the run before it
        if (last.n === 1 && r.length > 1) this.join(r.length - 2);
        return;
      }
      r.push(new Entry(start, end, value));
      this.join(r.length - 2);
      return;
    }
    // cleared now, not deferred: the range goes in at once
    this.clearNow(start, end);
    let i = this.firstEndingAfter(start);
    // i is where the new range goes (everything before it ends at or before
    // start); in a strided run's gap, the run is cut there first
    const g = this.r[i];
    if (g && g.start < start) {
      const j = this.memberFrom(g, start);
      this.r.splice(i, 1, this.sub(g, 0, j), this.sub(g, j, g.n));
      i++;
    }
    this.r.splice(i, 0, new Entry(start, end, value));
    let at = i;
    if (i > 0) at = this.join(i - 1);
    if (at + 1 < this.r.length) this.join(at);
  }

  /**
   * set(start + j*period, start + j*period + len, value) for j = 0..n-1: the
   * n members of a strided run. Where the values do not vary along a range
   * (no split) and nothing is held across the members' span, they go in as
   * one strided entry, joined with its neighbours as set joins them;
   * otherwise member by member.
   */
  setEvery(start: number, len: number, period: number, n: number, value: V): void {
    if (n <= 0 || len <= 0) return;
    const end = start + (n - 1) * period + len;
    const i = this.units || this.ops.split || this.ops.step || n < 2 || period <= len ? -1 : this.firstEndingAfter(start);
    if (i < 0 || (this.r[i] !== undefined && this.r[i]!.start < end)) {
      for (let j = 0; j < n; j++) this.set(start + j * period, start + j * period + len, value);
      return;
    }
    this.r.splice(i, 0, new Entry(start, end, value, n, period, len, 0));
    let at = i;
    if (i > 0) at = this.join(i - 1);
    if (at + 1 < this.r.length) this.join(at);
  }

  /**
   * Grow the last entry `a` by [start, end) when that continues it: a plain
   * range going on linearly, or the next member of a strided run. False
   * when it does not (or when only join's peeling would do).
   */
  private extend(a: Entry<V>, start: number, end: number, value: V): boolean {
    if (!this.ops.step) return false;
    const d = this.ops.step(a.value, value);
    if (d === undefined || d === 0) return false;
    if (a.n === 1) {
      if (a.end !== start || d !== start - a.start) return false;
      a.end = end;
      return true;
    }
    if (start !== a.start + a.n * a.period || end - start !== a.len || d !== a.n * a.vstep) return false;
    a.n++;
    a.end = end;
    return true;
  }

  /**
   * Join entry i with entry i + 1 where they continue each other: one range
   * when the second goes on linearly from the first's last member, one
   * strided run when the members are alike and their values advance in
   * step. Returns the index of the entry holding what entry i + 1 held.
   */
  private join(i: number): number {
    const r = this.r;
    let a = r[i]!;
    let b = r[i + 1]!;
    const la = RangeMap.mlen(a);
    const lb = RangeMap.mlen(b);
    // the last member of a ends where b's first member starts
    if (a.end === b.start) {
      const lastDelta = (a.n - 1) * a.vstep;
      if (this.follows(a.value, lastDelta + la, b.value)) {
        // linear: peel the two members that touch, and make them one range
        if (a.n > 1) {
          const last = this.sub(a, a.n - 1, a.n);
          r.splice(i, 1, this.sub(a, 0, a.n - 1), last);
          i++;
          a = last;
        }
        if (b.n > 1) {
          r.splice(i + 1, 1, this.sub(b, 0, 1), this.sub(b, 1, b.n));
          b = r[i + 1]!;
        }
        a.end = b.end;
        r.splice(i + 1, 1);
        return i;
      }
    }
    if (la !== lb) return i + 1;
    const d = this.stepOf(a.value, b.value);
    if (d === undefined) return i + 1;
    if (a.n === 1 && b.n === 1) {
      r[i] = new Entry(a.start, b.end, a.value, 2, b.start - a.start, la, d);
      r.splice(i + 1, 1);
      return i;
    }
    if (a.n > 1 && b.start === a.start + a.n * a.period && d === a.n * a.vstep && (b.n === 1 || (b.period === a.period && b.vstep === a.vstep))) {
      a.n += b.n;
      a.end = b.end;
      r.splice(i + 1, 1);
      return i;
    }
    if (a.n === 1 && b.n > 1 && b.start - a.start === b.period && d === b.vstep) {
      b.start = a.start;
      b.value = a.value;
      b.n++;
      r.splice(i, 1);
      return i;
    }
    return i + 1;
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
    // a large map cleared in address order: the clear waits for the next use
    const p = this.pending;
    const last = p?.[p.length - 1];
    if (this.stored_.length >= DEFER_CLEARS && (!last || start >= last[1])) {
      if (last && start === last[1]) last[1] = end;
      else if (p) p.push([start, end]);
      else this.pending = [[start, end]];
      return;
    }
    this.clearNow(start, end);
  }

  /** remove [start, end) at once (the pending clears applied first) */
  private clearNow(start: number, end: number): void {
    const r = this.r;
    const i = this.firstEndingAfter(start, r);
    let out: Entry<V>[] | undefined;
    let j = i;
    while (j < r.length && r[j]!.start < end) {
      out ??= [];
      this.cut(r[j]!, start, end, out, out);
      j++;
    }
    if (j > i) {
      if (out!.length) r.splice(i, j - i, ...out!);
      else r.splice(i, j - i);
    }
  }

  /** the parts of entry e outside [start, end) (e meets it): those before it to `before`, the others to `after` */
  private cut(e: Entry<V>, start: number, end: number, before: Entry<V>[], after: Entry<V>[]): void {
    if (e.n === 1) {
      if (e.start < start) before.push(new Entry(e.start, start, e.value));
      if (e.end > end) after.push(new Entry(end, e.end, this.splitValue(e.value, end - e.start)));
      return;
    }
    const j0 = this.memberFrom(e, start);
    // the last member starting before end
    const j1 = end >= e.end ? e.n - 1 : Math.floor((end - 1 - e.start) / e.period);
    if (j0 > j1) {
      after.push(e); // [start, end) lies in a gap: e goes on after it
      return;
    }
    if (j0 > 0) before.push(this.sub(e, 0, j0));
    const m0 = this.member(e, j0);
    if (m0.start < start) before.push(new Entry(m0.start, start, m0.value));
    const m1 = this.member(e, j1);
    if (m1.end > end) after.push(new Entry(end, m1.end, this.splitValue(m1.value, end - m1.start)));
    if (j1 + 1 < e.n) after.push(this.sub(e, j1 + 1, e.n));
  }

  /** apply the pending clears in one pass over the entries */
  private settle(): void {
    const p = this.pending!;
    this.pending = null;
    const r = this.stored_;
    const out: Entry<V>[] = [];
    // what is left of entries cut by a clear, before r[i] (in order)
    let left: Entry<V>[] = [];
    let i = 0;
    const peek = (): Entry<V> | undefined => (left.length ? left[0] : r[i]);
    const take = (): Entry<V> => (left.length ? left.shift()! : r[i++]!);
    for (const [start, end] of p) {
      for (let x = peek(); x && x.end <= start; x = peek()) out.push(take());
      const after: Entry<V>[] = [];
      for (let x = peek(); x && x.start < end; x = peek()) this.cut(take(), start, end, out, after);
      if (after.length) left = left.length ? [...after, ...left] : after;
    }
    for (const x of left) out.push(x);
    for (; i < r.length; i++) out.push(r[i]!);
    this.stored_ = out;
  }

  /** the pieces overlapping [start, end), clipped to it */
  query(start: number, end: number): Range<V>[] {
    const res: Range<V>[] = [];
    if (this.units) {
      // a window smaller than the map is walked unit by unit (as a page-by-page
      // store would), so a query per page does not fold the whole map each time
      if (end > start && end - start <= this.units.size) return this.foldIn(start, end);
      for (const e of this.fold()) {
        if (e.end <= start || e.start >= end) continue;
        const s = Math.max(e.start, start);
        res.push({ start: s, end: Math.min(e.end, end), value: this.splitValue(e.value, s - e.start) });
      }
      return res;
    }
    const r = this.entries(start);
    for (let i = this.firstEndingAfter(start, r); i < r.length && r[i]!.start < end; i++) {
      const e = r[i]!;
      if (e.n === 1) {
        const s = Math.max(e.start, start);
        res.push({ start: s, end: Math.min(e.end, end), value: this.splitValue(e.value, s - e.start) });
        continue;
      }
      for (let j = this.memberFrom(e, start); j < e.n; j++) {
        const ms = e.start + j * e.period;
        if (ms >= end) break;
        const s = Math.max(ms, start);
        res.push({ start: s, end: Math.min(ms + e.len, end), value: this.splitValue(e.value, j * e.vstep + (s - ms)) });
      }
    }
    return res;
  }

  /** the value covering pos, or undefined */
  get(pos: number): V | undefined {
    if (this.units) return this.units.get(pos);
    const r = this.entries(pos);
    const e = r[this.firstEndingAfter(pos, r)];
    if (!e || e.start > pos) return undefined;
    if (e.n === 1) return this.splitValue(e.value, pos - e.start);
    const j = Math.floor((pos - e.start) / e.period);
    const d = pos - e.start - j * e.period;
    return d < e.len ? this.splitValue(e.value, j * e.vstep + d) : undefined;
  }

  /** whole stored range containing pos */
  rangeAt(pos: number): Range<V> | undefined {
    if (this.units) return this.fold().find((e) => e.start <= pos && pos < e.end);
    let r = this.entries(pos);
    let e = r[this.firstEndingAfter(pos, r)];
    // a whole range that begins where a pending clear may cut it: with the clears applied
    if (e && r === this.stored_ && this.pending && e.start < this.pending[this.pending.length - 1]![1]) {
      r = this.r;
      e = r[this.firstEndingAfter(pos, r)];
    }
    if (!e || e.start > pos) return undefined;
    const j = this.memberFrom(e, pos);
    const m = this.member(e, j);
    return m.start <= pos ? m : undefined;
  }

  /** first stored piece overlapping [start, end), clipped */
  firstIn(start: number, end: number): Range<V> | undefined {
    if (this.units) return this.query(start, end)[0];
    const r = this.entries(start);
    const e = r[this.firstEndingAfter(start, r)];
    if (!e || e.start >= end) return undefined;
    const m = this.member(e, this.memberFrom(e, start));
    if (m.start >= end) return undefined;
    const s = Math.max(m.start, start);
    return { start: s, end: Math.min(m.end, end), value: this.splitValue(m.value, s - m.start) };
  }

  overlaps(start: number, end: number): boolean {
    return this.firstIn(start, end) !== undefined;
  }

  /** total units covered within [start, end) (the whole map when omitted) */
  covered(start = -Infinity, end = Infinity): number {
    if (this.units) {
      let n = 0;
      for (const p of this.query(start, end)) n += p.end - p.start;
      return n;
    }
    let n = 0;
    const r = this.entries(start);
    for (let i = this.firstEndingAfter(start, r); i < r.length && r[i]!.start < end; i++) {
      const e = r[i]!;
      if (e.n === 1) {
        n += Math.min(e.end, end) - Math.max(e.start, start);
        continue;
      }
      const j0 = this.memberFrom(e, start);
      const j1 = end >= e.end ? e.n - 1 : Math.floor((end - 1 - e.start) / e.period);
      if (j0 > j1) continue;
      n += (j1 - j0 + 1) * e.len;
      const s0 = e.start + j0 * e.period;
      if (s0 < start) n -= start - s0;
      const e1 = e.start + j1 * e.period + e.len;
      if (e1 > end) n -= e1 - end;
    }
    return n;
  }

  /**
   * How many of the windows [w0 + j*period, w0 + j*period + len), j = 1, 2,
   * ..., max, hold what window 0 holds, shifted: the same pieces (as query
   * gives them) at the same offsets, each value `alike` the window-0 piece's
   * for window j; counted from j = 1 up to the first that differs. `alike`
   * must compare what a split keeps and test the rest as an offset growing
   * linearly with j. A run of windows that only meets plain entries going on
   * through it and strided entries of the windows' period is alike when its
   * first and last windows are, so the cost is the stored entries the
   * windows meet, not the windows. `p0`: what window 0 held, when it held
   * something else before (the pieces query gave then).
   */
  repeats(w0: number, len: number, period: number, max: number, alike: (v0: V, v: V, j: number) => boolean, p0: readonly Range<V>[] = this.query(w0, w0 + len)): number {
    if (max <= 0 || len <= 0) return 0;
    const matches = (j: number): boolean => {
      const ws = w0 + j * period;
      const p = this.query(ws, ws + len);
      if (p.length !== p0.length) return false;
      for (let i = 0; i < p.length; i++) {
        const a = p0[i]!;
        const b = p[i]!;
        if (b.start - ws !== a.start - w0 || b.end - ws !== a.end - w0 || !alike(a.value, b.value, j)) return false;
      }
      return true;
    };
    let j = 1;
    if (this.units || period < len) {
      while (j <= max && matches(j)) j++;
      return j - 1;
    }
    const r = this.entries(w0);
    while (j <= max) {
      if (!matches(j)) return j - 1;
      const ws = w0 + j * period;
      const we = ws + len;
      // windows j .. j + run - 1: as far as every entry meeting window j goes on alike
      let run = max - j + 1;
      let i = this.firstEndingAfter(ws, r);
      for (; i < r.length && r[i]!.start < we; i++) {
        const e = r[i]!;
        run = e.n === 1 || e.period === period ? Math.min(run, Math.floor((e.end - ws) / period)) : 1;
      }
      // and before the next entry begins
      if (i < r.length) run = Math.min(run, Math.floor((r[i]!.start - ws) / period));
      j += run > 1 && matches(j + run - 1) ? run : 1;
    }
    return max;
  }

  all(): Range<V>[] {
    if (this.units) return this.fold();
    return this.query(-Infinity, Infinity);
  }

  clone(): RangeMap<V> {
    const m = new RangeMap<V>(this.ops);
    m.r = this.r.map((e) => new Entry(e.start, e.end, e.value, e.n, e.period, e.len, e.vstep));
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
  /** add [start + j*period, start + j*period + len) for j = 0..n-1 (RangeMap.setEvery) */
  addEvery(start: number, len: number, period: number, n: number): void {
    this.m.setEvery(start, len, period, n, true);
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
  /** RangeMap.repeats for the set's ranges */
  repeats(w0: number, len: number, period: number, max: number, p0?: readonly [number, number][]): number {
    return this.m.repeats(w0, len, period, max, () => true, p0?.map(([start, end]) => ({ start, end, value: true as const })));
  }
  clone(): RangeSet {
    const s = new RangeSet();
    s.m = this.m.clone();
    return s;
  }
}
