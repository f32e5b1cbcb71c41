// Shared by the simulator's property tests.
import { Session } from '../../src/sim/run';
import type { EventSpec, Scenario } from '../../src/sim/scenario/types';
import { InputError } from '../../src/sim/errors';
import type { RangeMap } from '../../src/sim/intervals';

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
export function expandDmesg(lines: Iterable<string>): string[] {
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

/**
 * A range map written out as merged linear runs, so two maps compare by what
 * they map (a pfn of -1, the zero page, does not advance along a range).
 */
export function flat<V extends object>(m: RangeMap<V>): unknown[] {
  const out: { start: number; end: number; value: Record<string, unknown> }[] = [];
  for (const r of m.all()) {
    const v = r.value as Record<string, unknown>;
    const last = out[out.length - 1];
    if (last && last.end === r.start) {
      const d = r.start - last.start;
      const step = (k: string): number => (v[k] === -1 ? 0 : d);
      const same = Object.keys(v).every((k) => (typeof v[k] === 'number' && (k === 'pfn' || k === 'index') ? v[k] === (last.value[k] as number) + step(k) : v[k] === last.value[k]));
      if (same) {
        last.end = r.end;
        continue;
      }
    }
    out.push({ start: r.start, end: r.end, value: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'object' && x !== null ? ((x as { id?: number }).id ?? 'obj') : x])) });
  }
  return out;
}
