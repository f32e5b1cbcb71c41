// RunReport.hwpoison: pfn by pfn for short runs (the contract's form), one
// "first..last" entry for a run longer than HWPOISON_LIST_MAX, and readers
// that understand both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HWPOISON_LIST_MAX, hwpoisonEntries, hwpoisonHas, hwpoisonPages, hwpoisonRanges } from '../../src/sim/report';
import { loadScenario } from '../../src/sim/scenario/load';
import { Session } from '../../src/sim/run';
import { fsdaxHead } from './helpers';

test('short runs are listed pfn by pfn, long ones as first..last', () => {
  assert.deepEqual(hwpoisonEntries([[0x240a01, 0x240a03]]), ['0x240a01', '0x240a02']);
  const n = HWPOISON_LIST_MAX;
  assert.equal(hwpoisonEntries([[0x100, 0x100 + n]]).length, n);
  assert.deepEqual(hwpoisonEntries([[0x100, 0x100 + n + 1]]), [`0x100..0x${(0x100 + n).toString(16)}`]);
  // a 1 GiB run is one entry, not 262,144
  assert.deepEqual(hwpoisonEntries([[0x240000, 0x240000 + 262144], [0x300000, 0x300001]]), ['0x240000..0x27ffff', '0x300000']);
});

test('readers: ranges, page count and membership over both forms', () => {
  const list = hwpoisonEntries([[0x10, 0x12], [0x40, 0x40 + 100], [0x200, 0x201]]);
  assert.deepEqual(hwpoisonRanges(list), [[0x10, 0x12], [0x40, 0x40 + 100], [0x200, 0x201]]);
  assert.equal(hwpoisonPages(list), 2 + 100 + 1);
  assert.ok(hwpoisonHas(list, 0x40 + 99));
  assert.ok(!hwpoisonHas(list, 0x40 + 100));
  assert.ok(hwpoisonHas(list, 0x11) && !hwpoisonHas(list, 0x12));
  assert.deepEqual(hwpoisonRanges(['0x5', '0x6', '0x7']), [[5, 8]]);
  assert.equal(hwpoisonPages([]), 0);
});

// The list grows with the pages (short runs pfn by pfn), so a step builds it
// only when it is read: it must still read as the step left the machine, in
// the report, its JSON and an expectation, whatever happens to the poison later.
test('the report lists the poison as each step left it, built when read', () => {
  const yaml = `${fsdaxHead({ name: 'lazy hwpoison' })}
files:
  - { path: /mnt/pmem/data, size: 64KiB, fill: 0x61 }
processes:
  - pid: 100
    comm: app
    mappings:
      - { id: m0, file: /mnt/pmem/data, populate: true }
events:
  - { do: madvise-hwpoison, process: 100, addr: 0x7f0000001000, length: 8192 }
  - { do: madvise-hwpoison, process: 100, addr: 0x7f0000004000, length: 4096, expect: [ { hwpoison: { pfn: 0x240000, set: false } } ] }
`;
  const s = loadScenario(yaml, 'lazy.poison.yaml');
  const session = new Session(s);
  session.step(s.events[0]!);
  const k = session.machine.k;
  const first = k.hwpoison.all();
  assert.equal(first.length, 1);
  assert.equal(first[0]![1] - first[0]![0], 2);
  // changed after the step, before the list is read: the report keeps the step's state
  k.hwpoison.add(0x100, 0x101);
  assert.deepEqual(session.report.hwpoison, hwpoisonEntries(first));
  k.hwpoison.remove(0x100, 0x101);
  // the second event expects the first page poisoned (the YAML could not name its pfn)
  const e1 = s.events[1]!;
  const x = e1.expect[0]! as unknown as { hwpoison: { pfn: number; set: boolean } };
  assert.deepEqual(x.hwpoison, { pfn: 0x240000, set: false });
  x.hwpoison = { pfn: first[0]![0], set: true };
  const ev = session.step(e1);
  assert.equal(ev.id, s.events[1]!.id);
  const second = k.hwpoison.all();
  assert.equal(hwpoisonPages(hwpoisonEntries(second)), 3);
  k.hwpoison.add(0x100, 0x101);
  const json = JSON.parse(JSON.stringify(session.report)) as { hwpoison: string[] };
  assert.deepEqual(json.hwpoison, hwpoisonEntries(second));
  assert.deepEqual({ ...session.report }.hwpoison, hwpoisonEntries(second));
  // the event's expectation read the list as the step left it
  assert.equal(session.report.expectations.length, 1);
  assert.equal(session.report.expectations[0]!.ok, true);
  // an assignment replaces it like any field
  session.report.hwpoison = ['0x1'];
  assert.deepEqual(session.report.hwpoison, ['0x1']);
});
