// A lab session: a scenario (the source text plus the events added by hand
// and the kernel knobs changed), its simulated machine, and how many of its
// events have run. Stepping back replays from the start (the simulator is
// deterministic). Every change is all or nothing: a scenario that does not
// load, an event the simulator refuses, leaves the session as it was.
// Pure: no VS Code and no Node APIs.

import { Scalar, parseDocument, isMap, isScalar, isSeq, visit, type Document } from 'yaml';
import { loadScenario, diagnosticFromInputError, positionOf, type LoadOptions } from '../../sim/scenario/load';
import { Session } from '../../sim/run';
import { InputError, ScenarioErrors, formatDiagnostic, type Diagnostic } from '../../sim/errors';
import type { EventSpec, KernelConfig, Scenario } from '../../sim/scenario/types';
import type { Machine } from '../../sim/machine';
import type { ReportEvent, RunReport } from '../../sim/report';
import { kernelVersion, type KernelVersion } from '../../sim/version';

/** An event as a scenario file writes it: `{ do: load, process: 1001, addr: 0x7f0000000000 }`. */
export type RawEvent = Record<string, unknown>;

/** Bad input: the diagnostics say where and why. Nothing was changed. */
export class LabError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
    this.name = 'LabError';
  }
}

export type KernelOverrides = Partial<KernelConfig>;

interface Built {
  scenario: Scenario;
  sim: Session;
  cursor: number;
  /** the event that stopped a replay short, if one did */
  stoppedBy?: LabError;
}

export interface StepResult {
  event: EventSpec;
  result: ReportEvent;
}

export function isJsonFile(file: string): boolean {
  return /\.json$/i.test(file);
}

/** The message of what a loader or simulator threw, positioned in `text` when it can be. */
export function toLabError(e: unknown, text: string, file: string): LabError {
  if (e instanceof LabError) return e;
  if (e instanceof ScenarioErrors) {
    const first = e.diagnostics[0];
    const more = e.diagnostics.length > 1 ? ` (and ${e.diagnostics.length - 1} more)` : '';
    return new LabError(first ? `${formatDiagnostic(first)}${more}` : e.message, e.diagnostics);
  }
  if (e instanceof InputError) {
    const d = diagnosticFromInputError(text, file, e);
    return new LabError(formatDiagnostic(d), [d]);
  }
  throw e;
}

export class LabSession {
  /** events added by hand, in order, as written */
  private added: RawEvent[] = [];
  /** events of the source from this index on were discarded (a hand action was added before them) */
  private dropFrom: number | undefined;
  private overrides: KernelOverrides = {};
  private built: Built;

  private constructor(
    /** the scenario file's text, as opened */
    readonly text: string,
    /** its name (path or URI), for diagnostics and for the format */
    readonly file: string,
    /** how the loader reads the files the scenario names (extentsFile:); a copy of the session (a what-if) reads them the same way */
    readonly options: LoadOptions = {},
  ) {
    this.built = this.build(0);
  }

  /** Load a scenario. Throws LabError when it does not load or its machine cannot be built. */
  static open(text: string, file: string, options: LoadOptions = {}): LabSession {
    return new LabSession(text, file, options);
  }

  get scenario(): Scenario {
    return this.built.scenario;
  }
  get machine(): Machine {
    return this.built.sim.machine;
  }
  get report(): RunReport {
    return this.built.sim.report;
  }
  get cursor(): number {
    return this.built.cursor;
  }
  get events(): readonly EventSpec[] {
    return this.built.scenario.events;
  }
  get atEnd(): boolean {
    return this.cursor >= this.events.length || !!this.report.panic;
  }
  get design(): string {
    return this.built.scenario.kernel.design;
  }
  /** the kernel version the session models (kernel.version, or a switch; 6.12 when absent) */
  get kernelVersion(): KernelVersion {
    return kernelVersion(this.built.scenario.kernel);
  }
  get kernel(): KernelConfig {
    return this.built.scenario.kernel;
  }
  /** the events added by hand (copies) */
  get handEvents(): RawEvent[] {
    return this.added.map((e) => ({ ...e }));
  }
  get kernelOverrides(): KernelOverrides {
    return { ...this.overrides };
  }
  /** how many events came from the source file (after any discarded ones) */
  get sourceEventCount(): number {
    return this.events.length - this.added.length;
  }
  /** the replay that rebuilt the session stopped at an invalid event */
  get stoppedBy(): LabError | undefined {
    return this.built.stoppedBy;
  }

