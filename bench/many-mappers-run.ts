// npm run bench, section "many mappers" (alone: node scripts/bench.mjs many-mappers):
//
//  1. N processes (2,500, 5,000, 10,000) map one 1 MiB reflinked file with
//     MAP_POPULATE (each fault on the shared extent unmaps the others'
//     entries), then the last mapper poisons one page (MADV_HWPOISON) and
//     the namespace is unbound, under each design: time to load (populate),
//     poison and unbind, and the growth from 2,500 to 10,000 processes
//     (linear is 4x, quadratic 16x; target: 10^4 in a few seconds, ≤ 6x).
//  2. a 1 TiB device-dax namespace with 1 GiB alignment (PUD entries),
//     mapped whole and populated by two processes, then MADV_HWPOISON over
//     512 GiB: time and memory, with memory_failure() counted once per
//     compound page.

import { manyMappersScenario, devdaxScenario, GiB } from './many-mappers';
import { Session } from '../src/sim/run';
import { DESIGNS } from '../src/sim/scenario/types';

const ms = (ns: bigint) => Number(ns) / 1e6;
const now = () => process.hrtime.bigint();
const rssMB = () => process.memoryUsage().rss / 1e6;

function line(name: string, value: string, target: string, ok: boolean): void {
  console.log(`${ok ? 'ok  ' : 'MISS'}  ${name.padEnd(58)} ${value.padStart(14)}   target ${target}`);
}

/** the faults of the machine's setup (MAP_POPULATE), counted through the runs (setup calls are not in `calls`) */
function setupFaults(s: Session): number {
  return s.report.spans.filter((x) => x.event === undefined && x.symbol === 'do_user_addr_fault').reduce((n, x) => n + (x.count ?? 1), 0);
}

console.log('many mappers: one 1 MiB reflinked file mapped and populated by N processes, one page poisoned, then unbind');
const COUNTS = [2500, 5000, 10_000];
// warm up the JIT on a small machine first, so 2,500 is not measured cold
for (const design of DESIGNS) {
  const w = new Session(manyMappersScenario(200, design));
  for (const e of w.scenario.events) w.step(e);
}
for (const design of DESIGNS) {
  const total = new Map<number, number>();
  for (const n of COUNTS) {
    // the scenario is built first: loading it (YAML, schema) is not what is measured
    const scenario = manyMappersScenario(n, design);
    global.gc?.();
    let t = now();
    const s = new Session(scenario);
    const load = ms(now() - t);
    t = now();
    s.step(s.scenario.events[0]!);
    const poison = ms(now() - t);
    t = now();
    s.step(s.scenario.events[1]!);
    const unbind = ms(now() - t);
    total.set(n, load + unbind);
    const c = s.report.calls;
    line(
      `${design}, ${n} processes: populate / poison / unbind`,
      `${load.toFixed(0)} / ${poison.toFixed(0)} / ${unbind.toFixed(0)} ms`,
      n === 10_000 ? '≤ 5000 ms populate+unbind' : '-',
      n !== 10_000 || load + unbind <= 5000,
    );
    console.log(`      calls: ${setupFaults(s)} faults in the populate, ${c.memory_failure ?? 0} memory_failure, ${c.kill_proc ?? 0} kill_proc; ${s.report.verdicts.length} verdicts`);
  }
  const ratio = total.get(10_000)! / total.get(2500)!;
  line(`${design}: growth 2,500 → 10,000 processes (populate+unbind)`, `${ratio.toFixed(1)}x`, '≤ 6x (linear: 4x)', ratio <= 6);
}

console.log('');
console.log('device-dax: 1 TiB namespace, 1 GiB alignment, two processes populate it whole, then MADV_HWPOISON over 512 GiB');
{
  const scenario = devdaxScenario('1TiB', 512 * GiB);
  global.gc?.();
  const r0 = rssMB();
  let t = now();
  const s = new Session(scenario);
  const load = ms(now() - t);
  t = now();
  const ev = s.step(s.scenario.events[0]!);
  const madvise = ms(now() - t);
  const mem = rssMB() - r0;
  const c = s.report.calls;
  const pages = 512;
  line('devdax 1 TiB: load and populate (two processes)', `${load.toFixed(0)} ms`, '≤ 5000 ms', load <= 5000);
  const faults = setupFaults(s);
  const puds = s.report.spans.filter((x) => x.event === undefined && x.symbol === '__dev_dax_pud_fault').reduce((n, x) => n + (x.count ?? 1), 0);
  line('  faults in the populate, each a PUD (1 GiB) entry, 1007 per process', `${faults} / ${puds} PUD`, '2014', faults === 2014 && puds === 2014);
  line(`  madvise over 512 GiB (ret ${ev.result.ret})`, `${madvise.toFixed(0)} ms`, '≤ 1000 ms', madvise <= 1000);
  line('  memory_failure calls, one per 1 GiB page', String(c.memory_failure ?? 0), String(pages), c.memory_failure === pages);
  line('  kill_proc calls (AR to the caller, AO to the early-kill one)', String(c.kill_proc ?? 0), String(2 * pages), c.kill_proc === 2 * pages);
  line('  resident memory added', `${mem.toFixed(0)} MB`, '≤ 500 MB', mem <= 500);
}
