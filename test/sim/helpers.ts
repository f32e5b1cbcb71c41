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
