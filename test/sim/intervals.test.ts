import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RangeMap, RangeSet, setNaiveIntervals } from '../../src/sim/intervals';
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

test('RangeSet.addEvery adds what adding the members one by one adds (property)', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), a: fc.integer({ min: 0, max: 200 }), n: fc.integer({ min: 0, max: 12 }) }),
    fc.record({ kind: fc.constant('remove' as const), a: fc.integer({ min: 0, max: 200 }), n: fc.integer({ min: 0, max: 12 }) }),
    fc.record({ kind: fc.constant('every' as const), a: fc.integer({ min: 0, max: 200 }), len: fc.integer({ min: 0, max: 6 }), period: fc.integer({ min: 1, max: 9 }), n: fc.integer({ min: 0, max: 12 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
      const bulk = new RangeSet();
      const one = new RangeSet();
      for (const o of ops) {
        if (o.kind === 'add') [bulk, one].forEach((s) => s.add(o.a, o.a + o.n));
        else if (o.kind === 'remove') [bulk, one].forEach((s) => s.remove(o.a, o.a + o.n));
        else {
          bulk.addEvery(o.a, o.len, o.period, o.n);
          for (let j = 0; j < o.n; j++) one.add(o.a + j * o.period, o.a + j * o.period + o.len);
        }
        assert.deepEqual(bulk.all(), one.all());
      }
      for (let a = 0; a < 320; a += 7) assert.deepEqual(bulk.query(a, a + 13), one.query(a, a + 13), `query ${a}`);
      assert.equal(bulk.covered(), one.covered());
      assert.equal(bulk.repeats(3, 2, 5, 40), one.repeats(3, 2, 5, 40));
    }),
    { numRuns: 300 },
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

// Strided runs: ranges whose values advance in step (a file of equally long
// extents one block apart: ptes, DAX entries and page owners) are held as one
// entry, and every query answers as if each range were stored alone.
type Lin = { pfn: number; tag: number };
const linOps = {
  split: (v: Lin, d: number): Lin => (v.pfn < 0 ? v : { ...v, pfn: v.pfn + d }),
  eq: (a: Lin, b: Lin) => a.pfn === b.pfn && a.tag === b.tag,
  step: (a: Lin, b: Lin) => (a.tag !== b.tag || a.pfn < 0 !== b.pfn < 0 ? undefined : a.pfn < 0 ? (a.pfn === b.pfn ? 0 : undefined) : b.pfn - a.pfn),
};

test('RangeMap strided runs: alike ranges in arithmetic progression are one entry, answered member by member', () => {
  const m = new RangeMap<Lin>(linOps);
  // 1000 extents of 4 pages, one page apart on the device, mapped back to back
  for (let i = 0; i < 1000; i++) m.set(i * 4, i * 4 + 4, { pfn: 5000 + i * 5, tag: 0 });
  assert.equal(m.stored, 1);
  assert.equal(m.size, 1000);
  assert.deepEqual(m.get(4 * 7 + 2), { pfn: 5000 + 7 * 5 + 2, tag: 0 });
  assert.deepEqual(m.rangeAt(4 * 7 + 2), { start: 28, end: 32, value: { pfn: 5035, tag: 0 } });
  assert.deepEqual(m.query(6, 10), [
    { start: 6, end: 8, value: { pfn: 5007, tag: 0 } },
    { start: 8, end: 10, value: { pfn: 5010, tag: 0 } },
  ]);
  assert.equal(m.covered(2, 4001), 3998);
  // a break in the progression: a member of another value splits the run in three
  m.set(40, 44, { pfn: 9, tag: 0 });
  assert.equal(m.stored, 3);
  assert.equal(m.size, 1000);
  // putting the member back joins them again
  m.set(40, 44, { pfn: 5050, tag: 0 });
  assert.equal(m.stored, 1);
  // a linear continuation of the last member peels it off and grows it
  m.set(4000, 4004, { pfn: 5000 + 999 * 5 + 4, tag: 0 });
  assert.equal(m.size, 1000);
  assert.deepEqual(m.rangeAt(3999), { start: 3996, end: 4004, value: { pfn: 9995, tag: 0 } });
  // gaps in the keys: page owners of extents one pfn apart
  const o = new RangeMap<Lin>(linOps);
  for (let i = 0; i < 100; i++) o.set(100 + i * 5, 104 + i * 5, { pfn: i * 4, tag: 1 });
  assert.equal(o.stored, 1);
  assert.equal(o.get(104), undefined);
  assert.deepEqual(o.get(105), { pfn: 4, tag: 1 });
  assert.equal(o.firstIn(104, 105), undefined);
  assert.deepEqual(o.firstIn(104, 107), { start: 105, end: 107, value: { pfn: 4, tag: 1 } });
  assert.equal(o.covered(), 400);
  // clearing a gap changes nothing, clearing across members splits them
  o.clear(104, 105);
  assert.equal(o.stored, 1);
  o.clear(102, 112);
  assert.deepEqual(o.query(100, 116), [
    { start: 100, end: 102, value: { pfn: 0, tag: 1 } },
    { start: 112, end: 114, value: { pfn: 10, tag: 1 } },
    { start: 115, end: 116, value: { pfn: 12, tag: 1 } },
  ]);
});

/** a range-based map and its per-unit reference (naive mode), to be given the same operations */
function fastAndReference(): [RangeMap<Lin>, RangeMap<Lin>] {
  const maps = [false, true].map((naive) => {
    setNaiveIntervals(naive);
    try {
      return new RangeMap<Lin>(linOps);
    } finally {
      setNaiveIntervals(false);
    }
  });
  return [maps[0]!, maps[1]!];
}

test('RangeMap agrees with its per-unit reference under strided runs, breaks and mixed sizes (property)', () => {
  const op = fc.record({
    kind: fc.constantFrom('set', 'set', 'set', 'clear', 'runs'),
    a: fc.integer({ min: 0, max: 150 }),
    n: fc.integer({ min: 1, max: 6 }),
    gap: fc.integer({ min: 0, max: 3 }),
    count: fc.integer({ min: 1, max: 8 }),
    pfn: fc.integer({ min: -1, max: 60 }),
    vstep: fc.integer({ min: -3, max: 9 }),
    tag: fc.integer({ min: 0, max: 1 }),
  });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 240 }), fc.integer({ min: 0, max: 30 })), { maxLength: 8 }), (ops, probes) => {
      const maps = fastAndReference();
      for (const o of ops) {
        for (const m of maps) {
          const v = (j: number): Lin => ({ pfn: o.pfn < 0 ? -1 : 1000 + o.pfn + j * o.vstep, tag: o.tag });
          if (o.kind === 'clear') m.clear(o.a, o.a + o.n);
          else if (o.kind === 'set') m.set(o.a, o.a + o.n, v(0));
          // a run of equally long members, `gap` apart, values advancing by vstep
          else for (let j = 0; j < o.count; j++) m.set(o.a + j * (o.n + o.gap), o.a + j * (o.n + o.gap) + o.n, v(j));
        }
      }
      const [fast, ref] = maps;
      assert.deepEqual(fast.all(), ref.all());
      assert.equal(fast.size, ref.size);
      assert.ok(fast.stored <= fast.size);
      for (let u = 0; u < 240; u++) {
        assert.deepEqual(fast.get(u), ref.get(u), `get ${u}`);
        assert.deepEqual(fast.rangeAt(u), ref.rangeAt(u), `rangeAt ${u}`);
      }
      for (const [s, len] of probes) {
        assert.deepEqual(fast.query(s, s + len), ref.query(s, s + len), `query ${s}+${len}`);
        assert.deepEqual(fast.firstIn(s, s + len), ref.firstIn(s, s + len), `firstIn ${s}+${len}`);
        assert.equal(fast.covered(s, s + len), ref.covered(s, s + len), `covered ${s}+${len}`);
      }
      const c = fast.clone();
      c.clear(0, 1000);
      assert.deepEqual(fast.all(), ref.all());
    }),
    { numRuns: 400 },
  );
});

