// Unbind of a populated machine shaped like the bench's used machine
// (bench/machine.ts), on a 320 MiB namespace (the page-by-page reference
// holds a file owner as a set of bytes, so the files stay small): small
// files in many 4-block extents mapped with PTEs by two processes, one
// partly, and a PMD-aligned 16 MiB file in two extents mapped by four
// processes (early, default, late). The reverse-map records, the PMD entries
// and the owners' pfns are done in shape-alike stretches (AlikeStretch: the
// first traced, the rest quiet under one summary span); calls, clock,
// signals, dmesg, hwpoison and verdicts must equal the page-by-page
// reference under every design.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenarioFull } from '../../src/sim/run';
import { setNaiveIntervals } from '../../src/sim/intervals';
import { DESIGNS, type Design } from '../../src/sim/scenario/types';
import { alignedXfsHead, unbindState } from './helpers';

const SMALL = 6;
const smallFiles = Array.from({ length: SMALL }, (_, i) => `  - { path: /mnt/pmem/s${i}, size: 160KiB, fill: 0x6${i}, extents: [ { offset: 0, block: ${9000 + i * 100}, length: 4, count: 10, stride: 5 } ] }`).join('\n');
const maps = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, j) => `{ id: s${from + j}, file: /mnt/pmem/s${from + j}, length: 160KiB, addr: ${`0x7f00${(from + j).toString(16).padStart(2, '0')}000000`}, populate: true }`).join(', ');

const SCENARIO = (design: Design) => `
${alignedXfsHead('a used machine at 64 MiB, unbound', design, '320MiB')}
files:
${smallFiles}
  - { path: /mnt/pmem/db, size: 16MiB, fill: 0x64, extents: [ { offset: 0, block: 16384, length: 2048 }, { offset: 2048, block: 82176, length: 2048 } ] }
processes:
  - { pid: 100, comm: a, mceKill: early, mappings: [ ${maps(0, 3)} ] }
  - { pid: 101, comm: b, mappings: [ ${maps(3, SMALL - 1)}, { id: part, file: /mnt/pmem/s${SMALL - 1}, offset: 8KiB, length: 64KiB, populate: true } ] }
  - { pid: 200, comm: db0, mceKill: early, mappings: [ { id: db, file: /mnt/pmem/db, length: 16MiB, addr: 0x7e0000000000, populate: true } ] }
  - { pid: 201, comm: db1, mappings: [ { id: db, file: /mnt/pmem/db, length: 16MiB, addr: 0x7e0000000000, populate: true } ] }
  - { pid: 202, comm: db2, mappings: [ { id: db, file: /mnt/pmem/db, length: 16MiB, addr: 0x7e0000000000, populate: true } ] }
  - { pid: 203, comm: db3, mceKill: late, mappings: [ { id: db, file: /mnt/pmem/db, length: 16MiB, addr: 0x7e0000000000, populate: true } ] }
events:
  - { do: unbind, namespace: namespace0.0 }
`;

function run(design: Design, naive: boolean, scenario = SCENARIO) {
  setNaiveIntervals(naive);
  try {
    const { machine, report } = runScenarioFull(loadScenario(scenario(design), 'used-64m.poison.yaml'));
    const e = report.events[report.events.length - 1]!;
    return {
      spans: report.spans.filter((s) => s.event === e.id),
      state: unbindState(report, machine.k),
    };
  } finally {
    setNaiveIntervals(false);
  }
}

for (const design of DESIGNS) {
  test(`unbind of a populated machine in shape-alike stretches equals page by page (${design})`, () => {
    const bulk = run(design, false);
    const naive = run(design, true);
    assert.deepEqual(bulk.state, naive.state);
    if (design === 'upstream' || design === 'pagemap-failure') {
      assert.ok(bulk.state.calls.kill_proc! > 100, `${bulk.state.calls.kill_proc} kill_proc`);
      assert.ok(bulk.spans.length * 20 < naive.spans.length, `summarised: ${bulk.spans.length} spans vs ${naive.spans.length}`);
      // a summary of a quiet stretch: a count, first..last arguments, no children
      const sym = design === 'upstream' ? 'xfs_dax_failure_fn' : 'memory_failure';
      const sums = bulk.spans.filter((s) => s.symbol === sym && (s.count ?? 1) > 1 && !bulk.spans.some((c) => c.parent === s.id));
      assert.ok(sums.length > 0, `a summary ${sym} span`);
      assert.match(String(design === 'upstream' ? sums[0]!.args.startblock : sums[0]!.args.pfn), /^0x[0-9a-f]+\.\.0x[0-9a-f]+$|^\d+\.\.\d+$/);
      // the spans' counts add up to the calls for the stretch's symbol
      const counted = bulk.spans.filter((s) => s.symbol === sym).reduce((n, s) => n + (s.count ?? 1), 0);
      assert.equal(counted, bulk.state.calls[sym]);
    }
  });
}

