// The Layer Routing webview: the route of the selected event (or span) lane
// by lane, its outcomes as badges, and beside it the same event under
// another design with the differing hops marked. Keyboard: Up/Down move
// between calls, Left/Right between the two designs, Home/End, Enter opens
// the symbol, Space selects; the extension opens every link.

import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { HostMessage, RoutingState, Selection } from '../src/protocol/messages';
import type { Badge, RouteNode, RouteView } from '../src/protocol/routing';
import { bootstrap, codicon, connect, getState, h, onThemeChange, post, setState } from './common/host';
import { drawLaneHeader, drawRoute, visibleNodes } from './routing/render';

interface Persisted {
  selection: Selection;
  compareWith: string;
  subtree: boolean;
  scrollY: number;
  scrollX: number;
}

const boot = bootstrap('routing');
let state = boot.state as RoutingState;
const saved = getState<Persisted>();
let subtree = saved.subtree === true;
let selection: Selection = state.selection;
let focusSide: 'left' | 'right' = 'left';
const root = document.getElementById('root')!;

function persist(): void {
  const body = document.querySelector('.routes');
  setState<Persisted>({ selection, compareWith: state.compareWith, subtree, scrollY: body?.scrollTop ?? 0, scrollX: body?.scrollLeft ?? 0 });
}

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
  bar.append(h('label', { class: 'tb-label' }, codicon('list-ordered'), ' event '), evSel, h('label', { class: 'tb-label' }, codicon('split-horizontal'), ' compare with '), designSel, sub);
  return bar;
}

function column(v: RouteView, side: 'left' | 'right'): HTMLElement {
  const nodes = visibleNodes(v, subtree ? selection.span : null);
  const differing = v.nodes.filter((n) => n.diff && n.diff !== 'same').length;
  const head = h(
    'div',
    { class: 'route-head' },
    h('h2', {}, codicon('circuit-board'), ` ${v.design}`),
    h('span', { class: 'route-meta' }, `${v.event} ${v.do} · ${v.nodes.length} calls${v.hidden ? `, ${v.hidden} more not drawn` : ''}${v.nodes.some((n) => n.diff) ? ` · ${differing} differ from the other design` : ''}`),
    badges(v),
    drawLaneHeader(v, side),
  );
  const svgEl = drawRoute(v, nodes, side, {
    select: (n) => selectNode(n, side),
    open: (n) => post({ type: 'openSymbol', symbol: n.symbol }),
  });
  const wrap = h('section', { class: `route-col route-col-${side}`, 'aria-label': `${v.design} route` }, head, h('div', { class: 'route-canvas' }, svgEl));
  if (!nodes.length) wrap.append(h('p', { class: 'empty' }, 'No kernel code ran for this event.'));
  return wrap;
}

function selectNode(n: RouteNode, side: 'left' | 'right'): void {
  focusSide = side;
  selection = { event: state.selection.event, span: n.span };
  markSelection(false);
  post({ type: 'select', selection });
  persist();
}

function allNodes(side: 'left' | 'right'): SVGGElement[] {
  return [...document.querySelectorAll<SVGGElement>(`.route-${side} g.node`)];
}

