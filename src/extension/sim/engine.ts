// The simulator's side of src/protocol/sim.ts: one session (a LabSession,
// src/extension/model/session.ts) and the runs the views ask for, answered
// request by request. The Node extension host runs it in a worker_threads
// Worker (./worker.ts); the web extension host, which has no worker threads,
// runs it in-process (./host.ts). No VS Code and no Node APIs.

import { LabError, LabSession, toLabError } from '../model/session';
import { buildDevicesTree } from '../model/devices';
import { badMemory } from '../model/feedback';
import { foldDmesg } from '../model/dmesg';
import { ownersAnswer, ownersOf } from '../model/owners';
import { whatIf } from '../model/whatif';
import { hoverAddress } from '../model/scenarioText';
import { unitRows, unitsMarkdown } from '../model/addresses';
import { sessionToScenario } from '../model/save';
import {
  accessEvent,
  checkLength,
  checkValue,
  defaultLength,
  ioEvent,
  namespaceEvent,
  objectsFor,
  poisonEvent,
  punchEvent,
  removedObjects,
  scrubEvent,
  unboundBy,
  valuePrompt,
} from '../model/actions';
import { InputError, ScenarioErrors } from '../../sim/errors';
import { loadScenario, type LoadOptions } from '../../sim/scenario/load';
import { runScenario } from '../../sim/run';
import { runMeasured, type DesignRun } from '../../sim/compare';
import { comparisonView, dmesgKeys } from '../../protocol/comparison';
import { withoutExpectations } from '../../sim/scenario/versions';
import type { KernelVersion } from '../../sim/version';
import type { Design, Scenario } from '../../sim/scenario/types';
import type { Machine } from '../../sim/machine';
import type { CompareResult, FileTexts, HoverAnswer, QueryName, RunDesignResult, SessionSnapshot, SimEnvelope, SimError, SimReply, StepInfo } from '../../protocol/sim';

/** A question about the session's machine: the model function, given the machine first. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Query = (m: Machine, s: LabSession, ...args: any[]) => unknown;

export const QUERIES: Record<QueryName, Query> = {
  objectsFor: (m, _s, form) => objectsFor(m, form),
  removedObjects: (m, s, form) => removedObjects(m, form, unboundBy(s.events, s.cursor)),
  valuePrompt: (m, _s, form, object) => valuePrompt(m, form, object),
  checkValue: (m, s, form, object, text, kind) => checkValue(m, form, object, text, kind, unboundBy(s.events, s.cursor)),
  checkLength: (m, _s, kind, target, text) => checkLength(m, kind, target, text),
  defaultLength: (m, _s, kind, target) => defaultLength(m, kind, target),
  poisonEvent: (m, s, req) => poisonEvent(m, req, unboundBy(s.events, s.cursor)),
  accessEvent: (m, _s, req) => accessEvent(m, req),
  ioEvent: (m, _s, req) => ioEvent(m, req),
  punchEvent: (m, _s, req) => punchEvent(m, req),
  scrubEvent: (m, _s, region) => scrubEvent(m, region),
  namespaceEvent: (m, s, kind, ns) => namespaceEvent(m, kind, ns, unboundBy(s.events, s.cursor)),
  regions: (m) => m.k.platform.regions.map((r) => ({ id: r.id, start: r.ndrStart, size: r.ndrSize })),
  boundNamespaces: (m) => m.namespaces.filter((n) => n.bound).map((n) => ({ id: n.id, detail: `${n.spec.mode} ${n.spec.device} on ${n.region.id}` })),
  fileSize: (m, _s, path) => m.lookup(path)?.inode.size,
  deviceSize: (m, _s, dev) => m.bdev(String(dev))?.size,
  // the plain form: the result itself holds machine objects (the place's devices, the records' inodes), which cannot be posted
  ownersOf: (m, _s, q) => ownersAnswer(ownersOf(m, q)),
  // on a copy of the session (whatIf opens one): the session is not changed
  whatIf: (_m, s, t, kind) => whatIf(s, t, kind),
  hover: (m, s, text, offset) => hoverOn(m, text, offset, `the lab session, after ${s.cursor} of ${s.events.length} events`),
};

function hoverOn(m: Machine, text: string, offset: number, when: string): HoverAnswer | undefined {
  const h = hoverAddress(m, text, offset);
  if (!h) return undefined;
  if (h.error || h.spa === undefined) return { range: h.range, what: h.what, error: h.error ?? 'unknown' };
  return { range: h.range, what: h.what, units: `${unitsMarkdown(unitRows(m, h.spa, h.len ?? 1))}\n\n_${when}_` };
}

/** The loader's file reader over the texts the extension sent; a path it has not sent is noted and refused. */
class Files {
  readonly missing = new Set<string>();
  constructor(private readonly texts: FileTexts = {}) {}
  readonly options: LoadOptions = {
    readFile: (path: string) => {
      const f = this.texts[path];
      if (!f) {
        this.missing.add(path);
        throw new Error('not read yet');
      }
      if ('error' in f) throw new Error(f.error);
      return f.text;
    },
  };
}

