// The design comparison as a view, from compareDesigns' result
// (src/sim/compare.ts): one aligned grid whose rows are what a run did
// (result per event, signals, shutdowns, owners reached and missed, key
// dmesg lines, pages left mapped, simulated cost, calls) and whose columns
// are the designs; a verdict matrix (who was told, who was not, and why:
// the report's verdicts, one row per event × owner × process mapping);
// and bar charts on a log scale with labelled ticks (calls per symbol,
// simulated cost). Every text is split into tokens that are never broken
// inside (an identifier, an errno, an address, a number with its unit), and
// every number carries its unit (times in ns, µs or ms). Differences
// across designs are marked against a baseline design (the session's).
// Pure: no vscode, no DOM; the imports are types only, so the webview
// bundle does not pull in the simulator.

import type { ReportEvent, ReportFilesystem, ReportSignal, ReportVerdict, VerdictOutcome, VerdictOwner } from '../sim/report';
import type { DmesgLines, LogPiece } from '../sim/dmesg';

export interface OwnerRefLike {
  event: string;
  file: string;
}

export interface DesignMetricsLike {
  calls: Record<string, number>;
  ownersNotified: OwnerRefLike[];
  ownersMissed: OwnerRefLike[];
  signalled: string[];
  pagesMappedToBadMedia: number;
  pagesMappedToRemovedDevice: number;
  shutdown: Record<string, string>;
  cost: number;
}

/** the parts of a run report the comparison reads */
export interface ReportLike {
  events: Pick<ReportEvent, 'id' | 'do' | 'result'>[];
  signals: ReportSignal[];
  verdicts?: ReportVerdict[];
  dmesg: DmesgLines;
  filesystems: ReportFilesystem[];
}

export interface DesignRunLike {
  design: string;
  /** the kernel version the run modelled, when the comparison puts versions side by side (issue 15) */
  kernel?: string;
  metrics?: DesignMetricsLike;
  report?: ReportLike;
  error?: string;
}

/** How a design's series is told apart without colour: a fill pattern and a marker shape. */
export type SeriesPattern = 'solid' | 'hatch' | 'dots' | 'cross';
export type SeriesMarker = 'circle' | 'triangle' | 'square' | 'diamond';
export const SERIES_PATTERNS: readonly SeriesPattern[] = ['solid', 'hatch', 'dots', 'cross'];
export const SERIES_MARKERS: readonly SeriesMarker[] = ['circle', 'triangle', 'square', 'diamond'];
/** the marker as a text glyph (legends, accessible names) */
export const MARKER_GLYPH: Record<SeriesMarker, string> = { circle: '●', triangle: '▲', square: '■', diamond: '◆' };

export interface DesignColumn {
  design: string;
  /** the kernel version of the column, when versions are compared */
  kernel?: string;
  /** the column's name: the design, or "design · version" when versions are compared (unique) */
  label: string;
  /** the design the session runs */
  current: boolean;
  /** the column the others are compared with (the session's design, or the first that ran) */
  baseline: boolean;
  /** 0..3: the series colour, pattern and marker */
  series: number;
  pattern: SeriesPattern;
  marker: SeriesMarker;
  /** why the design could not run the scenario */
  error?: string;
}

/** A cell of the grid: its tokens (each shown without a line break inside), the full value and how it compares. */
export interface Cell {
  tokens: string[];
  /** the full value (the tooltip) */
  title: string;
  /** nothing happened here (no signal, not printed, not an owner): shown muted, but in words */
  quiet: boolean;
  /** differs from the baseline design's cell */
  diff: boolean;
}

export interface GridRow {
  id: string;
  /** the row header, as tokens */
  label: string[];
  /** the row header's full text (tooltip) */
  title: string;
  cells: Cell[];
  /** the designs do not all agree */
  differs: boolean;
}

export interface GridSection {
  id: string;
  title: string;
  /** what the section's cells count or mean, with the unit */
  note?: string;
  rows: GridRow[];
}

export interface VerdictCell {
  outcome: VerdictOutcome | null;
  /** the badge text: outcome and signal code */
  badge: string;
  reason: string;
  symbol: string | null;
  span: number | null;
  /** signal details as tokens (code, address, lsb), empty when no signal */
  signal: string[];
  /** the owner's range in this design when it differs from the row's */
  range?: string;
  /** differs from the baseline design's outcome */
  diff: boolean;
  /** the full text (tooltip) */
  title: string;
}

export interface VerdictRow {
  id: string;
  event: string;
  /** the owner, as tokens: its name and the failed range in it */
  owner: string[];
  /** pid and comm, as tokens (empty when nobody maps the owner) */
  process: string[];
  /** mapping id and user address range, as tokens */
  mapping: string[];
  pid: number | null;
  cells: VerdictCell[];
  differs: boolean;
}

export interface VerdictMatrix {
  rows: VerdictRow[];
  /** why there are no rows, when there are none */
  empty?: string;
}

export interface Tick {
  value: number;
  /** 0..1 along the axis */
  fraction: number;
  label: string;
}

export interface Bar {
  design: string;
  value: number;
  /** 0..1 of the plot's width */
  fraction: number;
  /** the value with its unit */
  text: string;
}

export interface BarGroup {
  label: string;
  /** a kernel symbol the label names (opens the source) */
  symbol?: string;
  bars: Bar[];
  /** the designs do not all agree on this value */
  differs: boolean;
}

