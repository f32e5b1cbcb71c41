// DAX Poison Lab in VS Code: the simulator runs in the extension host (Node
// or web worker: neither it nor this layer uses Node APIs) and this layer
// makes it a lab: a session driven by commands, the Devices / Owners /
// Events views, kernel source links, and scenario editing support. The
// logic lives in ./model (pure, unit tested); this file wires it up.

import * as vscode from 'vscode';
import { Lab } from './lab';
import { DevicesProvider, EventsProvider, OwnersProvider, type EventsItem } from './views';
import { KernelSource, LabDocuments, SCHEME } from './kernelSource';
import { DEFAULT_KERNEL_VERSION, kernelVersion } from '../sim/version';
import { AddressHover, ScenarioCodeLens, ScenarioDiagnostics } from './editor';
import { registerCommands, DEFAULT_SCENARIO } from './commands';
import { registerImportCommands } from './importMachine';
import { ScriptedPrompter, VsCodePrompter, type Prompter } from './prompter';
import type { DeviceNode } from './model/devices';
import { LabWebviews } from './webviews';
import { registerWebviewCommands } from './webviews/commands';

const SCENARIO_SELECTOR: vscode.DocumentSelector = [
  { pattern: '**/*.poison.{yaml,yml,json}' },
  { scheme: 'untitled', language: 'yaml' },
];

/** What the extension exports: the lab's parts, for the tests and for other extensions. */
export interface DaxPoisonLabApi {
  lab: Lab;
  devices: DevicesProvider;
  owners: OwnersProvider;
  events: EventsProvider;
  kernel: KernelSource;
  diagnostics: ScenarioDiagnostics;
  docs: LabDocuments;
  /** messages the commands showed */
  messages: string[];
  /** answer the next questions from a script instead of the UI (undefined restores the UI) */
  usePrompter(p: Prompter | undefined): void;
  ScriptedPrompter: typeof ScriptedPrompter;
  defaultScenario: string;
  /** the Layer Routing, Timeline and Design Comparison webviews */
  webviews: LabWebviews;
  /** the Events tree view (its selection follows each event that runs) */
  eventsView: vscode.TreeView<EventsItem>;
}