class NeedFiles extends Error {
  constructor(readonly paths: string[]) {
    super(`the scenario names files not read yet: ${paths.join(', ')}`);
  }
}

/** where the engine says what it is doing: progress of a long run, and whether it was cancelled */
export interface EngineContext {
  progress(id: number, done: number, total: number, event?: string): void;
  /** the extension asked the run to stop (it clears the flag when it sends a run) */
  cancelled(): boolean;
  /** what `fail: exit` does (the worker ends its thread) */
  exit(): void;
}

export class SimEngine {
  private session: LabSession | undefined;
  /** the dmesg of the session as last folded: the count of lines it was folded from */
  private hoverCache: { key: string; machine: Machine } | undefined;

  constructor(private readonly ctx: EngineContext) {}

  /** Answer one request. Never throws: every failure is an error reply. */
  handle(req: SimEnvelope): SimReply {
    try {
      return this.dispatch(req);
    } catch (e) {
      return this.failure(req, e);
    }
  }

  private failure(req: SimEnvelope, e: unknown): SimReply {
    if (e instanceof NeedFiles) return { type: 'reply', id: req.id, ok: false, error: { kind: 'needFiles', paths: e.paths } };
    if (e instanceof LabError) return { type: 'reply', id: req.id, ok: false, error: { kind: 'input', message: e.message, diagnostics: e.diagnostics } };
    const err = e instanceof Error ? e : new Error(String(e));
    const error: SimError = { kind: 'internal', message: err.message, stack: err.stack };
    // a session a request changed half way is replayed to where it was; when that fails too it is closed
    let snapshot: SessionSnapshot | null | undefined;
    if (this.session && MUTATING.has(req.op)) {
      const s = this.session;
      const cursor = s.cursor;
      try {
        s.goTo(cursor);
        error.recovery = `the session was replayed to ${cursor} event${cursor === 1 ? '' : 's'} run`;
        snapshot = this.snapshot();
      } catch (e2) {
        this.session = undefined;
        error.recovery = `the session could not be replayed (${e2 instanceof Error ? e2.message : String(e2)}) and was closed`;
        snapshot = null;
      }
    }
    return { type: 'reply', id: req.id, ok: false, error, ...(snapshot !== undefined ? { snapshot } : {}) };
  }

  private need(): LabSession {
    if (!this.session) throw new LabError('no lab session: open a scenario first (DAX Poison Lab: Open Scenario)');
    return this.session;
  }

  /** load with the files the extension sent; NeedFiles when the loader asked for others */
  private withFiles<T>(files: FileTexts | undefined, f: (opts: LoadOptions) => T): T {
    const fs = new Files(files);
    try {
      const v = f(fs.options);
      if (fs.missing.size) throw new NeedFiles([...fs.missing]);
      return v;
    } catch (e) {
      if (fs.missing.size) throw new NeedFiles([...fs.missing]);
      throw e;
    }
  }

  /** the request's scenario, loaded with its files; a ScenarioErrors becomes the LabError the extension shows */
  private loadRequest(req: { text: string; file: string; files?: FileTexts }): Scenario {
    try {
      return this.withFiles(req.files, (o) => loadScenario(req.text, req.file, o));
    } catch (e) {
      if (e instanceof ScenarioErrors) throw toLabError(e, req.text, req.file);
      throw e;
    }
  }

