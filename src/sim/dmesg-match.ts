// Substring search in the kernel log held as runs (src/sim/dmesg.ts),
// without writing a run's members out: which lines contain a needle, how
// many, and the first. A needle inside the text of a run's template matches
// every member; one that lands on the numbers that advance matches the
// members whose digits there are the needle's, found by arithmetic on the
// progression (a value in a range, a residue class, a digit window), not by
// printing members. The answer is exact: the lines that match are those of
// the log written out line by line.

import { logPieces, templateLine, type DmesgLines, type LineTemplate, type LogField } from './dmesg';

export interface LogMatch {
  /** how many lines contain the needle */
  count: number;
  /** the first of them */
  first?: string;
}

/** the lines of the log that contain `needle` (a needle with a newline in it is looked for in the log's lines joined by newlines) */
export function matchLog(d: DmesgLines, needle: string): LogMatch {
  if (needle.includes('\n')) return matchAcross(d, needle);
  let count = 0;
  let first: string | undefined;
  for (const p of logPieces(d)) {
    if (p.kind === 'line') {
      if (p.line.includes(needle)) {
        count++;
        first ??= p.line;
      }
      continue;
    }
    const m = p.templates.length;
    let best = Infinity;
    for (let ti = 0; ti < m; ti++) {
      const r = matchTemplate(p.templates[ti]!, p.count, needle);
      count += r.count;
      if (r.first !== undefined) best = Math.min(best, r.first * m + ti);
    }
    if (first === undefined && best !== Infinity) first = templateLine(p.templates[best % m]!, Math.floor(best / m));
  }
  return first === undefined ? { count } : { count, first };
}

/**
 * A needle with newlines: the lines around each place it would span, line by
 * line (the log as text is never built); the first match is the lines it
 * spans, joined.
 */
function matchAcross(d: DmesgLines, needle: string): LogMatch {
  const parts = needle.split('\n');
  const k = parts.length - 1;
  const win: string[] = [];
  let count = 0;
  let first: string | undefined;
  for (const line of d) {
    win.push(line);
    if (win.length > k + 1) win.shift();
    if (win.length < k + 1) continue;
    if (!win[0]!.endsWith(parts[0]!) || !win[k]!.startsWith(parts[k]!)) continue;
    let ok = true;
    for (let i = 1; i < k && ok; i++) ok = win[i] === parts[i];
    if (!ok) continue;
    count++;
    first ??= win.join('\n');
  }
  return first === undefined ? { count } : { count, first };
}

// ------------------------------------------------------------ one template

/** members j in [0, count) whose line contains the needle: how many, and the first j */
export function matchTemplate(t: LineTemplate, count: number, needle: string): { count: number; first?: number } {
  if (count <= 0) return { count: 0 };
  if (t.parts.some((p) => p.includes(needle))) return { count, first: 0 };
  if (!t.fields.length) return { count: 0 };
  let total = 0;
  let first: number | undefined;
  for (const [j0, j1] of segments(t.fields, count)) {
    const r = matchSegment(t, j0, j1, needle);
    total += r.count;
    if (first === undefined && r.first !== undefined) first = r.first;
  }
  return first === undefined ? { count: total } : { count: total, first };
}

const radix = (f: LogField): number => (f.hex ? 16 : 10);
const digitsOf = (v: number, r: number): number => (v === 0 ? 1 : v.toString(r).length);

/** [j0, j1) ranges of members in which every field prints with the same number of digits */
function segments(fields: readonly LogField[], count: number): [number, number][] {
  const cuts = new Set<number>([0, count]);
  for (const f of fields) {
    const r = radix(f);
    const lo = digitsOf(f.base, r);
    const hi = digitsOf(f.base + f.step * (count - 1), r);
    for (let k = Math.min(lo, hi) + 1; k <= Math.max(lo, hi); k++) {
      const edge = r ** (k - 1); // the first value with k digits
      // the first member on the far side of the edge
      const j = f.step > 0 ? Math.ceil((edge - f.base) / f.step) : Math.floor((f.base - edge) / -f.step) + 1;
      if (j > 0 && j < count) cuts.add(j);
    }
  }
  const xs = [...cuts].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < xs.length; i++) out.push([xs[i]!, xs[i + 1]!]);
  return out;
}

