// Running a scenario: build the machine, run each event atomically, deliver
// its signals, check its expectations, and assemble the run report. The same
// scenario gives the same report, byte for byte.

import type { Design, Scenario } from './scenario/types';
import { buildMachine, type Machine } from './machine';
import { finishEvent, runEvent } from './events';
import { KernelPanic } from './kernel';
import type { ExpectationResult, ReportEvent, RunReport } from './report';
import { evaluateExpectation, type ReportSnapshot } from './expect';
import { hex } from './units';
import { InputError } from './errors';
import { MODELLED_DESIGNS } from './designs';
import type { CostModel } from './trace';

export interface RunOptions {
  design?: Design;
  cost?: CostModel;
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
  const scenario: Scenario = opts.design ? { ...s, kernel: { ...s.kernel, design: opts.design } } : s;
  checkDesign(scenario);
  const m = buildMachine(scenario, opts.cost);
  const report = emptyReport(scenario);
  for (const e of scenario.events) {
    if (report.panic) break;
    if (e.do === 'set' && e.kernel?.design && !MODELLED_DESIGNS.includes(e.kernel.design))
      throw new InputError(`${e.path}/kernel/design`, 'design', e.kernel.design, designMessage(e.kernel.design));
    m.k.event = e.id;
    m.k.tr.event = e.id;
    if (e.at > m.k.tr.now) m.k.tr.now = e.at;
    const at = m.k.tr.now;
    const firstSpan = m.k.tr.spans.length;
    let ev: ReportEvent;
    try {
      const res = runEvent(m, e);
      finishEvent(m);
      const root = m.k.tr.spans.slice(firstSpan).find((sp) => sp.parent === null);
      ev = { id: e.id, do: e.do, at, result: res, span: root ? root.id : null };
    } catch (err) {
      if (!(err instanceof KernelPanic)) throw err;
      report.panic = err.message;
      const root = m.k.tr.spans.slice(firstSpan).find((sp) => sp.parent === null);
      ev = { id: e.id, do: e.do, at, result: { ret: 0 }, span: root ? root.id : null };
    }
    report.events.push(ev);
    fill(report, m);
    for (const x of e.expect) report.expectations.push(evaluateExpectation(x, snapshot(report), e.id));
  }
  m.k.tr.event = undefined;
  fill(report, m);
  for (const x of scenario.expect) report.expectations.push(evaluateExpectation(x, snapshot(report), 'end'));
  return { machine: m, report };
}

function checkDesign(s: Scenario): void {
  if (!MODELLED_DESIGNS.includes(s.kernel.design)) throw new InputError('/kernel/design', 'design', s.kernel.design, designMessage(s.kernel.design));
}

function designMessage(d: string): string {
  return `kernel.design ${JSON.stringify(d)} is not modelled in this build (modelled: ${MODELLED_DESIGNS.join(', ')})`;
}

function emptyReport(s: Scenario): RunReport {
  return {
    version: 1,
    scenario: s.name,
    design: s.kernel.design,
    events: [],
    signals: [],
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
  r.dmesg = [...k.dmesg];
  const bb: Record<string, [number, number][]> = {};
  for (const ns of m.namespaces) if (ns.pmem) bb[ns.pmem.name] = ns.pmem.bb.show();
  for (const reg of k.platform.regions) bb[reg.id] = reg.bb.show();
  r.badblocks = bb;
  const hw: string[] = [];
  for (const [s, e] of k.hwpoison.all()) for (let p = s; p < e && hw.length < 100000; p++) hw.push(hex(p));
  r.hwpoison = hw;
  r.filesystems = k.superblocks.map((sb) => ({ mount: sb.mount, shutdown: sb.shutdownState() }));
  const calls: Record<string, number> = {};
  for (const key of [...k.tr.calls.keys()].sort()) calls[key] = k.tr.calls.get(key)!;
  r.calls = calls;
  r.spans = k.tr.spans;
}

function snapshot(r: RunReport): ReportSnapshot {
  return { events: r.events, signals: r.signals, dmesg: r.dmesg, badblocks: r.badblocks, hwpoison: r.hwpoison, filesystems: r.filesystems, calls: r.calls };
}

export type { ExpectationResult };