  private dispatch(req: SimEnvelope): SimReply {
    const ok = (extra: Partial<Extract<SimReply, { type: 'reply'; ok: true }>> = {}): SimReply => ({ type: 'reply', id: req.id, ok: true, ...extra });
    switch (req.op) {
      case 'open': {
        const s = this.withFiles(req.files, (o) => LabSession.open(req.text, req.file, o));
        this.session = s;
        return ok({ snapshot: this.snapshot() });
      }
      case 'close':
        this.session = undefined;
        return ok({ snapshot: null });
      case 'step': {
        const r = this.need().step();
        return ok({ snapshot: this.snapshot(), steps: r ? [{ event: r.event, result: r.result }] : [] });
      }
      case 'stepBack':
        this.need().stepBack();
        return ok({ snapshot: this.snapshot() });
      case 'reset':
        this.need().reset();
        return ok({ snapshot: this.snapshot() });
      case 'goTo':
        this.need().goTo(req.cursor);
        return ok({ snapshot: this.snapshot() });
      case 'runToEnd': {
        const s = this.need();
        const steps: StepInfo[] = [];
        let cancelled = false;
        const total = s.events.length;
        while (!s.atEnd) {
          if (this.ctx.cancelled()) {
            cancelled = true;
            break;
          }
          const ev = s.events[s.cursor];
          this.ctx.progress(req.id, s.cursor, total, ev?.id);
          const r = s.step()!;
          steps.push({ event: r.event, result: r.result });
        }
        return ok({ snapshot: this.snapshot(), steps, cancelled });
      }
      case 'setKernel':
        this.need().setKernel(req.overrides);
        return ok({ snapshot: this.snapshot() });
      case 'discardPending':
        this.need().discardPending();
        return ok({ snapshot: this.snapshot() });
      case 'act': {
        const r = this.need().act(req.raw);
        return ok({ snapshot: this.snapshot(), steps: [{ event: r.event, result: r.result }] });
      }
      case 'undoLastHandEvent': {
        const v = this.need().undoLastHandEvent();
        return ok({ value: v, snapshot: this.snapshot() });
      }
      case 'query': {
        const s = this.need();
        const q = QUERIES[req.name];
        if (!q) throw new Error(`no such query: ${String(req.name)}`);
        return ok({ value: q(s.machine, s, ...req.args) });
      }
      case 'save':
        return ok({ value: sessionToScenario(this.need(), req.target) });
      case 'check': {
        this.withFiles(req.files, (o) => {
          const s = LabSession.open(req.text, req.file, o);
          // the run-time checks too: an event the simulator refuses is bad input
          if (s.events.length <= req.maxEvents) while (!s.atEnd) s.step();
        });
        return ok();
      }
      case 'runDesign': {
        const sc = this.loadRequest(req);
        const expectPaths = [...sc.events.flatMap((e) => e.expect), ...sc.expect].map((x) => x.path);
        let value: RunDesignResult;
        try {
          const report = runScenario(sc, req.design ? { design: req.design as Design } : {});
          // the dmesg folded (runs as one line each): nothing sent grows with pages
          value = { name: sc.name, expectPaths, report: { ...report, dmesg: foldDmesg(report.dmesg) } };
        } catch (e) {
          if (e instanceof InputError) value = { name: sc.name, expectPaths, error: e.message };
          else throw e;
        }
        return ok({ value });
      }
      case 'compare': {
        const sc = this.loadRequest(req);
        const kernels = (req.kernels ?? []) as KernelVersion[];
        const scenario = kernels.length ? withoutExpectations(sc) : sc;
        const runs: (DesignRun & { kernel?: string })[] = [];
        const ms: CompareResult['ms'] = [];
        const plan: { d: Design; k?: KernelVersion }[] = kernels.length ? (req.designs as Design[]).flatMap((d) => kernels.map((k) => ({ d, k }))) : (req.designs as Design[]).map((d) => ({ d }));
        for (const { d, k } of plan) {
          const t0 = Date.now();
          const what = k ? `${d} · ${k}` : d;
          try {
            const r = runMeasured(scenario, d, undefined, k);
            dmesgKeys(r.report.dmesg);
            runs.push({ design: d, ...(k ? { kernel: k } : {}), ...r });
          } catch (e) {
            if (e instanceof InputError) runs.push({ design: d, ...(k ? { kernel: k } : {}), error: e.message });
            else throw e;
          }
          ms.push({ what: `run under ${what}`, ms: Date.now() - t0 });
          this.ctx.progress(req.id, runs.length, plan.length, what);
        }
        const t0 = Date.now();
        const view = comparisonView(req.name, req.design, runs, req.sessionKernel as KernelVersion | undefined);
        ms.push({ what: 'the comparison view', ms: Date.now() - t0 });
        const value: CompareResult = { view, ms };
        return ok({ value });
      }
      case 'hoverText': {
        if (this.hoverCache?.key !== req.key) {
          try {
            this.hoverCache = { key: req.key, machine: this.withFiles(req.files, (o) => LabSession.open(req.text, req.file, o)).machine };
          } catch (e) {
            if (e instanceof LabError) return ok({ value: undefined });
            throw e;
          }
        }
        return ok({ value: hoverOn(this.hoverCache.machine, req.text, req.offset, 'the machine as set up, before any event') });
      }
      case 'fail':
        if (req.how === 'exit') this.ctx.exit();
        throw new Error('a failure the tests asked for (fail: throw)');
    }
  }

  /** the session as the extension sees it */
  private snapshot(): SessionSnapshot | null {
    const s = this.session;
    if (!s) return null;
    const full = s.report;
    const report = { ...full, dmesg: foldDmesg(full.dmesg) };
    const composed = s.composeText();
    return {
      file: s.file,
      ...(composed !== s.text ? { composedText: composed } : {}),
      scenario: s.scenario,
      report,
      dmesgLines: full.dmesg.length,
      cursor: s.cursor,
      atEnd: s.atEnd,
      design: s.design,
      kernel: s.kernel,
      handEvents: s.handEvents,
      kernelOverrides: s.kernelOverrides,
      sourceEventCount: s.sourceEventCount,
      pending: s.pending,
      ...(s.stoppedBy ? { stoppedBy: { message: s.stoppedBy.message, diagnostics: s.stoppedBy.diagnostics } } : {}),
      devices: buildDevicesTree(s.machine, unboundBy(s.events, s.cursor)),
      bad: badMemory(s.machine, full),
    };
  }
}

/** the requests that change the session (an internal error in one replays it) */
const MUTATING = new Set<string>(['step', 'stepBack', 'reset', 'goTo', 'runToEnd', 'setKernel', 'discardPending', 'act', 'undoLastHandEvent', 'fail']);
