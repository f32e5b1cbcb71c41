// The lab's webviews: Layer Routing, Timeline and Design Comparison, the
// selection they share with the Events view, their serializers (so that
// they come back after a reload, with the session they showed), and the
// commands that open them and export the trace for Perfetto.

import { MAX_INPUT_BYTES, tooLargeMessage } from '../../sim/scenario/bytes';
import * as vscode from 'vscode';
import type { Lab, Outcome } from '../lab';
import type { KernelSource } from '../kernelSource';
import type { EventsItem, EventsProvider } from '../views';
import { VIEW_TYPES, timelineReport, type ComparisonState, type RoutingState, type Selection, type TimelineState, type ViewKind, type ViewState, type WebviewMessage } from '../../protocol/messages';
import { diffRoutes, routeView, type RouteView } from '../../protocol/routing';
import { LabPanel, createPanel } from './panel';
import { toChromeTrace } from '../../sim/perfetto';
import { perfettoDefault } from '../model/paths';
import { DESIGNS, type Design } from '../../sim/scenario/types';
import { KERNEL_VERSIONS, type KernelVersion } from '../../sim/version';
import { LabError } from '../model/session';
import type { CompareResult, RunDesignResult } from '../../protocol/sim';
import type { RunReport } from '../../sim/report';

const SAVED_SESSION = 'daxPoisonLab.webviews.session';

interface SavedSession {
  text: string;
  source: string;
  cursor: number;
}

/** What a webview persisted with setState (the serializer hands it back after a reload). */
interface PersistedState {
  selection?: Selection;
  compareWith?: string;
}

const encoder = new TextEncoder();

