// The run's trace as Chrome Trace Event JSON, which Perfetto (and
// chrome://tracing) open: one complete ("X") slice per span, properly nested
// on one track per layer, ts/dur in microseconds, the symbol as the name and
// the span's arguments (in its layer's units) in args; metadata names the
// process and each layer's thread; flow events ("s"/"f") link a call into the
// next layer down, the hand-offs the routing view draws; events of the
// scenario and signals are instants.

import type { Layer, RunReport, Span } from './report';

export interface TraceEvent {
  name: string;
  ph: 'X' | 'i' | 'M' | 's' | 'f';
  ts?: number;
  dur?: number;
  pid: number;
  tid: number;
  cat?: string;
  id?: number;
  bp?: 'e';
  s?: 'g' | 'p' | 't';
  args?: Record<string, unknown>;
}

/** track order, top to bottom: the way a failure travels */
export const LAYER_ORDER: readonly Layer[] = ['syscall', 'process', 'mce', 'ghes', 'acpi', 'platform', 'mm', 'dev_pagemap', 'pmem', 'nvdimm', 'dax', 'block', 'dm', 'fsdax', 'fs', 'rmap'];

const PID = 1;
const EVENTS_TID = 100;
const SIGNALS_TID = 101;

const us = (ns: number) => ns / 1000;

export function toChromeTrace(r: RunReport): { traceEvents: TraceEvent[]; displayTimeUnit: 'ns'; metadata: Record<string, unknown> } {
  const tid = (l: Layer) => LAYER_ORDER.indexOf(l) + 1;
  const ev: TraceEvent[] = [];
  ev.push({ name: 'process_name', ph: 'M', pid: PID, tid: 0, args: { name: `${r.scenario} (${r.design})` } });
  for (const l of LAYER_ORDER) {
    ev.push({ name: 'thread_name', ph: 'M', pid: PID, tid: tid(l), args: { name: l } });
    ev.push({ name: 'thread_sort_index', ph: 'M', pid: PID, tid: tid(l), args: { sort_index: tid(l) } });
  }
  ev.push({ name: 'thread_name', ph: 'M', pid: PID, tid: EVENTS_TID, args: { name: 'scenario events' } });
  ev.push({ name: 'thread_name', ph: 'M', pid: PID, tid: SIGNALS_TID, args: { name: 'signals' } });

  const byId = new Map<number, Span>();
  for (const s of r.spans) byId.set(s.id, s);
  let flow = 0;
  for (const s of r.spans) {
    const args: Record<string, unknown> = { ...s.args, ret: s.ret, span: s.id };
    if (s.count !== undefined) args.count = s.count;
    if (s.event !== undefined) args.event = s.event;
    ev.push({ name: s.count ? `${s.symbol} ×${s.count}` : s.symbol, cat: s.layer, ph: 'X', ts: us(s.t), dur: us(s.dur), pid: PID, tid: tid(s.layer), args });
    // a hand-off: the parent is in another layer
    const p = s.parent !== null ? byId.get(s.parent) : undefined;
    if (p && p.layer !== s.layer) {
      flow++;
      ev.push({ name: `${p.layer} → ${s.layer}`, cat: 'handoff', ph: 's', id: flow, ts: us(s.t), pid: PID, tid: tid(p.layer) });
      ev.push({ name: `${p.layer} → ${s.layer}`, cat: 'handoff', ph: 'f', bp: 'e', id: flow, ts: us(s.t), pid: PID, tid: tid(s.layer) });
    }
  }
  for (const e of r.events) {
    ev.push({ name: `${e.id} ${e.do}`, cat: 'event', ph: 'i', s: 'p', ts: us(e.at), pid: PID, tid: EVENTS_TID, args: { result: e.result } });
  }
  for (const sig of r.signals) {
    const at = r.events.find((e) => e.id === sig.event);
    const root = at?.span !== null && at?.span !== undefined ? byId.get(at.span) : undefined;
    const ts = root ? us(root.t + root.dur) : at ? us(at.at) : 0;
    ev.push({ name: `${sig.signo} ${sig.code} → ${sig.comm}:${sig.pid}`, cat: 'signal', ph: 'i', s: 'p', ts, pid: PID, tid: SIGNALS_TID, args: { ...sig } });
  }
  return { traceEvents: ev, displayTimeUnit: 'ns', metadata: { scenario: r.scenario, design: r.design, 'dax-poison-lab-report': r.version } };
}
