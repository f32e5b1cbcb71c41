// Simulator vs kernel: run the simulator on a scenario, event by event, over
// the events the kernel ran, and list every point where they disagree on what
// the kernel can tell us.
//
// Compared, per event the kernel ran:
//   - the result (ret and errno);
//   - the signals, as a multiset of (pid, signo, code, addr, lsb): the order
//     in which signals reach different processes is the scheduler's, not the
//     memory-failure code's;
//   - the dmesg lines of the compared families (dmesg.ts FAMILY), in order:
//     both kernel and simulator log collect_procs' walk in process-list and
//     VMA order, so order is meaningful; the guest's lines are already in the
//     scenario's terms (pfns by data offset, addresses by mapping, pids).
// And at the end of those events:
//   - each filesystem's shutdown state;
//   - the badblocks of every device and region the kernel showed;
//   - the call counts of COMPARED_CALLS that the kernel's function tracer
//     could see.
// An event the kernel never finished is compared by how it ended: an oops
// (its first line) or a hang (the simulator's event blocks for good).
// Not compared: hwpoison (not observable for ZONE_DEVICE pages), spans, the
// simulated times.

import type { RunReport } from '../../src/sim/report';
import type { Scenario } from '../../src/sim/scenario/types';
import { Session } from '../../src/sim/run';
import { WARNING, comparable, inFamily } from './dmesg';
import { HUNG, OOPS } from './report';

/**
 * Functions whose call counts are compared: the routing decisions, one call
 * per hop. Functions the kernel calls from elsewhere too (dax_direct_access,
 * the I/O paths) are left out, and so is kill_dev_dax: unregister_dev_dax
 * has it inlined, so the tracer sees one call of the two; and so is
 * kill_me_now, which kill_me_maybe has inlined (a real 6.12 sent its SIGBUS
 * with the tracer counting 0: oracle/recorded/kill-me-now-si-kernel).
 */
export const COMPARED_CALLS = [
  'memory_failure',
  'memory_failure_queue',
  'soft_offline_page',
  'pmem_pagemap_memory_failure',
  'dax_holder_notify_failure',
  'xfs_dax_notify_failure',
  'xfs_dax_notify_ddev_failure',
  'xfs_dax_failure_fn',
  'mf_dax_kill_procs',
  'dax_lock_folio',
  'dax_lock_page',
  'dax_lock_mapping_entry',
  'unmap_and_kill',
  'kill_procs',
  'kill_proc',
  'action_result',
  'kill_dax',
  'xfs_do_force_shutdown',
  'kill_me_maybe',
  'nfit_handle_mce',
  'pmem_recovery_write',
  'dax_recovery_write',
];

export interface KernelReport extends RunReport {
  notRun: { id: string; do: string; reason: string }[];
  dmesgByEvent: Record<string, string[]>;
  oracle: { kernel: string; unobservable: string[]; traced: string[] };
}

export interface Disagreement {
  /** event id, "setup" (its warnings), or "end" */
  where: string;
  what: 'result' | 'signals' | 'dmesg' | 'shutdown' | 'badblocks' | 'calls' | 'simulator';
  kernel: string[];
  simulator: string[];
}

const sigKey = (s: { pid: number; signo: string; code: string; addr?: string; lsb?: number }) =>
  `pid ${s.pid} ${s.signo} ${s.code}${s.addr !== undefined ? ` addr ${s.addr}` : ''}${s.lsb !== undefined ? ` lsb ${s.lsb}` : ''}`;
const resKey = (r: { ret: number; errno?: string }) => (r.errno ? `${r.ret} (${r.errno})` : String(r.ret));

/**
 * Run the simulator over the events the kernel ran and compare. `prelude`:
 * events of the scenario run first and not compared (an imported machine's
 * recreated state); the calls they make are not counted.
 */
