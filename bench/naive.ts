// npm run bench, section "naive" (alone: node scripts/bench.mjs naive): the
// naive page-by-page reference of a populated machine, against the
// range-based simulator, extrapolated to the used machine (bench/machine.ts).
//
// The populated scenario of issue 12 (an fsdax namespace, XFS, a database
// file mapped with MAP_POPULATE, then the namespace unbound), in the used
// machine's proportions (the file is half the namespace, mapped by 4
// processes, the first early-kill; the used machine's is 900 GiB of 1 TiB by
// 4), is run page by page (setNaiveIntervals: one fault per page, one
// memory_failure() per pfn, one kill per index) at two measured sizes
// (NAIVE_SIZES, MiB, default 64 and 256) and range-based at the same sizes.
// The page-by-page cost is counted in pages handled: the populated page
// mappings (pages × mappers), plus under pagemap-failure the namespace's data
// pfns (one memory_failure() each). Its growth between the two sizes is
// printed (1.0: linear); it is then extrapolated linearly in those pages to
// the used machine (4 × 900 GiB + 10^4 × 1.6 MiB populated, 264,241,152 data
// pfns), and set against the range-based load + unbind of the used machine,
// measured at USED_SCALE (default 0.1) of it and extrapolated linearly in
// its records (10^6 extents' rmap records, the database's PMD runs), as
// bench/used.ts does. All times are CPU (user + system) of this process: the
// machine is shared.
//
// `node out/bench/naive.js [design...]`

import { Session } from '../src/sim/run';
import { buildMachine } from '../src/sim/machine';
import { runEvent, finishEvent } from '../src/sim/events';
import { setNaiveIntervals } from '../src/sim/intervals';
import { loadScenario } from '../src/sim/scenario/load';
import { DESIGNS, type Design, type EventSpec } from '../src/sim/scenario/types';
import { usedMachine, DB_BYTES, DB_PROCS } from './machine';
import { TERABYTE, GiB } from './scale';
import { line, cpuMs, extrapolate, speedup, duration, type Point } from './figures';

const MiB = 2 ** 20;
const PAGE = 4096;

/** the issue's populated scenario at namespace size `size`: a file of half of it, populated by 4 processes */
export function populatedAt(design: string, size: number): string {
  const file = size / 2;
  const procs = Array.from(
    { length: DB_PROCS },
    (_, i) => `  - { pid: ${2000 + i}, comm: db${i}, ${i === 0 ? 'mceKill: early, ' : ''}mappings: [ { id: db, file: /mnt/pmem/db, length: ${file}, addr: 0x7e0000000000, populate: true } ] }`,
  ).join('\n');
  return `version: 1
name: populated ${size / MiB} MiB, a ${file / MiB} MiB file mapped by ${DB_PROCS}
kernel: { design: ${design} }
platform:
  regions: [ { id: region0, spa: 0x10000000000, size: ${size} } ]
  namespaces: [ { id: namespace0.0, region: region0, mode: fsdax, device: pmem0, align: 2MiB } ]
filesystems: [ { device: pmem0, type: xfs, mount: /mnt/pmem, rmapbt: true, reflink: true, agcount: 2 } ]
files: [ { path: /mnt/pmem/db, size: ${file}, fill: 0x61 } ]
processes:
${procs}
events: [ { do: unbind, namespace: namespace0.0 } ]
`;
}

/** the pages a page-by-page run handles: populated page mappings, and each data pfn under pagemap-failure */
export function pagesHandled(design: string, mappedPages: number, dataPfns: number): number {
  return mappedPages + (design === 'pagemap-failure' ? dataPfns : 0);
}

/** the used machine's: 4 × 900 GiB and 10^4 small files of 1.6 MiB populated, a 1 TiB namespace with 16 GiB data offset */
export const USED_MAPPED_PAGES = DB_PROCS * (DB_BYTES / PAGE) + TERABYTE.files * ((TERABYTE.extentsPerFile * TERABYTE.extentBlocks * PAGE) / PAGE);
export const USED_DATA_PFNS = (TERABYTE.size - TERABYTE.dataOffset) / PAGE;

const ev = (e: Record<string, unknown>): EventSpec => ({ id: 'n0', at: 0, expect: [], path: '/events/0', ...e }) as unknown as EventSpec;

interface Run {
  load: number;
  unbind: number;
  calls: Record<string, number>;
}

/**
 * One populated run, load then unbind, at the machine's level (buildMachine,
 * runEvent): the owner verdicts a Session adds after the event are left out,
 * as the naive reference would hold a file's failed bytes one by one there
 * (a set of 10^7 bytes), which is not the page-by-page simulation measured.
 */