  /** The scenario document: the source with the discarded events removed, the hand events appended and the knobs set. */
  composeDocument(added: RawEvent[] = this.added, overrides: KernelOverrides = this.overrides): Document.Parsed {
    const doc = parseDocument(this.text, { uniqueKeys: false });
    if (this.dropFrom !== undefined) {
      const seq = doc.get('events', true);
      if (isSeq(seq)) seq.items.splice(this.dropFrom);
    }
    if (added.length) {
      let seq = doc.get('events', true);
      if (!isSeq(seq)) {
        doc.set('events', doc.createNode([]));
        seq = doc.get('events', true);
      }
      if (isSeq(seq)) {
        for (const e of added) {
          const node = createNode(doc, e);
          if (isMap(node)) node.flow = true;
          seq.items.push(node);
        }
      }
    }
    for (const [k, v] of Object.entries(overrides)) {
      if (v === undefined) continue;
      if (!isMap(doc.get('kernel', true))) doc.set('kernel', doc.createNode({}));
      doc.setIn(['kernel', k], v);
    }
    return doc;
  }

  /** The scenario text, in the source's format (JSON stays JSON). */
  composeText(added: RawEvent[] = this.added, overrides: KernelOverrides = this.overrides): string {
    // unchanged: the source itself, so that positions are the file's own
    if (!added.length && this.dropFrom === undefined && !Object.values(overrides).some((v) => v !== undefined)) return this.text;
    return documentText(this.composeDocument(added, overrides), this.file);
  }

  private load(added: RawEvent[], overrides: KernelOverrides): Scenario {
    const text = this.composeText(added, overrides);
    try {
      return loadScenario(text, this.file, this.options);
    } catch (e) {
      if (e instanceof ScenarioErrors && text !== this.text) {
        // place the problems in the source as the user wrote it
        const placed = e.diagnostics.map((d) => ({ ...d, ...positionOf(this.text, this.file, d.path) }));
        throw toLabError(new ScenarioErrors(placed), this.text, this.file);
      }
      throw toLabError(e, text, this.file);
    }
  }

  /** Build the machine and replay `cursor` events. Throws LabError when the scenario or its machine is bad. */
  private build(cursor: number, added = this.added, overrides = this.overrides): Built {
    const scenario = this.load(added, overrides);
    let sim: Session;
    try {
      sim = new Session(scenario);
    } catch (e) {
      throw toLabError(e, this.text, this.file);
    }
    const built: Built = { scenario, sim, cursor: 0 };
    const n = Math.min(cursor, scenario.events.length);
    while (built.cursor < n && !sim.report.panic) {
      try {
        sim.step(scenario.events[built.cursor]!);
      } catch (e) {
        built.stoppedBy = toLabError(e, this.text, this.file);
        break;
      }
      built.cursor++;
    }
    return built;
  }

  /** Run the next event. Returns undefined at the end. Throws LabError (nothing changed) for an invalid event. */
  step(): StepResult | undefined {
    if (this.atEnd) return undefined;
    const event = this.events[this.cursor]!;
    try {
      const result = this.built.sim.step(event);
      this.built.cursor++;
      this.built.stoppedBy = undefined;
      return { event, result };
    } catch (e) {
      throw toLabError(e, this.text, this.file);
    }
  }

  /** Go back one event: replay the ones before it. */
  stepBack(): void {
    if (this.cursor === 0) return;
    this.built = this.build(this.cursor - 1);
  }

  /** Back to the machine as the scenario sets it up, before any event. */
  reset(): void {
    this.built = this.build(0);
  }

  /** Replay to a given number of events run. */
  goTo(cursor: number): void {
    this.built = this.build(Math.max(0, cursor));
  }

