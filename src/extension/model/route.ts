// The route of one event: its spans as a call tree (symbol(args) = ret,
// indented by call depth, with the layer and the simulated time), and the
// Events view's rows (result, signals, expectations). Pure.

import type { ExpectationResult, ReportEvent, ReportSignal, RunReport, Span } from '../../sim/report';
import type { EventSpec } from '../../sim/scenario/types';
import { formatExpectation, formatResult, formatSpanCall, formatTime } from '../../sim/render';

/** ns, µs, ms, s (the one spelling of microseconds in the lab) */
export const timeText = (ns: number): string => formatTime(ns).replace(/us$/, 'µs');
import { describeSignal } from '../../sim/expect';

export interface SpanNode {
  span: Span;
  depth: number;
  children: SpanNode[];
}

/** The spans an event caused, as trees (an event may have several roots). */
export function eventSpanTrees(report: RunReport, eventId: string): SpanNode[] {
  const mine = report.spans.filter((s) => s.event === eventId);
  const byId = new Map<number, SpanNode>();
  const roots: SpanNode[] = [];
  for (const s of mine) byId.set(s.id, { span: s, depth: 0, children: [] });
  for (const s of mine) {
    const node = byId.get(s.id)!;
    const parent = s.parent !== null ? byId.get(s.parent) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  const setDepth = (n: SpanNode, d: number) => {
    n.depth = d;
    for (const c of n.children) setDepth(c, d + 1);
  };
  for (const r of roots) setDepth(r, 0);
  return roots;
}

export function flattenSpans(nodes: readonly SpanNode[]): SpanNode[] {
  const out: SpanNode[] = [];
  const walk = (n: SpanNode) => {
    out.push(n);
    for (const c of n.children) walk(c);
  };
  for (const n of nodes) walk(n);
  return out;
}

export interface RouteLine {
  text: string;
  /** the kernel symbol of the line, for a link */
  symbol?: string;
  /** where the symbol starts in `text` */
  symbolAt?: number;
}

/** The route of an event as text lines: header, span tree, signals, dmesg lines, expectations. */
export function routeLines(report: RunReport, event: EventSpec | undefined, eventId: string): RouteLine[] {
  const ev = report.events.find((e) => e.id === eventId);
  const out: RouteLine[] = [];
  out.push({ text: `${eventId} ${ev?.do ?? event?.do ?? ''}  (design ${report.design})` });
  if (!ev) {
    out.push({ text: '  not run yet' });
    return out;
  }
  out.push({ text: `  at ${timeText(ev.at)}, result ${formatResult(ev.result)}` });
  out.push({ text: '' });
  const spans = flattenSpans(eventSpanTrees(report, eventId));
  if (!spans.length) out.push({ text: '  (no kernel code ran)' });
  for (const n of spans) {
    const indent = '  '.repeat(n.depth + 1);
    const call = formatSpanCall(n.span);
    out.push({ text: `${indent}${call}    [${n.span.layer} +${timeText(n.span.t - ev.at)}]`, symbol: n.span.symbol, symbolAt: indent.length });
  }
  const sigs = report.signals.filter((s) => s.event === eventId);
  if (sigs.length) {
    out.push({ text: '' });
    out.push({ text: 'signals' });
    for (const s of sigs) out.push({ text: `  ${signalText(s)}` });
  }
  const exps = report.expectations.filter((x) => x.where === eventId);
  if (exps.length) {
    out.push({ text: '' });
    out.push({ text: 'expectations' });
    for (const x of exps) out.push({ text: `  ${expectationText(x)}` });
  }
  return out;
}

export function signalText(s: ReportSignal): string {
  return `${describeSignal({ signo: s.signo, code: s.code })} to ${s.comm}:${s.pid}${s.addr !== undefined ? ` at ${s.addr}` : ''}${s.lsb !== undefined ? ` lsb ${s.lsb}` : ''}`;
}

export function expectationText(x: ExpectationResult): string {
  return `${x.ok ? 'ok  ' : 'FAIL'}  ${formatExpectation(x.expect)}${x.ok || !x.detail ? '' : ` — ${x.detail}`}`;
}

export type EventState = 'done' | 'failed' | 'next' | 'pending';

export interface EventRow {
  id: string;
  index: number;
  do: string;
  state: EventState;
  label: string;
  description: string;
  hand: boolean;
  result?: ReportEvent;
  signals: ReportSignal[];
  expectations: ExpectationResult[];
}

/** One row per event of the session, with what it did when it has run. */
export function eventRows(events: readonly EventSpec[], report: RunReport, cursor: number, handFrom: number): EventRow[] {
  return events.map((e, i) => {
    const result = report.events.find((x) => x.id === e.id);
    const signals = report.signals.filter((s) => s.event === e.id);
    const expectations = report.expectations.filter((x) => x.where === e.id);
    const failed = expectations.some((x) => !x.ok);
    const state: EventState = i < cursor ? (failed ? 'failed' : 'done') : i === cursor ? 'next' : 'pending';
    const parts: string[] = [];
    if (result) parts.push(`= ${formatResult(result.result)}`);
    if (signals.length) parts.push(signals.map((s) => `${s.code === 'none' ? s.signo : s.code.replace('BUS_MCEERR_', '')}→${s.pid}`).join(' '));
    if (expectations.length) parts.push(`${expectations.filter((x) => x.ok).length}/${expectations.length} ok`);
    if (state === 'next') parts.push('next');
    return {
      id: e.id,
      index: i,
      do: e.do,
      state,
      label: `${e.id} ${e.do}`,
      description: parts.join(' · '),
      hand: i >= handFrom,
      result,
      signals,
      expectations,
    };
  });
}

/** dmesg severity, the way a kernel developer reads these lines (for the log channel) */
export function dmesgLevel(line: string): 'error' | 'warn' | 'info' {
  if (/Shutting down filesystem|: Failed|panic|Killing |kill_me_now|Memory error not recovered|Please unmount|corrupt/i.test(line)) return 'error';
  if (/Sending SIGBUS|recovery action|about to be removed|hardware memory corruption|Memory failure|Uncorrected|shutdown received/i.test(line)) return 'warn';
  return 'info';
}