test('RangeMap with many entries: clears in address order wait and are applied in one pass, as if applied one by one (property)', () => {
  // 1,600 ranges, over 1,024 entries (the number from which clears in address order are deferred),
  // then clears mostly in address order, interleaved with reads and writes that apply them
  const op = fc.record({
    kind: fc.constantFrom('clear', 'clear', 'clear', 'clear', 'back', 'set', 'read'),
    skip: fc.integer({ min: 0, max: 40 }),
    n: fc.integer({ min: 1, max: 30 }),
    pfn: fc.integer({ min: 0, max: 50 }),
  });
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1600, maxLength: 1600 }), fc.array(op, { maxLength: 60 }), (shape, ops) => {
      const maps = fastAndReference();
      // ranges 1..3 units long, 4 apart, values not in step (one entry each), but those of shape 3
      // in step with each other (neighbours of shape 3 join into one strided entry)
      for (const m of maps) shape.forEach((w, u) => m.set(u * 4, u * 4 + 1 + (w % 3), { pfn: w === 3 ? 50000 + u * 4 : (u * 7919) % 10007, tag: 0 }));
      assert.ok(maps[0].stored >= 1024, `${maps[0].stored} entries`);
      let at = 0;
      for (const o of ops) {
        for (const m of maps) {
          if (o.kind === 'clear') m.clear(at + o.skip, at + o.skip + o.n);
          else if (o.kind === 'back') m.clear(Math.max(0, at - o.skip - o.n), Math.max(0, at - o.skip));
          else if (o.kind === 'set') m.set(at + o.skip, at + o.skip + o.n, { pfn: o.pfn, tag: 1 });
        }
        if (o.kind === 'clear') at += o.skip + o.n;
        if (o.kind === 'read') {
          const [fast, ref] = maps;
          // reads about the last clear: from its end on the clears before need not be applied, before it they must
          const from = at - 2 + (o.skip % 5);
          for (let u = from; u < from + 12; u++) {
            assert.deepEqual(fast.get(u), ref.get(u), `get ${u}`);
            assert.deepEqual(fast.rangeAt(u), ref.rangeAt(u), `rangeAt ${u}`);
          }
          assert.deepEqual(fast.firstIn(from, from + o.n), ref.firstIn(from, from + o.n), `firstIn ${from}`);
          assert.equal(fast.covered(from, from + 5 * o.n), ref.covered(from, from + 5 * o.n), `covered ${from}`);
          assert.deepEqual(fast.query(from, from + 5 * o.n), ref.query(from, from + 5 * o.n), `query ${from}`);
          if (o.pfn % 2) assert.deepEqual(fast.query(at - 50, at + 50), ref.query(at - 50, at + 50), `query at ${at}`);
        }
      }
      const [fast, ref] = maps;
      assert.equal(fast.covered(), ref.covered());
      assert.deepEqual(fast.all(), ref.all());
      assert.equal(fast.size, ref.size);
    }),
    { numRuns: 60 },
  );
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