export interface Chart {
  id: string;
  title: string;
  /** the unit of the values, as the axis says it */
  unit: string;
  log: boolean;
  /** the value at the end of the axis (a power of ten on a log scale) */
  axisMax: number;
  ticks: Tick[];
  groups: BarGroup[];
}

export interface ComparisonView {
  scenario: string;
  current: string;
  /** the columns' labels, in column order (the designs; "design · version" when versions are compared) */
  designs: string[];
  /** the kernel versions compared, in order (one: the session's, when only designs are) */
  kernels: string[];
  columns: DesignColumn[];
  /** the baseline design the "differs" marks compare with */
  baseline: string;
  sections: GridSection[];
  verdicts: VerdictMatrix;
  charts: Chart[];
}

// ------------------------------------------------------------ units

/** log scale: 0 → 0, max → 1, each power of ten about the same width */
export function logFraction(value: number, max: number): number {
  if (value <= 0 || max <= 0) return 0;
  return Math.min(1, Math.log10(1 + value) / Math.log10(1 + max));
}

export function linearFraction(value: number, max: number): number {
  return max <= 0 ? 0 : Math.min(1, Math.max(0, value) / max);
}

/**
 * The end of a log axis: the smallest 1, 2, 3 or 5 × 10^k at or above max
 * (1 for 0), so that the largest bar nearly fills the width and the end
 * tick is a round number.
 */
export function logAxisMax(max: number): number {
  if (max <= 1) return 1;
  let p = 10 ** Math.floor(Math.log10(max) + 1e-12);
  for (;;) {
    for (const m of [1, 2, 3, 5]) if (m * p >= max - 1e-9) return m * p;
    p *= 10;
  }
}

/** Simulated time with its unit, one spelling: ns, µs, ms, s. */
export function formatNs(ns: number): string {
  const trim = (x: number, digits: number) => String(Number(x.toFixed(digits)));
  if (ns >= 1e9) return `${trim(ns / 1e9, 3)} s`;
  if (ns >= 1e6) return `${trim(ns / 1e6, 2)} ms`;
  if (ns >= 1e3) return `${trim(ns / 1e3, 2)} µs`;
  return `${trim(ns, 0)} ns`;
}

/** a count with its unit, singular or plural: "1 call", "4 calls" */
export function count(n: number, unit: string, plural = `${unit}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? unit : plural}`;
}

/** a byte size: 4 KiB, 2 MiB, 512 B */
export function formatBytes(n: number): string {
  for (const [u, s] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) if (n >= s && n % (s / 4) === 0) return `${n / s} ${u}`;
  return `${n} B`;
}

/** a tick label of a count axis: 1, 10, 100, 1k, 10k, 100k, 1M */
function countTick(v: number): string {
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return String(v);
}

/** Ticks of a log axis from 0 to axisMax: 0, every power of ten below the end (unless crowding it), and the end. */
export function logTicks(axisMax: number, label: (v: number) => string): Tick[] {
  const out: Tick[] = [{ value: 0, fraction: 0, label: label(0) }];
  for (let v = 1; v < axisMax; v *= 10) {
    const f = logFraction(v, axisMax);
    if (f <= 0.94) out.push({ value: v, fraction: f, label: label(v) });
  }
  out.push({ value: axisMax, fraction: 1, label: label(axisMax) });
  return out;
}

// ------------------------------------------------------------ grid

const quiet = (text: string): Cell => ({ tokens: [text], title: text, quiet: true, diff: false });
const cell = (tokens: string[], title = tokens.join(' ')): Cell => ({ tokens, title, quiet: false, diff: false });

/**
 * The column each column is compared with: the baseline for every column when only designs
 * are compared; when kernel versions are too, the same design under the session's version
 * (what an upgrade changes, design by design), or the baseline when that one did not run.
 */
type Bases = number | number[];
const baseFor = (bases: Bases, i: number): number => (typeof bases === 'number' ? bases : (bases[i] ?? 0));

/** Mark each cell that differs from its baseline's, and the row when the columns disagree. */
function finishRow(id: string, label: string[], cells: Cell[], bases: Bases, title = label.join(' ')): GridRow {
  const key = (c: Cell) => `${c.quiet ? '~' : ''}${c.tokens.join('\u0000')}`;
  const ran = cells.filter((c) => c.title !== NOT_RUN);
  cells.forEach((c, i) => {
    const b = cells[baseFor(bases, i)];
    c.diff = b !== undefined && b.title !== NOT_RUN && c.title !== NOT_RUN && key(c) !== key(b);
  });
  const differs = typeof bases === 'number' ? new Set(ran.map(key)).size > 1 : cells.some((c) => c.diff);
  return { id, label, title, cells, differs };
}

const NOT_RUN = 'the design did not run the scenario';

function resultTokens(r: { ret: number; errno?: string }, what: string): Cell {
  if (r.errno) return cell([`-${r.errno}`], `${what} returned -${r.errno} (${r.ret})`);
  if (r.ret > 0) return cell([count(r.ret, 'byte')], `${what} returned ${r.ret} (bytes)`);
  return cell([String(r.ret)], `${what} returned ${r.ret}`);
}

function signalTokens(s: ReportSignal): string[] {
  const t: string[] = [s.signo];
  if (s.code !== 'none') t.push(s.code);
  if (s.addr) t.push(`addr ${s.addr}`);
  if (s.lsb !== undefined && s.code !== 'none') t.push(`lsb ${s.lsb}${s.lsb > 0 ? ` (${formatBytes(2 ** s.lsb)})` : ''}`);
  return t;
}

