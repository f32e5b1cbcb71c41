// The spans in a time window (the list that follows the view) against a
// brute force over every passing span, filtered or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel } from '../../webview/timeline/core/model';
import { buildView } from '../../webview/timeline/core/view';
import { buildRangeIndex, indexInView, intersects, positionAt, spansInRange } from '../../webview/timeline/core/inview';
import { emptyReport, randomReport, rng } from './helpers';

test('randomised: the window list is exactly the passing spans that intersect the window, in start order', () => {
  const r = rng(21);
  for (let seed = 1; seed <= 8; seed++) {
    const m = buildModel(randomReport(seed * 7, 3000));
    const view = buildView(m, seed % 2 ? { layers: [], processes: [], symbol: '' } : { layers: [], processes: [], symbol: 'fail' });
    const ix = buildRangeIndex(view);
    for (let q = 0; q < 60; q++) {
      const span = (m.tMax - m.tMin) * Math.exp(-r() * Math.log(1e5));
      const a = m.tMin - span * 0.1 + r() * (m.tMax - m.tMin);
      const b = a + span;
      const iv = spansInRange(ix, a, b);
      const want: number[] = [];
      for (let p = 0; p < view.list.length; p++) if (intersects(view, view.list[p]!, a, b)) want.push(p);
      const got = Array.from({ length: iv.length }, (_, k) => positionAt(iv, k));
      assert.deepEqual(got, want, `seed ${seed} window ${q}`);
      // positions map back
      for (let k = 0; k < got.length; k += Math.max(1, got.length >> 4)) assert.equal(indexInView(iv, got[k]!), k);
      const outside = want.length < view.list.length ? [...Array(view.list.length).keys()].find((p) => !want.includes(p)) : undefined;
      if (outside !== undefined) assert.equal(indexInView(iv, outside), -1);
    }
  }
});

test('a long parent that started before the window is listed first, its children after', () => {
  const m = buildModel(
    emptyReport([
      { id: 1, parent: null, t: 0, dur: 1000, layer: 'mm', symbol: 'memory_failure', args: {}, ret: '0' },
      { id: 2, parent: 1, t: 10, dur: 5, layer: 'mm', symbol: 'early', args: {}, ret: '0' },
      { id: 3, parent: 1, t: 500, dur: 5, layer: 'dax', symbol: 'mid', args: {}, ret: '0' },
      { id: 4, parent: null, t: 2000, dur: 0, layer: 'mm', symbol: 'later', args: {}, ret: '0' },
    ]),
  );
  const view = buildView(m, { layers: [], processes: [], symbol: '' });
  const iv = spansInRange(buildRangeIndex(view), 400, 600);
  assert.deepEqual(Array.from({ length: iv.length }, (_, k) => m.spans[view.list[positionAt(iv, k)]!]!.id), [1, 3]);
  // a zero-length span at the window's start is in it, one at its end is not
  const at = spansInRange(buildRangeIndex(view), 2000, 2100);
  assert.deepEqual(Array.from({ length: at.length }, (_, k) => m.spans[view.list[positionAt(at, k)]!]!.id), [4]);
  assert.equal(spansInRange(buildRangeIndex(view), 1900, 2000).length, 0);
});
