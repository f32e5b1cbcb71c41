// The running lab: one session at a time, where it came from, and what shows
// it outside the views: the status-bar item (design and poisoned pages), the
// simulated dmesg in a log output channel, and a results channel with one
// line per event. Every change goes through here and fires onDidChange.

import { mdText } from './model/markdown';
import * as vscode from 'vscode';
import { LabError, type KernelOverrides, type RawEvent, type StepResult } from './model/session';
import { InternalError } from '../sim/errors';
import { MAX_INPUT_BYTES, decodeText, tooLargeMessage } from '../sim/scenario/bytes';
import { SimHost, type SimAnswer } from './sim/host';
import { RemoteSession } from './sim/remote';
import type { FileTexts, QueryName, SessionSnapshot, SimRequest } from '../protocol/sim';
import type { SaveResult } from './model/save';
import { formatResult } from '../sim/render';
import { dmesgLevel, signalText } from './model/route';
import type { OwnersQuery } from './model/owners';
import { statusText } from './model/feedback';
import { confineToWorkspace, isInside } from './model/paths';
import { realTarget } from './realpath';

/**
 * A file a command was given as an argument (a URI or a path), confined to
 * the first workspace folder: a relative path is taken from the folder, an
 * absolute path or URI must be inside it. Returns the URI, or why not.
 */
export function confineTarget(arg: vscode.Uri | string, what: string): { uri: vscode.Uri } | { error: string } {
  const c = confineLexically(arg, what);
  if ('error' in c) return c;
  // a symbolic link inside the workspace may point outside it: the write would follow it
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (c.uri.scheme === 'file' && folder?.scheme === 'file') {
    const real = realTarget(c.uri.fsPath);
    const root = realTarget(folder.fsPath);
    if (!isInside(real, root) || real.replace(/\/$/, '') === root.replace(/\/$/, ''))
      return { error: `${what}: ${c.uri.fsPath} leads outside the workspace folder ${folder.fsPath} (through a symbolic link, to ${real}); a file given as an argument must be inside it` };
  }
  return c;
}

function confineLexically(arg: vscode.Uri | string, what: string): { uri: vscode.Uri } | { error: string } {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (arg instanceof vscode.Uri || /^[a-z][a-z0-9+.-]+:\/\//i.test(arg)) {
    const uri = arg instanceof vscode.Uri ? arg : vscode.Uri.parse(arg);
    if (!folder) return { error: `${what}: no workspace folder is open, so ${uri.toString()} cannot be checked; open a folder or use the save dialog` };
    if (uri.scheme !== folder.scheme || (uri.authority || '') !== (folder.authority || '') || !isInside(uri.path, folder.path) || uri.path.replace(/\/$/, '') === folder.path.replace(/\/$/, ''))
      return { error: `${what}: ${uri.scheme === 'file' ? uri.fsPath : uri.toString()} is outside the workspace folder ${folder.scheme === 'file' ? folder.fsPath : folder.toString()}; a file given as an argument must be inside it` };
    return { uri };
  }
  const c = confineToWorkspace(arg, folder?.path, what);
  if (!c.ok) return { error: c.reason };
  return { uri: folder!.with({ path: c.path }) };
}

/** an event that just ran: by Step, Run to End or a hand action */
export interface RanEvent {
  id: string;
  hand: boolean;
}

export interface Outcome {
  ok: boolean;
  /** why it did not happen */
  error?: string;
  /** what happened, in a line */
  message?: string;
}

/**
 * How a command reports what it did not do: refuse shows the error (with the
 * lab's prefix), records it in messages and returns the failed Outcome;
 * guard turns a LabError thrown by the command into such a refusal.
 */
export function outcomeReporters(messages: string[]): {
  refuse: (msg: string) => Outcome;
  guard: <A extends unknown[]>(fn: (...args: A) => Promise<Outcome> | Outcome) => (...args: A) => Promise<Outcome>;
} {
  const refuse = (msg: string): Outcome => {
    const m = msg.startsWith('DAX Poison Lab') ? msg : `DAX Poison Lab: ${msg}`;
    messages.push(m);
    void vscode.window.showErrorMessage(m);
    return { ok: false, error: msg };
  };
  const guard =
    <A extends unknown[]>(fn: (...args: A) => Promise<Outcome> | Outcome) =>
    async (...args: A): Promise<Outcome> => {
      try {
        return await fn(...args);
      } catch (e) {
        if (e instanceof LabError) return refuse(e.message);
        if (e instanceof InternalError) {
          const msg = `internal error: ${e.message}${e.recovery ? ` (${e.recovery})` : ''}`;
          messages.push(`DAX Poison Lab: ${msg}`);
          return { ok: false, error: msg };
        }
        throw e;
      }
    };
  return { refuse, guard };
}

