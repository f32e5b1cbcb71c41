// Shared by the simulator's property tests.
import { Session } from '../../src/sim/run';
import type { Design, EventSpec, Scenario } from '../../src/sim/scenario/types';
import { InputError } from '../../src/sim/errors';
import { setNaiveIntervals, type RangeMap } from '../../src/sim/intervals';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenarioFull } from '../../src/sim/run';
import type { Kernel } from '../../src/sim/kernel';
import type { RunReport } from '../../src/sim/report';

/**
 * The head of a scenario on one fsdax namespace, as the tests write it:
 * version, name, the kernel (its fields, written inside `{ }`; none, no kernel
 * line), region0 of `size` at 0x240000000, namespace0.0 in fsdax mode on pmem0
 * (`align` where given), and one filesystem on pmem0 mounted on /mnt/pmem
 * (type `fs`, then `options`); no line break after it. The caller writes
 * files, processes and events on the lines after it.
 */
export function fsdaxHead(o: { name: string; kernel?: string; size?: string; align?: string; fs?: string; options?: string }): string {
  return `version: 1
name: ${o.name}
${o.kernel ? `kernel: { ${o.kernel} }\n` : ''}platform:
  regions: [ { id: region0, spa: 0x240000000, size: ${o.size ?? '1GiB'} } ]
  namespaces: [ { id: namespace0.0, region: region0, mode: fsdax, device: pmem0${o.align ? `, align: ${o.align}` : ''} } ]
filesystems:
  - { device: pmem0, type: ${o.fs ?? 'xfs'}, mount: /mnt/pmem${o.options ? `, ${o.options}` : ''} }`;
}

/** fsdaxHead under `design` with a 2 MiB-aligned namespace and XFS with rmapbt and reflink in two allocation groups (the populate and unbind tests' machine) */
export function alignedXfsHead(name: string, design: Design, size = '256MiB'): string {
  return fsdaxHead({ name, kernel: `design: ${design}`, size, align: '2MiB', options: 'rmapbt: true, reflink: true, agcount: 2' });
}

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

/**
 * What a run reports that a bulk (range-based) run and its page-by-page
 * reference must share: the events' results, signals, the log line by line,
 * calls, PageHWPoison, filesystems, the owner verdicts (without their span).
 */
export function reportState(report: RunReport) {
  return {
    events: report.events.map((x) => ({ id: x.id, at: x.at, result: x.result })),
    signals: report.signals,
    dmesg: expandDmesg(report.dmesg),
    calls: report.calls,
    hwpoison: report.hwpoison,
    filesystems: report.filesystems,
    verdicts: report.verdicts.map(({ span: _s, ...v }) => v),
  };
}

/**
 * reportState and what an unbind leaves behind in the machine: the clock,
 * memory_failure's statistics, every task's page tables, the page owners (a
 * member done wrong in bulk shows here).
 */
export function unbindState(report: RunReport, k: Kernel) {
  return {
    ...reportState(report),
    now: k.tr.now,
    mfStats: { ...k.mfStats },
    ptes: k.tasks.map((t) => [t.pid, (t.mm?.vmas ?? []).map((v) => [v.id, v.ptes.all()])]),
    owners: k.pageOwner.all().map((r) => [r.start, r.end, r.value.kind === 'file' ? `${r.value.mapping.id}:${r.value.index}` : `shared ${r.value.share}`]),
  };
}

/**
 * Run a scenario whose last event is an unbind, with the naive page-by-page
 * store or not and `mode` (a test switch of the bulk paths) set for the run
 * and undone after: that event's spans, the log's entry count, and the
 * state unbindState compares.
 */
export function runUnbind(text: string, name: string, naive: boolean, mode: (on: boolean) => void, on: boolean) {
  setNaiveIntervals(naive);
  mode(on);
  try {
    const { machine, report } = runScenarioFull(loadScenario(text, name));
    const e = report.events[report.events.length - 1]!;
    return { spans: report.spans.filter((s) => s.event === e.id), logEntries: machine.k.dmesg.entryCount, state: unbindState(report, machine.k) };
  } finally {
    setNaiveIntervals(false);
    mode(true);
  }
}
