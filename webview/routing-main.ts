// The Layer Routing webview: the route of the selected event (or span) lane
// by lane, fitted to the width, its outcomes as badges; repeated runs and
// subtrees folded; the selected call in full in a detail strip below, and
// beside it the verdicts (who was told, and why). Another design's route
// of the same event is compared call for call: the session's route keeps
// the height, its rows marked where they differ (an icon and a word, not
// colour alone) and a gap row where only the other design makes a call;
// the other design is a one-line strip below it (its outcomes, how many
// rows differ, previous/next difference) whose route opens on demand
// below the first, its rows aligned with it.
// Keyboard: Up/Down move between calls, Left/Right between the two designs,
// Home/End, Enter opens the symbol (or expands a fold), Space selects, M
// shows or hides a summarised run's first and last members, N and P go to
// the next and previous difference from the compared design;
// + / - / 0 zoom when the diagram has the focus, Ctrl/Cmd +/-/0 anywhere.
// The extension opens every link.

import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { HostMessage, RoutingState, Selection } from '../src/protocol/messages';
import type { Badge, DiffMark, RouteNode, RouteView } from '../src/protocol/routing';
import { alignRows, fitZoom, foldRoute, foldsHolding, laneWeights, partnerFold, stageWidth, stepZoom, subtreeNodes, type AlignedRow, type Fold, type Row } from '../src/protocol/routeLayout';
import { bootstrap, codicon, connect, getState, h, onThemeChange, post, setState } from './common/host';
import { MARK_W, buildPane, layoutPanes, paneBoxes, updateMinimapFrame, type PaneDom, type PaneModel, type Side } from './routing/render';
import { detailStrip, verdictPanel, type PanelHandlers } from './routing/panels';
import { applyRoutingColors, onThemeVariables } from './routing/colors';

interface Persisted {
  selection: Selection;
  compareWith: string;
  subtree: boolean;
  scrollY: number;
  scrollX: number;
  /** 'fit' or a scale */
  zoom: 'fit' | number;
  fold: boolean;
  expanded: { left: string[]; right: string[] };
  /** the summarised runs whose members are shown, by span id */
  runs?: { left: number[]; right: number[] };
  rightSpan: number | null;
  /** the compared design's route is shown (else only its summary strip) */
  compareOpen?: boolean;
}

const boot = bootstrap('routing');
let state = boot.state as RoutingState;
const saved = getState<Persisted>();
let subtree = saved.subtree === true;
let foldOn = saved.fold !== false;
let compareOpen = saved.compareOpen === true;
/** the aligned row last gone to by previous/next difference */
let diffCursor = -1;
let zoomMode: 'fit' | number = typeof saved.zoom === 'number' && saved.zoom > 0 ? saved.zoom : 'fit';
let zoom = 1;
let selection: Selection = state.selection;
/** the compared design's selected span: its own run, its own span ids (not posted) */
let rightSpan: number | null = typeof saved.rightSpan === 'number' ? saved.rightSpan : null;
let focusSide: Side = 'left';
const expanded: Record<Side, Set<string>> = { left: new Set(saved.expanded?.left ?? []), right: new Set(saved.expanded?.right ?? []) };
const numbers = (x: unknown): number[] => (Array.isArray(x) ? x.filter((v): v is number => typeof v === 'number' && Number.isSafeInteger(v)) : []);
const runsOpen: Record<Side, Set<number>> = { left: new Set(numbers(saved.runs?.left)), right: new Set(numbers(saved.runs?.right)) };
let panes: PaneDom[] = [];
let aligned: AlignedRow[] = [];
let syncing = false;
const root = document.getElementById('root')!;

function persist(): void {
  const d = panes[0]?.diagram;
  setState<Persisted>({
    selection,
    compareWith: state.compareWith,
    subtree,
    scrollY: d?.scrollTop ?? 0,
    scrollX: d?.scrollLeft ?? 0,
    zoom: zoomMode,
    fold: foldOn,
    expanded: { left: [...expanded.left], right: [...expanded.right] },
    runs: { left: [...runsOpen.left], right: [...runsOpen.right] },
    rightSpan,
    compareOpen,
  });
}