export class Lab implements vscode.Disposable {
  private sessionValue: RemoteSession | undefined;
  /** the document the session came from (file, untitled or built-in) */
  source: vscode.Uri | undefined;
  /** what the Owners view shows */
  ownersQuery: OwnersQuery | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly ran = new vscode.EventEmitter<RanEvent>();
  /** fires after the views have been updated for an event that just ran */
  readonly onDidRunEvent = this.ran.event;
  readonly dmesg: vscode.LogOutputChannel;
  readonly results: vscode.OutputChannel;
  private readonly status: vscode.StatusBarItem;
  private dmesgShown = 0;
  /** the last line written to the dmesg channel (its fold changes when a run grows) */
  private dmesgLast: string | undefined;
  /** the simulator of the session (a worker thread in the Node extension host) */
  readonly sim: SimHost;
  /** a second simulator for work that is not the session's (a document's diagnostics and hovers, other designs' runs), so that it never waits behind a step */
  readonly scratch: SimHost;
  /** the internal errors reported (the simulator failed or its worker died), newest last */
  readonly internalErrors: string[] = [];

  constructor(extensionUri?: vscode.Uri) {
    this.dmesg = vscode.window.createOutputChannel('DAX Poison Lab: dmesg', { log: true });
    this.results = vscode.window.createOutputChannel('DAX Poison Lab');
    this.status = vscode.window.createStatusBarItem('daxPoisonLab.status', vscode.StatusBarAlignment.Left, 50);
    this.status.name = 'DAX Poison Lab';
    this.status.command = 'daxPoisonLab.switchDesign';
    this.sim = new SimHost(simWorkerFile(extensionUri), readScenarioFiles, (m) => this.dmesg.error(m));
    this.scratch = new SimHost(simWorkerFile(extensionUri), readScenarioFiles, (m) => this.dmesg.error(m));
    this.scratch.onCrash = (e) => this.reportInternal(e, 'the session is not affected');
    // the worker died: the session it held is gone; say so and close it cleanly
    this.sim.onCrash = (e) => {
      if (!this.sessionValue) return;
      this.reportInternal(e, 'the session was closed; open the scenario again');
      this.sessionValue = undefined;
      this.source = undefined;
      this.ownersQuery = undefined;
      this.resync(true);
    };
    this.refresh();
  }

  get session(): RemoteSession | undefined {
    return this.sessionValue;
  }

  /** the session, or a LabError saying there is none */
  need(): RemoteSession {
    if (!this.sessionValue) throw new LabError('no lab session: open a scenario first (DAX Poison Lab: Open Scenario)');
    return this.sessionValue;
  }

  private readonly reported = new WeakSet<Error>();

  /** an internal error not reported yet */
  reportOnce(e: InternalError): void {
    if (!this.reported.has(e)) this.reportInternal(e);
  }

  /** an internal error: logged with its stack, shown, kept for the tests */
  reportInternal(e: InternalError, fate?: string): string {
    this.reported.add(e);
    const msg = `DAX Poison Lab: internal error: ${e.message}${e.recovery || fate ? ` (${[e.recovery, fate].filter(Boolean).join('; ')})` : ''}`;
    this.internalErrors.push(msg);
    this.dmesg.error(`${msg}${e.detail ? `\n${e.detail}` : ''}`);
    void vscode.window.showErrorMessage(msg);
    return msg;
  }

