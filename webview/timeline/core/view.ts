// A filtered view of the model: which lanes are shown, each lane's rows
// holding only the spans that pass the filters (still sorted by start, still
// non-overlapping: a subset of a row keeps both properties), the flat list
// of passing spans for the list view, and the vertical layout of the lanes.
// Built once per filter change (O(n)), never per frame. DOM-free.

import type { Lane, TimelineModel } from './model';

export interface TimelineFilters {
  /** layers to show; empty: every layer */
  layers: string[];
  /** processes to show (a span belongs to the pid it runs for); empty: every process and kernel context */
  processes: number[];
  /** case-insensitive substring of the symbol; empty: every symbol */
  symbol: string;
}

export const NO_FILTERS: TimelineFilters = { layers: [], processes: [], symbol: '' };

export interface ViewLane {
  lane: Lane;
  /** index of the lane in model.lanes */
  laneIndex: number;
  /** rows of passing span indices, sorted by start */
  rows: Int32Array[];
  /** instants shown (indices into model.instants), sorted by time */
  instants: Int32Array;
}

export interface TimelineView {
  model: TimelineModel;
  filters: TimelineFilters;
  lanes: ViewLane[];
  /** view-lane index of each model lane, -1 when hidden */
  laneOf: Int32Array;
  /** passing span indices in model order (the list view's rows) */
  list: Int32Array;
  /** position of a span index in `list`, -1 when filtered out */
  listPos: Int32Array;
  /** 1 when the span at that index passes the filters */
  pass: Uint8Array;
}

export function filtersActive(f: TimelineFilters): boolean {
  return f.layers.length > 0 || f.processes.length > 0 || f.symbol.trim() !== '';
}

export function normaliseFilters(f: Partial<TimelineFilters> | undefined): TimelineFilters {
  return {
    layers: Array.isArray(f?.layers) ? f!.layers.filter((x) => typeof x === 'string') : [],
    processes: Array.isArray(f?.processes) ? f!.processes.filter((x) => typeof x === 'number') : [],
    symbol: typeof f?.symbol === 'string' ? f.symbol : '',
  };
}

/** does span i pass the filters (the brute-force definition the view must agree with) */
export function spanPasses(m: TimelineModel, f: TimelineFilters, i: number): boolean {
  if (f.layers.length && !f.layers.includes(m.layers[m.layer[i]!]!)) return false;
  if (f.processes.length && !f.processes.includes(m.pid[i]!)) return false;
  const q = f.symbol.trim().toLowerCase();
  if (q && !m.symbols[m.sym[i]!]!.toLowerCase().includes(q)) return false;
  return true;
}

export function buildView(m: TimelineModel, filters: TimelineFilters): TimelineView {
  const f = normaliseFilters(filters);
  const n = m.n;
  const pass = new Uint8Array(n);
  const active = filtersActive(f);
  if (!active) pass.fill(1);
  else {
    const layerOk = new Uint8Array(m.layers.length);
    for (let l = 0; l < m.layers.length; l++) layerOk[l] = !f.layers.length || f.layers.includes(m.layers[l]!) ? 1 : 0;
    const q = f.symbol.trim().toLowerCase();
    const symOk = new Uint8Array(m.symbols.length);
    for (let s = 0; s < m.symbols.length; s++) symOk[s] = !q || m.symbols[s]!.toLowerCase().includes(q) ? 1 : 0;
    const pids = new Set(f.processes);
    const anyPid = f.processes.length === 0;
    for (let i = 0; i < n; i++) pass[i] = layerOk[m.layer[i]!]! & symOk[m.sym[i]!]! & (anyPid || pids.has(m.pid[i]!) ? 1 : 0);
  }

  const lanes: ViewLane[] = [];
  const laneOf = new Int32Array(m.lanes.length).fill(-1);
  const pidOk = (p: number) => !f.processes.length || f.processes.includes(p);
  for (let li = 0; li < m.lanes.length; li++) {
    const lane = m.lanes[li]!;
    let rows: Int32Array[];
    if (!active) rows = lane.rows;
    else {
      rows = lane.rows.map((r) => {
        let c = 0;
        for (let k = 0; k < r.length; k++) c += pass[r[k]!]!;
        if (c === r.length) return r;
        const out = new Int32Array(c);
        let o = 0;
        for (let k = 0; k < r.length; k++) if (pass[r[k]!]) out[o++] = r[k]!;
        return out;
      });
      while (rows.length && rows[rows.length - 1]!.length === 0) rows.pop();
    }
    let instants = lane.instants;
    if (lane.kind === 'signals' && f.processes.length) instants = instants.filter((k) => pidOk(m.instants[k]!.pid));
    let shown: boolean;
    switch (lane.kind) {
      case 'events':
        shown = lane.instants.length > 0;
        break;
      case 'signals':
        shown = lane.instants.length > 0;
        break;
      case 'process':
        shown = pidOk(lane.pid) && (rows.length > 0 || instants.length > 0);
        break;
      default:
        shown = rows.length > 0;
    }
    if (!shown) continue;
    laneOf[li] = lanes.length;
    lanes.push({ lane, laneIndex: li, rows, instants });
  }

  let c = 0;
  for (let i = 0; i < n; i++) c += pass[i]!;
  const list = new Int32Array(c);
  const listPos = new Int32Array(n).fill(-1);
  let o = 0;
  for (let i = 0; i < n; i++) {
    if (pass[i]) {
      listPos[i] = o;
      list[o++] = i;
    }
  }
  return { model: m, filters: f, lanes, laneOf, list, listPos, pass };
}

export interface LayoutMetrics {
  /** height of a span row */
  rowH: number;
  /** height of the instant strip of a lane that has instants */
  instH: number;
  /** space after each lane */
  gap: number;
}

export interface Layout {
  metrics: LayoutMetrics;
  /** top of each view lane, in content coordinates */
  top: Float64Array;
  height: Float64Array;
  /** height of the instant strip of each view lane (0 when none) */
  instH: Float64Array;
  total: number;
}

export function layoutLanes(view: TimelineView, metrics: LayoutMetrics): Layout {
  const k = view.lanes.length;
  const top = new Float64Array(k);
  const height = new Float64Array(k);
  const instH = new Float64Array(k);
  let y = 0;
  for (let i = 0; i < k; i++) {
    const vl = view.lanes[i]!;
    const hasInst = vl.lane.kind === 'events' || vl.lane.kind === 'signals' || vl.instants.length > 0;
    instH[i] = hasInst ? metrics.instH : 0;
    top[i] = y;
    height[i] = instH[i]! + Math.max(hasInst ? 0 : 1, vl.rows.length) * metrics.rowH;
    y += height[i]! + metrics.gap;
  }
  return { metrics, top, height, instH, total: y };
}

/** y (content coordinates) of the top of a span row in a view lane */
export function rowTop(layout: Layout, viewLane: number, row: number): number {
  return layout.top[viewLane]! + layout.instH[viewLane]! + row * layout.metrics.rowH;
}

/** the view lane at content y, or -1 (in a gap or outside) */
export function laneAtY(layout: Layout, y: number): number {
  const top = layout.top;
  let lo = 0;
  let hi = top.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (top[mid]! <= y) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0 || y >= top[found]! + layout.height[found]!) return -1;
  return found;
}