const viewOf = (side: Side): RouteView | null => (side === 'left' ? state.left : state.right);
const spanOf = (side: Side): number | null => (side === 'left' ? selection.span : rightSpan);

const BADGE_ICON: Record<Badge['kind'], string> = {
  'sigbus-ar': 'zap',
  'sigbus-ao': 'bell',
  signal: 'zap',
  errno: 'error',
  recovered: 'pass',
  failed: 'close',
  ignored: 'circle-slash',
  shutdown: 'debug-stop',
  ok: 'check',
  panic: 'flame',
};

function badges(v: RouteView): HTMLElement {
  const list = h('ul', { class: 'badges', 'aria-label': `outcomes under ${v.design}` });
  for (const b of v.badges) list.append(h('li', { class: `badge badge-${b.kind}`, title: b.detail, 'aria-label': b.detail }, codicon(BADGE_ICON[b.kind]), ` ${b.label}`));
  return list;
}

function button(id: string, label: string, title: string, content: (Node | string)[], onClick: () => void): HTMLButtonElement {
  const b = h('button', { id, class: 'tb-btn', type: 'button', title, 'aria-label': label }, ...content);
  b.addEventListener('click', onClick);
  return b;
}

function toolbar(): HTMLElement {
  const bar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'routing options' });
  const evSel = document.createElement('vscode-single-select');
  evSel.setAttribute('aria-label', 'event');
  evSel.id = 'event-select';
  for (const e of state.events) {
    const o = document.createElement('vscode-option');
    o.setAttribute('value', e.id);
    o.textContent = `${e.id} ${e.do}`;
    if (e.id === state.selection.event) o.setAttribute('selected', '');
    evSel.append(o);
  }
  evSel.addEventListener('change', () => {
    const id = (evSel as unknown as { value: string }).value;
    if (id && id !== selection.event) post({ type: 'select', selection: { event: id, span: null } });
  });
  const designSel = document.createElement('vscode-single-select');
  designSel.setAttribute('aria-label', 'compare with design');
  designSel.id = 'design-select';
  const current = state.left?.design ?? '';
  const opts = [{ value: '', label: 'no other design' }, ...state.designs.filter((d) => d !== current).map((d) => ({ value: d, label: d }))];
  for (const d of opts) {
    const o = document.createElement('vscode-option');
    o.setAttribute('value', d.value);
    o.textContent = d.label;
    if (d.value === state.compareWith) o.setAttribute('selected', '');
    designSel.append(o);
  }
  designSel.addEventListener('change', () => {
    const d = (designSel as unknown as { value: string }).value;
    if (d !== state.compareWith) post({ type: 'compareWith', design: d });
  });
  const sub = document.createElement('vscode-checkbox');
  sub.id = 'subtree';
  sub.setAttribute('label', 'only the selected span and its callees');
  if (subtree) sub.setAttribute('checked', '');
  sub.addEventListener('change', () => {
    subtree = (sub as unknown as { checked: boolean }).checked;
    render();
  });
  const fold = document.createElement('vscode-checkbox');
  fold.id = 'fold-repeats';
  fold.setAttribute('label', 'fold repeats');
  if (foldOn) fold.setAttribute('checked', '');
  fold.addEventListener('change', () => {
    foldOn = (fold as unknown as { checked: boolean }).checked;
    render();
  });
  const zoomGroup = h(
    'div',
    { class: 'zoom-group', role: 'group', 'aria-label': 'zoom' },
    button('zoom-fit', 'zoom to fit the width', 'Fit the route to the width (Ctrl+0, or 0 in the diagram)', [codicon('screen-normal'), ' fit'], () => setZoom('fit')),
    button('zoom-out', 'zoom out', 'Zoom out (Ctrl+-, or - in the diagram)', [codicon('zoom-out')], () => setZoom(stepZoom(zoom, -1))),
    button('zoom-in', 'zoom in', 'Zoom in (Ctrl++, or + in the diagram)', [codicon('zoom-in')], () => setZoom(stepZoom(zoom, 1))),
    button('zoom-100', 'zoom to 100%', 'Actual size', ['100%'], () => setZoom(1)),
    h('span', { class: 'zoom-level', id: 'zoom-level', 'aria-live': 'polite' }, ''),
  );
  bar.append(
    h('label', { class: 'tb-label' }, codicon('list-ordered'), ' event '),
    evSel,
    h('label', { class: 'tb-label' }, codicon('split-vertical'), ' compare with '),
    designSel,
    sub,
    fold,
    button('fold-all', 'fold every repeat again', 'Fold every opened repeat again', [codicon('fold'), ' fold all'], () => {
      expanded.left.clear();
      expanded.right.clear();
      render();
    }),
    zoomGroup,
  );
  return bar;
}

