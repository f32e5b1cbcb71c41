// The running lab: one session at a time, where it came from, and what shows
// it outside the views: the status-bar item (design and poisoned pages), the
// simulated dmesg in a log output channel, and a results channel with one
// line per event. Every change goes through here and fires onDidChange.

import { mdText } from './model/markdown';
import * as vscode from 'vscode';
import { LabError, LabSession, type KernelOverrides, type RawEvent, type StepResult } from './model/session';
import { formatResult } from '../sim/render';
import { dmesgLevel, signalText } from './model/route';
import type { OwnersQuery } from './model/owners';
import { badMemory, statusText } from './model/feedback';
import { confineToWorkspace, isInside } from './model/paths';
import { realTarget } from './realpath';
import { foldDmesg } from './model/dmesg';

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
        throw e;
      }
    };
  return { refuse, guard };
}

export class Lab implements vscode.Disposable {
  private sessionValue: LabSession | undefined;
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

  constructor() {
    this.dmesg = vscode.window.createOutputChannel('DAX Poison Lab: dmesg', { log: true });
    this.results = vscode.window.createOutputChannel('DAX Poison Lab');
    this.status = vscode.window.createStatusBarItem('daxPoisonLab.status', vscode.StatusBarAlignment.Left, 50);
    this.status.name = 'DAX Poison Lab';
    this.status.command = 'daxPoisonLab.switchDesign';
    this.refresh();
  }

  get session(): LabSession | undefined {
    return this.sessionValue;
  }

  /** the session, or a LabError saying there is none */
  need(): LabSession {
    if (!this.sessionValue) throw new LabError('no lab session: open a scenario first (DAX Poison Lab: Open Scenario)');
    return this.sessionValue;
  }

  /** Start a session on a scenario text. A scenario that does not load leaves the running session as it was. */
  open(text: string, source: vscode.Uri): LabSession {
    const file = source.scheme === 'file' ? source.fsPath : source.path || source.toString();
    const s = LabSession.open(text, file);
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
    this.resync(true);
  }

  step(): StepResult | undefined {
    const r = this.need().step();
    if (r) this.logResult(r, false);
    this.resync(false);
    if (r) this.ran.fire({ id: r.event.id, hand: false });
    return r;
  }

  stepBack(): void {
    this.need().stepBack();
    this.resync(true);
  }

  reset(): void {
    this.need().reset();
    this.resync(true);
  }

  goTo(cursor: number): void {
    this.need().goTo(cursor);
    this.resync(true);
  }

  async runToEnd(progress?: (done: number, total: number) => void, isCancelled?: () => boolean): Promise<{ ran: number; cancelled: boolean }> {
    const s = this.need();
    const r = await s.runToEnd({
      isCancelled,
      onStep: (done, total, res) => {
        this.logResult(res, false);
        progress?.(done, total);
      },
    });
    this.resync(false);
    const last = s.events[s.cursor - 1];
    if (r.ran && last) this.ran.fire({ id: last.id, hand: false });
    return r;
  }

  act(raw: RawEvent): StepResult {
    const r = this.need().act(raw);
    this.logResult(r, true);
    this.resync(false);
    this.ran.fire({ id: r.event.id, hand: true });
    return r;
  }

  setKernel(o: KernelOverrides): void {
    this.need().setKernel(o);
    this.results.appendLine(`— kernel: ${Object.entries(o).map(([k, v]) => `${k}=${String(v)}`).join(', ')}; replayed ${this.need().cursor} event(s)`);
    this.resync(true);
  }

  discardPending(): void {
    this.need().discardPending();
    this.resync(false);
  }

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
    const lines = s?.report.dmesg ?? [];
    if (replayed || lines.length < this.dmesgShown) {
      this.dmesg.clear();
      this.dmesgShown = 0;
      if (s) this.dmesg.info(`— ${s.scenario.name}: design ${s.design}, kernel ${s.kernelVersion}, ${s.cursor} of ${s.events.length} events run`);
    }
    // a run of per-pfn lines (one per page of a populated mapping) is folded, as the simulator folds its own
    for (const line of foldDmesg(lines, this.dmesgShown)) this.dmesg[dmesgLevel(line)](line);
    this.dmesgShown = lines.length;
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
    const bad = badMemory(s.machine, s.report);
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
    this.changed.dispose();
    this.ran.dispose();
    this.dmesg.dispose();
    this.results.dispose();
    this.status.dispose();
  }
}
