// Text renderings of run reports for a terminal: the routing in words (`run`),
// the failures of `check`, and the side-by-side table of `compare`. Pure: the
// caller decides whether to colour (only when stdout is a TTY) and passes it.

import type { DesignMetrics } from './compare';
import { hwpoisonPages, type ExpectationResult, type ReportEvent, type ReportSignal, type ReportVerdict, type RunReport, type Span } from './report';
import { describeSignal } from './expect';
import { hex } from './units';
import { dmesgKeys } from '../protocol/comparison';
import { foldedRun, logPieces } from './dmesg';
import { DEFAULT_KERNEL_VERSION } from './version';

export interface RenderOptions {
  /** ANSI colours; the CLI sets it only when stdout is a terminal */
  color?: boolean;
  /** run: print the setup's spans (before the first event, or of no event) instead of one summary line */
  setup?: boolean;
  /** run: print each call tree down to this many levels (1: the root calls only); the calls below become "… N more calls" */
  depth?: number;
  /** compare: the width to fit, in columns (default 120) */
  width?: number;
  /** compare: one line per row however wide (no wrapping) */
  wide?: boolean;
  /** compare: what the columns are (the footer and the "all ..." rows say it): designs (default) or kernel versions */
  columns?: 'designs' | 'kernels';
  /** compare: rows for the log lines (each kind of dmesg line, per-pfn lines folded to their range and count) */
  dmesg?: boolean;
}

interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

function paint(opts: RenderOptions | undefined): Paint {
  const on = !!opts?.color;
  const wrap = (code: string) => (s: string) => (on && s ? `\x1b[${code}m${s}\x1b[0m` : s);
  return {
    bold: wrap('1'),
    dim: wrap('2'),
    red: wrap('31'),
    green: wrap('32'),
    yellow: wrap('33'),
    cyan: wrap('36'),
  };
}

// ---------------------------------------------------------------- values

/**
 * simulated nanoseconds as a kernel developer reads them, with the unit
 * spelled as the views spell it: "1 ms", "250 µs", "4.2 µs", "17 ns", "2 s"
 */
export function formatTime(ns: number): string {
  const units: [number, string][] = [
    [1e9, 's'],
    [1e6, 'ms'],
    [1e3, 'µs'],
  ];
  for (const [mult, name] of units) {
    if (Math.abs(ns) >= mult) {
      const v = ns / mult;
      return `${Number.isInteger(v) ? v : Number(v.toFixed(3))} ${name}`;
    }
  }
  return `${ns} ns`;
}

/** a byte count: "4 KiB", "2 MiB" when it is a whole number of them, else "4000 bytes" */
export function formatBytes(n: number): string {
  for (const [name, mult] of [
    ['TiB', 2 ** 40],
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (n !== 0 && Math.abs(n) >= mult && n % mult === 0) return `${n / mult} ${name}`;
  }
  return `${n} byte${n === 1 ? '' : 's'}`;
}

/** "1 page", "6 pages"; likewise for any counted noun */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/** an event's result: "0", "4096", "-EIO (-5)" */
export function formatResult(r: ReportEvent['result']): string {
  if (r.ret < 0) return r.errno ? `-${r.errno} (${r.ret})` : String(r.ret);
  return String(r.ret);
}

/** the events whose non-negative result is a byte count (read(2), write(2)) */
const BYTE_RESULTS = new Set(['read', 'write']);

/**
 * An event's result with its unit: "4096 bytes" for a read or write, "0"
 * for a return code, "-EIO (-5)" for an error. `short` drops the number of
 * an errno ("-EIO"), for table cells.
 */
export function formatEventResult(ev: Pick<ReportEvent, 'do' | 'result'>, short = false): string {
  const r = ev.result;
  if (r.stopped) return r.stopped.reason === 'oops' ? (short ? 'oops' : `never returned: oops in ${r.stopped.in}`) : short ? 'blocked' : `never returned: blocked in ${r.stopped.in}`;
  if (r.ret < 0) return r.errno ? (short ? `-${r.errno}` : `-${r.errno} (${r.ret})`) : String(r.ret);
  return BYTE_RESULTS.has(ev.do) ? `${r.ret} byte${r.ret === 1 ? '' : 's'}` : String(r.ret);
}

function formatArg(v: string | number | boolean): string {
  return String(v);
}

/** "memory_failure(pfn=0x240a01, flags=MF_ACTION_REQUIRED) = 0", or "symbol ×512 (args) = ret" when summarised */
export function formatSpanCall(s: Span): string {
  const args = Object.entries(s.args ?? {})
    .map(([k, v]) => `${k}=${formatArg(v)}`)
    .join(', ');
  if (s.count !== undefined) {
    return `${s.symbol} ×${s.count}${args ? ` (${args})` : ''}${s.ret !== '' ? ` = ${s.ret}` : ''}`;
  }
  return `${s.symbol}(${args})${s.ret !== '' ? ` = ${s.ret}` : ''}`;
}

const PLAIN_SCALAR = /^[A-Za-z0-9_./@+-][A-Za-z0-9_./@+:-]*$/;
const YAML_SPECIAL = /^(true|false|null|yes|no|on|off|~|-?\d+(\.\d+)?)$/i;

function yamlScalar(v: unknown): string {
  if (typeof v === 'string') {
    // hex strings stay bare: that is how a scenario writes an address
    if (/^0x[0-9a-f]+$/i.test(v)) return v;
    return PLAIN_SCALAR.test(v) && !YAML_SPECIAL.test(v) ? v : JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(yamlScalar).join(', ')}]`;
  if (v && typeof v === 'object') {
    const body = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${k}: ${yamlScalar(x)}`)
      .join(', ');
    return `{ ${body} }`;
  }
  return String(v);
}

