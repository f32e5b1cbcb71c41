// The spans in a time window, for the list that follows the view: of the
// filtered list (start order), the spans that intersect real time [a, b).
// Those starting inside the window are one contiguous run of the list (two
// binary searches); those starting before it and still running at `a` are
// found by walking blocks of the list whose largest end reaches `a` (a
// block maximum per 256 entries, built once per filter change). The result
// is a virtual list: the earlier-starting spans, then the run, in start
// order, never materialised as a whole. DOM-free.

import type { TimelineView } from './view';

const BLOCK = 256;

export interface RangeIndex {
  view: TimelineView;
  /** the largest span end of each block of BLOCK list positions */
  blockMax: Float64Array;
}

export interface InView {
  /** list positions of the spans that start before the window and run into it */
  pre: Int32Array;
  /** list positions [from, to) start inside the window */
  from: number;
  to: number;
  /** pre.length + (to - from) */
  length: number;
  /** the window, real ns */
  a: number;
  b: number;
}

export function buildRangeIndex(view: TimelineView): RangeIndex {
  const { list, model } = view;
  const nb = Math.ceil(list.length / BLOCK);
  const blockMax = new Float64Array(nb).fill(-Infinity);
  for (let p = 0; p < list.length; p++) {
    const e = model.end[list[p]!]!;
    const q = (p / BLOCK) | 0;
    if (e > blockMax[q]!) blockMax[q] = e;
  }
  return { view, blockMax };
}

/** does span i intersect [a, b): it starts before b and runs past a (a zero-length span: lies in [a, b)) */
export function intersects(view: TimelineView, i: number, a: number, b: number): boolean {
  const s = view.model.start[i]!;
  const e = view.model.end[i]!;
  return s < b && (e > a || s >= a);
}

/** first list position whose span starts at or after t */
function firstStartAtOrAfter(view: TimelineView, t: number): number {
  const { list, model } = view;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (model.start[list[mid]!]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function spansInRange(ix: RangeIndex, a: number, b: number): InView {
  const view = ix.view;
  const { list, model } = view;
  if (!(b > a)) return { pre: new Int32Array(0), from: 0, to: 0, length: 0, a, b };
  const from = firstStartAtOrAfter(view, a);
  const to = Math.max(from, firstStartAtOrAfter(view, b));
  const pre: number[] = [];
  const nb = Math.ceil(from / BLOCK);
  for (let q = 0; q < nb; q++) {
    if (ix.blockMax[q]! <= a) continue;
    const end = Math.min(from, (q + 1) * BLOCK);
    for (let p = q * BLOCK; p < end; p++) if (model.end[list[p]!]! > a) pre.push(p);
  }
  return { pre: Int32Array.from(pre), from, to, length: pre.length + (to - from), a, b };
}

/** the list position of the k-th span in view */
export function positionAt(iv: InView, k: number): number {
  return k < iv.pre.length ? iv.pre[k]! : iv.from + (k - iv.pre.length);
}

/** where list position p is in the window's list, -1 when not in view */
export function indexInView(iv: InView, p: number): number {
  if (p < 0) return -1;
  if (p >= iv.from && p < iv.to) return iv.pre.length + (p - iv.from);
  let lo = 0;
  let hi = iv.pre.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (iv.pre[mid]! < p) lo = mid + 1;
    else hi = mid;
  }
  return lo < iv.pre.length && iv.pre[lo] === p ? lo : -1;
}