function legend(): HTMLElement {
  return h(
    'div',
    { class: 'legend', 'aria-label': 'legend' },
    h('span', { class: 'lg lg-hop' }, 'hop into another layer'),
    h('span', { class: 'lg lg-call' }, 'call within a layer'),
    h('span', { class: 'lg lg-decision' }, codicon('git-compare'), ' decision'),
    h('span', { class: 'lg lg-fold' }, codicon('unfold'), ' folded repeats (click to expand)'),
    state.right ? h('span', { class: 'lg lg-only' }, codicon('diff-added'), ' only: one design makes the call') : null,
    state.right ? h('span', { class: 'lg lg-changed' }, codicon('diff-modified'), ' ≠: other values or result') : null,
  );
}

// ------------------------------------------------------------ model → panes

function nodesOf(side: Side): RouteNode[] {
  const v = viewOf(side);
  if (!v) return [];
  return subtree ? subtreeNodes(v, spanOf(side)) : v.nodes;
}

function rowsOf(side: Side): Row[] {
  return foldRoute(nodesOf(side), { expanded: expanded[side], fold: foldOn });
}

function paneModels(): PaneModel[] {
  const left = state.left!;
  const right = state.right;
  const lr = rowsOf('left');
  if (!right) {
    aligned = [];
    return [{ side: 'left', view: left, rows: lr, marks: null, others: null, otherDesign: null, runsOpen: runsOpen.left }];
  }
  const rr = rowsOf('right');
  aligned = alignRows(lr, rr);
  const marks: DiffMark[] = aligned.map((a) => a.mark);
  // the session's route keeps the alignment (its marks, a gap where only the other design calls) with the other's route closed too
  const first: PaneModel = { side: 'left', view: left, rows: aligned.map((a) => a.left), marks, others: aligned.map((a) => a.right), otherDesign: right.design, runsOpen: runsOpen.left };
  if (!compareOpen) return [first];
  return [first, { side: 'right', view: right, rows: aligned.map((a) => a.right), marks, others: aligned.map((a) => a.left), otherDesign: left.design, runsOpen: runsOpen.right }];
}

const panelHandlers: PanelHandlers = {
  selectSpan: (side, span) => selectSpan(side, span, true),
  open: (symbol) => post({ type: 'openSymbol', symbol }),
  toggleFold: (side, id) => toggleFold(side, id),
};

/** Show or hide the members of a summarised run (its box stays one box; the members are computed, first and last few). */
function toggleRun(side: Side, span: number): void {
  if (runsOpen[side].has(span)) runsOpen[side].delete(span);
  else runsOpen[side].add(span);
  focusSide = side;
  render({ focusSpan: { side, span } });
  persist();
}

function toggleFold(side: Side, id: string): void {
  const open = !expanded[side].has(id);
  const partner = partnerFold(aligned, side, id);
  const other: Side = side === 'left' ? 'right' : 'left';
  for (const [s, f] of [[side, id], [other, partner]] as const) {
    if (!f) continue;
    if (open) expanded[s].add(f);
    else expanded[s].delete(f);
  }
  // opening a fold selects its first call (it is where the fold was); folding one back selects nothing in it
  const head = foldHead(side, id);
  if (open && head !== undefined) {
    focusSide = side;
    if (side === 'left') {
      selection = { event: state.selection.event, span: head };
      post({ type: 'select', selection });
    } else rightSpan = head;
  }
  render({ focusSpan: { side, span: open && head !== undefined ? head : spanOf(side) } });
  persist();
}

/** The first span of a fold of one side (fold ids are "<kind>:<first span>"). */
function foldHead(side: Side, id: string): number | undefined {
  const span = Number(id.slice(id.indexOf(':') + 1));
  return Number.isSafeInteger(span) && viewOf(side)?.nodes.some((n) => n.span === span) ? span : undefined;
}

