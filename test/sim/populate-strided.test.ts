// MAP_POPULATE of files in many equally long extents placed in arithmetic
// progression (the ranges the page tables, DAX entries and page owners keep
// as strided runs, src/sim/intervals.ts), against the page-by-page
// reference: progressions with breaks (a different gap, a different length,
// a hole, a reflinked stretch), extents straddling a 2 MiB window, a
// known-bad sector in the middle of a progression, a second mapper over the
// entries the first left, a mapping at an offset, then MADV_HWPOISON and an
// unbind, under the four designs. Calls, clock, page tables, DAX entries,
// page owners, log, signals and verdicts must be equal, and the populated
// tables must be held in far fewer entries than ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenarioFull } from '../../src/sim/run';
import { alignedXfsHead, expandDmesg, flat } from './helpers';
import { setNaiveIntervals } from '../../src/sim/intervals';
import type { Design } from '../../src/sim/scenario/types';

/** extents `len` blocks long, `gap` free blocks apart, from file block `off` and device block `block` */
const progression = (n: number, off: number, block: number, len: number, gap: number): string[] =>
  Array.from({ length: n }, (_, i) => `{ offset: ${off + i * len}, block: ${block + i * (len + gap)}, length: ${len} }`);

// 20 extents of 2 blocks a block apart; a break (a wider gap); 10 of 3
// blocks; a hole of 4 blocks; 12 of 2 blocks again
const PROG = [
  ...progression(20, 0, 30000, 2, 1),
  '{ offset: 40, block: 30100, length: 2 }',
  ...progression(10, 42, 30200, 3, 1),
  ...progression(12, 76, 30300, 2, 1),
].join(', ');
// 200 extents of 3 blocks a block apart: 600 pages, runs cross the 2 MiB window at page 512
const WIDE = progression(200, 0, 40000, 3, 1).join(', ');

const SCENARIO = (design: Design) => `
${alignedXfsHead('strided populate', design)}
files:
  - { path: /mnt/pmem/prog, size: 400KiB, fill: 0x61, extents: [ ${PROG} ] }
  - { path: /mnt/pmem/wide, size: 2400KiB, fill: 0x62, extents: [ ${WIDE} ] }
  - { path: /mnt/pmem/copy, size: 400KiB, fill: 0x63, clone: [ { from: /mnt/pmem/prog, srcOffset: 0, dstOffset: 0, length: 80KiB } ], extents: [ { offset: 20, block: 50000, length: 80 } ] }
processes:
  - { pid: 100, comm: a, mceKill: early }
  - { pid: 101, comm: b }
  - { pid: 102, comm: c }
events:
  - { do: inject-error, namespace: namespace0.0, block: 30218, count: 1 }
  - { do: mmap, process: 100, id: prog, file: /mnt/pmem/prog, length: 400KiB, populate: true }
  - { do: mmap, process: 100, id: wide, file: /mnt/pmem/wide, length: 2400KiB, addr: 0x7f1000000000, populate: true }
  - { do: mmap, process: 101, id: copy, file: /mnt/pmem/copy, length: 400KiB, populate: true }
  - { do: mmap, process: 101, id: prog, file: /mnt/pmem/prog, length: 400KiB, populate: true }
  - { do: mmap, process: 102, id: wide, file: /mnt/pmem/wide, offset: 12288, length: 2MiB, addr: 0x7f2000005000, populate: true }
  - { do: madvise-hwpoison, process: 100, addr: 0x7f1000100000, length: 4096 }
  - { do: unbind, namespace: namespace0.0 }
`;

for (const design of ['upstream', 'page-mapping', 'corrupted-range', 'pagemap-failure'] as Design[])
  test(`populate of extents in arithmetic progression, with breaks and mixed sizes, equals page by page (${design})`, () => {
    const go = (naive: boolean) => {
      setNaiveIntervals(naive);
      try {
        const { machine, report } = runScenarioFull(loadScenario(SCENARIO(design), 'strided.poison.yaml'));
        const k = machine.k;
        return {
          stored: k.tasks.flatMap((t) => (t.mm ? t.mm.vmas.map((v) => [v.ptes.stored, v.ptes.size]) : [])),
          state: {
            events: report.events.map((e) => ({ id: e.id, at: e.at, result: e.result })),
            signals: report.signals,
            dmesg: expandDmesg(report.dmesg),
            calls: report.calls,
            hwpoison: report.hwpoison,
            verdicts: report.verdicts.map(({ span: _s, ...v }) => v),
            now: k.tr.now,
            ptes: k.tasks.flatMap((t) => (t.mm ? t.mm.vmas.map((v) => ({ pid: t.pid, id: v.id, ptes: flat(v.ptes) })) : [])),
            owners: flat(k.pageOwner),
          },
        };
      } finally {
        setNaiveIntervals(false);
      }
    };
    const bulk = go(false);
    const naive = go(true);
    assert.deepEqual(bulk.state, naive.state);
  });

test('a populated progression of extents is held as strided runs: page tables, DAX entries and page owners', () => {
  const s = SCENARIO('upstream').replace(/  - \{ do: madvise-hwpoison[^\n]*\n  - \{ do: unbind[^\n]*\n/, '');
  const { machine } = runScenarioFull(loadScenario(s, 'strided.poison.yaml'));
  const k = machine.k;
  const a = k.tasks.find((t) => t.pid === 100)!.mm!.vmas.find((v) => v.id === 'wide')!;
  // 200 extents of 3 pages: 200 ranges (the one the 2 MiB window cuts in two runs joins again), a handful of entries
  assert.equal(a.ptes.size, 200);
  assert.ok(a.ptes.stored <= 4, `${a.ptes.stored} entries`);
  assert.ok(a.mapping.entries.stored <= 4, `${a.mapping.entries.stored} DAX entries for ${a.mapping.entries.size} ranges`);
  assert.ok(k.pageOwner.stored * 10 < k.pageOwner.size, `${k.pageOwner.stored} owner entries for ${k.pageOwner.size} ranges`);
  // every page maps the block its extent puts there
  for (const page of [0, 1, 2, 3, 299, 510, 511, 512, 513, 599]) {
    const ext = Math.floor(page / 3);
    const pte = a.ptes.get(a.start / 4096 + page)!;
    const entry = a.mapping.entries.get(page)!;
    assert.equal(pte.pfn, entry.pfn, `page ${page}`);
    const first = a.ptes.get(a.start / 4096)!.pfn;
    assert.equal(pte.pfn - first, ext * 4 + (page % 3), `page ${page}: extent ${ext}`);
    const owner = k.pageOwner.get(pte.pfn)!;
    assert.deepEqual(owner.kind === 'file' && [owner.mapping, owner.index], [a.mapping, page]);
  }
});
