// The one message protocol between the extension and its webviews (layer
// routing, timeline, design comparison). Both sides import this module; it
// uses neither the vscode API nor the DOM. Every message a webview sends is
// checked by parseWebviewMessage before the extension acts on it: a
// malformed one is refused with the reason (the extension logs it and
// ignores it).
//
// The order of a conversation: the extension writes the view's initial
// state into the page (a nonce'd bootstrap script, so the first paint needs
// no round trip); the webview posts `ready`; only then does the extension
// post updates (`state`, `selection`).

import type { RunReport } from '../sim/report';
import type { RouteView } from './routing';
import { checkComparisonView, type ComparisonView } from './comparison';

export const PROTOCOL_VERSION = 1;

export type ViewKind = 'routing' | 'timeline' | 'comparison';
export const VIEW_KINDS: readonly ViewKind[] = ['routing', 'timeline', 'comparison'];

/** The webview panel types, as registered with VS Code (and in package.json activation events). */
export const VIEW_TYPES: Record<ViewKind, string> = {
  routing: 'daxPoisonLab.routing',
  timeline: 'daxPoisonLab.timeline',
  comparison: 'daxPoisonLab.comparison',
};

/** What is selected across the lab: an event of the session and, optionally, one of its spans. */
export interface Selection {
  event: string | null;
  span: number | null;
}

export interface RoutingState {
  kind: 'routing';
  scenario: string;
  /** every design the simulator models */
  designs: string[];
  /** the events that have run, for the event picker */
  events: { id: string; do: string }[];
  selection: Selection;
  /** the session's route (its design) */
  left: RouteView | null;
  /** the same event under the design picked for comparison, or null */
  right: RouteView | null;
  /** the design picked for comparison ("" for none) */
  compareWith: string;
  /** why there is nothing to show, when there is not */
  empty?: string;
}

/**
 * What the timeline draws of a run report: its events, signals and spans. Not
 * the rest (dmesg, hwpoison, calls, expectations): on a populated machine the
 * dmesg alone has a line per page, and the timeline never shows it. The
 * spans are the trace's, a summarised run being one span.
 */
export type TimelineReport = Pick<RunReport, 'events' | 'signals' | 'spans'>;

/** the part of a report the timeline is sent (the same objects, nothing copied) */
export function timelineReport(r: RunReport): TimelineReport {
  return { events: r.events, signals: r.signals, spans: r.spans };
}

export interface TimelineState {
  kind: 'timeline';
  scenario: string;
  design: string;
  report: TimelineReport | null;
  selection: Selection;
}

export interface ComparisonState {
  kind: 'comparison';
  view: ComparisonView | null;
  empty?: string;
  /**
   * issue 15: the kernel versions the comparison runs (the session's only, or
   * every modelled one: versions as columns, together with the designs), and
   * those the lab models (what the webview offers)
   */
  kernels?: { compared: string[]; session: string; available: string[] };
}

export type ViewState = RoutingState | TimelineState | ComparisonState;

/** What the extension writes into the page: the view's state plus what the webview persisted last time. */
export interface Bootstrap {
  protocol: number;
  view: ViewKind;
  state: ViewState;
}

// ------------------------------------------------------------ extension → webview

export type HostMessage =
  | { type: 'state'; state: ViewState }
  | { type: 'selection'; selection: Selection };

// ------------------------------------------------------------ webview → extension

export type WebviewMessage =
  /** the webview has loaded and listens; nothing is sent before it */
  | { type: 'ready'; view: ViewKind; protocol: number }
  /** the user selected an event or a span (or cleared the selection) */
  | { type: 'select'; selection: Selection }
  /** open a kernel symbol's definition (the extension decides where: local tree or web) */
  | { type: 'openSymbol'; symbol: string }
  /** routing: the design to show beside the session's ("" for none) */
  | { type: 'compareWith'; design: string }
  /** comparison: run the comparison again (after the session changed) */
  | { type: 'refresh' }
  /** comparison: the kernel versions to compare ([] for the session's only) */
  | { type: 'compareKernels'; versions: string[] };

const SYMBOL_RE = /^[A-Za-z_][A-Za-z0-9_.]{0,127}$/;
const DESIGN_RE = /^[a-z][a-z0-9-]{0,63}$/;
const EVENT_RE = /^[^\u0000-\u001f]{1,128}$/;

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function onlyKeys(o: Record<string, unknown>, keys: string[]): string | undefined {
  const extra = Object.keys(o).filter((k) => !keys.includes(k));
  return extra.length ? `unexpected field${extra.length > 1 ? 's' : ''} ${extra.join(', ')}` : undefined;
}

