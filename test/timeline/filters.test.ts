// Filters: the view keeps exactly the spans the brute-force predicate
// passes, in every lane and in the list; lanes without spans are hidden.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel } from '../../webview/timeline/core/model';
import { buildView, filtersActive, layoutLanes, laneAtY, NO_FILTERS, normaliseFilters, spanPasses, type TimelineFilters } from '../../webview/timeline/core/view';
import { randomReport, placesOf } from './helpers';

const CASES: TimelineFilters[] = [
  NO_FILTERS,
  { layers: ['mm'], processes: [], symbol: '' },
  { layers: ['fs', 'dax'], processes: [101], symbol: '' },
  { layers: [], processes: [100], symbol: '' },
  { layers: [], processes: [], symbol: '  memory_FAILURE ' },
  { layers: [], processes: [], symbol: 'no-such-symbol' },
];

test('every lane and the list hold exactly the passing spans', () => {
  for (let seed = 1; seed <= 8; seed++) {
    const m = buildModel(randomReport(seed, 1200));
    for (const f of CASES) {
      const view = buildView(m, f);
      const expected = [];
      for (let i = 0; i < m.n; i++) if (spanPasses(m, f, i)) expected.push(i);
      assert.deepEqual([...view.list], expected);
      for (let p = 0; p < view.list.length; p++) assert.equal(view.listPos[view.list[p]!], p);
      const inLanes = new Set<string>();
      for (const vl of view.lanes) vl.rows.forEach((row, r) => row.forEach((i) => inLanes.add(`${vl.laneIndex}/${r}/${i}`)));
      const want = new Set<string>();
      for (const i of expected) for (const [ml, r] of placesOf(m, i)) if (view.laneOf[ml]! >= 0) want.add(`${ml}/${r}/${i}`);
      assert.deepEqual([...inLanes].sort(), [...want].sort());
      // every passing span is shown in its layer lane
      for (const i of expected) assert.ok(view.laneOf[m.layerLane[m.layer[i]!]!]! >= 0);
      // layer lanes without passing spans are hidden
      for (const vl of view.lanes) if (vl.lane.kind !== 'events' && vl.lane.kind !== 'signals' && vl.lane.kind !== 'process') assert.ok(vl.rows.some((r) => r.length > 0));
      if (f.layers.length) for (const vl of view.lanes) if (vl.lane.kind === 'layer') assert.ok(f.layers.includes(vl.lane.label));
      if (f.processes.length) for (const vl of view.lanes) if (vl.lane.kind === 'process') assert.ok(f.processes.includes(vl.lane.pid));
    }
  }
});

test('the symbol filter is a trimmed, case-insensitive substring', () => {
  const m = buildModel(randomReport(3, 500));
  const view = buildView(m, { layers: [], processes: [], symbol: 'DEV_PAGEMAP' });
  assert.ok(view.list.length > 0);
  for (const i of view.list) assert.equal(m.symbols[m.sym[i]!], 'Memory_Failure_Dev_Pagemap');
  assert.equal(buildView(m, { layers: [], processes: [], symbol: 'zzz' }).list.length, 0);
});

test('no filter shares the model rows; filter helpers', () => {
  const m = buildModel(randomReport(4, 300));
  const view = buildView(m, NO_FILTERS);
  assert.equal(view.list.length, m.n);
  for (const vl of view.lanes) assert.equal(vl.rows, vl.lane.rows);
  assert.equal(filtersActive(NO_FILTERS), false);
  assert.equal(filtersActive({ layers: [], processes: [], symbol: ' ' }), false);
  assert.equal(filtersActive({ layers: [], processes: [1], symbol: '' }), true);
  assert.deepEqual(normaliseFilters(undefined), NO_FILTERS);
  assert.deepEqual(normaliseFilters({ layers: ['mm', 3 as unknown as string], symbol: 4 as unknown as string }), { layers: ['mm'], processes: [], symbol: '' });
});

test('layout: lanes stacked with their rows, lane lookup by y', () => {
  const m = buildModel(randomReport(9, 800));
  const view = buildView(m, NO_FILTERS);
  const l = layoutLanes(view, { rowH: 10, instH: 7, gap: 3 });
  let y = 0;
  for (let k = 0; k < view.lanes.length; k++) {
    assert.equal(l.top[k], y);
    assert.equal(laneAtY(l, y), k);
    assert.equal(laneAtY(l, y + l.height[k]! - 0.5), k);
    assert.equal(laneAtY(l, y + l.height[k]! + 1), -1, 'in the gap');
    y += l.height[k]! + 3;
  }
  assert.equal(l.total, y);
  assert.equal(laneAtY(l, -1), -1);
});