export function compareWithSimulator(s: Scenario, k: KernelReport, opts: { prelude?: string[] } = {}): Disagreement[] {
  const out: Disagreement[] = [];
  let session: Session;
  try {
    session = new Session(s);
  } catch (e) {
    return [{ where: 'setup', what: 'simulator', kernel: ['(the kernel built the machine)'], simulator: [`threw: ${(e as Error).message}`] }];
  }
  // warnings are compared when the recording looked for them (it has setup's, maybe none)
  const warnings = Array.isArray(k.dmesgByEvent.setup);
  const compared = (l: string) => inFamily(l) && (warnings || !WARNING.test(l));
  if (warnings) {
    const kw = k.dmesgByEvent.setup!.map(comparable);
    const sw = session.report.dmesg.slice().filter((l) => WARNING.test(l)).map(comparable);
    if (kw.join('\n') !== sw.join('\n')) out.push({ where: 'setup', what: 'dmesg', kernel: kw, simulator: sw });
  }
  const byId = new Map(s.events.map((e) => [e.id, e]));
  const preludeCalls: Record<string, number> = {};
  for (const id of opts.prelude ?? []) {
    try {
      session.step(byId.get(id)!);
    } catch (err) {
      return [{ where: id, what: 'simulator', kernel: ['(the machine as collected)'], simulator: [`threw: ${(err as Error).message}`] }];
    }
  }
  Object.assign(preludeCalls, session.report.calls);
  for (const kev of k.events) {
    const e = byId.get(kev.id);
    if (!e) {
      out.push({ where: kev.id, what: 'simulator', kernel: [`ran ${kev.do}`], simulator: ['no such event in the scenario'] });
      continue;
    }
    const before = session.report.dmesg.length;
    let sev;
    try {
      sev = session.step(e);
    } catch (err) {
      out.push({ where: e.id, what: 'simulator', kernel: [`ran: ${resKey(kev.result)}`], simulator: [`threw: ${(err as Error).message}`] });
      return out;
    }
    if (resKey(sev.result) !== resKey(kev.result)) out.push({ where: e.id, what: 'result', kernel: [resKey(kev.result)], simulator: [resKey(sev.result)] });
    const ks = k.signals.filter((x) => x.event === e.id).map(sigKey).sort();
    const ss = session.report.signals.filter((x) => x.event === e.id).map(sigKey).sort();
    if (ks.join('\n') !== ss.join('\n')) out.push({ where: e.id, what: 'signals', kernel: ks, simulator: ss });
    // the recorded kernel lines have their %pS offsets dropped (dmesg.ts normalizeLine); so do the simulator's
    const kd = (k.dmesgByEvent[e.id] ?? []).filter(compared).map(comparable);
    const sd = session.report.dmesg.slice(before).filter(compared).map(comparable);
    if (kd.join('\n') !== sd.join('\n')) out.push({ where: e.id, what: 'dmesg', kernel: kd, simulator: sd });
  }
  // an event that crashed the kernel (the guest lists it as not run, with the oops)
  // or that never returned (the guest went silent in it and was stopped: report.ts HUNG)
  for (const n of k.notRun) {
    const hung = n.reason.startsWith(HUNG);
    if (!n.reason.startsWith('kernel oops') && !hung) continue;
    const e = byId.get(n.id);
    if (!e) continue;
    let got: string;
    const from = session.report.dmesg.length;
    try {
      const sev = session.step(e);
      got = resKey(sev.result);
      // the simulator agrees with a hung event when the event blocks for good there too
      if (hung) {
        if (sev.result.stopped?.reason === 'blocked') got = n.reason;
        else if (sev.result.stopped) got = `stopped: ${sev.result.stopped.reason} in ${sev.result.stopped.in}`;
      }
      // the simulator models the oops too: it agrees when its first oops line is the kernel's
      const line = session.report.dmesg.slice(from).find((l) => OOPS.test(l));
      if (line !== undefined && !hung) got = `kernel oops: ${line}`;
    } catch (err) {
      got = `threw: ${(err as Error).message}`;
    }
    if (got !== n.reason) out.push({ where: n.id, what: 'result', kernel: [n.reason], simulator: [got] });
    // what the oops did to the tasks: the one it ran in died of SIGKILL (make_task_dead)
    const ks = k.signals.filter((x) => x.event === e.id).map(sigKey).sort();
    const ss = session.report.signals.filter((x) => x.event === e.id).map(sigKey).sort();
    if (ks.join('\n') !== ss.join('\n')) out.push({ where: e.id, what: 'signals', kernel: ks, simulator: ss });
    break;
  }
  const r = session.report;
  for (const f of k.filesystems) {
    const sf = r.filesystems.find((x) => x.mount === f.mount);
    const sv = sf ? String(sf.shutdown) : '(no such mount)';
    if (String(f.shutdown) !== sv) out.push({ where: 'end', what: 'shutdown', kernel: [`${f.mount}: ${f.shutdown}`], simulator: [`${f.mount}: ${sv}`] });
  }
  for (const [dev, ranges] of Object.entries(k.badblocks)) {
    const kb = JSON.stringify(ranges);
    const sb = JSON.stringify(r.badblocks[dev] ?? []);
    if (kb !== sb) out.push({ where: 'end', what: 'badblocks', kernel: [`${dev}: ${kb}`], simulator: [`${dev}: ${sb}`] });
  }
  const kc: string[] = [];
  const sc: string[] = [];
  for (const fn of COMPARED_CALLS) {
    if (!k.oracle.traced.includes(fn)) continue;
    const a = k.calls[fn] ?? 0;
    const b = (r.calls[fn] ?? 0) - (preludeCalls[fn] ?? 0);
    if (a !== b) {
      kc.push(`${fn} ${a}`);
      sc.push(`${fn} ${b}`);
    }
  }
  if (kc.length) out.push({ where: 'end', what: 'calls', kernel: kc, simulator: sc });
  return out;
}

/** A readable diff: per disagreement, the kernel's lines (-) and the simulator's (+). */
export function formatDisagreements(name: string, ds: Disagreement[]): string {
  if (!ds.length) return `${name}: the simulator matches the kernel`;
  const lines = [`${name}: ${ds.length} disagreement(s) (- kernel, + simulator)`];
  for (const d of ds) {
    lines.push(`  ${d.where} ${d.what}:`);
    if (d.what === 'dmesg') {
      // an ordered diff: common prefix, then the rest of each side
      let i = 0;
      while (i < d.kernel.length && i < d.simulator.length && d.kernel[i] === d.simulator[i]) lines.push(`      ${d.kernel[i++]}`);
      for (const l of d.kernel.slice(i)) lines.push(`    - ${l}`);
      for (const l of d.simulator.slice(i)) lines.push(`    + ${l}`);
    } else {
      const kset = new Set(d.kernel);
      const sset = new Set(d.simulator);
      for (const l of d.kernel) lines.push(sset.has(l) ? `      ${l}` : `    - ${l}`);
      for (const l of d.simulator) if (!kset.has(l)) lines.push(`    + ${l}`);
      if (!d.kernel.length) lines.push('    - (none)');
      if (!d.simulator.length) lines.push('    + (none)');
    }
  }
  return lines.join('\n');
}