function runPopulated(design: string, size: number, naive: boolean): Run {
  const scenario = loadScenario(populatedAt(design, size), 'naive.poison.yaml');
  setNaiveIntervals(naive);
  try {
    global.gc?.();
    let c = process.cpuUsage();
    const m = buildMachine(scenario);
    const load = cpuMs(c);
    const e = scenario.events[0]!;
    m.k.event = e.id;
    m.k.tr.event = e.id;
    c = process.cpuUsage();
    runEvent(m, e);
    finishEvent(m);
    const unbind = cpuMs(c);
    return { load, unbind, calls: Object.fromEntries(m.k.tr.calls) };
  } finally {
    setNaiveIntervals(false);
  }
}

function usedAtScale(design: string, scale: number): { load: number; unbind: number; calls: Record<string, number> } {
  const files = Math.round(TERABYTE.files * scale);
  const scenario = usedMachine({ ...TERABYTE, populate: true, files, processes: Math.max(1, Math.round(TERABYTE.processes * scale)) }, Math.max(1, Math.round(900 * scale)) * GiB);
  global.gc?.();
  let c = process.cpuUsage();
  const s = new Session(scenario, { design: design as Design });
  const load = cpuMs(c);
  c = process.cpuUsage();
  s.step(ev({ do: 'unbind', namespace: 'namespace0.0' }));
  const unbind = cpuMs(c);
  return { load, unbind, calls: { ...s.report.calls } };
}

export function benchNaive(designs: readonly string[], sizes: readonly number[], scale: number): void {
  console.log(`naive page-by-page reference: the populated scenario at ${sizes.map((s) => `${s / MiB} MiB`).join(' and ')} (a half file, ${DB_PROCS} mappers), CPU time`);
  // warm the JIT on the smallest run of each kind, so the first size is not measured cold
  runPopulated('pagemap-failure', 48 * MiB, true);
  runPopulated('pagemap-failure', 48 * MiB, false);
  for (const design of designs) {
    const points: Point[] = [];
    for (const size of sizes) {
      const slow = runPopulated(design, size, true);
      const fast = runPopulated(design, size, false);
      const mapped = DB_PROCS * ((size / 2) / PAGE);
      const dataPfns = design === 'pagemap-failure' ? (slow.calls.memory_failure ?? 0) : 0;
      const units = pagesHandled(design, mapped, dataPfns);
      points.push({ units, ms: slow.load + slow.unbind });
      const same = JSON.stringify(slow.calls) === JSON.stringify(fast.calls);
      line(
        `${design}, ${size / MiB} MiB: naive load + unbind (${units} pages)`,
        `${duration(slow.load + slow.unbind)}`,
        same ? '(calls equal the range-based run)' : 'calls equal the range-based run',
        same,
      );
      line(`  range-based, same scenario (${duration(fast.load)} + ${duration(fast.unbind)})`, duration(fast.load + fast.unbind), `(${speedup(slow.load + slow.unbind, fast.load + fast.unbind).toFixed(0)}x faster)`, true);
    }
    const usedUnits = pagesHandled(design, USED_MAPPED_PAGES, USED_DATA_PFNS);
    const x = extrapolate(points, usedUnits);
    line(`  naive per page: growth ${sizes[0]! / MiB} → ${sizes[sizes.length - 1]! / MiB} MiB (1.0 = linear)`, `${x.growth.toFixed(2)}x`, 'linear (0.74–1.35)', x.linear);
    line(`  naive extrapolated to the used machine (${usedUnits.toExponential(2)} pages)`, duration(x.ms), '-', true);
    const used = usedAtScale(design, scale);
    const rangeUsed = (used.load + used.unbind) / scale;
    line(`  range-based used machine at ${scale}: load + unbind (${used.calls.memory_failure ?? 0} mf, ${used.calls.kill_proc ?? 0} kill)`, duration(used.load + used.unbind), `(${duration(used.load)} + ${duration(used.unbind)})`, true);
    line(`  range-based, extrapolated to the used machine (by records)`, duration(rangeUsed), '-', true);
    const ratio = speedup(x.ms, rangeUsed);
    line(`  range-based speed-up at the used machine (${design})`, `${ratio.toFixed(0)}x`, '≥ 1000x', ratio >= 1000 && x.linear, 'naive', true);
  }
}

if (require.main === module) {
  const designs = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const sizes = (process.env.NAIVE_SIZES ?? '64,256').split(',').map((s) => Number(s) * MiB);
  for (const s of sizes) if (!(s >= 48 * MiB) || s % (16 * MiB) !== 0) throw new RangeError(`NAIVE_SIZES: ${s / MiB} MiB is not a multiple of 16 MiB from 48 MiB`);
  const scale = Number(process.env.USED_SCALE ?? 0.1);
  benchNaive(designs.length ? designs : DESIGNS, sizes, scale > 0 && scale <= 1 ? scale : 0.1);
}
