// Viewport math: zoom keeps the time under the cursor, pan, clamps, reveal, ticks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clampScroll, clampView, formatNs, fullView, MIN_RANGE, panBy, revealRange, revealY, timeToX, xToTime, zoomAt, type Viewport } from '../../webview/timeline/core/viewport';
import { rng } from './helpers';
import { buildAxis } from '../../webview/timeline/core/axis';
import { identityMap } from '../../webview/timeline/core/timemap';
import { buildModel } from '../../webview/timeline/core/model';
import { emptyReport } from './helpers';

const LINEAR = identityMap(buildModel(emptyReport([])));

const B = { tMin: 0, tMax: 1e9 };

test('zoom keeps the time under the cursor fixed', () => {
  const r = rng(7);
  let n = 0;
  for (let k = 0; k < 2000; k++) {
    const width = 200 + Math.floor(r() * 3000);
    const range = Math.exp(Math.log(1e3) + r() * (Math.log(1e9) - Math.log(1e3)));
    const t0 = r() * (1e9 - range);
    const vp: Viewport = { t0, t1: t0 + range, scrollY: 5 };
    const x = r() * width;
    const factor = Math.exp((r() - 0.5) * 2);
    const before = xToTime(vp, width, x);
    const next = zoomAt(vp, width, x, factor, B);
    const nr = next.t1 - next.t0;
    assert.equal(next.scrollY, 5);
    const centre = next.t0 + nr / 2;
    // where no clamp applied, the point is fixed
    if (nr > MIN_RANGE && nr < 1.2e9 && centre > 0 && centre < 1e9) {
      n++;
      assert.ok(Math.abs(xToTime(next, width, x) - before) <= 1e-6 * range, `fixed point ${k}`);
      assert.ok(Math.abs(nr - range * factor) <= 1e-6 * range);
    }
  }
  assert.ok(n > 1500, `most cases unclamped (${n})`);
});

test('zoom in then out by the same factor at the same pixel returns', () => {
  const vp: Viewport = { t0: 1e8, t1: 3e8, scrollY: 0 };
  const a = zoomAt(zoomAt(vp, 1000, 333, 0.25, B), 1000, 333, 4, B);
  assert.ok(Math.abs(a.t0 - vp.t0) < 1e-3 && Math.abs(a.t1 - vp.t1) < 1e-3);
});

test('zoom is limited to MIN_RANGE and to the run with a margin', () => {
  const vp: Viewport = { t0: 5e8, t1: 5e8 + 100, scrollY: 0 };
  const z = zoomAt(vp, 1000, 500, 1e-6, B);
  assert.equal(z.t1 - z.t0, MIN_RANGE);
  const o = zoomAt(fullView(B), 1000, 500, 1e6, B);
  assert.ok(Math.abs(o.t1 - o.t0 - 1.2e9) < 1);
});

test('pan moves by pixels and keeps the centre on the data', () => {
  const vp: Viewport = { t0: 1e8, t1: 2e8, scrollY: 0 };
  const p = panBy(vp, 1000, 100, B);
  assert.ok(Math.abs(p.t0 - (1e8 - 1e7)) < 1e-6);
  assert.ok(Math.abs(timeToX(p, 1000, 1e8) - 100) < 1e-9);
  const far = panBy(vp, 1000, -1e9, B);
  assert.equal((far.t0 + far.t1) / 2, 1e9);
  const back = panBy(vp, 1000, 1e9, B);
  assert.equal((back.t0 + back.t1) / 2, 0);
});

test('clampView repairs degenerate views', () => {
  assert.deepEqual(clampView({ t0: 5, t1: 5, scrollY: 3 }, B), fullView(B, 3));
  assert.deepEqual(clampView({ t0: NaN, t1: 5, scrollY: 0 }, B), fullView(B, 0));
  const f = fullView({ tMin: 100, tMax: 100 });
  assert.ok(f.t1 > f.t0 && f.t0 < 100 && f.t1 > 100);
});

test('reveal brings a range into view, widening when needed', () => {
  const vp: Viewport = { t0: 0, t1: 1000, scrollY: 0 };
  const a = revealRange(vp, 5000, 5100, { tMin: 0, tMax: 1e6 });
  assert.ok(a.t0 <= 5000 && a.t1 >= 5100);
  assert.equal(a.t1 - a.t0, 1000);
  const b = revealRange(vp, 100, 200, { tMin: 0, tMax: 1e6 });
  assert.deepEqual(b, vp);
  const c = revealRange(vp, 10000, 30000, { tMin: 0, tMax: 1e6 });
  assert.ok(c.t0 <= 10000 && c.t1 >= 30000);
  assert.equal(revealY(0, 500, 18, 300), 218);
  assert.equal(revealY(400, 100, 18, 300), 100);
  assert.equal(revealY(100, 150, 18, 300), 100);
  assert.equal(clampScroll(-5, 1000, 300), 0);
  assert.equal(clampScroll(900, 1000, 300), 700);
  assert.equal(clampScroll(50, 100, 300), 0);
});

test('ticks are on a 1/2/5 step, inside the view, far enough apart', () => {
  const r = rng(3);
  for (let k = 0; k < 300; k++) {
    const range = Math.exp(r() * Math.log(1e10)) + 1;
    const t0 = r() * 1e10;
    const vp: Viewport = { t0, t1: t0 + range, scrollY: 0 };
    const ts = buildAxis(LINEAR, vp, 1200, { minPx: 90 }).ticks;
    assert.ok(ts.length >= 1 || range * 90 / 1200 > range, `some ticks ${k}`);
    for (let q = 0; q < ts.length; q++) {
      assert.ok(ts[q]!.t >= t0 - 1e-6 && ts[q]!.t <= vp.t1 + 1e-6);
      if (q) assert.ok(ts[q]!.x - ts[q - 1]!.x >= 90 - 1e-6);
    }
  }
  assert.equal(formatNs(500), '500 ns');
  assert.equal(formatNs(1500), '1.5 µs');
  assert.equal(formatNs(2_000_000), '2 ms');
  assert.equal(formatNs(3_250_000_000), '3.25 s');
});
