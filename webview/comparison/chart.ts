// A horizontal bar chart of the comparison: one row per label (a kernel
// symbol), one bar per design, on a log scale whose ticks are labelled, as
// wide as the view. Designs are told apart by colour, by a fill pattern
// (solid, hatched, dotted, cross-hatched: SVG patterns defined once in the
// page) and by a marker shape at the end of each bar. The legend and the
// axis stay at the top while the chart scrolls by (a sticky head). The
// chart is one tab stop: Up/Down move between rows, Enter opens the row's
// symbol; each row has an accessible name with every design's value.

import { svg, h } from '../common/host';
import { type Chart, type DesignColumn, type SeriesMarker } from '../../src/protocol/comparison';

export const BAR_H = 8;
const BAR_STEP = 11;
const GROUP_PAD = 10;
const RIGHT = 120;
const AXIS_H = 30;

/** The SVG patterns and markers the charts and legends use (once per page). */
export function patternDefs(): SVGSVGElement {
  const p = (id: string, series: number, body: SVGElement[], size = 5, rotate = 45) =>
    svg('pattern', { id, patternUnits: 'userSpaceOnUse', width: size, height: size, patternTransform: rotate ? `rotate(${rotate})` : undefined }, ...body.map((el) => (el.setAttribute('class', `ser-stroke-${series} ser-fill-${series}`), el)));
  const defs = svg('defs', {});
  for (let s = 0; s < 4; s++) {
    // solid needs no pattern; the others are the series colour on the background
    defs.append(p(`cmp-pat-hatch-${s}`, s, [svg('line', { x1: 0, y1: 0, x2: 0, y2: 5, 'stroke-width': 2.2 })]));
    defs.append(p(`cmp-pat-dots-${s}`, s, [svg('circle', { cx: 2, cy: 2, r: 1.3, stroke: 'none' })], 4, 0));
    defs.append(p(`cmp-pat-cross-${s}`, s, [svg('line', { x1: 0, y1: 0, x2: 0, y2: 5, 'stroke-width': 1.4 }), svg('line', { x1: 0, y1: 0, x2: 5, y2: 0, 'stroke-width': 1.4 })]));
  }
  return svg('svg', { class: 'pattern-defs', 'aria-hidden': 'true', focusable: 'false' }, defs);
}

export function seriesFill(c: DesignColumn): string | undefined {
  return c.pattern === 'solid' ? undefined : `url(#cmp-pat-${c.pattern}-${c.series})`;
}

/** A marker shape centred on (x, y), radius r. */
export function marker(m: SeriesMarker, x: number, y: number, r: number, series: number): SVGElement {
  const cls = `marker ser-fill-${series}`;
  switch (m) {
    case 'circle':
      return svg('circle', { class: cls, cx: x, cy: y, r });
    case 'square':
      return svg('rect', { class: cls, x: x - r * 0.85, y: y - r * 0.85, width: r * 1.7, height: r * 1.7 });
    case 'triangle':
      return svg('path', { class: cls, d: `M${x} ${y - r}L${x + r} ${y + r * 0.8}L${x - r} ${y + r * 0.8}Z` });
    case 'diamond':
      return svg('path', { class: cls, d: `M${x} ${y - r}L${x + r} ${y}L${x} ${y + r}L${x - r} ${y}Z` });
  }
}

/** The swatch of a design: its pattern in a small bar, outlined, and its marker. */
export function swatch(c: DesignColumn): SVGSVGElement {
  const fill = seriesFill(c);
  return svg(
    'svg',
    { class: 'swatch-svg', width: 40, height: 14, viewBox: '0 0 40 14', 'aria-hidden': 'true', focusable: 'false' },
    svg('rect', { class: `bar ser-stroke-${c.series}${fill ? '' : ` ser-fill-${c.series}`}`, x: 0.5, y: 2.5, width: 26, height: 9, fill }),
    marker(c.marker, 33, 7, 5, c.series),
  );
}

export function legend(cols: DesignColumn[]): HTMLElement {
  const el = h('div', { class: 'chart-legend', role: 'list', 'aria-label': 'designs' });
  for (const c of cols) {
    if (c.error) continue;
    el.append(h('span', { class: 'clg', role: 'listitem', 'aria-label': `${c.label}: ${c.pattern} bars, ${c.marker} marker` }, swatch(c), h('span', { class: 'tok' }, c.label)));
  }
  return el;
}

function labelWidth(chart: Chart): number {
  const longest = Math.max(8, ...chart.groups.map((g) => g.label.length));
  return Math.min(360, Math.max(150, Math.ceil(longest * 7.3) + 30));
}

export interface ChartHandlers {
  openSymbol(symbol: string): void;
}

/**
 * The chart at `width` pixels: a sticky head (title line, legend, axis) and
 * the bars. `active` is the row the keyboard is on.
 */
