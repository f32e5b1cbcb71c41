// The two panels that explain the route, the way Perfetto's details panel
// explains a slice: the detail strip (the selected call's symbol with its
// kernel link, every argument, the result, the layer, the span id, its
// callers, and the verdicts it decided) and the verdict panel (for each
// owner of the failed range and each mapping of it: was the process told,
// how, and why, the reason linked to the span that decided and the symbol to
// the kernel source).

import type { ReportVerdict } from '../../src/sim/report';
import type { RouteNode, RouteView } from '../../src/protocol/routing';
import type { Fold } from '../../src/protocol/routeLayout';
import { codicon, h } from '../common/host';
import type { Side } from './render';

export interface PanelHandlers {
  /** select a span of a side's route and scroll to it */
  selectSpan(side: Side, span: number): void;
  open(symbol: string): void;
  toggleFold(side: Side, id: string): void;
}

const OUTCOME: Record<ReportVerdict['outcome'], { icon: string; text: string; cls: string; says: string }> = {
  AR: { icon: 'zap', text: 'SIGBUS AR', cls: 'v-ar', says: 'told: SIGBUS BUS_MCEERR_AR (action required)' },
  AO: { icon: 'bell', text: 'SIGBUS AO', cls: 'v-ao', says: 'told: SIGBUS BUS_MCEERR_AO (action optional)' },
  killed: { icon: 'close', text: 'killed', cls: 'v-killed', says: 'killed (SIGKILL)' },
  SIGBUS: { icon: 'zap', text: 'SIGBUS', cls: 'v-ar', says: 'told: SIGBUS' },
  'unmapped only': { icon: 'circle-slash', text: 'unmapped only', cls: 'v-unmapped', says: 'unmapped, not signalled' },
  none: { icon: 'eye-closed', text: 'not told', cls: 'v-none', says: 'not told' },
};

function link(text: string, title: string, onClick: () => void, cls = 'link'): HTMLElement {
  const a = h('a', { class: cls, href: '#', role: 'link', title, 'aria-label': title }, text);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    onClick();
  });
  a.addEventListener('keydown', (e) => {
    if (e.key === ' ') {
      e.preventDefault();
      onClick();
    }
  });
  return a;
}

export function ownerText(v: ReportVerdict): string {
  const o = v.owner;
  const name = 'file' in o ? o.file : o.device;
  return `${name} bytes ${o.start}–${o.end}`;
}

export function processText(v: ReportVerdict): string {
  if (v.pid === null) return 'no process maps it';
  const addr = v.addr ? ` ${v.addr[0]}–${v.addr[1]}` : '';
  return `pid ${v.pid}${v.comm ? ` ${v.comm}` : ''}${v.mapping ? ` · ${v.mapping}` : ''}${addr}`;
}

function verdictItem(v: ReportVerdict, side: Side, hd: PanelHandlers, selectedSpan: number | null): HTMLElement {
  const o = OUTCOME[v.outcome] ?? OUTCOME.none;
  const sig = v.code && v.code !== 'none' ? ` ${v.code}${v.sigAddr ? ` at ${v.sigAddr}` : ''}${v.lsb !== undefined ? ` lsb ${v.lsb}` : ''}` : '';
  const li = h('li', { class: `verdict ${o.cls}${v.span !== null && v.span === selectedSpan ? ' current' : ''}`, 'data-pid': v.pid === null ? '' : String(v.pid), 'aria-label': `${processText(v)}: ${o.says}. ${v.reason}` });
  li.append(
    h('div', { class: 'v-top' }, h('span', { class: `v-badge ${o.cls}` }, codicon(o.icon), ` ${o.text}`), h('span', { class: 'v-proc' }, processText(v))),
    h('div', { class: 'v-owner' }, codicon('file'), ` ${ownerText(v)}${sig ? ` ·${sig}` : ''}`),
  );
  const reason = h('div', { class: 'v-reason' });
  if (v.span !== null) reason.append(link(v.reason, `show the span that decided (#${v.span})`, () => hd.selectSpan(side, v.span!), 'link v-reason-link'));
  else reason.append(h('span', {}, v.reason), h('span', { class: 'v-nospan' }, ' (no span decided: nothing ran for it)'));
  li.append(reason);
  li.append(h('div', { class: 'v-symbol' }, 'decided by ', link(v.symbol, `open ${v.symbol} in the kernel source`, () => hd.open(v.symbol), 'link sym-link')));
  return li;
}

