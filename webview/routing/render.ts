// Draws one route (RouteView) as SVG: a column per lane, a row per call,
// hops as arrows between lanes, in-lane calls as thin connectors, decisions
// as branches to the right of their call, the other design's differences
// marked. Every node is focusable (roving tabindex) with an accessible name;
// symbols are links the extension opens.

import { nodeLabel, type RouteNode, type RouteView } from '../../src/protocol/routing';
import { svg } from '../common/host';

export const LANE_W = 230;
export const ROW_H = 46;
const HEAD_H = 10;
const BOX_H = 36;
const PAD = 12;
const CHAR_W = 6.4;

export interface RouteHandlers {
  select(n: RouteNode): void;
  open(n: RouteNode): void;
}

function truncate(s: string, chars: number): string {
  return s.length <= chars ? s : `${s.slice(0, Math.max(1, chars - 1))}…`;
}

/** The nodes to draw: all, or the selected span and what it called. */
export function visibleNodes(v: RouteView, subtreeOf: number | null): RouteNode[] {
  if (subtreeOf === null) return v.nodes;
  const i = v.nodes.findIndex((n) => n.span === subtreeOf);
  if (i < 0) return v.nodes;
  const d = v.nodes[i]!.depth;
  let j = i + 1;
  while (j < v.nodes.length && v.nodes[j]!.depth > d) j++;
  return v.nodes.slice(i, j);
}

export function drawRoute(v: RouteView, nodes: RouteNode[], side: 'left' | 'right', handlers: RouteHandlers): SVGSVGElement {
  const width = Math.max(1, v.lanes.length) * LANE_W + 260;
  const height = HEAD_H + nodes.length * ROW_H + PAD;
  const root = svg('svg', { class: `route route-${side}`, width, height, viewBox: `0 0 ${width} ${height}`, role: 'group', 'aria-label': `route of ${v.event} under ${v.design}: ${nodes.length} calls` });
  const defs = svg('defs');
  defs.append(svg('marker', { id: `arrow-${side}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' })));
  root.append(defs);
  // lanes (their titles are in the sticky header, drawLaneHeader)
  v.lanes.forEach((_l, i) => {
    root.append(svg('rect', { class: `lane ${i % 2 ? 'lane-odd' : 'lane-even'}`, x: i * LANE_W, y: 0, width: LANE_W, height }));
  });
  const rowOf = new Map(nodes.map((n, i) => [n.span, i]));
  const boxX = (n: RouteNode) => n.lane * LANE_W + PAD;
  const boxW = LANE_W - 2 * PAD;
  const cy = (row: number) => HEAD_H + row * ROW_H + BOX_H / 2;
  // connectors first, boxes over them
  const wires = svg('g', { class: 'wires', 'aria-hidden': 'true' });
  nodes.forEach((n, row) => {
    const pr = n.parent !== null ? rowOf.get(n.parent) : undefined;
    if (pr === undefined) return;
    const p = nodes[pr]!;
    if (n.hop) {
      const right = n.lane >= p.lane;
      const x1 = right ? boxX(p) + boxW : boxX(p);
      const x2 = right ? boxX(n) : boxX(n) + boxW;
      const y1 = cy(pr);
      const y2 = cy(row);
      const mid = (x1 + x2) / 2;
      const path = svg('path', { class: `hop-wire${n.diff ? ` diff-${n.diff}` : ''}`, d: `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`, 'marker-end': `url(#arrow-${side})` });
      path.append(svg('title', {}, `${p.symbol} → ${n.symbol}${n.values[0] ? ` (${n.values[0]})` : ''}`));
      wires.append(path);
      // the hop's label: the value handed over, in the new layer's units
      if (n.values[0]) wires.append(svg('text', { class: 'hop-label', x: right ? x2 - 4 : x2 + 4, y: y2 - BOX_H / 2 - 2, 'text-anchor': right ? 'end' : 'start' }, truncate(n.values[0], 34)));
    } else {
      const x = boxX(n) - 6;
      wires.append(svg('path', { class: 'call-wire', d: `M ${x} ${cy(pr)} V ${cy(row)} H ${boxX(n)}` }));
    }
  });
  root.append(wires);
  const maxChars = Math.floor((boxW - 10) / CHAR_W);
  nodes.forEach((n, row) => {
    const x = boxX(n);
    const y = HEAD_H + row * ROW_H;
    const cls = ['node', n.hop ? 'hop' : 'call', n.diff ? `diff-${n.diff}` : '', n.decision ? `decision decision-${n.decision.kind}` : ''].filter(Boolean).join(' ');
    const g = svg('g', { class: cls, tabindex: '-1', role: 'button', 'data-span': n.span, 'aria-label': nodeLabel(n, v.lanes) });
    g.append(svg('rect', { class: 'box', x, y, width: boxW, height: BOX_H, rx: 3 }));
    const sym = svg('text', { class: 'sym', x: x + 6, y: y + 14, role: 'link', 'aria-label': `open ${n.symbol} in the kernel source` }, truncate(`${n.symbol}${n.count ? ` ×${n.count}` : ''}`, maxChars));
    sym.addEventListener('click', (e) => {
      e.stopPropagation();
      handlers.select(n);
      handlers.open(n);
    });
    g.append(sym);
    const second = [...n.values.slice(0, 2), `= ${n.ret}`].join(' · ');
    g.append(svg('text', { class: 'vals', x: x + 6, y: y + 29 }, truncate(second, maxChars + 2)));
    g.append(svg('title', {}, `${n.layer} ${n.symbol}(${n.values.join(', ')}) = ${n.ret}${n.decision ? `\n${n.decision.label}` : ''}${n.diff === 'only' ? '\nonly in this design' : n.diff === 'changed' ? '\nother values in the other design' : ''}`));
    if (n.decision) {
      const bx = x + boxW;
      const by = y + BOX_H / 2;
      g.append(svg('path', { class: 'branch', d: `M ${bx} ${by} H ${bx + 16}` }));
      g.append(svg('path', { class: 'diamond', d: `M ${bx + 16} ${by} l 6 -6 l 6 6 l -6 6 z` }));
      g.append(svg('text', { class: 'branch-label', x: bx + 34, y: by + 4 }, n.decision.label));
    }
    g.addEventListener('click', () => handlers.select(n));
    root.append(g);
  });
  return root;
}

/** The lane titles, as wide as the route, for the column's sticky header. */
export function drawLaneHeader(v: RouteView, side: 'left' | 'right'): SVGSVGElement {
  const width = Math.max(1, v.lanes.length) * LANE_W + 260;
  const root = svg('svg', { class: `lane-header lane-header-${side}`, width, height: 26, viewBox: `0 0 ${width} 26`, role: 'list', 'aria-label': 'layers' });
  v.lanes.forEach((l, i) => {
    const x = i * LANE_W;
    root.append(svg('rect', { class: `lane ${i % 2 ? 'lane-odd' : 'lane-even'}`, x, y: 0, width: LANE_W, height: 26 }));
    root.append(svg('text', { class: 'lane-title', x: x + LANE_W / 2, y: 17, 'text-anchor': 'middle', role: 'listitem' }, l.title));
  });
  return root;
}
