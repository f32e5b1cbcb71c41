// MAP_POPULATE of sparse files as runs (src/sim/mm/gup.ts holeRun) against
// the page-by-page reference: a hole fault (dax_iomap_pte_fault →
// dax_load_hole, a zero-page PTE) is taken once per run and replayed, and the
// calls, clock, page tables, DAX entries, page owners, log, signals and
// verdicts must equal faulting every page: holes between extents, a hole at
// the end of the file (past the last extent and in the page holding EOF),
// unwritten extents, windows that are wholly a hole (each page's PMD attempt
// looks at the window and falls back) and windows part written, misaligned
// mappings, a mapping faulted quietly after the first runs, then a store to a
// hole page (which allocates), a load of a hole page, a second populate over
// the allocated page, MADV_HWPOISON and an unbind, under the four designs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../src/sim/scenario/load';
import { Session } from '../../src/sim/run';
import { alignedXfsHead, flat, reportState } from './helpers';
import { setNaiveIntervals } from '../../src/sim/intervals';
import type { Design } from '../../src/sim/scenario/types';
import type { XfsSuperBlock } from '../../src/sim/fs/xfs/xfs_super';

// many: 24 small extents 8 blocks apart, so a populate meets more hole runs
// than TRACED_RUNS and goes quiet over the rest
const MANY = Array.from({ length: 24 }, (_, i) => `{ offset: ${i * 16}, block: ${40000 + i * 9}, length: 8 }`).join(', ');

const SCENARIO = (design: Design, events: string) => `
${alignedXfsHead('sparse populate as runs', design)}
files:
  - { path: /mnt/pmem/sparse, size: 8MiB, fill: 0x61, extents: [ { offset: 0, block: 9000, length: 16 }, { offset: 512, block: 12288, length: 512 }, { offset: 1600, block: 16000, length: 8 } ] }
  - { path: /mnt/pmem/unw, size: 4MiB, fill: 0x62, extents: [ { offset: 0, block: 36864, length: 1024 } ] }
  - { path: /mnt/pmem/many, size: 2MiB, fill: 0x63, extents: [ ${MANY} ] }
  - { path: /mnt/pmem/tail, size: 10000, fill: 0x64, extents: [ { offset: 0, block: 20000, length: 1 } ] }
processes:
  - { pid: 100, comm: a, mceKill: early }
  - { pid: 101, comm: b }
  - { pid: 102, comm: c, mceKill: early }
events:
${events}
`;

const BEFORE = `
  - { do: mmap, process: 100, id: m0, file: /mnt/pmem/sparse, length: 8MiB, addr: 0x7f0000000000, populate: true }
  - { do: mmap, process: 101, id: m0, file: /mnt/pmem/sparse, offset: 4096, length: 6MiB, addr: 0x7f1000001000, populate: true }
  - { do: mmap, process: 102, id: m0, file: /mnt/pmem/unw, length: 4MiB, addr: 0x7f2000000000, populate: true }
  - { do: mmap, process: 102, id: m1, file: /mnt/pmem/many, length: 2MiB, addr: 0x7f3000000000, populate: true }
  - { do: mmap, process: 101, id: m1, file: /mnt/pmem/tail, length: 12KiB, addr: 0x7f4000000000, populate: true }
  - { do: store, process: 100, addr: 0x7f000044c000, length: 8 }
  - { do: load, process: 100, addr: 0x7f0000500000, length: 8 }
  - { do: store, process: 102, addr: 0x7f2000100000, length: 8 }
  - { do: mmap, process: 101, id: m2, file: /mnt/pmem/sparse, length: 8MiB, addr: 0x7f5000000000, populate: true }
`;

const EVENTS = `${BEFORE}  - { do: madvise-hwpoison, process: 100, addr: 0x7f0000201000, length: 4096 }
  - { do: madvise-hwpoison, process: 101, addr: 0x7f5000401000, length: 4096 }
  - { do: madvise-hwpoison, process: 102, addr: 0x7f2000000000, length: 4096 }
  - { do: unbind, namespace: namespace0.0 }
`;

/**
 * What fallocate(2) leaves, in the data fork: blocks [off, off + len) of
 * /mnt/pmem/unw made unwritten (the scenario format has no preallocation
 * event; both runs get the same fork).
 */
