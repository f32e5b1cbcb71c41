// Draws one design's route: a grid with a column per lane and a row per
// call (or per fold), each call a compact box whose text wraps inside it
// (never cut: the symbol breaks after an underscore, values anywhere), the
// connectors between caller and callee drawn afterwards in an SVG under the
// boxes from the boxes' measured places (a hop runs down the callee lane's
// gutter, a call within a lane down its caller's spine), no label on any
// wire. Zoom is a transform of the whole stage; its box gives the scroll
// extent. Every box is focusable (roving tabindex) with an accessible name.

import { layerValues, nodeLabel, type DiffMark, type RouteNode, type RouteView } from '../../src/protocol/routing';
import { boxSpans, laneWeights, rowNode, wiresOf, type Row } from '../../src/protocol/routeLayout';
import { codicon, h, svg } from '../common/host';
import type { Layer } from '../../src/sim/report';
import { memberCall, moreText, runOf, runRows, runSummary, type RunInfo, type RunRow } from '../../src/protocol/runs';

/** a member of a run in the box: "#2 pfn 0x10400219" (its layer's unit, as the box shows the run), the call in full in the tooltip */
function runRowItem(n: RouteNode, run: RunInfo, r: RunRow): HTMLElement {
  if (r.kind === 'more') return h('li', { class: 'run-more' }, moreText(r.count));
  const v = layerValues({ layer: n.layer as Layer, args: r.args })[0] ?? '';
  return h('li', { class: 'run-member', title: memberCall(run, r.args) }, h('span', { class: 'run-index' }, `#${r.index + 1}`), ` ${v}`);
}

export type Side = 'left' | 'right';

/** px left of the lanes for the diff marker, when two designs are compared */
export const MARK_W = 26;

export interface PaneModel {
  side: Side;
  view: RouteView;
  /** the rows to draw; null: a call only the other design makes (a gap, to keep the rows aligned) */
  rows: (Row | null)[];
  /** per row, when comparing: same, changed, only */
  marks: (DiffMark | null)[] | null;
  /** per gap row, the other design's row (its lane and symbol place the gap) */
  others: (Row | null)[] | null;
  /** the other design's name, when comparing */
  otherDesign: string | null;
  /** span ids of the summarised runs whose members are shown */
  runsOpen: ReadonlySet<number>;
}

export interface PaneHandlers {
  select(side: Side, n: RouteNode): void;
  open(n: RouteNode): void;
  toggleFold(side: Side, id: string): void;
  /** show or hide a summarised run's first and last members */
  toggleRun(side: Side, span: number): void;
}

export interface PaneDom {
  model: PaneModel;
  section: HTMLElement;
  header: HTMLElement;
  headerViewport: HTMLElement;
  diagram: HTMLElement;
  zoomBox: HTMLElement;
  stage: HTMLElement;
  wires: SVGSVGElement;
  rowEls: HTMLElement[];
  minimap: HTMLElement;
}

/** A symbol that may break after each underscore (the text stays the same: <wbr> adds none). */
function breakable(symbol: string): (Node | string)[] {
  const out: (Node | string)[] = [];
  const parts = symbol.split('_');
  parts.forEach((p, i) => {
    out.push(i < parts.length - 1 ? `${p}_` : p);
    if (i < parts.length - 1) out.push(document.createElement('wbr'));
  });
  return out;
}

const QUIET_RET = new Set(['', '0', 'void']);

const MARK_TEXT: Record<Exclude<DiffMark, 'same'>, { icon: string; text: string }> = {
  only: { icon: 'diff-added', text: 'only' },
  changed: { icon: 'diff-modified', text: '≠' },
};

function markCell(mark: DiffMark | null, design: string, other: string | null): HTMLElement | null {
  if (!mark || mark === 'same') return null;
  const m = MARK_TEXT[mark];
  const title = mark === 'only' ? `only ${design} makes this call${other ? `; ${other} does not` : ''}` : `${other ?? 'the other design'} makes this call with other values or result`;
  return h('div', { class: `mark mark-${mark}`, title, 'aria-hidden': 'true' }, codicon(m.icon), h('span', { class: 'mark-text' }, m.text));
}