/** A dmesg line reduced to its kind: the pfn (or pfn range) of a "Memory failure:" line replaced, and its count. */
export interface DmesgKey {
  template: string;
  /** the pfns the folded lines name, [first, last] */
  pfns: [number, number] | null;
  /** how many kernel lines */
  lines: number;
}

const MF_PREFIX = 'Memory failure: ';
const MORE_LINES = / \((\d+) more lines, one per pfn\)$/;
const HEX_PFN = /^0x[0-9a-f]+$/;

/**
 * A "Memory failure: 0x1a2b: msg" or "Memory failure: [0x1a00-0x1aff]: msg (N
 * more lines, one per pfn)" line: its pfns, the message (from the colon on)
 * and how many kernel lines it stands for; null for any other line. Read by
 * hand, not by one regular expression: a populated machine's dmesg has a line
 * per page, and this runs over each of them for every design.
 */
function mfLine(line: string): { a: number; b: number; rest: string; n: number } | null {
  if (!line.startsWith(MF_PREFIX)) return null;
  let a: string;
  let b: string;
  let at: number;
  if (line.charCodeAt(MF_PREFIX.length) === 91 /* [ */) {
    const dash = line.indexOf('-', MF_PREFIX.length + 1);
    const close = line.indexOf(']', MF_PREFIX.length + 1);
    if (dash < 0 || close < dash) return null;
    a = line.slice(MF_PREFIX.length + 1, dash);
    b = line.slice(dash + 1, close);
    at = close + 1;
  } else {
    at = line.indexOf(':', MF_PREFIX.length);
    if (at < 0) return null;
    a = b = line.slice(MF_PREFIX.length, at);
  }
  if (line.charCodeAt(at) !== 58 /* : */ || line.charCodeAt(at + 1) !== 32 || !HEX_PFN.test(a) || (b !== a && !HEX_PFN.test(b))) return null;
  let rest = line.slice(at);
  let n = 1;
  if (rest.endsWith(' more lines, one per pfn)')) {
    const m = MORE_LINES.exec(rest);
    if (m) {
      n = Number(m[1]);
      rest = rest.slice(0, rest.length - m[0].length);
    }
  }
  const pa = parseInt(a, 16);
  return { a: pa, b: b === a ? pa : parseInt(b, 16), rest, n };
}

/** the folded dmesg of each report's dmesg (a report is not changed once run): the extension folds each design's as it runs, the view reuses it */
const keysOf = new WeakMap<DmesgLines, DmesgKey[]>();

/** Fold the dmesg into its kinds of line, in the order they first appear: the per-pfn "Memory failure:" lines become one per kind with their pfn range and count. */
export function dmesgKeys(dmesg: DmesgLines): DmesgKey[] {
  const hit = keysOf.get(dmesg);
  if (hit) return hit.map((k) => ({ ...k, pfns: k.pfns ? [k.pfns[0], k.pfns[1]] : null }));
  const keys = foldDmesgKeys(dmesg);
  keysOf.set(dmesg, keys);
  return keys.map((k) => ({ ...k, pfns: k.pfns ? [k.pfns[0], k.pfns[1]] : null }));
}

/** the log's lines and runs (a plain array is all lines); the store's runs are never written out */
function* piecesOf(dmesg: DmesgLines): Generator<LogPiece> {
  if (dmesg.pieces) yield* dmesg.pieces();
  else for (const line of dmesg) yield { kind: 'line', line };
}

function foldDmesgKeys(dmesg: DmesgLines): DmesgKey[] {
  const out = new Map<string, DmesgKey>();
  /** the key of the last per-pfn line, by its message: a run of them finds it without building the template */
  let lastRest = '';
  let lastKey: DmesgKey | undefined;
  const other = (template: string, n: number): void => {
    const k = out.get(template);
    if (k) k.lines += n;
    else out.set(template, { template, pfns: null, lines: n });
  };
  const perPfn = (a: number, b: number, rest: string, n: number): void => {
    let k = lastKey && rest === lastRest ? lastKey : undefined;
    if (!k) {
      const template = `${MF_PREFIX}‹pfn›${rest}`;
      k = out.get(template);
      if (!k) {
        k = { template, pfns: [a, b], lines: 0 };
        out.set(template, k);
      }
      lastKey = k;
      lastRest = rest;
    }
    k.lines += n;
    if (!k.pfns) k.pfns = [a, b];
    else {
      if (a < k.pfns[0]) k.pfns[0] = a;
      if (b > k.pfns[1]) k.pfns[1] = b;
    }
  };
  for (const p of piecesOf(dmesg)) {
    if (p.kind === 'line') {
      const m = mfLine(p.line);
      if (!m) other(p.line, 1);
      else perPfn(m.a, m.b, m.rest, m.n);
      continue;
    }
    // a run: each line of its members is one kind, its numbers advancing
    for (const t of p.templates) {
      const f = t.fields[0];
      if (f && f.hex && t.fields.length === 1 && t.parts[0] === `${MF_PREFIX}0x` && t.parts[1]!.startsWith(': ')) {
        const last = f.base + f.step * (p.count - 1);
        perPfn(Math.min(f.base, last), Math.max(f.base, last), t.parts[1]!, p.count);
      } else other(t.parts.join('‹n›'), p.count);
    }
  }
  return [...out.values()];
}

const hex = (n: number) => `0x${n.toString(16)}`;

