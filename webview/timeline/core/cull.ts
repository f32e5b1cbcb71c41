// Culling: what one frame draws, at pixel resolution, visiting only what is
// visible. DOM-free; the canvas module only paints the draw list.
//
// Per row the spans are sorted by start and do not overlap, so their ends are
// sorted too: a binary search on the ends finds the first visible span. From
// there, a span at least `minPx` wide is a slice of its own; a narrower one
// marks the pixel column its start falls in, and a galloping search jumps to
// the first span starting in a later column. Every span skipped that way
// starts in the same column and, because they do not overlap, ends before the
// next one starts, so all are narrower than a pixel except possibly the last
// one, which is checked on its own. A frame therefore costs O(visible slices +
// marked columns × log(spans per column)) per visible row, whatever n is.
// Consecutive marked columns merge into one mark run.

import { labelOf, type TimelineModel } from './model';
import { rowTop, type Layout, type TimelineView } from './view';
import type { Viewport } from './viewport';

/** spans narrower than this many pixels are merged into column marks */
export const MIN_SLICE_PX = 1;

export interface DrawSlice {
  /** span index in the model */
  i: number;
  /** view lane and row */
  lane: number;
  row: number;
  /** unclipped pixel extent, x0 <= x1 */
  x0: number;
  x1: number;
  /** top of the row, px in the track area (after scroll) */
  y: number;
  label: string | null;
}

/** a run of pixel columns [c0, c1) holding sub-pixel spans */
export interface DrawMark {
  lane: number;
  row: number;
  c0: number;
  c1: number;
  y: number;
}

export interface DrawInstant {
  /** the first instant (model.instants index) in this pixel column */
  k: number;
  /** how many instants share the column */
  n: number;
  lane: number;
  x: number;
  y: number;
}

export interface DrawFlow {
  /** parent and child span indices */
  from: number;
  to: number;
  x: number;
  y0: number;
  y1: number;
}

export interface DrawLane {
  lane: number;
  y: number;
  h: number;
}

export interface DrawList {
  lanes: DrawLane[];
  slices: DrawSlice[];
  marks: DrawMark[];
  instants: DrawInstant[];
  flows: DrawFlow[];
  /** where the selected span is drawn (one box per lane it appears in) */
  selection: { lane: number; x0: number; x1: number; y: number }[];
  /** spans read by the row walks (binary searches excluded): the cost of the frame */
  visits: number;
}

export interface CullOptions {
  /** measure a label's width in pixels; without it no labels are placed */
  measure?: (text: string) => number;
  /** horizontal padding inside a slice around its label */
  labelPad?: number;
  /** the selected span index, -1 for none */
  selected?: number;
  /** a slice at least this wide gets a flow arrow from its parent in another layer */
  flowMinPx?: number;
  maxFlows?: number;
  minPx?: number;
}

export interface RowSink {
  slice(i: number, x0: number, x1: number): void;
  /** column c marked; columns arrive in ascending order */
  mark(c: number): void;
}

/**
 * Walk one row: `idx` holds span indices sorted by start, non-overlapping.
 * Returns the number of spans visited.
 */
export function cullRow(start: Float64Array, end: Float64Array, idx: Int32Array, t0: number, k: number, width: number, minPx: number, sink: RowSink): number {
  const len = idx.length;
  // first span whose end is on or right of pixel 0
  let lo = 0;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((end[idx[mid]!]! - t0) * k >= 0) hi = mid;
    else lo = mid + 1;
  }
  let i = lo;
  let visits = 0;
  while (i < len) {
    const si = idx[i]!;
    const x0 = (start[si]! - t0) * k;
    if (x0 >= width) break;
    const x1 = (end[si]! - t0) * k;
    visits++;
    if (x1 - x0 >= minPx) {
      sink.slice(si, x0, x1);
      i++;
      continue;
    }
    const c = x0 < 0 ? 0 : Math.floor(x0);
    const limit = c + 1;
    // gallop: first j > i with x0(j) >= limit
    let step = 1;
    let a = i; // known: x0(a) < limit
    let b = i + 1;
    while (b < len && (start[idx[b]!]! - t0) * k < limit) {
      a = b;
      step *= 2;
      b = i + step;
    }
    if (b > len) b = len;
    // x0(a) < limit, and b == len or x0(b) >= limit
    while (b - a > 1) {
      const mid = (a + b) >>> 1;
      if ((start[idx[mid]!]! - t0) * k < limit) a = mid;
      else b = mid;
    }
    sink.mark(c);
    if (a > i) {
      const sj = idx[a]!;
      const y0 = (start[sj]! - t0) * k;
      const y1 = (end[sj]! - t0) * k;
      visits++;
      if (y1 - y0 >= minPx) sink.slice(sj, y0, y1);
    }
    i = b;
  }
  return visits;
}