/** An expectation as a YAML flow one-liner: `signal: { pid: 1001, code: BUS_MCEERR_AR }`. */
export function formatExpectation(expect: unknown): string {
  if (expect && typeof expect === 'object' && !Array.isArray(expect)) {
    return Object.entries(expect as Record<string, unknown>)
      .filter(([k, x]) => k !== 'path' && x !== undefined)
      .map(([k, x]) => `${k}: ${yamlScalar(x)}`)
      .join(', ');
  }
  return yamlScalar(expect);
}

/** "SIGBUS BUS_MCEERR_AR to reader:1001 at 0x7f0000001000 lsb 12" */
function describeSignalTo(s: ReportSignal): string {
  const head = describeSignal({ signo: s.signo, code: s.code });
  const tail = describeSignal({ signo: s.signo, code: s.code, addr: s.addr, lsb: s.lsb }).slice(head.length);
  return `${head} to ${s.comm ? `${s.comm}:${s.pid}` : `pid ${s.pid}`}${tail}`;
}

// ---------------------------------------------------------------- run

interface SpanForest {
  byId: Map<number, Span>;
  children: Map<number, Span[]>;
  roots: Span[];
}

function spanForest(spans: readonly Span[]): SpanForest {
  const byId = new Map<number, Span>();
  for (const s of spans) byId.set(s.id, s);
  const children = new Map<number, Span[]>();
  const roots: Span[] = [];
  for (const s of spans) {
    if (s.parent !== null && s.parent !== s.id && byId.has(s.parent)) {
      let list = children.get(s.parent);
      if (!list) children.set(s.parent, (list = []));
      list.push(s);
    } else {
      roots.push(s);
    }
  }
  for (const list of children.values()) list.sort(spanOrder);
  roots.sort(spanOrder);
  return { byId, children, roots };
}

function spanOrder(a: Span, b: Span): number {
  return a.t - b.t || a.id - b.id;
}

/** calls a span stands for: a summarised run of identical calls counts each */
function callsOf(s: Span): number {
  return s.count ?? 1;
}

/** every span under `root` (itself excluded), depth first */
function descendants(forest: SpanForest, root: Span): Span[] {
  const out: Span[] = [];
  const seen = new Set<number>([root.id]);
  const stack = [...(forest.children.get(root.id) ?? [])].reverse();
  while (stack.length) {
    const s = stack.pop()!;
    if (seen.has(s.id)) continue;
    seen.add(s.id);
    out.push(s);
    for (const c of [...(forest.children.get(s.id) ?? [])].reverse()) stack.push(c);
  }
  return out;
}

/**
 * Which spans are an event's and which are setup: an event owns its root
 * span and every root span tagged with its id; the rest (the machine being
 * built before the first event: probes, mkfs, mounts, mmap, MAP_POPULATE
 * faults; and any span tagged with no event) is setup.
 */
function splitSetup(report: RunReport, forest: SpanForest): { eventRoots: Map<string, Span[]>; setupRoots: Span[]; afterRoots: Span[] } {
  const eventIds = new Set(report.events.map((e) => e.id));
  const eventRoots = new Map<string, Span[]>();
  const claimed = new Set<number>();
  for (const ev of report.events) {
    const list: Span[] = [];
    const main = ev.span !== null ? forest.byId.get(ev.span) : undefined;
    if (main) list.push(main);
    for (const r of forest.roots) if (r !== main && r.event === ev.id) list.push(r);
    for (const r of list) claimed.add(r.id);
    eventRoots.set(ev.id, list);
  }
  const firstAt = report.events.length ? report.events[0]!.at : Infinity;
  const loose = forest.roots.filter((r) => !claimed.has(r.id) && !(r.event !== undefined && eventIds.has(r.event)));
  return { eventRoots, setupRoots: loose.filter((r) => r.t < firstAt), afterRoots: loose.filter((r) => r.t >= firstAt) };
}

/** what the setup's root calls did, by the noun a reader counts them in */
const SETUP_NOUNS: [symbols: string[], noun: string, nouns: string][] = [
  [['cxl_mem_probe'], 'CXL memdev', 'CXL memdevs'],
  [['cxl_pmem_region_probe'], 'CXL pmem region', 'CXL pmem regions'],
  [['pmem_attach_disk'], 'pmem disk', 'pmem disks'],
  [['dev_dax_probe'], 'device-dax instance', 'device-dax instances'],
  [['dm_table_supports_dax'], 'dm table', 'dm tables'],
  [['xfs_fs_fill_super', 'ext4_fill_super'], 'filesystem mounted', 'filesystems mounted'],
];

/**
 * What a run's setup did, in one line computed from its spans: what the root
 * calls built, the mappings and the faults that populated them, and how many
 * spans it is, e.g. "1 pmem disk, 1 filesystem mounted, 3 mappings populated
 * (48 faults), 391 spans". Empty when the run has no setup spans.
 */
export function setupSummary(report: RunReport): string {
  const forest = spanForest(report.spans ?? []);
  const { setupRoots, afterRoots } = splitSetup(report, forest);
  const hidden = [...setupRoots, ...afterRoots];
  return hidden.length ? summariseSetup(hidden, forest) : '';
}

