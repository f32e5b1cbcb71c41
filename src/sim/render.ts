// Text renderings of run reports for a terminal: the routing in words (`run`),
// the failures of `check`, and the side-by-side table of `compare`. Pure: the
// caller decides whether to colour (only when stdout is a TTY) and passes it.

import type { DesignMetrics } from './compare';
import type { ExpectationResult, ReportEvent, ReportSignal, RunReport, Span } from './report';
import { describeSignal } from './expect';
import { hex } from './units';

export interface RenderOptions {
  /** ANSI colours; the CLI sets it only when stdout is a terminal */
  color?: boolean;
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

/** simulated nanoseconds as a kernel developer reads them: 1ms, 250us, 4.2us, 17ns */
export function formatTime(ns: number): string {
  const units: [number, string][] = [
    [1e9, 's'],
    [1e6, 'ms'],
    [1e3, 'us'],
  ];
  for (const [mult, name] of units) {
    if (Math.abs(ns) >= mult) {
      const v = ns / mult;
      return `${Number.isInteger(v) ? v : Number(v.toFixed(3))}${name}`;
    }
  }
  return `${ns}ns`;
}

/** an event's result: "0", "4096", "-EIO (-5)" */
export function formatResult(r: ReportEvent['result']): string {
  if (r.ret < 0) return r.errno ? `-${r.errno} (${r.ret})` : String(r.ret);
  return String(r.ret);
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

/** The routing in words: every event with its span tree, then the machine's state at the end. */
export function renderRouting(report: RunReport, opts?: RenderOptions): string {
  const p = paint(opts);
  const out: string[] = [];
  out.push(`${p.bold(report.scenario)}  ${p.dim(`(design ${report.design})`)}`);

  const spans = report.spans ?? [];
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
  const order = (a: Span, b: Span) => a.t - b.t || a.id - b.id;
  for (const list of children.values()) list.sort(order);
  roots.sort(order);

  const layerWidth = Math.max(0, ...spans.map((s) => s.layer.length));
  const printed = new Set<number>();
  const tree = (root: Span, indent: string): void => {
    const walk = (s: Span, depth: number) => {
      if (printed.has(s.id)) return;
      printed.add(s.id);
      const call = formatSpanCall(s);
      const failed = /^-E/.test(s.ret);
      out.push(`${indent}${p.dim(s.layer.padEnd(layerWidth))}  ${'  '.repeat(depth)}${failed ? p.yellow(call) : call}`);
      for (const c of children.get(s.id) ?? []) walk(c, depth + 1);
    };
    walk(root, 0);
  };

  const eventIds = new Set(report.events.map((e) => e.id));
  const rootsOf = (ev: ReportEvent): Span[] => {
    const list: Span[] = [];
    const main = ev.span !== null ? byId.get(ev.span) : undefined;
    if (main) list.push(main);
    for (const r of roots) if (r !== main && r.event === ev.id) list.push(r);
    return list;
  };
  // spans that belong to no event: faults at start (populate) before the first event, anything else after
  const claimed = new Set<number>();
  for (const ev of report.events) for (const r of rootsOf(ev)) claimed.add(r.id);
  const firstAt = report.events.length ? report.events[0]!.at : Infinity;
  const loose = roots.filter((r) => !claimed.has(r.id) && !(r.event !== undefined && eventIds.has(r.event)));
  const setup = loose.filter((r) => r.t < firstAt);
  const after = loose.filter((r) => r.t >= firstAt);

  if (setup.length) {
    out.push('', p.bold('setup'));
    for (const r of setup) tree(r, '    ');
  }
  for (const ev of report.events) {
    out.push('');
    const res = formatResult(ev.result);
    out.push(
      `${p.bold(p.cyan(ev.id))}  ${p.bold(ev.do)}  ${p.dim(`at ${formatTime(ev.at)}`)}  → ${ev.result.ret < 0 ? p.red(res) : res}`,
    );
    const rs = rootsOf(ev);
    if (!rs.length) out.push(`    ${p.dim('(nothing ran)')}`);
    for (const r of rs) tree(r, '    ');
  }
  if (after.length) {
    out.push('', p.bold('outside events'));
    for (const r of after) tree(r, '    ');
  }
  // anything unreachable from a root (a cycle in parents) still gets shown
  const rest = spans.filter((s) => !printed.has(s.id));
  if (rest.length) {
    out.push('', p.bold('other spans'));
    for (const s of rest.sort(order)) tree(s, '    ');
  }

  if (report.panic) out.push('', p.red(p.bold(`panic: ${report.panic}`)));

  out.push('', p.bold('signals'));
  if (!report.signals.length) out.push(`    ${p.dim('none')}`);
  for (const s of report.signals) {
    out.push(`    ${s.event}  ${describeSignalTo(s)}`);
  }

  out.push('', p.bold('dmesg'));
  if (!report.dmesg.length) out.push(`    ${p.dim('empty')}`);
  for (const l of report.dmesg) out.push(`    ${l}`);

  out.push('', p.bold('badblocks'));
  const bb = Object.entries(report.badblocks ?? {});
  const bbWidth = Math.max(0, ...bb.map(([k]) => k.length));
  if (!bb.length) out.push(`    ${p.dim('none')}`);
  for (const [dev, ranges] of bb) {
    out.push(`    ${dev.padEnd(bbWidth)}  ${ranges.length ? ranges.map(([s, c]) => `[${s}, ${c}]`).join(' ') : p.dim('none')}`);
  }

  if (report.hwpoison?.length) {
    out.push('', p.bold('hwpoison'));
    out.push(`    ${report.hwpoison.join(' ')}`);
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
  const fsWidth = Math.max(0, ...fss.map((f) => f.mount.length));
  if (!fss.length) out.push(`    ${p.dim('none')}`);
  for (const f of fss) {
    out.push(`    ${f.mount.padEnd(fsWidth)}  ${f.shutdown === null ? 'up' : p.red(`shut down: ${f.shutdown}`)}`);
  }

  out.push('', p.bold('calls'));
  const calls = Object.entries(report.calls ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const callWidth = Math.max(0, ...calls.map(([k]) => k.length));
  const countWidth = Math.max(0, ...calls.map(([, n]) => String(n).length));
  if (!calls.length) out.push(`    ${p.dim('none')}`);
  for (const [sym, n] of calls) out.push(`    ${sym.padEnd(callWidth)}  ${String(n).padStart(countWidth)}`);

  const exps = report.expectations ?? [];
  if (exps.length) {
    out.push('', p.bold('expectations'));
    for (const x of exps) out.push(...expectationLines(x, p));
    const failed = exps.filter((x) => !x.ok).length;
    out.push(`    ${exps.length - failed} passed, ${failed} failed`);
  }
  return out.join('\n') + '\n';
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
    const name = `${report.scenario}${file ? p.dim(` (${file})`) : ''}${report.design ? p.dim(` [${report.design}]`) : ''}`;
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

/** how long an error may be in its table cell; the whole text follows the table */
const ERROR_CELL = 40;

function signalKey(s: ReportSignal): string {
  let k = `pid ${s.pid} ${s.signo}`;
  if (s.code && s.code !== 'none') k += ` ${s.code}`;
  else if (s.signo === 'SIGBUS') k += ' (no code)';
  if (s.addr !== undefined) k += ` ${s.addr}`;
  if (s.lsb !== undefined) k += ` lsb ${s.lsb}`;
  return k;
}

/**
 * `compare`: a column per design; rows for the events' results, the signals
 * (pid code addr lsb; the cell names the events that sent it), filesystem
 * shutdown and calls by symbol. Rows where the designs differ are marked `*`.
 */
export function renderCompare(scenario: string, runs: readonly CompareRun[], opts?: RenderOptions): string {
  const p = paint(opts);
  type Row = { label: string; cells: string[] } | { section: string };
  const rows: Row[] = [];
  const n = runs.length;
  const cell = (f: (r: RunReport) => string) => runs.map((r) => (r.report ? f(r.report) : ''));

  if (runs.some((r) => r.error !== undefined)) {
    rows.push({
      label: 'error',
      cells: runs.map((r) =>
        r.error === undefined ? '' : r.error.length > ERROR_CELL ? r.error.slice(0, ERROR_CELL - 1) + '…' : r.error,
      ),
    });
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
        return e ? (e.result.ret < 0 && e.result.errno ? `-${e.result.errno}` : String(e.result.ret)) : 'not run';
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
    rows.push({ label: 'pages left mapped to bad media', cells: mcell((m) => String(m.pagesMappedToBadMedia)) });
    rows.push({ label: 'pages left mapped to a removed device', cells: mcell((m) => String(m.pagesMappedToRemovedDevice)) });
    rows.push({ section: 'cost' });
    rows.push({ label: 'simulated cost', cells: mcell((m) => formatTime(m.cost)) });
  }

  const symbols = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.report?.calls ?? {})) symbols.add(k);
  rows.push({ section: 'calls' });
  for (const sym of [...symbols].sort()) {
    rows.push({ label: sym, cells: cell((r) => String(r.calls[sym] ?? 0)) });
  }

  const labelWidth = Math.max(0, ...rows.map((r) => ('label' in r ? r.label.length + 2 : r.section.length)));
  const widths = runs.map((r, i) =>
    Math.max(r.design.length, ...rows.map((row) => ('cells' in row ? row.cells[i]!.length : 0))),
  );
  const ran = runs.map((r) => r.report !== undefined);
  const line = (marker: string, label: string, cells: string[], style?: (s: string) => string) => {
    const text = cells.map((c, i) => (i === n - 1 ? c : c.padEnd(widths[i]!))).join('  ');
    const l = `${marker} ${label.padEnd(labelWidth)}  ${text}`.trimEnd();
    return style ? style(l) : l;
  };

  const out: string[] = [];
  out.push(p.bold(scenario), '');
  out.push(line(' ', '', runs.map((r) => r.design), p.bold));
  for (const row of rows) {
    if ('section' in row) {
      out.push(p.bold(`  ${row.section}`));
      continue;
    }
    if (row.label === 'error') {
      out.push(line(' ', '  error', row.cells, p.red));
      continue;
    }
    const values = row.cells.filter((_, i) => ran[i]);
    const differ = values.some((v) => v !== values[0]);
    out.push(line(differ ? '*' : ' ', `  ${row.label}`, row.cells, differ ? p.yellow : undefined));
  }
  const longErrors = runs.filter((r) => r.error !== undefined && r.error.length > ERROR_CELL);
  if (longErrors.length) {
    out.push('');
    for (const r of longErrors) out.push(p.red(`${r.design}: ${r.error}`));
  }
  out.push('', p.dim('* the designs differ'));
  return out.join('\n') + '\n';
}
