import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario } from '../../src/sim/run';
import { toChromeTrace, LAYER_ORDER } from '../../src/sim/perfetto';

const f = join(resolve(__dirname, '..', '..', '..'), 'scenarios', 'reflink-both-mapped.poison.yaml');

test('Chrome trace: one X slice per span, nested within its parent, µs times, hand-off flows', () => {
  const r = runScenario(loadScenario(readFileSync(f, 'utf8'), 'reflink-both-mapped.poison.yaml'));
  const t = toChromeTrace(r);
  const slices = t.traceEvents.filter((e) => e.ph === 'X');
  assert.equal(slices.length, r.spans.length);
  // every slice's args carry the symbol's arguments and its span id
  const mf = slices.find((e) => e.name === 'memory_failure')!;
  assert.equal(mf.args!.pfn, '0x241218');
  assert.equal(mf.ts, r.spans.find((s) => s.symbol === 'memory_failure')!.t / 1000);
  // children lie within their parents
  const byId = new Map(r.spans.map((s) => [s.id, s]));
  for (const s of r.spans) {
    if (s.parent === null) continue;
    const p = byId.get(s.parent)!;
    assert.ok(s.t >= p.t && s.t + s.dur <= p.t + p.dur, `${s.symbol} within ${p.symbol}`);
  }
  // a hand-off from mm to dev_pagemap, and flow ends match starts
  const starts = t.traceEvents.filter((e) => e.ph === 's');
  const ends = t.traceEvents.filter((e) => e.ph === 'f');
  assert.equal(starts.length, ends.length);
  assert.ok(starts.some((e) => e.name === 'mm → dev_pagemap'));
  // metadata names every layer's track, and the signals are instants
  assert.equal(t.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').length, LAYER_ORDER.length + 2);
  assert.equal(t.traceEvents.filter((e) => e.ph === 'i' && e.cat === 'signal').length, r.signals.length);
  JSON.parse(JSON.stringify(t));
});
