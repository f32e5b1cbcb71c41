// Culling: what one frame draws, at pixel resolution, visiting only what is
// visible. DOM-free; the raster module only paints the draw list.
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
//
// The draw list is a set of typed columns in one reusable object (`DrawList`):
// a frame appends to buffers that only grow, so drawing a frame allocates
// nothing but the few label strings it places.

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

export interface DrawSelection {
  lane: number;
  x0: number;
  x1: number;
  y: number;
}

function growI32(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

function growF64(a: Float64Array<ArrayBuffer>, need: number): Float64Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/**
 * One frame's draw list, as typed columns: entries [0, nX) of each group are
 * this frame's. Reused from frame to frame (`reset` keeps the buffers).
 */
export class DrawList {
  nLanes = 0;
  laneIdx = new Int32Array(32);
  laneY = new Float64Array(32);
  laneH = new Float64Array(32);

  nSlices = 0;
  sliceI = new Int32Array(1024);
  sliceLane = new Int32Array(1024);
  sliceRow = new Int32Array(1024);
  sliceX0 = new Float64Array(1024);
  sliceX1 = new Float64Array(1024);
  sliceY = new Float64Array(1024);
  sliceLabel: (string | null)[] = [];

  nMarks = 0;
  markLane = new Int32Array(4096);
  markRow = new Int32Array(4096);
  markC0 = new Int32Array(4096);
  markC1 = new Int32Array(4096);
  markY = new Float64Array(4096);

  nInstants = 0;
  instK = new Int32Array(1024);
  instN = new Int32Array(1024);
  instLane = new Int32Array(1024);
  instX = new Float64Array(1024);
  instY = new Float64Array(1024);

  nFlows = 0;
  flowFrom = new Int32Array(256);
  flowTo = new Int32Array(256);
  flowX = new Float64Array(256);
  flowY0 = new Float64Array(256);
  flowY1 = new Float64Array(256);

  /** where the selected span is drawn (one box per lane it appears in; at most 3) */
  selection: DrawSelection[] = [];
  /** spans read by the row walks (binary searches excluded): the cost of the frame */
  visits = 0;

  /** the first mark of the row being walked (marks merge only within a row) */
  private rowMarks = 0;

  reset(): this {
    this.nLanes = this.nSlices = this.nMarks = this.nInstants = this.nFlows = 0;
    this.sliceLabel.length = 0;
    this.selection.length = 0;
    this.visits = 0;
    this.rowMarks = 0;
    return this;
  }

  pushLane(lane: number, y: number, h: number): void {
    const q = this.nLanes++;
    if (q >= this.laneIdx.length) {
      this.laneIdx = growI32(this.laneIdx, q + 1);
      this.laneY = growF64(this.laneY, q + 1);
      this.laneH = growF64(this.laneH, q + 1);
    }
    this.laneIdx[q] = lane;
    this.laneY[q] = y;
    this.laneH[q] = h;
  }

  pushSlice(i: number, lane: number, row: number, x0: number, x1: number, y: number, label: string | null): void {
    const q = this.nSlices++;
    if (q >= this.sliceI.length) {
      const need = q + 1;
      this.sliceI = growI32(this.sliceI, need);
      this.sliceLane = growI32(this.sliceLane, need);
      this.sliceRow = growI32(this.sliceRow, need);
      this.sliceX0 = growF64(this.sliceX0, need);
      this.sliceX1 = growF64(this.sliceX1, need);
      this.sliceY = growF64(this.sliceY, need);
    }
    this.sliceI[q] = i;
    this.sliceLane[q] = lane;
    this.sliceRow[q] = row;
    this.sliceX0[q] = x0;
    this.sliceX1[q] = x1;
    this.sliceY[q] = y;
    this.sliceLabel[q] = label;
  }

  /** start a row: later marks merge only with marks of this row */
  beginRow(): void {
    this.rowMarks = this.nMarks;
  }

  /** mark column c of (lane, row); columns of a row arrive in ascending order */
  pushMark(lane: number, row: number, c: number, y: number): void {
    const last = this.nMarks - 1;
    if (last >= this.rowMarks && this.markC1[last] === c) {
      this.markC1[last] = c + 1;
      return;
    }
    this.pushMarkRun(lane, row, c, c + 1, y);
  }

  /** mark columns [c0, c1) of (lane, row), c0 at or after the row's last mark */
  pushMarkRun(lane: number, row: number, c0: number, c1: number, y: number): void {
    const last = this.nMarks - 1;
    if (last >= this.rowMarks && this.markC1[last]! >= c0) {
      if (c1 > this.markC1[last]!) this.markC1[last] = c1;
      return;
    }
    const q = this.nMarks++;
    if (q >= this.markLane.length) {
      const need = q + 1;
      this.markLane = growI32(this.markLane, need);
      this.markRow = growI32(this.markRow, need);
      this.markC0 = growI32(this.markC0, need);
      this.markC1 = growI32(this.markC1, need);
      this.markY = growF64(this.markY, need);
    }
    this.markLane[q] = lane;
    this.markRow[q] = row;
    this.markC0[q] = c0;
    this.markC1[q] = c1;
    this.markY[q] = y;
  }

  pushInstant(k: number, lane: number, x: number, y: number): void {
    const q = this.nInstants++;
    if (q >= this.instK.length) {
      const need = q + 1;
      this.instK = growI32(this.instK, need);
      this.instN = growI32(this.instN, need);
      this.instLane = growI32(this.instLane, need);
      this.instX = growF64(this.instX, need);
      this.instY = growF64(this.instY, need);
    }
    this.instK[q] = k;
    this.instN[q] = 1;
    this.instLane[q] = lane;
    this.instX[q] = x;
    this.instY[q] = y;
  }

  pushFlow(from: number, to: number, x: number, y0: number, y1: number): void {
    const q = this.nFlows++;
    if (q >= this.flowFrom.length) {
      const need = q + 1;
      this.flowFrom = growI32(this.flowFrom, need);
      this.flowTo = growI32(this.flowTo, need);
      this.flowX = growF64(this.flowX, need);
      this.flowY0 = growF64(this.flowY0, need);
      this.flowY1 = growF64(this.flowY1, need);
    }
    this.flowFrom[q] = from;
    this.flowTo[q] = to;
    this.flowX[q] = x;
    this.flowY0[q] = y0;
    this.flowY1[q] = y1;
  }
}

// Object views of a draw list, for tests and debugging (they allocate; the
// renderer reads the typed columns).
export function slicesOf(dl: DrawList): DrawSlice[] {
  return Array.from({ length: dl.nSlices }, (_, q) => ({ i: dl.sliceI[q]!, lane: dl.sliceLane[q]!, row: dl.sliceRow[q]!, x0: dl.sliceX0[q]!, x1: dl.sliceX1[q]!, y: dl.sliceY[q]!, label: dl.sliceLabel[q]! }));
}
export function marksOf(dl: DrawList): DrawMark[] {
  return Array.from({ length: dl.nMarks }, (_, q) => ({ lane: dl.markLane[q]!, row: dl.markRow[q]!, c0: dl.markC0[q]!, c1: dl.markC1[q]!, y: dl.markY[q]! }));
}
export function instantsOf(dl: DrawList): DrawInstant[] {
  return Array.from({ length: dl.nInstants }, (_, q) => ({ k: dl.instK[q]!, n: dl.instN[q]!, lane: dl.instLane[q]!, x: dl.instX[q]!, y: dl.instY[q]! }));
}
export function flowsOf(dl: DrawList): DrawFlow[] {
  return Array.from({ length: dl.nFlows }, (_, q) => ({ from: dl.flowFrom[q]!, to: dl.flowTo[q]!, x: dl.flowX[q]!, y0: dl.flowY0[q]!, y1: dl.flowY1[q]! }));
}
export function lanesOf(dl: DrawList): DrawLane[] {
  return Array.from({ length: dl.nLanes }, (_, q) => ({ lane: dl.laneIdx[q]!, y: dl.laneY[q]!, h: dl.laneH[q]! }));
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
  /** the draw list to fill (reset first); a new one when absent */
  into?: DrawList;
  /** span and instant times in the viewport's units (a time map's); the model's when absent */
  time?: TimeArrays;
}

/** the times the viewport is in: the model's own, or mapped by a time map (timemap.ts) */
export interface TimeArrays {
  start: Float64Array;
  end: Float64Array;
  instT: Float64Array;
}

/** where cullRow appends: the draw list, the row being walked, and how to label a slice */
export interface RowTarget {
  dl: DrawList;
  lane: number;
  row: number;
  /** top of the row, px */
  y: number;
  /** the label of a slice of span i with `vis` visible pixels, or null */
  label: ((i: number, vis: number) => string | null) | null;
}

/**
 * Walk one row: `idx` holds span indices sorted by start, non-overlapping.
 * Appends the row's slices and merged marks to `to.dl`; returns the number of
 * spans visited.
 */
export function cullRow(start: Float64Array, end: Float64Array, idx: Int32Array, t0: number, k: number, width: number, minPx: number, to: RowTarget): number {
  const dl = to.dl;
  const { lane, row, y, label } = to;
  dl.beginRow();
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
      dl.pushSlice(si, lane, row, x0, x1, y, label ? label(si, Math.min(x1, width) - Math.max(x0, 0)) : null);
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
    dl.pushMark(lane, row, c, y);
    if (a > i) {
      const sj = idx[a]!;
      const y0 = (start[sj]! - t0) * k;
      const y1 = (end[sj]! - t0) * k;
      visits++;
      if (y1 - y0 >= minPx) dl.pushSlice(sj, lane, row, y0, y1, y, label ? label(sj, Math.min(y1, width) - Math.max(y0, 0)) : null);
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
  const out = (opts.into ?? new DrawList()).reset();
  const ts = opts.time ?? { start: m.start, end: m.end, instT: m.instantT };
  const range = vp.t1 - vp.t0;
  if (!(range > 0) || width <= 0 || height <= 0) return out;
  const k = width / range;
  const t0 = vp.t0;
  const rowH = layout.metrics.rowH;
  const sy = vp.scrollY;
  const target: RowTarget = {
    dl: out,
    lane: 0,
    row: 0,
    y: 0,
    label: measure ? (i, vis) => (vis >= 2 * labelPad + 12 ? fitLabel(labelOf(m, i), vis - 2 * labelPad, measure) : null) : null,
  };

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
  const instT = ts.instT;
  for (let li = first; li < nl; li++) {
    const top = layout.top[li]! - sy;
    if (top >= height) break;
    const vl = view.lanes[li]!;
    out.pushLane(li, top, layout.height[li]!);
    // instants: one per pixel column, with the count sharing it
    const ih = layout.instH[li]!;
    if (ih > 0 && vl.instants.length && top + ih > 0) {
      const ins = vl.instants;
      let lo = 0;
      let hi = ins.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((instT[ins[mid]!]! - t0) * k >= 0) hi = mid;
        else lo = mid + 1;
      }
      let lastC = -1;
      for (let q = lo; q < ins.length; q++) {
        const x = (instT[ins[q]!]! - t0) * k;
        if (x >= width) break;
        const c = Math.floor(x);
        if (c === lastC) out.instN[out.nInstants - 1]!++;
        else {
          out.pushInstant(ins[q]!, li, x, top);
          lastC = c;
        }
      }
    }
    target.lane = li;
    for (let r = 0; r < vl.rows.length; r++) {
      const rowY = top + ih + r * rowH;
      if (rowY >= height) break;
      if (rowY + rowH <= 0) continue;
      target.row = r;
      target.y = rowY;
      out.visits += cullRow(ts.start, ts.end, vl.rows[r]!, t0, k, width, minPx, target);
    }
  }

  // flows: a call into another layer, at the callee's start, for slices wide enough to read
  for (let q = 0; q < out.nSlices; q++) {
    if (out.nFlows >= maxFlows) break;
    const x0 = out.sliceX0[q]!;
    if (out.sliceX1[q]! - x0 < flowMinPx || x0 < 0) continue;
    const vl = view.lanes[out.sliceLane[q]!]!;
    if (vl.lane.kind !== 'layer') continue;
    const i = out.sliceI[q]!;
    const p = m.parent[i]!;
    if (p < 0 || m.layer[p] === m.layer[i] || !view.pass[p]) continue;
    const pl = view.laneOf[m.layerLane[m.layer[p]!]!]!;
    if (pl < 0) continue;
    const y0 = rowTop(layout, pl, m.layerRow[p]!) - sy + rowH / 2;
    const y1 = out.sliceY[q]! + rowH / 2;
    if ((y0 < 0 && y1 < 0) || (y0 >= height && y1 >= height)) continue;
    out.pushFlow(p, i, x0, y0, y1);
  }

  // the selection, in each shown lane the span is in
  if (selected >= 0 && selected < m.n && view.pass[selected]) {
    const x0 = (ts.start[selected]! - t0) * k;
    const x1 = (ts.end[selected]! - t0) * k;
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
export function hitTest(view: TimelineView, layout: Layout, vp: Viewport, width: number, x: number, y: number, tolPx = 3, time?: TimeArrays): Hit {
  const m = view.model;
  const ts = time ?? { start: m.start, end: m.end, instT: m.instantT };
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
      if (ts.instT[ins[mid]!]! < t) a = mid + 1;
      else b = mid;
    }
    for (const q of [a - 1, a]) {
      if (q < 0 || q >= ins.length) continue;
      const d = Math.abs((ts.instT[ins[q]!]! - vp.t0) * k - x);
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
      if ((ts.start[idx[mid]!]! - vp.t0) * k <= x) p = mid + 1;
      else q = mid;
    }
    const cand = p - 1;
    let best = -1;
    let bestD = Infinity;
    for (const c of [cand, cand + 1]) {
      if (c < 0 || c >= idx.length) continue;
      const si = idx[c]!;
      const x0 = (ts.start[si]! - vp.t0) * k;
      const x1 = (ts.end[si]! - vp.t0) * k;
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