/** a turn of the event loop: the work of the views is done a design at a time, so the extension host never waits for all of them at once */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class LabWebviews implements vscode.Disposable {
  private selectionValue: Selection = { event: null, span: null };
  private readonly panels = new Map<ViewKind, LabPanel>();
  private compareWithValue = '';
  /** the kernel versions the comparison puts side by side ([]: the session's only) */
  private comparisonKernels: KernelVersion[] = [];
  private readonly otherRuns = new Map<string, { report?: RunReport; error?: string }>();
  private comparisonCache: { key: string; state: ComparisonState } | undefined;
  /** the comparison being computed (a design per turn of the event loop), and what it has done */
  private comparisonJob: { key: string; done: string[]; finished?: Promise<void> } | undefined;
  /** the design runs for the routing view being computed, by cache key */
  private readonly otherRunJobs = new Set<string>();
  /** how long each view's last state took to compute, ms (for the scale tests and the log) */
  readonly timings: { view: ViewKind; ms: number; what: string }[] = [];
  private readonly subs: vscode.Disposable[] = [];
  private readonly selectionEmitter = new vscode.EventEmitter<Selection>();
  readonly onDidChangeSelection = this.selectionEmitter.event;
  readonly log: vscode.LogOutputChannel;
  /** symbols opened from a webview (for tests) */
  readonly opened: string[] = [];
  private revealing = false;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly lab: Lab,
    private readonly kernel: KernelSource,
    private readonly events: EventsProvider,
    private readonly eventsView: vscode.TreeView<EventsItem>,
  ) {
    this.log = vscode.window.createOutputChannel('DAX Poison Lab: webviews', { log: true });
    this.subs.push(
      this.log,
      lab.onDidChange(() => this.labChanged()),
      eventsView.onDidChangeSelection((e) => {
        if (this.revealing) return;
        const it = e.selection[0];
        if (!it) return;
        if (it.type === 'event') this.select({ event: it.row.id, span: null }, 'tree');
        else if (it.type === 'span' || it.type === 'members' || it.type === 'member') this.select({ event: it.eventId, span: it.node.span.id }, 'tree');
      }),
    );
    for (const view of ['routing', 'timeline', 'comparison'] as const) {
      this.subs.push(
        vscode.window.registerWebviewPanelSerializer(VIEW_TYPES[view], {
          deserializeWebviewPanel: async (panel, state) => {
            await this.restoreSession();
            const st = (state ?? {}) as PersistedState;
            if (st.selection && this.selectionValue.event === null) this.selectionValue = this.validSelection(st.selection);
            if (view === 'routing' && typeof st.compareWith === 'string' && (st.compareWith === '' || (DESIGNS as readonly string[]).includes(st.compareWith))) this.compareWithValue = st.compareWith;
            this.adopt(view, panel);
          },
        }),
      );
    }
  }

  get selection(): Selection {
    return { ...this.selectionValue };
  }

  get compareWith(): string {
    return this.compareWithValue;
  }

  panel(view: ViewKind): LabPanel | undefined {
    const p = this.panels.get(view);
    return p && !p.isDisposed ? p : undefined;
  }

  /** Open (or reveal) a view. */
  open(view: ViewKind, column?: vscode.ViewColumn): LabPanel {
    const existing = this.panel(view);
    if (existing) {
      existing.panel.reveal(column ?? existing.panel.viewColumn);
      return existing;
    }
    // the timeline and the comparison open beside what is there (the routing view, the scenario)
    const where = column ?? (view === 'routing' || !vscode.window.activeTextEditor && !this.panel('routing') ? vscode.ViewColumn.Active : vscode.ViewColumn.Beside);
    return this.adopt(view, createPanel(view, where));
  }

  private adopt(view: ViewKind, panel: vscode.WebviewPanel): LabPanel {
    this.panels.get(view)?.dispose();
    const p = new LabPanel(view, panel, this.context.extensionUri, { state: () => this.state(view), onMessage: (m) => this.onMessage(view, m) }, this.log);
    p.onDidDispose(() => {
      if (this.panels.get(view) === p) this.panels.delete(view);
    });
    this.panels.set(view, p);
    return p;
  }

  // ------------------------------------------------------------ selection

  /** Select an event (and a span of it); every view and the Events tree follow. */
  select(sel: Selection, from: ViewKind | 'tree' | 'api' = 'api'): void {
    const next = this.validSelection(sel);
    const prev = this.selectionValue;
    if (prev.event === next.event && prev.span === next.span) return;
    const shownBefore = this.currentEvent();
    this.selectionValue = next;
    const shownAfter = this.currentEvent();
    this.selectionEmitter.fire({ ...next });
    // the view the selection came from already shows it (unless it was corrected here)
    const asked = sel.event === next.event && sel.span === next.span;
    for (const [view, p] of this.panels) {
      if (p.isDisposed) continue;
      if (view === 'routing' && shownBefore !== shownAfter) p.post({ type: 'state', state: this.state('routing') });
      else if (view !== 'comparison' && !(view === from && asked)) p.post({ type: 'selection', selection: next });
    }
    if (from !== 'tree') void this.revealInTree(next);
  }

  private validSelection(sel: Selection): Selection {
    const s = this.lab.session;
    if (!s || sel.event === null) return { event: null, span: null };
    const report = s.report;
    if (!report.events.some((e) => e.id === sel.event)) return { event: null, span: null };
    const span = sel.span !== null ? report.spans.find((x) => x.id === sel.span && x.event === sel.event) : undefined;
    return { event: sel.event, span: span ? span.id : null };
  }

  private async revealInTree(sel: Selection): Promise<void> {
    if (!sel.event || !this.eventsView.visible) return;
    const row = this.events.rows.find((r) => r.id === sel.event);
    if (!row) return;
    this.revealing = true;
    try {
      await this.eventsView.reveal({ type: 'event', row }, { select: true, focus: false });
    } catch (e) {
      this.log.debug(`reveal ${sel.event} in Events: ${(e as Error).message}`);
    } finally {
      this.revealing = false;
    }
  }

  // ------------------------------------------------------------ state

  /** The event the views show: the selection's, else the last one run. */
  private currentEvent(): string | null {
    const s = this.lab.session;
    if (!s) return null;
    if (this.selectionValue.event && s.report.events.some((e) => e.id === this.selectionValue.event)) return this.selectionValue.event;
    return s.report.events[s.report.events.length - 1]?.id ?? null;
  }

  state(view: ViewKind): ViewState {
    const t0 = Date.now();
    const st = view === 'routing' ? this.routingState() : view === 'timeline' ? this.timelineState() : this.comparisonState();
    this.timed({ view, ms: Date.now() - t0, what: 'state' });
    return st;
  }

  private timed(t: { view: ViewKind; ms: number; what: string }): void {
    if (this.timings.length >= 200) this.timings.splice(0, 100);
    this.timings.push(t);
    if (t.ms >= 200) this.log.info(`${t.view}: ${t.what} took ${t.ms} ms`);
  }

  routingState(): RoutingState {
    const s = this.lab.session;
    const base: RoutingState = { kind: 'routing', scenario: s?.scenario.name ?? '', designs: [...DESIGNS], events: [], selection: this.selection, left: null, right: null, compareWith: this.compareWithValue };
    if (!s) return { ...base, empty: 'No lab session. Open a scenario (DAX Poison Lab: Open Scenario) and step it.' };
    base.events = s.report.events.map((e) => ({ id: e.id, do: e.do }));
    const ev = this.currentEvent();
    if (!ev) return { ...base, empty: `${s.scenario.name}: no event has run yet. Step the session (DAX Poison Lab: Step).` };
    base.selection = { event: ev, span: this.selectionValue.event === ev ? this.selectionValue.span : null };
    let left: RouteView = routeView(s.report, ev);
    let right: RouteView | null = null;
    let empty: string | undefined;
    if (this.compareWithValue && this.compareWithValue !== s.design) {
      const other = this.otherRun(this.compareWithValue as Design);
      if (other.report) {
        const d = diffRoutes(left, routeView(other.report, ev));
        left = d.left;
        right = d.right;
      } else if (other.pending) empty = `Running ${s.scenario.name} under ${this.compareWithValue}…`;
      else empty = `${this.compareWithValue}: ${other.error}`;
    }
    return { ...base, left, right, ...(empty ? { empty } : {}) };
  }

  /**
   * The session's scenario (with its hand events and knobs) run under another
   * design; cached per text. Not run here: the run is started on the next
   * turn of the event loop (a populated machine takes a while) and the
   * routing view is sent its state again when it is done; until then
   * `pending` says so.
   */
  private otherRun(design: Design): { report?: RunReport; error?: string; pending?: boolean } {
    const s = this.lab.need();
    const text = s.composeText();
    const key = `${design}\u0000${s.file}\u0000${text}`;
    const hit = this.otherRuns.get(key);
    if (hit) return hit;
    if (!this.otherRunJobs.has(key)) {
      this.otherRunJobs.add(key);
      const file = s.file;
      // run by the scratch simulator, off the extension host's event loop
      void (async () => {
        const t0 = Date.now();
        let out: { report?: RunReport; error?: string };
        try {
          const r = (await this.lab.scratch.request<RunDesignResult>({ op: 'runDesign', text, file, design })).value;
          out = r.report ? { report: r.report } : { error: r.error ?? 'no report' };
        } catch (e) {
          if (e instanceof LabError) out = { error: e.message };
          else {
            this.log.error(`running the scenario under ${design} for the routing view: ${(e as Error).stack ?? String(e)}`);
            out = { error: `internal error: ${(e as Error).message}` };
          }
        }
        this.otherRunJobs.delete(key);
        this.timed({ view: 'routing', ms: Date.now() - t0, what: `run under ${design}` });
        if (this.otherRuns.size > 16) this.otherRuns.clear();
        this.otherRuns.set(key, out);
        const p = this.panel('routing');
        if (p && this.compareWithValue === design) p.post({ type: 'state', state: this.routingState() });
      })();
    }
    return { pending: true };
  }

  timelineState(): TimelineState {
    const s = this.lab.session;
    return { kind: 'timeline', scenario: s?.scenario.name ?? '', design: s?.design ?? '', report: s ? timelineReport(s.report) : null, selection: this.selection };
  }

  /**
   * The comparison of the session's scenario under every design. Computed
   * a design per turn of the event loop (compareDesigns's runs one by one,
   * each design's dmesg folded as it finishes), never all at once: until it
   * is done the state says how far it is, and the comparison view is sent
   * the finished state.
   */
  comparisonState(): ComparisonState {
    const s = this.lab.session;
    if (!s) return { kind: 'comparison', view: null, empty: 'No lab session. Open a scenario (DAX Poison Lab: Open Scenario).' };
    const text = s.composeText();
    const key = this.comparisonKey();
    if (this.comparisonCache?.key === key) return this.comparisonCache.state;
    if (this.comparisonJob?.key !== key) {
      const job = this.computeComparison(key, text, s.file, s.design, s.scenario.name, s.kernelVersion, [...this.comparisonKernels]);
      if (this.comparisonJob) this.comparisonJob.finished = job;
    }
    return this.comparisonProgress(s.scenario.name);
  }

  /** what the comparison of the session as it is now depends on */
  private comparisonKey(): string {
    const s = this.lab.session;
    return s ? `${s.file}\u0000${s.design}\u0000${this.comparisonKernels.join(',')}\u0000${s.composeText()}` : '';
  }

  /** the kernels part of the comparison's state */
  private kernelsState(): NonNullable<ComparisonState['kernels']> {
    const session = this.lab.session?.kernelVersion ?? KERNEL_VERSIONS[KERNEL_VERSIONS.length - 1]!;
    return { compared: this.comparisonKernels.length ? [...this.comparisonKernels] : [session], session, available: [...KERNEL_VERSIONS] };
  }

  /** The kernel versions to compare ([] or one: the session's only); the comparison runs again. */
  setComparisonKernels(versions: readonly string[]): void {
    const known = versions.filter((v): v is KernelVersion => (KERNEL_VERSIONS as readonly string[]).includes(v));
    const list = KERNEL_VERSIONS.filter((v) => known.includes(v));
    this.comparisonKernels = list.length > 1 ? list : [];
    this.panel('comparison')?.post({ type: 'state', state: this.comparisonState() });
  }

  get comparedKernels(): string[] {
    return this.kernelsState().compared;
  }

  /** The comparison of the session as it is now, once every design has run (the event loop is not held meanwhile). */
  async comparisonFinished(): Promise<ComparisonState> {
    for (;;) {
      const st = this.comparisonState();
      if (st.view || this.comparisonReady || !this.comparisonJob?.finished) return st;
      await this.comparisonJob.finished;
    }
  }

  private comparisonProgress(name: string): ComparisonState {
    const done = this.comparisonJob?.done ?? [];
    const k = this.comparisonKernels.length;
    const total = DESIGNS.length * Math.max(1, k);
    return { kind: 'comparison', view: null, kernels: this.kernelsState(), empty: `Running ${name} under ${DESIGNS.length} designs${k ? ` on ${k} kernels (${this.comparisonKernels.join(', ')})` : ''}… ${done.length} of ${total} done${done.length ? ` (${done.join(', ')})` : ''}.` };
  }

  /** Whether the comparison of the session as it is now has been computed (for tests). */
  get comparisonReady(): boolean {
    const s = this.lab.session;
    return !!s && this.comparisonCache?.key === this.comparisonKey();
  }

  private async computeComparison(key: string, text: string, file: string, design: string, name: string, sessionKernel: KernelVersion, kernels: KernelVersion[]): Promise<void> {
    const job = { key, done: [] as string[] };
    this.comparisonJob = job;
    const current = () => this.comparisonJob === job;
    let state: ComparisonState;
    await tick();
    try {
      // every run is in the scratch simulator, off the extension host's event loop; the view is told after each.
      // Versions side by side: each design under each kernel, expectations left out (they hold one kernel's outcome)
      const r = await this.lab.scratch.request<CompareResult>(
        { op: 'compare', text, file, name, design, designs: [...DESIGNS], kernels, sessionKernel },
        {
          onProgress: (_done, _total, d) => {
            if (!current() || !d) return;
            job.done.push(d);
            this.panel('comparison')?.post({ type: 'state', state: this.comparisonProgress(name) });
          },
        },
      );
      if (!current()) return;
      for (const t of r.value.ms) this.timed({ view: 'comparison', ms: t.ms, what: `${t.what} (in the worker)` });
      state = { kind: 'comparison', view: r.value.view, kernels: this.kernelsState() };
    } catch (e) {
      if (!current()) return;
      if (e instanceof LabError) state = { kind: 'comparison', view: null, empty: `${name} does not run: ${e.message}` };
      else {
        this.log.error(`the design comparison: ${(e as Error).stack ?? String(e)}`);
        state = { kind: 'comparison', view: null, empty: `${name}: internal error while comparing the designs: ${(e as Error).message}` };
      }
    }
    this.comparisonJob = undefined;
    this.comparisonCache = { key, state };
    this.panel('comparison')?.post({ type: 'state', state });
  }

  private labChanged(): void {
    this.saveSession();
    // a step back or a new session can drop the selected event
    const valid = this.validSelection(this.selectionValue);
    if (valid.event !== this.selectionValue.event || valid.span !== this.selectionValue.span) {
      this.selectionValue = valid;
      this.selectionEmitter.fire({ ...valid });
    }
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refreshAll(), 30);
  }

  /** Post every open view its current state. */
  refreshAll(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    for (const [view, p] of this.panels) if (!p.isDisposed) p.post({ type: 'state', state: this.state(view) });
  }

  // ------------------------------------------------------------ messages

  private async onMessage(view: ViewKind, m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'select':
        this.select(m.selection, view);
        return;
      case 'openSymbol':
        this.opened.push(m.symbol);
        await this.kernel.open(m.symbol);
        return;
      case 'compareWith':
        if (m.design !== '' && !(DESIGNS as readonly string[]).includes(m.design)) {
          this.log.warn(`${view} webview: ignored compareWith ${JSON.stringify(m.design)}: not a design (${DESIGNS.join(', ')})`);
          return;
        }
        this.compareWithValue = m.design;
        this.panel('routing')?.post({ type: 'state', state: this.routingState() });
        return;
      case 'compareKernels':
        this.setComparisonKernels(m.versions);
        return;
      case 'refresh':
        this.comparisonCache = undefined;
        this.comparisonJob = undefined;
        this.panel(view)?.post({ type: 'state', state: this.state(view) });
        return;
      case 'ready':
        return;
    }
  }

  /** Set the design the routing view compares with (the command and tests; the webview posts compareWith). */
  setCompareWith(design: string): void {
    this.compareWithValue = design;
    this.panel('routing')?.post({ type: 'state', state: this.routingState() });
  }

  // ------------------------------------------------------------ persistence across reloads

  private saveSession(): void {
    const s = this.lab.session;
    const src = this.lab.source;
    if (!s || !src || src.scheme === 'untitled') return;
    const saved: SavedSession = { text: s.composeText(), source: src.toString(), cursor: s.cursor };
    void this.context.workspaceState.update(SAVED_SESSION, saved);
  }

  /** After a reload: reopen the session the views showed, unless one is open already. */
  private async restoreSession(): Promise<void> {
    if (this.lab.session) return;
    const saved = this.context.workspaceState.get<SavedSession>(SAVED_SESSION);
    if (!saved || typeof saved.text !== 'string' || typeof saved.source !== 'string') return;
    if (saved.text.length > MAX_INPUT_BYTES) {
      this.log.warn(`did not restore the session on ${saved.source}: its scenario is ${tooLargeMessage()}`);
      return;
    }
    try {
      await this.lab.open(saved.text, vscode.Uri.parse(saved.source));
      if (saved.cursor > 0) await this.lab.goTo(saved.cursor);
      this.log.info(`restored the session on ${saved.source} (${saved.cursor} event(s) run) for the reopened views`);
    } catch (e) {
      this.log.warn(`could not restore the session on ${saved.source}: ${(e as Error).message}`);
    }
  }

  // ------------------------------------------------------------ export

  /** Write the session's trace as Chrome Trace Event JSON (what Perfetto opens). */
  async exportTrace(target?: vscode.Uri): Promise<Outcome> {
    const s = this.lab.need();
    let uri = target;
    if (!uri) {
      // the default is .cache/artifacts/<scenario>.perfetto.json in the workspace (ignored by git), never the repository root
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      uri = await vscode.window.showSaveDialog({
        title: 'DAX Poison Lab: Export Perfetto Trace',
        saveLabel: 'Export',
        filters: { 'Chrome Trace Event JSON': ['json'] },
        ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, ...perfettoDefault(s.file).split('/')) } : {}),
      });
      if (!uri) return { ok: false, error: 'cancelled' };
    }
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(uri, '..'));
    const trace = toChromeTrace(s.report);
    await vscode.workspace.fs.writeFile(uri, encoder.encode(JSON.stringify(trace)));
    const slices = trace.traceEvents.filter((e) => e.ph === 'X').length;
    return { ok: true, message: `${uri.scheme === 'file' ? uri.fsPath : uri.toString()}: ${slices} slices, ${s.report.events.length} event(s); open it in https://ui.perfetto.dev` };
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const p of this.panels.values()) p.dispose();
    this.panels.clear();
    this.selectionEmitter.dispose();
    for (const d of this.subs) d.dispose();
  }
}
