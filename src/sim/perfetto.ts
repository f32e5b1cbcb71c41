// The run's trace as Chrome Trace Event JSON, which Perfetto (and
// chrome://tracing) open: one complete ("X") slice per span, properly nested
// on one track per layer, ts/dur in microseconds, the symbol as the name and
// the span's arguments (in its layer's units) in args; metadata names the
// process and each layer's thread; flow events ("s"/"f") link a call into the
// next layer down, the hand-offs the routing view draws; events of the
// scenario and signals are instants. Each simulated process is a process of
// its own in the trace (named "comm (pid N)"), where the signals it received
// are instants too. checkNesting verifies what Perfetto requires of the
// slices of one track: they nest or do not overlap (in integer nanoseconds,
// the way the importer reads microsecond timestamps).

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
export const LAYER_ORDER: readonly Layer[] = ['syscall', 'process', 'mce', 'ghes', 'acpi', 'platform', 'cxl', 'mm', 'dev_pagemap', 'pmem', 'nvdimm', 'dax', 'block', 'dm', 'fsdax', 'fs', 'rmap'];

const PID = 1;
const EVENTS_TID = 100;
const SIGNALS_TID = 101;

/** ns → µs, exact to the nanosecond (the importer rounds µs × 1000 back to integer ns) */
const us = (ns: number) => Math.round(ns) / 1000;
/** trace pid of a simulated process (pid 1 is the kernel's own track) */
const procPid = (pid: number) => (pid === PID ? 1_000_000 + pid : pid);
/** tid of a simulated process's signal track */
const PROC_SIGNALS_TID = 1;

/** The simulated processes a report names (signals, spans with a pid), with their comm when known. */
export function simulatedProcesses(r: RunReport): { pid: number; comm: string | undefined }[] {
  const comm = new Map<number, string | undefined>();
  const note = (pid: unknown, c: unknown) => {
    const n = typeof pid === 'number' ? pid : typeof pid === 'string' && /^\d+$/.test(pid) ? Number(pid) : NaN;
    if (!Number.isSafeInteger(n) || n <= 0) return;
    const known = comm.get(n);
    comm.set(n, known ?? (typeof c === 'string' && c ? c : undefined));
  };
  for (const sig of r.signals) note(sig.pid, sig.comm);
  for (const s of r.spans) note(s.args.pid, s.args.comm);
  return [...comm].map(([pid, c]) => ({ pid, comm: c })).sort((a, b) => a.pid - b.pid);
}

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
  ev.push({ name: 'process_sort_index', ph: 'M', pid: PID, tid: 0, args: { sort_index: 0 } });
  simulatedProcesses(r).forEach((p, i) => {
    const pid = procPid(p.pid);
    ev.push({ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: `${p.comm ?? 'process'} (pid ${p.pid})` } });
    ev.push({ name: 'process_labels', ph: 'M', pid, tid: 0, args: { labels: 'simulated process' } });
    ev.push({ name: 'process_sort_index', ph: 'M', pid, tid: 0, args: { sort_index: i + 1 } });
    ev.push({ name: 'thread_name', ph: 'M', pid, tid: PROC_SIGNALS_TID, args: { name: `${p.comm ?? 'pid ' + p.pid}: signals received` } });
  });

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
    ev.push({ name: `${sig.signo} ${sig.code}${sig.lsb !== undefined ? ` lsb ${sig.lsb}` : ''}`, cat: 'signal-received', ph: 'i', s: 't', ts, pid: procPid(sig.pid), tid: PROC_SIGNALS_TID, args: { ...sig } });
  }
  return { traceEvents: ev, displayTimeUnit: 'ns', metadata: { scenario: r.scenario, design: r.design, 'dax-poison-lab-report': r.version } };
}

/**
 * The slices ("X") of each track (pid, tid) that neither nest nor stay
 * apart, compared in integer nanoseconds as Perfetto's importer reads them.
 * Empty when the trace is well formed.
 */
export function checkNesting(events: readonly TraceEvent[]): string[] {
  const tracks = new Map<string, { name: string; a: number; b: number }[]>();
  for (const e of events) {
    if (e.ph !== 'X' || e.ts === undefined) continue;
    const a = Math.round(e.ts * 1000);
    const b = a + Math.round((e.dur ?? 0) * 1000);
    const key = `${e.pid}/${e.tid}`;
    const list = tracks.get(key) ?? [];
    list.push({ name: e.name, a, b });
    tracks.set(key, list);
  }
  const out: string[] = [];
  for (const [key, list] of tracks) {
    list.sort((x, y) => x.a - y.a || y.b - x.b);
    const stack: { name: string; a: number; b: number }[] = [];
    for (const s of list) {
      while (stack.length && stack[stack.length - 1]!.b <= s.a) stack.pop();
      const top = stack[stack.length - 1];
      if (top && s.b > top.b) out.push(`track ${key}: ${s.name} [${s.a}, ${s.b}] ns overlaps ${top.name} [${top.a}, ${top.b}] ns without nesting`);
      stack.push(s);
    }
  }
  return out;
}
