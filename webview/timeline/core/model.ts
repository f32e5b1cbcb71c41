// The timeline's model of a run report: the spans in columnar form, sorted by
// start (longest first on ties, so a parent precedes its children), and the
// lanes they are drawn in. DOM-free: built once per report, in the webview or
// in a Node test.
//
// Lanes, top to bottom:
//   - "events": the scenario's events, as instants;
//   - "signals": every signal delivered, as instants (at the end of the
//     event's root span, as the Perfetto export places them);
//   - one lane per layer (LAYER_ORDER, the way a failure travels), holding
//     every span of that layer;
//   - one lane per device a span names (pmem0, dax0.0, region0...): the spans
//     whose arguments name it;
//   - one lane per process: the spans whose arguments carry its pid, and the
//     signals it received.
// In every lane a span's row is its call depth among the lane's spans: a
// stack of open spans, so rows never hold two overlapping spans.

import type { RunReport, Span } from '../../../src/sim/report';
import { LAYER_ORDER } from '../../../src/sim/perfetto';

export type LaneKind = 'events' | 'signals' | 'layer' | 'device' | 'process';

export interface Lane {
  /** stable key: "events", "signals", "layer:mm", "device:pmem0", "process:1000" */
  key: string;
  kind: LaneKind;
  label: string;
  /** layer index into model.layers, for a layer lane */
  layer: number;
  /** pid of a process lane, -1 otherwise */
  pid: number;
  /** span rows, each an array of span indices sorted by start (non-overlapping) */
  rows: Int32Array[];
  /** instants of the lane (indices into model.instants), sorted by time */
  instants: Int32Array;
}

export type InstantKind = 'event' | 'signal';

export interface Instant {
  kind: InstantKind;
  t: number;
  label: string;
  /** event id for an event, the receiving event for a signal */
  event: string;
  /** receiving pid for a signal, -1 for an event */
  pid: number;
  /** the root span of the event, -1 when none (for selection) */
  span: number;
}

export interface TimelineModel {
  /** number of spans */
  n: number;
  /** the spans, in model order (start ascending, duration descending, id) */
  spans: readonly Span[];
  start: Float64Array;
  end: Float64Array;
  /** layer index into `layers` */
  layer: Uint8Array;
  /** symbol index into `symbols` */
  sym: Int32Array;
  /** summarised run count (1 when the span is a single call) */
  count: Float64Array;
  /** model index of the parent, -1 for a root or an unknown parent */
  parent: Int32Array;
  /** the process a span runs for: its own pid argument or its nearest ancestor's, -1 when none */
  pid: Int32Array;
  /** row of the span in its layer lane */
  layerRow: Uint16Array;
  /** lane index of the span's device lane (-1 when it names no device) and its row there */
  devLane: Int32Array;
  devRow: Uint16Array;
  /** lane index of the span's process lane (-1 when it names no pid) and its row there */
  procLane: Int32Array;
  procRow: Uint16Array;
  layers: string[];
  symbols: string[];
  lanes: Lane[];
  /** lane index of each layer's lane */
  layerLane: Int32Array;
  instants: Instant[];
  /** time of each instant (instants[k].t), for the culling's binary searches */
  instantT: Float64Array;
  /** pids known to the report (spans and signals), ascending, with their comm when known */
  processes: { pid: number; comm: string }[];
  tMin: number;
  tMax: number;
  /** model index of a span id, -1 when unknown */
  indexOf(id: number): number;
}

/** argument keys that name a device, in priority order */
export const DEVICE_KEYS = ['disk', 'bdev', 'dev', 'dax', 'device', 'sb', 'bb', 'region'] as const;
/** a device name has a digit: pmem0, dax0.0, region1, pfn0.0, namespace0.0 (not "always") */
const DEVICE_NAME = /^[A-Za-z][\w-]*\d[\w.:-]*$/;

/** the device a span names, or null */
export function spanDevice(s: Span): string | null {
  for (const k of DEVICE_KEYS) {
    const v = s.args[k];
    if (typeof v === 'string' && DEVICE_NAME.test(v)) return v;
  }
  return null;
}

/** the pid a span names itself, or -1 */
export function spanPid(s: Span): number {
  const v = s.args.pid;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return -1;
}

/** the name a span is drawn and listed with: a summarised run carries its count */
export function spanLabel(symbol: string, count: number | undefined): string {
  return count !== undefined && count !== 1 ? `${symbol} ×${count}` : symbol;
}

function compareSpans(a: Span, b: Span): number {
  return a.t - b.t || b.dur - a.dur || a.id - b.id;
}