function dmesgCell(k: DmesgKey | undefined): Cell {
  if (!k) return quiet('not printed');
  const t: string[] = [];
  // a range is two tokens, so that a narrow column breaks it after the first pfn (a removed device's range is 30 characters)
  if (k.pfns) t.push(...(k.pfns[0] === k.pfns[1] ? [`pfn ${hex(k.pfns[0])}`] : [`pfns ${hex(k.pfns[0])}`, `– ${hex(k.pfns[1])}`]));
  t.push(k.lines === 1 && !k.pfns ? 'printed' : count(k.lines, 'line'));
  return cell(t, `${k.template.replace('‹pfn›', k.pfns ? (k.pfns[0] === k.pfns[1] ? hex(k.pfns[0]) : `[${hex(k.pfns[0])}-${hex(k.pfns[1])}]`) : '')} (${count(k.lines, 'line')})`);
}

/** Split a text into tokens at spaces (the places a line may break). */
export function tokens(text: string): string[] {
  return text.split(/\s+/).filter((t) => t !== '');
}

function unionInOrder<T>(lists: T[][], key: (x: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const l of lists) for (const x of l) if (!seen.has(key(x))) seen.set(key(x), x);
  return [...seen.values()];
}

function sections(list: DesignRunLike[], base: Bases): GridSection[] {
  const ran = (f: (r: DesignRunLike & { metrics: DesignMetricsLike; report: ReportLike }) => Cell) => list.map((r) => (r.metrics && r.report ? f(r as DesignRunLike & { metrics: DesignMetricsLike; report: ReportLike }) : quiet(r.metrics ? 'no report' : NOT_RUN)));
  const reports = list.map((r) => r.report).filter((r): r is ReportLike => !!r);
  const out: GridSection[] = [];

  // results
  const events = unionInOrder(reports.map((r) => r.events), (e) => e.id);
  out.push({
    id: 'results',
    title: 'result per event',
    note: 'what the system call or action returned: 0, a byte count or -errno',
    rows: events.map((e) => finishRow(`result:${e.id}`, [e.id, e.do], ran((r) => {
      const mine = r.report.events.find((x) => x.id === e.id);
      return mine ? resultTokens(mine.result, `${e.id} ${e.do}`) : quiet('did not run');
    }), base)),
  });

  // signals: one row per (event, process)
  const sigKeys = unionInOrder(reports.map((r) => r.signals.map((s) => ({ event: s.event, pid: s.pid, comm: s.comm }))), (k) => `${k.event}\u0000${k.pid}`);
  const order = new Map(events.map((e, i) => [e.id, i]));
  sigKeys.sort((a, b) => (order.get(a.event) ?? 0) - (order.get(b.event) ?? 0) || a.pid - b.pid);
  out.push({
    id: 'signals',
    title: 'signals',
    note: 'per event and process: signal, si_code, si_addr and si_addr_lsb (the poisoned granule)',
    rows: sigKeys.map((k) => finishRow(`signal:${k.event}:${k.pid}`, [k.event, `pid ${k.pid}`, k.comm], ran((r) => {
      const mine = r.report.signals.filter((s) => s.event === k.event && s.pid === k.pid);
      if (!mine.length) return quiet('no signal');
      const t = mine.flatMap((s, i) => (i ? ['+', ...signalTokens(s)] : signalTokens(s)));
      return cell(t, mine.map((s) => `${s.signo}${s.code !== 'none' ? ` ${s.code}` : ''}${s.addr ? ` addr ${s.addr}` : ''}${s.lsb !== undefined ? ` lsb ${s.lsb}` : ''} to ${s.comm}:${s.pid}`).join('; '));
    }), base)),
  });
  if (!sigKeys.length) out[out.length - 1]!.rows.push(finishRow('signal:none', ['no', 'signal'], ran(() => quiet('no signal')), base));

  // shutdowns
  const mounts = unionInOrder(reports.map((r) => r.filesystems.map((f) => f.mount)), (m) => m);
  out.push({
    id: 'shutdown',
    title: 'filesystem shutdown',
    note: 'the SHUTDOWN_* flags set on each mount at the end',
    rows: mounts.map((mnt) => finishRow(`shutdown:${mnt}`, [mnt], ran((r) => {
      const fs = r.report.filesystems.find((f) => f.mount === mnt);
      if (!fs) return quiet('not mounted');
      if (!fs.shutdown) return quiet('up (no shutdown)');
      return cell(fs.shutdown.split('|'), `${mnt}: ${fs.shutdown}`);
    }), base)),
  });

  // owners
  const ownerKeys = unionInOrder(list.map((r) => [...(r.metrics?.ownersNotified ?? []), ...(r.metrics?.ownersMissed ?? [])]), (o) => `${o.event}\u0000${o.file}`);
  ownerKeys.sort((a, b) => (order.get(a.event) ?? 0) - (order.get(b.event) ?? 0) || a.file.localeCompare(b.file));
  const ownerCount = (l: OwnerRefLike[]) => (l.length ? cell([count(l.length, 'owner')], l.map((o) => `${o.file} [${o.event}]`).join(', ')) : quiet('0 owners'));
  out.push({
    id: 'owners',
    title: 'owners of the failed range',
    note: 'files holding the failed pages that a process maps: reached when the kernel collected their mappers',
    rows: [
      finishRow('owners:reached', ['owners', 'reached'], ran((r) => ownerCount(r.metrics.ownersNotified)), base),
      finishRow('owners:missed', ['owners', 'missed'], ran((r) => ownerCount(r.metrics.ownersMissed)), base),
      ...ownerKeys.map((o) => finishRow(`owner:${o.event}:${o.file}`, [o.event, o.file], ran((r) => {
        const hit = (l: OwnerRefLike[]) => l.some((x) => x.event === o.event && x.file === o.file);
        if (hit(r.metrics.ownersNotified)) return cell(['✓ reached'], `${o.file}: its mappers were collected in ${o.event}`);
        if (hit(r.metrics.ownersMissed)) return cell(['✗ missed'], `${o.file}: mapped, but its mappers were never collected in ${o.event}`);
        return quiet('not an owner');
      }), base)),
    ],
  });

  // pages left mapped
  out.push({
    id: 'pages',
    title: 'pages left mapped at the end',
    note: 'present page-table entries, 4 KiB pages',
    rows: [
      finishRow('pages:bad', ['to', 'bad', 'media'], ran((r) => (r.metrics.pagesMappedToBadMedia ? cell([count(r.metrics.pagesMappedToBadMedia, 'page')]) : quiet('0 pages'))), base),
      finishRow('pages:removed', ['to', 'a', 'removed', 'device'], ran((r) => (r.metrics.pagesMappedToRemovedDevice ? cell([count(r.metrics.pagesMappedToRemovedDevice, 'page')]) : quiet('0 pages'))), base),
    ],
  });

  // dmesg
  const keysPer = list.map((r) => (r.report ? dmesgKeys(r.report.dmesg) : []));
  const templates = unionInOrder([keysPer[baseFor(base, 0)] ?? [], ...keysPer], (k) => k.template).map((k) => k.template);
  out.push({
    id: 'dmesg',
    title: 'dmesg',
    note: 'each kind of kernel line once; per-pfn "Memory failure:" lines folded to their pfn range and count',
    rows: templates.map((t) => finishRow(`dmesg:${t}`, tokens(t), list.map((r, i) => (r.report ? dmesgCell(keysPer[i]!.find((k) => k.template === t)) : quiet(NOT_RUN))), base, t)),
  });
  if (!templates.length) out[out.length - 1]!.rows.push(finishRow('dmesg:none', ['no', 'lines'], ran(() => quiet('nothing printed')), base));

  // cost and calls
  out.push({
    id: 'cost',
    title: 'simulated cost and calls',
    note: 'cost: the sum over symbols of calls × cost per call (simulated time)',
    rows: [
      finishRow('cost', ['simulated', 'cost'], ran((r) => cell([formatNs(r.metrics.cost)], `${formatNs(r.metrics.cost)} (${r.metrics.cost.toLocaleString('en-US')} ns)`)), base),
      finishRow('calls', ['kernel', 'calls'], ran((r) => {
        const n = Object.values(r.metrics.calls).reduce((a, b) => a + b, 0);
        return cell([`${count(n, 'call')},`, count(Object.keys(r.metrics.calls).length, 'symbol')]);
      }), base),
    ],
  });
  return out;
}