function nodeBox(m: PaneModel, row: Extract<Row, { kind: 'node' }>, i: number, mark: DiffMark | null, hd: PaneHandlers): HTMLElement {
  const n = row.node;
  const cls = ['node', n.hop ? 'hop' : 'call', mark && mark !== 'same' ? `diff-${mark}` : '', n.decision ? `decision decision-${n.decision.kind}` : ''].filter(Boolean).join(' ');
  let label = nodeLabel({ ...n, diff: mark ?? undefined }, m.view.lanes);
  if (mark === 'only' && m.otherDesign) label = label.replace('only in this design', `only ${m.view.design}, not ${m.otherDesign}`);
  const box = h('div', { class: cls, tabindex: '-1', role: 'button', 'aria-pressed': 'false', 'data-span': String(n.span), 'data-row': String(i), 'aria-label': label });
  const sym = h('span', { class: 'sym', role: 'link', title: `open ${n.symbol} in the kernel source`, 'aria-label': `open ${n.symbol} in the kernel source` }, ...breakable(n.symbol));
  if (n.count) sym.append(h('span', { class: 'count' }, ` ×${n.count}`));
  sym.addEventListener('click', (e) => {
    e.stopPropagation();
    hd.select(m.side, n);
    hd.open(n);
  });
  box.append(sym);
  // the value handed over, in the layer's units; in the processes lane also who (pid and comm)
  for (const v of n.values.slice(0, n.layer === 'process' ? 2 : 1)) box.append(h('span', { class: 'vals' }, v));
  if (!QUIET_RET.has(n.ret) && !n.decision) box.append(h('span', { class: 'ret' }, `= ${n.ret}`));
  if (n.decision) box.append(h('span', { class: 'branch-label' }, codicon(n.decision.kind === 'errno' || n.decision.kind === 'shutdown' ? 'error' : 'git-compare'), ` ${n.decision.label}`));
  const run = runOf(n);
  if (run) {
    // one box for the whole run; its first and last members on demand
    const open = m.runsOpen.has(n.span);
    const tg = h(
      'button',
      { class: 'run-toggle', type: 'button', 'aria-expanded': String(open), title: `${runSummary(run)}. ${open ? 'Hide the members' : 'Show the first and last members'}`, 'aria-label': `${open ? 'hide' : 'show'} the members of the run of ${run.count} ${n.symbol} calls` },
      codicon(open ? 'chevron-down' : 'chevron-right'),
      ` ${run.count} calls`,
    );
    tg.addEventListener('click', (e) => {
      e.stopPropagation();
      hd.toggleRun(m.side, n.span);
    });
    box.append(tg);
    if (open) box.append(h('ol', { class: 'run-members', 'aria-label': `members of the run of ${n.symbol}` }, ...runRows(run).map((r) => runRowItem(n, run, r))));
  }
  if (row.opened) {
    const refold = h('button', { class: 'refold', type: 'button', title: `fold the ${row.opened.count} repetitions back into one row`, 'aria-label': `fold back ${row.opened.label}` }, codicon('fold-up'), ` fold ${row.opened.label}`);
    refold.addEventListener('click', (e) => {
      e.stopPropagation();
      hd.toggleFold(m.side, row.opened!.id);
    });
    box.append(refold);
  }
  box.addEventListener('click', () => hd.select(m.side, n));
  return box;
}

