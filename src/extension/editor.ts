// Scenario files in the editor: the lab's own diagnostics for *.poison.yaml
// and *.poison.json on open and edit (the validator's line, column and
// message, and the simulator's run-time refusals, placed the same way),
// CodeLenses (Run, Check Expectations, Compare Designs, and Run to here on
// each event), and hovers that show an address in every unit of the stack.

import { mdText } from './model/markdown';
import * as vscode from 'vscode';
import type { Lab } from './lab';
import { LabError } from './model/session';
import { InternalError } from '../sim/errors';
import type { SimHost } from './sim/host';
import type { HoverAnswer } from '../protocol/sim';
import type { Diagnostic as SimDiagnostic } from '../sim/errors';
import { positionOf } from '../sim/scenario/load';
import { eventLines, isScenarioFile, tokenEnd } from './model/scenarioText';

export function isScenarioDocument(doc: vscode.TextDocument): boolean {
  return isScenarioFile(doc.uri.path) || isScenarioFile(doc.fileName);
}

export function fileNameOf(doc: vscode.TextDocument): string {
  return doc.uri.scheme === 'file' ? doc.uri.fsPath : doc.uri.path || doc.uri.toString();
}

export function toVsDiagnostic(doc: vscode.TextDocument, d: SimDiagnostic, severity = vscode.DiagnosticSeverity.Error): vscode.Diagnostic {
  const line = Math.max(0, Math.min(doc.lineCount - 1, (d.line || 1) - 1));
  const text = doc.lineAt(line).text;
  const col = d.line ? Math.max(1, d.column) : 1;
  const end = d.line ? tokenEnd(text, col) : text.length + 1;
  const range = new vscode.Range(line, col - 1, line, Math.max(col, Math.min(end - 1, text.length)));
  const diag = new vscode.Diagnostic(range, `${d.path || '/'}: ${d.message}`, severity);
  diag.source = 'dax-poison-lab';
  diag.code = d.field || undefined;
  return diag;
}

/**
 * The diagnostics of a scenario document that does not load, where they were
 * written: a problem of a file the scenario names (a line of an extents file)
 * is placed at that line of that file, and also at the scenario's field that
 * names it (saying which line); the others in the scenario. Returns the
 * scenario's, and publishes the other files' in `collection`.
 */
export async function placeDiagnostics(collection: vscode.DiagnosticCollection, doc: vscode.TextDocument, ds: readonly SimDiagnostic[]): Promise<vscode.Diagnostic[]> {
  const own: vscode.Diagnostic[] = [];
  const others = new Map<string, SimDiagnostic[]>();
  const file = fileNameOf(doc);
  for (const d of ds) {
    if (d.file && d.file !== file && /^([\\/]|[A-Za-z]:[\\/])/.test(d.file)) {
      others.set(d.file, [...(others.get(d.file) ?? []), d]);
      const at = positionOf(doc.getText(), file, d.path);
      own.push(toVsDiagnostic(doc, { ...d, file, line: at.line, column: at.column, message: `${d.file.replace(/^.*[\\/]/, '')}:${d.line}:${d.column}: ${d.message}` }));
    } else own.push(toVsDiagnostic(doc, d));
  }
  for (const [f, list] of others) {
    try {
      const other = await vscode.workspace.openTextDocument(vscode.Uri.file(f));
      collection.set(other.uri, list.map((d) => toVsDiagnostic(other, d)));
    } catch {
      /* the file cannot be opened: the scenario's diagnostic says where */
    }
  }
  return own;
}