// ------------------------------------------------------------ verdicts

export const OUTCOMES: readonly VerdictOutcome[] = ['AR', 'AO', 'killed', 'SIGBUS', 'unmapped only', 'none'];

/** the badge of an outcome: a shape and the words (never colour alone) */
export const OUTCOME_BADGE: Record<VerdictOutcome, { glyph: string; text: string }> = {
  AR: { glyph: '■', text: 'SIGBUS AR' },
  AO: { glyph: '▲', text: 'SIGBUS AO' },
  killed: { glyph: '✖', text: 'killed' },
  SIGBUS: { glyph: '●', text: 'SIGBUS' },
  'unmapped only': { glyph: '◇', text: 'unmapped only' },
  none: { glyph: '○', text: 'not told' },
};

function ownerName(o: VerdictOwner): string {
  return 'file' in o ? o.file : o.device;
}

function ownerRange(o: VerdictOwner): string {
  return `${hex(o.start)}–${hex(o.end)} (${formatBytes(o.end - o.start)})`;
}

function verdictMatrix(list: DesignRunLike[], base: Bases): VerdictMatrix {
  const all = list.map((r) => r.report?.verdicts ?? []);
  const events = unionInOrder(list.map((r) => r.report?.events ?? []), (e) => e.id);
  const order = new Map(events.map((e, i) => [e.id, i]));
  const key = (v: ReportVerdict) => `${v.event}\u0000${ownerName(v.owner)}\u0000${v.pid ?? '-'}\u0000${v.mapping ?? '-'}`;
  const first = new Map<string, ReportVerdict>();
  for (const l of [all[baseFor(base, 0)] ?? [], ...all]) for (const v of l) if (!first.has(key(v))) first.set(key(v), v);
  const keys = [...first.keys()];
  const seq = new Map(keys.map((k, i) => [k, i]));
  keys.sort((a, b) => {
    const x = first.get(a)!;
    const y = first.get(b)!;
    return (order.get(x.event) ?? 0) - (order.get(y.event) ?? 0) || seq.get(a)! - seq.get(b)!;
  });
  const rows: VerdictRow[] = keys.map((k) => {
    const v0 = first.get(k)!;
    const cells: VerdictCell[] = list.map((r, i) => {
      const name = runLabel(r);
      if (!r.report) return { outcome: null, badge: 'did not run', reason: r.error ?? NOT_RUN, symbol: null, span: null, signal: [], diff: false, title: `${name}: ${r.error ?? NOT_RUN}` };
      const v = all[i]!.find((x) => key(x) === k);
      if (!v) return { outcome: null, badge: 'no verdict', reason: `${name} made no decision about this owner and mapping in ${v0.event}`, symbol: null, span: null, signal: [], diff: false, title: `${name}: no verdict for this owner and mapping` };
      const b = OUTCOME_BADGE[v.outcome];
      const signal: string[] = [];
      if (v.code && v.code !== 'none') signal.push(v.code);
      if (v.sigAddr) signal.push(`addr ${v.sigAddr}`);
      if (v.lsb !== undefined && v.code && v.code !== 'none') signal.push(`lsb ${v.lsb}`);
      const range = ownerRange(v.owner) !== ownerRange(v0.owner) ? ownerRange(v.owner) : undefined;
      return {
        outcome: v.outcome,
        badge: `${b.glyph} ${b.text}`,
        reason: v.reason,
        symbol: v.symbol || null,
        span: v.span,
        signal,
        ...(range ? { range } : {}),
        diff: false,
        title: `${name}: ${b.text}${signal.length ? ` (${signal.join(' ')})` : ''}. ${v.reason}${v.symbol ? ` Decided in ${v.symbol}()${v.span !== null ? `, span #${v.span}` : ''}.` : ''}`,
      };
    });
    cells.forEach((c, i) => {
      const b = cells[baseFor(base, i)];
      c.diff = c.badge !== 'did not run' && b?.badge !== 'did not run' && c.outcome !== b?.outcome;
    });
    const ran = cells.filter((c) => c.badge !== 'did not run');
    return {
      id: k,
      event: v0.event,
      owner: [ownerName(v0.owner), ownerRange(v0.owner)],
      process: v0.pid === null ? ['nobody', 'maps', 'it'] : [`pid ${v0.pid}`, v0.comm ?? '?'],
      mapping: v0.mapping === null ? [] : [v0.mapping, ...(v0.addr ? [`${v0.addr[0]}–${v0.addr[1]}`] : [])],
      pid: v0.pid,
      cells,
      differs: typeof base === 'number' ? new Set(ran.map((c) => c.outcome)).size > 1 : cells.some((c) => c.diff),
    };
  });
  if (rows.length) return { rows };
  const any = list.some((r) => r.report);
  return { rows, empty: any ? 'No verdicts: no event reached an owner of a failed range that a process maps, in any design.' : 'No design ran the scenario.' };
}