/** Select a span of one side (opening the folds that hold it) and bring it into view. */
function selectSpan(side: Side, span: number, scroll: boolean): void {
  const ids = foldsHolding(nodesOf(side), span, { expanded: expanded[side], fold: foldOn });
  focusSide = side;
  if (side === 'left') selection = { event: state.selection.event, span };
  else rightSpan = span;
  if (side === 'left') post({ type: 'select', selection });
  if (ids.length) {
    for (const id of ids) expanded[side].add(id);
    render({ scrollTo: { side, span } });
  } else {
    markSelection(scroll ? side : null);
    renderPanels();
  }
  persist();
}

function selectNode(side: Side, n: RouteNode): void {
  selectSpan(side, n.span, false);
}

function foldAt(side: Side, span: number): Fold | undefined {
  const p = panes.find((x) => x.model.side === side);
  const r = p?.model.rows.find((x) => x?.kind === 'fold' && x.fold.head.span === span);
  return r?.kind === 'fold' ? r.fold : undefined;
}

function renderPanels(): void {
  const side = viewOf(focusSide) ? focusSide : 'left';
  const v = viewOf(side);
  const span = spanOf(side);
  const node = v && span !== null ? v.nodes.find((n) => n.span === span) : undefined;
  const fold = node ? foldAt(side, node.span) : undefined;
  const strip = detailStrip(v && node ? { side, view: v, node, ...(fold ? { fold } : {}) } : null, panelHandlers);
  document.querySelector('.details')?.replaceWith(strip);
  const views: { side: Side; view: RouteView }[] = [];
  if (state.left) views.push({ side: 'left', view: state.left });
  if (state.right) views.push({ side: 'right', view: state.right });
  document.querySelector('aside.verdicts')?.replaceWith(verdictPanel(views, panelHandlers, { left: selection.span, right: rightSpan }));
}

/** Highlight each side's selected span; the focus (roving tabindex) follows it on the focused side. */
function markSelection(scrollSide: Side | null): void {
  for (const p of panes) {
    const side = p.model.side;
    const span = spanOf(side);
    const boxes = paneBoxes(p);
    let any = false;
    for (const b of boxes) {
      const on = span !== null && Number(b.dataset.span) === span;
      b.classList.toggle('selected', on);
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
      b.setAttribute('tabindex', on && side === focusSide ? '0' : '-1');
      if (on && side === focusSide) any = true;
      if (on && scrollSide === side) scrollIntoView(p, b);
    }
    if (!any && side === focusSide && boxes[0]) boxes[0].setAttribute('tabindex', '0');
  }
  updateDiffNav();
}

/** Scroll a pane (and so its aligned partner) so that the box is in view, centred when it was out. */
function scrollIntoView(p: PaneDom, box: HTMLElement): void {
  const top = box.offsetTop * zoom;
  const bottom = (box.offsetTop + box.offsetHeight) * zoom;
  const d = p.diagram;
  if (top < d.scrollTop || bottom > d.scrollTop + d.clientHeight) d.scrollTop = Math.max(0, top - d.clientHeight / 3);
  const left = box.offsetLeft * zoom;
  const right = (box.offsetLeft + box.offsetWidth) * zoom;
  if (left < d.scrollLeft || right > d.scrollLeft + d.clientWidth) d.scrollLeft = Math.max(0, left - 24);
}

// ------------------------------------------------------------ zoom

/** The lanes' width in lanes (the processes lane counts for more, laneWeights). */
function laneCount(): number {
  return Math.max(1, laneWeights(state.left?.lanes ?? []).reduce((a, b) => a + b, 0));
}

function relayout(): void {
  const first = panes[0];
  if (!first) return;
  const w = first.diagram.clientWidth;
  if (w <= 0) return;
  const extra = state.right ? MARK_W : 0;
  zoom = zoomMode === 'fit' ? fitZoom(laneCount(), w, extra) : zoomMode;
  layoutPanes(panes, zoom, stageWidth(laneCount(), w, zoom, extra));
  const lvl = document.getElementById('zoom-level');
  if (lvl) lvl.textContent = `${Math.round(zoom * 100)}%${zoomMode === 'fit' ? ' (fit)' : ''}`;
  root.classList.toggle('zoom-fit', zoomMode === 'fit');
}

