// The pagemap-failure design's unbind (dev_pagemap_failure: memory_failure()
// for every pfn of the device) over many small files laid out, mapped and
// faulted in alike (the used machine's small files, bench/machine.ts): each
// file's extents (an unowned pfn, then the extent's pfns) are the units of
// the walk; the first extent of a file like the last one done for real is
// that one's record rebound to the new file (bulk.ts rebind), not done
// again, and the rest of the file's extents are done with it in bulk. The
// report must equal the page-by-page reference (calls, clock, log, signals,
// page tables, owners, poison, verdicts), and the spans must equal those of
// the same unbind with every file's first extent done for real. Rebinding
// must stop where the files stop being alike: another set of mappers, a
// file mapped in part, a file with a poisoned page, a file of another
// layout, a file not in the inode cache; and a file is rebound to the last
// one like it, not only to the one just before (files mapped by two tasks in turn).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagemapRebindCounts, setPagemapRebinds } from '../../src/sim/mm/memory-failure';
import { runUnbind } from './helpers';

const FILES = 10;
// 8 extents of 4 blocks each, one free block between them and between the files (the bench's layout)
const extents = (block: number) => `[ { offset: 0, block: ${block}, length: 4, count: 8, stride: 5 } ]`;
const small = Array.from({ length: FILES }, (_, i) => `  - { path: /mnt/pmem/s${i}, size: 128KiB, fill: 0x6${i}, extents: ${extents(3000 + i * 40)} }`).join('\n');
// files laid out alike, mapped by two tasks in turn (t0, t2, ... by a; t1, t3, ... by d): each
// is rebound to the last one of its own task's, recorded two files before
const TWINS = 10;
const twins = Array.from({ length: TWINS }, (_, i) => `  - { path: /mnt/pmem/t${i}, size: 128KiB, fill: 0x5${i}, extents: ${extents(5000 + i * 40)} }`).join('\n');
const twinMaps = (odd: number) =>
  Array.from({ length: TWINS / 2 }, (_, j) => 2 * j + odd)
    .map((i) => `{ id: t${i}, file: /mnt/pmem/t${i}, length: 128KiB, addr: 0x7f20${i.toString(16).padStart(2, '0')}000000, populate: true }`)
    .join(', ');
const map = (i: number, extra = '') => `{ id: s${i}, file: /mnt/pmem/s${i}, length: 128KiB, addr: 0x7f00${i.toString(16).padStart(2, '0')}000000, populate: true${extra} }`;

const SCENARIO = (version: string) => `
version: 1
name: small files alike, failed pfn by pfn on unbind
kernel: { design: pagemap-failure${version ? `, version: "${version}"` : ''} }
platform:
  regions: [ { id: region0, spa: 0x240000000, size: 96MiB } ]
  namespaces: [ { id: namespace0.0, region: region0, mode: fsdax, device: pmem0, align: 2MiB } ]
filesystems:
  - { device: pmem0, type: xfs, mount: /mnt/pmem, rmapbt: true, reflink: true, agcount: 2 }
files:
${small}
  - { path: /mnt/pmem/stride, size: 128KiB, fill: 0x70, extents: [ { offset: 0, block: 4000, length: 4, count: 4, stride: 5 }, { offset: 16, block: 4030, length: 4, count: 2, stride: 7 }, { offset: 24, block: 4050, length: 8 } ] }
${twins}
  - { path: /mnt/pmem/cold, size: 128KiB, fill: 0x71, cached: false, extents: ${extents(4100)} }
processes:
  - { pid: 100, comm: a, mceKill: early, mappings: [ ${[0, 1, 2, 3].map((i) => map(i)).join(', ')}, ${twinMaps(0)} ] }
  - { pid: 101, comm: b, mappings: [ ${[4, 5, 6, 7].map((i) => map(i)).join(', ')}, { id: half, file: /mnt/pmem/s8, length: 64KiB, addr: 0x7f0008000000, populate: true }, { id: stride, file: /mnt/pmem/stride, length: 128KiB, addr: 0x7f0010000000, populate: true } ] }
  - { pid: 102, comm: c, mceKill: late, mappings: [ ${map(2)}, { id: part, file: /mnt/pmem/s9, offset: 24KiB, length: 40KiB, addr: 0x7f0009000000, populate: true }, ${map(6, ', prot: r')} ] }
  - { pid: 103, comm: d, mceKill: early, mappings: [ ${twinMaps(1)} ] }
events:
  # a page of t5's third extent poisoned: its first extent is still t3's rebound, its third is not alike
  - { do: madvise-hwpoison, process: 103, addr: 0x7f2005009000, length: 4096 }
  - { do: unbind, namespace: namespace0.0 }
`;

function run(version: string, mode: 'rebind' | 'record' | 'naive') {
  pagemapRebindCounts.recorded = pagemapRebindCounts.rebound = 0;
  const r = runUnbind(SCENARIO(version), 'pagemap-rebind.poison.yaml', mode === 'naive', setPagemapRebinds, mode === 'rebind');
  return { ...r, counts: { ...pagemapRebindCounts } };
}

for (const version of ['', '6.1']) {
  test(`pagemap-failure unbind: files alike rebound to the one before equal every file done and page by page (${version || '6.12'})`, () => {
    const rebound = run(version, 'rebind');
    const recorded = run(version, 'record');
    const naive = run(version, 'naive');
    assert.equal(rebound.state.events.length, 2);
    // the report, page by page
    assert.deepEqual(rebound.state, naive.state);
    // the trace, each file's first extent done for real: the same spans (summaries, counts, first..last arguments)
    assert.deepEqual(rebound.spans, recorded.spans);
    assert.deepEqual(rebound.state, recorded.state);
    // every pfn of the device failed once, and the small files' mappers were signalled
    assert.equal(rebound.state.calls.memory_failure, naive.state.calls.memory_failure);
    assert.ok(rebound.state.calls.kill_proc! > 100, `${rebound.state.calls.kill_proc} kill_proc`);
    // t4 to t2's first extent, t5 to t3's, t8 to t6's, t9 to t7's (the file before each is the other
    // task's): rebound, not done again (t1's first extent is d's first signal: t3's is recorded anew)
    assert.ok(rebound.counts.rebound >= 4, JSON.stringify(rebound.counts));
    assert.deepEqual(recorded.counts, { recorded: 0, rebound: 0 });
    // the rebound files' lines join the runs before them
    assert.ok(rebound.logEntries < recorded.logEntries, `log entries ${rebound.logEntries} rebound, ${recorded.logEntries} each file done`);
  });
}
