// The compressed time mapping: monotonic, invertible, gaps shrunk to a small
// width, every burst wide enough to see at the full view, the mapped span
// arrays equal to mapping each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel } from '../../webview/timeline/core/model';
import { bursts, compressedMap, identityMap, piecesIn, toDisplay, toReal } from '../../webview/timeline/core/timemap';
import type { Span } from '../../src/sim/report';
import { emptyReport, randomReport, rng } from './helpers';

function sparse(seed: number): ReturnType<typeof emptyReport> {
  const r = rng(seed);
  const spans: Span[] = [];
  let id = 1;
  for (let e = 0; e < 8; e++) {
    let t = e * 1_000_000;
    const n = 1 + Math.floor(r() * 5);
    for (let k = 0; k < n; k++) {
      const dur = [50, 300, 4000, 70000][Math.floor(r() * 4)]!;
      spans.push({ id: id++, parent: null, t, dur, layer: 'mm', symbol: 's', args: {}, ret: '0' });
      t += dur;
    }
  }
  return emptyReport(spans);
}

test('the identity maps nothing and reuses the model arrays', () => {
  const m = buildModel(sparse(1));
  const id = identityMap(m);
  assert.equal(id.start, m.start);
  assert.equal(toDisplay(id, 1234.5), 1234.5);
  assert.equal(toReal(id, 99), 99);
});

test('compressed: monotonic, invertible, mapped arrays agree, gaps small and bursts visible', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const m = buildModel(seed % 4 === 0 ? randomReport(seed, 600) : sparse(seed));
    const map = compressedMap(m);
    const r = rng(seed);
    let prev = -Infinity;
    for (let q = 0; q < 2000; q++) {
      const t = m.tMin - 1e6 + (q / 2000) * (m.tMax - m.tMin + 2e6);
      const u = toDisplay(map, t);
      assert.ok(u >= prev, 'monotonic');
      prev = u;
      assert.ok(Math.abs(toReal(map, u) - t) <= 1e-6 * Math.max(1, Math.abs(t)), `invertible at ${t}`);
    }
    for (let i = 0; i < m.n; i++) {
      assert.ok(Math.abs(map.start[i]! - toDisplay(map, m.start[i]!)) < 1e-6);
      assert.ok(Math.abs(map.end[i]! - toDisplay(map, m.end[i]!)) < 1e-6);
    }
    if (!map.compressed) continue;
    const total = map.uMax - map.uMin;
    for (const g of map.gaps) {
      assert.ok(g.t1 - g.t0 > 10_000, 'only gaps over the threshold are cut');
      assert.ok(g.u1 - g.u0 <= total * 0.06 + 1e-6, 'a gap is small at the full view');
      assert.ok(g.u1 - g.u0 <= g.t1 - g.t0, 'a gap never grows');
      // no span inside a gap
      for (let i = 0; i < m.n; i++) assert.ok(m.end[i]! <= g.t0 || m.start[i]! >= g.t1, 'gaps are idle');
    }
    // each burst takes at least an eighth of the longest one's display width
    const bs = bursts(m, 10_000);
    const widths = bs.map(([a, b]) => toDisplay(map, b) - toDisplay(map, a));
    const maxW = Math.max(...widths);
    bs.forEach(([a, b], q) => {
      if (b > a) assert.ok(widths[q]! >= maxW / 8 - 1e-6, 'a short burst is widened');
    });
    // pieces cover a random window without holes
    const u0 = map.uMin + r() * total;
    const u1 = u0 + r() * total;
    const ps = piecesIn(map, u0, u1);
    assert.ok(ps[0]!.u0 <= u0 && ps[ps.length - 1]!.u1 >= u1);
    for (let q = 1; q < ps.length; q++) assert.equal(ps[q]!.u0, ps[q - 1]!.u1);
  }
});

test('events 1 ms apart: the full view is mostly spans, not idle time', () => {
  const m = buildModel(sparse(7));
  const map = compressedMap(m);
  assert.equal(map.gaps.length, 7);
  const idle = map.gaps.reduce((s, g) => s + (g.u1 - g.u0), 0);
  assert.ok(idle / (map.uMax - map.uMin) <= 0.36, `idle share ${idle / (map.uMax - map.uMin)}`);
  const linearIdle = map.gaps.reduce((s, g) => s + (g.t1 - g.t0), 0) / (m.tMax - m.tMin);
  assert.ok(linearIdle > 0.9, 'uncompressed, the same run is over 90 % idle');
});