function setZoom(z: 'fit' | number): void {
  const before = zoom;
  const d = panes[0]?.diagram;
  const y = d ? d.scrollTop / before : 0;
  const x = d ? d.scrollLeft / before : 0;
  zoomMode = z;
  relayout();
  if (d) {
    d.scrollTop = y * zoom;
    d.scrollLeft = x * zoom;
  }
  persist();
}

function zoomKey(e: KeyboardEvent): 'in' | 'out' | 'reset' | undefined {
  if (e.key === '+' || e.key === '=' || e.code === 'NumpadAdd') return 'in';
  if (e.key === '-' || e.key === '_' || e.code === 'NumpadSubtract') return 'out';
  if (e.key === '0' || e.code === 'Numpad0') return 'reset';
  return undefined;
}

function onDocumentKey(e: KeyboardEvent): void {
  const k = zoomKey(e);
  if (!k || e.altKey) return;
  const mod = e.ctrlKey || e.metaKey;
  const inDiagram = !!(e.target as Element | null)?.closest?.('.diagram');
  if (!mod && !inDiagram) return;
  // keep the key from VS Code's own zoom (the webview forwards keys it does not stop)
  e.preventDefault();
  e.stopPropagation();
  if (k === 'reset') setZoom('fit');
  else setZoom(stepZoom(zoom, k === 'in' ? 1 : -1));
}

// ------------------------------------------------------------ keyboard in the diagram

function paneOf(el: Element): PaneDom | undefined {
  return panes.find((p) => p.diagram.contains(el));
}

function onKey(e: KeyboardEvent): void {
  const target = e.target as HTMLElement | null;
  // a button in a box (a run's members, fold back) acts on its own Enter and Space
  if (target?.closest?.('button')) return;
  const box = target?.closest?.('.node[data-row]') as HTMLElement | null;
  if (!box || box.classList.contains('gap')) return;
  const p = paneOf(box);
  if (!p) return;
  const side = p.model.side;
  const boxes = paneBoxes(p);
  const i = boxes.indexOf(box);
  let next: HTMLElement | undefined;
  let nextPane = p;
  switch (e.key) {
    case 'ArrowDown':
      next = boxes[Math.min(boxes.length - 1, i + 1)];
      break;
    case 'ArrowUp':
      next = boxes[Math.max(0, i - 1)];
      break;
    case 'Home':
      next = boxes[0];
      break;
    case 'End':
      next = boxes[boxes.length - 1];
      break;
    case 'ArrowRight':
    case 'ArrowLeft': {
      const want: Side = e.key === 'ArrowRight' ? 'right' : 'left';
      const other = panes.find((x) => x.model.side === want);
      if (!other || other === p) return;
      nextPane = other;
      const ob = paneBoxes(other);
      // the aligned row, else the nearest row that has a box
      const row = Number(box.dataset.row);
      next = ob.find((x) => Number(x.dataset.row) === row) ?? ob.reduce<HTMLElement | undefined>((best, x) => (!best || Math.abs(Number(x.dataset.row) - row) < Math.abs(Number(best.dataset.row) - row) ? x : best), undefined);
      break;
    }
    case 'Enter': {
      e.preventDefault();
      if (box.dataset.fold) toggleFold(side, box.dataset.fold);
      else {
        const n = viewOf(side)?.nodes.find((x) => x.span === Number(box.dataset.span));
        if (n) post({ type: 'openSymbol', symbol: n.symbol });
      }
      return;
    }
    case 'm':
    case 'M': {
      // a summarised run: show or hide its first and last members
      if (!box.querySelector('.run-toggle')) return;
      e.preventDefault();
      toggleRun(side, Number(box.dataset.span));
      return;
    }
    case ' ': {
      e.preventDefault();
      selectSpan(side, Number(box.dataset.span), false);
      return;
    }
    case 'n':
    case 'N':
    case 'p':
    case 'P': {
      if (!state.right) return;
      e.preventDefault();
      gotoDiff(e.key.toLowerCase() === 'n' ? 1 : -1);
      return;
    }
    default:
      return;
  }
  e.preventDefault();
  if (!next || next === box) return;
  box.setAttribute('tabindex', '-1');
  next.setAttribute('tabindex', '0');
  next.focus({ preventScroll: true });
  scrollIntoView(nextPane, next);
  focusSide = nextPane.model.side;
  selectSpan(focusSide, Number(next.dataset.span), false);
}

