import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RangeMap, RangeSet } from '../../src/sim/intervals';
import { BadBlocks } from '../../src/sim/nvdimm/badblocks';

test('RangeSet add/remove merges and splits', () => {
  const s = new RangeSet();
  s.add(10, 20);
  s.add(20, 30);
  assert.deepEqual(s.all(), [[10, 30]]);
  s.remove(15, 18);
  assert.deepEqual(s.all(), [[10, 15], [18, 30]]);
  assert.equal(s.has(15), false);
  assert.equal(s.has(18), true);
  assert.deepEqual(s.query(12, 19), [[12, 15], [18, 19]]);
  assert.equal(s.covered(), 17);
});

test('RangeMap linear values split and re-merge', () => {
  const m = new RangeMap<{ pfn: number }>({ split: (v, d) => ({ pfn: v.pfn + d }), eq: (a, b) => a.pfn === b.pfn });
  m.set(0, 100, { pfn: 1000 });
  m.clear(40, 50);
  assert.deepEqual(m.get(60), { pfn: 1060 });
  assert.equal(m.size, 2);
  // putting the hole back as the continuation merges into one range again
  m.set(40, 50, { pfn: 1040 });
  assert.equal(m.size, 1);
  // a different value does not merge
  m.set(40, 50, { pfn: 7 });
  assert.equal(m.size, 3);
});

test('RangeSet agrees with a per-unit model (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ add: fc.boolean(), a: fc.integer({ min: 0, max: 200 }), n: fc.integer({ min: 0, max: 40 }) }), { maxLength: 60 }),
      (ops) => {
        const s = new RangeSet();
        const ref = new Set<number>();
        for (const o of ops) {
          if (o.add) s.add(o.a, o.a + o.n);
          else s.remove(o.a, o.a + o.n);
          for (let i = o.a; i < o.a + o.n; i++) (o.add ? ref.add(i) : ref.delete(i));
        }
        for (let i = 0; i < 260; i++) assert.equal(s.has(i), ref.has(i), `unit ${i}`);
        // disjoint, sorted, non-adjacent
        const all = s.all();
        for (let i = 1; i < all.length; i++) assert.ok(all[i]![0] > all[i - 1]![1]);
      },
    ),
  );
});

test('badblocks: check reports the first bad sector and its run; show splits at BB_MAX_LEN', () => {
  const bb = new BadBlocks();
  assert.deepEqual(bb.check(0, 8), { rc: 0 });
  bb.set(42, 8);
  assert.deepEqual(bb.check(40, 8), { rc: 1, firstBad: 42, badSectors: 6 });
  assert.deepEqual(bb.check(50, 8), { rc: 0 });
  bb.set(1000, 1200);
  assert.deepEqual(bb.show(), [[42, 8], [1000, 512], [1512, 512], [2024, 176]]);
  bb.clear(44, 2);
  assert.deepEqual(bb.show().slice(0, 2), [[42, 2], [46, 4]]);
});

test('badblocks: the table holds MAX_BADBLOCKS (512) entries, filled in address order; a range that adds nothing fails', () => {
  const bb = new BadBlocks();
  // 511 separate one-sector entries
  for (let i = 0; i < 511; i++) assert.equal(bb.set(i * 10, 1), true);
  assert.equal(bb.full, false);
  // the 512th entry fits, and a run longer than BB_MAX_LEN is cut where the table is full
  assert.equal(bb.set(100000, 2000), true);
  assert.equal(bb.full, true);
  assert.deepEqual(bb.show().slice(-1), [[100000, 512]]);
  assert.deepEqual(bb.check(100512, 8), { rc: 0 });
  // a separate range finds no room: nothing added
  assert.equal(bb.set(200000, 8), false);
  assert.deepEqual(bb.check(200000, 8), { rc: 0 });
  // a range overlapping a recorded one merges (badblocks_set succeeds), its new part dropped
  assert.equal(bb.set(100500, 100), true);
  assert.deepEqual(bb.check(100512, 8), { rc: 0 });
  // an entry with room left still takes the sectors right after it
  const bb2 = new BadBlocks();
  for (let i = 0; i < 511; i++) bb2.set(i * 10, 1);
  bb2.set(100000, 100);
  assert.equal(bb2.set(100100, 1000), true);
  assert.deepEqual(bb2.show().slice(-1), [[100000, 512]]);
  assert.equal(bb2.set(5105, 2), false);
});
