// Running a scenario: build the machine, run each event atomically, deliver
// its signals, check its expectations, and assemble the run report. The same
// scenario gives the same report, byte for byte.
//
// A Session steps through events one at a time (the extension's lab does
// this); runScenario is a session run to the end. An event that is rejected
// (InputError) changes nothing: every handler checks its inputs before any
// kernel code runs.

import type { Design, EventSpec, Scenario } from './scenario/types';
import { buildMachine, type Machine } from './machine';
import { finishEvent, runEvent } from './events';
import { KernelBlocked, KernelOops, KernelPanic } from './kernel';
import { hwpoisonEntries, type ReportEvent, type RunReport } from './report';
import { evaluateExpectation, type ReportSnapshot } from './expect';
import { InputError } from './errors';
import { MODELLED_DESIGNS } from './designs';
import type { CostModel } from './trace';
import { eventVerdicts, type OwnerLookup } from './verdicts';
import { khungtaskd } from './hung-task';
import type { DevDax } from './dax/device';
import { kernelVersion, KERNEL_VERSIONS, type KernelVersion } from './version';
import { checkVersion } from './scenario/versions';
import { kernelRelease } from '../kernel/releases';

export interface RunOptions {
  design?: Design;
  /** the kernel release, overriding the scenario's kernel.version (`--kernel`, Switch Kernel Version) */
  version?: KernelVersion;
  cost?: CostModel;
  /** how a failure's file owners are looked up (verdicts.ts; every way gives the same verdicts): for tests */
  ownerLookup?: OwnerLookup;
}

export interface Run {
  machine: Machine;
  report: RunReport;
}

/** Run a whole scenario and return its report. Throws InputError for bad input. */
export function runScenario(s: Scenario, opts: RunOptions = {}): RunReport {
  return runScenarioFull(s, opts).report;
}

export function runScenarioFull(s: Scenario, opts: RunOptions = {}): Run {
  const session = new Session(s, opts);
  for (const e of session.scenario.events) {
    if (session.report.panic) break;
    session.step(e);
  }
  session.finish();
  return { machine: session.machine, report: session.report };
}

export class Session {
  readonly scenario: Scenario;
  readonly machine: Machine;
  readonly report: RunReport;
  /** events run so far */
  readonly done: EventSpec[] = [];
  private finished = false;
  private readonly ownerLookup: OwnerLookup;

  /** the event's decisions, as verdicts appended to the report (a loop: an unbind's may be many, never spread into a call) */
  private takeVerdicts(m: Machine, id: string): void {
    for (const v of eventVerdicts(m.k, id, m.k.why.take(), devdaxOf(m), this.ownerLookup)) this.report.verdicts.push(v);
  }

  constructor(s: Scenario, opts: RunOptions = {}) {
    this.scenario = opts.design || opts.version ? { ...s, kernel: { ...s.kernel, ...(opts.design ? { design: opts.design } : {}), ...(opts.version ? { version: opts.version } : {}) } } : s;
    checkDesign(this.scenario.kernel.design, '/kernel/design');
    checkKernelVersion(this.scenario);
    this.ownerLookup = opts.ownerLookup ?? 'auto';
    this.machine = buildMachine(this.scenario, opts.cost);
    this.report = emptyReport(this.scenario);
    fill(this.report, this.machine);
  }

  /** Run one event. Throws InputError, with nothing changed, when the event is invalid. */
  step(e: EventSpec): ReportEvent {
    if (this.report.panic) throw new InputError(e.path, 'do', e.do, `${e.id}: the kernel has panicked (${this.report.panic}); nothing more runs`);
    if (this.finished) throw new InputError(e.path, 'do', e.do, `${e.id}: the session has finished`);
    if (e.do === 'set' && e.kernel?.design) checkDesign(e.kernel.design, `${e.path}/kernel/design`);
    const m = this.machine;
    const tr = m.k.tr;
    // the time up to the event passes: khungtaskd's wake-ups in it belong to no event
    if (e.at > tr.now) khungtaskd(m.k, tr.now, e.at);
    const before = { now: tr.now, spans: tr.spans.length, event: m.k.event };
    m.k.event = e.id;
    tr.event = e.id;
    m.k.why.begin();
    if (e.at > tr.now) tr.now = e.at;
    const at = tr.now;
    let ev: ReportEvent;
    try {
      const res = runEvent(m, e);
      finishEvent(m);
      ev = { id: e.id, do: e.do, at, result: res, span: rootSpan(m, before.spans) };
      this.takeVerdicts(m, e.id);
    } catch (err) {
      if (err instanceof KernelOops || err instanceof KernelBlocked) {
        // the context never returns: an oops killed it (its SIGKILL is
        // delivered now), or it sleeps for good; the event ends here. What
        // the kworker still had queued may block it too (nothing more to say)
        try {
          finishEvent(m);
        } catch (again) {
          if (!(again instanceof KernelBlocked)) throw again;
        }
        const stopped = { reason: err instanceof KernelOops ? ('oops' as const) : ('blocked' as const), in: err.symbol };
        ev = { id: e.id, do: e.do, at, result: { ret: 0, stopped }, span: rootSpan(m, before.spans) };
        this.takeVerdicts(m, e.id);
      } else if (err instanceof KernelPanic) {
        this.report.panic = err.message;
        ev = { id: e.id, do: e.do, at, result: { ret: 0 }, span: rootSpan(m, before.spans) };
        this.takeVerdicts(m, e.id);
      } else {
        m.k.why.take();
        if (err instanceof InputError) {
          // nothing ran: put the clock and the event label back
          if (tr.spans.length !== before.spans) throw new Error(`internal: ${e.id} was rejected after ${tr.spans.length - before.spans} span(s) ran: ${err.message}`);
          tr.now = before.now;
          m.k.event = before.event;
          tr.event = undefined;
        }
        throw err;
      }
    }
    tr.event = undefined;
    this.done.push(e);
    this.report.events.push(ev);
    fill(this.report, m);
    for (const x of e.expect) this.report.expectations.push(evaluateExpectation(x, snapshot(this.report), e.id));
    return ev;
  }

