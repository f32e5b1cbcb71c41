// The machine users run, faulted in (bench/machine.ts): the terabyte
// machine with its 10^4 small mappings populated by 100 processes and a
// 900 GiB file (PMD-aligned extents) populated by 4 processes. Load, one
// poison routed under each design (median of 21), unbind under each design.
// `node out/bench/used.js [design...] [--load]` runs this section alone
// (--load: load and route only, no unbind).

import { Session } from '../src/sim/run';
import { DESIGNS, type EventSpec, type Scenario } from '../src/sim/scenario/types';
import { usedMachine, DB_ADDR } from './machine';
import { TERABYTE, GiB } from './scale';
import { line } from './figures';

const ms = (ns: bigint | number) => Number(ns) / 1e6;
const now = () => process.hrtime.bigint();
const rssMB = () => process.memoryUsage().rss / 1e6;
/** the heap still in use once garbage is collected */
const heapMB = () => {
  global.gc?.();
  return process.memoryUsage().heapUsed / 1e6;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ev = (i: number, e: Record<string, unknown>): EventSpec => ({ id: `u${i}`, at: 0, expect: [], path: `/events/${i}`, ...e }) as unknown as EventSpec;

/**
 * `scale` below 1 builds the machine with that fraction of its small files,
 * processes and database (the same shape: 100-extent files, 100 per
 * process, PMD-aligned 8 GiB extents) and extrapolates the unbind linearly
 * in the records and PMD entries it handles, which is how its cost grows.
 */
export function benchUsedMachine(designs: readonly string[] = DESIGNS, unbind = true, scale = 1): void {
  console.log('');
  const files = Math.round(TERABYTE.files * scale);
  const dbGiB = scale === 1 ? 900 : Math.max(1, Math.round(900 * scale));
  const used = scale === 1 ? usedMachine() : usedMachine({ ...TERABYTE, populate: true, files, processes: Math.max(1, Math.round(TERABYTE.processes * scale)) }, dbGiB * GiB);
  console.log(`machine: ${used.name}${scale === 1 ? '' : ` (${scale} of the used machine; unbind extrapolated by ${(1 / scale).toFixed(0)}x)`}`);
  // one design at a time, each machine gone (its frame returned) before the next is measured
  for (const design of designs) benchDesign(used, design, unbind, scale, dbGiB);
}

function benchDesign(used: Scenario, design: string, unbind: boolean, scale: number, dbGiB: number): void {
  const h0 = heapMB();
  const r0 = rssMB();
  const c0 = process.cpuUsage();
  let t = now();
  const s = new Session(used, { design });
  const load = ms(now() - t);
  const cpu = process.cpuUsage(c0);
  const mem = rssMB() - r0;
  // the resident figure reads low when the pages of the garbage freed before it (the layout
  // probe of usedMachine, the machine before) are reused; the heap the machine holds is the other measure
  const held = heapMB() - h0;
  // setup's faults: traced runs and quiet stretches each carry their count
  let faults = 0;
  for (const sp of s.report.spans) if (sp.parent === null && sp.symbol === 'do_user_addr_fault') faults += sp.count ?? 1;
  line(`used machine: load (${design}), ${s.report.spans.length} spans, ${faults} faults`, `${load.toFixed(0)} ms`, '≤ 5000 ms', scale !== 1 || load <= 5000, scale === 1 ? 'load' : undefined);
  const loadCpu = (cpu.user + cpu.system) / 1000;
  line(`  load (${design}), CPU time: the wall time on a shared machine is more`, `${loadCpu.toFixed(0)} ms`, '≤ 5000 ms', scale !== 1 || loadCpu <= 5000, scale === 1 ? 'load' : undefined);
  line('  resident memory added', `${mem.toFixed(0)} MB`, '≤ 500 MB', mem <= 500, scale === 1 ? 'load' : undefined);
  line('  heap the loaded machine holds (after gc)', `${held.toFixed(0)} MB`, '≤ 500 MB', held <= 500, scale === 1 ? 'load' : undefined);
  const route: number[] = [];
  for (let i = 0; i < 21; i++) {
    // a page of the database, consumed by its early-kill reader's MADV_HWPOISON
    const addr = DB_ADDR + ((i * 7919) % (dbGiB * 256)) * 4096 * 1024;
    t = now();
    s.step(ev(i, { do: 'madvise-hwpoison', process: 2000, addr, length: 4096 }));
    route.push(ms(now() - t));
  }
  const m = median(route);
  const target = design === 'upstream' ? 1 : 10;
  line(`  route one poison (${design}), median of 21`, `${m.toFixed(3)} ms`, `≤ ${target} ms`, m <= target, scale === 1 ? 'route' : undefined);
  if (!unbind) return;
  // USED_UNBIND_SCALED=upstream,pagemap-failure (scripts/bench.mjs): those designs' unbind is
  // measured in a run at USED_SCALE instead (extrapolated), for a machine too slow for full size
  if (scale === 1 && (process.env.USED_UNBIND_SCALED ?? '').split(',').includes(design)) {
    console.log(`        unbind (${design}): not run at full size (USED_UNBIND_SCALED); measured at USED_SCALE below and extrapolated`);
    return;
  }
  t = now();
  const u0 = process.cpuUsage();
  const spans0 = s.report.spans.length;
  s.step(ev(99, { do: 'unbind', namespace: 'namespace0.0' }));
  const ub = ms(now() - t);
  const ucpu = process.cpuUsage(u0);
  const cpuMs = (ucpu.user + ucpu.system) / 1000;
  const spans = s.report.spans.length - spans0;
  const what = `${s.report.calls.memory_failure ?? 0} memory_failure, ${s.report.calls.kill_proc ?? 0} kill_proc, ${spans} spans, ${s.machine.k.dmesg.length} dmesg lines in ${s.machine.k.dmesg.entryCount} runs and chunks`;
  // the machine and its log after the unbind: the log holds runs, not a line per page
  const heldAfter = heapMB() - h0;
  line('  heap the machine holds after the unbind (after gc)', `${heldAfter.toFixed(0)} MB`, '≤ 500 MB', heldAfter <= 500);
  if (scale === 1) line(`  unbind (${design}): ${what}`, `${ub.toFixed(0)} ms`, '≤ 1000 ms', ub <= 1000, 'unbind');
  else {
    line(`  unbind (${design}) at ${scale}: ${what}`, `${ub.toFixed(0)} ms`, `(cpu ${cpuMs.toFixed(0)} ms)`, true);
    const x = cpuMs / scale;
    line(`  unbind (${design}) extrapolated to the used machine (cpu)`, `${x.toFixed(0)} ms`, '≤ 1000 ms', x <= 1000, 'unbind', true);
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const designs = args.filter((a) => !a.startsWith('--'));
  // USED_SCALE=0.1: the same machine at a tenth, unbind extrapolated
  const scale = Number(process.env.USED_SCALE ?? 1);
  benchUsedMachine(designs.length ? designs : DESIGNS, !args.includes('--load'), scale > 0 && scale <= 1 ? scale : 1);
}