export function renderChart(chart: Chart, cols: DesignColumn[], width: number, handlers: ChartHandlers, extraTools: HTMLElement | null = null): HTMLElement {
  const ran = cols.filter((c) => !c.error);
  const byDesign = new Map(cols.map((c) => [c.label, c]));
  const lw = labelWidth(chart);
  const plotW = Math.max(120, width - lw - RIGHT);
  const x = (f: number) => lw + f * plotW;
  const sec = h('section', { class: 'cmp-section chart', id: `chart-${chart.id}`, 'aria-label': `${chart.title} (log scale)` });

  // the head that stays: title, tools, legend, axis
  const axis = svg('svg', { class: 'axis', width, height: AXIS_H, 'aria-hidden': 'true', focusable: 'false' });
  axis.append(svg('text', { class: 'axis-title', x: lw - 8, y: AXIS_H - 10, 'text-anchor': 'end' }, `${chart.unit}, log scale →`));
  for (const t of chart.ticks) {
    axis.append(svg('line', { class: 'tick', x1: x(t.fraction), x2: x(t.fraction), y1: AXIS_H - 6, y2: AXIS_H }));
    axis.append(svg('text', { class: 'tick-label', x: x(t.fraction), y: AXIS_H - 10, 'text-anchor': t.fraction === 0 ? 'start' : t.fraction === 1 ? 'end' : 'middle' }, t.label));
  }
  const head = h('div', { class: 'chart-head' }, h('h2', {}, `${chart.title}`, h('span', { class: 'tag' }, ` (log scale, ${chart.groups.length === 1 ? '1 row' : `${chart.groups.length} rows`})`)), extraTools, legend(cols), axis);
  sec.append(head);

  const groupH = ran.length * BAR_STEP + GROUP_PAD;
  const height = Math.max(groupH, chart.groups.length * groupH) + 2;
  const body = svg('svg', { class: 'bars', width, height, role: 'list', tabindex: 0, 'aria-label': `${chart.title}, one row per ${chart.groups[0]?.symbol ? 'symbol' : 'row'}, a bar per design; Up and Down move, Enter opens the symbol` });
  for (const t of chart.ticks) body.append(svg('line', { class: 'grid-line', x1: x(t.fraction), x2: x(t.fraction), y1: 0, y2: height }));
  const groups: SVGGElement[] = [];
  chart.groups.forEach((g, gi) => {
    const y0 = gi * groupH;
    const name = `${g.label}: ${g.bars.map((b) => `${b.design} ${b.text}`).join(', ')}${g.differs ? '; the designs differ' : ''}`;
    const grp = svg('g', { class: `group${g.differs ? ' differs' : ''}`, role: 'listitem', id: `${chart.id}-g${gi}`, 'aria-label': name, 'data-label': g.label });
    grp.append(svg('rect', { class: 'g-bg', x: 0, y: y0, width, height: groupH }));
    grp.append(svg('line', { class: 'sep', x1: 0, x2: width, y1: y0 + groupH - 0.5, y2: y0 + groupH - 0.5 }));
    const cy = y0 + GROUP_PAD / 2 + (ran.length * BAR_STEP) / 2;
    if (g.differs) grp.append(svg('text', { class: 'g-diff', x: 2, y: cy + 4 }, svg('title', {}, 'the designs differ'), '≠'));
    const label = svg('text', { class: `g-label${g.symbol ? ' sym' : ''}`, x: 16, y: cy + 4 }, g.label);
    if (g.symbol) {
      const sym = g.symbol;
      label.append(svg('title', {}, `${sym}: open the definition`));
      label.addEventListener('click', () => handlers.openSymbol(sym));
    }
    grp.append(label);
    g.bars.forEach((b, bi) => {
      const c = byDesign.get(b.design)!;
      const by = y0 + GROUP_PAD / 2 + bi * BAR_STEP;
      const w = Math.max(0, b.fraction * plotW);
      const fill = seriesFill(c);
      if (w > 0) {
        grp.append(svg('rect', { class: `bar ser-stroke-${c.series}${fill ? '' : ` ser-fill-${c.series}`}`, 'data-design': b.design, x: lw + 0.5, y: by + 0.5, width: Math.max(1, w - 1), height: BAR_H - 1, fill }, svg('title', {}, `${b.design}: ${b.text}`)));
      }
      grp.append(marker(c.marker, lw + w + 6, by + BAR_H / 2, 4.2, c.series));
      grp.append(svg('text', { class: 'value', x: lw + w + 14, y: by + BAR_H - 0.5 }, `${b.text}`));
    });
    groups.push(grp);
    body.append(grp);
  });
  let active = -1;
  const activate = (i: number) => {
    if (!groups.length) return;
    if (active >= 0) groups[active]!.classList.remove('active');
    active = Math.max(0, Math.min(groups.length - 1, i));
    const g = groups[active]!;
    g.classList.add('active');
    body.setAttribute('aria-activedescendant', g.id);
    const r = g.getBoundingClientRect();
    const headH = head.getBoundingClientRect().height;
    if (r.top < headH) window.scrollBy(0, r.top - headH - 4);
    else if (r.bottom > window.innerHeight) window.scrollBy(0, r.bottom - window.innerHeight + 4);
  };
  body.addEventListener('focus', () => activate(active < 0 ? 0 : active));
  body.addEventListener('keydown', (e) => {
    const k = e.key;
    if (k === 'ArrowDown') activate(active + 1);
    else if (k === 'ArrowUp') activate(active - 1);
    else if (k === 'Home') activate(0);
    else if (k === 'End') activate(groups.length - 1);
    else if (k === 'PageDown') activate(active + Math.max(1, Math.floor(window.innerHeight / groupH) - 2));
    else if (k === 'PageUp') activate(active - Math.max(1, Math.floor(window.innerHeight / groupH) - 2));
    else if (k === 'Enter') {
      const sym = chart.groups[active]?.symbol;
      if (sym) handlers.openSymbol(sym);
    } else return;
    e.preventDefault();
  });
  sec.append(body);
  return sec;
}
