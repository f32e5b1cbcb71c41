// Culling: the draw list for a viewport equals a brute-force filter of the
// visible spans merged at pixel resolution (randomised differential test),
// visits only what is visible, places count labels only when they fit, and
// draws flows and the selection.
import { test } from 'node:test';
import type { Span } from '../../src/sim/report';
import assert from 'node:assert/strict';
import { buildModel } from '../../webview/timeline/core/model';
import { buildView, layoutLanes, NO_FILTERS, type TimelineFilters } from '../../webview/timeline/core/view';
import { cull, cullRow, DrawList, fitLabel, flowsOf, instantsOf, marksOf, slicesOf } from '../../webview/timeline/core/cull';
import { fullView, type Viewport } from '../../webview/timeline/core/viewport';
import { bruteCull, emptyReport, randomReport, rng } from './helpers';

const METRICS = { rowH: 18, instH: 14, gap: 5 };
const mono = (t: string) => t.length * 6;

/** one draw list reused by every call, as the renderer reuses its own: a frame must not see the previous one's entries */
const shared = new DrawList();

function fastKeys(view: ReturnType<typeof buildView>, vp: Viewport, width: number, height: number) {
  const layout = layoutLanes(view, METRICS);
  const dl = cull(view, layout, vp, width, height, { into: shared });
  return {
    dl,
    layout,
    slices: slicesOf(dl).map((s) => `${s.lane}/${s.row}/${s.i}/${s.x0}/${s.x1}`).sort(),
    marks: marksOf(dl).map((m) => `${m.lane}/${m.row}/${m.c0}/${m.c1}`).sort(),
  };
}

test('randomised differential: draw list = brute-force visible spans merged per pixel', () => {
  const r = rng(11);
  const filterChoices: TimelineFilters[] = [NO_FILTERS, { layers: ['mm', 'fs', 'pmem'], processes: [], symbol: '' }, { layers: [], processes: [100, 102], symbol: '' }, { layers: [], processes: [], symbol: 'FAIL' }];
  let cases = 0;
  let withMarks = 0;
  let withSlices = 0;
  for (let seed = 1; seed <= 25; seed++) {
    const m = buildModel(randomReport(seed, 400 + Math.floor(r() * 1600)));
    for (const f of filterChoices) {
      const view = buildView(m, f);
      for (let v = 0; v < 12; v++) {
        const width = 1 + Math.floor(r() * 1500);
        const height = 50 + Math.floor(r() * 1500);
        const full = fullView(m);
        const range = (full.t1 - full.t0) * Math.exp(-r() * Math.log(1e6));
        // centred on a random span half of the time (the data is sparse), anywhere otherwise
        const centre = r() < 0.5 ? m.start[Math.floor(r() * m.n)]! + r() * 50 : full.t0 + r() * (full.t1 - full.t0);
        const t0 = centre - range / 2;
        const vp: Viewport = { t0, t1: t0 + Math.max(range, 1), scrollY: Math.floor(r() * 400) - 50 };
        const fast = fastKeys(view, vp, width, height);
        const brute = bruteCull(view, fast.layout, vp, width, height);
        assert.deepEqual(fast.slices, brute.slices, `slices seed ${seed} view ${v}`);
        assert.deepEqual(fast.marks, brute.marks, `marks seed ${seed} view ${v}`);
        cases++;
        if (brute.marks.length) withMarks++;
        if (brute.slices.length) withSlices++;
      }
    }
  }
  assert.ok(withMarks > cases / 4 && withSlices > cases / 4, `both kinds exercised (${withMarks}, ${withSlices} of ${cases})`);
});

test('full view of 200000 spans in one lane visits O(pixels), not O(n)', () => {
  const spans = [];
  for (let k = 0; k < 200_000; k++) spans.push({ id: k + 1, parent: null, t: k * 10, dur: 5 + (k % 3), layer: 'mm' as const, symbol: 'memory_failure', args: {}, ret: '0' });
  const m = buildModel(emptyReport(spans));
  const view = buildView(m, NO_FILTERS);
  const width = 1000;
  const { dl, layout } = fastKeys(view, fullView(m), width, 600);
  assert.ok(dl.visits <= 2 * width, `visits ${dl.visits}`);
  assert.equal(dl.nSlices, 0);
  // the whole row is one run of marked columns
  assert.equal(dl.nMarks, 1);
  const brute = bruteCull(view, layout, fullView(m), width, 600);
  assert.deepEqual(marksOf(dl).map((mk) => `${mk.lane}/${mk.row}/${mk.c0}/${mk.c1}`), brute.marks);
});