/** a label that fits in `avail` pixels: the whole text, a truncation with an ellipsis, or null */
export function fitLabel(text: string, avail: number, measure: (t: string) => number): string | null {
  if (avail <= 0) return null;
  const w = measure(text);
  if (w <= avail) return text;
  const ell = measure('…');
  let chars = Math.floor((text.length * (avail - ell)) / w);
  while (chars >= 3) {
    const t = text.slice(0, chars) + '…';
    if (measure(t) <= avail) return t;
    chars--;
  }
  return null;
}

export function cull(view: TimelineView, layout: Layout, vp: Viewport, width: number, height: number, opts: CullOptions = {}): DrawList {
  const m: TimelineModel = view.model;
  const minPx = Math.max(1, opts.minPx ?? MIN_SLICE_PX);
  const selected = opts.selected ?? -1;
  const labelPad = opts.labelPad ?? 4;
  const flowMinPx = opts.flowMinPx ?? 3;
  const maxFlows = opts.maxFlows ?? 4000;
  const measure = opts.measure;
  const out: DrawList = { lanes: [], slices: [], marks: [], instants: [], flows: [], selection: [], visits: 0 };
  const range = vp.t1 - vp.t0;
  if (!(range > 0) || width <= 0 || height <= 0) return out;
  const k = width / range;
  const t0 = vp.t0;
  const rowH = layout.metrics.rowH;
  const sy = vp.scrollY;

  // lanes overlapping [sy, sy + height)
  const nl = view.lanes.length;
  let first = 0;
  {
    let lo = 0;
    let hi = nl;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (layout.top[mid]! + layout.height[mid]! > sy) hi = mid;
      else lo = mid + 1;
    }
    first = lo;
  }
  let lane = 0;
  let row = 0;
  let rowY = 0;
  let run: DrawMark | null = null;
  const sink: RowSink = {
    slice(i, x0, x1) {
      let label: string | null = null;
      if (measure) {
        const vis = Math.min(x1, width) - Math.max(x0, 0);
        if (vis >= 2 * labelPad + 12) label = fitLabel(labelOf(m, i), vis - 2 * labelPad, measure);
      }
      out.slices.push({ i, lane, row, x0, x1, y: rowY, label });
    },
    mark(c) {
      if (run && run.c1 === c) run.c1 = c + 1;
      else {
        run = { lane, row, c0: c, c1: c + 1, y: rowY };
        out.marks.push(run);
      }
    },
  };
  for (let li = first; li < nl; li++) {
    const top = layout.top[li]! - sy;
    if (top >= height) break;
    const vl = view.lanes[li]!;
    out.lanes.push({ lane: li, y: top, h: layout.height[li]! });
    // instants: one per pixel column, with the count sharing it
    const ih = layout.instH[li]!;
    if (ih > 0 && vl.instants.length && top + ih > 0) {
      const ins = vl.instants;
      let lo = 0;
      let hi = ins.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((m.instants[ins[mid]!]!.t - t0) * k >= 0) hi = mid;
        else lo = mid + 1;
      }
      let last: DrawInstant | null = null;
      for (let q = lo; q < ins.length; q++) {
        const x = (m.instants[ins[q]!]!.t - t0) * k;
        if (x >= width) break;
        const c = Math.floor(x);
        if (last && Math.floor(last.x) === c) last.n++;
        else {
          last = { k: ins[q]!, n: 1, lane: li, x, y: top };
          out.instants.push(last);
        }
      }
    }
    for (let r = 0; r < vl.rows.length; r++) {
      rowY = top + ih + r * rowH;
      if (rowY >= height) break;
      if (rowY + rowH <= 0) continue;
      lane = li;
      row = r;
      run = null;
      out.visits += cullRow(m.start, m.end, vl.rows[r]!, t0, k, width, minPx, sink);
    }
  }

  // flows: a call into another layer, at the callee's start, for slices wide enough to read
  for (const s of out.slices) {
    if (out.flows.length >= maxFlows) break;
    const vl = view.lanes[s.lane]!;
    if (vl.lane.kind !== 'layer' || s.x1 - s.x0 < flowMinPx || s.x0 < 0) continue;
    const p = m.parent[s.i]!;
    if (p < 0 || m.layer[p] === m.layer[s.i] || !view.pass[p]) continue;
    const pl = view.laneOf[m.layerLane[m.layer[p]!]!]!;
    if (pl < 0) continue;
    const y0 = rowTop(layout, pl, m.layerRow[p]!) - sy + rowH / 2;
    const y1 = s.y + rowH / 2;
    if ((y0 < 0 && y1 < 0) || (y0 >= height && y1 >= height)) continue;
    out.flows.push({ from: p, to: s.i, x: s.x0, y0, y1 });
  }

  // the selection, in each shown lane the span is in
  if (selected >= 0 && selected < m.n && view.pass[selected]) {
    const x0 = (m.start[selected]! - t0) * k;
    const x1 = (m.end[selected]! - t0) * k;
    if (x1 >= 0 && x0 < width) {
      const places: [number, number][] = [
        [m.layerLane[m.layer[selected]!]!, m.layerRow[selected]!],
        [m.devLane[selected]!, m.devRow[selected]!],
        [m.procLane[selected]!, m.procRow[selected]!],
      ];
      for (const [ml, r] of places) {
        if (ml < 0) continue;
        const li = view.laneOf[ml]!;
        if (li < 0) continue;
        const y = rowTop(layout, li, r) - sy;
        if (y + rowH <= 0 || y >= height) continue;
        out.selection.push({ lane: li, x0, x1, y });
      }
    }
  }
  return out;
}

