// The layer-routing view of one event (or one span of it), computed from the
// run report's spans: one lane per layer of the stack, the spans in call
// order as rows, a hop wherever a call crosses into another lane (labelled
// with the symbol and the value in that layer's units), the decisions a
// route takes (a fallback on -EOPNOTSUPP, a shutdown, an uncached inode
// skipped, nobody collected) and the event's outcomes as badges. Also the
// difference between the routes two designs take for the same event.
// Pure: no vscode, no DOM.

import type { Layer, ReportSignal, ReportVerdict, RunReport, Span } from '../sim/report';

export interface LaneDef {
  id: string;
  title: string;
  layers: readonly Layer[];
}

/** The lanes, left to right: the way a failure travels from the hardware to the processes. */
export const LANES: readonly LaneDef[] = [
  { id: 'syscall', title: 'system call', layers: ['syscall'] },
  { id: 'platform', title: 'platform · ACPI/NFIT · CXL', layers: ['platform', 'acpi', 'cxl'] },
  { id: 'mce', title: 'machine check · GHES', layers: ['mce', 'ghes'] },
  { id: 'mm', title: 'mm', layers: ['mm'] },
  { id: 'dev_pagemap', title: 'dev_pagemap', layers: ['dev_pagemap'] },
  { id: 'pmem', title: 'pmem · nvdimm', layers: ['pmem', 'nvdimm'] },
  { id: 'dax', title: 'dax · fsdax', layers: ['dax', 'fsdax'] },
  { id: 'dm', title: 'device-mapper · block', layers: ['dm', 'block'] },
  { id: 'fs', title: 'filesystem', layers: ['fs'] },
  { id: 'rmap', title: 'reverse map', layers: ['rmap'] },
  { id: 'process', title: 'processes', layers: ['process'] },
];

export function laneOf(layer: Layer | string): number {
  const i = LANES.findIndex((l) => (l.layers as readonly string[]).includes(layer));
  return i < 0 ? LANES.findIndex((l) => l.id === 'mm') : i;
}

export type DecisionKind = 'fallback' | 'shutdown' | 'skipped' | 'nobody' | 'errno';

export interface Decision {
  kind: DecisionKind;
  label: string;
}

export type DiffMark = 'same' | 'changed' | 'only';

export interface RouteNode {
  span: number;
  /** the calling span, when it is in this view */
  parent: number | null;
  depth: number;
  /** index into RouteView.lanes */
  lane: number;
  layer: string;
  symbol: string;
  ret: string;
  count?: number;
  /** the call crosses into another lane (or starts the route): drawn as an arrow */
  hop: boolean;
  /** the span's arguments in its layer's units, most telling first */
  values: string[];
  /** every argument of the span, as the report has it (the detail strip lists them all) */
  args: Span['args'];
  decision?: Decision;
  /** set by diffRoutes: whether the other design's route has this call, with the same values */
  diff?: DiffMark;
}

export type BadgeKind = 'sigbus-ar' | 'sigbus-ao' | 'signal' | 'errno' | 'recovered' | 'failed' | 'ignored' | 'shutdown' | 'ok' | 'panic';

export interface Badge {
  kind: BadgeKind;
  label: string;
  detail: string;
}

export interface RouteView {
  design: string;
  event: string;
  do: string;
  /** the span the view is rooted at, or null for the whole event */
  root: number | null;
  lanes: { id: string; title: string }[];
  nodes: RouteNode[];
  badges: Badge[];
  /**
   * the report's verdicts for this event under this design: for each owner of
   * the failed range and each mapping of it, whether its process was told,
   * why, and the span that decided (report.verdicts)
   */
  verdicts: ReportVerdict[];
  /** spans of the route not shown (beyond MAX_ROUTE_NODES) */
  hidden: number;
}

/** the webview folds repeated runs and subtrees, so a long route is sent whole up to this many calls */
export const MAX_ROUTE_NODES = 2000;

type Args = Span['args'];

const has = (a: Args, k: string) => a[k] !== undefined;
const v = (a: Args, k: string) => String(a[k]);

/**
 * The span's arguments in its layer's units (pfn, device offset, sector or
 * daddr, AG and block, inode and file page, virtual address), the most
 * telling first. Arguments no rule names are given as key=value.
 */