test('cullRow: a long span after sub-pixel ones in the same column is still a slice', () => {
  // spans at 0.1, 0.3 px (tiny) then one starting at 0.6 px and 50 px long
  const start = Float64Array.from([1, 3, 6, 1000]);
  const end = Float64Array.from([2, 4, 506, 1001]);
  const idx = Int32Array.from([0, 1, 2, 3]);
  const dl = new DrawList();
  cullRow(start, end, idx, 0, 0.1, 200, 1, { dl, lane: 0, row: 0, y: 0, label: null });
  assert.deepEqual(slicesOf(dl).map((s) => `s${s.i}:${s.x0.toFixed(1)}-${s.x1.toFixed(1)}`), ['s2:0.6-50.6']);
  assert.deepEqual(marksOf(dl).map((mk) => `m${mk.c0}-${mk.c1}`), ['m0-1', 'm100-101']);
});

test('count labels are drawn when they fit, truncated with an ellipsis, or left out', () => {
  const spans = [
    { id: 1, parent: null, t: 0, dur: 1000, layer: 'mm' as const, symbol: 'memory_failure', args: {}, ret: '0', count: 264241152 },
    { id: 2, parent: null, t: 2000, dur: 100, layer: 'mm' as const, symbol: 'memory_failure', args: {}, ret: '0', count: 264241152 },
    { id: 3, parent: null, t: 3000, dur: 20, layer: 'mm' as const, symbol: 'memory_failure', args: {}, ret: '0', count: 264241152 },
  ];
  const m = buildModel(emptyReport(spans));
  const view = buildView(m, NO_FILTERS);
  const layout = layoutLanes(view, METRICS);
  // 1 px per ns
  const dl = cull(view, layout, { t0: 0, t1: 4000, scrollY: 0 }, 4000, 400, { measure: mono, labelPad: 4 });
  const byId = new Map(slicesOf(dl).map((s) => [m.spans[s.i]!.id, s.label]));
  assert.equal(byId.get(1), 'memory_failure ×264241152');
  const mid = byId.get(2)!;
  assert.ok(mid.endsWith('…') && 'memory_failure ×264241152'.startsWith(mid.slice(0, -1)) && mono(mid) <= 92, mid);
  assert.equal(byId.get(3), null);
  assert.equal(fitLabel('abcdef', 36, mono), 'abcdef');
  assert.equal(fitLabel('abcdefgh', 36, mono), 'abcde…');
  assert.equal(fitLabel('abcdefgh', 20, mono), null);
});

test('flows link a call to its callee in another layer; the selection is boxed in every lane it is in', () => {
  const spans: Span[] = [
    { id: 1, parent: null, t: 0, dur: 1000, layer: 'mm' as const, symbol: 'memory_failure', args: { pid: 5 }, ret: '0' },
    { id: 2, parent: 1, t: 100, dur: 500, layer: 'dax' as const, symbol: 'dax_holder_notify_failure', args: { dax: 'pmem0' }, ret: '0' },
    { id: 3, parent: 2, t: 200, dur: 100, layer: 'dax' as const, symbol: 'inner', args: {}, ret: '0' },
  ];
  const m = buildModel(emptyReport(spans));
  const view = buildView(m, NO_FILTERS);
  const layout = layoutLanes(view, METRICS);
  const dl = cull(view, layout, { t0: 0, t1: 1000, scrollY: 0 }, 1000, 1000, { selected: m.indexOf(2) });
  assert.deepEqual(flowsOf(dl).map((f) => [m.spans[f.from]!.id, m.spans[f.to]!.id, f.x]), [[1, 2, 100]]);
  const mmLane = view.laneOf[m.layerLane[m.layer[0]!]!]!;
  assert.equal(dl.flowY0[0]!, layout.top[mmLane]! + 9);
  // dax layer lane and the pmem0 device lane
  assert.equal(dl.selection.length, 2);
  // a filter hiding the caller's layer removes the flow
  const v2 = buildView(m, { layers: ['dax'], processes: [], symbol: '' });
  assert.equal(cull(v2, layoutLanes(v2, METRICS), { t0: 0, t1: 1000, scrollY: 0 }, 1000, 1000).nFlows, 0);
});

test('instants merge per pixel column with their count', () => {
  const r = emptyReport([{ id: 1, parent: null, t: 0, dur: 10, layer: 'mm', symbol: 'x', args: {}, ret: '0' }], {
    events: [0, 1, 2, 500, 999].map((at, k) => ({ id: `e${k}`, do: 'load', at, result: { ret: 0 }, span: null })),
  });
  const m = buildModel(r);
  const view = buildView(m, NO_FILTERS);
  const dl = cull(view, layoutLanes(view, METRICS), { t0: 0, t1: 1000, scrollY: 0 }, 100, 500);
  assert.deepEqual(instantsOf(dl).map((i) => [Math.floor(i.x), i.n]), [[0, 3], [50, 1], [99, 1]]);
});
