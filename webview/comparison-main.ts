// The Design Comparison webview: compareDesigns' result as a table per
// design and bar charts (calls per symbol on a log scale, owners reached
// and missed, signals per process, simulated cost). Bars are drawn with
// CSS widths set through the CSSOM (no inline style attributes: the CSP
// forbids them); every bar has its value as text and an accessible name.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ComparisonState, HostMessage } from '../src/protocol/messages';
import type { Chart, ComparisonView, DesignTable } from '../src/protocol/comparison';
import { bootstrap, codicon, connect, getState, h, onThemeChange, post, setState } from './common/host';

interface Persisted {
  scrollY: number;
}

const boot = bootstrap('comparison');
let state = boot.state as ComparisonState;
const saved = getState<Persisted>();
const root = document.getElementById('root')!;

function designClass(v: ComparisonView, d: string): string {
  return `design-${Math.max(0, v.designs.indexOf(d)) % 4}`;
}

function table(v: ComparisonView, t: DesignTable): HTMLElement {
  const sec = h('section', { class: `design-table${t.current ? ' current' : ''}`, 'aria-label': `design ${t.design}` });
  sec.append(h('h2', {}, h('span', { class: `swatch ${designClass(v, t.design)}`, 'aria-hidden': 'true' }), ` ${t.design}`, t.current ? h('span', { class: 'current-tag' }, ' (the session\u2019s design)') : null));
  if (t.error) {
    sec.append(h('p', { class: 'warning' }, codicon('warning'), ` ${t.error}`));
    return sec;
  }
  const tb = h('table', {});
  for (const r of t.rows) tb.append(h('tr', {}, h('th', { scope: 'row' }, r.label), h('td', {}, r.value)));
  sec.append(tb);
  return sec;
}

function chart(v: ComparisonView, c: Chart): HTMLElement {
  const sec = h('section', { class: 'chart', 'aria-label': `${c.title}${c.log ? ' (log scale)' : ''}` });
  sec.append(h('h3', {}, `${c.title}${c.log ? ' (log scale)' : ''}`));
  if (!c.groups.length) {
    sec.append(h('p', { class: 'empty' }, 'nothing in any design'));
    return sec;
  }
  const list = h('div', { class: 'bars', role: 'list' });
  for (const g of c.groups) {
    const row = h('div', { class: `bar-group${g.differs ? ' differs' : ''}`, role: 'listitem', 'aria-label': `${g.label}: ${g.bars.map((b) => `${b.design} ${b.value}`).join(', ')}${g.differs ? ' (the designs differ)' : ''}` });
    row.append(h('div', { class: 'bar-label', title: g.label }, g.differs ? codicon('diff') : null, ` ${g.label}`));
    const bars = h('div', { class: 'bar-stack' });
    for (const b of g.bars) {
      const bar = h('div', { class: `bar ${designClass(v, b.design)}`, title: `${b.design}: ${b.value} ${c.unit}` });
      bar.style.width = `${(b.fraction * 100).toFixed(2)}%`;
      bars.append(h('div', { class: 'bar-line' }, bar, h('span', { class: 'bar-value' }, `${b.value}`)));
    }
    row.append(bars);
    list.append(row);
  }
  sec.append(list);
  return sec;
}

function render(): void {
  root.replaceChildren();
  root.append(h('h1', { class: 'title' }, codicon('split-horizontal'), ` Design comparison${state.view ? ` — ${state.view.scenario}` : ''}`));
  const refresh = document.createElement('vscode-button');
  refresh.id = 'refresh';
  refresh.setAttribute('icon', 'refresh');
  refresh.textContent = 'Run again';
  refresh.addEventListener('click', () => post({ type: 'refresh' }));
  root.append(h('div', { class: 'toolbar' }, refresh));
  const v = state.view;
  if (!v) {
    root.append(h('p', { class: 'empty', role: 'status' }, state.empty ?? 'Nothing to compare.'));
    return;
  }
  const legend = h('div', { class: 'legend', 'aria-label': 'designs' });
  for (const d of v.designs) legend.append(h('span', { class: 'lg' }, h('span', { class: `swatch ${designClass(v, d)}`, 'aria-hidden': 'true' }), ` ${d}`));
  root.append(legend);
  root.append(h('div', { class: 'tables' }, ...v.tables.map((t) => table(v, t))));
  root.append(h('div', { class: 'charts' }, ...v.charts.map((c) => chart(v, c))));
}

render();
window.scrollTo(0, saved.scrollY ?? 0);
window.addEventListener('scroll', () => setState<Persisted>({ scrollY: window.scrollY }), { passive: true });
onThemeChange(() => render());
connect('comparison', (m: HostMessage) => {
  if (m.type === 'state' && m.state.kind === 'comparison') {
    state = m.state;
    const y = window.scrollY;
    render();
    window.scrollTo(0, y);
  }
});