/** Diagnostics for every open scenario document, refreshed as it is edited. */
export class ScenarioDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('dax-poison-lab');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subs: vscode.Disposable[] = [];
  /** resolves when the pending checks of a document are done (for tests) */
  private readonly done = new Map<string, Promise<void>>();
  /** how long the last check of each document took, ms: a scenario whose machine is big is checked less eagerly while it is typed */
  private readonly cost = new Map<string, number>();
  /** the last checks' outcomes by document text (a reopened or reverted text is not run again) */
  private readonly results = new Map<string, LabError | null>();

  /** `sim`: the simulator that loads and runs a document's scenario (not the session's: a scratch one, src/extension/sim/host.ts) */
  constructor(
    private readonly sim: SimHost,
    /** an internal error while checking (not the document's fault: no diagnostic; reported here) */
    private readonly internal: (e: InternalError) => void = () => {},
  ) {
    this.subs.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      // after an edit, wait for the typing to pause: longer when the last check took long (a populated machine)
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, Math.min(5000, Math.max(300, 2 * (this.cost.get(e.document.uri.toString()) ?? 0))))),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.collection.delete(d.uri);
        this.cost.delete(d.uri.toString());
      }),
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    if (!isScenarioDocument(doc)) return;
    const key = doc.uri.toString();
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.done.set(
      key,
      new Promise((resolve) => {
        this.timers.set(
          key,
          setTimeout(() => {
            this.timers.delete(key);
            void this.check(doc).finally(resolve);
          }, delay),
        );
      }),
    );
  }

  /** Check a document now and publish its diagnostics. */
  async check(doc: vscode.TextDocument): Promise<vscode.Diagnostic[]> {
    const version = doc.version;
    const text = doc.getText();
    const file = fileNameOf(doc);
    let diags: vscode.Diagnostic[] = [];
    const resultKey = `${file}\u0000${text}`;
    let error = this.results.get(resultKey);
    if (error === undefined) {
      const t0 = Date.now();
      error = null;
      try {
        // loaded and run by the simulator, off the extension host's event loop; the run-time checks too: an event the simulator refuses is bad input
        await this.sim.request({ op: 'check', text, file, maxEvents: 5000 });
      } catch (e) {
        if (e instanceof InternalError) {
          // not the document's fault: no diagnostic; reported as an internal error
          this.internal(e);
          this.collection.delete(doc.uri);
          return [];
        }
        if (!(e instanceof LabError)) throw e;
        error = e;
      }
      this.cost.set(doc.uri.toString(), Date.now() - t0);
      if (this.results.size >= 8) this.results.delete(this.results.keys().next().value!);
      this.results.set(resultKey, error);
    }
    if (error) {
      const e = error;
      diags = e.diagnostics.length ? await placeDiagnostics(this.collection, doc, e.diagnostics) : [new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), e.message, vscode.DiagnosticSeverity.Error)];
    }
    if (doc.version === version && !doc.isClosed) this.collection.set(doc.uri, diags);
    return diags;
  }

  /** Wait for the checks scheduled for a document (for tests). */
  async settled(uri: vscode.Uri): Promise<readonly vscode.Diagnostic[]> {
    await this.done.get(uri.toString());
    return this.collection.get(uri) ?? [];
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.subs) d.dispose();
  }
}

/** Run / Check Expectations / Compare Designs above a scenario, Run to here above each event. */
export class ScenarioCodeLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly sub: vscode.Disposable;

  constructor(lab: Lab) {
    // ask again when a session opens or moves (and once the workbench has settled)
    this.sub = lab.onDidChange(() => this.changed.fire());
    setTimeout(() => this.changed.fire(), 1000);
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!isScenarioDocument(doc)) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses = [
      new vscode.CodeLens(top, { title: '$(play) Run', command: 'daxPoisonLab.runScenario', arguments: [doc.uri], tooltip: 'Open this scenario in the lab and run every event' }),
      new vscode.CodeLens(top, { title: '$(check-all) Check Expectations', command: 'daxPoisonLab.checkScenario', arguments: [doc.uri], tooltip: 'Run the scenario and check every expectation' }),
      new vscode.CodeLens(top, { title: '$(split-horizontal) Compare Designs', command: 'daxPoisonLab.compareDesigns', arguments: [doc.uri], tooltip: 'Run the scenario under every routing design, side by side' }),
    ];
    let lines: number[] = [];
    try {
      lines = eventLines(doc.getText());
    } catch {
      lines = [];
    }
    lines.forEach((line, i) => {
      lenses.push(new vscode.CodeLens(new vscode.Range(line, 0, line, 0), { title: `$(debug-step-over) Run to here`, command: 'daxPoisonLab.runTo', arguments: [doc.uri, i + 1], tooltip: `Open in the lab and run the events up to and including events[${i}]` }));
    });
    return lenses;
  }
}

/** Addresses in every unit the stack knows, on hover: the simulator places them on the session's machine, or on the document's machine as set up. */
export class AddressHover implements vscode.HoverProvider {
  constructor(private readonly lab: Lab) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    if (!isScenarioDocument(doc)) return undefined;
    const s = this.lab.session;
    const text = doc.getText();
    const offset = doc.offsetAt(pos);
    let h: HoverAnswer | undefined;
    try {
      if (s && this.lab.source?.toString() === doc.uri.toString() && s.text === text) h = await this.lab.query<HoverAnswer | undefined>('hover', text, offset);
      else h = (await this.lab.scratch.request<HoverAnswer | undefined>({ op: 'hoverText', text, file: fileNameOf(doc), offset, key: `${doc.uri.toString()}@${doc.version}` })).value;
    } catch {
      return undefined;
    }
    if (!h) return undefined;
    const range = new vscode.Range(doc.positionAt(h.range[0]), doc.positionAt(h.range[1]));
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${mdText(h.what)}**\n\n`);
    if (h.error || !h.units) md.appendMarkdown(`does not resolve: ${mdText(h.error ?? 'unknown')}\n`);
    else md.appendMarkdown(h.units);
    return new vscode.Hover(md, range);
  }
}