/** a set of members: an arithmetic progression, or the members whose field `f` has v mod M in [lo, hi) */
type MemberSet = { kind: 'ap'; first: number; period: number; n: number } | { kind: 'window'; f: LogField; M: bigint; lo: bigint; hi: bigint; j0: number; j1: number };

function matchSegment(t: LineTemplate, j0: number, j1: number, needle: string): { count: number; first?: number } {
  const widths = t.fields.map((f) => digitsOf(f.base + f.step * j0, radix(f)));
  // the line's layout in this segment: [start, end) of each part and field
  const regions: { start: number; end: number; part?: string; field?: number }[] = [];
  let at = 0;
  for (let i = 0; i < t.parts.length; i++) {
    const p = t.parts[i]!;
    if (p.length) regions.push({ start: at, end: at + p.length, part: p });
    at += p.length;
    if (i < t.fields.length) {
      regions.push({ start: at, end: at + widths[i]!, field: i });
      at += widths[i]!;
    }
  }
  const L = at;
  const N = needle.length;
  const sets: MemberSet[] = [];
  for (let o = 0; o + N <= L; o++) {
    const s = offsetSet(t, regions, widths, o, needle, j0, j1);
    if (s && size(s) > 0) sets.push(s);
  }
  if (!sets.length) return { count: 0 };
  if (sets.length === 1) return { count: size(sets[0]!), first: firstOf(sets[0]!) };
  // the needle fits at several places of the line: the union, member by member
  // when the sets are small, else over the segment's lines
  if (sets.every((s) => s.kind === 'ap') && sets.reduce((a, s) => a + size(s), 0) <= 1 << 16) {
    const js = new Set<number>();
    for (const s of sets) if (s.kind === 'ap') for (let i = 0; i < s.n; i++) js.add(s.first + i * s.period);
    return { count: js.size, first: Math.min(...js) };
  }
  let count = 0;
  let first: number | undefined;
  for (let j = j0; j < j1; j++) {
    if (templateLine(t, j).includes(needle)) {
      count++;
      first ??= j;
    }
  }
  return first === undefined ? { count } : { count, first };
}

function size(s: MemberSet): number {
  return s.kind === 'ap' ? s.n : windowCount(s, s.j1);
}