function summariseSetup(roots: readonly Span[], forest: SpanForest): string {
  const parts: string[] = [];
  const bySymbol = new Map<string, number>();
  for (const r of roots) bySymbol.set(r.symbol, (bySymbol.get(r.symbol) ?? 0) + callsOf(r));
  const used = new Set<string>();
  for (const [symbols, noun, nouns] of SETUP_NOUNS) {
    const n = symbols.reduce((sum, s) => sum + (bySymbol.get(s) ?? 0), 0);
    for (const s of symbols) used.add(s);
    if (n) parts.push(plural(n, noun, nouns));
  }
  // mappings, and the faults MAP_POPULATE took on them: a mapping is a pid's vma
  const mmaps = bySymbol.get('do_mmap') ?? 0;
  used.add('do_mmap');
  used.add('do_user_addr_fault');
  const faults = roots.filter((r) => r.symbol === 'do_user_addr_fault');
  const faulted = new Set<string>();
  for (const f of faults) {
    // a summary of runs faulted quietly names its vma itself
    const vma = f.args.vma ?? descendants(forest, f).find((d) => d.symbol === 'handle_mm_fault')?.args.vma;
    faulted.add(`${f.args.pid ?? '?'}/${vma ?? '?'}`);
  }
  const nFaults = faults.reduce((sum, f) => sum + callsOf(f), 0);
  if (mmaps || nFaults) {
    const populated = faulted.size;
    const faultText = plural(nFaults, 'fault');
    if (mmaps && populated === mmaps) parts.push(`${plural(mmaps, 'mapping')} populated (${faultText})`);
    else if (mmaps) parts.push(`${plural(mmaps, 'mapping')}${populated ? `, ${populated} populated (${faultText})` : ''}`);
    else parts.push(faultText);
  }
  const other = roots.filter((r) => !used.has(r.symbol)).reduce((sum, r) => sum + callsOf(r), 0);
  if (other) parts.push(`${plural(other, 'other call')}`);
  const spans = roots.length + roots.reduce((sum, r) => sum + descendants(forest, r).length, 0);
  parts.push(plural(spans, 'span'));
  return parts.join(', ');
}

/** "AR", "none": one line per verdict, its columns aligned within the event */
function verdictLines(verdicts: readonly ReportVerdict[], p: Paint, indent: string): string[] {
  const rows = verdicts.map((v) => ({
    outcome: v.outcome,
    who: verdictWho(v),
    owner: verdictOwner(v),
    why: `${v.reason}  [${v.symbol}, ${v.span === null ? 'no span' : `span ${v.span}`}]`,
  }));
  const w = (f: (r: (typeof rows)[number]) => string) => Math.max(0, ...rows.map((r) => f(r).length));
  const ow = w((r) => r.outcome);
  const ww = w((r) => r.who);
  const xw = w((r) => r.owner);
  return rows.map((r) => {
    const told = r.outcome !== 'none' && r.outcome !== 'unmapped only';
    const outcome = r.outcome.padEnd(ow);
    return `${indent}${told ? p.yellow(outcome) : p.dim(outcome)}  ${r.who.padEnd(ww)}  ${r.owner.padEnd(xw)}  ${r.why}`;
  });
}

/** "watcher:1002 m0", or "(not mapped)" for an owner no process maps */
export function verdictWho(v: ReportVerdict): string {
  if (v.pid === null) return '(not mapped)';
  return `${v.comm ? `${v.comm}:${v.pid}` : `pid ${v.pid}`}${v.mapping ? ` ${v.mapping}` : ''}`;
}

/** "/mnt/pmem/poisonfile [0x0, 0x1000) 4 KiB": the owner and the part of it that failed */
export function verdictOwner(v: ReportVerdict): string {
  const o = v.owner;
  const name = 'file' in o ? o.file : o.device;
  return `${name} [${hex(o.start)}, ${hex(o.end)}) ${formatBytes(o.end - o.start)}`;
}

/** badblocks as sysfs lists them, with units: "sector 42, 8 sectors (4 KiB)" */
function formatBadblock([sector, count]: [number, number]): string {
  return `sector ${sector}, ${plural(count, 'sector')} (${formatBytes(count * 512)})`;
}

/**
 * The routing in words: every event with its span tree and its verdicts,
 * then the machine's state at the end. Setup (spans before the first event
 * and spans of no event) is one summary line unless `opts.setup`; call trees
 * stop at `opts.depth` levels, the calls below summarised.
 */
export function renderRouting(report: RunReport, opts?: RenderOptions): string {
  const parts: string[] = [];
  writeRouting(report, (chunk) => parts.push(chunk), opts);
  return parts.join('');
}

/** the widest of some strings, without spreading them into a call */
function widest(xs: Iterable<string>): number {
  let w = 0;
  for (const x of xs) if (x.length > w) w = x.length;
  return w;
}

/**
 * Lines written out in chunks of about 64 KiB as they are made, so a report
 * with a million lines never becomes one string.
 */
class LineSink {
  private buf: string[] = [];
  private size = 0;
  constructor(private readonly emit: (chunk: string) => void) {}
  push(...lines: string[]): void {
    for (const l of lines) {
      this.buf.push(l);
      this.size += l.length + 1;
    }
    if (this.size >= 65536) this.flush();
  }
  flush(): void {
    if (this.buf.length) this.emit(this.buf.join('\n') + '\n');
    this.buf = [];
    this.size = 0;
  }
}