  /**
   * A request to the simulator. The session takes the snapshot it answers
   * with (also when it fails: an internal error replays or closes the
   * session). A request that runs longer than PROGRESS_AFTER_MS shows a
   * progress notification, cancellable where the run can stop between events.
   */
  private async run<T>(req: SimRequest, title?: string, cancellable = false, progress?: (done: number, total: number) => void): Promise<SimAnswer<T>> {
    try {
      const a = await this.progressWhile(title, cancellable, (report) =>
        this.sim.request<T>(req, {
          onProgress: (done, total, event) => {
            progress?.(done, total);
            report(done, total, event);
          },
        }),
      );
      this.take(a.snapshot);
      return a;
    } catch (e) {
      const snap = (e as { snapshot?: SessionSnapshot | null }).snapshot;
      if (snap !== undefined) this.take(snap, true);
      if (e instanceof InternalError) this.reportOnce(e);
      throw e;
    }
  }

  /**
   * `f`, with a progress notification when it runs longer than
   * PROGRESS_AFTER_MS (and a title is given): the events done so far, and
   * Cancel where the run can stop between events.
   */
  private async progressWhile<T>(title: string | undefined, cancellable: boolean, f: (report: (done: number, total: number, event?: string) => void) => Promise<T>): Promise<T> {
    let report: ((done: number, total: number, event?: string) => void) | undefined;
    let settled = false;
    let finish: () => void = () => {};
    const finished = new Promise<void>((r) => (finish = r));
    const timer = title
      ? setTimeout(() => {
          if (settled) return;
          this.progressShown++;
          void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `DAX Poison Lab: ${title}`, cancellable }, (p, token) => {
            token.onCancellationRequested(() => this.sim.cancel());
            let last = 0;
            report = (done, total, event) => {
              const pct = total ? (100 * done) / total : 0;
              p.report({ message: `${done} of ${total} events${event ? ` (next: ${event})` : ''}`, increment: pct - last });
              last = pct;
            };
            return finished;
          });
        }, this.progressAfterMs)
      : undefined;
    try {
      return await f((done, total, event) => report?.(done, total, event));
    } finally {
      settled = true;
      if (timer) clearTimeout(timer);
      finish();
    }
  }

  /** how many progress notifications were shown (for tests) */
  progressShown = 0;

  /** a request running longer than this shows a progress notification (tests lower it: how long a request takes depends on the machine) */
  progressAfterMs = PROGRESS_AFTER_MS;

  /** the session's newer snapshot (null: the simulator has no session any more) */
  private take(snap: SessionSnapshot | null | undefined, resync = false): void {
    if (snap === undefined) return;
    if (snap === null) {
      if (this.sessionValue) {
        this.sessionValue = undefined;
        this.source = undefined;
        this.ownersQuery = undefined;
      }
    } else this.sessionValue?.update(snap);
    if (resync) this.resync(true);
  }

  /** Start a session on a scenario text. A scenario that does not load leaves the running session as it was. */
  async open(text: string, source: vscode.Uri): Promise<RemoteSession> {
    const file = source.scheme === 'file' ? source.fsPath : source.path || source.toString();
    let a: SimAnswer<unknown>;
    try {
      a = await this.progressWhile(`opening ${file.replace(/^.*[\\/]/, '')} (building the machine)…`, false, () => this.sim.request({ op: 'open', text, file }));
    } catch (e) {
      if (e instanceof InternalError) this.reportOnce(e);
      throw e;
    }
    const s = new RemoteSession(text, a.snapshot!);
    this.sessionValue = s;
    this.source = source;
    this.ownersQuery = undefined;
    this.results.appendLine(`— opened ${file}: ${s.scenario.name} (${s.events.length} event${s.events.length === 1 ? '' : 's'}, design ${s.design}, kernel ${s.kernelVersion})`);
    this.resync(true);
    return s;
  }

  close(): void {
    this.sessionValue = undefined;
    this.source = undefined;
    this.ownersQuery = undefined;
    void this.sim.request({ op: 'close' }).catch(() => undefined);
    this.resync(true);
  }

  async step(): Promise<StepResult | undefined> {
    const s = this.need();
    const next = s.events[s.cursor];
    const a = await this.run({ op: 'step' }, next ? `running ${next.id} (${next.do})…` : undefined);
    const r = a.steps?.[0];
    if (r) this.logResult(r, false);
    this.resync(false);
    if (r) this.ran.fire({ id: r.event.id, hand: false });
    return r;
  }

  async stepBack(): Promise<void> {
    const s = this.need();
    await this.run({ op: 'stepBack' }, `replaying ${Math.max(0, s.cursor - 1)} event(s)…`);
    this.resync(true);
  }

  async reset(): Promise<void> {
    this.need();
    await this.run({ op: 'reset' }, 'building the machine…');
    this.resync(true);
  }

  async goTo(cursor: number): Promise<void> {
    this.need();
    await this.run({ op: 'goTo', cursor }, `replaying ${cursor} event(s)…`);
    this.resync(true);
  }

  /** Run every remaining event; `isCancelled` (or the progress notification's Cancel) stops the run between two events. */
  async runToEnd(progress?: (done: number, total: number) => void, isCancelled?: () => boolean): Promise<{ ran: number; cancelled: boolean }> {
    this.need();
    const poll = isCancelled
      ? setInterval(() => {
          if (isCancelled()) this.sim.cancel();
        }, 50)
      : undefined;
    let a: SimAnswer<unknown>;
    try {
      a = await this.run({ op: 'runToEnd' }, progress ? undefined : 'running to the end…', true, progress);
    } finally {
      if (poll) clearInterval(poll);
    }
    const steps = a.steps ?? [];
    for (const r of steps) this.logResult(r, false);
    this.resync(false);
    const last = steps[steps.length - 1];
    if (last) this.ran.fire({ id: last.event.id, hand: false });
    return { ran: steps.length, cancelled: !!a.cancelled };
  }

  async act(raw: RawEvent): Promise<StepResult> {
    this.need();
    const a = await this.run({ op: 'act', raw }, `running ${String(raw.do)}…`);
    const r = a.steps![0]!;
    this.logResult(r, true);
    this.resync(false);
    this.ran.fire({ id: r.event.id, hand: true });
    return r;
  }

  async setKernel(o: KernelOverrides): Promise<void> {
    this.need();
    await this.run({ op: 'setKernel', overrides: o }, 'replaying the session…');
    this.results.appendLine(`— kernel: ${Object.entries(o).map(([k, v]) => `${k}=${String(v)}`).join(', ')}; replayed ${this.need().cursor} event(s)`);
    this.resync(true);
  }

  async discardPending(): Promise<void> {
    this.need();
    await this.run({ op: 'discardPending' }, 'replaying the session…');
    this.resync(false);
  }

  /** A question about the session's machine, answered by the simulator (src/extension/sim/engine.ts QUERIES). */
  async query<T>(name: QueryName, ...args: unknown[]): Promise<T> {
    this.need();
    return (await this.sim.request<T>({ op: 'query', name, args })).value;
  }

  /** The session as a scenario file for `target` (src/extension/model/save.ts), made by the simulator. */
  async save(target: string): Promise<SaveResult> {
    this.need();
    return (await this.run<SaveResult>({ op: 'save', target }, 'running the session to save it…')).value;
  }

  /** For the tests: the session's simulator fails as a bug would (`throw`: an internal error in a request; `exit`: its worker dies). */
  async failForTest(how: 'throw' | 'exit'): Promise<void> {
    await this.run({ op: 'fail', how });
  }

  /** resolves when the Owners view has the owners of the query shown (the simulator answers them; set by the view) */
  ownersReady: () => Promise<void> = () => Promise.resolve();

  showOwners(q: OwnersQuery | undefined): void {
    this.ownersQuery = q;
    this.changed.fire();
  }

  private logResult(r: StepResult, hand: boolean): void {
    const s = this.need();
    const sigs = s.report.signals.filter((x) => x.event === r.event.id).map(signalText);
    this.results.appendLine(`${r.event.id} ${r.event.do}${hand ? ' (by hand)' : ''} = ${formatResult(r.result.result)}${sigs.length ? ` · ${sigs.join('; ')}` : ''}${s.report.panic ? ` · PANIC: ${s.report.panic}` : ''}`);
  }

  /** bring the dmesg channel, the status bar and the views up to date */
  private resync(replayed: boolean): void {
    const s = this.sessionValue;
    // the report's dmesg comes folded from the simulator (runs of per-pfn lines as one line)
    const lines = s?.report.dmesg ?? [];
    // a run that the last event extended is folded anew: the channel is written again
    if (replayed || lines.length < this.dmesgShown || (this.dmesgShown > 0 && lines[this.dmesgShown - 1] !== this.dmesgLast)) {
      this.dmesg.clear();
      this.dmesgShown = 0;
      if (s) this.dmesg.info(`— ${s.scenario.name}: design ${s.design}, kernel ${s.kernelVersion}, ${s.cursor} of ${s.events.length} events run`);
    }
    for (let i = this.dmesgShown; i < lines.length; i++) this.dmesg[dmesgLevel(lines[i]!)](lines[i]!);
    this.dmesgShown = lines.length;
    this.dmesgLast = lines[lines.length - 1];
    this.refresh();
    void vscode.commands.executeCommand('setContext', 'daxPoisonLab.hasSession', !!s);
    void vscode.commands.executeCommand('setContext', 'daxPoisonLab.atEnd', !s || s.atEnd);
    void vscode.commands.executeCommand('setContext', 'daxPoisonLab.atStart', !s || s.cursor === 0);
    this.changed.fire();
  }

  /** the status bar: the design, the kernel version beside it, and the bad memory, each count with its unit */
  private refresh(): void {
    const s = this.sessionValue;
    if (!s) {
      this.status.text = '$(circuit-board) DAX lab';
      this.status.tooltip = 'DAX Poison Lab: no session. Click to pick a routing design once a scenario is open.';
      this.status.show();
      return;
    }
    const bad = s.bad;
    this.status.text = `$(circuit-board) ${statusText(s.design, bad, s.kernelVersion)}`;
    this.status.accessibilityInformation = { label: `DAX Poison Lab: design ${s.design}, kernel ${s.kernelVersion}; ${bad.text}. Click to switch the routing design.` };
    const md = new vscode.MarkdownString(
      [
        `**${mdText(s.scenario.name)}** — design \`${s.design}\` on kernel \`${s.kernelVersion}\` (${s.report.kernel?.release ?? s.kernelVersion})${s.report.panic ? ' — **panicked**' : ''}`,
        `${s.cursor} of ${s.events.length} events run`,
        ...bad.tooltip,
        'Click to switch the routing design (DAX Poison Lab: Switch Kernel Version changes the kernel).',
      ].join('\n\n'),
    );
    this.status.tooltip = md;
    this.status.show();
  }

  /** the tooltip of the status item, as markdown (for tests) */
  get statusTooltip(): string {
    const t = this.status.tooltip;
    return typeof t === 'string' ? t : (t?.value ?? '');
  }

  /** the text of the status item (for tests) */
  get statusText(): string {
    return this.status.text;
  }

  dispose(): void {
    this.sim.dispose();
    this.scratch.dispose();
    this.changed.dispose();
    this.ran.dispose();
    this.dmesg.dispose();
    this.results.dispose();
    this.status.dispose();
  }
}