// ------------------------------------------------------------ charts

function logChart(id: string, title: string, unit: string, labels: { label: string; symbol?: string }[], list: DesignRunLike[], value: (m: DesignMetricsLike, label: string) => number, text: (v: number) => string, tick: (v: number) => string): Chart {
  const ok = list.filter((r) => r.metrics);
  const max = Math.max(0, ...labels.flatMap((l) => ok.map((r) => value(r.metrics!, l.label))));
  const axisMax = logAxisMax(max);
  return {
    id,
    title,
    unit,
    log: true,
    axisMax,
    ticks: logTicks(axisMax, tick),
    groups: labels.map(({ label, symbol }) => {
      const bars = ok.map((r) => {
        const v = value(r.metrics!, label);
        return { design: runLabel(r), value: v, fraction: logFraction(v, axisMax), text: text(v) };
      });
      return { label, ...(symbol ? { symbol } : {}), bars, differs: new Set(bars.map((b) => b.value)).size > 1 };
    }),
  };
}

// ------------------------------------------------------------ the view

/** a run's column name: its design, and its kernel version when versions are compared */
function runLabel(r: DesignRunLike): string {
  return r.kernel ? `${r.design} · ${r.kernel}` : r.design;
}

/**
 * The comparison of runs: one column per run, in the order given. Runs that
 * carry a kernel version (issue 15: "versions as columns, together with the
 * designs") are compared design by design with the same design under
 * `currentKernel` (the session's), so a cell marked ≠ is what the other
 * kernel does differently; the session's own column is the baseline.
 */
export function comparisonView(scenario: string, current: string, runs: readonly DesignRunLike[], currentKernel?: string): ComparisonView {
  const list = [...runs];
  const isCurrent = (r: DesignRunLike) => r.design === current && (r.kernel === undefined || currentKernel === undefined || r.kernel === currentKernel);
  const cur = list.findIndex((r) => isCurrent(r) && r.metrics);
  const base = cur >= 0 ? cur : Math.max(0, list.findIndex((r) => r.metrics));
  const kernels = [...new Set(list.flatMap((r) => (r.kernel ? [r.kernel] : [])))];
  const byKernel = kernels.length > 1;
  // with kernels: each column against its design under the session's kernel (when that ran)
  const bases: Bases = byKernel
    ? list.map((r) => {
        const j = list.findIndex((o) => o.design === r.design && o.kernel === (currentKernel ?? list[base]?.kernel) && o.metrics);
        return j >= 0 ? j : base;
      })
    : base;
  // colour, pattern and marker by design, so a design's columns read as one across kernels
  const designOrder = [...new Set(list.map((r) => r.design))];
  const columns: DesignColumn[] = list.map((r, i) => {
    const series = (byKernel ? designOrder.indexOf(r.design) : i) % 4;
    return {
      design: r.design,
      ...(r.kernel ? { kernel: r.kernel } : {}),
      label: runLabel(r),
      current: isCurrent(r),
      baseline: i === base,
      series,
      // with kernels, the pattern tells the kernel apart (solid, hatch, ...)
      pattern: SERIES_PATTERNS[byKernel && r.kernel ? kernels.indexOf(r.kernel) % 4 : series]!,
      marker: SERIES_MARKERS[series]!,
      ...(r.metrics ? {} : { error: r.error ?? 'did not run' }),
    };
  });
  const symbols = [...new Set(list.flatMap((r) => Object.keys(r.metrics?.calls ?? {})))].sort();
  return {
    scenario,
    current,
    designs: list.map(runLabel),
    kernels: kernels.length ? kernels : currentKernel ? [currentKernel] : [],
    columns,
    baseline: list[base] ? runLabel(list[base]) : '',
    sections: sections(list, bases),
    verdicts: verdictMatrix(list, bases),
    charts: [
      logChart('calls', 'calls per symbol', 'calls', symbols.map((s) => ({ label: s, symbol: s })), list, (m, s) => m.calls[s] ?? 0, (v) => count(v, 'call'), countTick),
      logChart('cost', 'simulated cost', 'simulated time', [{ label: 'all events' }], list, (m) => m.cost, formatNs, (v) => (v === 0 ? '0' : formatNs(v))),
    ],
  };
}