/** renderRouting, written out to `emit` in chunks as it goes (the CLI's `run`) */
export function writeRouting(report: RunReport, emit: (chunk: string) => void, opts?: RenderOptions): void {
  const p = paint(opts);
  const out = new LineSink(emit);
  out.push(`${p.bold(report.scenario)}  ${p.dim(`(design ${report.design}, kernel ${report.kernel?.version ?? DEFAULT_KERNEL_VERSION})`)}`);

  const spans = report.spans ?? [];
  const forest = spanForest(spans);
  const maxDepth = opts?.depth !== undefined && opts.depth >= 1 ? Math.floor(opts.depth) : Infinity;
  const layerWidth = widest(spans.map((s) => s.layer));
  const printed = new Set<number>();
  const tree = (root: Span, indent: string): void => {
    const walk = (s: Span, depth: number) => {
      if (printed.has(s.id)) return;
      printed.add(s.id);
      const call = formatSpanCall(s);
      const failed = /^-E/.test(s.ret);
      out.push(`${indent}${p.dim(s.layer.padEnd(layerWidth))}  ${'  '.repeat(depth)}${failed ? p.yellow(call) : call}`);
      const kids = (forest.children.get(s.id) ?? []).filter((c) => !printed.has(c.id));
      if (!kids.length) return;
      if (depth + 1 >= maxDepth) {
        const below = descendants(forest, s).filter((d) => !printed.has(d.id));
        for (const d of below) printed.add(d.id);
        const n = below.reduce((sum, d) => sum + callsOf(d), 0);
        out.push(`${indent}${' '.repeat(layerWidth)}  ${'  '.repeat(depth + 1)}${p.dim(`… ${n} more call${n === 1 ? '' : 's'}`)}`);
        return;
      }
      for (const c of kids) walk(c, depth + 1);
    };
    walk(root, 0);
  };
  const hide = (roots: Span[]) => {
    for (const r of roots) {
      printed.add(r.id);
      for (const d of descendants(forest, r)) printed.add(d.id);
    }
  };

  const { eventRoots, setupRoots, afterRoots } = splitSetup(report, forest);
  const hidden = [...setupRoots, ...afterRoots];
  if (hidden.length) {
    const summary = summariseSetup(hidden, forest);
    if (opts?.setup) {
      out.push('', `${p.bold('setup')}${p.dim(`: ${summary}`)}`);
      for (const r of setupRoots) tree(r, '    ');
    } else {
      out.push('', `${p.bold('setup')}: ${summary} hidden ${p.dim('(--setup to show)')}`);
      hide(hidden);
    }
  }
  const verdicts = report.verdicts ?? [];
  for (const ev of report.events) {
    out.push('');
    const res = formatEventResult(ev);
    out.push(
      `${p.bold(p.cyan(ev.id))}  ${p.bold(ev.do)}  ${p.dim(`at ${formatTime(ev.at)}`)}  → ${ev.result.ret < 0 ? p.red(res) : res}`,
    );
    const rs = eventRoots.get(ev.id) ?? [];
    if (!rs.length) out.push(`    ${p.dim('(nothing ran)')}`);
    for (const r of rs) tree(r, '    ');
    const vs = verdicts.filter((v) => v.event === ev.id);
    if (vs.length) {
      out.push(`  ${p.bold('verdicts')}`);
      for (const l of verdictLines(vs, p, '    ')) out.push(l);
    }
  }
  if (afterRoots.length && opts?.setup) {
    out.push('', p.bold('outside events'));
    for (const r of afterRoots) tree(r, '    ');
  }
  // anything unreachable from a root (a cycle in parents) still gets shown
  const rest = spans.filter((s) => !printed.has(s.id));
  if (rest.length) {
    out.push('', p.bold('other spans'));
    for (const s of rest.sort(spanOrder)) tree(s, '    ');
  }

  if (report.panic) out.push('', p.red(p.bold(`panic: ${report.panic}`)));

  out.push('', p.bold('signals'));
  if (!report.signals.length) out.push(`    ${p.dim('none')}`);
  for (const s of report.signals) {
    out.push(`    ${s.event}  ${describeSignalTo(s)}`);
  }

  out.push('', p.bold('dmesg'));
  if (!report.dmesg.length) out.push(`    ${p.dim('empty')}`);
  // a run of the log store as one line per line of its members: the count, each number first..last
  for (const piece of logPieces(report.dmesg)) {
    if (piece.kind === 'line') out.push(`    ${piece.line}`);
    else for (const l of foldedRun(piece)) out.push(`    ${l}`);
  }

  out.push('', p.bold('badblocks'));
  const bb = Object.entries(report.badblocks ?? {});
  const bbWidth = widest(bb.map(([k]) => k));
  if (!bb.length) out.push(`    ${p.dim('none')}`);
  for (const [dev, ranges] of bb) {
    out.push(`    ${dev.padEnd(bbWidth)}  ${ranges.length ? ranges.map(formatBadblock).join('; ') : p.dim('none')}`);
  }

  if (report.hwpoison?.length) {
    out.push('', p.bold('hwpoison'));
    out.push(`    ${plural(hwpoisonPages(report.hwpoison), 'page')}: pfn ${report.hwpoison.join(' ')}`);
  }

  if (report.cxlPoison?.length) {
    // tracefs events/cxl/cxl_poison, one line per record, in the order the kernel emitted them
    out.push('', p.bold('cxl_poison'));
    for (const r of report.cxlPoison) {
      out.push(`    ${r.event}  ${r.memdev} host=${r.host} ${r.traceType} region=${r.region || '(none)'} hpa=${r.hpa} dpa=${r.dpa} dpa_length=${hex(r.dpaLength)} source=${r.source}`);
    }
  }

  out.push('', p.bold('filesystems'));
  const fss = report.filesystems ?? [];
  const fsWidth = widest(fss.map((f) => f.mount));
  if (!fss.length) out.push(`    ${p.dim('none')}`);
  for (const f of fss) {
    out.push(`    ${f.mount.padEnd(fsWidth)}  ${f.shutdown === null ? 'up' : p.red(`shut down: ${f.shutdown}`)}`);
  }

  out.push('', p.bold('calls'));
  const calls = Object.entries(report.calls ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const callWidth = widest(calls.map(([k]) => k));
  const countWidth = widest(calls.map(([, n]) => String(n)));
  if (!calls.length) out.push(`    ${p.dim('none')}`);
  for (const [sym, n] of calls) out.push(`    ${sym.padEnd(callWidth)}  ${String(n).padStart(countWidth)}`);

  const exps = report.expectations ?? [];
  if (exps.length) {
    out.push('', p.bold('expectations'));
    for (const x of exps) for (const l of expectationLines(x, p)) out.push(l);
    const failed = exps.filter((x) => !x.ok).length;
    out.push(`    ${exps.length - failed} passed, ${failed} failed`);
  }
  out.flush();
}

function expectationLines(x: ExpectationResult, p: Paint): string[] {
  const head = `    ${x.ok ? p.green('ok  ') : p.red('FAIL')}  ${x.where}  ${formatExpectation(x.expect)}`;
  return x.ok || !x.detail ? [head] : [head, `            ${x.detail}`];
}

// ---------------------------------------------------------------- check

export type CheckEntry = RunReport | { file: string; report: RunReport };

/**
 * The output of `check`: one line per scenario, every failed expectation with
 * where it was checked, the expectation as written and what happened, then
 * "N passed, N failed" counting expectations.
 */
export function renderCheck(entries: readonly CheckEntry[], opts?: RenderOptions): string {
  const p = paint(opts);
  const out: string[] = [];
  let passed = 0;
  let failed = 0;
  for (const entry of entries) {
    const report = 'report' in entry ? entry.report : entry;
    const file = 'report' in entry ? entry.file : undefined;
    const exps = report.expectations ?? [];
    const bad = exps.filter((x) => !x.ok);
    passed += exps.length - bad.length;
    failed += bad.length;
    // the kernel only when it is not the default, so that a check of 6.12 reads as it always did
    const kernel = report.kernel && report.kernel.version !== DEFAULT_KERNEL_VERSION ? `, kernel ${report.kernel.version}` : '';
    const name = `${report.scenario}${file ? p.dim(` (${file})`) : ''}${report.design ? p.dim(` [${report.design}${kernel}]`) : ''}`;
    if (!exps.length) {
      out.push(`${p.dim('--  ')}  ${name}: no expectations`);
      continue;
    }
    if (!bad.length) {
      out.push(`${p.green('ok  ')}  ${name}: ${exps.length} expectation${exps.length === 1 ? '' : 's'}`);
      continue;
    }
    out.push(`${p.red('FAIL')}  ${name}: ${bad.length} of ${exps.length} expectation${exps.length === 1 ? '' : 's'} failed`);
    if (report.panic) out.push(`      ${p.red(`the run ended in a panic: ${report.panic}`)}`);
    for (const x of bad) {
      out.push(`      at ${p.bold(x.where)}: ${formatExpectation(x.expect)}`);
      if (x.detail) out.push(`        ${x.detail}`);
    }
  }
  const summary = `${passed} passed, ${failed} failed`;
  out.push(failed ? p.red(summary) : p.green(summary));
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------- compare

export interface CompareRun {
  design: string;
  /** the report, when the run finished */
  report?: RunReport;
  /** what the run threw, when it did not */
  error?: string;
  /** what the design reached, missed and cost (compare) */
  metrics?: DesignMetrics;
}

/** the width `compare` fits when it is not told the terminal's */
export const COMPARE_WIDTH = 120;

/** --wide: how long an error may be in its table cell; the whole text follows the table */
const ERROR_CELL = 40;

function signalKey(s: ReportSignal): string {
  let k = `pid ${s.pid} ${s.signo}`;
  if (s.code && s.code !== 'none') k += ` ${s.code}`;
  else if (s.signo === 'SIGBUS') k += ' (no code)';
  if (s.addr !== undefined) k += ` ${s.addr}`;
  if (s.lsb !== undefined) k += ` lsb ${s.lsb}`;
  return k;
}

type CompareRow = { label: string; cells: string[]; error?: boolean } | { section: string };

/**
 * `compare`: a column per design; rows for the events' results, the signals
 * (pid code addr lsb; the cell names the events that sent it), the verdicts
 * of each event (an owner's mapper per row, its outcome per design),
 * filesystem shutdown, reach, cost and calls by symbol. Rows where the
 * designs differ are marked `*`. The table fits `opts.width` columns (120
 * by default): cells wrap between words (never inside one), and a row whose
 * words do not fit its columns lists the designs one per line; `opts.wide`
 * keeps one line per row however wide.
 */
export function renderCompare(scenario: string, runs: readonly CompareRun[], opts?: RenderOptions): string {
  const p = paint(opts);
  const wide = !!opts?.wide;
  const rows: CompareRow[] = [];
  const cell = (f: (r: RunReport) => string) => runs.map((r) => (r.report ? f(r.report) : ''));

  if (runs.some((r) => r.error !== undefined)) {
    // the first line (an internal error's stack stays on stderr)
    rows.push({ label: 'error', error: true, cells: runs.map((r) => (r.error ?? '').split('\n')[0]!.trim()) });
  }
  if (runs.some((r) => r.report?.panic)) rows.push({ label: 'panic', cells: cell((r) => r.panic ?? '-') });

  // events, in the order the first run that has them lists them
  const eventIds: string[] = [];
  const eventDo = new Map<string, string>();
  for (const r of runs) {
    for (const e of r.report?.events ?? []) {
      if (!eventDo.has(e.id)) {
        eventIds.push(e.id);
        eventDo.set(e.id, e.do);
      }
    }
  }
  rows.push({ section: 'results' });
  for (const id of eventIds) {
    rows.push({
      label: `${id} ${eventDo.get(id)}`,
      cells: cell((r) => {
        const e = r.events.find((x) => x.id === id);
        return e ? formatEventResult(e, true) : 'not run';
      }),
    });
  }

  const sigKeys: string[] = [];
  for (const r of runs) for (const s of r.report?.signals ?? []) if (!sigKeys.includes(signalKey(s))) sigKeys.push(signalKey(s));
  rows.push({ section: 'signals' });
  if (!sigKeys.length) rows.push({ label: 'none', cells: cell(() => '') });
  for (const k of sigKeys) {
    rows.push({
      label: k,
      cells: cell((r) => {
        const evs = r.signals.filter((s) => signalKey(s) === k).map((s) => s.event);
        return evs.length ? [...new Set(evs)].join(',') : '-';
      }),
    });
  }

  // verdicts: per event, one row per (owner, mapper), the outcome under each design
  for (const id of eventIds) {
    const keys: string[] = [];
    for (const r of runs) {
      for (const v of r.report?.verdicts ?? []) {
        const k = `${verdictWho(v)} ${verdictOwner(v)}`;
        if (v.event === id && !keys.includes(k)) keys.push(k);
      }
    }
    if (!keys.length) continue;
    rows.push({ section: `verdicts ${id} ${eventDo.get(id)}` });
    for (const k of keys) {
      rows.push({
        label: k,
        cells: cell((r) => r.verdicts.find((v) => v.event === id && `${verdictWho(v)} ${verdictOwner(v)}` === k)?.outcome ?? '-'),
      });
    }
  }

  const mounts: string[] = [];
  for (const r of runs) for (const f of r.report?.filesystems ?? []) if (!mounts.includes(f.mount)) mounts.push(f.mount);
  if (mounts.length) {
    rows.push({ section: 'filesystem shutdown' });
    for (const m of mounts) {
      rows.push({
        label: m,
        cells: cell((r) => {
          const f = r.filesystems.find((x) => x.mount === m);
          return f ? (f.shutdown ?? 'none') : '-';
        }),
      });
    }
  }

  if (runs.some((r) => r.metrics)) {
    const mcell = (f: (m: DesignMetrics) => string) => runs.map((r) => (r.metrics ? f(r.metrics) : ''));
    const owners = (l: DesignMetrics['ownersNotified']) => (l.length ? [...new Set(l.map((o) => `${o.file}@${o.event}`))].join(' ') : '-');
    rows.push({ section: 'reach' });
    rows.push({ label: 'owners notified', cells: mcell((m) => owners(m.ownersNotified)) });
    rows.push({ label: 'owners missed', cells: mcell((m) => owners(m.ownersMissed)) });
    rows.push({ label: 'pages left mapped to bad media', cells: mcell((m) => plural(m.pagesMappedToBadMedia, 'page')) });
    rows.push({ label: 'pages left mapped to a removed device', cells: mcell((m) => plural(m.pagesMappedToRemovedDevice, 'page')) });
    rows.push({ section: 'cost' });
    rows.push({ label: 'simulated cost', cells: mcell((m) => formatTime(m.cost)) });
  }

  if (opts?.dmesg) {
    // each kind of line once, per-pfn "Memory failure:" lines folded to their range and count (as the comparison view)
    const keysPer = runs.map((r) => (r.report ? dmesgKeys(r.report.dmesg) : []));
    const templates: string[] = [];
    for (const l of keysPer) for (const k of l) if (!templates.includes(k.template)) templates.push(k.template);
    rows.push({ section: 'log lines' });
    if (!templates.length) rows.push({ label: 'none', cells: cell(() => '') });
    for (const t of templates) {
      rows.push({
        label: t,
        cells: runs.map((r, i) => {
          if (!r.report) return '';
          const k = keysPer[i]!.find((x) => x.template === t);
          if (!k) return '-';
          const range = k.pfns ? (k.pfns[0] === k.pfns[1] ? `pfn ${hex(k.pfns[0])} ` : `pfns ${hex(k.pfns[0])}-${hex(k.pfns[1])} `) : '';
          return `${range}${k.lines === 1 ? '1 line' : `${k.lines} lines`}`;
        }),
      });
    }
  }

  const symbols = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.report?.calls ?? {})) symbols.add(k);
  rows.push({ section: 'calls' });
  for (const sym of [...symbols].sort()) {
    rows.push({ label: sym, cells: cell((r) => String(r.calls[sym] ?? 0)) });
  }

  const ran = runs.map((r) => r.report !== undefined);
  const differs = (row: { cells: string[]; error?: boolean }) => {
    if (row.error) return false;
    const values = row.cells.filter((_, i) => ran[i]);
    return values.some((v) => v !== values[0]);
  };
  const names = runs.map((r) => r.design);
  const width = Math.max(40, Math.floor(opts?.width ?? COMPARE_WIDTH));
  const noun = opts?.columns === 'kernels' ? 'kernels' : 'designs';
  const body = wide ? oneLineTable(rows, names, differs, p) : fittedTable(rows, names, differs, width, p, noun);

  const out: string[] = [];
  out.push(p.bold(scenario), '');
  out.push(...body);
  const longErrors = wide ? runs.filter((r) => r.error !== undefined && r.error.length > ERROR_CELL) : [];
  if (longErrors.length) {
    out.push('');
    for (const r of longErrors) out.push(p.red(`${r.design}: ${r.error}`));
  }
  out.push('', p.dim(`* the ${noun} differ`));
  return out.join('\n') + '\n';
}