/** Highlight the selected span on both sides; the focus (roving tabindex) follows it on the focused side. */
function markSelection(scroll: boolean): void {
  for (const side of ['left', 'right'] as const) {
    const nodes = allNodes(side);
    let any = false;
    for (const g of nodes) {
      const on = selection.span !== null && Number(g.dataset.span) === selection.span;
      g.classList.toggle('selected', on);
      g.setAttribute('aria-pressed', on ? 'true' : 'false');
      g.setAttribute('tabindex', on && side === focusSide ? '0' : '-1');
      if (on && side === focusSide) any = true;
      if (on && scroll) g.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
    if (!any && side === focusSide && nodes[0]) nodes[0].setAttribute('tabindex', '0');
  }
}

function onKey(e: KeyboardEvent): void {
  const target = e.target as Element | null;
  const g = target?.closest?.('g.node') as SVGGElement | null;
  if (!g) return;
  const side: 'left' | 'right' = g.closest('.route-right') ? 'right' : 'left';
  const nodes = allNodes(side);
  const i = nodes.indexOf(g);
  let next: SVGGElement | undefined;
  let nextSide = side;
  switch (e.key) {
    case 'ArrowDown':
      next = nodes[Math.min(nodes.length - 1, i + 1)];
      break;
    case 'ArrowUp':
      next = nodes[Math.max(0, i - 1)];
      break;
    case 'Home':
      next = nodes[0];
      break;
    case 'End':
      next = nodes[nodes.length - 1];
      break;
    case 'ArrowRight':
    case 'ArrowLeft': {
      nextSide = e.key === 'ArrowRight' ? 'right' : 'left';
      const other = allNodes(nextSide);
      if (!other.length) return;
      next = other.find((x) => x.dataset.span === g.dataset.span) ?? other[Math.min(other.length - 1, Math.max(0, i))];
      break;
    }
    case 'Enter': {
      const n = findNode(side, Number(g.dataset.span));
      if (n) post({ type: 'openSymbol', symbol: n.symbol });
      e.preventDefault();
      return;
    }
    case ' ': {
      const n = findNode(side, Number(g.dataset.span));
      if (n) selectNode(n, side);
      e.preventDefault();
      return;
    }
    default:
      return;
  }
  e.preventDefault();
  if (!next || next === g) return;
  g.setAttribute('tabindex', '-1');
  next.setAttribute('tabindex', '0');
  next.focus();
  next.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  const n = findNode(nextSide, Number(next.dataset.span));
  if (n) selectNode(n, nextSide);
  focusSide = nextSide;
}

function findNode(side: 'left' | 'right', span: number): RouteNode | undefined {
  const v = side === 'left' ? state.left : state.right;
  return v?.nodes.find((n) => n.span === span);
}

function legend(): HTMLElement {
  return h(
    'div',
    { class: 'legend', 'aria-label': 'legend' },
    h('span', { class: 'lg lg-hop' }, 'hop into another layer'),
    h('span', { class: 'lg lg-call' }, 'call within a layer'),
    h('span', { class: 'lg lg-decision' }, 'decision'),
    state.right ? h('span', { class: 'lg lg-only' }, 'only in this design') : null,
    state.right ? h('span', { class: 'lg lg-changed' }, 'other values') : null,
  );
}

function render(): void {
  const prev = document.querySelector('.routes');
  const active = document.activeElement as SVGGElement | null;
  const refocus = active?.matches?.('g.node') ? { span: active.dataset.span, side: active.closest('.route-right') ? 'right' : 'left' } : undefined;
  const scroll = prev ? { x: prev.scrollLeft, y: prev.scrollTop } : { x: saved.scrollX ?? 0, y: saved.scrollY ?? 0 };
  root.replaceChildren();
  root.append(h('h1', { class: 'title' }, codicon('type-hierarchy'), ` Layer routing${state.scenario ? ` — ${state.scenario}` : ''}`));
  if (!state.left) {
    root.append(h('p', { class: 'empty', role: 'status' }, state.empty ?? 'Nothing to show.'));
    persist();
    return;
  }
  root.append(toolbar(), legend());
  if (state.empty) root.append(h('p', { class: 'warning', role: 'status' }, state.empty));
  const routes = h('div', { class: `routes${state.right ? ' two' : ''}` }, column(state.left, 'left'), state.right ? column(state.right, 'right') : null);
  routes.addEventListener('keydown', onKey);
  routes.addEventListener('scroll', () => persist(), { passive: true });
  root.append(routes);
  routes.scrollLeft = scroll.x;
  routes.scrollTop = scroll.y;
  if (!state.right) focusSide = 'left';
  markSelection(!prev);
  if (refocus) {
    const g = document.querySelector<SVGGElement>(`.route-${refocus.side} g.node[data-span="${refocus.span}"]`);
    if (g) {
      for (const x of allNodes(refocus.side as 'left' | 'right')) x.setAttribute('tabindex', x === g ? '0' : '-1');
      g.focus();
    }
  }
  persist();
}

function onMessage(m: HostMessage): void {
  if (m.type === 'state' && m.state.kind === 'routing') {
    state = m.state;
    selection = state.selection;
    render();
  } else if (m.type === 'selection') {
    if (m.selection.event !== state.selection.event) return; // a new event comes as a new state
    selection = m.selection;
    if (subtree) render();
    else markSelection(true);
    persist();
  }
}

render();
onThemeChange(() => render());
connect('routing', onMessage);
