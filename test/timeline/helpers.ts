// Test helpers for the timeline: random reports with properly nested call
// trees (and degenerate ones: zero durations, touching spans, huge and tiny
// spans side by side), and brute-force references the indexed code must match.

import type { Layer, RunReport, Span } from '../../src/sim/report';
import type { TimelineModel } from '../../webview/timeline/core/model';
import { rowTop, type Layout, type TimelineView } from '../../webview/timeline/core/view';
import type { Viewport } from '../../webview/timeline/core/viewport';

import { mulberry32 } from '../../src/sim/prng';

/** the seeded PRNG the benchmark's synthetic reports use */
export const rng = mulberry32;

const LAYERS: Layer[] = ['syscall', 'mm', 'fsdax', 'fs', 'dax', 'pmem', 'rmap', 'process', 'nvdimm'];
const SYMBOLS = ['memory_failure', 'dax_direct_access', 'xfs_dax_notify_failure', 'kill_proc', 'handle_mm_fault', 'pmem_pagemap_memory_failure', 'Memory_Failure_Dev_Pagemap'];

export function emptyReport(spans: Span[], extra: Partial<RunReport> = {}): RunReport {
  return { version: 1, scenario: 't', design: 'upstream', events: [], signals: [], verdicts: [], dmesg: [], badblocks: {}, hwpoison: [], filesystems: [], calls: {}, expectations: [], spans, ...extra };
}

/** a random report: roots one after another, children inside their parent, random layers and scales */
export function randomReport(seed: number, n: number): RunReport {
  const r = rng(seed);
  const spans: Span[] = [];
  let clock = 0;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const grow = (parent: Span | null, t0: number, t1: number, depth: number) => {
    let t = t0;
    while (spans.length < n && t < t1) {
      // durations from 0 to large, to mix sub-pixel and wide spans
      const scale = pick([0, 1, 3, 10, 100, 1000, 50000]);
      let dur = Math.floor(r() * scale);
      if (t + dur > t1) dur = t1 - t;
      const args: Span['args'] = {};
      if (r() < 0.2) args.pid = pick([100, 101, 102]);
      if (r() < 0.2) args.disk = pick(['pmem0', 'pmem1']);
      if (r() < 0.05) args.dax = 'always';
      const s: Span = { id: spans.length + 1, parent: parent ? parent.id : null, t, dur, layer: pick(LAYERS), symbol: pick(SYMBOLS), args, ret: '0' };
      if (r() < 0.1) s.count = Math.floor(r() * 1e9) + 2;
      spans.push(s);
      if (depth < 8 && dur > 2 && r() < 0.5) grow(s, t + (r() < 0.3 ? 0 : 1), t + dur, depth + 1);
      // touching or gapped siblings
      t += dur + (r() < 0.3 ? 0 : Math.floor(r() * pick([1, 10, 1000, 100000])));
      if (parent === null && r() < 0.02) t += 10_000_000;
    }
    clock = Math.max(clock, t);
  };
  while (spans.length < n) grow(null, clock, clock + 10_000_000, 0);
  return emptyReport(spans);
}

/** the (model lane, row) places a span is drawn in */
export function placesOf(m: TimelineModel, i: number): [number, number][] {
  const out: [number, number][] = [[m.layerLane[m.layer[i]!]!, m.layerRow[i]!]];
  if (m.devLane[i]! >= 0) out.push([m.devLane[i]!, m.devRow[i]!]);
  if (m.procLane[i]! >= 0) out.push([m.procLane[i]!, m.procRow[i]!]);
  return out;
}

export interface BruteList {
  slices: string[];
  marks: string[];
}

/**
 * The draw list by definition: every passing span of every visible row,
 * visible when its pixel extent [x0, x1] meets [0, width); a slice when at
 * least minPx wide, else a mark in column max(0, floor(x0)); adjacent marked
 * columns of a row merged into runs.
 */
export function bruteCull(view: TimelineView, layout: Layout, vp: Viewport, width: number, height: number, minPx = 1): BruteList {
  const m = view.model;
  const k = width / (vp.t1 - vp.t0);
  const slices: string[] = [];
  const cols = new Map<string, Set<number>>();
  const rowH = layout.metrics.rowH;
  for (let i = 0; i < m.n; i++) {
    if (!view.pass[i]) continue;
    for (const [ml, row] of placesOf(m, i)) {
      const li = view.laneOf[ml]!;
      if (li < 0) continue;
      const y = rowTop(layout, li, row) - vp.scrollY;
      if (y >= height || y + rowH <= 0) continue;
      const x0 = (m.start[i]! - vp.t0) * k;
      const x1 = (m.end[i]! - vp.t0) * k;
      if (x1 < 0 || x0 >= width) continue;
      if (x1 - x0 >= minPx) slices.push(`${li}/${row}/${i}/${x0}/${x1}`);
      else {
        const key = `${li}/${row}`;
        let s = cols.get(key);
        if (!s) cols.set(key, (s = new Set()));
        s.add(x0 < 0 ? 0 : Math.floor(x0));
      }
    }
  }
  const marks: string[] = [];
  for (const [key, set] of cols) {
    const cs = [...set].sort((a, b) => a - b);
    let c0 = cs[0]!;
    let prev = c0;
    for (let q = 1; q <= cs.length; q++) {
      const c = cs[q];
      if (c !== undefined && c === prev + 1) {
        prev = c;
        continue;
      }
      marks.push(`${key}/${c0}/${prev + 1}`);
      if (c !== undefined) c0 = prev = c;
    }
  }
  return { slices: slices.sort(), marks: marks.sort() };
}
