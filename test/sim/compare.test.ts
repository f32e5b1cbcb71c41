import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { compareDesigns, parseCostTable, runMeasured, DEFAULT_COST_TABLE } from '../../src/sim/compare';
import { InputError } from '../../src/sim/errors';

const DIR = join(resolve(__dirname, '..', '..', '..'), 'scenarios');
const load = (f: string) => loadScenario(readFileSync(join(DIR, f), 'utf8'), f);

test('cost tables: defaults, and bad input named by field and value', () => {
  assert.deepEqual(parseCostTable({ default: 10, symbols: { memory_failure: 300 } }), { default: 10, symbols: { memory_failure: 300 } });
  const bad = (v: unknown, re: RegExp) => assert.throws(() => parseCostTable(v), (e: unknown) => e instanceof InputError && re.test(e.message));
  bad({ symbols: {} }, /default: missing cost/);
  bad({ default: -1 }, /default: -1 is negative/);
  bad({ default: 5, symbols: { kill_proc: -3 } }, /symbols\.kill_proc: -3 is negative/);
  bad({ default: 5, symbols: { kill_proc: null } }, /symbols\.kill_proc: missing cost/);
  bad({ default: 5, symbols: { kill_proc: 'fast' } }, /"fast" is not a number/);
  bad({ default: 5, extra: 1 }, /extra: unknown field/);
  bad([1, 2], /expected an object/);
});

test('compare on a reflinked block: upstream reaches both owners, page-mapping misses the other file', () => {
  const runs = compareDesigns(load('reflink-both-mapped.poison.yaml'));
  const by = Object.fromEntries(runs.map((r) => [r.design, r]));
  assert.deepEqual(by.upstream!.metrics!.ownersMissed, []);
  assert.deepEqual(by.upstream!.metrics!.ownersNotified.map((o) => o.file).sort(), ['/mnt/pmem/poisonfile', '/mnt/pmem/testfile']);
  assert.deepEqual(by['page-mapping']!.metrics!.ownersMissed.map((o) => o.file), ['/mnt/pmem/testfile']);
  assert.deepEqual(by['corrupted-range']!.metrics!.ownersMissed, []);
});

test('compare on unbind: only upstream revokes; pagemap-failure makes one call per pfn; costs add up', () => {
  const runs = compareDesigns(load('unbind-mounted-xfs.poison.yaml'));
  const by = Object.fromEntries(runs.map((r) => [r.design, r]));
  assert.equal(by.upstream!.metrics!.pagesMappedToRemovedDevice, 0);
  assert.ok(by['page-mapping']!.metrics!.pagesMappedToRemovedDevice > 0);
  assert.ok(by['corrupted-range']!.metrics!.pagesMappedToRemovedDevice > 0);
  // 1 GiB namespace, 18 MiB data offset
  assert.equal(by['pagemap-failure']!.report!.calls.memory_failure, (1024 - 18) * 256);
  assert.ok(by['pagemap-failure']!.metrics!.cost > 1000 * by.upstream!.metrics!.cost);
  // the cost is the sum over symbols of calls x cost
  const flat = runMeasured(load('unbind-mounted-xfs.poison.yaml'), 'upstream', { default: 1, symbols: {} });
  const total = Object.values(flat.report.calls).reduce((a, b) => a + b, 0);
  assert.equal(flat.metrics.cost, total);
  assert.equal(DEFAULT_COST_TABLE.default > 0, true);
});
