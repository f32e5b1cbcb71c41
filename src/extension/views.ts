// The sidebar: Devices (regions → namespaces → pmem/dax → filesystem →
// files, with what is bad marked), Owners (fsmap of the selection and who
// maps it) and Events (the session's events, results, signals and routes).
// Thin: the content comes from the pure models.

import { mdFence, mdText } from './model/markdown';
import * as vscode from 'vscode';
import type { Lab } from './lab';
import type { DeviceNode } from './model/devices';
import { mapperLabel } from './model/owners';
import type { MapperEntry, OwnerItem, OwnersAnswer } from '../protocol/sim';
import { eventRows, eventSpanTrees, expectationText, signalText, type EventRow, type SpanNode } from './model/route';
import { formatSpanCall } from '../sim/render';
import { hex } from '../sim/units';
import { lookupSymbol } from '../kernel/links';
import { verdictForMapping, verdictIcon, verdictRows, OUTCOME_MEANING, type VerdictRow } from './model/feedback';
import { runOf, runRows, runRowText, runSummary, type RunInfo, type RunRow } from '../protocol/runs';

function icon(id: string, color?: string): vscode.ThemeIcon {
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

// ---------------------------------------------------------------- Devices

export class DevicesProvider implements vscode.TreeDataProvider<DeviceNode> {
  private readonly changed = new vscode.EventEmitter<DeviceNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: DeviceNode[] = [];
  private readonly parents = new Map<string, DeviceNode | undefined>();

  constructor(private readonly lab: Lab) {
    lab.onDidChange(() => this.rebuild());
    this.rebuild();
  }

  private rebuild(): void {
    const s = this.lab.session;
    // built by the simulator from its machine (src/extension/sim/engine.ts)
    this.roots = s ? s.devices : [];
    this.parents.clear();
    const walk = (n: DeviceNode, parent: DeviceNode | undefined) => {
      this.parents.set(n.id, parent);
      for (const c of n.children) walk(c, n);
    };
    for (const r of this.roots) walk(r, undefined);
    this.changed.fire(undefined);
  }

  /** the current nodes (for tests and reveal) */
  get nodes(): readonly DeviceNode[] {
    return this.roots;
  }

  getChildren(n?: DeviceNode): DeviceNode[] {
    return n ? n.children : this.roots;
  }

  getParent(n: DeviceNode): DeviceNode | undefined {
    return this.parents.get(n.id);
  }

  getTreeItem(n: DeviceNode): vscode.TreeItem {
    const item = new vscode.TreeItem(
      n.label,
      n.children.length ? (n.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed) : vscode.TreeItemCollapsibleState.None,
    );
    item.id = n.id;
    item.description = n.description;
    const md = new vscode.MarkdownString(n.tooltip);
    md.supportThemeIcons = true;
    item.tooltip = md;
    item.iconPath = icon(n.icon, n.color);
    item.contextValue = n.contextValue + (n.target ? ' daxTarget' : '');
    // a click shows the node's owners without moving the focus; the inline action also reveals the view
    if (n.target) item.command = { command: 'daxPoisonLab.showOwnersOf', title: 'Show Owners', arguments: [n] };
    return item;
  }
}

// ---------------------------------------------------------------- Owners

type OwnersItem =
  | { type: 'note'; text: string; tooltip?: string }
  | { type: 'owner'; entry: OwnerItem }
  | { type: 'mapper'; mapper: MapperEntry; entry: OwnerItem };

export class OwnersProvider implements vscode.TreeDataProvider<OwnersItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  result: OwnersAnswer | undefined;
  view: vscode.TreeView<OwnersItem> | undefined;
  /** the event whose verdicts mark the mappings: the selected one (the views share it), else the last one run */
  selectedEvent: () => string | null | undefined = () => undefined;

  constructor(private readonly lab: Lab) {
    lab.onDidChange(() => this.recompute());
    lab.ownersReady = () => this.settled;
  }

  /** the event the mappings are marked for, if it has run */
  verdictEvent(): string | undefined {
    const s = this.lab.session;
    if (!s) return undefined;
    const sel = this.selectedEvent();
    if (sel && s.report.events.some((e) => e.id === sel)) return sel;
    return s.report.events[s.report.events.length - 1]?.id;
  }

  /** the selection moved to another event: mark the mappings with its verdicts */
  refreshVerdicts(): void {
    if (this.view && this.lab.ownersQuery) {
      const ev = this.verdictEvent();
      this.view.description = `${this.lab.ownersQuery.title}${ev ? ` · verdicts of ${ev}` : ''}`;
    }
    this.changed.fire();
  }

  private generation = 0;
  private computing: Promise<void> = Promise.resolve();

  /** the owners of the query as the session is now (the simulator answers them) */
  get settled(): Promise<void> {
    return this.computing;
  }

  private recompute(): void {
    const gen = ++this.generation;
    this.computing = this.compute(gen);
  }

  private async compute(gen: number): Promise<void> {
    const s = this.lab.session;
    const q = this.lab.ownersQuery;
    let result: OwnersAnswer | undefined;
    let failed: string | undefined;
    try {
      result = s && q ? await this.lab.query<OwnersAnswer>('ownersOf', q) : undefined;
    } catch (e) {
      failed = `The owners could not be listed: ${(e as Error).message}`;
    }
    if (gen !== this.generation) return;
    this.result = result;
    if (this.view) {
      const ev = this.verdictEvent();
      this.view.description = q ? `${q.title}${ev ? ` · verdicts of ${ev}` : ''}` : undefined;
      this.view.message = failed ?? (s ? (q ? undefined : 'Select a device, a bad range or a poisoned page in Devices to see who owns it.') : undefined);
    }
    this.changed.fire();
  }

  getChildren(item?: OwnersItem): OwnersItem[] {
    if (!item) {
      const r = this.result;
      if (!r) return [];
      const out: OwnersItem[] = [];
      if (r.note) out.push({ type: 'note', text: r.note });
      for (const e of r.entries) out.push({ type: 'owner', entry: e });
      if (!r.entries.length && !r.note) out.push({ type: 'note', text: 'no owners' });
      return out;
    }
    if (item.type === 'owner') return item.entry.mappers.map((m) => ({ type: 'mapper', mapper: m, entry: item.entry }));
    return [];
  }

  getTreeItem(item: OwnersItem): vscode.TreeItem {
    if (item.type === 'note') {
      const t = new vscode.TreeItem(item.text);
      t.iconPath = icon('info');
      return t;
    }
    if (item.type === 'owner') {
      const e = item.entry;
      const t = new vscode.TreeItem(e.label, e.mappers.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      t.description = e.description;
      t.tooltip = new vscode.MarkdownString([mdFence(e.line), e.shared ? 'shared with another owner (reflink): the rmap walk reaches each' : ''].join('\n'));
      const ic: Record<OwnerItem['kind'], [string, string | undefined]> = {
        metadata: ['symbol-structure', 'list.warningForeground'],
        inode: ['file', e.shared ? 'charts.blue' : undefined],
        free: ['circle-large-outline', 'disabledForeground'],
        reserve: ['symbol-array', undefined],
        nofs: ['question', undefined],
        page: ['symbol-field', undefined],
      };
      const [id, color] = ic[e.kind];
      t.iconPath = icon(id, color);
      t.contextValue = `daxOwner-${e.kind}`;
      return t;
    }
    const l = mapperLabel(item.mapper);
    const t = new vscode.TreeItem(l.label);
    const m = item.mapper;
    const ev = this.verdictEvent();
    const s = this.lab.session;
    const e = item.entry;
    const range: [number, number] | undefined = e.fileStart !== undefined && e.fileEnd !== undefined ? [e.fileStart, e.fileEnd] : undefined;
    const v = ev && s ? verdictForMapping(s.report, ev, m.pid, m.mapping, e.path, range) : undefined;
    t.description = v ? `${v.outcome} (${ev}) · ${l.description}` : l.description;
    t.tooltip = new vscode.MarkdownString(
      [
        ...(v ? [`**${ev}: ${v.outcome}** — ${OUTCOME_MEANING[v.outcome]}`, mdText(v.reason), `decided by \`${v.symbol}\``] : ev ? [`${ev} gave this mapping no verdict for this range`] : []),
        `**${mdText(m.comm)}:${m.pid}** mapping \`${m.mapping}\``,
        `\`[${hex(m.start)}, ${hex(m.end)})\` ${m.prot} ${m.flags}`,
        `${m.kill} kill (${m.killWhy})`,
        `${m.ptePages} of ${m.pages} page(s) have a page-table entry${m.ptePages === 0 ? ': collect_procs_fsdax finds no address to signal' : ''}`,
      ].join('\n\n'),
    );
    if (v) {
      const vi = verdictIcon(v.outcome);
      t.iconPath = icon(vi.icon, vi.color);
      t.accessibilityInformation = { label: `${l.label} ${m.mapping}: ${ev} verdict ${v.outcome}, ${v.reason}` };
    } else t.iconPath = icon(m.alive ? (m.kill === 'early' ? 'zap' : 'person') : 'circle-slash', m.alive ? undefined : 'disabledForeground');
    t.contextValue = v ? 'daxMapper daxVerdict' : 'daxMapper';
    return t;
  }
}

// ---------------------------------------------------------------- Events

export type EventsItem =
  | { type: 'event'; row: EventRow }
  | { type: 'detail'; text: string; description?: string; icon: string; color?: string; tooltip?: string }
  | { type: 'span'; node: SpanNode; eventId: string }
  /** a summarised run's members, expanded on demand into the first and last few */
  | { type: 'members'; node: SpanNode; run: RunInfo; eventId: string }
  | { type: 'member'; node: SpanNode; run: RunInfo; row: RunRow; eventId: string }
  | { type: 'verdict'; row: VerdictRow; eventId: string; index: number };

export class EventsProvider implements vscode.TreeDataProvider<EventsItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  rows: EventRow[] = [];
  /** each event's span trees, built once per change of the session (an expansion or a reveal reuses them) */
  private trees = new Map<string, SpanNode[]>();

  constructor(private readonly lab: Lab) {
    lab.onDidChange(() => this.recompute());
  }

  private recompute(): void {
    const s = this.lab.session;
    this.rows = s ? eventRows(s.events, s.report, s.cursor, s.sourceEventCount) : [];
    this.trees.clear();
    this.changed.fire();
  }

  /** the span trees of an event of the session */
  spanTrees(eventId: string): SpanNode[] {
    const s = this.lab.session;
    if (!s) return [];
    let t = this.trees.get(eventId);
    if (!t) {
      t = eventSpanTrees(s.report, eventId);
      this.trees.set(eventId, t);
    }
    return t;
  }

  getChildren(item?: EventsItem): EventsItem[] {
    const s = this.lab.session;
    if (!item) return this.rows.map((row) => ({ type: 'event', row }));
    if (!s) return [];
    if (item.type === 'event') {
      const r = item.row;
      const out: EventsItem[] = [];
      for (const sig of r.signals) out.push({ type: 'detail', text: signalText(sig), icon: 'zap', color: sig.code === 'BUS_MCEERR_AR' ? 'list.errorForeground' : 'list.warningForeground' });
      for (const x of r.expectations) out.push({ type: 'detail', text: expectationText(x), icon: x.ok ? 'pass' : 'error', color: x.ok ? 'testing.iconPassed' : 'testing.iconFailed', tooltip: x.detail || undefined });
      // who was told, who was not, and why: after what was sent and what was checked, before the route
      verdictRows(s.report, r.id).forEach((v, index) => out.push({ type: 'verdict', row: v, eventId: r.id, index }));
      for (const n of this.spanTrees(r.id)) out.push({ type: 'span', node: n, eventId: r.id });
      return out;
    }
    if (item.type === 'span') {
      const out: EventsItem[] = [];
      // a summarised run: its members first (computed when expanded, never all of them), then what the first member called
      const run = runOf(item.node.span);
      if (run) out.push({ type: 'members', node: item.node, run, eventId: item.eventId });
      for (const n of item.node.children) out.push({ type: 'span', node: n, eventId: item.eventId });
      return out;
    }
    if (item.type === 'members') return runRows(item.run).map((row) => ({ type: 'member', node: item.node, run: item.run, row, eventId: item.eventId }));
    return [];
  }

  /** The parent of an item (what TreeView.reveal needs): an event row is at the root. */
  getParent(item: EventsItem): EventsItem | undefined {
    if (item.type === 'verdict') {
      const row = this.rows.find((r) => r.id === item.eventId);
      return row ? { type: 'event', row } : undefined;
    }
    if (item.type === 'members') return { type: 'span', node: item.node, eventId: item.eventId };
    if (item.type === 'member') return { type: 'members', node: item.node, run: item.run, eventId: item.eventId };
    if (item.type !== 'span') return undefined;
    const s = this.lab.session;
    const row = this.rows.find((r) => r.id === item.eventId);
    if (!s || !row) return undefined;
    const find = (nodes: SpanNode[], parent: SpanNode | undefined): SpanNode | undefined | null => {
      for (const n of nodes) {
        if (n.span.id === item.node.span.id) return parent ?? null;
        const f = find(n.children, n);
        if (f !== undefined) return f;
      }
      return undefined;
    };
    const p = find(this.spanTrees(item.eventId), undefined);
    return p ? { type: 'span', node: p, eventId: item.eventId } : { type: 'event', row };
  }

  getTreeItem(item: EventsItem): vscode.TreeItem {
    if (item.type === 'event') {
      const r = item.row;
      const hasKids = r.state === 'done' || r.state === 'failed';
      const t = new vscode.TreeItem(r.label, hasKids ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      t.id = `event:${r.id}`;
      t.description = `${r.hand ? '(by hand) ' : ''}${r.description}`;
      const ic: Record<EventRow['state'], [string, string | undefined]> = {
        done: ['pass', 'testing.iconPassed'],
        failed: ['error', 'testing.iconFailed'],
        next: ['debug-stackframe', 'debugIcon.continueForeground'],
        pending: ['circle-outline', 'disabledForeground'],
      };
      const [id, color] = ic[r.state];
      t.iconPath = icon(id, color);
      t.contextValue = `daxEvent-${r.state}`;
      t.tooltip = new vscode.MarkdownString(`**${mdText(r.label)}**${r.hand ? ' (added by hand)' : ''}\n\n${r.description ? mdText(r.description) : 'not run yet'}\n\nSelect to open its route.`);
      t.command = { command: 'daxPoisonLab.showRoute', title: 'Show Route', arguments: [r.id] };
      return t;
    }
    if (item.type === 'verdict') {
      const v = item.row;
      const t = new vscode.TreeItem(v.label);
      t.id = `verdict:${item.eventId}:${item.index}`;
      t.description = v.description;
      const md = new vscode.MarkdownString(v.tooltip);
      md.supportThemeIcons = true;
      t.tooltip = md;
      t.iconPath = icon(v.icon, v.color);
      t.contextValue = 'daxVerdict';
      t.accessibilityInformation = { label: v.aria };
      t.command = { command: 'daxPoisonLab.showVerdict', title: 'Show Verdict', arguments: [{ event: item.eventId, span: v.verdict.span, symbol: v.verdict.symbol }] };
      return t;
    }
    if (item.type === 'detail') {
      const t = new vscode.TreeItem(item.text);
      t.description = item.description;
      t.iconPath = icon(item.icon, item.color);
      if (item.tooltip) t.tooltip = item.tooltip;
      return t;
    }
    if (item.type === 'members') {
      const r = item.run;
      const t = new vscode.TreeItem(`members: ${runSummary(r)}`, vscode.TreeItemCollapsibleState.Collapsed);
      t.id = `members:${item.eventId}:${item.node.span.id}`;
      t.description = r.count > 6 ? 'first 3 and last 3' : undefined;
      t.tooltip = `${r.symbol} was called ${r.count} times, once per member of the run, the arguments ${r.stepped.map((a) => a.key).join(', ')} advancing in step; the trace keeps one span for them all. Expand to see the first and last members, computed from the first value and the step.`;
      t.iconPath = icon('list-ordered');
      t.contextValue = 'daxRunMembers';
      return t;
    }
    if (item.type === 'member') {
      const r = item.row;
      const t = new vscode.TreeItem(runRowText(item.run, r));
      t.id = `member:${item.eventId}:${item.node.span.id}:${r.kind === 'member' ? r.index : 'more'}`;
      if (r.kind === 'more') {
        t.iconPath = icon('ellipsis');
        t.tooltip = `${r.count} members of the run between the first and the last ones shown: the same call, the arguments one step further each`;
        return t;
      }
      t.iconPath = icon('symbol-method');
      t.tooltip = `member ${r.index + 1} of ${item.run.count} of the run of ${item.run.symbol}. Click to open its kernel source.`;
      t.contextValue = 'daxSpan';
      t.command = { command: 'daxPoisonLab.goToKernelSymbol', title: 'Go to Kernel Symbol', arguments: [item.run.symbol] };
      return t;
    }
    const sp = item.node.span;
    const run = runOf(sp);
    const t = new vscode.TreeItem(formatSpanCall(sp), item.node.children.length || run ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    t.description = sp.layer;
    const known = lookupSymbol(sp.symbol);
    const runNote = run
      ? ` A summarised run of ${run.count} calls (${runSummary(run)}): expand its members for the first and last ones.`
      : sp.count !== undefined
        ? ` Called ${sp.count} times (once per member of the run it belongs to); the arguments are the first call's.`
        : '';
    t.tooltip = `${sp.symbol} (${sp.layer})${known ? ` — ${known.file}:${known.line}` : ''}.${runNote} Click to open its kernel source.`;
    t.iconPath = icon(run ? 'layers' : 'symbol-method');
    t.contextValue = 'daxSpan';
    t.command = { command: 'daxPoisonLab.goToKernelSymbol', title: 'Go to Kernel Symbol', arguments: [sp.symbol] };
    return t;
  }
}