/** a long request shows a progress notification after this long */
const PROGRESS_AFTER_MS = 400;

/** dist/sim-worker.js beside the extension, where worker threads exist (the Node extension host); else undefined: in-process */
function simWorkerFile(extensionUri: vscode.Uri | undefined): string | undefined {
  const node = typeof process === 'object' && typeof process.versions?.node === 'string';
  if (!node || !extensionUri || extensionUri.scheme !== 'file' || process.env.DPL_SIM_IN_PROCESS === '1') return undefined;
  return vscode.Uri.joinPath(extensionUri, 'dist', 'sim-worker.js').fsPath;
}

/**
 * The files a scenario names (extentsFile:), read through the workspace file
 * system with the CLI's limits (MAX_INPUT_BYTES, UTF-8): each path's text,
 * or why it could not be read (the loader places that at the field).
 */
export async function readScenarioFiles(paths: string[]): Promise<FileTexts> {
  const out: FileTexts = {};
  for (const p of paths) {
    if (!/^([\\/]|[A-Za-z]:[\\/])/.test(p)) {
      out[p] = { error: 'a scenario that is not saved in a folder has no place to read it from (save the scenario, or give an absolute path)' };
      continue;
    }
    const uri = vscode.Uri.file(p);
    try {
      const st = await vscode.workspace.fs.stat(uri);
      if (st.size > MAX_INPUT_BYTES) {
        out[p] = { error: tooLargeMessage() };
        continue;
      }
      out[p] = { text: decodeText(await vscode.workspace.fs.readFile(uri)) };
    } catch (e) {
      out[p] = { error: e instanceof vscode.FileSystemError ? (e.code === 'FileNotFound' ? 'no such file' : e.message) : (e as Error).message };
    }
  }
  return out;
}
