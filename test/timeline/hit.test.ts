// Hit testing: the span under a pixel, or the nearest within the tolerance,
// against a brute force over every span of the row; instants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel } from '../../webview/timeline/core/model';
import { buildView, layoutLanes, NO_FILTERS, rowTop } from '../../webview/timeline/core/view';
import { hitTest } from '../../webview/timeline/core/cull';
import { fullView, type Viewport } from '../../webview/timeline/core/viewport';
import { emptyReport, placesOf, randomReport, rng } from './helpers';
import { compressedMap } from '../../webview/timeline/core/timemap';

const METRICS = { rowH: 18, instH: 14, gap: 5 };

test('randomised: hit = brute-force nearest span of the row under the pointer within tolerance', () => {
  const r = rng(5);
  let hits = 0;
  for (let seed = 1; seed <= 10; seed++) {
    const m = buildModel(randomReport(seed * 13, 1500));
    const view = buildView(m, seed % 2 ? NO_FILTERS : { layers: [], processes: [], symbol: 'memory' });
    const layout = layoutLanes(view, METRICS);
    for (let q = 0; q < 300; q++) {
      const full = fullView(m);
      const range = (full.t1 - full.t0) * Math.exp(-r() * Math.log(1e5));
      const width = 800;
      let t0 = full.t0 + r() * (full.t1 - full.t0 - range);
      let x = r() * width;
      let y = r() * 1200;
      const scrollY = Math.floor(r() * 200);
      if (r() < 0.6 && view.list.length) {
        // aim near a random shown span: its start, its row, a few pixels off
        const i = view.list[Math.floor(r() * view.list.length)]!;
        t0 = m.start[i]! - range * r();
        x = ((m.start[i]! - t0) * width) / range + (r() - 0.5) * 10;
        const li = view.laneOf[m.layerLane[m.layer[i]!]!]!;
        y = rowTop(layout, li, m.layerRow[i]!) - scrollY + r() * METRICS.rowH;
      }
      const vp: Viewport = { t0, t1: t0 + range, scrollY };
      const hit = hitTest(view, layout, vp, width, x, y, 3);
      // brute force
      const k = width / range;
      const cy = y + vp.scrollY;
      let best = Infinity;
      let found = false;
      for (let i = 0; i < m.n; i++) {
        if (!view.pass[i]) continue;
        for (const [ml, row] of placesOf(m, i)) {
          const li = view.laneOf[ml]!;
          if (li < 0) continue;
          const top = rowTop(layout, li, row);
          if (cy < top || cy >= top + METRICS.rowH) continue;
          const x0 = (m.start[i]! - t0) * k;
          const x1 = (m.end[i]! - t0) * k;
          const d = x < x0 ? x0 - x : x > x1 ? x - x1 : 0;
          if (d <= 3) {
            found = true;
            best = Math.min(best, d);
          }
        }
      }
      if (!found) {
        assert.ok(hit === null || hit.kind === 'instant', `miss expected (seed ${seed}, ${q})`);
        continue;
      }
      assert.ok(hit && hit.kind === 'span', `hit expected (seed ${seed}, ${q})`);
      hits++;
      const i = hit.i;
      const x0 = (m.start[i]! - t0) * k;
      const x1 = (m.end[i]! - t0) * k;
      const d = x < x0 ? x0 - x : x > x1 ? x - x1 : 0;
      assert.equal(d, best);
      assert.ok(view.pass[i]);
      assert.ok(placesOf(m, i).some(([ml, row]) => view.laneOf[ml] === hit.lane && row === hit.row));
    }
  }
  assert.ok(hits > 200, `hits exercised (${hits})`);
});

test('hit an instant, a nested span, nothing', () => {
  const m = buildModel(
    emptyReport(
      [
        { id: 1, parent: null, t: 100, dur: 800, layer: 'mm', symbol: 'outer', args: {}, ret: '0' },
        { id: 2, parent: 1, t: 200, dur: 100, layer: 'mm', symbol: 'inner', args: {}, ret: '0' },
      ],
      { events: [{ id: 'e1', do: 'load', at: 500, result: { ret: 0 }, span: 1 }] },
    ),
  );
  const view = buildView(m, NO_FILTERS);
  const layout = layoutLanes(view, METRICS);
  const vp: Viewport = { t0: 0, t1: 1000, scrollY: 0 };
  const mm = view.laneOf[m.layerLane[m.layer[0]!]!]!;
  const y0 = rowTop(layout, mm, 0) + 5;
  const y1 = rowTop(layout, mm, 1) + 5;
  assert.deepEqual(hitTest(view, layout, vp, 1000, 250, y0), { kind: 'span', i: m.indexOf(1), lane: mm, row: 0 });
  assert.deepEqual(hitTest(view, layout, vp, 1000, 250, y1), { kind: 'span', i: m.indexOf(2), lane: mm, row: 1 });
  assert.equal(hitTest(view, layout, vp, 1000, 600, y1), null);
  assert.equal(hitTest(view, layout, vp, 1000, 50, y0), null);
  const ev = hitTest(view, layout, vp, 1000, 502, 3);
  assert.deepEqual(ev, { kind: 'instant', k: 0, lane: 0 });
  assert.equal(m.instants[0]!.span, m.indexOf(1));
  assert.equal(hitTest(view, layout, vp, 1000, 520, 3), null);
});

test('hit testing through the compressed time map: the span drawn under the pointer is the one hit', () => {
  const spans = [0, 1_000_000, 2_000_000].map((t, k) => ({ id: k + 1, parent: null, t, dur: 300 + k * 100, layer: 'mm' as const, symbol: `s${k}`, args: {}, ret: '0' }));
  const m = buildModel(emptyReport(spans));
  const view = buildView(m, NO_FILTERS);
  const layout = layoutLanes(view, METRICS);
  const map = compressedMap(m);
  const vp = fullView({ tMin: map.uMin, tMax: map.uMax });
  const W = 1000;
  const k = W / (vp.t1 - vp.t0);
  const li = view.laneOf[m.layerLane[m.layer[0]!]!]!;
  const y = rowTop(layout, li, 0) + 5;
  for (let i = 0; i < 3; i++) {
    const x = ((map.start[i]! + map.end[i]!) / 2 - vp.t0) * k;
    assert.deepEqual(hitTest(view, layout, vp, W, x, y, 3, map), { kind: 'span', i, lane: li, row: 0 });
    // the model's own times put every span in the first few pixels: the same pixel would miss
    if (i > 0) assert.notDeepEqual(hitTest(view, layout, vp, W, x, y, 3), { kind: 'span', i, lane: li, row: 0 });
  }
  // the middle of a gap holds nothing
  const g = map.gaps[0]!;
  assert.equal(hitTest(view, layout, vp, W, ((g.u0 + g.u1) / 2 - vp.t0) * k, y, 3, map), null);
});