function foldBox(m: PaneModel, row: Extract<Row, { kind: 'fold' }>, i: number, mark: DiffMark | null, hd: PaneHandlers): HTMLElement {
  const f = row.fold;
  const calls = f.nodes.length;
  const layers = f.lanes.map((l) => m.view.lanes[l]?.title ?? '').filter(Boolean);
  const cls = ['node', 'fold', f.head.hop ? 'hop' : 'call', mark && mark !== 'same' ? `diff-${mark}` : ''].filter(Boolean).join(' ');
  const box = h('div', {
    class: cls,
    tabindex: '-1',
    role: 'button',
    'aria-expanded': 'false',
    'aria-pressed': 'false',
    'data-span': String(f.head.span),
    'data-fold': f.id,
    'data-row': String(i),
    'aria-label': `folded: ${f.label}, ${calls} calls in ${layers.join(', ')}${mark === 'only' ? `; only ${m.view.design}` : mark === 'changed' ? `; other counts or values in ${m.otherDesign ?? 'the other design'}` : ''}. Enter expands.`,
    title: `${f.label}: ${calls} calls (${layers.join(' → ')}). Click or Enter to expand.`,
  });
  box.append(h('span', { class: 'fold-label' }, codicon('unfold'), ' ', ...breakable(f.symbol), f.kind === 'group' ? h('span', { class: 'count' }, ` … ${f.last}`) : null, h('span', { class: 'count' }, `${f.kind === 'subtree' ? ' subtree' : ''} ×${f.count}`)));
  box.append(h('span', { class: 'vals' }, `${calls} calls${f.head.values[0] ? ` · first ${f.head.values[0]}` : ''}`));
  box.addEventListener('click', () => hd.toggleFold(m.side, f.id));
  // the box spans the lanes its calls touch
  box.style.gridColumn = `${Math.min(f.head.lane, ...f.lanes) + 2} / ${Math.max(f.head.lane, ...f.lanes) + 3}`;
  return box;
}

function gapBox(m: PaneModel, other: Row | null): HTMLElement | null {
  if (!other) return null;
  const n = rowNode(other);
  const what = other.kind === 'fold' ? other.fold.label : n.symbol;
  const g = h('div', { class: 'node gap', 'aria-hidden': 'true' }, h('span', { class: 'gap-label' }, `${m.view.design}: no `, ...breakable(what)));
  g.style.gridColumn = String(n.lane + 2);
  return g;
}