export function parseSelection(x: unknown): Parsed<Selection> {
  if (!isRecord(x)) return { ok: false, error: 'selection: expected an object {event, span}' };
  const extra = onlyKeys(x, ['event', 'span']);
  if (extra) return { ok: false, error: `selection: ${extra}` };
  const { event, span } = x;
  if (event !== null && (typeof event !== 'string' || !EVENT_RE.test(event))) return { ok: false, error: `selection.event: ${JSON.stringify(event)} is not an event id or null` };
  if (span !== null && (typeof span !== 'number' || !Number.isSafeInteger(span) || span < 0)) return { ok: false, error: `selection.span: ${JSON.stringify(span)} is not a span id or null` };
  return { ok: true, message: { event: event as string | null, span: span as number | null } };
}

/**
 * Check a message a webview posted. Anything but exactly one of the
 * WebviewMessage shapes, with no extra fields, is refused with the reason.
 */
export function parseWebviewMessage(x: unknown): Parsed<WebviewMessage> {
  if (!isRecord(x)) return { ok: false, error: `expected an object, got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}` };
  const t = x.type;
  const bad = (error: string): Parsed<WebviewMessage> => ({ ok: false, error: `${String(t)}: ${error}` });
  switch (t) {
    case 'ready': {
      const extra = onlyKeys(x, ['type', 'view', 'protocol']);
      if (extra) return bad(extra);
      if (typeof x.view !== 'string' || !(VIEW_KINDS as readonly string[]).includes(x.view)) return bad(`view ${JSON.stringify(x.view)} is not one of ${VIEW_KINDS.join(', ')}`);
      if (x.protocol !== PROTOCOL_VERSION) return bad(`protocol ${JSON.stringify(x.protocol)}, expected ${PROTOCOL_VERSION}`);
      return { ok: true, message: { type: 'ready', view: x.view as ViewKind, protocol: PROTOCOL_VERSION } };
    }
    case 'select': {
      const extra = onlyKeys(x, ['type', 'selection']);
      if (extra) return bad(extra);
      const s = parseSelection(x.selection);
      if (!s.ok) return bad(s.error);
      return { ok: true, message: { type: 'select', selection: s.message } };
    }
    case 'openSymbol': {
      const extra = onlyKeys(x, ['type', 'symbol']);
      if (extra) return bad(extra);
      if (typeof x.symbol !== 'string' || !SYMBOL_RE.test(x.symbol)) return bad(`symbol ${JSON.stringify(x.symbol)} is not a kernel identifier`);
      return { ok: true, message: { type: 'openSymbol', symbol: x.symbol } };
    }
    case 'compareWith': {
      const extra = onlyKeys(x, ['type', 'design']);
      if (extra) return bad(extra);
      if (typeof x.design !== 'string' || (x.design !== '' && !DESIGN_RE.test(x.design))) return bad(`design ${JSON.stringify(x.design)} is not a design name`);
      return { ok: true, message: { type: 'compareWith', design: x.design } };
    }
    case 'compareKernels': {
      const extra = onlyKeys(x, ['type', 'versions']);
      if (extra) return bad(extra);
      if (!Array.isArray(x.versions) || x.versions.length > 8 || !x.versions.every((v) => typeof v === 'string' && /^\d{1,2}\.\d{1,3}$/.test(v))) return bad(`versions ${JSON.stringify(x.versions)} is not a list of kernel versions`);
      return { ok: true, message: { type: 'compareKernels', versions: x.versions as string[] } };
    }
    case 'refresh': {
      const extra = onlyKeys(x, ['type']);
      if (extra) return bad(extra);
      return { ok: true, message: { type: 'refresh' } };
    }
    default:
      return { ok: false, error: `unknown message type ${JSON.stringify(t)}` };
  }
}

/** A routing state's route: null, or an object with its nodes, lanes, badges and verdicts as arrays (each verdict an object with an outcome, a reason and a span id or null). */
export function isRouteViewShape(v: unknown): boolean {
  if (v === null) return true;
  if (!isRecord(v)) return false;
  if (!Array.isArray(v.nodes) || !Array.isArray(v.lanes) || !Array.isArray(v.badges) || !Array.isArray(v.verdicts)) return false;
  return v.verdicts.every((x) => isRecord(x) && typeof x.outcome === 'string' && typeof x.reason === 'string' && typeof x.symbol === 'string' && (x.span === null || (typeof x.span === 'number' && Number.isSafeInteger(x.span))));
}

/** The webview side's check of what the extension sent (a programming error if it fails). */
export function isHostMessage(x: unknown): x is HostMessage {
  if (!isRecord(x)) return false;
  if (x.type === 'state')
    return (
      isRecord(x.state) &&
      typeof x.state.kind === 'string' &&
      (VIEW_KINDS as readonly string[]).includes(x.state.kind) &&
      (x.state.kind !== 'comparison' || x.state.view === null || checkComparisonView(x.state.view) === undefined) &&
      (x.state.kind !== 'routing' || (isRouteViewShape(x.state.left) && isRouteViewShape(x.state.right)))
    );
  if (x.type === 'selection') return parseSelection(x.selection).ok;
  return false;
}

/** JSON for an inline script: nothing in it can close the script element or start a comment. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