export type Hit = { kind: 'span'; i: number; lane: number; row: number } | { kind: 'instant'; k: number; lane: number } | null;

/**
 * What is under pixel (x, y) of the track area: the span whose extent holds
 * the time under x in the row under y, else the nearest span in that row
 * within `tolPx` pixels (a sub-pixel span is hard to hit exactly), else an
 * instant within `tolPx` in an instant strip.
 */
export function hitTest(view: TimelineView, layout: Layout, vp: Viewport, width: number, x: number, y: number, tolPx = 3): Hit {
  const m = view.model;
  const range = vp.t1 - vp.t0;
  if (!(range > 0) || width <= 0) return null;
  const k = width / range;
  const cy = y + vp.scrollY;
  // lane under y
  let lo = 0;
  let hi = view.lanes.length - 1;
  let li = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (layout.top[mid]! <= cy) {
      li = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (li < 0 || cy >= layout.top[li]! + layout.height[li]!) return null;
  const vl = view.lanes[li]!;
  const inLane = cy - layout.top[li]!;
  const ih = layout.instH[li]!;
  if (inLane < ih) {
    // nearest instant within tolerance
    let best = -1;
    let bestD = tolPx + 1e-9;
    const ins = vl.instants;
    const t = vp.t0 + x / k;
    let a = 0;
    let b = ins.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (m.instants[ins[mid]!]!.t < t) a = mid + 1;
      else b = mid;
    }
    for (const q of [a - 1, a]) {
      if (q < 0 || q >= ins.length) continue;
      const d = Math.abs((m.instants[ins[q]!]!.t - vp.t0) * k - x);
      if (d <= bestD) {
        bestD = d;
        best = ins[q]!;
      }
    }
    return best >= 0 ? { kind: 'instant', k: best, lane: li } : null;
  }
  const r = Math.floor((inLane - ih) / layout.metrics.rowH);
  if (r < 0 || r >= vl.rows.length) return null;
  const idx = vl.rows[r]!;
  // last span starting at or before pixel x
  a: {
    let p = 0;
    let q = idx.length;
    while (p < q) {
      const mid = (p + q) >>> 1;
      if ((m.start[idx[mid]!]! - vp.t0) * k <= x) p = mid + 1;
      else q = mid;
    }
    const cand = p - 1;
    let best = -1;
    let bestD = Infinity;
    for (const c of [cand, cand + 1]) {
      if (c < 0 || c >= idx.length) continue;
      const si = idx[c]!;
      const x0 = (m.start[si]! - vp.t0) * k;
      const x1 = (m.end[si]! - vp.t0) * k;
      const d = x < x0 ? x0 - x : x > x1 ? x - x1 : 0;
      if (d < bestD) {
        bestD = d;
        best = si;
      }
    }
    if (best < 0 || bestD > tolPx) break a;
    return { kind: 'span', i: best, lane: li, row: r };
  }
  return null;
}