// ------------------------------------------------------------ kernels inside each design's column

/**
 * How the view lays out kernels compared side by side (issue 15): 'stacked'
 * puts every kernel inside its design's column (one column per design, a
 * value shown once where the kernels agree, a line per kernel where they do
 * not), which keeps four designs within the width; 'columns' gives each
 * design · kernel its own column (what one design under two kernels reads
 * best as, or what a user picks).
 */
export type KernelLayout = 'stacked' | 'columns';

/** The layout to draw: the one picked, else stacked when more than one design runs under more than one kernel. */
export function kernelLayout(v: Pick<ComparisonView, 'columns' | 'kernels'>, picked?: KernelLayout): KernelLayout {
  const designs = new Set(v.columns.map((c) => c.design)).size;
  if (v.kernels.length < 2 || designs === v.columns.length) return 'columns';
  if (picked) return picked;
  return designs > 1 ? 'stacked' : 'columns';
}

/** One design's column in the stacked layout: its runs' column indices, in kernel order. */
export interface DesignGroup {
  design: string;
  /** indices into the view's columns, in the order of view.kernels */
  columns: number[];
  /** the kernel of each of those columns */
  kernels: string[];
  series: number;
  /** one of its runs is the session's */
  current: boolean;
  /** one of its runs is the baseline */
  baseline: boolean;
  /** the session's kernel when it is among this design's runs */
  currentKernel?: string;
}

/** The designs of a view with kernel columns, in the order the columns first name them. */
export function designGroups(v: Pick<ComparisonView, 'columns' | 'kernels'>): DesignGroup[] {
  const out = new Map<string, DesignGroup>();
  v.columns.forEach((c, i) => {
    let g = out.get(c.design);
    if (!g) {
      g = { design: c.design, columns: [], kernels: [], series: c.series, current: false, baseline: false };
      out.set(c.design, g);
    }
    g.columns.push(i);
    g.kernels.push(c.kernel ?? '');
    if (c.current) {
      g.current = true;
      if (c.kernel) g.currentKernel = c.kernel;
    }
    if (c.baseline) g.baseline = true;
  });
  const rank = (k: string) => (v.kernels.indexOf(k) < 0 ? v.kernels.length : v.kernels.indexOf(k));
  for (const g of out.values()) {
    const order = g.columns.map((c, i) => i).sort((a, b) => rank(g.kernels[a]!) - rank(g.kernels[b]!));
    g.columns = order.map((i) => g.columns[i]!);
    g.kernels = order.map((i) => g.kernels[i]!);
  }
  return [...out.values()];
}

/** A value of a stacked cell and the kernels that give it. */
export interface KernelPart {
  kernels: string[];
  cell: Cell;
}

/** A design's cell with every kernel's value: one part when they all agree, else a part per distinct value (in kernel order). */
export interface StackedCell {
  parts: KernelPart[];
  /** the kernels give different values */
  differs: boolean;
  /** the full value per kernel (the tooltip) */
  title: string;
}

/** Merge a design's cells under each kernel: identical values (tokens and quietness) become one part naming all their kernels. */
export function stackCells(cells: readonly Cell[], g: DesignGroup): StackedCell {
  const key = (c: Cell) => `${c.quiet ? '~' : ''}${c.tokens.join('\u0000')}`;
  const parts: KernelPart[] = [];
  const byKey = new Map<string, KernelPart>();
  g.columns.forEach((ci, i) => {
    const c = cells[ci];
    if (!c) return;
    const k = key(c);
    const hit = byKey.get(k);
    if (hit) {
      hit.kernels.push(g.kernels[i]!);
      // the part differs when any of its kernels' cells differs from the session kernel's
      if (c.diff) hit.cell = { ...hit.cell, diff: true };
      return;
    }
    const part = { kernels: [g.kernels[i]!], cell: { ...c, tokens: [...c.tokens] } };
    byKey.set(k, part);
    parts.push(part);
  });
  const title = parts.length === 1 ? parts[0]!.cell.title : g.columns.map((ci, i) => `${g.kernels[i]}: ${cells[ci]?.title ?? ''}`).join('\n');
  return { parts, differs: parts.length > 1, title };
}

/** A design's verdict under each kernel: one part when the kernels decide alike (outcome, signal, range), else a part per decision. */
export interface StackedVerdict {
  parts: { kernels: string[]; cell: VerdictCell; columns: number[] }[];
  differs: boolean;
}

