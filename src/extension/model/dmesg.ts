// The simulated dmesg as the lab's log channel shows it. The kernel prints
// one "Memory failure: <pfn>: ..." line per page, so a populated machine that
// loses a device prints one per mapped page (262,144 for 1 GiB): written one
// by one they would flood the channel and hold the extension host for
// seconds. A run of such lines (the same message for consecutive pfns) is
// shown as the simulator prints its own long runs (dev_pagemap_failure): the
// first RUN_LINES lines as printed, then one line for the rest,
// "Memory failure: [0x…-0x…]: <message> (N more lines, one per pfn)".
// A run the log store holds as a pattern (src/sim/dmesg.ts) is drawn as
// the CLI draws it, one line per line of its members with each number as
// first..last and the count, and is never written out. The report keeps
// every line; only the channel folds them. Pure.

import { foldedRun, logPieces, type DmesgLines } from '../../sim/dmesg';

/** lines of a run shown as printed before the rest is folded (as src/sim/mm/memory-failure.ts does) */
export const RUN_LINES = 8;

const PREFIX = 'Memory failure: 0x';

/** "Memory failure: 0x1a2b: rest" → [pfn, ": rest"], else null (a range line or any other line) */
function perPfn(line: string): [number, string] | null {
  if (!line.startsWith(PREFIX)) return null;
  const colon = line.indexOf(':', PREFIX.length);
  if (colon < 0) return null;
  const digits = line.slice(PREFIX.length, colon);
  if (!/^[0-9a-f]{1,13}$/.test(digits)) return null;
  return [parseInt(digits, 16), line.slice(colon)];
}

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * The lines from `from` on, with every run of per-pfn lines longer than
 * RUN_LINES folded: its first RUN_LINES lines, then one line for the rest;
 * a run of the log store as its folded lines. The output is bounded by the
 * number of runs, not of pages.
 */
export function foldDmesg(log: DmesgLines, from = 0): string[] {
  const out: string[] = [];
  let lines: string[] = [];
  for (const p of logPieces(log, Math.max(0, from))) {
    if (p.kind === 'line') {
      lines.push(p.line);
      continue;
    }
    foldLines(lines, out);
    lines = [];
    out.push(...foldedRun(p));
  }
  foldLines(lines, out);
  return out;
}

/** lines printed one by one, their runs of per-pfn lines folded */
function foldLines(lines: readonly string[], out: string[]): void {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const p = perPfn(line);
    if (!p) {
      out.push(line);
      i++;
      continue;
    }
    const [pfn, rest] = p;
    let j = i + 1;
    while (j < lines.length) {
      const q = lines[j]!;
      // the same message for the next pfn: check the cheap parts first
      if (!q.endsWith(rest) || !q.startsWith(PREFIX)) break;
      const r = perPfn(q);
      if (!r || r[0] !== pfn + (j - i) || r[1] !== rest) break;
      j++;
    }
    const n = j - i;
    for (let k = i; k < Math.min(j, i + RUN_LINES); k++) out.push(lines[k]!);
    if (n > RUN_LINES) out.push(`Memory failure: [${hex(pfn + RUN_LINES)}-${hex(pfn + n - 1)}]${rest} (${n - RUN_LINES} more lines, one per pfn)`);
    i = j;
  }
}
