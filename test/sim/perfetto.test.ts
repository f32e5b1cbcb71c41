import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario } from '../../src/sim/run';
import { readdirSync } from 'node:fs';
import { toChromeTrace, LAYER_ORDER, checkNesting, simulatedProcesses, type TraceEvent } from '../../src/sim/perfetto';
import { DESIGNS } from '../../src/sim/scenario/types';

const SCENARIOS = join(resolve(__dirname, '..', '..', '..'), 'scenarios');
const f = join(SCENARIOS, 'reflink-both-mapped.poison.yaml');

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
  assert.equal(t.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === 1).length, LAYER_ORDER.length + 2);
  assert.equal(t.traceEvents.filter((e) => e.ph === 'i' && e.cat === 'signal').length, r.signals.length);
  JSON.parse(JSON.stringify(t));
});

test('Chrome trace: the slices of every track nest or stay apart, in every built-in scenario under every design', () => {
  let checked = 0;
  for (const name of readdirSync(SCENARIOS).filter((n) => n.endsWith('.poison.yaml'))) {
    const sc = loadScenario(readFileSync(join(SCENARIOS, name), 'utf8'), name);
    for (const design of DESIGNS) {
      const t = toChromeTrace(runScenario(sc, { design }));
      assert.deepEqual(checkNesting(t.traceEvents), [], `${name} (${design})`);
      // ts and dur are microseconds exact to the nanosecond
      for (const e of t.traceEvents) if (e.ph === 'X') assert.ok(Number.isInteger(Math.round(e.ts! * 1000)) && Math.abs(e.ts! * 1000 - Math.round(e.ts! * 1000)) < 1e-6);
      checked++;
    }
  }
  assert.ok(checked >= 12 * DESIGNS.length - 4, `checked ${checked}`);
});

test('checkNesting finds two slices of one track that overlap without nesting', () => {
  const x = (name: string, ts: number, dur: number, tid = 1): TraceEvent => ({ name, ph: 'X', ts, dur, pid: 1, tid });
  assert.deepEqual(checkNesting([x('a', 0, 2), x('b', 0.5, 1), x('c', 2, 1)]), []);
  const bad = checkNesting([x('a', 0, 2), x('b', 1.5, 1)]);
  assert.equal(bad.length, 1);
  assert.match(bad[0]!, /b \[1500, 2500\] ns overlaps a \[0, 2000\] ns/);
  // another track does not count
  assert.deepEqual(checkNesting([x('a', 0, 2), x('b', 1.5, 1, 2)]), []);
});

test('Chrome trace: every simulated process is a named process, with the signals it received', () => {
  const r = runScenario(loadScenario(readFileSync(f, 'utf8'), 'reflink-both-mapped.poison.yaml'));
  const t = toChromeTrace(r);
  const procs = simulatedProcesses(r);
  assert.deepEqual(procs.map((p) => p.pid), [1000, 1001, 1002]);
  const names = t.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => `${e.pid} ${String(e.args!.name)}`);
  assert.ok(names.includes('1000 reader (pid 1000)'), names.join(', '));
  assert.ok(names.includes('1001 injector (pid 1001)'), names.join(', '));
  assert.ok(names.some((n) => n.startsWith('1002 ')), names.join(', '));
  assert.ok(names.some((n) => n.startsWith('1 reflink')), names.join(', '));
  const received = t.traceEvents.filter((e) => e.cat === 'signal-received');
  assert.equal(received.length, r.signals.length);
  assert.deepEqual(received.map((e) => e.pid).sort(), r.signals.map((s) => s.pid).sort());
  assert.ok(received.every((e) => e.ph === 'i' && e.s === 't' && /^SIGBUS BUS_MCEERR_A[RO] lsb 12$/.test(e.name)));
});

test('Chrome trace: every slice of every built-in scenario sits on a named track (CXL and dm included)', () => {
  const dir = resolve(__dirname, '../../../scenarios');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.poison.yaml'))) {
    const r = runScenario(loadScenario(readFileSync(join(dir, f), 'utf8'), f));
    const t = toChromeTrace(r);
    const named = new Set(t.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => `${e.pid}/${e.tid}`));
    for (const e of t.traceEvents) if (e.ph === 'X') assert.ok(named.has(`${e.pid}/${e.tid}`), `${f}: ${e.name} (${e.cat}) on an unnamed track ${e.pid}/${e.tid}`);
  }
});