type DataRow = { label: string; cells: string[]; error?: boolean };

/** --wide: one line per row, each column as wide as its widest cell */
function oneLineTable(rows: CompareRow[], names: string[], differs: (r: DataRow) => boolean, p: Paint): string[] {
  const n = names.length;
  const shown = rows.map((r) =>
    'cells' in r && r.error ? { ...r, cells: r.cells.map((c) => (c.length > ERROR_CELL ? c.slice(0, ERROR_CELL - 1) + '…' : c)) } : r,
  );
  const labelWidth = Math.max(0, ...shown.map((r) => ('label' in r ? r.label.length + 2 : r.section.length)));
  const widths = names.map((name, i) => Math.max(name.length, ...shown.map((row) => ('cells' in row ? row.cells[i]!.length : 0))));
  const line = (marker: string, label: string, cells: string[]) =>
    `${marker} ${label.padEnd(labelWidth)}  ${cells.map((c, i) => (i === n - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  const out = [p.bold(line(' ', '', names))];
  for (const row of shown) {
    if ('section' in row) out.push(p.bold(`  ${row.section}`));
    else if (row.error) out.push(p.red(line(' ', `  ${row.label}`, row.cells)));
    else {
      const d = differs(row);
      const l = line(d ? '*' : ' ', `  ${row.label}`, row.cells);
      out.push(d ? p.yellow(l) : l);
    }
  }
  return out;
}

/** where a line may break: after a space (dropped) or after a `|` (kept: SHUTDOWN_A|SHUTDOWN_B) */
interface Piece {
  text: string;
  /** a space separates it from the piece before */
  space: boolean;
}

/** a number and its unit stay on one line ("4 KiB", "2.05 µs", "6 pages"), as do the ends of a range ("[0x0, 0x1000)") */
const UNIT = /^(bytes?|[KMGT]iB|ns|µs|ms|s|pages?|sectors?|faults?|calls?)$/;

function piecesOf(s: string): Piece[] {
  const out: Piece[] = [];
  for (const word of s.split(/\s+/)) {
    if (!word) continue;
    const last = out[out.length - 1];
    if (last && ((UNIT.test(word) && /^-?\d+(\.\d+)?$/.test(last.text)) || (/^\[[^\]]*,$/.test(last.text) && /^[^[]*[)\]]$/.test(word)))) {
      last.text += ` ${word}`;
      continue;
    }
    word.split(/(?<=\|)/).forEach((text, j) => out.push({ text, space: j === 0 && out.length > 0 }));
  }
  return out;
}

function longestPiece(s: string): number {
  return Math.max(0, ...piecesOf(s).map((x) => x.text.length));
}

/**
 * `s` in lines of at most `width`, broken only between pieces. undefined
 * when a piece is longer than `width`, unless `overflow` (then it gets a
 * line of its own, longer than `width`).
 */
export function wrapWords(s: string, width: number, overflow = false): string[] | undefined {
  const lines: string[] = [];
  let cur = '';
  for (const pc of piecesOf(s)) {
    if (pc.text.length > width && !overflow) return undefined;
    const add = cur && pc.space ? ` ${pc.text}` : pc.text;
    if (cur && cur.length + add.length > width) {
      lines.push(cur);
      cur = pc.text;
    } else {
      cur += add;
    }
  }
  lines.push(cur);
  return lines;
}

/** a row label: the first line after 2 spaces, the rest after 4 */
function wrapLabel(label: string, width: number, overflow = false): string[] | undefined {
  const one = wrapWords(label, width - 2, overflow);
  if (one && one.length === 1) return [`  ${one[0]}`];
  const lines = wrapWords(label, width - 4, overflow);
  return lines?.map((l, i) => (i ? `    ${l}` : `  ${l}`));
}

/**
 * Column widths that add up to at most `avail`: each at least its minimum
 * and at most its natural width, the narrow ones whole and the wide ones
 * cut to one common cap. undefined when even the minimums do not fit.
 */
function shareWidths(mins: number[], nats: number[], avail: number): number[] | undefined {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  if (sum(mins) > avail) return undefined;
  if (sum(nats) <= avail) return [...nats];
  const at = (cap: number) => nats.map((nat, i) => Math.max(mins[i]!, Math.min(nat, cap)));
  let lo = 0;
  let hi = Math.max(...nats);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (sum(at(mid)) <= avail) lo = mid;
    else hi = mid - 1;
  }
  const widths = at(lo);
  let spare = avail - sum(widths);
  for (let i = 0; i < widths.length && spare > 0; i++) {
    if (widths[i]! < nats[i]!) {
      widths[i]!++;
      spare--;
    }
  }
  return widths;
}

/**
 * The table within `width` columns. Each row is laid out as columns, its
 * label and cells wrapped between words, when every word fits its column;
 * otherwise as the label on a line and one line per design below it. The
 * label column's width is the one that gives the fewest lines.
 */
function fittedTable(rows: CompareRow[], names: string[], differs: (r: DataRow) => boolean, width: number, p: Paint, noun = 'designs'): string[] {
  const n = names.length;
  const data = rows.filter((r): r is DataRow => 'cells' in r);
  const labelNat = Math.max(0, ...data.map((r) => r.label.length + 2), ...rows.map((r) => ('section' in r ? r.section.length : 0)));
  const colNat = names.map((name, i) => Math.max(name.length, ...data.map((r) => r.cells[i]!.length)));
  const fixed = 2 + 2 * n;
  const nameWidth = Math.max('all that ran'.length, ...names.map((x) => x.length));
  const valueWidth = Math.max(10, width - 8 - nameWidth - 2);

  type Layout = { label: number; cols: number[] };
  const columnLines = (row: DataRow, l: Layout): { label: string[]; cells: string[][] } | undefined => {
    const label = wrapLabel(row.label, l.label);
    if (!label) return undefined;
    const cells: string[][] = [];
    for (let i = 0; i < n; i++) {
      const c = wrapWords(row.cells[i]!, l.cols[i]!);
      if (!c) return undefined;
      cells.push(c);
    }
    return { label, cells };
  };
  // the same value under every design (that ran: a failed run's cell is empty) is printed once
  const allSame = (row: DataRow) => {
    const given = row.cells.filter((c) => c !== '');
    return n > 1 && given.length > 1 && given.every((c) => c === given[0]);
  };
  const sameName = (row: DataRow) => (row.cells.every((c) => c !== '') ? `all ${noun}` : 'all that ran');
  const rowsLines = (row: DataRow): number => {
    const label = wrapLabel(row.label, width - 2, true)!.length;
    if (allSame(row)) return label + wrapWords(row.cells.find((c) => c !== '')!, valueWidth, true)!.length;
    return label + row.cells.reduce((sum, c) => sum + (c === '' ? 0 : wrapWords(c, valueWidth, true)!.length), 0);
  };
  const cost = (l: Layout) =>
    data.reduce((sum, row) => {
      const c = columnLines(row, l);
      return sum + (c ? Math.max(c.label.length, ...c.cells.map((x) => x.length)) : rowsLines(row));
    }, 0);

  let best: { layout: Layout; cost: number } | undefined;
  const labelMin = Math.min(labelNat, Math.max(0, ...data.map((r) => longestPiece(r.label))) + 4);
  for (let label = labelMin; label <= labelNat; label++) {
    const cols = shareWidths(names.map((x) => x.length), colNat, width - fixed - label);
    if (!cols) continue;
    const layout = { label, cols };
    const c = cost(layout);
    if (!best || c < best.cost) best = { layout, cost: c };
  }

  const out: string[] = [];
  const styled = (row: DataRow, d: boolean) => (l: string) => (row.error ? p.red(l) : d ? p.yellow(l) : l);
  if (best) {
    const { label: lw, cols } = best.layout;
    out.push(p.bold(`  ${''.padEnd(lw)}  ${names.map((x, i) => (i === n - 1 ? x : x.padEnd(cols[i]!))).join('  ')}`.trimEnd()));
  }
  for (const row of rows) {
    if ('section' in row) {
      out.push(p.bold(`  ${row.section}`));
      continue;
    }
    const d = differs(row);
    const style = styled(row, d);
    const c = best ? columnLines(row, best.layout) : undefined;
    if (c && best) {
      const { label: lw, cols } = best.layout;
      const height = Math.max(c.label.length, ...c.cells.map((x) => x.length));
      for (let k = 0; k < height; k++) {
        const marker = k === 0 && d ? '*' : ' ';
        const cells = c.cells.map((x, i) => (i === n - 1 ? (x[k] ?? '') : (x[k] ?? '').padEnd(cols[i]!)));
        out.push(style(`${marker} ${(c.label[k] ?? '').padEnd(lw)}  ${cells.join('  ')}`.trimEnd()));
      }
      continue;
    }
    // the designs as rows under the label
    const label = wrapLabel(row.label, width - 2, true)!;
    label.forEach((l, k) => out.push(style(`${k === 0 && d ? '*' : ' '} ${l}`)));
    // a design with nothing in this row (one whose run failed) is left out
    const sub = allSame(row) ? [{ name: sameName(row), value: row.cells.find((c) => c !== '')! }] : names.map((name, i) => ({ name, value: row.cells[i]! })).filter((x) => x.value !== '');
    const nw = Math.max(nameWidth, ...sub.map((x) => x.name.length));
    for (const { name, value } of sub) {
      const lines = wrapWords(value, valueWidth, true)!;
      lines.forEach((l, k) => out.push(style(`        ${(k === 0 ? name : '').padEnd(nw)}  ${l}`.trimEnd())));
    }
  }
  return out;
}