export function layerValues(s: Pick<Span, 'layer' | 'args'>): string[] {
  const a = s.args;
  const out: string[] = [];
  const used = new Set<string>();
  const take = (text: string, ...keys: string[]) => {
    out.push(text);
    for (const k of keys) used.add(k);
  };
  if (has(a, 'pfn')) {
    const n = has(a, 'nr_pages') ? a.nr_pages : has(a, 'nr') ? a.nr : undefined;
    take(`pfn ${v(a, 'pfn')}${n !== undefined && n !== 1 ? ` ×${String(n)}` : ''}`, 'pfn', 'nr_pages', 'nr');
  }
  for (const k of ['physical_addr', 'phys', 'spa', 'address']) if (has(a, k)) take(`phys ${v(a, k)}`, k, 'length', 'len');
  if (has(a, 'addr') && ['mce', 'acpi', 'platform', 'ghes', 'nvdimm'].includes(s.layer)) take(`phys ${v(a, 'addr')}`, 'addr', 'length');
  for (const k of ['off', 'disk_offset']) if (has(a, k)) take(`dev off ${v(a, k)}${has(a, 'len') ? ` len ${v(a, 'len')}` : ''}`, k, 'len');
  if (has(a, 'offset') && ['dax', 'pmem', 'block', 'dm'].includes(s.layer)) take(`dev off ${v(a, 'offset')}${has(a, 'len') ? ` len ${v(a, 'len')}` : ''}`, 'offset', 'len');
  if (has(a, 'offset') && s.layer === 'fs' && has(a, 'dev')) take(`dev off ${v(a, 'offset')}${has(a, 'len') ? ` len ${v(a, 'len')}` : ''}`, 'offset', 'len');
  if (has(a, 'pgoff') && ['dax', 'pmem'].includes(s.layer)) take(`dax pgoff ${v(a, 'pgoff')}${has(a, 'nr_pages') ? ` ×${v(a, 'nr_pages')}` : ''}`, 'pgoff', 'nr_pages');
  if (has(a, 'sector')) take(`sector ${v(a, 'sector')}${has(a, 'len') ? ` len ${v(a, 'len')}` : has(a, 'nr_sects') ? ` ×${v(a, 'nr_sects')}` : has(a, 'blks') ? ` ×${v(a, 'blks')}` : ''}`, 'sector', 'len', 'nr_sects', 'blks');
  if (has(a, 'daddr')) take(`daddr ${v(a, 'daddr')}${has(a, 'bblen') ? ` bblen ${v(a, 'bblen')}` : ''}`, 'daddr', 'bblen');
  if (has(a, 'agno')) {
    const blk = has(a, 'startblock') ? v(a, 'startblock') : has(a, 'low') ? v(a, 'low') : undefined;
    const cnt = has(a, 'blockcount') ? `+${v(a, 'blockcount')}` : has(a, 'high') && blk !== v(a, 'high') ? `..${v(a, 'high')}` : '';
    take(`AG ${v(a, 'agno')}${blk !== undefined ? ` block ${blk}${cnt}` : ''}`, 'agno', 'startblock', 'low', 'blockcount', 'high');
  }
  if (has(a, 'owner')) take(`owner ino ${v(a, 'owner')}${has(a, 'offset') ? ` file block ${v(a, 'offset')}` : ''}`, 'owner', 'offset');
  for (const k of ['inode', 'ino']) {
    if (!has(a, k)) continue;
    const page = ['index', 'pgoff', 'start'].find((p) => has(a, p));
    const pos = has(a, 'pos') ? `pos ${v(a, 'pos')}` : has(a, 'offset') && !used.has('offset') ? `off ${v(a, 'offset')}` : '';
    take(`inode ${v(a, k)}${page ? ` page ${v(a, page)}` : pos ? ` ${pos}` : ''}`, k, ...(page ? [page] : []), ...(pos ? ['pos', 'offset'] : []));
  }
  if (has(a, 'index') && !used.has('index')) take(`file page ${v(a, 'index')}`, 'index');
  const va = ['addr', 'start'].find((k) => has(a, k) && !used.has(k) && /^0x7/.test(v(a, k)));
  if (va) take(`va ${v(a, va)}${has(a, 'lsb') ? ` lsb ${v(a, 'lsb')}` : ''}`, va, 'lsb');
  if (has(a, 'pid')) take(`pid ${v(a, 'pid')}${has(a, 'comm') ? ` ${v(a, 'comm')}` : ''}`, 'pid', 'comm');
  if (has(a, 'code')) take(v(a, 'code'), 'code');
  for (const [k, val] of Object.entries(a)) {
    if (used.has(k) || out.length >= 4) continue;
    out.push(`${k}=${String(val)}`);
  }
  return out;
}