// ------------------------------------------------------------ the compared design

/** how the aligned rows differ: calls only the session's design makes, only the other, and calls with other values */
function diffCounts(): { onlyLeft: number; onlyRight: number; changed: number } {
  let onlyLeft = 0;
  let onlyRight = 0;
  let changed = 0;
  for (const a of aligned) {
    if (a.mark === 'changed') changed++;
    else if (a.mark === 'only') {
      if (a.left) onlyLeft++;
      else onlyRight++;
    }
  }
  return { onlyLeft, onlyRight, changed };
}

/** the aligned rows that differ, in order */
function diffRows(): number[] {
  const out: number[] = [];
  aligned.forEach((a, i) => {
    if (a.mark !== 'same') out.push(i);
  });
  return out;
}

/** the row the selection (or the last difference gone to) is on */
function currentRow(): number {
  const p = panes.find((x) => x.model.side === focusSide) ?? panes[0];
  const span = spanOf(p?.model.side ?? 'left');
  const box = p && span !== null ? paneBoxes(p).find((b) => Number(b.dataset.span) === span) : undefined;
  return box ? Number(box.dataset.row) : diffCursor;
}

/** Go to the next (dir 1) or previous (-1) row that differs: select its call, or bring a gap or fold into view. */
function gotoDiff(dir: 1 | -1): void {
  const rows = diffRows();
  if (!rows.length) return;
  const cur = currentRow();
  const at = dir > 0 ? rows.find((r) => r > cur) : [...rows].reverse().find((r) => r < cur);
  if (at === undefined) return;
  diffCursor = at;
  const a = aligned[at]!;
  const side: Side = a.left ? 'left' : compareOpen ? 'right' : 'left';
  const row = side === 'left' ? a.left : a.right;
  const p = panes.find((x) => x.model.side === side) ?? panes[0]!;
  for (const q of panes) for (const r of q.rowEls) r.classList.toggle('diff-current', Number(r.dataset.row) === at);
  if (row?.kind === 'node') {
    selectSpan(side, row.node.span, true);
    paneBoxes(p).find((b) => Number(b.dataset.span) === row.node.span)?.focus({ preventScroll: true });
  } else {
    // a fold, or a call only the other design makes (a gap here): into view, a fold focused
    const el = p.rowEls[at];
    if (el) {
      const d = p.diagram;
      const top = el.offsetTop * zoom;
      if (top < d.scrollTop || top + el.offsetHeight * zoom > d.scrollTop + d.clientHeight) d.scrollTop = Math.max(0, top - d.clientHeight / 3);
      el.querySelector<HTMLElement>('.node.fold')?.focus({ preventScroll: true });
    }
  }
  updateDiffNav();
}

function updateDiffNav(): void {
  const rows = diffRows();
  const cur = currentRow();
  const prev = document.getElementById('diff-prev') as HTMLButtonElement | null;
  const next = document.getElementById('diff-next') as HTMLButtonElement | null;
  if (prev) prev.disabled = !rows.some((r) => r < cur);
  if (next) next.disabled = !rows.some((r) => r > cur);
  const pos = document.getElementById('diff-pos');
  if (pos) {
    const i = rows.indexOf(cur);
    pos.textContent = rows.length ? (i >= 0 ? `difference ${i + 1} of ${rows.length}` : `${rows.length} differences`) : 'no differences';
  }
}

function setCompareOpen(open: boolean): void {
  compareOpen = open;
  if (!open) focusSide = 'left';
  render();
  document.getElementById('compare-open')?.focus();
  persist();
}

/**
 * The compared design in one line: its name, outcomes, how many aligned rows
 * differ and how, previous/next difference, and the button that opens its
 * route below the session's (or closes it).
 */
