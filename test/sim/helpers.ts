// Shared by the simulator's property tests.
import { Session } from '../../src/sim/run';
import type { EventSpec, Scenario } from '../../src/sim/scenario/types';
import { InputError } from '../../src/sim/errors';

/** run as far as the events are valid; a rejected event ends the run (unfinished, as it stood) */
export function runPrefix(s: Scenario): { session: Session; rejected: EventSpec | null } {
  const session = new Session(s);
  for (const e of s.events) {
    try {
      session.step(e);
    } catch (err) {
      if (err instanceof InputError) return { session, rejected: e };
      throw err;
    }
    if (session.report.panic) break;
  }
  session.finish();
  return { session, rejected: null };
}

/** write out the abbreviated runs of identical log lines ("[0xa-0xb]: ... (N more lines, one per pfn)"), one per pfn */
export function expandDmesg(lines: string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const m = /^Memory failure: \[0x([0-9a-f]+)-0x([0-9a-f]+)\]: (.*) \((\d+) more lines, one per pfn\)$/.exec(l);
    if (!m) {
      out.push(l);
      continue;
    }
    for (let p = parseInt(m[1]!, 16); p <= parseInt(m[2]!, 16); p++) out.push(`Memory failure: 0x${p.toString(16)}: ${m[3]}`);
  }
  return out;
}