/** The decision a span's result stands for, if it is one the route branches on. */
export function decisionOf(s: Pick<Span, 'symbol' | 'ret' | 'args'>): Decision | undefined {
  const ret = s.ret;
  if (/-EOPNOTSUPP\b/.test(ret)) return { kind: 'fallback', label: `${s.symbol} returned -EOPNOTSUPP: fall back` };
  if (/force_shutdown$|_shutdown$/.test(s.symbol) || /\bshut down\b/.test(ret)) {
    const flags = s.args.flags !== undefined ? ` (${String(s.args.flags)})` : '';
    return { kind: 'shutdown', label: `filesystem shut down${flags}` };
  }
  if (/-ENODATA\b/.test(ret)) return { kind: 'skipped', label: 'inode not in the cache: owner skipped' };
  if (/^0 collected\b/.test(ret)) return { kind: 'nobody', label: 'nobody collected: nothing unmapped' };
  if (/^-E[A-Z]+/.test(ret)) return { kind: 'errno', label: `${s.symbol} returned ${ret}` };
  return undefined;
}

function shortCode(code: ReportSignal['code']): string {
  return code === 'BUS_MCEERR_AR' ? 'AR' : code === 'BUS_MCEERR_AO' ? 'AO' : code === 'none' ? '' : code;
}

/** The event's outcomes: signals, the result's errno, the recovery verdict, shutdowns, a panic. */
export function eventBadges(r: RunReport, eventId: string): Badge[] {
  const out: Badge[] = [];
  const ev = r.events.find((e) => e.id === eventId);
  for (const s of r.signals.filter((x) => x.event === eventId)) {
    const code = shortCode(s.code);
    const kind: BadgeKind = s.code === 'BUS_MCEERR_AR' ? 'sigbus-ar' : s.code === 'BUS_MCEERR_AO' ? 'sigbus-ao' : 'signal';
    out.push({
      kind,
      label: `${s.signo}${code ? ` ${code}` : ''}${s.lsb !== undefined ? ` lsb ${s.lsb}` : ''} → ${s.comm}:${s.pid}`,
      detail: `${s.signo} ${s.code} to ${s.comm} (pid ${s.pid})${s.addr !== undefined ? ` at ${s.addr}` : ''}${s.lsb !== undefined ? `, lsb ${s.lsb}` : ''}`,
    });
  }
  const spans = r.spans.filter((s) => s.event === eventId);
  for (const s of spans) {
    if (s.symbol !== 'action_result') continue;
    const res = String(s.args.result ?? '');
    const what = `recovery action for ${String(s.args.type ?? 'page')} ${String(s.args.pfn ?? '')}`.trim();
    if (res === 'MF_RECOVERED') out.push({ kind: 'recovered', label: 'Recovered', detail: `${what}: Recovered` });
    else if (res === 'MF_FAILED') out.push({ kind: 'failed', label: 'Failed', detail: `${what}: Failed` });
    else if (res) out.push({ kind: 'ignored', label: res.replace(/^MF_/, '').toLowerCase().replace(/^./, (c) => c.toUpperCase()), detail: `${what}: ${res}` });
  }
  for (const s of spans) {
    const d = decisionOf(s);
    if (d?.kind === 'shutdown' && !/already/.test(s.ret)) out.push({ kind: 'shutdown', label: `shutdown${s.args.flags !== undefined ? ` ${String(s.args.flags)}` : ''}`, detail: `${s.symbol}: ${d.label}` });
  }
  if (ev) {
    if (ev.result.stopped) out.push({ kind: 'errno', label: ev.result.stopped.reason, detail: `${eventId} ${ev.do} never returned: ${ev.result.stopped.reason === 'oops' ? 'an oops in' : 'blocked in'} ${ev.result.stopped.in}` });
    else if (ev.result.ret < 0 || ev.result.errno) out.push({ kind: 'errno', label: ev.result.errno ?? String(ev.result.ret), detail: `${eventId} ${ev.do} returned ${ev.result.ret}${ev.result.errno ? ` (${ev.result.errno})` : ''}` });
    else out.push({ kind: 'ok', label: `= ${ev.result.ret}`, detail: `${eventId} ${ev.do} returned ${ev.result.ret}` });
  }
  if (r.panic && ev && r.events[r.events.length - 1]?.id === eventId) out.push({ kind: 'panic', label: 'panic', detail: r.panic });
  return out;
}

/**
 * The route of one event of a report (or of one span and what it called):
 * its spans in call order, each in its layer's lane. Throws nothing: an
 * event that did not run gives a view with no nodes.
 */
