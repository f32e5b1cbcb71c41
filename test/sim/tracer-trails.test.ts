// Tracer.repeatTrail holds repeated trails back (an unbind repeats one
// recorded trail for each of 10^4 files) and adds them when the counts are
// read. Every read must see exactly what adding them at once would give:
// `calls`, the quiet step's trail (lastQuietTrail, repeatQuiet), a
// rollback to a mark taken before them, and a trail repeated between
// calls made for real, inside and outside a quiet step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tracer } from '../../src/sim/trace';
import { mulberry32 } from '../../src/sim/prng';

const obj = (m: ReadonlyMap<string, number>): Record<string, number> => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));

test('repeated trails held back read as added at once: calls, the quiet trail, a rollback', () => {
  const t = new Tracer(() => 10);
  const a = new Map([
    ['memory_failure', 1],
    ['kill_proc', 2],
  ]);
  const b = new Map([['unmap_mapping_range', 3]]);
  t.call('mm', 'memory_failure', {}, () => 0);
  t.repeatTrail(a, 4, 100);
  t.repeatTrail(a, 6, 100);
  t.repeatTrail(b, 2, 5);
  // a call for real between repeats
  t.call('mm', 'kill_proc', {}, () => 0);
  t.repeatTrail(a, 1, 100);
  assert.deepEqual(obj(t.calls), { kill_proc: 2 * 11 + 1, memory_failure: 1 + 11, unmap_mapping_range: 6 });
  assert.equal(t.now, 10 + 400 + 600 + 10 + 10 + 100);
  // inside a quiet step: its trail counts the repeats too, and a new step starts from nothing
  const mark = t.mark();
  t.quietly(() => {
    t.call('mm', 'memory_failure', {}, () => 0);
    t.repeatTrail(b, 3, 0);
    t.repeatTrail(b, 1, 0);
  });
  assert.deepEqual(obj(t.lastQuietTrail()), { memory_failure: 1, unmap_mapping_range: 12 });
  // the quiet step's calls made 2 more times
  t.repeatQuiet(2, 0);
  assert.deepEqual(obj(t.calls), { kill_proc: 23, memory_failure: 12 + 3, unmap_mapping_range: 6 + 36 });
  // a step whose trail nobody read, then another: the second's trail is its own
  t.quietly(() => t.repeatTrail(b, 7, 0));
  t.quietly(() => t.repeatTrail(a, 1, 0));
  assert.deepEqual(obj(t.lastQuietTrail()), { memory_failure: 1, kill_proc: 2 });
  // a rollback to before the quiet steps forgets what they held back
  t.quietly(() => t.repeatTrail(b, 5, 0));
  t.rollback(mark);
  assert.deepEqual(obj(t.calls), { kill_proc: 23, memory_failure: 12, unmap_mapping_range: 6 });
});

test('random repeats, calls and quiet steps count as adding every repeat at once would', () => {
  const rand = mulberry32(7);
  const trails = [0, 1, 2].map((i) => new Map([[`s${i}`, 1 + i], ['common', 1]]));
  const t = new Tracer(() => 1);
  const want = new Map<string, number>();
  const add = (m: ReadonlyMap<string, number>, n: number): void => m.forEach((c, s) => want.set(s, (want.get(s) ?? 0) + c * n));
  for (let i = 0; i < 3000; i++) {
    const r = rand();
    const trail = trails[Math.floor(rand() * 3)]!;
    const n = 1 + Math.floor(rand() * 5);
    if (r < 0.6) {
      t.repeatTrail(trail, n, 1);
      add(trail, n);
    } else if (r < 0.8) {
      t.call('mm', 'common', {}, () => 0);
      add(new Map([['common', 1]]), 1);
    } else if (r < 0.95) {
      t.quietly(() => {
        t.repeatTrail(trail, n, 1);
        t.call('mm', 's0', {}, () => 0);
      });
      add(trail, n);
      add(new Map([['s0', 1]]), 1);
      const q = new Map<string, number>();
      trail.forEach((c, s) => q.set(s, c * n));
      q.set('s0', (q.get('s0') ?? 0) + 1);
      // read after some steps only: the others' trails are cleared by the next step unread
      if (rand() < 0.5) assert.deepEqual(obj(t.lastQuietTrail()), obj(q));
    } else assert.deepEqual(obj(t.calls), obj(want));
  }
  assert.deepEqual(obj(t.calls), obj(want));
});
