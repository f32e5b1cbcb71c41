// npm run bench: the figures of issue 12's "Benchmarks that match use", as
// each section measures them, and the arithmetic and table of the summary
// that scripts/bench.mjs prints at the end of a run.
//
// A section prints its lines with `line()` as before (ok/MISS, name, value,
// target); a line that is one of the issue's figures also names it (`fig`),
// and when BENCH_RESULTS names a file (scripts/bench.mjs sets it) the line is
// appended to it as one JSON record, so the summary is built from what the
// sections measured in this run, not from their text.

import { appendFileSync } from 'node:fs';

/** the issue's figures, in the order the summary lists them */
export const FIGURES = {
  load: 'used machine: load (≤ 5 s, ≤ 500 MB added)',
  route: 'one poison routed (median ≤ 1 ms upstream, ≤ 10 ms others)',
  unbind: 'unbind of the namespace (≤ 1 s, exact calls)',
  json: 'run --json of the populated 1 GiB scenario (≤ 3 s, ≤ 500 MB, valid JSON)',
  naive: 'naive page-by-page reference, extrapolated: range-based speed-up (≥ 1000×)',
} as const;
export type Figure = keyof typeof FIGURES;

export interface FigureRecord {
  fig: Figure;
  /** what was measured (the line's name, trimmed) */
  what: string;
  value: string;
  target: string;
  ok: boolean;
  /** the value is extrapolated from a smaller machine */
  extrapolated?: boolean;
}

/** print a bench line; record it when it is one of the issue's figures */
export function line(name: string, value: string, target: string, ok: boolean, fig?: Figure, extrapolated = false): void {
  console.log(`${ok ? 'ok  ' : 'MISS'}  ${name.padEnd(58)} ${value.padStart(14)}   target ${target}`);
  const file = process.env.BENCH_RESULTS;
  if (fig && file) {
    const rec: FigureRecord = { fig, what: name.trim(), value, target, ok, ...(extrapolated ? { extrapolated } : {}) };
    appendFileSync(file, `${JSON.stringify(rec)}\n`);
  }
}

/** CPU time (user + system) of this process since `since`, in ms */
export function cpuMs(since?: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

/** one measurement of a cost that should grow linearly in `units` */
export interface Point {
  units: number;
  ms: number;
}

/**
 * A linear extrapolation from measured points: the cost per unit of the
 * largest point, carried to `units`. `growth` is the largest point's cost
 * per unit over the smallest's (1 when the cost grows exactly linearly,
 * above 1 when it grows faster); `linear` holds when it stays within
 * `tolerance` of 1 either way.
 */
export function extrapolate(points: readonly Point[], units: number, tolerance = 0.35): { ms: number; perUnit: number; growth: number; linear: boolean } {
  if (!points.length) throw new RangeError('extrapolate: no measured points');
  for (const p of points) if (!(p.units > 0) || !(p.ms >= 0)) throw new RangeError(`extrapolate: a point needs units > 0 and ms ≥ 0 (got ${p.units} units, ${p.ms} ms)`);
  const sorted = [...points].sort((a, b) => a.units - b.units);
  const lo = sorted[0]!;
  const hi = sorted[sorted.length - 1]!;
  const perUnit = hi.ms / hi.units;
  const perLo = lo.ms / lo.units;
  const growth = perLo === 0 ? (perUnit === 0 ? 1 : Infinity) : perUnit / perLo;
  return { ms: perUnit * units, perUnit, growth, linear: growth <= 1 + tolerance && growth >= 1 / (1 + tolerance) };
}

/** how many times faster `fast` is than `slow` (both in ms; a 0 ms fast run counts as 1 µs) */
export function speedup(slowMs: number, fastMs: number): number {
  return slowMs / Math.max(fastMs, 0.001);
}

/** a duration for a table: ms below 10 s, s below an hour, h above */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 10_000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms).toLocaleString('en-US')} ms`;
  if (ms < 3_600_000) return `${(ms / 1000).toFixed(ms < 100_000 ? 1 : 0)} s`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** the widest a line's name is shown in the summary (the full line is printed above it) */
export const WHAT_WIDTH = 60;

/** `text` cut to `width` characters, an ellipsis marking the cut */
export function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/**
 * The summary table: one row per recorded figure, grouped in the issue's
 * order, with the machine it ran on above it and the count of missed
 * targets below. Figures no section recorded in this run are listed as
 * not measured.
 */
export function formatSummary(records: readonly FigureRecord[], machine: string): string {
  const rows: string[][] = [['figure', 'measured', 'value', 'target', '']];
  for (const fig of Object.keys(FIGURES) as Figure[]) {
    const mine = records.filter((r) => r.fig === fig);
    if (!mine.length) {
      rows.push([FIGURES[fig], 'not measured in this run', '', '', '-']);
      continue;
    }
    mine.forEach((r, i) => rows.push([i === 0 ? FIGURES[fig] : '', clip(r.what, WHAT_WIDTH) + (r.extrapolated ? ' (extrapolated)' : ''), r.value, r.target, r.ok ? 'ok' : 'MISS']));
  }
  const width = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const fmt = (r: string[]) => r.map((cell, c) => (c === 2 ? cell.padStart(width[c]!) : cell.padEnd(width[c]!))).join('  ').trimEnd();
  const out = [`summary (issue 12, benchmarks that match use), on ${machine}`, fmt(rows[0]!), width.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows.slice(1)) out.push(fmt(r));
  const miss = records.filter((r) => !r.ok).length;
  const extra = records.filter((r) => r.extrapolated).length;
  out.push(`${records.length} figures measured: ${records.length - miss} ok, ${miss} MISS${extra ? `; ${extra} extrapolated from a smaller machine (marked)` : ''}`);
  return out.join('\n');
}

/** parse the records file written by `line()` (one JSON object a line; a torn last line is skipped) */
export function parseRecords(text: string): FigureRecord[] {
  const out: FigureRecord[] = [];
  for (const l of text.split('\n')) {
    if (!l.trim()) continue;
    try {
      out.push(JSON.parse(l) as FigureRecord);
    } catch {
      // a section killed while writing leaves at most its last line torn
    }
  }
  return out;
}