/** Build one design's pane (not yet laid out: layoutPanes measures and wires it). */
export function buildPane(m: PaneModel, hd: PaneHandlers, headExtras: (Node | null)[]): PaneDom {
  const lanes = m.view.lanes;
  const cols = `var(--mark-w) ${lanes.length ? laneWeights(lanes).map((w) => `minmax(0, ${w}fr)`).join(' ') : 'minmax(0, 1fr)'}`;
  const header = h('div', { class: 'lane-header', role: 'list', 'aria-label': 'layers, left to right' });
  header.style.gridTemplateColumns = cols;
  header.append(h('div', { class: 'lane-title mark-head', 'aria-hidden': 'true' }));
  lanes.forEach((l, i) => header.append(h('div', { class: `lane-title ${i % 2 ? 'lane-odd' : 'lane-even'}`, role: 'listitem' }, l.title)));
  const headerViewport = h('div', { class: 'lane-header-viewport' }, header);

  const stage = h('div', { class: 'stage' });
  const lanesBg = h('div', { class: 'lanes-bg', 'aria-hidden': 'true' });
  lanesBg.style.gridTemplateColumns = cols;
  lanesBg.append(h('div', { class: 'lane-bg mark-bg' }));
  lanes.forEach((_l, i) => lanesBg.append(h('div', { class: `lane-bg ${i % 2 ? 'lane-odd' : 'lane-even'}` })));
  const wires = svg('svg', { class: 'wires', 'aria-hidden': 'true' });
  stage.append(lanesBg, wires);
  const rowEls: HTMLElement[] = [];
  const spans = boxSpans(m.rows, lanes.length);
  m.rows.forEach((r, i) => {
    const mark = m.marks?.[i] ?? null;
    const row = h('div', { class: `row${r ? '' : ' row-gap'}`, 'data-row': String(i) });
    row.style.gridTemplateColumns = cols;
    const mk = markCell(r ? mark : null, m.view.design, m.otherDesign);
    if (mk) row.append(mk);
    if (!r) {
      const g = gapBox(m, m.others?.[i] ?? null);
      if (g) row.append(g);
    } else if (r.kind === 'node') {
      const b = nodeBox(m, r, i, mark, hd);
      b.style.gridColumn = `${r.node.lane + 2} / span ${spans[i]}`;
      b.style.setProperty('--indent', String(r.indent));
      row.append(b);
    } else {
      const b = foldBox(m, r, i, mark, hd);
      b.style.setProperty('--indent', String(r.indent));
      row.append(b);
    }
    rowEls.push(row);
    stage.append(row);
  });
  const zoomBox = h('div', { class: 'zoom-box' }, stage);
  const diagram = h('div', { class: `diagram route route-${m.side}`, role: 'group', 'aria-label': `route of ${m.view.event} under ${m.view.design}: ${m.view.nodes.length} calls in ${m.rows.filter(Boolean).length} rows; arrows move, Enter opens the symbol or expands a fold, + and - zoom` }, zoomBox);
  const minimap = h('div', { class: 'minimap', 'aria-hidden': 'true', title: 'the whole route: click or drag to scroll' });
  const body = h('div', { class: 'pane-body' }, diagram, minimap);
  const head = h('div', { class: 'route-head' }, ...headExtras);
  const section = h('section', { class: `route-col route-col-${m.side}`, 'aria-label': `${m.view.design} route` }, head, headerViewport, body);
  if (!m.rows.length) section.append(h('p', { class: 'empty' }, 'No kernel code ran for this event.'));
  return { model: m, section, header, headerViewport, diagram, zoomBox, stage, wires, rowEls, minimap };
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

function boxRect(el: HTMLElement): Rect {
  return { x: el.offsetLeft, y: el.offsetTop, w: el.offsetWidth, h: el.offsetHeight };
}

/**
 * Lay the panes out at zoom `z` with the stage `width` px wide (its own px):
 * equal row heights across the panes (aligned rows), then the wires from the
 * measured boxes, the scroll extent, the lane header and the mini-map.
 */
export function layoutPanes(panes: readonly PaneDom[], z: number, width: number): void {
  for (const p of panes) {
    p.stage.style.width = `${width}px`;
    p.stage.style.transform = `scale(${z})`;
    p.header.style.width = `${width}px`;
    p.header.style.transform = `scale(${z})`;
    for (const r of p.rowEls) r.style.minHeight = '';
  }
  if (panes.length > 1) {
    const n = Math.max(...panes.map((p) => p.rowEls.length));
    const heights: number[] = [];
    for (let i = 0; i < n; i++) heights.push(Math.max(...panes.map((p) => p.rowEls[i]?.offsetHeight ?? 0)));
    for (const p of panes) p.rowEls.forEach((r, i) => (r.style.minHeight = `${heights[i]}px`));
  }
  for (const p of panes) {
    drawWires(p);
    const hgt = p.stage.offsetHeight;
    p.zoomBox.style.width = `${Math.floor(width * z)}px`;
    p.zoomBox.style.height = `${Math.ceil(hgt * z)}px`;
    p.headerViewport.style.height = `${Math.ceil(p.header.offsetHeight * z)}px`;
    p.headerViewport.scrollLeft = p.diagram.scrollLeft;
    drawMinimap(p, z);
  }
}

function drawWires(p: PaneDom): void {
  const { stage, wires, model } = p;
  wires.replaceChildren();
  const W = stage.offsetWidth;
  const H = stage.offsetHeight;
  wires.setAttribute('width', String(W));
  wires.setAttribute('height', String(H));
  wires.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const defs = svg('defs');
  for (const kind of ['hop', 'only', 'changed']) defs.append(svg('marker', { id: `arrow-${model.side}-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' }, svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: `arrowhead arrowhead-${kind}` })));
  wires.append(defs);
  const boxes = p.rowEls.map((r) => r.querySelector<HTMLElement>('.node:not(.gap)'));
  for (const w of wiresOf(model.rows)) {
    const pb = boxes[w.from];
    const cb = boxes[w.to];
    if (!pb || !cb) continue;
    const P = boxRect(pb);
    const C = boxRect(cb);
    const pcy = P.y + Math.min(P.h / 2, 12);
    const ccy = C.y + Math.min(C.h / 2, 12);
    const mark = model.marks?.[w.to];
    const diff = mark === 'only' || mark === 'changed' ? mark : null;
    let d: string;
    let cls: string;
    if (w.hop) {
      const gx = C.x - 4;
      if (gx > P.x && gx < P.x + P.w) d = `M ${gx} ${P.y + P.h} V ${ccy} H ${C.x - 1}`;
      else if (C.x >= P.x + P.w) d = `M ${P.x + P.w} ${pcy} H ${gx} V ${ccy} H ${C.x - 1}`;
      // back to a lane on the left: out of the caller's left edge near its bottom, clear of the arrow coming in at its middle
      else d = `M ${P.x} ${P.y + Math.max(P.h - 5, P.h / 2 + 4)} H ${gx} V ${ccy} H ${C.x - 1}`;
      cls = 'hop-wire';
    } else {
      // a call within the lane: down the caller's spine, into the callee's left edge
      const sx = C.x - P.x >= 6 ? P.x + 3 : C.x - 4;
      d = `M ${sx} ${P.y + P.h} V ${ccy} H ${C.x}`;
      cls = 'call-wire';
    }
    const path = svg('path', { class: `${cls}${diff ? ` diff-${diff}` : ''}`, d });
    if (w.hop) path.setAttribute('marker-end', `url(#arrow-${model.side}-${diff ?? 'hop'})`);
    wires.append(path);
  }
}

/** The mini-map: every row as a tick in its lane, the visible part framed; shown when the route is taller than the view. */
export function drawMinimap(p: PaneDom, z: number): void {
  const mm = p.minimap;
  mm.replaceChildren();
  const contentH = p.stage.offsetHeight * z;
  const viewH = p.diagram.clientHeight;
  const tall = contentH > viewH + 2 && viewH > 0;
  p.section.classList.toggle('tall', tall);
  if (!tall) return;
  const W = 44;
  const H = viewH;
  const s = H / contentH;
  const lanes = Math.max(1, p.model.view.lanes.length);
  const root = svg('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}` });
  p.rowEls.forEach((r, i) => {
    const row = p.model.rows[i];
    if (!row) return;
    const lane = rowNode(row).lane;
    const y = r.offsetTop * z * s;
    const hgt = Math.max(1, r.offsetHeight * z * s - 0.5);
    const mark = p.model.marks?.[i];
    root.append(svg('rect', { class: `mm-row${row.kind === 'fold' ? ' mm-fold' : ''}${mark && mark !== 'same' ? ` mm-${mark}` : ''}`, x: (lane / lanes) * W, y, width: Math.max(2, W / lanes), height: hgt }));
  });
  const frame = svg('rect', { class: 'mm-view', x: 0.5, y: p.diagram.scrollTop * s, width: W - 1, height: Math.max(4, viewH * s) });
  root.append(frame);
  mm.append(root);
  const scrollTo = (clientY: number) => {
    const top = root.getBoundingClientRect().top;
    p.diagram.scrollTop = (clientY - top) / s - viewH / 2;
  };
  root.addEventListener('pointerdown', (e) => {
    scrollTo(e.clientY);
    root.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent) => scrollTo(ev.clientY);
    const up = () => {
      root.removeEventListener('pointermove', move);
      root.removeEventListener('pointerup', up);
    };
    root.addEventListener('pointermove', move);
    root.addEventListener('pointerup', up);
  });
}

/** Move the mini-map's frame after a scroll. */
export function updateMinimapFrame(p: PaneDom, z: number): void {
  const frame = p.minimap.querySelector('.mm-view');
  if (!frame) return;
  const contentH = p.stage.offsetHeight * z;
  if (!(contentH > 0)) return;
  const s = p.diagram.clientHeight / contentH;
  frame.setAttribute('y', String(p.diagram.scrollTop * s));
}

/** The focusable boxes of a pane, in row order. */
export function paneBoxes(p: PaneDom): HTMLElement[] {
  return [...p.stage.querySelectorAll<HTMLElement>('.node[data-row]:not(.gap)')];
}

