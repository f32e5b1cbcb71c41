// The time mapping of the track: real time (simulated ns) to display time,
// piecewise linear. Uncompressed it is the identity. Compressed, the run is
// cut into bursts (the union of the spans and instants, with idle gaps up to
// `threshold` kept inside a burst) and idle gaps (longer than `threshold`,
// no span in them): each gap shrinks to one small fixed display width, and a
// burst much shorter than the longest one is widened to a minimum width, so
// that at the full view every event's spans are visible (events 1 ms apart
// whose spans last microseconds would otherwise be slivers). Inside a piece
// the mapping is linear, so durations inside one burst keep their ratios.
//
// The viewport, culling, hit testing and the raster all work in display
// units: `start`, `end` and `instT` are the model's times mapped once per
// mapping (the identity reuses the model's arrays), so a frame costs the
// same whether compression is on or off. The axis reads real time back
// through `toReal`. DOM-free.

import type { TimelineModel } from './model';

/** an idle stretch shrunk by the mapping: real [t0, t1) shown as display [u0, u1) */
export interface TimeGap {
  t0: number;
  t1: number;
  u0: number;
  u1: number;
}

/** one linear piece of the mapping; the first and last extend to ±Infinity with slope 1 */
export interface TimePiece {
  t0: number;
  t1: number;
  u0: number;
  u1: number;
  /** an idle gap (shrunk), else a burst or the margins */
  gap: boolean;
}

export interface TimeMap {
  compressed: boolean;
  /** breakpoints, real and display, both non-decreasing; linear between, slope 1 outside */
  T: Float64Array;
  U: Float64Array;
  /** which piece [k, k+1) is a gap */
  isGap: Uint8Array;
  gaps: TimeGap[];
  /** the model's span starts and ends and instant times, in display units */
  start: Float64Array;
  end: Float64Array;
  instT: Float64Array;
  /** the run's extent in display units (the viewport's bounds) */
  uMin: number;
  uMax: number;
}

export interface CompressOptions {
  /** a gap with no span longer than this is shrunk, ns */
  threshold?: number;
  /** the share of the full view one gap takes at most */
  gapShare?: number;
  /** the share of the full view all the gaps take at most */
  gapsShare?: number;
  /** a burst is shown at least this fraction of the longest burst wide (and at least half the average burst) */
  minBurst?: number;
}

export const IDLE_THRESHOLD_NS = 10_000;

/** the identity: display time is real time */
export function identityMap(m: TimelineModel): TimeMap {
  return {
    compressed: false,
    T: Float64Array.of(m.tMin),
    U: Float64Array.of(m.tMin),
    isGap: new Uint8Array(0),
    gaps: [],
    start: m.start,
    end: m.end,
    instT: m.instantT,
    uMin: m.tMin,
    uMax: m.tMax,
  };
}

/** the bursts of a model: merged [a, b] intervals of spans and instants, gaps between them longer than `threshold` */
export function bursts(m: TimelineModel, threshold: number): [number, number][] {
  const inst = Float64Array.from(m.instantT).sort();
  const out: [number, number][] = [];
  let i = 0;
  let k = 0;
  const n = m.n;
  while (i < n || k < inst.length) {
    let a: number;
    let b: number;
    if (k >= inst.length || (i < n && m.start[i]! <= inst[k]!)) {
      a = m.start[i]!;
      b = m.end[i]!;
      i++;
    } else {
      a = b = inst[k]!;
      k++;
    }
    const last = out[out.length - 1];
    if (last && a - last[1] <= threshold) {
      if (b > last[1]) last[1] = b;
    } else out.push([a, b]);
  }
  return out;
}