  /**
   * Run every remaining event. Gives the event loop a turn every `sliceMs`
   * so a long run can show progress and be cancelled between events.
   */
  async runToEnd(opts: { onStep?: (done: number, total: number, r: StepResult) => void; isCancelled?: () => boolean; sliceMs?: number } = {}): Promise<{ ran: number; cancelled: boolean }> {
    const slice = opts.sliceMs ?? 50;
    let ran = 0;
    let t0 = Date.now();
    while (!this.atEnd) {
      if (opts.isCancelled?.()) return { ran, cancelled: true };
      const r = this.step()!;
      ran++;
      opts.onStep?.(this.cursor, this.events.length, r);
      if (Date.now() - t0 >= slice) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        t0 = Date.now();
      }
    }
    return { ran, cancelled: false };
  }

  /** Change the design or a kernel knob and replay to where the session was. */
  setKernel(o: KernelOverrides): void {
    const overrides = { ...this.overrides, ...o };
    const built = this.build(this.cursor, this.added, overrides);
    this.overrides = overrides;
    this.built = built;
  }

  /** Events that have not run yet (they must be discarded before a hand action is appended). */
  get pending(): number {
    return this.events.length - this.cursor;
  }

  /** Drop the events that have not run yet. */
  discardPending(): void {
    if (!this.pending) return;
    const keep = this.cursor;
    const src = this.sourceEventCount;
    const dropFrom = keep < src ? (this.dropFrom === undefined ? keep : Math.min(this.dropFrom, keep)) : this.dropFrom;
    const added = keep < src ? [] : this.added.slice(0, keep - src);
    const saved = { dropFrom: this.dropFrom, added: this.added };
    this.dropFrom = dropFrom;
    try {
      this.built = this.build(keep, added);
      this.added = added;
    } catch (e) {
      this.dropFrom = saved.dropFrom;
      throw e;
    }
  }

  /**
   * Append an event done by hand and run it. The event is validated as part
   * of the scenario (the schema and the loader's checks), then run; when
   * either refuses it, the session is unchanged and the LabError says why.
   */
  act(raw: RawEvent): StepResult {
    if (this.report.panic) throw new LabError(`the kernel has panicked (${this.report.panic}); reset or step back first`);
    if (this.pending) throw new LabError(`${this.pending} event${this.pending === 1 ? ' has' : 's have'} not run yet: run to the end or discard them before adding an event`);
    const e = { ...raw };
    const index = this.events.length;
    if (e.id === undefined && this.events.some((x) => x.id === `e${index + 1}`)) {
      let n = 1;
      while (this.events.some((x) => x.id === `h${n}`)) n++;
      e.id = `h${n}`;
    }
    const added = [...this.added, e];
    const composed = this.composeText(added);
    let scenario: Scenario;
    try {
      scenario = loadScenario(composed, this.file, this.options);
    } catch (err) {
      if (err instanceof ScenarioErrors) {
        const mine = err.diagnostics.filter((d) => d.path === `/events/${index}` || d.path.startsWith(`/events/${index}/`));
        const ds = mine.length ? mine : err.diagnostics;
        const msg = ds.map((d) => `${d.path.replace(`/events/${index}`, '') || '/'}: ${d.message}`).join('; ');
        throw new LabError(`${String(e.do)}: ${msg}`, ds);
      }
      throw err;
    }
    const event = scenario.events[index]!;
    let result: ReportEvent;
    try {
      result = this.built.sim.step(event);
    } catch (err) {
      if (err instanceof InputError) throw new LabError(`${String(e.do)}: ${err.message}`, []);
      throw err;
    }
    this.added = added;
    this.built = { scenario, sim: this.built.sim, cursor: this.built.cursor + 1 };
    return { event, result };
  }

  /** Remove the last hand event (and step back over it when it has run). */
  undoLastHandEvent(): boolean {
    if (!this.added.length) return false;
    const added = this.added.slice(0, -1);
    const built = this.build(Math.min(this.cursor, this.events.length - 1), added);
    this.added = added;
    this.built = built;
    return true;
  }
}

/** A scenario document as text in the format of `file`. */
export function documentText(doc: Document, file: string): string {
  if (isJsonFile(file)) return JSON.stringify(doc.toJS({ maxAliasCount: 1000 }), null, 2) + '\n';
  return doc.toString({ lineWidth: 120, minContentWidth: 40 });
}

const HEX = /^0x[0-9a-f]+$/i;

/**
 * A YAML node for plain data, with hex strings ("0x7f0000000000") written as
 * bare hex numbers, the way a scenario writes addresses.
 */
export function createNode(doc: Document, value: unknown): ReturnType<Document['createNode']> {
  const node = doc.createNode(value);
  visit(node, {
    Scalar(_key, n) {
      if (typeof n.value === 'string' && HEX.test(n.value)) {
        const v = parseInt(n.value, 16);
        if (Number.isSafeInteger(v)) {
          const s = new Scalar(v);
          s.format = 'HEX';
          return s;
        }
      }
      return undefined;
    },
  });
  return node;
}

/** is a node a scalar holding a number written in hex */
export function isHexScalar(n: unknown): boolean {
  return isScalar(n) && (n as Scalar).format === 'HEX';
}
