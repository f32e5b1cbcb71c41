import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { compareDesigns } from '../../src/sim/compare';
import { comparisonView, logFraction, linearFraction } from '../../src/protocol/comparison';

const SCENARIOS = join(resolve(__dirname, '..', '..', '..'), 'scenarios');

test('log scale: 0 is empty, the maximum is full, each power of ten the same width', () => {
  assert.equal(logFraction(0, 100), 0);
  assert.equal(logFraction(100, 100), 1);
  assert.ok(Math.abs(logFraction(9, 99) - 0.5) < 1e-12);
  assert.equal(logFraction(5, 0), 0);
  assert.equal(linearFraction(5, 10), 0.5);
  assert.equal(linearFraction(-1, 10), 0);
});

test('comparison view of reflink-both-mapped: a table per design and the charts', () => {
  const sc = loadScenario(readFileSync(join(SCENARIOS, 'reflink-both-mapped.poison.yaml'), 'utf8'), 'reflink-both-mapped.poison.yaml');
  const runs = compareDesigns(sc);
  const v = comparisonView(sc.name, 'upstream', runs);
  assert.deepEqual(v.designs, ['upstream', 'page-mapping', 'corrupted-range', 'pagemap-failure']);
  assert.equal(v.tables.length, 4);
  assert.ok(v.tables[0]!.current && !v.tables[1]!.current);
  const up = Object.fromEntries(v.tables[0]!.rows.map((r) => [r.label, r.value]));
  const m = runs[0]!.metrics!;
  assert.equal(up['owners reached'], m.ownersNotified.map((o) => `${o.file} [${o.event}]`).join(', ') || 'none');
  assert.match(up['simulated cost']!, /(ns|µs|ms)$/);
  const calls = v.charts.find((c) => c.title === 'calls per symbol')!;
  assert.ok(calls.log);
  // every symbol any design called, each with one bar per design that ran
  const symbols = new Set(runs.flatMap((r) => Object.keys(r.metrics?.calls ?? {})));
  assert.equal(calls.groups.length, symbols.size);
  const mf = calls.groups.find((g) => g.label === 'memory_failure')!;
  assert.equal(mf.bars.length, runs.filter((r) => r.metrics).length);
  for (const b of mf.bars) assert.equal(b.value, runs.find((r) => r.design === b.design)!.metrics!.calls.memory_failure ?? 0);
  const max = Math.max(...calls.groups.flatMap((g) => g.bars.map((b) => b.value)));
  assert.ok(calls.groups.some((g) => g.bars.some((b) => b.value === max && b.fraction === 1)));
  // the holder-only symbol differs between designs
  assert.equal(calls.groups.find((g) => g.label === 'xfs_dax_failure_fn')!.differs, true);
  const owners = v.charts.find((c) => c.title === 'owners of the failed range')!;
  assert.deepEqual(owners.groups.map((g) => g.label), ['reached', 'missed']);
  assert.equal(owners.groups[0]!.bars.find((b) => b.design === 'upstream')!.value, m.ownersNotified.length);
  const sig = v.charts.find((c) => c.title === 'signals per process')!;
  assert.ok(sig.groups.some((g) => g.label === 'pid 1001'));
  const cost = v.charts.find((c) => c.title === 'simulated cost')!;
  assert.equal(cost.groups[0]!.bars.find((b) => b.design === 'upstream')!.value, m.cost);
});

test('a design that cannot run the scenario is a table with its error and no bars', () => {
  const v = comparisonView('s', 'upstream', [
    { design: 'upstream', metrics: { calls: { a: 3 }, ownersNotified: [], ownersMissed: [{ event: 'e1', file: '/f' }], signalled: ['pid 7 SIGBUS BUS_MCEERR_AO [e1]'], pagesMappedToBadMedia: 1, pagesMappedToRemovedDevice: 0, shutdown: {}, cost: 1500 } },
    { design: 'page-mapping', error: 'no such thing' },
  ]);
  assert.equal(v.tables[1]!.error, 'no such thing');
  assert.equal(v.charts[0]!.groups[0]!.bars.length, 1);
  assert.equal(Object.fromEntries(v.tables[0]!.rows.map((r) => [r.label, r.value]))['simulated cost'], '1.5 µs');
  assert.equal(v.charts[2]!.groups[0]!.label, 'pid 7');
});