function unwritten(s: Session, off: number, len: number): void {
  const sb = s.machine.k.superblocks[0] as XfsSuperBlock;
  const ino = sb.files.get('/mnt/pmem/unw')!.ino;
  const ip = (sb.model as unknown as { inodes: Map<number, { data: { setState(o: number, l: number, u: boolean): void } }> }).inodes.get(ino)!;
  ip.data.setState(off, len, true);
}

function run(design: Design, naive: boolean, events = EVENTS) {
  setNaiveIntervals(naive);
  try {
    const s = new Session(loadScenario(SCENARIO(design, events), 'holes.poison.yaml'));
    // a 2 MiB-aligned unwritten window (512..1023) and a misaligned stretch
    unwritten(s, 100, 300);
    unwritten(s, 512, 512);
    for (const e of s.scenario.events) s.step(e);
    const report = s.finish();
    const k = s.machine.k;
    const mmaps = new Set(report.events.filter((e) => e.do === 'mmap').map((e) => e.id));
    return {
      spans: report.spans.filter((x) => x.event && mmaps.has(x.event)),
      state: {
        ...reportState(report),
        now: k.tr.now,
        ptes: k.tasks.flatMap((t) => (t.mm ? t.mm.vmas.map((v) => ({ pid: t.pid, id: v.id, ptes: flat(v.ptes) })) : [])),
        entries: k.superblocks.flatMap((sb) => [...sb.files.values()].map((i) => ({ path: i.path, entries: flat(i.mapping.entries) }))),
        owners: flat(k.pageOwner),
      },
    };
  } finally {
    setNaiveIntervals(false);
  }
}

for (const design of ['upstream', 'page-mapping', 'corrupted-range', 'pagemap-failure'] as Design[]) {
  test(`populate of sparse files as runs equals page by page (${design})`, () => {
    const bulk = run(design, false);
    const naive = run(design, true);
    assert.deepEqual(bulk.state, naive.state);
    // thousands of hole faults; the runs keep the trace to a few trees
    const faults = bulk.state.calls.dax_load_hole ?? 0;
    assert.ok(faults > 2000, `${faults} dax_load_hole calls`);
    assert.ok(bulk.spans.length * 20 < naive.spans.length, `far fewer spans: ${bulk.spans.length} vs ${naive.spans.length}`);
    // a traced hole run: one tree whose spans all carry the run's count
    const hole = bulk.spans.find((x) => x.symbol === 'dax_load_hole' && (x.count ?? 1) > 1);
    assert.ok(hole, 'a hole run is replayed');
    let root = hole;
    while (root.parent !== null) root = bulk.spans[bulk.spans.findIndex((x) => x.id === root!.parent)]!;
    assert.equal(root.symbol, 'do_user_addr_fault');
    assert.equal(root.count, hole.count);
    assert.match(String(root.args.addr), /^0x[0-9a-f]+\.\.0x[0-9a-f]+$/);
    // the quiet stretches say how many faults they stand for
    const summaries = bulk.spans.filter((x) => x.symbol === 'do_user_addr_fault' && x.args.runs !== undefined);
    assert.ok(summaries.length > 0, 'quiet stretches are summarised');
  });
}

test('a sparse mapping populated as runs leaves zero-page PTEs over its holes only, and a store there allocates', () => {
  const { state } = run('upstream', false, BEFORE);
  const m0 = state.ptes.find((p) => p.pid === 100 && p.id === 'm0')!.ptes as { start: number; end: number; value: { pfn: number; writable: boolean } }[];
  const base = 0x7f0000000000 / 4096;
  const at = (page: number) => m0.find((r) => r.start <= base + page && base + page < r.end)?.value;
  // written data: device pages; holes: the zero page (-1)
  assert.ok(at(0)!.pfn >= 0);
  assert.equal(at(16)!.pfn, -1);
  assert.equal(at(511)!.pfn, -1);
  assert.ok(at(512)!.pfn >= 0);
  assert.equal(at(1024)!.pfn, -1);
  assert.equal(at(2047)!.pfn, -1);
  // the store at page 1100, in the hole after the 2 MiB extent, allocated a block: a writable device page
  assert.ok(at(1100)!.pfn >= 0 && at(1100)!.writable, JSON.stringify(at(1100)));
  // every page of the 8 MiB vma is mapped, in few ranges
  assert.equal(
    m0.reduce((n, r) => n + r.end - r.start, 0),
    2048,
  );
  assert.ok(m0.length < 20, `${m0.length} PTE ranges`);
});