  /** Check the top-level expectations; the report is complete after this. */
  finish(): RunReport {
    if (!this.finished) {
      this.finished = true;
      fill(this.report, this.machine);
      for (const x of this.scenario.expect) this.report.expectations.push(evaluateExpectation(x, snapshot(this.report), 'end'));
    }
    return this.report;
  }
}

function devdaxOf(m: Machine): DevDax[] {
  return m.namespaces.flatMap((n) => (n.devdax ? [n.devdax] : []));
}

function rootSpan(m: Machine, from: number): number | null {
  const spans = m.k.tr.spans;
  for (let i = from; i < spans.length; i++) if (spans[i]!.parent === null) return spans[i]!.id;
  return null;
}

function checkDesign(d: Design, path: string): void {
  if (!MODELLED_DESIGNS.includes(d))
    throw new InputError(path, 'design', d, `kernel.design ${JSON.stringify(d)} is not modelled in this build (modelled: ${MODELLED_DESIGNS.join(', ')})`);
}

/** a version the lab models, and nothing in the scenario that it does not have (versions.ts) */
function checkKernelVersion(s: Scenario): void {
  const v = kernelVersion(s.kernel);
  if (!KERNEL_VERSIONS.includes(v))
    throw new InputError('/kernel/version', 'version', v, `kernel.version ${JSON.stringify(v)} is not a modelled kernel release (modelled: ${KERNEL_VERSIONS.join(', ')})`);
  checkVersion(s, v);
}

function emptyReport(s: Scenario): RunReport {
  const version = kernelVersion(s.kernel);
  return {
    version: 1,
    scenario: s.name,
    design: s.kernel.design,
    kernel: { version, release: kernelRelease(version) },
    events: [],
    signals: [],
    verdicts: [],
    dmesg: [],
    badblocks: {},
    hwpoison: [],
    filesystems: [],
    calls: {},
    expectations: [],
    spans: [],
  };
}

/** copy the machine's observable state into the report */
function fill(r: RunReport, m: Machine): void {
  const k = m.k;
  r.signals = k.signals.map((s) => ({ ...s }));
  r.dmesg = k.dmesg.view();
  const bb: Record<string, [number, number][]> = {};
  for (const ns of m.namespaces) if (ns.pmem) bb[ns.pmem.name] = ns.pmem.bb.show();
  for (const reg of k.platform.regions) bb[reg.id] = reg.bb.show();
  r.badblocks = bb;
  // listed pfn by pfn where runs are short, so in proportion to the pages: built when first read
  // (most steps' reports never are), from the poison as the step left it
  const poison = k.hwpoison.clone();
  lazyField(r, 'hwpoison', () => hwpoisonEntries(poison.all()));
  r.filesystems = k.superblocks.map((sb) => ({ mount: sb.mount, shutdown: sb.shutdownState() }));
  const calls: Record<string, number> = {};
  for (const key of [...k.tr.calls.keys()].sort()) calls[key] = k.tr.calls.get(key)!;
  r.calls = calls;
  r.spans = k.tr.spans;
  // extension (docs/cxl.md): omitted when empty, so reports without CXL stay byte-identical
  if (k.cxl?.records.length) r.cxlPoison = k.cxl.records.map((x) => ({ ...x }));
}

function snapshot(r: RunReport): ReportSnapshot {
  const snap: ReportSnapshot = { events: r.events, signals: r.signals, dmesg: r.dmesg, badblocks: r.badblocks, hwpoison: [], filesystems: r.filesystems, calls: r.calls, cxlPoison: r.cxlPoison, verdicts: r.verdicts };
  // the report's list as it stands now, still unbuilt until an expectation reads it
  const d = Object.getOwnPropertyDescriptor(r, 'hwpoison');
  if (d?.get) Object.defineProperty(snap, 'hwpoison', { get: d.get, enumerable: true, configurable: true });
  else snap.hwpoison = r.hwpoison;
  return snap;
}

/**
 * r[key] as `make` gives it, made the first time it is read (an assignment
 * makes it an ordinary field): JSON.stringify, spreads and structured
 * clones read it like any other field.
 */
function lazyField<T extends object, K extends keyof T>(r: T, key: K, make: () => T[K]): void {
  let made: { v: T[K] } | undefined;
  Object.defineProperty(r, key, {
    get: () => (made ??= { v: make() }).v,
    set: (v: T[K]) => void Object.defineProperty(r, key, { value: v, writable: true, enumerable: true, configurable: true }),
    enumerable: true,
    configurable: true,
  });
}