function compareStrip(right: RouteView): HTMLElement {
  const { onlyLeft, onlyRight, changed } = diffCounts();
  const left = state.left!.design;
  const n = onlyLeft + onlyRight + changed;
  const parts = [onlyLeft ? `${onlyLeft} only ${left}` : '', onlyRight ? `${onlyRight} only ${right.design}` : '', changed ? `${changed} ≠` : ''].filter(Boolean);
  const strip = h('section', { class: `compare-strip${compareOpen ? ' open' : ''}`, id: 'compare-strip', 'aria-label': `compared with ${right.design}` });
  const toggle = button('compare-open', compareOpen ? `hide the route under ${right.design}` : `show the route under ${right.design} below, aligned call for call`, compareOpen ? `Hide ${right.design}'s route (its differences stay marked in ${left}'s)` : `Show ${right.design}'s route below ${left}'s, aligned call for call`, [codicon(compareOpen ? 'chevron-down' : 'chevron-right'), compareOpen ? ' hide its route' : ' show its route'], () => setCompareOpen(!compareOpen));
  toggle.setAttribute('aria-expanded', String(compareOpen));
  strip.append(
    toggle,
    h('h2', {}, codicon('split-vertical'), ` compared with ${right.design}`),
    h('span', { class: 'route-meta' }, `${right.nodes.length} calls${right.hidden ? `, ${right.hidden} more not drawn` : ''} · ${n ? `${n} of ${aligned.length} rows differ: ${parts.join(', ')}` : `the same ${aligned.length} rows`}`),
  );
  // its outcomes here while its route is closed (the route's own head has them when open)
  if (!compareOpen) strip.append(badges(right));
  const prev = button('diff-prev', 'previous difference', 'Previous difference (P in the diagram)', [codicon('arrow-up')], () => gotoDiff(-1));
  const next = button('diff-next', 'next difference', 'Next difference (N in the diagram)', [codicon('arrow-down')], () => gotoDiff(1));
  strip.append(h('span', { class: 'diff-nav', role: 'group', 'aria-label': 'differences' }, prev, next, h('span', { class: 'diff-pos', id: 'diff-pos', 'aria-live': 'polite' }, '')));
  return strip;
}

// ------------------------------------------------------------ render

interface RenderOpts {
  /** keep the focus on this span's box */
  focusSpan?: { side: Side; span: number | null };
  scrollTo?: { side: Side; span: number };
}