/** The verdict panel: the selected event's verdicts under the design shown, and under the compared one. */
export function verdictPanel(views: { side: Side; view: RouteView }[], hd: PanelHandlers, selected: Record<Side, number | null>): HTMLElement {
  const aside = h('aside', { class: 'verdicts', 'aria-label': 'verdicts: who was told, and why' });
  aside.append(h('h2', {}, codicon('law'), ' Who was told, and why'));
  for (const { side, view } of views) {
    const sec = h('section', { class: `verdict-list verdict-list-${side}`, 'aria-label': `verdicts under ${view.design}` });
    sec.append(h('h3', {}, `${view.design} · ${view.event}`));
    if (!view.verdicts.length) sec.append(h('p', { class: 'empty' }, `No verdicts for ${view.event} under ${view.design}: no owner of a failed range was decided on in this event.`));
    else {
      const ul = h('ul', {});
      for (const v of view.verdicts) ul.append(verdictItem(v, side, hd, selected[side]));
      sec.append(ul);
    }
    aside.append(sec);
  }
  return aside;
}

/** The detail strip: the selected call (or fold) in full. */
export function detailStrip(sel: { side: Side; view: RouteView; node: RouteNode; fold?: Fold } | null, hd: PanelHandlers): HTMLElement {
  const strip = h('section', { class: 'details', 'aria-label': 'selected call', 'aria-live': 'polite' });
  if (!sel) {
    strip.append(h('p', { class: 'empty' }, 'Select a call (click, or arrows and Space) to see its arguments, result, callers and verdicts here.'));
    return strip;
  }
  const { side, view, node: n, fold } = sel;
  const lane = view.lanes[n.lane]?.title ?? n.layer;
  const head = h('div', { class: 'd-head' });
  head.append(
    link(n.symbol, `open ${n.symbol} in the kernel source`, () => hd.open(n.symbol), 'link sym-link d-sym'),
    h('span', { class: 'd-meta' }, ` ${n.layer} (lane ${lane}) · span #${n.span} · ${view.design} · ${view.event} · depth ${n.depth}${n.hop ? ' · hop into this layer' : ''}`),
  );
  strip.append(head);
  if (fold) {
    strip.append(h('div', { class: 'd-fold' }, codicon('unfold'), ` folded: ${fold.label}, ${fold.nodes.length} calls. `, link('expand', `expand ${fold.label}`, () => hd.toggleFold(side, fold.id))));
  }
  const args = h('dl', { class: 'd-args' });
  const entries = Object.entries(n.args);
  if (!entries.length) args.append(h('dt', {}, '(no arguments)'));
  for (const [k, v] of entries) args.append(h('div', { class: 'd-arg' }, h('dt', {}, k), h('dd', {}, String(v))));
  strip.append(args);
  const res = h('div', { class: 'd-ret' }, 'returns ', h('code', {}, n.ret || '(nothing)'));
  if (n.count) res.append(` · ×${n.count} identical calls summarised`);
  if (n.decision) res.append(h('span', { class: 'd-decision' }, ' · decision: ', n.decision.label));
  strip.append(res);
  // the callers, outermost first, each a link that selects it
  const chain: RouteNode[] = [];
  const byId = new Map(view.nodes.map((x) => [x.span, x]));
  for (let p = n.parent !== null ? byId.get(n.parent) : undefined; p; p = p.parent !== null ? byId.get(p.parent) : undefined) chain.unshift(p);
  if (chain.length) {
    const callers = h('div', { class: 'd-callers' }, 'called from ');
    chain.slice(-4).forEach((c, i) => {
      if (i) callers.append(' › ');
      callers.append(link(c.symbol, `select ${c.symbol} (span #${c.span})`, () => hd.selectSpan(side, c.span)));
    });
    if (chain.length > 4) callers.prepend(`(${chain.length - 4} more) `);
    strip.append(callers);
  }
  const decided = view.verdicts.filter((v) => v.span === n.span);
  if (decided.length) {
    strip.append(h('div', { class: 'd-verdicts' }, codicon('law'), ` decided here: ${decided.map((v) => `${processText(v)}: ${OUTCOME[v.outcome]?.says ?? v.outcome}`).join('; ')}`));
  }
  return strip;
}