test('RangeMap.repeats agrees with comparing window after window, over strided runs, long ranges and breaks (property)', () => {
  const op = fc.record({
    kind: fc.constantFrom('set', 'clear', 'runs', 'runs'),
    a: fc.integer({ min: 0, max: 150 }),
    n: fc.integer({ min: 1, max: 6 }),
    gap: fc.integer({ min: 0, max: 3 }),
    count: fc.integer({ min: 1, max: 30 }),
    pfn: fc.integer({ min: -1, max: 60 }),
    vstep: fc.integer({ min: -3, max: 9 }),
    tag: fc.integer({ min: 0, max: 1 }),
  });
  const window = fc.record({ from: fc.integer({ min: 0, max: 39 }), off: fc.integer({ min: 0, max: 8 }), len: fc.integer({ min: 1, max: 9 }), extra: fc.integer({ min: 0, max: 3 }), c: fc.integer({ min: -3, max: 12 }), max: fc.integer({ min: 1, max: 60 }) });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 25 }), fc.array(window, { maxLength: 6 }), (ops, windows) => {
      const m = new RangeMap<Lin>(linOps);
      for (const o of ops) {
        const v = (j: number): Lin => ({ pfn: o.pfn < 0 ? -1 : 1000 + o.pfn + j * o.vstep, tag: o.tag });
        if (o.kind === 'clear') m.clear(o.a, o.a + o.n);
        else if (o.kind === 'set') m.set(o.a, o.a + o.n * o.count, v(0));
        else for (let j = 0; j < o.count; j++) m.set(o.a + j * (o.n + o.gap), o.a + j * (o.n + o.gap) + o.n, v(j));
      }
      for (const w of windows) {
        // windows laid over a run of the ops (its period, or a multiple of its member), or anywhere
        const o = ops[w.from % Math.max(1, ops.length)];
        const period = o ? (o.kind === 'runs' ? o.n + o.gap : o.n) * (1 + (w.extra % 2)) : w.len;
        const len = Math.min(period, w.len);
        const w0 = (o ? o.a : 0) + w.off;
        const alike = (a: Lin, b: Lin, j: number): boolean => a.tag === b.tag && (a.pfn < 0 ? b.pfn === a.pfn : b.pfn - a.pfn === j * w.c);
        const p0 = m.query(w0, w0 + len);
        let brute = 0;
        for (let j = 1; j <= w.max; j++) {
          const p = m.query(w0 + j * period, w0 + j * period + len);
          const same = p.length === p0.length && p.every((x, i) => x.start - j * period === p0[i]!.start && x.end - j * period === p0[i]!.end && alike(p0[i]!.value, x.value, j));
          if (!same) break;
          brute = j;
        }
        assert.equal(m.repeats(w0, len, period, w.max, alike), brute, `repeats ${w0}+${len} every ${period}, step ${w.c}, max ${w.max}`);
        // window 0 as it was before (here: another window's content) is what the others are compared with
        const other = m.query(w0 + period, w0 + period + len).map((x) => ({ ...x, start: x.start - period, end: x.end - period, value: { ...x.value, pfn: x.value.pfn < 0 ? -1 : x.value.pfn - w.c } }));
        let brute2 = 0;
        for (let j = 1; j <= w.max; j++) {
          const p = m.query(w0 + j * period, w0 + j * period + len);
          if (!(p.length === other.length && p.every((x, i) => x.start - j * period === other[i]!.start && x.end - j * period === other[i]!.end && alike(other[i]!.value, x.value, j)))) break;
          brute2 = j;
        }
        assert.equal(m.repeats(w0, len, period, w.max, alike, other), brute2, `repeats from a given window 0, ${w0}+${len} every ${period}`);
      }
    }),
    { numRuns: 600 },
  );
});