function firstOf(s: MemberSet): number {
  if (s.kind === 'ap') return s.first;
  // the smallest j with a member of the window in [j0, j + 1)
  let lo = s.j0;
  let hi = s.j1 - 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (windowCount(s, mid + 1) > 0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The members of [j0, j1) whose line has the needle at offset o: the
 * needle's characters over the template's text must be that text, and over
 * a field's digits they pin those digits.
 */
function offsetSet(t: LineTemplate, regions: { start: number; end: number; part?: string; field?: number }[], widths: number[], o: number, needle: string, j0: number, j1: number): MemberSet | null {
  const end = o + needle.length;
  const pins: { field: number; p: number; q: number; digits: string }[] = [];
  for (const r of regions) {
    if (r.end <= o || r.start >= end) continue;
    const a = Math.max(o, r.start);
    const b = Math.min(end, r.end);
    const piece = needle.slice(a - o, b - o);
    if (r.part !== undefined) {
      if (r.part.slice(a - r.start, b - r.start) !== piece) return null;
      continue;
    }
    const f = t.fields[r.field!]!;
    if (!(f.hex ? /^[0-9a-f]+$/ : /^[0-9]+$/).test(piece)) return null;
    pins.push({ field: r.field!, p: a - r.start, q: b - r.start, digits: piece });
  }
  if (!pins.length) return null; // inside the text: matched for every member before
  let lo = j0;
  let hi = j1;
  let residue: { j: bigint; period: bigint } | undefined;
  for (const pin of pins) {
    const f = t.fields[pin.field]!;
    const R = BigInt(radix(f));
    const w = widths[pin.field]!;
    const c = BigInt(parseInt(pin.digits, Number(R)));
    const e = BigInt(w - pin.q);
    const dd = BigInt(pin.q - pin.p);
    if (pin.p === 0 && pin.q === w) {
      // the whole number: one member at most
      const j = (Number(c) - f.base) / f.step + 0; // never -0
      if (!Number.isInteger(j) || j < lo || j >= hi) return null;
      lo = j;
      hi = j + 1;
    } else if (pin.p === 0) {
      // its leading digits: a range of values, so of members
      const [a, b] = membersWithin(f, c * R ** e, (c + 1n) * R ** e);
      lo = Math.max(lo, a);
      hi = Math.min(hi, b);
    } else if (pin.q === w) {
      // its trailing digits: v = c mod R^d, a residue class of members
      const M = R ** dd;
      const r = solveLinear(BigInt(f.step), c - BigInt(f.base), M);
      if (!r) return null;
      // only the needle's first number can be cut at its start
      if (residue) throw new Error('dmesg-match: two numbers cut by one needle');
      residue = r;
    } else {
      // digits inside the number (the needle is all in it): v mod R^(e+d) in a window
      if (pins.length !== 1) throw new Error('dmesg-match: a needle inside a number and beyond it');
      return { kind: 'window', f, M: R ** (e + dd), lo: c * R ** e, hi: (c + 1n) * R ** e, j0: lo, j1: hi };
    }
    if (lo >= hi) return null;
  }
  if (lo >= hi) return null;
  if (!residue) return { kind: 'ap', first: lo, period: 1, n: hi - lo };
  const per = residue.period;
  const start = BigInt(lo) + mod(residue.j - BigInt(lo), per);
  if (start >= BigInt(hi)) return null;
  const n = Number((BigInt(hi) - 1n - start) / per) + 1;
  return { kind: 'ap', first: Number(start), period: Number(per), n };
}

/** [a, b): the members whose field value lies in [vlo, vhi) (the values are monotone in j) */
function membersWithin(f: LogField, vlo: bigint, vhi: bigint): [number, number] {
  const base = BigInt(f.base);
  const step = BigInt(f.step);
  if (step > 0n) return [Number(ceilDiv(vlo - base, step)), Number(ceilDiv(vhi - base, step))];
  // decreasing: v >= vlo while j <= (base - vlo) / -step; v < vhi once j > (base - vhi) / -step
  const s = -step;
  return [Number(floorDiv(base - vhi, s)) + 1, Number(floorDiv(base - vlo, s)) + 1];
}

/** j with step * j = rhs (mod M): j = j0 (mod period), or null */
function solveLinear(step: bigint, rhs: bigint, M: bigint): { j: bigint; period: bigint } | null {
  const a = mod(step, M);
  const b = mod(rhs, M);
  const g = gcd(a, M);
  if (b % g !== 0n) return null;
  const m = M / g;
  if (m === 1n) return { j: 0n, period: 1n };
  const inv = modInverse(a / g, m);
  return { j: mod((b / g) * inv, m), period: m };
}

/** members j in [s.j0, j1) whose value v has v mod M in [lo, hi) */
function windowCount(s: Extract<MemberSet, { kind: 'window' }>, j1: number): number {
  const n = j1 - s.j0;
  if (n <= 0) return 0;
  // v_j = x0 + a * i for i in [0, n), a > 0 (a decreasing field is read from its end)
  let x0 = BigInt(s.f.base) + BigInt(s.f.step) * BigInt(s.j0);
  let a = BigInt(s.f.step);
  if (a < 0n) {
    x0 = x0 + a * BigInt(n - 1);
    a = -a;
  }
  // [lo <= v mod M < hi] = floor((v - lo) / M) - floor((v - hi) / M); shift by M so the numerators are not negative
  const sum = (off: bigint) => floorSum(BigInt(n), s.M, a, x0 - off + s.M);
  return Number(sum(s.lo) - sum(s.hi));
}

/** sum over i in [0, n) of floor((a * i + b) / m), a, b >= 0 */
function floorSum(n: bigint, m: bigint, a: bigint, b: bigint): bigint {
  let ans = 0n;
  for (;;) {
    if (a >= m) {
      ans += ((n * (n - 1n)) / 2n) * (a / m);
      a %= m;
    }
    if (b >= m) {
      ans += n * (b / m);
      b %= m;
    }
    const y = a * n + b;
    if (y < m) break;
    n = y / m;
    b = y % m;
    [m, a] = [a, m];
  }
  return ans;
}

const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;
const floorDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? a / b : -((-a + b - 1n) / b));
const ceilDiv = (a: bigint, b: bigint): bigint => -floorDiv(-a, b);

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [a, m];
  let [s0, s1] = [1n, 0n];
  while (r1) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}
