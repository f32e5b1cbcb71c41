// The i_mmap interval tree (src/sim/mm/interval-tree.ts) against a linear
// filter: after any sequence of inserts and removes, a query gives exactly
// the VMAs whose file range meets it, in the kernel's tree order (by first
// file index, then by insertion); and the tree of VMAs with entries present
// follows every page-table change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VmaIntervalTree } from '../../src/sim/mm/interval-tree';
import { AddressSpace, Task, Vma } from '../../src/sim/mm/types';

const PAGE = 4096;

function vmaOf(mapping: AddressSpace, task: Task, id: number, pgoff: number, pages: number): Vma {
  const start = 0x7f0000000000 + id * 0x100000000;
  return new Vma(`m${id}`, task.mm!, start, start + pages * PAGE, pgoff, mapping, 'r', 'shared', '/f');
}

/** the linear filter the tree replaces: overlapping VMAs, by first index, ties in insertion order */
function linear(live: { vma: Vma; seq: number }[], first: number, last: number): Vma[] {
  return live
    .filter(({ vma }) => vma.pgoff <= last && vma.pgoff + vma.pages - 1 >= first)
    .sort((a, b) => a.vma.pgoff - b.vma.pgoff || a.seq - b.seq)
    .map((x) => x.vma);
}

const op = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), pgoff: fc.integer({ min: 0, max: 60 }), pages: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('query' as const), first: fc.integer({ min: 0, max: 100 }), len: fc.integer({ min: 0, max: 40 }) }),
);

test('vma interval tree: every query gives what a linear filter gives, in tree order (property)', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
      const mapping = new AddressSpace(1, null, true);
      const task = new Task(1, 't', 'default', 'handle');
      const tree = new VmaIntervalTree();
      const live: { vma: Vma; seq: number }[] = [];
      let id = 0;
      let seq = 0;
      for (const o of ops) {
        if (o.kind === 'insert') {
          const vma = vmaOf(mapping, task, id++, o.pgoff, o.pages);
          tree.insert(vma);
          live.push({ vma, seq: seq++ });
        } else if (o.kind === 'remove') {
          if (!live.length) continue;
          const [x] = live.splice(o.pick % live.length, 1);
          assert.equal(tree.remove(x!.vma), true);
          assert.equal(tree.remove(x!.vma), false);
        } else {
          const got = tree.query(o.first, o.first + o.len);
          assert.deepEqual(got.map((v) => v.id), linear(live, o.first, o.first + o.len).map((v) => v.id));
        }
        assert.equal(tree.size, live.length);
      }
      assert.deepEqual(tree.all().map((v) => v.id), linear(live, 0, Number.MAX_SAFE_INTEGER).map((v) => v.id));
      for (let p = 0; p < 100; p += 7) assert.deepEqual(tree.query(p, p).map((v) => v.id), linear(live, p, p).map((v) => v.id));
    }),
  );
});

test('vma interval tree: equal starts stay in insertion order, across removals', () => {
  const mapping = new AddressSpace(1, null, true);
  const task = new Task(1, 't', 'default', 'handle');
  const tree = new VmaIntervalTree();
  const vmas = [0, 1, 2, 3, 4, 5].map((i) => vmaOf(mapping, task, i, i % 2 ? 10 : 0, 20));
  for (const v of vmas) tree.insert(v);
  assert.deepEqual(tree.query(12, 12).map((v) => v.id), ['m0', 'm2', 'm4', 'm1', 'm3', 'm5']);
  tree.remove(vmas[2]!);
  tree.insert(vmas[2]!);
  // reinserted: now the last of those starting at 0
  assert.deepEqual(tree.query(5, 5).map((v) => v.id), ['m0', 'm4', 'm2']);
  assert.deepEqual(tree.query(25, 40).map((v) => v.id), ['m1', 'm3', 'm5']);
  assert.deepEqual(tree.query(29, 29).map((v) => v.id), ['m1', 'm3', 'm5']);
  assert.deepEqual(tree.query(30, 40), []);
});

test('the mapped-VMA tree follows page-table changes and i_mmap membership (property)', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('link' as const), pgoff: fc.integer({ min: 0, max: 40 }), pages: fc.integer({ min: 1, max: 20 }) }),
          fc.record({ kind: fc.constant('unlink' as const), pick: fc.nat() }),
          fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
          fc.record({ kind: fc.constant('clear' as const), pick: fc.nat(), at: fc.nat(), n: fc.integer({ min: 1, max: 30 }) }),
        ),
        { maxLength: 80 },
      ),
      (ops) => {
        const mapping = new AddressSpace(1, null, true);
        const task = new Task(1, 't', 'default', 'handle');
        const all: Vma[] = [];
        let id = 0;
        for (const o of ops) {
          if (o.kind === 'link') {
            const v = vmaOf(mapping, task, id++, o.pgoff, o.pages);
            all.push(v);
            mapping.linkVma(v);
            continue;
          }
          if (!all.length) continue;
          const v = all[o.pick % all.length]!;
          if (o.kind === 'unlink') mapping.unlinkVma(v);
          else {
            const vpn = v.start / PAGE + (o.at % v.pages);
            if (o.kind === 'set') v.ptes.set(vpn, Math.min(vpn + o.n, v.end / PAGE), { pfn: 100, shift: 12, writable: false });
            else v.ptes.clear(vpn, vpn + o.n);
          }
          const linked = mapping.i_mmap.all();
          const want = linked.filter((x) => !x.ptes.isEmpty());
          assert.deepEqual(mapping.mapped.all().map((x) => x.id), want.map((x) => x.id));
          for (let p = 0; p < 60; p += 5) assert.deepEqual(mapping.mapped.query(p, p + 3).map((x) => x.id), want.filter((x) => x.pgoff <= p + 3 && x.pgoff + x.pages > p).map((x) => x.id));
        }
      },
    ),
  );
});