function render(opts: RenderOpts = {}): void {
  const prev = panes[0]?.diagram;
  const active = document.activeElement as HTMLElement | null;
  const activeBox = active?.closest?.('.node[data-row]') as HTMLElement | null;
  const refocus = opts.focusSpan ?? (activeBox ? { side: (activeBox.closest('.route-right') ? 'right' : 'left') as Side, span: Number(activeBox.dataset.span) } : undefined);
  const scroll = prev ? { x: prev.scrollLeft, y: prev.scrollTop } : { x: saved.scrollX ?? 0, y: saved.scrollY ?? 0 };
  root.replaceChildren();
  panes = [];
  root.append(h('h1', { class: 'title' }, codicon('type-hierarchy'), ` Layer routing${state.scenario ? ` — ${state.scenario}` : ''}`));
  if (!state.left) {
    root.append(h('p', { class: 'empty', role: 'status' }, state.empty ?? 'Nothing to show.'));
    persist();
    return;
  }
  if (!state.right || !compareOpen) focusSide = 'left';
  root.style.setProperty('--mark-w', state.right ? `${MARK_W}px` : '0px');
  root.append(toolbar(), legend());
  if (state.empty) root.append(h('p', { class: 'warning', role: 'status' }, state.empty));
  const handlers = { select: selectNode, open: (n: RouteNode) => post({ type: 'openSymbol', symbol: n.symbol }), toggleFold, toggleRun };
  for (const m of paneModels()) {
    const v = m.view;
    const differing = m.marks ? m.marks.filter((x, i) => x !== 'same' && m.rows[i]).length : 0;
    // with the other route closed, the strip below says how the rows differ
    const meta = `${m.marks ? '' : `${v.event} ${v.do} · `}${v.nodes.length} calls${v.hidden ? `, ${v.hidden} more not drawn` : ''} · ${m.rows.filter(Boolean).length} rows${m.marks && compareOpen ? ` · ${differing} differ` : ''}`;
    panes.push(buildPane(m, handlers, [h('h2', {}, codicon('circuit-board'), ` ${v.design}`), h('span', { class: 'route-meta' }, meta), badges(v)]));
  }
  const paneWrap = h('div', { class: `routes${panes.length > 1 ? ' two' : ''}` }, panes[0]!.section, ...(state.right ? [compareStrip(state.right)] : []), ...panes.slice(1).map((p) => p.section));
  paneWrap.addEventListener('keydown', onKey);
  const main = h('div', { class: 'route-main' }, paneWrap, h('section', { class: 'details' }));
  const workspace = h('div', { class: 'workspace' }, main, h('aside', { class: 'verdicts' }));
  root.append(workspace);
  for (const p of panes) {
    p.diagram.addEventListener(
      'scroll',
      () => {
        p.headerViewport.scrollLeft = p.diagram.scrollLeft;
        updateMinimapFrame(p, zoom);
        if (!syncing) {
          syncing = true;
          for (const q of panes) {
            if (q === p) continue;
            q.diagram.scrollTop = p.diagram.scrollTop;
            q.diagram.scrollLeft = p.diagram.scrollLeft;
          }
          syncing = false;
        }
        persist();
      },
      { passive: true },
    );
  }
  relayout();
  for (const p of panes) resized.observe(p.diagram);
  for (const p of panes) {
    p.diagram.scrollLeft = scroll.x;
    p.diagram.scrollTop = scroll.y;
  }
  renderPanels();
  const scrollSide = opts.scrollTo?.side ?? (!prev ? focusSide : null);
  markSelection(scrollSide);
  if (refocus && refocus.span !== null) {
    const p = panes.find((x) => x.model.side === refocus.side);
    const b = p && paneBoxes(p).find((x) => Number(x.dataset.span) === refocus.span);
    if (p && b) {
      for (const x of paneBoxes(p)) x.setAttribute('tabindex', x === b ? '0' : '-1');
      if (activeBox) b.focus({ preventScroll: true });
    }
  }
  persist();
}

function onMessage(m: HostMessage): void {
  if (m.type === 'state' && m.state.kind === 'routing') {
    const eventChanged = m.state.selection.event !== state.selection.event;
    const designChanged = (m.state.right?.design ?? '') !== (state.right?.design ?? '');
    state = m.state;
    selection = state.selection;
    if (eventChanged || designChanged) {
      rightSpan = null;
      expanded.right.clear();
      runsOpen.right.clear();
      if (eventChanged) {
        expanded.left.clear();
        runsOpen.left.clear();
      }
    }
    if (selection.span !== null) for (const id of foldsHolding(nodesOf('left'), selection.span, { expanded: expanded.left, fold: foldOn })) expanded.left.add(id);
    render();
  } else if (m.type === 'selection') {
    if (m.selection.event !== state.selection.event) return; // a new event comes as a new state
    selection = m.selection;
    focusSide = 'left';
    const ids = selection.span !== null ? foldsHolding(nodesOf('left'), selection.span, { expanded: expanded.left, fold: foldOn }) : [];
    for (const id of ids) expanded.left.add(id);
    if (subtree || ids.length) render({ ...(selection.span !== null ? { scrollTo: { side: 'left' as Side, span: selection.span } } : {}) });
    else {
      markSelection('left');
      renderPanels();
    }
    persist();
  }
}

let resizeQueued = false;
const resized = new ResizeObserver(() => {
  if (resizeQueued) return;
  resizeQueued = true;
  requestAnimationFrame(() => {
    resizeQueued = false;
    relayout();
  });
});
resized.observe(root);
document.addEventListener('keydown', onDocumentKey);
applyRoutingColors(root);
if (selection.span !== null && state.left) for (const id of foldsHolding(nodesOf('left'), selection.span, { expanded: expanded.left, fold: foldOn })) expanded.left.add(id);
render();
onThemeChange(() => {
  applyRoutingColors(root);
  render();
});
onThemeVariables(() => {
  applyRoutingColors(root);
  relayout();
});
connect('routing', onMessage);