export function activate(context: vscode.ExtensionContext): DaxPoisonLabApi {
  const lab = new Lab(context.extensionUri);
  const kernel = new KernelSource();
  // links go to the session's kernel version (6.1's own definitions in a 6.1 session)
  kernel.series = () => (lab.session ? kernelVersion(lab.session.kernel) : DEFAULT_KERNEL_VERSION);
  const docs = new LabDocuments(kernel);
  const diagnostics = new ScenarioDiagnostics(lab.scratch, (e) => lab.reportOnce(e));
  const expectations = vscode.languages.createDiagnosticCollection('dax-poison-lab-expectations');
  const codeLens = new ScenarioCodeLens(lab);
  const devices = new DevicesProvider(lab);
  const owners = new OwnersProvider(lab);
  const events = new EventsProvider(lab);
  const ui = new VsCodePrompter();
  let prompter: Prompter = ui;
  const messages: string[] = [];

  const devicesView = vscode.window.createTreeView('daxPoisonLab.devices', { treeDataProvider: devices, showCollapseAll: true });
  const ownersView = vscode.window.createTreeView('daxPoisonLab.owners', { treeDataProvider: owners, showCollapseAll: true });
  owners.view = ownersView as vscode.TreeView<never>;
  const eventsView = vscode.window.createTreeView('daxPoisonLab.events', { treeDataProvider: events });

  context.subscriptions.push(
    lab,
    codeLens,
    kernel,
    docs,
    diagnostics,
    expectations,
    devicesView,
    ownersView,
    eventsView,
    devicesView.onDidChangeSelection((e) => {
      const n = e.selection[0];
      if (n?.target) lab.showOwners(n.target);
    }),
    vscode.commands.registerCommand('daxPoisonLab.showOwnersOf', (n?: DeviceNode) => {
      if (n?.target && lab.session) lab.showOwners(n.target);
    }),
    vscode.workspace.onDidChangeTextDocument((e) => expectations.delete(e.document.uri)),
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, docs),
    vscode.languages.registerDocumentLinkProvider({ scheme: SCHEME }, docs),
    vscode.languages.registerCodeLensProvider(SCENARIO_SELECTOR, codeLens),
    vscode.languages.registerHoverProvider(SCENARIO_SELECTOR, new AddressHover(lab)),
    ...registerCommands({ extensionUri: context.extensionUri, lab, kernel, docs, diagnostics, expectations, prompter: () => prompter, messages }),
    ...registerImportCommands(lab, docs, messages),
  );
  const webviews = new LabWebviews(context, lab, kernel, events, eventsView);
  context.subscriptions.push(webviews, ...registerWebviewCommands(webviews, lab, messages));
  // the Owners view marks each mapping with its verdict for the selected event
  owners.selectedEvent = () => webviews.selection.event;
  context.subscriptions.push(
    webviews.onDidChangeSelection(() => owners.refreshVerdicts()),
    // an event that just ran (Step, Run to End, a hand action) is selected, and revealed in Events
    lab.onDidRunEvent(async (e) => {
      webviews.select({ event: e.id, span: null });
      const row = events.rows.find((r) => r.id === e.id);
      // a hand action brings the Events view up on its event; a Step or Run to End moves the selection only where the view is shown
      if (!row || (!e.hand && !eventsView.visible)) return;
      try {
        await eventsView.reveal({ type: 'event', row }, { select: true, focus: false, expand: e.hand });
      } catch {
        /* the view is not resolved yet (never shown): the selection is kept for when it is */
      }
    }),
    vscode.commands.registerCommand('daxPoisonLab.showVerdict', async (arg?: { event?: unknown; span?: unknown; symbol?: unknown }) => {
      const ev = typeof arg?.event === 'string' ? arg.event : undefined;
      const symbol = typeof arg?.symbol === 'string' ? arg.symbol : undefined;
      if (!ev || !symbol) {
        const msg = 'DAX Poison Lab: Show Verdict needs { event, symbol } (a verdict row of the Events view)';
        messages.push(msg);
        void vscode.window.showErrorMessage(msg);
        return { ok: false, error: msg };
      }
      // the span that decided, in the routing view (when it is open) and the shared selection
      webviews.select({ event: ev, span: typeof arg?.span === 'number' ? arg.span : null });
      return vscode.commands.executeCommand('daxPoisonLab.goToKernelSymbol', symbol);
    }),
  );
  void vscode.commands.executeCommand('setContext', 'daxPoisonLab.hasSession', false);
  void openStartupScenario(lab);

  return {
    lab,
    devices,
    owners,
    events,
    kernel,
    diagnostics,
    docs,
    messages,
    usePrompter: (p) => {
      prompter = p ?? ui;
    },
    ScriptedPrompter,
    defaultScenario: DEFAULT_SCENARIO,
    webviews,
    eventsView,
  };
}

/** daxPoisonLab.startupScenario: open it in the lab (and an editor) when VS Code starts, and show the lab. */
async function openStartupScenario(lab: Lab): Promise<void> {
  const setting = vscode.workspace.getConfiguration('daxPoisonLab').get<string>('startupScenario', '').trim();
  if (!setting || lab.session) return;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = /^\/|^[a-z][a-z0-9+.-]+:\/\//i.test(setting) ? (setting.startsWith('/') ? vscode.Uri.file(setting) : vscode.Uri.parse(setting)) : folder ? vscode.Uri.joinPath(folder, setting) : undefined;
  if (!uri) return;
  try {
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
    await vscode.commands.executeCommand('daxPoisonLab.openScenario', uri);
    await vscode.commands.executeCommand('workbench.view.extension.daxPoisonLab');
  } catch (e) {
    void vscode.window.showWarningMessage(`DAX Poison Lab: cannot open the startup scenario ${setting}: ${(e as Error).message}`);
  }
}

export function deactivate(): void {}