test('a stretch broken by a differently mapped record traces again after it (upstream)', () => {
  const bulk = run('upstream', false);
  // the partly mapped file breaks the small files' stretch: its records are traced in full
  const traced = bulk.spans.filter((s) => s.symbol === 'xfs_dax_failure_fn' && bulk.spans.some((c) => c.parent === s.id && c.symbol === 'mf_dax_kill_procs'));
  assert.ok(traced.length >= 4, `${traced.length} records traced in full`);
  assert.ok(traced.some((s) => s.args.owner !== traced[0]!.args.owner), 'records of more than one file traced');
});

// The shapes the bulk path (src/sim/mm/bulk.ts) takes members of: PMD
// entries of a 16 MiB extent mapped by three processes (one early-kill, one
// mapping only part of the file), a file whose first 4 MiB are PMD entries
// and whose last pages are PTEs, small files' extents in several processes,
// and a reflinked pair of files last on the device (its pages are shared: the
// designs that go through page->mapping oops there, after everything else).
const BULK_SHAPES = (design: Design) => `
${alignedXfsHead('bulk members of every shape, unbound', design, '320MiB')}
files:
${Array.from({ length: 4 }, (_, i) => `  - { path: /mnt/pmem/s${i}, size: 96KiB, fill: 0x6${i}, extents: [ { offset: 0, block: ${9000 + i * 100}, length: 4, count: 6, stride: 5 } ] }`).join('\n')}
  - { path: /mnt/pmem/db, size: 16MiB, fill: 0x64, extents: [ { offset: 0, block: 16384, length: 4096 } ] }
  - { path: /mnt/pmem/mix, size: 4112KiB, fill: 0x65, extents: [ { offset: 0, block: 24576, length: 1024 }, { offset: 1024, block: 26000, length: 4 } ] }
  - { path: /mnt/pmem/r0, size: 96KiB, fill: 0x72, extents: [ { offset: 0, block: 90000, length: 4, count: 6, stride: 5 } ] }
  - { path: /mnt/pmem/r1, reflink: /mnt/pmem/r0 }
processes:
  - { pid: 100, comm: a, mceKill: early, mappings: [ ${maps(0, 2)} ] }
  - { pid: 101, comm: b, mappings: [ ${maps(2, 4)}, { id: mix, file: /mnt/pmem/mix, length: 4112KiB, addr: 0x7d0000000000, populate: true } ] }
  - { pid: 200, comm: db0, mceKill: early, mappings: [ { id: db, file: /mnt/pmem/db, length: 16MiB, addr: 0x7e0000000000, populate: true } ] }
  - { pid: 201, comm: db1, mappings: [ { id: db, file: /mnt/pmem/db, length: 16MiB, addr: 0x7e0000000000, populate: true } ] }
  - { pid: 202, comm: db2, mappings: [ { id: db, file: /mnt/pmem/db, offset: 4MiB, length: 8MiB, addr: 0x7e0000000000, populate: true } ] }
  - { pid: 300, comm: r, mceKill: early, mappings: [ { id: r0, file: /mnt/pmem/r0, length: 96KiB, addr: 0x7c0000000000, populate: true }, { id: r1, file: /mnt/pmem/r1, length: 96KiB, addr: 0x7c0100000000, populate: true } ] }
events:
  - { do: unbind, namespace: namespace0.0 }
`;

for (const design of DESIGNS) {
  test(`unbind in bulk members (PMD runs, PMD then PTE, partial and early-kill mappers, a reflinked pair) equals page by page (${design})`, () => {
    const bulk = run(design, false, BULK_SHAPES);
    const naive = run(design, true, BULK_SHAPES);
    assert.deepEqual(bulk.state, naive.state);
    // the designs that go through notify_failure or every pfn: the members killed, logged and unmapped
    if (design === 'upstream' || design === 'pagemap-failure') assert.ok(bulk.state.dmesg.length > 100, `${bulk.state.dmesg.length} dmesg lines`);
  });
}

// The members of a stretch found alike by range arithmetic (alikeByRanges in
// src/sim/mm/bulk.ts, RangeMap.repeats): before the unbind, one page of the
// 16 MiB file's sixth PMD entry is poisoned through a mapping (its entry is
// unmapped from every mapper, its pfn poisoned, a signal pending), so the
// PMD entries after the first are alike only up to it, and again after it;
// a mapper of the middle of the file starts and ends inside the run. A
// member taken in bulk past the poisoned entry, or past the partial mapper's
// ends, shows in the calls, the log, the signals or the page tables.
const BROKEN_RUN = (design: Design) =>
  BULK_SHAPES(design).replace(
    '  - { do: unbind, namespace: namespace0.0 }',
    '  - { do: madvise-hwpoison, process: 201, addr: 0x7e0000a03000, length: 4096 }\n  - { do: unbind, namespace: namespace0.0 }',
  );

for (const design of ['pagemap-failure', 'upstream'] as const) {
  test(`unbind in bulk of a PMD run broken by a poisoned entry and a partial mapper equals page by page (${design})`, () => {
    const bulk = run(design, false, BROKEN_RUN);
    const naive = run(design, true, BROKEN_RUN);
    assert.ok(bulk.state.hwpoison.length > 0, 'the poison before the unbind');
    assert.deepEqual(bulk.state, naive.state);
    assert.ok(bulk.spans.length * 20 < naive.spans.length, `summarised: ${bulk.spans.length} spans vs ${naive.spans.length}`);
  });
}