/** natural order: pmem2 before pmem10 */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function buildModel(report: Pick<RunReport, 'events' | 'signals' | 'spans'>): TimelineModel {
  const src = report.spans;
  const n = src.length;
  // model order; the simulator emits spans in this order already, so check before sorting
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (compareSpans(src[i - 1]!, src[i]!) > 0) sorted = false;
  const spans = sorted ? src : [...src].sort(compareSpans);

  // layers: LAYER_ORDER first, then any other name the report uses
  const layers: string[] = [...LAYER_ORDER];
  const layerIndex = new Map<string, number>(layers.map((l, i) => [l, i]));
  const symbols: string[] = [];
  const symIndex = new Map<string, number>();

  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const layer = new Uint8Array(n);
  const sym = new Int32Array(n);
  const count = new Float64Array(n);
  const parent = new Int32Array(n);
  const pid = new Int32Array(n);
  const layerRow = new Uint16Array(n);
  const devLane = new Int32Array(n).fill(-1);
  const devRow = new Uint16Array(n);
  const procLane = new Int32Array(n).fill(-1);
  const procRow = new Uint16Array(n);
  const spanDev: (string | null)[] = new Array(n);
  const spanOwnPid = new Int32Array(n);

  // id -> index: a dense table when ids are small, a Map otherwise
  let maxId = -1;
  let minId = 0;
  for (let i = 0; i < n; i++) {
    const id = spans[i]!.id;
    if (id > maxId) maxId = id;
    if (id < minId) minId = id;
  }
  let dense: Int32Array | null = null;
  let sparse: Map<number, number> | null = null;
  if (minId >= 0 && maxId < 4 * n + 1024) {
    dense = new Int32Array(maxId + 1).fill(-1);
    for (let i = 0; i < n; i++) dense[spans[i]!.id] = i;
  } else {
    sparse = new Map();
    for (let i = 0; i < n; i++) sparse.set(spans[i]!.id, i);
  }
  const indexOf = (id: number): number => {
    if (dense) return Number.isInteger(id) && id >= 0 && id < dense.length ? dense[id]! : -1;
    return sparse!.get(id) ?? -1;
  };

  let tMin = Infinity;
  let tMax = -Infinity;
  for (let i = 0; i < n; i++) {
    const s = spans[i]!;
    start[i] = s.t;
    end[i] = s.t + Math.max(0, s.dur);
    if (start[i]! < tMin) tMin = start[i]!;
    if (end[i]! > tMax) tMax = end[i]!;
    layer[i] = intern(layers, layerIndex, s.layer);
    sym[i] = intern(symbols, symIndex, s.symbol);
    count[i] = s.count ?? 1;
    parent[i] = s.parent === null ? -1 : indexOf(s.parent);
    pid[i] = -2; // unresolved
  }
  if (layers.length > 255) throw new Error(`timeline: too many layers (${layers.length})`);

  // attributed process: own pid, else the nearest ancestor's (iterative, cycle-safe)
  const chain: number[] = [];
  for (let i = 0; i < n; i++) {
    if (pid[i] !== -2) continue;
    let j = i;
    let resolved = -1;
    while (j >= 0 && pid[j] === -2) {
      const own = spanPid(spans[j]!);
      if (own >= 0) {
        resolved = own;
        pid[j] = own;
        break;
      }
      pid[j] = -3; // on the chain
      chain.push(j);
      j = parent[j]!;
    }
    if (j >= 0 && pid[j]! >= 0) resolved = pid[j]!;
    else if (j >= 0 && pid[j] === -1) resolved = -1;
    for (const k of chain) pid[k] = resolved;
    chain.length = 0;
  }

  // process names from the report
  const comms = new Map<number, string>();
  for (const s of report.signals) if (!comms.has(s.pid)) comms.set(s.pid, s.comm);
  for (let i = 0; i < n; i++) {
    const c = spans[i]!.args.comm;
    const p = spanPid(spans[i]!);
    if (p >= 0 && typeof c === 'string' && !comms.has(p)) comms.set(p, c);
  }

  // rows: a stack of open span ends per lane
  const layerRows: number[][][] = layers.map(() => []);
  const layerStacks: number[][] = layers.map(() => []);
  const deviceRows = new Map<string, number[][]>();
  const deviceStacks = new Map<string, number[]>();
  const processRows = new Map<number, number[][]>();
  const processStacks = new Map<number, number[]>();
  const place = (stack: number[], rows: number[][], i: number): number => {
    const s = start[i]!;
    while (stack.length && stack[stack.length - 1]! <= s) stack.pop();
    const d = stack.length;
    stack.push(end[i]!);
    (rows[d] ??= []).push(i);
    return d;
  };
  for (let i = 0; i < n; i++) {
    const s = spans[i]!;
    const l = layer[i]!;
    const d = place(layerStacks[l]!, layerRows[l]!, i);
    if (d > 65535) throw new Error('timeline: call depth over 65535');
    layerRow[i] = d;
    const dev = spanDevice(s);
    spanDev[i] = dev;
    if (dev !== null) {
      if (!deviceRows.has(dev)) {
        deviceRows.set(dev, []);
        deviceStacks.set(dev, []);
      }
      devRow[i] = place(deviceStacks.get(dev)!, deviceRows.get(dev)!, i);
    }
    const p = spanPid(s);
    spanOwnPid[i] = p;
    if (p >= 0) {
      if (!processRows.has(p)) {
        processRows.set(p, []);
        processStacks.set(p, []);
      }
      procRow[i] = place(processStacks.get(p)!, processRows.get(p)!, i);
    }
  }

  // instants
  const instants: Instant[] = [];
  const eventRoot = new Map<string, number>();
  for (const e of report.events) {
    const root = e.span !== null ? indexOf(e.span) : -1;
    eventRoot.set(e.id, root);
    instants.push({ kind: 'event', t: e.at, label: `${e.id} ${e.do}`, event: e.id, pid: -1, span: root });
  }
  const eventAt = new Map(report.events.map((e) => [e.id, e.at]));
  for (const sig of report.signals) {
    const root = eventRoot.get(sig.event) ?? -1;
    const t = root >= 0 ? end[root]! : eventAt.get(sig.event) ?? 0;
    instants.push({ kind: 'signal', t, label: `${sig.signo} ${sig.code} → ${sig.comm}:${sig.pid}`, event: sig.event, pid: sig.pid, span: root });
    if (!comms.has(sig.pid)) comms.set(sig.pid, sig.comm);
  }
  for (const it of instants) {
    if (it.t < tMin) tMin = it.t;
    if (it.t > tMax) tMax = it.t;
  }
  if (tMin === Infinity) {
    tMin = 0;
    tMax = 0;
  }
  const byTime = (a: number, b: number) => instants[a]!.t - instants[b]!.t || a - b;
  const instantsWhere = (pred: (it: Instant) => boolean) =>
    Int32Array.from(instants.map((it, k) => (pred(it) ? k : -1)).filter((k) => k >= 0).sort(byTime));

  const toRows = (rows: number[][]) => rows.map((r) => Int32Array.from(r ?? []));
  const lanes: Lane[] = [];
  const none = new Int32Array(0);
  lanes.push({ key: 'events', kind: 'events', label: 'events', layer: -1, pid: -1, rows: [], instants: instantsWhere((it) => it.kind === 'event') });
  lanes.push({ key: 'signals', kind: 'signals', label: 'signals', layer: -1, pid: -1, rows: [], instants: instantsWhere((it) => it.kind === 'signal') });
  const layerLane = new Int32Array(layers.length).fill(-1);
  // layer lanes in LAYER_ORDER, then the other layers by name
  const layerOrder = layers.map((_, i) => i).sort((a, b) => (a < LAYER_ORDER.length || b < LAYER_ORDER.length ? a - b : naturalCompare(layers[a]!, layers[b]!)));
  for (const l of layerOrder) {
    if (!layerRows[l]!.length) continue;
    layerLane[l] = lanes.length;
    lanes.push({ key: `layer:${layers[l]}`, kind: 'layer', label: layers[l]!, layer: l, pid: -1, rows: toRows(layerRows[l]!), instants: none });
  }
  const devLaneOf = new Map<string, number>();
  for (const dev of [...deviceRows.keys()].sort(naturalCompare)) {
    devLaneOf.set(dev, lanes.length);
    lanes.push({ key: `device:${dev}`, kind: 'device', label: dev, layer: -1, pid: -1, rows: toRows(deviceRows.get(dev)!), instants: none });
  }
  const pids = new Set<number>([...processRows.keys(), ...report.signals.map((s) => s.pid)]);
  const processes = [...pids].sort((a, b) => a - b).map((p) => ({ pid: p, comm: comms.get(p) ?? '' }));
  const procLaneOf = new Map<number, number>();
  for (const { pid: p, comm } of processes) {
    procLaneOf.set(p, lanes.length);
    lanes.push({
      key: `process:${p}`,
      kind: 'process',
      label: comm ? `${comm}:${p}` : `pid ${p}`,
      layer: -1,
      pid: p,
      rows: toRows(processRows.get(p) ?? []),
      instants: instantsWhere((it) => it.kind === 'signal' && it.pid === p),
    });
  }
  for (let i = 0; i < n; i++) {
    const dev = spanDev[i];
    if (dev !== null && dev !== undefined) devLane[i] = devLaneOf.get(dev)!;
    if (spanOwnPid[i]! >= 0) procLane[i] = procLaneOf.get(spanOwnPid[i]!)!;
  }

  const instantT = Float64Array.from(instants, (it) => it.t);
  return { n, spans, start, end, layer, sym, count, parent, pid, layerRow, devLane, devRow, procLane, procRow, layers, symbols, lanes, layerLane, instants, instantT, processes, tMin, tMax, indexOf };
}

/** the label of the span at model index i */
export function labelOf(m: TimelineModel, i: number): string {
  const c = m.count[i]!;
  return spanLabel(m.symbols[m.sym[i]!]!, c === 1 ? undefined : c);
}

/** the index of a name in a table, added at the end the first time it is seen */
function intern(names: string[], index: Map<string, number>, name: string): number {
  let i = index.get(name);
  if (i === undefined) {
    i = names.length;
    names.push(name);
    index.set(name, i);
  }
  return i;
}