export function stackVerdicts(cells: readonly VerdictCell[], g: DesignGroup): StackedVerdict {
  const key = (c: VerdictCell) => [c.outcome ?? '-', c.badge, ...c.signal, c.range ?? ''].join('\u0000');
  const parts: StackedVerdict['parts'] = [];
  const byKey = new Map<string, StackedVerdict['parts'][number]>();
  g.columns.forEach((ci, i) => {
    const c = cells[ci];
    if (!c) return;
    const hit = byKey.get(key(c));
    if (hit) {
      hit.kernels.push(g.kernels[i]!);
      hit.columns.push(ci);
      if (c.diff) hit.cell = { ...hit.cell, diff: true };
      return;
    }
    const part = { kernels: [g.kernels[i]!], cell: c, columns: [ci] };
    byKey.set(key(c), part);
    parts.push(part);
  });
  return { parts, differs: parts.length > 1 };
}

// ------------------------------------------------------------ the webview's check of what it was sent

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every((t) => typeof t === 'string');

/**
 * Check a ComparisonView a webview received (the structure the renderer
 * walks: columns, grid cells, verdict cells with a known outcome, charts).
 * Returns why it is not one, or undefined when it is.
 */
export function checkComparisonView(x: unknown): string | undefined {
  if (!isObj(x)) return 'view: not an object';
  if (typeof x.scenario !== 'string' || typeof x.current !== 'string' || typeof x.baseline !== 'string') return 'view: scenario, current and baseline must be strings';
  if (!isStrings(x.designs)) return 'view.designs: not a list of design names';
  if (!isStrings(x.kernels)) return 'view.kernels: not a list of kernel versions';
  const n = x.designs.length;
  if (!Array.isArray(x.columns) || x.columns.length !== n) return `view.columns: expected ${n} columns`;
  for (const [i, c] of x.columns.entries()) {
    if (!isObj(c) || typeof c.design !== 'string' || c.label !== x.designs[i] || (c.kernel !== undefined && typeof c.kernel !== 'string') || typeof c.series !== 'number' || !SERIES_PATTERNS.includes(c.pattern as SeriesPattern) || !SERIES_MARKERS.includes(c.marker as SeriesMarker)) return `view.columns[${i}]: not a design column of ${String(x.designs[i])}`;
  }
  const cellOk = (c: unknown) => isObj(c) && isStrings(c.tokens) && typeof c.title === 'string' && typeof c.quiet === 'boolean' && typeof c.diff === 'boolean';
  if (!Array.isArray(x.sections)) return 'view.sections: not a list';
  for (const [i, s] of x.sections.entries()) {
    if (!isObj(s) || typeof s.id !== 'string' || typeof s.title !== 'string' || !Array.isArray(s.rows)) return `view.sections[${i}]: not a section`;
    for (const [j, r] of s.rows.entries()) {
      if (!isObj(r) || typeof r.id !== 'string' || !isStrings(r.label) || !Array.isArray(r.cells) || r.cells.length !== n || !r.cells.every(cellOk)) return `view.sections[${i}].rows[${j}]: not a row of ${n} cells`;
    }
  }
  const vm = x.verdicts;
  if (!isObj(vm) || !Array.isArray(vm.rows)) return 'view.verdicts: not a verdict matrix';
  for (const [j, r] of vm.rows.entries()) {
    if (!isObj(r) || typeof r.id !== 'string' || typeof r.event !== 'string' || !isStrings(r.owner) || !isStrings(r.process) || !isStrings(r.mapping) || !Array.isArray(r.cells) || r.cells.length !== n) return `view.verdicts.rows[${j}]: not a verdict row of ${n} cells`;
    for (const [i, c] of r.cells.entries()) {
      if (!isObj(c) || (c.outcome !== null && !OUTCOMES.includes(c.outcome as VerdictOutcome))) return `view.verdicts.rows[${j}].cells[${i}]: outcome ${JSON.stringify(isObj(c) ? c.outcome : c)} is not one of ${OUTCOMES.join(', ')}`;
      if (typeof c.badge !== 'string' || typeof c.reason !== 'string' || typeof c.title !== 'string' || !isStrings(c.signal)) return `view.verdicts.rows[${j}].cells[${i}]: badge, reason, title or signal missing`;
      if (c.symbol !== null && (typeof c.symbol !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.]{0,127}$/.test(c.symbol))) return `view.verdicts.rows[${j}].cells[${i}]: symbol ${JSON.stringify(c.symbol)} is not a kernel identifier`;
      if (c.span !== null && (typeof c.span !== 'number' || !Number.isSafeInteger(c.span) || c.span < 0)) return `view.verdicts.rows[${j}].cells[${i}]: span ${JSON.stringify(c.span)} is not a span id`;
    }
  }
  if (!Array.isArray(x.charts)) return 'view.charts: not a list';
  for (const [i, ch] of x.charts.entries()) {
    if (!isObj(ch) || typeof ch.title !== 'string' || !Array.isArray(ch.ticks) || !Array.isArray(ch.groups)) return `view.charts[${i}]: not a chart`;
    for (const g of ch.groups) if (!isObj(g) || typeof g.label !== 'string' || !Array.isArray(g.bars) || !g.bars.every((b) => isObj(b) && typeof b.value === 'number' && typeof b.fraction === 'number' && b.fraction >= 0 && b.fraction <= 1)) return `view.charts[${i}]: a group is not a list of bars with fractions 0..1`;
  }
  return undefined;
}