export function routeView(r: RunReport, eventId: string, rootSpan: number | null = null, max = MAX_ROUTE_NODES): RouteView {
  const ev = r.events.find((e) => e.id === eventId);
  const mine = r.spans.filter((s) => s.event === eventId);
  const kids = new Map<number | null, Span[]>();
  const ids = new Set(mine.map((s) => s.id));
  for (const s of mine) {
    const p = s.parent !== null && ids.has(s.parent) ? s.parent : null;
    const list = kids.get(p) ?? [];
    list.push(s);
    kids.set(p, list);
  }
  const rootSpanObj = rootSpan !== null ? mine.find((s) => s.id === rootSpan) : undefined;
  const roots = rootSpanObj ? [rootSpanObj] : (kids.get(null) ?? []);
  const ordered: { s: Span; depth: number; parent: number | null }[] = [];
  const walk = (s: Span, depth: number, parent: number | null) => {
    ordered.push({ s, depth, parent });
    for (const c of kids.get(s.id) ?? []) walk(c, depth + 1, s.id);
  };
  for (const s of roots) walk(s, 0, null);
  const shown = ordered.slice(0, max);
  const usedLanes = [...new Set(shown.map((o) => laneOf(o.s.layer)))].sort((a, b) => a - b);
  const laneIndex = new Map(usedLanes.map((l, i) => [l, i]));
  const layerOf = new Map(shown.map((o) => [o.s.id, o.s.layer]));
  const nodes: RouteNode[] = shown.map(({ s, depth, parent }) => {
    const parentLayer = parent !== null ? layerOf.get(parent) : undefined;
    const node: RouteNode = {
      span: s.id,
      parent,
      depth,
      lane: laneIndex.get(laneOf(s.layer))!,
      layer: s.layer,
      symbol: s.symbol,
      ret: s.ret,
      hop: parentLayer === undefined || laneOf(parentLayer) !== laneOf(s.layer),
      values: layerValues(s),
      args: { ...s.args },
    };
    if (s.count !== undefined) node.count = s.count;
    const d = decisionOf(s);
    if (d) node.decision = d;
    return node;
  });
  return {
    design: r.design,
    event: eventId,
    do: ev?.do ?? '',
    root: rootSpanObj ? rootSpanObj.id : null,
    lanes: usedLanes.map((i) => ({ id: LANES[i]!.id, title: LANES[i]!.title })),
    nodes,
    badges: eventBadges(r, eventId),
    verdicts: (r.verdicts ?? []).filter((x) => x.event === eventId),
    hidden: ordered.length - shown.length,
  };
}

const nodeKey = (n: RouteNode) => `${n.layer}:${n.symbol}`;
const sameValues = (a: RouteNode, b: RouteNode) => a.ret === b.ret && a.values.join('\u0000') === b.values.join('\u0000') && a.count === b.count;

/** Longest common subsequence of two key lists, as index pairs. */
export function lcsPairs(a: readonly string[], b: readonly string[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  const t: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) t[i]![j] = a[i] === b[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push([i, j]);
      i++;
      j++;
    } else if (t[i + 1]![j]! >= t[i]![j + 1]!) i++;
    else j++;
  }
  return out;
}

export interface RouteDiff {
  left: RouteView;
  right: RouteView;
  /** calls only one side makes, or makes with other values */
  differing: number;
}

/**
 * Mark the calls two routes of the same event share (same layer and
 * symbol, in the same order), those they share with other values or
 * results ("changed"), and those only one makes ("only"); both views get
 * the same lanes so that they line up side by side.
 */
export function diffRoutes(left: RouteView, right: RouteView): RouteDiff {
  const ids = [...new Set([...left.lanes, ...right.lanes].map((l) => l.id))];
  const lanes = LANES.filter((l) => ids.includes(l.id)).map((l) => ({ id: l.id, title: l.title }));
  const relane = (v: RouteView): RouteView => ({
    ...v,
    lanes,
    nodes: v.nodes.map((n) => ({ ...n, lane: lanes.findIndex((l) => l.id === v.lanes[n.lane]!.id), diff: 'only' as DiffMark })),
  });
  const l = relane(left);
  const r = relane(right);
  let differing = 0;
  const pairs = lcsPairs(l.nodes.map(nodeKey), r.nodes.map(nodeKey));
  for (const [i, j] of pairs) {
    const mark: DiffMark = sameValues(l.nodes[i]!, r.nodes[j]!) ? 'same' : 'changed';
    l.nodes[i]!.diff = mark;
    r.nodes[j]!.diff = mark;
  }
  for (const n of [...l.nodes, ...r.nodes]) if (n.diff !== 'same') differing++;
  return { left: l, right: r, differing };
}

/** The spoken name of a node (for screen readers and the focusable list). */
export function nodeLabel(n: RouteNode, lanes: RouteView['lanes']): string {
  const lane = lanes[n.lane]?.title ?? n.layer;
  const parts = [`${n.hop ? 'hop into' : 'call in'} ${lane}: ${n.symbol}${n.count ? ` ×${n.count}` : ''}`];
  if (n.values.length) parts.push(n.values.join(', '));
  parts.push(`returns ${n.ret}`);
  if (n.decision) parts.push(`decision: ${n.decision.label}`);
  if (n.diff === 'only') parts.push('only in this design');
  else if (n.diff === 'changed') parts.push('different values in the other design');
  return parts.join('; ');
}