export function compressedMap(m: TimelineModel, opts: CompressOptions = {}): TimeMap {
  const threshold = opts.threshold ?? IDLE_THRESHOLD_NS;
  const gapShare = opts.gapShare ?? 0.06;
  const gapsShare = opts.gapsShare ?? 0.35;
  const minBurst = opts.minBurst ?? 0.125;
  const bs = bursts(m, threshold);
  if (bs.length < 2) return identityMap(m);
  let maxL = 0;
  for (const [a, b] of bs) maxL = Math.max(maxL, b - a);
  // the least width of a burst: a fraction of the longest, and of the average once widened
  let c = maxL * minBurst;
  for (let it = 0; it < 6; it++) {
    let sum = 0;
    for (const [a, b] of bs) if (b > a) sum += Math.max(b - a, c);
    c = Math.max(maxL * minBurst, sum / (2 * bs.length));
  }
  const D = bs.map(([a, b]) => (b > a ? Math.max(b - a, c) : 0));
  const sumD = D.reduce((s, d) => s + d, 0);
  const G = bs.length - 1;
  const w = sumD > 0 ? Math.min(sumD * gapShare, (sumD * gapsShare) / G) : threshold;
  const K = bs.length * 2;
  const T = new Float64Array(K);
  const U = new Float64Array(K);
  const isGap = new Uint8Array(K - 1);
  const gaps: TimeGap[] = [];
  let u = bs[0]![0];
  for (let c = 0; c < bs.length; c++) {
    const [a, b] = bs[c]!;
    T[2 * c] = a;
    U[2 * c] = u;
    u += D[c]!;
    T[2 * c + 1] = b;
    U[2 * c + 1] = u;
    if (c + 1 < bs.length) {
      const next = bs[c + 1]![0];
      const wg = Math.min(w, next - b);
      isGap[2 * c + 1] = 1;
      gaps.push({ t0: b, t1: next, u0: u, u1: u + wg });
      u += wg;
    }
  }
  const map: TimeMap = { compressed: true, T, U, isGap, gaps, start: m.start, end: m.end, instT: m.instantT, uMin: U[0]!, uMax: U[K - 1]! };
  const start = new Float64Array(m.n);
  const end = new Float64Array(m.n);
  // starts are sorted: one walk over the breakpoints
  let p = -1;
  for (let i = 0; i < m.n; i++) {
    const t = m.start[i]!;
    while (p + 1 < K && T[p + 1]! <= t) p++;
    start[i] = at(T, U, p, t);
    end[i] = toDisplay(map, m.end[i]!);
  }
  map.start = start;
  map.end = end;
  map.instT = Float64Array.from(m.instantT, (t) => toDisplay(map, t));
  return map;
}

/** the last k with xs[k] <= v, -1 when none */
function lastAtOrBefore(xs: Float64Array, v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** map v through piece k of (from → to), slope 1 outside */
function at(from: Float64Array, to: Float64Array, k: number, v: number): number {
  const last = from.length - 1;
  if (k < 0) return to[0]! - (from[0]! - v);
  if (k >= last) return to[last]! + (v - from[last]!);
  const f0 = from[k]!;
  const f1 = from[k + 1]!;
  if (f1 <= f0) return to[k + 1]!;
  return to[k]! + ((v - f0) * (to[k + 1]! - to[k]!)) / (f1 - f0);
}

export function toDisplay(map: TimeMap, t: number): number {
  if (!map.compressed) return t;
  return at(map.T, map.U, lastAtOrBefore(map.T, t), t);
}

export function toReal(map: TimeMap, u: number): number {
  if (!map.compressed) return u;
  return at(map.U, map.T, lastAtOrBefore(map.U, u), u);
}

/** the pieces of the mapping that meet display [u0, u1), in order (zero-width pieces skipped) */
export function piecesIn(map: TimeMap, u0: number, u1: number): TimePiece[] {
  const { T, U } = map;
  const K = T.length;
  const out: TimePiece[] = [];
  const push = (p: TimePiece) => {
    if (p.u1 > u0 && p.u0 < u1 && p.u1 > p.u0) out.push(p);
  };
  push({ t0: -Infinity, t1: T[0]!, u0: -Infinity, u1: U[0]!, gap: false });
  let k = Math.max(0, lastAtOrBefore(U, u0) - 1);
  for (; k < K - 1 && U[k]! < u1; k++) push({ t0: T[k]!, t1: T[k + 1]!, u0: U[k]!, u1: U[k + 1]!, gap: map.isGap[k] === 1 });
  push({ t0: T[K - 1]!, t1: Infinity, u0: U[K - 1]!, u1: Infinity, gap: false });
  return out;
}
