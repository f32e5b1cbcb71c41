// The Timeline webview: the timeline renderer (./timeline, mountTimeline)
// wired to the protocol: the run report and the selection come from the
// extension; a selected span and an opened symbol go back to it; the view
// state (window, scroll, selection, filters) is persisted with setState so
// that the panel comes back as it was after a reload.

import type { HostMessage, TimelineReport, TimelineState } from '../src/protocol/messages';
import { mountTimeline, type TimelineViewState } from './timeline/index';
import { bootstrap, codicon, connect, getState, h, onThemeChange, post, setState } from './common/host';

const boot = bootstrap('timeline');
let state = boot.state as TimelineState;
const saved = getState<{ view: TimelineViewState }>();
const root = document.getElementById('root')!;

const header = h('h1', { class: 'title' });
const status = h('p', { class: 'empty', role: 'status' });
const mount = h('div', { class: 'timeline-root' });
root.append(header, status, mount);

function eventOf(r: TimelineReport | null, span: number | null): string | null {
  if (!r || span === null) return null;
  return r.spans.find((s) => s.id === span)?.event ?? null;
}

const ctl = mountTimeline(
  mount,
  {
    select(spanId) {
      const ev = eventOf(state.report, spanId);
      post({ type: 'select', selection: { event: ev, span: ev ? spanId : null } });
    },
    openSymbol(symbol) {
      post({ type: 'openSymbol', symbol });
    },
    saveState(s) {
      setState({ view: s });
    },
  },
  saved.view,
);

/**
 * What a report is, in a few numbers: the extension posts the state again
 * after the ready handshake (the page may be older than the session), and a
 * populated machine's trace is thousands of spans; the same report is not
 * modelled and laid out twice.
 */
function fingerprint(st: TimelineState): string {
  const r = st.report;
  if (!r) return '';
  let h = 0;
  for (const s of r.spans) h = (h * 31 + s.id + s.t * 7 + s.dur * 13 + (s.count ?? 1)) % 2147483647;
  return `${st.scenario}\u0000${st.design}\u0000${r.spans.length}\u0000${h}\u0000${r.events.map((e) => `${e.id}@${e.at}`).join(',')}\u0000${r.signals.length}`;
}
let shown: string | null = null;

function show(): void {
  header.replaceChildren(codicon('graph-line'), ` Timeline${state.scenario ? ` — ${state.scenario} (${state.design})` : ''}`);
  status.textContent = state.report ? '' : 'No lab session. Open a scenario (DAX Poison Lab: Open Scenario) and step it.';
  status.hidden = !!state.report;
  const fp = fingerprint(state);
  if (state.report && fp !== shown) ctl.setReport(state.report);
  shown = state.report ? fp : null;
  ctl.setSelection(state.selection.span);
}

show();
onThemeChange(() => ctl.onThemeChange());
connect('timeline', (m: HostMessage) => {
  if (m.type === 'state' && m.state.kind === 'timeline') {
    state = m.state;
    show();
  } else if (m.type === 'selection') {
    state = { ...state, selection: m.selection };
    ctl.setSelection(m.selection.span);
  }
});
